//! The writers of `trace export`: JSON lines, CSV and Parquet in the Amazon Security Lake
//! layout, each writing DuckDB's batches as they come into hidden temporary files that the
//! commit renames (see the module above).

use std::collections::HashMap;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::DataType;
use duckdb::types::Value;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

use super::state::Output;
use super::{ExportError, Lake, Unit, file_err};
use crate::config::ExportFormat;
use crate::query::Engine;
use crate::schema::Family;

/// The column the Parquet query adds for the `eventDay=` partition (not written).
pub(super) const DAY_COLUMN: &str = "__trace_event_day";

/// The suffix of temporary outputs (hidden names: `.<final name>.trace-tmp`).
const TMP_SUFFIX: &str = ".trace-tmp";

/// Rows per Parquet row group (bounded memory per open file).
const ROW_GROUP_ROWS: usize = 122_880;

/// Where one unit's files go.
pub(super) struct Target<'a> {
    pub format: ExportFormat,
    pub destination: &'a Path,
    pub unit: &'a Unit,
    /// The run's time, in every file name.
    pub stamp: &'a str,
    pub lake: Option<&'a Lake>,
}

impl Target<'_> {
    /// The directory and name of a file (for Parquet, of one event day).
    fn file(&self, day: Option<&str>, seq: u32) -> (PathBuf, String) {
        let unit = self.unit.name;
        let suffix = if seq > 0 {
            format!("-{seq}")
        } else {
            String::new()
        };
        match (self.format, self.lake, day) {
            (ExportFormat::OcsfParquet, Some(lake), Some(day)) => (
                self.destination
                    .join("ext")
                    .join(format!("trace-{}", unit.replace('_', "-")))
                    .join(format!("region={}", lake.region))
                    .join(format!("accountId={}", lake.account_id))
                    .join(format!("eventDay={day}")),
                format!("{unit}-{}{suffix}.parquet", self.stamp),
            ),
            (format, _, _) => {
                let ext = if format == ExportFormat::Csv {
                    "csv"
                } else {
                    "jsonl"
                };
                (
                    self.destination.join(unit),
                    format!("{unit}-{}{suffix}.{ext}", self.stamp),
                )
            }
        }
    }
}

/// Streams one unit's query into its files. Returns the rows and the outputs (still under
/// their temporary names); on error removes what it wrote.
pub(super) fn export_unit(
    engine: &Engine,
    sql: &str,
    params: &[Value],
    target: &Target<'_>,
    progress: &mut dyn FnMut(u64),
) -> Result<(u64, Vec<Output>), ExportError> {
    let mut sink = Sink {
        target,
        open: None,
        outputs: Vec::new(),
        days: HashMap::new(),
    };
    let result = engine
        .stream::<ExportError>(sql, params, |batch| {
            sink.push(&batch)?;
            progress(batch.num_rows() as u64);
            Ok(())
        })
        .and_then(|rows| sink.close().map(|()| rows));
    match result {
        Ok(rows) => Ok((rows, sink.outputs)),
        Err(e) => {
            sink.open = None;
            for o in &sink.outputs {
                let _ = std::fs::remove_file(&o.tmp);
            }
            Err(e)
        }
    }
}

enum Open {
    Json(arrow::json::LineDelimitedWriter<BufWriter<File>>),
    Csv(arrow::csv::Writer<BufWriter<File>>),
    Parquet {
        day: String,
        writer: ArrowWriter<BufWriter<File>>,
    },
}

struct Sink<'a> {
    target: &'a Target<'a>,
    open: Option<Open>,
    outputs: Vec<Output>,
    /// Files opened per event day.
    days: HashMap<String, u32>,
}

