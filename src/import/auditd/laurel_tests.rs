//! Laurel's JSON against the raw audit log of the same events, field by field.

use serde_json::Value;

use super::super::Auditd;
use super::Laurel;
use crate::import::testing::*;
use crate::import::{Importer, detect};
use crate::schema::{Detail, Event, EventKind, Row};

const LAUREL: &str = "laurel/reverse-shell.laurel.jsonl";
const RAW: &str = "laurel/reverse-shell.audit.log";

fn laurel() -> (Vec<Row>, crate::import::Counts) {
    let bytes = std::fs::read(fixture(LAUREL)).unwrap();
    import_bytes(&Laurel, &bytes, Some("web-1"))
}

fn extra(e: &Event) -> Value {
    serde_json::from_str(e.extra.as_deref().unwrap_or("{}")).unwrap()
}

#[test]
fn the_reverse_shell_reads_field_by_field() {
    let (rows, counts) = laurel();
    let evs = events(&rows);
    let kinds: Vec<EventKind> = evs.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            EventKind::ProcessFork,
            EventKind::ProcessExec,
            EventKind::NetConnect,
            EventKind::ProcessExec,
            EventKind::FileOpenRead,
            EventKind::FileCreate,
            EventKind::FileUnlink,
            EventKind::ProcessExit,
            EventKind::ProcessExec,
        ]
    );
    let (fork, perl, connect, sh) = (evs[0], evs[1], evs[2], evs[3]);
    assert!(
        evs.iter()
            .all(|e| e.source == "laurel" && e.host_id == "web-1")
    );
    // The fork makes pid 4250, child of bash's 4242; the exec in it is that process.
    assert_eq!(
        (fork.process.pid, fork.process.ppid),
        (Some(4250), Some(4242))
    );
    assert_eq!(perl.process.key, fork.process.key);
    assert_eq!(perl.process.parent_key, fork.process.parent_key);
    assert_eq!(perl.time, 1_733_212_800_205_000_000);
    assert_eq!(perl.process.argv[..2], ["perl", "-e"]);
    assert!(perl.process.argv[2].starts_with("use Socket;$i=\"10.0.0.1\""));
    assert!(perl.process.argv[2].ends_with("exec(\"/bin/sh -i\");};"));
    assert_eq!(perl.process.exe.as_deref(), Some("/usr/bin/perl"));
    assert_eq!(perl.process.cwd.as_deref(), Some("/var/www"));
    assert_eq!(
        (perl.process.uid, perl.process.auid, perl.process.gid),
        (Some(33), Some(1000), Some(33))
    );
    assert_eq!(perl.process.user_name.as_deref(), Some("www-data"));
    let x = extra(perl);
    assert_eq!(x["syscall"], "execve");
    assert_eq!(x["keys"][0], "exec");
    assert_eq!(x["SYSCALL.PPID"]["exe"], "/usr/bin/bash");
    // The in-progress connect (EINPROGRESS) reaches the listener.
    let Detail::Network(n) = &connect.detail else {
        panic!("{connect:?}")
    };
    assert_eq!(
        (n.dst_ip.map(|i| i.to_string()), n.dst_port),
        (Some("10.0.0.1".to_string()), Some(1234))
    );
    assert_eq!(connect.process.key, perl.process.key);
    // ARGV_STR: the joined form is split at spaces, and kept as it came.
    assert_eq!(sh.process.argv, ["/bin/sh", "-i"]);
    assert_eq!(extra(sh)["argv_str"], "/bin/sh -i");
    let path = |e: &Event| match &e.detail {
        Detail::File(f) => f.path.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(path(evs[4]), "/etc/shadow");
    // A name that is not UTF-8 (percent-encoded by Laurel) reads as the raw log's hex does.
    assert_eq!(path(evs[5]), "/tmp/.cache/\u{fffd}\u{fffd}.sh");
    // drop-raw: the syscall known by its name only.
    assert_eq!(path(evs[6]), "/tmp/.cache/stage1");
    assert_eq!(evs[7].process.key, perl.process.key);
    // Laurel's container enrichment names the container.
    let curl = evs[8];
    assert_eq!(
        curl.container_id.as_deref(),
        Some("3f2a9c41e7b05d6c8e9f00112233445566778899aabbccddeeff001122334455")
    );
    assert_eq!(curl.process.argv[2], "http://10.0.0.1:8080/stage2");
    // ptrace and a login are not events of the store; a bad ID and a cut line are skipped.
    assert_eq!(counts.unmapped["syscall ptrace"], 1);
    assert_eq!(counts.unmapped["USER_LOGIN"], 1);
    assert_eq!(counts.skipped["malformed Laurel event"], 1);
    assert_eq!(counts.skipped["malformed JSON"], 1);
    // 11 events and the one with a bad ID (the cut line is not a record).
    assert_eq!(counts.records, 12);
}

