use std::collections::HashMap;
use std::ffi::OsString;
use std::time::Duration;

use super::*;

/// An environment made of `vars`.
fn env_of(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> + use<> {
    let map: HashMap<String, OsString> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), OsString::from(v)))
        .collect();
    move |name| map.get(name).cloned()
}

fn no_env(_: &str) -> Option<OsString> {
    None
}

fn err_of(text: &str) -> String {
    Config::parse(text, Path::new("/etc/trace/config.toml"))
        .unwrap_err()
        .to_string()
}

#[test]
fn the_example_parses_to_what_it_says() {
    let c = Config::parse(EXAMPLE, Path::new("dist/config.toml")).unwrap();
    assert_eq!(c.store.root, Some(PathBuf::from("/var/lib/trace/store")));
    assert_eq!(c.export.format, Some(ExportFormat::OcsfJsonl));
    assert_eq!(
        c.export.destination,
        Some(PathBuf::from("/var/spool/trace/export"))
    );
    assert_eq!(
        c.export.state,
        Some(PathBuf::from("/var/lib/trace/export-state.json"))
    );
    assert_eq!(c.export.settle, Some(Age(Duration::from_secs(300))));
    assert_eq!(
        c.prune.older_than,
        Some(Age(Duration::from_secs(90 * 86_400)))
    );
    assert_eq!(c.prune.max_size, Some(Size(50 << 30)));
    assert_eq!(c.collector.mode, Some(CollectorMode::Auto));
    assert_eq!(c.collector.interval_ms, Some(Bounded(100)));
    assert_eq!(c.collector.flush_ms, Some(Bounded(1000)));
    assert_eq!(c.collector.read_watch.as_ref().map(|w| w.0.len()), Some(13));
    assert_eq!(c.file, Some(PathBuf::from("dist/config.toml")));
    // Every section and key of the structs is in the example (a new key gets documented).
    for key in [
        "[store]",
        "root =",
        "[export]",
        "format =",
        "destination =",
        "state =",
        "settle =",
        "[prune]",
        "older_than =",
        "max_size =",
        "[collector]",
        "mode =",
        "interval_ms =",
        "flush_ms =",
        "read_watch =",
    ] {
        assert!(EXAMPLE.contains(key), "{key}");
    }
    assert_eq!(
        Config::parse("", Path::new("x.toml")).unwrap().store,
        StoreConfig::default()
    );
}

#[test]
fn unknown_keys_name_the_file_line_and_key() {
    let e = err_of("[store]\nroot = \"/x\"\n\n[collector]\nmode = \"auto\"\nflush_msec = 10\n");
    assert!(
        e.starts_with("/etc/trace/config.toml:6: collector.flush_msec: unknown key `flush_msec`"),
        "{e}"
    );
    assert!(e.contains("interval_ms"), "lists the valid keys: {e}");
    let e = err_of("[store]\nroot = \"/x\"\n[colector]\nmode = \"auto\"\n");
    assert!(
        e.starts_with("/etc/trace/config.toml:3: colector: unknown key `colector`"),
        "{e}"
    );
    let e = err_of("root = \"/x\"\n");
    assert!(
        e.starts_with("/etc/trace/config.toml:1: root: unknown key"),
        "{e}"
    );
}

