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

mod file;
mod net;
mod offsets;
mod process;
mod syscalls;

use aya_ebpf::Global;
use aya_ebpf::helpers::bpf_probe_read_kernel;
use aya_ebpf::macros::map;
use aya_ebpf::maps::{Array, HashMap, LruHashMap, RingBuf};
use offsets::COLLECTOR_TGID;
use trace_ebpf_common::Task;

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

fn own(tgid: u32) -> bool {
    tgid == COLLECTOR_TGID.load()
}

#[cfg(not(test))]
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo) -> ! {
    loop {}
}

#[unsafe(link_section = "license")]
#[unsafe(no_mangle)]
static LICENSE: [u8; 13] = *b"Dual MIT/GPL\0";
