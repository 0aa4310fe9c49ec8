//! Arrow columns → Rust values, for code that reads query results cell by cell.

use arrow::array::{Array, AsArray, Int32Array, RecordBatch, StringArray};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Int32Type};

/// A text column read in place: plain, dictionary-encoded (as direct reads return text), or
/// absent (all NULL).
pub enum Text {
    /// Plain strings.
    Plain(StringArray),
    /// Keys into distinct values.
    Dict(Int32Array, StringArray),
    /// No such column, or not text.
    Missing,
}

impl Text {
    /// Row `i`'s text, `None` for NULL.
    pub fn get(&self, i: usize) -> Option<&str> {
        match self {
            Text::Plain(a) => a.is_valid(i).then(|| a.value(i)),
            Text::Dict(k, v) => {
                if !k.is_valid(i) {
                    return None;
                }
                let j = usize::try_from(k.value(i)).ok()?;
                (j < v.len() && v.is_valid(j)).then(|| v.value(j))
            }
            Text::Missing => None,
        }
    }
}

/// Column `name` of `b` as text (numbers cast to text; lists as NULL).
pub fn text(b: &RecordBatch, name: &str) -> Text {
    let Some(c) = b.column_by_name(name) else {
        return Text::Missing;
    };
    match c.data_type() {
        DataType::List(_) => Text::Missing,
        DataType::Dictionary(k, _) if **k == DataType::Int32 => {
            let d = c.as_dictionary::<Int32Type>();
            match cast(d.values(), &DataType::Utf8) {
                Ok(v) => Text::Dict(d.keys().clone(), v.as_string::<i32>().clone()),
                Err(_) => Text::Missing,
            }
        }
        _ => match cast(c, &DataType::Utf8) {
            Ok(v) => Text::Plain(v.as_string::<i32>().clone()),
            Err(_) => Text::Missing,
        },
    }
}

/// A column of a batch as optional strings (any type, cast to text; lists as NULL).
pub fn strs(b: &RecordBatch, name: &str) -> Vec<Option<String>> {
    let t = text(b, name);
    (0..b.num_rows())
        .map(|i| t.get(i).map(str::to_string))
        .collect()
}

/// A column as optional i64 (integers, and timestamps as ns; `time` exact, with its
/// `time_nanos`).
pub fn ints(b: &RecordBatch, name: &str) -> Vec<Option<i64>> {
    match crate::schema::time::column_ns(b, name) {
        Some(a) => a.iter().collect(),
        None => vec![None; b.num_rows()],
    }
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
