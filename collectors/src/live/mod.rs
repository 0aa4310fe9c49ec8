//! eBPF records → trace rows: keys from the shared [`Clock`], lineage from the process table
//! (seeded by the procfs scan at start), containers from the cgroup id of each record, at
//! record time.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use trace::schema::{Detail, EventKind, Origin, ProcessDetail, ProcessInfo, Row, process_key};
use trace_ebpf_common::{KIND_EXEC, KIND_EXIT, KIND_FORK};

use crate::cgroup::CgroupMap;
use crate::container::Containers;
use crate::ebpf::{ProcRecord, Record, TaskRecord};
use crate::paths::proc_link;
use crate::poller::Poller;
use crate::procfs::Clock;

mod activity;

/// Converts eBPF records into rows.
pub struct Converter {
    host_id: String,
    boot_id: String,
    origin: Origin,
    clock: Clock,
    procs: HashMap<u32, (Arc<ProcessInfo>, Option<String>)>,
    cgroups: CgroupMap,
    containers: Containers,
    /// The collector's own pid and the pids of the processes it started (runtime `inspect`
    /// calls) and their descendants: not recorded, they are the recorder, not the recorded.
    own: HashSet<u32>,
    /// Path prefixes whose read-only opens are recorded (`file_open_read`).
    read_watch: Vec<String>,
    /// Processes that exited lately, by key, for records that arrive after the exit (a TCP
    /// close when the kernel closes a dead process's sockets); the oldest of
    /// [`EXITED_KEPT`] go first.
    exited: HashMap<String, Arc<ProcessInfo>>,
    exited_order: std::collections::VecDeque<String>,
}

/// How many exited processes are kept for late records.
const EXITED_KEPT: usize = 4096;

/// Files whose reading is evidence (credential access, secrets, keys): their read-only opens
/// are recorded. Each entry is an absolute path prefix of at least 8 bytes.
pub const DEFAULT_READ_WATCH: &[&str] = &[
    "/etc/shadow",
    "/etc/gshadow",
    "/etc/sudoers",
    "/etc/ssh/ssh_host_",
    "/etc/ssl/private/",
    "/etc/kubernetes/",
    "/root/.ssh/",
    "/root/.aws/",
    "/root/.kube/",
    "/root/.docker/",
    "/var/run/secrets/",
    "/run/secrets/",
    "/var/lib/kubelet/pki/",
];

/// `task->exit_code` → the shell's view: the code, or 128 + signal.
pub fn exit_status(raw: i32) -> i32 {
    let sig = raw & 0x7f;
    if sig != 0 {
        128 + sig
    } else {
        (raw >> 8) & 0xff
    }
}

impl Converter {
    /// Takes over the poller's process table and containers (the procfs scan at start).
    pub fn from_poller(p: &mut Poller, host_id: &str) -> Converter {
        let procs = p
            .processes()
            .map(|(pid, info, c)| (pid as u32, (info.clone(), c.cloned())))
            .collect();
        let mut containers = std::mem::take(p.containers());
        containers.source = "ebpf".into();
        Converter {
            host_id: host_id.to_string(),
            boot_id: p.boot_id().to_string(),
            origin: Origin::new(host_id, Some(p.boot_id()), "ebpf"),
            clock: p.clock(),
            procs,
            cgroups: CgroupMap::system(),
            containers,
            own: HashSet::from([std::process::id()]),
            read_watch: DEFAULT_READ_WATCH.iter().map(|s| s.to_string()).collect(),
            exited: HashMap::new(),
            exited_order: std::collections::VecDeque::new(),
        }
    }

    fn key(&self, pid: u32, start_boottime: u64) -> String {
        // The table's key when it is the same incarnation of `pid` (same start to the ns):
        // most records are about processes already known, and the key is a hash.
        if let Some((info, _)) = self.procs.get(&pid)
            && info.start_time == Some(self.clock.wall(start_boottime))
            && let Some(k) = &info.key
        {
            return k.clone();
        }
        process_key(
            &self.boot_id,
            pid as i32,
            self.clock.key_start_boottime(start_boottime),
        )
    }

    fn row(
        &self,
        time: i64,
        kind: EventKind,
        container: Option<String>,
        info: Arc<ProcessInfo>,
        exit_code: Option<i32>,
    ) -> Row {
        let detail = Detail::Process(ProcessDetail {
            exit_code,
            exe_sha256: None,
        });
        Row::Event(self.origin.event(time, kind, container, info, detail))
    }

