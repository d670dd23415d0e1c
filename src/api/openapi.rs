//! The OpenAPI documents of the kinds ork serves, built from the same
//! schemars schemas that check manifests: definitions named as Kubernetes
//! names them (`io.k8s.api.core.v1.Pod`), `x-kubernetes-group-version-kind`
//! on each kind, `x-kubernetes-patch-merge-key` / `x-kubernetes-patch-strategy`
//! from [`super::strategic`], descriptions from the types' doc comments, and
//! one path per collection and object whose write operations take
//! `fieldValidation` (so kubectl leaves validation to the server).
//!
//! - [`v2`]: the Swagger 2.0 document (`/openapi/v2`).
//! - [`v3_index`] and [`v3_group_version`]: the OpenAPI 3.0 index
//!   (`/openapi/v3`) and one document per group-version.
//!
//! Walking these definitions along a field path (`kubectl explain`,
//! unknown fields) is [`super::explain`]'s.
//!
//! Pure data built once per process; imports only `api`.

use super::object::{Kind, KindInfo};
use super::strategic::field_strategy;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

/// Where a document's references point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavour {
    /// Swagger 2.0: `#/definitions/NAME`, `$ref` beside a description.
    V2,
    /// OpenAPI 3.0: `#/components/schemas/NAME`, `allOf: [{$ref}]` when
    /// the reference carries a description.
    V3,
}

impl Flavour {
    fn prefix(self) -> &'static str {
        match self {
            Flavour::V2 => "#/definitions/",
            Flavour::V3 => "#/components/schemas/",
        }
    }
}

/// ork's type names that Kubernetes spells differently.
const RENAMED: &[(&str, &str)] = &[
    ("HpaSpec", "HorizontalPodAutoscalerSpec"),
    ("HpaStatus", "HorizontalPodAutoscalerStatus"),
    ("HpaBehavior", "HorizontalPodAutoscalerBehavior"),
    ("HpaScalingRules", "HPAScalingRules"),
    ("HpaScalingPolicy", "HPAScalingPolicy"),
    ("ClaimSpec", "PersistentVolumeClaimSpec"),
    ("ClaimStatus", "PersistentVolumeClaimStatus"),
    ("ClaimVolumeSource", "PersistentVolumeClaimVolumeSource"),
    ("HttpGetAction", "HTTPGetAction"),
    ("HttpHeader", "HTTPHeader"),
    ("TcpSocketAction", "TCPSocketAction"),
    ("RollingUpdate", "RollingUpdateDeployment"),
    ("NodeSelectorSpec", "NodeSelector"),
];

/// Types whose package is not that of the first kind reaching them: those
/// of `k8s.io/apimachinery`, and the pod template (core, though only
/// workloads hold one).
const FIXED: &[(&str, &str)] = &[
    ("PodTemplateSpec", "io.k8s.api.core.v1.PodTemplateSpec"),
    (
        "ObjectMeta",
        "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
    ),
    (
        "OwnerReference",
        "io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference",
    ),
    (
        "ManagedFieldsEntry",
        "io.k8s.apimachinery.pkg.apis.meta.v1.ManagedFieldsEntry",
    ),
    (
        "LabelSelector",
        "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector",
    ),
    (
        "LabelSelectorRequirement",
        "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelectorRequirement",
    ),
    (
        "Condition",
        "io.k8s.apimachinery.pkg.apis.meta.v1.Condition",
    ),
    ("Time", "io.k8s.apimachinery.pkg.apis.meta.v1.Time"),
    ("Quantity", "io.k8s.apimachinery.pkg.api.resource.Quantity"),
    (
        "IntOrString",
        "io.k8s.apimachinery.pkg.util.intstr.IntOrString",
    ),
];

/// Definitions kept by name though they are not objects.
const NAMED_SCALARS: &[&str] = &["Time", "Quantity", "IntOrString"];

/// The Kubernetes short name of an ork type (`HpaSpec` →
/// `HorizontalPodAutoscalerSpec`): what [`field_strategy`] is keyed by.
pub fn kubernetes_type_name(rust: &str) -> &str {
    RENAMED
        .iter()
        .find(|(r, _)| *r == rust)
        .map_or(rust, |(_, k)| k)
}

