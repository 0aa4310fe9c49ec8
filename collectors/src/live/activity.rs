//! File and network records → rows: paths as the process saw them, the kinds of file change,
//! connection ends in the schema's convention (`src` initiated).

use std::sync::Arc;

use trace::schema::{Detail, EventKind, FileDetail, NetDetail, Protocol, Row};
use trace_ebpf_common::{
    FILE_CHDIR, FILE_CHMOD, FILE_CHOWN, FILE_OPEN, FILE_READ, FILE_RENAME, FILE_UNLINK, NET_ACCEPT,
    NET_BIND, NET_CLOSE, NET_CONNECT, NET_LISTEN,
};

use super::Converter;
use crate::ebpf::{FileRecord, NetRecord};
use crate::paths::{proc_link, resolve_path};

impl Converter {
    pub(super) fn convert_file(&mut self, f: &FileRecord, out: &mut Vec<Row>) {
        let pid = f.task.pid;
        let contained = self.cgroups.container(f.task.cgroup_id).is_some();
        let cwd = self.procs.get(&pid).and_then(|(i, _)| i.cwd.as_deref());
        let path = if f.fd >= 0 {
            proc_link(pid, &format!("fd/{}", f.fd), contained)
                .unwrap_or_else(|| format!("fd:{}", f.fd))
        } else {
            resolve_path(pid, f.dirfd, &f.path, cwd, contained)
        };
        if f.op == FILE_CHDIR {
            // Not an event: the table's working directory follows the process.
            if let Some((info, _)) = self.procs.get_mut(&pid) {
                let mut i = (**info).clone();
                i.cwd = Some(path);
                *info = Arc::new(i);
            }
            return;
        }
        let some = |v: u32| (v != u32::MAX).then_some(v);
        // The kernel matched 8 bytes; the whole prefix must match.
        if f.op == FILE_READ && !self.read_watch.iter().any(|w| path.starts_with(w.as_str())) {
            return;
        }
        let (kind, target, mode, flags, owner) = match f.op {
            FILE_READ => (
                EventKind::FileOpenRead,
                None,
                None,
                Some(f.flags),
                (None, None),
            ),
            FILE_OPEN if f.created => (
                EventKind::FileCreate,
                None,
                Some(f.mode & 0o7777),
                Some(f.flags),
                (None, None),
            ),
            FILE_OPEN => (
                EventKind::FileOpenWrite,
                None,
                None,
                Some(f.flags),
                (None, None),
            ),
            FILE_UNLINK => (
                EventKind::FileUnlink,
                None,
                None,
                Some(f.flags),
                (None, None),
            ),
            FILE_RENAME => (
                EventKind::FileRename,
                Some(resolve_path(pid, f.dirfd2, &f.path2, cwd, contained)),
                None,
                None,
                (None, None),
            ),
            FILE_CHMOD => (
                EventKind::FileChmod,
                None,
                Some(f.mode & 0o7777),
                None,
                (None, None),
            ),
            FILE_CHOWN => (
                EventKind::FileChown,
                None,
                None,
                None,
                (some(f.owner_uid), some(f.owner_gid)),
            ),
            _ => return,
        };
        let detail = Detail::File(
            FileDetail::path(path)
                .target(target)
                .mode(mode)
                .flags(flags)
                .owner(owner.0, owner.1),
        );
        let row = self.event(&f.task, kind, detail, out);
        out.push(row);
    }

    pub(super) fn convert_net(&mut self, n: &NetRecord, out: &mut Vec<Row>) {
        let protocol = if n.sock_type == 2 {
            Protocol::Udp
        } else {
            Protocol::Tcp
        };
        let kind = match n.op {
            NET_CONNECT => EventKind::NetConnect,
            NET_ACCEPT => EventKind::NetAccept,
            NET_CLOSE => EventKind::NetClose,
            NET_LISTEN | NET_BIND => EventKind::NetListen,
            _ => return,
        };
        // Schema convention: src is the side that initiated the connection; a close has the
        // ends of the connect or accept that gave its owner the socket.
        let how = if n.op == NET_CLOSE { n.role } else { n.op };
        let (src, dst) = match how {
            NET_CONNECT => (Some(n.local), n.remote),
            NET_ACCEPT => (Some(n.remote), n.local),
            NET_LISTEN | NET_BIND if n.op != NET_CLOSE => (None, n.local),
            _ => return,
        };
        let detail = Detail::Network(NetDetail::new(protocol, src, Some(dst)));
        let row = self.event(&n.task, kind, detail, out);
        out.push(row);
    }
}