    /// A loss record for `n` events lost since `since` (the kernel could not hand them over,
    /// or they could not be decoded), noticed at `now`.
    pub fn loss(&self, now: i64, since: i64, n: u64, reason: &str) -> Row {
        Row::Loss(self.origin.loss(now, (since, now), n, reason))
    }

    /// Loss rows (one per reason with a count) for what was lost since `since`: dropped by
    /// the kernel side, or handed over but undecodable. Returns the total lost.
    pub fn losses(
        &self,
        now: i64,
        since: i64,
        drops: &[(&'static str, u64)],
        out: &mut Vec<Row>,
    ) -> u64 {
        let mut total = 0;
        for &(reason, n) in drops.iter().filter(|d| d.1 > 0) {
            total += n;
            out.push(self.loss(now, since, n, reason));
        }
        total
    }

    /// Replaces the watched read prefixes (the kernel side must be given the same list).
    pub fn set_read_watch(&mut self, watch: Vec<String>) {
        self.read_watch = watch;
    }

    /// The container of cgroup `cgroup_id`, writing its first-sight record when it is new.
    fn container(&mut self, cgroup_id: u64, time: i64, out: &mut Vec<Row>) -> Option<String> {
        self.cgroups.container(cgroup_id).map(|(id, runtime)| {
            if let Some(rec) = self
                .containers
                .first_sight(&id, runtime, &self.host_id, time)
            {
                out.push(Row::Container(rec));
            }
            id
        })
    }

    /// Converts one record, appending rows (container first-sight records included).
    pub fn convert(&mut self, r: &Record, out: &mut Vec<Row>) {
        let pid = match r {
            Record::Proc(p) => {
                if self.own.contains(&p.ppid) && p.kind != KIND_EXIT {
                    self.own.insert(p.pid);
                }
                p.pid
            }
            Record::File(f) => f.task.pid,
            Record::Net(n) => n.task.pid,
        };
        if self.own.contains(&pid) {
            if let Record::Proc(p) = r
                && p.kind == KIND_EXIT
                && p.pid != std::process::id()
            {
                self.own.remove(&p.pid);
            }
            return;
        }
        match r {
            Record::Proc(p) => self.convert_proc(p, out),
            Record::File(f) => self.convert_file(f, out),
            Record::Net(n) => self.convert_net(n, out),
        }
    }

    /// The process table's entry for the acting task when it is the same process (same key),
    /// or what the record itself says.
    fn actor(&self, t: &TaskRecord) -> Arc<ProcessInfo> {
        let key = self.key(t.pid, t.start_boottime);
        if let Some((info, _)) = self.procs.get(&t.pid)
            && info.key.as_deref() == Some(key.as_str())
        {
            return info.clone();
        }
        // TCP closes often come after the owner exited (the kernel closes its sockets then).
        if let Some(info) = self.exited.get(&key) {
            return info.clone();
        }
        Arc::new(ProcessInfo {
            pid: Some(t.pid as i32),
            tid: Some(t.pid as i32),
            uid: Some(t.uid),
            gid: Some(t.gid),
            user_name: crate::poller::user_name_of(t.uid),
            comm: Some(t.comm.clone()),
            start_time: Some(self.clock.wall(t.start_boottime)),
            key: Some(key),
            ..Default::default()
        })
    }

    fn event(
        &mut self,
        t: &TaskRecord,
        kind: EventKind,
        detail: Detail,
        out: &mut Vec<Row>,
    ) -> Row {
        let time = self.clock.wall(t.ktime_boot);
        let container = self.container(t.cgroup_id, time, out);
        let process = self.actor(t);
        Row::Event(self.origin.event(time, kind, container, process, detail))
    }

    fn convert_proc(&mut self, r: &ProcRecord, out: &mut Vec<Row>) {
        let time = self.clock.wall(r.ktime_boot);
        let container = self.container(r.cgroup_id, time, out);
        let key = self.key(r.pid, r.start_boottime);
        let parent_key = self.key(r.ppid, r.parent_start_boottime);
        match r.kind {
            KIND_FORK => {
                let base = self.procs.get(&r.ppid).map(|(i, _)| i.clone());
                let mut info = base.map(|b| (*b).clone()).unwrap_or_default();
                info.pid = Some(r.pid as i32);
                info.tid = Some(r.pid as i32);
                info.ppid = Some(r.ppid as i32);
                info.uid = Some(r.uid);
                info.gid = Some(r.gid);
                info.euid = Some(r.euid);
                info.auid = r.auid;
                info.comm = Some(r.comm.clone());
                info.start_time = Some(self.clock.wall(r.start_boottime));
                info.key = Some(key);
                info.parent_key = Some(parent_key);
                let info = Arc::new(info);
                self.procs.insert(r.pid, (info.clone(), container.clone()));
                out.push(self.row(time, EventKind::ProcessFork, container, info, None));
            }
            KIND_EXEC => {
                let prev = self.procs.get(&r.pid).map(|(i, _)| i.clone());
                let argv = if r.argv.is_empty() {
                    vec![r.filename.clone()]
                } else {
                    r.argv.clone()
                };
                // exec keeps the working directory: the one the process inherited at fork and
                // followed through chdir; /proc only for a process the table does not know.
                let cwd = prev
                    .as_ref()
                    .and_then(|p| p.cwd.clone())
                    .or_else(|| proc_link(r.pid, "cwd", container.is_some()));
                let info = Arc::new(ProcessInfo {
                    pid: Some(r.pid as i32),
                    tid: Some(r.pid as i32),
                    ppid: Some(r.ppid as i32),
                    uid: Some(r.uid),
                    gid: Some(r.gid),
                    euid: Some(r.euid),
                    auid: r.auid,
                    user_name: crate::poller::user_name_of(r.uid),
                    comm: Some(r.comm.clone()),
                    // busybox (and others) re-exec themselves through /proc/self/exe: that
                    // names the image before this exec, which the fork copied.
                    exe: match (
                        r.filename.as_str(),
                        prev.as_ref().and_then(|p| p.exe.clone()),
                    ) {
                        ("/proc/self/exe", Some(before)) => Some(before),
                        _ => Some(r.filename.clone()),
                    },
                    argv,
                    cwd,
                    start_time: Some(self.clock.wall(r.start_boottime)),
                    key: Some(key),
                    parent_key: Some(parent_key),
                });
                self.procs.insert(r.pid, (info.clone(), container.clone()));
                out.push(self.row(time, EventKind::ProcessExec, container, info, None));
            }
            KIND_EXIT => {
                let info = self
                    .procs
                    .remove(&r.pid)
                    .map(|(i, _)| i)
                    .filter(|i| i.key.as_deref() == Some(key.as_str()))
                    .unwrap_or_else(|| {
                        Arc::new(ProcessInfo {
                            pid: Some(r.pid as i32),
                            tid: Some(r.pid as i32),
                            ppid: Some(r.ppid as i32),
                            uid: Some(r.uid),
                            gid: Some(r.gid),
                            comm: Some(r.comm.clone()),
                            start_time: Some(self.clock.wall(r.start_boottime)),
                            key: Some(key.clone()),
                            parent_key: Some(parent_key),
                            ..Default::default()
                        })
                    });
                self.exited.insert(key.clone(), info.clone());
                self.exited_order.push_back(key.clone());
                while self.exited_order.len() > EXITED_KEPT {
                    if let Some(k) = self.exited_order.pop_front() {
                        self.exited.remove(&k);
                    }
                }
                out.push(self.row(
                    time,
                    EventKind::ProcessExit,
                    container.clone(),
                    info,
                    Some(exit_status(r.exit_code)),
                ));
                // The container's last process: its exit record.
                if let Some(c) = container
                    && !self
                        .procs
                        .values()
                        .any(|(_, pc)| pc.as_deref() == Some(c.as_str()))
                    && let Some(rec) = self.containers.get(&c)
                {
                    out.push(Row::Container(trace::schema::ContainerRecord {
                        time,
                        state: Some(trace::schema::ContainerState::Exited),
                        exited: Some(time),
                        exit_code: Some(exit_status(r.exit_code)),
                        ..rec.clone()
                    }));
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ebpf::NetRecord;
    use trace::schema::Event;
    use trace_ebpf_common::{NET_CLOSE, NET_CONNECT};

    fn task(pid: u32, start: u64, at: u64) -> TaskRecord {
        TaskRecord {
            pid,
            uid: 0,
            gid: 0,
            ktime_boot: at,
            start_boottime: start,
            cgroup_id: 0,
            comm: "nc".into(),
        }
    }

    fn proc_rec(kind: u32, pid: u32, start: u64, at: u64) -> Record {
        Record::Proc(ProcRecord {
            kind,
            pid,
            ppid: 1,
            uid: 0,
            gid: 0,
            exit_code: 0,
            euid: 0,
            auid: None,
            ktime_boot: at,
            start_boottime: start,
            parent_start_boottime: 1,
            cgroup_id: 0,
            comm: "nc".into(),
            filename: "/usr/bin/nc".into(),
            argv: vec!["nc".into(), "10.0.0.9".into(), "80".into()],
        })
    }

    /// The kernel closes a dead process's sockets after its exit record: the close still
    /// carries the process (exe, argv, key), not a bare pid.
    #[test]
    fn a_close_after_the_owners_exit_keeps_the_owner() {
        let host = crate::host::HostProbe::default()
            .record(0, "test")
            .expect("host identity");
        let mut poller = Poller::new(Default::default(), &host);
        let mut conv = Converter::from_poller(&mut poller, &host.host_id);
        let (pid, start) = (4_000_000, 5_000_000_000);
        let mut rows = Vec::new();
        for r in [
            proc_rec(KIND_FORK, pid, start, start),
            proc_rec(KIND_EXEC, pid, start, start + 10),
            Record::Net(NetRecord {
                task: task(pid, start, start + 20),
                op: NET_CONNECT,
                role: 0,
                sock_type: 1,
                local: ("10.0.0.1".parse().unwrap(), 40000),
                remote: ("10.0.0.9".parse().unwrap(), 80),
            }),
            proc_rec(KIND_EXIT, pid, start, start + 30),
            Record::Net(NetRecord {
                task: task(pid, start, start + 40),
                op: NET_CLOSE,
                role: NET_CONNECT,
                sock_type: 1,
                local: ("10.0.0.1".parse().unwrap(), 40000),
                remote: ("10.0.0.9".parse().unwrap(), 80),
            }),
        ] {
            conv.convert(&r, &mut rows);
        }
        let events: Vec<&Event> = rows
            .iter()
            .filter_map(|r| match r {
                Row::Event(e) => Some(e),
                _ => None,
            })
            .collect();
        let connect = events
            .iter()
            .find(|e| e.kind == EventKind::NetConnect)
            .unwrap();
        let close = events
            .iter()
            .find(|e| e.kind == EventKind::NetClose)
            .unwrap();
        assert_eq!(close.process.exe.as_deref(), Some("/usr/bin/nc"));
        assert_eq!(close.process.argv, connect.process.argv);
        assert_eq!(close.process.key, connect.process.key);
        assert_eq!(close.community_id(), connect.community_id());
    }

    /// Items the ring buffer hands over that cannot be decoded (too short, a kind this
    /// collector does not know) are not dropped silently: each reason becomes a loss row.
    #[test]
    fn undecodable_records_become_loss_rows_with_their_reason() {
        let host = crate::host::HostProbe::default()
            .record(0, "test")
            .expect("host identity");
        let mut poller = Poller::new(Default::default(), &host);
        let conv = Converter::from_poller(&mut poller, &host.host_id);
        let mut bad = crate::ebpf::Undecoded::default();
        let mut records = Vec::new();
        let mut unknown = [0u8; 64];
        unknown[..4].copy_from_slice(&99u32.to_ne_bytes());
        let mut short = [0u8; 12];
        short[..4].copy_from_slice(&KIND_EXEC.to_ne_bytes());
        for item in [&unknown[..], &short[..], &short[..8], &[][..]] {
            bad.decode_into(item, &mut records);
        }
        assert!(records.is_empty());
        let mut rows = Vec::new();
        assert_eq!(conv.losses(50, 10, &bad.0, &mut rows), 4);
        let losses: Vec<(String, u64, i64, i64)> = rows
            .iter()
            .filter_map(|r| match r {
                Row::Loss(l) => Some((
                    l.reason.clone(),
                    l.events_lost,
                    l.interval_start,
                    l.interval_end,
                )),
                _ => None,
            })
            .collect();
        assert_eq!(
            losses,
            [
                ("decode_error".to_string(), 3, 10, 50),
                ("unknown_kind".to_string(), 1, 10, 50)
            ]
        );
    }

    #[test]
    fn exit_status_like_a_shell() {
        assert_eq!(exit_status(0), 0);
        assert_eq!(exit_status(3 << 8), 3);
        assert_eq!(exit_status(9), 137);
        assert_eq!(exit_status(15), 143);
    }
}
