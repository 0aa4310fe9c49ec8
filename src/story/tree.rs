//! The story's process tree: the subject's processes folded from their events, drift marked,
//! the ancestors outside the subject added, and how the first process inside entered.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::Proc;
use super::graph::Graph;
use super::rows::{Ev, events};
use crate::predicates::{is_drift, written_path};
use crate::query::{Engine, Filter, QueryError, Scope};
use crate::schema::Family;

/// The processes above `keys` on `host_id` (their process events).
pub(super) fn ancestors(
    engine: &Engine,
    graph: &Graph,
    host_id: &str,
    keys: &[String],
) -> Result<Vec<Ev>, QueryError> {
    let mut all: HashSet<String> = HashSet::new();
    for k in keys {
        all.insert(k.clone());
        for (a, _) in graph.ancestors(engine, host_id, k)? {
            all.insert(a);
        }
    }
    if all.is_empty() {
        return Ok(Vec::new());
    }
    let mut all: Vec<String> = all.into_iter().collect();
    all.sort();
    let scope = Scope::Processes {
        host: host_id.to_string(),
        keys: all.clone(),
    };
    let sel = Filter::family(Family::Process)
        .eq("host_id", host_id)
        .within("process_key", all)
        .scoped(scope);
    events(engine, &sel)
}

/// Folds process events into one [`Proc`] per key; adds the ancestors outside the subject.
pub(super) fn process_tree(
    engine: &Engine,
    graph: &Graph,
    host_id: &str,
    evs: &[Ev],
) -> Result<Vec<Proc>, QueryError> {
    let mut procs: BTreeMap<String, Proc> = BTreeMap::new();
    fold(
        &mut procs,
        evs.iter().filter(|e| e.family == "process"),
        true,
    );
    // Drift: an exec of a path the subject wrote earlier.
    let written = first_writes(evs);
    for p in procs.values_mut() {
        if let (Some(exe), Some(t)) = (p.exe.as_deref(), p.exec_time) {
            p.drift = is_drift(t, written.get(exe).copied());
        }
    }
    let missing: Vec<String> = procs
        .values()
        .filter_map(|p| p.parent_key.clone())
        .filter(|k| !procs.contains_key(k))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let above = ancestors(engine, graph, host_id, &missing)?;
    fold(&mut procs, above.iter(), false);
    // How the first process inside each chain entered: under `runc create` (entrypoint) or
    // `runc exec` (an exec from outside).
    let entries: Vec<(String, String)> = procs
        .values()
        .filter(|p| p.inside && p.container_id.is_some())
        .filter_map(|p| {
            let parent = procs.get(p.parent_key.as_deref()?)?;
            if parent.container_id.is_some() {
                return None;
            }
            let how = if parent.argv.iter().any(|a| a == "exec") {
                "runtime exec"
            } else {
                "entrypoint"
            };
            Some((p.key.clone(), how.to_string()))
        })
        .collect();
    for (k, how) in entries {
        if let Some(p) = procs.get_mut(&k) {
            p.entry = Some(how);
        }
    }
    let mut out: Vec<Proc> = procs.into_values().collect();
    out.sort_by_key(|p| (p.start.or(p.exec_time).unwrap_or(0), p.pid));
    Ok(out)
}

fn fold<'a>(procs: &mut BTreeMap<String, Proc>, evs: impl Iterator<Item = &'a Ev>, inside: bool) {
    for e in evs {
        let Some(key) = e.key.clone() else { continue };
        let p = procs.entry(key.clone()).or_insert_with(|| Proc {
            key,
            inside,
            ..Default::default()
        });
        p.parent_key = p.parent_key.take().or(e.parent_key.clone());
        p.pid = p.pid.or(e.pid);
        p.ppid = p.ppid.or(e.ppid);
        p.container_id = p.container_id.take().or(e.container_id.clone());
        p.start = p.start.or(e.start);
        match e.kind.as_str() {
            "process_exit" => {
                p.exit_time = Some(e.time);
                p.exit_code = e.exit_code;
            }
            "process_exec" => {
                p.exe = e.exe.clone();
                p.argv = e.argv.clone();
                p.user = e.user.clone();
                p.uid = e.uid;
                p.auid = e.auid;
                p.exec_time = Some(e.time);
                p.exe_sha256 = e.exe_sha256.clone().or(p.exe_sha256.take());
            }
            _ => {
                if p.exe.is_none() {
                    p.exe = e.exe.clone();
                    p.argv = e.argv.clone();
                    p.user = e.user.clone();
                    p.uid = e.uid;
                    p.auid = e.auid;
                }
            }
        }
    }
}

/// When content was first left at each path by the subject's file events
/// ([`written_path`]).
pub(super) fn first_writes(evs: &[Ev]) -> HashMap<&str, i64> {
    let mut written: HashMap<&str, i64> = HashMap::new();
    for e in evs.iter().filter(|e| e.family == "file") {
        if let Some(p) = written_path(&e.kind, e.path.as_deref(), e.target_path.as_deref()) {
            written.entry(p).or_insert(e.time);
        }
    }
    written
}
