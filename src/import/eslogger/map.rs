//! One eslogger record as rows: exec, fork and exit as process events; create, rename,
//! unlink, write, close (of a modified file), open, setmode and setowner as file events;
//! the login and authentication events ([`super::session`]) as `auth_logon`/`auth_logoff`
//! rows of the `api` family; every other event is counted as not mapped.
//!
//! A record is `es_message_t` as JSON: `time`, `process` (the `es_process_t` that acted),
//! `event` (one key, the event's name, holding its `es_event_*_t`), and the envelope
//! (`version`, `schema_version`, `mach_time`, `event_type`, `seq_num`, `global_seq_num`,
//! `thread`, `action`). What no column takes stays in `extra`, in the record's own layout.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::SOURCE;
use super::ident::Images;
use super::session;
use crate::import::procs::begun_key;
use crate::import::values::{int, login_uid, obj, str_of, time_ns, wait_status_code};
use crate::import::{Emit, NO_HOST, Why, skip};
use crate::schema::{EventKind, FileDetail, HostKind, HostRecord, Origin, ProcessInfo};

type Obj = Map<String, Value>;

/// `open`'s `fflag` bit of a file opened for writing (`FWRITE`, `O_ACCMODE` + 1).
const FWRITE: u64 = 0x2;

/// An `es_process_t` with its token read.
struct Proc<'a> {
    o: &'a Obj,
    pid: i32,
    pidversion: i32,
    /// `start_time`, ns.
    start: Option<i64>,
}

