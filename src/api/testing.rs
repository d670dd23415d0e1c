//! Builders for objects in tests and benchmarks, so every test makes its pods,
//! nodes and deployments the same way instead of writing its own:
//!
//! ```
//! use ork::api::{Node, Pod};
//! use ork::api::testing::Build;
//! let p = Pod::test("web-1").on_node("n1").requesting("250m", "64Mi").labelled("app", "web");
//! let n = Node::test("n1").with_allocatable("4", "8Gi");
//! assert_eq!(p.spec.node_name, "n1");
//! assert!(n.is_ready());
//! ```
//!
//! Each `test` constructor gives the smallest valid object; the chained
//! methods each change one thing. Pure data, no I/O.

use super::autoscaling::{
    CrossVersionObjectReference, HorizontalPodAutoscaler, HpaBehavior, HpaScalingRules, MetricSpec,
    MetricTarget, ResourceMetricSource,
};
use super::meta::OwnerReference;
use super::service::{ServicePort, ServiceSpec};
use super::{
    Condition, Container, ContainerPort, ContainerStatus, Deployment, IntOrString, LabelSelector,
    Node, Object, Pod, PodPhase, PodTemplateSpec, Quantity, ReplicaSet, Service, new_object,
};

/// Chained changes every kind of object takes.
pub trait Build: Object + Sized {
    /// Adds a label.
    fn labelled(mut self, key: &str, value: &str) -> Self {
        self.meta_mut().labels.insert(key.into(), value.into());
        self
    }

    /// Adds an annotation.
    fn annotated(mut self, key: &str, value: &str) -> Self {
        self.meta_mut().annotations.insert(key.into(), value.into());
        self
    }

    /// Sets the uid (the store sets it on create; tests of pure code set it here).
    fn with_uid(mut self, uid: &str) -> Self {
        self.meta_mut().uid = uid.into();
        self
    }

    /// Moves the object to a namespace.
    fn in_namespace(mut self, ns: &str) -> Self {
        self.meta_mut().namespace = ns.into();
        self
    }

    /// Makes `owner` the controller of this object.
    fn owned_by<O: Object>(mut self, owner: &O) -> Self {
        let m = owner.meta();
        self.meta_mut().owner_references = vec![OwnerReference {
            api_version: O::KIND.api_version().into(),
            kind: O::KIND.as_str().into(),
            name: m.name.clone(),
            uid: m.uid.clone(),
            controller: Some(true),
            block_owner_deletion: None,
        }];
        self
    }
}

impl<T: Object> Build for T {}

/// A container named `c` running `sleep 1000` from `busybox`.
pub fn container(name: &str) -> Container {
    Container {
        name: name.into(),
        image: "busybox".into(),
        command: vec!["sleep".into(), "1000".into()],
        ..Default::default()
    }
}

impl Pod {
    /// A pod in `default` with one container, `c`.
    pub fn test(name: &str) -> Pod {
        let mut p: Pod = new_object("default", name);
        p.spec.containers = vec![container("c")];
        p
    }

    /// Bound to a node.
    pub fn on_node(mut self, node: &str) -> Pod {
        self.spec.node_name = node.into();
        self
    }

    /// The first container requests this CPU and memory (an empty string
    /// requests none of that resource).
    pub fn requesting(mut self, cpu: &str, memory: &str) -> Pod {
        let r = &mut self.spec.containers[0].resources.requests;
        for (k, v) in [("cpu", cpu), ("memory", memory)] {
            if !v.is_empty() {
                r.insert(k.into(), v.parse::<Quantity>().expect("a valid quantity"));
            }
        }
        self
    }

    /// The first container publishes `port` on the same host port.
    pub fn with_host_port(mut self, port: i32) -> Pod {
        self.spec.containers[0].ports.push(ContainerPort {
            container_port: port,
            host_port: Some(port),
            ..Default::default()
        });
        self
    }

