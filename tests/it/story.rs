//! `trace story` on the demo intrusion: every ground-truth step of the exploited container,
//! its lineage, files, connections, the pivots to the second container, the server and the
//! laptop with their reasons, and nothing from unrelated containers.

use serde_json::Value as J;
use trace::demo::truth::{self, Day};

use crate::common::*;

fn story_json(args: &[&str]) -> J {
    let mut a = vec!["story", "--format", "json"];
    a.extend_from_slice(args);
    serde_json::from_str(&ok(trace(demo_store(), &a))).expect("story JSON")
}

fn web() -> &'static J {
    static S: std::sync::OnceLock<J> = std::sync::OnceLock::new();
    S.get_or_init(|| story_json(&["3f2a9c"]))
}

fn pivots_to(s: &J, pred: impl Fn(&J) -> bool) -> Vec<&J> {
    s["pivots"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| pred(p))
        .collect()
}

#[test]
fn the_web_story_has_every_ground_truth_step_of_its_container() {
    let s = web();
    assert_eq!(s["format"], "trace.story/1");
    assert_eq!(s["subject"]["id"], truth::WEB_CONTAINER_ID);
    let tl = s["timeline"].as_array().unwrap();
    for step in truth::STEPS
        .iter()
        .filter(|s| s.container == Some(truth::WEB_CONTAINER_ID))
    {
        let found = tl.iter().any(|e| {
            e["kind"] == step.kind
                && match step.kind {
                    k if k.starts_with("process_") => e["exe"] == step.subject,
                    "finding" => e["summary"].as_str().unwrap().contains(step.subject),
                    k if k.starts_with("file_") => {
                        e["summary"].as_str().unwrap().starts_with(step.subject)
                    }
                    _ => e["summary"].as_str().unwrap().contains(step.subject),
                }
        });
        assert!(found, "missing step {step:?}");
        assert_eq!(step.day, Day::Attack);
    }
    let c = &s["container"];
    assert_eq!(c["image"], truth::WEB_IMAGE);
    assert_eq!(c["pod"], truth::WEB_POD);
    assert_eq!(c["removed"], true);
    assert_eq!(c["exit_code"], 137);
}

#[test]
fn the_process_tree_reaches_into_the_host_and_marks_drift() {
    let procs = web()["processes"].as_array().unwrap();
    let find = |exe: &'static str| procs.iter().find(move |p| p["exe"] == exe);
    let implant = find(truth::DROPPER_PATH).expect("implant");
    assert_eq!(implant["drift"], true);
    assert_eq!(implant["inside"], true);
    let entry = procs
        .iter()
        .find(|p| p["entry"] == "entrypoint")
        .expect("entrypoint");
    assert_eq!(entry["exe"], "/usr/local/bin/python3.12");
    for host_exe in [
        "/usr/bin/containerd-shim-runc-v2",
        "/usr/bin/containerd",
        "/usr/lib/systemd/systemd",
    ] {
        let p = find(host_exe).unwrap_or_else(|| panic!("{host_exe} in lineage"));
        assert_eq!(p["inside"], false);
        assert!(p["container_id"].is_null());
    }
    // Parent keys chain the implant to the entrypoint.
    let by_key = |k: &J| procs.iter().find(|p| p["key"] == *k);
    let mut p = implant;
    let mut hops = 0;
    while p["key"] != entry["key"] {
        p = by_key(&p["parent_key"]).expect("parent in the tree");
        hops += 1;
        assert!(hops < 10);
    }
    assert_eq!(hops, 3, "implant <- sh -c <- worker <- entrypoint");
}

#[test]
fn files_and_connections_are_grouped_and_resolved() {
    let s = web();
    let files: Vec<&J> = s["files"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| d["files"].as_array().unwrap())
        .collect();
    let kw = files
        .iter()
        .find(|f| f["path"] == truth::DROPPER_PATH)
        .expect("dropper");
    assert_eq!(kw["executed"], true);
    assert_eq!(kw["sha256"], truth::DROPPER_SHA256);
    let kinds: Vec<&str> = kw["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "file_create",
            "file_write_close",
            "file_chmod",
            "file_unlink"
        ]
    );
    let conns = s["connections"].as_array().unwrap();
    for port in [8000, 4444] {
        assert!(
            conns.iter().any(|c| c["direction"] == "outbound"
                && c["remote_ip"] == truth::ATTACKER_IP
                && c["port"] == port),
            "outbound to the attacker on {port}"
        );
    }
    let ingress = conns
        .iter()
        .find(|c| c["direction"] == "inbound" && c["remote_ip"] == truth::INGRESS_IP)
        .expect("the exploit request from the ingress");
    assert!(
        ingress["far_end"]
            .as_str()
            .unwrap()
            .contains("ingress-nginx"),
        "{ingress}"
    );
    let probes = conns
        .iter()
        .find(|c| c["remote_ip"] == "10.10.1.11")
        .expect("kubelet probes");
    assert!(probes["count"].as_u64().unwrap() > 400);
    assert_eq!(probes["far_end"], "host k8s-node-1");
}

