//! The downward API: a pod's own fields ([`field_value`]: name,
//! namespace, uid, labels, annotations, node, service account, addresses)
//! and a container's limit or request of cpu, memory or ephemeral storage
//! ([`resource_value`]), in units of a divisor, rounded up, as Kubernetes
//! computes them (an unset limit is the node's capacity; an unset request
//! is the limit when there is one, else 0); and the files of a
//! `downwardAPI` volume or projection made of them ([`files`]). Pure but
//! for [`Capacity::of_machine`]; imports only `api` and the node's machine
//! facts.

use crate::api::Pod;
use crate::api::volume::{DownwardApiFile, ResourceFieldSelector};
use std::collections::BTreeMap;

/// What the node has, for limits a container does not set.
#[derive(Clone, Copy, Debug)]
pub struct Capacity {
    pub cpu_milli: i128,
    pub memory_bytes: i128,
    /// The size of the filesystem pods' files are on.
    pub ephemeral_bytes: i128,
}

impl Capacity {
    /// This machine's CPUs and memory, and the size of the filesystem at
    /// `/` (0 when it cannot be read).
    pub fn of_machine() -> Capacity {
        let disk = nix::sys::statvfs::statvfs("/")
            .map(|s| i128::from(s.blocks()) * i128::from(s.fragment_size()))
            .unwrap_or(0);
        Capacity {
            cpu_milli: i128::from(crate::node::machine::cpus()) * 1000,
            memory_bytes: i128::from(crate::node::machine::memory_bytes()),
            ephemeral_bytes: disk,
        }
    }
}

