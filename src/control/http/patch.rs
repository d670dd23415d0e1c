//! `PATCH` of every kind and its `/status`, in the four types Kubernetes
//! serves, chosen by `Content-Type`: JSON merge patch (RFC 7386),
//! JSON patch (RFC 6902, the `json-patch` crate), strategic merge patch
//! ([`crate::api::strategic_merge`]) and server-side apply
//! (`application/apply-patch+yaml`, [`crate::api::managed_fields`]:
//! `fieldManager` required, `force=true`, created when absent, 409 with a
//! cause per conflicting field). Every write through the API records its
//! manager in `metadata.managedFields` ([`track`]): `fieldManager`, or the
//! program name of the User-Agent as Kubernetes takes it.
//!
//! Decisions are the pure functions of `api`; this module reads the
//! request, runs them in one store transaction, and answers. It must not
//! import controllers or the scheduler.

use super::resources::{Write, key};
use super::{ApiError, App, json_bytes};
use crate::api::managed_fields::{self, Writer, conflict_message};
use crate::api::merge::merge_patch;
use crate::api::strategic_merge::{Ty, strategic_merge};
use crate::api::wire::WriteParams;
use crate::api::{Kind, Object, Status, StatusCause, StatusDetails, Time};
use crate::control::admission;
use crate::control::store::{StoreError, Subresource, Tx};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use serde_json::Value;
use std::sync::{Arc, Mutex};

/// The four kinds of PATCH.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PatchType {
    Merge,
    Json,
    Strategic,
    Apply,
}

/// The patch type a `Content-Type` names; anything else is a 415.
pub fn patch_type(headers: &HeaderMap) -> Result<PatchType, ApiError> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/merge-patch+json");
    match ct.split(';').next().unwrap_or("").trim() {
        "application/merge-patch+json" | "application/json" | "" => Ok(PatchType::Merge),
        "application/json-patch+json" => Ok(PatchType::Json),
        "application/strategic-merge-patch+json" => Ok(PatchType::Strategic),
        "application/apply-patch+yaml" | "application/apply-patch+cbor" => Ok(PatchType::Apply),
        other => Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UnsupportedMediaType",
            format!(
                "the body of the request was in an unknown format ({other}); accepted: \
                 application/json-patch+json, application/merge-patch+json, \
                 application/strategic-merge-patch+json, application/apply-patch+yaml"
            ),
        )),
    }
}

/// The manager of a write: `fieldManager`, else the program name at the
/// head of the User-Agent (`kubectl/v1.32.0 (linux/amd64) ...` → `kubectl`).
pub fn manager(q: &WriteParams, headers: &HeaderMap) -> Result<String, ApiError> {
    if let Some(m) = q.field_manager.as_deref().filter(|m| !m.is_empty()) {
        if m.len() > 128 || m.chars().any(|c| c.is_control()) {
            return Err(ApiError::bad_request(format!(
                "fieldManager {m:?} is invalid: at most 128 printable characters"
            )));
        }
        return Ok(m.to_string());
    }
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let prefix = ua.split('/').next().unwrap_or("");
    Ok(prefix.chars().take(128).collect())
}

/// Records `manager`'s Update of `obj` (from `old`, absent on create) in
/// its `managedFields`. Without a manager nothing is recorded.
pub fn track<T: Object>(obj: &mut T, old: Option<&T>, manager: &str, subresource: &str) {
    if manager.is_empty() {
        return;
    }
    let (Ok(new_v), Ok(old_v)) = (
        serde_json::to_value(&*obj),
        old.map(serde_json::to_value).transpose(),
    ) else {
        return;
    };
    let entries = match old {
        Some(o) if obj.meta().managed_fields.is_empty() => o.meta().managed_fields.clone(),
        _ => obj.meta().managed_fields.clone(),
    };
    let w = Writer {
        manager,
        subresource,
        api_version: T::KIND.api_version(),
        now: Time::now(),
    };
    obj.meta_mut().managed_fields =
        managed_fields::record_update(old_v.as_ref(), &new_v, Ty::of_kind(T::KIND), &w, entries);
}

/// An error with more than a message (a 409 with causes, a 422), carried
/// out of a store transaction, whose error type is [`StoreError`].
#[derive(Clone, Default)]
struct Stash(Arc<Mutex<Option<ApiError>>>);

