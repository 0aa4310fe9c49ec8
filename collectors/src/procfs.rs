//! Reading processes from procfs: one [`ProcSnapshot`] per process, from
//! `/proc/<pid>/{stat,status,cmdline,exe,cwd,cgroup}`. Processes vanish while being read; a
//! process whose `stat` cannot be read is skipped, any other missing file leaves a field empty.

use std::fs;
use std::path::{Path, PathBuf};

/// What procfs says about one process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcSnapshot {
    /// pid (thread-group id).
    pub pid: i32,
    /// Parent pid.
    pub ppid: i32,
    /// Command name.
    pub comm: String,
    /// Start time in clock ticks since boot (`stat` field 22).
    pub start_ticks: u64,
    /// Real uid.
    pub uid: Option<u32>,
    /// Effective uid.
    pub euid: Option<u32>,
    /// Real gid.
    pub gid: Option<u32>,
    /// Login uid (`loginuid`), when set.
    pub auid: Option<u32>,
    /// Executable path.
    pub exe: Option<String>,
    /// Arguments.
    pub argv: Vec<String>,
    /// Working directory.
    pub cwd: Option<String>,
    /// The lines of `/proc/<pid>/cgroup`.
    pub cgroup: String,
}

/// Parses `/proc/<pid>/stat`: `pid (comm) state ppid … starttime(22) …`. The command name can
/// hold spaces and parentheses, so fields are counted after the last `)`.
pub fn parse_stat(text: &str) -> Option<(i32, String, i32, u64)> {
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let pid = text[..open].trim().parse().ok()?;
    let comm = text.get(open + 1..close)?.to_string();
    let rest: Vec<&str> = text.get(close + 1..)?.split_whitespace().collect();
    // rest[0] is field 3 (state); field n is rest[n - 3].
    let ppid = rest.get(1)?.parse().ok()?;
    let start = rest.get(19)?.parse().ok()?;
    Some((pid, comm, ppid, start))
}

fn ids(status: &str, key: &str) -> (Option<u32>, Option<u32>) {
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .map(|v| {
            let mut it = v.split_whitespace().map(|x| x.parse::<u32>().ok());
            (it.next().flatten(), it.next().flatten())
        })
        .unwrap_or((None, None))
}

/// `p` (a host path) as a process whose root directory is `root` sees it:
/// `/var/lib/containers/.../merged/tmp` → `/tmp` for a container's process.
pub fn strip_root(p: &Path, root: &Path) -> String {
    if root == Path::new("/") {
        return p.to_string_lossy().into_owned();
    }
    match p.strip_prefix(root) {
        Ok(rest) => format!("/{}", rest.to_string_lossy()),
        Err(_) => p.to_string_lossy().into_owned(),
    }
}

/// Reads one process below `proc_root` (normally `/proc`).
pub fn read_process(proc_root: &Path, pid: i32) -> Option<ProcSnapshot> {
    let dir = proc_root.join(pid.to_string());
    let (pid, comm, ppid, start_ticks) = parse_stat(&fs::read_to_string(dir.join("stat")).ok()?)?;
    let status = fs::read_to_string(dir.join("status")).unwrap_or_default();
    let (uid, euid) = ids(&status, "Uid:");
    let (gid, _) = ids(&status, "Gid:");
    let auid = fs::read_to_string(dir.join("loginuid"))
        .ok()
        .and_then(|s| s.trim().parse::<u32>().ok())
        .filter(|a| *a != u32::MAX);
    let argv = fs::read(dir.join("cmdline"))
        .map(|b| {
            b.split(|c| *c == 0)
                .filter(|a| !a.is_empty())
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect()
        })
        .unwrap_or_default();
    // Inside a container (its root is not the host's), paths as the process sees them.
    let root = fs::read_link(dir.join("root")).unwrap_or_else(|_| PathBuf::from("/"));
    let link = |name: &str| {
        fs::read_link(dir.join(name))
            .ok()
            .map(|p: PathBuf| strip_root(&p, &root))
    };
    Some(ProcSnapshot {
        pid,
        ppid,
        comm,
        start_ticks,
        uid,
        euid,
        gid,
        auid,
        exe: link("exe").map(|e| e.trim_end_matches(" (deleted)").to_string()),
        argv,
        cwd: link("cwd"),
        cgroup: fs::read_to_string(dir.join("cgroup")).unwrap_or_default(),
    })
}

