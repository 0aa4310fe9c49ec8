//! Where in the file a TOML error is: the byte span the parser reports, turned into a line
//! number and the dotted key (`collector.interval_ms`, `collector.read_watch[2]`) whose key or
//! value holds it.

use std::path::Path;

use toml::de::{DeTable, DeValue};

use super::ConfigError;

/// The error of parsing `text` (the file `path`) as a configuration.
pub(super) fn invalid(path: &Path, text: &str, e: &toml::de::Error) -> ConfigError {
    let at = e.span().map(|s| s.start.min(text.len()));
    ConfigError::Invalid {
        path: path.to_path_buf(),
        line: at.map(|at| text[..at].matches('\n').count() + 1),
        key: at.and_then(|at| key_at(text, at)),
        message: e
            .message()
            .trim_end()
            .replace("unknown field", "unknown key"),
    }
}

/// `FILE:LINE: KEY: MESSAGE`, leaving out what is unknown.
pub(super) fn describe(path: &Path, line: Option<usize>, key: Option<&str>, msg: &str) -> String {
    let mut s = path.display().to_string();
    if let Some(l) = line {
        s.push_str(&format!(":{l}"));
    }
    if let Some(k) = key {
        s.push_str(&format!(": {k}"));
    }
    format!("{s}: {msg}")
}

/// The dotted key at byte `at` of `text`, when the text parses as TOML.
fn key_at(text: &str, at: usize) -> Option<String> {
    let doc = DeTable::parse(text).ok()?;
    let mut path = Vec::new();
    in_table(doc.get_ref(), at, &mut path).then(|| path.join("."))
}

fn in_table(t: &DeTable<'_>, at: usize, path: &mut Vec<String>) -> bool {
    for (k, v) in t.iter() {
        path.push(bare_or_quoted(k.get_ref()));
        if k.span().contains(&at) {
            return true;
        }
        // A table's span may be its header only: look inside whatever its span.
        let inside = match v.get_ref() {
            DeValue::Table(inner) => in_table(inner, at, path),
            DeValue::Array(items) => in_array(items.iter(), at, path),
            _ => false,
        };
        if inside || v.span().contains(&at) {
            return true;
        }
        path.pop();
    }
    false
}

fn in_array<'a, 'i: 'a>(
    items: impl Iterator<Item = &'a toml::Spanned<DeValue<'i>>>,
    at: usize,
    path: &mut [String],
) -> bool {
    for (i, item) in items.enumerate() {
        if item.span().contains(&at) {
            if let Some(last) = path.last_mut() {
                last.push_str(&format!("[{i}]"));
            }
            return true;
        }
    }
    false
}

fn bare_or_quoted(k: &str) -> String {
    if !k.is_empty()
        && k.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        k.to_string()
    } else {
        format!("{k:?}")
    }
}
