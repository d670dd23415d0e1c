//! The pods bound to this node: one worker per pod, fed by a list-then-watch
//! of those pods (listing again after any watch error).
//!
//! # Restarts
//!
//! On start the runtimes list every container instance they know, including
//! those a previous daemon started. After the first successful pod list, each
//! pod's worker adopts its instances (same processes, same restart counts);
//! instances of pods no longer bound here are stopped and removed. Until that
//! first list succeeds nothing is stopped: a daemon that cannot reach the
//! control daemon leaves its pods running. The first sync is announced (the
//! node reports Ready only then).
//!
//! # Fencing
//!
//! The heartbeat loop ([`super::fence`]) sends [`Command`]s: `Fence` stops
//! every pod but those annotated `ork.dev/never-fence` and ignores pod
//! changes until `Resync`, which lists the pods again, stops those no longer
//! bound here (or being deleted), starts those still bound, and answers
//! once the stale ones have stopped.
//!
//! This module must not import `control`, `cli` or `tui`.

use super::runtime::ContainerInfo;
use super::worker::{self, Handle, Observation, Shared};
use crate::api::{Object, Pod};
use crate::client::{Change, ListParams, watcher};
use futures::StreamExt;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// What the heartbeat loop asks of the pod loop.
#[derive(Debug)]
pub enum Command {
    /// Stop every fenceable pod; answers how many were stopped.
    Fence(tokio::sync::oneshot::Sender<usize>),
    /// List again and stop what is no longer bound here; answers when done.
    Resync(tokio::sync::oneshot::Sender<()>),
}

/// How long a fence or a resync waits for pods to stop.
const STOP_WAIT: Duration = Duration::from_secs(30);

struct Pods {
    shared: Arc<Shared>,
    workers: HashMap<String, Handle>,
    /// Uids of running pods annotated `ork.dev/never-fence`.
    spared: HashSet<String>,
    /// Pods were fenced: changes are ignored until the next resync.
    fenced: bool,
    /// Uids of pods found terminating by the first list.
    terminating: Vec<String>,
    /// Instances found at start, by pod uid, with the runtime that has
    /// them, until their pods are seen.
    adopted: Option<HashMap<String, Vec<(&'static str, ContainerInfo)>>>,
}

impl Pods {
    fn upsert(&mut self, pod: Pod) {
        let uid = pod.metadata.uid.clone();
        if super::fence::fenceable(&pod) {
            self.spared.remove(&uid);
        } else {
            self.spared.insert(uid.clone());
        }
        let pod = Arc::new(pod);
        self.workers.retain(|_, h| !h.join.is_finished());
        if let Some(h) = self.workers.get(&uid) {
            let _ = h.tx.send(Observation::Updated(pod));
            return;
        }
        let found = self
            .adopted
            .as_mut()
            .and_then(|a| a.remove(&uid))
            .unwrap_or_default();
        // A pod runs on one runtime: instances another runtime has of it
        // (its runtimeClassName changed) are stopped.
        let runtime = self.shared.runtimes.for_pod(&pod).ok().map(|r| r.name());
        let (adopted, strays): (Vec<_>, Vec<_>) =
            found.into_iter().partition(|(rt, _)| Some(*rt) == runtime);
        if !strays.is_empty() {
            self.stop_instances(uid.clone(), strays, true);
        }
        let adopted = adopted.into_iter().map(|(_, i)| i).collect();
        let h = worker::spawn(self.shared.clone(), pod, adopted);
        self.workers.insert(uid, h);
    }

