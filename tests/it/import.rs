//! `trace import` as a user runs it: real fixtures of other tools, re-imports, bad input, and
//! one story across two sources (testdata/import/cross).

use std::path::Path;

use serde_json::Value;

use crate::common::*;

fn data(rel: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(rel)
        .display()
        .to_string()
}

fn events(store: &Path) -> i64 {
    int(&engine(store), "SELECT count(*) FROM events", &[])
}

#[test]
fn one_story_crosses_tetragon_and_auditd() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s");
    let o = trace(
        &store,
        &["import", &data("import/cross/tetragon-web.jsonl")],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("tetragon, 5 records"), "{}", stderr(&o));
    let log = data("import/cross/audit-db-01.log");
    let o = trace(&store, &["import", "--host", "db-01", &log]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let s: Value = serde_json::from_str(&ok(trace(
        &store,
        &["story", "7d3f9e1c", "--format", "json", "--depth", "2"],
    )))
    .unwrap();
    assert_eq!(s["container"]["pod"], "web-5d9c7b6f4-x2x7q");
    assert_eq!(s["container"]["image"], "registry.example/shop/web:2.3.1");
    let argvs: Vec<String> = s["processes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["exe"].as_str().unwrap_or("").to_string())
        .collect();
    assert!(argvs.iter().any(|e| e == "/usr/bin/psql"), "{argvs:?}");
    let pivots = s["pivots"].as_array().unwrap();
    let to_db = pivots
        .iter()
        .find(|p| p["kind"] == "flow" && p["host"]["host_id"] == "db-01")
        .unwrap_or_else(|| panic!("no flow pivot to db-01: {pivots:#?}"));
    let reason = to_db["reason"].as_str().unwrap();
    assert!(reason.contains("10.244.1.17:41234"), "{reason}");
    assert!(reason.contains("postgres"), "{reason}");
    // The accepting side, from auditd alone: postgres, its backend, the backend's sh and
    // curl, and curl's connection out (lineage through fork and exec by pid incarnation).
    let db: Value = serde_json::from_str(&ok(trace(
        &store,
        &[
            "story", "--host", "db-01", "--pid", "812", "--format", "json",
        ],
    )))
    .unwrap();
    let exes: Vec<&str> = db["processes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["exe"].as_str())
        .collect();
    for exe in [
        "/usr/lib/postgresql/15/bin/postgres",
        "/usr/bin/dash",
        "/usr/bin/curl",
    ] {
        assert!(exes.contains(&exe), "{exe} not in {exes:?}");
    }
    let curl = db["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "net_connect")
        .unwrap_or_else(|| panic!("no connect on db-01: {:#?}", db["timeline"]));
    assert!(
        curl["summary"].as_str().unwrap().contains("203.0.113.9:80"),
        "{curl}"
    );
}

#[test]
fn a_short_container_id_joins_the_full_one_the_store_knows() {
    // Tetragon names the container by its full id; a Laurel log of the same node names it
    // by the 12-digit form: after both imports, one story holds both sources' processes.
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s");
    let o = trace(
        &store,
        &["import", &data("import/cross/tetragon-web.jsonl")],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let laurel = dir.path().join("laurel.log");
    std::fs::write(
        &laurel,
        concat!(
            r#"{"ID":"1733212803.400:77","SYSCALL":{"arch":"0xc000003e","syscall":59,"#,
            r#""success":"yes","exit":0,"ppid":1,"pid":31337,"uid":0,"comm":"nc","#,
            r#""exe":"/usr/bin/nc","key":null},"EXECVE":{"argc":3,"#,
            r#""ARGV":["nc","-e","/bin/sh"]},"CONTAINER_INFO":{"ID":"7d3f9e1c2b4a"}}"#,
            "\n"
        ),
    )
    .unwrap();
    let o = trace(
        &store,
        &["import", "--host", "k8s-node-1", laurel.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let full = "7d3f9e1c2b4a59687f0e1d2c3b4a5968778695a4b3c2d1e0f9e8d7c6b5a49382";
    let e = engine(&store);
    let n = int(
        &e,
        "SELECT count(*) FROM events WHERE source = 'laurel' AND container_id = $1 \
         AND contains(extra, '\"container_id_recorded\":\"7d3f9e1c2b4a\"')",
        &[trace::query::Value::Text(full.into())],
    );
    assert_eq!(n, 1);
    let s: Value = serde_json::from_str(&ok(trace(
        &store,
        &["story", "7d3f9e1c", "--format", "json"],
    )))
    .unwrap();
    let exes: Vec<&str> = s["processes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["exe"].as_str())
        .collect();
    assert!(exes.contains(&"/usr/bin/nc"), "{exes:?}");
}

#[test]
fn an_eslogger_recording_is_a_story_on_a_mac_laptop() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s");
    let es = data("import/eslogger/session.jsonl");
    let o = trace(&store, &["import", "--host", "mara-mbp", &es]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("eslogger, 26 records"),
        "{}",
        stderr(&o)
    );
    assert_eq!(events(&store), 24);
    let e = engine(&store);
    let host = scalar(
        &e,
        "SELECT kind || ' ' || os || ' ' || source FROM host_records WHERE host_id = 'mara-mbp'",
        &[],
    );
    assert_eq!(host, "laptop macOS eslogger");
    // sh (pid 1306): its children mv and nohup (which execs caffeinate), by fork and exec.
    let s: Value = serde_json::from_str(&ok(trace(
        &store,
        &[
            "story", "--host", "mara-mbp", "--pid", "1306", "--format", "json",
        ],
    )))
    .unwrap();
    let exes: Vec<&str> = s["processes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["exe"].as_str())
        .collect();
    for exe in ["/bin/sh", "/bin/mv", "/usr/bin/caffeinate"] {
        assert!(exes.contains(&exe), "{exe} not in {exes:?}");
    }
    let kinds: Vec<&str> = s["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    for k in ["file_rename", "file_chmod", "file_unlink", "process_exit"] {
        assert!(kinds.contains(&k), "{k} not in {kinds:?}");
    }
}

#[test]
fn a_second_import_of_the_same_files_adds_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s");
    let tetragon = data("fixtures/tetragon");
    let o = trace(&store, &["import", "--host", "docs-node", &tetragon]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let first = events(&store);
    assert!(first >= 26, "{first}");
    let o = trace(&store, &["import", "--host", "docs-node", &tetragon]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("already imported"), "{}", stderr(&o));
    assert_eq!(events(&store), first);
    // A rotated file that overlaps: the old lines are recognised record by record.
    let src = std::fs::read_to_string(data("fixtures/tetragon/testdata/events.json")).unwrap();
    let rotated = dir.path().join("events.json.1");
    std::fs::write(&rotated, format!("{src}{src}")).unwrap();
    let o = trace(&store, &["import", rotated.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("6 already imported"), "{}", stderr(&o));
    assert_eq!(events(&store), first);
}

#[test]
fn bad_input_is_reported_by_line_and_the_exit_status_tells() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s");
    let good = std::fs::read_to_string(data("fixtures/tetragon/testdata/events.json")).unwrap();
    let mut lines: Vec<&str> = good.lines().collect();
    let cut = &lines[1][..lines[1].len() / 2];
    lines[1] = cut;
    let bad = dir.path().join("cut.json");
    std::fs::write(&bad, lines.join("\n")).unwrap();
    let o = trace(&store, &["import", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("cut.json:line 2 (byte "), "{err}");
    assert!(err.contains("truncated record"), "{err}");
    assert_eq!(events(&store), 2);
    let o = trace(&store, &["import", "--strict", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("--strict"), "{}", stderr(&o));
    // A file no importer knows, named on the command line: an error naming the formats.
    let readme = data("import/cross/README.md");
    let o = trace(&store, &["import", &readme]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("tried tetragon, auditd"),
        "{}",
        stderr(&o)
    );
    // Compressed inputs read as they are, from standard input too.
    let gz = dir.path().join("e.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut enc, good.as_bytes()).unwrap();
    std::fs::write(&gz, enc.finish().unwrap()).unwrap();
    let fresh = dir.path().join("s2");
    let o = trace_bin()
        .args(["--store", fresh.to_str().unwrap(), "import", "-"])
        .stdin(std::fs::File::open(&gz).unwrap())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(events(&fresh), 3);
    // A gzip cut short: what came before is in, and the file is not "already imported" the
    // next time (it is read again; the records taken are duplicates).
    let whole = std::fs::read(&gz).unwrap();
    let cut = dir.path().join("cut.gz");
    std::fs::write(&cut, &whole[..whole.len() * 2 / 3]).unwrap();
    let third = dir.path().join("s3");
    let o = trace(&third, &["import", cut.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("reading stopped"), "{}", stderr(&o));
    let o = trace(&third, &["import", cut.to_str().unwrap()]);
    assert!(
        !stderr(&o).contains("already imported (run"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn control_bytes_in_recorded_text_are_shown_never_sent_to_the_terminal() {
    // A container process whose argv would retitle and recolour the responder's terminal.
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s");
    let line = std::fs::read_to_string(data("import/cross/tetragon-web.jsonl")).unwrap();
    let mut v: Value = serde_json::from_str(line.lines().next().unwrap()).unwrap();
    v["process_exec"]["process"]["arguments"] =
        Value::from("-c 'echo \u{1b}]0;pwned\u{7}\u{1b}[31mred\u{1b}[2J\rdone'");
    let f = dir.path().join("esc.jsonl");
    std::fs::write(&f, format!("{v}\n")).unwrap();
    let o = trace(&store, &["import", f.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    for format in ["tree", "table", "md"] {
        let out = ok(trace(&store, &["story", "7d3f9e1c", "--format", format]));
        assert!(out.contains("pwned"), "{format}: {out}");
        assert!(
            !out.contains('\u{1b}') && !out.contains('\u{7}') && !out.contains('\r'),
            "{format} passes control bytes: {out:?}"
        );
        assert!(out.contains("␛]0;pwned␇␛[31mred"), "{format}: {out}");
    }
    let q = ok(trace(
        &store,
        &["query", "SELECT argv[3] AS a FROM process"],
    ));
    assert!(!q.contains('\u{1b}') && q.contains("␛]0;pwned␇"), "{q:?}");
    // JSON keeps the bytes as recorded (escaped by JSON itself).
    let j = ok(trace(&store, &["story", "7d3f9e1c", "--format", "json"]));
    assert!(j.contains("\\u001b]0;pwned\\u0007"), "{j}");
}

#[test]
fn windows_sysmon_evtx_and_xml_export_make_laptop_stories() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s");
    let evtx = data("fixtures/sysmon-windows/evtx-samples-sysmon.evtx");
    let xml = data("fixtures/sysmon-windows/grapl-sample_data-eventlog.xml");
    let o = trace(&store, &["import", &evtx, &xml]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("sysmon-windows, 358 records"), "{err}");
    assert!(err.contains("sysmon-windows, 554 records"), "{err}");
    assert!(
        err.contains("sysmon event 13 (RegistryEvent (value set)) 90"),
        "{err}"
    );
    let e = engine(&store);
    let hosts = column(
        &e,
        "SELECT host_id || ' ' || os || ' ' || kind FROM hosts ORDER BY host_id",
        &[],
    );
    assert_eq!(
        hosts,
        [
            "DESKTOP-2KGM189 Windows laptop",
            "DESKTOP-FVSHABR Windows laptop"
        ]
    );
    let execs =
        "SELECT count(*) FROM process WHERE source = 'sysmon-windows' AND kind = 'process_exec'";
    assert_eq!(int(&e, execs, &[]), 227 + 48);
    // The downloaded installer's story: its parent wrote the download, its children ran.
    let s: Value = serde_json::from_str(&ok(trace(
        &store,
        &[
            "story",
            "--host",
            "DESKTOP-FVSHABR",
            "--pid",
            "3696",
            "--format",
            "json",
        ],
    )))
    .unwrap();
    let exes: Vec<&str> = s["processes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["exe"].as_str())
        .collect();
    for exe in [
        r"C:\Users\grapltest\Downloads\ChromeSetup.exe",
        r"C:\Users\GRAPLT~1\AppData\Local\Temp\GUM5F89.tmp\GoogleUpdate.exe",
        r"C:\Users\GRAPLT~1\AppData\Local\Temp\GUM5F89.tmp\GoogleUpdateSetup.exe",
    ] {
        assert!(exes.contains(&exe), "{exe} not in {exes:?}");
    }
}
