//! `trace compact`: merges the files of each partition (family, host, date) into files sorted
//! by `(container_id, time)` and writes the index a story uses to open only the files it
//! needs (see docs/store.md).
//!
//! Crash safety, in order: outputs are written under their final `.c.parquet` names (readers
//! ignore compacted files the manifest does not list) with temp → fsync → rename; the index
//! files are written the same way under generation-numbered names; the manifest that lists the
//! outputs and names the inputs as replaced is committed by an atomic rename; only then are
//! the inputs removed. A crash at any point leaves either the old generation (plus orphans the
//! next run removes) or the new one (plus inputs the next run removes); no event is lost and no
//! reader sees one twice. One compaction runs at a time (`_index/.lock`).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, Date32Array, Int64Array, RecordBatch, StringArray, UInt32Array,
    UInt64Array, new_null_array,
};
use arrow::compute::{cast, concat_batches};
use arrow::datatypes::{DataType, Field, Int64Type, Schema, SchemaRef};
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use parquet::basic::{Compression, Encoding};
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;

use super::manifest::{
    COMPACTED_SUFFIX, FileEntry, INDEX_DIR, IndexFiles, MANIFEST, MANIFEST_FORMAT, Manifest,
    Replaced, is_compacted, sync_dir,
};
use super::postings::{self, Postings};
use super::writer::{data_properties, file_name, sort_for_store, write_named_atomic};
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
}

/// Replaced names are kept this long after their removal (see the manifest module).
const REPLACED_GRACE_NS: i64 = 3_600 * 1_000_000_000;

/// Hash of an index key: FNV-1a 64 over `kind`, then each part preceded by a 0 byte. Stable
/// across versions (it is on disk); a collision only makes a story open one file too many.
pub fn key_hash(kind: u8, parts: &[&str]) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |b: u8| {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    };
    eat(kind);
    for p in parts {
        eat(0);
        for b in p.bytes() {
            eat(b);
        }
    }
    h as i64
}

/// Index key kinds.
pub mod kind {
    /// container_id (every family that has it).
    pub const CONTAINER: u8 = b'c';
    /// (host_id, process_key) of an event.
    pub const PROCESS: u8 = b'p';
    /// community_id of a network event.
    pub const FLOW: u8 = b'f';
    /// src_ip or dst_ip of a connect/accept.
    pub const IP: u8 = b'i';
    /// file_sha256 or exe_sha256.
    pub const SHA256: u8 = b's';
    /// user_name of a host exec with uid ≥ 1000.
    pub const USER: u8 = b'u';
    /// Graph: (host_id, process_key) → its parent (graph file).
    pub const PARENT_OF: u8 = b'P';
    /// Graph: (host_id, parent_process_key) → a child (graph file).
    pub const CHILD_OF: u8 = b'K';
}

/// The `row` of a posting that names a whole file.
pub const WHOLE_FILE: u32 = u32::MAX;

/// Schema of the postings file: key hash, compacted file, and the row for keys posted per row
/// (flows) or [`WHOLE_FILE`].
pub fn keys_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("h", DataType::Int64, false),
        Field::new("file", DataType::UInt32, false),
        Field::new("row", DataType::UInt32, false),
    ]))
}

/// Schema of the graph file.
pub fn graph_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("h", DataType::Int64, false),
        Field::new("host_id", DataType::Utf8, false),
        Field::new("key", DataType::Utf8, false),
        Field::new("parent", DataType::Utf8, true),
        Field::new("ppid", DataType::Int64, true),
        Field::new("t", DataType::Int64, false),
    ]))
}

/// Schema of the people summary (`users-N.parquet`).
pub fn users_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("user_name", DataType::Utf8, false),
        Field::new("file", DataType::UInt32, false),
        Field::new("host_id", DataType::Utf8, false),
        Field::new("first", DataType::Int64, false),
        Field::new("last", DataType::Int64, false),
        Field::new("count", DataType::UInt64, false),
        Field::new("uid", DataType::Int64, false),
    ]))
}