/// `io.k8s.api.apps.v1` for a kind's group and version.
fn package(info: &KindInfo) -> String {
    let group = match info.group {
        "" => "core",
        g => g.split('.').next().unwrap_or(g),
    };
    format!("io.k8s.api.{group}.{}", info.version)
}

/// Standard descriptions for the fields every object has.
fn standard_description(field: &str) -> Option<&'static str> {
    Some(match field {
        "apiVersion" => {
            "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values."
        }
        "kind" => {
            "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase."
        }
        "metadata" => "Standard object's metadata.",
        "spec" => "The desired state of the object, written by its owner.",
        "status" => {
            "The most recently observed state of the object, written by the system. Read-only."
        }
        _ => return None,
    })
}

/// Every definition of every kind, in one flavour.
#[derive(Debug)]
pub struct Definitions {
    /// Kubernetes name → schema.
    pub schemas: BTreeMap<String, Value>,
    /// The definition name of each kind, indexed by `Kind as usize`.
    pub kinds: Vec<String>,
}

/// The kinds in the order their packages claim shared types: core first,
/// so a `PodTemplateSpec` reached from a Deployment is `core/v1`'s.
fn kinds_by_group() -> Vec<Kind> {
    let mut kinds = Kind::ALL.to_vec();
    kinds.sort_by_key(|k| (!k.info().group.is_empty(), k.info().group));
    kinds
}

impl Definitions {
    fn build(flavour: Flavour) -> Definitions {
        // Rust type name → Kubernetes name, and the raw schemars definitions.
        let mut names: BTreeMap<String, String> = BTreeMap::new();
        let mut raw: BTreeMap<String, Value> = BTreeMap::new();
        let mut roots: Vec<(Kind, Value)> = vec![];
        for kind in kinds_by_group() {
            let mut root = crate::with_kind!(kind, T => schemars::schema_for!(T).to_value());
            let defs = root
                .as_object_mut()
                .and_then(|o| o.remove("$defs"))
                .and_then(|d| match d {
                    Value::Object(m) => Some(m),
                    _ => None,
                })
                .unwrap_or_default();
            let pkg = package(kind.info());
            for (name, schema) in defs {
                names.entry(name.clone()).or_insert_with(|| {
                    FIXED
                        .iter()
                        .find(|(r, _)| *r == name)
                        .map(|(_, k)| (*k).to_string())
                        .unwrap_or_else(|| format!("{pkg}.{}", kubernetes_type_name(&name)))
                });
                raw.entry(name).or_insert(schema);
            }
            roots.push((kind, root));
        }
        let conv = Converter {
            flavour,
            names: &names,
            raw: &raw,
        };
        let mut schemas = BTreeMap::new();
        for (rust, schema) in &raw {
            if conv.inlined(rust) {
                continue;
            }
            let mut s = conv.convert(schema, Some(kubernetes_type_name(rust)));
            if rust == "Quantity" || rust == "IntOrString" {
                // Numbers or strings: no single type, so explain names the type.
                s = if rust == "Quantity" {
                    json!({
                        "description": "A fixed-point number with an optional suffix: 100m, 1.5, 128Mi, 2G.",
                        "anyOf": [{"type": "number"}, {"type": "string"}],
                    })
                } else {
                    json!({
                        "description": "An integer or a string such as a percentage (25%).",
                        "anyOf": [{"type": "integer"}, {"type": "string"}],
                        "x-kubernetes-int-or-string": true,
                    })
                };
            }
            schemas.insert(names[rust].clone(), s);
        }
        let mut kinds = vec![String::new(); Kind::ALL.len()];
        for (kind, root) in roots {
            let info = kind.info();
            let mut s = conv.convert(&root, Some(info.kind));
            if let Some(props) = s.get_mut("properties").and_then(Value::as_object_mut) {
                for (field, p) in props.iter_mut() {
                    if let (Some(o), Some(d)) = (p.as_object_mut(), standard_description(field))
                        && !o.contains_key("description")
                    {
                        o.insert("description".into(), d.into());
                    }
                }
            }
            if let Some(o) = s.as_object_mut() {
                o.insert("x-kubernetes-group-version-kind".into(), json!([gvk(info)]));
            }
            let name = format!("{}.{}", package(info), info.kind);
            schemas.insert(name.clone(), s);
            kinds[kind as usize] = name;
        }
        Definitions { schemas, kinds }
    }

