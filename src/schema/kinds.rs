//! The names of things: table families, event kinds, protocols, host kinds and container
//! states, with their stored names and OCSF ids.

use std::sync::LazyLock;

use arrow::datatypes::SchemaRef;

use super::fields::build_schema;

/// A table family: one directory of the store, one Arrow schema, one DuckDB view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Family {
    /// Process events: exec, fork, exit.
    Process,
    /// File events: open for write, create, write-close, unlink, rename, chmod, chown.
    File,
    /// Network events: connect, accept, listen, close.
    Network,
    /// Findings: alerts a detector raised (another tool's, or a hunt's), naming the process
    /// and container they are about (OCSF Detection Finding).
    Finding,
    /// Identity and API activity: calls to an orchestrator's or a cloud's API (Kubernetes
    /// audit, CloudTrail; OCSF API Activity) and logins (OCSF Authentication), with who made
    /// them, from where, on what, and the result.
    Api,
    /// Host identity records.
    Hosts,
    /// Container lifecycle and attribution records.
    Containers,
    /// Loss records: events a source knows it dropped.
    Loss,
}

impl Family {
    /// Every family, events first.
    pub const ALL: [Family; 8] = [
        Family::Process,
        Family::File,
        Family::Network,
        Family::Finding,
        Family::Api,
        Family::Hosts,
        Family::Containers,
        Family::Loss,
    ];
    /// The event families: rows of one actor (process) at one time, with the common columns.
    pub const EVENTS: [Family; 5] = [
        Family::Process,
        Family::File,
        Family::Network,
        Family::Finding,
        Family::Api,
    ];

    /// Directory and view name.
    pub fn name(self) -> &'static str {
        match self {
            Family::Process => "process",
            Family::File => "file",
            Family::Network => "network",
            Family::Finding => "finding",
            Family::Api => "api",
            Family::Hosts => "hosts",
            Family::Containers => "containers",
            Family::Loss => "loss",
        }
    }

    /// The DuckDB view of its rows as recorded (`host_records` and `container_records` for
    /// the side tables whose folded views are `hosts` and `containers`).
    pub fn view_name(self) -> &'static str {
        match self {
            Family::Hosts => "host_records",
            Family::Containers => "container_records",
            f => f.name(),
        }
    }

    /// Parses a family name as written by [`Family::name`].
    pub fn from_name(name: &str) -> Option<Family> {
        Family::ALL.into_iter().find(|f| f.name() == name)
    }

    /// True for process, file, network, finding and api.
    pub fn is_event(self) -> bool {
        matches!(
            self,
            Family::Process | Family::File | Family::Network | Family::Finding | Family::Api
        )
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
    /// A detector raised an alert about the process (see the `finding` family).
    Finding,
    /// An API call that created something (Kubernetes `create`, including `pods/exec` and
    /// `pods/attach`; CloudTrail `Create*`, `Run*`, `Put*`, …).
    ApiCreate,
    /// An API call that read (Kubernetes `get`/`list`/`watch`; CloudTrail read-only calls).
    ApiRead,
    /// An API call that changed something (Kubernetes `update`/`patch`; CloudTrail
    /// `Update*`, `Modify*`, `Attach*`, …).
    ApiUpdate,
    /// An API call that deleted something (Kubernetes `delete`; CloudTrail `Delete*`,
    /// `Terminate*`, `Remove*`, …).
    ApiDelete,
    /// Any other API call.
    ApiOther,
    /// A login (console sign-in, ssh or local login).
    AuthLogon,
    /// A logout.
    AuthLogoff,
}

impl EventKind {
    /// Every kind.
    pub const ALL: [EventKind; 23] = [
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
        EventKind::Finding,
        EventKind::ApiCreate,
        EventKind::ApiRead,
        EventKind::ApiUpdate,
        EventKind::ApiDelete,
        EventKind::ApiOther,
        EventKind::AuthLogon,
        EventKind::AuthLogoff,
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
            EventKind::Finding => "finding",
            EventKind::ApiCreate => "api_create",
            EventKind::ApiRead => "api_read",
            EventKind::ApiUpdate => "api_update",
            EventKind::ApiDelete => "api_delete",
            EventKind::ApiOther => "api_other",
            EventKind::AuthLogon => "auth_logon",
            EventKind::AuthLogoff => "auth_logoff",
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
            Finding => Family::Finding,
            ApiCreate | ApiRead | ApiUpdate | ApiDelete | ApiOther | AuthLogon | AuthLogoff => {
                Family::Api
            }
        }
    }

    /// OCSF class: 1007 Process Activity, 1001 File System Activity, 4001 Network Activity,
    /// 2004 Detection Finding, 6003 API Activity, 3002 Authentication.
    pub fn ocsf_class_uid(self) -> i32 {
        match self {
            EventKind::AuthLogon | EventKind::AuthLogoff => 3002,
            _ => match self.family() {
                Family::Process => 1007,
                Family::File => 1001,
                Family::Finding => 2004,
                Family::Api => 6003,
                _ => 4001,
            },
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
            Finding => 1,                       // Create
            ApiCreate => 1,                     // Create
            ApiRead => 2,                       // Read
            ApiUpdate => 3,                     // Update
            ApiDelete => 4,                     // Delete
            ApiOther => 99,                     // Other
            AuthLogon => 1,                     // Logon
            AuthLogoff => 2,                    // Logoff
        }
    }
}

impl std::fmt::Display for EventKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How bad a finding is, on OCSF's `severity_id` scale. Each importer maps its tool's own
/// levels here (and keeps the original in `extra`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// Informational (1).
    Informational,
    /// Low (2).
    Low,
    /// Medium (3).
    Medium,
    /// High (4).
    High,
    /// Critical (5).
    Critical,
    /// Fatal (6).
    Fatal,
}

impl Severity {
    /// Every severity, least first.
    pub const ALL: [Severity; 6] = [
        Severity::Informational,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
        Severity::Fatal,
    ];

    /// The `severity` column value (OCSF's caption, lowercase).
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Informational => "informational",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
            Severity::Fatal => "fatal",
        }
    }

    /// OCSF `severity_id` (1–6).
    pub fn id(self) -> i32 {
        self as i32 + 1
    }

    /// The severity of a syslog-style level as detectors name theirs (Falco's priorities:
    /// emergency, alert, critical, error, warning, notice, informational, debug; also info,
    /// warn, err, crit, low, medium, high), any case; `None` for anything else.
    pub fn from_level(level: &str) -> Option<Severity> {
        Some(match level.trim().to_ascii_lowercase().as_str() {
            "emergency" | "emerg" | "fatal" => Severity::Fatal,
            "alert" | "critical" | "crit" => Severity::Critical,
            "error" | "err" | "high" => Severity::High,
            "warning" | "warn" | "medium" => Severity::Medium,
            "notice" | "low" => Severity::Low,
            "informational" | "info" | "debug" => Severity::Informational,
            _ => return None,
        })
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
