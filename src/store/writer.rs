//! The store writer: rows in, Parquet files out.
//!
//! Rows are buffered per partition (family, host, UTC date) in Arrow builders. A partition is
//! written out as one file when it reaches `max_rows_per_file` or `max_bytes_per_file`, when it
//! is older than `max_file_age` ([`StoreWriter::flush_due`], which collectors call every
//! second), when the writer's total buffer passes `max_buffered_bytes` (the largest partition
//! goes first), and at [`StoreWriter::finish`].
//!
//! Each file is sorted by (container_id, time) so that a story's reads touch few row groups,
//! compressed with zstd, and written by the store's one atomic writer ([`super::atomic`]): a
//! reader never sees half a file, and a crash leaves at worst a `.….parquet.tmp` behind.
//!
//! A writer is one ingest run: every row it writes carries the run's `ingest_id`, the input
//! it came from ([`Sink::begin_input`]), the record's offset in that input, and the time its
//! file was written (`ingest_time`; see docs/schema.md, provenance).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use arrow::array::RecordBatch;
use arrow::compute::{SortColumn, SortOptions, lexsort_to_indices, take_record_batch};
use chrono::{DateTime, NaiveDate};
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::{EnabledStatistics, WriterProperties};

use super::atomic::{Written, write_parquet};
use super::{Store, StoreError, date_of};
use crate::ingest::{Input, Sink};
use crate::schema::{
    BatchBuilder, FAMILY_KEY, Family, Row, SCHEMA_VERSION, SCHEMA_VERSION_KEY, Stamp,
};

/// Rotation and encoding settings.
#[derive(Debug, Clone)]
pub struct WriterOptions {
    /// A partition is written when it holds this many rows.
    pub max_rows_per_file: usize,
    /// … or this many (approximate, uncompressed) bytes.
    pub max_bytes_per_file: usize,
    /// … or when its oldest buffered row is this old (checked by `flush_due`).
    pub max_file_age: Duration,
    /// Cap on all buffers together; past it the largest partition is written.
    pub max_buffered_bytes: usize,
    /// Rows per Parquet row group (DuckDB parallelises and prunes by row group).
    pub row_group_rows: usize,
    /// zstd level (1–22).
    pub zstd_level: i32,
}

impl Default for WriterOptions {
    fn default() -> Self {
        WriterOptions {
            max_rows_per_file: 1_000_000,
            max_bytes_per_file: 256 << 20,
            max_file_age: Duration::from_secs(60),
            max_buffered_bytes: 1 << 30,
            row_group_rows: 128 * 1024,
            zstd_level: 3,
        }
    }
}

/// What a writer has written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteStats {
    /// Rows written to files.
    pub rows: u64,
    /// Files written.
    pub files: u64,
    /// Bytes of Parquet written.
    pub bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct PartKey {
    family: Family,
    host: String,
    date: NaiveDate,
}

struct Part {
    builder: BatchBuilder,
    since: Instant,
}

/// Writes rows of every family into a store: one ingest run.
pub struct StoreWriter {
    store: Store,
    opts: WriterOptions,
    parts: HashMap<PartKey, Part>,
    buffered: usize,
    stats: WriteStats,
    written: Vec<Written>,
    ingest_id: String,
    input: Input,
}

impl StoreWriter {
    /// A writer into `store` with `opts`, as a new ingest run (a random `ingest_id`).
    pub fn new(store: Store, opts: WriterOptions) -> Self {
        StoreWriter {
            store,
            opts,
            parts: HashMap::new(),
            buffered: 0,
            stats: WriteStats::default(),
            written: Vec::new(),
            ingest_id: uuid::Uuid::new_v4().hyphenated().to_string(),
            input: Input::default(),
        }
    }

    /// The store written to.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Buffers one row that came from no particular place in the input; may write files.
    pub fn write(&mut self, row: &Row) -> Result<(), StoreError> {
        self.put(row, None)
    }

