//! Helpers shared by the end-to-end tests: reading a store's Parquet files directly (the
//! collector's workspace has no DuckDB) and the process rows in them.

#![allow(dead_code)]

use std::path::Path;

use arrow::array::{Array, AsArray, RecordBatch};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

pub fn read_family(store: &Path, family: &str) -> Vec<RecordBatch> {
    let mut out = Vec::new();
    for e in walk(&store.join(family)) {
        if e.extension().and_then(|x| x.to_str()) == Some("parquet") {
            let r = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&e).unwrap())
                .unwrap()
                .build()
                .unwrap();
            out.extend(r.map(|b| b.unwrap()));
        }
    }
    out
}

pub fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

pub fn col(b: &RecordBatch, name: &str, row: usize) -> Option<String> {
    let c = b.column_by_name(name)?;
    if c.is_null(row) {
        return None;
    }
    // Cast just this cell: casting the whole column per cell made row loops quadratic.
    let c = arrow::compute::cast(&c.slice(row, 1), &arrow::datatypes::DataType::Utf8).ok()?;
    Some(c.as_string::<i32>().value(0).to_string())
}

#[derive(Debug, Clone)]
pub struct P {
    pub kind: String,
    pub key: String,
    pub parent: Option<String>,
    pub container: Option<String>,
    pub exe: Option<String>,
    pub argv: Vec<String>,
    pub cwd: Option<String>,
}

pub fn processes(store: &Path) -> Vec<P> {
    let mut out = Vec::new();
    for b in read_family(store, "process") {
        let argv = b.column_by_name("argv").unwrap().as_list::<i32>().clone();
        for i in 0..b.num_rows() {
            let a = if argv.is_null(i) {
                vec![]
            } else {
                let v = argv.value(i);
                let s = v.as_string::<i32>();
                (0..s.len()).map(|j| s.value(j).to_string()).collect()
            };
            out.push(P {
                kind: col(&b, "kind", i).unwrap(),
                key: col(&b, "process_key", i).unwrap_or_default(),
                parent: col(&b, "parent_process_key", i),
                container: col(&b, "container_id", i),
                exe: col(&b, "exe", i),
                argv: a,
                cwd: col(&b, "cwd", i),
            });
        }
    }
    out
}

/// A busybox root filesystem as a tar (no image registry is reachable here): `sh`, `cat`,
/// `sleep`, `echo`, `rm`, `chmod`, `mv`, `nc`, `printf`, `mkdir` as links to a static busybox.
pub fn busybox_tar(dir: &Path) -> std::path::PathBuf {
    use std::process::Command;
    let root = dir.join("root");
    for d in ["bin", "etc", "proc", "sys", "dev", "tmp"] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    let busybox = String::from_utf8(
        Command::new("sh")
            .args(["-c", "command -v busybox"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    std::fs::copy(busybox.trim(), root.join("bin/busybox")).unwrap();
    for a in [
        "sh", "cat", "sleep", "echo", "rm", "chmod", "mv", "nc", "printf", "mkdir",
    ] {
        std::os::unix::fs::symlink("busybox", root.join("bin").join(a)).unwrap();
    }
    let tar = dir.join("bb.tar");
    assert!(
        Command::new("tar")
            .arg("-C")
            .arg(&root)
            .arg("-cf")
            .arg(&tar)
            .arg(".")
            .status()
            .unwrap()
            .success()
    );
    tar
}

/// `true` when the test may go on. A missing prerequisite (`why`) fails the test under
/// CI=true and skips it, with the reason printed, elsewhere.
pub fn prerequisite(missing: Option<String>) -> bool {
    match missing {
        None => true,
        Some(why) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("prerequisite missing in CI: {why}")
        }
        Some(why) => {
            eprintln!("skipping: {why}");
            false
        }
    }
}

/// `Some(reason)` unless running as root.
pub fn needs_root() -> Option<String> {
    // SAFETY: geteuid has no preconditions.
    (unsafe { libc::geteuid() } != 0).then(|| "needs root".to_string())
}

/// Starts the collector on `store` in `mode` (poll every 20 ms, flush every `flush_ms`),
/// with extra environment variables.
pub fn start_collector(
    store: &Path,
    mode: &str,
    flush_ms: u64,
    envs: &[(&str, &str)],
) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_trace-collector"))
        .arg("--store")
        .arg(store)
        .args([
            "--mode",
            mode,
            "--interval-ms",
            "20",
            "--flush-ms",
            &flush_ms.to_string(),
        ])
        .envs(envs.iter().copied())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start the collector")
}

/// Stops the collector with SIGTERM; it must flush and exit 0. Returns its log.
pub fn stop_collector(collector: std::process::Child) -> String {
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &collector.id().to_string()])
            .status()
            .unwrap()
            .success()
    );
    let out = collector.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "collector: {log}");
    log
}

