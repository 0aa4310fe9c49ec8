//! End to end, as root with real podman containers: the procfs collector records a container's
//! processes with their parents and the container's attribution, and the store keeps them
//! after the container is removed. Under CI=true missing prerequisites fail the test.

use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

mod common;
use common::*;

const IMAGE: &str = "localhost/trace-bb:3";

fn prerequisites() -> Result<(), String> {
    if let Some(why) = needs_root() {
        return Err(why);
    }
    for (cmd, arg) in [
        ("podman", "--version"),
        ("busybox", "--help"),
        ("runc", "--version"),
    ] {
        if !Command::new(cmd)
            .arg(arg)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
        {
            return Err(format!(
                "needs {cmd} (apt-get install podman runc busybox-static)"
            ));
        }
    }
    Ok(())
}

fn podman(args: &[&str]) -> std::process::Output {
    Command::new("podman")
        .args(["--runtime", "runc", "--cgroup-manager", "cgroupfs"])
        .args(args)
        .output()
        .expect("podman")
}

/// `podman run` options every test container needs here (the machine's default ulimits are
/// above what runc may set).
const LIMITS: [&str; 4] = [
    "--ulimit",
    "nofile=1024:1024",
    "--ulimit",
    "nproc=1024:1024",
];

/// Starts `sh -c script` detached as `name` with `extra` options; returns the container id.
fn run_detached(name: &str, extra: &[&str], script: &str) -> String {
    let mut args = vec!["run", "-d", "--name", name];
    args.extend(LIMITS);
    args.extend(extra);
    args.extend([IMAGE, "sh", "-c", script]);
    let run = podman(&args);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let id = String::from_utf8(run.stdout).unwrap().trim().to_string();
    assert_eq!(id.len(), 64, "container id {id}");
    id
}

/// Waits for container `name` and removes it.
fn wait_and_remove(name: &str) {
    assert!(podman(&["wait", name]).status.success());
    assert!(podman(&["rm", "-f", "-t", "0", name]).status.success());
}

