//! Normal activity: the noise an intrusion hides in. A fixed schedule (cron, logrotate,
//! backups, CronJob pods every 15 minutes, CI builds, daily rollouts) plus traffic drawn at
//! random times until the day's event budget is used (web requests through the ingress to the
//! web pods, payments and PostgreSQL; kubelet probes; redis exec probes; developer work on the
//! laptop; admin SSH sessions).

use std::sync::Arc;

use rand::Rng;
use rand::seq::IndexedRandom;

use crate::schema::{ContainerRecord, EventKind, ProcessInfo};
use crate::store::StoreError;

use super::DAY;
use super::intrusion::md5ish;
use super::sim::{BUILD, Ctr, DB, LAPTOP, MS, NODE1, NODE2, ROOT, SEC, Sim, US, User};
use super::truth::{INGRESS_CONTAINER_ID, INGRESS_IP};

const ALICE: User = User {
    uid: 1000,
    name: "alice",
};
const BOB: User = User {
    uid: 1002,
    name: "bob",
};
const APP: User = User {
    uid: 10001,
    name: "app",
};
const RUNNER: User = User {
    uid: 998,
    name: "gitlab-runner",
};
const HOUR: i64 = 3_600 * SEC;
const MIN: i64 = 60 * SEC;

/// A long-running replica: its container and the worker that serves requests.
#[derive(Clone)]
pub(crate) struct Replica {
    pub start: i64,
    pub ctr: Ctr,
    pub worker: Arc<ProcessInfo>,
}

/// Replicas of the long-running deployments, by app.
#[derive(Default)]
pub(crate) struct Pods {
    pub web: Vec<Replica>,
    pub pay: Vec<Replica>,
    pub redis: Vec<Replica>,
}

fn record(name: &str, pod: &str, image: &str, app: &str, ns: &str) -> ContainerRecord {
    ContainerRecord {
        name: Some(name.into()),
        image: Some(image.into()),
        image_id: Some(format!("sha256:{:032x}{:032x}", md5ish(image), md5ish(app))),
        runtime: Some("containerd".into()),
        pod: Some(pod.into()),
        namespace: Some(ns.into()),
        labels: vec![
            format!("app={app}"),
            format!("io.kubernetes.pod.namespace={ns}"),
        ],
        ..Default::default()
    }
}

fn suffix(sim: &mut Sim, n: usize) -> String {
    const A: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    (0..n)
        .map(|_| *A.choose(&mut sim.rng).expect("non-empty") as char)
        .collect()
}

fn pod_ip(sim: &mut Sim, node: usize) -> String {
    let subnet = if node == NODE1 { 1 } else { 2 };
    format!("10.244.{subnet}.{}", sim.rng.random_range(40..250))
}

fn start_replica(sim: &mut Sim, app: &str, node: usize, t: i64) -> Result<Replica, StoreError> {
    let (image, exe, argv, port): (&str, &str, Vec<&str>, u16) = match app {
        "shop-web" => (
            "registry.shop.internal/shop/web:2.3.1",
            "/usr/local/bin/python3.12",
            vec![
                "/usr/local/bin/python3.12",
                "/usr/local/bin/gunicorn",
                "-w",
                "2",
                "-b",
                "0.0.0.0:8080",
                "shop.wsgi",
            ],
            8080,
        ),
        "payments-api" => (
            "registry.shop.internal/shop/payments-api:1.8.0",
            "/app/payments-api",
            vec!["/app/payments-api", "--listen", ":8443"],
            8443,
        ),
        _ => (
            "docker.io/library/redis:7.2.5",
            "/usr/local/bin/redis-server",
            vec!["redis-server", "*:6379"],
            6379,
        ),
    };
    let pod = format!("{app}-{}-{}", suffix(sim, 9), suffix(sim, 5));
    let ip = pod_ip(sim, node);
    let name = if app == "shop-web" {
        "web"
    } else if app == "payments-api" {
        "api"
    } else {
        "redis"
    };
    let ctr = sim.start_container(
        node,
        t,
        None,
        record(name, &pod, image, app, "shop"),
        &ip,
        exe,
        &argv,
        APP,
        "/app",
    )?;
    let any = super::sim::ip("0.0.0.0");
    sim.net(
        node,
        &ctr.entry,
        t + 200 * MS,
        Some(&ctr.id),
        EventKind::NetListen,
        None,
        (any, port),
        None,
    )?;
    let worker = if app == "shop-web" {
        sim.fork(node, &ctr.entry, t + 800 * MS, Some(&ctr.id))?
    } else {
        ctr.entry.clone()
    };
    Ok(Replica {
        start: t,
        ctr,
        worker,
    })
}

