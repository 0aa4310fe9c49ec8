//! The api-family part of an event: a call to an orchestrator's or a cloud's API, or a login,
//! with who made it, from where, on what, and how it ended. The caller's name is the event's
//! `user_name` (OCSF `actor.user.name`), shared with the other families.

use std::net::IpAddr;

/// How a call ended, as OCSF's `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// The call succeeded.
    Success,
    /// The call was refused or failed.
    Failure,
}

impl Outcome {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
        }
    }
}

/// What an API call or login was about. Built with [`ApiDetail::call`] and by setting fields.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ApiDetail {
    /// What was called: a Kubernetes verb (`create`, `get`, …) or a CloudTrail `eventName`.
    pub operation: String,
    /// The service: `kubernetes`, or an AWS `eventSource` (`iam.amazonaws.com`).
    pub service: Option<String>,
    /// The caller's id (Kubernetes user uid, AWS principalId).
    pub actor_uid: Option<String>,
    /// The caller's type (`IAMUser`, `AssumedRole`, `serviceaccount`, …).
    pub actor_type: Option<String>,
    /// The caller's groups.
    pub groups: Vec<String>,
    /// The access key id the call was signed with.
    pub access_key: Option<String>,
    /// Where the call came from.
    pub src_ip: Option<IpAddr>,
    /// The caller's user agent.
    pub user_agent: Option<String>,
    /// The kind of object acted on (`pods`, `pods/exec`, `secrets`, an AWS resource type).
    pub resource_type: Option<String>,
    /// The object acted on (a pod or secret name, an ARN, a bucket).
    pub resource: Option<String>,
    /// The object's Kubernetes namespace.
    pub namespace: Option<String>,
    /// The container a `pods/exec` or `pods/attach` entered (its name in the pod).
    pub target_container: Option<String>,
    /// Cloud account id.
    pub cloud_account: Option<String>,
    /// Cloud region.
    pub cloud_region: Option<String>,
    /// How it ended.
    pub outcome: Option<Outcome>,
    /// HTTP status (Kubernetes) or error code (AWS).
    pub status_code: Option<String>,
    /// The reason or error message.
    pub status_detail: Option<String>,
    /// The source's own id of the call (Kubernetes auditID, CloudTrail eventID).
    pub request_id: Option<String>,
}

impl ApiDetail {
    /// A call of `operation`.
    pub fn call(operation: impl Into<String>) -> ApiDetail {
        ApiDetail {
            operation: operation.into(),
            ..Default::default()
        }
    }

    /// A rough count of the bytes the row holds (for batch sizing).
    pub fn approx_bytes(&self) -> usize {
        let o = |s: &Option<String>| s.as_ref().map_or(0, String::len);
        self.operation.len()
            + o(&self.service)
            + o(&self.actor_uid)
            + o(&self.user_agent)
            + o(&self.resource)
            + o(&self.status_detail)
            + o(&self.request_id)
            + self.groups.iter().map(|g| g.len() + 4).sum::<usize>()
            + 64
    }
}
