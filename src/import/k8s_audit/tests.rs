use serde_json::Value;

use super::super::testing::*;
use super::super::testing::{api_of as api, extra_of as extra};
use super::*;
use crate::import::values::time_ns;
use crate::schema::{EventKind, Outcome};

const DIR: &str = "k8s-audit/falco-test-trace_files-k8s_audit";

fn files() -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(fixture(DIR))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
}

#[test]
fn a_kubectl_exec_names_who_from_where_the_pod_the_container_and_the_command() {
    let (rows, counts) = import_fixture(&K8sAudit, &format!("{DIR}/exec_pod.json"));
    assert_eq!(counts.skipped_total(), 0, "{counts:?}");
    let evs = events(&rows);
    assert_eq!(evs.len(), 1);
    let e = evs[0];
    assert_eq!(e.kind, EventKind::ApiCreate);
    assert_eq!(e.kind.ocsf_class_uid(), 6003);
    assert_eq!(
        (e.source.as_str(), e.host_id.as_str()),
        (SOURCE, DEFAULT_HOST)
    );
    assert_eq!(
        e.time,
        time_ns(&Value::from("2018-10-26T13:38:34.867116Z")).unwrap()
    );
    assert_eq!(e.process.user_name.as_deref(), Some("minikube-user"));
    assert_eq!(
        e.container_id, None,
        "an exec names a pod, not a container id"
    );
    let d = api(e);
    assert_eq!(d.operation, "create");
    assert_eq!(d.service.as_deref(), Some("kubernetes"));
    assert_eq!(d.actor_type.as_deref(), Some("user"));
    assert_eq!(d.groups, ["system:masters", "system:authenticated"]);
    assert_eq!(d.src_ip, Some("192.168.99.1".parse().unwrap()));
    assert_eq!(d.resource_type.as_deref(), Some("pods/exec"));
    assert_eq!(
        d.resource.as_deref(),
        Some("nginx-deployment-7998647bdf-phvq7")
    );
    assert_eq!(d.namespace.as_deref(), Some("default"));
    assert_eq!(d.target_container.as_deref(), Some("nginx1"));
    assert_eq!(d.outcome, Some(Outcome::Success));
    assert_eq!(d.status_code.as_deref(), Some("101"));
    assert_eq!(
        d.request_id.as_deref(),
        Some("ca1ed9f4-7bf4-4c85-81a8-1b11253d1ba6")
    );
    let x = extra(e);
    assert_eq!(x["command"], serde_json::json!(["bash"]));
    assert_eq!(x["stage"], "ResponseStarted");
    assert_eq!(x["annotations"]["authorization.k8s.io/decision"], "allow");
    assert!(
        x["requestURI"]
            .as_str()
            .unwrap()
            .contains("/exec?command=bash")
    );
}

#[test]
fn every_falco_trace_is_detected_and_each_call_is_one_row() {
    let mut kinds = std::collections::BTreeMap::new();
    let mut rows_total = 0;
    for f in files() {
        let bytes = std::fs::read(&f).unwrap();
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        if name == "fal_01_003.json" {
            // `{"kind": 0}`: the traces' deliberately invalid input.
            assert!(!K8sAudit.sniff(&bytes));
            let (rows, counts) = import_bytes(&K8sAudit, &bytes, None);
            assert!(rows.is_empty());
            assert_eq!(counts.skipped["no verb"], 1);
            continue;
        }
        assert!(K8sAudit.sniff(&bytes), "{name}");
        let (rows, counts) = import_bytes(&K8sAudit, &bytes, None);
        assert_eq!(counts.skipped_total(), 0, "{name}: {counts:?}");
        for e in events(&rows) {
            assert!(api(e).outcome.is_some(), "{name}");
            *kinds.entry(e.kind.as_str()).or_insert(0) += 1;
            rows_total += 1;
        }
    }
    assert_eq!(rows_total, 51);
    let want = [
        ("api_create", 40),
        ("api_delete", 9),
        ("api_read", 1),
        ("api_update", 1),
    ];
    assert_eq!(kinds, want.into_iter().collect());
}

