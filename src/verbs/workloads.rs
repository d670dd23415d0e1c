//! The objects kubectl's generators make, built the same way: the Pod of
//! `run`, the Deployment of `create deployment`, the Namespace of `create
//! namespace`, the Service of `expose`; and the in-place changes of `set
//! image` and `set env`, made on an object's JSON so every other field stays
//! as it is (send them with `change::update`).
//!
//! Pure; imports only `api`.

use crate::api::apps::IntOrString;
use crate::api::pod::{Container, ContainerPort, EnvVar, PodSpec, Protocol, RestartPolicy};
use crate::api::service::ServicePort;
use crate::api::{AnyObject, Deployment, Kind, Namespace, Pod, Service, new_object};
use serde_json::Value;
use std::collections::BTreeMap;

/// `KEY=VALUE`.
pub fn key_value(s: &str, what: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!("invalid {what} {s:?}: expected KEY=VALUE")),
    }
}

/// `a=b,c=d` (kubectl's `--labels`).
pub fn labels(s: &str) -> Result<BTreeMap<String, String>, String> {
    s.split(',')
        .filter(|p| !p.is_empty())
        .map(|p| key_value(p, "label"))
        .collect()
}

/// `Always`, `OnFailure` or `Never`.
pub fn restart_policy(s: &str) -> Result<RestartPolicy, String> {
    match s {
        "Always" => Ok(RestartPolicy::Always),
        "OnFailure" => Ok(RestartPolicy::OnFailure),
        "Never" => Ok(RestartPolicy::Never),
        other => Err(format!(
            "invalid restart policy: {other} (use Always, OnFailure or Never)"
        )),
    }
}

/// The container name kubectl derives from an image: its last path
/// element without tag or digest (`docker.io/library/nginx:1.25` → `nginx`).
pub fn container_name(image: &str) -> String {
    let no_digest = image.split('@').next().unwrap_or(image);
    let last = no_digest.rsplit('/').next().unwrap_or(no_digest);
    let base = last.split(':').next().unwrap_or(last);
    let cleaned: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let trimmed = cleaned.trim_matches('-');
    if trimmed.is_empty() {
        "container".into()
    } else {
        trimmed.to_string()
    }
}

/// What `ork run` makes.
#[derive(Clone, Debug, Default)]
pub struct RunSpec {
    pub name: String,
    pub namespace: String,
    pub image: String,
    pub port: Option<i32>,
    pub env: Vec<(String, String)>,
    /// Empty: `run=NAME`.
    pub labels: BTreeMap<String, String>,
    pub restart: RestartPolicy,
    /// The trailing arguments are the command (`--command`), not its args.
    pub command: bool,
    pub args: Vec<String>,
    pub image_pull_policy: Option<crate::api::pod::PullPolicy>,
}

fn ports(port: Option<i32>) -> Vec<ContainerPort> {
    port.map(|p| ContainerPort {
        container_port: p,
        protocol: Protocol::TCP,
        ..Default::default()
    })
    .into_iter()
    .collect()
}

/// The Pod of `kubectl run`.
pub fn run_pod(s: &RunSpec) -> Pod {
    let mut p: Pod = new_object(&s.namespace, &s.name);
    p.metadata.labels = if s.labels.is_empty() {
        BTreeMap::from([("run".to_string(), s.name.clone())])
    } else {
        s.labels.clone()
    };
    let mut c = Container {
        name: s.name.clone(),
        image: s.image.clone(),
        ports: ports(s.port),
        image_pull_policy: s.image_pull_policy,
        env: s
            .env
            .iter()
            .map(|(k, v)| EnvVar {
                name: k.clone(),
                value: v.clone(),
                value_from: None,
            })
            .collect(),
        ..Default::default()
    };
    if s.command {
        c.command = s.args.clone();
    } else {
        c.args = s.args.clone();
    }
    p.spec = PodSpec {
        containers: vec![c],
        restart_policy: s.restart,
        ..Default::default()
    };
    p
}

