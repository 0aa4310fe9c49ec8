//! `trace compact`: merges the files of each partition (family, host, date) into files sorted
//! by `(container_id, time)` and writes the index a story uses to open only the files it
//! needs (see docs/store.md).
//!
//! Crash safety, in order: outputs are written under their final `.c.parquet` names (readers
//! ignore compacted files the manifest does not list) by the store's atomic writer, which also
//! gives each file's SHA-256 for the manifest; the index
//! files are written the same way under generation-numbered names; the manifest that lists the
//! outputs and names the inputs as replaced is committed by an atomic rename; only then are
//! the inputs removed. A crash at any point leaves either the old generation (plus orphans the
//! next run removes) or the new one (plus inputs the next run removes); no event is lost and no
//! reader sees one twice. One compaction runs at a time (`_index/.lock`).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use arrow::array::{BooleanArray, RecordBatch};
use arrow::compute::{concat_batches, filter_record_batch};

use super::atomic::write_parquet;
use super::conform::read_conformed;
use super::index::build::{IndexBuilder, host_of, time_range};
use super::index::format::index_file_generation;
use super::manifest::{
    COMPACTED_SUFFIX, FileEntry, INDEX_DIR, MANIFEST, MANIFEST_FORMAT, Manifest, Replaced,
    is_compacted, sync_dir,
};
use super::seal::{self, Sealed};
use super::writer::{data_properties, file_name, sort_for_store};
use super::{Store, StoreError, io_err};
use crate::schema::Family;

/// Settings of a compaction.
#[derive(Debug, Clone)]
pub struct CompactOptions {
    /// Largest compacted file, in rows (a partition above it is split, still sorted).
    pub max_rows_per_file: usize,
    /// Rows per row group (DuckDB skips row groups by their min/max statistics).
    pub row_group_rows: usize,
    /// zstd level.
    pub zstd_level: i32,
    /// Rewrite every partition, not only those with new files (after changing the sizes).
    pub all: bool,
}

impl Default for CompactOptions {
    fn default() -> Self {
        CompactOptions {
            max_rows_per_file: 65_536,
            row_group_rows: 16_384,
            zstd_level: 3,
            all: false,
        }
    }
}

/// What a compaction did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompactStats {
    /// Generation committed (the previous one when nothing was to do).
    pub generation: u64,
    /// Partitions rewritten.
    pub partitions: usize,
    /// Input files replaced.
    pub inputs: usize,
    /// Files written.
    pub outputs: usize,
    /// Rows rewritten.
    pub rows: u64,
    /// Leftovers of an interrupted run removed.
    pub recovered: usize,
    /// Compacted files in the store after the run.
    pub compacted_files: usize,
    /// Postings in the index.
    pub index_keys: u64,
    /// Files removed unread, with their partitions (`trace prune`).
    pub dropped: usize,
}

/// Replaced names are kept this long after their removal (see the manifest module).
const REPLACED_GRACE_NS: i64 = 3_600 * 1_000_000_000;

struct Lock(PathBuf);

impl Lock {
    fn acquire(store: &Store) -> Result<Lock, StoreError> {
        let dir = store.root().join(INDEX_DIR);
        fs::create_dir_all(&dir).map_err(io_err(&dir))?;
        let path = dir.join(".lock");
        for _ in 0..2 {
            match fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(mut f) => {
                    let _ = writeln!(f, "{}", std::process::id());
                    return Ok(Lock(path));
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let pid = fs::read_to_string(&path).unwrap_or_default();
                    let pid = pid.trim();
                    let alive = !pid.is_empty() && Path::new("/proc").join(pid).exists();
                    if alive {
                        return Err(StoreError::Busy {
                            path,
                            pid: pid.to_string(),
                        });
                    }
                    // The holder died: the lock is stale.
                    fs::remove_file(&path).map_err(io_err(&path))?;
                }
                Err(e) => return Err(io_err(&path)(e)),
            }
        }
        Err(StoreError::Busy {
            path,
            pid: "?".into(),
        })
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}

fn now_ns() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as i64)
        .unwrap_or(0)
}

/// Compacts `store`. Idempotent: a run with nothing new to merge changes nothing.
pub fn compact(store: &Store, opts: &CompactOptions) -> Result<CompactStats, StoreError> {
    rewrite(store, opts, &BTreeSet::new(), None, "compact")
}

/// Which rows of a batch to keep (a mask), for partitions being thinned.
pub(crate) type Keep<'a> = &'a dyn Fn(&RecordBatch) -> Result<BooleanArray, StoreError>;

