//! End to end with docker (a dockerd this test starts on its own socket and data root): the
//! eBPF collector attributes a docker container's processes (cgroupfs `/docker/<id>`) and
//! reads its name and image through `docker inspect`. Under CI=true missing prerequisites
//! fail the test.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

const IMAGE: &str = "trace-bb:3";

struct Daemon {
    child: Child,
    host: String,
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

fn docker(host: &str, args: &[&str]) -> std::process::Output {
    Command::new("docker")
        .env("DOCKER_HOST", host)
        .args(args)
        .output()
        .expect("docker")
}

fn start_daemon(dir: &std::path::Path) -> Result<Daemon, String> {
    let sock = dir.join("docker.sock");
    let host = format!("unix://{}", sock.display());
    let child = Command::new("dockerd")
        .arg("--host")
        .arg(&host)
        .arg("--data-root")
        .arg(dir.join("data"))
        .arg("--exec-root")
        .arg(dir.join("exec"))
        .arg("--pidfile")
        .arg(dir.join("dockerd.pid"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start dockerd: {e}"))?;
    let d = Daemon { child, host };
    let t = Instant::now();
    while t.elapsed() < Duration::from_secs(30) {
        if docker(&d.host, &["info"]).status.success() {
            return Ok(d);
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    Err("dockerd did not answer within 30 s".into())
}

#[test]
fn ebpf_attributes_a_docker_container_after_its_removal() {
    let have = |c: &str| {
        Command::new("sh")
            .args(["-c", &format!("command -v {c}")])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    let missing = needs_root().or_else(|| {
        ["dockerd", "docker", "busybox"]
            .iter()
            .find(|c| !have(c))
            .map(|c| format!("needs {c} (apt-get install docker.io busybox-static)"))
    });
    if !prerequisite(missing) {
        return;
    }
    let dir = tempfile::Builder::new()
        .prefix("trace-docker-")
        .tempdir()
        .unwrap();
    let daemon = match start_daemon(dir.path()) {
        Ok(d) => d,
        Err(why) => {
            prerequisite(Some(why));
            return;
        }
    };
    let tar = busybox_tar(dir.path());
    let imp = docker(&daemon.host, &["import", tar.to_str().unwrap(), IMAGE]);
    assert!(
        imp.status.success(),
        "{}",
        String::from_utf8_lossy(&imp.stderr)
    );

    let store = dir.path().join("store");
    let collector = start_collector(&store, "ebpf", 200, &[("DOCKER_HOST", &daemon.host)]);
    std::thread::sleep(Duration::from_millis(1500));
    let name = format!("trace-docker-it-{}", std::process::id());
    let run = docker(
        &daemon.host,
        &[
            "run",
            "-d",
            "--name",
            &name,
            IMAGE,
            "sh",
            "-c",
            "cat /etc/hostname; sleep 0.2; exit 4",
        ],
    );
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let id = String::from_utf8(run.stdout).unwrap().trim().to_string();
    assert!(docker(&daemon.host, &["wait", &name]).status.success());
    assert!(docker(&daemon.host, &["rm", "-f", &name]).status.success());
    std::thread::sleep(Duration::from_millis(400));
    stop_collector(collector);

    let procs = processes(&store);
    let inside: Vec<&P> = procs
        .iter()
        .filter(|p| p.container.as_deref() == Some(id.as_str()))
        .collect();
    let sh = inside
        .iter()
        .find(|p| p.kind == "process_exec" && p.argv.first().map(String::as_str) == Some("sh"))
        .unwrap_or_else(|| panic!("the shell in {inside:#?}"));
    let cat = inside
        .iter()
        .find(|p| p.kind == "process_exec" && p.argv == ["cat", "/etc/hostname"])
        .expect("the short cat");
    assert_eq!(cat.parent.as_deref(), Some(sh.key.as_str()));
    let mut attrs = None;
    for b in read_family(&store, "containers") {
        for i in 0..b.num_rows() {
            if col(&b, "container_id", i).as_deref() == Some(id.as_str())
                && col(&b, "state", i).as_deref() == Some("seen")
            {
                attrs = Some((
                    col(&b, "name", i),
                    col(&b, "image", i),
                    col(&b, "runtime", i),
                ));
            }
        }
    }
    let (n, image, runtime) = attrs.expect("a first-sight record");
    assert_eq!(n.as_deref(), Some(name.as_str()));
    assert_eq!(image.as_deref(), Some(IMAGE));
    assert_eq!(runtime.as_deref(), Some("docker"));

    // The scripted chain (files and a connection between two containers), also removed.
    let collector = start_collector(&store, "ebpf", 200, &[("DOCKER_HOST", &daemon.host)]);
    std::thread::sleep(Duration::from_millis(1500));
    let (server_id, client_id) = run_chain(
        &|a| docker(&daemon.host, a),
        &format!("d{}", std::process::id()),
        IMAGE,
        &[],
        &["-f"],
    );
    std::thread::sleep(Duration::from_millis(400));
    stop_collector(collector);
    assert_chain(&store, &client_id, &server_id, IMAGE);
}
