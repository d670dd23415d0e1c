//! ValidatingAdmissionPolicies: the Kubernetes documentation's own policy
//! and binding refuse, through kubectl, a Deployment of more than five
//! replicas in the namespaces the binding selects and nowhere else, with
//! Kubernetes' message, and with `Warn` let it through with Kubernetes'
//! warning; parameters from a ConfigMap, `messageExpression`,
//! `variables`, `reason`, `failurePolicy`, `matchConditions` and DELETE
//! rules behave as in Kubernetes; a policy whose expression does not
//! compile is refused naming the field; a pod a controller creates is
//! held to the policies as a client's is.

use crate::harness::{Cluster, wait_for};
use crate::kubectl::require_kubectl;
use std::process::Output;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

/// The documentation's `basic-example-policy.yaml` and
/// `basic-example-binding.yaml`, unchanged.
const DOCS_POLICY: &str = r#"apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: "demo-policy.example.com"
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
    - apiGroups:   ["apps"]
      apiVersions: ["v1"]
      operations:  ["CREATE", "UPDATE"]
      resources:   ["deployments"]
  validations:
    - expression: "object.spec.replicas <= 5"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: "demo-binding-test.example.com"
spec:
  policyName: "demo-policy.example.com"
  validationActions: [Deny]
  matchResources:
    namespaceSelector:
      matchLabels:
        environment: test
"#;

