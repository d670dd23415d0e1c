//! `securityContext` of pods and containers: which user a container runs as
//! (`runAsUser`, `runAsGroup`, `runAsNonRoot`, and the pod's `fsGroup` for
//! volume ownership), and the container settings ork applies
//! (`allowPrivilegeEscalation`, `readOnlyRootFilesystem`, `capabilities`,
//! `seccompProfile`, `appArmorProfile`, `privileged`, `procMount:
//! Default`), the pod's
//! `supplementalGroups` and its `sysctls` (Kubernetes' safe set).
//!
//! Every other field Kubernetes knows is decoded, so that a manifest naming
//! it gets a refusal that names it ([`PodSecurityContext::unsupported`],
//! [`SecurityContext::unsupported`]) instead of "unknown field", and is never
//! silently dropped. Which settings a node can honour for a given runtime is
//! the node's decision, not this module's.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Largest user or group id Kubernetes accepts.
pub const MAX_ID: i64 = 2_147_483_647;

/// The pod-wide security settings; a container's own override them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PodSecurityContext {
    /// The user id the pod's containers run as (the node's pod user when unset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_as_user: Option<i64>,
    /// The group id the pod's containers run as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_as_group: Option<i64>,
    /// Refuse to start a container that would run as uid 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_as_non_root: Option<bool>,
    /// The group that owns the pod's volumes (and, when `runAsGroup` is
    /// unset, the group its process containers run as).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fs_group: Option<i64>,
    /// The default seccomp profile of the pod's containers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seccomp_profile: Option<SeccompProfile>,
    /// Groups the pod's containers belong to besides their own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supplemental_groups: Option<Vec<i64>>,
    /// `Merge` (the image's groups of the user too) or `Strict` (only the
    /// groups the pod names); which one a runtime can honour is the node's
    /// decision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supplemental_groups_policy: Option<String>,
    /// Not supported by ork yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fs_group_change_policy: Option<serde_json::Value>,
    /// Namespaced kernel parameters of the pod (Kubernetes' safe set only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sysctls: Option<Vec<Sysctl>>,
    /// Not supported by ork yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub se_linux_options: Option<serde_json::Value>,
    /// Not supported by ork yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub se_linux_change_policy: Option<serde_json::Value>,
    /// The default AppArmor profile of the pod's containers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_armor_profile: Option<AppArmorProfile>,
    /// Not supported by ork (Linux only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub windows_options: Option<serde_json::Value>,
}

/// One container's security settings.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SecurityContext {
    /// The user id the container runs as (over the pod's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_as_user: Option<i64>,
    /// The group id the container runs as (over the pod's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_as_group: Option<i64>,
    /// Refuse to start the container if it would run as uid 0 (over the pod's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_as_non_root: Option<bool>,
    /// `false`: the container's processes can never gain privileges
    /// (setuid binaries, file capabilities): Linux's no_new_privs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_privilege_escalation: Option<bool>,
    /// The container's root filesystem is mounted read-only (docker runtime).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_only_root_filesystem: Option<bool>,
    /// Every capability and device of the host (docker runtime only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privileged: Option<bool>,
    /// Linux capabilities to add or drop.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capabilities: Option<Capabilities>,
    /// The container's seccomp profile (over the pod's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seccomp_profile: Option<SeccompProfile>,
    /// Only `Default`: the runtime's masked /proc (`Unmasked` is refused).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proc_mount: Option<String>,
    /// Not supported by ork yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub se_linux_options: Option<serde_json::Value>,
    /// The container's AppArmor profile (over the pod's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_armor_profile: Option<AppArmorProfile>,
    /// Not supported by ork (Linux only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub windows_options: Option<serde_json::Value>,
}

/// Capabilities added to or dropped from the runtime's default set, by
/// name (`NET_BIND_SERVICE` or `CAP_NET_BIND_SERVICE`; `ALL`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Capabilities {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub add: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub drop: Vec<String>,
}

/// A seccomp profile: `RuntimeDefault`, `Unconfined` or `Localhost`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeccompProfile {
    #[serde(rename = "type")]
    pub type_: String,
    /// The profile file of a `Localhost` profile, relative to the node's
    /// seccomp directory (`<data-dir>/seccomp`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub localhost_profile: Option<String>,
}

/// An AppArmor profile: `RuntimeDefault`, `Unconfined` or `Localhost`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AppArmorProfile {
    #[serde(rename = "type")]
    pub type_: String,
    /// The name of a `Localhost` profile, as loaded on the node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub localhost_profile: Option<String>,
}

