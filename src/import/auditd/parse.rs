//! Parsing of Linux audit raw log lines into [`Record`]s, and decoding of audit values.
//!
//! A line is `type=<TYPE> msg=audit(<sec>.<ms>:<serial>): key=value …`; anything before
//! `type=` (`node=<name>`, a syslog or audispd prefix) is allowed, and `type=1300 audit(…)`
//! (kernel printk) or `UNKNOWN[1300]` get the name from [`type_name`]. Values are bare,
//! `"quoted"` or hex: an untrusted string (`exe`, `name`, EXECVE args…) is hex exactly when it
//! is not quoted. The `msg='…'` of user-space records is flattened: its pairs follow
//! `("msg", raw)`. Keys after the ENRICHED separator 0x1d, or all-uppercase ones (also when
//! the separator was lost: `key=(null)ARCH=x86_64`), go to [`Record::enriched`]. Old forms
//! are normalized as go-libaudit does: `old auid=` → `old_auid`, `avc: denied { read }` →
//! `seresult`/`seperms`, `(hostname=?, … res=success)` → plain values.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The ENRICHED-format separator (ASCII GS) between raw and interpreted fields.
const GS: u8 = 0x1d;

/// One audit record (one log line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Record type name (`SYSCALL`, `USER_LOGIN`, `UNKNOWN[1999]`).
    pub rtype: String,
    /// Event time in ns since the Unix epoch (the header has millisecond precision).
    pub time_ns: i64,
    /// Event serial (a kernel `unsigned int`: at most `u32::MAX`).
    pub serial: u64,
    /// `node=` name, when the line has one.
    pub node: Option<String>,
    /// `(key, value)` pairs in line order, values exactly as logged (quotes kept, so that
    /// hex and quoted text stay apart): read them with [`Record::get`] or [`Record::text`].
    pub fields: Vec<(String, String)>,
    /// ENRICHED interpreted fields (`UID`, `AUID`, `ARCH`, `SYSCALL`…), raw.
    pub enriched: Vec<(String, String)>,
    /// Words outside key=value pairs (`auditd start,`), space-joined.
    pub text: String,
    /// Line number given by the caller.
    pub line: u64,
    /// Byte offset of the line given by the caller.
    pub offset: u64,
}

/// Why a line is not an audit record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// `no type= field`, `bad record type`, `no msg=audit(…) header`, `truncated header`,
    /// `bad timestamp`, `bad serial` or `serial out of range`.
    pub reason: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.reason)
    }
}

impl std::error::Error for ParseError {}

fn err<T>(reason: &str) -> Result<T, ParseError> {
    let reason = reason.to_string();
    Err(ParseError { reason })
}

impl Record {
    /// The raw value of the first field `key`, quotes kept.
    pub fn raw(&self, key: &str) -> Option<&str> {
        let mut found = self.fields.iter().filter(|(k, _)| k == key);
        found.next().map(|(_, v)| v.as_str())
    }

    /// The value of `key` unquoted, not hex-decoded; `None` if absent, `(null)`, `?` or empty.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.raw(key).map(unquote).filter(|v| !is_nullish(v))
    }

    /// The value of `key` as text: like [`Record::get`], and hex-decoded (lossy UTF-8, NULs
    /// as spaces) when bare in a field that the kernel hex-encodes ([`is_encoded_field`]).
    pub fn text(&self, key: &str) -> Option<String> {
        let raw = self.raw(key).filter(|v| !is_nullish(unquote(v)))?;
        let hex = is_encoded_field(&self.rtype, key);
        Some(if hex {
            untangle(raw)
        } else {
            unquote(raw).to_string()
        })
    }

    /// Every field that has a value, as [`Record::text`] gives it, in line order.
    pub fn text_fields(&self) -> Vec<(&str, String)> {
        let keys = self.fields.iter().map(|(k, _)| k.as_str());
        keys.filter_map(|k| Some((k, self.text(k)?))).collect()
    }

    /// An ENRICHED field (`AUID`, `UID`…), unquoted.
    pub fn enriched(&self, key: &str) -> Option<&str> {
        let mut found = self.enriched.iter().filter(|(k, _)| k == key);
        found.next().map(|(_, v)| unquote(v))
    }
}