fn stop_replica(sim: &mut Sim, r: &Replica, t: i64) -> Result<(), StoreError> {
    if !Arc::ptr_eq(&r.worker, &r.ctr.entry) {
        sim.exit(r.ctr.host, &r.worker, t - MS, Some(&r.ctr.id), 0)?;
    }
    sim.stop_container(&r.ctr, t, 0, true)
}

fn alive(rs: &[Replica], t: i64) -> Option<&Replica> {
    rs.iter().filter(|r| r.start <= t).max_by_key(|r| r.start)
}

/// Day 0: the long-running pods and the ingress.
fn first_day(sim: &mut Sim, day_start: i64) -> Result<(), StoreError> {
    let t0 = day_start - 2 * HOUR;
    let ingress = sim.start_container(
        NODE1,
        t0,
        Some(INGRESS_CONTAINER_ID),
        record(
            "controller",
            "ingress-nginx-controller-6b9f7c8d5-7kq2w",
            "registry.k8s.io/ingress-nginx/controller:v1.11.2",
            "ingress-nginx",
            "ingress-nginx",
        ),
        INGRESS_IP,
        "/usr/bin/dumb-init",
        &["/usr/bin/dumb-init", "--", "/nginx-ingress-controller"],
        User {
            uid: 101,
            name: "www-data",
        },
        "/etc/nginx",
    )?;
    let ctl = sim.spawn(
        NODE1,
        &ingress.entry,
        t0 + 50 * MS,
        Some(INGRESS_CONTAINER_ID),
        "/nginx-ingress-controller",
        &[
            "/nginx-ingress-controller",
            "--election-id=ingress-nginx-leader",
        ],
        User {
            uid: 101,
            name: "www-data",
        },
        "/etc/nginx",
    )?;
    let master = sim.spawn(
        NODE1,
        &ctl,
        t0 + 900 * MS,
        Some(INGRESS_CONTAINER_ID),
        "/usr/bin/nginx",
        &["nginx: master process /usr/bin/nginx -c /etc/nginx/nginx.conf"],
        User {
            uid: 101,
            name: "www-data",
        },
        "/etc/nginx",
    )?;
    sim.net(
        NODE1,
        &master,
        t0 + 950 * MS,
        Some(INGRESS_CONTAINER_ID),
        EventKind::NetListen,
        None,
        (super::sim::ip("0.0.0.0"), 443),
        None,
    )?;
    let worker = sim.fork(NODE1, &master, t0 + SEC, Some(INGRESS_CONTAINER_ID))?;
    sim.ingress = Some((ingress, worker));
    let mut pods = Pods::default();
    for (app, node) in [
        ("shop-web", NODE1),
        ("shop-web", NODE1),
        ("payments-api", NODE2),
        ("payments-api", NODE2),
        ("redis", NODE2),
    ] {
        let t = t0 + sim.rng.random_range(0..600) * SEC;
        let r = start_replica(sim, app, node, t)?;
        match app {
            "shop-web" => pods.web.push(r),
            "payments-api" => pods.pay.push(r),
            _ => pods.redis.push(r),
        }
    }
    sim.pods = pods;
    Ok(())
}

/// The daily rollout of web and payments (06:00–06:30): each replica replaced.
fn rollout(sim: &mut Sim, day_start: i64) -> Result<(), StoreError> {
    let mut pods = std::mem::take(&mut sim.pods);
    for (app, set) in [("shop-web", &mut pods.web), ("payments-api", &mut pods.pay)] {
        let old: Vec<Replica> = set
            .drain(..)
            .filter(|r| r.start >= day_start - DAY - 3 * HOUR)
            .collect();
        // keep only the replicas alive at the end of yesterday
        let live: Vec<Replica> = old.iter().rev().take(2).cloned().collect();
        let mut next = live.clone();
        for r in &live {
            let t = day_start + 6 * HOUR + sim.rng.random_range(0..1_800) * SEC;
            let node = r.ctr.host;
            let new = start_replica(sim, app, node, t)?;
            stop_replica(sim, r, t + 25 * SEC)?;
            next.push(new);
        }
        *set = next;
    }
    sim.pods = pods;
    Ok(())
}

