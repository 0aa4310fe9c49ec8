//! The running kernel's layout, for the eBPF programs (no Rust CO-RE): struct member offsets
//! from BTF (`/sys/kernel/btf/vmlinux`, btf-rs) and tracepoint field offsets from tracefs,
//! handed over as load-time globals. Nothing here is one kernel's numbers.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, Result, anyhow};
use btf_rs::{Btf, Type};

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
pub(crate) const FMODE_CREATED: u32 = 0x10_0000;

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
pub(crate) fn set_state_offsets(tracefs: &Path) -> Result<Offsets> {
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
}
