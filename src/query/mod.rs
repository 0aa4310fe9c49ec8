//! The query layer: the only code that talks to DuckDB.
//!
//! [`Engine::open`] starts an in-memory DuckDB, points one view per family at the store's
//! Parquet files and adds the folded and unified views:
//!
//! | view | what |
//! |---|---|
//! | `process`, `file`, `network` | event families, one row per event, plus the partition `date` |
//! | `events` | the three unioned by name, with a `family` column |
//! | `host_records`, `container_records`, `loss` | the side tables as written |
//! | `hosts`, `containers` | one row per host / container, folded from their records |
//!
//! Store paths reach DuckDB as bound values (`SET VARIABLE … = ?`, read with `getvariable`),
//! never as SQL text, and every user value is a bound parameter. User SQL goes through
//! [`Engine::run_user_sql`], which lets DuckDB's own parser classify the statement and refuses
//! anything but a single `SELECT` (or `EXPLAIN` of one): the store is read-only to queries.

pub use crate::store::cells;
mod resolve;
pub mod scan;
pub mod side;
mod sqltypes;

pub use resolve::{ContainerMatch, ResolveError, normalize_container_ref, resolve_container};

use std::cell::{OnceCell, RefCell};
use std::collections::{BTreeSet, HashMap};
use std::ffi::{CStr, CString};
use std::path::PathBuf;
use std::ptr;

use arrow::array::{Array, RecordBatch};
use arrow::datatypes::SchemaRef;
use duckdb::Connection;
use duckdb::ffi;
pub use duckdb::types::Value;

use crate::schema::Family;
use crate::store::Store;
use crate::store::compact::kind;
use crate::store::index::{Posted, StoreIndex};

/// Errors of the query layer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum QueryError {
    /// DuckDB refused or failed the SQL; the message is DuckDB's.
    #[error("{0}")]
    Sql(String),
    /// The SQL would change something; queries are read-only.
    #[error(
        "trace query is read-only: only SELECT (and EXPLAIN of a SELECT) may run, this is a {0} statement"
    )]
    NotReadOnly(String),
    /// More than one statement (or none) was given.
    #[error("expected exactly one SQL statement, got {0}")]
    StatementCount(usize),
    /// DuckDB could not be started.
    #[error("cannot start DuckDB: {0}")]
    Open(String),
    /// The store could not be read.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// A store file could not be read directly.
    #[error("reading {path}: {message}")]
    Read {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
}

impl From<duckdb::Error> for QueryError {
    fn from(e: duckdb::Error) -> Self {
        QueryError::Sql(e.to_string())
    }
}

/// The result of a query: its schema (also when there are no rows) and its batches.
#[derive(Debug, Clone)]
pub struct QueryResult {
    /// Result schema.
    pub schema: SchemaRef,
    /// Result rows.
    pub batches: Vec<RecordBatch>,
}

impl QueryResult {
    /// Number of rows.
    pub fn num_rows(&self) -> usize {
        self.batches.iter().map(|b| b.num_rows()).sum()
    }
}

/// An owned raw DuckDB database handle, closed on drop.
struct RawDb(ffi::duckdb_database);

impl Drop for RawDb {
    fn drop(&mut self) {
        // SAFETY: the handle came from duckdb_open and every connection on it is gone (the
        // Engine's fields drop in declaration order, this one last).
        unsafe { ffi::duckdb_close(&mut self.0) };
    }
}

/// A raw connection used only to classify statements.
struct RawConn(ffi::duckdb_connection);

impl Drop for RawConn {
    fn drop(&mut self) {
        // SAFETY: the handle came from duckdb_connect and is disconnected once.
        unsafe { ffi::duckdb_disconnect(&mut self.0) };
    }
}

/// An open DuckDB. Field order matters: connections drop before the database.
struct Duck {
    conn: Connection,
    classify: RawConn,
    _db: RawDb,
}