fn cron_job(
    sim: &mut Sim,
    h: usize,
    t: i64,
    cmd: &str,
    exe: &str,
    argv: &[&str],
    writes: &[&str],
) -> Result<(), StoreError> {
    let cron = sim.daemon(h, "cron");
    let c = sim.fork(h, &cron, t, None)?;
    let sh = sim.exec(
        h,
        &c,
        t + 300 * US,
        None,
        "/bin/sh",
        &["/bin/sh", "-c", cmd],
        ROOT,
        "/root",
        None,
    )?;
    let job = sim.spawn(h, &sh, t + MS, None, exe, argv, ROOT, "/root")?;
    let mut tt = t + 5 * MS;
    for f in writes {
        tt = sim.write_file(h, &job, tt + MS, None, f, None)?;
    }
    sim.exit(h, &job, tt + 20 * MS, None, 0)?;
    sim.exit(h, &sh, tt + 21 * MS, None, 0)?;
    Ok(())
}

fn logrotate(sim: &mut Sim, h: usize, t: i64) -> Result<(), StoreError> {
    let cron = sim.daemon(h, "cron");
    let c = sim.fork(h, &cron, t, None)?;
    let sh = sim.exec(
        h,
        &c,
        t + 300 * US,
        None,
        "/bin/sh",
        &[
            "/bin/sh",
            "-c",
            "test -x /usr/sbin/anacron || run-parts --report /etc/cron.daily",
        ],
        ROOT,
        "/root",
        None,
    )?;
    let rp = sim.spawn(
        h,
        &sh,
        t + MS,
        None,
        "/usr/bin/run-parts",
        &["run-parts", "--report", "/etc/cron.daily"],
        ROOT,
        "/root",
    )?;
    let lr = sim.spawn(
        h,
        &rp,
        t + 3 * MS,
        None,
        "/usr/sbin/logrotate",
        &["/usr/sbin/logrotate", "/etc/logrotate.conf"],
        ROOT,
        "/",
    )?;
    let mut tt = t + 10 * MS;
    for log in ["syslog", "auth.log", "kern.log", "daemon.log"] {
        let base = format!("/var/log/{log}");
        sim.file(
            h,
            &lr,
            tt,
            None,
            EventKind::FileUnlink,
            &format!("{base}.7.gz"),
            None,
            None,
            None,
        )?;
        for i in (2..7).rev() {
            sim.file(
                h,
                &lr,
                tt + MS,
                None,
                EventKind::FileRename,
                &format!("{base}.{i}.gz"),
                Some(&format!("{base}.{}.gz", i + 1)),
                None,
                None,
            )?;
        }
        sim.file(
            h,
            &lr,
            tt + 2 * MS,
            None,
            EventKind::FileRename,
            &base,
            Some(&format!("{base}.1")),
            None,
            None,
        )?;
        sim.file(
            h,
            &lr,
            tt + 3 * MS,
            None,
            EventKind::FileCreate,
            &base,
            None,
            Some(0o640),
            None,
        )?;
        sim.file(
            h,
            &lr,
            tt + 4 * MS,
            None,
            EventKind::FileChown,
            &base,
            None,
            None,
            None,
        )?;
        tt += 20 * MS;
    }
    sim.exit(h, &lr, tt, None, 0)?;
    sim.exit(h, &rp, tt + MS, None, 0)?;
    sim.exit(h, &sh, tt + 2 * MS, None, 0)?;
    Ok(())
}

fn report_job(sim: &mut Sim, node: usize, t: i64) -> Result<(), StoreError> {
    let pod = format!(
        "report-job-{}-{}",
        29_000_000 + (t / MIN) % 1_000_000,
        suffix(sim, 5)
    );
    let ip = pod_ip(sim, node);
    let c = sim.start_container(
        node,
        t,
        None,
        record(
            "report",
            &pod,
            "registry.shop.internal/shop/reports:0.9.4",
            "report-job",
            "shop",
        ),
        &ip,
        "/usr/local/bin/python3.12",
        &["python3", "/app/report.py", "--since", "15m"],
        APP,
        "/app",
    )?;
    let sport = sim.ephemeral_port();
    let mut tt = t + 300 * MS;
    let dur = sim.rng.random_range(2..20) * SEC;
    tt = sim.connect(
        node,
        &c.entry,
        tt,
        Some(&c.id),
        &ip,
        sport,
        "10.10.2.20",
        5432,
        dur,
        (4_200, 880_000),
    )?;
    db_backend(sim, t + 300 * MS + MS, &ip, sport, dur)?;
    let out = format!("/tmp/report-{}.csv", t / SEC);
    tt = sim.write_file(node, &c.entry, tt + 50 * MS, Some(&c.id), &out, None)?;
    let sport = sim.ephemeral_port();
    tt = sim.connect(
        node,
        &c.entry,
        tt + 10 * MS,
        Some(&c.id),
        &ip,
        sport,
        "10.10.4.8",
        443,
        700 * MS,
        (880_000, 1_200),
    )?;
    sim.stop_container(&c, tt + 200 * MS, 0, true)
}

