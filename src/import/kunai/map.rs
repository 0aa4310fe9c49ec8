//! One Kunai event as rows: execve, execve_script, clone, exit and exit_group as process
//! events, connect as a network event, the file events (read, write, their `_config`
//! variants, write_close, file_create, file_rename, file_unlink) and mmap_exec as file
//! events; a `detection` section as findings ([`super::detect`]); every other event
//! (dns_query, send_data, mprotect_exec, init_module, bpf_prog_load, kill, ptrace, prctl,
//! file_scan, start, …) is counted as not mapped.

use std::net::IpAddr;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::SOURCE;
use super::detect;
use crate::import::values::{int, shell_words, text, time_ns};
use crate::import::{Emit, NO_HOST, Why, skip};
use crate::ingest::identity::parse_container_ref;
use crate::schema::{
    ContainerRecord, ContainerState, Event, EventKind, FileDetail, NetDetail, Origin, ProcessInfo,
    Protocol, source_process_key,
};

type Obj = Map<String, Value>;

fn obj<'a>(o: &'a Obj, k: &str) -> Option<&'a Obj> {
    o.get(k).and_then(Value::as_object)
}

fn str_of<'a>(o: &'a Obj, k: &str) -> Option<&'a str> {
    o.get(k).and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// `clone(2)`'s CLONE_THREAD: the new task is a thread of its creator's process.
const CLONE_THREAD: u64 = 0x0001_0000;

/// Task fields that have a column (the rest of `info.task` goes to `extra`).
const TASK_MAPPED: &[&str] = &["name", "pid", "tgid", "guuid", "uid", "user", "gid"];

/// The rows of one record.
pub fn map(v: &Value, out: &mut Emit) -> Result<(), Why> {
    let Some(top) = v.as_object() else {
        return Err(skip("not a Kunai event", "not an object"));
    };
    let Some(info) = obj(top, "info") else {
        return Err(skip("not a Kunai event", "no info section"));
    };
    let Some(name) = obj(info, "event").and_then(|e| str_of(e, "name")) else {
        return Err(skip("not a Kunai event", "no info.event.name"));
    };
    let Some(task) = obj(info, "task") else {
        return Err(skip(
            "incomplete event",
            format!("{name} without info.task"),
        ));
    };
    let host_sec = obj(info, "host");
    let Some(host) = out.host_of(host_sec.and_then(|h| str_of(h, "name"))) else {
        return Err(skip(
            NO_HOST,
            "the record has no info.host.name; name the host with --host",
        ));
    };
    let Some(time) = info.get("utc_time").and_then(time_ns) else {
        return Err(skip("no time", format!("{name} without utc_time")));
    };
    let empty = Obj::new();
    let data = obj(top, "data").unwrap_or(&empty);
    let parent = obj(info, "parent_task");
    let mut extra = data.clone();
    let mut info_p = process(task, parent, data, &host);
    let ctr = host_sec.and_then(|h| container(h, &host, time));
    let ctr_id = ctr.as_ref().map(|c| c.container_id.clone());
    if let Some(c) = ctr {
        out.container(c)?;
    }
    common_extra(info, task, parent, &mut extra);
    if let Some(d) = top.get("detection") {
        extra.insert("detection".into(), d.clone());
    }
    let o = Origin::new(&host, None, SOURCE);
    let ev = event(name, time, &mut info_p, data, &mut extra);
    let info_p = Arc::new(info_p);
    let mapped = match ev {
        Ok(build) => {
            let ev = build(&o, time, ctr_id.clone(), info_p.clone());
            out.event(ev.with_extra(Some(extra)))?;
            None
        }
        Err(what) => Some(what),
    };
    if let Some(det) = obj(top, "detection") {
        for f in detect::findings(name, det, &info_p) {
            let mut fx = Obj::new();
            fx.insert("detection".into(), Value::Object(det.clone()));
            if let Some(e) = obj(info, "event") {
                fx.insert("event".into(), Value::Object(e.clone()));
            }
            let ev = o.finding(time, ctr_id.clone(), info_p.clone(), f);
            out.event(ev.with_extra(Some(fx)))?;
        }
    }
    match mapped {
        None => Ok(()),
        Some(what) => Err(Why::Unmapped(what)),
    }
}

/// Builds the event once the process is final.
type Build = Box<dyn FnOnce(&Origin, i64, Option<String>, Arc<ProcessInfo>) -> Event>;

