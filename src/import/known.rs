//! Full container ids already known, so that the short forms tools print (the 12-digit id of
//! `docker ps`, Falco's `container.id`, Tetragon's `docker` field) become the full id that
//! events of other sources carry, and one story joins them.
//!
//! Known are the ids of the store's container records and of its compacted events (the
//! index's distinct ids), and every full id an import run has written so far. A short id
//! is expanded only when exactly one known id starts with it; otherwise it stays as
//! recorded (an id the store does not know yet cannot be guessed: import the source that
//! names full ids first).

use std::collections::BTreeSet;

use arrow::array::{Array, AsArray};

use crate::ingest::identity::is_full_id;
use crate::schema::Family;
use crate::store::conform::read_all;
use crate::store::{Store, StoreError};

/// The shortest prefix expanded: Docker's short id.
pub const MIN_PREFIX: usize = 12;

/// Full container ids (64 hex digits, lowercase).
#[derive(Debug, Default, Clone)]
pub struct ContainerIds {
    ids: BTreeSet<String>,
}

impl ContainerIds {
    /// The ids the store knows: its container records and its index's event ids.
    pub fn load(store: &Store) -> Result<ContainerIds, StoreError> {
        let mut known = ContainerIds::default();
        let snap = store.snapshot()?;
        let mut files = snap.files(Family::Containers);
        if let Some(m) = &snap.manifest {
            files.push(store.root().join(&m.index.container_ids));
            files.extend(
                m.index
                    .folded_containers
                    .iter()
                    .map(|p| store.root().join(p)),
            );
        }
        for f in files.iter().filter(|f| f.exists()) {
            for b in read_all(f)? {
                let col = b
                    .column_by_name("container_id")
                    .or_else(|| (b.num_columns() == 1).then(|| b.column(0)));
                let Some(ids) = col.and_then(|c| c.as_string_opt::<i32>()) else {
                    continue;
                };
                for i in (0..ids.len()).filter(|&i| ids.is_valid(i)) {
                    known.add(ids.value(i));
                }
            }
        }
        Ok(known)
    }

    /// Learns `id` when it is a full id.
    pub fn add(&mut self, id: &str) {
        if is_full_id(id) && !self.ids.contains(id) {
            self.ids.insert(id.to_ascii_lowercase());
        }
    }

    /// The one known full id that `id` is a prefix of, when `id` is a short hex id of at
    /// least [`MIN_PREFIX`] digits; `None` when it is full, not hex, unknown or ambiguous.
    pub fn resolve(&self, id: &str) -> Option<&str> {
        let short = id.len() >= MIN_PREFIX
            && id.len() < 64
            && id
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase());
        if !short {
            return None;
        }
        let mut found = self
            .ids
            .range(id.to_string()..)
            .take_while(|k| k.starts_with(id));
        let first = found.next()?;
        found.next().is_none().then_some(first.as_str())
    }

    /// How many ids are known.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "3f2a9c41e7b05d6c8e9f00112233445566778899aabbccddeeff001122334455";
    const B: &str = "3f2a9c41e7b0ffff8e9f00112233445566778899aabbccddeeff001122334455";

    #[test]
    fn a_unique_short_id_becomes_the_full_one() {
        let mut k = ContainerIds::default();
        k.add(A);
        k.add("not-an-id");
        assert_eq!(k.len(), 1);
        assert_eq!(k.resolve("3f2a9c41e7b0"), Some(A));
        assert_eq!(k.resolve("3f2a9c41e7b05d"), Some(A));
        // Too short to be an id, a full id, a name, or unknown: as recorded.
        assert_eq!(k.resolve("3f2a9c"), None);
        assert_eq!(k.resolve(A), None);
        assert_eq!(k.resolve("web-frontend"), None);
        assert_eq!(k.resolve("aaaaaaaaaaaa"), None);
        // Two ids share the prefix: ambiguous, kept; a longer prefix tells them apart.
        k.add(B);
        assert_eq!(k.resolve("3f2a9c41e7b0"), None);
        assert_eq!(k.resolve("3f2a9c41e7b0f"), Some(B));
    }

    #[test]
    fn emit_expands_short_ids_and_learns_full_ones() {
        use std::sync::Arc;

        use crate::import::Emit;
        use crate::import::json::At;
        use crate::ingest::MemorySink;
        use crate::schema::{Origin, ProcessInfo, Row};

        let mut sink = MemorySink::default();
        let known = crate::import::ledger::Digests::default();
        let mut taken = std::collections::HashSet::new();
        let mut ids = ContainerIds::default();
        let mut out = Emit::new(&mut sink, &known, &mut taken, None, false).resolving(&mut ids);
        let o = Origin::new("h", None, "test");
        let p = Arc::new(ProcessInfo::default());
        for (i, ctr) in [&A[..12], A, &A[..12], "3f2a9c"].into_iter().enumerate() {
            let at = At {
                line: i as u64 + 1,
                offset: i as u64,
            };
            assert!(out.record(at, format!("{i} {ctr}").as_bytes()));
            out.event(o.exec(i as i64, Some(ctr.to_string()), p.clone(), None))
                .unwrap();
        }
        drop(out);
        let got: Vec<(Option<String>, Option<String>)> = sink
            .into_rows()
            .into_iter()
            .filter_map(|r| match r {
                Row::Event(e) => Some((e.container_id, e.extra)),
                _ => None,
            })
            .collect();
        // Before the full id was written the short one stays; after, it is expanded.
        assert_eq!(got[0].0.as_deref(), Some(&A[..12]));
        assert_eq!(got[1].0.as_deref(), Some(A));
        assert_eq!(got[2].0.as_deref(), Some(A));
        let extra: serde_json::Value = serde_json::from_str(got[2].1.as_deref().unwrap()).unwrap();
        assert_eq!(extra["container_id_recorded"], &A[..12]);
        assert_eq!(got[3].0.as_deref(), Some("3f2a9c"));
        assert_eq!(ids.len(), 1);
    }
}
