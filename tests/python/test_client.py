"""The official Kubernetes Python client against an ork cluster.

Run by tests/e2e/kubectl_fields.rs with ORK_KUBECONFIG set to the cluster's
admin kubeconfig and ORK_NODE to the name of a node that runs pods. Every
answer is deserialized into the client's models (the default
`_preload_content`), so a required field ork leaves out fails here.
"""

import os
import time
import uuid

import pytest
from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

NS = "py-" + uuid.uuid4().hex[:6]


@pytest.fixture(scope="session", autouse=True)
def api_client():
    config.load_kube_config(config_file=os.environ["ORK_KUBECONFIG"])
    core = client.CoreV1Api()
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=NS)))
    yield
    core.delete_namespace(NS)


def wait_for(what, check, timeout=60):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}: {last!r}")


def sleeper(name, labels=None):
    return client.V1Pod(
        metadata=client.V1ObjectMeta(name=name, labels=labels or {"app": name}),
        spec=client.V1PodSpec(
            containers=[client.V1Container(name="main", image="busybox", command=["sleep", "3600"])],
            termination_grace_period_seconds=1,
        ),
    )


def test_nodes_deserialize_with_full_node_info():
    core = client.CoreV1Api()
    nodes = core.list_node()
    assert isinstance(nodes, client.V1NodeList)
    assert nodes.items, "the cluster has a node"
    node = core.read_node(os.environ["ORK_NODE"])
    info = node.status.node_info
    assert isinstance(info, client.V1NodeSystemInfo)
    for field in ("boot_id", "kernel_version", "os_image", "operating_system",
                  "architecture", "container_runtime_version", "kubelet_version",
                  "kube_proxy_version"):
        assert getattr(info, field), f"nodeInfo.{field} is empty"
    assert info.system_uuid is not None and info.machine_id is not None
    assert info.operating_system == "linux"


def test_pods_list_read_and_watch_as_models():
    core = client.CoreV1Api()
    core.create_namespaced_pod(NS, sleeper("watched"))

    def running():
        p = core.read_namespaced_pod("watched", NS)
        return p if p.status and p.status.phase == "Running" and p.status.container_statuses else None

    pod = wait_for("the pod to run", running)
    assert isinstance(pod, client.V1Pod)
    cs = pod.status.container_statuses[0]
    assert isinstance(cs.image_id, str) and isinstance(cs.container_id, str)
    assert cs.container_id, "a running container has an id"
    pods = core.list_namespaced_pod(NS)
    assert [p.metadata.name for p in pods.items] == ["watched"]
    assert isinstance(core.list_pod_for_all_namespaces().items[0], client.V1Pod)
    running_only = core.list_namespaced_pod(NS, field_selector="status.phase=Running")
    assert len(running_only.items) == 1

    w = watch.Watch()
    seen = []
    for ev in w.stream(core.list_namespaced_pod, NS, timeout_seconds=5):
        assert isinstance(ev["object"], client.V1Pod)
        seen.append((ev["type"], ev["object"].metadata.name))
        w.stop()
    assert seen == [("ADDED", "watched")]


def test_node_watch_streams_models():
    core = client.CoreV1Api()
    w = watch.Watch()
    for ev in w.stream(core.list_node, timeout_seconds=5):
        assert isinstance(ev["object"], client.V1Node)
        assert ev["object"].status.node_info.boot_id
        w.stop()


def test_lists_page_with_limit_and_continue():
    core = client.CoreV1Api()
    for i in range(5):
        core.create_namespaced_config_map(
            NS, client.V1ConfigMap(metadata=client.V1ObjectMeta(name=f"page-{i}"), data={"i": str(i)}))
    names, token, revisions = [], None, set()
    while True:
        page = core.list_namespaced_config_map(NS, limit=2, _continue=token, label_selector="")
        names += [c.metadata.name for c in page.items]
        revisions.add(page.metadata.resource_version)
        token = page.metadata._continue
        if not token:
            break
        # A write between pages does not show in later pages.
        core.create_namespaced_config_map(
            NS, client.V1ConfigMap(metadata=client.V1ObjectMeta(name=f"page-late-{len(names)}")))
    assert names == [f"page-{i}" for i in range(5)]
    assert len(revisions) == 1, revisions


