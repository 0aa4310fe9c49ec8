//! What every row's mapping shares: the record it came from ([`Ctx`]: host, log time, the
//! envelope's fields for `extra`), the importer's state across records ([`State`]), what a
//! row gives ([`RowOut`]), and the dispatch by table.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::SOURCE;
use super::cols::Cols;
use super::envelope::{Action, Row, Table};
use super::file::{self, Moves};
use super::net;
use super::process;
use crate::import::procs::Procs;
use crate::ingest::identity::{container_of_cgroup, parse_container_ref};
use crate::schema::{ContainerRecord, ContainerState, Event, Origin, ProcessInfo};

/// What the importer keeps across records: each host's processes and the halves of renames.
pub struct State {
    /// Pid incarnations.
    pub procs: Procs,
    /// File moves seen, to pair `MOVED_FROM` with `MOVED_TO`.
    pub moves: Moves,
}

impl Default for State {
    fn default() -> State {
        State {
            procs: Procs::new(SOURCE),
            moves: Moves::default(),
        }
    }
}

/// What one row gives.
pub enum RowOut {
    /// An event, with the container it ran in when the row names one.
    Event(Box<(Event, Option<ContainerRecord>)>),
    /// A well-formed row of a kind no family holds (counted under this name).
    Unmapped(String),
    /// A row that cannot be read: the reason counted, and more about it.
    Skip(&'static str, String),
}

/// The record a row came from.
pub struct Ctx<'a> {
    /// The host.
    pub host: &'a str,
    /// When the record was logged (ns).
    pub log_time: Option<i64>,
    /// The envelope's fields that no column holds.
    pub envelope: &'a Map<String, Value>,
    /// The record's decorations.
    pub decorations: Option<&'a Map<String, Value>>,
    /// Who recorded the events.
    pub origin: Origin,
}

impl Ctx<'_> {
    /// The event's time: the row's `time` (when it happened), else when it was logged.
    pub fn time(&self, c: &mut Cols) -> Option<i64> {
        c.time("time").or(self.log_time)
    }

    /// The container a row names (a `container_id` or cgroup column or decoration; osquery's
    /// own event tables have none), as a `seen` record.
    pub fn container(&self, c: &mut Cols, time: i64) -> Option<ContainerRecord> {
        let id_of = |raw: &str| {
            let (id, runtime) = parse_container_ref(raw);
            let hex = id.len() >= 12 && id.bytes().all(|b| b.is_ascii_hexdigit());
            hex.then_some((id, runtime))
        };
        // A cgroup path (`/system.slice/docker-<id>.scope`), or `/proc/<pid>/cgroup` lines.
        let cgroup = |raw: &str| {
            let lines = if raw.contains(':') {
                raw.to_string()
            } else {
                format!("0::{raw}")
            };
            container_of_cgroup(&lines).map(|(id, rt)| (id, Some(rt)))
        };
        let deco = |k: &str| {
            self.decorations
                .and_then(|d| d.get(k))
                .and_then(Value::as_str)
        };
        let mut found = None;
        if let Some(raw) = c.peek("container_id")
            && let Some(x) = id_of(&raw)
        {
            c.mark("container_id");
            found = Some(x);
        }
        for k in ["cgroup_path", "cgroup"] {
            if found.is_none()
                && let Some(x) = c.peek(k).as_deref().and_then(cgroup)
            {
                c.mark(k);
                found = Some(x);
            }
        }
        let found = found
            .or_else(|| deco("container_id").and_then(id_of))
            .or_else(|| deco("cgroup_path").or(deco("cgroup")).and_then(cgroup))?;
        Some(ContainerRecord {
            time,
            host_id: self.host.to_string(),
            container_id: found.0,
            state: Some(ContainerState::Seen),
            runtime: found.1.map(str::to_string),
            source: SOURCE.to_string(),
            ..Default::default()
        })
    }

    /// The row's event, with `extra`: the envelope's fields, the row's `action`, the table it
    /// was read as, and the `columns` no schema column took.
    pub fn done(
        &self,
        ev: Event,
        ctr: Option<ContainerRecord>,
        table: Table,
        action: Action,
        c: &Cols,
    ) -> RowOut {
        let mut extra = self.envelope.clone();
        extra.insert("action".into(), action.as_str().into());
        extra.insert("table".into(), table.name().into());
        let rest = c.rest();
        if !rest.is_empty() {
            extra.insert("columns".into(), Value::Object(rest));
        }
        RowOut::Event(Box::new((ev.with_extra(Some(extra)), ctr)))
    }
}

/// A skip of a row of `table` without `what`.
pub fn missing(table: Table, reason: &'static str, what: &str) -> RowOut {
    RowOut::Skip(reason, format!("{} row without {what}", table.name()))
}

/// The acting process of a row that is not its exec or fork: the pid's incarnation alive at
/// `time`, its parent (the `ppid_col` column, else the incarnation's) alive when it began.
pub fn actor(
    ctx: &Ctx,
    st: &mut State,
    c: &mut Cols,
    time: i64,
    (ppid_col, exe_col): (&str, &str),
) -> Arc<ProcessInfo> {
    let pid = c.pid("pid");
    let ppid = c.pid(ppid_col);
    let exe = c.text(exe_col);
    let mut p = ProcessInfo {
        pid,
        tid: c.pid("tid"),
        ppid,
        uid: c.int("uid"),
        gid: c.int("gid"),
        euid: c.int("euid"),
        auid: super::super::values::login_uid(c.int("auid")),
        comm: process::comm(exe.as_deref()),
        exe,
        cwd: c.text("cwd"),
        ..Default::default()
    };
    if let Some(pid) = pid {
        let inc = st.procs.at(ctx.host, pid, time);
        p.ppid = p.ppid.or(inc.ppid);
        p.parent_key = p
            .ppid
            .filter(|pp| *pp > 0 && *pp != pid)
            .map(|pp| st.procs.at(ctx.host, pp, inc.start).key);
        p.key = Some(inc.key);
    }
    Arc::new(p)
}

/// The row's rows: an event, a count, or a skip. `begun` is the key its exec or fork was
/// given when the record was read.
pub fn row(ctx: &Ctx, st: &mut State, table: Table, row: &Row, begun: Option<String>) -> RowOut {
    match table {
        Table::ProcessEvents | Table::BpfProcessEvents => {
            process::map(ctx, st, table, row.action, row.cols, begun)
        }
        Table::SocketEvents | Table::BpfSocketEvents => {
            net::map(ctx, st, table, row.action, row.cols)
        }
        Table::FileEvents => file::fim(ctx, st, row.action, row.cols),
        Table::ProcessFileEvents => file::process_file(ctx, st, row.action, row.cols),
        Table::BpfFileEvents => file::bpf_file(ctx, st, row.action, row.cols),
    }
}
