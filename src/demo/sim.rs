//! Simulation primitives: hosts with pid allocation and boots, processes with stable keys,
//! containers with lifecycles, and one method per event kind. Everything written goes through
//! the store writer.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

use rand::{Rng, RngCore};
use rand_chacha::ChaCha8Rng;
use sha1::{Digest, Sha1};

use crate::schema::{
    ContainerRecord, ContainerState, Detail, Event, EventKind, HostKind, HostRecord, LossRecord,
    ProcessInfo, Protocol, Row, process_key,
};
use crate::store::{StoreError, StoreWriter};

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

pub(crate) const ROOT: User = User {
    uid: 0,
    name: "root",
};

pub(crate) struct Sim<'w> {
    pub rng: ChaCha8Rng,
    w: &'w mut StoreWriter,
    pub hosts: Vec<HostState>,
    pub events: u64,
    pub containers_started: u64,
    /// The ingress controller container on k8s-node-1 and its nginx worker.
    pub ingress: Option<(Ctr, Arc<ProcessInfo>)>,
    /// Long-running replicas.
    pub pods: super::background::Pods,
}

impl<'w> Sim<'w> {
    pub fn new(rng: ChaCha8Rng, w: &'w mut StoreWriter, _start: i64) -> Self {
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

    pub fn writer(&mut self) -> &mut StoreWriter {
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
            self.hosts.push(HostState {
                id: host_id(spec.name),
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
            host.next_pid = 1;
            host.daemons.clear();
        }
        self.w.write(&Row::Host(HostRecord {
            time: t,
            host_id: self.hosts[h].id.clone(),
            hostname: spec.name.into(),
            boot_id: Some(boot_id),
            os: Some(spec.os.into()),
            kernel: Some(spec.kernel.into()),
            kind: Some(spec.kind),
            ip_addresses: spec.ips.iter().map(|s| s.to_string()).collect(),
            source: "demo".into(),
        }))?;
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
        let comm: String = exe
            .rsplit('/')
            .next()
            .unwrap_or(exe)
            .chars()
            .take(15)
            .collect();
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

    fn emit(
        &mut self,
        h: usize,
        t: i64,
        kind: EventKind,
        ctr: Option<&str>,
        p: &Arc<ProcessInfo>,
        detail: Detail,
    ) -> Result<(), StoreError> {
        self.events += 1;
        let host = &self.hosts[h];
        self.w.write(&Row::Event(Event {
            time: t,
            kind,
            host_id: host.id.clone(),
            boot_id: Some(host.boot_id.clone()),
            source: "demo".into(),
            container_id: ctr.map(Into::into),
            process: p.clone(),
            detail,
        }))
    }

    fn exec_event(
        &mut self,
        h: usize,
        p: &Arc<ProcessInfo>,
        t: i64,
        ctr: Option<&str>,
    ) -> Result<(), StoreError> {
        self.emit(
            h,
            t,
            EventKind::ProcessExec,
            ctr,
            p,
            Detail::Process {
                exit_code: None,
                exe_sha256: None,
            },
        )
    }

    /// fork (child of `parent` with its image) at `t`, then exec of `exe` 200–900 µs later.
    #[allow(clippy::too_many_arguments)]
    pub fn spawn(
        &mut self,
        h: usize,
        parent: &Arc<ProcessInfo>,
        t: i64,
        ctr: Option<&str>,
        exe: &str,
        argv: &[&str],
        user: User,
        cwd: &str,
    ) -> Result<Arc<ProcessInfo>, StoreError> {
        let child = self.fork(h, parent, t, ctr)?;
        let dt = self.rng.random_range(200..900) * US;
        self.exec(h, &child, t + dt, ctr, exe, argv, user, cwd, None)
    }

    /// fork only: the child keeps the parent's image (postgres backends, shells' subshells).
    pub fn fork(
        &mut self,
        h: usize,
        parent: &Arc<ProcessInfo>,
        t: i64,
        ctr: Option<&str>,
    ) -> Result<Arc<ProcessInfo>, StoreError> {
        let argv: Vec<&str> = parent.argv.iter().map(String::as_str).collect();
        let user = User {
            uid: parent.uid.unwrap_or(0),
            name: "",
        };
        let mut child = (*self.new_process(
            h,
            Some(parent),
            t,
            parent.exe.as_deref().unwrap_or("?"),
            &argv,
            user,
            parent.cwd.as_deref().unwrap_or("/"),
        ))
        .clone();
        child.user_name = parent.user_name.clone();
        child.comm = parent.comm.clone();
        child.auid = parent.auid;
        let child = Arc::new(child);
        self.emit(
            h,
            t,
            EventKind::ProcessFork,
            ctr,
            &child,
            Detail::Process {
                exit_code: None,
                exe_sha256: None,
            },
        )?;
        Ok(child)
    }

    /// exec of a new image in process `p` (same pid and key).
    #[allow(clippy::too_many_arguments)]
    pub fn exec(
        &mut self,
        h: usize,
        p: &Arc<ProcessInfo>,
        t: i64,
        ctr: Option<&str>,
        exe: &str,
        argv: &[&str],
        user: User,
        cwd: &str,
        sha: Option<&str>,
    ) -> Result<Arc<ProcessInfo>, StoreError> {
        let comm: String = exe
            .rsplit('/')
            .next()
            .unwrap_or(exe)
            .chars()
            .take(15)
            .collect();
        let q = Arc::new(ProcessInfo {
            exe: Some(exe.into()),
            argv: argv.iter().map(|s| s.to_string()).collect(),
            comm: Some(comm),
            uid: Some(user.uid),
            gid: Some(user.uid),
            euid: Some(user.uid),
            user_name: Some(user.name.into()),
            cwd: Some(cwd.into()),
            ..(**p).clone()
        });
        self.emit(
            h,
            t,
            EventKind::ProcessExec,
            ctr,
            &q,
            Detail::Process {
                exit_code: None,
                exe_sha256: sha.map(Into::into),
            },
        )?;
        Ok(q)
    }

    pub fn exit(
        &mut self,
        h: usize,
        p: &Arc<ProcessInfo>,
        t: i64,
        ctr: Option<&str>,
        code: i32,
    ) -> Result<(), StoreError> {
        self.emit(
            h,
            t,
            EventKind::ProcessExit,
            ctr,
            p,
            Detail::Process {
                exit_code: Some(code),
                exe_sha256: None,
            },
        )
    }

    /// A file event.
    #[allow(clippy::too_many_arguments)]
    pub fn file(
        &mut self,
        h: usize,
        p: &Arc<ProcessInfo>,
        t: i64,
        ctr: Option<&str>,
        kind: EventKind,
        path: &str,
        target: Option<&str>,
        mode: Option<u32>,
        sha: Option<&str>,
    ) -> Result<(), StoreError> {
        let flags = match kind {
            EventKind::FileCreate => Some(0o1101), // O_WRONLY|O_CREAT|O_TRUNC
            EventKind::FileOpenWrite => Some(0o2001), // O_WRONLY|O_APPEND
            _ => None,
        };
        let (owner_uid, owner_gid) = match kind {
            EventKind::FileChown => (p.uid, p.gid),
            _ => (None, None),
        };
        self.emit(
            h,
            t,
            kind,
            ctr,
            p,
            Detail::File {
                path: path.into(),
                target_path: target.map(Into::into),
                mode,
                flags,
                owner_uid,
                owner_gid,
                sha256: sha.map(Into::into),
            },
        )
    }

    /// Create + write-close of a file (what an editor or a download does).
    pub fn write_file(
        &mut self,
        h: usize,
        p: &Arc<ProcessInfo>,
        t: i64,
        ctr: Option<&str>,
        path: &str,
        sha: Option<&str>,
    ) -> Result<i64, StoreError> {
        self.file(
            h,
            p,
            t,
            ctr,
            EventKind::FileCreate,
            path,
            None,
            Some(0o644),
            None,
        )?;
        let dt = self.rng.random_range(50..3_000) * US;
        self.file(
            h,
            p,
            t + dt,
            ctr,
            EventKind::FileWriteClose,
            path,
            None,
            None,
            sha,
        )?;
        Ok(t + dt)
    }

    /// A network event. `src`/`dst` follow the schema: src initiated.
    #[allow(clippy::too_many_arguments)]
    pub fn net(
        &mut self,
        h: usize,
        p: &Arc<ProcessInfo>,
        t: i64,
        ctr: Option<&str>,
        kind: EventKind,
        src: Option<(IpAddr, u16)>,
        dst: (IpAddr, u16),
        bytes: Option<(u64, u64)>,
    ) -> Result<(), StoreError> {
        self.emit(
            h,
            t,
            kind,
            ctr,
            p,
            Detail::Network {
                protocol: Protocol::Tcp,
                src_ip: src.map(|s| s.0),
                src_port: src.map(|s| s.1),
                dst_ip: Some(dst.0),
                dst_port: Some(dst.1),
                bytes_sent: bytes.map(|b| b.0),
                bytes_received: bytes.map(|b| b.1),
            },
        )
    }

    /// A whole TCP connection seen from the connecting process: connect, then close after `dur`.
    #[allow(clippy::too_many_arguments)]
    pub fn connect(
        &mut self,
        h: usize,
        p: &Arc<ProcessInfo>,
        t: i64,
        ctr: Option<&str>,
        src: &str,
        sport: u16,
        dst: &str,
        dport: u16,
        dur: i64,
        bytes: (u64, u64),
    ) -> Result<i64, StoreError> {
        let s = (ip(src), sport);
        let d = (ip(dst), dport);
        self.net(h, p, t, ctr, EventKind::NetConnect, Some(s), d, None)?;
        self.net(
            h,
            p,
            t + dur,
            ctr,
            EventKind::NetClose,
            Some(s),
            d,
            Some(bytes),
        )?;
        Ok(t + dur)
    }

    /// The same connection seen from the accepting process: accept, then close.
    #[allow(clippy::too_many_arguments)]
    pub fn accept(
        &mut self,
        h: usize,
        p: &Arc<ProcessInfo>,
        t: i64,
        ctr: Option<&str>,
        src: &str,
        sport: u16,
        dst: &str,
        dport: u16,
        dur: i64,
        bytes: (u64, u64),
    ) -> Result<i64, StoreError> {
        let s = (ip(src), sport);
        let d = (ip(dst), dport);
        self.net(h, p, t, ctr, EventKind::NetAccept, Some(s), d, None)?;
        self.net(
            h,
            p,
            t + dur,
            ctr,
            EventKind::NetClose,
            Some(s),
            d,
            Some(bytes),
        )?;
        Ok(t + dur)
    }

    pub fn ephemeral_port(&mut self) -> u16 {
        self.rng.random_range(32_768..60_999)
    }

    /// Starts a container on host `h` at `t`: container record, shim on the host, runc init,
    /// entrypoint exec inside.
    #[allow(clippy::too_many_arguments)]
    pub fn start_container(
        &mut self,
        h: usize,
        t: i64,
        id: Option<&str>,
        record: ContainerRecord,
        ip_addr: &str,
        entry_exe: &str,
        entry_argv: &[&str],
        user: User,
        cwd: &str,
    ) -> Result<Ctr, StoreError> {
        let id = id.map(str::to_string).unwrap_or_else(|| self.hex64());
        let parent_role = if self.hosts[h].daemons.contains_key("containerd") {
            "containerd"
        } else {
            "init"
        };
        let containerd = self.daemon(h, parent_role);
        let runtime = record
            .runtime
            .clone()
            .unwrap_or_else(|| "containerd".into());
        let shim_argv = [
            "/usr/bin/containerd-shim-runc-v2",
            "-namespace",
            if runtime == "docker" {
                "moby"
            } else {
                "k8s.io"
            },
            "-id",
            id.as_str(),
            "-address",
            "/run/containerd/containerd.sock",
        ];
        let shim = self.spawn(
            h,
            &containerd,
            t,
            None,
            "/usr/bin/containerd-shim-runc-v2",
            &shim_argv,
            ROOT,
            "/",
        )?;
        let runc = self.spawn(
            h,
            &shim,
            t + 4 * MS,
            None,
            "/usr/bin/runc",
            &[
                "runc",
                "--root",
                "/run/containerd/runc/k8s.io",
                "create",
                "--bundle",
                "/run/containerd/io.containerd.runtime.v2.task/k8s.io/<id>",
                id.as_str(),
            ],
            ROOT,
            "/",
        )?;
        // runc init forks into the container and execs the entrypoint there.
        let init = self.fork(h, &runc, t + 9 * MS, Some(&id))?;
        let init = self.exec(
            h,
            &init,
            t + 10 * MS,
            Some(&id),
            "/proc/self/exe",
            &["runc", "init"],
            ROOT,
            "/",
            None,
        )?;
        let entry = self.exec(
            h,
            &init,
            t + 14 * MS,
            Some(&id),
            entry_exe,
            entry_argv,
            user,
            cwd,
            None,
        )?;
        self.exit(h, &runc, t + 16 * MS, None, 0)?;
        let mut record = ContainerRecord {
            time: t + 15 * MS,
            host_id: self.hosts[h].id.clone(),
            container_id: id.clone(),
            state: Some(ContainerState::Started),
            created: Some(t),
            started: Some(t + 14 * MS),
            ip_addresses: vec![ip_addr.to_string()],
            source: "demo".into(),
            ..record
        };
        record.runtime = Some(runtime);
        self.w.write(&Row::Container(record.clone()))?;
        self.containers_started += 1;
        Ok(Ctr {
            host: h,
            id,
            ip: ip_addr.into(),
            record,
            entry,
            shim,
        })
    }

    /// Stops a container: entrypoint exit, exited record, shim exit, and (if `remove`) the
    /// removed record.
    pub fn stop_container(
        &mut self,
        c: &Ctr,
        t: i64,
        code: i32,
        remove: bool,
    ) -> Result<(), StoreError> {
        self.exit(c.host, &c.entry, t, Some(&c.id), code)?;
        self.w.write(&Row::Container(ContainerRecord {
            time: t + MS,
            state: Some(ContainerState::Exited),
            exited: Some(t),
            exit_code: Some(code),
            ..c.record.clone()
        }))?;
        self.exit(c.host, &c.shim, t + 30 * MS, None, 0)?;
        if remove {
            self.w.write(&Row::Container(ContainerRecord {
                time: t + 400 * MS,
                state: Some(ContainerState::Removed),
                exited: Some(t),
                exit_code: Some(code),
                ..c.record.clone()
            }))?;
        }
        Ok(())
    }

    /// `kubectl exec` / `docker exec`: the shim starts `runc exec`, whose child execs `argv`
    /// inside the container.
    #[allow(clippy::too_many_arguments)]
    pub fn runtime_exec(
        &mut self,
        c: &Ctr,
        t: i64,
        exe: &str,
        argv: &[&str],
        user: User,
        cwd: &str,
    ) -> Result<Arc<ProcessInfo>, StoreError> {
        let runc = self.spawn(
            c.host,
            &c.shim,
            t,
            None,
            "/usr/bin/runc",
            &[
                "runc",
                "--root",
                "/run/containerd/runc/k8s.io",
                "exec",
                "--process",
                "/tmp/runc-process.json",
                c.id.as_str(),
            ],
            ROOT,
            "/",
        )?;
        let child = self.fork(c.host, &runc, t + 3 * MS, Some(&c.id))?;
        let child = self.exec(
            c.host,
            &child,
            t + 4 * MS,
            Some(&c.id),
            "/proc/self/exe",
            &["runc", "init"],
            ROOT,
            "/",
            None,
        )?;
        let p = self.exec(
            c.host,
            &child,
            t + 6 * MS,
            Some(&c.id),
            exe,
            argv,
            user,
            cwd,
            None,
        )?;
        self.exit(c.host, &runc, t + 7 * MS, None, 0)?;
        Ok(p)
    }

    pub fn loss(
        &mut self,
        h: usize,
        t: i64,
        start: i64,
        end: i64,
        lost: u64,
        reason: &str,
    ) -> Result<(), StoreError> {
        let host = &self.hosts[h];
        self.w.write(&Row::Loss(LossRecord {
            time: t,
            host_id: host.id.clone(),
            boot_id: Some(host.boot_id.clone()),
            source: "demo".into(),
            interval_start: start,
            interval_end: end,
            events_lost: lost,
            reason: reason.into(),
        }))
    }
}

pub(crate) fn ip(s: &str) -> IpAddr {
    s.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))
}
