//! The columns of each kind as Kubernetes' printers define them (the server
//! side of `kubectl get`): their definitions (name, type, format,
//! description, priority; priority 1 is `-o wide`'s) and one object's cells.
//! The API server answers `as=Table` from these, and `ork get` prints the
//! same cells, so the two cannot drift. Ages are counted to a given moment.
//!
//! Pure functions over objects; this module imports nothing outside `api`.

use super::{AnyObject, Kind, Node, Pod, PodSpec, Time};
use std::collections::BTreeMap;
use std::fmt;

/// One column of a kind's table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ColumnDef {
    /// As Kubernetes names it (`Up-to-date`); `kubectl` prints it in capitals.
    pub name: &'static str,
    /// `string` or `integer`.
    pub type_: &'static str,
    /// `name` for the column holding the object's name, else empty.
    pub format: &'static str,
    pub description: &'static str,
    /// 0 for the plain columns, 1 for `-o wide`'s.
    pub priority: i32,
}

/// One cell: text, or a number (served as a JSON number, as Kubernetes does
/// for counts).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cell {
    Text(String),
    Int(i64),
}

impl fmt::Display for Cell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cell::Text(s) => f.write_str(s),
            Cell::Int(n) => write!(f, "{n}"),
        }
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_string())
    }
}

impl serde::Serialize for Cell {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Cell::Text(t) => s.serialize_str(t),
            Cell::Int(n) => s.serialize_i64(*n),
        }
    }
}

const NAME_DOC: &str = "Name must be unique within a namespace. Is required when creating resources. Cannot be updated.";
const AGE_DOC: &str =
    "CreationTimestamp is a timestamp representing the server time when this object was created.";
const CONTAINERS_DOC: &str = "Names of each container in the template.";
const IMAGES_DOC: &str = "Images referenced by each container in the template.";

const fn col(name: &'static str, type_: &'static str, description: &'static str) -> ColumnDef {
    ColumnDef {
        name,
        type_,
        format: "",
        description,
        priority: 0,
    }
}

const fn wide(name: &'static str, description: &'static str) -> ColumnDef {
    ColumnDef {
        name,
        type_: "string",
        format: "",
        description,
        priority: 1,
    }
}

const NAME: ColumnDef = ColumnDef {
    name: "Name",
    type_: "string",
    format: "name",
    description: NAME_DOC,
    priority: 0,
};
const AGE: ColumnDef = col("Age", "string", AGE_DOC);

