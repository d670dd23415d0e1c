//! ResourceQuota admission: what an object costs its namespace's quotas, and
//! whether it fits them.
//!
//! # Expected flow
//!
//! A create of any namespaced object (from a client or from a controller
//! making pods) calls [`charge`] inside the transaction that writes it. It
//! reads the namespace's quotas, works out what the object uses of each
//! quota's `spec.hard` ([`usage`]), and either refuses the create (403,
//! worded as Kubernetes words it) or adds the usage to each quota's
//! `status.used` in the same transaction.
//!
//! # Guarantees
//!
//! - Concurrent creates cannot overshoot: the store runs transactions one at
//!   a time on its writer thread, and the charge is written by the
//!   transaction that writes the object, so the next create sees it.
//! - A quota whose status does not yet describe its spec (new, or just
//!   edited) has its usage counted from the namespace's objects before the
//!   charge, so the first create after it is written is already limited.
//! - Usage released by deletes and finished pods is given back by the quota
//!   controller, which recounts a namespace in one transaction as well.
//!
//! The decisions ([`usage`], [`applies`], [`check`], [`recount`]) are pure;
//! [`charge`] is the glue to the store. Must not import the HTTP layer,
//! controllers or the scheduler.

use crate::api::quota_types::{ResourceList, ResourceQuota, ScopedRequirement};
use crate::api::{AnyObject, Kind, Object, Pod, PodPhase, Quantity, Service};
use crate::control::store::{StoreError, Subresource, Tx};
use std::collections::{BTreeMap, BTreeSet};

/// Compute resources a quota on which makes every container name them.
const MUST_SPECIFY: [&str; 6] = [
    "cpu",
    "memory",
    "requests.cpu",
    "requests.memory",
    "limits.cpu",
    "limits.memory",
];

fn add(list: &mut ResourceList, name: &str, q: &Quantity) {
    let sum = list.get(name).map_or(0, Quantity::milli) + q.milli();
    list.insert(name.to_string(), Quantity::from_milli(sum));
}

fn one(list: &mut ResourceList, name: &str) {
    add(list, name, &Quantity::from_milli(1000));
}

/// `count/<plural>` for the core group, `count/<plural>.<group>` otherwise.
pub fn count_name(kind: Kind) -> String {
    let i = kind.info();
    if i.group.is_empty() {
        format!("count/{}", i.plural)
    } else {
        format!("count/{}.{}", i.plural, i.group)
    }
}

/// Whether a pod still holds quota: finished pods give theirs back.
pub fn pod_counts(p: &Pod) -> bool {
    !matches!(p.status.phase, PodPhase::Succeeded | PodPhase::Failed)
}

/// The compute resources a pod asks for: the sum over its containers, each
/// request named both bare (`cpu`) and `requests.cpu`, limits as `limits.*`.
pub fn pod_compute(p: &Pod) -> ResourceList {
    let mut out = ResourceList::new();
    for c in &p.spec.containers {
        let r = &c.resources;
        let names: BTreeSet<&String> = r.requests.keys().chain(r.limits.keys()).collect();
        for name in names {
            if let Some(q) = r.request(name) {
                if matches!(name.as_str(), "cpu" | "memory" | "ephemeral-storage") {
                    add(&mut out, name, q);
                }
                add(&mut out, &format!("requests.{name}"), q);
            }
            if let Some(q) = r.limits.get(name) {
                add(&mut out, &format!("limits.{name}"), q);
            }
        }
    }
    out
}

