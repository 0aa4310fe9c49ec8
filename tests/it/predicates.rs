//! Each predicate's SQL form (the DuckDB macros every engine defines) gives what its Rust form
//! gives, on every event kind and every NULL combination.

use trace::predicates::{person, written_path};
use trace::query::Value;
use trace::schema::EventKind;
use trace::select::Cells;

use crate::common::*;

struct Row {
    uid: Option<i64>,
    container: Option<&'static str>,
}

impl Cells for Row {
    fn text(&self, col: &str) -> Option<&str> {
        (col == "container_id").then_some(self.container).flatten()
    }
    fn int(&self, col: &str) -> Option<i64> {
        (col == "uid").then_some(self.uid).flatten()
    }
}

#[test]
fn sql_macros_agree_with_the_rust_predicates() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s");
    trace::store::Store::create(&store).unwrap();
    let e = engine(&store);
    let opt = |v: Option<&str>| v.map_or(Value::Null, |s| Value::Text(s.into()));
    let mut checked = 0;
    for kind in EventKind::ALL {
        for (path, target) in [
            (Some("/tmp/x"), Some("/usr/bin/y")),
            (Some("/tmp/x"), None),
            (None, Some("/usr/bin/y")),
            (None, None),
        ] {
            let sql = scalar(
                &e,
                "SELECT coalesce(written_path($1, $2, $3), '∅')",
                &[Value::Text(kind.as_str().into()), opt(path), opt(target)],
            );
            let rust = written_path(kind.as_str(), path, target).unwrap_or("∅");
            assert_eq!(sql, rust, "written_path({kind}, {path:?}, {target:?})");
            checked += 1;
        }
    }
    for uid in [None, Some(0), Some(999), Some(1000), Some(65534)] {
        for container in [None, Some("c1")] {
            let sql = scalar(
                &e,
                "SELECT coalesce(is_person(CAST($1 AS UINTEGER), $2), false)",
                &[uid.map_or(Value::Null, Value::BigInt), opt(container)],
            );
            let rust = person().matches(&Row { uid, container });
            assert_eq!(sql, rust.to_string(), "is_person({uid:?}, {container:?})");
            checked += 1;
        }
    }
    assert_eq!(checked, EventKind::ALL.len() * 4 + 10);
}
