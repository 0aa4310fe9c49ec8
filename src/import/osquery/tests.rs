//! The importer over the real fixtures (`testdata/fixtures/osquery/`: the osquery docs'
//! result-log examples and grapl's generator samples), detection, and mangled copies of
//! every fixture and sample.

use std::path::PathBuf;

use serde_json::{Value, json};

use super::super::auditd::Auditd;
use super::super::open::SNIFF_BYTES;
use super::super::testing::*;
use super::super::tetragon::Tetragon;
use super::super::{Counts, Importer, detect};
use super::*;
use crate::schema::{Detail, Event, EventKind, NetDetail, Protocol, source_process_key};

const S: i64 = 1_000_000_000;

pub(super) fn extra(e: &Event) -> Value {
    serde_json::from_str(e.extra.as_deref().expect("extra")).unwrap()
}

pub(super) fn net(e: &Event) -> &NetDetail {
    match &e.detail {
        Detail::Network(n) => n,
        d => panic!("not a network event: {d:?}"),
    }
}

pub(super) fn key(host: &str, id: &str) -> Option<String> {
    Some(source_process_key(host, SOURCE, id))
}

pub(super) fn unmapped(c: &Counts, what: &str) -> u64 {
    c.unmapped.get(what).copied().unwrap_or(0)
}

/// Every osquery fixture and hand-written sample.
pub(super) fn inputs() -> Vec<PathBuf> {
    let samples = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/import/osquery");
    let mut files = Vec::new();
    for dir in [fixture("osquery"), samples] {
        for e in walkdir::WalkDir::new(dir).sort_by_file_name() {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().to_string();
            if e.file_type().is_file() && (name.ends_with(".json") || name.ends_with(".jsonl")) {
                files.push(e.into_path());
            }
        }
    }
    files
}

#[test]
fn docs_examples_give_the_exec_and_the_connect_and_count_the_state_tables() {
    let rel = "osquery/osquery-docs-result-logs.extracted.jsonl";
    let (rows, counts) = import_fixture(&Osquery, rel);
    assert_eq!(counts.records, 8);
    assert_eq!(counts.skipped_total(), 0, "{counts:?}");
    let evs = events(&rows);
    assert_eq!(evs.len(), 2);

    let x = evs[0];
    assert_eq!(x.kind, EventKind::ProcessExec);
    assert_eq!(
        (x.host_id.as_str(), x.source.as_str()),
        ("vagrant", "osquery")
    );
    // `time` (when curl ran), not `unixTime` (when the row was logged, 9 s later).
    assert_eq!(x.time, 1_527_895_541 * S);
    let p = &x.process;
    assert_eq!(p.exe.as_deref(), Some("/usr/bin/curl"));
    assert_eq!(p.argv, ["curl", "google.com"]);
    assert_eq!(p.comm.as_deref(), Some("curl"));
    // `parent` and `cwd` are empty strings: osquery's missing values.
    assert_eq!((p.pid, p.ppid, p.cwd.as_deref()), (Some(30219), None, None));
    assert_eq!(
        (p.uid, p.euid, p.gid, p.auid),
        (Some(0), Some(0), Some(0), Some(1000))
    );
    assert_eq!(p.key, key("vagrant", "30219@1527895541000000000"));
    assert_eq!(p.parent_key, None);
    assert_eq!(x.container_id, None);
    let e = extra(x);
    assert_eq!(e["name"], "process_events");
    assert_eq!(e["unixTime"], 1_527_895_550);
    assert_eq!(e["numerics"], false);
    assert_eq!(e["action"], "added");
    assert_eq!(e["table"], "process_events");
    assert_eq!(e["columns"], json!({"ctime": "1503452096", "egid": "0"}));
    assert!(e.get("hostIdentifier").is_none(), "the host is host_id");

    let c = evs[1];
    assert_eq!(c.kind, EventKind::NetConnect);
    assert_eq!(c.time, 1_527_895_541 * S);
    let n = net(c);
    assert_eq!(n.protocol, Protocol::Tcp);
    assert_eq!((n.src_ip, n.src_port), (None, None));
    assert_eq!(
        (n.dst_ip, n.dst_port),
        (Some("172.217.164.110".parse().unwrap()), Some(80))
    );
    let p = &c.process;
    assert_eq!((p.pid, p.auid), (Some(30220), Some(1000)));
    assert_eq!(p.exe.as_deref(), Some("/usr/bin/curl"));
    // No exec of pid 30220 in the log: the incarnation is named by when it was first seen.
    assert_eq!(p.key, key("vagrant", "30220@seen:1527895541000000000"));
    let e = extra(c);
    assert_eq!(e["table"], "socket_events");
    // The socket's action and status stay as osquery wrote them.
    assert_eq!(
        e["columns"],
        json!({"action": "connect", "status": "succeeded"})
    );

    // processes: one added, one removed, a batch of one and one; a snapshot of 4
    // (process_snapshot: no `time`, a state table); the rest are other state tables.
    assert_eq!(unmapped(&counts, "processes"), 4, "{:?}", counts.unmapped);
    assert_eq!(unmapped(&counts, "process_snapshot"), 4);
    assert_eq!(unmapped(&counts, "startup_items"), 1);
    assert_eq!(unmapped(&counts, "collision"), 1);
    assert_eq!(counts.unmapped.len(), 4);
}

