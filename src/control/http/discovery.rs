//! What clients read before anything else: discovery (`/api`, `/api/v1`,
//! `/apis`, `/apis/{group}`, `/apis/{group}/{version}`, plain or
//! aggregated as `apidiscovery.k8s.io` v2 / v2beta1 when the `Accept`
//! header asks for it), the OpenAPI documents (`/openapi/v2`,
//! `/openapi/v3`, `/openapi/v3/{api|apis/group}/{version}`), `/version`,
//! and the unauthenticated `/livez` and `/readyz`.
//!
//! The documents are built from the kind table ([`Kind::ALL`]) and the
//! few APIs ork serves beside its kinds, so a kind added to the table is
//! listed without a change here. The builders are pure functions of that
//! table; the handlers only pick one by the request and encode it.
//! This module must not import the store, controllers or the scheduler.

use super::{ApiError, App, Routes, json_bytes};
use crate::api::Kind;
use crate::api::openapi;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};
use std::sync::{Arc, OnceLock};

/// Every verb of a resource ork stores.
const ALL_VERBS: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];

/// A subresource as discovery lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct Subresource {
    pub name: &'static str,
    /// `(group, version, kind)` of what it answers.
    pub response: (&'static str, &'static str, &'static str),
    pub verbs: &'static [&'static str],
}

/// A resource as discovery lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct Resource {
    pub plural: &'static str,
    pub singular: &'static str,
    pub kind: &'static str,
    pub namespaced: bool,
    pub verbs: &'static [&'static str],
    pub short_names: &'static [&'static str],
    pub categories: &'static [&'static str],
    pub subresources: Vec<Subresource>,
}

/// The group-versions ork serves, each with its resources; in each
/// group the preferred version comes first; the core group (`""`) first.
pub type Groups = Vec<(&'static str, Vec<(&'static str, Vec<Resource>)>)>;

/// The kinds `kubectl get all` shows (Kubernetes' `all` category).
pub fn categories(kind: Kind) -> &'static [&'static str] {
    if Kind::ALL_CATEGORY.contains(&kind) {
        &["all"]
    } else {
        &[]
    }
}

/// A kind's subresources: `status` where the kind has one, `scale` for
/// the scalable workloads, the pod's streams.
pub fn subresources(kind: Kind) -> Vec<Subresource> {
    let info = kind.info();
    let own = (info.group, info.version, info.kind);
    let mut subs = vec![];
    let has_status = openapi::definitions(openapi::Flavour::V3)
        .of_kind(kind)
        .get("properties")
        .is_some_and(|p| p.get("status").is_some());
    if has_status {
        subs.push(Subresource {
            name: "status",
            response: own,
            verbs: &["get", "patch", "update"],
        });
    }
    if matches!(
        kind,
        Kind::Deployment | Kind::ReplicaSet | Kind::StatefulSet | Kind::ReplicationController
    ) {
        subs.push(Subresource {
            name: "scale",
            response: ("autoscaling", "v1", "Scale"),
            verbs: &["get", "patch", "update"],
        });
    }
    if kind == Kind::Pod {
        for (name, response) in [
            ("attach", "PodAttachOptions"),
            ("exec", "PodExecOptions"),
            ("portforward", "PodPortForwardOptions"),
        ] {
            subs.push(Subresource {
                name,
                response: ("", "v1", response),
                verbs: &["create", "get"],
            });
        }
        subs.push(Subresource {
            name: "eviction",
            response: ("policy", "v1", "Eviction"),
            verbs: &["create"],
        });
        subs.push(Subresource {
            name: "binding",
            response: ("", "v1", "Binding"),
            verbs: &["create"],
        });
        subs.push(Subresource {
            name: "log",
            response: ("", "v1", "Pod"),
            verbs: &["get"],
        });
    }
    subs
}

fn kind_resource(kind: Kind) -> Resource {
    let info = kind.info();
    Resource {
        plural: info.plural,
        singular: info.singular,
        kind: info.kind,
        namespaced: info.namespaced,
        verbs: ALL_VERBS,
        short_names: info.short_names,
        categories: categories(kind),
        subresources: subresources(kind),
    }
}

