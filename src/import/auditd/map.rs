//! The mapping of reassembled audit events to rows, shared by the raw log importer and
//! Laurel's JSON: one definition of what each syscall means.
//!
//! Identity: audit gives a pid and its parent's pid, no start time. A process is one
//! incarnation of a pid on a host: it begins when the pid is first seen, or when a
//! fork/clone returns it, and ends at its `exit_group`; its key is
//! `source_process_key(host, <source>, "<pid>@<first seen, ns>")`. A child links to the
//! incarnation of its parent pid alive when it started, so lineage survives pid reuse.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::super::json::At;
use super::super::{Emit, ImportError, NO_HOST};
use super::assemble::AuditEvent;
use super::parse;
use crate::schema::{
    EventKind, FileDetail, NetDetail, Origin, ProcessInfo, Protocol, source_process_key,
};

/// What the input says about an event beyond its records.
#[derive(Debug, Default)]
pub struct Context {
    /// The container the process ran in (Laurel's `CONTAINER_INFO`).
    pub container: Option<String>,
    /// More for `extra`.
    pub extra: Map<String, Value>,
}

/// The event's content (its records' headers and fields): what a second copy of the same
/// lines has too, for the ledger.
pub fn content(ev: &AuditEvent) -> Vec<u8> {
    let mut raw = String::new();
    for r in &ev.records {
        let node = r.node.as_deref().unwrap_or("");
        raw.push_str(&format!("{node} {} {}:{}", r.rtype, r.time_ns, r.serial));
        for (k, v) in &r.fields {
            raw.push_str(&format!(" {k}={v}"));
        }
        raw.push('\n');
    }
    raw.into_bytes()
}

/// The process table of each host, and the mapping of events.
pub struct Mapper {
    /// The source name rows carry (`auditd`, `laurel`).
    source: &'static str,
    /// host → pid → the process key of the incarnation alive now.
    procs: HashMap<String, HashMap<i64, String>>,
}

impl Mapper {
    /// A mapper whose rows name `source`.
    pub fn new(source: &'static str) -> Mapper {
        Mapper {
            source,
            procs: HashMap::new(),
        }
    }

    /// The key of the incarnation of `pid` on `host` that began at `time`.
    fn incarnation_key(&self, host: &str, pid: i64, time: i64) -> String {
        source_process_key(host, self.source, &format!("{pid}@{time}"))
    }

    fn host(&mut self, host: &str) -> &mut HashMap<i64, String> {
        if !self.procs.contains_key(host) {
            self.procs.insert(host.to_string(), HashMap::new());
        }
        self.procs.get_mut(host).expect("inserted above")
    }

    /// The incarnation of `pid` on `host` at `time`, begun now if none is alive.
    fn incarnation(&mut self, host: &str, pid: i64, time: i64) -> String {
        let source = self.source;
        self.host(host)
            .entry(pid)
            .or_insert_with(|| source_process_key(host, source, &format!("{pid}@{time}")))
            .clone()
    }

    /// A new incarnation of `pid` begins at `time` (a fork returned it).
    fn begin(&mut self, host: &str, pid: i64, time: i64) -> String {
        let key = self.incarnation_key(host, pid, time);
        self.host(host).insert(pid, key.clone());
        key
    }

    fn end(&mut self, host: &str, pid: i64) {
        self.host(host).remove(&pid);
    }

