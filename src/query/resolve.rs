//! Container references → one container id, like docker: a full id, a unique id prefix, or an
//! exact name. Ids found only in events (no container record) resolve too.

use arrow::array::{Array, AsArray};

use super::{Engine, QueryError, Value};
use crate::timefmt::format_ns;

/// A resolved container.
#[derive(Debug, Clone, PartialEq)]
pub struct ContainerMatch {
    /// Full id.
    pub container_id: String,
    /// Name when known.
    pub name: Option<String>,
    /// Image when known.
    pub image: Option<String>,
    /// Host when known.
    pub host_id: Option<String>,
}

impl std::fmt::Display for ContainerMatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let short = &self.container_id[..self.container_id.len().min(12)];
        write!(f, "{short}")?;
        if let Some(n) = &self.name {
            write!(f, "  {n}")?;
        }
        if let Some(i) = &self.image {
            write!(f, "  {i}")?;
        }
        if let Some(h) = &self.host_id {
            write!(f, "  on {h}")?;
        }
        Ok(())
    }
}

fn list(ms: &[ContainerMatch]) -> String {
    ms.iter().map(|m| format!("\n  {m}")).collect()
}

/// Why a reference did not resolve to exactly one container.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ResolveError {
    /// The reference was empty.
    #[error("empty container id")]
    Empty,
    /// The store holds no events at all.
    #[error(
        "the store at {0} holds no events yet: generate a demo with `trace demo`, run a collector, or import logs"
    )]
    EmptyStore(String),
    /// Nothing matched.
    #[error(
        "no container matches '{reference}'{}{}",
        if near.is_empty() { String::new() } else { format!("; containers with a similar id:{}", list(near)) },
        range.map(|(a, b)| format!("\nthe store covers {} .. {}", format_ns(a), format_ns(b))).unwrap_or_default()
    )]
    NotFound {
        /// What was asked.
        reference: String,
        /// Containers whose id shares the longest prefix with it.
        near: Vec<ContainerMatch>,
        /// Time range the store covers.
        range: Option<(i64, i64)>,
    },
    /// Several matched.
    #[error(
        "'{reference}' is ambiguous: {} containers match{}{}",
        candidates.len(),
        list(candidates),
        if *truncated { "\n  …" } else { "" }
    )]
    Ambiguous {
        /// What was asked.
        reference: String,
        /// The matches (at most 50).
        candidates: Vec<ContainerMatch>,
        /// More than shown matched.
        truncated: bool,
    },
    /// The lookup query failed.
    #[error(transparent)]
    Query(#[from] QueryError),
}

/// Normalizes what people paste: `docker://<id>`, `containerd://<id>`, `cri-o://<id>`, cgroup
/// leaves like `libpod-<id>.scope` or `docker-<id>.scope`, surrounding space; hex ids are
/// lowercased. Names are kept as they are. (The forms are [`crate::ingest::identity`]'s,
/// which importers and the collector read container ids with.)
pub fn normalize_container_ref(reference: &str) -> String {
    crate::ingest::identity::parse_container_ref(reference).0
}

const CANDIDATES_SQL: &str = "
WITH ids AS (
    SELECT container_id FROM containers
    UNION SELECT DISTINCT container_id FROM events WHERE container_id IS NOT NULL
    UNION SELECT container_id FROM indexed_container_ids
)
SELECT i.container_id, c.name, c.image, c.host_id
FROM ids i LEFT JOIN containers c USING (container_id)
WHERE starts_with(i.container_id, $1) OR c.name = $1
ORDER BY i.container_id
LIMIT 51";

const ALL_IDS_SQL: &str = "
WITH ids AS (
    SELECT container_id FROM containers
    UNION SELECT DISTINCT container_id FROM events WHERE container_id IS NOT NULL
)
SELECT i.container_id, c.name, c.image, c.host_id
FROM ids i LEFT JOIN containers c USING (container_id)
ORDER BY i.container_id
LIMIT 100000";

fn matches(
    engine: &Engine,
    sql: &str,
    params: &[Value],
) -> Result<Vec<ContainerMatch>, QueryError> {
    let r = engine.query(sql, params)?;
    let mut out = Vec::new();
    for b in &r.batches {
        let s = |i: usize| b.column(i).as_string::<i32>();
        let (id, name, image, host) = (s(0), s(1), s(2), s(3));
        let opt = |a: &arrow::array::StringArray, row: usize| {
            a.is_valid(row).then(|| a.value(row).to_string())
        };
        for row in 0..b.num_rows() {
            out.push(ContainerMatch {
                container_id: id.value(row).to_string(),
                name: opt(name, row),
                image: opt(image, row),
                host_id: opt(host, row),
            });
        }
    }
    Ok(out)
}

