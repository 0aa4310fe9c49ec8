//! `trace case`: a story bundled as evidence that can be checked on another machine.
//!
//! ```text
//! case/
//!   story.txt story-table.txt story.json story.md story.dot story.html   the story, every format
//!   events.parquet          the rows it rests on, each with its store file and row number
//!   case.duckdb             the same rows and the subject's host, container and loss records
//!   store/_seal/…           the store's seal journal and head when the case was made
//!   case.json               what, when, from which store (head), the source files and digests
//!   SHA256SUMS              `sha256sum -c` list of every other file
//! ```
//!
//! Each row of `events.parquet` names its store file (`source_file`) and row
//! (`source_row`); `case.json` gives each source file's SHA-256 as found and as sealed in the
//! journal copy; the journal copy chains to the head. [`check::check_case`] re-hashes the
//! bundle, replays the journal copy and ties the rows to it (`trace verify case/`). The
//! SHA-256 of `SHA256SUMS` is the case's digest: recorded elsewhere, it catches a bundle
//! rewritten as a whole.

pub mod check;
mod events;

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::query::{Engine, QueryError};
use crate::render::story::{StoryFormat, render_story};
use crate::store::StoreError;
use crate::store::atomic::{hex, write_atomic};
use crate::store::seal::check::digest_file;
use crate::store::seal::{self, Head, JournalLock, SEAL_DIR};
use crate::story::{StoryError, StoryRequest, build, grounds};

/// Version tag of `case.json`.
pub const CASE_FORMAT: &str = "trace.case/1";
/// The case's description.
pub const MANIFEST: &str = "case.json";
/// The digest list.
pub const SUMS: &str = "SHA256SUMS";
/// The rows, as Parquet.
pub const EVENTS: &str = "events.parquet";
/// The rows and side records, as one DuckDB database.
pub const DATABASE: &str = "case.duckdb";
/// Where the journal copy lives (as a store root: `store/_seal/journal.jsonl`).
pub const STORE_COPY: &str = "store";

/// Why a case could not be made or read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CaseError {
    /// The story could not be told.
    #[error(transparent)]
    Story(#[from] StoryError),
    /// A query failed.
    #[error(transparent)]
    Query(#[from] QueryError),
    /// The store could not be read.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The output exists.
    #[error("{0} exists and is not empty: give a new directory for the case")]
    Exists(PathBuf),
    /// A file of the bundle could not be written or read.
    #[error("{path}: {error}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        error: std::io::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> CaseError + '_ {
    move |error| CaseError::Io {
        path: path.to_path_buf(),
        error,
    }
}

/// `case.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CaseManifest {
    /// Always [`CASE_FORMAT`].
    pub format: String,
    /// The trace version that made it.
    pub trace_version: String,
    /// When it was made, ns since the epoch.
    pub created: i64,
    /// `container` or `process`.
    pub subject_kind: String,
    /// Container id or process key.
    pub subject: String,
    /// What was asked: the reference as given, the window (ns) and the pivot depth.
    pub request: Request,
    /// The window of the subject's events, ns.
    pub window: (i64, i64),
    /// The store it was made from.
    pub store: StoreRef,
    /// Rows in `events.parquet`, per family.
    pub events: BTreeMap<String, u64>,
    /// The store files the rows came from.
    pub sources: Vec<Source>,
}

/// What was asked.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Request {
    /// The container reference or process as given.
    pub reference: String,
    /// `--since`, ns.
    pub since: Option<i64>,
    /// `--until`, ns.
    pub until: Option<i64>,
    /// Pivot hops.
    pub depth: u32,
}

/// The store a case was made from.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StoreRef {
    /// Its root as given.
    pub root: String,
    /// The journal's head when the case was made (`None`: the store is not sealed).
    pub head: Option<Head>,
}

/// One store file rows came from.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Source {
    /// Path relative to the store root.
    pub path: String,
    /// Rows of the case from it.
    pub rows: u64,
    /// Its size when the case was made (`None`: gone by then, a compaction replaced it).
    pub bytes: Option<u64>,
    /// Its SHA-256 when the case was made.
    pub sha256: Option<String>,
    /// The journal entry that sealed it and the SHA-256 sealed (`None`: not sealed).
    pub sealed: Option<SealRef>,
}

/// A journal entry's seal of a file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SealRef {
    /// The entry.
    pub seq: u64,
    /// The SHA-256 it sealed.
    pub sha256: String,
}

impl Source {
    /// True when the file was found as sealed.
    pub fn intact(&self) -> bool {
        match (&self.sha256, &self.sealed) {
            (Some(found), Some(s)) => *found == s.sha256,
            _ => false,
        }
    }
}

/// What [`make_case`] wrote.
#[derive(Debug, Clone)]
pub struct Made {
    /// The bundle's directory.
    pub dir: PathBuf,
    /// Its description.
    pub manifest: CaseManifest,
    /// The SHA-256 of `SHA256SUMS`.
    pub digest: String,
    /// Files in the bundle (with `SHA256SUMS`).
    pub files: usize,
}

