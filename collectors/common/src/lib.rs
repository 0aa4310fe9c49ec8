//! Wire records between trace's eBPF programs (`collectors-ebpf`) and the userspace collector.
//! Fixed size, `#[repr(C)]`, header first; the kind ids are never reused. This is the kernel →
//! user layout only: the storage schema lives in `trace::schema`.

#![no_std]

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
