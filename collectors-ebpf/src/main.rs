//! trace's eBPF programs on tracepoints (this kernel has no kprobes, and fentry/LSM are
//! refused): process exec, fork and exit; file operations that change files (opens for write or
//! create, unlink, rename, chmod, chown), recorded at syscall exit with their results; and
//! network operations on IPv4/IPv6 sockets (connect, accept, listen, UDP bind) at syscall exit,
//! so the acting process is the one that made the call, plus TCP closes from
//! `sock:inet_sock_set_state`, attributed to the socket's owner. Struct offsets and tracepoint
//! field offsets come from the loader, read from the running kernel's BTF and tracefs: nothing
//! here assumes one kernel's layout.

#![no_std]
#![no_main]

use aya_ebpf::cty::c_void;
use aya_ebpf::{
    EbpfContext, Global,
    helpers::{
        bpf_get_current_cgroup_id, bpf_get_current_comm, bpf_get_current_pid_tgid,
        bpf_get_current_task, bpf_get_current_uid_gid, bpf_ktime_get_boot_ns,
        bpf_probe_read_kernel, bpf_probe_read_kernel_str_bytes, bpf_probe_read_user,
        bpf_probe_read_user_str_bytes, generated as raw,
    },
    macros::{map, raw_tracepoint, tracepoint},
    maps::{Array, HashMap, LruHashMap, RingBuf},
    programs::{RawTracePointContext, TracePointContext},
};
use trace_ebpf_common::{
    ARGS_LEN, FILE_CHDIR, FILE_CHMOD, FILE_CHOWN, FILE_OPEN, FILE_READ, FILE_RENAME, FILE_UNLINK,
    FileEvent, KIND_EXEC, KIND_EXIT, KIND_FILE, KIND_FORK, KIND_NET, NET_ACCEPT, NET_BIND,
    NET_CLOSE, NET_CONNECT, NET_LISTEN, NetEvent, ProcEvent, Task,
};

#[unsafe(no_mangle)]
static TASK_TGID_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
static TASK_PID_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
static TASK_REAL_PARENT_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
static TASK_GROUP_LEADER_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
static TASK_START_BOOTTIME_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
static TASK_MM_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
static TASK_EXIT_CODE_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
static TASK_CRED_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
static CRED_EUID_OFF: Global<u32> = Global::new(0);
/// 0 when this kernel has no `task_struct.loginuid` (built without audit).
#[unsafe(no_mangle)]
static TASK_LOGINUID_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
static MM_ARG_START_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
static MM_ARG_END_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
static TASK_FILES_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
static FILES_FDT_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
static FDT_MAX_FDS_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
static FDT_FD_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
static FILE_PRIVATE_DATA_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
static FILE_F_MODE_OFF: Global<u32> = Global::new(0);
/// `FMODE_CREATED`: set in `file->f_mode` when the open created the file.
#[unsafe(no_mangle)]
static FMODE_CREATED: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
static SOCKET_SK_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
static SOCKET_TYPE_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
static SKC_DADDR_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
static SKC_RCV_SADDR_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
static SKC_DPORT_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
static SKC_NUM_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
static SKC_FAMILY_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
static SKC_V6_DADDR_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
static SKC_V6_RCV_SADDR_OFF: Global<u32> = Global::new(0);
// sock:inet_sock_set_state field offsets, from the tracepoint's format file.
#[unsafe(no_mangle)]
static ISS_SKADDR_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
static ISS_OLDSTATE_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
static ISS_NEWSTATE_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
static ISS_SPORT_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
static ISS_DPORT_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
static ISS_FAMILY_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
static ISS_PROTOCOL_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
static ISS_SADDR_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
static ISS_DADDR_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
static ISS_SADDR_V6_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
static ISS_DADDR_V6_OFF: Global<u32> = Global::new(0);
/// The collector's own tgid: its events are not recorded.
#[unsafe(no_mangle)]
static COLLECTOR_TGID: Global<u32> = Global::new(0);

