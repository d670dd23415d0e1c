//! A small image for examples and tests, built without a registry: `FROM
//! scratch` plus a statically linked busybox found on this machine (Debian's
//! `busybox-static` package), with a link per applet (sh, httpd, nc, sleep…),
//! `/etc/passwd` for root, and `/www/index.html` for `httpd -h /www`.
//! `ork image build-busybox` builds it; `tests/images/build.sh` builds the
//! same image with `docker build`.
//!
//! This module must not import `control`, `cli` or `tui`.

use super::super::RuntimeError;
use bollard::Docker;
use std::path::{Path, PathBuf};

/// The tag the examples and tests use.
pub const DEFAULT_TAG: &str = "ork-test/busybox:latest";

/// Where distributions put busybox.
pub const CANDIDATES: &[&str] = &["/bin/busybox", "/usr/bin/busybox", "/usr/sbin/busybox"];

/// Whether `elf` is an executable that needs no dynamic loader (no
/// `PT_INTERP` program header), so it runs in an empty image.
pub fn is_static_elf(elf: &[u8]) -> bool {
    if elf.len() < 64 || &elf[..4] != b"\x7fELF" {
        return false;
    }
    let wide = elf[4] == 2;
    let le = elf[5] == 1;
    let num = |at: usize, len: usize| -> Option<u64> {
        let b = elf.get(at..at + len)?;
        let mut v = 0u64;
        for i in 0..len {
            let byte = if le { b[len - 1 - i] } else { b[i] };
            v = (v << 8) | u64::from(byte);
        }
        Some(v)
    };
    let (phoff, phentsize, phnum) = if wide {
        (num(0x20, 8), num(0x36, 2), num(0x38, 2))
    } else {
        (num(0x1c, 4), num(0x2a, 2), num(0x2c, 2))
    };
    let (Some(phoff), Some(size), Some(n)) = (phoff, phentsize, phnum) else {
        return false;
    };
    (0..n).all(|i| {
        let at = (phoff + i * size) as usize;
        // PT_INTERP is 3.
        num(at, 4).is_some_and(|t| t != 3)
    })
}

/// The first statically linked busybox among `candidates`.
pub fn find_static(candidates: &[&str]) -> Option<PathBuf> {
    candidates
        .iter()
        .map(PathBuf::from)
        .find(|p| std::fs::read(p).map(|b| is_static_elf(&b)).unwrap_or(false))
}

fn tar_err(e: std::io::Error) -> RuntimeError {
    RuntimeError::Other(format!("building the busybox image: {e}"))
}

fn add_file(
    b: &mut tar::Builder<Vec<u8>>,
    dest: &str,
    data: &[u8],
    mode: u32,
) -> Result<(), RuntimeError> {
    let mut h = tar::Header::new_gnu();
    h.set_size(data.len() as u64);
    h.set_mode(mode);
    h.set_cksum();
    b.append_data(&mut h, dest, data).map_err(tar_err)
}

/// The build context: a Dockerfile and the root filesystem, one link to
/// `busybox` per applet in `applets`.
pub fn context(busybox: &[u8], applets: &[&str]) -> Result<Vec<u8>, RuntimeError> {
    let mut b = tar::Builder::new(Vec::new());
    add_file(
        &mut b,
        "Dockerfile",
        b"FROM scratch\nCOPY rootfs/ /\nENV PATH=/bin\nCMD [\"sh\"]\n",
        0o644,
    )?;
    add_file(&mut b, "rootfs/bin/busybox", busybox, 0o755)?;
    for app in applets
        .iter()
        .filter(|a| **a != "busybox" && !a.contains('/'))
    {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Symlink);
        h.set_size(0);
        h.set_mode(0o777);
        b.append_link(&mut h, format!("rootfs/bin/{app}"), "busybox")
            .map_err(tar_err)?;
    }
    add_file(
        &mut b,
        "rootfs/etc/passwd",
        b"root:x:0:0:root:/:/bin/sh\n",
        0o644,
    )?;
    add_file(&mut b, "rootfs/etc/group", b"root:x:0:\n", 0o644)?;
    add_file(
        &mut b,
        "rootfs/www/index.html",
        b"hello from ork-test/busybox\n",
        0o644,
    )?;
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(tar::EntryType::Directory);
    h.set_size(0);
    h.set_mode(0o1777);
    b.append_data(&mut h, "rootfs/tmp/", std::io::empty())
        .map_err(tar_err)?;
    b.into_inner().map_err(tar_err)
}

/// Builds image `tag` from the static busybox at `path`.
pub async fn build(docker: &Docker, path: &Path, tag: &str) -> Result<(), RuntimeError> {
    let bin = std::fs::read(path).map_err(|e| RuntimeError::Io {
        what: format!("reading {}", path.display()),
        source: e,
    })?;
    if !is_static_elf(&bin) {
        return Err(RuntimeError::Other(format!(
            "{} is not a statically linked executable; install Debian's busybox-static (apt-get install busybox-static)",
            path.display()
        )));
    }
    let list = std::process::Command::new(path)
        .arg("--list")
        .output()
        .map_err(|e| RuntimeError::Io {
            what: format!("running {} --list", path.display()),
            source: e,
        })?;
    let list = String::from_utf8_lossy(&list.stdout).to_string();
    let applets: Vec<&str> = list.split_whitespace().collect();
    let ctx = context(&bin, &applets)?;
    super::sandbox::build_image(docker, tag, ctx, "the busybox image").await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ork_binary_itself_is_not_static_but_a_minimal_static_header_is() {
        // A test binary is dynamically linked on the machines ork builds on.
        let me = std::fs::read(std::env::current_exe().unwrap()).unwrap();
        assert!(!is_static_elf(&me));
        // ELF64 little-endian with one PT_LOAD program header and no PT_INTERP.
        let mut elf = vec![0u8; 64 + 56];
        elf[..4].copy_from_slice(b"\x7fELF");
        elf[4] = 2;
        elf[5] = 1;
        elf[0x20] = 64; // e_phoff
        elf[0x36] = 56; // e_phentsize
        elf[0x38] = 1; // e_phnum
        elf[64] = 1; // PT_LOAD
        assert!(is_static_elf(&elf));
        elf[64] = 3; // PT_INTERP
        assert!(!is_static_elf(&elf));
        assert!(!is_static_elf(b"#!/bin/sh\n"));
    }

    #[test]
    fn the_context_links_every_applet_to_busybox() {
        let ctx = context(b"\x7fELF", &["busybox", "sh", "httpd"]).unwrap();
        let mut a = tar::Archive::new(&ctx[..]);
        let mut links = vec![];
        let mut files = vec![];
        for e in a.entries().unwrap() {
            let e = e.unwrap();
            let path = e.path().unwrap().display().to_string();
            match e.header().entry_type() {
                tar::EntryType::Symlink => {
                    links.push((path, e.link_name().unwrap().unwrap().display().to_string()))
                }
                _ => files.push(path),
            }
        }
        assert_eq!(
            links,
            vec![
                ("rootfs/bin/sh".to_string(), "busybox".to_string()),
                ("rootfs/bin/httpd".to_string(), "busybox".to_string()),
            ]
        );
        assert!(files.contains(&"rootfs/bin/busybox".to_string()));
        assert!(files.contains(&"Dockerfile".to_string()));
    }
}
