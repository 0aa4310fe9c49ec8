//! Falco alerts as `json_output: true` writes them (the file and stdout outputs, what
//! falcosidekick forwards, what a gRPC client prints): one object per alert with `time`,
//! `rule`, `priority`, `output`, `source`, `tags`, `hostname` and `output_fields`, the
//! fields the rule's output (and `append_output`) named. JSON lines, pretty-printed or
//! concatenated objects, arrays; older versions without `source`, `tags` or `hostname`.
//!
//! Each alert is a finding about the process it names, in its container ([`map`]); where
//! Falco names the system call the alert fired on, and it is an exec, an open or a
//! connection, that call is an event too ([`syscall`]). Alerts of other sources
//! (`k8s_audit`, `aws_cloudtrail`, …) name no process: findings with empty process columns.
//! Falco's metrics snapshots (`Falco internal: metrics snapshot`) are not alerts and are
//! counted as not mapped; its syscall-drop alert is a finding and a loss row.
//!
//! Identity: Falco has no process id of its own. With `proc.pid.ts` (the kernel's start
//! time, since libs 0.14) a process is its pid and start; without, pid incarnations
//! ([`crate::import::procs`]), an exec alert beginning one.

mod fields;
mod map;
mod syscall;

use std::io::BufRead;

use serde_json::Value;

use super::json::{each_value, first_value};
use super::{Emit, ImportError, Importer};
use map::Mapper;

/// The importer.
pub struct Falco;

/// The source name rows carry.
pub(crate) const SOURCE: &str = "falco";

/// Whether a JSON value is a Falco alert: a `rule` with `output_fields`, or with the
/// `output` and `priority` every version writes.
fn is_alert(v: &Value) -> bool {
    let Some(o) = v.as_object() else {
        return false;
    };
    let text = |k: &str| o.get(k).is_some_and(Value::is_string);
    text("rule")
        && (o.get("output_fields").is_some_and(Value::is_object)
            || (text("output")
                && o.get("priority")
                    .is_some_and(|p| p.is_string() || p.is_u64())))
}

impl Importer for Falco {
    fn name(&self) -> &'static str {
        SOURCE
    }

    fn about(&self) -> &'static str {
        "Falco JSON alerts (json_output: file, stdout, falcosidekick; syscall, k8s_audit and plugin sources)"
    }

    fn sniff(&self, head: &[u8]) -> bool {
        first_value(head).is_some_and(|v| is_alert(&v))
    }

    fn import(&self, input: &mut dyn BufRead, out: &mut Emit) -> Result<(), ImportError> {
        let mut mapper = Mapper::default();
        each_value(input, out, |_, v, out| mapper.alert(v, out))
    }
}

#[cfg(test)]
mod tests;
