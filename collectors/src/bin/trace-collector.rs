//! `trace-collector`: records the process history of this host and its containers into a trace
//! store, from eBPF tracepoints (exec, fork, exit) or, where eBPF cannot load, by polling /proc.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::{Parser, ValueEnum};
use std::sync::mpsc::SyncSender;
use trace::config::{CollectorMode, Config, FlushMs, IntervalMs};
use trace::ingest::{Input, Sink};
use trace::schema::Row;
use trace::store::{Store, StoreWriter, WriterOptions};

use trace_collector::ebpf::{EbpfSource, Record};
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

impl From<CollectorMode> for Mode {
    fn from(m: CollectorMode) -> Mode {
        match m {
            CollectorMode::Auto => Mode::Auto,
            CollectorMode::Ebpf => Mode::Ebpf,
            CollectorMode::Procfs => Mode::Procfs,
        }
    }
}

/// Record the process history of this host and its containers into a trace store.
///
/// eBPF mode (root, kernel BTF): every exec, fork and exit from kernel tracepoints, with argv,
/// parent, user and the container (cgroup id at record time; name, image and pod from podman or
/// docker). Running processes are scanned from /proc at start so they have lineage. procfs mode
/// polls /proc instead. Runs until SIGTERM or SIGINT, then writes everything and exits 0.
///
/// Each setting comes from its option, else its environment variable, else the configuration
/// file (`[store]` and `[collector]` of trace's config.toml: see --print-config), else its
/// default.
#[derive(Debug, Parser)]
#[command(name = "trace-collector", version, max_term_width = 100)]
struct Args {
    /// Configuration file [env: TRACE_CONFIG; else $XDG_CONFIG_HOME/trace/config.toml, else
    /// /etc/trace/config.toml, if present].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Print the example configuration file (every key explained) and exit.
    #[arg(long)]
    print_config: bool,
    /// Print the man page trace-collector(1) and exit.
    #[arg(long)]
    print_man: bool,
    /// Print the shell completion script for SHELL and exit.
    #[arg(long, value_name = "SHELL")]
    print_completions: Option<clap_complete::Shell>,
    /// Store root directory [config: store.root].
    #[arg(long, env = "TRACE_STORE", value_name = "DIR")]
    store: Option<PathBuf>,
    /// Where events come from [env: TRACE_COLLECTOR_MODE; config: collector.mode; default
    /// auto].
    #[arg(long, value_enum)]
    mode: Option<Mode>,
    /// Poll interval in milliseconds (procfs: processes shorter than this may be missed; eBPF:
    /// how often the ring buffer is drained) [env: TRACE_COLLECTOR_INTERVAL_MS; config:
    /// collector.interval_ms; default 100].
    #[arg(long, value_parser = clap::value_parser!(u64).range(IntervalMs::MIN..=IntervalMs::MAX))]
    interval_ms: Option<u64>,
    /// Write buffered events to the store at least this often, in milliseconds [env:
    /// TRACE_COLLECTOR_FLUSH_MS; config: collector.flush_ms; default 1000].
    #[arg(long, value_parser = clap::value_parser!(u64).range(FlushMs::MIN..=FlushMs::MAX))]
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
    read_watch: Vec<String>,
}

