//! The importer over the hand-written samples (`testdata/import/osquery/`, see its README):
//! what the real fixtures lack.

use serde_json::{Value, json};

use super::super::Importer;
use super::super::testing::*;
use super::tests::{extra, key, net, unmapped};
use super::*;
use crate::schema::{Detail, Event, EventKind, FileDetail, Protocol, Row};

const S: i64 = 1_000_000_000;

fn sample(name: &str) -> (Vec<Row>, super::super::Counts) {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/import/osquery")
        .join(name);
    import_bytes(&Osquery, &std::fs::read(p).unwrap(), None)
}

fn file(e: &Event) -> &FileDetail {
    match &e.detail {
        Detail::File(f) => f,
        d => panic!("not a file event: {d:?}"),
    }
}

fn of<'a>(evs: &[&'a Event], kind: EventKind, pid: Option<i32>) -> Vec<&'a Event> {
    evs.iter()
        .copied()
        .filter(|e| e.kind == kind && e.process.pid == pid)
        .collect()
}

#[test]
fn audit_tables_link_children_to_the_incarnation_of_their_parent() {
    let h = "db-2";
    let (rows, counts) = sample("audit.jsonl");
    assert_eq!(
        (counts.records, counts.skipped_total()),
        (17, 0),
        "{counts:?}"
    );
    let evs = events(&rows);
    assert_eq!(evs.len(), 12);
    let bash = key(h, "2300@1718000010000000000");
    let seen_1200 = key(h, "1200@seen:1718000010000000000");

    // psql's exec is logged before bash's: bash is still found as its parent.
    let psql = of(&evs, EventKind::ProcessExec, Some(2301))[0];
    assert_eq!(psql.time, 1_718_000_012 * S);
    assert_eq!(psql.process.argv, ["psql", "-h", "10.0.0.5", "-U", "app"]);
    assert_eq!(psql.process.cwd.as_deref(), Some("/home/app"));
    assert_eq!(psql.process.ppid, Some(2300));
    assert_eq!(psql.process.parent_key, bash);
    let b = of(&evs, EventKind::ProcessExec, Some(2300))[0];
    assert_eq!(b.process.key, bash);
    assert_eq!(b.process.parent_key, seen_1200);

    // bash forks 2302, which execs curl: one process, the fork's key.
    let fork = of(&evs, EventKind::ProcessFork, Some(2302))[0];
    let curl_key = key(h, "2302@1718000013000000000");
    assert_eq!(fork.process.key, curl_key);
    assert_eq!(fork.process.start_time, Some(1_718_000_013 * S));
    assert_eq!(fork.process.parent_key, bash);
    let execs = of(&evs, EventKind::ProcessExec, Some(2302));
    assert_eq!(execs.len(), 2, "curl, then wget on the reused pid");
    let curl = execs[0];
    assert_eq!(curl.process.exe.as_deref(), Some("/usr/bin/curl"));
    assert_eq!(curl.process.key, curl_key);
    assert_eq!(
        curl.process.start_time, None,
        "an exec's time is no start time"
    );
    let e = extra(curl);
    assert_eq!(e["columns"]["syscall"], "execve");
    assert_eq!(e["columns"]["mode"], "0100755");
    assert_eq!(e["counter"], "11");
    assert!(e["columns"].get("pid").is_none() && e["columns"].get("uid").is_none());

    // Pid 2302 reused five minutes later by wget, a child of 1200: another process, and its
    // connect is its own, not curl's.
    let wget = execs[1];
    let wget_key = key(h, "2302@1718000400000000000");
    assert_ne!(wget_key, curl_key);
    assert_eq!(
        (wget.process.key.clone(), wget.process.uid),
        (wget_key.clone(), Some(0))
    );
    assert_eq!(wget.process.parent_key, seen_1200);
    let connects = of(&evs, EventKind::NetConnect, Some(2302));
    assert_eq!(connects.len(), 2);
    assert_eq!(connects[0].process.key, curl_key);
    assert_eq!(connects[0].process.ppid, Some(2300), "from the exec's row");
    assert_eq!(connects[0].process.parent_key, bash);
    assert_eq!(
        (net(connects[0]).dst_ip, net(connects[0]).dst_port),
        (Some("203.0.113.9".parse().unwrap()), Some(80))
    );
    assert_eq!(connects[1].process.key, wget_key);
    assert_eq!(connects[1].process.parent_key, seen_1200);
    assert_eq!(
        net(connects[1]).dst_ip,
        Some("198.51.100.4".parse().unwrap())
    );

    // nginx: bind → listen on its address, accept → the peer as source.
    let l = of(&evs, EventKind::NetListen, Some(900))[0];
    assert_eq!(
        (net(l).src_ip, net(l).dst_ip, net(l).dst_port),
        (None, Some("0.0.0.0".parse().unwrap()), Some(8080))
    );
    let a = of(&evs, EventKind::NetAccept, Some(900))[0];
    assert_eq!(
        (net(a).src_ip, net(a).src_port, net(a).dst_ip),
        (Some("10.0.0.7".parse().unwrap()), Some(51512), None)
    );
    assert_eq!(
        a.process.key, l.process.key,
        "one nginx, first seen at its bind"
    );
    let v6 = of(&evs, EventKind::NetConnect, Some(2301))[0];
    assert_eq!(
        (net(v6).dst_ip, net(v6).dst_port),
        (Some("2001:db8::5".parse().unwrap()), Some(5432))
    );
    assert_eq!(v6.process.key, psql.process.key);
    // The protocol audit does not know stays, as osquery wrote it.
    assert_eq!(extra(v6)["columns"]["protocol"], "0");

    // curl writes the script, mv (never seen exec'ing) renames it, a child of bash.
    let w = of(&evs, EventKind::FileOpenWrite, Some(2302))[0];
    assert_eq!(file(w).path, "/tmp/x.sh");
    assert_eq!(w.process.key, curl_key);
    assert_eq!(w.process.exe.as_deref(), Some("/usr/bin/curl"));
    let mv = of(&evs, EventKind::FileRename, Some(2303))[0];
    assert_eq!(
        (file(mv).path.as_str(), file(mv).target_path.as_deref()),
        ("/tmp/x.sh", Some("/usr/local/bin/x"))
    );
    assert_eq!(mv.process.parent_key, bash);
    assert_eq!(extra(mv)["columns"]["partial"], "false");

    for (what, n) in [
        ("socket_events failed connect", 1),
        ("socket_events unix socket", 1),
        ("process_events kill", 1),
        ("process_file_events open", 1),
        ("process_events removed", 1),
    ] {
        assert_eq!(unmapped(&counts, what), n, "{what}: {:?}", counts.unmapped);
    }
}

