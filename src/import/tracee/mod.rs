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

use serde_json::Value;

use super::json::{JsonRecords, first_value};
use super::{Emit, ImportError, Importer, NO_HOST};
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
        let mut records = JsonRecords::new(input);
        let mut st = State::default();
        let mut n = 0u64;
        while let Some(x) = records.next_record()? {
            let (at, bytes) = match x {
                Ok(r) => r,
                Err(bad) => {
                    out.skip(bad.at, "malformed JSON", bad.reason)?;
                    continue;
                }
            };
            if !out.record(at, bytes) {
                continue;
            }
            let v: Value = match serde_json::from_slice(bytes) {
                Ok(v) => v,
                Err(e) => {
                    out.skip(at, "malformed JSON", e)?;
                    continue;
                }
            };
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
                    out.skip(at, "no time", why)?;
                    continue;
                }
                Ok(r) => r,
                Err((reason, detail)) => {
                    out.skip(at, reason, detail)?;
                    continue;
                }
            };
            let Some(host) = out.host_of(rec.host.as_deref()) else {
                out.skip(at, NO_HOST, "the event names no host; name it with --host")?;
                continue;
            };
            map::rows(rec, at, &host, &mut st, out)?;
            n += 1;
            if n.is_multiple_of(4096) {
                out.tick()?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