impl Stash {
    fn fail(&self, e: ApiError) -> StoreError {
        let msg = e.0.message.clone();
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
        StoreError::BadRequest(msg)
    }

    fn or(&self, e: StoreError) -> ApiError {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .unwrap_or_else(|| ApiError::from(e))
    }
}

fn invalid(message: String) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "Invalid", message)
}

/// The 409 of a failed apply, with a cause per field as Kubernetes sends it.
fn conflict(kind: Kind, name: &str, cs: &[managed_fields::Conflict]) -> ApiError {
    let mut s = Status::failure(409, "Conflict", conflict_message(cs));
    s.details = Some(StatusDetails {
        name: name.to_string(),
        kind: kind.plural().to_string(),
        causes: cs
            .iter()
            .map(|c| StatusCause {
                reason: "FieldManagerConflict".into(),
                message: format!("conflict with {}", c.manager),
                field: c.path.clone(),
            })
            .collect(),
        item: None,
    });
    ApiError(Box::new(s))
}

/// A patch body, read before the transaction.
#[derive(Clone)]
enum Body {
    Object(Value),
    Json(json_patch::Patch),
}

fn read_body(pt: PatchType, body: &[u8]) -> Result<Body, ApiError> {
    match pt {
        PatchType::Json => serde_json::from_slice::<json_patch::Patch>(body)
            .map(Body::Json)
            .map_err(|e| {
                ApiError::bad_request(format!(
                    "a JSON patch must be a list of operations ({{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":3}}): {e}"
                ))
            }),
        PatchType::Apply => {
            let text = std::str::from_utf8(body)
                .map_err(|e| ApiError::bad_request(format!("apply body is not UTF-8: {e}")))?;
            let v: Value = serde_saphyr::from_str(text).map_err(|e| {
                ApiError::bad_request(format!("apply body is not YAML or JSON: {e}"))
            })?;
            if !v.is_object() {
                return Err(ApiError::bad_request(
                    "an apply body must be one object (apiVersion, kind, metadata, ...)",
                ));
            }
            Ok(Body::Object(v))
        }
        PatchType::Merge | PatchType::Strategic => {
            let v: Value = serde_json::from_slice(body)
                .map_err(|e| ApiError::bad_request(format!("patch is not JSON: {e}")))?;
            if !v.is_object() {
                return Err(ApiError::bad_request(
                    "a merge patch must be a JSON object",
                ));
            }
            Ok(Body::Object(v))
        }
    }
}

/// Checks an applied configuration names this URL's object and kind.
fn check_config<T: Object>(cfg: &mut Value, ns: &str, name: &str) -> Result<(), ApiError> {
    let av = cfg.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    let k = cfg.get("kind").and_then(Value::as_str).unwrap_or("");
    if av != T::KIND.api_version() || k != T::KIND.as_str() {
        return Err(ApiError::bad_request(format!(
            "an apply body must say apiVersion: {} and kind: {} (it says {av:?} and {k:?})",
            T::KIND.api_version(),
            T::KIND
        )));
    }
    let meta = cfg
        .get_mut("metadata")
        .and_then(Value::as_object_mut)
        .ok_or_else(|| ApiError::bad_request("an apply body needs metadata.name"))?;
    let n = meta.get("name").and_then(Value::as_str).unwrap_or("");
    if n != name {
        return Err(ApiError::bad_request(format!(
            "the name of the body ({n}) does not match the name of the URL ({name})"
        )));
    }
    if T::KIND.namespaced() {
        match meta.get("namespace").and_then(Value::as_str) {
            Some(x) if !x.is_empty() && x != ns => {
                return Err(ApiError::bad_request(format!(
                    "the namespace of the body ({x}) does not match the namespace of the URL ({ns})"
                )));
            }
            _ => {
                meta.insert("namespace".into(), Value::String(ns.to_string()));
            }
        }
    }
    Ok(())
}

fn decode<T: Object>(v: Value) -> Result<T, StoreError> {
    serde_path_to_error::deserialize(v).map_err(|e| {
        StoreError::BadRequest(format!(
            "the patched object is not a valid {}: {}: {}",
            T::KIND,
            e.path(),
            e.inner()
        ))
    })
}

