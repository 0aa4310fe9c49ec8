//! Scopes: which files a lookup needs, in terms the index answers.

/// Which files a selection reads on a compacted store (the index's answer, plus every file
/// written since the last compaction of the families it names).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Every file.
    All,
    /// Events of these containers.
    Containers(Vec<String>),
    /// Events of these processes on a host.
    Processes {
        /// Host id.
        host: String,
        /// Process keys.
        keys: Vec<String>,
    },
    /// Network events with these community ids (only the rows posted for them).
    Flows(Vec<String>),
    /// Connects and accepts from or to these addresses.
    Addresses(Vec<String>),
    /// Events with these file or executable hashes.
    Hashes(Vec<String>),
    /// Host execs of these people on hosts other than `except_host`.
    Users {
        /// User names.
        users: Vec<String>,
        /// The host whose files are not needed.
        except_host: String,
    },
    /// Process events of a host in a time window (ns, both ends included).
    HostWindow {
        /// Host id.
        host: String,
        /// From.
        since: i64,
        /// To.
        until: i64,
    },
    /// Process events of a host's files written since the last compaction only (the part of
    /// its process graph the index does not hold yet).
    FreshProcesses(String),
    /// Only event files written since the last compaction.
    Fresh,
}
