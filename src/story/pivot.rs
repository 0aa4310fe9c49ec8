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

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::query::scan::Filter;
use crate::query::{Engine, Need, QueryError, Value};
use crate::schema::Family;

use super::graph::Graph;
use super::rows::{Ev, LOOKUP_COLUMNS, events, events_with, ints, strs};
use super::{ContainerFacts, HostRef, Pivot};
use crate::query::cells::text;
use crate::store::compact::UserActivity;

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

#[derive(Debug, Clone)]
struct ContainerInfo {
    id: String,
    host_id: String,
    label: String,
    pod: Option<String>,
    image: Option<String>,
    ips: Vec<String>,
    since: i64,
    until: i64,
}

/// Addresses and names the store knows: hosts and containers (with their lifetimes).
#[derive(Debug, Default)]
pub struct Known {
    hosts: HashMap<String, HostRef>,
    host_by_ip: HashMap<String, String>,
    containers: Vec<ContainerInfo>,
    /// Containers (indexes into `containers`) by address.
    by_ip: HashMap<String, Vec<usize>>,
}

impl Known {
    /// The host by id, with its name when the store knows it.
    pub fn host(&self, id: &str) -> HostRef {
        self.hosts.get(id).cloned().unwrap_or(HostRef {
            host_id: id.to_string(),
            hostname: None,
        })
    }

    fn container_at(&self, ip: &str, t: i64) -> Option<&ContainerInfo> {
        self.by_ip
            .get(ip)?
            .iter()
            .map(|i| &self.containers[*i])
            .filter(|c| c.since <= t.saturating_add(SEC) && t <= c.until.saturating_add(SEC))
            .min_by_key(|c| t.saturating_sub(c.since).saturating_abs())
    }

    fn container(&self, id: &str) -> Option<&ContainerInfo> {
        self.containers.iter().find(|c| c.id == id)
    }

    /// True when the store knows the address as a host's or (at `t`) a container's.
    pub fn is_known(&self, ip: &str, t: i64) -> bool {
        self.host_by_ip.contains_key(ip) || self.container_at(ip, t).is_some() || is_local(ip)
    }

    /// What `ip` was at `t`, for people.
    pub fn describe(&self, ip: &str, t: i64) -> Option<String> {
        if let Some(c) = self.container_at(ip, t) {
            return Some(format!(
                "container {} {} on {}",
                &c.id[..c.id.len().min(12)],
                c.label,
                self.host(&c.host_id).label()
            ));
        }
        self.host_by_ip
            .get(ip)
            .map(|h| format!("host {}", self.host(h).label()))
    }
}

fn is_local(ip: &str) -> bool {
    ip.starts_with("127.") || ip == "::1" || ip == "0.0.0.0" || ip == "::"
}

/// Loads hosts and containers with their addresses.
pub fn known_addresses(engine: &Engine) -> Result<Known, QueryError> {
    let mut k = Known::default();
    for h in crate::query::side::hosts(engine)?.iter() {
        for ip in &h.ips {
            k.host_by_ip.insert(ip.clone(), h.host_id.clone());
        }
        k.hosts.insert(
            h.host_id.clone(),
            HostRef {
                host_id: h.host_id.clone(),
                hostname: h.hostname.clone(),
            },
        );
    }
    for c in crate::query::side::containers(engine)?.iter() {
        let label = match (&c.namespace, &c.pod, &c.name) {
            (Some(ns), Some(pod), _) => format!("{ns}/{pod}"),
            (_, _, Some(n)) => n.clone(),
            _ => c.image.clone().unwrap_or_default(),
        };
        k.containers.push(ContainerInfo {
            since: c.started.or(c.created).unwrap_or(c.first_record),
            until: c.exited.unwrap_or(i64::MAX),
            id: c.id.clone(),
            host_id: c.host_id.clone(),
            label,
            pod: c.pod.clone(),
            image: c.image.clone(),
            ips: c.ips.clone(),
        });
    }
    for (i, c) in k.containers.iter().enumerate() {
        for ip in &c.ips {
            let at = k.by_ip.entry(ip.clone()).or_default();
            if !at.contains(&i) {
                at.push(i);
            }
        }
    }
    Ok(k)
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
            engine.narrow(Need::Containers(std::slice::from_ref(id)))?;
            events(engine, &Filter::events().eq("container_id", id))
        }
        Seed::Processes { host_id, keys } => {
            engine.narrow(Need::Processes {
                host: host_id,
                keys,
            })?;
            events(
                engine,
                &Filter::events()
                    .eq("host_id", host_id)
                    .within("process_key", keys.iter().cloned()),
            )
        }
    }
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

