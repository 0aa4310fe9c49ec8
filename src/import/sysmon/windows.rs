//! Windows Sysmon (`Microsoft-Windows-Sysmon/Operational`): binary EVTX logs and XML exports,
//! mapped by the one Sysmon mapping ([`super::map`]) as [`Platform::Windows`].
//!
//! An input that starts with `ElfFile\0` is an EVTX file ([`super::evtx`]). Anything else is
//! XML framed like Sysmon for Linux's ([`super::frame`]): one `<Event>` per line (Sysmon
//! View, under a `<sysmonview>` root or none), many on one line (`wevtutil qe /f:xml`) or
//! pretty-printed under `<Events>` (Event Viewer's "Save as XML"). Text that is not UTF-8 is
//! read as Windows-1252; an input that starts with a UTF-16 byte order mark (PowerShell's
//! `> file` of `ToXml()` or `wevtutil`) is decoded as it streams.

use std::io::{self, BufRead, BufReader, Read};

use encoding_rs::{CoderResult, Decoder, Encoding, UTF_8};

use super::frame::Events;
use super::map::Platform;
use super::{evtx, first_event, import_framed};
use crate::import::{Emit, ImportError, Importer};

/// The importer.
pub struct SysmonWindows;

const PLATFORM: Platform = Platform::Windows;

impl Importer for SysmonWindows {
    fn name(&self) -> &'static str {
        PLATFORM.source()
    }

    fn about(&self) -> &'static str {
        "Windows Sysmon: EVTX logs and XML exports (Event Viewer, wevtutil, Sysmon View)"
    }

    /// An EVTX file (its magic; whichever channel, other providers' events are counted as
    /// not mapped), or XML whose first event is from the `Microsoft-Windows-Sysmon` provider.
    fn sniff(&self, head: &[u8]) -> bool {
        if head.starts_with(evtx::MAGIC) {
            return true;
        }
        let text = match utf16(head) {
            Some(enc) => enc.decode(head).0.into_owned().into_bytes(),
            None => head.to_vec(),
        };
        first_event(&text, PLATFORM)
            .is_some_and(|p| p.provider.as_deref() == Some(PLATFORM.provider()))
    }

    fn import(&self, input: &mut dyn BufRead, out: &mut Emit) -> Result<(), ImportError> {
        // The magic's bytes, read whatever sizes the input hands out, then read again.
        let mut magic = Vec::with_capacity(evtx::MAGIC.len());
        input
            .take(evtx::MAGIC.len() as u64)
            .read_to_end(&mut magic)?;
        let whole = io::Cursor::new(magic).chain(input);
        let head = whole.get_ref().0.get_ref();
        if head == evtx::MAGIC {
            return import_framed(evtx::Records::new(whole), PLATFORM, out);
        }
        let enc = utf16(head);
        let whole = BufReader::new(whole);
        match enc {
            Some(enc) => {
                let text = BufReader::new(Transcoded::new(whole, enc));
                import_framed(Events::new(text), PLATFORM, out)
            }
            None => import_framed(Events::new(whole), PLATFORM, out),
        }
    }
}

/// UTF-16 (little or big endian) when `head` starts with its byte order mark.
fn utf16(head: &[u8]) -> Option<&'static Encoding> {
    Encoding::for_bom(head)
        .map(|(enc, _)| enc)
        .filter(|enc| *enc != UTF_8)
}

/// A UTF-16 input read as UTF-8, its byte order mark dropped; a lone surrogate or an odd
/// last byte becomes U+FFFD.
struct Transcoded<R> {
    input: R,
    decoder: Decoder,
    out: Vec<u8>,
    pos: usize,
    done: bool,
}

impl<R: BufRead> Transcoded<R> {
    fn new(input: R, enc: &'static Encoding) -> Transcoded<R> {
        Transcoded {
            input,
            decoder: enc.new_decoder_with_bom_removal(),
            out: Vec::with_capacity(16 * 1024),
            pos: 0,
            done: false,
        }
    }
}

impl<R: BufRead> Read for Transcoded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // `out[pos..]` is what was decoded and not yet read.
        while self.pos == self.out.len() {
            if self.done {
                return Ok(0);
            }
            self.out.resize(16 * 1024, 0);
            let src = self.input.fill_buf()?;
            let last = src.is_empty();
            let (result, read, written, _) = self.decoder.decode_to_utf8(src, &mut self.out, last);
            self.input.consume(read);
            self.out.truncate(written);
            self.pos = 0;
            if last && result == CoderResult::InputEmpty {
                self.done = true;
            }
        }
        let n = buf.len().min(self.out.len() - self.pos);
        buf[..n].copy_from_slice(&self.out[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16le(s: &str) -> Vec<u8> {
        let mut b = vec![0xFF, 0xFE];
        b.extend(s.encode_utf16().flat_map(u16::to_le_bytes));
        b
    }

    #[test]
    fn utf16_inputs_read_as_utf8_whatever_the_reads() {
        let text = "<Event>caf\u{e9} \u{1F600}</Event>\r\n".repeat(3000);
        let bytes = utf16le(&text);
        // A reader that hands out 7 bytes at a time splits code units and surrogate pairs.
        let chopped = BufReader::with_capacity(7, &bytes[..]);
        let mut got = String::new();
        Transcoded::new(chopped, utf16(&bytes).unwrap())
            .read_to_string(&mut got)
            .unwrap();
        assert_eq!(got, text);
        let mut be = vec![0xFE, 0xFF];
        be.extend("<a/>".encode_utf16().flat_map(u16::to_be_bytes));
        be.push(0x00); // an odd last byte
        let mut got = String::new();
        Transcoded::new(&be[..], utf16(&be).unwrap())
            .read_to_string(&mut got)
            .unwrap();
        assert_eq!(got, "<a/>\u{fffd}");
        assert!(utf16(b"\xEF\xBB\xBF<Event>").is_none());
        assert!(utf16(b"<Event>").is_none());
    }
}
