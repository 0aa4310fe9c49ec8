//! `trace export`: incremental runs with imports and compactions between them export each
//! event exactly once; overlapping runs are serialised; a run stopped before or during its
//! commit leaves no visible output and the next run completes it; Security Lake Parquet is
//! partitioned and sorted.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde_json::Value as Json;

use crate::common::{engine, int, ok, repo, stderr, trace};

/// A small demo store of its own (the tests write into it).
fn fresh_store(dir: &Path) -> PathBuf {
    let store = dir.join("store");
    ok(trace(
        &store,
        &[
            "demo",
            "--events",
            "20000",
            "--days",
            "2",
            "--start",
            "2026-10-01",
        ],
    ));
    store
}

fn events(store: &Path) -> i64 {
    int(&engine(store), "SELECT count(*) FROM events", &[])
}

/// Every visible file under `dir` (recursively), and the hidden ones apart.
fn files(dir: &Path) -> (Vec<PathBuf>, Vec<PathBuf>) {
    let (mut visible, mut hidden) = (Vec::new(), Vec::new());
    for e in walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
    {
        let name = e.file_name().to_string_lossy();
        if name.starts_with('.') {
            hidden.push(e.path().to_path_buf());
        } else {
            visible.push(e.path().to_path_buf());
        }
    }
    (visible, hidden)
}

/// Every exported JSON line under `dir`.
fn lines(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for f in files(dir).0 {
        if f.extension().is_some_and(|e| e == "jsonl") {
            let text = std::fs::read_to_string(&f).unwrap();
            out.extend(text.lines().map(str::to_string));
        }
    }
    out
}

fn export(store: &Path, args: &[&str]) -> std::process::Output {
    let mut a = vec!["export"];
    a.extend_from_slice(args);
    trace(store, &a)
}

fn code(o: &std::process::Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn import(store: &Path, file: &str) {
    ok(trace(store, &["import", repo(file).to_str().unwrap()]));
}

/// What OCSF 1.8.0 requires of every class written (base event, and each class's own).
fn check_ocsf(line: &str) {
    let v: Json = serde_json::from_str(line).expect("an OCSF line is JSON");
    for k in [
        "activity_id",
        "category_uid",
        "class_uid",
        "metadata",
        "severity_id",
        "time",
        "type_uid",
    ] {
        assert!(v.get(k).is_some(), "OCSF record without {k}: {line}");
    }
    assert_eq!(v["metadata"]["version"], "1.8.0");
    assert!(v["metadata"]["product"].is_object(), "{line}");
    let class = v["class_uid"].as_i64().unwrap();
    let activity = v["activity_id"].as_i64().unwrap();
    assert_eq!(v["type_uid"].as_i64().unwrap(), class * 100 + activity);
    assert_eq!(v["category_uid"].as_i64().unwrap(), class / 1000);
    assert!(v["time"].is_i64(), "time is epoch ms: {line}");
    let required: &[&str] = match class {
        1007 => &["actor", "device", "process"],
        1001 => &["actor", "device", "file"],
        4001 => &["device"],
        2004 => &["finding_info"],
        6003 => &["api", "actor", "src_endpoint"],
        3002 => &["user"],
        other => panic!("unexpected class {other}"),
    };
    for k in required {
        assert!(v.get(*k).is_some(), "class {class} without {k}: {line}");
    }
}

#[test]
fn incremental_runs_export_each_event_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = fresh_store(dir.path());
    let dest = dir.path().join("out");
    let to = dest.to_str().unwrap();

    let first = export(&store, &["--to", to]);
    assert_eq!(code(&first), 0, "{}", stderr(&first));
    let n1 = lines(&dest).len() as i64;
    assert_eq!(n1, events(&store));

    // An import of old events (new ingest stamps) is exported by the next run.
    import(&store, "testdata/import/cross/tetragon-web.jsonl");
    let imported = events(&store) - n1;
    assert!(imported > 0);
    let second = export(&store, &["--to", to]);
    assert_eq!(code(&second), 0, "{}", stderr(&second));
    assert_eq!(lines(&dest).len() as i64 - n1, imported);

    // Compaction rewrites every file; nothing is new.
    ok(trace(&store, &["compact", "--quiet"]));
    let third = export(&store, &["--to", to]);
    assert_eq!(code(&third), 5, "nothing new: {}", stderr(&third));

    // API calls and logins (two OCSF classes from one family), after another compaction.
    import(&store, "testdata/import/cross/k8s-audit.jsonl");
    import(&store, "testdata/import/cross/cloudtrail.json");
    ok(trace(&store, &["compact", "--quiet"]));
    let fourth = export(&store, &["--to", to]);
    assert_eq!(code(&fourth), 0, "{}", stderr(&fourth));

    let all = lines(&dest);
    assert_eq!(all.len() as i64, events(&store), "each event once");
    let distinct: HashSet<&String> = all.iter().collect();
    assert_eq!(distinct.len(), all.len(), "no line twice");
    let mut classes = HashSet::new();
    for l in &all {
        check_ocsf(l);
        classes.insert(serde_json::from_str::<Json>(l).unwrap()["class_uid"].as_i64());
    }
    for c in [1007, 1001, 4001, 2004, 6003] {
        assert!(classes.contains(&Some(c)), "class {c} exported");
    }
    assert!(
        files(&dest)
            .1
            .iter()
            .all(|p| !p.to_string_lossy().ends_with(".trace-tmp"))
    );

    // An ad-hoc window leaves the state alone.
    let state = std::fs::read(dest.join(".trace-export-state.json")).unwrap();
    let adhoc = dir.path().join("adhoc");
    let w = export(
        &store,
        &[
            "--format",
            "ecs-jsonl",
            "--to",
            adhoc.to_str().unwrap(),
            "--since",
            "2026-10-01",
            "--until",
            "2026-10-02",
            "--only",
            "process",
        ],
    );
    assert_eq!(code(&w), 0, "{}", stderr(&w));
    let day = int(
        &engine(&store),
        "SELECT count(*) FROM process WHERE time >= '2026-10-01' AND time < '2026-10-02'",
        &[],
    );
    assert_eq!(lines(&adhoc).len() as i64, day);
    for l in lines(&adhoc) {
        let v: Json = serde_json::from_str(&l).unwrap();
        assert_eq!(v["ecs"]["version"], "9.4.0");
        assert!(v["@timestamp"].as_str().unwrap().starts_with("2026-10-01T"));
    }
    assert_eq!(
        std::fs::read(dest.join(".trace-export-state.json")).unwrap(),
        state
    );
}

