//! Normal activity: the noise an intrusion hides in. A fixed schedule (cron, logrotate,
//! backups, CronJob pods every 15 minutes, CI builds, daily rollouts) plus traffic drawn at
//! random times until the day's event budget is used (web requests through the ingress to the
//! web pods, payments and PostgreSQL; kubelet probes; redis exec probes; developer work on the
//! laptop; admin SSH sessions).

use std::sync::Arc;

use rand::Rng;

use crate::schema::ProcessInfo;
use crate::store::StoreError;

use super::DAY;
use crate::demo::sim::{
    ALICE, APP, BOB, BUILD, Ctr, DB, LAPTOP, MS, NODE1, NODE2, RUNNER, SEC, Sim,
};

mod dev;
mod hosts;
mod k8s;

use dev::*;
use hosts::*;
use k8s::*;

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
