//! Linux audit logs (`/var/log/audit/audit.log`, raw or ENRICHED, with or without `node=`,
//! behind a syslog prefix or not): records grouped by serial into events ([`assemble`]), each
//! event mapped by its syscall. Serial gaps become loss rows.
//!
//! Identity and the meaning of each syscall: [`map`]. Laurel's JSON lines (the same events,
//! reassembled by Laurel): [`laurel`].

pub mod assemble;
pub mod laurel;
pub mod map;
pub mod parse;
pub mod syscalls;

use std::io::BufRead;

use super::json::At;
use super::open::read_capped_line;
use super::{Emit, ImportError, Importer};
use crate::schema::Origin;
use assemble::{AuditEvent, DEFAULT_MAX_IN_FLIGHT, Reassembler};
use map::{Context, Mapper};

/// The importer.
pub struct Auditd;

/// The source name rows carry.
const SOURCE: &str = "auditd";

/// Longest line read; a longer one is cut here and skipped as malformed.
const MAX_LINE: usize = 1 << 20;

impl Importer for Auditd {
    fn name(&self) -> &'static str {
        SOURCE
    }

    fn about(&self) -> &'static str {
        "Linux audit logs (auditd raw or ENRICHED, node= prefixes, syslog-wrapped)"
    }

    fn sniff(&self, head: &[u8]) -> bool {
        let text = String::from_utf8_lossy(head);
        let mut lines = text.lines().filter(|l| !l.trim().is_empty()).take(20);
        lines.any(|l| parse::parse_line(l, 1, 0).is_ok())
    }

    fn import(&self, input: &mut dyn BufRead, out: &mut Emit) -> Result<(), ImportError> {
        let mut asm = Reassembler::new(DEFAULT_MAX_IN_FLIGHT);
        let mut map = Mapper::new(SOURCE);
        let read = read_records(input, &mut asm, &mut map, out);
        // What was read is mapped also when reading stopped early (the events still in
        // flight came before the failure); not when writing failed or --strict stopped.
        if let Err(e) = &read
            && !matches!(e, ImportError::Read(_))
        {
            return read;
        }
        for ev in asm.finish() {
            deliver(&mut map, &ev, out)?;
        }
        for g in asm.gaps() {
            let host = out
                .host_of(g.node.as_deref())
                .unwrap_or_else(|| "unknown".to_string());
            let o = Origin::new(&host, None, SOURCE);
            out.loss(o.loss(g.to_ns, (g.from_ns, g.to_ns), g.missing, "sequence_gap"))?;
        }
        read
    }
}

/// Reads every line of `input` into `asm`, mapping the events it completes.
fn read_records(
    input: &mut dyn BufRead,
    asm: &mut Reassembler,
    map: &mut Mapper,
    out: &mut Emit,
) -> Result<(), ImportError> {
    let (mut line_no, mut offset) = (0u64, 0u64);
    let mut buf = Vec::with_capacity(4096);
    loop {
        buf.clear();
        let n = read_capped_line(input, &mut buf, MAX_LINE)?;
        if n == 0 {
            return Ok(());
        }
        line_no += 1;
        let at = At {
            line: line_no,
            offset,
        };
        offset += n as u64;
        if buf.len() > MAX_LINE {
            out.skip(at, "malformed audit record", "line longer than 1 MiB")?;
            continue;
        }
        let line = String::from_utf8_lossy(&buf);
        let line = line.trim_end_matches(['\n', '\r']);
        if line.trim().is_empty() {
            continue;
        }
        match parse::parse_line(line, line_no, at.offset) {
            Ok(r) => {
                for ev in asm.push(r) {
                    deliver(map, &ev, out)?;
                }
            }
            Err(e) => out.skip(at, "malformed audit record", e.reason)?,
        }
        if line_no.is_multiple_of(8192) {
            out.tick()?;
        }
    }
}

