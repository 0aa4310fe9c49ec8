//! Laurel's JSON lines (`/var/log/laurel/audit.log`): the audit events Laurel reassembled,
//! one object per event, mapped exactly as raw audit logs are ([`super::map`]).
//!
//! Each object is turned back into the [`Record`]s auditd logged: `SYSCALL`, `EXECVE`, `CWD`,
//! `PROCTITLE` are single objects, `PATH`, `SOCKADDR` and every other record type lists of
//! them; `ID` is the `msg=audit(…)` stamp, `NODE` the node. Laurel's encodings are undone:
//! percent-encoded bytes (`%ff`), `0x…` hex and `0o…` octal numbers, `SYSCALL.ARGV` (a0–a3),
//! `EXECVE.ARGV` (or the space-joined `ARGV_STR`), `PROCTITLE.ARGV`, a parsed `saddr`
//! object. All-caps keys are enrichments (auditd's ENRICHED names or Laurel's own); with
//! `drop-raw`, `SYSCALL`/`ARCH` names stand in for the numbers. `CONTAINER_INFO.ID` names the
//! container; Laurel's other enrichments (`PPID`/`PARENT_INFO`, labels, environment, systemd
//! unit) are kept in `extra`.

use std::io::BufRead;

use serde_json::{Map, Value};

use super::assemble::AuditEvent;
use super::map::{Context, Mapper};
use super::parse::{Record, is_encoded_field, is_enriched_key, parse_stamp};
use super::syscalls;
use crate::import::json::{At, each_value, first_value};
use crate::import::values::{percent_bytes, percent_decoded};
use crate::import::{Emit, ImportError, Importer, skip};
use crate::ingest::identity::parse_container_ref;

/// The importer.
pub struct Laurel;

/// The source name rows carry.
const SOURCE: &str = "laurel";

/// Record types an event of Laurel's holds (one is enough to tell the format).
const RECORD_TYPES: &[&str] = &["SYSCALL", "EXECVE", "CWD", "PATH", "PROCTITLE", "SOCKADDR"];

impl Importer for Laurel {
    fn name(&self) -> &'static str {
        SOURCE
    }

    fn about(&self) -> &'static str {
        "Laurel's JSON audit logs (auditd events reassembled and enriched by Laurel)"
    }

    fn sniff(&self, head: &[u8]) -> bool {
        let Some(Value::Object(o)) = first_value(head) else {
            return false;
        };
        let stamp = o.get("ID").and_then(Value::as_str);
        stamp.is_some_and(|s| parse_stamp(s).is_ok())
            && o.keys()
                .any(|k| RECORD_TYPES.contains(&k.as_str()) || is_record_type(k))
    }

    fn import(&self, input: &mut dyn BufRead, out: &mut Emit) -> Result<(), ImportError> {
        let mut map = Mapper::new(SOURCE);
        each_value(input, out, |at, v, out| {
            let (ev, ctx) = event(v, at).map_err(|why| skip("malformed Laurel event", why))?;
            Ok(map.event(&ev, ctx, out)?)
        })
    }
}

/// A record type name: `SYSCALL`, `USER_LOGIN`, `OBJ_PID`, `UNKNOWN[1334]`.
fn is_record_type(k: &str) -> bool {
    let name = k.strip_prefix("UNKNOWN[").unwrap_or(k);
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_' || b == b']')
}

/// The event one Laurel object holds, and what it says beyond its records.
pub fn event(v: &Value, at: At) -> Result<(AuditEvent, Context), String> {
    let o = v.as_object().ok_or("not a JSON object")?;
    let id = o.get("ID").and_then(Value::as_str).ok_or("no ID")?;
    let (time_ns, serial) = parse_stamp(id).map_err(|e| format!("ID {id:?}: {e}"))?;
    let node = o.get("NODE").and_then(Value::as_str).map(percent_decoded);
    let mut ctx = Context::default();
    let mut records = Vec::new();
    let blank = Record {
        rtype: String::new(),
        time_ns,
        serial,
        node: node.clone(),
        fields: Vec::new(),
        enriched: Vec::new(),
        text: String::new(),
        line: at.line,
        offset: at.offset,
    };
    for (k, val) in o {
        match (k.as_str(), val) {
            ("ID" | "NODE", _) => {}
            ("CONTAINER_INFO", info) => {
                let id = ["ID", "id", "container_id"]
                    .iter()
                    .find_map(|f| info.get(f).and_then(Value::as_str));
                ctx.container = id.map(|i| parse_container_ref(i).0);
                ctx.extra.insert("container_info".into(), info.clone());
            }
            (rtype, Value::Object(body)) if is_record_type(rtype) => {
                records.push(record(&blank, rtype, body, &mut ctx));
            }
            (rtype, Value::Array(items)) if is_record_type(rtype) => {
                for body in items.iter().filter_map(Value::as_object) {
                    records.push(record(&blank, rtype, body, &mut ctx));
                }
            }
            (other, val) => {
                ctx.extra.insert(other.to_string(), val.clone());
            }
        }
    }
    if records.is_empty() {
        return Err("no audit records".into());
    }
    let ev = AuditEvent {
        serial,
        time_ns,
        node,
        records,
        late: false,
    };
    Ok((ev, ctx))
}

