//! One Sysmon event as rows: process create and terminate, network connections, file
//! create and delete, raw device reads; the other event ids are counted as not mapped.
//!
//! The process key is `source_process_key(host, "sysmon", guid)` of the `ProcessGuid`
//! (braces dropped, lowercase), the parent's that of `ParentProcessGuid`; the all-zero GUID
//! Sysmon writes for a parent it did not see is no key.

use std::net::IpAddr;
use std::str::FromStr;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::SOURCE;
use super::xml::{Parsed, is_none};
use crate::import::values::text_time_ns;
use crate::import::{Emit, NO_HOST, Why, skip};
use crate::schema::{
    EventKind, FileDetail, NetDetail, Origin, ProcessInfo, Protocol, source_process_key,
};

/// Data fields every mapped event reads (the rest goes to `extra`).
const COMMON: &[&str] = &["UtcTime", "ProcessGuid", "ProcessId", "Image", "User"];

/// The rows of one event; `hint` is the host its wrapper names.
pub fn map(p: &Parsed, hint: Option<&str>, out: &mut Emit) -> Result<(), Why> {
    let Some(id) = p.event_id.as_deref().and_then(|s| s.parse::<u32>().ok()) else {
        return Err(skip("not a Sysmon event", "no numeric System/EventID"));
    };
    if !matches!(id, 1 | 3 | 5 | 9 | 11 | 23 | 26) {
        return Err(Why::Unmapped(format!("sysmon event {id}")));
    }
    let Some(host) = out.host_of(p.computer.as_deref().or(hint)) else {
        return Err(skip(
            NO_HOST,
            "the event has no <Computer> and its line no host; name the host with --host",
        ));
    };
    let time = p
        .get("UtcTime")
        .and_then(text_time_ns)
        .or_else(|| p.time_created.as_deref().and_then(text_time_ns));
    let Some(time) = time else {
        return Err(skip("no time", format!("event {id} without UtcTime")));
    };
    let mut info = process(p, &host);
    let o = Origin::new(&host, None, SOURCE);
    let (mut used, mut extra) = (COMMON.to_vec(), Map::new());
    let ev = match id {
        1 => {
            used.extend([
                "CommandLine",
                "CurrentDirectory",
                "LogonId",
                "ParentProcessGuid",
                "ParentProcessId",
                "Hashes",
            ]);
            // Sysmon for Linux joins argv with single spaces, quoting nothing: splitting at
            // each space gives argv back exactly, unless an argument held a space.
            info.argv = p
                .get("CommandLine")
                .map(|c| c.split(' ').map(str::to_string).collect())
                .unwrap_or_default();
            info.cwd = p.get("CurrentDirectory").map(str::to_string);
            info.ppid = num(p.get("ParentProcessId"));
            info.parent_key = key(&host, p.get("ParentProcessGuid"));
            info.start_time = Some(time);
            match p.get("LogonId").map(str::trim) {
                // On Linux the LogonId is the uid (Windows writes a hex logon session).
                Some(l) if l.bytes().all(|b| b.is_ascii_digit()) => info.uid = l.parse().ok(),
                Some(l) => {
                    extra.insert("LogonId".into(), l.into());
                }
                None => {}
            }
            let (sha256, rest) = hashes(p.get("Hashes"));
            if !rest.is_empty() {
                extra.insert("Hashes".into(), rest.join(",").into());
            }
            o.exec(time, None, Arc::new(info), sha256)
        }
        5 => o.exit(time, None, Arc::new(info), None),
        3 => {
            used.extend([
                "Protocol",
                "Initiated",
                "SourceIp",
                "SourcePort",
                "DestinationIp",
                "DestinationPort",
            ]);
            let protocol = match p.get("Protocol").map(str::trim) {
                Some(t) if t.eq_ignore_ascii_case("tcp") => Protocol::Tcp,
                Some(u) if u.eq_ignore_ascii_case("udp") => Protocol::Udp,
                Some(other) => return Err(Why::Unmapped(format!("sysmon event 3 {other}"))),
                None => return Err(skip("incomplete event", "NetworkConnect without Protocol")),
            };
            // Source is the initiator in both directions: for an inbound connection
            // (Initiated false) the remote side, for an outbound one this process.
            let inbound = p
                .get("Initiated")
                .is_some_and(|i| i.trim().eq_ignore_ascii_case("false"));
            let kind = if inbound {
                EventKind::NetAccept
            } else {
                EventKind::NetConnect
            };
            let src = endpoint(p, "SourceIp", "SourcePort");
            let dst = endpoint(p, "DestinationIp", "DestinationPort");
            o.net(
                time,
                kind,
                None,
                Arc::new(info),
                NetDetail::new(protocol, src, dst),
            )
        }
        _ => {
            // 9 RawAccessRead (a block device opened for reading), 11 FileCreate,
            // 23 FileDelete (archived), 26 FileDeleteDetected.
            let (field, kind) = match id {
                9 => ("Device", EventKind::FileOpenRead),
                11 => ("TargetFilename", EventKind::FileCreate),
                _ => ("TargetFilename", EventKind::FileUnlink),
            };
            used.push(field);
            let Some(path) = p.get(field) else {
                return Err(skip(
                    "incomplete event",
                    format!("event {id} without {field}"),
                ));
            };
            o.file(time, kind, None, Arc::new(info), FileDetail::path(path))
        }
    };
    for (k, v) in &p.data {
        if !is_none(v) && !used.contains(&k.as_str()) {
            extra.entry(k.clone()).or_insert_with(|| v.clone().into());
        }
    }
    if let Some(r) = &p.record_id {
        extra.insert("EventRecordID".into(), Value::from(r.clone()));
    }
    if let Some(t) = &p.time_created {
        extra.insert("TimeCreated".into(), Value::from(t.clone()));
    }
    out.event(ev.with_extra(Some(extra)))?;
    Ok(())
}

