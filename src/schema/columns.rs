//! Column documentation: one line per column with its OCSF counterpart. `docs/schema.md` is
//! checked against this list and against the Arrow schemas by a test, so neither can drift.

use super::Family;

/// Documentation of one column.
#[derive(Debug, Clone, Copy)]
pub struct ColumnDoc {
    /// Column name.
    pub name: &'static str,
    /// The OCSF attribute it maps to (`-` when OCSF has none).
    pub ocsf: &'static str,
    /// What it holds.
    pub description: &'static str,
}

const fn c(name: &'static str, ocsf: &'static str, description: &'static str) -> ColumnDoc {
    ColumnDoc {
        name,
        ocsf,
        description,
    }
}

const EVENT_COMMON: &[ColumnDoc] = &[
    c(
        "time",
        "time",
        "When it happened, UTC (microsecond timestamp; the exact time in ns is `epoch_ns(time) + time_nanos`)",
    ),
    c(
        "time_nanos",
        "-",
        "Nanoseconds past `time`'s microsecond, 0–999, for sources with nanosecond clocks (0 otherwise; NULL in files before schema 3)",
    ),
    c(
        "kind",
        "activity_name",
        "process_exec, file_rename, net_connect, …",
    ),
    c(
        "class_uid",
        "class_uid",
        "1007 Process, 1001 File System, 4001 Network Activity, 2004 Detection Finding, 6003 API Activity, 3002 Authentication",
    ),
    c(
        "activity_id",
        "activity_id",
        "OCSF activity within the class",
    ),
    c(
        "host_id",
        "device.uid",
        "Host identity (machine-id or importer's host name)",
    ),
    c("boot_id", "device.boot_uid", "Boot id of the host"),
    c(
        "source",
        "metadata.product.name",
        "Recorder: ebpf, procfs, demo or importer name",
    ),
    c(
        "container_id",
        "container.uid",
        "Full container id; NULL on the host",
    ),
    c("pid", "actor.process.pid", "Process id (thread-group id)"),
    c("tid", "actor.process.tid", "Thread id that acted"),
    c("ppid", "actor.process.parent_process.pid", "Parent pid"),
    c("uid", "actor.user.uid", "Real uid"),
    c("gid", "actor.process.group.gid", "Real gid"),
    c("euid", "actor.process.euid", "Effective uid"),
    c("auid", "actor.process.auid", "Login (audit) uid"),
    c(
        "user_name",
        "actor.user.name",
        "Name of uid when known; for api rows the caller (user, ARN, service account)",
    ),
    c("comm", "actor.process.name", "Kernel command name"),
    c("exe", "actor.process.file.path", "Executable path"),
    c("argv", "actor.process.cmd_line (split)", "Argument vector"),
    c(
        "cwd",
        "actor.process.working_directory",
        "Working directory",
    ),
    c(
        "process_start_time",
        "actor.process.created_time",
        "Process start, UTC",
    ),
    c(
        "process_key",
        "actor.process.uid",
        "Stable process key (UUIDv5)",
    ),
    c(
        "parent_process_key",
        "actor.process.parent_process.uid",
        "Parent's stable key",
    ),
];

const PROCESS: &[ColumnDoc] = &[
    c("exit_code", "exit_code", "Exit status on process_exit"),
    c(
        "exe_sha256",
        "process.file.hashes",
        "SHA-256 of the executable",
    ),
];

const FILE: &[ColumnDoc] = &[
    c("path", "file.path", "File acted on (old name for a rename)"),
    c("target_path", "file_result.path", "New name for a rename"),
    c(
        "file_mode",
        "file.attributes / mode",
        "New mode for chmod, mode of a created file",
    ),
    c("open_flags", "-", "open(2) flags"),
    c("owner_uid", "file.owner.uid", "New owner uid for chown"),
    c("owner_gid", "file.group.gid", "New owner gid for chown"),
    c(
        "file_sha256",
        "file.hashes",
        "SHA-256 of the content after the action",
    ),
];

