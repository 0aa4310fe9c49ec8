//! Reassembly of audit [`Record`]s into [`AuditEvent`]s, with an account of lost serials.
//!
//! Records of one event share `(node, time, serial)`. An event is done at its `EOE` (consumed,
//! not kept), at its `PROCTITLE` (the kernel writes it last, before `EOE`), or at once when it
//! is a user-space record (`USER_*`, `CRED_*`, `DAEMON_*`…: one record each). Others (old
//! kernels without `EOE`/`PROCTITLE`, a kernel record without syscall such as a lone `AVC`)
//! end when they fall out of the in-flight window or at [`Reassembler::finish`]. Done events
//! leave in serial order (rollover-aware), so interleaved and out-of-order records are still
//! grouped. No "complete enough" guess (items=N PATHs…) is made: real logs interleave events
//! record by record (auparse `test3.log`), and such a guess would split them.
//!
//! Loss: serials skipped between consecutive emitted events of a node are counted once, when
//! the later one leaves (2^32 rollover handled). A record whose serial is at or before the last
//! emitted one is late: it forms its own event (`late: true`), never counts as a loss and
//! refills the gap it falls in. A serial that goes back while time goes forward (by over 1 s),
//! or jumps by 2^24 or more, is a counter restart (reboot, concatenated files): the node's
//! events are flushed, no gap is counted ([`Reassembler::resets`]). Kernel loss notices
//! (`audit: audit_lost=…`, `backlog limit exceeded`) are printk lines, not audit records: none
//! is in the fixtures and go-libaudit does not read them (it counts serial gaps and the netlink
//! status `lost`), so they are not handled here.

use std::net::IpAddr;

pub use super::parse::SockAddr;
use super::parse::{Record, decode_hex, decode_sockaddr, proctitle_argv, unquote};
use super::syscalls;

/// Default for [`Reassembler::new`]: events held in flight at most.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 64;
/// Records in one event at most (memory bound): it is done then, later ones come late.
const MAX_RECORDS: usize = 4096;
/// Gaps kept for [`Reassembler::gaps`]; later ones are only counted in [`Reassembler::lost`].
const MAX_GAPS: usize = 10_000;
/// Nodes tracked at once; beyond, the least recently seen one is flushed and forgotten.
const MAX_NODES: usize = 256;
/// A serial jump at least this large (either way) is a counter restart, not a loss.
const MAX_JUMP: u32 = 1 << 24;
/// How much later than the newest event a record that goes back may be stamped and be late.
const SLACK_NS: i64 = 1_000_000_000;

/// One reassembled event: the records that share a serial, in arrival order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    /// Event serial.
    pub serial: u64,
    /// Event time, ns since the Unix epoch.
    pub time_ns: i64,
    /// `node=` of its records.
    pub node: Option<String>,
    /// Its records: never empty, without `EOE`.
    pub records: Vec<Record>,
    /// Its serial was at or before one already emitted (a straggler).
    pub late: bool,
}

/// One `PATH` record of an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathItem {
    /// `item=` index.
    pub item: Option<u32>,
    /// `name=`, decoded; `None` for `(null)`.
    pub name: Option<String>,
    /// `nametype=` (`NORMAL`, `PARENT`, `CREATE`, `DELETE`…), or `objtype=` (old kernels).
    pub nametype: Option<String>,
    /// `mode=` (octal in the log), e.g. `0o100755`.
    pub mode: Option<u32>,
    /// `inode=`.
    pub inode: Option<u64>,
    /// `dev=` as logged (`08:01`).
    pub dev: Option<String>,
    /// `ouid=` owner uid.
    pub ouid: Option<u32>,
}

/// A uid, gid or session; `4294967295` (and `-1`, `unset`) mean none.
fn id(v: &str) -> Option<u32> {
    v.parse().ok().filter(|&n| n != u32::MAX)
}

