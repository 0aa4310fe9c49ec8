//! The configuration file: one TOML file for the store, `trace export`, `trace prune` and
//! `trace-collector` (docs/config.md; the example is `dist/config.toml`).
//!
//! Every setting comes from, in this order: the command-line flag, else its environment
//! variable ([`ENV`]), else the configuration file, else the default. The file is the first of
//! `--config FILE`, `$TRACE_CONFIG`, `$XDG_CONFIG_HOME/trace/config.toml` (else
//! `~/.config/trace/config.toml`) and `/etc/trace/config.toml`; one given explicitly (flag or
//! variable) must exist, a default location may be absent. Files are not merged.
//!
//! Unknown keys and values of the wrong type or out of range are errors naming the file, the
//! line and the key, so a typo never falls back to a default. Relative paths in the file are
//! relative to the file's directory. This module reads and checks; it never opens a store,
//! and it uses neither DuckDB nor clap (the collector reads it too).

mod locate;
pub mod values;

use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};

use serde::Deserialize;

pub use values::{Age, Bounded, CollectorMode, ExportFormat, ReadWatch, Size};

/// The system-wide configuration file, the last place looked at.
pub const SYSTEM_FILE: &str = "/etc/trace/config.toml";

/// The example configuration (`dist/config.toml`), every key with its default or an example
/// value and what it means.
pub const EXAMPLE: &str = include_str!("../../dist/config.toml");

/// The collector's poll / drain interval, milliseconds.
pub type IntervalMs = Bounded<10, 60_000>;
/// How often the collector writes what it buffered, at least, milliseconds.
pub type FlushMs = Bounded<100, 600_000>;

/// The environment variables that override the file, and the key each one sets.
/// `TRACE_COLLECTOR_READ_WATCH` is a colon-separated list, like `PATH`.
pub const ENV: [(&str, &str); 13] = [
    ("TRACE_STORE", "store.root"),
    ("TRACE_EXPORT_FORMAT", "export.format"),
    ("TRACE_EXPORT_DESTINATION", "export.destination"),
    ("TRACE_EXPORT_STATE", "export.state"),
    ("TRACE_EXPORT_SETTLE", "export.settle"),
    ("TRACE_EXPORT_REGION", "export.region"),
    ("TRACE_EXPORT_ACCOUNT_ID", "export.account_id"),
    ("TRACE_PRUNE_OLDER_THAN", "prune.older_than"),
    ("TRACE_PRUNE_MAX_SIZE", "prune.max_size"),
    ("TRACE_COLLECTOR_MODE", "collector.mode"),
    ("TRACE_COLLECTOR_INTERVAL_MS", "collector.interval_ms"),
    ("TRACE_COLLECTOR_FLUSH_MS", "collector.flush_ms"),
    ("TRACE_COLLECTOR_READ_WATCH", "collector.read_watch"),
];

/// The whole file. Every key is optional; what is absent takes its default where it is used.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// `[store]`.
    pub store: StoreConfig,
    /// `[export]`: what `trace export` sends where.
    pub export: ExportConfig,
    /// `[prune]`: what `trace prune` removes.
    pub prune: PruneConfig,
    /// `[collector]`: how `trace-collector` records.
    pub collector: CollectorConfig,
    /// The file these settings were read from, if any.
    #[serde(skip)]
    pub file: Option<PathBuf>,
}

/// `[store]`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreConfig {
    /// The store's root directory (`trace`'s default: `~/.local/share/trace/store`).
    pub root: Option<PathBuf>,
}

/// `[export]`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ExportConfig {
    /// What is written.
    pub format: Option<ExportFormat>,
    /// The directory exported files go to.
    pub destination: Option<PathBuf>,
    /// The file that remembers what was exported already, so each run sends only what is new.
    pub state: Option<PathBuf>,
    /// How long after an event's time the export waits before sending it, so that events
    /// collectors and imports write late are not skipped.
    pub settle: Option<Age>,
    /// `ocsf-parquet`: the Amazon Security Lake `region=` partition.
    pub region: Option<String>,
    /// `ocsf-parquet`: the Amazon Security Lake `accountId=` partition.
    pub account_id: Option<String>,
}