/// The prefix of the annotations that named a container's AppArmor
/// profile before `appArmorProfile` (the container's name follows it).
pub const APP_ARMOR_ANNOTATION: &str = "container.apparmor.security.beta.kubernetes.io/";

/// The profile an AppArmor annotation's value names: `runtime/default`,
/// `unconfined` or `localhost/<name>`; `None` for anything else.
pub fn app_armor_from_annotation(value: &str) -> Option<AppArmorProfile> {
    let profile = |type_: &str, localhost: Option<&str>| AppArmorProfile {
        type_: type_.into(),
        localhost_profile: localhost.map(Into::into),
    };
    match value {
        "runtime/default" => Some(profile("RuntimeDefault", None)),
        "unconfined" => Some(profile("Unconfined", None)),
        v => v
            .strip_prefix("localhost/")
            .filter(|n| !n.trim().is_empty())
            .map(|n| profile("Localhost", Some(n))),
    }
}

/// Gives each container an AppArmor annotation names the profile it
/// names, unless the container has its own `appArmorProfile`, as
/// Kubernetes does when a pod is created.
pub fn sync_app_armor_annotations(pod: &mut super::pod::Pod) {
    let annotations = &pod.metadata.annotations;
    let spec = &mut pod.spec;
    for c in spec.init_containers.iter_mut().chain(&mut spec.containers) {
        let Some(profile) = annotations
            .get(&format!("{APP_ARMOR_ANNOTATION}{}", c.name))
            .and_then(|v| app_armor_from_annotation(v))
        else {
            continue;
        };
        c.security_context
            .get_or_insert_with(Default::default)
            .app_armor_profile
            .get_or_insert(profile);
    }
}

/// One kernel parameter of a pod.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Sysctl {
    pub name: String,
    pub value: String,
}

/// The sysctls Kubernetes deems safe: namespaced, so a pod setting them
/// affects no other pod or the node. Any other is refused by name.
pub const SAFE_SYSCTLS: &[&str] = &[
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
];

/// Whether `name` is one of [`SAFE_SYSCTLS`] (`/` as separator accepted, as
/// Kubernetes does).
pub fn is_safe_sysctl(name: &str) -> bool {
    SAFE_SYSCTLS.contains(&name.replace('/', ".").as_str())
}

/// A field ork refuses, with what to do instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unsupported {
    /// The field's name as written in a manifest.
    pub field: &'static str,
    pub instead: &'static str,
}

impl PodSecurityContext {
    /// The fields set here that ork does not implement.
    pub fn unsupported(&self) -> Vec<Unsupported> {
        let set = [
            (
                self.fs_group_change_policy.is_some(),
                "fsGroupChangePolicy",
                "remove it; ork sets the group of a pod's volumes when it writes them",
            ),
            (
                self.se_linux_options.is_some(),
                "seLinuxOptions",
                "remove it",
            ),
            (
                self.se_linux_change_policy.is_some(),
                "seLinuxChangePolicy",
                "remove it",
            ),
            (
                self.windows_options.is_some(),
                "windowsOptions",
                "remove it: ork runs Linux containers only",
            ),
        ];
        set.into_iter()
            .filter(|(on, _, _)| *on)
            .map(|(_, field, instead)| Unsupported { field, instead })
            .collect()
    }
}

impl SecurityContext {
    /// The fields set here that ork does not implement.
    pub fn unsupported(&self) -> Vec<Unsupported> {
        let set = [
            (
                self.proc_mount.as_deref().is_some_and(|m| m != "Default"),
                "procMount",
                "only Default is supported: containers get the runtime's masked /proc",
            ),
            (
                self.se_linux_options.is_some(),
                "seLinuxOptions",
                "remove it",
            ),
            (
                self.windows_options.is_some(),
                "windowsOptions",
                "remove it: ork runs Linux containers only",
            ),
        ];
        set.into_iter()
            .filter(|(on, _, _)| *on)
            .map(|(_, field, instead)| Unsupported { field, instead })
            .collect()
    }
}

/// `NET_ADMIN` for `CAP_NET_ADMIN` or `net_admin`: the name Docker and
/// Kubernetes both accept, uppercase without the prefix.
pub fn capability_name(name: &str) -> String {
    let upper = name.trim().to_ascii_uppercase();
    upper
        .strip_prefix("CAP_")
        .map(str::to_string)
        .unwrap_or(upper)
}

