//! Tetragon (cilium/tetragon) JSON events, as `tetra getevents -o json` and the export file
//! write them: `process_exec`, `process_exit`, `process_kprobe` (network, file and other hook
//! points), and the older `process_connect`, `process_listen` and `process_close`. JSON lines,
//! one pretty-printed object per file, or concatenated objects.
//!
//! Identity: `exec_id` (base64 of `node:ktime:pid`) is Tetragon's own unique process id; it
//! becomes the process key, and `parent_exec_id` the parent's, so lineage survives pid reuse.
//! The container is `process.pod.container.id` (`containerd://…`, `docker://…`), or the
//! truncated `process.docker` id when the pod is absent.

use std::io::BufRead;
use std::net::IpAddr;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::json::{each_value, first_value};
use super::values::{int, login_uid, shell_words, str_of, text, time_ns};
use super::{Emit, ImportError, Importer, NO_HOST, Why, skip};
use crate::ingest::identity::parse_container_ref;
use crate::schema::{
    ContainerRecord, ContainerState, Event, EventKind, FileDetail, NetDetail, Origin, ProcessInfo,
    Protocol, source_process_key,
};

/// The importer.
pub struct Tetragon;

/// The source name rows carry.
const SOURCE: &str = "tetragon";

/// Event types (the one top-level key naming each record's type).
const TYPES: &[&str] = &[
    "process_exec",
    "process_exit",
    "process_kprobe",
    "process_tracepoint",
    "process_uprobe",
    "process_lsm",
    "process_loader",
    "process_connect",
    "process_listen",
    "process_close",
];

/// Keys of an event body that are mapped to columns (everything else goes to `extra`).
const MAPPED: &[&str] = &[
    "process",
    "parent",
    "source_ip",
    "source_port",
    "destination_ip",
    "destination_port",
    "ip",
    "port",
    "protocol",
    "status",
];

fn kind_of(v: &Value) -> Option<(&'static str, &Map<String, Value>)> {
    let o = v.as_object()?;
    TYPES
        .iter()
        .find_map(|t| o.get(*t).and_then(Value::as_object).map(|b| (*t, b)))
}

impl Importer for Tetragon {
    fn name(&self) -> &'static str {
        SOURCE
    }

    fn about(&self) -> &'static str {
        "Tetragon JSON events (tetra getevents -o json, export files; current and 2021-22 formats)"
    }

    fn sniff(&self, head: &[u8]) -> bool {
        first_value(head)
            .is_some_and(|v| kind_of(&v).is_some_and(|(_, b)| b.contains_key("process")))
    }

    fn import(&self, input: &mut dyn BufRead, out: &mut Emit) -> Result<(), ImportError> {
        each_value(input, out, |_, v, out| map(v, out))
    }
}

/// The process of `p` (`process` or `parent` of an event) on `host`.
fn process(p: &Map<String, Value>, host: &str, parent: Option<&Map<String, Value>>) -> ProcessInfo {
    let exe = text(p.get("binary"));
    let mut argv: Vec<String> = exe.iter().cloned().collect();
    if let Some(a) = str_of(p, "arguments") {
        argv.extend(shell_words(a));
    }
    let key = |id: Option<&str>| id.map(|id| source_process_key(host, SOURCE, id));
    ProcessInfo {
        pid: int(p.get("pid")),
        tid: int(p.get("tid")),
        ppid: parent.and_then(|q| int(q.get("pid"))),
        uid: int(p.get("uid")),
        auid: login_uid(int(p.get("auid"))),
        comm: exe
            .as_deref()
            .and_then(|e| e.rsplit('/').next())
            .map(|c| c.chars().take(15).collect()),
        exe,
        argv,
        cwd: text(p.get("cwd")),
        start_time: p.get("start_time").and_then(time_ns),
        key: key(str_of(p, "exec_id")),
        parent_key: key(str_of(p, "parent_exec_id")),
        ..Default::default()
    }
}

