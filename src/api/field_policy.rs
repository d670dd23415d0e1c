//! What a field ork's schema lacks is, and what to say about it. Every
//! field of every kind is in one of three classes:
//!
//! - **implemented**: ork's schema (the Rust types) has it; the decoder
//!   never asks here about it, so a field is implemented the moment a type
//!   gains it;
//! - **not supported by ork yet**: Kubernetes' type has it (by the catalog
//!   of [`super::protobuf::catalog`], read from the `k8s-pb` crate), ork's
//!   does not: refused by name, with what to do instead where there is
//!   something ([`Class::NotSupported`]); a value that is Kubernetes'
//!   default and what ork does anyway is accepted ([`Class::Default`]);
//! - **unknown**: neither has it: a typo, answered with the nearest name
//!   either knows ([`Class::Unknown`]).
//!
//! Whatever a client asks for with `--validate=warn|ignore`
//! (`fieldValidation=Warn|Ignore`), a field that [`security_relevant`]
//! names is never dropped: a workload never runs with a security setting
//! silently removed.
//!
//! Pure; imports only `api`.

use super::object::Kind;
use super::pod::PodSpec;
use super::protobuf::catalog::{self, Type};
use super::validation::FieldError;
use serde_json::{Value, json};

/// Which class a field ork's schema lacks is in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Class {
    /// Kubernetes has the field and ork does not implement it.
    NotSupported {
        /// What to do instead, when there is something.
        instead: Option<&'static str>,
    },
    /// Kubernetes has the field, and the value is its default, which is
    /// what ork does anyway: accepted, and nothing is lost by dropping it.
    Default,
    /// Neither ork nor Kubernetes has the field.
    Unknown {
        /// The nearest name ork's or Kubernetes' type has.
        suggestion: Option<String>,
    },
}

impl Class {
    /// The message for a refusal or warning (`not supported by ork yet:
    /// ...`, `unknown field (did you mean X?)`); empty for [`Class::Default`].
    pub fn message(&self) -> String {
        match self {
            Class::NotSupported { instead: None } => "not supported by ork yet".into(),
            Class::NotSupported {
                instead: Some(what),
            } => format!("not supported by ork yet: {what}"),
            Class::Default => String::new(),
            Class::Unknown {
                suggestion: Some(s),
            } => format!("unknown field (did you mean {s}?)"),
            Class::Unknown { suggestion: None } => "unknown field".into(),
        }
    }
}

/// Makes a default value (a `Value` cannot be built in a `const`).
type DefaultValue = fn() -> Value;

/// Kubernetes' values that ork behaves as when the field is absent, for
/// fields ork's schema may lack: a manifest (or `kubectl get -o yaml`
/// output) that writes them applies.
const DEFAULTS: &[(&str, DefaultValue)] = &[
    ("terminationMessagePath", || json!("/dev/termination-log")),
    ("terminationMessagePolicy", || json!("File")),
    ("dnsPolicy", || json!("ClusterFirst")),
    ("schedulerName", || json!("default-scheduler")),
    ("enableServiceLinks", || json!(true)),
    ("hostPID", || json!(false)),
    ("hostIPC", || json!(false)),
    ("privileged", || json!(false)),
];

/// What to write instead of a field ork does not implement, by its name.
const INSTEAD: &[(&str, &str)] = &[
    (
        "ephemeralContainers",
        "use `ork exec` to run a command in a running container",
    ),
    ("os", "remove it: ork runs Linux containers only"),
    (
        "terminationMessagePath",
        "only /dev/termination-log (the default)",
    ),
    ("terminationMessagePolicy", "only File (the default)"),
    (
        "clusterTrustBundle",
        "ork has no ClusterTrustBundles; put the certificates in a ConfigMap and project that",
    ),
    (
        "podCertificate",
        "ork does not issue pod certificates; put a certificate in a Secret and project that",
    ),
    (
        "resource",
        "ork's Ingress backends are Services: use service with a name and a port",
    ),
];

/// Volume sources of cloud and network storage ork's nodes do not mount.
const STORAGE_SOURCES: &[&str] = &[
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "nfs",
    "iscsi",
    "glusterfs",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "fc",
    "azureFile",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "portworxVolume",
    "scaleIO",
    "storageos",
    "csi",
];

