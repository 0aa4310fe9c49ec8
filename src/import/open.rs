//! Inputs: the files named (directories walked in name order), standard input, gzip and zstd
//! recognised by their magic bytes, and each input's SHA-256 over its bytes as they are.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// How much of an input (decompressed) format detection looks at.
pub const SNIFF_BYTES: usize = 64 * 1024;

/// One input to import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A file named on the command line.
    File(PathBuf),
    /// A file found in a directory named on the command line.
    Found(PathBuf),
    /// Standard input (spooled to a temporary file first, to digest it).
    Stdin,
}

impl Source {
    /// As the ledger and the `input` column name it.
    pub fn name(&self) -> String {
        match self {
            Source::File(p) | Source::Found(p) => p.display().to_string(),
            Source::Stdin => "-".to_string(),
        }
    }
}

/// The inputs `args` name: `-` is standard input, a directory stands for every file below it
/// (hidden files and folders left out, in path order). A path that does not exist is an
/// error naming it.
pub fn expand(args: &[PathBuf]) -> io::Result<Vec<Source>> {
    let mut out = Vec::new();
    for a in args {
        if a.as_os_str() == "-" {
            out.push(Source::Stdin);
            continue;
        }
        let meta = std::fs::metadata(a)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", a.display())))?;
        if !meta.is_dir() {
            out.push(Source::File(a.clone()));
            continue;
        }
        let walk = walkdir::WalkDir::new(a)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
        for e in walk {
            let e = e.map_err(|e| io::Error::other(format!("{}: {e}", a.display())))?;
            if e.file_type().is_file() {
                out.push(Source::Found(e.into_path()));
            }
        }
    }
    Ok(out)
}

/// The compression an input's first bytes show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Plain.
    None,
    /// gzip (also several members, as `cat a.gz b.gz` makes).
    Gzip,
    /// Zstandard.
    Zstd,
}

impl Compression {
    /// From the first bytes.
    pub fn of(head: &[u8]) -> Compression {
        match head {
            [0x1f, 0x8b, ..] => Compression::Gzip,
            [0x28, 0xb5, 0x2f, 0xfd, ..] => Compression::Zstd,
            _ => Compression::None,
        }
    }
}

/// A file ready to import: where it is on disk (standard input is spooled), its digest and
/// size.
#[derive(Debug)]
pub struct Opened {
    /// The file to read.
    pub path: PathBuf,
    /// SHA-256 of its bytes, lowercase hex.
    pub sha256: String,
    /// Its size.
    pub bytes: u64,
    /// Its compression.
    pub compression: Compression,
    /// A spool file to remove when done.
    spool: Option<PathBuf>,
}

