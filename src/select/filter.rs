//! Typed filters: a conjunction of simple conditions on named columns, with one definition and
//! three executions that agree — SQL with bound parameters (DuckDB), a mask over an Arrow batch
//! (direct Parquet reads, compaction), and a test of one row ([`Cells`]).
//!
//! SQL semantics everywhere: a NULL never equals anything, a column a file or batch lacks is
//! NULL. tests/it/filters.rs checks the SQL and direct executions against each other on random
//! filters and data (proptest).

use std::collections::HashSet;
use std::sync::Arc;

use crate::schema::Family;
use crate::schema::time::{EXACT_TIME_SQL, TIME_NANOS};

/// One condition. Column names are trusted identifiers written in this crate; values are
/// bound (SQL) or compared (direct), never spliced.
#[derive(Debug, Clone)]
pub(super) enum Cond {
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
pub(super) struct Values {
    pub(super) sorted: Vec<String>,
    pub(super) set: HashSet<String>,
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

    fn list(&self) -> Param {
        Param::TextList(self.sorted.clone())
    }
}

/// Rows of one event family (or of all three) that meet every condition.
#[derive(Debug, Clone)]
pub struct Filter {
    pub(super) family: Option<Family>,
    pub(super) conds: Vec<Cond>,
    /// Left out of `TRACE_SQL_LOG` (see [`Filter::quiet`]).
    quiet: bool,
}

/// A value bound to a `$n` of [`Filter::where_sql`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Param {
    /// Text.
    Text(String),
    /// An integer.
    Int(i64),
    /// A list of texts (`VARCHAR[]`).
    TextList(Vec<String>),
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

    /// The same conditions on one family's rows (an all-families filter run family by
    /// family: its SQL then reads a column the family lacks as NULL, as the `events` view does).
    pub fn in_family(&self, f: Family) -> Filter {
        debug_assert!(
            self.family.is_none_or(|g| g == f),
            "{:?} is not {f:?}",
            self.family
        );
        Filter {
            family: Some(f),
            ..self.clone()
        }
    }

    /// The family it selects from (`None`: every event family).
    pub fn family_of(&self) -> Option<Family> {
        self.family
    }

    /// True when its direct reads are left out of `TRACE_SQL_LOG`.
    pub fn is_quiet(&self) -> bool {
        self.quiet
    }

