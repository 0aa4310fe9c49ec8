//! The process table of each host, for sources that give a pid and its parent's pid but no
//! id of the parent's own (osquery: no start time at all; Tracee: the process' start time,
//! not the parent's): a process is one incarnation of a pid, begun by an exec or a fork the
//! source reported (or, for Tracee, at the start time an event gives).
//!
//! - A fork (process_events with `syscall` fork/vfork/clone) begins an incarnation of the
//!   child's pid at the fork's time.
//! - An exec continues the incarnation its fork began (the pid's latest one at or before the
//!   exec, begun by a fork and not exec'd since, with the same parent); else it begins one.
//!   A second exec without a fork (`exec` in a shell, or pid reuse: osquery cannot tell
//!   them apart) begins another.
//! - Any other event of a pid belongs to the pid's latest incarnation begun at or before
//!   the event's time; a child's parent is the incarnation of its parent pid alive when the
//!   child's began. A pid seen before any begin osquery reported gets one incarnation for
//!   that stretch, named by when it was first asked for.
//!
//! Keys: `source_process_key(host, source, "<pid>@<begin ns>")`, or
//! `"<pid>@seen:<first asked ns>"`. Not [`crate::schema::process_key`]: that one takes the
//! kernel's start time with the boot as anchor, which osquery never gives (an exec's time
//! is not its process' start) and Tracee gives without the boot.
//!
//! Begins are registered as records are read, ahead of the rows being mapped (see the
//! importer's look-ahead), so a parent reported a little after its child is still found.
//! Each pid keeps its last [`KEPT`] incarnations, 16 bytes each.

use std::collections::HashMap;

use crate::schema::source_process_key;

/// Incarnations kept per pid.
pub const KEPT: usize = 16;

/// One incarnation of a pid, as a lookup gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inc {
    /// When it began (ns): its fork or exec, or when it was first asked for.
    pub start: i64,
    /// Its process key.
    pub key: String,
    /// Its parent's pid, when the begin said.
    pub ppid: Option<i32>,
}

/// An incarnation as kept: 16 bytes (the key is made again from the pid and the start).
#[derive(Debug, Clone, Copy)]
struct Slot {
    start: i64,
    /// The parent's pid, -1 when unknown.
    ppid: i32,
    /// Begun by a fork with no exec since.
    forked: bool,
}

impl Slot {
    fn ppid(self) -> Option<i32> {
        (self.ppid >= 0).then_some(self.ppid)
    }
}

#[derive(Default)]
struct History {
    /// When the incarnation before the first begin was first asked for.
    early: Option<i64>,
    /// Begun incarnations, by start.
    slots: Vec<Slot>,
}

/// The process tables of every host, for one source.
pub struct Procs {
    source: &'static str,
    hosts: HashMap<String, HashMap<i32, History>>,
}

/// The key of the incarnation of `pid` begun at `start`.
pub fn begun_key(source: &str, host: &str, pid: i32, start: i64) -> String {
    source_process_key(host, source, &format!("{pid}@{start}"))
}

/// The key of the incarnation of `pid` before any begin, first asked for at `first`.
fn seen_key(source: &str, host: &str, pid: i32, first: i64) -> String {
    source_process_key(host, source, &format!("{pid}@seen:{first}"))
}

impl Procs {
    /// The tables of `source` (the name its keys are made with), empty.
    pub fn new(source: &'static str) -> Procs {
        Procs {
            source,
            hosts: HashMap::new(),
        }
    }

    fn history(&mut self, host: &str, pid: i32) -> &mut History {
        if !self.hosts.contains_key(host) {
            self.hosts.insert(host.to_string(), HashMap::new());
        }
        let pids = self.hosts.get_mut(host).expect("inserted above");
        pids.entry(pid).or_default()
    }

    /// A fork at `time` returned `pid`, child of `ppid`: its incarnation's key.
    pub fn fork(&mut self, host: &str, pid: i32, ppid: Option<i32>, time: i64) -> String {
        let source = self.source;
        let h = self.history(host, pid);
        let i = h.slots.partition_point(|x| x.start <= time);
        // The same fork again (a record read twice, a snapshot repeating it) changes nothing.
        if i == 0 || h.slots[i - 1].start != time {
            h.insert(i, time, ppid, true);
        }
        begun_key(source, host, pid, time)
    }