    /// The definitions reachable from `roots` (by name), roots included.
    fn closure<'a>(&'a self, roots: impl IntoIterator<Item = &'a str>) -> BTreeSet<&'a str> {
        let mut seen = BTreeSet::new();
        let mut todo: Vec<&str> = roots.into_iter().collect();
        while let Some(name) = todo.pop() {
            let Some((key, schema)) = self.schemas.get_key_value(name) else {
                continue;
            };
            if seen.insert(key.as_str()) {
                let mut refs = vec![];
                collect_refs(schema, &mut refs);
                todo.extend(refs.into_iter().filter_map(|r| {
                    self.schemas
                        .get_key_value(r.rsplit('/').next().unwrap_or(&r))
                        .map(|(k, _)| k.as_str())
                }));
            }
        }
        seen
    }

    /// The definition of `kind`.
    pub fn of_kind(&self, kind: Kind) -> &Value {
        &self.schemas[&self.kinds[kind as usize]]
    }

    /// Resolves a `$ref` (either flavour's) to its definition.
    pub fn resolve(&self, reference: &str) -> Option<&Value> {
        self.schemas.get(reference.rsplit('/').next()?)
    }
}

fn collect_refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                match (k.as_str(), x) {
                    ("$ref", Value::String(r)) => out.push(r.clone()),
                    _ => collect_refs(x, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect_refs(x, out)),
        _ => {}
    }
}

/// `{group, kind, version}` as Kubernetes writes it.
fn gvk(info: &KindInfo) -> Value {
    json!({"group": info.group, "kind": info.kind, "version": info.version})
}

/// Turns schemars' JSON Schema into OpenAPI's dialect.
struct Converter<'a> {
    flavour: Flavour,
    names: &'a BTreeMap<String, String>,
    raw: &'a BTreeMap<String, Value>,
}

