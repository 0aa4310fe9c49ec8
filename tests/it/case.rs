//! `trace case` and `trace verify case/` as a responder runs them on the demo intrusion: the
//! bundle holds the story in every format and exactly the rows it rests on, each traceable to
//! its store file, row and seal; the same case from a compacted store holds the same rows;
//! verify names an altered byte, a removed file, an added file, a rewritten description, a
//! replaced bundle (by its digest) and a journal copy cut short; a source file altered in the
//! store after sealing makes the case exit 4.

use std::fs;
use std::path::{Path, PathBuf};

use trace::query::Value;

use crate::common::*;

const INTRUSION: &str = "3f2a9c41e7b0";

fn make(store: &Path, out: &Path) -> String {
    ok(trace(
        store,
        &["case", INTRUSION, "-o", out.to_str().unwrap()],
    ))
}

fn text(p: &Path) -> Value {
    Value::Text(p.to_string_lossy().into_owned())
}

fn verify(dir: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["verify", dir.to_str().unwrap()];
    args.extend_from_slice(extra);
    trace(demo_store(), &args)
}

/// Rewrites SHA256SUMS over the bundle as it now is (what someone covering their tracks does).
fn resum(dir: &Path) {
    let o = std::process::Command::new("sh")
        .arg("-c")
        .arg("find . -type f ! -name SHA256SUMS | sed 's|^\\./||' | sort | xargs sha256sum > SHA256SUMS")
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn a_case_holds_the_story_and_exactly_the_rows_it_rests_on() {
    let dir = tempfile::tempdir().unwrap();
    let case = dir.path().join("case-4711");
    let out = make(demo_store(), &case);
    let digest = out
        .lines()
        .find_map(|l| l.strip_prefix("digest: "))
        .expect("a digest line")
        .to_string();
    for f in [
        "story.txt",
        "story-table.txt",
        "story.json",
        "story.md",
        "story.dot",
        "story.html",
        "events.parquet",
        "case.duckdb",
        "case.json",
        "SHA256SUMS",
        "store/_seal/journal.jsonl",
        "store/_seal/head.json",
    ] {
        assert!(case.join(f).is_file(), "{f} missing: {out}");
    }
    // No temporary, hidden or write-ahead file is left in or beside the bundle.
    let names: Vec<String> = walkdir::WalkDir::new(dir.path())
        .min_depth(1)
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !names
            .iter()
            .any(|n| n.starts_with('.') || n.ends_with(".wal")),
        "{names:?}"
    );
    // coreutils agrees with the list.
    let o = std::process::Command::new("sha256sum")
        .args(["-c", "--quiet", "SHA256SUMS"])
        .current_dir(&case)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
    // The story is the one `trace story` tells.
    let story = ok(trace(
        demo_store(),
        &["story", INTRUSION, "--format", "json"],
    ));
    assert_eq!(fs::read_to_string(case.join("story.json")).unwrap(), story);

    // The rows: the container's events and its ancestors' process events, each once.
    let e = engine(demo_store());
    let events = text(&case.join("events.parquet"));
    let n = |sql: &str| int(&e, sql, std::slice::from_ref(&events));
    let container = int(
        &e,
        "SELECT count(*) FROM events WHERE starts_with(container_id, $1)",
        &[Value::Text(INTRUSION.into())],
    );
    assert!(container > 1000, "{container}");
    assert_eq!(
        n("SELECT count(*) FROM read_parquet($1) WHERE starts_with(container_id, '3f2a9c41e7b0')"),
        container
    );
    let outside = n("SELECT count(*) FROM read_parquet($1) WHERE container_id IS NULL");
    assert!(outside > 0, "the lineage into the host is in the case");
    assert_eq!(
        n(
            "SELECT count(*) FROM read_parquet($1) WHERE container_id IS NULL AND family <> 'process'"
        ),
        0
    );
    assert_eq!(
        n("SELECT count(*) FROM (SELECT DISTINCT source_file, source_row FROM read_parquet($1))"),
        container + outside
    );
    // Every row is the row its store file holds at that number.
    let files: Vec<Value> = column(
        &e,
        "SELECT DISTINCT source_file FROM read_parquet($1) ORDER BY 1",
        std::slice::from_ref(&events),
    )
    .into_iter()
    .map(|f| text(&demo_store().join(f)))
    .collect();
    let store = format!("{}/", demo_store().display());
    let mismatched = int(
        &e,
        "WITH s AS (SELECT * FROM read_parquet($2, filename = true, file_row_number = true,
                        union_by_name = true))
         SELECT count(*) FROM read_parquet($1) c LEFT JOIN s
           ON s.filename = $3 || c.source_file AND s.file_row_number = c.source_row
          AND s.time = c.time AND s.time_nanos IS NOT DISTINCT FROM c.time_nanos
          AND s.kind = c.kind AND s.process_key IS NOT DISTINCT FROM c.process_key
         WHERE s.filename IS NULL",
        &[events.clone(), Value::List(files), Value::Text(store)],
    );
    assert_eq!(mismatched, 0);
    // case.json: every source sealed, found as sealed, rows adding up.
    let m: serde_json::Value =
        serde_json::from_slice(&fs::read(case.join("case.json")).unwrap()).unwrap();
    let sources = m["sources"].as_array().unwrap();
    assert!(!sources.is_empty());
    let mut rows = 0;
    for s in sources {
        assert_eq!(s["sha256"], s["sealed"]["sha256"], "{s}");
        rows += s["rows"].as_i64().unwrap();
    }
    assert_eq!(rows, container + outside);
    assert_eq!(m["store"]["head"]["hash"].as_str().unwrap().len(), 64);
    // case.duckdb: the same rows, the host's and container's records, the host's loss.
    let db = duckdb::Connection::open(case.join("case.duckdb")).unwrap();
    let count = |sql: &str| -> i64 { db.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(count("SELECT count(*) FROM events"), container + outside);
    assert!(count("SELECT count(*) FROM host_records") > 0);
    assert!(
        count(
            "SELECT count(*) FROM container_records WHERE starts_with(container_id, '3f2a9c41e7b0')"
        ) > 0
    );
    count("SELECT count(*) FROM loss");
    drop(db);

    // Intact, also against the recorded digest; refused over an existing case.
    let o = verify(&case, &["--expect-digest", &digest]);
    assert!(
        stdout(&o).contains(": intact case of container 3f2a9c41e7b0"),
        "{}",
        stderr(&o)
    );
    assert!(o.status.success());
    let o = trace(
        demo_store(),
        &["case", INTRUSION, "-o", case.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("exists and is not empty"),
        "{}",
        stderr(&o)
    );
    ok(trace_bin()
        .args(["verify", case.to_str().unwrap()])
        .output()
        .unwrap());
}

#[test]
fn a_case_from_the_compacted_store_holds_the_same_rows() {
    let dir = tempfile::tempdir().unwrap();
    let (raw, compacted) = (dir.path().join("raw"), dir.path().join("compacted"));
    make(demo_store(), &raw);
    let full: &PathBuf = &crate::compact::stores().1;
    make(full, &compacted);
    let e = engine(demo_store());
    let diff =
        |a: &Path, b: &Path| {
            int(
            &e,
            "SELECT count(*) FROM (SELECT * EXCLUDE (source_file, source_row) FROM read_parquet($1)
              EXCEPT ALL SELECT * EXCLUDE (source_file, source_row) FROM read_parquet($2))",
            &[text(&a.join("events.parquet")), text(&b.join("events.parquet"))],
        )
        };
    assert_eq!(diff(&raw, &compacted), 0);
    assert_eq!(diff(&compacted, &raw), 0);
    let s = |d: &Path| fs::read_to_string(d.join("story.json")).unwrap();
    assert_eq!(s(&raw), s(&compacted));
    ok(trace(full, &["verify", compacted.to_str().unwrap()]));
}

