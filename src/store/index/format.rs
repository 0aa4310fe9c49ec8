//! The index's formats, shared by the code that writes it (`build`) and the code that reads
//! it: key kinds and their hash, the schemas of the index files, the people summary.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use arrow::array::{Int64Array, StringArray, UInt32Array, UInt64Array};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use parquet::basic::{Compression, Encoding};
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;

use crate::store::StoreError;
use crate::store::conform::read_all;

/// Hash of an index key: FNV-1a 64 over `kind`, then each part preceded by a 0 byte. Stable
/// across versions (it is on disk); a collision only makes a story open one file too many.
pub fn key_hash(kind: u8, parts: &[&str]) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |b: u8| {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    };
    eat(kind);
    for p in parts {
        eat(0);
        for b in p.bytes() {
            eat(b);
        }
    }
    h as i64
}

/// Index key kinds.
pub mod kind {
    /// container_id (every family that has it).
    pub const CONTAINER: u8 = b'c';
    /// (host_id, process_key) of an event.
    pub const PROCESS: u8 = b'p';
    /// community_id of a network event.
    pub const FLOW: u8 = b'f';
    /// src_ip or dst_ip of a connect/accept.
    pub const IP: u8 = b'i';
    /// file_sha256 or exe_sha256.
    pub const SHA256: u8 = b's';
    /// user_name of a host exec with uid ≥ 1000.
    pub const USER: u8 = b'u';
    /// Graph: (host_id, process_key) → its parent (graph file).
    pub const PARENT_OF: u8 = b'P';
    /// Graph: (host_id, parent_process_key) → a child (graph file).
    pub const CHILD_OF: u8 = b'K';
}

/// The `row` of a posting that names a whole file.
pub const WHOLE_FILE: u32 = u32::MAX;

/// Schema of the postings file: key hash, compacted file, and the row for keys posted per row
/// (flows) or [`WHOLE_FILE`].
pub fn keys_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("h", DataType::Int64, false),
        Field::new("file", DataType::UInt32, false),
        Field::new("row", DataType::UInt32, false),
    ]))
}

/// Schema of the graph file.
pub fn graph_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("h", DataType::Int64, false),
        Field::new("host_id", DataType::Utf8, false),
        Field::new("key", DataType::Utf8, false),
        Field::new("parent", DataType::Utf8, true),
        Field::new("ppid", DataType::Int64, true),
        Field::new("t", DataType::Int64, false),
    ]))
}

/// Schema of the people summary (`users-N.parquet`).
pub fn users_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("user_name", DataType::Utf8, false),
        Field::new("file", DataType::UInt32, false),
        Field::new("host_id", DataType::Utf8, false),
        Field::new("first", DataType::Int64, false),
        Field::new("last", DataType::Int64, false),
        Field::new("count", DataType::UInt64, false),
        Field::new("uid", DataType::Int64, false),
    ]))
}

/// Reads a people summary written by [`compact`].
pub fn read_users(path: &Path) -> Result<Users, StoreError> {
    let bad = |field: &str| StoreError::Conform {
        path: path.to_path_buf(),
        field: field.into(),
        message: "missing or of another type".into(),
    };
    let mut out = Users::new();
    for b in read_all(path)? {
        let s = |n: &str| {
            b.column_by_name(n)
                .and_then(|c| c.as_any().downcast_ref::<StringArray>())
                .ok_or_else(|| bad(n))
        };
        let i = |n: &str| {
            b.column_by_name(n)
                .and_then(|c| c.as_any().downcast_ref::<Int64Array>())
                .ok_or_else(|| bad(n))
        };
        let (user, host) = (s("user_name")?, s("host_id")?);
        let (first, last, uid) = (i("first")?, i("last")?, i("uid")?);
        let file = b
            .column_by_name("file")
            .and_then(|c| c.as_any().downcast_ref::<UInt32Array>())
            .ok_or_else(|| bad("file"))?;
        let count = b
            .column_by_name("count")
            .and_then(|c| c.as_any().downcast_ref::<UInt64Array>())
            .ok_or_else(|| bad("count"))?;
        for r in 0..b.num_rows() {
            out.insert(
                (user.value(r).to_string(), file.value(r)),
                UserActivity {
                    host_id: host.value(r).to_string(),
                    first: first.value(r),
                    last: last.value(r),
                    count: count.value(r),
                    uid: uid.value(r),
                },
            );
        }
    }
    Ok(out)
}

/// Rows per row group of the index files (a lookup decodes one).
pub const INDEX_ROW_GROUP: usize = 1_024;

pub(crate) fn index_properties() -> WriterProperties {
    // Only `h` needs statistics (lookups pick row groups by its min/max); none on the other
    // columns keeps the footer, which every story parses, small.
    let mut b = WriterProperties::builder();
    for col in [
        "file",
        "row",
        "host_id",
        "key",
        "parent",
        "ppid",
        "t",
        "container_id",
    ] {
        b = b.set_column_statistics_enabled(ColumnPath::from(col), EnabledStatistics::None);
    }
    b.set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(INDEX_ROW_GROUP))
        .set_statistics_enabled(EnabledStatistics::Chunk)
        .set_column_dictionary_enabled(ColumnPath::from("h"), false)
        .set_column_encoding(ColumnPath::from("h"), Encoding::DELTA_BINARY_PACKED)
        // Sorted hashes delta-packed and small file ids barely compress further; left
        // uncompressed, a lookup decodes them without a decompression pass.
        .set_column_compression(ColumnPath::from("h"), Compression::UNCOMPRESSED)
        .set_column_compression(ColumnPath::from("file"), Compression::UNCOMPRESSED)
        .set_created_by(format!("trace {}", env!("CARGO_PKG_VERSION")))
        .build()
}

/// A person's host execs in one compacted file (the story's `user` pivot reads these instead
/// of the events).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserActivity {
    /// Host of the file.
    pub host_id: String,
    /// First exec, ns.
    pub first: i64,
    /// Last exec, ns.
    pub last: i64,
    /// Execs.
    pub count: u64,
    /// uid of the first exec (the smallest at a tie).
    pub uid: i64,
}

impl UserActivity {
    /// Adds one exec at `t` by `uid`.
    pub fn add(&mut self, t: i64, uid: i64) {
        if (t, uid) < (self.first, self.uid) {
            self.uid = uid;
        }
        self.first = self.first.min(t);
        self.last = self.last.max(t);
        self.count += 1;
    }

    /// Merges another file's (or part's) activity of the same person.
    pub fn merge(&mut self, o: &UserActivity) {
        if (o.first, o.uid) < (self.first, self.uid) {
            self.uid = o.uid;
        }
        self.first = self.first.min(o.first);
        self.last = self.last.max(o.last);
        self.count += o.count;
    }
}

/// People's execs by (user, compacted file).
pub type Users = BTreeMap<(String, u32), UserActivity>;

pub(crate) fn index_file_generation(name: &str) -> Option<u64> {
    let stem = name
        .strip_suffix(".parquet")
        .or_else(|| name.strip_suffix(".bin"))?;
    stem.rsplit('-').next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_hash_is_stable_and_separates_kinds_and_parts() {
        // On disk: a change here needs a new manifest format.
        assert_eq!(key_hash(b'c', &[]), 0xaf63_de4c_8601_eff2_u64 as i64);
        assert_ne!(key_hash(b'c', &["ab"]), key_hash(b'p', &["ab"]));
        assert_ne!(key_hash(b'p', &["a", "b"]), key_hash(b'p', &["ab"]));
        assert_ne!(key_hash(b'p', &["a", "b"]), key_hash(b'p', &["b", "a"]));
    }
}
