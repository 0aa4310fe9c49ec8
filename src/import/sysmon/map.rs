//! One Sysmon event as rows, for Sysmon for Linux and for Windows alike ([`Platform`] says
//! what differs): process create and terminate, network connections, DNS queries, file
//! create, stream create and delete, raw device reads; the other event ids are counted
//! as not mapped under their Sysmon name.
//!
//! The process key is `source_process_key(host, source, guid)` of the `ProcessGuid` (braces
//! dropped, lowercase), the parent's that of `ParentProcessGuid`; the all-zero GUID Sysmon
//! writes for a parent it did not see is no key.

use std::borrow::Cow;
use std::net::IpAddr;
use std::str::FromStr;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::xml::{Parsed, is_none};
use crate::import::values::{text_time_ns, windows_args};
use crate::import::{Emit, NO_HOST, Why, skip};
use crate::schema::{
    EventKind, FileDetail, HostKind, HostRecord, NetDetail, Origin, ProcessInfo, Protocol,
    source_process_key,
};

/// Which Sysmon wrote an event: the source its rows carry and how its fields read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    /// Sysmon for Linux (source `sysmon`).
    Linux,
    /// Sysmon for Windows (source `sysmon-windows`).
    Windows,
}

impl Platform {
    /// The `source` of its rows (and the importer's name).
    pub fn source(self) -> &'static str {
        match self {
            Platform::Linux => "sysmon",
            Platform::Windows => "sysmon-windows",
        }
    }

    /// `System/Provider/@Name` of its events.
    pub fn provider(self) -> &'static str {
        match self {
            Platform::Linux => "Linux-Sysmon",
            Platform::Windows => "Microsoft-Windows-Sysmon",
        }
    }

    /// The text of an event's bytes. Sysmon for Linux writes UTF-8 (a bad byte becomes
    /// U+FFFD); a Windows export that is not UTF-8 is in the ANSI code page, Windows-1252
    /// on western systems (Sysmon View writes it so).
    pub fn text(self, bytes: &[u8]) -> Cow<'_, str> {
        match (self, std::str::from_utf8(bytes)) {
            (_, Ok(s)) => Cow::Borrowed(s),
            (Platform::Linux, Err(_)) => String::from_utf8_lossy(bytes),
            (Platform::Windows, Err(_)) => {
                encoding_rs::WINDOWS_1252
                    .decode_without_bom_handling(bytes)
                    .0
            }
        }
    }

    /// The argument vector of a `CommandLine`. Sysmon for Linux joins argv with single spaces
    /// (splitting at each space gives it back, unless an argument held a space); Windows
    /// keeps the command line a process was given, which programs split by the C runtime's
    /// rules.
    fn argv(self, cmd: &str) -> Vec<String> {
        match self {
            Platform::Linux => cmd.split(' ').map(str::to_string).collect(),
            Platform::Windows => windows_args(cmd),
        }
    }

    /// The command name of an `Image`: its file name (cut to the kernel's 15 bytes on Linux).
    fn comm(self, image: &str) -> Option<String> {
        match self {
            Platform::Linux => image
                .rsplit('/')
                .next()
                .map(|c| c.chars().take(15).collect()),
            Platform::Windows => image.rsplit(['\\', '/']).next().map(str::to_string),
        }
    }

    /// What the host record of a host says: OS and kind. Sysmon for Linux names neither (and
    /// writes no host record). Windows Sysmon events say nothing of the machine's role: the
    /// importer is meant for workstations, so the kind is `laptop` unless a newer host record
    /// of the same host (a collector's, another import's) says otherwise.
    fn host(self) -> Option<(&'static str, HostKind)> {
        match self {
            Platform::Linux => None,
            Platform::Windows => Some(("Windows", HostKind::Laptop)),
        }
    }
}

/// Sysmon's name of each event id (its schema's `EventType` names).
pub fn event_name(id: u32) -> &'static str {
    match id {
        1 => "ProcessCreate",
        2 => "FileCreateTime",
        3 => "NetworkConnect",
        4 => "ServiceStateChange",
        5 => "ProcessTerminate",
        6 => "DriverLoad",
        7 => "ImageLoad",
        8 => "CreateRemoteThread",
        9 => "RawAccessRead",
        10 => "ProcessAccess",
        11 => "FileCreate",
        12 => "RegistryEvent (object create and delete)",
        13 => "RegistryEvent (value set)",
        14 => "RegistryEvent (key and value rename)",
        15 => "FileCreateStreamHash",
        16 => "ServiceConfigurationChange",
        17 => "PipeEvent (pipe created)",
        18 => "PipeEvent (pipe connected)",
        19 => "WmiEvent (filter)",
        20 => "WmiEvent (consumer)",
        21 => "WmiEvent (consumer to filter)",
        22 => "DNSQuery",
        23 => "FileDelete",
        24 => "ClipboardChange",
        25 => "ProcessTampering",
        26 => "FileDeleteDetected",
        27 => "FileBlockExecutable",
        28 => "FileBlockShredding",
        29 => "FileExecutableDetected",
        255 => "Error",
        _ => "unknown",
    }
}

