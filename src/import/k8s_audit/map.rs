//! One audit event → one `api` row (see the module docs of [`super`]).

use std::sync::Arc;

use serde_json::{Map, Value};

use super::{DEFAULT_HOST, SOURCE};
use crate::import::values::{query_pairs, str_of, text, time_ns};
use crate::import::{Emit, Why, skip};
use crate::schema::{ApiDetail, Event, EventKind, Origin, Outcome, ProcessInfo};

/// An audit event mapped: its row, its `auditID`, and whether it is only the request stage.
pub(super) struct Call {
    pub event: Event,
    pub audit_id: Option<String>,
    pub request_only: bool,
}

/// Keys mapped to columns (the rest of the event goes to `extra`).
const MAPPED: &[&str] = &[
    "kind",
    "apiVersion",
    "auditID",
    "verb",
    "user",
    "sourceIPs",
    "userAgent",
    "objectRef",
    "responseStatus",
    "requestReceivedTimestamp",
    "stageTimestamp",
    "timestamp",
];

/// The activity of a Kubernetes verb.
fn kind_of(verb: &str) -> EventKind {
    match verb {
        "create" => EventKind::ApiCreate,
        "get" | "list" | "watch" => EventKind::ApiRead,
        "update" | "patch" => EventKind::ApiUpdate,
        "delete" | "deletecollection" => EventKind::ApiDelete,
        _ => EventKind::ApiOther,
    }
}

/// The caller's kind, by the name the API server gave it.
fn actor_type(user: &str) -> &'static str {
    if user.starts_with("system:serviceaccount:") {
        "serviceaccount"
    } else if user.starts_with("system:node:") {
        "node"
    } else if user == "system:anonymous" {
        "anonymous"
    } else if user.starts_with("system:") {
        "system"
    } else {
        "user"
    }
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|x| text(Some(x))).collect())
        .unwrap_or_default()
}

/// The row of one audit event.
pub(super) fn call(v: &Value, out: &Emit) -> Result<Call, Why> {
    let Some(o) = v.as_object() else {
        return Err(skip("not an audit event", "not a JSON object"));
    };
    let Some(verb) = str_of(o, "verb") else {
        return Err(skip("no verb", "an audit event without `verb`"));
    };
    let time = ["requestReceivedTimestamp", "timestamp", "stageTimestamp"]
        .iter()
        .find_map(|k| o.get(*k).and_then(time_ns));
    let Some(time) = time else {
        return Err(skip("no time", "no requestReceivedTimestamp or timestamp"));
    };
    let host = out
        .host_of(None)
        .unwrap_or_else(|| DEFAULT_HOST.to_string());
    let user = o.get("user").and_then(Value::as_object);
    let name = user.and_then(|u| str_of(u, "username"));
    let obj = o.get("objectRef").and_then(Value::as_object);
    let resource = obj.and_then(|r| str_of(r, "resource"));
    let sub = obj.and_then(|r| str_of(r, "subresource"));
    let mut extra = Map::new();
    for (k, x) in o {
        if !MAPPED.contains(&k.as_str()) && !x.is_null() {
            extra.insert(k.clone(), x.clone());
        }
    }
    let ips = strings(o.get("sourceIPs"));
    if ips.len() > 1 {
        extra.insert("sourceIPs".into(), ips.clone().into());
    }
    if let Some(u) = user {
        for (k, x) in u {
            if !matches!(k.as_str(), "username" | "uid" | "groups") {
                extra.insert(format!("user.{k}"), x.clone());
            }
        }
    }
    if let Some(r) = obj {
        for k in ["apiGroup", "apiVersion", "uid", "resourceVersion"] {
            if let Some(x) = r.get(k).filter(|x| !x.is_null()) {
                extra.insert(format!("objectRef.{k}"), x.clone());
            }
        }
    }
    // `…/pods/NAME/exec?command=sh&command=-c&container=app`: what was run, and where.
    let query = str_of(o, "requestURI")
        .and_then(|u| u.split_once('?'))
        .map(|(_, q)| query_pairs(q))
        .unwrap_or_default();
    let param = |k: &str| query.iter().find(|(q, _)| q == k).map(|(_, v)| v.clone());
    let command: Vec<Value> = query
        .iter()
        .filter(|(q, _)| q == "command")
        .map(|(_, v)| v.clone().into())
        .collect();
    if !command.is_empty() {
        extra.insert("command".into(), command.into());
    }
    let status = o.get("responseStatus").and_then(Value::as_object);
    let code = status.and_then(|s| s.get("code")).and_then(|c| c.as_i64());
    let decision = o
        .get("annotations")
        .and_then(|a| a.get("authorization.k8s.io/decision"))
        .and_then(Value::as_str);
    let outcome = match (code, decision) {
        (Some(c), _) if c >= 400 => Some(Outcome::Failure),
        (_, Some("forbid")) => Some(Outcome::Failure),
        (Some(_), _) => Some(Outcome::Success),
        _ => None,
    };
    if let Some(s) = status {
        for (k, x) in s {
            if !matches!(k.as_str(), "code" | "message" | "reason" | "metadata") {
                extra.insert(format!("responseStatus.{k}"), x.clone());
            }
        }
    }
    let detail = status
        .and_then(|s| str_of(s, "message").or_else(|| str_of(s, "reason")))
        .map(str::to_string);
    let d = ApiDetail {
        operation: verb.to_string(),
        service: Some("kubernetes".to_string()),
        actor_uid: user.and_then(|u| text(u.get("uid"))),
        actor_type: name.map(|n| actor_type(n).to_string()),
        groups: strings(user.and_then(|u| u.get("groups"))),
        src_ip: ips.iter().find_map(|ip| ip.parse().ok()),
        user_agent: text(o.get("userAgent")),
        resource_type: resource.map(|r| match sub {
            Some(s) => format!("{r}/{s}"),
            None => r.to_string(),
        }),
        resource: obj.and_then(|r| text(r.get("name"))),
        namespace: obj.and_then(|r| text(r.get("namespace"))),
        target_container: param("container"),
        outcome,
        status_code: code.map(|c| c.to_string()),
        status_detail: detail,
        request_id: text(o.get("auditID")),
        ..Default::default()
    };
    let process = Arc::new(ProcessInfo {
        user_name: name.map(str::to_string),
        ..Default::default()
    });
    let stage = str_of(o, "stage");
    let event = Origin::new(&host, None, SOURCE)
        .api(time, kind_of(verb), None, process, d)
        .with_extra(Some(extra));
    Ok(Call {
        event,
        audit_id: text(o.get("auditID")),
        request_only: stage == Some("RequestReceived"),
    })
}
