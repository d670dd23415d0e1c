//! The benchmarks' short profiles, each a real `ork bench` run printing
//! its figures with their targets. They have a test binary of their own:
//! `cargo test` runs test binaries one after another, so they neither
//! starve the end-to-end suite nor are slowed by it, and within this one
//! they run one at a time.

#![allow(clippy::unwrap_used)]

use std::sync::{Mutex, MutexGuard};

const ORK: &str = env!("CARGO_BIN_EXE_ork");

/// Held by each test while it runs.
fn alone() -> MutexGuard<'static, ()> {
    static ONE: Mutex<()> = Mutex::new(());
    ONE.lock().unwrap_or_else(|e| e.into_inner())
}

#[test]
fn the_scheduler_benchmark_runs_at_small_size() {
    let _alone = alone();
    let out = std::process::Command::new(ORK)
        .args([
            "bench",
            "scheduler",
            "--nodes",
            "50",
            "--warm",
            "50",
            "--pods",
            "500",
            "--latency-pods",
            "100",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("pods/s (target ≥5,000)"), "{text}");
    assert!(text.contains("(target p99 ≤10 ms)"), "{text}");
    assert!(text.contains("nodes over their pod capacity: 0"), "{text}");
}

fn bench(args: &[&str]) -> String {
    let out = std::process::Command::new(ORK)
        .arg("bench")
        .args(args)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

/// The control-plane benchmarks at small size: a real `ork control` child,
/// hollow nodes in the benchmark process, every figure printed with its target.
#[test]
fn the_startup_api_and_footprint_benchmarks_run_at_small_size() {
    let _alone = alone();
    let text = bench(&["startup", "--nodes", "20", "--pods", "200", "--rate", "200"]);
    assert!(
        text.contains("20 hollow nodes registered and Ready"),
        "{text}"
    );
    assert!(text.contains("(target p99 ≤250 ms)"), "{text}");
    assert!(
        text.contains("nodes judged NotReady during the run: 0, pods gone from the store: 0"),
        "{text}"
    );
    assert!(
        text.contains("200 pods (") && text.contains("20 nodes ("),
        "{text}"
    );
    let text = bench(&[
        "api",
        "--objects",
        "300",
        "--clients",
        "5",
        "--duration",
        "1s",
        "--rate",
        "200",
        "--updates",
        "3000",
        "--policy",
    ]);
    assert!(text.contains("durable writes/s (target ≥5,000)"), "{text}");
    // Every pod write passed the admission policy's CEL checks.
    assert!(
        text.contains("checked by a ValidatingAdmissionPolicy"),
        "{text}"
    );
    assert!(text.contains("(0 errors)"), "{text}");
    assert!(text.contains("api list of 30"), "{text}");
    assert!(
        text.contains("(target ≤2×)") && text.contains("0 errors)"),
        "{text}"
    );
    let text = bench(&["footprint", "--nodes", "5", "--pods", "50"]);
    for want in [
        "control daemon idle:",
        "node daemon idle:",
        "control daemon with 5 nodes and 50 Running pods",
    ] {
        assert!(text.contains(want), "{want}: {text}");
    }
    let text = bench(&["tui", "--pods", "200"]);
    for want in [
        "tui frame at 200 pods, 160x48",
        "first frame showing all 200 pods",
        "tui idle:",
    ] {
        assert!(text.contains(want), "{want}: {text}");
    }
}

/// The memory benchmark's short profile: two cycles of large ConfigMaps
/// created, patched and deleted; the benchmark itself fails (non-zero exit)
/// when the control daemon ends a cycle over the allowed factor of its
/// starting memory. With jemalloc a cycle ends at 1.36–1.55× (the target is
/// 1.5×); glibc's malloc kept 8–10×. 2× here catches an allocator that keeps
/// freed memory without failing on the last few MiB of live state.
#[test]
fn the_churn_benchmark_gives_memory_back_at_small_size() {
    let _alone = alone();
    let text = bench(&["churn", "--cycles", "2", "--allowed", "2"]);
    for want in [
        "churn start:",
        "churn cycle 1:",
        "churn cycle 2:",
        "2.00× allowed",
        "churn creates: p50",
    ] {
        assert!(text.contains(want), "{want}: {text}");
    }
}