/// PostgreSQL on db-01 accepting a client and forking a backend for it.
fn db_backend(sim: &mut Sim, t: i64, client: &str, sport: u16, dur: i64) -> Result<(), StoreError> {
    let pg = sim.daemon(DB, "postgres");
    sim.accept(
        DB,
        &pg,
        t,
        None,
        client,
        sport,
        "10.10.2.20",
        5432,
        dur,
        (880_000, 4_200),
    )?;
    let b = sim.fork(DB, &pg, t + 200 * US, None)?;
    sim.exit(DB, &b, t + dur + MS, None, 0)
}

fn ci_build(sim: &mut Sim, t: i64) -> Result<(), StoreError> {
    let runner = sim.daemon(BUILD, "gitlab-runner");
    let (image, exe, argv, out): (&str, &str, Vec<&str>, &str) = if sim.rng.random_bool(0.5) {
        (
            "docker.io/library/golang:1.22-bookworm",
            "/usr/local/go/bin/go",
            vec!["go", "build", "-o", "bin/", "./..."],
            "/builds/shop/api/bin",
        )
    } else {
        (
            "docker.io/library/node:20-bookworm",
            "/usr/local/bin/node",
            vec!["npm", "run", "build"],
            "/builds/shop/web/dist",
        )
    };
    let docker = sim.spawn(
        BUILD,
        &runner,
        t,
        None,
        "/usr/bin/docker",
        &["docker", "run", "--rm", image],
        RUNNER,
        "/home/gitlab-runner",
    )?;
    let name = format!("runner-{}-project-42-concurrent-0", suffix(sim, 8));
    let rec = ContainerRecord {
        name: Some(name),
        image: Some(image.into()),
        image_id: Some(format!(
            "sha256:{:032x}{:032x}",
            md5ish(image),
            md5ish("ci")
        )),
        runtime: Some("docker".into()),
        labels: vec![
            "com.gitlab.gitlab-runner.job.id=8812".into(),
            "com.gitlab.gitlab-runner.type=build".into(),
        ],
        ..Default::default()
    };
    let ip = format!("172.17.0.{}", sim.rng.random_range(2..60));
    let c = sim.start_container(
        BUILD,
        t + 800 * MS,
        None,
        rec,
        &ip,
        "/bin/sh",
        &["/bin/sh", "-c", "build_script"],
        ROOT,
        "/builds/shop",
    )?;
    let tool = sim.spawn(
        BUILD,
        &c.entry,
        t + SEC,
        Some(&c.id),
        exe,
        &argv,
        ROOT,
        "/builds/shop",
    )?;
    let sport = sim.ephemeral_port();
    let mut tt = sim.connect(
        BUILD,
        &tool,
        t + 2 * SEC,
        Some(&c.id),
        &ip,
        sport,
        "198.51.100.20",
        443,
        4 * SEC,
        (3_000, 22_000_000),
    )?;
    for i in 0..sim.rng.random_range(15..60) {
        let dt = sim.rng.random_range(1..400) * MS;
        tt = sim.write_file(
            BUILD,
            &tool,
            tt + dt,
            Some(&c.id),
            &format!("{out}/part-{i:03}.o"),
            None,
        )?;
    }
    sim.exit(BUILD, &tool, tt + 100 * MS, Some(&c.id), 0)?;
    if exe.ends_with("/go") {
        // The build's own binary is written, made executable and run by the tests: normal
        // "written then executed" drift inside CI containers.
        let bin = "/builds/shop/api/bin/api";
        tt = sim.write_file(BUILD, &c.entry, tt + 150 * MS, Some(&c.id), bin, None)?;
        sim.file(
            BUILD,
            &c.entry,
            tt + MS,
            Some(&c.id),
            EventKind::FileChmod,
            bin,
            None,
            Some(0o755),
            None,
        )?;
        let t2 = tt + 5 * MS;
        let run = sim.spawn(
            BUILD,
            &c.entry,
            t2,
            Some(&c.id),
            bin,
            &[bin, "--version"],
            ROOT,
            "/builds/shop/api",
        )?;
        tt = t2 + 40 * MS;
        sim.exit(BUILD, &run, tt, Some(&c.id), 0)?;
    }
    sim.stop_container(&c, tt + 200 * MS, 0, true)?;
    sim.exit(BUILD, &docker, tt + 600 * MS, None, 0)
}

