//! Export benchmark: events/s, bytes and peak RSS of `trace export` in each format, next to
//! DuckDB's own `COPY … TO` of the same rows as JSON and as Parquet, in one run.
//!
//! ```sh
//! cargo run --example bench_export -- [STORE] [DIR]   # default /tmp/trace-bench/store /tmp/trace-bench-export
//! ```
//!
//! STORE is an existing store (`bench_store`'s 10M events, or `trace demo --events N`). Each
//! measurement runs in a fresh process of this example (`--one NAME STORE OUT`), which reports
//! its own wall time and peak RSS (`VmHWM`), with the page cache warmed by a first count:
//! - `ocsf-jsonl`, `ocsf-parquet`, `ecs-jsonl`, `csv`: a first incremental run of
//!   `trace export` into an empty destination (everything is new), as cron would start it;
//! - `duckdb-json`, `duckdb-parquet`: `COPY (SELECT * FROM events) TO OUT (FORMAT …)` through
//!   the same engine (the store's flat columns, no mapping, no atomic commit, no state): what
//!   the engine itself costs to write the same rows, under the same `memory_limit` the export
//!   sets.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use trace::config::ExportFormat;
use trace::export::{self, ExportOptions, Lake, Window};
use trace::query::Engine;
use trace::store::Store;

mod common;
use common::peak_rss_mib;

fn dir_bytes(p: &Path) -> u64 {
    walkdir::WalkDir::new(p)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .map(|e| e.metadata().map(|m| m.len()).unwrap_or(0))
        .sum()
}

/// One measurement, in this process: prints `rows seconds rss_mib`.
fn one(name: &str, root: &Path, out: &Path) {
    let store = Store::open(root).expect("store");
    let warm = Engine::open(&store).expect("engine");
    let total = warm
        .query("SELECT count(*) FROM events", &[])
        .expect("count");
    drop((warm, total));
    let start = Instant::now();
    let rows = match name {
        "duckdb-json" | "duckdb-parquet" => {
            let engine = Engine::open(&store).expect("engine");
            let conn = engine.connection().expect("connection");
            // The same bound `trace export` runs under, so the two are compared like for like.
            let spill = out.with_extension("spill");
            conn.execute(
                "SET temp_directory = ?",
                [spill.to_string_lossy().into_owned()],
            )
            .expect("temp_directory");
            conn.execute("SET memory_limit = ?", [export::MEMORY_LIMIT])
                .expect("memory_limit");
            // Without this DuckDB cannot keep a 10M-row COPY in order under the bound ("failed
            // to pin block"): the baseline is an unordered dump, the export sorts by time.
            conn.execute_batch("SET preserve_insertion_order = false")
                .expect("preserve_insertion_order");
            let format = if name == "duckdb-json" {
                "FORMAT json"
            } else {
                "FORMAT parquet, COMPRESSION zstd"
            };
            let sql = format!("COPY (SELECT * FROM events) TO ? ({format})");
            engine
                .connection()
                .expect("connection")
                .execute(&sql, [out.to_string_lossy().into_owned()])
                .expect("copy") as u64
        }
        format => {
            let format = *ExportFormat::ALL
                .iter()
                .find(|f| f.name() == format)
                .expect("a format");
            let opts = ExportOptions {
                format,
                destination: out.to_path_buf(),
                state: export::default_state(out),
                window: Window::Incremental {
                    settle: std::time::Duration::ZERO,
                },
                only: Vec::new(),
                lake: Some(Lake {
                    region: "eu-west-1".into(),
                    account_id: "123456789012".into(),
                }),
                stop_after: None,
            };
            let report = export::run(&store, &opts, &mut |_, _| {}).expect("export");
            assert_eq!(report.failed(), 0, "a unit failed: {report:?}");
            report.rows()
        }
    };
    println!(
        "{rows} {:.3} {:.0}",
        start.elapsed().as_secs_f64(),
        peak_rss_mib()
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--one") {
        one(&args[2], Path::new(&args[3]), Path::new(&args[4]));
        return;
    }
    let root = PathBuf::from(args.get(1).map_or("/tmp/trace-bench/store", String::as_str));
    let dir = PathBuf::from(
        args.get(2)
            .map_or("/tmp/trace-bench-export", String::as_str),
    );
    let me = std::env::current_exe().expect("exe");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let runs = [
        ("duckdb-json", "duckdb.json"),
        ("duckdb-parquet", "duckdb.parquet"),
        ("ocsf-jsonl", "ocsf-jsonl"),
        ("ocsf-parquet", "ocsf-parquet"),
        ("ecs-jsonl", "ecs-jsonl"),
        ("csv", "csv"),
    ];
    println!("store {}", root.display());
    println!("| writer | rows | seconds | events/s | output MiB | bytes/event | peak RSS MiB |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for (name, file) in runs {
        let out = dir.join(file);
        let o = Command::new(&me)
            .args(["--one", name])
            .arg(&root)
            .arg(&out)
            .output()
            .expect("run");
        assert!(
            o.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let text = String::from_utf8_lossy(&o.stdout);
        let f: Vec<f64> = text
            .split_whitespace()
            .map(|s| s.parse().expect("a figure"))
            .collect();
        let (rows, secs, rss) = (f[0], f[1], f[2]);
        let bytes = if out.is_dir() {
            dir_bytes(&out)
        } else {
            std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0)
        } as f64;
        println!(
            "| {name} | {rows:.0} | {secs:.1} | {:.0} | {:.0} | {:.0} | {rss:.0} |",
            rows / secs,
            bytes / 1048576.0,
            bytes / rows
        );
        // The outputs are large (JSON of 10M events is ~10 GB): keep one at a time.
        let _ = std::fs::remove_dir_all(&out).or_else(|_| std::fs::remove_file(&out));
        let _ = std::fs::remove_dir_all(out.with_extension("spill"));
    }
}
