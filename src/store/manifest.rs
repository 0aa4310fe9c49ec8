//! The manifest of compacted files and the consistent listing of a store.
//!
//! `trace compact` ([`super::compact`]) rewrites the files of a partition into larger files
//! sorted by `(container_id, time)`. Readers must never see an event twice (the inputs and the
//! file that replaces them) nor miss one, whatever moment they list the store at. The rule:
//!
//! - compacted files carry a `.c.parquet` suffix and are read only when the current manifest
//!   (`_index/manifest.json`, replaced atomically by rename) lists them;
//! - the manifest also lists the files its generation replaced (`replaced`); they are never
//!   read, even while they still exist;
//! - a reader lists the directories first and reads the manifest second, then reads
//!   `(listed files − replaced − compacted files the manifest does not list) ∪ manifest files`.
//!
//! A compaction writes its outputs (invisible: not yet in the manifest), commits the manifest
//! that lists them and names their inputs as replaced, and only then removes the inputs. A
//! reader that listed before the commit and reads the old manifest sees the inputs; one that
//! reads the new manifest sees the outputs, whether it listed before or after. Replaced names
//! stay in the manifest for an hour after their removal, so a reader whose listing predates a
//! removal never reads a removed input beside its output.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use walkdir::WalkDir;

pub use super::atomic::sync_dir;
use super::atomic::{Written, write_atomic};
use super::{Store, StoreError, io_err, is_data_file};
use crate::schema::Family;

/// Directory (under the store root) of the manifest and the index.
pub const INDEX_DIR: &str = "_index";
/// Manifest file name inside [`INDEX_DIR`].
pub const MANIFEST: &str = "manifest.json";
/// Format tag of the manifest.
pub const MANIFEST_FORMAT: &str = "trace.manifest/1";
/// Suffix of compacted data files.
pub const COMPACTED_SUFFIX: &str = ".c.parquet";

/// One compacted file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct FileEntry {
    /// Path relative to the store root, `/`-separated.
    pub path: String,
    /// Family name.
    pub family: String,
    /// The host id of its rows.
    pub host_id: String,
    /// Rows.
    pub rows: u64,
    /// Earliest row time, ns.
    pub min_time: i64,
    /// Latest row time, ns.
    pub max_time: i64,
    /// Size in bytes (absent in manifests written before it existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    /// SHA-256 of the file, lowercase hex (absent in manifests written before it existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

/// A file a compaction replaced (removed, or about to be).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Replaced {
    /// Path relative to the store root.
    pub path: String,
    /// When the compaction that replaced it committed, ns.
    pub removed_at: i64,
}

/// The index files of a generation (paths relative to the store root).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
pub struct IndexFiles {
    /// Postings: hashed key → file.
    pub keys: String,
    /// Process graph: child ↔ parent edges.
    pub graph: String,
    /// Distinct container ids of the compacted event files.
    pub container_ids: String,
    /// Copies of the compacted side-table rows (`hosts`, `containers`, `loss`), by family.
    pub side: BTreeMap<String, String>,
    /// People's host execs per compacted file: user, file, host, first, last, count, uid
    /// (absent in indexes written before it existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub users: Option<String>,
    /// The compacted container records folded, one row per container (absent in indexes
    /// written before it existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub folded_containers: Option<String>,
    /// SHA-256 of every index file above, by path (absent in indexes written before it
    /// existed).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sha256: BTreeMap<String, String>,
}

/// The manifest: what the last committed compaction left.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Manifest {
    /// Always [`MANIFEST_FORMAT`].
    pub format: String,
    /// Increases by one per committed compaction.
    pub generation: u64,
    /// Compacted files; a file's position is its id in the index.
    pub files: Vec<FileEntry>,
    /// Files replaced by compactions and not to be read.
    pub replaced: Vec<Replaced>,
    /// The index over `files`.
    pub index: IndexFiles,
}

