//! `trace compact`: store maintenance (see docs/store.md).

use std::path::Path;
use std::time::Instant;

use anyhow::Result;
use clap::Args;

use crate::store::Store;
use crate::store::compact::{CompactOptions, compact};

/// Arguments of `trace compact`.
#[derive(Debug, Args)]
pub struct CompactArgs {
    /// Largest compacted file, in rows; a bigger partition is split into several sorted files.
    #[arg(long, default_value_t = 65_536, value_name = "ROWS",
          value_parser = clap::value_parser!(u64).range(1_000..=100_000_000))]
    pub max_rows_per_file: u64,
    /// Rows per Parquet row group of compacted files.
    #[arg(long, default_value_t = 16_384, value_name = "ROWS",
          value_parser = clap::value_parser!(u64).range(1_000..=10_000_000))]
    pub row_group_rows: u64,
    /// Rewrite every partition, not only those with new files (after changing the sizes).
    #[arg(long)]
    pub all: bool,
    /// Print nothing on success.
    #[arg(short, long)]
    pub quiet: bool,
}

/// Runs `trace compact`.
pub fn run(root: &Path, a: CompactArgs) -> Result<()> {
    let store = Store::open(root)?;
    let started = Instant::now();
    let opts = CompactOptions {
        max_rows_per_file: a.max_rows_per_file as usize,
        row_group_rows: a.row_group_rows as usize,
        all: a.all,
        ..Default::default()
    };
    let s = compact(&store, &opts)?;
    if !a.quiet {
        if s.partitions == 0 {
            println!(
                "nothing to compact: {} compacted files, generation {}{}",
                s.compacted_files,
                s.generation,
                if s.recovered > 0 {
                    format!(" ({} leftovers of an interrupted run removed)", s.recovered)
                } else {
                    String::new()
                }
            );
        } else {
            println!(
                "generation {}: {} partitions, {} files → {} files, {} rows, {} index keys, {:.1} s",
                s.generation,
                s.partitions,
                s.inputs,
                s.outputs,
                s.rows,
                s.index_keys,
                started.elapsed().as_secs_f64()
            );
        }
    }
    Ok(())
}
