//! The rows a case rests on, read from the engine's own snapshot of the store with their file
//! and row number, written as `events.parquet` and into `case.duckdb` with the side records
//! of their hosts and containers. Every value is bound; the paths too.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use duckdb::params_from_iter;

use crate::query::{Engine, QueryError, Value, value_of, write_database};
use crate::schema::Family;
use crate::select::Filter;

use super::{CaseError, DATABASE, EVENTS};

/// What [`extract`] wrote.
pub(super) struct Extracted {
    /// Rows per family.
    pub(super) by_family: BTreeMap<String, u64>,
    /// Rows per store file (path relative to the store root), sorted by path.
    pub(super) sources: Vec<(String, u64)>,
}

/// The side records a case carries beside its rows: the records of its hosts and containers
/// as recorded (not folded) and every loss record of its hosts.
const SIDE: [(&str, &str); 3] = [
    (
        "host_records",
        "SELECT * FROM host_records WHERE host_id IN (SELECT host_id FROM case_rows)",
    ),
    (
        "container_records",
        "SELECT * FROM container_records WHERE container_id IN (SELECT container_id FROM case_rows)",
    ),
    (
        "loss",
        "SELECT * FROM loss WHERE host_id IN (SELECT host_id FROM case_rows)",
    ),
];

fn sql_err(e: duckdb::Error) -> CaseError {
    CaseError::Query(QueryError::from(e))
}

/// Reads the rows of `grounds` (each once, however many grounds select it) and writes them
/// into `dir`.
pub(super) fn extract(
    engine: &Engine,
    grounds: &[Filter],
    dir: &Path,
) -> Result<Extracted, CaseError> {
    let conn = engine.connection()?;
    conn.execute_batch(
        "CREATE OR REPLACE TEMP TABLE case_events AS SELECT *, \
         CAST(NULL AS VARCHAR) AS source_file, CAST(NULL AS BIGINT) AS source_row \
         FROM events WHERE false",
    )
    .map_err(sql_err)?;
    let mut root = engine.store().root().to_string_lossy().into_owned();
    if !root.ends_with('/') {
        root.push('/');
    }
    for g in grounds {
        let families: Vec<Family> = match g.family_of() {
            Some(f) => vec![f],
            None => Family::ALL.into_iter().filter(|f| f.is_event()).collect(),
        };
        for f in families {
            let (cond, params) = g.in_family(f).where_sql();
            let mut values: Vec<Value> = params.iter().map(value_of).collect();
            let at = values.len();
            values.push(Value::Text(root.clone()));
            // The family name is a constant of this crate, the rest is bound.
            let sql = format!(
                "INSERT INTO case_events BY NAME \
                 SELECT '{name}' AS family, * EXCLUDE (host, filename, file_row_number), \
                 CASE WHEN starts_with(filename, ${r}) THEN substr(filename, length(${r}) + 1) \
                      ELSE filename END AS source_file, \
                 file_row_number AS source_row \
                 FROM read_parquet(string_split(getvariable('trace_files_{name}'), chr(10)), \
                      hive_partitioning = true, union_by_name = true, \
                      filename = true, file_row_number = true) \
                 WHERE {cond}",
                name = f.name(),
                r = at + 1,
            );
            conn.execute(&sql, params_from_iter(values))
                .map_err(sql_err)?;
        }
    }
    conn.execute_batch(
        "CREATE OR REPLACE TEMP TABLE case_rows AS \
         SELECT * FROM case_events \
         QUALIFY row_number() OVER (PARTITION BY source_file, source_row) = 1 \
         ORDER BY time, time_nanos, source_file, source_row; \
         DROP TABLE case_events;",
    )
    .map_err(sql_err)?;
    let events = dir.join(EVENTS);
    conn.execute(
        "COPY (SELECT * FROM case_rows ORDER BY time, time_nanos, source_file, source_row) \
         TO ? (FORMAT parquet, COMPRESSION zstd)",
        [events.to_string_lossy().into_owned()],
    )
    .map_err(sql_err)?;
    let mut side_files = Vec::new();
    for (table, select) in SIDE {
        let file = dir.join(format!(".{table}.parquet"));
        conn.execute(
            &format!("COPY ({select}) TO ? (FORMAT parquet, COMPRESSION zstd)"),
            [file.to_string_lossy().into_owned()],
        )
        .map_err(sql_err)?;
        side_files.push((table, file));
    }
    let counts = |sql: &str| -> Result<Vec<(String, u64)>, CaseError> {
        let mut st = conn.prepare(sql).map_err(sql_err)?;
        let rows = st
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
            .map_err(sql_err)?;
        rows.map(|r| r.map(|(k, n)| (k, n.max(0) as u64)).map_err(sql_err))
            .collect()
    };
    let by_family = counts("SELECT family, count(*) FROM case_rows GROUP BY ALL ORDER BY 1")?
        .into_iter()
        .collect();
    let sources = counts("SELECT source_file, count(*) FROM case_rows GROUP BY ALL ORDER BY 1")?;
    conn.execute_batch("DROP TABLE case_rows")
        .map_err(sql_err)?;
    database(dir, &events, &side_files)?;
    for (_, f) in side_files {
        let _ = std::fs::remove_file(f);
    }
    Ok(Extracted { by_family, sources })
}

/// `case.duckdb`: the rows as table `events`, the side records as tables of their view's
/// name, loaded from the Parquet just written.
fn database(dir: &Path, events: &Path, side: &[(&str, PathBuf)]) -> Result<(), CaseError> {
    let mut tables: Vec<(&str, &Path)> = vec![("events", events)];
    tables.extend(side.iter().map(|(t, f)| (*t, f.as_path())));
    write_database(&dir.join(DATABASE), &tables)?;
    Ok(())
}
