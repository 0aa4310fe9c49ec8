use std::fs;
use std::path::Path;
use std::sync::Arc;

use super::check::{Problem, Report, adopt, check, store_files};
use super::*;
use crate::schema::{Origin, ProcessInfo, Row};
use crate::store::compact::{CompactOptions, compact};
use crate::store::{StoreWriter, WriterOptions};

const T0: i64 = 1_700_000_000_000_000_000;
const DAY: i64 = 86_400_000_000_000;

fn exec(time: i64, host: &str) -> Row {
    let process = Arc::new(ProcessInfo {
        pid: Some(1),
        exe: Some("/bin/sh".into()),
        ..Default::default()
    });
    let o = Origin::new(host, Some("b"), "test");
    Row::Event(o.exec(time, Some("c1".into()), process, None))
}

/// A store of several files over two hosts and two days.
fn store(dir: &Path) -> Store {
    let store = Store::create(dir.join("s")).unwrap();
    let opts = WriterOptions {
        max_rows_per_file: 7,
        ..Default::default()
    };
    let mut w = StoreWriter::new(store.clone(), opts);
    for i in 0..30 {
        w.write(&exec(
            T0 + i * 1000 + (i % 2) * DAY,
            ["h1", "h2"][i as usize % 2],
        ))
        .unwrap();
    }
    w.finish().unwrap();
    store
}

fn verify(store: &Store) -> Report {
    check(store, None, &mut |_| {}).unwrap()
}

fn problems(store: &Store) -> Vec<Problem> {
    verify(store).problems
}

fn first_data_file(store: &Store) -> String {
    store_files(store.root())
        .into_iter()
        .map(|(r, _)| r)
        .find(|r| r.starts_with("process/"))
        .unwrap()
}

#[test]
fn a_written_store_verifies_and_every_file_is_sealed() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    let r = verify(&s);
    assert!(r.sealed);
    assert_eq!(r.problems, vec![]);
    let files = store_files(s.root());
    assert!(files.len() >= 4, "{files:?}");
    assert_eq!(r.files as usize, files.len());
    assert_eq!(
        r.entries as usize,
        files.len(),
        "one entry per file written"
    );
    assert_eq!(r.head.unwrap().seq, r.entries);
}

#[test]
fn one_altered_byte_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    let rel = first_data_file(&s);
    let p = s.root().join(&rel);
    let mut bytes = fs::read(&p).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x01;
    fs::write(&p, bytes).unwrap();
    let ps = problems(&s);
    assert_eq!(ps.len(), 1, "{ps:?}");
    assert!(
        matches!(&ps[0], Problem::Altered { path, .. } if *path == rel),
        "{ps:?}"
    );
    assert!(ps[0].to_string().starts_with("altered: process/"));
}

#[test]
fn a_removed_file_and_an_added_file_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    let rel = first_data_file(&s);
    let p = s.root().join(&rel);
    let copy = p.with_file_name("process-20231114T221320Z-planted.parquet");
    fs::copy(&p, &copy).unwrap();
    fs::remove_file(&p).unwrap();
    let ps = problems(&s);
    assert_eq!(ps.len(), 2, "{ps:?}");
    assert!(
        ps.iter()
            .any(|p| matches!(p, Problem::Missing { path, .. } if *path == rel))
    );
    assert!(
        ps.iter()
            .any(|p| matches!(p, Problem::Unsealed { path } if path.ends_with("-planted.parquet")))
    );
}

