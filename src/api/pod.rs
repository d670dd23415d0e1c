//! `v1` Pod: the spec a user writes, the status a node reports, and the
//! derived views (`READY 1/2`, the STATUS column) that every client shows.

use super::meta::{Condition, ObjectMeta, Time, find_condition};
use super::quantity::Quantity;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One or more containers that run together on one node, sharing a
/// network and volumes.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Pod {
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    pub spec: PodSpec,
    #[serde(skip_serializing_if = "PodStatus::is_empty")]
    pub status: PodStatus,
}

/// A pod template inside a ReplicaSet or Deployment.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PodTemplateSpec {
    #[serde(default)]
    pub metadata: ObjectMeta,
    #[serde(default)]
    pub spec: PodSpec,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PodSpec {
    pub containers: Vec<Container>,
    /// `Always` (default), `OnFailure` or `Never`.
    #[serde(default)]
    pub restart_policy: RestartPolicy,
    /// The node the pod is bound to; set by the scheduler unless given.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub node_name: String,
    /// The pod only runs on nodes that carry all these labels.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub node_selector: BTreeMap<String, String>,
    /// Seconds between SIGTERM and SIGKILL when the pod stops (default 30).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub termination_grace_period_seconds: Option<i64>,
    /// Which runtime of the node runs the pod: `docker` or `process` (default:
    /// the node's default runtime). The pod only goes to nodes that offer it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub runtime_class_name: String,
    /// Taints the pod accepts on its node.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tolerations: Vec<super::placement::Toleration>,
    /// Node affinity (required and preferred).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub affinity: Option<super::placement::Affinity>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<super::volume::Volume>,
    /// Which user the pod's containers run as, and the group of its volumes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_context: Option<super::security::PodSecurityContext>,
    /// The pod's hostname (default: its name); `HOSTNAME` in its containers.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub hostname: String,
    /// The headless Service the pod's name resolves under
    /// (`<hostname>.<subdomain>.<namespace>.svc.cluster.local`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub subdomain: String,
    /// `ClusterFirst` (default: the cluster DNS, then the node's
    /// resolvers), `ClusterFirstWithHostNet` (the same), `Default` (the
    /// node's resolv.conf) or `None` (only `dnsConfig`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_policy: Option<String>,
    /// Nameservers, search domains and options merged into what
    /// `dnsPolicy` gives (all of it under `None`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_config: Option<PodDnsConfig>,
    /// Extra lines of the pod's hosts file.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub host_aliases: Vec<HostAlias>,
    /// Which scheduler places the pod: `default-scheduler` (ork's, the
    /// default), or another that binds it itself (`pods/binding`); ork's
    /// leaves such a pod Pending for it, as Kubernetes' does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduler_name: Option<String>,
    /// Only `true` (Kubernetes' default): every pod gets the
    /// `<NAME>_SERVICE_HOST/PORT` variables of its namespace's services.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_service_links: Option<bool>,
    /// Containers run to completion, one at a time in order, before the
    /// app containers start; those with `restartPolicy: Always` are sidecars
    /// (started in order, kept running, stopped after the app containers).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub init_containers: Vec<Container>,
    /// The ServiceAccount the pod runs as; admission defaults it to `default`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub service_account_name: String,
    /// Deprecated alias of `serviceAccountName`, kept equal to it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub service_account: String,
    /// Whether a service-account token is mounted: only `false` is supported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub automount_service_account_token: Option<bool>,
    /// The PriorityClass the pod's priority comes from; admission resolves
    /// it into `priority` and `preemptionPolicy`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub priority_class_name: String,
    /// Higher goes first, and may preempt lower (set by admission from
    /// `priorityClassName`; 0 without a class or a global default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<i32>,
    /// `PreemptLowerPriority` (default) or `Never`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preemption_policy: Option<String>,
    /// How the pod's group spreads over topology domains (nodes, zones).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub topology_spread_constraints: Vec<super::placement::TopologySpreadConstraint>,
    /// While any gate is left the pod is not scheduled (`SchedulingGated`);
    /// gates may only be removed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scheduling_gates: Vec<PodSchedulingGate>,
    /// Pod-level requests and limits (cpu, memory): the pod's total, used
    /// for fit instead of the sum of its containers'.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<ResourceRequirements>,
    /// The pod's containers share one process namespace (Docker: the
    /// sandbox's, whose `ork pause` is PID 1), so they see and signal each
    /// other's processes. Process pods are host processes, which do anyway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share_process_namespace: Option<bool>,
    /// The pod uses the node's network namespace: its containers listen on
    /// the node's own addresses, each port's `hostPort` is its
    /// `containerPort`, its hostname is the node's, and `ClusterFirst` DNS
    /// becomes the node's resolvers (`ClusterFirstWithHostNet` keeps the
    /// cluster DNS), as in Kubernetes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_network: Option<bool>,
    /// Secrets of type `kubernetes.io/dockerconfigjson` (or `dockercfg`) in
    /// the pod's namespace whose credentials the node pulls its images
    /// with; a pod naming none gets its ServiceAccount's on creation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub image_pull_secrets: Vec<super::serviceaccount::LocalObjectReference>,
}