/// Every column of a kind, `-o wide`'s (priority 1) included, in order.
pub fn definitions(kind: Kind) -> Vec<ColumnDef> {
    match kind {
        Kind::Pod => vec![
            NAME,
            col(
                "Ready",
                "string",
                "The aggregate readiness state of this pod for accepting traffic.",
            ),
            col(
                "Status",
                "string",
                "The aggregate status of the containers in this pod.",
            ),
            col(
                "Restarts",
                "string",
                "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.",
            ),
            AGE,
            wide("IP", "IP address allocated to the pod."),
            wide("Node", "The node the pod is bound to."),
            wide(
                "Nominated Node",
                "The node the scheduler nominated for this pod when it preempted others.",
            ),
            wide(
                "Readiness Gates",
                "Extra conditions evaluated for pod readiness.",
            ),
        ],
        Kind::Deployment => vec![
            NAME,
            col("Ready", "string", "Number of the pod with ready state"),
            col(
                "Up-to-date",
                "string",
                "Total number of non-terminated pods targeted by this deployment that have the desired template spec.",
            ),
            col(
                "Available",
                "string",
                "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.",
            ),
            AGE,
            wide("Containers", CONTAINERS_DOC),
            wide("Images", IMAGES_DOC),
            wide(
                "Selector",
                "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.",
            ),
        ],
        Kind::ReplicaSet | Kind::ReplicationController => vec![
            NAME,
            col(
                "Desired",
                "integer",
                "Replicas is the number of desired replicas.",
            ),
            col(
                "Current",
                "integer",
                "Replicas is the most recently observed number of replicas.",
            ),
            col(
                "Ready",
                "integer",
                "The number of ready replicas for this replica set.",
            ),
            AGE,
            wide("Containers", CONTAINERS_DOC),
            wide("Images", IMAGES_DOC),
            wide(
                "Selector",
                "Selector is a label query over pods that should match the replica count.",
            ),
        ],
        Kind::Node => vec![
            NAME,
            col("Status", "string", "The status of the node"),
            col("Roles", "string", "The roles of the node"),
            AGE,
            col("Version", "string", "Kubelet Version reported by the node."),
            wide("Internal-IP", "List of addresses reachable to the node."),
            wide("External-IP", "List of addresses reachable to the node."),
            wide("OS-Image", "OS Image reported by the node."),
            wide("Kernel-Version", "Kernel Version reported by the node."),
            wide(
                "Container-Runtime",
                "ContainerRuntime Version reported by the node.",
            ),
        ],
        Kind::Namespace => vec![
            NAME,
            col("Status", "string", "The status of the namespace"),
            AGE,
        ],
        Kind::Event => vec![
            col(
                "Last Seen",
                "string",
                "The time at which the most recent occurrence of this event was recorded.",
            ),
            col("Type", "string", "Type of this event (Normal, Warning)."),
            col(
                "Reason",
                "string",
                "A short, machine understandable string that gives the reason for the transition into the object's current status.",
            ),
            col("Object", "string", "The object that this event is about."),
            wide(
                "Subobject",
                "The part of the object this event is about, if any.",
            ),
            wide("Source", "The component reporting this event."),
            col(
                "Message",
                "string",
                "A human-readable description of the status of this operation.",
            ),
            wide(
                "First Seen",
                "The time at which the event was first recorded.",
            ),
            wide("Count", "The number of times this event has occurred."),
            ColumnDef {
                priority: 1,
                ..NAME
            },
        ],
        Kind::HorizontalPodAutoscaler => vec![
            NAME,
            col("Reference", "string", "The target resource being scaled."),
            col(
                "Targets",
                "string",
                "The current and target values of the metrics.",
            ),
            col(
                "MinPods",
                "string",
                "The lower limit for the number of replicas.",
            ),
            col(
                "MaxPods",
                "string",
                "The upper limit for the number of replicas.",
            ),
            col(
                "Replicas",
                "string",
                "The current number of replicas of pods managed by this autoscaler.",
            ),
            AGE,
        ],
        Kind::ConfigMap => vec![
            NAME,
            col(
                "Data",
                "string",
                "The number of keys in data and binaryData.",
            ),
            AGE,
        ],
        Kind::Service => vec![
            NAME,
            col(
                "Type",
                "string",
                "How the Service is exposed: ClusterIP, NodePort, LoadBalancer or ExternalName.",
            ),
            col("Cluster-IP", "string", "The IP address of the service."),
            col(
                "External-IP",
                "string",
                "IP addresses for which nodes in the cluster also accept traffic for this service.",
            ),
            col(
                "Port(s)",
                "string",
                "The list of ports that are exposed by this service.",
            ),
            AGE,
            wide(
                "Selector",
                "Route service traffic to pods with label keys and values matching this selector.",
            ),
        ],
        Kind::Endpoints => vec![
            NAME,
            col(
                "Endpoints",
                "string",
                "The set of all endpoints is the union of all subsets.",
            ),
            AGE,
        ],
        Kind::Secret => vec![
            NAME,
            col(
                "Type",
                "string",
                "Used to facilitate programmatic handling of secret data.",
            ),
            col("Data", "string", "The number of keys in data."),
            AGE,
        ],
        Kind::PersistentVolumeClaim => vec![
            NAME,
            col("Status", "string", "The current phase of the claim."),
            col(
                "Volume",
                "string",
                "The binding reference to the volume backing this claim.",
            ),
            col(
                "Capacity",
                "string",
                "The actual resources of the underlying volume.",
            ),
            col(
                "Access Modes",
                "string",
                "The actual access modes the volume backing the claim has.",
            ),
            col("StorageClass", "string", "StorageClass of the pvc"),
            col(
                "VolumeAttributesClass",
                "string",
                "VolumeAttributesClass of the pvc",
            ),
            AGE,
            wide(
                "VolumeMode",
                "What type of volume is required by the claim.",
            ),
        ],
        Kind::Job => vec![
            NAME,
            col("Status", "string", "Status of the job."),
            col(
                "Completions",
                "string",
                "The completed and desired completions.",
            ),
            col("Duration", "string", "Time required to complete the job."),
            AGE,
            wide("Containers", CONTAINERS_DOC),
            wide("Images", IMAGES_DOC),
            wide(
                "Selector",
                "Selector is a label query over pods that should match the pod count.",
            ),
        ],
        Kind::DaemonSet => vec![
            NAME,
            col(
                "Desired",
                "integer",
                "The desired number of nodes that should be running the daemon pod.",
            ),
            col(
                "Current",
                "integer",
                "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.",
            ),
            col(
                "Ready",
                "integer",
                "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.",
            ),
            col(
                "Up-to-date",
                "integer",
                "The total number of nodes that are running updated daemon pod",
            ),
            col(
                "Available",
                "integer",
                "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)",
            ),
            col(
                "Node Selector",
                "string",
                "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node.",
            ),
            AGE,
            wide("Containers", CONTAINERS_DOC),
            wide("Images", IMAGES_DOC),
            wide(
                "Selector",
                "A label query over pods that are managed by the daemon set. Must match in order to be controlled. It must match the pod template's labels.",
            ),
        ],
        Kind::ControllerRevision => vec![
            NAME,
            col("Controller", "string", "Controller of the object"),
            col("Revision", "integer", "Revision of the ControllerRevision"),
            AGE,
        ],
        Kind::StatefulSet => vec![
            NAME,
            col("Ready", "string", "Number of the pod with ready state"),
            AGE,
            wide("Containers", CONTAINERS_DOC),
            wide("Images", IMAGES_DOC),
        ],
        Kind::ResourceQuota => vec![
            NAME,
            AGE,
            col(
                "Request",
                "string",
                "Request represents a minimum amount of cpu/memory that a container may consume.",
            ),
            col(
                "Limit",
                "string",
                "Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.",
            ),
        ],
        Kind::LimitRange => vec![
            NAME,
            col(
                "Created At",
                "date",
                "CreationTimestamp is a timestamp representing the server time when this object was created.",
            ),
        ],
        Kind::ServiceAccount => vec![
            NAME,
            col(
                "Secrets",
                "string",
                "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.",
            ),
            AGE,
        ],
        Kind::Ingress => vec![
            NAME,
            col(
                "Class",
                "string",
                "The IngressClass that serves the Ingress.",
            ),
            col(
                "Hosts",
                "string",
                "Hosts that incoming requests are matched against.",
            ),
            col(
                "Address",
                "string",
                "Addresses of the load balancer serving the Ingress.",
            ),
            col(
                "Ports",
                "string",
                "Ports of the load balancer serving the Ingress.",
            ),
            AGE,
        ],
        Kind::PriorityClass => vec![
            NAME,
            col("Value", "integer", "The priority pods of this class get."),
            col(
                "Global-Default",
                "boolean",
                "Whether pods naming no class get this one.",
            ),
            AGE,
            col(
                "PreemptionPolicy",
                "string",
                "Whether pods of this class may preempt lower-priority pods.",
            ),
        ],
        Kind::ValidatingAdmissionPolicy => vec![
            NAME,
            col(
                "Validations",
                "integer",
                "How many validations the policy has.",
            ),
            col(
                "ParamKind",
                "string",
                "The kind of the policy's parameters.",
            ),
            AGE,
        ],
        Kind::ValidatingAdmissionPolicyBinding => vec![
            NAME,
            col("PolicyName", "string", "The policy the binding applies."),
            col(
                "ParamRef",
                "string",
                "The parameters the binding gives the policy.",
            ),
            AGE,
        ],
        Kind::StorageClass => vec![
            NAME,
            col(
                "Provisioner",
                "string",
                "Who makes the volumes of the class's claims.",
            ),
            col(
                "ReclaimPolicy",
                "string",
                "What becomes of a volume when its claim goes.",
            ),
            col(
                "VolumeBindingMode",
                "string",
                "When a claim is bound: at once, or with its first pod.",
            ),
            col(
                "AllowVolumeExpansion",
                "boolean",
                "Whether claims may ask for more storage later.",
            ),
            AGE,
        ],
        Kind::IngressClass => vec![
            NAME,
            col(
                "Controller",
                "string",
                "The controller that serves the class.",
            ),
            col(
                "Parameters",
                "string",
                "A reference to the class's parameters.",
            ),
            AGE,
        ],
        Kind::CronJob => vec![
            NAME,
            col(
                "Schedule",
                "string",
                "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.",
            ),
            col(
                "Timezone",
                "string",
                "The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones.",
            ),
            col(
                "Suspend",
                "boolean",
                "This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.  Defaults to false.",
            ),
            col(
                "Active",
                "integer",
                "A list of pointers to currently running jobs.",
            ),
            col(
                "Last Schedule",
                "string",
                "Information when was the last time the job was successfully scheduled.",
            ),
            AGE,
            wide("Containers", CONTAINERS_DOC),
            wide("Images", IMAGES_DOC),
            wide(
                "Selector",
                "A label query over pods that should match the pod count.",
            ),
        ],
        Kind::Lease => vec![
            NAME,
            col(
                "Holder",
                "string",
                "holderIdentity contains the identity of the holder of a current lease.",
            ),
            AGE,
        ],
        Kind::PodDisruptionBudget => vec![
            NAME,
            col(
                "Min Available",
                "string",
                "The minimum number of pods that must be available.",
            ),
            col(
                "Max Unavailable",
                "string",
                "The maximum number of pods that may be unavailable.",
            ),
            col(
                "Allowed Disruptions",
                "integer",
                "Calculated number of pods that may be disrupted at this time.",
            ),
            AGE,
        ],
        Kind::Role | Kind::ClusterRole => vec![NAME, col("Created At", "date", AGE_DOC)],
        Kind::RoleBinding | Kind::ClusterRoleBinding => vec![
            NAME,
            col("Role", "string", "RoleRef is the reference to the role."),
            AGE,
            wide("Users", "Users in the binding."),
            wide("Groups", "Groups in the binding."),
            wide("ServiceAccounts", "ServiceAccounts in the binding."),
        ],
    }
}

