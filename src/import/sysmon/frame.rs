//! Sysmon `<Event>` documents out of the shapes they are kept in, a line at a time: raw XML
//! (one or many events per line, or one pretty-printed over many lines), syslog lines
//! (`Oct 26 16:09:49 host sysmon: <Event>…`, RFC 3339 and RFC 5424 headers too) and JSON
//! lines whose message field holds the XML (`journalctl -o json`, syslog-table exports).
//!
//! Memory is bounded: a line longer than [`MAX_LINE`] and an event longer than [`MAX_EVENT`]
//! are reported and skipped. Each event comes with where it starts and the host its wrapper
//! names (the syslog header's, the JSON record's), for events without `<Computer>`.

use std::collections::VecDeque;
use std::io::{self, BufRead};

use serde_json::{Map, Value};

use super::super::json::At;
use super::super::open::read_capped_line;

/// Longest line read; a longer one is skipped.
pub const MAX_LINE: usize = 1 << 20;

/// Longest event kept while it spans lines; a longer one is skipped up to its end.
pub const MAX_EVENT: usize = 1 << 20;

/// JSON fields that hold the syslog message, in the order tried.
const MESSAGE_KEYS: &[&str] = &["message", "MESSAGE", "msg", "log", "Message", "_raw", "raw"];

/// JSON fields that name the host, in the order tried.
const HOST_KEYS: &[&str] = &[
    "hostname",
    "host",
    "HOSTNAME",
    "_HOSTNAME",
    "Hostname",
    "host_name",
    "fromhost",
    "computer",
];

/// One event's XML, where it starts and the host its wrapper names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Framed {
    /// Where the event (or its JSON line) starts.
    pub at: At,
    /// `<Event …>…</Event>`, as read.
    pub xml: Vec<u8>,
    /// The host of the syslog header or JSON record around it.
    pub host: Option<String>,
}

/// A stretch that is no event, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bad {
    /// Where it starts.
    pub at: At,
    /// The reason counted.
    pub reason: &'static str,
    /// More about it.
    pub detail: String,
}

/// What was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// An event.
    Event(Framed),
    /// Something to report and skip.
    Bad(Bad),
}

/// An event spanning lines, being collected.
enum Open {
    /// None.
    No,
    /// Collecting from `at`.
    Raw { at: At, xml: Vec<u8> },
    /// Too large: dropping lines up to its end.
    Dropping,
}

/// Splits an input into events. See the module docs.
pub struct Events<R> {
    input: R,
    line: Vec<u8>,
    line_no: u64,
    offset: u64,
    open: Open,
    ready: VecDeque<Item>,
    done: bool,
}

impl<R: BufRead> Events<R> {
    /// Events of `input`.
    pub fn new(input: R) -> Events<R> {
        Events {
            input,
            line: Vec::with_capacity(4096),
            line_no: 0,
            offset: 0,
            open: Open::No,
            ready: VecDeque::new(),
            done: false,
        }
    }

    /// The next event or bad stretch; `None` at the end.
    pub fn next_item(&mut self) -> io::Result<Option<Item>> {
        loop {
            if let Some(i) = self.ready.pop_front() {
                return Ok(Some(i));
            }
            if self.done {
                return Ok(None);
            }
            self.line.clear();
            let n = read_capped_line(&mut self.input, &mut self.line, MAX_LINE)?;
            if n == 0 {
                self.done = true;
                if let Open::Raw { at, .. } = std::mem::replace(&mut self.open, Open::No) {
                    self.bad(at, "truncated event", "the input ends before </Event>");
                }
                continue;
            }
            self.line_no += 1;
            let at = At {
                line: self.line_no,
                offset: self.offset,
            };
            self.offset += n as u64;
            if self.line.len() > MAX_LINE {
                if let Open::Raw { at, .. } = std::mem::replace(&mut self.open, Open::No) {
                    self.bad(at, "truncated event", "a line longer than 1 MiB follows");
                }
                self.bad(at, "line too long", "longer than 1 MiB");
                continue;
            }
            let line = std::mem::take(&mut self.line);
            self.take_line(&line, at);
            self.line = line;
        }
    }

    fn bad(&mut self, at: At, reason: &'static str, detail: impl Into<String>) {
        self.ready.push_back(Item::Bad(Bad {
            at,
            reason,
            detail: detail.into(),
        }));
    }

