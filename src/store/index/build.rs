//! Building the index of a generation: postings, process graph, container ids, people
//! summary, side-table copies and the folded containers, from the compacted files as they are
//! written and from the previous generation for the files kept.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;

use arrow::array::{
    Array, AsArray, Date32Array, Int64Array, RecordBatch, StringArray, UInt32Array,
};
use arrow::compute::concat_batches;
use arrow::datatypes::{DataType, Field, Int64Type, Schema, SchemaRef};
use parquet::file::properties::WriterProperties;

use super::format::{
    UserActivity, Users, WHOLE_FILE, graph_schema, index_properties, key_hash, kind, read_users,
    users_schema,
};
use crate::schema::Family;
use crate::store::atomic::{sync_dir, write_parquet};
use crate::store::conform::{get, i64_col, read_all, read_conformed, str_col};
use crate::store::fold::{fold_containers, folded_batch};
use crate::store::manifest::{FileEntry, IndexFiles, Manifest};
use crate::store::postings::{self, Postings};
use crate::store::writer::data_properties;
use crate::store::{Store, StoreError};

/// A process of the graph: its parent, its ppid, its first event time.
#[derive(Debug, Clone, PartialEq, Eq)]
struct GraphRow {
    host: String,
    key: String,
    parent: Option<String>,
    ppid: Option<i64>,
    t: i64,
}

/// Adds the host execs of people ([`crate::predicates::person_exec`]) in `batch` (process
/// events of compacted file `file`) to `users`; returns the user names seen.
fn user_activity<'a>(batch: &'a RecordBatch, file: u32, users: &mut Users) -> BTreeSet<&'a str> {
    let people = crate::predicates::person_exec().eval(batch);
    let (host, user) = (str_col(batch, "host_id"), str_col(batch, "user_name"));
    let (uid, time) = (i64_col(batch, "uid"), i64_col(batch, "time"));
    let mut seen = BTreeSet::new();
    for i in (0..batch.num_rows()).filter(|i| people.value(*i)) {
        let Some(u) = get(user, i) else { continue };
        seen.insert(u);
        let t = time.as_ref().map(|a| a.value(i)).unwrap_or(0);
        let id = uid.as_ref().map(|a| a.value(i)).unwrap_or(-1);
        users
            .entry((u.to_string(), file))
            .or_insert_with(|| UserActivity {
                host_id: get(host, i).unwrap_or_default().to_string(),
                first: t,
                last: t,
                count: 0,
                uid: id,
            })
            .add(t, id);
    }
    seen
}

/// The index of one generation, as it is built.
#[derive(Default)]
pub(crate) struct IndexBuilder {
    keys: Vec<postings::Posting>,
    graph: HashMap<(String, String), GraphRow>,
    ids: BTreeSet<String>,
    users: Users,
}

impl IndexBuilder {
    /// Indexes the rows of compacted file `file` (of `family`).
    pub(crate) fn add(&mut self, family: Family, batch: &RecordBatch, file: u32) {
        let IndexBuilder {
            keys,
            graph,
            ids,
            users,
        } = self;
        index_rows(family, batch, file, keys, graph, ids, users);
    }
}

