//! One story across environments, from imported data only: the person who `kubectl exec`'d
//! into a container (Kubernetes audit), what the shell did there (Tetragon), and what the
//! access key it handled did in the cloud afterwards (CloudTrail). testdata/import/cross.

use std::path::Path;

use serde_json::Value;

use crate::common::*;

fn data(rel: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/import/cross")
        .join(rel)
        .display()
        .to_string()
}

fn imported(store: &Path, args: &[&str]) {
    let mut all = vec!["import"];
    all.extend_from_slice(args);
    let o = trace(store, &all);
    assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
}

/// The container (Tetragon), the cluster's audit log and the account's CloudTrail, imported.
fn import_container_audit_and_cloud(store: &Path) {
    imported(
        store,
        &[
            &data("tetragon-web.jsonl"),
            &data("tetragon-web-exec.jsonl"),
        ],
    );
    imported(store, &["--host", "prod-eu", &data("k8s-audit.jsonl")]);
    imported(store, &[&data("cloudtrail.json")]);
}

#[test]
fn a_story_walks_from_the_person_through_the_container_to_the_cloud() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s");
    import_container_audit_and_cloud(&store);
    let e = engine(&store);
    assert_eq!(
        int(
            &e,
            "SELECT count(*) FROM api WHERE source = 'k8s-audit'",
            &[]
        ),
        3,
        "the exec's two stages are one call"
    );
    assert_eq!(
        int(
            &e,
            "SELECT count(*) FROM api WHERE source = 'cloudtrail'",
            &[]
        ),
        6
    );
    let s: Value = serde_json::from_str(&ok(trace(
        &store,
        &["story", "7d3f9e1c", "--format", "json"],
    )))
    .unwrap();
    // Kubernetes API → container: the exec is in the timeline, with who and from where.
    let timeline = s["timeline"].as_array().unwrap();
    let exec = timeline
        .iter()
        .find(|t| t["summary"].as_str().unwrap().starts_with("kubectl exec"))
        .expect("the exec in the timeline");
    assert_eq!(exec["kind"], "api_create");
    assert_eq!(
        exec["summary"],
        "kubectl exec by alice@example.com from 198.51.100.23 into web: /bin/sh [101]"
    );
    let created = timeline.iter().any(|t| {
        t["summary"]
            .as_str()
            .unwrap()
            .starts_with("create pods by system:serviceaccount:kube-system:replicaset-controller")
    });
    assert!(created, "{timeline:?}");
    // … and on the process it started: the shell, not the app's own processes.
    let procs = s["processes"].as_array().unwrap();
    let shell = procs
        .iter()
        .find(|p| p["pid"] == 5310)
        .expect("the exec'd shell");
    assert_eq!(
        shell["entry"],
        "kubectl exec by alice@example.com from 198.51.100.23"
    );
    let marked: Vec<&Value> = procs
        .iter()
        .filter(|p| p["entry"].as_str().is_some_and(|e| e.contains("alice")))
        .collect();
    assert_eq!(marked.len(), 1, "{marked:?}");
    let pivots = s["pivots"].as_array().unwrap();
    let person = pivots
        .iter()
        .find(|p| p["kind"] == "k8s_api" && p["label"] == "alice@example.com from 198.51.100.23")
        .expect("alice as a pivot");
    assert_eq!(person["host"]["host_id"], "prod-eu");
    // Container → cloud: the key in the shell's command line, then its calls, from where.
    let cloud: Vec<&Value> = pivots.iter().filter(|p| p["kind"] == "cloud_key").collect();
    assert_eq!(cloud.len(), 1, "{cloud:?}");
    let c = cloud[0];
    assert_eq!(c["label"], "arn:aws:iam::210987654321:user/shop-backup");
    assert_eq!(c["host"]["host_id"], "aws:210987654321");
    assert_eq!(c["count"], 4, "the 11:00 call came before the key was seen");
    let reason = c["reason"].as_str().unwrap();
    assert!(reason.contains("AKIA2EXAMPLEQWERTY7Z"), "{reason}");
    assert!(reason.contains("/usr/local/bin/aws"), "{reason}");
    assert!(reason.contains("from 203.0.113.50"), "{reason}");
    for op in [
        "GetCallerIdentity",
        "ListBuckets",
        "PutObject",
        "CreateUser",
    ] {
        assert!(reason.contains(op), "{reason}");
    }
    // Nothing of the unrelated person, pod or key.
    let text = s.to_string();
    for other in [
        "bob@example.com",
        "cart-6c8d9f7b5",
        "ops-bot",
        "AKIA7UNRELATEDKEY001",
    ] {
        assert!(!text.contains(other), "{other} in the story");
    }
    // The text story says the same to a person.
    let t = ok(trace(&store, &["story", "7d3f9e1c"]));
    assert!(
        t.contains("kubectl exec by alice@example.com from 198.51.100.23"),
        "{t}"
    );
    assert!(t.contains("cloud_key"), "{t}");
}

/// The HTML story of the same container in a real headless Chromium: the person and the
/// cloud account are nodes of their own kinds, linked to the processes they touched, and the
/// API calls are timeline rows of their own family.
#[test]
fn the_html_story_shows_the_person_the_cloud_account_and_the_api_calls() {
    let Some(browser) = crate::story::chromium() else {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("chromium is required in CI (apt-get install chromium)");
        }
        eprintln!("skipping: chromium is not installed");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s");
    import_container_audit_and_cloud(&store);
    let page = dir.path().join("story.html");
    ok(trace(
        &store,
        &[
            "story",
            "7d3f9e1c",
            "--format",
            "html",
            "-o",
            page.to_str().unwrap(),
        ],
    ));
    let profile = tempfile::tempdir().unwrap();
    let dom = std::process::Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--virtual-time-budget=5000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("run chromium");
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(
        dom.contains("data-rendered=\"yes\""),
        "the page script did not finish"
    );
    assert_eq!(
        dom.matches("class=\"node person\"").count(),
        2,
        "alice and the controller"
    );
    assert_eq!(dom.matches("class=\"node cloud\"").count(), 1);
    assert!(dom.contains("hop 1 k8s_api: alice@example.com from 198.51.100.23 on prod-eu"));
    assert!(dom.contains("hop 1 cloud_key: arn:aws:iam::210987654321:user/shop-backup on aws:"));
    assert_eq!(
        dom.matches("<tr class=\"api\"").count(),
        2,
        "the pod's creation and the exec"
    );
    // Three edges to pivots: each from a process (the shell, the aws command, the anchor).
    assert_eq!(dom.matches("class=\"edge pivot\"").count(), 3);
}