/// One record of type `rtype` from its JSON body, values as auditd logs them.
fn record(blank: &Record, rtype: &str, body: &Map<String, Value>, ctx: &mut Context) -> Record {
    let mut r = Record {
        rtype: rtype.to_string(),
        ..blank.clone()
    };
    for (k, v) in body {
        match (rtype, k.as_str(), v) {
            ("SYSCALL", "ARGV", Value::Array(args)) => {
                for (i, a) in args.iter().enumerate().take(4) {
                    let a = scalar(a).unwrap_or_default();
                    let hex = a.strip_prefix("0x").unwrap_or(&a).to_string();
                    r.fields.push((format!("a{i}"), hex));
                }
            }
            ("EXECVE", "ARGV", Value::Array(args)) => argv(&mut r, args.iter().map(scalar)),
            ("EXECVE", "ARGV_STR", Value::String(s)) => {
                // Laurel joined the arguments with spaces: where one had a space, the split
                // is wrong, so the string is kept as it came.
                argv(&mut r, s.split(' ').map(|a| Some(a.to_string())));
                ctx.extra
                    .insert("argv_str".into(), percent_decoded(s).into());
            }
            ("PROCTITLE", "ARGV", Value::Array(args)) => {
                let parts: Vec<Vec<u8>> = args
                    .iter()
                    .map(|a| percent_bytes(&scalar(a).unwrap_or_default()))
                    .collect();
                r.fields.push(("proctitle".into(), hex(&parts.join(&0u8))));
            }
            (_, "saddr", v) => {
                if let Some(h) = sockaddr_hex(v) {
                    r.fields.push(("saddr".into(), h));
                }
            }
            (_, _, Value::Object(_) | Value::Array(_)) => {
                ctx.extra.insert(format!("{rtype}.{k}"), v.clone());
            }
            (_, _, v) if is_enriched_key(k) => {
                r.enriched.push((k.clone(), scalar(v).unwrap_or_default()));
            }
            (_, _, v) => {
                let value = logged(rtype, k, v);
                r.fields.push((k.clone(), value));
            }
        }
    }
    if rtype == "SYSCALL" && r.get("syscall").is_none() {
        // drop-raw: only the names are left.
        let arch = r
            .get("arch")
            .map(str::to_string)
            .or(r.enriched("ARCH").map(str::to_string));
        let name = r.enriched("SYSCALL").map(str::to_string);
        if let (Some(arch), Some(name)) = (arch, name)
            && let Some(nr) = syscalls::number(&arch, &name)
        {
            if r.get("arch").is_none() {
                r.fields.push(("arch".into(), arch));
            }
            r.fields.push(("syscall".into(), nr.to_string()));
        }
    }
    r
}

/// EXECVE arguments as `argc` and quoted `aN` fields.
fn argv(r: &mut Record, args: impl Iterator<Item = Option<String>>) {
    let args: Vec<String> = args.map(|a| a.unwrap_or_default()).collect();
    if r.get("argc").is_none() {
        r.fields.push(("argc".into(), args.len().to_string()));
    }
    for (i, a) in args.iter().enumerate() {
        r.fields
            .push((format!("a{i}"), quoted(&percent_decoded(a))));
    }
}

/// A JSON scalar as text; `None` for objects and arrays.
fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null => Some("(null)".into()),
        _ => None,
    }
}

/// A value as auditd logs it: text quoted (so that hex-encodable fields read as text),
/// Laurel's `0x…` hex and `0o…` octal numbers bare in auditd's radix, `null` as `(null)`.
fn logged(rtype: &str, key: &str, v: &Value) -> String {
    let Value::String(s) = v else {
        return scalar(v).unwrap_or_default();
    };
    if !is_encoded_field(rtype, key) {
        if let Some(h) = s.strip_prefix("0x") {
            return h.to_string();
        }
        if let Some(o) = s.strip_prefix("0o") {
            return format!("0{o}");
        }
    }
    quoted(&percent_decoded(s))
}

fn quoted(s: &str) -> String {
    format!("\"{s}\"")
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02X}")).collect()
}

/// A `saddr` as auditd logs it (hex of the `struct sockaddr`): from Laurel's parsed object
/// (`{"family": "inet", "addr": …, "port": …}`, `inet6`, `local` with `path`), from the raw
/// bytes percent-encoded (what Laurel writes when it cannot parse them), or from hex.
fn sockaddr_hex(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit()) => {
            Some(s.clone())
        }
        Value::String(s) => Some(hex(&percent_bytes(s))),
        Value::Object(o) => {
            let family = o.get("family").and_then(Value::as_str)?;
            let addr = ["addr", "address", "ip"]
                .iter()
                .find_map(|k| o.get(*k).and_then(Value::as_str));
            let port = o.get("port").and_then(Value::as_u64).unwrap_or(0) as u16;
            let mut b = Vec::new();
            match family {
                "inet" | "ipv4" => {
                    let ip: std::net::Ipv4Addr = addr?.parse().ok()?;
                    b.extend([2, 0]);
                    b.extend(port.to_be_bytes());
                    b.extend(ip.octets());
                    b.extend([0; 8]);
                }
                "inet6" | "ipv6" => {
                    let ip: std::net::Ipv6Addr = addr?.trim_matches(['[', ']']).parse().ok()?;
                    b.extend([10, 0]);
                    b.extend(port.to_be_bytes());
                    b.extend([0; 4]);
                    b.extend(ip.octets());
                    b.extend([0; 4]);
                }
                "local" | "unix" => {
                    let path = o.get("path").and_then(Value::as_str)?;
                    b.extend([1, 0]);
                    b.extend(percent_bytes(path));
                    b.push(0);
                }
                _ => return None,
            }
            Some(hex(&b))
        }
        _ => None,
    }
}

#[cfg(test)]
#[path = "laurel_tests.rs"]
mod tests;