#[test]
fn wrong_types_and_bad_values_name_the_line_and_key() {
    let e = err_of("[collector]\n\ninterval_ms = \"100\"\n");
    assert!(
        e.starts_with(
            "/etc/trace/config.toml:3: collector.interval_ms: invalid type: string \"100\""
        ),
        "{e}"
    );
    let e = err_of("[collector]\ninterval_ms = 5\n");
    assert!(
        e.starts_with("/etc/trace/config.toml:2: collector.interval_ms: 5 is out of range: expected 10 to 60000"),
        "{e}"
    );
    let e = err_of("[collector]\nmode = \"fast\"\n");
    assert!(
        e.starts_with("/etc/trace/config.toml:2: collector.mode:"),
        "{e}"
    );
    assert!(e.contains("auto") && e.contains("procfs"), "{e}");
    let e = err_of("[collector]\nread_watch = [\n  \"/etc/shadow\",\n  \"/etc\",\n]\n");
    assert!(
        e.starts_with("/etc/trace/config.toml:2: collector.read_watch: \"/etc\": expected"),
        "{e}"
    );
    assert!(e.contains("at least 8 bytes"), "{e}");
    let e = err_of("[export]\nformat = \"xml\"\n");
    assert!(
        e.starts_with("/etc/trace/config.toml:2: export.format:"),
        "{e}"
    );
    assert!(e.contains("ocsf-parquet") && e.contains("ecs-jsonl"), "{e}");
    let e = err_of("[prune]\nolder_than = \"3 months\"\n");
    assert!(
        e.starts_with("/etc/trace/config.toml:2: prune.older_than:"),
        "{e}"
    );
    let e = err_of("[prune]\nmax_size = \"50GB\"\n");
    assert!(
        e.starts_with("/etc/trace/config.toml:2: prune.max_size:"),
        "{e}"
    );
    let e = err_of("store = \"/var/lib/trace\"\n");
    assert!(
        e.starts_with("/etc/trace/config.toml:1: store: invalid type"),
        "{e}"
    );
    // Not TOML at all: the line, no key.
    let e = err_of("[store]\nroot = /var/lib\n");
    assert!(e.starts_with("/etc/trace/config.toml:2: "), "{e}");
}

#[test]
fn relative_paths_are_relative_to_the_file() {
    let c = Config::parse(
        "[store]\nroot = \"store\"\n[export]\nstate = \"/abs/state.json\"\n",
        Path::new("/srv/trace/config.toml"),
    )
    .unwrap();
    assert_eq!(c.store.root, Some(PathBuf::from("/srv/trace/store")));
    assert_eq!(c.export.state, Some(PathBuf::from("/abs/state.json")));
}

#[test]
fn the_environment_overrides_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("c.toml");
    std::fs::write(
        &file,
        "[store]\nroot = \"/from/file\"\n[collector]\nmode = \"ebpf\"\nflush_ms = 2000\n",
    )
    .unwrap();
    let c = Config::load_with(Some(&file), &no_env, Path::new("/nonexistent")).unwrap();
    assert_eq!(c.store.root, Some(PathBuf::from("/from/file")));
    assert_eq!(c.collector.mode, Some(CollectorMode::Ebpf));
    let env = env_of(&[
        ("TRACE_STORE", "/from/env"),
        ("TRACE_COLLECTOR_MODE", "procfs"),
        ("TRACE_COLLECTOR_READ_WATCH", "/etc/shadow:/root/.ssh/"),
    ]);
    let c = Config::load_with(Some(&file), &env, Path::new("/nonexistent")).unwrap();
    assert_eq!(c.store.root, Some(PathBuf::from("/from/env")));
    assert_eq!(c.collector.mode, Some(CollectorMode::Procfs));
    assert_eq!(
        c.collector.flush_ms,
        Some(Bounded(2000)),
        "kept from the file"
    );
    assert_eq!(
        c.collector.read_watch,
        Some(ReadWatch(vec!["/etc/shadow".into(), "/root/.ssh/".into()]))
    );
}

