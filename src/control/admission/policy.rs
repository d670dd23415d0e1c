//! ValidatingAdmissionPolicies at admission: every binding whose policy
//! matches a write has the policy's CEL expressions evaluated over it, and
//! a failed validation refuses the write when the binding says `Deny`.
//!
//! # Evaluation, as Kubernetes does it
//!
//! - A binding applies when its policy exists, the policy's
//!   `matchConstraints` and the binding's `matchResources` pick the write
//!   ([`crate::api::admission_policy::matches`]), and every
//!   `matchCondition` is true.
//! - Expressions see `object` (null on delete), `oldObject` (null on
//!   create), `request` (operation, kind, resource, name, namespace,
//!   `userInfo`), `namespaceObject`, `params` and `variables`. `variables`
//!   are evaluated in order, each seeing the earlier ones; one that fails
//!   fails only the expressions that use it.
//! - Parameters: a policy with a `paramKind` is evaluated once per object
//!   its binding's `paramRef` names (by name, or each object its selector
//!   picks, in the `paramRef` namespace or the request's); none found
//!   refuses the write when `parameterNotFoundAction` is `Deny`.
//! - A validation that is false refuses the write with its message (its
//!   `messageExpression`'s, when that gives a string; else `failed
//!   expression: ...`) and its `reason`'s status (422 `Invalid` by default,
//!   403, 401, 413). An expression's error, or a binding that cannot be
//!   applied (a `paramKind` ork does not serve), refuses the write under
//!   `failurePolicy: Fail` and is ignored under `Ignore`.
//! - `Warn` adds Kubernetes' warning (`Validation failed for
//!   ValidatingAdmissionPolicy 'p' with binding 'b': ...`) to the response
//!   ([`Tx::warn`]); `Audit` logs the failure on the control daemon. Neither
//!   refuses.
//!
//! # Caveats
//!
//! - This runs on the store's writer thread for every client write and
//!   every pod a controller creates; with no binding it costs one list of
//!   an empty kind. Expressions are compiled once per version of a policy
//!   ([`CACHE`]) and evaluated on a thread of their own (deep expressions
//!   need a deep stack); ork does not bound an expression's cost as
//!   Kubernetes does, only its length: only admins write policies.
//!
//! This module must not import the HTTP layer, controllers or the scheduler.

use crate::api::admission_policy::{
    MatchResources, Request, ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding, matches,
};
use crate::api::cel::{self, Activation, Program};
use crate::api::validation::FieldError;
use crate::api::{Kind, Namespace, Object};
use crate::control::authz::Identity;
use crate::control::store::{StoreError, Tx};
use serde_json::{Value as Json, json};
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

/// A policy's expressions, compiled; an expression that no longer
/// compiles keeps its error (it fails as an evaluation error).
struct Compiled {
    conditions: Vec<(String, Result<Program, String>)>,
    variables: Vec<(String, Result<Program, String>)>,
    validations: Vec<CompiledValidation>,
}

struct CompiledValidation {
    source: String,
    program: Result<Program, String>,
    message: String,
    message_program: Option<Result<Program, String>>,
    reason: String,
}

/// A policy's uid → the resourceVersion it was compiled at, and its code.
type Cache = HashMap<String, (String, Arc<Compiled>)>;

/// Compiled policies.
static CACHE: LazyLock<Mutex<Cache>> = LazyLock::new(Mutex::default);