/// Age as kubectl shows it at `now`: `45s`, `5m30s`, `95m`, `7h12m`, `3d4h`,
/// `400d`, `2y30d`.
pub fn age(t: Option<Time>, now: Time) -> String {
    let Some(t) = t else {
        return "<unknown>".into();
    };
    human_duration(t.seconds_until(&now))
}

/// `big` of one unit and `small` of the next, leaving out a zero `small`.
fn two_units(big: i64, big_unit: &str, small: i64, small_unit: &str) -> String {
    if small == 0 {
        format!("{big}{big_unit}")
    } else {
        format!("{big}{big_unit}{small}{small_unit}")
    }
}

/// A number of seconds the way kubectl shows ages.
pub fn human_duration(secs: i64) -> String {
    let s = secs.max(0);
    let (m, h, d) = (s / 60, s / 3600, s / 86400);
    if s < 120 {
        format!("{s}s")
    } else if m < 10 {
        two_units(m, "m", s % 60, "s")
    } else if h < 3 {
        format!("{m}m")
    } else if h < 8 {
        two_units(h, "h", m % 60, "m")
    } else if h < 48 {
        format!("{h}h")
    } else if d < 8 {
        two_units(d, "d", h % 24, "h")
    } else if d < 365 * 2 {
        format!("{d}d")
    } else {
        two_units(d / 365, "y", d % 365, "d")
    }
}

