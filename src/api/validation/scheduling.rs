//! The scheduling fields of a pod, as Kubernetes validates them: priority
//! and preemption policy, topology spread constraints, positive pod
//! affinity, scheduling gates, pod-level resources and extended resources
//! (whole numbers, requests equal to limits); and PriorityClass objects.

use super::super::pod::{Container, PodSpec, ResourceRequirements};
use super::super::priorityclass::PriorityClass;
use super::super::quantity::Quantity;
use super::{FieldError, object};
use std::collections::HashSet;

/// Resources of the node that may be overcommitted or are not counted as
/// extended: everything else a pod names is an extended resource.
fn is_native(name: &str) -> bool {
    matches!(name, "cpu" | "memory" | "ephemeral-storage")
        || name.starts_with("hugepages-")
        || name.starts_with("kubernetes.io/")
        || name.starts_with("requests.")
}

/// Whether a resource name is an extended one (`example.com/dongle`).
pub fn is_extended(name: &str) -> bool {
    !is_native(name) && name.contains('/')
}

/// A PriorityClass.
pub fn validate_priority_class(c: &PriorityClass) -> Vec<FieldError> {
    object(c, |c, errs| {
        errs.extend(super::super::priorityclass::validate(c))
    })
}

/// Every scheduling field of a pod spec at `path`.
pub(super) fn validate_scheduling(path: &str, spec: &PodSpec, errs: &mut Vec<FieldError>) {
    if let Some(p) = &spec.preemption_policy
        && !matches!(p.as_str(), "PreemptLowerPriority" | "Never")
    {
        errs.push(FieldError::new(
            format!("{path}.preemptionPolicy"),
            format!(
                "Unsupported value: {p:?}: supported values: \"Never\", \"PreemptLowerPriority\""
            ),
        ));
    }
    if let Some(m) = Some(&spec.priority_class_name)
        .filter(|n| !n.is_empty())
        .and_then(|n| super::dns1123_subdomain_error(n))
    {
        errs.push(FieldError::new(format!("{path}.priorityClassName"), m));
    }
    spread(path, spec, errs);
    affinity(path, spec, errs);
    let mut gates = HashSet::new();
    for (i, g) in spec.scheduling_gates.iter().enumerate() {
        let gp = format!("{path}.schedulingGates[{i}].name");
        if g.name.is_empty() {
            errs.push(FieldError::new(gp, "required"));
        } else if !gates.insert(&g.name) {
            errs.push(FieldError::new(
                gp,
                format!("Duplicate value: {:?}", g.name),
            ));
        }
    }
    if !spec.scheduling_gates.is_empty() && !spec.node_name.is_empty() {
        errs.push(FieldError::new(
            format!("{path}.nodeName"),
            "Forbidden: cannot be set until all schedulingGates have been cleared",
        ));
    }
    for (list, containers) in [
        ("containers", &spec.containers),
        ("initContainers", &spec.init_containers),
    ] {
        for (i, c) in containers.iter().enumerate() {
            extended(&format!("{path}.{list}[{i}].resources"), c, errs);
        }
    }
    if let Some(r) = &spec.resources {
        pod_resources(&format!("{path}.resources"), r, spec, errs);
    }
}

