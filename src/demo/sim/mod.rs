//! Simulation primitives: hosts with pid allocation and boots, processes with stable keys,
//! containers with lifecycles, and one method per event kind. Everything written goes through
//! the store writer.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

use rand::{Rng, RngCore};
use rand_chacha::ChaCha8Rng;
use sha1::{Digest, Sha1};

use crate::ingest::Sink;
use crate::schema::{
    ContainerRecord, EventKind, HostKind, HostRecord, Origin, ProcessInfo, Row, process_key,
};
use crate::store::StoreError;

mod containers;
mod events;

pub(crate) use events::{Change, Side};

pub(crate) const MS: i64 = 1_000_000;
pub(crate) const US: i64 = 1_000;
pub(crate) const SEC: i64 = 1_000_000_000;

/// Static description of a host.
pub(crate) struct HostSpec {
    pub name: &'static str,
    pub kind: HostKind,
    pub os: &'static str,
    pub kernel: &'static str,
    pub ips: &'static [&'static str],
}

pub(crate) const HOSTS: &[HostSpec] = &[
    HostSpec {
        name: "alice-laptop",
        kind: HostKind::Laptop,
        os: "Ubuntu 24.04.1 LTS",
        kernel: "6.8.0-45-generic",
        ips: &["192.168.1.23", "10.8.0.14"],
    },
    HostSpec {
        name: "db-01",
        kind: HostKind::Server,
        os: "Debian GNU/Linux 12 (bookworm)",
        kernel: "6.1.0-26-amd64",
        ips: &["10.10.2.20"],
    },
    HostSpec {
        name: "build-01",
        kind: HostKind::ContainerHost,
        os: "Debian GNU/Linux 12 (bookworm)",
        kernel: "6.1.0-26-amd64",
        ips: &["10.10.2.31"],
    },
    HostSpec {
        name: "k8s-node-1",
        kind: HostKind::K8sNode,
        os: "Ubuntu 22.04.4 LTS",
        kernel: "5.15.0-119-generic",
        ips: &["10.10.1.11"],
    },
    HostSpec {
        name: "k8s-node-2",
        kind: HostKind::K8sNode,
        os: "Ubuntu 22.04.4 LTS",
        kernel: "5.15.0-119-generic",
        ips: &["10.10.1.12"],
    },
];

/// Host indices into [`HOSTS`].
pub(crate) const LAPTOP: usize = 0;
pub(crate) const DB: usize = 1;
pub(crate) const BUILD: usize = 2;
pub(crate) const NODE1: usize = 3;
pub(crate) const NODE2: usize = 4;

/// The machine-id of a demo host: stable across seeds so docs can name it.
pub fn host_id(name: &str) -> String {
    let d = Sha1::digest(format!("trace-demo-host/{name}").as_bytes());
    d.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

pub(crate) struct HostState {
    pub id: String,
    pub boot_id: String,
    /// Who records its events (its boot included).
    pub origin: Origin,
    next_pid: i32,
    /// Long-running processes by role (systemd, sshd, cron, containerd, kubelet, …).
    pub daemons: HashMap<&'static str, Arc<ProcessInfo>>,
}

/// A running container.
#[derive(Clone)]
pub(crate) struct Ctr {
    pub host: usize,
    pub id: String,
    pub ip: String,
    pub record: ContainerRecord,
    /// The container's first process (entrypoint), in the container.
    pub entry: Arc<ProcessInfo>,
    /// The runtime shim on the host.
    pub shim: Arc<ProcessInfo>,
}

/// Who a process runs as.
#[derive(Clone, Copy)]
pub(crate) struct User {
    pub uid: u32,
    pub name: &'static str,
}

impl User {
    pub(crate) const fn new(uid: u32, name: &'static str) -> User {
        User { uid, name }
    }
}

pub(crate) const ROOT: User = User::new(0, "root");

/// The people and service accounts of the estate.
pub(crate) const ALICE: User = User::new(1000, "alice");
/// alice's account on db-01 (another uid than on her laptop: the `user` pivot names both).
pub(crate) const ALICE_DB: User = User::new(1001, "alice");
pub(crate) const BOB: User = User::new(1002, "bob");
/// The applications' uid inside their containers.
pub(crate) const APP: User = User::new(10001, "app");
pub(crate) const RUNNER: User = User::new(998, "gitlab-runner");

pub(crate) struct Sim<'w> {
    pub rng: ChaCha8Rng,
    w: &'w mut dyn Sink,
    pub hosts: Vec<HostState>,
    pub events: u64,
    pub containers_started: u64,
    /// The ingress controller container on k8s-node-1 and its nginx worker.
    pub ingress: Option<(Ctr, Arc<ProcessInfo>)>,
    /// Long-running replicas.
    pub pods: super::background::Pods,
}

