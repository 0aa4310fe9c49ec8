//! `trace compact`: every row survives, stories read through the index tell exactly what they
//! tell over the raw files (also with files written after the compaction), a second run does
//! nothing, and leftovers of an interrupted run are never read and are cleaned up.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use trace::demo::truth;
use trace::store::manifest::{INDEX_DIR, MANIFEST, Manifest};

use crate::common::*;

/// (partly, full): the demo store compacted while the event files of the intrusion day were held back
/// and then put back (compacted files + fresh files), and the same compacted once more.
pub(crate) fn stores() -> &'static (PathBuf, PathBuf) {
    static S: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    S.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("trace-it-compact-")
            .tempdir()
            .unwrap()
            .keep();
        let partly = dir.join("partly");
        copy_dir(demo_store(), &partly);
        let held = dir.join("held");
        let mut moved = Vec::new();
        for e in walkdir::WalkDir::new(&partly) {
            let p = e.unwrap().into_path();
            let s = p.to_string_lossy().into_owned();
            if s.ends_with(".parquet") && s.contains("date=2026-10-03") && !s.contains("/hosts/") {
                let to = held.join(moved.len().to_string());
                fs::create_dir_all(&held).unwrap();
                fs::rename(&p, &to).unwrap();
                moved.push((to, p));
            }
        }
        assert!(!moved.is_empty(), "the demo has an intrusion day");
        let out = ok(trace(&partly, &["compact"]));
        assert!(out.starts_with("generation 1:"), "{out}");
        for (from, to) in moved {
            fs::rename(from, to).unwrap();
        }
        let full = dir.join("full");
        copy_dir(&partly, &full);
        let out = ok(trace(&full, &["compact"]));
        assert!(out.starts_with("generation 2:"), "{out}");
        (partly, full)
    })
}

fn digest(store: &Path) -> Vec<String> {
    let e = engine(store);
    let mut out = Vec::new();
    for view in [
        "process",
        "file",
        "network",
        "host_records",
        "container_records",
        "loss",
    ] {
        // Row count and an order-independent digest of every column of every row.
        let sql = format!(
            "SELECT '{view} ' || count(*) || ' ' || coalesce(sum(hash(t))::VARCHAR, '-') FROM {view} t"
        );
        out.push(scalar(&e, &sql, &[]));
    }
    out
}

#[test]
fn compaction_preserves_every_row() {
    let (partly, full) = stores();
    let before = digest(demo_store());
    assert!(before[0].starts_with("process ") && !before[0].contains(" 0 "));
    assert_eq!(digest(partly), before, "compacted + fresh files");
    assert_eq!(digest(full), before, "second generation");
    // Compacted files are sorted by (container_id, time) and the fresh ones are gone.
    let m = Manifest::read(full).unwrap().expect("manifest");
    assert_eq!(m.generation, 2);
    let e = engine(full);
    let unsorted = int(
        &e,
        "SELECT count(*) FROM (SELECT filename, container_id, time,
                lag(container_id) OVER (PARTITION BY filename ORDER BY file_row_number) AS pc,
                lag(time) OVER (PARTITION BY filename ORDER BY file_row_number) AS pt
            FROM read_parquet(string_split(getvariable('trace_files_network'), chr(10)),
                              filename = true, file_row_number = true))
         WHERE pt IS NOT NULL AND ((pc IS NOT NULL AND container_id IS NULL)
            OR pc > container_id OR (pc IS NOT DISTINCT FROM container_id AND pt > time))",
        &[],
    );
    assert_eq!(unsorted, 0);
    for f in &m.files {
        assert!(f.path.ends_with(".c.parquet"), "{}", f.path);
    }
}

fn story(store: &Path, args: &[&str]) -> String {
    let mut a = vec!["story"];
    a.extend_from_slice(args);
    ok(trace(store, &a))
}

#[test]
fn stories_through_the_index_are_identical() {
    let (partly, full) = stores();
    let cases: &[&[&str]] = &[
        &["3f2a9c", "--format", "json"],
        &[truth::PAY_CONTAINER_ID, "--depth", "1"],
        &["8c41d0", "--depth", "1", "--format", "md"],
        &["8c41d0", "--depth", "1", "--format", "table"],
        &["8c41d0", "--depth", "1", "--format", "dot"],
        &[
            "3f2a9c",
            "--depth",
            "0",
            "--since",
            "2026-10-03 12:00",
            "--format",
            "json",
        ],
    ];
    for args in cases {
        let want = story(demo_store(), args);
        assert!(want.len() > 500, "{args:?} tells something");
        assert_eq!(
            story(partly, args),
            want,
            "{args:?} on compacted + fresh files"
        );
        assert_eq!(story(full, args), want, "{args:?} on compacted files");
    }
    // Errors read the whole store too.
    let o = trace(full, &["story", "3f2a9cffff"]);
    assert!(stderr(&o).contains("similar id") && stderr(&o).contains("the store covers"));
}

