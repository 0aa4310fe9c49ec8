//! The seal journal: every data and index file of a store, with its SHA-256, in an
//! append-only hash chain, so that a file or journal entry altered, removed, added or
//! reordered after the fact is detectable (`trace verify`, [`check`]).
//!
//! ```text
//! <root>/_seal/journal.jsonl   one entry per line: seq, prev, at, op, add[], remove[], hash
//! <root>/_seal/head.json       {"seq": N, "hash": "<hash of entry N>"}, replaced atomically
//! <root>/_seal/lock            appenders hold an exclusive lock on it (flock)
//! ```
//!
//! An entry's `hash` is SHA-256 over the previous entry's hash, a newline, and the entry's
//! JSON without `hash`; the first entry's `prev` is 64 zeros. Writers seal a file right after
//! the atomic writer renamed it into place ([`record`]): the writer's fresh files (op
//! `write`), a compaction's outputs, index files and manifest and the inputs it removed (op
//! `compact`), files adopted by `trace seal` (op `adopt`). The head, a separate file, catches
//! a journal cut short at an entry boundary; a head recorded elsewhere (`trace verify` prints
//! it) catches a journal and head rewritten together, which nothing inside the store can.

pub mod check;

use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::atomic::{Written, hex, write_atomic};
use super::{Store, StoreError, io_err};

/// Directory (under the store root) of the journal, its head and its lock.
pub const SEAL_DIR: &str = "_seal";
/// The journal file name in [`SEAL_DIR`].
pub const JOURNAL: &str = "journal.jsonl";
/// The head file name in [`SEAL_DIR`].
pub const HEAD: &str = "head.json";
/// `prev` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// A file as sealed.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Sealed {
    /// Path relative to the store root, `/`-separated.
    pub path: String,
    /// Size in bytes.
    pub bytes: u64,
    /// SHA-256, lowercase hex.
    pub sha256: String,
}

/// The hashed part of an entry (field order is the hash input's).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Body {
    /// 1 for the first entry, then +1.
    pub seq: u64,
    /// The previous entry's hash ([`GENESIS`] for the first).
    pub prev: String,
    /// When it was appended, ns since the epoch.
    pub at: i64,
    /// What sealed it: `write`, `compact`, `adopt`.
    pub op: String,
    /// Files that came to exist (or were replaced in place, like the manifest).
    pub add: Vec<Sealed>,
    /// Files that were removed.
    pub remove: Vec<String>,
}

/// One journal line.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Entry {
    /// What the hash covers.
    #[serde(flatten)]
    pub body: Body,
    /// SHA-256 of `prev`, `\n` and the body's JSON.
    pub hash: String,
}

/// The head file: the last entry appended.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Head {
    /// Its sequence number.
    pub seq: u64,
    /// Its hash.
    pub hash: String,
}

/// The hash of a body.
pub fn hash_of(body: &Body) -> String {
    let json = serde_json::to_vec(body).unwrap_or_default();
    let mut h = Sha256::new();
    h.update(body.prev.as_bytes());
    h.update(b"\n");
    h.update(&json);
    hex(&h.finalize())
}

fn seal_dir(root: &Path) -> PathBuf {
    root.join(SEAL_DIR)
}

/// The journal's path under `root`.
pub fn journal_path(root: &Path) -> PathBuf {
    seal_dir(root).join(JOURNAL)
}

/// The head's path under `root`.
pub fn head_path(root: &Path) -> PathBuf {
    seal_dir(root).join(HEAD)
}

/// An exclusive (appenders) or shared (readers) lock on the journal, released on drop.
pub struct JournalLock {
    file: File,
    exclusive: bool,
}

impl JournalLock {
    /// Waits for the lock.
    pub fn acquire(root: &Path, exclusive: bool) -> Result<JournalLock, StoreError> {
        let dir = seal_dir(root);
        fs::create_dir_all(&dir).map_err(io_err(&dir))?;
        let path = dir.join("lock");
        let f = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io_err(&path))?;
        if exclusive {
            f.lock().map_err(io_err(&path))?;
        } else {
            f.lock_shared().map_err(io_err(&path))?;
        }
        Ok(JournalLock { file: f, exclusive })
    }
}

