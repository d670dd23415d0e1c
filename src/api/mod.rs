//! The resource model every role shares: Kubernetes-dialect types (Namespace,
//! Node, Pod, ReplicaSet, Deployment, Event, HorizontalPodAutoscaler,
//! ConfigMap), metadata, quantities, label
//! selectors, validation and manifest decoding.
//!
//! This module is a leaf: it does no I/O and imports nothing else of ork.

pub mod admission_policy;
pub mod apps;
pub mod autoscaling;
pub mod autoscaling_v1;
pub mod batch;
pub mod bound_token;
pub mod cel;
pub mod columns;
pub mod config;
pub mod core;
pub mod cronjob;
pub mod daemonset;
pub mod exec;
pub mod explain;
pub mod field_policy;
pub mod fields;
pub mod hash;
pub mod ingress;
pub mod lease;
pub mod managed_fields;
pub mod manifest;
pub mod merge;
pub mod meta;
pub mod metrics;
pub mod object;
pub mod openapi;
pub mod openapi_pb;
pub mod pdb;
pub mod placement;
pub mod pod;
pub mod pod_update;
pub mod priorityclass;
pub mod protobuf;
pub mod quantity;
pub mod quota_types;
pub mod rbac;
pub mod rbac_defaults;
pub mod remotecommand;
pub mod replication;
pub mod security;
pub mod selector;
pub mod service;
pub mod serviceaccount;
pub mod statefulset;
pub mod status;
pub mod storageclass;
pub mod strategic;
pub mod strategic_merge;
pub mod testing;
pub mod token;
pub mod validation;
pub mod volume;
pub mod wire;

pub use apps::{
    Deployment, DeploymentSpec, DeploymentStatus, DeploymentStrategy, IntOrString, ReplicaSet,
    ReplicaSetSpec, ReplicaSetStatus, RollingUpdate, StrategyType,
};
pub use autoscaling::HorizontalPodAutoscaler;
pub use config::{ConfigMap, Secret};
pub use core::{
    Event, EventSource, Namespace, NamespaceStatus, Node, NodeAddress, NodeSpec, NodeStatus,
    NodeSystemInfo, ObjectReference, RUNTIME_LABEL_PREFIX,
};
pub use daemonset::{ControllerRevision, DaemonSet};
pub use fields::FieldSelector;
pub use meta::{
    Condition, ListMeta, ObjectMeta, OwnerReference, Time, find_condition, set_condition,
};
pub use object::{AnyObject, Kind, KindInfo, Object, new_object, qualified_name};
pub use pod::{
    Container, ContainerPort, ContainerState, ContainerStateRunning, ContainerStateTerminated,
    ContainerStateWaiting, ContainerStatus, EnvVar, ExecAction, HttpGetAction, HttpHeader, Pod,
    PodPhase, PodSpec, PodStatus, PodTemplateSpec, Probe, Protocol, PullPolicy,
    ResourceRequirements, RestartPolicy, TcpSocketAction,
};
pub use pod::{GrpcAction, Lifecycle, LifecycleHandler, SleepAction};
pub use quantity::Quantity;
pub use selector::{LabelSelector, Selector};
pub use service::{Endpoints, Service};
pub use status::{Status, StatusCause, StatusDetails};
pub use validation::FieldError;

/// The namespace used when a namespaced object names none.
pub const DEFAULT_NAMESPACE: &str = "default";

/// The label a Deployment puts on its ReplicaSets and pods to tell templates apart.
pub const POD_TEMPLATE_HASH_LABEL: &str = "pod-template-hash";

/// The annotation holding a Deployment revision number on it and its ReplicaSets.
pub const REVISION_ANNOTATION: &str = "deployment.kubernetes.io/revision";

/// The annotation `ork apply` keeps the last applied manifest in, for three-way merges.
pub const LAST_APPLIED_ANNOTATION: &str = "kubectl.kubernetes.io/last-applied-configuration";