/// `[prune]`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PruneConfig {
    /// Remove days of events older than this (`90d`).
    pub older_than: Option<Age>,
    /// Remove the oldest days while the store is larger than this (`50G`).
    pub max_size: Option<Size>,
}

/// `[collector]`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CollectorConfig {
    /// Where events come from (default `auto`).
    pub mode: Option<CollectorMode>,
    /// How often /proc is polled or the ring buffer drained, ms (default 100).
    pub interval_ms: Option<IntervalMs>,
    /// Buffered events are written at least this often, ms (default 1000).
    pub flush_ms: Option<FlushMs>,
    /// Path prefixes whose read-only opens are recorded (eBPF mode; default: credentials,
    /// keys and secrets, see `dist/config.toml`).
    pub read_watch: Option<ReadWatch>,
}

/// Why the configuration cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A file named by `--config` or `$TRACE_CONFIG` does not exist.
    #[error("config file {} (given by {origin}) does not exist", path.display())]
    Missing {
        /// The file.
        path: PathBuf,
        /// `--config` or `$TRACE_CONFIG`.
        origin: &'static str,
    },
    /// A file that exists cannot be read.
    #[error("config file {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The file is not valid TOML, has an unknown key, or a value of the wrong type.
    #[error("{}", locate::describe(path, *line, key.as_deref(), message))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The line (from 1), where the parser could tell.
        line: Option<usize>,
        /// The key, dotted (`collector.interval_ms`), where it could be found.
        key: Option<String>,
        /// What is wrong.
        message: String,
    },
    /// An environment variable's value is not valid for its key.
    #[error("${var} (overrides {key}): {message}")]
    Env {
        /// The variable.
        var: &'static str,
        /// The key it sets.
        key: &'static str,
        /// What is wrong.
        message: String,
    },
}

/// How a variable of the environment is looked up (the process's, or a test's).
pub type Env<'a> = &'a dyn Fn(&str) -> Option<OsString>;

/// The process's environment; an empty variable counts as unset.
pub fn process_env(name: &str) -> Option<OsString> {
    std::env::var_os(name).filter(|v| !v.is_empty())
}

impl Config {
    /// The configuration: the file `explicit` (`--config`), else the first one found (see the
    /// module's documentation), else the defaults; then the environment's overrides.
    pub fn load(explicit: Option<&Path>, env: Env) -> Result<Config, ConfigError> {
        Config::load_with(explicit, env, Path::new(SYSTEM_FILE))
    }

    /// [`Config::load`] with another system-wide file (tests).
    pub fn load_with(
        explicit: Option<&Path>,
        env: Env,
        system: &Path,
    ) -> Result<Config, ConfigError> {
        let named = match explicit {
            Some(p) => Some((p.to_path_buf(), "--config")),
            None => env("TRACE_CONFIG").map(|p| (PathBuf::from(p), "$TRACE_CONFIG")),
        };
        let mut config = match named {
            Some((path, origin)) => match std::fs::read_to_string(&path) {
                Ok(text) => Config::parse(&text, &path)?,
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    return Err(ConfigError::Missing { path, origin });
                }
                Err(source) => return Err(ConfigError::Read { path, source }),
            },
            None => Config::first_found(&default_files(env, system))?,
        };
        config.apply_env(env)?;
        Ok(config)
    }

    /// The first of `files` that exists, or the defaults when none does.
    fn first_found(files: &[PathBuf]) -> Result<Config, ConfigError> {
        for path in files {
            match std::fs::read_to_string(path) {
                Ok(text) => return Config::parse(&text, path),
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(source) => {
                    return Err(ConfigError::Read {
                        path: path.clone(),
                        source,
                    });
                }
            }
        }
        Ok(Config::default())
    }

    /// Parses the text of the file `path` (named in errors; relative paths inside are taken
    /// relative to its directory).
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let mut config: Config =
            toml::from_str(text).map_err(|e| locate::invalid(path, text, &e))?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            for p in [
                &mut config.store.root,
                &mut config.export.destination,
                &mut config.export.state,
            ]
            .into_iter()
            .flatten()
            {
                if p.is_relative() {
                    *p = dir.join(&*p);
                }
            }
        }
        config.file = Some(path.to_path_buf());
        Ok(config)
    }

    /// Applies the environment's overrides ([`ENV`]) over what the file said.
    pub fn apply_env(&mut self, env: Env) -> Result<(), ConfigError> {
        path_var(&mut self.store.root, env, "TRACE_STORE");
        path_var(
            &mut self.export.destination,
            env,
            "TRACE_EXPORT_DESTINATION",
        );
        path_var(&mut self.export.state, env, "TRACE_EXPORT_STATE");
        var(&mut self.export.format, env, "TRACE_EXPORT_FORMAT")?;
        var(&mut self.export.settle, env, "TRACE_EXPORT_SETTLE")?;
        var(&mut self.export.region, env, "TRACE_EXPORT_REGION")?;
        var(&mut self.export.account_id, env, "TRACE_EXPORT_ACCOUNT_ID")?;
        var(&mut self.prune.older_than, env, "TRACE_PRUNE_OLDER_THAN")?;
        var(&mut self.prune.max_size, env, "TRACE_PRUNE_MAX_SIZE")?;
        var(&mut self.collector.mode, env, "TRACE_COLLECTOR_MODE")?;
        var(
            &mut self.collector.interval_ms,
            env,
            "TRACE_COLLECTOR_INTERVAL_MS",
        )?;
        var(
            &mut self.collector.flush_ms,
            env,
            "TRACE_COLLECTOR_FLUSH_MS",
        )?;
        list_var(
            &mut self.collector.read_watch,
            env,
            "TRACE_COLLECTOR_READ_WATCH",
        )?;
        Ok(())
    }
}

