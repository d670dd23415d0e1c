//! Pods and pod templates: containers, ports, env names, probes, resources,
//! security contexts, tolerations and affinity.

use super::super::apps::IntOrString;
use super::super::pod::{Container, Pod, PodSpec, Probe};
use super::super::security::{
    APP_ARMOR_ANNOTATION, AppArmorProfile, CAPABILITIES, MAX_ID, PodSecurityContext, SAFE_SYSCTLS,
    SeccompProfile, SecurityContext, Unsupported, app_armor_from_annotation, capability_name,
    is_safe_sysctl,
};
use super::super::volume::env_name_ok;
use super::{FieldError, dns1123_label_error, dns1123_subdomain_error, object, validate_labels};
use std::collections::HashSet;

/// IANA service name, as Kubernetes requires of port names.
fn port_name_error(s: &str) -> Option<&'static str> {
    if s.len() > 15 {
        return Some("must be at most 15 characters");
    }
    if !s
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Some("must be lowercase letters, digits and '-'");
    }
    if !s.chars().any(|c| c.is_ascii_lowercase()) {
        return Some("must contain at least one letter");
    }
    if s.starts_with('-') || s.ends_with('-') || s.contains("--") {
        return Some("must not start or end with '-' or contain '--'");
    }
    None
}

const KNOWN_RESOURCES: [&str; 3] = ["cpu", "memory", "ephemeral-storage"];

fn validate_probe(path: &str, key: &str, c: &Container, p: &Probe, errs: &mut Vec<FieldError>) {
    let handlers = [
        p.exec.is_some(),
        p.http_get.is_some(),
        p.tcp_socket.is_some(),
        p.grpc.is_some(),
    ];
    match handlers.iter().filter(|h| **h).count() {
        1 => {}
        0 => errs.push(FieldError::new(
            path.to_string(),
            "needs one of httpGet, tcpSocket, grpc or exec",
        )),
        _ => errs.push(FieldError::new(
            path.to_string(),
            "may have only one of httpGet, tcpSocket, grpc and exec",
        )),
    }
    let port_check =
        |field: &str, port: &IntOrString, errs: &mut Vec<FieldError>| match c.resolve_port(port) {
            Some(n) if (1..=65535).contains(&n) => {}
            Some(n) => errs.push(FieldError::new(
                format!("{path}.{field}.port"),
                format!("{n} must be between 1 and 65535"),
            )),
            None => errs.push(FieldError::new(
                format!("{path}.{field}.port"),
                format!("{port:?} names no port of this container"),
            )),
        };
    if let Some(h) = &p.http_get {
        port_check("httpGet", &h.port, errs);
        if let Some(s) = &h.scheme
            && s != "HTTP"
        {
            errs.push(FieldError::new(
                format!("{path}.httpGet.scheme"),
                format!("{s:?}: ork checks HTTP only (use a tcpSocket probe for TLS ports)"),
            ));
        }
    }
    if let Some(t) = &p.tcp_socket {
        port_check("tcpSocket", &t.port, errs);
    }
    if let Some(g) = &p.grpc {
        port_check("grpc", &IntOrString::Int(g.port), errs);
    }
    if let Some(e) = &p.exec
        && e.command.is_empty()
    {
        errs.push(FieldError::new(
            format!("{path}.exec.command"),
            "must not be empty",
        ));
    }
    for (field, v, min) in [
        ("initialDelaySeconds", p.initial_delay_seconds, 0),
        ("periodSeconds", p.period_seconds, 1),
        ("timeoutSeconds", p.timeout_seconds, 1),
        ("successThreshold", p.success_threshold, 1),
        ("failureThreshold", p.failure_threshold, 1),
    ] {
        if let Some(v) = v
            && v < min
        {
            errs.push(FieldError::new(
                format!("{path}.{field}"),
                format!("must be at least {min}"),
            ));
        }
    }
    if key != "readinessProbe" && p.success_threshold.is_some_and(|s| s != 1) {
        errs.push(FieldError::new(
            format!("{path}.successThreshold"),
            "must be 1 for liveness and startup probes",
        ));
    }
}

/// A user or group id: 0 to [`MAX_ID`].
fn check_id(path: String, id: Option<i64>, errs: &mut Vec<FieldError>) {
    if let Some(id) = id
        && !(0..=MAX_ID).contains(&id)
    {
        errs.push(FieldError::new(
            path,
            format!("{id} must be between 0 and {MAX_ID}"),
        ));
    }
}

fn refuse_unsupported(path: &str, fields: Vec<Unsupported>, errs: &mut Vec<FieldError>) {
    for u in fields {
        errs.push(FieldError::new(
            format!("{path}.{}", u.field),
            format!("not supported by ork yet: {}", u.instead),
        ));
    }
}

