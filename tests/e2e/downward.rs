//! The downward API in env on the process runtime: fieldRef and resourceFieldRef.

use crate::harness::{Cluster, marker, wait_for};
use std::time::Duration;

#[test]
fn env_gets_pod_fields_and_resource_values() {
    let c = Cluster::start(1, "process");
    let m = marker();
    c.apply(&format!(
        r#"apiVersion: v1
kind: Pod
metadata:
  name: downward
  labels: {{app: downward}}
spec:
  containers:
  - name: app
    image: busybox
    command: ["sh", "-c", "echo $CPU_M $MEM_MI $REQ_CPU $NODE $LABEL $NS; exec sleep {m}"]
    resources:
      requests: {{cpu: 100m, memory: 32Mi}}
      limits: {{cpu: 250m, memory: 64Mi}}
    env:
    - name: CPU_M
      valueFrom: {{resourceFieldRef: {{resource: limits.cpu, divisor: 1m}}}}
    - name: MEM_MI
      valueFrom: {{resourceFieldRef: {{containerName: app, resource: limits.memory, divisor: 1Mi}}}}
    - name: REQ_CPU
      valueFrom: {{resourceFieldRef: {{resource: requests.cpu}}}}
    - name: NODE
      valueFrom: {{fieldRef: {{fieldPath: spec.nodeName}}}}
    - name: LABEL
      valueFrom: {{fieldRef: {{fieldPath: "metadata.labels['app']"}}}}
    - name: NS
      valueFrom: {{fieldRef: {{fieldPath: metadata.namespace}}}}
"#
    ));
    c.wait_running("app=downward", 1);
    let logs = wait_for("the app's output", Duration::from_secs(20), || {
        let l = c.ok(&["logs", "downward"]);
        (!l.trim().is_empty()).then_some(l)
    });
    assert_eq!(logs.trim(), "250 64 1 n1 downward default");
}
