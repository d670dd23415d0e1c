//! The kinds ork serves and what every object shares: the [`Object`] trait,
//! the kind registry (names, plurals, short names, URL paths) and
//! [`AnyObject`], the one type that can hold an object of any kind. Each
//! kind's implementation of the trait is in `impls`.

use super::admission_policy::{ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding};
use super::apps::{Deployment, ReplicaSet};
use super::autoscaling::HorizontalPodAutoscaler;
use super::batch::Job;
use super::config::{ConfigMap, Secret};
use super::core::{Event, Namespace, Node};
use super::cronjob::CronJob;
use super::daemonset::{ControllerRevision, DaemonSet};
use super::ingress::{Ingress, IngressClass};
use super::lease::Lease;
use super::meta::ObjectMeta;
use super::pdb::PodDisruptionBudget;
use super::pod::Pod;
use super::priorityclass::PriorityClass;
use super::quota_types::{LimitRange, ResourceQuota};
use super::rbac::{ClusterRole, ClusterRoleBinding, Role, RoleBinding};
use super::replication::ReplicationController;
use super::service::{Endpoints, Service};
use super::serviceaccount::ServiceAccount;
use super::statefulset::StatefulSet;
use super::storageclass::StorageClass;
use super::validation::{self, FieldError};
use super::volume::PersistentVolumeClaim;
use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fmt;
use std::sync::Arc;

/// Everything a resource type must provide to be stored and served.
pub trait Object:
    Serialize + DeserializeOwned + JsonSchema + Clone + fmt::Debug + PartialEq + Send + Sync + 'static
{
    const KIND: Kind;

    fn meta(&self) -> &ObjectMeta;
    fn meta_mut(&mut self) -> &mut ObjectMeta;
    fn into_any(self) -> AnyObject;
    fn from_any(any: &AnyObject) -> Option<&Arc<Self>>;

    /// Replaces `status` with `old`'s: writes to the main resource never change status.
    fn keep_status(&mut self, old: &Self);
    /// Replaces everything but `status` with `old`'s: writes to `/status` change only status.
    fn keep_spec(&mut self, old: &Self);
    /// Whether the desired state differs (the server bumps `generation` when it does).
    fn spec_differs(&self, old: &Self) -> bool;
    /// Checks invariants beyond the schema (names, ports, selectors...).
    fn validate(&self) -> Vec<FieldError>;
    /// Checks an update against the stored object (immutable fields).
    fn validate_update(&self, _old: &Self) -> Vec<FieldError> {
        vec![]
    }
    /// Puts a written object in its stored form (a Secret folds `stringData`).
    fn normalize(&mut self) {}
    /// Completes a new object once it has its uid, before validation (a
    /// Job's generated selector names its uid).
    fn on_create(&mut self) {}

    /// Sets `apiVersion` and `kind` to this type's.
    fn set_type_meta(&mut self);

    fn name(&self) -> &str {
        &self.meta().name
    }
    fn namespace(&self) -> &str {
        &self.meta().namespace
    }
}

/// The kinds of objects ork stores.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Namespace,
    Node,
    Pod,
    ReplicaSet,
    Deployment,
    Event,
    HorizontalPodAutoscaler,
    ConfigMap,
    Service,
    Endpoints,
    Secret,
    PersistentVolumeClaim,
    Job,
    DaemonSet,
    ControllerRevision,
    StatefulSet,
    ResourceQuota,
    LimitRange,
    ServiceAccount,
    Ingress,
    IngressClass,
    CronJob,
    PodDisruptionBudget,
    Role,
    ClusterRole,
    RoleBinding,
    ClusterRoleBinding,
    Lease,
    PriorityClass,
    StorageClass,
    ValidatingAdmissionPolicy,
    ValidatingAdmissionPolicyBinding,
    ReplicationController,
}

/// Static facts about a kind.
#[derive(Debug)]
pub struct KindInfo {
    pub kind: &'static str,
    /// API group: empty for the core group.
    pub group: &'static str,
    pub version: &'static str,
    /// `version` or `group/version`, as manifests write it.
    pub api_version: &'static str,
    pub plural: &'static str,
    pub singular: &'static str,
    pub short_names: &'static [&'static str],
    pub namespaced: bool,
}

