//! One CloudTrail record → one `api` row (see the module docs of [`super`]).

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use serde_json::{Map, Value};

use super::SOURCE;
use crate::import::values::{str_of, text, time_ns};
use crate::import::{Emit, Why, skip};
use crate::schema::{ApiDetail, Event, EventKind, Origin, Outcome, ProcessInfo};

/// Keys of a record mapped to columns (the rest goes to `extra`).
const MAPPED: &[&str] = &[
    "eventTime",
    "eventSource",
    "eventName",
    "awsRegion",
    "userAgent",
    "errorCode",
    "errorMessage",
    "eventID",
    "recipientAccountId",
];

/// Keys of `userIdentity` mapped to columns.
const IDENTITY_MAPPED: &[&str] = &["type", "principalId", "arn", "accessKeyId"];

/// `requestParameters` keys that name the object a call acts on, most telling first.
const RESOURCE_KEYS: &[&str] = &[
    "secretId",
    "userName",
    "roleName",
    "groupName",
    "roleArn",
    "policyArn",
    "functionName",
    "bucketName",
    "trailName",
    "name",
    "keyId",
    "instanceId",
    "snapshotId",
    "imageId",
    "dbSnapshotIdentifier",
    "logGroupName",
    "documentName",
    "commandId",
    "modelId",
    "target",
    "groupId",
];

/// The activity of a call by its name: the verb CloudTrail names start with.
fn kind_of(name: &str, read_only: Option<bool>) -> EventKind {
    const CREATE: &[&str] = &[
        "Create", "Run", "Put", "Start", "Register", "Import", "Allocate", "Add", "Issue",
        "Invoke", "Send", "Copy", "Generate", "Request", "Upload", "Publish", "Assume",
    ];
    const DELETE: &[&str] = &[
        "Delete",
        "Terminate",
        "Remove",
        "Deregister",
        "Revoke",
        "Detach",
        "Disassociate",
        "Release",
        "Leave",
    ];
    const UPDATE: &[&str] = &[
        "Update",
        "Modify",
        "Attach",
        "Set",
        "Enable",
        "Associate",
        "Change",
        "Reset",
        "Replace",
        "Tag",
        "Untag",
        "Authorize",
        "Restore",
        "Reboot",
        "Rotate",
        "Apply",
        "Stop",
        "Disable",
        "Cancel",
    ];
    const READ: &[&str] = &[
        "Get", "List", "Describe", "Lookup", "Head", "Search", "Select", "Scan", "Query",
        "BatchGet", "Decrypt", "Download", "Test",
    ];
    let starts = |verbs: &[&str]| verbs.iter().any(|v| name.starts_with(v));
    if name == "ConsoleLogin" || name == "CheckMfa" {
        EventKind::AuthLogon
    } else if name == "ConsoleLogout" {
        EventKind::AuthLogoff
    } else if read_only == Some(true) || starts(READ) {
        EventKind::ApiRead
    } else if starts(CREATE) {
        EventKind::ApiCreate
    } else if starts(DELETE) {
        EventKind::ApiDelete
    } else if starts(UPDATE) {
        EventKind::ApiUpdate
    } else {
        EventKind::ApiOther
    }
}

/// An address as CloudTrail writes it; dotted quads with leading zeros (`225.01.00.16`, as
/// anonymised logs write them) are read as decimal. A service name
/// (`ec2.amazonaws.com`, `AWS Internal`) is none.
fn address(s: &str) -> Option<IpAddr> {
    if let Ok(ip) = s.parse() {
        return Some(ip);
    }
    let parts: Vec<u8> = s
        .split('.')
        .map(|p| {
            if (1..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()) {
                p.parse().ok()
            } else {
                None
            }
        })
        .collect::<Option<_>>()?;
    let [a, b, c, d] = parts[..] else { return None };
    Some(IpAddr::V4(Ipv4Addr::new(a, b, c, d)))
}

/// The object a call acted on: its first listed resource, else a name in its parameters.
fn resource(o: &Map<String, Value>) -> (Option<String>, Option<String>) {
    let first = o
        .get("resources")
        .and_then(Value::as_array)
        .and_then(|r| r.first())
        .and_then(Value::as_object);
    if let Some(r) = first
        && let Some(arn) = str_of(r, "ARN").or_else(|| str_of(r, "arn"))
    {
        return (str_of(r, "type").map(str::to_string), Some(arn.to_string()));
    }
    let Some(params) = o.get("requestParameters").and_then(Value::as_object) else {
        return (None, None);
    };
    let named = RESOURCE_KEYS
        .iter()
        .find_map(|k| text(params.get(*k)).map(|v| (k.to_string(), v)));
    if let Some((k, v)) = named {
        return (Some(k), Some(v));
    }
    // EC2's `instancesSet: {items: [{instanceId}]}` and `instanceIds: [..]`.
    let instance = params
        .get("instancesSet")
        .and_then(|s| s.get("items"))
        .and_then(|i| i.get(0))
        .and_then(|i| text(i.get("instanceId")))
        .or_else(|| text(params.get("instanceIds").and_then(|i| i.get(0))));
    (
        instance.as_ref().map(|_| "instanceId".to_string()),
        instance,
    )
}

