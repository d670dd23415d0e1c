//! LimitRange admission: the namespace's LimitRanges give containers their
//! default requests and limits, and refuse pods and claims outside their
//! minimums, maximums and limit/request ratios, in Kubernetes' words.
//!
//! Each LimitRange in turn first defaults, then checks (as Kubernetes'
//! LimitRanger does); what was defaulted is recorded on the pod in the
//! `kubernetes.io/limit-ranger` annotation. [`admit_pod`] and
//! [`admit_claim`] are pure; the caller reads the ranges and writes the
//! object. Must not import the HTTP layer, controllers or the scheduler.

use crate::api::Pod;
use crate::api::pod::ResourceRequirements;
use crate::api::quota_types::{LimitRange, LimitRangeItem, ResourceList};
use crate::api::volume::PersistentVolumeClaim;
use std::collections::BTreeMap;

/// The annotation naming what LimitRanges set on a pod.
pub const ANNOTATION: &str = "kubernetes.io/limit-ranger";

/// Gives `c` the defaults of `item` it lacks; what was set, as the
/// annotation words it (`cpu, memory request for container web`).
fn default_container(
    item: &LimitRangeItem,
    r: &mut ResourceRequirements,
    name: &str,
) -> Vec<String> {
    let mut notes = vec![];
    let mut set_requests = vec![];
    for (k, v) in &item.default_request {
        // A limit alone is also the request, as Kubernetes defaults it.
        if !r.requests.contains_key(k) && !r.limits.contains_key(k) {
            r.requests.insert(k.clone(), v.clone());
            set_requests.push(k.as_str());
        }
    }
    let mut set_limits = vec![];
    for (k, v) in &item.default {
        if !r.limits.contains_key(k) {
            r.limits.insert(k.clone(), v.clone());
            set_limits.push(k.as_str());
        }
    }
    if !set_requests.is_empty() {
        notes.push(format!(
            "{} request for container {name}",
            set_requests.join(", ")
        ));
    }
    if !set_limits.is_empty() {
        notes.push(format!(
            "{} limit for container {name}",
            set_limits.join(", ")
        ));
    }
    notes
}

/// Min, max and ratio of one item against one request/limit pair.
fn constrain(
    item: &LimitRangeItem,
    kind: &str,
    requests: &ResourceList,
    limits: &ResourceList,
    errs: &mut Vec<String>,
) {
    for (res, min) in &item.min {
        match (requests.get(res), limits.get(res)) {
            (None, _) => errs.push(format!(
                "minimum {res} usage per {kind} is {min}.  No request is specified"
            )),
            (Some(req), _) if req < min => errs.push(format!(
                "minimum {res} usage per {kind} is {min}, but request is {req}"
            )),
            (_, Some(lim)) if lim < min => errs.push(format!(
                "minimum {res} usage per {kind} is {min}, but limit is {lim}"
            )),
            _ => {}
        }
    }
    for (res, max) in &item.max {
        match (requests.get(res), limits.get(res)) {
            (_, None) => errs.push(format!(
                "maximum {res} usage per {kind} is {max}.  No limit is specified"
            )),
            (_, Some(lim)) if lim > max => errs.push(format!(
                "maximum {res} usage per {kind} is {max}, but limit is {lim}"
            )),
            (Some(req), _) if req > max => errs.push(format!(
                "maximum {res} usage per {kind} is {max}, but request is {req}"
            )),
            _ => {}
        }
    }
    for (res, ratio) in &item.max_limit_request_ratio {
        let req = requests.get(res).map_or(0, |q| q.milli());
        let lim = limits.get(res).map_or(0, |q| q.milli());
        if req == 0 {
            errs.push(format!(
                "{res} max limit to request ratio per {kind} is {ratio}, but no request is specified or request is 0"
            ));
        } else if lim == 0 {
            errs.push(format!(
                "{res} max limit to request ratio per {kind} is {ratio}, but no limit is specified or limit is 0"
            ));
        } else if lim * 1000 > ratio.milli() * req {
            errs.push(format!(
                "{res} max limit to request ratio per {kind} is {ratio}, but provided ratio is {:.6}",
                lim as f64 / req as f64
            ));
        }
    }
}

/// A container's requests as Kubernetes stores them: a limit alone is also
/// the request.
fn effective_requests(r: &ResourceRequirements) -> ResourceList {
    let mut out = r.limits.clone();
    out.extend(r.requests.iter().map(|(k, v)| (k.clone(), v.clone())));
    out
}

