//! The import ledger (`<store>/_imports/`): what earlier imports took, so that importing the
//! same file again, or rotated files that overlap, adds nothing the second time.
//!
//! Each import run writes, after its rows are in the store, two files named by its ingest id:
//! `<id>.json` (when, and per input: path, SHA-256, format, counts) and `<id>.digests` (the
//! sorted 64-bit digests of every record it took: the first 8 bytes of the record's SHA-256,
//! little-endian). An input whose SHA-256 an earlier run lists is skipped whole; a record whose
//! digest an earlier run took is skipped one by one (the overlap of rotated files).

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::store::{Store, StoreError, atomic::write_atomic, io_err};

/// The folder of the ledger in a store.
pub const LEDGER_DIR: &str = "_imports";

/// A record's digest: the first 8 bytes of its SHA-256.
pub fn digest(raw: &[u8]) -> u64 {
    let h = Sha256::digest(raw);
    let mut b = [0u8; 8];
    b.copy_from_slice(&h[..8]);
    u64::from_le_bytes(b)
}

/// Sorted record digests, searched by bisection.
#[derive(Debug, Clone, Default)]
pub struct Digests(Vec<u64>);

impl Digests {
    /// Digests from any order.
    pub fn from_unsorted(mut v: Vec<u64>) -> Digests {
        v.sort_unstable();
        v.dedup();
        Digests(v)
    }

    /// Whether `d` is one of them.
    pub fn contains(&self, d: u64) -> bool {
        self.0.binary_search(&d).is_ok()
    }

    /// How many.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// One input of an import run, as the ledger keeps it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct InputEntry {
    /// The path given (`-` for standard input).
    pub path: String,
    /// SHA-256 of its bytes as read (compressed, if it was).
    pub sha256: String,
    /// Its size in bytes.
    pub bytes: u64,
    /// The format it was read as.
    pub format: String,
    /// Records read, rows written, records skipped, duplicates of earlier imports.
    pub records: u64,
    /// Rows written.
    pub rows: u64,
    /// Records skipped as malformed.
    pub skipped: u64,
    /// Records an earlier import had taken.
    pub duplicates: u64,
    /// Read to its end with nothing skipped: a later run may skip the file whole.
    pub complete: bool,
}

/// One import run, as the ledger keeps it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RunEntry {
    /// The run's ingest id (the `ingest_id` column of its rows).
    pub ingest_id: String,
    /// When it ended, RFC 3339.
    pub finished: String,
    /// What it read.
    pub inputs: Vec<InputEntry>,
}

/// What earlier runs took.
#[derive(Debug, Default)]
pub struct Ledger {
    /// Inputs by SHA-256, with the run that took them.
    pub inputs: HashMap<String, (String, InputEntry)>,
    /// Every record digest taken.
    pub digests: Digests,
}

fn dir(store: &Store) -> PathBuf {
    store.root().join(LEDGER_DIR)
}

fn read_err(path: &Path, e: impl std::fmt::Display) -> StoreError {
    StoreError::Manifest {
        path: path.to_path_buf(),
        message: format!("import ledger: {e}"),
    }
}

fn write_file(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), StoreError> {
    write_atomic(dir, name, |w| {
        use std::io::Write as _;
        w.write_all(bytes).map_err(io_err(&dir.join(name)))
    })?;
    Ok(())
}

impl Ledger {
    /// The ledger of `store` (empty when nothing was imported).
    pub fn load(store: &Store) -> Result<Ledger, StoreError> {
        let mut ledger = Ledger::default();
        let d = dir(store);
        let Ok(entries) = fs::read_dir(&d) else {
            return Ok(ledger);
        };
        let mut digests = Vec::new();
        for e in entries {
            let path = e.map_err(|e| read_err(&d, e))?.path();
            match path.extension().and_then(|x| x.to_str()) {
                Some("json") => {
                    let text = fs::read_to_string(&path).map_err(|e| read_err(&path, e))?;
                    let run: RunEntry =
                        serde_json::from_str(&text).map_err(|e| read_err(&path, e))?;
                    for i in run.inputs {
                        ledger
                            .inputs
                            .insert(i.sha256.clone(), (run.ingest_id.clone(), i));
                    }
                }
                Some("digests") => {
                    let bytes = fs::read(&path).map_err(|e| read_err(&path, e))?;
                    digests.extend(
                        bytes
                            .chunks_exact(8)
                            .map(|c| u64::from_le_bytes(c.try_into().unwrap_or([0; 8]))),
                    );
                }
                _ => {}
            }
        }
        ledger.digests = Digests::from_unsorted(digests);
        Ok(ledger)
    }

    /// Records what run `run` took: its digests first, then its entry (the entry is what
    /// makes an input count as imported).
    pub fn append(
        store: &Store,
        run: &RunEntry,
        taken: impl IntoIterator<Item = u64>,
    ) -> Result<(), StoreError> {
        let d = dir(store);
        let taken = Digests::from_unsorted(taken.into_iter().collect());
        let bytes: Vec<u8> = taken.0.iter().flat_map(|x| x.to_le_bytes()).collect();
        write_file(&d, &format!("{}.digests", run.ingest_id), &bytes)?;
        let json = serde_json::to_vec_pretty(run).map_err(|e| read_err(&d, e))?;
        write_file(&d, &format!("{}.json", run.ingest_id), &json)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_is_found_again_by_input_and_by_record() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::create(dir.path()).unwrap();
        assert!(Ledger::load(&store).unwrap().digests.is_empty());
        let input = InputEntry {
            path: "/var/log/audit/audit.log".into(),
            sha256: "ab".repeat(32),
            bytes: 10,
            format: "auditd".into(),
            records: 2,
            rows: 2,
            skipped: 0,
            duplicates: 0,
            complete: true,
        };
        let run = RunEntry {
            ingest_id: "run-1".into(),
            finished: "2026-12-02T10:00:00Z".into(),
            inputs: vec![input.clone()],
        };
        Ledger::append(&store, &run, vec![digest(b"b"), digest(b"a")]).unwrap();
        let l = Ledger::load(&store).unwrap();
        assert_eq!(l.inputs[&input.sha256], ("run-1".to_string(), input));
        assert!(l.digests.contains(digest(b"a")) && l.digests.contains(digest(b"b")));
        assert!(!l.digests.contains(digest(b"c")));
    }
}
