//! `user`: the same person (a person's account on a host, [`person`]) on other hosts.
//! Reported, not followed: it fans out to everything a person ever did. The index's people
//! summary answers for compacted files; events are read only for the rest.

use std::collections::{HashMap, HashSet};

use super::{Cx, Hit, Seed};
use crate::predicates::{person, person_exec};
use crate::query::cells::text;
use crate::query::{Filter, QueryError, Scope, Value};
use crate::schema::Family;
use crate::store::index::format::UserActivity;
use crate::story::rows::ints;

/// Adds this reason's links from one subject's events to `hits`.
pub(super) fn hits(cx: &Cx<'_>, hits: &mut Vec<Hit>) -> Result<(), QueryError> {
    let Cx {
        engine, seed, evs, ..
    } = *cx;
    if matches!(seed, Seed::Processes { .. }) {
        let users: HashSet<String> = evs
            .iter()
            .filter(|e| person().matches(*e))
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
            let scope = match summary {
                Some(summary) => {
                    seen = summary;
                    Scope::Fresh
                }
                None => Scope::Users {
                    users: names.clone(),
                    except_host: host.clone(),
                },
            };
            let mut filter = Filter::family(Family::Process)
                .and(&person_exec())
                .ne("host_id", &host)
                .within("user_name", names.iter().cloned());
            if summarised {
                // Logged below as the aggregate it completes.
                filter = filter.quiet();
            }
            let cols = &["host_id", "user_name", "uid", "time"];
            let rows = engine.select(&filter.scoped(scope), cols)?;
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
                let sql = format!(
                    "SELECT host_id, user_name, any_value(uid) AS uid, min({t}) AS first,
                            max({t}) AS last, count(*) AS n
                     FROM process WHERE {} AND host_id <> $2
                       AND list_contains(CAST($1 AS VARCHAR[]), user_name)
                     GROUP BY host_id, user_name",
                    person_exec().literal_sql(),
                    t = crate::schema::time::EXACT_TIME_SQL
                );
                engine.log_equivalent(
                    &sql,
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
    Ok(())
}
