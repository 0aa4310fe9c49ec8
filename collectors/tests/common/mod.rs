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