/// Tells the story of `req` from `engine` and writes it with its evidence into `out`, which
/// must not exist or be an empty directory. The bundle is assembled beside `out` under a
/// hidden name and renamed into place: `out` appears complete or not at all.
pub fn make_case(engine: &Engine, req: &StoryRequest, out: &Path) -> Result<Made, CaseError> {
    let story = build(engine, req)?;
    if out.exists() {
        let empty = fs::read_dir(out).map_err(io(out))?.next().is_none();
        if !out.is_dir() || !empty {
            return Err(CaseError::Exists(out.to_path_buf()));
        }
    }
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).map_err(io(&parent))?;
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "case".into());
    let staging = parent.join(format!(".{name}.partial-{}", std::process::id()));
    let _ = fs::remove_dir_all(&staging);
    fs::create_dir_all(&staging).map_err(io(&staging))?;
    let result = (|| {
        for f in StoryFormat::ALL {
            let text = render_story(&story, f, false);
            put(&staging, f.file_name(), text.as_bytes())?;
        }
        let extracted = events::extract(engine, &grounds(&story, req), &staging)?;
        let head = copy_journal(engine.store().root(), &staging)?;
        let sources = sources(engine.store().root(), &staging, extracted.sources)?;
        let reference = match &req.subject {
            crate::story::StorySubject::Container(r) => r.clone(),
            crate::story::StorySubject::Process(k) => k.clone(),
            crate::story::StorySubject::Pid { host, pid } => format!("pid {pid} on {host}"),
        };
        let manifest = CaseManifest {
            format: CASE_FORMAT.into(),
            trace_version: env!("CARGO_PKG_VERSION").into(),
            created: crate::timefmt::now_ns(),
            subject_kind: story.subject.kind.into(),
            subject: story.subject.id.clone(),
            request: Request {
                reference,
                since: req.since,
                until: req.until,
                depth: req.depth,
            },
            window: (story.window.since, story.window.until),
            store: StoreRef {
                root: engine.store().root().display().to_string(),
                head,
            },
            events: extracted.by_family,
            sources,
        };
        let json = serde_json::to_vec_pretty(&manifest).unwrap_or_default();
        put(&staging, MANIFEST, &json)?;
        let (digest, files) = write_sums(&staging)?;
        Ok((manifest, digest, files))
    })();
    let (manifest, digest, files) = match result {
        Ok(r) => r,
        Err(e) => {
            let _ = fs::remove_dir_all(&staging);
            return Err(e);
        }
    };
    if out.exists() {
        fs::remove_dir(out).map_err(io(out))?;
    }
    fs::rename(&staging, out).map_err(io(out))?;
    crate::store::atomic::sync_dir(&parent)?;
    Ok(Made {
        dir: out.to_path_buf(),
        manifest,
        digest,
        files,
    })
}

fn put(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), CaseError> {
    write_atomic(dir, name, |w| {
        w.write_all(bytes)
            .map_err(crate::store::io_err(&dir.join(name)))
    })?;
    Ok(())
}

/// Copies the store's journal and head (under the journal's shared lock, so the two agree)
/// into the bundle; the head copied, `None` when the store is not sealed.
fn copy_journal(root: &Path, staging: &Path) -> Result<Option<Head>, CaseError> {
    let _lock = JournalLock::acquire(root, false)?;
    let head = seal::read_head(root)?;
    let dir = staging.join(STORE_COPY).join(SEAL_DIR);
    for from in [seal::journal_path(root), seal::head_path(root)] {
        if from.exists() {
            fs::create_dir_all(&dir).map_err(io(&dir))?;
            let to = dir.join(from.file_name().unwrap_or_default());
            fs::copy(&from, &to).map_err(io(&from))?;
        }
    }
    Ok(head)
}

/// Each source file with its digest now and as the journal copy sealed it last.
fn sources(
    root: &Path,
    staging: &Path,
    rows: Vec<(String, u64)>,
) -> Result<Vec<Source>, CaseError> {
    let mut sealed: BTreeMap<&str, SealRef> = BTreeMap::new();
    let lines = seal::read_journal(&staging.join(STORE_COPY))?;
    let entries: Vec<seal::Entry> = lines.into_iter().filter_map(|l| l.parsed.ok()).collect();
    let wanted: std::collections::BTreeSet<&str> = rows.iter().map(|(p, _)| p.as_str()).collect();
    for e in &entries {
        for a in &e.body.add {
            if let Some(p) = wanted.get(a.path.as_str()) {
                sealed.insert(
                    p,
                    SealRef {
                        seq: e.body.seq,
                        sha256: a.sha256.clone(),
                    },
                );
            }
        }
    }
    let mut out = Vec::new();
    for (path, n) in &rows {
        let found = match digest_file(&root.join(path)) {
            Ok(d) => Some(d),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(io(&root.join(path))(e)),
        };
        out.push(Source {
            path: path.clone(),
            rows: *n,
            bytes: found.as_ref().map(|(_, b)| *b),
            sha256: found.map(|(s, _)| s),
            sealed: sealed.get(path.as_str()).cloned(),
        });
    }
    Ok(out)
}

/// Every file of the bundle but [`SUMS`], relative, `/`-separated, sorted.
pub(crate) fn bundle_files(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut out: Vec<(String, PathBuf)> = walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(dir)
                .unwrap_or(e.path())
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            (rel, e.path().to_path_buf())
        })
        .filter(|(rel, _)| rel != SUMS)
        .collect();
    out.sort();
    out
}

/// Writes `SHA256SUMS` (`sha256sum -c` format) over every other file; returns its own
/// SHA-256 (the case's digest) and the number of files in the bundle.
fn write_sums(dir: &Path) -> Result<(String, usize), CaseError> {
    let mut text = String::new();
    let files = bundle_files(dir);
    for (rel, abs) in &files {
        let (sha, _) = digest_file(abs).map_err(io(abs))?;
        text.push_str(&format!("{sha}  {rel}\n"));
    }
    put(dir, SUMS, text.as_bytes())?;
    Ok((hex(&Sha256::digest(text.as_bytes())), files.len() + 1))
}
