//! Sysmon (Sysinternals) events, for Linux and Windows: one XML reader ([`xml`]) and one
//! mapping by EventID ([`map`]) behind two importers, whose `source` tells them apart:
//!
//! - [`Sysmon`] (`sysmon`): Sysmon for Linux as it writes to syslog: raw `<Event>` documents
//!   (one or many per line, or pretty-printed), syslog lines
//!   (`Oct 26 16:09:49 host sysmon: <Event>…`) or JSON lines of syslog exports whose message
//!   field holds the XML ([`frame`]).
//! - [`windows::SysmonWindows`] (`sysmon-windows`): binary EVTX logs ([`evtx`], a chunk at a
//!   time) and XML exports (Event Viewer, `wevtutil qe /f:xml`, Sysmon View, PowerShell's
//!   `ToXml()`; UTF-8, Windows-1252 or UTF-16), framed like Linux's.
//!
//! Identity: `ProcessGuid` is Sysmon's own unique process id; it becomes the process key,
//! and `ParentProcessGuid` the parent's, so lineage survives pid reuse. Sysmon names no
//! container. The host is `<Computer>`, else the syslog header's or the JSON record's host,
//! else `--host`.

pub mod evtx;
pub mod frame;
pub mod map;
pub mod windows;
pub mod xml;

use std::io::BufRead;

use super::{Emit, ImportError, Importer};
use frame::{Events, Framed, Item};
use map::Platform;

/// The Sysmon for Linux importer.
pub struct Sysmon;

impl Importer for Sysmon {
    fn name(&self) -> &'static str {
        Platform::Linux.source()
    }

    fn about(&self) -> &'static str {
        "Sysmon for Linux XML events (raw, syslog lines, JSON syslog exports)"
    }

    /// The first event that reads as XML is from the `Linux-Sysmon` provider, or names none
    /// and has an `EventID` and Sysmon's `UtcTime` (text that only mentions `<Event>`, a
    /// README, is not an event; a Windows provider's event is not Sysmon for Linux's).
    fn sniff(&self, head: &[u8]) -> bool {
        let platform = Platform::Linux;
        first_event(head, platform).is_some_and(|p| match p.provider.as_deref() {
            Some(name) => name == platform.provider(),
            None => p.event_id.is_some() && p.data.iter().any(|(k, _)| k == "UtcTime"),
        })
    }

    fn import(&self, input: &mut dyn BufRead, out: &mut Emit) -> Result<(), ImportError> {
        import_framed(Events::new(input), Platform::Linux, out)
    }
}

/// The first of the first 16 events of `head` that reads as XML.
fn first_event(head: &[u8], platform: Platform) -> Option<xml::Parsed> {
    let mut events = Events::new(head);
    for _ in 0..16 {
        match events.next_item() {
            Ok(Some(Item::Event(f))) => {
                if let Ok(p) = xml::parse(&platform.text(&f.xml)) {
                    return Some(p);
                }
            }
            Ok(Some(Item::Bad(_))) => {}
            _ => return None,
        }
    }
    None
}

/// Something that hands out events one at a time: [`Events`] of XML text,
/// [`evtx::Records`] of a binary log.
trait Source {
    fn next_item(&mut self) -> std::io::Result<Option<Item>>;
}

impl<R: BufRead> Source for Events<R> {
    fn next_item(&mut self) -> std::io::Result<Option<Item>> {
        Events::next_item(self)
    }
}

impl<R: std::io::Read> Source for evtx::Records<R> {
    fn next_item(&mut self) -> std::io::Result<Option<Item>> {
        evtx::Records::next_item(self)
    }
}

/// Every event of `events` recorded, read and mapped as `platform`'s; the bad stretches
/// skipped.
fn import_framed(
    mut events: impl Source,
    platform: Platform,
    out: &mut Emit,
) -> Result<(), ImportError> {
    let mut n = 0u64;
    let mut digest = Vec::with_capacity(4096);
    while let Some(item) = events.next_item()? {
        match item {
            Item::Event(f) => take(&f, platform, out, &mut digest)?,
            Item::Bad(b) => out.skip(b.at, b.reason, b.detail)?,
        }
        n += 1;
        if n.is_multiple_of(4096) {
            out.tick()?;
        }
    }
    Ok(())
}

/// One event: a record, read and mapped.
fn take(
    f: &Framed,
    platform: Platform,
    out: &mut Emit,
    digest: &mut Vec<u8>,
) -> Result<(), ImportError> {
    // The same event is the same record whichever wrapper held it; the wrapper's host is
    // part of it (it names the host of events without <Computer>).
    digest.clear();
    digest.extend_from_slice(f.host.as_deref().unwrap_or_default().as_bytes());
    digest.push(0);
    digest.extend_from_slice(&f.xml);
    if !out.record(f.at, digest) {
        return Ok(());
    }
    let parsed = match xml::parse(&platform.text(&f.xml)) {
        Ok(p) => p,
        Err(e) => return out.skip(f.at, "malformed XML", e),
    };
    let mapped = map::map(platform, &parsed, f.host.as_deref(), out);
    out.settle(f.at, mapped)
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod windows_tests;
