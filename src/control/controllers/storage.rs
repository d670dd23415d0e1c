//! Storage controller: keeps ork's StorageClass
//! ([`crate::api::storageclass::LOCAL_CLASS`]) in the store (made at start
//! when missing, so it exists by default), and says on each Pending claim
//! ork will not provision why it waits, as Kubernetes' volume controller
//! does: `ProvisioningFailed` for a class that does not exist,
//! `ExternalProvisioning` for another provisioner's class, `FailedBinding`
//! for a claim of no class. Keys are claim keys; a StorageClass change
//! queues every claim.
//!
//! This module must not import the HTTP layer or the scheduler.

use super::{Controller, Key, self_key};
use crate::api::Kind;
use crate::api::storageclass::{StorageClass, provisioning};
use crate::api::volume::PersistentVolumeClaim;
use crate::control::events::{EventType, Recorder};
use crate::control::store::{Store, StoreError};
use std::time::Duration;
use tokio::sync::watch;

const EVENTS: Recorder = Recorder("persistentvolume-controller");

async fn sync(store: &Store, key: Key) -> Result<Option<Duration>, StoreError> {
    let Some(claim) = store.get::<PersistentVolumeClaim>(&key.0, &key.1) else {
        return Ok(None);
    };
    if claim.metadata.is_terminating() {
        return Ok(None);
    }
    let classes = store.list::<StorageClass>(None);
    let default = crate::api::storageclass::default_class(classes.iter().map(|c| c.as_ref()));
    let find = |n: &str| classes.iter().find(|c| c.metadata.name == n).cloned();
    let Err(why) = provisioning(&claim, find, default.as_deref()) else {
        return Ok(None);
    };
    let (reason, warning) = why.reason();
    let type_ = if warning {
        EventType::Warning
    } else {
        EventType::Normal
    };
    let message = why.message();
    let r = store
        .txn(move |tx| EVENTS.record(tx, claim.as_ref(), type_, reason, &message))
        .await;
    match r {
        Ok(()) | Err(StoreError::NotFound { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Every claim's key (a class changed).
fn all_claims(store: &Store) -> Vec<Key> {
    store
        .list::<PersistentVolumeClaim>(None)
        .iter()
        .map(|c| (c.metadata.namespace.clone(), c.metadata.name.clone()))
        .collect()
}

/// Makes ork's StorageClass if missing, then starts the controller's
/// watches and worker.
pub fn start(store: Store, shutdown: watch::Receiver<bool>) {
    let s1 = store.clone();
    super::ensure_exists(store.clone(), StorageClass::ork_local());
    Controller::new("storage", store, shutdown)
        .watch(Kind::PersistentVolumeClaim, self_key)
        .watch(Kind::StorageClass, move |_| all_claims(&s1))
        .run(Kind::PersistentVolumeClaim, |store, key| async move {
            sync(&store, key).await
        });
}
