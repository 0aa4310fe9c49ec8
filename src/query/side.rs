//! Hosts, containers and loss records as stories read them.
//!
//! The side-table records are folded here the way the `hosts` and `containers` views fold them
//! for SQL users (`FOLDED_VIEWS` in src/query/mod.rs): the latest non-NULL value of each
//! attribute, the earliest creation and start, the latest exit, every address once. The story
//! reads the records through [`Engine::select`], so a compacted store answers without DuckDB
//! and both ways give the same rows (ties on time are broken by the larger value, and address
//! lists are sorted, where DuckDB's order is unspecified).

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use super::Filter;
use super::cells::{ints, lists, strs};
use super::{Engine, QueryError};
use crate::schema::Family;
pub use crate::store::fold::ContainerRow;
use crate::store::fold::{FOLDED_COLUMNS, Latest, RECORD_COLUMNS, fold_containers, read_folded};

/// One host, folded.
#[derive(Debug, Clone, Default)]
pub struct HostRow {
    /// Host id.
    pub host_id: String,
    /// Latest hostname.
    pub hostname: Option<String>,
    /// Every address, sorted.
    pub ips: Vec<String>,
}

/// One loss record.
#[derive(Debug, Clone)]
pub struct LossRow {
    /// Host id.
    pub host_id: String,
    /// Interval start, ns.
    pub since: i64,
    /// Interval end, ns.
    pub until: i64,
    /// Events lost.
    pub events_lost: u64,
    /// Why.
    pub reason: String,
    /// Which collector or importer.
    pub source: String,
}

/// Every host, by id (folded once per engine).
pub fn hosts(engine: &Engine) -> Result<Rc<Vec<HostRow>>, QueryError> {
    if let Some(rows) = engine.scan.hosts.get() {
        return Ok(rows.clone());
    }
    let rows = Rc::new(fold_hosts(engine)?);
    let _ = engine.scan.hosts.set(rows.clone());
    Ok(rows)
}

fn fold_hosts(engine: &Engine) -> Result<Vec<HostRow>, QueryError> {
    #[derive(Default)]
    struct Fold {
        name: Latest<String>,
        ips: BTreeSet<String>,
    }
    let mut by: BTreeMap<String, Fold> = BTreeMap::new();
    let cols = &["host_id", "time", "hostname", "ip_addresses"];
    for b in engine.select(&Filter::family(Family::Hosts).everywhere(), cols)? {
        let (id, t, name, ips) = (
            strs(&b, "host_id"),
            ints(&b, "time"),
            strs(&b, "hostname"),
            lists(&b, "ip_addresses"),
        );
        for i in 0..b.num_rows() {
            let Some(id) = id[i].clone() else { continue };
            let f = by.entry(id).or_default();
            f.name.see(t[i].unwrap_or(0), name[i].clone());
            f.ips.extend(ips[i].iter().cloned());
        }
    }
    Ok(by
        .into_iter()
        .map(|(host_id, f)| HostRow {
            host_id,
            hostname: f.name.value,
            ips: f.ips.into_iter().collect(),
        })
        .collect())
}

/// Every container, by id (folded once per engine).
pub fn containers(engine: &Engine) -> Result<Rc<Vec<ContainerRow>>, QueryError> {
    if let Some(rows) = engine.scan.containers.get() {
        return Ok(rows.clone());
    }
    let files = engine.files(Family::Containers);
    let t = std::time::Instant::now();
    // No container record since the last compaction: the index holds their fold.
    if files.0.is_empty()
        && let Some(p) = engine.index().and_then(|ix| ix.folded_containers())
    {
        let all = Filter::family(Family::Containers).quiet();
        let b = engine
            .scan
            .files
            .read(&p, None, &all, FOLDED_COLUMNS, None)?;
        let rows = Rc::new(read_folded(&b));
        engine.log_equivalent("SELECT * FROM containers", &[], rows.len(), t.elapsed())?;
        super::profile(t, "containers read folded");
        let _ = engine.scan.containers.set(rows.clone());
        return Ok(rows);
    }
    let all = Filter::family(Family::Containers).everywhere();
    let batches = engine.select(&all, RECORD_COLUMNS)?;
    let rows = Rc::new(fold_containers(&batches));
    super::profile(t, "containers folded");
    let _ = engine.scan.containers.set(rows.clone());
    Ok(rows)
}

/// Loss records of `hosts` whose interval overlaps [since, until], by start.
pub fn loss(
    engine: &Engine,
    hosts: &[String],
    since: i64,
    until: i64,
) -> Result<Vec<LossRow>, QueryError> {
    let cols = &[
        "host_id",
        "interval_start",
        "interval_end",
        "events_lost",
        "reason",
        "source",
    ];
    let filter = Filter::family(Family::Loss).within("host_id", hosts.iter().cloned());
    let mut out = Vec::new();
    for b in engine.select(&filter.everywhere(), cols)? {
        let (id, s, e, n) = (
            strs(&b, "host_id"),
            ints(&b, "interval_start"),
            ints(&b, "interval_end"),
            ints(&b, "events_lost"),
        );
        let (reason, source) = (strs(&b, "reason"), strs(&b, "source"));
        for i in 0..b.num_rows() {
            let (Some(s), Some(e)) = (s[i], e[i]) else {
                continue;
            };
            if e < since || s > until {
                continue;
            }
            out.push(LossRow {
                host_id: id[i].clone().unwrap_or_default(),
                since: s,
                until: e,
                events_lost: n[i].unwrap_or(0).max(0) as u64,
                reason: reason[i].clone().unwrap_or_default(),
                source: source[i].clone().unwrap_or_default(),
            });
        }
    }
    out.sort_by(|a, b| {
        (a.since, a.until, &a.host_id, &a.source).cmp(&(b.since, b.until, &b.host_id, &b.source))
    });
    Ok(out)
}
