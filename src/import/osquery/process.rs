//! `process_events` and `bpf_process_events` rows: execs (and, with osquery's
//! `--audit_allow_fork_process_events`, forks) as `process_exec` / `process_fork`.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::super::values::login_uid;
use super::cols::Cols;
use super::envelope::{Action, Table};
use super::map::{Ctx, RowOut, State, missing};
use crate::schema::ProcessInfo;

/// What a process row begins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Begin {
    /// An exec (`execve`, `execveat`; bpf's `exec`; no `syscall` column on macOS or in
    /// osquery before 4.0).
    Exec,
    /// A fork (`fork`, `vfork`, `clone`: `pid` is the child, `parent` the caller).
    Fork,
}

/// What the row is, or the name it is counted under when it is no exec or fork (`kill`
/// rows, a failed exec).
fn kind(table: Table, c: &Cols) -> Result<Begin, String> {
    let t = table.name();
    // es_process_events-style rows say what they are in `event_type`.
    if let Some(e) = c.peek("event_type").filter(|e| e != "exec") {
        return Err(format!("{t} {e}"));
    }
    match c.peek("syscall").as_deref() {
        None | Some("execve" | "execveat" | "exec") => {}
        Some("fork" | "vfork" | "clone" | "clone3") => return Ok(Begin::Fork),
        Some(s) => return Err(format!("{t} {s}")),
    }
    // bpf: the exec's return value; osquery ≥ 5.2 leaves failed execs out itself.
    if c.ret("exit_code").is_some_and(|r| r < 0) {
        return Err(format!("{t} failed exec"));
    }
    Ok(Begin::Exec)
}

/// What a row begins (the pid, its parent, when), read when its record is read so that the
/// process table knows it before the rows around it are mapped.
pub fn begins(
    table: Table,
    cols: &Map<String, Value>,
    log_time: Option<i64>,
) -> Option<(Begin, i32, Option<i32>, i64)> {
    let mut c = Cols::new(cols);
    let b = kind(table, &c).ok()?;
    let pid = c.pid("pid")?;
    let time = c.time("time").or(log_time)?;
    Some((b, pid, c.pid("parent"), time))
}

/// The kernel's command name of `exe` (its base name, 15 bytes at most).
pub fn comm(exe: Option<&str>) -> Option<String> {
    let base = exe?.rsplit('/').next().filter(|b| !b.is_empty())?;
    let mut end = base.len().min(15);
    while !base.is_char_boundary(end) {
        end -= 1;
    }
    Some(base[..end].to_string())
}

/// The argument vector: bpf's `json_cmdline` when there (exactly argv; `cmdline` is then
/// the same joined, and left out); else `cmdline`, which the audit tables join with single
/// spaces (split back on them: nothing is lost) and bpf joins quoting arguments that hold
/// blanks with `'…'` (split back, and the line kept in `extra`, since quotes inside an
/// argument make it ambiguous).
fn argv(table: Table, c: &mut Cols) -> Vec<String> {
    if let Some(j) = c.peek("json_cmdline")
        && let Ok(a) = serde_json::from_str::<Vec<String>>(&j)
    {
        c.mark("json_cmdline");
        c.mark("cmdline");
        return a;
    }
    let Some(line) = c.peek("cmdline") else {
        c.mark("cmdline");
        return Vec::new();
    };
    if table.is_bpf() {
        return bpf_words(&line);
    }
    c.mark("cmdline");
    line.split(' ').map(str::to_string).collect()
}

/// A bpf `cmdline` split into arguments: blanks separate, `'…'` holds an argument with
/// blanks in it.
pub fn bpf_words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = line;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('\'') {
            let end = r
                .find("' ")
                .or_else(|| r.ends_with('\'').then(|| r.len() - 1));
            if let Some(end) = end {
                out.push(r[..end].to_string());
                rest = r[end + 1..].strip_prefix(' ').unwrap_or(&r[end + 1..]);
                continue;
            }
        }
        match rest.find(' ') {
            Some(i) => {
                out.push(rest[..i].to_string());
                rest = &rest[i + 1..];
            }
            None => {
                out.push(rest.to_string());
                break;
            }
        }
    }
    out
}

/// The exec or fork of a row.
pub fn map(
    ctx: &Ctx,
    st: &mut State,
    table: Table,
    action: Action,
    cols: &Map<String, Value>,
    begun: Option<String>,
) -> RowOut {
    let mut c = Cols::new(cols);
    let b = match kind(table, &c) {
        Ok(b) => b,
        Err(what) => return RowOut::Unmapped(what),
    };
    let Some(pid) = c.pid("pid") else {
        return missing(table, "no pid", "pid");
    };
    let ppid = c.pid("parent");
    let Some(time) = ctx.time(&mut c) else {
        return missing(table, "no time", "time");
    };
    let key = begun.unwrap_or_else(|| match b {
        Begin::Exec => st.procs.exec(ctx.host, pid, ppid, time),
        Begin::Fork => st.procs.fork(ctx.host, pid, ppid, time),
    });
    let parent_key = ppid
        .filter(|pp| *pp > 0 && *pp != pid)
        .map(|pp| st.procs.at(ctx.host, pp, time).key);
    let exe = c.text("path");
    let info = ProcessInfo {
        pid: Some(pid),
        tid: c.pid("tid"),
        ppid,
        uid: c.int("uid"),
        gid: c.int("gid"),
        euid: c.int("euid"),
        auid: login_uid(c.int("auid")),
        comm: comm(exe.as_deref()),
        argv: argv(table, &mut c),
        exe,
        cwd: c.text("cwd"),
        // A fork's time is its child's start; an exec's is not its process' start.
        start_time: (b == Begin::Fork).then_some(time),
        key: Some(key),
        parent_key,
        ..Default::default()
    };
    let ctr = ctx.container(&mut c, time);
    let id = ctr.as_ref().map(|r| r.container_id.clone());
    let o = &ctx.origin;
    let ev = match b {
        Begin::Exec => o.exec(time, id, Arc::new(info), None),
        Begin::Fork => o.fork(time, id, Arc::new(info)),
    };
    ctx.done(ev, ctr, table, action, &c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bpf_command_lines_split_back_into_arguments() {
        assert_eq!(
            bpf_words("sh -c 'echo hi there' x"),
            ["sh", "-c", "echo hi there", "x"]
        );
        assert_eq!(bpf_words("a 'b c'"), ["a", "b c"]);
        assert_eq!(bpf_words("it's x"), ["it's", "x"]);
        assert_eq!(bpf_words("'unclosed x"), ["'unclosed", "x"]);
        assert!(bpf_words("").is_empty());
    }

    #[test]
    fn comm_is_the_base_name_cut_to_15_bytes() {
        assert_eq!(comm(Some("/usr/bin/curl")).as_deref(), Some("curl"));
        assert_eq!(
            comm(Some("/opt/x/a-very-long-binary-name")).as_deref(),
            Some("a-very-long-bin")
        );
        assert_eq!(comm(Some("/usr/bin/")), None);
        assert_eq!(comm(Some("/é/ééééééééé")).as_deref(), Some("ééééééé"));
    }
}
