//! The result log's records: the envelope (query name, host, log time, counters,
//! decorations) and the rows it holds in each of osquery's shapes, and the table a row came
//! from, told by its columns.
//!
//! Shapes (osquery docs, "Logging osquery" → results):
//! - differential, event format (the default): `"columns": {…}` with `"action": "added"` or
//!   `"removed"`;
//! - differential, batch format (`--logger_event_type=false`): `"diffResults": {"added":
//!   […], "removed": […]}`;
//! - snapshot: `"snapshot": […]` with `"action": "snapshot"`.
//!
//! 2014-era logs (the docs' first examples) name the host `hostname` instead of
//! `hostIdentifier`.

use chrono::NaiveDateTime;
use serde_json::{Map, Value};

use super::super::values::int;

/// Keys of the envelope that hold the rows (everything else is kept in `extra`).
const ROW_KEYS: [&str; 3] = ["columns", "diffResults", "snapshot"];

/// What a row says of the query's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// New in the result (`added`; an event table's row is a new event).
    Added,
    /// Gone from the result (`removed`; of an event table: an event reported before).
    Removed,
    /// A row of a snapshot.
    Snapshot,
}

impl Action {
    /// As osquery writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Added => "added",
            Action::Removed => "removed",
            Action::Snapshot => "snapshot",
        }
    }
}

/// One row of a record.
pub struct Row<'a> {
    /// What the result says of it.
    pub action: Action,
    /// Its columns.
    pub cols: &'a Map<String, Value>,
}

/// Whether `o` is a result log record: a query `name`, a host (`hostIdentifier`, or
/// `hostname` in 2014-era logs) and rows in one of the shapes.
pub fn is_result(o: &Map<String, Value>) -> bool {
    let s = |k: &str| o.get(k).is_some_and(Value::is_string);
    s("name")
        && (s("hostIdentifier") || s("hostname"))
        && (o.get("columns").is_some_and(Value::is_object)
            || o.get("snapshot").is_some_and(Value::is_array)
            || o.get("diffResults").is_some_and(Value::is_object))
}

/// The rows of a record, or why it has none that can be read.
pub fn rows(o: &Map<String, Value>) -> Result<Vec<Row<'_>>, (&'static str, String)> {
    if let Some(c) = o.get("columns") {
        let cols = c.as_object().ok_or_else(|| not_object("columns"))?;
        let action = match o.get("action").and_then(Value::as_str) {
            None | Some("added") => Action::Added,
            Some("removed") => Action::Removed,
            Some("snapshot") => Action::Snapshot,
            Some(other) => return Err(("unknown action", format!("action `{other}`"))),
        };
        return Ok(vec![Row { action, cols }]);
    }
    if let Some(d) = o.get("diffResults") {
        let d = d.as_object().ok_or_else(|| not_object("diffResults"))?;
        let mut rows = objects("diffResults.added", d.get("added"), Action::Added)?;
        rows.extend(objects(
            "diffResults.removed",
            d.get("removed"),
            Action::Removed,
        )?);
        return Ok(rows);
    }
    if o.contains_key("snapshot") {
        return objects("snapshot", o.get("snapshot"), Action::Snapshot);
    }
    Err((
        "not an osquery result",
        "no columns, diffResults or snapshot".to_string(),
    ))
}

fn not_object(what: &str) -> (&'static str, String) {
    ("malformed row", format!("{what} is not an object"))
}

/// The rows of an array of objects (none when absent).
fn objects<'a>(
    what: &str,
    v: Option<&'a Value>,
    action: Action,
) -> Result<Vec<Row<'a>>, (&'static str, String)> {
    match v {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|x| {
                x.as_object()
                    .map(|cols| Row { action, cols })
                    .ok_or_else(|| not_object(what))
            })
            .collect(),
        Some(_) => Err(("malformed row", format!("{what} is not an array"))),
    }
}

