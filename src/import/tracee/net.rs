//! Network events: LSM socket hooks and socket syscalls with a `sockaddr` argument
//! (`security_socket_connect`, `connect`, `security_socket_accept`, `accept`,
//! `security_socket_bind`, `bind`, `security_socket_listen`, `listen`), flow events
//! (`net_flow_tcp_begin`/`_end`, with a direction), and packets (`net_packet_*`: one event
//! per flow and process, the first packet seen; its sender taken as the flow's initiator).

use std::collections::HashSet;
use std::net::IpAddr;

use serde_json::{Map, Value};

use super::super::values::int;
use super::rec::{obj, str_of};
use crate::schema::{EventKind, NetDetail, Protocol, community_id};

/// Flows remembered per import (then forgotten, all at once, to bound memory).
const FLOWS_KEPT: usize = 1 << 16;

/// What a network event gives.
pub enum Net {
    /// A network event of this kind.
    Event(EventKind, NetDetail),
    /// Not a network event the schema holds (counted under this name).
    Unmapped(String),
}

/// An `(address, port)` of a Tracee `sockaddr` (`{sa_family, sin_addr, sin_port}` or
/// `sin6_addr`/`sin6_port`); `Err(family)` for other families (`AF_UNIX`, …).
fn sockaddr(v: Option<&Value>) -> Result<Option<(IpAddr, u16)>, String> {
    let Some(s) = v.and_then(Value::as_object) else {
        return Ok(None);
    };
    let family = str_of(s, "sa_family").unwrap_or_default();
    let (a, p) = match family {
        "AF_INET" | "2" => ("sin_addr", "sin_port"),
        "AF_INET6" | "10" => ("sin6_addr", "sin6_port"),
        "" if s.contains_key("sin_addr") => ("sin_addr", "sin_port"),
        "" if s.contains_key("sin6_addr") => ("sin6_addr", "sin6_port"),
        f => return Err(f.to_string()),
    };
    let ip = str_of(s, a).and_then(|x| x.parse().ok());
    Ok(ip.zip(int(s.get(p))))
}

/// The protocol of a socket's `type` argument (`SOCK_DGRAM`, `SOCK_STREAM|SOCK_CLOEXEC`).
fn socket_protocol(v: Option<&Value>) -> Protocol {
    match v.and_then(Value::as_str) {
        Some(t) if t.contains("DGRAM") => Protocol::Udp,
        _ => Protocol::Tcp,
    }
}

/// A socket hook or syscall with a `sockaddr`. `None`: not one of those events.
pub fn socket(name: &str, args: &mut Map<String, Value>) -> Option<Net> {
    let (kind, keys, remote): (EventKind, &[&str], bool) = match name {
        "security_socket_connect" | "connect" => {
            (EventKind::NetConnect, &["remote_addr", "addr"], true)
        }
        // The LSM hook sees the listening socket's address; the syscall the peer's.
        "security_socket_accept" => (EventKind::NetAccept, &["local_addr"], false),
        "accept" | "accept4" => (EventKind::NetAccept, &["addr"], true),
        "security_socket_bind" | "bind" | "security_socket_listen" | "listen" => {
            (EventKind::NetListen, &["local_addr", "addr"], false)
        }
        _ => return None,
    };
    let key = keys.iter().find(|k| args.contains_key(**k))?;
    let end = match sockaddr(args.get(*key)) {
        Ok(e) => e,
        Err(family) => return Some(Net::Unmapped(format!("{name} {family}"))),
    };
    let Some(end) = end else {
        return Some(Net::Unmapped(format!("{name} without an address")));
    };
    args.remove(*key);
    let proto = socket_protocol(args.get("type"));
    let d = match (kind, remote) {
        (EventKind::NetConnect, _) => NetDetail::new(proto, None, Some(end)),
        (EventKind::NetAccept, true) => NetDetail::new(proto, Some(end), None),
        _ => NetDetail::new(proto, None, Some(end)),
    };
    Some(Net::Event(kind, d))
}

/// The flows seen (host, pid, Community ID), for packets.
#[derive(Default)]
pub struct Flows(HashSet<(String, i32, String)>);

/// An address and port.
type End = (IpAddr, u16);

/// The endpoints of a packet or flow event: `src`/`dst` with `src_port`/`dst_port`, the
/// ports in `proto_tcp`/`proto_udp` when the event has none, or `metadata`'s
/// `src_ip`/`dst_ip`/`src_port`/`dst_port` (v0.11's DNS request and response events).
fn endpoints(args: &Map<String, Value>) -> Option<(End, End, Option<u8>)> {
    let ip = |o: &Map<String, Value>, k: &str| str_of(o, k).and_then(|s| s.parse().ok());
    if let Some(m) = obj(args, "metadata") {
        let src = ip(m, "src_ip")?;
        let dst = ip(m, "dst_ip")?;
        let proto = int(m.get("protocol"));
        return Some((
            (src, int(m.get("src_port"))?),
            (dst, int(m.get("dst_port"))?),
            proto,
        ));
    }
    let l4 = ["proto_tcp", "proto_udp"].iter().find_map(|k| obj(args, k));
    let port = |k: &str, l4k: &str| int(args.get(k)).or_else(|| l4.and_then(|l| int(l.get(l4k))));
    let src = (ip(args, "src")?, port("src_port", "srcPort")?);
    let dst = (ip(args, "dst")?, port("dst_port", "dstPort")?);
    Some((src, dst, None))
}

/// A flow or packet event. `None`: not one of those events.
pub fn flow(
    name: &str,
    host: &str,
    pid: Option<i32>,
    args: &Map<String, Value>,
    flows: &mut Flows,
) -> Option<Net> {
    let packet = name.starts_with("net_packet_");
    if !packet && !name.starts_with("net_flow_") {
        return None;
    }
    let Some((src, dst, number)) = endpoints(args) else {
        return Some(Net::Unmapped(format!("{name} without ports")));
    };
    let udp = number == Some(17)
        || (number.is_none()
            && (args.contains_key("proto_udp") || name.contains("udp") || name.contains("dns")));
    let proto = if udp { Protocol::Udp } else { Protocol::Tcp };
    if !packet {
        let outgoing = !matches!(str_of(args, "conn_direction"), Some("incoming" | "ingress"));
        let kind = match name {
            n if n.ends_with("_end") => EventKind::NetClose,
            _ if outgoing => EventKind::NetConnect,
            _ => EventKind::NetAccept,
        };
        return Some(Net::Event(
            kind,
            NetDetail::new(proto, Some(src), Some(dst)),
        ));
    }
    let id = community_id(proto, src.0, src.1, dst.0, dst.1).unwrap_or_default();
    if flows.0.len() >= FLOWS_KEPT {
        flows.0.clear();
    }
    if !flows.0.insert((host.to_string(), pid.unwrap_or(-1), id)) {
        return Some(Net::Unmapped(format!("{name} (flow seen)")));
    }
    let d = NetDetail::new(proto, Some(src), Some(dst));
    Some(Net::Event(EventKind::NetConnect, d))
}
