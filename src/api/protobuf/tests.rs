//! Objects built with `k8s-pb`'s types, encoded as Kubernetes encodes
//! them, decoded back into ork's objects: each must equal the object the
//! same manifest gives in JSON.

use super::*;
use crate::api::AnyObject;
use crate::api::wire::DeleteOptions;
use pb::api::apps::v1 as apps;
use pb::api::autoscaling::v2 as autoscaling;
use pb::api::core::v1 as core;
use pb::apimachinery::pkg::api::resource::Quantity;
use pb::apimachinery::pkg::util::intstr::IntOrString;
use serde_json::json;

fn s(x: &str) -> Option<String> {
    Some(x.to_string())
}

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn meta(ns: &str, name: &str) -> Option<meta::ObjectMeta> {
    Some(meta::ObjectMeta {
        name: s(name),
        namespace: if ns.is_empty() { None } else { s(ns) },
        labels: labels(&[("app", "web")]),
        annotations: labels(&[("note", "x")]),
        // The zero time, as Go writes it: an empty message; and the empty
        // strings and zero numbers Go writes for fields it holds by value.
        creation_timestamp: Some(meta::Time::default()),
        generate_name: s(""),
        self_link: s(""),
        uid: s(""),
        resource_version: s(""),
        generation: Some(0),
        ..Default::default()
    })
}

fn json_meta(ns: &str, name: &str) -> Value {
    let mut m = json!({"name": name, "labels": {"app": "web"}, "annotations": {"note": "x"}});
    if !ns.is_empty() {
        m["namespace"] = ns.into();
    }
    m
}

fn int_or_str(i: Option<i32>, s_: Option<&str>) -> Option<IntOrString> {
    Some(match (i, s_) {
        (Some(i), _) => IntOrString {
            r#type: Some(0),
            int_val: Some(i),
            str_val: None,
        },
        (None, v) => IntOrString {
            r#type: Some(1),
            int_val: None,
            str_val: v.map(str::to_string),
        },
    })
}

fn qty(q: &str) -> Quantity {
    Quantity { string: s(q) }
}

fn pod_spec() -> Option<core::PodSpec> {
    Some(core::PodSpec {
        containers: vec![core::Container {
            name: s("web"),
            image: s("nginx:1.27"),
            command: vec!["nginx".into()],
            args: vec!["-g".into(), "daemon off;".into()],
            ports: vec![core::ContainerPort {
                container_port: Some(80),
                protocol: s("TCP"),
                name: s("http"),
                ..Default::default()
            }],
            env: vec![core::EnvVar {
                name: s("MODE"),
                value: s("prod"),
                ..Default::default()
            }],
            resources: Some(core::ResourceRequirements {
                requests: [("cpu".to_string(), qty("100m"))].into(),
                limits: [("memory".to_string(), qty("128Mi"))].into(),
                ..Default::default()
            }),
            readiness_probe: Some(core::Probe {
                handler: Some(core::ProbeHandler {
                    http_get: Some(core::HttpGetAction {
                        path: s("/"),
                        port: int_or_str(None, Some("http")),
                        ..Default::default()
                    }),
                    ..Default::default()
                }),
                period_seconds: Some(5),
                ..Default::default()
            }),
            image_pull_policy: s("IfNotPresent"),
            tty: Some(false),
            stdin: Some(false),
            termination_message_path: s(""),
            ..Default::default()
        }],
        volumes: vec![core::Volume {
            name: s("cache"),
            volume_source: Some(core::VolumeSource {
                empty_dir: Some(core::EmptyDirVolumeSource::default()),
                ..Default::default()
            }),
        }],
        restart_policy: s("Always"),
        node_selector: labels(&[("disk", "ssd")]),
        ..Default::default()
    })
}

fn json_pod_spec() -> Value {
    json!({
        "containers": [{
            "name": "web",
            "image": "nginx:1.27",
            "command": ["nginx"],
            "args": ["-g", "daemon off;"],
            "ports": [{"containerPort": 80, "protocol": "TCP", "name": "http"}],
            "env": [{"name": "MODE", "value": "prod"}],
            "resources": {"requests": {"cpu": "100m"}, "limits": {"memory": "128Mi"}},
            "readinessProbe": {"httpGet": {"path": "/", "port": "http"}, "periodSeconds": 5},
            "imagePullPolicy": "IfNotPresent"
        }],
        "volumes": [{"name": "cache", "emptyDir": {}}],
        "restartPolicy": "Always",
        "nodeSelector": {"disk": "ssd"}
    })
}

fn selector() -> Option<meta::LabelSelector> {
    Some(meta::LabelSelector {
        match_labels: labels(&[("app", "web")]),
        ..Default::default()
    })
}

fn template() -> Option<core::PodTemplateSpec> {
    Some(core::PodTemplateSpec {
        metadata: Some(meta::ObjectMeta {
            labels: labels(&[("app", "web")]),
            creation_timestamp: Some(meta::Time::default()),
            ..Default::default()
        }),
        spec: pod_spec(),
    })
}

fn json_template() -> Value {
    json!({"metadata": {"labels": {"app": "web"}}, "spec": json_pod_spec()})
}