/// Everything discovery lists: the kinds, HorizontalPodAutoscalers in
/// `autoscaling/v1` too, and the APIs beside the kinds (metrics, access
/// reviews).
pub fn groups() -> Groups {
    let mut out: Groups = vec![];
    let mut add = |group: &'static str, version: &'static str, r: Resource| {
        let g = match out.iter_mut().position(|(n, _)| *n == group) {
            Some(i) => &mut out[i].1,
            None => {
                out.push((group, vec![]));
                &mut out.last_mut().expect("just pushed").1
            }
        };
        match g.iter_mut().find(|(v, _)| *v == version) {
            Some((_, rs)) => rs.push(r),
            None => g.push((version, vec![r])),
        }
    };
    for (group, version) in openapi::group_versions() {
        for kind in Kind::ALL {
            let i = kind.info();
            if i.group == group && i.version == version {
                add(group, version, kind_resource(kind));
            }
        }
    }
    if Kind::ALL.contains(&Kind::HorizontalPodAutoscaler) {
        add(
            "autoscaling",
            "v1",
            kind_resource(Kind::HorizontalPodAutoscaler),
        );
    }
    let plain = |plural, singular, kind, namespaced, verbs| Resource {
        plural,
        singular,
        kind,
        namespaced,
        verbs,
        short_names: &[],
        categories: &[],
        subresources: vec![],
    };
    add(
        "metrics.k8s.io",
        "v1beta1",
        plain("nodes", "", "NodeMetrics", false, &["get", "list"]),
    );
    add(
        "metrics.k8s.io",
        "v1beta1",
        plain("pods", "", "PodMetrics", true, &["get", "list"]),
    );
    add(
        "authorization.k8s.io",
        "v1",
        plain(
            "selfsubjectaccessreviews",
            "",
            "SelfSubjectAccessReview",
            false,
            &["create"],
        ),
    );
    add(
        "authorization.k8s.io",
        "v1",
        plain(
            "selfsubjectrulesreviews",
            "",
            "SelfSubjectRulesReview",
            false,
            &["create"],
        ),
    );
    add(
        "authentication.k8s.io",
        "v1",
        plain(
            "selfsubjectreviews",
            "",
            "SelfSubjectReview",
            false,
            &["create"],
        ),
    );
    // Evictions are a subresource of pods; kubectl drain looks for the
    // policy group before it evicts instead of deleting: it is there with
    // PodDisruptionBudgets.
    out
}

/// The groups, computed once.
fn all() -> &'static Groups {
    static GROUPS: OnceLock<Groups> = OnceLock::new();
    GROUPS.get_or_init(groups)
}

fn group_version(group: &str, version: &str) -> String {
    if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    }
}

/// `/api`: the core group's versions.
pub fn api_versions(server_address: &str) -> Value {
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [
            {"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}
        ],
    })
}

fn api_group_body(name: &str, versions: &[(&str, Vec<Resource>)]) -> Value {
    let vs: Vec<Value> = versions
        .iter()
        .map(|(v, _)| json!({"groupVersion": group_version(name, v), "version": v}))
        .collect();
    json!({
        "name": name,
        "versions": vs,
        "preferredVersion": vs.first().cloned().unwrap_or(Value::Null),
    })
}

/// `/apis`: every named group.
pub fn api_group_list(groups: &Groups) -> Value {
    let gs: Vec<Value> = groups
        .iter()
        .filter(|(g, _)| !g.is_empty())
        .map(|(g, vs)| api_group_body(g, vs))
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": gs})
}

/// `/apis/{group}`.
pub fn api_group(groups: &Groups, group: &str) -> Option<Value> {
    let (_, vs) = groups.iter().find(|(g, _)| *g == group && !g.is_empty())?;
    let mut body = api_group_body(group, vs);
    body["kind"] = "APIGroup".into();
    body["apiVersion"] = "v1".into();
    Some(body)
}

