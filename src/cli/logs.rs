//! `ork logs`: a pod's container output, or that of the pods behind a
//! workload (`deployment/web`: the first pod, as kubectl picks it) or a label
//! selector (`-l app=web`: every pod, each line prefixed
//! `[pod/NAME/CONTAINER]`). The choices (which object, which pod first, how
//! lines are prefixed) are pure functions; the streaming is a thin loop.

use super::{CliError, Ctx, Result};
use crate::api::{LabelSelector, Pod, PodPhase, Selector};
use crate::client::{ListParams, LogParams};
use clap::Args;
use futures::StreamExt;
use futures::stream::BoxStream;
use serde_json::Value;
use std::io::Write;

#[derive(Args, Debug)]
pub struct LogsArgs {
    /// The pod (`NAME` or `pod/NAME`), or a workload whose first pod to read
    /// (`deployment/NAME`, `replicaset/NAME`, `statefulset/NAME`, `daemonset/NAME`, `job/NAME`, `service/NAME`).
    #[arg(required_unless_present = "selector")]
    pub target: Option<String>,
    /// The container (needed when the pod has several).
    #[arg(short = 'c', long)]
    pub container: Option<String>,
    /// Every pod matching this label selector (`app=web`); lines are prefixed `[pod/NAME/CONTAINER]`.
    #[arg(short = 'l', long, value_name = "SEL", conflicts_with = "target")]
    pub selector: Option<String>,
    /// Every container of the pod(s).
    #[arg(long)]
    pub all_containers: bool,
    /// Prefix each line with `[pod/NAME/CONTAINER]` (always on with -l).
    #[arg(long)]
    pub prefix: bool,
    /// How many logs to follow at once with -l -f.
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub max_log_requests: usize,
    /// Keep printing new output.
    #[arg(short = 'f', long)]
    pub follow: bool,
    /// Only the last N lines.
    #[arg(long, value_name = "N")]
    pub tail: Option<i64>,
    /// The logs of the previous instance (before its last restart).
    #[arg(short = 'p', long)]
    pub previous: bool,
}

/// What `ork logs` was asked to read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    Pod(String),
    /// The pods of an object, found by its selector: the API path of the
    /// object and how the user named its kind.
    Owner {
        path_kind: OwnerKind,
        name: String,
    },
}

/// Kinds whose pods `ork logs TYPE/NAME` reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OwnerKind {
    Deployment,
    ReplicaSet,
    StatefulSet,
    DaemonSet,
    Job,
    Service,
    ReplicationController,
}

impl OwnerKind {
    /// `(api prefix, plural)`.
    fn api(self) -> (&'static str, &'static str) {
        match self {
            OwnerKind::Deployment => ("/apis/apps/v1", "deployments"),
            OwnerKind::ReplicaSet => ("/apis/apps/v1", "replicasets"),
            OwnerKind::StatefulSet => ("/apis/apps/v1", "statefulsets"),
            OwnerKind::DaemonSet => ("/apis/apps/v1", "daemonsets"),
            OwnerKind::Job => ("/apis/batch/v1", "jobs"),
            OwnerKind::Service => ("/api/v1", "services"),
            OwnerKind::ReplicationController => ("/api/v1", "replicationcontrollers"),
        }
    }

    fn path(self, ns: &str, name: &str) -> String {
        let (prefix, plural) = self.api();
        format!("{prefix}/namespaces/{ns}/{plural}/{name}")
    }

    fn singular(self) -> &'static str {
        match self {
            OwnerKind::Deployment => "deployment",
            OwnerKind::ReplicaSet => "replicaset",
            OwnerKind::StatefulSet => "statefulset",
            OwnerKind::DaemonSet => "daemonset",
            OwnerKind::Job => "job",
            OwnerKind::Service => "service",
            OwnerKind::ReplicationController => "replicationcontroller",
        }
    }
}

