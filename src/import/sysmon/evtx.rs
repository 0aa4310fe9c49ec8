//! Windows event log files (EVTX) read front to back, one 64 KiB chunk at a time, each
//! record rendered as its `<Event>` XML by the `evtx` crate.
//!
//! An EVTX file is a 4 KiB file header (magic `ElfFile\0`) and then 64 KiB chunks (magic
//! `ElfChnk\0`), each with its own string and template tables, so a chunk reads on its own:
//! no seeking, and memory holds one chunk and its records' XML, whatever the file's size.
//! Chunks are read in file order, not from the oldest one as Windows reads a log that has
//! wrapped around (rows are ordered by time in the store anyway).
//!
//! What cannot be read is reported and skipped, and the rest read: a chunk that is not one
//! (bad magic, unreadable tables), a record that does not render, a file cut inside a chunk
//! (the records before the cut are read). A chunk whose checksum does not match is reported
//! and still read (a log not closed cleanly has one). Space past a log's last chunk that
//! holds no record (zeros, or old data where the file was preallocated, as in the sample log
//! the tests read) is nothing to report; a chunk without its magic that holds records is. Records the chunk's slack space still holds
//! (deleted, overwritten) are not carved.

use std::collections::VecDeque;
use std::io::{self, Read};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use evtx::{EvtxChunkData, ParserSettings};

use super::frame::{Bad, Framed, Item};
use crate::import::json::At;

/// The magic an EVTX file starts with.
pub const MAGIC: &[u8; 8] = b"ElfFile\0";

/// The file header's size: where the first chunk starts.
const HEADER_SIZE: usize = 4096;

/// The magic a chunk starts with.
const CHUNK_MAGIC: &[u8; 8] = b"ElfChnk\0";

/// The magic a record starts with.
const RECORD_MAGIC: &[u8; 4] = b"**\0\0";

/// A chunk's size.
const CHUNK_SIZE: usize = 64 * 1024;

/// A chunk header's size: less is no chunk.
const CHUNK_HEADER_SIZE: usize = 512;

/// A record's header before its BinXML (magic, size, id, time).
const RECORD_HEADER_SIZE: u64 = 24;

/// The records of an EVTX file, as [`Item`]s: each event's XML with its byte offset (`line`
/// is 0: a binary file has none), or what was skipped. See the module docs.
pub struct Records<R> {
    input: R,
    settings: Arc<ParserSettings>,
    /// The next chunk's number; `None` before the file header is read.
    chunk: Option<u64>,
    buf: Vec<u8>,
    ready: VecDeque<Item>,
    done: bool,
}

impl<R: Read> Records<R> {
    /// The records of `input`, which starts with the file header.
    pub fn new(input: R) -> Records<R> {
        Records {
            input,
            settings: Arc::new(ParserSettings::new().indent(false)),
            chunk: None,
            buf: Vec::with_capacity(CHUNK_SIZE),
            ready: VecDeque::new(),
            done: false,
        }
    }

    /// The next record or skipped stretch; `None` at the end.
    pub fn next_item(&mut self) -> io::Result<Option<Item>> {
        loop {
            if let Some(i) = self.ready.pop_front() {
                return Ok(Some(i));
            }
            if self.done {
                return Ok(None);
            }
            match self.chunk {
                None => self.header()?,
                Some(n) => self.next_chunk(n)?,
            }
        }
    }

    fn bad(&mut self, offset: u64, reason: &'static str, detail: String) {
        self.ready.push_back(bad(offset, reason, detail));
    }

    fn header(&mut self) -> io::Result<()> {
        let n = read_full(&mut self.input, &mut self.buf, HEADER_SIZE)?;
        self.chunk = Some(0);
        if n < MAGIC.len() || &self.buf[..MAGIC.len()] != MAGIC {
            self.done = true;
            self.bad(
                0,
                "not an EVTX file",
                "it does not start with ElfFile".into(),
            );
        } else if n < HEADER_SIZE {
            self.done = true;
            let detail = format!("the input ends {n} bytes into the 4 KiB file header");
            self.bad(0, "truncated EVTX file", detail);
        }
        Ok(())
    }

