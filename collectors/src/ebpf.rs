//! The eBPF source: loads `collectors-ebpf` (built by build.rs), hands it the running kernel's
//! struct offsets read from BTF, attaches the process tracepoints and reads their ring buffer.
//! Turning records into trace rows is [`crate::poller`]'s shared keying plus [`EbpfSource::read`].

use std::path::Path;

use crate::btf::{FMODE_CREATED, offsets, set_state_offsets};
use std::sync::Arc;

use anyhow::{Context, Result, anyhow, bail};
use aya::maps::{Array, MapData, RingBuf};
use aya::programs::{RawTracePoint, TracePoint};
use aya::{Ebpf, EbpfLoader};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use trace_ebpf_common::{
    FileEvent, KIND_EXEC, KIND_EXIT, KIND_FILE, KIND_FORK, KIND_NET, NetEvent, ProcEvent, Task,
};

/// A decoded kernel record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    /// exec, fork or exit.
    Proc(ProcRecord),
    /// A file change.
    File(FileRecord),
    /// A network operation.
    Net(NetRecord),
}

/// The acting task of a file or network record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskRecord {
    /// tgid.
    pub pid: u32,
    /// uid.
    pub uid: u32,
    /// gid.
    pub gid: u32,
    /// Event time, CLOCK_BOOTTIME ns.
    pub ktime_boot: u64,
    /// Process start, CLOCK_BOOTTIME ns.
    pub start_boottime: u64,
    /// cgroup v2 id.
    pub cgroup_id: u64,
    /// comm.
    pub comm: String,
}

/// A decoded [`FileEvent`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRecord {
    /// Who.
    pub task: TaskRecord,
    /// `FILE_*`.
    pub op: u32,
    /// Syscall result.
    pub ret: i32,
    /// Flags (see [`FileEvent::flags`]).
    pub flags: u32,
    /// Mode.
    pub mode: u32,
    /// New owner uid (`u32::MAX` = unchanged).
    pub owner_uid: u32,
    /// New owner gid.
    pub owner_gid: u32,
    /// Directory fd of `path`.
    pub dirfd: i32,
    /// Directory fd of `path2`.
    pub dirfd2: i32,
    /// fd acted on (fchmod/fchown) or -1.
    pub fd: i32,
    /// The open created the file.
    pub created: bool,
    /// Path as passed.
    pub path: String,
    /// Second path (rename target).
    pub path2: String,
}

/// A decoded [`NetEvent`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetRecord {
    /// Who.
    pub task: TaskRecord,
    /// `NET_*`.
    pub op: u32,
    /// For closes: how the owner got the socket (`NET_CONNECT`/`NET_ACCEPT`).
    pub role: u32,
    /// SOCK_STREAM (1) / SOCK_DGRAM (2).
    pub sock_type: u16,
    /// This side.
    pub local: (IpAddr, u16),
    /// The far side.
    pub remote: (IpAddr, u16),
}

/// A decoded [`ProcEvent`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcRecord {
    /// exec, fork or exit.
    pub kind: u32,
    /// tgid.
    pub pid: u32,
    /// parent tgid.
    pub ppid: u32,
    /// uid.
    pub uid: u32,
    /// gid.
    pub gid: u32,
    /// Exit status (exits).
    pub exit_code: i32,
    /// Effective uid.
    pub euid: u32,
    /// Login uid, `None` when unset (or the kernel has no audit).
    pub auid: Option<u32>,
    /// Event time, CLOCK_BOOTTIME ns.
    pub ktime_boot: u64,
    /// Process start, CLOCK_BOOTTIME ns.
    pub start_boottime: u64,
    /// Parent start, CLOCK_BOOTTIME ns.
    pub parent_start_boottime: u64,
    /// cgroup v2 id.
    pub cgroup_id: u64,
    /// comm.
    pub comm: String,
    /// Exec'd filename.
    pub filename: String,
    /// argv.
    pub argv: Vec<String>,
}

