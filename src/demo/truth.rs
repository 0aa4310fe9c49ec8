//! Ground truth of the demo intrusion, as data. docs/demo.md tells the same story in prose;
//! tests check that every step below is in a generated store, with the right host, container,
//! kind and subject, at its time.

use super::DAY;

/// The attacker's address (TEST-NET-3, never routed).
pub const ATTACKER_IP: &str = "203.0.113.66";
/// The exploited web container (Kubernetes pod `shop/shop-web-7d9f8b6c5-x2tqp` on k8s-node-1).
pub const WEB_CONTAINER_ID: &str =
    "3f2a9c41e7b05d8c6a1f9e2b7d4c3a5f8e6b1d9c0a7f2e4b3c5d8a1f6e9b2c7d";
/// Pod of the web container.
pub const WEB_POD: &str = "shop-web-7d9f8b6c5-x2tqp";
/// Image of the web container.
pub const WEB_IMAGE: &str = "registry.shop.internal/shop/web:2.3.1";
/// Pod IP of the web container.
pub const WEB_IP: &str = "10.244.1.37";
/// The second container, reached with the stolen service-account token (`kubectl exec`), on
/// k8s-node-2.
pub const PAY_CONTAINER_ID: &str =
    "8c41d0b79a2e5f3c1b6d8e4a7f0c9b2d5e8a1c4f7b0d3e6a9c2f5b8e1d4a7c0f";
/// Pod of the payments container.
pub const PAY_POD: &str = "payments-api-5c8d7b9f4-qm2lx";
/// Image of the payments container.
pub const PAY_IMAGE: &str = "registry.shop.internal/shop/payments-api:1.8.0";
/// Pod IP of the payments container.
pub const PAY_IP: &str = "10.244.2.15";
/// The ingress controller container on k8s-node-1 (long-running, not compromised).
pub const INGRESS_CONTAINER_ID: &str =
    "b7e2d4f6a8c0e1f3a5b7c9d0e2f4a6b8c1d3e5f7a9b0c2d4e6f8a1b3c5d7e9f0";
/// The ingress controller's pod IP.
pub const INGRESS_IP: &str = "10.244.1.2";
/// The dropped implant, written in the web container and on db-01.
pub const DROPPER_PATH: &str = "/tmp/.kworker";
/// The Falco rule the implant's dup2 of its socket onto stdin/stdout raises.
pub const REVERSE_SHELL_RULE: &str = "Redirect STDOUT/STDIN to Network Connection in Container";
/// SHA-256 of the implant (the same file on both).
pub const DROPPER_SHA256: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
/// The developer whose SSH key leaked from the laptop and was used on db-01.
pub const STOLEN_USER: &str = "alice";
/// db-01's address.
pub const DB_IP: &str = "10.10.2.20";
/// The laptop's address when the key leaked.
pub const LAPTOP_IP: &str = "192.168.1.23";

/// Which day a step is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Day {
    /// Two days before the attack (day 0 if the store is shorter): the key leaks.
    Leak,
    /// [`super::intrusion_day`].
    Attack,
}

/// One ground-truth step.
#[derive(Debug, Clone, Copy)]
pub struct Step {
    /// Day.
    pub day: Day,
    /// Offset from that day's midnight, ns.
    pub offset: i64,
    /// Host name (see [`super::sim`] hosts).
    pub host: &'static str,
    /// Container id, `None` on the host.
    pub container: Option<&'static str>,
    /// Event kind.
    pub kind: &'static str,
    /// exe for process events, path for file events, `ip:port` of the far end for network,
    /// the rule for findings.
    pub subject: &'static str,
}

/// `hh:mm:ss.mmm` as ns.
pub const fn at(h: i64, m: i64, s: i64, ms: i64) -> i64 {
    ((h * 60 + m) * 60 + s) * 1_000_000_000 + ms * 1_000_000
}

const fn step(
    day: Day,
    offset: i64,
    host: &'static str,
    container: Option<&'static str>,
    kind: &'static str,
    subject: &'static str,
) -> Step {
    Step {
        day,
        offset,
        host,
        container,
        kind,
        subject,
    }
}

const W: Option<&str> = Some(WEB_CONTAINER_ID);
const P: Option<&str> = Some(PAY_CONTAINER_ID);
const I: Option<&str> = Some(INGRESS_CONTAINER_ID);

