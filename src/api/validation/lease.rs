//! Leases: a term that is positive, transitions that are not negative.

use super::super::lease::Lease;
use super::{FieldError, object};

pub fn validate_lease(l: &Lease) -> Vec<FieldError> {
    object(l, |l, errs| {
        if l.spec.lease_duration_seconds.is_some_and(|d| d <= 0) {
            errs.push(FieldError::new(
                "spec.leaseDurationSeconds",
                "must be greater than 0",
            ));
        }
        if l.spec.lease_transitions.is_some_and(|t| t < 0) {
            errs.push(FieldError::new(
                "spec.leaseTransitions",
                "must be greater than or equal to 0",
            ));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::new_object;

    #[test]
    fn a_lease_needs_a_positive_term() {
        let mut l: Lease = new_object("kube-system", "x");
        assert!(validate_lease(&l).is_empty());
        l.spec.lease_duration_seconds = Some(0);
        assert_eq!(validate_lease(&l)[0].path, "spec.leaseDurationSeconds");
    }
}
