//! `file_hash`: the same SHA-256 written or executed elsewhere. Followed.

use std::collections::HashMap;

use super::session::target_of;
use super::{Cx, Hit, elsewhere_events, sorted};
use crate::query::{Filter, QueryError, Scope};

/// Adds this reason's links from one subject's events to `hits`.
pub(super) fn hits(cx: &Cx<'_>, hits: &mut Vec<Hit>) -> Result<(), QueryError> {
    let Cx {
        engine, graph, evs, ..
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
        let hs = sorted(hashes.keys());
        let filter = Filter::events().within_any(&["file_sha256", "exe_sha256"], hs.clone());
        for o in &elsewhere_events(cx, filter, Scope::Hashes(hs))? {
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
