//! scripts/install.sh into a temporary PREFIX, installing the binary this test run built
//! (`--no-build`): the installed trace runs, and its man pages, completions and the example
//! configuration are where man, bash-completion, zsh and fish look.

use std::process::Command;

#[test]
fn install_script_puts_trace_man_pages_and_completions_under_prefix() {
    let prefix = tempfile::tempdir().unwrap();
    let p = prefix.path();
    let out = Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/install.sh"))
        .args(["--no-build", "--no-collector"])
        .env("PREFIX", p)
        .env("TRACE_BIN", env!("CARGO_BIN_EXE_trace"))
        .output()
        .expect("run scripts/install.sh");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{err}\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let installed = p.join("bin/trace");
    let v = Command::new(&installed).arg("--version").output().unwrap();
    assert!(v.status.success());
    assert_eq!(
        String::from_utf8_lossy(&v.stdout).trim(),
        format!("trace {}", env!("CARGO_PKG_VERSION"))
    );
    for file in [
        "share/man/man1/trace.1",
        "share/man/man1/trace-story.1",
        "share/man/man1/trace-completions.1",
        "share/bash-completion/completions/trace",
        "share/zsh/site-functions/_trace",
        "share/fish/vendor_completions.d/trace.fish",
    ] {
        let path = p.join(file);
        assert!(
            std::fs::metadata(&path).is_ok_and(|m| m.len() > 0),
            "{file}"
        );
    }
    // What was installed is what the committed docs hold (the same binary wrote both).
    let committed = |f: &str| std::fs::read(format!("{}/docs/{f}", env!("CARGO_MANIFEST_DIR")));
    assert_eq!(
        std::fs::read(p.join("share/bash-completion/completions/trace")).ok(),
        committed("completions/trace.bash").ok()
    );
    assert_eq!(
        std::fs::read(p.join("share/man/man1/trace-story.1")).ok(),
        committed("man/trace-story.1").ok()
    );
    assert_eq!(
        std::fs::read_to_string(p.join("share/doc/trace/config.toml")).unwrap(),
        trace::config::EXAMPLE
    );
    assert!(!p.join("bin/trace-collector").exists(), "--no-collector");
    // An unknown option is refused before anything is done.
    let out = Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/install.sh"))
        .arg("--bogus")
        .env("PREFIX", p.join("other"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!p.join("other").exists());
}