/// The files a family's view reads: store files (read with their partition columns) and an
/// index copy (which carries `date` itself).
type ViewFiles = (Vec<PathBuf>, Option<PathBuf>);

/// DuckDB over a store. On a compacted store DuckDB is opened on first use only: the story's
/// indexed lookups read Parquet directly ([`Engine::select`]) and never start it.
pub struct Engine {
    duck: OnceCell<Duck>,
    store: Store,
    /// Set by [`Engine::open_indexed`] on a compacted store: views then read only the files
    /// [`Engine::narrow`] picks.
    index: Option<StoreIndex>,
    /// The files each family's view reads, as last pointed.
    wanted: RefCell<HashMap<Family, ViewFiles>>,
    /// The files DuckDB's view of each family reads now.
    pointed: RefCell<HashMap<Family, ViewFiles>>,
    /// Rows the index posted, for the wanted files it names by row (direct reads read only
    /// these; DuckDB reads the whole files).
    rows: RefCell<HashMap<PathBuf, Vec<u32>>>,
    /// Direct reads: Parquet footers by path, and the results of identical selections.
    scan: scan::Cache,
}

/// What the next queries need, so that an indexed engine reads only the files that hold it.
/// Every need also reads every fresh (not yet compacted) file of the families it names.
#[derive(Debug, Clone, Copy)]
pub enum Need<'a> {
    /// Events of these containers.
    Containers(&'a [String]),
    /// Events of these processes on a host.
    Processes {
        /// Host id.
        host: &'a str,
        /// Process keys.
        keys: &'a [String],
    },
    /// Network events with these community ids.
    Flows(&'a [String]),
    /// Connects/accepts from or to these addresses.
    Addresses(&'a [String]),
    /// Events with these file or executable hashes.
    Hashes(&'a [String]),
    /// Host execs of these users (uid ≥ 1000) on hosts other than `except_host`.
    Users {
        /// User names.
        users: &'a [String],
        /// The host whose files are not needed.
        except_host: &'a str,
    },
    /// Process events of a host in a time window (ns).
    HostWindow {
        /// Host id.
        host: &'a str,
        /// From.
        since: i64,
        /// To.
        until: i64,
    },
    /// Process events of the fresh files of a host only (the part of its process graph the
    /// index does not hold yet).
    FreshProcesses(&'a str),
    /// Only fresh event files.
    Fresh,
}

impl Engine {
    /// Opens DuckDB in memory with views over `store`.
    pub fn open(store: &Store) -> Result<Engine, QueryError> {
        // One listing and one manifest read for all families (a consistent snapshot).
        let snapshot = store.snapshot()?;
        let engine = Engine::bare(store, None);
        for family in Family::ALL {
            engine.point_view(family, snapshot.files(family), None);
        }
        engine.duck()?;
        Ok(engine)
    }

    /// Opens an engine for one subject: on a compacted store the event views start empty and
    /// [`Engine::narrow`] points them at the files the index names (plus the fresh ones); the
    /// side tables read the index's copies plus fresh files. DuckDB starts on the first SQL
    /// statement. On a store never compacted this is [`Engine::open`].
    pub fn open_indexed(store: &Store) -> Result<Engine, QueryError> {
        let t = std::time::Instant::now();
        let Some(index) = StoreIndex::open(store)? else {
            return Engine::open(store);
        };
        profile(t, "index opened");
        let engine = Engine::bare(store, Some(index));
        let ix = engine.index.as_ref().expect("indexed");
        for family in Family::ALL {
            if family.is_event() {
                engine.point_view(family, Vec::new(), None);
            } else {
                engine.point_view(family, ix.fresh(family, None), ix.side_copy(family));
            }
        }
        Ok(engine)
    }

    fn bare(store: &Store, index: Option<StoreIndex>) -> Engine {
        profile(std::time::Instant::now(), "engine");
        Engine {
            duck: OnceCell::new(),
            store: store.clone(),
            index,
            wanted: RefCell::new(HashMap::new()),
            pointed: RefCell::new(HashMap::new()),
            rows: RefCell::new(HashMap::new()),
            scan: scan::Cache::default(),
        }
    }

    /// DuckDB with its views pointed at the wanted files; opened on first use.
    fn duck(&self) -> Result<&Duck, QueryError> {
        if let Some(d) = self.duck.get() {
            self.sync_views(d)?;
            return Ok(d);
        }
        let started = std::time::Instant::now();
        let d = open_duck()?;
        let _ = self.duck.set(d);
        let d = self.duck.get().expect("just set");
        match self.index.as_ref().and_then(StoreIndex::container_ids) {
            Some(ids) => {
                self.set_variable(d, "trace_container_ids", &ids.to_string_lossy())?;
                d.conn.execute_batch(
                    "CREATE OR REPLACE VIEW indexed_container_ids AS SELECT container_id \
                     FROM read_parquet(getvariable('trace_container_ids'))",
                )?;
            }
            None => d.conn.execute_batch(
                "CREATE OR REPLACE VIEW indexed_container_ids AS \
                 SELECT CAST(NULL AS VARCHAR) AS container_id WHERE false",
            )?,
        }
        self.sync_views(d)?;
        d.conn.execute_batch(FOLDED_VIEWS)?;
        if profiling() {
            profile(started, "DuckDB started");
        }
        Ok(d)
    }

    /// True when this engine reads through the index (views follow [`Engine::narrow`]).
    pub fn is_indexed(&self) -> bool {
        self.index.is_some()
    }

    /// The index, when the engine reads through one.
    pub fn index(&self) -> Option<&StoreIndex> {
        self.index.as_ref()
    }

    /// Points the event views at the files `need` names. A no-op on an engine that reads the
    /// whole store.
    pub fn narrow(&self, need: Need<'_>) -> Result<(), QueryError> {
        let Some(ix) = &self.index else {
            return Ok(());
        };
        let started = std::time::Instant::now();
        let strs =
            |v: &[String]| -> Vec<Vec<String>> { v.iter().map(|s| vec![s.clone()]).collect() };
        let lookup_ms = std::cell::Cell::new(0.0);
        // Files (and, for flows, rows) holding the keys.
        let look = |k: u8, keys: Vec<Vec<String>>| -> Result<Posted, QueryError> {
            let t = std::time::Instant::now();
            let refs: Vec<Vec<&str>> = keys
                .iter()
                .map(|k| k.iter().map(String::as_str).collect())
                .collect();
            let r = ix.lookup(k, &refs)?;
            lookup_ms.set(t.elapsed().as_secs_f64() * 1e3);
            Ok(r)
        };
        let ids = |p: Posted| -> BTreeSet<u32> { p.into_keys().collect() };
        let none = BTreeSet::new();
        let mut lists: HashMap<Family, Vec<PathBuf>> = HashMap::new();
        let mut rows_of: HashMap<PathBuf, Vec<u32>> = HashMap::new();
        let mut all_events = |ids: &BTreeSet<u32>, host: Option<&str>| {
            for f in Family::EVENTS {
                lists.insert(f, ix.paths(f, ids, host));
            }
        };
        match need {
            Need::Containers(c) => all_events(&ids(look(kind::CONTAINER, strs(c))?), None),
            Need::Processes { host, keys } => {
                let k = keys
                    .iter()
                    .map(|k| vec![host.to_string(), k.clone()])
                    .collect();
                all_events(&ids(look(kind::PROCESS, k)?), Some(host))
            }
            Need::Hashes(h) => all_events(&ids(look(kind::SHA256, strs(h))?), None),
            Need::Fresh => all_events(&none, None),
            Need::Flows(c) => {
                let posted = look(kind::FLOW, strs(c))?;
                for (id, rows) in &posted {
                    if let (Some(p), Some(rows)) = (ix.path_of(*id), rows) {
                        rows_of.insert(p.to_path_buf(), rows.iter().copied().collect());
                    }
                }
                lists.insert(
                    Family::Network,
                    ix.paths(Family::Network, &ids(posted), None),
                );
            }
            Need::Addresses(a) => {
                let ids = ids(look(kind::IP, strs(a))?);
                lists.insert(Family::Network, ix.paths(Family::Network, &ids, None));
            }
            Need::Users { users, except_host } => {
                let mut ids = ids(look(kind::USER, strs(users))?);
                ids.retain(|i| ix.host_of(*i) != Some(except_host));
                let own = ix.fresh(Family::Process, Some(except_host));
                let mut files = ix.paths(Family::Process, &ids, None);
                files.retain(|f| !own.contains(f));
                lists.insert(Family::Process, files);
            }
            Need::HostWindow { host, since, until } => {
                lists.insert(
                    Family::Process,
                    ix.host_window(Family::Process, host, since, until),
                );
            }
            Need::FreshProcesses(host) => {
                lists.insert(Family::Process, ix.fresh(Family::Process, Some(host)));
            }
        }
        *self.rows.borrow_mut() = rows_of;
        let mut counts = Vec::new();
        for f in Family::EVENTS {
            let files = lists.remove(&f).unwrap_or_default();
            counts.push(files.len());
            self.point_view(f, files, None);
        }
        if profiling() {
            let what = format!("{need:?}");
            profile(
                started,
                &format!(
                    "narrow to {counts:?} files (process, file, network; index {:.1} ms): {}",
                    lookup_ms.get(),
                    what.chars().take(80).collect::<String>()
                ),
            );
        }
        Ok(())
    }

    /// Points the view of `family` at `hive` (store files, read with their partition columns)
    /// and `copy` (an index copy that carries `date` itself). DuckDB follows on its next
    /// statement; direct reads follow at once.
    fn point_view(&self, family: Family, hive: Vec<PathBuf>, copy: Option<PathBuf>) {
        self.wanted.borrow_mut().insert(family, (hive, copy));
    }

    /// The rows the index posted for `path` when it names rows rather than the whole file.
    pub fn posted_rows(&self, path: &std::path::Path) -> Option<Vec<u32>> {
        self.rows.borrow().get(path).cloned()
    }

    /// The files the view of `family` reads now.
    pub fn files(&self, family: Family) -> ViewFiles {
        self.wanted
            .borrow()
            .get(&family)
            .cloned()
            .unwrap_or_default()
    }

    /// Re-points the DuckDB views whose wanted files changed.
    fn sync_views(&self, d: &Duck) -> Result<(), QueryError> {
        for family in Family::ALL {
            let want = self.files(family);
            if self.pointed.borrow().get(&family) == Some(&want) {
                continue;
            }
            let (hive, copy) = &want;
            let raw_name = raw_view_name(family);
            let var = format!("trace_files_{}", family.name());
            let mut parts = Vec::new();
            if !hive.is_empty() {
                self.set_variable(d, &var, &join_paths(hive)?)?;
                parts.push(format!(
                    "SELECT * EXCLUDE (host) FROM read_parquet(string_split(getvariable('{var}'), \
                     chr(10)), hive_partitioning = true, union_by_name = true)"
                ));
            }
            if let Some(c) = copy {
                let cvar = format!("trace_copy_{}", family.name());
                self.set_variable(d, &cvar, &c.to_string_lossy())?;
                parts.push(format!(
                    "SELECT * FROM read_parquet(getvariable('{cvar}'), union_by_name = true)"
                ));
            }
            let sql = if parts.is_empty() {
                sqltypes::empty_view_sql(raw_name, &family.schema())
            } else {
                format!(
                    "CREATE OR REPLACE VIEW {raw_name} AS {}",
                    parts.join(" UNION ALL BY NAME ")
                )
            };
            d.conn.execute_batch(&sql)?;
            self.pointed.borrow_mut().insert(family, want);
        }
        Ok(())
    }

    /// Sets a text variable on both connections (bound, never spliced).
    fn set_variable(&self, d: &Duck, var: &str, value: &str) -> Result<(), QueryError> {
        let set = format!("SET VARIABLE {var} = ?");
        d.conn.execute(&set, [Value::Text(value.to_string())])?;
        set_classify_variable(d, &set, value)
    }

    /// The store this engine reads.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The DuckDB connection, for trusted SQL written in this crate.
    pub fn connection(&self) -> Result<&Connection, QueryError> {
        Ok(&self.duck()?.conn)
    }

    /// Runs trusted SQL (written in this crate) with bound parameters.
    pub fn query(&self, sql: &str, params: &[Value]) -> Result<QueryResult, QueryError> {
        let started = std::time::Instant::now();
        let mut stmt = self.duck()?.conn.prepare(sql)?;
        let batches: Vec<RecordBatch> = stmt
            .query_arrow(duckdb::params_from_iter(params.iter()))?
            .collect();
        let schema = stmt.schema();
        let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
        if profiling() {
            let first: String = sql.split_whitespace().collect::<Vec<_>>().join(" ");
            profile(
                started,
                &format!(
                    "{rows:>8} rows  {}",
                    first.chars().take(110).collect::<String>()
                ),
            );
        }
        self.log_equivalent(sql, params, rows, started.elapsed())?;
        Ok(QueryResult { schema, batches })
    }

    /// `TRACE_SQL_LOG`: records `sql` with the rows it gave (for a direct read, the statement
    /// it stood for), so that benchmarks can replay a story elsewhere.
    pub fn log_equivalent(
        &self,
        sql: &str,
        params: &[Value],
        rows: usize,
        took: std::time::Duration,
    ) -> Result<(), QueryError> {
        match sql_log() {
            Some(path) => log_statement(path, sql, params, rows, took),
            None => Ok(()),
        }
    }

    /// Runs a user's SQL: exactly one read-only statement, parameters bound to `?`/`$1`….
    pub fn run_user_sql(&self, sql: &str, params: &[Value]) -> Result<QueryResult, QueryError> {
        let kinds = self.statement_types(sql)?;
        if kinds.len() != 1 {
            return Err(QueryError::StatementCount(kinds.len()));
        }
        let kind = kinds[0];
        if kind == ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_EXPLAIN {
            // EXPLAIN ANALYZE executes its statement: check what is explained.
            let inner = strip_explain(sql);
            let inner_kinds = self.statement_types(inner)?;
            if inner_kinds != [ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_SELECT] {
                return Err(QueryError::NotReadOnly(format!(
                    "EXPLAIN of a {}",
                    statement_type_name(inner_kinds.first().copied().unwrap_or(0))
                )));
            }
        } else if kind != ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_SELECT {
            return Err(QueryError::NotReadOnly(statement_type_name(kind).into()));
        }
        self.query(sql, params)
    }

    /// DuckDB's classification of each statement in `sql` (parsed and bound, not run).
    fn statement_types(&self, sql: &str) -> Result<Vec<ffi::duckdb_statement_type>, QueryError> {
        let csql =
            CString::new(sql).map_err(|_| QueryError::Sql("the SQL contains a NUL byte".into()))?;
        let classify = &self.duck()?.classify;
        let mut out = Vec::new();
        // SAFETY: classify.0 is a live connection; every object created here is destroyed
        // before return; error strings are copied before their owner is destroyed.
        unsafe {
            let mut ext: ffi::duckdb_extracted_statements = ptr::null_mut();
            let n = ffi::duckdb_extract_statements(classify.0, csql.as_ptr(), &mut ext);
            if n == 0 {
                let msg = cstr(ffi::duckdb_extract_statements_error(ext));
                ffi::duckdb_destroy_extracted(&mut ext);
                return match msg {
                    Some(m) => Err(QueryError::Sql(m)),
                    None => Err(QueryError::StatementCount(0)),
                };
            }
            for i in 0..n {
                let mut st: ffi::duckdb_prepared_statement = ptr::null_mut();
                let rc = ffi::duckdb_prepare_extracted_statement(classify.0, ext, i, &mut st);
                if rc != ffi::DuckDBSuccess {
                    let msg = cstr(ffi::duckdb_prepare_error(st))
                        .unwrap_or_else(|| "invalid SQL".to_string());
                    ffi::duckdb_destroy_prepare(&mut st);
                    ffi::duckdb_destroy_extracted(&mut ext);
                    return Err(QueryError::Sql(msg));
                }
                out.push(ffi::duckdb_prepared_statement_type(st));
                ffi::duckdb_destroy_prepare(&mut st);
            }
            ffi::duckdb_destroy_extracted(&mut ext);
        }
        Ok(out)
    }

    /// (min, max) event time in the store, ns; `None` when it holds no event.
    pub fn time_range(&self) -> Result<Option<(i64, i64)>, QueryError> {
        let r = self.query(
            "SELECT epoch_ns(min(time)) AS lo, epoch_ns(max(time)) AS hi FROM events",
            &[],
        )?;
        let Some(b) = r.batches.first() else {
            return Ok(None);
        };
        let col = |i: usize| {
            b.column(i)
                .as_any()
                .downcast_ref::<arrow::array::Int64Array>()
                .filter(|a| !a.is_empty() && a.is_valid(0))
                .map(|a| a.value(0))
        };
        Ok(col(0).zip(col(1)))
    }
}

/// Whether `TRACE_PROFILE` is set (read once).
pub fn profiling() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("TRACE_PROFILE").is_some())
}

/// The `TRACE_SQL_LOG` file, when set (read once).
pub fn sql_log() -> Option<&'static std::path::Path> {
    static LOG: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    LOG.get_or_init(|| std::env::var_os("TRACE_SQL_LOG").map(PathBuf::from))
        .as_deref()
}

/// `TRACE_PROFILE=1`: one line on stderr per step: milliseconds since the first engine
/// opened, the step's own milliseconds, and what it was.
pub fn profile(started: std::time::Instant, what: &str) {
    static ZERO: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    if !profiling() {
        return;
    }
    let zero = *ZERO.get_or_init(|| started);
    eprintln!(
        "[trace profile] {:>7.1} {:>8.1} ms  {what}",
        zero.elapsed().as_secs_f64() * 1e3,
        started.elapsed().as_secs_f64() * 1e3,
    );
}

/// `TRACE_SQL_LOG=FILE`: appends each trusted statement, its parameters, its row count and
/// its time as one JSON line (for replaying a command elsewhere, e.g. the story benchmark's
/// JSON-lines baseline). Timestamps are written as `YYYY-MM-DD HH:MM:SS.fffffffff` text.
fn log_statement(
    path: &std::path::Path,
    sql: &str,
    params: &[Value],
    rows: usize,
    took: std::time::Duration,
) -> Result<(), QueryError> {
    use std::io::Write;
    fn json(v: &Value) -> serde_json::Value {
        match v {
            Value::Null => serde_json::Value::Null,
            Value::Boolean(b) => (*b).into(),
            Value::BigInt(i) => (*i).into(),
            Value::Int(i) => (*i).into(),
            Value::Text(t) => t.clone().into(),
            Value::Timestamp(_, ns) => chrono::DateTime::from_timestamp_nanos(*ns)
                .format("%Y-%m-%d %H:%M:%S%.9f")
                .to_string()
                .into(),
            Value::List(items) => items.iter().map(json).collect::<Vec<_>>().into(),
            other => format!("{other:?}").into(),
        }
    }
    let line = serde_json::json!({
        "sql": sql,
        "params": params.iter().map(json).collect::<Vec<_>>(),
        "rows": rows,
        "ms": took.as_secs_f64() * 1e3,
    });
    let io = |e: std::io::Error| QueryError::Open(format!("TRACE_SQL_LOG {}: {e}", path.display()));
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(io)?;
    writeln!(f, "{line}").map_err(io)
}

/// Runs `SET VARIABLE … = ?` with one text value on the classifying connection.
fn set_classify_variable(d: &Duck, set_sql: &str, value: &str) -> Result<(), QueryError> {
    let csql = CString::new(set_sql).map_err(|_| QueryError::Open("NUL in SQL".into()))?;
    // SAFETY: classify.0 is live; the statement and result are destroyed before return;
    // `value` outlives the bind call (DuckDB copies it).
    unsafe {
        let mut st: ffi::duckdb_prepared_statement = ptr::null_mut();
        let mut fail = None;
        if ffi::duckdb_prepare(d.classify.0, csql.as_ptr(), &mut st) != ffi::DuckDBSuccess {
            fail = cstr(ffi::duckdb_prepare_error(st));
        } else if ffi::duckdb_bind_varchar_length(st, 1, value.as_ptr().cast(), value.len() as u64)
            != ffi::DuckDBSuccess
        {
            fail = Some("cannot bind the store's file list".into());
        } else {
            let mut res: ffi::duckdb_result = std::mem::zeroed();
            if ffi::duckdb_execute_prepared(st, &mut res) != ffi::DuckDBSuccess {
                fail = cstr(ffi::duckdb_result_error(&mut res));
            }
            ffi::duckdb_destroy_result(&mut res);
        }
        ffi::duckdb_destroy_prepare(&mut st);
        match fail {
            Some(m) => Err(QueryError::Open(m)),
            None => Ok(()),
        }
    }
}

/// Starts an in-memory DuckDB with the settings every engine uses.
fn open_duck() -> Result<Duck, QueryError> {
    let mut db: ffi::duckdb_database = ptr::null_mut();
    // SAFETY: a NULL path opens an in-memory database; `db` is an out-pointer.
    let rc = unsafe { ffi::duckdb_open(ptr::null(), &mut db) };
    if rc != ffi::DuckDBSuccess {
        return Err(QueryError::Open("duckdb_open failed".into()));
    }
    let db = RawDb(db);
    let mut raw_conn: ffi::duckdb_connection = ptr::null_mut();
    // SAFETY: db is open; raw_conn is an out-pointer.
    if unsafe { ffi::duckdb_connect(db.0, &mut raw_conn) } != ffi::DuckDBSuccess {
        return Err(QueryError::Open("duckdb_connect failed".into()));
    }
    let classify = RawConn(raw_conn);
    // SAFETY: db is a valid open database that outlives the connection (field order).
    let conn = unsafe { Connection::open_from_raw(db.0) }?;
    conn.execute_batch(
        "SET autoinstall_known_extensions = false; SET autoload_known_extensions = false; \
         SET parquet_metadata_cache = true;",
    )?;
    Ok(Duck {
        conn,
        classify,
        _db: db,
    })
}

fn raw_view_name(family: Family) -> &'static str {
    match family {
        Family::Hosts => "host_records",
        Family::Containers => "container_records",
        f => f.name(),
    }
}

