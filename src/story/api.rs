//! The orchestrator's side of a container's story: the Kubernetes API calls about its pod
//! (imported audit logs, the `api` family) — who created it, who exec'd or attached into it
//! and from where — as timeline entries, on the process that entered through an exec, and as
//! a pivot to the person.

use std::collections::HashMap;

use serde_json::Value as Json;

use crate::query::{Engine, QueryError, Scope};
use crate::schema::Family;
use crate::select::Filter;

use super::pivot::Known;
use super::rows::{ints, strs};
use super::{ContainerFacts, Entry, Pivot, Proc};

const SEC: i64 = 1_000_000_000;

/// How long before the container's first event its pod's calls are looked for (the pod's
/// creation and scheduling precede its containers).
const BEFORE: i64 = 3_600 * SEC;

/// How long after an exec call the process it started may appear (clocks of the API server
/// and of the node differ; the runtime takes its time).
const EXEC_LAG: i64 = 30 * SEC;

/// How far from a call a host's own connection from the caller's address still says the
/// host had that address (laptops change networks; DHCP leases last hours).
const OWNED_WITHIN: i64 = 12 * 3_600 * SEC;

/// Hosts seen connecting out from an address (outside any container), with when: a laptop's
/// own address, as its Sysmon, eslogger-less or collector network events show it.
#[derive(Debug, Default)]
pub(super) struct Owners(HashMap<String, Vec<(i64, String)>>);

impl Owners {
    /// Who connected out from the callers' addresses that the store knows no host or
    /// container for.
    pub(super) fn of(engine: &Engine, calls: &[Call], known: &Known) -> Result<Owners, QueryError> {
        let mut ips: Vec<String> = calls
            .iter()
            .filter_map(|c| {
                c.src_ip
                    .clone()
                    .filter(|ip| known.describe(ip, c.time).is_none())
            })
            .collect();
        ips.sort();
        ips.dedup();
        let mut out = Owners::default();
        if ips.is_empty() {
            return Ok(out);
        }
        let sel = Filter::family(Family::Network)
            .kinds(&["net_connect"])
            .within("src_ip", ips.iter().cloned())
            .is_null("container_id")
            .scoped(Scope::Addresses(ips));
        for b in engine.select(&sel, &["time", "host_id", "src_ip"])? {
            let (t, host, ip) = (ints(&b, "time"), strs(&b, "host_id"), strs(&b, "src_ip"));
            for i in 0..b.num_rows() {
                if let (Some(t), Some(h), Some(ip)) = (t[i], &host[i], &ip[i]) {
                    out.0.entry(ip.clone()).or_default().push((t, h.clone()));
                }
            }
        }
        Ok(out)
    }

    /// The host that connected out from `ip` nearest to `t` (within [`OWNED_WITHIN`]).
    fn at(&self, ip: &str, t: i64) -> Option<&str> {
        self.0
            .get(ip)?
            .iter()
            .filter(|(when, _)| when.saturating_sub(t).saturating_abs() <= OWNED_WITHIN)
            .min_by_key(|(when, _)| when.saturating_sub(t).saturating_abs())
            .map(|(_, h)| h.as_str())
    }
}

/// An API call about the pod.
#[derive(Debug, Clone)]
pub(super) struct Call {
    pub time: i64,
    pub kind: String,
    pub host_id: String,
    pub user: Option<String>,
    pub src_ip: Option<String>,
    pub operation: String,
    pub resource_type: String,
    pub container: Option<String>,
    pub command: Vec<String>,
    pub status: Option<String>,
    pub failed: bool,
}

impl Call {
    /// An exec or attach into a container of the pod.
    fn enters(&self) -> bool {
        matches!(self.resource_type.as_str(), "pods/exec" | "pods/attach")
    }

    /// Who, for people.
    fn caller(&self) -> String {
        let user = self.user.as_deref().unwrap_or("an unknown caller");
        match &self.src_ip {
            Some(ip) => format!("{user} from {ip}"),
            None => user.to_string(),
        }
    }

