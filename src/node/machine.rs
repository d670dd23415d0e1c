//! What the node daemon learns about its machine: CPUs and memory (bounded
//! by cgroup limits when there are any), hostname, the address the control
//! daemon can reach it at, and OS facts for `nodeInfo`.

use std::net::{IpAddr, UdpSocket};

/// CPUs this process may use.
pub fn cpus() -> u64 {
    std::thread::available_parallelism()
        .map(|n| n.get() as u64)
        .unwrap_or(1)
}

fn read(path: &str) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

/// Bytes of memory: the machine's total, or the cgroup limit if lower.
pub fn memory_bytes() -> u64 {
    let total = super::procfs::machine_memory_total().unwrap_or(1 << 30);
    let limit = [
        "/sys/fs/cgroup/memory.max",
        "/sys/fs/cgroup/memory/memory.limit_in_bytes",
    ]
    .iter()
    .filter_map(|p| read(p))
    .filter_map(|s| s.trim().parse::<u64>().ok())
    .min();
    match limit {
        Some(l) if l > 0 && l < total => l,
        _ => total,
    }
}

/// The machine's hostname made into a DNS-1123 name.
pub fn node_name() -> String {
    let raw = nix::unistd::gethostname()
        .ok()
        .and_then(|h| h.into_string().ok())
        .unwrap_or_else(|| "node".into());
    sanitize_name(&raw)
}

/// Lowercase letters, digits and '-', trimmed to 63 characters.
pub fn sanitize_name(raw: &str) -> String {
    let mut s: String = raw
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    s.truncate(63);
    let s = s.trim_matches('-').to_string();
    if s.is_empty() { "node".into() } else { s }
}

/// The local address used to reach `host:port` (no packet is sent).
pub fn address_towards(host: &str, port: u16) -> IpAddr {
    let target = format!("{host}:{port}");
    let probe = || -> Option<IpAddr> {
        let sock = UdpSocket::bind("0.0.0.0:0").ok()?;
        sock.connect(&target).ok()?;
        Some(sock.local_addr().ok()?.ip())
    };
    probe().unwrap_or(IpAddr::from([127, 0, 0, 1]))
}

pub fn kernel_version() -> String {
    read("/proc/sys/kernel/osrelease")
        .unwrap_or_default()
        .trim()
        .to_string()
}

pub fn os_image() -> String {
    read("/etc/os-release")
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("PRETTY_NAME="))
                .map(|v| v.trim_matches('"').to_string())
        })
        .unwrap_or_else(|| "Linux".into())
}

pub fn machine_id() -> String {
    read("/etc/machine-id")
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// The SMBIOS product UUID (readable by root only on most machines), or
/// the machine id when it cannot be read.
pub fn system_uuid() -> String {
    read("/sys/class/dmi/id/product_uuid")
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(machine_id)
}

/// The kernel's id of this boot.
pub fn boot_id() -> String {
    read("/proc/sys/kernel/random/boot_id")
        .unwrap_or_default()
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostnames_become_valid_node_names() {
        assert_eq!(sanitize_name("My_Host.local"), "my-host-local");
        assert_eq!(sanitize_name("--x--"), "x");
        assert_eq!(sanitize_name("___"), "node");
        assert_eq!(sanitize_name(&"a".repeat(80)).len(), 63);
    }

    #[test]
    fn the_machine_has_cpus_and_memory() {
        assert!(cpus() >= 1);
        assert!(memory_bytes() > 64 << 20);
        assert_eq!(boot_id().len(), 36, "a UUID: {}", boot_id());
        assert_eq!(
            address_towards("127.0.0.1", 9),
            IpAddr::from([127, 0, 0, 1])
        );
    }
}
