//! Generic REST handlers for every kind: list (and watch), get, create,
//! replace, merge-patch, delete, delete-collection, the `status`
//! subresource, and `scale` for Deployments and ReplicaSets.

use super::table::{self, TableParams};
use super::{ApiError, App, Body, Caller, json_bytes, watch};
use crate::api::wire::{DeleteOptions, ListParams, WriteParams};
use crate::api::{AnyObject, FieldSelector, Kind, Object, Selector};
use crate::control::store::{Entry, StoreError, Subresource, Tx};
use crate::control::{admission, ops};
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::collections::HashMap;
use std::sync::Arc;

/// The caller [`super::access::authenticate`] put on the request.
pub fn caller_of(ext: &axum::http::Extensions) -> Result<Caller, ApiError> {
    ext.get::<Caller>().cloned().ok_or_else(|| {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            "the request was not authenticated",
        )
    })
}

/// Whether a write is a dry run (`dryRun=All`); other values are a 400.
pub fn dry_run(q: &WriteParams) -> Result<bool, ApiError> {
    q.is_dry_run().map_err(ApiError::bad_request)
}

pub type Params = Path<HashMap<String, String>>;

/// `(namespace, name)` from the path. Namespaces are themselves addressed by
/// the `{ns}` segment.
pub fn key(kind: Kind, p: &HashMap<String, String>) -> (String, String) {
    if kind == Kind::Namespace {
        return (String::new(), p.get("ns").cloned().unwrap_or_default());
    }
    let ns = if kind.namespaced() {
        p.get("ns").cloned().unwrap_or_default()
    } else {
        String::new()
    };
    (ns, p.get("name").cloned().unwrap_or_default())
}

pub fn routes<T: Object>(r: super::Routes) -> super::Routes {
    let k = T::KIND;
    let prefix = k.api_prefix();
    let plural = k.plural();
    let (collection, item) = if k == Kind::Namespace {
        (
            format!("{prefix}/namespaces"),
            format!("{prefix}/namespaces/{{ns}}"),
        )
    } else if k.namespaced() {
        (
            format!("{prefix}/namespaces/{{ns}}/{plural}"),
            format!("{prefix}/namespaces/{{ns}}/{plural}/{{name}}"),
        )
    } else {
        (
            format!("{prefix}/{plural}"),
            format!("{prefix}/{plural}/{{name}}"),
        )
    };
    let mut r = r
        .route(
            &collection,
            get(list::<T>)
                .post(create::<T>)
                .delete(delete_collection::<T>),
        )
        .route(
            &item,
            get(get_one::<T>)
                .put(replace::<T, false>)
                .patch(super::patch::patch::<T, false>)
                .delete(delete_one::<T>),
        )
        .route(
            &format!("{item}/status"),
            get(get_one::<T>)
                .put(replace::<T, true>)
                .patch(super::patch::patch::<T, true>),
        );
    if k.namespaced() {
        r = r.route(&format!("{prefix}/{plural}"), get(list::<T>));
    }
    if matches!(
        k,
        Kind::Deployment | Kind::ReplicaSet | Kind::StatefulSet | Kind::ReplicationController
    ) {
        r = r.route(
            &format!("{item}/scale"),
            get(super::scale::get_scale::<T>)
                .put(super::scale::put_scale::<T>)
                .patch(super::scale::patch_scale::<T>),
        );
    }
    r
}

/// A list body from entries: `{"apiVersion":..,"kind":"PodList","metadata":{..},"items":[..]}`.
pub fn list_body(kind: Kind, entries: &[Entry], revision: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(128 + entries.iter().map(|e| e.json.len() + 1).sum::<usize>());
    out.extend_from_slice(
        format!(
            "{{\"apiVersion\":\"{}\",\"kind\":\"{}List\",\"metadata\":{{\"resourceVersion\":\"{revision}\"}},\"items\":[",
            kind.api_version(),
            kind.as_str()
        )
        .as_bytes(),
    );
    for (i, e) in entries.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(&e.json);
    }
    out.extend_from_slice(b"]}");
    out
}

/// Compiled filters of a list or watch.
pub struct Filters {
    pub namespace: Option<String>,
    pub labels: Selector,
    pub fields: FieldSelector,
    /// Only what the pods of this node use (a node's list of ConfigMaps,
    /// Secrets or claims), checked against the store at each object.
    pub used_by: Option<(String, crate::control::store::Store)>,
}