/// `spec.schedulingGates[]`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PodSchedulingGate {
    pub name: String,
}

/// Kubernetes' default `preemptionPolicy`.
pub const PREEMPT_LOWER_PRIORITY: &str = "PreemptLowerPriority";

impl PodSpec {
    /// Whether ork's scheduler places the pod (it names no other scheduler).
    pub fn for_default_scheduler(&self) -> bool {
        self.scheduler_name
            .as_deref()
            .is_none_or(|s| s == super::field_policy::SCHEDULER_NAME)
    }

    /// Whether the pod uses the node's network namespace.
    pub fn host_network(&self) -> bool {
        self.host_network == Some(true)
    }

    /// Every container: the init containers (sidecars among them) in order,
    /// then the app containers.
    pub fn all_containers(&self) -> impl Iterator<Item = &Container> {
        self.init_containers.iter().chain(&self.containers)
    }

    /// The container named `name`, init or app.
    pub fn container(&self, name: &str) -> Option<&Container> {
        self.all_containers().find(|c| c.name == name)
    }
}

/// `spec.dnsConfig`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PodDnsConfig {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nameservers: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub searches: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<PodDnsConfigOption>,
}

/// One resolver option (`ndots` with value `2`, `single-request` without).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PodDnsConfigOption {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// `spec.hostAliases[]`: an address and the names it has in the pod.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HostAlias {
    pub ip: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hostnames: Vec<String>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum RestartPolicy {
    #[default]
    Always,
    OnFailure,
    Never,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Container {
    pub name: String,
    /// The image to run; the process runtime ignores it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub image: String,
    /// Replaces the image's entrypoint; for the process runtime, the program to run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub command: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub working_dir: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<EnvVar>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env_from: Vec<super::volume::EnvFromSource>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub volume_mounts: Vec<super::volume::VolumeMount>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<ContainerPort>,
    #[serde(default, skip_serializing_if = "ResourceRequirements::is_empty")]
    pub resources: ResourceRequirements,
    /// `Always`, `IfNotPresent` or `Never`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_pull_policy: Option<PullPolicy>,
    /// Restart the container when this fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub liveness_probe: Option<Probe>,
    /// Take the pod out of service (not Ready) while this fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub readiness_probe: Option<Probe>,
    /// Hold the other probes until this succeeds once; restart if it never does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub startup_probe: Option<Probe>,
    /// Which user the container runs as (over the pod's), and what it may do.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_context: Option<super::security::SecurityContext>,
    /// Only `Always`, and only on an init container: it is then a sidecar.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart_policy: Option<RestartPolicy>,
    /// Hooks run right after the container starts and before it is stopped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifecycle: Option<Lifecycle>,
    /// Where the container writes why it ended (default
    /// `/dev/termination-log`); it becomes `state.terminated.message`. On the
    /// process runtime the file is `$ORK_TERMINATION_MESSAGE_PATH`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub termination_message_path: String,
    /// `File` (default) or `FallbackToLogsOnError`: the end of the log when
    /// the file is empty and the container failed.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub termination_message_policy: String,
    /// Whether a change of cpu or memory would restart the container. A
    /// pod's resources do not change in place in ork (it is replaced), so
    /// this is kept and shown, and never has anything to apply to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resize_policy: Vec<ContainerResizePolicy>,
    /// The container's stdin is kept open (docker runtime), so a shell
    /// started as its command waits for input instead of ending at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stdin: Option<bool>,
    /// Close stdin after the first attach (ork does not attach, so stdin
    /// stays open).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stdin_once: Option<bool>,
    /// The container gets a terminal (docker runtime).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tty: Option<bool>,
}

/// `containers[].resizePolicy[]`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContainerResizePolicy {
    /// `cpu` or `memory`.
    pub resource_name: String,
    /// `NotRequired` or `RestartContainer`.
    pub restart_policy: String,
}

