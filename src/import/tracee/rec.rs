//! One Tracee event, whatever its generation, as the mapping reads it ([`Rec`]), and the
//! helpers both readers share: numbers that protobuf JSON wraps (`{"value": 1}`), times as
//! integers (ns, from the epoch or from boot), RFC 3339 or `{seconds, nanos}`, and the
//! signature metadata that makes an event a finding.

use serde_json::{Map, Value};

use super::super::values::{int, text, text_time_ns};
use crate::schema::{FindingDetail, Severity};

/// The earliest time taken as wall clock (2000-01-01): Tracee prints times relative to
/// boot with `--output option:relative-time` (and in its thread start times before v0.8).
pub const EPOCH_FLOOR: i64 = 946_684_800_000_000_000;

/// The container an event ran in.
#[derive(Debug, Default)]
pub struct Ctr {
    /// Id as Tracee prints it (normalised when mapped).
    pub id: String,
    /// Container name.
    pub name: Option<String>,
    /// Image name.
    pub image: Option<String>,
    /// Image digest or id.
    pub image_id: Option<String>,
    /// Kubernetes pod name.
    pub pod: Option<String>,
    /// Kubernetes namespace.
    pub namespace: Option<String>,
    /// When the container started (ns).
    pub started: Option<i64>,
}

/// One event, read.
#[derive(Debug, Default)]
pub struct Rec {
    /// When (ns since the epoch).
    pub time: i64,
    /// Event name (`sched_process_exec`, `security_socket_connect`, a signature's event).
    pub name: String,
    /// The host the event names.
    pub host: Option<String>,
    /// Host pid (the namespace pid when the event gives no other).
    pub pid: Option<i32>,
    /// Host tid.
    pub tid: Option<i32>,
    /// Host parent pid.
    pub ppid: Option<i32>,
    /// Real user id.
    pub uid: Option<u32>,
    /// Thread name (comm).
    pub comm: Option<String>,
    /// Executable path.
    pub exe: Option<String>,
    /// The thread's start time, as printed (ns from the epoch or from boot: a key, not a time).
    pub thread_start: Option<i64>,
    /// Tracee's own id of the process (`processEntityId`, `unique_id`).
    pub entity: Option<u64>,
    /// Tracee's own id of the parent (`parentEntityId`, the first ancestor's `unique_id`).
    pub parent_entity: Option<u64>,
    /// Syscall return value.
    pub ret: Option<i64>,
    /// The container.
    pub ctr: Option<Ctr>,
    /// Arguments by name (what is not used goes to `extra`).
    pub args: Map<String, Value>,
    /// The detection, when the event is a signature's.
    pub finding: Option<FindingDetail>,
    /// What has no column.
    pub extra: Map<String, Value>,
}

impl Rec {
    /// Whether the thread is its process' leader (then its start time is the process').
    pub fn leader(&self) -> bool {
        self.tid.is_none() || self.tid == self.pid
    }
}

/// A non-empty string of `o`.
pub fn str_of<'a>(o: &'a Map<String, Value>, k: &str) -> Option<&'a str> {
    o.get(k).and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// The object under `k`.
pub fn obj<'a>(o: &'a Map<String, Value>, k: &str) -> Option<&'a Map<String, Value>> {
    o.get(k).and_then(Value::as_object)
}

/// An integer, bare or wrapped as protobuf JSON wraps it (`{"value": 1}`).
pub fn num<T: TryFrom<i64>>(v: Option<&Value>) -> Option<T> {
    match v? {
        Value::Object(o) => int(o.get("value")),
        v => int(Some(v)),
    }
}

/// A time as Tracee prints it, in ns: an integer (kept as is: from the epoch or from boot),
/// an RFC 3339 string, or protobuf's `{seconds, nanos}`.
pub fn raw_ns(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Object(o) => {
            let s: i64 = int(o.get("seconds")).unwrap_or(0);
            let n: i64 = int(o.get("nanos")).unwrap_or(0);
            if !o.contains_key("seconds") && !o.contains_key("nanos") {
                return None;
            }
            s.checked_mul(1_000_000_000)?.checked_add(n)
        }
        Value::String(s) => s.trim().parse().ok().or_else(|| text_time_ns(s)),
        v => int(Some(v)),
    }
}

