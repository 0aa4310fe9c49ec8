//! # trace
//!
//! Keeps the process, file and network history of hosts and short-lived containers in
//! Parquet, and answers questions about it through embedded DuckDB.
//!
//! Data flows one way:
//!
//! ```text
//! collectors / importers / demo ──► schema (rows) ──► store (Parquet) ──► query (DuckDB) ──► render
//! ```
//!
//! - [`schema`] owns every column, the event kinds, the process key and the schema version.
//! - [`store`] owns the directory layout and how files are written (atomic, rotated, sorted).
//! - `query` (feature `cli`) is the only DuckDB user: views, bound parameters, read-only SQL.
//! - `render` (feature `cli`) prints Arrow results as table, CSV, JSON, JSON lines or Parquet.
//! - [`config`] reads the one configuration file (store, export, prune, collector).
//! - [`demo`] generates a realistic estate with one documented intrusion.
//!
//! Collectors and importers depend on this crate with `default-features = false`, which leaves
//! out DuckDB and the command line.

#![deny(missing_docs)]

pub mod config;
#[cfg(feature = "demo")]
pub mod demo;
pub mod import;
pub mod ingest;
pub mod predicates;
pub mod schema;
pub mod select;
pub mod store;
pub mod timefmt;

#[cfg(feature = "cli")]
pub mod case;
#[cfg(feature = "cli")]
pub mod cli;
#[cfg(feature = "cli")]
pub mod export;
#[cfg(feature = "cli")]
pub mod query;
#[cfg(feature = "cli")]
pub mod render;
#[cfg(feature = "cli")]
pub mod story;
