//! ReplicaSet controller: keeps exactly `replicas` active pods of its
//! template. ReplicationControllers are kept the same way, as the
//! ReplicaSets they are equivalent to ([`Replicated`]). Active means not
//! finished and not being deleted; finished pods are removed and replaced.
//! When there are too many, the pods least far along go first
//! (unscheduled, then pending, then not ready, then most restarted, then
//! newest), as Kubernetes chooses.
//!
//! Creation is bounded and stops when told. One sync creates at most
//! [`MAX_CREATE`] pods (Kubernetes' `burstReplicas`), in slow-start batches of
//! 1, 2, 4, … each in its own transaction; before every batch the set and
//! the Deployment that owns it are read again ([`creatable`]), so a
//! scale-down or a delete acknowledged between two batches stops the burst
//! at once. A refused create ends the sync, so a failing template costs one
//! attempt, not five hundred.

use super::{Controller, Key, owner_key, self_key};
use crate::api::replication::{ReplicationController, as_replica_set};
use crate::api::wire::DeleteOptions;
use crate::api::{
    Deployment, Kind, Object, OwnerReference, Pod, PodPhase, ReplicaSet, ReplicaSetStatus, Time,
    find_condition, new_object,
};
use crate::control::events::{EventType, Recorder};
use std::borrow::Cow;

const EVENTS: Recorder = Recorder("replicaset-controller");
use super::create_owned_pod;
use crate::control::ops;
use crate::control::store::{Store, StoreError, Subresource};
use std::cmp::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// Most pods created by one reconcile; the rest come on the next pass.
pub const MAX_CREATE: usize = 500;

/// What stands over a set when it is about to create pods.
#[derive(Clone, Copy, Debug)]
pub enum Owner<'a> {
    /// The set has no controlling owner.
    None,
    /// Its controlling Deployment is gone (or replaced): the set is about to
    /// be collected.
    Missing,
    Deployment(&'a Deployment),
}

/// How many more pods the set may have right now, read again before every
/// batch: its own `replicas`, capped by its Deployment's `replicas +
/// maxSurge` (the owner's scale-down counts before the set is rescaled), and
/// none while the set or its owner is being deleted or the owner is gone.
/// `active` is how many active pods the set has (counting the ones this
/// sync already made).
pub fn creatable(rs: &ReplicaSet, owner: Owner<'_>, active: usize) -> usize {
    if rs.metadata.is_terminating() {
        return 0;
    }
    let mut desired = i64::from(rs.replicas().max(0));
    match owner {
        Owner::None => {}
        Owner::Missing => return 0,
        Owner::Deployment(d) => {
            if d.metadata.is_terminating() {
                return 0;
            }
            let (surge, _) = d.surge_and_unavailable().unwrap_or((0, 0));
            let cap = i64::from(d.replicas().max(0)) + i64::from(surge.max(0));
            desired = desired.min(cap);
        }
    }
    usize::try_from(desired).unwrap_or(0).saturating_sub(active)
}

/// Kubernetes' slow start: batches of 1, 2, 4, … within a budget, so a
/// create that keeps failing fails once, and a burst stops between batches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlowStart {
    batch: usize,
    left: usize,
}

impl SlowStart {
    pub fn new(budget: usize) -> Self {
        SlowStart {
            batch: 1,
            left: budget,
        }
    }

    /// The size of the next batch when `missing` pods are still wanted
    /// (0: stop).
    pub fn next(&self, missing: usize) -> usize {
        self.batch.min(self.left).min(missing)
    }

    /// Records a batch of `n` made in full; the next may be twice as big.
    pub fn made(&mut self, n: usize) {
        self.left = self.left.saturating_sub(n);
        self.batch = self.batch.saturating_mul(2);
    }
}

/// What a reconcile will do.
#[derive(Debug, PartialEq)]
pub struct Plan {
    pub create: usize,
    /// Names of pods to delete.
    pub delete: Vec<String>,
    pub status: ReplicaSetStatus,
    /// When to look again (a pod becomes available after minReadySeconds).
    pub requeue: Option<Duration>,
}

/// Whether a pod has been Ready for at least `min_ready` seconds at `now`.
pub fn is_available(p: &Pod, min_ready: i32, now: Time) -> bool {
    let Some(c) = find_condition(&p.status.conditions, "Ready").filter(|c| c.is_true()) else {
        return false;
    };
    if min_ready <= 0 {
        return true;
    }
    c.last_transition_time
        .is_some_and(|t| t.seconds_until(&now) >= i64::from(min_ready))
}

