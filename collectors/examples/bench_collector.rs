//! Collector benchmark: runs a workload at a fixed rate with no collector (the baseline), with
//! the procfs collector and with the eBPF collector, and prints side by side what each costs
//! and what it kept: collector CPU (% of one core), peak RSS, events recorded of those the
//! workload made, events lost, bytes per event in the store, and the workload's own CPU (the
//! in-kernel cost of the eBPF programs lands there).
//!
//! ```sh
//! . scripts/env.sh && (cd collectors && cargo build --examples)
//! sudo ~/.cache/trace-target/debug/examples/bench_collector [SECONDS] [EXEC_RATE] [FILE_EVENT_RATE] [exec|file|all]
//! ```
//! Defaults: 10 s, 1,000 exec/s, 50,000 file events/s (25,000 create + unlink pairs), all.
//! Needs root (eBPF); the `trace-collector` binary must be built next to the example's directory.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use arrow::array::{Array, AsArray, RecordBatch};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--workload") {
        workload(&args[2..]);
        return;
    }
    let secs: f64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(10.0);
    let exec_rate: u64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(1000);
    let file_rate: u64 = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(50_000);
    let only = args.get(4).map(String::as_str).unwrap_or("all");
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("bench_collector: needs root (the eBPF collector)");
        std::process::exit(2);
    }
    let exe = std::env::current_exe().unwrap();
    let collector = exe
        .parent()
        .and_then(Path::parent)
        .map(|d| d.join("trace-collector"))
        .filter(|p| p.exists())
        .unwrap_or_else(|| {
            eprintln!("bench_collector: build trace-collector first (cargo build)");
            std::process::exit(2);
        });
    let work = tempfile::Builder::new()
        .prefix("trace-bench-collector-")
        .tempdir()
        .unwrap();
    println!(
        "collector benchmark: {secs} s per run, {} cores, kernel {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        fs::read_to_string("/proc/sys/kernel/osrelease")
            .unwrap_or_default()
            .trim()
    );
    println!(
        "{:<22} {:<7} {:>10} {:>9} {:>9} {:>6} {:>8} {:>8} {:>9} {:>12}",
        "workload",
        "mode",
        "rate/s",
        "made",
        "recorded",
        "lost",
        "coll.CPU",
        "RSS MiB",
        "B/event",
        "workload CPU"
    );
    for (name, kind, rate) in [
        (format!("exec {exec_rate}/s"), "exec", exec_rate),
        (format!("file {file_rate} ev/s"), "file", file_rate),
    ] {
        if only != "all" && only != kind {
            continue;
        }
        for mode in ["none", "procfs", "ebpf"] {
            let dir = work.path().join(format!("{kind}-{mode}"));
            fs::create_dir_all(&dir).unwrap();
            let r = run(&collector, &exe, mode, kind, rate, secs, &dir);
            println!(
                "{:<22} {:<7} {:>10.0} {:>9} {:>9} {:>6} {:>8} {:>8} {:>9} {:>11.2}s",
                name,
                mode,
                r.made_events as f64 / r.wall,
                r.made_events,
                r.recorded.map_or("-".into(), |v| v.to_string()),
                r.lost.map_or("-".into(), |v| v.to_string()),
                r.cpu_pct.map_or("-".into(), |v| format!("{v:.2}%")),
                r.rss_mib.map_or("-".into(), |v| format!("{v:.1}")),
                r.bytes_per_event.map_or("-".into(), |v| format!("{v:.1}")),
                r.workload_cpu
            );
            let _ = fs::remove_dir_all(&dir);
        }
    }
}

struct Result {
    made_events: u64,
    wall: f64,
    workload_cpu: f64,
    recorded: Option<u64>,
    lost: Option<u64>,
    cpu_pct: Option<f64>,
    rss_mib: Option<f64>,
    bytes_per_event: Option<f64>,
}

fn ticks() -> f64 {
    // SAFETY: sysconf has no preconditions.
    unsafe { libc::sysconf(libc::_SC_CLK_TCK) as f64 }
}

/// utime + stime of `pid`, seconds.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let t = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (t(11) + t(12)) / ticks()
}