/// The container the process ran in, with what the pod says of it.
fn container(p: &Map<String, Value>, host: &str, time: i64) -> Option<ContainerRecord> {
    let pod = p.get("pod").and_then(Value::as_object);
    let c = pod
        .and_then(|p| p.get("container"))
        .and_then(Value::as_object);
    let raw = c
        .and_then(|c| str_of(c, "id"))
        .or_else(|| str_of(p, "docker"))?;
    let (id, runtime) = parse_container_ref(raw);
    let image = c.and_then(|c| c.get("image")).and_then(Value::as_object);
    let labels = pod
        .and_then(|p| p.get("pod_labels"))
        .and_then(Value::as_object)
        .map(|l| {
            l.iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                .collect()
        })
        .unwrap_or_default();
    Some(ContainerRecord {
        time,
        host_id: host.to_string(),
        container_id: id,
        state: Some(ContainerState::Seen),
        name: c.and_then(|c| text(c.get("name"))),
        image: image.and_then(|i| text(i.get("name"))),
        image_id: image.and_then(|i| text(i.get("id"))),
        runtime: runtime.map(str::to_string),
        pod: pod.and_then(|p| text(p.get("name"))),
        namespace: pod.and_then(|p| text(p.get("namespace"))),
        labels,
        started: c.and_then(|c| c.get("start_time")).and_then(time_ns),
        source: SOURCE.to_string(),
        ..Default::default()
    })
}

fn ip(v: Option<&Value>) -> Option<IpAddr> {
    v.and_then(Value::as_str).and_then(|s| s.parse().ok())
}

fn protocol(v: Option<&Value>) -> Protocol {
    match v.and_then(Value::as_str) {
        Some(p) if p.eq_ignore_ascii_case("udp") || p.contains("UDP") => Protocol::Udp,
        _ => Protocol::Tcp,
    }
}

fn endpoint(o: &Map<String, Value>, ip_key: &str, port_key: &str) -> Option<(IpAddr, u16)> {
    Some((ip(o.get(ip_key))?, int(o.get(port_key))?))
}

/// Signal numbers of the names Tetragon prints for `process_exit.signal`.
fn signal_number(name: &str) -> Option<i32> {
    const NAMES: [&str; 31] = [
        "SIGHUP",
        "SIGINT",
        "SIGQUIT",
        "SIGILL",
        "SIGTRAP",
        "SIGABRT",
        "SIGBUS",
        "SIGFPE",
        "SIGKILL",
        "SIGUSR1",
        "SIGSEGV",
        "SIGUSR2",
        "SIGPIPE",
        "SIGALRM",
        "SIGTERM",
        "SIGSTKFLT",
        "SIGCHLD",
        "SIGCONT",
        "SIGSTOP",
        "SIGTSTP",
        "SIGTTIN",
        "SIGTTOU",
        "SIGURG",
        "SIGXCPU",
        "SIGXFSZ",
        "SIGVTALRM",
        "SIGPROF",
        "SIGWINCH",
        "SIGIO",
        "SIGPWR",
        "SIGSYS",
    ];
    NAMES.iter().position(|n| *n == name).map(|i| i as i32 + 1)
}