/// Fields whose removal would weaken a workload's isolation: anywhere in
/// a path, they keep a field an error whatever the validation level.
pub const SECURITY_RELEVANT: &[&str] = &[
    "securityContext",
    "hostNetwork",
    "hostPID",
    "hostIPC",
    "hostUsers",
    "shareProcessNamespace",
    "privileged",
    "capabilities",
    "hostPath",
    "procMount",
    "seLinuxOptions",
    "seLinuxChangePolicy",
    "appArmorProfile",
    "seccompProfile",
    "sysctls",
    "runAsUser",
    "runAsGroup",
    "runAsNonRoot",
    "allowPrivilegeEscalation",
    "readOnlyRootFilesystem",
    "fsGroup",
    "fsGroupChangePolicy",
    "supplementalGroups",
    "supplementalGroupsPolicy",
    "windowsOptions",
];

/// The field names of a path (`spec.containers[0].securityContext` gives
/// `spec`, `containers`, `securityContext`).
fn names(path: &str) -> impl Iterator<Item = &str> {
    path.split('.')
        .map(|s| s.split('[').next().unwrap_or(""))
        .filter(|s| !s.is_empty())
}

/// Whether a field path (relative to the object) names a security
/// setting or something inside one.
pub fn security_relevant(path: &str) -> bool {
    names(path).any(|n| SECURITY_RELEVANT.contains(&n))
}

/// Kubernetes' type of the object at `parent` (a field path relative to
/// an object of `kind`; empty for the object itself). Kinds the catalog
/// does not list still have their metadata's and their pod template's.
pub fn kubernetes_type(kind: Kind, parent: &str) -> Option<&'static Type> {
    if let Some(root) = catalog::of_kind(kind) {
        return root.at(parent);
    }
    let meta = || catalog::of_kind(Kind::Pod)?.at("metadata");
    match parent.split_once('.') {
        None if parent == "metadata" => return meta(),
        Some(("metadata", rest)) => return meta()?.at(rest),
        _ => {}
    }
    // Below the last `template` (a workload's pod template).
    let segments: Vec<&str> = parent.split('.').collect();
    let at = segments
        .iter()
        .rposition(|s| s.split('[').next() == Some("template"))?;
    catalog::pod_template()?.at(&segments[at + 1..].join("."))
}

/// The class of the field `key` of the object at `parent` in an object of
/// `kind`, which ork's schema lacks; `value` is what the manifest gives
/// it, `ork_fields` the names ork's schema has there.
pub fn classify<'k>(
    kind: Option<Kind>,
    parent: &str,
    key: &str,
    value: Option<&Value>,
    ork_fields: impl IntoIterator<Item = &'k str>,
) -> Class {
    let theirs = kind.and_then(|k| kubernetes_type(k, parent));
    if let Some(t) = theirs
        && t.field(key).is_some()
    {
        // Like Kubernetes: null means absent.
        if value.is_some_and(Value::is_null) {
            return Class::Default;
        }
        let default = DEFAULTS
            .iter()
            .find(|(name, _)| *name == key)
            .map(|(_, v)| v());
        if let (Some(d), Some(v)) = (default, value)
            && *v == d
        {
            return Class::Default;
        }
        let instead = INSTEAD
            .iter()
            .find(|(name, _)| *name == key)
            .map(|(_, w)| *w)
            .or_else(|| {
                STORAGE_SOURCES.contains(&key).then_some(
                    "ork's nodes mount emptyDir, hostPath, configMap, secret, downwardAPI, projected and persistentVolumeClaim volumes",
                )
            });
        return Class::NotSupported { instead };
    }
    let mut candidates: Vec<&str> = ork_fields.into_iter().collect();
    if let Some(t) = theirs {
        candidates.extend(t.names());
    }
    Class::Unknown {
        suggestion: crate::api::manifest::suggest(key, candidates).map(str::to_string),
    }
}

/// [`classify`] for a full field path (`spec.containers[0].lifecycle`).
pub fn classify_path<'k>(
    kind: Kind,
    path: &str,
    value: Option<&Value>,
    ork_fields: impl IntoIterator<Item = &'k str>,
) -> Class {
    let (parent, key) = path.rsplit_once('.').unwrap_or(("", path));
    classify(Some(kind), parent, key, value, ork_fields)
}

