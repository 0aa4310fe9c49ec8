//! docs/man/trace-collector.1 and docs/completions/*trace-collector* are what the collector
//! prints (`--print-man`, `--print-completions`); regenerate them with scripts/gen-docs.sh.

use std::process::Command;

fn printed(args: &[&str]) -> Vec<u8> {
    let out = Command::new(env!("CARGO_BIN_EXE_trace-collector"))
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "{args:?}");
    out.stdout
}

fn committed(path: &str) -> Vec<u8> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(path);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn man_page_and_completions_are_current() {
    let man = printed(&["--print-man"]);
    assert!(String::from_utf8_lossy(&man).contains("\\-\\-flush\\-ms"));
    assert!(
        man == committed("docs/man/trace-collector.1"),
        "docs/man/trace-collector.1 is out of date: scripts/gen-docs.sh"
    );
    for (shell, file) in [
        ("bash", "trace-collector.bash"),
        ("zsh", "_trace-collector"),
        ("fish", "trace-collector.fish"),
        ("elvish", "trace-collector.elv"),
        ("powershell", "_trace-collector.ps1"),
    ] {
        let script = printed(&["--print-completions", shell]);
        let text = String::from_utf8_lossy(&script);
        for option in ["store", "config", "mode", "interval-ms", "print-config"] {
            // fish names long options with `-l NAME`, the others as `--NAME`.
            let spelled = match shell {
                "fish" => format!("-l {option}"),
                _ => format!("--{option}"),
            };
            assert!(text.contains(&spelled), "{shell}: {spelled}");
        }
        assert!(
            script == committed(&format!("docs/completions/{file}")),
            "docs/completions/{file} is out of date: scripts/gen-docs.sh"
        );
    }
}
