//! The postings file of the index (`_index/keys-N.bin`): which compacted file (and, for flows,
//! which row of it) holds each key.
//!
//! A story looks up a thousand flows at once; in Parquet each probe decoded a row group
//! (~20 µs each, plus a footer of thousands of row groups to parse at every start). This file
//! is a sorted array that a probe reads one small block of:
//!
//! ```text
//! magic "TRCKEYS1"
//! n entries of 16 bytes, sorted: key hash (i64 LE), file id (u32 LE), row (u32 LE, u32::MAX = whole file)
//! fence: the first key hash of every block of BLOCK entries (i64 LE each)
//! footer: n (u64 LE), BLOCK (u32 LE), 0 (u32), magic "TRCKEYS1"
//! ```

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::fs::File;
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use super::atomic::{Written, write_atomic};
use super::{StoreError, io_err};

const MAGIC: &[u8; 8] = b"TRCKEYS1";
/// Entries per block (one probe reads one block, 8 KiB).
const BLOCK: usize = 512;
const ENTRY: usize = 16;
const FOOTER: usize = 24;

/// One posting: key hash, compacted file id, row (or `u32::MAX` for the whole file).
pub type Posting = (i64, u32, u32);

fn bad(path: &Path, message: impl Into<String>) -> StoreError {
    StoreError::Conform {
        path: path.to_path_buf(),
        field: "postings".into(),
        message: message.into(),
    }
}

/// Writes sorted `postings` to `dir/name` with the store's atomic writer.
pub fn write(dir: &Path, name: &str, postings: &[Posting]) -> Result<Written, StoreError> {
    debug_assert!(postings.windows(2).all(|w| w[0] <= w[1]), "sorted");
    let path = dir.join(name);
    write_atomic(dir, name, |w| {
        let mut put = |b: &[u8]| w.write_all(b).map_err(io_err(&path));
        put(MAGIC)?;
        for (h, f, r) in postings {
            put(&h.to_le_bytes())?;
            put(&f.to_le_bytes())?;
            put(&r.to_le_bytes())?;
        }
        for block in postings.chunks(BLOCK) {
            put(&block[0].0.to_le_bytes())?;
        }
        put(&(postings.len() as u64).to_le_bytes())?;
        put(&(BLOCK as u32).to_le_bytes())?;
        put(&0u32.to_le_bytes())?;
        put(MAGIC)
    })
}

/// An open postings file: the fence in memory, blocks read on demand.
pub struct Postings {
    path: PathBuf,
    file: File,
    n: usize,
    block: usize,
    fence: Vec<i64>,
    cache: RefCell<HashMap<usize, Vec<Posting>>>,
}

