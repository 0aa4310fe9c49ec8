//! The story as tables, one per section (processes flat, with parent pids).

use std::fmt::Write as _;

use super::{bytes, clip, naming, t};
use crate::story::Story;

fn section(o: &mut String, title: &str, header: &[&str], rows: Vec<Vec<String>>) {
    let mut table = comfy_table::Table::new();
    table.load_style(comfy_table::presets::UTF8_FULL_CONDENSED);
    table.set_content_arrangement(comfy_table::ContentArrangement::Disabled);
    table.set_header(header.iter().copied());
    let n = rows.len();
    for r in rows {
        table.add_row(r);
    }
    let _ = writeln!(o, "{title} ({n})");
    if n > 0 {
        let _ = writeln!(o, "{table}");
    }
    let _ = writeln!(o);
}

/// The story as tables (one per section), for wide terminals and for pasting into tools that
/// keep columns: facts, processes (flat, with parent pids), timeline, files, connections,
/// pivots and gaps.
pub fn render_table(story: &Story) -> String {
    let mut o = String::new();
    let opt = |v: Option<String>| v.unwrap_or_default();
    let mut facts: Vec<Vec<String>> = Vec::new();
    match &story.container {
        Some(c) => {
            let id = [("container", Some(c.container_id.clone()))];
            for (k, v) in id.into_iter().chain(naming(c)).chain([
                ("created", c.created.map(t)),
                ("started", c.started.map(t)),
                ("exited", c.exited.map(t)),
                ("exit code", c.exit_code.map(|x| x.to_string())),
                ("removed", Some(c.removed.to_string())),
            ]) {
                if let Some(v) = v {
                    facts.push(vec![k.into(), v]);
                }
            }
        }
        None => facts.push(vec!["process".into(), story.subject.id.clone()]),
    }
    facts.push(vec![
        "host".into(),
        format!("{} ({})", story.host.label(), story.host.host_id),
    ]);
    facts.push(vec![
        "window".into(),
        format!("{} .. {}", t(story.window.since), t(story.window.until)),
    ]);
    section(&mut o, "Facts", &["", ""], facts);
    let pid = |p: Option<i64>| p.map(|x| x.to_string()).unwrap_or_default();
    section(
        &mut o,
        "Processes",
        &[
            "pid", "ppid", "inside", "start", "exit", "user", "exe", "argv", "notes",
        ],
        story
            .processes
            .iter()
            .map(|p| {
                let mut notes = Vec::new();
                if let Some(e) = &p.entry {
                    notes.push(e.clone());
                }
                if p.drift {
                    notes.push("DRIFT: written then run".into());
                }
                vec![
                    pid(p.pid),
                    pid(p.ppid),
                    if p.inside { "*".into() } else { String::new() },
                    opt(p.exec_time.or(p.start).map(t)),
                    opt(p.exit_code.map(|c| c.to_string())),
                    opt(p.user.clone()),
                    opt(p.exe.clone()),
                    clip(&p.argv.join(" "), 120),
                    notes.join(", "),
                ]
            })
            .collect(),
    );
    section(
        &mut o,
        "Timeline",
        &["time", "kind", "pid", "process", "what"],
        story
            .timeline
            .iter()
            .map(|e| {
                vec![
                    t(e.time),
                    e.kind.clone(),
                    pid(e.pid),
                    opt(e.exe.clone()),
                    clip(&e.summary, 160),
                ]
            })
            .collect(),
    );
    section(
        &mut o,
        "Files",
        &["path", "actions", "sha256", "executed after write"],
        story
            .files
            .iter()
            .flat_map(|d| d.files.iter().map(move |f| (d.runtime_setup, f)))
            .map(|(setup, f)| {
                let acts: Vec<String> = f
                    .actions
                    .iter()
                    .map(|a| format!("{} {}", a.kind, t(a.time)))
                    .collect();
                vec![
                    if setup {
                        format!("{} (container setup by the runtime)", f.path)
                    } else {
                        f.path.clone()
                    },
                    acts.join("\n"),
                    opt(f.sha256.clone()),
                    if f.executed {
                        "yes".into()
                    } else {
                        String::new()
                    },
                ]
            })
            .collect(),
    );
    section(
        &mut o,
        "Connections",
        &[
            "direction",
            "protocol",
            "peer",
            "port",
            "process",
            "count",
            "first",
            "last",
            "out",
            "in",
            "far end",
        ],
        story
            .connections
            .iter()
            .map(|c| {
                vec![
                    c.direction.to_string(),
                    c.protocol.clone(),
                    opt(c.remote_ip.clone()),
                    opt(c.port.map(|p| p.to_string())),
                    opt(c.exe.clone()),
                    c.count.to_string(),
                    t(c.first),
                    t(c.last),
                    bytes(c.bytes_sent),
                    bytes(c.bytes_received),
                    opt(c.far_end.clone()),
                ]
            })
            .collect(),
    );
    section(
        &mut o,
        "Pivots",
        &["hop", "kind", "where", "host", "count", "first", "why"],
        story
            .pivots
            .iter()
            .map(|p| {
                vec![
                    p.hop.to_string(),
                    p.kind.to_string(),
                    p.label.clone(),
                    p.host.label().to_string(),
                    p.count.to_string(),
                    t(p.first),
                    p.reason.clone(),
                ]
            })
            .collect(),
    );
    section(
        &mut o,
        "Gaps",
        &["host", "from", "to", "events lost", "reason", "source"],
        story
            .gaps
            .iter()
            .map(|g| {
                vec![
                    g.host.label().to_string(),
                    t(g.since),
                    t(g.until),
                    g.events_lost.to_string(),
                    g.reason.clone(),
                    g.source.clone(),
                ]
            })
            .collect(),
    );
    o
}
