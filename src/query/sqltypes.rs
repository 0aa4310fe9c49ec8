//! Arrow → DuckDB type names, for views over families that have no file yet.

use arrow::datatypes::{DataType, Schema, TimeUnit};

fn duck_type(t: &DataType) -> String {
    match t {
        DataType::Timestamp(TimeUnit::Nanosecond, None) => "TIMESTAMP_NS".into(),
        DataType::Timestamp(_, _) => "TIMESTAMP".into(),
        DataType::Utf8 | DataType::LargeUtf8 => "VARCHAR".into(),
        DataType::Int8 => "TINYINT".into(),
        DataType::Int16 => "SMALLINT".into(),
        DataType::Int32 => "INTEGER".into(),
        DataType::Int64 => "BIGINT".into(),
        DataType::UInt8 => "UTINYINT".into(),
        DataType::UInt16 => "USMALLINT".into(),
        DataType::UInt32 => "UINTEGER".into(),
        DataType::UInt64 => "UBIGINT".into(),
        DataType::Boolean => "BOOLEAN".into(),
        DataType::Float64 => "DOUBLE".into(),
        DataType::List(f) | DataType::LargeList(f) => format!("{}[]", duck_type(f.data_type())),
        other => unreachable!("type {other} is not used by the trace schema"),
    }
}

/// `SELECT CAST(NULL AS T) AS col, … WHERE false`: no row, with every column of `schema` and
/// the partition `date` (what a view over files of this schema has). Unioned by name with a
/// view's files, it gives the view every column also when every file is of an older schema.
pub fn empty_select_sql(schema: &Schema) -> String {
    let mut cols: Vec<String> = schema
        .fields()
        .iter()
        .map(|f| {
            format!(
                "CAST(NULL AS {}) AS \"{}\"",
                duck_type(f.data_type()),
                f.name()
            )
        })
        .collect();
    cols.push("CAST(NULL AS DATE) AS \"date\"".into());
    format!("SELECT {} WHERE false", cols.join(", "))
}
