//! The scheduling loop: keeps a [`Snapshot`] of nodes and their load up to
//! date from watches (never querying per pod), takes the pending pods in
//! batches, places each with the pure [`Scheduler`] (counting placements of
//! the same batch), and binds the batch in one store transaction that
//! re-checks each node's capacity against the store, so two decisions never
//! overcommit a node. A pod that fits nowhere gets the condition
//! `PodScheduled=False` with the reason summary and a `FailedScheduling`
//! event; it is retried when nodes or pods change, and every few seconds.
//! Pending pods are taken highest priority first (then oldest); gated pods
//! (`schedulingGates`) wait outside the queue until their gates are gone;
//! a pod that fits nowhere may preempt pods of lower priority
//! ([`crate::control::preemption`]), sparing those PodDisruptionBudgets
//! protect where it can; the pods nominated to a node that way keep their
//! room there ([`crate::scheduler::Nominations`]) until they are placed.

use crate::api::pdb::PodDisruptionBudget;
use crate::api::volume::PersistentVolumeClaim;
use crate::api::{Condition, Kind, Node, Pod, PodPhase, Time, find_condition, set_condition};
use crate::control::events::{EventType, Recorder};
use crate::control::store::{ChangeType, Store, StoreError, Subresource, Tx, WatchEvent};
use crate::scheduler::{PodUsage, Preemption, Scheduler, Snapshot};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

const EVENTS: Recorder = Recorder("default-scheduler");

/// Most pods placed per batch (one store transaction).
pub const BATCH: usize = 1000;
/// How often unschedulable pods are tried again without any change.
pub const RETRY: Duration = Duration::from_secs(5);

type PodKey = (String, String);
/// Queue order: higher priority first, then older.
type Order = (std::cmp::Reverse<i32>, Option<Time>);

fn order_of(p: &Pod) -> Order {
    (
        std::cmp::Reverse(p.priority()),
        p.metadata.creation_timestamp,
    )
}

/// Whether ork provisions the claim (its class, or the default one, is
/// ork's), from the store's classes.
fn claim_provisioning(
    store: &Store,
    claim: &PersistentVolumeClaim,
) -> Result<(), crate::api::storageclass::Unprovisioned> {
    use crate::api::storageclass::{StorageClass, default_class, provisioning};
    let classes = store.list::<StorageClass>(None);
    let default = default_class(classes.iter().map(|c| c.as_ref()));
    provisioning(
        claim,
        |n| store.get::<StorageClass>("", n),
        default.as_deref(),
    )
}

#[derive(Default)]
struct State {
    snapshot: Snapshot,
    /// Each counted pod's node and usage, by uid.
    counted: HashMap<String, (String, PodUsage)>,
    pending: BTreeSet<(Order, PodKey)>,
    pending_keys: HashMap<PodKey, Order>,
    unschedulable: HashMap<PodKey, Order>,
}

impl State {
    fn uncount(&mut self, uid: &str) {
        if let Some((node, usage)) = self.counted.remove(uid)
            && let Some(info) = self.snapshot.nodes.get_mut(&node)
        {
            info.remove(&usage);
        }
    }

    fn count(&mut self, uid: &str, node: &str, usage: PodUsage) {
        self.uncount(uid);
        if let Some(info) = self.snapshot.nodes.get_mut(node) {
            info.add(&usage);
        }
        self.counted
            .insert(uid.to_string(), (node.to_string(), usage));
    }

    fn enqueue(&mut self, key: PodKey, created: Order) {
        self.unschedulable.remove(&key);
        if self.pending_keys.insert(key.clone(), created).is_none() {
            self.pending.insert((created, key));
        }
    }

    fn dequeue(&mut self, key: &PodKey) {
        self.unschedulable.remove(key);
        if let Some(created) = self.pending_keys.remove(key) {
            self.pending.remove(&(created, key.clone()));
        }
    }

    fn retry_unschedulable(&mut self) {
        let keys: Vec<(PodKey, Order)> = self.unschedulable.drain().collect();
        for (k, t) in keys {
            self.enqueue(k, t);
        }
    }

    fn on_node(&mut self, ev: &WatchEvent) {
        let crate::api::AnyObject::Node(n) = &ev.obj else {
            return;
        };
        let name = n.metadata.name.clone();
        if ev.type_ == ChangeType::Deleted {
            self.snapshot.nodes.remove(&name);
            return;
        }
        match self.snapshot.nodes.get_mut(&name) {
            Some(info) => info.set_node(n.clone()),
            None => {
                let mut info = crate::scheduler::NodeInfo::new(n.clone());
                for (node, usage) in self.counted.values() {
                    if *node == name {
                        info.add(usage);
                    }
                }
                self.snapshot.nodes.insert(name, info);
            }
        }
        self.retry_unschedulable();
    }