/// The Deployment of `kubectl create deployment`: `app=NAME` on it, its
/// selector and its pods; a container per image, named after the image;
/// `command` goes to the (single) container's command.
pub fn deployment(
    namespace: &str,
    name: &str,
    images: &[String],
    replicas: i32,
    port: Option<i32>,
    command: &[String],
) -> Result<Deployment, String> {
    if images.is_empty() {
        return Err("at least one --image is required".into());
    }
    if images.len() > 1 && !command.is_empty() {
        return Err("cannot specify multiple --image options and command".into());
    }
    let labels = BTreeMap::from([("app".to_string(), name.to_string())]);
    let mut d: Deployment = new_object(namespace, name);
    d.metadata.labels = labels.clone();
    d.spec.replicas = Some(replicas);
    d.spec.selector.match_labels = labels.clone();
    d.spec.template.metadata.labels = labels;
    d.spec.template.spec.containers = images
        .iter()
        .map(|img| Container {
            name: container_name(img),
            image: img.clone(),
            ports: ports(port),
            command: command.to_vec(),
            ..Default::default()
        })
        .collect();
    Ok(d)
}

/// The Namespace of `kubectl create namespace`.
pub fn namespace(name: &str) -> Namespace {
    new_object("", name)
}

/// What `ork expose` was asked for.
#[derive(Clone, Debug, Default)]
pub struct ExposeSpec {
    /// Default: the exposed object's name.
    pub name: Option<String>,
    pub port: Option<i32>,
    /// A number or a container port's name; default: the port.
    pub target_port: Option<String>,
    /// `ClusterIP` (default) or `NodePort`.
    pub type_: Option<String>,
    pub protocol: Option<Protocol>,
}

/// The selector and the container ports of what `expose` exposes.
fn exposed(obj: &AnyObject) -> Result<(BTreeMap<String, String>, Vec<ContainerPort>), String> {
    let from_template = |sel: &crate::api::LabelSelector, spec: &PodSpec| {
        if !sel.match_expressions.is_empty() {
            return Err(
                "couldn't retrieve selectors via --selector flag or introspection: the selector has matchExpressions, which a Service cannot use".to_string(),
            );
        }
        let ports = spec
            .containers
            .iter()
            .flat_map(|c| c.ports.clone())
            .collect();
        Ok((sel.match_labels.clone(), ports))
    };
    match obj {
        AnyObject::Deployment(d) => from_template(&d.spec.selector, &d.spec.template.spec),
        AnyObject::ReplicaSet(r) => from_template(&r.spec.selector, &r.spec.template.spec),
        AnyObject::Pod(p) => Ok((
            p.metadata.labels.clone(),
            p.spec
                .containers
                .iter()
                .flat_map(|c| c.ports.clone())
                .collect(),
        )),
        AnyObject::Service(s) => Ok((
            s.spec.selector.clone(),
            s.spec
                .ports
                .iter()
                .map(|p| ContainerPort {
                    container_port: p.port,
                    protocol: p.protocol,
                    ..Default::default()
                })
                .collect(),
        )),
        other => Err(format!(
            "cannot expose a {}: expose a deployment, replicaset, pod or service",
            other.kind()
        )),
    }
}

