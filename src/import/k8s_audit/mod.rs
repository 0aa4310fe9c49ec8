//! Kubernetes audit logs (`audit.k8s.io` `Event` objects, v1 and v1beta1): the API server's
//! record of every call, as its log backend writes them (JSON lines) and as webhook backends
//! and `kubectl get --raw` hand them over (`EventList` objects with `items`).
//!
//! Each call becomes one row of the `api` family: who (user, groups, uid, impersonation),
//! from where (source IPs, user agent), what (verb, resource and subresource, namespace,
//! name; the container and command of a `pods/exec` or `pods/attach`), and the result (HTTP
//! status, the authorizer's decision). The request and response objects (a pod's spec, with
//! its privileges and mounts) are kept in `extra`.
//!
//! One call is logged once per stage: `RequestReceived`, then `ResponseStarted` (long-running
//! calls: exec, attach, watch) and/or `ResponseComplete` (or `Panic`). The first stage after
//! `RequestReceived` gives the row (it has the response status); later stages of the same
//! `auditID` are counted as not mapped; a `RequestReceived` whose later stages never appear
//! (an audit policy that logs only that stage, a log cut short) is written at the end.

mod map;
#[cfg(test)]
mod tests;

use std::collections::{HashMap, HashSet, VecDeque};
use std::io::BufRead;

use serde_json::Value;

use super::json::{At, each_value, first_value};
use super::{Emit, ImportError, Importer, Why};
use crate::schema::Event;

/// The importer.
pub struct K8sAudit;

/// The source name rows carry.
const SOURCE: &str = "k8s-audit";

/// The host rows are recorded on when `--host` does not name the cluster: audit events do
/// not name the cluster they come from.
pub const DEFAULT_HOST: &str = "kube-apiserver";

/// How many requests are remembered (by `auditID`) to recognise their later stages, and how
/// many `RequestReceived` stages are held back at most: stages of one call are logged within
/// its duration, so this bounds memory, not what is recognised in practice.
const REMEMBERED: usize = 65_536;

/// The not-mapped name of a later stage of a call already imported.
const LATER_STAGE: &str = "later stage of a call already imported";

/// The not-mapped name of a request stage whose later stage gave the call's row.
const REQUEST_STAGE: &str = "request stage of a call a later stage gave";

/// Whether `v` is an audit event (or a list of them).
fn is_audit(v: &Value) -> bool {
    let Some(o) = v.as_object() else { return false };
    let api = o.get("apiVersion").and_then(Value::as_str);
    match o.get("kind").and_then(Value::as_str) {
        Some("EventList") => api.is_some_and(|a| a.starts_with("audit.k8s.io")),
        Some("Event") | None => {
            o.get("auditID").is_some_and(Value::is_string)
                && o.get("verb").is_some()
                && (o.contains_key("stage") || o.contains_key("requestURI"))
        }
        Some(_) => false,
    }
}

impl Importer for K8sAudit {
    fn name(&self) -> &'static str {
        SOURCE
    }

    fn about(&self) -> &'static str {
        "Kubernetes audit logs (audit.k8s.io Event JSON lines, EventList objects)"
    }

    fn sniff(&self, head: &[u8]) -> bool {
        first_value(head).is_some_and(|v| is_audit(&v))
    }

    fn import(&self, input: &mut dyn BufRead, out: &mut Emit) -> Result<(), ImportError> {
        let mut stages = Stages::default();
        each_value(input, out, |at, v, out| {
            let Some(o) = v.as_object() else {
                return Err(super::skip("not an audit event", "not a JSON object"));
            };
            if o.get("kind").and_then(Value::as_str) == Some("EventList") {
                let items = o.get("items").and_then(Value::as_array);
                let Some(items) = items else {
                    return Err(super::skip("not an audit event", "EventList without items"));
                };
                out.hold();
                for item in items {
                    if let Err(why) = stages.take(at, item, out) {
                        // One item of a list: counted like a record of its own.
                        out.settle(at, Err(why)).map_err(Why::Fatal)?;
                    }
                }
                return Ok(());
            }
            stages.take(at, v, out)
        })?;
        stages.flush(out)
    }
}

/// The stages of calls seen so far (see the module docs).
#[derive(Default)]
struct Stages {
    /// `auditID`s whose row was written, oldest first.
    done: HashSet<String>,
    done_order: VecDeque<String>,
    /// `RequestReceived` rows held back, by `auditID`, with where their record starts.
    held: HashMap<String, (At, Event)>,
    held_order: VecDeque<String>,
}

impl Stages {
    /// Maps one audit event and writes, holds or drops its row.
    fn take(&mut self, at: At, v: &Value, out: &mut Emit) -> Result<(), Why> {
        let call = map::call(v, out)?;
        let Some(id) = call.audit_id else {
            return out.event(call.event).map_err(Why::Fatal);
        };
        if self.done.contains(&id) {
            return Err(Why::Unmapped(LATER_STAGE.to_string()));
        }
        if call.request_only {
            out.hold();
            if self.held.insert(id.clone(), (at, call.event)).is_none() {
                self.held_order.push_back(id);
            }
            if self.held.len() > REMEMBERED {
                self.release_oldest(out)?;
            }
            if self.held_order.len() > 2 * REMEMBERED {
                // Forget the ids of held stages their response replaced.
                let held = &self.held;
                self.held_order.retain(|id| held.contains_key(id));
            }
            return Ok(());
        }
        // The response stage says all the request stage did, and how it ended.
        let superseded = self.held.remove(&id).is_some();
        out.event(call.event).map_err(Why::Fatal)?;
        if superseded {
            out.unmapped(REQUEST_STAGE);
        }
        self.remember(id);
        Ok(())
    }

    fn remember(&mut self, id: String) {
        if self.done.insert(id.clone()) {
            self.done_order.push_back(id);
        }
        if self.done_order.len() > REMEMBERED
            && let Some(old) = self.done_order.pop_front()
        {
            self.done.remove(&old);
        }
    }

    /// Writes the oldest held request stage (one whose response never came).
    fn release_oldest(&mut self, out: &mut Emit) -> Result<(), Why> {
        while let Some(id) = self.held_order.pop_front() {
            if let Some((at, ev)) = self.held.remove(&id) {
                out.event_at(at, ev).map_err(Why::Fatal)?;
                self.remember(id);
                return Ok(());
            }
        }
        Ok(())
    }

    /// Writes every request stage still held, in the order they came.
    fn flush(&mut self, out: &mut Emit) -> Result<(), ImportError> {
        while !self.held.is_empty() {
            if let Err(Why::Fatal(e)) = self.release_oldest(out) {
                return Err(e);
            }
        }
        Ok(())
    }
}
