//! `rbac.authorization.k8s.io/v1` Role, ClusterRole, RoleBinding and
//! ClusterRoleBinding, and the minimal evaluator over them: which rules a
//! subject (a user name and its groups) is granted where, and whether one
//! request ([`Request`]) is allowed by those rules.
//!
//! # Evaluation
//!
//! - A RoleBinding grants its role's rules in its own namespace; its
//!   `roleRef` names a Role of that namespace or a ClusterRole.
//! - A ClusterRoleBinding grants its ClusterRole's rules everywhere,
//!   cluster-scoped resources and non-resource URLs included.
//! - A subject is a `User` (by name), a `Group`, or a `ServiceAccount`
//!   (`system:serviceaccount:<namespace>:<name>`; the namespace defaults to
//!   the binding's).
//! - A rule matches a resource request when its verbs, apiGroups and
//!   resources (`pods`, `pods/log`, `*`, `*/log`, `pods/*`) include the
//!   request's, and `resourceNames`, when given, includes its name; a
//!   non-resource request (`/healthz`) when its `nonResourceURLs` include the
//!   path (`/api/*` is a prefix). Rules only add: there is no deny.
//! - A ClusterRole with an `aggregationRule` has the rules of the
//!   ClusterRoles its `clusterRoleSelectors` match ([`aggregate`]), written
//!   into its `rules` by the control plane, which keeps them up to date.
//!
//! Types and pure functions only; imports nothing of ork outside `api`.

use super::meta::ObjectMeta;
use super::selector::LabelSelector;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The API group of these kinds.
pub const GROUP: &str = "rbac.authorization.k8s.io";

/// One grant: these verbs on these resources (or URLs).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct PolicyRule {
    pub verbs: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub api_groups: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resource_names: Vec<String>,
    #[serde(rename = "nonResourceURLs", skip_serializing_if = "Vec::is_empty")]
    pub non_resource_urls: Vec<String>,
}

/// Rules in one namespace.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Role {
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<PolicyRule>,
}

/// Rules for the whole cluster (or, bound by a RoleBinding, one namespace).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ClusterRole {
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<PolicyRule>,
    /// Its rules are those of the ClusterRoles these select (the control
    /// plane writes them into `rules`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aggregation_rule: Option<AggregationRule>,
}

/// Which ClusterRoles an aggregated ClusterRole takes its rules from: those
/// any of the selectors matches.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct AggregationRule {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cluster_role_selectors: Vec<LabelSelector>,
}

/// Who a binding is for.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Subject {
    /// `User`, `Group` or `ServiceAccount`.
    pub kind: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub api_group: String,
    pub name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub namespace: String,
}

/// The role a binding grants.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct RoleRef {
    pub api_group: String,
    /// `Role` or `ClusterRole`.
    pub kind: String,
    pub name: String,
}

/// Grants a Role or ClusterRole in one namespace.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct RoleBinding {
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub subjects: Vec<Subject>,
    pub role_ref: RoleRef,
}

/// Grants a ClusterRole everywhere.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ClusterRoleBinding {
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub subjects: Vec<Subject>,
    pub role_ref: RoleRef,
}

impl RoleRef {
    /// `Role/name` or `ClusterRole/name`, as kubectl's ROLE column shows it.
    pub fn shown(&self) -> String {
        format!("{}/{}", self.kind, self.name)
    }
}

/// The user name of a service account.
pub fn service_account_user(namespace: &str, name: &str) -> String {
    format!("system:serviceaccount:{namespace}:{name}")
}

/// Whether `subject`, in a binding of namespace `binding_ns` (empty for a
/// ClusterRoleBinding), names the caller `user` with `groups`.
pub fn subject_matches(subject: &Subject, binding_ns: &str, user: &str, groups: &[String]) -> bool {
    match subject.kind.as_str() {
        "User" => subject.name == user,
        "Group" => groups.contains(&subject.name),
        "ServiceAccount" => {
            let ns = if subject.namespace.is_empty() {
                binding_ns
            } else {
                &subject.namespace
            };
            !ns.is_empty() && service_account_user(ns, &subject.name) == user
        }
        _ => false,
    }
}

/// One request, as the evaluator sees it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Request<'a> {
    pub verb: &'a str,
    /// Whether the path names a resource (else `path` is matched).
    pub resource_request: bool,
    pub group: &'a str,
    pub resource: &'a str,
    pub subresource: &'a str,
    pub name: &'a str,
    pub path: &'a str,
}

fn has(list: &[String], want: &str) -> bool {
    list.iter().any(|x| x == "*" || x == want)
}