#[map]
static EVENTS: RingBuf = RingBuf::with_byte_size(8 << 20, 0);

/// Index 0: events that could not be reserved (ring buffer full); index 1: syscalls whose
/// arguments could not be kept until their exit (pending table full).
#[map]
static DROPS: Array<u64> = Array::with_max_entries(2, 0);

/// A syscall's arguments between its entry and its exit, by thread (pid_tgid).
#[repr(C)]
#[derive(Clone, Copy)]
struct Pending {
    args: [u64; 5],
}

/// LRU: should a thread never reach its syscall's exit (it cannot, short of a kernel bug),
/// its entry ages out instead of filling the table.
#[map]
static PENDING: LruHashMap<u64, Pending> = LruHashMap::with_max_entries(16384, 0);

/// Read-only opens are recorded when the path's first 8 bytes are a key here (filled by the
/// collector from its watch list; it checks the whole prefix).
#[map]
static WATCH: HashMap<u64, u8> = HashMap::with_max_entries(256, 0);

/// Marks a pending open as a watched read (in the otherwise unused fifth argument slot).
const READ_MARK: u64 = 1;

/// Who connected or accepted a TCP socket (by `struct sock` address), so its close can be
/// attributed to them: closes run in softirq context, where the current task is unrelated.
#[repr(C)]
#[derive(Clone, Copy)]
struct Owner {
    task: Task,
    role: u32,
    pad: u32,
}

#[map]
static OWNERS: LruHashMap<u64, Owner> = LruHashMap::with_max_entries(65536, 0);

#[inline(always)]
unsafe fn read<T>(base: *const u8, off: &Global<u32>) -> Result<T, i32> {
    unsafe { bpf_probe_read_kernel(base.add(off.load() as usize).cast::<T>()) }
}

#[inline(always)]
fn dropped() {
    count_drop(0);
}

#[inline(always)]
fn count_drop(i: u32) {
    if let Some(p) = DROPS.get_ptr_mut(i) {
        // Racy across CPUs by a count or two at worst; the loss record is a lower bound.
        unsafe { *p += 1 };
    }
}

/// Fills the fields every kind has from `task` (a task_struct).
#[inline(always)]
unsafe fn fill(e: *mut ProcEvent, task: *const u8, kind: u32) -> Result<(), i32> {
    unsafe {
        let leader: *const u8 = read(task, &TASK_GROUP_LEADER_OFF)?;
        let parent: *const u8 = read(task, &TASK_REAL_PARENT_OFF)?;
        let parent_leader: *const u8 = read(parent, &TASK_GROUP_LEADER_OFF)?;
        (*e).kind = kind;
        (*e).pid = read::<i32>(task, &TASK_TGID_OFF)? as u32;
        (*e).tid = read::<i32>(task, &TASK_PID_OFF)? as u32;
        (*e).ppid = read::<i32>(parent, &TASK_TGID_OFF)? as u32;
        (*e).start_boottime = read(leader, &TASK_START_BOOTTIME_OFF)?;
        (*e).parent_start_boottime = read(parent_leader, &TASK_START_BOOTTIME_OFF)?;
        (*e).ktime_boot = bpf_ktime_get_boot_ns();
        (*e).exit_code = 0;
        (*e).args_len = 0;
        let cred: *const u8 = read(task, &TASK_CRED_OFF)?;
        (*e).euid = read(cred, &CRED_EUID_OFF)?;
        (*e).auid = if TASK_LOGINUID_OFF.load() == 0 {
            u32::MAX
        } else {
            read(task, &TASK_LOGINUID_OFF).unwrap_or(u32::MAX)
        };
        (*e).cgroup_id = bpf_get_current_cgroup_id();
        let ug = bpf_get_current_uid_gid();
        (*e).uid = ug as u32;
        (*e).gid = (ug >> 32) as u32;
        (*e).comm = bpf_get_current_comm().unwrap_or([0; 16]);
        let f = &mut (*e).filename;
        f[0] = 0;
    }
    Ok(())
}

