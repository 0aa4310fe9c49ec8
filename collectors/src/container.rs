//! Container attribution: the container id from a process's cgroup path, and the container's
//! name, image, pod and labels from its runtime (`podman inspect` / `docker inspect`), read
//! once when the container is first seen so they survive its deletion.

use std::collections::HashMap;
use std::process::Command;

use serde_json::Value;
use trace::schema::{ContainerRecord, ContainerState};

/// The container id in a `/proc/<pid>/cgroup` text, with the runtime it implies.
///
/// Scans every line's path from the leaf up; a component is an id when, after stripping
/// `.scope` and one of `libpod-`, `docker-`, `cri-containerd-`, `crio-`, it is 64 hex digits
/// (docker's cgroupfs layout has a bare id under `/docker/`).
pub fn container_of_cgroup(cgroup: &str) -> Option<(String, &'static str)> {
    for line in cgroup.lines() {
        let path = line.splitn(3, ':').nth(2).unwrap_or("");
        for comp in path.rsplit('/') {
            let c = comp.strip_suffix(".scope").unwrap_or(comp);
            let (rest, runtime) = if let Some(r) = c.strip_prefix("libpod-") {
                (r, "podman")
            } else if let Some(r) = c.strip_prefix("docker-") {
                (r, "docker")
            } else if let Some(r) = c.strip_prefix("cri-containerd-") {
                (r, "containerd")
            } else if let Some(r) = c.strip_prefix("crio-") {
                (r, "cri-o")
            } else if path.contains("/docker/") {
                (c, "docker")
            } else if path.contains("kubepods") {
                (c, "containerd")
            } else {
                continue;
            };
            if rest.len() == 64 && rest.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Some((rest.to_ascii_lowercase(), runtime));
            }
        }
    }
    None
}

fn time_ns(v: &Value) -> Option<i64> {
    let s = v.as_str()?;
    chrono::DateTime::parse_from_rfc3339(s)
        .ok()
        .and_then(|d| d.timestamp_nanos_opt())
        .filter(|t| *t > 0)
}

/// Builds a container record from one `inspect` JSON object (podman or docker).
pub fn record_from_inspect(v: &Value, host_id: &str, runtime: &str, time: i64) -> ContainerRecord {
    let s = |v: &Value| v.as_str().filter(|s| !s.is_empty()).map(str::to_string);
    let labels: Vec<String> = v["Config"]["Labels"]
        .as_object()
        .map(|m| {
            let mut l: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                .collect();
            l.sort();
            l
        })
        .unwrap_or_default();
    let label = |k: &str| v["Config"]["Labels"][k].as_str().map(str::to_string);
    let mut ips: Vec<String> = Vec::new();
    if let Some(ip) = s(&v["NetworkSettings"]["IPAddress"]) {
        ips.push(ip);
    }
    if let Some(nets) = v["NetworkSettings"]["Networks"].as_object() {
        for n in nets.values() {
            if let Some(ip) = s(&n["IPAddress"])
                && !ips.contains(&ip)
            {
                ips.push(ip);
            }
        }
    }
    ContainerRecord {
        time,
        host_id: host_id.to_string(),
        container_id: s(&v["Id"]).unwrap_or_default(),
        state: Some(ContainerState::Seen),
        name: s(&v["Name"]).map(|n| n.trim_start_matches('/').to_string()),
        image: s(&v["ImageName"]).or_else(|| s(&v["Config"]["Image"])),
        image_id: s(&v["Image"]),
        runtime: Some(runtime.to_string()),
        pod: label("io.kubernetes.pod.name").or_else(|| s(&v["PodName"])),
        namespace: label("io.kubernetes.pod.namespace"),
        labels,
        created: time_ns(&v["Created"]),
        started: time_ns(&v["State"]["StartedAt"]),
        exited: None,
        exit_code: None,
        ip_addresses: ips,
        source: "procfs".into(),
    }
}