fn compiled(p: &ValidatingAdmissionPolicy) -> Arc<Compiled> {
    let key = p.metadata.uid.clone();
    let rv = &p.metadata.resource_version;
    if let Some((at, c)) = CACHE.lock().expect("policy cache").get(&key)
        && at == rv
    {
        return c.clone();
    }
    let s = &p.spec;
    let c = Arc::new(Compiled {
        conditions: s
            .match_conditions
            .iter()
            .map(|c| (c.name.clone(), cel::compile(&c.expression)))
            .collect(),
        variables: s
            .variables
            .iter()
            .map(|v| (v.name.clone(), cel::compile(&v.expression)))
            .collect(),
        validations: s
            .validations
            .iter()
            .map(|v| CompiledValidation {
                source: v.expression.clone(),
                program: cel::compile(&v.expression),
                message: v.message.clone(),
                message_program: (!v.message_expression.is_empty())
                    .then(|| cel::compile(&v.message_expression)),
                reason: v.reason.clone().unwrap_or_else(|| "Invalid".into()),
            })
            .collect(),
    });
    let mut cache = CACHE.lock().expect("policy cache");
    cache.insert(key, (rv.clone(), c.clone()));
    c
}

/// Forgets compiled policies that no longer exist, once the cache holds
/// more than twice as many as there are (the policies are listed only then).
fn prune(tx: &Tx<'_>) {
    if CACHE.lock().expect("policy cache").len() <= 16 {
        return;
    }
    let live = tx.list::<ValidatingAdmissionPolicy>(None);
    let mut cache = CACHE.lock().expect("policy cache");
    if cache.len() > live.len() * 2 + 16 {
        let uids: std::collections::HashSet<&str> =
            live.iter().map(|p| p.metadata.uid.as_str()).collect();
        cache.retain(|uid, _| uids.contains(uid.as_str()));
    }
}

/// What one evaluation found.
#[derive(Debug, PartialEq)]
enum Outcome {
    /// A validation was false: its message and reason.
    Violation { message: String, reason: String },
    /// An expression failed, or the binding could not be applied.
    Error(String),
}

/// Checks a write against every binding that applies to it: `obj` is the
/// object written (none for a delete), `old` the one it replaces.
pub fn check<T: Object>(
    tx: &mut Tx<'_>,
    who: &Identity,
    operation: &str,
    obj: Option<&T>,
    old: Option<&T>,
) -> Result<(), StoreError> {
    let mut bindings = tx.list::<ValidatingAdmissionPolicyBinding>(None);
    if bindings.is_empty() {
        return Ok(());
    }
    bindings.sort_by(|a, b| a.metadata.name.cmp(&b.metadata.name));
    let Some(meta) = obj.map(|o| o.meta()).or(old.map(|o| o.meta())) else {
        return Ok(());
    };
    let kind = T::KIND;
    let namespace = (kind.namespaced() && !meta.namespace.is_empty())
        .then(|| tx.get::<Namespace>("", &meta.namespace))
        .flatten();
    let namespace_labels = if kind == Kind::Namespace {
        Some(&meta.labels)
    } else {
        namespace.as_ref().map(|n| &n.metadata.labels)
    };
    let req = Request {
        operation,
        kind,
        version: kind.info().version,
        subresource: "",
        name: &meta.name,
        labels: obj.map(|o| &o.meta().labels),
        old_labels: old.map(|o| &o.meta().labels),
        namespace_labels,
    };
    let dry_run = tx.dry_run();
    let mut docs: Option<Documents> = None;
    for b in &bindings {
        let Some(policy) = tx.get::<ValidatingAdmissionPolicy>("", &b.spec.policy_name) else {
            continue;
        };
        let picked = |m: &Option<MatchResources>| m.as_ref().is_some_and(|m| matches(m, &req));
        if !picked(&policy.spec.match_constraints)
            || (b.spec.match_resources.is_some() && !picked(&b.spec.match_resources))
        {
            continue;
        }
        let docs = docs.get_or_insert_with(|| {
            Documents::new(who, &req, meta, obj, old, namespace.as_deref(), dry_run)
        });
        let outcomes = match params(tx, &policy, b, &meta.namespace) {
            Err(e) => vec![Outcome::Error(e)],
            Ok(None) => vec![],
            Ok(Some(params)) => {
                let code = compiled(&policy);
                cel::on_stack(|| {
                    params
                        .iter()
                        .flat_map(|p| evaluate(&code, docs, p))
                        .collect()
                })
            }
        };
        for outcome in outcomes {
            enforce(tx, kind, &req, &policy, b, outcome)?;
        }
    }
    prune(tx);
    Ok(())
}

