//! The one storage schema of trace.
//!
//! This module owns the event kinds, the row types that collectors, importers and the demo
//! generator fill, the Arrow schema of every table family, and [`SCHEMA_VERSION`]. Nothing else
//! in the project declares columns: the store writes what [`Family::schema`] says, the query
//! layer builds its views from it, and `docs/schema.md` is checked against it by a test.
//!
//! Times are nanoseconds since the Unix epoch, UTC. They are stored as Arrow/Parquet
//! `Timestamp(ns)` without a zone annotation so that DuckDB keeps nanosecond precision
//! (`TIMESTAMP_NS`); every time in the store is UTC by contract.

mod batch;
mod columns;
mod key;

pub use batch::{BatchBuilder, Row, WrongFamily};
pub use columns::{ColumnDoc, column_docs};
pub use key::{community_id, process_key};

use std::net::IpAddr;
use std::sync::{Arc, LazyLock};

use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};

/// Version of the storage schema. Adding a nullable column keeps it; renaming, removing or
/// retyping a column bumps it (and gets a CHANGELOG line). Written into every Parquet file's
/// key/value metadata under [`SCHEMA_VERSION_KEY`].
pub const SCHEMA_VERSION: u32 = 1;
/// Parquet key/value metadata key holding [`SCHEMA_VERSION`].
pub const SCHEMA_VERSION_KEY: &str = "trace.schema_version";
/// Parquet key/value metadata key holding the [`Family`] name.
pub const FAMILY_KEY: &str = "trace.family";

/// A table family: one directory of the store, one Arrow schema, one DuckDB view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Family {
    /// Process events: exec, fork, exit.
    Process,
    /// File events: open for write, create, write-close, unlink, rename, chmod, chown.
    File,
    /// Network events: connect, accept, listen, close.
    Network,
    /// Host identity records.
    Hosts,
    /// Container lifecycle and attribution records.
    Containers,
    /// Loss records: events a source knows it dropped.
    Loss,
}

impl Family {
    /// Every family, events first.
    pub const ALL: [Family; 6] = [
        Family::Process,
        Family::File,
        Family::Network,
        Family::Hosts,
        Family::Containers,
        Family::Loss,
    ];
    /// The three event families.
    pub const EVENTS: [Family; 3] = [Family::Process, Family::File, Family::Network];

    /// Directory and view name.
    pub fn name(self) -> &'static str {
        match self {
            Family::Process => "process",
            Family::File => "file",
            Family::Network => "network",
            Family::Hosts => "hosts",
            Family::Containers => "containers",
            Family::Loss => "loss",
        }
    }

    /// Parses a family name as written by [`Family::name`].
    pub fn from_name(name: &str) -> Option<Family> {
        Family::ALL.into_iter().find(|f| f.name() == name)
    }

    /// True for process, file and network.
    pub fn is_event(self) -> bool {
        matches!(self, Family::Process | Family::File | Family::Network)
    }

    /// The Arrow schema of this family's Parquet files (with the schema version in metadata).
    pub fn schema(self) -> SchemaRef {
        static SCHEMAS: LazyLock<Vec<SchemaRef>> =
            LazyLock::new(|| Family::ALL.iter().map(|f| build_schema(*f)).collect());
        SCHEMAS[self as usize].clone()
    }
}

impl std::fmt::Display for Family {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What happened. One snake_case name per kind, used in the `kind` column and in SQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// A process replaced its image (execve).
    ProcessExec,
    /// A process was created by fork/clone (a new thread group).
    ProcessFork,
    /// A process ended (its whole thread group).
    ProcessExit,
    /// A file was opened for writing (O_WRONLY/O_RDWR/O_TRUNC/O_APPEND).
    FileOpenWrite,
    /// A watched sensitive file (credentials, keys, secrets) was opened for reading only.
    FileOpenRead,
    /// A file was created (O_CREAT on a new file, creat, mknod).
    FileCreate,
    /// A file opened for writing was closed after writes.
    FileWriteClose,
    /// A file was removed (unlink, unlinkat, rmdir).
    FileUnlink,
    /// A file was renamed; `path` is the old name, `target_path` the new one.
    FileRename,
    /// A file's mode changed (`file_mode` holds the new mode).
    FileChmod,
    /// A file's owner changed (`owner_uid`/`owner_gid`).
    FileChown,
    /// An outbound connection (connect) by the process.
    NetConnect,
    /// An inbound connection accepted by the process.
    NetAccept,
    /// A socket started listening.
    NetListen,
    /// A connection was closed.
    NetClose,
}