impl<'w> Sim<'w> {
    pub fn new(rng: ChaCha8Rng, w: &'w mut dyn Sink, _start: i64) -> Self {
        Sim {
            rng,
            w,
            hosts: Vec::new(),
            events: 0,
            containers_started: 0,
            ingress: None,
            pods: Default::default(),
        }
    }

    pub fn writer(&mut self) -> &mut dyn Sink {
        self.w
    }

    fn uuid(&mut self) -> String {
        let mut b = [0u8; 16];
        self.rng.fill_bytes(&mut b);
        uuid::Builder::from_random_bytes(b)
            .into_uuid()
            .hyphenated()
            .to_string()
    }

    pub fn hex64(&mut self) -> String {
        let mut b = [0u8; 32];
        self.rng.fill_bytes(&mut b);
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    /// Boots every host at `t` (a little before it): host records and daemons.
    pub fn boot_all(&mut self, t: i64) -> Result<(), StoreError> {
        for (i, spec) in HOSTS.iter().enumerate() {
            let id = host_id(spec.name);
            self.hosts.push(HostState {
                origin: Origin::new(&id, None, "demo"),
                id,
                boot_id: String::new(),
                next_pid: 1,
                daemons: HashMap::new(),
            });
            self.boot(i, t - (3 + i as i64) * 3_600 * SEC)?;
        }
        Ok(())
    }

    /// (Re)boots a host at `t`: new boot id, pid counter reset, init and daemons started.
    pub fn boot(&mut self, h: usize, t: i64) -> Result<(), StoreError> {
        let boot_id = self.uuid();
        let spec = &HOSTS[h];
        {
            let host = &mut self.hosts[h];
            host.boot_id = boot_id.clone();
            host.origin = Origin::new(&host.id, Some(&boot_id), "demo");
            host.next_pid = 1;
            host.daemons.clear();
        }
        self.w.put(
            &Row::Host(HostRecord {
                time: t,
                host_id: self.hosts[h].id.clone(),
                hostname: spec.name.into(),
                boot_id: Some(boot_id),
                os: Some(spec.os.into()),
                kernel: Some(spec.kernel.into()),
                kind: Some(spec.kind),
                ip_addresses: spec.ips.iter().map(|s| s.to_string()).collect(),
                source: "demo".into(),
            }),
            None,
        )?;
        // pid 1 has no recorded parent: the collector's procfs scan reports it.
        let init = self.new_process(
            h,
            None,
            t,
            "/usr/lib/systemd/systemd",
            &["/sbin/init"],
            ROOT,
            "/",
        );
        self.exec_event(h, &init, t, None)?;
        self.hosts[h].next_pid = 300;
        self.hosts[h].daemons.insert("init", init.clone());
        let mut daemons: Vec<(&'static str, &'static str, Vec<&'static str>)> = vec![
            (
                "journald",
                "/usr/lib/systemd/systemd-journald",
                vec!["/usr/lib/systemd/systemd-journald"],
            ),
            (
                "sshd",
                "/usr/sbin/sshd",
                vec!["sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups"],
            ),
            ("cron", "/usr/sbin/cron", vec!["/usr/sbin/cron", "-f"]),
        ];
        match spec.kind {
            HostKind::Laptop => {
                daemons.push((
                    "gnome-shell",
                    "/usr/bin/gnome-shell",
                    vec!["/usr/bin/gnome-shell"],
                ));
                daemons.push((
                    "firefox",
                    "/usr/lib/firefox/firefox",
                    vec!["/usr/lib/firefox/firefox"],
                ));
            }
            HostKind::K8sNode => {
                daemons.push((
                    "containerd",
                    "/usr/bin/containerd",
                    vec!["/usr/bin/containerd"],
                ));
                daemons.push((
                    "kubelet",
                    "/usr/bin/kubelet",
                    vec![
                        "/usr/bin/kubelet",
                        "--config=/var/lib/kubelet/config.yaml",
                        "--container-runtime-endpoint=unix:///run/containerd/containerd.sock",
                    ],
                ));
            }
            HostKind::ContainerHost => {
                daemons.push((
                    "containerd",
                    "/usr/bin/containerd",
                    vec!["/usr/bin/containerd"],
                ));
                daemons.push((
                    "dockerd",
                    "/usr/sbin/dockerd",
                    vec![
                        "/usr/sbin/dockerd",
                        "-H",
                        "fd://",
                        "--containerd=/run/containerd/containerd.sock",
                    ],
                ));
                daemons.push((
                    "gitlab-runner",
                    "/usr/bin/gitlab-runner",
                    vec![
                        "/usr/bin/gitlab-runner",
                        "run",
                        "--working-directory",
                        "/home/gitlab-runner",
                    ],
                ));
            }
            _ => {}
        }
        if h == DB {
            daemons.push((
                "postgres",
                "/usr/lib/postgresql/15/bin/postgres",
                vec![
                    "/usr/lib/postgresql/15/bin/postgres",
                    "-D",
                    "/var/lib/postgresql/15/main",
                    "-c",
                    "config_file=/etc/postgresql/15/main/postgresql.conf",
                ],
            ));
            daemons.push((
                "node_exporter",
                "/usr/bin/prometheus-node-exporter",
                vec!["/usr/bin/prometheus-node-exporter"],
            ));
        }
        let mut dt = 2 * SEC;
        for (role, exe, argv) in daemons {
            let user = match role {
                "postgres" => User {
                    uid: 112,
                    name: "postgres",
                },
                "gnome-shell" | "firefox" => User {
                    uid: 1000,
                    name: "alice",
                },
                "node_exporter" => User {
                    uid: 109,
                    name: "prometheus",
                },
                _ => ROOT,
            };
            let p = self.spawn(h, &init, t + dt, None, exe, &argv, user, "/")?;
            dt += 700 * MS;
            self.hosts[h].daemons.insert(role, p.clone());
            let listen = match role {
                "sshd" => Some(22),
                "postgres" => Some(5432),
                "node_exporter" => Some(9100),
                "kubelet" => Some(10250),
                _ => None,
            };
            if let Some(port) = listen {
                let ip: IpAddr = "0.0.0.0".parse().expect("literal");
                self.net(
                    h,
                    &p,
                    t + dt,
                    None,
                    EventKind::NetListen,
                    None,
                    (ip, port),
                    None,
                )?;
            }
        }
        Ok(())
    }

    pub fn daemon(&self, h: usize, role: &str) -> Arc<ProcessInfo> {
        self.hosts[h].daemons[role].clone()
    }

    /// The next pid on host `h`. Threads and kernel workers take pids too (and are not
    /// recorded as processes), so the counter advances by 1–16; it wraps at pid_max 32768 to
    /// 300 like Linux, so pids are reused within days.
    fn alloc_pid(&mut self, h: usize) -> i32 {
        let gap = self.rng.random_range(1..=16);
        let host = &mut self.hosts[h];
        let pid = host.next_pid;
        let next = pid + gap;
        host.next_pid = if next > 32_767 {
            300 + next % 32_768
        } else {
            next
        };
        pid
    }

    #[allow(clippy::too_many_arguments)]
    fn new_process(
        &mut self,
        h: usize,
        parent: Option<&Arc<ProcessInfo>>,
        start: i64,
        exe: &str,
        argv: &[&str],
        user: User,
        cwd: &str,
    ) -> Arc<ProcessInfo> {
        let pid = self.alloc_pid(h);
        let key = process_key(&self.hosts[h].boot_id, pid, start);
        let comm = comm_of(exe);
        Arc::new(ProcessInfo {
            pid: Some(pid),
            tid: Some(pid),
            ppid: Some(parent.and_then(|p| p.pid).unwrap_or(0)),
            uid: Some(user.uid),
            gid: Some(user.uid),
            euid: Some(user.uid),
            auid: parent.and_then(|p| p.auid).or(Some(u32::MAX)),
            user_name: Some(user.name.into()),
            comm: Some(comm),
            exe: Some(exe.into()),
            argv: argv.iter().map(|s| s.to_string()).collect(),
            cwd: Some(cwd.into()),
            start_time: Some(start),
            key: Some(key),
            parent_key: parent.and_then(|p| p.key.clone()),
        })
    }
}

/// The kernel's command name of an executable: its file name, 15 bytes at most.
pub(crate) fn comm_of(exe: &str) -> String {
    exe.rsplit('/')
        .next()
        .unwrap_or(exe)
        .chars()
        .take(15)
        .collect()
}

pub(crate) fn ip(s: &str) -> IpAddr {
    s.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))
}