    /// One line, starting at `at`.
    fn take_line(&mut self, line: &[u8], at: At) {
        // Where to go on, and whether the line's text before that is its own (a header), not
        // the end of an event.
        let (mut pos, mut fresh) = (0, true);
        match std::mem::replace(&mut self.open, Open::No) {
            Open::No => {}
            Open::Raw { at: start, mut xml } => match goes_on(line) {
                Next::End(end) => {
                    xml.extend_from_slice(&line[..end]);
                    self.ready.push_back(Item::Event(Framed {
                        at: start,
                        xml,
                        host: None,
                    }));
                    (pos, fresh) = (end, false);
                }
                Next::Start(s) => {
                    self.bad(
                        start,
                        "truncated event",
                        "a new <Event> starts before </Event>",
                    );
                    pos = s;
                }
                Next::Neither if xml.len() + line.len() > MAX_EVENT => {
                    self.bad(start, "event too large", "longer than 1 MiB");
                    self.open = Open::Dropping;
                    return;
                }
                Next::Neither => {
                    xml.extend_from_slice(line);
                    self.open = Open::Raw { at: start, xml };
                    return;
                }
            },
            Open::Dropping => match goes_on(line) {
                Next::End(end) => (pos, fresh) = (end, false),
                Next::Start(s) => pos = s,
                Next::Neither => {
                    self.open = Open::Dropping;
                    return;
                }
            },
        }
        if fresh && first_non_blank(line) == Some(b'{') {
            self.json_line(line, at);
            return;
        }
        // A header before the first event on the line: the line is a syslog message, and its
        // events end on it.
        let first = find_start(line, pos);
        let wrapped = first.filter(|&s| fresh && !is_blank(&line[..s]));
        let host = wrapped.and_then(|s| syslog_host(&String::from_utf8_lossy(&line[..s])));
        let line_at = |i: usize| At {
            line: at.line,
            offset: at.offset + i as u64,
        };
        let mut next = first;
        while let Some(s) = next {
            match find_end(line, s) {
                Some(end) => {
                    self.ready.push_back(Item::Event(Framed {
                        at: line_at(s),
                        xml: line[s..end].to_vec(),
                        host: host.clone(),
                    }));
                    next = find_start(line, end);
                }
                None if wrapped.is_some() => {
                    self.bad(
                        line_at(s),
                        "truncated event",
                        "the line ends before </Event>",
                    );
                    return;
                }
                None => {
                    self.open = Open::Raw {
                        at: line_at(s),
                        xml: line[s..].to_vec(),
                    };
                    return;
                }
            }
        }
    }

    /// A JSON line: the events in its message field.
    fn json_line(&mut self, line: &[u8], at: At) {
        // Encoders that escape `<` (Go's) write `\u003cEvent`.
        let escaped = find(line, b"u003cEvent", 0).or_else(|| find(line, b"u003CEvent", 0));
        if find_start(line, 0).is_none() && escaped.is_none() {
            return; // another program's message
        }
        let v: Value = match serde_json::from_slice(line) {
            Ok(v) => v,
            Err(e) => return self.bad(at, "malformed JSON", e.to_string()),
        };
        let Some(o) = v.as_object() else {
            return self.bad(at, "malformed JSON", "not an object");
        };
        let Some(msg) = message(o) else {
            return self.bad(
                at,
                "no event in the message",
                "no message field holds <Event>",
            );
        };
        let msg = msg.as_bytes();
        let Some(first) = find_start(msg, 0) else {
            return self.bad(
                at,
                "no event in the message",
                "no message field holds <Event>",
            );
        };
        let header = &msg[..first];
        let host = (!is_blank(header))
            .then(|| syslog_host(&String::from_utf8_lossy(header)))
            .flatten()
            .or_else(|| json_host(o));
        let mut next = Some(first);
        while let Some(s) = next {
            let Some(end) = find_end(msg, s) else {
                return self.bad(at, "truncated event", "the message ends before </Event>");
            };
            self.ready.push_back(Item::Event(Framed {
                at,
                xml: msg[s..end].to_vec(),
                host: host.clone(),
            }));
            next = find_start(msg, end);
        }
    }
}

/// The message of a JSON record: the first of [`MESSAGE_KEYS`] holding `<Event`, else any
/// top-level string that does (journald writes non-UTF-8 messages as arrays of bytes).
fn message(o: &Map<String, Value>) -> Option<String> {
    let text = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Array(a) => {
            let bytes: Option<Vec<u8>> = a
                .iter()
                .map(|b| b.as_u64().and_then(|b| u8::try_from(b).ok()))
                .collect();
            bytes.map(|b| String::from_utf8_lossy(&b).into_owned())
        }
        _ => None,
    };
    let holds = |s: &String| find_start(s.as_bytes(), 0).is_some();
    MESSAGE_KEYS
        .iter()
        .filter_map(|k| o.get(*k).and_then(text))
        .find(holds)
        .or_else(|| o.values().filter_map(text).find(holds))
}