/// A compaction that also removes whole partitions (`dropping_dirs`, their directories): their files
/// are neither read nor kept, and go the way replaced inputs go (the manifest names them
/// replaced before they are removed, the journal records them removed under `op`), so the
/// next index generation, the manifest and the seal stay one consistent state. Partitions in
/// `thin` are rewritten with only the rows its mask keeps.
pub(crate) fn rewrite(
    store: &Store,
    opts: &CompactOptions,
    dropping_dirs: &BTreeSet<PathBuf>,
    thin: Option<(&BTreeSet<PathBuf>, Keep)>,
    op: &str,
) -> Result<CompactStats, StoreError> {
    let _lock = Lock::acquire(store)?;
    let root = store.root().to_path_buf();
    let snap = store.snapshot()?;
    let old = snap.manifest.clone();
    let mut stats = CompactStats {
        generation: old.as_ref().map_or(0, |m| m.generation),
        ..Default::default()
    };
    let recovered = recover(store, old.as_ref())?;
    stats.recovered = recovered.len();

    // Partitions with fresh files, with their compacted files; the files of dropped ones.
    let mut parts: BTreeMap<PathBuf, (Family, Vec<PathBuf>)> = BTreeMap::new();
    let mut dropped: Vec<PathBuf> = Vec::new();
    for family in Family::ALL {
        for f in snap.fresh(family) {
            let dir = f.parent().unwrap_or(&root).to_path_buf();
            if dropping_dirs.contains(&dir) {
                dropped.push(f.clone());
                continue;
            }
            parts
                .entry(dir)
                .or_insert_with(|| (family, Vec::new()))
                .1
                .push(f.clone());
        }
    }
    let old_files: Vec<FileEntry> = old.as_ref().map(|m| m.files.clone()).unwrap_or_default();
    let thinned = |d: &Path| thin.is_some_and(|(dirs, _)| dirs.contains(d));
    if opts.all || thin.is_some() {
        for f in old_files
            .iter()
            .filter(|f| opts.all || root.join(&f.path).parent().is_some_and(&thinned))
        {
            let abs = root.join(&f.path);
            let family = Family::from_name(&f.family).unwrap_or(Family::Process);
            if let Some(dir) = abs.parent().filter(|d| !dropping_dirs.contains(*d)) {
                parts
                    .entry(dir.to_path_buf())
                    .or_insert_with(|| (family, Vec::new()));
            }
        }
    }
    let dropping = !dropped.is_empty()
        || old_files.iter().any(|f| {
            root.join(&f.path)
                .parent()
                .is_some_and(|d| dropping_dirs.contains(d))
        });
    if parts.is_empty() && !dropping {
        stats.compacted_files = old_files.len();
        if !recovered.is_empty() {
            let gone = recovered.iter().map(|p| store.relative(p)).collect();
            seal::record(store, "compact", Vec::new(), gone)?;
        }
        return Ok(stats);
    }
    let rewritten: BTreeSet<PathBuf> = parts.keys().cloned().collect();
    let mut inputs: Vec<PathBuf> = Vec::new();
    let mut kept: Vec<(usize, FileEntry)> = Vec::new();
    for (i, f) in old_files.iter().enumerate() {
        let abs = root.join(&f.path);
        if abs.parent().is_some_and(|d| rewritten.contains(d)) {
            inputs.push(abs);
        } else if abs.parent().is_some_and(|d| dropping_dirs.contains(d)) {
            dropped.push(abs);
        } else {
            kept.push((i, f.clone()));
        }
    }
    // New ids: kept files first (in their old order), then the outputs.
    let mut files: Vec<FileEntry> = kept.iter().map(|(_, f)| f.clone()).collect();
    let remap: HashMap<u32, u32> = kept
        .iter()
        .enumerate()
        .map(|(new, (old, _))| (*old as u32, new as u32))
        .collect();

    let mut sealed: Vec<Sealed> = Vec::new();
    let mut index = IndexBuilder::default();
    for (dir, (family, fresh)) in &parts {
        let mut part_inputs: Vec<PathBuf> = inputs
            .iter()
            .filter(|p| p.parent() == Some(dir.as_path()))
            .cloned()
            .collect();
        part_inputs.extend(fresh.iter().cloned());
        let mut batches = Vec::new();
        for p in &part_inputs {
            for b in read_conformed(p, *family)? {
                match thin.filter(|_| thinned(dir)) {
                    Some((_, keep)) => batches.push(filter_record_batch(&b, &keep(&b)?)?),
                    None => batches.push(b),
                }
            }
        }
        let all = concat_batches(&family.schema(), &batches)?;
        drop(batches);
        let sorted = sort_for_store(all)?;
        stats.rows += sorted.num_rows() as u64;
        let props = data_properties(*family, opts.row_group_rows, opts.zstd_level);
        let mut offset = 0;
        while offset < sorted.num_rows() {
            let len = opts.max_rows_per_file.min(sorted.num_rows() - offset);
            let chunk = sorted.slice(offset, len);
            offset += len;
            let name = file_name(*family, &chunk, COMPACTED_SUFFIX);
            let written = write_parquet(dir, &name, &chunk, props.clone())?;
            sealed.push(seal::sealed(store, &written));
            index.add(*family, &chunk, files.len() as u32);
            let (min_time, max_time) = time_range(&chunk);
            files.push(FileEntry {
                path: store.relative(&written.path),
                family: family.name().to_string(),
                host_id: host_of(&chunk),
                rows: chunk.num_rows() as u64,
                min_time,
                max_time,
                bytes: Some(written.bytes),
                sha256: Some(written.sha256),
            });
            stats.outputs += 1;
        }
        stats.partitions += 1;
    }
    stats.inputs = inputs.len() + parts.values().map(|(_, f)| f.len()).sum::<usize>();
    stats.dropped = dropped.len();

    // The previous generation's index of the files kept (unless every file was rewritten).
    if let Some(m) = old.as_ref().filter(|_| !kept.is_empty()) {
        index.merge_previous(&root, m, &remap, &kept)?;
    }
    let generation = stats.generation + 1;
    let index_dir = root.join(INDEX_DIR);
    let sizes = (opts.row_group_rows, opts.zstd_level);
    let (index, index_keys) = index.write(store, &index_dir, generation, &files, sizes)?;
    stats.index_keys = index_keys;

    let now = now_ns();
    let mut replaced: Vec<Replaced> = old
        .as_ref()
        .map(|m| {
            m.replaced
                .iter()
                .filter(|r| now - r.removed_at < REPLACED_GRACE_NS || root.join(&r.path).exists())
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    let mut all_inputs: Vec<PathBuf> = inputs.clone();
    for (_, fresh) in parts.values() {
        all_inputs.extend(fresh.iter().cloned());
    }
    all_inputs.extend(dropped.iter().cloned());
    replaced.extend(all_inputs.iter().map(|p| Replaced {
        path: store.relative(p),
        removed_at: now,
    }));
    stats.compacted_files = files.len();
    let manifest = Manifest {
        format: MANIFEST_FORMAT.to_string(),
        generation,
        files,
        replaced,
        index,
    };
    let manifest_written = manifest.write(&root)?;
    stats.generation = generation;

    // Sealed: the outputs, the index and the manifest; removed: the inputs, the previous
    // index files and what recovery removed (recorded before the removals, so that a crash
    // between the two leaves files the journal calls removed, which verify notes).
    for (rel, sha) in &manifest.index.sha256 {
        let bytes = fs::metadata(root.join(rel)).map(|m| m.len()).unwrap_or(0);
        sealed.push(Sealed {
            path: rel.clone(),
            bytes,
            sha256: sha.clone(),
        });
    }
    sealed.push(seal::sealed(store, &manifest_written));
    let stale = stale_index_files(&index_dir, generation)?;
    let gone: Vec<String> = all_inputs
        .iter()
        .chain(&stale)
        .chain(&recovered)
        .map(|p| store.relative(p))
        .collect();
    seal::record(store, op, sealed, gone)?;

    // Committed: the inputs may go.
    let mut dirs: BTreeSet<PathBuf> = BTreeSet::new();
    for p in &all_inputs {
        match fs::remove_file(p) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_err(p)(e)),
        }
        if let Some(d) = p.parent() {
            dirs.insert(d.to_path_buf());
        }
    }
    for d in dirs {
        sync_dir(&d)?;
    }
    for p in &stale {
        fs::remove_file(p).map_err(io_err(p))?;
    }
    Ok(stats)
}

