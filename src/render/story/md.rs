//! The story as Markdown, for a ticket.

use std::fmt::Write as _;

use super::{Style, bytes, naming, short, t};
use crate::story::Story;

pub(super) fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// A Markdown table row of `cells` (already escaped).
fn row(o: &mut String, cells: &[String]) {
    let _ = writeln!(o, "| {} |", cells.join(" | "));
}

/// A code cell.
fn code(s: &str) -> String {
    format!("`{}`", md_cell(s))
}

/// The Markdown form, for a ticket.
pub fn render_md(story: &Story) -> String {
    let mut o = String::new();
    match &story.container {
        Some(c) => {
            let _ = writeln!(o, "# Container `{}`\n", short(&c.container_id));
            let _ = writeln!(o, "| | |\n|---|---|");
            let _ = writeln!(o, "| id | `{}` |", c.container_id);
            for (k, v) in naming(c).into_iter().chain([
                (
                    "host",
                    Some(format!("{} (`{}`)", story.host.label(), story.host.host_id)),
                ),
                ("created", c.created.map(t)),
                ("started", c.started.map(t)),
                (
                    "exited",
                    c.exited.map(|x| {
                        format!(
                            "{}{}",
                            t(x),
                            c.exit_code
                                .map(|c| format!(" (code {c})"))
                                .unwrap_or_default()
                        )
                    }),
                ),
                ("removed", Some(c.removed.to_string())),
            ]) {
                if let Some(v) = v {
                    row(&mut o, &[k.to_string(), md_cell(&v)]);
                }
            }
        }
        None => {
            let _ = writeln!(
                o,
                "# Process `{}` on {}\n",
                story.subject.id,
                story.host.label()
            );
        }
    }
    let _ = writeln!(
        o,
        "\nEvents from {} to {} ({}).\n",
        t(story.window.since),
        t(story.window.until),
        story.timeline.len()
    );
    let _ = writeln!(
        o,
        "## Process tree\n\n`*` marks processes inside the subject.\n\n```text"
    );
    super::tree::tree(story, Style { color: false }, &mut o);
    let _ = writeln!(
        o,
        "```\n\n## Timeline\n\n| time | kind | pid | process | what |\n|---|---|---:|---|---|"
    );
    for e in &story.timeline {
        let pid = e.pid.map(|p| p.to_string()).unwrap_or_default();
        let exe = code(e.exe.as_deref().unwrap_or(""));
        let cells = [t(e.time), e.kind.clone(), pid, exe, md_cell(&e.summary)];
        row(&mut o, &cells);
    }
    let _ = writeln!(
        o,
        "\n## Files\n\n| path | actions | sha256 | executed after write |\n|---|---|---|---|"
    );
    for d in &story.files {
        for f in &d.files {
            let acts: Vec<String> = f
                .actions
                .iter()
                .map(|a| format!("{} {}", a.kind, t(a.time)))
                .collect();
            let setup = if d.runtime_setup {
                " (container setup by the runtime)"
            } else {
                ""
            };
            let cells = [
                format!("{}{setup}", code(&f.path)),
                md_cell(&acts.join(", ")),
                f.sha256.clone().unwrap_or_default(),
                if f.executed { "**yes**" } else { "" }.to_string(),
            ];
            row(&mut o, &cells);
        }
    }
    let _ = writeln!(
        o,
        "\n## Connections\n\n| direction | peer | port | process | count | first | last | out | in | far end |\n|---|---|---:|---|---:|---|---|---:|---:|---|"
    );
    for c in &story.connections {
        let cells = [
            c.direction.to_string(),
            c.remote_ip.clone().unwrap_or_default(),
            c.port.unwrap_or(0).to_string(),
            code(c.exe.as_deref().unwrap_or("")),
            c.count.to_string(),
            t(c.first),
            t(c.last),
            bytes(c.bytes_sent),
            bytes(c.bytes_received),
            md_cell(c.far_end.as_deref().unwrap_or("")),
        ];
        row(&mut o, &cells);
    }
    let _ = writeln!(
        o,
        "\n## Pivots\n\n| hop | kind | where | count | first | why |\n|---:|---|---|---:|---|---|"
    );
    for p in &story.pivots {
        let place = format!("{} on {}", md_cell(&p.label), md_cell(p.host.label()));
        let cells = [
            p.hop.to_string(),
            p.kind.to_string(),
            place,
            p.count.to_string(),
            t(p.first),
            md_cell(&p.reason),
        ];
        row(&mut o, &cells);
    }
    let _ = writeln!(o, "\n## Gaps\n");
    if story.gaps.is_empty() {
        let _ = writeln!(o, "No loss recorded in the window.");
    }
    for g in &story.gaps {
        let _ = writeln!(
            o,
            "- {}: {} .. {}, {} events lost ({}, {})",
            g.host.label(),
            t(g.since),
            t(g.until),
            g.events_lost,
            g.reason,
            g.source
        );
    }
    o
}