    /// Buffers one row whose record started at byte `offset` of the current input (rotation
    /// by size may write files).
    pub fn put(&mut self, row: &Row, offset: Option<u64>) -> Result<(), StoreError> {
        let key = PartKey {
            family: row.family(),
            host: row.host_id().to_string(),
            date: date_of(row.time()),
        };
        let part = self.parts.entry(key.clone()).or_insert_with(|| Part {
            builder: BatchBuilder::new(key.family),
            since: Instant::now(),
        });
        let before = part.builder.approx_bytes();
        let stamp = Stamp {
            ingest_id: Some(&self.ingest_id),
            input: self.input.name.as_deref(),
            input_sha256: self.input.sha256.as_deref(),
            input_offset: offset,
        };
        part.builder.append(row, &stamp)?;
        let after = part.builder.approx_bytes();
        self.buffered += after - before;
        if part.builder.len() >= self.opts.max_rows_per_file
            || after >= self.opts.max_bytes_per_file
        {
            self.flush_part(&key)?;
        }
        while self.buffered > self.opts.max_buffered_bytes {
            let Some(largest) = self
                .parts
                .iter()
                .max_by_key(|(_, p)| p.builder.approx_bytes())
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            self.flush_part(&largest)?;
        }
        Ok(())
    }

    /// Writes every partition whose oldest buffered row is older than `max_file_age`.
    pub fn flush_due(&mut self) -> Result<(), StoreError> {
        let due: Vec<PartKey> = self
            .parts
            .iter()
            .filter(|(_, p)| !p.builder.is_empty() && p.since.elapsed() >= self.opts.max_file_age)
            .map(|(k, _)| k.clone())
            .collect();
        for k in due {
            self.flush_part(&k)?;
        }
        Ok(())
    }

    /// Writes every buffered row.
    pub fn flush(&mut self) -> Result<(), StoreError> {
        let mut keys: Vec<PartKey> = self.parts.keys().cloned().collect();
        keys.sort_by(|a, b| (a.family, &a.host, a.date).cmp(&(b.family, &b.host, b.date)));
        for k in keys {
            self.flush_part(&k)?;
        }
        Ok(())
    }

    /// Flushes and returns what was written.
    pub fn finish(mut self) -> Result<WriteStats, StoreError> {
        self.flush()?;
        Ok(self.stats.clone())
    }

    /// Statistics so far (rows still buffered are not counted).
    pub fn stats(&self) -> &WriteStats {
        &self.stats
    }

    /// Paths of the files written so far.
    pub fn written_files(&self) -> Vec<PathBuf> {
        self.written.iter().map(|w| w.path.clone()).collect()
    }

    /// The files written so far, with their sizes and digests.
    pub fn written(&self) -> &[Written] {
        &self.written
    }

    fn flush_part(&mut self, key: &PartKey) -> Result<(), StoreError> {
        let Some(mut part) = self.parts.remove(key) else {
            return Ok(());
        };
        self.buffered -= part.builder.approx_bytes();
        if part.builder.is_empty() {
            return Ok(());
        }
        // Stamped under the journal lock, held until the file is sealed: see
        // `seal::record_held` (the export cursor relies on it).
        let lock = super::seal::JournalLock::acquire(self.store.root(), true)?;
        let batch = sort_for_store(part.builder.finish(Some(crate::timefmt::now_ns())))?;
        let dir = self.store.partition_dir(key.family, &key.host, key.date);
        let w = write_parquet_atomic(&dir, key.family, &batch, &self.opts)?;
        super::seal::record_held(
            &self.store,
            &lock,
            "write",
            vec![super::seal::sealed(&self.store, &w)],
            Vec::new(),
        )?;
        self.stats.rows += batch.num_rows() as u64;
        self.stats.files += 1;
        self.stats.bytes += w.bytes;
        self.written.push(w);
        Ok(())
    }
}

impl Sink for StoreWriter {
    fn begin_input(&mut self, input: Input) {
        self.input = input;
    }

    fn put(&mut self, row: &Row, offset: Option<u64>) -> Result<(), StoreError> {
        StoreWriter::put(self, row, offset)
    }

    fn tick(&mut self) -> Result<(), StoreError> {
        self.flush_due()
    }

    fn flush(&mut self) -> Result<(), StoreError> {
        StoreWriter::flush(self)
    }

    fn ingest_id(&self) -> &str {
        &self.ingest_id
    }
}

