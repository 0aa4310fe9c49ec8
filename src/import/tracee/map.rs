//! A read event ([`Rec`]) as rows: the process (identity by Tracee's entity ids, or by
//! (host pid, start time) with the parent found among pid incarnations), the container,
//! and the event by its name; a signature's event is a finding whatever its name.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::super::json::At;
use super::super::procs::Procs;
use super::super::values::{self, int, text, wait_status_code};
use super::super::{Emit, ImportError};
use super::SOURCE;
use super::net::{self, Flows, Net};
use super::rec::{EPOCH_FLOOR, Rec, raw_ns};
use crate::ingest::identity::parse_container_ref;
use crate::schema::{
    ContainerRecord, ContainerState, Event, EventKind, FileDetail, Origin, ProcessInfo,
    source_process_key,
};

/// What the importer keeps across records.
pub struct State {
    /// Pid incarnations, for events without entity ids.
    pub procs: Procs,
    /// Flows whose first packet was mapped.
    pub flows: Flows,
}

impl Default for State {
    fn default() -> State {
        State {
            procs: Procs::new(SOURCE),
            flows: Flows::default(),
        }
    }
}

/// What a record gave when it gave no event.
pub enum Miss {
    /// Well-formed, of a kind no family holds (counted under this name).
    Unmapped(String),
    /// Cannot be read: the reason counted, and more about it.
    Skip(&'static str, String),
}

/// The key of Tracee's entity id `id` of `pid` (the id is a 32-bit hash of the pid and the
/// start time: the pid goes in too, against collisions).
fn entity_key(host: &str, pid: i32, id: u64) -> String {
    source_process_key(host, SOURCE, &format!("{pid}#{id}"))
}

/// The process' key and its parent's.
fn identity(rec: &Rec, host: &str, st: &mut State) -> (Option<String>, Option<String>) {
    let Some(pid) = rec.pid else {
        return (None, None);
    };
    let ppid = rec.ppid.filter(|p| *p > 0);
    if let Some(e) = rec.entity {
        let parent = rec
            .parent_entity
            .zip(ppid)
            .map(|(e, p)| entity_key(host, p, e));
        return (Some(entity_key(host, pid, e)), parent);
    }
    let (key, began) = match rec.thread_start {
        Some(s) if rec.leader() => (st.procs.fork(host, pid, ppid, s), s),
        s => {
            let inc = st.procs.at(host, pid, s.unwrap_or(rec.time));
            (inc.key, inc.start)
        }
    };
    let parent = ppid.map(|p| st.procs.at(host, p, began).key);
    (Some(key), parent)
}

/// The last part of a path, as a comm (15 bytes at most).
fn comm_of(path: &str) -> String {
    path.rsplit('/')
        .next()
        .unwrap_or(path)
        .chars()
        .take(15)
        .collect()
}

/// Strings of an argument that is an array of them.
fn string_list(v: Option<Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a.iter().filter_map(|x| text(Some(x))).collect(),
        _ => Vec::new(),
    }
}

/// `flags` as a number: Tracee prints them as names (`O_WRONLY|O_CREAT`) or a number.
fn open_flags(v: Option<&Value>) -> Option<u32> {
    int::<u32>(v).or_else(|| values::open_flags(v?.as_str()?))
}

/// Whether open flags write: `O_WRONLY`, `O_RDWR`, `O_TRUNC` or `O_APPEND`.
fn writes(flags: u32) -> bool {
    flags & 0o3 != 0 || flags & 0o3000 != 0
}

/// The exit code of `sched_process_exit`: `signal_code` and `exit_code` apart (2024+),
/// or one wait status (`exit_code` alone): a signal's death is 128 + the signal.
fn exit_code(args: &Map<String, Value>) -> Option<i32> {
    let code: Option<i32> = int(args.get("exit_code"));
    match int::<i32>(args.get("signal_code")) {
        Some(s) if s > 0 => Some(128 + s),
        Some(_) => code,
        None => code.map(wait_status_code),
    }
}

