//! The importer over the real alerts (`testdata/fixtures/falco/alerts/`, cut from Falco's
//! website) and the hand-written samples (`testdata/import/falco/`).

use std::path::PathBuf;

use serde_json::{Value, json};

use super::super::testing::*;
use super::*;
use crate::import::procs::{begun_key, seen_key};
use crate::import::values::text_time_ns;
use crate::import::{Counts, NO_HOST, auditd::Auditd, detect, tetragon::Tetragon};
use crate::schema::{
    Detail, Event, EventKind, FindingDetail, NetDetail, ProcessInfo, Row, Severity,
};

const DOCS: &str = "falco/alerts/falco-website-docs-alerts.extracted.jsonl";

/// `testdata/import/falco/<name>`.
fn sample(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/import/falco")
        .join(name)
}

fn import_file(path: &PathBuf, host: Option<&str>) -> (Vec<Row>, Counts) {
    let bytes = std::fs::read(path).expect("input");
    import_bytes(&Falco, &bytes, host)
}

fn of_kind(rows: &[Row], k: EventKind) -> Vec<Event> {
    events(rows)
        .into_iter()
        .filter(|e| e.kind == k)
        .cloned()
        .collect()
}

fn finding(e: &Event) -> &FindingDetail {
    match &e.detail {
        Detail::Finding(f) => f,
        d => panic!("not a finding: {d:?}"),
    }
}

fn net(e: &Event) -> &NetDetail {
    match &e.detail {
        Detail::Network(n) => n,
        d => panic!("not a network event: {d:?}"),
    }
}

fn extra(e: &Event) -> Value {
    serde_json::from_str(e.extra.as_deref().expect("extra")).unwrap()
}

fn at(utc: &str) -> i64 {
    text_time_ns(utc).unwrap()
}

fn key(host: &str, pid: i32, start: i64) -> Option<String> {
    Some(begun_key(host, SOURCE, pid, start))
}

#[test]
fn docs_alerts_are_findings_k8s_audit_without_a_process_and_metrics_not_mapped() {
    let (rows, counts) = import_fixture(&Falco, DOCS);
    assert_eq!(counts.records, 21);
    // Six snapshots (one with no time or host at all) are Falco's metrics, not alerts.
    assert_eq!(counts.unmapped["Falco internal: metrics snapshot"], 6);
    // The 2021 blog alerts name no host.
    assert_eq!(counts.skipped[NO_HOST], 8, "{counts:?}");
    assert_eq!(counts.skipped_total(), 8);
    let found = of_kind(&rows, EventKind::Finding);
    assert_eq!(found.len(), 7);
    assert_eq!(counts.events(), 7, "findings only: no call is named");
    let k8s: Vec<&Event> = found
        .iter()
        .filter(|e| extra(e)["source"] == "k8s_audit")
        .collect();
    assert_eq!(k8s.len(), 6);
    let e = k8s[0];
    assert_eq!(e.host_id, "my-pool-1-node-921b61");
    assert_eq!(e.time, at("2025-02-10T09:15:40.698757000Z"));
    assert_eq!(e.container_id, None);
    assert_eq!(*e.process, ProcessInfo::default(), "no process");
    let f = finding(e);
    assert_eq!(f.rule, "Disallowed K8s User");
    assert_eq!(f.severity, Some(Severity::Medium));
    assert_eq!(f.tags, ["k8s"]);
    assert_eq!(f.rule_id, None);
    assert!(
        f.message
            .as_deref()
            .unwrap()
            .contains("user=csi-cinder-controller")
    );
    let x = extra(e);
    assert_eq!(x["ka.user.name"], "csi-cinder-controller");
    assert_eq!(x["ka.verb"], "patch");
    assert_eq!(x["ka.target.resource"], "volumeattachments");
    assert_eq!(x["priority"], "Warning");
    assert!(x.get("evt.time").is_none(), "the event's time is `time`");
    let sa = k8s
        .iter()
        .find(|e| finding(e).rule == "K8s Serviceaccount Created");
    assert_eq!(finding(sa.unwrap()).severity, Some(Severity::Informational));
    // The one syscall alert with a host: a shell in a container.
    let s = found.iter().find(|e| e.host_id == "falco-xczjd").unwrap();
    assert_eq!(s.time, at("2023-05-25T13:44:05.478445995Z"));
    assert_eq!(s.container_id.as_deref(), Some("ee97d9c4186f"));
    let f = finding(s);
    assert_eq!(
        (f.rule.as_str(), f.severity),
        ("Terminal shell in container", Some(Severity::Critical))
    );
    assert_eq!(f.tags, ["container", "mitre_execution", "shell"]);
    let p = &s.process;
    assert_eq!(p.comm.as_deref(), Some("sh"));
    assert_eq!(p.user_name.as_deref(), Some("root"));
    assert_eq!(
        p.argv,
        ["sh", "-c", "clear;", "(bash", "||", "ash", "||", "sh)"]
    );
    assert_eq!((p.pid, p.auid, p.key.as_deref()), (None, None, None));
    let x = extra(s);
    assert_eq!(x["proc.cmdline"], "sh -c clear; (bash || ash || sh)");
    assert_eq!(x["proc.pname"], "runc");
    assert_eq!(x["proc.tty"], 34816);
    assert_eq!(x["user.loginuid"], -1);
    let ctrs = containers(&rows);
    assert_eq!(ctrs.len(), 1);
    assert_eq!(ctrs[0].image.as_deref(), Some("docker.io/library/alpine"));
    assert_eq!(
        (ctrs[0].pod.as_deref(), ctrs[0].namespace.as_deref()),
        (Some("kubecon"), Some("default"))
    );
}

