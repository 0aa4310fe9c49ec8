//! `trace-collector`: records process history of this host and its containers into a trace
//! store. This build has the procfs collector (the fallback for hosts where eBPF cannot load);
//! the eBPF collector arrives with issue #4.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::Parser;
use trace::schema::Row;
use trace::store::{Store, StoreWriter, WriterOptions};
use trace_collector::host::HostProbe;
use trace_collector::poller::{Poller, PollerConfig};

/// Record the process history of this host and its containers into a trace store.
///
/// Polls /proc (source `procfs`): processes that live across a poll are recorded with their
/// parent, user, executable, arguments, working directory and container (id from the cgroup,
/// name/image/pod from podman or docker when they answer). Runs until SIGTERM or SIGINT, then
/// writes everything it buffered and exits 0.
#[derive(Debug, Parser)]
#[command(name = "trace-collector", version, max_term_width = 100)]
struct Args {
    /// Store root directory.
    #[arg(long, env = "TRACE_STORE", value_name = "DIR")]
    store: PathBuf,
    /// Poll interval in milliseconds (processes shorter than this may be missed).
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(10..=60_000))]
    interval_ms: u64,
    /// Write buffered events to the store at least this often, in milliseconds.
    #[arg(long, default_value_t = 1_000, value_parser = clap::value_parser!(u64).range(100..=600_000))]
    flush_ms: u64,
    /// Stop by itself after this many seconds (for tests and one-off captures).
    #[arg(long, value_name = "SECONDS")]
    duration: Option<f64>,
}

fn now_ns() -> i64 {
    chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0)
}

fn run(a: Args) -> Result<()> {
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        signal_hook::flag::register(sig, Arc::clone(&stop))
            .context("installing signal handlers")?;
    }
    let host = HostProbe::default()
        .record(now_ns(), "procfs")
        .context("cannot read this host's identity (/etc/machine-id or hostname)")?;
    let store = Store::create(&a.store)?;
    let mut writer = StoreWriter::new(
        store,
        WriterOptions {
            max_file_age: Duration::from_millis(a.flush_ms),
            ..Default::default()
        },
    );
    eprintln!(
        "trace-collector: procfs mode (eBPF collector not in this build), host {} ({}), every {} ms into {}",
        host.hostname,
        host.host_id,
        a.interval_ms,
        a.store.display()
    );
    writer.write(&Row::Host(host.clone()))?;
    let mut poller = Poller::new(PollerConfig::default(), &host);
    let started = Instant::now();
    let interval = Duration::from_millis(a.interval_ms);
    let mut rows = Vec::new();
    let mut events = 0u64;
    loop {
        let tick = Instant::now();
        poller.poll(now_ns(), &mut rows);
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
    let stats = writer.finish()?;
    eprintln!(
        "trace-collector: stopped; {events} events, {} rows in {} files ({} bytes)",
        stats.rows, stats.files, stats.bytes
    );
    Ok(())
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("trace-collector: error: {e:#}");
            ExitCode::from(1)
        }
    }
}
