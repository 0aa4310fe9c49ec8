//! `trace query` and the browsing commands as a user runs them.

use std::io::Write;
use std::process::Stdio;

use crate::common::*;

const KINDS: &str = "SELECT kind, count(*) AS n FROM events GROUP BY kind ORDER BY kind";

#[test]
fn every_output_format_carries_the_same_rows() {
    let store = demo_store();
    let table = ok(trace(store, &["query", KINDS]));
    assert!(
        table.contains("process_exec") && table.ends_with("(15 rows)\n"),
        "{table}"
    );

    let csv = ok(trace(store, &["query", "--format", "csv", KINDS]));
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("kind,n"));
    let csv_rows: Vec<(String, i64)> = lines
        .map(|l| {
            let (k, n) = l.split_once(',').unwrap();
            (k.to_string(), n.parse().unwrap())
        })
        .collect();
    assert_eq!(csv_rows.len(), 15);

    let json: serde_json::Value =
        serde_json::from_str(&ok(trace(store, &["query", "--format", "json", KINDS]))).unwrap();
    let json_rows: Vec<(String, i64)> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["kind"].as_str().unwrap().to_string(),
                o["n"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(json_rows, csv_rows);

    let jsonl = ok(trace(store, &["query", "--format", "jsonl", KINDS]));
    let jsonl_rows: Vec<(String, i64)> = jsonl
        .lines()
        .map(|l| {
            let o: serde_json::Value = serde_json::from_str(l).unwrap();
            (
                o["kind"].as_str().unwrap().to_string(),
                o["n"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(jsonl_rows, csv_rows);

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("kinds.parquet");
    ok(trace(
        store,
        &[
            "query",
            "--format",
            "parquet",
            "-o",
            out.to_str().unwrap(),
            KINDS,
        ],
    ));
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
        std::fs::File::open(&out).unwrap(),
    )
    .unwrap()
    .build()
    .unwrap();
    let rows: usize = reader.map(|b| b.unwrap().num_rows()).sum();
    assert_eq!(rows, 15);
}

#[test]
fn a_query_reads_the_store_and_nothing_else_on_the_machine() {
    let store = demo_store();
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("secret.csv");
    std::fs::write(&secret, "token\nhunter2\n").unwrap();
    let path = secret.display().to_string();
    for sql in [
        format!("SELECT * FROM read_csv('{path}')"),
        format!("SELECT * FROM read_text('{path}')"),
        format!("SELECT * FROM glob('{}/*')", dir.path().display()),
        "SELECT * FROM read_csv('/etc/hostname')".to_string(),
    ] {
        let o = trace(store, &["query", &sql]);
        assert_eq!(o.status.code(), Some(1), "{sql}");
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(
            !out.contains("hunter2") && !out.contains("secret.csv"),
            "{sql}: {out}"
        );
        assert!(stderr(&o).contains("disabled"), "{sql}: {}", stderr(&o));
    }
    // Nor can a statement lift the limit (SET is not read-only, and the setting is locked).
    let o = trace(store, &["query", "SET enable_external_access = true"]);
    assert_eq!(o.status.code(), Some(1));
    // The store's own views still answer.
    let n = ok(trace(
        store,
        &[
            "query",
            "--format",
            "csv",
            "SELECT count(*) > 0 AS any FROM events",
        ],
    ));
    assert_eq!(n.trim(), "any\ntrue");
}

#[test]
fn json_times_are_utc_and_lists_are_arrays() {
    let out = ok(trace(
        demo_store(),
        &[
            "query",
            "--format",
            "jsonl",
            "SELECT time, argv FROM process WHERE argv IS NOT NULL LIMIT 1",
        ],
    ));
    let o: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert!(o["time"].as_str().unwrap().ends_with('Z'), "{o}");
    assert!(o["argv"].is_array(), "{o}");
}

#[test]
fn parameters_are_bound_not_spliced() {
    let store = demo_store();
    let n = ok(trace(
        store,
        &[
            "query",
            "--format",
            "csv",
            "-p",
            "203.0.113.66",
            "SELECT count(*) AS n FROM network WHERE dst_ip = ?",
        ],
    ));
    let n: i64 = n.lines().nth(1).unwrap().parse().unwrap();
    assert!(n >= 5, "attacker connections: {n}");
    // A value that would break out of a string literal is just a value.
    let hostile = "x' OR '1'='1";
    let n = ok(trace(
        store,
        &[
            "query",
            "--format",
            "csv",
            "-p",
            hostile,
            "SELECT count(*) AS n FROM network WHERE dst_ip = $1",
        ],
    ));
    assert_eq!(n.lines().nth(1), Some("0"));
    // Typed context: the text parameter is cast to the column's type.
    let n = ok(trace(
        store,
        &[
            "query",
            "--format",
            "csv",
            "-p",
            "22",
            "SELECT count(*) > 0 AS any FROM network WHERE dst_port = ?",
        ],
    ));
    assert_eq!(n.lines().nth(1), Some("true"));
}

#[test]
fn the_store_is_read_only_to_queries() {
    let store = demo_store();
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("x.parquet");
    let target = target.to_str().unwrap();
    let copy = format!("COPY (SELECT 1) TO '{target}' (FORMAT parquet)");
    let explain_copy = format!("EXPLAIN ANALYZE COPY (SELECT 1) TO '{target}'");
    let attach = format!("ATTACH '{}/db.duckdb' AS x", dir.path().display());
    for sql in [
        copy.as_str(),
        explain_copy.as_str(),
        attach.as_str(),
        "CREATE TABLE t AS SELECT 1",
        "INSERT INTO process SELECT * FROM process",
        "DROP VIEW process",
        "SET threads = 1",
        "INSTALL httpfs",
        "SELECT 1; SELECT 2",
    ] {
        let o = trace(store, &["query", sql]);
        assert_eq!(
            o.status.code(),
            Some(1),
            "{sql} should fail: {}",
            stdout(&o)
        );
        let err = stderr(&o);
        // Refused as a write, (for writes into the views) already by DuckDB's binder, or (a
        // file outside the store) by the sandbox.
        assert!(
            err.contains("read-only")
                || err.contains("exactly one SQL statement")
                || err.contains("is not an table")
                || err.contains("disabled by configuration"),
            "{sql}: {err}"
        );
    }
    assert!(!std::path::Path::new(target).exists());
    // EXPLAIN of a SELECT is fine.
    ok(trace(
        store,
        &["query", "EXPLAIN SELECT count(*) FROM events"],
    ));
}

#[test]
fn bad_sql_gets_duckdbs_message_and_exit_1() {
    let o = trace(demo_store(), &["query", "SELECT nope FROM process"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.starts_with("error: query failed: "), "{err}");
    assert!(err.contains("nope"), "{err}");
    let o = trace(demo_store(), &["query", "SELEC 1"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("syntax error"), "{}", stderr(&o));
}

#[test]
fn sql_comes_from_a_file_or_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("q.sql");
    std::fs::write(&f, "-- hosts\nSELECT count(*) AS n FROM hosts\n").unwrap();
    let out = ok(trace(
        demo_store(),
        &["query", "--format", "csv", "-f", f.to_str().unwrap()],
    ));
    assert_eq!(out, "n\n5\n");
    let mut child = trace_bin()
        .args([
            "--store",
            demo_store().to_str().unwrap(),
            "query",
            "--format",
            "csv",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"SELECT count(*) AS n FROM hosts")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(stdout(&out), "n\n5\n");
    let missing = trace(demo_store(), &["query", "-f", "/nonexistent/q.sql"]);
    assert!(
        stderr(&missing).contains("/nonexistent/q.sql"),
        "{}",
        stderr(&missing)
    );
}

#[test]
fn a_pipe_closed_early_is_not_an_error() {
    // head closes the pipe after one line: trace must exit 0 and print nothing on stderr.
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "'{}' --store '{}' query --format csv 'SELECT * FROM events' | head -n 1 >/dev/null; echo \"rc=${{PIPESTATUS[0]}}\"",
            env!("CARGO_BIN_EXE_trace"),
            demo_store().display()
        ))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "rc=0");
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn containers_hosts_and_timeline_answer_the_first_questions() {
    let store = demo_store();
    let hosts = ok(trace(store, &["hosts", "--format", "csv"]));
    assert_eq!(hosts.lines().count(), 6, "{hosts}");
    assert!(hosts.contains("db-01") && hosts.contains("k8s-node"));

    let ctrs = ok(trace(
        store,
        &["containers", "--format", "jsonl", "--image", "payments-api"],
    ));
    let rows: Vec<serde_json::Value> = ctrs
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(rows.len() >= 3, "{ctrs}");
    assert!(
        rows.iter()
            .all(|r| r["image"].as_str().unwrap().contains("payments-api"))
    );
    let pay = rows
        .iter()
        .find(|r| r["id"] == trace::demo::truth::PAY_CONTAINER_ID)
        .expect("the payments container of the story");
    assert_eq!(pay["state"], "gone");
    assert_eq!(pay["host"], "k8s-node-2");

    let table = ok(trace(store, &["containers", "--host", "build-01"]));
    assert!(
        table.contains("golang") || table.contains("node:20"),
        "{table}"
    );
    assert!(!table.contains("payments-api"));

    let tl = ok(trace(
        store,
        &[
            "timeline",
            "--container",
            "3f2a9c",
            "--format",
            "jsonl",
            "--kind",
            "process_exec",
        ],
    ));
    let execs: Vec<serde_json::Value> = tl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(execs.iter().any(|r| r["process"] == "/tmp/.kworker"));
    assert!(execs.iter().all(|r| r["kind"] == "process_exec"));
    let times: Vec<&str> = execs.iter().map(|r| r["time"].as_str().unwrap()).collect();
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted, "timeline is in time order");

    let window = ok(trace(
        store,
        &[
            "timeline",
            "--host",
            "db-01",
            "--since",
            "2026-10-03 14:09:00",
            "--until",
            "2026-10-03 14:17:00",
            "--format",
            "csv",
        ],
    ));
    assert!(
        window.contains("pg_dump") && window.contains("203.0.113.66:443"),
        "{window}"
    );
    assert!(!window.contains("2026-10-03T13:"), "window respected");

    let bad = trace(
        store,
        &["timeline", "--host", "db-01", "--kind", "proc_exec"],
    );
    assert!(
        stderr(&bad).contains("unknown event kind 'proc_exec'"),
        "{}",
        stderr(&bad)
    );
    let nohost = trace(store, &["timeline", "--host", "mail-01"]);
    assert!(
        stderr(&nohost).contains("known hosts: alice-laptop"),
        "{}",
        stderr(&nohost)
    );
}

#[test]
fn a_missing_or_empty_store_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("none");
    let o = trace(&missing, &["containers"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("trace demo"), "{}", stderr(&o));

    let empty = dir.path().join("empty");
    trace::store::Store::create(&empty).unwrap();
    let out = ok(trace(
        &empty,
        &[
            "query",
            "--format",
            "csv",
            "SELECT count(*) AS n FROM events",
        ],
    ));
    assert_eq!(out, "n\n0\n");
    let o = trace(&empty, &["timeline", "--container", "3f2a"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("holds no events yet"), "{}", stderr(&o));
}

/// Whatever a query returns prints in every format: zoned times (DuckDB's `now()`), at any
/// depth, intervals, unions, decimals, huge integers, blobs, maps… — never an error or a
/// panic, and the times come out in UTC.
#[test]
fn every_result_type_prints_in_every_format() {
    let store = demo_store();
    let queries = [
        ("now()", true),
        ("TIMESTAMPTZ '2026-10-06 12:00:00+02'", true),
        ("[TIMESTAMPTZ '2026-10-06 12:00:00+02']", true),
        ("{'t': TIMESTAMPTZ '2026-10-06 12:00:00+02', 'n': 1}", true),
        ("MAP {'k': TIMESTAMPTZ '2026-10-06 12:00:00+02'}", true),
        ("INTERVAL 1 DAY", false),
        ("1.5::DECIMAL(10,2)", false),
        ("uuid()", false),
        ("170141183460469231731687303715884105727::HUGEINT", false),
        ("'x'::BLOB", false),
        ("TIME '12:00'", false),
        ("union_value(k := 1)", false),
        ("'a'::ENUM('a', 'b')", false),
        ("[1, 2]", false),
        ("NULL::TIMESTAMPTZ", false),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (expr, is_noon_utc) in queries {
        let sql = format!("SELECT {expr} AS v, 1 AS n");
        for format in ["table", "csv", "json", "jsonl", "parquet"] {
            let out = dir.path().join(format!("out.{format}"));
            let o = trace(
                store,
                &[
                    "query",
                    "--format",
                    format,
                    "-o",
                    out.to_str().unwrap(),
                    &sql,
                ],
            );
            assert!(o.status.success(), "{sql} as {format}: {}", stderr(&o));
            let bytes = std::fs::read(&out).unwrap();
            match format {
                "json" => {
                    let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
                    assert_eq!(v[0]["n"], 1, "{sql}: {v}");
                }
                "parquet" => {
                    let r = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
                        bytes::Bytes::from(bytes),
                    )
                    .unwrap()
                    .build()
                    .unwrap();
                    let rows: usize = r.map(|b| b.unwrap().num_rows()).sum();
                    assert_eq!(rows, 1, "{sql}");
                }
                _ => assert!(!bytes.is_empty()),
            }
            if is_noon_utc && expr.contains("12:00:00+02") && format != "parquet" {
                let text = String::from_utf8_lossy(&std::fs::read(&out).unwrap()).into_owned();
                assert!(text.contains("10:00:00"), "{sql} as {format}: {text}");
            }
        }
    }
}
