//! `trace verify` and `trace seal`: the store's seal journal (see docs/store.md, integrity).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::Args;

use super::Exit;
use crate::case::check::{check_case, is_case};
use crate::store::Store;
use crate::store::seal::check::{adopt, check, store_files};

/// Exit status of `trace verify` when it found a problem.
pub const PROBLEMS: u8 = 4;

/// Arguments of `trace verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Store or case bundle (`trace case`) to check [default: the store of --store /
    /// TRACE_STORE / the config].
    #[arg(value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// The digest of a case bundle recorded earlier (printed by `trace case`): it must be the
    /// bundle's, which catches a bundle rewritten as a whole.
    #[arg(long, value_name = "SHA256")]
    pub expect_digest: Option<String>,
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

fn hashing_bar(quiet: bool, total: u64) -> Option<indicatif::ProgressBar> {
    (!quiet && std::io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new(total);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "hashing {bar:30} {bytes}/{total_bytes} {bytes_per_sec}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    })
}

/// Runs `trace verify`.
pub fn verify(root: &Path, a: VerifyArgs) -> Result<()> {
    if let Some(dir) = a.dir.as_deref().filter(|d| is_case(d)) {
        return verify_case(dir, &a);
    }
    if a.expect_digest.is_some() {
        anyhow::bail!(
            "--expect-digest is for a case bundle (a directory with {}), not a store",
            crate::case::MANIFEST
        );
    }
    let store = Store::open(a.dir.as_deref().unwrap_or(root))?;
    let total: u64 = store_files(store.root())
        .iter()
        .filter_map(|(_, p)| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum();
    let bar = hashing_bar(a.quiet, total);
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

/// `trace verify` of a case bundle.
fn verify_case(dir: &Path, a: &VerifyArgs) -> Result<()> {
    let total: u64 = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter_map(|e| e.metadata().ok())
        .filter(|m| m.is_file())
        .map(|m| m.len())
        .sum();
    let bar = hashing_bar(a.quiet, total);
    let report = check_case(
        dir,
        a.expect_digest.as_deref(),
        a.expect_head.as_deref(),
        &mut |n| {
            if let Some(b) = &bar {
                b.inc(n);
            }
        },
    )?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    for p in &report.problems {
        eprintln!("{p}");
    }
    let shown = dir.display();
    let what = report.manifest.as_ref().map_or(String::new(), |m| {
        format!(" of {} {}", m.subject_kind, m.subject)
    });
    if report.problems.is_empty() {
        if !a.quiet {
            println!(
                "{shown}: intact case{what}: {} files, {} bytes, {} journal entries; digest {}",
                report.files, report.bytes, report.entries, report.digest
            );
            if a.expect_digest.is_none() {
                eprintln!(
                    "note: without --expect-digest a bundle rewritten as a whole (files and {} together) passes: compare the digest with the one recorded when the case was made",
                    crate::case::SUMS
                );
            }
        }
        Ok(())
    } else {
        eprintln!(
            "{shown}: {} problem{} in the case{what} ({} files checked; digest {})",
            report.problems.len(),
            if report.problems.len() == 1 { "" } else { "s" },
            report.files,
            report.digest
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
