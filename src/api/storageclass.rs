//! `storage.k8s.io/v1` StorageClass: which provisioner makes the volumes of
//! the claims that name the class. ork provisions one kind of volume
//! itself: a directory on the node of the claim's first pod (provisioner
//! [`LOCAL_PROVISIONER`], class [`LOCAL_CLASS`], which exists by default
//! and is the default class). A claim of a class with another provisioner,
//! of a class that does not exist, or of no class (`storageClassName: ""`,
//! which asks for a PersistentVolume, a kind ork does not serve) is never
//! provisioned: it stays Pending and so do its pods, each saying why in
//! Kubernetes' words ([`provisioning`]). A new claim that names no class
//! gets the default one, as Kubernetes' admission gives it.
//!
//! Pure: the type, its validation and the decisions; imports only the rest
//! of `api`.

use super::meta::ObjectMeta;
use super::validation::FieldError;
use super::volume::PersistentVolumeClaim;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// ork's own class.
pub const LOCAL_CLASS: &str = "local";
/// The provisioner of ork's node-local directories.
pub const LOCAL_PROVISIONER: &str = "ork.dev/local";
/// The annotation that makes a class the default one.
pub const DEFAULT_CLASS_ANNOTATION: &str = "storageclass.kubernetes.io/is-default-class";

/// A class of storage.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct StorageClass {
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    /// Who makes the volumes of the class's claims.
    pub provisioner: String,
    /// Settings for the provisioner (kept as written; ork's takes none).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub parameters: BTreeMap<String, String>,
    /// `Delete` (default) or `Retain`: what becomes of a volume when its
    /// claim goes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reclaim_policy: Option<String>,
    /// `Immediate` (default) or `WaitForFirstConsumer`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volume_binding_mode: Option<String>,
    /// Whether claims may ask for more storage later.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_volume_expansion: Option<bool>,
    /// Mount options of the class's volumes (kept as written).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mount_options: Vec<String>,
    /// Where the class's volumes may be made (kept as written).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allowed_topologies: Vec<serde_json::Value>,
}

impl StorageClass {
    /// Whether the class carries the default-class annotation set to `true`.
    pub fn is_default(&self) -> bool {
        self.metadata
            .annotations
            .get(DEFAULT_CLASS_ANNOTATION)
            .is_some_and(|v| v == "true")
    }

    /// ork's own class, as it exists by default.
    pub fn ork_local() -> StorageClass {
        let mut c: StorageClass = super::object::new_object("", LOCAL_CLASS);
        c.metadata
            .annotations
            .insert(DEFAULT_CLASS_ANNOTATION.into(), "true".into());
        c.provisioner = LOCAL_PROVISIONER.into();
        c.reclaim_policy = Some("Delete".into());
        c.volume_binding_mode = Some("WaitForFirstConsumer".into());
        c
    }

    /// `reclaimPolicy`, defaulted.
    pub fn reclaim(&self) -> &str {
        self.reclaim_policy.as_deref().unwrap_or("Delete")
    }

    /// `volumeBindingMode`, defaulted.
    pub fn binding_mode(&self) -> &str {
        self.volume_binding_mode.as_deref().unwrap_or("Immediate")
    }
}

/// The class a new claim that names none gets: the default class (the
/// newest, when several say so, as Kubernetes picks); `None` when no class
/// is the default.
pub fn default_class<'a>(classes: impl IntoIterator<Item = &'a StorageClass>) -> Option<String> {
    classes
        .into_iter()
        .filter(|c| c.is_default())
        .max_by_key(|c| (c.metadata.creation_timestamp, c.metadata.name.clone()))
        .map(|c| c.metadata.name.clone())
}

/// Why ork does not make a claim's volume.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unprovisioned {
    /// It names no class and no class is the default.
    NoClass,
    /// Its class does not exist.
    ClassNotFound(String),
    /// Its class's provisioner is not ork's.
    External(String),
}

impl Unprovisioned {
    /// Kubernetes' words for it.
    pub fn message(&self) -> String {
        match self {
            Unprovisioned::NoClass => {
                "no persistent volumes available for this claim and no storage class is set".into()
            }
            Unprovisioned::ClassNotFound(name) => {
                format!("storageclass.storage.k8s.io {name:?} not found")
            }
            Unprovisioned::External(p) => format!(
                "waiting for a volume to be created either by the external provisioner {p:?} or manually by the system administrator (ork provisions only its {LOCAL_PROVISIONER} class, {LOCAL_CLASS:?})"
            ),
        }
    }

