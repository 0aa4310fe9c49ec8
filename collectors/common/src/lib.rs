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

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{align_of, offset_of, size_of};

    /// The kernel and userspace sides must agree byte for byte; a change here is a wire change.
    #[test]
    fn the_wire_layout_is_pinned() {
        assert_eq!(size_of::<ProcEvent>(), 848);
        assert!(
            align_of::<ProcEvent>() <= 8,
            "ring buffer entries are 8-byte aligned"
        );
        assert_eq!(offset_of!(ProcEvent, kind), 0);
        assert_eq!(offset_of!(ProcEvent, ktime_boot), 32);
        assert_eq!(offset_of!(ProcEvent, cgroup_id), 56);
        assert_eq!(offset_of!(ProcEvent, comm), 64);
        assert_eq!(offset_of!(ProcEvent, filename), 80);
        assert_eq!(offset_of!(ProcEvent, args), 80 + FILENAME_LEN);
        assert_eq!((KIND_EXEC, KIND_FORK, KIND_EXIT), (1, 2, 3));
    }
}
