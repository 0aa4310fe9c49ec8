//! The one ingest path: how rows enter a store, whoever records them.
//!
//! ```text
//! trace-collector (eBPF, procfs) ─┐
//! importers (src/import, …)      ─┼─► schema rows (Origin builders) ─► Sink ─► StoreWriter ─► Parquet
//! trace demo                     ─┘                                    └► MemorySink (tests)
//! ```
//!
//! - [`Sink`]: rows in, files out; [`crate::store::StoreWriter`] is the store's,
//!   [`MemorySink`] keeps rows in memory for tests. A sink is one ingest run: it stamps every
//!   row with the run's id, the [`Input`] it came from and the record's offset there.
//! - [`identity`]: what every recorder needs to name things the same way: the container id in
//!   a cgroup path or in a runtime's id forms (`docker://…`, `cri-containerd-….scope`), the
//!   process key from a source's own ids.
//! - [`container`]: container records from a runtime's `inspect` JSON or an OCI bundle's
//!   annotations, and [`container::FirstSight`], which makes one record per container the
//!   first time it is seen.

pub mod container;
pub mod identity;
mod sink;

pub use sink::{Input, MemorySink, Put, Sink};