#[test]
fn laurel_and_the_raw_log_of_the_same_events_give_the_same_rows() {
    let (lrows, _) = laurel();
    let bytes = std::fs::read(fixture(RAW)).unwrap();
    let (rrows, counts) = import_bytes(&Auditd, &bytes, Some("web-1"));
    assert_eq!(counts.skipped_total(), 0, "{counts:?}");
    let (l, r) = (events(&lrows), events(&rrows));
    assert_eq!(r.len(), 6);
    for (a, b) in l.iter().zip(&r) {
        assert_eq!((a.kind, a.time), (b.kind, b.time));
        let (pa, pb) = (&a.process, &b.process);
        assert_eq!(
            (&pa.argv, &pa.exe, &pa.cwd, pa.pid, pa.ppid, pa.uid, pa.auid),
            (&pb.argv, &pb.exe, &pb.cwd, pb.pid, pb.ppid, pb.uid, pb.auid)
        );
        assert_eq!(format!("{:?}", a.detail), format!("{:?}", b.detail));
    }
    // Same lineage shape (the keys differ: each source names its own).
    let shape = |v: &[&Event]| {
        let keys: Vec<_> = v.iter().map(|e| e.process.key.clone()).collect();
        let parents: Vec<_> = v.iter().map(|e| e.process.parent_key.clone()).collect();
        (
            keys[1] == keys[0],
            keys[2] == keys[1],
            parents[1] == parents[0],
        )
    };
    assert_eq!(shape(&l[..6]), shape(&r));
    assert_eq!(shape(&r), (true, true, true));
}

#[test]
fn sniff_takes_laurel_and_nothing_else() {
    let bytes = std::fs::read(fixture(LAUREL)).unwrap();
    assert!(Laurel.sniff(&bytes));
    assert_eq!(detect(&bytes).map(|i| i.name()), Some("laurel"));
    for f in walkdir::WalkDir::new(fixture(""))
        .into_iter()
        .flatten()
        .filter(|f| f.file_type().is_file())
    {
        let p = f.path();
        let name = p.to_string_lossy();
        if name.contains("/laurel/") || name.ends_with(".md") || name.contains("LICENSE") {
            continue;
        }
        let head = std::fs::read(p).unwrap();
        let head = &head[..head.len().min(crate::import::open::SNIFF_BYTES)];
        assert!(!Laurel.sniff(head), "laurel claims {name}");
    }
    assert!(!Laurel.sniff(b"{\"ID\":\"not a stamp\",\"SYSCALL\":{}}"));
    assert!(!Auditd.sniff(&bytes));
}

#[test]
fn importing_twice_adds_nothing() {
    let bytes = std::fs::read(fixture(LAUREL)).unwrap();
    let mut sink = crate::ingest::MemorySink::default();
    let known = crate::import::ledger::Digests::default();
    let mut taken = std::collections::HashSet::new();
    for round in 0..2 {
        let mut out =
            crate::import::Emit::new(&mut sink, &known, &mut taken, Some("web-1".into()), false);
        Laurel.import(&mut &bytes[..], &mut out).unwrap();
        let c = out.counts.clone();
        if round == 1 {
            assert_eq!(c.events(), 0, "{c:?}");
            assert_eq!(c.duplicates, 11, "{c:?}");
        }
    }
}

#[test]
fn mangled_copies_never_panic_and_every_record_is_accounted_for() {
    const RECORD_SKIPS: &[&str] = &[
        "malformed Laurel event",
        "malformed audit record",
        crate::import::NO_HOST,
    ];
    let bytes = std::fs::read(fixture(LAUREL)).unwrap();
    for m in mangled(&bytes) {
        for host in [None, Some("web-1")] {
            let (rows, c) = import_bytes(&Laurel, &m, host);
            let evs = events(&rows).len() as u64;
            assert_accounted(&c, evs, RECORD_SKIPS, &[], "laurel");
        }
    }
}
