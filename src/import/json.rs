//! JSON records out of any layout tools write: JSON lines, one pretty-printed object per file,
//! concatenated objects, a bare array of objects (`[ {…}, {…} ]`) or one array under a key
//! (`{"Records": [ … ]}`, with [`JsonRecords::unwrap_keys`]). Each record comes with the line
//! and byte offset it starts at; what is not JSON is reported with its position and skipped,
//! and a truncated record never swallows the records after it.

use std::io::{self, BufRead};

use serde_json::Value;

use super::{Emit, ImportError, Why};

/// Largest record kept; a bigger one is reported and skipped to the end of its line, so
/// memory stays bounded whatever the input.
pub const MAX_RECORD: usize = 16 << 20;

/// Where a record (or a bad stretch) starts: 1-based line, byte offset in the (decompressed)
/// input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct At {
    /// Line, from 1.
    pub line: u64,
    /// Byte offset, from 0.
    pub offset: u64,
}

/// A stretch of input that is not a record, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bad {
    /// Where it starts.
    pub at: At,
    /// What is wrong with it.
    pub reason: &'static str,
}

/// A record (where it starts, its bytes) or a bad stretch.
pub type Framed<'a> = Result<(At, &'a [u8]), Bad>;

/// The framer's state between bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Between records.
    Between,
    /// Inside a record, `depth` brackets deep.
    InRecord,
    /// Skipping a bad stretch up to the end of its line.
    Skipping,
}

/// Splits a byte stream into JSON records (objects). See the module docs.
pub struct JsonRecords<R> {
    input: R,
    f: Framer,
}

/// The skip reason of input that is not JSON: a bad stretch, or a record that does not parse
/// (neither is a record: no digest, no place in the ledger).
pub const NOT_JSON: &str = "malformed JSON";

/// Every JSON record of `input` handed to `map` parsed, with where it starts: bad stretches
/// and records that do not parse are skipped ([`NOT_JSON`]) with their place, records an
/// earlier import took are counted as duplicates and not handed over, what `map` returns is
/// settled ([`Emit::settle`]), and the sink may write what is due every 4096 records.
pub fn each_value(
    input: &mut dyn BufRead,
    out: &mut Emit,
    map: impl FnMut(At, &Value, &mut Emit) -> Result<(), Why>,
) -> Result<(), ImportError> {
    each_value_under(input, out, &[], map)
}

/// [`each_value`] where a whole input may be one object holding the records in an array
/// under one of `keys` ([`JsonRecords::unwrap_keys`]).
pub fn each_value_under(
    input: &mut dyn BufRead,
    out: &mut Emit,
    keys: &'static [&'static str],
    mut map: impl FnMut(At, &Value, &mut Emit) -> Result<(), Why>,
) -> Result<(), ImportError> {
    let mut records = JsonRecords::new(input).unwrap_keys(keys);
    let mut n = 0u64;
    while let Some(x) = records.next_record()? {
        let (at, bytes) = match x {
            Ok(r) => r,
            Err(bad) => {
                out.skip(bad.at, NOT_JSON, bad.reason)?;
                continue;
            }
        };
        let v: Value = match serde_json::from_slice(bytes) {
            Ok(v) => v,
            Err(e) => {
                out.skip(at, NOT_JSON, e)?;
                continue;
            }
        };
        if !out.record(at, bytes) {
            continue;
        }
        let mapped = map(at, &v, out);
        out.settle(at, mapped)?;
        n += 1;
        if n.is_multiple_of(4096) {
            out.tick()?;
        }
    }
    Ok(())
}

/// The first record of `head` that parses as JSON (what an importer's `sniff` looks at).
pub fn first_value(head: &[u8]) -> Option<serde_json::Value> {
    first_value_under(head, &[])
}

/// [`first_value`], looking inside an array under one of `keys` ([`each_value_under`]).
pub fn first_value_under(head: &[u8], keys: &'static [&'static str]) -> Option<Value> {
    let mut r = JsonRecords::new(head).unwrap_keys(keys);
    while let Ok(Some(x)) = r.next_record() {
        if let Ok((_, b)) = x
            && let Ok(v) = serde_json::from_slice(b)
        {
            return Some(v);
        }
    }
    None
}

/// The framer's state: the record being collected and where the input is.
struct Framer {
    rec: Vec<u8>,
    state: State,
    depth: u32,
    in_string: bool,
    escaped: bool,
    /// Brackets of an enclosing array (or `{"key": [`) the records sit in.
    outer: u32,
    unwrap_keys: &'static [&'static str],
    line: u64,
    offset: u64,
    column: u64,
    start: At,
    eof: bool,
}