/// What the expressions see but `params` and `variables`.
struct Documents {
    object: Json,
    old_object: Json,
    request: Json,
    namespace: Json,
}

impl Documents {
    fn new<T: Object>(
        who: &Identity,
        req: &Request<'_>,
        meta: &crate::api::meta::ObjectMeta,
        obj: Option<&T>,
        old: Option<&T>,
        namespace: Option<&Namespace>,
        dry_run: bool,
    ) -> Self {
        let doc = |o: Option<&T>| {
            o.and_then(|o| serde_json::to_value(o).ok())
                .unwrap_or(Json::Null)
        };
        let info = req.kind.info();
        let kind = json!({"group": info.group, "version": info.version, "kind": info.kind});
        let resource =
            json!({"group": info.group, "version": info.version, "resource": info.plural});
        Documents {
            object: doc(obj),
            old_object: doc(old),
            request: json!({
                "kind": kind, "resource": resource, "subResource": req.subresource,
                "requestKind": kind, "requestResource": resource,
                "name": meta.name, "namespace": meta.namespace,
                "operation": req.operation,
                "userInfo": {"username": who.username(), "groups": who.groups()},
                "dryRun": dry_run,
            }),
            namespace: namespace
                .and_then(|n| serde_json::to_value(n).ok())
                .unwrap_or(Json::Null),
        }
    }
}

/// The parameters to evaluate the policy with: `[Null]` for a policy
/// without `paramKind`; `None` when none were found and the binding allows
/// that; an error when the binding cannot be applied or denies it.
fn params(
    tx: &Tx<'_>,
    policy: &ValidatingAdmissionPolicy,
    binding: &ValidatingAdmissionPolicyBinding,
    request_namespace: &str,
) -> Result<Option<Vec<Json>>, String> {
    let Some(pk) = &policy.spec.param_kind else {
        return Ok(Some(vec![Json::Null]));
    };
    let Some(kind) = Kind::from_type_meta(&pk.api_version, &pk.kind) else {
        return Err(format!(
            "failed to configure policy: failed to find resource referenced by paramKind: '{}, Kind={}'",
            pk.api_version, pk.kind
        ));
    };
    let Some(r) = &binding.spec.param_ref else {
        return Err(
            "failed to configure binding: paramRef is required when the policy has a paramKind"
                .into(),
        );
    };
    let ns = if !kind.namespaced() {
        String::new()
    } else if !r.namespace.is_empty() {
        r.namespace.clone()
    } else if !request_namespace.is_empty() {
        request_namespace.to_string()
    } else {
        return Err(format!(
            "failed to configure binding: paramRef.namespace is required for a cluster-scoped request and the namespaced paramKind {}",
            pk.kind
        ));
    };
    let found: Vec<_> = if !r.name.is_empty() {
        tx.get_any(kind, &ns, &r.name).into_iter().collect()
    } else {
        let sel = r.selector.clone().unwrap_or_default();
        let ns = kind.namespaced().then_some(ns.as_str());
        tx.list_any(kind, ns)
            .into_iter()
            .filter(|o| sel.matches(&o.meta().labels))
            .collect()
    };
    if found.is_empty() {
        return if r.deny_when_missing() {
            Err("no params found for policy binding with `Deny` parameterNotFoundAction".into())
        } else {
            Ok(None)
        };
    }
    Ok(Some(
        found
            .iter()
            .map(|o| o.to_value().unwrap_or(Json::Null))
            .collect(),
    ))
}

