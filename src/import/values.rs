//! Reading the values tools write, whatever their type: times as RFC 3339 with or without a
//! zone, as epoch seconds, ms, µs or ns (numbers or strings); integers as numbers or strings
//! (beyond the target type: none, not a wrap); argument strings split like a shell would.

use chrono::{DateTime, NaiveDateTime};
use serde_json::{Map, Value};

/// A time in ns since the epoch: RFC 3339 (`…Z`, `…+02:00`, or no zone = UTC, with `T` or a
/// space), or an epoch number whose size says its unit (s, ms, µs, ns).
pub fn time_ns(v: &Value) -> Option<i64> {
    match v {
        Value::String(s) => text_time_ns(s),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                epoch_ns(i)
            } else {
                n.as_f64().and_then(epoch_f64_ns)
            }
        }
        _ => None,
    }
}

/// [`time_ns`] of a string.
pub fn text_time_ns(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return dt.timestamp_nanos_opt();
    }
    for f in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(s, f) {
            return dt.and_utc().timestamp_nanos_opt();
        }
    }
    if let Ok(i) = s.parse::<i64>() {
        return epoch_ns(i);
    }
    s.parse::<f64>().ok().and_then(epoch_f64_ns)
}

/// An epoch integer in s, ms, µs or ns, by its size (years 1973–2286 in each unit).
pub fn epoch_ns(i: i64) -> Option<i64> {
    let a = i.checked_abs()?;
    if a < 10_000_000_000 {
        i.checked_mul(1_000_000_000)
    } else if a < 10_000_000_000_000 {
        i.checked_mul(1_000_000)
    } else if a < 10_000_000_000_000_000 {
        i.checked_mul(1_000)
    } else {
        Some(i)
    }
}

/// Fractional epoch seconds, to the microsecond (what an f64 holds of a date today).
fn epoch_f64_ns(f: f64) -> Option<i64> {
    if !f.is_finite() || f.abs() >= 1e10 {
        return None;
    }
    Some((f * 1e6).round() as i64 * 1_000)
}

/// An integer from a number or a numeric string; `None` when absent, fractional or out of
/// the range of `T`.
pub fn int<T: TryFrom<i64>>(v: Option<&Value>) -> Option<T> {
    let i = match v? {
        Value::Number(n) => n.as_i64()?,
        Value::String(s) => s.trim().parse::<i64>().ok()?,
        _ => return None,
    };
    T::try_from(i).ok()
}

/// A non-empty string (numbers as their text).
pub fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Percent-encoding undone (Laurel's fields, URL queries): `%ff` → the byte 0xff; a `%` not
/// followed by two hex digits is kept.
pub fn percent_bytes(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let pair = b
            .get(i + 1..i + 3)
            .and_then(|p| std::str::from_utf8(p).ok());
        match pair.and_then(|p| u8::from_str_radix(p, 16).ok()) {
            Some(byte) if b[i] == b'%' => {
                out.push(byte);
                i += 3;
            }
            _ => {
                out.push(b[i]);
                i += 1;
            }
        }
    }
    out
}

/// [`percent_bytes`] as text (lossy UTF-8, as the raw importer decodes hex).
pub fn percent_decoded(s: &str) -> String {
    String::from_utf8_lossy(&percent_bytes(s)).into_owned()
}

/// The `key=value` pairs of a URL query (`a=1&b=x%2Fy`), decoded (`+` is a space), in order;
/// a key may come more than once (`command=sh&command=-c`).
pub fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            let d = |s: &str| percent_decoded(&s.replace('+', " "));
            (d(k), d(v))
        })
        .collect()
}

/// The object under `k`.
pub fn obj<'a>(o: &'a Map<String, Value>, k: &str) -> Option<&'a Map<String, Value>> {
    o.get(k).and_then(Value::as_object)
}

/// The non-empty string under `k`.
pub fn str_of<'a>(o: &'a Map<String, Value>, k: &str) -> Option<&'a str> {
    o.get(k).and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// The exit code a `wait(2)` status says: the code of a normal exit, 128 + the signal of a
/// death by signal (what a shell's `$?` shows).
pub fn wait_status_code(status: i32) -> i32 {
    match status & 0x7f {
        0 => (status >> 8) & 0xff,
        sig => 128 + sig,
    }
}

/// Audit's "unset" login uid (`(uid_t)-1`) as none.
pub fn login_uid(v: Option<u32>) -> Option<u32> {
    v.filter(|u| *u != u32::MAX)
}

