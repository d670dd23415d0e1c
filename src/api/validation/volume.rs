//! Volumes, mounts and env sources of a pod, and PersistentVolumeClaims.

use super::super::pod::PodSpec;
use super::super::volume::{
    DownwardApiFile, EmptyDirVolumeSource, KeyToPath, PersistentVolumeClaim, ProjectedVolumeSource,
    VolumeMount, field_path_ok, relative_path_ok, volume_field_path_ok,
};
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
    if !c.spec.volume_name.is_empty() {
        errs.push(FieldError::new(
            "spec.volumeName",
            "not supported by ork yet: ork serves no PersistentVolumes to bind to; remove it and let the claim's StorageClass provision it",
        ));
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
            v.downward_api.is_some(),
            v.projected.is_some(),
        ]
        .iter()
        .filter(|b| **b)
        .count();
        if sources != 1 {
            errs.push(FieldError::new(
                f(""),
                "give exactly one of configMap, secret, emptyDir, hostPath, persistentVolumeClaim, downwardAPI, projected",
            ));
        }
        if let Some(c) = &v.config_map {
            key_items(&f(".configMap"), &c.items, errs);
            mode(&f(".configMap.defaultMode"), c.default_mode, errs);
        }
        if let Some(s) = &v.secret {
            key_items(&f(".secret"), &s.items, errs);
            mode(&f(".secret.defaultMode"), s.default_mode, errs);
        }
        if let Some(d) = &v.downward_api {
            downward_items(&f(".downwardAPI"), spec, &d.items, errs);
            mode(&f(".downwardAPI.defaultMode"), d.default_mode, errs);
        }
        if let Some(p) = &v.projected {
            projected(&f(".projected"), spec, p, errs);
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
        if let Some(e) = &v.empty_dir {
            empty_dir(&f(".emptyDir"), e, errs);
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
            sub_path(&format!("{cb}.volumeMounts[{mi}]"), m, errs);
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

/// A file mode Kubernetes accepts: 0 to 0777.
fn mode(path: &str, m: Option<i32>, errs: &mut Vec<FieldError>) {
    if let Some(m) = m
        && !(0..=0o777).contains(&m)
    {
        errs.push(FieldError::new(
            path,
            format!("{m} must be a file mode from 0 to 0777 (octal; 511 in decimal)"),
        ));
    }
}

/// A relative path inside a volume: no `..`, not absolute, no `..`-names.
fn item_path(path: &str, p: &str, errs: &mut Vec<FieldError>) {
    if !relative_path_ok(p) {
        errs.push(FieldError::new(
            path,
            format!("{p:?} must be relative and must not contain '..'"),
        ));
    } else if p.starts_with("..") {
        errs.push(FieldError::new(
            path,
            format!("{p:?} must not start with '..' (those names are the volume's own)"),
        ));
    }
}

/// `items` of a configMap or secret volume or projection.
fn key_items(base: &str, items: &[KeyToPath], errs: &mut Vec<FieldError>) {
    for (j, it) in items.iter().enumerate() {
        item_path(&format!("{base}.items[{j}].path"), &it.path, errs);
        mode(&format!("{base}.items[{j}].mode"), it.mode, errs);
        if it.key.is_empty() {
            errs.push(FieldError::new(
                format!("{base}.items[{j}].key"),
                "required",
            ));
        }
    }
}

/// `items` of a downwardAPI volume or projection: exactly one of
/// `fieldRef` (a field ork gives) and `resourceFieldRef` (naming its
/// container, which a volume has no default for).
fn downward_items(
    base: &str,
    spec: &PodSpec,
    items: &[DownwardApiFile],
    errs: &mut Vec<FieldError>,
) {
    for (j, it) in items.iter().enumerate() {
        let p = format!("{base}.items[{j}]");
        item_path(&format!("{p}.path"), &it.path, errs);
        mode(&format!("{p}.mode"), it.mode, errs);
        match (&it.field_ref, &it.resource_field_ref) {
            (Some(fr), None) => {
                if field_path_ok(&fr.field_path) && !volume_field_path_ok(&fr.field_path) {
                    errs.push(FieldError::new(
                        format!("{p}.fieldRef.fieldPath"),
                        format!(
                            "{:?} is given to env only (as in Kubernetes); use env[].valueFrom.fieldRef",
                            fr.field_path
                        ),
                    ));
                } else if !volume_field_path_ok(&fr.field_path) {
                    errs.push(FieldError::new(
                        format!("{p}.fieldRef.fieldPath"),
                        format!(
                            "{:?} is not a field ork can give (metadata.name, metadata.namespace, metadata.uid, metadata.labels, metadata.annotations, metadata.labels['KEY'], metadata.annotations['KEY'])",
                            fr.field_path
                        ),
                    ));
                }
            }
            (None, Some(r)) => {
                if r.container_name.is_empty() {
                    errs.push(FieldError::new(
                        format!("{p}.resourceFieldRef.containerName"),
                        "required in a volume",
                    ));
                }
                super::downward::validate_resource_field(
                    &format!("{p}.resourceFieldRef"),
                    spec,
                    r,
                    errs,
                );
            }
            _ => errs.push(FieldError::new(
                p,
                "give exactly one of fieldRef, resourceFieldRef",
            )),
        }
    }
}

/// A projected volume: each source exactly one of configMap, secret,
/// downwardAPI, serviceAccountToken; no path given twice.
fn projected(base: &str, spec: &PodSpec, p: &ProjectedVolumeSource, errs: &mut Vec<FieldError>) {
    mode(&format!("{base}.defaultMode"), p.default_mode, errs);
    let mut paths = HashSet::new();
    for (i, s) in p.sources.iter().enumerate() {
        let sb = format!("{base}.sources[{i}]");
        let n = [
            s.config_map.is_some(),
            s.secret.is_some(),
            s.downward_api.is_some(),
            s.service_account_token.is_some(),
        ]
        .iter()
        .filter(|b| **b)
        .count();
        if n != 1 {
            errs.push(FieldError::new(
                sb.clone(),
                "give exactly one of configMap, secret, downwardAPI, serviceAccountToken",
            ));
        }
        if let Some(t) = &s.service_account_token {
            let tb = format!("{sb}.serviceAccountToken");
            if t.path.is_empty() {
                errs.push(FieldError::new(format!("{tb}.path"), "required"));
            } else {
                item_path(&format!("{tb}.path"), &t.path, errs);
            }
            match t.expiration_seconds {
                Some(e) if e < 600 => errs.push(FieldError::new(
                    format!("{tb}.expirationSeconds"),
                    "may not specify a duration less than 10 minutes",
                )),
                Some(e) if e > 1 << 32 => errs.push(FieldError::new(
                    format!("{tb}.expirationSeconds"),
                    "may not specify a duration larger than 2^32 seconds",
                )),
                _ => {}
            }
            if !paths.insert(t.path.clone()) {
                errs.push(FieldError::new(
                    format!("{tb}.path"),
                    format!("{:?} is given by another source too", t.path),
                ));
            }
        }
        for (what, k) in [("configMap", &s.config_map), ("secret", &s.secret)] {
            if let Some(k) = k {
                if k.name.is_empty() {
                    errs.push(FieldError::new(format!("{sb}.{what}.name"), "required"));
                }
                key_items(&format!("{sb}.{what}"), &k.items, errs);
                for (j, it) in k.items.iter().enumerate() {
                    if !paths.insert(it.path.clone()) {
                        errs.push(FieldError::new(
                            format!("{sb}.{what}.items[{j}].path"),
                            format!("{:?} is given by another source too", it.path),
                        ));
                    }
                }
            }
        }
        if let Some(d) = &s.downward_api {
            downward_items(&format!("{sb}.downwardAPI"), spec, &d.items, errs);
            for (j, it) in d.items.iter().enumerate() {
                if !paths.insert(it.path.clone()) {
                    errs.push(FieldError::new(
                        format!("{sb}.downwardAPI.items[{j}].path"),
                        format!("{:?} is given by another source too", it.path),
                    ));
                }
            }
        }
    }
}

/// `emptyDir`: `medium` "" or Memory; `sizeLimit` positive, and only on
/// Memory, where it is the tmpfs' size (ork does not measure a disk
/// emptyDir's usage, so it could not evict a pod for it).
fn empty_dir(base: &str, e: &EmptyDirVolumeSource, errs: &mut Vec<FieldError>) {
    if !matches!(e.medium.as_str(), "" | "Memory") {
        errs.push(FieldError::new(
            format!("{base}.medium"),
            format!("{:?}: \"\" or Memory", e.medium),
        ));
    }
    if let Some(q) = &e.size_limit {
        if q.value() <= 0 {
            errs.push(FieldError::new(
                format!("{base}.sizeLimit"),
                "must be greater than zero",
            ));
        } else if e.medium.is_empty() {
            errs.push(FieldError::new(
                format!("{base}.sizeLimit"),
                "not supported by ork yet on the node's disk (ork does not measure an emptyDir's usage to evict the pod): use medium: Memory, where the limit is the tmpfs' size, or remove it",
            ));
        }
    }
}

/// `subPath` or `subPathExpr` (not both): relative, never `..`; where it
/// leads once symlinks are followed is the node's to check.
fn sub_path(base: &str, m: &VolumeMount, errs: &mut Vec<FieldError>) {
    if !m.sub_path.is_empty() && !m.sub_path_expr.is_empty() {
        errs.push(FieldError::new(
            format!("{base}.subPathExpr"),
            "subPath and subPathExpr are mutually exclusive",
        ));
    }
    for (field, p) in [("subPath", &m.sub_path), ("subPathExpr", &m.sub_path_expr)] {
        if p.is_empty() {
            continue;
        }
        if p.starts_with('/') {
            errs.push(FieldError::new(
                format!("{base}.{field}"),
                format!("{p:?} must be a relative path inside the volume"),
            ));
        }
        if p.split('/').any(|c| c == "..") {
            errs.push(FieldError::new(
                format!("{base}.{field}"),
                format!("{p:?} must not contain '..': a subPath stays inside its volume"),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::validate_pod;
    use crate::api::Pod;
    use crate::api::volume::{Volume, VolumeMount};
    use serde_json::json;

    #[test]
    fn a_claim_naming_a_volume_is_refused_as_ork_serves_none() {
        let mut c: crate::api::volume::PersistentVolumeClaim =
            crate::api::new_object("default", "data");
        assert!(super::validate_claim(&c).is_empty());
        c.spec.volume_name = "task-pv-volume".into();
        let errs = super::validate_claim(&c);
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].path, "spec.volumeName");
        assert!(
            errs[0].message.starts_with("not supported by ork yet"),
            "{}",
            errs[0].message
        );
    }

    /// The errors of a pod with these volumes, its container mounting `mounts`.
    fn errors(volumes: serde_json::Value, mounts: serde_json::Value) -> Vec<(String, String)> {
        let mut p = Pod::test("p");
        p.spec.volumes = serde_json::from_value::<Vec<Volume>>(volumes).unwrap();
        p.spec.containers[0].volume_mounts =
            serde_json::from_value::<Vec<VolumeMount>>(mounts).unwrap();
        validate_pod(&p)
            .into_iter()
            .map(|e| (e.path, e.message))
            .collect()
    }

    fn has(errs: &[(String, String)], path: &str, needle: &str) -> bool {
        errs.iter().any(|(p, m)| p == path && m.contains(needle))
    }

    #[test]
    fn downward_and_projected_volumes_as_kubernetes_writes_them_are_accepted() {
        let errs = errors(
            json!([
                {"name": "info", "downwardAPI": {"defaultMode": 0o644, "items": [
                    {"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}},
                    {"path": "cpu", "resourceFieldRef": {"containerName": "c", "resource": "limits.cpu", "divisor": "1m"}, "mode": 0o600}
                ]}},
                {"name": "all", "projected": {"sources": [
                    {"configMap": {"name": "a", "items": [{"key": "k", "path": "k"}]}},
                    {"secret": {"name": "s", "optional": true}},
                    {"downwardAPI": {"items": [{"path": "name", "fieldRef": {"fieldPath": "metadata.name"}}]}},
                    {"serviceAccountToken": {"path": "token"}},
                    {"serviceAccountToken": {"path": "vault/token", "audience": "vault", "expirationSeconds": 7200}}
                ]}},
                {"name": "mem", "emptyDir": {"medium": "Memory", "sizeLimit": "64Mi"}}
            ]),
            json!([
                {"name": "info", "mountPath": "/info"},
                {"name": "all", "mountPath": "/all/one", "subPath": "k"},
                {"name": "mem", "mountPath": "/mem", "subPathExpr": "$(POD_NAME)/x"}
            ]),
        );
        assert!(errs.is_empty(), "{errs:?}");
    }

    #[test]
    fn what_kubernetes_refuses_in_these_volumes_is_refused_by_field() {
        let errs = errors(
            json!([
                {"name": "info", "downwardAPI": {"defaultMode": 0o1777, "items": [
                    {"path": "../x", "fieldRef": {"fieldPath": "metadata.name"}},
                    {"path": "node", "fieldRef": {"fieldPath": "spec.nodeName"}},
                    {"path": "cpu", "resourceFieldRef": {"resource": "limits.cpu"}},
                    {"path": "both"}
                ]}},
                {"name": "all", "projected": {"sources": [
                    {"configMap": {"name": "a", "items": [{"key": "k", "path": "same"}]}},
                    {"secret": {"name": "s", "items": [{"key": "k", "path": "same", "mode": -1}]}},
                    {},
                    {"serviceAccountToken": {"path": "/abs", "expirationSeconds": 599}},
                    {"serviceAccountToken": {"path": "same"}}
                ]}},
                {"name": "disk", "emptyDir": {"sizeLimit": "1Gi"}}
            ]),
            json!([
                {"name": "info", "mountPath": "/a", "subPath": "../etc"},
                {"name": "all", "mountPath": "/b", "subPath": "/abs"},
                {"name": "disk", "mountPath": "/c", "subPath": "x", "subPathExpr": "y"}
            ]),
        );
        let v = "spec.volumes";
        for (path, needle) in [
            (format!("{v}[0].downwardAPI.defaultMode"), "file mode"),
            (format!("{v}[0].downwardAPI.items[0].path"), "'..'"),
            (
                format!("{v}[0].downwardAPI.items[1].fieldRef.fieldPath"),
                "env only",
            ),
            (
                format!("{v}[0].downwardAPI.items[2].resourceFieldRef.containerName"),
                "required",
            ),
            (
                format!("{v}[0].downwardAPI.items[3]"),
                "exactly one of fieldRef",
            ),
            (
                format!("{v}[1].projected.sources[1].secret.items[0].path"),
                "another source",
            ),
            (
                format!("{v}[1].projected.sources[1].secret.items[0].mode"),
                "file mode",
            ),
            (format!("{v}[1].projected.sources[2]"), "exactly one of"),
            (
                format!("{v}[1].projected.sources[3].serviceAccountToken.path"),
                "must be relative",
            ),
            (
                format!("{v}[1].projected.sources[3].serviceAccountToken.expirationSeconds"),
                "less than 10 minutes",
            ),
            (
                format!("{v}[1].projected.sources[4].serviceAccountToken.path"),
                "another source",
            ),
            (format!("{v}[2].emptyDir.sizeLimit"), "medium: Memory"),
            (
                "spec.containers[0].volumeMounts[0].subPath".into(),
                "must not contain '..'",
            ),
            (
                "spec.containers[0].volumeMounts[1].subPath".into(),
                "relative path",
            ),
            (
                "spec.containers[0].volumeMounts[2].subPathExpr".into(),
                "mutually exclusive",
            ),
        ] {
            assert!(has(&errs, &path, needle), "{path}: {needle}: {errs:#?}");
        }
    }
}