/// Index rows of one compacted file.
fn index_rows(
    family: Family,
    batch: &RecordBatch,
    file: u32,
    keys: &mut Vec<postings::Posting>,
    graph: &mut HashMap<(String, String), GraphRow>,
    ids: &mut BTreeSet<String>,
    users: &mut Users,
) {
    let n = batch.num_rows();
    let ctr = str_col(batch, "container_id");
    let host = str_col(batch, "host_id");
    let mut push = |h: i64, row: u32| keys.push((h, file, row));
    let mut last_ctr: Option<&str> = None;
    for i in 0..n {
        if let Some(c) = get(ctr, i)
            && last_ctr != Some(c)
        {
            push(key_hash(kind::CONTAINER, &[c]), WHOLE_FILE);
            if family.is_event() {
                ids.insert(c.to_string());
            }
            last_ctr = Some(c);
        }
    }
    if !family.is_event() {
        return;
    }
    let key = str_col(batch, "process_key");
    let parent = str_col(batch, "parent_process_key");
    let ppid = i64_col(batch, "ppid");
    let time = i64_col(batch, "time");
    let kind_col = str_col(batch, "kind");
    for i in 0..n {
        let (Some(h), Some(k)) = (get(host, i), get(key, i)) else {
            continue;
        };
        push(key_hash(kind::PROCESS, &[h, k]), WHOLE_FILE);
        if family == Family::Process {
            let t = time.as_ref().map(|a| a.value(i)).unwrap_or(0);
            let p = get(parent, i).map(str::to_string);
            let pp = ppid.as_ref().filter(|a| a.is_valid(i)).map(|a| a.value(i));
            graph
                .entry((h.to_string(), k.to_string()))
                .and_modify(|g| {
                    if t < g.t {
                        g.t = t;
                    }
                    g.parent = g.parent.take().or(p.clone());
                    g.ppid = g.ppid.or(pp);
                })
                .or_insert_with(|| GraphRow {
                    host: h.to_string(),
                    key: k.to_string(),
                    parent: p,
                    ppid: pp,
                    t,
                });
        }
    }
    match family {
        Family::Network => {
            let cid = str_col(batch, "community_id");
            let (src, dst) = (str_col(batch, "src_ip"), str_col(batch, "dst_ip"));
            for i in 0..n {
                if let Some(c) = get(cid, i) {
                    // Flows are posted with their row: a story reads just those rows.
                    push(key_hash(kind::FLOW, &[c]), i as u32);
                }
                if matches!(get(kind_col, i), Some("net_connect" | "net_accept")) {
                    for ip in [get(src, i), get(dst, i)].into_iter().flatten() {
                        push(key_hash(kind::IP, &[ip]), WHOLE_FILE);
                    }
                }
            }
        }
        Family::Process | Family::File => {
            let col = if family == Family::Process {
                "exe_sha256"
            } else {
                "file_sha256"
            };
            let sha = str_col(batch, col);
            for s in (0..n).filter_map(|i| get(sha, i)) {
                push(key_hash(kind::SHA256, &[s]), WHOLE_FILE);
            }
            if family == Family::Process {
                for user in user_activity(batch, file, users) {
                    push(key_hash(kind::USER, &[user]), WHOLE_FILE);
                }
            }
        }
        _ => {}
    }
}