fn deployment(ns: &str, replicas: u32) -> String {
    format!(
        "apiVersion: apps/v1
kind: Deployment
metadata: {{name: web, namespace: {ns}}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - {{name: c, image: busybox, command: [sleep, '3600']}}
"
    )
}

fn write(c: &Cluster, name: &str, text: &str) -> String {
    let f = c.data().join(name);
    std::fs::write(&f, text).unwrap();
    f.to_str().unwrap().to_string()
}

fn stderr(o: &Output) -> String {
    assert!(
        !o.status.success(),
        "expected a refusal: {}",
        String::from_utf8_lossy(&o.stdout)
    );
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn the_documentations_policy_refuses_or_warns_through_kubectl_where_its_binding_applies() {
    let Some(kubectl) = require_kubectl() else {
        return;
    };
    let c = Cluster::start(1, "process");
    let policy = write(&c, "policy.yaml", DOCS_POLICY);
    c.kubectl_ok(&kubectl, &["apply", "-f", &policy]);
    c.kubectl_ok(&kubectl, &["create", "namespace", "test"]);
    c.kubectl_ok(
        &kubectl,
        &["label", "namespace", "test", "environment=test"],
    );
    let listed = c.kubectl_ok(&kubectl, &["get", "validatingadmissionpolicies"]);
    assert!(
        listed.contains("NAME") && listed.contains("VALIDATIONS") && listed.contains("<unset>"),
        "{listed}"
    );

    let six = write(&c, "six.yaml", &deployment("test", 6));
    let out = c.kubectl_with(&kubectl, &["apply", "-f", &six]);
    let err = stderr(&out);
    assert!(
        err.contains(
            "ValidatingAdmissionPolicy 'demo-policy.example.com' with binding \
             'demo-binding-test.example.com' denied request: failed expression: \
             object.spec.replicas <= 5"
        ),
        "{err}"
    );
    assert!(
        c.json(&["get", "deployment", "web", "-n", "test"])
            .is_none()
    );

    // Where the binding does not apply, the same Deployment is admitted.
    let six_default = write(&c, "six-default.yaml", &deployment("default", 6));
    c.kubectl_ok(&kubectl, &["apply", "-f", &six_default]);

    // An update is checked too, and a refused one changes nothing.
    let three = write(&c, "three.yaml", &deployment("test", 3));
    c.kubectl_ok(&kubectl, &["apply", "-f", &three]);
    let err = stderr(&c.kubectl_with(&kubectl, &["apply", "-f", &six]));
    assert!(err.contains("denied request"), "{err}");
    let d = c.json(&["get", "deployment", "web", "-n", "test"]).unwrap();
    assert_eq!(d["spec"]["replicas"], 3);

    // With `Warn`, the write goes through and the client is told why,
    // kubectl and ork alike.
    let warn = write(
        &c,
        "warn.yaml",
        &DOCS_POLICY.replace("validationActions: [Deny]", "validationActions: [Warn]"),
    );
    c.kubectl_ok(&kubectl, &["apply", "-f", &warn]);
    let seven = write(&c, "seven.yaml", &deployment("test", 7));
    let out = c.kubectl_with(&kubectl, &["apply", "-f", &seven]);
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{said}");
    let warning = "Warning: Validation failed for ValidatingAdmissionPolicy \
        'demo-policy.example.com' with binding 'demo-binding-test.example.com': \
        failed expression: object.spec.replicas <= 5";
    assert!(said.contains(warning), "{said}");
    let out = c.ork(&["apply", "-f", &six]);
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && said.contains(warning), "{said}");
    let d = c.json(&["get", "deployment", "web", "-n", "test"]).unwrap();
    assert_eq!(d["spec"]["replicas"], 6);

    // Without the binding, nothing is refused or warned about.
    c.kubectl_ok(
        &kubectl,
        &[
            "delete",
            "validatingadmissionpolicybinding",
            "demo-binding-test.example.com",
        ],
    );
    let out = c.kubectl_with(&kubectl, &["apply", "-f", &seven]);
    assert!(out.status.success() && out.stderr.is_empty(), "{out:?}");
}

#[test]
fn params_messages_failure_policy_conditions_deletes_and_controller_pods() {
    let c = Cluster::start(1, "process");
    // Parameters from a ConfigMap; the message from an expression; a 403.
    c.apply(
        r#"apiVersion: v1
kind: ConfigMap
metadata: {name: limits, namespace: default}
data: {maxReplicas: "2"}
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: replica-limit}
spec:
  paramKind: {apiVersion: v1, kind: ConfigMap}
  matchConstraints:
    resourceRules:
    - {apiGroups: [apps], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [deployments]}
  matchConditions:
  - name: not-exempt
    expression: "!has(object.metadata.labels) || !('exempt' in object.metadata.labels)"
  variables:
  - {name: max, expression: "int(params.data.maxReplicas)"}
  validations:
  - expression: "object.spec.replicas <= variables.max"
    messageExpression: "'at most ' + string(variables.max) + ' replicas, not ' + string(object.spec.replicas)"
    reason: Forbidden
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: replica-limit-default}
spec:
  policyName: replica-limit
  paramRef: {name: limits, namespace: default, parameterNotFoundAction: Deny}
  validationActions: [Deny]
"#,
    );
    let three = write(&c, "three.yaml", &deployment("default", 3));
    let err = stderr(&c.ork(&["apply", "-f", &three]));
    assert!(
        err.contains(
            "ValidatingAdmissionPolicy 'replica-limit' with binding 'replica-limit-default' \
             denied request: at most 2 replicas, not 3"
        ),
        "{err}"
    );
    // kubectl shows the reason the validation names.
    if let Some(kubectl) = require_kubectl() {
        let err = stderr(&c.kubectl_with(&kubectl, &["apply", "-f", &three]));
        assert!(
            err.contains("Error from server (Forbidden)") && err.contains("at most 2 replicas"),
            "{err}"
        );
    }
    // A matchCondition that is false leaves the write alone.
    let exempt = deployment("default", 3).replace(
        "metadata: {name: web, namespace: default}",
        "metadata: {name: web, namespace: default, labels: {exempt: 'yes'}}",
    );
    c.apply(&exempt);
    c.ok(&["delete", "deployment", "web"]);

    // No parameter and parameterNotFoundAction Deny: refused.
    c.ok(&["delete", "configmap", "limits"]);
    let err = stderr(&c.ork(&["apply", "-f", &three]));
    assert!(
        err.contains("no params found for policy binding with `Deny` parameterNotFoundAction"),
        "{err}"
    );

    // A paramKind ork does not serve fails the binding: refused under
    // failurePolicy Fail, admitted under Ignore.
    let custom = r#"apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: replica-limit}
