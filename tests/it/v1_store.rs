//! Stores written by trace before schema version 2 (testdata/v1, written at 210d540) are still
//! read, queried and storied — and written into — by this trace.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use trace::schema::{Family, Origin, ProcessInfo, Row, SCHEMA_VERSION};
use trace::store::manifest::Manifest;
use trace::store::{Store, StoreWriter, WriterOptions};

use crate::common::*;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/v1")
        .join(name)
}

/// A copy of a fixture store (tests never change testdata/).
fn copy(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let to = dir.path().join(name);
    let from = fixture(name);
    for e in walkdir::WalkDir::new(&from) {
        let e = e.unwrap();
        let rel = e.path().strip_prefix(&from).unwrap();
        if e.file_type().is_dir() {
            std::fs::create_dir_all(to.join(rel)).unwrap();
        } else {
            std::fs::copy(e.path(), to.join(rel)).unwrap();
        }
    }
    (dir, to)
}

fn story(store: &Path) -> String {
    ok(trace(store, &["story", "3f2a9c", "--format", "json"]))
}

fn counts(store: &Path) -> String {
    ok(trace(
        store,
        &[
            "query",
            "--format",
            "csv",
            "SELECT count(*) AS events, count(ingest_id) AS with_provenance FROM events",
        ],
    ))
}

#[test]
fn a_v1_store_tells_the_same_story_fresh_compacted_and_recompacted() {
    let want = std::fs::read_to_string(fixture("story-3f2a9c.json")).unwrap();
    let (_a, fresh) = copy("fresh");
    let (_b, compacted) = copy("compacted");
    assert_eq!(story(&fresh), want, "uncompacted v1 store (DuckDB views)");
    assert_eq!(
        story(&compacted),
        want,
        "v1 manifest and index (direct reads)"
    );
    // Every column of today's schema is there, NULL in version-1 rows.
    assert_eq!(counts(&fresh), "events,with_provenance\n16778,0\n");
    assert_eq!(counts(&compacted), "events,with_provenance\n16778,0\n");
    // Rewritten by this trace: version-2 files, digests in the manifest, the same story.
    ok(trace(&compacted, &["compact", "--all"]));
    let m = Manifest::read(&compacted).unwrap().expect("manifest");
    assert_eq!(m.generation, 2);
    assert!(
        m.files
            .iter()
            .all(|f| f.sha256.as_ref().is_some_and(|s| s.len() == 64))
    );
    assert!(m.index.sha256.contains_key(&m.index.keys));
    assert_eq!(story(&compacted), want, "recompacted by this trace");
    assert_eq!(counts(&compacted), "events,with_provenance\n16778,0\n");
}

#[test]
fn new_rows_go_into_a_v1_store_beside_the_old_ones() {
    let (_d, root) = copy("fresh");
    let store = Store::create(&root).unwrap();
    assert_eq!(store.marker_schema_version(), Some(SCHEMA_VERSION));
    let mut w = StoreWriter::new(store.clone(), WriterOptions::default());
    let o = Origin::new("new-host", None, "test");
    let t = 1_790_900_000_000_000_000;
    w.write(&Row::Event(o.exec(
        t,
        None,
        Arc::new(ProcessInfo::default()),
        None,
    )))
    .unwrap();
    w.finish().unwrap();
    assert_eq!(counts(&root), "events,with_provenance\n16779,1\n");
    assert_eq!(store.files(Family::Process).unwrap().len(), 16);
    // And the old story is unchanged by the neighbour.
    let want = std::fs::read_to_string(fixture("story-3f2a9c.json")).unwrap();
    assert_eq!(story(&root), want);
}
