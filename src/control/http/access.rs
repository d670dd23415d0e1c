//! Access to the API: [`authenticate`] runs before every handler (but
//! `/healthz`): it finds the caller ([`crate::control::authn`]), asks the
//! policy ([`crate::control::authz`]), puts the [`Caller`] on the request for
//! the handlers (admission checks what nodes write; lists of what nodes may
//! see only in part are cut down), and writes the audit line.
//!
//! Routes about access itself live here too: a node's join (its first
//! certificate, for a join token) and its certificate renewal, and the two
//! questions every caller may ask, Kubernetes' SelfSubjectAccessReview
//! (`kubectl auth can-i`) and SelfSubjectReview (`kubectl auth whoami`).

use super::{ApiError, App, Body};
use crate::api::wire::{self, CertificateRequest, IssuedCertificate, UserCertificateRequest};
use crate::control::audit::Record;
use crate::control::authn::StoreFacts;
use crate::control::authz::{Attributes, Decision, Identity, Role, authorize};
use crate::control::fairness::{Class, long_running};
use crate::control::pki::Profile;
use crate::serve::Peer;
use axum::extract::{Extension, Path, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};
use std::net::IpAddr;
use std::sync::Arc;

/// Who is calling, as the handlers see it.
#[derive(Clone, Debug)]
pub struct Caller {
    pub identity: Identity,
    /// A node allowed to list ConfigMaps, Secrets or claims sees only
    /// those its pods use.
    pub used_by: Option<String>,
}

pub fn routes(r: super::Routes) -> super::Routes {
    r.route(wire::JOIN_PATH, post(join))
        .route(wire::USER_CERTIFICATE_PATH, post(user_certificate))
        .route("/api/v1/nodes/{name}/certificate", post(renew))
        .route(
            "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
            post(access_review),
        )
        .route(
            "/apis/authentication.k8s.io/v1/selfsubjectreviews",
            post(who_am_i),
        )
}

fn bearer(req: &Request) -> Option<&str> {
    req.headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
}

/// Identifies, authorizes and audits every request (see the module doc).
pub async fn authenticate(State(app): State<Arc<App>>, mut req: Request, next: Next) -> Response {
    let peer = req.extensions().get::<Peer>().cloned();
    let attrs = Attributes::from_request(
        req.method().as_str(),
        req.uri().path(),
        req.uri().query().unwrap_or(""),
    );
    let identity = app
        .authn
        .identify(peer.as_ref().and_then(|p| p.cert.as_ref()), bearer(&req));
    let (resp, who) = match identity {
        Err(why) => (
            ApiError::new(StatusCode::UNAUTHORIZED, "Unauthorized", why).into_response(),
            None,
        ),
        Ok(id) => match authorize(&id, &attrs, &StoreFacts(&app.store)) {
            Decision::Deny(why) => (
                ApiError::new(StatusCode::FORBIDDEN, "Forbidden", why).into_response(),
                Some(id),
            ),
            d => {
                let used_by = match d {
                    Decision::AllowUsedBy(n) => Some(n),
                    _ => None,
                };
                let heartbeat = attrs.resource == "nodes" && attrs.subresource == "heartbeat";
                let class = Class::of(&id, heartbeat);
                let seat = if long_running(
                    req.uri().query().unwrap_or(""),
                    req.headers().contains_key(header::UPGRADE),
                ) {
                    Ok(None)
                } else {
                    app.fairness.seat(class).await.map(Some).ok_or(class)
                };
                req.extensions_mut().insert(Caller {
                    identity: id.clone(),
                    used_by,
                });
                match seat {
                    Ok(seat) => {
                        let resp = next.run(req).await;
                        drop(seat);
                        (resp, Some(id))
                    }
                    Err(class) => (busy(class), Some(id)),
                }
            }
        },
    };
    if app.audit.enabled() {
        let mut resource = attrs.resource.clone();
        if !attrs.subresource.is_empty() {
            resource = format!("{resource}/{}", attrs.subresource);
        }
        if !attrs.group.is_empty() && !resource.is_empty() {
            resource = format!("{resource}.{}", attrs.group);
        }
        app.audit.record(Record {
            time: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            user: who
                .as_ref()
                .map(Identity::username)
                .unwrap_or_else(|| "system:anonymous".into()),
            groups: who.as_ref().map(Identity::groups).unwrap_or_default(),
            source_ip: peer.map(|p| p.addr.ip().to_string()).unwrap_or_default(),
            verb: attrs.verb,
            resource,
            namespace: attrs.namespace,
            name: attrs.name,
            path: attrs.path,
            code: resp.status().as_u16(),
            dropped_before: None,
        });
    }
    resp
}

/// 429 with `Retry-After`: the caller's class has no seat free.
fn busy(class: Class) -> Response {
    let mut r = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "TooManyRequests",
        format!(
            "the API is serving as many {} requests as it takes at once; retry in a second",
            class.as_str()
        ),
    )
    .into_response();
    r.headers_mut().insert(
        header::RETRY_AFTER,
        axum::http::HeaderValue::from_static("1"),
    );
    r
}

fn decode<T: serde::de::DeserializeOwned>(body: &[u8], what: &str) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| ApiError::bad_request(format!("{what} body: {e}")))
}

