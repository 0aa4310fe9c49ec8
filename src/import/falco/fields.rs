//! An alert's `output_fields` read by Falco field name. Falco writes a field's value as a
//! string or a number (which one depends on the field's type and on the Falco version: the
//! same `evt.time.iso8601` is a string in one and an integer in another), and a field it
//! could not resolve as JSON `null` or, in older versions, the text `<NA>`. A field read into
//! a schema column is marked; the rest ([`Fields::rest`]) goes to `extra`.

use serde_json::{Map, Value};

use super::super::values::{int, text, time_ns};

/// The fields of one alert.
pub struct Fields<'a> {
    m: Option<&'a Map<String, Value>>,
    used: Vec<&'a str>,
}

/// Whether a value says nothing: JSON null, the empty string, or Falco's `<NA>`.
fn blank(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty() || s == "<NA>",
        _ => false,
    }
}

impl<'a> Fields<'a> {
    /// The fields of `m` (none when the alert has no `output_fields`), none read yet.
    pub fn new(m: Option<&'a Map<String, Value>>) -> Fields<'a> {
        Fields {
            m,
            used: Vec::new(),
        }
    }

    /// The value of `k`, unless blank; not marked.
    pub fn get(&self, k: &str) -> Option<&'a Value> {
        self.m?.get(k).filter(|v| !blank(v))
    }

    /// Marks `k` as held by a schema column.
    pub fn mark(&mut self, k: &str) {
        if let Some((key, _)) = self.m.and_then(|m| m.get_key_value(k))
            && !self.used.contains(&key.as_str())
        {
            self.used.push(key.as_str());
        }
    }

    /// The text of `k` (numbers as their text), not marked.
    pub fn peek(&self, k: &str) -> Option<String> {
        text(self.get(k))
    }

    /// The text of `k`, marked.
    pub fn text(&mut self, k: &str) -> Option<String> {
        let v = self.peek(k)?;
        self.mark(k);
        Some(v)
    }

    /// The integer in `k` when it fits `T`, not marked.
    pub fn peek_int<T: TryFrom<i64>>(&self, k: &str) -> Option<T> {
        int(self.get(k))
    }

    /// The integer in `k` when it fits `T`, marked.
    pub fn int<T: TryFrom<i64>>(&mut self, k: &str) -> Option<T> {
        let v = self.peek_int(k)?;
        self.mark(k);
        Some(v)
    }

    /// A time (ns) in `k`, not marked.
    pub fn peek_time(&self, k: &str) -> Option<i64> {
        self.get(k).and_then(time_ns)
    }

    /// A boolean in `k` (`true`, or Falco's `"true"`), not marked.
    pub fn peek_bool(&self, k: &str) -> Option<bool> {
        match self.get(k)? {
            Value::Bool(b) => Some(*b),
            Value::String(s) => s.parse().ok(),
            _ => None,
        }
    }

    /// The fields not marked, as they were (blank ones too: a `null` says Falco could not
    /// resolve the field, which is worth keeping).
    pub fn rest(&self) -> Map<String, Value> {
        let Some(m) = self.m else {
            return Map::new();
        };
        m.iter()
            .filter(|(k, _)| !self.used.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }
}