impl EventKind {
    /// Every kind.
    pub const ALL: [EventKind; 15] = [
        EventKind::ProcessExec,
        EventKind::ProcessFork,
        EventKind::ProcessExit,
        EventKind::FileOpenWrite,
        EventKind::FileOpenRead,
        EventKind::FileCreate,
        EventKind::FileWriteClose,
        EventKind::FileUnlink,
        EventKind::FileRename,
        EventKind::FileChmod,
        EventKind::FileChown,
        EventKind::NetConnect,
        EventKind::NetAccept,
        EventKind::NetListen,
        EventKind::NetClose,
    ];

    /// The `kind` column value.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::ProcessExec => "process_exec",
            EventKind::ProcessFork => "process_fork",
            EventKind::ProcessExit => "process_exit",
            EventKind::FileOpenWrite => "file_open_write",
            EventKind::FileOpenRead => "file_open_read",
            EventKind::FileCreate => "file_create",
            EventKind::FileWriteClose => "file_write_close",
            EventKind::FileUnlink => "file_unlink",
            EventKind::FileRename => "file_rename",
            EventKind::FileChmod => "file_chmod",
            EventKind::FileChown => "file_chown",
            EventKind::NetConnect => "net_connect",
            EventKind::NetAccept => "net_accept",
            EventKind::NetListen => "net_listen",
            EventKind::NetClose => "net_close",
        }
    }

    /// Parses a `kind` column value.
    pub fn from_name(name: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// The family (table) this kind is stored in.
    pub fn family(self) -> Family {
        use EventKind::*;
        match self {
            ProcessExec | ProcessFork | ProcessExit => Family::Process,
            FileOpenWrite | FileOpenRead | FileCreate | FileWriteClose | FileUnlink
            | FileRename | FileChmod | FileChown => Family::File,
            NetConnect | NetAccept | NetListen | NetClose => Family::Network,
        }
    }

    /// OCSF class: 1007 Process Activity, 1001 File System Activity, 4001 Network Activity.
    pub fn ocsf_class_uid(self) -> i32 {
        match self.family() {
            Family::Process => 1007,
            Family::File => 1001,
            _ => 4001,
        }
    }

    /// OCSF `activity_id` within [`EventKind::ocsf_class_uid`] (see docs/schema.md).
    pub fn ocsf_activity_id(self) -> i32 {
        use EventKind::*;
        match self {
            ProcessExec | ProcessFork => 1,     // Launch
            ProcessExit => 2,                   // Terminate
            FileCreate => 1,                    // Create
            FileWriteClose => 3,                // Update
            FileUnlink => 4,                    // Delete
            FileRename => 5,                    // Rename
            FileChmod | FileChown => 7,         // Set Security
            FileOpenWrite | FileOpenRead => 14, // Open
            NetConnect | NetAccept => 1,        // Open
            NetClose => 2,                      // Close
            NetListen => 7,                     // Listen
        }
    }
}

impl std::fmt::Display for EventKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Transport protocol of a network event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// TCP (IANA 6).
    Tcp,
    /// UDP (IANA 17).
    Udp,
}

impl Protocol {
    /// `tcp` or `udp`.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
        }
    }
    /// IANA protocol number.
    pub fn number(self) -> u8 {
        match self {
            Protocol::Tcp => 6,
            Protocol::Udp => 17,
        }
    }
}

/// The process an event belongs to (the actor). Shared between the events of one process, so
/// it lives behind an `Arc`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProcessInfo {
    /// Thread-group id (what `ps` calls the pid).
    pub pid: Option<i32>,
    /// Thread id that performed the action.
    pub tid: Option<i32>,
    /// Parent's pid (real parent).
    pub ppid: Option<i32>,
    /// Real user id.
    pub uid: Option<u32>,
    /// Real group id.
    pub gid: Option<u32>,
    /// Effective user id.
    pub euid: Option<u32>,
    /// Login (audit) user id: who logged in, surviving su/sudo.
    pub auid: Option<u32>,
    /// User name of `uid` when known.
    pub user_name: Option<String>,
    /// Kernel command name (16 bytes at most).
    pub comm: Option<String>,
    /// Executable path.
    pub exe: Option<String>,
    /// Argument vector, `argv[0]` first.
    pub argv: Vec<String>,
    /// Working directory.
    pub cwd: Option<String>,
    /// Process start time, ns since epoch UTC.
    pub start_time: Option<i64>,
    /// Stable process key (see [`process_key`]).
    pub key: Option<String>,
    /// The parent's stable process key.
    pub parent_key: Option<String>,
}

