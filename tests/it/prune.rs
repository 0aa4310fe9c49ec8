//! `trace prune` as an operator runs it: on a compacted demo store with an import of old
//! recordings written after the compaction, a dry run lists the days and removes nothing; a
//! prune by age removes exactly the events of the old days (imported ones too), keeps every
//! later event, the containers table, the births of processes still running (the story's
//! lineage), the story of a container of the kept days, and a store that verifies; a prune by
//! size removes the oldest days and never the newest.

use std::path::{Path, PathBuf};

use crate::common::*;

fn store(dir: &Path) -> PathBuf {
    let s = dir.join("store");
    ok(trace(
        &s,
        &[
            "demo",
            "--events",
            "20000",
            "--days",
            "5",
            "--start",
            "2026-10-01",
        ],
    ));
    ok(trace(&s, &["compact", "--quiet"]));
    // Recordings from 2021–2022, imported after the compaction: fresh files of old days.
    let tetragon = repo("testdata/fixtures/tetragon");
    let o = trace(&s, &["import", tetragon.to_str().unwrap()]);
    assert!(matches!(o.status.code(), Some(0 | 3)), "{}", stderr(&o));
    s
}

fn count(s: &Path, sql: &str) -> i64 {
    int(&engine(s), sql, &[])
}

/// `--older-than` that puts the cut at 2026-10-03 (days before it go), whatever today is.
fn older_than_to_october_3() -> String {
    let today = chrono::Utc::now().date_naive();
    let cut = chrono::NaiveDate::from_ymd_opt(2026, 10, 3).unwrap();
    format!("{}d", (today - cut).num_days())
}

/// The story of a container of the kept days after the prune: its processes (with their
/// lineage back to init, whose birth records the prune keeps), timeline, files and
/// connections are as before; its pivots (the same address or user elsewhere, at any time)
/// are those of before, less what the old days held.
fn same_story(after: &str, before: &str) {
    let (a, b): (serde_json::Value, serde_json::Value) = (
        serde_json::from_str(after).unwrap(),
        serde_json::from_str(before).unwrap(),
    );
    for k in b.as_object().unwrap().keys().filter(|k| *k != "pivots") {
        assert_eq!(a[k], b[k], "the story's {k} changed");
    }
    let key = |p: &serde_json::Value| {
        let k = ["hop", "kind", "host", "container_id", "label", "reason"];
        k.map(|f| p[f].to_string())
    };
    let count = |p: &serde_json::Value| p["count"].as_i64().unwrap();
    for p in a["pivots"].as_array().unwrap() {
        let was = b["pivots"]
            .as_array()
            .unwrap()
            .iter()
            .find(|q| key(q) == key(p));
        let was = was.unwrap_or_else(|| panic!("a new pivot: {p}"));
        assert!(count(p) <= count(was), "a pivot grew: {p}");
    }
}

