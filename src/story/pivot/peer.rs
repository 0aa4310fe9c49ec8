//! `flow`, for recorders that know only the connecting side of an accepted connection
//! (auditd's `accept` gives the peer's address and port, not its own): the subject's
//! connection accepted elsewhere from the same source address and port at about the same
//! time. Followed, like a flow the other side accepted. Only importers write such accepts, so
//! a store nothing was imported into is not searched (the lookup reads every connection of
//! the subject's own addresses: about half of a story's time on the 10M demo store).

use std::collections::HashMap;

use super::session::target_of;
use super::{Cx, FLOW_SKEW, Hit, elsewhere_events, sorted};
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
    if !known.imported {
        return Ok(());
    }
    // (source address, source port) of the subject's connections → when.
    let mut from: HashMap<(String, i64), Vec<i64>> = HashMap::new();
    for e in evs.iter().filter(|e| e.kind == "net_connect") {
        if let (Some(ip), Some(port)) = (&e.src_ip, e.src_port) {
            from.entry((ip.clone(), port)).or_default().push(e.time);
        }
    }
    if from.is_empty() {
        return Ok(());
    }
    let ips = sorted(from.keys().map(|(ip, _)| ip));
    let filter = Filter::family(Family::Network)
        .kinds(&["net_accept"])
        .within("src_ip", ips.clone())
        .is_null("dst_ip");
    for o in &elsewhere_events(cx, filter, Scope::Addresses(ips))? {
        let (Some(ip), Some(port)) = (&o.src_ip, o.src_port) else {
            continue;
        };
        let near = from
            .get(&(ip.clone(), port))
            .is_some_and(|ts| ts.iter().any(|t| (t - o.time).abs() <= FLOW_SKEW));
        if !near {
            continue;
        }
        let reason = format!(
            "same connection accepted on the other side: from {ip}:{port} ({} by {})",
            o.kind,
            o.exe.as_deref().unwrap_or("?")
        );
        hits.push(target_of(engine, graph, "flow", o, reason, true)?);
    }
    Ok(())
}