/// A map as Kubernetes writes it to a file: `key="value"` lines sorted by
/// key, values quoted and escaped, no newline after the last.
pub fn format_map(m: &BTreeMap<String, String>) -> String {
    m.iter()
        .map(|(k, v)| format!("{k}={v:?}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The value of `fieldRef` `path` for `pod` (its status carrying the
/// node's address): a missing label or annotation is empty, as in
/// Kubernetes. `metadata.labels` and `metadata.annotations` whole (files
/// only) are [`format_map`]'s. The pod's IP is its node's when the status
/// has none (process pods share their node's network).
pub fn field_value(pod: &Pod, path: &str) -> String {
    let m = &pod.metadata;
    let quoted = |prefix: &str| {
        path.strip_prefix(prefix)
            .and_then(|r| r.strip_suffix("']"))
            .map(str::to_string)
    };
    let pod_ip = || {
        if pod.status.pod_ip.is_empty() {
            pod.status.host_ip.clone()
        } else {
            pod.status.pod_ip.clone()
        }
    };
    match path {
        "metadata.name" => m.name.clone(),
        "metadata.namespace" => m.namespace.clone(),
        "metadata.uid" => m.uid.clone(),
        "metadata.labels" => format_map(&m.labels),
        "metadata.annotations" => format_map(&m.annotations),
        "spec.nodeName" => pod.spec.node_name.clone(),
        "spec.serviceAccountName" if pod.spec.service_account_name.is_empty() => "default".into(),
        "spec.serviceAccountName" => pod.spec.service_account_name.clone(),
        "status.hostIP" | "status.hostIPs" => pod.status.host_ip.clone(),
        "status.podIP" | "status.podIPs" => pod_ip(),
        _ => {
            if let Some(k) = quoted("metadata.labels['") {
                m.labels.get(&k).cloned().unwrap_or_default()
            } else if let Some(k) = quoted("metadata.annotations['") {
                m.annotations.get(&k).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        }
    }
}

/// A volume's files: their bytes and mode.
pub type Files = BTreeMap<String, (Vec<u8>, u32)>;

/// The files of a `downwardAPI` volume or projection: each item at its
/// path, with its `mode` or `default_mode`.
pub fn files(
    pod: &Pod,
    items: &[DownwardApiFile],
    default_mode: u32,
    cap: &Capacity,
) -> Result<Files, String> {
    let mut out = Files::new();
    for it in items {
        let value = match (&it.field_ref, &it.resource_field_ref) {
            (Some(f), _) => field_value(pod, &f.field_path),
            (None, Some(r)) => resource_value(pod, &r.container_name, r, cap)?,
            (None, None) => {
                return Err(format!(
                    "downwardAPI item {:?} gives neither fieldRef nor resourceFieldRef",
                    it.path
                ));
            }
        };
        let mode = it.mode.map_or(default_mode, |m| m as u32 & 0o777);
        out.insert(it.path.clone(), (value.into_bytes(), mode));
    }
    Ok(out)
}

/// The value of `r` for container `own` of `pod` (`r.containerName` wins
/// when set), as the text a variable or file gets.
pub fn resource_value(
    pod: &Pod,
    own: &str,
    r: &ResourceFieldSelector,
    cap: &Capacity,
) -> Result<String, String> {
    let name = if r.container_name.is_empty() {
        own
    } else {
        r.container_name.as_str()
    };
    let c = pod
        .spec
        .container(name)
        .ok_or_else(|| format!("resourceFieldRef: the pod has no container {name:?}"))?;
    let (section, resource) = r
        .resource
        .split_once('.')
        .ok_or_else(|| format!("resourceFieldRef: unknown resource {:?}", r.resource))?;
    let set = match section {
        "limits" => c.resources.limits.get(resource),
        "requests" => c.resources.request(resource),
        _ => None,
    };
    // In thousandths (millicores for cpu; milli-bytes otherwise, as Quantity keeps them).
    let milli = match (set, section, resource) {
        (Some(q), _, _) => q.milli(),
        (None, "limits", "cpu") => cap.cpu_milli,
        (None, "limits", "memory") => cap.memory_bytes * 1000,
        (None, "limits", "ephemeral-storage") if cap.ephemeral_bytes > 0 => {
            cap.ephemeral_bytes * 1000
        }
        (None, "limits", "ephemeral-storage") => {
            return Err(format!(
                "resourceFieldRef limits.ephemeral-storage: container {name:?} sets no such limit and the node's disk size could not be read; set the limit"
            ));
        }
        (None, "limits", _) => {
            return Err(format!(
                "resourceFieldRef: unknown resource {:?}",
                r.resource
            ));
        }
        (None, _, _) => 0,
    };
    let divisor = r.divisor.as_ref().map_or(1000, |d| d.milli());
    if divisor <= 0 {
        return Err("resourceFieldRef: the divisor must be greater than zero".into());
    }
    // Rounded up, as Kubernetes rounds.
    Ok(((milli + divisor - 1).div_euclid(divisor)).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::testing::container;

    fn cap() -> Capacity {
        Capacity {
            cpu_milli: 4000,
            memory_bytes: 8 << 30,
            ephemeral_bytes: 100 << 30,
        }
    }

    fn pod() -> Pod {
        let mut p = Pod::test("p");
        let mut c = container("app");
        c.resources
            .requests
            .insert("cpu".into(), "250m".parse().unwrap());
        c.resources
            .requests
            .insert("memory".into(), "64Mi".parse().unwrap());
        c.resources
            .limits
            .insert("cpu".into(), "500m".parse().unwrap());
        c.resources
            .limits
            .insert("memory".into(), "128Mi".parse().unwrap());
        p.spec.containers = vec![c, container("bare")];
        p
    }

    fn value(container: &str, resource: &str, divisor: Option<&str>) -> String {
        let r = ResourceFieldSelector {
            container_name: String::new(),
            resource: resource.into(),
            divisor: divisor.map(|d| d.parse().unwrap()),
        };
        resource_value(&pod(), container, &r, &cap()).unwrap()
    }

    #[test]
    fn values_are_in_divisor_units_rounded_up_with_the_node_for_unset_limits() {
        for (c, resource, divisor, want) in [
            ("app", "limits.cpu", None, "1"),
            ("app", "limits.cpu", Some("1m"), "500"),
            ("app", "requests.cpu", Some("1m"), "250"),
            ("app", "limits.memory", None, "134217728"),
            ("app", "limits.memory", Some("1Mi"), "128"),
            ("app", "requests.memory", Some("1Mi"), "64"),
            ("bare", "limits.cpu", None, "4"),
            ("bare", "limits.memory", Some("1Gi"), "8"),
            ("bare", "requests.cpu", None, "0"),
            ("bare", "requests.memory", None, "0"),
            ("bare", "limits.ephemeral-storage", Some("1Gi"), "100"),
        ] {
            assert_eq!(
                value(c, resource, divisor),
                want,
                "{c} {resource} {divisor:?}"
            );
        }
    }

    #[test]
    fn a_named_container_wins_over_the_own_one() {
        let r = ResourceFieldSelector {
            container_name: "app".into(),
            resource: "limits.cpu".into(),
            divisor: Some("1m".parse().unwrap()),
        };
        assert_eq!(resource_value(&pod(), "bare", &r, &cap()).unwrap(), "500");
        let r = ResourceFieldSelector {
            container_name: "nope".into(),
            ..r
        };
        assert!(resource_value(&pod(), "bare", &r, &cap()).is_err());
    }

    fn labelled() -> Pod {
        let mut p = pod();
        p.metadata.namespace = "ns".into();
        p.metadata.uid = "u-1".into();
        p.metadata.labels.insert("app".into(), "web".into());
        p.metadata.labels.insert("tier".into(), "a \"b\"".into());
        p.metadata.annotations.insert("build".into(), "7".into());
        p.spec.node_name = "n1".into();
        p.status.host_ip = "10.0.0.5".into();
        p
    }

    #[test]
    fn every_field_the_downward_api_names_has_its_value() {
        let p = labelled();
        for (path, want) in [
            ("metadata.name", "p"),
            ("metadata.namespace", "ns"),
            ("metadata.uid", "u-1"),
            ("metadata.labels['app']", "web"),
            ("metadata.labels['nope']", ""),
            ("metadata.annotations['build']", "7"),
            ("metadata.labels", "app=\"web\"\ntier=\"a \\\"b\\\"\""),
            ("metadata.annotations", "build=\"7\""),
            ("spec.nodeName", "n1"),
            ("spec.serviceAccountName", "default"),
            ("status.hostIP", "10.0.0.5"),
            ("status.hostIPs", "10.0.0.5"),
            ("status.podIP", "10.0.0.5"),
            ("status.podIPs", "10.0.0.5"),
        ] {
            assert_eq!(field_value(&p, path), want, "{path}");
        }
        let mut q = p.clone();
        q.spec.service_account_name = "robot".into();
        q.status.pod_ip = "172.17.0.9".into();
        assert_eq!(field_value(&q, "spec.serviceAccountName"), "robot");
        assert_eq!(field_value(&q, "status.podIP"), "172.17.0.9");
    }

    #[test]
    fn volume_files_take_their_item_mode_or_the_default() {
        let item =
            |path: &str, field: Option<&str>, resource: Option<&str>, mode| DownwardApiFile {
                path: path.into(),
                field_ref: field.map(|f| crate::api::volume::ObjectFieldSelector {
                    api_version: String::new(),
                    field_path: f.into(),
                }),
                resource_field_ref: resource.map(|r| ResourceFieldSelector {
                    container_name: "app".into(),
                    resource: r.into(),
                    divisor: Some("1Mi".parse().unwrap()),
                }),
                mode,
            };
        let items = [
            item("labels", Some("metadata.labels"), None, None),
            item("sub/name", Some("metadata.name"), None, Some(0o600)),
            item("mem", None, Some("limits.memory"), None),
        ];
        let got = files(&labelled(), &items, 0o644, &cap()).unwrap();
        assert_eq!(
            got["labels"],
            (b"app=\"web\"\ntier=\"a \\\"b\\\"\"".to_vec(), 0o644)
        );
        assert_eq!(got["sub/name"], (b"p".to_vec(), 0o600));
        assert_eq!(got["mem"], (b"128".to_vec(), 0o644));
        assert!(files(&labelled(), &[item("x", None, None, None)], 0o644, &cap()).is_err());
    }
}