fn json<T: Object>(obj: &T) -> Result<Value, StoreError> {
    serde_json::to_value(obj).map_err(|e| StoreError::BadRequest(e.to_string()))
}

/// Everything the transaction needs.
#[derive(Clone)]
struct Request {
    pt: PatchType,
    body: Body,
    ns: String,
    name: String,
    manager: String,
    force: bool,
    status: bool,
}

/// The patched object, and whether the patch created it (apply).
fn run<T: Object>(
    tx: &mut Tx<'_>,
    who: &crate::control::authz::Identity,
    r: Request,
    stash: &Stash,
) -> Result<(Arc<T>, bool), StoreError> {
    let kind = T::KIND;
    let sub_name = if r.status { "status" } else { "" };
    let sub = if r.status {
        Subresource::Status
    } else {
        Subresource::Main
    };
    let w = Writer {
        manager: &r.manager,
        subresource: sub_name,
        api_version: kind.api_version(),
        now: Time::now(),
    };
    let ty = Ty::of_kind(kind);
    let Some(live) = tx.get::<T>(&r.ns, &r.name) else {
        if r.pt != PatchType::Apply || r.status {
            return Err(StoreError::NotFound {
                kind,
                namespace: r.ns.clone(),
                name: r.name.clone(),
            });
        }
        let Body::Object(cfg) = &r.body else {
            return Err(StoreError::BadRequest("apply body".into()));
        };
        let v = managed_fields::apply(None, cfg, ty, &w, r.force)
            .map_err(|c| stash.fail(conflict(kind, &r.name, &c)))?;
        let obj: T = decode(v)?;
        return Ok((admission::create(tx, who, obj)?, true));
    };
    let live_v = json(&*live)?;
    let new_v = match (&r.body, r.pt) {
        (Body::Object(p), PatchType::Merge) => {
            let mut v = live_v.clone();
            merge_patch(&mut v, p);
            v
        }
        (Body::Object(p), PatchType::Strategic) => strategic_merge(kind, &live_v, p)
            .map_err(|e| stash.fail(invalid(format!("strategic merge patch: {e}"))))?,
        (Body::Json(p), _) => {
            let mut v = live_v.clone();
            json_patch::patch(&mut v, p).map_err(|e| stash.fail(invalid(e.to_string())))?;
            v
        }
        (Body::Object(cfg), _) => managed_fields::apply(Some(&live_v), cfg, ty, &w, r.force)
            .map_err(|c| stash.fail(conflict(kind, &r.name, &c)))?,
    };
    // A patch may carry a resourceVersion precondition.
    let rv = new_v
        .pointer("/metadata/resourceVersion")
        .and_then(Value::as_str)
        .unwrap_or("");
    let live_rv = live.meta().resource_version.clone();
    if !rv.is_empty() && rv != live_rv {
        return Err(StoreError::Conflict {
            kind,
            name: r.name.clone(),
            message: format!(
                "the object has been modified (resourceVersion {rv} is not the current {live_rv}); read it again and retry"
            ),
        });
    }
    let mut obj: T = decode(new_v)?;
    obj.meta_mut().resource_version = live_rv;
    if r.pt != PatchType::Apply {
        obj.meta_mut().managed_fields = live.meta().managed_fields.clone();
        track(&mut obj, Some(&*live), &r.manager, sub_name);
    }
    if obj == *live {
        return Ok((live, false));
    }
    Ok((admission::update(tx, who, obj, sub)?, false))
}