    /// `pid`, child of `ppid`, exec'd at `time`: its incarnation's key.
    pub fn exec(&mut self, host: &str, pid: i32, ppid: Option<i32>, time: i64) -> String {
        let source = self.source;
        let h = self.history(host, pid);
        let i = h.slots.partition_point(|x| x.start <= time);
        if i > 0 {
            let last = &mut h.slots[i - 1];
            let same_parent = last.ppid().is_none() || ppid.is_none() || last.ppid() == ppid;
            if (last.forked && same_parent) || last.start == time {
                last.forked = false;
                return begun_key(source, host, pid, last.start);
            }
        }
        h.insert(i, time, ppid, false);
        begun_key(source, host, pid, time)
    }

    /// The incarnation of `pid` alive at `time`.
    pub fn at(&mut self, host: &str, pid: i32, time: i64) -> Inc {
        let source = self.source;
        let h = self.history(host, pid);
        let i = h.slots.partition_point(|x| x.start <= time);
        if i > 0 {
            let s = h.slots[i - 1];
            return Inc {
                start: s.start,
                key: begun_key(source, host, pid, s.start),
                ppid: s.ppid(),
            };
        }
        let first = *h.early.get_or_insert(time);
        Inc {
            start: first,
            key: seen_key(source, host, pid, first),
            ppid: None,
        }
    }
}

impl History {
    fn insert(&mut self, i: usize, start: i64, ppid: Option<i32>, forked: bool) {
        let ppid = ppid.unwrap_or(-1);
        if self.slots.capacity() == 0 {
            // Most pids begin once: no room for four.
            self.slots.reserve_exact(1);
        }
        self.slots.insert(
            i,
            Slot {
                start,
                ppid,
                forked,
            },
        );
        if self.slots.len() > KEPT {
            self.slots.remove(0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: i64 = 1_000_000_000;

    #[test]
    fn a_reused_pid_is_a_new_process_and_children_find_the_right_parent() {
        let mut p = Procs::new("osquery");
        let old = p.exec("h", 100, Some(1), 10 * S);
        let new = p.exec("h", 100, Some(1), 50 * S);
        assert_ne!(old, new);
        assert_eq!(old, begun_key("osquery", "h", 100, 10 * S));
        assert_eq!(p.at("h", 100, 20 * S).key, old);
        assert_eq!(p.at("h", 100, 50 * S).key, new);
        assert_eq!(p.at("h", 100, 60 * S).ppid, Some(1));
        // Another host's pid 100 is another process.
        assert_ne!(p.at("h2", 100, 20 * S).key, old);
    }

    #[test]
    fn an_exec_continues_its_fork_and_a_second_exec_begins_anew() {
        let mut p = Procs::new("osquery");
        let f = p.fork("h", 7, Some(3), 5 * S);
        assert_eq!(p.exec("h", 7, Some(3), 6 * S), f);
        assert_ne!(p.exec("h", 7, Some(3), 8 * S), f);
        // The same exec read twice is the same incarnation.
        let e = p.exec("h", 9, Some(3), 8 * S);
        assert_eq!(p.exec("h", 9, Some(3), 8 * S), e);
    }

    #[test]
    fn before_any_begin_one_incarnation_named_by_first_sight() {
        let mut p = Procs::new("osquery");
        let early = p.at("h", 5, 30 * S);
        assert_eq!(early.key, seen_key("osquery", "h", 5, 30 * S));
        assert_eq!(p.at("h", 5, 10 * S).key, early.key);
        let e = p.exec("h", 5, None, 40 * S);
        assert_eq!(p.at("h", 5, 41 * S).key, e);
        assert_eq!(p.at("h", 5, 39 * S).key, early.key);
    }

    #[test]
    fn each_pid_keeps_a_bounded_history() {
        let mut p = Procs::new("osquery");
        for i in 0..(KEPT as i64 + 5) {
            p.exec("h", 1, None, (i + 1) * S);
        }
        let h = &p.hosts["h"][&1];
        assert_eq!(h.slots.len(), KEPT);
        assert_eq!(h.slots[0].start, 6 * S);
        assert_eq!(std::mem::size_of::<Slot>(), 16);
    }
}
