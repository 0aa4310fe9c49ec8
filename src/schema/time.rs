//! How times are stored, and the one way to read them back as nanoseconds.
//!
//! Every time column is a Parquet `TIMESTAMP(MICROS, isAdjustedToUTC=false)` (Arrow
//! `Timestamp(µs)` without a zone): the type Spark (as `TIMESTAMP_NTZ`), Trino and Athena
//! (`timestamp(6)`), DuckDB (`TIMESTAMP`) and pyarrow all read as a timestamp without
//! flags. Nanosecond timestamps, which trace wrote before schema version 3, are refused by
//! Spark (`PARQUET_TYPE_ILLEGAL`). Every time is UTC by contract.
//!
//! Where the source had nanoseconds (the eBPF collector, Tetragon, Falco, Tracee), they
//! matter for the order of a process's events: the event families keep the nanoseconds past
//! `time`'s microsecond in [`TIME_NANOS`] (0–999, a 16-bit integer that costs about a byte
//! a row and nothing for sources with coarser clocks). The exact time of an event is
//! `epoch_ns(time) + time_nanos` ([`EXACT_TIME_SQL`]); [`column_ns`] is the same for Arrow
//! batches, and reads the nanosecond timestamps of older files as they are.

use arrow::array::{Array, ArrayRef, AsArray, Int64Array, RecordBatch};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Int16Type, Int64Type, TimeUnit};

/// The unit of every stored time.
pub const UNIT: TimeUnit = TimeUnit::Microsecond;

/// The event families' column of nanoseconds past `time`'s microsecond (0–999).
pub const TIME_NANOS: &str = "time_nanos";

/// An event's exact time in nanoseconds, in DuckDB SQL over the event views.
pub const EXACT_TIME_SQL: &str = "(epoch_ns(time) + coalesce(time_nanos, 0))";

/// A time in ns as stored: microseconds since the epoch and the nanoseconds past them.
pub fn split_ns(ns: i64) -> (i64, i16) {
    (ns.div_euclid(1000), ns.rem_euclid(1000) as i16)
}

/// A time in ns as a stored microsecond (rounded down, so order is kept).
pub fn us(ns: i64) -> i64 {
    ns.div_euclid(1000)
}

/// A column of `b` as nanoseconds (timestamps of any unit) or plain integers (other integer
/// types); for `time`, with the event's [`TIME_NANOS`] added when the batch has them. `None`
/// when the batch lacks the column or it is not numeric.
pub fn column_ns(b: &RecordBatch, name: &str) -> Option<Int64Array> {
    let c = b.column_by_name(name)?;
    let ns = as_i64(c)?;
    if name != "time" {
        return Some(ns);
    }
    let Some(nanos) = b
        .column_by_name(TIME_NANOS)
        .and_then(|n| cast(n, &DataType::Int16).ok())
    else {
        return Some(ns);
    };
    let nanos = nanos.as_primitive::<Int16Type>();
    Some(
        ns.iter()
            .zip(nanos.iter())
            .map(|(t, n)| t.map(|t| t + i64::from(n.unwrap_or(0))))
            .collect(),
    )
}

/// Timestamps as ns (whatever their unit), other numbers as they are, as i64.
fn as_i64(c: &ArrayRef) -> Option<Int64Array> {
    let c = match c.data_type() {
        DataType::Timestamp(TimeUnit::Nanosecond, _) => cast(c, &DataType::Int64).ok()?,
        DataType::Timestamp(_, tz) => {
            let ns = cast(c, &DataType::Timestamp(TimeUnit::Nanosecond, tz.clone())).ok()?;
            cast(&ns, &DataType::Int64).ok()?
        }
        _ => cast(c, &DataType::Int64).ok()?,
    };
    Some(c.as_primitive::<Int64Type>().clone())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{Int16Array, TimestampMicrosecondArray, TimestampNanosecondArray};
    use arrow::datatypes::{Field, Schema};

    use super::*;

    #[test]
    fn splits_and_rejoins_nanoseconds_before_and_after_the_epoch() {
        for ns in [0, 1, 999, 1000, 1_760_000_000_123_456_789, -1, -1001] {
            let (us, n) = split_ns(ns);
            assert!((0..1000).contains(&n));
            assert_eq!(us * 1000 + i64::from(n), ns);
        }
    }

    #[test]
    fn reads_microseconds_with_their_nanos_and_old_nanosecond_files_as_they_are() {
        let us = Arc::new(TimestampMicrosecondArray::from(vec![
            Some(5),
            Some(7),
            None,
        ]));
        let nanos = Arc::new(Int16Array::from(vec![Some(123), None, Some(9)]));
        let schema = Schema::new(vec![
            Field::new("time", us.data_type().clone(), true),
            Field::new(TIME_NANOS, DataType::Int16, true),
            Field::new("process_start_time", us.data_type().clone(), true),
        ]);
        let b = RecordBatch::try_new(Arc::new(schema), vec![us.clone(), nanos, us]).unwrap();
        let t = column_ns(&b, "time").unwrap();
        assert_eq!(t.iter().collect::<Vec<_>>(), [Some(5123), Some(7000), None]);
        let s = column_ns(&b, "process_start_time").unwrap();
        assert_eq!(s.iter().collect::<Vec<_>>(), [Some(5000), Some(7000), None]);
        let old = Arc::new(TimestampNanosecondArray::from(vec![42]));
        let schema = Schema::new(vec![Field::new("time", old.data_type().clone(), false)]);
        let b = RecordBatch::try_new(Arc::new(schema), vec![old]).unwrap();
        assert_eq!(column_ns(&b, "time").unwrap().value(0), 42);
        assert!(column_ns(&b, "nope").is_none());
    }
}