/// The rows of one record.
fn map(v: &Value, out: &mut Emit) -> Result<(), Why> {
    let Some((kind, body)) = kind_of(v) else {
        return Err(skip("not a Tetragon event", "no process_* key"));
    };
    let top = v.as_object().expect("kind_of found an object");
    let Some(p) = body.get("process").and_then(Value::as_object) else {
        return Err(skip("no process", format!("{kind} without `process`")));
    };
    let Some(host) = out.host_of(str_of(top, "node_name")) else {
        return Err(skip(
            NO_HOST,
            "the record has no node_name; name the host with --host",
        ));
    };
    let time = top
        .get("time")
        .and_then(time_ns)
        .or_else(|| (kind == "process_exec").then(|| p.get("start_time").and_then(time_ns))?);
    let Some(time) = time else {
        return Err(skip("no time", format!("{kind} without `time`")));
    };
    let parent = body.get("parent").and_then(Value::as_object);
    let info = Arc::new(process(p, &host, parent));
    let ctr = container(p, &host, time);
    let ctr_id = ctr.as_ref().map(|c| c.container_id.clone());
    if let Some(c) = ctr {
        out.container(c)?;
    }
    let o = Origin::new(&host, None, SOURCE);
    let mut extra = Map::new();
    for k in ["flags", "arguments", "refcnt"] {
        if let Some(x) = p.get(k) {
            extra.insert(k.to_string(), x.clone());
        }
    }
    for (k, x) in body {
        if !MAPPED.contains(&k.as_str()) {
            extra.insert(k.clone(), x.clone());
        }
    }
    let ev = match kind {
        "process_exec" => o.exec(time, ctr_id, info, None),
        "process_exit" => {
            let code = str_of(body, "signal")
                .and_then(signal_number)
                .map(|s| 128 + s)
                .or_else(|| int(body.get("status")));
            o.exit(time, ctr_id, info, code)
        }
        "process_connect" | "process_close" => {
            let src = endpoint(body, "source_ip", "source_port");
            let dst = endpoint(body, "destination_ip", "destination_port");
            let stats = body.get("stats").and_then(Value::as_object);
            let bytes = stats
                .and_then(|s| Some((int(s.get("bytes_sent"))?, int(s.get("bytes_received"))?)));
            let k = if kind == "process_connect" {
                EventKind::NetConnect
            } else {
                EventKind::NetClose
            };
            let d = NetDetail::new(protocol(body.get("protocol")), src, dst).bytes(bytes);
            o.net(time, k, ctr_id, info, d)
        }
        "process_listen" => {
            let d = NetDetail::new(
                protocol(body.get("protocol")),
                None,
                endpoint(body, "ip", "port"),
            );
            o.net(time, EventKind::NetListen, ctr_id, info, d)
        }
        "process_kprobe" => kprobe(&o, time, ctr_id, info, body)?,
        other => {
            let what = str_of(body, "event").or_else(|| str_of(body, "function_name"));
            return Err(Why::Unmapped(format!("{other} {}", what.unwrap_or("?"))));
        }
    };
    out.event(ev.with_extra(Some(extra)))?;
    Ok(())
}

