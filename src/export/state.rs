//! The export state file: per format and unit, the ingest stamp exported through, and the
//! commit a run had begun (renames and cursors) when it was stopped. And the lock that
//! serialises runs on one destination.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{ExportError, file_err};
use crate::config::ExportFormat;
use crate::store::atomic::{sync_dir, write_atomic};

/// The state's file name when none is configured (in the destination).
pub const STATE_FILE: &str = ".trace-export-state.json";

/// The lock's file name (in the destination).
const LOCK_FILE: &str = ".trace-export.lock";

/// The version of the state's layout.
const STATE_VERSION: u32 = 1;

/// An exclusive lock on a destination, held for a whole run and released on drop (or when
/// the process dies): a second run waits for the first.
pub(super) struct DestinationLock(File);

impl DestinationLock {
    pub(super) fn acquire(destination: &Path) -> Result<DestinationLock, ExportError> {
        let path = destination.join(LOCK_FILE);
        let f = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(file_err(&path))?;
        f.lock().map_err(file_err(&path))?;
        Ok(DestinationLock(f))
    }
}

impl Drop for DestinationLock {
    fn drop(&mut self) {
        let _ = self.0.unlock();
    }
}

/// The key of a unit's cursor.
pub(super) fn key(format: ExportFormat, unit: &str) -> String {
    format!("{}/{unit}", format.name())
}

/// How far one unit has been exported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Cursor {
    /// Every row stamped at or before this (µs since the epoch) is exported.
    pub through_us: i64,
    /// The same, for people.
    pub through: String,
}

/// An output written under its temporary name, to be renamed to its final one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Output {
    /// The temporary (hidden) file.
    pub tmp: PathBuf,
    /// Its final name.
    pub path: PathBuf,
}

/// A run's commit: what it wrote and the cursors it moves.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Pending {
    pub renames: Vec<Output>,
    pub cursors: BTreeMap<String, i64>,
}

/// The state file's content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct State {
    pub version: u32,
    pub cursors: BTreeMap<String, Cursor>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<Pending>,
}

impl Default for State {
    fn default() -> State {
        State {
            version: STATE_VERSION,
            cursors: BTreeMap::new(),
            pending: None,
        }
    }
}

impl State {
    /// Reads the state (empty when the file does not exist yet).
    pub(super) fn load(path: &Path) -> Result<State, ExportError> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(State::default()),
            Err(e) => return Err(file_err(path)(e)),
        };
        let st: State = serde_json::from_slice(&bytes).map_err(|e| ExportError::File {
            path: path.to_path_buf(),
            message: format!(
                "not a trace export state file ({e}); move it away to export everything again"
            ),
        })?;
        if st.version > STATE_VERSION {
            return Err(ExportError::File {
                path: path.to_path_buf(),
                message: format!(
                    "export state version {} is newer than this trace reads ({STATE_VERSION}): upgrade trace",
                    st.version
                ),
            });
        }
        Ok(st)
    }

    /// The stamp a unit is exported through (`None`: never exported).
    pub(super) fn cursor(&self, key: &str) -> Option<i64> {
        self.cursors.get(key).map(|c| c.through_us)
    }

    /// Writes the state atomically.
    pub(super) fn save(&self, path: &Path) -> Result<(), ExportError> {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| ExportError::Usage(format!("{}: not a file name", path.display())))?;
        let mut body = serde_json::to_vec_pretty(self).map_err(|e| ExportError::File {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        body.push(b'\n');
        write_atomic(dir, name, |w| {
            w.write_all(&body).map_err(crate::store::io_err(path))
        })?;
        Ok(())
    }

    /// Finishes a commit a run began (its own, or a killed one's): renames what is still
    /// under its temporary name, moves the cursors, and saves. Returns the files renamed.
    pub(super) fn finish_pending(&mut self, path: &Path) -> Result<usize, ExportError> {
        let Some(pending) = self.pending.take() else {
            return Ok(0);
        };
        let mut renamed = 0;
        let mut dirs = std::collections::BTreeSet::new();
        for o in &pending.renames {
            if o.tmp.exists() {
                std::fs::rename(&o.tmp, &o.path).map_err(file_err(&o.path))?;
                renamed += 1;
            } else if !o.path.exists() {
                return Err(ExportError::File {
                    path: o.tmp.clone(),
                    message: format!(
                        "an export in progress wrote this file, and it is gone (and {} never \
                         appeared): someone removed it. Remove `pending` from {} to export \
                         those rows again",
                        o.path.display(),
                        path.display()
                    ),
                });
            }
            if let Some(d) = o.path.parent() {
                dirs.insert(d.to_path_buf());
            }
        }
        for d in dirs {
            sync_dir(&d)?;
        }
        for (k, us) in pending.cursors {
            self.cursors.insert(
                k,
                Cursor {
                    through_us: us,
                    through: crate::timefmt::format_ns(us.saturating_mul(1000)),
                },
            );
        }
        self.save(path)?;
        Ok(renamed)
    }
}