/// Splits an argument string the way a POSIX shell splits words: blanks separate, single
/// quotes keep everything, double quotes keep all but `\"` and `\\`, a backslash escapes the
/// next character. An unclosed quote runs to the end.
pub fn shell_words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut has = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\n' => {
                if has {
                    out.push(std::mem::take(&mut cur));
                    has = false;
                }
            }
            '\'' => {
                has = true;
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    cur.push(c);
                }
            }
            '"' => {
                has = true;
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => match chars.next() {
                            Some(n @ ('"' | '\\')) => cur.push(n),
                            Some(n) => {
                                cur.push('\\');
                                cur.push(n);
                            }
                            None => cur.push('\\'),
                        },
                        _ => cur.push(c),
                    }
                }
            }
            '\\' => {
                has = true;
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            _ => {
                has = true;
                cur.push(c);
            }
        }
    }
    if has {
        out.push(cur);
    }
    out
}

/// Splits a Windows command line the way the C runtime builds `argv` (Microsoft's "Parsing
/// C++ command-line arguments"): blanks separate outside double quotes; `argv[0]`, the
/// program, ends at the first blank outside quotes and takes backslashes as they are; later,
/// `2n` backslashes before `"` are `n` backslashes and the quote opens or closes, `2n+1` are
/// `n` and a literal `"`, other backslashes are literal, and `""` inside quotes is a `"`.
pub fn windows_args(s: &str) -> Vec<String> {
    let blank = |c: char| c == ' ' || c == '\t';
    let mut chars = s.trim_start_matches(blank).chars().peekable();
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in chars.by_ref() {
        match c {
            '"' => quoted = !quoted,
            c if blank(c) && !quoted => break,
            c => cur.push(c),
        }
    }
    if !s.trim_matches(blank).is_empty() {
        out.push(std::mem::take(&mut cur));
    }
    let (mut has, mut quoted) = (false, false);
    while let Some(c) = chars.next() {
        match c {
            c if blank(c) && !quoted => {
                if has {
                    out.push(std::mem::take(&mut cur));
                    has = false;
                }
            }
            '\\' => {
                has = true;
                let mut n = 1;
                while chars.next_if_eq(&'\\').is_some() {
                    n += 1;
                }
                if chars.peek() == Some(&'"') {
                    cur.extend(std::iter::repeat_n('\\', n / 2));
                    if n % 2 == 1 {
                        chars.next();
                        cur.push('"');
                    }
                } else {
                    cur.extend(std::iter::repeat_n('\\', n));
                }
            }
            '"' => {
                has = true;
                if quoted && chars.next_if_eq(&'"').is_some() {
                    cur.push('"');
                } else {
                    quoted = !quoted;
                }
            }
            c => {
                has = true;
                cur.push(c);
            }
        }
    }
    if has {
        out.push(cur);
    }
    out
}

/// open(2) flags of Linux (x86-64, arm64 share them), by name.
const OPEN_FLAGS: [(&str, u32); 19] = [
    ("O_RDONLY", 0),
    ("O_WRONLY", 0o1),
    ("O_RDWR", 0o2),
    ("O_CREAT", 0o100),
    ("O_EXCL", 0o200),
    ("O_NOCTTY", 0o400),
    ("O_TRUNC", 0o1000),
    ("O_APPEND", 0o2000),
    ("O_NONBLOCK", 0o4000),
    ("O_DSYNC", 0o10000),
    ("O_DIRECT", 0o40000),
    ("O_LARGEFILE", 0o100000),
    ("O_DIRECTORY", 0o200000),
    ("O_NOFOLLOW", 0o400000),
    ("O_NOATIME", 0o1000000),
    ("O_CLOEXEC", 0o2000000),
    ("O_SYNC", 0o4010000),
    ("O_PATH", 0o10000000),
    ("O_TMPFILE", 0o20200000),
];

