//! File tables: `file_events` (inotify / FSEvents FIM: what happened to a watched path, no
//! process), `process_file_events` (audit FIM: who did what to which file) and
//! `bpf_file_events` (opens).

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::cols::Cols;
use super::envelope::{Action, Table};
use super::map::{Ctx, RowOut, State, actor, missing};
use crate::import::values::open_flags;
use crate::schema::{EventKind, FileDetail, ProcessInfo};

/// How far apart (ns) the two halves of one rename may be logged.
const PAIR_NS: u64 = 5_000_000_000;

/// Halves of renames kept (both maps are emptied past this: memory stays bounded).
const MAX_MOVES: usize = 1 << 16;

/// The halves of renames: inotify reports a rename as `MOVED_FROM` (old name) and
/// `MOVED_TO` (new name) with the same cookie, osquery's `transaction_id`. Noted as records
/// are read, so either half finds the other when it is mapped.
#[derive(Default)]
pub struct Moves {
    /// (host, transaction id) → (time, new name).
    to: HashMap<(String, i64), (i64, String)>,
    /// (host, transaction id) → time of the old name's half.
    from: HashMap<(String, i64), i64>,
}

impl Moves {
    /// Notes a `file_events` row if it is half of a rename.
    pub fn note(&mut self, host: &str, cols: &Map<String, Value>, log_time: Option<i64>) {
        let mut c = Cols::new(cols);
        let Some(tx) = c.peek_int("transaction_id").filter(|t| *t != 0) else {
            return;
        };
        let Some(time) = c.time("time").or(log_time) else {
            return;
        };
        if self.to.len() + self.from.len() >= MAX_MOVES {
            self.to.clear();
            self.from.clear();
        }
        let k = (host.to_string(), tx);
        match c.peek("action").as_deref() {
            Some("MOVED_TO") => {
                if let Some(p) = c.peek("target_path") {
                    self.to.insert(k, (time, p));
                }
            }
            Some("MOVED_FROM") => {
                self.from.insert(k, time);
            }
            _ => {}
        }
    }

    /// The new name of the rename whose old-name half is `(host, tx)` at `time`.
    fn target(&self, host: &str, tx: i64, time: i64) -> Option<String> {
        let (t, p) = self.to.get(&(host.to_string(), tx))?;
        (t.abs_diff(time) <= PAIR_NS).then(|| p.clone())
    }

    /// Whether the new-name half `(host, tx)` at `time` has its old-name half.
    fn has_source(&self, host: &str, tx: i64, time: i64) -> bool {
        self.from
            .get(&(host.to_string(), tx))
            .is_some_and(|t| t.abs_diff(time) <= PAIR_NS)
    }
}

/// A `file_events` row. Kinds by `action`: CREATED → file_create (with its mode), UPDATED
/// (IN_MODIFY or IN_CLOSE_WRITE) → file_write_close, DELETED → file_unlink,
/// ATTRIBUTES_MODIFIED → file_chmod (the mode after), ACCESSED → file_open_read, MOVED_FROM →
/// file_rename (with the new name of its MOVED_TO half; none when it was moved out of the
/// watched paths); a MOVED_TO is counted as that rename's half, or, alone (moved in from
/// outside the watched paths), is a file_create.
pub fn fim(ctx: &Ctx, st: &mut State, action: Action, cols: &Map<String, Value>) -> RowOut {
    let table = Table::FileEvents;
    let mut c = Cols::new(cols);
    // `action` stays in extra: the kinds are coarser than inotify's.
    let act = c.peek("action").unwrap_or_default();
    let Some(path) = c.peek("target_path") else {
        return missing(table, "no path", "target_path");
    };
    let Some(time) = ctx.time(&mut c) else {
        return missing(table, "no time", "time");
    };
    let tx = c.peek_int("transaction_id").filter(|t| *t != 0);
    let (kind, d) = match act.as_str() {
        "CREATED" => (
            EventKind::FileCreate,
            FileDetail::path(&path).mode(c.mode("mode")),
        ),
        "UPDATED" => (EventKind::FileWriteClose, FileDetail::path(&path)),
        "DELETED" => (EventKind::FileUnlink, FileDetail::path(&path)),
        "ATTRIBUTES_MODIFIED" => (
            EventKind::FileChmod,
            FileDetail::path(&path).mode(c.mode("mode")),
        ),
        "ACCESSED" => (EventKind::FileOpenRead, FileDetail::path(&path)),
        "MOVED_FROM" => {
            let to = tx.and_then(|t| st.moves.target(ctx.host, t, time));
            (EventKind::FileRename, FileDetail::path(&path).target(to))
        }
        "MOVED_TO" if tx.is_some_and(|t| st.moves.has_source(ctx.host, t, time)) => {
            return RowOut::Unmapped("file_events MOVED_TO (its rename's new name)".into());
        }
        "MOVED_TO" => (EventKind::FileCreate, FileDetail::path(&path)),
        "" => return RowOut::Unmapped("file_events ?".into()),
        other => return RowOut::Unmapped(format!("file_events {other}")),
    };
    c.mark("target_path");
    let d = d.sha256(c.text("sha256").map(|h| h.to_ascii_lowercase()));
    // FIM knows no process (`uid`/`gid` are the file's owner: they stay in extra).
    let p = Arc::new(ProcessInfo::default());
    let ctr = ctx.container(&mut c, time);
    let id = ctr.as_ref().map(|r| r.container_id.clone());
    let ev = ctx.origin.file(time, kind, id, p, d);
    ctx.done(ev, ctr, table, action, &c)
}

