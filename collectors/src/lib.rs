//! # trace-collector
//!
//! The userspace side of trace's collectors. It turns what the kernel (eBPF, see
//! `collectors-ebpf/`) and procfs report into trace's schema and writes it through the store
//! writer of the `trace` crate, which it uses without DuckDB (`default-features = false`).
//!
//! - [`host`]: who is recording (machine id, boot id, hostname, kind).
//! - [`procfs`]: reading processes from `/proc`.
//! - [`container`]: container metadata from the runtime, read at first sight (ids from cgroup
//!   paths and records from `inspect` JSON are `trace::ingest`'s, shared with importers).
//! - [`cgroup`]: cgroup ids of eBPF records → containers.
//! - [`paths`]: paths as the recorded process saw them.
//! - [`poller`]: the procfs collector (the fallback where eBPF cannot load), also the scan
//!   of running processes when the eBPF collector starts.
//! - [`btf`]: struct and tracepoint field offsets of the running kernel.
//! - [`ebpf`]: loads the kernel programs with BTF offsets and reads their ring buffer.
//! - [`live`]: eBPF records → trace rows.

#![deny(missing_docs)]

pub mod btf;
pub mod cgroup;
pub mod container;
pub mod ebpf;
pub mod host;
pub mod live;
pub mod paths;
pub mod poller;
pub mod procfs;
