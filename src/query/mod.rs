//! The query layer: the only code that talks to DuckDB.
//!
//! [`Engine::open`] starts an in-memory DuckDB, points one view per family at the store's
//! Parquet files and adds the folded and unified views:
//!
//! | view | what |
//! |---|---|
//! | `process`, `file`, `network`, `finding`, `api` | event families, one row per event, plus the partition `date` |
//! | `events` | the five unioned by name, with a `family` column |
//! | `host_records`, `container_records`, `loss` | the side tables as written |
//! | `hosts`, `containers` | one row per host / container, folded from their records |
//!
//! Every view has every column of the current schema, also over files of an older schema
//! version (their missing columns are NULL). The predicates of [`crate::predicates`] are
//! macros (`is_person(uid, container_id)`, `written_path(kind, path, target_path)`).
//!
//! Store paths reach DuckDB as bound values (`SET VARIABLE … = ?`, read with `getvariable`),
//! never as SQL text, and every user value is a bound parameter. User SQL goes through
//! [`Engine::run_user_sql`], which lets DuckDB's own parser classify the statement and refuses
//! anything but a single `SELECT` (or `EXPLAIN` of one): the store is read-only to queries.
//!
//! Stories read through [`Engine::select`]: one [`Selection`] (scope and filter) at a time,
//! answered by SQL on a store never compacted and by direct Parquet reads of the files the
//! index names on a compacted one ([`scan`]), which never starts DuckDB.

pub use crate::store::cells;
mod anchor;
mod duck;
mod log;
mod resolve;
pub mod scan;
pub mod side;

pub use duck::write_database;
pub use log::{profile, profiling, sql_log};
pub use resolve::{ContainerMatch, ResolveError, normalize_container_ref, resolve_container};

use std::cell::OnceCell;
use std::ffi::CString;
use std::path::PathBuf;
use std::ptr;

use arrow::array::{Array, RecordBatch};
use arrow::datatypes::SchemaRef;
use duckdb::Connection;
use duckdb::ffi;
pub use duckdb::types::Value;

use crate::schema::Family;
use crate::select::Param;
pub use crate::select::{Filter, Scope, Selection};
use crate::store::Store;
use crate::store::index::StoreIndex;
use duck::{Duck, FOLDED_VIEWS, cstr, join_paths, open_duck, set_classify_variable};

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

/// The files a family's view reads: store files (read with their partition columns) and an
/// index copy (which carries `date` itself).
pub type ViewFiles = (Vec<PathBuf>, Option<PathBuf>);

/// A bound parameter of a [`Filter`] as DuckDB takes it.
pub fn value_of(p: &Param) -> Value {
    match p {
        Param::Text(t) => Value::Text(t.clone()),
        Param::Int(i) => Value::BigInt(*i),
        Param::TextList(l) => Value::List(l.iter().cloned().map(Value::Text).collect()),
    }
}

/// DuckDB over a store. On a compacted store DuckDB is opened on first use only: the story's
/// lookups read Parquet directly ([`Engine::select`]) and never start it.
pub struct Engine {
    duck: OnceCell<Duck>,
    /// Kept (and removed) with DuckDB, whose views read it.
    anchor: OnceCell<anchor::SchemaAnchor>,
    /// Set once a user's SQL confined DuckDB to the store ([`Engine::run_user_sql`]).
    sandboxed: OnceCell<()>,
    store: Store,
    /// Set by [`Engine::open_indexed`] on a compacted store: selections then read the files
    /// the index picks.
    index: Option<StoreIndex>,
    /// The files each family's view reads (fixed when the engine opens: one snapshot).
    views: Vec<(Family, ViewFiles)>,
    /// Direct reads: Parquet footers, picked files, and the results of identical selections.
    scan: scan::Cache,
}

impl Engine {
    /// Opens DuckDB in memory with views over `store`.
    pub fn open(store: &Store) -> Result<Engine, QueryError> {
        // One listing and one manifest read for all families (a consistent snapshot).
        let snapshot = store.snapshot()?;
        let views = Family::ALL
            .iter()
            .map(|f| (*f, (snapshot.files(*f), None)))
            .collect();
        let engine = Engine::bare(store, None, views);
        engine.duck()?;
        Ok(engine)
    }

