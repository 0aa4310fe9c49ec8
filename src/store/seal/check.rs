//! `trace verify`: the seal journal's chain, its head, and every file of the store against it.
//!
//! Order, so that writers and compactions running meanwhile raise no false alarm: list the
//! files, read the journal and head (under the shared lock), hash every file, and finally
//! read the journal again: a problem that entries appended since explain (a file sealed just
//! after the listing, a file a compaction removed while it was hashed) is dropped.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use walkdir::WalkDir;

use super::{GENESIS, Head, JournalLock, Line, SEAL_DIR, Sealed, hash_of, read_head, read_journal};
use crate::store::atomic::hex;
use crate::store::manifest::{INDEX_DIR, Manifest, is_compacted};
use crate::store::{MARKER, Store, StoreError, io_err};

/// One thing wrong with a store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// A sealed file whose content differs.
    Altered {
        /// Path relative to the store.
        path: String,
        /// SHA-256 as sealed.
        sealed: String,
        /// SHA-256 found.
        found: String,
    },
    /// A sealed file that is gone, though no entry removed it.
    Missing {
        /// Path relative to the store.
        path: String,
        /// The entry that sealed it.
        seq: u64,
    },
    /// A file that no entry sealed (added after the fact, or written by a process that died
    /// between writing and sealing it).
    Unsealed {
        /// Path relative to the store.
        path: String,
    },
    /// A journal line that is not an intact entry, or does not follow the one before.
    Chain {
        /// 1-based line of `_seal/journal.jsonl`.
        line: usize,
        /// What is wrong.
        why: String,
    },
    /// The head disagrees with the journal's last entry (a journal cut short, a head
    /// replaced), or a head recorded elsewhere is not in the chain.
    Head {
        /// What is wrong.
        why: String,
    },
    /// A file that could not be read.
    Unreadable {
        /// Path relative to the store.
        path: String,
        /// The error.
        error: String,
    },
}

impl Problem {
    fn path(&self) -> Option<&str> {
        match self {
            Problem::Altered { path, .. }
            | Problem::Missing { path, .. }
            | Problem::Unsealed { path }
            | Problem::Unreadable { path, .. } => Some(path),
            _ => None,
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Altered {
                path,
                sealed,
                found,
            } => write!(f, "altered: {path} (sealed sha256 {sealed}, found {found})"),
            Problem::Missing { path, seq } => {
                write!(f, "missing: {path} (sealed by entry {seq}, never removed)")
            }
            Problem::Unsealed { path } => write!(f, "unsealed: {path} (no entry seals it)"),
            Problem::Chain { line, why } => {
                write!(f, "chain: {SEAL_DIR}/journal.jsonl line {line}: {why}")
            }
            Problem::Head { why } => write!(f, "head: {why}"),
            Problem::Unreadable { path, error } => write!(f, "unreadable: {path}: {error}"),
        }
    }
}

/// What [`check`] found.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// False when the store has neither journal nor head (written before sealing existed).
    pub sealed: bool,
    /// Journal entries read.
    pub entries: u64,
    /// The head as found.
    pub head: Option<Head>,
    /// Files hashed.
    pub files: u64,
    /// Bytes hashed.
    pub bytes: u64,
    /// Everything wrong, in the order found.
    pub problems: Vec<Problem>,
    /// Harmless leftovers (replaced inputs a compaction has yet to remove, orphans of an
    /// interrupted compaction that readers ignore), one line each.
    pub notes: Vec<String>,
}

/// The state the journal describes.
#[derive(Debug, Default)]
struct Chain {
    live: BTreeMap<String, (Sealed, u64)>,
    removed: BTreeMap<String, String>,
    hashes: BTreeSet<String>,
    last: Option<Head>,
    entries: u64,
    problems: Vec<Problem>,
}