/// The DNS fields, and `schedulerName`: a DNS-1123 subdomain (a pod of
/// another scheduler waits for that scheduler to bind it).
pub fn validate_defaults(path: &str, spec: &PodSpec, errs: &mut Vec<FieldError>) {
    dns(path, spec, errs);
    if let Some(m) = spec
        .scheduler_name
        .as_deref()
        .and_then(super::validation::dns1123_subdomain_error)
    {
        errs.push(FieldError::new(format!("{path}.schedulerName"), m));
    }
}

/// `dnsPolicy`, `dnsConfig` and `hostAliases`: known values, addresses
/// that parse, Kubernetes' limits (3 nameservers, 32 search domains).
fn dns(path: &str, spec: &PodSpec, errs: &mut Vec<FieldError>) {
    let policy = spec.dns_policy.as_deref().unwrap_or(DNS_POLICY);
    if !matches!(
        policy,
        "ClusterFirst" | "ClusterFirstWithHostNet" | "Default" | "None"
    ) {
        errs.push(FieldError::new(
            format!("{path}.dnsPolicy"),
            format!("{policy:?}: must be ClusterFirst, ClusterFirstWithHostNet, Default or None"),
        ));
    }
    let cfg = spec.dns_config.as_ref();
    if policy == "None" && cfg.is_none_or(|c| c.nameservers.is_empty()) {
        errs.push(FieldError::new(
            format!("{path}.dnsConfig.nameservers"),
            "at least one nameserver is required when dnsPolicy is None",
        ));
    }
    if let Some(c) = cfg {
        if c.nameservers.len() > 3 {
            errs.push(FieldError::new(
                format!("{path}.dnsConfig.nameservers"),
                "at most 3 nameservers",
            ));
        }
        for (i, n) in c.nameservers.iter().enumerate() {
            if n.parse::<std::net::IpAddr>().is_err() {
                errs.push(FieldError::new(
                    format!("{path}.dnsConfig.nameservers[{i}]"),
                    format!("{n:?} is not an IP address"),
                ));
            }
        }
        if c.searches.len() > 32 {
            errs.push(FieldError::new(
                format!("{path}.dnsConfig.searches"),
                "at most 32 search domains",
            ));
        }
        for (i, o) in c.options.iter().enumerate() {
            if o.name.is_empty() {
                errs.push(FieldError::new(
                    format!("{path}.dnsConfig.options[{i}].name"),
                    "required",
                ));
            }
        }
    }
    for (i, a) in spec.host_aliases.iter().enumerate() {
        if a.ip.parse::<std::net::IpAddr>().is_err() {
            errs.push(FieldError::new(
                format!("{path}.hostAliases[{i}].ip"),
                format!("{:?} is not an IP address", a.ip),
            ));
        }
        for (j, h) in a.hostnames.iter().enumerate() {
            if h.is_empty() || h.contains(char::is_whitespace) {
                errs.push(FieldError::new(
                    format!("{path}.hostAliases[{i}].hostnames[{j}]"),
                    format!("{h:?} is not a host name"),
                ));
            }
        }
    }
}

/// Kubernetes' `dnsPolicy` default.
pub const DNS_POLICY: &str = "ClusterFirst";
/// Kubernetes' `schedulerName` default.
pub const SCHEDULER_NAME: &str = "default-scheduler";

/// Sets Kubernetes' defaults ork behaves as on a new or replaced pod, so
/// they are shown as Kubernetes shows them.
pub fn default_pod_spec(spec: &mut PodSpec) {
    spec.dns_policy.get_or_insert_with(|| DNS_POLICY.into());
    spec.scheduler_name
        .get_or_insert_with(|| SCHEDULER_NAME.into());
    spec.enable_service_links.get_or_insert(true);
    if spec.host_network() {
        let (init, app) = (&mut spec.init_containers, &mut spec.containers);
        for p in init.iter_mut().chain(app).flat_map(|c| &mut c.ports) {
            p.host_port.get_or_insert(p.container_port);
        }
    }
}

#[cfg(test)]
mod tests;