fn find<'a>(groups: &'a Groups, group: &str, version: &str) -> Option<&'a [Resource]> {
    groups
        .iter()
        .find(|(g, _)| *g == group)?
        .1
        .iter()
        .find(|(v, _)| *v == version)
        .map(|(_, rs)| rs.as_slice())
}

/// `/api/v1` or `/apis/{group}/{version}`: an APIResourceList, each
/// subresource as its own `resource/sub` entry.
pub fn resource_list(groups: &Groups, group: &str, version: &str) -> Option<Value> {
    let rs = find(groups, group, version)?;
    let mut out = vec![];
    for r in rs {
        let mut e = json!({
            "name": r.plural,
            "singularName": r.singular,
            "namespaced": r.namespaced,
            "kind": r.kind,
            "verbs": r.verbs,
        });
        if !r.short_names.is_empty() {
            e["shortNames"] = json!(r.short_names);
        }
        if !r.categories.is_empty() {
            e["categories"] = json!(r.categories);
        }
        out.push(e);
        for s in &r.subresources {
            let mut e = json!({
                "name": format!("{}/{}", r.plural, s.name),
                "singularName": "",
                "namespaced": r.namespaced,
                "kind": s.response.2,
                "verbs": s.verbs,
            });
            if (s.response.0, s.response.1) != (group, version) {
                e["group"] = s.response.0.into();
                e["version"] = s.response.1.into();
            }
            out.push(e);
        }
    }
    Some(json!({
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": group_version(group, version),
        "resources": out,
    }))
}

/// The aggregated discovery version a client asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Aggregated {
    V2,
    V2Beta1,
}

impl Aggregated {
    fn version(self) -> &'static str {
        match self {
            Aggregated::V2 => "v2",
            Aggregated::V2Beta1 => "v2beta1",
        }
    }

    /// The Content-Type of the answer.
    pub fn content_type(self) -> String {
        format!(
            "application/json;g=apidiscovery.k8s.io;v={};as=APIGroupDiscoveryList",
            self.version()
        )
    }
}

/// The first media range of `Accept` that asks for aggregated discovery
/// in JSON; `None` when the client takes the plain documents first.
pub fn negotiate(accept: &str) -> Option<Aggregated> {
    for range in accept.split(',') {
        let mut parts = range.split(';').map(str::trim);
        let media = parts.next().unwrap_or("");
        let (mut g, mut v, mut r#as) = ("", "", "");
        for p in parts {
            match p.split_once('=') {
                Some(("g", x)) => g = x,
                Some(("v", x)) => v = x,
                Some(("as", x)) => r#as = x,
                _ => {}
            }
        }
        if !matches!(media, "application/json" | "application/*" | "*/*") {
            continue;
        }
        if g.is_empty() && v.is_empty() && r#as.is_empty() {
            return None;
        }
        if g == "apidiscovery.k8s.io" && r#as == "APIGroupDiscoveryList" {
            match v {
                "v2" => return Some(Aggregated::V2),
                "v2beta1" => return Some(Aggregated::V2Beta1),
                _ => {}
            }
        }
    }
    None
}

fn response_kind((group, version, kind): (&str, &str, &str)) -> Value {
    json!({"group": group, "version": version, "kind": kind})
}

