//! The story as Markdown, for a ticket.

use std::fmt::Write as _;

use super::{Style, bytes, short, t};
use crate::story::Story;

pub(super) fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// The Markdown form, for a ticket.
pub fn render_md(story: &Story) -> String {
    let mut o = String::new();
    match &story.container {
        Some(c) => {
            let _ = writeln!(o, "# Container `{}`\n", short(&c.container_id));
            let _ = writeln!(o, "| | |\n|---|---|");
            let _ = writeln!(o, "| id | `{}` |", c.container_id);
            for (k, v) in [
                ("name", c.name.clone()),
                ("image", c.image.clone()),
                ("image id", c.image_id.clone()),
                ("pod", c.pod.clone()),
                ("namespace", c.namespace.clone()),
                ("runtime", c.runtime.clone()),
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
            ] {
                if let Some(v) = v {
                    let _ = writeln!(o, "| {k} | {} |", md_cell(&v));
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
        let _ = writeln!(
            o,
            "| {} | {} | {} | `{}` | {} |",
            t(e.time),
            e.kind,
            e.pid.map(|p| p.to_string()).unwrap_or_default(),
            md_cell(e.exe.as_deref().unwrap_or("")),
            md_cell(&e.summary)
        );
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
            let _ = writeln!(
                o,
                "| `{}`{} | {} | {} | {} |",
                md_cell(&f.path),
                if d.runtime_setup {
                    " (container setup by the runtime)"
                } else {
                    ""
                },
                md_cell(&acts.join(", ")),
                f.sha256.as_deref().unwrap_or(""),
                if f.executed { "**yes**" } else { "" }
            );
        }
    }
    let _ = writeln!(
        o,
        "\n## Connections\n\n| direction | peer | port | process | count | first | last | out | in | far end |\n|---|---|---:|---|---:|---|---|---:|---:|---|"
    );
    for c in &story.connections {
        let _ = writeln!(
            o,
            "| {} | {} | {} | `{}` | {} | {} | {} | {} | {} | {} |",
            c.direction,
            c.remote_ip.as_deref().unwrap_or(""),
            c.port.unwrap_or(0),
            md_cell(c.exe.as_deref().unwrap_or("")),
            c.count,
            t(c.first),
            t(c.last),
            bytes(c.bytes_sent),
            bytes(c.bytes_received),
            md_cell(c.far_end.as_deref().unwrap_or(""))
        );
    }
    let _ = writeln!(
        o,
        "\n## Pivots\n\n| hop | kind | where | count | first | why |\n|---:|---|---|---:|---|---|"
    );
    for p in &story.pivots {
        let _ = writeln!(
            o,
            "| {} | {} | {} on {} | {} | {} | {} |",
            p.hop,
            p.kind,
            md_cell(&p.label),
            md_cell(p.host.label()),
            p.count,
            t(p.first),
            md_cell(&p.reason)
        );
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
