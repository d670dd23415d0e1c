//! The downward API's `resourceFieldRef`: a resource ork can give
//! (`limits|requests` of `cpu|memory|ephemeral-storage`), a container of the
//! pod, a positive divisor.

use super::super::pod::PodSpec;
use super::super::volume::{RESOURCE_FIELDS, ResourceFieldSelector};
use super::FieldError;

pub(super) fn validate_resource_field(
    path: &str,
    spec: &PodSpec,
    r: &ResourceFieldSelector,
    errs: &mut Vec<FieldError>,
) {
    if !RESOURCE_FIELDS.contains(&r.resource.as_str()) {
        errs.push(FieldError::new(
            format!("{path}.resource"),
            format!(
                "{:?} is not a resource ork can give (use one of {})",
                r.resource,
                RESOURCE_FIELDS.join(", ")
            ),
        ));
    }
    if !r.container_name.is_empty() && spec.container(&r.container_name).is_none() {
        errs.push(FieldError::new(
            format!("{path}.containerName"),
            format!("{:?} names no container of this pod", r.container_name),
        ));
    }
    if let Some(d) = &r.divisor
        && d.milli() <= 0
    {
        errs.push(FieldError::new(
            format!("{path}.divisor"),
            "must be greater than zero",
        ));
    }
}