#[test]
fn a_second_run_does_nothing_and_leftovers_are_never_read() {
    let (_, full) = stores();
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path().join("s");
    copy_dir(full, &s);
    let want = digest(&s);
    let out = ok(trace(&s, &["compact"]));
    assert!(out.starts_with("nothing to compact"), "{out}");
    let m = Manifest::read(&s).unwrap().unwrap();
    assert_eq!(m.generation, 2);
    // A crash after writing an output, before its commit: an unlisted compacted file.
    let first = s.join(&m.files[0].path);
    let orphan = first.with_file_name("process-20261001T000000Z-000000000000.c.parquet");
    fs::copy(&first, &orphan).unwrap();
    // A crash after a commit, before removing an input: a replaced file still there.
    let input = first.with_file_name("process-20261001T000000Z-111111111111.parquet");
    fs::copy(&first, &input).unwrap();
    let mut m2 = m.clone();
    m2.replaced.push(trace::store::manifest::Replaced {
        path: s_rel(&s, &input),
        removed_at: 0,
    });
    m2.write(&s).unwrap();
    assert_eq!(digest(&s), want, "neither leftover is read");
    let out = ok(trace(&s, &["compact"]));
    assert!(out.contains("2 leftovers"), "{out}");
    assert!(!orphan.exists() && !input.exists());
    assert_eq!(digest(&s), want);
    // --all rewrites every partition (after changing the sizes) and rebuilds the index.
    let out = ok(trace(
        &s,
        &[
            "compact",
            "--all",
            "--max-rows-per-file",
            "5000",
            "--row-group-rows",
            "1000",
        ],
    ));
    assert!(out.starts_with("generation 3:"), "{out}");
    assert_eq!(digest(&s), want);
    let m = Manifest::read(&s).unwrap().unwrap();
    assert!(m.files.iter().all(|f| f.rows <= 5000));
    assert_eq!(
        story(&s, &["3f2a9c", "--format", "json"]),
        story(demo_store(), &["3f2a9c", "--format", "json"])
    );
    // A broken manifest is an error naming the file and the field.
    fs::write(s.join(INDEX_DIR).join(MANIFEST), "{\"format\": 3}").unwrap();
    let o = trace(&s, &["story", "3f2a9c"]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("manifest.json") && stderr(&o).contains("format"),
        "{}",
        stderr(&o)
    );
}

fn s_rel(root: &Path, p: &Path) -> String {
    p.strip_prefix(root).unwrap().to_string_lossy().into_owned()
}

/// Rows of every file a snapshot names, from the footers; `None` when a file vanished between
/// the listing and the read (a reader then retries; it must never count a row twice or miss
/// one when it does read everything).
fn snapshot_rows(store: &trace::store::Store) -> Option<u64> {
    let snap = store.snapshot().ok()?;
    let mut n = 0;
    for family in trace::schema::Family::ALL {
        for f in snap.files(family) {
            let file = fs::File::open(&f).ok()?;
            let r = parquet::file::reader::SerializedFileReader::new(file).ok()?;
            n += parquet::file::reader::FileReader::metadata(&r)
                .file_metadata()
                .num_rows() as u64;
        }
    }
    Some(n)
}

#[test]
fn readers_during_a_compaction_never_see_a_row_twice_or_miss_one() {
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path().join("s");
    copy_dir(demo_store(), &s);
    let store = trace::store::Store::open(&s).unwrap();
    let want = snapshot_rows(&store).unwrap();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let (store, done) = (store.clone(), done.clone());
        std::thread::spawn(move || {
            let (mut complete, mut retried) = (0, 0);
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                match snapshot_rows(&store) {
                    Some(n) => {
                        assert_eq!(n, want, "a reader saw {n} rows, the store holds {want}");
                        complete += 1;
                    }
                    None => retried += 1,
                }
            }
            (complete, retried)
        })
    };
    let opts = trace::store::compact::CompactOptions::default();
    trace::store::compact::compact(&store, &opts).unwrap();
    let all = trace::store::compact::CompactOptions {
        all: true,
        max_rows_per_file: 20_000,
        ..Default::default()
    };
    trace::store::compact::compact(&store, &all).unwrap();
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let (complete, _retried) = reader.join().unwrap();
    assert!(complete > 0);
    assert_eq!(snapshot_rows(&store), Some(want));
}

