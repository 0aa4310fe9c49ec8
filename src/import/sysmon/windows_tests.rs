//! The Windows Sysmon importer over the real fixtures (`testdata/fixtures/sysmon-windows/`):
//! an EVTX log (omerbenamram/evtx's sample) and Sysmon View's XML exports (grapl's).

use std::collections::BTreeMap;

use super::super::testing::*;
use super::Sysmon;
use super::tests::{RECORD_SKIPS, STRETCH_SKIPS, at, extra, path, sha256, tuple};
use super::windows::SysmonWindows;
use crate::import::{Counts, Importer, detect};
use crate::schema::{Detail, Event, EventKind, HostKind, HostRecord, Row, source_process_key};

const DIR: &str = "sysmon-windows";
const EVTX: &str = "evtx-samples-sysmon.evtx";
const VIEW: &str = "grapl-sample_data-eventlog.xml";
const LINES: &str = "grapl-sample_data-36_eventlog.xml";

fn bytes(name: &str) -> Vec<u8> {
    std::fs::read(fixture(&format!("{DIR}/{name}"))).expect("fixture")
}

fn import(bytes: &[u8]) -> (Vec<Row>, Vec<Event>, Counts) {
    let (rows, counts) = import_bytes(&SysmonWindows, bytes, None);
    let evs = events(&rows).into_iter().cloned().collect();
    (rows, evs, counts)
}

fn key(host: &str, guid: &str) -> Option<String> {
    Some(source_process_key(host, "sysmon-windows", guid))
}

fn hosts(rows: &[Row]) -> Vec<&HostRecord> {
    rows.iter()
        .filter_map(|r| match r {
            Row::Host(h) => Some(h),
            _ => None,
        })
        .collect()
}

/// Events per kind.
fn kinds(evs: &[Event]) -> BTreeMap<&'static str, u64> {
    let mut m = BTreeMap::new();
    for e in evs {
        *m.entry(e.kind.as_str()).or_insert(0) += 1;
    }
    m
}

fn by_record<'a>(evs: &'a [Event], id: &str) -> &'a Event {
    evs.iter()
        .find(|e| extra(e)["EventRecordID"] == id)
        .unwrap_or_else(|| panic!("no event with EventRecordID {id}"))
}

fn file_sha256(e: &Event) -> Option<&str> {
    match &e.detail {
        Detail::File(f) => f.sha256.as_deref(),
        d => panic!("not a file event: {d:?}"),
    }
}

