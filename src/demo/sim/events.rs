//! One method per event kind (and the whole connections and writes made of them): every
//! event of the demo is made here, with the schema's builders, and handed to the sink.

use std::net::IpAddr;
use std::sync::Arc;

use rand::Rng;

use super::{Sim, US, User, comm_of, ip};
use crate::schema::{
    Detail, EventKind, FileDetail, FindingDetail, NetDetail, ProcessDetail, ProcessInfo, Protocol,
    Row,
};
use crate::store::StoreError;

/// Which end of a TCP connection a process is on.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Side {
    /// The process connected.
    Connect,
    /// The process accepted.
    Accept,
}

/// What a file event did, for [`Sim::change`].
pub(crate) enum Change<'a> {
    /// Created with a mode.
    Create(&'a str, u32),
    /// Closed after writes, with the content's hash when known.
    WriteClose(&'a str, Option<&'a str>),
    /// Mode set.
    Chmod(&'a str, u32),
    /// Removed.
    Unlink(&'a str),
    /// Renamed to the second path.
    Rename(&'a str, &'a str),
}

impl Sim<'_> {
    pub(super) fn emit(
        &mut self,
        h: usize,
        t: i64,
        kind: EventKind,
        ctr: Option<&str>,
        p: &Arc<ProcessInfo>,
        detail: Detail,
    ) -> Result<(), StoreError> {
        self.events += 1;
        let e = self.hosts[h]
            .origin
            .event(t, kind, ctr.map(Into::into), p.clone(), detail);
        self.w.put(&Row::Event(e), None)
    }

    pub(super) fn exec_event(
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
            Detail::Process(ProcessDetail::default()),
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
            Detail::Process(ProcessDetail::default()),
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
        let comm = comm_of(exe);
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
            Detail::Process(ProcessDetail {
                exit_code: None,
                exe_sha256: sha.map(Into::into),
            }),
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
            Detail::Process(ProcessDetail {
                exit_code: Some(code),
                exe_sha256: None,
            }),
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
            Detail::File(
                FileDetail::path(path)
                    .target(target.map(Into::into))
                    .mode(mode)
                    .flags(flags)
                    .owner(owner_uid, owner_gid)
                    .sha256(sha.map(Into::into)),
            ),
        )
    }

    /// A file event of the usual kinds ([`Change`]).
    pub fn change(
        &mut self,
        h: usize,
        p: &Arc<ProcessInfo>,
        t: i64,
        ctr: Option<&str>,
        change: Change<'_>,
    ) -> Result<(), StoreError> {
        use EventKind::*;
        let (kind, path, target, mode, sha) = match change {
            Change::Create(path, mode) => (FileCreate, path, None, Some(mode), None),
            Change::WriteClose(path, sha) => (FileWriteClose, path, None, None, sha),
            Change::Chmod(path, mode) => (FileChmod, path, None, Some(mode), None),
            Change::Unlink(path) => (FileUnlink, path, None, None, None),
            Change::Rename(path, to) => (FileRename, path, Some(to), None, None),
        };
        self.file(h, p, t, ctr, kind, path, target, mode, sha)
    }

    /// Create + write-close of a file (what an editor or a download does), a few ms apart.
    pub fn write_file(
        &mut self,
        h: usize,
        p: &Arc<ProcessInfo>,
        t: i64,
        ctr: Option<&str>,
        path: &str,
        sha: Option<&str>,
    ) -> Result<i64, StoreError> {
        let dt = self.rng.random_range(50..3_000) * US;
        self.written(h, p, (t, t + dt), ctr, path, sha)?;
        Ok(t + dt)
    }

    /// `path` created (mode 0644) at `opened` and write-closed at `closed`.
    pub fn written(
        &mut self,
        h: usize,
        p: &Arc<ProcessInfo>,
        (opened, closed): (i64, i64),
        ctr: Option<&str>,
        path: &str,
        sha: Option<&str>,
    ) -> Result<(), StoreError> {
        self.change(h, p, opened, ctr, Change::Create(path, 0o644))?;
        self.change(h, p, closed, ctr, Change::WriteClose(path, sha))
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
            Detail::Network(NetDetail::new(Protocol::Tcp, src, Some(dst)).bytes(bytes)),
        )
    }

    /// A detector's alert about `p` at `t` (what a Falco on the node would have raised).
    pub fn finding(
        &mut self,
        h: usize,
        p: &Arc<ProcessInfo>,
        t: i64,
        ctr: Option<&str>,
        detail: FindingDetail,
    ) -> Result<(), StoreError> {
        self.emit(h, t, EventKind::Finding, ctr, p, Detail::Finding(detail))
    }

    /// A whole TCP connection from `src:sport` to `dst:dport`, seen by `p` on the `side` it is
    /// on (connect or accept): the open at `t`, then the close after `dur` with the bytes this
    /// side sent and received.
    #[allow(clippy::too_many_arguments)]
    pub fn tcp(
        &mut self,
        side: Side,
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
        let ends = ((ip(src), sport), (ip(dst), dport));
        let open = match side {
            Side::Connect => EventKind::NetConnect,
            Side::Accept => EventKind::NetAccept,
        };
        self.opened_and_closed(open, h, p, t, ctr, ends, dur, bytes)
    }

    /// `open` (a connect or an accept) of the connection `ends` (src, dst) at `t`, and its
    /// close `dur` later with the bytes this side sent and received.
    #[allow(clippy::too_many_arguments)]
    fn opened_and_closed(
        &mut self,
        open: EventKind,
        h: usize,
        p: &Arc<ProcessInfo>,
        t: i64,
        ctr: Option<&str>,
        (s, d): ((IpAddr, u16), (IpAddr, u16)),
        dur: i64,
        bytes: (u64, u64),
    ) -> Result<i64, StoreError> {
        self.net(h, p, t, ctr, open, Some(s), d, None)?;
        let close = EventKind::NetClose;
        self.net(h, p, t + dur, ctr, close, Some(s), d, Some(bytes))?;
        Ok(t + dur)
    }

    pub fn ephemeral_port(&mut self) -> u16 {
        self.rng.random_range(32_768..60_999)
    }
}
