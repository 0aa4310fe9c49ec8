//! One result row's columns read by name, whatever osquery wrote (strings, or numbers under
//! `--logger_numerics`; the empty string for a missing value). A column read into a schema
//! column is marked; the rest ([`Cols::rest`]) goes to `extra`, so nothing is dropped
//! unseen.

use std::net::IpAddr;

use serde_json::{Map, Value};

use super::super::values::{int, text, time_ns};

/// The columns of one row.
pub struct Cols<'a> {
    m: &'a Map<String, Value>,
    used: Vec<&'a str>,
}

/// Whether a value says nothing: osquery's empty string, or a JSON null.
fn blank(v: &Value) -> bool {
    v.is_null() || v.as_str().is_some_and(str::is_empty)
}

impl<'a> Cols<'a> {
    /// The columns of `m`, none read yet.
    pub fn new(m: &'a Map<String, Value>) -> Cols<'a> {
        Cols {
            m,
            used: Vec::new(),
        }
    }

    /// Marks `k` as held by a schema column (or as osquery's placeholder for none).
    pub fn mark(&mut self, k: &str) {
        if let Some((key, _)) = self.m.get_key_value(k)
            && !self.used.contains(&key.as_str())
        {
            self.used.push(key.as_str());
        }
    }

    /// The non-empty text of `k` (numbers as their text), not marked.
    pub fn peek(&self, k: &str) -> Option<String> {
        text(self.m.get(k))
    }

    /// The integer in `k`, not marked.
    pub fn peek_int(&self, k: &str) -> Option<i64> {
        int(self.m.get(k))
    }

    /// The non-empty text of `k`, marked.
    pub fn text(&mut self, k: &str) -> Option<String> {
        let v = text(self.m.get(k))?;
        self.mark(k);
        Some(v)
    }

    /// The integer in `k` when it fits `T`, marked.
    pub fn int<T: TryFrom<i64>>(&mut self, k: &str) -> Option<T> {
        let v = int(self.m.get(k))?;
        self.mark(k);
        Some(v)
    }

    /// A pid column: a non-negative pid, marked; osquery's `-1` ("cannot be determined") is
    /// marked and none.
    pub fn pid(&mut self, k: &str) -> Option<i32> {
        let v: i32 = int(self.m.get(k))?;
        self.mark(k);
        (v >= 0).then_some(v)
    }

    /// A system call's return value, as bpf tables print it (`-115`, or the same as an
    /// unsigned 64-bit number, `18446744073709551501`); not marked.
    pub fn ret(&self, k: &str) -> Option<i64> {
        match self.m.get(k)? {
            Value::Number(n) => n.as_i64().or_else(|| n.as_u64().map(|u| u as i64)),
            Value::String(s) => {
                let s = s.trim();
                s.parse::<i64>()
                    .ok()
                    .or_else(|| s.parse::<u64>().ok().map(|u| u as i64))
            }
            _ => None,
        }
    }

    /// Permission bits written in octal (`"0644"`, `"1777"`), marked.
    pub fn mode(&mut self, k: &str) -> Option<u32> {
        let s = text(self.m.get(k))?;
        let m = u32::from_str_radix(s.trim(), 8).ok()?;
        self.mark(k);
        Some(m)
    }

    /// A time in ns from `k` (epoch seconds, or any form [`time_ns`] reads); `0` is none.
    pub fn time(&mut self, k: &str) -> Option<i64> {
        let t = self.m.get(k).and_then(time_ns).filter(|t| *t > 0)?;
        self.mark(k);
        Some(t)
    }

    /// An address and port (`local_address`/`local_port`, …), both marked when both read.
    /// osquery's placeholder for the side it does not know (`"0"` or `""`, port 0) is marked
    /// and none.
    pub fn endpoint(&mut self, addr: &str, port: &str) -> Option<(IpAddr, u16)> {
        let a = self.peek(addr);
        let p = self.peek_int(port);
        if let (Some(ip), Some(p)) = (a.as_deref().and_then(|a| a.parse().ok()), p)
            && let Ok(p) = u16::try_from(p)
        {
            self.mark(addr);
            self.mark(port);
            return Some((ip, p));
        }
        if matches!(a.as_deref(), None | Some("0")) && matches!(p, None | Some(0)) {
            self.mark(addr);
            self.mark(port);
        }
        None
    }

    /// The columns not marked and not blank, as they were.
    pub fn rest(&self) -> Map<String, Value> {
        self.m
            .iter()
            .filter(|(k, v)| !self.used.contains(&k.as_str()) && !blank(v))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn strings_and_numbers_read_alike_and_the_rest_is_kept() {
        let m = map(
            json!({"pid": "42", "uid": 0, "parent": "-1", "mode": "0755",
            "cwd": "", "big": "99999999999999999999", "time": "1527895541"}),
        );
        let mut c = Cols::new(&m);
        assert_eq!(c.pid("pid"), Some(42));
        assert_eq!(c.int::<u32>("uid"), Some(0));
        assert_eq!(c.pid("parent"), None);
        assert_eq!(c.mode("mode"), Some(0o755));
        assert_eq!(c.text("cwd"), None);
        assert_eq!(c.int::<i64>("big"), None);
        assert_eq!(c.time("time"), Some(1_527_895_541_000_000_000));
        // Blank columns say nothing; what no column took stays, as written.
        assert_eq!(c.rest(), map(json!({"big": "99999999999999999999"})));
    }

    #[test]
    fn return_values_signed_or_unsigned_and_placeholder_endpoints() {
        let m = map(json!({"a": "18446744073709551501", "b": -115, "c": "0",
            "local_address": "0", "local_port": "0",
            "remote_address": "fe80:0000:0000:0000:0000:0000:0000:0001", "remote_port": 443}));
        let mut c = Cols::new(&m);
        assert_eq!(c.ret("a"), Some(-115));
        assert_eq!(c.ret("b"), Some(-115));
        assert_eq!(c.ret("c"), Some(0));
        assert_eq!(c.endpoint("local_address", "local_port"), None);
        let (ip, port) = c.endpoint("remote_address", "remote_port").unwrap();
        assert_eq!((ip.to_string().as_str(), port), ("fe80::1", 443));
        assert_eq!(c.rest().len(), 3, "{:?}", c.rest());
    }
}
