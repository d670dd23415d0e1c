//! Every kind's [`Object`] implementation: what of an object a write keeps
//! (status, spec), what counts as a change of its spec, and which checks
//! validate it.

use super::*;

macro_rules! object_common {
    ($t:ident) => {
        const KIND: Kind = Kind::$t;
        fn meta(&self) -> &ObjectMeta {
            &self.metadata
        }
        fn meta_mut(&mut self) -> &mut ObjectMeta {
            &mut self.metadata
        }
        fn into_any(self) -> AnyObject {
            AnyObject::$t(Arc::new(self))
        }
        fn from_any(any: &AnyObject) -> Option<&Arc<Self>> {
            match any {
                AnyObject::$t(o) => Some(o),
                _ => None,
            }
        }
        fn set_type_meta(&mut self) {
            self.api_version = Kind::$t.api_version().to_string();
            self.kind = Kind::$t.as_str().to_string();
        }
    };
}

macro_rules! spec_status_object {
    ($t:ident, $validate:path) => {
        spec_status_object!($t, $validate, |_o: &mut $t| {});
    };
    ($t:ident, $validate:path, $on_create:expr) => {
        impl Object for $t {
            object_common!($t);
            fn on_create(&mut self) {
                ($on_create)(self)
            }
            fn keep_status(&mut self, old: &Self) {
                self.status = old.status.clone();
            }
            fn keep_spec(&mut self, old: &Self) {
                let status = std::mem::take(&mut self.status);
                *self = old.clone();
                self.status = status;
            }
            fn spec_differs(&self, old: &Self) -> bool {
                self.spec != old.spec
            }
            fn validate(&self) -> Vec<FieldError> {
                $validate(self)
            }
        }
    };
}

spec_status_object!(Pod, validation::validate_pod);
spec_status_object!(ReplicaSet, validation::validate_replicaset);
spec_status_object!(
    ReplicationController,
    crate::api::replication::validate,
    ReplicationController::default_fields
);
spec_status_object!(Deployment, validation::validate_deployment);
spec_status_object!(Node, validation::validate_node);
spec_status_object!(HorizontalPodAutoscaler, validation::validate_hpa);
spec_status_object!(Service, validation::validate_service);
// A new claim is Pending until it is bound, as in Kubernetes.
spec_status_object!(
    PersistentVolumeClaim,
    validation::validate_claim,
    |c: &mut PersistentVolumeClaim| {
        if c.status.phase.is_empty() {
            c.status.phase = "Pending".into();
        }
    }
);

impl Object for Job {
    object_common!(Job);
    fn keep_status(&mut self, old: &Self) {
        self.status = old.status.clone();
    }
    fn keep_spec(&mut self, old: &Self) {
        let status = std::mem::take(&mut self.status);
        *self = old.clone();
        self.status = status;
    }
    fn spec_differs(&self, old: &Self) -> bool {
        self.spec != old.spec
    }
    fn validate(&self) -> Vec<FieldError> {
        validation::batch::validate_job(self)
    }
    fn validate_update(&self, old: &Self) -> Vec<FieldError> {
        validation::batch::validate_job_update(self, old)
    }
    fn normalize(&mut self) {
        self.default_fields();
    }
    fn on_create(&mut self) {
        self.generate_selector();
    }
}
spec_status_object!(DaemonSet, validation::validate_daemonset);

impl Object for CronJob {
    object_common!(CronJob);
    fn keep_status(&mut self, old: &Self) {
        self.status = old.status.clone();
    }
    fn keep_spec(&mut self, old: &Self) {
        let status = std::mem::take(&mut self.status);
        *self = old.clone();
        self.status = status;
    }
    fn spec_differs(&self, old: &Self) -> bool {
        self.spec != old.spec
    }
    fn validate(&self) -> Vec<FieldError> {
        validation::batch::validate_cronjob(self)
    }
    fn normalize(&mut self) {
        self.default_fields();
    }
}

