//! `ork bench api`: the API server of a real `ork control` child process
//! under concurrent HTTP clients. Four phases: (1) the clients create the
//! objects as fast as the server acknowledges them (every acknowledged write
//! is durable), (2) a timed mix of create, replace (with resourceVersion),
//! get and list, (3) lists of every pod on a quiet server, (4) many updates,
//! then the database's size on disk against the size of the live data.
//! Between (1) and (2) it times new connections (TCP, TLS, one request).
//!
//! The pods are bound to a registered node that never heartbeats (the
//! control daemon runs with a node grace of an hour), so no controller or
//! scheduler adds writes of its own.

use super::{
    BenchStore, ControlProcess, Result, failed, hollow_pod, mib, ms, percentile, thousands,
};
use crate::api::Pod;
use crate::client::Client;
use std::path::Path;
use std::time::{Duration, Instant};

const BENCH_NODE: &str = "api-bench";

fn bench_pod(prefix: &str, i: usize) -> Pod {
    let mut p = hollow_pod(prefix, i);
    p.spec.node_name = BENCH_NODE.into();
    p.metadata.labels.insert("bench".into(), "api".into());
    p
}

#[derive(Default)]
struct Timings {
    mutating: Vec<Duration>,
    get: Vec<Duration>,
    list: Vec<Duration>,
    errors: usize,
}

impl Timings {
    fn merge(&mut self, o: Timings) {
        self.mutating.extend(o.mutating);
        self.get.extend(o.get);
        self.list.extend(o.list);
        self.errors += o.errors;
    }
}

/// A tiny per-client generator (xorshift), so clients differ without a crate.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

/// What the benchmark offers.
#[derive(clap::Args, Debug)]
pub struct Load {
    /// Objects created first (and listed).
    #[arg(long, default_value_t = 10000)]
    pub objects: usize,
    #[arg(long, default_value_t = 50)]
    pub clients: usize,
    /// Length of the mixed create/replace/get/list run.
    #[arg(long, default_value = "10s", value_parser = crate::cli::misc::parse_duration)]
    pub duration: Duration,
    /// Offered rate (requests/s, all clients together) of a second mix
    /// run that measures latency at a fixed load; 0 skips it.
    #[arg(long, default_value_t = 5000)]
    pub rate: u32,
    /// Updates made before the database size is measured.
    #[arg(long, default_value_t = 1_000_000)]
    pub updates: usize,
    /// Bind a ValidatingAdmissionPolicy to every pod write first, so
    /// each one is checked by CEL expressions (its cost shows in the
    /// write figures).
    #[arg(long)]
    pub policy: bool,
}

/// The policy `--policy` binds: two validations over each pod's spec and
/// labels, as a cluster's image and label rules would be written.
const POLICY: &str = r#"{"apiVersion": "admissionregistration.k8s.io/v1",
 "kind": "ValidatingAdmissionPolicy", "metadata": {"name": "bench"},
 "spec": {"matchConstraints": {"resourceRules": [{"apiGroups": [""], "apiVersions": ["v1"],
    "operations": ["CREATE", "UPDATE"], "resources": ["pods"]}]},
  "variables": [{"name": "containers", "expression": "object.spec.containers"}],
  "validations": [
    {"expression": "variables.containers.all(c, !c.image.startsWith('forbidden/'))"},
    {"expression": "has(object.metadata.labels) && 'bench' in object.metadata.labels"}]}}"#;
const BINDING: &str = r#"{"apiVersion": "admissionregistration.k8s.io/v1",
 "kind": "ValidatingAdmissionPolicyBinding", "metadata": {"name": "bench"},
 "spec": {"policyName": "bench", "validationActions": ["Deny"]}}"#;

