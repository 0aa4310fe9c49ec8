//! The demo store holds its documented ground truth, with sound lineage and keys.

use trace::demo::{self, truth};
use trace::query::Value;
use trace::timefmt::{now_ns, parse_time};

use crate::common::*;

fn start() -> i64 {
    parse_time(DEMO_START, now_ns()).unwrap()
}

#[test]
fn every_ground_truth_step_is_in_the_store() {
    let e = engine(demo_store());
    let mut missing = Vec::new();
    for step in truth::STEPS {
        let t = truth::step_time(step, start(), DEMO_DAYS);
        let n = int(
            &e,
            "SELECT count(*) FROM events e JOIN hosts h USING (host_id)
             WHERE h.hostname = $1 AND coalesce(e.container_id, '') = $2 AND e.kind = $3
               AND abs(epoch_ns(e.time) - $4) < 2000000000
               AND CASE WHEN e.family = 'process' THEN e.exe
                        WHEN e.family = 'file' THEN e.path
                        WHEN e.family = 'finding' THEN e.rule
                        WHEN e.kind = 'net_accept' THEN e.src_ip || ':' || e.src_port
                        ELSE e.dst_ip || ':' || e.dst_port END = $5",
            &[
                Value::Text(step.host.into()),
                Value::Text(step.container.unwrap_or("").into()),
                Value::Text(step.kind.into()),
                Value::BigInt(t),
                Value::Text(step.subject.into()),
            ],
        );
        if n == 0 {
            missing.push(format!("{step:?}"));
        }
    }
    assert!(
        missing.is_empty(),
        "steps not found:\n{}",
        missing.join("\n")
    );
}

#[test]
fn the_implant_lineage_runs_from_the_web_worker_out_to_the_host_runtime() {
    let e = engine(demo_store());
    // Walk parent keys from the implant's exec up to the host.
    let mut key = scalar(
        &e,
        "SELECT process_key FROM process WHERE kind = 'process_exec' AND exe = $1
           AND container_id = $2",
        &[
            Value::Text(truth::DROPPER_PATH.into()),
            Value::Text(truth::WEB_CONTAINER_ID.into()),
        ],
    );
    assert!(!key.is_empty(), "implant exec not found");
    let mut chain = Vec::new();
    for _ in 0..20 {
        let row = column(
            &e,
            "SELECT exe || '|' || coalesce(container_id, 'host') || '|' || coalesce(parent_process_key, '')
             FROM process WHERE process_key = $1 ORDER BY time DESC LIMIT 1",
            &[Value::Text(key.clone())],
        );
        let Some(row) = row.into_iter().next() else {
            break;
        };
        let parts: Vec<&str> = row.split('|').collect();
        chain.push(format!(
            "{} @{}",
            parts[0],
            &parts[1][..parts[1].len().min(12)]
        ));
        if parts[2].is_empty() {
            break;
        }
        key = parts[2].to_string();
    }
    let text = chain.join(" <- ");
    let expect = [
        "/tmp/.kworker @3f2a9c41e7b0",
        "/bin/sh @3f2a9c41e7b0",
        "/usr/local/bin/python3.12 @3f2a9c41e7b0",
        "/usr/bin/runc @host",
        "/usr/bin/containerd-shim-runc-v2 @host",
        "/usr/bin/containerd @host",
        "/usr/lib/systemd/systemd @host",
    ];
    let mut at = 0;
    for want in expect {
        let pos = chain[at..].iter().position(|c| c == want);
        assert!(pos.is_some(), "{want} missing from lineage: {text}");
        at += pos.unwrap() + 1;
    }
}

#[test]
fn both_ends_of_the_lateral_ssh_share_a_community_id() {
    let e = engine(demo_store());
    let ids = column(
        &e,
        "SELECT DISTINCT community_id FROM network
         WHERE kind IN ('net_connect', 'net_accept') AND dst_port = 22 AND src_ip = $1",
        &[Value::Text(truth::PAY_IP.into())],
    );
    assert_eq!(ids.len(), 1, "{ids:?}");
    let sides = column(
        &e,
        "SELECT kind || ' ' || coalesce(container_id, 'host') FROM network
         WHERE community_id = $1 AND kind IN ('net_connect', 'net_accept') ORDER BY kind",
        &[Value::Text(ids[0].clone())],
    );
    assert_eq!(
        sides,
        vec![
            "net_accept host".to_string(),
            format!("net_connect {}", truth::PAY_CONTAINER_ID)
        ]
    );
}

