use super::*;
use serde_json::json;

fn policy(v: serde_json::Value) -> ValidatingAdmissionPolicy {
    serde_json::from_value(v).unwrap()
}

fn rules(r: serde_json::Value) -> MatchResources {
    serde_json::from_value(json!({ "resourceRules": r })).unwrap()
}

fn request<'a>(kind: Kind, operation: &'a str, sub: &'a str) -> Request<'a> {
    Request {
        operation,
        kind,
        version: kind.info().version,
        subresource: sub,
        name: "web",
        labels: None,
        old_labels: None,
        namespace_labels: None,
    }
}

#[test]
fn rules_match_by_group_resource_operation_subresource_and_scope() {
    let deployments = rules(json!([{"apiGroups": ["apps"], "apiVersions": ["v1"],
        "operations": ["CREATE", "UPDATE"], "resources": ["deployments"]}]));
    assert!(matches(
        &deployments,
        &request(Kind::Deployment, "CREATE", "")
    ));
    assert!(matches(
        &deployments,
        &request(Kind::Deployment, "UPDATE", "")
    ));
    assert!(!matches(
        &deployments,
        &request(Kind::Deployment, "DELETE", "")
    ));
    assert!(!matches(
        &deployments,
        &request(Kind::Deployment, "UPDATE", "status")
    ));
    assert!(!matches(
        &deployments,
        &request(Kind::ReplicaSet, "CREATE", "")
    ));
    assert!(!matches(&deployments, &request(Kind::Pod, "CREATE", "")));

    let all = rules(json!([{"apiGroups": ["*"], "apiVersions": ["*"],
        "operations": ["*"], "resources": ["*"]}]));
    assert!(matches(&all, &request(Kind::ConfigMap, "DELETE", "")));
    assert!(!matches(&all, &request(Kind::Pod, "UPDATE", "status")));
    let subs = rules(json!([{"apiGroups": [""], "apiVersions": ["v1"],
        "operations": ["UPDATE"], "resources": ["*/status"]}]));
    assert!(matches(&subs, &request(Kind::Pod, "UPDATE", "status")));
    assert!(!matches(&subs, &request(Kind::Pod, "UPDATE", "")));

    let cluster = rules(json!([{"apiGroups": ["*"], "apiVersions": ["*"],
        "operations": ["*"], "resources": ["*"], "scope": "Cluster"}]));
    assert!(matches(&cluster, &request(Kind::Namespace, "CREATE", "")));
    assert!(!matches(&cluster, &request(Kind::Pod, "CREATE", "")));
}

#[test]
fn exclusions_names_and_selectors_narrow_the_match() {
    let mut m = rules(json!([{"apiGroups": ["*"], "apiVersions": ["*"],
        "operations": ["*"], "resources": ["*"]}]));
    m.exclude_resource_rules = rules(json!([{"apiGroups": ["coordination.k8s.io"],
        "apiVersions": ["*"], "operations": ["*"], "resources": ["leases"]}]))
    .resource_rules;
    assert!(!matches(&m, &request(Kind::Lease, "UPDATE", "")));
    assert!(matches(&m, &request(Kind::Pod, "UPDATE", "")));

    let named = rules(
        json!([{"apiGroups": [""], "apiVersions": ["v1"], "operations": ["*"],
        "resources": ["configmaps"], "resourceNames": ["web"]}]),
    );
    assert!(matches(&named, &request(Kind::ConfigMap, "UPDATE", "")));
    let mut unnamed = request(Kind::ConfigMap, "CREATE", "");
    unnamed.name = "";
    assert!(
        !matches(&named, &unnamed),
        "a generated name matches no resourceNames"
    );

    let mut sel = rules(json!([{"apiGroups": [""], "apiVersions": ["v1"],
        "operations": ["*"], "resources": ["pods"]}]));
    sel.namespace_selector = Some(
        serde_json::from_value(json!({"matchExpressions": [{"key":
            "kubernetes.io/metadata.name", "operator": "NotIn", "values": ["kube-system"]}]}))
        .unwrap(),
    );
    sel.object_selector =
        Some(serde_json::from_value(json!({"matchLabels": {"app": "web"}})).unwrap());
    let system = BTreeMap::from([(
        "kubernetes.io/metadata.name".to_string(),
        "kube-system".to_string(),
    )]);
    let default = BTreeMap::from([(
        "kubernetes.io/metadata.name".to_string(),
        "default".to_string(),
    )]);
    let web = BTreeMap::from([("app".to_string(), "web".to_string())]);
    let other = BTreeMap::from([("app".to_string(), "db".to_string())]);
    let mut r = request(Kind::Pod, "CREATE", "");
    r.labels = Some(&web);
    r.namespace_labels = Some(&default);
    assert!(matches(&sel, &r));
    r.namespace_labels = Some(&system);
    assert!(!matches(&sel, &r), "namespaceSelector");
    r.namespace_labels = Some(&default);
    r.labels = Some(&other);
    assert!(!matches(&sel, &r), "objectSelector");
    r.old_labels = Some(&web);
    assert!(matches(&sel, &r), "the old object's labels count on update");
}