/// Open flags written as a number or as names joined by `|` (`O_WRONLY|O_CREAT`); `None`
/// when a name is unknown.
pub fn open_flags(s: &str) -> Option<u32> {
    if let Ok(n) = s.trim().parse::<u32>() {
        return Some(n);
    }
    s.split('|').try_fold(0u32, |acc, name| {
        let name = name.trim();
        OPEN_FLAGS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| acc | v)
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn times_in_every_form_tools_write() {
        let ns = 1_642_609_742_021_000_000;
        assert_eq!(time_ns(&json!("2022-01-19T16:29:02.021Z")), Some(ns));
        assert_eq!(time_ns(&json!("2022-01-19T17:29:02.021+01:00")), Some(ns));
        assert_eq!(time_ns(&json!("2022-01-19 16:29:02.021")), Some(ns));
        assert_eq!(time_ns(&json!("2022-01-19T16:29:02.021")), Some(ns));
        assert_eq!(time_ns(&json!(1_642_609_742_021i64)), Some(ns));
        assert_eq!(time_ns(&json!(ns)), Some(ns));
        assert_eq!(
            time_ns(&json!("1642609742")),
            Some(1_642_609_742_000_000_000)
        );
        assert_eq!(time_ns(&json!(1_642_609_742.021)), Some(ns));
        assert_eq!(time_ns(&json!("yesterday")), None);
        assert_eq!(time_ns(&json!(i64::MIN)), None);
        assert_eq!(time_ns(&json!(1e300)), None);
    }

    #[test]
    fn integers_out_of_range_are_none_not_wrapped() {
        assert_eq!(int::<i32>(Some(&json!(42))), Some(42));
        assert_eq!(int::<i32>(Some(&json!("42"))), Some(42));
        assert_eq!(int::<u32>(Some(&json!(4_294_967_295u64))), Some(u32::MAX));
        assert_eq!(int::<i32>(Some(&json!(4_294_967_295u64))), None);
        assert_eq!(
            int::<i64>(Some(&json!(18_446_744_073_709_551_615u64))),
            None
        );
        assert_eq!(int::<u16>(Some(&json!(-1))), None);
        assert_eq!(int::<i32>(Some(&json!(1.5))), None);
        assert_eq!(login_uid(Some(u32::MAX)), None);
    }

    #[test]
    fn wait_statuses_read_as_a_shell_shows_them() {
        assert_eq!(wait_status_code(0), 0);
        assert_eq!(wait_status_code(1 << 8), 1);
        assert_eq!(wait_status_code(255 << 8), 255);
        // Killed by SIGKILL, and by SIGSEGV with a core dump (0x80).
        assert_eq!(wait_status_code(9), 137);
        assert_eq!(wait_status_code(0x80 | 11), 139);
    }

    #[test]
    fn argument_strings_split_like_a_shell() {
        assert_eq!(
            shell_words("-c \"curl https://ebpf.io/applications/#tetragon\""),
            ["-c", "curl https://ebpf.io/applications/#tetragon"]
        );
        assert_eq!(
            shell_words("a  'b c' d\\ e \"x\\\"y\""),
            ["a", "b c", "d e", "x\"y"]
        );
        assert_eq!(shell_words("''"), [""]);
        assert_eq!(shell_words("unclosed \"quote"), ["unclosed", "quote"]);
        assert!(shell_words("   ").is_empty());
    }

    #[test]
    fn windows_command_lines_split_like_the_c_runtime() {
        // Microsoft's table of examples, after a program name.
        for (line, want) in [
            (r#""a b c" d e"#, vec!["a b c", "d", "e"]),
            (r#""ab\"c" "\\" d"#, vec![r#"ab"c"#, "\\", "d"]),
            (r#"a\\\b d"e f"g h"#, vec![r"a\\\b", "de fg", "h"]),
            (r#"a\\\"b c d"#, vec![r#"a\"b"#, "c", "d"]),
            (r#"a\\\\"b c" d e"#, vec![r"a\\b c", "d", "e"]),
            (r#"a"b"" c d"#, vec![r#"ab" c d"#]),
        ] {
            let got = windows_args(&format!(r#""C:\Program Files\x.exe" {line}"#));
            assert_eq!(got[0], r"C:\Program Files\x.exe", "{line}");
            assert_eq!(got[1..], want, "{line}");
        }
        // The program name takes backslashes as they are and ends at a blank.
        assert_eq!(
            windows_args(r"  C:\Windows\system32\svchost.exe -k  netsvcs"),
            [r"C:\Windows\system32\svchost.exe", "-k", "netsvcs"]
        );
        assert_eq!(windows_args(r#"x.exe """#), ["x.exe", ""]);
        assert!(windows_args(" \t").is_empty());
    }

    #[test]
    fn open_flags_by_name_or_number() {
        assert_eq!(open_flags("O_RDONLY|O_CLOEXEC"), Some(0o2000000));
        assert_eq!(open_flags("O_WRONLY | O_CREAT|O_TRUNC"), Some(0o1101));
        assert_eq!(open_flags("577"), Some(577));
        assert_eq!(open_flags("O_RDONLY|O_WHATEVER"), None);
    }
}