/// Every row of a family as column → text (list columns read as `None`).
pub fn table(store: &Path, family: &str) -> Vec<std::collections::HashMap<String, Option<String>>> {
    let mut out = Vec::new();
    for b in read_family(store, family) {
        for i in 0..b.num_rows() {
            out.push(
                b.schema()
                    .fields()
                    .iter()
                    .map(|f| (f.name().clone(), col(&b, f.name(), i)))
                    .collect(),
            );
        }
    }
    out
}

/// The listening side of the scripted chain: one TCP connection on loopback port 8080 of the
/// container's own network namespace.
pub const CHAIN_SERVER: &str = "nc -l -p 8080 > /tmp/got; cat /tmp/got";

/// The inner child of the chain: writes a file and deletes it.
pub const CHAIN_CHILD: &str = "echo payload > /tmp/drop.txt; rm /tmp/drop.txt";

/// The attacker-like chain, run in a second container sharing the server's network namespace:
/// a child shell that writes and deletes a file, a rename, a key written and read back, a
/// script written, chmodded and run, and a TCP connection to the server (retried until it
/// listens).
pub fn chain_client() -> String {
    format!(
        "sh -c '{CHAIN_CHILD}'; echo a > /tmp/old.txt; mv /tmp/old.txt /tmp/new.txt; \
         mkdir -p /root/.ssh; echo key > /root/.ssh/id_rsa; \
         cat /root/.ssh/id_rsa /etc/hostname > /dev/null; \
         cd /root/.ssh; cd ../../tmp; sh -c 'echo y > rel.txt'; \
         printf '#!/bin/sh\\necho ran\\n' > /tmp/run.sh; chmod 755 /tmp/run.sh; /tmp/run.sh; \
         i=0; until echo hello | nc 127.0.0.1 8080; do i=$((i+1)); [ $i -gt 100 ] && exit 9; \
         sleep 0.1; done"
    )
}

/// Runs the scripted chain with a container CLI (`cli` runs `podman …` or `docker …`): the
/// server with `--network none`, the client in the server's network namespace, both with
/// `run_flags`; waits for both to exit 0 and removes them with `rm_flags`. Returns (server id,
/// client id).
pub fn run_chain(
    cli: &dyn Fn(&[&str]) -> std::process::Output,
    tag: &str,
    image: &str,
    run_flags: &[&str],
    rm_flags: &[&str],
) -> (String, String) {
    let (srv, cli_name) = (format!("trace-srv-{tag}"), format!("trace-cli-{tag}"));
    let net = format!("container:{srv}");
    let script = chain_client();
    let mut ids = Vec::new();
    for (name, network, cmd) in [
        (&srv, "none", CHAIN_SERVER),
        (&cli_name, net.as_str(), script.as_str()),
    ] {
        let mut args = vec!["run", "-d", "--name", name, "--network", network];
        args.extend(run_flags);
        args.extend([image, "sh", "-c", cmd]);
        let out = cli(&args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        ids.push(String::from_utf8_lossy(&out.stdout).trim().to_string());
    }
    for n in [&cli_name, &srv] {
        let w = cli(&["wait", n]);
        assert_eq!(
            String::from_utf8_lossy(&w.stdout).trim(),
            "0",
            "{n} exit status"
        );
    }
    for n in [&cli_name, &srv] {
        let mut args = vec!["rm"];
        args.extend(rm_flags);
        args.push(n);
        assert!(cli(&args).status.success());
    }
    (ids.remove(0), ids.remove(0))
}

type Row = std::collections::HashMap<String, Option<String>>;

fn get<'a>(r: &'a Row, c: &str) -> &'a str {
    r.get(c).and_then(|v| v.as_deref()).unwrap_or("")
}