/// The caller's name: the ARN (it says user, role and session), else the names CloudTrail
/// gives when there is none (a service, an anonymous or federated caller).
fn caller(id: Option<&Map<String, Value>>) -> Option<String> {
    let id = id?;
    str_of(id, "arn")
        .or_else(|| str_of(id, "userName"))
        .or_else(|| str_of(id, "invokedBy"))
        .or_else(|| str_of(id, "principalId"))
        .or_else(|| str_of(id, "type"))
        .map(str::to_string)
}

/// The row of one record.
pub(super) fn call(r: &Value, out: &Emit) -> Result<Event, Why> {
    let Some(o) = r.as_object() else {
        return Err(skip(super::NOT_CLOUDTRAIL, "not a JSON object"));
    };
    let Some(name) = str_of(o, "eventName") else {
        return Err(skip(super::NOT_CLOUDTRAIL, "no eventName"));
    };
    let Some(time) = o.get("eventTime").and_then(time_ns) else {
        return Err(skip("no time", format!("{name} without a valid eventTime")));
    };
    let id = o.get("userIdentity").and_then(Value::as_object);
    let account = str_of(o, "recipientAccountId")
        .or_else(|| id.and_then(|i| str_of(i, "accountId")))
        .map(str::to_string);
    let host = out
        .host_of(None)
        .unwrap_or_else(|| format!("aws:{}", account.as_deref().unwrap_or("unknown")));
    let mut extra = Map::new();
    for (k, x) in o {
        if !MAPPED.contains(&k.as_str()) && k != "userIdentity" && !x.is_null() {
            extra.insert(k.clone(), x.clone());
        }
    }
    if let Some(i) = id {
        let rest: Map<String, Value> = i
            .iter()
            .filter(|(k, _)| !IDENTITY_MAPPED.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if !rest.is_empty() {
            extra.insert("userIdentity".into(), rest.into());
        }
    }
    let raw_ip = str_of(o, "sourceIPAddress");
    let src_ip = raw_ip.and_then(address);
    if raw_ip.is_some_and(|s| src_ip.is_some_and(|ip| ip.to_string() == s)) {
        extra.remove("sourceIPAddress");
    }
    let error = str_of(o, "errorCode").map(str::to_string);
    let login = o
        .get("responseElements")
        .and_then(|r| r.get("ConsoleLogin"))
        .and_then(Value::as_str);
    let outcome = if error.is_some() || login == Some("Failure") {
        Outcome::Failure
    } else {
        Outcome::Success
    };
    let (resource_type, resource) = resource(o);
    let read_only = o.get("readOnly").and_then(|v| match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) => s.parse().ok(),
        _ => None,
    });
    let d = ApiDetail {
        operation: name.to_string(),
        service: text(o.get("eventSource")),
        actor_uid: id.and_then(|i| text(i.get("principalId"))),
        actor_type: id.and_then(|i| text(i.get("type"))),
        access_key: id.and_then(|i| text(i.get("accessKeyId"))),
        src_ip,
        user_agent: text(o.get("userAgent")),
        resource_type,
        resource,
        cloud_account: account,
        cloud_region: text(o.get("awsRegion")),
        outcome: Some(outcome),
        status_code: error,
        status_detail: text(o.get("errorMessage")),
        request_id: text(o.get("eventID")),
        ..Default::default()
    };
    let process = Arc::new(ProcessInfo {
        user_name: caller(id),
        ..Default::default()
    });
    Ok(Origin::new(&host, None, SOURCE)
        .api(time, kind_of(name, read_only), None, process, d)
        .with_extra(Some(extra)))
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn names_say_the_activity_and_addresses_survive_anonymisers() {
        assert_eq!(kind_of("CreateUser", None), EventKind::ApiCreate);
        assert_eq!(kind_of("GetSecretValue", Some(true)), EventKind::ApiRead);
        assert_eq!(kind_of("DescribeInstances", None), EventKind::ApiRead);
        assert_eq!(kind_of("DeleteTrail", Some(false)), EventKind::ApiDelete);
        assert_eq!(kind_of("StopLogging", Some(false)), EventKind::ApiUpdate);
        assert_eq!(
            kind_of("PutEventSelectors", Some(false)),
            EventKind::ApiCreate
        );
        assert_eq!(
            kind_of("AttachUserPolicy", Some(false)),
            EventKind::ApiUpdate
        );
        assert_eq!(kind_of("ConsoleLogin", Some(false)), EventKind::AuthLogon);
        assert_eq!(
            kind_of("SharedSnapshotVolumeCreated", None),
            EventKind::ApiOther
        );
        assert_eq!(address("225.01.00.16"), Some("225.1.0.16".parse().unwrap()));
        assert_eq!(address("2001:db8::1"), Some("2001:db8::1".parse().unwrap()));
        assert_eq!(address("ec2.amazonaws.com"), None);
        assert_eq!(address("AWS Internal"), None);
        assert_eq!(address("1.2.3.999"), None);
    }
}