/// Decodes `body` as ork does and checks it equals `expected` decoded from JSON.
fn round_trip(kind: Kind, body: Vec<u8>, mut expected: Value) {
    let v = to_json(&body).expect("decodes");
    let got =
        AnyObject::from_value(kind, v.clone()).unwrap_or_else(|e| panic!("{kind}: {e}: {v:#}"));
    expected["apiVersion"] = kind.api_version().into();
    expected["kind"] = kind.as_str().into();
    let want = AnyObject::from_value(kind, expected).expect("the expected JSON decodes");
    assert_eq!(got, want, "{kind}");
}

fn wrap(kind: Kind, m: &impl Message) -> Vec<u8> {
    envelope(kind.api_version(), kind.as_str(), m)
}

#[test]
fn every_kind_round_trips_through_protobuf() {
    let mut done = vec![];
    let t = meta::Time {
        seconds: Some(1_700_000_000),
        nanos: Some(0),
    };

    let k = Kind::Pod;
    let pod = core::Pod {
        metadata: meta("default", "web-1"),
        spec: pod_spec(),
        status: Some(core::PodStatus {
            phase: s("Running"),
            pod_ip: s("10.0.0.5"),
            start_time: Some(t),
            ..Default::default()
        }),
    };
    round_trip(
        k,
        wrap(k, &pod),
        json!({"metadata": json_meta("default", "web-1"), "spec": json_pod_spec(),
               "status": {"phase": "Running", "podIP": "10.0.0.5", "startTime": "2023-11-14T22:13:20Z"}}),
    );
    done.push(k);

    let k = Kind::Deployment;
    let d = apps::Deployment {
        metadata: meta("default", "web"),
        spec: Some(apps::DeploymentSpec {
            replicas: Some(3),
            selector: selector(),
            template: template(),
            strategy: Some(apps::DeploymentStrategy {
                r#type: s("RollingUpdate"),
                rolling_update: Some(apps::RollingUpdateDeployment {
                    max_surge: int_or_str(Some(1), None),
                    max_unavailable: int_or_str(None, Some("25%")),
                }),
            }),
            ..Default::default()
        }),
        status: Some(apps::DeploymentStatus::default()),
    };
    round_trip(
        k,
        wrap(k, &d),
        json!({"metadata": json_meta("default", "web"), "spec": {
            "replicas": 3, "selector": {"matchLabels": {"app": "web"}}, "template": json_template(),
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": "25%"}}
        }, "status": {}}),
    );
    done.push(k);

    let k = Kind::ReplicaSet;
    let rs = apps::ReplicaSet {
        metadata: meta("default", "web-abc"),
        spec: Some(apps::ReplicaSetSpec {
            replicas: Some(2),
            selector: selector(),
            template: template(),
            ..Default::default()
        }),
        status: Some(apps::ReplicaSetStatus {
            replicas: Some(2),
            ready_replicas: Some(1),
            ..Default::default()
        }),
    };
    round_trip(
        k,
        wrap(k, &rs),
        json!({"metadata": json_meta("default", "web-abc"), "spec": {
            "replicas": 2, "selector": {"matchLabels": {"app": "web"}}, "template": json_template()
        }, "status": {"replicas": 2, "readyReplicas": 1}}),
    );
    done.push(k);

    let k = Kind::ConfigMap;
    let cm = core::ConfigMap {
        metadata: meta("default", "cfg"),
        data: labels(&[("a", "1"), ("b", "two")]),
        binary_data: [("bin".to_string(), vec![0u8, 1, 2])].into(),
        ..Default::default()
    };
    round_trip(
        k,
        wrap(k, &cm),
        json!({"metadata": json_meta("default", "cfg"), "data": {"a": "1", "b": "two"}, "binaryData": {"bin": "AAEC"}}),
    );
    done.push(k);

    let k = Kind::Secret;
    let sec = core::Secret {
        metadata: meta("default", "creds"),
        data: [("password".to_string(), b"s3cret".to_vec())].into(),
        r#type: s("Opaque"),
        ..Default::default()
    };
    round_trip(
        k,
        wrap(k, &sec),
        json!({"metadata": json_meta("default", "creds"), "data": {"password": "czNjcmV0"}, "type": "Opaque"}),
    );
    done.push(k);

    let k = Kind::Namespace;
    let ns = core::Namespace {
        metadata: meta("", "team-a"),
        spec: Some(core::NamespaceSpec::default()),
        status: Some(core::NamespaceStatus::default()),
    };
    round_trip(
        k,
        wrap(k, &ns),
        json!({"metadata": json_meta("", "team-a"), "spec": {}, "status": {}}),
    );
    done.push(k);

    let k = Kind::Service;
    let svc = core::Service {
        metadata: meta("default", "web"),
        spec: Some(core::ServiceSpec {
            ports: vec![core::ServicePort {
                name: s("http"),
                protocol: s("TCP"),
                port: Some(80),
                target_port: int_or_str(Some(8080), None),
                ..Default::default()
            }],
            selector: labels(&[("app", "web")]),
            r#type: s("ClusterIP"),
            ..Default::default()
        }),
        status: None,
    };
    round_trip(
        k,
        wrap(k, &svc),
        json!({"metadata": json_meta("default", "web"), "spec": {
            "ports": [{"name": "http", "protocol": "TCP", "port": 80, "targetPort": 8080}],
            "selector": {"app": "web"}, "type": "ClusterIP"
        }}),
    );
    done.push(k);

    let k = Kind::Endpoints;
    let ep = core::Endpoints {
        metadata: meta("default", "web"),
        subsets: vec![core::EndpointSubset {
            addresses: vec![core::EndpointAddress {
                ip: s("10.0.0.5"),
                ..Default::default()
            }],
            ports: vec![core::EndpointPort {
                name: s("http"),
                port: Some(8080),
                protocol: s("TCP"),
                ..Default::default()
            }],
            ..Default::default()
        }],
    };
    round_trip(
        k,
        wrap(k, &ep),
        json!({"metadata": json_meta("default", "web"), "subsets": [{
            "addresses": [{"ip": "10.0.0.5"}],
            "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]
        }]}),
    );
    done.push(k);

    let k = Kind::Node;
    let node = core::Node {
        metadata: meta("", "n1"),
        spec: Some(core::NodeSpec {
            unschedulable: Some(true),
            ..Default::default()
        }),
        status: Some(core::NodeStatus {
            capacity: [("cpu".to_string(), qty("4"))].into(),
            addresses: vec![core::NodeAddress {
                r#type: s("InternalIP"),
                address: s("192.0.2.10"),
            }],
            node_info: Some(core::NodeSystemInfo {
                kubelet_version: s("v1.32.0"),
                ..Default::default()
            }),
            ..Default::default()
        }),
    };
    round_trip(
        k,
        wrap(k, &node),
        json!({"metadata": json_meta("", "n1"), "spec": {"unschedulable": true}, "status": {
            "capacity": {"cpu": "4"},
            "addresses": [{"type": "InternalIP", "address": "192.0.2.10"}],
            "nodeInfo": {"kubeletVersion": "v1.32.0"}
        }}),
    );
    done.push(k);

    let k = Kind::Event;
    let ev = core::Event {
        metadata: meta("default", "web-1.abc"),
        involved_object: Some(core::ObjectReference {
            kind: s("Pod"),
            namespace: s("default"),
            name: s("web-1"),
            ..Default::default()
        }),
        reason: s("Started"),
        message: s("Started container web"),
        source: Some(core::EventSource {
            component: s("kubelet"),
            host: s("n1"),
        }),
        first_timestamp: Some(t),
        last_timestamp: Some(t),
        count: Some(2),
        r#type: s("Normal"),
        ..Default::default()
    };
    round_trip(
        k,
        wrap(k, &ev),
        json!({"metadata": json_meta("default", "web-1.abc"),
            "involvedObject": {"kind": "Pod", "namespace": "default", "name": "web-1"},
            "reason": "Started", "message": "Started container web",
            "source": {"component": "kubelet", "host": "n1"},
            "firstTimestamp": "2023-11-14T22:13:20Z", "lastTimestamp": "2023-11-14T22:13:20Z",
            "count": 2, "type": "Normal"}),
    );
    done.push(k);

    let k = Kind::HorizontalPodAutoscaler;
    let hpa = autoscaling::HorizontalPodAutoscaler {
        metadata: meta("default", "web"),
        spec: Some(autoscaling::HorizontalPodAutoscalerSpec {
            scale_target_ref: Some(autoscaling::CrossVersionObjectReference {
                kind: s("Deployment"),
                name: s("web"),
                api_version: s("apps/v1"),
            }),
            min_replicas: Some(1),
            max_replicas: Some(5),
            metrics: vec![autoscaling::MetricSpec {
                r#type: s("Resource"),
                resource: Some(autoscaling::ResourceMetricSource {
                    name: s("cpu"),
                    target: Some(autoscaling::MetricTarget {
                        r#type: s("Utilization"),
                        average_utilization: Some(60),
                        ..Default::default()
                    }),
                }),
                ..Default::default()
            }],
            ..Default::default()
        }),
        status: None,
    };
    round_trip(
        k,
        wrap(k, &hpa),
        json!({"metadata": json_meta("default", "web"), "spec": {
            "scaleTargetRef": {"kind": "Deployment", "name": "web", "apiVersion": "apps/v1"},
            "minReplicas": 1, "maxReplicas": 5,
            "metrics": [{"type": "Resource", "resource": {"name": "cpu",
                "target": {"type": "Utilization", "averageUtilization": 60}}}]
        }}),
    );
    done.push(k);

    let k = Kind::PersistentVolumeClaim;
    let pvc = core::PersistentVolumeClaim {
        metadata: meta("default", "data"),
        spec: Some(core::PersistentVolumeClaimSpec {
            access_modes: vec!["ReadWriteOnce".into()],
            resources: Some(core::VolumeResourceRequirements {
                requests: [("storage".to_string(), qty("1Gi"))].into(),
                ..Default::default()
            }),
            storage_class_name: s("local"),
            ..Default::default()
        }),
        status: None,
    };
    round_trip(
        k,
        wrap(k, &pvc),
        json!({"metadata": json_meta("default", "data"), "spec": {
            "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}},
            "storageClassName": "local"
        }}),
    );
    done.push(k);

    let k = Kind::Job;
    let job = pb::api::batch::v1::Job {
        metadata: meta("default", "pi"),
        spec: Some(pb::api::batch::v1::JobSpec {
            completions: Some(3),
            parallelism: Some(2),
            completion_mode: s("Indexed"),
            backoff_limit: Some(4),
            template: Some(core::PodTemplateSpec {
                metadata: None,
                spec: pod_spec().map(|mut p| {
                    p.restart_policy = s("Never");
                    p
                }),
            }),
            pod_failure_policy: Some(pb::api::batch::v1::PodFailurePolicy {
                rules: vec![pb::api::batch::v1::PodFailurePolicyRule {
                    action: s("FailJob"),
                    on_exit_codes: Some(
                        pb::api::batch::v1::PodFailurePolicyOnExitCodesRequirement {
                            container_name: None,
                            operator: s("In"),
                            values: vec![42],
                        },
                    ),
                    on_pod_conditions: vec![],
                }],
            }),
            ..Default::default()
        }),
        status: Some(pb::api::batch::v1::JobStatus {
            succeeded: Some(1),
            completed_indexes: s("0"),
            start_time: Some(t),
            ..Default::default()
        }),
    };
    let mut template_spec = json!({});
    if let Value::Object(m) = to_json(&wrap(
        Kind::Pod,
        &core::Pod {
            metadata: None,
            spec: pod_spec(),
            status: None,
        },
    ))
    .unwrap()
    {
        template_spec = m["spec"].clone();
    }
    template_spec["restartPolicy"] = "Never".into();
    round_trip(
        k,
        wrap(k, &job),
        json!({"metadata": json_meta("default", "pi"), "spec": {
            "completions": 3, "parallelism": 2, "completionMode": "Indexed", "backoffLimit": 4,
            "template": {"spec": template_spec},
            "podFailurePolicy": {"rules": [{"action": "FailJob",
                "onExitCodes": {"operator": "In", "values": [42]}}]}
        }, "status": {"succeeded": 1, "completedIndexes": "0", "startTime": "2023-11-14T22:13:20Z"}}),
    );
    done.push(k);

    let k = Kind::StatefulSet;
    let st = apps::StatefulSet {
        metadata: meta("default", "web"),
        spec: Some(apps::StatefulSetSpec {
            replicas: Some(3),
            selector: selector(),
            template: template(),
            volume_claim_templates: vec![core::PersistentVolumeClaim {
                metadata: Some(meta::ObjectMeta {
                    name: s("data"),
                    ..Default::default()
                }),
                spec: Some(core::PersistentVolumeClaimSpec {
                    access_modes: vec!["ReadWriteOnce".into()],
                    ..Default::default()
                }),
                status: None,
            }],
            service_name: s("web"),
            pod_management_policy: s("Parallel"),
            update_strategy: Some(apps::StatefulSetUpdateStrategy {
                r#type: s("RollingUpdate"),
                rolling_update: Some(apps::RollingUpdateStatefulSetStrategy {
                    partition: Some(1),
                    max_unavailable: None,
                }),
            }),
            ordinals: Some(apps::StatefulSetOrdinals { start: Some(1) }),
            ..Default::default()
        }),
        status: Some(apps::StatefulSetStatus {
            replicas: Some(3),
            ready_replicas: Some(2),
            ..Default::default()
        }),
    };
    round_trip(
        k,
        wrap(k, &st),
        json!({"metadata": json_meta("default", "web"), "spec": {
            "replicas": 3, "selector": {"matchLabels": {"app": "web"}}, "template": json_template(),
            "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {"accessModes": ["ReadWriteOnce"]}}],
            "serviceName": "web", "podManagementPolicy": "Parallel",
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 1}},
            "ordinals": {"start": 1}
        }, "status": {"replicas": 3, "readyReplicas": 2}}),
    );
    done.push(k);

    let k = Kind::DaemonSet;
    let ds = apps::DaemonSet {
        metadata: meta("default", "web"),
        spec: Some(apps::DaemonSetSpec {
            selector: selector(),
            template: template(),
            update_strategy: Some(apps::DaemonSetUpdateStrategy {
                r#type: s("RollingUpdate"),
                rolling_update: Some(apps::RollingUpdateDaemonSet {
                    max_unavailable: int_or_str(Some(1), None),
                    max_surge: int_or_str(None, Some("10%")),
                }),
            }),
            ..Default::default()
        }),
        status: Some(apps::DaemonSetStatus {
            desired_number_scheduled: Some(3),
            number_ready: Some(2),
            ..Default::default()
        }),
    };
    round_trip(
        k,
        wrap(k, &ds),
        json!({"metadata": json_meta("default", "web"), "spec": {
            "selector": {"matchLabels": {"app": "web"}}, "template": json_template(),
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": "10%"}}
        }, "status": {"desiredNumberScheduled": 3, "numberReady": 2}}),
    );
    done.push(k);

    let k = Kind::ControllerRevision;
    let cr = apps::ControllerRevision {
        metadata: meta("default", "web-1"),
        data: Some(pb::apimachinery::pkg::runtime::RawExtension {
            raw: Some(br#"{"spec":{"template":{}}}"#.to_vec()),
        }),
        revision: Some(2),
    };
    round_trip(
        k,
        wrap(k, &cr),
        json!({"metadata": json_meta("default", "web-1"), "data": {"spec": {"template": {}}}, "revision": 2}),
    );
    done.push(k);

    let k = Kind::ResourceQuota;
    let quota = core::ResourceQuota {
        metadata: meta("default", "pods-max"),
        spec: Some(core::ResourceQuotaSpec {
            hard: [("pods".to_string(), qty("5"))].into(),
            scope_selector: Some(core::ScopeSelector {
                match_expressions: vec![core::ScopedResourceSelectorRequirement {
                    scope_name: s("PriorityClass"),
                    operator: s("In"),
                    values: vec!["high".into()],
                }],
            }),
            ..Default::default()
        }),
        status: None,
    };
    round_trip(
        k,
        wrap(k, &quota),
        json!({"metadata": json_meta("default", "pods-max"), "spec": {
            "hard": {"pods": "5"},
            "scopeSelector": {"matchExpressions": [
                {"scopeName": "PriorityClass", "operator": "In", "values": ["high"]}
            ]}
        }}),
    );
    done.push(k);

    let k = Kind::LimitRange;
    let limits = core::LimitRange {
        metadata: meta("default", "limits"),
        spec: Some(core::LimitRangeSpec {
            limits: vec![core::LimitRangeItem {
                r#type: s("Container"),
                default: [("memory".to_string(), qty("512Mi"))].into(),
                default_request: [("memory".to_string(), qty("256Mi"))].into(),
                ..Default::default()
            }],
        }),
    };
    round_trip(
        k,
        wrap(k, &limits),
        json!({"metadata": json_meta("default", "limits"), "spec": {"limits": [
            {"type": "Container", "default": {"memory": "512Mi"}, "defaultRequest": {"memory": "256Mi"}}
        ]}}),
    );
    done.push(k);

    let k = Kind::ServiceAccount;
    let sa = core::ServiceAccount {
        metadata: meta("default", "builder"),
        secrets: vec![core::ObjectReference {
            name: s("build-token"),
            ..Default::default()
        }],
        image_pull_secrets: vec![core::LocalObjectReference {
            name: s("registry"),
        }],
        automount_service_account_token: Some(false),
    };
    round_trip(
        k,
        wrap(k, &sa),
        json!({"metadata": json_meta("default", "builder"),
            "secrets": [{"name": "build-token"}],
            "imagePullSecrets": [{"name": "registry"}],
            "automountServiceAccountToken": false}),
    );
    done.push(k);

    let k = Kind::Ingress;
    use k8s_pb::api::networking::v1 as net;
    let service = |name: &str, number: Option<i32>, port: Option<&str>| net::IngressBackend {
        service: Some(net::IngressServiceBackend {
            name: s(name),
            port: Some(net::ServiceBackendPort {
                name: port.map(str::to_string),
                number,
            }),
        }),
        resource: None,
    };
    let ing = net::Ingress {
        metadata: meta("default", "web"),
        spec: Some(net::IngressSpec {
            ingress_class_name: s("ork"),
            default_backend: Some(service("web", Some(80), None)),
            tls: vec![net::IngressTls {
                hosts: vec!["a.example".into()],
                secret_name: s("a-tls"),
            }],
            rules: vec![net::IngressRule {
                host: s("a.example"),
                ingress_rule_value: Some(net::IngressRuleValue {
                    http: Some(net::HttpIngressRuleValue {
                        paths: vec![net::HttpIngressPath {
                            path: s("/api"),
                            path_type: s("Prefix"),
                            backend: Some(service("api", Some(0), Some("http"))),
                        }],
                    }),
                }),
            }],
        }),
        status: Some(net::IngressStatus {
            load_balancer: Some(net::IngressLoadBalancerStatus {
                ingress: vec![net::IngressLoadBalancerIngress {
                    ip: s("127.0.0.1"),
                    hostname: None,
                    ports: vec![net::IngressPortStatus {
                        port: Some(80),
                        protocol: s("TCP"),
                        error: None,
                    }],
                }],
            }),
        }),
    };
    round_trip(
        k,
        wrap(k, &ing),
        json!({"metadata": json_meta("default", "web"),
            "spec": {"ingressClassName": "ork",
                "defaultBackend": {"service": {"name": "web", "port": {"number": 80}}},
                "tls": [{"hosts": ["a.example"], "secretName": "a-tls"}],
                "rules": [{"host": "a.example", "http": {"paths": [{"path": "/api", "pathType": "Prefix",
                    "backend": {"service": {"name": "api", "port": {"name": "http"}}}}]}}]},
            "status": {"loadBalancer": {"ingress": [{"ip": "127.0.0.1", "ports": [{"port": 80, "protocol": "TCP"}]}]}}}),
    );
    done.push(k);

    let k = Kind::IngressClass;
    let class = net::IngressClass {
        metadata: meta("", "external-lb"),
        spec: Some(net::IngressClassSpec {
            controller: s("example.com/ingress-controller"),
            parameters: Some(net::IngressClassParametersReference {
                a_pi_group: s("k8s.example.com"),
                kind: s("IngressParameters"),
                name: s("external-lb"),
                scope: None,
                namespace: None,
            }),
        }),
    };
    round_trip(
        k,
        wrap(k, &class),
        json!({"metadata": json_meta("", "external-lb"),
            "spec": {"controller": "example.com/ingress-controller",
                "parameters": {"apiGroup": "k8s.example.com", "kind": "IngressParameters", "name": "external-lb"}}}),
    );
    done.push(k);

    let k = Kind::CronJob;
    let cj = pb::api::batch::v1::CronJob {
        metadata: meta("default", "hello"),
        spec: Some(pb::api::batch::v1::CronJobSpec {
            schedule: s("*/1 * * * *"),
            time_zone: s("Europe/Berlin"),
            concurrency_policy: s("Forbid"),
            successful_jobs_history_limit: Some(2),
            job_template: Some(pb::api::batch::v1::JobTemplateSpec {
                metadata: None,
                spec: Some(pb::api::batch::v1::JobSpec {
                    backoff_limit: Some(1),
                    ..Default::default()
                }),
            }),
            ..Default::default()
        }),
        status: Some(pb::api::batch::v1::CronJobStatus {
            last_schedule_time: Some(t),
            active: vec![core::ObjectReference {
                name: s("hello-28333333"),
                ..Default::default()
            }],
            ..Default::default()
        }),
    };
    round_trip(
        k,
        wrap(k, &cj),
        json!({"metadata": json_meta("default", "hello"), "spec": {
            "schedule": "*/1 * * * *", "timeZone": "Europe/Berlin", "concurrencyPolicy": "Forbid",
            "successfulJobsHistoryLimit": 2, "jobTemplate": {"spec": {"backoffLimit": 1}}
        }, "status": {"lastScheduleTime": "2023-11-14T22:13:20Z", "active": [{"name": "hello-28333333"}]}}),
    );
    done.push(k);

    let k = Kind::PodDisruptionBudget;
    let pdb = pb::api::policy::v1::PodDisruptionBudget {
        metadata: meta("default", "zk-pdb"),
        spec: Some(pb::api::policy::v1::PodDisruptionBudgetSpec {
            max_unavailable: int_or_str(Some(1), None),
            selector: Some(meta::LabelSelector {
                match_labels: [("app".to_string(), "zookeeper".to_string())].into(),
                ..Default::default()
            }),
            ..Default::default()
        }),
        status: Some(pb::api::policy::v1::PodDisruptionBudgetStatus {
            current_healthy: Some(3),
            desired_healthy: Some(2),
            disruptions_allowed: Some(1),
            expected_pods: Some(3),
            ..Default::default()
        }),
    };
    round_trip(
        k,
        wrap(k, &pdb),
        json!({"metadata": json_meta("default", "zk-pdb"), "spec": {
            "maxUnavailable": 1, "selector": {"matchLabels": {"app": "zookeeper"}}
        }, "status": {"currentHealthy": 3, "desiredHealthy": 2, "disruptionsAllowed": 1, "expectedPods": 3}}),
    );
    done.push(k);

    let rule = pb::api::rbac::v1::PolicyRule {
        verbs: vec!["get".into(), "list".into()],
        api_groups: vec![String::new()],
        resources: vec!["pods".into(), "pods/log".into()],
        ..Default::default()
    };
    let json_rule =
        json!({"verbs": ["get", "list"], "apiGroups": [""], "resources": ["pods", "pods/log"]});
    let k = Kind::Role;
    let role = pb::api::rbac::v1::Role {
        metadata: meta("default", "pod-reader"),
        rules: vec![rule.clone()],
    };
    round_trip(
        k,
        wrap(k, &role),
        json!({"metadata": json_meta("default", "pod-reader"), "rules": [json_rule.clone()]}),
    );
    done.push(k);
    let k = Kind::ClusterRole;
    let role = pb::api::rbac::v1::ClusterRole {
        metadata: meta("", "pod-reader"),
        rules: vec![rule],
        aggregation_rule: None,
    };
    round_trip(
        k,
        wrap(k, &role),
        json!({"metadata": json_meta("", "pod-reader"), "rules": [json_rule]}),
    );
    done.push(k);
    let subject = pb::api::rbac::v1::Subject {
        kind: s("ServiceAccount"),
        api_group: s(""),
        name: s("reader"),
        namespace: s("default"),
    };
    let role_ref = pb::api::rbac::v1::RoleRef {
        api_group: s("rbac.authorization.k8s.io"),
        kind: s("ClusterRole"),
        name: s("pod-reader"),
    };
    let json_binding = |ns: &str| {
        json!({"metadata": json_meta(ns, "read-pods"),
            "subjects": [{"kind": "ServiceAccount", "name": "reader", "namespace": "default"}],
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "pod-reader"}})
    };
    let k = Kind::RoleBinding;
    let b = pb::api::rbac::v1::RoleBinding {
        metadata: meta("default", "read-pods"),
        subjects: vec![subject.clone()],
        role_ref: Some(role_ref.clone()),
    };
    round_trip(k, wrap(k, &b), json_binding("default"));
    done.push(k);
    let k = Kind::ClusterRoleBinding;
    let b = pb::api::rbac::v1::ClusterRoleBinding {
        metadata: meta("", "read-pods"),
        subjects: vec![subject],
        role_ref: Some(role_ref),
    };
    round_trip(k, wrap(k, &b), json_binding(""));
    done.push(k);

    let k = Kind::Lease;
    let lease = pb::api::coordination::v1::Lease {
        metadata: meta("kube-system", "ork-control-plane"),
        spec: Some(pb::api::coordination::v1::LeaseSpec {
            holder_identity: s("cp-1"),
            lease_duration_seconds: Some(5),
            renew_time: Some(meta::MicroTime {
                seconds: Some(1_700_000_000),
                nanos: Some(1_500_000),
            }),
            lease_transitions: Some(2),
            ..Default::default()
        }),
    };
    round_trip(
        k,
        wrap(k, &lease),
        json!({"metadata": json_meta("kube-system", "ork-control-plane"), "spec": {
            "holderIdentity": "cp-1", "leaseDurationSeconds": 5,
            "renewTime": "2023-11-14T22:13:20.001500Z", "leaseTransitions": 2
        }}),
    );
    done.push(k);

    let k = Kind::PriorityClass;
    let pc = pb::api::scheduling::v1::PriorityClass {
        metadata: meta("", "high"),
        value: Some(1000),
        global_default: Some(false),
        description: s("important"),
        preemption_policy: s("Never"),
    };
    round_trip(
        k,
        wrap(k, &pc),
        json!({"metadata": json_meta("", "high"), "value": 1000,
            "description": "important", "preemptionPolicy": "Never"}),
    );
    done.push(k);

    let k = Kind::StorageClass;
    let sc = pb::api::storage::v1::StorageClass {
        metadata: meta("", "fast"),
        provisioner: s("csi.example.com"),
        parameters: BTreeMap::from([("type".to_string(), "ssd".to_string())]),
        reclaim_policy: s("Retain"),
        mount_options: vec!["debug".into()],
        allow_volume_expansion: Some(true),
        volume_binding_mode: s("WaitForFirstConsumer"),
        allowed_topologies: vec![pb::api::core::v1::TopologySelectorTerm {
            match_label_expressions: vec![pb::api::core::v1::TopologySelectorLabelRequirement {
                key: s("topology.kubernetes.io/zone"),
                values: vec!["a".into()],
            }],
        }],
    };
    round_trip(
        k,
        wrap(k, &sc),
        json!({"metadata": json_meta("", "fast"), "provisioner": "csi.example.com",
            "parameters": {"type": "ssd"}, "reclaimPolicy": "Retain", "mountOptions": ["debug"],
            "allowVolumeExpansion": true, "volumeBindingMode": "WaitForFirstConsumer",
            "allowedTopologies": [{"matchLabelExpressions": [
                {"key": "topology.kubernetes.io/zone", "values": ["a"]}]}]}),
    );
    done.push(k);

    use pb::api::admissionregistration::v1 as ar;
    let k = Kind::ValidatingAdmissionPolicy;
    let vap = ar::ValidatingAdmissionPolicy {
        metadata: meta("", "limit"),
        spec: Some(ar::ValidatingAdmissionPolicySpec {
            param_kind: Some(ar::ParamKind {
                api_version: s("v1"),
                kind: s("ConfigMap"),
            }),
            match_constraints: Some(ar::MatchResources {
                resource_rules: vec![ar::NamedRuleWithOperations {
                    resource_names: vec![],
                    rule_with_operations: Some(ar::RuleWithOperations {
                        operations: vec!["CREATE".into()],
                        rule: Some(ar::Rule {
                            api_groups: vec!["apps".into()],
                            api_versions: vec!["v1".into()],
                            resources: vec!["deployments".into()],
                            scope: None,
                        }),
                    }),
                }],
                ..Default::default()
            }),
            validations: vec![ar::Validation {
                expression: s("object.spec.replicas <= 5"),
                message: s("too many"),
                reason: s("Forbidden"),
                message_expression: None,
            }],
            failure_policy: s("Fail"),
            variables: vec![ar::Variable {
                name: s("n"),
                expression: s("object.spec.replicas"),
            }],
            ..Default::default()
        }),
        status: None,
    };
    round_trip(
        k,
        wrap(k, &vap),
        json!({"metadata": json_meta("", "limit"), "spec": {
            "paramKind": {"apiVersion": "v1", "kind": "ConfigMap"},
            "matchConstraints": {"resourceRules": [{"operations": ["CREATE"],
                "apiGroups": ["apps"], "apiVersions": ["v1"], "resources": ["deployments"]}]},
            "validations": [{"expression": "object.spec.replicas <= 5", "message": "too many",
                "reason": "Forbidden"}],
            "failurePolicy": "Fail",
            "variables": [{"name": "n", "expression": "object.spec.replicas"}]}}),
    );
    done.push(k);

    let k = Kind::ValidatingAdmissionPolicyBinding;
    let b = ar::ValidatingAdmissionPolicyBinding {
        metadata: meta("", "limit-prod"),
        spec: Some(ar::ValidatingAdmissionPolicyBindingSpec {
            policy_name: s("limit"),
            param_ref: Some(ar::ParamRef {
                name: s("prod-limits"),
                namespace: s("default"),
                selector: None,
                parameter_not_found_action: s("Deny"),
            }),
            match_resources: None,
            validation_actions: vec!["Deny".into()],
        }),
    };
    round_trip(
        k,
        wrap(k, &b),
        json!({"metadata": json_meta("", "limit-prod"), "spec": {"policyName": "limit",
            "paramRef": {"name": "prod-limits", "namespace": "default",
                "parameterNotFoundAction": "Deny"},
            "validationActions": ["Deny"]}}),
    );
    done.push(k);

    let k = Kind::ReplicationController;
    let rc = pb::api::core::v1::ReplicationController {
        metadata: meta("default", "nginx"),
        spec: Some(pb::api::core::v1::ReplicationControllerSpec {
            replicas: Some(3),
            min_ready_seconds: None,
            selector: BTreeMap::from([("app".to_string(), "nginx".to_string())]),
            template: None,
        }),
        status: None,
    };
    round_trip(
        k,
        wrap(k, &rc),
        json!({"metadata": json_meta("default", "nginx"),
            "spec": {"replicas": 3, "selector": {"app": "nginx"}}}),
    );
    done.push(k);

    done.sort();
    let mut all = Kind::ALL.to_vec();
    all.sort();
    assert_eq!(done, all, "every kind ork serves is covered");
}