/// Host-level target: the session the process belongs to, or `None` for daemons.
fn host_session(engine: &Engine, graph: &Graph, e: &Ev) -> Result<Option<Seed>, QueryError> {
    let Some(key) = e.key.clone() else {
        return Ok(None);
    };
    if e.kind == "net_accept" {
        // A daemon accepting: the session is the child it forked for this connection.
        engine.narrow(Need::HostWindow {
            host: &e.host_id,
            since: e.time,
            until: e.time + 2 * SEC,
        })?;
        let forks = engine.select(
            &Filter::family(Family::Process)
                .eq("host_id", &e.host_id)
                .kinds(&["process_fork"])
                .eq("parent_process_key", key)
                .between(e.time, e.time + 2 * SEC),
            &["process_key", "time"],
        )?;
        // The first fork (the smallest key among forks at the same time).
        let child = forks
            .iter()
            .flat_map(|b| strs(b, "process_key").into_iter().zip(ints(b, "time")))
            .filter_map(|(k, t)| Some((t?, k?)))
            .min()
            .map(|(_, k)| k);
        return Ok(match child {
            Some(c) => {
                let keys = graph.subtree(engine, &e.host_id, &c)?;
                Some(Seed::Processes {
                    host_id: e.host_id.clone(),
                    keys,
                })
            }
            None => None,
        });
    }
    // A daemon itself (child of init) is not followed: it would bring everything it serves.
    if e.ppid.unwrap_or(0) <= 1 {
        return Ok(None);
    }
    // Otherwise the session it belongs to: climb while the parent is not a daemon.
    let chain = graph.ancestors(engine, &e.host_id, &key)?;
    let mut root = key;
    for (k, ppid) in chain {
        if ppid.unwrap_or(0) <= 1 {
            break;
        }
        root = k;
    }
    let keys = graph.subtree(engine, &e.host_id, &root)?;
    Ok(Some(Seed::Processes {
        host_id: e.host_id.clone(),
        keys,
    }))
}

fn target_of(
    engine: &Engine,
    graph: &Graph,
    kind: &'static str,
    e: &Ev,
    reason: String,
    follow: bool,
) -> Result<Hit, QueryError> {
    let follow = if !follow {
        None
    } else if let Some(c) = &e.container_id {
        Some(Seed::Container(c.clone()))
    } else {
        host_session(engine, graph, e)?
    };
    Ok(Hit {
        community_id: None,
        kind,
        exe: e.exe.clone(),
        host_id: e.host_id.clone(),
        container_id: e.container_id.clone(),
        reason,
        time: e.time,
        last: e.time,
        count: 1,
        follow,
    })
}

/// `f` without the subject's own events where a filter can say so (a container's; a host
/// subject's are left to [`owns`]): lookups then decode only the other side.
fn elsewhere(f: Filter, seed: &Seed) -> Filter {
    match seed {
        Seed::Container(id) => f.distinct_from("container_id", id),
        Seed::Processes { .. } => f,
    }
}

