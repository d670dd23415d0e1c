//! What a read answers, by its `Accept` header: plain JSON, a
//! `meta.k8s.io` `Table` (`application/json;as=Table;v=v1;g=meta.k8s.io`,
//! what `kubectl get` asks for), or `PartialObjectMetadata`. A header lists
//! alternatives; the first one ork can serve wins, and a header naming none
//! (protobuf alone, say) is a 406 `Status`. Tables hold the cells of
//! [`crate::api::columns`] and, per row, the object as `includeObject`
//! asks: its metadata (default), all of it, or nothing.
//!
//! Writes take protobuf bodies too ([`json_body`] turns them into the JSON
//! the handlers decode, by [`crate::api::protobuf`]); they are answered in
//! JSON, so an `Accept` that allows no JSON is refused.
//!
//! Encoding only: no store access, no I/O. Must not import the CLI.

use super::ApiError;
use crate::api::columns::{self, Cell};
use crate::api::protobuf::{self, ProtoError};
use crate::api::{AnyObject, Kind, ObjectMeta, Time};
use crate::control::store::Entry;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, header};
use serde::{Deserialize, Serialize};

/// `includeObject` of a Table request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Include {
    None,
    Metadata,
    Object,
}

/// How a read is answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    Json,
    /// A `Table` of `meta.k8s.io/<version>`.
    Table {
        version: &'static str,
        include: Include,
    },
    /// `PartialObjectMetadata` (or its list) of `meta.k8s.io/<version>`.
    Metadata {
        version: &'static str,
    },
}

/// The query parameters of Table requests.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TableParams {
    pub include_object: Option<String>,
}

/// One media range of an `Accept` header: what it asks for, if ork serves it.
fn serves(range: &str) -> Option<Answer> {
    let mut parts = range.split(';').map(str::trim);
    let media = parts.next().unwrap_or("").to_ascii_lowercase();
    let mut as_ = None;
    let (mut g, mut v) = (None, None);
    for p in parts {
        let Some((k, val)) = p.split_once('=') else {
            continue;
        };
        let val = val.trim().trim_matches('"');
        match k.trim() {
            "as" => as_ = Some(val.to_string()),
            "g" => g = Some(val.to_string()),
            "v" => v = Some(val.to_string()),
            _ => {}
        }
    }
    if !matches!(media.as_str(), "application/json" | "application/*" | "*/*") {
        return None;
    }
    let version = match v.as_deref() {
        Some("v1") => "v1",
        Some("v1beta1") => "v1beta1",
        _ => "",
    };
    match as_.as_deref() {
        None => Some(Answer::Json),
        Some(_) if g.as_deref() != Some("meta.k8s.io") || version.is_empty() => None,
        Some("Table") => Some(Answer::Table {
            version,
            include: Include::Metadata,
        }),
        Some("PartialObjectMetadata" | "PartialObjectMetadataList") => {
            Some(Answer::Metadata { version })
        }
        Some(_) => None,
    }
}

fn not_acceptable(accept: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_ACCEPTABLE,
        "NotAcceptable",
        format!(
            "the server cannot answer in any of the media types of Accept: {accept}; it serves \
             application/json, and application/json;as=Table;v=v1;g=meta.k8s.io for reads"
        ),
    )
}

fn accept_of(headers: &HeaderMap) -> &str {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .trim()
}

/// How to answer a read with these headers and query.
pub fn negotiate(headers: &HeaderMap, q: &TableParams) -> Result<Answer, ApiError> {
    let accept = accept_of(headers);
    if accept.is_empty() {
        return Ok(Answer::Json);
    }
    let answer = accept
        .split(',')
        .find_map(serves)
        .ok_or_else(|| not_acceptable(accept))?;
    let include = match q.include_object.as_deref() {
        None | Some("") | Some("Metadata") => Include::Metadata,
        Some("Object") => Include::Object,
        Some("None") => Include::None,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "includeObject={other:?}: use None, Metadata or Object"
            )));
        }
    };
    Ok(match answer {
        Answer::Table { version, .. } => Answer::Table { version, include },
        a => a,
    })
}

