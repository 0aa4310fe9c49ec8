//! `trace verify` and `trace seal` as a user runs them: a demo store verifies, before and after
//! a compaction; one altered byte, a removed file and an added file are each named with exit
//! status 4; a store written before sealing (testdata/v1) is reported unsealed, then sealed.

use std::fs;
use std::path::Path;

use crate::common::*;

fn data_files(root: &Path, family: &str) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = walkdir::WalkDir::new(root.join(family))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "parquet"))
        .map(|e| e.path().to_path_buf())
        .collect();
    v.sort();
    v
}

#[test]
fn verify_names_an_altered_a_removed_and_an_added_file() {
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path().join("s");
    copy_dir(demo_store(), &s);
    let out = ok(trace(&s, &["verify"]));
    assert!(out.contains(": intact: "), "{out}");
    ok(trace(&s, &["compact", "--quiet"]));
    let out = ok(trace(&s, &["verify"]));
    assert!(out.contains(": intact: "), "{out}");
    let head = out.split_whitespace().last().unwrap().to_string();
    assert_eq!(head.len(), 64, "{out}");

    let files = data_files(&s, "network");
    let rel = |p: &Path| p.strip_prefix(&s).unwrap().to_string_lossy().into_owned();
    // One byte.
    let mut bytes = fs::read(&files[0]).unwrap();
    bytes[200] ^= 0x20;
    fs::write(&files[0], bytes).unwrap();
    // A file removed, one added.
    fs::remove_file(&files[1]).unwrap();
    let planted = files[2].with_file_name("network-20261006T000000Z-000000000000.parquet");
    fs::copy(&files[2], &planted).unwrap();

    let o = trace(&s, &["verify", "--expect-head", &head]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains(&format!("altered: {}", rel(&files[0]))),
        "{err}"
    );
    assert!(
        err.contains(&format!("missing: {}", rel(&files[1]))),
        "{err}"
    );
    assert!(
        err.contains(&format!("unsealed: {}", rel(&planted))),
        "{err}"
    );
    assert!(err.contains(": 3 problems in "), "{err}");
    assert!(
        !err.contains("head:"),
        "the recorded head is in the chain: {err}"
    );
}

#[test]
fn a_store_from_before_sealing_is_reported_then_sealed() {
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path().join("v1");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/v1/fresh"),
        &s,
    );
    let o = trace(&s, &["verify"]);
    assert_eq!(o.status.code(), Some(4));
    assert!(stderr(&o).contains("not sealed"), "{}", stderr(&o));
    let out = ok(trace(&s, &["seal"]));
    assert!(out.contains(" files sealed"), "{out}");
    ok(trace(&s, &["verify"]));
    // Compaction of the adopted store keeps it intact (its v1 files are rewritten).
    ok(trace(&s, &["compact", "--quiet"]));
    ok(trace(&s, &["verify"]));
}
