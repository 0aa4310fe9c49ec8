//! `trace verify case/`: a case bundle re-checked, on any machine, without the store.
//!
//! Every file against `SHA256SUMS` (altered, missing, added), the digest of `SHA256SUMS`
//! against one recorded elsewhere, `case.json` against the journal copy (its head, and each
//! source file sealed as it says), the journal copy's hash chain, and `events.parquet`
//! against `case.json` (rows per source file).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::fs::File;
use std::path::Path;

use arrow::array::{Array, AsArray};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use sha2::{Digest, Sha256};

use super::{CASE_FORMAT, CaseError, CaseManifest, EVENTS, MANIFEST, STORE_COPY, SUMS, io};
use crate::store::atomic::hex;
use crate::store::seal::check::{Problem, check_journal, digest_file};
use crate::store::seal::read_journal;

/// One thing wrong with a case bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseProblem {
    /// A listed file whose content differs.
    Altered {
        /// Path in the bundle.
        path: String,
        /// SHA-256 listed.
        listed: String,
        /// SHA-256 found.
        found: String,
    },
    /// A listed file that is gone.
    Missing(String),
    /// A file `SHA256SUMS` does not list.
    Added(String),
    /// A line of `SHA256SUMS` that is not `<sha256>  <path>`, or `SHA256SUMS` itself.
    Sums {
        /// 1-based line (0: the file as a whole).
        line: usize,
        /// What is wrong.
        why: String,
    },
    /// The digest differs from the one recorded.
    Digest {
        /// Recorded.
        expected: String,
        /// Found.
        found: String,
    },
    /// `case.json` is unreadable or disagrees with the rest.
    Manifest(String),
    /// The journal copy's chain or head.
    Journal(Problem),
}

impl fmt::Display for CaseProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CaseProblem::Altered {
                path,
                listed,
                found,
            } => write!(f, "altered: {path} (listed sha256 {listed}, found {found})"),
            CaseProblem::Missing(p) => write!(f, "missing: {p} (listed in {SUMS})"),
            CaseProblem::Added(p) => write!(f, "added: {p} (not listed in {SUMS})"),
            CaseProblem::Sums { line: 0, why } => write!(f, "{SUMS}: {why}"),
            CaseProblem::Sums { line, why } => write!(f, "{SUMS} line {line}: {why}"),
            CaseProblem::Digest { expected, found } => write!(
                f,
                "digest: the case's digest is {found}, not the recorded {expected} ({SUMS} replaced)"
            ),
            CaseProblem::Manifest(why) => write!(f, "{MANIFEST}: {why}"),
            CaseProblem::Journal(p) => write!(f, "journal copy ({STORE_COPY}/): {p}"),
        }
    }
}

/// What [`check_case`] found.
#[derive(Debug, Clone, Default)]
pub struct CaseReport {
    /// Files hashed.
    pub files: u64,
    /// Bytes hashed.
    pub bytes: u64,
    /// The SHA-256 of `SHA256SUMS` (empty when it is missing).
    pub digest: String,
    /// `case.json`, when it could be read.
    pub manifest: Option<CaseManifest>,
    /// Journal entries in the copy.
    pub entries: u64,
    /// Everything wrong.
    pub problems: Vec<CaseProblem>,
}

/// True when `dir` is a case bundle (it has a `case.json` and no store marker).
pub fn is_case(dir: &Path) -> bool {
    dir.join(MANIFEST).is_file() && !dir.join(crate::store::MARKER).exists()
}

/// Checks the bundle in `dir`. `expect_digest`: its digest recorded elsewhere;
/// `expect_head`: a store head recorded elsewhere, which must be an entry of the journal
/// copy. `progress` gets the bytes of each file hashed.
pub fn check_case(
    dir: &Path,
    expect_digest: Option<&str>,
    expect_head: Option<&str>,
    progress: &mut dyn FnMut(u64),
) -> Result<CaseReport, CaseError> {
    let mut r = CaseReport::default();
    let sums_path = dir.join(SUMS);
    let listed = match std::fs::read(&sums_path) {
        Ok(bytes) => {
            r.digest = hex(&Sha256::digest(&bytes));
            parse_sums(&bytes, &mut r.problems)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            r.problems.push(CaseProblem::Sums {
                line: 0,
                why: "missing: nothing in the bundle can be checked against it".into(),
            });
            BTreeMap::new()
        }
        Err(e) => return Err(io(&sums_path)(e)),
    };
    if let Some(want) = expect_digest
        && want != r.digest
    {
        r.problems.push(CaseProblem::Digest {
            expected: want.to_string(),
            found: r.digest.clone(),
        });
    }
    let present = super::bundle_files(dir);
    let names: BTreeSet<&str> = present.iter().map(|(p, _)| p.as_str()).collect();
    for (rel, abs) in &present {
        let Some(want) = listed.get(rel) else {
            r.problems.push(CaseProblem::Added(rel.clone()));
            continue;
        };
        let (found, n) = digest_file(abs).map_err(io(abs))?;
        r.files += 1;
        r.bytes += n;
        progress(n);
        if &found != want {
            r.problems.push(CaseProblem::Altered {
                path: rel.clone(),
                listed: want.clone(),
                found,
            });
        }
    }
    for rel in listed.keys() {
        if !names.contains(rel.as_str()) {
            r.problems.push(CaseProblem::Missing(rel.clone()));
        }
    }
    let manifest = match std::fs::read(dir.join(MANIFEST)) {
        Ok(b) => match serde_json::from_slice::<CaseManifest>(&b) {
            Ok(m) if m.format == CASE_FORMAT => Some(m),
            Ok(m) => {
                r.problems.push(CaseProblem::Manifest(format!(
                    "format {:?}, this trace reads {CASE_FORMAT}",
                    m.format
                )));
                None
            }
            Err(e) => {
                r.problems.push(CaseProblem::Manifest(format!(
                    "not a case description: {e}"
                )));
                None
            }
        },
        Err(e) => {
            r.problems.push(CaseProblem::Manifest(e.to_string()));
            None
        }
    };
    if let Some(m) = &manifest {
        against_journal(dir, m, expect_head, &mut r)?;
        against_rows(dir, m, &mut r.problems);
    }
    r.manifest = manifest;
    Ok(r)
}