fn validate_seccomp(path: &str, p: &SeccompProfile, errs: &mut Vec<FieldError>) {
    validate_profile(
        path,
        "seccomp",
        &p.type_,
        p.localhost_profile.as_deref(),
        errs,
    );
    // The file is under the node's seccomp directory: a path that climbs
    // out of it (or starts at the root) is refused, as Kubernetes does.
    if let Some(file) = p
        .localhost_profile
        .as_deref()
        .filter(|_| p.type_ == "Localhost")
        && (file.starts_with('/') || file.split('/').any(|part| part == ".."))
    {
        errs.push(FieldError::new(
            format!("{path}.localhostProfile"),
            format!(
                "{file:?} must be a relative path inside the node's seccomp directory, without '..'"
            ),
        ));
    }
}

fn validate_app_armor(path: &str, p: &AppArmorProfile, errs: &mut Vec<FieldError>) {
    validate_profile(
        path,
        "AppArmor",
        &p.type_,
        p.localhost_profile.as_deref(),
        errs,
    );
    if let Some(name) = p
        .localhost_profile
        .as_deref()
        .filter(|_| p.type_ == "Localhost")
        && name.trim() != name
    {
        errs.push(FieldError::new(
            format!("{path}.localhostProfile"),
            "must not be padded with whitespace",
        ));
    }
}

/// What seccomp and AppArmor profiles share: the type, and a
/// `localhostProfile` exactly when the type is `Localhost`.
fn validate_profile(
    path: &str,
    what: &str,
    type_: &str,
    localhost: Option<&str>,
    errs: &mut Vec<FieldError>,
) {
    match type_ {
        "RuntimeDefault" | "Unconfined" => {
            if localhost.is_some() {
                errs.push(FieldError::new(
                    format!("{path}.localhostProfile"),
                    "may only be set with type Localhost",
                ));
            }
        }
        "Localhost" => {
            if localhost.is_none_or(|l| l.trim().is_empty()) {
                errs.push(FieldError::new(
                    format!("{path}.localhostProfile"),
                    format!("required when the {what} profile type is Localhost"),
                ));
            }
        }
        other => errs.push(FieldError::new(
            format!("{path}.type"),
            format!(
                "unknown {what} profile type {other:?}: use RuntimeDefault, Unconfined or Localhost"
            ),
        )),
    }
}

fn validate_pod_security(path: &str, sc: &PodSecurityContext, errs: &mut Vec<FieldError>) {
    check_id(format!("{path}.runAsUser"), sc.run_as_user, errs);
    check_id(format!("{path}.runAsGroup"), sc.run_as_group, errs);
    check_id(format!("{path}.fsGroup"), sc.fs_group, errs);
    for (i, g) in sc.supplemental_groups.iter().flatten().enumerate() {
        check_id(format!("{path}.supplementalGroups[{i}]"), Some(*g), errs);
    }
    if let Some(p) = sc
        .supplemental_groups_policy
        .as_deref()
        .filter(|p| !matches!(*p, "Merge" | "Strict"))
    {
        errs.push(FieldError::new(
            format!("{path}.supplementalGroupsPolicy"),
            format!("unsupported value {p:?}: use Merge or Strict"),
        ));
    }
    let mut seen = HashSet::new();
    for (i, s) in sc.sysctls.iter().flatten().enumerate() {
        let field = format!("{path}.sysctls[{i}].name");
        if !is_safe_sysctl(&s.name) {
            errs.push(FieldError::new(
                field,
                format!(
                    "sysctl {:?} is not in Kubernetes' safe set, which is all ork sets ({}): set it on the node itself",
                    s.name,
                    SAFE_SYSCTLS.join(", ")
                ),
            ));
        } else if !seen.insert(s.name.replace('/', ".")) {
            errs.push(FieldError::new(
                field,
                format!("duplicate sysctl {:?}", s.name),
            ));
        }
    }
    if sc.run_as_non_root == Some(true) && sc.run_as_user == Some(0) {
        errs.push(FieldError::new(
            format!("{path}.runAsNonRoot"),
            "runAsNonRoot is true but runAsUser is 0 (root): give a non-zero runAsUser or remove runAsNonRoot",
        ));
    }
    if let Some(p) = &sc.seccomp_profile {
        validate_seccomp(&format!("{path}.seccompProfile"), p, errs);
    }
    if let Some(p) = &sc.app_armor_profile {
        validate_app_armor(&format!("{path}.appArmorProfile"), p, errs);
    }
    refuse_unsupported(path, sc.unsupported(), errs);
}

