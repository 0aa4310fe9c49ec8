//! What a command tells about its own work: `TRACE_PROFILE=1` (each step with its time, on
//! stderr) and `TRACE_SQL_LOG=FILE` (every statement with its parameters, rows and time, as
//! JSON lines; a direct read records the SQL it stands for).

use std::path::PathBuf;

use super::{QueryError, Value};

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
pub(super) fn log_statement(
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
