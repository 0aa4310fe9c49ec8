//! Identity derivations: the stable process key and the Community ID flow hash.

use std::net::IpAddr;

use base64::Engine;
use sha1::{Digest, Sha1};
use uuid::Uuid;

use super::Protocol;

/// Namespace of process keys: UUIDv5("trace.process-key", DNS namespace).
const PROCESS_KEY_NAMESPACE: Uuid = Uuid::from_u128(0x3c1f_0b6e_5e0d_5b43_9a6f_0f7b_5f2d_8e11);

/// The stable key of a process: a UUIDv5 over `anchor`, `pid` and the process start time.
///
/// `anchor` is the host's boot id when known (pids and start times restart at every boot), else
/// the host id. Two processes that reuse a pid have different start times, so they never share a
/// key; the same process seen twice (exec after fork, or by two recorders with the same clock)
/// gets the same key. `start_time_ns` should be the kernel's start time (`start_boottime`
/// converted to wall clock, or `/proc/PID/stat` field 22) at the precision the recorder has;
/// recorders must use one precision per anchor.
pub fn process_key(anchor: &str, pid: i32, start_time_ns: i64) -> String {
    let name = format!("{anchor}/{pid}/{start_time_ns}");
    Uuid::new_v5(&PROCESS_KEY_NAMESPACE, name.as_bytes())
        .hyphenated()
        .to_string()
}

/// The stable key of a process known to a source by an id of its own (Tetragon's `exec_id`,
/// Sysmon's `ProcessGuid`, eslogger's audit token, …): a UUIDv5 over the host, the source and
/// that id, so that every event an importer reads of one process gets one key, and the same
/// id from two sources or two hosts never collides. Importers use this when the source gives
/// no (pid, start time) pair; when it does, [`process_key`] joins its events with a
/// collector's.
pub fn source_process_key(host_id: &str, source: &str, source_id: &str) -> String {
    let name = format!("source/{host_id}/{source}/{source_id}");
    Uuid::new_v5(&PROCESS_KEY_NAMESPACE, name.as_bytes())
        .hyphenated()
        .to_string()
}

/// Community ID v1 (Corelight spec, seed 0) of a TCP/UDP flow: the same string for both
/// directions, so a connection recorded on both ends joins on it. `None` when the two
/// addresses are of different families.
pub fn community_id(
    protocol: Protocol,
    src: IpAddr,
    sport: u16,
    dst: IpAddr,
    dport: u16,
) -> Option<String> {
    let (a, b) = match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => (s.octets().to_vec(), d.octets().to_vec()),
        (IpAddr::V6(s), IpAddr::V6(d)) => (s.octets().to_vec(), d.octets().to_vec()),
        _ => return None,
    };
    // Order the endpoints so both directions hash the same.
    let (a, ap, b, bp) = if (a.as_slice(), sport) <= (b.as_slice(), dport) {
        (a, sport, b, dport)
    } else {
        (b, dport, a, sport)
    };
    let mut h = Sha1::new();
    h.update(0u16.to_be_bytes()); // seed
    h.update(&a);
    h.update(&b);
    h.update([protocol.number(), 0]);
    h.update(ap.to_be_bytes());
    h.update(bp.to_be_bytes());
    let digest = h.finalize();
    Some(format!(
        "1:{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pid_reuse_gives_distinct_keys_and_same_process_same_key() {
        let boot = "7c0f4a9e-2b1d-4e55-9d8c-0a1b2c3d4e5f";
        let first = process_key(boot, 4242, 1_700_000_000_000_000_000);
        let reused = process_key(boot, 4242, 1_700_000_360_000_000_000);
        assert_ne!(first, reused);
        assert_eq!(first, process_key(boot, 4242, 1_700_000_000_000_000_000));
        // Same pid and start time after a reboot is another process.
        assert_ne!(
            first,
            process_key("other-boot", 4242, 1_700_000_000_000_000_000)
        );
        assert_eq!(first.len(), 36);
    }

    #[test]
    fn source_ids_key_one_process_per_host_and_source() {
        let a = source_process_key("h1", "tetragon", "OjEyMzQ1");
        assert_eq!(a, source_process_key("h1", "tetragon", "OjEyMzQ1"));
        assert_ne!(a, source_process_key("h2", "tetragon", "OjEyMzQ1"));
        assert_ne!(a, source_process_key("h1", "sysmon", "OjEyMzQ1"));
        // Never one of the (pid, start) keys: the names hashed differ in form.
        assert_ne!(a, process_key("h1", 1, 0));
    }

    #[test]
    fn many_reused_pids_never_collide() {
        let mut seen = std::collections::HashSet::new();
        for i in 0..50_000i64 {
            // pid_max 32768: pids wrap and repeat with later start times.
            let pid = (300 + i % 32_468) as i32;
            assert!(seen.insert(process_key("b", pid, 1_000_000 + i * 1_000)));
        }
    }

    #[test]
    fn community_id_matches_spec_vectors_and_is_direction_free() {
        // From the Community ID spec's baseline (seed 0).
        let s: IpAddr = "128.232.110.120".parse().unwrap();
        let d: IpAddr = "66.35.250.204".parse().unwrap();
        let id = community_id(Protocol::Tcp, s, 34855, d, 80).unwrap();
        assert_eq!(id, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
        assert_eq!(community_id(Protocol::Tcp, d, 80, s, 34855).unwrap(), id);
        let udp = community_id(Protocol::Udp, s, 34855, d, 80).unwrap();
        assert_ne!(udp, id);
        let v6: IpAddr = "::1".parse().unwrap();
        assert_eq!(community_id(Protocol::Tcp, s, 1, v6, 2), None);
    }
}