/// Family-specific part of an event.
#[derive(Debug, Clone, PartialEq)]
pub enum Detail {
    /// Process exec/fork/exit.
    Process {
        /// Exit status for `process_exit` (the `wait` status' code, or 128+signal).
        exit_code: Option<i32>,
        /// SHA-256 of the executable, lowercase hex, when known.
        exe_sha256: Option<String>,
    },
    /// File activity.
    File {
        /// The file acted on (old name for a rename).
        path: String,
        /// New name for a rename.
        target_path: Option<String>,
        /// New mode for chmod, or the mode of a created file.
        mode: Option<u32>,
        /// open(2) flags for open/create.
        flags: Option<u32>,
        /// New owner uid for chown.
        owner_uid: Option<u32>,
        /// New owner gid for chown.
        owner_gid: Option<u32>,
        /// SHA-256 of the content after the action, when known.
        sha256: Option<String>,
    },
    /// Network activity.
    Network {
        /// tcp or udp.
        protocol: Protocol,
        /// Address of the side that initiated the connection (the connecting socket). For
        /// `net_connect` this is the process' own side; for `net_accept` the peer's; `None`
        /// for `net_listen`.
        src_ip: Option<IpAddr>,
        /// Source port.
        src_port: Option<u16>,
        /// Address of the side that was connected to. For `net_accept` and `net_listen` this is
        /// the process' own (listening) side.
        dst_ip: Option<IpAddr>,
        /// Destination port.
        dst_port: Option<u16>,
        /// Bytes this process sent on the connection (on close, when known).
        bytes_sent: Option<u64>,
        /// Bytes this process received (on close, when known).
        bytes_received: Option<u64>,
    },
}

/// One normalized event: what every collector and importer produces.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// When it happened, ns since epoch UTC.
    pub time: i64,
    /// What happened.
    pub kind: EventKind,
    /// Host identity (machine-id, or the importer's best stable name).
    pub host_id: String,
    /// Boot id of the host at the time, when known.
    pub boot_id: Option<String>,
    /// Who recorded it: `ebpf`, `procfs`, `demo`, or an importer's name.
    pub source: String,
    /// Container id (64 hex for docker/podman/containerd), `None` on the host.
    pub container_id: Option<String>,
    /// The acting process.
    pub process: Arc<ProcessInfo>,
    /// Family-specific fields.
    pub detail: Detail,
}

impl Event {
    /// A process event (`process_exec`, `process_fork` or `process_exit`) as recorders build
    /// them.
    #[allow(clippy::too_many_arguments)]
    pub fn process(
        time: i64,
        kind: EventKind,
        host_id: &str,
        boot_id: Option<&str>,
        source: &str,
        container_id: Option<String>,
        process: Arc<ProcessInfo>,
        exit_code: Option<i32>,
    ) -> Event {
        Event {
            time,
            kind,
            host_id: host_id.to_string(),
            boot_id: boot_id.map(str::to_string),
            source: source.to_string(),
            container_id,
            process,
            detail: Detail::Process {
                exit_code,
                exe_sha256: None,
            },
        }
    }

    /// The community id of a network event (`None` for other families or unknown endpoints).
    pub fn community_id(&self) -> Option<String> {
        match &self.detail {
            Detail::Network {
                protocol,
                src_ip: Some(s),
                src_port: Some(sp),
                dst_ip: Some(d),
                dst_port: Some(dp),
                ..
            } => community_id(*protocol, *s, *sp, *d, *dp),
            _ => None,
        }
    }
}

/// Host kind, as stored in `hosts.kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HostKind {
    /// A person's laptop or workstation.
    Laptop,
    /// A bare-metal or long-lived server.
    Server,
    /// A virtual machine.
    Vm,
    /// A host running containers (docker/podman) outside Kubernetes.
    ContainerHost,
    /// A Kubernetes node.
    K8sNode,
}

impl HostKind {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            HostKind::Laptop => "laptop",
            HostKind::Server => "server",
            HostKind::Vm => "vm",
            HostKind::ContainerHost => "container-host",
            HostKind::K8sNode => "k8s-node",
        }
    }
}

/// A host identity record (`hosts` family). Written when a collector starts, when an
/// importer first sees a host, and at every boot.
#[derive(Debug, Clone, PartialEq)]
pub struct HostRecord {
    /// When this record was made, ns.
    pub time: i64,
    /// Host identity.
    pub host_id: String,
    /// Hostname.
    pub hostname: String,
    /// Boot id at the time.
    pub boot_id: Option<String>,
    /// Operating system, e.g. `Debian GNU/Linux 12 (bookworm)`.
    pub os: Option<String>,
    /// Kernel release.
    pub kernel: Option<String>,
    /// Host kind.
    pub kind: Option<HostKind>,
    /// The host's IP addresses (to resolve far ends of connections).
    pub ip_addresses: Vec<String>,
    /// Who recorded it.
    pub source: String,
}

