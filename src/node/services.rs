//! The node's one view of the cluster's Services and Endpoints: [`run`]
//! watches both kinds once and, after each burst of changes, publishes a
//! [`Snapshot`] of the current objects on a `tokio::sync::watch` channel.
//! The service proxy, cluster DNS and the ingress server read it through a
//! [`View`] instead of each watching on its own, so a node holds two watch
//! streams on the control daemon for them, not six. A reader busy with one
//! snapshot finds only the newest when it asks again ([`View::next`]), so a
//! burst of changes costs each reader one rebuild. Folding changes into the
//! maps ([`follow`]) is pure.
//!
//! Talks to the API only through `client`; must not import `control`,
//! `cli` or `tui`, nor the readers (proxy, dns, ingress).

use crate::api::{AnyObject, Endpoints, Kind, Service};
use crate::client::{Change, Client, ListParams, watcher};
use futures::{FutureExt, StreamExt};
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio::sync::watch;

/// Objects by (namespace, name).
pub type ByKey<T> = BTreeMap<(String, String), Arc<T>>;

/// The Services and Endpoints at one moment.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    pub services: Arc<ByKey<Service>>,
    pub endpoints: Arc<ByKey<Endpoints>>,
    /// Counts publications: 0 before anything was listed.
    pub generation: u64,
}

/// The publishing side, for [`run`].
pub struct Feed {
    tx: watch::Sender<Arc<Snapshot>>,
}

/// A reader's side: cheap to clone, each clone remembers what it has seen.
#[derive(Clone)]
pub struct View {
    rx: watch::Receiver<Arc<Snapshot>>,
    seen: u64,
}

/// An empty view and the feed that fills it.
pub fn channel() -> (Feed, View) {
    let (tx, rx) = watch::channel(Arc::new(Snapshot::default()));
    (Feed { tx }, View { rx, seen: 0 })
}

impl View {
    /// The newest snapshot (empty before the first list).
    pub fn current(&self) -> Arc<Snapshot> {
        self.rx.borrow().clone()
    }

    /// Waits for a snapshot newer than the last one this view returned
    /// (the first published one, for a new view); several published in
    /// between give only the newest. `None` once the feed is gone and
    /// everything it published has been returned. Cancel-safe.
    pub async fn next(&mut self) -> Option<Arc<Snapshot>> {
        loop {
            {
                let s = self.rx.borrow_and_update();
                if s.generation > self.seen {
                    self.seen = s.generation;
                    return Some(s.clone());
                }
            }
            self.rx.changed().await.ok()?;
        }
    }

    /// The services of namespace `ns`.
    pub fn services_of(&self, ns: &str) -> Vec<Arc<Service>> {
        self.rx
            .borrow()
            .services
            .iter()
            .filter(|((n, _), _)| n == ns)
            .map(|(_, s)| s.clone())
            .collect()
    }
}

impl Feed {
    /// Publishes the next snapshot of these maps.
    fn publish(&self, services: &Arc<ByKey<Service>>, endpoints: &Arc<ByKey<Endpoints>>) {
        self.tx.send_modify(|s| {
            *s = Arc::new(Snapshot {
                services: services.clone(),
                endpoints: endpoints.clone(),
                generation: s.generation + 1,
            })
        });
    }
}

fn key(o: &AnyObject) -> (String, String) {
    (o.meta().namespace.clone(), o.meta().name.clone())
}

/// Folds one change of a watched kind into `by_key` (objects `pick` refuses
/// are ignored); returns whether it was a change of the objects at all
/// (a failed watch is not). Pure.
pub fn follow<T>(
    by_key: &mut ByKey<T>,
    change: Change,
    pick: fn(AnyObject) -> Option<Arc<T>>,
) -> bool {
    match change {
        Change::Listed(items) => {
            *by_key = items
                .into_iter()
                .filter_map(|o| Some((key(&o), pick(o)?)))
                .collect();
        }
        Change::Applied(o) => {
            let k = key(&o);
            if let Some(x) = pick(o) {
                by_key.insert(k, x);
            }
        }
        Change::Deleted(o) => {
            by_key.remove(&key(&o));
        }
        Change::Failed(e) => {
            tracing::debug!(error = %e, "watch failed; listing again");
            return false;
        }
    }
    true
}

fn pick_service(o: AnyObject) -> Option<Arc<Service>> {
    match o {
        AnyObject::Service(s) => Some(s),
        _ => None,
    }
}

