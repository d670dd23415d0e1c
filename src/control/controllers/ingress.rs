//! Ingress controller: keeps ork's IngressClass ([`crate::api::ingress::CLASS`])
//! in the store (made at start when missing, so it exists by default) and
//! writes `status.loadBalancer.ingress` of the Ingresses ork serves: the
//! addresses of the Ready nodes that serve Ingresses, with their ports
//! ([`crate::api::ingress::load_balancer`], pure). Ingresses of other classes
//! are left alone. Keys are Ingress keys; a Node or IngressClass change
//! queues every Ingress.
//!
//! This module must not import the HTTP layer or the scheduler.

use super::{Controller, Key, self_key};
use crate::api::ingress::{CLASS, Ingress, IngressClass, load_balancer};
use crate::api::{Kind, Node};
use crate::control::store::{Store, StoreError, Subresource};
use std::time::Duration;
use tokio::sync::watch;

/// Whether ork's class is the default one (classless Ingresses are ork's).
pub fn ork_is_default(store: &Store) -> bool {
    store
        .get::<IngressClass>("", CLASS)
        .is_some_and(|c| c.is_default())
}

async fn sync(store: &Store, key: Key) -> Result<Option<Duration>, StoreError> {
    let Some(ing) = store.get::<Ingress>(&key.0, &key.1) else {
        return Ok(None);
    };
    if !ing.served_by_ork(ork_is_default(store)) {
        return Ok(None);
    }
    let nodes = store.list::<Node>(None);
    let want = load_balancer(nodes.iter().map(|n| n.as_ref()));
    if ing.status.load_balancer.ingress == want {
        return Ok(None);
    }
    let r = store
        .txn(move |tx| {
            tx.mutate::<Ingress, _>(&key.0, &key.1, Subresource::Status, move |i| {
                let changed = i.status.load_balancer.ingress != want;
                i.status.load_balancer.ingress = want;
                Ok(changed)
            })
            .map(|_| ())
        })
        .await;
    match r {
        Ok(()) | Err(StoreError::NotFound { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Every Ingress's key (a node or a class changed).
fn all_ingresses(store: &Store) -> Vec<Key> {
    store
        .list::<Ingress>(None)
        .iter()
        .map(|i| (i.metadata.namespace.clone(), i.metadata.name.clone()))
        .collect()
}

/// Makes ork's IngressClass if missing, then starts the controller's
/// watches and worker.
pub fn start(store: Store, shutdown: watch::Receiver<bool>) {
    let (s1, s2) = (store.clone(), store.clone());
    super::ensure_exists(store.clone(), IngressClass::ork_default());
    Controller::new("ingress", store, shutdown)
        .watch(Kind::Ingress, self_key)
        .watch(Kind::Node, move |_| all_ingresses(&s1))
        .watch(Kind::IngressClass, move |_| all_ingresses(&s2))
        .run(Kind::Ingress, |store, key| async move {
            sync(&store, key).await
        });
}
