//! Story renderers, one module per format over the [`Story`] data; nothing here queries:
//! [`tree`] (terminal), [`table`], [`json`], [`md`] (tickets), [`dot`] (Graphviz), [`html`]
//! (a self-contained page).

mod dot;
mod html;
mod json;
mod md;
mod table;
mod tree;

pub use dot::render_dot;
pub use html::render_html;
pub use json::render_json;
pub use md::render_md;
pub use table::render_table;
pub use tree::render_tree;

use crate::render::terminal_safe;
use crate::story::{ContainerFacts, Story};
use crate::timefmt::format_ns;

/// What names a container, in the order every fact table lists it.
fn naming(c: &ContainerFacts) -> [(&'static str, Option<String>); 6] {
    [
        ("name", c.name.clone()),
        ("image", c.image.clone()),
        ("image id", c.image_id.clone()),
        ("pod", c.pod.clone()),
        ("namespace", c.namespace.clone()),
        ("runtime", c.runtime.clone()),
    ]
}

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

impl StoryFormat {
    /// Every format, in `--format`'s order.
    pub const ALL: [StoryFormat; 6] = [
        StoryFormat::Tree,
        StoryFormat::Table,
        StoryFormat::Json,
        StoryFormat::Md,
        StoryFormat::Dot,
        StoryFormat::Html,
    ];

    /// The file a story of this format is written to in a case bundle (`trace case`).
    pub fn file_name(self) -> &'static str {
        match self {
            StoryFormat::Tree => "story.txt",
            StoryFormat::Table => "story-table.txt",
            StoryFormat::Json => "story.json",
            StoryFormat::Md => "story.md",
            StoryFormat::Dot => "story.dot",
            StoryFormat::Html => "story.html",
        }
    }
}

/// `story` in `format`. Recorded text may hold control bytes: the text forms show them
/// (escaped), never obey them; `color` is for a terminal.
pub fn render_story(story: &Story, format: StoryFormat, color: bool) -> String {
    match format {
        StoryFormat::Tree => terminal_safe(&render_tree(story, Style { color }), color).into(),
        StoryFormat::Table => terminal_safe(&render_table(story), false).into(),
        StoryFormat::Json => render_json(story),
        StoryFormat::Md => terminal_safe(&render_md(story), false).into(),
        StoryFormat::Dot => render_dot(story),
        StoryFormat::Html => render_html(story),
    }
}

/// ANSI styling, off unless asked for.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// Emit colours.
    pub color: bool,
}

impl Style {
    pub(super) fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    pub(super) fn dim(&self, s: &str) -> String {
        self.paint("2", s)
    }
    pub(super) fn bold(&self, s: &str) -> String {
        self.paint("1", s)
    }
    pub(super) fn alert(&self, s: &str) -> String {
        self.paint("1;31", s)
    }
}

pub(super) fn short(id: &str) -> &str {
    &id[..id.len().min(12)]
}

pub(super) fn t(ns: i64) -> String {
    format_ns(ns)
}

pub(super) fn bytes(n: u64) -> String {
    match n {
        n if n >= 1 << 30 => format!("{:.1} GiB", n as f64 / (1u64 << 30) as f64),
        n if n >= 1 << 20 => format!("{:.1} MiB", n as f64 / (1u64 << 20) as f64),
        n if n >= 1 << 10 => format!("{:.1} KiB", n as f64 / 1024.0),
        n => format!("{n} B"),
    }
}

pub(super) fn clip(s: &str, n: usize) -> String {
    if s.chars().count() > n {
        format!("{}…", s.chars().take(n).collect::<String>())
    } else {
        s.to_string()
    }
}
