//! Import benchmark: events/s and peak RSS of each importer, next to DuckDB's own JSON reader
//! turning the same file into Parquet, in one run.
//!
//! ```sh
//! cargo run --example bench_import -- [EVENTS] [DIR]     # default 500000 /tmp/trace-bench-import
//! ```
//!
//! Inputs are made from the real fixtures (`testdata/fixtures`): the Tetragon exec of
//! `tetragon/testdata/events.json` and the OTRF execve events of `otrf/`, repeated with fresh
//! pids, times and serials until there are EVENTS records. Each measurement runs in a fresh
//! process of this example (`--one KIND FILE OUT`), which reports its own wall time and peak
//! RSS (`VmHWM`):
//! - `tetragon` / `auditd`: the importer into a fresh store through the store writer (the
//!   whole of `trace import` but the summary print);
//! - `laurel`, `falco`, `tracee`, `kunai`: the importer over its sample files' records
//!   repeated to EVENTS / 4 records (events/s counts the rows of event families written);
//! - `duckdb-json`: DuckDB `COPY (SELECT * FROM read_json(FILE)) TO OUT (FORMAT parquet)`,
//!   the baseline for the JSON format (DuckDB has no reader for audit logs).

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use trace::import::{self, Ledger, Options, RunEntry, Source};
use trace::ingest::Sink;
use trace::store::{Store, StoreWriter};

mod common;
use common::peak_rss_mib;

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/fixtures")
        .join(rel)
}

/// `n` Tetragon exec records: the fixture's first exec with a new pid, exec id and time each.
fn tetragon_file(n: u64, to: &Path) -> std::io::Result<u64> {
    let text = std::fs::read_to_string(fixture("tetragon/testdata/events.json"))?;
    let first = text.lines().nth(1).unwrap_or_default();
    let template: serde_json::Value = serde_json::from_str(first).expect("fixture is JSON");
    let mut w = BufWriter::new(std::fs::File::create(to)?);
    let t0 = 1_790_000_000_000_000_000i64;
    for i in 0..n {
        let mut v = template.clone();
        let p = &mut v["process_exec"]["process"];
        p["pid"] = (100_000 + i % 4_000_000).into();
        p["exec_id"] = format!("bench:{i}").into();
        let t = chrono::DateTime::from_timestamp_nanos(t0 + i as i64 * 1_000_000);
        v["time"] = t.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true).into();
        serde_json::to_writer(&mut w, &v)?;
        w.write_all(b"\n")?;
    }
    w.flush()?;
    Ok(std::fs::metadata(to)?.len())
}

/// `n` audit execve events: the OTRF events (6 records each) with new serials, times, pids.
fn audit_file(n: u64, to: &Path) -> std::io::Result<u64> {
    let text = std::fs::read_to_string(fixture("otrf/sh_arp_cache_2020-11-10074812.log"))?;
    let first: Vec<&str> = text.lines().take(6).collect();
    let mut w = BufWriter::new(std::fs::File::create(to)?);
    for i in 0..n {
        let (sec, ms) = (1_790_000_000 + i / 1000, i % 1000);
        let hdr = format!("msg=audit({sec}.{ms:03}:{}):", 1000 + i);
        for l in &first {
            let l = l.replace("msg=audit(1604994496.155:92733):", &hdr);
            let l = l.replace("pid=1631", &format!("pid={}", 2000 + i % 30_000));
            w.write_all(l.as_bytes())?;
            w.write_all(b"\n")?;
        }
    }
    w.flush()?;
    Ok(std::fs::metadata(to)?.len())
}