fn web_request(sim: &mut Sim, t: i64) -> Result<(), StoreError> {
    let Some((ing, nginx)) = sim.ingress.clone() else {
        return Ok(());
    };
    let Some(web) = alive(&sim.pods.web, t).cloned() else {
        return Ok(());
    };
    let client = format!("198.51.100.{}", sim.rng.random_range(1..255));
    let (cport, iport) = (sim.ephemeral_port(), sim.ephemeral_port());
    let dur = sim.rng.random_range(3..120) * MS;
    sim.accept(
        NODE1,
        &nginx,
        t,
        Some(&ing.id),
        &client,
        cport,
        INGRESS_IP,
        443,
        dur + 2 * MS,
        (900, 14_000),
    )?;
    sim.connect(
        NODE1,
        &nginx,
        t + 500 * US,
        Some(&ing.id),
        INGRESS_IP,
        iport,
        &web.ctr.ip,
        8080,
        dur,
        (900, 14_000),
    )?;
    sim.accept(
        NODE1,
        &web.worker,
        t + 600 * US,
        Some(&web.ctr.id),
        INGRESS_IP,
        iport,
        &web.ctr.ip,
        8080,
        dur - 200 * US,
        (14_000, 900),
    )?;
    if sim.rng.random_bool(0.3)
        && let Some(pay) = alive(&sim.pods.pay, t).cloned()
    {
        let p = sim.ephemeral_port();
        let d2 = dur / 2;
        sim.connect(
            NODE1,
            &web.worker,
            t + MS,
            Some(&web.ctr.id),
            &web.ctr.ip,
            p,
            &pay.ctr.ip,
            8443,
            d2,
            (600, 300),
        )?;
        sim.accept(
            NODE2,
            &pay.worker,
            t + MS + 300 * US,
            Some(&pay.ctr.id),
            &web.ctr.ip,
            p,
            &pay.ctr.ip,
            8443,
            d2,
            (300, 600),
        )?;
        if sim.rng.random_bool(0.5) {
            let q = sim.ephemeral_port();
            sim.connect(
                NODE2,
                &pay.worker,
                t + 2 * MS,
                Some(&pay.ctr.id),
                &pay.ctr.ip,
                q,
                "10.10.2.20",
                5432,
                d2 / 2,
                (400, 2_000),
            )?;
            db_backend(sim, t + 2 * MS + 200 * US, &pay.ctr.ip, q, d2 / 2)?;
        }
    }
    Ok(())
}

fn probe(sim: &mut Sim, t: i64) -> Result<(), StoreError> {
    let pods: Vec<Replica> = [&sim.pods.web, &sim.pods.pay]
        .iter()
        .filter_map(|set| alive(set, t).cloned())
        .collect();
    let Some(r) = pods.choose(&mut sim.rng).cloned() else {
        return Ok(());
    };
    let node = r.ctr.host;
    let kubelet = sim.daemon(node, "kubelet");
    let node_ip = if node == NODE1 {
        "10.10.1.11"
    } else {
        "10.10.1.12"
    };
    let port = if node == NODE1 { 8080 } else { 8443 };
    let sport = sim.ephemeral_port();
    sim.connect(
        node,
        &kubelet,
        t,
        None,
        node_ip,
        sport,
        &r.ctr.ip,
        port,
        2 * MS,
        (112, 160),
    )?;
    sim.accept(
        node,
        &r.worker,
        t + 300 * US,
        Some(&r.ctr.id),
        node_ip,
        sport,
        &r.ctr.ip,
        port,
        MS,
        (160, 112),
    )?;
    Ok(())
}

fn redis_probe(sim: &mut Sim, t: i64) -> Result<(), StoreError> {
    let Some(r) = alive(&sim.pods.redis, t).cloned() else {
        return Ok(());
    };
    let p = sim.runtime_exec(
        &r.ctr,
        t,
        "/usr/local/bin/redis-cli",
        &["redis-cli", "ping"],
        APP,
        "/data",
    )?;
    let sport = sim.ephemeral_port();
    sim.connect(
        NODE2,
        &p,
        t + 8 * MS,
        Some(&r.ctr.id),
        "127.0.0.1",
        sport,
        "127.0.0.1",
        6379,
        MS,
        (14, 7),
    )?;
    sim.exit(NODE2, &p, t + 10 * MS, Some(&r.ctr.id), 0)
}

