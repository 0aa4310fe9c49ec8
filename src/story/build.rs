//! Assembling a story from the store. Every value reaches DuckDB as a bound parameter.

use crate::query::{Engine, QueryError, ResolveError, Scope, Value, resolve_container};

use super::connections::connections;
use super::files::{entry, files};
use super::graph::Graph;
use super::pivot::{Seed, find_pivots};
use super::rows::{events, strs};
use super::tree::process_tree;
use super::*;

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
    let Some(c) = all.iter().find(|c| c.container_id == id).cloned() else {
        return Ok(None);
    };
    let host = c.host_id.clone();
    Ok(Some((c, host)))
}

/// Builds the story.
pub fn build(engine: &Engine, req: &StoryRequest) -> Result<Story, StoryError> {
    let graph = Graph::default();
    let (subject, container, host_id, evs) = match &req.subject {
        StorySubject::Container(r) => {
            let m = resolve_container(engine, r)?;
            let facts = container_facts(engine, &m.container_id)?;
            let sel = super::grounds::container_events(&m.container_id, req)
                .scoped(Scope::Containers(vec![m.container_id.clone()]));
            let evs = events(engine, &sel)?;
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
            let scope = Scope::Processes {
                host: host_id.clone(),
                keys: keys.clone(),
            };
            let sel = super::grounds::process_events(&host_id, keys, req).scoped(scope);
            let evs = events(engine, &sel)?;
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
    let mut processes = process_tree(engine, &graph, &host_id, &evs)?;
    crate::query::profile(t, "process tree");
    let calls = match &container {
        Some(f) => super::api::pod_calls(engine, f, window.since, window.until)?,
        None => Vec::new(),
    };
    super::api::mark_entries(&calls, &mut processes);
    let owners = super::api::Owners::of(engine, &calls, &known)?;
    let mut timeline: Vec<Entry> = evs.iter().map(entry).collect();
    super::api::into_timeline(&calls, &known, &owners, &mut timeline);
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
    let (mut pivots, flow_peers) = find_pivots(
        engine,
        &graph,
        seed,
        &evs,
        container.as_ref(),
        req.depth,
        &known,
    )?;
    super::api::pivots(&calls, &known, &owners, &mut pivots);
    super::cloud::pivots(engine, &evs, &known, &mut pivots)?;
    let t = std::time::Instant::now();
    let connections = connections(&evs, &known, &flow_peers);
    crate::query::profile(t, "connections");
    let mut gap_hosts: Vec<HostRef> = vec![host.clone()];
    for p in &pivots {
        if !matches!(p.kind, "same_image" | "k8s_api" | "cloud_key") && !gap_hosts.contains(&p.host)
        {
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
            "SELECT host_id, process_key FROM events WHERE process_key = $1 LIMIT 1",
            vec![text(key)],
            key.clone(),
        ),
        StorySubject::Pid { host, pid } => (
            "SELECT p.host_id, p.process_key FROM events p LEFT JOIN hosts h USING (host_id)
             WHERE (p.host_id = $1 OR h.hostname = $1) AND p.pid = $2 AND p.container_id IS NULL
               AND (CAST($3 AS BIGINT) IS NULL OR epoch_ns(p.time) >= $3)
               AND (CAST($4 AS BIGINT) IS NULL OR epoch_ns(p.time) < $4)
             ORDER BY p.time DESC, p.time_nanos DESC LIMIT 1",
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
