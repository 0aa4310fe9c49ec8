//! Retention (`trace prune`): whole days of events go, oldest first, by age (`older_than`)
//! or until the store fits a size (`max_size`). A day is every event and loss partition of
//! that `date=` (all hosts); the side tables (`hosts`, `containers`) stay, as events of later
//! days still name the hosts and containers they describe, and so do the birth records of
//! processes still running after the day (see [`prune`]).
//!
//! The plan is read from the store's snapshot (what readers read) and carried out by one
//! compaction that drops the planned partitions ([`super::compact::rewrite`]): the next index
//! generation leaves their files out, the manifest names them replaced before they are
//! removed, and the seal journal records their removal (`op: "prune"`), so the index, the
//! manifest, `trace story` and `trace verify` stay right. Files written into a planned
//! partition after the plan was read are not in it and stay.

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use arrow::array::{Array, BooleanArray, RecordBatch, StringArray};

use super::compact::{CompactOptions, CompactStats, rewrite};
use super::conform::read_conformed;
use super::{Store, StoreError, io_err};
use crate::schema::{EventKind, Family};

/// What to remove.
#[derive(Debug, Clone, Copy, Default)]
pub struct PruneOptions {
    /// Days whose date is before `today − older_than` go (ns).
    pub older_than_ns: Option<i64>,
    /// The oldest days go while the store is larger than this (bytes). The newest day never
    /// goes this way.
    pub max_size: Option<u64>,
    /// Now (ns since the epoch): what "today" and ages are counted from.
    pub now_ns: i64,
}

/// One partition (family, host, date) of a planned day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partition {
    /// Its directory.
    pub dir: PathBuf,
    /// Its family.
    pub family: Family,
    /// Files readers read there.
    pub files: usize,
    /// The rows that go (for a process partition, all but the births of processes still
    /// running after the planned days).
    pub rows: u64,
    /// The bytes that go (for a process partition, in proportion to its rows).
    pub bytes: u64,
    /// The files.
    pub paths: Vec<PathBuf>,
}

/// Why a day goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// Older than `older_than`.
    Age,
    /// Oldest while the store was larger than `max_size`.
    Size,
}

/// One day to remove.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Day {
    /// The `date=` of its partitions.
    pub date: NaiveDate,
    /// Why.
    pub reason: Reason,
    /// Its partitions.
    pub partitions: Vec<Partition>,
}

impl Day {
    /// Event and loss rows of the day.
    pub fn rows(&self) -> u64 {
        self.partitions.iter().map(|p| p.rows).sum()
    }

    /// Bytes of the day.
    pub fn bytes(&self) -> u64 {
        self.partitions.iter().map(|p| p.bytes).sum()
    }

    /// Files of the day.
    pub fn files(&self) -> usize {
        self.partitions.iter().map(|p| p.files).sum()
    }
}

/// What a prune would remove.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The days, oldest first.
    pub days: Vec<Day>,
    /// Every file of the store, bytes (data, index, journal).
    pub store_bytes: u64,
    /// The days the store holds events of, oldest and newest.
    pub span: Option<(NaiveDate, NaiveDate)>,
    /// `max_size` cannot be met without the newest day.
    pub size_unmet: bool,
}

impl Plan {
    /// The store's bytes once the days are gone (the index shrinks too; not counted).
    pub fn bytes_after(&self) -> u64 {
        self.store_bytes
            .saturating_sub(self.days.iter().map(Day::bytes).sum())
    }
}

/// The families retention removes: the events and the loss records of a day.
fn pruned(family: Family) -> bool {
    family.is_event() || family == Family::Loss
}

/// The `date=` of a partition directory.
fn date_of(dir: &Path) -> Option<NaiveDate> {
    let name = dir.file_name()?.to_str()?;
    NaiveDate::parse_from_str(name.strip_prefix("date=")?, "%Y-%m-%d").ok()
}