/// `v` without its surrounding `"…"` or `'…'` (also when the closing quote was cut off).
pub fn unquote(v: &str) -> &str {
    for q in ['"', '\''] {
        if let Some(inner) = v.strip_prefix(q) {
            return inner.strip_suffix(q).unwrap_or(inner);
        }
    }
    v
}

/// An interpreted (ENRICHED) field's key: all caps, digits and `_` (`UID`, `SYSCALL`,
/// `FSGID`), as auditd and Laurel name what they add.
pub fn is_enriched_key(key: &str) -> bool {
    key.bytes().any(|c| c.is_ascii_uppercase())
        && key
            .bytes()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'_')
}

fn is_nullish(v: &str) -> bool {
    v.is_empty() || v == "(null)" || v == "?"
}

fn is_quoted(v: &str) -> bool {
    v.starts_with(['"', '\''])
}

fn digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Whether the kernel or libaudit hex-encodes field `key` of an `rtype` record when the value
/// has spaces, quotes, control or non-ASCII bytes (then a bare value is hex).
pub fn is_encoded_field(rtype: &str, key: &str) -> bool {
    const KEYS: &str = "exe comm ocomm name cwd path proctitle cmd acct key watch dir root_dir \
        old-disk new-disk old-fs new-fs vm device cgroup old-chardev new-chardev old-net new-net";
    if KEYS.split_ascii_whitespace().any(|k| k == key) {
        return true;
    }
    match key.strip_prefix('a') {
        _ if key == "data" => matches!(rtype, "TTY" | "USER_TTY"),
        // EXECVE arguments a0, a12 and the pieces a3[0], a3[1]… of a long one.
        Some(rest) if rtype == "EXECVE" => match rest.split_once('[') {
            Some((i, piece)) => digits(i) && piece.strip_suffix(']').is_some_and(digits),
            None => digits(rest),
        },
        _ => false,
    }
}

/// Decodes hex (`2F746D70` → `/tmp`); `None` if the length is odd or a digit is not hex.
pub fn decode_hex(s: &str) -> Option<Vec<u8>> {
    let nib = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    if !s.len().is_multiple_of(2) {
        return None;
    }
    let pairs = s.as_bytes().chunks_exact(2);
    pairs.map(|p| Some(nib(p[0])? << 4 | nib(p[1])?)).collect()
}

/// Bytes as text: lossy UTF-8, trailing NULs dropped, inner NULs as spaces.
fn bytes_to_text(b: &[u8]) -> String {
    let end = b.iter().rposition(|&c| c != 0).map_or(0, |i| i + 1);
    let spaced: Vec<u8> = b[..end]
        .iter()
        .map(|&c| if c == 0 { b' ' } else { c })
        .collect();
    String::from_utf8_lossy(&spaced).into_owned()
}

/// A logged value as text: quoted → the inner text; `(null)` → empty; bare hex → decoded
/// (lossy UTF-8, NULs as spaces); else as is. Only for fields that can be hex
/// ([`is_encoded_field`]): `a1=10800` also looks like hex. [`Record::text`] decides per field.
pub fn untangle(value: &str) -> String {
    match decode_hex(value) {
        _ if is_quoted(value) => unquote(value).to_string(),
        _ if value == "(null)" => String::new(),
        Some(b) if !b.is_empty() => bytes_to_text(&b),
        _ => value.to_string(),
    }
}

/// The argv of a `proctitle=` value: hex of NUL-separated arguments (trailing empty ones
/// dropped), or one quoted or plain string. Empty for `(null)`.
pub fn proctitle_argv(value: &str) -> Vec<String> {
    let Some(bytes) = decode_hex(value).filter(|_| !is_quoted(value)) else {
        let v = unquote(value);
        return if is_nullish(v) {
            Vec::new()
        } else {
            vec![v.to_string()]
        };
    };
    let end = bytes.iter().rposition(|&c| c != 0).map_or(0, |i| i + 1);
    let args = bytes[..end].split(|&c| c == 0).filter(|_| end > 0);
    args.map(|a| String::from_utf8_lossy(a).into_owned())
        .collect()
}

