//! The row types every recorder fills (collectors, importers, the demo), and the builders
//! that make events of each family from who recorded them ([`Origin`]).

use std::net::IpAddr;
use std::sync::Arc;

use super::{ContainerState, EventKind, HostKind, Protocol, Severity, community_id};

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
    /// Stable process key (see [`super::process_key`]).
    pub key: Option<String>,
    /// The parent's stable process key.
    pub parent_key: Option<String>,
}

/// The process-family part of an event (exec, fork, exit).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProcessDetail {
    /// Exit status for `process_exit` (the `wait` status' code, or 128+signal).
    pub exit_code: Option<i32>,
    /// SHA-256 of the executable, lowercase hex, when known.
    pub exe_sha256: Option<String>,
}

/// The file-family part of an event. Built with [`FileDetail::path`] and the setters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FileDetail {
    /// The file acted on (old name for a rename).
    pub path: String,
    /// New name for a rename.
    pub target_path: Option<String>,
    /// New mode for chmod, or the mode of a created file.
    pub mode: Option<u32>,
    /// open(2) flags for open/create.
    pub flags: Option<u32>,
    /// New owner uid for chown.
    pub owner_uid: Option<u32>,
    /// New owner gid for chown.
    pub owner_gid: Option<u32>,
    /// SHA-256 of the content after the action, when known.
    pub sha256: Option<String>,
}

impl FileDetail {
    /// An action on `path` (the old name of a rename).
    pub fn path(path: impl Into<String>) -> FileDetail {
        FileDetail {
            path: path.into(),
            ..Default::default()
        }
    }
    /// The new name of a rename.
    pub fn target(mut self, target: Option<String>) -> FileDetail {
        self.target_path = target;
        self
    }
    /// The new mode (chmod) or the mode of a created file.
    pub fn mode(mut self, mode: Option<u32>) -> FileDetail {
        self.mode = mode;
        self
    }
    /// open(2) flags.
    pub fn flags(mut self, flags: Option<u32>) -> FileDetail {
        self.flags = flags;
        self
    }
    /// The new owner (chown).
    pub fn owner(mut self, uid: Option<u32>, gid: Option<u32>) -> FileDetail {
        self.owner_uid = uid;
        self.owner_gid = gid;
        self
    }
    /// The content's SHA-256 after the action.
    pub fn sha256(mut self, sha256: Option<String>) -> FileDetail {
        self.sha256 = sha256;
        self
    }
}

/// The network-family part of an event. Built with [`NetDetail::new`] and the setters.
#[derive(Debug, Clone, PartialEq)]
pub struct NetDetail {
    /// tcp or udp.
    pub protocol: Protocol,
    /// Address of the side that initiated the connection (the connecting socket). For
    /// `net_connect` this is the process' own side; for `net_accept` the peer's; `None` for
    /// `net_listen`.
    pub src_ip: Option<IpAddr>,
    /// Source port.
    pub src_port: Option<u16>,
    /// Address of the side that was connected to. For `net_accept` and `net_listen` this is
    /// the process' own (listening) side.
    pub dst_ip: Option<IpAddr>,
    /// Destination port.
    pub dst_port: Option<u16>,
    /// Bytes this process sent on the connection (on close, when known).
    pub bytes_sent: Option<u64>,
    /// Bytes this process received (on close, when known).
    pub bytes_received: Option<u64>,
}

impl NetDetail {
    /// A connection (or listening socket) from `src` (the initiator, `None` for a listen) to
    /// `dst`.
    pub fn new(
        protocol: Protocol,
        src: Option<(IpAddr, u16)>,
        dst: Option<(IpAddr, u16)>,
    ) -> NetDetail {
        NetDetail {
            protocol,
            src_ip: src.map(|s| s.0),
            src_port: src.map(|s| s.1),
            dst_ip: dst.map(|d| d.0),
            dst_port: dst.map(|d| d.1),
            bytes_sent: None,
            bytes_received: None,
        }
    }
    /// Bytes sent and received by this process (known on close).
    pub fn bytes(mut self, bytes: Option<(u64, u64)>) -> NetDetail {
        self.bytes_sent = bytes.map(|b| b.0);
        self.bytes_received = bytes.map(|b| b.1);
        self
    }
}

