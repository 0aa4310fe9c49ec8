//! # trace-collector
//!
//! The userspace side of trace's collectors. It turns what the kernel (eBPF, see
//! `collectors-ebpf/`) and procfs report into trace's schema and writes it through the store
//! writer of the `trace` crate, which it uses without DuckDB (`default-features = false`).
//!
//! So far it owns host identity ([`host`]): who is recording. The eBPF loader, the process
//! table and container attribution arrive with the collector issue (#4).

#![deny(missing_docs)]

pub mod host;