impl Object for PodDisruptionBudget {
    object_common!(PodDisruptionBudget);
    fn keep_status(&mut self, old: &Self) {
        self.status = old.status.clone();
    }
    fn keep_spec(&mut self, old: &Self) {
        let status = std::mem::take(&mut self.status);
        *self = old.clone();
        self.status = status;
    }
    fn spec_differs(&self, old: &Self) -> bool {
        self.spec != old.spec
    }
    fn validate(&self) -> Vec<FieldError> {
        validation::validate_pdb(self)
    }
}

impl Object for Role {
    object_common!(Role);
    fn keep_status(&mut self, _old: &Self) {}
    fn keep_spec(&mut self, _old: &Self) {}
    fn spec_differs(&self, old: &Self) -> bool {
        self.rules != old.rules
    }
    fn validate(&self) -> Vec<FieldError> {
        validation::validate_role(self)
    }
}

impl Object for ClusterRole {
    object_common!(ClusterRole);
    fn keep_status(&mut self, _old: &Self) {}
    fn keep_spec(&mut self, _old: &Self) {}
    fn spec_differs(&self, old: &Self) -> bool {
        self.rules != old.rules || self.aggregation_rule != old.aggregation_rule
    }
    fn validate(&self) -> Vec<FieldError> {
        validation::validate_cluster_role(self)
    }
}

impl Object for RoleBinding {
    object_common!(RoleBinding);
    fn keep_status(&mut self, _old: &Self) {}
    fn keep_spec(&mut self, _old: &Self) {}
    fn spec_differs(&self, old: &Self) -> bool {
        self.subjects != old.subjects || self.role_ref != old.role_ref
    }
    fn validate(&self) -> Vec<FieldError> {
        validation::validate_role_binding(self)
    }
    fn validate_update(&self, old: &Self) -> Vec<FieldError> {
        validation::validate_role_ref_update(&self.role_ref, &old.role_ref)
    }
}

impl Object for ClusterRoleBinding {
    object_common!(ClusterRoleBinding);
    fn keep_status(&mut self, _old: &Self) {}
    fn keep_spec(&mut self, _old: &Self) {}
    fn spec_differs(&self, old: &Self) -> bool {
        self.subjects != old.subjects || self.role_ref != old.role_ref
    }
    fn validate(&self) -> Vec<FieldError> {
        validation::validate_cluster_role_binding(self)
    }
    fn validate_update(&self, old: &Self) -> Vec<FieldError> {
        validation::validate_role_ref_update(&self.role_ref, &old.role_ref)
    }
}

impl Object for Lease {
    object_common!(Lease);
    fn keep_status(&mut self, _old: &Self) {}
    fn keep_spec(&mut self, _old: &Self) {}
    fn spec_differs(&self, old: &Self) -> bool {
        self.spec != old.spec
    }
    fn validate(&self) -> Vec<FieldError> {
        validation::validate_lease(self)
    }
}

impl Object for ControllerRevision {
    object_common!(ControllerRevision);
    fn keep_status(&mut self, _old: &Self) {}
    fn keep_spec(&mut self, _old: &Self) {}
    fn spec_differs(&self, old: &Self) -> bool {
        self.data != old.data || self.revision != old.revision
    }
    fn validate(&self) -> Vec<FieldError> {
        validation::validate_controller_revision(self)
    }
    fn validate_update(&self, old: &Self) -> Vec<FieldError> {
        if self.data != old.data {
            return vec![FieldError::new("data", "field is immutable")];
        }
        vec![]
    }
}

impl Object for StatefulSet {
    object_common!(StatefulSet);
    fn keep_status(&mut self, old: &Self) {
        self.status = old.status.clone();
    }
    fn keep_spec(&mut self, old: &Self) {
        let status = std::mem::take(&mut self.status);
        *self = old.clone();
        self.status = status;
    }
    fn spec_differs(&self, old: &Self) -> bool {
        self.spec != old.spec
    }
    fn validate(&self) -> Vec<FieldError> {
        validation::validate_statefulset(self)
    }
    fn validate_update(&self, old: &Self) -> Vec<FieldError> {
        validation::validate_statefulset_update(self, old)
    }
}
spec_status_object!(ResourceQuota, validation::validate_quota);