#[test]
fn bpf_tables_with_numbers_hidden_columns_and_a_container() {
    let h = "web-1";
    let (rows, counts) = sample("bpf.jsonl");
    assert_eq!(
        (counts.records, counts.skipped_total()),
        (9, 0),
        "{counts:?}"
    );
    let evs = events(&rows);
    assert_eq!(evs.len(), 7);
    let sshd = of(&evs, EventKind::ProcessExec, Some(4100))[0];
    assert_eq!(sshd.time, 1_718_100_000 * S);
    assert_eq!(sshd.process.argv, ["sshd", "-D"]);
    assert_eq!((sshd.process.tid, sshd.process.ppid), (Some(4100), Some(1)));
    let e = extra(sshd);
    assert_eq!(e["counter"], json!(18_446_744_073_709_551_615u64));
    assert_eq!(e["numerics"], true);
    assert_eq!(e["table"], "bpf_process_events");
    assert!(
        e["columns"].get("cmdline").is_none(),
        "json_cmdline said it exactly"
    );
    assert_eq!(e["columns"]["ntime"], "86000000000000");
    assert_eq!(e["columns"]["cid"], 5234);

    // `SELECT *` leaves the hidden `time` out: the log time stands for it.
    let curl = of(&evs, EventKind::ProcessExec, Some(4123))[0];
    assert_eq!(curl.time, 1_718_100_030 * S);
    assert_eq!(
        curl.process.argv,
        ["curl", "-s", "-o", "/tmp/a b", "http://203.0.113.9/i"]
    );
    assert_eq!(curl.process.parent_key, sshd.process.key);
    assert_eq!(
        extra(curl)["columns"]["cmdline"],
        "curl -s -o '/tmp/a b' http://203.0.113.9/i"
    );
    let c = of(&evs, EventKind::NetConnect, Some(4123))[0];
    assert_eq!(c.process.key, curl.process.key);
    assert_eq!(c.process.parent_key, sshd.process.key);
    let n = net(c);
    assert_eq!(
        (n.protocol, n.src_ip, n.src_port, n.dst_ip, n.dst_port),
        (
            Protocol::Tcp,
            Some("10.0.0.2".parse().unwrap()),
            Some(41000),
            Some("203.0.113.9".parse().unwrap()),
            Some(80)
        )
    );
    assert_eq!(extra(c)["columns"]["exit_code"], "-115");

    let id = "4f6c1b2e9a8d7c3b5e0f1a2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6e5f4a3";
    let py = of(&evs, EventKind::ProcessExec, Some(5200))[0];
    assert_eq!(py.container_id.as_deref(), Some(id));
    let ctrs = containers(&rows);
    assert_eq!(ctrs.len(), 1);
    assert_eq!(
        (ctrs[0].container_id.as_str(), ctrs[0].runtime.as_deref()),
        (id, Some("docker"))
    );
    let listens = of(&evs, EventKind::NetListen, Some(5200));
    assert_eq!(listens.len(), 2, "the listen and the udp bind");
    assert_eq!(
        (net(listens[0]).protocol, net(listens[0]).dst_port),
        (Protocol::Tcp, Some(8000))
    );
    assert_eq!(
        (net(listens[1]).protocol, net(listens[1]).dst_port),
        (Protocol::Udp, Some(5353))
    );
    assert_eq!(listens[0].process.key, py.process.key);
    let o = of(&evs, EventKind::FileOpenWrite, Some(5200))[0];
    assert_eq!(file(o).path, "/app/data.db");
    assert_eq!(file(o).flags, Some(0o2000102));
    assert_eq!(
        (o.process.tid, o.process.key.clone()),
        (Some(5201), py.process.key.clone())
    );

    assert_eq!(unmapped(&counts, "bpf_process_events failed exec"), 1);
    assert_eq!(
        unmapped(&counts, "bpf_socket_events bind of a stream socket"),
        1
    );
    assert_eq!(key(h, "4100@1718100000000000000"), sshd.process.key);
}