impl Filters {
    pub fn parse(kind: Kind, ns: Option<String>, q: &ListParams) -> Result<Self, ApiError> {
        let labels = Selector::parse(q.label_selector.as_deref().unwrap_or(""))
            .map_err(|e| ApiError::bad_request(e.to_string()))?;
        let fields = FieldSelector::parse(kind, q.field_selector.as_deref().unwrap_or(""))
            .map_err(ApiError::bad_request)?;
        Ok(Filters {
            namespace: ns.filter(|_| kind.namespaced()),
            labels,
            fields,
            used_by: None,
        })
    }

    /// Cuts these filters down to what node `node`'s pods use.
    pub fn used_by(mut self, node: Option<String>, store: &crate::control::store::Store) -> Self {
        self.used_by = node.map(|n| (n, store.clone()));
        self
    }

    pub fn matches(&self, obj: &AnyObject) -> bool {
        use crate::control::authz::Facts;
        let m = obj.meta();
        self.namespace.as_ref().is_none_or(|ns| m.namespace == *ns)
            && self.labels.matches(&m.labels)
            && self.fields.matches(obj)
            && self.used_by.as_ref().is_none_or(|(node, store)| {
                crate::control::authn::StoreFacts(store).node_uses(
                    node,
                    obj.kind().plural(),
                    &m.namespace,
                    &m.name,
                )
            })
    }
}

async fn list<T: Object>(
    State(app): State<Arc<App>>,
    Path(p): Params,
    q: Result<Query<ListParams>, axum::extract::rejection::QueryRejection>,
    Query(tq): Query<TableParams>,
    headers: HeaderMap,
    caller: Option<axum::extract::Extension<Caller>>,
) -> Result<Response, ApiError> {
    let Query(q) = q.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let kind = T::KIND;
    let answer = table::negotiate(&headers, &tq)?;
    let ns = p.get("ns").cloned();
    let used_by = caller.and_then(|c| c.0.used_by);
    let filters = Filters::parse(kind, ns, &q)?.used_by(used_by, &app.store);
    if q.watching().map_err(ApiError::bad_request)? {
        return watch::serve(app, kind, filters, &q, answer).await;
    }
    super::pages::serve(app, kind, filters, &q, answer).await
}

pub fn not_found(kind: Kind, ns: &str, name: &str) -> ApiError {
    ApiError::from(StoreError::NotFound {
        kind,
        namespace: ns.to_string(),
        name: name.to_string(),
    })
}

/// The stored entry the path names, or 404.
pub fn entry(app: &App, kind: Kind, p: &HashMap<String, String>) -> Result<Entry, ApiError> {
    let (ns, name) = key(kind, p);
    app.store
        .get_entry(kind, &ns, &name)
        .ok_or_else(|| not_found(kind, &ns, &name))
}

async fn get_one<T: Object>(
    State(app): State<Arc<App>>,
    Path(p): Params,
    Query(tq): Query<TableParams>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let answer = table::negotiate(&headers, &tq)?;
    let e = entry(&app, T::KIND, &p)?;
    Ok(match table::object_body(answer, &e.obj, &e.json) {
        Some(body) => json_bytes(StatusCode::OK, body),
        None => json_bytes(StatusCode::OK, e.json),
    })
}

/// Decodes a body strictly into `T`, naming the failing field.
pub fn decode<T: Object>(body: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    let obj: T = serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            format!(
                "decoding {} body: {}{}",
                T::KIND,
                if path == "." {
                    String::new()
                } else {
                    format!("{path}: ")
                },
                e.inner()
            ),
        )
    })?;
    Ok(obj)
}