#[test]
fn every_variable_sets_its_key_and_is_checked() {
    let valid = [
        ("TRACE_STORE", "/s"),
        ("TRACE_EXPORT_FORMAT", "csv"),
        ("TRACE_EXPORT_DESTINATION", "/d"),
        ("TRACE_EXPORT_STATE", "/st"),
        ("TRACE_EXPORT_SETTLE", "10m"),
        ("TRACE_EXPORT_REGION", "eu-west-1"),
        ("TRACE_EXPORT_ACCOUNT_ID", "123456789012"),
        ("TRACE_PRUNE_OLDER_THAN", "30d"),
        ("TRACE_PRUNE_MAX_SIZE", "1T"),
        ("TRACE_COLLECTOR_MODE", "ebpf"),
        ("TRACE_COLLECTOR_INTERVAL_MS", "250"),
        ("TRACE_COLLECTOR_FLUSH_MS", "5000"),
        ("TRACE_COLLECTOR_READ_WATCH", "/etc/shadow"),
    ];
    assert_eq!(
        valid.map(|v| v.0),
        ENV.map(|e| e.0),
        "one case per variable"
    );
    for (var, value) in valid {
        let mut c = Config::default();
        c.apply_env(&env_of(&[(var, value)])).unwrap();
        assert_ne!(c, Config::default(), "{var} changes nothing");
    }
    let mut c = Config::default();
    c.apply_env(&env_of(&valid)).unwrap();
    assert_eq!(c.export.format, Some(ExportFormat::Csv));
    assert_eq!(c.export.account_id.as_deref(), Some("123456789012"));
    assert_eq!(c.prune.max_size, Some(Size(1 << 40)));
    assert_eq!(c.collector.interval_ms, Some(Bounded(250)));
    for (var, value, says) in [
        ("TRACE_COLLECTOR_INTERVAL_MS", "5", "out of range"),
        ("TRACE_COLLECTOR_INTERVAL_MS", "fast", "invalid type"),
        ("TRACE_COLLECTOR_MODE", "fast", "auto"),
        ("TRACE_EXPORT_FORMAT", "xml", "ocsf-jsonl"),
        ("TRACE_PRUNE_OLDER_THAN", "forever", "duration"),
        ("TRACE_COLLECTOR_READ_WATCH", "/etc/shadow:/etc", "8 bytes"),
    ] {
        let e = Config::default()
            .apply_env(&env_of(&[(var, value)]))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with(&format!("${var} (overrides ")), "{e}");
        assert!(e.contains(says), "{var}={value}: {e}");
    }
}

#[test]
fn an_explicit_file_must_exist_a_default_one_need_not() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.toml");
    let e = Config::load_with(Some(&missing), &no_env, Path::new("/nonexistent")).unwrap_err();
    assert!(
        matches!(
            e,
            ConfigError::Missing {
                origin: "--config",
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("missing.toml"), "{e}");
    let env = env_of(&[("TRACE_CONFIG", missing.to_str().unwrap())]);
    let e = Config::load_with(None, &env, Path::new("/nonexistent")).unwrap_err();
    assert!(
        e.to_string()
            .contains("(given by $TRACE_CONFIG) does not exist"),
        "{e}"
    );
    // No file anywhere: the defaults.
    let env = env_of(&[("HOME", dir.path().to_str().unwrap())]);
    let c = Config::load_with(None, &env, &dir.path().join("etc.toml")).unwrap();
    assert_eq!(c, Config::default());
}

#[test]
fn the_first_file_found_is_used() {
    let dir = tempfile::tempdir().unwrap();
    let system = dir.path().join("etc-config.toml");
    std::fs::write(&system, "[store]\nroot = \"/system\"\n").unwrap();
    let home = dir.path().join("home");
    let xdg = dir.path().join("xdg");
    let env = env_of(&[
        ("HOME", home.to_str().unwrap()),
        ("XDG_CONFIG_HOME", xdg.to_str().unwrap()),
    ]);
    let c = Config::load_with(None, &env, &system).unwrap();
    assert_eq!(c.store.root, Some(PathBuf::from("/system")));
    assert_eq!(c.file, Some(system.clone()));
    // ~/.config/trace/config.toml is not looked at when $XDG_CONFIG_HOME is set.
    std::fs::create_dir_all(home.join(".config/trace")).unwrap();
    std::fs::write(
        home.join(".config/trace/config.toml"),
        "[store]\nroot = \"/home\"\n",
    )
    .unwrap();
    let c = Config::load_with(None, &env, &system).unwrap();
    assert_eq!(c.store.root, Some(PathBuf::from("/system")));
    let home_only = env_of(&[("HOME", home.to_str().unwrap())]);
    let c = Config::load_with(None, &home_only, &system).unwrap();
    assert_eq!(c.store.root, Some(PathBuf::from("/home")));
    std::fs::create_dir_all(xdg.join("trace")).unwrap();
    std::fs::write(xdg.join("trace/config.toml"), "[store]\nroot = \"/xdg\"\n").unwrap();
    let c = Config::load_with(None, &env, &system).unwrap();
    assert_eq!(c.store.root, Some(PathBuf::from("/xdg")));
    // A broken file found at a default location is an error, not skipped.
    std::fs::write(xdg.join("trace/config.toml"), "[store]\nrot = \"/xdg\"\n").unwrap();
    let e = Config::load_with(None, &env, &system)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("trace/config.toml:2: store.rot: unknown key"),
        "{e}"
    );
}