    fn on_pod(&mut self, ev: &WatchEvent) {
        let crate::api::AnyObject::Pod(p) = &ev.obj else {
            return;
        };
        let key = (p.metadata.namespace.clone(), p.metadata.name.clone());
        let uid = p.metadata.uid.clone();
        let gone = ev.type_ == ChangeType::Deleted;
        if gone || p.is_terminal() {
            let freed =
                self.counted.contains_key(&uid) || self.snapshot.nominated.node_of(&uid).is_some();
            self.snapshot.nominated.remove(&uid);
            self.uncount(&uid);
            self.dequeue(&key);
            if freed {
                self.retry_unschedulable();
            }
            return;
        }
        if !p.spec.node_name.is_empty() || p.metadata.is_terminating() {
            self.snapshot.nominated.remove(&uid);
        } else if !p.status.nominated_node_name.is_empty() {
            self.snapshot
                .nominated
                .add(&p.status.nominated_node_name, PodUsage::of(p));
        }
        if !p.spec.node_name.is_empty() {
            self.dequeue(&key);
            self.count(&uid, &p.spec.node_name.clone(), PodUsage::of(p));
        } else if p.metadata.is_terminating() || p.is_gated() {
            self.dequeue(&key);
        } else if !self.unschedulable.contains_key(&key) || ev.type_ == ChangeType::Added {
            self.enqueue(key, order_of(p));
        }
    }
}

/// A placement decided for one pod.
#[derive(Clone)]
struct Bind {
    key: PodKey,
    uid: String,
    node: String,
    order: Order,
}

/// What is bound to a node, as counted inside a bind transaction.
struct NodeLoad {
    info: crate::scheduler::NodeInfo,
    ok: bool,
}

/// Re-checks, inside the transaction, that the node still exists, is Ready,
/// schedulable, and holds the pod on top of what is bound there now. Each
/// node's load is counted once per transaction and then kept up to date as
/// pods are bound, so a batch costs the pods on its nodes plus the batch.
fn still_fits(tx: &Tx<'_>, loads: &mut HashMap<String, NodeLoad>, node: &str, pod: &Pod) -> bool {
    let load = loads.entry(node.to_string()).or_insert_with(|| {
        let Some(n) = tx.get::<Node>("", node) else {
            return NodeLoad {
                info: crate::scheduler::NodeInfo::new(Arc::new(Node::default())),
                ok: false,
            };
        };
        let ok = n.is_ready() && !n.spec.unschedulable;
        let mut info = crate::scheduler::NodeInfo::new(n);
        for p in tx.pods_on_node(node) {
            if !p.is_terminal() {
                info.add(&PodUsage::of(&p));
            }
        }
        NodeLoad { info, ok }
    });
    let u = PodUsage::of(pod);
    let i = &load.info;
    let fits = load.ok
        && i.pod_count < i.alloc_pods
        && (u.cpu_milli == 0 || i.req_cpu_milli + u.cpu_milli <= i.alloc_cpu_milli)
        && (u.memory_bytes == 0 || i.req_memory_bytes + u.memory_bytes <= i.alloc_memory_bytes)
        && i.extended_shortfall(&u).is_none();
    if fits {
        load.info.add(&u);
    }
    fits
}

fn scheduled_condition(ok: bool, message: &str) -> Condition {
    if ok {
        Condition::new("PodScheduled", true, "", "")
    } else {
        Condition::new("PodScheduled", false, "Unschedulable", message)
    }
}