/// An `APIGroupDiscoveryList` of the core group (`core` true: `/api`) or
/// of the named groups (`/apis`).
pub fn aggregated(groups: &Groups, core: bool, version: Aggregated) -> Value {
    let items: Vec<Value> = groups
        .iter()
        .filter(|(g, _)| g.is_empty() == core)
        .map(|(g, vs)| {
            let versions: Vec<Value> = vs
                .iter()
                .map(|(v, rs)| {
                    let resources: Vec<Value> = rs
                        .iter()
                        .map(|r| {
                            let subs: Vec<Value> = r
                                .subresources
                                .iter()
                                .map(|s| {
                                    json!({
                                        "subresource": s.name,
                                        "responseKind": response_kind(s.response),
                                        "verbs": s.verbs,
                                    })
                                })
                                .collect();
                            let mut e = json!({
                                "resource": r.plural,
                                "responseKind": response_kind((g, v, r.kind)),
                                "scope": if r.namespaced { "Namespaced" } else { "Cluster" },
                                "singularResource": r.singular,
                                "verbs": r.verbs,
                            });
                            if !r.short_names.is_empty() {
                                e["shortNames"] = json!(r.short_names);
                            }
                            if !r.categories.is_empty() {
                                e["categories"] = json!(r.categories);
                            }
                            if !subs.is_empty() {
                                e["subresources"] = Value::Array(subs);
                            }
                            e
                        })
                        .collect();
                    json!({"version": v, "resources": resources, "freshness": "Current"})
                })
                .collect();
            json!({"metadata": {"name": g, "creationTimestamp": null}, "versions": versions})
        })
        .collect();
    json!({
        "kind": "APIGroupDiscoveryList",
        "apiVersion": format!("apidiscovery.k8s.io/{}", version.version()),
        "metadata": {},
        "items": items,
    })
}

fn accept(headers: &HeaderMap) -> &str {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// JSON with a given Content-Type, varying by `Accept`.
fn typed_json(body: &Value, content_type: &str) -> Response {
    let mut r = json_bytes(StatusCode::OK, serde_json::to_vec(body).unwrap_or_default());
    if let Ok(v) = HeaderValue::from_str(content_type) {
        r.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    r.headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Accept"));
    r
}

/// A root (`/api` or `/apis`): aggregated when asked, else `plain`.
fn root(headers: &HeaderMap, core: bool, plain: impl FnOnce() -> Value) -> Response {
    match negotiate(accept(headers)) {
        Some(v) => typed_json(&aggregated(all(), core, v), &v.content_type()),
        None => typed_json(&plain(), "application/json"),
    }
}

async fn api(headers: HeaderMap) -> Response {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    root(&headers, true, || api_versions(&host))
}

async fn apis(headers: HeaderMap) -> Response {
    root(&headers, false, || api_group_list(all()))
}

/// `/apis/{group}` and `/apis/{group}/{version}` (and `/api/v1`), read
/// from the request's own path.
async fn by_path(req: Request) -> Response {
    let path = req.uri().path().trim_end_matches('/').to_string();
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let body = match segs.as_slice() {
        ["api", v] => resource_list(all(), "", v),
        ["apis", g] => api_group(all(), g),
        ["apis", g, v] => resource_list(all(), g, v),
        _ => None,
    };
    match body {
        Some(b) => typed_json(&b, "application/json"),
        None => ApiError::not_found(format!("no API at {path}")).into_response(),
    }
}

/// The paths discovery answers, trailing-slash forms included.
fn discovery_paths() -> Vec<String> {
    let mut paths = vec![];
    for (g, vs) in all() {
        if !g.is_empty() {
            paths.push(format!("/apis/{g}"));
        }
        for (v, _) in vs {
            paths.push(if g.is_empty() {
                format!("/api/{v}")
            } else {
                format!("/apis/{g}/{v}")
            });
        }
    }
    paths
}

/// The media type of the protobuf OpenAPI v2 document.
const OPENAPI_V2_PROTOBUF: &str = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";

/// How `/openapi/v2` answers an `Accept` header: the first media range ork
/// can serve, protobuf or JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum V2Format {
    Protobuf,
    Json,
}

pub fn negotiate_v2(accept: &str) -> Option<V2Format> {
    if accept.trim().is_empty() {
        return Some(V2Format::Json);
    }
    accept
        .split(',')
        .find_map(|r| match r.split(';').next().unwrap_or("").trim() {
            "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"
            | "application/com.github.proto-openapi.spec.v2.v1.0+protobuf" => {
                Some(V2Format::Protobuf)
            }
            "application/json" | "application/*" | "*/*" => Some(V2Format::Json),
            _ => None,
        })
}

async fn openapi_v2(headers: HeaderMap) -> Response {
    static JSON: OnceLock<Vec<u8>> = OnceLock::new();
    static PROTOBUF: OnceLock<Vec<u8>> = OnceLock::new();
    let accept = accept(&headers);
    match negotiate_v2(accept) {
        Some(V2Format::Json) => {
            let body = JSON.get_or_init(|| serde_json::to_vec(openapi::v2()).unwrap_or_default());
            json_bytes(StatusCode::OK, body.clone())
        }
        Some(V2Format::Protobuf) => {
            let body = PROTOBUF.get_or_init(|| crate::api::openapi_pb::encode(openapi::v2()));
            let mut r = (StatusCode::OK, body.clone()).into_response();
            // As Kubernetes answers it: Go's media type parser refuses
            // the `@` of the requested type.
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            );
            r
        }
        None => ApiError::new(
            StatusCode::NOT_ACCEPTABLE,
            "NotAcceptable",
            format!(
                "ork serves /openapi/v2 as application/json or {OPENAPI_V2_PROTOBUF} (asked for {accept})"
            ),
        )
        .into_response(),
    }
}

