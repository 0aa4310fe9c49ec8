//! The Arrow builders of each family's columns, in schema order: one struct per group of
//! columns, each with the `append` of its rows and a `finish` that returns the arrays.

use std::sync::Arc;

use arrow::array::{
    ArrayRef, Int16Builder, Int32Builder, ListBuilder, StringBuilder, TimestampMicrosecondBuilder,
    UInt16Builder, UInt32Builder, UInt64Builder,
};

use super::Stamp;
use crate::schema::time::{split_ns, us};
use crate::schema::{
    ApiDetail, ContainerRecord, Event, FileDetail, FindingDetail, HostRecord, LossRecord,
    NetDetail, ProcessDetail,
};

type StrList = ListBuilder<StringBuilder>;

fn append_list(b: &mut StrList, items: &[String]) {
    for s in items {
        b.values().append_value(s);
    }
    b.append(true);
}

/// Declares a struct of builders (all `Default`) whose `finish` returns their arrays in
/// declaration order — the schema's order.
macro_rules! columns {
    ($(#[$m:meta])* $name:ident { $($f:ident: $t:ty),* $(,)? }) => {
        $(#[$m])*
        #[derive(Default)]
        pub(super) struct $name { $($f: $t),* }
        impl $name {
            pub(super) fn finish(&mut self) -> Vec<ArrayRef> {
                vec![$(Arc::new(self.$f.finish()) as ArrayRef),*]
            }
        }
    };
}

columns!(
    /// Columns every event family starts with.
    Common {
        time: TimestampMicrosecondBuilder,
        time_nanos: Int16Builder,
        kind: StringBuilder,
        class_uid: Int32Builder,
        activity_id: Int32Builder,
        host_id: StringBuilder,
        boot_id: StringBuilder,
        source: StringBuilder,
        container_id: StringBuilder,
        pid: Int32Builder,
        tid: Int32Builder,
        ppid: Int32Builder,
        uid: UInt32Builder,
        gid: UInt32Builder,
        euid: UInt32Builder,
        auid: UInt32Builder,
        user_name: StringBuilder,
        comm: StringBuilder,
        exe: StringBuilder,
        argv: StrList,
        cwd: StringBuilder,
        start: TimestampMicrosecondBuilder,
        key: StringBuilder,
        parent_key: StringBuilder,
    }
);

impl Common {
    pub(super) fn append(&mut self, e: &Event) {
        let p = &e.process;
        let (micros, nanos) = split_ns(e.time);
        self.time.append_value(micros);
        self.time_nanos.append_value(nanos);
        self.kind.append_value(e.kind.as_str());
        self.class_uid.append_value(e.kind.ocsf_class_uid());
        self.activity_id.append_value(e.kind.ocsf_activity_id());
        self.host_id.append_value(&e.host_id);
        self.boot_id.append_option(e.boot_id.as_deref());
        self.source.append_value(&e.source);
        self.container_id.append_option(e.container_id.as_deref());
        self.pid.append_option(p.pid);
        self.tid.append_option(p.tid);
        self.ppid.append_option(p.ppid);
        self.uid.append_option(p.uid);
        self.gid.append_option(p.gid);
        self.euid.append_option(p.euid);
        self.auid.append_option(p.auid);
        self.user_name.append_option(p.user_name.as_deref());
        self.comm.append_option(p.comm.as_deref());
        self.exe.append_option(p.exe.as_deref());
        if p.argv.is_empty() {
            self.argv.append_null();
        } else {
            append_list(&mut self.argv, &p.argv);
        }
        self.cwd.append_option(p.cwd.as_deref());
        self.start.append_option(p.start_time.map(us));
        self.key.append_option(p.key.as_deref());
        self.parent_key.append_option(p.parent_key.as_deref());
    }
}

columns!(ProcessCols {
    exit_code: Int32Builder,
    exe_sha256: StringBuilder,
});

impl ProcessCols {
    pub(super) fn append(&mut self, d: &ProcessDetail) {
        self.exit_code.append_option(d.exit_code);
        self.exe_sha256.append_option(d.exe_sha256.as_deref());
    }
}

columns!(FileCols {
    path: StringBuilder,
    target_path: StringBuilder,
    mode: UInt32Builder,
    flags: UInt32Builder,
    owner_uid: UInt32Builder,
    owner_gid: UInt32Builder,
    sha256: StringBuilder,
});

impl FileCols {
    pub(super) fn append(&mut self, d: &FileDetail) {
        self.path.append_value(&d.path);
        self.target_path.append_option(d.target_path.as_deref());
        self.mode.append_option(d.mode);
        self.flags.append_option(d.flags);
        self.owner_uid.append_option(d.owner_uid);
        self.owner_gid.append_option(d.owner_gid);
        self.sha256.append_option(d.sha256.as_deref());
    }
}

columns!(NetCols {
    protocol: StringBuilder,
    src_ip: StringBuilder,
    src_port: UInt16Builder,
    dst_ip: StringBuilder,
    dst_port: UInt16Builder,
    community_id: StringBuilder,
    bytes_sent: UInt64Builder,
    bytes_received: UInt64Builder,
});

impl NetCols {
    pub(super) fn append(&mut self, d: &NetDetail, community_id: Option<String>) {
        self.protocol.append_value(d.protocol.as_str());
        self.src_ip.append_option(d.src_ip.map(|ip| ip.to_string()));
        self.src_port.append_option(d.src_port);
        self.dst_ip.append_option(d.dst_ip.map(|ip| ip.to_string()));
        self.dst_port.append_option(d.dst_port);
        self.community_id.append_option(community_id);
        self.bytes_sent.append_option(d.bytes_sent);
        self.bytes_received.append_option(d.bytes_received);
    }
}

columns!(FindingCols {
    rule: StringBuilder,
    rule_id: StringBuilder,
    severity: StringBuilder,
    severity_id: Int32Builder,
    tags: StrList,
    message: StringBuilder,
});

impl FindingCols {
    pub(super) fn append(&mut self, d: &FindingDetail) {
        self.rule.append_value(&d.rule);
        self.rule_id.append_option(d.rule_id.as_deref());
        self.severity.append_option(d.severity.map(|s| s.as_str()));
        self.severity_id.append_option(d.severity.map(|s| s.id()));
        if d.tags.is_empty() {
            self.tags.append_null();
        } else {
            append_list(&mut self.tags, &d.tags);
        }
        self.message.append_option(d.message.as_deref());
    }
}

columns!(ApiCols {
    operation: StringBuilder,
    service: StringBuilder,
    actor_uid: StringBuilder,
    actor_type: StringBuilder,
    groups: StrList,
    access_key: StringBuilder,
    src_ip: StringBuilder,
    user_agent: StringBuilder,
    resource_type: StringBuilder,
    resource: StringBuilder,
    namespace: StringBuilder,
    target_container: StringBuilder,
    cloud_account: StringBuilder,
    cloud_region: StringBuilder,
    outcome: StringBuilder,
    status_code: StringBuilder,
    status_detail: StringBuilder,
    request_id: StringBuilder,
});

impl ApiCols {
    pub(super) fn append(&mut self, d: &ApiDetail) {
        self.operation.append_value(&d.operation);
        self.service.append_option(d.service.as_deref());
        self.actor_uid.append_option(d.actor_uid.as_deref());
        self.actor_type.append_option(d.actor_type.as_deref());
        if d.groups.is_empty() {
            self.groups.append_null();
        } else {
            append_list(&mut self.groups, &d.groups);
        }
        self.access_key.append_option(d.access_key.as_deref());
        self.src_ip.append_option(d.src_ip.map(|ip| ip.to_string()));
        self.user_agent.append_option(d.user_agent.as_deref());
        self.resource_type.append_option(d.resource_type.as_deref());
        self.resource.append_option(d.resource.as_deref());
        self.namespace.append_option(d.namespace.as_deref());
        self.target_container
            .append_option(d.target_container.as_deref());
        self.cloud_account.append_option(d.cloud_account.as_deref());
        self.cloud_region.append_option(d.cloud_region.as_deref());
        self.outcome.append_option(d.outcome.map(|o| o.as_str()));
        self.status_code.append_option(d.status_code.as_deref());
        self.status_detail.append_option(d.status_detail.as_deref());
        self.request_id.append_option(d.request_id.as_deref());
    }
}

columns!(HostCols {
    time: TimestampMicrosecondBuilder,
    host_id: StringBuilder,
    hostname: StringBuilder,
    boot_id: StringBuilder,
    os: StringBuilder,
    kernel: StringBuilder,
    kind: StringBuilder,
    ips: StrList,
    source: StringBuilder,
});

impl HostCols {
    pub(super) fn append(&mut self, h: &HostRecord) {
        self.time.append_value(us(h.time));
        self.host_id.append_value(&h.host_id);
        self.hostname.append_value(&h.hostname);
        self.boot_id.append_option(h.boot_id.as_deref());
        self.os.append_option(h.os.as_deref());
        self.kernel.append_option(h.kernel.as_deref());
        self.kind.append_option(h.kind.map(|k| k.as_str()));
        append_list(&mut self.ips, &h.ip_addresses);
        self.source.append_value(&h.source);
    }
}

columns!(ContainerCols {
    time: TimestampMicrosecondBuilder,
    host_id: StringBuilder,
    container_id: StringBuilder,
    state: StringBuilder,
    name: StringBuilder,
    image: StringBuilder,
    image_id: StringBuilder,
    runtime: StringBuilder,
    pod: StringBuilder,
    namespace: StringBuilder,
    labels: StrList,
    created: TimestampMicrosecondBuilder,
    started: TimestampMicrosecondBuilder,
    exited: TimestampMicrosecondBuilder,
    exit_code: Int32Builder,
    ips: StrList,
    source: StringBuilder,
});

impl ContainerCols {
    pub(super) fn append(&mut self, r: &ContainerRecord) {
        self.time.append_value(us(r.time));
        self.host_id.append_value(&r.host_id);
        self.container_id.append_value(&r.container_id);
        self.state.append_option(r.state.map(|s| s.as_str()));
        self.name.append_option(r.name.as_deref());
        self.image.append_option(r.image.as_deref());
        self.image_id.append_option(r.image_id.as_deref());
        self.runtime.append_option(r.runtime.as_deref());
        self.pod.append_option(r.pod.as_deref());
        self.namespace.append_option(r.namespace.as_deref());
        append_list(&mut self.labels, &r.labels);
        self.created.append_option(r.created.map(us));
        self.started.append_option(r.started.map(us));
        self.exited.append_option(r.exited.map(us));
        self.exit_code.append_option(r.exit_code);
        append_list(&mut self.ips, &r.ip_addresses);
        self.source.append_value(&r.source);
    }
}

columns!(LossCols {
    time: TimestampMicrosecondBuilder,
    host_id: StringBuilder,
    boot_id: StringBuilder,
    source: StringBuilder,
    start: TimestampMicrosecondBuilder,
    end: TimestampMicrosecondBuilder,
    lost: UInt64Builder,
    reason: StringBuilder,
});

impl LossCols {
    pub(super) fn append(&mut self, l: &LossRecord) {
        self.time.append_value(us(l.time));
        self.host_id.append_value(&l.host_id);
        self.boot_id.append_option(l.boot_id.as_deref());
        self.source.append_value(&l.source);
        self.start.append_value(us(l.interval_start));
        self.end.append_value(us(l.interval_end));
        self.lost.append_value(l.events_lost);
        self.reason.append_value(&l.reason);
    }
}

/// The provenance columns every family ends with. `ingest_time` is one value per batch: the
/// moment the writer turns the rows into a file.
#[derive(Default)]
pub(super) struct ProvCols {
    ingest_id: StringBuilder,
    input: StringBuilder,
    input_sha256: StringBuilder,
    input_offset: UInt64Builder,
    rows: usize,
}

impl ProvCols {
    pub(super) fn append(&mut self, s: &Stamp<'_>) {
        self.ingest_id.append_option(s.ingest_id);
        self.input.append_option(s.input);
        self.input_sha256.append_option(s.input_sha256);
        self.input_offset.append_option(s.input_offset);
        self.rows += 1;
    }

    pub(super) fn finish(&mut self, ingest_time: Option<i64>) -> Vec<ArrayRef> {
        let mut time = TimestampMicrosecondBuilder::with_capacity(self.rows);
        for _ in 0..self.rows {
            time.append_option(ingest_time.map(us));
        }
        self.rows = 0;
        vec![
            Arc::new(self.ingest_id.finish()),
            Arc::new(time.finish()),
            Arc::new(self.input.finish()),
            Arc::new(self.input_sha256.finish()),
            Arc::new(self.input_offset.finish()),
        ]
    }
}