/// What runs when a container starts (`postStart`: it is not running until
/// the hook returns; failure kills it) and before it is stopped (`preStop`:
/// within the pod's grace period, before SIGTERM).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Lifecycle {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_start: Option<LifecycleHandler>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pre_stop: Option<LifecycleHandler>,
}

/// One of `exec`, `httpGet`, `sleep`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LifecycleHandler {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exec: Option<ExecAction>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_get: Option<HttpGetAction>,
    /// Kept by Kubernetes for compatibility only (it does nothing there);
    /// ork refuses it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tcp_socket: Option<TcpSocketAction>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sleep: Option<SleepAction>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SleepAction {
    pub seconds: i64,
}

impl Container {
    /// Whether this (init) container is a sidecar: `restartPolicy: Always`.
    pub fn is_sidecar(&self) -> bool {
        self.restart_policy == Some(RestartPolicy::Always)
    }
}

/// A health check of a container: one of `httpGet`, `tcpSocket`, `grpc`, `exec`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Probe {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exec: Option<ExecAction>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_get: Option<HttpGetAction>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tcp_socket: Option<TcpSocketAction>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grpc: Option<GrpcAction>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial_delay_seconds: Option<i32>,
    /// Seconds between checks (default 10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period_seconds: Option<i32>,
    /// Seconds a check may take (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<i32>,
    /// Consecutive successes that count as passing (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_threshold: Option<i32>,
    /// Consecutive failures that count as failing (default 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_threshold: Option<i32>,
}