fn phase_rank(p: &Pod) -> u8 {
    match p.status.phase {
        PodPhase::Pending => 0,
        PodPhase::Unknown => 1,
        _ => 2,
    }
}

/// Orders pods so that the ones to delete first come first.
fn deletion_order(a: &Pod, b: &Pod) -> Ordering {
    let bound = |p: &Pod| !p.spec.node_name.is_empty();
    bound(a)
        .cmp(&bound(b))
        .then(phase_rank(a).cmp(&phase_rank(b)))
        .then(a.is_ready().cmp(&b.is_ready()))
        .then(b.restart_count().cmp(&a.restart_count()))
        .then(
            b.metadata
                .creation_timestamp
                .cmp(&a.metadata.creation_timestamp),
        )
        .then(b.metadata.name.cmp(&a.metadata.name))
}

/// The pure decision: what to create, what to delete, the new status.
pub fn reconcile(rs: &ReplicaSet, owned: &[Arc<Pod>], now: Time) -> Plan {
    let desired = rs.replicas().max(0) as usize;
    let mut delete: Vec<String> = owned
        .iter()
        .filter(|p| p.is_terminal() && !p.metadata.is_terminating())
        .map(|p| p.metadata.name.clone())
        .collect();
    let mut active: Vec<&Pod> = owned
        .iter()
        .map(|p| p.as_ref())
        .filter(|p| p.is_active())
        .collect();
    let mut create = 0;
    if active.len() < desired {
        create = (desired - active.len()).min(MAX_CREATE);
    } else if active.len() > desired {
        active.sort_by(|a, b| deletion_order(a, b));
        let excess = active.len() - desired;
        delete.extend(active.drain(..excess).map(|p| p.metadata.name.clone()));
    }
    let min_ready = rs.spec.min_ready_seconds;
    let ready = active.iter().filter(|p| p.is_ready()).count() as i32;
    let available = active
        .iter()
        .filter(|p| is_available(p, min_ready, now))
        .count() as i32;
    let template_labels = &rs.spec.template.metadata.labels;
    let fully_labeled = active
        .iter()
        .filter(|p| {
            template_labels
                .iter()
                .all(|(k, v)| p.metadata.labels.get(k) == Some(v))
        })
        .count() as i32;
    let requeue = (available < ready && min_ready > 0).then(|| Duration::from_secs(1));
    Plan {
        create,
        delete,
        status: ReplicaSetStatus {
            replicas: active.len() as i32,
            fully_labeled_replicas: fully_labeled,
            ready_replicas: ready,
            available_replicas: available,
            observed_generation: rs.metadata.generation,
            conditions: rs.status.conditions.clone(),
        },
        requeue: if create == MAX_CREATE {
            Some(Duration::ZERO)
        } else {
            requeue
        },
    }
}

/// A new pod from the ReplicaSet's template, owned by it.
pub fn pod_from_template(rs: &ReplicaSet) -> Pod {
    pod_for(rs, Kind::ReplicaSet)
}

/// A new pod from the template of `rs`, owned by the object of `kind` it is
/// (a ReplicaSet, or the ReplicationController it is the view of).
fn pod_for(rs: &ReplicaSet, kind: Kind) -> Pod {
    let t = &rs.spec.template;
    let mut p: Pod = new_object(&rs.metadata.namespace, "");
    p.metadata.generate_name = format!("{}-", rs.metadata.name);
    p.metadata.labels = t.metadata.labels.clone();
    p.metadata.annotations = t.metadata.annotations.clone();
    p.metadata.owner_references = vec![OwnerReference {
        api_version: kind.api_version().into(),
        kind: kind.as_str().into(),
        name: rs.metadata.name.clone(),
        uid: rs.metadata.uid.clone(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    }];
    p.spec = t.spec.clone();
    p
}

/// What this controller keeps at its count: a ReplicaSet, or a
/// ReplicationController, run as the ReplicaSet it is equivalent to.
pub trait Replicated: Object {
    /// Who the events about it are from.
    const EVENTS: Recorder;
    /// The ReplicaSet it is, or is equivalent to.
    fn view(&self) -> Cow<'_, ReplicaSet>;
    fn set_status(&mut self, status: ReplicaSetStatus);
}

impl Replicated for ReplicaSet {
    const EVENTS: Recorder = EVENTS;
    fn view(&self) -> Cow<'_, ReplicaSet> {
        Cow::Borrowed(self)
    }
    fn set_status(&mut self, status: ReplicaSetStatus) {
        self.status = status;
    }
}