/// A container's security context, with the pod's where the container sets nothing.
fn validate_container_security(
    path: &str,
    sc: &SecurityContext,
    pod: Option<&PodSecurityContext>,
    errs: &mut Vec<FieldError>,
) {
    check_id(format!("{path}.runAsUser"), sc.run_as_user, errs);
    check_id(format!("{path}.runAsGroup"), sc.run_as_group, errs);
    let non_root = sc
        .run_as_non_root
        .or_else(|| pod.and_then(|p| p.run_as_non_root));
    let user = sc.run_as_user.or_else(|| pod.and_then(|p| p.run_as_user));
    // The pod's own pair is reported at the pod's level.
    let own = sc.run_as_non_root.is_some() || sc.run_as_user.is_some();
    if own && non_root == Some(true) && user == Some(0) {
        errs.push(FieldError::new(
            format!("{path}.runAsNonRoot"),
            "runAsNonRoot is true but runAsUser is 0 (root): give a non-zero runAsUser or remove runAsNonRoot",
        ));
    }
    if sc.privileged == Some(true) && sc.allow_privilege_escalation == Some(false) {
        errs.push(FieldError::new(
            format!("{path}.allowPrivilegeEscalation"),
            "cannot be false when privileged is true",
        ));
    }
    if let Some(caps) = &sc.capabilities {
        for (list, names) in [("add", &caps.add), ("drop", &caps.drop)] {
            for (i, n) in names.iter().enumerate() {
                let name = capability_name(n);
                if !CAPABILITIES.contains(&name.as_str()) {
                    errs.push(FieldError::new(
                        format!("{path}.capabilities.{list}[{i}]"),
                        format!("unknown capability {n:?}"),
                    ));
                } else if list == "add" && name == "ALL" {
                    errs.push(FieldError::new(
                        format!("{path}.capabilities.add[{i}]"),
                        "adding ALL makes a privileged container, which ork does not run: add only the capabilities the container needs",
                    ));
                } else if list == "add"
                    && name == "SYS_ADMIN"
                    && sc.allow_privilege_escalation == Some(false)
                {
                    errs.push(FieldError::new(
                        format!("{path}.allowPrivilegeEscalation"),
                        "cannot be false when capabilities.add has SYS_ADMIN",
                    ));
                }
            }
        }
    }
    if let Some(p) = &sc.seccomp_profile {
        validate_seccomp(&format!("{path}.seccompProfile"), p, errs);
    }
    if let Some(p) = &sc.app_armor_profile {
        validate_app_armor(&format!("{path}.appArmorProfile"), p, errs);
    }
    refuse_unsupported(path, sc.unsupported(), errs);
}