macro_rules! id_fields {
    ($($(#[$doc:meta])* $name:ident = $key:literal;)*) => {$(
        $(#[$doc])*
        pub fn $name(&self) -> Option<u32> {
            id(self.get($key)?)
        }
    )*};
}

impl AuditEvent {
    /// The first record of type `rtype`.
    pub fn record(&self, rtype: &str) -> Option<&Record> {
        self.records.iter().find(|r| r.rtype == rtype)
    }

    /// The record with a value for `key`: SYSCALL if it has one, else the first.
    fn holder(&self, key: &str) -> Option<&Record> {
        let sys = self.record("SYSCALL").filter(|r| r.get(key).is_some());
        sys.or_else(|| self.records.iter().find(|r| r.get(key).is_some()))
    }

    /// `key` unquoted (see [`Record::get`]), from the SYSCALL record if it has it, else from
    /// the first record that does (USER_* records carry `exe`, `pid`… in their `msg`).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.holder(key)?.get(key)
    }

    /// `key` as text (see [`Record::text`]), from the same record as [`AuditEvent::get`].
    pub fn text(&self, key: &str) -> Option<String> {
        self.holder(key)?.text(key)
    }

    /// The syscall name, from `arch` and `syscall` of the SYSCALL (or SECCOMP) record.
    pub fn syscall_name(&self) -> Option<&'static str> {
        let r = self.record("SYSCALL").or_else(|| self.record("SECCOMP"))?;
        syscalls::name(r.get("arch")?, r.get("syscall")?.parse().ok()?)
    }

    /// The executed argv: `a0..a(argc-1)` over all EXECVE records, hex decoded, long
    /// arguments (`aN[0]`, `aN[1]`…) joined, up to the first missing one; else the PROCTITLE
    /// argv.
    pub fn argv(&self) -> Vec<String> {
        let (mut parts, mut argc) = (Vec::new(), None);
        for r in self.records.iter().filter(|r| r.rtype == "EXECVE") {
            argc = argc.or_else(|| r.get("argc")?.parse::<u64>().ok());
            for (k, v) in &r.fields {
                let Some((i, piece)) = k
                    .strip_prefix('a')
                    .map(|r| r.split_once('[').unwrap_or((r, "0]")))
                else {
                    continue;
                };
                let piece = piece.strip_suffix(']').and_then(|p| p.parse::<u64>().ok());
                if let (Ok(i), Some(piece)) = (i.parse::<u64>(), piece) {
                    let hex = decode_hex(v).filter(|_| !v.starts_with(['"', '\'']));
                    parts.push((i, piece, hex.unwrap_or_else(|| unquote(v).into())));
                }
            }
        }
        parts.sort_by_key(|(i, p, _)| (*i, *p));
        let mut argv: Vec<Vec<u8>> = Vec::new();
        for (i, _, bytes) in parts {
            let len = argv.len() as u64;
            match argv.last_mut() {
                Some(last) if i == len - 1 => last.extend(bytes),
                _ if i == len && argc.is_none_or(|n| i < n) => argv.push(bytes),
                _ => {}
            }
        }
        if argv.is_empty() {
            return self.proctitle();
        }
        argv.iter()
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect()
    }

    /// The PROCTITLE argv (the kernel cuts it at 128 bytes).
    pub fn proctitle(&self) -> Vec<String> {
        let raw = self.record("PROCTITLE").and_then(|r| r.raw("proctitle"));
        raw.map(proctitle_argv).unwrap_or_default()
    }

    /// Working directory: the CWD record, else a `cwd` field (USER_CMD).
    pub fn cwd(&self) -> Option<String> {
        let cwd = self.record("CWD").and_then(|r| r.text("cwd"));
        cwd.or_else(|| self.text("cwd"))
    }

    /// Executable path (`exe`).
    pub fn exe(&self) -> Option<String> {
        self.text("exe")
    }

    /// Command name (`comm`, at most 16 bytes).
    pub fn comm(&self) -> Option<String> {
        self.text("comm")
    }

    /// Process id.
    pub fn pid(&self) -> Option<i64> {
        self.get("pid")?.parse().ok()
    }

    /// Parent process id.
    pub fn ppid(&self) -> Option<i64> {
        self.get("ppid")?.parse().ok()
    }

    id_fields! {
        /// Real uid.
        uid = "uid";
        /// Login (audit) uid; `None` when unset (4294967295).
        auid = "auid";
        /// Effective uid.
        euid = "euid";
        /// Real gid.
        gid = "gid";
        /// Login session; `None` when unset.
        ses = "ses";
    }

    /// `success=yes|no` of the syscall, else `res=` of a user-space or config record.
    pub fn success(&self) -> Option<bool> {
        match self.get("success").or_else(|| self.get("res"))? {
            "yes" | "success" | "1" => Some(true),
            "no" | "failed" | "fail" | "0" => Some(false),
            _ => None,
        }
    }

    /// Syscall return value (`exit=`, a negative errno on failure).
    pub fn exit(&self) -> Option<i64> {
        self.record("SYSCALL")?.get("exit")?.parse().ok()
    }

    /// The audit rule keys: `key=` split at 0x01 (several keys are hex joined by it), with a
    /// legacy `key=` prefix dropped.
    pub fn keys(&self) -> Vec<String> {
        let all = self.text("key").unwrap_or_default();
        let keys = all
            .split('\u{1}')
            .map(|k| k.strip_prefix("key=").unwrap_or(k));
        keys.filter(|k| !k.is_empty()).map(str::to_string).collect()
    }

    /// The first audit rule key.
    pub fn key(&self) -> Option<String> {
        self.keys().into_iter().next()
    }

    /// The PATH records, by `item`.
    pub fn paths(&self) -> Vec<PathItem> {
        let paths = self.records.iter().filter(|r| r.rtype == "PATH");
        let num = |r: &Record, k: &str| r.get(k).and_then(|v| v.parse::<u64>().ok());
        let mut v: Vec<PathItem> = paths
            .map(|r| PathItem {
                item: num(r, "item").and_then(|i| u32::try_from(i).ok()),
                name: r.text("name"),
                nametype: r
                    .get("nametype")
                    .or_else(|| r.get("objtype"))
                    .map(str::to_string),
                mode: r.get("mode").and_then(|m| u32::from_str_radix(m, 8).ok()),
                inode: num(r, "inode"),
                dev: r.get("dev").map(str::to_string),
                ouid: r.get("ouid").and_then(id),
            })
            .collect();
        v.sort_by_key(|p| p.item.unwrap_or(u32::MAX));
        v
    }

    /// The SOCKADDR address: the peer for connect/sendto/accept, the own one for bind.
    pub fn sockaddr(&self) -> Option<SockAddr> {
        decode_sockaddr(self.record("SOCKADDR")?.raw("saddr")?)
    }

    /// The remote address of a user-space record (`addr=` of sshd, login…).
    pub fn addr(&self) -> Option<IpAddr> {
        self.get("addr")?.parse().ok()
    }

    /// Line number of its earliest record.
    pub fn first_line(&self) -> u64 {
        self.records.iter().map(|r| r.line).min().unwrap_or(0)
    }

    /// Byte offset of its earliest record.
    pub fn first_offset(&self) -> u64 {
        self.records.iter().map(|r| r.offset).min().unwrap_or(0)
    }
}

