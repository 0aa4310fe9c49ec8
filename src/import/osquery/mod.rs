//! osquery result logs (the filesystem logger's `osqueryd.results.log`, or what a TLS,
//! Kafka or Kinesis logger forwarded): differential rows (`columns` + `action`), batches
//! (`diffResults`) and snapshots (`snapshot`), with numbers as strings (the default) or as
//! numbers (`--logger_numerics`). JSON lines, pretty-printed, concatenated or in an array.
//!
//! Rows of the event tables become events: `process_events` and `bpf_process_events` (exec,
//! fork), `socket_events` and `bpf_socket_events` (connect, accept, bind, listen),
//! `file_events`, `process_file_events` and `bpf_file_events`. The table is told by the
//! row's columns ([`envelope::table`]), not by the query's name. Rows of other tables
//! (`processes`, `listening_ports`, …: states, not events) and `removed` rows of event tables
//! (events reported before) are counted as not mapped.
//!
//! Identity: pid incarnations ([`crate::import::procs`]). Records are read up to [`WINDOW`] ahead of the
//! rows being mapped, so a parent's exec (or a rename's other half) logged a little after
//! its child is still found.

mod cols;
pub mod envelope;
mod file;
mod map;
mod net;
mod process;

use std::collections::VecDeque;
use std::io::BufRead;

use serde_json::{Map, Value};

use super::json::{At, JsonRecords, first_value};
use super::{Emit, ImportError, Importer, NO_HOST};
use crate::schema::Origin;
use envelope::{Action, Table};
use map::{Ctx, RowOut, State};
use process::Begin;

/// The importer.
pub struct Osquery;

/// The source name rows carry.
pub(crate) const SOURCE: &str = "osquery";

/// Records read ahead of the one being mapped.
pub const WINDOW: usize = 512;

/// Bytes of records read ahead, at most (records are kept parsed: a few times this).
const WINDOW_BYTES: usize = 4 << 20;

/// A record read, waiting its turn.
enum Item {
    /// A record: where, its bytes (for the ledger's digest), parsed, its host, and the keys
    /// its rows' execs and forks were given.
    Record {
        at: At,
        raw: Vec<u8>,
        v: Value,
        host: Option<String>,
        begun: Vec<Option<String>>,
    },
    /// A stretch that is not JSON, and why.
    Bad { at: At, detail: String },
}

impl Importer for Osquery {
    fn name(&self) -> &'static str {
        SOURCE
    }

    fn about(&self) -> &'static str {
        "osquery result logs (differential, batch and snapshot; process, socket and file events, audit and bpf)"
    }

    fn sniff(&self, head: &[u8]) -> bool {
        first_value(head).is_some_and(|v| v.as_object().is_some_and(envelope::is_result))
    }

    fn import(&self, input: &mut dyn BufRead, out: &mut Emit) -> Result<(), ImportError> {
        let mut records = JsonRecords::new(input);
        let mut r = Reader::default();
        let read = loop {
            let x = match records.next_record() {
                Ok(Some(x)) => x,
                Ok(None) => break Ok(()),
                Err(e) => break Err(e),
            };
            match x {
                Ok((at, bytes)) => r.read(at, bytes, out),
                Err(bad) => r.queue.push_back(Item::Bad {
                    at: bad.at,
                    detail: bad.reason.to_string(),
                }),
            }
            while r.queue.len() > WINDOW || r.bytes > WINDOW_BYTES {
                r.next(out)?;
            }
        };
        // What was read ahead is imported even when reading stopped early.
        while !r.queue.is_empty() {
            r.next(out)?;
        }
        Ok(read?)
    }
}

/// The records read ahead and the state the rows are mapped with.
#[derive(Default)]
struct Reader {
    queue: VecDeque<Item>,
    bytes: usize,
    st: State,
    mapped: u64,
}

impl Reader {
    /// Reads a record: parses it and registers what its rows begin.
    fn read(&mut self, at: At, bytes: &[u8], out: &Emit) {
        let v: Value = match serde_json::from_slice(bytes) {
            Ok(v) => v,
            Err(e) => {
                self.queue.push_back(Item::Bad {
                    at,
                    detail: e.to_string(),
                });
                return;
            }
        };
        let o = v.as_object();
        let host = o.and_then(|o| out.host_of(envelope::host(o).map(|h| h.0)));
        let begun = match (o, &host) {
            (Some(o), Some(h)) => self.register(o, h),
            _ => Vec::new(),
        };
        self.bytes += bytes.len();
        self.queue.push_back(Item::Record {
            at,
            raw: bytes.to_vec(),
            v,
            host,
            begun,
        });
    }