const NETWORK: &[ColumnDoc] = &[
    c("protocol", "connection_info.protocol_name", "tcp or udp"),
    c("src_ip", "src_endpoint.ip", "Initiator's address"),
    c("src_port", "src_endpoint.port", "Initiator's port"),
    c(
        "dst_ip",
        "dst_endpoint.ip",
        "Responder's (listening) address",
    ),
    c("dst_port", "dst_endpoint.port", "Responder's port"),
    c(
        "community_id",
        "connection_info.community_uid",
        "Community ID v1 of the flow",
    ),
    c(
        "bytes_sent",
        "traffic.bytes_out",
        "Bytes sent by this process (on close)",
    ),
    c(
        "bytes_received",
        "traffic.bytes_in",
        "Bytes received by this process (on close)",
    ),
];

const HOSTS: &[ColumnDoc] = &[
    c("time", "time", "When recorded"),
    c("host_id", "device.uid", "Host identity"),
    c("hostname", "device.hostname", "Host name"),
    c("boot_id", "device.boot_uid", "Boot id"),
    c("os", "device.os.name", "Operating system"),
    c("kernel", "device.os.kernel_release", "Kernel release"),
    c(
        "kind",
        "device.type",
        "laptop, server, vm, container-host, k8s-node",
    ),
    c("ip_addresses", "device.ip", "Addresses of the host"),
    c("source", "metadata.product.name", "Recorder"),
];

const CONTAINERS: &[ColumnDoc] = &[
    c("time", "time", "When recorded"),
    c("host_id", "device.uid", "Host the container ran on"),
    c("container_id", "container.uid", "Full container id"),
    c("state", "-", "seen, created, started, exited, removed"),
    c("name", "container.name", "Container name"),
    c("image", "container.image.name", "Image reference"),
    c("image_id", "container.image.uid", "Image id or digest"),
    c(
        "runtime",
        "container.runtime",
        "docker, podman, containerd, cri-o",
    ),
    c("pod", "container.pod_uuid / k8s pod", "Kubernetes pod"),
    c("namespace", "namespace", "Kubernetes namespace"),
    c("labels", "container.labels", "Labels as key=value"),
    c("created", "-", "Creation time"),
    c("started", "-", "Start time"),
    c("exited", "-", "Exit time"),
    c("exit_code", "-", "Exit code of the main process"),
    c("ip_addresses", "-", "Container addresses"),
    c("source", "metadata.product.name", "Recorder"),
];

const FINDING: &[ColumnDoc] = &[
    c(
        "rule",
        "finding_info.title",
        "The detector's rule (Falco rule, Tracee signature, hunt)",
    ),
    c(
        "rule_id",
        "finding_info.analytic.uid",
        "The rule's id when the detector gives one (TRC-1, …)",
    ),
    c(
        "severity",
        "severity",
        "informational, low, medium, high, critical, fatal",
    ),
    c("severity_id", "severity_id", "OCSF severity id, 1–6"),
    c(
        "tags",
        "finding_info.types",
        "The rule's tags (MITRE ids, categories) as the detector wrote them",
    ),
    c(
        "message",
        "message",
        "The alert text as the detector wrote it",
    ),
];