/// Reads a people summary written by [`compact`].
pub fn read_users(path: &Path) -> Result<Users, StoreError> {
    let bad = |field: &str| StoreError::Conform {
        path: path.to_path_buf(),
        field: field.into(),
        message: "missing or of another type".into(),
    };
    let mut out = Users::new();
    for b in read_all(path)? {
        let s = |n: &str| {
            b.column_by_name(n)
                .and_then(|c| c.as_any().downcast_ref::<StringArray>())
                .ok_or_else(|| bad(n))
        };
        let i = |n: &str| {
            b.column_by_name(n)
                .and_then(|c| c.as_any().downcast_ref::<Int64Array>())
                .ok_or_else(|| bad(n))
        };
        let (user, host) = (s("user_name")?, s("host_id")?);
        let (first, last, uid) = (i("first")?, i("last")?, i("uid")?);
        let file = b
            .column_by_name("file")
            .and_then(|c| c.as_any().downcast_ref::<UInt32Array>())
            .ok_or_else(|| bad("file"))?;
        let count = b
            .column_by_name("count")
            .and_then(|c| c.as_any().downcast_ref::<UInt64Array>())
            .ok_or_else(|| bad("count"))?;
        for r in 0..b.num_rows() {
            out.insert(
                (user.value(r).to_string(), file.value(r)),
                UserActivity {
                    host_id: host.value(r).to_string(),
                    first: first.value(r),
                    last: last.value(r),
                    count: count.value(r),
                    uid: uid.value(r),
                },
            );
        }
    }
    Ok(out)
}

/// Rows per row group of the index files (a lookup decodes one).
pub const INDEX_ROW_GROUP: usize = 1_024;

fn index_properties() -> WriterProperties {
    // Only `h` needs statistics (lookups pick row groups by its min/max); none on the other
    // columns keeps the footer, which every story parses, small.
    let mut b = WriterProperties::builder();
    for col in [
        "file",
        "row",
        "host_id",
        "key",
        "parent",
        "ppid",
        "t",
        "container_id",
    ] {
        b = b.set_column_statistics_enabled(ColumnPath::from(col), EnabledStatistics::None);
    }
    b.set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(INDEX_ROW_GROUP))
        .set_statistics_enabled(EnabledStatistics::Chunk)
        .set_column_dictionary_enabled(ColumnPath::from("h"), false)
        .set_column_encoding(ColumnPath::from("h"), Encoding::DELTA_BINARY_PACKED)
        // Sorted hashes delta-packed and small file ids barely compress further; left
        // uncompressed, a lookup decodes them without a decompression pass.
        .set_column_compression(ColumnPath::from("h"), Compression::UNCOMPRESSED)
        .set_column_compression(ColumnPath::from("file"), Compression::UNCOMPRESSED)
        .set_created_by(format!("trace {}", env!("CARGO_PKG_VERSION")))
        .build()
}

/// A process of the graph: its parent, its ppid, its first event time.
#[derive(Debug, Clone, PartialEq, Eq)]
struct GraphRow {
    host: String,
    key: String,
    parent: Option<String>,
    ppid: Option<i64>,
    t: i64,
}

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