impl IndexBuilder {
    /// Adds the previous generation's index entries of the files kept (`remap`: old file id
    /// → new), so that only rewritten partitions are indexed again.
    pub(crate) fn merge_previous(
        &mut self,
        root: &Path,
        m: &Manifest,
        remap: &HashMap<u32, u32>,
        kept: &[(usize, FileEntry)],
    ) -> Result<(), StoreError> {
        let IndexBuilder {
            keys,
            graph,
            ids,
            users,
        } = self;
        let old_keys = root.join(&m.index.keys);
        if m.index.keys.ends_with(".bin") {
            for (h, f, r) in Postings::read_all(&old_keys)? {
                if let Some(new) = remap.get(&f) {
                    keys.push((h, *new, r));
                }
            }
        } else {
            for b in read_all(&root.join(&m.index.keys))? {
                let h = b.column(0).as_primitive::<Int64Type>();
                let f = b
                    .column(1)
                    .as_any()
                    .downcast_ref::<UInt32Array>()
                    .ok_or_else(|| StoreError::Conform {
                        path: root.join(&m.index.keys),
                        field: "file".into(),
                        message: "not UInt32".into(),
                    })?;
                // Indexes from before row postings have no `row`: whole files.
                let row = b
                    .column_by_name("row")
                    .and_then(|c| c.as_any().downcast_ref::<UInt32Array>());
                for i in 0..b.num_rows() {
                    if let Some(new) = remap.get(&f.value(i)) {
                        keys.push((h.value(i), *new, row.map_or(WHOLE_FILE, |r| r.value(i))));
                    }
                }
            }
        }
        for b in read_all(&root.join(&m.index.graph))? {
            let h = b.column(0).as_primitive::<Int64Type>();
            let host = b.column(1).as_string::<i32>();
            let k = b.column(2).as_string::<i32>();
            let p = b.column(3).as_string::<i32>();
            let pp = b.column(4).as_primitive::<Int64Type>();
            let t = b.column(5).as_primitive::<Int64Type>();
            for i in 0..b.num_rows() {
                // Parent rows are the processes; child rows are derived from them again.
                if h.value(i) != key_hash(kind::PARENT_OF, &[host.value(i), k.value(i)]) {
                    continue;
                }
                let row = GraphRow {
                    host: host.value(i).to_string(),
                    key: k.value(i).to_string(),
                    parent: p.is_valid(i).then(|| p.value(i).to_string()),
                    ppid: pp.is_valid(i).then(|| pp.value(i)),
                    t: t.value(i),
                };
                graph
                    .entry((row.host.clone(), row.key.clone()))
                    .and_modify(|g| g.t = g.t.min(row.t))
                    .or_insert(row);
            }
        }
        for b in read_all(&root.join(&m.index.container_ids))? {
            let c = b.column(0).as_string::<i32>();
            ids.extend((0..b.num_rows()).map(|i| c.value(i).to_string()));
        }
        match &m.index.users {
            Some(p) => {
                for ((user, file), a) in read_users(&root.join(p))? {
                    if let Some(new) = remap.get(&file) {
                        users.insert((user, *new), a);
                    }
                }
            }
            // An index from before the summary: the kept files' people are read again.
            None => {
                for (new, (_, f)) in kept.iter().enumerate() {
                    if f.family == Family::Process.name() {
                        let path = root.join(&f.path);
                        for b in read_conformed(&path, Family::Process)? {
                            user_activity(&b, new as u32, users);
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

pub(crate) fn host_of(batch: &RecordBatch) -> String {
    str_col(batch, "host_id")
        .filter(|a| !a.is_empty() && a.is_valid(0))
        .map(|a| a.value(0).to_string())
        .unwrap_or_default()
}

pub(crate) fn time_range(batch: &RecordBatch) -> (i64, i64) {
    let t = i64_col(batch, "time");
    let t = t.as_ref();
    (
        t.and_then(arrow::compute::min).unwrap_or(0),
        t.and_then(arrow::compute::max).unwrap_or(0),
    )
}

impl IndexBuilder {
    /// Writes the index files of `generation` into `dir` (`files`: the manifest's files, whose
    /// side tables are copied; data files of the copies get `row_group_rows` rows per group
    /// and zstd `zstd_level`); returns them with their digests and the number of postings.
    pub(crate) fn write(
        self,
        store: &Store,
        dir: &Path,
        generation: u64,
        files: &[FileEntry],
        (row_group_rows, zstd_level): (usize, i32),
    ) -> Result<(IndexFiles, u64), StoreError> {
        let IndexBuilder {
            mut keys,
            graph,
            ids,
            users,
        } = self;
        keys.sort_unstable();
        keys.dedup();
        let n_keys = keys.len() as u64;
        let mut sha256 = BTreeMap::new();
        // Every index file with its digest in the manifest.
        let mut write = |name: String, batch: &RecordBatch, props: WriterProperties| {
            let w = write_parquet(dir, &name, batch, props)?;
            let rel = store.relative(&w.path);
            sha256.insert(rel.clone(), w.sha256);
            Ok::<String, StoreError>(rel)
        };
        let postings = postings::write(dir, &format!("keys-{generation}.bin"), &keys)?;
        let keys_path = store.relative(&postings.path);

        // One parent row per process, one child row per edge.
        let mut rows: Vec<(i64, GraphRow)> = Vec::with_capacity(graph.len() * 2);
        for g in graph.into_values() {
            if let Some(p) = &g.parent {
                rows.push((key_hash(kind::CHILD_OF, &[&g.host, p]), g.clone()));
            }
            rows.push((key_hash(kind::PARENT_OF, &[&g.host, &g.key]), g));
        }
        rows.sort_by(|a, b| (a.0, &a.1.key).cmp(&(b.0, &b.1.key)));
        let graph = write(
            format!("graph-{generation}.parquet"),
            &graph_batch(&rows)?,
            index_properties(),
        )?;
        let ids_schema = Schema::new(vec![Field::new("container_id", DataType::Utf8, false)]);
        let ids_batch = RecordBatch::try_new(
            Arc::new(ids_schema),
            vec![Arc::new(StringArray::from_iter_values(ids.iter()))],
        )?;
        let name = format!("container-ids-{generation}.parquet");
        let container_ids = write(name, &ids_batch, index_properties())?;
        let name = format!("users-{generation}.parquet");
        let users = write(name, &users_batch(&users)?, index_properties())?;

        let mut side = BTreeMap::new();
        let mut folded_containers = None;
        for family in [Family::Hosts, Family::Containers, Family::Loss] {
            let batch = side_copy(store, family, files)?;
            let name = format!("{}-{generation}.parquet", family.name());
            let props = data_properties(family, row_group_rows, zstd_level);
            side.insert(family.name().to_string(), write(name, &batch, props)?);
            if family == Family::Containers {
                let folded = folded_batch(&fold_containers(&[batch]))?;
                let name = format!("containers-folded-{generation}.parquet");
                folded_containers = Some(write(name, &folded, index_properties())?);
            }
        }
        sync_dir(dir)?;
        sha256.insert(keys_path.clone(), postings.sha256);
        let files = IndexFiles {
            keys: keys_path,
            graph,
            container_ids,
            side,
            users: Some(users),
            folded_containers,
            sha256,
        };
        Ok((files, n_keys))
    }
}

fn users_batch(users: &Users) -> Result<RecordBatch, StoreError> {
    Ok(RecordBatch::try_new(
        users_schema(),
        vec![
            Arc::new(StringArray::from_iter_values(users.keys().map(|k| &k.0))),
            Arc::new(UInt32Array::from_iter_values(users.keys().map(|k| k.1))),
            Arc::new(StringArray::from_iter_values(
                users.values().map(|a| &a.host_id),
            )),
            Arc::new(Int64Array::from_iter_values(
                users.values().map(|a| a.first),
            )),
            Arc::new(Int64Array::from_iter_values(users.values().map(|a| a.last))),
            Arc::new(arrow::array::UInt64Array::from_iter_values(
                users.values().map(|a| a.count),
            )),
            Arc::new(Int64Array::from_iter_values(users.values().map(|a| a.uid))),
        ],
    )?)
}

/// The compacted rows of a side table, each with its partition `date` (what DuckDB's hive
/// view adds), for the index's copy.
fn side_copy(
    store: &Store,
    family: Family,
    files: &[FileEntry],
) -> Result<RecordBatch, StoreError> {
    let mut batches = Vec::new();
    for f in files.iter().filter(|f| f.family == family.name()) {
        let path = store.root().join(&f.path);
        let date = f
            .path
            .split('/')
            .find_map(|c| c.strip_prefix("date="))
            .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .map(|d| {
                (d - chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default()).num_days()
                    as i32
            });
        for b in read_conformed(&path, family)? {
            batches.push(with_date(&b, date)?);
        }
    }
    Ok(concat_batches(&side_schema(family), &batches)?)
}

fn side_schema(family: Family) -> SchemaRef {
    let mut fields: Vec<Field> = family
        .schema()
        .fields()
        .iter()
        .map(|f| f.as_ref().clone())
        .collect();
    fields.push(Field::new("date", DataType::Date32, true));
    Arc::new(Schema::new(fields))
}

fn with_date(b: &RecordBatch, date: Option<i32>) -> Result<RecordBatch, StoreError> {
    let family_schema = b.schema();
    let mut fields: Vec<Field> = family_schema
        .fields()
        .iter()
        .map(|f| f.as_ref().clone())
        .collect();
    fields.push(Field::new("date", DataType::Date32, true));
    let mut cols = b.columns().to_vec();
    cols.push(Arc::new(Date32Array::from(vec![date; b.num_rows()])));
    Ok(RecordBatch::try_new(Arc::new(Schema::new(fields)), cols)?)
}

fn graph_batch(rows: &[(i64, GraphRow)]) -> Result<RecordBatch, StoreError> {
    Ok(RecordBatch::try_new(
        graph_schema(),
        vec![
            Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| r.0))),
            Arc::new(StringArray::from_iter_values(
                rows.iter().map(|r| &r.1.host),
            )),
            Arc::new(StringArray::from_iter_values(rows.iter().map(|r| &r.1.key))),
            Arc::new(StringArray::from_iter(
                rows.iter().map(|r| r.1.parent.as_deref()),
            )),
            Arc::new(Int64Array::from_iter(rows.iter().map(|r| r.1.ppid))),
            Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| r.1.t))),
        ],
    )?)
}
