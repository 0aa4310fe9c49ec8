//! Reading store files as the schema this trace knows: data files of any schema version
//! conformed to the current one (missing columns NULL), index files whole, and the column
//! accessors compaction and indexing use.

use std::fs::File;
use std::path::Path;

use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, Int16Array, Int64Array, RecordBatch, StringArray, new_null_array,
};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Int64Type, TimeUnit};
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};

use super::{StoreError, io_err};
use crate::schema::Family;
use crate::schema::time::TIME_NANOS;

/// Reads a data file as batches of the family's current schema: columns matched by name,
/// missing ones NULL (older files), an unknown column or a changed type is an error naming
/// the file and the field.
pub fn read_conformed(path: &Path, family: Family) -> Result<Vec<RecordBatch>, StoreError> {
    let reader = open_batches(path)?;
    let target = family.schema();
    let mut out = Vec::new();
    for b in reader {
        let b = b.map_err(|e| StoreError::Conform {
            path: path.to_path_buf(),
            field: "-".into(),
            message: e.to_string(),
        })?;
        for f in b.schema().fields() {
            if target.field_with_name(f.name()).is_err() {
                return Err(StoreError::Conform {
                    path: path.to_path_buf(),
                    field: f.name().clone(),
                    message: format!(
                        "column unknown to this trace (family {family}); written by a newer trace?"
                    ),
                });
            }
        }
        let mut cols: Vec<ArrayRef> = Vec::with_capacity(target.fields().len());
        for f in target.fields() {
            let col = match b.column_by_name(f.name()) {
                None if f.name() == TIME_NANOS => nanos_of_old_times(&b)
                    .unwrap_or_else(|| new_null_array(f.data_type(), b.num_rows())),
                None => new_null_array(f.data_type(), b.num_rows()),
                Some(c) if c.data_type() == f.data_type() => c.clone(),
                // Schema 1–2 times were nanosecond timestamps: the microseconds, and the
                // nanoseconds past them in `time_nanos` (above).
                Some(c) if is_old_time(c.data_type(), f.data_type()) => {
                    let ns = cast(c, &DataType::Int64).map_err(|e| StoreError::Conform {
                        path: path.to_path_buf(),
                        field: f.name().clone(),
                        message: e.to_string(),
                    })?;
                    let us: Int64Array = ns
                        .as_primitive::<Int64Type>()
                        .unary(crate::schema::time::us);
                    cast(&us, f.data_type()).map_err(|e| StoreError::Conform {
                        path: path.to_path_buf(),
                        field: f.name().clone(),
                        message: e.to_string(),
                    })?
                }
                Some(c) => {
                    return Err(StoreError::Conform {
                        path: path.to_path_buf(),
                        field: f.name().clone(),
                        message: format!(
                            "type {} where {} is expected",
                            c.data_type(),
                            f.data_type()
                        ),
                    });
                }
            };
            if !f.is_nullable() && col.null_count() > 0 {
                return Err(StoreError::Conform {
                    path: path.to_path_buf(),
                    field: f.name().clone(),
                    message: "NULL in a required column".into(),
                });
            }
            cols.push(col);
        }
        out.push(RecordBatch::try_new(target.clone(), cols)?);
    }
    Ok(out)
}

fn is_old_time(have: &DataType, want: &DataType) -> bool {
    matches!(
        (have, want),
        (
            DataType::Timestamp(TimeUnit::Nanosecond, None),
            DataType::Timestamp(TimeUnit::Microsecond, None)
        )
    )
}

/// `time_nanos` for a batch whose `time` is a nanosecond timestamp (schema 1–2).
fn nanos_of_old_times(b: &RecordBatch) -> Option<ArrayRef> {
    let t = b.column_by_name("time")?;
    if !matches!(t.data_type(), DataType::Timestamp(TimeUnit::Nanosecond, _)) {
        return None;
    }
    let ns = cast(t, &DataType::Int64).ok()?;
    let nanos: Int16Array = ns
        .as_primitive::<Int64Type>()
        .unary(|v| crate::schema::time::split_ns(v).1);
    Some(Arc::new(nanos))
}

pub(crate) fn str_col<'a>(b: &'a RecordBatch, name: &str) -> Option<&'a StringArray> {
    b.column_by_name(name)
        .and_then(|c| c.as_any().downcast_ref::<StringArray>())
}

pub(crate) fn i64_col(b: &RecordBatch, name: &str) -> Option<Int64Array> {
    crate::schema::time::column_ns(b, name)
}

pub(crate) fn get(a: Option<&StringArray>, i: usize) -> Option<&str> {
    a.filter(|a| a.is_valid(i)).map(|a| a.value(i))
}

/// A Parquet file's batches, 65,536 rows at a time; errors name the file.
pub(crate) fn open_batches(path: &Path) -> Result<ParquetRecordBatchReader, StoreError> {
    let perr = |source| StoreError::Parquet {
        path: path.to_path_buf(),
        source,
    };
    let file = File::open(path).map_err(io_err(path))?;
    ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(perr)?
        .with_batch_size(65_536)
        .build()
        .map_err(perr)
}

/// Reads a whole index file (for merging into the next generation).
pub(crate) fn read_all(path: &Path) -> Result<Vec<RecordBatch>, StoreError> {
    let reader = open_batches(path)?;
    let mut out = Vec::new();
    for b in reader {
        out.push(b.map_err(|e| StoreError::Conform {
            path: path.to_path_buf(),
            field: "-".into(),
            message: e.to_string(),
        })?);
    }
    Ok(out)
}
