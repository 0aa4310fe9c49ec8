//! AWS CloudTrail: the record of every call made to an AWS account's APIs, in the shapes it
//! reaches a responder: the log files CloudTrail delivers to S3 (`{"Records": [...]}`,
//! usually gzipped), a bare array or JSON lines of records (exports, Athena, SIEM dumps, Stratus
//! Red Team's detonation logs), `aws cloudtrail lookup-events` output (`{"Events": [...]}`,
//! each record a JSON string in `CloudTrailEvent`), and EventBridge envelopes (the record under
//! `detail`).
//!
//! Each record becomes one row of the `api` family: the call (`eventSource`, `eventName`),
//! who made it (`userIdentity`: ARN, principal, access key, session issuer), from where
//! (`sourceIPAddress`, `userAgent`), on what (`resources`, or the well-known names in
//! `requestParameters`), in which account and region, and how it ended (`errorCode`,
//! `errorMessage`). A console sign-in is an `auth_logon`. Everything else of the record,
//! request parameters and response elements included, is kept in `extra`.

mod map;
#[cfg(test)]
mod tests;

use std::io::BufRead;

use serde_json::Value;

use super::json::{At, each_value_under, first_value_under};
use super::{Emit, ImportError, Importer, Why, skip};

/// The importer.
pub struct CloudTrail;

/// The source name rows carry.
const SOURCE: &str = "cloudtrail";

/// The keys a whole file may hold its records under.
const WRAPPERS: &[&str] = &["Records", "Events"];

/// The skip reason of a JSON record that holds no CloudTrail record.
const NOT_CLOUDTRAIL: &str = "not a CloudTrail record";

/// Whether `o` is a CloudTrail record.
fn is_record(v: &Value) -> bool {
    v.get("eventName").is_some_and(Value::is_string)
        && v.get("eventSource").is_some_and(Value::is_string)
        && (v.get("eventTime").is_some() || v.get("userIdentity").is_some())
}

/// The records `v` holds: itself, the items of a wrapper it was not unwrapped from, the
/// parsed `CloudTrailEvent` of a lookup-events item, the `detail` of an EventBridge event.
fn records(v: &Value) -> Result<Vec<Value>, Why> {
    if is_record(v) {
        return Ok(vec![v.clone()]);
    }
    if let Some(detail) = v.get("detail").filter(|d| is_record(d)) {
        return Ok(vec![detail.clone()]);
    }
    if let Some(s) = v.get("CloudTrailEvent").and_then(Value::as_str) {
        return match serde_json::from_str::<Value>(s) {
            Ok(r) if is_record(&r) => Ok(vec![r]),
            Ok(_) => Err(skip(NOT_CLOUDTRAIL, "CloudTrailEvent holds no record")),
            Err(e) => Err(skip("malformed CloudTrailEvent", e.to_string())),
        };
    }
    for key in WRAPPERS {
        if let Some(items) = v.get(*key).and_then(Value::as_array) {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                out.extend(records(item)?);
            }
            return Ok(out);
        }
    }
    Err(skip(NOT_CLOUDTRAIL, "no eventName and eventSource"))
}

impl Importer for CloudTrail {
    fn name(&self) -> &'static str {
        SOURCE
    }

    fn about(&self) -> &'static str {
        "AWS CloudTrail (S3 log files, JSON lines or arrays, lookup-events output, EventBridge)"
    }

    fn sniff(&self, head: &[u8]) -> bool {
        first_value_under(head, WRAPPERS).is_some_and(|v| records(&v).is_ok_and(|r| !r.is_empty()))
    }

    fn import(&self, input: &mut dyn BufRead, out: &mut Emit) -> Result<(), ImportError> {
        each_value_under(input, out, WRAPPERS, one)
    }
}

/// The rows of one JSON record (one CloudTrail record, or several when they came wrapped).
fn one(at: At, v: &Value, out: &mut Emit) -> Result<(), Why> {
    let recs = records(v)?;
    if recs.len() == 1 {
        let ev = map::call(&recs[0], out)?;
        return out.event(ev).map_err(Why::Fatal);
    }
    out.hold();
    for r in &recs {
        match map::call(r, out) {
            Ok(ev) => out.event(ev).map_err(Why::Fatal)?,
            // One record of a wrapper: counted like a record of its own.
            Err(why) => out.settle(at, Err(why)).map_err(Why::Fatal)?,
        }
    }
    Ok(())
}
