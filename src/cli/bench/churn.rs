//! `ork bench churn`: whether the control daemon gives memory back after
//! large objects come and go. Each cycle creates ConfigMaps of ~1 MB of data
//! and ConfigMaps with as many labels as validation allows (up to 100,000),
//! patches each a few times, deletes them all, then waits for the daemon's
//! resident memory to stop falling. Every cycle must end within a factor of
//! the memory the settled daemon had before the first; the run fails
//! (non-zero exit) when one does not.
//!
//! Owns: the churn workload, the settle rule and the verdict. Talks to the
//! daemon only over HTTP; must not import control-daemon internals.

use super::{ControlProcess, Result, failed, mib, ms, percentile};
use crate::api::config::ConfigMap;
use crate::api::validation::MAX_METADATA_BYTES;
use crate::api::{Kind, new_object};
use crate::client::{Client, DeleteOptions};
use std::path::Path;
use std::time::{Duration, Instant};

/// RSS after a cycle may be at most this many times the starting RSS (the
/// target; `--allowed` sets another).
pub const ALLOWED_GROWTH: f64 = 1.5;
/// The most labels one object is given, even where validation allows more.
const MAX_LABELS: usize = 100_000;
/// Room left in the metadata budget for the annotation the patches set.
const ANNOTATION_ROOM: usize = 64;
/// How often RSS is sampled while the daemon settles.
const SAMPLE: Duration = Duration::from_millis(250);
/// The daemon has settled once RSS has not fallen for this long …
const QUIET: Duration = Duration::from_secs(3);
/// … by more than this fraction of it …
const FALL: f64 = 0.005;
/// … or once this long has passed, whatever RSS does.
const SETTLE_MAX: Duration = Duration::from_secs(30);

/// The shape of one run.
#[derive(Clone, Copy, Debug)]
pub struct Churn {
    pub cycles: usize,
    /// ConfigMaps of each kind (data, labels) per cycle.
    pub objects: usize,
    /// Bytes of data in each data ConfigMap.
    pub data_bytes: usize,
    /// Merge patches applied to each object before it is deleted.
    pub patches: usize,
    /// The factor of its starting memory a cycle may end at.
    pub allowed: f64,
}

pub async fn run(dir: &Path, churn: Churn, history: &str) -> Result<()> {
    let cp =
        ControlProcess::spawn(&dir.join("control"), &["--watch-history-bytes", history]).await?;
    let labels = label_keys(MAX_METADATA_BYTES - ANNOTATION_ROOM, MAX_LABELS);
    let start = settle(&cp).await;
    println!(
        "churn: {} cycles of {} ConfigMaps of {} of data and {} with {} labels, {} patches each; --watch-history-bytes {history}; {} cores",
        churn.cycles,
        churn.objects,
        mib(churn.data_bytes as u64),
        churn.objects,
        super::thousands(labels.len() as u64),
        churn.patches,
        super::cores()
    );
    println!("churn start: {} resident once settled", mib(start));
    let mut creates = vec![];
    let mut over = vec![];
    for cycle in 1..=churn.cycles {
        // A client of its own per cycle, dropped before the daemon settles:
        // its connections close, as kubectl's do when it exits.
        let client = cp.client()?;
        creates.extend(run_cycle(&client, &churn, &labels, cycle).await?);
        drop(client);
        let rss = settle(&cp).await;
        let ratio = rss as f64 / start.max(1) as f64;
        println!(
            "churn cycle {cycle}: {} resident (start {}, {:.2}× allowed; {ratio:.2}×)",
            mib(rss),
            mib(start),
            churn.allowed
        );
        if !within(start, rss, churn.allowed) {
            over.push(cycle);
        }
    }
    creates.sort();
    println!(
        "churn creates: p50 {:.1} ms, p99 {:.1} ms over {} (1 MB bodies and up)",
        ms(percentile(&creates, 0.50)),
        ms(percentile(&creates, 0.99)),
        creates.len()
    );
    println!(
        "churn peak: {} resident (VmHWM); target: RSS after each cycle within {ALLOWED_GROWTH}× of its starting value",
        mib(peak_bytes(cp.pid()).unwrap_or(0))
    );
    if over.is_empty() {
        Ok(())
    } else {
        Err(failed(format!(
            "the control daemon kept memory after the objects were deleted: cycle(s) {over:?} \
             ended over {}× the starting {}",
            churn.allowed,
            mib(start)
        )))
    }
}