#[test]
fn the_secret_a_person_created_keeps_the_tool_they_used_and_the_pod_spec_stays_in_extra() {
    let (rows, _) = import_fixture(&K8sAudit, &format!("{DIR}/create_secret.json"));
    let e = events(&rows)[0];
    let d = api(e);
    assert_eq!(d.resource_type.as_deref(), Some("secrets"));
    assert!(
        d.user_agent
            .as_deref()
            .unwrap()
            .starts_with("kubectl/v1.17.3")
    );
    assert_eq!(d.status_code.as_deref(), Some("201"));
    let (rows, _) = import_fixture(
        &K8sAudit,
        &format!("{DIR}/create_nginx_pod_privileged.json"),
    );
    let e = events(&rows)[0];
    assert_eq!(api(e).resource_type.as_deref(), Some("pods"));
    let spec = &extra(e)["requestObject"]["spec"];
    let privileged = spec["containers"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["securityContext"]["privileged"] == true);
    assert!(privileged, "{spec}");
}

/// Stages of three calls, an EventList and a forbidden read, in the shape the API server
/// logs them (audit.k8s.io/v1, as in the Kubernetes auditing docs).
const STAGES: &str = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"a-1","stage":"RequestReceived","requestURI":"/api/v1/namespaces/shop/secrets/db","verb":"get","user":{"username":"system:serviceaccount:shop:web","uid":"9f1c","groups":["system:serviceaccounts","system:authenticated"]},"sourceIPs":["10.244.1.7"],"userAgent":"curl/8.5.0","objectRef":{"resource":"secrets","namespace":"shop","name":"db","apiVersion":"v1"},"requestReceivedTimestamp":"2026-11-30T10:00:01.000100Z","stageTimestamp":"2026-11-30T10:00:01.000100Z"}
{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"a-1","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/shop/secrets/db","verb":"get","user":{"username":"system:serviceaccount:shop:web","uid":"9f1c","groups":["system:serviceaccounts","system:authenticated"]},"sourceIPs":["10.244.1.7"],"userAgent":"curl/8.5.0","objectRef":{"resource":"secrets","namespace":"shop","name":"db","apiVersion":"v1"},"responseStatus":{"metadata":{},"status":"Failure","message":"secrets \"db\" is forbidden: User \"system:serviceaccount:shop:web\" cannot get resource \"secrets\"","reason":"Forbidden","details":{"name":"db","kind":"secrets"},"code":403},"requestReceivedTimestamp":"2026-11-30T10:00:01.000100Z","stageTimestamp":"2026-11-30T10:00:01.002000Z","annotations":{"authorization.k8s.io/decision":"forbid","authorization.k8s.io/reason":""}}
{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"b-2","stage":"ResponseStarted","requestURI":"/api/v1/namespaces/shop/pods/web-7d9/exec?command=%2Fbin%2Fsh&command=-c&command=id+%3B+cat+%2Fetc%2Fshadow&container=app&stdin=true&tty=true","verb":"create","user":{"username":"alice@example.com","groups":["devs","system:authenticated"]},"impersonatedUser":{"username":"ops-admin"},"sourceIPs":["203.0.113.9","10.0.0.4"],"objectRef":{"resource":"pods","subresource":"exec","namespace":"shop","name":"web-7d9","apiVersion":"v1"},"responseStatus":{"metadata":{},"code":101},"requestReceivedTimestamp":"2026-11-30T10:02:00.000001Z","stageTimestamp":"2026-11-30T10:02:00.050000Z"}
{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"b-2","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/shop/pods/web-7d9/exec?command=%2Fbin%2Fsh&command=-c&command=id+%3B+cat+%2Fetc%2Fshadow&container=app&stdin=true&tty=true","verb":"create","user":{"username":"alice@example.com","groups":["devs","system:authenticated"]},"impersonatedUser":{"username":"ops-admin"},"sourceIPs":["203.0.113.9","10.0.0.4"],"objectRef":{"resource":"pods","subresource":"exec","namespace":"shop","name":"web-7d9","apiVersion":"v1"},"responseStatus":{"metadata":{},"code":101},"requestReceivedTimestamp":"2026-11-30T10:02:00.000001Z","stageTimestamp":"2026-11-30T10:09:31.000000Z"}
{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},"items":[{"level":"Metadata","auditID":"c-3","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/shop/pods","verb":"list","user":{"username":"bob"},"sourceIPs":["198.51.100.2"],"objectRef":{"resource":"pods","namespace":"shop","apiVersion":"v1"},"responseStatus":{"metadata":{},"code":200},"requestReceivedTimestamp":"2026-11-30T10:03:00.000000Z","stageTimestamp":"2026-11-30T10:03:00.010000Z"},{"level":"Metadata","auditID":"c-4","stage":"ResponseComplete","verb":"delete","user":{"username":"bob"}}]}
{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"d-5","stage":"RequestReceived","requestURI":"/api/v1/namespaces/shop/pods/web-7d9","verb":"delete","user":{"username":"bob"},"sourceIPs":["198.51.100.2"],"objectRef":{"resource":"pods","namespace":"shop","name":"web-7d9","apiVersion":"v1"},"requestReceivedTimestamp":"2026-11-30T10:10:00.000000Z","stageTimestamp":"2026-11-30T10:10:00.000000Z"}
"#;