async fn openapi_v3_index() -> Response {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    let body = BYTES.get_or_init(|| serde_json::to_vec(&openapi::v3_index()).unwrap_or_default());
    json_bytes(StatusCode::OK, body.clone())
}

async fn openapi_v3_doc(req: Request) -> Response {
    let path = req.uri().path().trim_end_matches('/');
    let rest = path.trim_start_matches("/openapi/v3/");
    let gv = match rest.split('/').collect::<Vec<_>>().as_slice() {
        ["api", v] => Some(("", *v)),
        ["apis", g, v] => Some((*g, *v)),
        _ => None,
    };
    let Some((bytes, hash)) = gv.and_then(|(g, v)| openapi::v3_document_bytes(g, v)) else {
        return ApiError::not_found(format!(
            "no OpenAPI document at {path}; /openapi/v3 lists them"
        ))
        .into_response();
    };
    let mut r = json_bytes(StatusCode::OK, bytes.clone());
    let asked = req
        .uri()
        .query()
        .into_iter()
        .flat_map(|q| q.split('&'))
        .any(|kv| kv == format!("hash={hash}"));
    let cache = if asked {
        "public, immutable"
    } else {
        "no-cache, private"
    };
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if let Ok(v) = HeaderValue::from_str(&format!("\"{hash}\"")) {
        r.headers_mut().insert(header::ETAG, v);
    }
    r
}

/// `/version`: what `kubectl version` and client libraries parse, and the
/// scheduling strategy (which `ork why` scores with).
pub fn version_body(strategy: &str) -> Value {
    json!({
        "major": "0",
        "minor": "1",
        "gitVersion": concat!("v", env!("CARGO_PKG_VERSION")),
        "gitCommit": option_env!("ORK_GIT_COMMIT").unwrap_or(""),
        "gitTreeState": if option_env!("ORK_GIT_COMMIT").is_some() { "clean" } else { "" },
        "buildDate": option_env!("ORK_BUILD_DATE").unwrap_or("1970-01-01T00:00:00Z"),
        "goVersion": "",
        "compiler": "rustc",
        "platform": format!("{}/{}", std::env::consts::OS, std::env::consts::ARCH),
        "schedulingStrategy": strategy,
    })
}

async fn version(State(app): State<Arc<App>>) -> Response {
    typed_json(
        &version_body(app.scheduling_strategy.as_str()),
        "application/json",
    )
}

/// The discovery, OpenAPI and version routes (all need credentials).
pub fn routes(mut r: Routes) -> Routes {
    r = r
        .route("/version", get(version))
        .route("/api", get(api))
        .route("/api/", get(api))
        .route("/apis", get(apis))
        .route("/apis/", get(apis))
        .route("/openapi/v2", get(openapi_v2))
        .route("/openapi/v3", get(openapi_v3_index))
        .route("/openapi/v3/", get(openapi_v3_index));
    for p in discovery_paths() {
        r = r
            .route(&p, get(by_path))
            .route(&format!("{p}/"), get(by_path));
    }
    for (g, v) in openapi::group_versions() {
        r = r.route(
            &format!("/openapi/v3/{}", openapi::gv_path(g, v)),
            get(openapi_v3_doc),
        );
    }
    r
}