fn sum(lists: impl Iterator<Item = ResourceList>) -> ResourceList {
    let mut out: BTreeMap<String, i128> = BTreeMap::new();
    for l in lists {
        for (k, v) in l {
            *out.entry(k).or_default() += v.milli();
        }
    }
    out.into_iter()
        .map(|(k, m)| (k, crate::api::Quantity::from_milli(m)))
        .collect()
}

/// Applies the namespace's LimitRanges to a pod being created: defaults
/// first, then every constraint. The refusal is Kubernetes' message (one
/// problem, or several in brackets), without the `pods "x" is forbidden: `
/// prefix.
pub fn admit_pod(ranges: &[&LimitRange], pod: &mut Pod) -> Result<(), String> {
    let mut errs = vec![];
    for range in ranges {
        let mut notes = vec![];
        for item in range.spec.limits.iter().filter(|i| i.type_ == "Container") {
            for c in &mut pod.spec.containers {
                notes.extend(default_container(item, &mut c.resources, &c.name));
            }
        }
        if !notes.is_empty() {
            pod.metadata.annotations.insert(
                ANNOTATION.to_string(),
                format!("LimitRanger plugin set: {}", notes.join("; ")),
            );
        }
        for item in &range.spec.limits {
            match item.type_.as_str() {
                "Container" => {
                    for c in &pod.spec.containers {
                        let req = effective_requests(&c.resources);
                        constrain(item, "Container", &req, &c.resources.limits, &mut errs);
                    }
                }
                "Pod" => {
                    let cs = &pod.spec.containers;
                    let req = sum(cs.iter().map(|c| effective_requests(&c.resources)));
                    // A pod has a limit for a resource only when every
                    // container has one.
                    let mut lim = sum(cs.iter().map(|c| c.resources.limits.clone()));
                    lim.retain(|k, _| cs.iter().all(|c| c.resources.limits.contains_key(k)));
                    constrain(item, "Pod", &req, &lim, &mut errs);
                }
                _ => {}
            }
        }
    }
    refusal(errs)
}

/// Checks a claim being created against the namespace's LimitRanges.
pub fn admit_claim(ranges: &[&LimitRange], claim: &PersistentVolumeClaim) -> Result<(), String> {
    let mut errs = vec![];
    let r = &claim.spec.resources;
    for range in ranges {
        for item in range
            .spec
            .limits
            .iter()
            .filter(|i| i.type_ == "PersistentVolumeClaim")
        {
            constrain(
                item,
                "PersistentVolumeClaim",
                &effective_requests(r),
                &r.limits,
                &mut errs,
            );
        }
    }
    refusal(errs)
}

