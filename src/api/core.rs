//! `v1` Namespace, Node and Event.

use super::meta::{Condition, ObjectMeta, Time, find_condition};
use super::quantity::Quantity;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A scope for names: objects of namespaced kinds live in one, and
/// deleting it deletes them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Namespace {
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    /// Accepted as Kubernetes has it (`kubectl create namespace` sends an
    /// empty one); ork runs no namespace finalizers.
    #[serde(skip_serializing_if = "NamespaceSpec::is_empty")]
    pub spec: NamespaceSpec,
    #[serde(skip_serializing_if = "NamespaceStatus::is_empty")]
    pub status: NamespaceStatus,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NamespaceSpec {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub finalizers: Vec<String>,
}

impl NamespaceSpec {
    pub fn is_empty(&self) -> bool {
        self.finalizers.is_empty()
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NamespaceStatus {
    /// `Active` or `Terminating`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub phase: String,
}

impl NamespaceStatus {
    pub fn is_empty(&self) -> bool {
        self.phase.is_empty()
    }
}

/// A node offers runtime `X` (for `spec.runtimeClassName: X`) when it has the
/// label `runtime.ork.dev/X: "true"`.
pub const RUNTIME_LABEL_PREFIX: &str = "runtime.ork.dev/";

/// Whether a node keeps this label of its Node up to date itself (its
/// hostname, OS, architecture, runtimes, ingress ports, `node.kubernetes.io/…`); every
/// other label, and the taints, are set when it first registers and are an
/// admin's afterwards.
pub fn node_owns_label(key: &str) -> bool {
    matches!(
        key,
        "kubernetes.io/hostname" | "kubernetes.io/os" | "kubernetes.io/arch" | "ork.dev/runtime"
    ) || key.starts_with("node.kubernetes.io/")
        || key.starts_with(RUNTIME_LABEL_PREFIX)
        || super::ingress::is_port_label(key)
}

/// A machine that runs pods. Registered by its node daemon.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Node {
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    pub spec: NodeSpec,
    pub status: NodeStatus,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NodeSpec {
    /// Cordoned: no new pods are placed here.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unschedulable: bool,
    /// Pods that do not tolerate these are kept off (or preferably off).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub taints: Vec<super::placement::Taint>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NodeStatus {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub capacity: BTreeMap<String, Quantity>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub allocatable: BTreeMap<String, Quantity>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<NodeAddress>,
    #[serde(default)]
    pub daemon_endpoints: NodeDaemonEndpoints,
    #[serde(default)]
    pub node_info: NodeSystemInfo,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NodeAddress {
    /// `InternalIP` or `Hostname`.
    #[serde(rename = "type")]
    pub type_: String,
    pub address: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NodeDaemonEndpoints {
    /// Where the node daemon serves logs (Kubernetes calls it the kubelet endpoint).
    #[serde(default)]
    pub kubelet_endpoint: DaemonEndpoint,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DaemonEndpoint {
    #[serde(rename = "Port", default)]
    pub port: i32,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NodeSystemInfo {
    /// Every field is always sent (empty when unknown): clients such as the
    /// official Python one refuse a NodeSystemInfo that lacks any of them.
    #[serde(default, rename = "machineID", alias = "machineId")]
    pub machine_id: String,
    /// The machine's SMBIOS UUID (its machine id where that is unreadable).
    #[serde(default, rename = "systemUUID", alias = "systemUuid")]
    pub system_uuid: String,
    /// Changes at every boot of the machine.
    #[serde(default, rename = "bootID", alias = "bootId")]
    pub boot_id: String,
    #[serde(default)]
    pub kernel_version: String,
    #[serde(default)]
    pub os_image: String,
    #[serde(default)]
    pub operating_system: String,
    #[serde(default)]
    pub architecture: String,
    /// The runtime pods run in here: `process`, `docker` or `fake`.
    #[serde(default)]
    pub container_runtime_version: String,
    /// The version of ork on the node (Kubernetes' kubelet version).
    #[serde(default)]
    pub kubelet_version: String,
    /// The version of ork's service proxy on the node (the node daemon's).
    #[serde(default)]
    pub kube_proxy_version: String,
}

impl Node {
    /// Whether the node's Ready condition is true.
    pub fn is_ready(&self) -> bool {
        find_condition(&self.status.conditions, "Ready").is_some_and(Condition::is_true)
    }

    pub fn allocatable_milli(&self, resource: &str) -> i128 {
        self.status
            .allocatable
            .get(resource)
            .map(Quantity::milli)
            .unwrap_or(0)
    }

    /// The first address of a type (`InternalIP`, `Hostname`).
    pub fn address(&self, type_: &str) -> Option<&str> {
        self.status
            .addresses
            .iter()
            .find(|a| a.type_ == type_)
            .map(|a| a.address.as_str())
    }

    /// The STATUS column: `Ready`, `NotReady`, `Unknown`, plus
    /// `SchedulingDisabled` when cordoned.
    pub fn display_status(&self) -> String {
        let base = match find_condition(&self.status.conditions, "Ready") {
            Some(c) if c.is_true() => "Ready",
            Some(c) if c.status == "False" => "NotReady",
            Some(_) => "NotReady",
            None => "Unknown",
        };
        if self.spec.unschedulable {
            format!("{base},SchedulingDisabled")
        } else {
            base.to_string()
        }
    }
}

/// Something that happened to an object, for `describe`, `get events` and the TUI.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Event {
    #[serde(default)]
    pub api_version: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub metadata: ObjectMeta,
    pub involved_object: ObjectReference,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// `Normal` or `Warning`.
    #[serde(rename = "type", default, skip_serializing_if = "String::is_empty")]
    pub type_: String,
    #[serde(default)]
    pub count: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_timestamp: Option<Time>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_timestamp: Option<Time>,
    #[serde(default)]
    pub source: EventSource,
}

#[derive(
    Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ObjectReference {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub api_version: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub uid: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub resource_version: String,
    /// The part of the object meant (`spec.containers{web}`), if not all of it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub field_path: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EventSource {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub component: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub host: String,
}