/// A kprobe as a network or file event, by its hook and arguments.
fn kprobe(
    o: &Origin,
    time: i64,
    ctr: Option<String>,
    info: Arc<ProcessInfo>,
    body: &Map<String, Value>,
) -> Result<Event, Why> {
    let func = str_of(body, "function_name").unwrap_or_default();
    let args: Vec<&Map<String, Value>> = body
        .get("args")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_object).collect())
        .unwrap_or_default();
    let arg = |k: &str| args.iter().find_map(|a| a.get(k));
    if let Some(sock) = arg("sock_arg").and_then(Value::as_object) {
        let local = endpoint(sock, "saddr", "sport");
        let remote = endpoint(sock, "daddr", "dport");
        let (kind, src, dst) = match func {
            "tcp_connect" | "__x64_sys_connect" => (EventKind::NetConnect, local, remote),
            "inet_csk_accept" => (EventKind::NetAccept, remote, local),
            "tcp_close" | "tcp_set_state" => (EventKind::NetClose, local, remote),
            _ => (EventKind::NetConnect, local, remote),
        };
        let d = NetDetail::new(protocol(sock.get("protocol")), src, dst);
        return Ok(o.net(time, kind, ctr, info, d));
    }
    let file = arg("file_arg")
        .or_else(|| arg("path_arg"))
        .and_then(Value::as_object);
    let Some(path) = file.and_then(|f| str_of(f, "path")) else {
        return Err(Why::Unmapped(format!("process_kprobe {func}")));
    };
    // Older Tetragon prints d_path without the leading slash.
    let path = if path.starts_with('/') {
        path.to_string()
    } else {
        format!("/{path}")
    };
    let mask = arg("int_arg").and_then(Value::as_i64);
    let kind = match func {
        "security_path_unlink" | "security_inode_unlink" => EventKind::FileUnlink,
        "security_path_chmod" => EventKind::FileChmod,
        f if f.contains("write") => EventKind::FileOpenWrite,
        // MAY_WRITE (2) or MAY_APPEND (8) in the permission mask.
        "security_file_permission" | "security_file_open" if mask.is_some_and(|m| m & 10 != 0) => {
            EventKind::FileOpenWrite
        }
        _ => EventKind::FileOpenRead,
    };
    Ok(o.file(time, kind, ctr, info, FileDetail::path(path)))
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::schema::Detail;

    const NETSERVER: &str =
        "Z2tlLW1pY2hpLTIyMDM4LWRlZmF1bHQtcG9vbC00MzczMGZhYi1sOHpyOjEzNjY1ODIyNjI0ODU2OjY4Nzkw";

    #[test]
    fn exec_events_keep_lineage_container_and_pod() {
        let (rows, counts) = import_fixture(&Tetragon, "tetragon/testdata/events.json");
        assert_eq!(counts.skipped_total(), 0, "{counts:?}");
        let evs = events(&rows);
        assert_eq!(evs.len(), 3);
        let e = evs[0];
        assert_eq!(e.kind, EventKind::ProcessExec);
        assert_eq!(e.host_id, "my-node");
        assert_eq!(e.source, "tetragon");
        // No `time` on this line: the exec's start time stands for it.
        assert_eq!(
            e.time,
            time_ns(&Value::from("2022-10-18T03:16:18.273546829Z")).unwrap()
        );
        let p = &e.process;
        assert_eq!(
            (p.pid, p.ppid, p.uid, p.auid),
            (Some(68790), Some(68598), Some(0), None)
        );
        assert_eq!(p.exe.as_deref(), Some("/usr/bin/netserver"));
        assert_eq!(p.argv, ["/usr/bin/netserver", "-D"]);
        assert_eq!(
            p.key,
            Some(source_process_key("my-node", SOURCE, NETSERVER))
        );
        let parent_exec =
            "Z2tlLW1pY2hpLTIyMDM4LWRlZmF1bHQtcG9vbC00MzczMGZhYi1sOHpyOjEzNjYwNDgwNjUxNTk1OjY4NTk4";
        assert_eq!(
            p.parent_key,
            Some(source_process_key("my-node", SOURCE, parent_exec))
        );
        let id = "19a02291e106ce6227b684197be232ea57c4e1a5ab2604a12608c325d701c7f4";
        assert_eq!(e.container_id.as_deref(), Some(id));
        let extra: Value = serde_json::from_str(e.extra.as_deref().unwrap()).unwrap();
        assert_eq!(extra["flags"], "execve rootcwd clone");
        let ctrs = containers(&rows);
        assert_eq!(ctrs.len(), 3, "one record per container");
        let c = ctrs.iter().find(|c| c.container_id == id).unwrap();
        assert_eq!(c.pod.as_deref(), Some("tiefighter"));
        assert_eq!(c.namespace.as_deref(), Some("default"));
        assert_eq!(c.name.as_deref(), Some("spaceship"));
        assert_eq!(c.image.as_deref(), Some("docker.io/tgraf/netperf:latest"));
        assert_eq!(c.runtime.as_deref(), Some("containerd"));
        assert!(c.labels.contains(&"org=empire".to_string()));
    }

    fn one(rel: &str) -> Event {
        let (rows, counts) = import_fixture(&Tetragon, rel);
        assert_eq!(counts.skipped_total(), 0, "{rel}: {counts:?}");
        let evs = events(&rows);
        assert_eq!(evs.len(), 1, "{rel}");
        evs[0].clone()
    }

    fn net(e: &Event) -> &NetDetail {
        match &e.detail {
            Detail::Network(n) => n,
            d => panic!("not a network event: {d:?}"),
        }
    }

    #[test]
    fn legacy_connect_listen_close_are_network_events() {
        let dir = "tetragon/security-observability-with-ebpf/00_four_golden_signals";
        let c = one(&format!("{dir}/process_connect.json"));
        assert_eq!(c.kind, EventKind::NetConnect);
        let n = net(&c);
        assert_eq!(
            (n.src_ip, n.src_port),
            (Some("10.88.0.7".parse().unwrap()), Some(49168))
        );
        assert_eq!(
            (n.dst_ip, n.dst_port),
            (Some("142.250.180.196".parse().unwrap()), Some(80))
        );
        assert_eq!(
            c.container_id.as_deref(),
            Some("86eb9e29a77d432afc7a15b424db1d24a382f3caae26f860ab22df8cb5e96054")
        );
        assert_eq!(c.process.ppid, Some(114757));
        let close = one(&format!("{dir}/process_close.json"));
        assert_eq!(close.kind, EventKind::NetClose);
        assert_eq!(
            (net(&close).bytes_sent, net(&close).bytes_received),
            (Some(78), Some(15221))
        );
        assert_eq!(close.community_id(), c.community_id());
        let l = one(&format!("{dir}/process_listen.json"));
        assert_eq!(l.kind, EventKind::NetListen);
        assert_eq!((net(&l).src_ip, net(&l).dst_port), (None, Some(9080)));
        let x = one(&format!("{dir}/process_exit.json"));
        assert_eq!(x.kind, EventKind::ProcessExit);
    }

    #[test]
    fn kprobes_on_files_are_file_events_and_the_rest_is_counted() {
        let dir = "tetragon/security-observability-with-ebpf/00_four_golden_signals";
        let w = one(&format!("{dir}/process_kprobe.json"));
        assert_eq!(w.kind, EventKind::FileOpenWrite);
        match &w.detail {
            Detail::File(f) => assert_eq!(f.path, "/etc/passwd"),
            d => panic!("{d:?}"),
        }
        let extra: Value = serde_json::from_str(w.extra.as_deref().unwrap()).unwrap();
        assert_eq!(extra["function_name"], "__x64_sys_write");
        let docs = "tetragon/docs-current-format/tetragon-docs-current-format.extracted.jsonl";
        let (_, counts) = import_fixture(&Tetragon, docs);
        // Three records (cut from the docs) name no node: skipped without --host.
        assert_eq!(counts.skipped["no host"], 3);
        let bytes = std::fs::read(fixture(docs)).unwrap();
        let (rows, counts) = import_bytes(&Tetragon, &bytes, Some("docs-node"));
        assert_eq!(counts.records, 17);
        assert_eq!(counts.skipped_total(), 0, "{counts:?}");
        let evs = events(&rows);
        let kinds = |k| evs.iter().filter(|e| e.kind == k).count();
        // The docs show one curl exec twice, byte for byte: the copy is a duplicate.
        assert_eq!(counts.duplicates, 1);
        assert_eq!(kinds(EventKind::ProcessExec), 3);
        assert_eq!(kinds(EventKind::ProcessExit), 1);
        // security_file_permission with MAY_WRITE on /etc/passwd.
        assert_eq!(kinds(EventKind::FileOpenWrite), 1);
        // two kernel module files read, one binary through bprm_creds.
        assert_eq!(kinds(EventKind::FileOpenRead), 3);
        let unmapped: u64 = counts.unmapped.values().sum();
        assert_eq!(unmapped, 8, "{:?}", counts.unmapped);
        assert_eq!(counts.unmapped["process_kprobe do_init_module"], 1);
    }

    #[test]
    fn every_fixture_is_detected_and_mangled_copies_never_panic() {
        let mut files = Vec::new();
        for e in walkdir::WalkDir::new(fixture("tetragon")) {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().to_string();
            if e.file_type().is_file() && (name.ends_with(".json") || name.ends_with(".jsonl")) {
                files.push(e.into_path());
            }
        }
        assert_eq!(files.len(), 17);
        for f in &files {
            let bytes = std::fs::read(f).unwrap();
            assert!(Tetragon.sniff(&bytes), "{}", f.display());
            for m in mangled(&bytes) {
                let (rows, counts) = import_bytes(&Tetragon, &m, None);
                assert!(counts.records as usize >= events(&rows).len().min(1));
            }
        }
        assert!(!Tetragon.sniff(b"type=SYSCALL msg=audit(1.2:3): pid=1"));
        assert!(!Tetragon.sniff(b"{\"rule\":\"x\",\"output_fields\":{}}"));
    }
}
