//! Container references resolve like docker's: unique prefix, full id, name, pasted forms.

use trace::demo::truth;
use trace::query::{ResolveError, resolve_container};

use crate::common::*;

#[test]
fn prefixes_names_and_pasted_forms_resolve() {
    let e = engine(demo_store());
    for r in [
        "3f2a9c",
        "3F2A9C41",
        truth::WEB_CONTAINER_ID,
        "containerd://3f2a9c41e7b0",
    ] {
        assert_eq!(
            resolve_container(&e, r).unwrap().container_id,
            truth::WEB_CONTAINER_ID,
            "{r}"
        );
    }
    let ingress = resolve_container(&e, "controller").unwrap();
    assert_eq!(ingress.container_id, truth::INGRESS_CONTAINER_ID);
}

#[test]
fn an_ambiguous_prefix_lists_candidates() {
    let e = engine(demo_store());
    // Hundreds of random ids: some single hex digit starts many of them.
    match resolve_container(&e, "a") {
        Err(ResolveError::Ambiguous { candidates, .. }) => {
            assert!(candidates.len() > 1);
            assert!(candidates.iter().all(|c| c.container_id.starts_with('a')));
            let msg = resolve_container(&e, "a").unwrap_err().to_string();
            assert!(
                msg.contains("is ambiguous") && msg.contains("\n  a"),
                "{msg}"
            );
        }
        other => panic!("expected ambiguity, got {other:?}"),
    }
}

#[test]
fn an_unknown_id_suggests_near_ones_and_the_time_range() {
    let e = engine(demo_store());
    let err = resolve_container(&e, "3f2a9cffff").unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("no container matches '3f2a9cffff'"), "{msg}");
    assert!(msg.contains("3f2a9c41e7b0"), "near prefix suggested: {msg}");
    assert!(
        msg.contains("the store covers 2026-09-30") || msg.contains("the store covers 2026-10-01"),
        "{msg}"
    );
    // The binary prints the same, with exit 1.
    let o = trace(demo_store(), &["timeline", "--container", "3f2a9cffff"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("similar id"), "{}", stderr(&o));
}
