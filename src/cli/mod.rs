//! The command line: clap definitions (their doc comments are `--help`) and one module per
//! command. Commands turn arguments into bound queries and hand the results to `render`.

mod browse;
mod case;
mod compact;
#[cfg(feature = "demo")]
mod demo;
pub mod docs;
mod export;
mod import;
mod prune;
mod query;
mod story;
mod verify;

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};

use crate::config::Config;
use crate::query::{Engine, QueryResult};
use crate::render::{Format, TableOptions, render};
use crate::store::Store;

/// trace: the history of your hosts and containers, kept in Parquet and queried with SQL.
///
/// Containers live for minutes; incidents are found months later. trace keeps process, file
/// and network events of hosts and containers (attributed to container, pod and image when
/// they happen) in a Parquet store and answers questions about them with DuckDB.
///
/// Start with `trace demo` to generate a realistic store with an intrusion in it, then
/// `trace containers`, `trace timeline --container <id>` and `trace query "<SQL>"`.
#[derive(Debug, Parser)]
#[command(
    name = "trace",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    /// Store root directory [config: store.root; default: ~/.local/share/trace/store].
    #[arg(long, global = true, env = "TRACE_STORE", value_name = "DIR")]
    pub store: Option<PathBuf>,

    /// Configuration file [env: TRACE_CONFIG; else $XDG_CONFIG_HOME/trace/config.toml, else
    /// /etc/trace/config.toml, if present]. See docs/config.md.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    /// The command to run.
    pub command: Command,
}

/// Commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run one read-only SQL query over the store.
    ///
    /// Views: process, file, network, events (all three, with a `family` column), hosts,
    /// containers (one row each), host_records, container_records, loss. See docs/schema.md.
    #[command(after_long_help = "Examples:
  trace query \"SELECT kind, count(*) FROM events GROUP BY ALL ORDER BY 2 DESC\"
  trace query -p 203.0.113.66 \"SELECT * FROM network WHERE dst_ip = ?\"
  trace query -f queries/examples/written-then-executed.sql --format jsonl > drift.jsonl
  echo \"SELECT count(*) FROM containers\" | trace query --format csv")]
    Query(query::QueryArgs),
    /// The attack story of a container (or a host process): its process tree with the
    /// lineage into the host, timeline, files, connections, pivots to the same actor on other
    /// hosts and containers, and known gaps.
    #[command(after_long_help = "Examples:
  trace story 3f2a9c
  trace story 3f2a9c --format md -o incident-4711.md
  trace story --host db-01 --pid 4242 --since 2026-10-06 --depth 1
  trace story 3f2a9c --format json | jq '.pivots[] | {hop, kind, label, reason}'")]
    Story(story::StoryArgs),
    /// List the containers the store knows, gone or running.
    #[command(after_long_help = "Examples:
  trace containers --image shop/web
  trace containers --host k8s-node-2 --since 2026-10-06 --until 2026-10-07 --format csv")]
    Containers(browse::ContainersArgs),
    /// List the hosts the store knows.
    Hosts(browse::HostsArgs),
    /// Every event of one container or one host, in time order.
    #[command(after_long_help = "Examples:
  trace timeline --container 3f2a9c
  trace timeline --container docker://3f2a9c41e7b0 --kind process_exec --kind net_connect
  trace timeline --host db-01 --since '2026-10-06 14:00' --until '2026-10-06 14:30'")]
    Timeline(browse::TimelineArgs),
    /// Merge a store's small files into sorted files and write the index stories read.
    ///
    /// Per partition (family, host, date) every file written since the last run is merged
    /// with the partition's compacted files into files sorted by (container_id, time), with
    /// statistics and the page index; then an index is written (container, process, address,
    /// hash and user → files, flow → rows; the process graph; people's execs per file; the
    /// containers folded) so that `trace story` reads only the files and rows it needs. Safe to run from cron while collectors write and commands read:
    /// readers never see an event twice or miss one, a crash loses nothing (the next run
    /// cleans up), a run with nothing new does nothing. See docs/store.md.
    #[command(after_long_help = "Examples:
  trace compact
  trace --store /data/trace compact --quiet        # from cron, e.g. every 15 minutes
  trace compact && TRACE_PROFILE=1 trace story 3f2a9c > /dev/null")]
    Compact(compact::CompactArgs),
    /// Retention: remove whole days of events, oldest first, by age or until the store fits a
    /// size.
    ///
    /// A day is every event and loss partition of that date (UTC, of the events' time), on
    /// every host; the hosts and containers tables stay, as later events name them, and so do
    /// the exec/fork records of processes still running after those days. The days
    /// go in one compaction that writes the next index generation without them and seals
    /// their removal, so `trace story`, `trace query` and `trace verify` stay right; files
    /// written into those days meanwhile stay. Days are by event time: recordings imported
    /// from long ago are old days too (see --dry-run first). Safe from cron beside
    /// collectors and readers; one prune or compaction at a time. See docs/store.md.
    #[command(after_long_help = "Examples:
  trace prune --older-than 90d --dry-run
  trace prune --older-than 90d --quiet              # from cron, daily
  trace prune --max-size 50G
  TRACE_PRUNE_OLDER_THAN=30d trace prune")]
    Prune(prune::PruneArgs),
    /// Import what other tools recorded (Tetragon, …) into the store, in the same schema, so
    /// that stories, queries and exports see it beside the collector's events.
    ///
    /// The format is detected from each input's content (gzip and zstd are opened as they
    /// are); a record that cannot be read is reported with its line and byte offset, counted
    /// and skipped (`--strict` stops instead). Importing the same file again, or rotated files
    /// that overlap, adds nothing twice (the store keeps a ledger in `_imports/`). Exit
    /// status: 0 everything imported, 3 imported in part (records or inputs skipped), 1
    /// nothing imported. See docs/import.md for each format's mapping.
    #[command(after_long_help = "Examples:
  trace import tetragon-export.json.gz
  trace import /var/log/tetragon/ --strict
  kubectl logs -n kube-system ds/tetragon -c export-stdout | trace import -
  trace import --format tetragon --host node-7 events.json")]
    Import(import::ImportArgs),
    /// Export the store's events for a data lake or SIEM: what is new since the last run, from
    /// cron.
    ///
    /// Formats: OCSF 1.8.0 JSON lines (one file per class), OCSF Parquet in the Amazon
    /// Security Lake layout (ext/<source>/region=/accountId=/eventDay=, sorted by time),
    /// Elastic Common Schema 9.4 JSON lines (one file per family), the store's columns as CSV.
    /// Incremental by ingest stamp: a state file remembers what went, so late imports are
    /// sent by the next run and compaction never makes a row go twice; --since/--until export
    /// a window instead and leave the state alone. Files appear whole (written hidden, renamed
    /// together); a killed run's commit is finished by the next; runs on one destination wait
    /// for each other. Exit status: 0 exported, 5 nothing new, 3 partial (some units failed
    /// and will be retried), 1 failed. See docs/export.md.
    #[command(after_long_help = "Examples:
  trace export --to /var/spool/trace/ocsf
  trace export --format ecs-jsonl --to /srv/elastic/incoming --settle 5m --quiet
  trace export --format ocsf-parquet --to /mnt/lake --region eu-west-1 --account-id 123456789012
  trace export --format csv --only network --since 2026-10-06 --until 2026-10-07 --to case-4711/
  */15 * * * * trace export --quiet || [ $? -eq 5 ]     # crontab line: see dist/trace-export.cron")]
    Export(export::ExportArgs),
    /// Generate a realistic demo store with one documented intrusion (docs/demo.md).
    #[cfg(feature = "demo")]
    #[command(after_long_help = "Examples:
  trace demo
  trace demo --events 10000000 --days 30 --store /data/bench")]
    Demo(demo::DemoArgs),
    /// Bundle a container's story as evidence: the story in every format, the events it rests
    /// on (Parquet and one DuckDB database, each row naming its store file and row), the
    /// store's seal journal, a description and a SHA-256 list.
    ///
    /// The rows are the container's events, its ancestors' process events outside it and the
    /// Kubernetes API calls about its pod; each source file's SHA-256 is recorded as found and
    /// as sealed, chained to the store's head. Prints the case's digest (the SHA-256 of
    /// SHA256SUMS): record it elsewhere. `trace verify DIR` re-checks the bundle anywhere,
    /// without the store. Exit status: 0 written, 4 written but a source file differs from
    /// its seal, 1 not written. See docs/case.md.
    #[command(after_long_help = "Examples:
  trace case 3f2a9c -o case-4711/
  trace case web-7d9f --since 2026-10-06 --until 2026-10-07 -o /mnt/evidence/case-4711
  sha256sum -c case-4711/SHA256SUMS        # the same check with coreutils
  trace verify case-4711/ --expect-digest 9b0c…41")]
    Case(case::CaseArgs),
    /// Check the store's integrity: every data and index file and the manifest against the
    /// seal journal, a SHA-256 hash chain every writer appends to.
    ///
    /// Names each problem: a file altered (its SHA-256 differs from the sealed one), missing
    /// (sealed, never removed), unsealed (added after the fact, or its writer died before
    /// sealing it), a journal entry altered, removed or reordered, a journal cut short (the
    /// head disagrees). Safe while collectors, imports and compactions run. Prints the head;
    /// record it elsewhere and pass it back with --expect-head to catch a journal rewritten as
    /// a whole. Exit status: 0 intact, 4 problems found (or the store is not sealed), 1 could
    /// not check. See docs/store.md.
    #[command(after_long_help = "Examples:
  trace verify
  trace verify /mnt/evidence/store --expect-head 3c1f…e9
  trace verify --quiet || mail -s 'trace store altered' soc@example.com < /dev/null")]
    Verify(verify::VerifyArgs),
    /// Seal the files no journal entry seals: a store written before trace sealed files, or a
    /// file whose writer died between writing and sealing it. Never re-seals an altered file.
    #[command(after_long_help = "Examples:
  trace --store /data/old-store seal && trace --store /data/old-store verify")]
    Seal(verify::SealArgs),
    /// Print the shell completion script for bash, zsh, fish, elvish or powershell.
    #[command(after_long_help = "Examples:
  trace completions bash > /usr/local/share/bash-completion/completions/trace
  trace completions zsh > /usr/local/share/zsh/site-functions/_trace
  trace completions fish > ~/.config/fish/completions/trace.fish")]
    Completions(docs::CompletionsArgs),
    /// Print the man page trace(1), or write every page (one per command) into DIR.
    #[command(after_long_help = "Examples:
  trace man | man -l -
  trace man /usr/local/share/man/man1")]
    Man(docs::ManArgs),
}

