//! `trace demo`: generate the demo store.

use std::path::Path;

use anyhow::{Context, Result, bail};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use crate::demo::{self, DemoOptions};
use crate::schema::Family;
use crate::store::{MARKER, Store, StoreWriter, WriterOptions};
use crate::timefmt::{format_ns, now_ns, parse_time};

/// Arguments of `trace demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// About how many events to generate in total (the fixed schedule of cron, pods and the
    /// intrusion comes first, so very small numbers give a little more).
    #[arg(long, default_value_t = 200_000)]
    pub events: u64,
    /// Number of days to simulate (the intrusion is on the second-to-last day).
    #[arg(long, default_value_t = 7, value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub days: u32,
    /// Seed: the same seed and options give the same events.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// First day (UTC), e.g. 2026-10-01.
    #[arg(long, default_value = "2026-10-01")]
    pub start: String,
    /// Replace the event data of an existing store (only a directory that is a trace store).
    #[arg(long)]
    pub force: bool,
}

/// Runs `trace demo`.
pub fn run(root: &Path, a: DemoArgs) -> Result<()> {
    let start = parse_time(&a.start, now_ns()).map_err(anyhow::Error::msg)?;
    let start = start - start.rem_euclid(demo::DAY);
    if root.join(MARKER).exists() {
        let existing = Store::open(root)?;
        let snapshot = existing.snapshot()?;
        if Family::ALL.iter().any(|f| !snapshot.files(*f).is_empty()) {
            if !a.force {
                bail!(
                    "{} already holds data; pass --force to replace it, or choose another --store",
                    root.display()
                );
            }
            let dirs = Family::ALL
                .into_iter()
                .map(|f| existing.family_dir(f))
                .chain([root.join(crate::store::manifest::INDEX_DIR)]);
            for dir in dirs {
                if dir.exists() {
                    std::fs::remove_dir_all(&dir)
                        .with_context(|| format!("removing {}", dir.display()))?;
                }
            }
        }
    }
    let store = Store::create(root)?;
    let opts = DemoOptions {
        seed: a.seed,
        start,
        days: a.days,
        events: a.events,
    };
    let bar = ProgressBar::new(a.events);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} generating {pos}/{len} events [{elapsed}] {per_sec}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let writer = StoreWriter::new(store.clone(), WriterOptions::default());
    let summary = demo::generate(&opts, writer, &mut |n| bar.set_position(n))?;
    bar.finish_and_clear();
    let per_event = summary.write.bytes as f64 / summary.events.max(1) as f64;
    println!(
        "wrote {} events ({} hosts, {} containers) from {} for {} days into {}",
        summary.events,
        summary.hosts,
        summary.containers,
        &format_ns(start)[..10],
        a.days,
        store.root().display()
    );
    println!(
        "{} Parquet files, {:.1} MiB, {per_event:.1} bytes/event, {:.0} events/s",
        summary.write.files,
        summary.write.bytes as f64 / (1 << 20) as f64,
        summary.events as f64 / summary.seconds.max(1e-9)
    );
    println!(
        "the intrusion is on {} (docs/demo.md); try:\n  trace containers\n  trace timeline --container {}",
        &format_ns(start + summary.intrusion_day as i64 * demo::DAY)[..10],
        &demo::truth::WEB_CONTAINER_ID[..12]
    );
    Ok(())
}