/// Reads a data file as batches of the family's current schema: columns matched by name,
/// missing ones NULL (older files), an unknown column or a changed type is an error naming
/// the file and the field.
pub fn read_conformed(path: &Path, family: Family) -> Result<Vec<RecordBatch>, StoreError> {
    let reader = open_batches(path)?;
    let target = family.schema();
    let mut out = Vec::new();
    for b in reader {
        let b = b.map_err(|e| StoreError::Conform {
            path: path.to_path_buf(),
            field: "-".into(),
            message: e.to_string(),
        })?;
        for f in b.schema().fields() {
            if target.field_with_name(f.name()).is_err() {
                return Err(StoreError::Conform {
                    path: path.to_path_buf(),
                    field: f.name().clone(),
                    message: format!(
                        "column unknown to this trace (family {family}); written by a newer trace?"
                    ),
                });
            }
        }
        let mut cols: Vec<ArrayRef> = Vec::with_capacity(target.fields().len());
        for f in target.fields() {
            let col = match b.column_by_name(f.name()) {
                None => new_null_array(f.data_type(), b.num_rows()),
                Some(c) if c.data_type() == f.data_type() => c.clone(),
                Some(c) => {
                    return Err(StoreError::Conform {
                        path: path.to_path_buf(),
                        field: f.name().clone(),
                        message: format!(
                            "type {} where {} is expected",
                            c.data_type(),
                            f.data_type()
                        ),
                    });
                }
            };
            if !f.is_nullable() && col.null_count() > 0 {
                return Err(StoreError::Conform {
                    path: path.to_path_buf(),
                    field: f.name().clone(),
                    message: "NULL in a required column".into(),
                });
            }
            cols.push(col);
        }
        out.push(RecordBatch::try_new(target.clone(), cols)?);
    }
    Ok(out)
}

fn str_col<'a>(b: &'a RecordBatch, name: &str) -> Option<&'a StringArray> {
    b.column_by_name(name)
        .and_then(|c| c.as_any().downcast_ref::<StringArray>())
}

fn i64_col(b: &RecordBatch, name: &str) -> Option<Int64Array> {
    let c = b.column_by_name(name)?;
    let c = cast(c, &DataType::Int64).ok()?;
    Some(c.as_primitive::<Int64Type>().clone())
}

fn get(a: Option<&StringArray>, i: usize) -> Option<&str> {
    a.filter(|a| a.is_valid(i)).map(|a| a.value(i))
}

/// A person's host execs in one compacted file (the story's `user` pivot reads these instead
/// of the events).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserActivity {
    /// Host of the file.
    pub host_id: String,
    /// First exec, ns.
    pub first: i64,
    /// Last exec, ns.
    pub last: i64,
    /// Execs.
    pub count: u64,
    /// uid of the first exec (the smallest at a tie).
    pub uid: i64,
}

impl UserActivity {
    /// Adds one exec at `t` by `uid`.
    pub fn add(&mut self, t: i64, uid: i64) {
        if (t, uid) < (self.first, self.uid) {
            self.uid = uid;
        }
        self.first = self.first.min(t);
        self.last = self.last.max(t);
        self.count += 1;
    }

    /// Merges another file's (or part's) activity of the same person.
    pub fn merge(&mut self, o: &UserActivity) {
        if (o.first, o.uid) < (self.first, self.uid) {
            self.uid = o.uid;
        }
        self.first = self.first.min(o.first);
        self.last = self.last.max(o.last);
        self.count += o.count;
    }
}

/// People's execs by (user, compacted file).
pub type Users = BTreeMap<(String, u32), UserActivity>;

/// Adds the host execs of people (uid ≥ 1000, outside containers) in `batch` (process
/// events of compacted file `file`) to `users`; returns the user names seen.
fn user_activity<'a>(batch: &'a RecordBatch, file: u32, users: &mut Users) -> BTreeSet<&'a str> {
    let (ctr, host) = (str_col(batch, "container_id"), str_col(batch, "host_id"));
    let (kind_col, user) = (str_col(batch, "kind"), str_col(batch, "user_name"));
    let (uid, time) = (i64_col(batch, "uid"), i64_col(batch, "time"));
    let mut seen = BTreeSet::new();
    for i in 0..batch.num_rows() {
        let human = uid
            .as_ref()
            .is_some_and(|a| a.is_valid(i) && a.value(i) >= 1000);
        if human
            && get(ctr, i).is_none()
            && get(kind_col, i) == Some("process_exec")
            && let Some(u) = get(user, i)
        {
            seen.insert(u);
            let t = time.as_ref().map(|a| a.value(i)).unwrap_or(0);
            let id = uid.as_ref().map(|a| a.value(i)).unwrap_or(-1);
            users
                .entry((u.to_string(), file))
                .or_insert_with(|| UserActivity {
                    host_id: get(host, i).unwrap_or_default().to_string(),
                    first: t,
                    last: t,
                    count: 0,
                    uid: id,
                })
                .add(t, id);
        }
    }
    seen
}

