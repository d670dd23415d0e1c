//! What a list reads, as Kubernetes reads it: `resourceVersion` with
//! `resourceVersionMatch` (`NotOlderThan`, `Exact`), and pages by `limit`
//! and `continue`. Every page of one list is cut from the same revision (the
//! first page's), so a list read in pages is as consistent as one read
//! whole; a token whose revision the store no longer holds is a 410 with
//! Kubernetes' message.
//!
//! [`plan`] is a pure decision from the query; [`page`] cuts a page from the
//! entries read at the planned revision and writes the list body. This
//! module must not import the store's writer, controllers or the scheduler.

use super::resources::Filters;
use super::table::Answer;
use super::{ApiError, App, json_bytes};
use crate::api::Kind;
use crate::api::wire::ListParams;
use crate::control::store::Entry;
use axum::http::StatusCode;
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Kubernetes' answer to a continue token older than the store keeps.
pub const CONTINUE_EXPIRED: &str = "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.";

/// Kubernetes' answer to an `Exact` list of a revision older than the store keeps.
pub const EXACT_EXPIRED: &str = "The resourceVersion for the provided list is too old.";

/// Which revision to read and where the page starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// Read as of this revision; `None`: the current one.
    pub at: Option<u64>,
    /// The current revision must be at least this (`NotOlderThan`).
    pub not_older_than: Option<u64>,
    /// Start after this `(namespace, name)`.
    pub after: Option<(String, String)>,
    /// Most items in the page (`None`: all).
    pub limit: Option<usize>,
    /// Whether `at` came from a continue token (its expiry has its own message).
    pub continued: bool,
}

/// The opaque `continue` token: the revision of the first page and the key
/// of the last item sent.
#[derive(Serialize, Deserialize, Debug, PartialEq, Eq)]
struct Token {
    v: String,
    rv: u64,
    ns: String,
    name: String,
}

fn encode_token(rv: u64, after: &(String, String)) -> String {
    let t = Token {
        v: "meta.k8s.io/v1".into(),
        rv,
        ns: after.0.clone(),
        name: after.1.clone(),
    };
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&t).unwrap_or_default())
}

fn decode_token(s: &str) -> Result<Token, String> {
    let bytes = URL_SAFE_NO_PAD
        .decode(s.trim_end_matches('='))
        .map_err(|e| format!("continue key is not valid: {e}"))?;
    let t: Token =
        serde_json::from_slice(&bytes).map_err(|e| format!("continue key is not valid: {e}"))?;
    if t.v != "meta.k8s.io/v1" {
        return Err(format!("continue key is not valid: version {:?}", t.v));
    }
    Ok(t)
}

fn revision(s: &str) -> Result<u64, ApiError> {
    s.parse::<u64>().map_err(|_| {
        ApiError::bad_request(format!(
            "resourceVersion {s:?} is not a number; use the resourceVersion of an earlier answer"
        ))
    })
}

/// The plan of a list from its query; a contradictory query is a 400 that
/// says which parameters clash.
pub fn plan(q: &ListParams) -> Result<Plan, ApiError> {
    let limit = match q.limit {
        None | Some(0) => None,
        Some(n) if n < 0 => {
            return Err(ApiError::bad_request(format!(
                "limit={n} is invalid: it must be a positive number (or 0 for all)"
            )));
        }
        Some(n) => Some(usize::try_from(n).unwrap_or(usize::MAX)),
    };
    let rv = q.resource_version.as_deref().filter(|s| !s.is_empty());
    let rv_match = q
        .resource_version_match
        .as_deref()
        .filter(|s| !s.is_empty());
    if let Some(token) = q.continue_.as_deref().filter(|s| !s.is_empty()) {
        if rv.is_some_and(|r| r != "0") || rv_match.is_some() {
            return Err(ApiError::bad_request(
                "specifying resourceVersion or resourceVersionMatch is not allowed when using continue",
            ));
        }
        let t = decode_token(token).map_err(ApiError::bad_request)?;
        return Ok(Plan {
            at: Some(t.rv),
            not_older_than: None,
            after: Some((t.ns, t.name)),
            limit,
            continued: true,
        });
    }
    let (at, not_older_than) = match (rv_match, rv) {
        (None, None | Some("0")) => (None, None),
        (None, Some(r)) | (Some("NotOlderThan"), Some(r)) => (None, Some(revision(r)?)),
        (Some("Exact"), Some("0")) => {
            return Err(ApiError::bad_request(
                "resourceVersionMatch=Exact is forbidden for resourceVersion \"0\"; give the revision to read",
            ));
        }
        (Some("Exact"), Some(r)) => (Some(revision(r)?), None),
        (Some(m @ ("Exact" | "NotOlderThan")), None) => {
            return Err(ApiError::bad_request(format!(
                "resourceVersionMatch={m} is forbidden unless resourceVersion is provided"
            )));
        }
        (Some(other), _) => {
            return Err(ApiError::bad_request(format!(
                "resourceVersionMatch={other:?} is not supported; use NotOlderThan or Exact"
            )));
        }
    };
    Ok(Plan {
        at,
        not_older_than,
        after: None,
        limit,
        continued: false,
    })
}

