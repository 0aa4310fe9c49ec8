//! The eBPF source: loads `collectors-ebpf` (built by build.rs), hands it the running kernel's
//! struct offsets read from BTF, attaches the process tracepoints and reads their ring buffer.
//! Turning records into trace rows is [`crate::poller`]'s shared keying plus [`EbpfSource::read`].

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result, anyhow, bail};
use aya::maps::{Array, MapData, RingBuf};
use aya::programs::{RawTracePoint, TracePoint};
use aya::{Ebpf, EbpfLoader};
use btf_rs::{Btf, Type};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use trace_ebpf_common::{
    FileEvent, KIND_EXEC, KIND_EXIT, KIND_FILE, KIND_FORK, KIND_NET, NetEvent, ProcEvent, Task,
};

/// The globals handed to the eBPF programs: byte offsets of kernel struct members (from BTF)
/// and of tracepoint fields (from tracefs), by global name.
pub type Offsets = HashMap<&'static str, u32>;

/// (global, struct, member) read from BTF.
const STRUCT_MEMBERS: &[(&str, &str, &str)] = &[
    ("TASK_TGID_OFF", "task_struct", "tgid"),
    ("TASK_PID_OFF", "task_struct", "pid"),
    ("TASK_REAL_PARENT_OFF", "task_struct", "real_parent"),
    ("TASK_GROUP_LEADER_OFF", "task_struct", "group_leader"),
    ("TASK_START_BOOTTIME_OFF", "task_struct", "start_boottime"),
    ("TASK_MM_OFF", "task_struct", "mm"),
    ("TASK_EXIT_CODE_OFF", "task_struct", "exit_code"),
    ("TASK_FILES_OFF", "task_struct", "files"),
    ("TASK_CRED_OFF", "task_struct", "cred"),
    ("CRED_EUID_OFF", "cred", "euid"),
    ("MM_ARG_START_OFF", "mm_struct", "arg_start"),
    ("MM_ARG_END_OFF", "mm_struct", "arg_end"),
    ("FILES_FDT_OFF", "files_struct", "fdt"),
    ("FDT_MAX_FDS_OFF", "fdtable", "max_fds"),
    ("FDT_FD_OFF", "fdtable", "fd"),
    ("FILE_PRIVATE_DATA_OFF", "file", "private_data"),
    ("FILE_F_MODE_OFF", "file", "f_mode"),
    ("SOCKET_SK_OFF", "socket", "sk"),
    ("SOCKET_TYPE_OFF", "socket", "type"),
    ("SKC_DADDR_OFF", "sock_common", "skc_daddr"),
    ("SKC_RCV_SADDR_OFF", "sock_common", "skc_rcv_saddr"),
    ("SKC_DPORT_OFF", "sock_common", "skc_dport"),
    ("SKC_NUM_OFF", "sock_common", "skc_num"),
    ("SKC_FAMILY_OFF", "sock_common", "skc_family"),
    ("SKC_V6_DADDR_OFF", "sock_common", "skc_v6_daddr"),
    ("SKC_V6_RCV_SADDR_OFF", "sock_common", "skc_v6_rcv_saddr"),
];

/// (global, field) of `sock:inet_sock_set_state`, read from its tracefs format file.
const SET_STATE_FIELDS: &[(&str, &str)] = &[
    ("ISS_SKADDR_OFF", "skaddr"),
    ("ISS_OLDSTATE_OFF", "oldstate"),
    ("ISS_NEWSTATE_OFF", "newstate"),
    ("ISS_SPORT_OFF", "sport"),
    ("ISS_DPORT_OFF", "dport"),
    ("ISS_FAMILY_OFF", "family"),
    ("ISS_PROTOCOL_OFF", "protocol"),
    ("ISS_SADDR_OFF", "saddr"),
    ("ISS_DADDR_OFF", "daddr"),
    ("ISS_SADDR_V6_OFF", "saddr_v6"),
    ("ISS_DADDR_V6_OFF", "daddr_v6"),
];

/// `FMODE_CREATED` (include/linux/fs.h, 0x100000 since 4.19): set in a new file's `f_mode`
/// when the open created it. Macros are not in BTF; the podman test checks it on the live
/// kernel (a created file is `file_create`, an existing one opened for write is not).
const FMODE_CREATED: u32 = 0x10_0000;

/// Finds `member` in struct `name`, descending into anonymous structs and unions.
fn member_offset(btf: &Btf, s: &btf_rs::Struct, member: &str, base: u32) -> Option<u32> {
    for m in &s.members {
        let off = base + m.bit_offset() / 8;
        let name = btf.resolve_name(m).unwrap_or_default();
        if name == member {
            return Some(off);
        }
        if name.is_empty()
            && let Ok(Type::Struct(inner) | Type::Union(inner)) = btf.resolve_chained_type(m)
            && let Some(o) = member_offset(btf, &inner, member, off)
        {
            return Some(o);
        }
    }
    None
}