impl Drop for Opened {
    fn drop(&mut self) {
        if let Some(p) = &self.spool {
            let _ = std::fs::remove_file(p);
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Digests `src` (spooling standard input into `spool_dir`).
pub fn open(src: &Source, spool_dir: &Path) -> io::Result<Opened> {
    let (path, spool) = match src {
        Source::File(p) | Source::Found(p) => (p.clone(), None),
        Source::Stdin => {
            std::fs::create_dir_all(spool_dir)?;
            let p = spool_dir.join(format!("stdin-{}", uuid::Uuid::new_v4().simple()));
            let mut f = File::create(&p)?;
            io::copy(&mut io::stdin().lock(), &mut f)?;
            (p.clone(), Some(p))
        }
    };
    let named = |e: io::Error| io::Error::new(e.kind(), format!("{}: {e}", src.name()));
    let mut f = File::open(&path).map_err(named)?;
    let mut hash = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut bytes = 0u64;
    let mut head = Vec::new();
    loop {
        let n = match f.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(named(e)),
        };
        if head.len() < 4 {
            head.extend_from_slice(&buf[..n.min(4)]);
        }
        hash.update(&buf[..n]);
        bytes += n as u64;
    }
    Ok(Opened {
        path,
        sha256: hex(&hash.finalize()),
        bytes,
        compression: Compression::of(&head),
        spool,
    })
}

/// Counts the bytes read through it (compressed bytes, for progress).
pub struct Counting<R> {
    inner: R,
    /// Bytes read so far.
    pub read: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read
            .fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(n)
    }
}

/// The decompressed content of `o`, buffered; `read` counts the file's bytes consumed.
pub fn reader(
    o: &Opened,
    read: std::sync::Arc<std::sync::atomic::AtomicU64>,
) -> io::Result<Box<dyn BufRead>> {
    let f = Counting {
        inner: File::open(&o.path)?,
        read,
    };
    Ok(match o.compression {
        Compression::None => Box::new(BufReader::with_capacity(1 << 20, f)),
        Compression::Gzip => Box::new(BufReader::with_capacity(
            1 << 20,
            flate2::read::MultiGzDecoder::new(BufReader::new(f)),
        )),
        Compression::Zstd => Box::new(BufReader::with_capacity(
            1 << 20,
            zstd::stream::read::Decoder::new(f)?,
        )),
    })
}

/// Reads one line (with its newline) into `buf`, keeping at most `max` + 1 bytes of it (so
/// a caller sees `buf.len() > max` for an overlong line without holding all of it); returns
/// the bytes the line took in the input, 0 at the end.
pub fn read_capped_line(
    input: &mut dyn BufRead,
    buf: &mut Vec<u8>,
    max: usize,
) -> io::Result<usize> {
    let mut used = 0;
    loop {
        let avail = match input.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if avail.is_empty() {
            return Ok(used);
        }
        let (take, done) = match avail.iter().position(|&c| c == b'\n') {
            Some(i) => (i + 1, true),
            None => (avail.len(), false),
        };
        if buf.len() <= max {
            let keep = take.min(max + 1 - buf.len());
            buf.extend_from_slice(&avail[..keep]);
        }
        input.consume(take);
        used += take;
        if done {
            return Ok(used);
        }
    }
}

/// Up to [`SNIFF_BYTES`] of `o`'s decompressed content, for format detection.
pub fn head(o: &Opened) -> io::Result<Vec<u8>> {
    let r = reader(o, Default::default())?;
    let mut out = Vec::with_capacity(SNIFF_BYTES);
    // A damaged compressed stream still gives what came before the damage.
    let _ = r.take(SNIFF_BYTES as u64).read_to_end(&mut out);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn plain_gzip_and_zstd_read_the_same_and_digest_the_bytes_as_they_are() {
        let dir = tempfile::tempdir().unwrap();
        let text = b"{\"a\":1}\n{\"b\":2}\n".repeat(100);
        let plain = dir.path().join("x.json");
        std::fs::write(&plain, &text).unwrap();
        let gz = dir.path().join("x.json.gz");
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(&text).unwrap();
        std::fs::write(&gz, e.finish().unwrap()).unwrap();
        let zst = dir.path().join("sub/x.zst");
        std::fs::create_dir_all(zst.parent().unwrap()).unwrap();
        std::fs::write(&zst, zstd::encode_all(&text[..], 3).unwrap()).unwrap();
        std::fs::write(dir.path().join(".hidden"), b"no").unwrap();
        let all = expand(&[dir.path().to_path_buf()]).unwrap();
        assert_eq!(all.len(), 3, "{all:?}");
        let mut digests = std::collections::BTreeSet::new();
        for s in &all {
            let o = open(s, dir.path()).unwrap();
            let mut back = Vec::new();
            reader(&o, Default::default())
                .unwrap()
                .read_to_end(&mut back)
                .unwrap();
            assert_eq!(back, text, "{s:?}");
            assert_eq!(o.bytes, std::fs::metadata(&o.path).unwrap().len());
            digests.insert(o.sha256.clone());
        }
        assert_eq!(digests.len(), 3);
        let missing = expand(&[dir.path().join("nope")]).unwrap_err();
        assert!(missing.to_string().contains("nope"), "{missing}");
    }
}
