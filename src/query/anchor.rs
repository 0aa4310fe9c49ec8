//! The schema anchor: one empty Parquet file per family, of the current schema, that every
//! view reads with the store's files (`union_by_name`). A view then has every column of the
//! current schema whatever versions its files are of (older files' rows are NULL in columns
//! they lack), at the cost of one more footer — no second pass over the files to find out
//! which columns they have.

use std::path::{Path, PathBuf};

use arrow::array::RecordBatch;
use parquet::arrow::ArrowWriter;

use super::QueryError;
use crate::schema::Family;

/// The anchor files, in a private temporary directory removed on drop.
#[derive(Debug)]
pub(super) struct SchemaAnchor {
    dir: PathBuf,
    files: Vec<(Family, PathBuf)>,
}

impl SchemaAnchor {
    /// The directory holding the anchor files.
    pub(super) fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes one empty file per family under the temporary directory, in a Hive layout like
    /// the store's (`<family>/host=…/date=…/`), so DuckDB reads it beside store files.
    pub(super) fn write() -> Result<SchemaAnchor, QueryError> {
        let dir = std::env::temp_dir().join(format!(
            "trace-schema-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        let err = |e: &dyn std::fmt::Display| {
            QueryError::Open(format!(
                "writing the schema anchor in {}: {e}",
                dir.display()
            ))
        };
        let mut files = Vec::new();
        for family in Family::ALL {
            let part = dir
                .join(family.name())
                .join("host=schema")
                .join("date=1970-01-01");
            std::fs::create_dir_all(&part).map_err(|e| err(&e))?;
            let path = part.join("anchor.parquet");
            let file = std::fs::File::create(&path).map_err(|e| err(&e))?;
            let schema = family.schema();
            let mut w = ArrowWriter::try_new(file, schema.clone(), None).map_err(|e| err(&e))?;
            w.write(&RecordBatch::new_empty(schema))
                .map_err(|e| err(&e))?;
            w.close().map_err(|e| err(&e))?;
            files.push((family, path));
        }
        Ok(SchemaAnchor { dir, files })
    }

    /// The anchor of `family`.
    pub(super) fn file(&self, family: Family) -> &Path {
        self.files
            .iter()
            .find(|(f, _)| *f == family)
            .map(|(_, p)| p.as_path())
            .expect("an anchor per family")
    }
}

impl Drop for SchemaAnchor {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