#[test]
fn a_truncated_chain_a_reordered_chain_and_an_edited_entry_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    let j = journal_path(s.root());
    let text = fs::read_to_string(&j).unwrap();
    let lines: Vec<&str> = text.lines().collect();

    // Cut short by its last entry: the head names an entry the journal lacks.
    fs::write(&j, lines[..lines.len() - 1].join("\n") + "\n").unwrap();
    let ps = problems(&s);
    assert!(
        ps.iter().any(|p| matches!(p, Problem::Head { .. })),
        "{ps:?}"
    );
    // And the file that entry sealed is now unsealed.
    assert!(
        ps.iter().any(|p| matches!(p, Problem::Unsealed { .. })),
        "{ps:?}"
    );

    // Two entries swapped.
    let mut swapped = lines.clone();
    swapped.swap(1, 2);
    fs::write(&j, swapped.join("\n") + "\n").unwrap();
    let ps = problems(&s);
    assert!(
        ps.iter()
            .any(|p| matches!(p, Problem::Chain { line: 2, .. })),
        "{ps:?}"
    );

    // One entry's digest edited to hide an altered file.
    let mut e: Entry = serde_json::from_str(lines[0]).unwrap();
    e.body.add[0].sha256 = "0".repeat(64);
    let mut edited: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    edited[0] = serde_json::to_string(&e).unwrap();
    fs::write(&j, edited.join("\n") + "\n").unwrap();
    let ps = problems(&s);
    assert!(
        ps.iter()
            .any(|p| matches!(p, Problem::Chain { line: 1, why } if why.contains("altered"))),
        "{ps:?}"
    );

    // Journal and head rewritten together: only a head recorded elsewhere catches it.
    let recorded = read_head(s.root()).unwrap().unwrap().hash;
    fs::write(&j, lines[..2].join("\n") + "\n").unwrap();
    let e2: Entry = serde_json::from_str(lines[1]).unwrap();
    let head = Head {
        seq: e2.body.seq,
        hash: e2.hash,
    };
    fs::write(head_path(s.root()), serde_json::to_vec(&head).unwrap()).unwrap();
    let r = check(&s, Some(&recorded), &mut |_| {}).unwrap();
    assert!(
        r.problems
            .iter()
            .any(|p| matches!(p, Problem::Head { why } if why.contains("recorded head"))),
        "{:?}",
        r.problems
    );
}

#[test]
fn compaction_seals_outputs_index_and_manifest_and_a_replaced_manifest_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    compact(&s, &CompactOptions::default()).unwrap();
    let r = verify(&s);
    assert_eq!(r.problems, vec![], "{:?}", r.notes);
    assert!(
        store_files(s.root())
            .iter()
            .any(|(r, _)| r == "_index/manifest.json")
    );
    // A second compaction over new files: still intact, old index generations accounted.
    let mut w = StoreWriter::new(s.clone(), WriterOptions::default());
    w.write(&exec(T0 + 5, "h1")).unwrap();
    w.finish().unwrap();
    compact(&s, &CompactOptions::default()).unwrap();
    compact(
        &s,
        &CompactOptions {
            all: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(problems(&s), vec![]);

    // A manifest replaced (valid JSON, one file dropped from it).
    let mp = s.root().join("_index/manifest.json");
    let mut m: serde_json::Value = serde_json::from_slice(&fs::read(&mp).unwrap()).unwrap();
    m["files"].as_array_mut().unwrap().pop();
    fs::write(&mp, serde_json::to_vec_pretty(&m).unwrap()).unwrap();
    let ps = problems(&s);
    assert!(
        ps.iter()
            .any(|p| matches!(p, Problem::Altered { path, .. } if path == "_index/manifest.json")),
        "{ps:?}"
    );
}

#[test]
fn a_store_from_before_sealing_is_adopted_once() {
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    fs::remove_dir_all(s.root().join(SEAL_DIR)).unwrap();
    let r = verify(&s);
    assert!(!r.sealed);
    let adopted = adopt(&s).unwrap();
    assert_eq!(adopted.len(), store_files(s.root()).len());
    assert_eq!(problems(&s), vec![]);
    assert_eq!(adopt(&s).unwrap(), vec![], "nothing left to adopt");
}

#[test]
fn concurrent_writers_keep_one_unbroken_chain() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::create(dir.path().join("s")).unwrap();
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let s = s.clone();
            std::thread::spawn(move || {
                let opts = WriterOptions {
                    max_rows_per_file: 3,
                    ..Default::default()
                };
                let mut w = StoreWriter::new(s, opts);
                for i in 0..30 {
                    w.write(&exec(T0 + i, &format!("host{t}"))).unwrap();
                }
                w.finish().unwrap();
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let r = verify(&s);
    assert_eq!(r.problems, vec![]);
    assert_eq!(r.entries, 40);
}