/// A decoded SOCKADDR `saddr` (hex of a `struct sockaddr`, family little-endian).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SockAddr {
    /// Address family (`AF_UNIX` 1, `AF_INET` 2, `AF_INET6` 10, `AF_NETLINK` 16…).
    pub family: u16,
    /// The IPv4/IPv6 address, when the struct is long enough.
    pub ip: Option<IpAddr>,
    /// The IPv4/IPv6 port.
    pub port: Option<u16>,
    /// The AF_UNIX path; an abstract socket's name gets a leading `@`.
    pub path: Option<String>,
}

impl SockAddr {
    /// The family as go-libaudit names it (`unix`, `ipv4`, `ipv6`, `netlink`, `packet`).
    pub fn family_name(&self) -> Option<&'static str> {
        let names = [
            (1, "unix"),
            (2, "ipv4"),
            (10, "ipv6"),
            (16, "netlink"),
            (17, "packet"),
        ];
        let mut found = names.into_iter().filter(|(f, _)| *f == self.family);
        found.next().map(|(_, n)| n)
    }
}

/// Decodes a `saddr=` value; `None` if it is not hex or shorter than the family field.
pub fn decode_sockaddr(value: &str) -> Option<SockAddr> {
    let b = decode_hex(unquote(value))?;
    let family = u16::from_le_bytes([*b.first()?, *b.get(1)?]);
    let port = b.get(2..4).map(|p| u16::from_be_bytes([p[0], p[1]]));
    let (mut ip, mut path) = (None, None);
    match family {
        2 => {
            ip = b
                .get(4..8)
                .map(|a| IpAddr::V4(Ipv4Addr::new(a[0], a[1], a[2], a[3])))
        }
        10 => {
            let a = b.get(8..24).and_then(|a| <[u8; 16]>::try_from(a).ok());
            ip = a.map(|a| IpAddr::V6(Ipv6Addr::from(a)));
        }
        1 => {
            let p = b.get(2..).unwrap_or_default();
            path = match p.split_first() {
                Some((0, name)) if name.iter().any(|&c| c != 0) => {
                    Some(format!("@{}", bytes_to_text(name)))
                }
                _ => p
                    .split(|&c| c == 0)
                    .next()
                    .filter(|s| !s.is_empty())
                    .map(bytes_to_text),
            };
        }
        _ => {}
    }
    let port = port.filter(|_| ip.is_some());
    Some(SockAddr {
        family,
        ip,
        port,
        path,
    })
}

/// The name of record type number `n`, for `type=<n>` and `UNKNOWN[<n>]` (common types only).
pub fn type_name(n: u32) -> Option<&'static str> {
    const T: &str = "1006:LOGIN 1100:USER_AUTH 1101:USER_ACCT 1102:USER_MGMT 1103:CRED_ACQ \
        1104:CRED_DISP 1105:USER_START 1106:USER_END 1107:USER_AVC 1108:USER_CHAUTHTOK \
        1109:USER_ERR 1110:CRED_REFR 1111:USYS_CONFIG 1112:USER_LOGIN 1113:USER_LOGOUT \
        1114:ADD_USER 1115:DEL_USER 1116:ADD_GROUP 1117:DEL_GROUP 1123:USER_CMD 1124:USER_TTY \
        1130:SERVICE_START 1131:SERVICE_STOP 1200:DAEMON_START 1201:DAEMON_END \
        1203:DAEMON_CONFIG 1300:SYSCALL 1302:PATH 1303:IPC 1304:SOCKETCALL 1305:CONFIG_CHANGE \
        1306:SOCKADDR 1307:CWD 1309:EXECVE 1317:FD_PAIR 1318:OBJ_PID 1319:TTY 1320:EOE \
        1321:BPRM_FCAPS 1322:CAPSET 1323:MMAP 1325:NETFILTER_CFG 1326:SECCOMP 1327:PROCTITLE \
        1328:FEATURE_CHANGE 1329:REPLACE 1330:KERN_MODULE 1331:FANOTIFY 1332:TIME_INJOFFSET \
        1333:TIME_ADJNTPVAL 1334:BPF 1335:EVENT_LISTENER 1336:URINGOP 1337:OPENAT2 1400:AVC \
        1401:SELINUX_ERR 1402:AVC_PATH 1403:MAC_POLICY_LOAD 1700:ANOM_PROMISCUOUS \
        1701:ANOM_ABEND 1702:ANOM_LINK 2000:KERNEL";
    let mut pairs = T.split_ascii_whitespace().filter_map(|e| e.split_once(':'));
    pairs
        .find(|(k, _)| k.parse() == Ok(n))
        .map(|(_, name)| name)
}