impl Converter<'_> {
    /// Whether a definition is written in place (enums and other scalars).
    fn inlined(&self, rust: &str) -> bool {
        if NAMED_SCALARS.contains(&rust) {
            return false;
        }
        self.raw
            .get(rust)
            .is_some_and(|s| s.get("properties").is_none())
    }

    /// Converts one schema; `ty` is the Kubernetes type name of the struct
    /// it describes (to look up its fields' merge strategies).
    fn convert(&self, s: &Value, ty: Option<&str>) -> Value {
        let Some(o) = s.as_object() else {
            // Any JSON (`serde_json::Value`, e.g. FieldsV1): a free-form
            // object, as Kubernetes publishes it; kubectl explain needs a type.
            return json!({"type": "object"});
        };
        // `Option<T>`: `anyOf: [T, null]` or `type: [T, "null"]`.
        if let Some(Value::Array(any)) = o.get("anyOf") {
            let rest: Vec<&Value> = any
                .iter()
                .filter(|a| a.get("type").and_then(Value::as_str) != Some("null"))
                .collect();
            if rest.len() == 1 {
                let mut inner = self.convert(rest[0], None);
                self.add_siblings(&mut inner, o);
                return inner;
            }
        }
        if let Some(Value::String(r)) = o.get("$ref") {
            let rust = r.rsplit('/').next().unwrap_or(r);
            if self.inlined(rust) {
                let mut inner = self.convert(&self.raw[rust], None);
                self.add_siblings(&mut inner, o);
                return inner;
            }
            let target = self.names.get(rust).map_or(rust.to_string(), Clone::clone);
            let reference = json!({"$ref": format!("{}{target}", self.flavour.prefix())});
            let description = o.get("description").cloned();
            return match (self.flavour, description) {
                (_, None) => reference,
                (Flavour::V2, Some(d)) => {
                    json!({"$ref": reference["$ref"], "description": d})
                }
                (Flavour::V3, Some(d)) => json!({"allOf": [reference], "description": d}),
            };
        }
        let mut out = Map::new();
        for (k, v) in o {
            match k.as_str() {
                "type" => {
                    let t = match v {
                        Value::Array(ts) => ts
                            .iter()
                            .find(|t| t.as_str() != Some("null"))
                            .cloned()
                            .unwrap_or(Value::Null),
                        t => t.clone(),
                    };
                    if !t.is_null() {
                        out.insert("type".into(), t);
                    }
                }
                "properties" => {
                    let mut props = Map::new();
                    for (field, p) in v.as_object().into_iter().flatten() {
                        let mut p = self.convert(p, None);
                        if let (Some(ty), Some(po)) = (ty, p.as_object_mut())
                            && let Some(fs) = field_strategy(ty, field)
                        {
                            if let Some(key) = fs.merge_key {
                                po.insert("x-kubernetes-patch-merge-key".into(), key.into());
                            }
                            po.insert(
                                "x-kubernetes-patch-strategy".into(),
                                fs.strategy_name().into(),
                            );
                        }
                        props.insert(field.clone(), p);
                    }
                    out.insert("properties".into(), Value::Object(props));
                }
                "items" => {
                    out.insert("items".into(), self.convert(v, None));
                }
                "additionalProperties" if v.is_object() => {
                    out.insert("additionalProperties".into(), self.convert(v, None));
                }
                "description" | "format" | "enum" | "required" | "minimum" | "maximum"
                | "minItems" | "maxItems" | "pattern" => {
                    out.insert(k.clone(), v.clone());
                }
                "oneOf" if v.as_array().is_some_and(|a| a.iter().all(is_constant)) => {
                    // An enum whose values have doc comments.
                    let values: Vec<Value> = v
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(constant)
                        .collect();
                    out.insert("type".into(), "string".into());
                    out.insert("enum".into(), Value::Array(values));
                }
                _ => {}
            }
        }
        Value::Object(out)
    }

    /// Keeps a wrapper's description on what it wraps.
    fn add_siblings(&self, inner: &mut Value, outer: &Map<String, Value>) {
        let Some(d) = outer.get("description") else {
            return;
        };
        match inner {
            Value::Object(o) if o.contains_key("$ref") => {
                let reference = o.remove("$ref").unwrap_or_default();
                *inner = match self.flavour {
                    Flavour::V2 => json!({"$ref": reference, "description": d}),
                    Flavour::V3 => json!({"allOf": [{"$ref": reference}], "description": d}),
                };
            }
            Value::Object(o) => {
                o.insert("description".into(), d.clone());
            }
            _ => {}
        }
    }
}

fn is_constant(v: &Value) -> bool {
    constant(v).is_some()
}

fn constant(v: &Value) -> Option<Value> {
    v.get("const").cloned().or_else(|| {
        v.get("enum")
            .and_then(Value::as_array)
            .filter(|a| a.len() == 1)
            .map(|a| a[0].clone())
    })
}

/// The definitions of one flavour, built once.
pub fn definitions(flavour: Flavour) -> &'static Definitions {
    static V2: OnceLock<Definitions> = OnceLock::new();
    static V3: OnceLock<Definitions> = OnceLock::new();
    match flavour {
        Flavour::V2 => V2.get_or_init(|| Definitions::build(Flavour::V2)),
        Flavour::V3 => V3.get_or_init(|| Definitions::build(Flavour::V3)),
    }
}

/// A group-version ork serves kinds in: `("", "v1")`, `("apps", "v1")`.
pub fn group_versions() -> Vec<(&'static str, &'static str)> {
    let mut gvs: Vec<(&str, &str)> = vec![];
    for k in kinds_by_group() {
        let gv = (k.info().group, k.info().version);
        if !gvs.contains(&gv) {
            gvs.push(gv);
        }
    }
    gvs
}

/// `api/v1` or `apis/apps/v1`: the key of a group-version in the v3 index.
pub fn gv_path(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("api/{version}")
    } else {
        format!("apis/{group}/{version}")
    }
}

fn parameter(flavour: Flavour, name: &str, place: &str, description: &str) -> Value {
    let mut p = json!({
        "name": name,
        "in": place,
        "description": description,
        "required": place == "path",
    });
    match flavour {
        Flavour::V2 => p["type"] = "string".into(),
        Flavour::V3 => p["schema"] = json!({"type": "string", "uniqueItems": true}),
    }
    p
}