#[test]
fn docs_alerts_without_a_host_come_in_with_host_and_twice_adds_nothing() {
    let bytes = std::fs::read(fixture(DOCS)).unwrap();
    let (rows, counts) = import_bytes(&Falco, &bytes, Some("docs-node"));
    assert_eq!(counts.skipped_total(), 0, "{counts:?}");
    let found = of_kind(&rows, EventKind::Finding);
    assert_eq!(found.len(), 15);
    assert_eq!(containers(&rows).len(), 9);
    // The API server contact names the connection in fd.name but not the call: a finding,
    // with the connection kept in extra.
    let api = found
        .iter()
        .find(|e| e.container_id.as_deref() == Some("12fc4de5ccc3"))
        .unwrap();
    assert_eq!(api.host_id, "docs-node");
    assert_eq!(extra(api)["fd.name"], "172.17.0.9:43812->10.96.0.1:443");
    assert!(of_kind(&rows, EventKind::NetConnect).is_empty());
    let c = containers(&rows)
        .into_iter()
        .find(|c| c.container_id == "12fc4de5ccc3")
        .unwrap();
    assert_eq!(c.image.as_deref(), Some("devopps/falco-pod-delete:latest"));
    assert_eq!(c.namespace.as_deref(), Some("openfaas-fn"));
    // The command name, then the arguments split on single spaces (two make an empty one).
    let fetcher = found
        .iter()
        .find(|e| e.container_id.as_deref() == Some("281c99ea33c2"))
        .unwrap();
    assert_eq!(
        fetcher.process.argv,
        [
            "fetcher",
            "-secret-dir",
            "/secrets",
            "-cfgmap-dir",
            "/configs",
            "-jaeger-collector-endpoint",
            "",
            "/userfunc"
        ]
    );
    // A null image repository is no image; the null stays in extra.
    let bare = found
        .iter()
        .find(|e| e.container_id.as_deref() == Some("5892b41bcf46"))
        .unwrap();
    assert!(extra(bare)["proc.pname"].is_null());
    // Importing the same bytes again through one ledger: every record is a duplicate.
    let twice = [bytes.clone(), bytes].concat();
    let (rows2, counts2) = import_bytes(&Falco, &twice, Some("docs-node"));
    assert_eq!(counts2.duplicates, 21);
    assert_eq!(events(&rows2).len(), events(&rows).len());
}