/// Whether `rtype` is a user-space message (1100–1299, 2100–2999): an event on its own.
fn is_user_space(rtype: &str) -> bool {
    const PREFIXES: &str = "USER DAEMON_ CRED_ ACCT_ GRP_ ADD_ DEL_ SYSTEM_ SERVICE_ RESP_ ROLE_ \
        LABEL_ VIRT_ CRYPTO_ DEV_ ANOM_LOGIN ANOM_ROOT ANOM_EXEC ANOM_MK_EXEC ANOM_ADD ANOM_DEL \
        ANOM_MOD ANOM_MAX ANOM_AMTU ANOM_RBAC ANOM_CRYPTO ANOM_ACCESS ANOM_ORIGIN ANOM_SESSION \
        USYS_CONFIG CHGRP_ID CHUSER_ID TRUSTED_APP SOFTWARE_UPDATE FS_RELABEL";
    let num = rtype
        .strip_prefix("UNKNOWN[")
        .and_then(|r| r.strip_suffix(']'));
    match num.and_then(|n| n.parse::<u32>().ok()) {
        Some(n) => (1100..1300).contains(&n) || (2100..3000).contains(&n),
        None => PREFIXES
            .split_ascii_whitespace()
            .any(|p| rtype.starts_with(p)),
    }
}

/// Serials skipped between two consecutive emitted events of one node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    /// Node of the events.
    pub node: Option<String>,
    /// Serial of the event before the gap.
    pub after_serial: u64,
    /// Serial of the event after the gap.
    pub before_serial: u64,
    /// Time of the event before the gap (ns).
    pub from_ns: i64,
    /// Time of the event after the gap (ns).
    pub to_ns: i64,
    /// Serials missing (less those refilled by late events).
    pub missing: u64,
}