/// What one object uses of any quota: its counts and, for pods and claims,
/// what they request.
pub fn usage(obj: &AnyObject) -> ResourceList {
    let mut out = ResourceList::new();
    match obj {
        AnyObject::Pod(p) => {
            if !pod_counts(p) {
                return out;
            }
            out = pod_compute(p);
            one(&mut out, "pods");
        }
        AnyObject::Service(s) => {
            one(&mut out, "services");
            service_usage(s, &mut out);
        }
        AnyObject::Secret(_) => one(&mut out, "secrets"),
        AnyObject::ConfigMap(_) => one(&mut out, "configmaps"),
        AnyObject::ResourceQuota(_) => one(&mut out, "resourcequotas"),
        AnyObject::PersistentVolumeClaim(c) => {
            one(&mut out, "persistentvolumeclaims");
            if let Some(q) = c.spec.resources.requests.get("storage") {
                add(&mut out, "requests.storage", q);
            }
        }
        _ => {}
    }
    one(&mut out, &count_name(obj.kind()));
    out
}

fn service_usage(s: &Service, out: &mut ResourceList) {
    match s.spec.type_.as_str() {
        "NodePort" => {
            let n = Quantity::from_milli(1000 * s.spec.ports.len() as i128);
            add(out, "services.nodeports", &n);
        }
        "LoadBalancer" => {
            let n = Quantity::from_milli(1000 * s.spec.ports.len() as i128);
            add(out, "services.nodeports", &n);
            one(out, "services.loadbalancers");
        }
        _ => {}
    }
}

fn best_effort(p: &Pod) -> bool {
    p.spec.containers.iter().all(|c| {
        ["cpu", "memory"]
            .iter()
            .all(|r| c.resources.request(r).is_none() && !c.resources.limits.contains_key(*r))
    })
}

fn priority_class_matches(e: &ScopedRequirement, class: &str) -> bool {
    match e.operator.as_str() {
        "In" => e.values.iter().any(|v| v == class),
        "NotIn" => !e.values.iter().any(|v| v == class),
        "Exists" => !class.is_empty(),
        "DoesNotExist" => class.is_empty(),
        _ => false,
    }
}

fn scope_matches(scope: &str, p: &Pod, class: &str, expr: Option<&ScopedRequirement>) -> bool {
    let terminating = pod_active_deadline(p).is_some();
    let matched = match scope {
        "Terminating" => terminating,
        "NotTerminating" => !terminating,
        "BestEffort" => best_effort(p),
        "NotBestEffort" => !best_effort(p),
        "PriorityClass" => return expr.is_none_or(|e| priority_class_matches(e, class)),
        _ => false,
    };
    match expr.map(|e| e.operator.as_str()) {
        Some("DoesNotExist") => !matched,
        _ => matched,
    }
}

/// A pod's `activeDeadlineSeconds`, read from its JSON so this does not
/// depend on the field's place in the Pod type.
fn pod_active_deadline(p: &Pod) -> Option<i64> {
    serde_json::to_value(&p.spec)
        .ok()?
        .get("activeDeadlineSeconds")?
        .as_i64()
}

