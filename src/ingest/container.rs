//! Container records from what runtimes say about a container: the JSON of `podman inspect` /
//! `docker inspect`, and the annotations of an OCI bundle's `config.json` (cri-o, containerd's
//! CRI plugin). [`FirstSight`] makes one record per container, the first time it is seen, so
//! that name, image and pod survive the container's deletion.

use std::collections::HashMap;

use serde_json::Value;

use crate::schema::{ContainerRecord, ContainerState};

fn time_ns(v: &Value) -> Option<i64> {
    let s = v.as_str()?;
    chrono::DateTime::parse_from_rfc3339(s)
        .ok()
        .and_then(|d| d.timestamp_nanos_opt())
        .filter(|t| *t > 0)
}

/// Builds a container record from one `inspect` JSON object (podman or docker).
pub fn record_from_inspect(
    v: &Value,
    host_id: &str,
    runtime: &str,
    time: i64,
    source: &str,
) -> ContainerRecord {
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
        source: source.to_string(),
    }
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
    source: &str,
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
        source: source.to_string(),
    }
}

/// The containers a recorder has seen, with the record made at first sight.
#[derive(Debug, Default)]
pub struct FirstSight {
    seen: HashMap<String, ContainerRecord>,
}

impl FirstSight {
    /// The record of `id` when it is seen for the first time: `make()`'s, with the id set;
    /// `None` when it was seen before (`make` is not called).
    pub fn see(
        &mut self,
        id: &str,
        make: impl FnOnce() -> ContainerRecord,
    ) -> Option<ContainerRecord> {
        if self.seen.contains_key(id) {
            return None;
        }
        let mut rec = make();
        rec.container_id = id.to_string();
        self.seen.insert(id.to_string(), rec.clone());
        Some(rec)
    }

    /// The first-sight record of `id`.
    pub fn get(&self, id: &str) -> Option<&ContainerRecord> {
        self.seen.get(id)
    }

    /// Containers seen.
    pub fn len(&self) -> usize {
        self.seen.len()
    }

    /// True when none was seen.
    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }
}

/// The bare record of a container nothing answers about: its id and runtime (attribution by
/// id still holds).
pub fn bare_record(
    id: &str,
    runtime: &str,
    host_id: &str,
    time: i64,
    source: &str,
) -> ContainerRecord {
    ContainerRecord {
        time,
        host_id: host_id.to_string(),
        container_id: id.to_string(),
        state: Some(ContainerState::Seen),
        runtime: Some(runtime.to_string()),
        source: source.to_string(),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "3f2a9c41e7b05d8c6a1f9e2b7d4c3a5f8e6b1d9c0a7f2e4b3c5d8a1f6e9b2c7d";

    #[test]
    fn a_container_is_recorded_once() {
        let mut fs = FirstSight::default();
        let r = fs
            .see(ID, || bare_record("x", "podman", "h", 1, "ebpf"))
            .unwrap();
        assert_eq!(r.container_id, ID);
        assert!(fs.see(ID, || unreachable!("seen before")).is_none());
        assert_eq!(fs.get(ID).unwrap().runtime.as_deref(), Some("podman"));
        assert_eq!(fs.len(), 1);
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
        let r = record_from_oci(&crio, ID, "h", "cri-o", 5, "ebpf");
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
        let r = record_from_oci(&containerd, ID, "h", "containerd", 5, "ebpf");
        assert_eq!(
            (r.pod.as_deref(), r.namespace.as_deref(), r.name.as_deref()),
            (Some("pay-0"), Some("pay"), Some("api"))
        );
        assert_eq!(r.image.as_deref(), Some("reg/api:7"));
        // No annotations at all: a record with the id only, no panic.
        let r = record_from_oci(&serde_json::json!({}), ID, "h", "containerd", 5, "ebpf");
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
        let r = record_from_inspect(&v[0], "h", "podman", 5, "ebpf");
        assert_eq!(r.name.as_deref(), Some("web"));
        assert_eq!(r.image.as_deref(), Some("localhost/bb:1"));
        assert_eq!(r.pod.as_deref(), Some("shop-web-1"));
        assert_eq!(r.namespace.as_deref(), Some("shop"));
        assert_eq!(r.ip_addresses, vec!["10.88.0.5"]);
        assert_eq!(r.created, Some(1_791_267_160_123_456_789));
        assert_eq!(r.labels.len(), 2);
    }
}