impl Sink<'_> {
    /// Creates the temporary file of the next output.
    fn create(&mut self, day: Option<&str>) -> Result<BufWriter<File>, ExportError> {
        // A day met again (rows out of order) gets a second file.
        let seq = match day {
            Some(d) => {
                let n = self.days.entry(d.to_string()).or_insert(0);
                *n += 1;
                *n - 1
            }
            None => 0,
        };
        let (dir, name) = self.target.file(day, seq);
        std::fs::create_dir_all(&dir).map_err(file_err(&dir))?;
        let tmp = dir.join(format!(".{name}{TMP_SUFFIX}"));
        let file = File::create(&tmp).map_err(file_err(&tmp))?;
        self.outputs.push(Output {
            tmp,
            path: dir.join(name),
        });
        Ok(BufWriter::with_capacity(1 << 20, file))
    }

    fn last_tmp(&self) -> PathBuf {
        self.outputs
            .last()
            .map(|o| o.tmp.clone())
            .unwrap_or_default()
    }

    fn push(&mut self, batch: &RecordBatch) -> Result<(), ExportError> {
        if batch.num_rows() == 0 {
            return Ok(());
        }
        match self.target.format {
            ExportFormat::OcsfParquet => self.push_days(batch),
            ExportFormat::Csv => {
                if self.open.is_none() {
                    let out = self.create(None)?;
                    let w = arrow::csv::WriterBuilder::new()
                        .with_header(true)
                        .with_timestamp_format("%Y-%m-%dT%H:%M:%S%.6fZ".into())
                        .build(out);
                    self.open = Some(Open::Csv(w));
                }
                let tmp = self.last_tmp();
                match &mut self.open {
                    Some(Open::Csv(w)) => w.write(batch).map_err(arrow_err(&tmp)),
                    _ => unreachable!("a CSV sink holds a CSV writer"),
                }
            }
            ExportFormat::OcsfJsonl | ExportFormat::EcsJsonl => {
                if self.open.is_none() {
                    let out = self.create(None)?;
                    self.open = Some(Open::Json(arrow::json::LineDelimitedWriter::new(out)));
                }
                let tmp = self.last_tmp();
                match &mut self.open {
                    Some(Open::Json(w)) => w.write(batch).map_err(arrow_err(&tmp)),
                    _ => unreachable!("a JSON sink holds a JSON writer"),
                }
            }
        }
    }

    /// Splits a batch (sorted by time) into its event days, one file each.
    fn push_days(&mut self, batch: &RecordBatch) -> Result<(), ExportError> {
        let day_idx = batch.schema().index_of(DAY_COLUMN).map_err(|e| {
            ExportError::Usage(format!("the Parquet query has no {DAY_COLUMN}: {e}"))
        })?;
        let days = arrow::compute::cast(batch.column(day_idx), &DataType::Utf8)
            .map_err(arrow_err(Path::new(DAY_COLUMN)))?;
        let days = days.as_string::<i32>();
        let keep: Vec<usize> = (0..batch.num_columns()).filter(|i| *i != day_idx).collect();
        let data = batch
            .project(&keep)
            .map_err(arrow_err(Path::new(DAY_COLUMN)))?;
        let mut start = 0;
        while start < data.num_rows() {
            let day = if days.is_null(start) {
                "unknown"
            } else {
                days.value(start)
            };
            let mut end = start + 1;
            while end < data.num_rows() && !days.is_null(end) && days.value(end) == day {
                end += 1;
            }
            let same = matches!(&self.open, Some(Open::Parquet { day: d, .. }) if d == day);
            if !same {
                self.close()?;
                let out = self.create(Some(day))?;
                let props = WriterProperties::builder()
                    .set_compression(Compression::ZSTD(ZstdLevel::default()))
                    .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
                    .set_created_by(format!("trace {}", env!("CARGO_PKG_VERSION")))
                    .build();
                let tmp = self.last_tmp();
                let writer = ArrowWriter::try_new(out, data.schema(), Some(props))
                    .map_err(parquet_err(&tmp))?;
                self.open = Some(Open::Parquet {
                    day: day.to_string(),
                    writer,
                });
            }
            let tmp = self.last_tmp();
            if let Some(Open::Parquet { writer, .. }) = &mut self.open {
                writer
                    .write(&data.slice(start, end - start))
                    .map_err(parquet_err(&tmp))?;
            }
            start = end;
        }
        Ok(())
    }

    /// Finishes the open file and makes it durable.
    fn close(&mut self) -> Result<(), ExportError> {
        let Some(open) = self.open.take() else {
            return Ok(());
        };
        let tmp = self.last_tmp();
        let buf = match open {
            Open::Json(mut w) => {
                w.finish().map_err(arrow_err(&tmp))?;
                w.into_inner()
            }
            Open::Csv(w) => w.into_inner(),
            Open::Parquet { writer, .. } => writer.into_inner().map_err(parquet_err(&tmp))?,
        };
        let file = buf
            .into_inner()
            .map_err(|e| file_err(&tmp)(e.into_error()))?;
        file.sync_all().map_err(file_err(&tmp))?;
        Ok(())
    }
}

fn arrow_err(path: &Path) -> impl FnOnce(arrow::error::ArrowError) -> ExportError + '_ {
    move |e| ExportError::File {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

fn parquet_err(path: &Path) -> impl FnOnce(parquet::errors::ParquetError) -> ExportError + '_ {
    move |e| ExportError::File {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// Removes the temporary outputs of runs that were killed before their commit (the state
/// never named them; their rows are exported again).
pub(super) fn remove_temporaries(destination: &Path) -> Result<(), ExportError> {
    for e in walkdir::WalkDir::new(destination)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
    {
        let name = e.file_name().to_string_lossy();
        if name.starts_with('.') && name.ends_with(TMP_SUFFIX) {
            std::fs::remove_file(e.path()).map_err(file_err(e.path()))?;
        }
    }
    Ok(())
}

/// The CSV columns of a family: the store's own, lists as JSON arrays.
pub(super) fn csv_columns(family: Family) -> String {
    family
        .schema()
        .fields()
        .iter()
        .map(|f| match f.data_type() {
            DataType::List(_) | DataType::LargeList(_) => {
                format!("to_json(e.\"{0}\")::VARCHAR AS \"{0}\"", f.name())
            }
            _ => format!("e.\"{0}\"", f.name()),
        })
        .collect::<Vec<_>>()
        .join(", ")
}
