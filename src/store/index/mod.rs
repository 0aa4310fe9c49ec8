//! Reading the index `trace compact` writes (see docs/store.md): which compacted files hold a
//! container, a process, a flow, an address, a hash or a user, and the process graph, without
//! opening a data file.
//!
//! Both index files are sorted by a 64-bit key hash ([`format::key_hash`]) in row groups
//! of [`format::INDEX_ROW_GROUP`] rows; a lookup reads the footer once, picks the row
//! groups whose min/max hash can hold the key and decodes only those (cached per reader).

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs::File;
use std::path::{Path, PathBuf};

use arrow::array::{Array, AsArray, RecordBatch, UInt32Array};
use arrow::compute::concat_batches;
use arrow::datatypes::Int64Type;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};
use parquet::file::statistics::Statistics;

pub(crate) mod build;
pub mod format;

use super::manifest::{FileEntry, Snapshot};
use super::postings::Postings;
use super::{Store, StoreError, escape_partition_value, io_err};
use crate::schema::Family;
use crate::select::Scope;
use format::{INDEX_ROW_GROUP, UserActivity, WHOLE_FILE, key_hash, kind, read_users};

/// One sorted index file.
struct SortedFile {
    path: PathBuf,
    meta: ArrowReaderMetadata,
    /// (min, max) hash per row group.
    ranges: Vec<(i64, i64)>,
    cache: RefCell<HashMap<usize, RecordBatch>>,
}

impl SortedFile {
    fn open(path: PathBuf) -> Result<SortedFile, StoreError> {
        let file = File::open(&path).map_err(io_err(&path))?;
        let meta = ArrowReaderMetadata::load(&file, ArrowReaderOptions::new()).map_err(|e| {
            StoreError::Parquet {
                path: path.clone(),
                source: e,
            }
        })?;
        let mut ranges = Vec::new();
        for (i, rg) in meta.metadata().row_groups().iter().enumerate() {
            match rg.column(0).statistics() {
                Some(Statistics::Int64(s)) => match (s.min_opt(), s.max_opt()) {
                    (Some(a), Some(b)) => ranges.push((*a, *b)),
                    _ => ranges.push((i64::MIN, i64::MAX)),
                },
                _ => {
                    return Err(StoreError::Conform {
                        path: path.clone(),
                        field: "h".into(),
                        message: format!("row group {i} has no Int64 statistics"),
                    });
                }
            }
        }
        Ok(SortedFile {
            path,
            meta,
            ranges,
            cache: RefCell::new(HashMap::new()),
        })
    }

    /// Decodes the row groups `rgs` not cached yet, in one pass, into the cache.
    fn load(&self, rgs: &[usize]) -> Result<(), StoreError> {
        let missing: Vec<usize> = {
            let cache = self.cache.borrow();
            rgs.iter()
                .copied()
                .filter(|r| !cache.contains_key(r))
                .collect()
        };
        if missing.is_empty() {
            return Ok(());
        }
        let perr = |source| StoreError::Parquet {
            path: self.path.clone(),
            source,
        };
        let file = File::open(&self.path).map_err(io_err(&self.path))?;
        let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(file, self.meta.clone())
            .with_row_groups(missing.clone())
            .with_batch_size(INDEX_ROW_GROUP)
            .build()
            .map_err(perr)?;
        let mut batches = Vec::new();
        for b in reader {
            batches.push(b.map_err(|e| StoreError::Conform {
                path: self.path.clone(),
                field: "-".into(),
                message: e.to_string(),
            })?);
        }
        let all = concat_batches(self.meta.schema(), &batches)?;
        let mut offset = 0;
        let mut cache = self.cache.borrow_mut();
        for rg in missing {
            let n = self.meta.metadata().row_group(rg).num_rows() as usize;
            if offset + n > all.num_rows() {
                return Err(StoreError::Conform {
                    path: self.path.clone(),
                    field: "-".into(),
                    message: format!("row group {rg} is shorter than its metadata says"),
                });
            }
            cache.insert(rg, all.slice(offset, n));
            offset += n;
        }
        Ok(())
    }

    /// Calls `f(batch, row)` for every row whose hash is in `hashes`.
    fn each(
        &self,
        hashes: &BTreeSet<i64>,
        mut f: impl FnMut(&RecordBatch, usize),
    ) -> Result<(), StoreError> {
        let mut by_rg: BTreeMap<usize, Vec<i64>> = BTreeMap::new();
        for &h in hashes {
            let first = self.ranges.partition_point(|(_, max)| *max < h);
            for (rg, (min, _)) in self.ranges.iter().enumerate().skip(first) {
                if *min > h {
                    break;
                }
                by_rg.entry(rg).or_default().push(h);
            }
        }
        self.load(&by_rg.keys().copied().collect::<Vec<_>>())?;
        for (rg, hs) in by_rg {
            let b = self.cache.borrow()[&rg].clone();
            let col = b.column(0).as_primitive::<Int64Type>();
            let vals = col.values();
            for h in hs {
                let start = vals.partition_point(|v| *v < h);
                let end = vals.partition_point(|v| *v <= h);
                for row in start..end {
                    f(&b, row);
                }
            }
        }
        Ok(())
    }
}

