//! `trace-collector`: records the process history of this host and its containers into a trace
//! store, from eBPF tracepoints (exec, fork, exit) or, where eBPF cannot load, by polling /proc.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::{Parser, ValueEnum};
use trace::schema::Row;
use trace::store::{Store, StoreWriter, WriterOptions};
use trace_collector::ebpf::EbpfSource;
use trace_collector::host::HostProbe;
use trace_collector::live::Converter;
use trace_collector::poller::{Poller, PollerConfig};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Mode {
    /// eBPF when it loads, else procfs (says which and why).
    Auto,
    /// eBPF only: fail if the programs cannot load.
    Ebpf,
    /// Poll /proc (no privileges or BTF needed; misses processes shorter than the interval).
    Procfs,
}

/// Record the process history of this host and its containers into a trace store.
///
/// eBPF mode (root, kernel BTF): every exec, fork and exit from kernel tracepoints, with argv,
/// parent, user and the container (cgroup id at record time; name, image and pod from podman or
/// docker). Running processes are scanned from /proc at start so they have lineage. procfs mode
/// polls /proc instead. Runs until SIGTERM or SIGINT, then writes everything and exits 0.
#[derive(Debug, Parser)]
#[command(name = "trace-collector", version, max_term_width = 100)]
struct Args {
    /// Configuration file (TOML; see --print-config). Options given here override it.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Print the default configuration file and exit.
    #[arg(long)]
    print_config: bool,
    /// Store root directory [config: store].
    #[arg(long, env = "TRACE_STORE", value_name = "DIR")]
    store: Option<PathBuf>,
    /// Where events come from [config: mode; default auto].
    #[arg(long, value_enum)]
    mode: Option<Mode>,
    /// Poll interval in milliseconds (procfs: processes shorter than this may be missed; eBPF:
    /// how often the ring buffer is drained) [config: interval_ms; default 100].
    #[arg(long, value_parser = clap::value_parser!(u64).range(10..=60_000))]
    interval_ms: Option<u64>,
    /// Write buffered events to the store at least this often, in milliseconds [config:
    /// flush_ms; default 1000].
    #[arg(long, value_parser = clap::value_parser!(u64).range(100..=600_000))]
    flush_ms: Option<u64>,
    /// Stop by itself after this many seconds.
    #[arg(long, value_name = "SECONDS")]
    duration: Option<f64>,
}

fn now_ns() -> i64 {
    chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0)
}

/// Settings after merging the command line over the config file over the defaults.
struct Settings {
    store: PathBuf,
    mode: Mode,
    interval_ms: u64,
    flush_ms: u64,
    duration: Option<f64>,
}

fn settings(a: Args) -> Result<Settings> {
    let file = match &a.config {
        Some(p) => trace_collector::config::load(p).map_err(anyhow::Error::msg)?,
        None => Default::default(),
    };
    let mode = match (a.mode, file.mode.as_deref()) {
        (Some(m), _) => m,
        (None, Some("ebpf")) => Mode::Ebpf,
        (None, Some("procfs")) => Mode::Procfs,
        _ => Mode::Auto,
    };
    let store = a
        .store
        .or(file.store)
        .context("no store: give --store DIR, TRACE_STORE, or `store` in the config file")?;
    let interval_ms = a.interval_ms.or(file.interval_ms).unwrap_or(100);
    let flush_ms = a.flush_ms.or(file.flush_ms).unwrap_or(1_000);
    if !(10..=60_000).contains(&interval_ms) || !(100..=600_000).contains(&flush_ms) {
        bail!(
            "interval_ms must be 10..=60000 and flush_ms 100..=600000 (got {interval_ms}, {flush_ms})"
        );
    }
    Ok(Settings {
        store,
        mode,
        interval_ms,
        flush_ms,
        duration: a.duration,
    })
}

fn run(a: Settings) -> Result<()> {
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        signal_hook::flag::register(sig, Arc::clone(&stop))
            .context("installing signal handlers")?;
    }
    let host = HostProbe::default()
        .record(now_ns(), "trace-collector")
        .context("cannot read this host's identity (/etc/machine-id or hostname)")?;
    let store = Store::create(&a.store)?;
    let mut writer = StoreWriter::new(
        store,
        WriterOptions {
            max_file_age: Duration::from_millis(a.flush_ms),
            ..Default::default()
        },
    );
    writer.write(&Row::Host(host.clone()))?;
    let mut poller = Poller::new(PollerConfig::default(), &host);
    let mut rows = Vec::new();
    // The running processes, so that what starts later has its lineage.
    poller.poll(now_ns(), &mut rows);
    let mut ebpf = match a.mode {
        Mode::Procfs => None,
        Mode::Ebpf | Mode::Auto => match EbpfSource::start(std::process::id()) {
            Ok(s) => Some(s),
            Err(e) if a.mode == Mode::Auto => {
                eprintln!(
                    "trace-collector: eBPF unavailable ({e:#}); falling back to procfs polling"
                );
                None
            }
            Err(e) => bail!(e.context("eBPF mode")),
        },
    };
    eprintln!(
        "trace-collector: {} mode, host {} ({}), into {}",
        if ebpf.is_some() { "eBPF" } else { "procfs" },
        host.hostname,
        host.host_id,
        a.store.display()
    );
    let mut converter = ebpf
        .as_ref()
        .map(|_| Converter::from_poller(&mut poller, &host.host_id));
    let started = Instant::now();
    let interval = Duration::from_millis(a.interval_ms);
    let mut events = 0u64;
    let mut lost = 0u64;
    let mut records = Vec::new();
    let mut last_check = now_ns();
    loop {
        let tick = Instant::now();
        match (&mut ebpf, &mut converter) {
            (Some(src), Some(conv)) => {
                src.read(&mut records);
                for r in records.drain(..) {
                    conv.convert(&r, &mut rows);
                }
                let now = now_ns();
                for (reason, n) in src.new_drops() {
                    if n > 0 {
                        lost += n;
                        rows.push(conv.loss(now, last_check, n, reason));
                    }
                }
                last_check = now;
            }
            _ => poller.poll(now_ns(), &mut rows),
        }
        for r in rows.drain(..) {
            if matches!(r, Row::Event(_)) {
                events += 1;
            }
            writer.write(&r)?;
        }
        writer.flush_due()?;
        if stop.load(Ordering::Relaxed)
            || a.duration
                .is_some_and(|d| started.elapsed().as_secs_f64() >= d)
        {
            break;
        }
        std::thread::sleep(interval.saturating_sub(tick.elapsed()));
    }
    // Whatever the kernel handed over before the stop.
    if let (Some(src), Some(conv)) = (&mut ebpf, &mut converter) {
        src.read(&mut records);
        for r in records.drain(..) {
            conv.convert(&r, &mut rows);
        }
        for r in rows.drain(..) {
            writer.write(&r)?;
        }
    }
    let stats = writer.finish()?;
    eprintln!(
        "trace-collector: stopped; {events} events, {lost} lost, {} rows in {} files ({} bytes)",
        stats.rows, stats.files, stats.bytes
    );
    Ok(())
}

fn main() -> ExitCode {
    let args = Args::parse();
    if args.print_config {
        print!("{}", trace_collector::config::DEFAULT_TOML);
        return ExitCode::SUCCESS;
    }
    match settings(args).and_then(run) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("trace-collector: error: {e:#}");
            ExitCode::from(1)
        }
    }
}
