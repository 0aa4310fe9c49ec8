//! The OCSF 1.8.0 mapping of every event family: one record shape per OCSF class, as DuckDB
//! SQL (see docs/export.md for the table). Checked against the OCSF schema files by
//! `tests/it/export.rs`.

use super::Unit;
use super::shape::{Node, basename, case, obj, obj_if, one, select_list, x};
use crate::schema::{EventKind, Family};

/// The OCSF version the records name (`metadata.version`).
pub const VERSION: &str = "1.8.0";

/// How times are written: OCSF `timestamp_t` is milliseconds since the epoch in JSON; in
/// Parquet (Amazon Security Lake) a millisecond timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Times {
    /// Integers of milliseconds.
    EpochMillis,
    /// Parquet `TIMESTAMP(MILLIS)`.
    Timestamp,
}

/// The OCSF classes exported, one unit each.
pub const UNITS: [Unit; 6] = [
    Unit::class("process_activity", Family::Process, 1007),
    Unit::class("file_activity", Family::File, 1001),
    Unit::class("network_activity", Family::Network, 4001),
    Unit::class("detection_finding", Family::Finding, 2004),
    Unit::class("api_activity", Family::Api, 6003),
    Unit::class("authentication", Family::Api, 3002),
];

/// The `SELECT` list of one class's records (rows of `e`, hosts `h`, containers `c`).
pub fn select(unit: &Unit, times: Times) -> String {
    let t = |col: &str| match times {
        Times::EpochMillis => format!("epoch_ms({col})"),
        Times::Timestamp => format!("{col}::TIMESTAMP_MS"),
    };
    let mut top = common(unit, &t);
    top.extend(match unit.class_uid {
        Some(1007) => vec![
            ("process", process(true, &t)),
            ("actor", actor(initiator())),
            ("exit_code", x("e.exit_code")),
        ],
        Some(1001) => vec![
            ("actor", actor(process(false, &t))),
            ("file", file("e.path", true)),
            ("file_result", file("e.target_path", false)),
        ],
        Some(4001) => vec![
            ("actor", actor(process(false, &t))),
            (
                "src_endpoint",
                connection_end("e.src_ip", "e.src_port", "e.kind = 'net_connect'"),
            ),
            (
                "dst_endpoint",
                connection_end("e.dst_ip", "e.dst_port", "e.kind <> 'net_connect'"),
            ),
            ("connection_info", connection()),
            (
                "traffic",
                obj_if(
                    "coalesce(e.bytes_sent, e.bytes_received)",
                    vec![
                        ("bytes_out", x("e.bytes_sent")),
                        ("bytes_in", x("e.bytes_received")),
                    ],
                ),
            ),
        ],
        Some(2004) => vec![
            ("finding_info", finding_info()),
            ("message", x("e.message")),
            (
                "evidences",
                one(obj_if(
                    "coalesce(e.process_key, e.pid::VARCHAR, e.exe)",
                    vec![("process", process(false, &t))],
                )),
            ),
            // The container the finding is about, as the resource affected.
            (
                "resources",
                one(obj_if(
                    "e.container_id",
                    vec![
                        ("type", x("'container'")),
                        ("uid", x("e.container_id")),
                        ("name", x("c.name")),
                        ("namespace", x("c.namespace")),
                    ],
                )),
            ),
        ],
        Some(6003) => vec![
            ("api", api()),
            ("actor", obj(vec![("user", caller())])),
            ("src_endpoint", endpoint_always("e.src_ip")),
            (
                "http_request",
                obj_if("e.user_agent", vec![("user_agent", x("e.user_agent"))]),
            ),
            ("resources", resources()),
            ("cloud", cloud()),
        ],
        Some(3002) => vec![
            ("user", caller()),
            ("src_endpoint", endpoint("e.src_ip", None)),
            // What was logged into: the service where the recorder names one, else the host.
            (
                "service",
                obj_if("e.service", vec![("name", x("e.service"))]),
            ),
            (
                "dst_endpoint",
                obj_if(
                    "CASE WHEN e.service IS NULL THEN coalesce(h.hostname, e.host_id) END",
                    vec![("hostname", x("h.hostname")), ("uid", x("e.host_id"))],
                ),
            ),
            ("cloud", cloud()),
        ],
        _ => Vec::new(),
    });
    if unit.family == Family::Api {
        top.extend([
            ("status", x("e.outcome")),
            (
                "status_id",
                x(case(
                    "e.outcome",
                    &[("success", "1".into()), ("failure", "2".into())],
                    "0",
                )),
            ),
            ("status_code", x("e.status_code")),
            ("status_detail", x("e.status_detail")),
        ]);
    }
    top.push(("unmapped", unmapped(unit.family)));
    select_list(&top)
}

