//! The collector's configuration file (TOML). Every key is optional; command-line options win
//! over the file, the file over the defaults. Unknown keys are errors naming the file and
//! line, so a typo never silently falls back to a default.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// `trace-collector.toml`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Store root directory.
    pub store: Option<PathBuf>,
    /// `auto`, `ebpf` or `procfs`.
    pub mode: Option<String>,
    /// Poll / drain interval, ms.
    pub interval_ms: Option<u64>,
    /// Flush at least this often, ms.
    pub flush_ms: Option<u64>,
    /// Path prefixes whose read-only opens are recorded (eBPF mode).
    pub read_watch: Option<Vec<String>>,
}

/// The defaults, as a commented file (what `--print-config` prints).
pub const DEFAULT_TOML: &str = r#"# trace-collector configuration. Command-line options override these.

# Where the Parquet store lives (created with its marker if absent).
store = "/var/lib/trace/store"

# auto: eBPF when it loads, else polling /proc (and say why); ebpf: fail instead of falling
# back; procfs: poll /proc only (no privileges or BTF needed; misses very short processes).
mode = "auto"

# How often /proc is polled (procfs) or the kernel ring buffer drained (ebpf), milliseconds.
interval_ms = 100

# Buffered events are written to the store at least this often, milliseconds.
flush_ms = 1000

# eBPF mode records opens for writing always, and read-only opens of paths under these
# prefixes (credentials, keys, secrets) as `file_open_read`. Absolute, at least 8 bytes each.
read_watch = [
    "/etc/shadow", "/etc/gshadow", "/etc/sudoers", "/etc/ssh/ssh_host_", "/etc/ssl/private/",
    "/etc/kubernetes/", "/root/.ssh/", "/root/.aws/", "/root/.kube/", "/root/.docker/",
    "/var/run/secrets/", "/run/secrets/", "/var/lib/kubelet/pki/",
]
"#;

/// Reads and checks a config file; errors name the file and, for syntax and unknown keys,
/// the line.
pub fn load(path: &Path) -> Result<Config, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    parse(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Parses config text.
pub fn parse(text: &str) -> Result<Config, String> {
    let c: Config = toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        match line {
            Some(l) => format!("line {l}: {}", e.message()),
            None => e.message().to_string(),
        }
    })?;
    if let Some(m) = &c.mode
        && !["auto", "ebpf", "procfs"].contains(&m.as_str())
    {
        return Err(format!("mode = \"{m}\": expected auto, ebpf or procfs"));
    }
    for w in c.read_watch.iter().flatten() {
        if !w.starts_with('/') || w.len() < 8 {
            return Err(format!(
                "read_watch: \"{w}\": expected an absolute path prefix of at least 8 bytes"
            ));
        }
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_defaults_parse() {
        let c = parse(DEFAULT_TOML).unwrap();
        assert_eq!(c.mode.as_deref(), Some("auto"));
        assert_eq!(c.interval_ms, Some(100));
        assert_eq!(c.flush_ms, Some(1000));
        assert_eq!(c.store, Some(PathBuf::from("/var/lib/trace/store")));
        // The documented watch list is the built-in one.
        let builtin: Vec<String> = crate::live::DEFAULT_READ_WATCH
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(c.read_watch, Some(builtin));
        // The shipped example file is the same text.
        let shipped = include_str!("../dist/trace-collector.toml");
        assert_eq!(parse(shipped).unwrap(), c);
    }

    #[test]
    fn typos_and_bad_values_name_the_line() {
        let e = parse("mode = \"auto\"\nflush_msec = 10\n").unwrap_err();
        assert!(e.starts_with("line 2:") && e.contains("flush_msec"), "{e}");
        let e = parse("mode = \"fast\"\n").unwrap_err();
        assert!(e.contains("expected auto, ebpf or procfs"), "{e}");
        let e = parse("read_watch = [\"/etc\"]\n").unwrap_err();
        assert!(e.contains("at least 8 bytes"), "{e}");
        let e = parse("interval_ms = \"100\"\n").unwrap_err();
        assert!(e.starts_with("line 1:"), "{e}");
        assert_eq!(parse("").unwrap(), Config::default());
    }
}
