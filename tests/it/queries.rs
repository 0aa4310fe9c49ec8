//! Every query in queries/ runs as its header's `example:` line says and finds rows in the
//! demo store.

use std::path::Path;
use std::process::Command;

use crate::common::*;

#[test]
fn every_example_query_runs_as_documented() {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/queries/examples"));
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_trace")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut ran = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let file = entry.unwrap().path();
        if file.extension().and_then(|e| e.to_str()) != Some("sql") {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(text.starts_with("-- title: "), "{}: header", file.display());
        let example = text
            .lines()
            .find_map(|l| l.strip_prefix("-- example: "))
            .unwrap_or_else(|| panic!("{}: no example line", file.display()));
        let out = Command::new("bash")
            .arg("-c")
            .arg(format!("{example} --format csv"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("PATH", &path)
            .env("TRACE_STORE", demo_store())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{example}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.lines().count() > 1, "{example}: no rows\n{stdout}");
        ran += 1;
    }
    assert!(ran >= 4);
}

#[test]
fn drift_and_lineage_find_the_implant() {
    let store = demo_store();
    let drift = ok(trace(
        store,
        &[
            "query",
            "--format",
            "csv",
            "-f",
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/queries/examples/written-then-executed.sql"
            ),
        ],
    ));
    let implant_rows: Vec<&str> = drift
        .lines()
        .filter(|l| l.contains("/tmp/.kworker"))
        .collect();
    assert_eq!(implant_rows.len(), 1, "{drift}");
    assert!(implant_rows[0].contains(trace::demo::truth::DROPPER_SHA256));
}
