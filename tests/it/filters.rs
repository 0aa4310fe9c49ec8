//! One filter, two executions: random filters over random events give the same rows through
//! DuckDB (SQL with bound parameters over the whole store) and through the direct Parquet
//! reads of an indexed engine (compacted and fresh files, row-group pruning, dictionaries),
//! and the one-row test ([`Filter::matches`]) agrees with both.

use std::sync::Arc;

use proptest::prelude::*;
use trace::query::{Engine, Filter, Scope, cells};
use trace::schema::{EventKind, FileDetail, NetDetail, Origin, ProcessInfo, Protocol, Row};
use trace::select::Cells;
use trace::store::compact::{CompactOptions, compact};
use trace::store::{Store, StoreWriter, WriterOptions};

const T0: i64 = 1_790_812_800_000_000_000; // 2026-10-01

/// The columns compared (every kind of column the filters test, across families).
const COLS: &[&str] = &[
    "family",
    "time",
    "kind",
    "host_id",
    "container_id",
    "uid",
    "user_name",
    "process_key",
    "exe_sha256",
    "path",
    "file_sha256",
    "src_ip",
    "dst_ip",
    "community_id",
];

#[derive(Debug, Clone)]
struct Spec {
    family: u8,
    kind: u8,
    host: u8,
    container: Option<u8>,
    uid: Option<u32>,
    user: Option<u8>,
    key: Option<u8>,
    sha: Option<u8>,
    path: u8,
    src: Option<u8>,
    dst: Option<u8>,
    dt: i64,
}

fn pick<'a>(v: &'a [&'a str], i: u8) -> &'a str {
    v[i as usize % v.len()]
}

const HOSTS: &[&str] = &["h1", "h2"];
const CTRS: &[&str] = &["c1", "c2"];
const USERS: &[&str] = &["alice", "bob"];
const KEYS: &[&str] = &["k1", "k2", "k3"];
const SHAS: &[&str] = &["s1", "s2"];
const PATHS: &[&str] = &["/a", "/b", "/tmp/x"];
const IPS: &[&str] = &["10.0.0.1", "10.0.0.2", "203.0.113.9"];

fn row(s: &Spec) -> Row {
    let process = Arc::new(ProcessInfo {
        pid: Some(100 + s.dt as i32),
        uid: s.uid,
        user_name: s.user.map(|u| pick(USERS, u).to_string()),
        key: s.key.map(|k| pick(KEYS, k).to_string()),
        ..Default::default()
    });
    let o = Origin::new(pick(HOSTS, s.host), None, "prop");
    let t = T0 + s.dt * 1_000_000_000;
    let ctr = s.container.map(|c| pick(CTRS, c).to_string());
    let sha = s.sha.map(|h| pick(SHAS, h).to_string());
    let ip = |i: u8| (pick(IPS, i).parse().unwrap(), 40_000 + i as u16);
    Row::Event(match s.family % 3 {
        0 => {
            let kinds = [
                EventKind::ProcessExec,
                EventKind::ProcessFork,
                EventKind::ProcessExit,
            ];
            match kinds[s.kind as usize % 3] {
                EventKind::ProcessExec => o.exec(t, ctr, process, sha),
                EventKind::ProcessFork => o.fork(t, ctr, process),
                _ => o.exit(t, ctr, process, Some(1)),
            }
        }
        1 => {
            let kinds = [
                EventKind::FileCreate,
                EventKind::FileRename,
                EventKind::FileUnlink,
            ];
            let d = FileDetail::path(pick(PATHS, s.path))
                .target(s.src.map(|i| pick(PATHS, i).to_string()))
                .sha256(sha);
            o.file(t, kinds[s.kind as usize % 3], ctr, process, d)
        }
        _ => {
            let kinds = [
                EventKind::NetConnect,
                EventKind::NetAccept,
                EventKind::NetListen,
            ];
            let d = NetDetail::new(Protocol::Tcp, s.src.map(ip), s.dst.map(ip));
            o.net(t, kinds[s.kind as usize % 3], ctr, process, d)
        }
    })
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        (0u8..3, 0u8..3, 0u8..2, prop::option::of(0u8..2)),
        (
            prop::option::of(prop::sample::select(vec![0u32, 999, 1000, 1001])),
            prop::option::of(0u8..2),
            prop::option::of(0u8..3),
            prop::option::of(0u8..2),
        ),
        (
            0u8..3,
            prop::option::of(0u8..3),
            prop::option::of(0u8..3),
            0i64..100,
        ),
    )
        .prop_map(
            |((family, kind, host, container), (uid, user, key, sha), (path, src, dst, dt))| Spec {
                family,
                kind,
                host,
                container,
                uid,
                user,
                key,
                sha,
                path,
                src,
                dst,
                dt,
            },
        )
}