/// Each way a bundle can be altered, on its own copy: (what is done, what verify says).
#[test]
fn verify_names_each_alteration_of_a_case() {
    let dir = tempfile::tempdir().unwrap();
    let pristine = dir.path().join("pristine");
    let out = make(demo_store(), &pristine);
    let digest = out
        .lines()
        .find_map(|l| l.strip_prefix("digest: "))
        .unwrap()
        .to_string();
    type Alter = fn(&Path);
    let cases: [(&str, Alter, &[&str]); 6] = [
        (
            "byte",
            |d| {
                let p = d.join("events.parquet");
                let mut b = fs::read(&p).unwrap();
                b[100] ^= 1;
                fs::write(&p, b).unwrap();
            },
            &["altered: events.parquet (listed sha256 "],
        ),
        (
            "removed",
            |d| fs::remove_file(d.join("story.md")).unwrap(),
            &["missing: story.md (listed in SHA256SUMS)"],
        ),
        (
            "added",
            |d| fs::write(d.join("notes.txt"), "planted").unwrap(),
            &["added: notes.txt (not listed in SHA256SUMS)"],
        ),
        (
            // case.json says a source was sealed otherwise, SHA256SUMS rewritten to match.
            "manifest",
            |d| {
                let p = d.join("case.json");
                let mut m: serde_json::Value =
                    serde_json::from_slice(&fs::read(&p).unwrap()).unwrap();
                m["sources"][0]["sealed"]["sha256"] = "0".repeat(64).into();
                m["sources"][0]["sha256"] = "0".repeat(64).into();
                fs::write(&p, serde_json::to_vec_pretty(&m).unwrap()).unwrap();
                resum(d);
            },
            &[
                "case.json: source ",
                "the journal copy's entry",
                "digest: the case's digest is",
            ],
        ),
        (
            // Rows taken out of events.parquet and everything re-listed.
            "rows",
            |d| {
                let p = d.join("events.parquet");
                let e = engine(demo_store());
                let tmp = d.join("fewer.parquet");
                e.query(
                    "COPY (SELECT * FROM read_parquet($1) WHERE family <> 'network') TO $2 (FORMAT parquet)",
                    &[text(&p), text(&tmp)],
                )
                .unwrap();
                fs::rename(&tmp, &p).unwrap();
                resum(d);
            },
            &["case.json: lists ", "digest: the case's digest is"],
        ),
        (
            // The journal copy cut short by its last entry.
            "journal",
            |d| {
                let p = d.join("store/_seal/journal.jsonl");
                let t = fs::read_to_string(&p).unwrap();
                let mut lines: Vec<&str> = t.lines().collect();
                lines.pop();
                fs::write(&p, lines.join("\n") + "\n").unwrap();
                resum(d);
            },
            &[
                "journal copy (store/): head: the head names entry",
                "digest: the case's digest is",
            ],
        ),
    ];
    for (name, alter, expect) in cases {
        let d = dir.path().join(name);
        copy_dir(&pristine, &d);
        alter(&d);
        let o = verify(&d, &["--expect-digest", &digest]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(4), "{name}: {err}");
        for want in expect {
            assert!(err.contains(want), "{name}: wants {want:?} in:\n{err}");
        }
    }
}

#[test]
fn a_source_altered_after_sealing_makes_the_case_exit_4() {
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path().join("s");
    copy_dir(demo_store(), &s);
    let case = dir.path().join("case");
    make(&s, &case);
    let m: serde_json::Value =
        serde_json::from_slice(&fs::read(case.join("case.json")).unwrap()).unwrap();
    let source = s.join(m["sources"][0]["path"].as_str().unwrap());
    // Rewritten with one value changed: the file still reads, its digest no longer matches
    // its seal.
    let e = engine(demo_store());
    let tmp = dir.path().join("rewritten.parquet");
    e.query(
        "COPY (SELECT * REPLACE (CAST(NULL AS VARCHAR) AS user_name)
               FROM read_parquet($1, hive_partitioning = false)) TO $2 (FORMAT parquet)",
        &[text(&source), text(&tmp)],
    )
    .unwrap();
    fs::rename(&tmp, &source).unwrap();
    let again = dir.path().join("again");
    let o = trace(&s, &["case", INTRUSION, "-o", again.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert!(stderr(&o).contains("sealed as"), "{}", stderr(&o));
    assert!(
        again.join("SHA256SUMS").is_file(),
        "the case is still written"
    );
}
