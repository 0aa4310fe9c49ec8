//! The process graph of a host (key → parent, children, ppid), loaded once per host per story
//! with one scan, so lineage walks are map lookups instead of recursive SQL.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use crate::query::{Engine, Filter, QueryError, Scope};
use crate::schema::Family;

use super::rows::{ints, strs};

#[derive(Debug, Default)]
struct HostGraph {
    parent: HashMap<String, String>,
    children: HashMap<String, Vec<String>>,
    ppid: HashMap<String, i64>,
    /// False on an indexed engine: only the fresh files were loaded, the rest is looked up in
    /// the index on demand.
    complete: bool,
    asked_parent: HashSet<String>,
    asked_children: HashSet<String>,
}

impl HostGraph {
    fn add(&mut self, key: &str, parent: Option<&str>, ppid: Option<i64>) {
        if let Some(pp) = ppid {
            self.ppid.entry(key.to_string()).or_insert(pp);
        }
        if let Some(p) = parent
            && !self.parent.contains_key(key)
        {
            self.parent.insert(key.to_string(), p.to_string());
            let ch = self.children.entry(p.to_string()).or_default();
            if !ch.iter().any(|c| c == key) {
                ch.push(key.to_string());
                ch.sort();
            }
        }
    }
}

/// Process graphs of the hosts a story touches, loaded on first use.
#[derive(Debug, Default)]
pub struct Graph {
    hosts: RefCell<HashMap<String, HostGraph>>,
}

const MAX_DEPTH: usize = 64;

/// What [`Graph::need`] makes sure is known.
#[derive(Debug, Clone, Copy)]
enum Ask {
    Parents,
    Children,
}

impl Graph {
    fn load(&self, engine: &Engine, host_id: &str) -> Result<(), QueryError> {
        if self.hosts.borrow().contains_key(host_id) {
            return Ok(());
        }
        let mut g = HostGraph {
            complete: !engine.is_indexed(),
            ..Default::default()
        };
        // On an indexed engine only the fresh files are read (when there are any); the index
        // holds the rest.
        if let Some(ix) = engine.index()
            && ix.fresh(Family::Process, Some(host_id)).is_empty()
        {
            self.hosts.borrow_mut().insert(host_id.to_string(), g);
            return Ok(());
        }
        let sel = Filter::family(Family::Process)
            .eq("host_id", host_id)
            .not_null("process_key")
            .scoped(Scope::FreshProcesses(host_id.to_string()));
        let rows = engine.select(&sel, &["process_key", "parent_process_key", "ppid"])?;
        for b in &rows {
            let (k, p, pp) = (
                strs(b, "process_key"),
                strs(b, "parent_process_key"),
                ints(b, "ppid"),
            );
            for i in 0..b.num_rows() {
                let Some(k) = k[i].as_deref() else { continue };
                g.add(k, p[i].as_deref(), pp[i]);
            }
        }
        self.hosts.borrow_mut().insert(host_id.to_string(), g);
        Ok(())
    }

    /// Makes sure the parents (and ppids) or the children of `keys` are known: on an indexed
    /// engine, what the fresh files did not give is looked up in the index, once per key.
    fn need(
        &self,
        engine: &Engine,
        host_id: &str,
        keys: &[String],
        what: Ask,
    ) -> Result<(), QueryError> {
        self.load(engine, host_id)?;
        let mut hosts = self.hosts.borrow_mut();
        let g = hosts.get_mut(host_id).expect("loaded");
        let Some(ix) = engine.index().filter(|_| !g.complete) else {
            return Ok(());
        };
        let asked = match what {
            Ask::Parents => &mut g.asked_parent,
            Ask::Children => &mut g.asked_children,
        };
        let ask: Vec<String> = keys
            .iter()
            .filter(|k| asked.insert((*k).clone()))
            .cloned()
            .collect();
        if ask.is_empty() {
            return Ok(());
        }
        let t = std::time::Instant::now();
        let n = ask.len();
        match what {
            Ask::Parents => {
                for (k, e) in ix.parents(host_id, &ask)? {
                    g.add(&k, e.parent.as_deref(), e.ppid);
                }
            }
            Ask::Children => {
                for (_, kids) in ix.children(host_id, &ask)? {
                    for e in kids {
                        g.add(&e.key, e.parent.as_deref(), e.ppid);
                    }
                }
            }
        }
        if crate::query::profiling() {
            crate::query::profile(t, &format!("graph index: {what:?} of {n} processes"));
        }
        Ok(())
    }

    /// `root` and all its descendants, sorted.
    pub fn subtree(
        &self,
        engine: &Engine,
        host_id: &str,
        root: &str,
    ) -> Result<Vec<String>, QueryError> {
        let mut out = vec![root.to_string()];
        let mut level = vec![root.to_string()];
        while !level.is_empty() && out.len() < 100_000 {
            self.need(engine, host_id, &level, Ask::Children)?;
            let hosts = self.hosts.borrow();
            let g = &hosts[host_id];
            let mut next = Vec::new();
            for k in &level {
                if let Some(ch) = g.children.get(k) {
                    next.extend(ch.iter().cloned());
                }
            }
            out.extend(next.iter().cloned());
            level = next;
        }
        out.sort();
        out.dedup();
        Ok(out)
    }

    /// The ancestors of `key`, parent first, with each one's ppid.
    pub fn ancestors(
        &self,
        engine: &Engine,
        host_id: &str,
        key: &str,
    ) -> Result<Vec<(String, Option<i64>)>, QueryError> {
        let mut out: Vec<(String, Option<i64>)> = Vec::new();
        let mut k = key.to_string();
        loop {
            self.need(engine, host_id, std::slice::from_ref(&k), Ask::Parents)?;
            let p = self.hosts.borrow()[host_id].parent.get(&k).cloned();
            let Some(p) = p else { break };
            if out.len() >= MAX_DEPTH || out.iter().any(|(x, _)| *x == p) {
                break;
            }
            self.need(engine, host_id, std::slice::from_ref(&p), Ask::Parents)?;
            let ppid = self.hosts.borrow()[host_id].ppid.get(&p).copied();
            out.push((p.clone(), ppid));
            k = p;
        }
        Ok(out)
    }
}