impl<R: BufRead> JsonRecords<R> {
    /// Records of `input`.
    pub fn new(input: R) -> JsonRecords<R> {
        JsonRecords {
            input,
            f: Framer {
                rec: Vec::with_capacity(4096),
                state: State::Between,
                depth: 0,
                in_string: false,
                escaped: false,
                outer: 0,
                unwrap_keys: &[],
                line: 1,
                offset: 0,
                column: 0,
                start: At { line: 1, offset: 0 },
                eof: false,
            },
        }
    }

    /// When the whole input is one object that opens with an array under one of `keys`
    /// (CloudTrail's `{"Records": [...]}`), yield the array's items instead of the object.
    pub fn unwrap_keys(mut self, keys: &'static [&'static str]) -> JsonRecords<R> {
        self.f.unwrap_keys = keys;
        self
    }

    /// The next record's bytes, or a bad stretch, or `None` at the end.
    pub fn next_record(&mut self) -> io::Result<Option<Framed<'_>>> {
        let f = &mut self.f;
        if f.state != State::InRecord {
            // (A record already begun was found while reporting the one it cut short.)
            f.rec.clear();
        }
        loop {
            if f.eof {
                return Ok(f.at_eof().map(|r| r.map(|at| (at, &f.rec[..]))));
            }
            let buf = match self.input.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if buf.is_empty() {
                f.eof = true;
                continue;
            }
            // Blanks between records (the newline a record taken byte by byte left) are
            // passed over first, so that the next line starts the buffer and can be taken
            // whole: otherwise one record that straddled a buffer's end would put the rest
            // of the input on the byte-by-byte path.
            if f.state == State::Between && f.outer == 0 {
                let blanks = buf
                    .iter()
                    .take_while(|c| matches!(c, b' ' | b'\t' | b'\r' | b'\n'))
                    .count();
                if blanks > 0 {
                    for &c in &buf[..blanks] {
                        f.byte(c);
                    }
                    self.input.consume(blanks);
                    continue;
                }
            }
            // JSON lines: a whole line that is one object is taken in one copy.
            if f.state == State::Between
                && f.outer == 0
                && let Some((lead, len, nl)) = whole_line_object(buf)
            {
                let at = At {
                    line: f.line,
                    offset: f.offset + lead as u64,
                };
                f.rec.clear();
                f.rec.extend_from_slice(&buf[lead..lead + len]);
                f.line += 1;
                f.offset += nl as u64 + 1;
                f.column = 0;
                self.input.consume(nl + 1);
                return Ok(Some(Ok((at, &f.rec[..]))));
            }
            let mut used = 0;
            let mut out = None;
            for &c in buf {
                used += 1;
                if let Some(r) = f.byte(c) {
                    out = Some(r);
                    break;
                }
            }
            self.input.consume(used);
            match out {
                Some(Ok(at)) => return Ok(Some(Ok((at, &f.rec[..])))),
                Some(Err(bad)) => return Ok(Some(Err(bad))),
                None => {}
            }
        }
    }
}

/// When `buf` starts with a complete line that holds exactly one object (blanks around it
/// allowed): where the object starts, its length, where the newline is.
fn whole_line_object(buf: &[u8]) -> Option<(usize, usize, usize)> {
    let nl = memchr::memchr(b'\n', buf)?;
    let line = &buf[..nl];
    let lead = line.iter().position(|c| !matches!(c, b' ' | b'\t'))?;
    let end = line
        .iter()
        .rposition(|c| !matches!(c, b' ' | b'\t' | b'\r'))?
        + 1;
    let obj = &line[lead..end];
    if obj.first() != Some(&b'{') || obj.len() > MAX_RECORD {
        return None;
    }
    // Jumps from one structural byte to the next (memchr), not byte by byte: records are
    // mostly long strings. Square brackets do not matter to where the object ends.
    let (mut depth, mut i) = (0u32, 0usize);
    while i < obj.len() {
        i += memchr::memchr3(b'"', b'{', b'}', obj.get(i..)?)?;
        match obj[i] {
            b'"' => {
                // The string's end: the next quote not escaped.
                i += 1;
                loop {
                    i += memchr::memchr2(b'"', b'\\', obj.get(i..)?)?;
                    if obj[i] == b'\\' {
                        i += 2;
                        continue;
                    }
                    break;
                }
            }
            b'{' => depth += 1,
            _ => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return (i + 1 == obj.len()).then_some((lead, obj.len(), nl));
                }
            }
        }
        i += 1;
    }
    None
}

impl Framer {
    fn here(&self) -> At {
        At {
            line: self.line,
            offset: self.offset,
        }
    }