fn dev_work(sim: &mut Sim, t: i64) -> Result<(), StoreError> {
    let h = LAPTOP;
    let shell = sim.daemon(h, "gnome-shell");
    let cwd = "/home/alice/src/shop-web";
    let bash = sim.spawn(h, &shell, t, None, "/usr/bin/bash", &["bash"], ALICE, cwd)?;
    let mut tt = t + SEC;
    for _ in 0..sim.rng.random_range(1..6) {
        tt += sim.rng.random_range(2..90) * SEC;
        match sim.rng.random_range(0..6) {
            0 => {
                let f = [
                    "shop/views.py",
                    "shop/models.py",
                    "shop/templates/cart.html",
                    "README.md",
                ]
                .choose(&mut sim.rng)
                .copied()
                .unwrap_or("x");
                let vim = sim.spawn(
                    h,
                    &bash,
                    tt,
                    None,
                    "/usr/bin/vim.basic",
                    &["vim", f],
                    ALICE,
                    cwd,
                )?;
                let path = format!("{cwd}/{f}");
                let swp = format!("{cwd}/.{}.swp", f.rsplit('/').next().unwrap_or(f));
                sim.write_file(h, &vim, tt + SEC, None, &swp, None)?;
                tt += sim.rng.random_range(20..300) * SEC;
                sim.file(
                    h,
                    &vim,
                    tt,
                    None,
                    EventKind::FileOpenWrite,
                    &path,
                    None,
                    None,
                    None,
                )?;
                sim.file(
                    h,
                    &vim,
                    tt + MS,
                    None,
                    EventKind::FileWriteClose,
                    &path,
                    None,
                    None,
                    None,
                )?;
                sim.file(
                    h,
                    &vim,
                    tt + 2 * MS,
                    None,
                    EventKind::FileUnlink,
                    &swp,
                    None,
                    None,
                    None,
                )?;
                sim.exit(h, &vim, tt + 3 * MS, None, 0)?;
            }
            1 => {
                let git = sim.spawn(
                    h,
                    &bash,
                    tt,
                    None,
                    "/usr/bin/git",
                    &["git", "push", "origin", "main"],
                    ALICE,
                    cwd,
                )?;
                let ssh = sim.spawn(
                    h,
                    &git,
                    tt + 5 * MS,
                    None,
                    "/usr/bin/ssh",
                    &[
                        "ssh",
                        "git@git.shop.internal",
                        "git-receive-pack 'shop/web.git'",
                    ],
                    ALICE,
                    cwd,
                )?;
                let sport = sim.ephemeral_port();
                let end = sim.connect(
                    h,
                    &ssh,
                    tt + 20 * MS,
                    None,
                    "10.8.0.14",
                    sport,
                    "10.10.5.3",
                    22,
                    1_500 * MS,
                    (48_000, 6_000),
                )?;
                sim.exit(h, &ssh, end + MS, None, 0)?;
                sim.exit(h, &git, end + 3 * MS, None, 0)?;
            }
            2 => {
                let argv: &[&str] = [
                    &["git", "status"][..],
                    &["git", "diff"],
                    &["ls", "-la"],
                    &["grep", "-rn", "TODO", "shop"],
                ]
                .choose(&mut sim.rng)
                .copied()
                .unwrap_or(&["ls"]);
                let exe = if argv[0] == "git" {
                    "/usr/bin/git"
                } else if argv[0] == "ls" {
                    "/usr/bin/ls"
                } else {
                    "/usr/bin/grep"
                };
                let p = sim.spawn(h, &bash, tt, None, exe, argv, ALICE, cwd)?;
                sim.exit(h, &p, tt + 30 * MS, None, 0)?;
            }
            3 => {
                let p = sim.spawn(
                    h,
                    &bash,
                    tt,
                    None,
                    "/usr/bin/python3.12",
                    &["python3", "-m", "pytest", "-q"],
                    ALICE,
                    cwd,
                )?;
                for i in 0..sim.rng.random_range(2..8) {
                    sim.write_file(
                        h,
                        &p,
                        tt + (i + 1) * 100 * MS,
                        None,
                        &format!("{cwd}/.pytest_cache/v/cache/nodeids.{i}"),
                        None,
                    )?;
                }
                sim.exit(h, &p, tt + 4 * SEC, None, 0)?;
            }
            4 => {
                let ff = sim.daemon(h, "firefox");
                let sport = sim.ephemeral_port();
                let dst = format!("198.51.100.{}", sim.rng.random_range(1..255));
                let dur = sim.rng.random_range(1..60) * SEC;
                sim.connect(
                    h,
                    &ff,
                    tt,
                    None,
                    "192.168.1.23",
                    sport,
                    &dst,
                    443,
                    dur,
                    (3_000, 200_000),
                )?;
            }
            _ => {
                let p = sim.spawn(
                    h,
                    &bash,
                    tt,
                    None,
                    "/usr/bin/curl",
                    &["curl", "-s", "https://pypi.shop.internal/simple/django/"],
                    ALICE,
                    cwd,
                )?;
                let sport = sim.ephemeral_port();
                let end = sim.connect(
                    h,
                    &p,
                    tt + 3 * MS,
                    None,
                    "10.8.0.14",
                    sport,
                    "10.10.5.9",
                    443,
                    90 * MS,
                    (800, 40_000),
                )?;
                sim.exit(h, &p, end + MS, None, 0)?;
            }
        }
    }
    sim.exit(h, &bash, tt + SEC, None, 0)
}

