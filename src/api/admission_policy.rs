//! `admissionregistration.k8s.io/v1` ValidatingAdmissionPolicy and
//! ValidatingAdmissionPolicyBinding: rules, written as CEL expressions,
//! that a write must pass before it is stored. A policy says which writes
//! it looks at (`matchConstraints`), what it checks (`validations`, with
//! `matchConditions`, `variables` and parameters of a `paramKind`) and what
//! an error in an expression means (`failurePolicy`); a binding applies a
//! policy to part of the cluster (`matchResources`) with its parameters
//! (`paramRef`) and says what a failed check does (`validationActions`).
//!
//! This module holds the types, their validation (every expression is
//! compiled; an expression that does not compile is refused naming its
//! field) and the pure matching of a request against the rules
//! ([`matches`]). Evaluation against the cluster is admission's.
//!
//! Types and pure functions only; imports nothing of ork outside `api`.

use super::cel;
use super::meta::{Condition, ObjectMeta};
use super::object::Kind;
use super::selector::LabelSelector;
use super::validation::FieldError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};

/// The API group of these kinds.
pub const GROUP: &str = "admissionregistration.k8s.io";

/// CEL checks of the writes a policy matches.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ValidatingAdmissionPolicy {
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    pub spec: PolicySpec,
    #[serde(skip_serializing_if = "PolicyStatus::is_empty")]
    pub status: PolicyStatus,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct PolicySpec {
    /// The kind of the objects that parameterize the policy (`params`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub param_kind: Option<ParamKind>,
    /// The writes the policy looks at.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub match_constraints: Option<MatchResources>,
    /// What every write it looks at must pass.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub validations: Vec<Validation>,
    /// `Fail` (the default) or `Ignore`: what an expression's error, or a
    /// binding that cannot be applied, means.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_policy: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub audit_annotations: Vec<AuditAnnotation>,
    /// All must be true for the policy to look at a write.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub match_conditions: Vec<MatchCondition>,
    /// Named expressions the others use as `variables.NAME`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub variables: Vec<Variable>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ParamKind {
    pub api_version: String,
    pub kind: String,
}

/// Which writes: by resource and operation, namespace and object labels.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct MatchResources {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace_selector: Option<LabelSelector>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object_selector: Option<LabelSelector>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resource_rules: Vec<NamedRule>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub exclude_resource_rules: Vec<NamedRule>,
    /// `Equivalent` (the default) or `Exact`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub match_policy: Option<String>,
}

/// Operations on resources, optionally of some names only.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct NamedRule {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resource_names: Vec<String>,
    /// `CREATE`, `UPDATE`, `DELETE`, `CONNECT` or `*`.
    pub operations: Vec<String>,
    pub api_groups: Vec<String>,
    pub api_versions: Vec<String>,
    /// `pods`, `pods/status`, `*`, `*/*`, `*/status`.
    pub resources: Vec<String>,
    /// `Cluster`, `Namespaced` or `*` (the default).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Validation {
    /// True when the write passes.
    pub expression: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// `Unauthorized`, `Forbidden`, `Invalid` (the default) or
    /// `RequestEntityTooLarge`: the status of a refusal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// A string expression for the refusal's message.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub message_expression: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct AuditAnnotation {
    pub key: String,
    pub value_expression: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct MatchCondition {
    pub name: String,
    pub expression: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Variable {
    pub name: String,
    pub expression: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct PolicyStatus {
    #[serde(skip_serializing_if = "is_zero")]
    pub observed_generation: i64,
    /// Kubernetes' type checker's warnings (ork checks no types).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub type_checking: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
}

impl PolicyStatus {
    fn is_empty(&self) -> bool {
        *self == PolicyStatus::default()
    }
}

fn is_zero(v: &i64) -> bool {
    *v == 0
}

/// A policy applied to part of the cluster.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ValidatingAdmissionPolicyBinding {
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    pub spec: BindingSpec,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct BindingSpec {
    pub policy_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub param_ref: Option<ParamRef>,
    /// Narrows the policy's writes; none means all of them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub match_resources: Option<MatchResources>,
    /// `Deny`, `Warn` and/or `Audit`.
    pub validation_actions: Vec<String>,
}

/// Which objects of the policy's `paramKind` are its parameters.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ParamRef {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selector: Option<LabelSelector>,
    /// `Allow` or `Deny`: what a write meets when no parameter is found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter_not_found_action: Option<String>,
}

impl PolicySpec {
    /// Whether an expression's error refuses the write (`Fail`).
    pub fn fails_closed(&self) -> bool {
        self.failure_policy.as_deref() != Some("Ignore")
    }
}

impl ParamRef {
    /// Whether a write is refused when no parameter is found.
    pub fn deny_when_missing(&self) -> bool {
        self.parameter_not_found_action.as_deref() == Some("Deny")
    }
}

/// What is being written, as rules and selectors see it.
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    /// `CREATE`, `UPDATE`, `DELETE` or `CONNECT`.
    pub operation: &'a str,
    pub kind: Kind,
    /// The API version the client wrote (the kind's own, or an older one
    /// ork also serves).
    pub version: &'a str,
    /// `""` for the object itself, `status`, `scale`...
    pub subresource: &'a str,
    pub name: &'a str,
    /// The labels of the object and of the object it replaces.
    pub labels: Option<&'a BTreeMap<String, String>>,
    pub old_labels: Option<&'a BTreeMap<String, String>>,
    /// The labels of the object's namespace (of the object itself when it
    /// is a Namespace); `None` for other cluster-scoped objects.
    pub namespace_labels: Option<&'a BTreeMap<String, String>>,
}