impl Replicated for ReplicationController {
    const EVENTS: Recorder = Recorder("replication-controller");
    fn view(&self) -> Cow<'_, ReplicaSet> {
        Cow::Owned(as_replica_set(self))
    }
    fn set_status(&mut self, status: ReplicaSetStatus) {
        self.status = status;
    }
}

async fn sync<T: Replicated>(store: &Store, key: Key) -> Result<Option<Duration>, StoreError> {
    let Some(set) = store.get::<T>(&key.0, &key.1) else {
        return Ok(None);
    };
    let pods = super::controlled::<Pod, _>(store, set.as_ref());
    let rs = set.view();
    let plan = reconcile(&rs, &pods, Time::now());
    if plan.create == 0 && plan.delete.is_empty() && plan.status == rs.status {
        return Ok(plan.requeue);
    }
    let requeue = plan.requeue;
    let active = usize::try_from(plan.status.replicas).unwrap_or(0);
    let budget = plan.create;
    let uid = rs.metadata.uid.clone();
    let k = key.clone();
    let current = store
        .txn(move |tx| {
            // The set may have been replaced since we read it.
            let Some(cur) = tx.get::<T>(&k.0, &k.1) else {
                return Ok(false);
            };
            if cur.meta().uid != uid {
                return Ok(false);
            }
            for name in &plan.delete {
                match ops::delete(tx, Kind::Pod, &k.0, name, &DeleteOptions::default()) {
                    Ok(_) | Err(StoreError::NotFound { .. }) => {}
                    Err(e) => return Err(e),
                }
                T::EVENTS.record(
                    tx,
                    cur.as_ref(),
                    EventType::Normal,
                    "SuccessfulDelete",
                    &format!("Deleted pod: {name}"),
                )?;
            }
            let status = plan.status;
            tx.mutate::<T, _>(&k.0, &k.1, Subresource::Status, move |r| {
                let changed = r.view().status != status;
                r.set_status(status);
                Ok(changed)
            })?;
            Ok(true)
        })
        .await?;
    if !current || budget == 0 {
        return Ok(requeue);
    }
    if create_burst::<T>(store, &key, &rs.metadata.uid, active, budget).await? {
        return Ok(Some(REFUSED_RETRY));
    }
    Ok(requeue)
}

/// Creates up to `budget` pods in slow-start batches, one transaction each,
/// reading the set and its owner again before every batch. Answers whether
/// admission refused a pod (the burst then ends).
async fn create_burst<T: Replicated>(
    store: &Store,
    key: &Key,
    uid: &str,
    active: usize,
    budget: usize,
) -> Result<bool, StoreError> {
    let mut slow = SlowStart::new(budget);
    let mut made = 0;
    loop {
        let (k, uid, batch) = (key.clone(), uid.to_string(), slow);
        let have = active + made;
        let (n, refused) = store
            .txn(move |tx| {
                let Some(set) = tx.get::<T>(&k.0, &k.1) else {
                    return Ok((0, false));
                };
                let cur = set.view();
                if cur.metadata.uid != uid {
                    return Ok((0, false));
                }
                let deployment = cur
                    .metadata
                    .controller()
                    .filter(|r| r.kind == Kind::Deployment.as_str())
                    .map(|r| {
                        tx.get::<Deployment>(&k.0, &r.name)
                            .filter(|d| d.metadata.uid == r.uid)
                    });
                let owner = match &deployment {
                    None => Owner::None,
                    Some(None) => Owner::Missing,
                    Some(Some(d)) => Owner::Deployment(d),
                };
                let n = batch.next(creatable(&cur, owner, have));
                for i in 0..n {
                    // A refused pod is reported on the set; what was done
                    // stays, and the set tries again later.
                    let pod = pod_for(&cur, T::KIND);
                    let Some(p) = create_owned_pod(tx, T::EVENTS, set.as_ref(), pod)? else {
                        return Ok((i, true));
                    };
                    T::EVENTS.record(
                        tx,
                        set.as_ref(),
                        EventType::Normal,
                        "SuccessfulCreate",
                        &format!("Created pod: {}", p.metadata.name),
                    )?;
                }
                Ok((n, false))
            })
            .await?;
        if refused {
            return Ok(true);
        }
        if n == 0 {
            return Ok(false);
        }
        made += n;
        slow.made(n);
    }
}

/// How long a set whose pods admission refused (a quota is full) waits
/// before trying again, unless one of its pods changes first.
const REFUSED_RETRY: Duration = Duration::from_secs(5);

