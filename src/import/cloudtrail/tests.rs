use serde_json::Value;

use super::super::testing::*;
use super::super::testing::{api_of as api, extra_of as extra};
use super::*;
use crate::import::values::time_ns;
use crate::schema::{Event, EventKind, Outcome};

const STRATUS: &str = "cloudtrail/stratus-red-team-detonation-logs";

fn stratus(name: &str) -> Vec<Event> {
    let (rows, counts) = import_fixture(&CloudTrail, &format!("{STRATUS}/aws.{name}.json"));
    assert_eq!(counts.skipped_total(), 0, "{name}: {counts:?}");
    events(&rows).into_iter().cloned().collect()
}

#[test]
fn a_stolen_instance_role_is_seen_making_calls_from_the_attackers_address() {
    let evs = stratus("credential-access.ec2-steal-instance-credentials");
    assert_eq!(evs.len(), 45);
    let stolen: Vec<&Event> = evs
        .iter()
        .filter(|e| api(e).access_key.as_deref() == Some("ASIAP5CT9NN8EYVU1FXV"))
        .collect();
    let ops: Vec<&str> = stolen.iter().map(|e| api(e).operation.as_str()).collect();
    assert_eq!(ops, ["GetCallerIdentity", "DescribeInstances"]);
    let e = stolen[0];
    assert_eq!(e.kind, EventKind::ApiRead);
    assert_eq!(e.source, "cloudtrail");
    assert_eq!(e.host_id, "aws:017622104382");
    assert_eq!(
        e.process.user_name.as_deref(),
        Some(
            "arn:aws:sts::017622104382:assumed-role/stratus-red-team-ec2-steal-credentials-role/i-786a3A8B5C0d92eF4"
        )
    );
    let d = api(e);
    assert_eq!(d.actor_type.as_deref(), Some("AssumedRole"));
    assert_eq!(d.service.as_deref(), Some("sts.amazonaws.com"));
    assert_eq!(d.src_ip, Some("18.236.253.47".parse().unwrap()));
    assert_eq!(d.cloud_account.as_deref(), Some("017622104382"));
    assert_eq!(d.outcome, Some(Outcome::Success));
    assert_eq!(
        e.time,
        time_ns(&Value::from("2024-08-02T08:23:55Z")).unwrap()
    );
    let x = extra(e);
    assert!(
        x["userIdentity"]["sessionContext"]["sessionIssuer"]["arn"]
            .as_str()
            .unwrap()
            .ends_with("role/stratus-red-team-ec2-steal-credentials-role")
    );
    let send = evs
        .iter()
        .find(|e| api(e).operation == "SendCommand")
        .unwrap();
    assert_eq!(send.kind, EventKind::ApiCreate);
    assert_eq!(
        api(send).access_key.as_deref(),
        Some("AKIAAM80VXLJF8NPK4VC")
    );
}

#[test]
fn persistence_and_evasion_name_what_they_acted_on_and_failures_say_why() {
    let evs = stratus("persistence.iam-create-admin-user");
    let by = |op: &str| evs.iter().find(|e| api(e).operation == op).unwrap();
    let create = by("CreateUser");
    assert_eq!(create.kind, EventKind::ApiCreate);
    assert_eq!(api(create).resource_type.as_deref(), Some("userName"));
    assert_eq!(api(create).resource.as_deref(), Some("malicious-iam-user"));
    let attach = by("AttachUserPolicy");
    assert_eq!(attach.kind, EventKind::ApiUpdate);
    assert_eq!(
        extra(attach)["requestParameters"]["policyArn"],
        "arn:aws:iam::aws:policy/AdministratorAccess"
    );
    // `075.050.255.67`, as the anonymiser wrote it: read as decimal, kept as written.
    assert_eq!(api(create).src_ip, Some("75.50.255.67".parse().unwrap()));
    assert_eq!(extra(create)["sourceIPAddress"], "075.050.255.67");
    let stop = stratus("defense-evasion.cloudtrail-stop");
    let stop = stop
        .iter()
        .find(|e| api(e).operation == "StopLogging")
        .unwrap();
    assert_eq!(stop.kind, EventKind::ApiUpdate);
    assert_eq!(
        api(stop).resource.as_deref(),
        Some("stratus-red-team-ct-stop-trail-buykxbqejv")
    );
    let mut failures = 0;
    for f in std::fs::read_dir(fixture(STRATUS)).unwrap() {
        let bytes = std::fs::read(f.unwrap().path()).unwrap();
        let (rows, _) = import_bytes(&CloudTrail, &bytes, None);
        for e in events(&rows) {
            let d = api(e);
            if d.outcome == Some(Outcome::Failure) {
                failures += 1;
                assert!(
                    d.status_code.is_some() && d.status_detail.is_some(),
                    "{d:?}"
                );
            }
        }
    }
    assert_eq!(failures, 52);
}