/// Imports a busybox rootfs as IMAGE (no registry is reachable here).
fn ensure_image() {
    if podman(&["image", "exists", IMAGE]).status.success() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let tar = busybox_tar(dir.path());
    let out = podman(&["import", "-q", tar.to_str().unwrap(), IMAGE]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs the collector in `mode`, a container with `script`, waits for it, removes it, stops
/// the collector with SIGTERM (which must exit 0) and returns (temp dir, store, container id,
/// container name, collector log). `None` when prerequisites are missing outside CI.
fn record_container(
    mode: &str,
    settle_ms: u64,
    script: &str,
) -> Option<(
    tempfile::TempDir,
    std::path::PathBuf,
    String,
    String,
    String,
)> {
    if !prerequisite(prerequisites().err()) {
        return None;
    }
    ensure_image();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let collector = start_collector(&store, mode, 200, &[]);
    std::thread::sleep(Duration::from_millis(settle_ms));
    let name = format!("trace-{mode}-it-{}", std::process::id());
    let id = run_detached(&name, &[], script);
    wait_and_remove(&name);
    std::thread::sleep(Duration::from_millis(400));
    let log = stop_collector(collector);
    Some((dir, store, id, name, log))
}

/// `trace story <id> --format json --depth 1` on `store` with the root workspace's `trace`
/// (`None`, outside CI, when it is not built).
fn story_json(store: &Path, id: &str) -> Option<serde_json::Value> {
    let trace_bin = Path::new(env!("CARGO_BIN_EXE_trace-collector")).with_file_name("trace");
    if !trace_bin.exists() {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!(
                "{} not built (run the workspace's tests)",
                trace_bin.display()
            );
        }
        eprintln!("skipping the story part: {} not built", trace_bin.display());
        return None;
    }
    let story = Command::new(&trace_bin)
        .arg("--store")
        .arg(store)
        .args(["story", &id[..12], "--format", "json", "--depth", "1"])
        .output()
        .unwrap();
    assert!(
        story.status.success(),
        "{}",
        String::from_utf8_lossy(&story.stderr)
    );
    Some(serde_json::from_slice(&story.stdout).unwrap())
}

#[test]
fn a_removed_podman_container_keeps_its_process_tree_and_attribution() {
    let Some((_dir, store, id, name, _log)) = record_container(
        "procfs",
        700,
        "sleep 1.2; echo done > /tmp/x; exec sleep 1.1",
    ) else {
        return;
    };

    let procs = processes(&store);
    let inside: Vec<&P> = procs
        .iter()
        .filter(|p| p.container.as_deref() == Some(id.as_str()))
        .collect();
    let sh = inside
        .iter()
        .find(|p| p.kind == "process_exec" && p.argv.first().map(String::as_str) == Some("sh"))
        .unwrap_or_else(|| panic!("the container's shell, in {inside:#?}"));
    let sleep = inside
        .iter()
        .find(|p| p.kind == "process_exec" && p.argv == ["sleep", "1.2"])
        .expect("the shell's sleep child");
    assert_eq!(
        sleep.parent.as_deref(),
        Some(sh.key.as_str()),
        "child → parent key"
    );
    let exec = inside
        .iter()
        .find(|p| p.kind == "process_exec" && p.argv == ["sleep", "1.1"])
        .expect("the shell's exec into sleep");
    assert_eq!(exec.key, sh.key, "exec keeps the key");
    assert!(
        inside
            .iter()
            .any(|p| p.kind == "process_exit" && p.key == sh.key)
    );
    // Lineage into the host: the shell's parent is podman's conmon, outside the container.
    let by_key: HashMap<&str, &P> = procs.iter().map(|p| (p.key.as_str(), p)).collect();
    let parent = by_key
        .get(sh.parent.as_deref().unwrap_or(""))
        .expect("parent recorded");
    assert!(parent.container.is_none());
    assert!(
        parent.exe.as_deref().unwrap_or("").contains("conmon"),
        "parent {parent:?}"
    );

    // The container's attribution survived its removal.
    let mut seen = false;
    let mut exited = false;
    for b in read_family(&store, "containers") {
        for i in 0..b.num_rows() {
            if col(&b, "container_id", i).as_deref() != Some(id.as_str()) {
                continue;
            }
            assert_eq!(col(&b, "image", i).as_deref(), Some(IMAGE));
            assert_eq!(col(&b, "name", i).as_deref(), Some(name.as_str()));
            assert_eq!(col(&b, "runtime", i).as_deref(), Some("podman"));
            match col(&b, "state", i).as_deref() {
                Some("seen") => seen = true,
                Some("exited") => exited = true,
                _ => {}
            }
        }
    }
    assert!(
        seen && exited,
        "first-sight and exit records (seen {seen}, exited {exited})"
    );

    // The story of the removed container, told by `trace` from what the collector wrote.
    let Some(s) = story_json(&store, &id) else {
        return;
    };
    assert_eq!(s["container"]["image"], IMAGE);
    let procs = s["processes"].as_array().unwrap();
    // The shell exec'd into `sleep 1.1` (a story shows a process after its last exec); its
    // `sleep 1.2` child hangs under it.
    let shell = procs
        .iter()
        .find(|p| p["inside"] == true && p["argv"] == serde_json::json!(["sleep", "1.1"]))
        .expect("the container's main process");
    assert!(procs.iter().any(
        |p| p["argv"] == serde_json::json!(["sleep", "1.2"]) && p["parent_key"] == shell["key"]
    ));
    assert!(
        procs
            .iter()
            .any(|p| p["inside"] == false && p["exe"].as_str().unwrap_or("").contains("conmon"))
    );
}

/// The eBPF collector on the same kind of container: every exec, including ones far shorter
/// than any poll interval, with argv, parent keys, exit codes and the container, after the
/// container is removed.
#[test]
fn ebpf_records_every_exec_of_a_removed_container() {
    let Some((_dir, store, id, _name, log)) = record_container(
        "ebpf",
        1500,
        "cat /etc/hostname > /tmp/x; sleep 0.2; echo hi | cat; exit 7",
    ) else {
        return;
    };
    assert!(log.contains("eBPF mode"), "{log}");

    let procs = processes(&store);
    let inside: Vec<&P> = procs
        .iter()
        .filter(|p| p.container.as_deref() == Some(id.as_str()))
        .collect();
    let sh = inside
        .iter()
        .find(|p| p.kind == "process_exec" && p.argv.first().map(String::as_str) == Some("sh"))
        .unwrap_or_else(|| panic!("the shell in {inside:#?}"));
    let cats: Vec<&&P> = inside
        .iter()
        .filter(|p| p.kind == "process_exec" && p.argv.first().map(String::as_str) == Some("cat"))
        .collect();
    assert_eq!(cats.len(), 2, "both short-lived cats: {inside:#?}");
    for c in &cats {
        assert_eq!(
            c.parent.as_deref(),
            Some(sh.key.as_str()),
            "cat's parent is the shell"
        );
    }
    assert!(
        inside
            .iter()
            .any(|p| p.kind == "process_exec" && p.argv == ["sleep", "0.2"])
    );
    // Forks precede execs under the same key, and every exec has its fork.
    for c in &cats {
        assert!(
            inside
                .iter()
                .any(|p| p.kind == "process_fork" && p.key == c.key)
        );
    }
    // The shell's exit code is the script's.
    let mut exit_code = None;
    for b in read_family(&store, "process") {
        for i in 0..b.num_rows() {
            if col(&b, "kind", i).as_deref() == Some("process_exit")
                && col(&b, "process_key", i).as_deref() == Some(sh.key.as_str())
            {
                exit_code = col(&b, "exit_code", i);
            }
        }
    }
    assert_eq!(exit_code.as_deref(), Some("7"));
    let by_key: HashMap<&str, &P> = procs.iter().map(|p| (p.key.as_str(), p)).collect();
    let parent = by_key
        .get(sh.parent.as_deref().unwrap_or(""))
        .expect("the shell's parent is recorded");
    assert!(
        parent.container.is_none(),
        "lineage leaves the container: {parent:?}"
    );
    let mut image = None;
    for b in read_family(&store, "containers") {
        for i in 0..b.num_rows() {
            if col(&b, "container_id", i).as_deref() == Some(id.as_str()) {
                image = col(&b, "image", i);
            }
        }
    }
    assert_eq!(image.as_deref(), Some(IMAGE));
    let exited = read_family(&store, "containers").iter().any(|b| {
        (0..b.num_rows()).any(|i| {
            col(b, "container_id", i).as_deref() == Some(id.as_str())
                && col(b, "state", i).as_deref() == Some("exited")
        })
    });
    assert!(
        exited,
        "an exit record when the container's last process ended"
    );
}

/// The scripted chain with the eBPF collector: a server container listening on its
/// loopback and a client container sharing its network namespace that writes, deletes,
/// renames, chmods and runs a script, then connects. Both containers are removed before the
/// collector stops; everything is asserted from the store alone.
#[test]
fn ebpf_records_the_scripted_chain_of_two_removed_containers() {
    if !prerequisite(prerequisites().err()) {
        return;
    }
    ensure_image();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let collector = start_collector(&store, "ebpf", 200, &[]);
    std::thread::sleep(Duration::from_millis(1500));
    let (server_id, client_id) = run_chain(
        &|a| podman(a),
        &std::process::id().to_string(),
        IMAGE,
        &LIMITS,
        &["-f", "-t", "0"],
    );
    std::thread::sleep(Duration::from_millis(400));
    stop_collector(collector);
    assert_chain(&store, &client_id, &server_id, IMAGE);

    // The same chain as `trace story` tells it: files, drift, the connection and the pivot to
    // the server container through the flow seen from its side.
    let Some(s) = story_json(&store, &client_id) else {
        return;
    };
    let files: Vec<&serde_json::Value> = s["files"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| d["files"].as_array().unwrap())
        .collect();
    let file = |p: &str| {
        *files
            .iter()
            .find(|f| f["path"] == p)
            .unwrap_or_else(|| panic!("{p} in {files:#?}"))
    };
    let kinds = |p: &str| -> Vec<String> {
        file(p)["actions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["kind"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(kinds("/tmp/drop.txt"), ["file_create", "file_unlink"]);
    // runc's own setup (it runs in the container's cgroup) is marked and listed last.
    let dirs = s["files"].as_array().unwrap();
    let setup: Vec<bool> = dirs
        .iter()
        .map(|d| d["runtime_setup"].as_bool().unwrap())
        .collect();
    assert!(setup.contains(&true), "runc's setup: {dirs:#?}");
    assert!(setup.windows(2).all(|w| w[0] <= w[1]), "setup last");
    assert!(
        dirs.iter()
            .any(|d| d["dir"] == "/tmp" && d["runtime_setup"] == false)
    );
    assert_eq!(kinds("/tmp/run.sh"), ["file_create", "file_chmod"]);
    assert_eq!(file("/tmp/run.sh")["executed"], true, "written then run");
    // The peer on a shared loopback: the far end is named from the flow's other side.
    let conn = s["connections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["remote_ip"] == "127.0.0.1" && c["port"] == 8080)
        .unwrap_or_else(|| panic!("{}", s["connections"]));
    let far = conn["far_end"].as_str().unwrap_or("");
    assert!(far.contains(&server_id[..12]), "far end {far}");
    assert!(
        s["pivots"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["kind"] == "flow" && p["container_id"] == server_id.as_str()),
        "{}",
        s["pivots"]
    );
}

/// Without a runtime CLI to ask (none on the collector's PATH), the container's Kubernetes
/// names still come from the runtime's own state: the OCI bundle's `config.json` annotations.
#[test]
fn pod_and_namespace_come_from_the_bundle_when_no_cli_answers() {
    if !prerequisite(prerequisites().err()) {
        return;
    }
    ensure_image();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let collector = start_collector(&store, "ebpf", 200, &[("PATH", "/nonexistent")]);
    std::thread::sleep(Duration::from_millis(1500));
    let name = format!("trace-anno-{}", std::process::id());
    let id = run_detached(
        &name,
        &[
            "--annotation",
            "io.kubernetes.pod.name=shop-web-1",
            "--annotation",
            "io.kubernetes.pod.namespace=shop",
        ],
        "cat /etc/hostname; sleep 0.5",
    );
    wait_and_remove(&name);
    std::thread::sleep(Duration::from_millis(400));
    stop_collector(collector);
    let rows = table(&store, "containers");
    let seen = rows
        .iter()
        .find(|r| {
            r["container_id"].as_deref() == Some(id.as_str())
                && r["state"].as_deref() == Some("seen")
        })
        .unwrap_or_else(|| panic!("first-sight record of {id} in {rows:#?}"));
    assert_eq!(seen["pod"].as_deref(), Some("shop-web-1"), "{seen:?}");
    assert_eq!(seen["namespace"].as_deref(), Some("shop"));
    assert_eq!(seen["runtime"].as_deref(), Some("podman"));
    assert!(seen["created"].is_some(), "creation time from the bundle");
}
