"""Run inside an ork pod by tests/e2e/rbac.rs: the official Python client
configured with `load_incluster_config` (the service-account token, CA and
namespace under /var/run/secrets/kubernetes.io/serviceaccount and
KUBERNETES_SERVICE_HOST/PORT) lists the pods of its namespace, then tries
to list its Secrets. Prints one line for each, which the test reads from
the pod's log. Not collected by pytest (no `test_` prefix).
"""

from kubernetes import client, config
from kubernetes.client.rest import ApiException

config.load_incluster_config()
with open("/var/run/secrets/kubernetes.io/serviceaccount/namespace") as f:
    ns = f.read().strip()
core = client.CoreV1Api()
pods = core.list_namespaced_pod(ns)
print("PODS " + " ".join(sorted(p.metadata.name for p in pods.items)), flush=True)
try:
    core.list_namespaced_secret(ns)
    print("SECRETS allowed", flush=True)
except ApiException as e:
    print(f"SECRETS {e.status}", flush=True)
