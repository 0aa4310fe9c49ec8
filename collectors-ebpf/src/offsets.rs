//! Byte offsets of kernel struct members and tracepoint fields, set by the loader from the
//! running kernel's BTF and tracefs (no Rust CO-RE): nothing here assumes one layout.

use aya_ebpf::Global;

#[unsafe(no_mangle)]
pub(crate) static TASK_TGID_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
pub(crate) static TASK_PID_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
pub(crate) static TASK_REAL_PARENT_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
pub(crate) static TASK_GROUP_LEADER_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
pub(crate) static TASK_START_BOOTTIME_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
pub(crate) static TASK_MM_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
pub(crate) static TASK_EXIT_CODE_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
pub(crate) static TASK_CRED_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
pub(crate) static CRED_EUID_OFF: Global<u32> = Global::new(0);
/// 0 when this kernel has no `task_struct.loginuid` (built without audit).
#[unsafe(no_mangle)]
pub(crate) static TASK_LOGINUID_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
pub(crate) static MM_ARG_START_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
pub(crate) static MM_ARG_END_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
pub(crate) static TASK_FILES_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
pub(crate) static FILES_FDT_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
pub(crate) static FDT_MAX_FDS_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
pub(crate) static FDT_FD_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
pub(crate) static FILE_PRIVATE_DATA_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
pub(crate) static FILE_F_MODE_OFF: Global<u32> = Global::new(0);
/// `FMODE_CREATED`: set in `file->f_mode` when the open created the file.
#[unsafe(no_mangle)]
pub(crate) static FMODE_CREATED: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
pub(crate) static SOCKET_SK_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
pub(crate) static SOCKET_TYPE_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
pub(crate) static SKC_DADDR_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
pub(crate) static SKC_RCV_SADDR_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
pub(crate) static SKC_DPORT_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
pub(crate) static SKC_NUM_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
pub(crate) static SKC_FAMILY_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
pub(crate) static SKC_V6_DADDR_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
pub(crate) static SKC_V6_RCV_SADDR_OFF: Global<u32> = Global::new(0);
// sock:inet_sock_set_state field offsets, from the tracepoint's format file.
#[unsafe(no_mangle)]
pub(crate) static ISS_SKADDR_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
pub(crate) static ISS_OLDSTATE_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
pub(crate) static ISS_NEWSTATE_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
pub(crate) static ISS_SPORT_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
pub(crate) static ISS_DPORT_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
pub(crate) static ISS_FAMILY_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
pub(crate) static ISS_PROTOCOL_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
pub(crate) static ISS_SADDR_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
pub(crate) static ISS_DADDR_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
pub(crate) static ISS_SADDR_V6_OFF: Global<u32> = Global::new(0);
#[unsafe(no_mangle)]
pub(crate) static ISS_DADDR_V6_OFF: Global<u32> = Global::new(0);
/// The collector's own tgid: its events are not recorded.
#[unsafe(no_mangle)]
pub(crate) static COLLECTOR_TGID: Global<u32> = Global::new(0);
