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

/// `CREATE VIEW name AS SELECT NULL::T AS col, … WHERE false`, with the same columns (and the
/// partition `date`) as a view over files of this schema would have.
pub fn empty_view_sql(name: &str, schema: &Schema) -> String {
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
    format!(
        "CREATE OR REPLACE VIEW {name} AS SELECT {} WHERE false",
        cols.join(", ")
    )
}