/// `n` records of another JSON format: the sample files' records (those that parse; the
/// items of a file that is one array or `{"Records": [...]}`) in turn, each made new with a
/// leading `"bench_seq"` key (a field no importer maps: it goes to `extra`, and the record's
/// digest differs) and its own request id (`auditID`, `eventID`: stages of one call are one
/// row).
fn json_copies(rels: &[&str], n: u64, to: &Path) -> std::io::Result<u64> {
    use serde_json::Value;
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
    let mut records: Vec<serde_json::Map<String, Value>> = Vec::new();
    for rel in rels {
        let text = std::fs::read_to_string(root.join(rel))?;
        let whole = match serde_json::from_str::<Value>(&text) {
            Ok(Value::Array(items)) => Some(items),
            Ok(Value::Object(mut o)) => match o.remove("Records") {
                Some(Value::Array(items)) => Some(items),
                _ => None,
            },
            _ => None,
        };
        let items = whole.unwrap_or_else(|| {
            text.lines()
                .filter_map(|l| serde_json::from_str::<Value>(l.trim()).ok())
                .collect()
        });
        records.extend(items.into_iter().filter_map(|v| match v {
            Value::Object(o) => Some(o),
            _ => None,
        }));
    }
    let mut w = BufWriter::new(std::fs::File::create(to)?);
    for i in 0..n {
        let mut r = serde_json::Map::new();
        r.insert("bench_seq".into(), i.into());
        for (k, v) in &records[i as usize % records.len()] {
            let v = match (k.as_str(), v) {
                ("auditID" | "eventID", Value::String(id)) => Value::from(format!("{id}-{i}")),
                _ => v.clone(),
            };
            r.insert(k.clone(), v);
        }
        serde_json::to_writer(&mut w, &r)?;
        w.write_all(b"\n")?;
    }
    w.flush()?;
    Ok(std::fs::metadata(to)?.len())
}

/// One measurement in this process: prints `seconds events rss_mib`.
fn one(kind: &str, file: &Path, out: &Path) {
    let t = Instant::now();
    let events = match kind {
        "serde-value" => {
            // The floor of any JSON importer here: frame and parse every record, map nothing.
            let f = std::io::BufReader::with_capacity(
                1 << 20,
                std::fs::File::open(file).expect("input"),
            );
            let mut r = trace::import::json::JsonRecords::new(f);
            let mut n = 0u64;
            while let Some(x) = r.next_record().expect("read") {
                if let Ok((_, b)) = x
                    && serde_json::from_slice::<serde_json::Value>(b).is_ok()
                {
                    n += 1;
                }
            }
            n
        }
        "duckdb-json" | "duckdb-json-1t" => {
            let db = duckdb::Connection::open_in_memory().expect("duckdb");
            if kind == "duckdb-json-1t" {
                db.execute_batch("SET threads = 1").expect("threads");
            }
            let sql = format!(
                "COPY (SELECT * FROM read_json('{}', format = 'newline_delimited', maximum_object_size = 16777216)) TO '{}' (FORMAT parquet)",
                file.display(),
                out.display()
            );
            db.execute_batch(&sql).expect("duckdb copy");
            let n: i64 = db
                .query_row(
                    &format!("SELECT count(*) FROM '{}'", out.display()),
                    [],
                    |r| r.get(0),
                )
                .expect("count");
            n as u64
        }
        format => {
            let store = Store::create(out).expect("store");
            let mut writer = StoreWriter::new(store.clone(), import::writer_options());
            let opts = Options {
                format: Some(format.to_string()),
                host: Some("bench-host".into()),
                strict: false,
                spool_dir: out.join("tmp"),
            };
            let mut run = RunEntry {
                ingest_id: writer.ingest_id().to_string(),
                finished: String::new(),
                inputs: Vec::new(),
            };
            let mut taken = std::collections::HashSet::new();
            let r = import::import_one(
                &Source::File(file.to_path_buf()),
                &opts,
                &Ledger::default(),
                &mut writer,
                &mut run,
                &mut taken,
                &mut import::ContainerIds::default(),
                Default::default(),
            )
            .expect("import");
            writer.flush().expect("flush");
            Ledger::append(&store, &run, taken).expect("ledger");
            match r.outcome {
                import::Outcome::Imported { counts, .. } => counts.events(),
                o => panic!("{o:?}"),
            }
        }
    };
    println!(
        "{:.3} {events} {:.1}",
        t.elapsed().as_secs_f64(),
        peak_rss_mib()
    );
}