/// Kubernetes' aggregate of errors: one alone, several in brackets.
fn refusal(errs: Vec<String>) -> Result<(), String> {
    match errs.len() {
        0 => Ok(()),
        1 => Err(errs.into_iter().next().unwrap_or_default()),
        _ => Err(format!("[{}]", errs.join(", "))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::new_object;
    use crate::api::quota_types::default_item;

    fn list(items: &[(&str, &str)]) -> ResourceList {
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.parse().unwrap()))
            .collect()
    }

    fn range(type_: &str, f: impl FnOnce(&mut LimitRangeItem)) -> LimitRange {
        let mut l: LimitRange = new_object("default", "limits");
        let mut item = LimitRangeItem {
            type_: type_.into(),
            ..Default::default()
        };
        f(&mut item);
        default_item(&mut item);
        l.spec.limits.push(item);
        l
    }

    /// A container's name, requests and limits.
    type Spec<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a [(&'a str, &'a str)]);

    fn pod(containers: &[Spec<'_>]) -> Pod {
        let mut p = Pod::test("p");
        let base = p.spec.containers[0].clone();
        p.spec.containers = containers
            .iter()
            .map(|(name, req, lim)| {
                let mut c = base.clone();
                c.name = name.to_string();
                c.resources.requests = list(req);
                c.resources.limits = list(lim);
                c
            })
            .collect();
        p
    }

    #[test]
    fn defaults_fill_what_containers_lack_and_are_recorded() {
        let l = range("Container", |i| {
            i.default = list(&[("cpu", "1"), ("memory", "512Mi")]);
            i.default_request = list(&[("memory", "256Mi")]);
        });
        let mut p = pod(&[
            ("web", &[("cpu", "100m")], &[]),
            ("side", &[], &[("memory", "128Mi")]),
        ]);
        admit_pod(&[&l], &mut p).unwrap();
        let web = &p.spec.containers[0].resources;
        assert_eq!(web.requests, list(&[("cpu", "100m"), ("memory", "256Mi")]));
        assert_eq!(web.limits, list(&[("cpu", "1"), ("memory", "512Mi")]));
        let side = &p.spec.containers[1].resources;
        // Its limit is also its request: no default request is added.
        assert_eq!(side.requests, list(&[("cpu", "1")]));
        assert_eq!(side.limits, list(&[("cpu", "1"), ("memory", "128Mi")]));
        assert_eq!(
            p.metadata.annotations[ANNOTATION],
            "LimitRanger plugin set: memory request for container web; cpu, memory limit for container web; cpu request for container side; cpu limit for container side"
        );
    }

    #[test]
    fn an_item_with_only_a_max_defaults_the_limit_and_request_to_it() {
        let l = range("Container", |i| i.max = list(&[("cpu", "800m")]));
        let item = &l.spec.limits[0];
        assert_eq!(item.default, list(&[("cpu", "800m")]));
        assert_eq!(item.default_request, list(&[("cpu", "800m")]));
    }

    #[test]
    fn constraints_are_refused_in_kubernetes_words() {
        let min_max = range("Container", |i| {
            i.min = list(&[("cpu", "200m")]);
            i.max = list(&[("cpu", "800m")]);
        });
        let ratio = range("Container", |i| {
            i.max_limit_request_ratio = list(&[("memory", "2")]);
        });
        let pod_max = range("Pod", |i| i.max = list(&[("memory", "1Gi")]));
        let table: [(&LimitRange, Pod, &str); 5] = [
            (
                &min_max,
                pod(&[("c", &[("cpu", "100m")], &[("cpu", "500m")])]),
                "minimum cpu usage per Container is 200m, but request is 100m",
            ),
            (
                &min_max,
                pod(&[("c", &[("cpu", "500m")], &[("cpu", "1500m")])]),
                "maximum cpu usage per Container is 800m, but limit is 1500m",
            ),
            (
                &ratio,
                pod(&[("c", &[("memory", "100Mi")], &[("memory", "800Mi")])]),
                "memory max limit to request ratio per Container is 2, but provided ratio is 8.000000",
            ),
            (
                &ratio,
                pod(&[("c", &[], &[])]),
                "memory max limit to request ratio per Container is 2, but no request is specified or request is 0",
            ),
            (
                &pod_max,
                pod(&[("a", &[], &[("memory", "1Gi")]), ("b", &[], &[])]),
                "maximum memory usage per Pod is 1Gi.  No limit is specified",
            ),
        ];
        for (l, mut p, want) in table {
            assert_eq!(admit_pod(&[l], &mut p).unwrap_err(), want);
        }
        let mut fine = pod(&[("c", &[("cpu", "300m")], &[("cpu", "600m")])]);
        assert_eq!(admit_pod(&[&min_max], &mut fine), Ok(()));
    }

    #[test]
    fn several_problems_are_listed_together() {
        let l = range("Container", |i| i.min = list(&[("cpu", "200m")]));
        let mut p = pod(&[
            ("a", &[("cpu", "100m")], &[]),
            ("b", &[("cpu", "50m")], &[]),
        ]);
        assert_eq!(
            admit_pod(&[&l], &mut p).unwrap_err(),
            "[minimum cpu usage per Container is 200m, but request is 100m, minimum cpu usage per Container is 200m, but request is 50m]"
        );
    }

    #[test]
    fn claims_are_held_to_their_storage_bounds() {
        let l = range("PersistentVolumeClaim", |i| {
            i.min = list(&[("storage", "1Gi")]);
            i.max = list(&[("storage", "2Gi")]);
        });
        let mut c: PersistentVolumeClaim = new_object("default", "data");
        c.spec.resources.requests = list(&[("storage", "5Gi")]);
        assert_eq!(
            admit_claim(&[&l], &c).unwrap_err(),
            "maximum storage usage per PersistentVolumeClaim is 2Gi.  No limit is specified"
        );
    }
}