#[test]
fn evtx_log_every_record_read_and_mapped_or_counted() {
    let (rows, evs, c) = import(&bytes(EVTX));
    // Nine chunks in use (the header, not updated, counts one), 358 records; the eight
    // chunks of old data after them hold no record and are not reported.
    assert_eq!((c.records, c.skipped_total()), (358, 0), "{c:?}");
    assert_eq!(
        kinds(&evs),
        BTreeMap::from([
            ("file_create", 36),
            ("net_connect", 2),
            ("process_exec", 227)
        ])
    );
    let unmapped = |id: &str| c.unmapped[&format!("sysmon event {id}")];
    assert_eq!(unmapped("10 (ProcessAccess)"), 60);
    assert_eq!(unmapped("12 (RegistryEvent (object create and delete))"), 8);
    assert_eq!(unmapped("13 (RegistryEvent (value set))"), 24);
    assert_eq!(unmapped("16 (ServiceConfigurationChange)"), 1);
    assert_eq!(c.unmapped.len(), 4);
    let host = "DESKTOP-2KGM189";
    assert!(
        evs.iter()
            .all(|e| e.host_id == host && e.source == "sysmon-windows")
    );
    let h = hosts(&rows);
    assert_eq!(h.len(), 1);
    assert_eq!(
        (h[0].host_id.as_str(), h[0].hostname.as_str()),
        (host, host)
    );
    assert_eq!(
        (h[0].os.as_deref(), h[0].kind),
        (Some("Windows"), Some(HostKind::Laptop))
    );
    assert_eq!(h[0].time, at("2017-12-26 13:10:29.134"));

    let ping = by_record(&evs, "1742");
    assert_eq!(ping.kind, EventKind::ProcessExec);
    assert_eq!(ping.time, at("2017-12-26 13:10:29.134"));
    let p = &ping.process;
    assert_eq!(p.exe.as_deref(), Some(r"C:\Windows\SysWOW64\PING.EXE"));
    assert_eq!(p.comm.as_deref(), Some("PING.EXE"));
    assert_eq!(p.argv, ["ping", "-n", "6", "127.0.0.1"]);
    assert_eq!((p.pid, p.ppid, p.uid), (Some(9112), Some(8392), None));
    assert_eq!(p.user_name.as_deref(), Some(r"NT AUTHORITY\SYSTEM"));
    assert_eq!(p.cwd.as_deref(), Some(r"C:\Windows\Temp\"));
    assert_eq!(p.start_time, Some(ping.time));
    assert_eq!(
        sha256(ping),
        Some("8f16a431c919a0aa7c9466ec1cdc1e721f30eb5c8182835585a1b74abecb1920")
    );
    let x = extra(ping);
    assert_eq!(x["CommandLine"], "ping  -n 6 127.0.0.1 ");
    assert_eq!(x["LogonId"], "0x3e7");
    assert_eq!(x["IntegrityLevel"], "System");
    assert_eq!(
        x["Hashes"],
        "SHA1=CE8E487CB76704FE5FBB821A78A1E969EFBE71F9,MD5=A27A24553B2C36E139647F88DF738C35,\
         IMPHASH=0EB64EACA8C951D760EEA1A941A2A3F7"
    );
    assert_eq!(x["ParentImage"], r"C:\Windows\SysWOW64\cmd.exe");
    assert_eq!(x["TimeCreated"], "2017-12-26T13:10:29.1368792Z");

    // Lineage by GUID: Defender's signature update started by its first run.
    let child = by_record(&evs, "1756");
    let parent = evs
        .iter()
        .find(|e| e.kind == EventKind::ProcessExec && e.process.key == child.process.parent_key)
        .unwrap();
    assert_eq!(child.process.pid, Some(3816));
    assert_eq!(parent.process.pid, Some(1900));
    assert_eq!(parent.process.exe, child.process.exe);
    assert!(parent.time < child.time);
    assert_eq!(
        child.process.argv,
        [
            r"C:\Program Files\Windows Defender\MpCmdRun.exe",
            "SignatureUpdate",
            "-ScheduleJob",
            "-RestrictPrivileges",
            "-Reinvoke"
        ]
    );
    assert!(child.process.parent_key.is_some());
    assert_eq!(child.process.parent_key, parent.process.key);
    assert_eq!(child.process.ppid, parent.process.pid);
    assert_eq!(extra(child)["LogonId"], "0x3e4");

    let file = by_record(&evs, "1765");
    assert_eq!(file.kind, EventKind::FileCreate);
    assert_eq!(
        path(file),
        r"C:\Windows\SoftwareDistribution\Download\Install\AM_Delta.exe"
    );
    assert_eq!(file.process.pid, Some(436));
    assert_eq!(extra(file)["CreationUtcTime"], "2017-12-26 13:11:33.753");

    let net = by_record(&evs, "2061");
    assert_eq!(
        tuple(net),
        (
            "192.168.2.128".into(),
            59344,
            "185.26.182.117".into(),
            443,
            "tcp"
        )
    );
    assert_eq!(
        net.process.exe.as_deref(),
        Some(r"C:\Windows\Temp\opera autoupdate\CProgram FilesOpera\installing\installer.exe")
    );
    assert_eq!(extra(net)["DestinationPortName"], "https");
    assert!(net.community_id().is_some());
}

#[test]
fn sysmon_view_export_in_windows_1252_download_to_exec_and_dns() {
    let (rows, evs, c) = import(&bytes(VIEW));
    assert_eq!((c.records, c.skipped_total()), (554, 0), "{c:?}");
    assert_eq!(
        kinds(&evs),
        BTreeMap::from([
            ("file_create", 299),
            ("net_connect", 51),
            ("process_exec", 48),
            ("process_exit", 12)
        ])
    );
    let unmapped: Vec<(&str, u64)> = c.unmapped.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    assert_eq!(
        unmapped,
        [
            (
                "sysmon event 12 (RegistryEvent (object create and delete))",
                15
            ),
            ("sysmon event 13 (RegistryEvent (value set))", 90),
            ("sysmon event 16 (ServiceConfigurationChange)", 1),
            ("sysmon event 2 (FileCreateTime)", 37),
            ("sysmon event 4 (ServiceStateChange)", 1),
        ]
    );
    let host = "DESKTOP-FVSHABR";
    assert_eq!(hosts(&rows).len(), 1);
    assert_eq!(hosts(&rows)[0].host_id, host);

    // Edge's broker writes the download (its stream's hash), the user runs it: the same
    // SHA-256, and the writer is the process' parent.
    let download = by_record(&evs, "61");
    assert_eq!(download.kind, EventKind::FileCreate);
    assert_eq!(
        path(download),
        r"C:\Users\grapltest\Downloads\ChromeSetup.exe.hi3alp5.partial"
    );
    let hash = "958850ce9c18ab8bf03d73de75b3a4c8f8d74f27c7c2cd2b8318731c1c757326";
    assert_eq!(file_sha256(download), Some(hash));
    let x = extra(download);
    assert_eq!(x["Hash"], "MD5=EB6A90426D5004ECABC515F2DA60019A");
    assert_eq!(x["RuleName"], "FileStream-Downloads");
    assert_eq!(
        download.process.key,
        key(host, "87e8d3bd-99ec-5d38-0000-00103c3a0500")
    );
    // The mark of the web: the download's Zone.Identifier stream.
    let zone = by_record(&evs, "63");
    assert_eq!(
        path(zone),
        r"C:\Users\grapltest\Downloads\ChromeSetup.exe.hi3alp5.partial:Zone.Identifier"
    );
    assert_eq!(zone.process.key, download.process.key);
    let setup = evs
        .iter()
        .find(|e| e.kind == EventKind::ProcessExec && e.process.pid == Some(3696))
        .unwrap();
    let p = &setup.process;
    assert_eq!(setup.time, at("2019-07-24 17:57:04.660"));
    assert_eq!(
        p.exe.as_deref(),
        Some(r"C:\Users\grapltest\Downloads\ChromeSetup.exe")
    );
    assert_eq!(p.argv, [r"C:\Users\grapltest\Downloads\ChromeSetup.exe"]);
    assert_eq!(p.user_name.as_deref(), Some(r"DESKTOP-FVSHABR\grapltest"));
    assert_eq!(p.ppid, Some(3460));
    assert_eq!(p.parent_key, download.process.key);
    assert_eq!(p.key, key(host, "87e8d3bd-9bf0-5d38-0000-0010c48e0e00"));
    assert_eq!(sha256(setup), Some(hash));
    let x = extra(setup);
    assert_eq!(x["IntegrityLevel"], "Medium");
    assert_eq!(x["LogonId"], "0x21488");
    assert_eq!(x["Hashes"], "MD5=EB6A90426D5004ECABC515F2DA60019A");
    assert_eq!(x["ParentImage"], r"C:\Windows\System32\browser_broker.exe");
    // Its children, grandchildren by GUID, and its own end.
    let children: Vec<&Event> = evs
        .iter()
        .filter(|e| e.kind == EventKind::ProcessExec && e.process.parent_key == p.key)
        .collect();
    assert_eq!(children.len(), 1);
    assert_eq!(children[0].process.pid, Some(4812));
    assert_eq!(
        children[0].process.argv[..4],
        [
            r"C:\Users\GRAPLT~1\AppData\Local\Temp\GUM5F89.tmp\GoogleUpdate.exe",
            "/installsource",
            "taggedmi",
            "/install"
        ]
    );
    assert!(children[0].process.argv[4].starts_with("appguid={8A69D345"));
    let exit = evs
        .iter()
        .find(|e| e.kind == EventKind::ProcessExit && e.process.key == p.key)
        .unwrap();
    assert!(exit.time > setup.time);

    // Windows-1252 ® read as such.
    let unsecapp = by_record(&evs, "4");
    assert_eq!(
        extra(unsecapp)["Product"],
        "Microsoft\u{ae} Windows\u{ae} Operating System"
    );

    let dns = by_record(&evs, "7");
    assert_eq!(dns.kind, EventKind::NetConnect);
    let Detail::Network(n) = &dns.detail else {
        panic!("{dns:?}")
    };
    assert_eq!(n.protocol.as_str(), "udp");
    assert_eq!((n.dst_ip, n.dst_port, n.src_ip), (None, Some(53), None));
    let x = extra(dns);
    assert_eq!(x["QueryName"], "static-spartan-wus-s-msn-com.akamaized.net");
    assert_eq!(
        x["QueryResults"],
        "type:  5 a743.g2.akamai.net;::ffff:23.215.102.33;::ffff:23.215.102.8;"
    );
    assert_eq!(x["QueryStatus"], "0");
    assert_eq!(
        dns.process.exe.as_deref(),
        Some(r"C:\Windows\SystemApps\Microsoft.MicrosoftEdge_8wekyb3d8bbwe\MicrosoftEdgeCP.exe")
    );
}

/// (time, kind, process key, argv, file path) of an event.
type Essence = (i64, EventKind, Option<String>, Vec<String>, String);

/// The [`Essence`] of each event.
fn essence(evs: &[Event]) -> Vec<Essence> {
    evs.iter()
        .map(|e| {
            let p = match &e.detail {
                Detail::File(f) => f.path.clone(),
                _ => String::new(),
            };
            (
                e.time,
                e.kind,
                e.process.key.clone(),
                e.process.argv.clone(),
                p,
            )
        })
        .collect()
}

#[test]
fn one_event_per_line_wevtutil_and_utf16_exports_read_alike() {
    let lines = bytes(LINES);
    let (_, evs, c) = import(&lines);
    assert_eq!((c.records, c.skipped_total()), (36, 0), "{c:?}");
    assert_eq!(
        kinds(&evs),
        BTreeMap::from([("file_create", 16), ("process_exec", 20)])
    );
    // The same events as in the whole export (this file is a subset of it).
    let (_, all, _) = import(&bytes(VIEW));
    let whole = essence(&all);
    assert!(essence(&evs).iter().all(|e| whole.contains(e)));
    let want = essence(&evs);
    // wevtutil qe /f:xml: every event on one line, no newline.
    let text = String::from_utf8_lossy(&lines).into_owned();
    let one_line = text.replace("\r\n", "");
    let (_, got, c) = import(one_line.as_bytes());
    assert_eq!((c.records, essence(&got)), (36, want.clone()));
    // Event Viewer's "Save as XML": a declaration and <Events> root, pretty-printed.
    let pretty = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Events>\n{}</Events>\n",
        text.replace("><", ">\n  <")
    );
    let (_, got, c) = import(pretty.as_bytes());
    assert_eq!((c.records, c.skipped_total()), (36, 0));
    assert_eq!(essence(&got), want);
    // PowerShell's `> file`: UTF-16LE with a byte order mark.
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    assert!(SysmonWindows.sniff(&utf16[..8192]));
    let (_, got, c) = import(&utf16);
    assert_eq!((c.records, c.skipped_total()), (36, 0));
    assert_eq!(essence(&got), want);
    assert_eq!(got[0].process.exe, evs[0].process.exe);
}

/// Chunk `n`'s byte range in an EVTX file.
fn chunk(n: usize) -> std::ops::Range<usize> {
    let start = 4096 + n * 65536;
    start..start + 65536
}

#[test]
fn damaged_evtx_chunks_are_skipped_and_the_rest_read() {
    let log = bytes(EVTX);
    let (_, full, _) = import(&log);
    let full = essence(&full);
    // Cut inside chunk 3: chunks 0-2 and chunk 3's records before the cut, each whole.
    let cut = &log[..chunk(3).start + 30_000];
    let (_, evs, c) = import(cut);
    // The input ends inside a chunk, and inside its record that crosses the cut.
    assert_eq!(c.skipped["truncated EVTX chunk"], 1, "{c:?}");
    assert_eq!(c.skipped["unreadable EVTX record"], 1, "{c:?}");
    assert_eq!(c.skipped_total(), 2);
    let got = essence(&evs);
    assert!(got.iter().all(|e| full.contains(e)));
    let (_, first3, _) = import(&log[..chunk(3).start]);
    assert!(got.len() > first3.len() && got.len() < full.len());
    let skip = &c.first_skips[0];
    assert_eq!(skip.at.offset, chunk(3).start as u64);
    assert!(
        skip.to_string()
            .starts_with("byte 200704: truncated EVTX chunk")
    );
    // Chunk 2 without its magic: reported, the others read.
    let mut bad = log.clone();
    bad[chunk(2).start..chunk(2).start + 8].copy_from_slice(b"NotChnk\0");
    let (_, evs, c) = import(&bad);
    assert_eq!(c.skipped["unreadable EVTX chunk"], 1, "{c:?}");
    let mut only2 = log[..chunk(0).end].to_vec();
    only2.extend_from_slice(&log[chunk(2)]);
    let (_, in2, _) = import(&only2);
    let in2 = in2.len() - import(&log[..chunk(0).end]).1.len();
    assert!(in2 > 0);
    assert_eq!(evs.len(), full.len() - in2);
    // A changed byte in chunk 4's records: read, and its checksum reported.
    let mut flipped = log.clone();
    flipped[chunk(4).start + 20_000] ^= 0x20;
    let (_, _, c) = import(&flipped);
    assert_eq!(c.skipped["EVTX chunk checksum mismatch"], 1, "{c:?}");
}

#[test]
fn inputs_read_a_few_bytes_at_a_time_give_the_same_rows() {
    for f in [EVTX, LINES] {
        let b = bytes(f);
        let (want, _) = import_bytes(&SysmonWindows, &b, None);
        let mut slow = std::io::BufReader::with_capacity(5, &b[..]);
        let (got, c, ended) = import_reader(&SysmonWindows, &mut slow, None);
        ended.unwrap();
        assert_eq!(c.skipped_total(), 0, "{f}: {c:?}");
        assert_eq!(got, want, "{f}");
    }
}

#[test]
fn other_providers_are_not_sysmon_and_a_host_is_needed() {
    let security = "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>\
        <Provider Name='Microsoft-Windows-Security-Auditing'/><EventID>4688</EventID>\
        <Computer>ws-1</Computer></System><EventData><Data Name='NewProcessName'>C:\\x.exe</Data>\
        </EventData></Event>\n";
    let lines = String::from_utf8_lossy(&bytes(LINES)).into_owned();
    let first = lines.lines().next().unwrap();
    let input = format!("{security}{first}\n");
    let (_, evs, c) = import(input.as_bytes());
    assert_eq!(
        c.unmapped["Microsoft-Windows-Security-Auditing event 4688"],
        1
    );
    assert_eq!((c.records, evs.len()), (2, 1));
    let bare = first.replace("<Computer>DESKTOP-FVSHABR</Computer>", "");
    let (_, _, c) = import(bare.as_bytes());
    assert_eq!(c.skipped[crate::import::NO_HOST], 1);
    let (rows, _) = import_bytes(&SysmonWindows, bare.as_bytes(), Some("laptop-7"));
    assert_eq!(events(&rows)[0].host_id, "laptop-7");
    assert_eq!(hosts(&rows)[0].hostname, "laptop-7");
}

#[test]
fn sniff_tells_windows_from_linux_sysmon() {
    for f in [EVTX, VIEW, LINES] {
        let b = bytes(f);
        let head = &b[..b.len().min(crate::import::open::SNIFF_BYTES)];
        assert!(SysmonWindows.sniff(head), "{f}");
        assert!(!Sysmon.sniff(head), "{f}");
        assert_eq!(detect(head).unwrap().name(), "sysmon-windows", "{f}");
    }
    let mut others = 0;
    for e in walkdir::WalkDir::new(fixture("")) {
        let e = e.unwrap();
        if e.file_type().is_file() && !e.path().to_string_lossy().contains(DIR) {
            let bytes = std::fs::read(e.path()).unwrap();
            assert!(!SysmonWindows.sniff(&bytes), "{}", e.path().display());
            others += 1;
        }
    }
    assert!(others > 50, "{others}");
    assert!(!SysmonWindows.sniff(b"ElfFil"));
    assert!(!SysmonWindows.sniff(b""));
}

#[test]
fn mangled_copies_never_panic_and_every_record_is_accounted_for() {
    let records: Vec<&str> = RECORD_SKIPS.to_vec();
    let mut stretches: Vec<&str> = STRETCH_SKIPS.to_vec();
    stretches.extend([
        "truncated EVTX file",
        "truncated EVTX chunk",
        "unreadable EVTX chunk",
        "unreadable EVTX record",
        "EVTX chunk checksum mismatch",
    ]);
    let mut seen: BTreeMap<String, u64> = BTreeMap::new();
    let (mut copies, mut rows) = (0, 0);
    for f in [EVTX, VIEW, LINES] {
        for m in mangled(&bytes(f)) {
            for host in [None, Some("h")] {
                let (out, c) = import_bytes(&SysmonWindows, &m, host);
                let evs = events(&out).len() as u64;
                assert_accounted(&c, evs, &records, &stretches, f);
                for (k, v) in &c.skipped {
                    *seen.entry(k.clone()).or_insert(0) += v;
                }
                copies += 1;
                rows += evs;
            }
        }
    }
    eprintln!("{copies} mangled copies: {rows} events, skipped {seen:?}");
    assert!(rows > 0);
    for reason in [
        "truncated EVTX chunk",
        "EVTX chunk checksum mismatch",
        "malformed XML",
    ] {
        assert!(seen.contains_key(reason), "{reason}: {seen:?}");
    }
}