#[test]
fn pivots_reach_the_second_container_the_server_and_the_laptop_with_reasons() {
    let s = web();
    let pay = pivots_to(s, |p| {
        p["container_id"] == truth::PAY_CONTAINER_ID && p["kind"] == "mention"
    });
    assert_eq!(pay.len(), 1);
    assert_eq!(pay[0]["hop"], 1);
    assert!(pay[0]["reason"].as_str().unwrap().contains(truth::PAY_POD));

    let db: Vec<&J> = pivots_to(s, |p| p["host"]["hostname"] == "db-01");
    let kinds: Vec<&str> = db.iter().map(|p| p["kind"].as_str().unwrap()).collect();
    for k in ["remote_ip", "file_hash", "flow"] {
        assert!(kinds.contains(&k), "db-01 via {k}: {kinds:?}");
    }
    let hash = db.iter().find(|p| p["kind"] == "file_hash").unwrap();
    assert!(
        hash["reason"]
            .as_str()
            .unwrap()
            .contains(&truth::DROPPER_SHA256[..12])
    );
    let ssh = db
        .iter()
        .find(|p| p["kind"] == "flow" && p["reason"].as_str().unwrap().contains(":22"))
        .expect("ssh flow");
    assert_eq!(ssh["hop"], 2, "found from the payments container");

    let laptop = pivots_to(s, |p| p["host"]["hostname"] == "alice-laptop");
    let ip = laptop
        .iter()
        .find(|p| p["kind"] == "remote_ip")
        .expect("laptop by address");
    assert_eq!(ip["hop"], 1);
    assert!(ip["reason"].as_str().unwrap().contains(truth::ATTACKER_IP));
    let user = laptop
        .iter()
        .find(|p| p["kind"] == "user")
        .expect("laptop by user");
    assert!(user["reason"].as_str().unwrap().contains("alice"));
}

#[test]
fn nothing_from_unrelated_containers() {
    let s = web();
    for p in s["processes"].as_array().unwrap() {
        assert!(
            p["container_id"].is_null() || p["container_id"] == truth::WEB_CONTAINER_ID,
            "{p}"
        );
    }
    let allowed = [truth::INGRESS_CONTAINER_ID, truth::PAY_CONTAINER_ID];
    for p in s["pivots"].as_array().unwrap() {
        if p["kind"] == "same_image" {
            continue;
        }
        if let Some(c) = p["container_id"].as_str() {
            assert!(allowed.contains(&c), "unrelated container in pivots: {p}");
        }
    }
    // Context: other replicas of the same image are listed as such, never as links.
    assert!(!pivots_to(s, |p| p["kind"] == "same_image").is_empty());
}

#[test]
fn the_loss_during_the_attack_shows_as_a_gap() {
    let gaps = web()["gaps"].as_array().unwrap();
    assert!(
        gaps.iter()
            .any(|g| g["host"]["hostname"] == "k8s-node-2" && g["events_lost"] == 3),
        "{gaps:?}"
    );
}

