//! Container lifecycles (shim, runc, entrypoint, records), runtime execs, and loss records.

use std::sync::Arc;

use super::{Ctr, MS, ROOT, Sim, User};
use crate::schema::{ContainerRecord, ContainerState, ProcessInfo, Row};
use crate::store::StoreError;

impl Sim<'_> {
    /// `runc` forks into the container at `t` and the child re-execs itself (`runc init`)
    /// 1 ms later: the process that becomes the container's entrypoint or exec'd command.
    fn runc_init(
        &mut self,
        h: usize,
        runc: &Arc<ProcessInfo>,
        t: i64,
        id: &str,
    ) -> Result<Arc<ProcessInfo>, StoreError> {
        let child = self.fork(h, runc, t, Some(id))?;
        let argv = ["runc", "init"];
        self.exec(
            h,
            &child,
            t + MS,
            Some(id),
            "/proc/self/exe",
            &argv,
            ROOT,
            "/",
            None,
        )
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
        let init = self.runc_init(h, &runc, t + 9 * MS, &id)?;
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
        self.w.put(&Row::Container(record.clone()), None)?;
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
        self.w.put(
            &Row::Container(ContainerRecord {
                time: t + MS,
                state: Some(ContainerState::Exited),
                exited: Some(t),
                exit_code: Some(code),
                ..c.record.clone()
            }),
            None,
        )?;
        self.exit(c.host, &c.shim, t + 30 * MS, None, 0)?;
        if remove {
            self.w.put(
                &Row::Container(ContainerRecord {
                    time: t + 400 * MS,
                    state: Some(ContainerState::Removed),
                    exited: Some(t),
                    exit_code: Some(code),
                    ..c.record.clone()
                }),
                None,
            )?;
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
        let child = self.runc_init(c.host, &runc, t + 3 * MS, &c.id)?;
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
        let loss = self.hosts[h].origin.loss(t, (start, end), lost, reason);
        self.w.put(&Row::Loss(loss), None)
    }
}