#[test]
fn prune_by_age_removes_the_old_days_and_keeps_the_rest_right() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    let cut = "TIMESTAMP '2026-10-03 00:00:00'";
    let before_total = count(&s, "SELECT count(*) FROM events");
    let old = count(
        &s,
        &format!("SELECT count(*) FROM events WHERE time < {cut}"),
    );
    let kept = before_total - old;
    let imported_old = count(
        &s,
        "SELECT count(*) FROM events WHERE source = 'tetragon' AND time < TIMESTAMP '2023-01-01'",
    );
    assert!(
        imported_old > 0 && old > imported_old,
        "{old} {imported_old}"
    );
    let containers = count(&s, "SELECT count(*) FROM containers");
    // A container whose story lies in the kept days.
    let id = scalar(
        &engine(&s),
        &format!(
            "SELECT container_id FROM events WHERE container_id IS NOT NULL GROUP BY 1 \
             HAVING min(time) >= {cut} + INTERVAL 1 DAY ORDER BY count(*) DESC LIMIT 1"
        ),
        &[],
    );
    let story = |s: &Path| ok(trace(s, &["story", &id, "--format", "json"]));
    let story_before = story(&s);
    let age = older_than_to_october_3();
    // Processes born before the cut that had not exited by it.
    let survivors = count(
        &s,
        &format!(
            "SELECT count(*) FROM events WHERE time < {cut} \
             AND kind IN ('process_exec', 'process_fork') AND process_key IS NOT NULL \
             AND (host_id, process_key) NOT IN (SELECT (host_id, process_key) FROM events \
             WHERE kind = 'process_exit' AND time < {cut} AND process_key IS NOT NULL)"
        ),
    );

    let dry = ok(trace(&s, &["prune", "--older-than", &age, "--dry-run"]));
    assert!(dry.contains("would remove"), "{dry}");
    assert!(
        dry.contains("2026-10-01") && dry.contains("2026-10-02"),
        "{dry}"
    );
    assert!(!dry.contains("2026-10-03"), "{dry}");
    assert_eq!(count(&s, "SELECT count(*) FROM events"), before_total);

    let out = ok(trace(&s, &["prune", "--older-than", &age]));
    assert!(out.contains("removed"), "{out}");
    // What is left of the old days: the births of processes still running after them.
    let births = "kind IN ('process_exec', 'process_fork')";
    let left = count(
        &s,
        &format!("SELECT count(*) FROM events WHERE time < {cut}"),
    );
    assert_eq!(
        count(
            &s,
            &format!("SELECT count(*) FROM events WHERE time < {cut} AND NOT {births}")
        ),
        0
    );
    assert_eq!(
        left, survivors,
        "births kept: those of processes alive at the cut"
    );
    assert!(
        count(
            &s,
            &format!("SELECT count(*) FROM events WHERE time < {cut} AND pid = 1")
        ) > 0,
        "init's birth is gone"
    );
    assert!(out.contains("exec/fork records"), "{out}");
    assert_eq!(count(&s, "SELECT count(*) FROM events"), kept + left);
    assert_eq!(count(&s, "SELECT count(*) FROM containers"), containers);
    same_story(&story(&s), &story_before);
    let v = ok(trace(&s, &["verify"]));
    assert!(v.contains(": intact: "), "{v}");
    // The index (a new generation without the days) answers as the scan does.
    ok(trace(&s, &["compact", "--quiet"]));
    same_story(&story(&s), &story_before);

    let again = ok(trace(&s, &["prune", "--older-than", &age]));
    assert!(again.contains("nothing to prune"), "{again}");
}

#[test]
fn prune_by_size_removes_the_oldest_days_but_never_the_newest() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    let dates = column(
        &engine(&s),
        "SELECT DISTINCT strftime(time, '%Y-%m-%d') FROM events ORDER BY 1",
        &[],
    );
    let newest = dates.last().unwrap().clone();
    // Far too small a limit: every day goes but the newest, and the user is told.
    let o = trace(&s, &["prune", "--max-size", "1K"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("stays larger than"), "{}", stderr(&o));
    let left = column(
        &engine(&s),
        "SELECT DISTINCT strftime(time, '%Y-%m-%d') FROM events \
         WHERE kind NOT IN ('process_exec', 'process_fork') ORDER BY 1",
        &[],
    );
    assert_eq!(left, vec![newest]);
    let v = ok(trace(&s, &["verify"]));
    assert!(v.contains(": intact: "), "{v}");
}

#[test]
fn prune_says_what_it_needs() {
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path().join("store");
    ok(trace(&s, &["demo", "--events", "2000", "--days", "1"]));
    let o = trace(&s, &["prune"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("--older-than"), "{}", stderr(&o));
    let o = trace(&s, &["prune", "--older-than", "3 months"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("--older-than"), "{}", stderr(&o));
    let o = trace(&s, &["prune", "--max-size", "lots"]);
    assert!(stderr(&o).contains("--max-size"), "{}", stderr(&o));
}