/// The query parameters of a write.
fn write_parameters(flavour: Flavour) -> Vec<Value> {
    vec![
        parameter(
            flavour,
            "dryRun",
            "query",
            "When present, the write is checked but not persisted. The only valid value is All.",
        ),
        parameter(
            flavour,
            "fieldManager",
            "query",
            "A name for the actor making the change.",
        ),
        parameter(
            flavour,
            "fieldValidation",
            "query",
            "What to do with unknown fields in the body: Ignore drops them, Warn drops them with a Warning header for each, Strict (the default) refuses the request.",
        ),
    ]
}

/// One operation on a kind's path.
fn operation(flavour: Flavour, kind: Kind, action: &str, body: bool, reference: &str) -> Value {
    let info = kind.info();
    let ok = match flavour {
        Flavour::V2 => json!({"description": "OK", "schema": {"$ref": reference}}),
        Flavour::V3 => json!({
            "description": "OK",
            "content": {"application/json": {"schema": {"$ref": reference}}},
        }),
    };
    let mut op = json!({
        "operationId": format!("{action}{}", info.kind),
        "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": gvk(info),
        "responses": {"200": ok},
    });
    if body {
        op["parameters"] = Value::Array(write_parameters(flavour));
        let schema = json!({"$ref": reference});
        match flavour {
            Flavour::V2 => {
                if let Some(ps) = op["parameters"].as_array_mut() {
                    ps.push(
                        json!({"name": "body", "in": "body", "required": true, "schema": schema}),
                    );
                }
            }
            Flavour::V3 => {
                let media = if action == "patch" {
                    json!({
                        "application/merge-patch+json": {"schema": {"type": "object"}},
                        "application/strategic-merge-patch+json": {"schema": {"type": "object"}},
                        "application/json-patch+json": {"schema": {"type": "object"}},
                        "application/apply-patch+yaml": {"schema": {"type": "object"}},
                    })
                } else {
                    json!({"application/json": {"schema": schema}})
                };
                op["requestBody"] = json!({"content": media, "required": true});
            }
        }
    }
    op
}

/// The paths of one kind: collection (list, create), object (get,
/// replace, patch, delete), the all-namespaces list.
fn kind_paths(flavour: Flavour, kind: Kind, defs: &Definitions, paths: &mut Map<String, Value>) {
    let reference = format!("{}{}", flavour.prefix(), defs.kinds[kind as usize]);
    let prefix = kind.api_prefix();
    let plural = kind.plural();
    let (collection, item) = if kind.namespaced() {
        (
            format!("{prefix}/namespaces/{{namespace}}/{plural}"),
            format!("{prefix}/namespaces/{{namespace}}/{plural}/{{name}}"),
        )
    } else {
        (
            format!("{prefix}/{plural}"),
            format!("{prefix}/{plural}/{{name}}"),
        )
    };
    let path_params = |named: bool| {
        let mut ps = vec![];
        if named {
            ps.push(parameter(flavour, "name", "path", "name of the object"));
        }
        if kind.namespaced() {
            ps.push(parameter(
                flavour,
                "namespace",
                "path",
                "object name and auth scope, such as for teams and projects",
            ));
        }
        Value::Array(ps)
    };
    let op = |action: &str, body: bool| operation(flavour, kind, action, body, &reference);
    paths.insert(
        collection,
        json!({
            "get": op("list", false),
            "post": op("post", true),
            "parameters": path_params(false),
        }),
    );
    paths.insert(
        item,
        json!({
            "get": op("get", false),
            "put": op("put", true),
            "patch": op("patch", true),
            "delete": op("delete", false),
            "parameters": path_params(true),
        }),
    );
    if kind.namespaced() {
        paths.insert(
            format!("{prefix}/{plural}"),
            json!({"get": op("list", false)}),
        );
    }
}

fn info_block() -> Value {
    json!({"title": "ork", "version": concat!("v", env!("CARGO_PKG_VERSION"))})
}

/// The Swagger 2.0 document of every kind.
pub fn v2() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        let defs = definitions(Flavour::V2);
        let mut paths = Map::new();
        for kind in Kind::ALL {
            kind_paths(Flavour::V2, kind, defs, &mut paths);
        }
        json!({
            "swagger": "2.0",
            "info": info_block(),
            "paths": paths,
            "definitions": defs.schemas,
        })
    })
}

