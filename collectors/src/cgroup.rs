//! cgroup v2 ids (what eBPF records carry) → cgroup paths → containers.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::container::container_of_cgroup;

/// cgroup v2 ids (inode numbers of cgroup directories) → paths, rescanned on an unknown id.
#[derive(Debug)]
pub struct CgroupMap {
    root: PathBuf,
    paths: HashMap<u64, String>,
    misses: HashSet<u64>,
    /// What each known id resolved to (cgroup ids are inode numbers: never reused for
    /// another path while the cgroup exists).
    resolved: HashMap<u64, Option<(String, &'static str)>>,
}

impl CgroupMap {
    /// The map of the running system: the cgroup2 tree at /sys/fs/cgroup/unified (hybrid) or
    /// /sys/fs/cgroup (unified).
    pub fn system() -> CgroupMap {
        let hybrid = Path::new("/sys/fs/cgroup/unified");
        let root = if hybrid.join("cgroup.procs").exists() {
            hybrid.to_path_buf()
        } else {
            PathBuf::from("/sys/fs/cgroup")
        };
        let mut m = CgroupMap {
            root,
            paths: HashMap::new(),
            misses: HashSet::new(),
            resolved: HashMap::new(),
        };
        m.rescan();
        m
    }

    /// Rebuilds the map from the live tree, so cgroups removed since do not pile up over months
    /// of containers; ids already resolved stay cached (late records of a removed container keep
    /// their attribution) unless the cache passes 10,000 entries.
    fn rescan(&mut self) {
        use std::os::unix::fs::MetadataExt;
        let mut paths = HashMap::with_capacity(self.paths.len());
        let mut stack = vec![self.root.clone()];
        while let Some(dir) = stack.pop() {
            if let Ok(md) = std::fs::metadata(&dir) {
                let rel = dir
                    .strip_prefix(&self.root)
                    .map(|p| format!("/{}", p.display()))
                    .unwrap_or_default();
                paths.insert(md.ino(), rel);
            }
            if let Ok(rd) = std::fs::read_dir(&dir) {
                for e in rd.flatten() {
                    if e.file_type().is_ok_and(|t| t.is_dir()) {
                        stack.push(e.path());
                    }
                }
            }
        }
        self.paths = paths;
        if self.resolved.len() > 10_000 {
            self.resolved.retain(|id, _| self.paths.contains_key(id));
        }
        if self.misses.len() > 10_000 {
            self.misses.clear();
        }
    }

    /// The container a cgroup id belongs to.
    pub fn container(&mut self, id: u64) -> Option<(String, &'static str)> {
        if !self.paths.contains_key(&id) && !self.misses.contains(&id) {
            self.rescan();
            if !self.paths.contains_key(&id) {
                self.misses.insert(id);
            }
        }
        if let Some(c) = self.resolved.get(&id) {
            return c.clone();
        }
        let path = self.paths.get(&id)?;
        let c = container_of_cgroup(&format!("0::{path}"));
        self.resolved.insert(id, c.clone());
        c
    }
}
