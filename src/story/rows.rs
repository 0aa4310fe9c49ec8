//! Query results → story rows. The one place that reads Arrow columns for the story.

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Int64Type};

use crate::query::{Engine, QueryError, Value};

/// A column of a batch as optional strings (any type, cast to text; lists as NULL).
pub fn strs(b: &RecordBatch, name: &str) -> Vec<Option<String>> {
    let Some(c) = b.column_by_name(name) else {
        return vec![None; b.num_rows()];
    };
    if matches!(c.data_type(), DataType::List(_)) {
        return vec![None; b.num_rows()];
    }
    let Ok(c) = cast(c, &DataType::Utf8) else {
        return vec![None; b.num_rows()];
    };
    let a = c.as_string::<i32>();
    (0..a.len())
        .map(|i| a.is_valid(i).then(|| a.value(i).to_string()))
        .collect()
}

/// A column as optional i64 (integers, and timestamps as ns).
pub fn ints(b: &RecordBatch, name: &str) -> Vec<Option<i64>> {
    let Some(c) = b.column_by_name(name) else {
        return vec![None; b.num_rows()];
    };
    let c = match c.data_type() {
        DataType::Timestamp(_, _) => cast(c, &DataType::Int64),
        _ => cast(c, &DataType::Int64),
    };
    let Ok(c) = c else {
        return vec![None; b.num_rows()];
    };
    let a = c.as_primitive::<Int64Type>();
    (0..a.len())
        .map(|i| a.is_valid(i).then(|| a.value(i)))
        .collect()
}

/// A list-of-strings column.
pub fn lists(b: &RecordBatch, name: &str) -> Vec<Vec<String>> {
    let Some(c) = b.column_by_name(name) else {
        return vec![Vec::new(); b.num_rows()];
    };
    let DataType::List(_) = c.data_type() else {
        return vec![Vec::new(); b.num_rows()];
    };
    let l = c.as_list::<i32>();
    (0..l.len())
        .map(|i| {
            if l.is_null(i) {
                return Vec::new();
            }
            let v = l.value(i);
            let s = v.as_string::<i32>();
            (0..s.len())
                .filter(|j| s.is_valid(*j))
                .map(|j| s.value(j).to_string())
                .collect()
        })
        .collect()
}

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
}

/// The event columns selected for stories; `{where}` is replaced by trusted SQL with bound
/// parameters only.
pub const EVENT_COLUMNS: &str =
    "family, epoch_ns(time) AS t, kind, host_id, container_id, pid, ppid, uid, auid,
    user_name, exe, argv, process_key, parent_process_key, epoch_ns(process_start_time) AS st,
    exit_code, exe_sha256, path, target_path, file_mode, file_sha256, protocol, src_ip,
    src_port, dst_ip, dst_port, community_id, bytes_sent, bytes_received";

/// Runs trusted SQL selecting [`EVENT_COLUMNS`] and returns the events.
pub fn events(engine: &Engine, sql: &str, params: &[Value]) -> Result<Vec<Ev>, QueryError> {
    let r = engine.query(sql, params)?;
    let mut out = Vec::new();
    for b in &r.batches {
        let (family, kind, host, ctr) = (
            strs(b, "family"),
            strs(b, "kind"),
            strs(b, "host_id"),
            strs(b, "container_id"),
        );
        let (t, pid, ppid, uid, auid) = (
            ints(b, "t"),
            ints(b, "pid"),
            ints(b, "ppid"),
            ints(b, "uid"),
            ints(b, "auid"),
        );
        let (user, exe, argv) = (strs(b, "user_name"), strs(b, "exe"), lists(b, "argv"));
        let (key, pkey, st, code, xsha) = (
            strs(b, "process_key"),
            strs(b, "parent_process_key"),
            ints(b, "st"),
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
            });
        }
    }
    Ok(out)
}