/// Binds and records; returns the binds that did not hold.
fn commit(
    tx: &mut Tx<'_>,
    binds: &[Bind],
    failed: &[(PodKey, String, String)],
    preempted: &[(PodKey, String, Preemption)],
) -> Result<Vec<usize>, StoreError> {
    for (key, uid, p) in preempted {
        crate::control::preemption::apply(tx, &key.0, &key.1, uid, p)?;
    }
    let mut rejected = vec![];
    let mut loads = HashMap::new();
    for (i, b) in binds.iter().enumerate() {
        let Some(pod) = tx.get::<Pod>(&b.key.0, &b.key.1) else {
            continue;
        };
        if pod.metadata.uid != b.uid
            || !pod.spec.node_name.is_empty()
            || pod.metadata.is_terminating()
        {
            continue;
        }
        // A claim bound meanwhile to another node (two pods of one new claim
        // in a batch): this pod goes back to the queue and follows the claim.
        let claims: Vec<String> = crate::api::volume::claims_of(&pod.spec)
            .into_iter()
            .map(str::to_string)
            .collect();
        let elsewhere = claims.iter().any(|c| {
            tx.get::<PersistentVolumeClaim>(&b.key.0, c)
                .is_some_and(|pvc| pvc.node().is_some_and(|n| n != b.node))
        });
        if elsewhere || !still_fits(tx, &mut loads, &b.node, &pod) {
            rejected.push(i);
            continue;
        }
        // Node-local claims bind to the node of their first pod, for good.
        for c in &claims {
            let unbound = tx
                .get::<PersistentVolumeClaim>(&b.key.0, c)
                .is_some_and(|pvc| pvc.node().is_none());
            if !unbound {
                continue;
            }
            let node = b.node.clone();
            tx.mutate::<PersistentVolumeClaim, _>(&b.key.0, c, Subresource::Main, move |pvc| {
                pvc.metadata
                    .annotations
                    .insert(crate::api::volume::SELECTED_NODE.into(), node);
                Ok(true)
            })?;
            tx.mutate::<PersistentVolumeClaim, _>(&b.key.0, c, Subresource::Status, |pvc| {
                pvc.status.phase = "Bound".into();
                pvc.status.access_modes = pvc.spec.access_modes.clone();
                pvc.status.capacity = pvc.spec.resources.requests.clone();
                Ok(true)
            })?;
        }
        // The node and the PodScheduled condition in one write: watchers
        // never see a pod bound without it.
        let node = b.node.clone();
        let bound = tx.mutate_with::<Pod, _, _>(
            &b.key.0,
            &b.key.1,
            move |p| {
                p.spec.node_name = node;
                p.status.nominated_node_name.clear();
                set_condition(&mut p.status.conditions, scheduled_condition(true, ""));
                Ok(true)
            },
            |tx, p| tx.update_with_status(p),
        )?;
        EVENTS.record(
            tx,
            bound.as_ref(),
            EventType::Normal,
            "Scheduled",
            &format!(
                "Successfully assigned {}/{} to {}",
                b.key.0, b.key.1, b.node
            ),
        )?;
    }
    for (key, uid, message) in failed {
        let Some(pod) = tx.get::<Pod>(&key.0, &key.1) else {
            continue;
        };
        if pod.metadata.uid != *uid || !pod.spec.node_name.is_empty() {
            continue;
        }
        let already = find_condition(&pod.status.conditions, "PodScheduled")
            .is_some_and(|c| c.reason == "Unschedulable" && c.message == *message);
        if already {
            continue;
        }
        let msg = message.clone();
        let updated = tx.mutate::<Pod, _>(&key.0, &key.1, Subresource::Status, move |p| {
            p.status.phase = PodPhase::Pending;
            Ok(set_condition(
                &mut p.status.conditions,
                scheduled_condition(false, &msg),
            ))
        })?;
        EVENTS.record(
            tx,
            updated.as_ref(),
            EventType::Warning,
            "FailedScheduling",
            message,
        )?;
    }
    Ok(rejected)
}