    /// The reason of the claim's event, as Kubernetes' volume controller
    /// gives it, and whether it is a warning.
    pub fn reason(&self) -> (&'static str, bool) {
        match self {
            Unprovisioned::NoClass => ("FailedBinding", false),
            Unprovisioned::ClassNotFound(_) => ("ProvisioningFailed", true),
            Unprovisioned::External(_) => ("ExternalProvisioning", false),
        }
    }
}

/// Whether ork makes the claim's volume, given the classes by name and the
/// default class (which a claim naming none has, as Kubernetes assigns it
/// after the fact too): `Ok` when it does (its class's provisioner is
/// ork's, or it is bound to a node already), else why it stays Pending.
pub fn provisioning(
    claim: &PersistentVolumeClaim,
    class: impl Fn(&str) -> Option<std::sync::Arc<StorageClass>>,
    default: Option<&str>,
) -> Result<(), Unprovisioned> {
    if claim.node().is_some() {
        return Ok(());
    }
    match claim.spec.storage_class_name.as_deref().or(default) {
        None | Some("") => Err(Unprovisioned::NoClass),
        Some(name) => match class(name) {
            None => Err(Unprovisioned::ClassNotFound(name.into())),
            Some(c) if c.provisioner == LOCAL_PROVISIONER => Ok(()),
            Some(c) => Err(Unprovisioned::External(c.provisioner.clone())),
        },
    }
}

/// Checks a class on its own: a provisioner, known policies, and nothing
/// ork's own provisioner would not honour.
pub fn validate(c: &StorageClass) -> Vec<FieldError> {
    let mut errs = vec![];
    if c.provisioner.is_empty() {
        errs.push(FieldError::new("provisioner", "required"));
    }
    if !matches!(c.reclaim(), "Delete" | "Retain") {
        errs.push(FieldError::new(
            "reclaimPolicy",
            format!("unsupported value {:?}: use Delete or Retain", c.reclaim()),
        ));
    }
    if !matches!(c.binding_mode(), "Immediate" | "WaitForFirstConsumer") {
        errs.push(FieldError::new(
            "volumeBindingMode",
            format!(
                "unsupported value {:?}: use Immediate or WaitForFirstConsumer",
                c.binding_mode()
            ),
        ));
    }
    if c.parameters.len() > 512 {
        errs.push(FieldError::new(
            "parameters",
            "must not have more than 512 entries",
        ));
    }
    if c.provisioner == LOCAL_PROVISIONER {
        let local = |field: &str, what: &str| {
            FieldError::new(
                field,
                format!("not supported by ork's {LOCAL_PROVISIONER} provisioner: {what}"),
            )
        };
        if !c.parameters.is_empty() {
            errs.push(local("parameters", "it takes none"));
        }
        if !c.mount_options.is_empty() {
            errs.push(local(
                "mountOptions",
                "its volumes are directories, not mounts",
            ));
        }
        if !c.allowed_topologies.is_empty() {
            errs.push(local(
                "allowedTopologies",
                "a claim's directory is made on its first pod's node",
            ));
        }
        if c.reclaim() == "Retain" {
            errs.push(local(
                "reclaimPolicy",
                "a claim's directory goes with the claim (Delete)",
            ));
        }
        if c.allow_volume_expansion == Some(true) {
            errs.push(local(
                "allowVolumeExpansion",
                "its volumes have no size to expand",
            ));
        }
    }
    errs
}