/// Asks the runtime about a container; `None` when its CLI is missing or the container is gone.
pub fn inspect(id: &str, runtime: &str) -> Option<Value> {
    let clis: &[&str] = match runtime {
        "podman" => &["podman"],
        "docker" => &["docker"],
        _ => &["crictl", "podman", "docker"],
    };
    for cli in clis {
        let Ok(out) = Command::new(cli).args(["inspect", id]).output() else {
            continue;
        };
        if !out.status.success() {
            continue;
        }
        if let Ok(Value::Array(mut a)) = serde_json::from_slice::<Value>(&out.stdout)
            && !a.is_empty()
        {
            return Some(a.swap_remove(0));
        }
    }
    None
}

/// Where runtimes keep a container's OCI bundle `config.json` (cri-o and podman under
/// containers/storage; containerd, also under docker, per namespace).
const BUNDLE_DIRS: &[&str] = &[
    "/run/containers/storage/overlay-containers/{id}/userdata",
    "/var/lib/containers/storage/overlay-containers/{id}/userdata",
    "/run/containerd/io.containerd.runtime.v2.task/*/{id}",
    "/run/docker/containerd/daemon/io.containerd.runtime.v2.task/*/{id}",
];

/// The container's OCI runtime config (`config.json` of its bundle), read from the runtime's
/// own state files: what is known of a container when no runtime CLI answers.
pub fn bundle_config(id: &str) -> Option<Value> {
    let mut dirs = Vec::new();
    for pattern in BUNDLE_DIRS {
        let p = pattern.replace("{id}", id);
        match p.split_once("/*/") {
            Some((base, rest)) => {
                if let Ok(rd) = std::fs::read_dir(base) {
                    dirs.extend(rd.flatten().map(|ns| ns.path().join(rest)));
                }
            }
            None => dirs.push(std::path::PathBuf::from(p)),
        }
    }
    dirs.iter().find_map(|d| {
        let text = std::fs::read(d.join("config.json")).ok()?;
        serde_json::from_slice(&text).ok()
    })
}

/// A container record from an OCI config's annotations: Kubernetes pod, namespace, container
/// name and image as cri-o (`io.kubernetes.pod.*`, `io.kubernetes.cri-o.*`) and containerd's
/// CRI plugin (`io.kubernetes.cri.*`) write them; every annotation is kept as a label.
pub fn record_from_oci(
    v: &Value,
    id: &str,
    host_id: &str,
    runtime: &str,
    time: i64,
) -> ContainerRecord {
    let a = &v["annotations"];
    let get = |keys: &[&str]| {
        keys.iter()
            .find_map(|k| a[*k].as_str().filter(|s| !s.is_empty()).map(str::to_string))
    };
    let mut labels: Vec<String> = a
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                .collect()
        })
        .unwrap_or_default();
    labels.sort();
    ContainerRecord {
        time,
        host_id: host_id.to_string(),
        container_id: id.to_string(),
        state: Some(ContainerState::Seen),
        name: get(&[
            "io.kubernetes.container.name",
            "io.kubernetes.cri.container-name",
        ]),
        image: get(&[
            "io.kubernetes.cri-o.ImageName",
            "io.kubernetes.cri.image-name",
        ]),
        image_id: get(&["io.kubernetes.cri-o.ImageRef"]),
        runtime: Some(runtime.to_string()),
        pod: get(&["io.kubernetes.pod.name", "io.kubernetes.cri.sandbox-name"]),
        namespace: get(&[
            "io.kubernetes.pod.namespace",
            "io.kubernetes.cri.sandbox-namespace",
        ]),
        labels,
        created: time_ns(&a["io.kubernetes.cri-o.Created"]),
        started: None,
        exited: None,
        exit_code: None,
        ip_addresses: Vec::new(),
        source: "procfs".into(),
    }
}

/// Containers seen so far: their record and whether they still have live processes.
#[derive(Debug, Default)]
pub struct Containers {
    /// By id.
    pub seen: HashMap<String, ContainerRecord>,
}