/// Newline-joined paths (the form `string_split(getvariable(…), chr(10))` reads).
fn join_paths(files: &[PathBuf]) -> Result<String, QueryError> {
    let mut joined = String::new();
    for p in files {
        let p = p.to_string_lossy();
        if p.contains('\n') {
            return Err(QueryError::Open(format!(
                "store file name with a newline: {p:?}"
            )));
        }
        if !joined.is_empty() {
            joined.push('\n');
        }
        joined.push_str(&p);
    }
    Ok(joined)
}

/// Trusted: the SQL that folds side-table records into one row per host / container and
/// unions the event families.
const FOLDED_VIEWS: &str = r#"
CREATE OR REPLACE VIEW events AS
    SELECT 'process' AS family, * FROM process
    UNION ALL BY NAME SELECT 'file' AS family, * FROM file
    UNION ALL BY NAME SELECT 'network' AS family, * FROM network;

CREATE OR REPLACE VIEW hosts AS
SELECT host_id,
       arg_max(hostname, time) AS hostname,
       arg_max(kind, time) FILTER (WHERE kind IS NOT NULL) AS kind,
       arg_max(os, time) FILTER (WHERE os IS NOT NULL) AS os,
       arg_max(kernel, time) FILTER (WHERE kernel IS NOT NULL) AS kernel,
       list_distinct(flatten(list(ip_addresses))) AS ip_addresses,
       list_distinct(list(boot_id) FILTER (WHERE boot_id IS NOT NULL)) AS boot_ids,
       min(time) AS first_record,
       max(time) AS last_record