/// Sorts a batch by (container_id, time, time_nanos) for event families and `containers`, by time otherwise.
pub fn sort_for_store(batch: RecordBatch) -> Result<RecordBatch, StoreError> {
    let schema = batch.schema();
    let mut keys = Vec::new();
    if let Ok(i) = schema.index_of("container_id") {
        keys.push(SortColumn {
            values: batch.column(i).clone(),
            options: Some(SortOptions {
                descending: false,
                nulls_first: true,
            }),
        });
    }
    let t = schema.index_of("time")?;
    keys.push(SortColumn {
        values: batch.column(t).clone(),
        options: None,
    });
    if let Ok(n) = schema.index_of(crate::schema::time::TIME_NANOS) {
        keys.push(SortColumn {
            values: batch.column(n).clone(),
            options: None,
        });
    }
    let indices = lexsort_to_indices(&keys, None)?;
    Ok(take_record_batch(&batch, &indices)?)
}

fn properties(family: Family, opts: &WriterOptions) -> WriterProperties {
    data_properties(family, opts.row_group_rows, opts.zstd_level)
}

/// Writer properties of a data file of `family`: zstd, page statistics, schema version and
/// family in the key/value metadata.
pub(crate) fn data_properties(
    family: Family,
    row_group_rows: usize,
    zstd_level: i32,
) -> WriterProperties {
    let level = ZstdLevel::try_new(zstd_level).unwrap_or_default();
    WriterProperties::builder()
        .set_compression(Compression::ZSTD(level))
        .set_max_row_group_row_count(Some(row_group_rows))
        .set_statistics_enabled(EnabledStatistics::Page)
        .set_created_by(format!("trace {}", env!("CARGO_PKG_VERSION")))
        .set_key_value_metadata(Some(vec![
            KeyValue::new(SCHEMA_VERSION_KEY.to_string(), SCHEMA_VERSION.to_string()),
            KeyValue::new(FAMILY_KEY.to_string(), family.name().to_string()),
        ]))
        .build()
}

/// `<family>-<first time>-<random><suffix>` for a batch of `family`.
pub(crate) fn file_name(family: Family, batch: &RecordBatch, suffix: &str) -> String {
    let first = crate::schema::time::column_ns(batch, "time")
        .and_then(|t| arrow::compute::min(&t))
        .unwrap_or(0);
    let stamp = DateTime::from_timestamp_nanos(first).format("%Y%m%dT%H%M%SZ");
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("{}-{stamp}-{}{suffix}", family.name(), &id[..12])
}