pub async fn run(dir: &Path, load: &Load, store: &BenchStore) -> Result<()> {
    let &Load {
        objects,
        clients,
        duration,
        rate,
        updates,
        policy,
    } = load;
    let clients = clients.max(1);
    let mut args = vec!["--node-grace".to_string(), "1h".into()];
    args.extend(store.control_args());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut cp = ControlProcess::spawn(&dir.join("control"), &args).await?;
    let cores = super::cores();
    cp.client()?
        .create(&crate::api::new_object::<crate::api::Node>("", BENCH_NODE))
        .await
        .map_err(failed)?;

    if policy {
        let c = cp.client()?;
        let p: crate::api::admission_policy::ValidatingAdmissionPolicy =
            serde_json::from_str(POLICY).map_err(failed)?;
        let b: crate::api::admission_policy::ValidatingAdmissionPolicyBinding =
            serde_json::from_str(BINDING).map_err(failed)?;
        c.create(&p).await.map_err(failed)?;
        c.create(&b).await.map_err(failed)?;
        println!(
            "api: every pod write is checked by a ValidatingAdmissionPolicy (2 CEL validations)"
        );
    }

    // 1. Durable writes: every client creates its share.
    let t = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for k in 0..clients {
        let c = cp.client()?;
        set.spawn(async move {
            let mut tm = Timings::default();
            for i in (k..objects).step_by(clients) {
                let s = Instant::now();
                match c.create(&bench_pod("seed", i)).await {
                    Ok(_) => tm.mutating.push(s.elapsed()),
                    Err(_) => tm.errors += 1,
                }
            }
            tm
        });
    }
    let mut seed = Timings::default();
    while let Some(r) = set.join_next().await {
        seed.merge(r.map_err(failed)?);
    }
    if seed.errors > 0 {
        return Err(failed(format!("{} creates failed", seed.errors)));
    }
    let writes = objects as f64 / t.elapsed().as_secs_f64();
    println!(
        "api: {} creates by {clients} clients: {} durable writes/s (target ≥5,000), {cores} cores",
        thousands(objects as u64),
        thousands(writes as u64)
    );

    // New connections: TCP connect, the TLS handshake and one small request,
    // each on a client of its own.
    let mut setup = Vec::with_capacity(200);
    for _ in 0..200 {
        let c = cp.client()?;
        let s = Instant::now();
        c.version().await.map_err(failed)?;
        setup.push(s.elapsed());
    }
    setup.sort();
    println!(
        "api: a new connection (TCP, TLS handshake, GET /version): p50 {:.2} ms, p99 {:.2} ms over 200",
        ms(percentile(&setup, 0.50)),
        ms(percentile(&setup, 0.99))
    );

    // 2. The mix, as fast as the clients go, then at a fixed offered rate.
    run_mix(&cp, clients, objects, duration, None).await?;
    if rate > 0 {
        run_mix(&cp, clients, objects, duration, Some(rate)).await?;
    }

    // 3. Lists of every pod on a quiet server.
    let c = cp.client()?;
    let mut lists = vec![];
    let mut count = 0;
    for _ in 0..20 {
        let s = Instant::now();
        let body = raw_list(&c).await.map_err(failed)?;
        lists.push(s.elapsed());
        count = serde_json::from_slice::<serde_json::Value>(&body).map_err(failed)?["items"]
            .as_array()
            .map_or(0, Vec::len);
    }
    lists.sort();
    println!(
        "api list of {} pods: p50 {:.0} ms, max {:.0} ms (target ≤100 ms)",
        thousands(count as u64),
        ms(percentile(&lists, 0.50)),
        ms(percentile(&lists, 1.0))
    );

    // 4. Updates, then the database against the live data (a SQLite file;
    // etcd's own files are the user's).
    if updates > 0 && store.is_etcd() {
        println!("api updates and database size: skipped on etcd");
    } else if updates > 0 {
        let t = Instant::now();
        let mut set = tokio::task::JoinSet::new();
        for k in 0..clients {
            let c = cp.client()?;
            let n = updates / clients + usize::from(k < updates % clients);
            set.spawn(update_loop(c, k, clients, objects, n));
        }
        let mut errors = 0;
        while let Some(r) = set.join_next().await {
            errors += r.map_err(failed)?;
        }
        let rate = updates as f64 / t.elapsed().as_secs_f64();
        // Live data: the objects' JSON as the store keeps and serves it.
        let live = raw_list(&c).await.map_err(failed)?.len();
        println!(
            "control daemon resident memory at the end: {}",
            mib(cp.rss())
        );
        // Measured after a clean stop, as the files sit between runs.
        cp.stop().await;
        let db = ["ork.db", "ork.db-wal"]
            .iter()
            .filter_map(|f| std::fs::metadata(cp.data_dir.join(f)).ok())
            .map(|m| m.len())
            .collect::<Vec<u64>>();
        let (db, wal) = (
            db.first().copied().unwrap_or(0),
            db.get(1).copied().unwrap_or(0),
        );
        println!(
            "api after {} updates ({} /s, {errors} errors): database {} + WAL {} for {} of live data = {:.2}× (target ≤2×)",
            thousands(updates as u64),
            thousands(rate as u64),
            mib(db),
            mib(wal),
            mib(live as u64),
            (db + wal) as f64 / live.max(1) as f64
        );
    }
    Ok(())
}

async fn run_mix(
    cp: &ControlProcess,
    clients: usize,
    objects: usize,
    duration: Duration,
    rate: Option<u32>,
) -> Result<()> {
    let period = rate.map(|r| Duration::from_secs_f64(clients as f64 / f64::from(r.max(1))));
    let deadline = Instant::now() + duration;
    let mut set = tokio::task::JoinSet::new();
    for k in 0..clients {
        let c = cp.client()?;
        set.spawn(mix(c, k, clients, objects, deadline, period));
    }
    let mut tm = Timings::default();
    while let Some(r) = set.join_next().await {
        tm.merge(r.map_err(failed)?);
    }
    for v in [&mut tm.mutating, &mut tm.get, &mut tm.list] {
        v.sort();
    }
    let ops = tm.mutating.len() + tm.get.len() + tm.list.len();
    let how = match rate {
        None => "as fast as they go".to_string(),
        Some(r) => format!("at {} requests/s offered", thousands(u64::from(r))),
    };
    println!(
        "api mix, {clients} clients {how} for {:.0} s: {} requests/s ({} errors); mutating p50 {:.2} ms, p99 {:.2} ms (target ≤10 ms); get p50 {:.2} ms, p99 {:.2} ms (target ≤2 ms); list p99 {:.0} ms ({} lists)",
        duration.as_secs_f64(),
        thousands((ops as f64 / duration.as_secs_f64()) as u64),
        tm.errors,
        ms(percentile(&tm.mutating, 0.50)),
        ms(percentile(&tm.mutating, 0.99)),
        ms(percentile(&tm.get, 0.50)),
        ms(percentile(&tm.get, 0.99)),
        ms(percentile(&tm.list, 0.99)),
        tm.list.len()
    );
    Ok(())
}

