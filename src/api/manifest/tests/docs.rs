//! Manifests copied from the Kubernetes documentation decode unchanged.

use super::*;

/// The ConfigMap of the Kubernetes documentation ("Configure a Pod to Use a
/// ConfigMap"), unchanged: string keys and a multi-line file.
#[test]
fn the_kubernetes_docs_configmap_decodes_and_a_bad_key_is_located() {
    let text = r#"apiVersion: v1
kind: ConfigMap
metadata:
  name: game-demo
data:
  # property-like keys; each key maps to a simple value
  player_initial_lives: "3"
  ui_properties_file_name: "user-interface.properties"

  # file-like keys
  game.properties: |
    enemy.types=aliens,monsters
    player.maximum-lives=5
  user-interface.properties: |
    color.good=purple
    color.bad=yellow
    allow.textmode=true
"#;
    let d = ok(text);
    let c = crate::api::ConfigMap::from_any(&d.documents[0].object).expect("a ConfigMap");
    assert_eq!(c.data["player_initial_lives"], "3");
    assert!(c.data["game.properties"].contains("player.maximum-lives=5\n"));
    let bad = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a/b: v\n";
    let e = errors(bad);
    assert!(
        e[0].contains("data[a/b]") && e[0].contains("letters, digits"),
        "{e:?}"
    );
}

/// Services of the Kubernetes documentation ("Service"), unchanged: a
/// numeric targetPort, a NodePort with a fixed nodePort, a named targetPort.
#[test]
fn the_kubernetes_docs_services_decode_and_unsupported_types_are_named() {
    let text = r#"apiVersion: v1
kind: Service
metadata:
  name: my-service
spec:
  selector:
    app.kubernetes.io/name: MyApp
  ports:
    - protocol: TCP
      port: 80
      targetPort: 9376
---
apiVersion: v1
kind: Service
metadata:
  name: my-nodeport
spec:
  type: NodePort
  selector:
    app.kubernetes.io/name: MyApp
  ports:
    - port: 80
      # By default and for convenience, the `targetPort` is set to
      # the same value as the `port` field.
      targetPort: 80
      # Optional field
      nodePort: 30007
---
apiVersion: v1
kind: Service
metadata:
  name: nginx-service
spec:
  selector:
    app.kubernetes.io/name: proxy
  ports:
  - name: name-of-service-port
    protocol: TCP
    port: 80
    targetPort: http-web-svc
"#;
    let d = ok(text);
    assert_eq!(d.documents.len(), 3);
    let np = crate::api::Service::from_any(&d.documents[1].object).expect("a Service");
    assert!(np.is_node_port());
    assert_eq!(np.spec.ports[0].node_port, Some(30007));
    let named = crate::api::Service::from_any(&d.documents[2].object).expect("a Service");
    assert_eq!(
        named.spec.ports[0].target_port,
        Some(crate::api::IntOrString::String("http-web-svc".into()))
    );
    let lb = "apiVersion: v1\nkind: Service\nmetadata:\n  name: x\nspec:\n  type: LoadBalancer\n  ports:\n  - port: 80\n";
    let d = ok(lb);
    let lb = crate::api::Service::from_any(&d.documents[0].object).expect("a Service");
    assert!(lb.is_load_balancer() && lb.is_node_port());
}

/// The CronJob and the two PodDisruptionBudgets of the Kubernetes
/// documentation (`tests/docs_examples/kubernetes`), unchanged.
#[test]
fn the_kubernetes_docs_cronjob_and_disruption_budgets_decode() {
    let cj = ok(include_str!(
        "../../../../tests/docs_examples/kubernetes/cronjob.yaml"
    ));
    let c = crate::api::cronjob::CronJob::from_any(&cj.documents[0].object).expect("a CronJob");
    assert_eq!(c.spec.schedule, "* * * * *");
    assert!(c.schedule().is_ok());
    for f in [
        include_str!(
            "../../../../tests/docs_examples/kubernetes/zookeeper-pod-disruption-budget-minavailable.yaml"
        ),
        include_str!(
            "../../../../tests/docs_examples/kubernetes/zookeeper-pod-disruption-budget-maxunavailable.yaml"
        ),
    ] {
        let d = ok(f);
        let p = crate::api::pdb::PodDisruptionBudget::from_any(&d.documents[0].object)
            .expect("a PodDisruptionBudget");
        assert_eq!(p.metadata.name, "zk-pdb");
    }
    // The removed batch/v1beta1 is named as not served.
    let old = include_str!("../../../../tests/docs_examples/kubernetes/cronjob.yaml")
        .replace("batch/v1", "batch/v1beta1");
    let e = errors(&old);
    assert!(e[0].contains("CronJob"), "{e:?}");
}
