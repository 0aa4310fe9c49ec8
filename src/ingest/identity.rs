//! Naming things the same way whoever recorded them: container ids from cgroup paths and from
//! the forms runtimes and tools print, and process keys (see also [`crate::schema::process_key`]
//! and [`crate::schema::source_process_key`]).

pub use crate::schema::{process_key, source_process_key};

/// Cgroup leaf prefixes of each runtime (`libpod-<id>.scope`, `docker-<id>.scope`, …).
pub const CGROUP_PREFIXES: &[(&str, &str)] = &[
    ("libpod-", "podman"),
    ("docker-", "docker"),
    ("cri-containerd-", "containerd"),
    ("crio-", "cri-o"),
];

/// URL schemes of container ids as Kubernetes (`containerStatuses[].containerID`), Falco and
/// others print them.
pub const ID_SCHEMES: &[(&str, &str)] = &[
    ("docker", "docker"),
    ("containerd", "containerd"),
    ("cri-o", "cri-o"),
    ("crio", "cri-o"),
    ("podman", "podman"),
];

/// True for a full container id: 64 hex digits.
pub fn is_full_id(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn is_hex(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A container reference as people paste it or tools print it, normalized: `docker://<id>`,
/// `containerd://<id>`, `cri-o://<id>`, cgroup leaves like `libpod-<id>.scope`, surrounding
/// space; hex ids lowercased (a prefix stays a prefix). Anything else (a name) is kept as it
/// is. Returns the reference and the runtime its form names, when it names one.
pub fn parse_container_ref(reference: &str) -> (String, Option<&'static str>) {
    let mut r = reference.trim();
    let mut runtime = None;
    if let Some((scheme, rest)) = r.split_once("://") {
        runtime = ID_SCHEMES
            .iter()
            .find(|(s, _)| s.eq_ignore_ascii_case(scheme))
            .map(|(_, rt)| *rt);
        r = rest;
    }
    if let Some(rest) = r.strip_suffix(".scope") {
        r = rest;
    }
    for (p, rt) in CGROUP_PREFIXES {
        if let Some(rest) = r.strip_prefix(p)
            && is_hex(rest)
        {
            r = rest;
            runtime = runtime.or(Some(*rt));
        }
    }
    if is_hex(r) {
        (r.to_ascii_lowercase(), runtime)
    } else {
        (r.to_string(), runtime)
    }
}

/// The container id in a `/proc/<pid>/cgroup` text (or a bare `0::<path>` line), with the
/// runtime it implies.
///
/// Scans every line's path from the leaf up; a component is an id when, after stripping
/// `.scope` and one of the [`CGROUP_PREFIXES`], it is 64 hex digits (docker's cgroupfs layout
/// has a bare id under `/docker/`, Kubernetes' under `kubepods`).
pub fn container_of_cgroup(cgroup: &str) -> Option<(String, &'static str)> {
    for line in cgroup.lines() {
        let path = line.splitn(3, ':').nth(2).unwrap_or("");
        for comp in path.rsplit('/') {
            let c = comp.strip_suffix(".scope").unwrap_or(comp);
            let prefixed = CGROUP_PREFIXES
                .iter()
                .find_map(|(p, rt)| c.strip_prefix(p).map(|rest| (rest, *rt)));
            let (rest, runtime) = match prefixed {
                Some(found) => found,
                None if path.contains("/docker/") => (c, "docker"),
                None if path.contains("kubepods") => (c, "containerd"),
                None => continue,
            };
            if is_full_id(rest) {
                return Some((rest.to_ascii_lowercase(), runtime));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "3f2a9c41e7b05d8c6a1f9e2b7d4c3a5f8e6b1d9c0a7f2e4b3c5d8a1f6e9b2c7d";

    #[test]
    fn ids_from_every_runtime_cgroup_layout() {
        let cases = [
            (format!("0::/libpod_parent/libpod-{ID}"), "podman"),
            (
                format!("12:pids:/libpod_parent/libpod-{ID}\n0::/libpod_parent/libpod-{ID}"),
                "podman",
            ),
            (format!("0::/docker/{ID}"), "docker"),
            (format!("0::/system.slice/docker-{ID}.scope"), "docker"),
            (
                format!(
                    "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1.slice/cri-containerd-{ID}.scope"
                ),
                "containerd",
            ),
            (format!("0::/kubepods/burstable/pod1234/{ID}"), "containerd"),
            (
                format!("0::/machine.slice/libpod-{ID}.scope/container"),
                "podman",
            ),
            (format!("0::/kubepods.slice/crio-{ID}.scope"), "cri-o"),
        ];
        for (text, runtime) in cases {
            assert_eq!(
                container_of_cgroup(&text),
                Some((ID.to_string(), runtime)),
                "{text}"
            );
        }
        assert_eq!(
            container_of_cgroup("0::/user.slice/user-1000.slice/session-2.scope"),
            None
        );
        assert_eq!(container_of_cgroup("0::/libpod_parent/conmon"), None);
        assert_eq!(container_of_cgroup(""), None);
        assert_eq!(container_of_cgroup("garbage without colons"), None);
    }

    #[test]
    fn references_normalize_like_people_paste_them() {
        let n = |s: &str| parse_container_ref(s).0;
        assert_eq!(n("3F2A9C"), "3f2a9c");
        assert_eq!(n(" docker://3f2a9c "), "3f2a9c");
        assert_eq!(n("containerd://ab12"), "ab12");
        assert_eq!(n("libpod-ab12.scope"), "ab12");
        assert_eq!(n("docker-AB12.scope"), "ab12");
        assert_eq!(n("shop-web"), "shop-web");
        assert_eq!(n("docker-registry"), "docker-registry");
        assert_eq!(parse_container_ref("cri-o://ab12").1, Some("cri-o"));
        assert_eq!(
            parse_container_ref("cri-containerd-ab12.scope").1,
            Some("containerd")
        );
        assert_eq!(parse_container_ref("ab12").1, None);
        assert_eq!(
            parse_container_ref(&format!("containerd://{ID}")),
            (ID.to_string(), Some("containerd"))
        );
        assert!(is_full_id(ID) && !is_full_id("ab12"));
    }
}
