//! The scheduler's view of the cluster: per node, what it can hold and what
//! the pods bound to it already request.

use crate::api::validation::scheduling::is_extended;
use crate::api::{Node, Pod, Protocol};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// Pods a node holds when it does not say (Kubernetes' default).
pub const DEFAULT_MAX_PODS: i64 = 110;

/// What a pod asks of a node.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PodUsage {
    pub cpu_milli: i128,
    pub memory_bytes: i128,
    pub host_ports: Vec<(i32, Protocol)>,
    /// The uid of the pod's controlling owner (a ReplicaSet, say).
    pub owner: Option<String>,
    /// Who the pod is, for pod (anti-)affinity: uid, namespace, labels.
    pub uid: String,
    pub namespace: String,
    pub labels: Arc<BTreeMap<String, String>>,
    /// The pod's priority (`spec.priority`).
    pub priority: i32,
    /// Requests of extended resources (`example.com/dongle`), in thousandths.
    pub extended: Vec<(String, i128)>,
    /// What the filters need of the whole cluster for this pod (spread
    /// counts, affinity domains), computed once per scheduling attempt by
    /// [`crate::scheduler::Scheduler`]; `None` when the pod has no such rules.
    pub cycle: Option<Arc<super::topology::Cycle>>,
}

impl PodUsage {
    pub fn of(pod: &Pod) -> Self {
        PodUsage {
            cpu_milli: pod.request_milli("cpu"),
            memory_bytes: (pod.request_milli("memory") + 999) / 1000,
            host_ports: pod
                .spec
                .containers
                .iter()
                .flat_map(|c| &c.ports)
                .filter_map(|p| p.host_port.map(|h| (h, p.protocol)))
                .collect(),
            owner: pod.metadata.controller().map(|r| r.uid.clone()),
            uid: pod.metadata.uid.clone(),
            namespace: pod.metadata.namespace.clone(),
            labels: Arc::new(pod.metadata.labels.clone()),
            priority: pod.priority(),
            extended: extended_requests(pod),
            cycle: None,
        }
    }
}

/// The extended resources a pod requests, with their amounts; no
/// allocation for the usual pod that requests none.
fn extended_requests(pod: &Pod) -> Vec<(String, i128)> {
    let named = pod
        .spec
        .all_containers()
        .map(|c| &c.resources)
        .flat_map(|r| r.requests.keys().chain(r.limits.keys()))
        .any(|k| is_extended(k));
    if !named {
        return vec![];
    }
    let mut out: Vec<(String, i128)> = pod
        .resource_names()
        .into_iter()
        .filter(|k| is_extended(k))
        .map(|k| (k.to_string(), pod.request_milli(k)))
        .filter(|(_, v)| *v > 0)
        .collect();
    out.sort();
    out
}

/// One node and its load.
#[derive(Clone, Debug)]
pub struct NodeInfo {
    pub node: Arc<Node>,
    /// The node's Ready condition is True (read once per node change, not
    /// once per pod and node).
    pub ready: bool,
    pub alloc_cpu_milli: i128,
    pub alloc_memory_bytes: i128,
    pub alloc_pods: i64,
    pub req_cpu_milli: i128,
    pub req_memory_bytes: i128,
    pub pod_count: i64,
    pub host_ports: HashMap<(i32, Protocol), usize>,
    /// Pods here per controlling owner uid.
    pub owners: HashMap<String, usize>,
    /// Namespace and labels of the pods here, by uid.
    pub pod_labels: HashMap<String, (String, Arc<BTreeMap<String, String>>)>,
    /// Extended resources the node advertises (allocatable), in thousandths.
    pub alloc_extended: HashMap<String, i128>,
    /// Extended resources the pods here request, in thousandths.
    pub req_extended: HashMap<String, i128>,
    /// How many pods here have each priority (preemption looks for lower ones).
    pub priorities: BTreeMap<i32, usize>,
}

impl NodeInfo {
    pub fn new(node: Arc<Node>) -> Self {
        let pods = node
            .status
            .allocatable
            .get("pods")
            .map(|q| q.value() as i64)
            .unwrap_or(DEFAULT_MAX_PODS);
        let alloc_extended = extended_allocatable(&node);
        NodeInfo {
            ready: node.is_ready(),
            alloc_cpu_milli: node.allocatable_milli("cpu"),
            alloc_memory_bytes: node.allocatable_milli("memory") / 1000,
            alloc_pods: pods,
            node,
            req_cpu_milli: 0,
            req_memory_bytes: 0,
            pod_count: 0,
            host_ports: HashMap::new(),
            owners: HashMap::new(),
            pod_labels: HashMap::new(),
            alloc_extended,
            req_extended: HashMap::new(),
            priorities: BTreeMap::new(),
        }
    }

