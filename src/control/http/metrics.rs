//! Usage routes: node daemons `POST /api/v1/nodes/{name}/usage`; clients read
//! `metrics.k8s.io/v1beta1` NodeMetrics and PodMetrics (`ork top`, the HPA
//! controller's API twin, the TUI), served from [`crate::control::usage`].

use super::{ApiError, App};
use crate::api::metrics::{
    ContainerMetrics, METRICS_API_VERSION, MetricsList, MetricsMeta, NodeMetrics, PodMetrics,
    UsageReport, window_text,
};
use crate::api::wire::UsageHistory;
use crate::api::{Node, Pod, Selector};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use std::sync::Arc;

pub fn routes(r: super::Routes) -> super::Routes {
    r.route("/api/v1/nodes/{name}/usage", post(report))
        .route("/apis/metrics.k8s.io/v1beta1/nodes", get(nodes))
        .route("/apis/metrics.k8s.io/v1beta1/nodes/{name}", get(node))
        .route("/apis/ork.dev/v1/nodes/{name}/usage", get(history))
        .route("/apis/metrics.k8s.io/v1beta1/pods", get(all_pods))
        .route(
            "/apis/metrics.k8s.io/v1beta1/namespaces/{ns}/pods",
            get(ns_pods),
        )
        .route(
            "/apis/metrics.k8s.io/v1beta1/namespaces/{ns}/pods/{name}",
            get(pod),
        )
}

async fn report(
    State(app): State<Arc<App>>,
    Path(name): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    if app.store.get::<Node>("", &name).is_none() {
        return Err(ApiError::not_found(format!(
            "node {name:?} is not registered"
        )));
    }
    let r: UsageReport = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(format!("usage report: {e}")))?;
    app.usage.record(&name, r);
    Ok((StatusCode::OK, Json(serde_json::json!({}))).into_response())
}

fn node_metrics(name: &str, r: &UsageReport) -> NodeMetrics {
    NodeMetrics {
        api_version: METRICS_API_VERSION.into(),
        kind: "NodeMetrics".into(),
        metadata: MetricsMeta {
            name: name.into(),
            namespace: String::new(),
            labels: Default::default(),
            creation_timestamp: crate::api::Time::now(),
        },
        timestamp: r.timestamp,
        window: window_text(r.window_millis),
        usage: r.node.to_resources(),
    }
}

async fn nodes(State(app): State<Arc<App>>) -> Json<MetricsList<NodeMetrics>> {
    let items = app
        .usage
        .nodes()
        .iter()
        .filter(|(n, _)| app.store.get::<Node>("", n).is_some())
        .map(|(n, r)| node_metrics(n, r))
        .collect();
    Json(MetricsList::new("NodeMetricsList", items))
}

async fn node(
    State(app): State<Arc<App>>,
    Path(name): Path<String>,
) -> Result<Json<NodeMetrics>, ApiError> {
    app.usage
        .nodes()
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(n, r)| Json(node_metrics(n, r)))
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "no usage for node {name:?} yet (nodes report every few seconds)"
            ))
        })
}