#[test]
fn a_console_login_without_mfa_is_a_logon() {
    let evs = stratus("initial-access.console-login-without-mfa");
    assert_eq!(evs.len(), 1);
    let e = &evs[0];
    assert_eq!(e.kind, EventKind::AuthLogon);
    assert_eq!(e.kind.ocsf_class_uid(), 3002);
    assert_eq!(api(e).outcome, Some(Outcome::Success));
    assert_eq!(extra(e)["additionalEventData"]["MFAUsed"], "No");
}

#[test]
fn every_layout_gives_the_same_rows() {
    let mut records = 0;
    let mut files = 0;
    for f in std::fs::read_dir(fixture(STRATUS)).unwrap() {
        let bytes = std::fs::read(f.unwrap().path()).unwrap();
        assert!(CloudTrail.sniff(&bytes));
        let (rows, counts) = import_bytes(&CloudTrail, &bytes, None);
        assert_eq!(counts.skipped_total(), 0, "{counts:?}");
        records += events(&rows).len();
        files += 1;
    }
    assert_eq!((files, records), (35, 310));
    // One S3 log file (`{"Records": [...]}`), tab-indented, and its huge-field twin.
    for name in [
        "falco-test-alice_start_instances.json",
        "falco-test-alice_start_instances_bigevent.json",
    ] {
        let (rows, counts) = import_fixture(&CloudTrail, &format!("cloudtrail/{name}"));
        assert_eq!(counts.skipped_total(), 0, "{name}: {counts:?}");
        let e = events(&rows)[0];
        assert_eq!(api(e).operation, "StartInstances");
        assert_eq!(api(e).resource.as_deref(), Some("i-ebeaf9e2"));
        assert_eq!(
            e.process.user_name.as_deref(),
            Some("arn:aws:iam::123456789012:user/Alice")
        );
    }
    // The same records as JSON lines, as lookup-events output, and in EventBridge envelopes.
    let bytes = std::fs::read(fixture(&format!(
        "{STRATUS}/aws.persistence.iam-create-admin-user.json"
    )))
    .unwrap();
    let recs: Vec<Value> = serde_json::from_slice(&bytes).unwrap();
    let (want, _) = import_bytes(&CloudTrail, &bytes, None);
    let lines: String = recs.iter().map(|r| format!("{r}\n")).collect();
    let lookup = serde_json::json!({"Events": recs.iter().map(|r| serde_json::json!({
        "EventId": r["eventID"], "EventName": r["eventName"], "CloudTrailEvent": r.to_string(),
    })).collect::<Vec<_>>()});
    let bridge: String = recs
        .iter()
        .map(|r| {
            let env = serde_json::json!({"version": "0", "detail-type": "AWS API Call via CloudTrail",
                "source": "aws.iam", "detail": r});
            format!("{env}\n")
        })
        .collect();
    for (what, text) in [
        ("lines", lines),
        ("lookup-events", lookup.to_string()),
        ("eventbridge", bridge),
    ] {
        assert!(CloudTrail.sniff(text.as_bytes()), "{what}");
        let (rows, counts) = import_bytes(&CloudTrail, text.as_bytes(), None);
        assert_eq!(counts.skipped_total(), 0, "{what}: {counts:?}");
        let got: Vec<_> = events(&rows)
            .iter()
            .map(|e| (e.time, e.kind, api(e).clone()))
            .collect();
        let exp: Vec<_> = events(&want)
            .iter()
            .map(|e| (e.time, e.kind, api(e).clone()))
            .collect();
        assert_eq!(got, exp, "{what}");
    }
    assert!(!CloudTrail.sniff(b"{\"kind\":\"Event\",\"auditID\":\"x\",\"verb\":\"get\"}"));
}

#[test]
fn mangled_copies_never_panic_and_every_record_is_accounted_for() {
    let mut lines = String::new();
    for f in std::fs::read_dir(fixture(STRATUS)).unwrap() {
        let bytes = std::fs::read(f.unwrap().path()).unwrap();
        let recs: Vec<Value> = serde_json::from_slice(&bytes).unwrap();
        for r in recs {
            lines.push_str(&format!("{r}\n"));
        }
    }
    for m in mangled(lines.as_bytes()) {
        let (rows, c) = import_bytes(&CloudTrail, &m, None);
        let skips = [NOT_CLOUDTRAIL, "no time"];
        assert_accounted(&c, events(&rows).len() as u64, &skips, &[], "cloudtrail");
    }
    let bytes = std::fs::read(fixture("cloudtrail/falco-test-alice_start_instances.json")).unwrap();
    for m in mangled(&bytes) {
        let _ = import_bytes(&CloudTrail, &m, None);
    }
}