impl Postings {
    /// Opens `path`, checking its layout.
    pub fn open(path: &Path) -> Result<Postings, StoreError> {
        let file = File::open(path).map_err(io_err(path))?;
        let len = file.metadata().map_err(io_err(path))?.len() as usize;
        if len < MAGIC.len() + FOOTER {
            return Err(bad(path, format!("{len} bytes is too short")));
        }
        let mut foot = [0u8; FOOTER];
        file.read_exact_at(&mut foot, (len - FOOTER) as u64)
            .map_err(io_err(path))?;
        let u64_at =
            |b: &[u8], i: usize| u64::from_le_bytes(b[i..i + 8].try_into().unwrap_or([0; 8]));
        let n = u64_at(&foot, 0) as usize;
        let block = u32::from_le_bytes(foot[8..12].try_into().unwrap_or([0; 4])) as usize;
        if &foot[16..24] != MAGIC || block == 0 {
            return Err(bad(path, "not a trace postings file (bad footer)"));
        }
        let blocks = n.div_ceil(block);
        let want = n
            .checked_mul(ENTRY)
            .and_then(|e| e.checked_add(MAGIC.len() + blocks * 8 + FOOTER));
        if want != Some(len) {
            return Err(bad(
                path,
                format!("{len} bytes, the footer says {n} entries in blocks of {block}"),
            ));
        }
        let mut raw = vec![0u8; blocks * 8];
        file.read_exact_at(&mut raw, (MAGIC.len() + n * ENTRY) as u64)
            .map_err(io_err(path))?;
        let fence: Vec<i64> = raw
            .chunks_exact(8)
            .map(|c| i64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
            .collect();
        Ok(Postings {
            path: path.to_path_buf(),
            file,
            n,
            block,
            fence,
            cache: RefCell::new(HashMap::new()),
        })
    }

    fn load(&self, b: usize) -> Result<(), StoreError> {
        if self.cache.borrow().contains_key(&b) {
            return Ok(());
        }
        let first = b * self.block;
        let count = self.block.min(self.n - first);
        let mut raw = vec![0u8; count * ENTRY];
        self.file
            .read_exact_at(&mut raw, (MAGIC.len() + first * ENTRY) as u64)
            .map_err(io_err(&self.path))?;
        let entries: Vec<Posting> = raw.chunks_exact(ENTRY).map(decode).collect();
        if entries.first().map(|e| e.0) != self.fence.get(b).copied() {
            return Err(bad(
                &self.path,
                format!("block {b} does not match its fence"),
            ));
        }
        self.cache.borrow_mut().insert(b, entries);
        Ok(())
    }

    /// Calls `f(file, row)` for every posting whose hash is in `hashes`.
    pub fn each(
        &self,
        hashes: &BTreeSet<i64>,
        mut f: impl FnMut(u32, u32),
    ) -> Result<(), StoreError> {
        for &h in hashes {
            // The first block that can hold `h`: the last whose first hash is below it (equal
            // hashes may start in the block before one that begins with `h`).
            let mut b = self.fence.partition_point(|x| *x < h).saturating_sub(1);
            while b < self.fence.len() && self.fence[b] <= h {
                self.load(b)?;
                let cache = self.cache.borrow();
                let block = &cache[&b];
                let start = block.partition_point(|e| e.0 < h);
                for e in block[start..].iter().take_while(|e| e.0 == h) {
                    f(e.1, e.2);
                }
                let past = block.last().is_some_and(|e| e.0 > h);
                drop(cache);
                if past {
                    break;
                }
                b += 1;
            }
        }
        Ok(())
    }

    /// Every posting (for merging into the next generation).
    pub fn read_all(path: &Path) -> Result<Vec<Posting>, StoreError> {
        let p = Postings::open(path)?;
        // Decoded as read, 1 MiB at a time: the raw bytes are never all in memory beside the
        // postings (1.4 GB at 100M events).
        let mut out: Vec<Posting> = Vec::with_capacity(p.n);
        let mut buf = vec![0u8; (1 << 20) / ENTRY * ENTRY];
        let mut at = 0usize;
        while at < p.n {
            let count = (p.n - at).min(buf.len() / ENTRY);
            let chunk = &mut buf[..count * ENTRY];
            p.file
                .read_exact_at(chunk, (MAGIC.len() + at * ENTRY) as u64)
                .map_err(io_err(path))?;
            out.extend(chunk.chunks_exact(ENTRY).map(decode));
            at += count;
        }
        Ok(out)
    }
}

fn decode(c: &[u8]) -> Posting {
    let h = i64::from_le_bytes(c[0..8].try_into().unwrap_or([0; 8]));
    let f = u32::from_le_bytes(c[8..12].try_into().unwrap_or([0; 4]));
    let r = u32::from_le_bytes(c[12..16].try_into().unwrap_or([0; 4]));
    (h, f, r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes_find_every_posting_also_across_blocks() {
        let dir = tempfile::tempdir().unwrap();
        // Hash 7 spans three blocks; others are spread around it.
        let mut ps: Vec<Posting> = (0..3000).map(|i| (i as i64 * 3, i, u32::MAX)).collect();
        ps.extend((0..1500u32).map(|r| (7, 9, r)));
        ps.sort();
        let path = write(dir.path(), "keys-1.bin", &ps).unwrap().path;
        let p = Postings::open(&path).unwrap();
        let mut got = Vec::new();
        p.each(&BTreeSet::from([7, 9, 8, -1, 8997, 9000]), |f, r| {
            got.push((f, r))
        })
        .unwrap();
        let mut want: Vec<(u32, u32)> = (0..1500).map(|r| (9, r)).collect();
        want.extend([(3, u32::MAX), (2999, u32::MAX)]);
        got.sort();
        want.sort();
        assert_eq!(got, want);
        assert_eq!(Postings::read_all(&path).unwrap(), ps);
    }

    #[test]
    fn reading_everything_back_crosses_buffer_boundaries() {
        let dir = tempfile::tempdir().unwrap();
        // More than one 1 MiB buffer of entries.
        let ps: Vec<Posting> = (0..200_000).map(|i| (i as i64, i % 7, u32::MAX)).collect();
        let path = write(dir.path(), "keys-2.bin", &ps).unwrap().path;
        assert_eq!(Postings::read_all(&path).unwrap(), ps);
    }

    #[test]
    fn a_damaged_file_is_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let ps: Vec<Posting> = (0..100).map(|i| (i, 0, 0)).collect();
        let path = write(dir.path(), "keys-1.bin", &ps).unwrap().path;
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 40]).unwrap();
        let e = Postings::open(&path).err().expect("refused").to_string();
        assert!(e.contains("keys-1.bin"), "{e}");
        std::fs::write(&path, b"short").unwrap();
        assert!(Postings::open(&path).is_err());
    }
}