def test_every_kind_creates_patches_and_deletes():
    core, apps = client.CoreV1Api(), client.AppsV1Api()
    v1hpa, v2hpa = client.AutoscalingV1Api(), client.AutoscalingV2Api()
    meta = lambda n: client.V1ObjectMeta(name=n, labels={"app": n})
    template = client.V1PodTemplateSpec(
        metadata=client.V1ObjectMeta(labels={"app": "web"}),
        spec=client.V1PodSpec(containers=[client.V1Container(name="web", image="busybox", command=["sleep", "3600"])]),
    )
    selector = client.V1LabelSelector(match_labels={"app": "web"})
    target = {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}
    patch = {"metadata": {"labels": {"patched": "yes"}}}
    cases = [
        ("Pod", core.create_namespaced_pod, core.patch_namespaced_pod, core.delete_namespaced_pod,
         sleeper("pod-x")),
        ("Deployment", apps.create_namespaced_deployment, apps.patch_namespaced_deployment,
         apps.delete_namespaced_deployment,
         client.V1Deployment(metadata=meta("web"), spec=client.V1DeploymentSpec(
             replicas=0, selector=selector, template=template))),
        ("ReplicaSet", apps.create_namespaced_replica_set, apps.patch_namespaced_replica_set,
         apps.delete_namespaced_replica_set,
         client.V1ReplicaSet(metadata=meta("rs"), spec=client.V1ReplicaSetSpec(
             replicas=0, selector=client.V1LabelSelector(match_labels={"app": "rs"}),
             template=client.V1PodTemplateSpec(
                 metadata=client.V1ObjectMeta(labels={"app": "rs"}), spec=template.spec)))),
        ("Service", core.create_namespaced_service, core.patch_namespaced_service,
         core.delete_namespaced_service,
         client.V1Service(metadata=meta("svc"), spec=client.V1ServiceSpec(
             selector={"app": "web"}, ports=[client.V1ServicePort(port=80, target_port=8080)]))),
        ("ConfigMap", core.create_namespaced_config_map, core.patch_namespaced_config_map,
         core.delete_namespaced_config_map, client.V1ConfigMap(metadata=meta("cm"), data={"a": "1"})),
        ("Secret", core.create_namespaced_secret, core.patch_namespaced_secret,
         core.delete_namespaced_secret, client.V1Secret(metadata=meta("sec"), string_data={"k": "v"})),
        ("PersistentVolumeClaim", core.create_namespaced_persistent_volume_claim,
         core.patch_namespaced_persistent_volume_claim, core.delete_namespaced_persistent_volume_claim,
         client.V1PersistentVolumeClaim(metadata=meta("pvc"), spec=client.V1PersistentVolumeClaimSpec(
             access_modes=["ReadWriteOnce"],
             resources=client.V1VolumeResourceRequirements(requests={"storage": "1Mi"})))),
        ("HorizontalPodAutoscaler v2", v2hpa.create_namespaced_horizontal_pod_autoscaler,
         v2hpa.patch_namespaced_horizontal_pod_autoscaler, v2hpa.delete_namespaced_horizontal_pod_autoscaler,
         client.V2HorizontalPodAutoscaler(metadata=meta("hpa2"), spec=client.V2HorizontalPodAutoscalerSpec(
             scale_target_ref=client.V2CrossVersionObjectReference(**target), max_replicas=3))),
        ("HorizontalPodAutoscaler v1", v1hpa.create_namespaced_horizontal_pod_autoscaler,
         v1hpa.patch_namespaced_horizontal_pod_autoscaler, v1hpa.delete_namespaced_horizontal_pod_autoscaler,
         client.V1HorizontalPodAutoscaler(metadata=meta("hpa1"), spec=client.V1HorizontalPodAutoscalerSpec(
             scale_target_ref=client.V1CrossVersionObjectReference(**target), max_replicas=3,
             target_cpu_utilization_percentage=50))),
        ("Event", core.create_namespaced_event, core.patch_namespaced_event, core.delete_namespaced_event,
         client.CoreV1Event(metadata=meta("ev"), reason="Tested", message="from python", type="Normal",
                            involved_object=client.V1ObjectReference(
                                kind="Pod", name="pod-x", namespace=NS, field_path="spec.containers{main}"))),
    ]
    for kind, create, patcher, delete, body in cases:
        made = create(NS, body)
        name = made.metadata.name
        assert made.metadata.uid, kind
        patched = patcher(name, NS, patch)
        assert patched.metadata.labels.get("patched") == "yes", kind
        delete(name, NS)
    got = v2hpa.read_namespaced_horizontal_pod_autoscaler
    with pytest.raises(ApiException) as e:
        got("hpa2", NS)
    assert e.value.status == 404


def test_hpa_v1_is_a_view_of_v2():
    v1hpa, v2hpa = client.AutoscalingV1Api(), client.AutoscalingV2Api()
    body = client.V1HorizontalPodAutoscaler(
        metadata=client.V1ObjectMeta(name="both"),
        spec=client.V1HorizontalPodAutoscalerSpec(
            scale_target_ref=client.V1CrossVersionObjectReference(api_version="apps/v1", kind="Deployment", name="web"),
            min_replicas=1, max_replicas=4, target_cpu_utilization_percentage=50))
    v1hpa.create_namespaced_horizontal_pod_autoscaler(NS, body)
    v2 = v2hpa.read_namespaced_horizontal_pod_autoscaler("both", NS)
    assert v2.spec.metrics[0].resource.name == "cpu"
    assert v2.spec.metrics[0].resource.target.average_utilization == 50
    v1 = v1hpa.list_namespaced_horizontal_pod_autoscaler(NS).items[0]
    assert isinstance(v1, client.V1HorizontalPodAutoscaler)
    assert v1.spec.target_cpu_utilization_percentage == 50
    v1hpa.delete_namespaced_horizontal_pod_autoscaler("both", NS)


def test_bad_watch_values_and_field_selectors_are_refused():
    core = client.CoreV1Api()
    with pytest.raises(ApiException) as e:
        core.list_namespaced_pod(NS, field_selector="spec.nope=1")
    assert e.value.status == 400 and "spec.nodeName" in e.value.body
    events = core.list_namespaced_event(NS, field_selector="involvedObject.kind=Pod,involvedObject.name=watched")
    assert isinstance(events, client.CoreV1EventList)