#[test]
fn delete_options_and_evictions_decode() {
    let opts = meta::DeleteOptions {
        grace_period_seconds: Some(0),
        propagation_policy: s("Foreground"),
        preconditions: Some(meta::Preconditions {
            uid: s("u-1"),
            resource_version: None,
        }),
        dry_run: vec!["All".into()],
        ..Default::default()
    };
    let v = to_json(&envelope("meta.k8s.io/v1", "DeleteOptions", &opts)).unwrap();
    let got: DeleteOptions = serde_json::from_value(v.clone()).unwrap();
    let want: DeleteOptions = serde_json::from_value(json!({
        "apiVersion": "meta.k8s.io/v1", "kind": "DeleteOptions",
        "gracePeriodSeconds": 0, "propagationPolicy": "Foreground",
        "preconditions": {"uid": "u-1"}, "dryRun": ["All"]
    }))
    .unwrap();
    assert_eq!(got, want);

    let ev = pb::api::policy::v1::Eviction {
        metadata: meta("default", "web-1"),
        delete_options: Some(opts),
    };
    let v = to_json(&envelope("policy/v1", "Eviction", &ev)).unwrap();
    assert_eq!(v["kind"], "Eviction");
    assert_eq!(v["metadata"]["name"], "web-1");
    assert_eq!(v["deleteOptions"]["propagationPolicy"], "Foreground");
}