/// `PATCH` of the object (`STATUS` false) or of its `/status`.
pub async fn patch<T: Object, const STATUS: bool>(
    State(app): State<Arc<App>>,
    w: Write,
) -> Result<Response, ApiError> {
    let pt = patch_type(&w.headers)?;
    let dry = w.dry_run()?;
    let force = w.query.force.unwrap_or(false);
    if force && pt != PatchType::Apply {
        return Err(ApiError::bad_request(
            "force=true is only for apply patches (application/apply-patch+yaml)",
        ));
    }
    if pt == PatchType::Apply && w.query.field_manager.as_deref().unwrap_or("").is_empty() {
        return Err(ApiError::bad_request(
            "fieldManager is required for apply patches: pass ?fieldManager=NAME (kubectl apply --server-side sends it)",
        ));
    }
    let manager = manager(&w.query, &w.headers)?;
    let (ns, name) = key(T::KIND, &w.path);
    let mut body = read_body(pt, &w.body)?;
    if let Body::Object(cfg) = &mut body
        && pt == PatchType::Apply
    {
        check_config::<T>(cfg, &ns, &name)?;
    }
    let req = Request {
        pt,
        body,
        ns,
        name,
        manager,
        force,
        status: STATUS,
    };
    let who = w.caller.identity.clone();
    let stash = Stash::default();
    let inner = stash.clone();
    let (stored, created, warnings) = app
        .store
        .txn_with(dry, move |tx| {
            // A run again (after another control daemon's commit overtook
            // the group) starts without the last run's failure.
            inner.0.lock().unwrap_or_else(|p| p.into_inner()).take();
            let (stored, created) = run::<T>(tx, &who, req, &inner)?;
            Ok((stored, created, tx.warnings()))
        })
        .await
        .map_err(|e| stash.or(e))?;
    let code = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let body =
        serde_json::to_vec(stored.as_ref()).map_err(|e| ApiError::bad_request(e.to_string()))?;
    Ok(super::field_validation::with_warnings(
        json_bytes(code, body),
        &warnings,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(ct: &str, ua: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_str(ct).unwrap());
        h.insert(header::USER_AGENT, HeaderValue::from_str(ua).unwrap());
        h
    }

    #[test]
    fn the_content_type_chooses_the_patch_type() {
        let t = |ct: &str| patch_type(&headers(ct, "x")).map_err(|e| e.0.code);
        assert_eq!(t("application/json-patch+json"), Ok(PatchType::Json));
        assert_eq!(
            t("application/strategic-merge-patch+json; charset=utf-8"),
            Ok(PatchType::Strategic)
        );
        assert_eq!(t("application/merge-patch+json"), Ok(PatchType::Merge));
        assert_eq!(t("application/apply-patch+yaml"), Ok(PatchType::Apply));
        assert_eq!(t("text/plain"), Err(415));
    }

    #[test]
    fn the_manager_is_field_manager_or_the_user_agents_program() {
        let h = headers(
            "application/json",
            "kubectl/v1.32.4 (linux/amd64) kubernetes/4cb5f07",
        );
        assert_eq!(manager(&WriteParams::default(), &h).unwrap(), "kubectl");
        let q = WriteParams {
            field_manager: Some("kubectl-set".into()),
            ..Default::default()
        };
        assert_eq!(manager(&q, &h).unwrap(), "kubectl-set");
        let long = WriteParams {
            field_manager: Some("m".repeat(129)),
            ..Default::default()
        };
        assert_eq!(manager(&long, &h).unwrap_err().0.code, 400);
    }

    #[test]
    fn a_conflict_names_each_field_and_manager_in_its_causes() {
        let cs = vec![
            managed_fields::Conflict {
                manager: "\"kubectl\"".into(),
                path: ".spec.replicas".into(),
            },
            managed_fields::Conflict {
                manager: "\"helm\" using apps/v1".into(),
                path: ".spec.paused".into(),
            },
        ];
        let e = conflict(Kind::Deployment, "web", &cs).0;
        assert_eq!((e.code, e.reason.as_str()), (409, "Conflict"));
        assert!(
            e.message.starts_with("Apply failed with 2 conflicts: conflicts with \"helm\" using apps/v1:\n- .spec.paused"),
            "{}",
            e.message
        );
        let causes = e.details.unwrap().causes;
        assert_eq!(causes[0].reason, "FieldManagerConflict");
        assert_eq!(causes[0].field, ".spec.replicas");
        assert_eq!(causes[0].message, "conflict with \"kubectl\"");
    }

    #[test]
    fn a_json_patch_body_must_be_a_list_of_operations() {
        assert!(read_body(PatchType::Json, br#"[{"op":"remove","path":"/a"}]"#).is_ok());
        let e = read_body(PatchType::Json, br#"{"op":"remove"}"#)
            .err()
            .unwrap();
        assert_eq!(e.0.code, 400);
        assert!(read_body(PatchType::Apply, b"apiVersion: v1\nkind: ConfigMap\n").is_ok());
        assert!(read_body(PatchType::Apply, b"- a\n").is_err());
    }
}
