//! Leader election among the control daemons of a cluster on etcd: exactly
//! one runs the scheduler and the controllers. The leader holds the key
//! `<prefix>/leader` attached to an etcd lease of `--leader-term`, renewed
//! every second. It steps down (stops its controllers) when a renewal has not
//! been confirmed for the term less a second, so it stops before etcd frees
//! the key for another. Every commit of the leader's store compares the
//! leader key's create revision with the one it won ([`Etcd::set_fence`]):
//! a leader that was paused or cut off cannot write once the key is gone,
//! whatever its clock says. After stepping down the fence stays a moment
//! longer, while the controllers wind down, so none of their last writes
//! lands. A lone daemon on SQLite leads from the start.
//!
//! The decisions (renew, step down, campaign) are the pure [`next`]; the
//! loop around it does the etcd calls.
//!
//! Whoever leads (on either store) also holds the `coordination.k8s.io/v1`
//! Lease `kube-system/ork-control-plane` ([`hold_lease`]), so `ork get
//! leases -n kube-system` and kubectl show the leader as Kubernetes shows
//! its controller manager's. That object is a picture of the election, not
//! the election: it is written through the store like any controller's
//! write, so a deposed leader's renewals are fenced off too.
//!
//! This module must not import the HTTP layer; it starts controllers only
//! through the closure it is given.

use crate::api::lease::{CONTROL_PLANE, Lease, MicroTime, NAMESPACE};
use crate::api::new_object;
use crate::control::store::{Etcd, Store, StoreError};
use etcd_client::{Compare, CompareOp, PutOptions, Txn, TxnOp};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// How often the leader renews its lease, and others look for a vacancy.
pub const RENEW_EVERY: Duration = Duration::from_secs(1);
/// How often the leader writes the renewal into its Lease object (as
/// Kubernetes' leader election retries every 2 s).
pub const LEASE_OBJECT_EVERY: Duration = Duration::from_secs(2);
/// How long the fence outlives stepping down, while controllers stop.
const WIND_DOWN: Duration = Duration::from_secs(2);

/// What the election loop does next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Keep leading and renew.
    Renew,
    /// Stop acting: the lease may be gone.
    StepDown,
}

/// Whether a leader whose last confirmed renewal was sent at `confirmed`
/// may go on leading at `now`, with leases of `term`.
pub fn next(confirmed: Instant, now: Instant, term: Duration) -> Step {
    let margin = Duration::from_secs(1).min(term / 2);
    if now.saturating_duration_since(confirmed) + margin >= term {
        Step::StepDown
    } else {
        Step::Renew
    }
}

/// The identity of this daemon in the leader key.
pub fn identity(url: &str) -> String {
    format!("{} {url}", crate::node::machine::node_name())
}

/// Runs the election until `shutdown`; `lead` is called with a stop signal
/// each time this daemon wins, and must start everything a leader runs.
pub async fn run(
    etcd: Arc<Etcd>,
    id: String,
    term: Duration,
    mut shutdown: watch::Receiver<bool>,
    lead: impl Fn(watch::Receiver<bool>) + Send + 'static,
) {
    let key = format!("{}/leader", etcd.prefix());
    let ttl = term.as_secs().max(2) as i64;
    let mut client = etcd.client();
    loop {
        if *shutdown.borrow() {
            return;
        }
        let won = campaign(&mut client, &key, &id, ttl).await;
        let Some((lease, create_revision)) = won else {
            tokio::select! {
                _ = tokio::time::sleep(RENEW_EVERY / 2) => continue,
                _ = shutdown.wait_for(|s| *s) => return,
            }
        };
        etcd.set_fence(Some((key.clone().into_bytes(), create_revision)));
        tracing::info!(%id, "this control daemon leads: scheduler and controllers run here");
        let (stop_tx, stop_rx) = watch::channel(false);
        lead(stop_rx);
        let mut confirmed = Instant::now();
        let mut keeper = None;
        loop {
            if next(confirmed, Instant::now(), term) == Step::StepDown {
                break;
            }
            tokio::select! {
                _ = tokio::time::sleep(RENEW_EVERY) => {}
                _ = shutdown.wait_for(|s| *s) => break,
            }
            let sent = Instant::now();
            if renew(&mut client, lease, &mut keeper).await {
                confirmed = sent;
            }
        }
        let _ = stop_tx.send(true);
        tracing::warn!(%id, "this control daemon stepped down: its controllers stop");
        if !*shutdown.borrow() {
            tokio::time::sleep(WIND_DOWN).await;
        }
        etcd.set_fence(None);
        let _ = tokio::time::timeout(RENEW_EVERY, client.lease_revoke(lease)).await;
    }
}

/// The Lease object as `holder` renewing it at `now` leaves it: a new
/// holder counts a transition and its acquire time.
pub fn renewed(old: Option<&Lease>, holder: &str, term: Duration, now: MicroTime) -> Lease {
    let mut l = old
        .cloned()
        .unwrap_or_else(|| new_object(NAMESPACE, CONTROL_PLANE));
    let seconds = i32::try_from(term.as_secs().max(1)).unwrap_or(i32::MAX);
    if l.spec.holder_identity.as_deref() != Some(holder) {
        if l.spec.holder_identity.is_some() {
            l.spec.lease_transitions = Some(l.spec.lease_transitions.unwrap_or(0) + 1);
        }
        l.spec.holder_identity = Some(holder.to_string());
        l.spec.acquire_time = Some(now);
    }
    l.spec.lease_transitions.get_or_insert(0);
    l.spec.lease_duration_seconds = Some(seconds);
    l.spec.renew_time = Some(now);
    l
}

