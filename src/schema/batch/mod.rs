//! Row → Arrow conversion. One [`BatchBuilder`] per family turns rows into a `RecordBatch` of
//! exactly [`Family::schema`], provenance columns included.

mod cols;

use std::sync::Arc;

use arrow::array::{ArrayRef, RecordBatch, StringBuilder};

use super::{ContainerRecord, Detail, Event, Family, HostRecord, LossRecord};
use cols::{
    ApiCols, Common, ContainerCols, FileCols, FindingCols, HostCols, LossCols, NetCols,
    ProcessCols, ProvCols,
};

/// A row of any family.
#[derive(Debug, Clone, PartialEq)]
pub enum Row {
    /// An event (process, file, network, finding or api, by its kind).
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

/// Where a row came from, as the provenance columns record it (`ingest_time` is the
/// writer's, at [`BatchBuilder::finish`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stamp<'a> {
    /// The ingest run.
    pub ingest_id: Option<&'a str>,
    /// What the run read.
    pub input: Option<&'a str>,
    /// SHA-256 of the input file.
    pub input_sha256: Option<&'a str>,
    /// Byte offset of the record in the input.
    pub input_offset: Option<u64>,
}

enum Cols {
    Process(Box<Common>, ProcessCols),
    File(Box<Common>, FileCols),
    Network(Box<Common>, NetCols),
    Finding(Box<Common>, FindingCols),
    Api(Box<Common>, Box<ApiCols>),
    Hosts(HostCols),
    Containers(Box<ContainerCols>),
    Loss(LossCols),
}