impl<'a> Proc<'a> {
    fn read(o: &'a Obj) -> Option<Proc<'a>> {
        let (pid, pidversion) = token(o.get("audit_token")?.as_object()?)?;
        let start = o.get("start_time").and_then(time_ns);
        Some(Proc {
            o,
            pid,
            pidversion,
            start,
        })
    }
}

/// An audit token's pid and pidversion.
fn token(t: &Obj) -> Option<(i32, i32)> {
    Some((int(t.get("pid"))?, int(t.get("pidversion"))?))
}

/// What an event is, once its process is known.
enum What {
    Exec,
    Fork,
    Exit(Option<i32>),
    File(EventKind, FileDetail),
}

/// The rows of one record.
pub fn map(v: &Value, im: &mut Images, out: &mut Emit) -> Result<(), Why> {
    const NOT: &str = "not an eslogger event";
    let Some(top) = v.as_object() else {
        return Err(skip(NOT, "not an object"));
    };
    let Some((name, ev)) = obj(top, "event").and_then(|e| e.iter().next()) else {
        return Err(skip(NOT, "no event"));
    };
    let Some(ev) = ev.as_object() else {
        return Err(skip(NOT, format!("event {name} is not an object")));
    };
    let Some(subject) = obj(top, "process").and_then(Proc::read) else {
        let detail = format!("{name} without a process and its audit token");
        return Err(skip("incomplete event", detail));
    };
    let Some(host) = out.host_of(None) else {
        let detail = "eslogger names no host: name it with --host";
        return Err(skip(NO_HOST, detail));
    };
    let Some(time) = top.get("time").and_then(time_ns) else {
        return Err(skip("no time", format!("{name} without time")));
    };
    if let Some(s) = session::parse(name, ev) {
        let s = s.map_err(|e| skip("incomplete event", e))?;
        // The row's process is the one that reported it (sshd, loginwindow, sudo); the
        // caller is the user who logged in.
        let start = start(im, &host, &subject);
        let mut p = process(im, &host, &subject, start, time);
        if s.user.is_some() {
            p.user_name = s.user.clone();
        }
        let mut extra = top.clone();
        extra.remove("time");
        let event = Origin::new(&host, None, SOURCE)
            .api(time, s.kind(), None, Arc::new(p), s.detail(name))
            .with_extra(Some(extra));
        out.host(host_record(&host, time))?;
        out.event(event)?;
        return Ok(());
    }
    let what = what(name, ev).map_err(|e| match e {
        Missing::Unmapped(w) => Why::Unmapped(w),
        Missing::Field(f) => skip("incomplete event", format!("{name} without {f}")),
    })?;
    let subject_start = start(im, &host, &subject);
    let mut extra = top.clone();
    extra.remove("time");
    let (info, row_at): (ProcessInfo, &[&str]) = match &what {
        What::Exec => {
            let Some(target) = obj(ev, "target").and_then(Proc::read) else {
                return Err(skip("incomplete event", "exec without a target"));
            };
            // The exec's image is a new token of the same process: learnt under its start.
            let start = target.start.or(subject_start);
            if let Some(s) = start {
                im.learn(&host, target.pid, target.pidversion, s);
            }
            let mut p = process(im, &host, &target, start, time);
            p.argv = ev
                .get("args")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string))
                .map(Iterator::collect)
                .unwrap_or_default();
            p.cwd = obj(ev, "cwd")
                .and_then(|c| str_of(c, "path"))
                .map(str::to_string);
            if let Some(x) = at(&mut extra, &["event", "exec"]) {
                x.remove("args");
                remove_at(x, &["cwd", "path"]);
            }
            (p, &["event", "exec", "target"])
        }
        What::Fork => {
            let Some(child) = obj(ev, "child").and_then(Proc::read) else {
                return Err(skip("incomplete event", "fork without a child"));
            };
            // The child's start is its fork.
            let start = child.start.unwrap_or(time);
            im.learn(&host, child.pid, child.pidversion, start);
            let mut p = info(&child, Some(start), &host);
            p.ppid = Some(subject.pid);
            p.parent_key = subject_start.map(|s| begun_key(&host, SOURCE, subject.pid, s));
            (p, &["event", "fork", "child"])
        }
        _ => {
            let p = process(im, &host, &subject, subject_start, time);
            (p, &["process"])
        }
    };
    if let Some(x) = at(&mut extra, row_at) {
        strip_process(x, &info);
    }
    if let What::File(_, _) | What::Exit(_) = what
        && let Some(x) = at(&mut extra, &["event", name.as_str()])
    {
        strip_event(name, x);
    }
    if let (What::Exit(_), Some(s)) = (&what, subject_start) {
        im.exited(&host, subject.pid, s, time);
    }
    let o = Origin::new(&host, None, SOURCE);
    let p = Arc::new(info);
    let event = match what {
        What::Exec => o.exec(time, None, p, None),
        What::Fork => o.fork(time, None, p),
        What::Exit(code) => o.exit(time, None, p, code),
        What::File(kind, d) => o.file(time, kind, None, p, d),
    };
    out.host(host_record(&host, time))?;
    out.event(event.with_extra(Some(extra)))?;
    Ok(())
}

/// Why an event gives no row.
enum Missing {
    /// Of a kind no family holds (the name to count it under).
    Unmapped(String),
    /// Without the field that says what it did on.
    Field(&'static str),
}

/// What the event `name` is.
fn what(name: &str, ev: &Obj) -> Result<What, Missing> {
    let file = |k: &'static str| {
        obj(ev, k)
            .and_then(|f| str_of(f, "path"))
            .map(FileDetail::path)
            .ok_or(Missing::Field(k))
    };
    let w = match name {
        "exec" => What::Exec,
        "fork" => What::Fork,
        "exit" => {
            let stat: Option<i32> = int(ev.get("stat"));
            What::Exit(stat.map(wait_status_code))
        }
        "create" => {
            let (path, mode) = destination(ev).ok_or(Missing::Field("destination"))?;
            What::File(EventKind::FileCreate, FileDetail::path(path).mode(mode))
        }
        "rename" => {
            let to = destination(ev).map(|(p, _)| p);
            let d = file("source")?.target(to);
            What::File(EventKind::FileRename, d)
        }
        "unlink" => What::File(EventKind::FileUnlink, file("target")?),
        "write" => What::File(EventKind::FileOpenWrite, file("target")?),
        "close" => {
            if ev.get("modified").and_then(Value::as_bool) != Some(true) {
                return Err(Missing::Unmapped("close (not modified)".into()));
            }
            What::File(EventKind::FileWriteClose, file("target")?)
        }
        "open" => {
            let fflag: Option<u64> = int(ev.get("fflag"));
            let kind = if fflag.is_some_and(|f| f & FWRITE != 0) {
                EventKind::FileOpenWrite
            } else {
                EventKind::FileOpenRead
            };
            What::File(kind, file("file")?)
        }
        "setmode" => {
            let mode: Option<u32> = int(ev.get("mode"));
            What::File(EventKind::FileChmod, file("target")?.mode(mode))
        }
        "setowner" => {
            let d = file("target")?.owner(int(ev.get("uid")), int(ev.get("gid")));
            What::File(EventKind::FileChown, d)
        }
        other => return Err(Missing::Unmapped(other.to_string())),
    };
    Ok(w)
}