const INFOS: [KindInfo; 33] = [
    KindInfo {
        kind: "Namespace",
        group: "",
        version: "v1",
        api_version: "v1",
        plural: "namespaces",
        singular: "namespace",
        short_names: &["ns"],
        namespaced: false,
    },
    KindInfo {
        kind: "Node",
        group: "",
        version: "v1",
        api_version: "v1",
        plural: "nodes",
        singular: "node",
        short_names: &["no"],
        namespaced: false,
    },
    KindInfo {
        kind: "Pod",
        group: "",
        version: "v1",
        api_version: "v1",
        plural: "pods",
        singular: "pod",
        short_names: &["po"],
        namespaced: true,
    },
    KindInfo {
        kind: "ReplicaSet",
        group: "apps",
        version: "v1",
        api_version: "apps/v1",
        plural: "replicasets",
        singular: "replicaset",
        short_names: &["rs"],
        namespaced: true,
    },
    KindInfo {
        kind: "Deployment",
        group: "apps",
        version: "v1",
        api_version: "apps/v1",
        plural: "deployments",
        singular: "deployment",
        short_names: &["deploy"],
        namespaced: true,
    },
    KindInfo {
        kind: "Event",
        group: "",
        version: "v1",
        api_version: "v1",
        plural: "events",
        singular: "event",
        short_names: &["ev"],
        namespaced: true,
    },
    KindInfo {
        kind: "HorizontalPodAutoscaler",
        group: "autoscaling",
        version: "v2",
        api_version: "autoscaling/v2",
        plural: "horizontalpodautoscalers",
        singular: "horizontalpodautoscaler",
        short_names: &["hpa"],
        namespaced: true,
    },
    KindInfo {
        kind: "ConfigMap",
        group: "",
        version: "v1",
        api_version: "v1",
        plural: "configmaps",
        singular: "configmap",
        short_names: &["cm"],
        namespaced: true,
    },
    KindInfo {
        kind: "Service",
        group: "",
        version: "v1",
        api_version: "v1",
        plural: "services",
        singular: "service",
        short_names: &["svc"],
        namespaced: true,
    },
    KindInfo {
        kind: "Endpoints",
        group: "",
        version: "v1",
        api_version: "v1",
        plural: "endpoints",
        singular: "endpoints",
        short_names: &["ep"],
        namespaced: true,
    },
    KindInfo {
        kind: "Secret",
        group: "",
        version: "v1",
        api_version: "v1",
        plural: "secrets",
        singular: "secret",
        short_names: &[],
        namespaced: true,
    },
    KindInfo {
        kind: "PersistentVolumeClaim",
        group: "",
        version: "v1",
        api_version: "v1",
        plural: "persistentvolumeclaims",
        singular: "persistentvolumeclaim",
        short_names: &["pvc"],
        namespaced: true,
    },
    KindInfo {
        kind: "Job",
        group: "batch",
        version: "v1",
        api_version: "batch/v1",
        plural: "jobs",
        singular: "job",
        short_names: &[],
        namespaced: true,
    },
    KindInfo {
        kind: "DaemonSet",
        group: "apps",
        version: "v1",
        api_version: "apps/v1",
        plural: "daemonsets",
        singular: "daemonset",
        short_names: &["ds"],
        namespaced: true,
    },
    KindInfo {
        kind: "ControllerRevision",
        group: "apps",
        version: "v1",
        api_version: "apps/v1",
        plural: "controllerrevisions",
        singular: "controllerrevision",
        short_names: &[],
        namespaced: true,
    },
    KindInfo {
        kind: "StatefulSet",
        group: "apps",
        version: "v1",
        api_version: "apps/v1",
        plural: "statefulsets",
        singular: "statefulset",
        short_names: &["sts"],
        namespaced: true,
    },
    KindInfo {
        kind: "ResourceQuota",
        group: "",
        version: "v1",
        api_version: "v1",
        plural: "resourcequotas",
        singular: "resourcequota",
        short_names: &["quota"],
        namespaced: true,
    },
    KindInfo {
        kind: "LimitRange",
        group: "",
        version: "v1",
        api_version: "v1",
        plural: "limitranges",
        singular: "limitrange",
        short_names: &["limits"],
        namespaced: true,
    },
    KindInfo {
        kind: "ServiceAccount",
        group: "",
        version: "v1",
        api_version: "v1",
        plural: "serviceaccounts",
        singular: "serviceaccount",
        short_names: &["sa"],
        namespaced: true,
    },
    KindInfo {
        kind: "Ingress",
        group: "networking.k8s.io",
        version: "v1",
        api_version: "networking.k8s.io/v1",
        plural: "ingresses",
        singular: "ingress",
        short_names: &["ing"],
        namespaced: true,
    },
    KindInfo {
        kind: "IngressClass",
        group: "networking.k8s.io",
        version: "v1",
        api_version: "networking.k8s.io/v1",
        plural: "ingressclasses",
        singular: "ingressclass",
        short_names: &[],
        namespaced: false,
    },
    KindInfo {
        kind: "CronJob",
        group: "batch",
        version: "v1",
        api_version: "batch/v1",
        plural: "cronjobs",
        singular: "cronjob",
        short_names: &["cj"],
        namespaced: true,
    },
    KindInfo {
        kind: "PodDisruptionBudget",
        group: "policy",
        version: "v1",
        api_version: "policy/v1",
        plural: "poddisruptionbudgets",
        singular: "poddisruptionbudget",
        short_names: &["pdb"],
        namespaced: true,
    },
    KindInfo {
        kind: "Role",
        group: "rbac.authorization.k8s.io",
        version: "v1",
        api_version: "rbac.authorization.k8s.io/v1",
        plural: "roles",
        singular: "role",
        short_names: &[],
        namespaced: true,
    },
    KindInfo {
        kind: "ClusterRole",
        group: "rbac.authorization.k8s.io",
        version: "v1",
        api_version: "rbac.authorization.k8s.io/v1",
        plural: "clusterroles",
        singular: "clusterrole",
        short_names: &[],
        namespaced: false,
    },
    KindInfo {
        kind: "RoleBinding",
        group: "rbac.authorization.k8s.io",
        version: "v1",
        api_version: "rbac.authorization.k8s.io/v1",
        plural: "rolebindings",
        singular: "rolebinding",
        short_names: &[],
        namespaced: true,
    },
    KindInfo {
        kind: "ClusterRoleBinding",
        group: "rbac.authorization.k8s.io",
        version: "v1",
        api_version: "rbac.authorization.k8s.io/v1",
        plural: "clusterrolebindings",
        singular: "clusterrolebinding",
        short_names: &[],
        namespaced: false,
    },
    KindInfo {
        kind: "Lease",
        group: "coordination.k8s.io",
        version: "v1",
        api_version: "coordination.k8s.io/v1",
        plural: "leases",
        singular: "lease",
        short_names: &[],
        namespaced: true,
    },
    KindInfo {
        kind: "PriorityClass",
        group: "scheduling.k8s.io",
        version: "v1",
        api_version: "scheduling.k8s.io/v1",
        plural: "priorityclasses",
        singular: "priorityclass",
        short_names: &["pc"],
        namespaced: false,
    },
    KindInfo {
        kind: "StorageClass",
        group: "storage.k8s.io",
        version: "v1",
        api_version: "storage.k8s.io/v1",
        plural: "storageclasses",
        singular: "storageclass",
        short_names: &["sc"],
        namespaced: false,
    },
    KindInfo {
        kind: "ValidatingAdmissionPolicy",
        group: "admissionregistration.k8s.io",
        version: "v1",
        api_version: "admissionregistration.k8s.io/v1",
        plural: "validatingadmissionpolicies",
        singular: "validatingadmissionpolicy",
        short_names: &[],
        namespaced: false,
    },
    KindInfo {
        kind: "ValidatingAdmissionPolicyBinding",
        group: "admissionregistration.k8s.io",
        version: "v1",
        api_version: "admissionregistration.k8s.io/v1",
        plural: "validatingadmissionpolicybindings",
        singular: "validatingadmissionpolicybinding",
        short_names: &[],
        namespaced: false,
    },
    KindInfo {
        kind: "ReplicationController",
        group: "",
        version: "v1",
        api_version: "v1",
        plural: "replicationcontrollers",
        singular: "replicationcontroller",
        short_names: &["rc"],
        namespaced: true,
    },
];

