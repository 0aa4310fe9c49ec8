//! `trace demo`: a reproducible, realistic store to develop and test against.
//!
//! A seeded simulation of a small estate (a developer laptop, two servers, two Kubernetes
//! nodes) writes process, file and network events through the same ingest path collectors
//! use ([`crate::ingest::Sink`], the schema's builders), with real lineage (fork → exec → exit, pid reuse at pid_max 32768), container
//! lifecycles and background noise (cron, logrotate, package managers, web and health-check
//! traffic, CI builds, CronJob pods). Into it goes one multi-stage intrusion whose ground truth
//! is in [`truth`] and docs/demo.md. Same options and seed → same events, byte for byte in
//! content (file names carry random ids).

mod background;
mod intrusion;
mod sim;
pub mod truth;

use std::time::Instant;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::ingest::{Input, Sink};
use crate::store::{StoreError, StoreWriter, WriteStats};
use sim::Sim;

/// Generator settings.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// RNG seed.
    pub seed: u64,
    /// First day (UTC midnight), ns since epoch.
    pub start: i64,
    /// Number of days.
    pub days: u32,
    /// Approximate number of events to write in total (background fills up to it; the fixed
    /// schedule of cron, pods and the intrusion comes first).
    pub events: u64,
}

/// 2026-10-01T00:00:00Z.
pub const DEFAULT_START: i64 = 1_790_812_800_000_000_000;

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            seed: 42,
            start: DEFAULT_START,
            days: 7,
            events: 200_000,
        }
    }
}

/// What a generation produced.
#[derive(Debug, Clone)]
pub struct DemoSummary {
    /// Events written.
    pub events: u64,
    /// Container lifecycles simulated.
    pub containers: u64,
    /// Hosts.
    pub hosts: usize,
    /// Index (0-based) of the intrusion day.
    pub intrusion_day: u32,
    /// Writer statistics.
    pub write: WriteStats,
    /// Seconds spent.
    pub seconds: f64,
}

/// Nanoseconds in a day.
pub const DAY: i64 = 86_400_000_000_000;

/// The day (0-based) the intrusion happens for `days` days: the second-to-last day, so the
/// store has history before and after it.
pub fn intrusion_day(days: u32) -> u32 {
    days.saturating_sub(2)
}

/// Generates the demo estate into `writer`, calling `progress(events_so_far)` once per
/// simulated hour.
pub fn generate(
    opts: &DemoOptions,
    mut writer: StoreWriter,
    progress: &mut dyn FnMut(u64),
) -> Result<DemoSummary, StoreError> {
    let started = Instant::now();
    let days = opts.days.max(1);
    writer.begin_input(Input::live(&format!("demo seed {}", opts.seed)));
    let mut sim = Sim::new(
        ChaCha8Rng::seed_from_u64(opts.seed),
        &mut writer,
        opts.start,
    );
    sim.boot_all(opts.start)?;
    let per_day = opts.events / days as u64;
    let d_intrusion = intrusion_day(days);
    for day in 0..days {
        let day_start = opts.start + day as i64 * DAY;
        let budget_end = sim.events + per_day;
        background::day(&mut sim, day, day_start, budget_end, progress)?;
        if day + 2 == d_intrusion || (d_intrusion < 2 && day == 0) {
            intrusion::laptop_leak(&mut sim, day_start)?;
        }
        if day == d_intrusion {
            intrusion::attack(&mut sim, day_start)?;
        }
        // A day's events are all buffered: write them out so memory stays bounded.
        sim.writer().flush()?;
    }
    let events = sim.events;
    let containers = sim.containers_started;
    let hosts = sim.hosts.len();
    drop(sim);
    let write = writer.finish()?;
    Ok(DemoSummary {
        events,
        containers,
        hosts,
        intrusion_day: d_intrusion,
        write,
        seconds: started.elapsed().as_secs_f64(),
    })
}