#[test]
fn fim_kinds_hashes_and_the_two_halves_of_a_rename() {
    let (rows, counts) = sample("fim.jsonl");
    assert_eq!(
        (counts.records, counts.skipped_total()),
        (9, 0),
        "{counts:?}"
    );
    let evs = events(&rows);
    let kinds: Vec<_> = evs.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            EventKind::FileCreate,
            EventKind::FileWriteClose,
            EventKind::FileRename,
            EventKind::FileChmod,
            EventKind::FileUnlink,
            EventKind::FileCreate,
        ]
    );
    let c = evs[0];
    assert_eq!(c.time, 1_718_200_001 * S);
    assert_eq!(c.host_id, "files-3");
    let f = file(c);
    assert_eq!(
        (f.path.as_str(), f.mode),
        ("/etc/cron.d/backdoor", Some(0o644))
    );
    assert_eq!(
        f.sha256.as_deref(),
        Some("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")
    );
    // FIM knows no process; uid/gid are the file's owner.
    assert_eq!(
        (c.process.pid, c.process.uid, c.process.key.clone()),
        (None, None, None)
    );
    let cols = &extra(c)["columns"];
    assert_eq!(cols["md5"], "098f6bcd4621d373cade4e832627b4f6");
    assert_eq!(cols["sha1"], "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3");
    assert_eq!(
        (cols["uid"].clone(), cols["action"].clone()),
        (json!("0"), json!("CREATED"))
    );
    assert_eq!(cols["category"], "etc");
    assert!(cols.get("target_path").is_none() && cols.get("sha256").is_none());

    let r = file(evs[2]);
    assert_eq!(
        (r.path.as_str(), r.target_path.as_deref()),
        ("/etc/ssh/sshd_config.tmp", Some("/etc/ssh/sshd_config"))
    );
    assert_eq!(file(evs[3]).mode, Some(0o4755));
    // Moved in from outside the watched paths: a file appeared.
    assert_eq!(file(evs[5]).path, "/etc/cron.d/job");
    assert_eq!(extra(evs[5])["columns"]["action"], "MOVED_TO");
    assert_eq!(
        unmapped(&counts, "file_events MOVED_TO (its rename's new name)"),
        1
    );
    assert_eq!(unmapped(&counts, "file_events OPENED"), 1);
    assert_eq!(unmapped(&counts, "file_events removed"), 1);
}

#[test]
fn batches_and_snapshots_pretty_printed_and_concatenated() {
    let (rows, counts) = sample("batch.json");
    assert_eq!((counts.records, counts.skipped_total()), (1, 0));
    let evs = events(&rows);
    assert_eq!(evs.len(), 1);
    let c = evs[0];
    assert_eq!(
        (c.kind, c.host_id.as_str()),
        (EventKind::NetConnect, "web-1")
    );
    let n = net(c);
    assert_eq!(
        (n.src_ip, n.src_port, n.dst_ip, n.dst_port),
        (
            Some("2001:db8::2".parse().unwrap()),
            Some(50022),
            Some("2001:db8::77".parse().unwrap()),
            Some(22)
        )
    );
    let e = extra(c);
    assert_eq!(e["action"], "added");
    assert_eq!(
        e["decorations"]["uuid"],
        "8c1f5e1a-52b4-4a38-9bd4-0f6a3c9e2d71"
    );
    assert_eq!(unmapped(&counts, "bpf_socket_events removed"), 1);

    // Snapshots of state tables are no events, even of processes with start times.
    let (rows, counts) = sample("snapshot.json");
    assert_eq!((counts.records, counts.skipped_total()), (2, 0));
    assert!(events(&rows).is_empty());
    assert_eq!(unmapped(&counts, "pack_incident_processes"), 3);
    assert_eq!(unmapped(&counts, "pack_incident_listening_ports"), 2);
}