/// Keeps the Lease `kube-system/ork-control-plane` naming `holder` as the
/// leader, renewed every [`LEASE_OBJECT_EVERY`], until `stop`.
pub async fn hold_lease(
    store: Store,
    holder: String,
    term: Duration,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        let h = holder.clone();
        let written = store
            .txn(move |tx| {
                let old = tx.get::<Lease>(NAMESPACE, CONTROL_PLANE);
                let l = renewed(old.as_deref(), &h, term, MicroTime::now());
                match old {
                    Some(_) => tx.update(l, crate::control::store::Subresource::Main),
                    None => tx.create(l),
                }
                .map(|_| ())
            })
            .await;
        match written {
            Ok(()) | Err(StoreError::Raced(_)) => {}
            Err(e) => {
                tracing::debug!(error = %e, "renewing the control plane's Lease object failed")
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(LEASE_OBJECT_EVERY) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
    }
}

/// One attempt to take the leader key: `(lease, create revision)` when won.
async fn campaign(
    client: &mut etcd_client::Client,
    key: &str,
    id: &str,
    ttl: i64,
) -> Option<(i64, i64)> {
    let held = tokio::time::timeout(RENEW_EVERY, client.get(key, None))
        .await
        .ok()?
        .ok()?;
    if !held.kvs().is_empty() {
        return None;
    }
    let lease = tokio::time::timeout(RENEW_EVERY, client.lease_grant(ttl, None))
        .await
        .ok()?
        .ok()?
        .id();
    let txn = Txn::new()
        .when(vec![Compare::version(key, CompareOp::Equal, 0)])
        .and_then(vec![TxnOp::put(
            key,
            id,
            Some(PutOptions::new().with_lease(lease)),
        )]);
    match tokio::time::timeout(RENEW_EVERY, client.txn(txn)).await {
        Ok(Ok(r)) if r.succeeded() => Some((lease, r.header()?.revision())),
        _ => {
            let _ = tokio::time::timeout(RENEW_EVERY, client.lease_revoke(lease)).await;
            None
        }
    }
}

type Keeper = (etcd_client::LeaseKeeper, etcd_client::LeaseKeepAliveStream);

/// Renews the lease once; whether etcd confirmed it still lives.
async fn renew(client: &mut etcd_client::Client, lease: i64, keeper: &mut Option<Keeper>) -> bool {
    if keeper.is_none() {
        match tokio::time::timeout(RENEW_EVERY, client.lease_keep_alive(lease)).await {
            Ok(Ok(k)) => *keeper = Some(k),
            _ => return false,
        }
    }
    let Some((k, stream)) = keeper.as_mut() else {
        return false;
    };
    let answer = tokio::time::timeout(RENEW_EVERY, async {
        k.keep_alive().await.ok()?;
        stream.message().await.ok()?
    })
    .await;
    match answer {
        Ok(Some(r)) if r.ttl() > 0 => true,
        _ => {
            *keeper = None;
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lease_object_counts_a_new_holder_as_a_transition() {
        let t0 = MicroTime::now();
        let term = Duration::from_secs(5);
        let first = renewed(None, "a", term, t0);
        assert_eq!(
            (
                first.spec.holder_identity.as_deref(),
                first.spec.lease_transitions,
                first.spec.lease_duration_seconds
            ),
            (Some("a"), Some(0), Some(5))
        );
        assert_eq!(first.spec.acquire_time, Some(t0));
        let t1 = MicroTime(t0.0 + chrono::Duration::seconds(2));
        let again = renewed(Some(&first), "a", term, t1);
        assert_eq!(
            (again.spec.acquire_time, again.spec.renew_time),
            (Some(t0), Some(t1))
        );
        assert_eq!(again.spec.lease_transitions, Some(0));
        let other = renewed(Some(&again), "b", term, t1);
        assert_eq!(other.spec.holder_identity.as_deref(), Some("b"));
        assert_eq!(other.spec.lease_transitions, Some(1));
        assert_eq!(other.spec.acquire_time, Some(t1));
    }

    #[test]
    fn a_leader_steps_down_a_second_before_its_lease_can_end() {
        let t0 = Instant::now();
        let term = Duration::from_secs(5);
        assert_eq!(next(t0, t0, term), Step::Renew);
        assert_eq!(
            next(t0, t0 + Duration::from_millis(3_900), term),
            Step::Renew
        );
        assert_eq!(next(t0, t0 + Duration::from_secs(4), term), Step::StepDown);
        assert_eq!(next(t0, t0 + Duration::from_secs(60), term), Step::StepDown);
        // Short terms keep half of the term as the margin.
        let short = Duration::from_secs(1);
        assert_eq!(
            next(t0, t0 + Duration::from_millis(499), short),
            Step::Renew
        );
        assert_eq!(
            next(t0, t0 + Duration::from_millis(500), short),
            Step::StepDown
        );
    }
}
