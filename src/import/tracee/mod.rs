//! Tracee (Aqua Security) JSON events, as `tracee --output json` writes them: the flat
//! `trace.Event` of v0.x to today ([`flat`], and tracee-rules' `{Data, Context,
//! SigMetadata}` findings) and the v1beta1 event structure ([`v1`]). JSON lines,
//! pretty-printed, concatenated or in an array.
//!
//! Events become process (`sched_process_exec`, `execve`, `sched_process_fork`,
//! `sched_process_exit`), file (`security_file_open`, `openat`, `security_inode_unlink`,
//! `security_inode_rename`, `magic_write`, `chmod`), network (socket hooks and syscalls,
//! `net_flow_*`, the first packet of each flow of `net_packet_*`) events, and signature
//! detections (`metadata.Properties.signatureID`, `SigMetadata`, v1beta1 `threat`)
//! findings. Other events are counted as not mapped.
//!
//! Identity: Tracee's own process ids where the event has them (`processEntityId` and
//! `parentEntityId`; v1beta1 `unique_id` and the first ancestor's), with the host pid; else
//! the host pid and the leader thread's start time (`threadStartTime`), the parent being the
//! incarnation of its pid alive when the child started ([`super::procs`]).

mod flat;
mod map;
mod net;
mod rec;
mod v1;

use std::io::BufRead;

use super::json::{each_value, first_value};
use super::{Emit, ImportError, Importer, NO_HOST, skip};
use map::State;
use rec::EPOCH_FLOOR;

/// The importer.
pub struct Tracee;

/// The source name rows carry.
pub(crate) const SOURCE: &str = "tracee";

impl Importer for Tracee {
    fn name(&self) -> &'static str {
        SOURCE
    }

    fn about(&self) -> &'static str {
        "Tracee JSON events (tracee --output json: flat trace.Event and v1beta1; signature findings)"
    }

    fn sniff(&self, head: &[u8]) -> bool {
        first_value(head).is_some_and(|v| {
            v.as_object()
                .is_some_and(|o| flat::is_flat(o) || v1::is_v1(o))
        })
    }

    fn import(&self, input: &mut dyn BufRead, out: &mut Emit) -> Result<(), ImportError> {
        let mut st = State::default();
        each_value(input, out, |at, v, out| {
            let read = match v.as_object() {
                Some(o) if flat::is_flat(o) => flat::read(o),
                Some(o) if v1::is_v1(o) => v1::read(o),
                _ => Err((
                    "not a Tracee event",
                    "neither a flat nor a v1beta1 event".into(),
                )),
            };
            let rec = match read {
                Ok(r) if r.time < EPOCH_FLOOR => {
                    let why = "the timestamp counts from boot (--output option:relative-time)";
                    return Err(skip("no time", why));
                }
                Ok(r) => r,
                Err((reason, detail)) => return Err(skip(reason, detail)),
            };
            let Some(host) = out.host_of(rec.host.as_deref()) else {
                return Err(skip(
                    NO_HOST,
                    "the event names no host; name it with --host",
                ));
            };
            Ok(map::rows(rec, at, &host, &mut st, out)?)
        })
    }
}

#[cfg(test)]
mod tests;
