//! docs/schema.md documents exactly the schema: every family's table lists its columns, types
//! and OCSF names in order. On a mismatch the expected table is printed to paste in.

use arrow::datatypes::DataType;
use trace::schema::{Family, column_docs};

fn type_name(t: &DataType) -> String {
    match t {
        DataType::Timestamp(_, _) => "timestamp".into(),
        DataType::Utf8 => "string".into(),
        DataType::List(f) => format!("list<{}>", type_name(f.data_type())),
        other => other.to_string().to_lowercase(),
    }
}

/// The markdown table docs/schema.md must contain for `family`.
pub fn expected_table(family: Family) -> String {
    let schema = family.schema();
    let mut s =
        String::from("| column | type | null | OCSF | description |\n|---|---|---|---|---|\n");
    for (field, doc) in schema.fields().iter().zip(column_docs(family)) {
        s.push_str(&format!(
            "| `{}` | `{}` | {} | `{}` | {} |\n",
            field.name(),
            type_name(field.data_type()),
            if field.is_nullable() { "yes" } else { "no" },
            doc.ocsf,
            doc.description
        ));
    }
    s
}

#[test]
fn schema_md_matches_the_arrow_schema() {
    let md = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/schema.md"))
        .expect("docs/schema.md");
    let mut wrong = Vec::new();
    for f in Family::ALL {
        let section = format!("### `{}`\n\n{}", f.name(), expected_table(f));
        if !md.contains(&section) {
            wrong.push(section);
        }
    }
    assert!(
        wrong.is_empty(),
        "docs/schema.md is out of date; expected these sections:\n\n{}",
        wrong.join("\n")
    );
    assert!(md.contains(&format!(
        "schema version **{}**",
        trace::schema::SCHEMA_VERSION
    )));
}

/// The files under `dir` whose names `keep` accepts, with their contents, sorted by name.
fn committed(dir: &str, keep: impl Fn(&str) -> bool) -> Vec<(String, Vec<u8>)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter_map(|p| {
            let name = p.file_name()?.to_str()?.to_string();
            keep(&name).then(|| (name, std::fs::read(&p).unwrap()))
        })
        .collect();
    files.sort();
    files
}

const REGENERATE: &str = "regenerate them with scripts/gen-docs.sh";

/// docs/man holds exactly the pages `trace man` writes (the collector's page is checked by
/// the collector's tests).
#[test]
fn man_pages_are_current() {
    let pages = trace::cli::docs::man_pages().unwrap();
    let names: Vec<&str> = pages.iter().map(|p| p.0.as_str()).collect();
    for expected in [
        "trace.1",
        "trace-story.1",
        "trace-import.1",
        "trace-completions.1",
    ] {
        assert!(names.contains(&expected), "{expected} in {names:?}");
    }
    let trace1 = String::from_utf8(pages.iter().find(|p| p.0 == "trace.1").unwrap().1.clone());
    let trace1 = trace1.unwrap();
    assert!(trace1.contains(".TH trace 1") && trace1.contains("trace\\-story(1)"));
    let docs = committed("docs/man", |n| n != "trace-collector.1");
    let stale: Vec<&str> = pages
        .iter()
        .filter(|p| !docs.contains(p))
        .map(|p| p.0.as_str())
        .collect();
    let extra: Vec<&str> = docs
        .iter()
        .filter(|d| !pages.iter().any(|p| p.0 == d.0))
        .map(|d| d.0.as_str())
        .collect();
    assert!(
        stale.is_empty() && extra.is_empty(),
        "docs/man is out of date (differing or missing: {stale:?}; no such command: {extra:?}): {REGENERATE}"
    );
}

/// Every shell's completion names every command and a command's options, and
/// docs/completions holds exactly what `trace completions` prints.
#[test]
fn completions_are_current_and_complete_every_command() {
    let commands: Vec<String> = <trace::cli::Cli as clap::CommandFactory>::command()
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect();
    assert!(commands.len() >= 10, "{commands:?}");
    let docs = committed("docs/completions", |n| !n.contains("collector"));
    assert_eq!(
        docs.iter().map(|d| d.0.as_str()).collect::<Vec<_>>(),
        {
            let mut names: Vec<&str> = trace::cli::docs::SHELLS.iter().map(|s| s.1).collect();
            names.sort();
            names
        },
        "docs/completions: one file per shell ({REGENERATE})"
    );
    for (shell, file) in trace::cli::docs::SHELLS {
        let script = String::from_utf8(trace::cli::docs::completion(shell)).unwrap();
        for c in &commands {
            assert!(script.contains(c.as_str()), "{shell}: no {c}");
        }
        for option in ["store", "config", "max-rows-per-file", "strict"] {
            // fish names long options with `-l NAME`, the others as `--NAME`.
            let spelled = match shell {
                clap_complete::Shell::Fish => format!("-l {option}"),
                _ => format!("--{option}"),
            };
            assert!(script.contains(&spelled), "{shell}: no {spelled}");
        }
        let committed = &docs.iter().find(|d| d.0 == file).unwrap().1;
        assert!(
            committed == script.as_bytes(),
            "docs/completions/{file} is out of date: {REGENERATE}"
        );
    }
}

/// `trace completions` prints the same script as the library.
#[test]
fn the_completions_command_prints_the_script() {
    let o = crate::common::trace_bin()
        .args(["completions", "zsh"])
        .output()
        .unwrap();
    assert!(o.status.success());
    assert_eq!(
        o.stdout,
        trace::cli::docs::completion(clap_complete::Shell::Zsh)
    );
    let o = crate::common::trace_bin()
        .args(["completions", "tcsh"])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(2),
        "an unknown shell is a usage error"
    );
}