/// Whether `rule` allows `req`.
pub fn rule_allows(rule: &PolicyRule, req: &Request<'_>) -> bool {
    if !has(&rule.verbs, req.verb) {
        return false;
    }
    if !req.resource_request {
        return rule
            .non_resource_urls
            .iter()
            .any(|u| match u.strip_suffix('*') {
                Some(prefix) => req.path.starts_with(prefix),
                None => u == req.path,
            });
    }
    if !has(&rule.api_groups, req.group) {
        return false;
    }
    let resource_ok = rule.resources.iter().any(|r| {
        if req.subresource.is_empty() {
            r == "*" || r == req.resource
        } else {
            let (res, sub) = r.split_once('/').unwrap_or((r, "\u{0}"));
            r == "*"
                || ((res == "*" || res == req.resource) && (sub == "*" || sub == req.subresource))
        }
    });
    resource_ok
        && (rule.resource_names.is_empty() || rule.resource_names.iter().any(|n| n == req.name))
}

/// Whether any of `rules` allows `req`.
pub fn allows(rules: &[PolicyRule], req: &Request<'_>) -> bool {
    rules.iter().any(|r| rule_allows(r, req))
}

/// The rules of an aggregated ClusterRole: those of every other ClusterRole
/// (in `all`) any of `rule`'s selectors matches, in the order of their
/// names, each rule once. An invalid selector matches nothing; an empty
/// one matches every role, as in Kubernetes. Pure.
pub fn aggregate(name: &str, rule: &AggregationRule, all: &[&ClusterRole]) -> Vec<PolicyRule> {
    let mut sources: Vec<&&ClusterRole> = all
        .iter()
        .filter(|r| r.metadata.name != name)
        .filter(|r| {
            rule.cluster_role_selectors
                .iter()
                .any(|s| s.matches(&r.metadata.labels))
        })
        .collect();
    sources.sort_by(|a, b| a.metadata.name.cmp(&b.metadata.name));
    let mut out: Vec<PolicyRule> = vec![];
    for r in sources {
        for p in &r.rules {
            if !out.contains(p) {
                out.push(p.clone());
            }
        }
    }
    out
}