/// The path (and mode) of a create's or rename's `destination`: the file that is there now
/// (`existing_file`), or the directory and name of one to be (`new_path`).
fn destination(ev: &Obj) -> Option<(String, Option<u32>)> {
    let d = obj(ev, "destination")?;
    if let Some(f) = obj(d, "existing_file") {
        let mode = obj(f, "stat")
            .and_then(|s| int::<u32>(s.get("st_mode")))
            .map(|m| m & 0o7777);
        return Some((str_of(f, "path")?.to_string(), mode));
    }
    let n = obj(d, "new_path")?;
    let dir = obj(n, "dir").and_then(|f| str_of(f, "path"))?;
    let name = str_of(n, "filename")?;
    let path = format!("{}/{name}", dir.trim_end_matches('/'));
    Some((path, int(n.get("mode"))))
}

/// Removes what [`what`] put in columns from the event's `extra`.
fn strip_event(name: &str, x: &mut Obj) {
    let paths: &[&[&str]] = match name {
        "exit" => &[&["stat"]],
        "create" => &[
            &["destination", "existing_file", "path"],
            &["destination", "new_path", "dir", "path"],
            &["destination", "new_path", "filename"],
            &["destination", "new_path", "mode"],
        ],
        "rename" => &[
            &["source", "path"],
            &["destination", "existing_file", "path"],
            &["destination", "new_path", "dir", "path"],
            &["destination", "new_path", "filename"],
        ],
        "open" => &[&["file", "path"]],
        "setmode" => &[&["target", "path"], &["mode"]],
        "setowner" => &[&["target", "path"], &["uid"], &["gid"]],
        _ => &[&["target", "path"]],
    };
    for p in paths {
        remove_at(x, p);
    }
}

/// The start of the process `p` is an image of: its `start_time`, else what an earlier image
/// of it said; learnt for later records.
fn start(im: &mut Images, host: &str, p: &Proc) -> Option<i64> {
    let s = p.start.or_else(|| im.start_of(host, p.pid, p.pidversion))?;
    im.learn(host, p.pid, p.pidversion, s);
    Some(s)
}

/// The columns of `p` (started at `start`), with its parent: the one that forked it. A
/// process whose parent exited was given to launchd (`ppid` 1, `parent_audit_token`
/// launchd's): its `original_ppid` is the forker, found as the process of that pid alive
/// when `p` started. Else the parent is the process `parent_audit_token` names, else the
/// process of `ppid` alive then.
fn process(im: &Images, host: &str, p: &Proc, start: Option<i64>, time: i64) -> ProcessInfo {
    let mut info = info(p, start, host);
    let ppid: Option<i32> = int(p.o.get("ppid"));
    let orig: Option<i32> = int(p.o.get("original_ppid"));
    let when = start.unwrap_or(time);
    let (pid, pstart) = match (orig, ppid) {
        (Some(o), Some(pp)) if o != pp && o > 0 => (Some(o), im.alive(host, o, when)),
        _ => {
            let tok = obj(p.o, "parent_audit_token").and_then(token);
            let pid = ppid.or(tok.map(|t| t.0));
            let by_token = tok
                .filter(|t| Some(t.0) == pid)
                .and_then(|(tp, tv)| im.start_of(host, tp, tv));
            let s = by_token.or_else(|| pid.and_then(|pp| im.alive(host, pp, when)));
            (pid, s)
        }
    };
    info.ppid = pid;
    info.parent_key = pid
        .zip(pstart)
        .map(|(pp, s)| begun_key(host, SOURCE, pp, s));
    info
}