/// The host a JSON record names (`host` may be an object with `name` or `hostname`).
fn json_host(o: &Map<String, Value>) -> Option<String> {
    HOST_KEYS.iter().find_map(|k| match o.get(*k)? {
        Value::String(s) => host_name(s),
        Value::Object(h) => ["name", "hostname"]
            .iter()
            .find_map(|k| h.get(*k).and_then(Value::as_str).and_then(host_name)),
        _ => None,
    })
}

fn host_name(s: &str) -> Option<String> {
    let s = s.trim();
    let ok = !s.is_empty() && s != "-" && !s.ends_with(':') && !s.contains(['<', '[', ' ']);
    ok.then(|| s.to_string())
}

/// The hostname of a syslog header: `Mmm dd hh:mm:ss host tag: `, `<PRI>` before it,
/// `2021-10-26T16:09:49.123+00:00 host tag: ` (rsyslog's precise form) or RFC 5424
/// `<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD `. `None` when the header has none.
pub fn syslog_host(header: &str) -> Option<String> {
    let mut h = header.trim_start();
    if let Some(rest) = h.strip_prefix('<')
        && let Some((pri, rest)) = rest.split_once('>')
        && !pri.is_empty()
        && pri.bytes().all(|b| b.is_ascii_digit())
    {
        h = rest;
    }
    let t: Vec<&str> = h.split_whitespace().collect();
    let host = match t.as_slice() {
        // RFC 5424: the version, then the timestamp.
        ["1", _ts, host, _app, ..] => host,
        [month, day, time, host, _tag, ..]
            if month.len() == 3
                && month.bytes().all(|b| b.is_ascii_alphabetic())
                && day.bytes().all(|b| b.is_ascii_digit())
                && time.contains(':') =>
        {
            host
        }
        [ts, host, _tag, ..]
            if ts.starts_with(|c: char| c.is_ascii_digit()) && ts.contains('T') =>
        {
            host
        }
        _ => return None,
    };
    host_name(host)
}

/// What comes first on a line while an event is open.
enum Next {
    /// `</Event>`, ending here.
    End(usize),
    /// A new `<Event`, starting here.
    Start(usize),
    /// Neither.
    Neither,
}

fn goes_on(line: &[u8]) -> Next {
    match (find_end(line, 0), find_start(line, 0)) {
        (Some(e), s) if s.is_none_or(|s| s >= e) => Next::End(e),
        (_, Some(s)) => Next::Start(s),
        _ => Next::Neither,
    }
}

/// Where the next `<Event` (followed by `>`, `/` or a blank) at or after `from` starts.
pub fn find_start(s: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while let Some(p) = find(s, b"<Event", i) {
        if matches!(
            s.get(p + 6),
            Some(b'>' | b'/' | b' ' | b'\t' | b'\r' | b'\n')
        ) {
            return Some(p);
        }
        i = p + 6;
    }
    None
}

/// Where the first `</Event>` at or after `from` ends.
fn find_end(s: &[u8], from: usize) -> Option<usize> {
    find(s, b"</Event>", from).map(|p| p + 8)
}

fn find(s: &[u8], what: &[u8], from: usize) -> Option<usize> {
    s.get(from..)?
        .windows(what.len())
        .position(|w| w == what)
        .map(|p| p + from)
}

fn is_blank(s: &[u8]) -> bool {
    // A UTF-8 byte order mark counts as blank.
    s.iter()
        .all(|b| b.is_ascii_whitespace() || matches!(b, 0xEF | 0xBB | 0xBF))
}