/// Maps `ev` unless an earlier import took the same records.
fn deliver(map: &mut Mapper, ev: &AuditEvent, out: &mut Emit) -> Result<(), ImportError> {
    let at = At {
        line: ev.first_line(),
        offset: ev.first_offset(),
    };
    if !out.record(at, &map::content(ev)) {
        return Ok(());
    }
    map.event(ev, Context::default(), out)
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::schema::{Detail, EventKind, Row};
    use serde_json::Value;

    fn import(rel: &str, host: Option<&str>) -> (Vec<Row>, super::super::Counts) {
        let bytes = std::fs::read(fixture(rel)).unwrap();
        import_bytes(&Auditd, &bytes, host)
    }

    #[test]
    fn otrf_execs_keep_argv_ids_and_lineage() {
        let (rows, counts) = import("otrf/sh_arp_cache_2020-11-10074812.log", Some("wardog-vm"));
        assert_eq!(counts.skipped_total(), 0, "{counts:?}");
        let evs = events(&rows);
        assert_eq!(evs.len(), 2);
        let (arp, grep) = (evs[0], evs[1]);
        assert_eq!(arp.kind, EventKind::ProcessExec);
        assert_eq!(arp.host_id, "wardog-vm");
        assert_eq!(arp.time, 1_604_994_496_155_000_000);
        assert_eq!(arp.process.argv, ["arp", "-a"]);
        assert_eq!(arp.process.exe.as_deref(), Some("/usr/sbin/arp"));
        assert_eq!(arp.process.cwd.as_deref(), Some("/home/wardog"));
        assert_eq!(
            (
                arp.process.pid,
                arp.process.ppid,
                arp.process.uid,
                arp.process.auid
            ),
            (Some(1631), Some(29002), Some(1000), Some(1000))
        );
        assert_eq!(grep.process.argv, ["grep", "-v", "^?"]);
        // Both children of the same shell: one parent incarnation.
        assert_eq!(arp.process.parent_key, grep.process.parent_key);
        assert_ne!(arp.process.key, grep.process.key);
        let extra: Value = serde_json::from_str(arp.extra.as_deref().unwrap()).unwrap();
        assert_eq!(
            (extra["ses"].as_u64(), extra["tty"].as_str()),
            (Some(104), Some("pts0"))
        );
        let (rows, _) = import("otrf/sh_binary_padding_dd_2020-11-10081941.log", Some("h"));
        assert_eq!(
            events(&rows)[0].process.argv,
            ["dd", "if=/dev/zero", "bs=1", "count=1"]
        );
    }

    #[test]
    fn without_a_host_every_event_is_skipped_with_the_reason() {
        let (rows, counts) = import("otrf/sh_arp_cache_2020-11-10074812.log", None);
        assert!(events(&rows).is_empty());
        assert_eq!(counts.skipped["no host"], 2);
    }

    #[test]
    fn serial_gaps_are_loss_rows_and_rollover_is_not() {
        let (rows, counts) = import("auditd/testdata/lost_messages.log", Some("h"));
        assert_eq!(counts.lost, 9);
        let losses: Vec<_> = rows
            .iter()
            .filter_map(|r| match r {
                Row::Loss(l) => Some(l),
                _ => None,
            })
            .collect();
        assert_eq!(losses.len(), 1);
        assert_eq!(
            (losses[0].reason.as_str(), losses[0].events_lost),
            ("sequence_gap", 9)
        );
        for f in ["normal", "out_of_order", "rollover"] {
            let (_, counts) = import(&format!("auditd/testdata/{f}.log"), Some("h"));
            assert_eq!(counts.lost, 0, "{f}");
        }
    }

    #[test]
    fn golden_connects_are_network_events() {
        // aucoalesce's ubuntu-16.04 / rhel-7 tests hold connect events with addresses; every
        // one that has an inet SOCKADDR becomes a net_connect to it.
        let mut connects = 0;
        for f in walkdir::WalkDir::new(fixture("auditd"))
            .into_iter()
            .flatten()
        {
            let p = f.path().to_path_buf();
            if p.extension().and_then(|x| x.to_str()) != Some("log") {
                continue;
            }
            let bytes = std::fs::read(&p).unwrap();
            assert!(Auditd.sniff(&bytes), "{}", p.display());
            let (rows, _) = import_bytes(&Auditd, &bytes, Some("h"));
            for e in events(&rows) {
                if let Detail::Network(n) = &e.detail
                    && e.kind == EventKind::NetConnect
                {
                    assert!(n.dst_ip.is_some() && n.dst_port.is_some(), "{e:?}");
                    connects += 1;
                }
            }
        }
        assert!(connects > 0);
    }

    /// Reads `bytes`, then fails.
    struct Failing<'a>(&'a [u8]);

    impl std::io::Read for Failing<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.0.is_empty() {
                return Err(std::io::Error::other("disk gone"));
            }
            let n = buf.len().min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn events_in_flight_are_kept_when_reading_stops_early() {
        // Without EOE and PROCTITLE records (old kernels) every event is still in flight
        // when the input ends, so a failed read must not drop them.
        let text = std::fs::read_to_string(fixture("laurel/reverse-shell.audit.log")).unwrap();
        let kept: Vec<&str> = text
            .lines()
            .filter(|l| !l.starts_with("type=EOE") && !l.starts_with("type=PROCTITLE"))
            .collect();
        let bytes = (kept.join("\n") + "\n").into_bytes();
        let (whole, _) = import_bytes(&Auditd, &bytes, Some("h"));
        assert_eq!(events(&whole).len(), 6);
        let mut input = std::io::BufReader::new(Failing(&bytes));
        let (rows, counts, ended) = import_reader(&Auditd, &mut input, Some("h"));
        assert!(matches!(ended, Err(ImportError::Read(_))), "{ended:?}");
        assert_eq!(events(&rows).len(), 6, "{counts:?}");
    }

    #[test]
    fn mangled_logs_never_panic() {
        for rel in [
            "otrf/sh_arp_cache_2020-11-10074812.log",
            "auditd/auparse/testdata/audit-rhel7.log",
            "auditd/testdata/out_of_order.log",
        ] {
            let bytes = std::fs::read(fixture(rel)).unwrap();
            for m in mangled(&bytes) {
                let (_, counts) = import_bytes(&Auditd, &m, Some("h"));
                assert!(counts.records <= 10_000);
            }
        }
        assert!(!Auditd.sniff(b"{\"process_exec\":{}}"));
    }
}
