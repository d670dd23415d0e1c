//! The field lists of every Kubernetes protobuf message reachable from the
//! kinds ork serves (and from DeleteOptions and Eviction), each field with
//! its JSON name. The lists follow the structs of the `k8s-pb` crate: the
//! pattern in [`super::message`] names every field, so a field added to a
//! struct fails to compile until it is listed here. The JSON names are the
//! messages' own field names in Kubernetes' `generated.proto` files (matched
//! by tag), which are the names of the JSON API; an empty name marks a
//! struct embedded inline in Go (`json:",inline"`), and a leading `?` a
//! number or boolean Go does not hold by pointer, which Go's protobuf
//! writes even when zero: zero there means unset.

use super::{Json, message};
use serde_json::{Map, Value};

message!(api::apps::v1::Deployment {
    metadata: "metadata",
    spec: "spec",
    status: "status",
});
message!(api::apps::v1::DeploymentCondition {
    r#type: "type",
    status: "status",
    last_update_time: "lastUpdateTime",
    last_transition_time: "lastTransitionTime",
    reason: "reason",
    message: "message",
});
message!(api::apps::v1::DeploymentSpec {
    replicas: "replicas",
    selector: "selector",
    template: "template",
    strategy: "strategy",
    min_ready_seconds: "?minReadySeconds",
    revision_history_limit: "revisionHistoryLimit",
    paused: "?paused",
    progress_deadline_seconds: "progressDeadlineSeconds",
});
message!(api::apps::v1::DeploymentStatus {
    observed_generation: "?observedGeneration",
    replicas: "?replicas",
    updated_replicas: "?updatedReplicas",
    ready_replicas: "?readyReplicas",
    available_replicas: "?availableReplicas",
    unavailable_replicas: "?unavailableReplicas",
    terminating_replicas: "terminatingReplicas",
    conditions: "conditions",
    collision_count: "collisionCount",
});
message!(api::apps::v1::DeploymentStrategy {
    r#type: "type",
    rolling_update: "rollingUpdate"
});
message!(api::apps::v1::ReplicaSet {
    metadata: "metadata",
    spec: "spec",
    status: "status",
});
message!(api::apps::v1::ReplicaSetCondition {
    r#type: "type",
    status: "status",
    last_transition_time: "lastTransitionTime",
    reason: "reason",
    message: "message",
});
message!(api::apps::v1::ReplicaSetSpec {
    replicas: "replicas",
    min_ready_seconds: "?minReadySeconds",
    selector: "selector",
    template: "template",
});
message!(api::apps::v1::ReplicaSetStatus {
    replicas: "?replicas",
    fully_labeled_replicas: "?fullyLabeledReplicas",
    ready_replicas: "?readyReplicas",
    available_replicas: "?availableReplicas",
    terminating_replicas: "terminatingReplicas",
    observed_generation: "?observedGeneration",
    conditions: "conditions",
});
message!(api::apps::v1::RollingUpdateDeployment {
    max_unavailable: "maxUnavailable",
    max_surge: "maxSurge"
});
message!(api::autoscaling::v2::ContainerResourceMetricSource {
    name: "name",
    target: "target",
    container: "container",
});
message!(api::autoscaling::v2::ContainerResourceMetricStatus {
    name: "name",
    current: "current",
    container: "container",
});
message!(api::autoscaling::v2::CrossVersionObjectReference {
    kind: "kind",
    name: "name",
    api_version: "apiVersion",
});
message!(api::autoscaling::v2::ExternalMetricSource {
    metric: "metric",
    target: "target"
});
message!(api::autoscaling::v2::ExternalMetricStatus {
    metric: "metric",
    current: "current"
});
message!(api::autoscaling::v2::HorizontalPodAutoscaler {
    metadata: "metadata",
    spec: "spec",
    status: "status",
});
message!(api::autoscaling::v2::HorizontalPodAutoscalerBehavior {
    scale_up: "scaleUp",
    scale_down: "scaleDown"
});
message!(api::autoscaling::v2::HorizontalPodAutoscalerCondition {
    r#type: "type",
    status: "status",
    last_transition_time: "lastTransitionTime",
    reason: "reason",
    message: "message",
});
message!(api::autoscaling::v2::HorizontalPodAutoscalerSpec {
    scale_target_ref: "scaleTargetRef",
    min_replicas: "minReplicas",
    max_replicas: "?maxReplicas",
    metrics: "metrics",
    behavior: "behavior",
});
message!(api::autoscaling::v2::HorizontalPodAutoscalerStatus {
    observed_generation: "observedGeneration",
    last_scale_time: "lastScaleTime",
    current_replicas: "?currentReplicas",
    desired_replicas: "?desiredReplicas",
    current_metrics: "currentMetrics",
    conditions: "conditions",
});
message!(api::autoscaling::v2::HpaScalingPolicy {
    r#type: "type",
    value: "?value",
    period_seconds: "?periodSeconds",
});
message!(api::autoscaling::v2::HpaScalingRules {
    stabilization_window_seconds: "stabilizationWindowSeconds",
    select_policy: "selectPolicy",
    policies: "policies",
    tolerance: "tolerance",
});
message!(api::autoscaling::v2::MetricIdentifier {
    name: "name",
    selector: "selector"
});
message!(api::autoscaling::v2::MetricSpec {
    r#type: "type",
    object: "object",
    pods: "pods",
    resource: "resource",
    container_resource: "containerResource",
    external: "external",
});
message!(api::autoscaling::v2::MetricStatus {
    r#type: "type",
    object: "object",
    pods: "pods",
    resource: "resource",
    container_resource: "containerResource",
    external: "external",
});
message!(api::autoscaling::v2::MetricTarget {
    r#type: "type",
    value: "value",
    average_value: "averageValue",
    average_utilization: "averageUtilization",
});
message!(api::autoscaling::v2::MetricValueStatus {
    value: "value",
    average_value: "averageValue",
    average_utilization: "averageUtilization",
});
message!(api::autoscaling::v2::ObjectMetricSource {
    described_object: "describedObject",
    target: "target",
    metric: "metric",
});
message!(api::autoscaling::v2::ObjectMetricStatus {
    metric: "metric",
    current: "current",
    described_object: "describedObject",
});
message!(api::autoscaling::v2::PodsMetricSource {
    metric: "metric",
    target: "target"
});
message!(api::autoscaling::v2::PodsMetricStatus {
    metric: "metric",
    current: "current"
});
message!(api::autoscaling::v2::ResourceMetricSource {
    name: "name",
    target: "target"
});
message!(api::autoscaling::v2::ResourceMetricStatus {
    name: "name",
    current: "current"
});
message!(api::core::v1::Affinity {
    node_affinity: "nodeAffinity",
    pod_affinity: "podAffinity",
    pod_anti_affinity: "podAntiAffinity",
});
message!(api::core::v1::AppArmorProfile {
    r#type: "type",
    localhost_profile: "localhostProfile"
});
message!(api::core::v1::AttachedVolume {
    name: "name",
    device_path: "devicePath"
});
message!(api::core::v1::AwsElasticBlockStoreVolumeSource {
    volume_id: "volumeID",
    fs_type: "fsType",
    partition: "?partition",
    read_only: "?readOnly",
});
message!(api::core::v1::AzureDiskVolumeSource {
    disk_name: "diskName",
    disk_uri: "diskURI",
    caching_mode: "cachingMode",
    fs_type: "fsType",
    read_only: "readOnly",
    kind: "kind",
});
message!(api::core::v1::AzureFileVolumeSource {
    secret_name: "secretName",
    share_name: "shareName",
    read_only: "?readOnly",
});
message!(api::core::v1::CSIVolumeSource {
    driver: "driver",
    read_only: "readOnly",
    fs_type: "fsType",
    volume_attributes: "volumeAttributes",
    node_publish_secret_ref: "nodePublishSecretRef",
});
message!(api::core::v1::Capabilities {
    add: "add",
    drop: "drop"
});
message!(api::core::v1::CephFsVolumeSource {
    monitors: "monitors",
    path: "path",
    user: "user",
    secret_file: "secretFile",
    secret_ref: "secretRef",
    read_only: "?readOnly",
});
message!(api::core::v1::CinderVolumeSource {
    volume_id: "volumeID",
    fs_type: "fsType",
    read_only: "?readOnly",
    secret_ref: "secretRef",
});
message!(api::core::v1::ClientIpConfig {
    timeout_seconds: "timeoutSeconds"
});
message!(api::core::v1::ClusterTrustBundleProjection {
    name: "name",
    signer_name: "signerName",
    label_selector: "labelSelector",
    optional: "optional",
    path: "path",
});
message!(api::core::v1::ConfigMap {
    metadata: "metadata",
    immutable: "immutable",
    data: "data",
    binary_data: "binaryData",
});
message!(api::core::v1::ConfigMapEnvSource {
    local_object_reference: "",
    optional: "optional"
});
message!(api::core::v1::ConfigMapKeySelector {
    local_object_reference: "",
    key: "key",
    optional: "optional",
});
message!(api::core::v1::ConfigMapNodeConfigSource {
    namespace: "namespace",
    name: "name",
    uid: "uid",
    resource_version: "resourceVersion",
    kubelet_config_key: "kubeletConfigKey",
});
message!(api::core::v1::ConfigMapProjection {
    local_object_reference: "",
    items: "items",
    optional: "optional",
});
message!(api::core::v1::ConfigMapVolumeSource {
    local_object_reference: "",
    items: "items",
    default_mode: "defaultMode",
    optional: "optional",
});
message!(api::core::v1::Container {
    name: "name",
    image: "image",
    command: "command",
    args: "args",
    working_dir: "workingDir",
    ports: "ports",
    env_from: "envFrom",
    env: "env",
    resources: "resources",
    resize_policy: "resizePolicy",
    restart_policy: "restartPolicy",
    restart_policy_rules: "restartPolicyRules",
    volume_mounts: "volumeMounts",
    volume_devices: "volumeDevices",
    liveness_probe: "livenessProbe",
    readiness_probe: "readinessProbe",
    startup_probe: "startupProbe",
    lifecycle: "lifecycle",
    termination_message_path: "terminationMessagePath",
    termination_message_policy: "terminationMessagePolicy",
    image_pull_policy: "imagePullPolicy",
    security_context: "securityContext",
    stdin: "?stdin",
    stdin_once: "?stdinOnce",
    tty: "?tty",
});
message!(api::core::v1::ContainerExtendedResourceRequest {
    container_name: "containerName",
    resource_name: "resourceName",
    request_name: "requestName",
});
message!(api::core::v1::ContainerImage {
    names: "names",
    size_bytes: "?sizeBytes"
});
message!(api::core::v1::ContainerPort {
    name: "name",
    host_port: "?hostPort",
    container_port: "?containerPort",
    protocol: "protocol",
    host_ip: "hostIP",
});
message!(api::core::v1::ContainerResizePolicy {
    resource_name: "resourceName",
    restart_policy: "restartPolicy"
});
message!(api::core::v1::ContainerRestartRule {
    action: "action",
    exit_codes: "exitCodes"
});
message!(api::core::v1::ContainerRestartRuleOnExitCodes {
    operator: "operator",
    values: "values"
});
message!(api::core::v1::ContainerState {
    waiting: "waiting",
    running: "running",
    terminated: "terminated",
});
message!(api::core::v1::ContainerStateRunning {
    started_at: "startedAt"
});
message!(api::core::v1::ContainerStateTerminated {
    exit_code: "?exitCode",
    signal: "?signal",
    reason: "reason",
    message: "message",
    started_at: "startedAt",
    finished_at: "finishedAt",
    container_id: "containerID",
});
message!(api::core::v1::ContainerStateWaiting {
    reason: "reason",
    message: "message"
});
message!(api::core::v1::ContainerStatus {
    name: "name",
    state: "state",
    last_state: "lastState",
    ready: "?ready",
    restart_count: "?restartCount",
    image: "image",
    image_id: "imageID",
    container_id: "containerID",
    started: "started",
    allocated_resources: "allocatedResources",
    resources: "resources",
    volume_mounts: "volumeMounts",
    user: "user",
    allocated_resources_status: "allocatedResourcesStatus",
    stop_signal: "stopSignal",
});
message!(api::core::v1::ContainerUser { linux: "linux" });
message!(api::core::v1::DaemonEndpoint { port: "?Port" });
message!(api::core::v1::DownwardAPIProjection { items: "items" });
message!(api::core::v1::DownwardAPIVolumeFile {
    path: "path",
    field_ref: "fieldRef",
    resource_field_ref: "resourceFieldRef",
    mode: "mode",
});
message!(api::core::v1::DownwardAPIVolumeSource {
    items: "items",
    default_mode: "defaultMode"
});
message!(api::core::v1::EmptyDirVolumeSource {
    medium: "medium",
    size_limit: "sizeLimit"
});
message!(api::core::v1::EndpointAddress {
    ip: "ip",
    hostname: "hostname",
    node_name: "nodeName",
    target_ref: "targetRef",
});
message!(api::core::v1::EndpointPort {
    name: "name",
    port: "?port",
    protocol: "protocol",
    app_protocol: "appProtocol",
});
message!(api::core::v1::EndpointSubset {
    addresses: "addresses",
    not_ready_addresses: "notReadyAddresses",
    ports: "ports",
});
message!(api::core::v1::Endpoints {
    metadata: "metadata",
    subsets: "subsets"
});
message!(api::core::v1::EnvFromSource {
    prefix: "prefix",
    config_map_ref: "configMapRef",
    secret_ref: "secretRef",
});
message!(api::core::v1::EnvVar {
    name: "name",
    value: "value",
    value_from: "valueFrom",
});
message!(api::core::v1::EnvVarSource {
    field_ref: "fieldRef",
    resource_field_ref: "resourceFieldRef",
    config_map_key_ref: "configMapKeyRef",
    secret_key_ref: "secretKeyRef",
    file_key_ref: "fileKeyRef",
});
message!(api::core::v1::EphemeralContainer {
    ephemeral_container_common: "",
    target_container_name: "targetContainerName"
});
message!(api::core::v1::EphemeralContainerCommon {
    name: "name",
    image: "image",
    command: "command",
    args: "args",
    working_dir: "workingDir",
    ports: "ports",
    env_from: "envFrom",
    env: "env",
    resources: "resources",
    resize_policy: "resizePolicy",
    restart_policy: "restartPolicy",
    restart_policy_rules: "restartPolicyRules",
    volume_mounts: "volumeMounts",
    volume_devices: "volumeDevices",
    liveness_probe: "livenessProbe",
    readiness_probe: "readinessProbe",
    startup_probe: "startupProbe",
    lifecycle: "lifecycle",
    termination_message_path: "terminationMessagePath",
    termination_message_policy: "terminationMessagePolicy",
    image_pull_policy: "imagePullPolicy",
    security_context: "securityContext",
    stdin: "?stdin",
    stdin_once: "?stdinOnce",
    tty: "?tty",
});
message!(api::core::v1::EphemeralVolumeSource {
    volume_claim_template: "volumeClaimTemplate"
});
message!(api::core::v1::Event {
    metadata: "metadata",
    involved_object: "involvedObject",
    reason: "reason",
    message: "message",
    source: "source",
    first_timestamp: "firstTimestamp",
    last_timestamp: "lastTimestamp",
    count: "?count",
    r#type: "type",
    event_time: "eventTime",
    series: "series",
    action: "action",
    related: "related",
    reporting_component: "reportingComponent",
    reporting_instance: "reportingInstance",
});
message!(api::core::v1::EventSeries {
    count: "?count",
    last_observed_time: "lastObservedTime"
});
message!(api::core::v1::EventSource {
    component: "component",
    host: "host"
});
message!(api::core::v1::ExecAction { command: "command" });
message!(api::core::v1::FcVolumeSource {
    target_ww_ns: "targetWWNs",
    lun: "lun",
    fs_type: "fsType",
    read_only: "?readOnly",
    wwids: "wwids",
});
message!(api::core::v1::FileKeySelector {
    volume_name: "volumeName",
    path: "path",
    key: "key",
    optional: "optional",
});
message!(api::core::v1::FlexVolumeSource {
    driver: "driver",
    fs_type: "fsType",
    secret_ref: "secretRef",
    read_only: "?readOnly",
    options: "options",
});
message!(api::core::v1::FlockerVolumeSource {
    dataset_name: "datasetName",
    dataset_uuid: "datasetUUID"
});
message!(api::core::v1::GcePersistentDiskVolumeSource {
    pd_name: "pdName",
    fs_type: "fsType",
    partition: "?partition",
    read_only: "?readOnly",
});
message!(api::core::v1::GitRepoVolumeSource {
    repository: "repository",
    revision: "revision",
    directory: "directory",
});
message!(api::core::v1::GlusterfsVolumeSource {
    endpoints: "endpoints",
    path: "path",
    read_only: "?readOnly",
});
message!(api::core::v1::GrpcAction {
    port: "?port",
    service: "service"
});
message!(api::core::v1::HostAlias {
    ip: "ip",
    hostnames: "hostnames"
});
message!(api::core::v1::HostIp { ip: "ip" });
message!(api::core::v1::HostPathVolumeSource {
    path: "path",
    r#type: "type"
});
message!(api::core::v1::HttpGetAction {
    path: "path",
    port: "port",
    host: "host",
    scheme: "scheme",
    http_headers: "httpHeaders",
});
message!(api::core::v1::HttpHeader {
    name: "name",
    value: "value"
});
message!(api::core::v1::ImageVolumeSource {
    reference: "reference",
    pull_policy: "pullPolicy"
});
message!(api::core::v1::IscsiVolumeSource {
    target_portal: "targetPortal",
    iqn: "iqn",
    lun: "?lun",
    iscsi_interface: "iscsiInterface",
    fs_type: "fsType",
    read_only: "?readOnly",
    portals: "portals",
    chap_auth_discovery: "?chapAuthDiscovery",
    chap_auth_session: "?chapAuthSession",
    secret_ref: "secretRef",
    initiator_name: "initiatorName",
});
message!(api::core::v1::KeyToPath {
    key: "key",
    path: "path",
    mode: "mode",
});
message!(api::core::v1::Lifecycle {
    post_start: "postStart",
    pre_stop: "preStop",
    stop_signal: "stopSignal",
});
message!(api::core::v1::LifecycleHandler {
    exec: "exec",
    http_get: "httpGet",
    tcp_socket: "tcpSocket",
    sleep: "sleep",
});
message!(api::core::v1::LinuxContainerUser {
    uid: "?uid",
    gid: "?gid",
    supplemental_groups: "supplementalGroups",
});
message!(api::core::v1::LoadBalancerIngress {
    ip: "ip",
    hostname: "hostname",
    ip_mode: "ipMode",
    ports: "ports",
});
message!(api::core::v1::LoadBalancerStatus { ingress: "ingress" });
message!(api::core::v1::LocalObjectReference { name: "name" });
message!(api::core::v1::ModifyVolumeStatus {
    target_volume_attributes_class_name: "targetVolumeAttributesClassName",
    status: "status"
});
message!(api::core::v1::Namespace {
    metadata: "metadata",
    spec: "spec",
    status: "status",
});
message!(api::core::v1::NamespaceCondition {
    r#type: "type",
    status: "status",
    last_transition_time: "lastTransitionTime",
    reason: "reason",
    message: "message",
});
message!(api::core::v1::NamespaceSpec {
    finalizers: "finalizers"
});
message!(api::core::v1::NamespaceStatus {
    phase: "phase",
    conditions: "conditions"
});
message!(api::core::v1::NfsVolumeSource {
    server: "server",
    path: "path",
    read_only: "?readOnly",
});
message!(api::core::v1::Node {
    metadata: "metadata",
    spec: "spec",
    status: "status",
});
message!(api::core::v1::NodeAddress {
    r#type: "type",
    address: "address"
});
message!(api::core::v1::NodeAffinity {
    required_during_scheduling_ignored_during_execution: "requiredDuringSchedulingIgnoredDuringExecution",
    preferred_during_scheduling_ignored_during_execution: "preferredDuringSchedulingIgnoredDuringExecution"
});
message!(api::core::v1::NodeCondition {
    r#type: "type",
    status: "status",
    last_heartbeat_time: "lastHeartbeatTime",
    last_transition_time: "lastTransitionTime",
    reason: "reason",
    message: "message",
});
message!(api::core::v1::NodeConfigSource {
    config_map: "configMap"
});
message!(api::core::v1::NodeConfigStatus {
    assigned: "assigned",
    active: "active",
    last_known_good: "lastKnownGood",
    error: "error",
});
message!(api::core::v1::NodeDaemonEndpoints {
    kubelet_endpoint: "kubeletEndpoint"
});
message!(api::core::v1::NodeFeatures {
    supplemental_groups_policy: "supplementalGroupsPolicy"
});
message!(api::core::v1::NodeRuntimeHandler {
    name: "name",
    features: "features"
});
message!(api::core::v1::NodeRuntimeHandlerFeatures {
    recursive_read_only_mounts: "recursiveReadOnlyMounts",
    user_namespaces: "userNamespaces"
});
message!(api::core::v1::NodeSelector {
    node_selector_terms: "nodeSelectorTerms"
});
message!(api::core::v1::NodeSelectorRequirement {
    key: "key",
    operator: "operator",
    values: "values",
});
message!(api::core::v1::NodeSelectorTerm {
    match_expressions: "matchExpressions",
    match_fields: "matchFields"
});
message!(api::core::v1::NodeSpec {
    pod_cidr: "podCIDR",
    pod_cid_rs: "podCIDRs",
    provider_id: "providerID",
    unschedulable: "?unschedulable",
    taints: "taints",
    config_source: "configSource",
    external_id: "externalID",
});
message!(api::core::v1::NodeStatus {
    capacity: "capacity",
    allocatable: "allocatable",
    phase: "phase",
    conditions: "conditions",
    addresses: "addresses",
    daemon_endpoints: "daemonEndpoints",
    node_info: "nodeInfo",
    images: "images",
    volumes_in_use: "volumesInUse",
    volumes_attached: "volumesAttached",
    config: "config",
    runtime_handlers: "runtimeHandlers",
    features: "features",
    declared_features: "declaredFeatures",
});
message!(api::core::v1::NodeSwapStatus {
    capacity: "capacity"
});
message!(api::core::v1::NodeSystemInfo {
    machine_id: "machineID",
    system_uuid: "systemUUID",
    boot_id: "bootID",
    kernel_version: "kernelVersion",
    os_image: "osImage",
    container_runtime_version: "containerRuntimeVersion",
    kubelet_version: "kubeletVersion",
    kube_proxy_version: "kubeProxyVersion",
    operating_system: "operatingSystem",
    architecture: "architecture",
    swap: "swap",
});
message!(api::core::v1::ObjectFieldSelector {
    api_version: "apiVersion",
    field_path: "fieldPath"
});
message!(api::core::v1::ObjectReference {
    kind: "kind",
    namespace: "namespace",
    name: "name",
    uid: "uid",
    api_version: "apiVersion",
    resource_version: "resourceVersion",
    field_path: "fieldPath",
});
message!(api::core::v1::PersistentVolumeClaim {
    metadata: "metadata",
    spec: "spec",
    status: "status",
});
message!(api::core::v1::PersistentVolumeClaimCondition {
    r#type: "type",
    status: "status",
    last_probe_time: "lastProbeTime",
    last_transition_time: "lastTransitionTime",
    reason: "reason",
    message: "message",
});
message!(api::core::v1::PersistentVolumeClaimSpec {
    access_modes: "accessModes",
    selector: "selector",
    resources: "resources",
    volume_name: "volumeName",
    storage_class_name: "storageClassName",
    volume_mode: "volumeMode",
    data_source: "dataSource",
    data_source_ref: "dataSourceRef",
    volume_attributes_class_name: "volumeAttributesClassName",
});
message!(api::core::v1::PersistentVolumeClaimStatus {
    phase: "phase",
    access_modes: "accessModes",
    capacity: "capacity",
    conditions: "conditions",
    allocated_resources: "allocatedResources",
    allocated_resource_statuses: "allocatedResourceStatuses",
    current_volume_attributes_class_name: "currentVolumeAttributesClassName",
    modify_volume_status: "modifyVolumeStatus",
});
message!(api::core::v1::PersistentVolumeClaimTemplate {
    metadata: "metadata",
    spec: "spec"
});
message!(api::core::v1::PersistentVolumeClaimVolumeSource {
    claim_name: "claimName",
    read_only: "?readOnly"
});
message!(api::core::v1::PhotonPersistentDiskVolumeSource {
    pd_id: "pdID",
    fs_type: "fsType"
});
message!(api::core::v1::Pod {
    metadata: "metadata",
    spec: "spec",
    status: "status",
});
message!(api::core::v1::PodAffinity {
    required_during_scheduling_ignored_during_execution: "requiredDuringSchedulingIgnoredDuringExecution",
    preferred_during_scheduling_ignored_during_execution: "preferredDuringSchedulingIgnoredDuringExecution"
});
message!(api::core::v1::PodAffinityTerm {
    label_selector: "labelSelector",
    namespaces: "namespaces",
    topology_key: "topologyKey",
    namespace_selector: "namespaceSelector",
    match_label_keys: "matchLabelKeys",
    mismatch_label_keys: "mismatchLabelKeys",
});
message!(api::core::v1::PodAntiAffinity {
    required_during_scheduling_ignored_during_execution: "requiredDuringSchedulingIgnoredDuringExecution",
    preferred_during_scheduling_ignored_during_execution: "preferredDuringSchedulingIgnoredDuringExecution"
});
message!(api::core::v1::PodCertificateProjection {
    signer_name: "signerName",
    key_type: "keyType",
    max_expiration_seconds: "maxExpirationSeconds",
    credential_bundle_path: "credentialBundlePath",
    key_path: "keyPath",
    certificate_chain_path: "certificateChainPath",
    user_annotations: "userAnnotations",
});
message!(api::core::v1::PodCondition {
    r#type: "type",
    observed_generation: "?observedGeneration",
    status: "status",
    last_probe_time: "lastProbeTime",
    last_transition_time: "lastTransitionTime",
    reason: "reason",
    message: "message",
});
message!(api::core::v1::PodDnsConfig {
    nameservers: "nameservers",
    searches: "searches",
    options: "options",
});
message!(api::core::v1::PodDnsConfigOption {
    name: "name",
    value: "value"
});
message!(api::core::v1::PodExtendedResourceClaimStatus {
    request_mappings: "requestMappings",
    resource_claim_name: "resourceClaimName"
});
message!(api::core::v1::PodIp { ip: "ip" });
message!(api::core::v1::PodOs { name: "name" });
message!(api::core::v1::PodReadinessGate {
    condition_type: "conditionType"
});
message!(api::core::v1::PodResourceClaim {
    name: "name",
    resource_claim_name: "resourceClaimName",
    resource_claim_template_name: "resourceClaimTemplateName",
});
message!(api::core::v1::PodResourceClaimStatus {
    name: "name",
    resource_claim_name: "resourceClaimName"
});
message!(api::core::v1::PodSchedulingGate { name: "name" });
message!(api::core::v1::PodSecurityContext {
    se_linux_options: "seLinuxOptions",
    windows_options: "windowsOptions",
    run_as_user: "runAsUser",
    run_as_group: "runAsGroup",
    run_as_non_root: "runAsNonRoot",
    supplemental_groups: "supplementalGroups",
    supplemental_groups_policy: "supplementalGroupsPolicy",
    fs_group: "fsGroup",
    sysctls: "sysctls",
    fs_group_change_policy: "fsGroupChangePolicy",
    seccomp_profile: "seccompProfile",
    app_armor_profile: "appArmorProfile",
    se_linux_change_policy: "seLinuxChangePolicy",
});
message!(api::core::v1::PodSpec {
    volumes: "volumes",
    init_containers: "initContainers",
    containers: "containers",
    ephemeral_containers: "ephemeralContainers",
    restart_policy: "restartPolicy",
    termination_grace_period_seconds: "terminationGracePeriodSeconds",
    active_deadline_seconds: "activeDeadlineSeconds",
    dns_policy: "dnsPolicy",
    node_selector: "nodeSelector",
    service_account_name: "serviceAccountName",
    service_account: "serviceAccount",
    automount_service_account_token: "automountServiceAccountToken",
    node_name: "nodeName",
    host_network: "?hostNetwork",
    host_pid: "?hostPID",
    host_ipc: "?hostIPC",
    share_process_namespace: "shareProcessNamespace",
    security_context: "securityContext",
    image_pull_secrets: "imagePullSecrets",
    hostname: "hostname",
    subdomain: "subdomain",
    affinity: "affinity",
    scheduler_name: "schedulerName",
    tolerations: "tolerations",
    host_aliases: "hostAliases",
    priority_class_name: "priorityClassName",
    priority: "priority",
    dns_config: "dnsConfig",
    readiness_gates: "readinessGates",
    runtime_class_name: "runtimeClassName",
    enable_service_links: "enableServiceLinks",
    preemption_policy: "preemptionPolicy",
    overhead: "overhead",
    topology_spread_constraints: "topologySpreadConstraints",
    set_hostname_as_fqdn: "setHostnameAsFQDN",
    os: "os",
    host_users: "hostUsers",
    scheduling_gates: "schedulingGates",
    resource_claims: "resourceClaims",
    resources: "resources",
    hostname_override: "hostnameOverride",
    workload_ref: "workloadRef",
});
message!(api::core::v1::PodStatus {
    observed_generation: "?observedGeneration",
    phase: "phase",
    conditions: "conditions",
    message: "message",
    reason: "reason",
    nominated_node_name: "nominatedNodeName",
    host_ip: "hostIP",
    host_ips: "hostIPs",
    pod_ip: "podIP",
    pod_ips: "podIPs",
    start_time: "startTime",
    init_container_statuses: "initContainerStatuses",
    container_statuses: "containerStatuses",
    qos_class: "qosClass",
    ephemeral_container_statuses: "ephemeralContainerStatuses",
    resize: "resize",
    resource_claim_statuses: "resourceClaimStatuses",
    extended_resource_claim_status: "extendedResourceClaimStatus",
    allocated_resources: "allocatedResources",
    resources: "resources",
});
message!(api::core::v1::PodTemplateSpec {
    metadata: "metadata",
    spec: "spec"
});
message!(api::core::v1::PortStatus {
    port: "?port",
    protocol: "protocol",
    error: "error",
});
message!(api::core::v1::PortworxVolumeSource {
    volume_id: "volumeID",
    fs_type: "fsType",
    read_only: "?readOnly",
});
message!(api::core::v1::PreferredSchedulingTerm {
    weight: "?weight",
    preference: "preference"
});
message!(api::core::v1::Probe {
    handler: "",
    initial_delay_seconds: "?initialDelaySeconds",
    timeout_seconds: "?timeoutSeconds",
    period_seconds: "?periodSeconds",
    success_threshold: "?successThreshold",
    failure_threshold: "?failureThreshold",
    termination_grace_period_seconds: "terminationGracePeriodSeconds",
});
message!(api::core::v1::ProbeHandler {
    exec: "exec",
    http_get: "httpGet",
    tcp_socket: "tcpSocket",
    grpc: "grpc",
});
message!(api::core::v1::ProjectedVolumeSource {
    sources: "sources",
    default_mode: "defaultMode"
});
message!(api::core::v1::QuobyteVolumeSource {
    registry: "registry",
    volume: "volume",
    read_only: "?readOnly",
    user: "user",
    group: "group",
    tenant: "tenant",
});
message!(api::core::v1::RbdVolumeSource {
    monitors: "monitors",
    image: "image",
    fs_type: "fsType",
    pool: "pool",
    user: "user",
    keyring: "keyring",
    secret_ref: "secretRef",
    read_only: "?readOnly",
});
message!(api::core::v1::ResourceClaim {
    name: "name",
    request: "request"
});
message!(api::core::v1::ResourceFieldSelector {
    container_name: "containerName",
    resource: "resource",
    divisor: "divisor",
});
message!(api::core::v1::ResourceHealth {
    resource_id: "resourceID",
    health: "health"
});
message!(api::core::v1::ResourceRequirements {
    limits: "limits",
    requests: "requests",
    claims: "claims",
});
message!(api::core::v1::ResourceQuota {
    metadata: "metadata",
    spec: "spec",
    status: "status",
});
message!(api::core::v1::ResourceQuotaSpec {
    hard: "hard",
    scopes: "scopes",
    scope_selector: "scopeSelector",
});
message!(api::core::v1::ResourceQuotaStatus {
    hard: "hard",
    used: "used"
});
message!(api::core::v1::ScopeSelector {
    match_expressions: "matchExpressions"
});
message!(api::core::v1::ScopedResourceSelectorRequirement {
    scope_name: "scopeName",
    operator: "operator",
    values: "values",
});
message!(api::core::v1::LimitRange {
    metadata: "metadata",
    spec: "spec"
});
message!(api::core::v1::LimitRangeSpec { limits: "limits" });
message!(api::core::v1::LimitRangeItem {
    r#type: "type",
    max: "max",
    min: "min",
    default: "default",
    default_request: "defaultRequest",
    max_limit_request_ratio: "maxLimitRequestRatio",
});
message!(api::core::v1::ResourceStatus {
    name: "name",
    resources: "resources"
});
message!(api::core::v1::ScaleIoVolumeSource {
    gateway: "gateway",
    system: "system",
    secret_ref: "secretRef",
    ssl_enabled: "?sslEnabled",
    protection_domain: "protectionDomain",
    storage_pool: "storagePool",
    storage_mode: "storageMode",
    volume_name: "volumeName",
    fs_type: "fsType",
    read_only: "?readOnly",
});
message!(api::core::v1::SeLinuxOptions {
    user: "user",
    role: "role",
    r#type: "type",
    level: "level",
});
message!(api::core::v1::SeccompProfile {
    r#type: "type",
    localhost_profile: "localhostProfile"
});
message!(api::core::v1::Secret {
    metadata: "metadata",
    immutable: "immutable",
    data: "data",
    string_data: "stringData",
    r#type: "type",
});
message!(api::core::v1::SecretEnvSource {
    local_object_reference: "",
    optional: "optional"
});
message!(api::core::v1::SecretKeySelector {
    local_object_reference: "",
    key: "key",
    optional: "optional",
});
message!(api::core::v1::SecretProjection {
    local_object_reference: "",
    items: "items",
    optional: "optional",
});
message!(api::core::v1::SecretVolumeSource {
    secret_name: "secretName",
    items: "items",
    default_mode: "defaultMode",
    optional: "optional",
});
message!(api::core::v1::SecurityContext {
    capabilities: "capabilities",
    privileged: "privileged",
    se_linux_options: "seLinuxOptions",
    windows_options: "windowsOptions",
    run_as_user: "runAsUser",
    run_as_group: "runAsGroup",
    run_as_non_root: "runAsNonRoot",
    read_only_root_filesystem: "readOnlyRootFilesystem",
    allow_privilege_escalation: "allowPrivilegeEscalation",
    proc_mount: "procMount",
    seccomp_profile: "seccompProfile",
    app_armor_profile: "appArmorProfile",
});
message!(api::core::v1::Service {
    metadata: "metadata",
    spec: "spec",
    status: "status",
});
message!(api::core::v1::ServiceAccount {
    metadata: "metadata",
    secrets: "secrets",
    image_pull_secrets: "imagePullSecrets",
    automount_service_account_token: "automountServiceAccountToken",
});
message!(api::core::v1::ServiceAccountTokenProjection {
    audience: "audience",
    expiration_seconds: "expirationSeconds",
    path: "path",
});
message!(api::core::v1::ServicePort {
    name: "name",
    protocol: "protocol",
    app_protocol: "appProtocol",
    port: "?port",
    target_port: "targetPort",
    node_port: "?nodePort",
});
message!(api::core::v1::ServiceSpec {
    ports: "ports",
    selector: "selector",
    cluster_ip: "clusterIP",
    cluster_ips: "clusterIPs",
    r#type: "type",
    external_ips: "externalIPs",
    session_affinity: "sessionAffinity",
    load_balancer_ip: "loadBalancerIP",
    load_balancer_source_ranges: "loadBalancerSourceRanges",
    external_name: "externalName",
    external_traffic_policy: "externalTrafficPolicy",
    health_check_node_port: "?healthCheckNodePort",
    publish_not_ready_addresses: "?publishNotReadyAddresses",
    session_affinity_config: "sessionAffinityConfig",
    ip_families: "ipFamilies",
    ip_family_policy: "ipFamilyPolicy",
    allocate_load_balancer_node_ports: "allocateLoadBalancerNodePorts",
    load_balancer_class: "loadBalancerClass",
    internal_traffic_policy: "internalTrafficPolicy",
    traffic_distribution: "trafficDistribution",
});
message!(api::core::v1::ServiceStatus {
    load_balancer: "loadBalancer",
    conditions: "conditions"
});
message!(api::core::v1::SessionAffinityConfig {
    client_ip: "clientIP"
});
message!(api::core::v1::SleepAction {
    seconds: "?seconds"
});
message!(api::core::v1::StorageOsVolumeSource {
    volume_name: "volumeName",
    volume_namespace: "volumeNamespace",
    fs_type: "fsType",
    read_only: "?readOnly",
    secret_ref: "secretRef",
});
message!(api::core::v1::Sysctl {
    name: "name",
    value: "value"
});
message!(api::core::v1::Taint {
    key: "key",
    value: "value",
    effect: "effect",
    time_added: "timeAdded",
});
message!(api::core::v1::TcpSocketAction {
    port: "port",
    host: "host"
});
message!(api::core::v1::Toleration {
    key: "key",
    operator: "operator",
    value: "value",
    effect: "effect",
    toleration_seconds: "tolerationSeconds",
});
message!(api::core::v1::TopologySpreadConstraint {
    max_skew: "?maxSkew",
    topology_key: "topologyKey",
    when_unsatisfiable: "whenUnsatisfiable",
    label_selector: "labelSelector",
    min_domains: "minDomains",
    node_affinity_policy: "nodeAffinityPolicy",
    node_taints_policy: "nodeTaintsPolicy",
    match_label_keys: "matchLabelKeys",
});
message!(api::core::v1::TypedLocalObjectReference {
    api_group: "apiGroup",
    kind: "kind",
    name: "name",
});
message!(api::core::v1::TypedObjectReference {
    api_group: "apiGroup",
    kind: "kind",
    name: "name",
    namespace: "namespace",
});
message!(api::core::v1::Volume {
    name: "name",
    volume_source: ""
});
message!(api::core::v1::VolumeDevice {
    name: "name",
    device_path: "devicePath"
});
message!(api::core::v1::VolumeMount {
    name: "name",
    read_only: "?readOnly",
    recursive_read_only: "recursiveReadOnly",
    mount_path: "mountPath",
    sub_path: "subPath",
    mount_propagation: "mountPropagation",
    sub_path_expr: "subPathExpr",
});
message!(api::core::v1::VolumeMountStatus {
    name: "name",
    mount_path: "mountPath",
    read_only: "?readOnly",
    recursive_read_only: "recursiveReadOnly",
});
message!(api::core::v1::VolumeProjection {
    secret: "secret",
    downward_api: "downwardAPI",
    config_map: "configMap",
    service_account_token: "serviceAccountToken",
    cluster_trust_bundle: "clusterTrustBundle",
    pod_certificate: "podCertificate",
});
message!(api::core::v1::VolumeResourceRequirements {
    limits: "limits",
    requests: "requests"
});
message!(api::core::v1::VolumeSource {
    host_path: "hostPath",
    empty_dir: "emptyDir",
    gce_persistent_disk: "gcePersistentDisk",
    aws_elastic_block_store: "awsElasticBlockStore",
    git_repo: "gitRepo",
    secret: "secret",
    nfs: "nfs",
    iscsi: "iscsi",
    glusterfs: "glusterfs",
    persistent_volume_claim: "persistentVolumeClaim",
    rbd: "rbd",
    flex_volume: "flexVolume",
    cinder: "cinder",
    cephfs: "cephfs",
    flocker: "flocker",
    downward_api: "downwardAPI",
    fc: "fc",
    azure_file: "azureFile",
    config_map: "configMap",
    vsphere_volume: "vsphereVolume",
    quobyte: "quobyte",
    azure_disk: "azureDisk",
    photon_persistent_disk: "photonPersistentDisk",
    projected: "projected",
    portworx_volume: "portworxVolume",
    scale_io: "scaleIO",
    storageos: "storageos",
    csi: "csi",
    ephemeral: "ephemeral",
    image: "image",
});
message!(api::core::v1::VsphereVirtualDiskVolumeSource {
    volume_path: "volumePath",
    fs_type: "fsType",
    storage_policy_name: "storagePolicyName",
    storage_policy_id: "storagePolicyID",
});
message!(api::core::v1::WeightedPodAffinityTerm {
    weight: "?weight",
    pod_affinity_term: "podAffinityTerm"
});
message!(api::core::v1::WindowsSecurityContextOptions {
    gmsa_credential_spec_name: "gmsaCredentialSpecName",
    gmsa_credential_spec: "gmsaCredentialSpec",
    run_as_user_name: "runAsUserName",
    host_process: "hostProcess",
});
message!(api::core::v1::WorkloadReference {
    name: "name",
    pod_group: "podGroup",
    pod_group_replica_key: "podGroupReplicaKey",
});
message!(api::policy::v1::Eviction {
    metadata: "metadata",
    delete_options: "deleteOptions"
});
message!(apimachinery::pkg::apis::meta::v1::Condition {
    r#type: "type",
    status: "status",
    observed_generation: "?observedGeneration",
    last_transition_time: "lastTransitionTime",
    reason: "reason",
    message: "message",
});
message!(apimachinery::pkg::apis::meta::v1::DeleteOptions {
    grace_period_seconds: "gracePeriodSeconds",
    preconditions: "preconditions",
    orphan_dependents: "orphanDependents",
    propagation_policy: "propagationPolicy",
    dry_run: "dryRun",
    ignore_store_read_error_with_cluster_breaking_potential: "ignoreStoreReadErrorWithClusterBreakingPotential",
});
message!(apimachinery::pkg::apis::meta::v1::LabelSelector {
    match_labels: "matchLabels",
    match_expressions: "matchExpressions"
});
message!(
    apimachinery::pkg::apis::meta::v1::LabelSelectorRequirement {
        key: "key",
        operator: "operator",
        values: "values",
    }
);
message!(apimachinery::pkg::apis::meta::v1::ManagedFieldsEntry {
    manager: "manager",
    operation: "operation",
    api_version: "apiVersion",
    time: "time",
    fields_type: "fieldsType",
    fields_v1: "fieldsV1",
    subresource: "subresource",
});
message!(apimachinery::pkg::apis::meta::v1::ObjectMeta {
    name: "name",
    generate_name: "generateName",
    namespace: "namespace",
    self_link: "selfLink",
    uid: "uid",
    resource_version: "resourceVersion",
    generation: "?generation",
    creation_timestamp: "creationTimestamp",
    deletion_timestamp: "deletionTimestamp",
    deletion_grace_period_seconds: "deletionGracePeriodSeconds",
    labels: "labels",
    annotations: "annotations",
    owner_references: "ownerReferences",
    finalizers: "finalizers",
    managed_fields: "managedFields",
});
message!(apimachinery::pkg::apis::meta::v1::OwnerReference {
    api_version: "apiVersion",
    kind: "kind",
    name: "name",
    uid: "uid",
    controller: "controller",
    block_owner_deletion: "blockOwnerDeletion",
});
message!(apimachinery::pkg::apis::meta::v1::Preconditions {
    uid: "uid",
    resource_version: "resourceVersion"
});
message!(
    apimachinery::pkg::apis::meta::v1::FieldSelectorRequirement {
        key: "key",
        operator: "operator",
        values: "values",
    }
);
message!(api::autoscaling::v1::HorizontalPodAutoscaler {
    metadata: "metadata",
    spec: "spec",
    status: "status",
});
message!(api::autoscaling::v1::HorizontalPodAutoscalerSpec {
    scale_target_ref: "scaleTargetRef",
    min_replicas: "minReplicas",
    max_replicas: "?maxReplicas",
    target_cpu_utilization_percentage: "targetCPUUtilizationPercentage",
});
message!(api::autoscaling::v1::HorizontalPodAutoscalerStatus {
    observed_generation: "observedGeneration",
    last_scale_time: "lastScaleTime",
    current_replicas: "currentReplicas",
    desired_replicas: "desiredReplicas",
    current_cpu_utilization_percentage: "currentCPUUtilizationPercentage",
});
message!(api::autoscaling::v1::CrossVersionObjectReference {
    kind: "kind",
    name: "name",
    api_version: "apiVersion",
});
message!(api::authorization::v1::SelfSubjectAccessReview {
    metadata: "metadata",
    spec: "spec",
    status: "status",
});
message!(api::authorization::v1::SelfSubjectAccessReviewSpec {
    resource_attributes: "resourceAttributes",
    non_resource_attributes: "nonResourceAttributes",
});
message!(api::authorization::v1::ResourceAttributes {
    namespace: "namespace",
    verb: "verb",
    group: "group",
    version: "version",
    resource: "resource",
    subresource: "subresource",
    name: "name",
    field_selector: "fieldSelector",
    label_selector: "labelSelector",
});
message!(api::authorization::v1::NonResourceAttributes {
    path: "path",
    verb: "verb"
});
message!(api::authorization::v1::FieldSelectorAttributes {
    raw_selector: "rawSelector",
    requirements: "requirements",
});
message!(api::authorization::v1::LabelSelectorAttributes {
    raw_selector: "rawSelector",
    requirements: "requirements",
});
message!(api::authorization::v1::SubjectAccessReviewStatus {
    allowed: "?allowed",
    denied: "?denied",
    reason: "reason",
    evaluation_error: "evaluationError",
});
message!(api::authorization::v1::SelfSubjectRulesReview {
    metadata: "metadata",
    spec: "spec",
    status: "status",
});
message!(api::authorization::v1::SelfSubjectRulesReviewSpec {
    namespace: "namespace"
});
message!(api::authorization::v1::SubjectRulesReviewStatus {
    resource_rules: "resourceRules",
    non_resource_rules: "nonResourceRules",
    incomplete: "?incomplete",
    evaluation_error: "evaluationError",
});
message!(api::authorization::v1::ResourceRule {
    verbs: "verbs",
    api_groups: "apiGroups",
    resources: "resources",
    resource_names: "resourceNames",
});
message!(api::authorization::v1::NonResourceRule {
    verbs: "verbs",
    non_resource_ur_ls: "nonResourceURLs",
});
message!(api::batch::v1::Job {
    metadata: "metadata",
    spec: "spec",
    status: "status",
});
message!(api::batch::v1::JobCondition {
    r#type: "type",
    status: "status",
    last_probe_time: "lastProbeTime",
    last_transition_time: "lastTransitionTime",
    reason: "reason",
    message: "message",
});
message!(api::batch::v1::JobSpec {
    parallelism: "parallelism",
    completions: "completions",
    active_deadline_seconds: "activeDeadlineSeconds",
    pod_failure_policy: "podFailurePolicy",
    success_policy: "successPolicy",
    backoff_limit: "backoffLimit",
    backoff_limit_per_index: "backoffLimitPerIndex",
    max_failed_indexes: "maxFailedIndexes",
    selector: "selector",
    manual_selector: "manualSelector",
    template: "template",
    ttl_seconds_after_finished: "ttlSecondsAfterFinished",
    completion_mode: "completionMode",
    suspend: "suspend",
    pod_replacement_policy: "podReplacementPolicy",
    managed_by: "managedBy",
});
message!(api::batch::v1::JobStatus {
    conditions: "conditions",
    start_time: "startTime",
    completion_time: "completionTime",
    active: "?active",
    succeeded: "?succeeded",
    failed: "?failed",
    terminating: "terminating",
    completed_indexes: "completedIndexes",
    failed_indexes: "failedIndexes",
    uncounted_terminated_pods: "uncountedTerminatedPods",
    ready: "ready",
});
message!(api::batch::v1::PodFailurePolicy { rules: "rules" });
message!(api::batch::v1::PodFailurePolicyOnExitCodesRequirement {
    container_name: "containerName",
    operator: "operator",
    values: "values",
});
message!(api::batch::v1::PodFailurePolicyOnPodConditionsPattern {
    r#type: "type",
    status: "status",
});
message!(api::batch::v1::PodFailurePolicyRule {
    action: "action",
    on_exit_codes: "onExitCodes",
    on_pod_conditions: "onPodConditions",
});
message!(api::batch::v1::SuccessPolicy { rules: "rules" });
message!(api::batch::v1::SuccessPolicyRule {
    succeeded_indexes: "succeededIndexes",
    succeeded_count: "succeededCount",
});
message!(api::batch::v1::UncountedTerminatedPods {
    succeeded: "succeeded",
    failed: "failed",
});
message!(api::apps::v1::DaemonSet {
    metadata: "metadata",
    spec: "spec",
    status: "status",
});
message!(api::apps::v1::DaemonSetCondition {
    r#type: "type",
    status: "status",
    last_transition_time: "lastTransitionTime",
    reason: "reason",
    message: "message",
});
message!(api::apps::v1::DaemonSetSpec {
    selector: "selector",
    template: "template",
    update_strategy: "updateStrategy",
    min_ready_seconds: "?minReadySeconds",
    revision_history_limit: "revisionHistoryLimit",
});
message!(api::apps::v1::DaemonSetStatus {
    current_number_scheduled: "?currentNumberScheduled",
    number_misscheduled: "?numberMisscheduled",
    desired_number_scheduled: "?desiredNumberScheduled",
    number_ready: "?numberReady",
    observed_generation: "?observedGeneration",
    updated_number_scheduled: "?updatedNumberScheduled",
    number_available: "?numberAvailable",
    number_unavailable: "?numberUnavailable",
    collision_count: "collisionCount",
    conditions: "conditions",
});
message!(api::apps::v1::DaemonSetUpdateStrategy {
    r#type: "type",
    rolling_update: "rollingUpdate"
});
message!(api::apps::v1::RollingUpdateDaemonSet {
    max_unavailable: "maxUnavailable",
    max_surge: "maxSurge"
});
message!(api::apps::v1::ControllerRevision {
    metadata: "metadata",
    data: "data",
    revision: "?revision",
});
message!(api::apps::v1::StatefulSet {
    metadata: "metadata",
    spec: "spec",
    status: "status",
});
message!(api::apps::v1::StatefulSetSpec {
    replicas: "replicas",
    selector: "selector",
    template: "template",
    volume_claim_templates: "volumeClaimTemplates",
    service_name: "serviceName",
    pod_management_policy: "podManagementPolicy",
    update_strategy: "updateStrategy",
    revision_history_limit: "revisionHistoryLimit",
    min_ready_seconds: "?minReadySeconds",
    persistent_volume_claim_retention_policy: "persistentVolumeClaimRetentionPolicy",
    ordinals: "ordinals",
});
message!(api::apps::v1::StatefulSetStatus {
    observed_generation: "?observedGeneration",
    replicas: "?replicas",
    ready_replicas: "?readyReplicas",
    current_replicas: "?currentReplicas",
    updated_replicas: "?updatedReplicas",
    current_revision: "currentRevision",
    update_revision: "updateRevision",
    collision_count: "collisionCount",
    conditions: "conditions",
    available_replicas: "?availableReplicas",
});
message!(api::apps::v1::StatefulSetCondition {
    r#type: "type",
    status: "status",
    last_transition_time: "lastTransitionTime",
    reason: "reason",
    message: "message",
});
message!(api::apps::v1::StatefulSetUpdateStrategy {
    r#type: "type",
    rolling_update: "rollingUpdate",
});
message!(api::apps::v1::RollingUpdateStatefulSetStrategy {
    partition: "partition",
    max_unavailable: "maxUnavailable",
});
message!(api::apps::v1::StatefulSetOrdinals { start: "?start" });
message!(
    api::apps::v1::StatefulSetPersistentVolumeClaimRetentionPolicy {
        when_deleted: "whenDeleted",
        when_scaled: "whenScaled",
    }
);
message!(api::networking::v1::Ingress {
    metadata: "metadata",
    spec: "spec",
    status: "status",
});
message!(api::networking::v1::IngressSpec {
    ingress_class_name: "ingressClassName",
    default_backend: "defaultBackend",
    tls: "tls",
    rules: "rules",
});
message!(api::networking::v1::IngressBackend {
    service: "service",
    resource: "resource",
});
message!(api::networking::v1::IngressServiceBackend {
    name: "name",
    port: "port",
});
message!(api::networking::v1::ServiceBackendPort {
    name: "name",
    number: "?number",
});
message!(api::networking::v1::IngressTls {
    hosts: "hosts",
    secret_name: "secretName",
});
message!(api::networking::v1::IngressRule {
    host: "host",
    ingress_rule_value: "",
});
message!(api::networking::v1::IngressRuleValue { http: "http" });
message!(api::networking::v1::HttpIngressRuleValue { paths: "paths" });
message!(api::networking::v1::HttpIngressPath {
    path: "path",
    path_type: "pathType",
    backend: "backend",
});
message!(api::networking::v1::IngressStatus {
    load_balancer: "loadBalancer"
});
message!(api::networking::v1::IngressLoadBalancerStatus { ingress: "ingress" });
message!(api::networking::v1::IngressLoadBalancerIngress {
    ip: "ip",
    hostname: "hostname",
    ports: "ports",
});
message!(api::networking::v1::IngressPortStatus {
    port: "?port",
    protocol: "protocol",
    error: "error",
});
message!(api::scheduling::v1::PriorityClass {
    metadata: "metadata",
    value: "value",
    global_default: "globalDefault",
    description: "description",
    preemption_policy: "preemptionPolicy",
});