/// `GET /apis/ork.dev/v1/nodes/{name}/usage`: the node's recent totals,
/// oldest first (for sparklines).
async fn history(
    State(app): State<Arc<App>>,
    Path(name): Path<String>,
) -> Result<Json<UsageHistory>, ApiError> {
    if app.store.get::<Node>("", &name).is_none() {
        return Err(ApiError::not_found(format!("node {name:?} not found")));
    }
    let samples = app.usage.history(&name);
    let window_millis = app
        .usage
        .nodes()
        .into_iter()
        .find(|(n, _)| *n == name)
        .map(|(_, r)| r.window_millis)
        .unwrap_or(0);
    Ok(Json(UsageHistory {
        node: name,
        window_millis,
        samples,
    }))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MetricsQuery {
    pub label_selector: Option<String>,
}

/// PodMetrics of the pods that exist now and match.
fn pod_metrics(app: &App, ns: Option<&str>, selector: &Selector) -> Vec<PodMetrics> {
    let usage = app.usage.pods();
    let mut out: Vec<PodMetrics> = app
        .store
        .list::<Pod>(ns)
        .into_iter()
        .filter(|p| selector.matches(&p.metadata.labels))
        .filter_map(|p| {
            let (u, r) = usage.get(&p.metadata.uid)?;
            Some(PodMetrics {
                api_version: METRICS_API_VERSION.into(),
                kind: "PodMetrics".into(),
                metadata: MetricsMeta {
                    name: p.metadata.name.clone(),
                    namespace: p.metadata.namespace.clone(),
                    labels: p.metadata.labels.clone(),
                    creation_timestamp: crate::api::Time::now(),
                },
                timestamp: r.timestamp,
                window: window_text(r.window_millis),
                containers: u
                    .containers
                    .iter()
                    .map(|c| ContainerMetrics {
                        name: c.name.clone(),
                        usage: c.usage.to_resources(),
                    })
                    .collect(),
            })
        })
        .collect();
    out.sort_by(|a, b| {
        (&a.metadata.namespace, &a.metadata.name).cmp(&(&b.metadata.namespace, &b.metadata.name))
    });
    out
}

fn selector(q: &MetricsQuery) -> Result<Selector, ApiError> {
    match q.label_selector.as_deref() {
        None | Some("") => Ok(Selector::default()),
        Some(s) => {
            Selector::parse(s).map_err(|e| ApiError::bad_request(format!("labelSelector: {e}")))
        }
    }
}

fn pod_list(items: Vec<PodMetrics>) -> Json<MetricsList<PodMetrics>> {
    Json(MetricsList::new("PodMetricsList", items))
}

async fn all_pods(
    State(app): State<Arc<App>>,
    Query(q): Query<MetricsQuery>,
) -> Result<Json<MetricsList<PodMetrics>>, ApiError> {
    Ok(pod_list(pod_metrics(&app, None, &selector(&q)?)))
}

async fn ns_pods(
    State(app): State<Arc<App>>,
    Path(ns): Path<String>,
    Query(q): Query<MetricsQuery>,
) -> Result<Json<MetricsList<PodMetrics>>, ApiError> {
    Ok(pod_list(pod_metrics(&app, Some(&ns), &selector(&q)?)))
}

async fn pod(
    State(app): State<Arc<App>>,
    Path((ns, name)): Path<(String, String)>,
) -> Result<Json<PodMetrics>, ApiError> {
    pod_metrics(&app, Some(&ns), &Selector::default())
        .into_iter()
        .find(|p| p.metadata.name == name)
        .map(Json)
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "no usage for pod {name:?} in namespace {ns:?} yet (it must be running; nodes report every few seconds)"
            ))
        })
}

/// `GET /metrics`: Prometheus text format.
pub async fn prometheus(State(app): State<Arc<App>>) -> Response {
    use crate::control::telemetry::label;
    use std::fmt::Write as _;
    let mut extra = String::new();
    let nodes = app.store.list::<Node>(None);
    let ready = nodes.iter().filter(|n| n.is_ready()).count();
    extra.push_str("# HELP ork_nodes Nodes, by readiness.\n# TYPE ork_nodes gauge\n");
    let _ = writeln!(extra, "ork_nodes{{ready=\"true\"}} {ready}");
    let _ = writeln!(
        extra,
        "ork_nodes{{ready=\"false\"}} {}",
        nodes.len() - ready
    );
    let mut phases: std::collections::BTreeMap<String, usize> =
        ["Pending", "Running", "Succeeded", "Failed", "Unknown"]
            .iter()
            .map(|p| (p.to_string(), 0))
            .collect();
    for p in app.store.list::<Pod>(None) {
        *phases.entry(format!("{:?}", p.status.phase)).or_default() += 1;
    }
    extra.push_str("# HELP ork_pods Pods, by phase.\n# TYPE ork_pods gauge\n");
    for (phase, n) in phases {
        let _ = writeln!(extra, "ork_pods{{phase=\"{}\"}} {n}", label(&phase));
    }
    extra.push_str("# HELP ork_node_cpu_usage_cores CPU in use on a node, as it last reported.\n# TYPE ork_node_cpu_usage_cores gauge\n");
    let usage = app.usage.nodes();
    for (n, r) in &usage {
        let _ = writeln!(
            extra,
            "ork_node_cpu_usage_cores{{node=\"{}\"}} {}",
            label(n),
            r.node.cpu_milli as f64 / 1000.0
        );
    }
    extra.push_str("# HELP ork_node_memory_usage_bytes Memory in use on a node, as it last reported.\n# TYPE ork_node_memory_usage_bytes gauge\n");
    for (n, r) in &usage {
        let _ = writeln!(
            extra,
            "ork_node_memory_usage_bytes{{node=\"{}\"}} {}",
            label(n),
            r.node.memory_bytes
        );
    }
    let body = crate::control::telemetry::global().render(&extra);
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
        .into_response()
}