/// Links from one subject's events.
fn hits_from(
    engine: &Engine,
    graph: &Graph,
    seed: &Seed,
    evs: &[Ev],
    facts: Option<&ContainerFacts>,
    known: &Known,
) -> Result<Vec<Hit>, QueryError> {
    let mut hits = Vec::new();
    // flow: the same community id on the other side, at (about) the same time. Ports and
    // pod addresses are reused, so a community id alone is not a flow across days.
    let mut cid_times: HashMap<String, Vec<i64>> = HashMap::new();
    for e in evs {
        if let Some(c) = &e.community_id {
            cid_times.entry(c.clone()).or_default().push(e.time);
        }
    }
    if !cid_times.is_empty() {
        let mut cids: Vec<String> = cid_times.keys().cloned().collect();
        cids.sort();
        engine.narrow(Need::Flows(&cids))?;
        let others = events_with(
            engine,
            &elsewhere(
                Filter::family(Family::Network)
                    .kinds(&["net_connect", "net_accept"])
                    .within("community_id", cids),
                seed,
            ),
            LOOKUP_COLUMNS,
        )?;
        for o in others.iter().filter(|o| !owns(seed, o)) {
            let near = o
                .community_id
                .as_ref()
                .and_then(|c| cid_times.get(c))
                .is_some_and(|ts| ts.iter().any(|t| (t - o.time).abs() <= FLOW_SKEW));
            if !near {
                continue;
            }
            let reason = format!(
                "same flow seen from the other side: {}:{} -> {}:{} ({} by {})",
                o.src_ip.as_deref().unwrap_or("?"),
                o.src_port.unwrap_or(0),
                o.dst_ip.as_deref().unwrap_or("?"),
                o.dst_port.unwrap_or(0),
                o.kind,
                o.exe.as_deref().unwrap_or("?")
            );
            // Follow where the subject went (the other side accepted); a peer that came to
            // the subject (an ingress, a kubelet probe) is reported, not followed.
            let follow = o.kind == "net_accept";
            let mut hit = target_of(engine, graph, "flow", o, reason, follow)?;
            hit.community_id = o.community_id.clone();
            hits.push(hit);
        }
    }
    // remote_ip: outside addresses this subject talked to
    let mut remote: HashSet<String> = HashSet::new();
    for e in evs.iter().filter(|e| e.family == "network") {
        let ip = match e.kind.as_str() {
            "net_connect" => e.dst_ip.clone(),
            "net_accept" => e.src_ip.clone(),
            _ => None,
        };
        if let Some(ip) = ip.filter(|ip| !known.is_known(ip, e.time)) {
            remote.insert(ip);
        }
    }
    if !remote.is_empty() {
        let mut ips: Vec<String> = remote.iter().cloned().collect();
        ips.sort();
        engine.narrow(Need::Addresses(&ips))?;
        let others = events_with(
            engine,
            &elsewhere(
                Filter::family(Family::Network)
                    .kinds(&["net_connect", "net_accept"])
                    .within_any(&["dst_ip", "src_ip"], ips),
                seed,
            ),
            LOOKUP_COLUMNS,
        )?;
        for o in others.iter().filter(|o| !owns(seed, o)) {
            let ip = if o.kind == "net_connect" {
                &o.dst_ip
            } else {
                &o.src_ip
            };
            let Some(ip) = ip.clone().filter(|ip| remote.contains(ip)) else {
                continue;
            };
            let reason = format!(
                "same outside address {ip} ({} by {})",
                o.kind,
                o.exe.as_deref().unwrap_or("?")
            );
            // A process that reached out to the same address is the actor's; a service that
            // accepted from it (an ingress) is reported, not followed.
            let follow = o.kind == "net_connect";
            hits.push(target_of(engine, graph, "remote_ip", o, reason, follow)?);
        }
    }
    // file_hash
    let mut hashes: HashMap<String, String> = HashMap::new();
    for e in evs {
        if let (Some(h), Some(p)) = (&e.file_sha256, &e.path) {
            hashes.insert(h.clone(), p.clone());
        }
        if let (Some(h), Some(x)) = (&e.exe_sha256, &e.exe) {
            hashes.insert(h.clone(), x.clone());
        }
    }
    if !hashes.is_empty() {
        let mut hs: Vec<String> = hashes.keys().cloned().collect();
        hs.sort();
        engine.narrow(Need::Hashes(&hs))?;
        let others = events_with(
            engine,
            &elsewhere(
                Filter::events().within_any(&["file_sha256", "exe_sha256"], hs),
                seed,
            ),
            LOOKUP_COLUMNS,
        )?;
        for o in others.iter().filter(|o| !owns(seed, o)) {
            let h = o
                .file_sha256
                .clone()
                .or(o.exe_sha256.clone())
                .unwrap_or_default();
            let here = o.path.clone().or(o.exe.clone()).unwrap_or_default();
            let reason = format!(
                "same content sha256 {}… as {} here ({here}, {})",
                &h[..h.len().min(12)],
                hashes.get(&h).map(String::as_str).unwrap_or("?"),
                o.kind
            );
            hits.push(target_of(engine, graph, "file_hash", o, reason, true)?);
        }
    }
    // user: people on hosts
    if matches!(seed, Seed::Processes { .. }) {
        let users: HashSet<String> = evs
            .iter()
            .filter(|e| e.container_id.is_none() && e.uid.unwrap_or(0) >= 1000)
            .filter_map(|e| e.user.clone())
            .collect();
        if !users.is_empty() {
            let host = evs.first().map(|e| e.host_id.clone()).unwrap_or_default();
            let mut names: Vec<String> = users.iter().cloned().collect();
            names.sort();
            // Per host and user: first, last, count and the uid of the first exec. The
            // index summarises the compacted files; events are read only where it cannot.
            let mut seen: HashMap<(String, String), UserActivity> = HashMap::new();
            let t = std::time::Instant::now();
            let summary = match engine.index() {
                Some(ix) => ix.user_activity(&names, &host)?,
                None => None,
            };
            let summarised = summary.is_some();
            match summary {
                Some(summary) => {
                    seen = summary;
                    engine.narrow(Need::Fresh)?;
                }
                None => engine.narrow(Need::Users {
                    users: &names,
                    except_host: &host,
                })?,
            }
            let mut filter = Filter::family(Family::Process)
                .kinds(&["process_exec"])
                .is_null("container_id")
                .int_ge("uid", 1000)
                .ne("host_id", &host)
                .within("user_name", names.iter().cloned());
            if summarised {
                // Logged below as the aggregate it completes.
                filter = filter.quiet();
            }
            let rows = engine.select(&filter, &["host_id", "user_name", "uid", "time"])?;
            for b in &rows {
                let (h, u) = (text(b, "host_id"), text(b, "user_name"));
                let (uid, t) = (ints(b, "uid"), ints(b, "time"));
                for i in 0..b.num_rows() {
                    let (Some(h), Some(u), Some(t)) = (h.get(i), u.get(i), t[i]) else {
                        continue;
                    };
                    let uid = uid[i].unwrap_or(-1);
                    let one = UserActivity {
                        host_id: h.to_string(),
                        first: t,
                        last: t,
                        count: 1,
                        uid,
                    };
                    match seen.get_mut(&(h.to_string(), u.to_string())) {
                        Some(a) => a.merge(&one),
                        None => {
                            seen.insert((h.to_string(), u.to_string()), one);
                        }
                    }
                }
            }
            if summarised {
                engine.log_equivalent(
                    "SELECT host_id, user_name, any_value(uid) AS uid, epoch_ns(min(time)) AS first,
                            epoch_ns(max(time)) AS last, count(*) AS n
                     FROM process WHERE kind = 'process_exec' AND container_id IS NULL
                       AND uid >= 1000 AND host_id <> $2
                       AND list_contains(CAST($1 AS VARCHAR[]), user_name)
                     GROUP BY host_id, user_name",
                    &[
                        Value::List(names.iter().cloned().map(Value::Text).collect()),
                        Value::Text(host.clone()),
                    ],
                    seen.len(),
                    t.elapsed(),
                )?;
            }
            let mut seen: Vec<_> = seen
                .into_iter()
                .map(|((h, u), a)| ((h, u), (a.uid, a.first, a.last, a.count)))
                .collect();
            seen.sort_by(|a, b| (a.1.1, &a.0).cmp(&(b.1.1, &b.0)));
            for ((h, user), (uid, first, last, n)) in seen {
                {
                    let here = evs
                        .iter()
                        .find(|e| e.user.as_deref() == Some(user.as_str()))
                        .and_then(|e| e.uid)
                        .unwrap_or(-1);
                    hits.push(Hit {
                        community_id: None,
                        kind: "user",
                        exe: None,
                        host_id: h,
                        container_id: None,
                        reason: format!("same user {user} (uid {here} here, {uid} there)"),
                        time: first,
                        last,
                        count: n,
                        follow: None,
                    });
                }
            }
        }
    }
    // mention: command lines naming a known pod or address
    let own_container = match seed {
        Seed::Container(id) => Some(id.as_str()),
        _ => None,
    };
    for e in evs.iter().filter(|e| e.kind == "process_exec") {
        let line = e.argv.join(" ");
        for c in &known.containers {
            let Some(pod) = c.pod.as_deref() else {
                continue;
            };
            if Some(c.id.as_str()) == own_container || pod.len() < 8 || !line.contains(pod) {
                continue;
            }
            hits.push(Hit {
                community_id: None,
                kind: "mention",
                exe: None,
                host_id: c.host_id.clone(),
                container_id: Some(c.id.clone()),
                reason: format!(
                    "`{}` (pid {}) names pod {}",
                    e.exe.as_deref().unwrap_or("?"),
                    e.pid.unwrap_or(0),
                    c.label
                ),
                time: e.time,
                last: e.time,
                count: 1,
                follow: Some(Seed::Container(c.id.clone())),
            });
        }
        for token in line.split(|ch: char| !(ch.is_ascii_digit() || ch == '.')) {
            if let Some(h) = known.host_by_ip.get(token)
                && *h != e.host_id
            {
                hits.push(Hit {
                    community_id: None,
                    kind: "mention",
                    exe: None,
                    host_id: h.clone(),
                    container_id: None,
                    reason: format!(
                        "`{}` (pid {}) names {token}, the address of {}",
                        e.exe.as_deref().unwrap_or("?"),
                        e.pid.unwrap_or(0),
                        known.host(h).label()
                    ),
                    time: e.time,
                    last: e.time,
                    count: 1,
                    follow: None,
                });
            }
        }
    }
    // same_image: context
    if let Some(f) = facts
        && let (Some(image), Some(start)) = (&f.image, f.started.or(f.created))
    {
        for c in known.containers.iter().filter(|c| {
            c.id != f.container_id
                && c.image.as_deref() == Some(image)
                && c.since.saturating_sub(start).saturating_abs() <= 12 * HOUR
        }) {
            hits.push(Hit {
                community_id: None,
                kind: "same_image",
                exe: None,
                host_id: c.host_id.clone(),
                container_id: Some(c.id.clone()),
                reason: format!("same image {image}, started within 12 h"),
                time: c.since,
                last: c.since,
                count: 1,
                follow: None,
            });
        }
    }
    Ok(hits)
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
            for hit in hits_from(engine, graph, seed, evs, facts.as_ref(), known)? {
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
