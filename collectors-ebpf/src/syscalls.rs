//! File and network syscalls: one tracepoint pair per syscall; the entry keeps the
//! arguments per thread, the exit records what succeeded (in [`crate::file`] and
//! [`crate::net`]).

use aya_ebpf::{
    helpers::{
        bpf_get_current_cgroup_id, bpf_get_current_comm, bpf_get_current_pid_tgid,
        bpf_get_current_uid_gid, bpf_ktime_get_boot_ns, bpf_probe_read_kernel, bpf_probe_read_user,
    },
    macros::tracepoint,
    programs::TracePointContext,
};

use trace_ebpf_common::Task;

use crate::file::*;
use crate::net::*;
use crate::offsets::*;

use crate::*;

// ---------------------------------------------------------------------------------------------
// File and network syscalls: the entry keeps the arguments, the exit records what succeeded.

// Our own numbering of the syscalls traced (one tracepoint pair each); not the arch's numbers.
pub(crate) const SC_OPEN: u32 = 1;
pub(crate) const SC_CREAT: u32 = 2;
pub(crate) const SC_OPENAT: u32 = 3;
pub(crate) const SC_OPENAT2: u32 = 4;
pub(crate) const SC_UNLINK: u32 = 5;
pub(crate) const SC_UNLINKAT: u32 = 6;
pub(crate) const SC_RENAME: u32 = 7;
pub(crate) const SC_RENAMEAT: u32 = 8;
pub(crate) const SC_RENAMEAT2: u32 = 9;
pub(crate) const SC_CHMOD: u32 = 10;
pub(crate) const SC_FCHMOD: u32 = 11;
pub(crate) const SC_FCHMODAT: u32 = 12;
pub(crate) const SC_FCHMODAT2: u32 = 13;
pub(crate) const SC_CHOWN: u32 = 14;
pub(crate) const SC_LCHOWN: u32 = 15;
pub(crate) const SC_FCHOWN: u32 = 16;
pub(crate) const SC_FCHOWNAT: u32 = 17;
pub(crate) const SC_CONNECT: u32 = 18;
pub(crate) const SC_ACCEPT: u32 = 19;
pub(crate) const SC_BIND: u32 = 20;
pub(crate) const SC_LISTEN: u32 = 21;
pub(crate) const SC_CHDIR: u32 = 22;
pub(crate) const SC_FCHDIR: u32 = 23;

pub(crate) const AT_FDCWD: i32 = -100;
pub(crate) const O_ACCMODE: u64 = 3;
pub(crate) const O_CREAT: u64 = 0o100;
pub(crate) const O_TRUNC: u64 = 0o1000;
pub(crate) const EINPROGRESS: i64 = 115;
pub(crate) const AF_INET: u16 = 2;
pub(crate) const AF_INET6: u16 = 10;
pub(crate) const SOCK_DGRAM: u16 = 2;
pub(crate) const IPPROTO_TCP: u16 = 6;
pub(crate) const TCP_ESTABLISHED: i32 = 1;
pub(crate) const TCP_SYN_SENT: i32 = 2;
pub(crate) const TCP_SYN_RECV: i32 = 3;
pub(crate) const TCP_FIN_WAIT1: i32 = 4;
pub(crate) const TCP_CLOSE: i32 = 7;
pub(crate) const TCP_CLOSE_WAIT: i32 = 8;
pub(crate) const TCP_LAST_ACK: i32 = 9;

/// Syscall tracepoint records: `__syscall_nr` then the arguments at 16 + 8 * i; exits have
/// `ret` at 16. This layout is the syscall tracepoints' ABI, the same on every kernel.
#[inline(always)]
pub(crate) unsafe fn arg(ctx: &TracePointContext, i: usize) -> u64 {
    unsafe { ctx.read_at::<u64>(16 + 8 * i).unwrap_or(0) }
}

/// open flags that change a file: write access, create or truncate.
#[inline(always)]
pub(crate) fn writes(flags: u64) -> bool {
    flags & O_ACCMODE != 0 || flags & (O_CREAT | O_TRUNC) != 0
}

pub(crate) fn sys_enter(ctx: &TracePointContext, sc: u32) -> u32 {
    let pid_tgid = bpf_get_current_pid_tgid();
    if own((pid_tgid >> 32) as u32) {
        return 0;
    }
    let mut p = Pending { args: [0; 5] };
    unsafe {
        for i in 0..5 {
            p.args[i] = arg(ctx, i);
        }
        // Opens that only read are the vast majority: drop them here, unless the path is
        // watched (its first 8 bytes are a key of WATCH).
        let open = match sc {
            SC_OPEN => Some((p.args[0], p.args[1])),
            SC_OPENAT => Some((p.args[1], p.args[2])),
            SC_OPENAT2 => {
                // struct open_how { u64 flags; u64 mode; u64 resolve; } in user memory
                let how = p.args[2] as *const u64;
                let flags: u64 = bpf_probe_read_user(how).unwrap_or(0);
                let mode: u64 = bpf_probe_read_user(how.add(1)).unwrap_or(0);
                p.args[2] = flags;
                p.args[3] = mode;
                Some((p.args[1], flags))
            }
            _ => None,
        };
        let keep = match open {
            None => true,
            Some((_, flags)) if writes(flags) => {
                p.args[4] = 0;
                true
            }
            Some((path, _)) => {
                let head: u64 = bpf_probe_read_user(path as *const u64).unwrap_or(0);
                p.args[4] = READ_MARK;
                WATCH.get_ptr(head).is_some()
            }
        };
        if keep && PENDING.insert(pid_tgid, p, 0).is_err() {
            count_drop(1);
        }
    }
    0
}

