//! The process graph of a host (key → parent, children, ppid), loaded once per host per story
//! with one scan, so lineage walks are map lookups instead of recursive SQL.

use std::cell::RefCell;
use std::collections::HashMap;

use crate::query::{Engine, QueryError, Value};

use super::rows::{ints, strs};

#[derive(Debug, Default)]
struct HostGraph {
    parent: HashMap<String, String>,
    children: HashMap<String, Vec<String>>,
    ppid: HashMap<String, i64>,
}

/// Process graphs of the hosts a story touches, loaded on first use.
#[derive(Debug, Default)]
pub struct Graph {
    hosts: RefCell<HashMap<String, HostGraph>>,
}

const MAX_DEPTH: usize = 64;

impl Graph {
    fn with<T>(
        &self,
        engine: &Engine,
        host_id: &str,
        f: impl FnOnce(&HostGraph) -> T,
    ) -> Result<T, QueryError> {
        if !self.hosts.borrow().contains_key(host_id) {
            let r = engine.query(
                "SELECT process_key, any_value(parent_process_key) AS parent, any_value(ppid) AS ppid
                 FROM process WHERE host_id = $1 AND process_key IS NOT NULL GROUP BY process_key",
                &[Value::Text(host_id.to_string())],
            )?;
            let mut g = HostGraph::default();
            for b in &r.batches {
                let (k, p, pp) = (strs(b, "process_key"), strs(b, "parent"), ints(b, "ppid"));
                for i in 0..b.num_rows() {
                    let Some(k) = k[i].clone() else { continue };
                    if let Some(pp) = pp[i] {
                        g.ppid.insert(k.clone(), pp);
                    }
                    if let Some(p) = p[i].clone() {
                        g.children.entry(p.clone()).or_default().push(k.clone());
                        g.parent.insert(k, p);
                    }
                }
            }
            for c in g.children.values_mut() {
                c.sort();
            }
            self.hosts.borrow_mut().insert(host_id.to_string(), g);
        }
        Ok(f(&self.hosts.borrow()[host_id]))
    }

    /// `root` and all its descendants, sorted.
    pub fn subtree(
        &self,
        engine: &Engine,
        host_id: &str,
        root: &str,
    ) -> Result<Vec<String>, QueryError> {
        self.with(engine, host_id, |g| {
            let mut out = vec![root.to_string()];
            let mut i = 0;
            while i < out.len() && out.len() < 100_000 {
                if let Some(ch) = g.children.get(&out[i]) {
                    out.extend(ch.iter().cloned());
                }
                i += 1;
            }
            out.sort();
            out.dedup();
            out
        })
    }

    /// The ancestors of `key`, parent first, with each one's ppid.
    pub fn ancestors(
        &self,
        engine: &Engine,
        host_id: &str,
        key: &str,
    ) -> Result<Vec<(String, Option<i64>)>, QueryError> {
        self.with(engine, host_id, |g| {
            let mut out = Vec::new();
            let mut k = key;
            while let Some(p) = g.parent.get(k) {
                if out.len() >= MAX_DEPTH || out.iter().any(|(x, _): &(String, _)| x == p) {
                    break;
                }
                out.push((p.clone(), g.ppid.get(p).copied()));
                k = p;
            }
            out
        })
    }
}
