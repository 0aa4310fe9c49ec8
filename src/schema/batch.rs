//! Row → Arrow conversion. One [`BatchBuilder`] per family turns rows into a `RecordBatch` of
//! exactly [`Family::schema`].

use std::sync::Arc;

use arrow::array::{
    ArrayRef, Int32Builder, ListBuilder, RecordBatch, StringBuilder, TimestampNanosecondBuilder,
    UInt16Builder, UInt32Builder, UInt64Builder,
};

use super::{ContainerRecord, Detail, Event, Family, HostRecord, LossRecord};

/// A row of any family.
#[derive(Debug, Clone, PartialEq)]
pub enum Row {
    /// An event (process, file or network, by its kind).
    Event(Event),
    /// A host record.
    Host(HostRecord),
    /// A container record.
    Container(ContainerRecord),
    /// A loss record.
    Loss(LossRecord),
}

impl Row {
    /// The family this row is stored in.
    pub fn family(&self) -> Family {
        match self {
            Row::Event(e) => e.kind.family(),
            Row::Host(_) => Family::Hosts,
            Row::Container(_) => Family::Containers,
            Row::Loss(_) => Family::Loss,
        }
    }
    /// The row's time, ns.
    pub fn time(&self) -> i64 {
        match self {
            Row::Event(e) => e.time,
            Row::Host(h) => h.time,
            Row::Container(c) => c.time,
            Row::Loss(l) => l.time,
        }
    }
    /// The row's host id.
    pub fn host_id(&self) -> &str {
        match self {
            Row::Event(e) => &e.host_id,
            Row::Host(h) => &h.host_id,
            Row::Container(c) => &c.host_id,
            Row::Loss(l) => &l.host_id,
        }
    }
}

type StrList = ListBuilder<StringBuilder>;

fn str_list() -> StrList {
    ListBuilder::new(StringBuilder::new())
}

fn append_list(b: &mut StrList, items: &[String]) {
    for s in items {
        b.values().append_value(s);
    }
    b.append(true);
}

/// Columns every event family has.
struct Common {
    time: TimestampNanosecondBuilder,
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
    start: TimestampNanosecondBuilder,
    key: StringBuilder,
    parent_key: StringBuilder,
}

impl Common {
    fn new() -> Self {
        Common {
            time: TimestampNanosecondBuilder::new(),
            kind: StringBuilder::new(),
            class_uid: Int32Builder::new(),
            activity_id: Int32Builder::new(),
            host_id: StringBuilder::new(),
            boot_id: StringBuilder::new(),
            source: StringBuilder::new(),
            container_id: StringBuilder::new(),
            pid: Int32Builder::new(),
            tid: Int32Builder::new(),
            ppid: Int32Builder::new(),
            uid: UInt32Builder::new(),
            gid: UInt32Builder::new(),
            euid: UInt32Builder::new(),
            auid: UInt32Builder::new(),
            user_name: StringBuilder::new(),
            comm: StringBuilder::new(),
            exe: StringBuilder::new(),
            argv: str_list(),
            cwd: StringBuilder::new(),
            start: TimestampNanosecondBuilder::new(),
            key: StringBuilder::new(),
            parent_key: StringBuilder::new(),
        }
    }

    fn append(&mut self, e: &Event) {
        let p = &e.process;
        self.time.append_value(e.time);
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
        self.start.append_option(p.start_time);
        self.key.append_option(p.key.as_deref());
        self.parent_key.append_option(p.parent_key.as_deref());
    }

    fn finish(&mut self) -> Vec<ArrayRef> {
        vec![
            Arc::new(self.time.finish()),
            Arc::new(self.kind.finish()),
            Arc::new(self.class_uid.finish()),
            Arc::new(self.activity_id.finish()),
            Arc::new(self.host_id.finish()),
            Arc::new(self.boot_id.finish()),
            Arc::new(self.source.finish()),
            Arc::new(self.container_id.finish()),
            Arc::new(self.pid.finish()),
            Arc::new(self.tid.finish()),
            Arc::new(self.ppid.finish()),
            Arc::new(self.uid.finish()),
            Arc::new(self.gid.finish()),
            Arc::new(self.euid.finish()),
            Arc::new(self.auid.finish()),
            Arc::new(self.user_name.finish()),
            Arc::new(self.comm.finish()),
            Arc::new(self.exe.finish()),
            Arc::new(self.argv.finish()),
            Arc::new(self.cwd.finish()),
            Arc::new(self.start.finish()),
            Arc::new(self.key.finish()),
            Arc::new(self.parent_key.finish()),
        ]
    }
}