fn replay(lines: &[Line]) -> Chain {
    let mut c = Chain::default();
    let mut prev = Head {
        seq: 0,
        hash: GENESIS.to_string(),
    };
    for line in lines {
        let e = match &line.parsed {
            Ok(e) => e,
            Err(why) => {
                c.problems.push(Problem::Chain {
                    line: line.number,
                    why: format!("not an entry: {why}"),
                });
                continue;
            }
        };
        c.entries += 1;
        if hash_of(&e.body) != e.hash {
            c.problems.push(Problem::Chain {
                line: line.number,
                why: format!(
                    "entry {} was altered (its hash does not match its content)",
                    e.body.seq
                ),
            });
        }
        if e.body.seq != prev.seq + 1 || e.body.prev != prev.hash {
            c.problems.push(Problem::Chain {
                line: line.number,
                why: format!(
                    "entry {} does not follow entry {} (entries removed, inserted or reordered)",
                    e.body.seq, prev.seq
                ),
            });
        }
        for r in &e.body.remove {
            if let Some((s, _)) = c.live.remove(r) {
                c.removed.insert(r.clone(), s.sha256);
            }
        }
        for a in &e.body.add {
            c.removed.remove(&a.path);
            c.live.insert(a.path.clone(), (a.clone(), e.body.seq));
        }
        c.hashes.insert(e.hash.clone());
        prev = Head {
            seq: e.body.seq,
            hash: e.hash.clone(),
        };
        c.last = Some(prev.clone());
    }
    c
}

/// The files `trace verify` holds to the journal: data files, index files and the manifest.
/// Not the marker, the import ledger, the journal itself, locks or hidden temporary files.
pub fn store_files(root: &Path) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    for e in WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            let name = e.file_name().to_string_lossy();
            e.depth() == 0
                || !(name.starts_with('.')
                    || (e.depth() == 1
                        && e.file_type().is_dir()
                        && name.starts_with('_')
                        && name != INDEX_DIR))
        })
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
    {
        let rel = e
            .path()
            .strip_prefix(root)
            .unwrap_or(e.path())
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        if rel == MARKER || rel.ends_with(".tmp") {
            continue;
        }
        out.push((rel, e.path().to_path_buf()));
    }
    out
}

/// SHA-256 and size of a file, streamed.
pub fn digest_file(path: &Path) -> std::io::Result<(String, u64)> {
    let mut f = File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut n = 0u64;
    loop {
        let k = f.read(&mut buf)?;
        if k == 0 {
            break;
        }
        h.update(&buf[..k]);
        n += k as u64;
    }
    Ok((hex(&h.finalize()), n))
}

fn read_chain(root: &Path) -> Result<(Vec<Line>, Option<Head>), StoreError> {
    let _lock = JournalLock::acquire(root, false)?;
    let lines = read_journal(root)?;
    let head = read_head(root)?;
    Ok((lines, head))
}

/// What is wrong with a replayed chain, its head and a head recorded elsewhere.
fn chain_problems(chain: &Chain, head: Option<&Head>, expect_head: Option<&str>) -> Vec<Problem> {
    let mut out = chain.problems.clone();
    match (head, &chain.last) {
        (None, Some(last)) => out.push(Problem::Head {
            why: format!("{SEAL_DIR}/head.json is missing (the journal ends at entry {})", last.seq),
        }),
        (Some(h), None) => out.push(Problem::Head {
            why: format!("the journal is empty or missing but the head names entry {}", h.seq),
        }),
        (Some(h), Some(last)) if h != last => out.push(Problem::Head {
            why: format!(
                "the head names entry {} but the journal ends at entry {} (journal cut short, or head replaced)",
                h.seq, last.seq
            ),
        }),
        _ => {}
    }
    if let Some(want) = expect_head
        && !chain.hashes.contains(want)
    {
        out.push(Problem::Head {
            why: format!(
                "the recorded head {want} is not an entry of this chain (journal rewritten)"
            ),
        });
    }
    out
}

/// The journal and head under `root` alone (a copy in a case bundle, without the files):
/// entries read, the head, and what is wrong with the chain.
pub fn check_journal(
    root: &Path,
    expect_head: Option<&str>,
) -> Result<(u64, Option<Head>, Vec<Problem>), StoreError> {
    let (lines, head) = (read_journal(root)?, read_head(root)?);
    let chain = replay(&lines);
    let problems = chain_problems(&chain, head.as_ref(), expect_head);
    Ok((chain.entries, head, problems))
}