/// `<64 hex>  <path>` per line, as `sha256sum` writes it.
fn parse_sums(bytes: &[u8], problems: &mut Vec<CaseProblem>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (i, line) in String::from_utf8_lossy(bytes).lines().enumerate() {
        let ok = line.split_once("  ").filter(|(sha, path)| {
            sha.len() == 64 && sha.bytes().all(|b| b.is_ascii_hexdigit()) && !path.is_empty()
        });
        match ok {
            Some((sha, path)) if out.insert(path.to_string(), sha.to_string()).is_none() => {}
            Some((_, path)) => problems.push(CaseProblem::Sums {
                line: i + 1,
                why: format!("{path} listed twice"),
            }),
            None => problems.push(CaseProblem::Sums {
                line: i + 1,
                why: "not `<sha256>  <path>`".into(),
            }),
        }
    }
    out
}

/// The journal copy's chain and head, and `case.json`'s head and seals against it.
fn against_journal(
    dir: &Path,
    m: &CaseManifest,
    expect_head: Option<&str>,
    r: &mut CaseReport,
) -> Result<(), CaseError> {
    let root = dir.join(STORE_COPY);
    let (entries, head, problems) = check_journal(&root, expect_head)?;
    r.entries = entries;
    r.problems
        .extend(problems.into_iter().map(CaseProblem::Journal));
    if head != m.store.head {
        r.problems.push(CaseProblem::Manifest(format!(
            "names store head {} but the journal copy's head is {}",
            m.store
                .head
                .as_ref()
                .map_or("none".into(), |h| format!("entry {} {}", h.seq, h.hash)),
            head.as_ref()
                .map_or("none".into(), |h| format!("entry {} {}", h.seq, h.hash)),
        )));
    }
    let mut sealed: BTreeMap<(u64, &str), &str> = BTreeMap::new();
    let lines = read_journal(&root)?;
    let entries: Vec<_> = lines.into_iter().filter_map(|l| l.parsed.ok()).collect();
    for e in &entries {
        for a in &e.body.add {
            sealed.insert((e.body.seq, a.path.as_str()), a.sha256.as_str());
        }
    }
    for s in &m.sources {
        if let Some(seal) = &s.sealed
            && sealed.get(&(seal.seq, s.path.as_str())) != Some(&seal.sha256.as_str())
        {
            r.problems.push(CaseProblem::Manifest(format!(
                "source {} sealed by entry {} with sha256 {}: the journal copy's entry {} does not seal it so",
                s.path, seal.seq, seal.sha256, seal.seq
            )));
        }
    }
    Ok(())
}

/// `events.parquet`'s rows per source file against `case.json`.
fn against_rows(dir: &Path, m: &CaseManifest, problems: &mut Vec<CaseProblem>) {
    let path = dir.join(EVENTS);
    let counted = match rows_per_source(&path) {
        Ok(c) => c,
        Err(why) => {
            // A missing or altered file is reported above; say why it cannot be read too.
            problems.push(CaseProblem::Manifest(format!(
                "cannot read {EVENTS}: {why}"
            )));
            return;
        }
    };
    let listed: BTreeMap<&str, u64> = m
        .sources
        .iter()
        .map(|s| (s.path.as_str(), s.rows))
        .collect();
    let found: BTreeMap<&str, u64> = counted.iter().map(|(p, n)| (p.as_str(), *n)).collect();
    if listed != found {
        let total = |c: &BTreeMap<&str, u64>| c.values().sum::<u64>();
        problems.push(CaseProblem::Manifest(format!(
            "lists {} rows from {} source files, {EVENTS} holds {} rows from {}",
            total(&listed),
            listed.len(),
            total(&found),
            found.len()
        )));
    }
    let by_family: u64 = m.events.values().sum();
    if by_family != found.values().sum::<u64>() {
        problems.push(CaseProblem::Manifest(format!(
            "counts {by_family} events by family, {EVENTS} holds {}",
            found.values().sum::<u64>()
        )));
    }
}

fn rows_per_source(path: &Path) -> Result<BTreeMap<String, u64>, String> {
    let file = File::open(path).map_err(|e| e.to_string())?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| e.to_string())?;
    let schema = builder.parquet_schema();
    let Some(i) = (0..schema.num_columns()).find(|&i| schema.column(i).name() == "source_file")
    else {
        return Err("it has no source_file column".into());
    };
    let mask = ProjectionMask::leaves(schema, [i]);
    let reader = builder
        .with_projection(mask)
        .build()
        .map_err(|e| e.to_string())?;
    let mut out = BTreeMap::new();
    for batch in reader {
        let batch = batch.map_err(|e| e.to_string())?;
        let col = arrow::compute::cast(batch.column(0), &arrow::datatypes::DataType::Utf8)
            .map_err(|e| e.to_string())?;
        let col = col.as_string::<i32>();
        for j in 0..col.len() {
            if col.is_valid(j) {
                *out.entry(col.value(j).to_string()).or_insert(0) += 1;
            }
        }
    }
    Ok(out)
}