/// Whether `m` picks the request: its rules (any resource when it has
/// none, as a binding's may), none of its exclusions, and both its
/// selectors.
pub fn matches(m: &MatchResources, r: &Request<'_>) -> bool {
    let rules =
        m.resource_rules.is_empty() || m.resource_rules.iter().any(|rule| rule_matches(rule, m, r));
    let excluded = m
        .exclude_resource_rules
        .iter()
        .any(|rule| rule_matches(rule, m, r));
    rules && !excluded && selectors_match(m, r)
}

fn selectors_match(m: &MatchResources, r: &Request<'_>) -> bool {
    let empty = BTreeMap::new();
    if let (Some(sel), Some(labels)) = (&m.namespace_selector, r.namespace_labels)
        && !sel.matches(labels)
    {
        return false;
    }
    match &m.object_selector {
        None => true,
        Some(sel) => {
            sel.matches(r.labels.unwrap_or(&empty))
                || r.old_labels.is_some_and(|old| sel.matches(old))
        }
    }
}

fn rule_matches(rule: &NamedRule, m: &MatchResources, r: &Request<'_>) -> bool {
    let any = |list: &[String], want: &str| list.iter().any(|v| v == "*" || v == want);
    let info = r.kind.info();
    // `Equivalent` also matches the resource through another version.
    let equivalent = m.match_policy.as_deref() != Some("Exact");
    let scope_ok = match rule.scope.as_deref() {
        Some("Cluster") => !info.namespaced,
        Some("Namespaced") => info.namespaced,
        _ => true,
    };
    let names_ok = rule.resource_names.is_empty()
        || (!r.name.is_empty() && rule.resource_names.iter().any(|n| n == r.name));
    any(&rule.operations, r.operation)
        && any(&rule.api_groups, info.group)
        && (equivalent || any(&rule.api_versions, r.version))
        && rule
            .resources
            .iter()
            .any(|res| resource_matches(res, info.plural, r.subresource))
        && scope_ok
        && names_ok
}

/// Whether a rule's resource (`pods`, `pods/status`, `*`, `*/*`,
/// `*/status`, `pods/*`) names the resource and subresource.
fn resource_matches(rule: &str, plural: &str, sub: &str) -> bool {
    let (res, rule_sub) = rule.split_once('/').unwrap_or((rule, ""));
    (res == "*" || res == plural) && (rule_sub == "*" || rule_sub == sub)
}

const OPERATIONS: &[&str] = &["CREATE", "UPDATE", "DELETE", "CONNECT", "*"];
const REASONS: &[&str] = &[
    "Unauthorized",
    "Forbidden",
    "Invalid",
    "RequestEntityTooLarge",
];
const ACTIONS: &[&str] = &["Deny", "Warn", "Audit"];

