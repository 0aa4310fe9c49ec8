//! Story renderers: terminal tree, JSON, Markdown. One function per format over the
//! [`Story`] data; nothing here queries.

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::story::{Proc, Story};
use crate::timefmt::format_ns;

/// Story output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StoryFormat {
    /// Process tree and sections for a terminal.
    Tree,
    /// Every section as a table (processes flat, with parent pids).
    Table,
    /// The story as JSON (stable, documented in docs/story.md).
    Json,
    /// Markdown for a ticket.
    Md,
    /// Graphviz DOT (`dot -Tsvg`).
    Dot,
    /// A self-contained interactive HTML page (graph and timeline), readable offline.
    Html,
}

/// ANSI styling, off unless asked for.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// Emit colours.
    pub color: bool,
}

impl Style {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    fn dim(&self, s: &str) -> String {
        self.paint("2", s)
    }
    fn bold(&self, s: &str) -> String {
        self.paint("1", s)
    }
    fn alert(&self, s: &str) -> String {
        self.paint("1;31", s)
    }
}

fn short(id: &str) -> &str {
    &id[..id.len().min(12)]
}

fn t(ns: i64) -> String {
    format_ns(ns)
}

fn bytes(n: u64) -> String {
    match n {
        n if n >= 1 << 30 => format!("{:.1} GiB", n as f64 / (1u64 << 30) as f64),
        n if n >= 1 << 20 => format!("{:.1} MiB", n as f64 / (1u64 << 20) as f64),
        n if n >= 1 << 10 => format!("{:.1} KiB", n as f64 / 1024.0),
        n => format!("{n} B"),
    }
}

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

fn tree(story: &Story, st: Style, out: &mut String) {
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

/// The JSON form.
pub fn render_json(story: &Story) -> String {
    let mut s =
        serde_json::to_string_pretty(story).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

fn md_cell(s: &str) -> String {
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
    tree(story, Style { color: false }, &mut o);
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
            for (k, v) in [
                ("container", Some(c.container_id.clone())),
                ("name", c.name.clone()),
                ("image", c.image.clone()),
                ("image id", c.image_id.clone()),
                ("pod", c.pod.clone()),
                ("namespace", c.namespace.clone()),
                ("runtime", c.runtime.clone()),
                ("created", c.created.map(t)),
                ("started", c.started.map(t)),
                ("exited", c.exited.map(t)),
                ("exit code", c.exit_code.map(|x| x.to_string())),
                ("removed", Some(c.removed.to_string())),
            ] {
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

fn dot_str(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 2);
    o.push('"');
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            c if c.is_control() => {}
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

fn clip(s: &str, n: usize) -> String {
    if s.chars().count() > n {
        format!("{}…", s.chars().take(n).collect::<String>())
    } else {
        s.to_string()
    }
}

/// Graphviz DOT: processes (filled inside the subject, drift in red), parent → child edges,
/// connection peers, and pivots as dashed edges labelled with their kind.
pub fn render_dot(story: &Story) -> String {
    let mut o = String::from(
        "digraph story {\n  rankdir=LR;\n  node [shape=box, fontname=\"monospace\", fontsize=10];\n",
    );
    let _ = writeln!(
        o,
        "  label={};\n  labelloc=t;",
        dot_str(&format!(
            "{} {}",
            story.subject.kind,
            short(&story.subject.id)
        ))
    );
    for p in &story.processes {
        let cmd = if p.argv.is_empty() {
            p.exe.clone().unwrap_or_default()
        } else {
            p.argv.join(" ")
        };
        let label = format!(
            "{} [{}]\n{}",
            p.exe.as_deref().unwrap_or("?"),
            p.pid.unwrap_or(0),
            clip(&cmd, 60)
        );
        let style = match (p.inside, p.drift) {
            (_, true) => "style=filled, fillcolor=\"#f4b6b6\", color=red",
            (true, false) => "style=filled, fillcolor=\"#dbe8f7\"",
            _ => "color=gray50, fontcolor=gray40",
        };
        let _ = writeln!(
            o,
            "  {} [label={}, {style}];",
            dot_str(&p.key),
            dot_str(&label)
        );
    }
    let keys: std::collections::HashSet<&str> =
        story.processes.iter().map(|p| p.key.as_str()).collect();
    for p in &story.processes {
        if let Some(parent) = p.parent_key.as_deref().filter(|k| keys.contains(k)) {
            let _ = writeln!(o, "  {} -> {};", dot_str(parent), dot_str(&p.key));
        }
    }
    for (i, c) in story.connections.iter().enumerate() {
        let Some(ip) = &c.remote_ip else { continue };
        let peer = format!("peer:{ip}");
        let label = format!("{ip}\n{}", c.far_end.as_deref().unwrap_or("outside"));
        let _ = writeln!(
            o,
            "  {} [label={}, shape=ellipse];",
            dot_str(&peer),
            dot_str(&label)
        );
        let by = story
            .processes
            .iter()
            .find(|p| p.inside && p.exe == c.exe)
            .map(|p| p.key.clone())
            .unwrap_or_else(|| story.subject.id.clone());
        let edge = format!(
            "{} {}:{} ×{}",
            c.direction,
            c.protocol,
            c.port.unwrap_or(0),
            c.count
        );
        let _ = if c.direction == "inbound" {
            writeln!(
                o,
                "  {} -> {} [label={}, color=darkgreen, id=\"conn{i}\"];",
                dot_str(&peer),
                dot_str(&by),
                dot_str(&edge)
            )
        } else {
            writeln!(
                o,
                "  {} -> {} [label={}, color=darkgreen, id=\"conn{i}\"];",
                dot_str(&by),
                dot_str(&peer),
                dot_str(&edge)
            )
        };
    }
    let _ = writeln!(
        o,
        "  {} [label={}, shape=doubleoctagon];",
        dot_str("subject"),
        dot_str(&format!(
            "{}\n{}",
            short(&story.subject.id),
            story.host.label()
        ))
    );
    for (i, p) in story.pivots.iter().enumerate() {
        let node = format!(
            "pivot:{}:{}",
            p.host.host_id,
            p.container_id.as_deref().unwrap_or(&p.label)
        );
        let _ = writeln!(
            o,
            "  {} [label={}, shape=component];",
            dot_str(&node),
            dot_str(&format!("{}\non {}", p.label, p.host.label()))
        );
        let _ = writeln!(
            o,
            "  {} -> {} [style=dashed, label={}, id=\"pivot{i}\"];",
            dot_str("subject"),
            dot_str(&node),
            dot_str(&format!("hop {} {}", p.hop, p.kind))
        );
    }
    o.push_str("}\n");
    o
}

/// A self-contained HTML page (no network fetches): the story's JSON embedded, an interactive
/// process/network/pivot graph in SVG and a filterable timeline, drawn by inline script.
pub fn render_html(story: &Story) -> String {
    let json = serde_json::to_string(story)
        .unwrap_or_else(|_| "{}".into())
        .replace("</", "<\\/")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029");
    let title = match &story.container {
        Some(c) => format!("trace story: container {}", short(&c.container_id)),
        None => format!("trace story: process {}", short(&story.subject.id)),
    };
    let title = title.replace('&', "&amp;").replace('<', "&lt;");
    HTML_TEMPLATE
        .replace("{{TITLE}}", &title)
        .replace("{{STORY_JSON}}", &json)
}

const HTML_TEMPLATE: &str = include_str!("story.html");
