//! The story for a terminal: the process tree, then every section.

use std::collections::HashMap;
use std::fmt::Write as _;

use super::{Style, bytes, short, t};
use crate::story::{Proc, Story};

fn proc_line(p: &Proc, st: Style) -> String {
    let cmd = if p.argv.is_empty() {
        p.exe.clone().unwrap_or_else(|| "?".into())
    } else {
        p.argv.join(" ")
    };
    let cmd: String = if cmd.chars().count() > 160 {
        format!("{}…", cmd.chars().take(160).collect::<String>())
    } else {
        cmd
    };
    let mut s = format!(
        "{} [{}] {}",
        p.exe.as_deref().unwrap_or("?"),
        p.pid.map(|x| x.to_string()).unwrap_or_else(|| "?".into()),
        cmd
    );
    if let Some(u) = &p.user {
        let _ = write!(s, "  user={u}");
    }
    if let Some(a) = p.auid.filter(|a| *a >= 0 && *a != u32::MAX as i64) {
        let _ = write!(s, " auid={a}");
    }
    if let Some(x) = p.exec_time.or(p.start) {
        let _ = write!(s, "  {}", t(x));
    }
    if let Some(c) = p.exit_code {
        let _ = write!(s, "  exit {c}");
    }
    let mut tags = Vec::new();
    if let Some(e) = &p.entry {
        tags.push(e.clone());
    }
    if p.drift {
        tags.push("DRIFT: written then run".into());
    }
    let mut line = if p.inside { s } else { st.dim(&s) };
    if !tags.is_empty() {
        let tag = format!("  ({})", tags.join(", "));
        line.push_str(&if p.drift {
            st.alert(&tag)
        } else {
            st.bold(&tag)
        });
    }
    line
}

pub(super) fn tree(story: &Story, st: Style, out: &mut String) {
    let by_key: HashMap<&str, &Proc> = story
        .processes
        .iter()
        .map(|p| (p.key.as_str(), p))
        .collect();
    let mut children: HashMap<&str, Vec<&Proc>> = HashMap::new();
    let mut roots = Vec::new();
    for p in &story.processes {
        match p.parent_key.as_deref().filter(|k| by_key.contains_key(k)) {
            Some(parent) => children.entry(parent).or_default().push(p),
            None => roots.push(p),
        }
    }
    fn walk(
        p: &Proc,
        prefix: &str,
        last: bool,
        root: bool,
        kids: &HashMap<&str, Vec<&Proc>>,
        st: Style,
        out: &mut String,
    ) {
        let branch = if root {
            ""
        } else if last {
            "└─ "
        } else {
            "├─ "
        };
        let mark = if p.inside { "* " } else { "" };
        let _ = writeln!(out, "{prefix}{branch}{mark}{}", proc_line(p, st));
        let next = if root {
            prefix.to_string()
        } else {
            format!("{prefix}{}", if last { "   " } else { "│  " })
        };
        if let Some(ch) = kids.get(p.key.as_str()) {
            for (i, c) in ch.iter().enumerate() {
                walk(c, &next, i + 1 == ch.len(), false, kids, st, out);
            }
        }
    }
    for r in roots {
        walk(r, "", true, true, &children, st, out);
    }
}

