//! `POST /apis/authorization.k8s.io/v1/selfsubjectrulesreviews`: what the
//! caller may do in a namespace (`kubectl auth can-i --list`). ork's
//! authorizer is a function, not a list of rules, so the rules are found by
//! asking it about every resource and verb ork serves; [`rules`] is that
//! pure sweep.
//!
//! This module must not import controllers or the scheduler.

use super::{ApiError, App, Body, Caller};
use crate::api::Kind;
use crate::control::authn::StoreFacts;
use crate::control::authz::{Attributes, Decision, Facts, Identity, authorize};
use axum::extract::{Extension, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};
use std::sync::Arc;

const VERBS: [&str; 8] = [
    "get",
    "list",
    "watch",
    "create",
    "update",
    "patch",
    "delete",
    "deletecollection",
];

/// Paths outside the resource API that clients read.
const NON_RESOURCE: [&str; 6] = ["/api", "/apis", "/healthz", "/livez", "/readyz", "/version"];

pub fn routes(r: super::Routes) -> super::Routes {
    r.route(
        "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews",
        post(rules_review),
    )
}

/// Every (group, resource) ork serves, subresources as `pods/log`.
fn resources() -> Vec<(String, String)> {
    let mut out = vec![];
    for k in Kind::ALL {
        let group = k
            .api_version()
            .split_once('/')
            .map_or("", |(g, _)| g)
            .to_string();
        let plural = k.plural().to_string();
        out.push((group.clone(), plural.clone()));
        out.push((group.clone(), format!("{plural}/status")));
        match k {
            Kind::Pod => {
                for sub in ["log", "exec", "eviction"] {
                    out.push((group.clone(), format!("pods/{sub}")));
                }
            }
            Kind::Deployment
            | Kind::ReplicaSet
            | Kind::StatefulSet
            | Kind::ReplicationController => {
                out.push((group.clone(), format!("{plural}/scale")));
            }
            _ => {}
        }
    }
    out
}

/// The resource and non-resource rules `id` has in namespace `ns`, as
/// Kubernetes writes them: one rule per resource with the verbs allowed.
pub fn rules(id: &Identity, ns: &str, facts: &dyn Facts) -> (Vec<Value>, Vec<Value>) {
    let mut resource_rules = vec![];
    for (group, res) in resources() {
        let (resource, subresource) = res.split_once('/').unwrap_or((&res, ""));
        let verbs: Vec<&str> = VERBS
            .into_iter()
            .filter(|verb| {
                let a = Attributes {
                    verb: (*verb).to_string(),
                    resource_request: true,
                    group: group.clone(),
                    resource: resource.to_string(),
                    subresource: subresource.to_string(),
                    namespace: ns.to_string(),
                    ..Default::default()
                };
                matches!(authorize(id, &a, facts), Decision::Allow)
            })
            .collect();
        if !verbs.is_empty() {
            resource_rules.push(json!({"verbs": verbs, "apiGroups": [group], "resources": [res]}));
        }
    }
    let paths: Vec<&str> = NON_RESOURCE
        .into_iter()
        .filter(|p| {
            let a = Attributes {
                verb: "get".into(),
                path: (*p).to_string(),
                ..Default::default()
            };
            matches!(authorize(id, &a, facts), Decision::Allow)
        })
        .collect();
    let non_resource = if paths.is_empty() {
        vec![]
    } else {
        vec![json!({"verbs": ["get"], "nonResourceURLs": paths})]
    };
    (resource_rules, non_resource)
}

async fn rules_review(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Body(body): Body,
) -> Result<Response, ApiError> {
    let mut review: Value = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(format!("SelfSubjectRulesReview body: {e}")))?;
    let ns = review["spec"]["namespace"]
        .as_str()
        .filter(|s| !s.is_empty())
        .unwrap_or(crate::api::DEFAULT_NAMESPACE)
        .to_string();
    let (resource_rules, non_resource_rules) =
        rules(&caller.identity, &ns, &StoreFacts(&app.store));
    review["apiVersion"] = json!("authorization.k8s.io/v1");
    review["kind"] = json!("SelfSubjectRulesReview");
    review["status"] = json!({
        "resourceRules": resource_rules,
        "nonResourceRules": non_resource_rules,
        "incomplete": false,
    });
    Ok((StatusCode::CREATED, axum::Json(review)).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::control::authz::Role;

    struct NoPods;

    impl Facts for NoPods {
        fn pod_node(&self, _: &str, _: &str) -> Option<String> {
            None
        }
        fn node_uses(&self, _: &str, _: &str, _: &str, _: &str) -> bool {
            false
        }
        fn event_about(&self, _: &str, _: &str) -> Option<(String, String, String)> {
            None
        }
    }

    fn verbs_on(rules: &[Value], resource: &str) -> Vec<String> {
        rules
            .iter()
            .find(|r| r["resources"][0] == resource)
            .map(|r| serde_json::from_value(r["verbs"].clone()).unwrap())
            .unwrap_or_default()
    }

    #[test]
    fn the_view_role_reads_and_the_edit_role_writes() {
        let view = Identity::User {
            name: "v".into(),
            role: Role::View,
        };
        let (found, non_resource) = rules(&view, "default", &NoPods);
        assert_eq!(verbs_on(&found, "pods"), ["get", "list", "watch"]);
        assert!(verbs_on(&found, "secrets").is_empty());
        assert!(!verbs_on(&found, "pods/eviction").contains(&"create".to_string()));
        assert!(
            non_resource[0]["nonResourceURLs"]
                .as_array()
                .unwrap()
                .contains(&json!("/version"))
        );
        let edit = Identity::User {
            name: "e".into(),
            role: Role::Edit,
        };
        let (found, _) = rules(&edit, "default", &NoPods);
        assert!(verbs_on(&found, "pods/eviction").contains(&"create".to_string()));
        assert_eq!(verbs_on(&found, "deployments").len(), VERBS.len());
    }
}
