//! Checks beyond the schema: DNS-1123 names, label syntax, container and port
//! rules, selectors that must match their templates. Each check returns every
//! problem it finds as a [`FieldError`] naming the field path, so a manifest's
//! errors are listed at once.

use super::apps::{Deployment, ReplicaSet};
use super::core::{Event, Namespace, Node};
use super::meta::ObjectMeta;
use super::object::Kind;
use super::pod::{Pod, PodSpec, PodTemplateSpec, RestartPolicy};
use super::selector::LabelSelector;
use std::collections::{BTreeMap, HashSet};
use std::fmt;

/// One problem with one field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// Dotted path with indices: `spec.template.spec.containers[0].name`.
    pub path: String,
    pub message: String,
}

impl FieldError {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            path: path.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Why a string is not a DNS-1123 label (lowercase alphanumerics and `-`,
/// starting and ending alphanumeric, at most 63), or `None` when it is one.
pub fn dns1123_label_error(s: &str) -> Option<String> {
    if s.is_empty() {
        return Some("must not be empty".into());
    }
    if s.len() > 63 {
        return Some(format!("must be at most 63 characters (is {})", s.len()));
    }
    let ok_chars = s
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    let edges = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if !ok_chars || !edges(s.chars().next()) || !edges(s.chars().last()) {
        return Some(format!(
            "{s:?} is not a DNS-1123 label: use lowercase letters, digits and '-', \
             starting and ending with a letter or digit (e.g. 'my-name')"
        ));
    }
    None
}

/// Why a string is not a DNS-1123 subdomain (labels joined by `.`, at most
/// 253), or `None` when it is one.
pub fn dns1123_subdomain_error(s: &str) -> Option<String> {
    if s.is_empty() {
        return Some("must not be empty".into());
    }
    if s.len() > 253 {
        return Some(format!("must be at most 253 characters (is {})", s.len()));
    }
    if s.split('.').any(|part| dns1123_label_error(part).is_some()) {
        return Some(format!(
            "{s:?} is not a DNS-1123 subdomain: use lowercase letters, digits, '-' and '.', \
             starting and ending with a letter or digit (e.g. 'example.com')"
        ));
    }
    None
}

fn qualified_name_part_ok(s: &str) -> bool {
    let edges = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    !s.is_empty()
        && s.len() <= 63
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && edges(s.chars().next())
        && edges(s.chars().last())
}

/// Why a string is not a label or annotation key (`[prefix/]name`).
pub fn label_key_error(key: &str) -> Option<String> {
    let (prefix, name) = match key.rsplit_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    if let Some(p) = prefix
        && dns1123_subdomain_error(p).is_some()
    {
        return Some(format!(
            "key {key:?}: prefix {p:?} must be a DNS-1123 subdomain"
        ));
    }
    if !qualified_name_part_ok(name) {
        return Some(format!(
            "key {key:?}: name part must be 1-63 characters of letters, digits, '-', '_' or '.', \
             starting and ending with a letter or digit"
        ));
    }
    None
}

/// Why a string is not a label value (empty, or up to 63 like a name part).
pub fn label_value_error(v: &str) -> Option<String> {
    if v.is_empty() || qualified_name_part_ok(v) {
        None
    } else {
        Some(format!(
            "value {v:?} must be at most 63 characters of letters, digits, '-', '_' or '.', \
             starting and ending with a letter or digit"
        ))
    }
}

fn validate_meta(kind: Kind, meta: &ObjectMeta, errs: &mut Vec<FieldError>) {
    if meta.name.is_empty() {
        if meta.generate_name.is_empty() {
            errs.push(FieldError::new("metadata.name", "required"));
        }
    } else {
        let bad = if kind == Kind::Namespace {
            dns1123_label_error(&meta.name)
        } else {
            dns1123_subdomain_error(&meta.name)
        };
        if let Some(m) = bad {
            errs.push(FieldError::new("metadata.name", m));
        }
    }
    if kind.namespaced()
        && !meta.namespace.is_empty()
        && let Some(m) = dns1123_label_error(&meta.namespace)
    {
        errs.push(FieldError::new("metadata.namespace", m));
    }
    validate_labels("metadata.labels", &meta.labels, errs);
    let mut size = 0;
    for (k, v) in &meta.annotations {
        if let Some(m) = label_key_error(k) {
            errs.push(FieldError::new(format!("metadata.annotations.{k}"), m));
        }
        size += k.len() + v.len();
    }
    if size > 256 * 1024 {
        errs.push(FieldError::new(
            "metadata.annotations",
            format!("total size {size} bytes exceeds 256 KiB"),
        ));
    }
}

fn validate_labels(path: &str, labels: &BTreeMap<String, String>, errs: &mut Vec<FieldError>) {
    for (k, v) in labels {
        if let Some(m) = label_key_error(k) {
            errs.push(FieldError::new(format!("{path}.{k}"), m));
        }
        if let Some(m) = label_value_error(v) {
            errs.push(FieldError::new(format!("{path}.{k}"), m));
        }
    }
}

fn is_env_name(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with(|c: char| c.is_ascii_digit())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

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

fn validate_probe(
    path: &str,
    key: &str,
    c: &super::pod::Container,
    p: &super::pod::Probe,
    errs: &mut Vec<FieldError>,
) {
    let handlers = [
        p.exec.is_some(),
        p.http_get.is_some(),
        p.tcp_socket.is_some(),
    ];
    match handlers.iter().filter(|h| **h).count() {
        1 => {}
        0 => errs.push(FieldError::new(
            path.to_string(),
            "needs one of httpGet, tcpSocket or exec",
        )),
        _ => errs.push(FieldError::new(
            path.to_string(),
            "may have only one of httpGet, tcpSocket and exec",
        )),
    }
    let port_check =
        |field: &str, port: &super::apps::IntOrString, errs: &mut Vec<FieldError>| match c
            .resolve_port(port)
        {
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

fn validate_pod_spec(path: &str, spec: &PodSpec, errs: &mut Vec<FieldError>) {
    super::volume::validate_pod_volumes(spec, path, errs);
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
            if !is_env_name(&e.name) {
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
                if !(1..=65535).contains(&hp) {
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
    validate_placement(path, spec, errs);
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
            if t.topology_key != super::placement::HOSTNAME_TOPOLOGY {
                errs.push(FieldError::new(
                    format!("{p}.topologyKey"),
                    format!(
                        "{:?} is not supported by ork yet; use {}",
                        t.topology_key,
                        super::placement::HOSTNAME_TOPOLOGY
                    ),
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
    let check_term =
        |p: String, term: &super::placement::NodeSelectorTerm, errs: &mut Vec<FieldError>| {
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
    let mut errs = vec![];
    validate_meta(Kind::Pod, &pod.metadata, &mut errs);
    validate_pod_spec("spec", &pod.spec, &mut errs);
    errs
}

fn validate_workload(
    replicas: Option<i32>,
    selector: &LabelSelector,
    template: &PodTemplateSpec,
    errs: &mut Vec<FieldError>,
) {
    if let Some(r) = replicas
        && r < 0
    {
        errs.push(FieldError::new("spec.replicas", "must not be negative"));
    }
    if selector.is_empty() {
        errs.push(FieldError::new(
            "spec.selector",
            "required: give matchLabels that the template's labels carry",
        ));
    }
    match selector.to_selector() {
        Err(e) => errs.push(FieldError::new("spec.selector", e.to_string())),
        Ok(sel) => {
            if !selector.is_empty() && !sel.matches(&template.metadata.labels) {
                errs.push(FieldError::new(
                    "spec.template.metadata.labels",
                    format!("`selector` does not match template `labels` (selector: {sel})"),
                ));
            }
        }
    }
    validate_labels("spec.selector.matchLabels", &selector.match_labels, errs);
    validate_labels(
        "spec.template.metadata.labels",
        &template.metadata.labels,
        errs,
    );
    validate_pod_spec("spec.template.spec", &template.spec, errs);
    if template.spec.restart_policy != RestartPolicy::Always {
        errs.push(FieldError::new(
            "spec.template.spec.restartPolicy",
            format!(
                "{:?} is not allowed here: only \"Always\" is supported for workloads",
                template.spec.restart_policy
            ),
        ));
    }
}

pub fn validate_replicaset(rs: &ReplicaSet) -> Vec<FieldError> {
    let mut errs = vec![];
    validate_meta(Kind::ReplicaSet, &rs.metadata, &mut errs);
    validate_workload(
        rs.spec.replicas,
        &rs.spec.selector,
        &rs.spec.template,
        &mut errs,
    );
    errs
}

pub fn validate_deployment(d: &Deployment) -> Vec<FieldError> {
    let mut errs = vec![];
    validate_meta(Kind::Deployment, &d.metadata, &mut errs);
    validate_workload(
        d.spec.replicas,
        &d.spec.selector,
        &d.spec.template,
        &mut errs,
    );
    if let Err(m) = d.surge_and_unavailable() {
        errs.push(FieldError::new("spec.strategy.rollingUpdate", m));
    }
    if let Some(s) = &d.spec.strategy
        && s.type_ == Some(super::apps::StrategyType::Recreate)
        && s.rolling_update.is_some()
    {
        errs.push(FieldError::new(
            "spec.strategy.rollingUpdate",
            "may not be given when strategy type is Recreate",
        ));
    }
    if let Some(n) = d.spec.revision_history_limit
        && n < 0
    {
        errs.push(FieldError::new(
            "spec.revisionHistoryLimit",
            "must not be negative",
        ));
    }
    if let Some(n) = d.spec.progress_deadline_seconds
        && n <= d.spec.min_ready_seconds
    {
        errs.push(FieldError::new(
            "spec.progressDeadlineSeconds",
            "must be greater than minReadySeconds",
        ));
    }
    errs
}

pub fn validate_node(n: &Node) -> Vec<FieldError> {
    let mut errs = vec![];
    validate_meta(Kind::Node, &n.metadata, &mut errs);
    errs
}

pub fn validate_namespace(n: &Namespace) -> Vec<FieldError> {
    let mut errs = vec![];
    validate_meta(Kind::Namespace, &n.metadata, &mut errs);
    errs
}

pub fn validate_event(e: &Event) -> Vec<FieldError> {
    let mut errs = vec![];
    validate_meta(Kind::Event, &e.metadata, &mut errs);
    if e.involved_object.name.is_empty() {
        errs.push(FieldError::new("involvedObject.name", "required"));
    }
    errs
}

/// A ConfigMap: metadata, key names, base64 binaryData, 1 MiB in all.
pub fn validate_configmap(c: &super::config::ConfigMap) -> Vec<FieldError> {
    let mut errs = vec![];
    validate_meta(Kind::ConfigMap, &c.metadata, &mut errs);
    super::config::validate_config_map(c, &mut errs);
    errs
}

/// A Service: type, ports, target ports, port ranges.
pub fn validate_service(s: &super::service::Service) -> Vec<FieldError> {
    let mut errs = vec![];
    validate_meta(Kind::Service, &s.metadata, &mut errs);
    super::service::validate_service(s, &mut errs);
    errs
}

/// A Secret: metadata, key names, base64 data, 1 MiB in all.
pub fn validate_secret(s: &super::config::Secret) -> Vec<FieldError> {
    let mut errs = vec![];
    validate_meta(Kind::Secret, &s.metadata, &mut errs);
    super::config::validate_secret(s, &mut errs);
    errs
}

/// A PersistentVolumeClaim: access modes and a filesystem volume mode.
pub fn validate_claim(c: &super::volume::PersistentVolumeClaim) -> Vec<FieldError> {
    let mut errs = vec![];
    validate_meta(Kind::PersistentVolumeClaim, &c.metadata, &mut errs);
    super::volume::validate_claim(c, &mut errs);
    errs
}

/// Endpoints: metadata only (the endpoints controller writes them).
pub fn validate_endpoints(e: &super::service::Endpoints) -> Vec<FieldError> {
    let mut errs = vec![];
    validate_meta(Kind::Endpoints, &e.metadata, &mut errs);
    errs
}

/// A HorizontalPodAutoscaler: a Deployment or ReplicaSet target, bounds that
/// make sense, and Resource metrics on cpu or memory only.
pub fn validate_hpa(h: &super::autoscaling::HorizontalPodAutoscaler) -> Vec<FieldError> {
    let mut errs = vec![];
    validate_meta(Kind::HorizontalPodAutoscaler, &h.metadata, &mut errs);
    let t = &h.spec.scale_target_ref;
    if !matches!(t.kind.as_str(), "Deployment" | "ReplicaSet") {
        errs.push(FieldError::new(
            "spec.scaleTargetRef.kind",
            format!(
                "{:?} cannot be scaled by ork; use Deployment or ReplicaSet",
                t.kind
            ),
        ));
    }
    if t.name.is_empty() {
        errs.push(FieldError::new("spec.scaleTargetRef.name", "is required"));
    }
    let min = h.spec.min();
    if min < 1 {
        errs.push(FieldError::new("spec.minReplicas", "must be at least 1"));
    }
    if h.spec.max_replicas < 1 || h.spec.max_replicas < min {
        errs.push(FieldError::new(
            "spec.maxReplicas",
            format!("must be at least 1 and at least minReplicas ({min})"),
        ));
    }
    for (i, m) in h.spec.metrics.iter().enumerate() {
        let path = format!("spec.metrics[{i}]");
        if m.type_ != "Resource" {
            errs.push(FieldError::new(
                format!("{path}.type"),
                format!(
                    "{:?} metrics are not supported by ork; use Resource (cpu or memory)",
                    m.type_
                ),
            ));
            continue;
        }
        let Some(r) = &m.resource else {
            errs.push(FieldError::new(
                format!("{path}.resource"),
                "is required for type Resource",
            ));
            continue;
        };
        if !matches!(r.name.as_str(), "cpu" | "memory") {
            errs.push(FieldError::new(
                format!("{path}.resource.name"),
                format!("{:?} is not measured; use cpu or memory", r.name),
            ));
        }
        match (
            r.target.type_.as_str(),
            r.target.average_utilization,
            &r.target.average_value,
        ) {
            ("Utilization", Some(u), _) if u > 0 => {}
            ("Utilization", _, _) => errs.push(FieldError::new(
                format!("{path}.resource.target.averageUtilization"),
                "must be given and above 0 for type Utilization",
            )),
            ("AverageValue", _, Some(v)) if v.milli() > 0 => {}
            ("AverageValue", _, _) => errs.push(FieldError::new(
                format!("{path}.resource.target.averageValue"),
                "must be given and above 0 for type AverageValue",
            )),
            (other, _, _) => errs.push(FieldError::new(
                format!("{path}.resource.target.type"),
                format!(
                    "{other:?} is not valid for Resource metrics; use Utilization or AverageValue"
                ),
            )),
        }
    }
    for (dir, rules) in [
        (
            "scaleUp",
            h.spec.behavior.as_ref().and_then(|b| b.scale_up.as_ref()),
        ),
        (
            "scaleDown",
            h.spec.behavior.as_ref().and_then(|b| b.scale_down.as_ref()),
        ),
    ] {
        if let Some(w) = rules.and_then(|r| r.stabilization_window_seconds)
            && !(0..=3600).contains(&w)
        {
            errs.push(FieldError::new(
                format!("spec.behavior.{dir}.stabilizationWindowSeconds"),
                "must be between 0 and 3600",
            ));
        }
    }
    errs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::pod::{Container, ContainerPort};

    #[test]
    fn dns_labels_and_subdomains() {
        assert!(dns1123_label_error("web-1").is_none());
        assert!(dns1123_label_error("Web").is_some());
        assert!(dns1123_label_error("-web").is_some());
        assert!(dns1123_label_error("web-").is_some());
        assert!(dns1123_label_error(&"a".repeat(64)).is_some());
        assert!(dns1123_label_error("a.b").is_some());
        assert!(dns1123_subdomain_error("a.b-c.d").is_none());
        assert!(dns1123_subdomain_error("a..b").is_some());
        assert!(dns1123_subdomain_error("under_score").is_some());
    }

    #[test]
    fn label_keys_and_values() {
        assert!(label_key_error("app").is_none());
        assert!(label_key_error("app.kubernetes.io/name").is_none());
        assert!(label_key_error("Bad Key").is_some());
        assert!(label_key_error("UPPER.example/x").is_some());
        assert!(label_value_error("").is_none());
        assert!(label_value_error("v1.2_x").is_none());
        assert!(label_value_error("-x").is_some());
    }

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
    fn selector_must_match_template() {
        let mut d = Deployment::default();
        d.metadata.name = "web".into();
        d.spec
            .selector
            .match_labels
            .insert("app".into(), "web".into());
        d.spec
            .template
            .metadata
            .labels
            .insert("app".into(), "api".into());
        d.spec.template.spec.containers = vec![Container {
            name: "c".into(),
            ..Default::default()
        }];
        let errs = validate_deployment(&d);
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert_eq!(errs[0].path, "spec.template.metadata.labels");
        d.spec
            .template
            .metadata
            .labels
            .insert("app".into(), "web".into());
        assert!(validate_deployment(&d).is_empty());
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
}
