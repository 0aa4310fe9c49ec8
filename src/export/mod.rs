//! `trace export`: the store's events in the schema a data lake or SIEM speaks (OCSF 1.8.0
//! as JSON lines or as Parquet in the Amazon Security Lake layout, ECS 9.4 as JSON lines, or
//! the store's own columns as CSV), for cron.
//!
//! Incremental by ingest stamp: every row carries the time it was written to the store
//! (`ingest_time`, which compaction keeps), and the state file remembers, per format and
//! unit (an OCSF class or an event family), the stamp exported through. A writer stamps its
//! rows and seals its file while holding the journal lock exclusively; the export reads its
//! clock and lists the store under the same lock held shared, so every row stamped at or
//! before the cursor is in the listing, and every row written later has a later stamp. Late
//! imports (old events, new stamps) are exported by the next run; compaction rewrites files
//! without changing a stamp, so nothing is exported twice.
//!
//! Outputs appear atomically and together: each is written under a hidden temporary name,
//! then the state records the renames and the new cursors as pending, then the files are
//! renamed, then the state is committed. A run killed before the pending state leaves only
//! temporary files (the next run removes them and exports the same rows again); one killed
//! after it is finished by the next run. Runs on one destination are serialised by a lock.
//! See docs/export.md.

mod ecs;
mod ocsf;
mod shape;
mod state;
mod write;

use std::path::{Path, PathBuf};
use std::time::Duration;

use duckdb::types::{TimeUnit, Value};

use crate::config::ExportFormat;
use crate::query::{Engine, QueryError};
use crate::schema::{Family, INGEST_TIME};
use crate::store::seal::JournalLock;
use crate::store::{Store, StoreError};

pub use ocsf::VERSION as OCSF_VERSION;
pub use state::STATE_FILE;

/// What one set of output files holds: one OCSF class, or one event family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unit {
    /// Its name: the OCSF class (`process_activity`) or the family (`process`).
    pub name: &'static str,
    /// The family its rows are read from.
    pub family: Family,
    /// The OCSF class its rows have (a family may hold more than one class).
    pub class_uid: Option<i32>,
}

impl Unit {
    const fn class(name: &'static str, family: Family, class_uid: i32) -> Unit {
        Unit {
            name,
            family,
            class_uid: Some(class_uid),
        }
    }

    const fn family(name: &'static str, family: Family) -> Unit {
        Unit {
            name,
            family,
            class_uid: None,
        }
    }
}

/// The units of the formats that write one set of files per event family (ECS, CSV).
const FAMILY_UNITS: [Unit; 5] = [
    Unit::family("process", Family::Process),
    Unit::family("file", Family::File),
    Unit::family("network", Family::Network),
    Unit::family("finding", Family::Finding),
    Unit::family("api", Family::Api),
];

/// The units a format writes, in order.
pub fn units(format: ExportFormat) -> &'static [Unit] {
    match format {
        ExportFormat::OcsfJsonl | ExportFormat::OcsfParquet => &ocsf::UNITS,
        ExportFormat::EcsJsonl | ExportFormat::Csv => &FAMILY_UNITS,
    }
}

/// Which rows a run exports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// What was written since the last run (the state's cursors) and is at least `settle`
    /// old; moves the cursors.
    Incremental {
        /// How old a row's ingest stamp must be.
        settle: Duration,
    },
    /// Events whose time is in `[since, until)` (ns; open ends unbounded), whenever they
    /// were written; the state is left as it is.
    Range {
        /// From (ns since the epoch).
        since: Option<i64>,
        /// Before (ns since the epoch).
        until: Option<i64>,
    },
}

/// The Security Lake partitions of `ocsf-parquet` output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lake {
    /// `region=`.
    pub region: String,
    /// `accountId=`.
    pub account_id: String,
}

/// Where a run can be stopped by a test, leaving what a kill at that point would leave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// The temporary outputs are written; the state is untouched.
    Written,
    /// The state names the renames as pending; none is done.
    Pending,
}

/// What a run does.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    /// The format.
    pub format: ExportFormat,
    /// The directory the files go to.
    pub destination: PathBuf,
    /// The state file ([`default_state`] unless configured).
    pub state: PathBuf,
    /// Which rows.
    pub window: Window,
    /// Only these units (all when empty).
    pub only: Vec<String>,
    /// Partitions of `ocsf-parquet` output (required there).
    pub lake: Option<Lake>,
    /// For tests of crash safety: stop after this stage.
    pub stop_after: Option<Stage>,
}

/// What one unit exported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitReport {
    /// The unit.
    pub unit: &'static str,
    /// Rows written.
    pub rows: u64,
    /// The files, under their final names.
    pub files: Vec<PathBuf>,
    /// Why the unit failed (its cursor stays where it was); `None`: it succeeded.
    pub error: Option<String>,
}

/// What a run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// One entry per unit.
    pub units: Vec<UnitReport>,
    /// The ingest stamp exported through (µs since the epoch), for incremental runs.
    pub through_us: Option<i64>,
    /// Files a killed run had left pending that this run put in place.
    pub resumed: usize,
}