impl Probe {
    pub fn initial_delay(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.initial_delay_seconds.unwrap_or(0).max(0) as u64)
    }
    pub fn period(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.period_seconds.unwrap_or(10).max(1) as u64)
    }
    pub fn timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.timeout_seconds.unwrap_or(1).max(1) as u64)
    }
    pub fn successes_needed(&self) -> u32 {
        self.success_threshold.unwrap_or(1).max(1) as u32
    }
    pub fn failures_allowed(&self) -> u32 {
        self.failure_threshold.unwrap_or(3).max(1) as u32
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExecAction {
    #[serde(default)]
    pub command: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HttpGetAction {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub path: String,
    /// A port number or the name of a container port.
    pub port: super::apps::IntOrString,
    /// Defaults to the pod's address.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub host: String,
    /// `HTTP` (ork does not check HTTPS yet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheme: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub http_headers: Vec<HttpHeader>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HttpHeader {
    pub name: String,
    #[serde(default)]
    pub value: String,
}

/// A call of the standard gRPC health service (`grpc.health.v1.Health/Check`)
/// at the pod's address; passing when it answers `SERVING`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GrpcAction {
    /// A port number (not a name, as in Kubernetes).
    pub port: i32,
    /// The service name the health service is asked about (empty: the server as a whole).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TcpSocketAction {
    /// A port number or the name of a container port.
    pub port: super::apps::IntOrString,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub host: String,
}

impl Container {
    /// Resolves a probe port (number or container-port name) to a container port.
    pub fn resolve_port(&self, port: &super::apps::IntOrString) -> Option<i32> {
        match port {
            super::apps::IntOrString::Int(n) => Some(*n),
            super::apps::IntOrString::String(name) => self
                .ports
                .iter()
                .find(|p| p.name == *name)
                .map(|p| p.container_port),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum PullPolicy {
    Always,
    IfNotPresent,
    Never,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EnvVar {
    pub name: String,
    #[serde(default)]
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_from: Option<super::volume::EnvVarSource>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContainerPort {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    pub container_port: i32,
    /// The port on the node. Given in the spec, it is fixed; in status, the port
    /// the node actually gave this container port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_port: Option<i32>,
    #[serde(default)]
    pub protocol: Protocol,
}

#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    JsonSchema,
)]
#[allow(clippy::upper_case_acronyms)]
pub enum Protocol {
    #[default]
    TCP,
    UDP,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResourceRequirements {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub requests: BTreeMap<String, Quantity>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub limits: BTreeMap<String, Quantity>,
}

impl ResourceRequirements {
    pub fn is_empty(&self) -> bool {
        self.requests.is_empty() && self.limits.is_empty()
    }

    /// The request for a resource; as in Kubernetes, a limit without a request
    /// is also the request.
    pub fn request(&self, resource: &str) -> Option<&Quantity> {
        self.requests
            .get(resource)
            .or_else(|| self.limits.get(resource))
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum PodPhase {
    #[default]
    Pending,
    Running,
    Succeeded,
    Failed,
    Unknown,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PodStatus {
    #[serde(default)]
    pub phase: PodPhase,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
    #[serde(
        default,
        rename = "hostIP",
        alias = "hostIp",
        skip_serializing_if = "String::is_empty"
    )]
    pub host_ip: String,
    #[serde(
        default,
        rename = "podIP",
        alias = "podIp",
        skip_serializing_if = "String::is_empty"
    )]
    pub pod_ip: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<Time>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub container_statuses: Vec<ContainerStatus>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub init_container_statuses: Vec<ContainerStatus>,
    /// A one-word reason for the pod's state (`NodeLost`, `Evicted`…).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// The node the scheduler preempted pods on for this pod; it is placed
    /// there once they are gone (unless something else fits first).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub nominated_node_name: String,
}

impl PodStatus {
    pub fn is_empty(&self) -> bool {
        *self == PodStatus::default()
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContainerStatus {
    pub name: String,
    #[serde(default)]
    pub ready: bool,
    #[serde(default)]
    pub restart_count: i32,
    #[serde(default)]
    pub state: ContainerState,
    #[serde(default, skip_serializing_if = "ContainerState::is_empty")]
    pub last_state: ContainerState,
    /// `image`, `imageID` and `containerID` are always sent (empty when
    /// unknown), as Kubernetes does; the official clients require them.
    #[serde(default)]
    pub image: String,
    /// The image's content id (empty for runtimes without images).
    #[serde(default, rename = "imageID", alias = "imageId")]
    pub image_id: String,
    #[serde(default, rename = "containerID", alias = "containerId")]
    pub container_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started: Option<bool>,
    /// ork: the container's ports with the host port each was given on the node.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<ContainerPort>,
}

/// At most one of the three is set.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContainerState {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting: Option<ContainerStateWaiting>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub running: Option<ContainerStateRunning>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terminated: Option<ContainerStateTerminated>,
}

impl ContainerState {
    pub fn is_empty(&self) -> bool {
        self.waiting.is_none() && self.running.is_none() && self.terminated.is_none()
    }

    pub fn waiting(reason: &str, message: &str) -> Self {
        ContainerState {
            waiting: Some(ContainerStateWaiting {
                reason: reason.into(),
                message: message.into(),
            }),
            ..Default::default()
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContainerStateWaiting {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContainerStateRunning {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<Time>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContainerStateTerminated {
    pub exit_code: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal: Option<i32>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<Time>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<Time>,
}

/// Seconds a pod gets between SIGTERM and SIGKILL unless its spec says otherwise.
pub const DEFAULT_GRACE_SECONDS: i64 = 30;

impl Pod {
    /// The pod's hostname: `spec.hostname`, else its name (as Kubernetes).
    pub fn hostname(&self) -> &str {
        if self.spec.hostname.is_empty() {
            &self.metadata.name
        } else {
            &self.spec.hostname
        }
    }

    /// Whether the pod has finished for good (its containers will not run again).
    pub fn is_terminal(&self) -> bool {
        matches!(self.status.phase, PodPhase::Succeeded | PodPhase::Failed)
    }

    /// Whether the pod's Ready condition is true.
    pub fn is_ready(&self) -> bool {
        find_condition(&self.status.conditions, "Ready").is_some_and(Condition::is_true)
    }

    /// Whether the pod counts toward its owner's replicas: not terminating and
    /// not finished.
    pub fn is_active(&self) -> bool {
        !self.metadata.is_terminating() && !self.is_terminal()
    }

    pub fn grace_seconds(&self) -> i64 {
        self.spec
            .termination_grace_period_seconds
            .unwrap_or(DEFAULT_GRACE_SECONDS)
            .max(0)
    }

    /// What the pod requests of a resource, in thousandths, as Kubernetes
    /// counts it for fit: the pod-level request when `spec.resources` has
    /// one; else the app containers' and sidecars' sum, or the largest
    /// init container's (with the sidecars started before it) when that is
    /// more.
    pub fn request_milli(&self, resource: &str) -> i128 {
        if let Some(q) = self
            .spec
            .resources
            .as_ref()
            .and_then(|r| r.request(resource))
        {
            return q.milli();
        }
        let req = |c: &Container| c.resources.request(resource).map_or(0, Quantity::milli);
        let apps: i128 = self.spec.containers.iter().map(req).sum();
        if self.spec.init_containers.is_empty() {
            return apps;
        }
        let mut sidecars = 0;
        let mut init_peak = 0;
        for c in &self.spec.init_containers {
            if c.is_sidecar() {
                sidecars += req(c);
                init_peak = init_peak.max(sidecars);
            } else {
                init_peak = init_peak.max(sidecars + req(c));
            }
        }
        (apps + sidecars).max(init_peak)
    }

    /// The resources the pod names in any request or limit, pod-level or
    /// of any container (`cpu`, `memory`, `example.com/dongle`…).
    pub fn resource_names(&self) -> std::collections::BTreeSet<&str> {
        self.spec
            .all_containers()
            .map(|c| &c.resources)
            .chain(self.spec.resources.as_ref())
            .flat_map(|r| r.requests.keys().chain(r.limits.keys()))
            .map(String::as_str)
            .collect()
    }

    /// The pod's priority (0 when admission gave it none).
    pub fn priority(&self) -> i32 {
        self.spec.priority.unwrap_or(0)
    }

    /// Whether the pod may preempt lower-priority pods.
    pub fn may_preempt(&self) -> bool {
        self.spec.preemption_policy.as_deref() != Some("Never")
    }

    /// Whether scheduling gates hold the pod back.
    pub fn is_gated(&self) -> bool {
        !self.spec.scheduling_gates.is_empty()
    }

    /// `ready/total` containers, as the READY column shows it (sidecars
    /// count as containers, ready once started and ready, as kubectl counts them).
    pub fn ready_count(&self) -> (usize, usize) {
        let ready = self
            .status
            .container_statuses
            .iter()
            .filter(|c| c.ready)
            .count();
        let sidecars = self.spec.init_containers.iter().filter(|c| c.is_sidecar());
        let ready_sidecars = self
            .status
            .init_container_statuses
            .iter()
            .filter(|s| {
                s.ready
                    && s.started == Some(true)
                    && self
                        .spec
                        .container(&s.name)
                        .is_some_and(Container::is_sidecar)
            })
            .count();
        (
            ready + ready_sidecars,
            self.spec.containers.len() + sidecars.count(),
        )
    }

    pub fn restart_count(&self) -> i32 {
        self.status
            .init_container_statuses
            .iter()
            .chain(&self.status.container_statuses)
            .map(|c| c.restart_count)
            .sum()
    }

    /// The STATUS column while init containers have not all finished (or,
    /// for sidecars, started): `Init:1/2`, `Init:CrashLoopBackOff`,
    /// `Init:Error`, `Init:ExitCode:3`; `None` once they have.
    pub fn init_status(&self) -> Option<String> {
        let total = self.spec.init_containers.len();
        for (i, s) in self.status.init_container_statuses.iter().enumerate() {
            let sidecar = self
                .spec
                .init_containers
                .iter()
                .find(|c| c.name == s.name)
                .is_some_and(Container::is_sidecar);
            if let Some(t) = &s.state.terminated {
                if t.exit_code == 0 {
                    continue;
                }
            } else if sidecar && s.started == Some(true) {
                continue;
            }
            if let Some(t) = &s.state.terminated {
                return Some(match (t.reason.as_str(), t.signal) {
                    ("", Some(sig)) if sig != 0 => format!("Init:Signal:{sig}"),
                    ("", _) => format!("Init:ExitCode:{}", t.exit_code),
                    (reason, _) => format!("Init:{reason}"),
                });
            }
            if let Some(w) = &s.state.waiting
                && !w.reason.is_empty()
                && w.reason != "PodInitializing"
            {
                return Some(format!("Init:{}", w.reason));
            }
            return Some(format!("Init:{i}/{total}"));
        }
        None
    }

    /// The STATUS column: the most telling reason among the containers, else
    /// the phase, `Terminating` while being deleted.
    pub fn display_status(&self) -> String {
        // A reason (NodeLost) says more than Terminating.
        if !self.status.reason.is_empty() {
            return self.status.reason.clone();
        }
        if self.metadata.is_terminating() {
            return "Terminating".into();
        }
        let initialized =
            find_condition(&self.status.conditions, "Initialized").is_some_and(Condition::is_true);
        if !initialized && let Some(init) = self.init_status() {
            return init;
        }
        for c in &self.status.container_statuses {
            if let Some(w) = &c.state.waiting
                && !w.reason.is_empty()
                && w.reason != "ContainerCreating"
            {
                return w.reason.clone();
            }
            if let Some(t) = &c.state.terminated
                && self.status.phase != PodPhase::Succeeded
                && t.exit_code != 0
            {
                return if t.reason.is_empty() {
                    format!("ExitCode:{}", t.exit_code)
                } else {
                    t.reason.clone()
                };
            }
        }
        if self.status.phase == PodPhase::Pending {
            if self.spec.node_name.is_empty() {
                if self.is_gated() {
                    return "SchedulingGated".into();
                }
                return "Pending".into();
            }
            return "ContainerCreating".into();
        }
        if self.status.phase == PodPhase::Succeeded {
            return "Completed".into();
        }
        if self.status.phase == PodPhase::Failed {
            return "Error".into();
        }
        format!("{:?}", self.status.phase)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod_with(statuses: Vec<ContainerStatus>, phase: PodPhase) -> Pod {
        let mut p = Pod::default();
        p.spec.containers = statuses
            .iter()
            .map(|s| Container {
                name: s.name.clone(),
                ..Default::default()
            })
            .collect();
        p.spec.node_name = "n1".into();
        p.status.phase = phase;
        p.status.container_statuses = statuses;
        p
    }

    #[test]
    fn status_column_prefers_a_waiting_reason() {
        let waiting = ContainerStatus {
            name: "a".into(),
            state: ContainerState::waiting("CrashLoopBackOff", "back-off 10s"),
            restart_count: 3,
            ..Default::default()
        };
        let running = ContainerStatus {
            name: "b".into(),
            ready: true,
            state: ContainerState {
                running: Some(ContainerStateRunning::default()),
                ..Default::default()
            },
            ..Default::default()
        };
        let p = pod_with(vec![running, waiting], PodPhase::Running);
        assert_eq!(p.display_status(), "CrashLoopBackOff");
        assert_eq!(p.ready_count(), (1, 2));
        assert_eq!(p.restart_count(), 3);
    }

    #[test]
    fn status_column_shows_terminating_and_completed() {
        let mut p = pod_with(vec![], PodPhase::Succeeded);
        assert_eq!(p.display_status(), "Completed");
        p.metadata.deletion_timestamp = Some(Time::now());
        assert_eq!(p.display_status(), "Terminating");
        assert!(!p.is_active());
    }

    #[test]
    fn requests_fall_back_to_limits() {
        let mut p = Pod::default();
        let mut c = Container::default();
        c.resources
            .limits
            .insert("cpu".into(), "500m".parse().unwrap());
        p.spec.containers = vec![c.clone(), c];
        p.spec.containers[1]
            .resources
            .requests
            .insert("cpu".into(), "100m".parse().unwrap());
        assert_eq!(p.request_milli("cpu"), 600);
        assert_eq!(p.request_milli("memory"), 0);
    }
}