message!(api::storage::v1::StorageClass {
    metadata: "metadata",
    provisioner: "provisioner",
    parameters: "parameters",
    reclaim_policy: "reclaimPolicy",
    mount_options: "mountOptions",
    allow_volume_expansion: "allowVolumeExpansion",
    volume_binding_mode: "volumeBindingMode",
    allowed_topologies: "allowedTopologies",
});

message!(api::core::v1::TopologySelectorTerm {
    match_label_expressions: "matchLabelExpressions",
});

message!(api::core::v1::TopologySelectorLabelRequirement {
    key: "key",
    values: "values",
});
message!(api::networking::v1::IngressClass {
    metadata: "metadata",
    spec: "spec",
});
message!(api::networking::v1::IngressClassSpec {
    controller: "controller",
    parameters: "parameters",
});
message!(api::networking::v1::IngressClassParametersReference {
    a_pi_group: "apiGroup",
    kind: "kind",
    name: "name",
    scope: "scope",
    namespace: "namespace",
});
message!(api::batch::v1::CronJob {
    metadata: "metadata",
    spec: "spec",
    status: "status",
});
message!(api::batch::v1::CronJobSpec {
    schedule: "schedule",
    time_zone: "timeZone",
    starting_deadline_seconds: "startingDeadlineSeconds",
    concurrency_policy: "concurrencyPolicy",
    suspend: "suspend",
    job_template: "jobTemplate",
    successful_jobs_history_limit: "successfulJobsHistoryLimit",
    failed_jobs_history_limit: "failedJobsHistoryLimit",
});
message!(api::batch::v1::CronJobStatus {
    active: "active",
    last_schedule_time: "lastScheduleTime",
    last_successful_time: "lastSuccessfulTime",
});
message!(api::batch::v1::JobTemplateSpec {
    metadata: "metadata",
    spec: "spec",
});
message!(api::coordination::v1::Lease {
    metadata: "metadata",
    spec: "spec",
});
message!(api::coordination::v1::LeaseSpec {
    holder_identity: "holderIdentity",
    lease_duration_seconds: "leaseDurationSeconds",
    acquire_time: "acquireTime",
    renew_time: "renewTime",
    lease_transitions: "leaseTransitions",
    strategy: "strategy",
    preferred_holder: "preferredHolder",
});
message!(api::policy::v1::PodDisruptionBudget {
    metadata: "metadata",
    spec: "spec",
    status: "status",
});
message!(api::policy::v1::PodDisruptionBudgetSpec {
    min_available: "minAvailable",
    selector: "selector",
    max_unavailable: "maxUnavailable",
    unhealthy_pod_eviction_policy: "unhealthyPodEvictionPolicy",
});
message!(api::policy::v1::PodDisruptionBudgetStatus {
    observed_generation: "observedGeneration",
    disrupted_pods: "disruptedPods",
    disruptions_allowed: "?disruptionsAllowed",
    current_healthy: "?currentHealthy",
    desired_healthy: "?desiredHealthy",
    expected_pods: "?expectedPods",
    conditions: "conditions",
});
message!(api::rbac::v1::PolicyRule {
    verbs: "verbs",
    api_groups: "apiGroups",
    resources: "resources",
    resource_names: "resourceNames",
    non_resource_ur_ls: "nonResourceURLs",
});
message!(api::rbac::v1::Role {
    metadata: "metadata",
    rules: "rules",
});
message!(api::rbac::v1::ClusterRole {
    metadata: "metadata",
    rules: "rules",
    aggregation_rule: "aggregationRule",
});
message!(api::rbac::v1::AggregationRule {
    cluster_role_selectors: "clusterRoleSelectors",
});
message!(api::rbac::v1::Subject {
    kind: "kind",
    api_group: "apiGroup",
    name: "name",
    namespace: "namespace",
});
message!(api::rbac::v1::RoleRef {
    api_group: "apiGroup",
    kind: "kind",
    name: "name",
});
message!(api::rbac::v1::RoleBinding {
    metadata: "metadata",
    subjects: "subjects",
    role_ref: "roleRef",
});
message!(api::rbac::v1::ClusterRoleBinding {
    metadata: "metadata",
    subjects: "subjects",
    role_ref: "roleRef",
});