/// `a` comes after `b` in serial order (RFC 1982 arithmetic on u32).
fn after(a: u32, b: u32) -> bool {
    (1..1 << 31).contains(&a.wrapping_sub(b))
}

struct Pending {
    serial: u32,
    time_ns: i64,
    records: Vec<Record>,
    done: bool,
    late: bool,
}

struct Stream {
    node: Option<String>,
    /// In serial order.
    pending: Vec<Pending>,
    /// Serial and time of the last emitted event that was not late.
    last: Option<(u32, i64)>,
    /// Recent late serials that refilled a gap (a second fragment must not refill again).
    refilled: Vec<u32>,
    used: u64,
}

/// Groups records into events with a bounded in-flight window, and accounts for losses.
pub struct Reassembler {
    max_in_flight: usize,
    streams: Vec<Stream>,
    in_flight: usize,
    lost: u64,
    gaps: Vec<Gap>,
    resets: u64,
    late: u64,
    tick: u64,
}

impl Default for Reassembler {
    fn default() -> Self {
        Self::new(DEFAULT_MAX_IN_FLIGHT)
    }
}

impl Reassembler {
    /// A reassembler holding at most `max_in_flight` (at least 1) unfinished events.
    pub fn new(max_in_flight: usize) -> Self {
        let (max_in_flight, streams, gaps) = (max_in_flight.max(1), Vec::new(), Vec::new());
        let (in_flight, lost, resets, late, tick) = (0, 0, 0, 0, 0);
        Reassembler {
            max_in_flight,
            streams,
            in_flight,
            lost,
            gaps,
            resets,
            late,
            tick,
        }
    }

    /// Adds a record; returns the events that it completed or pushed out of the window, in
    /// serial order per node. `serial` is taken modulo 2^32.
    pub fn push(&mut self, r: Record) -> Vec<AuditEvent> {
        let mut out = Vec::new();
        let s = self.stream(&r.node, &mut out);
        let key = (r.serial as u32, r.time_ns);
        let eoe = r.rtype == "EOE";
        let st = &mut self.streams[s];
        if let Some(p) = st.pending.iter_mut().find(|p| (p.serial, p.time_ns) == key) {
            let full = p.records.len() + 1 >= MAX_RECORDS;
            p.done |= eoe || r.rtype == "PROCTITLE" || full;
            if !eoe {
                p.records.push(r);
            }
        } else if !eoe {
            let late = self.classify(s, key).unwrap_or_else(|| {
                self.resets += 1;
                self.flush(s, &mut out);
                self.streams[s].last = None;
                false
            });
            let done = is_user_space(&r.rtype);
            let p = Pending {
                serial: key.0,
                time_ns: key.1,
                records: vec![r],
                done,
                late,
            };
            let pending = &mut self.streams[s].pending;
            let le =
                |q: &Pending| after(key.0, q.serial) || q.serial == key.0 && q.time_ns <= key.1;
            let at = pending.iter().rposition(le).map_or(0, |i| i + 1);
            pending.insert(at, p);
            self.in_flight += 1;
        }
        self.drain(s, &mut out);
        while self.in_flight > self.max_in_flight {
            let fronts = self.streams.iter().enumerate();
            let oldest = fronts
                .filter_map(|(i, st)| Some((st.pending.first()?.time_ns, i)))
                .min();
            let Some((_, i)) = oldest else { break };
            self.emit_front(i, &mut out);
            self.drain(i, &mut out);
        }
        out
    }

    /// Emits every event still in flight (end of input).
    pub fn finish(&mut self) -> Vec<AuditEvent> {
        let mut out = Vec::new();
        (0..self.streams.len()).for_each(|s| self.flush(s, &mut out));
        out
    }

    /// Serials skipped between consecutive emitted events (all nodes), less refilled ones.
    pub fn lost(&self) -> u64 {
        self.lost
    }

    /// The gaps behind [`Reassembler::lost`] (the first 10 000).
    pub fn gaps(&self) -> &[Gap] {
        &self.gaps
    }

    /// Serial counter restarts seen (reboots, concatenated files).
    pub fn resets(&self) -> u64 {
        self.resets
    }

    /// Late events emitted.
    pub fn late_events(&self) -> u64 {
        self.late
    }

    /// Events held now.
    pub fn in_flight(&self) -> usize {
        self.in_flight
    }

