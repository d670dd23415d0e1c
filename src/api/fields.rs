//! Field selectors (`?fieldSelector=spec.nodeName=n1,status.phase!=Running`):
//! the few fields Kubernetes lets lists and watches filter on.

use super::object::{AnyObject, Kind};

/// One `field=value` or `field!=value` term.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldTerm {
    pub field: String,
    pub value: String,
    pub equal: bool,
}

/// All terms must hold. Empty matches everything.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldSelector {
    pub terms: Vec<FieldTerm>,
}

/// The fields a kind can be selected by: `metadata.name` and
/// `metadata.namespace` on every kind, and those Kubernetes adds per kind
/// (what `kubectl describe` and node daemons send).
pub fn selectable_fields(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Pod => &[
            "metadata.name",
            "metadata.namespace",
            "spec.nodeName",
            "spec.restartPolicy",
            "spec.schedulerName",
            "status.phase",
            "status.podIP",
        ],
        Kind::Event => &[
            "metadata.name",
            "metadata.namespace",
            "involvedObject.apiVersion",
            "involvedObject.fieldPath",
            "involvedObject.kind",
            "involvedObject.name",
            "involvedObject.namespace",
            "involvedObject.resourceVersion",
            "involvedObject.uid",
            "reason",
            "reportingComponent",
            "source",
            "type",
        ],
        Kind::Node => &["metadata.name", "metadata.namespace", "spec.unschedulable"],
        Kind::Secret => &["metadata.name", "metadata.namespace", "type"],
        Kind::Namespace => &["metadata.name", "metadata.namespace", "status.phase"],
        _ => &["metadata.name", "metadata.namespace"],
    }
}

/// The value of a selectable field of an object.
pub fn field_value(obj: &AnyObject, field: &str) -> Option<String> {
    let m = obj.meta();
    let s = |v: &str| Some(v.to_string());
    match (obj, field) {
        (_, "metadata.name") => s(&m.name),
        (_, "metadata.namespace") => s(&m.namespace),
        (AnyObject::Pod(p), "spec.nodeName") => s(&p.spec.node_name),
        (AnyObject::Pod(p), "spec.restartPolicy") => Some(format!("{:?}", p.spec.restart_policy)),
        (AnyObject::Pod(_), "spec.schedulerName") => s("default-scheduler"),
        (AnyObject::Pod(p), "status.phase") => Some(format!("{:?}", p.status.phase)),
        (AnyObject::Pod(p), "status.podIP") => s(&p.status.pod_ip),
        (AnyObject::Node(n), "spec.unschedulable") => Some(n.spec.unschedulable.to_string()),
        (AnyObject::Secret(x), "type") => s(if x.type_.is_empty() {
            "Opaque"
        } else {
            &x.type_
        }),
        (AnyObject::Namespace(x), "status.phase") => s(if x.status.phase.is_empty() {
            "Active"
        } else {
            &x.status.phase
        }),
        (AnyObject::Event(e), f) => {
            let o = &e.involved_object;
            match f {
                "involvedObject.apiVersion" => s(&o.api_version),
                "involvedObject.fieldPath" => s(&o.field_path),
                "involvedObject.kind" => s(&o.kind),
                "involvedObject.name" => s(&o.name),
                "involvedObject.namespace" => s(&o.namespace),
                "involvedObject.resourceVersion" => s(&o.resource_version),
                "involvedObject.uid" => s(&o.uid),
                "reason" => s(&e.reason),
                "reportingComponent" | "source" => s(&e.source.component),
                "type" => s(&e.type_),
                _ => None,
            }
        }
        _ => None,
    }
}

impl FieldSelector {
    /// Parses a selector for a kind; unknown fields are refused with the list
    /// of the ones that work.
    pub fn parse(kind: Kind, input: &str) -> Result<Self, String> {
        let mut terms = vec![];
        for part in input.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (field, value, equal) = if let Some((f, v)) = part.split_once("!=") {
                (f, v, false)
            } else if let Some((f, v)) = part.split_once("==") {
                (f, v, true)
            } else if let Some((f, v)) = part.split_once('=') {
                (f, v, true)
            } else {
                return Err(format!(
                    "invalid field selector {part:?}: expected field=value or field!=value"
                ));
            };
            let field = field.trim();
            if !selectable_fields(kind).contains(&field) {
                return Err(format!(
                    "field selector {field:?} is not supported for {}; use one of: {}",
                    kind.plural(),
                    selectable_fields(kind).join(", ")
                ));
            }
            terms.push(FieldTerm {
                field: field.to_string(),
                value: value.trim().to_string(),
                equal,
            });
        }
        Ok(FieldSelector { terms })
    }

    /// The value of an equality term on `field`, if the selector has one.
    pub fn equals(&self, field: &str) -> Option<&str> {
        self.terms
            .iter()
            .find(|t| t.equal && t.field == field)
            .map(|t| t.value.as_str())
    }

    pub fn matches(&self, obj: &AnyObject) -> bool {
        self.terms.iter().all(|t| {
            let v = field_value(obj, &t.field).unwrap_or_default();
            (v == t.value) == t.equal
        })
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{Object, Pod, PodPhase, new_object};

    #[test]
    fn pods_select_by_node_and_phase() {
        let mut p: Pod = new_object("default", "a");
        p.spec.node_name = "n1".into();
        p.status.phase = PodPhase::Running;
        let obj = p.into_any();
        let s = FieldSelector::parse(Kind::Pod, "spec.nodeName=n1,status.phase!=Failed").unwrap();
        assert!(s.matches(&obj));
        let s = FieldSelector::parse(Kind::Pod, "spec.nodeName==n2").unwrap();
        assert!(!s.matches(&obj));
        let s = FieldSelector::parse(Kind::Pod, "spec.nodeName=").unwrap();
        assert!(!s.matches(&obj), "empty value selects unbound pods only");
    }

    #[test]
    fn unknown_fields_are_refused_with_the_supported_list() {
        let e = FieldSelector::parse(Kind::Pod, "spec.foo=1").unwrap_err();
        assert!(e.contains("spec.nodeName"), "{e}");
        assert!(FieldSelector::parse(Kind::Pod, "nonsense").is_err());
    }
}
