//! Pivots: from a subject's events to the same actor elsewhere, hop by hop. Each pivot says
//! why it was linked:
//!
//! - `flow`: the same connection (community id) seen from the other side;
//! - `remote_ip`: the same outside address (one the store knows no host or container for);
//! - `file_hash`: the same SHA-256 written or executed;
//! - `user`: the same human user (uid ≥ 1000, on a host) on another host;
//! - `mention`: a command line names a known pod or a known address;
//! - `same_image`: containers of the same image started within 12 hours (context).
//!
//! Containers and host sessions reached by `flow`, `remote_ip`, `file_hash` and `mention`
//! become subjects of the next hop; `user` and `same_image` are reported, not followed (they
//! fan out to everything a person or a deployment ever did).

mod file_hash;
mod flow;
mod known;
mod mention;
mod peer;
mod remote_ip;
mod same_image;
mod session;
mod user;

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::query::{Engine, Filter, QueryError, Scope};

use super::graph::Graph;
use super::rows::{Ev, LOOKUP_COLUMNS, events, events_with};
use super::{ContainerFacts, Pivot};
pub use known::{Known, known_addresses};

const HOUR: i64 = 3_600_000_000_000;

const SEC: i64 = 1_000_000_000;

/// Largest clock difference between the two ends of one flow (two hosts' clocks).
const FLOW_SKEW: i64 = 120 * SEC;

/// What a hop starts from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Seed {
    /// All events of a container.
    Container(String),
    /// These processes on a host.
    Processes {
        /// Host.
        host_id: String,
        /// Process keys.
        keys: Vec<String>,
    },
}

fn owns(seed: &Seed, e: &Ev) -> bool {
    match seed {
        Seed::Container(id) => e.container_id.as_deref() == Some(id),
        Seed::Processes { host_id, keys } => {
            e.host_id == *host_id && e.key.as_ref().is_some_and(|k| keys.contains(k))
        }
    }
}

fn seed_events(engine: &Engine, seed: &Seed) -> Result<Vec<Ev>, QueryError> {
    match seed {
        Seed::Container(id) => {
            let scope = Scope::Containers(vec![id.clone()]);
            events(
                engine,
                &Filter::events().eq("container_id", id).scoped(scope),
            )
        }
        Seed::Processes { host_id, keys } => {
            let scope = Scope::Processes {
                host: host_id.clone(),
                keys: keys.clone(),
            };
            let sel = Filter::events()
                .eq("host_id", host_id)
                .within("process_key", keys.iter().cloned())
                .scoped(scope);
            events(engine, &sel)
        }
    }
}

/// What every reason's search reads: the subject, its events, and what the store knows.
#[derive(Clone, Copy)]
struct Cx<'a> {
    engine: &'a Engine,
    graph: &'a Graph,
    seed: &'a Seed,
    evs: &'a [Ev],
    facts: Option<&'a ContainerFacts>,
    known: &'a Known,
}

/// The events elsewhere (not the subject's) that `filter` selects over `scope`, with the
/// columns a pivot lookup needs.
fn elsewhere_events(cx: &Cx<'_>, filter: Filter, scope: Scope) -> Result<Vec<Ev>, QueryError> {
    let sel = elsewhere(filter, cx.seed).scoped(scope);
    let mut evs = events_with(cx.engine, &sel, LOOKUP_COLUMNS)?;
    evs.retain(|o| !owns(cx.seed, o));
    Ok(evs)
}

/// The values a lookup asks for, sorted (the selection's key, and its logged SQL, are stable).
fn sorted<'a>(values: impl Iterator<Item = &'a String>) -> Vec<String> {
    let mut v: Vec<String> = values.cloned().collect();
    v.sort();
    v
}

/// Links from one subject's events, reason by reason.
fn hits_from(cx: &Cx<'_>) -> Result<Vec<Hit>, QueryError> {
    let mut hits = Vec::new();
    flow::hits(cx, &mut hits)?;
    peer::hits(cx, &mut hits)?;
    remote_ip::hits(cx, &mut hits)?;
    file_hash::hits(cx, &mut hits)?;
    user::hits(cx, &mut hits)?;
    mention::hits(cx, &mut hits)?;
    same_image::hits(cx, &mut hits)?;
    Ok(hits)
}

/// A candidate link: where, why, and how to follow it.
struct Hit {
    kind: &'static str,
    /// The process on the other side (groups host-level hits: kubelet apart from sshd).
    exe: Option<String>,
    host_id: String,
    container_id: Option<String>,
    reason: String,
    time: i64,
    /// Last matching time and number of matching events (1 for a single event).
    last: i64,
    count: u64,
    follow: Option<Seed>,
    /// For flows: the community id, so the connection's far end can name the other side.
    community_id: Option<String>,
}