/// Evaluates a policy once, with one parameter: what it found wrong.
fn evaluate(code: &Compiled, docs: &Documents, params: &Json) -> Vec<Outcome> {
    let mut a = Activation::default();
    a.bind("object", &docs.object);
    a.bind("oldObject", &docs.old_object);
    a.bind("request", &docs.request);
    a.bind("namespaceObject", &docs.namespace);
    a.bind("params", params);
    let run = |a: &Activation, p: &Result<Program, String>| match p {
        Ok(p) => cel::evaluate(p, a),
        Err(e) => Err(e.clone()),
    };
    for (name, p) in &code.conditions {
        match run(&a, p).and_then(|v| cel::as_bool(&v)) {
            Ok(true) => {}
            Ok(false) => return vec![],
            Err(e) => {
                return vec![Outcome::Error(format!(
                    "failed to evaluate matchCondition '{name}': {e}"
                ))];
            }
        }
    }
    // Variables in order; a failed one is left out and named when used.
    let mut failed: HashMap<&str, String> = HashMap::new();
    for (name, p) in &code.variables {
        match run(&a, p) {
            Ok(v) => {
                a.set_variable(name, v);
            }
            Err(e) => {
                failed.insert(name, e);
            }
        }
    }
    let mut out = vec![];
    for v in &code.validations {
        match run(&a, &v.program).and_then(|r| cel::as_bool(&r)) {
            Ok(true) => {}
            Ok(false) => {
                let from_expression = v
                    .message_program
                    .as_ref()
                    .and_then(|p| run(&a, p).ok())
                    .and_then(|r| cel::as_string(&r).ok().flatten())
                    .filter(|m| !m.trim().is_empty() && !m.contains('\n'));
                let message = from_expression.unwrap_or_else(|| {
                    if v.message.is_empty() {
                        format!("failed expression: {}", v.source)
                    } else {
                        v.message.clone()
                    }
                });
                out.push(Outcome::Violation {
                    message,
                    reason: v.reason.clone(),
                });
            }
            Err(e) => {
                let e = match failed
                    .iter()
                    .find(|(n, _)| e == format!("no such key: {n}"))
                {
                    Some((n, why)) => format!("variable '{n}' failed: {why}"),
                    None => e,
                };
                out.push(Outcome::Error(format!(
                    "expression '{}' resulted in error: {e}",
                    v.source
                )));
            }
        }
    }
    out
}

/// Applies the binding's actions to one outcome.
fn enforce(
    tx: &mut Tx<'_>,
    kind: Kind,
    req: &Request<'_>,
    policy: &ValidatingAdmissionPolicy,
    binding: &ValidatingAdmissionPolicyBinding,
    outcome: Outcome,
) -> Result<(), StoreError> {
    let (message, reason) = match outcome {
        Outcome::Violation { message, reason } => (message, reason),
        Outcome::Error(_) if !policy.spec.fails_closed() => return Ok(()),
        Outcome::Error(e) => (e, "Invalid".to_string()),
    };
    let text = format!(
        "ValidatingAdmissionPolicy '{}' with binding '{}' denied request: {message}",
        policy.metadata.name, binding.metadata.name
    );
    let actions = &binding.spec.validation_actions;
    if actions.iter().any(|a| a == "Warn") {
        tx.warn(format!(
            "Validation failed for ValidatingAdmissionPolicy '{}' with binding '{}': {message}",
            policy.metadata.name, binding.metadata.name
        ));
    }
    if actions.iter().any(|a| a == "Audit") {
        tracing::info!(
            operation = req.operation,
            resource = kind.plural(),
            name = req.name,
            "audit: {text}"
        );
    }
    if !actions.iter().any(|a| a == "Deny") {
        return Ok(());
    }
    Err(match reason.as_str() {
        "Forbidden" => StoreError::Denied {
            code: 403,
            reason: "Forbidden",
            message: text,
        },
        "Unauthorized" => StoreError::Denied {
            code: 401,
            reason: "Unauthorized",
            message: text,
        },
        "RequestEntityTooLarge" => StoreError::Denied {
            code: 413,
            reason: "RequestEntityTooLarge",
            message: text,
        },
        _ => StoreError::Invalid {
            kind,
            name: req.name.to_string(),
            errors: vec![FieldError::new("", text)],
        },
    })
}
