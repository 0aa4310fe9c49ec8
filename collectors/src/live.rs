//! eBPF records → trace rows: keys from the shared [`Clock`], lineage from the process table
//! (seeded by the procfs scan at start), containers from the cgroup id of each record, at
//! record time.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use trace::schema::{Event, EventKind, LossRecord, ProcessInfo, Row, process_key};
use trace_ebpf_common::{KIND_EXEC, KIND_EXIT, KIND_FORK};

use crate::container::{Containers, container_of_cgroup};
use crate::ebpf::Record;
use crate::poller::Poller;
use crate::procfs::Clock;

/// cgroup v2 ids (inode numbers of cgroup directories) → paths, rescanned on an unknown id.
#[derive(Debug)]
pub struct CgroupMap {
    root: PathBuf,
    paths: HashMap<u64, String>,
    misses: HashSet<u64>,
}

impl CgroupMap {
    /// The map of the running system: the cgroup2 tree at /sys/fs/cgroup/unified (hybrid) or
    /// /sys/fs/cgroup (unified).
    pub fn system() -> CgroupMap {
        let hybrid = Path::new("/sys/fs/cgroup/unified");
        let root = if hybrid.join("cgroup.procs").exists() {
            hybrid.to_path_buf()
        } else {
            PathBuf::from("/sys/fs/cgroup")
        };
        let mut m = CgroupMap {
            root,
            paths: HashMap::new(),
            misses: HashSet::new(),
        };
        m.rescan();
        m
    }

    fn rescan(&mut self) {
        use std::os::unix::fs::MetadataExt;
        let mut stack = vec![self.root.clone()];
        while let Some(dir) = stack.pop() {
            if let Ok(md) = std::fs::metadata(&dir) {
                let rel = dir
                    .strip_prefix(&self.root)
                    .map(|p| format!("/{}", p.display()))
                    .unwrap_or_default();
                self.paths.insert(md.ino(), rel);
            }
            if let Ok(rd) = std::fs::read_dir(&dir) {
                for e in rd.flatten() {
                    if e.file_type().is_ok_and(|t| t.is_dir()) {
                        stack.push(e.path());
                    }
                }
            }
        }
    }

    /// The container a cgroup id belongs to.
    pub fn container(&mut self, id: u64) -> Option<(String, &'static str)> {
        if !self.paths.contains_key(&id) && !self.misses.contains(&id) {
            self.rescan();
            if !self.paths.contains_key(&id) {
                self.misses.insert(id);
            }
        }
        let path = self.paths.get(&id)?;
        container_of_cgroup(&format!("0::{path}"))
    }
}

/// Converts eBPF records into rows.
pub struct Converter {
    host_id: String,
    boot_id: String,
    clock: Clock,
    procs: HashMap<u32, (Arc<ProcessInfo>, Option<String>)>,
    cgroups: CgroupMap,
    containers: Containers,
}

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
        Converter {
            host_id: host_id.to_string(),
            boot_id: p.boot_id().to_string(),
            clock: p.clock(),
            procs,
            cgroups: CgroupMap::system(),
            containers: std::mem::take(p.containers()),
        }
    }

    fn key(&self, pid: u32, start_boottime: u64) -> String {
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
        Row::Event(Event::process(
            time,
            kind,
            &self.host_id,
            Some(&self.boot_id),
            "ebpf",
            container,
            info,
            exit_code,
        ))
    }

    /// A loss record for `n` events the kernel could not hand over, at `now`.
    pub fn loss(&self, now: i64, since: i64, n: u64) -> Row {
        Row::Loss(LossRecord {
            time: now,
            host_id: self.host_id.clone(),
            boot_id: Some(self.boot_id.clone()),
            source: "ebpf".into(),
            interval_start: since,
            interval_end: now,
            events_lost: n,
            reason: "ringbuf_full".into(),
        })
    }

    /// Converts one record, appending rows (container first-sight records included).
    pub fn convert(&mut self, r: &Record, out: &mut Vec<Row>) {
        let time = self.clock.wall(r.ktime_boot);
        let container = self.cgroups.container(r.cgroup_id).map(|(id, runtime)| {
            if let Some(rec) = self
                .containers
                .first_sight(&id, runtime, &self.host_id, time)
            {
                out.push(Row::Container(rec));
            }
            id
        });
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
                let cwd = std::fs::read_link(format!("/proc/{}/cwd", r.pid))
                    .ok()
                    .map(|p| p.to_string_lossy().into_owned())
                    .or_else(|| prev.as_ref().and_then(|p| p.cwd.clone()));
                let info = Arc::new(ProcessInfo {
                    pid: Some(r.pid as i32),
                    tid: Some(r.pid as i32),
                    ppid: Some(r.ppid as i32),
                    uid: Some(r.uid),
                    gid: Some(r.gid),
                    euid: prev.as_ref().and_then(|p| p.euid).or(Some(r.uid)),
                    auid: prev.as_ref().and_then(|p| p.auid),
                    user_name: crate::poller::user_name_of(r.uid),
                    comm: Some(r.comm.clone()),
                    exe: Some(r.filename.clone()),
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
                    && let Some(rec) = self.containers.seen.get(&c)
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

    #[test]
    fn exit_status_like_a_shell() {
        assert_eq!(exit_status(0), 0);
        assert_eq!(exit_status(3 << 8), 3);
        assert_eq!(exit_status(9), 137);
        assert_eq!(exit_status(15), 143);
    }
}
