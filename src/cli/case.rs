//! `trace case`: a story and its evidence, bundled for another machine (see docs/case.md).

use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::Args;

use super::Exit;
use super::browse::Window;
use super::verify::PROBLEMS;
use crate::case::make_case;
use crate::query::Engine;
use crate::store::Store;
use crate::story::{StoryRequest, StorySubject};
use crate::timefmt::format_ns;

/// Arguments of `trace case`.
#[derive(Debug, Args)]
pub struct CaseArgs {
    /// Container: full id, unique prefix, name, or a pasted docker://… / cgroup form.
    #[arg(value_name = "CONTAINER")]
    pub container: String,
    /// Directory to create for the bundle (it must not exist, or be empty).
    #[arg(short = 'o', long, value_name = "DIR")]
    pub output: PathBuf,
    /// Pivot hops the story follows (0: none).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(0..=5))]
    pub depth: u32,
    #[command(flatten)]
    /// Only the container's events in this window.
    pub window: Window,
    /// Print nothing but errors and the digest.
    #[arg(short, long)]
    pub quiet: bool,
}

/// Runs `trace case`.
pub fn run(root: &Path, a: CaseArgs) -> Result<()> {
    let store = Store::open(root)?;
    let engine = Engine::open_indexed(&store)?;
    let (since, until) = a.window.ns()?;
    let req = StoryRequest {
        subject: StorySubject::Container(a.container.clone()),
        since,
        until,
        depth: a.depth,
    };
    let made = make_case(&engine, &req, &a.output)?;
    let m = &made.manifest;
    let rows: u64 = m.events.values().sum();
    let changed: Vec<_> = m
        .sources
        .iter()
        .filter(|s| s.sealed.is_some() && !s.intact())
        .collect();
    if !a.quiet {
        let families: Vec<String> = m.events.iter().map(|(f, n)| format!("{n} {f}")).collect();
        println!(
            "{}: case of {} {} ({} to {}): {} events ({}) from {} store files, {} files",
            made.dir.display(),
            m.subject_kind,
            m.subject,
            format_ns(m.window.0),
            format_ns(m.window.1),
            rows,
            families.join(", "),
            m.sources.len(),
            made.files
        );
        match &m.store.head {
            Some(h) => println!("store head: entry {} {}", h.seq, h.hash),
            None => println!(
                "store head: none (the store is not sealed: `trace seal` it, then make the case again)"
            ),
        }
    }
    println!("digest: {}", made.digest);
    if !a.quiet {
        println!(
            "record the digest elsewhere; `trace verify {} --expect-digest {}` re-checks the bundle",
            made.dir.display(),
            made.digest
        );
    }
    for s in &m.sources {
        match (&s.sha256, &s.sealed) {
            (None, _) => eprintln!(
                "note: {}: gone from the store while the case was made (a compaction replaced it); its rows are in the case",
                s.path
            ),
            (Some(_), None) => eprintln!("warning: {}: not sealed in the store's journal", s.path),
            _ => {}
        }
    }
    for s in &changed {
        eprintln!(
            "problem: {}: sha256 {} in the store, sealed as {} (entry {}): run `trace verify`",
            s.path,
            s.sha256.as_deref().unwrap_or("-"),
            s.sealed.as_ref().map_or("-", |x| x.sha256.as_str()),
            s.sealed.as_ref().map_or(0, |x| x.seq),
        );
    }
    if changed.is_empty() {
        Ok(())
    } else {
        Err(Exit(PROBLEMS).into())
    }
}