fn first_non_blank(s: &[u8]) -> Option<u8> {
    s.iter()
        .copied()
        .find(|b| !b.is_ascii_whitespace() && !matches!(b, 0xEF | 0xBB | 0xBF))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (line, xml or reason, host) of every item of `input`.
    fn frame(input: &str) -> Vec<(u64, String, Option<String>)> {
        let mut e = Events::new(input.as_bytes());
        let mut out = Vec::new();
        while let Some(i) = e.next_item().unwrap() {
            out.push(match i {
                Item::Event(f) => (f.at.line, String::from_utf8(f.xml).unwrap(), f.host.clone()),
                Item::Bad(b) => (b.at.line, format!("BAD {}", b.reason), None),
            });
        }
        out
    }

    const EV: &str = "<Event><System><EventID>1</EventID></System></Event>";

    #[test]
    fn raw_events_one_per_line_many_per_line_and_across_lines() {
        let input = format!(
            "<?xml version=\"1.0\"?>\n<Events>\n{EV}{EV}\n  <Event>\n<System/>\n</Event>\n</Events>\n"
        );
        let got = frame(&input);
        assert_eq!(got.len(), 3, "{got:?}");
        assert_eq!((got[0].0, got[0].1.as_str()), (3, EV));
        assert_eq!(got[1].1, EV);
        assert_eq!(got[2].0, 4);
        assert_eq!(got[2].1, "<Event>\n<System/>\n</Event>");
        assert!(got.iter().all(|g| g.2.is_none()));
        // <EventData> and <EventID> do not start events.
        assert!(find_start(b"<EventData><EventID>", 0).is_none());
    }

    #[test]
    fn cut_events_are_reported_and_the_next_one_read() {
        let input = format!("<Event>\n<System>\n{EV}\nnoise\n<Event><System>");
        let got = frame(&input);
        assert_eq!(got[0], (1, "BAD truncated event".to_string(), None));
        assert_eq!(got[1], (3, EV.to_string(), None));
        assert_eq!(got[2], (5, "BAD truncated event".to_string(), None));
        assert_eq!(got.len(), 3);
        let wrapped = format!("Oct 26 16:09:49 web-1 sysmon: <Event><System>\n{EV}\n");
        let got = frame(&wrapped);
        assert_eq!(got[0].1, "BAD truncated event");
        assert_eq!(got[1].1, EV);
    }

    #[test]
    fn an_event_too_large_is_skipped_to_its_end() {
        let big = "x".repeat(MAX_EVENT / 4);
        let input = format!("<Event>\n{big}\n{big}\n{big}\n{big}\n{big}\n</Event>{EV}\n");
        let got = frame(&input);
        assert_eq!(got[0].1, "BAD event too large");
        assert_eq!(got[1].1, EV);
        assert_eq!(got.len(), 2);
    }

    #[test]
    fn syslog_headers_name_the_host() {
        for (header, host) in [
            ("Oct 26 16:09:49 web-1 sysmon: ", Some("web-1")),
            ("<14>Oct  6 16:09:49 web-1 sysmon[812]: ", Some("web-1")),
            (
                "2021-10-26T16:09:49.123456+00:00 db-2 sysmon: ",
                Some("db-2"),
            ),
            (
                "<14>1 2021-10-26T16:09:49.123Z app-3 sysmon 812 - - ",
                Some("app-3"),
            ),
            ("<14>1 2021-10-26T16:09:49.123Z - sysmon 812 - - ", None),
            ("Oct 26 16:09:49 sysmon: ", None),
            ("garbage ", None),
        ] {
            assert_eq!(syslog_host(header).as_deref(), host, "{header}");
            let got = frame(&format!("{header}{EV}\n"));
            assert_eq!(got, [(1, EV.to_string(), host.map(str::to_string))]);
        }
    }

    #[test]
    fn json_lines_hold_the_event_in_their_message() {
        let esc = EV.replace('"', "\\\"");
        let go = esc.replace('<', "\\u003c").replace('>', "\\u003e");
        let input = format!(
            "{{\"_HOSTNAME\":\"web-1\",\"SYSLOG_IDENTIFIER\":\"sysmon\",\"MESSAGE\":\"{esc}\"}}\n\
             {{\"host\":{{\"name\":\"db-2\"}},\"log\":\"Oct 26 16:09:49 app-3 sysmon: {esc}\"}}\n\
             {{\"message\":\"cron started\"}}\n\
             {{\"hostname\":\"go-4\",\"msg\":\"{go}\"}}\n\
             {{\"message\":\"<Event>cut\n\
             {{\"hostname\":\"x\",\"message\":\"{esc}\"\n"
        );
        let got = frame(&input);
        assert_eq!(got[0], (1, EV.to_string(), Some("web-1".to_string())));
        // The syslog header inside the message names the host that logged it.
        assert_eq!(got[1], (2, EV.to_string(), Some("app-3".to_string())));
        assert_eq!(got[2], (4, EV.to_string(), Some("go-4".to_string())));
        assert_eq!(got[3], (5, "BAD malformed JSON".to_string(), None));
        assert_eq!(got[4], (6, "BAD malformed JSON".to_string(), None));
        assert_eq!(got.len(), 5);
    }
}
