//! `trace prune`: retention, whole days of events, oldest first (docs/store.md, retention).

use std::path::Path;
use std::time::Instant;

use anyhow::{Result, bail};
use clap::Args;

use crate::config::{Age, PruneConfig, Size};
use crate::store::Store;
use crate::store::prune::{self, Plan, PruneOptions, Reason};
use crate::timefmt::now_ns;

/// Arguments of `trace prune`.
#[derive(Debug, Args)]
pub struct PruneArgs {
    /// Remove the days of events older than this: 90d, 12w, 36h [config: prune.older_than].
    /// A day goes when its date is before today (UTC) minus this.
    #[arg(long, value_name = "AGE")]
    pub older_than: Option<String>,
    /// Remove the oldest days while the store is larger than this: 50G, 512M, 1T (powers of
    /// 1024) [config: prune.max_size]. The newest day is never removed this way.
    #[arg(long, value_name = "SIZE")]
    pub max_size: Option<String>,
    /// List what would go and remove nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Print nothing but errors.
    #[arg(short, long)]
    pub quiet: bool,
}

/// Runs `trace prune`.
pub fn run(root: &Path, a: PruneArgs, config: &PruneConfig) -> Result<()> {
    let older_than = match &a.older_than {
        Some(s) => Some(Age::parse(s).map_err(|e| anyhow::anyhow!("--older-than {e}"))?),
        None => config.older_than,
    };
    let max_size = match &a.max_size {
        Some(s) => Some(Size::parse(s).map_err(|e| anyhow::anyhow!("--max-size {e}"))?),
        None => config.max_size,
    };
    if older_than.is_none() && max_size.is_none() {
        bail!(
            "prune what? pass --older-than (e.g. 90d) or --max-size (e.g. 50G), or set \
             prune.older_than / prune.max_size in the config (docs/config.md)"
        )
    }
    let store = Store::open(root)?;
    let opts = PruneOptions {
        older_than_ns: older_than.map(|a| i64::try_from(a.0.as_nanos()).unwrap_or(i64::MAX)),
        max_size: max_size.map(|s| s.0),
        now_ns: now_ns(),
    };
    let started = Instant::now();
    let plan = prune::plan(&store, &opts)?;
    if !a.quiet || a.dry_run {
        print_plan(&plan, a.dry_run);
    }
    if plan.size_unmet
        && let Some(max) = opts.max_size
    {
        eprintln!(
            "warning: the store stays larger than {} ({} after pruning): the newest day is \
             kept, and the index is not pruned by size",
            mib(max),
            mib(plan.bytes_after())
        );
    }
    if a.dry_run || plan.days.is_empty() {
        return Ok(());
    }
    let p = prune::prune(&store, &plan)?;
    let s = &p.compaction;
    if !a.quiet {
        println!(
            "removed the days; kept {} exec/fork records of processes still running after \
             them (the ancestors of later events); index generation {} ({} compacted files, \
             {} partitions rewritten), {:.1} s",
            p.kept_births,
            s.generation,
            s.compacted_files,
            s.partitions,
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

fn mib(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 => format!("{:.1} GiB", b as f64 / (1u64 << 30) as f64),
        b => format!("{:.1} MiB", b as f64 / (1u64 << 20) as f64),
    }
}

fn print_plan(plan: &Plan, dry_run: bool) {
    let span = plan
        .span
        .map(|(a, b)| format!("events from {a} to {b}"))
        .unwrap_or_else(|| "no events".into());
    if plan.days.is_empty() {
        println!(
            "nothing to prune: the store holds {span}, {}",
            mib(plan.store_bytes)
        );
        return;
    }
    let verb = if dry_run { "would remove" } else { "removing" };
    let rows: u64 = plan.days.iter().map(|d| d.rows()).sum();
    let files: usize = plan.days.iter().map(|d| d.files()).sum();
    println!(
        "{verb} {} days ({} to {}): {rows} events and loss records in {files} files; the store \
         ({span}) {} → {}",
        plan.days.len(),
        plan.days[0].date,
        plan.days[plan.days.len() - 1].date,
        mib(plan.store_bytes),
        mib(plan.bytes_after())
    );
    for d in &plan.days {
        let why = match d.reason {
            Reason::Age => "older than --older-than",
            Reason::Size => "oldest while over --max-size",
        };
        println!(
            "  {}  {:>10} rows  {:>5} files  {:>10}  {} partitions  ({why})",
            d.date,
            d.rows(),
            d.files(),
            mib(d.bytes()),
            d.partitions.len()
        );
    }
}
