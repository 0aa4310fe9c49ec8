//! The story's connections, grouped by direction, peer and process, with the far end named.

use std::collections::{BTreeMap, HashMap};

use super::Conn;
use super::pivot::Known;
use super::rows::Ev;

/// (direction, remote address, port, executable).
type ConnKey = (&'static str, Option<String>, Option<i64>, Option<String>);

/// Connections grouped by direction, peer and process. The far end is what the store knows of
/// the address at that time, else the other side of the same flow found by the pivots (the
/// only way to name a peer on a loopback or a shared network namespace).
pub(super) fn connections(
    evs: &[Ev],
    known: &Known,
    flow_peers: &HashMap<String, String>,
) -> Vec<Conn> {
    let mut groups: BTreeMap<ConnKey, Conn> = BTreeMap::new();
    for e in evs.iter().filter(|e| e.family == "network") {
        let (direction, remote_ip, port) = match e.kind.as_str() {
            "net_connect" => ("outbound", e.dst_ip.clone(), e.dst_port),
            "net_accept" => ("inbound", e.src_ip.clone(), e.dst_port),
            "net_listen" => ("listen", None, e.dst_port),
            _ => {
                // A close belongs to its connection: outbound when this side is src.
                let outbound = groups.keys().any(|k| {
                    k.0 == "outbound" && k.1 == e.dst_ip && k.2 == e.dst_port && k.3 == e.exe
                });
                if outbound {
                    ("outbound", e.dst_ip.clone(), e.dst_port)
                } else {
                    ("inbound", e.src_ip.clone(), e.dst_port)
                }
            }
        };
        let key = (direction, remote_ip.clone(), port, e.exe.clone());
        let far_end = remote_ip
            .as_deref()
            .and_then(|ip| known.describe(ip, e.time))
            .or_else(|| {
                e.community_id
                    .as_ref()
                    .and_then(|c| flow_peers.get(c))
                    .cloned()
            });
        let c = groups.entry(key).or_insert_with(|| Conn {
            direction,
            protocol: e.protocol.clone().unwrap_or_else(|| "tcp".into()),
            remote_ip,
            port,
            exe: e.exe.clone(),
            count: 0,
            first: e.time,
            last: e.time,
            bytes_sent: 0,
            bytes_received: 0,
            far_end: None,
        });
        if c.far_end.is_none() {
            c.far_end = far_end;
        }
        if e.kind == "net_close" {
            c.bytes_sent += e.bytes_sent.unwrap_or(0).max(0) as u64;
            c.bytes_received += e.bytes_received.unwrap_or(0).max(0) as u64;
        } else {
            c.count += 1;
        }
        c.first = c.first.min(e.time);
        c.last = c.last.max(e.time);
    }
    let mut out: Vec<Conn> = groups.into_values().collect();
    out.sort_by_key(|c| (c.first, c.direction));
    out
}