    /// At the end: a record still open was cut short.
    fn at_eof(&mut self) -> Option<Result<At, Bad>> {
        match self.state {
            State::InRecord => {
                self.state = State::Between;
                Some(Err(Bad {
                    at: self.start,
                    reason: "truncated record at the end of the input",
                }))
            }
            _ => None,
        }
    }

    /// One byte; `Some` when it ends a record or a bad stretch.
    fn byte(&mut self, c: u8) -> Option<Result<At, Bad>> {
        let at = self.here();
        let col = self.column;
        self.offset += 1;
        if c == b'\n' {
            self.line += 1;
            self.column = 0;
        } else {
            self.column += 1;
        }
        match self.state {
            State::Skipping => {
                if c == b'\n' {
                    self.state = State::Between;
                }
                None
            }
            State::Between => self.between(c, at),
            State::InRecord => self.inside(c, at, col),
        }
    }

    fn between(&mut self, c: u8, at: At) -> Option<Result<At, Bad>> {
        match c {
            b' ' | b'\t' | b'\r' | b'\n' | b',' => None,
            // A UTF-8 byte order mark at the start of a file or line.
            0xEF | 0xBB | 0xBF if self.rec.is_empty() => None,
            b'{' => {
                self.begin(at, c);
                None
            }
            b'[' if self.outer == 0 => {
                self.outer = 1;
                None
            }
            b']' if self.outer > 0 => {
                self.outer -= 1;
                None
            }
            b'}' if self.outer > 0 => {
                // The end of a `{"Records": [...]}` wrapper.
                self.outer -= 1;
                None
            }
            _ => {
                self.state = if c == b'\n' {
                    State::Between
                } else {
                    State::Skipping
                };
                Some(Err(Bad {
                    at,
                    reason: "not JSON (skipped to the end of the line)",
                }))
            }
        }
    }

    fn begin(&mut self, at: At, c: u8) {
        self.rec.clear();
        self.rec.push(c);
        self.start = at;
        self.state = State::InRecord;
        self.depth = 1;
        self.in_string = false;
        self.escaped = false;
    }

    fn inside(&mut self, c: u8, at: At, col: u64) -> Option<Result<At, Bad>> {
        if self.rec.len() > MAX_RECORD {
            self.rec.clear();
            self.state = if c == b'\n' {
                State::Between
            } else {
                State::Skipping
            };
            return Some(Err(Bad {
                at: self.start,
                reason: "record larger than 16 MiB (skipped to the end of the line)",
            }));
        }
        if self.in_string {
            if c == b'\n' {
                // JSON strings hold no raw newline: the line was cut inside a string.
                self.state = State::Between;
                return Some(Err(Bad {
                    at: self.start,
                    reason: "truncated record (a line ends inside a string)",
                }));
            }
            self.rec.push(c);
            if self.escaped {
                self.escaped = false;
            } else if c == b'\\' {
                self.escaped = true;
            } else if c == b'"' {
                self.in_string = false;
            }
            return None;
        }
        if c == b'{' && col == 0 && self.start.line != at.line {
            // A new object at the start of a line while one is still open: pretty printers
            // indent nested objects, so the open one was cut short.
            let bad = Bad {
                at: self.start,
                reason: "truncated record (a new one starts before it ends)",
            };
            self.begin(at, c);
            return Some(Err(bad));
        }
        self.rec.push(c);
        match c {
            b'"' => self.in_string = true,
            b'{' | b'[' => self.depth += 1,
            b'}' | b']' => {
                self.depth -= 1;
                if self.depth == 0 {
                    self.state = State::Between;
                    return Some(Ok(self.start));
                }
            }
            _ => {}
        }
        if c == b'['
            && self.depth == 2
            && self.outer == 0
            && self.unwrap_keys.iter().any(|k| self.opens_key(k))
        {
            // `{"Records": [` : the items are the records.
            self.outer = 2;
            self.state = State::Between;
            self.rec.clear();
        }
        None
    }