/// What a rule says, for `describe`: `pods/log [] [get list]`-like rows of
/// (resources, nonResourceURLs, resourceNames, verbs).
pub fn rule_row(r: &PolicyRule) -> [String; 4] {
    let res: Vec<String> = if r.resources.is_empty() {
        vec![]
    } else {
        let groups: Vec<&str> = r.api_groups.iter().map(String::as_str).collect();
        r.resources
            .iter()
            .flat_map(|res| {
                groups.iter().map(move |g| {
                    if g.is_empty() {
                        res.clone()
                    } else {
                        format!("{res}.{g}")
                    }
                })
            })
            .collect()
    };
    let list = |v: &[String]| format!("[{}]", v.join(" "));
    [
        res.join(", "),
        list(&r.non_resource_urls),
        list(&r.resource_names),
        list(&r.verbs),
    ]
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::api::rbac_defaults::rule;

    fn labelled_role(name: &str, label: &str, rules: Vec<PolicyRule>) -> ClusterRole {
        let mut r: ClusterRole = crate::api::new_object("", name);
        if !label.is_empty() {
            r.metadata.labels.insert(label.into(), "true".into());
        }
        r.rules = rules;
        r
    }

    fn selecting(label: &str) -> AggregationRule {
        AggregationRule {
            cluster_role_selectors: vec![LabelSelector {
                match_labels: [(label.to_string(), "true".to_string())].into(),
                ..Default::default()
            }],
        }
    }

    #[test]
    fn an_aggregated_role_has_the_rules_of_the_roles_its_selectors_match_once_each_by_name() {
        let view = "rbac.authorization.k8s.io/aggregate-to-view";
        let pods = rule(&["get", "list"], &[""], &["pods"]);
        let jobs = rule(&["get"], &["batch"], &["jobs"]);
        let b = labelled_role("b-extra", view, vec![jobs.clone(), pods.clone()]);
        let a = labelled_role("a-base", view, vec![pods.clone()]);
        let other = labelled_role("other", "", vec![rule(&["*"], &["*"], &["*"])]);
        let mut me = labelled_role("view", view, vec![]);
        me.aggregation_rule = Some(selecting(view));
        let all = [&b, &a, &other, &me];
        assert_eq!(
            aggregate("view", &selecting(view), &all),
            vec![pods.clone(), jobs.clone()]
        );
        // Two selectors: the union; none matching: no rules.
        let two = AggregationRule {
            cluster_role_selectors: [selecting(view), selecting("x")]
                .into_iter()
                .flat_map(|a| a.cluster_role_selectors)
                .collect(),
        };
        assert_eq!(aggregate("view", &two, &all).len(), 2);
        assert!(aggregate("view", &selecting("nobody"), &all).is_empty());
        assert!(aggregate("view", &AggregationRule::default(), &all).is_empty());
    }

    /// A resource request for object `web`.
    pub(crate) fn req<'a>(
        verb: &'a str,
        group: &'a str,
        resource: &'a str,
        sub: &'a str,
    ) -> Request<'a> {
        Request {
            verb,
            resource_request: true,
            group,
            resource,
            subresource: sub,
            name: "web",
            path: "",
        }
    }

    #[test]
    fn rules_match_verbs_groups_resources_and_subresources() {
        let pods = rule(&["get", "list", "watch"], &[""], &["pods"]);
        // (rule, request, allowed)
        let cases = [
            (&pods, req("list", "", "pods", ""), true),
            (&pods, req("get", "", "pods", ""), true),
            (&pods, req("delete", "", "pods", ""), false),
            (&pods, req("list", "", "secrets", ""), false),
            (&pods, req("list", "apps", "pods", ""), false),
            (&pods, req("get", "", "pods", "log"), false),
        ];
        for (r, q, want) in cases {
            assert_eq!(rule_allows(r, &q), want, "{q:?}");
        }
        let logs = rule(&["get"], &[""], &["pods/log"]);
        assert!(rule_allows(&logs, &req("get", "", "pods", "log")));
        assert!(!rule_allows(&logs, &req("get", "", "pods", "")));
        assert!(!rule_allows(&logs, &req("get", "", "pods", "exec")));
        let any_sub = rule(&["get"], &[""], &["pods/*"]);
        assert!(rule_allows(&any_sub, &req("get", "", "pods", "status")));
        assert!(!rule_allows(&any_sub, &req("get", "", "pods", "")));
        let star = rule(&["*"], &["*"], &["*"]);
        assert!(rule_allows(
            &star,
            &req("deletecollection", "apps", "deployments", "")
        ));
        assert!(rule_allows(&star, &req("create", "", "pods", "exec")));
        let deploy = rule(&["update"], &["apps"], &["deployments/scale"]);
        assert!(rule_allows(
            &deploy,
            &req("update", "apps", "deployments", "scale")
        ));
        assert!(!rule_allows(
            &deploy,
            &req("update", "", "deployments", "scale")
        ));
    }

    #[test]
    fn resource_names_limit_a_rule_to_named_objects() {
        let mut r = rule(&["get", "update"], &[""], &["configmaps"]);
        r.resource_names = vec!["my-config".into()];
        let mut q = req("get", "", "configmaps", "");
        q.name = "my-config";
        assert!(rule_allows(&r, &q));
        q.name = "other";
        assert!(!rule_allows(&r, &q));
        q.name = "";
        assert!(!rule_allows(&r, &q), "a list is not a named get");
    }

    #[test]
    fn non_resource_urls_match_exactly_or_by_prefix() {
        let r = PolicyRule {
            verbs: vec!["get".into()],
            non_resource_urls: vec!["/healthz".into(), "/metrics/*".into()],
            ..Default::default()
        };
        let q = |path| Request {
            verb: "get",
            path,
            ..Default::default()
        };
        assert!(rule_allows(&r, &q("/healthz")));
        assert!(rule_allows(&r, &q("/metrics/cadvisor")));
        assert!(!rule_allows(&r, &q("/healthz/ping")));
        assert!(!rule_allows(&r, &q("/version")));
        assert!(!rule_allows(
            &rule(&["get"], &["*"], &["*"]),
            &q("/healthz")
        ));
    }

    #[test]
    fn subjects_name_users_groups_and_service_accounts() {
        let s = |kind: &str, name: &str, ns: &str| Subject {
            kind: kind.into(),
            name: name.into(),
            namespace: ns.into(),
            ..Default::default()
        };
        let groups = vec!["system:serviceaccounts".to_string()];
        let me = "system:serviceaccount:team:reader";
        assert!(subject_matches(
            &s("ServiceAccount", "reader", ""),
            "team",
            me,
            &groups
        ));
        assert!(subject_matches(
            &s("ServiceAccount", "reader", "team"),
            "",
            me,
            &groups
        ));
        assert!(!subject_matches(
            &s("ServiceAccount", "reader", ""),
            "other",
            me,
            &groups
        ));
        assert!(!subject_matches(
            &s("ServiceAccount", "reader", ""),
            "",
            me,
            &groups
        ));
        assert!(subject_matches(
            &s("Group", "system:serviceaccounts", ""),
            "x",
            me,
            &groups
        ));
        assert!(subject_matches(&s("User", "jane", ""), "x", "jane", &[]));
        assert!(!subject_matches(&s("User", "jane", ""), "x", "janet", &[]));
    }
}