/// The event `name` makes (a builder), or what it is when no family holds it. Takes what it
/// maps out of `extra` and completes `p` with what only this kind says.
fn event(
    name: &str,
    time: i64,
    p: &mut ProcessInfo,
    data: &Obj,
    extra: &mut Obj,
) -> Result<Build, String> {
    let file = |kind: EventKind, d: FileDetail| -> Build {
        Box::new(
            move |o: &Origin, t: i64, c: Option<String>, pi: Arc<ProcessInfo>| {
                o.file(t, kind, c, pi, d)
            },
        )
    };
    match name {
        "execve" | "execve_script" => {
            // A script's `exe` is the script; the program the kernel runs (and every later
            // event of the process names) is its interpreter.
            let script = name == "execve_script";
            let ran = if script { "interpreter" } else { "exe" };
            let ran_obj = obj(data, ran);
            if let Some(path) = ran_obj.and_then(path_of) {
                p.exe = Some(path.to_string());
            }
            let sha = ran_obj.and_then(|h| str_of(h, "sha256")).and_then(sha256);
            if !script {
                strip(extra, "exe", &["path", "file", "sha256"]);
            }
            if script {
                strip(extra, "interpreter", &["path", "file", "sha256"]);
            }
            Ok(Box::new(
                move |o: &Origin, t: i64, c: Option<String>, pi: Arc<ProcessInfo>| {
                    o.exec(t, c, pi, sha)
                },
            ))
        }
        "clone" => {
            let flags = str_of(data, "flags").and_then(hex);
            let thread = flags.is_some_and(|f| f & CLONE_THREAD != 0) || p.pid != p.tid;
            if thread {
                return Err("clone (thread)".into());
            }
            p.start_time = Some(time);
            Ok(Box::new(
                |o: &Origin, t: i64, c: Option<String>, pi: Arc<ProcessInfo>| o.fork(t, c, pi),
            ))
        }
        "exit" | "exit_group" => {
            // `exit` is one task's: the process ends with it only when it is the leader.
            if name == "exit" && p.pid != p.tid {
                return Err("exit (thread)".into());
            }
            let raw: Option<u64> = data.get("error_code").and_then(Value::as_u64);
            let code = raw.map(|c| (c & 0xff) as i32);
            if raw.is_some_and(|c| c <= 0xff) {
                extra.remove("error_code");
            }
            Ok(Box::new(
                move |o: &Origin, t: i64, c: Option<String>, pi: Arc<ProcessInfo>| {
                    o.exit(t, c, pi, code)
                },
            ))
        }
        "connect" => connect(data, extra),
        "read" | "read_config" | "write" | "write_config" | "write_close" | "file_create" => {
            let kind = match name {
                "read" | "read_config" => EventKind::FileOpenRead,
                "write" | "write_config" => EventKind::FileOpenWrite,
                "write_close" => EventKind::FileWriteClose,
                _ => EventKind::FileCreate,
            };
            let path = str_of(data, "path").ok_or_else(|| format!("{name} without path"))?;
            extra.remove("path");
            Ok(file(kind, FileDetail::path(path)))
        }
        "file_unlink" => {
            if data.get("success").and_then(Value::as_bool) == Some(false) {
                return Err("file_unlink (failed)".into());
            }
            let path = str_of(data, "path").ok_or("file_unlink without path")?;
            extra.remove("path");
            extra.remove("success");
            Ok(file(EventKind::FileUnlink, FileDetail::path(path)))
        }
        "file_rename" => {
            let old = str_of(data, "old").ok_or("file_rename without old")?;
            let new = str_of(data, "new").map(str::to_string);
            extra.remove("old");
            extra.remove("new");
            Ok(file(
                EventKind::FileRename,
                FileDetail::path(old).target(new),
            ))
        }
        "mmap_exec" => {
            // A file mapped executable: its content is loaded into the process (a shared
            // object, or a payload mapped by hand); the file family's read is the nearest.
            let m = obj(data, "mapped");
            let path = m.and_then(path_of).ok_or("mmap_exec without mapped file")?;
            let sha = m.and_then(|h| str_of(h, "sha256")).and_then(sha256);
            strip(extra, "mapped", &["path", "file", "sha256"]);
            let d = FileDetail::path(path).sha256(sha);
            Ok(file(EventKind::FileOpenRead, d))
        }
        other => Err(other.to_string()),
    }
}

/// A connect: `src` (Kunai ≥ 0.5) is this process' side, `dst` the remote one.
fn connect(data: &Obj, extra: &mut Obj) -> Result<Build, String> {
    let dst = obj(data, "dst").and_then(endpoint);
    let Some(dst) = dst else {
        return Err("connect (no ip address)".into());
    };
    let src = obj(data, "src")
        .and_then(endpoint)
        .filter(|(ip, port)| !ip.is_unspecified() || *port != 0);
    let sock = obj(data, "socket");
    let udp = sock.is_some_and(|s| {
        str_of(s, "proto").is_some_and(|p| p.eq_ignore_ascii_case("udp"))
            || str_of(s, "type") == Some("SOCK_DGRAM")
    });
    let protocol = if udp { Protocol::Udp } else { Protocol::Tcp };
    strip(extra, "dst", &["ip", "port"]);
    if src.is_some() {
        extra.remove("src");
    }
    let d = NetDetail::new(protocol, src, Some(dst));
    Ok(Box::new(
        move |o: &Origin, t: i64, c: Option<String>, pi: Arc<ProcessInfo>| {
            o.net(t, EventKind::NetConnect, c, pi, d)
        },
    ))
}

