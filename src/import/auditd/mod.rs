//! Linux audit logs (`/var/log/audit/audit.log`, raw or ENRICHED, with or without `node=`,
//! behind a syslog prefix or not): records grouped by serial into events ([`assemble`]), each
//! event mapped by its syscall. Serial gaps become loss rows.
//!
//! Identity: audit gives a pid and its parent's pid, no start time. A process is one
//! incarnation of a pid on a host: it begins when the pid is first seen, or when a
//! fork/clone returns it, and ends at its `exit_group`; its key is
//! `source_process_key(host, "auditd", "<pid>@<first seen, ns>")`. A child links to the
//! incarnation of its parent pid alive when it started, so lineage survives pid reuse.

pub mod assemble;
pub mod parse;
pub mod syscalls;

use std::collections::HashMap;
use std::io::BufRead;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::json::At;
use super::open::read_capped_line;
use super::{Emit, ImportError, Importer, NO_HOST};
use crate::schema::{
    EventKind, FileDetail, NetDetail, Origin, ProcessInfo, Protocol, source_process_key,
};
use assemble::{AuditEvent, DEFAULT_MAX_IN_FLIGHT, Reassembler};

/// The importer.
pub struct Auditd;

/// The source name rows carry.
const SOURCE: &str = "auditd";

/// Longest line read; a longer one is cut here and skipped as malformed.
const MAX_LINE: usize = 1 << 20;

impl Importer for Auditd {
    fn name(&self) -> &'static str {
        SOURCE
    }

    fn about(&self) -> &'static str {
        "Linux audit logs (auditd raw or ENRICHED, node= prefixes, syslog-wrapped)"
    }

    fn sniff(&self, head: &[u8]) -> bool {
        let text = String::from_utf8_lossy(head);
        let mut lines = text.lines().filter(|l| !l.trim().is_empty()).take(20);
        lines.any(|l| parse::parse_line(l, 1, 0).is_ok())
    }

    fn import(&self, input: &mut dyn BufRead, out: &mut Emit) -> Result<(), ImportError> {
        let mut asm = Reassembler::new(DEFAULT_MAX_IN_FLIGHT);
        let mut map = Mapper::default();
        let (mut line_no, mut offset) = (0u64, 0u64);
        let mut buf = Vec::with_capacity(4096);
        loop {
            buf.clear();
            let n = read_capped_line(input, &mut buf, MAX_LINE)?;
            if n == 0 {
                break;
            }
            line_no += 1;
            let at = At {
                line: line_no,
                offset,
            };
            offset += n as u64;
            if buf.len() > MAX_LINE {
                out.skip(at, "malformed audit record", "line longer than 1 MiB")?;
                continue;
            }
            let line = String::from_utf8_lossy(&buf);
            let line = line.trim_end_matches(['\n', '\r']);
            if line.trim().is_empty() {
                continue;
            }
            match parse::parse_line(line, line_no, at.offset) {
                Ok(r) => {
                    for ev in asm.push(r) {
                        map.event(&ev, out)?;
                    }
                }
                Err(e) => out.skip(at, "malformed audit record", e.reason)?,
            }
            if line_no.is_multiple_of(8192) {
                out.tick()?;
            }
        }
        for ev in asm.finish() {
            map.event(&ev, out)?;
        }
        for g in asm.gaps() {
            let host = out
                .host_of(g.node.as_deref())
                .unwrap_or_else(|| "unknown".to_string());
            let o = Origin::new(&host, None, SOURCE);
            out.loss(o.loss(g.to_ns, (g.from_ns, g.to_ns), g.missing, "sequence_gap"))?;
        }
        Ok(())
    }
}

/// The process table of each host, and the mapping of events.
#[derive(Default)]
struct Mapper {
    /// host → pid → the process key of the incarnation alive now.
    procs: HashMap<String, HashMap<i64, String>>,
}

/// The key of the incarnation of `pid` on `host` that began at `time`.
fn incarnation_key(host: &str, pid: i64, time: i64) -> String {
    source_process_key(host, SOURCE, &format!("{pid}@{time}"))
}

impl Mapper {
    fn host(&mut self, host: &str) -> &mut HashMap<i64, String> {
        if !self.procs.contains_key(host) {
            self.procs.insert(host.to_string(), HashMap::new());
        }
        self.procs.get_mut(host).expect("inserted above")
    }

    /// The incarnation of `pid` on `host` at `time`, begun now if none is alive.
    fn incarnation(&mut self, host: &str, pid: i64, time: i64) -> String {
        self.host(host)
            .entry(pid)
            .or_insert_with(|| incarnation_key(host, pid, time))
            .clone()
    }

    /// A new incarnation of `pid` begins at `time` (a fork returned it).
    fn begin(&mut self, host: &str, pid: i64, time: i64) -> String {
        let key = incarnation_key(host, pid, time);
        self.host(host).insert(pid, key.clone());
        key
    }

    fn end(&mut self, host: &str, pid: i64) {
        self.host(host).remove(&pid);
    }