    /// The first container declares `container_port` named `name`, and the
    /// status reports it reachable at `host_ip:host_port`, as a node daemon
    /// reports a running pod.
    pub fn serving(
        mut self,
        name: &str,
        container_port: i32,
        host_ip: &str,
        host_port: i32,
    ) -> Pod {
        self.spec.containers[0].ports.push(ContainerPort {
            name: name.into(),
            container_port,
            ..Default::default()
        });
        self.status.host_ip = host_ip.into();
        self.status.container_statuses = vec![ContainerStatus {
            name: self.spec.containers[0].name.clone(),
            ports: vec![ContainerPort {
                container_port,
                host_port: Some(host_port),
                ..Default::default()
            }],
            ..Default::default()
        }];
        self
    }

    /// Running, and Ready or not.
    pub fn running(mut self, ready: bool) -> Pod {
        self.status.phase = PodPhase::Running;
        self.status.conditions = vec![Condition::new(
            "Ready",
            ready,
            if ready { "" } else { "ContainersNotReady" },
            "",
        )];
        self
    }
}

impl Node {
    /// A Ready node with 4 CPUs, 8 GiB and room for 110 pods.
    pub fn test(name: &str) -> Node {
        Node::with_allocatable(new_object("", name), "4", "8Gi").ready(true)
    }

    /// Sets allocatable (and capacity) CPU and memory; pods stay 110.
    pub fn with_allocatable(mut self, cpu: &str, memory: &str) -> Node {
        for (k, v) in [("cpu", cpu), ("memory", memory), ("pods", "110")] {
            let q: Quantity = v.parse().expect("a valid quantity");
            self.status.allocatable.insert(k.into(), q.clone());
            self.status.capacity.insert(k.into(), q);
        }
        self
    }

    /// Ready or NotReady.
    pub fn ready(mut self, ready: bool) -> Node {
        self.status.conditions = vec![Condition::new(
            "Ready",
            ready,
            if ready { "NodeReady" } else { "NodeNotReady" },
            "",
        )];
        self
    }
}

/// A selector on `app: <name>` and a template of pods so labelled, with
/// one container.
fn workload(name: &str) -> (LabelSelector, PodTemplateSpec) {
    let labels = [("app".to_string(), name.to_string())];
    let mut template = PodTemplateSpec::default();
    template.metadata.labels = labels.clone().into();
    template.spec.containers = vec![container("c")];
    let selector = LabelSelector {
        match_labels: labels.into(),
        ..Default::default()
    };
    (selector, template)
}

impl Deployment {
    /// `replicas` of `busybox` pods labelled `app: <name>`, selected by that label.
    pub fn test(name: &str, replicas: i32) -> Deployment {
        let mut d: Deployment = new_object("default", name);
        d.metadata.generation = 1;
        d.spec.replicas = Some(replicas);
        (d.spec.selector, d.spec.template) = workload(name);
        d
    }

    /// Its pods' image.
    pub fn with_image(mut self, image: &str) -> Deployment {
        self.spec.template.spec.containers[0].image = image.into();
        self
    }
}

impl ReplicaSet {
    /// `replicas` of `busybox` pods labelled `app: <name>`, selected by that label.
    pub fn test(name: &str, replicas: i32) -> ReplicaSet {
        let mut r: ReplicaSet = new_object("default", name);
        r.spec.replicas = Some(replicas);
        (r.spec.selector, r.spec.template) = workload(name);
        r
    }
}

impl super::DaemonSet {
    /// Daemon pods of `busybox` labelled `app: <name>`, selected by that label.
    pub fn test(name: &str) -> super::DaemonSet {
        let mut d: super::DaemonSet = new_object("default", name);
        d.metadata.generation = 1;
        (d.spec.selector, d.spec.template) = workload(name);
        d
    }
}

impl Service {
    /// A ClusterIP service selecting `app: <name>`, port 80 to the pods' 8080.
    pub fn test(name: &str) -> Service {
        let mut s: Service = new_object("default", name);
        s.spec = ServiceSpec {
            selector: [("app".to_string(), name.to_string())].into(),
            ports: vec![ServicePort {
                port: 80,
                target_port: Some(IntOrString::Int(8080)),
                ..Default::default()
            }],
            ..Default::default()
        };
        s
    }
}