/// Index rows of one compacted file.
fn index_rows(
    family: Family,
    batch: &RecordBatch,
    file: u32,
    keys: &mut Vec<(i64, u32, u32)>,
    graph: &mut HashMap<(String, String), GraphRow>,
    ids: &mut BTreeSet<String>,
    users: &mut Users,
) {
    let n = batch.num_rows();
    let ctr = str_col(batch, "container_id");
    let host = str_col(batch, "host_id");
    let mut push = |h: i64, row: u32| keys.push((h, file, row));
    let mut last_ctr: Option<&str> = None;
    for i in 0..n {
        if let Some(c) = get(ctr, i)
            && last_ctr != Some(c)
        {
            push(key_hash(kind::CONTAINER, &[c]), WHOLE_FILE);
            if family.is_event() {
                ids.insert(c.to_string());
            }
            last_ctr = Some(c);
        }
    }
    if !family.is_event() {
        return;
    }
    let key = str_col(batch, "process_key");
    let parent = str_col(batch, "parent_process_key");
    let ppid = i64_col(batch, "ppid");
    let time = i64_col(batch, "time");
    let kind_col = str_col(batch, "kind");
    for i in 0..n {
        let (Some(h), Some(k)) = (get(host, i), get(key, i)) else {
            continue;
        };
        push(key_hash(kind::PROCESS, &[h, k]), WHOLE_FILE);
        if family == Family::Process {
            let t = time.as_ref().map(|a| a.value(i)).unwrap_or(0);
            let p = get(parent, i).map(str::to_string);
            let pp = ppid.as_ref().filter(|a| a.is_valid(i)).map(|a| a.value(i));
            graph
                .entry((h.to_string(), k.to_string()))
                .and_modify(|g| {
                    if t < g.t {
                        g.t = t;
                    }
                    g.parent = g.parent.take().or(p.clone());
                    g.ppid = g.ppid.or(pp);
                })
                .or_insert_with(|| GraphRow {
                    host: h.to_string(),
                    key: k.to_string(),
                    parent: p,
                    ppid: pp,
                    t,
                });
        }
    }
    match family {
        Family::Network => {
            let cid = str_col(batch, "community_id");
            let (src, dst) = (str_col(batch, "src_ip"), str_col(batch, "dst_ip"));
            for i in 0..n {
                if let Some(c) = get(cid, i) {
                    // Flows are posted with their row: a story reads just those rows.
                    push(key_hash(kind::FLOW, &[c]), i as u32);
                }
                if matches!(get(kind_col, i), Some("net_connect" | "net_accept")) {
                    for ip in [get(src, i), get(dst, i)].into_iter().flatten() {
                        push(key_hash(kind::IP, &[ip]), WHOLE_FILE);
                    }
                }
            }
        }
        Family::Process => {
            let sha = str_col(batch, "exe_sha256");
            for i in 0..n {
                if let Some(s) = get(sha, i) {
                    push(key_hash(kind::SHA256, &[s]), WHOLE_FILE);
                }
            }
            for user in user_activity(batch, file, users) {
                push(key_hash(kind::USER, &[user]), WHOLE_FILE);
            }
        }
        Family::File => {
            let sha = str_col(batch, "file_sha256");
            for i in 0..n {
                if let Some(s) = get(sha, i) {
                    push(key_hash(kind::SHA256, &[s]), WHOLE_FILE);
                }
            }
        }
        _ => {}
    }
}

