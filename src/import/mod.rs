//! Importers: what other tools recorded, in the store's schema, so that one story spans every
//! source.
//!
//! ```text
//! files, dirs, stdin ─► open (gzip/zstd, SHA-256) ─► detect format ─► Importer::import
//!                                                     (or --format)    │ records → rows
//!                                                                      ▼
//!                                     Emit (dedupe by ledger, counts, --strict) ─► Sink ─► store
//! ```
//!
//! One module per source format, each a streaming parser with bounded memory that never
//! panics on input: a malformed record is reported with its line and byte offset, counted by
//! reason and skipped. Each importer maps the source's own process identity to the process
//! key ([`crate::schema::source_process_key`]) so lineage survives pid reuse; fields without a
//! column go to `extra`. [`ledger`] keeps what was imported so a second import of the same
//! lines adds nothing.

pub mod auditd;
pub mod cloudtrail;
pub mod emit;
pub mod eslogger;
pub mod falco;
pub mod json;
pub mod k8s_audit;
pub mod known;
pub mod kunai;
pub mod ledger;
pub mod open;
pub mod osquery;
pub mod procs;
pub mod sysmon;
pub mod tetragon;
pub mod tracee;
mod values;

use std::collections::HashSet;
use std::io::BufRead;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

pub use emit::{Counts, Emit, NO_HOST, Skip, Why, skip};
pub use known::ContainerIds;
pub use ledger::{InputEntry, Ledger, RunEntry};
pub use open::Source;

use crate::ingest::{Input, Sink};
use crate::store::StoreError;

/// Errors that stop an import (bad records do not: they are skipped and counted).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// Reading an input failed.
    #[error("{path}: {source}")]
    Io {
        /// The input.
        path: String,
        /// The error.
        source: std::io::Error,
    },
    /// Reading stopped inside an input (what came before is imported).
    #[error("reading stopped: {0}")]
    Read(#[from] std::io::Error),
    /// Writing the store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A bad record under `--strict`.
    #[error("{0} (--strict stops at the first bad record)")]
    Strict(Skip),
    /// No importer recognises the input.
    #[error("{path}: not a format trace imports (tried {tried}); name one with --format")]
    Unrecognised {
        /// The input.
        path: String,
        /// The formats tried.
        tried: String,
    },
    /// `--format` names no importer.
    #[error("unknown format `{0}` (known: {known})", known = names().join(", "))]
    UnknownFormat(String),
}

/// One source format.
pub trait Importer {
    /// The format's name: what `--format` takes and the `source` column holds.
    fn name(&self) -> &'static str;
    /// One line for `--help` and the docs: which tool, which of its outputs.
    fn about(&self) -> &'static str;
    /// Whether the start of an input (decompressed, up to [`open::SNIFF_BYTES`]) is in this
    /// format.
    fn sniff(&self, head: &[u8]) -> bool;
    /// Reads an input to its end, handing rows to `out`. Errors are those of reading and
    /// writing only: a bad record is [`Emit::skip`]ped.
    fn import(&self, input: &mut dyn BufRead, out: &mut Emit) -> Result<(), ImportError>;
}

/// Every importer, in the order detection tries them.
pub fn importers() -> Vec<Box<dyn Importer>> {
    vec![
        Box::new(tetragon::Tetragon),
        Box::new(auditd::Auditd),
        Box::new(auditd::laurel::Laurel),
        Box::new(sysmon::Sysmon),
        Box::new(sysmon::windows::SysmonWindows),
        Box::new(osquery::Osquery),
        Box::new(falco::Falco),
        Box::new(kunai::Kunai),
        Box::new(tracee::Tracee),
        Box::new(k8s_audit::K8sAudit),
        Box::new(cloudtrail::CloudTrail),
        Box::new(eslogger::Eslogger),
    ]
}

/// The names of every importer.
pub fn names() -> Vec<&'static str> {
    importers().iter().map(|i| i.name()).collect()
}

/// The importer named `name`.
pub fn by_name(name: &str) -> Result<Box<dyn Importer>, ImportError> {
    importers()
        .into_iter()
        .find(|i| i.name().eq_ignore_ascii_case(name))
        .ok_or_else(|| ImportError::UnknownFormat(name.to_string()))
}

/// The importer whose format `head` is in.
pub fn detect(head: &[u8]) -> Option<Box<dyn Importer>> {
    importers().into_iter().find(|i| i.sniff(head))
}