/// `GET` of every pod in `default`, the body read to its end but not
/// decoded: the server's share of a list, not the client's JSON parsing.
async fn raw_list(c: &Client) -> crate::client::Result<bytes::Bytes> {
    c.get_bytes("/api/v1/namespaces/default/pods").await
}

/// One client of the mix: 20% create-or-delete (a client deletes the pod it
/// created last, so the store keeps about the seeded number of pods), 30%
/// replace (get, then put with its resourceVersion), 49.5% get, 0.5% list.
/// It replaces only its own share of the seed pods (index ≡ k mod clients),
/// so replaces do not conflict with each other. With `period` set, request
/// `j` is due at `start + j × period` and is timed from then, so a slow
/// server cannot hide latency by slowing the client down.
async fn mix(
    c: Client,
    k: usize,
    clients: usize,
    objects: usize,
    deadline: Instant,
    period: Option<Duration>,
) -> Timings {
    let mut tm = Timings::default();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ ((k as u64 + 1) << 17));
    let mut own: Option<String> = None;
    let mut n = 0usize;
    let start = Instant::now();
    // Clients start spread over one period, not all at once.
    let offset = period.map(|p| p * k as u32 / clients as u32);
    loop {
        let s = match (period, offset) {
            (Some(p), Some(o)) => {
                let due = start + o + p * n as u32;
                tokio::time::sleep_until(due.into()).await;
                due
            }
            _ => Instant::now(),
        };
        if s >= deadline {
            break;
        }
        n += 1;
        let roll = rng.below(1000);
        if roll < 200 {
            let r = match own.take() {
                Some(name) => c
                    .delete(
                        crate::api::Kind::Pod,
                        "default",
                        &name,
                        &crate::client::DeleteOptions {
                            grace_period_seconds: Some(0),
                            ..Default::default()
                        },
                    )
                    .await
                    .map(|_| ()),
                None => {
                    let p = bench_pod(&format!("mix{k}"), n);
                    let name = p.metadata.name.clone();
                    let r = c.create(&p).await.map(|_| ());
                    own = Some(name);
                    r
                }
            };
            match r {
                Ok(()) => tm.mutating.push(s.elapsed()),
                Err(_) => tm.errors += 1,
            }
        } else if roll < 500 {
            let mine = objects.saturating_sub(k).div_ceil(clients);
            if mine == 0 {
                continue;
            }
            let i = k + clients * rng.below(mine as u64) as usize;
            let name = format!("seed-{i:06}");
            let Ok(mut p) = c.get::<Pod>("default", &name).await else {
                tm.errors += 1;
                continue;
            };
            tm.get.push(s.elapsed());
            p.metadata
                .labels
                .insert("round".into(), rng.below(1 << 30).to_string());
            let s = Instant::now();
            match c.replace(&p).await {
                Ok(_) => tm.mutating.push(s.elapsed()),
                Err(_) => tm.errors += 1,
            }
        } else if roll < 995 {
            let i = rng.below(objects as u64) as usize;
            match c.get::<Pod>("default", &format!("seed-{i:06}")).await {
                Ok(_) => tm.get.push(s.elapsed()),
                Err(_) => tm.errors += 1,
            }
        } else {
            match raw_list(&c).await {
                Ok(_) => tm.list.push(s.elapsed()),
                Err(_) => tm.errors += 1,
            }
        }
    }
    tm
}

/// `n` updates of this client's share of the seed pods, round robin, each
/// replace carrying the resourceVersion the previous one returned.
async fn update_loop(c: Client, k: usize, clients: usize, objects: usize, n: usize) -> usize {
    let mut mine: Vec<Option<Pod>> = (k..objects).step_by(clients).map(|_| None).collect();
    if mine.is_empty() {
        return 0;
    }
    let mut errors = 0;
    for u in 0..n {
        let slot = u % mine.len();
        let i = k + slot * clients;
        let current = match mine[slot].take() {
            Some(p) => p,
            None => match c.get::<Pod>("default", &format!("seed-{i:06}")).await {
                Ok(p) => p,
                Err(_) => {
                    errors += 1;
                    continue;
                }
            },
        };
        let mut p = current;
        p.metadata.labels.insert("update".into(), u.to_string());
        match c.replace(&p).await {
            Ok(p) => mine[slot] = Some(p),
            Err(_) => errors += 1,
        }
    }
    errors
}
