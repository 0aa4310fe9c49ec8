//! `mention`: a command line that names a known pod (the pod's container is followed) or a
//! known host's address (reported).

use super::{Cx, Hit, Seed};
use crate::query::QueryError;

/// Adds this reason's links from one subject's events to `hits`.
pub(super) fn hits(cx: &Cx<'_>, hits: &mut Vec<Hit>) -> Result<(), QueryError> {
    let Cx {
        seed, evs, known, ..
    } = *cx;
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
    Ok(())
}
