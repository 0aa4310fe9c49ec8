//! Query results → story rows. The one place that reads Arrow columns for the story.

pub use crate::query::cells::{ints, lists, strs};
use crate::query::{Engine, QueryError, Selection};
use crate::select::Cells;

/// One event as the story needs it.
#[derive(Debug, Clone, Default)]
pub struct Ev {
    pub family: String,
    pub time: i64,
    pub kind: String,
    pub host_id: String,
    pub container_id: Option<String>,
    pub pid: Option<i64>,
    pub ppid: Option<i64>,
    pub uid: Option<i64>,
    pub auid: Option<i64>,
    pub user: Option<String>,
    pub exe: Option<String>,
    pub argv: Vec<String>,
    pub key: Option<String>,
    pub parent_key: Option<String>,
    pub start: Option<i64>,
    pub exit_code: Option<i64>,
    pub exe_sha256: Option<String>,
    pub path: Option<String>,
    pub target_path: Option<String>,
    pub mode: Option<i64>,
    pub file_sha256: Option<String>,
    pub protocol: Option<String>,
    pub src_ip: Option<String>,
    pub src_port: Option<i64>,
    pub dst_ip: Option<String>,
    pub dst_port: Option<i64>,
    pub community_id: Option<String>,
    pub bytes_sent: Option<i64>,
    pub bytes_received: Option<i64>,
    pub rule: Option<String>,
    pub severity: Option<String>,
    pub message: Option<String>,
}

impl Ev {
    /// The story's total order of events.
    #[allow(clippy::type_complexity)]
    fn order_key(
        &self,
    ) -> (
        i64,
        &str,
        &str,
        &str,
        Option<&str>,
        Option<&str>,
        Option<i64>,
        Option<&str>,
        Option<&str>,
        (Option<&str>, Option<i64>, Option<&str>, Option<i64>),
        Option<&str>,
        &[String],
    ) {
        (
            self.time,
            &self.kind,
            &self.family,
            &self.host_id,
            self.container_id.as_deref(),
            self.key.as_deref(),
            self.pid,
            self.path.as_deref(),
            self.target_path.as_deref(),
            (
                self.src_ip.as_deref(),
                self.src_port,
                self.dst_ip.as_deref(),
                self.dst_port,
            ),
            self.community_id.as_deref(),
            &self.argv,
        )
    }
}

/// An event's cells by column name, for the predicates of [`crate::predicates`].
impl Cells for Ev {
    fn text(&self, col: &str) -> Option<&str> {
        match col {
            "family" => Some(&self.family),
            "kind" => Some(&self.kind),
            "host_id" => Some(&self.host_id),
            "container_id" => self.container_id.as_deref(),
            "user_name" => self.user.as_deref(),
            "exe" => self.exe.as_deref(),
            "process_key" => self.key.as_deref(),
            "parent_process_key" => self.parent_key.as_deref(),
            "exe_sha256" => self.exe_sha256.as_deref(),
            "path" => self.path.as_deref(),
            "target_path" => self.target_path.as_deref(),
            "file_sha256" => self.file_sha256.as_deref(),
            "protocol" => self.protocol.as_deref(),
            "src_ip" => self.src_ip.as_deref(),
            "dst_ip" => self.dst_ip.as_deref(),
            "community_id" => self.community_id.as_deref(),
            "rule" => self.rule.as_deref(),
            "severity" => self.severity.as_deref(),
            "message" => self.message.as_deref(),
            _ => None,
        }
    }

    fn int(&self, col: &str) -> Option<i64> {
        match col {
            "time" => Some(self.time),
            "pid" => self.pid,
            "ppid" => self.ppid,
            "uid" => self.uid,
            "auid" => self.auid,
            "process_start_time" => self.start,
            "exit_code" => self.exit_code,
            "file_mode" => self.mode,
            "src_port" => self.src_port,
            "dst_port" => self.dst_port,
            "bytes_sent" => self.bytes_sent,
            "bytes_received" => self.bytes_received,
            _ => None,
        }
    }
}

