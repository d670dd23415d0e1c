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

/// The fields a kind can be selected by.
pub fn selectable_fields(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Pod => &[
            "metadata.name",
            "metadata.namespace",
            "spec.nodeName",
            "status.phase",
        ],
        Kind::Event => &[
            "metadata.name",
            "metadata.namespace",
            "involvedObject.kind",
            "involvedObject.name",
            "involvedObject.uid",
            "reason",
            "type",
        ],
        Kind::Node => &["metadata.name", "spec.unschedulable"],
        _ => &["metadata.name", "metadata.namespace"],
    }
}

/// The value of a selectable field of an object.
pub fn field_value(obj: &AnyObject, field: &str) -> Option<String> {
    let m = obj.meta();
    match (obj, field) {
        (_, "metadata.name") => Some(m.name.clone()),
        (_, "metadata.namespace") => Some(m.namespace.clone()),
        (AnyObject::Pod(p), "spec.nodeName") => Some(p.spec.node_name.clone()),
        (AnyObject::Pod(p), "status.phase") => Some(format!("{:?}", p.status.phase)),
        (AnyObject::Node(n), "spec.unschedulable") => Some(n.spec.unschedulable.to_string()),
        (AnyObject::Event(e), "involvedObject.kind") => Some(e.involved_object.kind.clone()),
        (AnyObject::Event(e), "involvedObject.name") => Some(e.involved_object.name.clone()),
        (AnyObject::Event(e), "involvedObject.uid") => Some(e.involved_object.uid.clone()),
        (AnyObject::Event(e), "reason") => Some(e.reason.clone()),
        (AnyObject::Event(e), "type") => Some(e.type_.clone()),
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
