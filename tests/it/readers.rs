//! Readers other than trace read the store with the documented schema.

use std::process::Command;

use crate::common::*;

/// pyarrow reads every family's files, with the columns and types of the schema and the
/// schema version in the file metadata. In CI (CI=true) a missing pyarrow is a failure.
#[test]
fn pyarrow_reads_the_store_with_the_documented_schema() {
    let check = Command::new("python3")
        .args(["-c", "import pyarrow"])
        .output();
    let have = check.map(|o| o.status.success()).unwrap_or(false);
    if !have {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("pyarrow is required in CI (pip install pyarrow)");
        }
        eprintln!("skipping: python3 with pyarrow is not installed");
        return;
    }
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/read_store.py");
    let read = |store: &std::path::Path, families: &[&str]| {
        let out = Command::new("python3")
            .arg(script)
            .arg(store)
            .args(families)
            .output()
            .expect("python3");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "{text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        text
    };
    // The demo has every family but `api` (its sources are imported: Kubernetes audit and
    // CloudTrail logs, read from an imported store below).
    use trace::schema::Family;
    let demo: Vec<&str> = Family::ALL
        .iter()
        .filter(|f| **f != Family::Api)
        .map(|f| f.name())
        .collect();
    let text = read(demo_store(), &demo);
    let dir = tempfile::tempdir().unwrap();
    let imported = dir.path().join("s");
    let cross = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/import/cross");
    let o = trace(
        &imported,
        &[
            "import",
            &format!("{cross}/k8s-audit.jsonl"),
            &format!("{cross}/cloudtrail.json"),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = text + &read(&imported, &["api"]);
    // The script prints one line per family: name, rows, columns.
    let expected: Vec<String> = Family::ALL
        .iter()
        .map(|f| format!("{} columns={}", f.name(), f.schema().fields().len()))
        .collect();
    for e in &expected {
        assert!(text.contains(e.as_str()), "missing '{e}' in:\n{text}");
    }
    let api = Family::Api.schema().fields().len();
    assert!(
        text.contains(&format!("api columns={api} rows=9\n")),
        "{text}"
    );
    // And pyarrow's row count equals DuckDB's.
    let e = engine(demo_store());
    let n = int(&e, "SELECT count(*) FROM process", &[]);
    let cols = Family::Process.schema().fields().len();
    assert!(
        text.contains(&format!("process columns={cols} rows={n}\n")),
        "{text}"
    );
}