fn normalize_type(t: &str) -> String {
    let num = t.strip_prefix("UNKNOWN[").and_then(|r| r.strip_suffix(']'));
    match num.unwrap_or(t).parse::<u32>() {
        Ok(n) if digits(num.unwrap_or(t)) => {
            type_name(n).map_or(format!("UNKNOWN[{n}]"), str::to_string)
        }
        _ => t.to_string(),
    }
}

/// Index of `tok` in `s`, at the start or after whitespace.
fn find_word(s: &str, tok: &str) -> Option<usize> {
    let mut at = s.match_indices(tok).map(|(i, _)| i);
    at.find(|&i| i == 0 || s.as_bytes()[i - 1].is_ascii_whitespace())
}

/// `s` up to its first whitespace.
fn first_word(s: &str) -> &str {
    s.split(|c: char| c.is_ascii_whitespace())
        .next()
        .unwrap_or_default()
}

/// `1490995752.404:20614537` → (ns since the epoch, serial).
pub(crate) fn parse_stamp(s: &str) -> Result<(i64, u64), ParseError> {
    let Some((ts, serial)) = s.split_once(':') else {
        return err("bad timestamp");
    };
    let (sec, frac) = ts.split_once('.').unwrap_or((ts, "0"));
    if !digits(sec) || !digits(frac) {
        return err("bad timestamp");
    }
    let frac: i64 = format!("{:0<9}", frac.get(..9).unwrap_or(frac))
        .parse()
        .unwrap_or(0);
    let sec = sec
        .parse::<i64>()
        .ok()
        .and_then(|s| s.checked_mul(1_000_000_000));
    let Some(ns) = sec.and_then(|s| s.checked_add(frac)) else {
        return err("bad timestamp");
    };
    match serial.parse::<u64>() {
        _ if !digits(serial) => err("bad serial"),
        Ok(n) if n <= u64::from(u32::MAX) => Ok((ns, n)),
        _ => err("serial out of range"),
    }
}

/// Parses one log line (its line ending may be included); `line_no` and `offset` are kept
/// in the record.
pub fn parse_line(line: &str, line_no: u64, offset: u64) -> Result<Record, ParseError> {
    let line = line.trim_end_matches(['\n', '\r']);
    let at = find_word(line, "type=").or_else(|| line.find("type="));
    let Some(at) = at else {
        return err("no type= field");
    };
    let node = find_word(&line[..at], "node=").map(|i| first_word(&line[i + 5..at]));
    let raw_type = first_word(&line[at + 5..]);
    let type_byte = |b: u8| b.is_ascii_alphanumeric() || b"_[]".contains(&b);
    if raw_type.is_empty() || !raw_type.bytes().all(type_byte) {
        return err("bad record type");
    }
    let rest = &line[at + 5 + raw_type.len()..];
    let Some(h) = rest.find("audit(") else {
        return err("no msg=audit(…) header");
    };
    let Some((stamp, body)) = rest[h + 6..].split_once(')') else {
        return err("truncated header");
    };
    let (time_ns, serial) = parse_stamp(stamp)?;
    let mut rec = Record {
        rtype: normalize_type(raw_type),
        time_ns,
        serial,
        node: node.filter(|n| !n.is_empty()).map(str::to_string),
        fields: Vec::new(),
        enriched: Vec::new(),
        text: String::new(),
        line: line_no,
        offset,
    };
    let mut words = Vec::new();
    tokenize(
        body.strip_prefix(':').unwrap_or(body),
        &mut rec,
        &mut words,
        true,
    );
    selinux_avc(&mut rec, &words);
    rec.text = words.join(" ");
    Ok(rec)
}

