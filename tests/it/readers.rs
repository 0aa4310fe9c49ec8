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
    let out = Command::new("python3")
        .arg(script)
        .arg(demo_store())
        .output()
        .expect("python3");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The script prints one line per family: name, rows, columns.
    let expected: Vec<String> = trace::schema::Family::ALL
        .iter()
        .map(|f| format!("{} columns={}", f.name(), f.schema().fields().len()))
        .collect();
    for e in &expected {
        assert!(text.contains(e.as_str()), "missing '{e}' in:\n{text}");
    }
    // And pyarrow's row count equals DuckDB's.
    let e = engine(demo_store());
    let n = int(&e, "SELECT count(*) FROM process", &[]);
    let cols = trace::schema::Family::Process.schema().fields().len();
    assert!(
        text.contains(&format!("process columns={cols} rows={n}\n")),
        "{text}"
    );
}
