//! Host routines: cron, logrotate, admin SSH sessions, package upgrades.

use crate::demo::sim::Change::*;
use crate::demo::sim::Side::{Accept, Connect};
use std::sync::Arc;

use rand::Rng;

use super::*;
use crate::demo::sim::{MS, ROOT, SEC, Sim, US};
use crate::schema::EventKind;
use crate::store::StoreError;

pub(super) fn cron_job(
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

pub(super) fn logrotate(sim: &mut Sim, h: usize, t: i64) -> Result<(), StoreError> {
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
        sim.change(h, &lr, tt, None, Unlink(&format!("{base}.7.gz")))?;
        for i in (2..7).rev() {
            sim.change(
                h,
                &lr,
                tt + MS,
                None,
                Rename(&format!("{base}.{i}.gz"), &format!("{base}.{}.gz", i + 1)),
            )?;
        }
        sim.change(
            h,
            &lr,
            tt + 2 * MS,
            None,
            Rename(&base, &format!("{base}.1")),
        )?;
        sim.change(h, &lr, tt + 3 * MS, None, Create(&base, 0o640))?;
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

pub(super) fn admin_session(sim: &mut Sim, h: usize, t: i64) -> Result<(), StoreError> {
    let sshd = sim.daemon(h, "sshd");
    let me = crate::demo::sim::HOSTS[h].ips[0];
    let sport = sim.ephemeral_port();
    let dur = sim.rng.random_range(60..1_200) * SEC;
    sim.tcp(
        Accept,
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

pub(super) fn apt_upgrade(sim: &mut Sim, h: usize, t: i64) -> Result<(), StoreError> {
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
    let me = crate::demo::sim::HOSTS[h].ips[0];
    let mut tt = sim.tcp(
        Connect,
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
            sim.change(
                h,
                &dpkg,
                tt + MS,
                None,
                Rename(&path, &path.replace(".dpkg-new", "")),
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
