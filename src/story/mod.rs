//! The attack story of a container (or of a host process), as data.
//!
//! [`build`] asks the query layer for the subject's events and assembles: the facts of the
//! container, its process tree with the lineage out into the host (runtime shim, `runc exec`
//! entries, the session that started it), a timeline, the files it touched grouped by
//! directory (executables written then run are marked), its connections grouped by peer with
//! the far end resolved to a known host or container, pivots to the same actor elsewhere (each
//! with the reason it was linked and the hop it was found at), and the loss records that fall
//! in its window. This module prints nothing: `render::story` does.

mod api;
mod build;
mod cloud;
mod connections;
mod files;
mod graph;
mod grounds;
mod pivot;
mod rows;
mod tree;

pub use build::{StoryError, StoryRequest, StorySubject, build};
pub use grounds::grounds;

use serde::Serialize;

/// Version tag of the JSON form.
pub const STORY_FORMAT: &str = "trace.story/1";

/// A whole story.
#[derive(Debug, Clone, Serialize)]
pub struct Story {
    /// Always [`STORY_FORMAT`].
    pub format: &'static str,
    /// What the story is about.
    pub subject: Subject,
    /// The window of the subject's own events, ns.
    pub window: Window,
    /// Container facts (container stories).
    pub container: Option<ContainerFacts>,
    /// The host the subject ran on.
    pub host: HostRef,
    /// Processes: the subject's own (`inside`) and their ancestors outside it.
    pub processes: Vec<Proc>,
    /// The subject's events in time order.
    pub timeline: Vec<Entry>,
    /// Files touched, grouped by directory.
    pub files: Vec<FileDir>,
    /// Connections, grouped by direction, peer and process.
    pub connections: Vec<Conn>,
    /// Links to the same actor elsewhere.
    pub pivots: Vec<Pivot>,
    /// Loss records overlapping the window on the subject's host.
    pub gaps: Vec<Gap>,
}

/// The story's subject.
#[derive(Debug, Clone, Serialize)]
pub struct Subject {
    /// `container` or `process`.
    pub kind: &'static str,
    /// Container id or process key.
    pub id: String,
}

/// A time window, ns since the epoch (UTC).
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct Window {
    /// Start.
    pub since: i64,
    /// End.
    pub until: i64,
}

/// A host, by id and (when known) name.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HostRef {
    /// Host id.
    pub host_id: String,
    /// Hostname when known.
    pub hostname: Option<String>,
}

impl HostRef {
    /// Name for people: hostname, else the id.
    pub fn label(&self) -> &str {
        self.hostname.as_deref().unwrap_or(&self.host_id)
    }
}

/// What the store knows about a container: its records, folded.
pub type ContainerFacts = crate::store::fold::ContainerRow;

/// One process of the story.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Proc {
    /// Stable key.
    pub key: String,
    /// Parent's key.
    pub parent_key: Option<String>,
    /// pid.
    pub pid: Option<i64>,
    /// ppid.
    pub ppid: Option<i64>,
    /// Container id (`None` on the host).
    pub container_id: Option<String>,
    /// Executable (after its last exec).
    pub exe: Option<String>,
    /// argv (after its last exec).
    pub argv: Vec<String>,
    /// User name.
    pub user: Option<String>,
    /// uid.
    pub uid: Option<i64>,
    /// Login uid.
    pub auid: Option<i64>,
    /// Start time (fork), ns.
    pub start: Option<i64>,
    /// Time of its last exec, ns.
    pub exec_time: Option<i64>,
    /// Exit time, ns.
    pub exit_time: Option<i64>,
    /// Exit code.
    pub exit_code: Option<i64>,
    /// True for the subject's own processes, false for ancestors outside it.
    pub inside: bool,
    /// How it entered the container: `entrypoint` or `runtime exec` (kubectl/docker/podman
    /// exec), for the first process inside under a runtime process.
    pub entry: Option<String>,
    /// Its executable was written in the same container/host before it ran.
    pub drift: bool,
    /// SHA-256 of its executable when known.
    pub exe_sha256: Option<String>,
}

/// A timeline entry.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// Time, ns.
    pub time: i64,
    /// Event kind.
    pub kind: String,
    /// pid.
    pub pid: Option<i64>,
    /// Process key.
    pub process_key: Option<String>,
    /// Executable.
    pub exe: Option<String>,
    /// What happened, in one line.
    pub summary: String,
}

/// Files of one directory.
#[derive(Debug, Clone, Serialize)]
pub struct FileDir {
    /// Directory.
    pub dir: String,
    /// Files in it.
    pub files: Vec<FileItem>,
    /// Every action here was the container runtime (runc, crun, …) setting the container up,
    /// before the entrypoint started (mounts, /dev nodes, /etc/hosts): listed after the rest.
    pub runtime_setup: bool,
}

/// One file and what was done to it.
#[derive(Debug, Clone, Serialize)]
pub struct FileItem {
    /// Path.
    pub path: String,
    /// Actions in time order.
    pub actions: Vec<FileAction>,
    /// Last known content hash.
    pub sha256: Option<String>,
    /// It was executed after being written (drift).
    pub executed: bool,
}

/// One action on a file.
#[derive(Debug, Clone, Serialize)]
pub struct FileAction {
    /// Time, ns.
    pub time: i64,
    /// Event kind.
    pub kind: String,
    /// By which executable.
    pub exe: Option<String>,
    /// pid.
    pub pid: Option<i64>,
    /// Extra: rename target, mode.
    pub detail: Option<String>,
}

/// Connections of one direction, peer and process, aggregated.
#[derive(Debug, Clone, Serialize)]
pub struct Conn {
    /// `outbound`, `inbound` or `listen`.
    pub direction: &'static str,
    /// tcp/udp.
    pub protocol: String,
    /// The far end's address (`None` for listen).
    pub remote_ip: Option<String>,
    /// The far end's port for outbound, the local port for inbound and listen.
    pub port: Option<i64>,
    /// The executable on the subject's side.
    pub exe: Option<String>,
    /// Number of connections.
    pub count: u64,
    /// First, ns.
    pub first: i64,
    /// Last, ns.
    pub last: i64,
    /// Bytes sent by the subject's side (from closes).
    pub bytes_sent: u64,
    /// Bytes received.
    pub bytes_received: u64,
    /// What the far end is, when the store knows the address.
    pub far_end: Option<String>,
}

/// A link from the story to the same actor elsewhere.
#[derive(Debug, Clone, Serialize)]
pub struct Pivot {
    /// 1 for links found from the subject, 2 for links from those, …
    pub hop: u32,
    /// `flow`, `remote_ip`, `file_hash`, `user`, `mention`, `same_image`, `k8s_api` (a person's
    /// Kubernetes API calls about the container's pod), `cloud_key` (cloud API calls made with
    /// an access key seen in the subject's command lines).
    pub kind: &'static str,
    /// The host linked to.
    pub host: HostRef,
    /// The container linked to (`None`: a host process).
    pub container_id: Option<String>,
    /// Its name or image, for people.
    pub label: String,
    /// Why it was linked.
    pub reason: String,
    /// First matching event there, ns.
    pub first: i64,
    /// Last matching event, ns.
    pub last: i64,
    /// Matching events.
    pub count: u64,
}

/// Events a recorder lost inside the window.
#[derive(Debug, Clone, Serialize)]
pub struct Gap {
    /// Host.
    pub host: HostRef,
    /// From, ns.
    pub since: i64,
    /// To, ns.
    pub until: i64,
    /// How many.
    pub events_lost: u64,
    /// Why.
    pub reason: String,
    /// Which recorder.
    pub source: String,
}