/// Asserts, from the store alone, every step of the chain recorded by the eBPF collector:
/// processes with their parent keys, file operations by the right processes, both ends of the
/// connection (same community id), all attributed to the right container with its image, and
/// both containers' lifecycle records.
pub fn assert_chain(store: &Path, client: &str, server: &str, image: &str) {
    let procs = processes(store);
    let inside: Vec<&P> = procs
        .iter()
        .filter(|p| p.container.as_deref() == Some(client))
        .collect();
    let script = chain_client();
    let outer = inside
        .iter()
        .find(|p| p.kind == "process_exec" && p.argv == ["sh", "-c", script.as_str()])
        .unwrap_or_else(|| panic!("the chain's shell in {inside:#?}"));
    let child = inside
        .iter()
        .find(|p| p.kind == "process_exec" && p.argv == ["sh", "-c", CHAIN_CHILD])
        .unwrap_or_else(|| panic!("the child shell in {inside:#?}"));
    assert_eq!(
        child.parent.as_deref(),
        Some(outer.key.as_str()),
        "child → shell"
    );
    let parent_of: std::collections::HashMap<&str, Option<&str>> = procs
        .iter()
        .map(|p| (p.key.as_str(), p.parent.as_deref()))
        .collect();
    // `key` is `of` or a process `of` started (busybox may run an applet in the shell itself).
    let by = |key: &str, of: &str| key == of || parent_of.get(key).copied().flatten() == Some(of);
    let script_exec = inside
        .iter()
        .find(|p| p.kind == "process_exec" && p.exe.as_deref() == Some("/tmp/run.sh"))
        .unwrap_or_else(|| panic!("the script's exec in {inside:#?}"));
    assert_eq!(script_exec.parent.as_deref(), Some(outer.key.as_str()));

    let files = table(store, "file");
    let find = |kind: &str, path: &str| -> &Row {
        files
            .iter()
            .find(|r| get(r, "kind") == kind && get(r, "path") == path)
            .unwrap_or_else(|| panic!("{kind} {path} in {files:#?}"))
    };
    for (kind, path, actor) in [
        ("file_create", "/tmp/drop.txt", child.key.as_str()),
        ("file_unlink", "/tmp/drop.txt", child.key.as_str()),
        ("file_create", "/tmp/old.txt", outer.key.as_str()),
        ("file_rename", "/tmp/old.txt", outer.key.as_str()),
        ("file_create", "/tmp/run.sh", outer.key.as_str()),
        ("file_chmod", "/tmp/run.sh", outer.key.as_str()),
        ("file_create", "/tmp/got", ""),
    ] {
        let r = find(kind, path);
        let want = if actor.is_empty() { server } else { client };
        assert_eq!(get(r, "container_id"), want, "{kind} {path}: container");
        if !actor.is_empty() {
            assert!(
                by(get(r, "process_key"), actor),
                "{kind} {path} by the right process: {r:?}"
            );
        }
    }
    assert_eq!(
        get(find("file_rename", "/tmp/old.txt"), "target_path"),
        "/tmp/new.txt"
    );
    assert_eq!(get(find("file_chmod", "/tmp/run.sh"), "file_mode"), "493"); // 0o755
    // Relative paths, after chdir: the working directory followed the shell through `cd`
    // and its child inherited it.
    let rel = find("file_create", "/tmp/rel.txt");
    let rel_child = inside
        .iter()
        .find(|p| p.key == get(rel, "process_key") && p.kind == "process_exec")
        .unwrap_or_else(|| panic!("the relative write's process: {rel:?}"));
    assert_eq!(rel_child.parent.as_deref(), Some(outer.key.as_str()));
    assert_eq!(rel_child.cwd.as_deref(), Some("/tmp"));
    // A watched secret read (read-only open) is recorded, an ordinary read is not.
    let read = find("file_open_read", "/root/.ssh/id_rsa");
    assert_eq!(get(read, "container_id"), client);
    assert!(by(get(read, "process_key"), outer.key.as_str()), "{read:?}");
    assert!(
        !files
            .iter()
            .any(|r| get(r, "kind") == "file_open_read" && get(r, "path") == "/etc/hostname")
    );

    let net = table(store, "network");
    let connect = net
        .iter()
        .find(|r| {
            get(r, "kind") == "net_connect"
                && get(r, "container_id") == client
                && get(r, "dst_port") == "8080"
        })
        .unwrap_or_else(|| panic!("the connect in {net:#?}"));
    assert_eq!(get(connect, "dst_ip"), "127.0.0.1");
    assert_eq!(get(connect, "protocol"), "tcp");
    assert!(
        by(get(connect, "process_key"), outer.key.as_str()),
        "{connect:?}"
    );
    let accept = net
        .iter()
        .find(|r| get(r, "kind") == "net_accept" && get(r, "container_id") == server)
        .unwrap_or_else(|| panic!("the accept in {net:#?}"));
    assert_eq!(get(accept, "src_port"), get(connect, "src_port"));
    assert_eq!(get(accept, "dst_port"), "8080");
    assert!(!get(connect, "community_id").is_empty());
    assert_eq!(get(accept, "community_id"), get(connect, "community_id"));
    assert!(net.iter().any(|r| get(r, "kind") == "net_listen"
        && get(r, "container_id") == server
        && get(r, "dst_port") == "8080"));
    // Closes (often handled after the owner exited) carry the owner's process, exe included.
    let closes: Vec<&Row> = net
        .iter()
        .filter(|r| {
            get(r, "kind") == "net_close" && get(r, "community_id") == get(connect, "community_id")
        })
        .collect();
    assert!(!closes.is_empty(), "{net:#?}");
    for c in &closes {
        assert!(
            !get(c, "exe").is_empty(),
            "close with its owner's exe: {c:?}"
        );
        assert!(
            get(c, "process_key") == get(connect, "process_key")
                || get(c, "process_key") == get(accept, "process_key"),
            "{c:?}"
        );
    }

    // The collector's own `inspect` calls are not in the store (the tests make none).
    assert!(
        !procs.iter().any(|p| p.argv.iter().any(|a| a == "inspect")),
        "the collector recorded itself"
    );

    let containers = table(store, "containers");
    for id in [client, server] {
        let rows: Vec<&Row> = containers
            .iter()
            .filter(|r| get(r, "container_id") == id)
            .collect();
        assert!(rows.iter().all(|r| get(r, "image") == image), "{rows:#?}");
        for state in ["seen", "exited"] {
            assert!(
                rows.iter().any(|r| get(r, "state") == state),
                "{id}: {state} record in {rows:#?}"
            );
        }
    }
}