    /// The rows of one event (new to the ledger: the caller checked with [`Emit::record`]).
    pub fn event(
        &mut self,
        ev: &AuditEvent,
        ctx: Context,
        out: &mut Emit,
    ) -> Result<(), ImportError> {
        let at = At {
            line: ev.first_line(),
            offset: ev.first_offset(),
        };
        let Some(sys) = ev.record("SYSCALL") else {
            out.unmapped(&ev.records[0].rtype);
            return Ok(());
        };
        let Some(name) = ev.syscall_name() else {
            let nr = sys.get("syscall").unwrap_or("?");
            out.unmapped(&format!("syscall {nr}"));
            return Ok(());
        };
        let Some(host) = out.host_of(ev.node.as_deref()) else {
            return out.skip(
                at,
                NO_HOST,
                "audit records name no node; name the host with --host",
            );
        };
        let Some(pid) = ev.pid() else {
            return out.skip(at, "malformed audit record", "SYSCALL without pid");
        };
        let ok = ev.success() != Some(false);
        let time = ev.time_ns;
        let o = Origin::new(&host, None, self.source);
        let parent_key = ev.ppid().map(|pp| self.incarnation(&host, pp, time));
        let key = self.incarnation(&host, pid, time);
        let mut p = ProcessInfo {
            pid: i32::try_from(pid).ok(),
            ppid: ev.ppid().and_then(|x| i32::try_from(x).ok()),
            uid: ev.uid(),
            gid: ev.gid(),
            euid: ev.euid(),
            auid: ev.auid(),
            user_name: sys.enriched("UID").map(str::to_string),
            comm: ev.comm(),
            exe: ev.exe(),
            cwd: ev.cwd(),
            key: Some(key),
            parent_key,
            ..Default::default()
        };
        let mut extra = extra_of(ev, name);
        extra.extend(ctx.extra);
        let ctr = ctx.container;
        let kind_of_open = |flags: Option<u64>, created: bool| {
            let write = flags.is_some_and(|f| f & 0o3 != 0 || f & 0o1000 != 0);
            match (created, write) {
                (true, _) => EventKind::FileCreate,
                (false, true) => EventKind::FileOpenWrite,
                (false, false) => EventKind::FileOpenRead,
            }
        };
        let arg = |i: usize| {
            sys.get(&format!("a{i}"))
                .and_then(|a| u64::from_str_radix(a, 16).ok())
        };
        let paths = ev.paths();
        let cwd = p.cwd.clone();
        let full = |n: &str| match (&cwd, n.starts_with('/')) {
            (Some(c), false) => format!("{}/{n}", c.trim_end_matches('/')),
            _ => n.to_string(),
        };
        let path_of = |types: &[&str]| {
            paths
                .iter()
                .filter(|x| x.nametype.as_deref().is_some_and(|t| types.contains(&t)))
                .find_map(|x| x.name.as_deref().map(&full))
        };
        if !ok && !matches!(name, "connect") {
            out.unmapped(&format!("failed {name}"));
            return Ok(());
        }
        let ev_row = match name {
            "execve" | "execveat" => {
                p.argv = ev.argv();
                if p.exe.is_none() {
                    p.exe = p.argv.first().cloned();
                }
                o.exec(time, ctr, Arc::new(p), None)
            }
            "fork" | "vfork" | "clone" | "clone3" => {
                let Some(child) = ev.exit().filter(|c| *c > 0) else {
                    out.unmapped(&format!("{name} of a thread"));
                    return Ok(());
                };
                let flags = arg(0).unwrap_or(0);
                // CLONE_THREAD: a thread, not a new process.
                if name == "clone" && flags & 0x10000 != 0 {
                    out.unmapped("clone of a thread");
                    return Ok(());
                }
                let parent = p.key.clone();
                p.ppid = i32::try_from(pid).ok();
                p.pid = i32::try_from(child).ok();
                p.parent_key = parent;
                p.key = Some(self.begin(&host, child, time));
                o.fork(time, ctr, Arc::new(p))
            }
            "exit" | "exit_group" => {
                self.end(&host, pid);
                let code = arg(0).and_then(|c| i32::try_from(c & 0xff).ok());
                o.exit(time, ctr, Arc::new(p), code)
            }
            "connect" | "accept" | "accept4" | "bind" => {
                // connect is asynchronous: EINPROGRESS (-115) is an attempt under way.
                if !ok && ev.exit() != Some(-115) {
                    out.unmapped("failed connect");
                    return Ok(());
                }
                let Some(sa) = ev.sockaddr() else {
                    out.unmapped(&format!("{name} without an address"));
                    return Ok(());
                };
                let (Some(ip), Some(port)) = (sa.ip, sa.port) else {
                    out.unmapped(&format!("{name} of a non-IP socket"));
                    return Ok(());
                };
                let (kind, d) = match name {
                    "connect" => (
                        EventKind::NetConnect,
                        NetDetail::new(Protocol::Tcp, None, Some((ip, port))),
                    ),
                    "bind" => (
                        EventKind::NetListen,
                        NetDetail::new(Protocol::Tcp, None, Some((ip, port))),
                    ),
                    // The peer is the side that connected.
                    _ => (
                        EventKind::NetAccept,
                        NetDetail::new(Protocol::Tcp, Some((ip, port)), None),
                    ),
                };
                o.net(time, kind, ctr, Arc::new(p), d)
            }
            "open" | "openat" | "openat2" | "creat" => {
                let flags = match name {
                    "open" => arg(1),
                    "creat" => Some(0o1101),
                    _ => arg(2),
                };
                let created = path_of(&["CREATE"]);
                let Some(path) = created.clone().or_else(|| path_of(&["NORMAL"])) else {
                    out.unmapped(&format!("{name} without a path"));
                    return Ok(());
                };
                let kind = kind_of_open(flags, created.is_some());
                let d = FileDetail::path(path).flags(flags.and_then(|f| u32::try_from(f).ok()));
                o.file(time, kind, ctr, Arc::new(p), d)
            }
            "unlink" | "unlinkat" | "rmdir" => {
                let Some(path) = path_of(&["DELETE"]) else {
                    out.unmapped(&format!("{name} without a path"));
                    return Ok(());
                };
                o.file(
                    time,
                    EventKind::FileUnlink,
                    ctr,
                    Arc::new(p),
                    FileDetail::path(path),
                )
            }
            "rename" | "renameat" | "renameat2" => {
                let (Some(old), new) = (path_of(&["DELETE"]), path_of(&["CREATE"])) else {
                    out.unmapped(&format!("{name} without a path"));
                    return Ok(());
                };
                let d = FileDetail::path(old).target(new);
                o.file(time, EventKind::FileRename, ctr, Arc::new(p), d)
            }
            "chmod" | "fchmod" | "fchmodat" => {
                let mode = match name {
                    "fchmodat" => arg(2),
                    _ => arg(1),
                };
                let Some(path) = path_of(&["NORMAL"]) else {
                    out.unmapped(&format!("{name} without a path"));
                    return Ok(());
                };
                let d = FileDetail::path(path).mode(mode.and_then(|m| u32::try_from(m).ok()));
                o.file(time, EventKind::FileChmod, ctr, Arc::new(p), d)
            }
            other => {
                out.unmapped(&format!("syscall {other}"));
                return Ok(());
            }
        };
        out.event(ev_row.with_extra(Some(extra)))
    }
}

/// What an event says that no column holds: the syscall, session, tty, rule keys, result,
/// the proctitle when it differs from argv, ENRICHED names.
pub fn extra_of(ev: &AuditEvent, name: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("syscall".into(), name.into());
    m.insert("serial".into(), ev.serial.into());
    if let Some(s) = ev.ses() {
        m.insert("ses".into(), s.into());
    }
    if let Some(t) = ev.get("tty") {
        m.insert("tty".into(), t.into());
    }
    let keys = ev.keys();
    if !keys.is_empty() {
        m.insert("keys".into(), keys.into());
    }
    if let Some(x) = ev.exit() {
        m.insert("exit".into(), x.into());
    }
    if let Some(s) = ev.success() {
        m.insert("success".into(), s.into());
    }
    if let Some(sys) = ev.record("SYSCALL") {
        for (k, v) in &sys.enriched {
            m.insert(format!("enriched.{k}"), parse::unquote(v).into());
        }
    }
    m
}