fn admin_session(sim: &mut Sim, h: usize, t: i64) -> Result<(), StoreError> {
    let sshd = sim.daemon(h, "sshd");
    let me = super::sim::HOSTS[h].ips[0];
    let sport = sim.ephemeral_port();
    let dur = sim.rng.random_range(60..1_200) * SEC;
    sim.accept(
        h,
        &sshd,
        t,
        None,
        "10.8.0.5",
        sport,
        me,
        22,
        dur,
        (40_000, 400_000),
    )?;
    let s = sim.fork(h, &sshd, t + MS, None)?;
    let mut s2 = (*sim.fork(h, &s, t + 400 * MS, None)?).clone();
    s2.uid = Some(BOB.uid);
    s2.auid = Some(BOB.uid);
    s2.user_name = Some("bob".into());
    let s2 = Arc::new(s2);
    let bash = sim.spawn(
        h,
        &s2,
        t + 450 * MS,
        None,
        "/bin/bash",
        &["-bash"],
        BOB,
        "/home/bob",
    )?;
    let mut tt = t + 2 * SEC;
    for argv in [
        &["df", "-h"][..],
        &["systemctl", "status", "postgresql"],
        &["tail", "-n", "100", "/var/log/syslog"],
        &["uptime"],
    ] {
        tt += sim.rng.random_range(3..60) * SEC;
        let exe = format!("/usr/bin/{}", argv[0]);
        let p = sim.spawn(h, &bash, tt, None, &exe, argv, BOB, "/home/bob")?;
        sim.exit(h, &p, tt + 40 * MS, None, 0)?;
    }
    let end = (t + dur).max(tt + SEC);
    sim.write_file(
        h,
        &bash,
        end - 10 * MS,
        None,
        "/home/bob/.bash_history",
        None,
    )?;
    sim.exit(h, &bash, end, None, 0)?;
    sim.exit(h, &s2, end + MS, None, 0)?;
    sim.exit(h, &s, end + 2 * MS, None, 0)
}

fn apt_upgrade(sim: &mut Sim, h: usize, t: i64) -> Result<(), StoreError> {
    let init = sim.daemon(h, "init");
    let apt = sim.spawn(
        h,
        &init,
        t,
        None,
        "/usr/bin/python3.11",
        &["/usr/bin/python3", "/usr/bin/unattended-upgrade"],
        ROOT,
        "/",
    )?;
    let sport = sim.ephemeral_port();
    let me = super::sim::HOSTS[h].ips[0];
    let mut tt = sim.connect(
        h,
        &apt,
        t + SEC,
        None,
        me,
        sport,
        "198.51.100.80",
        80,
        6 * SEC,
        (9_000, 31_000_000),
    )?;
    let dpkg = sim.spawn(
        h,
        &apt,
        tt,
        None,
        "/usr/bin/dpkg",
        &[
            "/usr/bin/dpkg",
            "--status-fd",
            "3",
            "--configure",
            "--pending",
        ],
        ROOT,
        "/",
    )?;
    for pkg in ["libssl3", "openssl", "tzdata"] {
        for f in 0..sim.rng.random_range(3..12) {
            let path = format!("/usr/lib/x86_64-linux-gnu/{pkg}/file{f}.dpkg-new");
            tt = sim.write_file(h, &dpkg, tt + 2 * MS, None, &path, None)?;
            sim.file(
                h,
                &dpkg,
                tt + MS,
                None,
                EventKind::FileRename,
                &path,
                Some(&path.replace(".dpkg-new", "")),
                None,
                None,
            )?;
        }
        tt = sim.write_file(
            h,
            &dpkg,
            tt + 5 * MS,
            None,
            &format!("/var/lib/dpkg/info/{pkg}.list"),
            None,
        )?;
    }
    sim.exit(h, &dpkg, tt + 50 * MS, None, 0)?;
    sim.exit(h, &apt, tt + SEC, None, 0)
}