    /// Every condition of `self` and of `other` (a named predicate of
    /// [`crate::predicates`], say). `other`'s family, when it has one, must be `self`'s.
    pub fn and(mut self, other: &Filter) -> Filter {
        debug_assert!(
            other.family.is_none() || other.family == self.family,
            "a {:?} predicate on a {:?} filter",
            other.family,
            self.family
        );
        self.conds.extend(other.conds.iter().cloned());
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
    pub fn select_sql(&self, columns: &[&'static str]) -> (String, Vec<Param>) {
        let (view, fixed) = match self.family {
            Some(f) => (f.view_name(), Some(f.name())),
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
    pub fn where_sql(&self) -> (String, Vec<Param>) {
        let mut params: Vec<Param> = Vec::new();
        let mut parts: Vec<String> = Vec::new();
        let mut bind = |v: Param| {
            params.push(v);
            format!("${}", params.len())
        };
        // A column the family does not have is NULL, as in a direct read of its files.
        let has = |c: &str| self.family.is_none_or(|f| f.schema().index_of(c).is_ok());
        let text = |c: &str| {
            if has(c) {
                format!("\"{c}\"")
            } else {
                "CAST(NULL AS VARCHAR)".to_string()
            }
        };
        let int = |c: &str| {
            if has(c) {
                format!("\"{c}\"")
            } else {
                "CAST(NULL AS BIGINT)".to_string()
            }
        };
        let time = if has(TIME_NANOS) {
            EXACT_TIME_SQL
        } else {
            "epoch_ns(time)"
        };
        for c in &self.conds {
            parts.push(match c {
                Cond::Eq(col, v) => format!("{} = {}", text(col), bind(Param::Text(v.clone()))),
                Cond::Ne(col, v) => format!("{} <> {}", text(col), bind(Param::Text(v.clone()))),
                Cond::DistinctFrom(col, v) => format!(
                    "{} IS DISTINCT FROM {}",
                    text(col),
                    bind(Param::Text(v.clone()))
                ),
                Cond::In(col, vs) => format!(
                    "list_contains(CAST({} AS VARCHAR[]), {})",
                    bind(vs.list()),
                    text(col)
                ),
                Cond::AnyIn(cols, vs) => {
                    let p = bind(vs.list());
                    let any: Vec<String> = cols
                        .iter()
                        .map(|col| format!("list_contains(CAST({p} AS VARCHAR[]), {})", text(col)))
                        .collect();
                    format!("({})", any.join(" OR "))
                }
                Cond::IntGe(col, v) => format!("{} >= {}", int(col), bind(Param::Int(*v))),
                Cond::IsNull(col) => format!("{} IS NULL", text(col)),
                Cond::NotNull(col) => format!("{} IS NOT NULL", text(col)),
                Cond::TimeGe(t) => format!("{time} >= {}", bind(Param::Int(*t))),
                Cond::TimeLt(t) => format!("{time} < {}", bind(Param::Int(*t))),
                Cond::TimeLe(t) => format!("{time} <= {}", bind(Param::Int(*t))),
            });
        }
        if parts.is_empty() {
            parts.push("true".into());
        }
        (parts.join(" AND "), params)
    }

    /// The columns the conditions read.
    pub fn columns(&self) -> Vec<&'static str> {
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
                Cond::TimeGe(_) | Cond::TimeLt(_) | Cond::TimeLe(_) => {
                    out.extend(["time", TIME_NANOS])
                }
            }
        }
        out.sort();
        out.dedup();
        out
    }
}

/// One row, by column name: what [`Filter::matches`] tests (the story's events, say). A
/// column the row does not have is NULL.
pub trait Cells {
    /// The text of `col`, `None` for NULL.
    fn text(&self, col: &str) -> Option<&str>;
    /// The integer (or time, ns) of `col`, `None` for NULL.
    fn int(&self, col: &str) -> Option<i64>;
    /// True when `col` is NULL (default: neither text nor integer).
    fn is_null(&self, col: &str) -> bool {
        self.text(col).is_none() && self.int(col).is_none()
    }
}

impl Filter {
    /// Whether one row meets every condition, with the SQL semantics of [`Filter::eval`].
    pub fn matches(&self, row: &dyn Cells) -> bool {
        let text = |col: &str, f: &dyn Fn(&str) -> bool| row.text(col).is_some_and(f);
        let int = |col: &str, f: &dyn Fn(i64) -> bool| row.int(col).is_some_and(f);
        self.conds.iter().all(|c| match c {
            Cond::Eq(col, v) => text(col, &|s| s == v),
            Cond::Ne(col, v) => text(col, &|s| s != v),
            Cond::DistinctFrom(col, v) => row.text(col) != Some(v.as_str()),
            Cond::In(col, vs) => text(col, &|s| vs.set.contains(s)),
            Cond::AnyIn(cols, vs) => cols.iter().any(|col| text(col, &|s| vs.set.contains(s))),
            Cond::IntGe(col, v) => int(col, &|x| x >= *v),
            Cond::IsNull(col) => row.is_null(col),
            Cond::NotNull(col) => !row.is_null(col),
            Cond::TimeGe(t) => int("time", &|x| x >= *t),
            Cond::TimeLt(t) => int("time", &|x| x < *t),
            Cond::TimeLe(t) => int("time", &|x| x <= *t),
        })
    }

    /// The condition as SQL with its values written as literals, for the predicate macros the
    /// query layer defines from constants of this crate ([`crate::predicates`]); user values
    /// always go through [`Filter::where_sql`]'s bound parameters.
    pub fn literal_sql(&self) -> String {
        let (sql, params) = self.where_sql();
        let lit = |p: &Param| match p {
            Param::Text(t) => quote(t),
            Param::Int(i) => i.to_string(),
            Param::TextList(l) => format!(
                "[{}]",
                l.iter().map(|t| quote(t)).collect::<Vec<_>>().join(", ")
            ),
        };
        // Highest numbers first, so `$1` never eats the start of `$10`.
        let mut out = sql;
        for (i, p) in params.iter().enumerate().rev() {
            out = out.replace(&format!("${}", i + 1), &lit(p));
        }
        out
    }
}

/// A SQL string literal.
fn quote(t: &str) -> String {
    format!("'{}'", t.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{RecordBatch, StringArray, TimestampNanosecondArray, UInt32Array};
    use arrow::datatypes::{DataType, Field, Schema};

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
        let (sql, params) = Filter::family(Family::Network)
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
             list_contains(CAST($3 AS VARCHAR[]), \"dst_ip\")) AND \
             (epoch_ns(time) + coalesce(time_nanos, 0)) >= $4 AND \
             \"container_id\" IS NULL"
        );
        assert_eq!(params.len(), 4);
        assert!(matches!(&params[0], Param::Text(t) if t.contains("DROP")));
        // A column the family lacks is NULL, as in a direct read of its files.
        let (sql, _) = Filter::family(Family::Process)
            .eq("path", "/x")
            .int_ge("dst_port", 1)
            .where_sql();
        assert_eq!(
            sql,
            "CAST(NULL AS VARCHAR) = $1 AND CAST(NULL AS BIGINT) >= $2"
        );
    }
}