spec:
  failurePolicy: FAILURE
  paramKind: {apiVersion: rules.example.com/v1, kind: ReplicaLimit}
  matchConstraints:
    resourceRules:
    - {apiGroups: [apps], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [deployments]}
  validations:
  - expression: "object.spec.replicas <= params.maxReplicas"
"#;
    c.apply(&custom.replace("FAILURE", "Fail"));
    let err = stderr(&c.ork(&["apply", "-f", &three]));
    assert!(
        err.contains("paramKind: 'rules.example.com/v1, Kind=ReplicaLimit'"),
        "{err}"
    );
    c.apply(&custom.replace("FAILURE", "Ignore"));
    c.ok(&["apply", "-f", &three]);

    // An expression that does not compile is refused, naming the field.
    let bad = write(
        &c,
        "bad.yaml",
        &custom.replace("FAILURE", "Fail").replace(
            "object.spec.replicas <= params.maxReplicas",
            "object.metadata.name.startWith('demo')",
        ),
    );
    let err = stderr(&c.ork(&["apply", "-f", &bad]));
    assert!(
        err.contains("spec.validations[0].expression")
            && err.contains("undeclared reference to 'startWith'"),
        "{err}"
    );

    // DELETE rules see the object as oldObject.
    c.apply(
        r#"apiVersion: v1
kind: ConfigMap
metadata: {name: keep, namespace: default}
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: keep-keep}
spec:
  matchConstraints:
    resourceRules:
    - {apiGroups: [""], apiVersions: [v1], operations: [DELETE], resources: [configmaps]}
  validations:
  - {expression: "oldObject.metadata.name != 'keep' && object == null", message: "keep stays"}
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: keep-keep}
spec: {policyName: keep-keep, validationActions: [Deny]}
"#,
    );
    let err = stderr(&c.ork(&["delete", "configmap", "keep"]));
    assert!(err.contains("keep stays"), "{err}");
    assert!(c.json(&["get", "configmap", "keep"]).is_some());

    // `request` says who asks and whether it is a dry run.
    c.apply(
        r#"apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: request-facts}
spec:
  matchConstraints:
    resourceRules:
    - {apiGroups: [""], apiVersions: [v1], operations: [CREATE], resources: [configmaps]}
  validations:
  - expression: "!request.dryRun"
    messageExpression: "'dry run by ' + request.userInfo.username + ' of ' + request.name + ' in ' + request.namespace"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: request-facts}
spec: {policyName: request-facts, validationActions: [Deny]}
"#,
    );
    let cm = write(
        &c,
        "cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: probe, namespace: default}\n",
    );
    let err = stderr(&c.ork(&["apply", "--dry-run=server", "-f", &cm]));
    assert!(
        err.contains("dry run by admin of probe in default"),
        "{err}"
    );
    c.ok(&["apply", "-f", &cm]);

    // Pods a controller creates are held to the policies too.
    c.apply(
        r#"apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: no-forbidden-images}
spec:
  matchConstraints:
    resourceRules:
    - {apiGroups: [""], apiVersions: [v1], operations: [CREATE], resources: [pods]}
  validations:
  - expression: "object.spec.containers.all(c, !c.image.startsWith('forbidden'))"
    message: "forbidden images are not allowed"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: no-forbidden-images}
spec: {policyName: no-forbidden-images, validationActions: [Deny]}
"#,
    );
    c.apply(
        &deployment("default", 1)
            .replace("name: web,", "name: bad,")
            .replace("app: web", "app: bad")
            .replace("image: busybox", "image: forbidden/busybox"),
    );
    let msg = wait_for("a FailedCreate event naming the policy", WAIT, || {
        let evs = c.json(&["get", "events"])?;
        evs["items"]
            .as_array()?
            .iter()
            .filter(|e| e["reason"] == "FailedCreate")
            .filter_map(|e| e["message"].as_str())
            .find(|m| m.contains("forbidden images are not allowed"))
            .map(str::to_string)
    });
    assert!(msg.contains("no-forbidden-images"), "{msg}");
    assert!(c.pods("app=bad").is_empty());
}