/// The Service of `kubectl expose`: the object's selector (a pod's labels),
/// its labels, and `--port` (or every container port the object declares).
pub fn expose(obj: &AnyObject, s: &ExposeSpec) -> Result<Service, String> {
    let (selector, container_ports) = exposed(obj)?;
    if selector.is_empty() {
        return Err(format!(
            "couldn't retrieve selectors via --selector flag or introspection: {} has no labels to select its pods by",
            obj.qualified_name()
        ));
    }
    let m = obj.meta();
    let name = s.name.clone().unwrap_or_else(|| m.name.clone());
    let mut svc: Service = new_object(&m.namespace, &name);
    svc.metadata.labels = m.labels.clone();
    svc.spec.selector = selector;
    svc.spec.type_ = s.type_.clone().unwrap_or_else(|| "ClusterIP".into());
    let target = s.target_port.as_ref().map(|t| match t.parse::<i32>() {
        Ok(n) => IntOrString::Int(n),
        Err(_) => IntOrString::String(t.clone()),
    });
    svc.spec.ports = match s.port {
        Some(port) => vec![ServicePort {
            port,
            protocol: s.protocol.unwrap_or_default(),
            target_port: Some(target.unwrap_or(IntOrString::Int(port))),
            ..Default::default()
        }],
        None if container_ports.is_empty() => {
            return Err("couldn't find port via --port flag or introspection".into());
        }
        None => {
            let many = container_ports.len() > 1;
            container_ports
                .iter()
                .enumerate()
                .map(|(i, p)| ServicePort {
                    name: if many {
                        format!("port-{}", i + 1)
                    } else {
                        String::new()
                    },
                    port: p.container_port,
                    protocol: s.protocol.unwrap_or(p.protocol),
                    target_port: Some(target.clone().unwrap_or(IntOrString::Int(p.container_port))),
                    ..Default::default()
                })
                .collect()
        }
    };
    Ok(svc)
}

/// Where a kind keeps its containers, as a JSON pointer.
pub fn containers_pointer(kind: Kind) -> Result<&'static str, String> {
    match kind {
        Kind::Pod => Ok("/spec/containers"),
        Kind::Deployment | Kind::ReplicaSet | Kind::StatefulSet | Kind::ReplicationController => {
            Ok("/spec/template/spec/containers")
        }
        other => Err(format!(
            "{} has no containers to set (use a deployment, replicaset or pod)",
            other.plural()
        )),
    }
}

fn containers(obj: &mut Value, kind: Kind) -> Result<&mut Vec<Value>, String> {
    let ptr = containers_pointer(kind)?;
    obj.pointer_mut(ptr)
        .and_then(Value::as_array_mut)
        .ok_or_else(|| "the object has no containers".to_string())
}

/// `set image`: each `(container, image)` pair sets that container's image
/// (`*` sets every container's), leaving every other field alone. Whether
/// anything changed; an error names a container that is not there.
pub fn set_images(obj: &mut Value, kind: Kind, pairs: &[(String, String)]) -> Result<bool, String> {
    let cs = containers(obj, kind)?;
    let mut changed = false;
    for (name, image) in pairs {
        let mut found = false;
        for c in cs.iter_mut() {
            if name == "*" || c.get("name").and_then(Value::as_str) == Some(name.as_str()) {
                found = true;
                if c.get("image").and_then(Value::as_str) != Some(image.as_str()) {
                    c["image"] = Value::String(image.clone());
                    changed = true;
                }
            }
        }
        if !found {
            return Err(format!("unable to find container named {name:?}"));
        }
    }
    Ok(changed)
}