/// What a container record says happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContainerState {
    /// First seen by the recorder (already running).
    Seen,
    /// Created.
    Created,
    /// Started.
    Started,
    /// Exited (process ended).
    Exited,
    /// Removed from the runtime.
    Removed,
}

impl ContainerState {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ContainerState::Seen => "seen",
            ContainerState::Created => "created",
            ContainerState::Started => "started",
            ContainerState::Exited => "exited",
            ContainerState::Removed => "removed",
        }
    }
}

/// A container attribution / lifecycle record (`containers` family). Several records per
/// container; the `containers` view folds them into one row.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ContainerRecord {
    /// When this record was made, ns.
    pub time: i64,
    /// Host the container ran on.
    pub host_id: String,
    /// Full container id.
    pub container_id: String,
    /// What happened (`seen`, `created`, `started`, `exited`, `removed`).
    pub state: Option<ContainerState>,
    /// Container name.
    pub name: Option<String>,
    /// Image reference, e.g. `registry.example/shop/web:2.3.1`.
    pub image: Option<String>,
    /// Image id or digest (`sha256:…`).
    pub image_id: Option<String>,
    /// Runtime: docker, podman, containerd, cri-o.
    pub runtime: Option<String>,
    /// Kubernetes pod name.
    pub pod: Option<String>,
    /// Kubernetes namespace.
    pub namespace: Option<String>,
    /// Labels as `key=value`.
    pub labels: Vec<String>,
    /// Creation time, ns.
    pub created: Option<i64>,
    /// Start time, ns.
    pub started: Option<i64>,
    /// Exit time, ns.
    pub exited: Option<i64>,
    /// Exit code of the main process.
    pub exit_code: Option<i32>,
    /// The container's IP addresses.
    pub ip_addresses: Vec<String>,
    /// Who recorded it.
    pub source: String,
}

/// A loss record (`loss` family): a recorder knows it dropped events in an interval.
#[derive(Debug, Clone, PartialEq)]
pub struct LossRecord {
    /// When the loss was noticed, ns.
    pub time: i64,
    /// Host.
    pub host_id: String,
    /// Boot id.
    pub boot_id: Option<String>,
    /// Who lost them (`ebpf`, an importer name, …).
    pub source: String,
    /// Start of the interval in which events were lost, ns.
    pub interval_start: i64,
    /// End of the interval, ns.
    pub interval_end: i64,
    /// How many events were lost (a lower bound when the source cannot count exactly).
    pub events_lost: u64,
    /// Why: `ringbuf_full`, `parse_error`, `sequence_gap`, …
    pub reason: String,
}

fn ts() -> DataType {
    DataType::Timestamp(TimeUnit::Nanosecond, None)
}

fn utf8_list() -> DataType {
    DataType::List(Arc::new(Field::new("item", DataType::Utf8, true)))
}

/// Columns shared by the three event families, in order.
fn event_common_fields() -> Vec<Field> {
    vec![
        Field::new("time", ts(), false),
        Field::new("kind", DataType::Utf8, false),
        Field::new("class_uid", DataType::Int32, false),
        Field::new("activity_id", DataType::Int32, false),
        Field::new("host_id", DataType::Utf8, false),
        Field::new("boot_id", DataType::Utf8, true),
        Field::new("source", DataType::Utf8, false),
        Field::new("container_id", DataType::Utf8, true),
        Field::new("pid", DataType::Int32, true),
        Field::new("tid", DataType::Int32, true),
        Field::new("ppid", DataType::Int32, true),
        Field::new("uid", DataType::UInt32, true),
        Field::new("gid", DataType::UInt32, true),
        Field::new("euid", DataType::UInt32, true),
        Field::new("auid", DataType::UInt32, true),
        Field::new("user_name", DataType::Utf8, true),
        Field::new("comm", DataType::Utf8, true),
        Field::new("exe", DataType::Utf8, true),
        Field::new("argv", utf8_list(), true),
        Field::new("cwd", DataType::Utf8, true),
        Field::new("process_start_time", ts(), true),
        Field::new("process_key", DataType::Utf8, true),
        Field::new("parent_process_key", DataType::Utf8, true),
    ]
}