impl HorizontalPodAutoscaler {
    /// Scales Deployment `name` between 1 and 10 replicas on the default
    /// metric (CPU at 80 % of requests).
    pub fn test(name: &str) -> HorizontalPodAutoscaler {
        let mut h: HorizontalPodAutoscaler = new_object("default", name);
        h.metadata.generation = 1;
        h.spec.scale_target_ref = CrossVersionObjectReference {
            api_version: "apps/v1".into(),
            kind: "Deployment".into(),
            name: name.into(),
        };
        h.spec.max_replicas = 10;
        h
    }

    /// Between `min` and `max` replicas.
    pub fn between(mut self, min: i32, max: i32) -> HorizontalPodAutoscaler {
        self.spec.min_replicas = Some(min);
        self.spec.max_replicas = max;
        self
    }

    /// Adds a Resource metric: `resource` at `percent` of the pods' requests.
    pub fn utilization(self, resource: &str, percent: i32) -> HorizontalPodAutoscaler {
        self.metric(
            resource,
            MetricTarget {
                type_: "Utilization".into(),
                average_utilization: Some(percent),
                ..Default::default()
            },
        )
    }

    /// Adds a Resource metric: `resource` averaging `value` per pod.
    pub fn average_value(self, resource: &str, value: &str) -> HorizontalPodAutoscaler {
        self.metric(
            resource,
            MetricTarget {
                type_: "AverageValue".into(),
                average_value: Some(value.parse().expect("a valid quantity")),
                ..Default::default()
            },
        )
    }

    fn metric(mut self, resource: &str, target: MetricTarget) -> HorizontalPodAutoscaler {
        self.spec.metrics.push(MetricSpec {
            type_: "Resource".into(),
            resource: Some(ResourceMetricSource {
                name: resource.into(),
                target,
            }),
            ..Default::default()
        });
        self
    }

    /// Scale-down waits this many seconds of lower recommendations.
    pub fn scale_down_window(mut self, seconds: i32) -> HorizontalPodAutoscaler {
        self.spec.behavior = Some(HpaBehavior {
            scale_down: Some(HpaScalingRules {
                stabilization_window_seconds: Some(seconds),
                ..Default::default()
            }),
            ..Default::default()
        });
        self
    }
}

impl super::statefulset::StatefulSet {
    /// `replicas` of `busybox` pods labelled `app: <name>` under headless
    /// Service `<name>`, each with claim template `data` mounted at `/data`.
    pub fn test(name: &str, replicas: i32) -> super::statefulset::StatefulSet {
        let mut s: super::statefulset::StatefulSet = new_object("default", name);
        s.metadata.generation = 1;
        s.spec.replicas = Some(replicas);
        s.spec.service_name = name.into();
        (s.spec.selector, s.spec.template) = workload(name);
        s.spec.template.spec.containers[0].volume_mounts = vec![super::volume::VolumeMount {
            name: "data".into(),
            mount_path: "/data".into(),
            ..Default::default()
        }];
        let mut claim: super::volume::PersistentVolumeClaim = Default::default();
        claim.metadata.name = "data".into();
        claim.spec.access_modes = vec!["ReadWriteOnce".into()];
        s.spec.volume_claim_templates = vec![claim];
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builder_gives_a_valid_object() {
        let d = Deployment::test("web", 3).with_image("nginx:1.27");
        assert!(d.validate().is_empty(), "{:?}", d.validate());
        let r = ReplicaSet::test("web-1", 2).owned_by(&d.clone().with_uid("u1"));
        assert!(r.validate().is_empty(), "{:?}", r.validate());
        assert_eq!(r.metadata.controller().map(|c| c.uid.as_str()), Some("u1"));
        let p = Pod::test("a")
            .on_node("n1")
            .requesting("100m", "")
            .with_host_port(8080)
            .running(true)
            .labelled("app", "web");
        assert!(p.validate().is_empty(), "{:?}", p.validate());
        assert!(p.is_ready());
        assert!(Node::test("n1").validate().is_empty());
        assert!(!Node::test("n1").ready(false).is_ready());
        assert!(Service::test("web").validate().is_empty());
        let h = HorizontalPodAutoscaler::test("web")
            .between(2, 5)
            .utilization("cpu", 50)
            .average_value("memory", "64Mi")
            .scale_down_window(60);
        assert!(h.validate().is_empty(), "{:?}", h.validate());
    }
}
