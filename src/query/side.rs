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

use super::cells::{Text, ints, lists, strs, text};
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
    const TEXT: [&str; 6] = ["name", "image", "image_id", "runtime", "pod", "namespace"];
    /// One batch's columns, read in place.
    struct Cols {
        id: Text,
        host: Text,
        state: Text,
        text: [Text; 6],
        t: Vec<Option<i64>>,
        created: Vec<Option<i64>>,
        started: Vec<Option<i64>>,
        exited: Vec<Option<i64>>,
        code: Vec<Option<i64>>,
        labels: StrLists,
        ips: StrLists,
    }
    /// Values borrow from the batches' columns; strings are copied once per container.
    #[derive(Default)]
    struct Fold<'a> {
        host: Latest<&'a str>,
        text: [Latest<&'a str>; 6],
        labels: Latest<Vec<&'a str>>,
        exit_code: Latest<i64>,
        created: Option<i64>,
        started: Option<i64>,
        exited: Option<i64>,
        removed: bool,
        ips: BTreeSet<&'a str>,
        first: Option<i64>,
    }
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
    let batches = engine.select(&Filter::family(Family::Containers), cols)?;
    let cols: Vec<Cols> = batches
        .iter()
        .map(|b| Cols {
            id: text(b, "container_id"),
            host: text(b, "host_id"),
            state: text(b, "state"),
            text: TEXT.map(|c| text(b, c)),
            t: ints(b, "time"),
            created: ints(b, "created"),
            started: ints(b, "started"),
            exited: ints(b, "exited"),
            code: ints(b, "exit_code"),
            labels: StrLists::of(b, "labels"),
            ips: StrLists::of(b, "ip_addresses"),
        })
        .collect();
    let mut at_id: HashMap<&str, usize> = HashMap::new();
    let mut folds: Vec<(&str, Fold)> = Vec::new();
    for c in &cols {
        for i in 0..c.t.len() {
            let Some(id) = c.id.get(i) else { continue };
            let at = c.t[i].unwrap_or(0);
            let n = *at_id.entry(id).or_insert_with(|| {
                folds.push((id, Fold::default()));
                folds.len() - 1
            });
            let f = &mut folds[n].1;
            f.host.see(at, c.host.get(i));
            for (k, col) in c.text.iter().enumerate() {
                f.text[k].see(at, col.get(i));
            }
            let labels: Vec<&str> = c.labels.get(i).collect();
            f.labels.see(at, Some(labels).filter(|l| !l.is_empty()));
            f.exit_code.see(at, c.code[i]);
            f.created = min(f.created, c.created[i]);
            f.started = min(f.started, c.started[i]);
            f.exited = max(f.exited, c.exited[i]);
            f.removed |= c.state.get(i) == Some("removed");
            f.ips.extend(c.ips.get(i));
            f.first = min(f.first, c.t[i]);
        }
    }
    folds.sort_by(|a, b| a.0.cmp(b.0));
    let owned = |v: Option<&str>| v.map(str::to_string);
    Ok(folds
        .into_iter()
        .map(|(id, f)| {
            let [name, image, image_id, runtime, pod, namespace] = f.text.map(|l| owned(l.value));
            ContainerRow {
                id: id.to_string(),
                host_id: f.host.value.unwrap_or_default().to_string(),
                name,
                image,
                image_id,
                runtime,
                pod,
                namespace,
                labels: f
                    .labels
                    .value
                    .unwrap_or_default()
                    .into_iter()
                    .map(str::to_string)
                    .collect(),
                created: f.created,
                started: f.started,
                exited: f.exited,
                exit_code: f.exit_code.value,
                removed: f.removed,
                ips: f.ips.into_iter().map(str::to_string).collect(),
                first_record: f.first.unwrap_or(0),
            }
        })
        .collect())
}

/// A list-of-text column read in place.
struct StrLists(Option<(arrow::array::ListArray, arrow::array::StringArray)>);

impl StrLists {
    fn of(b: &arrow::array::RecordBatch, name: &str) -> StrLists {
        use arrow::array::AsArray;
        let Some(l) = b.column_by_name(name).and_then(|c| c.as_list_opt::<i32>()) else {
            return StrLists(None);
        };
        let Some(v) = l.values().as_string_opt::<i32>() else {
            return StrLists(None);
        };
        StrLists(Some((l.clone(), v.clone())))
    }

    /// Row `i`'s non-NULL items (none for a NULL list).
    fn get(&self, i: usize) -> impl Iterator<Item = &str> {
        use arrow::array::Array;
        let items = match &self.0 {
            Some((l, v)) if l.is_valid(i) => {
                let o = l.value_offsets();
                let (a, b) = (o[i] as usize, o[i + 1] as usize);
                Some((a..b).filter(|j| v.is_valid(*j)).map(|j| v.value(j)))
            }
            _ => None,
        };
        items.into_iter().flatten()
    }
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