/// Every process below `proc_root`, pid order.
pub fn scan(proc_root: &Path) -> Vec<ProcSnapshot> {
    let Ok(entries) = fs::read_dir(proc_root) else {
        return Vec::new();
    };
    let mut pids: Vec<i32> = entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse().ok()))
        .collect();
    pids.sort_unstable();
    pids.into_iter()
        .filter_map(|pid| read_process(proc_root, pid))
        .collect()
}

/// Clock ticks per second (`sysconf(_SC_CLK_TCK)`).
pub fn clock_ticks() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if t > 0 { t as u64 } else { 100 }
}

/// How kernel times become wall-clock times and process keys, shared by every source so the
/// same process gets the same key from procfs and from eBPF, across collector restarts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    /// Boot time as the kernel reports it (`btime` in /proc/stat, whole seconds): stable, so
    /// process keys derived from it are stable.
    pub key_epoch: i64,
    /// Boot time to the nanosecond (realtime − boottime now): for event times.
    pub time_epoch: i64,
    /// ns per clock tick.
    pub tick_ns: i64,
}

impl Clock {
    /// The clock of the running system.
    pub fn system() -> Clock {
        let time_epoch = boot_epoch_ns();
        let key_epoch = std::fs::read_to_string("/proc/stat")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find_map(|l| l.strip_prefix("btime "))
                    .and_then(|v| v.trim().parse::<i64>().ok())
            })
            .map(|s| s * 1_000_000_000)
            .unwrap_or(time_epoch - time_epoch.rem_euclid(1_000_000_000));
        Clock {
            key_epoch,
            time_epoch,
            tick_ns: 1_000_000_000 / clock_ticks() as i64,
        }
    }

    /// The start time used in process keys, from clock ticks since boot.
    pub fn key_start_ticks(&self, ticks: u64) -> i64 {
        self.key_epoch + ticks as i64 * self.tick_ns
    }

    /// The start time used in process keys, from CLOCK_BOOTTIME ns (truncated to ticks).
    pub fn key_start_boottime(&self, boot_ns: u64) -> i64 {
        self.key_start_ticks(boot_ns / self.tick_ns as u64)
    }

    /// Wall-clock ns of a CLOCK_BOOTTIME ns value.
    pub fn wall(&self, boot_ns: u64) -> i64 {
        self.time_epoch + boot_ns as i64
    }
}

/// Wall-clock time of the boot, ns since the epoch (realtime now − boottime now).
pub fn boot_epoch_ns() -> i64 {
    let now = |clock| {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: ts is a valid out-pointer.
        unsafe { libc::clock_gettime(clock, &mut ts) };
        ts.tv_sec * 1_000_000_000 + ts.tv_nsec
    };
    now(libc::CLOCK_REALTIME) - now(libc::CLOCK_BOOTTIME)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_with_spaces_and_parens_in_comm() {
        let line = "4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 100 18446744073709551615";
        assert_eq!(
            parse_stat(line),
            Some((4242, "my (odd) name".to_string(), 1, 987654))
        );
        assert_eq!(parse_stat("garbage"), None);
        assert_eq!(parse_stat("12 (x) S"), None);
    }

    #[test]
    fn reads_itself() {
        let me = std::process::id() as i32;
        let p = read_process(Path::new("/proc"), me).expect("own process");
        assert_eq!(p.pid, me);
        assert!(p.start_ticks > 0);
        assert!(!p.argv.is_empty());
        assert!(p.exe.is_some());
        assert!(scan(Path::new("/proc")).iter().any(|q| q.pid == me));
    }
}
