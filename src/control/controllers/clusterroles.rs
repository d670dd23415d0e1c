//! Default ClusterRoles and aggregation: the roles of
//! [`crate::api::rbac_defaults`] exist (created at start, created again
//! when deleted), and every ClusterRole with an `aggregationRule` has in
//! its `rules` what [`crate::api::rbac::aggregate`] computes from the
//! ClusterRoles its selectors match, rewritten whenever any ClusterRole
//! changes. Keys are ClusterRole names (`("", name)`).
//!
//! This module must not import the HTTP layer or the scheduler.

use super::{Controller, Key};
use crate::api::rbac::{ClusterRole, PolicyRule, aggregate};
use crate::api::rbac_defaults;
use crate::api::{Kind, Object};
use crate::control::store::{Store, StoreError, Subresource, WatchEvent};
use std::time::Duration;
use tokio::sync::watch;

/// What a ClusterRole needs.
pub enum Fix {
    /// It is a default role and missing: create it.
    Create(Box<ClusterRole>),
    /// It aggregates and its rules differ: write these.
    Rules(Vec<PolicyRule>),
}

/// What the ClusterRole `name` needs given every stored one (`None`:
/// nothing). Pure.
pub fn decide(name: &str, all: &[&ClusterRole]) -> Option<Fix> {
    let Some(current) = all.iter().find(|r| r.metadata.name == name) else {
        return rbac_defaults::cluster_roles()
            .into_iter()
            .find(|r| r.metadata.name == name)
            .map(|r| Fix::Create(Box::new(r)));
    };
    if current.meta().is_terminating() {
        return None;
    }
    let rule = current.aggregation_rule.as_ref()?;
    let rules = aggregate(name, rule, all);
    (rules != current.rules).then_some(Fix::Rules(rules))
}

async fn sync(store: &Store, (_, name): Key) -> Result<Option<Duration>, StoreError> {
    let roles = store.list::<ClusterRole>(None);
    let refs: Vec<&ClusterRole> = roles.iter().map(|r| r.as_ref()).collect();
    match decide(&name, &refs) {
        None => Ok(None),
        Some(Fix::Create(r)) => match store.create(*r).await {
            Ok(_) | Err(StoreError::AlreadyExists { .. }) => Ok(None),
            Err(e) => Err(e),
        },
        Some(Fix::Rules(rules)) => {
            store
                .mutate::<ClusterRole, _>("", &name, Subresource::Main, move |r| {
                    if r.rules == rules {
                        return Ok(false);
                    }
                    r.rules = rules;
                    Ok(true)
                })
                .await?;
            Ok(None)
        }
    }
}

/// Every ClusterRole that aggregates, and the changed one (a default
/// role deleted comes back), for a change of any ClusterRole.
fn affected(store: &Store, ev: &WatchEvent) -> Vec<Key> {
    let mut out: Vec<Key> = store
        .list::<ClusterRole>(None)
        .iter()
        .filter(|r| r.aggregation_rule.is_some())
        .map(|r| (String::new(), r.metadata.name.clone()))
        .collect();
    out.push((String::new(), ev.obj.meta().name.clone()));
    out
}

/// Creates the default roles now and starts the controller.
pub fn start(store: Store, shutdown: watch::Receiver<bool>) {
    let s = store.clone();
    let c = Controller::new("clusterroles", store.clone(), shutdown)
        .watch(Kind::ClusterRole, move |ev| affected(&s, ev));
    for r in rbac_defaults::cluster_roles() {
        let (store, name) = (store.clone(), r.metadata.name.clone());
        tokio::spawn(async move {
            if let Err(e) = sync(&store, (String::new(), name.clone())).await {
                tracing::warn!(role = %name, error = %e, "creating a default ClusterRole failed");
            }
        });
    }
    c.run(Kind::ClusterRole, |store, key| async move {
        sync(&store, key).await
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_default_role_is_created_and_an_aggregated_one_gets_its_rules_once() {
        let defaults = rbac_defaults::cluster_roles();
        let refs: Vec<&ClusterRole> = defaults.iter().collect();
        assert!(
            matches!(decide("view", &[]), Some(Fix::Create(r)) if r.aggregation_rule.is_some())
        );
        assert!(decide("my-own", &[]).is_none());
        let Some(Fix::Rules(rules)) = decide("view", &refs) else {
            panic!("view aggregates")
        };
        assert!(!rules.is_empty());
        let mut view = defaults
            .iter()
            .find(|r| r.metadata.name == "view")
            .unwrap()
            .clone();
        view.rules = rules;
        let others: Vec<&ClusterRole> = defaults
            .iter()
            .filter(|r| r.metadata.name != "view")
            .chain([&view])
            .collect();
        assert!(decide("view", &others).is_none(), "idempotent");
        assert!(decide("system:aggregate-to-view", &others).is_none());
    }
}
