//! Thousands of short processes under the eBPF collector: no two distinct processes share a
//! key, every process has its own key across fork → exec → exit, and every child's parent key
//! is its real parent's. Root; under CI=true missing prerequisites fail the test.

mod common;

use std::collections::{HashMap, HashSet};
use std::process::Command;
use std::time::Duration;

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
        let starts = ns(&b, "process_start_time");
        for (i, &start) in starts.iter().enumerate() {
            let key = col(&b, "process_key", i).unwrap_or_default();
            let pid = col(&b, "pid", i).unwrap_or_default();
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

/// A timestamp column as ns values (NULL as 0), cast once per batch.
fn ns(b: &arrow::array::RecordBatch, name: &str) -> Vec<i64> {
    // Times in ns, exact (`time` with its `time_nanos`), NULL as 0.
    let c = trace::schema::time::column_ns(b, name).unwrap();
    c.iter().map(|v| v.unwrap_or(0)).collect()
}

/// Forks a child that forks a grandchild; both exit at once. Returns the child's pid.
fn fork_pair() -> i32 {
    // SAFETY: the children only call fork, waitpid and _exit (async-signal-safe), so forking
    // from the multi-threaded test harness is sound.
    unsafe {
        let child = libc::fork();
        assert!(child >= 0, "fork failed");
        if child == 0 {
            let gc = libc::fork();
            if gc == 0 {
                libc::_exit(0);
            }
            if gc > 0 {
                libc::waitpid(gc, std::ptr::null_mut(), 0);
            }
            libc::_exit(0);
        }
        libc::waitpid(child, std::ptr::null_mut(), 0);
        child
    }
}

/// Enough short processes to wrap the kernel's pid counter (pid_max) so that pids are really
/// reused while the collector runs: every child still has its own key, and every grandchild's
/// parent key is the incarnation of its parent's pid that was alive when it was born.
#[test]
fn pids_wrap_around_pid_max_and_keys_still_tell_processes_apart() {
    if !prerequisite(needs_root()) {
        return;
    }
    let pid_max: usize = std::fs::read_to_string("/proc/sys/kernel/pid_max")
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    if pid_max > 200_000 {
        // A wrap would take minutes of forking; CI runs on a kernel with the 32,768 default.
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "pid_max {pid_max}: cannot wrap pids in CI"
        );
        eprintln!("skipping: pid_max is {pid_max}, too large to wrap in a test");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let collector = start_collector(&store, "ebpf", 500, &[]);
    std::thread::sleep(Duration::from_millis(1500));
    let me = std::process::id().to_string();
    let mut pids: Vec<i32> = Vec::new();
    let mut seen = HashSet::new();
    let (mut wrapped, mut reused) = (false, 0);
    // Until the counter wrapped and 2,000 pids were handed out a second time.
    while reused < 2000 && pids.len() < pid_max + 10_000 {
        let p = fork_pair();
        if pids.last().is_some_and(|last| p < *last) {
            wrapped = true;
        }
        if !seen.insert(p) {
            reused += 1;
        }
        pids.push(p);
    }
    assert!(
        wrapped && reused >= 2000,
        "pids did not wrap: {} forks",
        pids.len()
    );
    let loop_end = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as i64;
    std::thread::sleep(Duration::from_millis(1500));
    let log = stop_collector(collector);
    assert!(log.contains(" 0 lost"), "{log}");

    // (pid, fork time, exit time) by key for the children; grandchildren with their parent.
    let mut children: HashMap<String, (String, i64, i64)> = HashMap::new();
    let mut grandchildren: Vec<(String, String, i64)> = Vec::new(); // (ppid, parent key, time)
    let mut exits: HashMap<String, i64> = HashMap::new();
    let child_pids: HashSet<String> = pids.iter().map(|p| p.to_string()).collect();
    // Ours never exec and carry this test's comm; other processes (the other test's shells,
    // builds elsewhere on the machine whose parents' pids we reused) do not.
    let comm = std::fs::read_to_string("/proc/thread-self/comm").unwrap();
    let comm = comm.trim();
    let batches = read_family(&store, "process");
    let mut foreign: HashSet<String> = HashSet::new();
    for b in &batches {
        for i in 0..b.num_rows() {
            if col(b, "kind", i).as_deref() == Some("process_exec")
                || col(b, "comm", i).as_deref() != Some(comm)
            {
                foreign.insert(col(b, "process_key", i).unwrap_or_default());
            }
        }
    }
    for b in &batches {
        let times = ns(b, "time");
        for (i, &t) in times.iter().enumerate() {
            let kind = col(b, "kind", i).unwrap_or_default();
            let key = col(b, "process_key", i).unwrap_or_default();
            let pid = col(b, "pid", i).unwrap_or_default();
            let ppid = col(b, "ppid", i).unwrap_or_default();
            if foreign.contains(&key) {
                continue;
            }
            match kind.as_str() {
                // (the test's later children, like `kill`, are not ours)
                "process_fork" if ppid == me && t <= loop_end => {
                    let prev = children.insert(key.clone(), (pid, t, i64::MAX));
                    assert!(prev.is_none(), "two forks under one key {key}");
                }
                "process_fork" if child_pids.contains(&ppid) => {
                    grandchildren.push((ppid, col(b, "parent_process_key", i).unwrap(), t));
                }
                "process_exit" => {
                    exits.insert(key, t);
                }
                _ => {}
            }
        }
    }
    assert_eq!(
        children.len(),
        pids.len(),
        "every child, each with its own key"
    );
    let distinct: HashSet<&String> = children.values().map(|c| &c.0).collect();
    assert!(
        distinct.len() + 2000 <= children.len(),
        "reused pids are in the store"
    );
    for (k, c) in children.iter_mut() {
        c.2 = *exits.get(k).unwrap_or_else(|| panic!("exit of {k}"));
    }
    assert_eq!(grandchildren.len(), pids.len(), "every grandchild");
    for (ppid, parent_key, t) in &grandchildren {
        let (pid, born, died) = children
            .get(parent_key)
            .unwrap_or_else(|| panic!("parent key {parent_key} is one of the children"));
        assert_eq!(pid, ppid);
        assert!(
            born <= t && t <= died,
            "the grandchild's parent is the incarnation of pid {pid} alive at its birth"
        );
    }
}