/// The columns `p` itself gives (no parent).
fn info(p: &Proc, start: Option<i64>, host: &str) -> ProcessInfo {
    let t = obj(p.o, "audit_token");
    let id = |k: &str| t.and_then(|t| int::<u32>(t.get(k)));
    ProcessInfo {
        pid: Some(p.pid),
        uid: id("ruid"),
        gid: id("rgid"),
        euid: id("euid"),
        auid: login_uid(id("auid")),
        exe: obj(p.o, "executable")
            .and_then(|e| str_of(e, "path"))
            .map(str::to_string),
        start_time: start,
        key: start.map(|s| begun_key(host, SOURCE, p.pid, s)),
        ..Default::default()
    }
}

/// Removes from a process' `extra` what `info` holds in columns: the token's pid and ids,
/// the executable's path, the start time, and the parent's pid (`ppid`, or `original_ppid`
/// when that is the parent).
fn strip_process(x: &mut Obj, info: &ProcessInfo) {
    for k in ["pid", "ruid", "rgid", "euid", "auid"] {
        remove_at(x, &["audit_token", k]);
    }
    remove_at(x, &["executable", "path"]);
    if info.start_time.is_some() {
        x.remove("start_time");
    }
    let reported: Option<i32> = int(x.get("ppid"));
    if reported.is_some() && reported == info.ppid {
        x.remove("ppid");
    } else if int::<i32>(x.get("original_ppid")).is_some_and(|o| Some(o) == info.ppid) {
        x.remove("original_ppid");
    }
}

/// The host eslogger ran on: a Mac, named by `--host`.
fn host_record(host: &str, time: i64) -> HostRecord {
    HostRecord {
        time,
        host_id: host.to_string(),
        hostname: host.to_string(),
        boot_id: None,
        os: Some("macOS".into()),
        kernel: None,
        kind: Some(HostKind::Laptop),
        ip_addresses: Vec::new(),
        source: SOURCE.to_string(),
    }
}

/// The object at `path` under `o`.
fn at<'a>(o: &'a mut Obj, path: &[&str]) -> Option<&'a mut Obj> {
    path.iter()
        .try_fold(o, |o, k| o.get_mut(*k).and_then(Value::as_object_mut))
}

/// Removes the value at `path` under `o`, and the objects on the way that it leaves empty.
fn remove_at(o: &mut Obj, path: &[&str]) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    if rest.is_empty() {
        o.remove(*first);
        return;
    }
    if let Some(inner) = o.get_mut(*first).and_then(Value::as_object_mut) {
        remove_at(inner, rest);
        if inner.is_empty() {
            o.remove(*first);
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn destinations_of_both_arms_and_pruned_extra() {
        let existing = json!({"destination_type": 0, "destination": {"existing_file":
            {"path": "/tmp/a", "path_truncated": false, "stat": {"st_mode": 33188}}}});
        let d = destination(existing.as_object().unwrap());
        assert_eq!(d, Some(("/tmp/a".to_string(), Some(0o644))));
        let new = json!({"destination_type": 1, "destination": {"new_path":
            {"dir": {"path": "/Users/mara/"}, "filename": "b.txt", "mode": 384}}});
        let d = destination(new.as_object().unwrap());
        assert_eq!(d, Some(("/Users/mara/b.txt".to_string(), Some(0o600))));
        assert_eq!(destination(&Obj::new()), None);
        let mut x = new.as_object().unwrap().clone();
        strip_event("create", &mut x);
        assert_eq!(Value::Object(x), json!({"destination_type": 1}));
    }
}
