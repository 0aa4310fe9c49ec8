//! The Elastic Common Schema (ECS 9.x) mapping of every event family, as DuckDB SQL (see
//! docs/export.md). Checked against ECS's field list by `tests/it/export.rs`.

use super::Unit;
use super::shape::{Node, basename, case, obj, obj_if, select_list, x};
use crate::schema::{EventKind, Family};

/// The ECS version the documents name (`ecs.version`).
pub const VERSION: &str = "9.4.0";

/// An RFC 3339 UTC time with microseconds.
fn iso(col: &str) -> String {
    format!("strftime({col}, '%Y-%m-%dT%H:%M:%S.%fZ')")
}

/// ECS `event.category` and `event.type` of a kind.
fn categorise(kind: EventKind) -> (&'static str, &'static str) {
    use EventKind::*;
    match kind {
        ProcessExec | ProcessFork => ("['process']", "['start']"),
        ProcessExit => ("['process']", "['end']"),
        FileOpenWrite | FileOpenRead => ("['file']", "['access']"),
        FileCreate => ("['file']", "['creation']"),
        FileWriteClose | FileRename | FileChmod | FileChown => ("['file']", "['change']"),
        FileUnlink => ("['file']", "['deletion']"),
        NetConnect | NetAccept => ("['network']", "['connection', 'start']"),
        NetListen => ("['network']", "['start']"),
        NetClose => ("['network']", "['connection', 'end']"),
        Finding => ("['intrusion_detection']", "['info']"),
        ApiCreate => ("['api']", "['creation']"),
        ApiRead => ("['api']", "['access']"),
        ApiUpdate => ("['api']", "['change']"),
        ApiDelete => ("['api']", "['deletion']"),
        ApiOther => ("['api']", "['info']"),
        AuthLogon => ("['authentication']", "['start']"),
        AuthLogoff => ("['authentication']", "['end']"),
    }
}

/// The `SELECT` list of one family's documents (rows of `e`, hosts `h`, containers `c`).
pub fn select(unit: &Unit) -> String {
    let family = unit.family;
    let mut top = vec![
        ("@timestamp", x(iso("e.time"))),
        ("ecs", obj(vec![("version", x(format!("'{VERSION}'")))])),
        ("event", event(family)),
        ("host", host()),
        ("container", container()),
        (
            "orchestrator",
            obj_if(
                "c.pod",
                vec![
                    ("type", x("'kubernetes'")),
                    ("namespace", x("c.namespace")),
                    (
                        "resource",
                        obj(vec![("type", x("'pod'")), ("name", x("c.pod"))]),
                    ),
                ],
            ),
        ),
    ];
    if family != Family::Api {
        top.push(("process", process(family)));
        top.push(("user", user()));
        top.push(("group", obj_if("e.gid", vec![("id", x("e.gid::VARCHAR"))])));
    }
    match family {
        Family::File => top.push(("file", file())),
        Family::Network => top.extend(network()),
        Family::Finding => top.extend([
            (
                "rule",
                obj_if(
                    "coalesce(e.rule, e.rule_id)",
                    vec![("name", x("e.rule")), ("id", x("e.rule_id"))],
                ),
            ),
            ("message", x("e.message")),
            ("tags", x("e.tags")),
        ]),
        Family::Api => top.extend(api()),
        _ => {}
    }
    top.push((
        "log",
        obj_if("e.input", vec![("file", obj(vec![("path", x("e.input"))]))]),
    ));
    top.push(("labels", labels(family)));
    select_list(&top)
}