/// The docs' process_events row, its values as `t` makes them.
fn docs_exec(t: impl Fn(&str) -> Value) -> String {
    json!({"name": "process_events", "hostIdentifier": "vagrant", "unixTime": t("1527895550"),
        "action": "added", "columns": {"pid": t("30219"), "parent": t("1"), "path": "/usr/bin/curl",
        "cmdline": "curl google.com", "uid": t("0"), "auid": t("4294967295"), "time": t("1527895541")}})
    .to_string()
}

#[test]
fn numbers_as_strings_or_as_numbers_read_alike() {
    let as_str = docs_exec(|s| json!(s));
    let as_num = docs_exec(|s| json!(s.parse::<i64>().unwrap()));
    let (a, _) = import_bytes(&Osquery, as_str.as_bytes(), None);
    let (b, _) = import_bytes(&Osquery, as_num.as_bytes(), None);
    let (a, b) = (events(&a)[0], events(&b)[0]);
    assert_eq!((a.time, &a.process), (b.time, &b.process));
    assert_eq!((a.process.ppid, a.process.uid), (Some(1), Some(0)));
    assert_eq!(a.process.auid, None, "audit's unset login uid");
}

#[test]
fn hosts_from_decorations_or_host_flag_and_bad_rows_skipped_not_lost() {
    let row = r#"{"name":"q","decorations":{"hostname":"deco-host"},"unixTime":"1718000000","columns":{"pid":"7","parent":"1","path":"/bin/true","cmdline":"true","time":"1718000000"},"action":"added"}"#;
    let (rows, _) = import_bytes(&Osquery, row.as_bytes(), None);
    assert_eq!(events(&rows)[0].host_id, "deco-host");
    let no_host = row.replace(r#""decorations":{"hostname":"deco-host"},"#, "");
    let (rows, counts) = import_bytes(&Osquery, no_host.as_bytes(), None);
    assert!(rows.is_empty());
    assert_eq!(counts.skipped["no host"], 1);
    let (rows, _) = import_bytes(&Osquery, no_host.as_bytes(), Some("given"));
    assert_eq!(events(&rows)[0].host_id, "given");

    // A pid beyond any integer, a row whose time is empty (and no log time), a cut line, a snapshot of nothing:
    // each is reported, and the good record after them is read.
    let input = format!(
        "{}\n{}\n{}\n{}\n{}\n",
        row.replace(r#""pid":"7""#, r#""pid":"99999999999999999999""#),
        row.replace(r#""unixTime":"1718000000","#, "")
            .replace(r#""time":"1718000000""#, r#""time":"""#),
        &row[..row.len() / 2],
        r#"{"name":"empty","hostIdentifier":"h","snapshot":[],"action":"snapshot"}"#,
        row
    );
    let (rows, counts) = import_bytes(&Osquery, input.as_bytes(), None);
    assert_eq!(events(&rows).len(), 1);
    assert_eq!(counts.skipped.get("no pid"), Some(&1), "{counts:?}");
    assert_eq!(counts.skipped.get("no time"), Some(&1), "{counts:?}");
    assert_eq!(counts.skipped_total(), 3, "{counts:?}");
    assert_eq!(unmapped(&counts, "empty (no rows)"), 1);
}

/// Reads `bytes`, then fails (a damaged compressed stream, a disk error).
struct Failing<'a>(&'a [u8]);

impl std::io::Read for Failing<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.0.is_empty() {
            return Err(std::io::Error::other("cut short"));
        }
        let n = buf.len().min(self.0.len());
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

#[test]
fn records_read_ahead_are_imported_when_reading_stops_early() {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/import/osquery/audit.jsonl");
    let bytes = std::fs::read(p).unwrap();
    let mut sink = crate::ingest::MemorySink::default();
    let known = super::super::ledger::Digests::default();
    let mut taken = std::collections::HashSet::new();
    let mut out = super::super::Emit::new(&mut sink, &known, &mut taken, None, false);
    let mut input = std::io::BufReader::new(Failing(&bytes));
    let got = Osquery.import(&mut input, &mut out);
    assert!(
        matches!(got, Err(super::super::ImportError::Read(_))),
        "{got:?}"
    );
    assert_eq!(out.counts.records, 17);
    assert_eq!(events(&sink.into_rows()).len(), 12);
}