#[test]
fn a_story_can_start_from_a_host_process() {
    let e = engine(demo_store());
    let pid = scalar(
        &e,
        "SELECT pid FROM process WHERE exe = '/bin/bash' AND user_name = 'alice'
           AND host_id = (SELECT host_id FROM hosts WHERE hostname = 'db-01')",
        &[],
    );
    let s = story_json(&["--host", "db-01", "--pid", &pid, "--depth", "1"]);
    assert_eq!(s["subject"]["kind"], "process");
    let exes: Vec<&str> = s["processes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["exe"].as_str())
        .collect();
    for x in [
        "/usr/lib/postgresql/15/bin/pg_dump",
        "/usr/bin/tar",
        "/usr/bin/crontab",
        "/usr/sbin/sshd",
    ] {
        assert!(exes.contains(&x), "{x} in {exes:?}");
    }
    let web = pivots_to(&s, |p| {
        p["kind"] == "remote_ip" && p["container_id"] == truth::WEB_CONTAINER_ID
    });
    assert_eq!(
        web.len(),
        1,
        "the web container reached the same outside address"
    );
}

#[test]
fn text_formats_are_stable() {
    let store = demo_store();
    let tree = ok(trace(
        store,
        &["story", truth::PAY_CONTAINER_ID, "--depth", "1"],
    ));
    assert!(!tree.contains('\u{1b}'), "no colours when not a terminal");
    insta::assert_snapshot!("story_payments_tree", tree);
    let md = ok(trace(
        store,
        &["story", "8c41d0", "--depth", "1", "--format", "md"],
    ));
    insta::assert_snapshot!("story_payments_md", md);
    for format in ["table", "dot", "json"] {
        let text = ok(trace(
            store,
            &[
                "story",
                "8c41d0",
                "--depth",
                "1",
                "--since",
                "2026-10-03T14:00:00Z",
                "--format",
                format,
            ],
        ));
        insta::assert_snapshot!(format!("story_payments_{format}"), text);
    }
}

#[test]
fn unknown_and_ambiguous_ids_explain_themselves() {
    let o = trace(demo_store(), &["story", "3f2a9cffff"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("similar id") && stderr(&o).contains("the store covers"),
        "{}",
        stderr(&o)
    );
    let o = trace(demo_store(), &["story", "a"]);
    assert!(stderr(&o).contains("is ambiguous"), "{}", stderr(&o));
}

pub(crate) fn chromium() -> Option<&'static str> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
}

/// The HTML story in a real headless Chromium: the script runs, the graph has the known
/// nodes, the timeline has every event, and a screenshot is saved for people to look at.
#[test]
fn html_story_renders_in_a_real_browser() {
    let Some(browser) = chromium() else {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("chromium is required in CI (apt-get install chromium)");
        }
        eprintln!("skipping: chromium is not installed");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("story.html");
    ok(trace(
        demo_store(),
        &[
            "story",
            "3f2a9c",
            "--format",
            "html",
            "-o",
            page.to_str().unwrap(),
        ],
    ));
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(
        html.contains("default-src 'none'"),
        "no fetches allowed by the page's policy"
    );
    for attr in ["src=\"http", "href=\"http", "src='http", "@import"] {
        assert!(
            !html.contains(attr),
            "the page must not load anything: {attr}"
        );
    }
    let profile = tempfile::tempdir().unwrap();
    let flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--virtual-time-budget=5000",
    ];
    let url = format!("file://{}", page.display());
    let dom = std::process::Command::new(browser)
        .args(flags)
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .expect("run chromium");
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(
        dom.contains("data-rendered=\"yes\""),
        "the page script did not finish"
    );
    let s = web();
    let implant = s["processes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["exe"] == truth::DROPPER_PATH)
        .unwrap();
    let key = implant["key"].as_str().unwrap();
    assert!(
        dom.contains(&format!("data-node=\"proc:{key}\"")),
        "implant node in the graph"
    );
    assert!(
        dom.contains("data-node=\"peer:203.0.113.66\""),
        "attacker peer in the graph"
    );
    let pivots = dom.matches("data-node=\"pivot:").count();
    assert_eq!(pivots, s["pivots"].as_array().unwrap().len());
    let rows = dom.matches("<tr class=\"").count();
    assert_eq!(
        rows,
        s["timeline"].as_array().unwrap().len(),
        "every event in the timeline"
    );
    assert!(dom.contains("EXECUTED AFTER WRITE"));
    let shot = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("story-3f2a9c.png");
    let _ = std::fs::remove_file(&shot);
    let status = std::process::Command::new(browser)
        .args(flags)
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--window-size=1500,1100")
        .arg(format!("--screenshot={}", shot.display()))
        .arg(&url)
        .output()
        .expect("screenshot");
    assert!(status.status.success());
    let size = std::fs::metadata(&shot).map(|m| m.len()).unwrap_or(0);
    assert!(
        size > 20_000,
        "screenshot {} is {size} bytes",
        shot.display()
    );
}

#[test]
fn dot_output_is_a_graph_of_the_story() {
    let dot = ok(trace(demo_store(), &["story", "3f2a9c", "--format", "dot"]));
    assert!(dot.starts_with("digraph story {") && dot.trim_end().ends_with('}'));
    assert!(
        dot.contains("fillcolor=\"#f4b6b6\""),
        "the drifting implant is red"
    );
    assert!(dot.contains("\"peer:203.0.113.66\""));
    assert!(dot.matches("style=dashed").count() == web()["pivots"].as_array().unwrap().len());
    // Quotes in argv are escaped, so the graph stays parseable.
    assert!(!dot.contains("\"\"\""));
}