impl Containers {
    /// The record of a container first seen now: from the runtime when it answers, else just
    /// the id and runtime (attribution by id still holds).
    pub fn first_sight(
        &mut self,
        id: &str,
        runtime: &str,
        host_id: &str,
        time: i64,
    ) -> Option<ContainerRecord> {
        if self.seen.contains_key(id) {
            return None;
        }
        let oci = bundle_config(id).map(|v| record_from_oci(&v, id, host_id, runtime, time));
        let mut rec = match (inspect(id, runtime), oci) {
            (Some(v), oci) => {
                let mut r = record_from_inspect(&v, host_id, runtime, time);
                // Kubernetes names the runtime's CLI may not show, from the bundle.
                if let Some(o) = oci {
                    r.pod = r.pod.or(o.pod);
                    r.namespace = r.namespace.or(o.namespace);
                }
                r
            }
            (None, Some(o)) => o,
            (None, None) => ContainerRecord {
                time,
                host_id: host_id.to_string(),
                container_id: id.to_string(),
                state: Some(ContainerState::Seen),
                runtime: Some(runtime.to_string()),
                source: "procfs".into(),
                ..Default::default()
            },
        };
        rec.container_id = id.to_string();
        self.seen.insert(id.to_string(), rec.clone());
        Some(rec)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "3f2a9c41e7b05d8c6a1f9e2b7d4c3a5f8e6b1d9c0a7f2e4b3c5d8a1f6e9b2c7d";

    #[test]
    fn ids_from_every_runtime_layout() {
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
    }

    #[test]
    fn oci_annotations_of_cri_o_and_containerd_become_a_record() {
        let crio: Value = serde_json::from_str(
            r#"{"ociVersion":"1.0.2","annotations":{
                "io.kubernetes.pod.name":"shop-web-1","io.kubernetes.pod.namespace":"shop",
                "io.kubernetes.container.name":"web","io.kubernetes.cri-o.ImageName":"reg/web:2",
                "io.kubernetes.cri-o.Created":"2026-10-06T06:12:40.5Z"}}"#,
        )
        .unwrap();
        let r = record_from_oci(&crio, ID, "h", "cri-o", 5);
        assert_eq!(r.pod.as_deref(), Some("shop-web-1"));
        assert_eq!(r.namespace.as_deref(), Some("shop"));
        assert_eq!(r.name.as_deref(), Some("web"));
        assert_eq!(r.image.as_deref(), Some("reg/web:2"));
        assert_eq!(r.created, Some(1_791_267_160_500_000_000));
        assert_eq!(r.labels.len(), 5);
        let containerd: Value = serde_json::from_str(
            r#"{"annotations":{"io.kubernetes.cri.sandbox-name":"pay-0",
                "io.kubernetes.cri.sandbox-namespace":"pay","io.kubernetes.cri.container-name":"api",
                "io.kubernetes.cri.image-name":"reg/api:7"}}"#,
        )
        .unwrap();
        let r = record_from_oci(&containerd, ID, "h", "containerd", 5);
        assert_eq!(
            (r.pod.as_deref(), r.namespace.as_deref(), r.name.as_deref()),
            (Some("pay-0"), Some("pay"), Some("api"))
        );
        assert_eq!(r.image.as_deref(), Some("reg/api:7"));
        // No annotations at all: a record with the id only, no panic.
        let r = record_from_oci(&serde_json::json!({}), ID, "h", "containerd", 5);
        assert_eq!((r.pod, r.labels.len()), (None, 0));
    }

    #[test]
    fn inspect_json_becomes_a_record() {
        let v: Value = serde_json::from_str(&format!(
            r#"[{{"Id":"{ID}","Name":"web","ImageName":"localhost/bb:1","Image":"sha256:abc",
                "Created":"2026-10-06T06:12:40.123456789Z","State":{{"StartedAt":"2026-10-06T06:12:41Z"}},
                "Config":{{"Labels":{{"io.kubernetes.pod.name":"shop-web-1","io.kubernetes.pod.namespace":"shop"}}}},
                "NetworkSettings":{{"IPAddress":"","Networks":{{"podman":{{"IPAddress":"10.88.0.5"}}}}}}}}]"#
        ))
        .unwrap();
        let r = record_from_inspect(&v[0], "h", "podman", 5);
        assert_eq!(r.name.as_deref(), Some("web"));
        assert_eq!(r.image.as_deref(), Some("localhost/bb:1"));
        assert_eq!(r.pod.as_deref(), Some("shop-web-1"));
        assert_eq!(r.namespace.as_deref(), Some("shop"));
        assert_eq!(r.ip_addresses, vec!["10.88.0.5"]);
        assert_eq!(r.created, Some(1_791_267_160_123_456_789));
        assert_eq!(r.labels.len(), 2);
    }
}