fn spread(path: &str, spec: &PodSpec, errs: &mut Vec<FieldError>) {
    let mut seen = HashSet::new();
    for (i, c) in spec.topology_spread_constraints.iter().enumerate() {
        let cp = format!("{path}.topologySpreadConstraints[{i}]");
        if c.max_skew < 1 {
            errs.push(FieldError::new(
                format!("{cp}.maxSkew"),
                format!("{}: must be greater than zero", c.max_skew),
            ));
        }
        if c.topology_key.is_empty() {
            errs.push(FieldError::new(
                format!("{cp}.topologyKey"),
                "can not be empty",
            ));
        }
        if !matches!(
            c.when_unsatisfiable.as_str(),
            "DoNotSchedule" | "ScheduleAnyway"
        ) {
            errs.push(FieldError::new(
                format!("{cp}.whenUnsatisfiable"),
                format!(
                    "Unsupported value: {:?}: supported values: \"DoNotSchedule\", \"ScheduleAnyway\"",
                    c.when_unsatisfiable
                ),
            ));
        }
        if let Some(m) = c.min_domains {
            if m < 1 {
                errs.push(FieldError::new(
                    format!("{cp}.minDomains"),
                    format!("{m}: must be greater than zero"),
                ));
            } else if !c.is_hard() {
                errs.push(FieldError::new(
                    format!("{cp}.minDomains"),
                    "can only use minDomains if whenUnsatisfiable=DoNotSchedule",
                ));
            }
        }
        if !seen.insert((&c.topology_key, &c.when_unsatisfiable)) {
            errs.push(FieldError::new(
                format!("{cp}.{{topologyKey, whenUnsatisfiable}}"),
                format!(
                    "Duplicate value: {{{:?}, {:?}}}",
                    c.topology_key, c.when_unsatisfiable
                ),
            ));
        }
        if let Some(s) = &c.label_selector
            && let Err(e) = s.to_selector()
        {
            errs.push(FieldError::new(
                format!("{cp}.labelSelector"),
                e.to_string(),
            ));
        }
        for (j, k) in c.match_label_keys.iter().enumerate() {
            let in_selector = c.label_selector.as_ref().is_some_and(|s| {
                s.match_labels.contains_key(k) || s.match_expressions.iter().any(|e| e.key == *k)
            });
            if in_selector {
                errs.push(FieldError::new(
                    format!("{cp}.matchLabelKeys[{j}]"),
                    format!("{k:?} exists in both matchLabelKeys and labelSelector"),
                ));
            }
        }
        for (field, v, allowed) in [
            (
                "nodeAffinityPolicy",
                &c.node_affinity_policy,
                ["Honor", "Ignore"],
            ),
            (
                "nodeTaintsPolicy",
                &c.node_taints_policy,
                ["Honor", "Ignore"],
            ),
        ] {
            if let Some(v) = v
                && !allowed.contains(&v.as_str())
            {
                errs.push(FieldError::new(
                    format!("{cp}.{field}"),
                    format!("Unsupported value: {v:?}: supported values: \"Honor\", \"Ignore\""),
                ));
            }
        }
    }
}

fn affinity(path: &str, spec: &PodSpec, errs: &mut Vec<FieldError>) {
    let Some(a) = spec.affinity.as_ref().and_then(|a| a.pod_affinity.as_ref()) else {
        return;
    };
    let ap = format!("{path}.affinity.podAffinity");
    let required = a
        .required_during_scheduling_ignored_during_execution
        .iter()
        .enumerate()
        .map(|(i, t)| {
            (
                format!("{ap}.requiredDuringSchedulingIgnoredDuringExecution[{i}]"),
                t,
            )
        });
    let preferred = a
        .preferred_during_scheduling_ignored_during_execution
        .iter()
        .enumerate()
        .map(|(i, w)| {
            if !(1..=100).contains(&w.weight) {
                errs.push(FieldError::new(
                    format!("{ap}.preferredDuringSchedulingIgnoredDuringExecution[{i}].weight"),
                    "must be in the range 1-100",
                ));
            }
            (
                format!(
                    "{ap}.preferredDuringSchedulingIgnoredDuringExecution[{i}].podAffinityTerm"
                ),
                &w.pod_affinity_term,
            )
        })
        .collect::<Vec<_>>();
    for (tp, t) in required.chain(preferred) {
        if t.topology_key.is_empty() {
            errs.push(FieldError::new(
                format!("{tp}.topologyKey"),
                "can not be empty",
            ));
        }
        if let Some(s) = &t.label_selector
            && let Err(e) = s.to_selector()
        {
            errs.push(FieldError::new(
                format!("{tp}.labelSelector"),
                e.to_string(),
            ));
        }
    }
}

