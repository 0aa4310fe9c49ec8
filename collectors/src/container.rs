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
        let rec = inspect(id, runtime)
            .map(|v| record_from_inspect(&v, host_id, runtime, time))
            .unwrap_or_else(|| ContainerRecord {
                time,
                host_id: host_id.to_string(),
                container_id: id.to_string(),
                state: Some(ContainerState::Seen),
                runtime: Some(runtime.to_string()),
                source: "procfs".into(),
                ..Default::default()
            });
        let mut rec = rec;
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
