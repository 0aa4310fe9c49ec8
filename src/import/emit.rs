//! What an importer hands its rows to: [`Emit`] stamps positions, drops records already
//! imported, counts events per family and skipped records per reason, and stops the import on
//! the first bad record under `--strict`.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};
use std::fmt;

use super::ImportError;
use super::json::At;
use super::known::ContainerIds;
use super::ledger::{Digests, digest};
use crate::ingest::Sink;
use crate::ingest::container::FirstSight;
use crate::schema::{ContainerRecord, Event, Family, HostRecord, LossRecord, Row};

/// The skip reason of a record that names no host when `--host` was not given.
pub const NO_HOST: &str = "no host";

/// Why a record gave no rows: what an importer's mapping returns instead of them, settled by
/// [`Emit::settle`].
#[derive(Debug)]
pub enum Why {
    /// Skipped: the reason (counted), the detail (shown).
    Skip(Cow<'static, str>, String),
    /// Well-formed, of a kind no family holds: counted under this name.
    Unmapped(String),
    /// Writing failed: the import stops.
    Fatal(ImportError),
}

impl From<ImportError> for Why {
    fn from(e: ImportError) -> Why {
        Why::Fatal(e)
    }
}

/// A skip for `reason` (counted), with `detail` (shown).
pub fn skip(reason: impl Into<Cow<'static, str>>, detail: impl Into<String>) -> Why {
    Why::Skip(reason.into(), detail.into())
}

/// How many skipped records an input reports one by one (the rest are counted).
pub const SHOWN_SKIPS: usize = 10;

/// One skipped record, as the summary shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skip {
    /// Where it starts.
    pub at: At,
    /// Why it was skipped (the reason counted).
    pub reason: String,
    /// More about it (the parser's message, the field).
    pub detail: String,
}

impl fmt::Display for Skip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Line 0: a binary input (EVTX), where only the byte offset says where.
        match self.at.line {
            0 => write!(f, "byte {}: {}", self.at.offset, self.reason)?,
            line => write!(f, "line {line} (byte {}): {}", self.at.offset, self.reason)?,
        }
        if !self.detail.is_empty() {
            write!(f, ": {}", self.detail)?;
        }
        Ok(())
    }
}

/// What one input gave.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    /// Records read (good, bad and duplicate).
    pub records: u64,
    /// Rows written per family.
    pub rows: BTreeMap<&'static str, u64>,
    /// Records skipped, per reason.
    pub skipped: BTreeMap<String, u64>,
    /// The first [`SHOWN_SKIPS`] skipped records.
    pub first_skips: Vec<Skip>,
    /// Records already in the store (an earlier import of the same lines).
    pub duplicates: u64,
    /// Well-formed records of a kind the schema has no place for, per kind (reported, not
    /// an error: a kprobe on module loading, a capability check, …).
    pub unmapped: BTreeMap<String, u64>,
    /// Records the source itself says it lost (serial gaps, lost-record notices).
    pub lost: u64,
}

impl Counts {
    /// Records skipped, all reasons.
    pub fn skipped_total(&self) -> u64 {
        self.skipped.values().sum()
    }

    /// Event rows written (process, file, network).
    pub fn events(&self) -> u64 {
        let events = Family::ALL.into_iter().filter(|f| f.is_event());
        events
            .map(|f| self.rows.get(f.name()).copied().unwrap_or(0))
            .sum()
    }
}

/// The importer's side of one input. See the module docs.
pub struct Emit<'a> {
    sink: &'a mut dyn Sink,
    known: &'a Digests,
    /// Digests of the records this run took, all inputs (to add to the ledger).
    taken: &'a mut HashSet<u64>,
    /// The digest of the record being mapped, until it gives a row (or is skipped).
    current: Option<u64>,
    strict: bool,
    /// The host to name when the source does not (`--host`).
    pub host: Option<String>,
    /// What this input gave so far.
    pub counts: Counts,
    /// Containers seen (one `seen` record each).
    containers: FirstSight,
    /// Hosts given a host record.
    hosts: HashSet<String>,
    /// Full container ids known, to expand short ones with ([`Emit::resolving`]).
    ids: Option<&'a mut ContainerIds>,
    at: At,
}

