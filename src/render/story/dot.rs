//! The story as a Graphviz graph (`dot -Tsvg`).

use std::fmt::Write as _;

use super::{clip, short};
use crate::story::Story;

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
