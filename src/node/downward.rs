//! The downward API's resource values: a container's limit or request of
//! cpu, memory or ephemeral storage, in units of a divisor, rounded up, as
//! Kubernetes computes them (an unset limit is the node's capacity; an
//! unset request is the limit when there is one, else 0; an unset
//! ephemeral-storage limit is refused: ork does not measure the node's). Pure.

use crate::api::Pod;
use crate::api::volume::ResourceFieldSelector;

/// What the node has, for limits a container does not set.
#[derive(Clone, Copy, Debug)]
pub struct Capacity {
    pub cpu_milli: i128,
    pub memory_bytes: i128,
}

impl Capacity {
    /// This machine's CPUs and memory.
    pub fn of_machine() -> Capacity {
        Capacity {
            cpu_milli: i128::from(crate::node::machine::cpus()) * 1000,
            memory_bytes: i128::from(crate::node::machine::memory_bytes()),
        }
    }
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
        (None, "limits", "ephemeral-storage") => {
            return Err(format!(
                "resourceFieldRef limits.ephemeral-storage: container {name:?} sets no such limit and ork does not measure the node's ephemeral storage; set the limit"
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
}
