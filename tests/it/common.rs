//! Shared fixtures: the built binary and a demo store generated once per test run.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use trace::query::{Engine, QueryResult, Value};
use trace::store::Store;

/// Options of the shared demo store: small, but every part of the schedule and the intrusion.
pub const DEMO_EVENTS: u64 = 250_000;
pub const DEMO_DAYS: u32 = 4;
pub const DEMO_START: &str = "2026-10-01";

pub fn trace_bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_trace"))
}

/// Runs `trace --store <store> args…`.
pub fn trace(store: &Path, args: &[&str]) -> Output {
    trace_bin()
        .arg("--store")
        .arg(store)
        .args(args)
        .env_remove("TRACE_STORE")
        .output()
        .expect("run trace")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts success and returns stdout.
pub fn ok(o: Output) -> String {
    assert!(
        o.status.success(),
        "trace failed ({:?}):\nstdout: {}\nstderr: {}",
        o.status.code(),
        stdout(&o),
        stderr(&o)
    );
    stdout(&o)
}

/// A demo store generated once by the real binary, shared by the tests of this run.
pub fn demo_store() -> &'static Path {
    static STORE: OnceLock<PathBuf> = OnceLock::new();
    STORE.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("trace-it-demo-")
            .tempdir()
            .expect("tempdir")
            .keep();
        let store = dir.join("store");
        ok(trace(
            &store,
            &[
                "demo",
                "--events",
                &DEMO_EVENTS.to_string(),
                "--days",
                &DEMO_DAYS.to_string(),
                "--start",
                DEMO_START,
            ],
        ));
        store
    })
}

pub fn engine(store: &Path) -> Engine {
    Engine::open(&Store::open(store).expect("store")).expect("engine")
}

/// Runs trusted SQL and returns the first column of every row as text (NULL → "").
pub fn column(e: &Engine, sql: &str, params: &[Value]) -> Vec<String> {
    let r: QueryResult = e.query(sql, params).expect("query");
    let mut out = Vec::new();
    for b in &r.batches {
        let c = arrow::compute::cast(b.column(0), &arrow::datatypes::DataType::Utf8).unwrap();
        let a = c
            .as_any()
            .downcast_ref::<arrow::array::StringArray>()
            .unwrap();
        for i in 0..a.len() {
            out.push(if a.is_null(i) {
                String::new()
            } else {
                a.value(i).to_string()
            });
        }
    }
    out
}

pub fn scalar(e: &Engine, sql: &str, params: &[Value]) -> String {
    column(e, sql, params)
        .into_iter()
        .next()
        .unwrap_or_default()
}

pub fn int(e: &Engine, sql: &str, params: &[Value]) -> i64 {
    scalar(e, sql, params).parse().expect("integer result")
}

use arrow::array::Array;

/// Copies a directory tree (a store to alter in a test).
pub fn copy_dir(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from) {
        let e = e.unwrap();
        let dest = to.join(e.path().strip_prefix(from).unwrap());
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
}

/// A path inside the repository (testdata, fixtures).
pub fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}