fn settings(a: Args) -> Result<Settings> {
    // Flag (clap, TRACE_STORE included) > environment > file > default: the environment's
    // overrides are applied over the file by Config::load.
    let config = Config::load(a.config.as_deref(), &trace::config::process_env)?;
    let file = config.collector;
    let mode = a.mode.or(file.mode.map(Mode::from)).unwrap_or(Mode::Auto);
    let store = a.store.or(config.store.root).context(
        "no store: give --store DIR, TRACE_STORE, or [store] root in the configuration file",
    )?;
    Ok(Settings {
        store,
        mode,
        interval_ms: a
            .interval_ms
            .or(file.interval_ms.map(|v| v.0))
            .unwrap_or(100),
        flush_ms: a.flush_ms.or(file.flush_ms.map(|v| v.0)).unwrap_or(1_000),
        duration: a.duration,
        read_watch: file.read_watch.map(|w| w.0).unwrap_or_else(|| {
            trace_collector::live::DEFAULT_READ_WATCH
                .iter()
                .map(|s| s.to_string())
                .collect()
        }),
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
            // Under a burst, write files early rather than grow: this bounds the collector's
            // memory (the buffered rows, their sorted copy and the encoder) near 64 MiB at a
            // sustained 50,000 events/s; at ordinary rates files are cut by age.
            max_buffered_bytes: 8 << 20,
            ..Default::default()
        },
    );
    let mut poller = Poller::new(PollerConfig::default(), &host);
    let mut rows = Vec::new();
    // The running processes, so that what starts later has its lineage.
    poller.poll(now_ns(), &mut rows);
    let ebpf = match a.mode {
        Mode::Procfs => None,
        Mode::Ebpf | Mode::Auto => match EbpfSource::start(std::process::id(), &a.read_watch) {
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
    // Every row of this run says which mode recorded it.
    writer.begin_input(Input::live(if ebpf.is_some() { "ebpf" } else { "procfs" }));
    writer.write(&Row::Host(host.clone()))?;
    // Parsing the kernel's BTF and scanning /proc allocated tens of MiB that are free now;
    // give them back to the system (glibc keeps freed heap otherwise).
    #[cfg(target_env = "gnu")]
    // SAFETY: malloc_trim only releases free memory; no pointer is involved.
    unsafe {
        libc::malloc_trim(0);
    }
    eprintln!(
        "trace-collector: {} mode, host {} ({}), into {}",
        if ebpf.is_some() { "eBPF" } else { "procfs" },
        host.hostname,
        host.host_id,
        a.store.display()
    );
    let started = Instant::now();
    let interval = Duration::from_millis(a.interval_ms);
    let mut events = 0u64;
    let mut lost = 0u64;
    let done = |stop: &AtomicBool| {
        stop.load(Ordering::Relaxed)
            || a.duration
                .is_some_and(|d| started.elapsed().as_secs_f64() >= d)
    };
    match ebpf {
        Some(src) => {
            // A thread of its own drains the ring buffer every few milliseconds, so that
            // converting rows and writing Parquet files (fsync included) never stop the
            // draining; the bounded queue between them turns a stalled writer into counted
            // kernel-side drops instead of unbounded memory.
            let mut conv = Converter::from_poller(&mut poller, &host.host_id);
            conv.set_read_watch(a.read_watch.clone());
            let reader_stop = Arc::new(AtomicBool::new(false));
            let (tx, rx) = std::sync::mpsc::sync_channel::<Drained>(128);
            let reader = {
                let reader_stop = Arc::clone(&reader_stop);
                std::thread::Builder::new()
                    .name("ringbuf".into())
                    .spawn(move || drain_loop(src, tx, &reader_stop))
                    .context("starting the ring-buffer reader")?
            };
            let mut last_check = now_ns();
            let mut handle = |d: Drained, rows: &mut Vec<Row>, lost: &mut u64| {
                for r in &d.records {
                    conv.convert(r, rows);
                }
                *lost += conv.losses(d.time, last_check, &d.drops, rows);
                last_check = d.time;
            };
            while !done(&stop) {
                if let Ok(d) = rx.recv_timeout(interval) {
                    handle(d, &mut rows, &mut lost);
                    while let Ok(d) = rx.try_recv() {
                        handle(d, &mut rows, &mut lost);
                    }
                }
                write_rows(&mut writer, &mut rows, &mut events)?;
            }
            // Whatever the kernel handed over before the stop.
            reader_stop.store(true, Ordering::Relaxed);
            while let Ok(d) = rx.recv() {
                handle(d, &mut rows, &mut lost);
            }
            let _ = reader.join();
            write_rows(&mut writer, &mut rows, &mut events)?;
        }
        None => {
            while !done(&stop) {
                let tick = Instant::now();
                poller.poll(now_ns(), &mut rows);
                write_rows(&mut writer, &mut rows, &mut events)?;
                std::thread::sleep(interval.saturating_sub(tick.elapsed()));
            }
        }
    }
    let stats = writer.finish()?;
    eprintln!(
        "trace-collector: stopped; {events} events, {lost} lost, {} rows in {} files ({} bytes)",
        stats.rows, stats.files, stats.bytes
    );
    Ok(())
}

/// Writes `rows` (counting events) and the partitions that are due.
fn write_rows(sink: &mut dyn Sink, rows: &mut Vec<Row>, events: &mut u64) -> Result<()> {
    for r in rows.drain(..) {
        if matches!(r, Row::Event(_)) {
            *events += 1;
        }
        sink.put(&r, None)?;
    }
    sink.tick()?;
    Ok(())
}

/// One drain of the ring buffer: the records, and what was lost since the last drain by
/// reason (kernel side: `ringbuf_full`, `pending_full`; undecodable items: `decode_error`,
/// `unknown_kind`).
struct Drained {
    records: Vec<Record>,
    drops: [(&'static str, u64); 4],
    time: i64,
}

/// Drains `src` until `stop`, then once more; the channel closes when it returns. Idle, it
/// sleeps in poll(2) until the kernel says records arrived (no wakeups on a quiet host); busy,
/// it drains at most every 20 ms (at 50,000 events/s ~0.6 MiB of the 8 MiB ring), every 2 ms
/// after a drain that found more than 2,000 records.
fn drain_loop(mut src: EbpfSource, tx: SyncSender<Drained>, stop: &AtomicBool) {
    loop {
        let last = stop.load(Ordering::Relaxed);
        let mut records = Vec::new();
        let [d0, d1] = src.read(&mut records).0;
        let busy = records.len() > 2000;
        let [k0, k1] = src.new_drops();
        let drops = [k0, k1, d0, d1];
        if (!records.is_empty() || drops.iter().any(|d| d.1 > 0))
            && tx
                .send(Drained {
                    records,
                    drops,
                    time: now_ns(),
                })
                .is_err()
        {
            return;
        }
        if last {
            return;
        }
        std::thread::sleep(Duration::from_millis(if busy { 2 } else { 20 }));
        // Block until there is something (checking `stop` every 200 ms).
        while !src.wait(200) && !stop.load(Ordering::Relaxed) {}
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    if args.print_config {
        print!("{}", trace::config::EXAMPLE);
        return ExitCode::SUCCESS;
    }
    if args.print_man || args.print_completions.is_some() {
        let mut cmd = <Args as clap::CommandFactory>::command();
        let mut out = Vec::new();
        let written = match args.print_completions {
            Some(shell) => {
                clap_complete::generate(shell, &mut cmd, "trace-collector", &mut out);
                Ok(())
            }
            None => clap_mangen::Man::new(cmd).render(&mut out),
        };
        return match written.and_then(|()| std::io::Write::write_all(&mut std::io::stdout(), &out))
        {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("trace-collector: error: {e}");
                ExitCode::from(1)
            }
        };
    }
    match settings(args).and_then(run) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("trace-collector: error: {e:#}");
            ExitCode::from(1)
        }
    }
}
