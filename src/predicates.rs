//! One definition per predicate that stories, compaction, hunts and the example queries share.
//!
//! Each predicate is defined here once, as a [`Filter`] where it is a condition on columns
//! (which gives its SQL, its Arrow-batch and its one-row executions, checked against each
//! other), or as a function with its SQL form built from the same constants where it computes
//! a value. The query layer defines each as a DuckDB macro ([`sql_macros`]), so SQL files use
//! the same definition by name: `WHERE is_person(uid, container_id)`,
//! `written_path(kind, path, target_path) = x.exe`. tests/it/predicates.rs checks every SQL
//! form against its Rust form on every event kind.

use crate::schema::EventKind;
use crate::select::Filter;

/// The smallest uid of a person's account (Debian's and most distributions' `UID_MIN`):
/// below it are root and the service accounts.
pub const PERSON_MIN_UID: i64 = 1000;

/// A person acting on a host: a uid of a person's account, outside any container (inside one,
/// uids are the image's, not people's).
pub fn person() -> Filter {
    Filter::events()
        .int_ge("uid", PERSON_MIN_UID)
        .is_null("container_id")
}

/// A person's exec on a host, with the user's name: what the story's `user` pivot follows and
/// the index's people summary counts.
pub fn person_exec() -> Filter {
    Filter::events()
        .kinds(&[EventKind::ProcessExec.as_str()])
        .and(&person())
        .not_null("user_name")
}

/// The kinds that leave new content at the event's `path`.
pub const WRITE_KINDS: [EventKind; 3] = [
    EventKind::FileCreate,
    EventKind::FileWriteClose,
    EventKind::FileOpenWrite,
];

/// Where a file event leaves content: its `path` for a write ([`WRITE_KINDS`]), its new name
/// for a rename (the content moved there: `mv /tmp/x /usr/bin/y` writes `/usr/bin/y`), none
/// for anything else.
pub fn written_path<'a>(
    kind: &str,
    path: Option<&'a str>,
    target_path: Option<&'a str>,
) -> Option<&'a str> {
    if WRITE_KINDS.iter().any(|k| k.as_str() == kind) {
        path
    } else if kind == EventKind::FileRename.as_str() {
        target_path
    } else {
        None
    }
}

/// [`written_path`] as a SQL expression over the columns `kind`, `path`, `target_path`.
pub fn written_path_sql() -> String {
    let writes: Vec<String> = WRITE_KINDS
        .iter()
        .map(|k| format!("'{}'", k.as_str()))
        .collect();
    format!(
        "CASE WHEN kind IN ({}) THEN path WHEN kind = '{}' THEN target_path END",
        writes.join(", "),
        EventKind::FileRename.as_str()
    )
}

/// Drift: an executable run after it was written in the same place (the same container, or
/// the host outside containers) — `first_write` is the earliest time content was left at the
/// executable's path there ([`written_path`]).
pub fn is_drift(exec_time: i64, first_write: Option<i64>) -> bool {
    first_write.is_some_and(|w| w < exec_time)
}

/// The DuckDB macros that give SQL the predicates above by name (trusted SQL built from this
/// module's constants).
pub fn sql_macros() -> Vec<String> {
    vec![
        format!(
            "CREATE OR REPLACE MACRO is_person(uid, container_id) AS ({})",
            person().literal_sql()
        ),
        format!(
            "CREATE OR REPLACE MACRO written_path(kind, path, target_path) AS ({})",
            written_path_sql()
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rename_writes_its_target_and_only_writes_write() {
        assert_eq!(
            written_path("file_rename", Some("/tmp/x"), Some("/usr/bin/y")),
            Some("/usr/bin/y")
        );
        assert_eq!(
            written_path("file_create", Some("/tmp/x"), None),
            Some("/tmp/x")
        );
        for k in ["file_unlink", "file_chmod", "file_chown", "file_open_read"] {
            assert_eq!(written_path(k, Some("/tmp/x"), Some("/y")), None, "{k}");
        }
        assert!(is_drift(10, Some(5)));
        assert!(!is_drift(10, Some(10)) && !is_drift(10, None));
        assert!(written_path_sql().contains("'file_rename' THEN target_path"));
        assert_eq!(
            person().literal_sql(),
            "\"uid\" >= 1000 AND \"container_id\" IS NULL"
        );
    }
}
