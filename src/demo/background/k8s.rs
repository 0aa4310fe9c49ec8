//! Kubernetes nodes: replicas and rollouts, CronJob pods, and the traffic to the pods (web requests through the ingress, payments and PostgreSQL, kubelet and redis probes).

use crate::demo::sim::Side::{Accept, Connect};
use std::sync::Arc;

use rand::Rng;
use rand::seq::IndexedRandom;

use super::*;
use crate::demo::DAY;
use crate::demo::intrusion::md5ish;
use crate::demo::sim::{DB, MS, NODE1, NODE2, SEC, Sim, US, User};
use crate::demo::truth::{INGRESS_CONTAINER_ID, INGRESS_IP};
use crate::schema::{ContainerRecord, EventKind};
use crate::store::StoreError;

pub(super) fn record(name: &str, pod: &str, image: &str, app: &str, ns: &str) -> ContainerRecord {
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

pub(super) fn suffix(sim: &mut Sim, n: usize) -> String {
    const A: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    (0..n)
        .map(|_| *A.choose(&mut sim.rng).expect("non-empty") as char)
        .collect()
}

pub(super) fn pod_ip(sim: &mut Sim, node: usize) -> String {
    let subnet = if node == NODE1 { 1 } else { 2 };
    format!("10.244.{subnet}.{}", sim.rng.random_range(40..250))
}

pub(super) fn start_replica(
    sim: &mut Sim,
    app: &str,
    node: usize,
    t: i64,
) -> Result<Replica, StoreError> {
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
    let any = crate::demo::sim::ip("0.0.0.0");
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

pub(super) fn stop_replica(sim: &mut Sim, r: &Replica, t: i64) -> Result<(), StoreError> {
    if !Arc::ptr_eq(&r.worker, &r.ctr.entry) {
        sim.exit(r.ctr.host, &r.worker, t - MS, Some(&r.ctr.id), 0)?;
    }
    sim.stop_container(&r.ctr, t, 0, true)
}

pub(super) fn alive(rs: &[Replica], t: i64) -> Option<&Replica> {
    rs.iter().filter(|r| r.start <= t).max_by_key(|r| r.start)
}

/// Day 0: the long-running pods and the ingress.
pub(super) fn first_day(sim: &mut Sim, day_start: i64) -> Result<(), StoreError> {
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
        (crate::demo::sim::ip("0.0.0.0"), 443),
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
pub(super) fn rollout(sim: &mut Sim, day_start: i64) -> Result<(), StoreError> {
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

pub(super) fn report_job(sim: &mut Sim, node: usize, t: i64) -> Result<(), StoreError> {
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
    tt = sim.tcp(
        Connect,
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
    tt = sim.tcp(
        Connect,
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
pub(super) fn db_backend(
    sim: &mut Sim,
    t: i64,
    client: &str,
    sport: u16,
    dur: i64,
) -> Result<(), StoreError> {
    let pg = sim.daemon(DB, "postgres");
    sim.tcp(
        Accept,
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

pub(super) fn web_request(sim: &mut Sim, t: i64) -> Result<(), StoreError> {
    let Some((ing, nginx)) = sim.ingress.clone() else {
        return Ok(());
    };
    let Some(web) = alive(&sim.pods.web, t).cloned() else {
        return Ok(());
    };
    let client = format!("198.51.100.{}", sim.rng.random_range(1..255));
    let (cport, iport) = (sim.ephemeral_port(), sim.ephemeral_port());
    let dur = sim.rng.random_range(3..120) * MS;
    sim.tcp(
        Accept,
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
    sim.tcp(
        Connect,
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
    sim.tcp(
        Accept,
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
        sim.tcp(
            Connect,
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
        sim.tcp(
            Accept,
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
            sim.tcp(
                Connect,
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

pub(super) fn probe(sim: &mut Sim, t: i64) -> Result<(), StoreError> {
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
    sim.tcp(
        Connect,
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
    sim.tcp(
        Accept,
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

pub(super) fn redis_probe(sim: &mut Sim, t: i64) -> Result<(), StoreError> {
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
    sim.tcp(
        Connect,
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
