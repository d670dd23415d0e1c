//! The HorizontalPodAutoscaler controller: every sync period it reads, for
//! each HPA, its target (Deployment or ReplicaSet), the pods the target
//! selects and their usage from [`crate::control::usage`], and asks
//! [`decide`] what to do; then it scales the target, records a
//! `SuccessfulRescale` event and writes the HPA's status (current/desired
//! replicas, current metrics, AbleToScale / ScalingActive / ScalingLimited)
//! in one store transaction.
//!
//! Decisions are [`decide`]'s (pure, table-tested in `tests.rs`); this file
//! is the loop around it and remembers recent recommendations for the
//! stabilization windows. It must not import `http`.

mod decide;

pub use decide::{Decision, Rescale, Scale, decide};

use crate::api::autoscaling::{HorizontalPodAutoscaler, HpaStatus};
use crate::api::metrics::Usage;
use crate::api::{Deployment, Pod, ReplicaSet, Selector, Time};
use crate::control::events::{EventType, Recorder};
use crate::control::store::{Store, StoreError, Subresource};
use crate::control::usage::UsageStore;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// How often every HPA is evaluated (Kubernetes: 15 s).
pub const DEFAULT_SYNC_PERIOD: Duration = Duration::from_secs(15);

const EVENTS: Recorder = Recorder("horizontal-pod-autoscaler");

/// What the controller remembers between syncs: recent recommendations per
/// HPA uid, newest last.
#[derive(Default)]
struct Memory {
    recommendations: HashMap<String, Vec<(Instant, i32)>>,
}

impl Memory {
    /// The recommendations within the HPA's windows, as (seconds ago,
    /// replicas); `None` for an HPA without any.
    fn past(&mut self, h: &HorizontalPodAutoscaler, now: Instant) -> Option<Vec<(i64, i32)>> {
        let keep = Duration::from_secs(
            h.spec
                .scale_down_window_seconds()
                .max(h.spec.scale_up_window_seconds()) as u64,
        );
        let history = self.recommendations.get_mut(&h.metadata.uid)?;
        history.retain(|(at, _)| now.duration_since(*at) <= keep);
        Some(
            history
                .iter()
                .map(|(at, r)| (now.duration_since(*at).as_secs() as i64, *r))
                .collect(),
        )
    }

    /// Remembers a recommendation; an HPA's first one comes after its size
    /// at the time.
    fn remember(&mut self, uid: &str, now: Instant, current: i32, recommended: i32) {
        self.recommendations
            .entry(uid.to_string())
            .or_insert_with(|| vec![(now, current)])
            .push((now, recommended));
    }
}

pub fn start(
    store: Store,
    usage: UsageStore,
    period: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    tokio::spawn(async move {
        let mut mem = Memory::default();
        let mut tick = tokio::time::interval(period);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = shutdown.changed() => return,
            }
            let hpas = store.list::<HorizontalPodAutoscaler>(None);
            let live: Vec<String> = hpas.iter().map(|h| h.metadata.uid.clone()).collect();
            mem.recommendations.retain(|k, _| live.contains(k));
            for h in hpas {
                if h.metadata.is_terminating() {
                    continue;
                }
                if let Err(e) = sync(&store, &usage, &mut mem, &h).await {
                    tracing::debug!(hpa = %h.metadata.name, error = %e, "autoscaler sync failed");
                }
            }
        }
    });
}

/// The target's replicas and pod selector.
fn target(store: &Store, h: &HorizontalPodAutoscaler) -> Result<(i32, Selector), String> {
    let ns = &h.metadata.namespace;
    let t = &h.spec.scale_target_ref;
    let (replicas, selector) = match t.kind.as_str() {
        "Deployment" => {
            let d = store
                .get::<Deployment>(ns, &t.name)
                .ok_or_else(|| format!("the target Deployment {:?} does not exist", t.name))?;
            (d.replicas(), d.spec.selector.clone())
        }
        "ReplicaSet" => {
            let r = store
                .get::<ReplicaSet>(ns, &t.name)
                .ok_or_else(|| format!("the target ReplicaSet {:?} does not exist", t.name))?;
            (r.replicas(), r.spec.selector.clone())
        }
        k => return Err(format!("{k:?} cannot be scaled")),
    };
    let sel = selector
        .to_selector()
        .map_err(|e| format!("the target's selector: {e}"))?;
    Ok((replicas, sel))
}