/// The capabilities Linux knows (without `CAP_`), and `ALL`.
pub const CAPABILITIES: &[&str] = &[
    "ALL",
    "AUDIT_CONTROL",
    "AUDIT_READ",
    "AUDIT_WRITE",
    "BLOCK_SUSPEND",
    "BPF",
    "CHECKPOINT_RESTORE",
    "CHOWN",
    "DAC_OVERRIDE",
    "DAC_READ_SEARCH",
    "FOWNER",
    "FSETID",
    "IPC_LOCK",
    "IPC_OWNER",
    "KILL",
    "LEASE",
    "LINUX_IMMUTABLE",
    "MAC_ADMIN",
    "MAC_OVERRIDE",
    "MKNOD",
    "NET_ADMIN",
    "NET_BIND_SERVICE",
    "NET_BROADCAST",
    "NET_RAW",
    "PERFMON",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYSLOG",
    "SYS_ADMIN",
    "SYS_BOOT",
    "SYS_CHROOT",
    "SYS_MODULE",
    "SYS_NICE",
    "SYS_PACCT",
    "SYS_PTRACE",
    "SYS_RAWIO",
    "SYS_RESOURCE",
    "SYS_TIME",
    "SYS_TTY_CONFIG",
    "WAKE_ALARM",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capability_names_lose_their_prefix_and_case() {
        assert_eq!(capability_name("CAP_NET_ADMIN"), "NET_ADMIN");
        assert_eq!(capability_name("net_bind_service"), "NET_BIND_SERVICE");
        assert_eq!(capability_name("ALL"), "ALL");
    }

    #[test]
    fn fields_ork_does_not_implement_are_named_with_what_to_do() {
        let sc: SecurityContext = serde_json::from_value(serde_json::json!({
            "runAsUser": 1000,
            "procMount": "Unmasked",
            "seLinuxOptions": {"level": "s0:c123,c456"},
        }))
        .unwrap();
        let names: Vec<&str> = sc.unsupported().iter().map(|u| u.field).collect();
        assert_eq!(names, vec!["procMount", "seLinuxOptions"]);
        let default: SecurityContext =
            serde_json::from_value(serde_json::json!({"procMount": "Default"})).unwrap();
        assert!(default.unsupported().is_empty());
        let pod: PodSecurityContext = serde_json::from_value(serde_json::json!({
            "fsGroup": 2000,
            "supplementalGroups": [4000],
            "sysctls": [{"name": "net.core.somaxconn", "value": "1024"}],
            "appArmorProfile": {"type": "RuntimeDefault"},
            "seLinuxOptions": {"level": "s0:c123,c456"},
        }))
        .unwrap();
        let u = pod.unsupported();
        assert_eq!(u.len(), 1);
        assert_eq!(u[0].field, "seLinuxOptions");
    }

    #[test]
    fn app_armor_annotations_become_the_containers_profiles() {
        let mut pod: super::super::pod::Pod = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "p", "annotations": {
                "container.apparmor.security.beta.kubernetes.io/a": "localhost/k8s-apparmor-example-deny-write",
                "container.apparmor.security.beta.kubernetes.io/b": "runtime/default",
                "container.apparmor.security.beta.kubernetes.io/c": "bogus",
            }},
            "spec": {"containers": [
                {"name": "a"},
                {"name": "b", "securityContext": {"appArmorProfile": {"type": "Unconfined"}}},
                {"name": "c"},
            ]}
        }))
        .unwrap();
        sync_app_armor_annotations(&mut pod);
        let of = |i: usize| {
            pod.spec.containers[i]
                .security_context
                .as_ref()
                .and_then(|s| s.app_armor_profile.clone())
                .map(|p| (p.type_, p.localhost_profile))
        };
        assert_eq!(
            of(0),
            Some((
                "Localhost".into(),
                Some("k8s-apparmor-example-deny-write".into())
            ))
        );
        assert_eq!(of(1), Some(("Unconfined".into(), None)), "the field wins");
        assert_eq!(
            of(2),
            None,
            "validation refuses a bad value; nothing is made of it"
        );
        assert_eq!(
            app_armor_from_annotation("unconfined").unwrap().type_,
            "Unconfined"
        );
        assert_eq!(app_armor_from_annotation("localhost/"), None);
    }

    #[test]
    fn only_kubernetes_safe_sysctls_are_safe() {
        assert!(is_safe_sysctl("net.ipv4.ip_local_port_range"));
        assert!(is_safe_sysctl("kernel/shm_rmid_forced"));
        assert!(!is_safe_sysctl("net.core.somaxconn"));
        assert!(!is_safe_sysctl("kernel.msgmax"));
    }
}