/// Splits `body` into key=value pairs (into `rec`) and free words; `outer` is false inside a
/// flattened `msg='…'`.
fn tokenize<'a>(body: &'a str, rec: &mut Record, words: &mut Vec<&'a str>, outer: bool) {
    let b = body.as_bytes();
    let stop = |c: u8| c == GS || c == 0 || c.is_ascii_whitespace();
    let key_byte = |c: u8| c.is_ascii_alphanumeric() || b"_-[]".contains(&c);
    let (mut i, mut enriched, mut word_before) = (0, false, false);
    while i < b.len() {
        if stop(b[i]) {
            enriched |= b[i] == GS;
            i += 1;
            continue;
        }
        let head = i + b[i..]
            .iter()
            .position(|&c| c == b'=' || stop(c))
            .unwrap_or(b.len() - i);
        let key_len = b[i..head]
            .iter()
            .rev()
            .take_while(|&&c| key_byte(c))
            .count();
        let key_start = head - key_len;
        if b.get(head) != Some(&b'=') || key_len == 0 {
            if head > i {
                words.push(&body[i..head]);
                word_before = true;
            }
            i = head + usize::from(b.get(head) == Some(&b'='));
            continue;
        }
        let mut key = body[key_start..head].to_string();
        let login = rec.rtype == "LOGIN" && word_before && key_start == i;
        if login && let Some(w) = words.pop_if(|w| *w == "old" || *w == "new") {
            key = format!("{w}_{key}"); // old LOGIN form: `old auid=… new auid=…`
        }
        word_before = false;
        let v = head + 1;
        let (raw, next) = match b.get(v) {
            Some(&q) if q == b'"' || q == b'\'' => match b[v + 1..].iter().position(|&c| c == q) {
                Some(p) => (&body[v..v + p + 2], v + p + 2),
                None => {
                    let end = b[v..]
                        .iter()
                        .position(|&c| c == GS)
                        .map_or(b.len(), |p| v + p);
                    (&body[v..end], end)
                }
            },
            _ => {
                let end = b[v..]
                    .iter()
                    .position(|&c| c == GS || c.is_ascii_whitespace());
                bare_value(&body[v..], end.unwrap_or(b.len() - v), v)
            }
        };
        i = next;
        if enriched || is_enriched_key(&key) {
            rec.enriched.push((key, raw.to_string()));
            continue;
        }
        let inner = (key == "msg" && raw.starts_with('\'') && outer).then(|| unquote(raw));
        rec.fields.push((key, raw.to_string()));
        if let Some(inner) = inner {
            tokenize(inner, rec, words, false);
        }
    }
}

/// The bare value that starts `rest` (at `start` in the body) and is `len` bytes long, and
/// where the next token starts. `(null)` glued to an enriched key (`(null)ARCH=x86_64`) is
/// split off; old-format `?,` and `success)` lose their trailing `,` or `)`.
fn bare_value(rest: &str, len: usize, start: usize) -> (&str, usize) {
    let v = &rest[..len];
    for lit in ["(null)", "(none)"] {
        if v.len() > lit.len() && v.starts_with(lit) && v.contains('=') {
            return (lit, start + lit.len());
        }
    }
    let v = v.strip_suffix(',').unwrap_or(v);
    let v = if v.contains('(') {
        v
    } else {
        v.strip_suffix(')').unwrap_or(v)
    };
    (v, start + len)
}

/// SELinux `avc:  denied  { read write } for …` → `seresult=denied seperms=read,write`.
fn selinux_avc(rec: &mut Record, words: &[&str]) {
    let Some(a) = words.iter().position(|w| *w == "avc:") else {
        return;
    };
    let (Some(result), Some(open)) = (words.get(a + 1), words.iter().position(|w| *w == "{"))
    else {
        return;
    };
    let perms = words.get(open + 1..).unwrap_or_default().iter();
    let perms: Vec<&str> = perms.take_while(|w| **w != "}").copied().collect();
    rec.fields.push(("seresult".into(), result.to_string()));
    rec.fields.push(("seperms".into(), perms.join(",")));
}

#[cfg(test)]
#[path = "testutil.rs"]
pub mod testutil;

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;