#[test]
fn grapl_packs_exec_with_parent_and_the_removed_and_state_rows_counted() {
    let host = "ip-172-31-46-189.us-east-2.compute.internal";
    let dir = "osquery/grapl-osquery-generator-unit";
    let (rows, counts) = import_fixture(&Osquery, &format!("{dir}/pack_grapl_processes.json"));
    assert_eq!((counts.records, counts.skipped_total()), (1, 0));
    let evs = events(&rows);
    assert_eq!(evs.len(), 1);
    let x = evs[0];
    // The query is named `processes` but selects process_events columns (`time`).
    assert_eq!(x.kind, EventKind::ProcessExec);
    assert_eq!(x.host_id, host);
    assert_eq!(x.time, 1_603_399_763 * S);
    let p = &x.process;
    assert_eq!((p.pid, p.ppid), (Some(9355), Some(8753)));
    assert_eq!(p.exe.as_deref(), Some("/usr/bin/bash"));
    assert!(p.argv.is_empty(), "an empty cmdline is no argument");
    assert_eq!(p.key, key(host, "9355@1603399763000000000"));
    assert_eq!(
        p.parent_key,
        key(host, "8753@seen:1603399763000000000"),
        "the parent's exec is not in the log"
    );
    let e = extra(x);
    assert_eq!(e["name"], "pack_grapl_processes");
    assert_eq!(e["calendarTime"], "Thu Oct 22 20:54:42 2020 UTC");
    assert_eq!(
        (e["unixTime"].clone(), e["counter"].clone()),
        (json!(1603400082), json!(0))
    );
    assert!(
        e.get("columns").is_none(),
        "every column has its place: {e}"
    );

    // A file_events row (target_path, action, time) removed from the result: an event
    // reported before.
    let (rows, counts) = import_fixture(&Osquery, &format!("{dir}/pack_grapl_files.json"));
    assert!(events(&rows).is_empty());
    assert_eq!(unmapped(&counts, "file_events removed"), 1, "{counts:?}");
    // process_open_files (pid, fd, path): a state table.
    let (rows, counts) = import_fixture(&Osquery, &format!("{dir}/pack_grapl_process-files.json"));
    assert!(events(&rows).is_empty());
    assert_eq!(unmapped(&counts, "pack_grapl_process-files"), 1);
    assert_eq!(counts.skipped_total(), 0);
}

#[test]
fn sniff_claims_osquery_results_only_and_the_others_do_not_claim_them() {
    let files = inputs();
    assert_eq!(files.len(), 9, "{files:?}");
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        let head = &bytes[..bytes.len().min(SNIFF_BYTES)];
        assert!(Osquery.sniff(head), "{}", f.display());
        assert!(!Tetragon.sniff(head), "{}", f.display());
        assert!(!Auditd.sniff(head), "{}", f.display());
        assert_eq!(detect(head).map(|i| i.name()), Some("osquery"));
    }
    let mut others = 0;
    for e in walkdir::WalkDir::new(fixture("")).into_iter().flatten() {
        let p = e.path();
        if !e.file_type().is_file() || p.starts_with(fixture("osquery")) {
            continue;
        }
        let bytes = std::fs::read(p).unwrap();
        assert!(
            !Osquery.sniff(&bytes[..bytes.len().min(SNIFF_BYTES)]),
            "{}",
            p.display()
        );
        others += 1;
    }
    assert!(others > 50, "{others}");
    // A status log line (same logger, no rows) and look-alikes are not results.
    assert!(!Osquery.sniff(
        br#"{"hostIdentifier":"h","calendarTime":"x","unixTime":"1","severity":"0","message":"m"}"#
    ));
    assert!(!Osquery.sniff(br#"{"name":"q","columns":{"a":"1"}}"#));
    assert!(!Osquery.sniff(br#"{"name":"q","hostIdentifier":"h","columns":"a"}"#));
    assert!(
        Osquery.sniff(b"garbage line\n{\"name\":\"q\",\"hostIdentifier\":\"h\",\"snapshot\":[]}\n")
    );
    assert!(super::super::names().contains(&"osquery"));
}

#[test]
fn mangled_copies_never_panic_and_every_record_is_accounted_for() {
    let mut copies = 0;
    for f in inputs() {
        let bytes = std::fs::read(&f).unwrap();
        for m in mangled(&bytes) {
            for host in [None, Some("h")] {
                let (rows, counts) = import_bytes(&Osquery, &m, host);
                let evs = events(&rows);
                // Each new record gives an event, a count or a skip (a malformed stretch is
                // a skip without a record).
                let given = evs.len() as u64
                    + counts.unmapped.values().sum::<u64>()
                    + counts.skipped_total();
                assert!(
                    given >= counts.records - counts.duplicates,
                    "{}: {counts:?}",
                    f.display()
                );
                for e in evs {
                    assert!(!e.host_id.is_empty() && e.time > 0, "{e:?}");
                    assert_eq!(e.source, "osquery");
                }
                copies += 1;
            }
        }
    }
    assert_eq!(copies, 9 * 29 * 2);
}