/// Output options shared by the commands that print rows.
#[derive(Debug, Clone, Args)]
pub struct OutputArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write to this file instead of standard output.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

impl OutputArgs {
    /// Renders a result where the user asked.
    pub fn emit(&self, result: &QueryResult) -> Result<()> {
        let to_terminal = self.output.is_none() && io::stdout().is_terminal();
        if self.format == Format::Parquet && to_terminal {
            bail!("refusing to write Parquet to a terminal: add -o FILE or redirect the output");
        }
        let table = TableOptions { wrap: to_terminal };
        match &self.output {
            Some(path) => {
                let file = File::create(path)
                    .with_context(|| format!("cannot create {}", path.display()))?;
                let mut w = BufWriter::new(file);
                render(&result.schema, &result.batches, self.format, &mut w, &table)?;
                w.flush()
                    .with_context(|| format!("writing {}", path.display()))?;
            }
            None => {
                let stdout = io::stdout();
                let mut w = BufWriter::new(stdout.lock());
                render(&result.schema, &result.batches, self.format, &mut w, &table)?;
                w.flush()?;
            }
        }
        Ok(())
    }
}

fn open_engine(root: &std::path::Path) -> Result<Engine> {
    let store = Store::open(root)?;
    Ok(Engine::open(&store)?)
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    let config = match cli.command {
        Command::Completions(a) => return docs::completions(a),
        Command::Man(a) => return docs::man(a),
        _ => Config::load(cli.config.as_deref(), &crate::config::process_env)?,
    };
    let root = cli
        .store
        .or(config.store.root)
        .unwrap_or_else(Store::default_root);
    match cli.command {
        Command::Query(a) => query::run(&root, a),
        Command::Story(a) => story::run(&root, a),
        Command::Containers(a) => browse::containers(&root, a),
        Command::Hosts(a) => browse::hosts(&root, a),
        Command::Timeline(a) => browse::timeline(&root, a),
        #[cfg(feature = "demo")]
        Command::Demo(a) => demo::run(&root, a),
        Command::Compact(a) => compact::run(&root, a),
        Command::Prune(a) => prune::run(&root, a, &config.prune),
        Command::Import(a) => import::run(&root, a),
        Command::Export(a) => export::run(&root, a, &config.export),
        Command::Case(a) => case::run(&root, a),
        Command::Verify(a) => verify::verify(&root, a),
        Command::Seal(a) => verify::seal(&root, a),
        Command::Completions(_) | Command::Man(_) => Ok(()), // answered above, without a config
    }
}

/// An exit status other than 0 or 1, for a command that has already said why on standard
/// error (`trace import` exits 3 when it imported in part).
#[derive(Debug, thiserror::Error)]
#[error("exit status {0}")]
pub struct Exit(pub u8);

/// True when the error is a closed pipe (`trace … | head`), which is not a failure.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
            || c.downcast_ref::<crate::render::RenderError>().is_some_and(|r| {
                matches!(r, crate::render::RenderError::Io(io) if io.kind() == io::ErrorKind::BrokenPipe)
                    || r.to_string().contains("Broken pipe")
            })
    })
}