/// What every class has: classification, time, metadata, device.
fn common(unit: &Unit, t: &dyn Fn(&str) -> String) -> Vec<(&'static str, Node)> {
    let severity = if unit.family == Family::Finding {
        "coalesce(e.severity_id, 0)"
    } else {
        "1"
    };
    let activity_names: Vec<(&str, String)> = EventKind::ALL
        .iter()
        .map(|k| (k.as_str(), format!("'{}'", activity_name(*k))))
        .collect();
    vec![
        ("activity_id", x("e.activity_id")),
        (
            "activity_name",
            x(case("e.kind", &activity_names, "'Other'")),
        ),
        ("category_uid", x("e.class_uid // 1000")),
        ("class_uid", x("e.class_uid")),
        ("type_uid", x("e.class_uid::BIGINT * 100 + e.activity_id")),
        ("severity_id", x(severity)),
        ("time", x(t("e.time"))),
        ("metadata", metadata(unit, t)),
        ("device", device()),
    ]
}

/// OCSF's caption of a kind's activity.
fn activity_name(kind: EventKind) -> &'static str {
    use EventKind::*;
    match kind {
        ProcessExec | ProcessFork => "Launch",
        ProcessExit => "Terminate",
        FileOpenWrite | FileOpenRead | NetConnect | NetAccept => "Open",
        FileCreate | Finding | ApiCreate => "Create",
        FileWriteClose | ApiUpdate => "Update",
        FileUnlink | ApiDelete => "Delete",
        FileRename => "Rename",
        FileChmod | FileChown => "Set Security",
        NetListen => "Listen",
        NetClose => "Close",
        ApiRead => "Read",
        ApiOther => "Other",
        AuthLogon => "Logon",
        AuthLogoff => "Logoff",
    }
}

fn metadata(unit: &Unit, t: &dyn Fn(&str) -> String) -> Node {
    let vendors: Vec<(&str, String)> = [
        ("tetragon", "Isovalent"),
        ("falco", "Falco"),
        ("tracee", "Aqua Security"),
        ("auditd", "Linux Audit"),
        ("laurel", "Linux Audit"),
        ("sysmon-linux", "Microsoft"),
        ("sysmon-windows", "Microsoft"),
        ("osquery", "osquery"),
        ("kunai", "Kunai"),
        ("eslogger", "Apple"),
        ("k8s-audit", "Kubernetes"),
        ("cloudtrail", "Amazon Web Services"),
    ]
    .iter()
    .map(|(s, v)| (*s, format!("'{v}'")))
    .collect();
    let profiles = if unit.family == Family::Api {
        "CASE WHEN coalesce(e.cloud_account, e.cloud_region) IS NULL THEN ['host'] \
         ELSE ['host', 'cloud'] END"
    } else {
        "CASE WHEN e.container_id IS NULL THEN ['host'] ELSE ['host', 'container'] END"
    };
    obj(vec![
        ("version", x(format!("'{VERSION}'"))),
        (
            "product",
            obj(vec![
                ("name", x("e.source")),
                ("vendor_name", x(case("e.source", &vendors, "'trace'"))),
            ]),
        ),
        ("log_name", x("e.input")),
        ("processed_time", x(t("e.ingest_time"))),
        ("profiles", x(profiles)),
    ])
}

fn device() -> Node {
    let types: Vec<(&str, String)> = [("server", "1"), ("laptop", "3"), ("vm", "6")]
        .iter()
        .map(|(k, v)| (*k, v.to_string()))
        .collect();
    let type_names: Vec<(&str, String)> = [
        ("server", "Server"),
        ("laptop", "Laptop"),
        ("vm", "Virtual"),
    ]
    .iter()
    .map(|(k, v)| (*k, format!("'{v}'")))
    .collect();
    obj(vec![
        ("uid", x("e.host_id")),
        ("hostname", x("h.hostname")),
        ("boot_uid", x("e.boot_id")),
        ("type_id", x(case("h.kind", &types, "0"))),
        ("type", x(case("h.kind", &type_names, "'Unknown'"))),
        (
            "os",
            obj_if(
                "h.os",
                vec![
                    ("name", x("h.os")),
                    (
                        "type_id",
                        x(
                            "CASE WHEN h.os ILIKE '%windows%' THEN 100 WHEN h.os ILIKE '%mac%' THEN 300 ELSE 200 END",
                        ),
                    ),
                    ("kernel_release", x("h.kernel")),
                ],
            ),
        ),
    ])
}