fn measure(kind: &str, file: &Path, out: &Path) -> Result<(f64, u64, f64), String> {
    let _ = std::fs::remove_dir_all(out);
    let _ = std::fs::remove_file(out);
    let me = std::env::current_exe().expect("exe");
    let o = Command::new(me)
        .args(["--one", kind])
        .arg(file)
        .arg(out)
        .output()
        .expect("run");
    if !o.status.success() {
        let err = String::from_utf8_lossy(&o.stderr);
        let why = err
            .lines()
            .find(|l| l.contains("Error") || l.contains("panicked"))
            .unwrap_or("failed");
        return Err(why.to_string());
    }
    let s = String::from_utf8_lossy(&o.stdout);
    let f: Vec<&str> = s.split_whitespace().collect();
    Ok((
        f[0].parse().unwrap(),
        f[1].parse().unwrap(),
        f[2].parse().unwrap(),
    ))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--one") {
        one(&args[2], Path::new(&args[3]), Path::new(&args[4]));
        return;
    }
    let n: u64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(500_000);
    let dir = PathBuf::from(
        args.get(2)
            .map_or("/tmp/trace-bench-import", String::as_str),
    );
    std::fs::create_dir_all(&dir).expect("dir");
    let tj = dir.join("tetragon.jsonl");
    let al = dir.join("audit.log");
    let tb = tetragon_file(n, &tj).expect("tetragon input");
    let ab = audit_file(n, &al).expect("audit input");
    println!(
        "{n} events per input: tetragon.jsonl {:.0} MiB, audit.log {:.0} MiB",
        tb as f64 / 1048576.0,
        ab as f64 / 1048576.0
    );
    // The other JSON importers, over their sample files repeated (a quarter as many records).
    let others: [(&str, &[&str]); 6] = [
        ("laurel", &["fixtures/laurel/reverse-shell.laurel.jsonl"]),
        ("falco", &["import/falco/alerts.jsonl"]),
        (
            "tracee",
            &[
                "fixtures/tracee/tracee-HEAD-forensics.extracted.jsonl",
                "import/tracee/flat-session.jsonl",
            ],
        ),
        (
            "kunai",
            &[
                "fixtures/kunai/process-tree.jsonl",
                "fixtures/kunai/network.jsonl",
                "fixtures/kunai/files.jsonl",
            ],
        ),
        (
            "k8s-audit",
            &[
                "fixtures/k8s-audit/falco-test-trace_files-k8s_audit/exec_pod.json",
                "fixtures/k8s-audit/falco-test-trace_files-k8s_audit/create_secret.json",
                "fixtures/k8s-audit/falco-test-trace_files-k8s_audit/create_nginx_pod_privileged.json",
                "fixtures/k8s-audit/falco-test-trace_files-k8s_audit/delete_secret.json",
            ],
        ),
        (
            "cloudtrail",
            &[
                "fixtures/cloudtrail/stratus-red-team-detonation-logs/aws.credential-access.ec2-steal-instance-credentials.json",
                "fixtures/cloudtrail/stratus-red-team-detonation-logs/aws.persistence.iam-create-admin-user.json",
            ],
        ),
    ];
    let mut runs = vec![
        ("tetragon", tj.clone(), dir.join("store-tetragon")),
        ("serde-value", tj.clone(), dir.join("none")),
        ("duckdb-json", tj.clone(), dir.join("duckdb.parquet")),
        ("duckdb-json-1t", tj.clone(), dir.join("duckdb-1t.parquet")),
        ("auditd", al.clone(), dir.join("store-auditd")),
    ];
    for (kind, rels) in others {
        let f = dir.join(format!("{kind}.jsonl"));
        let bytes = json_copies(rels, n / 4, &f).expect("input");
        println!(
            "{kind}.jsonl: {} records, {:.0} MiB",
            n / 4,
            bytes as f64 / 1048576.0
        );
        runs.push((kind, f, dir.join(format!("store-{kind}"))));
    }
    println!(
        "{:<28} {:>9} {:>10} {:>12} {:>9}",
        "run", "events", "seconds", "events/s", "RSS MiB"
    );
    for (kind, file, out) in runs {
        let label = match kind {
            "duckdb-json" => "duckdb read_json → parquet",
            "duckdb-json-1t" => "  the same, 1 thread",
            "serde-value" => "frame + serde_json::Value",
            k => k,
        };
        match measure(kind, &file, &out) {
            Ok((secs, events, rss)) => println!(
                "{label:<28} {events:>9} {secs:>10.2} {:>12.0} {rss:>9.0}",
                events as f64 / secs
            ),
            Err(why) => println!("{label:<28} not measured: {}", &why[..why.len().min(160)]),
        }
    }
}