fn host_of(batch: &RecordBatch) -> String {
    str_col(batch, "host_id")
        .filter(|a| !a.is_empty() && a.is_valid(0))
        .map(|a| a.value(0).to_string())
        .unwrap_or_default()
}

fn time_range(batch: &RecordBatch) -> (i64, i64) {
    let t = i64_col(batch, "time");
    let t = t.as_ref();
    (
        t.and_then(arrow::compute::min).unwrap_or(0),
        t.and_then(arrow::compute::max).unwrap_or(0),
    )
}

/// A Parquet file's batches, 65,536 rows at a time; errors name the file.
fn open_batches(path: &Path) -> Result<ParquetRecordBatchReader, StoreError> {
    let perr = |source| StoreError::Parquet {
        path: path.to_path_buf(),
        source,
    };
    let file = File::open(path).map_err(io_err(path))?;
    ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(perr)?
        .with_batch_size(65_536)
        .build()
        .map_err(perr)
}

/// Reads a whole index file (for merging into the next generation).
fn read_all(path: &Path) -> Result<Vec<RecordBatch>, StoreError> {
    let reader = open_batches(path)?;
    let mut out = Vec::new();
    for b in reader {
        out.push(b.map_err(|e| StoreError::Conform {
            path: path.to_path_buf(),
            field: "-".into(),
            message: e.to_string(),
        })?);
    }
    Ok(out)
}

fn index_file_generation(name: &str) -> Option<u64> {
    let stem = name
        .strip_suffix(".parquet")
        .or_else(|| name.strip_suffix(".bin"))?;
    stem.rsplit('-').next()?.parse().ok()
}