#[test]
fn deleted_containers_keep_their_attribution_and_lifecycle() {
    let e = engine(demo_store());
    for (id, image, pod, exited) in [
        (
            truth::WEB_CONTAINER_ID,
            truth::WEB_IMAGE,
            truth::WEB_POD,
            truth::WEB_EXITED,
        ),
        (
            truth::PAY_CONTAINER_ID,
            truth::PAY_IMAGE,
            truth::PAY_POD,
            truth::PAY_EXITED,
        ),
    ] {
        let row = scalar(
            &e,
            "SELECT image || '|' || pod || '|' || namespace || '|' || removed || '|'
                    || epoch_ns(exited) || '|' || exit_code
             FROM containers WHERE container_id = $1",
            &[Value::Text(id.into())],
        );
        let day = start() + demo::intrusion_day(DEMO_DAYS) as i64 * demo::DAY;
        assert_eq!(row, format!("{image}|{pod}|shop|true|{}|137", day + exited));
    }
}

#[test]
fn the_loss_during_the_attack_is_recorded() {
    let e = engine(demo_store());
    let n = int(
        &e,
        "SELECT sum(events_lost) FROM loss l JOIN hosts h USING (host_id)
         WHERE h.hostname = 'k8s-node-2' AND reason = 'ringbuf_full'",
        &[],
    );
    assert_eq!(n, 3);
}

#[test]
fn pid_reuse_never_merges_processes_and_parents_resolve() {
    let e = engine(demo_store());
    let reused = int(
        &e,
        "SELECT count(*) FROM (SELECT host_id, boot_id, pid FROM process
         GROUP BY ALL HAVING count(DISTINCT process_key) > 1)",
        &[],
    );
    assert!(reused > 0, "the demo should wrap pids (pid_max 32768)");
    let merged = int(
        &e,
        "SELECT count(*) FROM (SELECT process_key FROM process GROUP BY 1
         HAVING count(DISTINCT (host_id, boot_id, pid, process_start_time)) > 1)",
        &[],
    );
    assert_eq!(merged, 0);
    let dangling = int(
        &e,
        "SELECT count(*) FROM process c WHERE parent_process_key IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM process p WHERE p.process_key = c.parent_process_key)",
        &[],
    );
    assert_eq!(dangling, 0);
    let wrong_ppid = int(
        &e,
        "SELECT count(*) FROM (SELECT DISTINCT process_key, parent_process_key, ppid FROM process) c
         JOIN (SELECT DISTINCT process_key, pid FROM process) p
           ON p.process_key = c.parent_process_key
         WHERE p.pid <> c.ppid",
        &[],
    );
    assert_eq!(wrong_ppid, 0);
}

#[test]
fn the_estate_has_the_promised_shape_and_size() {
    let e = engine(demo_store());
    let events = int(&e, "SELECT count(*) FROM events", &[]) as f64;
    assert!(
        (DEMO_EVENTS as f64 * 0.9..DEMO_EVENTS as f64 * 1.2).contains(&events),
        "{events} events for --events {DEMO_EVENTS}"
    );
    let kinds = column(&e, "SELECT DISTINCT kind FROM events ORDER BY 1", &[]);
    assert_eq!(kinds.len(), 15, "every event kind occurs: {kinds:?}");
    let hosts = column(&e, "SELECT kind FROM hosts ORDER BY hostname", &[]);
    assert_eq!(
        hosts,
        ["laptop", "container-host", "server", "k8s-node", "k8s-node"]
    );
    let containers = int(&e, "SELECT count(*) FROM containers", &[]);
    assert!(
        containers > 300,
        "{containers} containers over {DEMO_DAYS} days"
    );
    let images = int(&e, "SELECT count(DISTINCT image) FROM containers", &[]);
    assert!(images >= 6, "{images} images");
    let boots = int(&e, "SELECT max(len(boot_ids)) FROM hosts", &[]);
    assert_eq!(boots, 2, "db-01 reboots on day 3");
}

#[test]
fn the_same_seed_gives_the_same_events() {
    let digest = |seed: &str| {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("s");
        ok(trace(
            &store,
            &["demo", "--events", "15000", "--days", "2", "--seed", seed],
        ));
        let e = engine(&store);
        scalar(
            &e,
            "SELECT count(*) || ':' || sum(hash(kind, time, host_id, container_id, pid, process_key,
                    exe, argv, path, dst_ip, dst_port)) FROM events",
            &[],
        )
    };
    let a = digest("7");
    assert_eq!(a, digest("7"));
    assert_ne!(a, digest("8"));
}