fn event(family: Family) -> Node {
    let cats: Vec<(&str, String)> = EventKind::ALL
        .iter()
        .filter(|k| k.family() == family)
        .map(|k| (k.as_str(), categorise(*k).0.to_string()))
        .collect();
    let types: Vec<(&str, String)> = EventKind::ALL
        .iter()
        .filter(|k| k.family() == family)
        .map(|k| (k.as_str(), categorise(*k).1.to_string()))
        .collect();
    let mut fields = vec![
        (
            "kind",
            x(if family == Family::Finding {
                "'alert'"
            } else {
                "'event'"
            }),
        ),
        ("category", x(case("e.kind", &cats, "NULL"))),
        ("type", x(case("e.kind", &types, "['info']"))),
        ("action", x("e.kind")),
        ("module", x("'trace'")),
        ("dataset", x(format!("'trace.{}'", family.name()))),
        ("provider", x("e.source")),
        ("ingested", x(iso("e.ingest_time"))),
    ];
    match family {
        Family::Finding => fields.push(("severity", x("e.severity_id"))),
        Family::Api => fields.push((
            "outcome",
            x(case(
                "e.outcome",
                &[
                    ("success", "'success'".into()),
                    ("failure", "'failure'".into()),
                ],
                "'unknown'",
            )),
        )),
        _ => {}
    }
    obj(fields)
}

fn host() -> Node {
    obj(vec![
        ("id", x("e.host_id")),
        ("hostname", x("h.hostname")),
        ("type", x("h.kind")),
        (
            "os",
            obj_if(
                "coalesce(h.os, h.kernel)",
                vec![("name", x("h.os")), ("kernel", x("h.kernel"))],
            ),
        ),
        ("boot", obj_if("e.boot_id", vec![("id", x("e.boot_id"))])),
    ])
}

fn container() -> Node {
    obj_if(
        "e.container_id",
        vec![
            ("id", x("e.container_id")),
            ("name", x("c.name")),
            ("runtime", x("c.runtime")),
            (
                "image",
                obj_if(
                    "coalesce(c.image, c.image_id)",
                    vec![
                        ("name", x("c.image")),
                        (
                            "hash",
                            obj_if("c.image_id", vec![("all", x("[c.image_id]"))]),
                        ),
                    ],
                ),
            ),
        ],
    )
}

fn process(family: Family) -> Node {
    let mut fields = vec![
        ("pid", x("e.pid")),
        ("thread", obj_if("e.tid", vec![("id", x("e.tid"))])),
        ("entity_id", x("e.process_key")),
        (
            "name",
            x(format!("coalesce(e.comm, {})", basename("e.exe"))),
        ),
        ("executable", x("e.exe")),
        ("args", x("e.argv")),
        ("args_count", x("len(e.argv)")),
        ("command_line", x("array_to_string(e.argv, ' ')")),
        ("working_directory", x("e.cwd")),
        ("start", x(iso("e.process_start_time"))),
        (
            "parent",
            obj_if(
                "coalesce(e.parent_process_key, e.ppid::VARCHAR)",
                vec![
                    ("pid", x("e.ppid")),
                    ("entity_id", x("e.parent_process_key")),
                ],
            ),
        ),
    ];
    if family == Family::Process {
        fields.extend([
            ("exit_code", x("e.exit_code")),
            (
                "hash",
                obj_if("e.exe_sha256", vec![("sha256", x("e.exe_sha256"))]),
            ),
        ]);
    }
    obj_if("coalesce(e.process_key, e.pid::VARCHAR, e.exe)", fields)
}

fn user() -> Node {
    obj_if(
        "coalesce(e.uid::VARCHAR, e.user_name)",
        vec![
            ("id", x("e.uid::VARCHAR")),
            ("name", x("e.user_name")),
            (
                "effective",
                obj_if("e.euid", vec![("id", x("e.euid::VARCHAR"))]),
            ),
        ],
    )
}

fn file() -> Node {
    obj_if(
        "e.path",
        vec![
            ("path", x("e.path")),
            ("name", x(basename("e.path"))),
            ("target_path", x("e.target_path")),
            (
                "mode",
                x(
                    "CASE WHEN e.file_mode IS NULL THEN NULL ELSE printf('%04o', e.file_mode & 4095) END",
                ),
            ),
            ("uid", x("e.owner_uid::VARCHAR")),
            ("gid", x("e.owner_gid::VARCHAR")),
            (
                "hash",
                obj_if("e.file_sha256", vec![("sha256", x("e.file_sha256"))]),
            ),
        ],
    )
}

