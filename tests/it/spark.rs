//! Apache Spark reads the store as it is (no flags) and answers three questions exactly as
//! `trace query` does: one container's events, the connections to one IP, the programs
//! executed from /tmp — on a fresh store, a compacted one with fresh files beside it, and a
//! schema-1 store (nanosecond timestamps, which Spark refuses) once this trace compacted it.
//! In CI (CI=true) a missing pyspark or Java is a failure.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::*;

const IP: &str = "203.0.113.66";

/// (question, trace query SQL, its columns): the same questions as tests/spark_read.py.
const QUESTIONS: [(&str, &str, &[&str]); 3] = [
    (
        "container",
        "SELECT family, epoch_us(time) AS t, time_nanos, kind, process_key FROM events
         WHERE container_id = ? AND family IN ('process', 'file', 'network')",
        &["family", "t", "time_nanos", "kind", "process_key"],
    ),
    (
        "ip",
        "SELECT epoch_us(time) AS t, time_nanos, host_id, container_id, kind, src_ip, src_port,
                dst_port
         FROM network WHERE dst_ip = ? AND kind = 'net_connect'",
        &[
            "t",
            "time_nanos",
            "host_id",
            "container_id",
            "kind",
            "src_ip",
            "src_port",
            "dst_port",
        ],
    ),
    (
        "tmp_exec",
        "SELECT epoch_us(time) AS t, host_id, container_id, exe,
                array_to_string(argv, ' ') AS args
         FROM process WHERE kind = 'process_exec' AND exe LIKE '/tmp/%'",
        &["t", "host_id", "container_id", "exe", "args"],
    ),
];

fn cell(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

type Answers = BTreeMap<(usize, String), Vec<Vec<String>>>;

fn spark_available() -> bool {
    let ok = |cmd: &mut Command| cmd.output().map(|o| o.status.success()).unwrap_or(false);
    let have = ok(Command::new("python3").args(["-c", "import pyspark"]))
        && ok(Command::new("java").arg("-version"));
    if !have {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("pyspark and Java are required in CI (pip install pyspark; Java 17)");
        }
        eprintln!("skipping: pyspark or Java is not installed");
    }
    have
}

/// The container's full id (the demo's exploited web container).
fn container_id(store: &Path) -> String {
    let out = ok(trace(
        store,
        &[
            "query",
            "--format",
            "csv",
            "SELECT DISTINCT container_id FROM events WHERE starts_with(container_id, '3f2a9c')",
        ],
    ));
    let ids: Vec<&str> = out.lines().skip(1).collect();
    assert_eq!(ids.len(), 1, "{out}");
    ids[0].to_string()
}

fn trace_answers(i: usize, store: &Path, container: &str, out: &mut Answers) {
    for (q, sql, cols) in QUESTIONS {
        let param = if q == "container" { container } else { IP };
        let mut args = vec!["query", "--format", "jsonl"];
        if sql.contains('?') {
            args.extend(["-p", param]);
        }
        args.push(sql);
        let text = ok(trace(store, &args));
        let rows = out.entry((i, q.to_string())).or_default();
        for line in text.lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            rows.push(cols.iter().map(|c| cell(&v[*c])).collect());
        }
    }
}

fn spark_answers(stores: &[PathBuf], container: &str) -> Answers {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/spark_read.py");
    let o = Command::new("python3")
        .arg(script)
        .args([container, IP])
        .args(stores)
        .output()
        .expect("python3");
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        o.status.success(),
        "spark failed:\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let mut out = Answers::new();
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let row = v["row"].as_array().unwrap().iter().map(cell).collect();
        out.entry((v["store"].as_u64().unwrap() as usize, cell(&v["q"])))
            .or_default()
            .push(row);
    }
    out
}

#[test]
fn spark_reads_the_store_as_trace_query_does() {
    if !spark_available() {
        return;
    }
    let container = container_id(demo_store());
    // A schema-1 store, compacted by this trace into schema-3 files.
    let dir = tempfile::tempdir().unwrap();
    let v1 = dir.path().join("v1");
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/v1/fresh");
    for e in walkdir::WalkDir::new(&from) {
        let e = e.unwrap();
        let to = v1.join(e.path().strip_prefix(&from).unwrap());
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&to).unwrap();
        } else {
            std::fs::copy(e.path(), &to).unwrap();
        }
    }
    ok(trace(&v1, &["compact", "--all"]));
    let stores = vec![
        demo_store().to_path_buf(),
        crate::compact::stores().0.clone(),
        v1,
    ];
    let mut want = Answers::new();
    for (i, s) in stores.iter().enumerate() {
        trace_answers(i, s, &container, &mut want);
    }
    let mut got = spark_answers(&stores, &container);
    for rows in want.values_mut().chain(got.values_mut()) {
        rows.sort();
    }
    for ((i, q), rows) in &want {
        let n = rows.len();
        let floor = match q.as_str() {
            "container" => 100,
            _ => 1,
        };
        assert!(n >= floor, "store {i} {q}: only {n} rows");
        assert_eq!(
            got.get(&(*i, q.clone())),
            Some(rows),
            "store {} ({}), question {q}: Spark and trace query differ",
            i,
            stores[*i].display()
        );
    }
}
