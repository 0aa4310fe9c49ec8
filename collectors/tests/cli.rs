//! The collector's command line as a user meets it: the printed example config is valid and
//! is trace's, a typo in a config file is an error naming file, line and key, settings come
//! from flag > environment > file > default, and a missing store is explained.

use std::path::Path;
use std::process::{Command, Output};

/// Runs the collector with no configuration but what the test gives: the user's and the
/// system's default files are out of reach (`XDG_CONFIG_HOME` is `home`).
fn collector(home: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_trace-collector"));
    cmd.args(args)
        .env("XDG_CONFIG_HOME", home)
        .env("HOME", home);
    for var in ["TRACE_STORE", "TRACE_CONFIG", "TRACE_COLLECTOR_MODE"] {
        cmd.env_remove(var);
    }
    cmd.envs(env.iter().copied()).output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn config_errors_name_the_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let out = collector(dir.path(), &["--print-config"], &[]);
    assert!(out.status.success());
    assert_eq!(out.stdout, trace::config::EXAMPLE.as_bytes());
    let good = dir.path().join("good.toml");
    std::fs::write(&good, &out.stdout).unwrap();
    let c = trace::config::Config::load(Some(&good), &|_| None).unwrap();
    assert_eq!(
        c.collector.read_watch.unwrap().0,
        trace_collector::live::DEFAULT_READ_WATCH,
        "the example's watch list is the built-in one"
    );

    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[store]\nroot = \"/tmp/x\"\n[collector]\nintervall_ms = 5\n",
    )
    .unwrap();
    let out = collector(dir.path(), &["--config", bad.to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("bad.toml:4: collector.intervall_ms: unknown key"),
        "{err}"
    );
    std::fs::write(&bad, "[collector]\nflush_ms = \"1s\"\n").unwrap();
    let out = collector(dir.path(), &["--config", bad.to_str().unwrap()], &[]);
    assert!(
        stderr(&out).contains("bad.toml:2: collector.flush_ms: invalid type"),
        "{}",
        stderr(&out)
    );

    let missing = dir.path().join("missing.toml");
    let out = collector(dir.path(), &["--config", missing.to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("missing.toml (given by --config) does not exist"));

    let out = collector(dir.path(), &["--duration", "0.1"], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no store"), "{}", stderr(&out));
}

#[test]
fn flag_over_environment_over_file() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("c.toml");
    let from_file = dir.path().join("from-file");
    let from_env = dir.path().join("from-env");
    let from_cli = dir.path().join("from-cli");
    std::fs::write(
        &cfg,
        format!(
            "[store]\nroot = {:?}\n[collector]\nmode = \"ebpf\"\n",
            from_file.to_str().unwrap()
        ),
    )
    .unwrap();
    let cfg = cfg.to_str().unwrap();
    // The file's store, and the environment's mode over the file's (ebpf would fail unprivileged).
    let out = collector(
        dir.path(),
        &["--duration", "0.3"],
        &[("TRACE_CONFIG", cfg), ("TRACE_COLLECTOR_MODE", "procfs")],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("procfs mode"), "{}", stderr(&out));
    assert!(
        from_file.join("trace-store.json").exists(),
        "store from the file"
    );
    // TRACE_STORE over the file; --store over TRACE_STORE.
    let out = collector(
        dir.path(),
        &["--config", cfg, "--mode", "procfs", "--duration", "0.3"],
        &[("TRACE_STORE", from_env.to_str().unwrap())],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        from_env.join("trace-store.json").exists(),
        "store from the environment"
    );
    let out = collector(
        dir.path(),
        &[
            "--config",
            cfg,
            "--store",
            from_cli.to_str().unwrap(),
            "--mode",
            "procfs",
            "--duration",
            "0.3",
        ],
        &[("TRACE_STORE", dir.path().join("unused").to_str().unwrap())],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        from_cli.join("trace-store.json").exists(),
        "store from the flag"
    );
    assert!(!dir.path().join("unused").exists());
    // The default location is read when present.
    std::fs::create_dir_all(dir.path().join("trace")).unwrap();
    std::fs::copy(cfg, dir.path().join("trace/config.toml")).unwrap();
    let out = collector(
        dir.path(),
        &["--duration", "0.3"],
        &[("TRACE_COLLECTOR_MODE", "procfs")],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("into {}", from_file.display())),
        "{}",
        stderr(&out)
    );
}
