//! `trace verify` and `trace seal`: the store's seal journal (see docs/store.md, integrity).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::Args;

use super::Exit;
use crate::store::Store;
use crate::store::seal::check::{adopt, check, store_files};

/// Exit status of `trace verify` when it found a problem.
pub const PROBLEMS: u8 = 4;

/// Arguments of `trace verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Store to check [default: the store of --store / TRACE_STORE / the config].
    #[arg(value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// A head hash recorded earlier (printed by a previous `trace verify`): it must be an entry
    /// of the chain, which catches a journal and head rewritten together.
    #[arg(long, value_name = "SHA256")]
    pub expect_head: Option<String>,
    /// Print only problems.
    #[arg(short, long)]
    pub quiet: bool,
}

/// Arguments of `trace seal`.
#[derive(Debug, Args)]
pub struct SealArgs {
    /// Print nothing but errors.
    #[arg(short, long)]
    pub quiet: bool,
}

/// Runs `trace verify`.
pub fn verify(root: &Path, a: VerifyArgs) -> Result<()> {
    let store = Store::open(a.dir.as_deref().unwrap_or(root))?;
    let total: u64 = store_files(store.root())
        .iter()
        .filter_map(|(_, p)| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum();
    let bar = (!a.quiet && std::io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new(total);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "hashing {bar:30} {bytes}/{total_bytes} {bytes_per_sec}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let report = check(&store, a.expect_head.as_deref(), &mut |n| {
        if let Some(b) = &bar {
            b.inc(n);
        }
    })?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let root = store.root().display();
    if !report.sealed {
        eprintln!(
            "{root}: not sealed: no _seal/journal.jsonl (written before trace sealed files). \
             `trace seal` seals its {} files as they are now; verify checks from then on.",
            report.files
        );
        return Err(Exit(PROBLEMS).into());
    }
    for p in &report.problems {
        eprintln!("{p}");
    }
    if !a.quiet {
        for n in &report.notes {
            eprintln!("note: {n}");
        }
    }
    let head = report.head.as_ref().map_or("none".to_string(), |h| {
        format!("entry {} {}", h.seq, h.hash)
    });
    if report.problems.is_empty() {
        if !a.quiet {
            println!(
                "{root}: intact: {} files, {} bytes, {} journal entries; head {head}",
                report.files, report.bytes, report.entries
            );
        }
        Ok(())
    } else {
        eprintln!(
            "{root}: {} problem{} in {} files checked ({} journal entries; head {head})",
            report.problems.len(),
            if report.problems.len() == 1 { "" } else { "s" },
            report.files,
            report.entries
        );
        Err(Exit(PROBLEMS).into())
    }
}

/// Runs `trace seal`.
pub fn seal(root: &Path, a: SealArgs) -> Result<()> {
    let store = Store::open(root)?;
    let added = adopt(&store)?;
    if !a.quiet {
        for s in &added {
            println!("sealed {} ({} bytes, sha256 {})", s.path, s.bytes, s.sha256);
        }
        println!("{}: {} files sealed", store.root().display(), added.len());
    }
    Ok(())
}
