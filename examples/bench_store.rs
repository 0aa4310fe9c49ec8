//! Foundation benchmark: write rate, bytes per event and query times of the Parquet store,
//! side by side with the same events as JSON lines, in one run.
//!
//! ```sh
//! cargo run --example bench_store -- [EVENTS] [DAYS] [DIR]     # default 10000000 30 /tmp/trace-bench
//! ```
//!
//! 1. `trace demo` generation into a fresh store (events/s through the store writer, files,
//!    bytes, bytes/event), with peak RSS.
//! 2. The same events exported as JSON lines (arrow-json, what a log pipeline would keep):
//!    events/s and bytes/event.
//! 3. Queries, each answered twice: by `trace query` (the real binary: start, views, query,
//!    print) over Parquet, and by a streaming serde_json scan of the JSON lines (the baseline
//!    of "grep/jq the logs"). Best of 3 runs each; answers must agree.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use trace::demo::{self, DemoOptions, truth};
use trace::query::Engine;
use trace::store::{Store, StoreWriter, WriterOptions};

mod common;
use common::peak_rss_mib;

fn dir_bytes(p: &Path) -> u64 {
    walkdir::WalkDir::new(p)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.metadata().map(|m| m.len()).unwrap_or(0))
        .sum()
}

fn trace_bin() -> PathBuf {
    // target/debug/examples/bench_store -> target/debug/trace
    let me = std::env::current_exe().expect("exe");
    me.parent()
        .and_then(Path::parent)
        .expect("target dir")
        .join("trace")
}

fn best_of<T: PartialEq + std::fmt::Debug>(n: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut best = f64::MAX;
    let mut last = None;
    for _ in 0..n {
        let t = Instant::now();
        let v = f();
        best = best.min(t.elapsed().as_secs_f64());
        if let Some(prev) = &last {
            assert_eq!(prev, &v, "answers differ between runs");
        }
        last = Some(v);
    }
    (best, last.expect("ran"))
}

fn trace_count(store: &Path, sql: &str, params: &[&str]) -> i64 {
    let mut cmd = Command::new(trace_bin());
    cmd.arg("--store")
        .arg(store)
        .arg("query")
        .arg("--format")
        .arg("csv");
    for p in params {
        cmd.arg("-p").arg(p);
    }
    let out = cmd.arg(sql).output().expect("run trace");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .nth(1)
        .and_then(|l| l.parse().ok())
        .expect("a count")
}

fn json_count(path: &Path, pred: &dyn Fn(&serde_json::Value) -> bool) -> i64 {
    let r = BufReader::with_capacity(1 << 20, File::open(path).expect("jsonl"));
    let mut n = 0;
    for line in r.lines() {
        let v: serde_json::Value = serde_json::from_str(&line.expect("line")).expect("json");
        if pred(&v) {
            n += 1;
        }
    }
    n
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let events: u64 = args
        .get(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000_000);
    let days: u32 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(30);
    let dir = PathBuf::from(
        args.get(3)
            .cloned()
            .unwrap_or_else(|| "/tmp/trace-bench".into()),
    );
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("bench dir");
    let store_dir = dir.join("store");
    let jsonl = dir.join("events.jsonl");
    println!(
        "trace foundation benchmark: {events} events over {days} days, in {}",
        dir.display()
    );
    println!(
        "machine: {} cores; trace binary {}",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0),
        trace_bin().display()
    );

    // 1. Generate through the store writer.
    let store = Store::create(&store_dir).expect("store");
    let opts = DemoOptions {
        events,
        days,
        ..Default::default()
    };
    let writer = StoreWriter::new(store.clone(), WriterOptions::default());
    let s = demo::generate(&opts, writer, &mut |_| {}).expect("generate");
    let parquet_bytes = dir_bytes(&store_dir);
    let rss_gen = peak_rss_mib();

    // 2. The same events as JSON lines.
    let engine = Engine::open(&store).expect("engine");
    let t = Instant::now();
    let mut rows = 0u64;
    {
        let mut out = BufWriter::with_capacity(1 << 20, File::create(&jsonl).expect("jsonl"));
        let mut stmt = engine
            .connection()
            .expect("duckdb")
            .prepare("SELECT * EXCLUDE (date) FROM events")
            .expect("prepare");
        let mut w = arrow::json::LineDelimitedWriter::new(&mut out);
        for batch in stmt.query_arrow([]).expect("query") {
            rows += batch.num_rows() as u64;
            w.write(&batch).expect("json");
        }
        w.finish().expect("json");
        drop(w);
        out.flush().expect("flush");
    }
    let json_secs = t.elapsed().as_secs_f64();
    let json_bytes = std::fs::metadata(&jsonl).map(|m| m.len()).unwrap_or(0);
    assert_eq!(rows, s.events, "exported every event");
    drop(engine);

    println!();
    println!("| write path | events | seconds | events/s | bytes | bytes/event |");
    println!("|---|---:|---:|---:|---:|---:|");
    println!(
        "| trace demo → Parquet store (generate + write, {} files) | {} | {:.1} | {:.0} | {} | {:.1} |",
        s.write.files,
        s.events,
        s.seconds,
        s.events as f64 / s.seconds,
        parquet_bytes,
        parquet_bytes as f64 / s.events as f64
    );
    println!(
        "| same events → JSON lines (arrow-json, export only) | {} | {:.1} | {:.0} | {} | {:.1} |",
        rows,
        json_secs,
        rows as f64 / json_secs,
        json_bytes,
        json_bytes as f64 / rows as f64
    );
    println!(
        "JSON lines / Parquet size: {:.1}x; peak RSS of generation: {rss_gen:.0} MiB",
        json_bytes as f64 / parquet_bytes as f64
    );

    // 3. Queries.
    let web = truth::WEB_CONTAINER_ID;
    let ip = truth::ATTACKER_IP;
    type Pred = Box<dyn Fn(&serde_json::Value) -> bool>;
    let queries: Vec<(&str, &str, Vec<&str>, Pred)> = vec![
        (
            "count all events",
            "SELECT count(*) FROM events",
            vec![],
            Box::new(|_| true),
        ),
        (
            "events of one container (timeline)",
            "SELECT count(*) FROM events WHERE container_id = ?",
            vec![web],
            Box::new(move |v| v["container_id"] == web),
        ),
        (
            "connections to one IP (pivot)",
            "SELECT count(*) FROM network WHERE dst_ip = ? OR src_ip = ?",
            vec![ip, ip],
            Box::new(move |v| v["dst_ip"] == ip || v["src_ip"] == ip),
        ),
        (
            "execs of /tmp binaries",
            "SELECT count(*) FROM process WHERE kind = 'process_exec' AND starts_with(exe, '/tmp/')",
            vec![],
            Box::new(|v| {
                v["kind"] == "process_exec"
                    && v["exe"].as_str().is_some_and(|e| e.starts_with("/tmp/"))
            }),
        ),
    ];
    println!();
    println!(
        "| query | answer | trace query over Parquet (s) | serde_json scan of JSON lines (s) | speed-up |"
    );
    println!("|---|---:|---:|---:|---:|");
    for (name, sql, params, pred) in &queries {
        let (tq, a) = best_of(3, || trace_count(&store_dir, sql, params));
        let (tj, b) = best_of(1, || json_count(&jsonl, pred.as_ref()));
        assert_eq!(a, b, "{name}: trace says {a}, the JSON scan {b}");
        println!("| {name} | {a} | {tq:.3} | {tj:.2} | {:.0}x |", tj / tq);
    }
}
