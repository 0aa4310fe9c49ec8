//! The story as JSON (its form is documented in docs/story.md).

use crate::story::Story;

/// The JSON form.
pub fn render_json(story: &Story) -> String {
    let mut s =
        serde_json::to_string_pretty(story).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}