async fn schedule_batch(store: &Store, sched: &Scheduler, st: &mut State) {
    let mut binds = vec![];
    let mut failed = vec![];
    let mut preempted = vec![];
    while binds.len() + failed.len() < BATCH {
        let Some((created, key)) = st.pending.pop_first() else {
            break;
        };
        st.pending_keys.remove(&key);
        let Some(pod) = store.get::<Pod>(&key.0, &key.1) else {
            continue;
        };
        if !pod.spec.node_name.is_empty()
            || !pod.is_active()
            || pod.is_gated()
            || !pod.spec.for_default_scheduler()
        {
            continue;
        }
        // Node-local claims: missing ones, and ones ork does not provision
        // (another provisioner's class), keep the pod pending; a bound one
        // pins it to the claim's node.
        let mut waiting = None;
        let mut pinned: Option<(String, String)> = None;
        for c in crate::api::volume::claims_of(&pod.spec) {
            match store.get::<PersistentVolumeClaim>(&key.0, c) {
                None => waiting = Some(format!("persistentvolumeclaim {c:?} not found")),
                Some(pvc) => {
                    if let Some(n) = pvc.node() {
                        pinned = Some((c.to_string(), n.to_string()));
                    } else if let Err(why) = claim_provisioning(store, &pvc) {
                        waiting = Some(format!(
                            "persistentvolumeclaim {c:?} is not provisioned: {}",
                            why.message()
                        ));
                    }
                }
            }
        }
        if let Some(why) = waiting {
            st.unschedulable.insert(key.clone(), created);
            let msg = format!("0/{} nodes are available: {why}", st.snapshot.nodes.len());
            failed.push((key, pod.metadata.uid.clone(), msg));
            continue;
        }
        let started = std::time::Instant::now();
        let decided = match &pinned {
            None => sched.schedule(&st.snapshot, &pod),
            Some((claim, node)) => {
                let mut p = pod.as_ref().clone();
                p.spec
                    .node_selector
                    .insert("kubernetes.io/hostname".into(), node.clone());
                sched.schedule(&st.snapshot, &p).map_err(|mut e| {
                    e.message = format!(
                        "{} (claim {claim:?} is bound to node {node}: its pods run only there)",
                        e.message.trim_end_matches('.')
                    );
                    e
                })
            }
        };
        crate::control::telemetry::global().schedule_attempt(
            if decided.is_ok() {
                "scheduled"
            } else {
                "unschedulable"
            },
            started.elapsed(),
        );
        match decided {
            Ok(node) => {
                st.snapshot.nominated.remove(&pod.metadata.uid);
                st.count(&pod.metadata.uid, &node, PodUsage::of(&pod));
                binds.push(Bind {
                    key,
                    uid: pod.metadata.uid.clone(),
                    node,
                    order: created,
                });
            }
            Err(mut e) => {
                st.unschedulable.insert(key.clone(), created);
                let prio = pod.priority();
                if st
                    .snapshot
                    .nodes
                    .values()
                    .any(|n| n.has_lower_priority(prio))
                {
                    let budgets = store.list::<PodDisruptionBudget>(None);
                    match sched.preempt(
                        &st.snapshot,
                        &pod,
                        &e,
                        &|n| store.pods_on_node(n),
                        &budgets,
                    ) {
                        Ok(p) => {
                            // The room is the pod's from now on, before the
                            // nomination comes back through the watch.
                            st.snapshot.nominated.add(&p.node, PodUsage::of(&pod));
                            preempted.push((key.clone(), pod.metadata.uid.clone(), p));
                        }
                        Err(why) => e.message = format!("{} {why}", e.message),
                    }
                }
                failed.push((key, pod.metadata.uid.clone(), e.message));
            }
        }
    }
    if binds.is_empty() && failed.is_empty() {
        return;
    }
    let plan: Vec<(PodKey, String, Order)> = binds
        .iter()
        .map(|b| (b.key.clone(), b.uid.clone(), b.order))
        .collect();
    let result = store
        .txn(move |tx| commit(tx, &binds, &failed, &preempted))
        .await;
    match result {
        Ok(rejected) => {
            for i in rejected {
                let (key, uid, order) = &plan[i];
                st.uncount(uid);
                st.enqueue(key.clone(), (order.0, None));
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, "binding a batch failed; retrying");
            for (key, uid, order) in plan {
                st.uncount(&uid);
                st.enqueue(key, (order.0, None));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

/// Starts the loop.
pub fn start(store: Store, scheduler: Arc<Scheduler>, mut shutdown: watch::Receiver<bool>) {
    tokio::spawn(async move {
        'restart: loop {
            let mut st = State::default();
            let (mut nodes, mut pods) = match (
                store.watch(Some(Kind::Node), None).await,
                store.watch(Some(Kind::Pod), None).await,
            ) {
                (Ok(n), Ok(p)) => (n, p),
                _ => {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            };
            let mut retry = tokio::time::interval(RETRY);
            loop {
                // Drain whatever changes are ready before placing anything.
                let busy = !st.pending.is_empty();
                tokio::select! {
                    biased;
                    _ = shutdown.changed() => return,
                    ev = nodes.next() => match ev {
                        Some(Ok(ev)) => st.on_node(&ev),
                        Some(Err(_)) => continue 'restart,
                        None => return,
                    },
                    ev = pods.next() => match ev {
                        Some(Ok(ev)) => st.on_pod(&ev),
                        Some(Err(_)) => continue 'restart,
                        None => return,
                    },
                    _ = retry.tick() => st.retry_unschedulable(),
                    _ = std::future::ready(()), if busy => {
                        schedule_batch(&store, &scheduler, &mut st).await;
                    }
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{Container, Namespace, Quantity, new_object};
    use crate::control::store::Sqlite;

    async fn store() -> (Store, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(Arc::new(Sqlite::open(&dir.path().join("ork.db")).unwrap())).unwrap();
        s.create(new_object::<Namespace>("", "default"))
            .await
            .unwrap();
        (s, dir)
    }

    fn node(name: &str, cpu: &str) -> Node {
        let mut n: Node = new_object("", name);
        for (k, v) in [("cpu", cpu), ("memory", "4Gi"), ("pods", "110")] {
            n.status
                .allocatable
                .insert(k.into(), v.parse::<Quantity>().unwrap());
        }
        n.status.conditions = vec![Condition::new("Ready", true, "NodeReady", "")];
        n
    }

    fn pod(name: &str, cpu: &str) -> Pod {
        let mut p: Pod = new_object("default", name);
        let mut c = Container {
            name: "c".into(),
            ..Default::default()
        };
        c.resources
            .requests
            .insert("cpu".into(), cpu.parse().unwrap());
        p.spec.containers = vec![c];
        p
    }

    async fn until<F: Fn() -> bool>(what: &str, f: F) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while !f() {
            assert!(
                tokio::time::Instant::now() < deadline,
                "timed out waiting for {what}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    #[tokio::test]
    async fn pods_are_spread_and_never_overcommit() {
        let (s, _d) = store().await;
        let (_tx, rx) = watch::channel(false);
        start(s.clone(), Arc::new(Scheduler::default()), rx);
        s.create(node("n1", "2")).await.unwrap();
        s.create(node("n2", "2")).await.unwrap();
        for i in 0..5 {
            s.create(pod(&format!("p{i}"), "1")).await.unwrap();
        }
        until("4 pods bound", || {
            s.list::<Pod>(None)
                .iter()
                .filter(|p| !p.spec.node_name.is_empty())
                .count()
                == 4
        })
        .await;
        until("the fifth marked unschedulable", || {
            s.list::<Pod>(None).iter().any(|p| {
                find_condition(&p.status.conditions, "PodScheduled")
                    .is_some_and(|c| c.message == "0/2 nodes are available: 2 Insufficient cpu.")
            })
        })
        .await;
        assert_eq!(s.pods_on_node("n1").len(), 2);
        assert_eq!(s.pods_on_node("n2").len(), 2);
        // Capacity arrives: the waiting pod is placed.
        s.create(node("n3", "2")).await.unwrap();
        until("the fifth placed on the new node", || {
            s.pods_on_node("n3").len() == 1
        })
        .await;
        let ev: Vec<_> = s
            .list::<crate::api::Event>(None)
            .iter()
            .filter(|e| e.reason == "FailedScheduling")
            .cloned()
            .collect();
        assert_eq!(ev.len(), 1);
    }

    #[tokio::test]
    async fn a_bind_is_one_write_carrying_the_node_and_the_scheduled_condition() {
        let (s, _d) = store().await;
        s.create(node("n1", "2")).await.unwrap();
        let created = s.create(pod("a", "1")).await.unwrap();
        let mut w = s.watch(Some(Kind::Pod), Some(s.revision())).await.unwrap();
        let (_tx, rx) = watch::channel(false);
        start(s.clone(), Arc::new(Scheduler::default()), rx);
        let ev = tokio::time::timeout(Duration::from_secs(10), w.next())
            .await
            .expect("a bind within 10 s")
            .expect("stream open")
            .expect("no error");
        let crate::api::AnyObject::Pod(p) = &ev.obj else {
            panic!("not a pod: {:?}", ev.kind);
        };
        assert_eq!(p.spec.node_name, "n1");
        assert!(
            find_condition(&p.status.conditions, "PodScheduled").is_some_and(|c| c.is_true()),
            "{:?}",
            p.status.conditions
        );
        assert_eq!(p.metadata.generation, created.metadata.generation + 1);
        let ev: Vec<_> = s
            .list::<crate::api::Event>(None)
            .iter()
            .filter(|e| e.reason == "Scheduled")
            .map(|e| e.message.clone())
            .collect();
        assert_eq!(ev, ["Successfully assigned default/a to n1"]);
    }

    #[tokio::test]
    async fn a_deleted_pod_frees_room_for_a_waiting_one() {
        let (s, _d) = store().await;
        let (_tx, rx) = watch::channel(false);
        start(s.clone(), Arc::new(Scheduler::default()), rx);
        s.create(node("n1", "1")).await.unwrap();
        s.create(pod("a", "1")).await.unwrap();
        until("a bound", || s.pods_on_node("n1").len() == 1).await;
        s.create(pod("b", "1")).await.unwrap();
        until("b waiting", || {
            s.get::<Pod>("default", "b").is_some_and(|p| {
                find_condition(&p.status.conditions, "PodScheduled").is_some_and(|c| !c.is_true())
            })
        })
        .await;
        s.delete::<Pod>("default", "a", Default::default())
            .await
            .unwrap();
        until("b bound", || {
            s.get::<Pod>("default", "b")
                .is_some_and(|p| p.spec.node_name == "n1")
        })
        .await;
    }
}
