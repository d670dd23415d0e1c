//! What the node reads from `/proc`: of a process, its start time (against
//! pid reuse), whether it is a zombie, its process group and session, its
//! environment and working directory, and the CPU time and resident memory
//! of it and all its descendants; of the machine, its busy and total CPU
//! time and its memory. Parsers are pure functions over the files' text, so
//! they are tested on fixed input.
//!
//! Only reads; nothing here signals or changes a process. This module must
//! not import `control`, `cli` or `tui`.

use super::runtime::Usage;
use std::path::PathBuf;

fn read(path: &str) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

/// The fields of a `/proc/PID/stat` line after the command, counting from
/// the state (field 3 of the line) as 0: the command may hold spaces and
/// parentheses, so it is skipped up to its last `)`.
fn stat_fields(stat: &str) -> Option<Vec<&str>> {
    Some(stat.rsplit_once(')')?.1.split_whitespace().collect())
}

fn stat_of(pid: i32) -> Option<String> {
    if pid <= 0 {
        return None;
    }
    read(&format!("/proc/{pid}/stat"))
}

/// Start time of a process (in clock ticks since boot), and whether it is
/// dead but not reaped (a zombie).
pub fn start_and_zombie(pid: i32) -> Option<(u64, bool)> {
    let s = stat_of(pid)?;
    let fields = stat_fields(&s)?;
    let zombie = fields.first().is_some_and(|s| *s == "Z" || *s == "X");
    // starttime is field 22 of the line.
    let start = fields.get(19)?.parse().ok()?;
    Some((start, zombie))
}

/// The process group and session of a process (zombies included).
pub fn group_and_session(pid: i32) -> Option<(i32, i32)> {
    let s = stat_of(pid)?;
    let fields = stat_fields(&s)?;
    let pgrp = fields.get(2)?.parse().ok()?;
    let session = fields.get(3)?.parse().ok()?;
    Some((pgrp, session))
}

/// Whether the process `pid` started at `start` still runs.
pub fn alive(pid: i32, start: u64) -> bool {
    pid > 0 && start_and_zombie(pid).is_some_and(|(s, zombie)| s == start && !zombie)
}

/// A process's environment, as `NAME=value` pairs; `None` when it is gone
/// (or not ours to read).
pub fn environ(pid: i32) -> Option<Vec<(String, String)>> {
    let raw = std::fs::read(format!("/proc/{pid}/environ")).ok()?;
    Some(
        raw.split(|b| *b == 0)
            .filter(|kv| !kv.is_empty())
            .filter_map(|kv| {
                let kv = String::from_utf8_lossy(kv);
                kv.split_once('=')
                    .map(|(k, v)| (k.to_string(), v.to_string()))
            })
            .collect(),
    )
}

/// A process's working directory.
pub fn cwd(pid: i32) -> Option<PathBuf> {
    std::fs::read_link(format!("/proc/{pid}/cwd")).ok()
}

/// CPU time and resident memory of a process and all its descendants.
pub fn tree_usage(pid: i32) -> Option<Usage> {
    // (pid, ppid, cpu ticks incl. reaped children, rss pages) of every process.
    let mut procs: Vec<(i32, i32, u64, u64)> = vec![];
    for e in std::fs::read_dir("/proc").ok()?.flatten() {
        let Some(p) = e.file_name().to_str().and_then(|n| n.parse::<i32>().ok()) else {
            continue;
        };
        let Some(stat) = stat_of(p) else {
            continue;
        };
        let Some(f) = stat_fields(&stat) else {
            continue;
        };
        let num = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
        let ppid = f.get(1).and_then(|v| v.parse::<i32>().ok()).unwrap_or(0);
        // utime, stime, cutime, cstime are fields 14-17 of stat; rss is 24.
        procs.push((p, ppid, num(11) + num(12) + num(13) + num(14), num(21)));
    }
    if !procs.iter().any(|(p, ..)| *p == pid) {
        return None;
    }
    let mut tree = vec![pid];
    let mut i = 0;
    while i < tree.len() {
        let parent = tree[i];
        tree.extend(
            procs
                .iter()
                .filter(|(_, pp, ..)| *pp == parent)
                .map(|(p, ..)| *p),
        );
        i += 1;
    }
    let tick_ns = 1_000_000_000 / clock_ticks();
    let page = nix::unistd::sysconf(nix::unistd::SysconfVar::PAGE_SIZE)
        .ok()
        .flatten()
        .and_then(|p| u64::try_from(p).ok())
        .unwrap_or(4096);
    let (cpu, rss) = procs
        .iter()
        .filter(|(p, ..)| tree.contains(p))
        .fold((0u64, 0u64), |(c, r), (_, _, t, rs)| (c + t, r + rs));
    Some(Usage {
        cpu_nanos: cpu * tick_ns,
        memory_bytes: rss * page,
    })
}