/// Refuses a write whose answer cannot be JSON (the only form writes are
/// answered in).
pub fn check_json_accepted(headers: &HeaderMap) -> Result<(), ApiError> {
    let accept = accept_of(headers);
    if accept.is_empty() || accept.split(',').any(|r| serves(r) == Some(Answer::Json)) {
        Ok(())
    } else {
        Err(not_acceptable(accept))
    }
}

/// A write's body as JSON: a protobuf body
/// (`application/vnd.kubernetes.protobuf`) becomes the JSON object it
/// holds; any other body is returned as it is.
pub fn json_body(headers: &HeaderMap, body: Bytes) -> Result<Bytes, ApiError> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !protobuf::is_protobuf(ct) {
        return Ok(body);
    }
    let v = protobuf::to_json(&body).map_err(|e| match e {
        ProtoError::Unsupported { .. } => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UnsupportedMediaType",
            e.to_string(),
        ),
        _ => ApiError::bad_request(e.to_string()),
    })?;
    serde_json::to_vec(&v)
        .map(Bytes::from)
        .map_err(|e| ApiError::bad_request(e.to_string()))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ColumnJson {
    name: &'static str,
    #[serde(rename = "type")]
    type_: &'static str,
    format: &'static str,
    description: &'static str,
    priority: i32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PartialMeta<'a> {
    kind: &'static str,
    api_version: String,
    metadata: &'a ObjectMeta,
}

fn push_json(out: &mut Vec<u8>, v: &impl Serialize) {
    // Serializing these plain values into memory does not fail.
    let _ = serde_json::to_writer(&mut *out, v);
}

/// `{"kind":"Table","apiVersion":..,"metadata":{..},"columnDefinitions":[..],"rows":[`
fn table_head(out: &mut Vec<u8>, kind: Kind, version: &str, rev: u64, cont: Option<&str>) {
    out.extend_from_slice(b"{\"kind\":\"Table\",\"apiVersion\":\"meta.k8s.io/");
    out.extend_from_slice(version.as_bytes());
    out.extend_from_slice(b"\",\"metadata\":");
    let mut meta = serde_json::json!({ "resourceVersion": rev.to_string() });
    if let Some(c) = cont.filter(|c| !c.is_empty()) {
        meta["continue"] = c.into();
    }
    push_json(out, &meta);
    out.extend_from_slice(b",\"columnDefinitions\":");
    let defs: Vec<ColumnJson> = columns::definitions(kind)
        .into_iter()
        .map(|d| ColumnJson {
            name: d.name,
            type_: d.type_,
            format: d.format,
            description: d.description,
            priority: d.priority,
        })
        .collect();
    push_json(out, &defs);
    out.extend_from_slice(b",\"rows\":[");
}

fn partial_meta(out: &mut Vec<u8>, version: &str, meta: &ObjectMeta) {
    push_json(
        out,
        &PartialMeta {
            kind: "PartialObjectMetadata",
            api_version: format!("meta.k8s.io/{version}"),
            metadata: meta,
        },
    );
}

fn table_row(
    out: &mut Vec<u8>,
    version: &str,
    include: Include,
    obj: &AnyObject,
    json: &[u8],
    now: Time,
) {
    out.extend_from_slice(b"{\"cells\":");
    let cells: Vec<Cell> = columns::cells(obj, now);
    push_json(out, &cells);
    match include {
        Include::None => {}
        Include::Metadata => {
            out.extend_from_slice(b",\"object\":");
            partial_meta(out, version, obj.meta());
        }
        Include::Object => {
            out.extend_from_slice(b",\"object\":");
            out.extend_from_slice(json);
        }
    }
    out.push(b'}');
}

