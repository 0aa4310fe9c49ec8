//! The on-disk store: hive-partitioned Parquet under one root.
//!
//! Layout (see docs/store.md):
//!
//! ```text
//! <root>/trace-store.json                       layout and schema version
//! <root>/<family>/host=<host>/date=YYYY-MM-DD/<family>-<first time>-<uuid>.parquet
//! ```
//!
//! This module owns paths and listing; [`writer`] owns how files come to exist (temporary name,
//! fsync, rename). It never reads rows: that is the query layer's job.

pub mod atomic;
pub mod cells;
pub mod compact;
pub mod conform;
pub mod fold;
pub mod index;
pub mod manifest;
pub mod postings;
pub mod prune;
pub mod seal;
pub mod writer;

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate};

use crate::schema::{Family, SCHEMA_VERSION};

pub use writer::{StoreWriter, WriteStats, WriterOptions};

/// Name of the marker file at the store root.
pub const MARKER: &str = "trace-store.json";
/// Version of the directory layout.
pub const LAYOUT_VERSION: u32 = 1;

/// Errors of the store and its writer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The store root does not exist.
    #[error(
        "no trace store at {0}: create one with `trace demo`, a collector or an importer, or point --store / TRACE_STORE at an existing one"
    )]
    Missing(PathBuf),
    /// The directory exists but is not a trace store (and is not empty).
    #[error("{0} is not a trace store (no {MARKER}); refusing to write into it")]
    NotAStore(PathBuf),
    /// The store was written by a newer layout.
    #[error(
        "{path} has store layout {found}, this trace reads layout {LAYOUT_VERSION}: upgrade trace"
    )]
    NewerLayout {
        /// Store root.
        path: PathBuf,
        /// Layout found.
        found: u32,
    },
    /// An I/O error on a path.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
    /// Parquet encoding failed.
    #[error("writing {path}: {source}")]
    Parquet {
        /// The file.
        path: PathBuf,
        /// The error.
        source: parquet::errors::ParquetError,
    },
    /// Arrow conversion failed.
    #[error("arrow: {0}")]
    Arrow(#[from] arrow::error::ArrowError),
    /// The manifest of compacted files is unreadable.
    #[error("{path}: {message}")]
    Manifest {
        /// The manifest.
        path: PathBuf,
        /// What is wrong, naming the field.
        message: String,
    },
    /// A data or index file does not fit the schema this trace knows.
    #[error("{path}: column `{field}`: {message}")]
    Conform {
        /// The file.
        path: PathBuf,
        /// The column.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// Another compaction holds the lock.
    #[error(
        "another `trace compact` or `trace prune` (pid {pid}) is running on this store ({path}); try again when it is done"
    )]
    Busy {
        /// The lock file.
        path: PathBuf,
        /// Its holder.
        pid: String,
    },
    /// A row was handed to the wrong builder (a bug in the caller).
    #[error(transparent)]
    WrongFamily(#[from] crate::schema::WrongFamily),
}

pub(crate) fn io_err(path: &Path) -> impl FnOnce(io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A store root.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
}

impl Store {
    /// The default root: `$XDG_DATA_HOME/trace/store` (or the platform's data dir).
    pub fn default_root() -> PathBuf {
        dirs::data_dir()
            .unwrap_or_else(|| PathBuf::from("."))
            .join("trace")
            .join("store")
    }

    /// Opens an existing store for reading.
    pub fn open(root: impl Into<PathBuf>) -> Result<Store, StoreError> {
        let root = root.into();
        if !root.is_dir() {
            return Err(StoreError::Missing(root));
        }
        let store = Store { root };
        store.check_layout()?;
        Ok(store)
    }

    /// Opens a store for writing, creating it (and its marker) when absent. Refuses a
    /// non-empty directory that is not a store, so a typo never scatters files into `/home`.
    pub fn create(root: impl Into<PathBuf>) -> Result<Store, StoreError> {
        let root = root.into();
        let marker = root.join(MARKER);
        if root.is_dir() && !marker.exists() {
            let mut entries = fs::read_dir(&root).map_err(io_err(&root))?;
            if entries.next().is_some() {
                return Err(StoreError::NotAStore(root));
            }
        }
        fs::create_dir_all(&root).map_err(io_err(&root))?;
        let store = Store { root };
        store.check_layout()?;
        // The marker names the newest schema version written into the store: files of older
        // versions stay readable beside newer ones.
        if store.marker_schema_version() < Some(SCHEMA_VERSION) {
            let body =
                format!("{{\"layout\": {LAYOUT_VERSION}, \"schema_version\": {SCHEMA_VERSION}}}\n");
            atomic::write_atomic(&store.root, MARKER, |w| {
                use std::io::Write;
                w.write_all(body.as_bytes()).map_err(io_err(&marker))
            })?;
        }
        Ok(store)
    }

