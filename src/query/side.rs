//! Hosts, containers and loss records as stories read them.
//!
//! The side-table records are folded here the way the `hosts` and `containers` views fold them
//! for SQL users (`FOLDED_VIEWS` in src/query/mod.rs): the latest non-NULL value of each
//! attribute, the earliest creation and start, the latest exit, every address once. The story
//! reads the records through [`Engine::select`], so a compacted store answers without DuckDB
//! and both ways give the same rows (ties on time are broken by the larger value, and address
//! lists are sorted, where DuckDB's order is unspecified).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::rc::Rc;

use super::cells::{ints, lists, strs};
use super::scan::Filter;
use super::{Engine, QueryError};
use crate::schema::Family;

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

/// One container, folded.
#[derive(Debug, Clone, Default)]
pub struct ContainerRow {
    /// Container id.
    pub id: String,
    /// Latest host.
    pub host_id: String,
    /// Latest name.
    pub name: Option<String>,
    /// Latest image.
    pub image: Option<String>,
    /// Latest image id.
    pub image_id: Option<String>,
    /// Latest runtime.
    pub runtime: Option<String>,
    /// Latest pod.
    pub pod: Option<String>,
    /// Latest namespace.
    pub namespace: Option<String>,
    /// Latest non-empty labels.
    pub labels: Vec<String>,
    /// Earliest creation, ns.
    pub created: Option<i64>,
    /// Earliest start, ns.
    pub started: Option<i64>,
    /// Latest exit, ns.
    pub exited: Option<i64>,
    /// Latest exit code.
    pub exit_code: Option<i64>,
    /// Whether a record says it was removed.
    pub removed: bool,
    /// Every address, sorted.
    pub ips: Vec<String>,
    /// First record, ns.
    pub first_record: i64,
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

/// The value recorded last (`arg_max(v, time)` over non-NULL values).
#[derive(Debug, Default)]
struct Latest<T> {
    at: i64,
    value: Option<T>,
}

impl<T: Ord> Latest<T> {
    fn see(&mut self, at: i64, v: Option<T>) {
        let Some(v) = v else { return };
        let newer = match &self.value {
            None => true,
            Some(old) => at > self.at || (at == self.at && v > *old),
        };
        if newer {
            self.at = at;
            self.value = Some(v);
        }
    }
}

fn min(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn max(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// Every host, by id (folded once per engine and set of files).
pub fn hosts(engine: &Engine) -> Result<Rc<Vec<HostRow>>, QueryError> {
    let files = engine.files(Family::Hosts);
    if let Some((f, rows)) = &*engine.scan.hosts.borrow()
        && *f == files
    {
        return Ok(rows.clone());
    }
    let rows = Rc::new(fold_hosts(engine)?);
    *engine.scan.hosts.borrow_mut() = Some((files, rows.clone()));
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
    for b in engine.select(&Filter::family(Family::Hosts), cols)? {
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

/// Every container, by id (folded once per engine and set of files).
pub fn containers(engine: &Engine) -> Result<Rc<Vec<ContainerRow>>, QueryError> {
    let files = engine.files(Family::Containers);
    if let Some((f, rows)) = &*engine.scan.containers.borrow()
        && *f == files
    {
        return Ok(rows.clone());
    }
    let t = std::time::Instant::now();
    let rows = Rc::new(fold_containers(engine)?);
    super::profile(t, "containers folded");
    *engine.scan.containers.borrow_mut() = Some((files, rows.clone()));
    Ok(rows)
}

fn fold_containers(engine: &Engine) -> Result<Vec<ContainerRow>, QueryError> {
    #[derive(Default)]
    struct Fold {
        host: Latest<String>,
        text: [Latest<String>; 6],
        labels: Latest<Vec<String>>,
        exit_code: Latest<i64>,
        row: ContainerRow,
        ips: BTreeSet<String>,
        first: Option<i64>,
    }
    const TEXT: [&str; 6] = ["name", "image", "image_id", "runtime", "pod", "namespace"];
    let cols = &[
        "container_id",
        "time",
        "host_id",
        "state",
        "name",
        "image",
        "image_id",
        "runtime",
        "pod",
        "namespace",
        "labels",
        "created",
        "started",
        "exited",
        "exit_code",
        "ip_addresses",
    ];
    // Folds live in a Vec (a B-tree of these large values would move them on every insert).
    let mut at_id: HashMap<String, usize> = HashMap::new();
    let mut folds: Vec<(String, Fold)> = Vec::new();
    for b in engine.select(&Filter::family(Family::Containers), cols)? {
        let (id, t, host, state) = (
            strs(&b, "container_id"),
            ints(&b, "time"),
            strs(&b, "host_id"),
            strs(&b, "state"),
        );
        let text: Vec<Vec<Option<String>>> = TEXT.iter().map(|c| strs(&b, c)).collect();
        let (labels, ips) = (lists(&b, "labels"), lists(&b, "ip_addresses"));
        let (created, started, exited, code) = (
            ints(&b, "created"),
            ints(&b, "started"),
            ints(&b, "exited"),
            ints(&b, "exit_code"),
        );
        for i in 0..b.num_rows() {
            let Some(id) = id[i].as_deref() else { continue };
            let at = t[i].unwrap_or(0);
            let n = *at_id.entry(id.to_string()).or_insert_with(|| {
                folds.push((id.to_string(), Fold::default()));
                folds.len() - 1
            });
            let f = &mut folds[n].1;
            f.host.see(at, host[i].clone());
            for (k, col) in text.iter().enumerate() {
                f.text[k].see(at, col[i].clone());
            }
            f.labels
                .see(at, Some(labels[i].clone()).filter(|l| !l.is_empty()));
            f.exit_code.see(at, code[i]);
            f.row.created = min(f.row.created, created[i]);
            f.row.started = min(f.row.started, started[i]);
            f.row.exited = max(f.row.exited, exited[i]);
            f.row.removed |= state[i].as_deref() == Some("removed");
            f.ips.extend(ips[i].iter().cloned());
            f.first = min(f.first, t[i]);
        }
    }
    folds.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(folds
        .into_iter()
        .map(|(id, f)| {
            let [name, image, image_id, runtime, pod, namespace] = f.text.map(|l| l.value);
            ContainerRow {
                id,
                host_id: f.host.value.unwrap_or_default(),
                name,
                image,
                image_id,
                runtime,
                pod,
                namespace,
                labels: f.labels.value.unwrap_or_default(),
                exit_code: f.exit_code.value,
                ips: f.ips.into_iter().collect(),
                first_record: f.first.unwrap_or(0),
                ..f.row
            }
        })
        .collect())
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
    for b in engine.select(&filter, cols)? {
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
