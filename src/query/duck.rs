//! The raw DuckDB underneath an engine: opening it with the settings every engine uses, the
//! second connection that classifies statements without running them, bound variables, and
//! the trusted SQL of the views.

use std::ffi::{CStr, CString};
use std::path::PathBuf;
use std::ptr;

use duckdb::Connection;
use duckdb::ffi;

use super::QueryError;

/// Writes a DuckDB database file at `path` (which must not exist) with one table per
/// `(name, parquet file)`, loaded from that file. Names are constants of this crate; paths are
/// bound.
pub fn write_database(
    path: &std::path::Path,
    tables: &[(&str, &std::path::Path)],
) -> Result<(), QueryError> {
    let db = Connection::open(path)?;
    for (table, file) in tables {
        db.execute(
            "SET VARIABLE trace_table_file = ?",
            [file.to_string_lossy().into_owned()],
        )?;
        db.execute_batch(&format!(
            "CREATE TABLE {table} AS SELECT * FROM read_parquet(getvariable('trace_table_file'))"
        ))?;
    }
    db.execute_batch("RESET VARIABLE trace_table_file; CHECKPOINT;")?;
    db.close().map_err(|(_, e)| QueryError::from(e))?;
    Ok(())
}

/// An owned raw DuckDB database handle, closed on drop.
pub(super) struct RawDb(pub(super) ffi::duckdb_database);

impl Drop for RawDb {
    fn drop(&mut self) {
        // SAFETY: the handle came from duckdb_open and every connection on it is gone (the
        // Engine's fields drop in declaration order, this one last).
        unsafe { ffi::duckdb_close(&mut self.0) };
    }
}

/// A raw connection used only to classify statements.
pub(super) struct RawConn(pub(super) ffi::duckdb_connection);

impl Drop for RawConn {
    fn drop(&mut self) {
        // SAFETY: the handle came from duckdb_connect and is disconnected once.
        unsafe { ffi::duckdb_disconnect(&mut self.0) };
    }
}

/// An open DuckDB. Field order matters: connections drop before the database.
pub(super) struct Duck {
    pub(super) conn: Connection,
    pub(super) classify: RawConn,
    _db: RawDb,
}

/// Runs `SET VARIABLE … = ?` with one text value on the classifying connection.
pub(super) fn set_classify_variable(
    d: &Duck,
    set_sql: &str,
    value: &str,
) -> Result<(), QueryError> {
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
pub(super) fn open_duck() -> Result<Duck, QueryError> {
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

/// Newline-joined paths (the form `string_split(getvariable(…), chr(10))` reads).
pub(super) fn join_paths(files: &[PathBuf]) -> Result<String, QueryError> {
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
pub(super) const FOLDED_VIEWS: &str = r#"
CREATE OR REPLACE VIEW events AS
    SELECT 'process' AS family, * FROM process
    UNION ALL BY NAME SELECT 'file' AS family, * FROM file
    UNION ALL BY NAME SELECT 'network' AS family, * FROM network
    UNION ALL BY NAME SELECT 'finding' AS family, * FROM finding
    UNION ALL BY NAME SELECT 'api' AS family, * FROM api;

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

pub(super) fn strip_explain(sql: &str) -> &str {
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
pub(super) unsafe fn cstr(p: *const std::os::raw::c_char) -> Option<String> {
    if p.is_null() {
        None
    } else {
        // SAFETY: per the function contract.
        Some(unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned())
    }
}

pub(super) fn statement_type_name(t: ffi::duckdb_statement_type) -> &'static str {
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