/// The finding-family part of an event: an alert a detector raised about the event's
/// process. Built with [`FindingDetail::rule`] and the setters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FindingDetail {
    /// The rule that fired (Falco rule name, Tracee signature name, hunt name).
    pub rule: String,
    /// The rule's id, when the detector has one.
    pub rule_id: Option<String>,
    /// How bad, on OCSF's scale.
    pub severity: Option<Severity>,
    /// The rule's tags as the detector wrote them.
    pub tags: Vec<String>,
    /// The alert's text.
    pub message: Option<String>,
}

impl FindingDetail {
    /// A finding of `rule`.
    pub fn rule(rule: impl Into<String>) -> FindingDetail {
        FindingDetail {
            rule: rule.into(),
            ..Default::default()
        }
    }
    /// The rule's id.
    pub fn rule_id(mut self, id: Option<String>) -> FindingDetail {
        self.rule_id = id;
        self
    }
    /// The severity.
    pub fn severity(mut self, severity: Option<Severity>) -> FindingDetail {
        self.severity = severity;
        self
    }
    /// The rule's tags.
    pub fn tags(mut self, tags: Vec<String>) -> FindingDetail {
        self.tags = tags;
        self
    }
    /// The alert's text.
    pub fn message(mut self, message: Option<String>) -> FindingDetail {
        self.message = message;
        self
    }
}

/// Family-specific part of an event.
#[derive(Debug, Clone, PartialEq)]
pub enum Detail {
    /// Process exec/fork/exit.
    Process(ProcessDetail),
    /// File activity.
    File(FileDetail),
    /// Network activity.
    Network(NetDetail),
    /// A detector's alert.
    Finding(FindingDetail),
    /// An API call or login (boxed: it is the largest detail by far).
    Api(Box<super::ApiDetail>),
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
    /// What the source recorded that no column holds, as a JSON object (importers).
    pub extra: Option<String>,
}

impl Event {
    /// The same event with `extra` (a JSON object of the source's unmapped fields); an empty
    /// object is kept as none.
    pub fn with_extra(
        mut self,
        extra: Option<serde_json::Map<String, serde_json::Value>>,
    ) -> Event {
        self.extra = extra
            .filter(|m| !m.is_empty())
            .map(|m| serde_json::Value::Object(m).to_string());
        self
    }

    /// The community id of a network event (`None` for other families or unknown endpoints).
    pub fn community_id(&self) -> Option<String> {
        match &self.detail {
            Detail::Network(NetDetail {
                protocol,
                src_ip: Some(s),
                src_port: Some(sp),
                dst_ip: Some(d),
                dst_port: Some(dp),
                ..
            }) => community_id(*protocol, *s, *sp, *d, *dp),
            _ => None,
        }
    }
}

/// Who recorded events: the host (and its boot) and the recorder. Every event is made from
/// one, with the builder of its family.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// Host identity.
    pub host_id: String,
    /// Boot id, when known.
    pub boot_id: Option<String>,
    /// Recorder: `ebpf`, `procfs`, `demo` or an importer's name.
    pub source: String,
}

impl Origin {
    /// Events of `host_id` (during `boot_id`) recorded by `source`.
    pub fn new(host_id: &str, boot_id: Option<&str>, source: &str) -> Origin {
        Origin {
            host_id: host_id.to_string(),
            boot_id: boot_id.map(str::to_string),
            source: source.to_string(),
        }
    }

    /// An event of any kind with its detail (the family builders below are the usual way).
    pub fn event(
        &self,
        time: i64,
        kind: EventKind,
        container_id: Option<String>,
        process: Arc<ProcessInfo>,
        detail: Detail,
    ) -> Event {
        Event {
            time,
            kind,
            host_id: self.host_id.clone(),
            boot_id: self.boot_id.clone(),
            source: self.source.clone(),
            container_id,
            process,
            detail,
            extra: None,
        }
    }