fn rows_of(path: &Path) -> Result<u64, StoreError> {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let f = std::fs::File::open(path).map_err(io_err(path))?;
    let r = SerializedFileReader::new(f).map_err(|source| StoreError::Parquet {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(r.metadata().file_metadata().num_rows().max(0) as u64)
}

fn store_bytes(root: &Path) -> u64 {
    walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum()
}

/// Reads what `opts` would remove.
pub fn plan(store: &Store, opts: &PruneOptions) -> Result<Plan, StoreError> {
    let snap = store.snapshot()?;
    let listed: BTreeMap<PathBuf, u64> = snap
        .manifest
        .iter()
        .flat_map(|m| m.files.iter())
        .map(|f| (store.root().join(&f.path), f.rows))
        .collect();
    let mut days: BTreeMap<NaiveDate, BTreeMap<PathBuf, Partition>> = BTreeMap::new();
    for family in Family::ALL.into_iter().filter(|f| pruned(*f)) {
        for file in snap.files(family) {
            let Some(dir) = file.parent() else { continue };
            let Some(date) = date_of(dir) else { continue };
            let bytes = std::fs::metadata(&file).map_err(io_err(&file))?.len();
            let rows = match listed.get(&file) {
                Some(r) => *r,
                None => rows_of(&file)?,
            };
            let p = days
                .entry(date)
                .or_default()
                .entry(dir.to_path_buf())
                .or_insert_with(|| Partition {
                    dir: dir.to_path_buf(),
                    family,
                    files: 0,
                    rows: 0,
                    bytes: 0,
                    paths: Vec::new(),
                });
            p.paths.push(file.clone());
            p.files += 1;
            p.rows += rows;
            p.bytes += bytes;
        }
    }
    let span = days.keys().next().copied().zip(days.keys().last().copied());
    let today = chrono::DateTime::from_timestamp_nanos(opts.now_ns).date_naive();
    let cutoff = opts.older_than_ns.map(|ns| {
        chrono::DateTime::from_timestamp_nanos(opts.now_ns.saturating_sub(ns)).date_naive()
    });
    let mut plan = Plan {
        days: Vec::new(),
        store_bytes: store_bytes(store.root()),
        span,
        size_unmet: false,
    };
    let newest = span.map(|(_, n)| n);
    for (date, parts) in days {
        let partitions: Vec<Partition> = parts.into_values().collect();
        let reason = if cutoff.is_some_and(|c| date < c) {
            Reason::Age
        } else if opts.max_size.is_some_and(|m| plan.bytes_after() > m) {
            if Some(date) == newest || date >= today {
                break;
            }
            Reason::Size
        } else {
            break;
        };
        plan.days.push(Day {
            date,
            reason,
            partitions,
        });
    }
    // What stays of the planned days' process partitions; a day that would lose nothing (all
    // that is left of it is births of processes still running) is not planned again.
    let exited = exits(&process_files(&plan))?;
    for day in &mut plan.days {
        for p in day
            .partitions
            .iter_mut()
            .filter(|p| p.family == Family::Process)
        {
            let (mut total, mut kept) = (0u64, 0u64);
            for f in &p.paths {
                for b in read_conformed(f, Family::Process)? {
                    total += b.num_rows() as u64;
                    kept += survivors(&b, &exited).true_count() as u64;
                }
            }
            p.rows = total - kept;
            p.bytes = (p.bytes * p.rows).checked_div(total).unwrap_or(p.bytes);
        }
        day.partitions
            .retain(|p| p.rows > 0 || p.family != Family::Process);
    }
    plan.days.retain(|d| !d.partitions.is_empty());
    if let Some(max) = opts.max_size {
        plan.size_unmet = plan.bytes_after() > max;
    }
    Ok(plan)
}

/// The process files of the planned days.
fn process_files(plan: &Plan) -> Vec<PathBuf> {
    plan.days
        .iter()
        .flat_map(|d| d.partitions.iter())
        .filter(|p| p.family == Family::Process)
        .flat_map(|p| p.paths.iter().cloned())
        .collect()
}

/// The rows of a process batch that stay: births (exec, fork) of processes that did not exit
/// in the planned days (`exited`).
fn survivors(b: &RecordBatch, exited: &HashSet<(String, String)>) -> BooleanArray {
    let (kind, host, key) = (text(b, "kind"), text(b, "host_id"), text(b, "process_key"));
    (0..b.num_rows())
        .map(|i| {
            let birth = [EventKind::ProcessExec, EventKind::ProcessFork]
                .iter()
                .any(|k| k.as_str() == kind.value(i));
            let alive = key.is_valid(i)
                && !exited.contains(&(host.value(i).to_string(), key.value(i).to_string()));
            Some(birth && alive)
        })
        .collect()
}

/// What a prune did.
#[derive(Debug, Clone, Default)]
pub struct Pruned {
    /// The compaction that carried it out.
    pub compaction: CompactStats,
    /// Birth records (exec, fork) of processes still running after the days, kept.
    pub kept_births: u64,
}

/// `(host_id, process_key)` of every exit in `files`.
fn exits(files: &[PathBuf]) -> Result<HashSet<(String, String)>, StoreError> {
    let mut out = HashSet::new();
    for f in files {
        for b in read_conformed(f, Family::Process)? {
            let (kind, host, key) = (
                text(&b, "kind"),
                text(&b, "host_id"),
                text(&b, "process_key"),
            );
            for i in 0..b.num_rows() {
                if kind.value(i) == EventKind::ProcessExit.as_str() && key.is_valid(i) {
                    out.insert((host.value(i).to_string(), key.value(i).to_string()));
                }
            }
        }
    }
    Ok(out)
}

fn text<'a>(b: &'a RecordBatch, name: &str) -> &'a StringArray {
    b.column_by_name(name)
        .and_then(|c| c.as_any().downcast_ref::<StringArray>())
        .unwrap_or_else(|| panic!("the conformed process schema has a text {name}"))
}

/// Removes the planned days (one compaction, which also merges what is new elsewhere).
///
/// A process that started on a pruned day and had not exited by its end (init, containerd,
/// a shell an intruder left open) is still the ancestor of later events: its birth records
/// stay, in its day's process partition, so stories keep their lineage. Everything else of
/// the day goes.
pub fn prune(store: &Store, plan: &Plan) -> Result<Pruned, StoreError> {
    let parts = || plan.days.iter().flat_map(|d| d.partitions.iter());
    let drop: BTreeSet<PathBuf> = parts()
        .filter(|p| p.family != Family::Process)
        .map(|p| p.dir.clone())
        .collect();
    let thin: BTreeSet<PathBuf> = parts()
        .filter(|p| p.family == Family::Process)
        .map(|p| p.dir.clone())
        .collect();
    // The exits are read again: a process file of these days may have come since the plan.
    let snap = store.snapshot()?;
    let files: Vec<PathBuf> = snap
        .files(Family::Process)
        .into_iter()
        .filter(|f| f.parent().is_some_and(|d| thin.contains(d)))
        .collect();
    let exited = exits(&files)?;
    let kept = Cell::new(0u64);
    let keep = |b: &RecordBatch| -> Result<BooleanArray, StoreError> {
        let mask = survivors(b, &exited);
        kept.set(kept.get() + mask.true_count() as u64);
        Ok(mask)
    };
    let compaction = rewrite(
        store,
        &CompactOptions::default(),
        &drop,
        Some((&thin, &keep)),
        "prune",
    )?;
    Ok(Pruned {
        compaction,
        kept_births: kept.get(),
    })
}