FROM host_records GROUP BY host_id;

CREATE OR REPLACE VIEW containers AS
SELECT container_id,
       arg_max(host_id, time) AS host_id,
       arg_max(name, time) FILTER (WHERE name IS NOT NULL) AS name,
       arg_max(image, time) FILTER (WHERE image IS NOT NULL) AS image,
       arg_max(image_id, time) FILTER (WHERE image_id IS NOT NULL) AS image_id,
       arg_max(runtime, time) FILTER (WHERE runtime IS NOT NULL) AS runtime,
       arg_max(pod, time) FILTER (WHERE pod IS NOT NULL) AS pod,
       arg_max(namespace, time) FILTER (WHERE namespace IS NOT NULL) AS namespace,
       arg_max(labels, time) FILTER (WHERE len(labels) > 0) AS labels,
       min(created) AS created,
       min(started) AS started,
       max(exited) AS exited,
       arg_max(exit_code, time) FILTER (WHERE exit_code IS NOT NULL) AS exit_code,
       list_distinct(flatten(list(ip_addresses))) AS ip_addresses,
       bool_or(state = 'removed') AS removed,
       min(time) AS first_record,
       max(time) AS last_record
FROM container_records GROUP BY container_id;
"#;

fn strip_explain(sql: &str) -> &str {
    let mut rest = sql.trim_start();
    for word in ["EXPLAIN", "ANALYZE"] {
        if rest.len() >= word.len() && rest[..word.len()].eq_ignore_ascii_case(word) {
            rest = rest[word.len()..].trim_start();
        }
    }
    rest
}

/// # Safety
/// `p` is NULL or a valid NUL-terminated string.
unsafe fn cstr(p: *const std::os::raw::c_char) -> Option<String> {
    if p.is_null() {
        None
    } else {
        // SAFETY: per the function contract.
        Some(unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned())
    }
}

fn statement_type_name(t: ffi::duckdb_statement_type) -> &'static str {
    match t {
        ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_SELECT => "SELECT",
        ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_INSERT => "INSERT",
        ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_UPDATE => "UPDATE",
        ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_EXPLAIN => "EXPLAIN",
        ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_DELETE => "DELETE",
        ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_CREATE => "CREATE",
        ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_ALTER => "ALTER",
        ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_COPY => "COPY",
        ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_DROP => "DROP",
        ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_EXPORT => "EXPORT",
        ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_PRAGMA => "PRAGMA",
        ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_SET => "SET",
        ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_VARIABLE_SET => "SET VARIABLE",
        ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_LOAD => "LOAD/INSTALL",
        ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_ATTACH => "ATTACH",
        ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_DETACH => "DETACH",
        ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_CALL => "CALL",
        ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_TRANSACTION => "transaction",
        ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_COPY_DATABASE => "COPY DATABASE",
        ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_MERGE_INTO => "MERGE",
        _ => "non-SELECT",
    }
}