fn vm_hwm_mib(pid: u32) -> f64 {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn run(
    collector: &Path,
    exe: &Path,
    mode: &str,
    kind: &str,
    rate: u64,
    secs: f64,
    dir: &Path,
) -> Result {
    let store = dir.join("store");
    let files = dir.join("files");
    fs::create_dir_all(&files).unwrap();
    let mut coll: Option<Child> = (mode != "none").then(|| {
        Command::new(collector)
            .arg("--store")
            .arg(&store)
            .args(["--mode", mode])
            .stderr(Stdio::piped())
            .spawn()
            .expect("start trace-collector")
    });
    std::thread::sleep(Duration::from_secs(2));
    let cpu0 = coll.as_ref().map(|c| cpu_seconds(c.id()));
    let t0 = Instant::now();
    let out = Command::new(exe)
        .args(["--workload", kind, &rate.to_string(), &secs.to_string()])
        .arg(&files)
        .stderr(Stdio::inherit())
        .output()
        .expect("workload");
    let wall_work = t0.elapsed().as_secs_f64();
    // "made <n> <user+sys seconds>"
    let text = String::from_utf8_lossy(&out.stdout);
    let mut it = text.split_whitespace().skip(1);
    let made: u64 = it.next().and_then(|v| v.parse().ok()).unwrap_or(0);
    let workload_cpu: f64 = it.next().and_then(|v| v.parse().ok()).unwrap_or(0.0);
    let made_events = if kind == "file" { 2 * made } else { made };
    let mut r = Result {
        made_events,
        wall: wall_work,
        workload_cpu,
        recorded: None,
        lost: None,
        cpu_pct: None,
        rss_mib: None,
        bytes_per_event: None,
    };
    if let Some(c) = coll.take() {
        // Let it drain and flush what the workload caused, inside the measured window.
        std::thread::sleep(Duration::from_millis(1500));
        let window = t0.elapsed().as_secs_f64();
        let cpu = cpu_seconds(c.id()) - cpu0.unwrap_or(0.0);
        r.cpu_pct = Some(100.0 * cpu / window);
        r.rss_mib = Some(vm_hwm_mib(c.id()));
        let _ = Command::new("kill")
            .args(["-TERM", &c.id().to_string()])
            .status();
        let o = c.wait_with_output().unwrap();
        if !o.status.success() {
            eprintln!("collector: {}", String::from_utf8_lossy(&o.stderr));
        }
        let (recorded, lost, rows, bytes) = read_store(&store, kind, &files);
        r.recorded = Some(recorded);
        r.lost = Some(lost);
        r.bytes_per_event = (rows > 0).then(|| bytes as f64 / rows as f64);
    }
    r
}

fn parquet_files(dir: &Path) -> Vec<PathBuf> {
    walkdir(dir)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|x| x == "parquet"))
        .collect()
}

fn walkdir(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walkdir(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

fn batches(path: &Path) -> Vec<RecordBatch> {
    ParquetRecordBatchReaderBuilder::try_new(fs::File::open(path).unwrap())
        .unwrap()
        .build()
        .unwrap()
        .map(|b| b.unwrap())
        .collect()
}

fn text(b: &RecordBatch, name: &str, i: usize) -> Option<String> {
    let c = b.column_by_name(name)?;
    if c.is_null(i) {
        return None;
    }
    let c = arrow::compute::cast(c, &arrow::datatypes::DataType::Utf8).ok()?;
    Some(c.as_string::<i32>().value(i).to_string())
}

/// (workload events recorded, events lost, event rows, bytes of event files).
fn read_store(store: &Path, kind: &str, files: &Path) -> (u64, u64, u64, u64) {
    let prefix = files.to_string_lossy().into_owned();
    let mut counts: HashMap<&str, u64> = HashMap::new();
    let (mut rows, mut bytes, mut lost) = (0u64, 0u64, 0u64);
    for family in ["process", "file", "network"] {
        for f in parquet_files(&store.join(family)) {
            bytes += fs::metadata(&f).map_or(0, |m| m.len());
            for b in batches(&f) {
                rows += b.num_rows() as u64;
                for i in 0..b.num_rows() {
                    let k = text(&b, "kind", i).unwrap_or_default();
                    let hit = match (kind, family) {
                        ("exec", "process") => {
                            k == "process_exec"
                                && text(&b, "exe", i).as_deref() == Some("/bin/true")
                        }
                        ("file", "file") => {
                            text(&b, "path", i).is_some_and(|p| p.starts_with(&prefix))
                        }
                        _ => false,
                    };
                    if hit {
                        *counts.entry("hit").or_default() += 1;
                    }
                }
            }
        }
    }
    for f in parquet_files(&store.join("loss")) {
        for b in batches(&f) {
            for i in 0..b.num_rows() {
                lost += text(&b, "events_lost", i)
                    .and_then(|v| v.parse::<u64>().ok())
                    .unwrap_or(0);
            }
        }
    }
    (counts.get("hit").copied().unwrap_or(0), lost, rows, bytes)
}

/// The workload, in its own process so its CPU is its own: `--workload exec|file RATE SECONDS
/// DIR`; prints `made <count> <user+sys seconds>`.
fn workload(a: &[String]) {
    let kind = a[0].as_str();
    let rate: f64 = a[1].parse().unwrap();
    let secs: f64 = a[2].parse().unwrap();
    let dir = PathBuf::from(&a[3]);
    let start = Instant::now();
    let mut made = 0u64;
    // Operations per second: execs, or create+unlink pairs (two events each).
    let ops = if kind == "file" { rate / 2.0 } else { rate };
    while start.elapsed().as_secs_f64() < secs {
        // Catch up to the schedule, then sleep until the next 1 ms slot.
        let due = (start.elapsed().as_secs_f64() * ops) as u64;
        while made < due {
            match kind {
                "exec" => {
                    let _ = Command::new("/bin/true").status();
                }
                _ => {
                    let p = dir.join(format!("f{}", made % 64));
                    drop(fs::File::create(&p).unwrap());
                    fs::remove_file(&p).unwrap();
                }
            }
            made += 1;
        }
        std::thread::sleep(Duration::from_micros(500));
    }
    // SAFETY: getrusage writes into the struct we pass.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    let mut ch: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut ch) };
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    let cpu = tv(ru.ru_utime) + tv(ru.ru_stime) + tv(ch.ru_utime) + tv(ch.ru_stime);
    println!("made {made} {cpu:.3}");
}