/// A certificate for node `name`'s key (the CSR), naming its addresses.
fn issue(app: &App, name: &str, req: &CertificateRequest) -> Result<IssuedCertificate, ApiError> {
    if let Some(m) = crate::api::validation::dns1123_subdomain_error(name) {
        return Err(ApiError::bad_request(format!("nodeName: {m}")));
    }
    let ips = req
        .addresses
        .iter()
        .map(|a| {
            a.parse::<IpAddr>().map_err(|_| {
                ApiError::bad_request(format!("addresses: {a:?} is not an IP address"))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let certificate = app
        .ca
        .sign_csr(&req.csr, &Profile::node(name, &ips))
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    Ok(IssuedCertificate {
        certificate,
        certificate_authority: app.ca.pem().to_string(),
    })
}

/// `POST /apis/ork.dev/v1/join`, with a join token: a node's first
/// certificate. A name whose Node is Ready belongs to a running node: a
/// second machine may not take it (and with it its pods and what they use).
async fn join(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Body(body): Body,
) -> Result<Response, ApiError> {
    let req: CertificateRequest = decode(&body, "join")?;
    if app
        .store
        .get::<crate::api::Node>("", &req.node_name)
        .is_some_and(|n| n.is_ready())
    {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "AlreadyExists",
            format!(
                "node {:?} is registered and Ready: a machine may not join under a running node's name (pick another --name, or delete the Node if that machine is gone)",
                req.node_name
            ),
        ));
    }
    let issued = issue(&app, &req.node_name, &req)?;
    tracing::info!(node = %req.node_name, by = %caller.identity, "node joined");
    Ok(axum::Json(issued).into_response())
}

/// `POST /api/v1/nodes/{name}/certificate`, with the node's current
/// certificate: a new one for a new key.
async fn renew(
    State(app): State<Arc<App>>,
    Path(name): Path<String>,
    Body(body): Body,
) -> Result<Response, ApiError> {
    let req: CertificateRequest = decode(&body, "certificate request")?;
    if req.node_name != name {
        return Err(ApiError::bad_request(format!(
            "nodeName {:?} is not the node of the URL ({name})",
            req.node_name
        )));
    }
    Ok(axum::Json(issue(&app, &name, &req)?).into_response())
}

/// `POST /apis/ork.dev/v1/usercertificates` (admins only, as everything
/// under ork.dev but apply): a user's certificate in their role's group.
async fn user_certificate(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Body(body): Body,
) -> Result<Response, ApiError> {
    let req: UserCertificateRequest = decode(&body, "user certificate request")?;
    let role = Role::parse(&req.role).ok_or_else(|| {
        ApiError::bad_request(format!("role {:?}: use admin, edit or view", req.role))
    })?;
    let reserved = req.name.starts_with("system:") || req.name.starts_with("token:");
    if req.name.trim().is_empty() || reserved || req.name.len() > 253 {
        return Err(ApiError::bad_request(format!(
            "user name {:?}: give a name of at most 253 characters, not starting with system: or token:",
            req.name
        )));
    }
    let certificate = app
        .ca
        .sign_csr(&req.csr, &Profile::user(&req.name, &role.group()))
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    tracing::info!(user = %req.name, %role, by = %caller.identity, "user certificate issued");
    Ok(axum::Json(IssuedCertificate {
        certificate,
        certificate_authority: app.ca.pem().to_string(),
    })
    .into_response())
}

/// `POST .../selfsubjectaccessreviews`: may the caller do what the spec says?
async fn access_review(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Body(body): Body,
) -> Result<Response, ApiError> {
    let mut review: Value = decode(&body, "SelfSubjectAccessReview")?;
    let spec = &review["spec"];
    let text = |v: &Value, k: &str| v[k].as_str().unwrap_or("").to_string();
    let attrs = if let Some(r) = spec.get("resourceAttributes").filter(|r| r.is_object()) {
        Attributes {
            verb: text(r, "verb"),
            resource_request: true,
            group: text(r, "group"),
            resource: text(r, "resource"),
            subresource: text(r, "subresource"),
            namespace: text(r, "namespace"),
            name: text(r, "name"),
            field_selector: String::new(),
            path: String::new(),
        }
    } else if let Some(n) = spec.get("nonResourceAttributes").filter(|n| n.is_object()) {
        Attributes {
            verb: text(n, "verb"),
            path: text(n, "path"),
            ..Default::default()
        }
    } else {
        return Err(ApiError::bad_request(
            "spec needs resourceAttributes or nonResourceAttributes",
        ));
    };
    let decision = authorize(&caller.identity, &attrs, &StoreFacts(&app.store));
    let (allowed, reason) = match decision {
        Decision::Deny(why) => (false, why),
        Decision::AllowUsedBy(_) => (true, "only the objects its pods use".into()),
        Decision::Allow => (true, String::new()),
    };
    review["apiVersion"] = json!("authorization.k8s.io/v1");
    review["kind"] = json!("SelfSubjectAccessReview");
    review["status"] = json!({"allowed": allowed, "denied": !allowed, "reason": reason});
    Ok((StatusCode::CREATED, axum::Json(review)).into_response())
}

/// `POST .../selfsubjectreviews`: who the caller is.
async fn who_am_i(Extension(caller): Extension<Caller>) -> Response {
    let id = &caller.identity;
    (
        StatusCode::CREATED,
        axum::Json(json!({
            "apiVersion": "authentication.k8s.io/v1",
            "kind": "SelfSubjectReview",
            "metadata": {"creationTimestamp": crate::api::Time::now()},
            "status": {"userInfo": {"username": id.username(), "groups": id.groups()}},
        })),
    )
        .into_response()
}