/// A pod's `priorityClassName`, read as [`pod_active_deadline`] reads.
fn pod_priority_class(p: &Pod) -> String {
    serde_json::to_value(&p.spec)
        .ok()
        .and_then(|v| v.get("priorityClassName")?.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// Whether quota `q` limits object `obj`: a quota with scopes limits only
/// pods in every one of its scopes; one without limits everything.
pub fn applies(q: &ResourceQuota, obj: &AnyObject) -> bool {
    let scoped = q.scope_names().next().is_some();
    if !scoped {
        return true;
    }
    let AnyObject::Pod(p) = obj else {
        return false;
    };
    if q.spec.scopes.is_empty() && q.spec.scope_selector.is_none() {
        return true;
    }
    let class = pod_priority_class(p);
    let plain = q
        .spec
        .scopes
        .iter()
        .all(|s| scope_matches(s, p, &class, None));
    let selected = q.spec.scope_selector.iter().all(|sel| {
        sel.match_expressions
            .iter()
            .all(|e| scope_matches(&e.scope_name, p, &class, Some(e)))
    });
    plain && selected
}

/// The part of `usage` that quota `q` tracks.
fn tracked(q: &ResourceQuota, usage: &ResourceList) -> ResourceList {
    usage
        .iter()
        .filter(|(k, _)| q.spec.hard.contains_key(*k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// What `q` counts of `objects`, for every resource in its `hard`.
pub fn recount<'a>(
    q: &ResourceQuota,
    objects: impl Iterator<Item = &'a AnyObject>,
) -> ResourceList {
    let mut used: ResourceList = q
        .spec
        .hard
        .keys()
        .map(|k| (k.clone(), Quantity::from_milli(0)))
        .collect();
    for o in objects.filter(|o| applies(q, o)) {
        for (k, v) in tracked(q, &usage(o)) {
            add(&mut used, &k, &v);
        }
    }
    used
}

fn pretty(list: &ResourceList) -> String {
    list.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// Why `pod` may not be created under `q` for lack of requests or limits
/// (Kubernetes' "must specify ..." constraint), if it may not.
fn missing(q: &ResourceQuota, pod: &Pod) -> Option<String> {
    let required: Vec<&str> = MUST_SPECIFY
        .into_iter()
        .filter(|r| q.spec.hard.contains_key(*r))
        .collect();
    if required.is_empty() {
        return None;
    }
    let mut missing: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for c in &pod.spec.containers {
        let r = &c.resources;
        for need in &required {
            let has = match need.split_once('.') {
                Some(("limits", res)) => r.limits.contains_key(res),
                Some((_, res)) => r.request(res).is_some(),
                None => r.request(need).is_some(),
            };
            if !has {
                missing.entry(need).or_default().push(&c.name);
            }
        }
    }
    if missing.is_empty() {
        return None;
    }
    let parts: Vec<String> = missing
        .iter()
        .map(|(r, names)| format!("{r} for: {}", names.join(",")))
        .collect();
    Some(format!(
        "failed quota: {}: must specify {}",
        q.metadata.name,
        parts.join("; ")
    ))
}

/// Decides a create against the namespace's quotas, each given with what it
/// has used so far. Returns each applying quota's new usage, or the refusal
/// (without the `pods "x" is forbidden: ` prefix) for the first quota the
/// object exceeds, in Kubernetes' words.
pub fn check(
    quotas: &[(&ResourceQuota, ResourceList)],
    obj: &AnyObject,
) -> Result<Vec<(String, ResourceList)>, String> {
    let cost = usage(obj);
    let mut out = vec![];
    for (q, used) in quotas {
        if !applies(q, obj) {
            continue;
        }
        if let AnyObject::Pod(p) = obj
            && let Some(why) = missing(q, p)
        {
            return Err(why);
        }
        let want = tracked(q, &cost);
        if want.is_empty() {
            continue;
        }
        let (mut requested, mut was, mut limited) = Default::default();
        let mut next = used.clone();
        for (k, v) in &want {
            let hard = &q.spec.hard[k];
            let now = used.get(k).map_or(0, Quantity::milli);
            if now + v.milli() > hard.milli() {
                add(&mut requested, k, v);
                add(&mut was, k, &Quantity::from_milli(now));
                limited_insert(&mut limited, k, hard);
            }
            add(&mut next, k, v);
        }
        if !requested.is_empty() {
            return Err(format!(
                "exceeded quota: {}, requested: {}, used: {}, limited: {}",
                q.metadata.name,
                pretty(&requested),
                pretty(&was),
                pretty(&limited)
            ));
        }
        out.push((q.metadata.name.clone(), next));
    }
    Ok(out)
}

fn limited_insert(list: &mut ResourceList, k: &str, hard: &Quantity) {
    list.insert(k.to_string(), hard.clone());
}

/// Every object of the namespace a quota could count.
pub fn namespace_objects(tx: &Tx<'_>, ns: &str) -> Vec<AnyObject> {
    let mut out = vec![];
    for kind in Kind::ALL {
        if !kind.namespaced() || kind == Kind::Event {
            continue;
        }
        out.extend(tx.list_any(kind, Some(ns)));
    }
    out
}

/// Whether a quota's status describes its spec (else its usage is recounted).
pub fn status_current(q: &ResourceQuota) -> bool {
    q.status.hard == q.spec.hard && q.spec.hard.keys().all(|k| q.status.used.contains_key(k))
}

/// Charges the creation of `obj` to its namespace's quotas inside `tx`, or
/// refuses it with the 403 Kubernetes answers.
pub fn charge<T: Object>(tx: &mut Tx<'_>, obj: &T) -> Result<(), StoreError> {
    let ns = obj.namespace().to_string();
    if ns.is_empty() || T::KIND == Kind::Event {
        return Ok(());
    }
    let quotas = tx.list::<ResourceQuota>(Some(&ns));
    if quotas.is_empty() {
        return Ok(());
    }
    let any = obj.clone().into_any();
    let objects = quotas
        .iter()
        .any(|q| !status_current(q))
        .then(|| namespace_objects(tx, &ns));
    let with_used: Vec<(&ResourceQuota, ResourceList)> = quotas
        .iter()
        .map(|q| {
            let used = match &objects {
                Some(all) if !status_current(q) => recount(q, all.iter()),
                _ => q.status.used.clone(),
            };
            (q.as_ref(), used)
        })
        .collect();
    let charges = check(&with_used, &any).map_err(|why| {
        let m = obj.meta();
        let name = if m.name.is_empty() {
            &m.generate_name
        } else {
            &m.name
        };
        StoreError::Forbidden(format!("{} {name:?} is forbidden: {why}", T::KIND.plural()))
    })?;
    for (name, used) in charges {
        let hard = quotas
            .iter()
            .find(|q| q.metadata.name == name)
            .map(|q| q.spec.hard.clone())
            .unwrap_or_default();
        tx.mutate::<ResourceQuota, _>(&ns, &name, Subresource::Status, move |q| {
            q.status.hard = hard;
            q.status.used = used;
            Ok(true)
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::new_object;
    use crate::api::quota_types::ScopeSelector;

    fn quota(name: &str, hard: &[(&str, &str)]) -> ResourceQuota {
        let mut q: ResourceQuota = new_object("default", name);
        q.spec.hard = list(hard);
        q
    }

    fn list(items: &[(&str, &str)]) -> ResourceList {
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.parse().unwrap()))
            .collect()
    }

    /// A container's name, requests and limits.
    type Spec<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a [(&'a str, &'a str)]);

    fn pod(resources: &[Spec<'_>]) -> AnyObject {
        let mut p = Pod::test("p");
        p.spec.containers = resources
            .iter()
            .map(|(name, req, lim)| {
                let mut c = p.spec.containers[0].clone();
                c.name = name.to_string();
                c.resources.requests = list(req);
                c.resources.limits = list(lim);
                c
            })
            .collect();
        p.into_any()
    }

    #[test]
    fn a_pod_costs_its_count_and_the_sum_of_its_containers() {
        let p = pod(&[
            ("a", &[("cpu", "250m")], &[("memory", "64Mi")]),
            ("b", &[("cpu", "250m"), ("memory", "32Mi")], &[]),
        ]);
        let u = usage(&p);
        assert_eq!(u["pods"].milli(), 1000);
        assert_eq!(u["count/pods"].milli(), 1000);
        assert_eq!(u["cpu"].milli(), 500);
        assert_eq!(u["requests.cpu"].milli(), 500);
        // A limit without a request is also the request.
        assert_eq!(u["requests.memory"].value(), 96 * 1024 * 1024);
        assert_eq!(u["limits.memory"].value(), 64 * 1024 * 1024);
        assert!(!u.contains_key("limits.cpu"));
    }

    #[test]
    fn counts_are_named_by_plural_and_group() {
        assert_eq!(count_name(Kind::Deployment), "count/deployments.apps");
        assert_eq!(count_name(Kind::Secret), "count/secrets");
        let mut s = Service::test("web");
        s.spec.type_ = "NodePort".into();
        let u = usage(&s.into_any());
        assert_eq!(u["services"].milli(), 1000);
        assert_eq!(u["services.nodeports"].milli(), 1000);
        assert_eq!(u["count/services"].milli(), 1000);
    }

    #[test]
    fn the_pod_that_would_pass_the_hard_limit_is_refused_in_kubernetes_words() {
        let q = quota("pods-max", &[("pods", "5")]);
        let p = pod(&[("a", &[], &[])]);
        let err = check(&[(&q, list(&[("pods", "5")]))], &p).unwrap_err();
        assert_eq!(
            err,
            "exceeded quota: pods-max, requested: pods=1, used: pods=5, limited: pods=5"
        );
        let ok = check(&[(&q, list(&[("pods", "4")]))], &p).unwrap();
        assert_eq!(ok, vec![("pods-max".to_string(), list(&[("pods", "5")]))]);
    }

    #[test]
    fn compute_quotas_make_every_container_name_the_resource() {
        let q = quota(
            "compute",
            &[("limits.cpu", "2"), ("requests.memory", "1Gi")],
        );
        let p = pod(&[("web", &[], &[]), ("side", &[("memory", "1Mi")], &[])]);
        let err = check(&[(&q, ResourceList::new())], &p).unwrap_err();
        assert_eq!(
            err,
            "failed quota: compute: must specify limits.cpu for: web,side; requests.memory for: web"
        );
    }

    #[test]
    fn only_the_exceeded_resources_are_named() {
        let q = quota("mixed", &[("pods", "10"), ("requests.cpu", "1")]);
        let p = pod(&[("a", &[("cpu", "600m")], &[])]);
        let err = check(
            &[(&q, list(&[("pods", "1"), ("requests.cpu", "500m")]))],
            &p,
        )
        .unwrap_err();
        assert_eq!(
            err,
            "exceeded quota: mixed, requested: requests.cpu=600m, used: requests.cpu=500m, limited: requests.cpu=1"
        );
    }

    #[test]
    fn scopes_choose_the_pods_a_quota_limits() {
        let mut be = quota("be", &[("pods", "1")]);
        be.spec.scopes = vec!["BestEffort".into()];
        let mut nbe = quota("nbe", &[("pods", "1")]);
        nbe.spec.scopes = vec!["NotBestEffort".into()];
        let mut high = quota("high", &[("pods", "1")]);
        high.spec.scope_selector = Some(ScopeSelector {
            match_expressions: vec![ScopedRequirement {
                scope_name: "PriorityClass".into(),
                operator: "In".into(),
                values: vec!["high".into()],
            }],
        });
        let plain = pod(&[("a", &[], &[])]);
        let sized = pod(&[("a", &[("cpu", "1")], &[])]);
        let table = [
            (&be, &plain, true),
            (&be, &sized, false),
            (&nbe, &plain, false),
            (&nbe, &sized, true),
            (&high, &plain, false),
        ];
        for (q, p, want) in table {
            assert_eq!(applies(q, p), want, "{} on {:?}", q.metadata.name, usage(p));
        }
        // Scoped quotas never limit other kinds.
        assert!(!applies(&be, &config_map()));
    }

    fn config_map() -> AnyObject {
        new_object::<crate::api::ConfigMap>("default", "c").into_any()
    }

    #[test]
    fn finished_pods_give_their_quota_back() {
        let q = quota("pods", &[("pods", "5"), ("count/configmaps", "9")]);
        let mut done = Pod::test("done");
        done.status.phase = PodPhase::Succeeded;
        let objs = [pod(&[("a", &[], &[])]), done.into_any(), config_map()];
        let used = recount(&q, objs.iter());
        assert_eq!(used, list(&[("pods", "1"), ("count/configmaps", "1")]));
    }
}
