//! The one storage schema of trace.
//!
//! This module owns the event kinds, the row types that collectors, importers and the demo
//! generator fill, the Arrow schema of every table family, and [`SCHEMA_VERSION`]. Nothing else
//! in the project declares columns: the store writes what [`Family::schema`] says, the query
//! layer builds its views from it, and `docs/schema.md` is checked against it by a test.
//!
//! Times are nanoseconds since the Unix epoch, UTC, in the rows; the store keeps them as
//! microsecond timestamps without a zone annotation (readable by Spark, Trino, Athena,
//! DuckDB and pyarrow without flags) and the event families keep the nanoseconds past the
//! microsecond beside them ([`time`]).
//!
//! - [`kinds`](Family): families, event kinds, protocols, host kinds, container states;
//! - rows: [`Event`] (made by the family builders of [`Origin`]; findings are events too,
//!   of the `finding` family), [`HostRecord`],
//!   [`ContainerRecord`], [`LossRecord`], and [`Row`], any of them;
//! - the Arrow fields of each family and the [`BatchBuilder`] that fills them;
//! - identities: [`process_key`], [`community_id`].

mod api;
mod batch;
mod columns;
mod fields;
mod key;
mod kinds;
mod rows;
pub mod time;

pub use api::{ApiDetail, Outcome};
pub use batch::{BatchBuilder, Row, Stamp, WrongFamily};
pub use columns::{ColumnDoc, column_docs};
pub use key::{community_id, process_key, source_process_key};
pub use kinds::{ContainerState, EventKind, Family, HostKind, Protocol, Severity};
pub use rows::{
    ContainerRecord, Detail, Event, FileDetail, FindingDetail, HostRecord, LossRecord, NetDetail,
    Origin, ProcessDetail, ProcessInfo,
};

/// Version of the storage schema. Adding a nullable column keeps it; renaming, removing or
/// retyping a column bumps it (and gets a CHANGELOG line). Written into every Parquet file's
/// key/value metadata under [`SCHEMA_VERSION_KEY`].
///
/// - 1: events, hosts, containers, loss.
/// - 2: every family ends with the provenance columns ([`PROVENANCE_COLUMNS`]); files of
///   version 1 are still read (their rows have NULL provenance).
/// - 3: every time column is a microsecond timestamp (`TIMESTAMP(MICROS)`, which Spark reads;
///   it refuses nanosecond timestamps) and the event families add `time_nanos`, the
///   nanoseconds past `time`'s microsecond ([`time`]); files of versions 1 and 2 are still
///   read (their nanosecond times as they are, `time_nanos` NULL).
pub const SCHEMA_VERSION: u32 = 3;
/// Parquet key/value metadata key holding [`SCHEMA_VERSION`].
pub const SCHEMA_VERSION_KEY: &str = "trace.schema_version";
/// Parquet key/value metadata key holding the [`Family`] name.
pub const FAMILY_KEY: &str = "trace.family";

/// The last column of every event family: what the source recorded that no column holds, as
/// a JSON object (NULL when nothing was left over, and in version-1 files).
pub const EXTRA: &str = "extra";

/// The ingest run that wrote the row (one per collector process, import or demo run).
pub const INGEST_ID: &str = "ingest_id";
/// When the row's file was written (the moment it entered the store).
pub const INGEST_TIME: &str = "ingest_time";
/// What the run read: a collector's mode, the demo, or an imported file's path.
pub const INPUT: &str = "input";
/// SHA-256 of the imported file's content (NULL for live sources).
pub const INPUT_SHA256: &str = "input_sha256";
/// Byte offset of the record in the imported file (NULL for live sources).
pub const INPUT_OFFSET: &str = "input_offset";
/// The provenance columns, last in every family, in order.
pub const PROVENANCE_COLUMNS: [&str; 5] =
    [INGEST_ID, INGEST_TIME, INPUT, INPUT_SHA256, INPUT_OFFSET];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_roundtrips_and_maps_to_a_family_with_ocsf_ids() {
        for k in EventKind::ALL {
            assert_eq!(EventKind::from_name(k.as_str()), Some(k));
            assert!(k.family().is_event());
            assert!((1..=14).contains(&k.ocsf_activity_id()) || k.ocsf_activity_id() == 99);
            assert!([1001, 1007, 2004, 3002, 4001, 6003].contains(&k.ocsf_class_uid()));
        }
        assert_eq!(EventKind::from_name("nope"), None);
    }

    #[test]
    fn severities_are_ocsf_ids_and_read_back_from_their_names_and_falco_priorities() {
        let ids: Vec<i32> = Severity::ALL.iter().map(|s| s.id()).collect();
        assert_eq!(ids, [1, 2, 3, 4, 5, 6]);
        for s in Severity::ALL {
            assert_eq!(Severity::from_level(s.as_str()), Some(s));
        }
        let falco = [
            ("Emergency", Severity::Fatal),
            ("Alert", Severity::Critical),
            ("Critical", Severity::Critical),
            ("Error", Severity::High),
            ("Warning", Severity::Medium),
            ("Notice", Severity::Low),
            ("Informational", Severity::Informational),
            ("Debug", Severity::Informational),
        ];
        for (level, want) in falco {
            assert_eq!(Severity::from_level(level), Some(want), "{level}");
        }
        assert_eq!(Severity::from_level("bogus"), None);
    }

    #[test]
    fn schemas_carry_version_and_family_and_share_the_event_prefix() {
        let common: Vec<String> = fields::event_common_fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        for f in Family::ALL {
            let s = f.schema();
            assert_eq!(s.metadata()[SCHEMA_VERSION_KEY], SCHEMA_VERSION.to_string());
            assert_eq!(s.metadata()[FAMILY_KEY], f.name());
            assert_eq!(Family::from_name(f.name()), Some(f));
            // Provenance closes every family.
            let n = s.fields().len();
            let last: Vec<&str> = s.fields()[n - 5..]
                .iter()
                .map(|x| x.name().as_str())
                .collect();
            assert_eq!(last, PROVENANCE_COLUMNS);
            if f.is_event() {
                let names: Vec<&String> = s.fields().iter().map(|x| x.name()).collect();
                for (i, c) in common.iter().enumerate() {
                    assert_eq!(names[i], c);
                }
            }
        }
    }
}
