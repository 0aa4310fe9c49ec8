use super::*;

fn opts(format: ExportFormat, window: Window) -> ExportOptions {
    ExportOptions {
        format,
        destination: PathBuf::from("/nonexistent"),
        state: PathBuf::from("/nonexistent/state.json"),
        window,
        only: Vec::new(),
        lake: None,
        stop_after: None,
    }
}

#[test]
fn windows_are_bound_values_and_the_first_run_takes_unstamped_rows() {
    let inc = opts(
        ExportFormat::OcsfJsonl,
        Window::Incremental {
            settle: Duration::ZERO,
        },
    );
    let unit = &ocsf::UNITS[4];
    let (sql, params) = query(&inc, unit, None, Some(2_000));
    assert!(
        sql.contains("(e.ingest_time <= ? OR e.ingest_time IS NULL)"),
        "{sql}"
    );
    assert!(sql.contains("e.class_uid = ?"));
    assert_eq!(
        params,
        vec![
            Value::Timestamp(TimeUnit::Microsecond, 2_000),
            Value::Int(6003)
        ]
    );
    let (sql, params) = query(&inc, unit, Some(1_000), Some(2_000));
    assert!(
        sql.contains("e.ingest_time > ? AND e.ingest_time <= ?"),
        "{sql}"
    );
    assert_eq!(params.len(), 3);
    let range = opts(
        ExportFormat::Csv,
        Window::Range {
            since: Some(5),
            until: None,
        },
    );
    let (sql, params) = query(&range, &FAMILY_UNITS[0], None, None);
    assert!(
        sql.contains("WHERE e.time >= ?") && !sql.contains("ingest_time >"),
        "{sql}"
    );
    assert!(!sql.contains("JOIN"), "CSV is the store's columns: {sql}");
    assert_eq!(params, vec![Value::Timestamp(TimeUnit::Nanosecond, 5)]);
}

#[test]
fn an_unknown_unit_is_named_with_the_units_there_are() {
    let mut o = opts(
        ExportFormat::EcsJsonl,
        Window::Incremental {
            settle: Duration::ZERO,
        },
    );
    o.only = vec!["process_activity".into()];
    let e = selected(&o).unwrap_err().to_string();
    assert!(
        e.contains("ecs-jsonl has no unit 'process_activity'") && e.contains("process, file"),
        "{e}"
    );
}

#[test]
fn a_pending_commit_is_finished_once_and_a_vanished_output_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let tmp = dir.path().join(".a.jsonl.trace-tmp");
    std::fs::write(&tmp, "{}\n").unwrap();
    let mut st = state::State::default();
    let mut p = state::Pending::default();
    p.renames.push(state::Output {
        tmp: tmp.clone(),
        path: dir.path().join("a.jsonl"),
    });
    p.cursors.insert("ocsf-jsonl/x".into(), 42);
    st.pending = Some(p.clone());
    st.save(&path).unwrap();
    let mut loaded = state::State::load(&path).unwrap();
    assert_eq!(loaded.finish_pending(&path).unwrap(), 1);
    assert!(dir.path().join("a.jsonl").exists() && !tmp.exists());
    let done = state::State::load(&path).unwrap();
    assert_eq!(done.cursor("ocsf-jsonl/x"), Some(42));
    assert!(done.pending.is_none());

    // Both names gone: said, not committed.
    p.renames[0].path = dir.path().join("b.jsonl");
    let mut st = done.clone();
    st.pending = Some(p);
    let e = st.finish_pending(&path).unwrap_err().to_string();
    assert!(e.contains("someone removed it"), "{e}");

    std::fs::write(&path, "{\"version\": 1, \"cursors\": {}, \"bogus\": 1}").unwrap();
    let e = state::State::load(&path).unwrap_err().to_string();
    assert!(e.contains("not a trace export state file"), "{e}");
}
