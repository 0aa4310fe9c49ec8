//! The one way a file comes to exist in a store: written under a hidden temporary name in its
//! final directory, fsynced, renamed into place, and the directory fsynced. A reader never
//! sees half a file (listings skip dot-files and `.tmp`), a crash leaves at worst a temporary
//! file behind (compaction removes them), and the caller learns the file's size and SHA-256,
//! hashed while it was written (no second read).

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use arrow::array::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::file::properties::WriterProperties;
use sha2::{Digest, Sha256};

use super::{StoreError, io_err};

/// A file written by [`write_atomic`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// Its final path.
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// SHA-256 of its content, lowercase hex.
    pub sha256: String,
}

/// A writer that counts and hashes what goes through it.
pub struct HashingWriter {
    inner: BufWriter<File>,
    hash: Sha256,
    bytes: u64,
}

impl Write for HashingWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Lowercase hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Writes `dir/name` atomically with `body`, which writes the content; returns the final
/// path, size and SHA-256. On any error the temporary file is removed and nothing appears.
pub fn write_atomic(
    dir: &Path,
    name: &str,
    body: impl FnOnce(&mut HashingWriter) -> Result<(), StoreError>,
) -> Result<Written, StoreError> {
    fs::create_dir_all(dir).map_err(io_err(dir))?;
    let path = dir.join(name);
    let tmp = dir.join(format!(".{name}.tmp"));
    let result = (|| {
        let file = File::create(&tmp).map_err(io_err(&tmp))?;
        let mut w = HashingWriter {
            inner: BufWriter::with_capacity(1 << 20, file),
            hash: Sha256::new(),
            bytes: 0,
        };
        body(&mut w)?;
        let HashingWriter { inner, hash, bytes } = w;
        let file = inner
            .into_inner()
            .map_err(|e| io_err(&tmp)(e.into_error()))?;
        file.sync_all().map_err(io_err(&tmp))?;
        drop(file);
        fs::rename(&tmp, &path).map_err(io_err(&path))?;
        sync_dir(dir)?;
        Ok((bytes, hex(&hash.finalize())))
    })();
    match result {
        Ok((bytes, sha256)) => Ok(Written {
            path,
            bytes,
            sha256,
        }),
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// Writes `batch` (with its own schema) as the Parquet file `dir/name`, atomically.
pub fn write_parquet(
    dir: &Path,
    name: &str,
    batch: &RecordBatch,
    props: WriterProperties,
) -> Result<Written, StoreError> {
    let tmp = dir.join(format!(".{name}.tmp"));
    let perr = |source| StoreError::Parquet {
        path: tmp.clone(),
        source,
    };
    write_atomic(dir, name, |out| {
        let mut w = ArrowWriter::try_new(out, batch.schema(), Some(props)).map_err(perr)?;
        w.write(batch).map_err(perr)?;
        w.close().map_err(perr)?;
        Ok(())
    })
}

/// fsyncs a directory (so a rename or removal in it is durable).
pub fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_err(dir))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_is_the_files_and_a_failed_write_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let w = write_atomic(dir.path(), "a.json", |o| {
            o.write_all(b"hello ").map_err(io_err(dir.path()))?;
            o.write_all(b"world").map_err(io_err(dir.path()))
        })
        .unwrap();
        assert_eq!(fs::read(&w.path).unwrap(), b"hello world");
        assert_eq!(w.bytes, 11);
        // sha256("hello world")
        assert_eq!(
            w.sha256,
            "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"
        );
        let e = write_atomic(dir.path(), "b.json", |o| {
            o.write_all(b"half").map_err(io_err(dir.path()))?;
            Err(StoreError::Manifest {
                path: dir.path().join("b.json"),
                message: "stopped".into(),
            })
        });
        assert!(e.is_err());
        let names: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["a.json"], "no b.json, no temporary file");
    }
}
