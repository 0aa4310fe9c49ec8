//! Wire records between trace's eBPF programs (`collectors-ebpf`) and the userspace collector.
//! Fixed size, `#[repr(C)]`, header first; the kind ids are never reused. This is the kernel →
//! user layout only: the storage schema lives in `trace::schema`.

#![cfg_attr(not(test), no_std)]

/// `ProcEvent::kind` for an exec.
pub const KIND_EXEC: u32 = 1;
/// `ProcEvent::kind` for a fork (a new thread group).
pub const KIND_FORK: u32 = 2;
/// `ProcEvent::kind` for the exit of a whole thread group.
pub const KIND_EXIT: u32 = 3;

/// Bytes of the exec'd filename kept.
pub const FILENAME_LEN: usize = 256;
/// Bytes of the NUL-separated argument block kept.
pub const ARGS_LEN: usize = 512;

/// A process event as the kernel side records it.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct ProcEvent {
    /// One of the `KIND_*` constants.
    pub kind: u32,
    /// Thread-group id.
    pub pid: u32,
    /// Thread id.
    pub tid: u32,
    /// Parent's thread-group id.
    pub ppid: u32,
    /// Real uid.
    pub uid: u32,
    /// Real gid.
    pub gid: u32,
    /// Exit code (`task->exit_code`: status << 8 | signal) for exits.
    pub exit_code: i32,
    /// Valid bytes in `args`.
    pub args_len: u32,
    /// Effective uid (`task->cred->euid`): differs from `uid` under setuid programs.
    pub euid: u32,
    /// Login (audit) uid (`task->loginuid`), `u32::MAX` when unset or not in this kernel.
    pub auid: u32,
    /// When it happened, CLOCK_BOOTTIME ns.
    pub ktime_boot: u64,
    /// The process's start time (`group_leader->start_boottime`), CLOCK_BOOTTIME ns.
    pub start_boottime: u64,
    /// The parent's start time, CLOCK_BOOTTIME ns.
    pub parent_start_boottime: u64,
    /// cgroup v2 id of the task.
    pub cgroup_id: u64,
    /// Command name.
    pub comm: [u8; 16],
    /// The exec'd filename (NUL-terminated).
    pub filename: [u8; FILENAME_LEN],
    /// argv as NUL-separated bytes.
    pub args: [u8; ARGS_LEN],
}

/// Record kind of a [`FileEvent`].
pub const KIND_FILE: u32 = 4;
/// Record kind of a [`NetEvent`].
pub const KIND_NET: u32 = 5;

/// `FileEvent::op`: open/openat/openat2/creat with write, create or truncate flags.
pub const FILE_OPEN: u32 = 1;
/// `FileEvent::op`: unlink/unlinkat (also rmdir through `AT_REMOVEDIR`).
pub const FILE_UNLINK: u32 = 2;
/// `FileEvent::op`: rename/renameat/renameat2.
pub const FILE_RENAME: u32 = 3;
/// `FileEvent::op`: chmod/fchmod/fchmodat/fchmodat2.
pub const FILE_CHMOD: u32 = 4;
/// `FileEvent::op`: chown/lchown/fchown/fchownat.
pub const FILE_CHOWN: u32 = 5;
/// `FileEvent::op`: a read-only open of a path whose first 8 bytes are in the watch map.
pub const FILE_READ: u32 = 6;
/// `FileEvent::op`: chdir/fchdir succeeded (not an event: it keeps the process table's
/// working directory right without reading /proc at every exec).
pub const FILE_CHDIR: u32 = 7;

/// The watch map's key for a path: its first 8 bytes as a little-endian u64 (paths shorter
/// than 8 bytes cannot be watched).
pub fn watch_key(path: &[u8]) -> Option<u64> {
    let b: [u8; 8] = path.get(..8)?.try_into().ok()?;
    Some(u64::from_le_bytes(b))
}

/// `NetEvent::op`: connect(2) succeeded or is in progress (the caller's socket).
pub const NET_CONNECT: u32 = 1;
/// `NetEvent::op`: accept(2)/accept4(2) returned a connection.
pub const NET_ACCEPT: u32 = 2;
/// `NetEvent::op`: listen(2) succeeded.
pub const NET_LISTEN: u32 = 3;
/// `NetEvent::op`: bind(2) of a datagram socket (a UDP server's "listen").
pub const NET_BIND: u32 = 4;
/// `NetEvent::op`: the owner closed (or reset) a TCP connection it connected or accepted;
/// `role` says which.
pub const NET_CLOSE: u32 = 5;

/// Bytes of a path argument kept.
pub const PATH_LEN: usize = 256;

/// The acting task, as file and network records carry it.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Task {
    /// Thread-group id.
    pub pid: u32,
    /// Thread id.
    pub tid: u32,
    /// Real uid.
    pub uid: u32,
    /// Real gid.
    pub gid: u32,
    /// When it happened, CLOCK_BOOTTIME ns.
    pub ktime_boot: u64,
    /// The process's start time (`group_leader->start_boottime`), CLOCK_BOOTTIME ns.
    pub start_boottime: u64,
    /// cgroup v2 id of the task.
    pub cgroup_id: u64,
    /// Command name.
    pub comm: [u8; 16],
}