/// What a lookup found: compacted file id → the rows posted (`None`: the whole file).
pub type Posted = BTreeMap<u32, Option<BTreeSet<u32>>>;

/// People's activity by (host, user).
pub type UsersByHost = HashMap<(String, String), UserActivity>;

/// The postings: the block file, or a Parquet file from before it.
enum Keys {
    Blocks(Postings),
    Parquet(SortedFile),
}

impl Keys {
    fn open(path: PathBuf) -> Result<Keys, StoreError> {
        if path.extension().is_some_and(|e| e == "bin") {
            Ok(Keys::Blocks(Postings::open(&path)?))
        } else {
            Ok(Keys::Parquet(SortedFile::open(path)?))
        }
    }

    /// Calls `f(file, row)` for every posting of the hashes.
    fn each(&self, hashes: &BTreeSet<i64>, mut f: impl FnMut(u32, u32)) -> Result<(), StoreError> {
        match self {
            Keys::Blocks(p) => p.each(hashes, f),
            Keys::Parquet(sf) => sf.each(hashes, |b, row| {
                if let Some(file) = b.column(1).as_any().downcast_ref::<UInt32Array>() {
                    let r = b
                        .column_by_name("row")
                        .and_then(|c| c.as_any().downcast_ref::<UInt32Array>())
                        .map_or(WHOLE_FILE, |r| r.value(row));
                    f(file.value(row), r);
                }
            }),
        }
    }
}

/// The files (and, where the index posts rows, the rows) a [`Scope`] needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Picked {
    /// Files to read, per event family, sorted.
    pub files: BTreeMap<Family, Vec<PathBuf>>,
    /// Rows posted for the files named by row (flows); other files are read whole.
    pub rows: HashMap<PathBuf, Vec<u32>>,
}

impl Picked {
    /// The files of `family`.
    pub fn files(&self, family: Family) -> &[PathBuf] {
        self.files.get(&family).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Files over all families.
    pub fn len(&self) -> usize {
        self.files.values().map(Vec::len).sum()
    }

    /// True when no file is needed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A process as the graph index knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphEntry {
    /// Its key.
    pub key: String,
    /// Its parent's key.
    pub parent: Option<String>,
    /// Its ppid.
    pub ppid: Option<i64>,
    /// Its first event, ns.
    pub first_time: i64,
}

/// The index of a compacted store, with the snapshot it belongs to.
pub struct StoreIndex {
    snapshot: Snapshot,
    keys: Keys,
    graph: SortedFile,
    root: PathBuf,
}

impl std::fmt::Debug for StoreIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreIndex")
            .field("root", &self.root)
            .finish_non_exhaustive()
    }
}

impl StoreIndex {
    /// The index of `store` with a fresh snapshot; `None` when the store was never compacted.
    pub fn open(store: &Store) -> Result<Option<StoreIndex>, StoreError> {
        let snapshot = store.snapshot()?;
        let Some(m) = &snapshot.manifest else {
            return Ok(None);
        };
        let root = store.root().to_path_buf();
        let keys = Keys::open(root.join(&m.index.keys))?;
        let graph = SortedFile::open(root.join(&m.index.graph))?;
        Ok(Some(StoreIndex {
            snapshot,
            keys,
            graph,
            root,
        }))
    }

    /// The snapshot the index belongs to.
    pub fn snapshot(&self) -> &Snapshot {
        &self.snapshot
    }

    fn entries(&self) -> &[FileEntry] {
        self.snapshot
            .manifest
            .as_ref()
            .map(|m| m.files.as_slice())
            .unwrap_or(&[])
    }

    /// The host of compacted file `id`.
    pub fn host_of(&self, id: u32) -> Option<&str> {
        self.entries().get(id as usize).map(|e| e.host_id.as_str())
    }

    /// Path of a side-table copy (hosts, containers, loss) of the compacted files.
    pub fn side_copy(&self, family: Family) -> Option<PathBuf> {
        let m = self.snapshot.manifest.as_ref()?;
        m.index.side.get(family.name()).map(|p| self.root.join(p))
    }

