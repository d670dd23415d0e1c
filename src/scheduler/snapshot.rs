//! The scheduler's view of the cluster: per node, what it can hold and what
//! the pods bound to it already request; and the pods nominated to a node
//! by a preemption, whose room is kept for them until they are placed.

use crate::api::placement::PodAffinityTerm;
use crate::api::validation::scheduling::is_extended;
use crate::api::{Node, Pod, Protocol};
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// Pods a node holds when it does not say (Kubernetes' default).
pub const DEFAULT_MAX_PODS: i64 = 110;

/// What a pod asks of a node.
#[derive(Clone, Debug, Default, PartialEq)]
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
    /// The pod's required pod anti-affinity terms, when it has any: pods
    /// placed later must keep out of their domains (symmetry).
    pub required_anti: Option<Arc<Vec<PodAffinityTerm>>>,
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
            required_anti: pod
                .spec
                .affinity
                .as_ref()
                .and_then(|a| a.pod_anti_affinity.as_ref())
                .map(|a| &a.required_during_scheduling_ignored_during_execution)
                .filter(|t| !t.is_empty())
                .map(|t| Arc::new(t.clone())),
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
    /// The pods here with required anti-affinity terms: namespace and
    /// terms, by uid.
    pub anti_pods: HashMap<String, (String, Arc<Vec<PodAffinityTerm>>)>,
    /// How many of them have a term over another topology key than
    /// `kubernetes.io/hostname` (which reach beyond this node).
    pub anti_wide: usize,
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
            anti_pods: HashMap::new(),
            anti_wide: 0,
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
        if let Some(t) = &u.required_anti
            && !u.uid.is_empty()
            && self
                .anti_pods
                .insert(u.uid.clone(), (u.namespace.clone(), t.clone()))
                .is_none()
            && reaches_beyond_node(t)
        {
            self.anti_wide += 1;
        }
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
        if let Some((_, t)) = self.anti_pods.remove(&u.uid)
            && reaches_beyond_node(&t)
        {
            self.anti_wide -= 1;
        }
    }
}

/// Whether a term list has a term whose topology key is not the node's
/// hostname: its domain may hold other nodes.
pub fn reaches_beyond_node(terms: &[PodAffinityTerm]) -> bool {
    terms
        .iter()
        .any(|t| t.topology_key != crate::api::placement::HOSTNAME_TOPOLOGY)
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
    /// Pending pods with a `status.nominatedNodeName`.
    pub nominated: Nominations,
}

/// Pending pods a preemption nominated to a node (Kubernetes'
/// `nominatedNodeName`): while they wait for their victims to go, a pod
/// of no higher priority is judged as if they ran there already, so it
/// does not take the room freed for them.
#[derive(Clone, Debug, Default)]
pub struct Nominations {
    /// Per node, the nominated pods' usage.
    by_node: HashMap<String, Vec<PodUsage>>,
    /// Each nominated pod's node, by uid.
    node_of: HashMap<String, String>,
}

impl Nominations {
    /// Records (or moves) the nomination of the pod `u.uid` to `node`.
    pub fn add(&mut self, node: &str, u: PodUsage) {
        self.remove(&u.uid);
        self.node_of.insert(u.uid.clone(), node.to_string());
        self.by_node.entry(node.to_string()).or_default().push(u);
    }

    /// Forgets the nomination of the pod `uid`, if any.
    pub fn remove(&mut self, uid: &str) {
        let Some(node) = self.node_of.remove(uid) else {
            return;
        };
        if let Some(list) = self.by_node.get_mut(&node) {
            list.retain(|u| u.uid != uid);
            if list.is_empty() {
                self.by_node.remove(&node);
            }
        }
    }

    /// The node the pod `uid` is nominated to.
    pub fn node_of(&self, uid: &str) -> Option<&str> {
        self.node_of.get(uid).map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.node_of.is_empty()
    }

    /// The pods nominated to `node` that hold their room against a pod of
    /// `priority` (uid `uid`): the others of at least its priority.
    pub fn holding<'s>(
        &'s self,
        node: &str,
        priority: i32,
        uid: &'s str,
    ) -> impl Iterator<Item = &'s PodUsage> + 's {
        self.by_node
            .get(node)
            .into_iter()
            .flatten()
            .filter(move |u| u.priority >= priority && u.uid != uid)
    }
}

impl Snapshot {
    /// Node `name` (whose info is `info`) as a pod with usage `u` must see
    /// it: with the pods nominated there that hold their room against it
    /// counted as running. Borrowed when there are none, the usual case.
    pub fn as_seen_by<'s>(
        &'s self,
        name: &str,
        info: &'s NodeInfo,
        u: &PodUsage,
    ) -> Cow<'s, NodeInfo> {
        if self.nominated.is_empty() {
            return Cow::Borrowed(info);
        }
        let mut holding = self.nominated.holding(name, u.priority, &u.uid).peekable();
        if holding.peek().is_none() {
            return Cow::Borrowed(info);
        }
        let mut seen = info.clone();
        for n in holding {
            seen.add(n);
        }
        Cow::Owned(seen)
    }
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
