//! macOS Endpoint Security events as `eslogger` (macOS 13 on) prints them: one JSON object per
//! line, each an `es_message_t` (`time`, `process`, `event: {<name>: {…}}` and the envelope).
//! Also pretty-printed, concatenated or in an array. Each record is mapped by its event's
//! name ([`map`]).
//!
//! Identity: a process is its pid and its `start_time` (a pidversion changes at each exec and
//! starts again at each boot, see [`ident`]); the parent is found from the tokens and pids a
//! process names. eslogger names no host: `--host` does, and the host gets a record (kind
//! laptop, macOS).

pub mod ident;
pub mod map;
pub mod session;

use std::io::BufRead;

use serde_json::Value;

use super::json::{each_value, first_value};
use super::{Emit, ImportError, Importer};

/// The importer.
pub struct Eslogger;

/// The source name rows carry.
const SOURCE: &str = "eslogger";

/// Whether `v` is an eslogger record: an `event` object, an integer `event_type`, a
/// `process` with an audit token's `pidversion`, and the envelope's `mach_time` or
/// `global_seq_num`.
fn is_eslogger(v: &Value) -> bool {
    v.get("event").is_some_and(Value::is_object)
        && v.get("event_type").is_some_and(Value::is_u64)
        && v.pointer("/process/audit_token/pidversion").is_some()
        && (v.get("mach_time").is_some() || v.get("global_seq_num").is_some())
}

impl Importer for Eslogger {
    fn name(&self) -> &'static str {
        SOURCE
    }

    fn about(&self) -> &'static str {
        "macOS Endpoint Security events as eslogger prints them (JSON, macOS 13 and later)"
    }

    fn sniff(&self, head: &[u8]) -> bool {
        first_value(head).is_some_and(|v| is_eslogger(&v))
    }

    fn import(&self, input: &mut dyn BufRead, out: &mut Emit) -> Result<(), ImportError> {
        let mut images = ident::Images::default();
        each_value(input, out, |_, v, out| map::map(v, &mut images, out))
    }
}

#[cfg(test)]
mod tests;
