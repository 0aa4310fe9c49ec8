//! A filter executed over Arrow batches (direct Parquet reads, compaction): a mask per batch,
//! and the row-group test that skips what statistics prove cannot match. Same SQL semantics as
//! [`Filter::where_sql`]: NULL never matches, a missing column is NULL.

use arrow::array::{Array, AsArray, BooleanArray, RecordBatch};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Int32Type};
use parquet::basic::{LogicalType, TimeUnit};
use parquet::file::metadata::RowGroupMetaData;
use parquet::file::statistics::Statistics;

use super::filter::{Cond, Filter};

impl Filter {
    /// Which rows of `b` meet every condition (SQL semantics: a NULL never matches, a
    /// missing column is NULL).
    pub fn eval(&self, b: &RecordBatch) -> BooleanArray {
        let mut keep = vec![true; b.num_rows()];
        for c in &self.conds {
            match c {
                Cond::Eq(col, v) => text_test(b, col, &mut keep, |s| s == v),
                Cond::Ne(col, v) => text_test(b, col, &mut keep, |s| s != v),
                Cond::DistinctFrom(col, v) => {
                    // NULL (or no such column) passes.
                    if let Some(m) = text_matches(b, col, &|s| s == v) {
                        for (k, same) in keep.iter_mut().zip(m) {
                            *k = *k && !same;
                        }
                    }
                }
                Cond::In(col, vs) => text_test(b, col, &mut keep, |s| vs.set.contains(s)),
                Cond::AnyIn(cols, vs) => {
                    let mut any = vec![false; keep.len()];
                    for col in cols.iter() {
                        if let Some(m) = text_matches(b, col, &|s| vs.set.contains(s)) {
                            for (a, m) in any.iter_mut().zip(m) {
                                *a |= m;
                            }
                        }
                    }
                    for (k, a) in keep.iter_mut().zip(any) {
                        *k = *k && a;
                    }
                }
                Cond::IntGe(col, v) => int_test(b, col, &mut keep, |x| x >= *v),
                Cond::IsNull(col) | Cond::NotNull(col) => {
                    let want_null = matches!(c, Cond::IsNull(_));
                    match b.column_by_name(col) {
                        Some(a) => {
                            for (i, k) in keep.iter_mut().enumerate() {
                                *k = *k && (a.is_null(i) == want_null);
                            }
                        }
                        None if want_null => {}
                        None => keep.fill(false),
                    }
                }
                Cond::TimeGe(t) => int_test(b, "time", &mut keep, |x| x >= *t),
                Cond::TimeLt(t) => int_test(b, "time", &mut keep, |x| x < *t),
                Cond::TimeLe(t) => int_test(b, "time", &mut keep, |x| x <= *t),
            }
        }
        BooleanArray::from(keep)
    }

    /// False when the row group's statistics prove no row can match.
    pub fn may_match(&self, rg: &RowGroupMetaData) -> bool {
        let stats = |col: &str| {
            rg.columns()
                .iter()
                .find(|c| c.column_path().string() == col)
                .and_then(|c| c.statistics())
        };
        let in_range = |col: &str, vs: &[String]| -> bool {
            let Some(Statistics::ByteArray(s)) = stats(col) else {
                return true;
            };
            let (Some(min), Some(max)) = (s.min_bytes_opt(), s.max_bytes_opt()) else {
                return true;
            };
            // A truncated min is still a lower bound; a max that is not exact is no bound.
            let exact_max = s.max_is_exact();
            vs.iter()
                .any(|v| v.as_bytes() >= min && (!exact_max || v.as_bytes() <= max))
        };
        // Statistics hold the stored unit: microseconds since schema 3 (the row's exact time
        // is up to 999 ns later), nanoseconds before.
        let time = || {
            let Some(c) = rg
                .columns()
                .iter()
                .find(|c| c.column_path().string() == "time")
            else {
                return (None, None);
            };
            let micros = matches!(
                c.column_descr().logical_type_ref(),
                Some(LogicalType::Timestamp(t)) if matches!(t.unit, TimeUnit::MICROS)
            );
            match c.statistics() {
                Some(Statistics::Int64(s)) if micros => (
                    s.min_opt().map(|v| v.saturating_mul(1000)),
                    s.max_opt()
                        .map(|v| v.saturating_mul(1000).saturating_add(999)),
                ),
                Some(Statistics::Int64(s)) => (s.min_opt().copied(), s.max_opt().copied()),
                _ => (None, None),
            }
        };
        self.conds.iter().all(|c| match c {
            Cond::Eq(col, v) => in_range(col, std::slice::from_ref(v)),
            Cond::In(col, vs) => in_range(col, &vs.sorted),
            Cond::TimeGe(t) => time().1.is_none_or(|max| max >= *t),
            Cond::TimeLt(t) => time().0.is_none_or(|min| min < *t),
            Cond::TimeLe(t) => time().0.is_none_or(|min| min <= *t),
            _ => true,
        })
    }
}

/// For each row: whether `col` is non-NULL and `f` holds for its text; `None` when the batch
/// has no such column. A dictionary column tests each distinct value once.
fn text_matches(b: &RecordBatch, col: &str, f: &dyn Fn(&str) -> bool) -> Option<Vec<bool>> {
    let a = b.column_by_name(col)?;
    if let DataType::Dictionary(k, _) = a.data_type()
        && **k == DataType::Int32
    {
        let d = a.as_dictionary::<Int32Type>();
        let values = cast(d.values(), &DataType::Utf8).ok()?;
        let values = values.as_string::<i32>();
        let ok: Vec<bool> = (0..values.len())
            .map(|j| values.is_valid(j) && f(values.value(j)))
            .collect();
        let keys = d.keys();
        return Some(
            (0..d.len())
                .map(|i| keys.is_valid(i) && ok.get(keys.value(i) as usize) == Some(&true))
                .collect(),
        );
    }
    let a = cast(a, &DataType::Utf8).ok()?;
    let a = a.as_string::<i32>();
    Some(
        (0..a.len())
            .map(|i| a.is_valid(i) && f(a.value(i)))
            .collect(),
    )
}

fn text_test(b: &RecordBatch, col: &str, keep: &mut [bool], f: impl Fn(&str) -> bool) {
    match text_matches(b, col, &f) {
        Some(m) => {
            for (k, m) in keep.iter_mut().zip(m) {
                *k = *k && m;
            }
        }
        None => keep.fill(false),
    }
}

fn int_test(b: &RecordBatch, col: &str, keep: &mut [bool], f: impl Fn(i64) -> bool) {
    let Some(a) = crate::schema::time::column_ns(b, col) else {
        keep.fill(false);
        return;
    };
    for (i, k) in keep.iter_mut().enumerate() {
        if *k {
            *k = a.is_valid(i) && f(a.value(i));
        }
    }
}