fn own(tgid: u32) -> bool {
    tgid == COLLECTOR_TGID.load()
}

#[tracepoint]
pub fn process_sched_process_exec(ctx: TracePointContext) -> u32 {
    let _ = unsafe { try_exec(&ctx) };
    0
}

unsafe fn try_exec(ctx: &TracePointContext) -> Result<(), i32> {
    if own((bpf_get_current_pid_tgid() >> 32) as u32) {
        return Ok(());
    }
    let Some(mut entry) = EVENTS.reserve::<ProcEvent>(0) else {
        dropped();
        return Ok(());
    };
    let e = entry.as_mut_ptr();
    let task = unsafe { bpf_get_current_task() } as *const u8;
    unsafe {
        if fill(e, task, KIND_EXEC).is_err() {
            entry.discard(0);
            return Ok(());
        }
        // filename: __data_loc at offset 8 (len << 16 | offset from the record start)
        if let Ok(loc) = ctx.read_at::<u32>(8) {
            let off = (loc & 0xffff) as usize;
            let f = &mut (*e).filename;
            let _ = bpf_probe_read_kernel_str_bytes((ctx.as_ptr() as *const u8).add(off), f);
        }
        // argv: the process's argument block in user memory
        let mm: *const u8 = read(task, &TASK_MM_OFF).unwrap_or(core::ptr::null());
        if !mm.is_null() {
            let start: u64 = read(mm, &MM_ARG_START_OFF).unwrap_or(0);
            let end: u64 = read(mm, &MM_ARG_END_OFF).unwrap_or(0);
            if start != 0 && end > start {
                // Read exactly the argument block (reading past it can leave the stack's
                // mapping and fail the whole read); the mask bounds the size for the verifier.
                let want = (end - start) as usize;
                let len = if want < ARGS_LEN { want } else { ARGS_LEN - 1 } & (ARGS_LEN - 1);
                let a = &mut (*e).args;
                let rc = raw::bpf_probe_read_user(
                    a.as_mut_ptr() as *mut c_void,
                    len as u32,
                    start as *const c_void,
                );
                if rc == 0 {
                    (*e).args_len = len as u32;
                }
            }
        }
    }
    entry.submit(0);
    Ok(())
}

#[raw_tracepoint(tracepoint = "sched_process_fork")]
pub fn process_sched_process_fork(ctx: RawTracePointContext) -> u32 {
    let _ = unsafe { try_fork(&ctx) };
    0
}

unsafe fn try_fork(ctx: &RawTracePointContext) -> Result<(), i32> {
    // TP_PROTO(struct task_struct *parent, struct task_struct *child)
    let child: *const u8 = ctx.arg(1);
    unsafe {
        let tgid: i32 = read(child, &TASK_TGID_OFF)?;
        let pid: i32 = read(child, &TASK_PID_OFF)?;
        if tgid != pid || own((bpf_get_current_pid_tgid() >> 32) as u32) {
            return Ok(()); // a new thread, not a process; or our own
        }
        let Some(mut entry) = EVENTS.reserve::<ProcEvent>(0) else {
            dropped();
            return Ok(());
        };
        let e = entry.as_mut_ptr();
        if fill(e, child, KIND_FORK).is_err() {
            entry.discard(0);
            return Ok(());
        }
        entry.submit(0);
    }
    Ok(())
}

#[tracepoint]
pub fn process_sched_process_exit(ctx: TracePointContext) -> u32 {
    let _ = unsafe { try_exit(&ctx) };
    0
}

