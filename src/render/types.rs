//! Result columns made printable in every format, whatever type a user's SQL returns.
//!
//! - Times with a zone (DuckDB's `TIMESTAMP WITH TIME ZONE` comes as zone `UTC`, which arrow
//!   cannot format without a time-zone database) are marked `+00:00`: the same instants, in
//!   UTC like every time trace prints. Inside lists, structs and maps too.
//! - Unions (no writer takes them) become text, as `{tag=value}`.
//! - For Parquet, intervals (not writable yet) become text.
//!
//! Everything else is left as it is.

use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, FixedSizeListArray, LargeListArray, ListArray, MapArray, RecordBatch,
    StringBuilder, StructArray,
};
use arrow::datatypes::{
    DataType, Field, FieldRef, Fields, Schema, SchemaRef, TimeUnit, TimestampMicrosecondType,
    TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType,
};
use arrow::error::ArrowError;
use arrow::util::display::{ArrayFormatter, FormatOptions};

/// The zone every zoned time is printed in.
pub const UTC: &str = "+00:00";

/// True when `t` needs [`printable`] (for Parquet when `parquet`).
fn needs(t: &DataType, parquet: bool) -> bool {
    match t {
        DataType::Timestamp(_, Some(tz)) => tz.as_ref() != UTC,
        DataType::Union(..) => true,
        DataType::Interval(_) => parquet,
        DataType::List(f) | DataType::LargeList(f) | DataType::FixedSizeList(f, _) => {
            needs(f.data_type(), parquet)
        }
        DataType::Map(f, _) => needs(f.data_type(), parquet),
        DataType::Struct(fs) => fs.iter().any(|f| needs(f.data_type(), parquet)),
        DataType::Dictionary(_, v) => needs(v, parquet),
        _ => false,
    }
}

fn field(f: &FieldRef, a: &ArrayRef) -> FieldRef {
    Arc::new(
        Field::new(f.name(), a.data_type().clone(), f.is_nullable())
            .with_metadata(f.metadata().clone()),
    )
}

/// Text of every value of `a` (NULL stays NULL).
fn as_text(a: &ArrayRef) -> Result<ArrayRef, ArrowError> {
    let f = ArrayFormatter::try_new(a.as_ref(), &FormatOptions::default())?;
    let mut b = StringBuilder::new();
    for i in 0..a.len() {
        if a.is_null(i) {
            b.append_null();
        } else {
            b.append_value(f.value(i).to_string());
        }
    }
    Ok(Arc::new(b.finish()))
}

fn utc(a: &ArrayRef, unit: TimeUnit) -> ArrayRef {
    match unit {
        TimeUnit::Second => Arc::new(
            a.as_primitive::<TimestampSecondType>()
                .clone()
                .with_timezone(UTC),
        ),
        TimeUnit::Millisecond => Arc::new(
            a.as_primitive::<TimestampMillisecondType>()
                .clone()
                .with_timezone(UTC),
        ),
        TimeUnit::Microsecond => Arc::new(
            a.as_primitive::<TimestampMicrosecondType>()
                .clone()
                .with_timezone(UTC),
        ),
        TimeUnit::Nanosecond => Arc::new(
            a.as_primitive::<TimestampNanosecondType>()
                .clone()
                .with_timezone(UTC),
        ),
    }
}

