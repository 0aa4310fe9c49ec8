//! Syscall number → name tables for the audit `arch` values that matter to process and file
//! stories: x86_64 (`arch=c000003e`, from `arch/x86/entry/syscalls/syscall_64.tbl`) and
//! aarch64 (`arch=c00000b7`, from the generic `include/uapi/asm-generic/unistd.h`).
//!
//! Only the syscalls a forensic timeline cares about are listed (process creation and exit,
//! file creation, change and removal, sockets, privilege changes, module loading, mounts).
//! Any other number yields `None`, and so does an unknown arch. aarch64 has no legacy
//! path syscalls (`open`, `creat`, `unlink`, `rename`, `chmod`, `chown`, `lchown`, `link`,
//! `symlink`, `mkdir`, `rmdir`) and no `fork`/`vfork`: glibc uses the `*at` forms and
//! `clone` there.

/// x86_64 numbers (syscall_64.tbl, `common` and `64` ABI rows).
const X86_64: &str = concat!(
    "0:read 1:write 2:open 3:close 41:socket 42:connect 43:accept 44:sendto 49:bind ",
    "50:listen 56:clone 57:fork 58:vfork 59:execve 60:exit 62:kill 76:truncate 77:ftruncate ",
    "82:rename 83:mkdir 84:rmdir 85:creat 86:link 87:unlink 88:symlink 90:chmod 91:fchmod ",
    "92:chown 93:fchown 94:lchown 101:ptrace 105:setuid 106:setgid 113:setreuid ",
    "117:setresuid 165:mount 175:init_module 231:exit_group 257:openat 258:mkdirat ",
    "260:fchownat 263:unlinkat 264:renameat 265:linkat 266:symlinkat 268:fchmodat ",
    "288:accept4 313:finit_module 316:renameat2 319:memfd_create 322:execveat 435:clone3 ",
    "437:openat2",
);

/// aarch64 numbers (asm-generic/unistd.h; arm64 defines `__ARCH_WANT_RENAMEAT`).
const AARCH64: &str = concat!(
    "34:mkdirat 35:unlinkat 36:symlinkat 37:linkat 38:renameat 40:mount 45:truncate ",
    "46:ftruncate 52:fchmod 53:fchmodat 54:fchownat 55:fchown 56:openat 57:close 63:read ",
    "64:write 93:exit 94:exit_group 105:init_module 117:ptrace 129:kill 144:setgid ",
    "145:setreuid 146:setuid 147:setresuid 198:socket 200:bind 201:listen 202:accept ",
    "203:connect 206:sendto 220:clone 221:execve 242:accept4 273:finit_module 276:renameat2 ",
    "279:memfd_create 281:execveat 435:clone3 437:openat2",
);

/// The canonical arch name for an audit `arch` value: the hex `AUDIT_ARCH_*` code as logged
/// (`c000003e`, any case, optional `0x`) or an already interpreted name (`x86_64`, `amd64`,
/// `aarch64`, `arm64`, as in the enriched `ARCH=` field). `None` for any other arch.
pub fn arch_name(arch: &str) -> Option<&'static str> {
    let a = arch.trim();
    let a = a
        .strip_prefix("0x")
        .or_else(|| a.strip_prefix("0X"))
        .unwrap_or(a);
    if a.eq_ignore_ascii_case("c000003e") || a == "x86_64" || a == "amd64" {
        Some("x86_64")
    } else if a.eq_ignore_ascii_case("c00000b7") || a == "aarch64" || a == "arm64" {
        Some("aarch64")
    } else {
        None
    }
}

/// The `(number, name)` pairs of `arch`'s table.
fn entries(arch: &str) -> impl Iterator<Item = (u64, &'static str)> {
    let table = match arch_name(arch) {
        Some("x86_64") => X86_64,
        Some(_) => AARCH64,
        None => "",
    };
    let pairs = table
        .split_ascii_whitespace()
        .filter_map(|e| e.split_once(':'));
    pairs.filter_map(|(n, s)| Some((n.parse().ok()?, s)))
}

/// The name of syscall `nr` on `arch` (see [`arch_name`] for the accepted spellings), or
/// `None` when the arch is not x86_64/aarch64 or the syscall is not in the table.
pub fn name(arch: &str, nr: u64) -> Option<&'static str> {
    entries(arch).find(|(n, _)| *n == nr).map(|(_, s)| s)
}

/// The number of syscall `name` on `arch`: the reverse of [`name`].
pub fn number(arch: &str, name: &str) -> Option<u64> {
    entries(arch).find(|(_, s)| *s == name).map(|(n, _)| n)
}

#[cfg(test)]
mod tests {
    use super::*;

    const WANTED: &str = "execve execveat fork vfork clone clone3 exit exit_group kill open \
        openat openat2 creat unlink unlinkat rename renameat renameat2 chmod fchmod fchmodat \
        chown fchown lchown fchownat connect accept accept4 bind listen socket sendto ptrace \
        setuid setgid setreuid setresuid mount init_module finit_module memfd_create write \
        read close truncate ftruncate symlink symlinkat link linkat mkdir mkdirat rmdir";
    const NOT_ON_ARM64: &str =
        "fork vfork open creat unlink rename chmod chown lchown symlink link mkdir rmdir";

    #[test]
    fn tables_cover_the_wanted_syscalls_once() {
        let wanted: Vec<&str> = WANTED.split_ascii_whitespace().collect();
        let legacy: Vec<&str> = NOT_ON_ARM64.split_ascii_whitespace().collect();
        assert_eq!(wanted.len(), 53);
        for arch in ["c000003e", "c00000b7"] {
            let t: Vec<(u64, &str)> = entries(arch).collect();
            for w in &wanted {
                let want = !(arch == "c00000b7" && legacy.contains(w));
                assert_eq!(number(arch, w).is_some(), want, "{arch} {w}");
            }
            for (i, (n, s)) in t.iter().enumerate() {
                assert!(wanted.contains(s), "{s} not wanted");
                let dup = t.iter().skip(i + 1).any(|(m, r)| m == n || r == s);
                assert!(!dup, "duplicate {n} {s}");
            }
            let expected = if arch == "c000003e" {
                53
            } else {
                53 - legacy.len()
            };
            assert_eq!(t.len(), expected, "{arch}");
        }
    }

    #[test]
    fn known_numbers() {
        let x86 = [(59, "execve"), (42, "connect"), (2, "open"), (87, "unlink")];
        for (n, s) in x86 {
            assert_eq!(name("c000003e", n), Some(s));
        }
        assert_eq!(name("C000003E", 322), Some("execveat"));
        assert_eq!(name("x86_64", 313), Some("finit_module"));
        let arm = [
            (221, "execve"),
            (203, "connect"),
            (56, "openat"),
            (37, "linkat"),
        ];
        for (n, s) in arm {
            assert_eq!(name("c00000b7", n), Some(s));
        }
        assert_eq!(name("aarch64", 2), None);
        assert_eq!(name("40000003", 11), None); // i386: not tabled
        assert_eq!(name("c000003e", 159), None); // adjtimex: not tabled
        assert_eq!(name("c000003e", u64::MAX), None);
        assert_eq!(arch_name("0xc00000b7"), Some("aarch64"));
        assert_eq!(arch_name(""), None);
    }
}