pub(super) fn validate_pod_spec(path: &str, spec: &PodSpec, errs: &mut Vec<FieldError>) {
    super::volume::validate_pod_volumes(spec, path, errs);
    crate::api::field_policy::validate_defaults(path, spec, errs);
    super::serviceaccount::validate_pod_service_account(path, spec, errs);
    super::scheduling::validate_scheduling(path, spec, errs);
    if let Some(sc) = &spec.security_context {
        validate_pod_security(&format!("{path}.securityContext"), sc, errs);
    }
    if spec.containers.is_empty() {
        errs.push(FieldError::new(
            format!("{path}.containers"),
            "at least one container is required",
        ));
    }
    let mut names = HashSet::new();
    let mut host_ports = HashSet::new();
    for (i, c) in spec.containers.iter().enumerate() {
        let cp = format!("{path}.containers[{i}]");
        if let Some(m) = dns1123_label_error(&c.name) {
            errs.push(FieldError::new(format!("{cp}.name"), m));
        } else if !names.insert(c.name.as_str()) {
            errs.push(FieldError::new(
                format!("{cp}.name"),
                format!("duplicate container name {:?}", c.name),
            ));
        }
        for (j, e) in c.env.iter().enumerate() {
            if !env_name_ok(&e.name) {
                errs.push(FieldError::new(
                    format!("{cp}.env[{j}].name"),
                    format!(
                        "{:?} is not a valid environment variable name (letters, digits, '_', '-', '.'; not starting with a digit)",
                        e.name
                    ),
                ));
            }
        }
        let mut port_names = HashSet::new();
        for (j, p) in c.ports.iter().enumerate() {
            let pp = format!("{cp}.ports[{j}]");
            if !(1..=65535).contains(&p.container_port) {
                errs.push(FieldError::new(
                    format!("{pp}.containerPort"),
                    format!("{} must be between 1 and 65535", p.container_port),
                ));
            }
            if let Some(hp) = p.host_port {
                if spec.host_network() && hp != p.container_port {
                    errs.push(FieldError::new(
                        format!("{pp}.hostPort"),
                        format!(
                            "must match containerPort ({}) when hostNetwork is true",
                            p.container_port
                        ),
                    ));
                } else if !(1..=65535).contains(&hp) {
                    errs.push(FieldError::new(
                        format!("{pp}.hostPort"),
                        format!("{hp} must be between 1 and 65535"),
                    ));
                } else if !host_ports.insert((hp, p.protocol)) {
                    errs.push(FieldError::new(
                        format!("{pp}.hostPort"),
                        format!("host port {hp} is used twice in this pod"),
                    ));
                }
            }
            if !p.name.is_empty() {
                if let Some(m) = port_name_error(&p.name) {
                    errs.push(FieldError::new(format!("{pp}.name"), m));
                } else if !port_names.insert(p.name.as_str()) {
                    errs.push(FieldError::new(
                        format!("{pp}.name"),
                        format!("duplicate port name {:?}", p.name),
                    ));
                }
            }
        }
        if let Some(sc) = &c.security_context {
            validate_container_security(
                &format!("{cp}.securityContext"),
                sc,
                spec.security_context.as_ref(),
                errs,
            );
        }
        for (key, probe) in [
            ("livenessProbe", &c.liveness_probe),
            ("readinessProbe", &c.readiness_probe),
            ("startupProbe", &c.startup_probe),
        ] {
            if let Some(p) = probe {
                validate_probe(&format!("{cp}.{key}"), key, c, p, errs);
            }
        }
        for (section, map) in [
            ("requests", &c.resources.requests),
            ("limits", &c.resources.limits),
        ] {
            for (name, q) in map {
                let qp = format!("{cp}.resources.{section}.{name}");
                if !KNOWN_RESOURCES.contains(&name.as_str()) && !name.contains('/') {
                    errs.push(FieldError::new(
                        qp.clone(),
                        format!(
                            "unknown resource {name:?} (use cpu, memory, ephemeral-storage, or a domain-prefixed name)"
                        ),
                    ));
                }
                if q.is_negative() {
                    errs.push(FieldError::new(qp, "must not be negative"));
                }
            }
        }
        for (name, req) in &c.resources.requests {
            if let Some(lim) = c.resources.limits.get(name)
                && req > lim
            {
                errs.push(FieldError::new(
                    format!("{cp}.resources.requests.{name}"),
                    format!("request {req} must not exceed limit {lim}"),
                ));
            }
        }
    }
    if let Some(name) = Some(&spec.node_name).filter(|n| !n.is_empty())
        && let Some(m) = dns1123_subdomain_error(name)
    {
        errs.push(FieldError::new(format!("{path}.nodeName"), m));
    }
    validate_labels(&format!("{path}.nodeSelector"), &spec.node_selector, errs);
    hostname_fields(spec, path, errs);
    if !spec.runtime_class_name.is_empty()
        && !RUNTIME_CLASSES.contains(&spec.runtime_class_name.as_str())
    {
        errs.push(FieldError::new(
            format!("{path}.runtimeClassName"),
            format!(
                "unknown runtime {:?}: ork nodes offer \"docker\" and \"process\" (or \"fake\" on hollow nodes)",
                spec.runtime_class_name
            ),
        ));
    }
    if let Some(g) = spec.termination_grace_period_seconds
        && g < 0
    {
        errs.push(FieldError::new(
            format!("{path}.terminationGracePeriodSeconds"),
            "must not be negative",
        ));
    }
    for (field, list) in [
        ("initContainers", &spec.init_containers),
        ("containers", &spec.containers),
    ] {
        for (i, c) in list.iter().enumerate() {
            let sidecar = c.restart_policy == Some(super::super::pod::RestartPolicy::Always);
            let init = field == "initContainers" && !sidecar;
            resize_policy(&format!("{path}.{field}[{i}]"), c, init, errs);
        }
    }
    for (i, r) in spec.image_pull_secrets.iter().enumerate() {
        if let Some(m) = dns1123_subdomain_error(&r.name) {
            errs.push(FieldError::new(
                format!("{path}.imagePullSecrets[{i}].name"),
                m,
            ));
        }
    }
    if spec.host_network() {
        let sysctls = spec
            .security_context
            .as_ref()
            .and_then(|s| s.sysctls.as_ref());
        for (i, s) in sysctls.into_iter().flatten().enumerate() {
            if s.name.starts_with("net.") || s.name.starts_with("net/") {
                errs.push(FieldError::new(
                    format!("{path}.securityContext.sysctls[{i}].name"),
                    format!("{:?} may not be set when hostNetwork is true: it would change the node's own network", s.name),
                ));
            }
        }
    }
    validate_placement(path, spec, errs);
    if !path.starts_with('\u{0}') {
        super::init::validate_init_containers(path, spec, errs);
        super::lifecycle::validate_lifecycles(path, spec, errs);
    }
}

