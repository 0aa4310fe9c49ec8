//! Day D, lateral movement: `kubectl exec` into the payments pod, the key over the shell, SSH
//! out to db-01.

use super::super::sim::{MS, NODE1, NODE2, Sim};
use super::super::truth::*;
use super::*;
use crate::demo::sim::Side::{Accept, Connect};
use crate::store::StoreError;

/// 4: `kubectl exec` into the payments pod through the API server, and SSH from it.
pub(super) fn kubectl_exec(sim: &mut Sim, day: i64, s: &mut Scene) -> Result<(), StoreError> {
    let (w, shell, pay) = (W, s.shell.clone(), s.pay.clone());
    let (auth, api) = (s.auth.clone(), s.api);
    // 4. kubectl exec into the payments pod through the API server.
    let exec_url = format!(
        "https://10.96.0.1/api/v1/namespaces/shop/pods/{PAY_POD}/exec?command=sh&stdin=true&stdout=true&tty=false"
    );
    let c2 = sim.spawn(
        NODE1,
        &shell,
        day + at(14, 6, 55, 0) - 2 * MS,
        w,
        "/usr/bin/curl",
        &[
            "curl",
            "-sk",
            "-X",
            "POST",
            "-H",
            &auth,
            "-H",
            "Upgrade: SPDY/3.1",
            &exec_url,
        ],
        APP,
        "/app",
    )?;
    let c2_end = sim.tcp(
        Connect,
        NODE1,
        &c2,
        day + at(14, 6, 55, 0),
        w,
        WEB_IP,
        49_288,
        api,
        443,
        at(0, 8, 35, 0),
        (6_120, 48_200),
    )?;
    sim.exit(NODE1, &c2, c2_end + MS, w, 0)?;

    let p = P;
    let kubelet2 = sim.daemon(NODE2, "kubelet");
    sim.tcp(
        Accept,
        NODE2,
        &kubelet2,
        day + at(14, 6, 55, 600),
        None,
        "10.10.1.10",
        51_820,
        "10.10.1.12",
        10_250,
        at(0, 8, 34, 0),
        (48_000, 6_000),
    )?;
    let psh = sim.runtime_exec(
        &pay,
        day + at(14, 6, 56, 100) - 6 * MS,
        "/bin/sh",
        &["sh"],
        APP,
        "/app",
    )?;
    for (off, exe, argv) in [
        (
            at(14, 7, 20, 0),
            "/bin/cat",
            vec!["cat", "/app/config/database.yml"],
        ),
        (at(14, 7, 45, 0), "/usr/bin/env", vec!["env"]),
    ] {
        let q = sim.spawn(NODE2, &psh, day + off - 500_000, p, exe, &argv, APP, "/app")?;
        sim.exit(NODE2, &q, day + off + 6 * MS, p, 0)?;
    }
    // The key comes over the shell as base64.
    let sub = sim.fork(NODE2, &psh, day + at(14, 8, 29, 900), p)?;
    let b64 = sim.exec(
        NODE2,
        &sub,
        day + at(14, 8, 29, 950),
        p,
        "/usr/bin/base64",
        &["base64", "-d"],
        APP,
        "/app",
        None,
    )?;
    sim.write_file(NODE2, &b64, day + at(14, 8, 30, 0), p, "/tmp/.k", None)?;
    sim.exit(NODE2, &b64, day + at(14, 8, 30, 20), p, 0)?;
    let ch = sim.spawn(
        NODE2,
        &psh,
        day + at(14, 8, 31, 0) - 700_000,
        p,
        "/bin/chmod",
        &["chmod", "600", "/tmp/.k"],
        APP,
        "/app",
    )?;
    sim.change(
        NODE2,
        &ch,
        day + at(14, 8, 31, 0),
        p,
        Chmod("/tmp/.k", 0o600),
    )?;
    sim.exit(NODE2, &ch, day + at(14, 8, 31, 5), p, 0)?;
    let ssh = sim.spawn(
        NODE2,
        &psh,
        day + at(14, 9, 2, 0) - 900_000,
        p,
        "/usr/bin/ssh",
        &[
            "ssh",
            "-i",
            "/tmp/.k",
            "-o",
            "StrictHostKeyChecking=no",
            "alice@10.10.2.20",
            "bash -s",
        ],
        APP,
        "/app",
    )?;
    let ssh_end = sim.tcp(
        Connect,
        NODE2,
        &ssh,
        day + at(14, 9, 2, 10),
        p,
        PAY_IP,
        45_022,
        DB_IP,
        22,
        at(0, 18, 8, 0),
        (9_800, 3_100),
    )?;
    sim.loss(
        NODE2,
        day + LOSS_AT + 500 * MS,
        day + LOSS_AT,
        day + LOSS_AT + 500 * MS,
        3,
        "ringbuf_full",
    )?;

    s.psh = psh;
    s.ssh = ssh;
    s.ssh_end = ssh_end;
    Ok(())
}