impl Drop for JournalLock {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

/// Reads the head; `None` when absent.
pub fn read_head(root: &Path) -> Result<Option<Head>, StoreError> {
    let path = head_path(root);
    match fs::read_to_string(&path) {
        Ok(t) => serde_json::from_str(&t)
            .map(Some)
            .map_err(|e| StoreError::Manifest {
                path,
                message: format!("seal head: {e}"),
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_err(&path)(e)),
    }
}

/// A file written by the atomic writer, as sealed (its path relative to the store).
pub fn sealed(store: &Store, w: &Written) -> Sealed {
    Sealed {
        path: store.relative(&w.path),
        bytes: w.bytes,
        sha256: w.sha256.clone(),
    }
}

/// Appends one entry sealing `add` and recording `remove` (paths relative to the store).
/// Holds the exclusive lock; the entry is fsynced before the head is replaced. A missing or
/// unreadable head starts the chain from its last line as found (verify names the break).
pub fn record(
    store: &Store,
    op: &str,
    add: Vec<Sealed>,
    remove: Vec<String>,
) -> Result<Head, StoreError> {
    let lock = JournalLock::acquire(store.root(), true)?;
    record_held(store, &lock, op, add, remove)
}

/// [`record`] under an exclusive lock the caller already holds (a writer holds it from the
/// moment it stamps `ingest_time` until the file is sealed, so that `trace export`, which
/// takes the shared lock to read the clock and list the store, never misses a file whose
/// stamp is older than its cursor).
pub fn record_held(
    store: &Store,
    lock: &JournalLock,
    op: &str,
    add: Vec<Sealed>,
    remove: Vec<String>,
) -> Result<Head, StoreError> {
    debug_assert!(lock.exclusive);
    let root = store.root();
    let prev = match read_head(root).ok().flatten() {
        Some(h) => h,
        None => last_entry(root)?
            .map(|e| Head {
                seq: e.body.seq,
                hash: e.hash,
            })
            .unwrap_or(Head {
                seq: 0,
                hash: GENESIS.to_string(),
            }),
    };
    let body = Body {
        seq: prev.seq + 1,
        prev: prev.hash,
        at: crate::timefmt::now_ns(),
        op: op.to_string(),
        add,
        remove,
    };
    let hash = hash_of(&body);
    let entry = Entry { body, hash };
    let mut line = serde_json::to_vec(&entry).map_err(|e| StoreError::Manifest {
        path: journal_path(root),
        message: e.to_string(),
    })?;
    line.push(b'\n');
    let path = journal_path(root);
    let mut f = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(io_err(&path))?;
    f.write_all(&line).map_err(io_err(&path))?;
    f.sync_data().map_err(io_err(&path))?;
    let head = Head {
        seq: entry.body.seq,
        hash: entry.hash,
    };
    let bytes = serde_json::to_vec(&head).unwrap_or_default();
    let dir = seal_dir(root);
    write_atomic(&dir, HEAD, |w| {
        w.write_all(&bytes).map_err(io_err(&head_path(root)))
    })?;
    Ok(head)
}

fn last_entry(root: &Path) -> Result<Option<Entry>, StoreError> {
    let mut last = None;
    for line in read_journal(root)? {
        if let Ok(e) = line.parsed {
            last = Some(e);
        }
    }
    Ok(last)
}

/// One line of the journal as read.
#[derive(Debug)]
pub struct Line {
    /// 1-based line number.
    pub number: usize,
    /// The entry, or why the line is not one.
    pub parsed: Result<Entry, String>,
}

/// Every line of the journal (empty when there is none).
pub fn read_journal(root: &Path) -> Result<Vec<Line>, StoreError> {
    let path = journal_path(root);
    let f = match File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io_err(&path)(e)),
    };
    let mut out = Vec::new();
    for (i, line) in BufReader::new(f).split(b'\n').enumerate() {
        let line = line.map_err(io_err(&path))?;
        if line.is_empty() {
            continue;
        }
        let parsed = serde_json::from_slice::<Entry>(&line).map_err(|e| e.to_string());
        out.push(Line {
            number: i + 1,
            parsed,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
