//! Paths as the recorded process saw them: `/proc/<pid>/…` links with a container's root
//! taken off, and relative syscall paths resolved against the working directory.

use crate::procfs::strip_root;

/// `/proc/<pid>/<link>` as the process sees it: inside a container (`contained`) the host
/// path of the container's root is taken off (`/var/lib/containers/.../merged/tmp` → `/tmp`).
pub fn proc_link(pid: u32, link: &str, contained: bool) -> Option<String> {
    let target = std::fs::read_link(format!("/proc/{pid}/{link}")).ok()?;
    if !contained {
        return Some(target.to_string_lossy().into_owned());
    }
    let root = std::fs::read_link(format!("/proc/{pid}/root")).ok()?;
    Some(strip_root(&target, &root))
}

/// `AT_FDCWD`.
pub(crate) const AT_FDCWD: i32 = -100;

/// The absolute path of `path` as passed to a syscall with directory fd `dirfd`: relative paths
/// are joined to the process's working directory (or the directory fd's path) when it can still
/// be read, else to `cwd` (the process table's), else kept as given.
pub fn resolve_path(
    pid: u32,
    dirfd: i32,
    path: &str,
    cwd: Option<&str>,
    contained: bool,
) -> String {
    if path.starts_with('/') {
        return path.to_string();
    }
    let base = if dirfd == AT_FDCWD {
        cwd.map(str::to_string)
            .or_else(|| proc_link(pid, "cwd", contained))
    } else {
        proc_link(pid, &format!("fd/{dirfd}"), contained)
    };
    match base {
        Some(b) => join(&b, path),
        None => path.to_string(),
    }
}

/// `rel` joined to `base` lexically (`.` dropped, `..` goes up; symlinks are not followed).
fn join(base: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = base.split('/').filter(|p| !p.is_empty()).collect();
    for part in rel.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[test]
    fn relative_paths_resolve_against_the_processs_view() {
        assert_eq!(join("/tmp", "./a/b"), "/tmp/a/b");
        assert_eq!(join("/", "x"), "/x");
        assert_eq!(join("/work/", "x//y"), "/work/x/y");
        assert_eq!(join("/root/.ssh", "../../tmp"), "/tmp");
        assert_eq!(join("/", ".."), "/");
        assert_eq!(
            strip_root(
                Path::new("/var/lib/c/merged/tmp"),
                Path::new("/var/lib/c/merged")
            ),
            "/tmp"
        );
        assert_eq!(strip_root(Path::new("/tmp"), Path::new("/")), "/tmp");
        assert_eq!(resolve_path(1, AT_FDCWD, "/etc/x", None, false), "/etc/x");
        // A process that is gone: the table's cwd.
        assert_eq!(
            resolve_path(u32::MAX, AT_FDCWD, "x", Some("/srv"), true),
            "/srv/x"
        );
        assert_eq!(resolve_path(u32::MAX, 5, "x", Some("/srv"), true), "x");
    }
}
