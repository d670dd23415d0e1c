//! Init containers and sidecars (`spec.initContainers`): each is checked as
//! an app container is (names, ports, env, probes, mounts, resources,
//! security), plus what only init containers have: names unique among all
//! the pod's containers, `restartPolicy` only `Always` (a sidecar) and only
//! on init containers, and no probes on an init container that is not a
//! sidecar (it must run to completion).

use super::super::pod::{PodSpec, RestartPolicy};
use super::FieldError;
use super::pod::validate_pod_spec;
use std::collections::HashSet;

/// The path the container checks are run under, rewritten to the real one.
const SCRATCH: &str = "\u{0}init";

pub(super) fn validate_init_containers(path: &str, spec: &PodSpec, errs: &mut Vec<FieldError>) {
    for (i, c) in spec.containers.iter().enumerate() {
        if c.restart_policy.is_some() {
            errs.push(FieldError::new(
                format!("{path}.containers[{i}].restartPolicy"),
                "may only be set on init containers (restartPolicy: Always makes a sidecar)",
            ));
        }
    }
    if spec.init_containers.is_empty() {
        return;
    }
    // The app container checks, run over the init containers.
    let as_app = PodSpec {
        containers: spec.init_containers.clone(),
        volumes: spec.volumes.clone(),
        security_context: spec.security_context.clone(),
        ..Default::default()
    };
    let mut found = vec![];
    validate_pod_spec(SCRATCH, &as_app, &mut found);
    let prefix = format!("{SCRATCH}.containers[");
    errs.extend(found.into_iter().filter_map(|e| {
        e.path.strip_prefix(&prefix).map(|rest| FieldError {
            path: format!("{path}.initContainers[{rest}"),
            message: e.message,
        })
    }));
    let app: HashSet<&str> = spec.containers.iter().map(|c| c.name.as_str()).collect();
    for (i, c) in spec.init_containers.iter().enumerate() {
        let cp = format!("{path}.initContainers[{i}]");
        if app.contains(c.name.as_str()) {
            errs.push(FieldError::new(
                format!("{cp}.name"),
                format!(
                    "duplicate container name {:?} (init and app containers share one namespace of names)",
                    c.name
                ),
            ));
        }
        match c.restart_policy {
            None | Some(RestartPolicy::Always) => {}
            Some(other) => errs.push(FieldError::new(
                format!("{cp}.restartPolicy"),
                format!(
                    "{other:?}: only Always is supported (it makes the init container a sidecar)"
                ),
            )),
        }
        if !c.is_sidecar() {
            for (key, set) in [
                ("livenessProbe", c.liveness_probe.is_some()),
                ("readinessProbe", c.readiness_probe.is_some()),
                ("startupProbe", c.startup_probe.is_some()),
            ] {
                if set {
                    errs.push(FieldError::new(
                        format!("{cp}.{key}"),
                        "may not be set on an init container unless it is a sidecar (restartPolicy: Always)",
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::validate_pod;
    use crate::api::testing::container;
    use crate::api::{Pod, Probe, RestartPolicy};

    fn paths(p: &Pod) -> Vec<(String, String)> {
        validate_pod(p)
            .into_iter()
            .map(|e| (e.path, e.message))
            .collect()
    }

    #[test]
    fn init_containers_are_checked_like_containers_with_their_own_paths() {
        let mut p = Pod::test("p");
        let mut bad = container("Bad_Name");
        bad.liveness_probe = Some(Probe::default());
        let mut sidecar = container("c");
        sidecar.restart_policy = Some(RestartPolicy::Always);
        let mut never = container("n");
        never.restart_policy = Some(RestartPolicy::Never);
        p.spec.init_containers = vec![bad, sidecar, never];
        p.spec.containers[0].restart_policy = Some(RestartPolicy::Always);
        let errs = paths(&p);
        let has =
            |path: &str, needle: &str| errs.iter().any(|(p, m)| p == path && m.contains(needle));
        assert!(
            errs.iter().any(|(p, _)| p == "spec.initContainers[0].name"),
            "{errs:?}"
        );
        assert!(
            has(
                "spec.initContainers[0].livenessProbe",
                "unless it is a sidecar"
            ),
            "{errs:?}"
        );
        assert!(
            has(
                "spec.initContainers[1].name",
                "duplicate container name \"c\""
            ),
            "{errs:?}"
        );
        assert!(
            has("spec.initContainers[2].restartPolicy", "only Always"),
            "{errs:?}"
        );
        assert!(
            has(
                "spec.containers[0].restartPolicy",
                "only be set on init containers"
            ),
            "{errs:?}"
        );
    }

    #[test]
    fn a_pod_with_init_containers_and_a_sidecar_is_valid() {
        let mut p = Pod::test("p");
        let mut sidecar = container("log");
        sidecar.restart_policy = Some(RestartPolicy::Always);
        sidecar.readiness_probe = Some(Probe {
            exec: Some(crate::api::ExecAction {
                command: vec!["true".into()],
            }),
            ..Default::default()
        });
        p.spec.init_containers = vec![container("setup"), sidecar];
        assert_eq!(paths(&p), vec![]);
    }
}