/// Checks `apiVersion`/`kind` (when given) and fills or checks the namespace and name.
fn prepare<T: Object>(obj: &mut T, ns: &str, name: Option<&str>) -> Result<(), ApiError> {
    let (av, k) = {
        let v = serde_json::to_value(&*obj).map_err(|e| ApiError::bad_request(e.to_string()))?;
        (
            v.get("apiVersion")
                .and_then(|x| x.as_str())
                .unwrap_or("")
                .to_string(),
            v.get("kind")
                .and_then(|x| x.as_str())
                .unwrap_or("")
                .to_string(),
        )
    };
    if (!av.is_empty() && av != T::KIND.api_version()) || (!k.is_empty() && k != T::KIND.as_str()) {
        return Err(ApiError::bad_request(format!(
            "body is {av}/{k} but this URL takes {}/{}",
            T::KIND.api_version(),
            T::KIND
        )));
    }
    let m = obj.meta_mut();
    if T::KIND.namespaced() {
        from_url("namespace", &mut m.namespace, ns)?;
    }
    if let Some(name) = name {
        from_url("name", &mut m.name, name)?;
    }
    Ok(())
}

/// Fills an empty field of the body from the URL; a different value is a 400.
fn from_url(what: &str, field: &mut String, url: &str) -> Result<(), ApiError> {
    if field.is_empty() {
        *field = url.to_string();
    } else if field != url {
        return Err(ApiError::bad_request(format!(
            "the {what} of the body ({field}) does not match the {what} of the URL ({url})"
        )));
    }
    Ok(())
}

fn encode<T: Object>(code: StatusCode, obj: &T) -> Result<Response, ApiError> {
    let body = serde_json::to_vec(obj).map_err(|e| ApiError::bad_request(e.to_string()))?;
    Ok(json_bytes(code, body))
}

async fn create<T: Object>(State(app): State<Arc<App>>, w: Write) -> Result<Response, ApiError> {
    let (mut obj, warnings) =
        super::field_validation::decode::<T>(w.query.field_validation.as_deref(), &w.body)?;
    let ns = w.path.get("ns").cloned().unwrap_or_default();
    prepare(&mut obj, &ns, None)?;
    let manager = super::patch::manager(&w.query, &w.headers)?;
    super::patch::track(&mut obj, None, &manager, "");
    let (stored, admitted) = app
        .store
        .txn_with(w.dry_run()?, move |tx| {
            let o = admission::create(tx, &w.caller.identity, obj)?;
            Ok((o, tx.warnings()))
        })
        .await?;
    let r = encode(StatusCode::CREATED, stored.as_ref())?;
    let r = super::field_validation::with_warnings(r, &warnings);
    Ok(super::field_validation::with_warnings(r, &admitted))
}

/// Which part of the object a route writes: the main resource, or `/status`.
fn subresource(status: bool) -> Subresource {
    if status {
        Subresource::Status
    } else {
        Subresource::Main
    }
}

/// `PUT` of the object (`STATUS` false) or of its `/status`.
async fn replace<T: Object, const STATUS: bool>(
    State(app): State<Arc<App>>,
    w: Write,
) -> Result<Response, ApiError> {
    let (mut obj, warnings) =
        super::field_validation::decode::<T>(w.query.field_validation.as_deref(), &w.body)?;
    let (ns, name) = key(T::KIND, &w.path);
    prepare(&mut obj, &ns, Some(&name))?;
    let sub = subresource(STATUS);
    let manager = super::patch::manager(&w.query, &w.headers)?;
    let (stored, admitted) = app
        .store
        .txn_with(w.dry_run()?, move |tx| {
            if let Some(old) = tx.get::<T>(&ns, &name) {
                let sub_name = if STATUS { "status" } else { "" };
                super::patch::track(&mut obj, Some(&*old), &manager, sub_name);
            }
            let o = admission::update(tx, &w.caller.identity, obj, sub)?;
            Ok((o, tx.warnings()))
        })
        .await?;
    let r = encode(StatusCode::OK, stored.as_ref())?;
    let r = super::field_validation::with_warnings(r, &warnings);
    Ok(super::field_validation::with_warnings(r, &admitted))
}

