//! Which process an Endpoint Security audit token names. A token's `pid` and `pidversion`
//! name one image of one process: the kernel gives a process a new pidversion at its fork and
//! at each exec (a token taken before an exec no longer names it), and counts pidversions from
//! 1 again at each boot. So a pidversion alone neither follows a process across its execs nor
//! tells two boots apart; its `start_time` (the fork's wall-clock time, kept across execs)
//! does both. A process is `"<pid>@<start ns>"` ([`crate::import::procs::begun_key`]).
//!
//! A parent is named only by its token (`parent_audit_token`) or its pid (`ppid`,
//! `original_ppid`), never with its start time. [`Images`] learns the start of every token
//! seen in full (a record's process, an exec's target, a fork's child) and which process of a
//! pid was alive when, so a parent seen in full before its child is found. Each pid keeps its
//! last [`KEPT`] images, 24 bytes each.

use std::collections::HashMap;

use crate::import::procs::KEPT;

/// One image of a process.
#[derive(Debug, Clone, Copy)]
struct Slot {
    pidversion: i32,
    /// The process' start, ns.
    start: i64,
    /// When the process exited, ns (`i64::MAX` while it is not known to have).
    exited: i64,
}

/// The images seen, per host and pid.
#[derive(Default)]
pub struct Images {
    hosts: HashMap<String, HashMap<i32, Vec<Slot>>>,
}

impl Images {
    fn slots(&self, host: &str, pid: i32) -> &[Slot] {
        self.hosts
            .get(host)
            .and_then(|h| h.get(&pid))
            .map_or(&[], Vec::as_slice)
    }

    /// The token `pid`/`pidversion` names the process of `pid` started at `start`.
    pub fn learn(&mut self, host: &str, pid: i32, pidversion: i32, start: i64) {
        if !self.hosts.contains_key(host) {
            self.hosts.insert(host.to_string(), HashMap::new());
        }
        let slots = self
            .hosts
            .get_mut(host)
            .expect("inserted above")
            .entry(pid)
            .or_default();
        if let Some(s) = slots.iter_mut().find(|s| s.pidversion == pidversion) {
            // The same token with another start is a later boot's: the newer holds.
            s.start = start;
            return;
        }
        if slots.len() >= KEPT {
            slots.remove(0);
        }
        slots.push(Slot {
            pidversion,
            start,
            exited: i64::MAX,
        });
    }

    /// The start of the process the token names, when one of its images was seen in full.
    pub fn start_of(&self, host: &str, pid: i32, pidversion: i32) -> Option<i64> {
        let slots = self.slots(host, pid);
        slots
            .iter()
            .find(|s| s.pidversion == pidversion)
            .map(|s| s.start)
    }

    /// The start of the process of `pid` alive at `time`: the latest started at or before it
    /// and not known to have exited before it.
    pub fn alive(&self, host: &str, pid: i32, time: i64) -> Option<i64> {
        let slots = self.slots(host, pid);
        let alive = slots.iter().filter(|s| s.start <= time && s.exited >= time);
        alive.map(|s| s.start).max()
    }

    /// The process of `pid` started at `start` exited at `time`.
    pub fn exited(&mut self, host: &str, pid: i32, start: i64, time: i64) {
        let slots = self.hosts.get_mut(host).and_then(|h| h.get_mut(&pid));
        for s in slots.into_iter().flatten() {
            if s.start == start {
                s.exited = time;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: i64 = 1_000_000_000;

    #[test]
    fn execs_keep_the_process_and_a_reused_pid_is_another() {
        let mut im = Images::default();
        // Forked at 10 s (pidversion 40), exec'd (41): one process.
        im.learn("mac", 402, 40, 10 * S);
        im.learn("mac", 402, 41, 10 * S);
        assert_eq!(im.start_of("mac", 402, 41), Some(10 * S));
        assert_eq!(im.alive("mac", 402, 12 * S), Some(10 * S));
        im.exited("mac", 402, 10 * S, 20 * S);
        // Nothing of pid 402 is alive after its exit; the pid's next process is another.
        assert_eq!(im.alive("mac", 402, 21 * S), None);
        im.learn("mac", 402, 97, 30 * S);
        assert_eq!(im.alive("mac", 402, 31 * S), Some(30 * S));
        assert_eq!(im.alive("mac", 402, 15 * S), Some(10 * S));
        assert_eq!(im.start_of("mac", 402, 97), Some(30 * S));
        // Another host's pid 402 is not this one.
        assert_eq!(im.start_of("other", 402, 41), None);
        assert_eq!(im.alive("other", 402, 15 * S), None);
    }

    #[test]
    fn each_pid_keeps_a_bounded_history() {
        let mut im = Images::default();
        for v in 0..(KEPT as i32 + 4) {
            im.learn("mac", 7, v, i64::from(v) * S);
        }
        assert_eq!(im.slots("mac", 7).len(), KEPT);
        assert_eq!(im.start_of("mac", 7, 0), None);
        assert_eq!(
            im.start_of("mac", 7, KEPT as i32 + 3),
            Some((KEPT as i64 + 3) * S)
        );
        assert_eq!(std::mem::size_of::<Slot>(), 24);
    }
}
