//! The ClusterRoles every cluster starts with, as Kubernetes ships them:
//! `cluster-admin` (everything), and the user-facing `admin`, `edit` and
//! `view`, aggregated ([`crate::api::rbac::aggregate`]) from the roles
//! labelled `rbac.authorization.k8s.io/aggregate-to-admin|edit|view: "true"`:
//! the `system:aggregate-to-*` roles here hold the rules for the kinds ork
//! serves (view's are aggregated into edit, edit's into admin), and any
//! ClusterRole a user labels so extends them. Every one is labelled
//! `kubernetes.io/bootstrapping: rbac-defaults`.
//!
//! Data only; imports nothing of ork outside `api`.

use super::new_object;
use super::rbac::{AggregationRule, ClusterRole, PolicyRule};
use super::selector::LabelSelector;

/// The label of the default roles.
pub const BOOTSTRAPPING: &str = "kubernetes.io/bootstrapping";
/// Its value.
pub const RBAC_DEFAULTS: &str = "rbac-defaults";
/// The label prefix that puts a role's rules into an aggregated default role.
pub const AGGREGATE_TO: &str = "rbac.authorization.k8s.io/aggregate-to-";

const READ: &[&str] = &["get", "list", "watch"];
const WRITE: &[&str] = &["create", "delete", "deletecollection", "patch", "update"];

/// A rule of `verbs` on `resources` of API `groups`.
pub(crate) fn rule(verbs: &[&str], groups: &[&str], resources: &[&str]) -> PolicyRule {
    let v = |x: &[&str]| x.iter().map(|s| s.to_string()).collect();
    PolicyRule {
        verbs: v(verbs),
        api_groups: v(groups),
        resources: v(resources),
        ..Default::default()
    }
}

fn role(name: &str, labels: &[(&str, &str)], rules: Vec<PolicyRule>) -> ClusterRole {
    let mut r: ClusterRole = new_object("", name);
    r.metadata
        .labels
        .insert(BOOTSTRAPPING.into(), RBAC_DEFAULTS.into());
    for (k, v) in labels {
        r.metadata.labels.insert(k.to_string(), v.to_string());
    }
    r.metadata.annotations.insert(
        "rbac.authorization.kubernetes.io/autoupdate".into(),
        "true".into(),
    );
    r.rules = rules;
    r
}

/// An aggregated role taking the rules of roles labelled `aggregate-to-<to>`.
fn aggregated(name: &str, to: &str, labels: &[(&str, &str)]) -> ClusterRole {
    let mut r = role(name, labels, vec![]);
    r.aggregation_rule = Some(AggregationRule {
        cluster_role_selectors: vec![LabelSelector {
            match_labels: [(format!("{AGGREGATE_TO}{to}"), "true".to_string())].into(),
            ..Default::default()
        }],
    });
    r
}

fn aggregate_label(to: &str) -> (String, String) {
    (format!("{AGGREGATE_TO}{to}"), "true".to_string())
}