fn build_schema(family: Family) -> SchemaRef {
    let mut fields = match family {
        Family::Process | Family::File | Family::Network => event_common_fields(),
        _ => Vec::new(),
    };
    match family {
        Family::Process => fields.extend([
            Field::new("exit_code", DataType::Int32, true),
            Field::new("exe_sha256", DataType::Utf8, true),
        ]),
        Family::File => fields.extend([
            Field::new("path", DataType::Utf8, false),
            Field::new("target_path", DataType::Utf8, true),
            Field::new("file_mode", DataType::UInt32, true),
            Field::new("open_flags", DataType::UInt32, true),
            Field::new("owner_uid", DataType::UInt32, true),
            Field::new("owner_gid", DataType::UInt32, true),
            Field::new("file_sha256", DataType::Utf8, true),
        ]),
        Family::Network => fields.extend([
            Field::new("protocol", DataType::Utf8, false),
            Field::new("src_ip", DataType::Utf8, true),
            Field::new("src_port", DataType::UInt16, true),
            Field::new("dst_ip", DataType::Utf8, true),
            Field::new("dst_port", DataType::UInt16, true),
            Field::new("community_id", DataType::Utf8, true),
            Field::new("bytes_sent", DataType::UInt64, true),
            Field::new("bytes_received", DataType::UInt64, true),
        ]),
        Family::Hosts => fields.extend([
            Field::new("time", ts(), false),
            Field::new("host_id", DataType::Utf8, false),
            Field::new("hostname", DataType::Utf8, false),
            Field::new("boot_id", DataType::Utf8, true),
            Field::new("os", DataType::Utf8, true),
            Field::new("kernel", DataType::Utf8, true),
            Field::new("kind", DataType::Utf8, true),
            Field::new("ip_addresses", utf8_list(), true),
            Field::new("source", DataType::Utf8, false),
        ]),
        Family::Containers => fields.extend([
            Field::new("time", ts(), false),
            Field::new("host_id", DataType::Utf8, false),
            Field::new("container_id", DataType::Utf8, false),
            Field::new("state", DataType::Utf8, true),
            Field::new("name", DataType::Utf8, true),
            Field::new("image", DataType::Utf8, true),
            Field::new("image_id", DataType::Utf8, true),
            Field::new("runtime", DataType::Utf8, true),
            Field::new("pod", DataType::Utf8, true),
            Field::new("namespace", DataType::Utf8, true),
            Field::new("labels", utf8_list(), true),
            Field::new("created", ts(), true),
            Field::new("started", ts(), true),
            Field::new("exited", ts(), true),
            Field::new("exit_code", DataType::Int32, true),
            Field::new("ip_addresses", utf8_list(), true),
            Field::new("source", DataType::Utf8, false),
        ]),
        Family::Loss => fields.extend([
            Field::new("time", ts(), false),
            Field::new("host_id", DataType::Utf8, false),
            Field::new("boot_id", DataType::Utf8, true),
            Field::new("source", DataType::Utf8, false),
            Field::new("interval_start", ts(), false),
            Field::new("interval_end", ts(), false),
            Field::new("events_lost", DataType::UInt64, false),
            Field::new("reason", DataType::Utf8, false),
        ]),
    }
    let metadata: std::collections::HashMap<String, String> = [
        (SCHEMA_VERSION_KEY.to_string(), SCHEMA_VERSION.to_string()),
        (FAMILY_KEY.to_string(), family.name().to_string()),
    ]
    .into_iter()
    .collect();
    Arc::new(Schema::new_with_metadata(fields, metadata))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_roundtrips_and_maps_to_a_family_with_ocsf_ids() {
        for k in EventKind::ALL {
            assert_eq!(EventKind::from_name(k.as_str()), Some(k));
            assert!(k.family().is_event());
            assert!((1..=14).contains(&k.ocsf_activity_id()));
        }
        assert_eq!(EventKind::from_name("nope"), None);
    }

    #[test]
    fn schemas_carry_version_and_family_and_share_the_event_prefix() {
        let common: Vec<String> = event_common_fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        for f in Family::ALL {
            let s = f.schema();
            assert_eq!(s.metadata()[SCHEMA_VERSION_KEY], SCHEMA_VERSION.to_string());
            assert_eq!(s.metadata()[FAMILY_KEY], f.name());
            assert_eq!(Family::from_name(f.name()), Some(f));
            if f.is_event() {
                let names: Vec<&String> = s.fields().iter().map(|x| x.name()).collect();
                for (i, c) in common.iter().enumerate() {
                    assert_eq!(names[i], c);
                }
            }
        }
    }
}