/// Parses `NAME`, `pod/NAME`, `deployment/NAME`, `deploy/NAME`, `rs/NAME`,
/// `sts/NAME`, `ds/NAME`, `job/NAME`, `svc/NAME`, `rc/NAME` (any `.group` suffix is
/// ignored, as kubectl accepts `deployments.apps/NAME`).
pub fn parse_target(arg: &str) -> std::result::Result<Target, String> {
    let Some((kind, name)) = arg.split_once('/') else {
        return Ok(Target::Pod(arg.to_string()));
    };
    if name.is_empty() || name.contains('/') {
        return Err(format!("{arg:?}: expected NAME or TYPE/NAME"));
    }
    let lower = kind.to_ascii_lowercase();
    let base = lower.split('.').next().unwrap_or("");
    let owner = match base {
        "pod" | "pods" | "po" => return Ok(Target::Pod(name.to_string())),
        "deployment" | "deployments" | "deploy" => OwnerKind::Deployment,
        "replicaset" | "replicasets" | "rs" => OwnerKind::ReplicaSet,
        "statefulset" | "statefulsets" | "sts" => OwnerKind::StatefulSet,
        "daemonset" | "daemonsets" | "ds" => OwnerKind::DaemonSet,
        "job" | "jobs" => OwnerKind::Job,
        "service" | "services" | "svc" => OwnerKind::Service,
        "replicationcontroller" | "replicationcontrollers" | "rc" => {
            OwnerKind::ReplicationController
        }
        _ => {
            return Err(format!(
                "cannot read logs of {kind:?}: give a pod, or one of deployment, replicaset, statefulset, daemonset, job, service, replicationcontroller"
            ));
        }
    };
    Ok(Target::Owner {
        path_kind: owner,
        name: name.to_string(),
    })
}

/// The label selector of a workload or Service, as a query string:
/// `spec.selector` as a LabelSelector (workloads) or a plain map (Services).
pub fn selector_of(obj: &Value) -> std::result::Result<String, String> {
    let sel = obj
        .pointer("/spec/selector")
        .cloned()
        .unwrap_or(Value::Null);
    let is_structured = sel.get("matchLabels").is_some() || sel.get("matchExpressions").is_some();
    let selector = if is_structured {
        let ls: LabelSelector = serde_json::from_value(sel).map_err(|e| e.to_string())?;
        ls.to_selector().map_err(|e| e.to_string())?
    } else {
        let map: std::collections::BTreeMap<String, String> =
            serde_json::from_value(sel).unwrap_or_default();
        Selector::from_labels(&map)
    };
    if selector.is_empty() {
        return Err("it has no selector".into());
    }
    Ok(selector.to_string())
}

fn phase_rank(p: &PodPhase) -> u8 {
    match p {
        PodPhase::Running => 0,
        PodPhase::Unknown => 1,
        PodPhase::Pending => 2,
        _ => 3,
    }
}

/// Sorts pods as kubectl does before it reads the first one's logs:
/// scheduled before unscheduled, Running before Unknown before Pending,
/// ready before not ready, more restarts first, then older first.
pub fn order_for_logs(pods: &mut [Pod]) {
    pods.sort_by(|a, b| {
        a.spec
            .node_name
            .is_empty()
            .cmp(&b.spec.node_name.is_empty())
            .then(phase_rank(&a.status.phase).cmp(&phase_rank(&b.status.phase)))
            .then(b.is_ready().cmp(&a.is_ready()))
            .then(b.restart_count().cmp(&a.restart_count()))
            .then(
                a.metadata
                    .creation_timestamp
                    .cmp(&b.metadata.creation_timestamp),
            )
    });
}

/// Splits chunks of one stream into whole lines, each with `prefix`; what
/// is left at the end comes from [`Prefixer::finish`].
#[derive(Default)]
pub struct Prefixer {
    prefix: String,
    pending: Vec<u8>,
}

impl Prefixer {
    pub fn new(prefix: String) -> Self {
        Prefixer {
            prefix,
            pending: vec![],
        }
    }

    pub fn push(&mut self, chunk: &[u8]) -> Vec<u8> {
        if self.prefix.is_empty() {
            return chunk.to_vec();
        }
        self.pending.extend_from_slice(chunk);
        let mut out = vec![];
        while let Some(i) = self.pending.iter().position(|b| *b == b'\n') {
            out.extend_from_slice(self.prefix.as_bytes());
            out.extend(self.pending.drain(..=i));
        }
        out
    }

    pub fn finish(&mut self) -> Vec<u8> {
        if self.pending.is_empty() {
            return vec![];
        }
        let mut out = self.prefix.as_bytes().to_vec();
        out.append(&mut self.pending);
        out.push(b'\n');
        out
    }
}