    fn next_chunk(&mut self, number: u64) -> io::Result<()> {
        let n = read_full(&mut self.input, &mut self.buf, CHUNK_SIZE)?;
        self.chunk = Some(number + 1);
        let offset = HEADER_SIZE as u64 + number * CHUNK_SIZE as u64;
        if n < CHUNK_SIZE {
            self.done = true;
        }
        // Space a log has not used yet may hold anything (zeros, or old data where the file
        // was preallocated); it is only a loss when it holds records.
        let chunk = self.buf.starts_with(CHUNK_MAGIC);
        if !chunk && memchr::memmem::find(&self.buf, RECORD_MAGIC).is_none() {
            return Ok(());
        }
        if !chunk {
            let detail = format!("chunk {number} has no ElfChnk magic but holds records");
            self.bad(offset, "unreadable EVTX chunk", detail);
            return Ok(());
        }
        if n < CHUNK_SIZE {
            let detail = if n < CHUNK_HEADER_SIZE {
                format!("the input ends {n} bytes into chunk {number}, inside its header")
            } else {
                format!(
                    "the input ends {n} bytes into chunk {number}; its records after the cut are lost"
                )
            };
            self.bad(offset, "truncated EVTX chunk", detail);
            if n < CHUNK_HEADER_SIZE {
                return Ok(());
            }
        }
        let data = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK_SIZE));
        let settings = self.settings.clone();
        let whole = n == CHUNK_SIZE;
        // The crate is written not to panic on bad input; should it still, the chunk is
        // skipped, not the import.
        match catch_unwind(AssertUnwindSafe(|| {
            chunk_items(data, settings, number, offset, whole)
        })) {
            Ok(items) => self.ready.extend(items),
            Err(_) => self.bad(
                offset,
                "unreadable EVTX chunk",
                format!("chunk {number}: the EVTX parser failed on it"),
            ),
        }
        Ok(())
    }
}

/// The items of the chunk `number` (at `offset` in the file) made of `data`; `whole` when
/// the input did not end inside it.
fn chunk_items(
    data: Vec<u8>,
    settings: Arc<ParserSettings>,
    number: u64,
    offset: u64,
    whole: bool,
) -> Vec<Item> {
    let mut items = Vec::new();
    let mut chunk = match EvtxChunkData::new(data, false) {
        Ok(c) => c,
        Err(e) => {
            let detail = format!("chunk {number}: {e}");
            return vec![bad(offset, "unreadable EVTX chunk", detail)];
        }
    };
    if whole && !chunk.validate_checksum() {
        let detail = format!("chunk {number}: read all the same; its values may be damaged");
        items.push(bad(offset, "EVTX chunk checksum mismatch", detail));
    }
    let mut parsed = match chunk.parse(settings) {
        Ok(p) => p,
        Err(e) => {
            let detail = format!("chunk {number}: {e}");
            items.push(bad(offset, "unreadable EVTX chunk", detail));
            return items;
        }
    };
    for record in parsed.iter() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let detail = format!("chunk {number}: {e}");
                items.push(bad(offset, "unreadable EVTX record", detail));
                continue;
            }
        };
        let at = offset + record.binxml_offset.saturating_sub(RECORD_HEADER_SIZE);
        let id = record.event_record_id;
        match record.into_xml() {
            Ok(x) => items.push(Item::Event(Framed {
                at: At {
                    line: 0,
                    offset: at,
                },
                xml: x.data.into_bytes(),
                host: None,
            })),
            Err(e) => {
                let detail = format!("record {id}: {e}");
                items.push(bad(at, "unreadable EVTX record", detail));
            }
        }
    }
    items
}

fn bad(offset: u64, reason: &'static str, detail: String) -> Item {
    Item::Bad(Bad {
        at: At { line: 0, offset },
        reason,
        detail,
    })
}

/// Reads up to `len` bytes into `buf` (cleared first), fewer only at the end of the input.
fn read_full(input: &mut impl Read, buf: &mut Vec<u8>, len: usize) -> io::Result<usize> {
    buf.clear();
    input.take(len as u64).read_to_end(buf)
}