/// What every event says of its process.
fn process(p: &Parsed, host: &str) -> ProcessInfo {
    let exe = p.get("Image").map(str::to_string);
    ProcessInfo {
        pid: num(p.get("ProcessId")),
        comm: exe
            .as_deref()
            .and_then(|e| e.rsplit('/').next())
            .map(|c| c.chars().take(15).collect()),
        exe,
        user_name: p.get("User").map(str::to_string),
        key: key(host, p.get("ProcessGuid")),
        ..Default::default()
    }
}

/// The process key of a Sysmon GUID on `host`.
pub fn key(host: &str, guid: Option<&str>) -> Option<String> {
    let g = guid?.trim().trim_start_matches('{').trim_end_matches('}');
    let g = g.to_ascii_lowercase();
    if g.is_empty() || g.bytes().all(|b| b == b'0' || b == b'-') {
        return None;
    }
    Some(source_process_key(host, SOURCE, &g))
}

fn num<T: FromStr>(v: Option<&str>) -> Option<T> {
    v?.trim().parse().ok()
}

fn endpoint(p: &Parsed, ip: &str, port: &str) -> Option<(IpAddr, u16)> {
    let ip = p.get(ip)?.trim();
    // A zone (`fe80::1%eth0`) names the interface, not the address.
    let ip = ip.split('%').next().unwrap_or(ip);
    Some((ip.parse().ok()?, num(p.get(port))?))
}

/// The SHA-256 of `Hashes` (`SHA256=…,MD5=…`), lowercase, and the other entries.
fn hashes(v: Option<&str>) -> (Option<String>, Vec<String>) {
    let (mut sha, mut rest) = (None, Vec::new());
    for h in v.unwrap_or_default().split(',').map(str::trim) {
        match h.split_once('=') {
            Some((alg, hex))
                if sha.is_none()
                    && alg.trim().eq_ignore_ascii_case("sha256")
                    && hex.trim().len() == 64
                    && hex.trim().bytes().all(|b| b.is_ascii_hexdigit()) =>
            {
                sha = Some(hex.trim().to_ascii_lowercase());
            }
            _ if !h.is_empty() => rest.push(h.to_string()),
            _ => {}
        }
    }
    (sha, rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_are_keys_without_braces_or_case_and_zero_is_none() {
        let a = key("h", Some("{49E2A5F6-A597-61D4-5D6A-98D813560000}"));
        assert_eq!(a, key("h", Some("49e2a5f6-a597-61d4-5d6a-98d813560000")));
        assert_eq!(
            a,
            Some(source_process_key(
                "h",
                "sysmon",
                "49e2a5f6-a597-61d4-5d6a-98d813560000"
            ))
        );
        assert_ne!(
            a,
            key("other", Some("49e2a5f6-a597-61d4-5d6a-98d813560000"))
        );
        assert_eq!(
            key("h", Some("{00000000-0000-0000-0000-000000000000}")),
            None
        );
        assert_eq!(key("h", Some("{}")), None);
    }

    #[test]
    fn hashes_give_the_sha256_and_keep_the_rest() {
        let sha = "A".repeat(64);
        let (s, rest) = hashes(Some(&format!("MD5=0123,SHA256={sha},IMPHASH=99")));
        assert_eq!(s, Some("a".repeat(64)));
        assert_eq!(rest, ["MD5=0123", "IMPHASH=99"]);
        let (s, rest) = hashes(Some("SHA256=short"));
        assert_eq!((s, rest), (None, vec!["SHA256=short".to_string()]));
    }
}
