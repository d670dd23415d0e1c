//! Driving the real kubectl against an ork cluster: where to find it (PATH,
//! else where Debian's `kubectl` package put it, with other minor versions
//! beside it), and running it with the cluster's admin kubeconfig and a
//! discovery cache of the test's own.
//!
//! With `ORK_REQUIRE_KUBECTL=1` (set by `.ci/run`) a missing kubectl fails
//! the tests that need it instead of skipping them.

use crate::harness::Cluster;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Where Debian's `kubectl` package keeps the binaries of each minor version.
const SDK_BIN: &str = "/usr/lib/google-cloud-sdk/bin";

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// The default kubectl: on PATH, else the package's.
pub fn kubectl_default() -> Option<PathBuf> {
    on_path("kubectl").or_else(|| {
        let p = Path::new(SDK_BIN).join("kubectl");
        p.is_file().then_some(p)
    })
}

/// kubectl `1.<minor>`, when the machine has it.
pub fn kubectl_version(minor: u32) -> Option<PathBuf> {
    let p = Path::new(SDK_BIN).join(format!("kubectl.1.{minor}"));
    p.is_file().then_some(p)
}

/// The default kubectl, or `None` (the test should return) when there is
/// none and none is required.
pub fn require_kubectl() -> Option<PathBuf> {
    let found = kubectl_default();
    if found.is_none() {
        assert!(
            std::env::var("ORK_REQUIRE_KUBECTL").as_deref() != Ok("1"),
            "ORK_REQUIRE_KUBECTL=1 but no kubectl on PATH or in {SDK_BIN}"
        );
        eprintln!("skipping: no kubectl on this machine");
    }
    found
}

impl Cluster {
    /// The admin kubeconfig the control daemon wrote.
    pub fn kubeconfig(&self) -> PathBuf {
        self.data().join("admin.kubeconfig")
    }

    /// A kubectl command (the binary `bin`) set up for this cluster: its
    /// admin kubeconfig, a discovery cache in the test dir, no user config.
    pub fn kubectl_cmd(&self, bin: &Path, args: &[&str]) -> Command {
        let home = self.dir.path().join("kube-home");
        std::fs::create_dir_all(&home).unwrap();
        let mut cmd = Command::new(bin);
        cmd.args(args)
            .env("KUBECONFIG", self.kubeconfig())
            .env("HOME", &home)
            .env("KUBECACHEDIR", home.join("cache"))
            .env_remove("KUBECTL_EXTERNAL_DIFF")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    }

    /// Runs kubectl `bin` against this cluster.
    pub fn kubectl_with(&self, bin: &Path, args: &[&str]) -> Output {
        self.kubectl_cmd(bin, args).output().unwrap()
    }

    /// Runs kubectl `bin` and asserts success; returns stdout.
    pub fn kubectl_ok(&self, bin: &Path, args: &[&str]) -> String {
        let out = self.kubectl_with(bin, args);
        assert!(
            out.status.success(),
            "kubectl {args:?} failed ({}):\nstdout: {}\nstderr: {}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }
}

#[test]
fn finds_kubectl_where_the_package_puts_it() {
    // On a machine with the package, the default is found and runs.
    let Some(bin) = require_kubectl() else { return };
    let out = Command::new(&bin)
        .args(["version", "--client", "-o", "json"])
        .env("HOME", std::env::temp_dir())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["clientVersion"]["major"], "1");
}

#[test]
fn every_kubectl_version_reaches_ork_over_tls() {
    let Some(bin) = require_kubectl() else { return };
    let c = Cluster::start(0, "fake");
    let mut bins = vec![bin];
    bins.extend((27..=33).filter_map(kubectl_version));
    for bin in &bins {
        let out = c.kubectl_ok(bin, &["version", "-o", "json"]);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let server = v["serverVersion"]["gitVersion"]
            .as_str()
            .unwrap_or_default();
        assert!(server.starts_with('v'), "{}: {out}", bin.display());
    }
    assert!(c.kubectl_with(&bins[0], &["version"]).status.success());
    assert!(c.kubeconfig().is_file());
}