    /// The stream of `node`, created if needed (flushing the least recently used one when
    /// there are too many).
    fn stream(&mut self, node: &Option<String>, out: &mut Vec<AuditEvent>) -> usize {
        self.tick += 1;
        if let Some(i) = self.streams.iter().position(|s| &s.node == node) {
            self.streams[i].used = self.tick;
            return i;
        }
        if self.streams.len() >= MAX_NODES {
            let lru = self.streams.iter().enumerate().min_by_key(|(_, s)| s.used);
            if let Some(i) = lru.map(|(i, _)| i) {
                self.flush(i, out);
                self.streams.swap_remove(i);
            }
        }
        let (node, used) = (node.clone(), self.tick);
        let (pending, last, refilled) = (Vec::new(), None, Vec::new());
        self.streams.push(Stream {
            node,
            pending,
            last,
            refilled,
            used,
        });
        self.streams.len() - 1
    }

    /// For a new event of stream `s`: `Some(late)`, or `None` for a counter restart.
    fn classify(&self, s: usize, (serial, time_ns): (u32, i64)) -> Option<bool> {
        let st = &self.streams[s];
        let newest = st
            .pending
            .iter()
            .rev()
            .find(|p| !p.late)
            .map(|p| (p.serial, p.time_ns));
        let reference = match (newest, st.last) {
            (Some(n), Some(l)) => Some(if after(n.0, l.0) { n } else { l }),
            (n, l) => n.or(l),
        };
        let Some((ref_serial, ref_ns)) = reference else {
            return Some(false);
        };
        let forward = serial.wrapping_sub(ref_serial);
        if forward != 0 && forward < MAX_JUMP {
            return Some(false);
        }
        let back_ok = ref_serial.wrapping_sub(serial) < MAX_JUMP;
        let late = st.last.is_some_and(|(l, _)| !after(serial, l));
        (back_ok && time_ns <= ref_ns.saturating_add(SLACK_NS)).then_some(late)
    }

    /// Emits the done events at the front of stream `s`.
    fn drain(&mut self, s: usize, out: &mut Vec<AuditEvent>) {
        while self.streams[s].pending.first().is_some_and(|p| p.done) {
            self.emit_front(s, out);
        }
    }

    /// Emits all events of stream `s`.
    fn flush(&mut self, s: usize, out: &mut Vec<AuditEvent>) {
        while !self.streams[s].pending.is_empty() {
            self.emit_front(s, out);
        }
    }

    /// Emits the first event of stream `s`, accounting for the gap before it.
    fn emit_front(&mut self, s: usize, out: &mut Vec<AuditEvent>) {
        let st = &mut self.streams[s];
        if st.pending.is_empty() {
            return;
        }
        let p = st.pending.remove(0);
        self.in_flight -= 1;
        if p.late {
            self.late += 1;
            let inside = |g: &&mut Gap| {
                let (a, b) = (g.after_serial as u32, g.before_serial as u32);
                g.node == st.node && g.missing > 0 && after(p.serial, a) && after(b, p.serial)
            };
            let gap = self.gaps.iter_mut().rev().find(inside);
            if !st.refilled.contains(&p.serial)
                && let Some(g) = gap
            {
                g.missing -= 1;
                self.lost -= 1;
                st.refilled.push(p.serial);
                if st.refilled.len() > 64 {
                    st.refilled.remove(0);
                }
            }
        } else {
            if let Some((last, from_ns)) = st.last {
                let missing = u64::from(p.serial.wrapping_sub(last)).saturating_sub(1);
                self.lost = self.lost.saturating_add(missing);
                if missing > 0 && self.gaps.len() < MAX_GAPS {
                    let (after_serial, before_serial) = (u64::from(last), u64::from(p.serial));
                    let (node, to_ns) = (st.node.clone(), p.time_ns);
                    self.gaps.push(Gap {
                        node,
                        after_serial,
                        before_serial,
                        from_ns,
                        to_ns,
                        missing,
                    });
                }
            }
            st.last = Some((p.serial, p.time_ns));
        }
        let (serial, node, time_ns) = (u64::from(p.serial), st.node.clone(), p.time_ns);
        out.push(AuditEvent {
            serial,
            time_ns,
            node,
            records: p.records,
            late: p.late,
        });
    }
}

#[cfg(test)]
#[path = "assemble_tests.rs"]
mod tests;