/// Every problem of a policy, each expression compiled.
pub fn validate_policy(p: &ValidatingAdmissionPolicy) -> Vec<FieldError> {
    let mut errs = vec![];
    let s = &p.spec;
    if let Some(k) = &s.param_kind {
        if k.api_version.is_empty() {
            errs.push(FieldError::new("spec.paramKind.apiVersion", "required"));
        }
        if k.kind.is_empty() {
            errs.push(FieldError::new("spec.paramKind.kind", "required"));
        }
    }
    match &s.match_constraints {
        None => errs.push(FieldError::new("spec.matchConstraints", "required")),
        Some(m) => {
            if m.resource_rules.is_empty() {
                errs.push(FieldError::new(
                    "spec.matchConstraints.resourceRules",
                    "required",
                ));
            }
            validate_match(&mut errs, "spec.matchConstraints", m);
        }
    }
    if s.validations.is_empty() && s.audit_annotations.is_empty() {
        errs.push(FieldError::new(
            "spec.validations",
            "required: a policy needs validations or auditAnnotations",
        ));
    }
    if let Some(f) = &s.failure_policy
        && !matches!(f.as_str(), "Fail" | "Ignore")
    {
        errs.push(FieldError::new(
            "spec.failurePolicy",
            format!("unsupported value {f:?}: use Fail or Ignore"),
        ));
    }
    let mut names = HashSet::new();
    for (i, c) in s.match_conditions.iter().enumerate() {
        let at = format!("spec.matchConditions[{i}]");
        if c.name.is_empty() {
            errs.push(FieldError::new(format!("{at}.name"), "required"));
        } else if let Some(m) = super::validation::label_key_error(&c.name) {
            errs.push(FieldError::new(format!("{at}.name"), m));
        } else if !names.insert(c.name.as_str()) {
            errs.push(FieldError::new(
                format!("{at}.name"),
                format!("duplicate value {:?}", c.name),
            ));
        }
        expression(&mut errs, &format!("{at}.expression"), &c.expression);
    }
    let mut vars = HashSet::new();
    for (i, v) in s.variables.iter().enumerate() {
        let at = format!("spec.variables[{i}]");
        if !is_identifier(&v.name) {
            errs.push(FieldError::new(
                format!("{at}.name"),
                format!("{:?} is not a valid CEL identifier", v.name),
            ));
        } else if !vars.insert(v.name.as_str()) {
            errs.push(FieldError::new(
                format!("{at}.name"),
                format!("duplicate value {:?}", v.name),
            ));
        }
        expression(&mut errs, &format!("{at}.expression"), &v.expression);
    }
    for (i, v) in s.validations.iter().enumerate() {
        let at = format!("spec.validations[{i}]");
        expression(&mut errs, &format!("{at}.expression"), &v.expression);
        if v.message.contains('\n') {
            errs.push(FieldError::new(
                format!("{at}.message"),
                "must not contain line breaks",
            ));
        }
        if let Some(r) = &v.reason
            && !REASONS.contains(&r.as_str())
        {
            errs.push(FieldError::new(
                format!("{at}.reason"),
                format!("unsupported value {r:?}: use one of {}", REASONS.join(", ")),
            ));
        }
        if !v.message_expression.is_empty() {
            optional_expression(
                &mut errs,
                &format!("{at}.messageExpression"),
                &v.message_expression,
            );
        }
    }
    let mut keys = HashSet::new();
    for (i, a) in s.audit_annotations.iter().enumerate() {
        let at = format!("spec.auditAnnotations[{i}]");
        if a.key.is_empty() {
            errs.push(FieldError::new(format!("{at}.key"), "required"));
        } else if !keys.insert(a.key.as_str()) {
            errs.push(FieldError::new(
                format!("{at}.key"),
                format!("duplicate value {:?}", a.key),
            ));
        }
        expression(
            &mut errs,
            &format!("{at}.valueExpression"),
            &a.value_expression,
        );
    }
    errs
}

/// Every problem of a binding.
pub fn validate_binding(b: &ValidatingAdmissionPolicyBinding) -> Vec<FieldError> {
    let mut errs = vec![];
    let s = &b.spec;
    if s.policy_name.is_empty() {
        errs.push(FieldError::new("spec.policyName", "required"));
    }
    if s.validation_actions.is_empty() {
        errs.push(FieldError::new("spec.validationActions", "required"));
    }
    let mut seen = HashSet::new();
    for (i, a) in s.validation_actions.iter().enumerate() {
        let at = format!("spec.validationActions[{i}]");
        if !ACTIONS.contains(&a.as_str()) {
            errs.push(FieldError::new(
                at,
                format!("unsupported value {a:?}: use Deny, Warn or Audit"),
            ));
        } else if !seen.insert(a.as_str()) {
            errs.push(FieldError::new(at, format!("duplicate value {a:?}")));
        }
    }
    if seen.contains("Deny") && seen.contains("Warn") {
        errs.push(FieldError::new(
            "spec.validationActions",
            "Deny and Warn may not be used together: a denied request is not warned about",
        ));
    }
    if let Some(p) = &s.param_ref {
        if !p.name.is_empty() && p.selector.is_some() {
            errs.push(FieldError::new(
                "spec.paramRef",
                "name and selector are mutually exclusive",
            ));
        }
        if p.name.is_empty() && p.selector.is_none() {
            errs.push(FieldError::new(
                "spec.paramRef",
                "one of name or selector is required",
            ));
        }
        match p.parameter_not_found_action.as_deref() {
            Some("Allow" | "Deny") => {}
            None => errs.push(FieldError::new(
                "spec.paramRef.parameterNotFoundAction",
                "required",
            )),
            Some(other) => errs.push(FieldError::new(
                "spec.paramRef.parameterNotFoundAction",
                format!("unsupported value {other:?}: use Allow or Deny"),
            )),
        }
        if let Some(sel) = &p.selector
            && let Err(e) = sel.to_selector()
        {
            errs.push(FieldError::new("spec.paramRef.selector", e.to_string()));
        }
    }
    if let Some(m) = &s.match_resources {
        validate_match(&mut errs, "spec.matchResources", m);
    }
    errs
}