    /// Path of the folded compacted container records, when the index has it.
    pub fn folded_containers(&self) -> Option<PathBuf> {
        let m = self.snapshot.manifest.as_ref()?;
        m.index
            .folded_containers
            .as_ref()
            .map(|p| self.root.join(p))
    }

    /// Path of the distinct container ids of the compacted event files.
    pub fn container_ids(&self) -> Option<PathBuf> {
        let m = self.snapshot.manifest.as_ref()?;
        Some(self.root.join(&m.index.container_ids))
    }

    /// Compacted file ids holding any of the keys (`kind`, parts), each with the rows posted
    /// for it: `None` when the whole file is posted (every kind but flows, and indexes from
    /// before row postings).
    pub fn lookup(&self, kind: u8, keys: &[Vec<&str>]) -> Result<Posted, StoreError> {
        let hashes: BTreeSet<i64> = keys.iter().map(|k| key_hash(kind, k)).collect();
        let mut out = Posted::new();
        self.keys.each(&hashes, |file, r| {
            let e = out.entry(file).or_insert_with(|| Some(BTreeSet::new()));
            match (r, e) {
                (WHOLE_FILE, e) => *e = None,
                (r, Some(rows)) => {
                    rows.insert(r);
                }
                (_, None) => {}
            }
        })?;
        Ok(out)
    }

    /// Path of compacted file `id`.
    pub fn path_of(&self, id: u32) -> Option<&Path> {
        self.snapshot
            .compacted
            .get(id as usize)
            .map(PathBuf::as_path)
    }

    /// Paths of compacted files `ids` of `family`, plus the fresh files of `family` (on `host`
    /// when given: fresh files are never indexed, so they are always read).
    pub fn paths(&self, family: Family, ids: &BTreeSet<u32>, host: Option<&str>) -> Vec<PathBuf> {
        let entries = self.entries();
        let mut out: Vec<PathBuf> = ids
            .iter()
            .filter_map(|&i| {
                let e = entries.get(i as usize)?;
                (e.family == family.name()).then(|| self.snapshot.compacted[i as usize].clone())
            })
            .collect();
        out.extend(self.fresh(family, host));
        out.sort();
        out.dedup();
        out
    }

    /// Fresh files of `family` (of `host` when given).
    pub fn fresh(&self, family: Family, host: Option<&str>) -> Vec<PathBuf> {
        let want = host.map(|h| format!("host={}", escape_partition_value(h)));
        self.snapshot
            .fresh(family)
            .iter()
            .filter(|p| match &want {
                None => true,
                Some(w) => p
                    .parent()
                    .and_then(Path::parent)
                    .and_then(|d| d.file_name())
                    .is_some_and(|n| n.to_string_lossy() == *w),
            })
            .cloned()
            .collect()
    }

    /// Compacted files of `family` on `host` whose rows overlap [since, until], plus fresh ones.
    pub fn host_window(&self, family: Family, host: &str, since: i64, until: i64) -> Vec<PathBuf> {
        let ids: BTreeSet<u32> = self
            .entries()
            .iter()
            .enumerate()
            .filter(|(_, e)| {
                e.family == family.name()
                    && e.host_id == host
                    && e.min_time <= until
                    && e.max_time >= since
            })
            .map(|(i, _)| i as u32)
            .collect();
        self.paths(family, &ids, Some(host))
    }

    /// People's host execs in the compacted files, by (host, user), for `users` on hosts other
    /// than `except_host`; `None` when the index has no people summary (written before it
    /// existed).
    pub fn user_activity(
        &self,
        users: &[String],
        except_host: &str,
    ) -> Result<Option<UsersByHost>, StoreError> {
        let Some(p) = self
            .snapshot
            .manifest
            .as_ref()
            .and_then(|m| m.index.users.as_ref())
        else {
            return Ok(None);
        };
        let mut out = UsersByHost::new();
        for ((user, _), a) in read_users(&self.root.join(p))? {
            if a.host_id == except_host || !users.contains(&user) {
                continue;
            }
            match out.get_mut(&(a.host_id.clone(), user.clone())) {
                Some(m) => m.merge(&a),
                None => {
                    out.insert((a.host_id.clone(), user), a);
                }
            }
        }
        Ok(Some(out))
    }