#[test]
fn syscall_alerts_give_the_call_keys_from_start_times_and_lineage() {
    let (rows, counts) = import_file(&sample("alerts.jsonl"), None);
    assert_eq!(counts.records, 10);
    assert_eq!(counts.skipped_total(), 0, "{counts:?}");
    assert_eq!(of_kind(&rows, EventKind::Finding).len(), 10);
    let execs = of_kind(&rows, EventKind::ProcessExec);
    assert_eq!(execs.len(), 4);
    // node-a: proc.pid.ts and proc.ppid.ts, the kernel's start times: exact keys.
    let shim = 1_773_303_241_123_456_789;
    let bash_ts = 1_773_306_841_116_199_324;
    let bash = &execs[0];
    assert_eq!(bash.time, at("2026-03-12T09:14:01.118203441Z"));
    let p = &bash.process;
    assert_eq!(
        (p.pid, p.ppid, p.uid, p.auid),
        (Some(24101), Some(24090), Some(0), None)
    );
    assert_eq!(p.exe.as_deref(), Some("/bin/bash"));
    assert_eq!(p.argv, ["bash", "-il"]);
    assert_eq!(p.start_time, Some(bash_ts));
    assert_eq!(p.key, key("node-a", 24101, bash_ts));
    assert_eq!(p.parent_key, key("node-a", 24090, shim));
    // Falco's short id (the full one is not in the alert).
    assert_eq!(bash.container_id.as_deref(), Some("3f4c1d2b9a8e"));
    let x = extra(bash);
    assert_eq!(x["evt.arg.flags"], "EXE_WRITABLE|EXE_LOWER_LAYER");
    assert!(x.get("proc.pid.ts").is_none() && x.get("container.name").is_none());
    let shadow = of_kind(&rows, EventKind::FileOpenRead);
    assert_eq!(shadow.len(), 1);
    match &shadow[0].detail {
        Detail::File(f) => assert_eq!(f.path, "/etc/shadow"),
        d => panic!("{d:?}"),
    }
    assert_eq!(shadow[0].process.parent_key, p.key);
    assert_eq!(shadow[0].process.exe.as_deref(), Some("/bin/busybox"));
    // Drop and execute: argv[0] is proc.exe, the cwd comes along.
    let x = &execs[1];
    assert_eq!(x.process.argv, ["./x", "-c", "203.0.113.50:4444"]);
    assert_eq!(x.process.exe.as_deref(), Some("/tmp/x"));
    assert_eq!(x.process.cwd.as_deref(), Some("/tmp/"));
    assert_eq!(x.process.parent_key, p.key);
    // The dup2 onto the socket is no connect: a finding of the same process, the
    // connection in extra.
    let found = of_kind(&rows, EventKind::Finding);
    let dup = found
        .iter()
        .find(|e| finding(e).rule.starts_with("Redirect STDOUT"))
        .unwrap();
    assert_eq!(dup.process.key, x.process.key);
    assert_eq!(extra(dup)["fd.name"], "10.42.1.17:51514->203.0.113.50:4444");
    assert_eq!(finding(dup).severity, Some(Severity::Low));
    let conns = of_kind(&rows, EventKind::NetConnect);
    assert_eq!(conns.len(), 2);
    let api = net(&conns[0]);
    assert_eq!(
        (api.src_ip, api.src_port, api.dst_ip, api.dst_port),
        (
            Some("10.42.1.17".parse().unwrap()),
            Some(40522),
            Some("10.96.0.1".parse().unwrap()),
            Some(443)
        )
    );
    assert!(extra(&conns[0]).get("fd.name").is_none());
    let ctrs = containers(&rows);
    assert_eq!(ctrs.len(), 1, "node-b's processes run on the host");
    let c = ctrs[0];
    assert_eq!(c.image.as_deref(), Some("registry.example/shop/web:2.3.1"));
    assert_eq!(
        (c.name.as_deref(), c.pod.as_deref(), c.namespace.as_deref()),
        (Some("web"), Some("web-7f9c6d5b8-x2lqp"), Some("shop"))
    );
    // node-b: pids only, so pid incarnations; an exec begins one.
    let b = |t: &str| at(t);
    let shell = &execs[2];
    assert_eq!(shell.host_id, "node-b");
    assert_eq!(
        shell.container_id, None,
        "container.id host is no container"
    );
    let t1 = b("2026-03-12T11:14:01.402118000Z");
    assert_eq!(shell.process.key, key("node-b", 4200, t1));
    assert_eq!(
        shell.process.parent_key,
        Some(seen_key("node-b", SOURCE, 4100, t1))
    );
    assert_eq!(shell.process.user_name.as_deref(), Some("www-data"));
    let created = of_kind(&rows, EventKind::FileCreate);
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].process.parent_key, shell.process.key);
    assert_eq!(
        extra(&created[0])["fd.openflags"],
        "O_WRONLY|O_CREAT|O_TRUNC|O_F_CREATED|O_CLOEXEC"
    );
    let ssh = &conns[1];
    assert_eq!(ssh.process.parent_key, shell.process.key);
    assert_eq!(net(ssh).dst_port, Some(2222));
    // pid 4200 again, 50 minutes on, exec'd by cron: another process.
    let reused = &execs[3];
    assert_eq!(reused.process.pid, Some(4200));
    assert_eq!(
        reused.process.key,
        key("node-b", 4200, b("2026-03-12T12:04:01.402118000Z"))
    );
    assert_ne!(reused.process.key, shell.process.key);
    assert_eq!(reused.process.auid, Some(0));
    // Falco's own drop alert: a finding and a loss row for the second before it.
    assert_eq!(counts.lost, 41252);
    let loss = rows
        .iter()
        .find_map(|r| match r {
            Row::Loss(l) => Some(l),
            _ => None,
        })
        .unwrap();
    assert_eq!(loss.interval_end - loss.interval_start, 1_000_000_000);
    assert_eq!(loss.host_id, "node-b");
    let drop = found
        .iter()
        .find(|e| finding(e).rule == "Falco internal: syscall event drop")
        .unwrap();
    assert_eq!(finding(drop).severity, Some(Severity::Critical));
    assert_eq!(extra(drop)["n_evts"], 1204118);
}