/// The refusal of a revision newer than the store's, as Kubernetes words it.
pub fn too_large(requested: u64, current: u64) -> ApiError {
    ApiError::new(
        StatusCode::GATEWAY_TIMEOUT,
        "Timeout",
        format!("Too large resource version: {requested}, current: {current}"),
    )
}

/// The refusal of a revision the store no longer holds.
pub fn expired(plan: &Plan) -> ApiError {
    let message = if plan.continued {
        CONTINUE_EXPIRED
    } else {
        EXACT_EXPIRED
    };
    ApiError::new(StatusCode::GONE, "Expired", message)
}

/// The page of `entries` (read at revision `rev`, in key order) the plan
/// asks for, as a list body (or the `Table` `answer` asks for) with
/// `continue` and `remainingItemCount` when
/// more follow.
pub fn page(answer: Answer, kind: Kind, plan: &Plan, entries: &[Entry], rev: u64) -> Vec<u8> {
    let start = match &plan.after {
        None => 0,
        Some(after) => entries.partition_point(|e| {
            let m = e.obj.meta();
            (m.namespace.as_str(), m.name.as_str()) <= (after.0.as_str(), after.1.as_str())
        }),
    };
    let rest = &entries[start..];
    let n = plan.limit.unwrap_or(rest.len()).min(rest.len());
    let (items, more) = rest.split_at(n);
    let mut meta = serde_json::json!({ "resourceVersion": rev.to_string() });
    if let Some(last) = items.last().filter(|_| !more.is_empty()) {
        let m = last.obj.meta();
        meta["continue"] = encode_token(rev, &(m.namespace.clone(), m.name.clone())).into();
        meta["remainingItemCount"] = more.len().into();
    }
    if let Some(body) = super::table::list_body(answer, kind, items, rev, meta["continue"].as_str())
    {
        return body;
    }
    let mut out = Vec::with_capacity(160 + items.iter().map(|e| e.json.len() + 1).sum::<usize>());
    out.extend_from_slice(
        format!(
            "{{\"apiVersion\":\"{}\",\"kind\":\"{}List\",\"metadata\":{meta},\"items\":[",
            kind.api_version(),
            kind.as_str()
        )
        .as_bytes(),
    );
    for (i, e) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(&e.json);
    }
    out.extend_from_slice(b"]}");
    out
}

