//! Process programs: exec and exit tracepoints, the fork raw tracepoint.

use aya_ebpf::cty::c_void;
use aya_ebpf::{
    EbpfContext,
    helpers::{
        bpf_get_current_cgroup_id, bpf_get_current_comm, bpf_get_current_pid_tgid,
        bpf_get_current_task, bpf_get_current_uid_gid, bpf_ktime_get_boot_ns,
        bpf_probe_read_kernel_str_bytes, generated as raw,
    },
    macros::{raw_tracepoint, tracepoint},
    programs::{RawTracePointContext, TracePointContext},
};

use trace_ebpf_common::{ARGS_LEN, KIND_EXEC, KIND_EXIT, KIND_FORK, ProcEvent};

use crate::offsets::*;

use crate::*;

#[inline(always)]
pub(crate) unsafe fn fill(e: *mut ProcEvent, task: *const u8, kind: u32) -> Result<(), i32> {
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
