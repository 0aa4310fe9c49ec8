//! Sysmon for Linux (Sysinternals) XML events, as it writes them to syslog: raw `<Event>`
//! documents (one or many per line, or pretty-printed), syslog lines
//! (`Oct 26 16:09:49 host sysmon: <Event>…`) or JSON lines of syslog exports whose message
//! field holds the XML ([`frame`]); each event read leniently ([`xml`]) and mapped by its
//! EventID ([`map`]).
//!
//! Identity: `ProcessGuid` is Sysmon's own unique process id; it becomes the process key,
//! and `ParentProcessGuid` the parent's, so lineage survives pid reuse. Sysmon for Linux
//! names no container. The host is `<Computer>`, else the syslog header's or the JSON
//! record's host, else `--host`.

pub mod frame;
pub mod map;
pub mod xml;

use std::io::BufRead;

use super::{Emit, ImportError, Importer};
use frame::{Events, Item};

/// The importer.
pub struct Sysmon;

/// The source name rows carry.
const SOURCE: &str = "sysmon";

impl Importer for Sysmon {
    fn name(&self) -> &'static str {
        SOURCE
    }

    fn about(&self) -> &'static str {
        "Sysmon for Linux XML events (raw, syslog lines, JSON syslog exports)"
    }

    /// The first event that reads as XML is from the `Linux-Sysmon` provider, or names none
    /// and has an `EventID` and Sysmon's `UtcTime` (text that only mentions `<Event>`, a
    /// README, is not an event; a Windows provider's event is not Sysmon for Linux's).
    fn sniff(&self, head: &[u8]) -> bool {
        let mut events = Events::new(head);
        for _ in 0..16 {
            match events.next_item() {
                Ok(Some(Item::Event(f))) => {
                    if let Ok(p) = xml::parse(&String::from_utf8_lossy(&f.xml)) {
                        return match p.provider.as_deref() {
                            Some(name) => name == "Linux-Sysmon",
                            None => {
                                p.event_id.is_some() && p.data.iter().any(|(k, _)| k == "UtcTime")
                            }
                        };
                    }
                }
                Ok(Some(Item::Bad(_))) => {}
                _ => return false,
            }
        }
        false
    }

    fn import(&self, input: &mut dyn BufRead, out: &mut Emit) -> Result<(), ImportError> {
        let mut events = Events::new(input);
        let mut n = 0u64;
        let mut digest = Vec::with_capacity(4096);
        while let Some(item) = events.next_item()? {
            let f = match item {
                Item::Event(f) => f,
                Item::Bad(b) => {
                    out.skip(b.at, b.reason, b.detail)?;
                    continue;
                }
            };
            // The same event is the same record whichever wrapper held it; the wrapper's host
            // is part of it (it names the host of events without <Computer>).
            digest.clear();
            digest.extend_from_slice(f.host.as_deref().unwrap_or_default().as_bytes());
            digest.push(0);
            digest.extend_from_slice(&f.xml);
            if !out.record(f.at, &digest) {
                continue;
            }
            let parsed = match xml::parse(&String::from_utf8_lossy(&f.xml)) {
                Ok(p) => p,
                Err(e) => {
                    out.skip(f.at, "malformed XML", e)?;
                    continue;
                }
            };
            let mapped = map::map(&parsed, f.host.as_deref(), out);
            out.settle(f.at, mapped)?;
            n += 1;
            if n.is_multiple_of(4096) {
                out.tick()?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