    /// Who and from where, for people: the address named as the host or container the store
    /// knows it for, or the host seen connecting out from it.
    fn who(&self, known: &Known, owners: &Owners) -> String {
        let caller = self.caller();
        let Some(ip) = &self.src_ip else {
            return caller;
        };
        if let Some(what) = known.describe(ip, self.time) {
            return format!("{caller} ({what})");
        }
        match owners.at(ip, self.time) {
            Some(h) => format!(
                "{caller} (host {}, which connected out from it)",
                known.host(h).label()
            ),
            None => caller,
        }
    }

    /// The call in one line.
    fn summary(&self, known: &Known, owners: &Owners) -> String {
        let what = match self.resource_type.as_str() {
            "pods/exec" => "kubectl exec".to_string(),
            "pods/attach" => "kubectl attach".to_string(),
            "pods/portforward" => "kubectl port-forward".to_string(),
            r => format!("{} {r}", self.operation),
        };
        let mut s = format!("{what} by {}", self.who(known, owners));
        if let Some(c) = &self.container {
            s.push_str(&format!(" into {c}"));
        }
        if !self.command.is_empty() {
            s.push_str(&format!(": {}", self.command.join(" ")));
        }
        if let Some(code) = &self.status {
            s.push_str(&format!(
                " [{code}{}]",
                if self.failed { ", refused" } else { "" }
            ));
        }
        s
    }
}

/// The API calls about the pod of a container whose events span `since..=until`: from
/// [`BEFORE`] its first event (the pod's creation) to [`EXEC_LAG`] after its last; none for a
/// container the store knows no pod of.
pub(super) fn pod_calls_filter(facts: &ContainerFacts, since: i64, until: i64) -> Option<Filter> {
    let (Some(pod), Some(ns)) = (&facts.pod, &facts.namespace) else {
        return None;
    };
    Some(
        Filter::family(Family::Api)
            .eq("namespace", ns)
            .eq("resource", pod)
            .between(since.saturating_sub(BEFORE), until.saturating_add(EXEC_LAG)),
    )
}

/// The API calls of [`pod_calls_filter`], oldest first.
pub(super) fn pod_calls(
    engine: &Engine,
    facts: &ContainerFacts,
    since: i64,
    until: i64,
) -> Result<Vec<Call>, QueryError> {
    let Some(filter) = pod_calls_filter(facts, since, until) else {
        return Ok(Vec::new());
    };
    let sel = filter.scoped(Scope::All);
    const COLUMNS: &[&str] = &[
        "time",
        "kind",
        "host_id",
        "user_name",
        "src_ip",
        "operation",
        "resource_type",
        "target_container",
        "status_code",
        "outcome",
        "extra",
    ];
    let mut out = Vec::new();
    for b in engine.select(&sel, COLUMNS)? {
        let (t, kind, host) = (ints(&b, "time"), strs(&b, "kind"), strs(&b, "host_id"));
        let (user, ip, op) = (
            strs(&b, "user_name"),
            strs(&b, "src_ip"),
            strs(&b, "operation"),
        );
        let (rtype, ctr, code, outcome, extra) = (
            strs(&b, "resource_type"),
            strs(&b, "target_container"),
            strs(&b, "status_code"),
            strs(&b, "outcome"),
            strs(&b, "extra"),
        );
        for i in 0..b.num_rows() {
            let rtype = rtype[i].clone().unwrap_or_default();
            // The pod's own calls: not those of an object of another kind with its name.
            if rtype != "pods" && !rtype.starts_with("pods/") {
                continue;
            }
            // A call into another container of the pod is not about this one.
            if let (Some(c), Some(name)) = (&ctr[i], &facts.name)
                && c != name
            {
                continue;
            }
            let command = extra[i]
                .as_deref()
                .and_then(|x| serde_json::from_str::<Json>(x).ok())
                .and_then(|x| {
                    x.get("command")?.as_array().map(|a| {
                        a.iter()
                            .filter_map(|v| v.as_str().map(str::to_string))
                            .collect()
                    })
                })
                .unwrap_or_default();
            out.push(Call {
                time: t[i].unwrap_or(0),
                kind: kind[i].clone().unwrap_or_default(),
                host_id: host[i].clone().unwrap_or_default(),
                user: user[i].clone(),
                src_ip: ip[i].clone(),
                operation: op[i].clone().unwrap_or_default(),
                resource_type: rtype,
                container: ctr[i].clone(),
                command,
                status: code[i].clone(),
                failed: outcome[i].as_deref() == Some("failure"),
            });
        }
    }
    out.sort_by_key(|c| c.time);
    Ok(out)
}