/// Writes `batch` as `dir/<family>-<first time>-<id>.parquet`, atomically.
pub fn write_parquet_atomic(
    dir: &Path,
    family: Family,
    batch: &RecordBatch,
    opts: &WriterOptions,
) -> Result<Written, StoreError> {
    let name = file_name(family, batch, ".parquet");
    write_parquet(dir, &name, batch, properties(family, opts))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{LossRecord, Origin, ProcessInfo};
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use std::fs::{self, File};
    use std::sync::Arc;

    fn exec(time: i64, host: &str, container: Option<&str>) -> Row {
        let process = Arc::new(ProcessInfo {
            pid: Some(1),
            exe: Some("/bin/true".into()),
            ..Default::default()
        });
        let o = Origin::new(host, Some("b"), "test");
        Row::Event(o.exec(time, container.map(Into::into), process, None))
    }

    const DAY: i64 = 86_400_000_000_000;

    #[test]
    fn partitions_by_family_host_and_date_and_rotates_by_rows() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::create(dir.path().join("s")).unwrap();
        let opts = WriterOptions {
            max_rows_per_file: 10,
            ..Default::default()
        };
        let mut w = StoreWriter::new(store.clone(), opts);
        for i in 0..25 {
            w.write(&exec(1_700_000_000_000_000_000 + i, "h1", None))
                .unwrap();
        }
        w.write(&exec(1_700_000_000_000_000_000 + DAY, "h1", None))
            .unwrap();
        w.write(&exec(1_700_000_000_000_000_000, "h/2", Some("c1")))
            .unwrap();
        w.write(&Row::Loss(LossRecord {
            time: 1_700_000_000_000_000_000,
            host_id: "h1".into(),
            boot_id: None,
            source: "test".into(),
            interval_start: 1,
            interval_end: 2,
            events_lost: 3,
            reason: "ringbuf_full".into(),
        }))
        .unwrap();
        // Two full files were written while writing; the rest waits for finish.
        assert_eq!(w.stats().files, 2);
        let stats = w.finish().unwrap();
        assert_eq!(stats.rows, 28);
        assert_eq!(stats.files, 6); // 10+10+5 rows, next day, other host, loss
        let files = store.files(Family::Process).unwrap();
        assert_eq!(files.len(), 5);
        let rel: Vec<String> = files
            .iter()
            .map(|p| p.strip_prefix(store.root()).unwrap().display().to_string())
            .collect();
        assert!(
            rel.iter()
                .any(|p| p.starts_with("process/host=h1/date=2023-11-14/process-"))
        );
        assert!(
            rel.iter()
                .any(|p| p.starts_with("process/host=h1/date=2023-11-15/"))
        );
        assert!(
            rel.iter()
                .any(|p| p.starts_with("process/host=h%2F2/date=2023-11-14/"))
        );
        assert_eq!(store.files(Family::Loss).unwrap().len(), 1);
    }

    #[test]
    fn files_carry_schema_version_zstd_and_are_sorted_by_container_then_time() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::create(dir.path()).unwrap();
        let mut w = StoreWriter::new(store.clone(), WriterOptions::default());
        let t = 1_700_000_000_000_000_000;
        for (dt, c) in [
            (5, Some("b")),
            (1, None),
            (3, Some("a")),
            (2, Some("b")),
            (4, None),
        ] {
            w.write(&exec(t + dt, "h", c)).unwrap();
        }
        w.finish().unwrap();
        let files = store.files(Family::Process).unwrap();
        assert_eq!(files.len(), 1);
        let reader = SerializedFileReader::new(File::open(&files[0]).unwrap()).unwrap();
        let meta = reader.metadata();
        let kv = meta.file_metadata().key_value_metadata().unwrap();
        let get = |k: &str| kv.iter().find(|e| e.key == k).and_then(|e| e.value.clone());
        assert_eq!(get(SCHEMA_VERSION_KEY), Some(SCHEMA_VERSION.to_string()));
        assert_eq!(get(FAMILY_KEY), Some("process".into()));
        assert!(matches!(
            meta.row_group(0).column(0).compression(),
            Compression::ZSTD(_)
        ));
        let batch = crate::store::conform::read_all(&files[0])
            .unwrap()
            .remove(0);
        assert_eq!(batch.schema().fields(), Family::Process.schema().fields());
        // Nanoseconds apart, in one microsecond: ordered by `time_nanos` within `time`.
        let times = crate::schema::time::column_ns(&batch, "time").unwrap();
        let order: Vec<i64> = times.iter().map(|v| v.unwrap() - t).collect();
        assert_eq!(order, vec![1, 4, 3, 2, 5]); // host (NULL) first, then a, then b
    }

    #[test]
    fn no_temporary_file_survives_and_readers_never_list_one() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::create(dir.path()).unwrap();
        let mut w = StoreWriter::new(store.clone(), WriterOptions::default());
        w.write(&exec(1_700_000_000_000_000_000, "h", None))
            .unwrap();
        w.finish().unwrap();
        let pdir = store.files(Family::Process).unwrap()[0]
            .parent()
            .unwrap()
            .to_path_buf();
        // A crash mid-write leaves a hidden temp file: it must not be listed or globbed.
        fs::write(pdir.join(".process-x.parquet.tmp"), b"PAR1 half").unwrap();
        let names: Vec<String> = fs::read_dir(&pdir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 2);
        assert_eq!(store.files(Family::Process).unwrap().len(), 1);
        let real: Vec<&String> = names.iter().filter(|n| !n.ends_with(".tmp")).collect();
        assert_eq!(real.len(), 1);
        assert!(
            !names
                .iter()
                .any(|n| n.ends_with(".tmp") && !n.starts_with(".process-x"))
        );
    }

    #[test]
    fn time_rotation_writes_old_partitions_only() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::create(dir.path()).unwrap();
        let opts = WriterOptions {
            max_file_age: Duration::from_millis(50),
            ..Default::default()
        };
        let mut w = StoreWriter::new(store.clone(), opts);
        w.write(&exec(1_700_000_000_000_000_000, "old", None))
            .unwrap();
        std::thread::sleep(Duration::from_millis(80));
        w.write(&exec(1_700_000_000_000_000_000, "new", None))
            .unwrap();
        w.flush_due().unwrap();
        assert_eq!(w.stats().files, 1);
        assert!(w.written_files()[0].to_string_lossy().contains("host=old"));
        assert_eq!(w.finish().unwrap().files, 2);
    }
}
