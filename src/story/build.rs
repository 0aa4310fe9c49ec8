//! Assembling a story from the store. Every value reaches DuckDB as a bound parameter.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::query::{Engine, Need, QueryError, ResolveError, Value, resolve_container};

use super::graph::Graph;
use super::pivot::{Seed, find_pivots};
use super::rows::{Ev, events, strs};
use super::*;
use crate::query::scan::Filter;
use crate::schema::Family;

/// What to tell the story of.
#[derive(Debug, Clone)]
pub enum StorySubject {
    /// A container reference (id, prefix, name, pasted form).
    Container(String),
    /// A host process by its key.
    Process(String),
    /// A host process by pid on a host (host id or hostname); the latest such process in the
    /// window when the pid was reused.
    Pid {
        /// Host id or hostname.
        host: String,
        /// pid.
        pid: i64,
    },
}

/// Options of a story.
#[derive(Debug, Clone)]
pub struct StoryRequest {
    /// The subject.
    pub subject: StorySubject,
    /// Only events from (ns).
    pub since: Option<i64>,
    /// Only events before (ns).
    pub until: Option<i64>,
    /// Pivot hops to follow (0: none).
    pub depth: u32,
}

/// Why a story could not be told.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoryError {
    /// The container reference did not resolve.
    #[error(transparent)]
    Resolve(#[from] ResolveError),
    /// No such process.
    #[error("no process {0} in the store")]
    NoProcess(String),
    /// The subject has no events in the window.
    #[error("{0} has no events between {1} and {2}")]
    NoEvents(String, String, String),
    /// A query failed.
    #[error(transparent)]
    Query(#[from] QueryError),
}

fn text(s: &str) -> Value {
    Value::Text(s.to_string())
}

fn opt_ts(v: Option<i64>) -> Value {
    v.map_or(Value::Null, Value::BigInt)
}

fn container_facts(
    engine: &Engine,
    id: &str,
) -> Result<Option<(ContainerFacts, String)>, QueryError> {
    let all = crate::query::side::containers(engine)?;
    let Some(c) = all.iter().find(|c| c.id == id).cloned() else {
        return Ok(None);
    };
    Ok(Some((
        ContainerFacts {
            container_id: id.to_string(),
            name: c.name,
            image: c.image,
            image_id: c.image_id,
            runtime: c.runtime,
            pod: c.pod,
            namespace: c.namespace,
            labels: c.labels,
            created: c.created,
            started: c.started,
            exited: c.exited,
            exit_code: c.exit_code,
            removed: c.removed,
            ip_addresses: c.ips,
        },
        c.host_id,
    )))
}

/// The processes above `keys` on `host_id` (their process events).
fn ancestors(
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
    engine.narrow(Need::Processes {
        host: host_id,
        keys: &all,
    })?;
    events(
        engine,
        &Filter::family(Family::Process)
            .eq("host_id", host_id)
            .within("process_key", all),
    )
}

/// Builds the story.
pub fn build(engine: &Engine, req: &StoryRequest) -> Result<Story, StoryError> {
    let graph = Graph::default();
    let (subject, container, host_id, evs) = match &req.subject {
        StorySubject::Container(r) => {
            let m = resolve_container(engine, r)?;
            let facts = container_facts(engine, &m.container_id)?;
            engine.narrow(Need::Containers(std::slice::from_ref(&m.container_id)))?;
            let evs = events(
                engine,
                &Filter::events()
                    .eq("container_id", &m.container_id)
                    .since(req.since)
                    .until(req.until),
            )?;
            let host_id = facts
                .as_ref()
                .map(|(_, h)| h.clone())
                .filter(|h| !h.is_empty())
                .or_else(|| evs.first().map(|e| e.host_id.clone()))
                .unwrap_or_default();
            (
                Subject {
                    kind: "container",
                    id: m.container_id.clone(),
                },
                facts.map(|(f, _)| f),
                host_id,
                evs,
            )
        }
        StorySubject::Process(_) | StorySubject::Pid { .. } => {
            let (host_id, key) = find_process(engine, req)?;
            let keys = graph.subtree(engine, &host_id, &key)?;
            engine.narrow(Need::Processes {
                host: &host_id,
                keys: &keys,
            })?;
            let evs = events(
                engine,
                &Filter::events()
                    .eq("host_id", &host_id)
                    .within("process_key", keys.iter().cloned())
                    .since(req.since)
                    .until(req.until),
            )?;
            (
                Subject {
                    kind: "process",
                    id: key,
                },
                None,
                host_id,
                evs,
            )
        }
    };
    if evs.is_empty() {
        let fmt = |v: Option<i64>| {
            v.map(crate::timefmt::format_ns)
                .unwrap_or_else(|| "-".into())
        };
        return Err(StoryError::NoEvents(
            subject.id.clone(),
            fmt(req.since),
            fmt(req.until),
        ));
    }
    let window = Window {
        since: evs.iter().map(|e| e.time).min().unwrap_or(0),
        until: evs.iter().map(|e| e.time).max().unwrap_or(0),
    };
    // Hosts and containers with their addresses, once: names, far ends, pivots.
    let t = std::time::Instant::now();
    let known = super::pivot::known_addresses(engine)?;
    crate::query::profile(t, "known addresses");
    let host = known.host(&host_id);
    let t = std::time::Instant::now();
    let processes = process_tree(engine, &graph, &host_id, &evs)?;
    crate::query::profile(t, "process tree");
    let timeline = evs.iter().map(entry).collect();
    let files = files(&evs);
    let seed = match &container {
        Some(c) => Seed::Container(c.container_id.clone()),
        None => Seed::Processes {
            host_id: host_id.clone(),
            keys: processes
                .iter()
                .filter(|p| p.inside)
                .map(|p| p.key.clone())
                .collect(),
        },
    };
    let (pivots, flow_peers) = find_pivots(
        engine,
        &graph,
        seed,
        &evs,
        container.as_ref(),
        req.depth,
        &known,
    )?;
    let t = std::time::Instant::now();
    let connections = connections(&evs, &known, &flow_peers);
    crate::query::profile(t, "connections");
    let mut gap_hosts: Vec<HostRef> = vec![host.clone()];
    for p in &pivots {
        if p.kind != "same_image" && !gap_hosts.contains(&p.host) {
            gap_hosts.push(p.host.clone());
        }
    }
    let gaps = gaps(engine, &gap_hosts, window)?;
    Ok(Story {
        format: STORY_FORMAT,
        subject,
        window,
        container,
        host,
        processes,
        timeline,
        files,
        connections,
        pivots,
        gaps,
    })
}

fn find_process(engine: &Engine, req: &StoryRequest) -> Result<(String, String), StoryError> {
    let (sql, params, what) = match &req.subject {
        StorySubject::Process(key) => (
            "SELECT host_id, process_key FROM process WHERE process_key = $1 LIMIT 1",
            vec![text(key)],
            key.clone(),
        ),
        StorySubject::Pid { host, pid } => (
            "SELECT p.host_id, p.process_key FROM process p LEFT JOIN hosts h USING (host_id)
             WHERE (p.host_id = $1 OR h.hostname = $1) AND p.pid = $2 AND p.container_id IS NULL
               AND (CAST($3 AS BIGINT) IS NULL OR epoch_ns(p.time) >= $3)
               AND (CAST($4 AS BIGINT) IS NULL OR epoch_ns(p.time) < $4)
             ORDER BY p.time DESC LIMIT 1",
            vec![
                text(host),
                Value::BigInt(*pid),
                opt_ts(req.since),
                opt_ts(req.until),
            ],
            format!("pid {pid} on {host}"),
        ),
        StorySubject::Container(_) => unreachable!("containers are resolved elsewhere"),
    };
    let r = engine.query(sql, &params)?;
    let b = r
        .batches
        .iter()
        .find(|b| b.num_rows() > 0)
        .ok_or(StoryError::NoProcess(what))?;
    Ok((
        strs(b, "host_id")[0].clone().unwrap_or_default(),
        strs(b, "process_key")[0].clone().unwrap_or_default(),
    ))
}

/// Folds process events into one [`Proc`] per key; adds the ancestors outside the subject.
fn process_tree(
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
    // Written paths, for drift: an exec of a path the subject wrote earlier.
    let mut written: HashMap<&str, i64> = HashMap::new();
    for e in evs.iter().filter(|e| e.family == "file") {
        let p = match e.kind.as_str() {
            "file_create" | "file_write_close" | "file_open_write" => e.path.as_deref(),
            "file_rename" => e.target_path.as_deref(),
            _ => None,
        };
        if let Some(p) = p {
            written.entry(p).or_insert(e.time);
        }
    }
    for p in procs.values_mut() {
        if let (Some(exe), Some(t)) = (p.exe.as_deref(), p.exec_time) {
            p.drift = written.get(exe).is_some_and(|w| *w < t);
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

fn entry(e: &Ev) -> Entry {
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

fn files(evs: &[Ev]) -> Vec<FileDir> {
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
    let executed: HashSet<&str> = evs
        .iter()
        .filter(|e| e.kind == "process_exec")
        .filter_map(|e| e.exe.as_deref())
        .collect();
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
        let written = item.actions.iter().any(|a| a.kind != "file_unlink");
        item.executed = written && executed.contains(path.as_str());
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

/// (direction, remote address, port, executable).
type ConnKey = (&'static str, Option<String>, Option<i64>, Option<String>);

/// Connections grouped by direction, peer and process. The far end is what the store knows of
/// the address at that time, else the other side of the same flow found by the pivots (the
/// only way to name a peer on a loopback or a shared network namespace).
fn connections(
    evs: &[Ev],
    known: &super::pivot::Known,
    flow_peers: &HashMap<String, String>,
) -> Vec<Conn> {
    let mut groups: BTreeMap<ConnKey, Conn> = BTreeMap::new();
    for e in evs.iter().filter(|e| e.family == "network") {
        let (direction, remote_ip, port) = match e.kind.as_str() {
            "net_connect" => ("outbound", e.dst_ip.clone(), e.dst_port),
            "net_accept" => ("inbound", e.src_ip.clone(), e.dst_port),
            "net_listen" => ("listen", None, e.dst_port),
            _ => {
                // A close belongs to its connection: outbound when this side is src.
                let outbound = groups.keys().any(|k| {
                    k.0 == "outbound" && k.1 == e.dst_ip && k.2 == e.dst_port && k.3 == e.exe
                });
                if outbound {
                    ("outbound", e.dst_ip.clone(), e.dst_port)
                } else {
                    ("inbound", e.src_ip.clone(), e.dst_port)
                }
            }
        };
        let key = (direction, remote_ip.clone(), port, e.exe.clone());
        let far_end = remote_ip
            .as_deref()
            .and_then(|ip| known.describe(ip, e.time))
            .or_else(|| {
                e.community_id
                    .as_ref()
                    .and_then(|c| flow_peers.get(c))
                    .cloned()
            });
        let c = groups.entry(key).or_insert_with(|| Conn {
            direction,
            protocol: e.protocol.clone().unwrap_or_else(|| "tcp".into()),
            remote_ip,
            port,
            exe: e.exe.clone(),
            count: 0,
            first: e.time,
            last: e.time,
            bytes_sent: 0,
            bytes_received: 0,
            far_end: None,
        });
        if c.far_end.is_none() {
            c.far_end = far_end;
        }
        if e.kind == "net_close" {
            c.bytes_sent += e.bytes_sent.unwrap_or(0).max(0) as u64;
            c.bytes_received += e.bytes_received.unwrap_or(0).max(0) as u64;
        } else {
            c.count += 1;
        }
        c.first = c.first.min(e.time);
        c.last = c.last.max(e.time);
    }
    let mut out: Vec<Conn> = groups.into_values().collect();
    out.sort_by_key(|c| (c.first, c.direction));
    out
}

/// Loss records overlapping the window on `hosts`, host by host in their order, each host's
/// by start (one query).
fn gaps(engine: &Engine, hosts: &[HostRef], w: Window) -> Result<Vec<Gap>, QueryError> {
    let ids: Vec<String> = hosts.iter().map(|h| h.host_id.clone()).collect();
    let rows = crate::query::side::loss(engine, &ids, w.since, w.until)?;
    let mut out = Vec::new();
    for host in hosts {
        for r in rows.iter().filter(|r| r.host_id == host.host_id) {
            out.push(Gap {
                host: host.clone(),
                since: r.since,
                until: r.until,
                events_lost: r.events_lost,
                reason: r.reason.clone(),
                source: r.source.clone(),
            });
        }
    }
    Ok(out)
}