struct ProcessCols {
    exit_code: Int32Builder,
    exe_sha256: StringBuilder,
}

struct FileCols {
    path: StringBuilder,
    target_path: StringBuilder,
    mode: UInt32Builder,
    flags: UInt32Builder,
    owner_uid: UInt32Builder,
    owner_gid: UInt32Builder,
    sha256: StringBuilder,
}

struct NetCols {
    protocol: StringBuilder,
    src_ip: StringBuilder,
    src_port: UInt16Builder,
    dst_ip: StringBuilder,
    dst_port: UInt16Builder,
    community_id: StringBuilder,
    bytes_sent: UInt64Builder,
    bytes_received: UInt64Builder,
}

struct HostCols {
    time: TimestampNanosecondBuilder,
    host_id: StringBuilder,
    hostname: StringBuilder,
    boot_id: StringBuilder,
    os: StringBuilder,
    kernel: StringBuilder,
    kind: StringBuilder,
    ips: StrList,
    source: StringBuilder,
}

struct ContainerCols {
    time: TimestampNanosecondBuilder,
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
    created: TimestampNanosecondBuilder,
    started: TimestampNanosecondBuilder,
    exited: TimestampNanosecondBuilder,
    exit_code: Int32Builder,
    ips: StrList,
    source: StringBuilder,
}

struct LossCols {
    time: TimestampNanosecondBuilder,
    host_id: StringBuilder,
    boot_id: StringBuilder,
    source: StringBuilder,
    start: TimestampNanosecondBuilder,
    end: TimestampNanosecondBuilder,
    lost: UInt64Builder,
    reason: StringBuilder,
}

enum Cols {
    Process(Box<Common>, ProcessCols),
    File(Box<Common>, FileCols),
    Network(Box<Common>, NetCols),
    Hosts(HostCols),
    Containers(Box<ContainerCols>),
    Loss(LossCols),
}

/// Accumulates rows of one family and produces a `RecordBatch` of that family's schema.
pub struct BatchBuilder {
    family: Family,
    cols: Cols,
    rows: usize,
    approx_bytes: usize,
}

/// Error for a row given to the builder of another family.
#[derive(Debug, thiserror::Error)]
#[error("a {row} row cannot go into a {builder} batch")]
pub struct WrongFamily {
    /// The row's family.
    pub row: Family,
    /// The builder's family.
    pub builder: Family,
}

fn opt_len(s: &Option<String>) -> usize {
    s.as_ref().map_or(0, |s| s.len())
}

