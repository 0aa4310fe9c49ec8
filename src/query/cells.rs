//! Arrow columns → Rust values, for code that reads query results cell by cell.

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Int64Type};

/// A column of a batch as optional strings (any type, cast to text; lists as NULL).
pub fn strs(b: &RecordBatch, name: &str) -> Vec<Option<String>> {
    let Some(c) = b.column_by_name(name) else {
        return vec![None; b.num_rows()];
    };
    if matches!(c.data_type(), DataType::List(_)) {
        return vec![None; b.num_rows()];
    }
    let Ok(c) = cast(c, &DataType::Utf8) else {
        return vec![None; b.num_rows()];
    };
    let a = c.as_string::<i32>();
    (0..a.len())
        .map(|i| a.is_valid(i).then(|| a.value(i).to_string()))
        .collect()
}

/// A column as optional i64 (integers, and timestamps as ns).
pub fn ints(b: &RecordBatch, name: &str) -> Vec<Option<i64>> {
    let Some(c) = b.column_by_name(name) else {
        return vec![None; b.num_rows()];
    };
    let c = match c.data_type() {
        DataType::Timestamp(_, _) => cast(c, &DataType::Int64),
        _ => cast(c, &DataType::Int64),
    };
    let Ok(c) = c else {
        return vec![None; b.num_rows()];
    };
    let a = c.as_primitive::<Int64Type>();
    (0..a.len())
        .map(|i| a.is_valid(i).then(|| a.value(i)))
        .collect()
}

/// A list-of-strings column.
pub fn lists(b: &RecordBatch, name: &str) -> Vec<Vec<String>> {
    let Some(c) = b.column_by_name(name) else {
        return vec![Vec::new(); b.num_rows()];
    };
    let DataType::List(_) = c.data_type() else {
        return vec![Vec::new(); b.num_rows()];
    };
    let l = c.as_list::<i32>();
    (0..l.len())
        .map(|i| {
            if l.is_null(i) {
                return Vec::new();
            }
            let v = l.value(i);
            let s = v.as_string::<i32>();
            (0..s.len())
                .filter(|j| s.is_valid(*j))
                .map(|j| s.value(j).to_string())
                .collect()
        })
        .collect()
}