/// Removes what an interrupted run left: inputs of the committed generation that still exist,
/// compacted files no manifest lists, temporary files. Returns what it removed.
fn recover(store: &Store, m: Option<&Manifest>) -> Result<Vec<PathBuf>, StoreError> {
    let root = store.root();
    let listed: BTreeSet<String> = m
        .iter()
        .flat_map(|m| m.files.iter().map(|f| f.path.clone()))
        .collect();
    let mut n = Vec::new();
    if let Some(m) = m {
        for r in &m.replaced {
            let p = root.join(&r.path);
            if p.exists() {
                fs::remove_file(&p).map_err(io_err(&p))?;
                n.push(p);
            }
        }
    }
    for family in Family::ALL {
        for e in walkdir::WalkDir::new(store.family_dir(family))
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
        {
            let p = e.path();
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            let orphan = is_compacted(p) && !listed.contains(&store.relative(p));
            let temp = name.starts_with('.') && name.ends_with(".c.parquet.tmp");
            if orphan || temp {
                fs::remove_file(p).map_err(io_err(p))?;
                n.push(p.to_path_buf());
            }
        }
    }
    Ok(n)
}

/// Index files older than the previous generation, and temporary index files.
fn stale_index_files(dir: &Path, generation: u64) -> Result<Vec<PathBuf>, StoreError> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir).map_err(io_err(dir))? {
        let e = e.map_err(io_err(dir))?;
        let name = e.file_name().to_string_lossy().into_owned();
        if name == MANIFEST || name == ".lock" {
            continue;
        }
        // Keep the previous generation: a reader may have opened its manifest just before.
        let stale = match index_file_generation(&name) {
            Some(g) => g + 1 < generation,
            None => name.ends_with(".tmp"),
        };
        if stale {
            out.push(e.path());
        }
    }
    Ok(out)
}
