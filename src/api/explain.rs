//! Walking a kind's OpenAPI definition along a field path, the way
//! `kubectl explain` does ([`Explainer`]), and finding the fields of a
//! body that the kind does not have ([`prune_unknown_fields`], for
//! `fieldValidation=Warn|Ignore`). Reads the definitions
//! [`super::openapi`] builds.
//!
//! Pure; imports only `api`.

use super::object::Kind;
use super::openapi::{Definitions, Flavour, definitions};
use serde_json::Value;

/// What a field path leads to in a kind's definition.
#[derive(Debug, PartialEq)]
pub struct Explained<'a> {
    /// The last field of the path (empty for the kind itself).
    pub field: String,
    /// The schema there, references resolved.
    pub schema: &'a Value,
    /// The type as `kubectl explain` names it (`Object`, `[]Container`, `string`).
    pub type_name: String,
    /// The description of the field itself (over its type's).
    pub description: String,
}

/// Walks definitions (v3 flavour) the way `kubectl explain` does.
pub struct Explainer {
    defs: &'static Definitions,
}

impl Default for Explainer {
    fn default() -> Self {
        Explainer {
            defs: definitions(Flavour::V3),
        }
    }
}

impl Explainer {
    /// The definition a schema refers to, through `allOf`, `items` and maps.
    pub fn resolve<'a>(&'a self, s: &'a Value) -> &'a Value {
        if let Some(r) = s.get("$ref").and_then(Value::as_str) {
            return self.defs.resolve(r).unwrap_or(s);
        }
        if let Some(Value::Array(all)) = s.get("allOf")
            && all.len() == 1
            && s.get("properties").is_none()
        {
            return self.resolve(&all[0]);
        }
        s
    }

    /// The object schema below arrays and maps.
    fn element<'a>(&'a self, s: &'a Value) -> &'a Value {
        let r = self.resolve(s);
        if let Some(items) = r.get("items") {
            return self.element(items);
        }
        if let Some(add) = r.get("additionalProperties").filter(|a| a.is_object()) {
            return self.element(add);
        }
        r
    }

    /// `Object`, `[]Container`, `map[string]string`, `integer`, `Quantity`.
    pub fn type_name(&self, s: &Value) -> String {
        if let Some(items) = s.get("items") {
            return format!("[]{}", self.type_name(items));
        }
        if let Some(add) = s.get("additionalProperties").filter(|a| a.is_object()) {
            return format!("map[string]{}", self.type_name(add));
        }
        if let Some(Value::Array(all)) = s.get("allOf")
            && all.len() == 1
            && s.get("properties").is_none()
        {
            return self.type_name(&all[0]);
        }
        if let Some(r) = s.get("$ref").and_then(Value::as_str) {
            let target = self.defs.resolve(r);
            return match target.and_then(|t| t.get("type")).and_then(Value::as_str) {
                Some("object") | None => r.rsplit('.').next().unwrap_or("Object").to_string(),
                Some(t) => t.to_string(),
            };
        }
        match s.get("type").and_then(Value::as_str) {
            Some("object") | None => "Object".into(),
            Some(t) => t.into(),
        }
    }

    /// The description of a schema and of what it refers to, in that order.
    pub fn description(&self, s: &Value) -> String {
        let mut parts = vec![];
        if let Some(d) = s.get("description").and_then(Value::as_str) {
            parts.push(d.to_string());
        }
        let r = self.resolve(s);
        if !std::ptr::eq(r, s)
            && let Some(d) = r.get("description").and_then(Value::as_str)
        {
            parts.push(d.to_string());
        }
        parts.join("\n")
    }

    /// The kind's definition, then each field of `path` in turn; an
    /// unknown field is an error naming it.
    pub fn walk(&self, kind: Kind, path: &[&str]) -> Result<Explained<'_>, String> {
        let mut schema = self.defs.of_kind(kind);
        let mut explained = Explained {
            field: String::new(),
            schema,
            type_name: "Object".into(),
            description: self.description(schema),
        };
        for field in path {
            let here = self.element(schema);
            let Some(next) = here.get("properties").and_then(|p| p.get(*field)) else {
                return Err(format!("field \"{field}\" does not exist"));
            };
            schema = next;
            explained = Explained {
                field: (*field).to_string(),
                schema: self.element(next),
                type_name: self.type_name(next),
                description: self.description(next),
            };
        }
        Ok(explained)
    }

    /// The fields of a schema (resolved through arrays, maps and
    /// references): `(name, field schema, required)`, sorted by name.
    pub fn fields<'a>(&'a self, s: &'a Value) -> Vec<(&'a str, &'a Value, bool)> {
        let here = self.element(s);
        let required: Vec<&str> = here
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        here.get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.as_str(), v, required.contains(&k.as_str())))
            .collect()
    }

    /// The definition name a schema refers to, if any (to stop at cycles).
    pub fn reference<'a>(&self, s: &'a Value) -> Option<&'a str> {
        if let Some(r) = s.get("$ref").and_then(Value::as_str) {
            return Some(r);
        }
        for key in ["allOf", "items", "additionalProperties"] {
            match s.get(key) {
                Some(Value::Array(a)) if a.len() == 1 => return self.reference(&a[0]),
                Some(v @ Value::Object(_)) => return self.reference(v),
                _ => {}
            }
        }
        None
    }
}