async fn sync(
    store: &Store,
    usage: &UsageStore,
    mem: &mut Memory,
    h: &HorizontalPodAutoscaler,
) -> Result<(), StoreError> {
    let now = Instant::now();
    let past = mem.past(h, now);
    let read = target(store, h);
    let pods: Vec<Arc<Pod>> = match &read {
        Ok((_, selector)) => store
            .list::<Pod>(Some(&h.metadata.namespace))
            .into_iter()
            .filter(|p| {
                selector.matches(&p.metadata.labels)
                    && !p.metadata.is_terminating()
                    && p.is_active()
            })
            .collect(),
        Err(_) => vec![],
    };
    let measured = usage.pods();
    let pods: Vec<(&Pod, Option<Usage>)> = pods
        .iter()
        .map(|p| {
            let u = measured.get(&p.metadata.uid).map(|(u, _)| u.total());
            (p.as_ref(), u)
        })
        .collect();
    let scale = read.map(|(replicas, _)| Scale {
        replicas,
        pods: &pods,
    });
    let decision = decide(h, scale, past.as_deref(), Time::now());
    if let Some(r) = decision.recommended {
        mem.remember(&h.metadata.uid, now, decision.status.current_replicas, r);
    }
    match decision.rescale {
        None => write_status(store, h, decision.status).await,
        Some(rescale) => rescale_target(store, h, decision.status, rescale).await,
    }
}

/// Rescales the target, records it, and writes the status, in one transaction.
async fn rescale_target(
    store: &Store,
    h: &HorizontalPodAutoscaler,
    status: HpaStatus,
    rescale: Rescale,
) -> Result<(), StoreError> {
    tracing::info!(
        hpa = %h.metadata.name,
        from = status.current_replicas,
        to = rescale.replicas,
        why = %rescale.reason,
        "rescaling"
    );
    let h = h.clone();
    let desired = rescale.replicas;
    store
        .txn(move |tx| {
            let (ns, t) = (&h.metadata.namespace, &h.spec.scale_target_ref);
            match t.kind.as_str() {
                "Deployment" => {
                    tx.mutate::<Deployment, _>(ns, &t.name, Subresource::Main, move |d| {
                        d.spec.replicas = Some(desired);
                        Ok(true)
                    })?;
                }
                _ => {
                    tx.mutate::<ReplicaSet, _>(ns, &t.name, Subresource::Main, move |r| {
                        r.spec.replicas = Some(desired);
                        Ok(true)
                    })?;
                }
            }
            tx.mutate::<HorizontalPodAutoscaler, _>(
                ns,
                &h.metadata.name,
                Subresource::Status,
                move |x| {
                    x.status = status;
                    Ok(true)
                },
            )?;
            EVENTS.record(
                tx,
                &h,
                EventType::Normal,
                "SuccessfulRescale",
                &rescale.message(),
            )
        })
        .await
}

async fn write_status(
    store: &Store,
    h: &HorizontalPodAutoscaler,
    status: HpaStatus,
) -> Result<(), StoreError> {
    if h.status == status {
        return Ok(());
    }
    store
        .mutate::<HorizontalPodAutoscaler, _>(
            &h.metadata.namespace,
            &h.metadata.name,
            Subresource::Status,
            move |x| {
                let changed = x.status != status;
                x.status = status;
                Ok(changed)
            },
        )
        .await
        .map(|_| ())
}

#[cfg(test)]
mod tests;
