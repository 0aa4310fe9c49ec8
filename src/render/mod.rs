//! Renders query results (Arrow batches) in one output format each: table, csv, json, jsonl,
//! parquet. Results stay Arrow until here; nothing else in the crate formats rows.
//!
//! Times are UTC. Text formats print them with a `Z` (json/jsonl/csv: RFC 3339 with
//! nanoseconds; table: milliseconds), zoned times included. Lists print as JSON arrays in csv
//! and table cells. Any type a query returns prints in every format ([`types`]).

mod safe;
pub mod story;
mod types;

pub use safe::terminal_safe;

use std::io::Write;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch, StringBuilder};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use arrow::util::display::{ArrayFormatter, FormatOptions};
use comfy_table::{ContentArrangement, Table, presets};

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned table for people (the default on a terminal).
    Table,
    /// CSV with a header row.
    Csv,
    /// One JSON array of objects.
    Json,
    /// One JSON object per line.
    Jsonl,
    /// Apache Parquet (zstd); needs -o FILE or a pipe.
    Parquet,
}

/// Errors while rendering.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// Arrow could not format a value.
    #[error("formatting results: {0}")]
    Arrow(#[from] arrow::error::ArrowError),
    /// Parquet encoding failed.
    #[error("writing parquet: {0}")]
    Parquet(#[from] parquet::errors::ParquetError),
    /// Writing to the output failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Table rendering options.
#[derive(Debug, Clone, Default)]
pub struct TableOptions {
    /// Wrap cells to the terminal's width (on a terminal); otherwise rows stay on one line.
    pub wrap: bool,
}

/// Writes `batches` (of `schema`) to `out` in `format`.
pub fn render(
    schema: &SchemaRef,
    batches: &[RecordBatch],
    format: Format,
    out: &mut dyn Write,
    table: &TableOptions,
) -> Result<(), RenderError> {
    let (schema, batches) = types::printable_batches(schema, batches, format == Format::Parquet)?;
    let (schema, batches) = (&schema, batches.as_slice());
    match format {
        Format::Table => render_table(schema, batches, out, table),
        Format::Csv => {
            let (s, bs) = text_ready(schema, batches, true)?;
            let mut w = arrow::csv::WriterBuilder::new()
                .with_header(true)
                .build(out);
            if bs.is_empty() {
                // arrow's CSV writer prints the header with the first batch only.
                let empty = RecordBatch::new_empty(s);
                w.write(&empty)?;
            }
            for b in &bs {
                w.write(b)?;
            }
            Ok(())
        }
        Format::Json => {
            let (_, bs) = text_ready(schema, batches, false)?;
            let mut w = arrow::json::WriterBuilder::new()
                .with_explicit_nulls(true)
                .build::<_, arrow::json::writer::JsonArray>(&mut *out);
            for b in &bs {
                w.write(b)?;
            }
            w.finish()?; // writes `[]` when there were no rows
            drop(w);
            out.write_all(b"\n")?;
            Ok(())
        }
        Format::Jsonl => {
            let (_, bs) = text_ready(schema, batches, false)?;
            let mut w = arrow::json::WriterBuilder::new()
                .with_explicit_nulls(true)
                .build::<_, arrow::json::writer::LineDelimited>(out);
            for b in &bs {
                w.write(b)?;
            }
            w.finish()?;
            Ok(())
        }
        Format::Parquet => {
            let props = parquet::file::properties::WriterProperties::builder()
                .set_compression(parquet::basic::Compression::ZSTD(Default::default()))
                .build();
            // ArrowWriter needs a Send writer: encode into memory, then copy out.
            let mut buf = Vec::new();
            let mut w =
                parquet::arrow::ArrowWriter::try_new(&mut buf, schema.clone(), Some(props))?;
            for b in batches {
                w.write(b)?;
            }
            w.close()?;
            out.write_all(&buf)?;
            Ok(())
        }
    }
}

/// Marks naive timestamps as UTC (so text output carries `Z`) and, for CSV, turns nested
/// values into JSON-ish strings.
fn text_ready(
    schema: &SchemaRef,
    batches: &[RecordBatch],
    flatten_nested: bool,
) -> Result<(SchemaRef, Vec<RecordBatch>), RenderError> {
    let map_type = |t: &DataType| match t {
        DataType::Timestamp(u, None) => Some(DataType::Timestamp(*u, Some("+00:00".into()))),
        DataType::List(_) | DataType::LargeList(_) | DataType::Struct(_) | DataType::Map(_, _)
            if flatten_nested =>
        {
            Some(DataType::Utf8)
        }
        _ => None,
    };
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|f| match map_type(f.data_type()) {
            Some(t) => Field::new(f.name(), t, true),
            None => f.as_ref().clone(),
        })
        .collect();
    let new_schema = Arc::new(Schema::new(fields));
    let mut out = Vec::with_capacity(batches.len());
    for b in batches {
        let cols: Vec<ArrayRef> = b
            .columns()
            .iter()
            .zip(new_schema.fields())
            .map(|(c, f)| -> Result<ArrayRef, RenderError> {
                if c.data_type() == f.data_type() {
                    Ok(c.clone())
                } else if f.data_type() == &DataType::Utf8 {
                    nested_to_string(c)
                } else {
                    Ok(cast(c, f.data_type())?)
                }
            })
            .collect::<Result<_, _>>()?;
        out.push(RecordBatch::try_new(new_schema.clone(), cols)?);
    }
    Ok((new_schema, out))
}

fn nested_to_string(c: &ArrayRef) -> Result<ArrayRef, RenderError> {
    let mut b = StringBuilder::new();
    if let DataType::List(f) = c.data_type()
        && matches!(f.data_type(), DataType::Utf8)
    {
        // Lists of strings as JSON arrays: what a spreadsheet or `jq` can read back.
        let list = c.as_list::<i32>();
        for row in 0..c.len() {
            if list.is_null(row) {
                b.append_null();
                continue;
            }
            let items = list.value(row);
            let items = items.as_string::<i32>();
            let v: Vec<serde_json::Value> = items
                .iter()
                .map(|s| s.map_or(serde_json::Value::Null, |s| s.into()))
                .collect();
            b.append_value(serde_json::Value::Array(v).to_string());
        }
    } else {
        let f = ArrayFormatter::try_new(c.as_ref(), &FormatOptions::default())?;
        for row in 0..c.len() {
            if c.is_null(row) {
                b.append_null();
            } else {
                b.append_value(f.value(row).to_string());
            }
        }
    }
    Ok(Arc::new(b.finish()))
}

fn render_table(
    schema: &SchemaRef,
    batches: &[RecordBatch],
    out: &mut dyn Write,
    opts: &TableOptions,
) -> Result<(), RenderError> {
    let (_, bs) = text_ready(schema, batches, true)?;
    let mut table = Table::new();
    table.load_style(presets::UTF8_FULL_CONDENSED);
    table.set_content_arrangement(if opts.wrap {
        ContentArrangement::Dynamic
    } else {
        ContentArrangement::Disabled
    });
    table.set_header(schema.fields().iter().map(|f| f.name().as_str()));
    let fmt = FormatOptions::default()
        .with_null("")
        .with_timestamp_tz_format(Some("%Y-%m-%d %H:%M:%S%.3fZ"));
    let mut rows = 0usize;
    for b in &bs {
        let formatters: Vec<ArrayFormatter> = b
            .columns()
            .iter()
            .map(|c| ArrayFormatter::try_new(c.as_ref(), &fmt))
            .collect::<Result<_, _>>()?;
        for row in 0..b.num_rows() {
            // Recorded text may hold control bytes: shown, never obeyed by the terminal.
            table.add_row(
                formatters
                    .iter()
                    .map(|f| terminal_safe(&f.value(row).to_string(), false).into_owned()),
            );
        }
        rows += b.num_rows();
    }
    writeln!(out, "{table}")?;
    writeln!(out, "({rows} row{})", if rows == 1 { "" } else { "s" })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{ListBuilder, TimestampNanosecondArray};
    use arrow::datatypes::TimeUnit;

    fn sample() -> (SchemaRef, Vec<RecordBatch>) {
        let mut argv = ListBuilder::new(StringBuilder::new());
        argv.values().append_value("sh");
        argv.values().append_value("-c");
        argv.append(true);
        argv.append_null();
        let schema = Arc::new(Schema::new(vec![
            Field::new(
                "time",
                DataType::Timestamp(TimeUnit::Nanosecond, None),
                false,
            ),
            Field::new("argv", argv.finish().data_type().clone(), true),
        ]));
        let mut argv = ListBuilder::new(StringBuilder::new());
        argv.values().append_value("sh");
        argv.values().append_value("-c \"x\"");
        argv.append(true);
        argv.append_null();
        let b = RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(TimestampNanosecondArray::from(vec![
                    1_790_000_000_123_456_789,
                    0,
                ])),
                Arc::new(argv.finish()),
            ],
        )
        .unwrap();
        (schema, vec![b])
    }

    fn text(format: Format) -> String {
        let (s, b) = sample();
        let mut out = Vec::new();
        render(&s, &b, format, &mut out, &TableOptions::default()).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn every_text_format_prints_utc_times_and_lists() {
        let csv = text(Format::Csv);
        assert!(csv.starts_with("time,argv\n"), "{csv}");
        assert!(csv.contains("2026-09-21T14:13:20.123456789Z"), "{csv}");
        assert!(csv.contains(r#""[""sh"",""-c \""x\""""]""#), "{csv}");
        let json: serde_json::Value = serde_json::from_str(&text(Format::Json)).unwrap();
        assert_eq!(json[0]["argv"][1], "-c \"x\"");
        assert_eq!(json[1]["argv"], serde_json::Value::Null);
        assert_eq!(json[0]["time"], "2026-09-21T14:13:20.123456789Z");
        let jsonl = text(Format::Jsonl);
        assert_eq!(jsonl.lines().count(), 2);
        let table = text(Format::Table);
        assert!(table.contains("2026-09-21 14:13:20.123Z"), "{table}");
        assert!(table.ends_with("(2 rows)\n"));
    }

    #[test]
    fn empty_results_still_have_a_shape() {
        let (s, _) = sample();
        let mut out = Vec::new();
        render(&s, &[], Format::Json, &mut out, &TableOptions::default()).unwrap();
        assert_eq!(String::from_utf8_lossy(&out), "[]\n");
        let mut out = Vec::new();
        render(&s, &[], Format::Csv, &mut out, &TableOptions::default()).unwrap();
        assert_eq!(String::from_utf8_lossy(&out), "time,argv\n");
    }

    #[test]
    fn parquet_output_reads_back() {
        let (s, b) = sample();
        let mut out = Vec::new();
        render(&s, &b, Format::Parquet, &mut out, &TableOptions::default()).unwrap();
        let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
            bytes::Bytes::from(out),
        )
        .unwrap()
        .build()
        .unwrap();
        let rows: usize = reader.map(|b| b.unwrap().num_rows()).sum();
        assert_eq!(rows, 2);
    }
}
