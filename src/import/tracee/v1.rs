//! Tracee's v1beta1 event structure (the protobuf `Event` as JSON, `tracee --output json`
//! since the new event structure): `timestamp` (RFC 3339 or `{seconds, nanos}`), `name`,
//! `workload.process` (`executable.path`, `unique_id`, `host_pid`, `pid`, `real_user.id`,
//! `thread{start_time, name, unique_id, host_tid, tid, syscall}`, `ancestors[]`),
//! `workload.container`, `workload.k8s`, `data[]` of `{name, <type>: value}`, `threat`.
//! Numbers may be wrapped (`{"value": 1}`). The structure names no host: `--host` does.

use serde_json::{Map, Value};

use super::super::values::text;
use super::rec::{Ctr, EPOCH_FLOOR, Rec, num, obj, raw_ns, str_of, threat};

/// Top-level keys mapped to columns (the rest go to `extra`).
const MAPPED: &[&str] = &["timestamp", "name", "workload", "data", "threat"];

/// Whether `o` is a v1beta1 event.
pub fn is_v1(o: &Map<String, Value>) -> bool {
    o.get("name").is_some_and(Value::is_string)
        && o.contains_key("timestamp")
        && (obj(o, "workload").is_some_and(|w| w.contains_key("process"))
            || (o.get("data").is_some_and(Value::is_array) && obj(o, "policies").is_some()))
}

/// The value of one `data` item: the one key beside `name` (`str`, `int32`, `sockaddr`,
/// `str_array` unwrapped from its `value`, …).
fn datum(d: &Map<String, Value>) -> Value {
    let Some((_, v)) = d.iter().find(|(k, _)| k.as_str() != "name") else {
        return Value::Null;
    };
    match v {
        Value::Object(w) if w.len() == 1 && w.contains_key("value") => w["value"].clone(),
        v => v.clone(),
    }
}

/// The event `o` read.
pub fn read(o: &Map<String, Value>) -> Result<Rec, (&'static str, String)> {
    let Some(name) = str_of(o, "name") else {
        return Err(("not a Tracee event", "no name".into()));
    };
    let Some(time) = raw_ns(o.get("timestamp")).filter(|t| *t >= EPOCH_FLOOR) else {
        return Err(("no time", format!("{name} without a timestamp")));
    };
    let w = obj(o, "workload");
    let p = w.and_then(|w| obj(w, "process"));
    let t = p.and_then(|p| obj(p, "thread"));
    let pget = |k: &str| p.and_then(|p| p.get(k));
    let tget = |k: &str| t.and_then(|t| t.get(k));
    let parent = pget("ancestors")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .and_then(Value::as_object);
    let mut rec = Rec {
        time,
        name: name.to_string(),
        pid: num(pget("host_pid")).or_else(|| num(pget("pid"))),
        tid: num(tget("host_tid")).or_else(|| num(tget("tid"))),
        ppid: parent.and_then(|a| num(a.get("host_pid")).or_else(|| num(a.get("pid")))),
        uid: pget("real_user")
            .and_then(Value::as_object)
            .and_then(|u| num(u.get("id"))),
        comm: text(tget("name")),
        exe: pget("executable")
            .and_then(Value::as_object)
            .and_then(|e| text(e.get("path"))),
        thread_start: raw_ns(tget("start_time")),
        parent_entity: parent
            .and_then(|a| num::<i64>(a.get("unique_id")))
            .map(|i| i as u64),
        ctr: container(w),
        ..Default::default()
    };
    // The process' own id, or its leader thread's (the same id in Tracee).
    rec.entity = num::<i64>(pget("unique_id"))
        .or_else(|| rec.leader().then(|| num(tget("unique_id")))?)
        .map(|i| i as u64);
    for d in o
        .get("data")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(d) = d.as_object()
            && let Some(n) = str_of(d, "name")
        {
            rec.args.insert(n.to_string(), datum(d));
        }
    }
    if let Some(th) = obj(o, "threat") {
        rec.finding = Some(threat(th, name));
        if let Some(props) = th.get("properties") {
            rec.extra.insert("threat.properties".into(), props.clone());
        }
    }
    let ns = |k: &str, v: Option<&Value>| num::<i64>(v).map(|n| (k.to_string(), n));
    let kept = [
        ns("ns_pid", pget("pid")),
        ns("ns_tid", tget("tid")),
        ns("ns_ppid", parent.and_then(|a| a.get("pid"))),
        ns("thread_unique_id", tget("unique_id")),
    ];
    rec.extra
        .extend(kept.into_iter().flatten().map(|(k, n)| (k, n.into())));
    for k in ["syscall", "compat", "user_stack_trace"] {
        if let Some(v) = tget(k) {
            rec.extra.insert(k.to_string(), v.clone());
        }
    }
    if let Some(a) = pget("ancestors")
        .and_then(Value::as_array)
        .filter(|a| a.len() > 1)
    {
        rec.extra
            .insert("ancestors".into(), Value::Array(a[1..].to_vec()));
    }
    for (k, v) in o {
        if !MAPPED.contains(&k.as_str()) && !v.is_null() {
            rec.extra.insert(k.clone(), v.clone());
        }
    }
    Ok(rec)
}

/// The container of `workload`: `container{id, name, image{name, id}, started}` and
/// `k8s{pod{name}, namespace{name}}`.
fn container(w: Option<&Map<String, Value>>) -> Option<Ctr> {
    let c = w.and_then(|w| obj(w, "container"))?;
    let k = w.and_then(|w| obj(w, "k8s"));
    let image = obj(c, "image");
    let named = |o: Option<&Map<String, Value>>, k: &str| {
        o.and_then(|o| obj(o, k)).and_then(|x| text(x.get("name")))
    };
    Some(Ctr {
        id: text(c.get("id"))?,
        name: text(c.get("name")),
        image: image.and_then(|i| text(i.get("name"))),
        image_id: image.and_then(|i| text(i.get("id"))),
        pod: named(k, "pod"),
        namespace: named(k, "namespace"),
        started: raw_ns(c.get("started")).filter(|t| *t >= EPOCH_FLOOR),
    })
}