unsafe fn try_exit(ctx: &TracePointContext) -> Result<(), i32> {
    let pid_tgid = bpf_get_current_pid_tgid();
    if own((pid_tgid >> 32) as u32) {
        return Ok(());
    }
    // group_dead (offset 32 on 6.x): only the end of the whole thread group is an exit.
    let group_dead: u8 = unsafe { ctx.read_at(32).unwrap_or(0) };
    if group_dead == 0 {
        return Ok(());
    }
    let Some(mut entry) = EVENTS.reserve::<ProcEvent>(0) else {
        dropped();
        return Ok(());
    };
    let e = entry.as_mut_ptr();
    let task = unsafe { bpf_get_current_task() } as *const u8;
    unsafe {
        if fill(e, task, KIND_EXIT).is_err() {
            entry.discard(0);
            return Ok(());
        }
        (*e).exit_code = read(task, &TASK_EXIT_CODE_OFF).unwrap_or(0);
    }
    entry.submit(0);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// File and network syscalls: the entry keeps the arguments, the exit records what succeeded.

// Our own numbering of the syscalls traced (one tracepoint pair each); not the arch's numbers.
const SC_OPEN: u32 = 1;
const SC_CREAT: u32 = 2;
const SC_OPENAT: u32 = 3;
const SC_OPENAT2: u32 = 4;
const SC_UNLINK: u32 = 5;
const SC_UNLINKAT: u32 = 6;
const SC_RENAME: u32 = 7;
const SC_RENAMEAT: u32 = 8;
const SC_RENAMEAT2: u32 = 9;
const SC_CHMOD: u32 = 10;
const SC_FCHMOD: u32 = 11;
const SC_FCHMODAT: u32 = 12;
const SC_FCHMODAT2: u32 = 13;
const SC_CHOWN: u32 = 14;
const SC_LCHOWN: u32 = 15;
const SC_FCHOWN: u32 = 16;
const SC_FCHOWNAT: u32 = 17;
const SC_CONNECT: u32 = 18;
const SC_ACCEPT: u32 = 19;
const SC_BIND: u32 = 20;
const SC_LISTEN: u32 = 21;
const SC_CHDIR: u32 = 22;
const SC_FCHDIR: u32 = 23;

const AT_FDCWD: i32 = -100;
const O_ACCMODE: u64 = 3;
const O_CREAT: u64 = 0o100;
const O_TRUNC: u64 = 0o1000;
const EINPROGRESS: i64 = 115;
const AF_INET: u16 = 2;
const AF_INET6: u16 = 10;
const SOCK_DGRAM: u16 = 2;
const IPPROTO_TCP: u16 = 6;
const TCP_ESTABLISHED: i32 = 1;
const TCP_SYN_SENT: i32 = 2;
const TCP_SYN_RECV: i32 = 3;
const TCP_FIN_WAIT1: i32 = 4;
const TCP_CLOSE: i32 = 7;
const TCP_CLOSE_WAIT: i32 = 8;
const TCP_LAST_ACK: i32 = 9;

/// Syscall tracepoint records: `__syscall_nr` then the arguments at 16 + 8 * i; exits have
/// `ret` at 16. This layout is the syscall tracepoints' ABI, the same on every kernel.
#[inline(always)]
unsafe fn arg(ctx: &TracePointContext, i: usize) -> u64 {
    unsafe { ctx.read_at::<u64>(16 + 8 * i).unwrap_or(0) }
}

/// open flags that change a file: write access, create or truncate.
#[inline(always)]
fn writes(flags: u64) -> bool {
    flags & O_ACCMODE != 0 || flags & (O_CREAT | O_TRUNC) != 0
}

fn sys_enter(ctx: &TracePointContext, sc: u32) -> u32 {
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
unsafe fn fill_task(t: &mut Task, task: *const u8) -> Result<(), i32> {
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
unsafe fn fd_file(task: *const u8, fd: u64) -> Result<*const u8, i32> {
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

fn sys_exit(ctx: &TracePointContext, sc: u32) -> u32 {
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

unsafe fn file_exit(sc: u32, ret: i64, a: &[u64; 5]) -> Result<(), i32> {
    if ret < 0 {
        return Ok(()); // what did not happen changed nothing
    }
    let Some(mut entry) = EVENTS.reserve::<FileEvent>(0) else {
        dropped();
        return Ok(());
    };
    let task = unsafe { bpf_get_current_task() } as *const u8;
    let e = unsafe { &mut *entry.as_mut_ptr() };
    if unsafe { fill_task(&mut e.task, task) }.is_err() {
        entry.discard(0);
        return Ok(());
    }
    e.kind = KIND_FILE;
    e.ret = ret as i32;
    e.flags = 0;
    e.mode = 0;
    e.owner_uid = u32::MAX;
    e.owner_gid = u32::MAX;
    e.dirfd = AT_FDCWD;
    e.dirfd2 = AT_FDCWD;
    e.fd = -1;
    e.created = 0;
    e.pad = 0;
    e.path[0] = 0;
    e.path2[0] = 0;
    // (path pointer, path2 pointer)
    let (p1, p2): (u64, u64) = match sc {
        SC_OPEN | SC_OPENAT | SC_OPENAT2 if a[4] == READ_MARK => {
            e.op = FILE_READ;
            let (path, flags) = if sc == SC_OPEN {
                (a[0], a[1])
            } else {
                e.dirfd = a[0] as i32;
                (a[1], a[2])
            };
            e.flags = flags as u32;
            (path, 0)
        }
        SC_OPEN | SC_CREAT | SC_OPENAT | SC_OPENAT2 => {
            e.op = FILE_OPEN;
            let (path, flags, mode) = match sc {
                SC_OPEN => (a[0], a[1], a[2]),
                SC_CREAT => (a[0], 0o1101, a[1]), // O_CREAT | O_WRONLY | O_TRUNC
                _ => {
                    e.dirfd = a[0] as i32;
                    (a[1], a[2], a[3])
                }
            };
            e.flags = flags as u32;
            e.mode = mode as u32;
            // Did this open create the file? The new file says so in its f_mode.
            if let Ok(file) = unsafe { fd_file(task, ret as u64) } {
                let fmode: u32 = unsafe { read(file, &FILE_F_MODE_OFF).unwrap_or(0) };
                e.created = (fmode & FMODE_CREATED.load() != 0) as u32;
            }
            (path, 0)
        }
        SC_UNLINK => {
            e.op = FILE_UNLINK;
            (a[0], 0)
        }
        SC_UNLINKAT => {
            e.op = FILE_UNLINK;
            e.dirfd = a[0] as i32;
            e.flags = a[2] as u32;
            (a[1], 0)
        }
        SC_RENAME => {
            e.op = FILE_RENAME;
            (a[0], a[1])
        }
        SC_RENAMEAT | SC_RENAMEAT2 => {
            e.op = FILE_RENAME;
            e.dirfd = a[0] as i32;
            e.dirfd2 = a[2] as i32;
            if sc == SC_RENAMEAT2 {
                e.flags = a[4] as u32;
            }
            (a[1], a[3])
        }
        SC_CHMOD => {
            e.op = FILE_CHMOD;
            e.mode = a[1] as u32;
            (a[0], 0)
        }
        SC_FCHMOD => {
            e.op = FILE_CHMOD;
            e.fd = a[0] as i32;
            e.mode = a[1] as u32;
            (0, 0)
        }
        SC_FCHMODAT | SC_FCHMODAT2 => {
            e.op = FILE_CHMOD;
            e.dirfd = a[0] as i32;
            e.mode = a[2] as u32;
            if sc == SC_FCHMODAT2 {
                e.flags = a[3] as u32;
            }
            (a[1], 0)
        }
        SC_CHOWN | SC_LCHOWN => {
            e.op = FILE_CHOWN;
            e.owner_uid = a[1] as u32;
            e.owner_gid = a[2] as u32;
            (a[0], 0)
        }
        SC_FCHOWN => {
            e.op = FILE_CHOWN;
            e.fd = a[0] as i32;
            e.owner_uid = a[1] as u32;
            e.owner_gid = a[2] as u32;
            (0, 0)
        }
        SC_CHDIR => {
            e.op = FILE_CHDIR;
            (a[0], 0)
        }
        SC_FCHDIR => {
            e.op = FILE_CHDIR;
            e.fd = a[0] as i32;
            (0, 0)
        }
        SC_FCHOWNAT => {
            e.op = FILE_CHOWN;
            e.dirfd = a[0] as i32;
            e.owner_uid = a[2] as u32;
            e.owner_gid = a[3] as u32;
            e.flags = a[4] as u32;
            (a[1], 0)
        }
        _ => {
            entry.discard(0);
            return Ok(());
        }
    };
    if p1 != 0 {
        let _ = unsafe { bpf_probe_read_user_str_bytes(p1 as *const u8, &mut e.path) };
    }
    if p2 != 0 {
        let _ = unsafe { bpf_probe_read_user_str_bytes(p2 as *const u8, &mut e.path2) };
    }
    entry.submit(0);
    Ok(())
}

/// Fills the socket fields of `e` from `sk` (a `struct sock`); Err for non-IP sockets.
#[inline(always)]
unsafe fn sock_fields(e: &mut NetEvent, sk: *const u8) -> Result<(), i32> {
    unsafe {
        e.family = read(sk, &SKC_FAMILY_OFF)?;
        e.local_port = read(sk, &SKC_NUM_OFF)?;
        e.remote_port = u16::from_be(read(sk, &SKC_DPORT_OFF)?);
        e.local_addr = [0; 16];
        e.remote_addr = [0; 16];
        match e.family {
            AF_INET => {
                let l: [u8; 4] = read(sk, &SKC_RCV_SADDR_OFF)?;
                let r: [u8; 4] = read(sk, &SKC_DADDR_OFF)?;
                e.local_addr[..4].copy_from_slice(&l);
                e.remote_addr[..4].copy_from_slice(&r);
            }
            AF_INET6 => {
                e.local_addr = read(sk, &SKC_V6_RCV_SADDR_OFF)?;
                e.remote_addr = read(sk, &SKC_V6_DADDR_OFF)?;
            }
            _ => return Err(-1),
        }
    }
    Ok(())
}

unsafe fn net_exit(sc: u32, ret: i64, a: &[u64; 5]) -> Result<(), i32> {
    let (fd, op) = match sc {
        SC_CONNECT if ret == 0 || ret == -EINPROGRESS => (a[0], NET_CONNECT),
        SC_ACCEPT if ret >= 0 => (ret as u64, NET_ACCEPT),
        SC_LISTEN if ret == 0 => (a[0], NET_LISTEN),
        SC_BIND if ret == 0 => (a[0], NET_BIND),
        _ => return Ok(()),
    };
    let task = unsafe { bpf_get_current_task() } as *const u8;
    let (sk, stype) = unsafe {
        let file = fd_file(task, fd)?;
        let socket: *const u8 = read(file, &FILE_PRIVATE_DATA_OFF)?;
        let sk: *const u8 = read(socket, &SOCKET_SK_OFF)?;
        let stype: i16 = read(socket, &SOCKET_TYPE_OFF)?;
        (sk, stype as u16)
    };
    // Only IP sockets; a bind is only news for datagram sockets (TCP servers listen).
    let family: u16 = unsafe { read(sk, &SKC_FAMILY_OFF)? };
    if (family != AF_INET && family != AF_INET6) || (op == NET_BIND && stype != SOCK_DGRAM) {
        return Ok(());
    }
    let Some(mut entry) = EVENTS.reserve::<NetEvent>(0) else {
        dropped();
        return Ok(());
    };
    let e = unsafe { &mut *entry.as_mut_ptr() };
    if unsafe { fill_task(&mut e.task, task) }.is_err() || unsafe { sock_fields(e, sk) }.is_err() {
        entry.discard(0);
        return Ok(());
    }
    e.kind = KIND_NET;
    e.op = op;
    e.ret = ret as i32;
    e.sock_type = stype;
    e.role = 0;
    // Closes are TCP state changes: only stream sockets get an owner entry.
    if (op == NET_CONNECT || op == NET_ACCEPT) && stype != SOCK_DGRAM {
        let owner = Owner {
            task: e.task,
            role: op,
            pad: 0,
        };
        let _ = OWNERS.insert(sk as u64, owner, 0);
    }
    entry.submit(0);
    Ok(())
}

#[tracepoint]
pub fn sock_inet_sock_set_state(ctx: TracePointContext) -> u32 {
    let _ = unsafe { try_set_state(&ctx) };
    0
}

unsafe fn try_set_state(ctx: &TracePointContext) -> Result<(), i32> {
    unsafe {
        let proto: u16 = ctx.read_at(ISS_PROTOCOL_OFF.load() as usize)?;
        if proto != IPPROTO_TCP {
            return Ok(());
        }
        let old: i32 = ctx.read_at(ISS_OLDSTATE_OFF.load() as usize)?;
        let new: i32 = ctx.read_at(ISS_NEWSTATE_OFF.load() as usize)?;
        // The owner ends the connection (FIN_WAIT1 / LAST_ACK), or it is reset or fails (CLOSE).
        let closing = matches!(
            (old, new),
            (TCP_ESTABLISHED, TCP_FIN_WAIT1)
                | (TCP_CLOSE_WAIT, TCP_LAST_ACK)
                | (
                    TCP_ESTABLISHED | TCP_SYN_SENT | TCP_SYN_RECV | TCP_CLOSE_WAIT,
                    TCP_CLOSE
                )
        );
        if !closing {
            return Ok(());
        }
        let skaddr: u64 = ctx.read_at(ISS_SKADDR_OFF.load() as usize)?;
        let Some(owner) = OWNERS.get(skaddr) else {
            return Ok(()); // a socket we did not see opened (or already closed)
        };
        let owner = *owner;
        let _ = OWNERS.remove(skaddr);
        let Some(mut entry) = EVENTS.reserve::<NetEvent>(0) else {
            dropped();
            return Ok(());
        };
        let e = &mut *entry.as_mut_ptr();
        e.kind = KIND_NET;
        e.op = NET_CLOSE;
        e.task = owner.task;
        e.task.ktime_boot = bpf_ktime_get_boot_ns();
        e.ret = 0;
        e.role = owner.role;
        e.sock_type = 1;
        e.family = ctx.read_at(ISS_FAMILY_OFF.load() as usize).unwrap_or(0);
        e.local_port = ctx.read_at(ISS_SPORT_OFF.load() as usize).unwrap_or(0);
        e.remote_port = ctx.read_at(ISS_DPORT_OFF.load() as usize).unwrap_or(0);
        e.local_addr = [0; 16];
        e.remote_addr = [0; 16];
        if e.family == AF_INET6 {
            e.local_addr = ctx
                .read_at(ISS_SADDR_V6_OFF.load() as usize)
                .unwrap_or([0; 16]);
            e.remote_addr = ctx
                .read_at(ISS_DADDR_V6_OFF.load() as usize)
                .unwrap_or([0; 16]);
        } else {
            let l: [u8; 4] = ctx.read_at(ISS_SADDR_OFF.load() as usize).unwrap_or([0; 4]);
            let r: [u8; 4] = ctx.read_at(ISS_DADDR_OFF.load() as usize).unwrap_or([0; 4]);
            e.local_addr[..4].copy_from_slice(&l);
            e.remote_addr[..4].copy_from_slice(&r);
        }
        entry.submit(0);
    }
    Ok(())
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

#[cfg(not(test))]
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo) -> ! {
    loop {}
}

#[unsafe(link_section = "license")]
#[unsafe(no_mangle)]
static LICENSE: [u8; 13] = *b"Dual MIT/GPL\0";