/// Accumulates rows of one family and produces a `RecordBatch` of that family's schema.
pub struct BatchBuilder {
    family: Family,
    cols: Cols,
    /// `extra` of event rows (the last column before provenance).
    extra: StringBuilder,
    prov: ProvCols,
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
            Family::Process => Cols::Process(Box::default(), ProcessCols::default()),
            Family::File => Cols::File(Box::default(), FileCols::default()),
            Family::Network => Cols::Network(Box::default(), NetCols::default()),
            Family::Finding => Cols::Finding(Box::default(), FindingCols::default()),
            Family::Api => Cols::Api(Box::default(), Box::default()),
            Family::Hosts => Cols::Hosts(HostCols::default()),
            Family::Containers => Cols::Containers(Box::default()),
            Family::Loss => Cols::Loss(LossCols::default()),
        };
        BatchBuilder {
            family,
            cols,
            extra: StringBuilder::new(),
            prov: ProvCols::default(),
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

    /// Appends a row with its provenance; fails if the row belongs to another family.
    pub fn append(&mut self, row: &Row, stamp: &Stamp<'_>) -> Result<(), WrongFamily> {
        let wrong = || WrongFamily {
            row: row.family(),
            builder: self.family,
        };
        let bytes = match (row, &mut self.cols) {
            (Row::Event(e), Cols::Process(c, p)) => {
                let Detail::Process(d) = &e.detail else {
                    return Err(wrong());
                };
                c.append(e);
                p.append(d);
                0
            }
            (Row::Event(e), Cols::File(c, f)) => {
                let Detail::File(d) = &e.detail else {
                    return Err(wrong());
                };
                c.append(e);
                f.append(d);
                d.path.len() + opt_len(&d.target_path)
            }
            (Row::Event(e), Cols::Network(c, n)) => {
                let Detail::Network(d) = &e.detail else {
                    return Err(wrong());
                };
                c.append(e);
                n.append(d, e.community_id());
                64
            }
            (Row::Event(e), Cols::Finding(c, f)) => {
                let Detail::Finding(d) = &e.detail else {
                    return Err(wrong());
                };
                c.append(e);
                f.append(d);
                d.rule.len()
                    + opt_len(&d.message)
                    + d.tags.iter().map(|t| t.len() + 4).sum::<usize>()
            }
            (Row::Event(e), Cols::Api(c, a)) => {
                let Detail::Api(d) = &e.detail else {
                    return Err(wrong());
                };
                c.append(e);
                a.append(d);
                d.approx_bytes()
            }
            (Row::Host(h), Cols::Hosts(c)) => {
                c.append(h);
                200
            }
            (Row::Container(r), Cols::Containers(c)) => {
                c.append(r);
                300
            }
            (Row::Loss(l), Cols::Loss(c)) => {
                c.append(l);
                100
            }
            _ => return Err(wrong()),
        };
        self.prov.append(stamp);
        self.approx_bytes += bytes;
        if let Row::Event(e) = row {
            self.extra.append_option(e.extra.as_deref());
            self.approx_bytes += opt_len(&e.extra);
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

    /// Takes the buffered rows out as a batch, every row's `ingest_time` set to
    /// `ingest_time`; the builder is empty afterwards.
    pub fn finish(&mut self, ingest_time: Option<i64>) -> RecordBatch {
        let mut columns: Vec<ArrayRef> = match &mut self.cols {
            Cols::Process(c, p) => [c.finish(), p.finish()].concat(),
            Cols::File(c, f) => [c.finish(), f.finish()].concat(),
            Cols::Network(c, n) => [c.finish(), n.finish()].concat(),
            Cols::Finding(c, f) => [c.finish(), f.finish()].concat(),
            Cols::Api(c, a) => [c.finish(), a.finish()].concat(),
            Cols::Hosts(c) => c.finish(),
            Cols::Containers(c) => c.finish(),
            Cols::Loss(c) => c.finish(),
        };
        if self.family.is_event() {
            columns.push(Arc::new(self.extra.finish()));
        }
        columns.extend(self.prov.finish(ingest_time));
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
    use std::sync::Arc;

    use arrow::array::{Array, AsArray};
    use arrow::datatypes::{TimestampMicrosecondType, UInt64Type};

    use super::*;
    use crate::schema::{
        EventKind, FileDetail, NetDetail, Origin, ProcessInfo, Protocol, SCHEMA_VERSION,
    };

    fn proc_info() -> Arc<ProcessInfo> {
        Arc::new(ProcessInfo {
            pid: Some(10),
            argv: vec!["sh".into(), "-c".into(), "id".into()],
            ..Default::default()
        })
    }

    fn rows() -> [Row; 3] {
        let o = Origin::new("h", None, "test");
        let ip = |s: &str| s.parse().unwrap();
        [
            Row::Event(o.exec(1, None, proc_info(), None)),
            Row::Event(o.file(
                1,
                EventKind::FileCreate,
                None,
                proc_info(),
                FileDetail::path("/tmp/x").mode(Some(0o755)),
            )),
            Row::Event(o.net(
                1,
                EventKind::NetConnect,
                None,
                proc_info(),
                NetDetail::new(
                    Protocol::Tcp,
                    Some((ip("10.0.0.1"), 40000)),
                    Some((ip("10.0.0.2"), 443)),
                ),
            )),
        ]
    }

    #[test]
    fn each_family_builds_its_schema() {
        let rows = rows();
        for row in &rows {
            let mut b = BatchBuilder::new(row.family());
            b.append(row, &Stamp::default()).unwrap();
            b.append(row, &Stamp::default()).unwrap();
            let batch = b.finish(None);
            assert_eq!(batch.num_rows(), 2);
            assert_eq!(batch.schema(), row.family().schema());
            assert!(b.is_empty());
        }
        assert_eq!(SCHEMA_VERSION, 3);
        // A file event detail under a process kind is refused, not stored wrongly.
        let mut b = BatchBuilder::new(Family::Process);
        let Row::Event(mut bad) = rows[1].clone() else {
            unreachable!()
        };
        bad.kind = EventKind::ProcessExec;
        assert!(b.append(&Row::Event(bad), &Stamp::default()).is_err());
        assert!(b.append(&rows[1], &Stamp::default()).is_err());
    }

    #[test]
    fn provenance_is_stamped_per_row_and_the_ingest_time_per_batch() {
        let rows = rows();
        let mut b = BatchBuilder::new(Family::Process);
        let s1 = Stamp {
            ingest_id: Some("run-1"),
            input: Some("/var/log/audit/audit.log"),
            input_sha256: Some("ab"),
            input_offset: Some(4096),
        };
        b.append(&rows[0], &s1).unwrap();
        b.append(&rows[0], &Stamp::default()).unwrap();
        let batch = b.finish(Some(77));
        let text = |c: &str| batch.column_by_name(c).unwrap().as_string::<i32>().clone();
        assert_eq!(text("ingest_id").value(0), "run-1");
        assert!(text("ingest_id").is_null(1));
        assert_eq!(text("input").value(0), "/var/log/audit/audit.log");
        assert_eq!(text("input_sha256").value(0), "ab");
        let off = batch.column_by_name("input_offset").unwrap();
        assert_eq!(off.as_primitive::<UInt64Type>().value(0), 4096);
        assert!(off.is_null(1));
        let t = batch.column_by_name("ingest_time").unwrap();
        let t = t.as_primitive::<TimestampMicrosecondType>();
        assert_eq!((t.value(0), t.value(1)), (0, 0)); // 77 ns is within the first µs
    }
}
