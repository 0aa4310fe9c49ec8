//! The collector's command line as a user meets it: the printed default config is valid, a
//! typo in a config file is an error naming file and line, and a missing store is explained.

use std::process::Command;

fn collector(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_trace-collector"))
        .args(args)
        .env_remove("TRACE_STORE")
        .output()
        .unwrap()
}

#[test]
fn config_errors_name_the_file_and_line() {
    let out = collector(&["--print-config"]);
    assert!(out.status.success());
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.toml");
    std::fs::write(&good, &out.stdout).unwrap();
    assert!(trace_collector::config::load(&good).is_ok());

    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "store = \"/tmp/x\"\nintervall_ms = 5\n").unwrap();
    let out = collector(&["--config", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.toml: line 2:") && err.contains("intervall_ms"),
        "{err}"
    );

    let out = collector(&["--duration", "0.1"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no store"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_command_line_overrides_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("c.toml");
    let from_file = dir.path().join("from-file");
    let from_cli = dir.path().join("from-cli");
    std::fs::write(
        &cfg,
        format!(
            "store = {:?}\nmode = \"procfs\"\n",
            from_file.to_str().unwrap()
        ),
    )
    .unwrap();
    let out = collector(&[
        "--config",
        cfg.to_str().unwrap(),
        "--store",
        from_cli.to_str().unwrap(),
        "--duration",
        "0.3",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("procfs mode"),
        "mode from the file"
    );
    assert!(
        from_cli.join("trace-store.json").exists(),
        "store from the command line"
    );
    assert!(!from_file.exists());
}
