//! Nodes, Namespaces and Events: metadata, and the object an Event is about.

use super::super::core::{Event, Namespace, Node};
use super::{FieldError, object};

pub fn validate_node(n: &Node) -> Vec<FieldError> {
    object(n, |_, _| {})
}

pub fn validate_namespace(n: &Namespace) -> Vec<FieldError> {
    object(n, |_, _| {})
}

pub fn validate_event(e: &Event) -> Vec<FieldError> {
    object(e, |e, errs| {
        if e.involved_object.name.is_empty() {
            errs.push(FieldError::new("involvedObject.name", "required"));
        }
    })
}