    /// A `process_exec`, with the executable's hash when known.
    pub fn exec(
        &self,
        time: i64,
        container_id: Option<String>,
        process: Arc<ProcessInfo>,
        exe_sha256: Option<String>,
    ) -> Event {
        let detail = ProcessDetail {
            exit_code: None,
            exe_sha256,
        };
        self.event(
            time,
            EventKind::ProcessExec,
            container_id,
            process,
            Detail::Process(detail),
        )
    }

    /// A `process_fork` (a new thread group).
    pub fn fork(
        &self,
        time: i64,
        container_id: Option<String>,
        process: Arc<ProcessInfo>,
    ) -> Event {
        let detail = Detail::Process(ProcessDetail::default());
        self.event(time, EventKind::ProcessFork, container_id, process, detail)
    }

    /// A `process_exit` with its status.
    pub fn exit(
        &self,
        time: i64,
        container_id: Option<String>,
        process: Arc<ProcessInfo>,
        exit_code: Option<i32>,
    ) -> Event {
        let detail = ProcessDetail {
            exit_code,
            exe_sha256: None,
        };
        self.event(
            time,
            EventKind::ProcessExit,
            container_id,
            process,
            Detail::Process(detail),
        )
    }

    /// A file event (`kind` of the file family).
    pub fn file(
        &self,
        time: i64,
        kind: EventKind,
        container_id: Option<String>,
        process: Arc<ProcessInfo>,
        detail: FileDetail,
    ) -> Event {
        debug_assert_eq!(kind.family(), super::Family::File, "{kind} is no file kind");
        self.event(time, kind, container_id, process, Detail::File(detail))
    }

    /// A network event (`kind` of the network family).
    pub fn net(
        &self,
        time: i64,
        kind: EventKind,
        container_id: Option<String>,
        process: Arc<ProcessInfo>,
        detail: NetDetail,
    ) -> Event {
        debug_assert_eq!(
            kind.family(),
            super::Family::Network,
            "{kind} is no network kind"
        );
        self.event(time, kind, container_id, process, Detail::Network(detail))
    }

    /// A finding: an alert about `process` (in `container_id`).
    pub fn finding(
        &self,
        time: i64,
        container_id: Option<String>,
        process: Arc<ProcessInfo>,
        detail: FindingDetail,
    ) -> Event {
        self.event(
            time,
            EventKind::Finding,
            container_id,
            process,
            Detail::Finding(detail),
        )
    }

    /// An API call or login (`kind` of the api family) by the caller `process.user_name`
    /// names (most API sources know no process: theirs is the default one).
    pub fn api(
        &self,
        time: i64,
        kind: EventKind,
        container_id: Option<String>,
        process: Arc<ProcessInfo>,
        detail: super::ApiDetail,
    ) -> Event {
        debug_assert_eq!(kind.family(), super::Family::Api, "{kind} is no api kind");
        self.event(
            time,
            kind,
            container_id,
            process,
            Detail::Api(Box::new(detail)),
        )
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
    /// Why: `ringbuf_full`, `decode_error`, `parse_error`, `sequence_gap`, …
    pub reason: String,
}

impl Origin {
    /// A loss record: `events_lost` events of this origin dropped between `interval_start`
    /// and `interval_end`, noticed at `time`, for `reason`.
    pub fn loss(
        &self,
        time: i64,
        interval: (i64, i64),
        events_lost: u64,
        reason: &str,
    ) -> LossRecord {
        LossRecord {
            time,
            host_id: self.host_id.clone(),
            boot_id: self.boot_id.clone(),
            source: self.source.clone(),
            interval_start: interval.0,
            interval_end: interval.1,
            events_lost,
            reason: reason.to_string(),
        }
    }
}
