//! `trace import`: other tools' recordings into the store (see docs/import.md).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Result;
use clap::Args;

use super::Exit;
use crate::import::{
    ContainerIds, ImportError, InputReport, Ledger, Options, Outcome, RunEntry, Source, import_one,
    open,
};
use crate::ingest::Sink;
use crate::store::{Store, StoreWriter};

/// Arguments of `trace import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Files or directories to import (`-` reads standard input). Directories are walked;
    /// gzip and zstd files are read as they are.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// The format of every input, instead of detecting it from the content.
    #[arg(long, value_name = "FORMAT", value_parser = clap::builder::PossibleValuesParser::new(crate::import::names()))]
    pub format: Option<String>,
    /// The host for records that do not name theirs (auditd logs, single-host exports).
    #[arg(long, value_name = "HOST")]
    pub host: Option<String>,
    /// Stop at the first malformed record (default: report it, count it, go on).
    #[arg(long)]
    pub strict: bool,
    /// Print only problems (the per-input summary goes away).
    #[arg(short, long)]
    pub quiet: bool,
}

/// Exit status when some records or inputs were skipped but something was imported.
pub const PARTIAL: u8 = 3;

/// Runs `trace import`.
pub fn run(root: &Path, a: ImportArgs) -> Result<()> {
    let sources = open::expand(&a.inputs)?;
    let store = Store::create(root)?;
    let ledger = Ledger::load(&store)?;
    let mut containers = ContainerIds::load(&store)?;
    let opts = Options {
        format: a.format.clone(),
        host: a.host.clone(),
        strict: a.strict,
        spool_dir: store.root().join("tmp"),
    };
    let total: u64 = sources
        .iter()
        .filter_map(|s| match s {
            Source::File(p) | Source::Found(p) => std::fs::metadata(p).ok().map(|m| m.len()),
            Source::Stdin => None,
        })
        .sum();
    let mut writer = StoreWriter::new(store.clone(), crate::import::writer_options());
    let mut run = RunEntry {
        ingest_id: writer.ingest_id().to_string(),
        finished: String::new(),
        inputs: Vec::new(),
    };
    let mut taken = std::collections::HashSet::new();
    let progress = Progress::start(total, a.quiet);
    let started = Instant::now();
    let mut reports = Vec::new();
    let mut fatal = None;
    for src in &sources {
        let read = progress.read.clone();
        match import_one(
            src,
            &opts,
            &ledger,
            &mut writer,
            &mut run,
            &mut taken,
            &mut containers,
            read,
        ) {
            Ok(r) => reports.push(r),
            Err(e @ (ImportError::Store(_) | ImportError::Strict(_))) => {
                fatal = Some(e);
                break;
            }
            Err(e) => reports.push(InputReport {
                input: src.name(),
                outcome: Outcome::Failed(e),
            }),
        }
    }
    progress.finish();
    // What was put is written even when a later input stopped the run.
    writer.flush()?;
    run.finished = chrono::Utc::now().to_rfc3339();
    if !run.inputs.is_empty() {
        Ledger::append(&store, &run, taken)?;
    }
    if let Some(e) = fatal {
        return Err(e.into());
    }
    let status = summarize(&reports, a.quiet, started.elapsed());
    if status == 0 {
        Ok(())
    } else {
        Err(Exit(status).into())
    }
}

/// Prints the per-input summary (to standard error) and returns the exit status: 0 when
/// every input was imported whole (or had been before), [`PARTIAL`] when records or inputs
/// were skipped but something was imported, 1 when no input was.
fn summarize(reports: &[InputReport], quiet: bool, took: Duration) -> u8 {
    let (mut ok, mut partial, mut failed, mut events) = (0, 0, 0, 0u64);
    let mut unknown = Vec::new();
    for r in reports {
        match &r.outcome {
            Outcome::Imported {
                format,
                counts,
                error,
            } => {
                events += counts.events();
                let skipped = counts.skipped_total();
                if skipped > 0 || error.is_some() {
                    partial += 1;
                } else {
                    ok += 1;
                }
                if !quiet || skipped > 0 || error.is_some() {
                    let rows: Vec<String> = counts
                        .rows
                        .iter()
                        .map(|(f, n)| format!("{n} {f}"))
                        .collect();
                    eprintln!(
                        "{}: {format}, {} records: {}{}{}{}",
                        r.input,
                        counts.records,
                        if rows.is_empty() {
                            "no rows".to_string()
                        } else {
                            rows.join(", ")
                        },
                        if counts.duplicates > 0 {
                            format!(", {} already imported", counts.duplicates)
                        } else {
                            String::new()
                        },
                        if counts.lost > 0 {
                            format!(", {} lost by the source", counts.lost)
                        } else {
                            String::new()
                        },
                        if skipped > 0 {
                            format!(", {skipped} skipped")
                        } else {
                            String::new()
                        },
                    );
                    if !counts.unmapped.is_empty() {
                        let kinds: Vec<String> = counts
                            .unmapped
                            .iter()
                            .map(|(k, n)| format!("{k} {n}"))
                            .collect();
                        eprintln!("  not mapped (no family for them): {}", kinds.join(", "));
                    }
                    for (reason, n) in &counts.skipped {
                        eprintln!("  skipped {n}: {reason}");
                    }
                    for s in &counts.first_skips {
                        eprintln!("    {}:{s}", r.input);
                    }
                    if let Some(e) = error {
                        eprintln!("  {e}; what came before is imported");
                    }
                }
            }
            Outcome::AlreadyImported { ingest_id } => {
                ok += 1;
                if !quiet {
                    eprintln!("{}: already imported (run {ingest_id}), skipped", r.input);
                }
            }
            Outcome::NotRecognised => unknown.push(r.input.as_str()),
            Outcome::Failed(e) => {
                failed += 1;
                eprintln!("error: {e}");
            }
        }
    }
    if !unknown.is_empty() && !quiet {
        let shown: Vec<&str> = unknown.iter().take(5).copied().collect();
        eprintln!(
            "{} files in the directories are of no format trace imports, left out: {}{}",
            unknown.len(),
            shown.join(", "),
            if unknown.len() > shown.len() {
                ", …"
            } else {
                ""
            }
        );
    }
    if !quiet {
        eprintln!(
            "{} inputs: {ok} imported, {partial} in part, {failed} failed; {events} events in {:.1} s",
            reports.len() - unknown.len(),
            took.as_secs_f64()
        );
    }
    if ok + partial == 0 {
        1
    } else if failed == 0 && partial == 0 {
        0
    } else {
        PARTIAL
    }
}

/// A progress bar on a terminal (bytes read of all inputs, rate); nothing otherwise.
struct Progress {
    /// Bytes of the inputs read so far (the readers add to it).
    read: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Progress {
    fn start(total: u64, quiet: bool) -> Progress {
        let read = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::new(total);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{bar:30} {bytes}/{total_bytes} {bytes_per_sec} {elapsed}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            let (r, s) = (read.clone(), stop.clone());
            std::thread::spawn(move || {
                while !s.load(Ordering::Relaxed) {
                    bar.set_position(r.load(Ordering::Relaxed));
                    std::thread::sleep(Duration::from_millis(200));
                }
                bar.finish_and_clear();
            })
        });
        Progress { read, stop, thread }
    }

    fn finish(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