/// One cycle: every object created, patched and deleted, all objects of a
/// step at once. Returns the creates' latencies.
async fn run_cycle(
    client: &Client,
    churn: &Churn,
    labels: &[String],
    cycle: usize,
) -> Result<Vec<Duration>> {
    let names: Vec<(String, bool)> = (0..churn.objects)
        .flat_map(|i| {
            [
                (format!("churn-data-{cycle}-{i}"), true),
                (format!("churn-labels-{cycle}-{i}"), false),
            ]
        })
        .collect();
    let mut set = tokio::task::JoinSet::new();
    for (name, data) in names.clone() {
        let c = client.clone();
        let cm = if data {
            data_configmap(&name, churn.data_bytes, 0)
        } else {
            labelled_configmap(&name, labels)
        };
        set.spawn(async move {
            let s = Instant::now();
            c.create(&cm)
                .await
                .map(|_| s.elapsed())
                .map_err(|e| format!("create {name}: {e}"))
        });
    }
    let mut creates = vec![];
    while let Some(r) = set.join_next().await {
        creates.push(r.map_err(failed)?.map_err(failed)?);
    }
    for round in 1..=churn.patches {
        let mut set = tokio::task::JoinSet::new();
        for (name, data) in names.clone() {
            let c = client.clone();
            let patch = if data {
                serde_json::json!({"data": {"blob": blob(&name, churn.data_bytes, round)}})
            } else {
                serde_json::json!({"metadata": {"annotations": {"churn-round": round.to_string()}}})
            };
            set.spawn(async move {
                c.patch_value(Kind::ConfigMap, "default", &name, &patch, false)
                    .await
                    .map(|_| ())
                    .map_err(|e| format!("patch {name}: {e}"))
            });
        }
        while let Some(r) = set.join_next().await {
            r.map_err(failed)?.map_err(failed)?;
        }
    }
    let mut set = tokio::task::JoinSet::new();
    for (name, _) in names {
        let c = client.clone();
        set.spawn(async move {
            c.delete(Kind::ConfigMap, "default", &name, &DeleteOptions::default())
                .await
                .map(|_| ())
                .map_err(|e| format!("delete {name}: {e}"))
        });
    }
    while let Some(r) = set.join_next().await {
        r.map_err(failed)?.map_err(failed)?;
    }
    Ok(creates)
}

/// Samples RSS until [`settled`] says it has stopped falling; returns the
/// last sample.
async fn settle(cp: &ControlProcess) -> u64 {
    let t = Instant::now();
    let mut samples = vec![];
    loop {
        samples.push((t.elapsed(), cp.rss()));
        if settled(&samples, QUIET, FALL, SETTLE_MAX) {
            return samples.last().map_or(0, |s| s.1);
        }
        tokio::time::sleep(SAMPLE).await;
    }
}

/// Whether RSS (samples of elapsed time and bytes, oldest first) has
/// settled: sampled for at least `quiet`, and no sample in the last `quiet`
/// is lower than the lowest before it by more than `fall` of it; or `max`
/// has passed.
fn settled(samples: &[(Duration, u64)], quiet: Duration, fall: f64, max: Duration) -> bool {
    let Some(&(now, _)) = samples.last() else {
        return false;
    };
    if now >= max {
        return true;
    }
    if now < quiet {
        return false;
    }
    let cut = now - quiet;
    let before = samples
        .iter()
        .filter(|s| s.0 <= cut)
        .map(|s| s.1)
        .min()
        .unwrap_or(u64::MAX);
    let recent = samples
        .iter()
        .filter(|s| s.0 > cut)
        .map(|s| s.1)
        .min()
        .unwrap_or(u64::MAX);
    (recent as f64) >= before as f64 * (1.0 - fall)
}

/// Whether `rss` is within `allowed` times `start`.
fn within(start: u64, rss: u64, allowed: f64) -> bool {
    rss as f64 <= start as f64 * allowed
}

/// Label keys, shortest first (one letter or digit, then two, …), as many
/// as fit in `budget` bytes of keys (the values are empty), at most `max`.
fn label_keys(budget: usize, max: usize) -> Vec<String> {
    const ALNUM: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut keys = vec![];
    let mut used = 0;
    let mut len = 1;
    loop {
        let count = ALNUM.len().pow(len as u32);
        for i in 0..count {
            if keys.len() >= max || used + len > budget {
                return keys;
            }
            let mut k = vec![0u8; len];
            let mut n = i;
            for b in k.iter_mut().rev() {
                *b = ALNUM[n % ALNUM.len()];
                n /= ALNUM.len();
            }
            keys.push(String::from_utf8_lossy(&k).into_owned());
            used += len;
        }
        len += 1;
    }
}