/// What may not change once a class exists, as in Kubernetes.
pub fn validate_update(c: &StorageClass, old: &StorageClass) -> Vec<FieldError> {
    let mut errs = vec![];
    let fields = [
        ("provisioner", c.provisioner != old.provisioner),
        ("parameters", c.parameters != old.parameters),
        ("reclaimPolicy", c.reclaim() != old.reclaim()),
        ("volumeBindingMode", c.binding_mode() != old.binding_mode()),
    ];
    for (field, changed) in fields {
        if changed {
            errs.push(FieldError::new(field, "field is immutable"));
        }
    }
    errs
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn class(name: &str, provisioner: &str) -> StorageClass {
        let mut c: StorageClass = super::super::object::new_object("", name);
        c.provisioner = provisioner.into();
        c
    }

    fn claim(class: Option<&str>) -> PersistentVolumeClaim {
        let mut c: PersistentVolumeClaim = super::super::object::new_object("default", "data");
        c.spec.storage_class_name = class.map(Into::into);
        c
    }

    #[test]
    fn only_claims_of_orks_provisioner_or_bound_ones_are_provisioned() {
        let classes = [StorageClass::ork_local(), class("fast", "csi.example.com")];
        let find = |n: &str| {
            classes
                .iter()
                .find(|c| c.metadata.name == n)
                .cloned()
                .map(Arc::new)
        };
        assert_eq!(provisioning(&claim(Some("local")), find, None), Ok(()));
        let why = |c| provisioning(&c, find, Some("local")).unwrap_err().message();
        assert_eq!(
            why(claim(Some("gone"))),
            "storageclass.storage.k8s.io \"gone\" not found"
        );
        assert!(
            why(claim(Some("fast"))).starts_with(
                "waiting for a volume to be created either by the external provisioner \"csi.example.com\""
            )
        );
        assert_eq!(
            why(claim(Some(""))),
            "no persistent volumes available for this claim and no storage class is set"
        );
        // Naming none: the default class, when there is one.
        assert_eq!(provisioning(&claim(None), find, Some("local")), Ok(()));
        assert!(provisioning(&claim(None), find, None).is_err());
        // A claim bound to a node already keeps its directory.
        let mut bound = claim(Some("gone"));
        bound
            .metadata
            .annotations
            .insert(super::super::volume::SELECTED_NODE.into(), "n1".into());
        assert_eq!(provisioning(&bound, find, None), Ok(()));
    }

    #[test]
    fn the_default_class_is_the_annotated_one_newest_first() {
        let mut a = StorageClass::ork_local();
        a.metadata.creation_timestamp = Some(crate::api::Time::now());
        let mut b = class("fast", "csi.example.com");
        assert_eq!(default_class([&a, &b]), Some("local".into()));
        b.metadata
            .annotations
            .insert(DEFAULT_CLASS_ANNOTATION.into(), "true".into());
        b.metadata.creation_timestamp = Some(crate::api::Time(
            a.metadata.creation_timestamp.unwrap().0 + chrono::Duration::seconds(1),
        ));
        assert_eq!(default_class([&a, &b]), Some("fast".into()));
        assert_eq!(default_class([&class("x", "y")]), None);
    }

    #[test]
    fn classes_are_checked_and_orks_provisioner_refuses_what_it_cannot_honour() {
        assert!(validate(&StorageClass::ork_local()).is_empty());
        let mut c = class("fast", "");
        c.reclaim_policy = Some("Recycle".into());
        c.volume_binding_mode = Some("Later".into());
        let paths: Vec<String> = validate(&c).iter().map(ToString::to_string).collect();
        assert_eq!(
            paths,
            [
                "provisioner: required",
                "reclaimPolicy: unsupported value \"Recycle\": use Delete or Retain",
                "volumeBindingMode: unsupported value \"Later\": use Immediate or WaitForFirstConsumer",
            ]
        );
        // Another provisioner's settings are kept as written.
        let mut other = class("fast", "kubernetes.io/no-provisioner");
        other.parameters.insert("type".into(), "pd-ssd".into());
        other.mount_options = vec!["debug".into()];
        other.reclaim_policy = Some("Retain".into());
        other.allow_volume_expansion = Some(true);
        assert!(validate(&other).is_empty());
        let mut local = other.clone();
        local.provisioner = LOCAL_PROVISIONER.into();
        let fields: Vec<String> = validate(&local).iter().map(|e| e.path.clone()).collect();
        assert_eq!(
            fields,
            [
                "parameters",
                "mountOptions",
                "reclaimPolicy",
                "allowVolumeExpansion"
            ]
        );
        let mut changed = other.clone();
        changed.provisioner = "x".into();
        changed.volume_binding_mode = Some("WaitForFirstConsumer".into());
        let fields: Vec<String> = validate_update(&changed, &other)
            .iter()
            .map(|e| e.path.clone())
            .collect();
        assert_eq!(fields, ["provisioner", "volumeBindingMode"]);
    }
}