    /// Whether the record so far is `{ "key" : [`.
    fn opens_key(&self, key: &str) -> bool {
        let s: Vec<u8> = self
            .rec
            .iter()
            .copied()
            .filter(|b| !b.is_ascii_whitespace())
            .collect();
        s == format!("{{\"{key}\":[").as_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every record (as text) and every bad stretch (line, reason) of `input`.
    fn frame(input: &str, key: Option<&'static str>) -> (Vec<String>, Vec<(u64, &'static str)>) {
        let keys: &'static [&'static str] = match key {
            Some("Records") => &["Records", "Events"],
            Some(_) => panic!("only Records in these tests"),
            None => &[],
        };
        let mut r = JsonRecords::new(input.as_bytes()).unwrap_keys(keys);
        let (mut good, mut bad) = (Vec::new(), Vec::new());
        while let Some(x) = r.next_record().unwrap() {
            match x {
                Ok((_, b)) => good.push(String::from_utf8_lossy(b).into_owned()),
                Err(b) => bad.push((b.at.line, b.reason)),
            }
        }
        (good, bad)
    }

    #[test]
    fn json_lines_pretty_concatenated_and_arrays() {
        let (g, b) = frame("{\"a\":1}\n{\"b\":\"}{\"}\n", None);
        assert_eq!(g, ["{\"a\":1}", "{\"b\":\"}{\"}"]);
        assert!(b.is_empty());
        let (g, _) = frame(
            "{\n  \"a\": {\n    \"b\": 1\n  }\n}\n{\"c\":2}{\"d\":3}",
            None,
        );
        assert_eq!(g.len(), 3);
        assert!(g[0].contains("\"b\": 1"));
        let (g, b) = frame("[\n   {\"x\": [1, 2]},\n   {\"y\": \"]\"}\n]\n", None);
        assert_eq!(g, ["{\"x\": [1, 2]}", "{\"y\": \"]\"}"]);
        assert!(b.is_empty());
        let (g, b) = frame(
            "{\"Records\": [\n\t{\"e\":1},\n\t{\"e\":2}\n]}",
            Some("Records"),
        );
        assert_eq!(g, ["{\"e\":1}", "{\"e\":2}"]);
        assert!(b.is_empty());
        // Any of the keys; one the framer was not given stays one record.
        let (g, _) = frame("{\"Events\": [{\"e\":3}]}", Some("Records"));
        assert_eq!(g, ["{\"e\":3}"]);
        let (g, _) = frame("{\"items\": [{\"e\":4}]}", Some("Records"));
        assert_eq!(g, ["{\"items\": [{\"e\":4}]}"]);
    }

    #[test]
    fn bad_and_truncated_records_are_reported_and_the_rest_survives() {
        let input =
            "{\"a\":1}\nnot json\n{\"cut\": \"in a str\n{\"b\":{\"c\":1\n{\"d\":4}\n{\"e\":";
        let (g, b) = frame(input, None);
        assert_eq!(g, ["{\"a\":1}", "{\"d\":4}"]);
        assert_eq!(
            b,
            [
                (2, "not JSON (skipped to the end of the line)"),
                (3, "truncated record (a line ends inside a string)"),
                (4, "truncated record (a new one starts before it ends)"),
                (6, "truncated record at the end of the input"),
            ]
        );
    }

    #[test]
    fn a_record_too_large_is_skipped_and_the_next_one_read() {
        let big = format!("{{\"a\":[{}]}}\n{{\"b\":1}}\n", "1,".repeat(MAX_RECORD / 2));
        let (g, b) = frame(&big, None);
        assert_eq!(g, ["{\"b\":1}"]);
        assert_eq!(b.len(), 1);
        assert!(b[0].1.contains("16 MiB"));
    }

    #[test]
    fn positions_are_line_and_byte_offset_of_the_record_start() {
        let mut r = JsonRecords::new("\u{feff}{\"a\":1}\n\n  {\"b\":2}".as_bytes());
        let (at, _) = r.next_record().unwrap().unwrap().unwrap();
        assert_eq!(at, At { line: 1, offset: 3 });
        let (at, _) = r.next_record().unwrap().unwrap().unwrap();
        assert_eq!(
            at,
            At {
                line: 3,
                offset: 14
            }
        );
        assert!(r.next_record().unwrap().is_none());
    }

    #[test]
    fn records_read_the_same_whatever_the_buffer_size() {
        // Lines straddle small buffers' ends; every buffer size must give the same records,
        // bad stretches and positions as reading the whole input at once.
        let mut input = String::new();
        for i in 0..40 {
            input.push_str(&format!(
                "{{\"i\":{i},\"pad\":\"{}\"}}\n",
                "x".repeat(i * 7)
            ));
            if i % 9 == 4 {
                input.push_str("  \r\n{\"cut\":\"no end\n");
            }
        }
        let read = |cap: usize| {
            let r = std::io::BufReader::with_capacity(cap, input.as_bytes());
            let mut r = JsonRecords::new(r);
            let mut out = Vec::new();
            while let Some(x) = r.next_record().unwrap() {
                out.push(x.map(|(at, b)| (at, b.to_vec())));
            }
            out
        };
        let whole = read(1 << 20);
        assert_eq!(whole.iter().filter(|x| x.is_ok()).count(), 40);
        assert_eq!(whole.iter().filter(|x| x.is_err()).count(), 4);
        for cap in [1, 7, 64, 100, 333] {
            assert_eq!(read(cap), whole, "buffer of {cap} bytes");
        }
    }
}