/// The current task's identity.
#[inline(always)]
pub(crate) unsafe fn fill_task(t: &mut Task, task: *const u8) -> Result<(), i32> {
    let pid_tgid = bpf_get_current_pid_tgid();
    unsafe {
        let leader: *const u8 = read(task, &TASK_GROUP_LEADER_OFF)?;
        t.start_boottime = read(leader, &TASK_START_BOOTTIME_OFF)?;
    }
    t.pid = (pid_tgid >> 32) as u32;
    t.tid = pid_tgid as u32;
    let ug = bpf_get_current_uid_gid();
    t.uid = ug as u32;
    t.gid = (ug >> 32) as u32;
    t.ktime_boot = unsafe { bpf_ktime_get_boot_ns() };
    t.cgroup_id = unsafe { bpf_get_current_cgroup_id() };
    t.comm = bpf_get_current_comm().unwrap_or([0; 16]);
    Ok(())
}

/// `struct file *` of descriptor `fd` of `task`.
#[inline(always)]
pub(crate) unsafe fn fd_file(task: *const u8, fd: u64) -> Result<*const u8, i32> {
    unsafe {
        let files: *const u8 = read(task, &TASK_FILES_OFF)?;
        let fdt: *const u8 = read(files, &FILES_FDT_OFF)?;
        let max: u32 = read(fdt, &FDT_MAX_FDS_OFF)?;
        if fd >= max as u64 {
            return Err(-1);
        }
        let arr: *const *const u8 = read(fdt, &FDT_FD_OFF)?;
        bpf_probe_read_kernel(arr.add(fd as usize))
    }
}

pub(crate) fn sys_exit(ctx: &TracePointContext, sc: u32) -> u32 {
    let pid_tgid = bpf_get_current_pid_tgid();
    if own((pid_tgid >> 32) as u32) {
        return 0;
    }
    let ret: i64 = unsafe { ctx.read_at::<i64>(16).unwrap_or(-1) };
    let args = if sc == SC_ACCEPT {
        [0; 5]
    } else {
        let Some(p) = (unsafe { PENDING.get(pid_tgid) }) else {
            return 0;
        };
        let a = p.args;
        let _ = PENDING.remove(pid_tgid);
        a
    };
    let _ = if matches!(sc, SC_CONNECT | SC_ACCEPT | SC_BIND | SC_LISTEN) {
        unsafe { net_exit(sc, ret, &args) }
    } else {
        unsafe { file_exit(sc, ret, &args) }
    };
    0
}

/// One tracepoint program per syscall entry and exit (`syscalls:sys_enter_<name>` /
/// `sys_exit_<name>`); the loader attaches the ones this kernel has.
macro_rules! syscall_programs {
    ($($enter:ident, $exit:ident, $sc:expr;)*) => {$(
        #[tracepoint]
        pub fn $enter(ctx: TracePointContext) -> u32 {
            sys_enter(&ctx, $sc)
        }
        #[tracepoint]
        pub fn $exit(ctx: TracePointContext) -> u32 {
            sys_exit(&ctx, $sc)
        }
    )*};
}

syscall_programs! {
    sys_enter_open, sys_exit_open, SC_OPEN;
    sys_enter_creat, sys_exit_creat, SC_CREAT;
    sys_enter_openat, sys_exit_openat, SC_OPENAT;
    sys_enter_openat2, sys_exit_openat2, SC_OPENAT2;
    sys_enter_unlink, sys_exit_unlink, SC_UNLINK;
    sys_enter_unlinkat, sys_exit_unlinkat, SC_UNLINKAT;
    sys_enter_rename, sys_exit_rename, SC_RENAME;
    sys_enter_renameat, sys_exit_renameat, SC_RENAMEAT;
    sys_enter_renameat2, sys_exit_renameat2, SC_RENAMEAT2;
    sys_enter_chmod, sys_exit_chmod, SC_CHMOD;
    sys_enter_fchmod, sys_exit_fchmod, SC_FCHMOD;
    sys_enter_fchmodat, sys_exit_fchmodat, SC_FCHMODAT;
    sys_enter_fchmodat2, sys_exit_fchmodat2, SC_FCHMODAT2;
    sys_enter_chown, sys_exit_chown, SC_CHOWN;
    sys_enter_lchown, sys_exit_lchown, SC_LCHOWN;
    sys_enter_fchown, sys_exit_fchown, SC_FCHOWN;
    sys_enter_fchownat, sys_exit_fchownat, SC_FCHOWNAT;
    sys_enter_connect, sys_exit_connect, SC_CONNECT;
    sys_enter_bind, sys_exit_bind, SC_BIND;
    sys_enter_listen, sys_exit_listen, SC_LISTEN;
    sys_enter_chdir, sys_exit_chdir, SC_CHDIR;
    sys_enter_fchdir, sys_exit_fchdir, SC_FCHDIR;
}

// accept and accept4 need no arguments: the new fd is the result.
#[tracepoint]
pub fn sys_exit_accept(ctx: TracePointContext) -> u32 {
    sys_exit(&ctx, SC_ACCEPT)
}
#[tracepoint]
pub fn sys_exit_accept4(ctx: TracePointContext) -> u32 {
    sys_exit(&ctx, SC_ACCEPT)
}
