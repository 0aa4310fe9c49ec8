//! `trace story`: the story of a container (or a host process), rendered.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Args;

use super::browse::Window;
use super::open_engine;
use crate::query::Engine;
use crate::render::story::{StoryFormat, render_story};
use crate::story::{StoryRequest, StorySubject, build};

/// Arguments of `trace story`.
#[derive(Debug, Args)]
pub struct StoryArgs {
    /// Container: full id, unique prefix, name, or a pasted docker://… / cgroup form.
    #[arg(value_name = "CONTAINER", required_unless_present_any = ["pid", "process"])]
    pub container: Option<String>,
    /// Start from a host process by pid instead (needs --host; the latest process with that
    /// pid in the window when pids were reused).
    #[arg(long, requires = "host", conflicts_with_all = ["container", "process"])]
    pub pid: Option<i64>,
    /// Host of --pid: host id or hostname.
    #[arg(long, value_name = "HOST")]
    pub host: Option<String>,
    /// Start from a host process by its process_key.
    #[arg(long, value_name = "KEY", conflicts_with = "container")]
    pub process: Option<String>,
    /// Pivot hops to follow (0: none).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(0..=5))]
    pub depth: u32,
    #[command(flatten)]
    /// Only the subject's events in this window.
    pub window: Window,
    /// Output format.
    #[arg(long, value_enum, default_value_t = StoryFormat::Tree)]
    pub format: StoryFormat,
    /// Write to this file instead of standard output.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Runs `trace story`.
pub fn run(root: &Path, a: StoryArgs) -> Result<()> {
    // A container story reads through the index of a compacted store (only the files that
    // hold what it asks for); process stories and uncompacted stores read every file.
    let engine = if a.container.is_some() {
        Engine::open_indexed(&crate::store::Store::open(root)?)?
    } else {
        open_engine(root)?
    };
    let subject = match (&a.container, a.pid, &a.process) {
        (Some(c), _, _) => StorySubject::Container(c.clone()),
        (None, Some(pid), _) => StorySubject::Pid {
            host: a.host.clone().unwrap_or_default(),
            pid,
        },
        (None, None, Some(k)) => StorySubject::Process(k.clone()),
        _ => bail!("give a container, --pid with --host, or --process"),
    };
    let (since, until) = a.window.ns()?;
    let req = StoryRequest {
        subject,
        since,
        until,
        depth: a.depth,
    };
    let story = build(&engine, &req)?;
    let to_terminal = a.output.is_none() && std::io::stdout().is_terminal();
    let color = to_terminal && std::env::var_os("NO_COLOR").is_none();
    let text = render_story(&story, a.format, color);
    match &a.output {
        Some(p) => std::fs::write(p, text).with_context(|| format!("writing {}", p.display()))?,
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())?;
            out.flush()?;
        }
    }
    Ok(())
}