/// The store writer's settings for an import: smaller buffers than a collector's (an import
/// reads as fast as the disk gives, so files are cut by size, not age), to keep memory
/// bounded whatever the input's size; compaction merges the files later.
pub fn writer_options() -> crate::store::WriterOptions {
    crate::store::WriterOptions {
        max_rows_per_file: 128 * 1024,
        max_bytes_per_file: 32 << 20,
        max_buffered_bytes: 40 << 20,
        ..Default::default()
    }
}

/// How to import.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The format of every input, instead of detecting it.
    pub format: Option<String>,
    /// The host of sources that do not name theirs.
    pub host: Option<String>,
    /// Stop at the first bad record.
    pub strict: bool,
    /// Where standard input is spooled (the store's `tmp/`).
    pub spool_dir: PathBuf,
}

/// What became of one input.
#[derive(Debug)]
pub enum Outcome {
    /// Imported (possibly with skipped records): its format and counts; `error` when reading
    /// stopped before the end (a damaged compressed stream, an I/O error): what came before
    /// is in.
    Imported {
        /// The format.
        format: &'static str,
        /// What it gave.
        counts: Counts,
        /// Why reading stopped early.
        error: Option<ImportError>,
    },
    /// An earlier run read this very file (same SHA-256) to its end, skipping nothing.
    AlreadyImported {
        /// That run's ingest id.
        ingest_id: String,
    },
    /// A file found in a directory that no importer recognises (not an error: directories
    /// hold licences, READMEs, rotated logs of other tools).
    NotRecognised,
    /// Nothing could be read from it.
    Failed(ImportError),
}

/// One input's report.
#[derive(Debug)]
pub struct InputReport {
    /// The input, as named.
    pub input: String,
    /// What became of it.
    pub outcome: Outcome,
}

/// Imports one input into `sink`, recording what it took in `run` and `taken`; short
/// container ids become the full ones `containers` knows.
#[allow(clippy::too_many_arguments)]
pub fn import_one(
    src: &Source,
    opts: &Options,
    ledger: &Ledger,
    sink: &mut dyn Sink,
    run: &mut RunEntry,
    taken: &mut HashSet<u64>,
    containers: &mut ContainerIds,
    progress: Arc<AtomicU64>,
) -> Result<InputReport, ImportError> {
    let name = src.name();
    let io = |source| ImportError::Io {
        path: name.clone(),
        source,
    };
    let report = |outcome| InputReport {
        input: name.clone(),
        outcome,
    };
    let opened = open::open(src, &opts.spool_dir).map_err(io)?;
    if let Some((id, _)) = ledger
        .inputs
        .get(&opened.sha256)
        .filter(|(_, e)| e.complete)
    {
        return Ok(report(Outcome::AlreadyImported {
            ingest_id: id.clone(),
        }));
    }
    let importer = match &opts.format {
        Some(f) => by_name(f)?,
        None => {
            let head = open::head(&opened).map_err(io)?;
            match detect(&head) {
                Some(i) => i,
                None if matches!(src, Source::Found(_)) => {
                    return Ok(report(Outcome::NotRecognised));
                }
                None => {
                    return Ok(report(Outcome::Failed(ImportError::Unrecognised {
                        path: name.clone(),
                        tried: names().join(", "),
                    })));
                }
            }
        }
    };
    let mut reader = open::reader(&opened, progress).map_err(io)?;
    sink.begin_input(Input::file(&name, &opened.sha256));
    let mut out = Emit::new(sink, &ledger.digests, taken, opts.host.clone(), opts.strict)
        .resolving(containers);
    let error = match importer.import(&mut reader, &mut out) {
        Ok(()) => None,
        Err(e @ ImportError::Read(_)) => Some(e),
        Err(e) => return Err(e),
    };
    let counts = out.counts.clone();
    run.inputs.push(InputEntry {
        path: name.clone(),
        sha256: opened.sha256.clone(),
        bytes: opened.bytes,
        format: importer.name().to_string(),
        records: counts.records,
        rows: counts.rows.values().sum(),
        skipped: counts.skipped_total(),
        duplicates: counts.duplicates,
        complete: counts.skipped_total() == 0 && error.is_none(),
    });
    Ok(report(Outcome::Imported {
        format: importer.name(),
        counts,
        error,
    }))
}

/// Test helpers: an importer over a fixture file, into memory.
#[cfg(test)]
pub(crate) mod testing {
    use super::*;
    use crate::ingest::MemorySink;
    use crate::schema::{ContainerRecord, Event, Row};