#[test]
fn a_field_ork_does_not_serve_is_refused_by_name() {
    let mut pod = core::Pod {
        metadata: meta("default", "p"),
        spec: pod_spec(),
        status: None,
    };
    if let Some(spec) = pod.spec.as_mut() {
        spec.host_pid = Some(true);
    }
    let v = to_json(&wrap(Kind::Pod, &pod)).unwrap();
    let err = AnyObject::from_value(Kind::Pod, v).unwrap_err().to_string();
    assert!(err.contains("hostPID"), "{err}");
}

#[test]
fn bad_bodies_say_what_is_wrong() {
    assert_eq!(to_json(b"{\"kind\":\"Pod\"}"), Err(ProtoError::NoMagic));
    assert!(matches!(
        to_json(b"k8s\0\xff\xff"),
        Err(ProtoError::Decode { .. })
    ));
    let e = to_json(&envelope("example.com/v1", "Widget", &core::Pod::default())).unwrap_err();
    assert!(e.to_string().contains("example.com/v1/Widget"), "{e}");
}

#[test]
fn times_and_durations_read_like_go() {
    let t = meta::MicroTime {
        seconds: Some(1_700_000_000),
        nanos: Some(1_500_000),
    };
    assert_eq!(t.json(), "2023-11-14T22:13:20.001500Z");
    let d = |ns: i64| meta::Duration { duration: Some(ns) }.json();
    assert_eq!(d(0), "0s");
    assert_eq!(d(1_500_000_000), "1.5s");
    assert_eq!(d(3_723_000_000_000), "1h2m3s");
    assert_eq!(d(120_000_000_000), "2m0s");
}

