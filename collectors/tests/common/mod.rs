//! Helpers shared by the end-to-end tests: reading a store's Parquet files directly (the
//! collector's workspace has no DuckDB) and the process rows in them.

#![allow(dead_code)]

use std::path::Path;

use arrow::array::{Array, AsArray, RecordBatch};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

pub fn read_family(store: &Path, family: &str) -> Vec<RecordBatch> {
    let mut out = Vec::new();
    for e in walk(&store.join(family)) {
        if e.extension().and_then(|x| x.to_str()) == Some("parquet") {
            let r = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&e).unwrap())
                .unwrap()
                .build()
                .unwrap();
            out.extend(r.map(|b| b.unwrap()));
        }
    }
    out
}

pub fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

pub fn col(b: &RecordBatch, name: &str, row: usize) -> Option<String> {
    let c = b.column_by_name(name)?;
    if c.is_null(row) {
        return None;
    }
    let c = arrow::compute::cast(c, &arrow::datatypes::DataType::Utf8).ok()?;
    Some(c.as_string::<i32>().value(row).to_string())
}

#[derive(Debug, Clone)]
pub struct P {
    pub kind: String,
    pub key: String,
    pub parent: Option<String>,
    pub container: Option<String>,
    pub exe: Option<String>,
    pub argv: Vec<String>,
}

pub fn processes(store: &Path) -> Vec<P> {
    let mut out = Vec::new();
    for b in read_family(store, "process") {
        let argv = b.column_by_name("argv").unwrap().as_list::<i32>().clone();
        for i in 0..b.num_rows() {
            let a = if argv.is_null(i) {
                vec![]
            } else {
                let v = argv.value(i);
                let s = v.as_string::<i32>();
                (0..s.len()).map(|j| s.value(j).to_string()).collect()
            };
            out.push(P {
                kind: col(&b, "kind", i).unwrap(),
                key: col(&b, "process_key", i).unwrap_or_default(),
                parent: col(&b, "parent_process_key", i),
                container: col(&b, "container_id", i),
                exe: col(&b, "exe", i),
                argv: a,
            });
        }
    }
    out
}

/// A busybox root filesystem as a tar (no image registry is reachable here): `sh`, `cat`,
/// `sleep`, `echo`, `rm`, `chmod` as links to a static busybox.
pub fn busybox_tar(dir: &Path) -> std::path::PathBuf {
    use std::process::Command;
    let root = dir.join("root");
    for d in ["bin", "etc", "proc", "sys", "dev", "tmp"] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    let busybox = String::from_utf8(
        Command::new("sh")
            .args(["-c", "command -v busybox"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    std::fs::copy(busybox.trim(), root.join("bin/busybox")).unwrap();
    for a in ["sh", "cat", "sleep", "echo", "rm", "chmod"] {
        std::os::unix::fs::symlink("busybox", root.join("bin").join(a)).unwrap();
    }
    let tar = dir.join("bb.tar");
    assert!(
        Command::new("tar")
            .arg("-C")
            .arg(&root)
            .arg("-cf")
            .arg(&tar)
            .arg(".")
            .status()
            .unwrap()
            .success()
    );
    tar
}

/// `true` when the test may go on. A missing prerequisite (`why`) fails the test under
/// CI=true and skips it, with the reason printed, elsewhere.
pub fn prerequisite(missing: Option<String>) -> bool {
    match missing {
        None => true,
        Some(why) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("prerequisite missing in CI: {why}")
        }
        Some(why) => {
            eprintln!("skipping: {why}");
            false
        }
    }
}

/// `Some(reason)` unless running as root.
pub fn needs_root() -> Option<String> {
    // SAFETY: geteuid has no preconditions.
    (unsafe { libc::geteuid() } != 0).then(|| "needs root".to_string())
}

/// Starts the collector on `store` in `mode` (poll every 20 ms, flush every `flush_ms`),
/// with extra environment variables.
pub fn start_collector(
    store: &Path,
    mode: &str,
    flush_ms: u64,
    envs: &[(&str, &str)],
) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_trace-collector"))
        .arg("--store")
        .arg(store)
        .args([
            "--mode",
            mode,
            "--interval-ms",
            "20",
            "--flush-ms",
            &flush_ms.to_string(),
        ])
        .envs(envs.iter().copied())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start the collector")
}

/// Stops the collector with SIGTERM; it must flush and exit 0. Returns its log.
pub fn stop_collector(collector: std::process::Child) -> String {
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &collector.id().to_string()])
            .status()
            .unwrap()
            .success()
    );
    let out = collector.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "collector: {log}");
    log
}
