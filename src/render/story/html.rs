//! The story as one self-contained HTML page (graph and timeline), readable offline.

use super::short;
use crate::story::Story;

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
