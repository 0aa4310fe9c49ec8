//! Selections with a typed filter, answered two ways from one definition.
//!
//! A [`Filter`] is a conjunction of simple conditions on named columns. On an engine that reads
//! the whole store it becomes SQL with bound parameters (DuckDB scans the files in parallel).
//! On an indexed engine ([`Engine::open_indexed`]) it is evaluated directly on the few Parquet
//! files the index picked: row groups whose statistics cannot match are skipped, the filter
//! columns are decoded first and the other columns only for the matching rows (pages of
//! non-matching rows are skipped through the page index). That path does not start DuckDB,
//! whose start alone (~45 ms) and per-statement cost (≥ 5 ms) are most of a story's time
//! (docs/benchmarks.md).

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::{Arc, Mutex};

use arrow::array::{Array, ArrayRef, AsArray, BooleanArray, RecordBatch, StringArray};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field, Int32Type, Int64Type, Schema};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{
    ArrowPredicateFn, ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
    RowFilter, RowSelection, RowSelector,
};
use parquet::basic::Encoding;
use parquet::file::metadata::{PageIndexPolicy, RowGroupMetaData};
use parquet::file::statistics::Statistics;

use super::{Engine, QueryError, Value};
use crate::schema::Family;

/// One condition. Column names are trusted identifiers written in this crate; values are
/// bound (SQL) or compared (direct), never spliced.
#[derive(Debug, Clone)]
enum Cond {
    /// `col = v`
    Eq(&'static str, String),
    /// `col <> v`
    Ne(&'static str, String),
    /// `col IS DISTINCT FROM v` (NULL passes)
    DistinctFrom(&'static str, String),
    /// `col` is one of the values.
    In(&'static str, Arc<Values>),
    /// Any of the columns is one of the values.
    AnyIn(&'static [&'static str], Arc<Values>),
    /// `col >= v` (integers).
    IntGe(&'static str, i64),
    /// `col IS NULL`
    IsNull(&'static str),
    /// `col IS NOT NULL`
    NotNull(&'static str),
    /// `time >= v` (ns)
    TimeGe(i64),
    /// `time < v` (ns)
    TimeLt(i64),
    /// `time <= v` (ns)
    TimeLe(i64),
}

/// A value list: sorted for SQL and the debug key, hashed for direct matching.
struct Values {
    sorted: Vec<String>,
    set: HashSet<String>,
}

impl std::fmt::Debug for Values {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Sorted: the debug form keys the result cache.
        f.debug_list().entries(&self.sorted).finish()
    }
}

impl Values {
    fn new(vs: impl IntoIterator<Item = String>) -> Arc<Values> {
        let set: HashSet<String> = vs.into_iter().collect();
        let mut sorted: Vec<String> = set.iter().cloned().collect();
        sorted.sort();
        Arc::new(Values { sorted, set })
    }

    fn list(&self) -> Value {
        Value::List(self.sorted.iter().cloned().map(Value::Text).collect())
    }
}

/// Rows of one event family (or of all three) that meet every condition.
#[derive(Debug, Clone)]
pub struct Filter {
    family: Option<Family>,
    conds: Vec<Cond>,
    /// Left out of `TRACE_SQL_LOG` (see [`Filter::quiet`]).
    quiet: bool,
}

impl Filter {
    /// Events of every family.
    pub fn events() -> Filter {
        Filter {
            family: None,
            conds: Vec::new(),
            quiet: false,
        }
    }

    /// Events (or side-table rows) of one family.
    pub fn family(f: Family) -> Filter {
        Filter {
            family: Some(f),
            conds: Vec::new(),
            quiet: false,
        }
    }

    fn with(mut self, c: Cond) -> Filter {
        self.conds.push(c);
        self
    }

    /// Not written to `TRACE_SQL_LOG` when read directly: for a partial read whose caller
    /// logs the statement it stands for (an index summary plus the fresh files).
    pub fn quiet(mut self) -> Filter {
        self.quiet = true;
        self
    }

    /// `col = v`.
    pub fn eq(self, col: &'static str, v: impl Into<String>) -> Filter {
        self.with(Cond::Eq(col, v.into()))
    }

    /// `col <> v`.
    pub fn ne(self, col: &'static str, v: impl Into<String>) -> Filter {
        self.with(Cond::Ne(col, v.into()))
    }

    /// `col IS DISTINCT FROM v`: rows whose `col` is NULL or another value.
    pub fn distinct_from(self, col: &'static str, v: impl Into<String>) -> Filter {
        self.with(Cond::DistinctFrom(col, v.into()))
    }

    /// `col` is one of `vs`.
    pub fn within(self, col: &'static str, vs: impl IntoIterator<Item = String>) -> Filter {
        self.with(Cond::In(col, Values::new(vs)))
    }

    /// `kind` is one of `kinds`.
    pub fn kinds(self, kinds: &[&str]) -> Filter {
        self.within("kind", kinds.iter().map(|k| k.to_string()))
    }

    /// Any of `cols` is one of `vs`.
    pub fn within_any(
        self,
        cols: &'static [&'static str],
        vs: impl IntoIterator<Item = String>,
    ) -> Filter {
        self.with(Cond::AnyIn(cols, Values::new(vs)))
    }

    /// `col >= v` for an integer column.
    pub fn int_ge(self, col: &'static str, v: i64) -> Filter {
        self.with(Cond::IntGe(col, v))
    }

    /// `col IS NULL`.
    pub fn is_null(self, col: &'static str) -> Filter {
        self.with(Cond::IsNull(col))
    }

    /// `col IS NOT NULL`.
    pub fn not_null(self, col: &'static str) -> Filter {
        self.with(Cond::NotNull(col))
    }

    /// `time >= since` when given.
    pub fn since(self, since: Option<i64>) -> Filter {
        match since {
            Some(t) => self.with(Cond::TimeGe(t)),
            None => self,
        }
    }

    /// `time < until` when given.
    pub fn until(self, until: Option<i64>) -> Filter {
        match until {
            Some(t) => self.with(Cond::TimeLt(t)),
            None => self,
        }
    }

    /// `time BETWEEN from AND to` (both included).
    pub fn between(self, from: i64, to: i64) -> Filter {
        self.with(Cond::TimeGe(from)).with(Cond::TimeLe(to))
    }

    /// The statement that selects `columns` of the rows that meet the filter (what DuckDB runs
    /// on an engine without index, and what `TRACE_SQL_LOG` records for a direct read).
    fn select_sql(&self, columns: &[&'static str]) -> (String, Vec<Value>) {
        let (view, fixed) = match self.family {
            Some(f) => (super::raw_view_name(f), Some(f.name())),
            None => ("events", None),
        };
        // A family's view has only that family's columns: the others are left out, as a
        // direct read leaves out the columns a file lacks.
        let has = |c: &str| self.family.is_none_or(|f| f.schema().index_of(c).is_ok());
        let cols: Vec<String> = columns
            .iter()
            .filter_map(|c| match (*c, fixed) {
                ("family", Some(name)) => Some(format!("'{name}' AS family")),
                (c, _) => has(c).then(|| format!("\"{c}\"")),
            })
            .collect();
        let (cond, params) = self.where_sql();
        (
            format!("SELECT {} FROM {view} WHERE {cond}", cols.join(", ")),
            params,
        )
    }

    /// The SQL condition, with its parameters numbered from `$1`.
    fn where_sql(&self) -> (String, Vec<Value>) {
        let mut params: Vec<Value> = Vec::new();
        let mut parts: Vec<String> = Vec::new();
        let mut bind = |v: Value| {
            params.push(v);
            format!("${}", params.len())
        };
        for c in &self.conds {
            parts.push(match c {
                Cond::Eq(col, v) => format!("\"{col}\" = {}", bind(Value::Text(v.clone()))),
                Cond::Ne(col, v) => format!("\"{col}\" <> {}", bind(Value::Text(v.clone()))),
                Cond::DistinctFrom(col, v) => format!(
                    "\"{col}\" IS DISTINCT FROM {}",
                    bind(Value::Text(v.clone()))
                ),
                Cond::In(col, vs) => format!(
                    "list_contains(CAST({} AS VARCHAR[]), \"{col}\")",
                    bind(vs.list())
                ),
                Cond::AnyIn(cols, vs) => {
                    let p = bind(vs.list());
                    let any: Vec<String> = cols
                        .iter()
                        .map(|col| format!("list_contains(CAST({p} AS VARCHAR[]), \"{col}\")"))
                        .collect();
                    format!("({})", any.join(" OR "))
                }
                Cond::IntGe(col, v) => format!("\"{col}\" >= {}", bind(Value::BigInt(*v))),
                Cond::IsNull(col) => format!("\"{col}\" IS NULL"),
                Cond::NotNull(col) => format!("\"{col}\" IS NOT NULL"),
                Cond::TimeGe(t) => format!("epoch_ns(time) >= {}", bind(Value::BigInt(*t))),
                Cond::TimeLt(t) => format!("epoch_ns(time) < {}", bind(Value::BigInt(*t))),
                Cond::TimeLe(t) => format!("epoch_ns(time) <= {}", bind(Value::BigInt(*t))),
            });
        }
        if parts.is_empty() {
            parts.push("true".into());
        }
        (parts.join(" AND "), params)
    }

    /// The columns the conditions read.
    fn columns(&self) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = Vec::new();
        for c in &self.conds {
            match c {
                Cond::Eq(col, _)
                | Cond::Ne(col, _)
                | Cond::DistinctFrom(col, _)
                | Cond::In(col, _)
                | Cond::IntGe(col, _)
                | Cond::IsNull(col)
                | Cond::NotNull(col) => out.push(col),
                Cond::AnyIn(cols, _) => out.extend(cols.iter()),
                Cond::TimeGe(_) | Cond::TimeLt(_) | Cond::TimeLe(_) => out.push("time"),
            }
        }
        out.sort();
        out.dedup();
        out
    }

    /// Which rows of `b` meet every condition (SQL semantics: a NULL never matches, a
    /// missing column is NULL).
    fn eval(&self, b: &RecordBatch) -> BooleanArray {
        let mut keep = vec![true; b.num_rows()];
        for c in &self.conds {
            match c {
                Cond::Eq(col, v) => text_test(b, col, &mut keep, |s| s == v),
                Cond::Ne(col, v) => text_test(b, col, &mut keep, |s| s != v),
                Cond::DistinctFrom(col, v) => {
                    // NULL (or no such column) passes.
                    if let Some(m) = text_matches(b, col, &|s| s == v) {
                        for (k, same) in keep.iter_mut().zip(m) {
                            *k = *k && !same;
                        }
                    }
                }
                Cond::In(col, vs) => text_test(b, col, &mut keep, |s| vs.set.contains(s)),
                Cond::AnyIn(cols, vs) => {
                    let mut any = vec![false; keep.len()];
                    for col in cols.iter() {
                        if let Some(m) = text_matches(b, col, &|s| vs.set.contains(s)) {
                            for (a, m) in any.iter_mut().zip(m) {
                                *a |= m;
                            }
                        }
                    }
                    for (k, a) in keep.iter_mut().zip(any) {
                        *k = *k && a;
                    }
                }
                Cond::IntGe(col, v) => int_test(b, col, &mut keep, |x| x >= *v),
                Cond::IsNull(col) | Cond::NotNull(col) => {
                    let want_null = matches!(c, Cond::IsNull(_));
                    match b.column_by_name(col) {
                        Some(a) => {
                            for (i, k) in keep.iter_mut().enumerate() {
                                *k = *k && (a.is_null(i) == want_null);
                            }
                        }
                        None if want_null => {}
                        None => keep.fill(false),
                    }
                }
                Cond::TimeGe(t) => int_test(b, "time", &mut keep, |x| x >= *t),
                Cond::TimeLt(t) => int_test(b, "time", &mut keep, |x| x < *t),
                Cond::TimeLe(t) => int_test(b, "time", &mut keep, |x| x <= *t),
            }
        }
        BooleanArray::from(keep)
    }

    /// False when the row group's statistics prove no row can match.
    fn may_match(&self, rg: &RowGroupMetaData) -> bool {
        let stats = |col: &str| {
            rg.columns()
                .iter()
                .find(|c| c.column_path().string() == col)
                .and_then(|c| c.statistics())
        };
        let in_range = |col: &str, vs: &[String]| -> bool {
            let Some(Statistics::ByteArray(s)) = stats(col) else {
                return true;
            };
            let (Some(min), Some(max)) = (s.min_bytes_opt(), s.max_bytes_opt()) else {
                return true;
            };
            // A truncated min is still a lower bound; a max that is not exact is no bound.
            let exact_max = s.max_is_exact();
            vs.iter()
                .any(|v| v.as_bytes() >= min && (!exact_max || v.as_bytes() <= max))
        };
        let time = || match stats("time") {
            Some(Statistics::Int64(s)) => (s.min_opt().copied(), s.max_opt().copied()),
            _ => (None, None),
        };
        self.conds.iter().all(|c| match c {
            Cond::Eq(col, v) => in_range(col, std::slice::from_ref(v)),
            Cond::In(col, vs) => in_range(col, &vs.sorted),
            Cond::TimeGe(t) => time().1.is_none_or(|max| max >= *t),
            Cond::TimeLt(t) => time().0.is_none_or(|min| min < *t),
            Cond::TimeLe(t) => time().0.is_none_or(|min| min <= *t),
            _ => true,
        })
    }
}

/// For each row: whether `col` is non-NULL and `f` holds for its text; `None` when the batch
/// has no such column. A dictionary column tests each distinct value once.
fn text_matches(b: &RecordBatch, col: &str, f: &dyn Fn(&str) -> bool) -> Option<Vec<bool>> {
    let a = b.column_by_name(col)?;
    if let DataType::Dictionary(k, _) = a.data_type()
        && **k == DataType::Int32
    {
        let d = a.as_dictionary::<Int32Type>();
        let values = cast(d.values(), &DataType::Utf8).ok()?;
        let values = values.as_string::<i32>();
        let ok: Vec<bool> = (0..values.len())
            .map(|j| values.is_valid(j) && f(values.value(j)))
            .collect();
        let keys = d.keys();
        return Some(
            (0..d.len())
                .map(|i| keys.is_valid(i) && ok.get(keys.value(i) as usize) == Some(&true))
                .collect(),
        );
    }
    let a = cast(a, &DataType::Utf8).ok()?;
    let a = a.as_string::<i32>();
    Some(
        (0..a.len())
            .map(|i| a.is_valid(i) && f(a.value(i)))
            .collect(),
    )
}

fn text_test(b: &RecordBatch, col: &str, keep: &mut [bool], f: impl Fn(&str) -> bool) {
    match text_matches(b, col, &f) {
        Some(m) => {
            for (k, m) in keep.iter_mut().zip(m) {
                *k = *k && m;
            }
        }
        None => keep.fill(false),
    }
}

fn int_test(b: &RecordBatch, col: &str, keep: &mut [bool], f: impl Fn(i64) -> bool) {
    let Some(a) = b
        .column_by_name(col)
        .and_then(|a| cast(a, &arrow::datatypes::DataType::Int64).ok())
    else {
        keep.fill(false);
        return;
    };
    let a = a.as_primitive::<Int64Type>();
    for (i, k) in keep.iter_mut().enumerate() {
        if *k {
            *k = a.is_valid(i) && f(a.value(i));
        }
    }
}

/// Footers and results of direct reads, for the life of one engine (one command).
#[derive(Default)]
pub struct Cache {
    /// Shared with the threads that read files side by side.
    pub(super) files: Files,
    /// Folded side tables (see [`super::side`]), with the files they were folded from.
    pub(super) hosts: RefCell<Option<(super::ViewFiles, Rc<Vec<super::side::HostRow>>)>>,
    pub(super) containers: RefCell<Option<(super::ViewFiles, Rc<Vec<super::side::ContainerRow>>)>>,
    results: RefCell<HashMap<String, Vec<RecordBatch>>>,
}

/// Direct reads of files, with their footers kept (shared by the threads that read side by
/// side).
#[derive(Default)]
pub struct Files {
    footers: Mutex<HashMap<PathBuf, ArrowReaderMetadata>>,
}

impl Files {
    fn footer(&self, path: &Path) -> Result<(File, ArrowReaderMetadata), QueryError> {
        let file = File::open(path).map_err(|e| read_err(path, e))?;
        if let Some(m) = self.footers.lock().ok().and_then(|f| f.get(path).cloned()) {
            return Ok((file, m));
        }
        let opts = ArrowReaderOptions::new()
            .with_column_index_policy(PageIndexPolicy::Skip)
            .with_offset_index_policy(PageIndexPolicy::Optional);
        let m = ArrowReaderMetadata::load(&file, opts).map_err(|e| read_err(path, e))?;
        if let Ok(mut f) = self.footers.lock() {
            f.insert(path.to_path_buf(), m.clone());
        }
        Ok((file, m))
    }

    /// `meta` with the text columns in `dict` read as dictionaries where every page of them is
    /// dictionary-encoded: conditions then test each distinct value once, and no string is
    /// materialised per row. Only filter columns that are not also returned get this: the
    /// reader rebuilds returned dictionaries across row selections by comparing values, which
    /// costs more than it saves.
    fn with_dictionaries(
        meta: ArrowReaderMetadata,
        dict: &[&str],
    ) -> Result<ArrowReaderMetadata, parquet::errors::ParquetError> {
        let md = meta.metadata();
        let all_dictionary = |name: &str| {
            md.num_row_groups() > 0
                && md.row_groups().iter().all(|rg| {
                    rg.columns()
                        .iter()
                        .find(|c| c.column_path().string() == name)
                        .is_some_and(|c| {
                            c.dictionary_page_offset().is_some()
                                && c.page_encoding_stats_mask().is_some_and(|m| {
                                    m.is_only(Encoding::PLAIN_DICTIONARY)
                                        || m.is_only(Encoding::RLE_DICTIONARY)
                                })
                        })
                })
        };
        let mut changed = false;
        let fields: Vec<Field> = meta
            .schema()
            .fields()
            .iter()
            .map(|f| match f.data_type() {
                DataType::Utf8 if dict.contains(&f.name().as_str()) && all_dictionary(f.name()) => {
                    changed = true;
                    f.as_ref().clone().with_data_type(DataType::Dictionary(
                        Box::new(DataType::Int32),
                        Box::new(DataType::Utf8),
                    ))
                }
                _ => f.as_ref().clone(),
            })
            .collect();
        if !changed {
            return Ok(meta);
        }
        let schema = Schema::new_with_metadata(fields, meta.schema().metadata().clone());
        ArrowReaderMetadata::try_new(
            meta.metadata().clone(),
            ArrowReaderOptions::new()
                .with_column_index_policy(PageIndexPolicy::Skip)
                .with_offset_index_policy(PageIndexPolicy::Optional)
                .with_schema(Arc::new(schema)),
        )
    }

    /// The rows of one file that meet `filter`, with the `columns` the file has (and `family`
    /// when asked for and given).
    pub(super) fn read(
        &self,
        path: &Path,
        family: Option<Family>,
        filter: &Filter,
        columns: &[&'static str],
        rows: Option<&[u32]>,
    ) -> Result<Vec<RecordBatch>, QueryError> {
        let (file, meta) = self.footer(path)?;
        let dict: Vec<&str> = filter.columns();
        let meta = Files::with_dictionaries(meta, &dict).map_err(|e| read_err(path, e))?;
        let schema = meta.schema().clone();
        let descr = meta.metadata().file_metadata().schema_descr_ptr();
        let md = meta.metadata().clone();
        let (groups, selection) = match rows {
            // Rows the index posted: only those are read (the filter still decides).
            Some(rows) => {
                let all: Vec<usize> = (0..md.num_row_groups()).collect();
                let total: usize = md.row_groups().iter().map(|g| g.num_rows() as usize).sum();
                (all, Some(selection_of(rows, total)))
            }
            None => (
                (0..md.num_row_groups())
                    .filter(|i| filter.may_match(md.row_group(*i)))
                    .collect(),
                None,
            ),
        };
        if groups.is_empty() {
            return Ok(Vec::new());
        }
        let index_of = |c: &str| schema.index_of(c).ok();
        let out: Vec<usize> = columns.iter().filter_map(|c| index_of(c)).collect();
        let mut pred: Vec<usize> = filter
            .columns()
            .iter()
            .filter_map(|c| index_of(c))
            .collect();
        if pred.is_empty() {
            // Conditions on columns the file lacks still decide (NULL), on any column.
            pred.push(0);
        }
        let f = filter.clone();
        let predicate =
            ArrowPredicateFn::new(ProjectionMask::roots(&descr, pred), move |b| Ok(f.eval(&b)));
        let mut builder = ParquetRecordBatchReaderBuilder::new_with_metadata(file, meta);
        if let Some(sel) = selection {
            builder = builder.with_row_selection(sel);
        }
        let reader = builder
            .with_row_groups(groups)
            .with_projection(ProjectionMask::roots(&descr, out))
            .with_row_filter(RowFilter::new(vec![Box::new(predicate)]))
            .with_batch_size(8192)
            .build()
            .map_err(|e| read_err(path, e))?;
        let mut batches = Vec::new();
        for b in reader {
            let b = b.map_err(|e| read_err(path, e))?;
            if b.num_rows() == 0 {
                continue;
            }
            batches.push(match family.filter(|_| columns.contains(&"family")) {
                Some(f) => with_family(b, f),
                None => b,
            });
        }
        Ok(batches)
    }
}

impl Files {
    /// [`Files::read`] of every job, files read side by side on the machine's cores; the
    /// batches come back in the jobs' order.
    fn read_all(
        &self,
        jobs: &[(Family, &PathBuf, Option<Vec<u32>>)],
        filter: &Filter,
        columns: &[&'static str],
    ) -> Result<Vec<RecordBatch>, QueryError> {
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(jobs.len())
            .min(4);
        let run = |(f, p, rows): &(Family, &PathBuf, Option<Vec<u32>>)| {
            self.read(p, Some(*f), filter, columns, rows.as_deref())
        };
        if threads <= 1 {
            let mut out = Vec::new();
            for j in jobs {
                out.extend(run(j)?);
            }
            return Ok(out);
        }
        let next = std::sync::atomic::AtomicUsize::new(0);
        type Slot = Mutex<Option<Result<Vec<RecordBatch>, QueryError>>>;
        let results: Vec<Slot> = jobs.iter().map(|_| Mutex::new(None)).collect();
        std::thread::scope(|s| {
            for _ in 0..threads {
                s.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(j) = jobs.get(i) else { break };
                        let r = run(j);
                        if let Ok(mut slot) = results[i].lock() {
                            *slot = Some(r);
                        }
                    }
                });
            }
        });
        let mut out = Vec::new();
        for (r, (_, p, _)) in results.into_iter().zip(jobs) {
            match r.into_inner().ok().flatten() {
                Some(r) => out.extend(r?),
                None => return Err(read_err(p, "a reading thread stopped")),
            }
        }
        Ok(out)
    }
}

/// A selection of the sorted `rows` (beyond `total` ignored) out of `total`.
fn selection_of(rows: &[u32], total: usize) -> RowSelection {
    let mut sel: Vec<RowSelector> = Vec::new();
    let mut at = 0usize;
    for &r in rows {
        let r = r as usize;
        if r < at || r >= total {
            continue;
        }
        if r > at {
            sel.push(RowSelector::skip(r - at));
        }
        match sel.last_mut() {
            Some(last) if !last.skip && r == at => last.row_count += 1,
            _ => sel.push(RowSelector::select(1)),
        }
        at = r + 1;
    }
    if total > at {
        sel.push(RowSelector::skip(total - at));
    }
    RowSelection::from(sel)
}

/// `b` with a constant `family` column in front.
fn with_family(b: RecordBatch, f: Family) -> RecordBatch {
    let mut fields = vec![Arc::new(Field::new("family", DataType::Utf8, false))];
    fields.extend(b.schema().fields().iter().cloned());
    let mut cols: Vec<ArrayRef> = vec![Arc::new(StringArray::from(vec![f.name(); b.num_rows()]))];
    cols.extend(b.columns().iter().cloned());
    RecordBatch::try_new(Arc::new(Schema::new(fields)), cols)
        .expect("same number of rows in every column")
}

fn read_err(path: &Path, e: impl std::fmt::Display) -> QueryError {
    QueryError::Read {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

impl Engine {
    /// The `columns` of the rows that meet `filter`, from the files the views read now. A
    /// `family` column gives each row's event family. Identical selections over the same files
    /// are answered once per engine.
    pub fn select(
        &self,
        filter: &Filter,
        columns: &[&'static str],
    ) -> Result<Vec<RecordBatch>, QueryError> {
        let families: Vec<Family> = match filter.family {
            Some(f) => vec![f],
            None => Family::EVENTS.to_vec(),
        };
        let files: Vec<_> = families.iter().map(|f| self.files(*f)).collect();
        let rows: Vec<Option<Vec<u32>>> = files
            .iter()
            .flat_map(|(h, c)| h.iter().chain(c))
            .map(|p| self.posted_rows(p))
            .collect();
        let key = format!(
            "{filter:?}|{columns:?}|{files:?}|{rows:?}|{}",
            self.is_indexed()
        );
        if let Some(hit) = self.scan.results.borrow().get(&key) {
            return Ok(hit.clone());
        }
        let started = std::time::Instant::now();
        let out = if self.is_indexed() {
            let jobs: Vec<(Family, &PathBuf, Option<Vec<u32>>)> = families
                .iter()
                .zip(&files)
                .flat_map(|(f, (hive, copy))| hive.iter().chain(copy).map(move |p| (*f, p)))
                .map(|(f, p)| (f, p, self.posted_rows(p)))
                .collect();
            let out = self.scan.files.read_all(&jobs, filter, columns)?;
            if !filter.quiet && super::sql_log().is_some() {
                let rows: usize = out.iter().map(RecordBatch::num_rows).sum();
                let (sql, params) = filter.select_sql(columns);
                self.log_equivalent(&sql, &params, rows, started.elapsed())?;
            }
            if super::profiling() {
                let rows: usize = out.iter().map(RecordBatch::num_rows).sum();
                let n: usize = files.iter().map(|(h, c)| h.len() + c.iter().len()).sum();
                super::profile(
                    started,
                    &format!(
                        "{rows:>8} rows  direct, {n} files: {}",
                        format!("{filter:?}").chars().take(100).collect::<String>()
                    ),
                );
            }
            out
        } else {
            let (sql, params) = filter.select_sql(columns);
            self.query(&sql, &params)?.batches
        };
        self.scan.results.borrow_mut().insert(key, out.clone());
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{TimestampNanosecondArray, UInt32Array};

    fn batch() -> RecordBatch {
        let schema = Schema::new(vec![
            Field::new(
                "time",
                DataType::Timestamp(arrow::datatypes::TimeUnit::Nanosecond, None),
                false,
            ),
            Field::new("host_id", DataType::Utf8, true),
            Field::new("uid", DataType::UInt32, true),
            Field::new("src_ip", DataType::Utf8, true),
            Field::new("dst_ip", DataType::Utf8, true),
        ]);
        RecordBatch::try_new(
            Arc::new(schema),
            vec![
                Arc::new(TimestampNanosecondArray::from(vec![10, 20, 30, 40])),
                Arc::new(StringArray::from(vec![
                    Some("a"),
                    Some("b"),
                    None,
                    Some("a"),
                ])),
                Arc::new(UInt32Array::from(vec![
                    Some(0),
                    Some(1000),
                    Some(1001),
                    None,
                ])),
                Arc::new(StringArray::from(vec![Some("1.1.1.1"), None, None, None])),
                Arc::new(StringArray::from(vec![None, Some("2.2.2.2"), None, None])),
            ],
        )
        .unwrap()
    }

    fn rows(f: &Filter) -> Vec<bool> {
        f.eval(&batch()).iter().map(|v| v.unwrap()).collect()
    }

    #[test]
    fn conditions_follow_sql_null_semantics() {
        let f = || Filter::events();
        assert_eq!(rows(&f().eq("host_id", "a")), [true, false, false, true]);
        assert_eq!(rows(&f().ne("host_id", "a")), [false, true, false, false]);
        assert_eq!(
            rows(&f().distinct_from("host_id", "a")),
            [false, true, true, false]
        );
        assert_eq!(rows(&f().distinct_from("container_id", "x")), [true; 4]);
        assert_eq!(rows(&f().int_ge("uid", 1000)), [false, true, true, false]);
        assert_eq!(rows(&f().is_null("host_id")), [false, false, true, false]);
        assert_eq!(rows(&f().not_null("uid")), [true, true, true, false]);
        assert_eq!(rows(&f().between(20, 30)), [false, true, true, false]);
        assert_eq!(
            rows(&f().since(Some(20)).until(Some(40))),
            [false, true, true, false]
        );
        let ips = || ["2.2.2.2".to_string(), "1.1.1.1".to_string()];
        assert_eq!(
            rows(&f().within_any(&["src_ip", "dst_ip"], ips())),
            [true, true, false, false]
        );
        assert_eq!(
            rows(&f().within("dst_ip", ips()).eq("host_id", "b")),
            [false, true, false, false]
        );
        // A column the file does not have is NULL: it matches IS NULL only.
        assert_eq!(rows(&f().eq("container_id", "x")), [false; 4]);
        assert_eq!(rows(&f().is_null("container_id")), [true; 4]);
        assert_eq!(rows(&f().int_ge("pid", 0)), [false; 4]);
    }

    #[test]
    fn sql_binds_every_value() {
        let (sql, params) = Filter::family(Family::Process)
            .eq("host_id", "h'); DROP TABLE x; --")
            .within("process_key", ["k1".to_string(), "k0".to_string()])
            .within_any(&["src_ip", "dst_ip"], ["1.1.1.1".to_string()])
            .since(Some(5))
            .is_null("container_id")
            .where_sql();
        assert_eq!(
            sql,
            "\"host_id\" = $1 AND list_contains(CAST($2 AS VARCHAR[]), \"process_key\") AND \
             (list_contains(CAST($3 AS VARCHAR[]), \"src_ip\") OR \
             list_contains(CAST($3 AS VARCHAR[]), \"dst_ip\")) AND epoch_ns(time) >= $4 AND \
             \"container_id\" IS NULL"
        );
        assert_eq!(params.len(), 4);
        assert!(matches!(&params[0], Value::Text(t) if t.contains("DROP")));
    }
}