/// Data fields every mapped event reads (the rest goes to `extra`).
const COMMON: &[&str] = &["UtcTime", "ProcessGuid", "ProcessId", "Image", "User"];

/// The rows of one event of `platform`'s Sysmon; `hint` is the host its wrapper names.
pub fn map(platform: Platform, p: &Parsed, hint: Option<&str>, out: &mut Emit) -> Result<(), Why> {
    let Some(id) = p.event_id.as_deref().and_then(|s| s.parse::<u32>().ok()) else {
        return Err(skip("not a Sysmon event", "no numeric System/EventID"));
    };
    // Another provider's event (a Security log read as EVTX): well-formed, not Sysmon's.
    if let Some(other) = p.provider.as_deref().filter(|n| *n != platform.provider()) {
        return Err(Why::Unmapped(format!("{other} event {id}")));
    }
    if !matches!(id, 1 | 3 | 5 | 9 | 11 | 15 | 22 | 23 | 26) {
        return Err(Why::Unmapped(format!(
            "sysmon event {id} ({})",
            event_name(id)
        )));
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
    let mut info = process(platform, p, &host);
    let o = Origin::new(&host, None, platform.source());
    let (mut used, mut extra) = (COMMON.to_vec(), Map::new());
    let ev = match id {
        1 => {
            used.extend([
                "CurrentDirectory",
                "LogonId",
                "ParentProcessGuid",
                "ParentProcessId",
                "Hashes",
            ]);
            // Linux's CommandLine is argv joined; Windows' is the text argv was split from,
            // kept in extra as the evidence.
            if platform == Platform::Linux {
                used.push("CommandLine");
            }
            info.argv = p
                .get("CommandLine")
                .map(|c| platform.argv(c))
                .unwrap_or_default();
            info.cwd = p.get("CurrentDirectory").map(str::to_string);
            info.ppid = num(p.get("ParentProcessId"));
            info.parent_key = key(platform, &host, p.get("ParentProcessGuid"));
            info.start_time = Some(time);
            match p.get("LogonId").map(str::trim) {
                // On Linux the LogonId is the uid (Windows writes a hex logon session).
                Some(l) if l.bytes().all(|b| b.is_ascii_digit()) => info.uid = l.parse().ok(),
                Some(l) => {
                    extra.insert("LogonId".into(), l.into());
                }
                None => {}
            }
            let sha256 = hashes(p, "Hashes", &mut extra);
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
        22 => {
            // The schema has no DNS kind: a query is the lookup the process asked for, a
            // `net_connect` over UDP to port 53 with no addresses (the DNS Client service sends
            // the packet; Sysmon names no server). QueryName, QueryStatus and QueryResults stay
            // in extra.
            if p.get("QueryName").is_none() {
                return Err(skip("incomplete event", "DNSQuery without QueryName"));
            }
            let mut detail = NetDetail::new(Protocol::Udp, None, None);
            detail.dst_port = Some(53);
            o.net(time, EventKind::NetConnect, None, Arc::new(info), detail)
        }
        _ => {
            // 9 RawAccessRead (a block device opened for reading), 11 FileCreate,
            // 15 FileCreateStreamHash (a named stream written; Hash is its content's),
            // 23 FileDelete (archived), 26 FileDeleteDetected.
            let (field, kind) = match id {
                9 => ("Device", EventKind::FileOpenRead),
                11 | 15 => ("TargetFilename", EventKind::FileCreate),
                _ => ("TargetFilename", EventKind::FileUnlink),
            };
            used.push(field);
            let Some(path) = p.get(field) else {
                return Err(skip(
                    "incomplete event",
                    format!("event {id} without {field}"),
                ));
            };
            let sha256 = if id == 15 {
                used.push("Hash");
                hashes(p, "Hash", &mut extra)
            } else {
                None
            };
            let detail = FileDetail::path(path).sha256(sha256);
            o.file(time, kind, None, Arc::new(info), detail)
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
    if let Some((os, kind)) = platform.host() {
        out.host(HostRecord {
            time,
            host_id: host.clone(),
            hostname: host,
            boot_id: None,
            os: Some(os.to_string()),
            kernel: None,
            kind: Some(kind),
            ip_addresses: Vec::new(),
            source: platform.source().to_string(),
        })?;
    }
    Ok(())
}

/// What every event says of its process.
fn process(platform: Platform, p: &Parsed, host: &str) -> ProcessInfo {
    let exe = p.get("Image").map(str::to_string);
    ProcessInfo {
        pid: num(p.get("ProcessId")),
        comm: exe.as_deref().and_then(|e| platform.comm(e)),
        exe,
        user_name: p.get("User").map(str::to_string),
        key: key(platform, host, p.get("ProcessGuid")),
        ..Default::default()
    }
}

/// The process key of a Sysmon GUID on `host`.
pub fn key(platform: Platform, host: &str, guid: Option<&str>) -> Option<String> {
    let g = guid?.trim().trim_start_matches('{').trim_end_matches('}');
    let g = g.to_ascii_lowercase();
    if g.is_empty() || g.bytes().all(|b| b == b'0' || b == b'-') {
        return None;
    }
    Some(source_process_key(host, platform.source(), &g))
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

/// The SHA-256 of the hashes field `field` (`SHA256=…,MD5=…`), lowercase; the other entries
/// go to `extra[field]`.
fn hashes(p: &Parsed, field: &str, extra: &mut Map<String, Value>) -> Option<String> {
    let (sha, rest) = split_hashes(p.get(field));
    if !rest.is_empty() {
        extra.insert(field.into(), rest.join(",").into());
    }
    sha
}

/// The SHA-256 of `SHA256=…,MD5=…`, lowercase, and the other entries.
fn split_hashes(v: Option<&str>) -> (Option<String>, Vec<String>) {
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
        let l = Platform::Linux;
        let a = key(l, "h", Some("{49E2A5F6-A597-61D4-5D6A-98D813560000}"));
        assert_eq!(a, key(l, "h", Some("49e2a5f6-a597-61d4-5d6a-98d813560000")));
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
            key(l, "other", Some("49e2a5f6-a597-61d4-5d6a-98d813560000"))
        );
        // The same GUID from the other platform's Sysmon is another source's process.
        assert_ne!(
            a,
            key(
                Platform::Windows,
                "h",
                Some("49e2a5f6-a597-61d4-5d6a-98d813560000")
            )
        );
        assert_eq!(
            key(l, "h", Some("{00000000-0000-0000-0000-000000000000}")),
            None
        );
        assert_eq!(key(l, "h", Some("{}")), None);
    }

    #[test]
    fn hashes_give_the_sha256_and_keep_the_rest() {
        let sha = "A".repeat(64);
        let (s, rest) = split_hashes(Some(&format!("MD5=0123,SHA256={sha},IMPHASH=99")));
        assert_eq!(s, Some("a".repeat(64)));
        assert_eq!(rest, ["MD5=0123", "IMPHASH=99"]);
        let (s, rest) = split_hashes(Some("SHA256=short"));
        assert_eq!((s, rest), (None, vec!["SHA256=short".to_string()]));
    }

    #[test]
    fn platforms_read_names_and_text_their_own_way() {
        let (l, w) = (Platform::Linux, Platform::Windows);
        assert_eq!(
            w.comm(r"C:\Windows\System32\SearchProtocolHost.exe")
                .as_deref(),
            Some("SearchProtocolHost.exe")
        );
        assert_eq!(
            l.comm("/usr/lib/systemd/systemd-networkd").as_deref(),
            Some("systemd-network")
        );
        // 0xAE is ® in Windows-1252; not UTF-8, so Linux replaces it.
        assert_eq!(w.text(b"Sysinternals\xae"), "Sysinternals\u{ae}");
        assert_eq!(l.text(b"Sysinternals\xae"), "Sysinternals\u{fffd}");
        assert_eq!(w.text("caf\u{e9}".as_bytes()), "caf\u{e9}");
        assert_eq!(
            w.argv(r#""C:\Program Files\a b.exe" /x "y z""#),
            [r"C:\Program Files\a b.exe", "/x", "y z"]
        );
        assert_eq!(l.argv("ls -l"), ["ls", "-l"]);
        assert_eq!(event_name(13), "RegistryEvent (value set)");
    }
}
