//! The flat `trace.Event` of `tracee --output json` (v0.x to today): `timestamp`,
//! `hostProcessId`, `processName`, `eventName`, `args[]` of `{name, type, value}`; the
//! container as `containerId`/`containerImage`/`containerName` and `podName`/`podNamespace`
//! (to 2022) or as `container{}` and `kubernetes{}` objects; `processEntityId` and
//! `parentEntityId` (2023+); a signature's `metadata`. Also tracee-rules' output
//! (`{"Data", "Context", "SigMetadata"}`), whose `Context` is such an event.

use serde_json::{Map, Value};

use super::super::values::{int, text, time_ns};
use super::rec::{Ctr, Rec, obj, signature, str_of};

/// Top-level keys mapped to columns (the rest go to `extra`).
const MAPPED: &[&str] = &[
    "timestamp",
    "eventName",
    "hostName",
    "hostProcessId",
    "hostThreadId",
    "hostParentProcessId",
    "userId",
    "processName",
    "executable",
    "container",
    "containerId",
    "containerImage",
    "containerImageDigest",
    "containerName",
    "kubernetes",
    "podName",
    "podNamespace",
    "args",
    "metadata",
    "processEntityId",
    "parentEntityId",
    "returnValue",
];

/// Whether `o` is a flat Tracee event (or tracee-rules' output).
pub fn is_flat(o: &Map<String, Value>) -> bool {
    if let (Some(c), Some(_)) = (obj(o, "Context"), obj(o, "SigMetadata")) {
        return is_flat(c);
    }
    o.get("eventName").is_some_and(Value::is_string)
        && o.contains_key("timestamp")
        && (o.contains_key("hostProcessId") || o.contains_key("processId"))
        && o.get("args").is_none_or(Value::is_array)
}

/// A non-zero id.
fn id(v: Option<&Value>) -> Option<u64> {
    int::<i64>(v).filter(|i| *i != 0).map(|i| i as u64)
}

/// The event `o` (flat, or tracee-rules' output) read.
pub fn read(o: &Map<String, Value>) -> Result<Rec, (&'static str, String)> {
    if let (Some(c), Some(m)) = (obj(o, "Context"), obj(o, "SigMetadata")) {
        let mut rec = read(c)?;
        rec.finding = signature(m, &rec.name);
        if let Some(d) = o.get("Data").filter(|d| !d.is_null()) {
            rec.extra.insert("Data".into(), d.clone());
        }
        return Ok(rec);
    }
    let Some(name) = str_of(o, "eventName") else {
        return Err(("not a Tracee event", "no eventName".into()));
    };
    // Integers are ns (from the epoch, or from boot: refused by the caller).
    let time = match o.get("timestamp") {
        Some(Value::Number(n)) => n.as_i64(),
        v => v.and_then(time_ns),
    };
    let Some(time) = time else {
        return Err(("no time", format!("{name} without a timestamp")));
    };
    let mut rec = Rec {
        time,
        name: name.to_string(),
        host: text(o.get("hostName")),
        pid: int(o.get("hostProcessId")).or_else(|| int(o.get("processId"))),
        tid: int(o.get("hostThreadId")).or_else(|| int(o.get("threadId"))),
        ppid: int(o.get("hostParentProcessId")).or_else(|| int(o.get("parentProcessId"))),
        uid: int(o.get("userId")),
        comm: text(o.get("processName")),
        exe: obj(o, "executable").and_then(|e| text(e.get("path"))),
        thread_start: int(o.get("threadStartTime")),
        entity: id(o.get("processEntityId")),
        parent_entity: id(o.get("parentEntityId")),
        ret: int(o.get("returnValue")),
        ctr: container(o),
        ..Default::default()
    };
    if let Some(args) = o.get("args").and_then(Value::as_array) {
        for a in args.iter().filter_map(Value::as_object) {
            if let Some(n) = str_of(a, "name") {
                let v = a.get("value").cloned().unwrap_or(Value::Null);
                rec.args.insert(n.to_string(), v);
            }
        }
    }
    if let Some(m) = obj(o, "metadata") {
        rec.finding = signature(m, name);
        let props = obj(m, "Properties").map(|p| Value::Object(p.clone()));
        rec.extra.extend(props.map(|p| ("metadata".to_string(), p)));
    }
    for (k, v) in o {
        let empty = v.is_null() || v.as_str() == Some("");
        if !MAPPED.contains(&k.as_str()) && !empty {
            rec.extra.insert(k.clone(), v.clone());
        }
    }
    // What the container and pod objects hold beyond the container record's columns.
    for (key, used) in [
        ("container", &["id", "name", "image", "imageDigest"][..]),
        ("kubernetes", &["podName", "podNamespace"][..]),
    ] {
        for (k, v) in obj(o, key).into_iter().flatten() {
            if !used.contains(&k.as_str()) && !v.is_null() && v.as_str() != Some("") {
                rec.extra.insert(format!("{key}.{k}"), v.clone());
            }
        }
    }
    if let Some(r) = rec.ret.filter(|r| *r != 0) {
        rec.extra.insert("returnValue".into(), r.into());
    }
    Ok(rec)
}

/// The container of a flat event: `container{id, name, image, imageDigest}` with
/// `kubernetes{podName, podNamespace}`, or the older flat keys.
fn container(o: &Map<String, Value>) -> Option<Ctr> {
    let c = obj(o, "container");
    let k = obj(o, "kubernetes");
    let get = |inner: Option<&Map<String, Value>>, ik: &str, flat: &str| {
        inner
            .and_then(|x| text(x.get(ik)))
            .or_else(|| text(o.get(flat)))
    };
    let id = get(c, "id", "containerId")?;
    Some(Ctr {
        id,
        name: get(c, "name", "containerName"),
        image: get(c, "image", "containerImage"),
        image_id: get(c, "imageDigest", "containerImageDigest"),
        pod: get(k, "podName", "podName"),
        namespace: get(k, "podNamespace", "podNamespace"),
        started: None,
    })
}
