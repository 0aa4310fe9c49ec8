//! Credentials at exec, from the eBPF collector: a setuid program run by an unprivileged user
//! has that user as `uid` and root as `euid`; a login uid set for a session (what PAM does at
//! login) is the `auid` of everything the session starts. Root; under CI=true missing
//! prerequisites fail the test.

mod common;

use std::process::Command;
use std::time::Duration;

use common::*;

#[test]
fn setuid_and_login_uid_are_recorded_at_exec() {
    let missing = needs_root().or_else(|| {
        (!std::path::Path::new("/proc/self/loginuid").exists())
            .then(|| "needs a kernel with audit (/proc/self/loginuid)".to_string())
    });
    if !prerequisite(missing) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // A setuid-root copy of `id` that an unprivileged user may run.
    let suid = dir.path().join("suid-id");
    std::fs::copy("/usr/bin/id", &suid).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&suid, std::fs::Permissions::from_mode(0o4755)).unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let store = dir.path().join("store");
    let collector = start_collector(&store, "ebpf", 200, &[]);
    std::thread::sleep(Duration::from_millis(1500));
    // A "session" of login uid 4242 in which user 65534 runs the setuid program.
    let script = format!(
        "echo 4242 > /proc/self/loginuid && setpriv --reuid 65534 --regid 65534 --clear-groups {} -u",
        suid.display()
    );
    let out = Command::new("sh").args(["-c", &script]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "0",
        "id -u under setuid"
    );
    std::thread::sleep(Duration::from_millis(500));
    stop_collector(collector);

    let rows = table(&store, "process");
    let exec = rows
        .iter()
        .find(|r| {
            r["kind"].as_deref() == Some("process_exec")
                && r["exe"].as_deref() == Some(suid.to_str().unwrap())
        })
        .expect("the setuid program's exec");
    assert_eq!(exec["uid"].as_deref(), Some("65534"), "{exec:?}");
    assert_eq!(exec["euid"].as_deref(), Some("0"), "{exec:?}");
    assert_eq!(exec["auid"].as_deref(), Some("4242"), "{exec:?}");
}