/// Every step, in time order per day.
pub const STEPS: &[Step] = &[
    // The leak: a malicious npm postinstall script on the laptop sends alice's SSH key out.
    step(
        Day::Leak,
        at(10, 15, 3, 0),
        "alice-laptop",
        None,
        "process_exec",
        "/usr/bin/node",
    ),
    step(
        Day::Leak,
        at(10, 15, 9, 0),
        "alice-laptop",
        None,
        "process_exec",
        "/usr/bin/curl",
    ),
    step(
        Day::Leak,
        at(10, 15, 9, 40),
        "alice-laptop",
        None,
        "net_connect",
        "203.0.113.66:443",
    ),
    // Initial access through the ingress into the web container.
    step(
        Day::Attack,
        at(14, 2, 11, 250),
        "k8s-node-1",
        I,
        "net_accept",
        "203.0.113.66:40112",
    ),
    step(
        Day::Attack,
        at(14, 2, 11, 263),
        "k8s-node-1",
        W,
        "net_accept",
        "10.244.1.2:38514",
    ),
    step(
        Day::Attack,
        at(14, 2, 11, 301),
        "k8s-node-1",
        W,
        "process_exec",
        "/bin/sh",
    ),
    step(
        Day::Attack,
        at(14, 2, 11, 310),
        "k8s-node-1",
        W,
        "process_exec",
        "/usr/bin/curl",
    ),
    step(
        Day::Attack,
        at(14, 2, 11, 320),
        "k8s-node-1",
        W,
        "net_connect",
        "203.0.113.66:8000",
    ),
    step(
        Day::Attack,
        at(14, 2, 11, 650),
        "k8s-node-1",
        W,
        "file_create",
        DROPPER_PATH,
    ),
    step(
        Day::Attack,
        at(14, 2, 12, 140),
        "k8s-node-1",
        W,
        "file_chmod",
        DROPPER_PATH,
    ),
    step(
        Day::Attack,
        at(14, 2, 12, 161),
        "k8s-node-1",
        W,
        "process_exec",
        DROPPER_PATH,
    ),
    step(
        Day::Attack,
        at(14, 2, 12, 200),
        "k8s-node-1",
        W,
        "net_connect",
        "203.0.113.66:4444",
    ),
    step(
        Day::Attack,
        at(14, 2, 12, 230),
        "k8s-node-1",
        W,
        "finding",
        REVERSE_SHELL_RULE,
    ),
    step(
        Day::Attack,
        at(14, 2, 12, 240),
        "k8s-node-1",
        W,
        "process_exec",
        "/bin/sh",
    ),
    // Credential theft: the service-account token, then the API server.
    step(
        Day::Attack,
        at(14, 3, 5, 0),
        "k8s-node-1",
        W,
        "process_exec",
        "/bin/cat",
    ),
    step(
        Day::Attack,
        at(14, 4, 10, 0),
        "k8s-node-1",
        W,
        "net_connect",
        "10.96.0.1:443",
    ),
    // Lateral movement into the payments container (kubectl exec with the stolen token).
    step(
        Day::Attack,
        at(14, 6, 55, 0),
        "k8s-node-1",
        W,
        "net_connect",
        "10.96.0.1:443",
    ),
    step(
        Day::Attack,
        at(14, 6, 56, 100),
        "k8s-node-2",
        P,
        "process_exec",
        "/bin/sh",
    ),
    step(
        Day::Attack,
        at(14, 7, 20, 0),
        "k8s-node-2",
        P,
        "process_exec",
        "/bin/cat",
    ),
    step(
        Day::Attack,
        at(14, 8, 30, 0),
        "k8s-node-2",
        P,
        "file_create",
        "/tmp/.k",
    ),
    step(
        Day::Attack,
        at(14, 8, 31, 0),
        "k8s-node-2",
        P,
        "file_chmod",
        "/tmp/.k",
    ),
    step(
        Day::Attack,
        at(14, 9, 2, 0),
        "k8s-node-2",
        P,
        "process_exec",
        "/usr/bin/ssh",
    ),
    step(
        Day::Attack,
        at(14, 9, 2, 10),
        "k8s-node-2",
        P,
        "net_connect",
        "10.10.2.20:22",
    ),
    // On db-01 with alice's key: implant, persistence, dump, exfiltration, clean-up.
    step(
        Day::Attack,
        at(14, 9, 2, 140),
        "db-01",
        None,
        "net_accept",
        "10.244.2.15:45022",
    ),
    step(
        Day::Attack,
        at(14, 9, 2, 650),
        "db-01",
        None,
        "process_exec",
        "/bin/bash",
    ),
    step(
        Day::Attack,
        at(14, 9, 30, 0),
        "db-01",
        None,
        "net_connect",
        "203.0.113.66:8000",
    ),
    step(
        Day::Attack,
        at(14, 9, 30, 400),
        "db-01",
        None,
        "file_create",
        DROPPER_PATH,
    ),
    step(
        Day::Attack,
        at(14, 9, 40, 200),
        "db-01",
        None,
        "file_rename",
        "/var/spool/cron/crontabs/tmp.Xk3f9a",
    ),
    step(
        Day::Attack,
        at(14, 11, 2, 0),
        "db-01",
        None,
        "process_exec",
        "/usr/lib/postgresql/15/bin/pg_dump",
    ),
    step(
        Day::Attack,
        at(14, 11, 2, 300),
        "db-01",
        None,
        "file_create",
        "/tmp/.d.sql",
    ),
    step(
        Day::Attack,
        at(14, 13, 45, 0),
        "db-01",
        None,
        "file_create",
        "/tmp/.d.tgz",
    ),
    step(
        Day::Attack,
        at(14, 14, 20, 10),
        "db-01",
        None,
        "net_connect",
        "203.0.113.66:443",
    ),
    step(
        Day::Attack,
        at(14, 16, 10, 5),
        "db-01",
        None,
        "file_unlink",
        "/tmp/.d.tgz",
    ),
    step(
        Day::Attack,
        at(14, 31, 5, 5),
        "k8s-node-1",
        W,
        "file_unlink",
        DROPPER_PATH,
    ),
];

/// When the web container was started and deleted (offsets on the attack day).
pub const WEB_STARTED: i64 = at(6, 12, 40, 0);
/// Web container exit (SIGKILL, 137) and removal follow at once.
pub const WEB_EXITED: i64 = at(14, 40, 5, 0);
/// Payments container start.
pub const PAY_STARTED: i64 = at(6, 13, 5, 0);
/// Payments container exit (137) and removal.
pub const PAY_EXITED: i64 = at(14, 41, 30, 0);
/// A loss record on k8s-node-2 during the attack: 3 events lost (ring buffer full).
pub const LOSS_AT: i64 = at(14, 10, 2, 0);

/// Absolute time (ns) of `step` for a store starting at `start` with `days` days.
pub fn step_time(step: &Step, start: i64, days: u32) -> i64 {
    let attack = super::intrusion_day(days.max(1)) as i64;
    let day = match step.day {
        Day::Attack => attack,
        Day::Leak => (attack - 2).max(0),
    };
    start + day * DAY + step.offset
}