/// The default ClusterRoles, in the order they are created.
pub fn cluster_roles() -> Vec<ClusterRole> {
    let admin_label = aggregate_label("admin");
    let edit_label = aggregate_label("edit");
    let view_label = aggregate_label("view");
    let everything = rule(&["*"], &["*"], &["*"]);
    let urls = PolicyRule {
        verbs: vec!["*".into()],
        non_resource_urls: vec!["*".into()],
        ..Default::default()
    };
    vec![
        role("cluster-admin", &[], vec![everything, urls]),
        aggregated("admin", "admin", &[]),
        aggregated("edit", "edit", &[(&admin_label.0, &admin_label.1)]),
        aggregated(
            "view",
            "view",
            &[
                (&admin_label.0, &admin_label.1),
                (&edit_label.0, &edit_label.1),
            ],
        ),
        role(
            "system:aggregate-to-admin",
            &[(&admin_label.0, &admin_label.1)],
            vec![
                rule(
                    &["create"],
                    &["authorization.k8s.io"],
                    &["localsubjectaccessreviews"],
                ),
                rule(
                    &[READ, WRITE].concat(),
                    &["rbac.authorization.k8s.io"],
                    &["rolebindings", "roles"],
                ),
                rule(
                    &[READ, WRITE].concat(),
                    &[""],
                    &["resourcequotas", "limitranges"],
                ),
            ],
        ),
        role(
            "system:aggregate-to-edit",
            &[(&edit_label.0, &edit_label.1)],
            vec![
                rule(
                    READ,
                    &[""],
                    &[
                        "pods/attach",
                        "pods/exec",
                        "pods/portforward",
                        "pods/proxy",
                        "secrets",
                        "services/proxy",
                    ],
                ),
                rule(&["impersonate"], &[""], &["serviceaccounts"]),
                rule(
                    WRITE,
                    &[""],
                    &[
                        "pods",
                        "pods/attach",
                        "pods/exec",
                        "pods/portforward",
                        "pods/proxy",
                    ],
                ),
                rule(
                    &["create"],
                    &[""],
                    &["pods/eviction", "serviceaccounts/token"],
                ),
                rule(
                    WRITE,
                    &[""],
                    &[
                        "configmaps",
                        "events",
                        "persistentvolumeclaims",
                        "replicationcontrollers",
                        "replicationcontrollers/scale",
                        "secrets",
                        "serviceaccounts",
                        "services",
                        "services/proxy",
                        "endpoints",
                    ],
                ),
                rule(
                    WRITE,
                    &["apps"],
                    &[
                        "daemonsets",
                        "deployments",
                        "deployments/rollback",
                        "deployments/scale",
                        "replicasets",
                        "replicasets/scale",
                        "statefulsets",
                        "statefulsets/scale",
                    ],
                ),
                rule(WRITE, &["autoscaling"], &["horizontalpodautoscalers"]),
                rule(WRITE, &["batch"], &["cronjobs", "jobs"]),
                rule(WRITE, &["policy"], &["poddisruptionbudgets"]),
                rule(
                    WRITE,
                    &["networking.k8s.io"],
                    &["ingresses", "networkpolicies"],
                ),
                rule(
                    &[READ, WRITE].concat(),
                    &["coordination.k8s.io"],
                    &["leases"],
                ),
            ],
        ),
        role(
            "system:aggregate-to-view",
            &[(&view_label.0, &view_label.1)],
            vec![
                rule(
                    READ,
                    &[""],
                    &[
                        "configmaps",
                        "endpoints",
                        "persistentvolumeclaims",
                        "persistentvolumeclaims/status",
                        "pods",
                        "replicationcontrollers",
                        "replicationcontrollers/scale",
                        "serviceaccounts",
                        "services",
                        "services/status",
                    ],
                ),
                rule(
                    READ,
                    &[""],
                    &[
                        "bindings",
                        "events",
                        "limitranges",
                        "namespaces/status",
                        "pods/log",
                        "pods/status",
                        "replicationcontrollers/status",
                        "resourcequotas",
                        "resourcequotas/status",
                    ],
                ),
                rule(READ, &[""], &["namespaces"]),
                rule(
                    READ,
                    &["apps"],
                    &[
                        "controllerrevisions",
                        "daemonsets",
                        "daemonsets/status",
                        "deployments",
                        "deployments/scale",
                        "deployments/status",
                        "replicasets",
                        "replicasets/scale",
                        "replicasets/status",
                        "statefulsets",
                        "statefulsets/scale",
                        "statefulsets/status",
                    ],
                ),
                rule(
                    READ,
                    &["autoscaling"],
                    &[
                        "horizontalpodautoscalers",
                        "horizontalpodautoscalers/status",
                    ],
                ),
                rule(
                    READ,
                    &["batch"],
                    &["cronjobs", "cronjobs/status", "jobs", "jobs/status"],
                ),
                rule(
                    READ,
                    &["policy"],
                    &["poddisruptionbudgets", "poddisruptionbudgets/status"],
                ),
                rule(
                    READ,
                    &["networking.k8s.io"],
                    &["ingresses", "ingresses/status", "networkpolicies"],
                ),
                rule(READ, &["discovery.k8s.io"], &["endpointslices"]),
            ],
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::rbac::tests::req;
    use crate::api::rbac::{aggregate, allows};

    #[test]
    fn view_reads_edit_writes_admin_grants_and_each_includes_the_one_below() {
        // The controller aggregates on every ClusterRole change, so view's
        // rules reach edit, and edit's admin, in turn: run it to a fixed point.
        let mut all = cluster_roles();
        loop {
            let refs: Vec<ClusterRole> = all.clone();
            let refs: Vec<&ClusterRole> = refs.iter().collect();
            let mut changed = false;
            for r in all.iter_mut() {
                if let Some(rule) = &r.aggregation_rule {
                    let rules = aggregate(&r.metadata.name, rule, &refs);
                    if rules != r.rules {
                        r.rules = rules;
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
        }
        let rules = |name: &str| {
            all.iter()
                .find(|r| r.metadata.name == name)
                .unwrap()
                .rules
                .clone()
        };
        let (view, edit, admin) = (rules("view"), rules("edit"), rules("admin"));
        assert!(allows(&view, &req("list", "", "pods", "")));
        assert!(allows(&view, &req("get", "", "pods", "log")));
        assert!(allows(&view, &req("watch", "apps", "deployments", "")));
        assert!(!allows(&view, &req("create", "", "pods", "")));
        assert!(!allows(&view, &req("get", "", "secrets", "")));
        assert!(allows(&edit, &req("list", "", "pods", "")));
        assert!(allows(&edit, &req("create", "", "pods", "exec")));
        assert!(allows(
            &edit,
            &req("update", "apps", "deployments", "scale")
        ));
        assert!(!allows(
            &edit,
            &req("create", "rbac.authorization.k8s.io", "roles", "")
        ));
        assert!(allows(
            &admin,
            &req("create", "rbac.authorization.k8s.io", "roles", "")
        ));
        assert!(allows(&admin, &req("delete", "batch", "jobs", "")));
        for r in &all {
            assert_eq!(r.metadata.labels[BOOTSTRAPPING], RBAC_DEFAULTS);
            assert!(
                crate::api::Object::validate(r).is_empty(),
                "{:?}",
                r.metadata.name
            );
        }
    }
}