#[test]
fn overlapping_runs_are_serialised() {
    let dir = tempfile::tempdir().unwrap();
    let store = fresh_store(dir.path());
    let dest = dir.path().join("out");
    let spawn = || {
        crate::common::trace_bin()
            .arg("--store")
            .arg(&store)
            .args([
                "export",
                "--format",
                "ecs-jsonl",
                "--to",
                dest.to_str().unwrap(),
            ])
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    let mut codes = vec![
        code(&a.wait_with_output().unwrap()),
        code(&b.wait_with_output().unwrap()),
    ];
    codes.sort();
    assert_eq!(
        codes,
        vec![0, 5],
        "one exports, the other finds nothing new"
    );
    assert_eq!(lines(&dest).len() as i64, events(&store));
}

#[test]
fn a_stopped_run_leaves_no_output_and_the_next_completes_it() {
    use trace::export::{ExportOptions, Stage, Window, default_state, run};
    let dir = tempfile::tempdir().unwrap();
    let store_dir = fresh_store(dir.path());
    let store = trace::store::Store::open(&store_dir).unwrap();
    for stage in [Stage::Written, Stage::Pending] {
        let dest = dir.path().join(format!("out-{stage:?}"));
        let opts = ExportOptions {
            format: trace::config::ExportFormat::OcsfJsonl,
            destination: dest.clone(),
            state: default_state(&dest),
            window: Window::Incremental {
                settle: std::time::Duration::ZERO,
            },
            only: Vec::new(),
            lake: None,
            stop_after: Some(stage),
        };
        let e = run(&store, &opts, &mut |_, _| {}).unwrap_err();
        assert!(matches!(e, trace::export::ExportError::Stopped(s) if s == stage));
        let (visible, hidden) = files(&dest);
        assert!(
            visible.is_empty(),
            "{stage:?}: nothing visible: {visible:?}"
        );
        assert!(
            hidden
                .iter()
                .any(|p| p.to_string_lossy().ends_with(".trace-tmp"))
        );

        let next = export(&store_dir, &["--to", dest.to_str().unwrap()]);
        assert_eq!(code(&next), 0, "{}", stderr(&next));
        if stage == Stage::Pending {
            assert!(stderr(&next).contains("finished the commit of an interrupted run"));
        }
        assert_eq!(lines(&dest).len() as i64, events(&store_dir), "{stage:?}");
        assert!(
            files(&dest)
                .1
                .iter()
                .all(|p| !p.to_string_lossy().ends_with(".trace-tmp"))
        );
        let again = export(&store_dir, &["--to", dest.to_str().unwrap()]);
        assert_eq!(code(&again), 5, "{}", stderr(&again));
    }
}

#[test]
fn security_lake_parquet_is_one_class_per_object_partitioned_and_sorted() {
    let dir = tempfile::tempdir().unwrap();
    let store = fresh_store(dir.path());
    let dest = dir.path().join("lake");
    let missing = export(
        &store,
        &["--format", "ocsf-parquet", "--to", dest.to_str().unwrap()],
    );
    assert_eq!(code(&missing), 1);
    assert!(
        stderr(&missing).contains("--region"),
        "{}",
        stderr(&missing)
    );
    let o = export(
        &store,
        &[
            "--format",
            "ocsf-parquet",
            "--to",
            dest.to_str().unwrap(),
            "--region",
            "eu-west-1",
            "--account-id",
            "123456789012",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let parquet: Vec<PathBuf> = files(&dest)
        .0
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "parquet"))
        .collect();
    assert!(!parquet.is_empty());
    let e = engine(&store);
    let mut total = 0;
    for p in &parquet {
        let rel = p
            .strip_prefix(&dest)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let parts: Vec<&str> = rel.split('/').collect();
        assert_eq!(parts[0], "ext");
        assert!(parts[1].starts_with("trace-"), "{rel}");
        assert_eq!(parts[2], "region=eu-west-1");
        assert_eq!(parts[3], "accountId=123456789012");
        let day = parts[4].strip_prefix("eventDay=").expect(&rel);
        let f = p.to_str().unwrap().to_string();
        let v = |sql: &str| int(&e, sql, &[trace::query::Value::Text(f.clone())]);
        assert_eq!(
            v("SELECT count(DISTINCT class_uid) FROM read_parquet(?)"),
            1,
            "{rel}"
        );
        assert_eq!(
            v(
                "SELECT count(*) FROM (SELECT time < lag(time) OVER () AS back FROM read_parquet(?)) WHERE back"
            ),
            0,
            "{rel} sorted by time"
        );
        let days = crate::common::column(
            &e,
            "SELECT DISTINCT strftime(time, '%Y%m%d') FROM read_parquet(?)",
            &[trace::query::Value::Text(f.clone())],
        );
        assert_eq!(days, vec![day.to_string()], "{rel}");
        total += v("SELECT count(*) FROM read_parquet(?)");
    }
    assert_eq!(total, events(&store));
}
