//! Roles and bindings, laid out as kubectl describes them: a role's rules
//! as a table (Resources, Non-Resource URLs, Resource Names, Verbs), a
//! binding's role and subjects.

use super::{Doc, meta};
use crate::api::meta::ObjectMeta;
use crate::api::rbac::{PolicyRule, RoleRef, Subject, rule_row};

pub(super) fn role(d: &mut Doc, m: &ObjectMeta, rules: &[PolicyRule]) {
    meta(d, m, true);
    d.line(0, "PolicyRule:");
    let rows: Vec<Vec<String>> = rules.iter().map(|r| rule_row(r).to_vec()).collect();
    d.table(
        &["Resources", "Non-Resource URLs", "Resource Names", "Verbs"],
        &rows,
    );
}

pub(super) fn binding(d: &mut Doc, m: &ObjectMeta, role_ref: &RoleRef, subjects: &[Subject]) {
    meta(d, m, true);
    d.line(0, "Role:");
    d.kv(2, "Kind", role_ref.kind.clone());
    d.kv(2, "Name", role_ref.name.clone());
    d.line(0, "Subjects:");
    let rows: Vec<Vec<String>> = subjects
        .iter()
        .map(|s| vec![s.kind.clone(), s.name.clone(), s.namespace.clone()])
        .collect();
    d.table(&["Kind", "Name", "Namespace"], &rows);
}
