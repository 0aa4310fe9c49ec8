//! `trace completions` and `trace man`: shell completions and man pages, both generated from
//! the one clap tree ([`super::Cli`]), so they say what `--help` says. The copies committed
//! under docs/completions and docs/man are checked against these (tests/it/docs.rs).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::{Args, CommandFactory};
use clap_complete::Shell;

/// `trace completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: Shell,
}

/// `trace man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write the pages (trace.1, trace-story.1, …) into this directory (created if absent)
    /// instead of printing trace.1 to standard output.
    #[arg(value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// Every shell `trace completions` knows, with the file name its completion is kept under in
/// docs/completions (and installed as).
pub const SHELLS: [(Shell, &str); 5] = [
    (Shell::Bash, "trace.bash"),
    (Shell::Zsh, "_trace"),
    (Shell::Fish, "trace.fish"),
    (Shell::Elvish, "trace.elv"),
    (Shell::PowerShell, "_trace.ps1"),
];

/// The completion script for `shell`.
pub fn completion(shell: Shell) -> Vec<u8> {
    let mut cmd = super::Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "trace", &mut out);
    out
}

/// The man pages: `trace.1` and one per command (`trace-story.1`, …), with their file names.
pub fn man_pages() -> Result<Vec<(String, Vec<u8>)>> {
    let mut cmd = super::Cli::command().disable_help_subcommand(true);
    cmd.build();
    let mut pages = Vec::new();
    add_pages(cmd, &mut pages)?;
    pages.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(pages)
}

fn add_pages(cmd: clap::Command, pages: &mut Vec<(String, Vec<u8>)>) -> Result<()> {
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        add_pages(sub.clone(), pages)?;
    }
    let man = clap_mangen::Man::new(cmd);
    let mut page = Vec::new();
    man.render(&mut page)?;
    pages.push((man.get_filename(), page));
    Ok(())
}

/// Runs `trace completions`.
pub fn completions(a: CompletionsArgs) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(&completion(a.shell))?;
    Ok(out.flush()?)
}

/// Runs `trace man`.
pub fn man(a: ManArgs) -> Result<()> {
    let pages = man_pages()?;
    match a.dir {
        Some(dir) => write_pages(&dir, &pages),
        None => {
            let mut out = std::io::stdout().lock();
            if let Some((_, page)) = pages.iter().find(|(name, _)| name == "trace.1") {
                out.write_all(page)?;
            }
            Ok(out.flush()?)
        }
    }
}

fn write_pages(dir: &Path, pages: &[(String, Vec<u8>)]) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for (name, page) in pages {
        let path = dir.join(name);
        std::fs::write(&path, page).with_context(|| format!("cannot write {}", path.display()))?;
    }
    eprintln!("{} man pages written to {}", pages.len(), dir.display());
    Ok(())
}