fn nonempty(v: Option<&Value>) -> Option<&str> {
    v.and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// The host a record names, and the envelope key it came from: `hostIdentifier`, else the
/// 2014-era `hostname`, else `decorations.hostname`.
pub fn host(o: &Map<String, Value>) -> Option<(&str, &'static str)> {
    if let Some(h) = nonempty(o.get("hostIdentifier")) {
        return Some((h, "hostIdentifier"));
    }
    if let Some(h) = nonempty(o.get("hostname")) {
        return Some((h, "hostname"));
    }
    let deco = o.get("decorations").and_then(Value::as_object)?;
    nonempty(deco.get("hostname")).map(|h| (h, "decorations"))
}

/// When the record was logged (ns): `unixTime` (seconds, a number or a string), else
/// `calendarTime` (`Tue Sep 30 17:37:30 2014`, with or without ` UTC`; osquery writes UTC).
pub fn log_time(o: &Map<String, Value>) -> Option<i64> {
    if let Some(s) = int::<i64>(o.get("unixTime")).filter(|s| *s > 0) {
        return s.checked_mul(1_000_000_000);
    }
    let c = o.get("calendarTime")?.as_str()?.trim();
    let c = c.strip_suffix("UTC").unwrap_or(c).trim_end();
    let dt = NaiveDateTime::parse_from_str(c, "%a %b %e %H:%M:%S %Y").ok()?;
    dt.and_utc().timestamp_nanos_opt()
}

/// The query's name (`pack_<pack>_<query>` for queries of packs).
pub fn name(o: &Map<String, Value>) -> &str {
    o.get("name").and_then(Value::as_str).unwrap_or("?")
}

/// What the envelope says that no column holds: every key but the rows and the host's own
/// (`host_key`; `decorations` are kept whole).
pub fn extra(o: &Map<String, Value>, host_key: Option<&str>) -> Map<String, Value> {
    o.iter()
        .filter(|(k, _)| {
            !ROW_KEYS.contains(&k.as_str())
                && (host_key != Some(k.as_str()) || k.as_str() == "decorations")
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// The event tables the importer maps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    /// `process_events` (audit on Linux, OpenBSM on macOS).
    ProcessEvents,
    /// `bpf_process_events`.
    BpfProcessEvents,
    /// `socket_events` (audit).
    SocketEvents,
    /// `bpf_socket_events`.
    BpfSocketEvents,
    /// `file_events` (inotify / FSEvents file integrity monitoring).
    FileEvents,
    /// `process_file_events` (audit file integrity monitoring).
    ProcessFileEvents,
    /// `bpf_file_events`.
    BpfFileEvents,
}

impl Table {
    /// The table's name.
    pub fn name(self) -> &'static str {
        match self {
            Table::ProcessEvents => "process_events",
            Table::BpfProcessEvents => "bpf_process_events",
            Table::SocketEvents => "socket_events",
            Table::BpfSocketEvents => "bpf_socket_events",
            Table::FileEvents => "file_events",
            Table::ProcessFileEvents => "process_file_events",
            Table::BpfFileEvents => "bpf_file_events",
        }
    }

    /// Whether it is one of the bpf tables.
    pub fn is_bpf(self) -> bool {
        matches!(
            self,
            Table::BpfProcessEvents | Table::BpfSocketEvents | Table::BpfFileEvents
        )
    }
}

/// The event table a row came from, told by its columns (a query's name need not name its
/// table: `pack_grapl_processes` selects from `process_events`). A row of an event table has
/// `time` (or, bpf tables, whose `time` is a hidden column, `ntime` / `probe_error`); state
/// tables (`processes`, `listening_ports`, `process_open_sockets`, …) have none. Then, in
/// this order: `target_path` + `action` (without yara's `matches`) → `file_events`; `operation` + one of `executable`,
/// `dest_path`, `partial` → `process_file_events`; bpf + `file_path` → `bpf_file_events`; an
/// address or port column (`local_address`, `remote_address`, `local_port`, `remote_port`)
/// with `syscall` (bpf) → `bpf_socket_events`, with `action` → `socket_events`; `pid` +
/// `path` + (`cmdline` or `parent`), without `ppid` (Windows' process_etw_events) →
/// `bpf_process_events` (bpf) or `process_events`.
pub fn table(c: &Map<String, Value>) -> Option<Table> {
    let has = |k: &str| c.contains_key(k);
    let bpf = has("ntime") || has("probe_error");
    if !(bpf || has("time")) {
        return None;
    }
    // yara_events share file_events' columns (the FIM event that triggered the scan), with
    // its `matches`.
    if has("target_path") && has("action") && !has("matches") {
        return Some(Table::FileEvents);
    }
    if has("operation") && (has("executable") || has("dest_path") || has("partial")) {
        return Some(Table::ProcessFileEvents);
    }
    if bpf && has("file_path") {
        return Some(Table::BpfFileEvents);
    }
    let socket = [
        "local_address",
        "remote_address",
        "local_port",
        "remote_port",
    ]
    .iter()
    .any(|k| has(k));
    if socket && bpf && has("syscall") {
        return Some(Table::BpfSocketEvents);
    }
    if socket && has("action") {
        return Some(Table::SocketEvents);
    }
    // Windows' process_etw_events names the parent `ppid`.
    if has("pid") && has("path") && (has("cmdline") || has("parent")) && !has("ppid") {
        return Some(if bpf {
            Table::BpfProcessEvents
        } else {
            Table::ProcessEvents
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn log_times_from_unix_time_or_calendar_time() {
        let t = obj(json!({"unixTime": "1412123850", "calendarTime": "x"}));
        assert_eq!(log_time(&t), Some(1_412_123_850_000_000_000));
        let t = obj(json!({"unixTime": 1462228052}));
        assert_eq!(log_time(&t), Some(1_462_228_052_000_000_000));
        // Single-digit days are space-padded; ` UTC` is optional.
        let t =
            obj(json!({"unixTime": "collision", "calendarTime": "Mon May  2 22:27:32 2016 UTC"}));
        assert_eq!(log_time(&t), Some(1_462_228_052_000_000_000));
        let t = obj(json!({"calendarTime": "Tue Sep 30 17:37:30 2014"}));
        assert_eq!(log_time(&t), Some(1_412_098_650_000_000_000));
        assert_eq!(log_time(&obj(json!({"calendarTime": "collision"}))), None);
    }

    #[test]
    fn tables_by_columns_not_by_query_name() {
        let t = |v: Value| table(&obj(v));
        // `processes` (a state table: no `time`) is no event table, whatever it selects.
        assert_eq!(
            t(json!({"pid": "1", "path": "/sbin/init", "parent": "0"})),
            None
        );
        assert_eq!(
            t(json!({"pid": "1", "path": "/x", "parent": "0", "cmdline": "", "time": "1"})),
            Some(Table::ProcessEvents)
        );
        assert_eq!(
            t(json!({"pid": "1", "path": "/x", "parent": "0", "ntime": "9", "syscall": "exec"})),
            Some(Table::BpfProcessEvents)
        );
        assert_eq!(
            t(
                json!({"action": "connect", "pid": "1", "path": "/x", "remote_address": "", "time": "1"})
            ),
            Some(Table::SocketEvents)
        );
        assert_eq!(
            t(
                json!({"syscall": "bind", "pid": "1", "parent": "0", "path": "/x",
                "local_port": 80, "probe_error": 0})
            ),
            Some(Table::BpfSocketEvents)
        );
        // process_open_sockets has addresses but no time.
        assert_eq!(
            t(json!({"pid": "1", "local_address": "::", "local_port": "22", "path": "/x"})),
            None
        );
        assert_eq!(
            t(json!({"target_path": "/etc/x", "action": "UPDATED", "time": "1"})),
            Some(Table::FileEvents)
        );
        assert_eq!(
            t(json!({"operation": "write", "executable": "/x", "path": "/y", "time": "1"})),
            Some(Table::ProcessFileEvents)
        );
        // Look-alikes of other platforms and tables.
        let yara = json!({"target_path": "/x", "action": "CREATED", "matches": "", "time": "1"});
        assert_eq!(t(yara), None);
        let etw =
            json!({"pid": "1", "ppid": "0", "path": "C:\\x.exe", "cmdline": "x", "time": "1"});
        assert_eq!(t(etw), None);
    }

    #[test]
    fn shapes_give_rows_with_their_action() {
        let o = obj(json!({"diffResults": {"added": [{"a": "1"}], "removed": [{"a": "2"}]}}));
        let r = rows(&o).unwrap();
        let acts: Vec<_> = r.iter().map(|r| r.action).collect();
        assert_eq!(acts, [Action::Added, Action::Removed]);
        let o = obj(json!({"snapshot": [{"a": "1"}, 7]}));
        assert_eq!(rows(&o).err().unwrap().0, "malformed row");
        let o = obj(json!({"columns": {"a": "1"}, "action": "renamed"}));
        assert_eq!(rows(&o).err().unwrap().0, "unknown action");
        assert_eq!(
            rows(&obj(json!({"name": "x"}))).err().unwrap().0,
            "not an osquery result"
        );
    }

    #[test]
    fn host_from_identifier_old_hostname_or_decorations() {
        let o = obj(json!({"hostIdentifier": "a", "hostname": "b"}));
        assert_eq!(host(&o), Some(("a", "hostIdentifier")));
        let o = obj(json!({"hostIdentifier": "", "hostname": "b"}));
        assert_eq!(host(&o), Some(("b", "hostname")));
        let o = obj(json!({"decorations": {"hostname": "c"}, "name": "q"}));
        assert_eq!(host(&o), Some(("c", "decorations")));
        // Decorations stay whole in extra even when they named the host.
        assert!(extra(&o, Some("decorations")).contains_key("decorations"));
        assert_eq!(host(&obj(json!({"name": "q"}))), None);
    }
}