/// One condition, from the values the rows use (and one they never do).
#[derive(Debug, Clone)]
enum C {
    Eq(&'static str, &'static str),
    Ne(&'static str, &'static str),
    Distinct(&'static str, &'static str),
    In(&'static str, Vec<&'static str>),
    AnyIp(Vec<&'static str>),
    Ge(&'static str, i64),
    Null(&'static str),
    NotNull(&'static str),
    Since(i64),
    Until(i64),
    Between(i64, i64),
}

const TEXT_COLS: &[&str] = &[
    "host_id",
    "container_id",
    "user_name",
    "process_key",
    "path",
    "src_ip",
    "kind",
    "exe_sha256",
    "file_sha256",
];
const VALUES: &[&str] = &[
    "h1",
    "c1",
    "c2",
    "alice",
    "k1",
    "k2",
    "/a",
    "/tmp/x",
    "10.0.0.1",
    "203.0.113.9",
    "process_exec",
    "file_rename",
    "net_accept",
    "s1",
    "nope",
];

fn cond() -> impl Strategy<Value = C> {
    let col = prop::sample::select(TEXT_COLS.to_vec());
    let val = prop::sample::select(VALUES.to_vec());
    let t = (0i64..110).prop_map(|d| T0 + d * 1_000_000_000);
    prop_oneof![
        (col.clone(), val.clone()).prop_map(|(c, v)| C::Eq(c, v)),
        (col.clone(), val.clone()).prop_map(|(c, v)| C::Ne(c, v)),
        (col.clone(), val.clone()).prop_map(|(c, v)| C::Distinct(c, v)),
        (col.clone(), prop::collection::vec(val.clone(), 0..4)).prop_map(|(c, v)| C::In(c, v)),
        prop::collection::vec(prop::sample::select(IPS.to_vec()), 0..3).prop_map(C::AnyIp),
        (
            prop::sample::select(vec!["uid", "pid"]),
            prop::sample::select(vec![0i64, 1000, 1001, 140])
        )
            .prop_map(|(c, v)| C::Ge(c, v)),
        col.clone().prop_map(C::Null),
        col.prop_map(C::NotNull),
        t.clone().prop_map(C::Since),
        t.clone().prop_map(C::Until),
        (t.clone(), t).prop_map(|(a, b)| C::Between(a.min(b), a.max(b))),
    ]
}

fn filter(family: Option<u8>, conds: &[C]) -> Filter {
    let families = [
        trace::schema::Family::Process,
        trace::schema::Family::File,
        trace::schema::Family::Network,
    ];
    let mut f = match family {
        None => Filter::events(),
        Some(i) => Filter::family(families[i as usize % 3]),
    };
    let own = |v: &[&'static str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    for c in conds {
        f = match c {
            C::Eq(c, v) => f.eq(c, *v),
            C::Ne(c, v) => f.ne(c, *v),
            C::Distinct(c, v) => f.distinct_from(c, *v),
            C::In(c, v) => f.within(c, own(v)),
            C::AnyIp(v) => f.within_any(&["src_ip", "dst_ip"], own(v)),
            C::Ge(c, v) => f.int_ge(c, *v),
            C::Null(c) => f.is_null(c),
            C::NotNull(c) => f.not_null(c),
            C::Since(t) => f.since(Some(*t)),
            C::Until(t) => f.until(Some(*t)),
            C::Between(a, b) => f.between(*a, *b),
        };
    }
    f
}

/// Rows as sorted text lines.
fn lines(batches: &[arrow::array::RecordBatch]) -> Vec<String> {
    let mut out = Vec::new();
    for b in batches {
        let cols: Vec<Vec<Option<String>>> = COLS.iter().map(|c| cells::strs(b, c)).collect();
        for i in 0..b.num_rows() {
            out.push(
                cols.iter()
                    .map(|c| c[i].clone().unwrap_or_else(|| "∅".into()))
                    .collect::<Vec<_>>()
                    .join("|"),
            );
        }
    }
    out.sort();
    out
}

/// A row of the comparison, by column, for the one-row test.
struct Line(Vec<(&'static str, Option<String>)>);

impl Cells for Line {
    fn text(&self, col: &str) -> Option<&str> {
        let v = self.0.iter().find(|(c, _)| *c == col)?.1.as_deref()?;
        // Numbers are the `int` of a row; times too.
        if col == "uid" || col == "pid" || col == "time" {
            return None;
        }
        Some(v)
    }
    fn int(&self, col: &str) -> Option<i64> {
        let v = self.0.iter().find(|(c, _)| *c == col)?.1.as_deref()?;
        match col {
            "uid" | "pid" => v.parse().ok(),
            "time" => chrono::NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M:%S%.f")
                .or_else(|_| chrono::NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M:%S"))
                .ok()
                .and_then(|t| t.and_utc().timestamp_nanos_opt()),
            _ => None,
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn sql_and_direct_reads_select_the_same_rows(
        specs in prop::collection::vec(spec(), 1..120),
        filters in prop::collection::vec(
            (prop::option::of(0u8..3), prop::collection::vec(cond(), 0..4)),
            12,
        ),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::create(dir.path().join("s")).unwrap();
        // Half compacted (sorted, indexed files), half fresh (files as the writer left them).
        let half = specs.len() / 2;
        for (n, part) in [&specs[..half], &specs[half..]].into_iter().enumerate() {
            let mut w = StoreWriter::new(store.clone(), WriterOptions::default());
            for s in part {
                w.write(&row(s)).unwrap();
            }
            w.finish().unwrap();
            if n == 0 {
                let opts = CompactOptions { row_group_rows: 8, ..Default::default() };
                compact(&store, &opts).unwrap();
            }
        }
        let sql = Engine::open(&store).unwrap();
        let direct = Engine::open_indexed(&store).unwrap();
        prop_assert!(direct.is_indexed() || half == 0);
        let mut cols = COLS.to_vec();
        cols.push("pid");
        for (family, conds) in &filters {
            let f = filter(*family, conds);
            let by_sql = sql.select(&f.clone().scoped(Scope::All), &cols).unwrap();
            let by_direct = direct.select(&f.clone().scoped(Scope::All), &cols).unwrap();
            let (a, b) = (lines(&by_sql), lines(&by_direct));
            prop_assert_eq!(&a, &b, "filter {:?}", f);
            // The one-row test keeps exactly the selected rows of everything.
            let all = sql.select(&filter(*family, &[]).scoped(Scope::All), &cols).unwrap();
            let mut kept = Vec::new();
            for batch in &all {
                let cells: Vec<Vec<Option<String>>> = cols.iter().map(|c| cells::strs(batch, c)).collect();
                for i in 0..batch.num_rows() {
                    let line = Line(cols.iter().zip(&cells).map(|(c, v)| (*c, v[i].clone())).collect());
                    if f.matches(&line) {
                        kept.push(cols[..COLS.len()].iter().zip(&cells).map(|(_, v)| v[i].clone().unwrap_or_else(|| "∅".into())).collect::<Vec<_>>().join("|"));
                    }
                }
            }
            kept.sort();
            prop_assert_eq!(&kept, &a, "one-row test of {:?}", f);
        }
    }
}