/// Removes from `value` (an object of `kind`, as JSON) every field its
/// schema does not have, and returns their paths as Kubernetes writes
/// them (`spec.template.spec.containers[0].imagePullPolcy`), each with the
/// value it had and the names the schema has beside it. Maps and
/// free-form objects are left alone.
pub fn prune_unknown_fields(kind: Kind, value: &mut Value) -> Vec<Pruned> {
    let e = Explainer::default();
    let mut found = vec![];
    prune(&e, e.defs.of_kind(kind), value, "", &mut found);
    found
}

/// A field [`prune_unknown_fields`] removed.
#[derive(Clone, Debug, PartialEq)]
pub struct Pruned {
    /// Its path in the object.
    pub path: String,
    /// The value it had.
    pub value: Value,
    /// The names the schema has beside it.
    pub known: Vec<String>,
}

fn prune(e: &Explainer, schema: &Value, value: &mut Value, path: &str, found: &mut Vec<Pruned>) {
    let s = e.resolve(schema);
    match value {
        Value::Object(o) => {
            if let Some(props) = s.get("properties").and_then(Value::as_object) {
                let unknown: Vec<String> = o
                    .keys()
                    .filter(|k| !props.contains_key(*k))
                    .cloned()
                    .collect();
                for k in unknown {
                    let value = o.remove(&k).unwrap_or(Value::Null);
                    found.push(Pruned {
                        path: if path.is_empty() {
                            k
                        } else {
                            format!("{path}.{k}")
                        },
                        value,
                        known: props.keys().cloned().collect(),
                    });
                }
                for (k, v) in o.iter_mut() {
                    let p = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    prune(e, &props[k], v, &p, found);
                }
            } else if let Some(add) = s.get("additionalProperties").filter(|a| a.is_object()) {
                for (k, v) in o.iter_mut() {
                    prune(e, add, v, &format!("{path}[{k}]"), found);
                }
            }
        }
        Value::Array(items) => {
            if let Some(item) = s.get("items") {
                for (i, v) in items.iter_mut().enumerate() {
                    prune(e, item, v, &format!("{path}[{i}]"), found);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_fields_are_dropped_and_named_by_their_paths() {
        let mut v = json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web", "labels": {"any": "thing"}, "colour": "red"},
            "spec": {
                "replicass": 2,
                "selector": {"matchLabels": {"app": "web"}},
                "template": {"spec": {"containers": [
                    {"name": "a", "image": "x"},
                    {"name": "b", "imagePullPolcy": "Always"}
                ]}}
            }
        });
        let found = prune_unknown_fields(Kind::Deployment, &mut v);
        let found: Vec<&str> = found.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(
            found,
            [
                "metadata.colour",
                "spec.replicass",
                "spec.template.spec.containers[1].imagePullPolcy"
            ]
        );
        assert!(v["spec"].get("replicass").is_none());
        assert_eq!(v["metadata"]["labels"]["any"], "thing");
        assert_eq!(v["spec"]["template"]["spec"]["containers"][1]["name"], "b");
        let mut clean = v.clone();
        assert!(prune_unknown_fields(Kind::Deployment, &mut clean).is_empty());
        assert_eq!(clean, v);
    }

    #[test]
    fn explain_walks_field_paths_through_lists_and_references() {
        let e = Explainer::default();
        let x = e.walk(Kind::Pod, &["spec", "containers"]).unwrap();
        assert_eq!(x.type_name, "[]Container");
        let names: Vec<&str> = e.fields(x.schema).iter().map(|f| f.0).collect();
        assert!(names.contains(&"image") && names.contains(&"name"));
        assert!(e.fields(x.schema).iter().any(|f| f.0 == "name" && f.2));
        let r = e.walk(Kind::Deployment, &["spec", "replicas"]).unwrap();
        assert_eq!(r.type_name, "integer");
        assert!(r.description.contains("Desired pods"));
        let s = e.walk(Kind::Deployment, &["spec", "strategy"]).unwrap();
        assert_eq!(s.type_name, "DeploymentStrategy");
        assert_eq!(
            e.walk(Kind::Deployment, &["spec", "replicaz"]).unwrap_err(),
            "field \"replicaz\" does not exist"
        );
        let top = e.walk(Kind::Service, &[]).unwrap();
        let names: Vec<&str> = e.fields(top.schema).iter().map(|f| f.0).collect();
        assert_eq!(names, ["apiVersion", "kind", "metadata", "spec", "status"]);
    }
}