/// Tolerations and node affinity: operators and effects Kubernetes knows.
fn validate_placement(path: &str, spec: &PodSpec, errs: &mut Vec<FieldError>) {
    for (i, t) in spec.tolerations.iter().enumerate() {
        let p = format!("{path}.tolerations[{i}]");
        match t.operator.as_str() {
            "" | "Equal" => {
                if t.key.is_empty() {
                    errs.push(FieldError::new(
                        format!("{p}.operator"),
                        "must be Exists when key is empty",
                    ));
                }
            }
            "Exists" => {
                if !t.value.is_empty() {
                    errs.push(FieldError::new(
                        format!("{p}.value"),
                        "must be empty when operator is Exists",
                    ));
                }
            }
            other => errs.push(FieldError::new(
                format!("{p}.operator"),
                format!("unknown operator {other:?}; use Equal or Exists"),
            )),
        }
        if !["", "NoSchedule", "PreferNoSchedule", "NoExecute"].contains(&t.effect.as_str()) {
            errs.push(FieldError::new(
                format!("{p}.effect"),
                format!(
                    "unknown effect {:?}; use NoSchedule, PreferNoSchedule or NoExecute",
                    t.effect
                ),
            ));
        }
    }
    if let Some(anti) = spec
        .affinity
        .as_ref()
        .and_then(|a| a.pod_anti_affinity.as_ref())
    {
        let base = format!("{path}.affinity.podAntiAffinity");
        let terms = anti
            .required_during_scheduling_ignored_during_execution
            .iter()
            .enumerate()
            .map(|(i, t)| (format!("{base}.requiredDuringSchedulingIgnoredDuringExecution[{i}]"), t))
            .chain(
                anti.preferred_during_scheduling_ignored_during_execution
                    .iter()
                    .enumerate()
                    .map(|(i, w)| {
                        (
                            format!("{base}.preferredDuringSchedulingIgnoredDuringExecution[{i}].podAffinityTerm"),
                            &w.pod_affinity_term,
                        )
                    }),
            );
        for (p, t) in terms {
            if t.topology_key.is_empty() {
                errs.push(FieldError::new(
                    format!("{p}.topologyKey"),
                    "can not be empty",
                ));
            }
            if let Some(s) = &t.label_selector
                && let Err(e) = s.to_selector()
            {
                errs.push(FieldError::new(format!("{p}.labelSelector"), e.to_string()));
            }
        }
        for (i, w) in anti
            .preferred_during_scheduling_ignored_during_execution
            .iter()
            .enumerate()
        {
            if !(1..=100).contains(&w.weight) {
                errs.push(FieldError::new(
                    format!("{base}.preferredDuringSchedulingIgnoredDuringExecution[{i}].weight"),
                    "must be 1 to 100",
                ));
            }
        }
    }
    let Some(na) = spec
        .affinity
        .as_ref()
        .and_then(|a| a.node_affinity.as_ref())
    else {
        return;
    };
    let base = format!("{path}.affinity.nodeAffinity");
    let check_term = |p: String,
                      term: &super::super::placement::NodeSelectorTerm,
                      errs: &mut Vec<FieldError>| {
        for (j, r) in term.match_expressions.iter().enumerate() {
            if let Some(m) = r.problem() {
                errs.push(FieldError::new(format!("{p}.matchExpressions[{j}]"), m));
            }
        }
        for (j, r) in term.match_fields.iter().enumerate() {
            if r.key != "metadata.name" {
                errs.push(FieldError::new(
                    format!("{p}.matchFields[{j}].key"),
                    "only metadata.name is a node field",
                ));
            } else if let Some(m) = r.problem() {
                errs.push(FieldError::new(format!("{p}.matchFields[{j}]"), m));
            }
        }
    };
    if let Some(req) = &na.required_during_scheduling_ignored_during_execution {
        let p = format!("{base}.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms");
        if req.node_selector_terms.is_empty() {
            errs.push(FieldError::new(p.clone(), "needs at least one term"));
        }
        for (i, t) in req.node_selector_terms.iter().enumerate() {
            check_term(format!("{p}[{i}]"), t, errs);
        }
    }
    for (i, pref) in na
        .preferred_during_scheduling_ignored_during_execution
        .iter()
        .enumerate()
    {
        let p = format!("{base}.preferredDuringSchedulingIgnoredDuringExecution[{i}]");
        if !(1..=100).contains(&pref.weight) {
            errs.push(FieldError::new(format!("{p}.weight"), "must be 1 to 100"));
        }
        check_term(format!("{p}.preference"), &pref.preference, errs);
    }
}
/// The runtimes a pod may ask for with `runtimeClassName`.
pub const RUNTIME_CLASSES: &[&str] = &["docker", "process", "fake"];

pub fn validate_pod(pod: &Pod) -> Vec<FieldError> {
    object(pod, |p, errs| {
        validate_pod_spec("spec", &p.spec, errs);
        app_armor_annotations(p, errs);
    })
}

/// The annotations that named AppArmor profiles before `appArmorProfile`:
/// each names a container of the pod and a profile, as Kubernetes checks.
fn app_armor_annotations(pod: &Pod, errs: &mut Vec<FieldError>) {
    for (key, value) in &pod.metadata.annotations {
        let Some(name) = key.strip_prefix(APP_ARMOR_ANNOTATION) else {
            continue;
        };
        let path = format!("metadata.annotations[{key}]");
        if pod.spec.container(name).is_none() {
            errs.push(FieldError::new(
                path,
                format!("container {name:?} not found in the pod"),
            ));
        } else if app_armor_from_annotation(value).is_none() {
            errs.push(FieldError::new(
                path,
                format!(
                    "invalid AppArmor profile {value:?}: use runtime/default, unconfined or localhost/<profile>"
                ),
            ));
        }
    }
}