impl BatchBuilder {
    /// An empty builder for `family`.
    pub fn new(family: Family) -> Self {
        let cols = match family {
            Family::Process => Cols::Process(
                Box::new(Common::new()),
                ProcessCols {
                    exit_code: Int32Builder::new(),
                    exe_sha256: StringBuilder::new(),
                },
            ),
            Family::File => Cols::File(
                Box::new(Common::new()),
                FileCols {
                    path: StringBuilder::new(),
                    target_path: StringBuilder::new(),
                    mode: UInt32Builder::new(),
                    flags: UInt32Builder::new(),
                    owner_uid: UInt32Builder::new(),
                    owner_gid: UInt32Builder::new(),
                    sha256: StringBuilder::new(),
                },
            ),
            Family::Network => Cols::Network(
                Box::new(Common::new()),
                NetCols {
                    protocol: StringBuilder::new(),
                    src_ip: StringBuilder::new(),
                    src_port: UInt16Builder::new(),
                    dst_ip: StringBuilder::new(),
                    dst_port: UInt16Builder::new(),
                    community_id: StringBuilder::new(),
                    bytes_sent: UInt64Builder::new(),
                    bytes_received: UInt64Builder::new(),
                },
            ),
            Family::Hosts => Cols::Hosts(HostCols {
                time: TimestampNanosecondBuilder::new(),
                host_id: StringBuilder::new(),
                hostname: StringBuilder::new(),
                boot_id: StringBuilder::new(),
                os: StringBuilder::new(),
                kernel: StringBuilder::new(),
                kind: StringBuilder::new(),
                ips: str_list(),
                source: StringBuilder::new(),
            }),
            Family::Containers => Cols::Containers(Box::new(ContainerCols {
                time: TimestampNanosecondBuilder::new(),
                host_id: StringBuilder::new(),
                container_id: StringBuilder::new(),
                state: StringBuilder::new(),
                name: StringBuilder::new(),
                image: StringBuilder::new(),
                image_id: StringBuilder::new(),
                runtime: StringBuilder::new(),
                pod: StringBuilder::new(),
                namespace: StringBuilder::new(),
                labels: str_list(),
                created: TimestampNanosecondBuilder::new(),
                started: TimestampNanosecondBuilder::new(),
                exited: TimestampNanosecondBuilder::new(),
                exit_code: Int32Builder::new(),
                ips: str_list(),
                source: StringBuilder::new(),
            })),
            Family::Loss => Cols::Loss(LossCols {
                time: TimestampNanosecondBuilder::new(),
                host_id: StringBuilder::new(),
                boot_id: StringBuilder::new(),
                source: StringBuilder::new(),
                start: TimestampNanosecondBuilder::new(),
                end: TimestampNanosecondBuilder::new(),
                lost: UInt64Builder::new(),
                reason: StringBuilder::new(),
            }),
        };
        BatchBuilder {
            family,
            cols,
            rows: 0,
            approx_bytes: 0,
        }
    }

    /// The family this builder makes.
    pub fn family(&self) -> Family {
        self.family
    }

    /// Rows appended since the last [`BatchBuilder::finish`].
    pub fn len(&self) -> usize {
        self.rows
    }

    /// True when no row is buffered.
    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// A rough count of the bytes buffered (for rotation and memory caps).
    pub fn approx_bytes(&self) -> usize {
        self.approx_bytes
    }

