//! `remote_ip`: the same outside address (one the store knows no host or container for).
//! Followed from processes that reached out to it; a service that accepted from it (an
//! ingress) is reported, not followed.

use std::collections::HashSet;

use super::session::target_of;
use super::{Cx, Hit, elsewhere_events, sorted};
use crate::query::{Filter, QueryError, Scope};
use crate::schema::Family;

/// Adds this reason's links from one subject's events to `hits`.
pub(super) fn hits(cx: &Cx<'_>, hits: &mut Vec<Hit>) -> Result<(), QueryError> {
    let Cx {
        engine,
        graph,
        evs,
        known,
        ..
    } = *cx;
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
        let ips = sorted(remote.iter());
        let filter = Filter::family(Family::Network)
            .kinds(&["net_connect", "net_accept"])
            .within_any(&["dst_ip", "src_ip"], ips.clone());
        for o in &elsewhere_events(cx, filter, Scope::Addresses(ips))? {
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
    Ok(())
}
