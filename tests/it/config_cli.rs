//! The configuration file as `trace` reads it: the store comes from --store, else
//! $TRACE_STORE, else the file's [store] root, else the default; the file is --config, else
//! $TRACE_CONFIG, else $XDG_CONFIG_HOME/trace/config.toml; an explicit file must exist, a
//! default one need not; bad files are errors naming file, line and key.

use std::path::Path;
use std::process::{Command, Output};

use crate::common::{demo_store, stderr, stdout};

/// `trace hosts --format csv` with only the environment the test gives (HOME and
/// XDG_CONFIG_HOME in `home`, so no user's file is read).
fn hosts(home: &Path, args: &[&str], env: &[(&str, &Path)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_trace"));
    cmd.args(args)
        .args(["hosts", "--format", "csv"])
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("xdg"));
    for var in trace::config::ENV
        .map(|e| e.0)
        .into_iter()
        .chain(["TRACE_CONFIG"])
    {
        cmd.env_remove(var);
    }
    cmd.envs(env.iter().copied()).output().expect("run trace")
}

/// The store a failed run says it looked for (`no trace store at DIR: …`).
fn looked_at(o: &Output) -> String {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    err.split("no trace store at ")
        .nth(1)
        .and_then(|s| s.split(':').next())
        .unwrap_or_else(|| panic!("{err}"))
        .to_string()
}

#[test]
fn the_store_comes_from_flag_then_environment_then_file() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let file = h.join("config.toml");
    std::fs::write(&file, "[store]\nroot = \"from-file\"\n").unwrap();
    let from_file = h.join("from-file");
    let from_env = h.join("from-env");
    let from_flag = h.join("from-flag");
    let cfg = file.to_str().unwrap();

    // The file's root, relative to the file's directory.
    let o = hosts(h, &["--config", cfg], &[]);
    assert_eq!(looked_at(&o), from_file.display().to_string());
    // $TRACE_STORE over the file.
    let o = hosts(h, &["--config", cfg], &[("TRACE_STORE", &from_env)]);
    assert_eq!(looked_at(&o), from_env.display().to_string());
    // --store over $TRACE_STORE.
    let flag = from_flag.to_str().unwrap();
    let o = hosts(
        h,
        &["--config", cfg, "--store", flag],
        &[("TRACE_STORE", &from_env)],
    );
    assert_eq!(looked_at(&o), from_flag.display().to_string());
    // $TRACE_CONFIG names the file as --config does.
    let o = hosts(h, &[], &[("TRACE_CONFIG", &file)]);
    assert_eq!(looked_at(&o), from_file.display().to_string());
    // No file anywhere: the default store under the data directory.
    let o = hosts(h, &[], &[]);
    assert!(looked_at(&o).ends_with("trace/store"), "{}", stderr(&o));
    // The user's file, found without being named; it points at a real store.
    std::fs::create_dir_all(h.join("xdg/trace")).unwrap();
    std::fs::write(
        h.join("xdg/trace/config.toml"),
        format!("[store]\nroot = {:?}\n", demo_store().to_str().unwrap()),
    )
    .unwrap();
    let o = hosts(h, &[], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout(&o).lines().count(),
        6,
        "a header and the demo's 5 hosts"
    );
}

#[test]
fn bad_and_missing_files_are_errors_naming_them() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let missing = h.join("missing.toml");
    let o = hosts(h, &["--config", missing.to_str().unwrap()], &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains(&format!(
            "{} (given by --config) does not exist",
            missing.display()
        )),
        "{}",
        stderr(&o)
    );
    let o = hosts(h, &[], &[("TRACE_CONFIG", &missing)]);
    assert!(
        stderr(&o).contains("(given by $TRACE_CONFIG) does not exist"),
        "{}",
        stderr(&o)
    );

    let bad = h.join("bad.toml");
    std::fs::write(
        &bad,
        "# trace\n[store]\nroot = \"/srv/trace\"\nretention = \"90d\"\n",
    )
    .unwrap();
    let o = hosts(h, &["--config", bad.to_str().unwrap()], &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains(&format!(
            "{}:4: store.retention: unknown key `retention`",
            bad.display()
        )),
        "{}",
        stderr(&o)
    );
    std::fs::write(&bad, "[store]\nroot = 42\n").unwrap();
    let o = hosts(h, &["--config", bad.to_str().unwrap()], &[]);
    assert!(
        stderr(&o).contains(&format!(
            "{}:2: store.root: invalid type: integer `42`",
            bad.display()
        )),
        "{}",
        stderr(&o)
    );
    // A bad override in the environment names the variable.
    let o = hosts(h, &[], &[("TRACE_PRUNE_MAX_SIZE", Path::new("lots"))]);
    assert!(
        stderr(&o).contains("$TRACE_PRUNE_MAX_SIZE (overrides prune.max_size)"),
        "{}",
        stderr(&o)
    );
    // Completions and man pages need no configuration, even a broken one.
    let o = Command::new(env!("CARGO_BIN_EXE_trace"))
        .args(["--config", bad.to_str().unwrap(), "completions", "bash"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
}
