//! Selections: what a lookup reads, as one value.
//!
//! A [`Selection`] is a [`Scope`] (which files a lookup needs: the index answers it on a
//! compacted store) and a [`Filter`] (which rows it keeps). The query layer is handed the
//! whole value at once (`Engine::select`), so no lookup depends on state an earlier one left.
//!
//! The scope is a promise about the rows outside it: either the filter excludes them, or the
//! caller has them from elsewhere (the index's process graph, people summary or container
//! ids, for the `Fresh…` scopes). On a store that was never compacted every scope reads every
//! file.

mod batch;
mod filter;
mod scope;

pub use filter::{Cells, Filter, Param};
pub use scope::Scope;

/// What a lookup reads: the files of its scope, the rows of its filter.
#[derive(Debug, Clone)]
pub struct Selection {
    /// Which files.
    pub scope: Scope,
    /// Which rows.
    pub filter: Filter,
}

impl Filter {
    /// This filter over the files of `scope`.
    pub fn scoped(self, scope: Scope) -> Selection {
        Selection {
            scope,
            filter: self,
        }
    }

    /// This filter over every file (side tables, whole-store questions).
    pub fn everywhere(self) -> Selection {
        self.scoped(Scope::All)
    }
}