    /// The schema version the marker names (`None` without a readable marker).
    pub fn marker_schema_version(&self) -> Option<u32> {
        let text = fs::read_to_string(self.root.join(MARKER)).ok()?;
        let v: serde_json::Value = serde_json::from_str(&text).ok()?;
        v.get("schema_version")?.as_u64().map(|v| v as u32)
    }

    fn check_layout(&self) -> Result<(), StoreError> {
        let marker = self.root.join(MARKER);
        let Ok(text) = fs::read_to_string(&marker) else {
            return Ok(()); // a bare directory of Parquet files is readable too
        };
        let found = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v.get("layout").and_then(|l| l.as_u64()))
            .unwrap_or(0) as u32;
        if found > LAYOUT_VERSION {
            return Err(StoreError::NewerLayout {
                path: self.root.clone(),
                found,
            });
        }
        Ok(())
    }

    /// The root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The directory of one family.
    pub fn family_dir(&self, family: Family) -> PathBuf {
        self.root.join(family.name())
    }

    /// The partition directory of (family, host, date).
    pub fn partition_dir(&self, family: Family, host_id: &str, date: NaiveDate) -> PathBuf {
        self.family_dir(family)
            .join(format!("host={}", escape_partition_value(host_id)))
            .join(format!("date={}", date.format("%Y-%m-%d")))
    }

    /// Every Parquet file of a family to read, sorted: the compacted files the manifest lists
    /// and the files written since, never a replaced or uncommitted one, never a temporary one
    /// (see [`manifest`]).
    pub fn files(&self, family: Family) -> Result<Vec<PathBuf>, StoreError> {
        Ok(self.snapshot()?.files(family))
    }

    /// The glob DuckDB reads for a family.
    pub fn glob(&self, family: Family) -> String {
        format!("{}/*/*/*.parquet", self.family_dir(family).display())
    }
}

/// True for a finished data file: `*.parquet` whose name does not start with a dot.
pub fn is_data_file(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.ends_with(".parquet") && !n.starts_with('.'))
}

/// The UTC date of a time in ns (dates outside chrono's range fall back to 1970-01-01).
pub fn date_of(time_ns: i64) -> NaiveDate {
    DateTime::from_timestamp_nanos(time_ns).date_naive()
}

/// Escapes a partition value: `[A-Za-z0-9._-]` stay, every other byte becomes `%XX`, so any host
/// id makes one safe path component (never `..`, never a `/`).
pub fn escape_partition_value(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || (b == b'.' && !out.is_empty()) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    if out.is_empty() {
        out.push_str("%00");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_values_are_single_safe_components() {
        assert_eq!(escape_partition_value("web-01.prod"), "web-01.prod");
        assert_eq!(escape_partition_value("../etc"), "%2E.%2Fetc");
        assert_eq!(escape_partition_value("a/b c"), "a%2Fb%20c");
        assert_eq!(escape_partition_value(""), "%00");
        for v in ["..", ".", "/", "a/../../b", "\u{0}x"] {
            let e = escape_partition_value(v);
            assert!(!e.contains('/') && e != ".." && e != ".", "{v} -> {e}");
        }
    }

    #[test]
    fn create_refuses_a_foreign_directory_and_open_reports_missing() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("notes.txt"), "x").unwrap();
        assert!(matches!(
            Store::create(dir.path()),
            Err(StoreError::NotAStore(_))
        ));
        let missing = dir.path().join("nope");
        assert!(matches!(Store::open(&missing), Err(StoreError::Missing(_))));
        let fresh = dir.path().join("store");
        let s = Store::create(&fresh).unwrap();
        assert!(s.root().join(MARKER).exists());
        Store::open(&fresh).unwrap();
    }
}