/// The containers to read in a pod.
fn containers_of(pod: &Pod, a: &LogsArgs) -> Vec<Option<String>> {
    if a.all_containers {
        pod.spec
            .containers
            .iter()
            .map(|c| Some(c.name.clone()))
            .collect()
    } else if a.container.is_some() {
        vec![a.container.clone()]
    } else if a.selector.is_some() || a.prefix {
        // Several pods: name the container in the prefix.
        vec![pod.spec.containers.first().map(|c| c.name.clone())]
    } else {
        vec![None]
    }
}

/// The error kubectl gives when -f would open more streams than allowed.
pub fn too_many_streams(n: usize, max: usize) -> Option<String> {
    (n > max).then(|| {
        format!(
            "you are attempting to follow {n} log streams, but maximum allowed concurrency is {max}, use --max-log-requests to increase the limit"
        )
    })
}

pub async fn logs(ctx: &Ctx, a: LogsArgs) -> Result<()> {
    let ns = ctx.namespace.clone();
    let pods: Vec<Pod> = match (&a.selector, &a.target) {
        (Some(sel), _) => {
            let mut pods = list_pods(ctx, sel).await?;
            pods.sort_by(|x, y| x.metadata.name.cmp(&y.metadata.name));
            if pods.is_empty() {
                eprintln!("No resources found in {ns} namespace.");
                return Ok(());
            }
            pods
        }
        (None, Some(t)) => match parse_target(t).map_err(CliError::Usage)? {
            Target::Pod(name) => {
                if !a.all_containers && !a.prefix {
                    // The common case: one stream, no listing.
                    return stream_one(ctx, &name, a.container.clone(), &a, String::new()).await;
                }
                vec![ctx.client.get::<Pod>(&ns, &name).await?]
            }
            Target::Owner { path_kind, name } => {
                let obj: Value = match ctx.client.get_json(&path_kind.path(&ns, &name), &[]).await {
                    Ok(v) => v,
                    // A kind this cluster has no route for.
                    Err(e) if e.is_not_found() && e.to_string().contains("no route") => {
                        return Err(CliError::Failed(format!(
                            "this cluster does not serve {}s: give a pod, a deployment or a replicaset",
                            path_kind.singular()
                        )));
                    }
                    Err(e) => return Err(e.into()),
                };
                let sel = selector_of(&obj).map_err(|e| {
                    CliError::Failed(format!("{}/{name}: {e}", path_kind.singular()))
                })?;
                let mut pods = list_pods(ctx, &sel).await?;
                order_for_logs(&mut pods);
                if pods.is_empty() {
                    return Err(CliError::Failed(format!(
                        "{}/{name} has no pods yet",
                        path_kind.singular()
                    )));
                }
                if pods.len() > 1 {
                    eprintln!(
                        "Found {} pods, using pod/{}",
                        pods.len(),
                        pods[0].metadata.name
                    );
                }
                pods.truncate(1);
                pods
            }
        },
        (None, None) => return Err(CliError::Usage("give a pod, TYPE/NAME or -l".into())),
    };
    let prefixed = a.prefix || a.selector.is_some();
    let mut sources = vec![];
    for pod in &pods {
        for c in containers_of(pod, &a) {
            let prefix = if prefixed {
                format!(
                    "[pod/{}/{}] ",
                    pod.metadata.name,
                    c.as_deref().unwrap_or("")
                )
            } else {
                String::new()
            };
            sources.push((pod.metadata.name.clone(), c, prefix));
        }
    }
    if a.follow
        && let Some(msg) = too_many_streams(sources.len(), a.max_log_requests)
    {
        return Err(CliError::Failed(msg));
    }
    if !a.follow {
        for (pod, c, prefix) in sources {
            stream_one(ctx, &pod, c, &a, prefix).await?;
        }
        return Ok(());
    }
    // Following: every stream at once, whole lines at a time.
    let mut streams = vec![];
    for (i, (pod, c, _)) in sources.iter().enumerate() {
        let s = ctx.client.logs(&ns, pod, &params(c.clone(), &a)).await?;
        streams.push(s.map(move |r| (i, r)).boxed());
    }
    let mut prefixers: Vec<Prefixer> = sources
        .into_iter()
        .map(|(_, _, p)| Prefixer::new(p))
        .collect();
    let mut all: BoxStream<'static, _> = futures::stream::select_all(streams).boxed();
    let mut out = std::io::stdout().lock();
    while let Some((i, chunk)) = all.next().await {
        let bytes = prefixers[i].push(&chunk?);
        if out.write_all(&bytes).and_then(|_| out.flush()).is_err() {
            return Ok(());
        }
    }
    for p in &mut prefixers {
        let _ = out.write_all(&p.finish());
    }
    Ok(())
}

