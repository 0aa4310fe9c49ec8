//! Container attribution on a live host: the container id from a process's cgroup (see
//! [`trace::ingest::identity`]), and the container's name, image, pod and labels from its
//! runtime (`podman inspect` / `docker inspect`, else its OCI bundle), read once when the
//! container is first seen so they survive its deletion. Turning what the runtime says into a
//! record is [`trace::ingest::container`]'s, shared with the importers.

use std::process::Command;

use serde_json::Value;
use trace::ingest::container::{FirstSight, bare_record, record_from_inspect, record_from_oci};
pub use trace::ingest::identity::container_of_cgroup;
use trace::schema::ContainerRecord;

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

/// Containers seen so far, with the record of their first sight.
#[derive(Debug)]
pub struct Containers {
    seen: FirstSight,
    /// Recorded as the records' `source` (the collector's mode).
    pub source: String,
}

impl Default for Containers {
    fn default() -> Self {
        Containers {
            seen: FirstSight::default(),
            source: "procfs".into(),
        }
    }
}

impl Containers {
    /// The record of a container first seen now: from the runtime when it answers (Kubernetes
    /// names it may not show from the bundle), else from the bundle, else just the id and
    /// runtime (attribution by id still holds). `None` when it was seen before.
    pub fn first_sight(
        &mut self,
        id: &str,
        runtime: &str,
        host_id: &str,
        time: i64,
    ) -> Option<ContainerRecord> {
        let source = self.source.clone();
        self.seen.see(id, || {
            let oci =
                bundle_config(id).map(|v| record_from_oci(&v, id, host_id, runtime, time, &source));
            match (inspect(id, runtime), oci) {
                (Some(v), oci) => {
                    let mut r = record_from_inspect(&v, host_id, runtime, time, &source);
                    if let Some(o) = oci {
                        r.pod = r.pod.or(o.pod);
                        r.namespace = r.namespace.or(o.namespace);
                    }
                    r
                }
                (None, Some(o)) => o,
                (None, None) => bare_record(id, runtime, host_id, time, &source),
            }
        })
    }

    /// The first-sight record of `id`.
    pub fn get(&self, id: &str) -> Option<&ContainerRecord> {
        self.seen.get(id)
    }
}
