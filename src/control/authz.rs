//! Who may do what: the decision for one request, from the caller's
//! [`Identity`] and the request's [`Attributes`] (Kubernetes' verb, group,
//! resource, subresource, namespace, name). A pure function over a few
//! facts about the cluster ([`Facts`]), so the whole policy is table-tested.
//!
//! # Policy
//!
//! - **admin**: everything.
//! - **edit**: every verb on workloads and their subresources (pods, exec,
//!   logs, scale, deployments, replica sets, services, endpoints,
//!   ConfigMaps, claims, autoscalers, events, `apply`); Secrets may be
//!   written but not read; nodes, namespaces, metrics, heartbeats,
//!   IngressClasses, StorageClasses, Leases and PriorityClasses may be
//!   read, not written; nothing under `/apis/ork.dev/v1/secrets`, tokens or
//!   `/metrics`.
//! - **view**: reads (get, list, watch) of everything but Secrets, and logs;
//!   no exec.
//! - RBAC objects (Roles, bindings) grant access and admission policies
//!   decide what may be written, so neither edit nor view reaches them (as
//!   in Kubernetes): admins only.
//! - **node** `system:node:<name>` (Kubernetes' Node authorizer): its own
//!   Node (create, read, update, status, heartbeat, usage, certificate; never
//!   delete), the list of Nodes (its peers, for fencing); pods bound to it (read, status, delete; lists only with
//!   `fieldSelector=spec.nodeName=<name>`); the ConfigMaps, Secrets and claims
//!   its pods use (lists and watches are filtered to those); Services and
//!   Endpoints (its service proxy); Events about its objects (their content is
//!   checked on write). Everything else is denied.
//!   A node also reads the ServiceAccounts its pods run as and asks for
//!   their tokens (`create serviceaccounts/token`; the TokenRequest handler
//!   checks the token is bound to a pod of that node).
//! - **service account** `system:serviceaccount:<ns>:<name>` (a bound
//!   token, [`crate::api::bound_token`]): what the RBAC Roles and
//!   ClusterRoles bound to it, its groups (`system:serviceaccounts`,
//!   `system:serviceaccounts:<ns>`, `system:authenticated`) allow
//!   ([`crate::api::rbac`]), nothing else.
//! - **users** (edit, view): what their role does not allow, RoleBindings
//!   and ClusterRoleBindings naming the user (or its groups) may still allow.
//! - **join token**: only `POST /apis/ork.dev/v1/join`.
//! - Every other caller may read discovery (`/api`, `/apis`, `/api/v1`,
//!   `/apis/{group}[/{version}]`), `/openapi/...` and `/version`, and ask
//!   what it may do (SelfSubjectAccessReview, SelfSubjectReview).
//!
//! It imports `api` only.

use crate::api::rbac::{self, PolicyRule};
pub use crate::api::token::Role;
use std::fmt;

/// Who made a request.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Identity {
    /// A person or program with a role.
    User { name: String, role: Role },
    /// A node daemon.
    Node(String),
    /// A join token (`<id>`): it may only join.
    Bootstrap(String),
    /// A pod's service account, by a bound token.
    ServiceAccount { namespace: String, name: String },
}

impl Identity {
    /// The user name Kubernetes would show (`whoami`).
    pub fn username(&self) -> String {
        match self {
            Identity::User { name, .. } => name.clone(),
            Identity::Node(n) => format!("system:node:{n}"),
            Identity::Bootstrap(id) => format!("system:bootstrap:{id}"),
            Identity::ServiceAccount { namespace, name } => {
                rbac::service_account_user(namespace, name)
            }
        }
    }

    /// Its groups.
    pub fn groups(&self) -> Vec<String> {
        let mut g = match self {
            Identity::User { role, .. } => vec![role.group()],
            Identity::Node(_) => vec!["system:nodes".to_string()],
            Identity::Bootstrap(_) => vec!["system:bootstrappers".to_string()],
            Identity::ServiceAccount { namespace, .. } => vec![
                "system:serviceaccounts".to_string(),
                format!("system:serviceaccounts:{namespace}"),
            ],
        };
        g.push("system:authenticated".into());
        g
    }
}

impl fmt::Display for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Identity::User { name, role } => write!(f, "{name} ({role})"),
            other => f.write_str(&other.username()),
        }
    }
}