/// A `process_file_events` row. Kinds by `operation`: read → file_open_read, write and
/// open+truncate → file_open_write, unlink → file_unlink, rename → file_rename (`path` →
/// `dest_path`); open, close, link, symlink are counted.
pub fn process_file(
    ctx: &Ctx,
    st: &mut State,
    action: Action,
    cols: &Map<String, Value>,
) -> RowOut {
    let table = Table::ProcessFileEvents;
    let mut c = Cols::new(cols);
    let op = c.peek("operation").unwrap_or_else(|| "?".into());
    let kind = match op.as_str() {
        "read" => EventKind::FileOpenRead,
        "write" | "open+truncate" => EventKind::FileOpenWrite,
        "unlink" => EventKind::FileUnlink,
        "rename" => EventKind::FileRename,
        other => return RowOut::Unmapped(format!("process_file_events {other}")),
    };
    let Some(path) = c.text("path") else {
        return missing(table, "no path", "path");
    };
    let Some(time) = ctx.time(&mut c) else {
        return missing(table, "no time", "time");
    };
    let mut d = FileDetail::path(path);
    if kind == EventKind::FileRename {
        d = d.target(c.text("dest_path"));
    }
    let p = actor(ctx, st, &mut c, time, ("ppid", "executable"));
    let ctr = ctx.container(&mut c, time);
    let id = ctr.as_ref().map(|r| r.container_id.clone());
    let ev = ctx.origin.file(time, kind, id, p, d);
    ctx.done(ev, ctr, table, action, &c)
}

/// A `bpf_file_events` row (an open of a watched path): file_create when `O_CREAT|O_EXCL`
/// succeeded (the file was new), file_open_write with a write flag (`O_WRONLY`, `O_RDWR`,
/// `O_TRUNC`, `O_APPEND`, `O_CREAT`), else file_open_read. `fd` holds the call's return: a
/// negative one is a failed open, counted.
pub fn bpf_file(ctx: &Ctx, st: &mut State, action: Action, cols: &Map<String, Value>) -> RowOut {
    let table = Table::BpfFileEvents;
    let mut c = Cols::new(cols);
    if c.ret("fd").is_some_and(|r| r < 0) {
        return RowOut::Unmapped("bpf_file_events failed open".into());
    }
    let Some(path) = c.text("file_path") else {
        return missing(table, "no path", "file_path");
    };
    let Some(time) = ctx.time(&mut c) else {
        return missing(table, "no time", "time");
    };
    let flags = c.peek("flags").as_deref().and_then(open_flags);
    if flags.is_some() {
        c.mark("flags");
    }
    let f = flags.unwrap_or(0);
    let kind = if f & 0o300 == 0o300 {
        EventKind::FileCreate
    } else if f & (0o1 | 0o2 | 0o100 | 0o1000 | 0o2000) != 0 {
        EventKind::FileOpenWrite
    } else {
        EventKind::FileOpenRead
    };
    let d = FileDetail::path(path).flags(flags);
    let p = actor(ctx, st, &mut c, time, ("parent", "path"));
    let ctr = ctx.container(&mut c, time);
    let id = ctr.as_ref().map(|r| r.container_id.clone());
    let ev = ctx.origin.file(time, kind, id, p, d);
    ctx.done(ev, ctr, table, action, &c)
}