/// A copy of the partly compacted store (generation 1 plus fresh files) to age by hand.
fn copy_of_partly() -> (tempfile::TempDir, PathBuf) {
    let (partly, _) = stores();
    let dir = tempfile::Builder::new()
        .prefix("trace-it-compact-")
        .tempdir()
        .unwrap();
    let old = dir.path().join("old");
    copy_dir(partly, &old);
    (dir, old)
}

#[test]
fn an_index_from_before_the_people_summary_tells_the_same_story() {
    let (_dir, old) = copy_of_partly();
    // An index written before the people summary existed has none.
    let mut m = Manifest::read(&old).unwrap().expect("manifest");
    let users = m
        .index
        .users
        .take()
        .expect("compaction writes the people summary");
    fs::remove_file(old.join(users)).unwrap();
    m.write(&old).unwrap();
    // The web story reaches alice's laptop through the `user` pivot (hop 2).
    let args = ["3f2a9c", "--format", "json"];
    let want = story(demo_store(), &args);
    assert!(
        want.contains("\"kind\": \"user\""),
        "the story has a user pivot"
    );
    assert_eq!(story(&old, &args), want, "read from the events instead");
    // The next compaction writes the summary again, also for the files it keeps.
    let out = ok(trace(&old, &["compact"]));
    assert!(out.starts_with("generation 2:"), "{out}");
    let m = Manifest::read(&old).unwrap().expect("manifest");
    assert!(m.index.users.is_some());
    assert_eq!(story(&old, &args), want, "from the rebuilt summary");
}

#[test]
fn a_parquet_postings_file_from_before_the_block_format_still_works() {
    use std::sync::Arc;
    use trace::store::postings::Postings;
    let (_dir, old) = copy_of_partly();
    // The postings as the previous release wrote them: Parquet (h, file), whole files only.
    let mut m = Manifest::read(&old).unwrap().expect("manifest");
    let bin = old.join(&m.index.keys);
    let mut hf: Vec<(i64, u32)> = Postings::read_all(&bin)
        .unwrap()
        .into_iter()
        .map(|p| (p.0, p.1))
        .collect();
    hf.dedup();
    let schema = Arc::new(arrow::datatypes::Schema::new(vec![
        arrow::datatypes::Field::new("h", arrow::datatypes::DataType::Int64, false),
        arrow::datatypes::Field::new("file", arrow::datatypes::DataType::UInt32, false),
    ]));
    let batch = arrow::array::RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(arrow::array::Int64Array::from_iter_values(
                hf.iter().map(|k| k.0),
            )),
            Arc::new(arrow::array::UInt32Array::from_iter_values(
                hf.iter().map(|k| k.1),
            )),
        ],
    )
    .unwrap();
    let props = parquet::file::properties::WriterProperties::builder()
        .set_max_row_group_row_count(Some(4096))
        .build();
    let rel = m.index.keys.replace(".bin", ".parquet");
    let mut w = parquet::arrow::ArrowWriter::try_new(
        fs::File::create(old.join(&rel)).unwrap(),
        schema,
        Some(props),
    )
    .unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    fs::remove_file(&bin).unwrap();
    m.index.keys = rel;
    m.write(&old).unwrap();
    for args in [
        &["3f2a9c", "--format", "json"][..],
        &["8c41d0", "--depth", "1", "--format", "md"][..],
    ] {
        let want = story(demo_store(), args);
        assert_eq!(story(&old, args), want, "{args:?} through Parquet postings");
    }
    // The next compaction merges them into the block format.
    let out = ok(trace(&old, &["compact"]));
    assert!(out.starts_with("generation 2:"), "{out}");
    let m = Manifest::read(&old).unwrap().expect("manifest");
    assert!(m.index.keys.ends_with(".bin"), "{}", m.index.keys);
    let want = story(demo_store(), &["3f2a9c", "--format", "json"]);
    assert_eq!(story(&old, &["3f2a9c", "--format", "json"]), want);
}