/// The OpenAPI 3.0 document of one group-version, or `None` when ork
/// serves no kind in it.
pub fn v3_group_version(group: &str, version: &str) -> Option<&'static Value> {
    static DOCS: OnceLock<BTreeMap<String, Value>> = OnceLock::new();
    DOCS.get_or_init(|| {
        let defs = definitions(Flavour::V3);
        group_versions()
            .into_iter()
            .map(|(g, v)| {
                let kinds: Vec<Kind> = Kind::ALL
                    .into_iter()
                    .filter(|k| k.info().group == g && k.info().version == v)
                    .collect();
                let mut paths = Map::new();
                for &k in &kinds {
                    kind_paths(Flavour::V3, k, defs, &mut paths);
                }
                let wanted = defs.closure(kinds.iter().map(|k| defs.kinds[*k as usize].as_str()));
                let schemas: Map<String, Value> = wanted
                    .into_iter()
                    .map(|n| (n.to_string(), defs.schemas[n].clone()))
                    .collect();
                let doc = json!({
                    "openapi": "3.0.0",
                    "info": info_block(),
                    "paths": paths,
                    "components": {"schemas": schemas},
                });
                (gv_path(g, v), doc)
            })
            .collect()
    })
    .get(&gv_path(group, version))
}

/// The body of one v3 document and the hash its index URL carries.
pub fn v3_document_bytes(group: &str, version: &str) -> Option<&'static (Vec<u8>, String)> {
    static BYTES: OnceLock<BTreeMap<String, (Vec<u8>, String)>> = OnceLock::new();
    BYTES
        .get_or_init(|| {
            group_versions()
                .into_iter()
                .filter_map(|(g, v)| {
                    let doc = v3_group_version(g, v)?;
                    let bytes = serde_json::to_vec(doc).ok()?;
                    let hash = hash_hex(&bytes);
                    Some((gv_path(g, v), (bytes, hash)))
                })
                .collect()
        })
        .get(&gv_path(group, version))
}

/// An upper-case hex digest of a document, for the index's cache-busting URLs.
fn hash_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha512::digest(bytes)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect()
}