    /// Opens an engine for one subject: on a compacted store selections read the files the
    /// index names (plus the fresh ones), and the side tables the index's copies plus fresh
    /// files. DuckDB starts on the first SQL statement, with views over the whole store. On a
    /// store never compacted this is [`Engine::open`].
    pub fn open_indexed(store: &Store) -> Result<Engine, QueryError> {
        let t = std::time::Instant::now();
        let Some(index) = StoreIndex::open(store)? else {
            return Engine::open(store);
        };
        profile(t, "index opened");
        let views = Family::ALL
            .iter()
            .map(|&f| {
                let files = if f.is_event() {
                    (index.snapshot().files(f), None)
                } else {
                    (index.fresh(f, None), index.side_copy(f))
                };
                (f, files)
            })
            .collect();
        Ok(Engine::bare(store, Some(index), views))
    }

    fn bare(store: &Store, index: Option<StoreIndex>, views: Vec<(Family, ViewFiles)>) -> Engine {
        profile(std::time::Instant::now(), "engine");
        Engine {
            duck: OnceCell::new(),
            anchor: OnceCell::new(),
            sandboxed: OnceCell::new(),
            store: store.clone(),
            index,
            views,
            scan: scan::Cache::default(),
        }
    }

    /// DuckDB with its views; opened on first use.
    fn duck(&self) -> Result<&Duck, QueryError> {
        if let Some(d) = self.duck.get() {
            return Ok(d);
        }
        let started = std::time::Instant::now();
        let d = open_duck()?;
        match self.index.as_ref().and_then(StoreIndex::container_ids) {
            Some(ids) => {
                self.set_variable(&d, "trace_container_ids", &ids.to_string_lossy())?;
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
        let anchor = anchor::SchemaAnchor::write()?;
        for (family, files) in &self.views {
            self.create_view(&d, &anchor, *family, files)?;
        }
        d.conn.execute_batch(FOLDED_VIEWS)?;
        for m in crate::predicates::sql_macros() {
            d.conn.execute_batch(&m)?;
        }
        if profiling() {
            profile(started, "DuckDB started");
        }
        let _ = self.anchor.set(anchor);
        let _ = self.duck.set(d);
        Ok(self.duck.get().expect("just set"))
    }

    /// True when this engine reads through the index.
    pub fn is_indexed(&self) -> bool {
        self.index.is_some()
    }

    /// The index, when the engine reads through one.
    pub fn index(&self) -> Option<&StoreIndex> {
        self.index.as_ref()
    }

    /// The files the view of `family` reads.
    pub fn files(&self, family: Family) -> ViewFiles {
        self.views
            .iter()
            .find(|(f, _)| *f == family)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    /// Creates the view of `family` over `hive` (store files, read with their partition
    /// columns) and `copy` (an index copy that carries `date` itself). The schema anchor (an
    /// empty file of the current schema) is read with the store files, so the view has every
    /// column also where every file is of an older schema version (their rows NULL there).
    fn create_view(
        &self,
        d: &Duck,
        anchor: &anchor::SchemaAnchor,
        family: Family,
        files: &ViewFiles,
    ) -> Result<(), QueryError> {
        let (hive, copy) = files;
        let var = format!("trace_files_{}", family.name());
        let mut hive = hive.clone();
        hive.push(anchor.file(family).to_path_buf());
        self.set_variable(d, &var, &join_paths(&hive)?)?;
        let mut parts = vec![format!(
            "SELECT * EXCLUDE (host) FROM read_parquet(string_split(getvariable('{var}'), \
             chr(10)), hive_partitioning = true, union_by_name = true)"
        )];
        if let Some(c) = copy {
            let cvar = format!("trace_copy_{}", family.name());
            self.set_variable(d, &cvar, &c.to_string_lossy())?;
            parts.push(format!(
                "SELECT * FROM read_parquet(getvariable('{cvar}'), union_by_name = true)"
            ));
        }
        let sql = format!(
            "CREATE OR REPLACE VIEW {} AS {}",
            family.view_name(),
            parts.join(" UNION ALL BY NAME ")
        );
        d.conn.execute_batch(&sql)?;
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

    /// Runs trusted SQL with bound values and hands its result to `each` one batch at a time,
    /// as DuckDB produces it, so that a result larger than memory (an export of the whole
    /// store) is never held whole. Returns the number of rows.
    pub fn stream<E: From<QueryError>>(
        &self,
        sql: &str,
        params: &[Value],
        mut each: impl FnMut(RecordBatch) -> Result<(), E>,
    ) -> Result<u64, E> {
        let started = std::time::Instant::now();
        let mut stmt = self.duck()?.conn.prepare(sql).map_err(QueryError::from)?;
        let mut rows = 0u64;
        for batch in stmt
            .stream_arrow(duckdb::params_from_iter(params.iter()))
            .map_err(QueryError::from)?
        {
            let batch = batch.map_err(QueryError::from)?;
            rows += batch.num_rows() as u64;
            each(batch)?;
        }
        self.log_equivalent(sql, params, rows as usize, started.elapsed())?;
        Ok(rows)
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
            Some(path) => log::log_statement(path, sql, params, rows, took),
            None => Ok(()),
        }
    }

    /// Runs a user's SQL: exactly one read-only statement, parameters bound to `?`/`$1`….
    /// DuckDB may read the store and nothing else: `read_csv('/etc/…')`, `glob('/root/*')`
    /// and the like fail.
    pub fn run_user_sql(&self, sql: &str, params: &[Value]) -> Result<QueryResult, QueryError> {
        // Before the statement is even bound (binding a reader opens its file).
        self.sandbox()?;
        let kinds = self.statement_types(sql)?;
        if kinds.len() != 1 {
            return Err(QueryError::StatementCount(kinds.len()));
        }
        let kind = kinds[0];
        if kind == ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_EXPLAIN {
            // EXPLAIN ANALYZE executes its statement: check what is explained.
            let inner = duck::strip_explain(sql);
            let inner_kinds = self.statement_types(inner)?;
            if inner_kinds != [ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_SELECT] {
                return Err(QueryError::NotReadOnly(format!(
                    "EXPLAIN of a {}",
                    duck::statement_type_name(inner_kinds.first().copied().unwrap_or(0))
                )));
            }
        } else if kind != ffi::duckdb_statement_type_DUCKDB_STATEMENT_TYPE_SELECT {
            return Err(QueryError::NotReadOnly(
                duck::statement_type_name(kind).into(),
            ));
        }
        self.query(sql, params)
    }

    /// Confines DuckDB to the store's directory and the schema anchor's: external access off
    /// but for those, and the configuration locked so that no statement turns it back on.
    /// Once per engine; trusted SQL of this crate reads only there too.
    fn sandbox(&self) -> Result<(), QueryError> {
        if self.sandboxed.get().is_some() {
            return Ok(());
        }
        let d = self.duck()?;
        let root = self.store.root();
        let mut dirs = vec![root.to_path_buf()];
        if let Ok(real) = std::fs::canonicalize(root) {
            dirs.push(real);
        }
        if let Some(a) = self.anchor.get() {
            dirs.push(a.dir().to_path_buf());
        }
        // Quoted as SQL text (quotes doubled): DuckDB's SET takes no bound values.
        let list: Vec<String> = dirs
            .iter()
            .map(|p| format!("'{}/'", p.display().to_string().replace('\'', "''")))
            .collect();
        d.conn.execute_batch(&format!(
            "SET allowed_directories = [{}]; SET enable_external_access = false; \
             SET lock_configuration = true;",
            list.join(", ")
        ))?;
        let _ = self.sandboxed.set(());
        Ok(())
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
        let t = crate::schema::time::EXACT_TIME_SQL;
        let r = self.query(
            &format!("SELECT min({t}) AS lo, max({t}) AS hi FROM events"),
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