fn clock_ticks() -> u64 {
    nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK)
        .ok()
        .flatten()
        .and_then(|t| u64::try_from(t).ok())
        .filter(|t| *t > 0)
        .unwrap_or(100)
}

/// The machine's busy and total CPU time (in clock ticks), from /proc/stat's `cpu` line.
pub fn parse_proc_stat(text: &str) -> Option<(u64, u64)> {
    let line = text.lines().find(|l| l.starts_with("cpu "))?;
    let v: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|x| x.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal (guest is inside user).
    let total: u64 = v.iter().take(8).sum();
    let idle = v.get(3).copied().unwrap_or(0) + v.get(4).copied().unwrap_or(0);
    Some((total.saturating_sub(idle), total))
}

/// A field of /proc/meminfo, in bytes.
pub fn meminfo_field(text: &str, name: &str) -> Option<u64> {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kb| kb.parse::<u64>().ok())
        .map(|kb| kb * 1024)
}

/// Memory in use (MemTotal − MemAvailable), in bytes, from /proc/meminfo.
pub fn parse_meminfo(text: &str) -> Option<u64> {
    Some(meminfo_field(text, "MemTotal")?.saturating_sub(meminfo_field(text, "MemAvailable")?))
}

/// The machine's busy and total CPU time now.
pub fn machine_cpu() -> Option<(u64, u64)> {
    parse_proc_stat(&read("/proc/stat")?)
}

/// The machine's memory in use now, in bytes.
pub fn machine_memory_in_use() -> Option<u64> {
    parse_meminfo(&read("/proc/meminfo")?)
}

/// The machine's memory, in bytes.
pub fn machine_memory_total() -> Option<u64> {
    meminfo_field(&read("/proc/meminfo")?, "MemTotal")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    #[test]
    fn our_own_process_looks_alive_with_its_start_time() {
        let me = std::process::id() as i32;
        let (start, zombie) = start_and_zombie(me).unwrap();
        assert!(!zombie);
        assert!(alive(me, start));
        assert!(
            !alive(me, start + 1),
            "a different start time means a reused pid"
        );
        assert!(!alive(0, 0));
        assert!(!alive(-1, 0));
    }

    #[test]
    fn process_groups_are_read_from_proc() {
        let me = std::process::id() as i32;
        let (pgrp, session) = group_and_session(me).unwrap();
        assert_eq!(pgrp, nix::unistd::getpgrp().as_raw());
        assert_eq!(session, nix::unistd::getsid(None).unwrap().as_raw());
        assert!(group_and_session(0).is_none());
    }

    #[test]
    fn a_zombie_is_not_alive() {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id() as i32;
        let start = start_and_zombie(pid).unwrap().0;
        // Not reaped yet: a zombie once it exits.
        let deadline = Instant::now() + Duration::from_secs(10);
        while start_and_zombie(pid).is_some_and(|(_, z)| !z) {
            assert!(Instant::now() < deadline, "`true` did not exit");
            std::thread::sleep(Duration::from_millis(5));
        }
        assert!(!alive(pid, start));
        child.wait().unwrap();
        assert!(start_and_zombie(pid).is_none());
    }

    #[test]
    fn our_own_environment_directory_and_usage_are_read() {
        let me = std::process::id() as i32;
        let env = environ(me).unwrap();
        assert!(env.iter().any(|(k, _)| k == "PATH") || env.is_empty());
        assert_eq!(cwd(me).unwrap(), std::env::current_dir().unwrap());
        let u = tree_usage(me).unwrap();
        assert!(u.memory_bytes > 0);
        assert!(tree_usage(0).is_none());
    }

    #[test]
    fn proc_files_parse() {
        let stat = "cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 1 2 3 4\n";
        assert_eq!(parse_proc_stat(stat), Some((150, 1000)));
        let mem = "MemTotal:       16000 kB\nMemFree:  1000 kB\nMemAvailable:   12000 kB\n";
        assert_eq!(parse_meminfo(mem), Some(4000 * 1024));
        assert_eq!(parse_meminfo("MemTotal: 5 kB\n"), None);
        assert_eq!(meminfo_field(mem, "MemFree"), Some(1000 * 1024));
        assert_eq!(meminfo_field(mem, "Mem"), None, "whole names only");
    }
}