    /// The keys of the execs and forks among a record's rows (none for other rows), and the
    /// halves of renames, noted before any row around them is mapped.
    fn register(&mut self, o: &Map<String, Value>, host: &str) -> Vec<Option<String>> {
        let Ok(rows) = envelope::rows(o) else {
            return Vec::new();
        };
        let log = envelope::log_time(o);
        let st = &mut self.st;
        rows.iter()
            .map(|r| {
                if r.action == Action::Removed {
                    return None;
                }
                match envelope::table(r.cols)? {
                    t @ (Table::ProcessEvents | Table::BpfProcessEvents) => {
                        let (b, pid, ppid, time) = process::begins(t, r.cols, log)?;
                        Some(match b {
                            Begin::Exec => st.procs.exec(host, pid, ppid, time),
                            Begin::Fork => st.procs.fork(host, pid, ppid, time),
                        })
                    }
                    Table::FileEvents => {
                        st.moves.note(host, r.cols, log);
                        None
                    }
                    _ => None,
                }
            })
            .collect()
    }

    /// Maps the oldest record read.
    fn next(&mut self, out: &mut Emit) -> Result<(), ImportError> {
        let Some(item) = self.queue.pop_front() else {
            return Ok(());
        };
        match item {
            Item::Bad { at, detail } => out.skip(at, "malformed JSON", detail)?,
            Item::Record {
                at,
                raw,
                v,
                host,
                begun,
            } => {
                self.bytes -= raw.len();
                if out.record(at, &raw) {
                    self.map(at, &v, host.as_deref(), begun, out)?;
                }
            }
        }
        self.mapped += 1;
        if self.mapped.is_multiple_of(4096) {
            out.tick()?;
        }
        Ok(())
    }

    /// The rows of one record.
    fn map(
        &mut self,
        at: At,
        v: &Value,
        host: Option<&str>,
        mut begun: Vec<Option<String>>,
        out: &mut Emit,
    ) -> Result<(), ImportError> {
        let Some(o) = v.as_object() else {
            return out.skip(at, "not an osquery result", "not a JSON object");
        };
        let rows = match envelope::rows(o) {
            Ok(rows) => rows,
            // Status logs (from a logger that forwards both) are osquery's, but no results.
            Err(_) if o.contains_key("severity") && o.contains_key("message") => {
                out.unmapped("status log");
                return Ok(());
            }
            Err((reason, detail)) => return out.skip(at, reason, detail),
        };
        let Some(host) = host else {
            let why = "the record has no hostIdentifier; name the host with --host";
            return out.skip(at, NO_HOST, why);
        };
        let name = envelope::name(o);
        if rows.is_empty() {
            out.unmapped(&format!("{name} (no rows)"));
            return Ok(());
        }
        let env = envelope::extra(o, envelope::host(o).map(|h| h.1));
        let ctx = Ctx {
            host,
            log_time: envelope::log_time(o),
            envelope: &env,
            decorations: o.get("decorations").and_then(Value::as_object),
            origin: Origin::new(host, None, SOURCE),
        };
        begun.resize(rows.len(), None);
        let mut skips = Vec::new();
        for (row, key) in rows.iter().zip(begun) {
            let got = match envelope::table(row.cols) {
                None => RowOut::Unmapped(name.to_string()),
                Some(t) if row.action == Action::Removed => {
                    RowOut::Unmapped(format!("{} removed", t.name()))
                }
                Some(t) => map::row(&ctx, &mut self.st, t, row, key),
            };
            match got {
                RowOut::Event(got) => {
                    let (ev, ctr) = *got;
                    if let Some(c) = ctr {
                        out.container(c)?;
                    }
                    out.event(ev)?;
                }
                RowOut::Unmapped(what) => out.unmapped(&what),
                RowOut::Skip(reason, detail) => skips.push((reason, detail)),
            }
        }
        // After the record's rows are in, so that the record counts as taken.
        for (reason, detail) in skips {
            out.skip(at, reason, detail)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_samples;