    /// The files `scope` needs: the compacted files the index names for its keys, plus every
    /// fresh file of the families it names (fresh files are never indexed).
    pub fn pick(&self, scope: &Scope) -> Result<Picked, StoreError> {
        fn one(v: &[String]) -> Vec<Vec<&str>> {
            v.iter().map(|s| vec![s.as_str()]).collect()
        }
        let ids = |p: Posted| -> BTreeSet<u32> { p.into_keys().collect() };
        let mut out = Picked::default();
        let events = |out: &mut Picked, ids: &BTreeSet<u32>, host: Option<&str>| {
            for f in Family::EVENTS {
                out.files.insert(f, self.paths(f, ids, host));
            }
        };
        match scope {
            Scope::All => {
                for f in Family::EVENTS {
                    out.files.insert(f, self.snapshot.files(f));
                }
            }
            Scope::Containers(c) => {
                events(&mut out, &ids(self.lookup(kind::CONTAINER, &one(c))?), None)
            }
            Scope::Processes { host, keys } => {
                let k: Vec<Vec<&str>> = keys
                    .iter()
                    .map(|k| vec![host.as_str(), k.as_str()])
                    .collect();
                events(&mut out, &ids(self.lookup(kind::PROCESS, &k)?), Some(host))
            }
            Scope::Hashes(h) => events(&mut out, &ids(self.lookup(kind::SHA256, &one(h))?), None),
            Scope::Fresh => events(&mut out, &BTreeSet::new(), None),
            Scope::Flows(c) => {
                let posted = self.lookup(kind::FLOW, &one(c))?;
                for (id, rows) in &posted {
                    if let (Some(p), Some(rows)) = (self.path_of(*id), rows) {
                        out.rows
                            .insert(p.to_path_buf(), rows.iter().copied().collect());
                    }
                }
                let files = self.paths(Family::Network, &ids(posted), None);
                out.files.insert(Family::Network, files);
            }
            Scope::Addresses(a) => {
                let ids = ids(self.lookup(kind::IP, &one(a))?);
                out.files
                    .insert(Family::Network, self.paths(Family::Network, &ids, None));
            }
            Scope::Users { users, except_host } => {
                let mut ids = ids(self.lookup(kind::USER, &one(users))?);
                ids.retain(|i| self.host_of(*i) != Some(except_host.as_str()));
                let own = self.fresh(Family::Process, Some(except_host));
                let mut files = self.paths(Family::Process, &ids, None);
                files.retain(|f| !own.contains(f));
                out.files.insert(Family::Process, files);
            }
            Scope::HostWindow { host, since, until } => {
                let files = self.host_window(Family::Process, host, *since, *until);
                out.files.insert(Family::Process, files);
            }
            Scope::FreshProcesses(host) => {
                out.files
                    .insert(Family::Process, self.fresh(Family::Process, Some(host)));
            }
        }
        Ok(out)
    }

    /// Parents of processes on `host` (only those the index knows).
    pub fn parents(
        &self,
        host: &str,
        keys: &[String],
    ) -> Result<HashMap<String, GraphEntry>, StoreError> {
        let hashes: BTreeSet<i64> = keys
            .iter()
            .map(|k| key_hash(kind::PARENT_OF, &[host, k]))
            .collect();
        let want: BTreeSet<&str> = keys.iter().map(String::as_str).collect();
        let mut out = HashMap::new();
        self.graph.each(&hashes, |b, row| {
            if let Some(e) = graph_entry(b, row, host)
                && want.contains(e.key.as_str())
            {
                out.insert(e.key.clone(), e);
            }
        })?;
        Ok(out)
    }

    /// Children of processes on `host`: parent key → its children (as the index knows them).
    pub fn children(
        &self,
        host: &str,
        parents: &[String],
    ) -> Result<HashMap<String, Vec<GraphEntry>>, StoreError> {
        let hashes: BTreeSet<i64> = parents
            .iter()
            .map(|k| key_hash(kind::CHILD_OF, &[host, k]))
            .collect();
        let want: BTreeSet<&str> = parents.iter().map(String::as_str).collect();
        let mut out: HashMap<String, Vec<GraphEntry>> = HashMap::new();
        self.graph.each(&hashes, |b, row| {
            if let Some(e) = graph_entry(b, row, host)
                && let Some(p) = e.parent.clone()
                && want.contains(p.as_str())
            {
                out.entry(p).or_default().push(e);
            }
        })?;
        Ok(out)
    }
}

fn graph_entry(b: &RecordBatch, row: usize, host: &str) -> Option<GraphEntry> {
    let s = |i: usize| b.column(i).as_string::<i32>();
    if s(1).value(row) != host {
        return None;
    }
    let parent = s(3);
    let ppid = b.column(4).as_primitive::<Int64Type>();
    Some(GraphEntry {
        key: s(2).value(row).to_string(),
        parent: parent.is_valid(row).then(|| parent.value(row).to_string()),
        ppid: ppid.is_valid(row).then(|| ppid.value(row)),
        first_time: b.column(5).as_primitive::<Int64Type>().value(row),
    })
}