    /// The rows of one event.
    fn event(&mut self, ev: &AuditEvent, out: &mut Emit) -> Result<(), ImportError> {
        let at = At {
            line: ev.first_line(),
            offset: ev.first_offset(),
        };
        // The event's content (its records' headers and fields): what a second copy of the
        // same lines has too.
        let mut raw = String::new();
        for r in &ev.records {
            let node = r.node.as_deref().unwrap_or("");
            raw.push_str(&format!("{node} {} {}:{}", r.rtype, r.time_ns, r.serial));
            for (k, v) in &r.fields {
                raw.push_str(&format!(" {k}={v}"));
            }
            raw.push('\n');
        }
        let raw = raw.into_bytes();
        if !out.record(at, &raw) {
            return Ok(());
        }
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
        let o = Origin::new(&host, None, SOURCE);
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
        let extra = extra_of(ev, name);
        let ctr = None;
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
fn extra_of(ev: &AuditEvent, name: &str) -> Map<String, Value> {
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

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::schema::{Detail, Row};

    fn import(rel: &str, host: Option<&str>) -> (Vec<Row>, super::super::Counts) {
        let bytes = std::fs::read(fixture(rel)).unwrap();
        import_bytes(&Auditd, &bytes, host)
    }

    #[test]
    fn otrf_execs_keep_argv_ids_and_lineage() {
        let (rows, counts) = import("otrf/sh_arp_cache_2020-11-10074812.log", Some("wardog-vm"));
        assert_eq!(counts.skipped_total(), 0, "{counts:?}");
        let evs = events(&rows);
        assert_eq!(evs.len(), 2);
        let (arp, grep) = (evs[0], evs[1]);
        assert_eq!(arp.kind, EventKind::ProcessExec);
        assert_eq!(arp.host_id, "wardog-vm");
        assert_eq!(arp.time, 1_604_994_496_155_000_000);
        assert_eq!(arp.process.argv, ["arp", "-a"]);
        assert_eq!(arp.process.exe.as_deref(), Some("/usr/sbin/arp"));
        assert_eq!(arp.process.cwd.as_deref(), Some("/home/wardog"));
        assert_eq!(
            (
                arp.process.pid,
                arp.process.ppid,
                arp.process.uid,
                arp.process.auid
            ),
            (Some(1631), Some(29002), Some(1000), Some(1000))
        );
        assert_eq!(grep.process.argv, ["grep", "-v", "^?"]);
        // Both children of the same shell: one parent incarnation.
        assert_eq!(arp.process.parent_key, grep.process.parent_key);
        assert_ne!(arp.process.key, grep.process.key);
        let extra: Value = serde_json::from_str(arp.extra.as_deref().unwrap()).unwrap();
        assert_eq!(
            (extra["ses"].as_u64(), extra["tty"].as_str()),
            (Some(104), Some("pts0"))
        );
        let (rows, _) = import("otrf/sh_binary_padding_dd_2020-11-10081941.log", Some("h"));
        assert_eq!(
            events(&rows)[0].process.argv,
            ["dd", "if=/dev/zero", "bs=1", "count=1"]
        );
    }

    #[test]
    fn without_a_host_every_event_is_skipped_with_the_reason() {
        let (rows, counts) = import("otrf/sh_arp_cache_2020-11-10074812.log", None);
        assert!(events(&rows).is_empty());
        assert_eq!(counts.skipped["no host"], 2);
    }

    #[test]
    fn serial_gaps_are_loss_rows_and_rollover_is_not() {
        let (rows, counts) = import("auditd/testdata/lost_messages.log", Some("h"));
        assert_eq!(counts.lost, 9);
        let losses: Vec<_> = rows
            .iter()
            .filter_map(|r| match r {
                Row::Loss(l) => Some(l),
                _ => None,
            })
            .collect();
        assert_eq!(losses.len(), 1);
        assert_eq!(
            (losses[0].reason.as_str(), losses[0].events_lost),
            ("sequence_gap", 9)
        );
        for f in ["normal", "out_of_order", "rollover"] {
            let (_, counts) = import(&format!("auditd/testdata/{f}.log"), Some("h"));
            assert_eq!(counts.lost, 0, "{f}");
        }
    }

    #[test]
    fn golden_connects_are_network_events() {
        // aucoalesce's ubuntu-16.04 / rhel-7 tests hold connect events with addresses; every
        // one that has an inet SOCKADDR becomes a net_connect to it.
        let mut connects = 0;
        for f in walkdir::WalkDir::new(fixture("auditd"))
            .into_iter()
            .flatten()
        {
            let p = f.path().to_path_buf();
            if p.extension().and_then(|x| x.to_str()) != Some("log") {
                continue;
            }
            let bytes = std::fs::read(&p).unwrap();
            assert!(Auditd.sniff(&bytes), "{}", p.display());
            let (rows, _) = import_bytes(&Auditd, &bytes, Some("h"));
            for e in events(&rows) {
                if let Detail::Network(n) = &e.detail
                    && e.kind == EventKind::NetConnect
                {
                    assert!(n.dst_ip.is_some() && n.dst_port.is_some(), "{e:?}");
                    connects += 1;
                }
            }
        }
        assert!(connects > 0);
    }

    #[test]
    fn mangled_logs_never_panic() {
        for rel in [
            "otrf/sh_arp_cache_2020-11-10074812.log",
            "auditd/auparse/testdata/audit-rhel7.log",
            "auditd/testdata/out_of_order.log",
        ] {
            let bytes = std::fs::read(fixture(rel)).unwrap();
            for m in mangled(&bytes) {
                let (_, counts) = import_bytes(&Auditd, &m, Some("h"));
                assert!(counts.records <= 10_000);
            }
        }
        assert!(!Auditd.sniff(b"{\"process_exec\":{}}"));
    }
}