/// A list answer: `None` when the answer is plain JSON (the caller's own
/// list body then).
pub fn list_body(
    answer: Answer,
    kind: Kind,
    entries: &[Entry],
    rev: u64,
    cont: Option<&str>,
) -> Option<Vec<u8>> {
    let now = Time::now();
    match answer {
        Answer::Json => None,
        Answer::Table { version, include } => {
            let mut out = Vec::with_capacity(1024 + entries.len() * 512);
            table_head(&mut out, kind, version, rev, cont);
            for (i, e) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                table_row(&mut out, version, include, &e.obj, &e.json, now);
            }
            out.extend_from_slice(b"]}");
            Some(out)
        }
        Answer::Metadata { version } => {
            let mut out = Vec::with_capacity(128 + entries.len() * 400);
            out.extend_from_slice(
                b"{\"kind\":\"PartialObjectMetadataList\",\"apiVersion\":\"meta.k8s.io/",
            );
            out.extend_from_slice(version.as_bytes());
            out.extend_from_slice(b"\",\"metadata\":");
            push_json(
                &mut out,
                &serde_json::json!({ "resourceVersion": rev.to_string() }),
            );
            out.extend_from_slice(b",\"items\":[");
            for (i, e) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                partial_meta(&mut out, version, e.obj.meta());
            }
            out.extend_from_slice(b"]}");
            Some(out)
        }
    }
}

/// One object's answer (a get, or a watch event's object): `None` when it
/// is the object's own JSON.
pub fn object_body(answer: Answer, obj: &AnyObject, json: &[u8]) -> Option<Vec<u8>> {
    match answer {
        Answer::Json => None,
        Answer::Table { version, include } => {
            let mut out = Vec::with_capacity(1024 + json.len());
            let rev = obj.meta().resource_version.parse().unwrap_or(0);
            table_head(&mut out, obj.kind(), version, rev, None);
            table_row(&mut out, version, include, obj, json, Time::now());
            out.extend_from_slice(b"]}");
            Some(out)
        }
        Answer::Metadata { version } => {
            let mut out = Vec::with_capacity(512);
            partial_meta(&mut out, version, obj.meta());
            Some(out)
        }
    }
}

