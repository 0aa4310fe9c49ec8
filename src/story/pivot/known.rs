//! What the store knows of addresses and names: hosts and containers (with their lifetimes),
//! loaded once per story to name far ends and find pivots.

use std::collections::HashMap;

use super::SEC;
use crate::query::{Engine, QueryError};
use crate::story::HostRef;

#[derive(Debug, Clone)]
pub(super) struct ContainerInfo {
    pub(super) id: String,
    pub(super) host_id: String,
    pub(super) label: String,
    pub(super) pod: Option<String>,
    pub(super) image: Option<String>,
    pub(super) ips: Vec<String>,
    pub(super) since: i64,
    pub(super) until: i64,
}

/// Addresses and names the store knows: hosts and containers (with their lifetimes).
#[derive(Debug, Default)]
pub struct Known {
    pub(super) hosts: HashMap<String, HostRef>,
    pub(super) host_by_ip: HashMap<String, String>,
    pub(super) containers: Vec<ContainerInfo>,
    /// Containers (indexes into `containers`) by address.
    pub(super) by_ip: HashMap<String, Vec<usize>>,
    /// Whether anything was imported into the store (only importers write accepts that
    /// lack the local address, which the `peer` lookup is for).
    pub(super) imported: bool,
}

impl Known {
    /// The host by id, with its name when the store knows it.
    pub fn host(&self, id: &str) -> HostRef {
        self.hosts.get(id).cloned().unwrap_or(HostRef {
            host_id: id.to_string(),
            hostname: None,
        })
    }

    pub(super) fn container_at(&self, ip: &str, t: i64) -> Option<&ContainerInfo> {
        self.by_ip
            .get(ip)?
            .iter()
            .map(|i| &self.containers[*i])
            .filter(|c| c.since <= t.saturating_add(SEC) && t <= c.until.saturating_add(SEC))
            .min_by_key(|c| t.saturating_sub(c.since).saturating_abs())
    }

    pub(super) fn container(&self, id: &str) -> Option<&ContainerInfo> {
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
    let ledger = engine
        .store()
        .root()
        .join(crate::import::ledger::LEDGER_DIR);
    k.imported = std::fs::read_dir(ledger).is_ok_and(|mut d| d.next().is_some());
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
            id: c.container_id.clone(),
            host_id: c.host_id.clone(),
            label,
            pod: c.pod.clone(),
            image: c.image.clone(),
            ips: c.ip_addresses.clone(),
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
