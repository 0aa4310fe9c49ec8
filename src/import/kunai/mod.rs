//! Kunai (kunai-project/kunai) JSON events, as its file and stdout outputs write them: one
//! object per line, `{"data": {…}, "detection": {…}?, "info": {host, event, task,
//! parent_task, utc_time}}`. JSON lines, pretty-printed, concatenated objects or an array.
//! Each record is mapped by its `info.event.name` ([`map`]).
//!
//! Identity: `info.task.guuid` is Kunai's own id of a thread group (made of the leader's
//! start time, the tgid and a random number per Kunai run); it becomes the process key, and
//! `info.parent_task.guuid` the parent's, so lineage survives pid reuse. A clone's task is
//! the new process, so the fork, the exec and the exit of one process share a key. Kunai
//! names a container only by its name and type (`info.host.container`), never by id.

pub mod detect;
pub mod map;

use std::io::BufRead;

use serde_json::Value;

use super::json::{each_value, first_value};
use super::{Emit, ImportError, Importer};

/// The importer.
pub struct Kunai;

/// The source name rows carry.
const SOURCE: &str = "kunai";

/// Whether `v` is a Kunai event: `info.event.source` is `kunai` (every version since 0.2),
/// or it has `data` and an `info` with Kunai's event and task sections.
fn is_kunai(v: &Value) -> bool {
    let text = |p: &str| v.pointer(p).and_then(Value::as_str);
    if text("/info/event/source") == Some("kunai") {
        return v.get("data").is_some();
    }
    v.get("data").is_some_and(Value::is_object)
        && text("/info/event/name").is_some()
        && text("/info/event/uuid").is_some()
        && text("/info/task/guuid").is_some()
}

impl Importer for Kunai {
    fn name(&self) -> &'static str {
        SOURCE
    }

    fn about(&self) -> &'static str {
        "Kunai JSON events (file and stdout output, with detections)"
    }

    fn sniff(&self, head: &[u8]) -> bool {
        first_value(head).is_some_and(|v| is_kunai(&v))
    }

    fn import(&self, input: &mut dyn BufRead, out: &mut Emit) -> Result<(), ImportError> {
        each_value(input, out, |_, v, out| map::map(v, out))
    }
}

#[cfg(test)]
mod tests;