/// `a` with zoned times in UTC, unions (and for Parquet intervals) as text, at any depth.
pub fn printable(a: &ArrayRef, parquet: bool) -> Result<ArrayRef, ArrowError> {
    if !needs(a.data_type(), parquet) {
        return Ok(a.clone());
    }
    Ok(match a.data_type() {
        DataType::Timestamp(unit, _) => utc(a, *unit),
        DataType::Interval(_) => as_text(a)?,
        DataType::Union(..) => {
            // Its members made printable first (a zoned time inside a union).
            let u = a.as_union();
            let mut b = StringBuilder::new();
            for i in 0..u.len() {
                if u.is_null(i) {
                    b.append_null();
                    continue;
                }
                let value = printable(&u.value(i), parquet)?;
                let tag = match u.data_type() {
                    DataType::Union(fs, _) => fs
                        .iter()
                        .find(|(id, _)| *id == u.type_id(i))
                        .map(|(_, f)| f.name().clone())
                        .unwrap_or_default(),
                    _ => String::new(),
                };
                let text = as_text(&value)?;
                let text = text.as_string::<i32>();
                let v = if text.is_null(0) {
                    "NULL"
                } else {
                    text.value(0)
                };
                b.append_value(format!("{{{tag}={v}}}"));
            }
            Arc::new(b.finish())
        }
        DataType::List(f) => {
            let l = a.as_list::<i32>();
            let values = printable(l.values(), parquet)?;
            Arc::new(ListArray::try_new(
                field(f, &values),
                l.offsets().clone(),
                values,
                l.nulls().cloned(),
            )?)
        }
        DataType::LargeList(f) => {
            let l = a.as_list::<i64>();
            let values = printable(l.values(), parquet)?;
            Arc::new(LargeListArray::try_new(
                field(f, &values),
                l.offsets().clone(),
                values,
                l.nulls().cloned(),
            )?)
        }
        DataType::FixedSizeList(f, n) => {
            let l = a.as_fixed_size_list();
            let values = printable(l.values(), parquet)?;
            Arc::new(FixedSizeListArray::try_new(
                field(f, &values),
                *n,
                values,
                l.nulls().cloned(),
            )?)
        }
        DataType::Struct(fs) => {
            let s = a.as_struct();
            let cols: Vec<ArrayRef> = s
                .columns()
                .iter()
                .map(|c| printable(c, parquet))
                .collect::<Result<_, _>>()?;
            let fields: Fields = fs.iter().zip(&cols).map(|(f, c)| field(f, c)).collect();
            Arc::new(StructArray::try_new(fields, cols, s.nulls().cloned())?)
        }
        DataType::Map(f, sorted) => {
            let m = a.as_map();
            let entries: ArrayRef = Arc::new(m.entries().clone());
            let entries = printable(&entries, parquet)?;
            Arc::new(MapArray::try_new(
                field(f, &entries),
                m.offsets().clone(),
                entries.as_struct().clone(),
                m.nulls().cloned(),
                *sorted,
            )?)
        }
        // A dictionary of such values: decoded, then made printable.
        DataType::Dictionary(_, v) => printable(&arrow::compute::cast(a, v)?, parquet)?,
        _ => a.clone(),
    })
}

/// [`printable`] over every column of `batches`, with the schema that results.
pub fn printable_batches(
    schema: &SchemaRef,
    batches: &[RecordBatch],
    parquet: bool,
) -> Result<(SchemaRef, Vec<RecordBatch>), ArrowError> {
    if !schema
        .fields()
        .iter()
        .any(|f| needs(f.data_type(), parquet))
    {
        return Ok((schema.clone(), batches.to_vec()));
    }
    // The schema from an empty batch, so that a result without rows is typed the same.
    let empty = RecordBatch::new_empty(schema.clone());
    let convert = |b: &RecordBatch| -> Result<RecordBatch, ArrowError> {
        let cols: Vec<ArrayRef> = b
            .columns()
            .iter()
            .map(|c| printable(c, parquet))
            .collect::<Result<_, _>>()?;
        let fields: Fields = schema
            .fields()
            .iter()
            .zip(&cols)
            .map(|(f, c)| field(f, c))
            .collect();
        RecordBatch::try_new(Arc::new(Schema::new(fields)), cols)
    };
    let out_schema = convert(&empty)?.schema();
    let out = batches
        .iter()
        .map(|b| convert(b).and_then(|b| b.with_schema(out_schema.clone())))
        .collect::<Result<_, _>>()?;
    Ok((out_schema, out))
}