/// Sets `slot` to the path in `$name`, if set.
fn path_var(slot: &mut Option<PathBuf>, env: Env, name: &str) {
    if let Some(p) = env(name) {
        *slot = Some(PathBuf::from(p));
    }
}

/// Sets `slot` to the value of `$name`, if set, read by the same checks as the file's: as a
/// string, or as a number when it is one.
fn var<T: for<'de> Deserialize<'de>>(
    slot: &mut Option<T>,
    env: Env,
    name: &'static str,
) -> Result<(), ConfigError> {
    use serde::de::value::{Error, StrDeserializer, U64Deserializer};
    let Some(raw) = env_text(env, name)? else {
        return Ok(());
    };
    let parsed = T::deserialize(StrDeserializer::<Error>::new(&raw)).or_else(|e| {
        match raw.trim().parse::<u64>() {
            Ok(n) => T::deserialize(U64Deserializer::<Error>::new(n)),
            Err(_) => Err(e),
        }
    });
    *slot = Some(parsed.map_err(|e| env_error(name, e.to_string()))?);
    Ok(())
}

/// Sets `slot` to the colon-separated list in `$name` (like `PATH`), if set.
fn list_var<T: for<'de> Deserialize<'de>>(
    slot: &mut Option<T>,
    env: Env,
    name: &'static str,
) -> Result<(), ConfigError> {
    use serde::de::value::{Error, SeqDeserializer};
    let Some(raw) = env_text(env, name)? else {
        return Ok(());
    };
    let parsed = T::deserialize(SeqDeserializer::<_, Error>::new(raw.split(':')));
    *slot = Some(parsed.map_err(|e| env_error(name, e.to_string()))?);
    Ok(())
}

/// The text of `$name`, if set.
fn env_text(env: Env, name: &'static str) -> Result<Option<String>, ConfigError> {
    env(name)
        .map(|raw| {
            raw.into_string()
                .map_err(|_| env_error(name, "not valid UTF-8".into()))
        })
        .transpose()
}

fn env_error(var: &'static str, message: String) -> ConfigError {
    let key = ENV.iter().find(|(v, _)| *v == var).map_or("?", |(_, k)| k);
    ConfigError::Env { var, key, message }
}

/// The default locations, in the order they are tried: the user's, then the system's.
fn default_files(env: Env, system: &Path) -> Vec<PathBuf> {
    let user = env("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| env("HOME").map(|h| PathBuf::from(h).join(".config")));
    user.map(|d| d.join("trace").join("config.toml"))
        .into_iter()
        .chain([system.to_path_buf()])
        .collect()
}

#[cfg(test)]
mod tests;
