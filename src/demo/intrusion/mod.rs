//! The demo intrusion, written with the same primitives as the background. Times and ids come
//! from [`super::truth`]; docs/demo.md tells the story.

use crate::demo::sim::Change::*;
use std::sync::Arc;

use crate::schema::{ContainerRecord, EventKind, ProcessInfo};
use crate::store::StoreError;

use super::sim::{ALICE, ALICE_DB, APP, Ctr, MS, NODE1, NODE2, Sim};
use super::truth::*;

const TOKEN: &str = "eyJhbGciOiJSUzI1NiIsImtpZCI6IjZ0dTRmIn0.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6c2hvcDpzaG9wLXdlYiJ9.c2ln";

mod db;
mod laptop;
mod lateral;
mod web;

pub(crate) use laptop::laptop_leak;

fn pod_record(name: &str, pod: &str, image: &str, app: &str) -> ContainerRecord {
    ContainerRecord {
        name: Some(name.into()),
        image: Some(image.into()),
        image_id: Some(format!(
            "sha256:{}",
            &format!("{:x}", md5ish(image)).repeat(4)[..64]
        )),
        runtime: Some("containerd".into()),
        pod: Some(pod.into()),
        namespace: Some("shop".into()),
        labels: vec![
            format!("app={app}"),
            "team=shop".into(),
            format!("io.kubernetes.pod.name={pod}"),
        ],
        ..Default::default()
    }
}

/// A tiny stable hash for image ids (not cryptographic; ids only need to be stable).
pub(crate) fn md5ish(s: &str) -> u128 {
    let mut h: u128 = 0x6c62272e07bb014262b821756295c58d;
    for b in s.bytes() {
        h ^= b as u128;
        h = h.wrapping_mul(0x0000000001000000000000000000013B);
    }
    h
}
/// What the stages of day D hand on to the next ones.
pub(super) struct Scene {
    web: Ctr,
    worker: Arc<ProcessInfo>,
    pay: Ctr,
    /// Set by the exploit: the implant and its reverse shell.
    implant: Arc<ProcessInfo>,
    shell: Arc<ProcessInfo>,
    /// Set by recon: the stolen token's header and the API server.
    auth: String,
    api: &'static str,
    /// Set by the lateral movement: the shell in the payments pod and the SSH client there.
    psh: Arc<ProcessInfo>,
    ssh: Arc<ProcessInfo>,
    ssh_end: i64,
}

impl Scene {
    fn new(web: Ctr, worker: Arc<ProcessInfo>, pay: Ctr) -> Scene {
        Scene {
            web,
            worker,
            pay,
            implant: Arc::default(),
            shell: Arc::default(),
            auth: String::new(),
            api: "",
            psh: Arc::default(),
            ssh: Arc::default(),
            ssh_end: 0,
        }
    }
}

/// The web container, as the stages pass it to the simulation.
const W: Option<&str> = Some(WEB_CONTAINER_ID);
/// The payments container.
const P: Option<&str> = Some(PAY_CONTAINER_ID);

/// Day D: exploitation of the web container, reverse shell, token theft, `kubectl exec` into
/// the payments container, SSH with alice's key to db-01, dump and exfiltration, clean-up, and
/// both containers deleted.
pub(crate) fn attack(sim: &mut Sim, day: i64) -> Result<(), StoreError> {
    let mut s = web::pods(sim, day)?;
    web::exploit(sim, day, &mut s)?;
    web::recon(sim, day, &mut s)?;
    lateral::kubectl_exec(sim, day, &mut s)?;
    db::db(sim, day, &mut s)?;
    cleanup(sim, day, &mut s)
}

/// 6: clean-up in the web container, then both pods deleted.
fn cleanup(sim: &mut Sim, day: i64, s: &mut Scene) -> Result<(), StoreError> {
    let (w, p) = (W, P);
    let (shell, implant, psh, worker) = (&s.shell, &s.implant, &s.psh, &s.worker);
    // 6. Clean-up in the web container, then both pods deleted.
    let rm = sim.spawn(
        NODE1,
        shell,
        day + at(14, 31, 5, 0),
        w,
        "/bin/rm",
        &["rm", "-f", DROPPER_PATH],
        APP,
        "/app",
    )?;
    sim.change(NODE1, &rm, day + at(14, 31, 5, 5), w, Unlink(DROPPER_PATH))?;
    sim.exit(NODE1, &rm, day + at(14, 31, 5, 9), w, 0)?;
    sim.net(
        NODE1,
        implant,
        day + at(14, 31, 40, 0),
        w,
        EventKind::NetClose,
        Some((crate::demo::sim::ip(WEB_IP), 52_344)),
        (crate::demo::sim::ip(ATTACKER_IP), 4444),
        Some((38_120, 4_410)),
    )?;
    sim.exit(NODE1, shell, day + at(14, 31, 40, 5), w, 0)?;
    sim.exit(NODE1, implant, day + at(14, 31, 40, 9), w, 0)?;
    sim.exit(NODE2, psh, day + at(14, 15, 30, 0), p, 0)?;
    sim.exit(NODE1, worker, day + WEB_EXITED - MS, w, 137)?;
    sim.stop_container(&s.web, day + WEB_EXITED, 137, true)?;
    sim.stop_container(&s.pay, day + PAY_EXITED, 137, true)?;
    Ok(())
}
