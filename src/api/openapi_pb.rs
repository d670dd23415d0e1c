//! The OpenAPI v2 document in the protobuf encoding clients ask for
//! (`application/com.github.proto-openapi.spec.v2@v1.0+protobuf`, gnostic's
//! `openapi.v2.Document`). kubectl before 1.28 reads it to learn whether
//! the server validates fields itself: for that it needs each path's
//! operations, their query parameters and their
//! `x-kubernetes-group-version-kind`, which is what this encodes, from the
//! JSON document of [`super::openapi::v2`]. Definitions are left out:
//! kubectl explains and validates from OpenAPI v3 or the server.
//!
//! Pure; imports only `api`.

use serde_json::Value;

/// A protobuf message being written.
#[derive(Default)]
struct Msg(Vec<u8>);

impl Msg {
    fn varint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.0.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.0.push(v as u8);
    }

    fn bytes(&mut self, field: u32, b: &[u8]) {
        self.varint(u64::from(field << 3 | 2));
        self.varint(b.len() as u64);
        self.0.extend_from_slice(b);
    }

    fn string(&mut self, field: u32, s: &str) {
        if !s.is_empty() {
            self.bytes(field, s.as_bytes());
        }
    }

    fn message(&mut self, field: u32, m: Msg) {
        self.bytes(field, &m.0);
    }

    fn boolean(&mut self, field: u32, b: bool) {
        if b {
            self.varint(u64::from(field << 3));
            self.varint(1);
        }
    }
}

/// `NamedAny{name, Any{yaml}}`: a vendor extension, its value as JSON
/// (which is YAML).
fn extension(name: &str, value: &Value) -> Msg {
    let mut any = Msg::default();
    any.string(2, &value.to_string());
    let mut named = Msg::default();
    named.string(1, name);
    named.message(2, any);
    named
}

/// `ParametersItem{Parameter{NonBodyParameter{...SubSchema}}}` for a query
/// or path parameter; `None` for a body parameter.
fn parameter(p: &Value) -> Option<Msg> {
    let place = p.get("in")?.as_str()?;
    let sub_field = match place {
        "query" => 3,
        "path" => 4,
        _ => return None,
    };
    let mut sub = Msg::default();
    sub.boolean(
        1,
        p.get("required").and_then(Value::as_bool).unwrap_or(false),
    );
    sub.string(2, place);
    sub.string(
        3,
        p.get("description").and_then(Value::as_str).unwrap_or(""),
    );
    sub.string(4, p.get("name").and_then(Value::as_str).unwrap_or(""));
    // The `type` field's number differs between the two sub-schemas.
    let type_field = if place == "query" { 6 } else { 5 };
    sub.string(
        type_field,
        p.get("type").and_then(Value::as_str).unwrap_or(""),
    );
    let mut non_body = Msg::default();
    non_body.message(sub_field, sub);
    let mut param = Msg::default();
    param.message(2, non_body);
    let mut item = Msg::default();
    item.message(1, param);
    Some(item)
}

fn operation(op: &Value) -> Msg {
    let mut m = Msg::default();
    m.string(
        5,
        op.get("operationId").and_then(Value::as_str).unwrap_or(""),
    );
    for p in op
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(item) = parameter(p) {
            m.message(8, item);
        }
    }
    if let Some(o) = op.as_object() {
        for (k, v) in o {
            if k.starts_with("x-") {
                m.message(13, extension(k, v));
            }
        }
    }
    m
}

/// Encodes the paths of a Swagger 2.0 JSON document as gnostic's `Document`.
pub fn encode(doc: &Value) -> Vec<u8> {
    let mut paths = Msg::default();
    for (name, item) in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let mut pi = Msg::default();
        for (method, field) in [
            ("get", 2),
            ("put", 3),
            ("post", 4),
            ("delete", 5),
            ("patch", 8),
        ] {
            if let Some(op) = item.get(method) {
                pi.message(field, operation(op));
            }
        }
        for p in item
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(x) = parameter(p) {
                pi.message(9, x);
            }
        }
        let mut named = Msg::default();
        named.string(1, name);
        named.message(2, pi);
        paths.message(2, named);
    }
    let mut info = Msg::default();
    info.string(1, doc["info"]["title"].as_str().unwrap_or(""));
    info.string(2, doc["info"]["version"].as_str().unwrap_or(""));
    let mut d = Msg::default();
    d.string(1, doc["swagger"].as_str().unwrap_or("2.0"));
    d.message(2, info);
    d.message(8, paths);
    d.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fields_are_written_as_protobuf_wire_format() {
        let mut m = Msg::default();
        m.string(1, "2.0");
        assert_eq!(m.0, [0x0a, 3, b'2', b'.', b'0']);
        let mut m = Msg::default();
        m.varint(300);
        assert_eq!(m.0, [0xac, 0x02]);
        let mut m = Msg::default();
        m.boolean(1, true);
        m.boolean(2, false);
        assert_eq!(m.0, [0x08, 1]);
    }

    #[test]
    fn a_patch_operation_carries_its_query_parameters_and_gvk() {
        let doc = json!({
            "swagger": "2.0",
            "info": {"title": "ork", "version": "v0"},
            "paths": {"/apis/apps/v1/namespaces/{namespace}/deployments/{name}": {
                "patch": {
                    "operationId": "patchDeployment",
                    "x-kubernetes-group-version-kind": {"group": "apps", "kind": "Deployment", "version": "v1"},
                    "parameters": [
                        {"name": "fieldValidation", "in": "query", "type": "string"},
                        {"name": "body", "in": "body", "schema": {}}
                    ]
                }
            }}
        });
        let pb = encode(&doc);
        let text = String::from_utf8_lossy(&pb);
        assert!(text.contains("fieldValidation"));
        assert!(text.contains("x-kubernetes-group-version-kind"));
        assert!(text.contains(r#"{"group":"apps","kind":"Deployment","version":"v1"}"#));
        assert!(text.contains("/apis/apps/v1/namespaces/{namespace}/deployments/{name}"));
        assert!(!text.contains("body"));
        assert_eq!(&pb[..5], [0x0a, 3, b'2', b'.', b'0']);
    }
}
