//! `trace export`: the store's events for a data lake or SIEM, from cron (docs/export.md).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::Args;
use clap::builder::PossibleValuesParser;

use super::Exit;
use crate::config::{Age, ExportConfig, ExportFormat};
use crate::export::{self, ExportOptions, Lake, Report, Window};
use crate::store::Store;
use crate::timefmt::{format_ns, now_ns, parse_time};

/// Exit status: some units were exported, others failed (their cursors stay).
pub const PARTIAL: u8 = 3;
/// Exit status: nothing new to export and no interrupted commit finished (not a failure; `SuccessExitStatus=5` in systemd).
pub const NOTHING_NEW: u8 = 5;

/// Arguments of `trace export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// What to write [config: export.format; default: ocsf-jsonl]: OCSF 1.8.0 as JSON lines,
    /// OCSF as Parquet in the Amazon Security Lake layout, Elastic Common Schema 9.4 as JSON
    /// lines, or the store's columns as CSV.
    #[arg(long, value_name = "FORMAT",
          value_parser = PossibleValuesParser::new(ExportFormat::ALL.map(ExportFormat::name)))]
    pub format: Option<String>,
    /// Directory the files go to [config: export.destination].
    #[arg(long, value_name = "DIR")]
    pub to: Option<PathBuf>,
    /// State file: what was exported already [config: export.state; default:
    /// DIR/.trace-export-state.json].
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// Export rows once their ingest stamp is this old, e.g. 5m [config: export.settle;
    /// default: 0, at once]. For stores that files from other machines are copied into late.
    #[arg(long, value_name = "AGE")]
    pub settle: Option<String>,
    /// An ad-hoc window instead of what is new: events from this time (2026-10-01,
    /// '2026-10-01 14:00', RFC 3339, or a duration ago: 30m, 12h, 7d). Leaves the state alone.
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// An ad-hoc window: events before this time (same forms as --since). Leaves the state
    /// alone.
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// Only this unit (repeatable): an OCSF class (process_activity, file_activity,
    /// network_activity, detection_finding, api_activity, authentication) or, for ECS and
    /// CSV, a family (process, file, network, finding, api).
    #[arg(long, value_name = "UNIT")]
    pub only: Vec<String>,
    /// ocsf-parquet: the Security Lake `region=` partition [config: export.region].
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// ocsf-parquet: the Security Lake `accountId=` partition [config: export.account_id].
    #[arg(long, value_name = "ID")]
    pub account_id: Option<String>,
    /// Print nothing but errors.
    #[arg(short, long)]
    pub quiet: bool,
}

/// Runs `trace export`.
pub fn run(root: &Path, a: ExportArgs, config: &ExportConfig) -> Result<()> {
    let format = match &a.format {
        Some(name) => *ExportFormat::ALL
            .iter()
            .find(|f| f.name() == name)
            .expect("clap checked the name"),
        None => config.format.unwrap_or(ExportFormat::OcsfJsonl),
    };
    let Some(destination) = a.to.clone().or_else(|| config.destination.clone()) else {
        bail!("where to? pass --to DIR, or set export.destination in the config (docs/config.md)")
    };
    let state = a
        .state
        .clone()
        .or_else(|| config.state.clone())
        .unwrap_or_else(|| export::default_state(&destination));
    let window = window(&a, config)?;
    let lake = match (
        a.region.clone().or_else(|| config.region.clone()),
        a.account_id.clone().or_else(|| config.account_id.clone()),
    ) {
        (Some(region), Some(account_id)) => Some(Lake {
            region: partition_value("--region", region)?,
            account_id: partition_value("--account-id", account_id)?,
        }),
        _ => None,
    };
    let store = Store::open(root)?;
    let opts = ExportOptions {
        format,
        destination,
        state,
        window,
        only: a.only.clone(),
        lake,
        stop_after: None,
    };
    let bar = (!a.quiet && std::io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {msg} {pos} events {per_sec}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        bar.enable_steady_tick(Duration::from_millis(120));
        bar
    });
    let mut current = String::new();
    let report = export::run(&store, &opts, &mut |unit, n| {
        if let Some(b) = &bar {
            if current != unit {
                current = unit.to_string();
                b.set_message(format!("exporting {unit}:"));
                b.set_position(0);
            }
            b.inc(n);
        }
    });
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let report = report.with_context(|| format!("export to {}", opts.destination.display()))?;
    summarise(&report, &opts, a.quiet)
}

fn window(a: &ExportArgs, config: &ExportConfig) -> Result<Window> {
    if a.since.is_some() || a.until.is_some() {
        if a.settle.is_some() {
            bail!("--settle applies to incremental runs; --since/--until pick a window instead")
        }
        let now = now_ns();
        let t = |s: &Option<String>| -> Result<Option<i64>> {
            s.as_deref()
                .map(|s| parse_time(s, now).map_err(anyhow::Error::msg))
                .transpose()
        };
        let (since, until) = (t(&a.since)?, t(&a.until)?);
        if let (Some(s), Some(u)) = (since, until)
            && s >= u
        {
            bail!("--since must be before --until")
        }
        return Ok(Window::Range { since, until });
    }
    let settle = match a.settle.as_deref().map(str::trim) {
        Some("0") | Some("0s") => Duration::ZERO,
        Some(s) => {
            Age::parse(s)
                .map_err(|e| anyhow::anyhow!("--settle {e}"))?
                .0
        }
        None => config.settle.map_or(Duration::ZERO, |a| a.0),
    };
    Ok(Window::Incremental { settle })
}

/// A Security Lake partition value: it becomes a directory name.
fn partition_value(flag: &str, v: String) -> Result<String> {
    let ok = !v.is_empty()
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !ok {
        bail!("{flag} {v:?}: letters, digits, '-' and '_' only (it names a directory)")
    }
    Ok(v)
}

/// Prints what was done and turns it into the exit status.
fn summarise(report: &Report, opts: &ExportOptions, quiet: bool) -> Result<()> {
    if report.resumed > 0 && !quiet {
        eprintln!(
            "finished the commit of an interrupted run: {} files put in place",
            report.resumed
        );
    }
    for u in &report.units {
        match &u.error {
            Some(e) => eprintln!("{}: failed, will be retried next run: {e}", u.unit),
            None if !quiet && u.rows > 0 => eprintln!(
                "{}: {} events → {}",
                u.unit,
                u.rows,
                u.files
                    .iter()
                    .map(|f| f.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            None => {}
        }
    }
    let failed = report.failed();
    if failed == report.units.len() && failed > 0 {
        bail!("every unit failed; nothing was exported")
    }
    if !quiet {
        let through = report
            .through_us
            .map(|us| format!(", ingested through {}", format_ns(us.saturating_mul(1000))))
            .unwrap_or_default();
        eprintln!(
            "{}: {} events{through} (state: {})",
            opts.format.name(),
            report.rows(),
            opts.state.display()
        );
    }
    if failed > 0 {
        return Err(Exit(PARTIAL).into());
    }
    if report.rows() == 0 && report.resumed == 0 {
        return Err(Exit(NOTHING_NEW).into());
    }
    Ok(())
}