fn network() -> Vec<(&'static str, Node)> {
    let endpoint = |ip: &'static str, port: &'static str| {
        obj_if(
            format!("coalesce({ip}, {port}::VARCHAR)"),
            vec![("ip", x(ip)), ("port", x(port))],
        )
    };
    vec![
        ("source", endpoint("e.src_ip", "e.src_port")),
        ("destination", endpoint("e.dst_ip", "e.dst_port")),
        (
            "network",
            obj(vec![
                ("transport", x("lower(e.protocol)")),
                ("community_id", x("e.community_id")),
                (
                    "direction",
                    x(case(
                        "e.kind",
                        &[
                            ("net_connect", "'egress'".into()),
                            ("net_accept", "'ingress'".into()),
                            ("net_listen", "'ingress'".into()),
                        ],
                        "'unknown'",
                    )),
                ),
                (
                    "type",
                    x("CASE WHEN coalesce(e.src_ip, e.dst_ip) IS NULL THEN NULL \
                       WHEN coalesce(e.src_ip, e.dst_ip) LIKE '%:%' THEN 'ipv6' ELSE 'ipv4' END"),
                ),
                (
                    "bytes",
                    x(
                        "CASE WHEN coalesce(e.bytes_sent, e.bytes_received) IS NULL THEN NULL \
                       ELSE coalesce(e.bytes_sent, 0) + coalesce(e.bytes_received, 0) END",
                    ),
                ),
            ]),
        ),
    ]
}

fn api() -> Vec<(&'static str, Node)> {
    vec![
        (
            "user",
            obj_if(
                "coalesce(e.actor_uid, e.user_name)",
                vec![
                    ("id", x("e.actor_uid")),
                    ("name", x("e.user_name")),
                    ("roles", x("e.groups")),
                ],
            ),
        ),
        ("source", obj_if("e.src_ip", vec![("ip", x("e.src_ip"))])),
        (
            "user_agent",
            obj_if("e.user_agent", vec![("original", x("e.user_agent"))]),
        ),
        (
            "cloud",
            obj_if(
                "coalesce(e.cloud_account, e.cloud_region)",
                vec![
                    (
                        "account",
                        obj_if("e.cloud_account", vec![("id", x("e.cloud_account"))]),
                    ),
                    ("region", x("e.cloud_region")),
                    (
                        "provider",
                        x("CASE WHEN e.source = 'cloudtrail' THEN 'aws' ELSE NULL END"),
                    ),
                    (
                        "service",
                        obj_if("e.service", vec![("name", x("e.service"))]),
                    ),
                ],
            ),
        ),
        (
            "http",
            obj_if(
                "TRY_CAST(e.status_code AS BIGINT)",
                vec![(
                    "response",
                    obj(vec![(
                        "status_code",
                        x("TRY_CAST(e.status_code AS BIGINT)"),
                    )]),
                )],
            ),
        ),
        ("message", x("e.status_detail")),
    ]
}

/// What ECS has no field for, as keyword labels: provenance, and per family what is left.
fn labels(family: Family) -> Node {
    let mut fields = vec![
        ("ingest_id", x("e.ingest_id")),
        ("input_sha256", x("e.input_sha256")),
        ("input_offset", x("e.input_offset::VARCHAR")),
        ("time_nanos", x("e.time_nanos::VARCHAR")),
        ("auid", x("e.auid::VARCHAR")),
    ];
    match family {
        Family::File => fields.push(("open_flags", x("e.open_flags::VARCHAR"))),
        Family::Api => fields.extend([
            ("operation", x("e.operation")),
            ("actor_type", x("e.actor_type")),
            ("access_key", x("e.access_key")),
            ("resource_type", x("e.resource_type")),
            ("resource", x("e.resource")),
            ("namespace", x("e.namespace")),
            ("target_container", x("e.target_container")),
            ("request_id", x("e.request_id")),
            ("status_code", x("e.status_code")),
        ]),
        _ => {}
    }
    fields.push(("extra", x("e.extra::VARCHAR")));
    obj(fields)
}