impl Kind {
    pub const ALL: [Kind; 33] = [
        Kind::Namespace,
        Kind::Node,
        Kind::Pod,
        Kind::ReplicaSet,
        Kind::Deployment,
        Kind::Event,
        Kind::HorizontalPodAutoscaler,
        Kind::ConfigMap,
        Kind::Service,
        Kind::Endpoints,
        Kind::Secret,
        Kind::PersistentVolumeClaim,
        Kind::Job,
        Kind::DaemonSet,
        Kind::ControllerRevision,
        Kind::StatefulSet,
        Kind::ResourceQuota,
        Kind::LimitRange,
        Kind::ServiceAccount,
        Kind::Ingress,
        Kind::IngressClass,
        Kind::CronJob,
        Kind::PodDisruptionBudget,
        Kind::Role,
        Kind::ClusterRole,
        Kind::RoleBinding,
        Kind::ClusterRoleBinding,
        Kind::Lease,
        Kind::PriorityClass,
        Kind::StorageClass,
        Kind::ValidatingAdmissionPolicy,
        Kind::ValidatingAdmissionPolicyBinding,
        Kind::ReplicationController,
    ];

    /// The kinds of Kubernetes' `all` category, in the order kubectl prints
    /// them (`kubectl get all`: pods, services, deployments, replicasets,
    /// HPAs). Discovery publishes the category from this list.
    pub const ALL_CATEGORY: [Kind; 10] = [
        Kind::Pod,
        Kind::ReplicationController,
        Kind::Service,
        Kind::DaemonSet,
        Kind::Deployment,
        Kind::ReplicaSet,
        Kind::StatefulSet,
        Kind::HorizontalPodAutoscaler,
        Kind::CronJob,
        Kind::Job,
    ];