/// Extended resources cannot be overcommitted: whole numbers, and a
/// request needs a limit equal to it.
fn extended(rp: &str, c: &Container, errs: &mut Vec<FieldError>) {
    let r = &c.resources;
    for (section, map) in [("requests", &r.requests), ("limits", &r.limits)] {
        for (name, q) in map {
            if is_extended(name) && q.milli() % 1000 != 0 {
                errs.push(FieldError::new(
                    format!("{rp}.{section}.{name}"),
                    format!("{q}: must be an integer"),
                ));
            }
        }
    }
    for (name, req) in &r.requests {
        if !is_extended(name) {
            continue;
        }
        match r.limits.get(name) {
            None => errs.push(FieldError::new(
                format!("{rp}.limits.{name}"),
                "Required value: Limit must be set for non overcommitable resources",
            )),
            Some(lim) if lim.milli() != req.milli() => errs.push(FieldError::new(
                format!("{rp}.requests.{name}"),
                format!("Invalid value: {req}: must be equal to {name} limit of {lim}"),
            )),
            Some(_) => {}
        }
    }
}

/// Pod-level resources: cpu and memory only; limits at least the requests
/// and at least each container's limit; requests at least the
/// containers' sum.
fn pod_resources(rp: &str, r: &ResourceRequirements, spec: &PodSpec, errs: &mut Vec<FieldError>) {
    for (section, map) in [("requests", &r.requests), ("limits", &r.limits)] {
        for (name, q) in map {
            let qp = format!("{rp}.{section}.{name}");
            if !matches!(name.as_str(), "cpu" | "memory") {
                errs.push(FieldError::new(
                    qp,
                    format!("Unsupported value: {name:?}: supported values: \"cpu\", \"memory\""),
                ));
            } else if q.is_negative() {
                errs.push(FieldError::new(qp, "must not be negative"));
            }
        }
    }
    for (name, req) in &r.requests {
        if let Some(lim) = r.limits.get(name)
            && req > lim
        {
            errs.push(FieldError::new(
                format!("{rp}.requests.{name}"),
                format!("must be less than or equal to {name} limit of {lim}"),
            ));
        }
        let sum: i128 = spec
            .containers
            .iter()
            .filter_map(|c| c.resources.requests.get(name))
            .map(Quantity::milli)
            .sum();
        if req.milli() < sum {
            errs.push(FieldError::new(
                format!("{rp}.requests.{name}"),
                format!("{req}: must be greater than or equal to aggregate container requests"),
            ));
        }
    }
    for (name, lim) in &r.limits {
        let over = spec
            .containers
            .iter()
            .any(|c| c.resources.limits.get(name).is_some_and(|l| l > lim));
        if over {
            errs.push(FieldError::new(
                format!("{rp}.limits.{name}"),
                format!("{lim}: must be greater than or equal to each container's {name} limit"),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::placement::TopologySpreadConstraint;
    use crate::api::pod::PodSchedulingGate;

    fn errors(spec: &PodSpec) -> Vec<String> {
        let mut errs = vec![];
        validate_scheduling("spec", spec, &mut errs);
        errs.into_iter()
            .map(|e| format!("{}: {}", e.path, e.message))
            .collect()
    }

    fn container(requests: &[(&str, &str)], limits: &[(&str, &str)]) -> Container {
        let mut c = Container {
            name: "c".into(),
            ..Default::default()
        };
        for (k, v) in requests {
            c.resources
                .requests
                .insert(k.to_string(), v.parse().unwrap());
        }
        for (k, v) in limits {
            c.resources.limits.insert(k.to_string(), v.parse().unwrap());
        }
        c
    }

    #[test]
    fn extended_resources_need_whole_equal_limits() {
        let table = [
            (
                container(
                    &[("example.com/dongle", "1")],
                    &[("example.com/dongle", "1")],
                ),
                None,
            ),
            (container(&[], &[("example.com/dongle", "2")]), None),
            (
                container(&[("example.com/dongle", "1")], &[]),
                Some(
                    "spec.containers[0].resources.limits.example.com/dongle: Required value: Limit must be set for non overcommitable resources",
                ),
            ),
            (
                container(
                    &[("example.com/dongle", "1")],
                    &[("example.com/dongle", "2")],
                ),
                Some(
                    "spec.containers[0].resources.requests.example.com/dongle: Invalid value: 1: must be equal to example.com/dongle limit of 2",
                ),
            ),
            (container(&[("cpu", "100m")], &[]), None),
        ];
        for (c, want) in table {
            let spec = PodSpec {
                containers: vec![c],
                ..Default::default()
            };
            assert_eq!(errors(&spec).first().map(String::as_str), want);
        }
        let half = PodSpec {
            containers: vec![container(
                &[("example.com/dongle", "500m")],
                &[("example.com/dongle", "500m")],
            )],
            ..Default::default()
        };
        assert!(
            errors(&half)[0].contains("must be an integer"),
            "{:?}",
            errors(&half)
        );
    }

    #[test]
    fn spread_constraints_are_checked_as_kubernetes_does() {
        let mut c = TopologySpreadConstraint {
            max_skew: 0,
            topology_key: String::new(),
            when_unsatisfiable: "Sometimes".into(),
            min_domains: Some(2),
            ..Default::default()
        };
        let spec = PodSpec {
            topology_spread_constraints: vec![c.clone()],
            ..Default::default()
        };
        let errs = errors(&spec);
        assert_eq!(errs.len(), 4, "{errs:?}");
        assert!(errs[0].starts_with("spec.topologySpreadConstraints[0].maxSkew"));
        assert!(errs[3].contains("minDomains if whenUnsatisfiable=DoNotSchedule"));
        c.max_skew = 1;
        c.topology_key = "zone".into();
        c.when_unsatisfiable = "DoNotSchedule".into();
        let ok = PodSpec {
            topology_spread_constraints: vec![c],
            ..Default::default()
        };
        assert!(errors(&ok).is_empty(), "{:?}", errors(&ok));
    }

    #[test]
    fn gates_are_named_once_and_exclude_a_node_name() {
        let gate = |n: &str| PodSchedulingGate { name: n.into() };
        let spec = PodSpec {
            scheduling_gates: vec![gate("a"), gate("a")],
            node_name: "n1".into(),
            ..Default::default()
        };
        assert_eq!(
            errors(&spec),
            [
                "spec.schedulingGates[1].name: Duplicate value: \"a\"",
                "spec.nodeName: Forbidden: cannot be set until all schedulingGates have been cleared"
            ]
        );
    }

    #[test]
    fn pod_resources_cover_their_containers() {
        let mut r = ResourceRequirements::default();
        r.requests.insert("cpu".into(), "500m".parse().unwrap());
        r.limits.insert("cpu".into(), "1".parse().unwrap());
        let mut spec = PodSpec {
            containers: vec![
                container(&[("cpu", "200m")], &[]),
                container(&[("cpu", "200m")], &[]),
            ],
            resources: Some(r.clone()),
            ..Default::default()
        };
        assert!(errors(&spec).is_empty(), "{:?}", errors(&spec));
        spec.containers.push(container(&[("cpu", "200m")], &[]));
        assert_eq!(
            errors(&spec),
            [
                "spec.resources.requests.cpu: 500m: must be greater than or equal to aggregate container requests"
            ]
        );
        r.requests
            .insert("example.com/dongle".into(), "1".parse().unwrap());
        spec.containers.pop();
        spec.resources = Some(r);
        assert!(errors(&spec)[0].contains("supported values: \"cpu\", \"memory\""));
    }
}