fn pick_endpoints(o: AnyObject) -> Option<Arc<Endpoints>> {
    match o {
        AnyObject::Endpoints(e) => Some(e),
        _ => None,
    }
}

/// Watches Services and Endpoints and publishes them on `feed` until
/// shutdown: each burst of changes (whatever is ready at once) becomes one
/// snapshot.
pub async fn run(client: Client, feed: Feed, mut shutdown: watch::Receiver<bool>) {
    let tagged = |kind: Kind| {
        watcher(client.clone(), kind, None, ListParams::default()).map(move |c| (kind, c))
    };
    let mut changes = std::pin::pin!(futures::stream::select(
        tagged(Kind::Service),
        tagged(Kind::Endpoints)
    ));
    let mut services: Arc<ByKey<Service>> = Arc::default();
    let mut endpoints: Arc<ByKey<Endpoints>> = Arc::default();
    loop {
        let change = tokio::select! {
            c = changes.next() => match c { Some(c) => c, None => break },
            _ = shutdown.changed() => break,
        };
        let mut batch = vec![change];
        while let Some(Some(c)) = changes.next().now_or_never() {
            batch.push(c);
        }
        let mut changed = false;
        for (kind, c) in batch {
            changed |= if kind == Kind::Service {
                follow(Arc::make_mut(&mut services), c, pick_service)
            } else {
                follow(Arc::make_mut(&mut endpoints), c, pick_endpoints)
            };
        }
        if changed {
            feed.publish(&services, &endpoints);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::ClientError;

    fn svc(ns: &str, name: &str) -> AnyObject {
        let mut s = Service::test(name);
        s.metadata.namespace = ns.into();
        AnyObject::Service(Arc::new(s))
    }

    fn names(m: &ByKey<Service>) -> Vec<String> {
        m.keys().map(|(n, s)| format!("{n}/{s}")).collect()
    }

    #[test]
    fn lists_replace_applies_add_deletes_remove_and_failures_change_nothing() {
        let mut m: ByKey<Service> = BTreeMap::new();
        assert!(follow(
            &mut m,
            Change::Listed(vec![svc("a", "x"), svc("b", "y")]),
            pick_service
        ));
        assert_eq!(names(&m), ["a/x", "b/y"]);
        assert!(follow(&mut m, Change::Applied(svc("a", "z")), pick_service));
        assert!(follow(&mut m, Change::Deleted(svc("b", "y")), pick_service));
        assert_eq!(names(&m), ["a/x", "a/z"]);
        let failed = Change::Failed(ClientError::Invalid("gone".into()));
        assert!(!follow(&mut m, failed, pick_service));
        assert_eq!(names(&m), ["a/x", "a/z"]);
        // Another kind's object is not a service.
        assert!(follow(
            &mut m,
            Change::Listed(vec![svc("a", "x"), AnyObject::Endpoints(Arc::default())]),
            pick_service
        ));
        assert_eq!(names(&m), ["a/x"]);
    }

    #[tokio::test]
    async fn a_reader_gets_the_newest_snapshot_once_and_none_after_the_feed() {
        let (feed, mut view) = channel();
        let mut late = view.clone();
        let mut m: Arc<ByKey<Service>> = Arc::default();
        let eps: Arc<ByKey<Endpoints>> = Arc::default();
        for name in ["x", "y", "z"] {
            follow(
                Arc::make_mut(&mut m),
                Change::Applied(svc("a", name)),
                pick_service,
            );
            feed.publish(&m, &eps);
        }
        let s = view.next().await.unwrap();
        assert_eq!(
            (s.generation, names(&s.services)),
            (3, vec!["a/x".into(), "a/y".into(), "a/z".into()])
        );
        assert_eq!(view.services_of("a").len(), 3);
        assert!(view.services_of("b").is_empty());
        // Nothing newer yet: the reader waits.
        assert!(view.next().now_or_never().is_none());
        follow(
            Arc::make_mut(&mut m),
            Change::Deleted(svc("a", "x")),
            pick_service,
        );
        feed.publish(&m, &eps);
        drop(feed);
        assert_eq!(view.next().await.unwrap().generation, 4);
        assert!(view.next().await.is_none());
        // A clone made before any of it still sees the newest, once.
        assert_eq!(late.next().await.unwrap().services.len(), 2);
        assert!(late.next().await.is_none());
    }
}