fn find_struct(btf: &Btf, name: &str) -> Result<btf_rs::Struct> {
    let types = btf
        .resolve_types_by_name(name)
        .with_context(|| format!("struct {name} not in the kernel's BTF"))?;
    types
        .into_iter()
        .find_map(|t| match t {
            Type::Struct(s) => Some(s),
            _ => None,
        })
        .ok_or_else(|| anyhow!("{name} is not a struct in BTF"))
}

/// Reads the struct offsets from a BTF file (normally /sys/kernel/btf/vmlinux).
pub fn offsets(btf_path: &Path) -> Result<Offsets> {
    let btf = Btf::from_file(btf_path)
        .with_context(|| format!("cannot read kernel BTF at {}", btf_path.display()))?;
    let mut structs: HashMap<&str, btf_rs::Struct> = HashMap::new();
    let mut out = Offsets::new();
    for (global, st, member) in STRUCT_MEMBERS {
        if !structs.contains_key(st) {
            structs.insert(st, find_struct(&btf, st)?);
        }
        let o = member_offset(&btf, &structs[st], member, 0)
            .ok_or_else(|| anyhow!("{st}.{member} not found in the kernel's BTF"))?;
        out.insert(global, o);
    }
    // Optional: kernels built without audit have no login uid (0 = not read).
    let task = &structs["task_struct"];
    out.insert(
        "TASK_LOGINUID_OFF",
        member_offset(&btf, task, "loginuid", 0).unwrap_or(0),
    );
    Ok(out)
}

/// Field offsets of a tracepoint from its tracefs `format` text.
pub fn tracepoint_fields(format: &str) -> HashMap<String, u32> {
    let mut out = HashMap::new();
    for line in format.lines() {
        let Some(rest) = line.trim().strip_prefix("field:") else {
            continue;
        };
        let mut parts = rest.split(';');
        let decl = parts.next().unwrap_or("");
        let Some(off) = parts
            .map(str::trim)
            .find_map(|p| p.strip_prefix("offset:"))
            .and_then(|o| o.parse().ok())
        else {
            continue;
        };
        let name = decl.split_whitespace().last().unwrap_or("");
        let name = name.split('[').next().unwrap_or("").trim_start_matches('*');
        out.insert(name.to_string(), off);
    }
    out
}

/// Offsets of `sock:inet_sock_set_state`'s fields on this kernel.
fn set_state_offsets(tracefs: &Path) -> Result<Offsets> {
    let path = tracefs.join("events/sock/inet_sock_set_state/format");
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let fields = tracepoint_fields(&text);
    SET_STATE_FIELDS
        .iter()
        .map(|(g, f)| {
            fields
                .get(*f)
                .map(|o| (*g, *o))
                .ok_or_else(|| anyhow!("{}: no field {f}", path.display()))
        })
        .collect()
}

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
    fn offsets_come_from_this_kernels_btf() {
        let btf = Path::new("/sys/kernel/btf/vmlinux");
        if !btf.exists() {
            eprintln!("skipping: no kernel BTF");
            return;
        }
        let o = offsets(btf).unwrap();
        // Sanity, not one kernel's numbers: distinct, inside a plausible task_struct.
        let mut v: Vec<u32> = o
            .iter()
            .filter(|(k, _)| k.starts_with("TASK_"))
            .map(|(_, v)| *v)
            .collect();
        v.sort();
        v.dedup();
        assert_eq!(v.len(), 10);
        assert!(v.iter().all(|x| *x > 0 && *x < 16_384));
        assert_eq!(o["MM_ARG_END_OFF"], o["MM_ARG_START_OFF"] + 8);
        // sock_common: the address pair and the port pair sit together.
        assert_eq!(o["SKC_RCV_SADDR_OFF"], o["SKC_DADDR_OFF"] + 4);
        assert_eq!(o["SKC_NUM_OFF"], o["SKC_DPORT_OFF"] + 2);
        assert_eq!(o.len(), STRUCT_MEMBERS.len() + 1);
    }

    #[test]
    fn tracepoint_format_fields_are_parsed() {
        let text = "name: inet_sock_set_state\nID: 1\nformat:\n\
            \tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n\
            \tfield:const void * skaddr;\toffset:8;\tsize:8;\tsigned:0;\n\
            \tfield:__u8 saddr_v6[16];\toffset:40;\tsize:16;\tsigned:0;\n\
            \nprint fmt: \"x\"\n";
        let f = tracepoint_fields(text);
        assert_eq!(f["skaddr"], 8);
        assert_eq!(f["saddr_v6"], 40);
        assert_eq!(f["common_type"], 0);
        let live = Path::new("/sys/kernel/tracing/events/sock/inet_sock_set_state/format");
        if let Ok(text) = std::fs::read_to_string(live) {
            let f = tracepoint_fields(&text);
            for (_, name) in SET_STATE_FIELDS {
                assert!(f.contains_key(*name), "{name} in {live:?}");
            }
        }
    }

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