/// The terminal form.
pub fn render_tree(story: &Story, st: Style) -> String {
    let mut o = String::new();
    match &story.container {
        Some(c) => {
            let _ = writeln!(
                o,
                "{} {}  {}",
                st.bold("Container"),
                st.bold(short(&c.container_id)),
                match (&c.namespace, &c.pod) {
                    (Some(ns), Some(pod)) =>
                        format!("{ns}/{pod} ({})", c.name.as_deref().unwrap_or("?")),
                    _ => c.name.clone().unwrap_or_default(),
                }
            );
            let _ = writeln!(o, "  id        {}", c.container_id);
            let _ = writeln!(
                o,
                "  image     {}  {}",
                c.image.as_deref().unwrap_or("?"),
                c.image_id.as_deref().unwrap_or("")
            );
            let _ = writeln!(
                o,
                "  host      {} ({})  runtime {}",
                story.host.label(),
                story.host.host_id,
                c.runtime.as_deref().unwrap_or("?")
            );
            if !c.ip_addresses.is_empty() {
                let _ = writeln!(o, "  addresses {}", c.ip_addresses.join(" "));
            }
            let life = format!(
                "  created   {}  started {}  exited {}{}{}",
                c.created.map(t).unwrap_or_else(|| "?".into()),
                c.started.map(t).unwrap_or_else(|| "?".into()),
                c.exited.map(t).unwrap_or_else(|| "-".into()),
                c.exit_code
                    .map(|x| format!(" (code {x})"))
                    .unwrap_or_default(),
                if c.removed { "  REMOVED" } else { "" }
            );
            let _ = writeln!(o, "{life}");
        }
        None => {
            let _ = writeln!(
                o,
                "{} {} on {}",
                st.bold("Process"),
                story.subject.id,
                story.host.label()
            );
        }
    }
    let _ = writeln!(
        o,
        "  events    {} .. {} ({} events)",
        t(story.window.since),
        t(story.window.until),
        story.timeline.len()
    );

    let _ = writeln!(
        o,
        "\n{}  (* = inside the subject; the rest is its lineage on the host)",
        st.bold("Process tree")
    );
    tree(story, st, &mut o);

    // Timeline: everything but the bulk of repeated connections.
    let frequent: Vec<_> = story.connections.iter().filter(|c| c.count > 5).collect();
    let is_frequent = |kind: &str, exe: &Option<String>| {
        kind.starts_with("net_") && frequent.iter().any(|c| &c.exe == exe)
    };
    let shown: Vec<_> = story
        .timeline
        .iter()
        .filter(|e| !is_frequent(&e.kind, &e.exe))
        .collect();
    let hidden = story.timeline.len() - shown.len();
    let _ = writeln!(o, "\n{}", st.bold("Timeline"));
    for e in &shown {
        let _ = writeln!(
            o,
            "  {}  {:<16} {:>7}  {:<28} {}",
            t(e.time),
            e.kind,
            e.pid.map(|p| p.to_string()).unwrap_or_default(),
            e.exe.as_deref().unwrap_or(""),
            e.summary
        );
    }
    if hidden > 0 {
        let _ = writeln!(o, "  {}", st.dim(&format!("(+{hidden} network events of frequent connections, summarised under Connections; --format json has them all)")));
    }

    let _ = writeln!(o, "\n{}", st.bold("Files"));
    if story.files.is_empty() {
        let _ = writeln!(o, "  (none written, renamed, changed or removed)");
    }
    for d in &story.files {
        if d.runtime_setup {
            let _ = writeln!(
                o,
                "  {}/  {}",
                d.dir.trim_end_matches('/'),
                st.dim("(container setup by the runtime)")
            );
        } else {
            let _ = writeln!(o, "  {}/", d.dir.trim_end_matches('/'));
        }
        for f in &d.files {
            let acts: Vec<String> = f
                .actions
                .iter()
                .map(|a| {
                    format!(
                        "{} {}{} by {}",
                        a.kind.trim_start_matches("file_"),
                        t(a.time),
                        a.detail
                            .as_deref()
                            .map(|d| format!(" {d}"))
                            .unwrap_or_default(),
                        a.exe.as_deref().unwrap_or("?")
                    )
                })
                .collect();
            let name = f.path.rsplit('/').next().unwrap_or(&f.path);
            let mut line = format!("    {name}: {}", acts.join("; "));
            if let Some(h) = &f.sha256 {
                let _ = write!(line, "  sha256 {h}");
            }
            if f.executed {
                line.push_str(&st.alert("  EXECUTED AFTER WRITE"));
            }
            let _ = writeln!(o, "{line}");
        }
    }

    let _ = writeln!(o, "\n{}", st.bold("Connections"));
    if story.connections.is_empty() {
        let _ = writeln!(o, "  (none)");
    }
    for c in &story.connections {
        let peer = match (c.direction, &c.remote_ip) {
            ("outbound", Some(ip)) => format!("to {ip}:{}", c.port.unwrap_or(0)),
            ("inbound", Some(ip)) => format!("on :{} from {ip}", c.port.unwrap_or(0)),
            _ => format!("on :{}", c.port.unwrap_or(0)),
        };
        let _ = writeln!(
            o,
            "  {:<8} {} {peer} by {}  {}×  {}{}  {} out / {} in  [{}]",
            c.direction,
            c.protocol,
            c.exe.as_deref().unwrap_or("?"),
            c.count,
            t(c.first),
            if c.last > c.first {
                format!(" .. {}", t(c.last))
            } else {
                String::new()
            },
            bytes(c.bytes_sent),
            bytes(c.bytes_received),
            c.far_end.as_deref().unwrap_or(if c.direction == "listen" {
                "listening"
            } else {
                "outside the store"
            })
        );
    }

    let _ = writeln!(o, "\n{}", st.bold("Pivots"));
    if story.pivots.is_empty() {
        let _ = writeln!(o, "  (none found)");
    }
    for p in &story.pivots {
        let _ = writeln!(
            o,
            "  hop {} {:<10} {} on {}  {}×  {}{}\n      {}",
            p.hop,
            p.kind,
            st.bold(&p.label),
            p.host.label(),
            p.count,
            t(p.first),
            if p.last > p.first {
                format!(" .. {}", t(p.last))
            } else {
                String::new()
            },
            p.reason
        );
    }
    let _ = writeln!(o, "\n{}", st.bold("Gaps (events known lost)"));
    if story.gaps.is_empty() {
        let _ = writeln!(o, "  (none recorded)");
    }
    for g in &story.gaps {
        let _ = writeln!(
            o,
            "  {}  {} .. {}  {} events lost ({}, {})",
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