/// [`CANDIDATES_SQL`] read directly on an indexed engine: the ids of the folded containers,
/// of the fresh event files and of the index, joined with the containers' facts.
fn indexed_candidates(engine: &Engine, r: &str) -> Result<Vec<ContainerMatch>, QueryError> {
    use super::{Filter, Scope};
    use std::collections::BTreeMap;
    let mut ids: BTreeMap<String, ContainerMatch> = BTreeMap::new();
    let bare = |id: &str| ContainerMatch {
        container_id: id.to_string(),
        name: None,
        image: None,
        host_id: None,
    };
    let all = super::side::containers(engine)?;
    for c in all
        .iter()
        .filter(|c| c.container_id.starts_with(r) || c.name.as_deref() == Some(r))
    {
        ids.insert(
            c.container_id.clone(),
            ContainerMatch {
                container_id: c.container_id.clone(),
                name: c.name.clone(),
                image: c.image.clone(),
                host_id: Some(c.host_id.clone()).filter(|h| !h.is_empty()),
            },
        );
    }
    // The events read are the fresh files' ids; the index lists the rest.
    let with_id = Filter::events().not_null("container_id").quiet();
    let fresh = with_id.clone().scoped(Scope::Fresh);
    let mut batches = engine.select(&fresh, &["container_id"])?;
    if let Some(p) = engine.index().and_then(|ix| ix.container_ids()) {
        batches.extend(
            engine
                .scan
                .files
                .read(&p, None, &with_id, &["container_id"], None)?,
        );
    }
    for b in &batches {
        for id in super::cells::strs(b, "container_id").into_iter().flatten() {
            if id.starts_with(r) && !ids.contains_key(&id) {
                ids.insert(id.clone(), bare(&id));
            }
        }
    }
    Ok(ids
        .into_values()
        .filter(|m| m.container_id.starts_with(r) || m.name.as_deref() == Some(r))
        .take(51)
        .collect())
}

/// Resolves a container reference against the store.
pub fn resolve_container(engine: &Engine, reference: &str) -> Result<ContainerMatch, ResolveError> {
    let r = normalize_container_ref(reference);
    if r.is_empty() {
        return Err(ResolveError::Empty);
    }
    let found = if engine.is_indexed() {
        let t = std::time::Instant::now();
        let found = indexed_candidates(engine, &r)?;
        let params = [Value::Text(r.clone())];
        engine.log_equivalent(CANDIDATES_SQL, &params, found.len(), t.elapsed())?;
        found
    } else {
        matches(engine, CANDIDATES_SQL, &[Value::Text(r.clone())])?
    };
    if let Some(exact) = found.iter().find(|m| m.container_id == r) {
        return Ok(exact.clone());
    }
    let named: Vec<&ContainerMatch> = found
        .iter()
        .filter(|m| m.name.as_deref() == Some(&r))
        .collect();
    if named.len() == 1 {
        return Ok(named[0].clone());
    }
    match found.len() {
        1 => Ok(found.into_iter().next().expect("one match")),
        0 if engine.is_indexed() => {
            // Not found: the error lists similar ids and the store's range, from all of it.
            let full = Engine::open(engine.store())?;
            resolve_container(&full, reference)
        }
        0 => {
            let range = engine.time_range()?;
            if range.is_none() {
                return Err(ResolveError::EmptyStore(
                    engine.store().root().display().to_string(),
                ));
            }
            let all = matches(engine, ALL_IDS_SQL, &[])?;
            let common = |m: &ContainerMatch| {
                m.container_id
                    .bytes()
                    .zip(r.bytes())
                    .take_while(|(a, b)| a == b)
                    .count()
            };
            let best = all.iter().map(common).max().unwrap_or(0);
            let near = if best == 0 {
                Vec::new()
            } else {
                all.iter()
                    .filter(|m| common(m) == best)
                    .take(5)
                    .cloned()
                    .collect()
            };
            Err(ResolveError::NotFound {
                reference: r,
                near,
                range,
            })
        }
        n => Err(ResolveError::Ambiguous {
            reference: r,
            truncated: n > 50,
            candidates: found.into_iter().take(50).collect(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_what_people_paste() {
        let id = "3F2A9C";
        assert_eq!(normalize_container_ref(id), "3f2a9c");
        assert_eq!(normalize_container_ref(" docker://3f2a9c "), "3f2a9c");
        assert_eq!(normalize_container_ref("containerd://ab12"), "ab12");
        assert_eq!(normalize_container_ref("libpod-ab12.scope"), "ab12");
        assert_eq!(normalize_container_ref("docker-AB12.scope"), "ab12");
        assert_eq!(normalize_container_ref("shop-web"), "shop-web");
        assert_eq!(
            normalize_container_ref("docker-registry"),
            "docker-registry"
        );
    }
}