/// Tracee's signature severity: 0 (info) to 4 (critical), or a level's name.
pub fn severity(v: Option<&Value>) -> Option<Severity> {
    match int::<i64>(v) {
        Some(0) => Some(Severity::Informational),
        Some(1) => Some(Severity::Low),
        Some(2) => Some(Severity::Medium),
        Some(3) => Some(Severity::High),
        Some(4) => Some(Severity::Critical),
        Some(_) => None,
        None => v.and_then(Value::as_str).and_then(Severity::from_level),
    }
}

/// Strings of `v`: one, or every string of an array.
fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a.iter().filter_map(|x| text(Some(x))).collect(),
        v => text(v).into_iter().collect(),
    }
}

/// The finding of signature metadata: `metadata` of a flat event (`Description`, `Tags`,
/// `Properties` with `signatureID`, `signatureName`, `Severity`, `Category`, `Technique`,
/// `external_id`) or tracee-rules' `SigMetadata` (`ID`, `Name`, `Description`, `Tags`,
/// `Properties` with `Severity` and `MITRE ATT&CK`). `None` when it names no signature.
pub fn signature(m: &Map<String, Value>, event: &str) -> Option<FindingDetail> {
    let props = obj(m, "Properties");
    let prop = |k: &str| props.and_then(|p| p.get(k));
    let id = text(prop("signatureID")).or_else(|| text(m.get("ID")));
    let name = text(prop("signatureName")).or_else(|| text(m.get("Name")));
    if id.is_none() && name.is_none() {
        return None;
    }
    let mut tags = strings(m.get("Tags"));
    for k in ["Category", "Technique", "external_id", "MITRE ATT&CK"] {
        for t in strings(prop(k)) {
            if !tags.contains(&t) {
                tags.push(t);
            }
        }
    }
    let rule = name.unwrap_or_else(|| event.to_string());
    Some(
        FindingDetail::rule(rule)
            .rule_id(id)
            .severity(severity(prop("Severity").or_else(|| m.get("Severity"))))
            .tags(tags)
            .message(text(m.get("Description"))),
    )
}

/// The finding of a v1beta1 `threat` (`name`, `description`, `severity`, `mitre` with
/// `tactic.name` and `technique.{id, name}`, `properties` with `signatureID`).
pub fn threat(t: &Map<String, Value>, event: &str) -> FindingDetail {
    let props = obj(t, "properties");
    let mitre = obj(t, "mitre");
    let part = |a: &str, b: &str| mitre.and_then(|m| obj(m, a)).and_then(|x| text(x.get(b)));
    let mut tags: Vec<String> = props
        .and_then(|p| p.get("Category"))
        .map(|c| strings(Some(c)))
        .unwrap_or_default();
    let mitre_tags = [
        part("tactic", "name"),
        part("technique", "id"),
        part("technique", "name"),
    ];
    for t in mitre_tags.into_iter().flatten() {
        if !tags.contains(&t) {
            tags.push(t);
        }
    }
    let id = props
        .and_then(|p| text(p.get("signatureID")))
        .or_else(|| text(t.get("id")));
    FindingDetail::rule(text(t.get("name")).unwrap_or_else(|| event.to_string()))
        .rule_id(id)
        .severity(severity(t.get("severity")))
        .tags(tags)
        .message(text(t.get("description")))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn wrapped_numbers_times_and_severities() {
        assert_eq!(num::<i32>(Some(&json!({"value": 7}))), Some(7));
        assert_eq!(num::<i32>(Some(&json!("7"))), Some(7));
        let ts = json!({"seconds": "1732454400", "nanos": 123456789});
        assert_eq!(raw_ns(Some(&ts)), Some(1_732_454_400_123_456_789));
        assert_eq!(
            raw_ns(Some(&json!(620311624458929u64))),
            Some(620311624458929)
        );
        assert_eq!(
            raw_ns(Some(&json!("2024-11-24T13:20:00Z"))),
            Some(1_732_454_400_000_000_000)
        );
        assert_eq!(raw_ns(Some(&json!({}))), None);
        assert_eq!(severity(Some(&json!(3))), Some(Severity::High));
        assert_eq!(severity(Some(&json!("2"))), Some(Severity::Medium));
        assert_eq!(severity(Some(&json!("CRITICAL"))), Some(Severity::Critical));
        assert_eq!(severity(Some(&json!(9))), None);
    }
}
