//! The developer laptop and the build host: editing, git, tests, and CI builds.

use crate::demo::sim::Change::*;
use crate::demo::sim::Side::Connect;
use rand::Rng;
use rand::seq::IndexedRandom;

use super::*;
use crate::demo::intrusion::md5ish;
use crate::demo::sim::{BUILD, LAPTOP, MS, ROOT, SEC, Sim};
use crate::schema::{ContainerRecord, EventKind};
use crate::store::StoreError;

pub(super) fn dev_work(sim: &mut Sim, t: i64) -> Result<(), StoreError> {
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
                sim.change(h, &vim, tt + MS, None, WriteClose(&path, None))?;
                sim.change(h, &vim, tt + 2 * MS, None, Unlink(&swp))?;
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
                let end = sim.tcp(
                    Connect,
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
                sim.tcp(
                    Connect,
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
                let end = sim.tcp(
                    Connect,
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

pub(super) fn ci_build(sim: &mut Sim, t: i64) -> Result<(), StoreError> {
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
    let mut tt = sim.tcp(
        Connect,
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
        sim.change(BUILD, &c.entry, tt + MS, Some(&c.id), Chmod(bin, 0o755))?;
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
