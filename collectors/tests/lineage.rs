//! Thousands of short processes under the eBPF collector: no two distinct processes share a
//! key, every process has its own key across fork → exec → exit, and every child's parent key
//! is its real parent's. Root; under CI=true missing prerequisites fail the test.

mod common;

use std::collections::{HashMap, HashSet};
use std::process::Command;
use std::time::Duration;

use arrow::array::Array;
use common::*;

#[test]
fn thousands_of_short_processes_keep_distinct_keys_and_right_parents() {
    if !prerequisite(needs_root()) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let collector = start_collector(&store, "ebpf", 500, &[]);
    std::thread::sleep(Duration::from_millis(1500));
    // 1,000 shells, each running 2 short children: 3,000 processes, three levels deep.
    let marker = format!("trace-lineage-{}", std::process::id());
    let script = format!(
        "for i in $(seq 1000); do sh -c 'true {marker}; /bin/echo {marker} >/dev/null' ; done"
    );
    assert!(
        Command::new("bash")
            .args(["-c", &script])
            .status()
            .unwrap()
            .success()
    );
    std::thread::sleep(Duration::from_millis(800));
    stop_collector(collector);

    let procs = processes(&store);
    // The process rows, by key: each key must belong to one (pid) only.
    // Sources differ in start-time precision (procfs: clock ticks), so compare within 20 ms.
    let mut seen: HashMap<String, (String, i64)> = HashMap::new();
    for b in read_family(&store, "process") {
        let starts = arrow::compute::cast(
            b.column_by_name("process_start_time").unwrap(),
            &arrow::datatypes::DataType::Int64,
        )
        .unwrap();
        let starts = starts
            .as_any()
            .downcast_ref::<arrow::array::Int64Array>()
            .unwrap();
        for i in 0..b.num_rows() {
            let key = col(&b, "process_key", i).unwrap_or_default();
            let pid = col(&b, "pid", i).unwrap_or_default();
            let start = if starts.is_null(i) {
                0
            } else {
                starts.value(i)
            };
            if let Some((p, s)) = seen.insert(key.clone(), (pid.clone(), start)) {
                assert!(
                    p == pid && (s - start).abs() < 20_000_000,
                    "key {key} shared by two processes: pid {p} start {s} and pid {pid} start {start}"
                );
            }
        }
    }
    let shells: Vec<&P> = procs
        .iter()
        .filter(|p| {
            p.kind == "process_exec"
                && p.argv.len() == 3
                && p.argv[0] == "sh"
                && p.argv[2].contains(&marker)
        })
        .collect();
    assert_eq!(shells.len(), 1000, "every shell recorded");
    let shell_keys: HashSet<&str> = shells.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(shell_keys.len(), 1000, "1,000 distinct keys");
    let echoes: Vec<&P> = procs
        .iter()
        .filter(|p| {
            p.kind == "process_exec"
                && p.argv.first().map(String::as_str) == Some("/bin/echo")
                && p.argv.get(1) == Some(&marker)
        })
        .collect();
    assert_eq!(echoes.len(), 1000, "every child recorded");
    for e in &echoes {
        let parent = e.parent.as_deref().unwrap_or("");
        assert!(
            shell_keys.contains(parent),
            "echo's parent is one of the shells"
        );
    }
    // Each shell has exactly one echo child: parents are the right ones, not just any shell.
    let mut per_shell: HashMap<&str, usize> = HashMap::new();
    for e in &echoes {
        *per_shell.entry(e.parent.as_deref().unwrap()).or_default() += 1;
    }
    assert!(per_shell.values().all(|n| *n == 1), "one echo per shell");
    // Every shell's own parent is the same bash loop.
    let loops: HashSet<&str> = shells.iter().filter_map(|p| p.parent.as_deref()).collect();
    assert_eq!(loops.len(), 1, "all shells are children of the one loop");
}