    pub fn info(self) -> &'static KindInfo {
        &INFOS[self as usize]
    }

    pub fn as_str(self) -> &'static str {
        self.info().kind
    }

    pub fn plural(self) -> &'static str {
        self.info().plural
    }

    pub fn namespaced(self) -> bool {
        self.info().namespaced
    }

    /// `v1` or `apps/v1`.
    pub fn api_version(self) -> &'static str {
        self.info().api_version
    }

    /// `/api/v1` or `/apis/apps/v1`.
    pub fn api_prefix(self) -> String {
        match self.info().group {
            "" => format!("/api/{}", self.info().version),
            g => format!("/apis/{g}/{}", self.info().version),
        }
    }

    /// The collection URL path: namespaced when `ns` is given and the kind is.
    pub fn collection_path(self, ns: Option<&str>) -> String {
        match ns {
            Some(ns) if self.namespaced() => {
                format!("{}/namespaces/{ns}/{}", self.api_prefix(), self.plural())
            }
            _ => format!("{}/{}", self.api_prefix(), self.plural()),
        }
    }

    /// The URL path of one object.
    pub fn object_path(self, ns: &str, name: &str) -> String {
        let ns = if self.namespaced() { Some(ns) } else { None };
        format!("{}/{name}", self.collection_path(ns))
    }

    /// Resolves what a user types: kind, plural, singular or short name, any case,
    /// optionally with a group suffix (`deployments.apps`).
    pub fn from_name(s: &str) -> Option<Kind> {
        let lower = s.to_ascii_lowercase();
        let base = lower.split('.').next().unwrap_or(&lower);
        Kind::ALL.into_iter().find(|k| {
            let i = k.info();
            i.kind.eq_ignore_ascii_case(base)
                || i.plural == base
                || i.singular == base
                || i.short_names.contains(&base)
        })
    }

    /// Resolves `apiVersion` + `kind` as written in a manifest.
    pub fn from_type_meta(api_version: &str, kind: &str) -> Option<Kind> {
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str() == kind && k.api_version() == api_version)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An object of any kind, shared cheaply.
#[derive(Clone, Debug, PartialEq)]
pub enum AnyObject {
    Namespace(Arc<Namespace>),
    Node(Arc<Node>),
    Pod(Arc<Pod>),
    ReplicaSet(Arc<ReplicaSet>),
    Deployment(Arc<Deployment>),
    Event(Arc<Event>),
    HorizontalPodAutoscaler(Arc<HorizontalPodAutoscaler>),
    ConfigMap(Arc<ConfigMap>),
    Service(Arc<Service>),
    Endpoints(Arc<Endpoints>),
    Secret(Arc<Secret>),
    PersistentVolumeClaim(Arc<PersistentVolumeClaim>),
    Job(Arc<Job>),
    DaemonSet(Arc<DaemonSet>),
    ControllerRevision(Arc<ControllerRevision>),
    StatefulSet(Arc<StatefulSet>),
    ResourceQuota(Arc<ResourceQuota>),
    LimitRange(Arc<LimitRange>),
    ServiceAccount(Arc<ServiceAccount>),
    Ingress(Arc<Ingress>),
    IngressClass(Arc<IngressClass>),
    CronJob(Arc<CronJob>),
    PodDisruptionBudget(Arc<PodDisruptionBudget>),
    Role(Arc<Role>),
    ClusterRole(Arc<ClusterRole>),
    RoleBinding(Arc<RoleBinding>),
    ClusterRoleBinding(Arc<ClusterRoleBinding>),
    Lease(Arc<Lease>),
    PriorityClass(Arc<PriorityClass>),
    StorageClass(Arc<StorageClass>),
    ValidatingAdmissionPolicy(Arc<ValidatingAdmissionPolicy>),
    ValidatingAdmissionPolicyBinding(Arc<ValidatingAdmissionPolicyBinding>),
    ReplicationController(Arc<ReplicationController>),
}

