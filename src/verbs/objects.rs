//! Verbs on any object named by kind, namespace and name: [`scale`] a
//! Deployment or ReplicaSet, [`delete`] one and [`wait_gone`] until it is.

use super::{Ctx, Result, VerbError};
use crate::api::{AnyObject, Kind};
use crate::client::{DeleteOptions, ListParams, WatchEventType};
use futures::StreamExt;

/// The object a verb is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub kind: Kind,
    /// Empty for cluster-scoped kinds.
    pub namespace: String,
    pub name: String,
}

impl Target {
    pub fn of(obj: &AnyObject) -> Target {
        Target {
            kind: obj.kind(),
            namespace: obj.meta().namespace.clone(),
            name: obj.meta().name.clone(),
        }
    }

    /// `kind/name`, the kind in lower case (`deployment/web`).
    pub fn label(&self) -> String {
        format!("{}/{}", self.kind.as_str().to_lowercase(), self.name)
    }
}

/// Whether `scale` applies to a kind.
pub fn scalable(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::Deployment | Kind::ReplicaSet | Kind::StatefulSet | Kind::ReplicationController
    )
}

/// Sets the replicas of a Deployment or ReplicaSet.
pub async fn scale(ctx: &Ctx, t: &Target, replicas: i32) -> Result<()> {
    ctx.client
        .scale(t.kind, &t.namespace, &t.name, replicas)
        .await?;
    Ok(())
}

/// Deletes an object; returns its uid, to wait on with [`wait_gone`].
pub async fn delete(ctx: &Ctx, t: &Target, opts: &DeleteOptions) -> Result<String> {
    let v = ctx
        .client
        .delete(t.kind, &t.namespace, &t.name, opts)
        .await?;
    Ok(v.pointer("/metadata/uid")
        .and_then(|u| u.as_str())
        .unwrap_or("")
        .to_string())
}

/// Waits until the object with this uid is gone (or replaced by a new one
/// of the same name).
pub async fn wait_gone(ctx: &Ctx, t: &Target, uid: &str) -> Result<()> {
    let obj = match ctx.client.get_any(t.kind, &t.namespace, &t.name).await {
        Ok(o) => o,
        Err(e) if e.is_not_found() => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    if obj.meta().uid != uid {
        return Ok(());
    }
    let opts = ListParams {
        field_selector: Some(format!("metadata.name={}", t.name)),
        ..Default::default()
    };
    let ns = if t.kind.namespaced() {
        Some(t.namespace.as_str())
    } else {
        None
    };
    let mut w = ctx
        .client
        .watch(t.kind, ns, &opts, Some(obj.meta().revision()))
        .await?;
    while let Some(ev) = w.next().await {
        let ev = ev?;
        if ev.type_ == WatchEventType::Deleted && ev.object.is_some_and(|o| o.meta().uid == uid) {
            return Ok(());
        }
    }
    Err(VerbError::Failed(format!(
        "the watch on {} ended before it was deleted",
        t.name
    )))
}