fn params(container: Option<String>, a: &LogsArgs) -> LogParams {
    LogParams {
        container,
        follow: a.follow,
        tail_lines: a.tail.filter(|n| *n >= 0),
        previous: a.previous,
        ..Default::default()
    }
}

async fn list_pods(ctx: &Ctx, sel: &str) -> Result<Vec<Pod>> {
    let opts = ListParams {
        label_selector: Some(sel.to_string()),
        ..Default::default()
    };
    Ok(ctx
        .client
        .list::<Pod>(Some(&ctx.namespace), &opts)
        .await?
        .items)
}

async fn stream_one(
    ctx: &Ctx,
    pod: &str,
    container: Option<String>,
    a: &LogsArgs,
    prefix: String,
) -> Result<()> {
    let mut stream = ctx
        .client
        .logs(&ctx.namespace, pod, &params(container, a))
        .await?;
    let mut p = Prefixer::new(prefix);
    let mut out = std::io::stdout().lock();
    while let Some(chunk) = stream.next().await {
        let bytes = p.push(&chunk?);
        if out.write_all(&bytes).and_then(|_| out.flush()).is_err() {
            // The reader went away (`| head`): stop quietly.
            return Ok(());
        }
    }
    let _ = out.write_all(&p.finish());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_as_kubectl_names_them() {
        assert_eq!(parse_target("web-1"), Ok(Target::Pod("web-1".into())));
        assert_eq!(parse_target("pod/web-1"), Ok(Target::Pod("web-1".into())));
        assert_eq!(
            parse_target("deploy/web"),
            Ok(Target::Owner {
                path_kind: OwnerKind::Deployment,
                name: "web".into()
            })
        );
        assert_eq!(
            parse_target("deployments.apps/web"),
            Ok(Target::Owner {
                path_kind: OwnerKind::Deployment,
                name: "web".into()
            })
        );
        assert!(matches!(
            parse_target("sts/db"),
            Ok(Target::Owner {
                path_kind: OwnerKind::StatefulSet,
                ..
            })
        ));
        assert!(matches!(
            parse_target("rc/web"),
            Ok(Target::Owner {
                path_kind: OwnerKind::ReplicationController,
                ..
            })
        ));
        assert!(parse_target("configmap/x").is_err());
        assert!(parse_target("deployment/").is_err());
    }

    #[test]
    fn selectors_come_from_workloads_and_services() {
        let d = serde_json::json!({"spec": {"selector": {"matchLabels": {"app": "web"}}}});
        assert_eq!(selector_of(&d).unwrap(), "app=web");
        let s = serde_json::json!({"spec": {"selector": {"app": "web", "tier": "f"}}});
        assert_eq!(selector_of(&s).unwrap(), "app=web,tier=f");
        let none = serde_json::json!({"spec": {}});
        assert!(selector_of(&none).is_err());
    }

    #[test]
    fn the_first_pod_is_the_running_ready_one() {
        let pending = Pod::test("a-pending");
        let running = Pod::test("b-running").on_node("n1").running(true);
        let mut pods = vec![pending, running];
        order_for_logs(&mut pods);
        assert_eq!(pods[0].metadata.name, "b-running");
    }

    #[test]
    fn prefixed_lines_are_whole() {
        let mut p = Prefixer::new("[pod/a/c] ".into());
        assert_eq!(p.push(b"one\ntw"), b"[pod/a/c] one\n");
        assert_eq!(p.push(b"o\n"), b"[pod/a/c] two\n");
        assert_eq!(p.push(b"end"), b"");
        assert_eq!(p.finish(), b"[pod/a/c] end\n");
        let mut plain = Prefixer::new(String::new());
        assert_eq!(plain.push(b"raw"), b"raw");
    }

    #[test]
    fn following_more_streams_than_allowed_is_refused_as_kubectl_does() {
        assert_eq!(too_many_streams(5, 5), None);
        assert_eq!(
            too_many_streams(6, 5).unwrap(),
            "you are attempting to follow 6 log streams, but maximum allowed concurrency is 5, use --max-log-requests to increase the limit"
        );
    }
}