/// Calls `$body` with `$o` bound to the typed `Arc` inside an [`AnyObject`].
#[macro_export]
macro_rules! dispatch {
    ($any:expr, $o:ident => $body:expr) => {
        match $any {
            $crate::api::AnyObject::Namespace($o) => $body,
            $crate::api::AnyObject::Node($o) => $body,
            $crate::api::AnyObject::Pod($o) => $body,
            $crate::api::AnyObject::ReplicaSet($o) => $body,
            $crate::api::AnyObject::Deployment($o) => $body,
            $crate::api::AnyObject::Event($o) => $body,
            $crate::api::AnyObject::HorizontalPodAutoscaler($o) => $body,
            $crate::api::AnyObject::ConfigMap($o) => $body,
            $crate::api::AnyObject::Service($o) => $body,
            $crate::api::AnyObject::Endpoints($o) => $body,
            $crate::api::AnyObject::Secret($o) => $body,
            $crate::api::AnyObject::PersistentVolumeClaim($o) => $body,
            $crate::api::AnyObject::Job($o) => $body,
            $crate::api::AnyObject::DaemonSet($o) => $body,
            $crate::api::AnyObject::ControllerRevision($o) => $body,
            $crate::api::AnyObject::StatefulSet($o) => $body,
            $crate::api::AnyObject::ResourceQuota($o) => $body,
            $crate::api::AnyObject::LimitRange($o) => $body,
            $crate::api::AnyObject::ServiceAccount($o) => $body,
            $crate::api::AnyObject::Ingress($o) => $body,
            $crate::api::AnyObject::IngressClass($o) => $body,
            $crate::api::AnyObject::CronJob($o) => $body,
            $crate::api::AnyObject::PodDisruptionBudget($o) => $body,
            $crate::api::AnyObject::Role($o) => $body,
            $crate::api::AnyObject::ClusterRole($o) => $body,
            $crate::api::AnyObject::RoleBinding($o) => $body,
            $crate::api::AnyObject::ClusterRoleBinding($o) => $body,
            $crate::api::AnyObject::Lease($o) => $body,
            $crate::api::AnyObject::PriorityClass($o) => $body,
            $crate::api::AnyObject::StorageClass($o) => $body,
            $crate::api::AnyObject::ValidatingAdmissionPolicy($o) => $body,
            $crate::api::AnyObject::ValidatingAdmissionPolicyBinding($o) => $body,
            $crate::api::AnyObject::ReplicationController($o) => $body,
        }
    };
}