impl Report {
    /// Rows written by every unit.
    pub fn rows(&self) -> u64 {
        self.units.iter().map(|u| u.rows).sum()
    }

    /// Units that failed.
    pub fn failed(&self) -> usize {
        self.units.iter().filter(|u| u.error.is_some()).count()
    }
}

/// Why an export could not run.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Reading the store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// DuckDB failed.
    #[error(transparent)]
    Query(#[from] QueryError),
    /// An output or the state could not be written or read.
    #[error("{path}: {message}")]
    File {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// The options contradict each other or name something unknown.
    #[error("{0}")]
    Usage(String),
    /// Stopped by [`ExportOptions::stop_after`].
    #[error("stopped after stage {0:?}")]
    Stopped(Stage),
}

pub(crate) fn file_err(path: &Path) -> impl FnOnce(std::io::Error) -> ExportError + '_ {
    move |e| ExportError::File {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// The state file when none is configured: hidden in the destination, beside what it
/// describes.
pub fn default_state(destination: &Path) -> PathBuf {
    destination.join(STATE_FILE)
}

/// Runs one export. `progress` is told each unit's rows as they are written.
pub fn run(
    store: &Store,
    opts: &ExportOptions,
    progress: &mut dyn FnMut(&str, u64),
) -> Result<Report, ExportError> {
    let units = selected(opts)?;
    if opts.format == ExportFormat::OcsfParquet && opts.lake.is_none() {
        return Err(ExportError::Usage(
            "ocsf-parquet writes the Amazon Security Lake layout, whose partitions need a \
             region and an account: pass --region and --account-id (or set export.region and \
             export.account_id)"
                .into(),
        ));
    }
    std::fs::create_dir_all(&opts.destination).map_err(file_err(&opts.destination))?;
    let _lock = state::DestinationLock::acquire(&opts.destination)?;
    let mut st = state::State::load(&opts.state)?;
    let resumed = st.finish_pending(&opts.state)?;
    write::remove_temporaries(&opts.destination)?;

    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.6fZ").to_string();
    let (mut engine, upper_us) = open_snapshot(store, opts.window)?;
    set_temp_directory(&engine, &opts.destination)?;
    let mut reports = Vec::new();
    let mut pending = state::Pending::default();
    for unit in &units {
        let key = state::key(opts.format, unit.name);
        let lower_us = st.cursor(&key);
        let mut report = UnitReport {
            unit: unit.name,
            rows: 0,
            files: Vec::new(),
            error: None,
        };
        let (sql, params) = query(opts, unit, lower_us, upper_us);
        let target = write::Target {
            format: opts.format,
            destination: &opts.destination,
            unit,
            stamp: &stamp,
            lake: opts.lake.as_ref(),
        };
        let mut attempt = write::export_unit(&engine, &sql, &params, &target, &mut |n| {
            progress(unit.name, n)
        });
        if attempt.as_ref().is_err_and(vanished) {
            // A compaction replaced files of the listing: list again (the rows, and their
            // stamps, are the same in the files that replaced them).
            engine = relist(store)?;
            set_temp_directory(&engine, &opts.destination)?;
            attempt = write::export_unit(&engine, &sql, &params, &target, &mut |n| {
                progress(unit.name, n)
            });
        }
        match attempt {
            Ok((rows, outputs)) => {
                report.rows = rows;
                report.files = outputs.iter().map(|o| o.path.clone()).collect();
                pending.renames.extend(outputs);
                if let Some(u) = upper_us {
                    // Never backwards (a clock set back, a longer settle).
                    pending
                        .cursors
                        .insert(key, lower_us.map_or(u, |l| l.max(u)));
                }
            }
            Err(e) => report.error = Some(e.to_string()),
        }
        reports.push(report);
    }
    if opts.stop_after == Some(Stage::Written) {
        return Err(ExportError::Stopped(Stage::Written));
    }
    if !pending.renames.is_empty() || !pending.cursors.is_empty() {
        st.pending = Some(pending);
        st.save(&opts.state)?;
        if opts.stop_after == Some(Stage::Pending) {
            return Err(ExportError::Stopped(Stage::Pending));
        }
        st.finish_pending(&opts.state)?;
    }
    Ok(Report {
        units: reports,
        through_us: upper_us,
        resumed,
    })
}

fn selected(opts: &ExportOptions) -> Result<Vec<Unit>, ExportError> {
    let all = units(opts.format);
    for name in &opts.only {
        if !all.iter().any(|u| u.name == name) {
            let names: Vec<&str> = all.iter().map(|u| u.name).collect();
            return Err(ExportError::Usage(format!(
                "{} has no unit '{name}': it writes {}",
                opts.format.name(),
                names.join(", ")
            )));
        }
    }
    Ok(all
        .iter()
        .filter(|u| opts.only.is_empty() || opts.only.iter().any(|n| n == u.name))
        .copied()
        .collect())
}

/// Lists the store and, for an incremental run, reads the clock, under the journal lock held
/// shared: no writer is between stamping its rows and sealing its file, so the listing holds
/// every row stamped up to now. Returns the engine and the upper bound (µs).
fn open_snapshot(store: &Store, window: Window) -> Result<(Engine, Option<i64>), ExportError> {
    let Window::Incremental { settle } = window else {
        return Ok((Engine::open(store)?, None));
    };
    let lock = shared_lock(store)?;
    let now_us = crate::timefmt::now_ns() / 1000;
    let engine = Engine::open(store)?;
    drop(lock);
    let settle_us = i64::try_from(settle.as_micros()).unwrap_or(i64::MAX);
    Ok((engine, Some(now_us.saturating_sub(settle_us))))
}

/// A fresh listing, under the journal lock held shared.
fn relist(store: &Store) -> Result<Engine, ExportError> {
    let _lock = shared_lock(store)?;
    Ok(Engine::open(store)?)
}

/// True when a query failed because a file of its listing is gone.
fn vanished(e: &ExportError) -> bool {
    let m = e.to_string();
    m.contains("No such file") || m.contains("not found")
}

/// The journal lock, shared; `None` on a store on read-only media (no writers to wait for).
fn shared_lock(store: &Store) -> Result<Option<JournalLock>, ExportError> {
    match JournalLock::acquire(store.root(), false) {
        Ok(l) => Ok(Some(l)),
        Err(StoreError::Io { source, .. })
            if matches!(
                source.kind(),
                std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem
            ) =>
        {
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

/// How much memory DuckDB may hold during an export. Each unit is sorted by time; without a
/// bound DuckDB keeps the sort in memory (11 GB at 10M events, docs/benchmarks.md), with one
/// it spills to the destination's spill directory, so a cron run stays beside the collectors.
pub const MEMORY_LIMIT: &str = "1GB";

/// Where DuckDB spills (inside the destination, removed with it) and how much it may hold.
fn set_temp_directory(engine: &Engine, destination: &Path) -> Result<(), ExportError> {
    let dir = destination.join(".trace-export-spill");
    let conn = engine.connection()?;
    conn.execute(
        "SET temp_directory = ?",
        [dir.to_string_lossy().into_owned()],
    )
    .map_err(QueryError::from)?;
    conn.execute("SET memory_limit = ?", [MEMORY_LIMIT])
        .map_err(QueryError::from)?;
    Ok(())
}

/// The SQL of one unit and its bound values.
fn query(
    opts: &ExportOptions,
    unit: &Unit,
    lower_us: Option<i64>,
    upper_us: Option<i64>,
) -> (String, Vec<Value>) {
    let ts = |us: i64| Value::Timestamp(TimeUnit::Microsecond, us);
    let mut conds = Vec::new();
    let mut params = Vec::new();
    match (opts.window, upper_us) {
        (Window::Incremental { .. }, Some(upper)) => {
            let col = format!("e.{INGEST_TIME}");
            match lower_us {
                // Rows of stores from before ingest stamps go with the first run.
                None => conds.push(format!("({col} <= ? OR {col} IS NULL)")),
                Some(lower) => {
                    conds.push(format!("{col} > ? AND {col} <= ?"));
                    params.push(ts(lower));
                }
            }
            params.push(ts(upper));
        }
        (Window::Range { since, until }, _) => {
            if let Some(s) = since {
                conds.push("e.time >= ?".into());
                params.push(Value::Timestamp(TimeUnit::Nanosecond, s));
            }
            if let Some(u) = until {
                conds.push("e.time < ?".into());
                params.push(Value::Timestamp(TimeUnit::Nanosecond, u));
            }
        }
        (Window::Incremental { .. }, None) => unreachable!("an incremental run has a bound"),
    }
    if let Some(class) = unit.class_uid {
        conds.push("e.class_uid = ?".into());
        params.push(Value::Int(class));
    }
    let select = match opts.format {
        ExportFormat::OcsfJsonl => ocsf::select(unit, ocsf::Times::EpochMillis),
        ExportFormat::OcsfParquet => format!(
            "{},\n       strftime(e.time, '%Y%m%d') AS \"{}\"",
            ocsf::select(unit, ocsf::Times::Timestamp),
            write::DAY_COLUMN
        ),
        ExportFormat::EcsJsonl => ecs::select(unit),
        ExportFormat::Csv => write::csv_columns(unit.family),
    };
    let joins = if opts.format == ExportFormat::Csv {
        ""
    } else {
        "\nLEFT JOIN hosts h ON h.host_id = e.host_id\
         \nLEFT JOIN containers c ON c.container_id = e.container_id"
    };
    let filter = if conds.is_empty() {
        String::new()
    } else {
        format!("\nWHERE {}", conds.join(" AND "))
    };
    let sql = format!(
        "SELECT {select}\nFROM {} e{joins}{filter}\nORDER BY e.time, e.time_nanos",
        unit.family.view_name()
    );
    (sql, params)
}

#[cfg(test)]
mod tests;