/// A watch bookmark's object in this answer's form: `None` when it stays
/// the kind's own.
pub fn bookmark_body(answer: Answer, kind: Kind, rev: u64) -> Option<Vec<u8>> {
    match answer {
        Answer::Json => None,
        Answer::Table { version, .. } => {
            let mut out = Vec::with_capacity(1024);
            table_head(&mut out, kind, version, rev, None);
            out.extend_from_slice(b"]}");
            Some(out)
        }
        Answer::Metadata { version } => {
            let meta = ObjectMeta {
                resource_version: rev.to_string(),
                ..Default::default()
            };
            let mut out = vec![];
            partial_meta(&mut out, version, &meta);
            Some(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn accept(s: &str) -> Result<Answer, ApiError> {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT, HeaderValue::from_str(s).unwrap());
        negotiate(&h, &TableParams::default())
    }

    #[test]
    fn kubectls_accept_list_picks_the_v1_table() {
        let a = accept("application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json").unwrap();
        assert_eq!(
            a,
            Answer::Table {
                version: "v1",
                include: Include::Metadata
            }
        );
        let a =
            accept("application/json;as=Table;v=v1beta1;g=meta.k8s.io, application/json").unwrap();
        assert!(matches!(
            a,
            Answer::Table {
                version: "v1beta1",
                ..
            }
        ));
    }

    #[test]
    fn protobuf_is_skipped_for_json_and_alone_is_not_acceptable() {
        assert_eq!(
            accept("application/vnd.kubernetes.protobuf, application/json").unwrap(),
            Answer::Json
        );
        assert_eq!(accept("*/*").unwrap(), Answer::Json);
        let e = accept("application/vnd.kubernetes.protobuf").unwrap_err();
        assert_eq!(e.0.code, 406);
        assert_eq!(e.0.reason, "NotAcceptable");
        let e = accept("application/json;as=Table;v=v2;g=meta.k8s.io").unwrap_err();
        assert_eq!(e.0.code, 406);
    }

    #[test]
    fn writes_need_json_in_accept() {
        let mut h = HeaderMap::new();
        assert!(check_json_accepted(&h).is_ok());
        h.insert(
            header::ACCEPT,
            HeaderValue::from_static("application/vnd.kubernetes.protobuf"),
        );
        assert!(check_json_accepted(&h).is_err());
        h.insert(
            header::ACCEPT,
            HeaderValue::from_static("application/vnd.kubernetes.protobuf, application/json"),
        );
        assert!(check_json_accepted(&h).is_ok());
    }

    #[test]
    fn a_table_has_columns_rows_and_partial_metadata() {
        let mut p = crate::api::Pod::test("web-1").on_node("n1").running(true);
        p.status.container_statuses = vec![crate::api::ContainerStatus {
            name: p.spec.containers[0].name.clone(),
            ready: true,
            ..Default::default()
        }];
        p.metadata.resource_version = "7".into();
        let obj = AnyObject::Pod(std::sync::Arc::new(p));
        let entry = Entry::new(obj).unwrap();
        let answer = Answer::Table {
            version: "v1",
            include: Include::Metadata,
        };
        let body = list_body(
            answer,
            Kind::Pod,
            std::slice::from_ref(&entry),
            9,
            Some("c1"),
        )
        .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["kind"], "Table");
        assert_eq!(v["apiVersion"], "meta.k8s.io/v1");
        assert_eq!(v["metadata"]["resourceVersion"], "9");
        assert_eq!(v["metadata"]["continue"], "c1");
        assert_eq!(v["columnDefinitions"][0]["name"], "Name");
        assert_eq!(v["columnDefinitions"][0]["format"], "name");
        assert_eq!(v["columnDefinitions"][5]["priority"], 1);
        assert_eq!(v["rows"][0]["cells"][0], "web-1");
        assert_eq!(v["rows"][0]["cells"][1], "1/1");
        assert_eq!(v["rows"][0]["object"]["kind"], "PartialObjectMetadata");
        assert_eq!(v["rows"][0]["object"]["metadata"]["name"], "web-1");

        let full = Answer::Table {
            version: "v1",
            include: Include::Object,
        };
        let body = object_body(full, &entry.obj, &entry.json).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["rows"][0]["object"]["kind"], "Pod");
        assert_eq!(v["metadata"]["resourceVersion"], "7");
        let none = Answer::Table {
            version: "v1",
            include: Include::None,
        };
        let body = object_body(none, &entry.obj, &entry.json).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert!(v["rows"][0].get("object").is_none());
    }

    /// The cost of a Table list against the JSON list, for 10,000 pods:
    /// `cargo test --lib table_list_of_10k_pods -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn table_list_of_10k_pods_costs() {
        let entries: Vec<Entry> = (0..10_000)
            .map(|i| {
                let mut p = crate::api::Pod::test(&format!("web-{i}"))
                    .on_node("n1")
                    .running(true);
                p.metadata.resource_version = i.to_string();
                Entry::new(AnyObject::Pod(std::sync::Arc::new(p))).unwrap()
            })
            .collect();
        let time = |answer: Answer| {
            let runs = 5;
            let started = std::time::Instant::now();
            let mut size = 0;
            for _ in 0..runs {
                size = match list_body(answer, Kind::Pod, &entries, 1, None) {
                    Some(b) => b.len(),
                    None => super::super::resources::list_body(Kind::Pod, &entries, 1).len(),
                };
            }
            (started.elapsed() / runs, size)
        };
        let (json_t, json_n) = time(Answer::Json);
        let (table_t, table_n) = time(Answer::Table {
            version: "v1",
            include: Include::Metadata,
        });
        let (full_t, full_n) = time(Answer::Table {
            version: "v1",
            include: Include::Object,
        });
        println!("10000 pods: JSON list {json_t:?} ({json_n} bytes)");
        println!("10000 pods: Table list, metadata rows {table_t:?} ({table_n} bytes)");
        println!("10000 pods: Table list, whole objects {full_t:?} ({full_n} bytes)");
        assert!(table_n > 0 && json_n > 0);
    }
}