/// What a request does, in Kubernetes' terms.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Attributes {
    /// `get`, `list`, `watch`, `create`, `update`, `patch`, `delete`,
    /// `deletecollection`; for a path that names no resource, the HTTP
    /// method in lower case.
    pub verb: String,
    /// Whether the path names a resource (`/api/...`, `/apis/...`).
    pub resource_request: bool,
    /// The API group (`""` for core).
    pub group: String,
    pub resource: String,
    pub subresource: String,
    pub namespace: String,
    pub name: String,
    /// The request's `fieldSelector` (node lists must name themselves).
    pub field_selector: String,
    pub path: String,
}

impl Attributes {
    /// Reads a request's method, path and query the way Kubernetes'
    /// request-info does.
    pub fn from_request(method: &str, path: &str, query: &str) -> Attributes {
        let param = |key: &str| {
            query.split('&').find_map(|kv| {
                let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                (k == key).then(|| percent_decode(v))
            })
        };
        let watch =
            param("watch").is_some_and(|w| crate::api::wire::parse_go_bool(&w) == Some(true));
        let mut a = Attributes {
            path: path.to_string(),
            field_selector: param("fieldSelector").unwrap_or_default(),
            ..Default::default()
        };
        let segs: Vec<&str> = path
            .trim_matches('/')
            .split('/')
            .filter(|s| !s.is_empty())
            .collect();
        // As Kubernetes reads paths: `/api/v1` and `/apis/{group}/{version}`
        // (discovery) name no resource.
        let rest: &[&str] = match segs.as_slice() {
            ["api", _version, rest @ ..] if !rest.is_empty() => rest,
            ["apis", group, _version, rest @ ..] if !rest.is_empty() => {
                a.group = (*group).to_string();
                rest
            }
            _ => {
                a.verb = method.to_ascii_lowercase();
                return a;
            }
        };
        a.resource_request = true;
        let rest = match rest {
            // A namespace's own subresources: `/api/v1/namespaces/{name}/status`.
            ["namespaces", ns, sub @ ("status" | "finalize")] => {
                a.resource = "namespaces".into();
                a.name = (*ns).to_string();
                a.namespace = (*ns).to_string();
                a.subresource = (*sub).to_string();
                &[]
            }
            ["namespaces", ns, r @ ..] if !r.is_empty() => {
                a.namespace = (*ns).to_string();
                r
            }
            r => r,
        };
        match rest {
            [] => {}
            [res] => a.resource = (*res).to_string(),
            [res, name] => {
                a.resource = (*res).to_string();
                a.name = (*name).to_string();
            }
            [res, name, sub, ..] => {
                a.resource = (*res).to_string();
                a.name = (*name).to_string();
                a.subresource = (*sub).to_string();
            }
        }
        // A namespace is addressed as `/api/v1/namespaces/{name}`.
        if a.resource == "namespaces" && a.namespace.is_empty() && !a.name.is_empty() {
            a.namespace = a.name.clone();
        }
        let named = !a.name.is_empty();
        a.verb = match (method, named) {
            ("GET" | "HEAD", _) if watch => "watch",
            ("GET" | "HEAD", true) => "get",
            ("GET" | "HEAD", false) => "list",
            ("POST", _) => "create",
            ("PUT", _) => "update",
            ("PATCH", _) => "patch",
            ("DELETE", true) => "delete",
            ("DELETE", false) => "deletecollection",
            (m, _) => {
                return Attributes {
                    verb: m.to_ascii_lowercase(),
                    ..a
                };
            }
        }
        .to_string();
        // Streams opened with a WebSocket `GET` create them, as Kubernetes
        // checks (`create pods/exec`, `pods/attach`, `pods/portforward`).
        if a.resource == "pods"
            && matches!(a.subresource.as_str(), "exec" | "attach" | "portforward")
        {
            a.verb = "create".into();
        }
        a
    }

    fn is_read(&self) -> bool {
        matches!(self.verb.as_str(), "get" | "list" | "watch")
    }