impl Manifest {
    /// Reads the manifest of `root`; `None` when the store was never compacted.
    pub fn read(root: &Path) -> Result<Option<Manifest>, StoreError> {
        let path = root.join(INDEX_DIR).join(MANIFEST);
        let text = match fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_err(&path)(e)),
        };
        let bad = |message: String| StoreError::Manifest {
            path: path.clone(),
            message,
        };
        let v: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| bad(format!("not JSON: {e}")))?;
        match v.get("format") {
            Some(serde_json::Value::String(f)) if f == MANIFEST_FORMAT => {}
            other => {
                return Err(bad(format!(
                    "field `format` is {}, this trace reads {MANIFEST_FORMAT:?}: upgrade trace \
                     or run `trace compact` with the trace that wrote it",
                    other.map_or("missing".to_string(), |o| o.to_string())
                )));
            }
        }
        for field in ["generation", "files", "replaced", "index"] {
            if v.get(field).is_none() {
                return Err(bad(format!("field `{field}` is missing")));
            }
        }
        let m: Manifest = serde_json::from_value(v).map_err(|e| bad(e.to_string()))?;
        for f in &m.files {
            if Family::from_name(&f.family).is_none() {
                return Err(StoreError::Manifest {
                    path,
                    message: format!("field `files[].family` has unknown family {:?}", f.family),
                });
            }
            if f.path.starts_with('/') || f.path.split('/').any(|c| c == "..") {
                return Err(StoreError::Manifest {
                    path,
                    message: format!("field `files[].path` leaves the store: {:?}", f.path),
                });
            }
        }
        Ok(Some(m))
    }

    /// Writes the manifest with the store's atomic writer; returns its path and digest.
    pub fn write(&self, root: &Path) -> Result<Written, StoreError> {
        let dir = root.join(INDEX_DIR);
        let path = dir.join(MANIFEST);
        let body = serde_json::to_vec_pretty(self).map_err(|e| StoreError::Manifest {
            path: path.clone(),
            message: e.to_string(),
        })?;
        write_atomic(&dir, MANIFEST, |w| {
            w.write_all(&body).map_err(io_err(&path))
        })
    }
}

/// True for a compacted data file name.
pub fn is_compacted(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.ends_with(COMPACTED_SUFFIX))
}

/// A consistent view of a store's files.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// The manifest read (after listing).
    pub manifest: Option<Manifest>,
    /// Files written since the last compaction (not in the manifest), per family, sorted.
    pub fresh: BTreeMap<Family, Vec<PathBuf>>,
    /// Absolute paths of the manifest's files (index = file id).
    pub compacted: Vec<PathBuf>,
}

impl Snapshot {
    /// Every file to read for `family`: compacted and fresh, sorted.
    pub fn files(&self, family: Family) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = self.fresh.get(&family).cloned().unwrap_or_default();
        if let Some(m) = &self.manifest {
            out.extend(
                m.files
                    .iter()
                    .zip(&self.compacted)
                    .filter(|(e, _)| e.family == family.name())
                    .map(|(_, p)| p.clone()),
            );
        }
        out.sort();
        out
    }

    /// Fresh (uncompacted) files of `family`.
    pub fn fresh(&self, family: Family) -> &[PathBuf] {
        self.fresh.get(&family).map(Vec::as_slice).unwrap_or(&[])
    }
}

fn rel(root: &Path, p: &Path) -> String {
    p.strip_prefix(root)
        .unwrap_or(p)
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

impl Store {
    /// Lists the store then reads its manifest (in that order; see the module doc).
    pub fn snapshot(&self) -> Result<Snapshot, StoreError> {
        // The families are listed side by side (a store has thousands of partition
        // directories; a story lists them all before it reads anything).
        let list = |family: Family| -> Vec<PathBuf> {
            WalkDir::new(self.family_dir(family))
                .into_iter()
                .filter_map(Result::ok)
                .filter(|e| e.file_type().is_file() && is_data_file(e.path()))
                .map(|e| e.into_path())
                .collect()
        };
        let listed: BTreeMap<Family, Vec<PathBuf>> = std::thread::scope(|s| {
            let handles: Vec<_> = Family::ALL
                .iter()
                .map(|&f| (f, s.spawn(move || list(f))))
                .collect();
            handles
                .into_iter()
                .map(|(f, h)| (f, h.join().unwrap_or_else(|_| list(f))))
                .collect()
        });
        let manifest = Manifest::read(self.root())?;
        let replaced: std::collections::HashSet<&str> = manifest
            .iter()
            .flat_map(|m| m.replaced.iter().map(|r| r.path.as_str()))
            .collect();
        let mut fresh = BTreeMap::new();
        for (family, files) in listed {
            let mut keep: Vec<PathBuf> = files
                .into_iter()
                .filter(|p| !is_compacted(p) && !replaced.contains(rel(self.root(), p).as_str()))
                .collect();
            keep.sort();
            fresh.insert(family, keep);
        }
        let compacted = manifest
            .iter()
            .flat_map(|m| m.files.iter().map(|f| self.root().join(&f.path)))
            .collect();
        Ok(Snapshot {
            manifest,
            fresh,
            compacted,
        })
    }

    /// Path relative to the root, `/`-separated (the manifest's form).
    pub fn relative(&self, p: &Path) -> String {
        rel(self.root(), p)
    }
}