#[test]
fn stages_of_one_call_give_one_row_with_its_result_and_lists_give_their_items() {
    let (rows, counts) = import_bytes(&K8sAudit, STAGES.as_bytes(), Some("prod-eu"));
    let evs = events(&rows);
    let ids: Vec<&str> = evs
        .iter()
        .map(|e| api(e).request_id.as_deref().unwrap())
        .collect();
    // The request stage of a-1 gave way to its response; d-5's response never came, so its
    // request stage is written at the end.
    assert_eq!(ids, ["a-1", "b-2", "c-3", "d-5"]);
    assert!(evs.iter().all(|e| e.host_id == "prod-eu"));
    assert_eq!(counts.unmapped[LATER_STAGE], 1, "b-2's ResponseComplete");
    assert_eq!(counts.unmapped[REQUEST_STAGE], 1, "a-1's RequestReceived");
    assert_eq!(counts.skipped["no time"], 1, "c-4 has none: {counts:?}");
    let forbidden = api(evs[0]);
    assert_eq!(evs[0].kind, EventKind::ApiRead);
    assert_eq!(forbidden.outcome, Some(Outcome::Failure));
    assert_eq!(forbidden.status_code.as_deref(), Some("403"));
    assert!(
        forbidden
            .status_detail
            .as_deref()
            .unwrap()
            .contains("forbidden")
    );
    assert_eq!(forbidden.actor_type.as_deref(), Some("serviceaccount"));
    assert_eq!(forbidden.actor_uid.as_deref(), Some("9f1c"));
    let exec = api(evs[1]);
    assert_eq!(exec.src_ip, Some("203.0.113.9".parse().unwrap()));
    assert_eq!(exec.target_container.as_deref(), Some("app"));
    let x = extra(evs[1]);
    assert_eq!(
        x["command"],
        serde_json::json!(["/bin/sh", "-c", "id ; cat /etc/shadow"])
    );
    assert_eq!(x["impersonatedUser"]["username"], "ops-admin");
    assert_eq!(
        x["sourceIPs"],
        serde_json::json!(["203.0.113.9", "10.0.0.4"])
    );
    let held = api(evs[3]);
    assert_eq!((evs[3].kind, held.outcome), (EventKind::ApiDelete, None));
    assert_eq!(counts.records, 6);
}

#[test]
fn mangled_copies_never_panic_and_every_record_is_accounted_for() {
    let mut all = Vec::new();
    for f in files() {
        all.extend(std::fs::read(&f).unwrap());
    }
    for m in mangled(&all) {
        let (rows, c) = import_bytes(&K8sAudit, &m, None);
        let skips = ["no verb", "no time", "not an audit event"];
        assert_accounted(&c, events(&rows).len() as u64, &skips, &[], "k8s audit");
    }
    for m in mangled(STAGES.as_bytes()) {
        let (_, c) = import_bytes(&K8sAudit, &m, None);
        assert!(c.records <= 6);
    }
}