/// A file operation that succeeded, recorded at syscall exit.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct FileEvent {
    /// [`KIND_FILE`].
    pub kind: u32,
    /// One of the `FILE_*` constants.
    pub op: u32,
    /// Who did it.
    pub task: Task,
    /// The syscall's return value (the new fd for opens).
    pub ret: i32,
    /// open flags (opens), `AT_*` flags (unlinkat, fchownat), rename flags (renameat2).
    pub flags: u32,
    /// The mode given (chmod, and opens that create).
    pub mode: u32,
    /// New owner uid (chown; `u32::MAX` = unchanged).
    pub owner_uid: u32,
    /// New owner gid (chown; `u32::MAX` = unchanged).
    pub owner_gid: u32,
    /// Directory fd `path` is relative to (`AT_FDCWD` = -100 for the working directory).
    pub dirfd: i32,
    /// Directory fd `path2` is relative to.
    pub dirfd2: i32,
    /// The file descriptor acted on (fchmod/fchown), or -1.
    pub fd: i32,
    /// 1 when the open created the file (`FMODE_CREATED` on the new file).
    pub created: u32,
    /// Padding.
    pub pad: u32,
    /// The path as the process passed it (NUL-terminated).
    pub path: [u8; PATH_LEN],
    /// The new name for renames (NUL-terminated).
    pub path2: [u8; PATH_LEN],
}

/// A network operation on an IPv4/IPv6 socket, recorded in the context of the process that
/// made it (syscall exit), or for closes, attributed to the process that connected or accepted.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct NetEvent {
    /// [`KIND_NET`].
    pub kind: u32,
    /// One of the `NET_*` constants.
    pub op: u32,
    /// Who did it (for closes: the socket's owner, seen at connect/accept).
    pub task: Task,
    /// The syscall's return value (0, an fd, or -EINPROGRESS for a non-blocking connect).
    pub ret: i32,
    /// AF_INET (2) or AF_INET6 (10).
    pub family: u16,
    /// SOCK_STREAM (1) or SOCK_DGRAM (2); 1 for closes (TCP state changes).
    pub sock_type: u16,
    /// This side's port, host order.
    pub local_port: u16,
    /// The far side's port, host order.
    pub remote_port: u16,
    /// For closes: NET_CONNECT or NET_ACCEPT, how the owner got the socket.
    pub role: u32,
    /// This side's address (4 bytes used for AF_INET), network order.
    pub local_addr: [u8; 16],
    /// The far side's address, network order.
    pub remote_addr: [u8; 16],
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{align_of, offset_of, size_of};

    /// The kernel and userspace sides must agree byte for byte; a change here is a wire change.
    #[test]
    fn the_wire_layout_is_pinned() {
        assert_eq!(size_of::<ProcEvent>(), 856);
        assert!(
            align_of::<ProcEvent>() <= 8,
            "ring buffer entries are 8-byte aligned"
        );
        assert_eq!(offset_of!(ProcEvent, kind), 0);
        assert_eq!(offset_of!(ProcEvent, euid), 32);
        assert_eq!(offset_of!(ProcEvent, ktime_boot), 40);
        assert_eq!(offset_of!(ProcEvent, cgroup_id), 64);
        assert_eq!(offset_of!(ProcEvent, comm), 72);
        assert_eq!(offset_of!(ProcEvent, filename), 88);
        assert_eq!(offset_of!(ProcEvent, args), 88 + FILENAME_LEN);
        assert_eq!((KIND_EXEC, KIND_FORK, KIND_EXIT), (1, 2, 3));

        assert_eq!(size_of::<Task>(), 56);
        assert_eq!(size_of::<FileEvent>(), 104 + 2 * PATH_LEN);
        assert!(align_of::<FileEvent>() <= 8 && align_of::<NetEvent>() <= 8);
        assert_eq!(offset_of!(FileEvent, task), 8);
        assert_eq!(offset_of!(FileEvent, ret), 64);
        assert_eq!(offset_of!(FileEvent, path), 104);
        assert_eq!(offset_of!(FileEvent, path2), 104 + PATH_LEN);
        assert_eq!(size_of::<NetEvent>(), 112);
        assert_eq!(offset_of!(NetEvent, local_port), 72);
        assert_eq!(offset_of!(NetEvent, local_addr), 80);
        assert_eq!((KIND_FILE, KIND_NET), (4, 5));
        assert_eq!(
            watch_key(b"/etc/sha"),
            Some(u64::from_le_bytes(*b"/etc/sha"))
        );
        assert_eq!(watch_key(b"/etc/shadow"), watch_key(b"/etc/sha"));
        assert_eq!(watch_key(b"/etc"), None);
    }
}