/// The process a row is about (with its executable's hash where the family has one).
fn process(with_hash: bool, t: &dyn Fn(&str) -> String) -> Node {
    let mut file = vec![
        ("path", x("e.exe")),
        ("name", x(basename("e.exe"))),
        ("type_id", x("1")),
    ];
    if with_hash {
        file.push(("hashes", hashes("e.exe_sha256")));
    }
    obj_if(
        "coalesce(e.process_key, e.pid::VARCHAR, e.exe)",
        vec![
            ("pid", x("e.pid")),
            ("ptid", x("e.tid::BIGINT")),
            ("uid", x("e.process_key")),
            (
                "name",
                x("coalesce(e.comm, ".to_string() + &basename("e.exe") + ")"),
            ),
            ("cmd_line", x("array_to_string(e.argv, ' ')")),
            ("file", obj_if("e.exe", file)),
            ("created_time", x(t("e.process_start_time"))),
            ("working_directory", x("e.cwd")),
            ("user", user()),
            ("parent_process", parent()),
            ("container", container()),
        ],
    )
}

/// The container a row's process ran in (OCSF's container profile puts it on the process).
fn container() -> Node {
    obj_if(
        "e.container_id",
        vec![
            ("uid", x("e.container_id")),
            ("name", x("c.name")),
            (
                "image",
                obj_if(
                    "coalesce(c.image, c.image_id)",
                    // OCSF requires an image uid: the image's id, else its reference.
                    vec![
                        ("name", x("c.image")),
                        ("uid", x("coalesce(c.image_id, c.image)")),
                    ],
                ),
            ),
            ("runtime", x("c.runtime")),
        ],
    )
}

/// The parent of a row's process, as far as the row knows it.
fn parent() -> Node {
    obj_if(
        "coalesce(e.parent_process_key, e.ppid::VARCHAR)",
        vec![("pid", x("e.ppid")), ("uid", x("e.parent_process_key"))],
    )
}

/// Who a process event's actor is: the parent that launched the process, or for an exit the
/// exiting process itself (OCSF's reflexive Terminate).
fn initiator() -> Node {
    let exit = format!("e.kind = '{}'", EventKind::ProcessExit.as_str());
    obj_if(
        format!(
            "CASE WHEN {exit} THEN coalesce(e.process_key, e.pid::VARCHAR) \
             ELSE coalesce(e.parent_process_key, e.ppid::VARCHAR) END"
        ),
        vec![
            (
                "pid",
                x(format!("CASE WHEN {exit} THEN e.pid ELSE e.ppid END")),
            ),
            (
                "uid",
                x(format!(
                    "CASE WHEN {exit} THEN e.process_key ELSE e.parent_process_key END"
                )),
            ),
        ],
    )
}

fn user() -> Node {
    obj_if(
        "coalesce(e.uid::VARCHAR, e.user_name)",
        vec![("uid", x("e.uid::VARCHAR")), ("name", x("e.user_name"))],
    )
}