    /// Whether some pod here has a priority below `priority`.
    pub fn has_lower_priority(&self, priority: i32) -> bool {
        self.priorities
            .first_key_value()
            .is_some_and(|(p, _)| *p < priority)
    }

    /// Whether the extended resources `u` requests fit what is left here;
    /// the first that does not, when one does not.
    pub fn extended_shortfall<'u>(&self, u: &'u PodUsage) -> Option<&'u str> {
        u.extended.iter().find_map(|(name, want)| {
            let have = self.alloc_extended.get(name).copied().unwrap_or(0);
            let used = self.req_extended.get(name).copied().unwrap_or(0);
            (used + want > have).then_some(name.as_str())
        })
    }

    /// Replaces the node object, keeping the load.
    pub fn set_node(&mut self, node: Arc<Node>) {
        let fresh = NodeInfo::new(node);
        self.alloc_cpu_milli = fresh.alloc_cpu_milli;
        self.alloc_memory_bytes = fresh.alloc_memory_bytes;
        self.alloc_pods = fresh.alloc_pods;
        self.alloc_extended = fresh.alloc_extended;
        self.ready = fresh.ready;
        self.node = fresh.node;
    }

    pub fn add(&mut self, u: &PodUsage) {
        self.req_cpu_milli += u.cpu_milli;
        self.req_memory_bytes += u.memory_bytes;
        self.pod_count += 1;
        for p in &u.host_ports {
            *self.host_ports.entry(*p).or_default() += 1;
        }
        if let Some(o) = &u.owner {
            *self.owners.entry(o.clone()).or_default() += 1;
        }
        if !u.uid.is_empty() {
            self.pod_labels
                .insert(u.uid.clone(), (u.namespace.clone(), u.labels.clone()));
        }
        for (name, v) in &u.extended {
            *self.req_extended.entry(name.clone()).or_default() += v;
        }
        *self.priorities.entry(u.priority).or_default() += 1;
    }

    pub fn remove(&mut self, u: &PodUsage) {
        self.req_cpu_milli -= u.cpu_milli;
        self.req_memory_bytes -= u.memory_bytes;
        self.pod_count -= 1;
        for p in &u.host_ports {
            if let Some(n) = self.host_ports.get_mut(p) {
                *n -= 1;
                if *n == 0 {
                    self.host_ports.remove(p);
                }
            }
        }
        if let Some(o) = &u.owner
            && let Some(n) = self.owners.get_mut(o)
        {
            *n -= 1;
            if *n == 0 {
                self.owners.remove(o);
            }
        }
        self.pod_labels.remove(&u.uid);
        for (name, v) in &u.extended {
            if let Some(n) = self.req_extended.get_mut(name) {
                *n -= v;
                if *n <= 0 {
                    self.req_extended.remove(name);
                }
            }
        }
        if let Some(n) = self.priorities.get_mut(&u.priority) {
            *n -= 1;
            if *n == 0 {
                self.priorities.remove(&u.priority);
            }
        }
    }
}

/// The extended resources a node advertises.
fn extended_allocatable(node: &Node) -> HashMap<String, i128> {
    node.status
        .allocatable
        .iter()
        .filter(|(k, _)| is_extended(k))
        .map(|(k, q)| (k.clone(), q.milli()))
        .collect()
}

/// Every node, by name (sorted, so scheduling is deterministic).
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    pub nodes: BTreeMap<String, NodeInfo>,
}

impl Snapshot {
    /// Builds a snapshot from nodes and the pods bound to them (finished and
    /// terminating-but-bound pods count: their processes may still run).
    pub fn build(nodes: &[Arc<Node>], pods: &[Arc<Pod>]) -> Self {
        let mut s = Snapshot::default();
        for n in nodes {
            s.nodes
                .insert(n.metadata.name.clone(), NodeInfo::new(n.clone()));
        }
        for p in pods {
            if p.is_terminal() {
                continue;
            }
            if let Some(info) = s.nodes.get_mut(&p.spec.node_name) {
                info.add(&PodUsage::of(p));
            }
        }
        s
    }
}