    /// `testdata/fixtures/<rel>`.
    pub fn fixture(rel: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("testdata/fixtures")
            .join(rel)
    }

    /// Everything `importer` makes of `bytes`.
    pub fn import_bytes(
        importer: &dyn Importer,
        bytes: &[u8],
        host: Option<&str>,
    ) -> (Vec<Row>, Counts) {
        let (rows, counts, ended) = import_reader(importer, &mut &bytes[..], host);
        ended.expect("import never fails on bad records");
        (rows, counts)
    }

    /// Everything `importer` makes of `input`, and how the import ended.
    pub fn import_reader(
        importer: &dyn Importer,
        input: &mut dyn BufRead,
        host: Option<&str>,
    ) -> (Vec<Row>, Counts, Result<(), ImportError>) {
        let mut sink = MemorySink::default();
        let known = ledger::Digests::default();
        let mut taken = std::collections::HashSet::new();
        let mut out = Emit::new(
            &mut sink,
            &known,
            &mut taken,
            host.map(str::to_string),
            false,
        );
        let ended = importer.import(input, &mut out);
        let counts = out.counts.clone();
        (sink.into_rows(), counts, ended)
    }

    /// Everything `importer` makes of the fixture `rel`.
    pub fn import_fixture(importer: &dyn Importer, rel: &str) -> (Vec<Row>, Counts) {
        let bytes = std::fs::read(fixture(rel)).expect("fixture");
        import_bytes(importer, &bytes, None)
    }

    /// The events among `rows`.
    pub fn events(rows: &[Row]) -> Vec<&Event> {
        rows.iter()
            .filter_map(|r| match r {
                Row::Event(e) => Some(e),
                _ => None,
            })
            .collect()
    }

    /// The api-family detail of `e` (panics on another family).
    pub fn api_of(e: &Event) -> &crate::schema::ApiDetail {
        match &e.detail {
            crate::schema::Detail::Api(d) => d,
            d => panic!("not an api event: {d:?}"),
        }
    }

    /// `e`'s `extra` as JSON (an empty object when it has none).
    pub fn extra_of(e: &Event) -> serde_json::Value {
        serde_json::from_str(e.extra.as_deref().unwrap_or("{}")).expect("extra is JSON")
    }

    /// The container records among `rows`.
    pub fn containers(rows: &[Row]) -> Vec<&ContainerRecord> {
        rows.iter()
            .filter_map(|r| match r {
                Row::Container(c) => Some(c),
                _ => None,
            })
            .collect()
    }

    /// Asserts that every record of an import is accounted for: it gave `rows_of_records`
    /// (what the test counts per record, e.g. events less findings), was not mapped, was a
    /// duplicate, or was skipped for one of `record_skips`; and that every other skip is of
    /// a stretch that never was a record ([`json::NOT_JSON`] or one of `stretch_skips`).
    /// Returns the record skips.
    pub fn assert_accounted(
        c: &Counts,
        rows_of_records: u64,
        record_skips: &[&str],
        stretch_skips: &[&str],
        what: &str,
    ) -> u64 {
        let count = |rs: &[&str]| -> u64 {
            rs.iter()
                .map(|r| c.skipped.get(*r).copied().unwrap_or(0))
                .sum()
        };
        let (records, stretches) = (count(record_skips), count(stretch_skips));
        let not_json = c.skipped.get(json::NOT_JSON).copied().unwrap_or(0);
        assert_eq!(
            records + stretches + not_json,
            c.skipped_total(),
            "{what}: unknown skip reasons in {:?}",
            c.skipped
        );
        let unmapped: u64 = c.unmapped.values().sum();
        assert_eq!(
            rows_of_records + unmapped + c.duplicates + records,
            c.records,
            "{what}: {c:?}"
        );
        records
    }

    /// Truncated and byte-flipped copies of `bytes` (a fixed xorshift): each must import
    /// without a panic, and report what it skipped.
    pub fn mangled(bytes: &[u8]) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let n = bytes.len();
        for cut in [n / 7, n / 3, n / 2, n - n / 5, n.saturating_sub(1)] {
            out.push(bytes[..cut].to_vec());
        }
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..24 {
            let mut b = bytes.to_vec();
            for _ in 0..8 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                if !b.is_empty() {
                    let i = (x as usize) % b.len();
                    b[i] = (x >> 32) as u8;
                }
            }
            out.push(b);
        }
        out
    }
}
