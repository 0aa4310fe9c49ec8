//! Folding container records into one row per container: the latest non-NULL value of each
//! attribute (ties on time broken by the larger value), the earliest creation and start, the
//! latest exit, every address once (sorted) — what the `containers` view computes in SQL
//! (`FOLDED_VIEWS` in src/query/mod.rs). `trace compact` stores the fold of the compacted
//! records in the index; stories fold fresh records themselves.

use std::collections::{BTreeSet, HashMap};

use arrow::array::RecordBatch;

use super::cells::{Text, ints, text};

/// One container, folded: what the store knows about it. The story shows it as it is
/// (serialised without the host, which the story names itself, and the first record).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ContainerRow {
    /// Full container id.
    pub container_id: String,
    /// Latest host.
    #[serde(skip)]
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
    /// Whether a record says it was removed from the runtime.
    pub removed: bool,
    /// Every address, sorted.
    pub ip_addresses: Vec<String>,
    /// First record, ns.
    #[serde(skip)]
    pub first_record: i64,
}

/// The value recorded last (`arg_max(v, time)` over non-NULL values).
#[derive(Debug, Default)]
pub struct Latest<T> {
    at: i64,
    /// The value.
    pub value: Option<T>,
}

impl<T: Ord> Latest<T> {
    /// Sees `v` recorded at `at`.
    pub fn see(&mut self, at: i64, v: Option<T>) {
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

/// The columns of container records [`fold_containers`] reads.
pub const RECORD_COLUMNS: &[&str] = &[
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

/// Folds container records (any order; [`RECORD_COLUMNS`]) into one row per container, by id.
pub fn fold_containers(batches: &[RecordBatch]) -> Vec<ContainerRow> {
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
    folds
        .into_iter()
        .map(|(id, f)| {
            let [name, image, image_id, runtime, pod, namespace] = f.text.map(|l| owned(l.value));
            ContainerRow {
                container_id: id.to_string(),
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
                ip_addresses: f.ips.into_iter().map(str::to_string).collect(),
                first_record: f.first.unwrap_or(0),
            }
        })
        .collect()
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

/// The columns of a stored fold (`_index/containers-folded-<gen>.parquet`).
pub const FOLDED_COLUMNS: &[&str] = &[
    "container_id",
    "host_id",
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
    "removed",
    "ip_addresses",
    "first_record",
];

/// `rows` as a batch of [`FOLDED_COLUMNS`], for the index.
pub fn folded_batch(rows: &[ContainerRow]) -> Result<RecordBatch, arrow::error::ArrowError> {
    use arrow::array::{
        ArrayRef, BooleanArray, Int64Array, ListBuilder, StringArray, StringBuilder,
    };
    use arrow::datatypes::{DataType, Field, Schema};
    use std::sync::Arc;
    let text = |f: fn(&ContainerRow) -> Option<&str>| -> ArrayRef {
        Arc::new(rows.iter().map(f).collect::<StringArray>())
    };
    let int = |f: fn(&ContainerRow) -> Option<i64>| -> ArrayRef {
        Arc::new(rows.iter().map(f).collect::<Int64Array>())
    };
    let list = |f: fn(&ContainerRow) -> &Vec<String>| -> ArrayRef {
        let mut b = ListBuilder::new(StringBuilder::new());
        for r in rows {
            for v in f(r) {
                b.values().append_value(v);
            }
            b.append(true);
        }
        Arc::new(b.finish())
    };
    let utf8_list = DataType::List(Arc::new(Field::new("item", DataType::Utf8, true)));
    let mut fields = Vec::new();
    for c in FOLDED_COLUMNS {
        let t = match *c {
            "labels" | "ip_addresses" => utf8_list.clone(),
            "created" | "started" | "exited" | "exit_code" | "first_record" => DataType::Int64,
            "removed" => DataType::Boolean,
            _ => DataType::Utf8,
        };
        fields.push(Field::new(*c, t, true));
    }
    RecordBatch::try_new(
        Arc::new(Schema::new(fields)),
        vec![
            text(|r| Some(r.container_id.as_str())),
            text(|r| Some(r.host_id.as_str())),
            text(|r| r.name.as_deref()),
            text(|r| r.image.as_deref()),
            text(|r| r.image_id.as_deref()),
            text(|r| r.runtime.as_deref()),
            text(|r| r.pod.as_deref()),
            text(|r| r.namespace.as_deref()),
            list(|r| &r.labels),
            int(|r| r.created),
            int(|r| r.started),
            int(|r| r.exited),
            int(|r| r.exit_code),
            Arc::new(
                rows.iter()
                    .map(|r| Some(r.removed))
                    .collect::<BooleanArray>(),
            ),
            list(|r| &r.ip_addresses),
            int(|r| Some(r.first_record)),
        ],
    )
}

/// Rows of a stored fold ([`folded_batch`]).
pub fn read_folded(batches: &[RecordBatch]) -> Vec<ContainerRow> {
    use super::cells::lists;
    let mut out = Vec::new();
    for b in batches {
        let t = |c: &str| text(b, c);
        let (id, host, name, image, image_id) = (
            t("container_id"),
            t("host_id"),
            t("name"),
            t("image"),
            t("image_id"),
        );
        let (runtime, pod, ns, removed) = (t("runtime"), t("pod"), t("namespace"), t("removed"));
        let (labels, ips) = (lists(b, "labels"), lists(b, "ip_addresses"));
        let (created, started, exited, code, first) = (
            ints(b, "created"),
            ints(b, "started"),
            ints(b, "exited"),
            ints(b, "exit_code"),
            ints(b, "first_record"),
        );
        let own = |v: Option<&str>| v.map(str::to_string);
        for i in 0..b.num_rows() {
            let Some(cid) = id.get(i) else { continue };
            out.push(ContainerRow {
                container_id: cid.to_string(),
                host_id: host.get(i).unwrap_or_default().to_string(),
                name: own(name.get(i)),
                image: own(image.get(i)),
                image_id: own(image_id.get(i)),
                runtime: own(runtime.get(i)),
                pod: own(pod.get(i)),
                namespace: own(ns.get(i)),
                labels: labels[i].clone(),
                created: created[i],
                started: started[i],
                exited: exited[i],
                exit_code: code[i],
                removed: removed.get(i) == Some("true"),
                ip_addresses: ips[i].clone(),
                first_record: first[i].unwrap_or(0),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_fold_reads_back_the_same() {
        let rows = vec![
            ContainerRow {
                container_id: "a".into(),
                host_id: "h".into(),
                name: Some("web".into()),
                labels: vec!["k=v".into()],
                created: Some(1),
                exit_code: Some(137),
                removed: true,
                ip_addresses: vec!["10.0.0.2".into(), "10.0.0.3".into()],
                first_record: 5,
                ..Default::default()
            },
            ContainerRow {
                container_id: "b".into(),
                host_id: "h".into(),
                ..Default::default()
            },
        ];
        let back = read_folded(&[folded_batch(&rows).unwrap()]);
        assert_eq!(format!("{back:?}"), format!("{rows:?}"));
    }
}