message!(api::admissionregistration::v1::ValidatingAdmissionPolicy {
    metadata: "metadata",
    spec: "spec",
    status: "status",
});

message!(
    api::admissionregistration::v1::ValidatingAdmissionPolicySpec {
        param_kind: "paramKind",
        match_constraints: "matchConstraints",
        validations: "validations",
        failure_policy: "failurePolicy",
        audit_annotations: "auditAnnotations",
        match_conditions: "matchConditions",
        variables: "variables",
    }
);

message!(
    api::admissionregistration::v1::ValidatingAdmissionPolicyStatus {
        observed_generation: "?observedGeneration",
        type_checking: "typeChecking",
        conditions: "conditions",
    }
);

message!(api::admissionregistration::v1::TypeChecking {
    expression_warnings: "expressionWarnings",
});

message!(api::admissionregistration::v1::ExpressionWarning {
    field_ref: "fieldRef",
    warning: "warning",
});

message!(api::admissionregistration::v1::ParamKind {
    api_version: "apiVersion",
    kind: "kind",
});

message!(api::admissionregistration::v1::MatchResources {
    namespace_selector: "namespaceSelector",
    object_selector: "objectSelector",
    resource_rules: "resourceRules",
    exclude_resource_rules: "excludeResourceRules",
    match_policy: "matchPolicy",
});