#[test]
fn autoscaling_v1_and_access_reviews_decode() {
    use pb::api::authorization::v1 as authz;
    use pb::api::autoscaling::v1 as as1;
    // What `kubectl autoscale deployment web --min=1 --max=3 --cpu-percent=50` sends.
    let hpa = as1::HorizontalPodAutoscaler {
        metadata: meta("default", "web"),
        spec: Some(as1::HorizontalPodAutoscalerSpec {
            scale_target_ref: Some(as1::CrossVersionObjectReference {
                kind: s("Deployment"),
                name: s("web"),
                api_version: s("apps/v1"),
            }),
            min_replicas: Some(1),
            max_replicas: Some(3),
            target_cpu_utilization_percentage: Some(50),
        }),
        status: Some(as1::HorizontalPodAutoscalerStatus {
            current_replicas: Some(0),
            desired_replicas: Some(0),
            ..Default::default()
        }),
    };
    let v = to_json(&envelope("autoscaling/v1", "HorizontalPodAutoscaler", &hpa)).unwrap();
    assert_eq!(v["apiVersion"], "autoscaling/v1");
    assert_eq!(v["spec"]["maxReplicas"], 3);
    assert_eq!(v["spec"]["minReplicas"], 1);
    assert_eq!(v["spec"]["targetCPUUtilizationPercentage"], 50);
    assert_eq!(v["spec"]["scaleTargetRef"]["kind"], "Deployment");

    // `kubectl auth can-i create pods`.
    let ssar = authz::SelfSubjectAccessReview {
        metadata: Some(meta::ObjectMeta::default()),
        spec: Some(authz::SelfSubjectAccessReviewSpec {
            resource_attributes: Some(authz::ResourceAttributes {
                namespace: s("default"),
                verb: s("create"),
                resource: s("pods"),
                group: s(""),
                ..Default::default()
            }),
            non_resource_attributes: None,
        }),
        status: Some(authz::SubjectAccessReviewStatus {
            allowed: Some(false),
            ..Default::default()
        }),
    };
    let v = to_json(&envelope(
        "authorization.k8s.io/v1",
        "SelfSubjectAccessReview",
        &ssar,
    ))
    .unwrap();
    assert_eq!(
        v["spec"]["resourceAttributes"],
        json!({"namespace": "default", "verb": "create", "resource": "pods"})
    );
    assert_eq!(v["status"], json!({}));

    let ssrr = authz::SelfSubjectRulesReview {
        metadata: None,
        spec: Some(authz::SelfSubjectRulesReviewSpec {
            namespace: s("default"),
        }),
        status: None,
    };
    let v = to_json(&envelope(
        "authorization.k8s.io/v1",
        "SelfSubjectRulesReview",
        &ssrr,
    ))
    .unwrap();
    assert_eq!(v["spec"]["namespace"], "default");
}
