//! `flow`: the same connection (community id) seen from the other side, at about the same
//! time (ports and pod addresses are reused, so a community id alone is not a flow across
//! days). Followed where the subject went (the other side accepted).

use std::collections::HashMap;

use super::session::target_of;
use super::{Cx, FLOW_SKEW, Hit, elsewhere_events, sorted};
use crate::query::{Filter, QueryError, Scope};
use crate::schema::Family;

/// Adds this reason's links from one subject's events to `hits`.
pub(super) fn hits(cx: &Cx<'_>, hits: &mut Vec<Hit>) -> Result<(), QueryError> {
    let Cx {
        engine, graph, evs, ..
    } = *cx;
    let mut cid_times: HashMap<String, Vec<i64>> = HashMap::new();
    for e in evs {
        if let Some(c) = &e.community_id {
            cid_times.entry(c.clone()).or_default().push(e.time);
        }
    }
    if !cid_times.is_empty() {
        let cids = sorted(cid_times.keys());
        let filter = Filter::family(Family::Network)
            .kinds(&["net_connect", "net_accept"])
            .within("community_id", cids.clone());
        for o in &elsewhere_events(cx, filter, Scope::Flows(cids))? {
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
    Ok(())
}