/// Answers a list: reads the entries at the planned revision (off the
/// request threads: a large list takes milliseconds of CPU) and cuts the page.
pub async fn serve(
    app: Arc<App>,
    kind: Kind,
    filters: Filters,
    q: &ListParams,
    answer: Answer,
) -> Result<Response, ApiError> {
    let plan = plan(q)?;
    let current = app.store.revision();
    if let Some(want) = plan.not_older_than.filter(|w| *w > current) {
        return Err(too_large(want, current));
    }
    if let Some(want) = plan.at.filter(|w| *w > current) {
        return Err(too_large(want, current));
    }
    let body = tokio::task::spawn_blocking(move || {
        let at = plan.at.unwrap_or(u64::MAX);
        let (entries, rev) = app
            .store
            .list_entries_at(kind, filters.namespace.as_deref(), at, |e| {
                filters.matches(&e.obj)
            })
            .map_err(|_| expired(&plan))?;
        Ok::<_, ApiError>(page(answer, kind, &plan, &entries, rev))
    })
    .await
    .map_err(|e| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalError",
            format!("listing {}: {e}", kind.plural()),
        )
    })??;
    Ok(json_bytes(StatusCode::OK, body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{ConfigMap, Object, new_object};

    fn q(v: serde_json::Value) -> ListParams {
        serde_json::from_value(v).unwrap()
    }

    fn entries(names: &[&str], rev: u64) -> Vec<Entry> {
        names
            .iter()
            .map(|n| {
                let mut c: ConfigMap = new_object("default", n);
                c.metadata.resource_version = rev.to_string();
                Entry::new(c.into_any()).unwrap()
            })
            .collect()
    }

    fn body(b: &[u8]) -> serde_json::Value {
        serde_json::from_slice(b).unwrap()
    }

    #[test]
    fn pages_follow_each_other_from_the_first_pages_revision() {
        let all = entries(&["a", "b", "c", "d", "e"], 3);
        let first = plan(&q(serde_json::json!({"limit": 2}))).unwrap();
        assert_eq!(first.at, None);
        let p1 = body(&page(Answer::Json, Kind::ConfigMap, &first, &all, 9));
        assert_eq!(p1["items"].as_array().unwrap().len(), 2);
        assert_eq!(p1["metadata"]["remainingItemCount"], 3);
        let token = p1["metadata"]["continue"].as_str().unwrap().to_string();
        let next = plan(&q(serde_json::json!({"limit": 2, "continue": token}))).unwrap();
        assert_eq!(
            next.at,
            Some(9),
            "later pages read the first page's revision"
        );
        let p2 = body(&page(Answer::Json, Kind::ConfigMap, &next, &all, 9));
        let names: Vec<_> = p2["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["metadata"]["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["c", "d"]);
        let token = p2["metadata"]["continue"].as_str().unwrap().to_string();
        let last = plan(&q(serde_json::json!({"limit": 2, "continue": token}))).unwrap();
        let p3 = body(&page(Answer::Json, Kind::ConfigMap, &last, &all, 9));
        assert_eq!(p3["items"].as_array().unwrap().len(), 1);
        assert!(p3["metadata"].get("continue").is_none(), "{p3}");
        assert_eq!(p3["metadata"]["resourceVersion"], "9");
    }

    #[test]
    fn resource_version_matches_read_as_kubernetes_reads_them() {
        let p = |v| plan(&q(v));
        assert_eq!(
            p(serde_json::json!({"resourceVersion": "0"})).unwrap().at,
            None
        );
        let nto = p(serde_json::json!({"resourceVersion": "5"})).unwrap();
        assert_eq!((nto.at, nto.not_older_than), (None, Some(5)));
        let exact = p(serde_json::json!({"resourceVersion": "5", "resourceVersionMatch": "Exact"}))
            .unwrap();
        assert_eq!(exact.at, Some(5));
        for bad in [
            serde_json::json!({"resourceVersionMatch": "Exact"}),
            serde_json::json!({"resourceVersion": "0", "resourceVersionMatch": "Exact"}),
            serde_json::json!({"resourceVersion": "5", "resourceVersionMatch": "Newest"}),
            serde_json::json!({"resourceVersion": "x"}),
            serde_json::json!({"continue": "not-a-token"}),
            serde_json::json!({"limit": -1}),
        ] {
            let e = p(bad.clone()).unwrap_err();
            assert_eq!(e.0.code, 400, "{bad}: {}", e.0.message);
        }
        let e = expired(&Plan {
            continued: true,
            ..nto
        });
        assert_eq!(e.0.code, 410);
        assert!(e.0.message.contains("continue parameter is too old"));
    }
}