impl<'a> Emit<'a> {
    /// Rows of one input into `sink`; records whose digest is in `known` (earlier runs) or
    /// `taken` (this run, earlier inputs) are skipped, and those that give rows are added
    /// to `taken`.
    pub fn new(
        sink: &'a mut dyn Sink,
        known: &'a Digests,
        taken: &'a mut HashSet<u64>,
        host: Option<String>,
        strict: bool,
    ) -> Emit<'a> {
        Emit {
            sink,
            known,
            taken,
            current: None,
            strict,
            host,
            counts: Counts::default(),
            containers: FirstSight::default(),
            hosts: HashSet::new(),
            ids: None,
            at: At { line: 0, offset: 0 },
        }
    }

    /// Short container ids become the full one `ids` knows (see [`super::known`]), and full
    /// ids written are learnt.
    pub fn resolving(mut self, ids: &'a mut ContainerIds) -> Emit<'a> {
        self.ids = Some(ids);
        self
    }

    /// The host of a record: the one it names, else `--host`; `None` when neither (skip the
    /// record with [`NO_HOST`]).
    pub fn host_of(&self, named: Option<&str>) -> Option<String> {
        named.or(self.host.as_deref()).map(str::to_string)
    }

    /// A record starts at `at` with these bytes: true when it is new and should be mapped,
    /// false when an earlier import took the same record (it is counted as a duplicate).
    pub fn record(&mut self, at: At, raw: &[u8]) -> bool {
        self.at = at;
        self.counts.records += 1;
        let d = digest(raw);
        if self.known.contains(d) || self.taken.contains(&d) {
            self.counts.duplicates += 1;
            self.current = None;
            return false;
        }
        self.current = Some(d);
        true
    }

    /// The current record gave rows (or is of a kind no family holds): it is taken, and a
    /// later import skips it. A skipped record is not: a later import (with `--host`, or a
    /// newer trace) tries it again.
    fn took(&mut self) {
        if let Some(d) = self.current.take() {
            self.taken.insert(d);
        }
    }

    /// A skipped record (or stretch) at `at`. An error under `--strict`.
    pub fn skip(
        &mut self,
        at: At,
        reason: &str,
        detail: impl fmt::Display,
    ) -> Result<(), ImportError> {
        let skip = Skip {
            at,
            reason: reason.to_string(),
            detail: detail.to_string(),
        };
        if at == self.at {
            self.current = None;
        }
        if self.strict {
            return Err(ImportError::Strict(skip));
        }
        *self.counts.skipped.entry(skip.reason.clone()).or_insert(0) += 1;
        if self.counts.first_skips.len() < SHOWN_SKIPS {
            self.counts.first_skips.push(skip);
        }
        Ok(())
    }

    /// What mapping the record at `at` came to: rows (already put), a skip or a kind no
    /// family holds (counted); a failed write stops the import.
    pub fn settle(&mut self, at: At, mapped: Result<(), Why>) -> Result<(), ImportError> {
        match mapped {
            Ok(()) => Ok(()),
            Err(Why::Skip(reason, detail)) => self.skip(at, &reason, detail),
            Err(Why::Unmapped(what)) => {
                self.unmapped(&what);
                Ok(())
            }
            Err(Why::Fatal(e)) => Err(e),
        }
    }

    /// A well-formed record of a kind no family holds (see [`Counts::unmapped`]).
    pub fn unmapped(&mut self, what: &str) {
        self.took();
        *self.counts.unmapped.entry(what.to_string()).or_insert(0) += 1;
    }

    fn put(&mut self, mut row: Row) -> Result<(), ImportError> {
        self.took();
        if let Some(ids) = self.ids.as_deref_mut() {
            full_container_id(ids, &mut row);
        }
        *self.counts.rows.entry(row.family().name()).or_insert(0) += 1;
        self.sink.put(&row, Some(self.at.offset))?;
        Ok(())
    }

    /// An event of the current record.
    pub fn event(&mut self, ev: Event) -> Result<(), ImportError> {
        self.put(Row::Event(ev))
    }

    /// An event of an earlier record of this input, which starts at `at` (one an importer
    /// held back until it knew no later record supersedes it; see [`Emit::hold`]).
    pub fn event_at(&mut self, at: At, ev: Event) -> Result<(), ImportError> {
        let now = std::mem::replace(&mut self.at, at);
        let put = self.put(Row::Event(ev));
        self.at = now;
        put
    }

    /// The current record is taken without rows now: its rows come later
    /// ([`Emit::event_at`]) or a later record of the same input gives them instead.
    pub fn hold(&mut self) {
        self.took();
    }

    /// A container record, once per container id (later calls for the same id are ignored).
    pub fn container(&mut self, rec: ContainerRecord) -> Result<(), ImportError> {
        let id = rec.container_id.clone();
        match self.containers.see(&id, || rec) {
            Some(r) => self.put(Row::Container(r)),
            None => Ok(()),
        }
    }

    /// A host record, once per host id and input (later calls for the same host are
    /// ignored): for sources that say what a host is but never name it in their records.
    pub fn host(&mut self, rec: HostRecord) -> Result<(), ImportError> {
        if self.hosts.contains(&rec.host_id) {
            return Ok(());
        }
        self.hosts.insert(rec.host_id.clone());
        self.put(Row::Host(rec))
    }

    /// A loss the source reports (counted in [`Counts::lost`]).
    pub fn loss(&mut self, rec: LossRecord) -> Result<(), ImportError> {
        self.counts.lost += rec.events_lost;
        self.put(Row::Loss(rec))
    }

    /// Lets the sink write what is due by age (call between records now and then).
    pub fn tick(&mut self) -> Result<(), ImportError> {
        self.sink.tick()?;
        Ok(())
    }
}

/// Expands `row`'s short container id when `ids` knows the full one (an event keeps the id
/// as recorded in `extra.container_id_recorded`), or learns its full id.
fn full_container_id(ids: &mut ContainerIds, row: &mut Row) {
    let id = match row {
        Row::Event(e) => e.container_id.as_deref(),
        Row::Container(c) => Some(c.container_id.as_str()),
        _ => None,
    };
    let Some(id) = id else { return };
    let Some(full) = ids.resolve(id).map(str::to_string) else {
        ids.add(id);
        return;
    };
    match row {
        Row::Event(e) => {
            let recorded = e.container_id.replace(full).unwrap_or_default();
            let mut extra: serde_json::Map<String, serde_json::Value> = e
                .extra
                .as_deref()
                .and_then(|x| serde_json::from_str(x).ok())
                .unwrap_or_default();
            extra.insert("container_id_recorded".into(), recorded.into());
            e.extra = Some(serde_json::Value::Object(extra).to_string());
        }
        Row::Container(c) => c.container_id = full,
        _ => {}
    }
}