/// What a write route takes: the path's parameters, the write query
/// (`dryRun`, `labelSelector`...), the headers and the body. A part that
/// cannot be read is refused as its own extractor refuses it.
pub struct Write {
    pub caller: Caller,
    pub path: HashMap<String, String>,
    pub query: WriteParams,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl<S: Send + Sync> FromRequest<S> for Write {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let caller = caller_of(&parts.extensions).map_err(IntoResponse::into_response)?;
        let Path(path) = Params::from_request_parts(&mut parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let Query(query) = Query::<WriteParams>::from_request_parts(&mut parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let headers = parts.headers.clone();
        table::check_json_accepted(&headers).map_err(IntoResponse::into_response)?;
        let Body(body) = Body::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(Write {
            caller,
            path,
            query,
            headers,
            body,
        })
    }
}

impl Write {
    /// Whether this is a dry run (`dryRun=All`); other values are a 400.
    pub fn dry_run(&self) -> Result<bool, ApiError> {
        dry_run(&self.query)
    }

    /// The body as a merge patch: a JSON object sent as one of the merge
    /// patch media types.
    pub fn patch(&self) -> Result<serde_json::Value, ApiError> {
        patch_value(&self.headers, &self.body)
    }
}

fn patch_value(headers: &HeaderMap, body: &[u8]) -> Result<serde_json::Value, ApiError> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/merge-patch+json");
    let ct = ct.split(';').next().unwrap_or("").trim();
    match ct {
        "application/merge-patch+json"
        | "application/strategic-merge-patch+json"
        | "application/json" => {}
        other => {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "UnsupportedMediaType",
                format!("patch type {other:?} is not supported; send application/merge-patch+json"),
            ));
        }
    }
    let v: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("patch is not JSON: {e}")))?;
    if !v.is_object() {
        return Err(ApiError::bad_request("a merge patch must be a JSON object"));
    }
    Ok(v)
}

/// The body's `DeleteOptions` with the query's laid over them, and whether
/// it is a dry run.
fn delete_options(q: &WriteParams, body: &[u8]) -> Result<(DeleteOptions, bool), ApiError> {
    let b: DeleteOptions = if body.iter().all(u8::is_ascii_whitespace) {
        DeleteOptions::default()
    } else {
        serde_json::from_slice(body)
            .map_err(|e| ApiError::bad_request(format!("DeleteOptions body: {e}")))?
    };
    let opts = b.with_query(q).map_err(ApiError::bad_request)?;
    let dry = opts.is_dry_run();
    Ok((opts, dry))
}

async fn delete_one<T: Object>(
    State(app): State<Arc<App>>,
    w: Write,
) -> Result<Response, ApiError> {
    let (ns, name) = key(T::KIND, &w.path);
    let (opts, dry) = delete_options(&w.query, &w.body)?;
    let kind = T::KIND;
    let who = w.caller.identity.clone();
    let f = move |tx: &mut Tx<'_>| {
        admission::deleting::<T>(tx, &who, &ns, &name)?;
        let obj = ops::delete(tx, kind, &ns, &name, &opts)?.object;
        Ok((obj, tx.warnings()))
    };
    let (obj, warnings) = app.store.txn_with(dry, f).await?;
    let body = obj
        .to_json()
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    Ok(super::field_validation::with_warnings(
        json_bytes(StatusCode::OK, body),
        &warnings,
    ))
}

async fn delete_collection<T: Object>(
    State(app): State<Arc<App>>,
    w: Write,
) -> Result<Response, ApiError> {
    let kind = T::KIND;
    let ns = w.path.get("ns").cloned();
    let lq = ListParams::selecting(w.query.label_selector.as_deref(), None);
    let filters = Filters::parse(kind, ns, &lq)?;
    let (opts, dry) = delete_options(&w.query, &w.body)?;
    let who = w.caller.identity.clone();
    let f = move |tx: &mut Tx<'_>| {
        let victims: Vec<(String, String)> = tx
            .list::<T>(filters.namespace.as_deref())
            .iter()
            .filter(|o| filters.labels.matches(&o.meta().labels))
            .map(|o| (o.meta().namespace.clone(), o.meta().name.clone()))
            .collect();
        let mut out = vec![];
        for (ns, name) in victims {
            admission::deleting::<T>(tx, &who, &ns, &name)?;
            out.push(ops::delete(tx, kind, &ns, &name, &opts)?.object);
        }
        Ok(out)
    };
    let deleted = app.store.txn_with(dry, f).await?;
    let entries: Vec<Entry> = deleted
        .into_iter()
        .filter_map(|o| Entry::new(o).ok())
        .collect();
    Ok(json_bytes(
        StatusCode::OK,
        list_body(kind, &entries, app.store.revision()),
    ))
}
