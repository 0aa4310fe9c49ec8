//! The procfs collector: polls `/proc`, diffs against its process table, and turns what
//! changed into trace rows. For machines where eBPF cannot load (old kernels, no privileges);
//! its events say `source = procfs`.
//!
//! What polling can and cannot see: a process is recorded when it lives across a poll (the
//! default interval is 100 ms); shorter ones are missed, which is why eBPF is the primary
//! collector. A new process is recorded as `process_exec` at its start time (stat field 22), an
//! image change of a known process as `process_exec` at the poll that saw it, a vanished one as
//! `process_exit` at that poll (exit code unknown). Process keys use the clock-tick start time,
//! the precision procfs and the kernel agree on, so other recorders of the same boot derive
//! the same keys.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use trace::schema::{
    ContainerRecord, ContainerState, Detail, EventKind, HostRecord, Origin, ProcessDetail,
    ProcessInfo, Row, process_key,
};

use crate::container::{Containers, container_of_cgroup};
use crate::procfs::{Clock, ProcSnapshot, scan};

/// Poller settings.
#[derive(Debug, Clone)]
pub struct PollerConfig {
    /// procfs root (`/proc`).
    pub proc_root: PathBuf,
    /// Recorded as `source`.
    pub source: String,
    /// pids never recorded (the collector itself).
    pub ignore_pids: Vec<i32>,
}

impl Default for PollerConfig {
    fn default() -> Self {
        PollerConfig {
            proc_root: PathBuf::from("/proc"),
            source: "procfs".into(),
            ignore_pids: vec![std::process::id() as i32],
        }
    }
}

struct Tracked {
    start_ticks: u64,
    info: Arc<ProcessInfo>,
    container: Option<String>,
}

/// Polls procfs and produces rows.
pub struct Poller {
    cfg: PollerConfig,
    host_id: String,
    boot_id: String,
    origin: Origin,
    clock: Clock,
    table: HashMap<i32, Tracked>,
    containers: Containers,
    live_containers: HashSet<String>,
}

impl Poller {
    /// A poller for the host described by `host`.
    pub fn new(cfg: PollerConfig, host: &HostRecord) -> Self {
        let boot_id = host.boot_id.clone().unwrap_or_else(|| host.host_id.clone());
        Poller {
            origin: Origin::new(&host.host_id, Some(&boot_id), &cfg.source),
            cfg,
            host_id: host.host_id.clone(),
            boot_id,
            clock: Clock::system(),
            table: HashMap::new(),
            containers: Containers::default(),
            live_containers: HashSet::new(),
        }
    }

    /// The clock used for times and keys.
    pub fn clock(&self) -> Clock {
        self.clock
    }

    /// The boot id used in keys.
    pub fn boot_id(&self) -> &str {
        &self.boot_id
    }

    /// Processes known now, by pid: their info and container.
    pub fn processes(&self) -> impl Iterator<Item = (i32, &Arc<ProcessInfo>, Option<&String>)> {
        self.table
            .iter()
            .map(|(pid, t)| (*pid, &t.info, t.container.as_ref()))
    }

    /// The container records seen so far.
    pub fn containers(&mut self) -> &mut Containers {
        &mut self.containers
    }

    fn info(&self, p: &ProcSnapshot, parent: Option<&Arc<ProcessInfo>>) -> ProcessInfo {
        let start = self.clock.time_epoch + p.start_ticks as i64 * self.clock.tick_ns;
        let key_start = self.clock.key_start_ticks(p.start_ticks);
        ProcessInfo {
            pid: Some(p.pid),
            tid: Some(p.pid),
            ppid: Some(p.ppid),
            uid: p.uid,
            gid: p.gid,
            euid: p.euid,
            auid: p.auid,
            user_name: p.uid.and_then(user_name),
            comm: Some(p.comm.clone()),
            exe: p.exe.clone(),
            argv: p.argv.clone(),
            cwd: p.cwd.clone(),
            start_time: Some(start),
            key: Some(process_key(&self.boot_id, p.pid, key_start)),
            parent_key: parent.and_then(|q| q.key.clone()),
        }
    }

    fn event(
        &self,
        time: i64,
        kind: EventKind,
        container: Option<String>,
        info: Arc<ProcessInfo>,
    ) -> Row {
        let detail = Detail::Process(ProcessDetail::default());
        Row::Event(self.origin.event(time, kind, container, info, detail))
    }