/// `resizePolicy`: cpu and memory, each once, and not on an init
/// container that runs to completion, as Kubernetes checks it.
fn resize_policy(path: &str, c: &Container, init: bool, errs: &mut Vec<FieldError>) {
    if init && !c.resize_policy.is_empty() {
        errs.push(FieldError::new(
            format!("{path}.resizePolicy"),
            "must not be set for an init container (only for sidecars, restartPolicy: Always)",
        ));
        return;
    }
    let mut seen = HashSet::new();
    for (i, r) in c.resize_policy.iter().enumerate() {
        let rp = format!("{path}.resizePolicy[{i}]");
        if !matches!(r.resource_name.as_str(), "cpu" | "memory") {
            errs.push(FieldError::new(
                format!("{rp}.resourceName"),
                format!("unsupported value {:?}: use cpu or memory", r.resource_name),
            ));
        } else if !seen.insert(r.resource_name.as_str()) {
            errs.push(FieldError::new(
                format!("{rp}.resourceName"),
                format!("duplicate resource {:?}", r.resource_name),
            ));
        }
        if !matches!(
            r.restart_policy.as_str(),
            "NotRequired" | "RestartContainer"
        ) {
            errs.push(FieldError::new(
                format!("{rp}.restartPolicy"),
                format!(
                    "unsupported value {:?}: use NotRequired or RestartContainer",
                    r.restart_policy
                ),
            ));
        }
    }
}

