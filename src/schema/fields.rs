//! The Arrow schema of every family: the columns in order, their types and nullability.

use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Schema, SchemaRef};

use super::{
    EXTRA, FAMILY_KEY, Family, INGEST_ID, INGEST_TIME, INPUT, INPUT_OFFSET, INPUT_SHA256,
    SCHEMA_VERSION, SCHEMA_VERSION_KEY,
};

fn ts() -> DataType {
    DataType::Timestamp(super::time::UNIT, None)
}

fn utf8_list() -> DataType {
    DataType::List(Arc::new(Field::new("item", DataType::Utf8, true)))
}

/// Columns shared by the event families, in order.
pub(super) fn event_common_fields() -> Vec<Field> {
    vec![
        Field::new("time", ts(), false),
        Field::new(super::time::TIME_NANOS, DataType::Int16, true),
        Field::new("kind", DataType::Utf8, false),
        Field::new("class_uid", DataType::Int32, false),
        Field::new("activity_id", DataType::Int32, false),
        Field::new("host_id", DataType::Utf8, false),
        Field::new("boot_id", DataType::Utf8, true),
        Field::new("source", DataType::Utf8, false),
        Field::new("container_id", DataType::Utf8, true),
        Field::new("pid", DataType::Int32, true),
        Field::new("tid", DataType::Int32, true),
        Field::new("ppid", DataType::Int32, true),
        Field::new("uid", DataType::UInt32, true),
        Field::new("gid", DataType::UInt32, true),
        Field::new("euid", DataType::UInt32, true),
        Field::new("auid", DataType::UInt32, true),
        Field::new("user_name", DataType::Utf8, true),
        Field::new("comm", DataType::Utf8, true),
        Field::new("exe", DataType::Utf8, true),
        Field::new("argv", utf8_list(), true),
        Field::new("cwd", DataType::Utf8, true),
        Field::new("process_start_time", ts(), true),
        Field::new("process_key", DataType::Utf8, true),
        Field::new("parent_process_key", DataType::Utf8, true),
    ]
}