/// The v3 index: each group-version's document at a URL with its hash.
pub fn v3_index() -> Value {
    let mut paths = Map::new();
    for (g, v) in group_versions() {
        if let Some((_, hash)) = v3_document_bytes(g, v) {
            let key = gv_path(g, v);
            paths.insert(
                key.clone(),
                json!({"serverRelativeURL": format!("/openapi/v3/{key}?hash={hash}")}),
            );
        }
    }
    json!({"paths": paths})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v3(g: &str, v: &str) -> &'static Value {
        v3_group_version(g, v).unwrap()
    }

    #[test]
    fn managed_fields_are_published_as_kubernetes_does() {
        // kubectl explain --recursive fails on a property with no schema.
        let doc = v3("apps", "v1");
        let entry = &doc["components"]["schemas"]["io.k8s.apimachinery.pkg.apis.meta.v1.ManagedFieldsEntry"];
        assert_eq!(entry["properties"]["fieldsV1"]["type"], "object", "{entry}");
        assert_eq!(entry["properties"]["manager"]["type"], "string");
    }

    #[test]
    fn kinds_are_named_as_kubernetes_names_them_with_their_gvk() {
        let apps = v3("apps", "v1");
        let d = &apps["components"]["schemas"]["io.k8s.api.apps.v1.Deployment"];
        assert_eq!(
            d["x-kubernetes-group-version-kind"],
            json!([{"group": "apps", "kind": "Deployment", "version": "v1"}])
        );
        let schemas = apps["components"]["schemas"].as_object().unwrap();
        for name in [
            "io.k8s.api.core.v1.PodTemplateSpec",
            "io.k8s.api.core.v1.Container",
            "io.k8s.api.apps.v1.DeploymentSpec",
            "io.k8s.api.apps.v1.RollingUpdateDeployment",
            "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
            "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector",
        ] {
            assert!(schemas.contains_key(name), "{name} missing");
        }
        assert!(!schemas.contains_key("io.k8s.api.core.v1.Pod"));
        let core = v3("", "v1");
        assert_eq!(
            core["components"]["schemas"]["io.k8s.api.core.v1.Pod"]["x-kubernetes-group-version-kind"]
                [0]["kind"],
            "Pod"
        );
        let hpa = v3("autoscaling", "v2");
        assert!(
            hpa["components"]["schemas"]
                .get("io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerSpec")
                .is_some()
        );
    }

    #[test]
    fn references_carry_descriptions_and_merge_strategies() {
        let core = v3("", "v1");
        let s = &core["components"]["schemas"];
        let containers = &s["io.k8s.api.core.v1.PodSpec"]["properties"]["containers"];
        assert_eq!(containers["x-kubernetes-patch-merge-key"], "name");
        assert_eq!(containers["x-kubernetes-patch-strategy"], "merge");
        assert_eq!(
            containers["items"]["$ref"],
            "#/components/schemas/io.k8s.api.core.v1.Container"
        );
        let volumes = &s["io.k8s.api.core.v1.PodSpec"]["properties"]["volumes"];
        assert_eq!(volumes["x-kubernetes-patch-strategy"], "merge,retainKeys");
        // `Option<T>` is T; a described reference is `allOf`.
        let probe = &s["io.k8s.api.core.v1.Container"]["properties"]["livenessProbe"];
        assert_eq!(
            probe["allOf"][0]["$ref"],
            "#/components/schemas/io.k8s.api.core.v1.Probe"
        );
        assert!(probe["description"].as_str().unwrap().contains("Restart"));
        // Enums are written in place, as strings.
        let pull = &s["io.k8s.api.core.v1.Container"]["properties"]["imagePullPolicy"];
        assert_eq!(pull["type"], "string");
        assert!(
            pull["enum"]
                .as_array()
                .unwrap()
                .contains(&json!("IfNotPresent"))
        );
        // No JSON Schema keyword OpenAPI 3.0 lacks.
        let text = serde_json::to_string(core).unwrap();
        assert!(!text.contains("\"null\""), "a null type is left");
        assert!(!text.contains("$defs"));
        assert!(!text.contains("additionalProperties\":false"));
    }

    #[test]
    fn every_reference_resolves_in_both_flavours() {
        for (flavour, doc) in [
            (Flavour::V2, v2()),
            (Flavour::V3, v3("", "v1")),
            (Flavour::V3, v3("apps", "v1")),
            (Flavour::V3, v3("autoscaling", "v2")),
        ] {
            let mut refs = vec![];
            collect_refs(doc, &mut refs);
            assert!(refs.len() > 20);
            let defs = match flavour {
                Flavour::V2 => &doc["definitions"],
                Flavour::V3 => &doc["components"]["schemas"],
            };
            for r in refs {
                let name = r
                    .strip_prefix(flavour.prefix())
                    .unwrap_or_else(|| panic!("{r}"));
                assert!(defs.get(name).is_some(), "{r} does not resolve");
            }
        }
    }

    #[test]
    fn writes_take_field_validation_and_each_path_names_its_kind() {
        let apps = v3("apps", "v1");
        let item = &apps["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"];
        let patch = &item["patch"];
        assert_eq!(
            patch["x-kubernetes-group-version-kind"]["kind"],
            "Deployment"
        );
        let params: Vec<&str> = patch["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert!(params.contains(&"fieldValidation"), "{params:?}");
        assert!(
            apps["paths"]
                .get("/api/v1/namespaces/{namespace}/pods")
                .is_none()
        );
        let core = v3("", "v1");
        assert!(core["paths"].get("/api/v1/nodes/{name}").is_some());
        assert!(
            core["paths"]
                .get("/api/v1/namespaces/{namespace}/pods")
                .is_some()
        );
    }

    #[test]
    fn the_index_points_at_each_document_with_its_hash() {
        let index = v3_index();
        let url = index["paths"]["apis/apps/v1"]["serverRelativeURL"]
            .as_str()
            .unwrap();
        let (_, hash) = v3_document_bytes("apps", "v1").unwrap();
        assert_eq!(url, format!("/openapi/v3/apis/apps/v1?hash={hash}"));
        assert!(index["paths"].get("api/v1").is_some());
        assert!(index["paths"].get("apis/autoscaling/v2").is_some());
        assert_eq!(hash.len(), 128);
    }
}