/// `hostname` and `subdomain`: DNS-1123 labels (they become DNS names).
fn hostname_fields(spec: &super::super::pod::PodSpec, path: &str, errs: &mut Vec<FieldError>) {
    for (field, v) in [("hostname", &spec.hostname), ("subdomain", &spec.subdomain)] {
        if !v.is_empty()
            && let Some(m) = dns1123_label_error(v)
        {
            errs.push(FieldError::new(format!("{path}.{field}"), m));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::pod::ContainerPort;

    fn pod(containers: Vec<Container>) -> Pod {
        let mut p = Pod::default();
        p.metadata.name = "p".into();
        p.spec.containers = containers;
        p
    }

    #[test]
    fn every_container_problem_is_reported_with_its_path() {
        let c = Container {
            name: "Bad_Name".into(),
            ports: vec![
                ContainerPort {
                    container_port: 0,
                    name: "http".into(),
                    ..Default::default()
                },
                ContainerPort {
                    container_port: 80,
                    name: "http".into(),
                    ..Default::default()
                },
            ],
            ..Default::default()
        };
        let errs = validate_pod(&pod(vec![c]));
        let paths: Vec<&str> = errs.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            paths,
            vec![
                "spec.containers[0].name",
                "spec.containers[0].ports[0].containerPort",
                "spec.containers[0].ports[1].name",
            ]
        );
    }

    #[test]
    fn a_pod_needs_a_container() {
        let errs = validate_pod(&pod(vec![]));
        assert_eq!(errs[0].path, "spec.containers");
    }

    #[test]
    fn requests_may_not_exceed_limits() {
        let mut c = Container {
            name: "c".into(),
            ..Default::default()
        };
        c.resources
            .requests
            .insert("cpu".into(), "2".parse().unwrap());
        c.resources
            .limits
            .insert("cpu".into(), "1".parse().unwrap());
        c.resources
            .limits
            .insert("gpu".into(), "1".parse().unwrap());
        let errs = validate_pod(&pod(vec![c]));
        let paths: Vec<&str> = errs.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            paths,
            vec![
                "spec.containers[0].resources.limits.gpu",
                "spec.containers[0].resources.requests.cpu"
            ]
        );
    }

    #[test]
    fn on_the_nodes_network_ports_are_the_nodes_and_net_sysctls_are_refused() {
        let mut p: Pod = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "p"},
            "spec": {
                "hostNetwork": true,
                "securityContext": {"sysctls": [
                    {"name": "kernel.shm_rmid_forced", "value": "1"},
                    {"name": "net.ipv4.tcp_syncookies", "value": "1"},
                ]},
                "containers": [{"name": "c", "ports": [
                    {"containerPort": 80},
                    {"containerPort": 81, "hostPort": 81},
                    {"containerPort": 82, "hostPort": 8082},
                ]}],
            }
        }))
        .unwrap();
        let errs: Vec<String> = validate_pod(&p).iter().map(ToString::to_string).collect();
        assert_eq!(
            errs,
            vec![
                "spec.containers[0].ports[2].hostPort: must match containerPort (82) when hostNetwork is true",
                "spec.securityContext.sysctls[1].name: \"net.ipv4.tcp_syncookies\" may not be set when hostNetwork is true: it would change the node's own network",
            ]
        );
        p.spec.host_network = Some(false);
        assert!(validate_pod(&p).is_empty());
    }

    #[test]
    fn resize_policies_name_cpu_or_memory_once_and_skip_init_containers() {
        let policy = |r: &str, p: &str| crate::api::pod::ContainerResizePolicy {
            resource_name: r.into(),
            restart_policy: p.into(),
        };
        let mut p = pod(vec![Container {
            name: "c".into(),
            resize_policy: vec![
                policy("cpu", "NotRequired"),
                policy("memory", "RestartContainer"),
            ],
            ..Default::default()
        }]);
        assert!(validate_pod(&p).is_empty());
        p.spec.containers[0]
            .resize_policy
            .extend([policy("cpu", "Sometimes"), policy("gpu", "NotRequired")]);
        p.spec.init_containers = vec![Container {
            name: "setup".into(),
            resize_policy: vec![policy("cpu", "NotRequired")],
            ..Default::default()
        }];
        let errs: Vec<String> = validate_pod(&p).iter().map(ToString::to_string).collect();
        assert_eq!(
            errs,
            vec![
                "spec.initContainers[0].resizePolicy: must not be set for an init container (only for sidecars, restartPolicy: Always)",
                "spec.containers[0].resizePolicy[2].resourceName: duplicate resource \"cpu\"",
                "spec.containers[0].resizePolicy[2].restartPolicy: unsupported value \"Sometimes\": use NotRequired or RestartContainer",
                "spec.containers[0].resizePolicy[3].resourceName: unsupported value \"gpu\": use cpu or memory",
            ]
        );
    }

    #[test]
    fn app_armor_annotations_name_a_container_and_a_profile() {
        let mut p = pod(vec![Container {
            name: "c".into(),
            ..Default::default()
        }]);
        let key = |c: &str| format!("{APP_ARMOR_ANNOTATION}{c}");
        p.metadata
            .annotations
            .insert(key("c"), "localhost/deny-write".into());
        assert!(validate_pod(&p).is_empty());
        p.metadata.annotations.insert(key("c"), "enforce".into());
        p.metadata
            .annotations
            .insert(key("gone"), "unconfined".into());
        let errs: Vec<String> = validate_pod(&p).iter().map(ToString::to_string).collect();
        assert_eq!(
            errs,
            vec![
                format!(
                    "metadata.annotations[{}]: invalid AppArmor profile \"enforce\": use runtime/default, unconfined or localhost/<profile>",
                    key("c")
                ),
                format!(
                    "metadata.annotations[{}]: container \"gone\" not found in the pod",
                    key("gone")
                ),
            ]
        );
    }

    /// The errors of a pod with one container, both security contexts
    /// given as JSON (`null`: none), as `path: message`.
    fn security_errors(pod_sc: serde_json::Value, c_sc: serde_json::Value) -> Vec<String> {
        let mut p = pod(vec![Container {
            name: "c".into(),
            security_context: serde_json::from_value(c_sc).unwrap(),
            ..Default::default()
        }]);
        p.spec.security_context = serde_json::from_value(pod_sc).unwrap();
        validate_pod(&p).iter().map(ToString::to_string).collect()
    }

    #[test]
    fn security_contexts_are_checked_field_by_field() {
        use serde_json::json;
        let n = serde_json::Value::Null;
        let c = "spec.containers[0].securityContext";
        let cases: Vec<(serde_json::Value, serde_json::Value, Vec<String>)> = vec![
            // What ork implements passes.
            (
                json!({"runAsUser": 1000, "runAsGroup": 1000, "fsGroup": 2000, "runAsNonRoot": true}),
                json!({
                    "runAsUser": 1001, "allowPrivilegeEscalation": false, "privileged": false,
                    "readOnlyRootFilesystem": true, "capabilities": {"drop": ["ALL"], "add": ["CAP_NET_BIND_SERVICE"]},
                    "seccompProfile": {"type": "RuntimeDefault"}
                }),
                vec![],
            ),
            (json!({"runAsUser": 0}), n.clone(), vec![]),
            // Ids are 0 to 2^31-1.
            (
                json!({"runAsUser": -1, "fsGroup": 2147483648_i64}),
                json!({"runAsGroup": -5}),
                vec![
                    "spec.securityContext.runAsUser: -1 must be between 0 and 2147483647".into(),
                    "spec.securityContext.fsGroup: 2147483648 must be between 0 and 2147483647".into(),
                    format!("{c}.runAsGroup: -5 must be between 0 and 2147483647"),
                ],
            ),
            // runAsNonRoot with uid 0, at either level or across them.
            (
                json!({"runAsNonRoot": true, "runAsUser": 0}),
                n.clone(),
                vec!["spec.securityContext.runAsNonRoot: runAsNonRoot is true but runAsUser is 0 (root): give a non-zero runAsUser or remove runAsNonRoot".into()],
            ),
            (
                json!({"runAsNonRoot": true}),
                json!({"runAsUser": 0}),
                vec![format!("{c}.runAsNonRoot: runAsNonRoot is true but runAsUser is 0 (root): give a non-zero runAsUser or remove runAsNonRoot")],
            ),
            (json!({"runAsNonRoot": true, "runAsUser": 0}), json!({"runAsUser": 1000}), vec![
                "spec.securityContext.runAsNonRoot: runAsNonRoot is true but runAsUser is 0 (root): give a non-zero runAsUser or remove runAsNonRoot".into(),
            ]),
            (json!({"runAsUser": 0}), json!({"runAsNonRoot": false}), vec![]),
            // Privileged is the node's decision; adding everything is refused.
            (n.clone(), json!({"privileged": true}), vec![]),
            (
                n.clone(),
                json!({"privileged": true, "allowPrivilegeEscalation": false, "capabilities": {"add": ["ALL", "FLY"]}}),
                vec![
                    format!("{c}.allowPrivilegeEscalation: cannot be false when privileged is true"),
                    format!("{c}.capabilities.add[0]: adding ALL makes a privileged container, which ork does not run: add only the capabilities the container needs"),
                    format!("{c}.capabilities.add[1]: unknown capability \"FLY\""),
                ],
            ),
            (
                n.clone(),
                json!({"allowPrivilegeEscalation": false, "capabilities": {"add": ["SYS_ADMIN"]}}),
                vec![format!("{c}.allowPrivilegeEscalation: cannot be false when capabilities.add has SYS_ADMIN")],
            ),
            // Seccomp and AppArmor: the runtime's default, none, or a
            // profile of the node's, by a path that stays in its directory.
            (
                json!({"seccompProfile": {"type": "Localhost", "localhostProfile": "profiles/audit.json"},
                       "appArmorProfile": {"type": "Localhost", "localhostProfile": "k8s-apparmor-example-deny-write"}}),
                json!({"seccompProfile": {"type": "Unconfined"}, "appArmorProfile": {"type": "RuntimeDefault"}}),
                vec![],
            ),
            (
                json!({"seccompProfile": {"type": "Localhost", "localhostProfile": "../../etc/p.json"},
                       "appArmorProfile": {"type": "Localhost", "localhostProfile": " padded"}}),
                json!({"seccompProfile": {"type": "Strict", "localhostProfile": "x"},
                       "appArmorProfile": {"type": "Unconfined", "localhostProfile": "x"}}),
                vec![
                    "spec.securityContext.seccompProfile.localhostProfile: \"../../etc/p.json\" must be a relative path inside the node's seccomp directory, without '..'".into(),
                    "spec.securityContext.appArmorProfile.localhostProfile: must not be padded with whitespace".into(),
                    format!("{c}.seccompProfile.type: unknown seccomp profile type \"Strict\": use RuntimeDefault, Unconfined or Localhost"),
                    format!("{c}.appArmorProfile.localhostProfile: may only be set with type Localhost"),
                ],
            ),
            (
                n.clone(),
                json!({"seccompProfile": {"type": "Localhost", "localhostProfile": "/abs.json"},
                       "appArmorProfile": {"type": "Localhost"}}),
                vec![
                    format!("{c}.seccompProfile.localhostProfile: \"/abs.json\" must be a relative path inside the node's seccomp directory, without '..'"),
                    format!("{c}.appArmorProfile.localhostProfile: required when the AppArmor profile type is Localhost"),
                ],
            ),
            // What ork does not implement is refused by name, saying what to do.
            (
                json!({"supplementalGroups": [4000], "windowsOptions": {}}),
                json!({"procMount": "Unmasked"}),
                vec![
                    "spec.securityContext.windowsOptions: not supported by ork yet: remove it: ork runs Linux containers only".into(),
                    format!("{c}.procMount: not supported by ork yet: only Default is supported: containers get the runtime's masked /proc"),
                ],
            ),
            (n.clone(), json!({"procMount": "Default"}), vec![]),
            // Supplemental groups are ids; sysctls only from the safe set.
            (
                json!({
                    "supplementalGroups": [1, -2],
                    "supplementalGroupsPolicy": "Loose",
                    "sysctls": [
                        {"name": "kernel.shm_rmid_forced", "value": "0"},
                        {"name": "net.core.somaxconn", "value": "1024"},
                        {"name": "kernel/shm_rmid_forced", "value": "1"},
                    ],
                }),
                n.clone(),
                vec![
                    "spec.securityContext.supplementalGroups[1]: -2 must be between 0 and 2147483647".into(),
                    "spec.securityContext.supplementalGroupsPolicy: unsupported value \"Loose\": use Merge or Strict".into(),
                    format!("spec.securityContext.sysctls[1].name: sysctl \"net.core.somaxconn\" is not in Kubernetes' safe set, which is all ork sets ({}): set it on the node itself", SAFE_SYSCTLS.join(", ")),
                    "spec.securityContext.sysctls[2].name: duplicate sysctl \"kernel/shm_rmid_forced\"".into(),
                ],
            ),
        ];
        for (pod_sc, c_sc, want) in cases {
            let got = security_errors(pod_sc.clone(), c_sc.clone());
            assert_eq!(got, want, "pod {pod_sc}, container {c_sc}");
        }
    }
}