/// Checks `store`. `expect_head`: a head hash recorded elsewhere earlier, which must be an
/// entry of the chain (catches a journal and head rewritten together). `progress` is called
/// with the bytes of each file hashed.
pub fn check(
    store: &Store,
    expect_head: Option<&str>,
    progress: &mut dyn FnMut(u64),
) -> Result<Report, StoreError> {
    let root = store.root();
    let files = store_files(root);
    let (lines, head) = read_chain(root)?;
    let mut report = Report {
        sealed: !lines.is_empty() || head.is_some(),
        head: head.clone(),
        ..Default::default()
    };
    let chain = replay(&lines);
    report.entries = chain.entries;
    report
        .problems
        .extend(chain_problems(&chain, head.as_ref(), expect_head));
    let manifest = Manifest::read(root).ok().flatten();
    let listed: BTreeSet<&str> = manifest
        .iter()
        .flat_map(|m| m.files.iter().map(|f| f.path.as_str()))
        .collect();
    let present: BTreeSet<&str> = files.iter().map(|(r, _)| r.as_str()).collect();
    let mut file_problems = Vec::new();
    let mut found_digests: BTreeMap<String, String> = BTreeMap::new();
    for (rel, abs) in &files {
        match chain.live.get(rel) {
            Some((s, _)) => match digest_file(abs) {
                Ok((sha, n)) => {
                    report.files += 1;
                    report.bytes += n;
                    progress(n);
                    if sha != s.sha256 {
                        found_digests.insert(rel.clone(), sha.clone());
                        file_problems.push(Problem::Altered {
                            path: rel.clone(),
                            sealed: s.sha256.clone(),
                            found: sha,
                        });
                    }
                }
                Err(e) => file_problems.push(Problem::Unreadable {
                    path: rel.clone(),
                    error: e.to_string(),
                }),
            },
            None if chain
                .removed
                .get(rel)
                .is_some_and(|sha| digest_file(abs).is_ok_and(|(found, _)| &found == sha)) =>
            {
                report.notes.push(format!(
                    "{rel}: removed by the journal, still present (an interrupted compaction; the next `trace compact` removes it)"
                ));
            }
            None if is_compacted(abs) && !listed.contains(rel.as_str()) => {
                report.notes.push(format!("{rel}: left by an interrupted compaction, ignored by readers (the next `trace compact` removes it)"));
            }
            None => file_problems.push(Problem::Unsealed { path: rel.clone() }),
        }
    }
    for (path, (_, seq)) in &chain.live {
        if !present.contains(path.as_str()) {
            file_problems.push(Problem::Missing {
                path: path.clone(),
                seq: *seq,
            });
        }
    }
    if !file_problems.is_empty() && report.sealed {
        // Entries appended since the first read may explain them.
        let (lines, _) = read_chain(root)?;
        if lines.len() > chain.entries as usize {
            let later = replay(&lines);
            file_problems.retain(|p| still_wrong(p, &later, root, &found_digests));
        }
    }
    if report.sealed {
        report.problems.extend(file_problems);
    } else {
        report.files = files.len() as u64;
    }
    Ok(report)
}

fn still_wrong(p: &Problem, later: &Chain, root: &Path, found: &BTreeMap<String, String>) -> bool {
    let Some(path) = p.path() else { return true };
    match p {
        Problem::Missing { .. } => later.live.contains_key(path) && !root.join(path).exists(),
        Problem::Unsealed { .. } => match later.live.get(path) {
            Some((s, _)) => digest_file(&root.join(path)).map_or(true, |(sha, _)| sha != s.sha256),
            None => root.join(path).exists() && !later.removed.contains_key(path),
        },
        Problem::Altered { .. } => match later.live.get(path) {
            Some((s, _)) => found.get(path) != Some(&s.sha256),
            None => false,
        },
        _ => true,
    }
}

/// `trace seal`: seals the files no entry seals (a store written before sealing existed, or
/// a file whose writer died before sealing it), in one `adopt` entry. Never re-seals an
/// altered file. Returns what it sealed.
pub fn adopt(store: &Store) -> Result<Vec<Sealed>, StoreError> {
    let root = store.root();
    let (lines, _) = read_chain(root)?;
    let chain = replay(&lines);
    let manifest = Manifest::read(root).ok().flatten();
    let listed: BTreeSet<String> = manifest
        .iter()
        .flat_map(|m| m.files.iter().map(|f| f.path.clone()))
        .collect();
    let replaced: BTreeSet<String> = manifest
        .iter()
        .flat_map(|m| m.replaced.iter().map(|r| r.path.clone()))
        .collect();
    let mut add = Vec::new();
    for (rel, abs) in store_files(root) {
        if chain.live.contains_key(&rel)
            || replaced.contains(&rel)
            || chain.removed.contains_key(&rel)
            || (is_compacted(&abs) && !listed.contains(&rel))
        {
            continue;
        }
        let (sha256, bytes) = digest_file(&abs).map_err(io_err(&abs))?;
        add.push(Sealed {
            path: rel,
            bytes,
            sha256,
        });
    }
    if !add.is_empty() || chain.last.is_none() {
        super::record(store, "adopt", add.clone(), Vec::new())?;
    }
    Ok(add)
}
