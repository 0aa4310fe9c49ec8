//! Sinks: where recorders hand their rows.

use crate::schema::Row;
use crate::store::StoreError;

/// What an ingest run is reading: a live source (`ebpf`, `procfs`, `demo`) or a file, with
/// its content digest. Stored with every row (`input`, `input_sha256`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Input {
    /// A collector's mode, `demo`, or the imported file's path.
    pub name: Option<String>,
    /// SHA-256 of the file's content, lowercase hex (files only).
    pub sha256: Option<String>,
}

impl Input {
    /// A live source, named.
    pub fn live(name: &str) -> Input {
        Input {
            name: Some(name.to_string()),
            sha256: None,
        }
    }

    /// A file and the SHA-256 of its content.
    pub fn file(path: &str, sha256: &str) -> Input {
        Input {
            name: Some(path.to_string()),
            sha256: Some(sha256.to_string()),
        }
    }
}

/// Rows in, files (or memory) out: one ingest run.
pub trait Sink {
    /// The rows that follow come from `input` (until the next call).
    fn begin_input(&mut self, input: Input);
    /// Takes one row whose record started at byte `offset` of the input (`None` for live
    /// sources).
    fn put(&mut self, row: &Row, offset: Option<u64>) -> Result<(), StoreError>;
    /// Writes what is due by age (recorders call this about once a second).
    fn tick(&mut self) -> Result<(), StoreError>;
    /// Writes everything buffered.
    fn flush(&mut self) -> Result<(), StoreError>;
    /// This run's id, stored with every row (`ingest_id`).
    fn ingest_id(&self) -> &str;
}

/// One row as a [`MemorySink`] took it.
#[derive(Debug, Clone, PartialEq)]
pub struct Put {
    /// The row.
    pub row: Row,
    /// The input it came from.
    pub input: Input,
    /// Its offset there.
    pub offset: Option<u64>,
}

/// A sink that keeps every row in memory, with its provenance (for tests and for callers that
/// look at rows before they are stored).
#[derive(Debug, Clone)]
pub struct MemorySink {
    /// The rows, in the order they were put.
    pub rows: Vec<Put>,
    input: Input,
    ingest_id: String,
    /// How many times [`Sink::flush`] was called.
    pub flushes: usize,
}

impl Default for MemorySink {
    fn default() -> Self {
        MemorySink {
            rows: Vec::new(),
            input: Input::default(),
            ingest_id: uuid::Uuid::new_v4().hyphenated().to_string(),
            flushes: 0,
        }
    }
}

impl MemorySink {
    /// Just the rows.
    pub fn into_rows(self) -> Vec<Row> {
        self.rows.into_iter().map(|p| p.row).collect()
    }
}

impl Sink for MemorySink {
    fn begin_input(&mut self, input: Input) {
        self.input = input;
    }

    fn put(&mut self, row: &Row, offset: Option<u64>) -> Result<(), StoreError> {
        self.rows.push(Put {
            row: row.clone(),
            input: self.input.clone(),
            offset,
        });
        Ok(())
    }

    fn tick(&mut self) -> Result<(), StoreError> {
        Ok(())
    }

    fn flush(&mut self) -> Result<(), StoreError> {
        self.flushes += 1;
        Ok(())
    }

    fn ingest_id(&self) -> &str {
        &self.ingest_id
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{Array, AsArray};
    use arrow::datatypes::UInt64Type;

    use super::*;
    use crate::schema::{Family, Origin, ProcessInfo};
    use crate::store::{Store, StoreWriter, WriterOptions};

    fn rows() -> Vec<Row> {
        let o = Origin::new("h", None, "test");
        (0..3)
            .map(|i| {
                Row::Event(o.exec(
                    1_700_000_000_000_000_000 + i,
                    None,
                    Arc::new(ProcessInfo::default()),
                    None,
                ))
            })
            .collect()
    }

    /// The same rows through either sink: the memory sink keeps what the store writer stamps.
    fn feed(sink: &mut dyn Sink) {
        let r = rows();
        sink.begin_input(Input::live("ebpf"));
        sink.put(&r[0], None).unwrap();
        sink.begin_input(Input::file("/logs/audit.log", "ab12"));
        sink.put(&r[1], Some(0)).unwrap();
        sink.put(&r[2], Some(812)).unwrap();
        sink.flush().unwrap();
    }

    #[test]
    fn both_sinks_stamp_every_row_with_run_input_and_offset() {
        let mut mem = MemorySink::default();
        feed(&mut mem);
        assert_eq!(mem.rows.len(), 3);
        assert_eq!(mem.rows[0].input, Input::live("ebpf"));
        assert_eq!(mem.rows[2].offset, Some(812));
        assert_eq!(mem.flushes, 1);

        let dir = tempfile::tempdir().unwrap();
        let store = Store::create(dir.path()).unwrap();
        let mut w = StoreWriter::new(store.clone(), WriterOptions::default());
        let id = w.ingest_id().to_string();
        let before = crate::timefmt::now_ns();
        feed(&mut w);
        let files = store.files(Family::Process).unwrap();
        assert_eq!(files.len(), 1);
        let batch = crate::store::conform::read_all(&files[0])
            .unwrap()
            .remove(0);
        let text = |c: &str| batch.column_by_name(c).unwrap().as_string::<i32>().clone();
        for i in 0..3 {
            assert_eq!(text("ingest_id").value(i), id);
        }
        // Sorted by time: the rows in the order they were put.
        assert_eq!(text("input").value(0), "ebpf");
        assert!(text("input_sha256").is_null(0));
        assert_eq!(text("input").value(2), "/logs/audit.log");
        assert_eq!(text("input_sha256").value(1), "ab12");
        let off = batch
            .column_by_name("input_offset")
            .unwrap()
            .as_primitive::<UInt64Type>()
            .clone();
        assert!(off.is_null(0));
        assert_eq!((off.value(1), off.value(2)), (0, 812));
        let t = crate::schema::time::column_ns(&batch, "ingest_time").unwrap();
        assert!(t.value(0) >= before - 999 && t.value(0) == t.value(2));
        let w0 = &w.written()[0];
        assert_eq!(w0.path, files[0]);
        assert_eq!(w0.sha256.len(), 64);
    }
}