/// `bytes` of text that differ by object and by round.
fn blob(name: &str, bytes: usize, round: usize) -> String {
    let line = format!("{name} round {round} ");
    let mut s = String::with_capacity(bytes);
    let mut i = 0usize;
    while s.len() < bytes {
        s.push_str(&line);
        s.push_str(&i.to_string());
        s.push('\n');
        i += 1;
    }
    s.truncate(bytes);
    s
}

fn data_configmap(name: &str, bytes: usize, round: usize) -> ConfigMap {
    let mut c: ConfigMap = new_object("default", name);
    c.data.insert("blob".into(), blob(name, bytes, round));
    c
}

fn labelled_configmap(name: &str, labels: &[String]) -> ConfigMap {
    let mut c: ConfigMap = new_object("default", name);
    c.metadata.labels = labels.iter().map(|k| (k.clone(), String::new())).collect();
    c
}

/// Peak resident memory of a process (`VmHWM`), in bytes.
fn peak_bytes(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: &[(u64, u64)]) -> Vec<(Duration, u64)> {
        s.iter()
            .map(|&(ms, b)| (Duration::from_millis(ms), b))
            .collect()
    }

    const Q: Duration = Duration::from_secs(3);
    const MAX: Duration = Duration::from_secs(30);

    #[test]
    fn rss_that_still_falls_has_not_settled() {
        let s = secs(&[(0, 100), (1000, 90), (2000, 80), (3000, 70), (4000, 60)]);
        assert!(!settled(&s, Q, 0.005, MAX));
    }

    #[test]
    fn rss_flat_for_the_quiet_period_has_settled() {
        let s = secs(&[(0, 100), (1000, 60), (2000, 60), (3000, 60), (4500, 60)]);
        assert!(settled(&s, Q, 0.005, MAX));
        // Too soon to tell, however flat.
        assert!(!settled(&secs(&[(0, 60), (1000, 60)]), Q, 0.005, MAX));
        // Growth is not a fall: settled.
        let s = secs(&[(0, 60), (2000, 61), (4000, 70)]);
        assert!(settled(&s, Q, 0.005, MAX));
    }

    #[test]
    fn the_longest_wait_ends_it() {
        let s = secs(&[(0, 100), (29_000, 50), (30_000, 40)]);
        assert!(settled(&s, Q, 0.005, MAX));
        assert!(!settled(&[], Q, 0.005, MAX));
    }

    #[test]
    fn the_verdict_allows_exactly_the_factor() {
        assert!(within(100, 150, 1.5));
        assert!(!within(100, 151, 1.5));
        assert!(within(100, 40, 1.5));
    }

    #[test]
    fn label_keys_are_valid_distinct_and_fill_the_budget() {
        let budget = MAX_METADATA_BYTES - ANNOTATION_ROOM;
        let keys = label_keys(budget, MAX_LABELS);
        let bytes: usize = keys.iter().map(String::len).sum();
        assert!(bytes <= budget && bytes + 3 > budget, "{bytes} of {budget}");
        assert_eq!(keys.len(), 62 + 62 * 62 + (budget - 62 - 2 * 3844) / 3);
        let distinct: std::collections::BTreeSet<_> = keys.iter().collect();
        assert_eq!(distinct.len(), keys.len());
        assert!(
            keys.iter()
                .all(|k| crate::api::validation::label_key_error(k).is_none())
        );
        assert_eq!(label_keys(budget, 10).len(), 10);
    }

    #[test]
    fn labelled_objects_and_blobs_pass_validation() {
        let labels = label_keys(MAX_METADATA_BYTES - ANNOTATION_ROOM, MAX_LABELS);
        let mut c = labelled_configmap("x", &labels);
        c.metadata
            .annotations
            .insert("churn-round".into(), "99".into());
        assert!(crate::api::validation::validate_configmap(&c).is_empty());
        let d = data_configmap("x", 1_000_000, 3);
        assert_eq!(d.data["blob"].len(), 1_000_000);
        assert!(crate::api::validation::validate_configmap(&d).is_empty());
        assert_ne!(blob("x", 100, 1), blob("x", 100, 2));
    }
}