impl Object for LimitRange {
    object_common!(LimitRange);
    fn keep_status(&mut self, _old: &Self) {}
    fn keep_spec(&mut self, _old: &Self) {}
    fn spec_differs(&self, old: &Self) -> bool {
        self.spec != old.spec
    }
    fn validate(&self) -> Vec<FieldError> {
        validation::validate_limit_range(self)
    }
    fn normalize(&mut self) {
        self.spec
            .limits
            .iter_mut()
            .for_each(crate::api::quota_types::default_item);
    }
}

impl Object for Endpoints {
    object_common!(Endpoints);
    fn keep_status(&mut self, _old: &Self) {}
    fn keep_spec(&mut self, _old: &Self) {}
    fn spec_differs(&self, old: &Self) -> bool {
        self.subsets != old.subsets
    }
    fn validate(&self) -> Vec<FieldError> {
        validation::validate_endpoints(self)
    }
}

impl Object for Namespace {
    object_common!(Namespace);
    fn keep_status(&mut self, old: &Self) {
        self.status = old.status.clone();
    }
    fn keep_spec(&mut self, old: &Self) {
        let status = std::mem::take(&mut self.status);
        *self = old.clone();
        self.status = status;
    }
    fn spec_differs(&self, _old: &Self) -> bool {
        false
    }
    fn validate(&self) -> Vec<FieldError> {
        validation::validate_namespace(self)
    }
}

impl Object for Event {
    object_common!(Event);
    fn keep_status(&mut self, _old: &Self) {}
    fn keep_spec(&mut self, _old: &Self) {}
    fn spec_differs(&self, _old: &Self) -> bool {
        false
    }
    fn validate(&self) -> Vec<FieldError> {
        validation::validate_event(self)
    }
}

/// What an update of an `immutable: true` ConfigMap or Secret may not do:
/// change its data, or become mutable.
fn immutability_errors(kind: &str, was: bool, is: bool, changed: bool) -> Vec<FieldError> {
    let mut errs = vec![];
    if was && changed {
        errs.push(FieldError::new(
            "data",
            format!("the {kind} is immutable: delete it and create it again to change its data"),
        ));
    }
    if was && !is {
        errs.push(FieldError::new(
            "immutable",
            format!("an immutable {kind} cannot be made mutable"),
        ));
    }
    errs
}

impl Object for ConfigMap {
    object_common!(ConfigMap);
    fn keep_status(&mut self, _old: &Self) {}
    fn keep_spec(&mut self, _old: &Self) {}
    fn spec_differs(&self, old: &Self) -> bool {
        self.data != old.data || self.binary_data != old.binary_data
    }
    fn validate(&self) -> Vec<FieldError> {
        validation::validate_configmap(self)
    }
    fn validate_update(&self, old: &Self) -> Vec<FieldError> {
        immutability_errors(
            "ConfigMap",
            old.is_immutable(),
            self.is_immutable(),
            self.spec_differs(old),
        )
    }
}

impl Object for Secret {
    object_common!(Secret);
    fn keep_status(&mut self, _old: &Self) {}
    fn keep_spec(&mut self, _old: &Self) {}
    fn spec_differs(&self, old: &Self) -> bool {
        self.data != old.data || self.type_ != old.type_
    }
    fn validate(&self) -> Vec<FieldError> {
        validation::validate_secret(self)
    }
    fn normalize(&mut self) {
        self.fold_string_data();
    }
    fn validate_update(&self, old: &Self) -> Vec<FieldError> {
        let mut errs = immutability_errors(
            "Secret",
            old.is_immutable(),
            self.is_immutable(),
            self.spec_differs(old),
        );
        if !old.type_.is_empty() && self.type_ != old.type_ {
            errs.push(FieldError::new(
                "type",
                "the type of a Secret cannot change",
            ));
        }
        errs
    }
}