pub(super) fn build_schema(family: Family) -> SchemaRef {
    let mut fields = match family {
        f if f.is_event() => event_common_fields(),
        _ => Vec::new(),
    };
    match family {
        Family::Process => fields.extend([
            Field::new("exit_code", DataType::Int32, true),
            Field::new("exe_sha256", DataType::Utf8, true),
        ]),
        Family::File => fields.extend([
            Field::new("path", DataType::Utf8, false),
            Field::new("target_path", DataType::Utf8, true),
            Field::new("file_mode", DataType::UInt32, true),
            Field::new("open_flags", DataType::UInt32, true),
            Field::new("owner_uid", DataType::UInt32, true),
            Field::new("owner_gid", DataType::UInt32, true),
            Field::new("file_sha256", DataType::Utf8, true),
        ]),
        Family::Network => fields.extend([
            Field::new("protocol", DataType::Utf8, false),
            Field::new("src_ip", DataType::Utf8, true),
            Field::new("src_port", DataType::UInt16, true),
            Field::new("dst_ip", DataType::Utf8, true),
            Field::new("dst_port", DataType::UInt16, true),
            Field::new("community_id", DataType::Utf8, true),
            Field::new("bytes_sent", DataType::UInt64, true),
            Field::new("bytes_received", DataType::UInt64, true),
        ]),
        Family::Finding => fields.extend([
            Field::new("rule", DataType::Utf8, false),
            Field::new("rule_id", DataType::Utf8, true),
            Field::new("severity", DataType::Utf8, true),
            Field::new("severity_id", DataType::Int32, true),
            Field::new("tags", utf8_list(), true),
            Field::new("message", DataType::Utf8, true),
        ]),
        Family::Api => fields.extend([
            Field::new("operation", DataType::Utf8, false),
            Field::new("service", DataType::Utf8, true),
            Field::new("actor_uid", DataType::Utf8, true),
            Field::new("actor_type", DataType::Utf8, true),
            Field::new("groups", utf8_list(), true),
            Field::new("access_key", DataType::Utf8, true),
            Field::new("src_ip", DataType::Utf8, true),
            Field::new("user_agent", DataType::Utf8, true),
            Field::new("resource_type", DataType::Utf8, true),
            Field::new("resource", DataType::Utf8, true),
            Field::new("namespace", DataType::Utf8, true),
            Field::new("target_container", DataType::Utf8, true),
            Field::new("cloud_account", DataType::Utf8, true),
            Field::new("cloud_region", DataType::Utf8, true),
            Field::new("outcome", DataType::Utf8, true),
            Field::new("status_code", DataType::Utf8, true),
            Field::new("status_detail", DataType::Utf8, true),
            Field::new("request_id", DataType::Utf8, true),
        ]),
        Family::Hosts => fields.extend([
            Field::new("time", ts(), false),
            Field::new("host_id", DataType::Utf8, false),
            Field::new("hostname", DataType::Utf8, false),
            Field::new("boot_id", DataType::Utf8, true),
            Field::new("os", DataType::Utf8, true),
            Field::new("kernel", DataType::Utf8, true),
            Field::new("kind", DataType::Utf8, true),
            Field::new("ip_addresses", utf8_list(), true),
            Field::new("source", DataType::Utf8, false),
        ]),
        Family::Containers => fields.extend([
            Field::new("time", ts(), false),
            Field::new("host_id", DataType::Utf8, false),
            Field::new("container_id", DataType::Utf8, false),
            Field::new("state", DataType::Utf8, true),
            Field::new("name", DataType::Utf8, true),
            Field::new("image", DataType::Utf8, true),
            Field::new("image_id", DataType::Utf8, true),
            Field::new("runtime", DataType::Utf8, true),
            Field::new("pod", DataType::Utf8, true),
            Field::new("namespace", DataType::Utf8, true),
            Field::new("labels", utf8_list(), true),
            Field::new("created", ts(), true),
            Field::new("started", ts(), true),
            Field::new("exited", ts(), true),
            Field::new("exit_code", DataType::Int32, true),
            Field::new("ip_addresses", utf8_list(), true),
            Field::new("source", DataType::Utf8, false),
        ]),
        Family::Loss => fields.extend([
            Field::new("time", ts(), false),
            Field::new("host_id", DataType::Utf8, false),
            Field::new("boot_id", DataType::Utf8, true),
            Field::new("source", DataType::Utf8, false),
            Field::new("interval_start", ts(), false),
            Field::new("interval_end", ts(), false),
            Field::new("events_lost", DataType::UInt64, false),
            Field::new("reason", DataType::Utf8, false),
        ]),
    }
    if family.is_event() {
        // What the source said that no column holds (JSON object), kept rather than dropped.
        fields.push(Field::new(EXTRA, DataType::Utf8, true));
    }
    fields.extend(provenance_fields());
    let metadata: std::collections::HashMap<String, String> = [
        (SCHEMA_VERSION_KEY.to_string(), SCHEMA_VERSION.to_string()),
        (FAMILY_KEY.to_string(), family.name().to_string()),
    ]
    .into_iter()
    .collect();
    Arc::new(Schema::new_with_metadata(fields, metadata))
}

/// Where every row came from (schema version 2; NULL in rows of version-1 files), the last
/// columns of every family.
pub(super) fn provenance_fields() -> Vec<Field> {
    vec![
        Field::new(INGEST_ID, DataType::Utf8, true),
        Field::new(INGEST_TIME, ts(), true),
        Field::new(INPUT, DataType::Utf8, true),
        Field::new(INPUT_SHA256, DataType::Utf8, true),
        Field::new(INPUT_OFFSET, DataType::UInt64, true),
    ]
}