/// One health check's verdict.
pub fn health_report(
    checks: &[(&str, Result<(), String>)],
    verbose: bool,
    what: &str,
) -> (StatusCode, String) {
    let ok = checks.iter().all(|(_, r)| r.is_ok());
    let mut body = String::new();
    if verbose || !ok {
        for (name, r) in checks {
            match r {
                Ok(()) => body.push_str(&format!("[+]{name} ok\n")),
                Err(why) => body.push_str(&format!("[-]{name} failed: {why}\n")),
            }
        }
    }
    if ok {
        if verbose {
            body.push_str(&format!("{what} check passed\n"));
        } else {
            body.push_str("ok");
        }
        (StatusCode::OK, body)
    } else {
        body.push_str(&format!("{what} check failed\n"));
        (StatusCode::INTERNAL_SERVER_ERROR, body)
    }
}

fn verbose(req: &Request) -> bool {
    req.uri()
        .query()
        .into_iter()
        .flat_map(|q| q.split('&'))
        .any(|kv| kv == "verbose" || kv.starts_with("verbose="))
}

/// `/livez`: the process answers.
pub async fn livez(req: Request) -> Response {
    let (code, body) = health_report(&[("ping", Ok(()))], verbose(&req), "livez");
    (code, body).into_response()
}

/// `/readyz`: the process answers and is not shutting down.
pub async fn readyz(State(app): State<Arc<App>>, req: Request) -> Response {
    let stopping = *app.shutdown.borrow();
    let checks = [
        ("ping", Ok(())),
        (
            "shutdown",
            if stopping {
                Err("the daemon is stopping".to_string())
            } else {
                Ok(())
            },
        ),
    ];
    let (code, body) = health_report(&checks, verbose(&req), "readyz");
    (code, body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resource<'a>(list: &'a Value, name: &str) -> &'a Value {
        list["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .unwrap_or_else(|| panic!("{name} not listed"))
    }

    #[test]
    fn every_kind_is_listed_in_its_group_version() {
        let gs = groups();
        for kind in Kind::ALL {
            let i = kind.info();
            let list = resource_list(&gs, i.group, i.version).unwrap();
            let r = resource(&list, i.plural);
            assert_eq!(r["kind"], i.kind);
            assert_eq!(r["namespaced"], i.namespaced);
            assert_eq!(r["singularName"], i.singular);
            assert_eq!(r["verbs"].as_array().unwrap().len(), 8);
            if !i.short_names.is_empty() {
                assert_eq!(r["shortNames"], json!(i.short_names));
            }
        }
    }

    #[test]
    fn subresources_and_categories_are_listed_as_kubernetes_lists_them() {
        let gs = groups();
        let core = resource_list(&gs, "", "v1").unwrap();
        assert_eq!(core["groupVersion"], "v1");
        for sub in [
            "pods/log",
            "pods/exec",
            "pods/attach",
            "pods/portforward",
            "pods/status",
        ] {
            resource(&core, sub);
        }
        assert_eq!(resource(&core, "pods")["categories"], json!(["all"]));
        assert_eq!(resource(&core, "services")["categories"], json!(["all"]));
        assert!(resource(&core, "configmaps").get("categories").is_none());
        resource(&core, "nodes/status");
        resource(&core, "services/status");
        let apps = resource_list(&gs, "apps", "v1").unwrap();
        let scale = resource(&apps, "deployments/scale");
        assert_eq!(scale["kind"], "Scale");
        assert_eq!(scale["group"], "autoscaling");
        resource(&apps, "replicasets/scale");
        resource(&apps, "deployments/status");
        assert!(resource_list(&gs, "apps", "v2").is_none());
    }

    #[test]
    fn autoscaling_prefers_v2_and_lists_v1_beside_it() {
        let gs = groups();
        let g = api_group(&gs, "autoscaling").unwrap();
        assert_eq!(g["preferredVersion"]["version"], "v2");
        let versions: Vec<&str> = g["versions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["version"].as_str().unwrap())
            .collect();
        assert_eq!(versions, ["v2", "v1"]);
        let v1 = resource_list(&gs, "autoscaling", "v1").unwrap();
        assert_eq!(
            resource(&v1, "horizontalpodautoscalers")["kind"],
            "HorizontalPodAutoscaler"
        );
        let list = api_group_list(&gs);
        let names: Vec<&str> = list["groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["name"].as_str().unwrap())
            .collect();
        assert!(names.contains(&"apps") && names.contains(&"metrics.k8s.io"));
        assert!(!names.contains(&""));
        assert!(api_group(&gs, "").is_none());
    }

    #[test]
    fn accept_headers_pick_the_aggregated_version_the_client_lists_first() {
        let kubectl = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
        assert_eq!(negotiate(kubectl), Some(Aggregated::V2));
        assert_eq!(
            negotiate(
                "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json"
            ),
            Some(Aggregated::V2Beta1)
        );
        assert_eq!(negotiate("application/json, */*"), None);
        assert_eq!(negotiate(""), None);
        assert_eq!(
            negotiate(
                "application/vnd.kubernetes.protobuf;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"
            ),
            None
        );
    }

    #[test]
    fn aggregated_lists_carry_scopes_subresources_and_response_kinds() {
        let gs = groups();
        let core = aggregated(&gs, true, Aggregated::V2);
        assert_eq!(core["apiVersion"], "apidiscovery.k8s.io/v2");
        assert_eq!(core["items"].as_array().unwrap().len(), 1);
        let v1 = &core["items"][0]["versions"][0];
        assert_eq!(v1["version"], "v1");
        let pods = v1["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["resource"] == "pods")
            .unwrap();
        assert_eq!(pods["scope"], "Namespaced");
        assert_eq!(
            pods["responseKind"],
            json!({"group": "", "version": "v1", "kind": "Pod"})
        );
        assert!(
            pods["subresources"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s["subresource"] == "exec")
        );
        let named = aggregated(&gs, false, Aggregated::V2Beta1);
        assert_eq!(named["apiVersion"], "apidiscovery.k8s.io/v2beta1");
        let autoscaling = named["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["metadata"]["name"] == "autoscaling")
            .unwrap();
        assert_eq!(autoscaling["versions"][0]["version"], "v2");
        assert_eq!(
            Aggregated::V2.content_type(),
            "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
        );
    }

    #[test]
    fn openapi_v2_is_served_as_protobuf_or_json_as_asked() {
        assert_eq!(
            negotiate_v2("application/com.github.proto-openapi.spec.v2@v1.0+protobuf"),
            Some(V2Format::Protobuf)
        );
        assert_eq!(negotiate_v2("application/json"), Some(V2Format::Json));
        assert_eq!(negotiate_v2(""), Some(V2Format::Json));
        assert_eq!(negotiate_v2("text/html"), None);
    }

    #[test]
    fn version_has_the_fields_clients_parse() {
        let v = version_body("spread");
        for f in [
            "major",
            "minor",
            "gitVersion",
            "gitCommit",
            "gitTreeState",
            "buildDate",
            "goVersion",
            "compiler",
            "platform",
        ] {
            assert!(v[f].is_string(), "{f}");
        }
        assert_eq!(v["schedulingStrategy"], "spread");
    }

    #[test]
    fn health_reports_list_checks_when_verbose_or_failing() {
        let ok = [("ping", Ok(()))];
        assert_eq!(
            health_report(&ok, false, "livez"),
            (StatusCode::OK, "ok".into())
        );
        let (code, body) = health_report(&ok, true, "readyz");
        assert_eq!(code, StatusCode::OK);
        assert_eq!(body, "[+]ping ok\nreadyz check passed\n");
        let bad = [("ping", Ok(())), ("shutdown", Err("stopping".to_string()))];
        let (code, body) = health_report(&bad, false, "readyz");
        assert_eq!(code, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(body.contains("[-]shutdown failed: stopping"));
    }
}
