//! Where a link leads: the container, or on a host the session the process belongs to (a
//! daemon itself is not followed: it would bring everything it serves).

use super::{Hit, SEC, Seed};
use crate::query::{Engine, Filter, QueryError, Scope};
use crate::schema::Family;
use crate::story::graph::Graph;
use crate::story::rows::{Ev, ints, strs};

/// Host-level target: the session the process belongs to, or `None` for daemons.
pub(super) fn host_session(
    engine: &Engine,
    graph: &Graph,
    e: &Ev,
) -> Result<Option<Seed>, QueryError> {
    let Some(key) = e.key.clone() else {
        return Ok(None);
    };
    if e.kind == "net_accept" {
        // A daemon accepting: the session is the child it forked for this connection.
        let window = Scope::HostWindow {
            host: e.host_id.clone(),
            since: e.time,
            until: e.time + 2 * SEC,
        };
        let sel = Filter::family(Family::Process)
            .eq("host_id", &e.host_id)
            .kinds(&["process_fork"])
            .eq("parent_process_key", key)
            .between(e.time, e.time + 2 * SEC)
            .scoped(window);
        let forks = engine.select(&sel, &["process_key", "time"])?;
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

pub(super) fn target_of(
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
