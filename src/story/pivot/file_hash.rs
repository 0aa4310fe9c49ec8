//! `file_hash`: the same SHA-256 written or executed elsewhere. Followed.

use std::collections::HashMap;

use super::session::target_of;
use super::{Cx, Hit, elsewhere, owns};
use crate::query::{Filter, QueryError, Scope};
use crate::story::rows::{LOOKUP_COLUMNS, events_with};

/// Adds this reason's links from one subject's events to `hits`.
pub(super) fn hits(cx: &Cx<'_>, hits: &mut Vec<Hit>) -> Result<(), QueryError> {
    let Cx {
        engine,
        graph,
        seed,
        evs,
        ..
    } = *cx;
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
        let scope = Scope::Hashes(hs.clone());
        let others = events_with(
            engine,
            &elsewhere(
                Filter::events().within_any(&["file_sha256", "exe_sha256"], hs),
                seed,
            )
            .scoped(scope),
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
    Ok(())
}