/// Whether `name` is a syscall's event (a failed one did nothing): not an LSM hook, a
/// scheduler tracepoint, a packet, or Tracee's own derived events.
fn is_syscall(name: &str) -> bool {
    !["security_", "sched_", "net_", "magic_"]
        .iter()
        .any(|p| name.starts_with(p))
}

/// The rows of one record.
pub fn rows(
    mut rec: Rec,
    at: At,
    host: &str,
    st: &mut State,
    out: &mut Emit,
) -> Result<(), ImportError> {
    let miss = match event(&mut rec, host, st) {
        Ok((ev, ctr)) => {
            if let Some(c) = ctr {
                out.container(c)?;
            }
            return out.event(ev);
        }
        Err(m) => m,
    };
    match miss {
        Miss::Unmapped(what) => out.unmapped(&what),
        Miss::Skip(reason, detail) => out.skip(at, reason, detail)?,
    }
    Ok(())
}

/// The event of one record, with its container's record.
fn event(
    rec: &mut Rec,
    host: &str,
    st: &mut State,
) -> Result<(Event, Option<ContainerRecord>), Miss> {
    let name = rec.name.clone();
    let failed = rec.ret.is_some_and(|r| r < 0 && r != -115) && is_syscall(&name);
    if failed && rec.finding.is_none() {
        return Err(Miss::Unmapped(format!("{name} failed")));
    }
    let (key, parent_key) = identity(rec, host, st);
    let leader = rec.leader();
    let start = rec.thread_start.filter(|t| leader && *t >= EPOCH_FLOOR);
    let mut info = ProcessInfo {
        pid: rec.pid,
        tid: rec.tid,
        ppid: rec.ppid,
        uid: rec.uid,
        comm: rec.comm.clone(),
        exe: rec.exe.clone(),
        start_time: start,
        key,
        parent_key,
        ..Default::default()
    };
    let ctr = rec.ctr.as_ref().map(|c| {
        let (id, runtime) = parse_container_ref(&c.id);
        ContainerRecord {
            time: rec.time,
            host_id: host.to_string(),
            container_id: id,
            state: Some(ContainerState::Seen),
            name: c.name.clone(),
            image: c.image.clone(),
            image_id: c.image_id.clone(),
            runtime: runtime.map(str::to_string),
            pod: c.pod.clone(),
            namespace: c.namespace.clone(),
            started: c.started,
            source: SOURCE.to_string(),
            ..Default::default()
        }
    });
    let ctr_id = ctr.as_ref().map(|c| c.container_id.clone());
    let o = Origin::new(host, None, SOURCE);
    let t = rec.time;
    let args = &mut rec.args;
    let take_str = |args: &mut Map<String, Value>, keys: &[&str]| {
        keys.iter()
            .find_map(|k| args.remove(*k).filter(|v| text(Some(v)).is_some()))
            .and_then(|v| text(Some(&v)))
    };
    let ev = if let Some(f) = rec.finding.take() {
        o.finding(t, ctr_id, Arc::new(info), f)
    } else {
        match name.as_str() {
            "sched_process_exec" | "execve" | "execveat" => {
                let exe = take_str(args, &["pathname"]).or(info.exe.take());
                let sha = take_str(args, &["sha256"]);
                info.argv = string_list(args.remove("argv"));
                let comm = exe.as_deref().map(comm_of);
                // execve's context is the caller's: its comm is the image replaced.
                if let Some(before) = info
                    .comm
                    .take()
                    .filter(|c| comm.is_some() && comm.as_ref() != Some(c))
                {
                    rec.extra.insert("processName".into(), before.into());
                }
                info.comm = comm.or_else(|| rec.comm.clone());
                info.exe = exe;
                o.exec(t, ctr_id, Arc::new(info), sha)
            }
            "sched_process_fork" => {
                let Some(child) = int::<i32>(args.get("child_pid")) else {
                    return Err(Miss::Skip(
                        "incomplete event",
                        format!("{name} without child_pid"),
                    ));
                };
                let ctid: Option<i32> = int(args.get("child_tid"));
                if ctid.is_some_and(|c| c != child) {
                    return Err(Miss::Unmapped(format!("{name} (thread)")));
                }
                let begin = raw_ns(args.get("start_time"));
                let ppid = int(args.get("parent_pid")).or(rec.pid);
                for k in ["child_pid", "child_tid", "start_time", "parent_pid"] {
                    args.remove(k);
                }
                let key = match begin {
                    Some(b) => st.procs.fork(host, child, ppid, b),
                    None => st.procs.at(host, child, t).key,
                };
                info.parent_key = info.key.take();
                info.key = Some(key);
                info.start_time = begin.filter(|b| *b >= EPOCH_FLOOR);
                (info.pid, info.tid, info.ppid) = (Some(child), ctid, ppid);
                o.fork(t, ctr_id, Arc::new(info))
            }
            "sched_process_exit" => {
                if args.get("process_group_exit") == Some(&Value::Bool(false)) {
                    return Err(Miss::Unmapped(format!("{name} (thread)")));
                }
                let code = exit_code(args);
                o.exit(t, ctr_id, Arc::new(info), code)
            }
            "security_file_open" | "open" | "openat" | "openat2" => {
                let Some(path) = take_str(args, &["pathname"]) else {
                    return Err(Miss::Unmapped(format!("{name} without a path")));
                };
                let flags = open_flags(args.get("flags"));
                if flags.is_some() {
                    args.remove("flags");
                }
                let kind = if flags.is_some_and(writes) {
                    EventKind::FileOpenWrite
                } else {
                    EventKind::FileOpenRead
                };
                let mode = int(args.get("mode"));
                let d = FileDetail::path(path).flags(flags).mode(mode);
                o.file(t, kind, ctr_id, Arc::new(info), d)
            }
            "security_inode_unlink" | "unlink" | "unlinkat" | "rmdir" => {
                let Some(path) = take_str(args, &["pathname"]) else {
                    return Err(Miss::Unmapped(format!("{name} without a path")));
                };
                o.file(
                    t,
                    EventKind::FileUnlink,
                    ctr_id,
                    Arc::new(info),
                    FileDetail::path(path),
                )
            }
            "security_inode_rename" | "rename" | "renameat" | "renameat2" => {
                let old = take_str(args, &["old_path", "oldpath"]);
                let Some(old) = old else {
                    return Err(Miss::Unmapped(format!("{name} without a path")));
                };
                let new = take_str(args, &["new_path", "newpath"]);
                let d = FileDetail::path(old).target(new);
                o.file(t, EventKind::FileRename, ctr_id, Arc::new(info), d)
            }
            "magic_write" => {
                let Some(path) = take_str(args, &["pathname"]) else {
                    return Err(Miss::Unmapped(format!("{name} without a path")));
                };
                let d = FileDetail::path(path);
                o.file(t, EventKind::FileOpenWrite, ctr_id, Arc::new(info), d)
            }
            "chmod" | "fchmodat" => {
                let Some(path) = take_str(args, &["pathname"]) else {
                    return Err(Miss::Unmapped(format!("{name} without a path")));
                };
                let d = FileDetail::path(path).mode(int(args.remove("mode").as_ref()));
                o.file(t, EventKind::FileChmod, ctr_id, Arc::new(info), d)
            }
            _ => {
                let got = net::socket(&name, args)
                    .or_else(|| net::flow(&name, host, rec.pid, args, &mut st.flows));
                match got {
                    Some(Net::Event(kind, d)) => o.net(t, kind, ctr_id, Arc::new(info), d),
                    Some(Net::Unmapped(what)) => return Err(Miss::Unmapped(what)),
                    None => return Err(Miss::Unmapped(name)),
                }
            }
        }
    };
    let mut extra = std::mem::take(&mut rec.extra);
    let args = std::mem::take(&mut rec.args);
    if !args.is_empty() {
        extra.insert("args".into(), Value::Object(args));
    }
    Ok((ev.with_extra(Some(extra)), ctr))
}