/// Calls `$body` with type alias `$t` set to the Rust type of a [`Kind`].
#[macro_export]
macro_rules! with_kind {
    ($kind:expr, $t:ident => $body:expr) => {
        match $kind {
            $crate::api::Kind::Namespace => {
                type $t = $crate::api::Namespace;
                $body
            }
            $crate::api::Kind::Node => {
                type $t = $crate::api::Node;
                $body
            }
            $crate::api::Kind::Pod => {
                type $t = $crate::api::Pod;
                $body
            }
            $crate::api::Kind::ReplicaSet => {
                type $t = $crate::api::ReplicaSet;
                $body
            }
            $crate::api::Kind::Deployment => {
                type $t = $crate::api::Deployment;
                $body
            }
            $crate::api::Kind::Event => {
                type $t = $crate::api::Event;
                $body
            }
            $crate::api::Kind::HorizontalPodAutoscaler => {
                type $t = $crate::api::HorizontalPodAutoscaler;
                $body
            }
            $crate::api::Kind::ConfigMap => {
                type $t = $crate::api::ConfigMap;
                $body
            }
            $crate::api::Kind::Service => {
                type $t = $crate::api::Service;
                $body
            }
            $crate::api::Kind::Endpoints => {
                type $t = $crate::api::Endpoints;
                $body
            }
            $crate::api::Kind::Secret => {
                type $t = $crate::api::Secret;
                $body
            }
            $crate::api::Kind::PersistentVolumeClaim => {
                type $t = $crate::api::volume::PersistentVolumeClaim;
                $body
            }
            $crate::api::Kind::Job => {
                type $t = $crate::api::batch::Job;
                $body
            }
            $crate::api::Kind::DaemonSet => {
                type $t = $crate::api::DaemonSet;
                $body
            }
            $crate::api::Kind::ControllerRevision => {
                type $t = $crate::api::ControllerRevision;
                $body
            }
            $crate::api::Kind::StatefulSet => {
                type $t = $crate::api::statefulset::StatefulSet;
                $body
            }
            $crate::api::Kind::ResourceQuota => {
                type $t = $crate::api::quota_types::ResourceQuota;
                $body
            }
            $crate::api::Kind::LimitRange => {
                type $t = $crate::api::quota_types::LimitRange;
                $body
            }
            $crate::api::Kind::ServiceAccount => {
                type $t = $crate::api::serviceaccount::ServiceAccount;
                $body
            }
            $crate::api::Kind::Ingress => {
                type $t = $crate::api::ingress::Ingress;
                $body
            }
            $crate::api::Kind::IngressClass => {
                type $t = $crate::api::ingress::IngressClass;
                $body
            }
            $crate::api::Kind::CronJob => {
                type $t = $crate::api::cronjob::CronJob;
                $body
            }
            $crate::api::Kind::PodDisruptionBudget => {
                type $t = $crate::api::pdb::PodDisruptionBudget;
                $body
            }
            $crate::api::Kind::Role => {
                type $t = $crate::api::rbac::Role;
                $body
            }
            $crate::api::Kind::ClusterRole => {
                type $t = $crate::api::rbac::ClusterRole;
                $body
            }
            $crate::api::Kind::RoleBinding => {
                type $t = $crate::api::rbac::RoleBinding;
                $body
            }
            $crate::api::Kind::ClusterRoleBinding => {
                type $t = $crate::api::rbac::ClusterRoleBinding;
                $body
            }
            $crate::api::Kind::Lease => {
                type $t = $crate::api::lease::Lease;
                $body
            }
            $crate::api::Kind::PriorityClass => {
                type $t = $crate::api::priorityclass::PriorityClass;
                $body
            }
            $crate::api::Kind::StorageClass => {
                type $t = $crate::api::storageclass::StorageClass;
                $body
            }
            $crate::api::Kind::ValidatingAdmissionPolicy => {
                type $t = $crate::api::admission_policy::ValidatingAdmissionPolicy;
                $body
            }
            $crate::api::Kind::ValidatingAdmissionPolicyBinding => {
                type $t = $crate::api::admission_policy::ValidatingAdmissionPolicyBinding;
                $body
            }
            $crate::api::Kind::ReplicationController => {
                type $t = $crate::api::replication::ReplicationController;
                $body
            }
        }
    };
}