/// `f` without the subject's own events where a filter can say so (a container's; a host
/// subject's are left to [`owns`]): lookups then decode only the other side.
fn elsewhere(f: Filter, seed: &Seed) -> Filter {
    match seed {
        Seed::Container(id) => f.distinct_from("container_id", id),
        Seed::Processes { .. } => f,
    }
}

fn label(
    known: &Known,
    container: Option<&str>,
    follow: Option<&Seed>,
    exe: Option<&str>,
) -> String {
    match container {
        Some(id) => match known.container(id) {
            Some(c) => format!("container {} {}", &id[..id.len().min(12)], c.label),
            None => format!("container {}", &id[..id.len().min(12)]),
        },
        None => match (follow, exe) {
            (Some(_), Some(x)) => format!("session of {x}"),
            (None, Some(x)) => format!("{x} (host process)"),
            _ => "host".to_string(),
        },
    }
}

/// The other side of the subject's own flows, by community id, for people ("container … on
/// host").
pub type FlowPeers = HashMap<String, String>;

/// Follows links `depth` hops from `seed`; also returns who was on the other side of the
/// subject's flows.
pub fn find_pivots(
    engine: &Engine,
    graph: &Graph,
    seed: Seed,
    evs: &[Ev],
    facts: Option<&ContainerFacts>,
    depth: u32,
    known: &Known,
) -> Result<(Vec<Pivot>, FlowPeers), QueryError> {
    let mut flow_peers = FlowPeers::new();
    let mut out: BTreeMap<(String, Option<String>, &'static str, String), Pivot> = BTreeMap::new();
    let root = seed.clone();
    let mut visited: HashSet<Seed> = HashSet::from([seed.clone()]);
    let mut frontier: Vec<(Seed, Vec<Ev>, Option<ContainerFacts>)> =
        vec![(seed, evs.to_vec(), facts.cloned())];
    for hop in 1..=depth {
        let mut next = Vec::new();
        for (seed, evs, facts) in &frontier {
            let cx = Cx {
                engine,
                graph,
                seed,
                evs,
                facts: facts.as_ref(),
                known,
            };
            for hit in hits_from(&cx)? {
                // A link back to the story's own container is no pivot.
                if let Seed::Container(id) = &root
                    && hit.container_id.as_deref() == Some(id.as_str())
                {
                    continue;
                }
                // One pivot per (target, kind, process there): counts and times aggregate, the
                // first reason stands as the example.
                let who = if hit.container_id.is_some() || hit.kind == "user" {
                    String::new()
                } else {
                    hit.exe.clone().unwrap_or_default()
                };
                let key = (hit.host_id.clone(), hit.container_id.clone(), hit.kind, who);
                let p = out.entry(key).or_insert_with(|| Pivot {
                    hop,
                    kind: hit.kind,
                    host: known.host(&hit.host_id),
                    container_id: hit.container_id.clone(),
                    label: label(
                        known,
                        hit.container_id.as_deref(),
                        hit.follow.as_ref(),
                        hit.exe.as_deref(),
                    ),
                    reason: hit.reason.clone(),
                    first: hit.time,
                    last: hit.last,
                    count: 0,
                });
                // The subject's own flows: who was on the other side, by community id.
                if hop == 1
                    && let Some(cid) = &hit.community_id
                {
                    flow_peers
                        .entry(cid.clone())
                        .or_insert_with(|| format!("{} on {}", p.label, p.host.label()));
                }
                p.count += hit.count;
                p.first = p.first.min(hit.time);
                p.last = p.last.max(hit.last);
                if let Some(f) = hit.follow
                    && hop < depth
                    && visited.insert(f.clone())
                {
                    let evs = seed_events(engine, &f)?;
                    let facts = match &f {
                        Seed::Container(_) => hit.container_id.as_deref().and_then(|id| {
                            known.container(id).map(|c| ContainerFacts {
                                container_id: c.id.clone(),
                                image: c.image.clone(),
                                started: Some(c.since),
                                ..Default::default()
                            })
                        }),
                        _ => None,
                    };
                    next.push((f, evs, facts));
                }
            }
        }
        frontier = next;
    }
    let mut pivots: Vec<Pivot> = out.into_values().collect();
    pivots.sort_by(|a, b| {
        (a.hop, a.kind == "same_image", a.first).cmp(&(b.hop, b.kind == "same_image", b.first))
    });
    Ok((pivots, flow_peers))
}