impl Object for ServiceAccount {
    object_common!(ServiceAccount);
    fn keep_status(&mut self, _old: &Self) {}
    fn keep_spec(&mut self, _old: &Self) {}
    fn spec_differs(&self, old: &Self) -> bool {
        self.secrets != old.secrets
            || self.image_pull_secrets != old.image_pull_secrets
            || self.automount_service_account_token != old.automount_service_account_token
    }
    fn validate(&self) -> Vec<FieldError> {
        validation::validate_service_account(self)
    }
}

spec_status_object!(Ingress, validation::validate_ingress);

impl Object for IngressClass {
    object_common!(IngressClass);
    fn keep_status(&mut self, _old: &Self) {}
    fn keep_spec(&mut self, _old: &Self) {}
    fn spec_differs(&self, old: &Self) -> bool {
        self.spec != old.spec
    }
    fn validate(&self) -> Vec<FieldError> {
        validation::validate_ingress_class(self)
    }
    fn validate_update(&self, old: &Self) -> Vec<FieldError> {
        if self.spec.controller != old.spec.controller {
            return vec![FieldError::new("spec.controller", "field is immutable")];
        }
        vec![]
    }
}

impl Object for PriorityClass {
    object_common!(PriorityClass);
    fn keep_status(&mut self, _old: &Self) {}
    fn keep_spec(&mut self, _old: &Self) {}
    fn spec_differs(&self, old: &Self) -> bool {
        self.value != old.value
            || self.global_default != old.global_default
            || self.description != old.description
            || self.preemption_policy != old.preemption_policy
    }
    fn validate(&self) -> Vec<FieldError> {
        validation::validate_priority_class(self)
    }
    fn validate_update(&self, old: &Self) -> Vec<FieldError> {
        crate::api::priorityclass::validate_update(self, old)
    }
}

impl Object for StorageClass {
    object_common!(StorageClass);
    fn keep_status(&mut self, _old: &Self) {}
    fn keep_spec(&mut self, _old: &Self) {}
    fn spec_differs(&self, old: &Self) -> bool {
        self.provisioner != old.provisioner
            || self.parameters != old.parameters
            || self.reclaim_policy != old.reclaim_policy
            || self.volume_binding_mode != old.volume_binding_mode
            || self.allow_volume_expansion != old.allow_volume_expansion
            || self.mount_options != old.mount_options
            || self.allowed_topologies != old.allowed_topologies
    }
    fn validate(&self) -> Vec<FieldError> {
        validation::object(self, |c, errs| {
            errs.extend(crate::api::storageclass::validate(c))
        })
    }
    fn validate_update(&self, old: &Self) -> Vec<FieldError> {
        crate::api::storageclass::validate_update(self, old)
    }
}

impl Object for ValidatingAdmissionPolicy {
    object_common!(ValidatingAdmissionPolicy);
    fn keep_status(&mut self, old: &Self) {
        self.status = old.status.clone();
    }
    fn keep_spec(&mut self, old: &Self) {
        self.spec = old.spec.clone();
    }
    fn spec_differs(&self, old: &Self) -> bool {
        self.spec != old.spec
    }
    fn validate(&self) -> Vec<FieldError> {
        validation::object(self, |p, errs| {
            errs.extend(crate::api::admission_policy::validate_policy(p))
        })
    }
}

impl Object for ValidatingAdmissionPolicyBinding {
    object_common!(ValidatingAdmissionPolicyBinding);
    fn keep_status(&mut self, _old: &Self) {}
    fn keep_spec(&mut self, _old: &Self) {}
    fn spec_differs(&self, old: &Self) -> bool {
        self.spec != old.spec
    }
    fn validate(&self) -> Vec<FieldError> {
        validation::object(self, |b, errs| {
            errs.extend(crate::api::admission_policy::validate_binding(b))
        })
    }
}