#[test]
fn exact_match_policy_compares_the_version() {
    let mut m = rules(json!([{"apiGroups": ["apps"], "apiVersions": ["v1beta1"],
        "operations": ["*"], "resources": ["deployments"]}]));
    assert!(matches(&m, &request(Kind::Deployment, "CREATE", "")));
    m.match_policy = Some("Exact".into());
    assert!(!matches(&m, &request(Kind::Deployment, "CREATE", "")));
}

#[test]
fn a_policy_is_validated_field_by_field_and_every_expression_compiled() {
    let p = policy(json!({"metadata": {"name": "p"}, "spec": {
        "failurePolicy": "Sometimes",
        "matchConstraints": {"resourceRules": [{"apiGroups": ["apps", "*"], "apiVersions": ["v1"],
            "operations": ["CREATE", "PATCH"], "resources": ["deployments"]}]},
        "matchConditions": [{"name": "a", "expression": "true"}, {"name": "a", "expression": "1 +"}],
        "variables": [{"name": "bad-name", "expression": "object.spec"}],
        "validations": [{"expression": "object.metadata.name.startWith('demo')",
            "reason": "Teapot", "messageExpression": "'x' +"}]}}));
    let errs: Vec<String> = validate_policy(&p).iter().map(|e| e.to_string()).collect();
    let has = |prefix: &str, text: &str| {
        errs.iter()
            .any(|e| e.starts_with(prefix) && e.contains(text))
    };
    assert!(has("spec.failurePolicy", "Fail or Ignore"), "{errs:?}");
    assert!(
        has("spec.matchConstraints.resourceRules[0].apiGroups", "'*'"),
        "{errs:?}"
    );
    assert!(
        has(
            "spec.matchConstraints.resourceRules[0].operations[1]",
            "PATCH"
        ),
        "{errs:?}"
    );
    assert!(has("spec.matchConditions[1].name", "duplicate"), "{errs:?}");
    assert!(
        has("spec.matchConditions[1].expression", "compilation failed"),
        "{errs:?}"
    );
    assert!(has("spec.variables[0].name", "CEL identifier"), "{errs:?}");
    assert!(
        has(
            "spec.validations[0].expression",
            "undeclared reference to 'startWith'"
        ),
        "{errs:?}"
    );
    assert!(has("spec.validations[0].reason", "Teapot"), "{errs:?}");
    assert!(
        has(
            "spec.validations[0].messageExpression",
            "compilation failed"
        ),
        "{errs:?}"
    );
    assert_eq!(errs.len(), 9, "{errs:?}");

    // What ork does not check is refused by name, not accepted and ignored.
    let unchecked = policy(json!({"metadata": {"name": "p"}, "spec": {
        "matchConstraints": {"resourceRules": [{"apiGroups": [""], "apiVersions": ["v1"],
            "operations": ["CONNECT"], "resources": ["pods/exec", "*/status"]}]},
        "validations": [{"expression": "true"}]}}));
    let errs: Vec<String> = validate_policy(&unchecked)
        .iter()
        .map(|e| e.to_string())
        .collect();
    assert_eq!(errs.len(), 3, "{errs:?}");
    assert!(
        errs.iter().all(|e| e.contains("not supported by ork yet")),
        "{errs:?}"
    );

    let ok = policy(json!({"metadata": {"name": "p"}, "spec": {
        "matchConstraints": {"resourceRules": [{"apiGroups": ["apps"], "apiVersions": ["v1"],
            "operations": ["CREATE"], "resources": ["deployments"]}]},
        "validations": [{"expression": "object.spec.replicas <= 5"}]}}));
    assert_eq!(validate_policy(&ok), vec![]);
    let none = policy(json!({"metadata": {"name": "p"}, "spec": {}}));
    let errs: Vec<String> = validate_policy(&none)
        .iter()
        .map(|e| e.path.clone())
        .collect();
    assert_eq!(errs, ["spec.matchConstraints", "spec.validations"]);
}

#[test]
fn a_binding_needs_a_policy_actions_and_a_whole_param_ref() {
    let b = |spec: serde_json::Value| -> Vec<String> {
        let b: ValidatingAdmissionPolicyBinding =
            serde_json::from_value(json!({"metadata": {"name": "b"}, "spec": spec})).unwrap();
        validate_binding(&b).iter().map(|e| e.to_string()).collect()
    };
    assert_eq!(
        b(json!({"policyName": "p", "validationActions": ["Deny"]})),
        Vec::<String>::new()
    );
    let errs = b(
        json!({"validationActions": ["Deny", "Warn", "Deny", "Shout"],
        "paramRef": {"name": "x", "selector": {}}}),
    );
    for want in [
        "spec.policyName: required",
        "spec.validationActions[2]: duplicate",
        "spec.validationActions[3]: unsupported value \"Shout\"",
        "spec.validationActions: Deny and Warn",
        "spec.paramRef: name and selector",
        "spec.paramRef.parameterNotFoundAction: required",
    ] {
        assert!(errs.iter().any(|e| e.starts_with(want)), "{want}: {errs:?}");
    }
}

#[test]
fn a_binding_without_resource_rules_narrows_by_selectors_only() {
    let mut m = MatchResources::default();
    assert!(matches(&m, &request(Kind::Pod, "CREATE", "")));
    m.object_selector =
        Some(serde_json::from_value(json!({"matchLabels": {"app": "web"}})).unwrap());
    assert!(!matches(&m, &request(Kind::Pod, "CREATE", "")));
}