/// `set env`: in the containers named by `only` (`*`: all), set each
/// `(key, value)` (replacing a variable of that name) and remove each of
/// `remove`. Whether anything changed.
pub fn set_env(
    obj: &mut Value,
    kind: Kind,
    only: &str,
    set: &[(String, String)],
    remove: &[String],
) -> Result<bool, String> {
    let cs = containers(obj, kind)?;
    let mut changed = false;
    let mut matched = false;
    for c in cs.iter_mut() {
        let name = c
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if only != "*" && name != only {
            continue;
        }
        matched = true;
        let Some(cm) = c.as_object_mut() else {
            continue;
        };
        let env = cm.entry("env").or_insert_with(|| Value::Array(vec![]));
        let Some(list) = env.as_array_mut() else {
            return Err(format!("container {name:?} has an env that is not a list"));
        };
        let before = list.clone();
        list.retain(|e| {
            let n = e.get("name").and_then(Value::as_str).unwrap_or("");
            !remove.iter().any(|r| r == n)
        });
        for (k, v) in set {
            let entry = serde_json::json!({"name": k, "value": v});
            match list
                .iter_mut()
                .find(|e| e.get("name").and_then(Value::as_str) == Some(k.as_str()))
            {
                Some(e) => *e = entry,
                None => list.push(entry),
            }
        }
        changed |= *list != before;
        if list.is_empty() {
            cm.remove("env");
        }
    }
    if !matched {
        return Err(format!("unable to find container named {only:?}"));
    }
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn container_names_come_from_the_image() {
        assert_eq!(container_name("nginx"), "nginx");
        assert_eq!(container_name("docker.io/library/nginx:1.25"), "nginx");
        assert_eq!(container_name("reg:5000/team/my_app@sha256:abc"), "my-app");
    }

    #[test]
    fn run_makes_kubectls_pod() {
        let p = run_pod(&RunSpec {
            name: "web".into(),
            namespace: "default".into(),
            image: "nginx".into(),
            port: Some(80),
            env: vec![("A".into(), "1".into())],
            restart: RestartPolicy::Never,
            args: vec!["x".into()],
            ..Default::default()
        });
        assert_eq!(p.metadata.labels["run"], "web");
        let c = &p.spec.containers[0];
        assert_eq!((c.name.as_str(), c.image.as_str()), ("web", "nginx"));
        assert_eq!(c.ports[0].container_port, 80);
        assert_eq!(c.args, ["x"]);
        assert!(c.command.is_empty());
        assert_eq!(p.spec.restart_policy, RestartPolicy::Never);
    }

    #[test]
    fn expose_selects_the_workloads_pods() {
        let d = deployment("default", "web", &["nginx".into()], 2, Some(8080), &[]).unwrap();
        assert_eq!(d.spec.template.spec.containers[0].name, "nginx");
        let any = AnyObject::Deployment(std::sync::Arc::new(d));
        let s = expose(&any, &ExposeSpec::default()).unwrap();
        assert_eq!(s.spec.selector["app"], "web");
        assert_eq!(s.spec.ports[0].port, 8080);
        let s = expose(
            &any,
            &ExposeSpec {
                port: Some(80),
                target_port: Some("http".into()),
                name: Some("front".into()),
                type_: Some("NodePort".into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(s.metadata.name, "front");
        assert_eq!(s.spec.type_, "NodePort");
        assert_eq!(
            s.spec.ports[0].target_port,
            Some(IntOrString::String("http".into()))
        );
    }

    #[test]
    fn set_image_and_env_touch_only_their_fields() {
        let mut v = json!({"spec": {"template": {"spec": {"containers": [
            {"name": "main", "image": "a", "command": ["sleep", "1"], "env": [{"name": "X", "value": "1"}]},
            {"name": "side", "image": "b"}
        ]}}}});
        assert!(set_images(&mut v, Kind::Deployment, &[("main".into(), "a2".into())]).unwrap());
        assert_eq!(
            v.pointer("/spec/template/spec/containers/0/command/0"),
            Some(&json!("sleep"))
        );
        assert_eq!(
            v.pointer("/spec/template/spec/containers/0/image"),
            Some(&json!("a2"))
        );
        assert!(!set_images(&mut v, Kind::Deployment, &[("main".into(), "a2".into())]).unwrap());
        assert!(
            set_images(&mut v, Kind::Deployment, &[("nope".into(), "x".into())])
                .unwrap_err()
                .contains("nope")
        );
        assert!(
            set_env(
                &mut v,
                Kind::Deployment,
                "*",
                &[("Y".into(), "2".into()), ("X".into(), "3".into())],
                &[]
            )
            .unwrap()
        );
        assert_eq!(
            v.pointer("/spec/template/spec/containers/0/env"),
            Some(&json!([{"name": "X", "value": "3"}, {"name": "Y", "value": "2"}]))
        );
        assert!(
            set_env(
                &mut v,
                Kind::Deployment,
                "side",
                &[],
                &["Y".into(), "X".into()]
            )
            .unwrap()
        );
        assert_eq!(v.pointer("/spec/template/spec/containers/1/env"), None);
        assert!(set_env(&mut v, Kind::Pod, "*", &[], &[]).is_err());
    }
}
