//! `POST /api/v1/namespaces/{ns}/pods/{name}/binding` and
//! `POST /api/v1/namespaces/{ns}/bindings`: a v1 `Binding`, how a
//! scheduler of its own (a pod's `schedulerName` other than
//! `default-scheduler`, which ork's scheduler leaves alone) places a pod,
//! as Kubernetes' scheduler and the client libraries' examples do. The pod
//! gets the target node and `PodScheduled=True` in one write; a pod that
//! has a node already, or is being deleted, is a 409 in Kubernetes' words,
//! and nothing changes. Success is answered as Kubernetes answers it (201
//! and a `Success` Status).
//!
//! This module must not import controllers or the scheduler.

use super::resources::{Write, not_found};
use super::{ApiError, App, created};
use crate::api::{Condition, Kind, Pod, set_condition};
use crate::control::store::StoreError;
use axum::extract::State;
use axum::response::Response;
use axum::routing::post;
use serde::Deserialize;
use std::sync::Arc;

/// The Binding body: which pod goes to which node.
#[derive(Deserialize, Debug, Default)]
#[serde(rename_all = "camelCase")]
struct Binding {
    #[serde(default)]
    api_version: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    metadata: BindingMeta,
    #[serde(default)]
    target: Target,
}

#[derive(Deserialize, Debug, Default)]
struct BindingMeta {
    #[serde(default)]
    name: String,
    #[serde(default)]
    namespace: String,
}

#[derive(Deserialize, Debug, Default)]
struct Target {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
}

pub fn routes(r: super::Routes) -> super::Routes {
    r.route("/api/v1/namespaces/{ns}/pods/{name}/binding", post(bind))
        .route("/api/v1/namespaces/{ns}/bindings", post(bind))
}

/// Checks the Binding against the URL (`name`: the pod the URL names, if
/// it names one); the pod's name, or a 400 that says what is wrong.
fn check(b: &Binding, ns: &str, name: Option<&str>) -> Result<String, ApiError> {
    let bad = |m: String| Err(ApiError::bad_request(m));
    if !b.kind.is_empty() && b.kind != "Binding" {
        return bad(format!(
            "the body is a {} but a binding takes a v1 Binding",
            b.kind
        ));
    }
    if !b.api_version.is_empty() && b.api_version != "v1" {
        return bad(format!(
            "apiVersion {:?} is not served for Binding; use v1",
            b.api_version
        ));
    }
    if !b.metadata.namespace.is_empty() && b.metadata.namespace != ns {
        return bad(format!(
            "namespace in URL does not match namespace in Binding object ({:?} is not {ns:?})",
            b.metadata.namespace
        ));
    }
    let pod = match (name, b.metadata.name.as_str()) {
        (Some(url), given) if !given.is_empty() && given != url => {
            return bad(format!(
                "name in URL does not match name in Binding object ({given:?} is not {url:?})"
            ));
        }
        (Some(url), _) => url.to_string(),
        (None, "") => return bad("metadata.name: Required value: the pod to bind".into()),
        (None, given) => given.to_string(),
    };
    if !matches!(b.target.kind.as_str(), "" | "Node") {
        return bad(format!(
            "target.kind: Unsupported value: {:?}: supported values: \"Node\"",
            b.target.kind
        ));
    }
    if b.target.name.is_empty() {
        return bad("target.name: Required value: the node to bind the pod to".into());
    }
    Ok(pod)
}

async fn bind(State(app): State<Arc<App>>, w: Write) -> Result<Response, ApiError> {
    let ns = w.path.get("ns").cloned().unwrap_or_default();
    let b: Binding = serde_json::from_slice(&w.body)
        .map_err(|e| ApiError::bad_request(format!("Binding body: {e}")))?;
    let name = check(&b, &ns, w.path.get("name").map(String::as_str))?;
    if app.store.get_entry(Kind::Pod, &ns, &name).is_none() {
        return Err(not_found(Kind::Pod, &ns, &name));
    }
    let node = b.target.name;
    let r = app
        .store
        .txn(move |tx| {
            tx.mutate_with::<Pod, _, _>(
                &ns,
                &name,
                |p| {
                    let conflict = |message: String| StoreError::Conflict {
                        kind: Kind::Pod,
                        name: name.clone(),
                        message,
                    };
                    if p.metadata.is_terminating() {
                        return Err(conflict(format!(
                            "pod {name} is being deleted, cannot be assigned to a host"
                        )));
                    }
                    if !p.spec.node_name.is_empty() {
                        return Err(conflict(format!(
                            "pod {name} is already assigned to node {:?}",
                            p.spec.node_name
                        )));
                    }
                    p.spec.node_name = node;
                    p.status.nominated_node_name.clear();
                    let scheduled = Condition::new("PodScheduled", true, "", "");
                    set_condition(&mut p.status.conditions, scheduled);
                    Ok(true)
                },
                |tx, p| tx.update_with_status(p),
            )
            .map(|_| ())
        })
        .await;
    r?;
    Ok(created())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn binding(v: serde_json::Value) -> Binding {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn a_binding_names_its_pod_and_a_node() {
        let b = binding(serde_json::json!({
            "apiVersion": "v1", "kind": "Binding",
            "metadata": {"name": "web"}, "target": {"kind": "Node", "name": "n1"}
        }));
        assert_eq!(check(&b, "default", Some("web")).unwrap(), "web");
        assert_eq!(check(&b, "default", None).unwrap(), "web");
        let message =
            |b: &Binding, url: Option<&str>| check(b, "default", url).unwrap_err().0.message;
        assert!(message(&b, Some("api")).starts_with("name in URL does not match"));
        let nameless = binding(serde_json::json!({"target": {"name": "n1"}}));
        assert_eq!(check(&nameless, "default", Some("web")).unwrap(), "web");
        assert!(message(&nameless, None).starts_with("metadata.name: Required value"));
        let no_node = binding(serde_json::json!({"metadata": {"name": "web"}}));
        assert!(message(&no_node, None).starts_with("target.name: Required value"));
        let pod = binding(serde_json::json!({
            "metadata": {"name": "web"}, "target": {"kind": "Pod", "name": "x"}
        }));
        assert!(message(&pod, None).starts_with("target.kind: Unsupported value"));
        let elsewhere = binding(serde_json::json!({
            "metadata": {"name": "web", "namespace": "shop"}, "target": {"name": "n1"}
        }));
        assert!(message(&elsewhere, None).starts_with("namespace in URL does not match"));
    }
}