    /// Appends a row; fails if the row belongs to another family.
    pub fn append(&mut self, row: &Row) -> Result<(), WrongFamily> {
        let wrong = || WrongFamily {
            row: row.family(),
            builder: self.family,
        };
        match (row, &mut self.cols) {
            (Row::Event(e), Cols::Process(c, p)) => {
                let Detail::Process {
                    exit_code,
                    exe_sha256,
                } = &e.detail
                else {
                    return Err(wrong());
                };
                c.append(e);
                p.exit_code.append_option(*exit_code);
                p.exe_sha256.append_option(exe_sha256.as_deref());
            }
            (Row::Event(e), Cols::File(c, f)) => {
                let Detail::File {
                    path,
                    target_path,
                    mode,
                    flags,
                    owner_uid,
                    owner_gid,
                    sha256,
                } = &e.detail
                else {
                    return Err(wrong());
                };
                c.append(e);
                f.path.append_value(path);
                f.target_path.append_option(target_path.as_deref());
                f.mode.append_option(*mode);
                f.flags.append_option(*flags);
                f.owner_uid.append_option(*owner_uid);
                f.owner_gid.append_option(*owner_gid);
                f.sha256.append_option(sha256.as_deref());
                self.approx_bytes += path.len() + opt_len(target_path);
            }
            (Row::Event(e), Cols::Network(c, n)) => {
                let Detail::Network {
                    protocol,
                    src_ip,
                    src_port,
                    dst_ip,
                    dst_port,
                    bytes_sent,
                    bytes_received,
                } = &e.detail
                else {
                    return Err(wrong());
                };
                c.append(e);
                n.protocol.append_value(protocol.as_str());
                n.src_ip.append_option(src_ip.map(|ip| ip.to_string()));
                n.src_port.append_option(*src_port);
                n.dst_ip.append_option(dst_ip.map(|ip| ip.to_string()));
                n.dst_port.append_option(*dst_port);
                n.community_id.append_option(e.community_id());
                n.bytes_sent.append_option(*bytes_sent);
                n.bytes_received.append_option(*bytes_received);
                self.approx_bytes += 64;
            }
            (Row::Host(h), Cols::Hosts(c)) => {
                c.time.append_value(h.time);
                c.host_id.append_value(&h.host_id);
                c.hostname.append_value(&h.hostname);
                c.boot_id.append_option(h.boot_id.as_deref());
                c.os.append_option(h.os.as_deref());
                c.kernel.append_option(h.kernel.as_deref());
                c.kind.append_option(h.kind.map(|k| k.as_str()));
                append_list(&mut c.ips, &h.ip_addresses);
                c.source.append_value(&h.source);
                self.approx_bytes += 200;
            }
            (Row::Container(r), Cols::Containers(c)) => {
                c.time.append_value(r.time);
                c.host_id.append_value(&r.host_id);
                c.container_id.append_value(&r.container_id);
                c.state.append_option(r.state.map(|s| s.as_str()));
                c.name.append_option(r.name.as_deref());
                c.image.append_option(r.image.as_deref());
                c.image_id.append_option(r.image_id.as_deref());
                c.runtime.append_option(r.runtime.as_deref());
                c.pod.append_option(r.pod.as_deref());
                c.namespace.append_option(r.namespace.as_deref());
                append_list(&mut c.labels, &r.labels);
                c.created.append_option(r.created);
                c.started.append_option(r.started);
                c.exited.append_option(r.exited);
                c.exit_code.append_option(r.exit_code);
                append_list(&mut c.ips, &r.ip_addresses);
                c.source.append_value(&r.source);
                self.approx_bytes += 300;
            }
            (Row::Loss(l), Cols::Loss(c)) => {
                c.time.append_value(l.time);
                c.host_id.append_value(&l.host_id);
                c.boot_id.append_option(l.boot_id.as_deref());
                c.source.append_value(&l.source);
                c.start.append_value(l.interval_start);
                c.end.append_value(l.interval_end);
                c.lost.append_value(l.events_lost);
                c.reason.append_value(&l.reason);
                self.approx_bytes += 100;
            }
            _ => return Err(wrong()),
        }
        if let Row::Event(e) = row {
            let p = &e.process;
            self.approx_bytes += 120
                + e.host_id.len()
                + opt_len(&e.boot_id)
                + opt_len(&e.container_id)
                + opt_len(&p.exe)
                + opt_len(&p.cwd)
                + p.argv.iter().map(|a| a.len() + 4).sum::<usize>();
        }
        self.rows += 1;
        Ok(())
    }