/// Starts the controllers' watches and workers: one for ReplicaSets, one
/// for ReplicationControllers.
pub fn start(store: Store, shutdown: watch::Receiver<bool>) {
    Controller::new("replicaset", store.clone(), shutdown.clone())
        .watch(Kind::ReplicaSet, self_key)
        .watch(Kind::Pod, |ev| owner_key(ev, Kind::ReplicaSet))
        .run(Kind::ReplicaSet, |store, key| async move {
            sync::<ReplicaSet>(&store, key).await
        });
    Controller::new("replicationcontroller", store, shutdown)
        .watch(Kind::ReplicationController, self_key)
        .watch(Kind::Pod, |ev| owner_key(ev, Kind::ReplicationController))
        .run(Kind::ReplicationController, |store, key| async move {
            sync::<ReplicationController>(&store, key).await
        });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::meta::Condition as Cond;
    use crate::api::testing::Build;

    /// `web-abc`, a set of `web` pods at generation 4.
    fn rs(replicas: i32) -> ReplicaSet {
        let mut r = ReplicaSet::test("web", replicas).with_uid("rs-uid");
        r.metadata.name = "web-abc".into();
        r.metadata.generation = 4;
        r
    }

    struct P(Pod);
    impl P {
        fn new(name: &str, age_s: i64) -> Self {
            let mut p = pod_from_template(&rs(1));
            p.metadata.name = name.into();
            p.metadata.creation_timestamp =
                Some(Time(chrono::Utc::now() - chrono::Duration::seconds(age_s)));
            P(p)
        }
        fn running(mut self, node: &str) -> Self {
            self.0.spec.node_name = node.into();
            self.0.status.phase = PodPhase::Running;
            self
        }
        fn ready(mut self) -> Self {
            self.0.status.conditions = vec![Cond::new("Ready", true, "", "")];
            self
        }
        fn failed(mut self) -> Self {
            self.0.status.phase = PodPhase::Failed;
            self
        }
        fn terminating(mut self) -> Self {
            self.0.metadata.deletion_timestamp = Some(Time::now());
            self
        }
        fn done(self) -> Arc<Pod> {
            Arc::new(self.0)
        }
    }

    #[test]
    fn missing_pods_are_created() {
        let plan = reconcile(
            &rs(3),
            &[P::new("a", 10).running("n1").ready().done()],
            Time::now(),
        );
        assert_eq!(plan.create, 2);
        assert!(plan.delete.is_empty());
        assert_eq!(plan.status.replicas, 1);
        assert_eq!(plan.status.ready_replicas, 1);
        assert_eq!(plan.status.observed_generation, 4);
    }

    #[test]
    fn the_least_advanced_pods_are_deleted_first() {
        let pods = vec![
            P::new("ready-old", 100).running("n1").ready().done(),
            P::new("unscheduled", 50).done(),
            P::new("running-not-ready", 20).running("n1").done(),
            P::new("ready-new", 10).running("n2").ready().done(),
        ];
        let plan = reconcile(&rs(2), &pods, Time::now());
        assert_eq!(plan.create, 0);
        assert_eq!(plan.delete, vec!["unscheduled", "running-not-ready"]);
        let plan = reconcile(&rs(1), &pods, Time::now());
        assert_eq!(
            plan.delete,
            vec!["unscheduled", "running-not-ready", "ready-new"]
        );
    }

    #[test]
    fn terminating_pods_do_not_count_and_finished_ones_are_replaced() {
        let pods = vec![
            P::new("going", 10)
                .running("n1")
                .ready()
                .terminating()
                .done(),
            P::new("crashed", 10).running("n1").failed().done(),
            P::new("ok", 10).running("n1").ready().done(),
        ];
        let plan = reconcile(&rs(2), &pods, Time::now());
        assert_eq!(plan.create, 1);
        assert_eq!(plan.delete, vec!["crashed"]);
        assert_eq!(plan.status.replicas, 1);
    }

    #[test]
    fn reconciling_a_settled_set_changes_nothing() {
        let pods = vec![
            P::new("a", 10).running("n1").ready().done(),
            P::new("b", 10).running("n2").ready().done(),
        ];
        let mut r = rs(2);
        let plan = reconcile(&r, &pods, Time::now());
        r.status = plan.status;
        let again = reconcile(&r, &pods, Time::now());
        assert_eq!((again.create, again.delete.len()), (0, 0));
        assert_eq!(again.status, r.status);
    }

    #[test]
    fn creation_is_batched() {
        let plan = reconcile(&rs(5000), &[], Time::now());
        assert_eq!(plan.create, MAX_CREATE);
        assert_eq!(plan.requeue, Some(Duration::ZERO));
    }

    /// Drives a burst as `create_burst` does, with the world changing
    /// between batches: `between(batch_index, &mut set, &mut deployment)`.
    fn burst(
        set: &mut ReplicaSet,
        d: &mut Deployment,
        active: usize,
        mut between: impl FnMut(usize, &mut ReplicaSet, &mut Deployment),
    ) -> Vec<usize> {
        let plan = reconcile(set, &[], Time::now());
        let mut slow = SlowStart::new(plan.create);
        let (mut made, mut batches) = (0, vec![]);
        loop {
            between(batches.len(), set, d);
            let n = slow.next(creatable(set, Owner::Deployment(d), active + made));
            if n == 0 {
                return batches;
            }
            batches.push(n);
            made += n;
            slow.made(n);
        }
    }

    #[test]
    fn a_burst_grows_by_slow_start_within_the_budget() {
        let (mut set, mut d) = (rs(100_000), Deployment::test("web", 100_000));
        let batches = burst(&mut set, &mut d, 0, |_, _, _| {});
        assert_eq!(batches, vec![1, 2, 4, 8, 16, 32, 64, 128, 245]);
        assert_eq!(batches.iter().sum::<usize>(), MAX_CREATE);
    }

    #[test]
    fn a_lowered_count_mid_burst_stops_the_creates() {
        // The deployment is scaled to 0 after four batches (15 pods); the set
        // itself still says 100000: not one more pod.
        let (mut set, mut d) = (rs(100_000), Deployment::test("web", 100_000));
        let batches = burst(&mut set, &mut d, 0, |i, _, d| {
            if i == 4 {
                d.spec.replicas = Some(0);
            }
        });
        assert_eq!(batches, vec![1, 2, 4, 8]);
        // Lowered on the set to 20 after 15: only 5 more.
        let (mut set, mut d) = (rs(100_000), Deployment::test("web", 100_000));
        let batches = burst(&mut set, &mut d, 0, |i, s, _| {
            if i == 4 {
                s.spec.replicas = Some(20);
            }
        });
        assert_eq!(batches, vec![1, 2, 4, 8, 5]);
    }

    #[test]
    fn a_delete_mid_burst_stops_the_creates() {
        let (mut set, mut d) = (rs(1000), Deployment::test("web", 1000));
        let batches = burst(&mut set, &mut d, 0, |i, _, d| {
            if i == 2 {
                d.metadata.deletion_timestamp = Some(Time::now());
            }
        });
        assert_eq!(batches, vec![1, 2]);
        let (mut set, mut d) = (rs(1000), Deployment::test("web", 1000));
        let batches = burst(&mut set, &mut d, 0, |i, s, _| {
            if i == 3 {
                s.metadata.deletion_timestamp = Some(Time::now());
            }
        });
        assert_eq!(batches, vec![1, 2, 4]);
        assert_eq!(creatable(&rs(10), Owner::Missing, 0), 0);
    }

    #[test]
    fn a_set_never_outgrows_its_deployment_and_surge() {
        // 10 replicas, maxSurge 25% rounds up to 3.
        let d = Deployment::test("web", 10);
        assert_eq!(creatable(&rs(50), Owner::Deployment(&d), 0), 13);
        assert_eq!(creatable(&rs(50), Owner::Deployment(&d), 13), 0);
        assert_eq!(creatable(&rs(5), Owner::Deployment(&d), 2), 3);
        assert_eq!(creatable(&rs(5), Owner::None, 7), 0);
        assert_eq!(creatable(&rs(i32::MAX), Owner::None, 0), i32::MAX as usize);
    }

    #[test]
    fn availability_waits_for_min_ready_seconds() {
        let mut r = rs(1);
        r.spec.min_ready_seconds = 30;
        let mut p = P::new("a", 100).running("n1").ready();
        p.0.status.conditions[0].last_transition_time = Some(Time::now());
        let plan = reconcile(&r, &[p.done()], Time::now());
        assert_eq!(
            (plan.status.ready_replicas, plan.status.available_replicas),
            (1, 0)
        );
        assert!(plan.requeue.is_some());
    }

    #[test]
    fn pods_from_the_template_are_owned_by_the_set() {
        let p = pod_from_template(&rs(1));
        assert_eq!(p.metadata.generate_name, "web-abc-");
        assert_eq!(p.metadata.controller().unwrap().uid, "rs-uid");
        assert_eq!(p.metadata.labels["app"], "web");
    }
}