const API: &[ColumnDoc] = &[
    c(
        "operation",
        "api.operation",
        "What was called: Kubernetes verb (create, get, …) or CloudTrail eventName",
    ),
    c(
        "service",
        "api.service.name",
        "kubernetes, or the AWS service (iam.amazonaws.com, …)",
    ),
    c(
        "actor_uid",
        "actor.user.uid",
        "The caller's id (Kubernetes user uid, AWS principalId)",
    ),
    c(
        "actor_type",
        "actor.user.type",
        "IAMUser, AssumedRole, Root, serviceaccount, user, …",
    ),
    c("groups", "actor.user.groups", "The caller's groups"),
    c(
        "access_key",
        "actor.user.credential_uid",
        "Access key id the call was signed with (AKIA… long-term, ASIA… session)",
    ),
    c("src_ip", "src_endpoint.ip", "Where the call came from"),
    c(
        "user_agent",
        "http_request.user_agent",
        "The caller's user agent",
    ),
    c(
        "resource_type",
        "resources.type",
        "pods, pods/exec, secrets, AWS resource type, …",
    ),
    c(
        "resource",
        "resources.name",
        "The object acted on: pod, secret or user name, ARN, bucket, …",
    ),
    c(
        "namespace",
        "resources.namespace",
        "Kubernetes namespace of the object",
    ),
    c(
        "target_container",
        "-",
        "Container name a pods/exec or attach entered",
    ),
    c("cloud_account", "cloud.account.uid", "Cloud account id"),
    c("cloud_region", "cloud.region", "Cloud region"),
    c("outcome", "status", "success or failure"),
    c(
        "status_code",
        "status_code",
        "HTTP status (Kubernetes) or error code (AWS AccessDenied, …)",
    ),
    c(
        "status_detail",
        "status_detail",
        "The reason or error message",
    ),
    c(
        "request_id",
        "api.request.uid",
        "The source's id of the call (auditID, eventID)",
    ),
];

const LOSS: &[ColumnDoc] = &[
    c("time", "time", "When the loss was noticed"),
    c("host_id", "device.uid", "Host"),
    c("boot_id", "device.boot_uid", "Boot id"),
    c("source", "metadata.product.name", "Who lost events"),
    c(
        "interval_start",
        "start_time",
        "Start of the lossy interval",
    ),
    c("interval_end", "end_time", "End of the lossy interval"),
    c("events_lost", "count", "Events lost (lower bound)"),
    c(
        "reason",
        "-",
        "ringbuf_full, decode_error, parse_error, sequence_gap, …",
    ),
];

/// Provenance (schema version 2), last in every family.
const PROVENANCE: &[ColumnDoc] = &[
    c(
        "ingest_id",
        "-",
        "The ingest run that wrote the row (collector process, import, demo)",
    ),
    c(
        "ingest_time",
        "metadata.processed_time",
        "When the row's file was written into the store, UTC",
    ),
    c(
        "input",
        "metadata.log_name",
        "What the run read: collector mode, demo, or the imported file's path",
    ),
    c(
        "input_sha256",
        "-",
        "SHA-256 of the imported file's content",
    ),
    c(
        "input_offset",
        "-",
        "Byte offset of the record in the imported file",
    ),
];

/// The last column of the event families.
const UNMAPPED: &[ColumnDoc] = &[c(
    "extra",
    "unmapped",
    "What the source recorded that no column holds (JSON object; importers)",
)];

/// The documented columns of `family`, in schema order.
pub fn column_docs(family: Family) -> Vec<ColumnDoc> {
    let (head, extra): (&[ColumnDoc], &[ColumnDoc]) = match family {
        Family::Process => (EVENT_COMMON, PROCESS),
        Family::File => (EVENT_COMMON, FILE),
        Family::Network => (EVENT_COMMON, NETWORK),
        Family::Finding => (EVENT_COMMON, FINDING),
        Family::Api => (EVENT_COMMON, API),
        Family::Hosts => (HOSTS, &[]),
        Family::Containers => (CONTAINERS, &[]),
        Family::Loss => (LOSS, &[]),
    };
    let unmapped: &[ColumnDoc] = if family.is_event() { UNMAPPED } else { &[] };
    head.iter()
        .chain(extra)
        .chain(unmapped)
        .chain(PROVENANCE)
        .copied()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_schema_column_is_documented_in_order() {
        for f in Family::ALL {
            let docs: Vec<&str> = column_docs(f).iter().map(|d| d.name).collect();
            let schema = f.schema();
            let cols: Vec<&str> = schema.fields().iter().map(|x| x.name().as_str()).collect();
            assert_eq!(docs, cols, "column docs of {f} drifted from its schema");
        }
    }
}