fn cstr(b: &[u8]) -> String {
    let end = b.iter().position(|c| *c == 0).unwrap_or(b.len());
    String::from_utf8_lossy(&b[..end]).into_owned()
}

/// Copies a `T` out of `bytes` when they are long enough.
fn pod<T: Copy>(bytes: &[u8]) -> Option<T> {
    if bytes.len() < std::mem::size_of::<T>() {
        return None;
    }
    // SAFETY: the length was checked; the wire structs are repr(C) plain data (any bit pattern
    // is valid); read_unaligned copes with any alignment.
    Some(unsafe { std::ptr::read_unaligned(bytes.as_ptr().cast()) })
}

fn task(t: &Task) -> TaskRecord {
    TaskRecord {
        pid: t.pid,
        uid: t.uid,
        gid: t.gid,
        ktime_boot: t.ktime_boot,
        start_boottime: t.start_boottime,
        cgroup_id: t.cgroup_id,
        comm: cstr(&t.comm),
    }
}

fn ip(family: u16, a: &[u8; 16]) -> IpAddr {
    if family == 10 {
        let v6 = Ipv6Addr::from(*a);
        match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(v6),
        }
    } else {
        IpAddr::V4(Ipv4Addr::new(a[0], a[1], a[2], a[3]))
    }
}

/// Why a ring-buffer item was not decoded (a wire bug or a kernel side newer than this
/// userspace): each is counted and written as a loss row with this reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Undecodable {
    /// Shorter than its kind's record.
    Short,
    /// A kind this collector does not know.
    UnknownKind(u32),
}

impl Undecodable {
    /// The loss row's `reason`.
    pub fn reason(self) -> &'static str {
        match self {
            Undecodable::Short => "decode_error",
            Undecodable::UnknownKind(_) => "unknown_kind",
        }
    }
}

/// Items that could not be decoded, by reason (`decode_error`, `unknown_kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Undecoded(pub [(&'static str, u64); 2]);

impl Default for Undecoded {
    fn default() -> Self {
        Undecoded([
            (Undecodable::Short.reason(), 0),
            (Undecodable::UnknownKind(0).reason(), 0),
        ])
    }
}

impl Undecoded {
    /// Decodes `item` into `out`, or counts why it could not be.
    pub fn decode_into(&mut self, item: &[u8], out: &mut Vec<Record>) {
        match decode(item) {
            Ok(r) => out.push(r),
            Err(e) => self.0[usize::from(matches!(e, Undecodable::UnknownKind(_)))].1 += 1,
        }
    }
}

/// Decodes one ring-buffer item.
pub fn decode(bytes: &[u8]) -> Result<Record, Undecodable> {
    let short = Undecodable::Short;
    let kind: u32 = pod(bytes).ok_or(short)?;
    match kind {
        KIND_FILE => {
            let e: FileEvent = pod(bytes).ok_or(short)?;
            Ok(Record::File(FileRecord {
                task: task(&e.task),
                op: e.op,
                ret: e.ret,
                flags: e.flags,
                mode: e.mode,
                owner_uid: e.owner_uid,
                owner_gid: e.owner_gid,
                dirfd: e.dirfd,
                dirfd2: e.dirfd2,
                fd: e.fd,
                created: e.created != 0,
                path: cstr(&e.path),
                path2: cstr(&e.path2),
            }))
        }
        KIND_NET => {
            let e: NetEvent = pod(bytes).ok_or(short)?;
            Ok(Record::Net(NetRecord {
                task: task(&e.task),
                op: e.op,
                role: e.role,
                sock_type: e.sock_type,
                local: (ip(e.family, &e.local_addr), e.local_port),
                remote: (ip(e.family, &e.remote_addr), e.remote_port),
            }))
        }
        KIND_EXEC | KIND_FORK | KIND_EXIT => decode_proc(bytes).map(Record::Proc).ok_or(short),
        other => Err(Undecodable::UnknownKind(other)),
    }
}