/// The actor of a row: its process and user, absent when the recorder named neither (osquery's
/// `file_events` watch paths, not processes).
fn actor(process: Node) -> Node {
    let user = user();
    let present = [process.present(), user.present()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ");
    obj_if(
        format!("coalesce({present})"),
        vec![("process", process), ("user", user)],
    )
}

fn hashes(col: &str) -> Node {
    one(obj_if(
        col,
        vec![
            ("algorithm_id", x("3")),
            ("algorithm", x("'SHA-256'")),
            ("value", x(col)),
        ],
    ))
}

/// A file (`with_details`: the row's mode, owner and content hash belong to it).
fn file(path: &str, with_details: bool) -> Node {
    let mut fields = vec![
        ("path", x(path)),
        ("name", x(basename(path))),
        ("type_id", x("0")),
    ];
    if with_details {
        fields.extend([
            ("hashes", hashes("e.file_sha256")),
            (
                "owner",
                obj_if("e.owner_uid", vec![("uid", x("e.owner_uid::VARCHAR"))]),
            ),
        ]);
    }
    obj_if(path, fields)
}

fn endpoint(ip: &str, port: Option<&str>) -> Node {
    let mut fields = vec![("ip", x(ip))];
    if let Some(p) = port {
        fields.push(("port", x(p)));
    }
    // OCSF identifies an endpoint by its address (a port alone is no endpoint).
    obj_if(ip, fields)
}

/// One end of a connection: its address and port; where the recorder gave no address at all
/// (Sysmon's DNS queries), the device itself stands for the local end (the source of a connect,
/// the destination otherwise), as network_activity needs an endpoint.
fn connection_end(ip: &str, port: &str, local: &str) -> Node {
    let no_address = "e.src_ip IS NULL AND e.dst_ip IS NULL";
    let host = |col: &str| x(format!("CASE WHEN {no_address} THEN {col} END"));
    obj_if(
        format!("coalesce({ip}, CASE WHEN {no_address} AND {local} THEN e.host_id END)"),
        vec![
            ("ip", x(ip)),
            ("port", x(port)),
            ("hostname", host("h.hostname")),
            ("uid", host("e.host_id")),
        ],
    )
}

/// An endpoint the class requires: present (perhaps empty) on every record.
fn endpoint_always(ip: &str) -> Node {
    obj(vec![("ip", x(ip))])
}

fn connection() -> Node {
    obj(vec![
        ("protocol_name", x("lower(e.protocol)")),
        ("community_uid", x("e.community_id")),
        (
            "direction_id",
            x(case(
                "e.kind",
                &[("net_connect", "2".into()), ("net_accept", "1".into())],
                "0",
            )),
        ),
    ])
}

fn finding_info() -> Node {
    obj(vec![
        ("uid", x("coalesce(e.rule_id, e.rule, 'unknown')")),
        ("title", x("coalesce(e.rule, e.rule_id)")),
        (
            "analytic",
            obj_if(
                "coalesce(e.rule_id, e.rule)",
                vec![
                    ("uid", x("e.rule_id")),
                    ("name", x("e.rule")),
                    ("type_id", x("1")),
                    ("type", x("'Rule'")),
                ],
            ),
        ),
        ("types", x("e.tags")),
    ])
}

fn api() -> Node {
    obj(vec![
        ("operation", x("coalesce(e.operation, 'unknown')")),
        (
            "service",
            obj_if("e.service", vec![("name", x("e.service"))]),
        ),
        (
            "request",
            obj_if("e.request_id", vec![("uid", x("e.request_id"))]),
        ),
    ])
}

/// The caller of an API call or the user of a login.
fn caller() -> Node {
    obj(vec![
        ("uid", x("e.actor_uid")),
        ("name", x("e.user_name")),
        ("type", x("e.actor_type")),
        (
            "groups",
            x(
                "CASE WHEN e.groups IS NULL THEN NULL ELSE list_transform(e.groups, lambda g: {'name': g}) END",
            ),
        ),
        (
            "programmatic_credentials",
            one(obj_if(
                "e.access_key",
                vec![("uid", x("e.access_key")), ("type", x("'Access Key'"))],
            )),
        ),
    ])
}

fn resources() -> Node {
    one(obj_if(
        "coalesce(e.resource, e.resource_type)",
        vec![
            ("type", x("e.resource_type")),
            // A request on a whole collection (k8s `list pods`) names the collection.
            ("name", x("coalesce(e.resource, e.resource_type)")),
            ("namespace", x("e.namespace")),
        ],
    ))
}

fn cloud() -> Node {
    obj_if(
        "coalesce(e.cloud_account, e.cloud_region)",
        vec![
            (
                "account",
                obj_if("e.cloud_account", vec![("uid", x("e.cloud_account"))]),
            ),
            ("region", x("e.cloud_region")),
            (
                "provider",
                x("CASE WHEN e.source = 'cloudtrail' THEN 'AWS' ELSE e.source END"),
            ),
        ],
    )
}

/// What OCSF has no attribute for: trace's kind and provenance, the family's unmapped
/// columns and what the recorder said that no column holds (`extra`, as JSON text).
fn unmapped(family: Family) -> Node {
    let mut fields = vec![
        ("trace_kind", x("e.kind")),
        ("time_nanos", x("e.time_nanos")),
        ("ingest_id", x("e.ingest_id")),
        ("input_sha256", x("e.input_sha256")),
        ("input_offset", x("e.input_offset")),
        ("euid", x("e.euid")),
        ("auid", x("e.auid")),
        ("gid", x("e.gid")),
        ("pod", x("c.pod")),
        ("pod_namespace", x("c.namespace")),
    ];
    match family {
        Family::File => fields.extend([
            ("open_flags", x("e.open_flags")),
            ("file_mode", x("e.file_mode")),
            ("file_group_uid", x("e.owner_gid")),
        ]),
        Family::Network => fields.extend([
            (
                "src_port",
                x("CASE WHEN e.src_ip IS NULL THEN e.src_port END"),
            ),
            (
                "dst_port",
                x("CASE WHEN e.dst_ip IS NULL THEN e.dst_port END"),
            ),
        ]),
        Family::Api => fields.extend([
            ("target_container", x("e.target_container")),
            ("namespace", x("e.namespace")),
        ]),
        _ => {}
    }
    fields.push(("extra", x("e.extra::VARCHAR")));
    obj(fields)
}