    /// One poll at wall time `now` (ns): appends what changed to `out`.
    pub fn poll(&mut self, now: i64, out: &mut Vec<Row>) {
        let snap: Vec<ProcSnapshot> = scan(&self.cfg.proc_root)
            .into_iter()
            .filter(|p| !self.cfg.ignore_pids.contains(&p.pid))
            // kernel threads: kthreadd (2) and its children
            .filter(|p| p.pid != 2 && p.ppid != 2)
            .collect();
        let present: HashSet<i32> = snap.iter().map(|p| p.pid).collect();
        // Gone, or the pid now belongs to another process: exits first.
        let mut gone: Vec<i32> = self
            .table
            .iter()
            .filter(|(pid, t)| {
                !present.contains(pid)
                    || snap
                        .iter()
                        .find(|p| p.pid == **pid)
                        .is_some_and(|p| p.start_ticks != t.start_ticks)
            })
            .map(|(pid, _)| *pid)
            .collect();
        gone.sort_unstable();
        for pid in gone {
            if let Some(t) = self.table.remove(&pid) {
                out.push(self.event(now, EventKind::ProcessExit, t.container, t.info));
            }
        }
        // New processes, parents before children: order by start time.
        let mut fresh: Vec<&ProcSnapshot> = snap
            .iter()
            .filter(|p| !self.table.contains_key(&p.pid))
            .collect();
        fresh.sort_by_key(|p| (p.start_ticks, p.pid));
        let mut new_rows = Vec::new();
        for p in fresh {
            let parent = self.table.get(&p.ppid).map(|t| t.info.clone());
            let info = Arc::new(self.info(p, parent.as_ref()));
            let container = container_of_cgroup(&p.cgroup).map(|(id, runtime)| {
                if let Some(rec) = self
                    .containers
                    .first_sight(&id, runtime, &self.host_id, now)
                {
                    out.push(Row::Container(rec));
                }
                id
            });
            let start = info.start_time.unwrap_or(now);
            new_rows.push(self.event(
                start,
                EventKind::ProcessExec,
                container.clone(),
                info.clone(),
            ));
            self.table.insert(
                p.pid,
                Tracked {
                    start_ticks: p.start_ticks,
                    info,
                    container,
                },
            );
        }
        out.extend(new_rows);
        // Known processes whose image changed: an exec seen by this poll.
        for p in &snap {
            let Some(t) = self.table.get(&p.pid) else {
                continue;
            };
            if t.start_ticks == p.start_ticks
                && (t.info.exe != p.exe || t.info.argv != p.argv)
                && p.exe.is_some()
            {
                let parent = self.table.get(&p.ppid).map(|x| x.info.clone());
                let mut info = self.info(p, parent.as_ref());
                info.key = t.info.key.clone();
                info.parent_key = info.parent_key.or(t.info.parent_key.clone());
                let info = Arc::new(info);
                let container = t.container.clone();
                out.push(self.event(now, EventKind::ProcessExec, container.clone(), info.clone()));
                if let Some(t) = self.table.get_mut(&p.pid) {
                    t.info = info;
                }
            }
        }
        // Containers whose last process is gone: an exit record (the runtime may have
        // removed them already; the first-sight record keeps the attribution).
        let live: HashSet<String> = self
            .table
            .values()
            .filter_map(|t| t.container.clone())
            .collect();
        for id in self.live_containers.difference(&live) {
            if let Some(rec) = self.containers.get(id) {
                out.push(Row::Container(ContainerRecord {
                    time: now,
                    state: Some(ContainerState::Exited),
                    exited: Some(now),
                    ..rec.clone()
                }));
            }
        }
        self.live_containers = live;
    }
}

/// The user name of a uid from /etc/passwd (read once).
pub fn user_name_of(uid: u32) -> Option<String> {
    user_name(uid)
}

fn user_name(uid: u32) -> Option<String> {
    use std::sync::OnceLock;
    static PASSWD: OnceLock<HashMap<u32, String>> = OnceLock::new();
    PASSWD
        .get_or_init(|| {
            std::fs::read_to_string("/etc/passwd")
                .unwrap_or_default()
                .lines()
                .filter_map(|l| {
                    let f: Vec<&str> = l.split(':').collect();
                    Some((f.get(2)?.parse().ok()?, f.first()?.to_string()))
                })
                .collect()
        })
        .get(&uid)
        .cloned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;
    use std::time::Duration;

    #[test]
    fn sees_a_child_start_exec_and_exit_with_the_right_parent_key() {
        let host = crate::host::HostProbe::default()
            .record(0, "test")
            .expect("host identity");
        let mut p = Poller::new(
            PollerConfig {
                ignore_pids: vec![],
                ..Default::default()
            },
            &host,
        );
        let mut rows = Vec::new();
        p.poll(1, &mut rows);
        let me = std::process::id() as i32;
        let mut child = Command::new("sh")
            .args(["-c", "sleep 0.6; exec sleep 0.4"])
            .spawn()
            .unwrap();
        let cpid = child.id() as i32;
        std::thread::sleep(Duration::from_millis(200));
        rows.clear();
        p.poll(2, &mut rows);
        let exec = |rows: &[Row], pid: i32| {
            rows.iter().find_map(|r| match r {
                Row::Event(e) if e.kind == EventKind::ProcessExec && e.process.pid == Some(pid) => {
                    Some(e.clone())
                }
                _ => None,
            })
        };
        let sh = exec(&rows, cpid).expect("the child shell");
        let mine = p
            .table
            .get(&me)
            .expect("the test process is tracked")
            .info
            .clone();
        assert_eq!(
            sh.process.parent_key, mine.key,
            "parent key of the child is ours"
        );
        assert_eq!(sh.source, "procfs");
        std::thread::sleep(Duration::from_millis(600));
        rows.clear();
        p.poll(3, &mut rows);
        let again = exec(&rows, cpid).expect("the exec of sleep in the same process");
        assert_eq!(
            again.process.key, sh.process.key,
            "exec keeps the process key"
        );
        assert_eq!(again.process.argv, vec!["sleep", "0.4"]);
        child.wait().unwrap();
        rows.clear();
        p.poll(4, &mut rows);
        assert!(rows.iter().any(|r| matches!(r, Row::Event(e) if e.kind == EventKind::ProcessExit && e.process.key == sh.process.key)));
    }
}