/// `s`, or `<none>` when it is empty.
pub fn or_none(s: String) -> String {
    if s.is_empty() { "<none>".into() } else { s }
}

/// `s`, or `default` when it is empty.
pub fn or<'a>(s: &'a str, default: &'a str) -> &'a str {
    if s.is_empty() { default } else { s }
}

/// `k=v,k2=v2`.
pub fn join_labels(m: &BTreeMap<String, String>) -> String {
    m.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

fn int(n: impl Into<i64>) -> Cell {
    Cell::Int(n.into())
}

fn count(n: usize) -> Cell {
    Cell::Int(i64::try_from(n).unwrap_or(i64::MAX))
}

/// One object's cells, one per column of [`definitions`] (wide ones
/// included), ages counted to `now`.
pub fn cells(obj: &AnyObject, now: Time) -> Vec<Cell> {
    let m = obj.meta();
    let name = || Cell::Text(m.name.clone());
    let created = || Cell::Text(age(m.creation_timestamp, now));
    match obj {
        AnyObject::Pod(p) => {
            let (ready, total) = p.ready_count();
            vec![
                name(),
                format!("{ready}/{total}").into(),
                p.display_status().into(),
                restarts(p, now).into(),
                created(),
                or_none(p.status.pod_ip.clone()).into(),
                or_none(p.spec.node_name.clone()).into(),
                "<none>".into(),
                "<none>".into(),
            ]
        }
        AnyObject::Deployment(d) => {
            let (c, i) = images(&d.spec.template.spec);
            vec![
                name(),
                format!("{}/{}", d.status.ready_replicas, d.replicas()).into(),
                int(d.status.updated_replicas),
                int(d.status.available_replicas),
                created(),
                c.into(),
                i.into(),
                or_none(join_labels(&d.spec.selector.match_labels)).into(),
            ]
        }
        AnyObject::ReplicationController(rc) => {
            let template = rc.spec.template.clone().unwrap_or_default();
            let (c, i) = images(&template.spec);
            vec![
                name(),
                int(rc.replicas()),
                int(rc.status.replicas),
                int(rc.status.ready_replicas),
                created(),
                c.into(),
                i.into(),
                or_none(join_labels(&rc.selector())).into(),
            ]
        }
        AnyObject::ReplicaSet(rs) => {
            let (c, i) = images(&rs.spec.template.spec);
            vec![
                name(),
                int(rs.replicas()),
                int(rs.status.replicas),
                int(rs.status.ready_replicas),
                created(),
                c.into(),
                i.into(),
                or_none(join_labels(&rs.spec.selector.match_labels)).into(),
            ]
        }
        AnyObject::Node(n) => vec![
            name(),
            n.display_status().into(),
            roles(n).into(),
            created(),
            n.status.node_info.kubelet_version.clone().into(),
            n.address("InternalIP").unwrap_or("<none>").into(),
            n.address("ExternalIP").unwrap_or("<none>").into(),
            or(&n.status.node_info.os_image, "<unknown>").into(),
            or(&n.status.node_info.kernel_version, "<unknown>").into(),
            or(&n.status.node_info.container_runtime_version, "<unknown>").into(),
        ],
        AnyObject::Namespace(ns) => vec![name(), or(&ns.status.phase, "Active").into(), created()],
        AnyObject::Event(e) => {
            let io = &e.involved_object;
            let target = if io.name.is_empty() {
                io.kind.to_lowercase()
            } else {
                format!("{}/{}", io.kind.to_lowercase(), io.name)
            };
            let first = age(e.first_timestamp.or(m.creation_timestamp), now);
            let last = match e.last_timestamp {
                Some(t) => age(Some(t), now),
                None => first.clone(),
            };
            let source = match (e.source.component.as_str(), e.source.host.as_str()) {
                ("", _) => String::new(),
                (c, "") => c.to_string(),
                (c, h) => format!("{c}, {h}"),
            };
            vec![
                last.into(),
                e.type_.clone().into(),
                e.reason.clone().into(),
                target.into(),
                Cell::Text(String::new()),
                source.into(),
                e.message.trim().into(),
                first.into(),
                int(e.count.max(1)),
                name(),
            ]
        }
        AnyObject::HorizontalPodAutoscaler(h) => vec![
            name(),
            h.reference().into(),
            h.targets_text().into(),
            h.spec.min().to_string().into(),
            int(h.spec.max_replicas),
            int(h.status.current_replicas),
            created(),
        ],
        AnyObject::ConfigMap(c) => vec![name(), count(c.key_count()), created()],
        AnyObject::Service(s) => vec![
            name(),
            or(&s.spec.type_, "ClusterIP").into(),
            or_none(s.spec.cluster_ip.clone()).into(),
            s.external_ip_text().into(),
            s.ports_text().into(),
            created(),
            or_none(join_labels(&s.spec.selector)).into(),
        ],
        AnyObject::Endpoints(e) => vec![name(), e.text().into(), created()],
        AnyObject::Secret(s) => vec![name(), s.type_name().into(), count(s.data.len()), created()],
        AnyObject::PersistentVolumeClaim(c) => {
            let modes = if c.status.access_modes.is_empty() {
                &c.spec.access_modes
            } else {
                &c.status.access_modes
            };
            let modes: Vec<&str> = modes
                .iter()
                .map(|m| match m.as_str() {
                    "ReadWriteOnce" => "RWO",
                    "ReadOnlyMany" => "ROX",
                    "ReadWriteMany" => "RWX",
                    "ReadWriteOncePod" => "RWOP",
                    other => other,
                })
                .collect();
            let capacity = c
                .status
                .capacity
                .get("storage")
                .or_else(|| c.spec.resources.requests.get("storage"))
                .map(|q| q.to_string())
                .unwrap_or_default();
            vec![
                name(),
                or(&c.status.phase, "Pending").into(),
                c.spec.volume_name.clone().into(),
                capacity.into(),
                modes.join(",").into(),
                c.spec.storage_class_name.clone().unwrap_or_default().into(),
                "<unset>".into(),
                created(),
                or(&c.spec.volume_mode, "Filesystem").into(),
            ]
        }
        AnyObject::Job(j) => {
            let (c, i) = images(&j.spec.template.spec);
            let selector = j
                .spec
                .selector
                .as_ref()
                .and_then(|s| s.to_selector().ok())
                .map(|s| s.to_string())
                .unwrap_or_default();
            vec![
                name(),
                job_status(j).into(),
                job_completions(j).into(),
                job_duration(j, now).into(),
                created(),
                c.into(),
                i.into(),
                or_none(selector).into(),
            ]
        }
        AnyObject::DaemonSet(d) => {
            let (c, i) = images(&d.spec.template.spec);
            let st = &d.status;
            vec![
                name(),
                int(st.desired_number_scheduled),
                int(st.current_number_scheduled),
                int(st.number_ready),
                int(st.updated_number_scheduled),
                int(st.number_available),
                or_none(join_labels(&d.spec.template.spec.node_selector)).into(),
                created(),
                c.into(),
                i.into(),
                or_none(join_labels(&d.spec.selector.match_labels)).into(),
            ]
        }
        AnyObject::ControllerRevision(r) => {
            let controller = m
                .controller()
                .and_then(|o| {
                    let group = o.api_version.split_once('/').map(|(g, _)| g).unwrap_or("");
                    let kind = o.kind.to_lowercase();
                    (!o.name.is_empty()).then(|| match group {
                        "" => format!("{kind}/{}", o.name),
                        g => format!("{kind}.{g}/{}", o.name),
                    })
                })
                .unwrap_or_else(|| "<none>".into());
            vec![name(), controller.into(), int(r.revision), created()]
        }
        AnyObject::StatefulSet(st) => {
            let (c, i) = images(&st.spec.template.spec);
            vec![
                name(),
                format!("{}/{}", st.status.ready_replicas, st.replicas()).into(),
                created(),
                c.into(),
                i.into(),
            ]
        }
        AnyObject::ResourceQuota(q) => {
            let (requests, limits) = crate::api::quota_types::quota_columns(q);
            vec![name(), created(), requests.into(), limits.into()]
        }
        AnyObject::LimitRange(_) => vec![
            name(),
            m.creation_timestamp
                .map(|t| t.0.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                .unwrap_or_default()
                .into(),
        ],
        AnyObject::ServiceAccount(sa) => vec![name(), count(sa.secrets.len()), created()],
        AnyObject::Ingress(i) => vec![
            name(),
            or_none(i.spec.ingress_class_name.clone().unwrap_or_default()).into(),
            i.hosts_text().into(),
            i.address_text().into(),
            i.ports_text().into(),
            created(),
        ],
        AnyObject::PriorityClass(c) => vec![
            name(),
            int(c.value),
            c.global_default.to_string().into(),
            created(),
            c.policy().to_string().into(),
        ],
        AnyObject::ValidatingAdmissionPolicy(p) => vec![
            name(),
            int(p.spec.validations.len() as i64),
            p.spec
                .param_kind
                .as_ref()
                .map_or("<unset>".to_string(), |k| {
                    format!("{}, Kind={}", k.api_version, k.kind)
                })
                .into(),
            created(),
        ],
        AnyObject::ValidatingAdmissionPolicyBinding(b) => vec![
            name(),
            b.spec.policy_name.clone().into(),
            b.spec
                .param_ref
                .as_ref()
                .map_or("<unset>".to_string(), |r| {
                    match (r.namespace.as_str(), r.name.as_str()) {
                        (_, "") => "<selector>".to_string(),
                        ("", name) => name.to_string(),
                        (ns, name) => format!("{ns}/{name}"),
                    }
                })
                .into(),
            created(),
        ],
        AnyObject::StorageClass(c) => vec![
            if c.is_default() {
                format!("{} (default)", c.metadata.name).into()
            } else {
                name()
            },
            c.provisioner.clone().into(),
            c.reclaim().to_string().into(),
            c.binding_mode().to_string().into(),
            c.allow_volume_expansion.unwrap_or(false).to_string().into(),
            created(),
        ],
        AnyObject::IngressClass(c) => {
            let params = c.spec.parameters.as_ref().map_or_else(
                || "<none>".to_string(),
                |p| match &p.api_group {
                    Some(g) => format!("{}.{g}/{}", p.kind, p.name),
                    None => format!("{}/{}", p.kind, p.name),
                },
            );
            vec![
                name(),
                c.spec.controller.clone().into(),
                params.into(),
                created(),
            ]
        }
        AnyObject::CronJob(cj) => {
            let (c, i) = images(&cj.spec.job_template.spec.template.spec);
            let selector = cj
                .spec
                .job_template
                .spec
                .selector
                .as_ref()
                .and_then(|s| s.to_selector().ok())
                .map(|s| s.to_string())
                .unwrap_or_default();
            vec![
                name(),
                cj.spec.schedule.clone().into(),
                or_none(cj.spec.time_zone.clone().unwrap_or_default()).into(),
                match cj.spec.suspend {
                    None => "<unset>",
                    Some(true) => "True",
                    Some(false) => "False",
                }
                .into(),
                count(cj.status.active.len()),
                match cj.status.last_schedule_time {
                    Some(t) => age(Some(t), now),
                    None => "<none>".into(),
                }
                .into(),
                created(),
                c.into(),
                i.into(),
                or_none(selector).into(),
            ]
        }
        AnyObject::Lease(l) => vec![
            name(),
            l.spec.holder_identity.clone().unwrap_or_default().into(),
            created(),
        ],
        AnyObject::PodDisruptionBudget(p) => {
            let show = |v: &Option<super::IntOrString>| match v {
                Some(super::IntOrString::Int(n)) => n.to_string(),
                Some(super::IntOrString::String(s)) => s.clone(),
                None => "N/A".into(),
            };
            vec![
                name(),
                show(&p.spec.min_available).into(),
                show(&p.spec.max_unavailable).into(),
                int(p.status.disruptions_allowed),
                created(),
            ]
        }
        AnyObject::Role(_) | AnyObject::ClusterRole(_) => {
            let at = m
                .creation_timestamp
                .map(|t| t.0.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                .unwrap_or_default();
            vec![name(), at.into()]
        }
        AnyObject::RoleBinding(b) => {
            let mut row = vec![name(), b.role_ref.shown().into(), created()];
            row.extend(binding_subjects(&b.subjects));
            row
        }
        AnyObject::ClusterRoleBinding(b) => {
            let mut row = vec![name(), b.role_ref.shown().into(), created()];
            row.extend(binding_subjects(&b.subjects));
            row
        }
    }
}

/// A binding's USERS, GROUPS and SERVICEACCOUNTS cells, as kubectl shows
/// them (`namespace:name` for service accounts).
fn binding_subjects(subjects: &[super::rbac::Subject]) -> [Cell; 3] {
    let of = |kind: &str| {
        subjects
            .iter()
            .filter(|s| s.kind == kind)
            .map(|s| {
                if kind == "ServiceAccount" {
                    format!("{}/{}", s.namespace, s.name)
                } else {
                    s.name.clone()
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    [
        of("User").into(),
        of("Group").into(),
        of("ServiceAccount").into(),
    ]
}

/// A Job's STATUS as kubectl 1.32 prints it.
fn job_status(j: &super::batch::Job) -> &'static str {
    if j.true_condition("Complete").is_some() {
        "Complete"
    } else if j.true_condition("Failed").is_some() {
        "Failed"
    } else if j.metadata.is_terminating() {
        "Terminating"
    } else {
        j.display_status()
    }
}

/// `succeeded/completions`, or `succeeded/1 of parallelism` for a work queue.
fn job_completions(j: &super::batch::Job) -> String {
    let done = j.status.succeeded;
    match (j.spec.completions, j.spec.parallelism.unwrap_or(0)) {
        (Some(c), _) => format!("{done}/{c}"),
        (None, p) if p > 1 => format!("{done}/1 of {p}"),
        (None, _) => format!("{done}/1"),
    }
}

/// From start to completion, or to `now` while running; empty before start.
fn job_duration(j: &super::batch::Job, now: Time) -> String {
    match (j.status.start_time, j.status.completion_time) {
        (None, _) => String::new(),
        (Some(s), None) => human_duration(s.seconds_until(&now)),
        (Some(s), Some(c)) => human_duration(s.seconds_until(&c)),
    }
}

/// The RESTARTS cell: the count, and how long ago the last restart was.
fn restarts(p: &Pod, now: Time) -> String {
    let n = p.restart_count();
    let last = p
        .status
        .container_statuses
        .iter()
        .filter_map(|c| c.last_state.terminated.as_ref().and_then(|t| t.finished_at))
        .max();
    match last {
        Some(t) if n > 0 => format!("{n} ({} ago)", age(Some(t), now)),
        _ => n.to_string(),
    }
}

/// The CONTAINERS and IMAGES cells of a template.
fn images(spec: &PodSpec) -> (String, String) {
    let names = spec
        .containers
        .iter()
        .map(|c| c.name.clone())
        .collect::<Vec<_>>()
        .join(",");
    let imgs = spec
        .containers
        .iter()
        .map(|c| c.image.clone())
        .collect::<Vec<_>>()
        .join(",");
    (names, or_none(imgs))
}

fn roles(n: &Node) -> String {
    let r: Vec<&str> = n
        .metadata
        .labels
        .keys()
        .filter_map(|k| k.strip_prefix("node-role.kubernetes.io/"))
        .collect();
    or_none(r.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_like_kubectl() {
        assert_eq!(human_duration(5), "5s");
        assert_eq!(human_duration(119), "119s");
        assert_eq!(human_duration(150), "2m30s");
        assert_eq!(human_duration(600), "10m");
        assert_eq!(human_duration(3 * 3600 + 60 * 5), "3h5m");
        assert_eq!(human_duration(30 * 3600), "30h");
        assert_eq!(human_duration(3 * 86400 + 3600), "3d1h");
        assert_eq!(human_duration(100 * 86400), "100d");
        assert_eq!(human_duration(800 * 86400), "2y70d");
    }

    fn sample(kind: Kind) -> AnyObject {
        crate::with_kind!(kind, T => {
            let mut o: T = crate::api::new_object("default", "x");
            crate::api::Object::set_type_meta(&mut o);
            crate::api::Object::into_any(o)
        })
    }

    #[test]
    fn every_kind_has_one_cell_per_column_and_one_name_column() {
        let now = Time::now();
        for kind in Kind::ALL {
            let defs = definitions(kind);
            assert_eq!(cells(&sample(kind), now).len(), defs.len(), "{kind}");
            assert_eq!(
                defs.iter().filter(|d| d.format == "name").count(),
                1,
                "{kind}"
            );
            assert!(defs.iter().all(|d| d.priority <= 1), "{kind}");
        }
    }

    #[test]
    fn pod_columns_are_kubectls() {
        let names: Vec<&str> = definitions(Kind::Pod).iter().map(|d| d.name).collect();
        assert_eq!(
            names,
            [
                "Name",
                "Ready",
                "Status",
                "Restarts",
                "Age",
                "IP",
                "Node",
                "Nominated Node",
                "Readiness Gates"
            ]
        );
        let mut p = Pod::test("web-1").on_node("n1").running(true);
        p.status.container_statuses = vec![crate::api::ContainerStatus {
            name: p.spec.containers[0].name.clone(),
            ready: true,
            ..Default::default()
        }];
        let c = cells(&AnyObject::Pod(std::sync::Arc::new(p)), Time::now());
        assert_eq!(c[0], Cell::Text("web-1".into()));
        assert_eq!(c[1], Cell::Text("1/1".into()));
        assert_eq!(c[2], Cell::Text("Running".into()));
        assert_eq!(c[6], Cell::Text("n1".into()));
    }

    #[test]
    fn counts_are_numbers_in_json() {
        assert_eq!(serde_json::to_string(&Cell::Int(3)).unwrap(), "3");
        assert_eq!(serde_json::to_string(&Cell::from("3")).unwrap(), "\"3\"");
    }
}