/// Compacts `store`. Idempotent: a run with nothing new to merge changes nothing.
pub fn compact(store: &Store, opts: &CompactOptions) -> Result<CompactStats, StoreError> {
    let _lock = Lock::acquire(store)?;
    let root = store.root().to_path_buf();
    let snap = store.snapshot()?;
    let old = snap.manifest.clone();
    let mut stats = CompactStats {
        generation: old.as_ref().map_or(0, |m| m.generation),
        ..Default::default()
    };
    stats.recovered = recover(store, old.as_ref())?;

    // Partitions with fresh files, with their compacted files.
    let mut parts: BTreeMap<PathBuf, (Family, Vec<PathBuf>)> = BTreeMap::new();
    for family in Family::ALL {
        for f in snap.fresh(family) {
            let dir = f.parent().unwrap_or(&root).to_path_buf();
            parts
                .entry(dir)
                .or_insert_with(|| (family, Vec::new()))
                .1
                .push(f.clone());
        }
    }
    let old_files: Vec<FileEntry> = old.as_ref().map(|m| m.files.clone()).unwrap_or_default();
    if opts.all {
        for f in &old_files {
            let abs = root.join(&f.path);
            let family = Family::from_name(&f.family).unwrap_or(Family::Process);
            if let Some(dir) = abs.parent() {
                parts
                    .entry(dir.to_path_buf())
                    .or_insert_with(|| (family, Vec::new()));
            }
        }
    }
    if parts.is_empty() {
        stats.compacted_files = old_files.len();
        return Ok(stats);
    }
    let rewritten: BTreeSet<PathBuf> = parts.keys().cloned().collect();
    let mut inputs: Vec<PathBuf> = Vec::new();
    let mut kept: Vec<(usize, FileEntry)> = Vec::new();
    for (i, f) in old_files.iter().enumerate() {
        let abs = root.join(&f.path);
        if abs.parent().is_some_and(|d| rewritten.contains(d)) {
            inputs.push(abs);
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

    let mut keys: Vec<(i64, u32, u32)> = Vec::new();
    let mut graph: HashMap<(String, String), GraphRow> = HashMap::new();
    let mut ids: BTreeSet<String> = BTreeSet::new();
    let mut users: Users = Users::new();
    for (dir, (family, fresh)) in &parts {
        let mut part_inputs: Vec<PathBuf> = inputs
            .iter()
            .filter(|p| p.parent() == Some(dir.as_path()))
            .cloned()
            .collect();
        part_inputs.extend(fresh.iter().cloned());
        let mut batches = Vec::new();
        for p in &part_inputs {
            batches.extend(read_conformed(p, *family)?);
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
            let (path, _) = write_named_atomic(dir, &name, &chunk, props.clone())?;
            let id = files.len() as u32;
            index_rows(
                *family, &chunk, id, &mut keys, &mut graph, &mut ids, &mut users,
            );
            let (min_time, max_time) = time_range(&chunk);
            files.push(FileEntry {
                path: store.relative(&path),
                family: family.name().to_string(),
                host_id: host_of(&chunk),
                rows: chunk.num_rows() as u64,
                min_time,
                max_time,
            });
            stats.outputs += 1;
        }
        stats.partitions += 1;
    }
    stats.inputs = inputs.len() + parts.values().map(|(_, f)| f.len()).sum::<usize>();

    // Merge the previous generation's index (unless every file was rewritten).
    if let Some(m) = old.as_ref().filter(|_| !kept.is_empty()) {
        let old_keys = root.join(&m.index.keys);
        if m.index.keys.ends_with(".bin") {
            for (h, f, r) in Postings::read_all(&old_keys)? {
                if let Some(new) = remap.get(&f) {
                    keys.push((h, *new, r));
                }
            }
        } else {
            for b in read_all(&root.join(&m.index.keys))? {
                let h = b.column(0).as_primitive::<Int64Type>();
                let f = b
                    .column(1)
                    .as_any()
                    .downcast_ref::<UInt32Array>()
                    .ok_or_else(|| StoreError::Conform {
                        path: root.join(&m.index.keys),
                        field: "file".into(),
                        message: "not UInt32".into(),
                    })?;
                // Indexes from before row postings have no `row`: whole files.
                let row = b
                    .column_by_name("row")
                    .and_then(|c| c.as_any().downcast_ref::<UInt32Array>());
                for i in 0..b.num_rows() {
                    if let Some(new) = remap.get(&f.value(i)) {
                        keys.push((h.value(i), *new, row.map_or(WHOLE_FILE, |r| r.value(i))));
                    }
                }
            }
        }
        for b in read_all(&root.join(&m.index.graph))? {
            let h = b.column(0).as_primitive::<Int64Type>();
            let host = b.column(1).as_string::<i32>();
            let k = b.column(2).as_string::<i32>();
            let p = b.column(3).as_string::<i32>();
            let pp = b.column(4).as_primitive::<Int64Type>();
            let t = b.column(5).as_primitive::<Int64Type>();
            for i in 0..b.num_rows() {
                // Parent rows are the processes; child rows are derived from them again.
                if h.value(i) != key_hash(kind::PARENT_OF, &[host.value(i), k.value(i)]) {
                    continue;
                }
                let row = GraphRow {
                    host: host.value(i).to_string(),
                    key: k.value(i).to_string(),
                    parent: p.is_valid(i).then(|| p.value(i).to_string()),
                    ppid: pp.is_valid(i).then(|| pp.value(i)),
                    t: t.value(i),
                };
                graph
                    .entry((row.host.clone(), row.key.clone()))
                    .and_modify(|g| g.t = g.t.min(row.t))
                    .or_insert(row);
            }
        }
        for b in read_all(&root.join(&m.index.container_ids))? {
            let c = b.column(0).as_string::<i32>();
            ids.extend((0..b.num_rows()).map(|i| c.value(i).to_string()));
        }
        match &m.index.users {
            Some(p) => {
                for ((user, file), a) in read_users(&root.join(p))? {
                    if let Some(new) = remap.get(&file) {
                        users.insert((user, *new), a);
                    }
                }
            }
            // An index from before the summary: the kept files' people are read again.
            None => {
                for (new, (_, f)) in kept.iter().enumerate() {
                    if f.family == Family::Process.name() {
                        let path = root.join(&f.path);
                        for b in read_conformed(&path, Family::Process)? {
                            user_activity(&b, new as u32, &mut users);
                        }
                    }
                }
            }
        }
    }
    keys.sort_unstable();
    keys.dedup();
    stats.index_keys = keys.len() as u64;

    let generation = stats.generation + 1;
    let index_dir = root.join(INDEX_DIR);
    let index = write_index(
        store, &index_dir, generation, &keys, graph, &ids, &users, &files, opts,
    )?;

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
    manifest.write(&root)?;
    stats.generation = generation;

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
    remove_old_index_files(&index_dir, generation)?;
    Ok(stats)
}

/// Removes what an interrupted run left: inputs of the committed generation that still exist,
/// compacted files no manifest lists, temporary files. Returns how many.
fn recover(store: &Store, m: Option<&Manifest>) -> Result<usize, StoreError> {
    let root = store.root();
    let listed: BTreeSet<String> = m
        .iter()
        .flat_map(|m| m.files.iter().map(|f| f.path.clone()))
        .collect();
    let mut n = 0;
    if let Some(m) = m {
        for r in &m.replaced {
            let p = root.join(&r.path);
            if p.exists() {
                fs::remove_file(&p).map_err(io_err(&p))?;
                n += 1;
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
                n += 1;
            }
        }
    }
    Ok(n)
}

fn remove_old_index_files(dir: &Path, generation: u64) -> Result<(), StoreError> {
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
            let p = e.path();
            fs::remove_file(&p).map_err(io_err(&p))?;
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn write_index(
    store: &Store,
    dir: &Path,
    generation: u64,
    keys: &[(i64, u32, u32)],
    graph: HashMap<(String, String), GraphRow>,
    ids: &BTreeSet<String>,
    users: &Users,
    files: &[FileEntry],
    opts: &CompactOptions,
) -> Result<IndexFiles, StoreError> {
    let keys_path = postings::write(dir, &format!("keys-{generation}.bin"), keys)?;

    // One parent row per process, one child row per edge.
    let mut rows: Vec<(i64, GraphRow)> = Vec::with_capacity(graph.len() * 2);
    for g in graph.into_values() {
        if let Some(p) = &g.parent {
            rows.push((key_hash(kind::CHILD_OF, &[&g.host, p]), g.clone()));
        }
        rows.push((key_hash(kind::PARENT_OF, &[&g.host, &g.key]), g));
    }
    rows.sort_by(|a, b| (a.0, &a.1.key).cmp(&(b.0, &b.1.key)));
    let graph_batch = graph_batch(&rows)?;
    let (graph_path, _) = write_named_atomic(
        dir,
        &format!("graph-{generation}.parquet"),
        &graph_batch,
        index_properties(),
    )?;

    let ids_batch = RecordBatch::try_new(
        Arc::new(Schema::new(vec![Field::new(
            "container_id",
            DataType::Utf8,
            false,
        )])),
        vec![Arc::new(StringArray::from_iter_values(ids.iter()))],
    )?;
    let (ids_path, _) = write_named_atomic(
        dir,
        &format!("container-ids-{generation}.parquet"),
        &ids_batch,
        index_properties(),
    )?;

    let users_batch = RecordBatch::try_new(
        users_schema(),
        vec![
            Arc::new(StringArray::from_iter_values(users.keys().map(|k| &k.0))),
            Arc::new(UInt32Array::from_iter_values(users.keys().map(|k| k.1))),
            Arc::new(StringArray::from_iter_values(
                users.values().map(|a| &a.host_id),
            )),
            Arc::new(Int64Array::from_iter_values(
                users.values().map(|a| a.first),
            )),
            Arc::new(Int64Array::from_iter_values(users.values().map(|a| a.last))),
            Arc::new(UInt64Array::from_iter_values(
                users.values().map(|a| a.count),
            )),
            Arc::new(Int64Array::from_iter_values(users.values().map(|a| a.uid))),
        ],
    )?;
    let (users_path, _) = write_named_atomic(
        dir,
        &format!("users-{generation}.parquet"),
        &users_batch,
        index_properties(),
    )?;

    let mut side = BTreeMap::new();
    let mut folded_containers = None;
    for family in [Family::Hosts, Family::Containers, Family::Loss] {
        let mut batches = Vec::new();
        for f in files.iter().filter(|f| f.family == family.name()) {
            let path = store.root().join(&f.path);
            let date = f
                .path
                .split('/')
                .find_map(|c| c.strip_prefix("date="))
                .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                .map(|d| {
                    (d - chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default()).num_days()
                        as i32
                });
            for b in read_conformed(&path, family)? {
                batches.push(with_date(&b, date)?);
            }
        }
        let schema = side_schema(family);
        let batch = concat_batches(&schema, &batches)?;
        let (p, _) = write_named_atomic(
            dir,
            &format!("{}-{generation}.parquet", family.name()),
            &batch,
            data_properties(family, opts.row_group_rows, opts.zstd_level),
        )?;
        side.insert(family.name().to_string(), store.relative(&p));
        if family == Family::Containers {
            let folded = super::fold::folded_batch(&super::fold::fold_containers(&[batch]))?;
            let (p, _) = write_named_atomic(
                dir,
                &format!("containers-folded-{generation}.parquet"),
                &folded,
                index_properties(),
            )?;
            folded_containers = Some(store.relative(&p));
        }
    }
    sync_dir(dir)?;
    Ok(IndexFiles {
        keys: store.relative(&keys_path),
        graph: store.relative(&graph_path),
        container_ids: store.relative(&ids_path),
        side,
        users: Some(store.relative(&users_path)),
        folded_containers,
    })
}

fn side_schema(family: Family) -> SchemaRef {
    let mut fields: Vec<Field> = family
        .schema()
        .fields()
        .iter()
        .map(|f| f.as_ref().clone())
        .collect();
    fields.push(Field::new("date", DataType::Date32, true));
    Arc::new(Schema::new(fields))
}

fn with_date(b: &RecordBatch, date: Option<i32>) -> Result<RecordBatch, StoreError> {
    let family_schema = b.schema();
    let mut fields: Vec<Field> = family_schema
        .fields()
        .iter()
        .map(|f| f.as_ref().clone())
        .collect();
    fields.push(Field::new("date", DataType::Date32, true));
    let mut cols = b.columns().to_vec();
    cols.push(Arc::new(Date32Array::from(vec![date; b.num_rows()])));
    Ok(RecordBatch::try_new(Arc::new(Schema::new(fields)), cols)?)
}

fn graph_batch(rows: &[(i64, GraphRow)]) -> Result<RecordBatch, StoreError> {
    Ok(RecordBatch::try_new(
        graph_schema(),
        vec![
            Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| r.0))),
            Arc::new(StringArray::from_iter_values(
                rows.iter().map(|r| &r.1.host),
            )),
            Arc::new(StringArray::from_iter_values(rows.iter().map(|r| &r.1.key))),
            Arc::new(StringArray::from_iter(
                rows.iter().map(|r| r.1.parent.as_deref()),
            )),
            Arc::new(Int64Array::from_iter(rows.iter().map(|r| r.1.ppid))),
            Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| r.1.t))),
        ],
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_hash_is_stable_and_separates_kinds_and_parts() {
        // On disk: a change here needs a new manifest format.
        assert_eq!(key_hash(b'c', &[]), 0xaf63_de4c_8601_eff2_u64 as i64);
        assert_ne!(key_hash(b'c', &["ab"]), key_hash(b'p', &["ab"]));
        assert_ne!(key_hash(b'p', &["a", "b"]), key_hash(b'p', &["ab"]));
        assert_ne!(key_hash(b'p', &["a", "b"]), key_hash(b'p', &["b", "a"]));
    }
}