#[test]
fn pretty_printed_plugin_and_old_format_alerts() {
    let (rows, counts) = import_file(&sample("pretty.json"), Some("old-host"));
    assert_eq!(
        (counts.records, counts.skipped_total()),
        (2, 0),
        "{counts:?}"
    );
    let found = of_kind(&rows, EventKind::Finding);
    assert_eq!(found.len(), 2);
    let ct = &found[0];
    assert_eq!(ct.host_id, "falco-cloudtrail-5d8c9b7f4-q7wzt");
    assert_eq!(*ct.process, ProcessInfo::default());
    let x = extra(ct);
    assert_eq!(
        (x["source"].as_str(), x["ct.user"].as_str()),
        (Some("aws_cloudtrail"), Some("ops-admin"))
    );
    assert!(
        x.get("evt.time.iso8601").is_none(),
        "an integer, the alert's time"
    );
    let old = &found[1];
    assert_eq!(old.host_id, "old-host");
    assert_eq!(old.container_id, None);
    assert_eq!(
        old.process.argv,
        ["python3", "-c", "open('/etc/shadow').read()"]
    );
    // No evt.type: the read is not an event of its own.
    assert!(of_kind(&rows, EventKind::FileOpenRead).is_empty());
    assert_eq!(extra(old)["fd.name"], "/etc/shadow");
    assert!(extra(old).get("source").is_none());
}