message!(api::admissionregistration::v1::NamedRuleWithOperations {
    resource_names: "resourceNames",
    rule_with_operations: "",
});

message!(api::admissionregistration::v1::RuleWithOperations {
    operations: "operations",
    rule: "",
});

message!(api::admissionregistration::v1::Rule {
    api_groups: "apiGroups",
    api_versions: "apiVersions",
    resources: "resources",
    scope: "scope",
});

message!(api::admissionregistration::v1::Validation {
    expression: "expression",
    message: "message",
    reason: "reason",
    message_expression: "messageExpression",
});

message!(api::admissionregistration::v1::AuditAnnotation {
    key: "key",
    value_expression: "valueExpression",
});

message!(api::admissionregistration::v1::MatchCondition {
    name: "name",
    expression: "expression",
});

message!(api::admissionregistration::v1::Variable {
    name: "name",
    expression: "expression",
});

message!(
    api::admissionregistration::v1::ValidatingAdmissionPolicyBinding {
        metadata: "metadata",
        spec: "spec",
    }
);

message!(
    api::admissionregistration::v1::ValidatingAdmissionPolicyBindingSpec {
        policy_name: "policyName",
        param_ref: "paramRef",
        match_resources: "matchResources",
        validation_actions: "validationActions",
    }
);

message!(api::admissionregistration::v1::ParamRef {
    name: "name",
    namespace: "namespace",
    selector: "selector",
    parameter_not_found_action: "parameterNotFoundAction",
});

message!(api::core::v1::ReplicationController {
    metadata: "metadata",
    spec: "spec",
    status: "status",
});

message!(api::core::v1::ReplicationControllerSpec {
    replicas: "replicas",
    min_ready_seconds: "?minReadySeconds",
    selector: "selector",
    template: "template",
});

message!(api::core::v1::ReplicationControllerStatus {
    replicas: "?replicas",
    fully_labeled_replicas: "?fullyLabeledReplicas",
    ready_replicas: "?readyReplicas",
    available_replicas: "?availableReplicas",
    observed_generation: "?observedGeneration",
    conditions: "conditions",
});

message!(api::core::v1::ReplicationControllerCondition {
    r#type: "type",
    status: "status",
    last_transition_time: "lastTransitionTime",
    reason: "reason",
    message: "message",
});