/// The event columns selected for stories.
pub const EVENT_COLUMNS: &[&str] = &[
    "family",
    "time",
    "kind",
    "host_id",
    "container_id",
    "pid",
    "ppid",
    "uid",
    "auid",
    "user_name",
    "exe",
    "argv",
    "process_key",
    "parent_process_key",
    "process_start_time",
    "exit_code",
    "exe_sha256",
    "path",
    "target_path",
    "file_mode",
    "file_sha256",
    "protocol",
    "src_ip",
    "src_port",
    "dst_ip",
    "dst_port",
    "community_id",
    "bytes_sent",
    "bytes_received",
    "rule",
    "severity",
    "message",
];

/// The columns a pivot lookup needs of the events it finds elsewhere (who, where, when, and
/// what matched): the others (argv above all) are not decoded.
pub const LOOKUP_COLUMNS: &[&str] = &[
    "family",
    "time",
    "kind",
    "host_id",
    "container_id",
    "pid",
    "ppid",
    "exe",
    "process_key",
    "exe_sha256",
    "path",
    "file_sha256",
    "src_ip",
    "src_port",
    "dst_ip",
    "dst_port",
    "community_id",
];

/// The events `sel` selects, in one total order (time, kind, then every other column),
/// whichever way they were read.
pub fn events(engine: &Engine, sel: &Selection) -> Result<Vec<Ev>, QueryError> {
    events_with(engine, sel, EVENT_COLUMNS)
}

/// [`events`] with only `columns` filled in.
pub fn events_with(
    engine: &Engine,
    sel: &Selection,
    columns: &[&'static str],
) -> Result<Vec<Ev>, QueryError> {
    let batches = engine.select(sel, columns)?;
    let mut out = Vec::new();
    for b in &batches {
        let (family, kind, host, ctr) = (
            strs(b, "family"),
            strs(b, "kind"),
            strs(b, "host_id"),
            strs(b, "container_id"),
        );
        let (t, pid, ppid, uid, auid) = (
            ints(b, "time"),
            ints(b, "pid"),
            ints(b, "ppid"),
            ints(b, "uid"),
            ints(b, "auid"),
        );
        let (user, exe, argv) = (strs(b, "user_name"), strs(b, "exe"), lists(b, "argv"));
        let (key, pkey, st, code, xsha) = (
            strs(b, "process_key"),
            strs(b, "parent_process_key"),
            ints(b, "process_start_time"),
            ints(b, "exit_code"),
            strs(b, "exe_sha256"),
        );
        let (path, target, mode, fsha) = (
            strs(b, "path"),
            strs(b, "target_path"),
            ints(b, "file_mode"),
            strs(b, "file_sha256"),
        );
        let (proto, sip, sport, dip, dport) = (
            strs(b, "protocol"),
            strs(b, "src_ip"),
            ints(b, "src_port"),
            strs(b, "dst_ip"),
            ints(b, "dst_port"),
        );
        let (cid, bs, br) = (
            strs(b, "community_id"),
            ints(b, "bytes_sent"),
            ints(b, "bytes_received"),
        );
        let (rule, sev, msg) = (strs(b, "rule"), strs(b, "severity"), strs(b, "message"));
        for i in 0..b.num_rows() {
            out.push(Ev {
                family: family[i].clone().unwrap_or_default(),
                time: t[i].unwrap_or(0),
                kind: kind[i].clone().unwrap_or_default(),
                host_id: host[i].clone().unwrap_or_default(),
                container_id: ctr[i].clone(),
                pid: pid[i],
                ppid: ppid[i],
                uid: uid[i],
                auid: auid[i],
                user: user[i].clone(),
                exe: exe[i].clone(),
                argv: argv[i].clone(),
                key: key[i].clone(),
                parent_key: pkey[i].clone(),
                start: st[i],
                exit_code: code[i],
                exe_sha256: xsha[i].clone(),
                path: path[i].clone(),
                target_path: target[i].clone(),
                mode: mode[i],
                file_sha256: fsha[i].clone(),
                protocol: proto[i].clone(),
                src_ip: sip[i].clone(),
                src_port: sport[i],
                dst_ip: dip[i].clone(),
                dst_port: dport[i],
                community_id: cid[i].clone(),
                bytes_sent: bs[i],
                bytes_received: br[i],
                rule: rule[i].clone(),
                severity: sev[i].clone(),
                message: msg[i].clone(),
            });
        }
    }
    out.sort_by(|a, b| a.order_key().cmp(&b.order_key()));
    Ok(out)
}