#[test]
fn times_priorities_and_hosts_in_every_form() {
    let line = |v: Value| import_bytes(&Falco, v.to_string().as_bytes(), None);
    // gRPC's time and priority enum; the host from evt.hostname.
    let (rows, c) = line(json!({"rule": "r", "priority": 4, "output": "o",
        "time": {"seconds": 1_700_000_000, "nanos": 5}, "output_fields": {"evt.hostname": "h"}}));
    assert_eq!(c.skipped_total(), 0, "{c:?}");
    let e = &of_kind(&rows, EventKind::Finding)[0];
    assert_eq!(
        (e.time, e.host_id.as_str()),
        (1_700_000_000_000_000_005, "h")
    );
    assert_eq!(finding(e).severity, Some(Severity::Medium));
    // No `time`: evt.time.iso8601, a string or an integer.
    let (rows, _) = line(json!({"rule": "r", "hostname": "h", "priority": "Debug",
        "output_fields": {"evt.time.iso8601": "2024-01-01T00:00:00.000000001Z"}}));
    let e = &of_kind(&rows, EventKind::Finding)[0];
    assert_eq!(e.time, at("2024-01-01T00:00:00.000000001Z"));
    assert_eq!(finding(e).severity, Some(Severity::Informational));
    let (_, c) = line(json!({"rule": "r", "hostname": "h", "output_fields": {}}));
    assert_eq!(c.skipped["no time"], 1);
    let (_, c) = line(json!({"output_fields": {"a": 1}, "hostname": "h"}));
    assert_eq!(c.skipped["not a Falco alert"], 1);
    // An unknown priority is no severity; it stays in extra.
    let (rows, _) = line(json!({"rule": "r", "hostname": "h", "priority": "Loud",
        "time": "2024-01-01T00:00:00Z", "output_fields": {}}));
    let e = &of_kind(&rows, EventKind::Finding)[0];
    assert_eq!(finding(e).severity, None);
    assert_eq!(extra(e)["priority"], "Loud");
}

/// Every fixture and sample.
fn inputs() -> Vec<PathBuf> {
    vec![fixture(DOCS), sample("alerts.jsonl"), sample("pretty.json")]
}

/// Skip reasons of records (the rest are stretches that never became records).
const RECORD_SKIPS: &[&str] = &["not a Falco alert", NO_HOST, "no time"];

#[test]
fn mangled_copies_never_panic_and_every_record_is_accounted_for() {
    let (mut copies, mut records, mut skipped, mut found) = (0, 0, 0, 0);
    for f in inputs() {
        let bytes = std::fs::read(&f).unwrap();
        for m in mangled(&bytes) {
            for host in [None, Some("h")] {
                let (out, c) = import_bytes(&Falco, &m, host);
                // One finding per alert (a call's own event and a loss row come beside it).
                let findings = of_kind(&out, EventKind::Finding).len() as u64;
                let what = f.display().to_string();
                assert_accounted(&c, findings, RECORD_SKIPS, &[], &what);
                copies += 1;
                records += c.records;
                skipped += c.skipped_total();
                found += findings;
            }
        }
    }
    eprintln!("{copies} mangled copies: {records} records, {found} findings, {skipped} skipped");
    assert!(found > 0 && skipped > 0);
}

#[test]
fn sniff_takes_falco_alerts_and_nothing_else() {
    for f in inputs() {
        let bytes = std::fs::read(&f).unwrap();
        assert!(Falco.sniff(&bytes), "{}", f.display());
        assert_eq!(detect(&bytes).unwrap().name(), "falco", "{}", f.display());
        assert!(!Tetragon.sniff(&bytes), "tetragon claims {}", f.display());
        assert!(!Auditd.sniff(&bytes), "auditd claims {}", f.display());
    }
    let mut others = 0;
    for e in walkdir::WalkDir::new(fixture("")) {
        let e = e.unwrap();
        if e.file_type().is_file() && !e.path().to_string_lossy().contains("/falco/alerts/") {
            let bytes = std::fs::read(e.path()).unwrap();
            assert!(!Falco.sniff(&bytes), "{}", e.path().display());
            others += 1;
        }
    }
    assert!(others > 50, "{others}");
    assert!(!Falco.sniff(b"{\"rule\":\"x\"}"));
    assert!(!Falco.sniff(b"{\"rule\":1,\"output_fields\":{}}"));
    assert!(Falco.sniff(b"{\"rule\":\"x\",\"output\":\"y\",\"priority\":\"Notice\"}"));
}