impl AnyObject {
    pub fn kind(&self) -> Kind {
        match self {
            AnyObject::Namespace(_) => Kind::Namespace,
            AnyObject::Node(_) => Kind::Node,
            AnyObject::Pod(_) => Kind::Pod,
            AnyObject::ReplicaSet(_) => Kind::ReplicaSet,
            AnyObject::ReplicationController(_) => Kind::ReplicationController,
            AnyObject::Deployment(_) => Kind::Deployment,
            AnyObject::Event(_) => Kind::Event,
            AnyObject::HorizontalPodAutoscaler(_) => Kind::HorizontalPodAutoscaler,
            AnyObject::ConfigMap(_) => Kind::ConfigMap,
            AnyObject::Service(_) => Kind::Service,
            AnyObject::Endpoints(_) => Kind::Endpoints,
            AnyObject::Secret(_) => Kind::Secret,
            AnyObject::PersistentVolumeClaim(_) => Kind::PersistentVolumeClaim,
            AnyObject::Job(_) => Kind::Job,
            AnyObject::DaemonSet(_) => Kind::DaemonSet,
            AnyObject::ControllerRevision(_) => Kind::ControllerRevision,
            AnyObject::StatefulSet(_) => Kind::StatefulSet,
            AnyObject::ResourceQuota(_) => Kind::ResourceQuota,
            AnyObject::LimitRange(_) => Kind::LimitRange,
            AnyObject::ServiceAccount(_) => Kind::ServiceAccount,
            AnyObject::Ingress(_) => Kind::Ingress,
            AnyObject::IngressClass(_) => Kind::IngressClass,
            AnyObject::CronJob(_) => Kind::CronJob,
            AnyObject::PodDisruptionBudget(_) => Kind::PodDisruptionBudget,
            AnyObject::Role(_) => Kind::Role,
            AnyObject::ClusterRole(_) => Kind::ClusterRole,
            AnyObject::RoleBinding(_) => Kind::RoleBinding,
            AnyObject::ClusterRoleBinding(_) => Kind::ClusterRoleBinding,
            AnyObject::Lease(_) => Kind::Lease,
            AnyObject::PriorityClass(_) => Kind::PriorityClass,
            AnyObject::StorageClass(_) => Kind::StorageClass,
            AnyObject::ValidatingAdmissionPolicy(_) => Kind::ValidatingAdmissionPolicy,
            AnyObject::ValidatingAdmissionPolicyBinding(_) => {
                Kind::ValidatingAdmissionPolicyBinding
            }
        }
    }

    pub fn meta(&self) -> &ObjectMeta {
        dispatch!(self, o => o.meta())
    }

    pub fn to_json(&self) -> serde_json::Result<Vec<u8>> {
        dispatch!(self, o => serde_json::to_vec(o.as_ref()))
    }

    pub fn to_value(&self) -> serde_json::Result<serde_json::Value> {
        dispatch!(self, o => serde_json::to_value(o.as_ref()))
    }

    /// Decodes JSON of a known kind, with its type metadata set.
    pub fn from_json(kind: Kind, bytes: &[u8]) -> serde_json::Result<Self> {
        with_kind!(kind, T => {
            let mut o: T = serde_json::from_slice(bytes)?;
            o.set_type_meta();
            Ok(o.into_any())
        })
    }