    /// Stops and removes instances of pod `uid` in the background, and the
    /// pod's sandbox unless `keep_sandbox` (a worker runs the pod).
    fn stop_instances(
        &self,
        uid: String,
        instances: Vec<(&'static str, ContainerInfo)>,
        keep_sandbox: bool,
    ) -> tokio::task::JoinHandle<()> {
        let runtimes = self.shared.runtimes.clone();
        let services = self.shared.services.clone();
        tokio::spawn(async move {
            for (name, i) in instances {
                let Some(rt) = runtimes.get(name) else {
                    continue;
                };
                let _ = rt.stop(&i.id, Duration::from_secs(10)).await;
                let _ = rt.remove(&i.id).await;
            }
            if !keep_sandbox {
                services.leave(&uid);
                for rt in runtimes.all() {
                    let _ = rt.remove_pod(&uid).await;
                }
            }
        })
    }

    fn remove(&mut self, uid: &str) -> Option<tokio::task::JoinHandle<()>> {
        self.spared.remove(uid);
        let h = self.workers.remove(uid)?;
        let _ = h.tx.send(Observation::Removed);
        Some(h.join)
    }

    /// Stops every pod but the spared ones, and waits (bounded) for them.
    async fn fence(&mut self) -> usize {
        self.fenced = true;
        let uids: Vec<String> = self
            .workers
            .keys()
            .filter(|u| !self.spared.contains(*u))
            .cloned()
            .collect();
        let joins: Vec<_> = uids.iter().filter_map(|u| self.remove(u)).collect();
        let n = joins.len();
        tracing::warn!(
            pods = n,
            "cut off from the control daemon: stopping this node's pods (fenced)"
        );
        if tokio::time::timeout(STOP_WAIT, futures::future::join_all(joins))
            .await
            .is_err()
        {
            tracing::warn!("some fenced pods are still stopping after 30 s");
        }
        n
    }

    /// After the first full list: stop what belongs to no pod bound here, and
    /// wait (bounded) for pods being deleted to stop. Returns when done.
    async fn first_sync(&mut self) {
        let Some(orphans) = self.adopted.take() else {
            return;
        };
        let mut stops = vec![];
        for (uid, instances) in orphans {
            tracing::info!(pod_uid = %uid, count = instances.len(), "stopping containers of a pod no longer bound here");
            let keep = self.workers.contains_key(&uid);
            stops.push(self.stop_instances(uid, instances, keep));
        }
        // Sandboxes of pods that have no worker (their containers are gone).
        for rt in self.shared.runtimes.all() {
            let Ok(prepared) = rt.prepared_pods().await else {
                continue;
            };
            for uid in prepared {
                if !self.workers.contains_key(&uid) {
                    let rt = rt.clone();
                    stops.push(tokio::spawn(async move {
                        let _ = rt.remove_pod(&uid).await;
                    }));
                }
            }
        }
        let terminating: Vec<tokio::task::JoinHandle<()>> = std::mem::take(&mut self.terminating)
            .into_iter()
            .filter_map(|uid| self.workers.remove(&uid))
            .map(|h| h.join)
            .collect();
        let all = futures::future::join_all(stops.into_iter().chain(terminating));
        if tokio::time::timeout(Duration::from_secs(60), all)
            .await
            .is_err()
        {
            tracing::warn!("some pods are still stopping after 60 s; reporting Ready anyway");
        }
    }
}

/// Keeps one worker per pod bound here until shutdown; `synced` fires after
/// the first list has been acted on; `commands` come from the heartbeat loop.
pub async fn sync_pods(
    shared: Arc<Shared>,
    synced: tokio::sync::oneshot::Sender<()>,
    mut commands: tokio::sync::mpsc::UnboundedReceiver<Command>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut synced = Some(synced);
    let mut adopted: HashMap<String, Vec<(&'static str, ContainerInfo)>> = HashMap::new();
    for rt in shared.runtimes.all() {
        match rt.list().await {
            Ok(list) => {
                for c in list {
                    adopted
                        .entry(c.pod_uid.clone())
                        .or_default()
                        .push((rt.name(), c));
                }
            }
            Err(e) => {
                tracing::warn!(runtime = rt.name(), error = %e, "listing existing containers failed")
            }
        }
    }
    if !adopted.is_empty() {
        tracing::info!(pods = adopted.len(), "found containers from an earlier run");
    }
    let mut pods = Pods {
        shared: shared.clone(),
        workers: HashMap::new(),
        spared: HashSet::new(),
        fenced: false,
        terminating: vec![],
        adopted: Some(adopted),
    };
    let opts = ListParams::fields(&format!("spec.nodeName={}", shared.node_name));
    let watch = || {
        Box::pin(watcher(
            shared.client.clone(),
            crate::api::Kind::Pod,
            None,
            opts.clone(),
        ))
    };
    let mut changes = watch();
    let mut resynced: Option<tokio::sync::oneshot::Sender<()>> = None;
    loop {
        let change = tokio::select! {
            c = changes.next() => match c { Some(c) => c, None => return },
            Some(cmd) = commands.recv() => {
                match cmd {
                    Command::Fence(tx) => {
                        let n = pods.fence().await;
                        let _ = tx.send(n);
                    }
                    Command::Resync(tx) => {
                        // A watch that lived through a cut may be dead
                        // without knowing it: list afresh.
                        changes = watch();
                        resynced = Some(tx);
                    }
                }
                continue;
            }
            _ = shutdown.changed() => return,
        };
        if pods.fenced && !matches!(change, Change::Listed(_)) {
            continue;
        }
        match change {
            Change::Listed(items) if resynced.is_some() => {
                pods.fenced = false;
                let items: Vec<Pod> = items
                    .iter()
                    .filter_map(|o| Pod::from_any(o).map(|p| (**p).clone()))
                    .collect();
                let live: HashSet<String> = items.iter().map(|p| p.metadata.uid.clone()).collect();
                let gone: Vec<String> = pods
                    .workers
                    .keys()
                    .filter(|u| !live.contains(*u))
                    .cloned()
                    .collect();
                let stale: Vec<_> = gone.iter().filter_map(|u| pods.remove(u)).collect();
                let mut deleting = vec![];
                for p in items {
                    if p.metadata.is_terminating() {
                        deleting.push(p.metadata.uid.clone());
                    }
                    pods.upsert(p);
                }
                tracing::info!(
                    stale = stale.len() + deleting.len(),
                    "listed pods again after a cut; stopping those no longer bound here"
                );
                let deadline = tokio::time::Instant::now() + STOP_WAIT;
                let busy = |pods: &Pods, stale: &[tokio::task::JoinHandle<()>]| {
                    stale.iter().any(|j| !j.is_finished())
                        || deleting
                            .iter()
                            .any(|u| pods.workers.get(u).is_some_and(|h| !h.join.is_finished()))
                };
                while busy(&pods, &stale) {
                    if tokio::time::Instant::now() >= deadline {
                        tracing::warn!(
                            "some pods no longer bound here are still stopping after 30 s"
                        );
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                if let Some(tx) = resynced.take() {
                    let _ = tx.send(());
                }
            }
            Change::Listed(items) => {
                pods.fenced = false;
                let items: Vec<Pod> = items
                    .iter()
                    .filter_map(|o| Pod::from_any(o).map(|p| (**p).clone()))
                    .collect();
                let live: HashSet<String> = items.iter().map(|p| p.metadata.uid.clone()).collect();
                let gone: Vec<String> = pods
                    .workers
                    .keys()
                    .filter(|u| !live.contains(*u))
                    .cloned()
                    .collect();
                for uid in gone {
                    pods.remove(&uid);
                }
                let first = synced.is_some();
                for p in items {
                    if first && p.metadata.is_terminating() {
                        pods.terminating.push(p.metadata.uid.clone());
                    }
                    pods.upsert(p);
                }
                if let Some(tx) = synced.take() {
                    pods.first_sync().await;
                    let _ = tx.send(());
                }
            }
            Change::Applied(o) => {
                if let Some(p) = Pod::from_any(&o) {
                    pods.upsert((**p).clone());
                }
            }
            Change::Deleted(o) => {
                pods.remove(&o.meta().uid);
            }
            Change::Failed(e) => tracing::debug!(error = %e, "pod watch failed; listing again"),
        }
    }
}