fn endpoint(o: &Obj) -> Option<(IpAddr, u16)> {
    let ip = str_of(o, "ip")?.parse().ok()?;
    Some((ip, int(o.get("port"))?))
}

/// The path of a file section: `path` (Kunai ≥ 0.5), `file` before.
fn path_of(o: &Obj) -> Option<&str> {
    str_of(o, "path").or_else(|| str_of(o, "file"))
}

/// A SHA-256 in lowercase hex (Kunai leaves it empty when it could not read the file).
fn sha256(s: &str) -> Option<String> {
    (s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())).then(|| s.to_ascii_lowercase())
}

/// Kunai's hex numbers (`"0x1200000"`).
fn hex(s: &str) -> Option<u64> {
    u64::from_str_radix(s.trim().trim_start_matches("0x"), 16).ok()
}

/// Removes `keys` (mapped to columns) from the object `extra[k]`, and the object when
/// nothing is left.
fn strip(extra: &mut Obj, k: &str, keys: &[&str]) {
    if let Some(Value::Object(o)) = extra.get_mut(k) {
        for key in keys {
            o.remove(*key);
        }
        if o.is_empty() {
            extra.remove(k);
        }
    }
}

/// What every event says of its process. `task.uid`/`gid` are the task's real ids (`cred->uid`
/// in Kunai's probes); `tgid` is the process, `pid` the thread.
fn process(task: &Obj, parent: Option<&Obj>, data: &Obj, host: &str) -> ProcessInfo {
    let key = |t: &Obj| str_of(t, "guuid").map(|g| source_process_key(host, SOURCE, g));
    ProcessInfo {
        pid: int(task.get("tgid")),
        tid: int(task.get("pid")),
        ppid: parent.and_then(|p| int(p.get("tgid"))),
        uid: int(task.get("uid")),
        gid: int(task.get("gid")),
        user_name: str_of(task, "user")
            .filter(|u| *u != "?")
            .map(str::to_string),
        comm: text(task.get("name")),
        exe: obj(data, "exe").and_then(path_of).map(str::to_string),
        argv: str_of(data, "command_line")
            .map(shell_words)
            .unwrap_or_default(),
        key: key(task),
        parent_key: parent.and_then(key),
        ..Default::default()
    }
}

/// The container of an event in one (`info.host.container`: a name and a type; Kunai ≤ 0.1
/// wrote the type alone, which names no container).
fn container(h: &Obj, host: &str, time: i64) -> Option<ContainerRecord> {
    let c = obj(h, "container")?;
    let name = str_of(c, "name")?;
    let (id, runtime) = parse_container_ref(name);
    let runtime = str_of(c, "type")
        .map(str::to_string)
        .or(runtime.map(str::to_string));
    Some(ContainerRecord {
        time,
        host_id: host.to_string(),
        container_id: id,
        state: Some(ContainerState::Seen),
        name: Some(name.to_string()),
        runtime,
        source: SOURCE.to_string(),
        ..Default::default()
    })
}

/// The `info` fields without a column, into `extra`: the event's id, uuid and batch, the
/// host's uuid, the task's group, namespaces, flags and zombie state, and the parent task
/// (less its guuid and tgid, which are `parent_process_key` and `ppid`).
fn common_extra(info: &Obj, task: &Obj, parent: Option<&Obj>, extra: &mut Obj) {
    if let Some(e) = obj(info, "event") {
        let mut e = e.clone();
        e.remove("source");
        extra.insert("event".into(), Value::Object(e));
    }
    if let Some(u) = obj(info, "host").and_then(|h| h.get("uuid")) {
        extra.insert("host_uuid".into(), u.clone());
    }
    let rest: Obj = task
        .iter()
        .filter(|(k, _)| !TASK_MAPPED.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if !rest.is_empty() {
        extra.insert("task".into(), Value::Object(rest));
    }
    if let Some(p) = parent {
        let mut p = p.clone();
        p.remove("guuid");
        p.remove("tgid");
        extra.insert("parent_task".into(), Value::Object(p));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_flags_hashes_and_paths_read_as_kunai_writes_them() {
        assert_eq!(hex("0x1200000"), Some(0x0120_0000));
        assert_eq!(hex("0x3d0f00").map(|f| f & CLONE_THREAD != 0), Some(true));
        assert_eq!(hex("zz"), None);
        assert_eq!(sha256(&"A".repeat(64)), Some("a".repeat(64)));
        assert_eq!(sha256(""), None);
        let new: Obj = serde_json::from_str(r#"{"path":"/a","file":"/b"}"#).unwrap();
        let old: Obj = serde_json::from_str(r#"{"file":"/b"}"#).unwrap();
        assert_eq!((path_of(&new), path_of(&old)), (Some("/a"), Some("/b")));
    }
}