fn decode_proc(bytes: &[u8]) -> Option<ProcRecord> {
    let e: ProcEvent = pod(bytes)?;
    let args = &e.args[..(e.args_len as usize).min(e.args.len())];
    let argv = args
        .split(|c| *c == 0)
        .filter(|a| !a.is_empty())
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect();
    Some(ProcRecord {
        kind: e.kind,
        pid: e.pid,
        ppid: e.ppid,
        uid: e.uid,
        gid: e.gid,
        exit_code: e.exit_code,
        euid: e.euid,
        auid: (e.auid != u32::MAX).then_some(e.auid),
        ktime_boot: e.ktime_boot,
        start_boottime: e.start_boottime,
        parent_start_boottime: e.parent_start_boottime,
        cgroup_id: e.cgroup_id,
        comm: cstr(&e.comm),
        filename: cstr(&e.filename),
        argv,
    })
}

/// The loaded and attached programs.
pub struct EbpfSource {
    _ebpf: Ebpf,
    ring: RingBuf<MapData>,
    drops: Array<MapData, u64>,
    /// Drops already turned into loss records: ring buffer full, pending table full.
    pub drops_seen: [u64; 2],
}

impl EbpfSource {
    /// Loads and attaches; fails with a reason a person can act on (no privileges, no BTF,
    /// no tracefs).
    pub fn start(own_tgid: u32, read_watch: &[String]) -> Result<EbpfSource> {
        let btf = Path::new("/sys/kernel/btf/vmlinux");
        if !btf.exists() {
            bail!("this kernel has no BTF (/sys/kernel/btf/vmlinux): eBPF offsets cannot be read");
        }
        let mut off = offsets(btf)?;
        let tracefs = Path::new("/sys/kernel/tracing");
        if !tracefs.join("events").exists() {
            // tracefs is not mounted by default everywhere; tracepoints need it.
            let _ = std::process::Command::new("mount")
                .args(["-t", "tracefs", "tracefs", "/sys/kernel/tracing"])
                .status();
        }
        off.extend(set_state_offsets(tracefs)?);
        off.insert("FMODE_CREATED", FMODE_CREATED);
        off.insert("COLLECTOR_TGID", own_tgid);
        let mut loader = EbpfLoader::new();
        let values: Vec<(&'static str, Arc<u32>)> =
            off.iter().map(|(k, v)| (*k, Arc::new(*v))).collect();
        for (k, v) in &values {
            loader.override_global(k, v.as_ref(), true);
        }
        let mut ebpf = loader
            .load(aya::include_bytes_aligned!(concat!(
                env!("OUT_DIR"),
                "/trace-ebpf"
            )))
            .context("loading the eBPF programs (needs root or CAP_BPF + CAP_PERFMON)")?;
        for (name, cat, tp) in [
            ("process_sched_process_exec", "sched", "sched_process_exec"),
            ("process_sched_process_exit", "sched", "sched_process_exit"),
        ] {
            let p: &mut TracePoint = ebpf
                .program_mut(name)
                .ok_or_else(|| anyhow!("program {name} missing from the object"))?
                .try_into()?;
            p.load()?;
            p.attach(cat, tp)
                .with_context(|| format!("attaching {cat}:{tp}"))?;
        }
        // File and network syscalls: every entry/exit pair this kernel has (architectures
        // without the legacy open/unlink/rename/chmod/chown syscalls simply lack those).
        let names: Vec<String> = ebpf
            .programs()
            .map(|(n, _)| n.to_string())
            .filter(|n| n.starts_with("sys_enter_") || n.starts_with("sys_exit_"))
            .collect();
        for name in &names {
            if !tracefs.join("events/syscalls").join(name).exists() {
                continue;
            }
            let p: &mut TracePoint = ebpf
                .program_mut(name)
                .ok_or_else(|| anyhow!("program {name} missing"))?
                .try_into()?;
            p.load()?;
            p.attach("syscalls", name)
                .with_context(|| format!("attaching syscalls:{name}"))?;
        }
        let p: &mut TracePoint = ebpf
            .program_mut("sock_inet_sock_set_state")
            .ok_or_else(|| anyhow!("program sock_inet_sock_set_state missing"))?
            .try_into()?;
        p.load()?;
        p.attach("sock", "inet_sock_set_state")
            .context("attaching sock:inet_sock_set_state")?;
        let fork: &mut RawTracePoint = ebpf
            .program_mut("process_sched_process_fork")
            .ok_or_else(|| anyhow!("fork program missing"))?
            .try_into()?;
        fork.load()?;
        fork.attach("sched_process_fork")
            .context("attaching raw_tp sched_process_fork")?;
        let mut watch: aya::maps::HashMap<_, u64, u8> = aya::maps::HashMap::try_from(
            ebpf.map_mut("WATCH")
                .ok_or_else(|| anyhow!("WATCH map missing"))?,
        )?;
        for w in read_watch {
            if let Some(k) = trace_ebpf_common::watch_key(w.as_bytes()) {
                watch
                    .insert(k, 1, 0)
                    .context("filling the read watch map")?;
            }
        }
        let ring = RingBuf::try_from(
            ebpf.take_map("EVENTS")
                .ok_or_else(|| anyhow!("EVENTS map missing"))?,
        )?;
        let drops = Array::try_from(
            ebpf.take_map("DROPS")
                .ok_or_else(|| anyhow!("DROPS map missing"))?,
        )?;
        Ok(EbpfSource {
            _ebpf: ebpf,
            ring,
            drops,
            drops_seen: [0; 2],
        })
    }

    /// Drains the ring buffer; returns how many items could not be decoded, by reason
    /// (`decode_error`, `unknown_kind`).
    pub fn read(&mut self, out: &mut Vec<Record>) -> Undecoded {
        let mut bad = Undecoded::default();
        while let Some(item) = self.ring.next() {
            bad.decode_into(&item, out);
        }
        bad
    }

    /// Waits up to `timeout_ms` for records in the ring buffer (the kernel wakes the reader
    /// when a record arrives after it caught up); true when there is something to read.
    pub fn wait(&self, timeout_ms: i32) -> bool {
        use std::os::fd::AsRawFd;
        let mut pfd = libc::pollfd {
            fd: self.ring.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd for the duration of the call.
        unsafe { libc::poll(&mut pfd, 1, timeout_ms) > 0 }
    }

    /// Events the kernel side lost since the last call, with the reason for each count:
    /// `ringbuf_full` (could not reserve a record) and `pending_full` (a file or network
    /// syscall's arguments could not be kept until its exit).
    pub fn new_drops(&mut self) -> [(&'static str, u64); 2] {
        let mut out = [("ringbuf_full", 0), ("pending_full", 0)];
        for (i, o) in out.iter_mut().enumerate() {
            let total = self.drops.get(&(i as u32), 0).unwrap_or(0);
            o.1 = total.saturating_sub(self.drops_seen[i]);
            self.drops_seen[i] = total;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_records_and_unknown_kinds_are_refused_with_their_reason() {
        let mut exec = [0u8; 8];
        exec[..4].copy_from_slice(&KIND_EXEC.to_ne_bytes());
        assert_eq!(decode(&exec), Err(Undecodable::Short));
        assert_eq!(decode(&KIND_FILE.to_ne_bytes()), Err(Undecodable::Short));
        let mut unknown = [0u8; 64];
        unknown[..4].copy_from_slice(&77u32.to_ne_bytes());
        assert_eq!(decode(&unknown), Err(Undecodable::UnknownKind(77)));
        assert_eq!(Undecodable::UnknownKind(77).reason(), "unknown_kind");
        assert_eq!(Undecodable::Short.reason(), "decode_error");
        assert_eq!(decode(&[]), Err(Undecodable::Short));
    }
}