/// One day of background activity: the schedule, then traffic until `budget_end` events.
pub(crate) fn day(
    sim: &mut Sim,
    day: u32,
    day_start: i64,
    budget_end: u64,
    progress: &mut dyn FnMut(u64),
) -> Result<(), StoreError> {
    if day == 0 {
        first_day(sim, day_start)?;
    } else {
        rollout(sim, day_start)?;
    }
    if day == 3 {
        // db-01 was patched and rebooted just before midnight: a new boot id, pids start over.
        sim.boot(DB, day_start - 5 * MIN)?;
    }
    for h in [DB, BUILD] {
        let mut t = day_start + sim.rng.random_range(0..60) * SEC;
        while t < day_start + DAY {
            cron_job(
                sim,
                h,
                t,
                "command -v debian-sa1 > /dev/null && debian-sa1 1 1",
                "/usr/lib/sysstat/sadc",
                &[
                    "/usr/lib/sysstat/sadc",
                    "-F",
                    "-L",
                    "-S",
                    "DISK",
                    "1",
                    "1",
                    "/var/log/sysstat",
                ],
                &["/var/log/sysstat/sa"],
            )?;
            t += 10 * MIN;
        }
        logrotate(sim, h, day_start + 6 * HOUR + 25 * MIN)?;
    }
    logrotate(sim, LAPTOP, day_start + 9 * HOUR + 2 * MIN)?;
    apt_upgrade(sim, LAPTOP, day_start + 9 * HOUR + 40 * MIN)?;
    apt_upgrade(sim, DB, day_start + 6 * HOUR + 50 * MIN)?;
    let date = crate::timefmt::format_ns(day_start)[..10].replace('-', "");
    cron_job(
        sim,
        DB,
        day_start + 2 * HOUR,
        "/usr/local/bin/pg-backup.sh",
        "/usr/lib/postgresql/15/bin/pg_dump",
        &[
            "pg_dump",
            "-Fc",
            "shop",
            "-f",
            &format!("/var/backups/pg/shop-{date}.dump"),
        ],
        &[&format!("/var/backups/pg/shop-{date}.dump")],
    )?;
    // CronJob pods every 15 minutes, alternating nodes.
    let mut t = day_start + 5 * SEC;
    let mut node = NODE1;
    while t < day_start + DAY {
        let jitter = sim.rng.random_range(0..4_000) * MS;
        report_job(sim, node, t + jitter)?;
        node = if node == NODE1 { NODE2 } else { NODE1 };
        t += 15 * MIN;
    }
    let mut t = day_start + sim.rng.random_range(0..3_600) * SEC;
    while t < day_start + DAY {
        ci_build(sim, t)?;
        t += sim.rng.random_range(45..120) * MIN;
    }
    // Traffic until the budget is spent, in hourly slices for progress.
    let start_events = sim.events;
    let need = budget_end.saturating_sub(start_events);
    for hour in 0..24i64 {
        let slice_end = start_events + need * (hour as u64 + 1) / 24;
        let base = day_start + hour * HOUR;
        let mut idle = 0;
        while sim.events < slice_end && idle < 1_000 {
            let before = sim.events;
            let t = base + sim.rng.random_range(0..HOUR);
            let work_hours = (8..18).contains(&hour);
            match sim.rng.random_range(0..1000) {
                0..=699 => web_request(sim, t)?,
                700..=839 => probe(sim, t)?,
                840..=939 => redis_probe(sim, t)?,
                940..=989 if work_hours => dev_work(sim, t)?,
                990..=994 => admin_session(sim, [DB, BUILD][(t as usize) % 2], t)?,
                _ => probe(sim, t)?,
            }
            idle = if sim.events == before { idle + 1 } else { 0 };
        }
        progress(sim.events);
    }
    Ok(())
}