fn validate_match(errs: &mut Vec<FieldError>, at: &str, m: &MatchResources) {
    for (field, rules) in [
        ("resourceRules", &m.resource_rules),
        ("excludeResourceRules", &m.exclude_resource_rules),
    ] {
        for (i, r) in rules.iter().enumerate() {
            validate_rule(errs, &format!("{at}.{field}[{i}]"), r);
        }
    }
    if let Some(p) = &m.match_policy
        && !matches!(p.as_str(), "Exact" | "Equivalent")
    {
        errs.push(FieldError::new(
            format!("{at}.matchPolicy"),
            format!("unsupported value {p:?}: use Exact or Equivalent"),
        ));
    }
    for (field, sel) in [
        ("namespaceSelector", &m.namespace_selector),
        ("objectSelector", &m.object_selector),
    ] {
        if let Some(Err(e)) = sel.as_ref().map(|s| s.to_selector()) {
            errs.push(FieldError::new(format!("{at}.{field}"), e.to_string()));
        }
    }
}

fn validate_rule(errs: &mut Vec<FieldError>, at: &str, r: &NamedRule) {
    for (field, list) in [
        ("operations", &r.operations),
        ("apiGroups", &r.api_groups),
        ("apiVersions", &r.api_versions),
        ("resources", &r.resources),
    ] {
        if list.is_empty() {
            errs.push(FieldError::new(format!("{at}.{field}"), "required"));
        } else if list.len() > 1 && list.iter().any(|v| v == "*") {
            errs.push(FieldError::new(
                format!("{at}.{field}"),
                "if '*' is present, it must be the only value",
            ));
        }
    }
    for (i, op) in r.operations.iter().enumerate() {
        if op == "CONNECT" {
            errs.push(FieldError::new(
                format!("{at}.operations[{i}]"),
                "not supported by ork yet: ork's admission policies check creates, updates and deletes, not exec, attach or port-forward",
            ));
        } else if !OPERATIONS.contains(&op.as_str()) {
            errs.push(FieldError::new(
                format!("{at}.operations[{i}]"),
                format!(
                    "unsupported value {op:?}: use one of {}",
                    OPERATIONS.join(", ")
                ),
            ));
        }
    }
    for (i, res) in r.resources.iter().enumerate() {
        if res.is_empty() || res.split('/').count() > 2 {
            errs.push(FieldError::new(
                format!("{at}.resources[{i}]"),
                format!("{res:?} is not a resource or resource/subresource"),
            ));
        } else if res.contains('/') {
            errs.push(FieldError::new(
                format!("{at}.resources[{i}]"),
                format!(
                    "{res:?}: not supported by ork yet: ork's admission policies check writes of whole objects, not of subresources (status, scale, eviction): name the resource"
                ),
            ));
        }
    }
    if let Some(s) = &r.scope
        && !matches!(s.as_str(), "Cluster" | "Namespaced" | "*")
    {
        errs.push(FieldError::new(
            format!("{at}.scope"),
            format!("unsupported value {s:?}: use Cluster, Namespaced or *"),
        ));
    }
}

fn expression(errs: &mut Vec<FieldError>, at: &str, source: &str) {
    if source.trim().is_empty() {
        errs.push(FieldError::new(at, "required"));
    } else {
        optional_expression(errs, at, source);
    }
}

fn optional_expression(errs: &mut Vec<FieldError>, at: &str, source: &str) {
    if let Err(e) = cel::compile(source) {
        errs.push(FieldError::new(at, e));
    }
}

/// Whether `s` is a CEL identifier (a variable's name).
fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests;
