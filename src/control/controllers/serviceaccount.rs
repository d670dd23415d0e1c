//! ServiceAccount controller: every namespace that is not being deleted has
//! a `default` ServiceAccount. It creates the account for namespaces that
//! lack one (those that existed before ork knew the kind, at start) and
//! creates it again when it is deleted, as Kubernetes' controller does.
//! Keys are namespace names (`("", ns)`).
//!
//! This module must not import the HTTP layer or the scheduler.

use super::{Controller, Key};
use crate::api::serviceaccount::{DEFAULT, ServiceAccount};
use crate::api::{Kind, Namespace};
use crate::control::admission::service_account::ensure_default;
use crate::control::store::{Store, StoreError, WatchEvent};
use std::time::Duration;
use tokio::sync::watch;

/// The pure decision: whether namespace `ns` needs its `default` account.
pub fn needs_default(ns: Option<&Namespace>, has_default: bool) -> bool {
    ns.is_some_and(|n| !n.metadata.is_terminating()) && !has_default
}

async fn sync(store: &Store, key: Key) -> Result<Option<Duration>, StoreError> {
    let ns = key.1;
    let namespace = store.get::<Namespace>("", &ns);
    let has = store.get::<ServiceAccount>(&ns, DEFAULT).is_some();
    if !needs_default(namespace.as_deref(), has) {
        return Ok(None);
    }
    match store.txn(move |tx| ensure_default(tx, &ns)).await {
        // The namespace went away or began terminating meanwhile.
        Ok(()) | Err(StoreError::NotFound { .. }) | Err(StoreError::Forbidden(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The namespace key of a changed `default` ServiceAccount.
fn account_key(ev: &WatchEvent) -> Vec<Key> {
    let m = ev.obj.meta();
    if m.name == DEFAULT {
        vec![(String::new(), m.namespace.clone())]
    } else {
        vec![]
    }
}

/// Starts the controller's watches and worker.
pub fn start(store: Store, shutdown: watch::Receiver<bool>) {
    Controller::new("serviceaccount", store, shutdown)
        .watch(Kind::Namespace, super::self_key)
        .watch(Kind::ServiceAccount, account_key)
        .run(Kind::Namespace, |store, key| async move {
            sync(&store, key).await
        });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{Time, new_object};

    #[test]
    fn only_a_live_namespace_without_one_needs_a_default_account() {
        let live: Namespace = new_object("", "team");
        let mut going = live.clone();
        going.metadata.deletion_timestamp = Some(Time::now());
        // (namespace, has default, needs one)
        let cases = [
            (Some(&live), false, true),
            (Some(&live), true, false),
            (Some(&going), false, false),
            (None, false, false),
        ];
        for (ns, has, want) in cases {
            assert_eq!(needs_default(ns, has), want, "{ns:?} {has}");
        }
    }
}
