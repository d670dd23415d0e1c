//! Volumes, mounts and env sources of a pod, and PersistentVolumeClaims.

use super::super::pod::PodSpec;
use super::super::volume::{PersistentVolumeClaim, field_path_ok, relative_path_ok};
use super::{FieldError, dns1123_label_error, object};
use std::collections::HashSet;

/// A PersistentVolumeClaim: access modes and a filesystem volume mode.
pub fn validate_claim(c: &PersistentVolumeClaim) -> Vec<FieldError> {
    object(c, claim_spec)
}

fn claim_spec(c: &PersistentVolumeClaim, errs: &mut Vec<FieldError>) {
    for (i, m) in c.spec.access_modes.iter().enumerate() {
        if !matches!(
            m.as_str(),
            "ReadWriteOnce" | "ReadOnlyMany" | "ReadWriteMany" | "ReadWriteOncePod"
        ) {
            errs.push(FieldError::new(
                format!("spec.accessModes[{i}]"),
                format!("unknown access mode {m:?}"),
            ));
        }
    }
    if !matches!(c.spec.volume_mode.as_str(), "" | "Filesystem") {
        errs.push(FieldError::new(
            "spec.volumeMode",
            "ork's node-local claims are directories: Filesystem only",
        ));
    }
}

/// Checks a pod's volumes and how its containers use them and their env.
pub(super) fn validate_pod_volumes(spec: &PodSpec, base: &str, errs: &mut Vec<FieldError>) {
    let mut names = HashSet::new();
    for (i, v) in spec.volumes.iter().enumerate() {
        let f = |x: &str| format!("{base}.volumes[{i}]{x}");
        if dns1123_label_error(&v.name).is_some() {
            errs.push(FieldError::new(
                f(".name"),
                format!("{:?} is not a DNS-1123 label", v.name),
            ));
        }
        if !names.insert(v.name.as_str()) {
            errs.push(FieldError::new(
                f(".name"),
                format!("duplicate volume {:?}", v.name),
            ));
        }
        let sources = [
            v.config_map.is_some(),
            v.secret.is_some(),
            v.empty_dir.is_some(),
            v.host_path.is_some(),
            v.persistent_volume_claim.is_some(),
        ]
        .iter()
        .filter(|b| **b)
        .count();
        if sources != 1 {
            errs.push(FieldError::new(
                f(""),
                "give exactly one of configMap, secret, emptyDir, hostPath, persistentVolumeClaim",
            ));
        }
        let items = v
            .config_map
            .as_ref()
            .map(|c| &c.items)
            .or(v.secret.as_ref().map(|s| &s.items));
        for (j, it) in items.into_iter().flatten().enumerate() {
            if !relative_path_ok(&it.path) {
                errs.push(FieldError::new(
                    f(&format!(".items[{j}].path")),
                    format!("{:?} must be relative and must not contain '..'", it.path),
                ));
            }
        }
        if let Some(h) = &v.host_path {
            if !h.path.starts_with('/') {
                errs.push(FieldError::new(
                    f(".hostPath.path"),
                    "must be an absolute path",
                ));
            }
            if h.path.split('/').any(|c| c == "..") {
                errs.push(FieldError::new(
                    f(".hostPath.path"),
                    format!("{:?} must not contain '..'", h.path),
                ));
            }
            if !matches!(
                h.type_.as_str(),
                "" | "Directory" | "DirectoryOrCreate" | "File" | "FileOrCreate"
            ) {
                errs.push(FieldError::new(
                    f(".hostPath.type"),
                    format!(
                        "{:?}: ork supports Directory, DirectoryOrCreate, File, FileOrCreate",
                        h.type_
                    ),
                ));
            }
        }
        if let Some(e) = &v.empty_dir
            && !matches!(e.medium.as_str(), "" | "Memory")
        {
            errs.push(FieldError::new(
                f(".emptyDir.medium"),
                format!("{:?}: \"\" or Memory", e.medium),
            ));
        }
    }
    for (ci, c) in spec.containers.iter().enumerate() {
        let cb = format!("{base}.containers[{ci}]");
        let mut paths = HashSet::new();
        for (mi, m) in c.volume_mounts.iter().enumerate() {
            if !names.contains(m.name.as_str()) {
                errs.push(FieldError::new(
                    format!("{cb}.volumeMounts[{mi}].name"),
                    format!("no volume named {:?} in spec.volumes", m.name),
                ));
            }
            if !m.mount_path.starts_with('/') {
                errs.push(FieldError::new(
                    format!("{cb}.volumeMounts[{mi}].mountPath"),
                    "must be an absolute path",
                ));
            }
            if !paths.insert(m.mount_path.as_str()) {
                errs.push(FieldError::new(
                    format!("{cb}.volumeMounts[{mi}].mountPath"),
                    format!("{:?} is mounted twice", m.mount_path),
                ));
            }
        }
        for (ei, e) in c.env.iter().enumerate() {
            let Some(from) = &e.value_from else { continue };
            let p = format!("{cb}.env[{ei}].valueFrom");
            let n = [
                from.config_map_key_ref.is_some(),
                from.secret_key_ref.is_some(),
                from.field_ref.is_some(),
                from.resource_field_ref.is_some(),
            ]
            .iter()
            .filter(|b| **b)
            .count();
            if n != 1 {
                errs.push(FieldError::new(
                    p.clone(),
                    "give exactly one of configMapKeyRef, secretKeyRef, fieldRef, resourceFieldRef",
                ));
            }
            if let Some(r) = &from.resource_field_ref {
                super::downward::validate_resource_field(
                    &format!("{p}.resourceFieldRef"),
                    spec,
                    r,
                    errs,
                );
            }
            if !e.value.is_empty() {
                errs.push(FieldError::new(
                    p.clone(),
                    "give value or valueFrom, not both",
                ));
            }
            if let Some(fr) = &from.field_ref
                && !field_path_ok(&fr.field_path)
            {
                errs.push(FieldError::new(
                    format!("{p}.fieldRef.fieldPath"),
                    format!("{:?} is not a field ork can give", fr.field_path),
                ));
            }
        }
        for (fi, ef) in c.env_from.iter().enumerate() {
            if ef.config_map_ref.is_some() == ef.secret_ref.is_some() {
                errs.push(FieldError::new(
                    format!("{cb}.envFrom[{fi}]"),
                    "give exactly one of configMapRef, secretRef",
                ));
            }
        }
    }
}