    /// Takes the buffered rows out as a batch; the builder is empty afterwards.
    pub fn finish(&mut self) -> RecordBatch {
        let columns: Vec<ArrayRef> = match &mut self.cols {
            Cols::Process(c, p) => {
                let mut v = c.finish();
                v.push(Arc::new(p.exit_code.finish()));
                v.push(Arc::new(p.exe_sha256.finish()));
                v
            }
            Cols::File(c, f) => {
                let mut v = c.finish();
                v.push(Arc::new(f.path.finish()));
                v.push(Arc::new(f.target_path.finish()));
                v.push(Arc::new(f.mode.finish()));
                v.push(Arc::new(f.flags.finish()));
                v.push(Arc::new(f.owner_uid.finish()));
                v.push(Arc::new(f.owner_gid.finish()));
                v.push(Arc::new(f.sha256.finish()));
                v
            }
            Cols::Network(c, n) => {
                let mut v = c.finish();
                v.push(Arc::new(n.protocol.finish()));
                v.push(Arc::new(n.src_ip.finish()));
                v.push(Arc::new(n.src_port.finish()));
                v.push(Arc::new(n.dst_ip.finish()));
                v.push(Arc::new(n.dst_port.finish()));
                v.push(Arc::new(n.community_id.finish()));
                v.push(Arc::new(n.bytes_sent.finish()));
                v.push(Arc::new(n.bytes_received.finish()));
                v
            }
            Cols::Hosts(c) => vec![
                Arc::new(c.time.finish()),
                Arc::new(c.host_id.finish()),
                Arc::new(c.hostname.finish()),
                Arc::new(c.boot_id.finish()),
                Arc::new(c.os.finish()),
                Arc::new(c.kernel.finish()),
                Arc::new(c.kind.finish()),
                Arc::new(c.ips.finish()),
                Arc::new(c.source.finish()),
            ],
            Cols::Containers(c) => vec![
                Arc::new(c.time.finish()),
                Arc::new(c.host_id.finish()),
                Arc::new(c.container_id.finish()),
                Arc::new(c.state.finish()),
                Arc::new(c.name.finish()),
                Arc::new(c.image.finish()),
                Arc::new(c.image_id.finish()),
                Arc::new(c.runtime.finish()),
                Arc::new(c.pod.finish()),
                Arc::new(c.namespace.finish()),
                Arc::new(c.labels.finish()),
                Arc::new(c.created.finish()),
                Arc::new(c.started.finish()),
                Arc::new(c.exited.finish()),
                Arc::new(c.exit_code.finish()),
                Arc::new(c.ips.finish()),
                Arc::new(c.source.finish()),
            ],
            Cols::Loss(c) => vec![
                Arc::new(c.time.finish()),
                Arc::new(c.host_id.finish()),
                Arc::new(c.boot_id.finish()),
                Arc::new(c.source.finish()),
                Arc::new(c.start.finish()),
                Arc::new(c.end.finish()),
                Arc::new(c.lost.finish()),
                Arc::new(c.reason.finish()),
            ],
        };
        self.rows = 0;
        self.approx_bytes = 0;
        // The builders produce exactly the schema's types; nullability of non-null columns is
        // guaranteed by construction (append_value), so this cannot fail for valid code.
        RecordBatch::try_new(self.family.schema(), columns)
            .expect("batch builder columns match the family schema")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{EventKind, ProcessInfo, Protocol};

    fn proc_info() -> Arc<ProcessInfo> {
        Arc::new(ProcessInfo {
            pid: Some(10),
            argv: vec!["sh".into(), "-c".into(), "id".into()],
            ..Default::default()
        })
    }

    #[test]
    fn each_family_builds_its_schema() {
        let ev = |kind, detail| {
            Row::Event(Event {
                time: 1,
                kind,
                host_id: "h".into(),
                boot_id: None,
                source: "test".into(),
                container_id: None,
                process: proc_info(),
                detail,
            })
        };
        let rows = [
            ev(
                EventKind::ProcessExec,
                Detail::Process {
                    exit_code: None,
                    exe_sha256: None,
                },
            ),
            ev(
                EventKind::FileCreate,
                Detail::File {
                    path: "/tmp/x".into(),
                    target_path: None,
                    mode: Some(0o755),
                    flags: None,
                    owner_uid: None,
                    owner_gid: None,
                    sha256: None,
                },
            ),
            ev(
                EventKind::NetConnect,
                Detail::Network {
                    protocol: Protocol::Tcp,
                    src_ip: Some("10.0.0.1".parse().unwrap()),
                    src_port: Some(40000),
                    dst_ip: Some("10.0.0.2".parse().unwrap()),
                    dst_port: Some(443),
                    bytes_sent: None,
                    bytes_received: None,
                },
            ),
        ];
        for row in &rows {
            let mut b = BatchBuilder::new(row.family());
            b.append(row).unwrap();
            b.append(row).unwrap();
            let batch = b.finish();
            assert_eq!(batch.num_rows(), 2);
            assert_eq!(batch.schema(), row.family().schema());
            assert!(b.is_empty());
        }
        // A file event detail under a process kind is refused, not stored wrongly.
        let mut b = BatchBuilder::new(Family::Process);
        let bad = ev(
            EventKind::ProcessExec,
            Detail::File {
                path: "/x".into(),
                target_path: None,
                mode: None,
                flags: None,
                owner_uid: None,
                owner_gid: None,
                sha256: None,
            },
        );
        assert!(b.append(&bad).is_err());
        assert!(b.append(&rows[1]).is_err());
    }
}
