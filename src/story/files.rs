//! The story's files, grouped by directory, and its timeline entries.

use std::collections::{BTreeMap, HashMap};

use super::rows::Ev;
use super::{Entry, FileAction, FileDir, FileItem};
use crate::predicates::is_drift;

pub(super) fn entry(e: &Ev) -> Entry {
    let addr = |ip: &Option<String>, port: Option<i64>| match (ip, port) {
        (Some(ip), Some(p)) => format!("{ip}:{p}"),
        (Some(ip), None) => ip.clone(),
        _ => "*".into(),
    };
    let summary = match e.family.as_str() {
        "process" => {
            let mut s = e.argv.join(" ");
            if s.is_empty() {
                s = e.exe.clone().unwrap_or_default();
            }
            if let Some(c) = e.exit_code {
                s = format!("{s} (exit {c})");
            }
            s
        }
        "file" => {
            let mut s = e.path.clone().unwrap_or_default();
            if let Some(t) = &e.target_path {
                s = format!("{s} -> {t}");
            }
            if e.kind == "file_chmod"
                && let Some(m) = e.mode
            {
                s = format!("{s} mode {m:o}");
            }
            s
        }
        "finding" => {
            let mut s = e.rule.clone().unwrap_or_default();
            if let Some(sev) = &e.severity {
                s = format!("[{sev}] {s}");
            }
            if let Some(m) = e.message.as_deref().filter(|m| !m.is_empty()) {
                s = format!("{s}: {m}");
            }
            s
        }
        _ => {
            let mut s = format!(
                "{} -> {}",
                addr(&e.src_ip, e.src_port),
                addr(&e.dst_ip, e.dst_port)
            );
            if let (Some(o), Some(i)) = (e.bytes_sent, e.bytes_received) {
                s = format!("{s} ({o} B out, {i} B in)");
            }
            s
        }
    };
    Entry {
        time: e.time,
        kind: e.kind.clone(),
        pid: e.pid,
        process_key: e.key.clone(),
        exe: e.exe.clone(),
        summary,
    }
}

/// Executables of OCI runtimes, which set a container up from inside its cgroup.
const RUNTIMES: &[&str] = &["runc", "crun", "youki", "runsc", "runc:[2:INIT]"];

fn is_runtime(exe: Option<&str>) -> bool {
    exe.and_then(|e| e.rsplit('/').next())
        .is_some_and(|name| RUNTIMES.contains(&name))
}

pub(super) fn files(evs: &[Ev]) -> Vec<FileDir> {
    // The runtime's setup ends when the first program that is not the runtime starts.
    let setup_end = evs
        .iter()
        .filter(|e| e.kind == "process_exec" && !is_runtime(e.exe.as_deref()))
        .filter(|e| !e.exe.as_deref().is_some_and(|x| x.starts_with("/dev/fd/")))
        .map(|e| e.time)
        .min()
        .unwrap_or(i64::MAX);
    let setup = |e: &Ev| e.time < setup_end && is_runtime(e.exe.as_deref());
    let mut by_runtime: HashMap<String, bool> = HashMap::new();
    // Drift, as the process tree marks it: run after content was first left at its path.
    let mut last_exec: HashMap<&str, i64> = HashMap::new();
    for e in evs.iter().filter(|e| e.kind == "process_exec") {
        if let Some(x) = e.exe.as_deref() {
            let t = last_exec.entry(x).or_insert(e.time);
            *t = (*t).max(e.time);
        }
    }
    let written = super::tree::first_writes(evs);
    let mut by_path: BTreeMap<String, FileItem> = BTreeMap::new();
    for e in evs.iter().filter(|e| e.family == "file") {
        let Some(path) = e.path.clone() else { continue };
        let all_setup = by_runtime.entry(path.clone()).or_insert(true);
        *all_setup &= setup(e);
        let item = by_path.entry(path.clone()).or_insert_with(|| FileItem {
            path: path.clone(),
            actions: Vec::new(),
            sha256: None,
            executed: false,
        });
        let detail = match (&e.target_path, e.mode) {
            (Some(t), _) => Some(format!("-> {t}")),
            (None, Some(m)) if e.kind == "file_chmod" => Some(format!("mode {m:o}")),
            _ => None,
        };
        item.actions.push(FileAction {
            time: e.time,
            kind: e.kind.clone(),
            exe: e.exe.clone(),
            pid: e.pid,
            detail,
        });
        if e.file_sha256.is_some() {
            item.sha256 = e.file_sha256.clone();
        }
    }
    let mut dirs: BTreeMap<String, Vec<FileItem>> = BTreeMap::new();
    for (path, mut item) in by_path {
        item.executed = last_exec
            .get(path.as_str())
            .is_some_and(|t| is_drift(*t, written.get(path.as_str()).copied()));
        let dir = match path.rfind('/') {
            Some(0) => "/".to_string(),
            Some(i) => path[..i].to_string(),
            None => ".".to_string(),
        };
        dirs.entry(dir).or_default().push(item);
    }
    let mut out: Vec<FileDir> = dirs
        .into_iter()
        .map(|(dir, files)| FileDir {
            runtime_setup: files.iter().all(|f| by_runtime[&f.path]),
            dir,
            files,
        })
        .collect();
    // What the workload did first; the runtime's setup after it (stable within each group).
    out.sort_by_key(|d| d.runtime_setup);
    out
}