    /// Decodes a JSON value of a known kind, with its type metadata set.
    pub fn from_value(kind: Kind, value: serde_json::Value) -> serde_json::Result<Self> {
        with_kind!(kind, T => {
            let mut o: T = serde_json::from_value(value)?;
            o.set_type_meta();
            Ok(o.into_any())
        })
    }

    pub fn validate(&self) -> Vec<FieldError> {
        dispatch!(self, o => o.validate())
    }

    /// `kind/name` as `-o name` prints it (`deployment.apps/web`, `pod/web-x1`).
    pub fn qualified_name(&self) -> String {
        qualified_name(self.kind(), &self.meta().name)
    }
}

/// `kind/name` as kubectl's `-o name` prints it.
pub fn qualified_name(kind: Kind, name: &str) -> String {
    let info = kind.info();
    if info.group.is_empty() {
        format!("{}/{name}", info.singular)
    } else {
        format!("{}.{}/{name}", info.singular, info.group)
    }
}

mod impls;

/// A fresh object of type `T` with its type metadata, namespace and name set.
pub fn new_object<T: Object + Default>(namespace: &str, name: &str) -> T {
    let mut o = T::default();
    o.set_type_meta();
    o.meta_mut().name = name.to_string();
    if T::KIND.namespaced() {
        o.meta_mut().namespace = namespace.to_string();
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_resolve_like_kubectl() {
        assert_eq!(Kind::from_name("po"), Some(Kind::Pod));
        assert_eq!(Kind::from_name("Pods"), Some(Kind::Pod));
        assert_eq!(Kind::from_name("deploy"), Some(Kind::Deployment));
        assert_eq!(Kind::from_name("deployments.apps"), Some(Kind::Deployment));
        assert_eq!(Kind::from_name("rs"), Some(Kind::ReplicaSet));
        assert_eq!(Kind::from_name("no"), Some(Kind::Node));
        assert_eq!(Kind::from_name("ns"), Some(Kind::Namespace));
        assert_eq!(Kind::from_name("ev"), Some(Kind::Event));
        assert_eq!(Kind::from_name("widgets"), None);
    }

    #[test]
    fn paths_follow_the_kubernetes_layout() {
        assert_eq!(
            Kind::Pod.object_path("default", "web"),
            "/api/v1/namespaces/default/pods/web"
        );
        assert_eq!(
            Kind::Deployment.collection_path(Some("prod")),
            "/apis/apps/v1/namespaces/prod/deployments"
        );
        assert_eq!(
            Kind::Deployment.collection_path(None),
            "/apis/apps/v1/deployments"
        );
        assert_eq!(Kind::Node.object_path("ignored", "n1"), "/api/v1/nodes/n1");
        assert_eq!(
            Kind::Namespace.collection_path(Some("x")),
            "/api/v1/namespaces"
        );
    }

    #[test]
    fn infos_are_indexed_by_kind() {
        for k in Kind::ALL {
            assert_eq!(k.info().kind, format!("{k:?}"));
            assert_eq!(Kind::from_type_meta(k.api_version(), k.as_str()), Some(k));
        }
        assert_eq!(Kind::from_type_meta("v1", "Deployment"), None);
    }

    #[test]
    fn keep_spec_and_keep_status_split_the_object() {
        let mut old: Pod = new_object("default", "a");
        old.spec.node_name = "n1".into();
        let mut new = old.clone();
        new.spec.node_name = "n2".into();
        new.status.host_ip = "10.0.0.1".into();
        let mut status_write = new.clone();
        status_write.keep_spec(&old);
        assert_eq!(status_write.spec.node_name, "n1");
        assert_eq!(status_write.status.host_ip, "10.0.0.1");
        new.keep_status(&old);
        assert_eq!(new.spec.node_name, "n2");
        assert_eq!(new.status.host_ip, "");
        assert!(new.spec_differs(&old));
    }

    #[test]
    fn qualified_names_carry_the_group() {
        assert_eq!(qualified_name(Kind::Pod, "a"), "pod/a");
        assert_eq!(qualified_name(Kind::Deployment, "a"), "deployment.apps/a");
    }
}
