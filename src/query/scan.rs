//! Direct reads: a [`Selection`] answered from Parquet files without DuckDB.
//!
//! On an indexed engine ([`Engine::open_indexed`]) a selection's filter is evaluated directly
//! on the few files the index picked for its scope: row groups whose statistics cannot match
//! are skipped, the filter columns are decoded first and the other columns only for the
//! matching rows (pages of non-matching rows are skipped through the page index). That path
//! does not start DuckDB, whose start alone (~45 ms) and per-statement cost (≥ 5 ms) are most
//! of a story's time (docs/benchmarks.md). On an engine without index the same selection is
//! the filter's SQL, run by DuckDB over the whole store: one definition, two executions,
//! checked against each other by tests/it/filters.rs.

use std::cell::{OnceCell, RefCell};
use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::{Arc, Mutex};

use arrow::array::{ArrayRef, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{
    ArrowPredicateFn, ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
    RowFilter, RowSelection, RowSelector,
};
use parquet::basic::Encoding;
use parquet::file::metadata::PageIndexPolicy;

use super::{Engine, QueryError, value_of};
use crate::schema::Family;
use crate::schema::time::TIME_NANOS;
use crate::select::{Filter, Scope, Selection};
use crate::store::index::Picked;

/// Footers and results of direct reads, for the life of one engine (one command).
#[derive(Default)]
pub struct Cache {
    /// Shared with the threads that read files side by side.
    pub(super) files: Files,
    /// Folded side tables (see [`super::side`]), folded once per engine.
    pub(super) hosts: OnceCell<Rc<Vec<super::side::HostRow>>>,
    pub(super) containers: OnceCell<Rc<Vec<super::side::ContainerRow>>>,
    /// What the index picked for each scope.
    picked: RefCell<HashMap<Scope, Rc<Picked>>>,
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
        jobs: &[(Family, PathBuf, Option<Vec<u32>>)],
        filter: &Filter,
        columns: &[&'static str],
    ) -> Result<Vec<RecordBatch>, QueryError> {
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(jobs.len())
            .min(4);
        let run = |(f, p, rows): &(Family, PathBuf, Option<Vec<u32>>)| {
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
    /// What the index picks for `scope` (once per scope and engine).
    fn picked(&self, scope: &Scope) -> Result<Rc<Picked>, QueryError> {
        if let Some(p) = self.scan.picked.borrow().get(scope) {
            return Ok(p.clone());
        }
        let Some(ix) = self.index() else {
            return Ok(Rc::default());
        };
        let t = std::time::Instant::now();
        let p = Rc::new(ix.pick(scope)?);
        if super::profiling() {
            let counts: Vec<usize> = Family::EVENTS.iter().map(|f| p.files(*f).len()).collect();
            let what = format!("{scope:?}");
            super::profile(
                t,
                &format!(
                    "pick {counts:?} files (process, file, network): {}",
                    what.chars().take(80).collect::<String>()
                ),
            );
        }
        self.scan
            .picked
            .borrow_mut()
            .insert(scope.clone(), p.clone());
        Ok(p)
    }

    /// The `columns` of the rows `sel` selects. A `family` column gives each row's event
    /// family. Identical selections are answered once per engine.
    pub fn select(
        &self,
        sel: &Selection,
        columns: &[&'static str],
    ) -> Result<Vec<RecordBatch>, QueryError> {
        let filter = &sel.filter;
        // `time` is read with the nanoseconds past its microsecond (schema::time).
        let mut with_nanos = columns.to_vec();
        if columns.contains(&"time") && !columns.contains(&TIME_NANOS) {
            with_nanos.push(TIME_NANOS);
        }
        let columns = &with_nanos[..];
        let key = format!("{sel:?}|{columns:?}");
        if let Some(hit) = self.scan.results.borrow().get(&key) {
            return Ok(hit.clone());
        }
        let started = std::time::Instant::now();
        let out = if self.is_indexed() {
            let families: Vec<Family> = match filter.family_of() {
                Some(f) => vec![f],
                None => Family::EVENTS.to_vec(),
            };
            let picked = self.picked(&sel.scope)?;
            let mut jobs: Vec<(Family, PathBuf, Option<Vec<u32>>)> = Vec::new();
            for f in families {
                if f.is_event() {
                    for p in picked.files(f) {
                        jobs.push((f, p.clone(), picked.rows.get(p).cloned()));
                    }
                } else {
                    let (hive, copy) = self.files(f);
                    jobs.extend(hive.into_iter().chain(copy).map(|p| (f, p, None)));
                }
            }
            let out = self.scan.files.read_all(&jobs, filter, columns)?;
            if !filter.is_quiet() && super::sql_log().is_some() {
                let rows: usize = out.iter().map(RecordBatch::num_rows).sum();
                let (sql, params) = filter.select_sql(columns);
                let params: Vec<_> = params.iter().map(value_of).collect();
                self.log_equivalent(&sql, &params, rows, started.elapsed())?;
            }
            if super::profiling() {
                let rows: usize = out.iter().map(RecordBatch::num_rows).sum();
                super::profile(
                    started,
                    &format!(
                        "{rows:>8} rows  direct, {} files: {}",
                        jobs.len(),
                        format!("{filter:?}").chars().take(100).collect::<String>()
                    ),
                );
            }
            out
        } else {
            let (sql, params) = filter.select_sql(columns);
            let params: Vec<_> = params.iter().map(value_of).collect();
            self.query(&sql, &params)?.batches
        };
        self.scan.results.borrow_mut().insert(key, out.clone());
        Ok(out)
    }
}
