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
use trace_ebpf_common::ProcEvent;

/// Byte offsets of the kernel struct members the programs read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offsets {
    /// task_struct members.
    pub task: HashMap<&'static str, u32>,
    /// mm_struct members.
    pub mm: HashMap<&'static str, u32>,
}

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

fn struct_offsets(
    btf: &Btf,
    name: &str,
    members: &[&'static str],
) -> Result<HashMap<&'static str, u32>> {
    let types = btf
        .resolve_types_by_name(name)
        .with_context(|| format!("struct {name} not in the kernel's BTF"))?;
    let s = types
        .into_iter()
        .find_map(|t| match t {
            Type::Struct(s) => Some(s),
            _ => None,
        })
        .ok_or_else(|| anyhow!("{name} is not a struct in BTF"))?;
    members
        .iter()
        .map(|m| {
            member_offset(btf, &s, m, 0)
                .map(|o| (*m, o))
                .ok_or_else(|| anyhow!("{name}.{m} not found in BTF"))
        })
        .collect()
}

/// Reads the offsets from a BTF file (normally /sys/kernel/btf/vmlinux).
pub fn offsets(btf_path: &Path) -> Result<Offsets> {
    let btf = Btf::from_file(btf_path)
        .with_context(|| format!("cannot read kernel BTF at {}", btf_path.display()))?;
    Ok(Offsets {
        task: struct_offsets(
            &btf,
            "task_struct",
            &[
                "tgid",
                "pid",
                "real_parent",
                "group_leader",
                "start_boottime",
                "mm",
                "exit_code",
            ],
        )?,
        mm: struct_offsets(&btf, "mm_struct", &["arg_start", "arg_end"])?,
    })
}

/// A decoded kernel record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
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

/// Decodes one ring-buffer item (`None` when it is too short: a wire bug, counted by caller).
pub fn decode(bytes: &[u8]) -> Option<Record> {
    if bytes.len() < std::mem::size_of::<ProcEvent>() {
        return None;
    }
    // SAFETY: the length was checked; ProcEvent is repr(C) plain data; read_unaligned copes
    // with any alignment.
    let e: ProcEvent = unsafe { std::ptr::read_unaligned(bytes.as_ptr().cast()) };
    let args = &e.args[..(e.args_len as usize).min(e.args.len())];
    let argv = args
        .split(|c| *c == 0)
        .filter(|a| !a.is_empty())
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect();
    Some(Record {
        kind: e.kind,
        pid: e.pid,
        ppid: e.ppid,
        uid: e.uid,
        gid: e.gid,
        exit_code: e.exit_code,
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
    /// Drops already turned into loss records.
    pub drops_seen: u64,
}

impl EbpfSource {
    /// Loads and attaches; fails with a reason a person can act on (no privileges, no BTF,
    /// no tracefs).
    pub fn start(own_tgid: u32) -> Result<EbpfSource> {
        let btf = Path::new("/sys/kernel/btf/vmlinux");
        if !btf.exists() {
            bail!("this kernel has no BTF (/sys/kernel/btf/vmlinux): eBPF offsets cannot be read");
        }
        let off = offsets(btf)?;
        if !Path::new("/sys/kernel/tracing/events").exists() {
            // tracefs is not mounted by default everywhere; tracepoints need it.
            let _ = std::process::Command::new("mount")
                .args(["-t", "tracefs", "tracefs", "/sys/kernel/tracing"])
                .status();
        }
        let mut loader = EbpfLoader::new();
        let g = |m: &HashMap<&'static str, u32>, k: &str| m[k];
        let values = [
            ("TASK_TGID_OFF", g(&off.task, "tgid")),
            ("TASK_PID_OFF", g(&off.task, "pid")),
            ("TASK_REAL_PARENT_OFF", g(&off.task, "real_parent")),
            ("TASK_GROUP_LEADER_OFF", g(&off.task, "group_leader")),
            ("TASK_START_BOOTTIME_OFF", g(&off.task, "start_boottime")),
            ("TASK_MM_OFF", g(&off.task, "mm")),
            ("TASK_EXIT_CODE_OFF", g(&off.task, "exit_code")),
            ("MM_ARG_START_OFF", g(&off.mm, "arg_start")),
            ("MM_ARG_END_OFF", g(&off.mm, "arg_end")),
            ("COLLECTOR_TGID", own_tgid),
        ];
        let values: Vec<(&'static str, Arc<u32>)> =
            values.iter().map(|(k, v)| (*k, Arc::new(*v))).collect();
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
        let fork: &mut RawTracePoint = ebpf
            .program_mut("process_sched_process_fork")
            .ok_or_else(|| anyhow!("fork program missing"))?
            .try_into()?;
        fork.load()?;
        fork.attach("sched_process_fork")
            .context("attaching raw_tp sched_process_fork")?;
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
            drops_seen: 0,
        })
    }

    /// Drains the ring buffer.
    pub fn read(&mut self, out: &mut Vec<Record>) -> u64 {
        let mut bad = 0;
        while let Some(item) = self.ring.next() {
            match decode(&item) {
                Some(r) => out.push(r),
                None => bad += 1,
            }
        }
        bad
    }

    /// Events the kernel side could not reserve since the last call.
    pub fn new_drops(&mut self) -> u64 {
        let total = self.drops.get(&0, 0).unwrap_or(0);
        let new = total.saturating_sub(self.drops_seen);
        self.drops_seen = total;
        new
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
        let mut v: Vec<u32> = o.task.values().copied().collect();
        v.sort();
        v.dedup();
        assert_eq!(v.len(), 7);
        assert!(v.iter().all(|x| *x > 0 && *x < 16_384));
        assert!(o.mm["arg_end"] == o.mm["arg_start"] + 8);
    }

    #[test]
    fn short_records_are_rejected() {
        assert!(decode(&[0u8; 8]).is_none());
    }
}