/// The calls as timeline entries, merged into `timeline` by time.
pub(super) fn into_timeline(
    calls: &[Call],
    known: &Known,
    owners: &Owners,
    timeline: &mut Vec<Entry>,
) {
    for c in calls {
        timeline.push(Entry {
            time: c.time,
            kind: c.kind.clone(),
            pid: None,
            process_key: None,
            exe: None,
            summary: c.summary(known, owners),
        });
    }
    timeline.sort_by_key(|e| e.time);
}

/// Names the person on the process each exec started: the first process of a chain inside
/// the container (its parent outside it, or unknown) that began within [`EXEC_LAG`] of the
/// call, the one running the call's command when there are several.
pub(super) fn mark_entries(calls: &[Call], procs: &mut [Proc]) {
    for c in calls.iter().filter(|c| c.enters() && !c.failed) {
        let roots: Vec<usize> = (0..procs.len())
            .filter(|&i| {
                let p = &procs[i];
                let parent_inside = p.parent_key.as_ref().is_some_and(|k| {
                    procs
                        .iter()
                        .any(|q| &q.key == k && q.inside && q.container_id.is_some())
                });
                let t = p.exec_time.or(p.start).unwrap_or(i64::MIN);
                p.inside
                    && p.container_id.is_some()
                    && !parent_inside
                    && t >= c.time.saturating_sub(2 * SEC)
                    && t <= c.time.saturating_add(EXEC_LAG)
                    && p.entry.as_deref() != Some("entrypoint")
            })
            .collect();
        let runs_command = |i: &usize| !c.command.is_empty() && procs[*i].argv == c.command;
        let pick = roots
            .iter()
            .find(|i| runs_command(i))
            .or_else(|| roots.first())
            .copied();
        if let Some(i) = pick {
            let how = if c.resource_type == "pods/attach" {
                "kubectl attach"
            } else {
                "kubectl exec"
            };
            procs[i].entry = Some(format!("{how} by {}", c.caller()));
        }
    }
}

/// The people who called the API about the pod, one pivot per caller and address.
pub(super) fn pivots(calls: &[Call], known: &Known, owners: &Owners, out: &mut Vec<Pivot>) {
    // (caller, address) → their calls, in the order first seen.
    type Caller = (Option<String>, Option<String>);
    let mut by: Vec<(Caller, Vec<&Call>)> = Vec::new();
    for c in calls {
        let k = (c.user.clone(), c.src_ip.clone());
        match by.iter_mut().find(|(key, _)| *key == k) {
            Some((_, v)) => v.push(c),
            None => by.push((k, vec![c])),
        }
    }
    for (_, cs) in by {
        let first = cs[0];
        let enters = cs.iter().find(|c| c.enters()).copied();
        out.push(Pivot {
            hop: 1,
            kind: "k8s_api",
            host: known.host(&first.host_id),
            container_id: None,
            label: first.caller(),
            reason: enters.unwrap_or(first).summary(known, owners),
            first: first.time,
            last: cs.iter().map(|c| c.time).max().unwrap_or(first.time),
            count: cs.len() as u64,
        });
    }
}