    fn is(&self, group: &str, resource: &str) -> bool {
        self.group == group && self.resource == resource
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                match u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("zz"), 16)
                {
                    Ok(v) => {
                        out.push(v);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// What the policy needs to know about the cluster to decide for a node.
pub trait Facts {
    /// The node a pod is bound to (`None`: no such pod or not bound).
    fn pod_node(&self, namespace: &str, name: &str) -> Option<String>;
    /// Whether a pod bound to `node` uses this ConfigMap, Secret or claim
    /// (`resource` is the plural), or the claim is bound to `node`.
    fn node_uses(&self, node: &str, resource: &str, namespace: &str, name: &str) -> bool;
    /// The object an Event is about: `(kind, namespace, name)`.
    fn event_about(&self, namespace: &str, name: &str) -> Option<(String, String, String)>;
    /// The RBAC rules granted to `user` with `groups` in `namespace`
    /// (RoleBindings there and every ClusterRoleBinding; only the latter
    /// when `namespace` is empty).
    fn rbac_rules(&self, _user: &str, _groups: &[String], _namespace: &str) -> Vec<PolicyRule> {
        vec![]
    }
}

/// The answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// Allowed, with lists and watches cut down to what this node's pods
    /// use (ConfigMaps, Secrets, claims).
    AllowUsedBy(String),
    Deny(String),
}

impl Decision {
    pub fn allowed(&self) -> bool {
        !matches!(self, Decision::Deny(_))
    }
}

fn deny(id: &Identity, a: &Attributes, why: &str) -> Decision {
    let what = if a.resource_request {
        let mut r = a.resource.clone();
        if !a.subresource.is_empty() {
            r = format!("{r}/{}", a.subresource);
        }
        if !a.group.is_empty() {
            r = format!("{r}.{}", a.group);
        }
        let scope = if a.namespace.is_empty() || a.resource == "namespaces" {
            String::new()
        } else {
            format!(" in namespace {:?}", a.namespace)
        };
        format!("{} {r}{scope}", a.verb)
    } else {
        format!("{} {}", a.verb.to_ascii_uppercase(), a.path)
    };
    Decision::Deny(format!("{} may not {what}: {why}", id.username()))
}

/// Groups whose namespaced resources are workloads.
const WORKLOAD_GROUPS: &[&str] = &[
    "",
    "apps",
    "autoscaling",
    "batch",
    "policy",
    "networking.k8s.io",
];

/// Decides one request.
pub fn authorize(id: &Identity, a: &Attributes, facts: &dyn Facts) -> Decision {
    if let Identity::Bootstrap(_) = id {
        return if a.verb == "create" && a.is("ork.dev", "join") {
            Decision::Allow
        } else {
            deny(id, a, "a join token may only join (ork node --join)")
        };
    }
    // What every other caller may do: read discovery, OpenAPI and the
    // version (Kubernetes' system:discovery role).
    if is_discovery(a) {
        return Decision::Allow;
    }
    if a.verb == "create"
        && ((a.is("authorization.k8s.io", "selfsubjectaccessreviews"))
            || a.is("authorization.k8s.io", "selfsubjectrulesreviews")
            || a.is("authentication.k8s.io", "selfsubjectreviews"))
    {
        return Decision::Allow;
    }
    match id {
        Identity::User { role, .. } => match user(id, *role, a) {
            Decision::Deny(_) if rbac_allows(id, a, facts) => Decision::Allow,
            d => d,
        },
        Identity::Node(n) => node(id, n, a, facts),
        Identity::Bootstrap(_) => deny(id, a, "a join token may only join"),
        Identity::ServiceAccount { .. } => {
            if rbac_allows(id, a, facts) {
                Decision::Allow
            } else {
                deny(id, a, "no RBAC Role or ClusterRole bound to it allows this")
            }
        }
    }
}

/// Whether the RBAC rules bound to the caller allow the request.
fn rbac_allows(id: &Identity, a: &Attributes, facts: &dyn Facts) -> bool {
    // Rules of a namespace cover its objects; a Namespace object itself is
    // cluster-scoped.
    let ns = if a.resource == "namespaces" && a.subresource.is_empty() {
        ""
    } else {
        a.namespace.as_str()
    };
    let rules = facts.rbac_rules(&id.username(), &id.groups(), ns);
    rbac::allows(
        &rules,
        &rbac::Request {
            verb: &a.verb,
            resource_request: a.resource_request,
            group: &a.group,
            resource: &a.resource,
            subresource: &a.subresource,
            name: &a.name,
            path: &a.path,
        },
    )
}

/// A read of a path every authenticated caller may read: `/api`, `/apis`
/// and below them what names no resource, `/openapi/...`, `/version`, the
/// health checks.
fn is_discovery(a: &Attributes) -> bool {
    if a.resource_request || !matches!(a.verb.as_str(), "get" | "head") {
        return false;
    }
    let p = a.path.trim_end_matches('/');
    let under = |root: &str| p == root || p.starts_with(&format!("{root}/"));
    under("/api")
        || under("/apis")
        || under("/openapi")
        || matches!(p, "/version" | "/healthz" | "/livez" | "/readyz")
}

fn user(id: &Identity, role: Role, a: &Attributes) -> Decision {
    if role == Role::Admin {
        return Decision::Allow;
    }
    let read = a.is_read();
    if !a.resource_request {
        return deny(id, a, "only admins reach this path");
    }
    if a.is("", "secrets") {
        return match role {
            Role::Edit if !read => Decision::Allow,
            _ => deny(id, a, "Secrets are readable by admins only"),
        };
    }
    if a.is("", "nodes") || a.is("", "namespaces") || a.group == "metrics.k8s.io" {
        return if read {
            Decision::Allow
        } else {
            deny(
                id,
                a,
                "nodes, namespaces and metrics are changed by admins only",
            )
        };
    }
    if a.group == "ork.dev" {
        return match (a.resource.as_str(), a.verb.as_str()) {
            ("heartbeats", "list") | ("nodes", "get") => Decision::Allow,
            ("apply", "create") if role == Role::Edit => Decision::Allow,
            _ => deny(id, a, "admins only"),
        };
    }
    if a.is("networking.k8s.io", "ingressclasses") && !read {
        return deny(id, a, "IngressClasses are changed by admins only");
    }
    // Who leads the control plane, how pods rank and which storage claims
    // get: read by all, changed by admins (and the control plane) only.
    if a.is("coordination.k8s.io", "leases")
        || a.is("scheduling.k8s.io", "priorityclasses")
        || a.is("storage.k8s.io", "storageclasses")
    {
        return if read && a.subresource != "exec" {
            Decision::Allow
        } else {
            deny(
                id,
                a,
                "Leases, PriorityClasses and StorageClasses are changed by admins only",
            )
        };
    }
    if !WORKLOAD_GROUPS.contains(&a.group.as_str()) {
        return deny(id, a, "not a workload API");
    }
    match role {
        Role::Edit => Decision::Allow,
        Role::View if read && a.subresource != "exec" => Decision::Allow,
        Role::View => deny(id, a, "the view role only reads"),
        Role::Admin => Decision::Allow,
    }
}

fn node(id: &Identity, me: &str, a: &Attributes, facts: &dyn Facts) -> Decision {
    let own = |what: &str| deny(id, a, &format!("a node may only {what}"));
    if !a.resource_request {
        return own("reach its own objects");
    }
    match (a.group.as_str(), a.resource.as_str()) {
        ("", "nodes") => {
            let mine = a.name == me;
            match (a.verb.as_str(), a.subresource.as_str()) {
                ("create", "") if a.name.is_empty() || mine => Decision::Allow,
                // Its peers' addresses, asked when it is cut off (fencing).
                ("list", "") if a.name.is_empty() => Decision::Allow,
                ("get" | "update" | "patch", "" | "status") if mine => Decision::Allow,
                ("create", "heartbeat" | "usage" | "certificate") if mine => Decision::Allow,
                ("delete" | "deletecollection", _) => own("stop itself; admins delete nodes"),
                _ => own("read and update its own Node"),
            }
        }
        ("", "pods") => {
            let bound_here = || facts.pod_node(&a.namespace, &a.name).as_deref() == Some(me);
            match (a.verb.as_str(), a.subresource.as_str()) {
                ("list" | "watch", "") => {
                    let wanted = format!("spec.nodeName={me}");
                    if a.field_selector.split(',').any(|f| f.trim() == wanted) {
                        Decision::Allow
                    } else {
                        own(&format!("list its own pods (fieldSelector={wanted})"))
                    }
                }
                ("get", "") | ("get" | "update" | "patch", "status") | ("delete", "")
                    if bound_here() =>
                {
                    Decision::Allow
                }
                _ => own("read and report the pods bound to it"),
            }
        }
        // The tokens of its pods' accounts: the TokenRequest handler checks
        // that each is bound to a pod of this node.
        ("", "serviceaccounts") => match (a.verb.as_str(), a.subresource.as_str()) {
            ("create", "token") => Decision::Allow,
            ("get", "") if facts.node_uses(me, "serviceaccounts", &a.namespace, &a.name) => {
                Decision::Allow
            }
            _ => own("read the service accounts of its pods and ask for their tokens"),
        },
        // Beyond nodes and pods, a node reaches no subresource.
        _ if !a.subresource.is_empty() => own("reach the subresources of its Node and pods"),
        ("", "configmaps" | "secrets" | "persistentvolumeclaims") => match a.verb.as_str() {
            "list" | "watch" => Decision::AllowUsedBy(me.to_string()),
            "get" if facts.node_uses(me, &a.resource, &a.namespace, &a.name) => Decision::Allow,
            _ => own("read what its pods use"),
        },
        ("", "services" | "endpoints") if a.is_read() => Decision::Allow,
        // Every node serves every Ingress of ork's class.
        ("networking.k8s.io", "ingresses" | "ingressclasses") if a.is_read() => Decision::Allow,
        ("", "events") => match a.verb.as_str() {
            // The content of a write (what it is about) is checked on admission.
            "create" | "update" | "patch" => Decision::Allow,
            "get" => match facts.event_about(&a.namespace, &a.name) {
                Some((kind, ns, name)) if about_node(me, &kind, &ns, &name, facts) => {
                    Decision::Allow
                }
                _ => own("read events about its objects"),
            },
            _ => own("record events about its objects"),
        },
        _ => own("reach what it needs to run its pods"),
    }
}

/// Whether an Event about `kind ns/name` may be written or read by node `me`.
pub fn about_node(me: &str, kind: &str, ns: &str, name: &str, facts: &dyn Facts) -> bool {
    match kind {
        "Node" => name == me,
        "Pod" => facts.pod_node(ns, name).as_deref() == Some(me),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Cluster;

    impl Facts for Cluster {
        fn pod_node(&self, _ns: &str, name: &str) -> Option<String> {
            match name {
                "a1" => Some("a".into()),
                "b1" => Some("b".into()),
                _ => None,
            }
        }
        fn node_uses(&self, node: &str, _resource: &str, _ns: &str, name: &str) -> bool {
            node == "a" && name == "used-by-a"
        }
        fn event_about(&self, _ns: &str, name: &str) -> Option<(String, String, String)> {
            match name {
                "ev-a1" => Some(("Pod".into(), "default".into(), "a1".into())),
                "ev-b" => Some(("Node".into(), String::new(), "b".into())),
                _ => None,
            }
        }
    }

    fn decide(id: &Identity, method: &str, path: &str, query: &str) -> Decision {
        authorize(id, &Attributes::from_request(method, path, query), &Cluster)
    }

    fn user(role: Role) -> Identity {
        Identity::User {
            name: "u".into(),
            role,
        }
    }

    #[test]
    fn paths_read_as_kubernetes_request_attributes() {
        let a = Attributes::from_request("GET", "/api/v1/namespaces/default/pods/p1/log", "");
        assert_eq!(
            (
                a.verb.as_str(),
                a.group.as_str(),
                a.resource.as_str(),
                a.subresource.as_str()
            ),
            ("get", "", "pods", "log")
        );
        assert_eq!((a.namespace.as_str(), a.name.as_str()), ("default", "p1"));
        let a = Attributes::from_request("GET", "/apis/apps/v1/deployments", "watch=true");
        assert_eq!((a.verb.as_str(), a.group.as_str()), ("watch", "apps"));
        let a = Attributes::from_request("DELETE", "/api/v1/namespaces/x", "");
        assert_eq!(
            (a.verb.as_str(), a.resource.as_str(), a.namespace.as_str()),
            ("delete", "namespaces", "x")
        );
        let a = Attributes::from_request("PUT", "/api/v1/namespaces/x/status", "");
        assert_eq!(
            (
                a.verb.as_str(),
                a.resource.as_str(),
                a.name.as_str(),
                a.subresource.as_str()
            ),
            ("update", "namespaces", "x", "status")
        );
        let a = Attributes::from_request("DELETE", "/api/v1/nodes", "");
        assert_eq!(a.verb, "deletecollection");
        let a = Attributes::from_request(
            "GET",
            "/api/v1/pods",
            "fieldSelector=spec.nodeName%3Dn1&watch=1",
        );
        assert_eq!(
            (a.verb.as_str(), a.field_selector.as_str()),
            ("watch", "spec.nodeName=n1")
        );
        let a = Attributes::from_request("GET", "/version", "");
        assert!(!a.resource_request);
    }

    #[test]
    fn admins_do_everything_view_reads_all_but_secrets_edit_writes_workloads() {
        let (admin, edit, view) = (user(Role::Admin), user(Role::Edit), user(Role::View));
        let ok = |id: &Identity, m: &str, p: &str| decide(id, m, p, "").allowed();
        assert!(ok(&admin, "DELETE", "/api/v1/nodes/n1"));
        assert!(ok(&admin, "GET", "/metrics"));
        assert!(ok(
            &edit,
            "POST",
            "/apis/apps/v1/namespaces/default/deployments"
        ));
        assert!(ok(&edit, "POST", "/api/v1/namespaces/default/pods/p/exec"));
        assert!(ok(&edit, "PUT", "/api/v1/namespaces/default/secrets/s"));
        assert!(!ok(&edit, "GET", "/api/v1/namespaces/default/secrets/s"));
        assert!(!ok(&edit, "GET", "/api/v1/secrets"));
        assert!(ok(&edit, "GET", "/api/v1/nodes"));
        assert!(!ok(&edit, "PATCH", "/api/v1/nodes/n1"));
        assert!(!ok(&edit, "POST", "/api/v1/namespaces"));
        assert!(!ok(&edit, "POST", "/apis/ork.dev/v1/secrets/rotate-key"));
        assert!(ok(&edit, "POST", "/apis/ork.dev/v1/apply"));
        assert!(!ok(&edit, "GET", "/metrics"));
        assert!(ok(&view, "GET", "/apis/apps/v1/deployments"));
        assert!(ok(&view, "GET", "/api/v1/namespaces/default/pods/p/log"));
        assert!(!ok(&view, "POST", "/api/v1/namespaces/default/pods/p/exec"));
        for sub in ["exec", "attach", "portforward"] {
            let path = format!("/api/v1/namespaces/default/pods/p/{sub}");
            assert!(!ok(&view, "GET", &path), "view may not open {sub}");
            assert!(ok(&edit, "GET", &path), "edit opens {sub}");
        }
        assert!(!ok(&view, "GET", "/api/v1/namespaces/default/secrets/s"));
        assert!(!ok(&view, "DELETE", "/api/v1/namespaces/default/pods/p"));
        assert!(!ok(&view, "POST", "/apis/ork.dev/v1/apply"));
        for id in [&admin, &edit, &view] {
            assert!(ok(id, "GET", "/version"));
            assert!(ok(
                id,
                "POST",
                "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
            ));
        }
    }

    #[test]
    fn nodes_read_ingresses_and_only_admins_change_ingress_classes() {
        let a = Identity::Node("a".into());
        let ok = |id: &Identity, m: &str, p: &str| decide(id, m, p, "").allowed();
        let ings = "/apis/networking.k8s.io/v1/namespaces/default/ingresses";
        let classes = "/apis/networking.k8s.io/v1/ingressclasses";
        assert!(ok(&a, "GET", ings));
        assert!(ok(&a, "GET", &format!("{classes}/ork")));
        assert!(!ok(&a, "POST", ings));
        assert!(!ok(&a, "PUT", &format!("{ings}/web/status")));
        assert!(!ok(&a, "DELETE", &format!("{classes}/ork")));
        let (edit, view) = (user(Role::Edit), user(Role::View));
        assert!(ok(&edit, "POST", ings));
        assert!(ok(&view, "GET", ings));
        assert!(!ok(&view, "POST", ings));
        assert!(ok(&edit, "GET", classes));
        assert!(!ok(&edit, "POST", classes));
        assert!(ok(&user(Role::Admin), "POST", classes));
        let storage = "/apis/storage.k8s.io/v1/storageclasses";
        assert!(ok(&edit, "GET", storage) && ok(&view, "GET", storage));
        assert!(!ok(&edit, "POST", storage));
        assert!(!ok(&edit, "DELETE", &format!("{storage}/local")));
        assert!(ok(&user(Role::Admin), "POST", storage));
        assert!(!ok(&a, "GET", storage), "nodes need no classes");
        // Placing pods is a scheduler's: never a node's, whichever route.
        let binding = "/api/v1/namespaces/default/pods/pa/binding";
        assert!(!ok(&a, "POST", binding));
        assert!(!ok(&a, "POST", "/api/v1/namespaces/default/bindings"));
        assert!(ok(&edit, "POST", binding) && !ok(&view, "POST", binding));
    }

    #[test]
    fn a_node_reaches_only_its_own_node_pods_and_what_they_use() {
        let a = Identity::Node("a".into());
        let d = |m: &str, p: &str, q: &str| decide(&a, m, p, q);
        let ok = |m: &str, p: &str| d(m, p, "").allowed();
        assert!(ok("POST", "/api/v1/nodes"));
        assert!(ok("GET", "/api/v1/nodes/a"));
        assert!(ok("PUT", "/api/v1/nodes/a/status"));
        assert!(ok("POST", "/api/v1/nodes/a/heartbeat"));
        assert!(ok("POST", "/api/v1/nodes/a/usage"));
        assert!(!ok("GET", "/api/v1/nodes/b"));
        assert!(ok("GET", "/api/v1/nodes"));
        assert!(!ok("PATCH", "/api/v1/nodes/b"));
        assert!(!ok("POST", "/api/v1/nodes/b/usage"));
        assert!(!ok("DELETE", "/api/v1/nodes/a"));
        assert!(!ok("DELETE", "/api/v1/nodes"));
        assert!(!ok("GET", "/api/v1/pods"));
        assert!(
            d(
                "GET",
                "/api/v1/pods",
                "fieldSelector=spec.nodeName%3Da&watch=true"
            )
            .allowed()
        );
        assert!(!d("GET", "/api/v1/pods", "fieldSelector=spec.nodeName%3Db").allowed());
        assert!(ok("GET", "/api/v1/namespaces/default/pods/a1"));
        assert!(ok("PUT", "/api/v1/namespaces/default/pods/a1/status"));
        assert!(ok("DELETE", "/api/v1/namespaces/default/pods/a1"));
        assert!(!ok("GET", "/api/v1/namespaces/default/pods/b1"));
        assert!(!ok("PUT", "/api/v1/namespaces/default/pods/a1"));
        assert!(!ok("POST", "/api/v1/namespaces/default/pods"));
        assert!(!ok("POST", "/api/v1/namespaces/default/pods/a1/exec"));
        assert!(ok("GET", "/api/v1/namespaces/default/secrets/used-by-a"));
        assert!(!ok("GET", "/api/v1/namespaces/default/secrets/other"));
        assert_eq!(
            d("GET", "/api/v1/secrets", "watch=true"),
            Decision::AllowUsedBy("a".into())
        );
        assert!(ok("GET", "/api/v1/services"));
        assert!(!ok("POST", "/api/v1/namespaces/default/services"));
        assert!(ok("POST", "/api/v1/namespaces/default/events"));
        assert!(ok("GET", "/api/v1/namespaces/default/events/ev-a1"));
        assert!(!ok("GET", "/api/v1/namespaces/default/events/ev-b"));
        assert!(!ok("GET", "/api/v1/events"));
        assert!(!ok("POST", "/apis/apps/v1/namespaces/default/deployments"));
        assert!(!ok("POST", "/apis/ork.dev/v1/apply"));
        assert!(!ok("GET", "/metrics"));
        let Decision::Deny(why) = d("DELETE", "/api/v1/nodes/b", "") else {
            panic!()
        };
        assert!(
            why.starts_with("system:node:a may not delete nodes"),
            "{why}"
        );
    }

    /// RBAC facts: `reader` in `team` may list pods there (a Role), and
    /// every service account may read `/healthz` (a ClusterRole).
    struct Bound;

    impl Facts for Bound {
        fn pod_node(&self, _ns: &str, _name: &str) -> Option<String> {
            None
        }
        fn node_uses(&self, _node: &str, _resource: &str, _ns: &str, _name: &str) -> bool {
            false
        }
        fn event_about(&self, _ns: &str, _name: &str) -> Option<(String, String, String)> {
            None
        }
        fn rbac_rules(&self, user: &str, groups: &[String], ns: &str) -> Vec<PolicyRule> {
            let mut out = vec![PolicyRule {
                verbs: vec!["get".into()],
                non_resource_urls: vec!["/healthz".into()],
                ..Default::default()
            }];
            if ns == "team"
                && (user == "system:serviceaccount:team:reader" || user == "jane")
                && groups.iter().any(|g| g == "system:authenticated")
            {
                out.push(PolicyRule {
                    verbs: vec!["list".into(), "get".into()],
                    api_groups: vec!["".into()],
                    resources: vec!["pods".into(), "pods/log".into()],
                    ..Default::default()
                });
            }
            out
        }
    }

    #[test]
    fn a_service_account_may_do_only_what_its_bindings_allow() {
        let sa = Identity::ServiceAccount {
            namespace: "team".into(),
            name: "reader".into(),
        };
        assert_eq!(sa.username(), "system:serviceaccount:team:reader");
        assert!(
            sa.groups()
                .contains(&"system:serviceaccounts:team".to_string())
        );
        let ok = |id: &Identity, m: &str, p: &str| {
            authorize(id, &Attributes::from_request(m, p, ""), &Bound).allowed()
        };
        assert!(ok(&sa, "GET", "/api/v1/namespaces/team/pods"));
        assert!(ok(&sa, "GET", "/api/v1/namespaces/team/pods/web/log"));
        assert!(!ok(&sa, "GET", "/api/v1/namespaces/team/secrets"));
        assert!(!ok(&sa, "DELETE", "/api/v1/namespaces/team/pods/web"));
        assert!(!ok(&sa, "GET", "/api/v1/namespaces/other/pods"));
        assert!(
            !ok(&sa, "GET", "/api/v1/pods"),
            "a Role grants one namespace"
        );
        assert!(ok(&sa, "GET", "/healthz"));
        assert!(!ok(&sa, "GET", "/metrics"));
        assert!(ok(&sa, "GET", "/api/v1"), "discovery");
        let Decision::Deny(why) = authorize(
            &sa,
            &Attributes::from_request("GET", "/api/v1/namespaces/team/secrets", ""),
            &Bound,
        ) else {
            panic!()
        };
        assert!(
            why.starts_with(
                "system:serviceaccount:team:reader may not list secrets in namespace \"team\""
            ),
            "{why}"
        );
        // A user's role still decides first; bindings only add.
        let jane = Identity::User {
            name: "jane".into(),
            role: Role::View,
        };
        assert!(ok(&jane, "GET", "/api/v1/namespaces/x/pods"));
        assert!(!ok(&jane, "DELETE", "/api/v1/namespaces/x/pods/p"));
        let node = Identity::Node("a".into());
        assert!(ok(
            &node,
            "POST",
            "/api/v1/namespaces/team/serviceaccounts/reader/token"
        ));
        assert!(!ok(
            &node,
            "GET",
            "/api/v1/namespaces/team/serviceaccounts/reader"
        ));
    }

    #[test]
    fn a_join_token_only_joins() {
        let b = Identity::Bootstrap("abcdef".into());
        assert!(decide(&b, "POST", "/apis/ork.dev/v1/join", "").allowed());
        assert!(!decide(&b, "GET", "/api/v1/pods", "").allowed());
        assert!(!decide(&b, "POST", "/api/v1/nodes", "").allowed());
        assert!(!decide(&b, "GET", "/version", "").allowed());
    }

    #[test]
    fn every_authenticated_caller_reads_discovery_and_openapi() {
        let callers = [
            user(Role::View),
            user(Role::Edit),
            Identity::Node("a".into()),
        ];
        for id in &callers {
            for p in [
                "/api",
                "/api/",
                "/api/v1",
                "/apis",
                "/apis/apps",
                "/apis/apps/v1/",
                "/apis/autoscaling/v1",
                "/openapi/v2",
                "/openapi/v3",
                "/openapi/v3/apis/apps/v1",
                "/version",
            ] {
                assert!(decide(id, "GET", p, "").allowed(), "{id} GET {p}");
            }
            assert!(
                !decide(id, "POST", "/api/v1", "").allowed(),
                "{id} POST /api/v1"
            );
        }
        let a = Attributes::from_request("GET", "/apis/apps/v1", "");
        assert!(!a.resource_request);
        let a = Attributes::from_request("GET", "/api/v1/pods", "");
        assert!(a.resource_request);
        let joiner = Identity::Bootstrap("abc".into());
        assert!(!decide(&joiner, "GET", "/apis", "").allowed());
        // Resources under a group are still the role's to decide.
        assert!(!decide(&user(Role::View), "GET", "/api/v1/secrets", "").allowed());
    }
}
