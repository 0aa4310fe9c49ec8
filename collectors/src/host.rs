//! Host identity: machine id, boot id, hostname, OS, kernel, addresses and kind, read from the
//! files Linux exposes. Every reader takes a root directory so tests (and collectors reading a
//! mounted host filesystem from a container) can point it elsewhere.

use std::fs;
use std::path::{Path, PathBuf};

use trace::schema::{HostKind, HostRecord};

/// Reads host identity below `root` (`/` on a live host).
#[derive(Debug, Clone)]
pub struct HostProbe {
    root: PathBuf,
}

impl Default for HostProbe {
    fn default() -> Self {
        HostProbe {
            root: PathBuf::from("/"),
        }
    }
}

fn read_trim(path: &Path) -> Option<String> {
    let s = fs::read_to_string(path).ok()?;
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

impl HostProbe {
    /// A probe reading below `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        HostProbe { root: root.into() }
    }

    fn path(&self, p: &str) -> PathBuf {
        self.root.join(p.trim_start_matches('/'))
    }

    /// `/etc/machine-id` (or D-Bus's copy): the stable host id.
    pub fn machine_id(&self) -> Option<String> {
        ["/etc/machine-id", "/var/lib/dbus/machine-id"]
            .iter()
            .find_map(|p| read_trim(&self.path(p)))
    }

    /// The kernel's boot id (changes at every boot).
    pub fn boot_id(&self) -> Option<String> {
        read_trim(&self.path("/proc/sys/kernel/random/boot_id"))
    }

    /// The hostname.
    pub fn hostname(&self) -> Option<String> {
        read_trim(&self.path("/proc/sys/kernel/hostname"))
            .or_else(|| read_trim(&self.path("/etc/hostname")))
    }

    /// `PRETTY_NAME` from os-release.
    pub fn os(&self) -> Option<String> {
        let text = ["/etc/os-release", "/usr/lib/os-release"]
            .iter()
            .find_map(|p| fs::read_to_string(self.path(p)).ok())?;
        text.lines().find_map(|l| {
            let v = l.strip_prefix("PRETTY_NAME=")?;
            Some(v.trim_matches('"').to_string())
        })
    }

    /// The kernel release.
    pub fn kernel(&self) -> Option<String> {
        read_trim(&self.path("/proc/sys/kernel/osrelease"))
    }

    /// What kind of host this is: a Kubernetes node (kubelet state), a container host (a
    /// docker/podman/containerd state directory), a laptop (a battery, or a portable DMI
    /// chassis), a VM (a hypervisor DMI vendor), else a server.
    pub fn kind(&self) -> HostKind {
        if self.path("/var/lib/kubelet").is_dir() {
            return HostKind::K8sNode;
        }
        if [
            "/var/lib/docker",
            "/var/lib/containers/storage",
            "/run/containerd",
        ]
        .iter()
        .any(|p| self.path(p).is_dir())
        {
            return HostKind::ContainerHost;
        }
        let battery = fs::read_dir(self.path("/sys/class/power_supply"))
            .map(|d| {
                d.filter_map(Result::ok)
                    .any(|e| e.file_name().to_string_lossy().starts_with("BAT"))
            })
            .unwrap_or(false);
        // SMBIOS chassis types: 8 portable, 9 laptop, 10 notebook, 14 sub-notebook,
        // 30 tablet, 31 convertible, 32 detachable.
        let chassis = read_trim(&self.path("/sys/class/dmi/id/chassis_type"))
            .and_then(|c| c.parse::<u32>().ok());
        if battery || matches!(chassis, Some(8 | 9 | 10 | 14 | 30 | 31 | 32)) {
            return HostKind::Laptop;
        }
        let vendor = [
            "/sys/class/dmi/id/sys_vendor",
            "/sys/class/dmi/id/product_name",
        ]
        .iter()
        .filter_map(|p| read_trim(&self.path(p)))
        .collect::<Vec<_>>()
        .join(" ");
        const HYPERVISORS: [&str; 8] = [
            "QEMU",
            "KVM",
            "VMware",
            "VirtualBox",
            "Xen",
            "Microsoft Corporation",
            "Amazon EC2",
            "Google Compute Engine",
        ];
        if HYPERVISORS.iter().any(|h| vendor.contains(h)) {
            return HostKind::Vm;
        }
        HostKind::Server
    }

    /// The host's identity record at `time` (ns). The host id is the machine id, else the
    /// hostname; `None` when neither can be read.
    pub fn record(&self, time: i64, source: &str) -> Option<HostRecord> {
        let hostname = self.hostname();
        let host_id = self.machine_id().or_else(|| hostname.clone())?;
        Some(HostRecord {
            time,
            host_id,
            hostname: hostname.unwrap_or_default(),
            boot_id: self.boot_id(),
            os: self.os(),
            kernel: self.kernel(),
            kind: Some(self.kind()),
            ip_addresses: Vec::new(),
            source: source.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, p: &str, s: &str) {
        let f = root.join(p.trim_start_matches('/'));
        fs::create_dir_all(f.parent().unwrap()).unwrap();
        fs::write(f, s).unwrap();
    }

    #[test]
    fn reads_identity_from_a_host_tree() {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        write(r, "/etc/machine-id", "0123456789abcdef0123456789abcdef\n");
        write(
            r,
            "/proc/sys/kernel/random/boot_id",
            "7c0f4a9e-2b1d-4e55-9d8c-0a1b2c3d4e5f\n",
        );
        write(r, "/proc/sys/kernel/hostname", "web-01\n");
        write(r, "/proc/sys/kernel/osrelease", "6.1.0-26-amd64\n");
        write(
            r,
            "/etc/os-release",
            "NAME=\"Debian\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n",
        );
        let rec = HostProbe::new(r).record(5, "test").unwrap();
        assert_eq!(rec.host_id, "0123456789abcdef0123456789abcdef");
        assert_eq!(rec.hostname, "web-01");
        assert_eq!(
            rec.boot_id.as_deref(),
            Some("7c0f4a9e-2b1d-4e55-9d8c-0a1b2c3d4e5f")
        );
        assert_eq!(rec.os.as_deref(), Some("Debian GNU/Linux 12 (bookworm)"));
        assert_eq!(rec.kind, Some(HostKind::Server));
    }

    #[test]
    fn detects_kinds_in_priority_order() {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        let p = HostProbe::new(r);
        write(r, "/sys/class/dmi/id/sys_vendor", "QEMU\n");
        assert_eq!(p.kind(), HostKind::Vm);
        write(r, "/sys/class/power_supply/BAT0/capacity", "80\n");
        assert_eq!(p.kind(), HostKind::Laptop);
        fs::create_dir_all(r.join("var/lib/docker")).unwrap();
        assert_eq!(p.kind(), HostKind::ContainerHost);
        fs::create_dir_all(r.join("var/lib/kubelet")).unwrap();
        assert_eq!(p.kind(), HostKind::K8sNode);
    }

    #[test]
    fn no_identity_means_no_record() {
        let dir = tempfile::tempdir().unwrap();
        assert!(HostProbe::new(dir.path()).record(0, "t").is_none());
    }

    #[test]
    fn the_live_host_has_an_identity() {
        // Every Linux host has a hostname and a boot id.
        let p = HostProbe::default();
        assert!(p.hostname().is_some());
        assert!(p.boot_id().is_some());
    }
}
