//! Who a container runs as, and which of its `securityContext` its runtime
//! applies: the pure decision ([`decide`]), table-tested, and the node's
//! pod users ([`PodUsers`], from `--pod-user` and `--allow-root-pods`).
//!
//! # Process containers
//!
//! They are host processes, so their user is all that keeps them from the
//! node's files. Each runs as `runAsUser`/`runAsGroup` (the container's over
//! the pod's), else as the node's pod user (`--pod-user`, default `nobody`).
//! A `runAsUser` without `runAsGroup` runs with `fsGroup`, else that user's
//! primary group, else `nogroup` (65534). Uid or gid 0 is refused unless
//! the node was started with `--allow-root-pods`, and always with
//! `runAsNonRoot: true`. The pod's `supplementalGroups` are the process's
//! only supplementary groups (`supplementalGroupsPolicy: Strict`; `Merge`
//! is refused). A node daemon that is not root can run pods only
//! as itself: asking for another user (or `fsGroup`, or supplementary
//! groups) is refused. `allowPrivilegeEscalation: false` sets no_new_privs;
//! `capabilities.drop` holds for a non-root process (it has none); adding
//! capabilities, a read-only root filesystem, `privileged`, `sysctls` and
//! any seccomp or AppArmor profile but `Unconfined` cannot be had and are
//! refused (`Unconfined` is what a process gets).
//!
//! # Docker containers
//!
//! They run as the image says unless `runAsUser` (and `runAsGroup`) say
//! otherwise; root inside a container needs no flag. `runAsNonRoot` without
//! `runAsUser` is checked against the image's user when the container
//! starts. Capabilities, no_new_privs, a read-only root filesystem, the
//! seccomp profile (a `Localhost` one read from `<data-dir>/seccomp`) and
//! the AppArmor profile are passed to the engine; `fsGroup` and `supplementalGroups` are
//! extra groups, with those the image gives the user (`Merge`; `Strict` is
//! refused). `privileged` makes a container root on the node, so it
//! needs `--allow-root-pods` as process pods running as root do. The pod's
//! `sysctls` are set on its sandbox, which owns its namespaces.
//!
//! A refusal is a message for the container's `CreateContainerConfigError`.
//!
//! This module must not import `control`, `cli` or `tui`.

use crate::api::pod::{Container, Pod};
use crate::api::security::{PodSecurityContext, SecurityContext, capability_name};
use std::collections::HashMap;

/// The group of a user ork knows nothing about: `nogroup`.
pub const NOGROUP: u32 = 65534;
/// The user pods run as by default.
pub const DEFAULT_POD_USER: &str = "nobody";

/// A user and group id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ids {
    pub uid: u32,
    pub gid: u32,
}

/// Who this node lets pods run as (its flags, resolved).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PodUsers {
    /// Who process containers run as when their pod names nobody.
    pub default: Ids,
    /// Whether uid or gid 0 may be asked for (`--allow-root-pods`).
    pub allow_root: bool,
    /// The node daemon's own user: unless it is root, pods run as it.
    pub daemon: Ids,
}

/// The user a container runs as: a uid, with a gid when one is given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct User {
    pub uid: u32,
    pub gid: Option<u32>,
}

/// What the runtime does for one container's security.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContainerSecurity {
    /// Who its processes run as; `None`: as the runtime would anyway (the
    /// image's user on Docker, the daemon's own user for a process).
    pub user: Option<User>,
    /// A group its processes belong to besides their own (Docker: `fsGroup`).
    pub extra_group: Option<u32>,
    /// The pod's `supplementalGroups`, which its processes belong to as well.
    pub supplemental_groups: Vec<u32>,
    /// Every capability and device of the host (Docker only, with
    /// `--allow-root-pods`).
    pub privileged: bool,
    /// Linux's no_new_privs (`allowPrivilegeEscalation: false`).
    pub no_new_privileges: bool,
    /// Capabilities added and dropped (names without `CAP_`).
    pub cap_add: Vec<String>,
    pub cap_drop: Vec<String>,
    pub read_only_root: bool,
    /// Its seccomp filter: the runtime's default unless the pod says otherwise.
    pub seccomp: Profile,
    /// The AppArmor profile it asks for; `None`: nothing asked (the
    /// runtime's default where the host has AppArmor).
    pub app_armor: Option<Profile>,
    /// The image's user must not be root (Docker: `runAsNonRoot` without `runAsUser`).
    pub require_non_root_image: bool,
}

/// A seccomp or AppArmor profile, as decided for one container.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Profile {
    /// The runtime's own (Docker's `default` seccomp filter, `docker-default`
    /// AppArmor profile).
    #[default]
    RuntimeDefault,
    /// None at all.
    Unconfined,
    /// The node's own: a seccomp file under `<data-dir>/seccomp`, or the
    /// name of an AppArmor profile loaded on the host.
    Localhost(String),
}

impl Profile {
    /// The profile a `type` and `localhostProfile` name (validation has
    /// checked them: an unknown type is the runtime's default).
    fn of(type_: &str, localhost: Option<&str>) -> Profile {
        match (type_, localhost) {
            ("Unconfined", _) => Profile::Unconfined,
            ("Localhost", Some(l)) => Profile::Localhost(l.to_string()),
            _ => Profile::RuntimeDefault,
        }
    }
}

/// Which kind of runtime runs the container.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    /// Host processes: the user is the only wall.
    Process,
    /// Containers of an engine.
    Docker,
    /// Runs nothing.
    Fake,
}

impl Flavor {
    /// The flavor of a runtime by its name.
    pub fn of(runtime: &str) -> Flavor {
        match runtime {
            "process" => Flavor::Process,
            "docker" => Flavor::Docker,
            _ => Flavor::Fake,
        }
    }
}

fn id(v: i64, field: &str) -> Result<u32, String> {
    u32::try_from(v).map_err(|_| format!("{field} {v} is not a valid id"))
}

/// The container's setting, else the pod's.
fn pick<T: Copy>(
    c: Option<&SecurityContext>,
    p: Option<&PodSecurityContext>,
    fc: fn(&SecurityContext) -> Option<T>,
    fp: fn(&PodSecurityContext) -> Option<T>,
) -> Option<T> {
    c.and_then(fc).or_else(|| p.and_then(fp))
}

/// Decides who container `c` of a pod with security context `pod_sc` runs
/// as and what its runtime applies (see the module docs). `primary_group`
/// gives a uid's group from the node's user database. `Err` says why the
/// container cannot start as asked, naming what to change.
pub fn decide(
    pod_sc: Option<&PodSecurityContext>,
    c_sc: Option<&SecurityContext>,
    flavor: Flavor,
    users: &PodUsers,
    primary_group: &dyn Fn(u32) -> Option<u32>,
) -> Result<ContainerSecurity, String> {
    if flavor == Flavor::Fake {
        return Ok(ContainerSecurity::default());
    }
    let uid = pick(c_sc, pod_sc, |c| c.run_as_user, |p| p.run_as_user)
        .map(|v| id(v, "runAsUser"))
        .transpose()?;
    let gid = pick(c_sc, pod_sc, |c| c.run_as_group, |p| p.run_as_group)
        .map(|v| id(v, "runAsGroup"))
        .transpose()?;
    let fs_group = pod_sc
        .and_then(|p| p.fs_group)
        .map(|v| id(v, "fsGroup"))
        .transpose()?;
    let non_root = pick(c_sc, pod_sc, |c| c.run_as_non_root, |p| p.run_as_non_root) == Some(true);
    let supplemental_groups = pod_sc
        .and_then(|p| p.supplemental_groups.as_ref())
        .into_iter()
        .flatten()
        .map(|g| id(*g, "supplementalGroups"))
        .collect::<Result<Vec<u32>, String>>()?;
    let c = c_sc.cloned().unwrap_or_default();
    let privileged = c.privileged == Some(true);
    let caps = c.capabilities.clone().unwrap_or_default();
    let norm = |v: &[String]| v.iter().map(|n| capability_name(n)).collect::<Vec<_>>();
    let seccomp = c
        .seccomp_profile
        .as_ref()
        .or_else(|| pod_sc.and_then(|p| p.seccomp_profile.as_ref()))
        .map(|p| Profile::of(&p.type_, p.localhost_profile.as_deref()));
    let app_armor = c
        .app_armor_profile
        .as_ref()
        .or_else(|| pod_sc.and_then(|p| p.app_armor_profile.as_ref()))
        .map(|p| Profile::of(&p.type_, p.localhost_profile.as_deref()));
    let mut out = ContainerSecurity {
        no_new_privileges: c.allow_privilege_escalation == Some(false),
        cap_add: norm(&caps.add),
        cap_drop: norm(&caps.drop),
        read_only_root: c.read_only_root_filesystem == Some(true),
        seccomp: seccomp.clone().unwrap_or_default(),
        app_armor: app_armor.clone(),
        supplemental_groups,
        ..Default::default()
    };
    if flavor == Flavor::Docker {
        if non_root && uid == Some(0) {
            return Err(RUN_AS_USER_BREAKS_NON_ROOT.into());
        }
        if privileged && !users.allow_root {
            return Err("privileged: a privileged container is root on the node itself; this node runs one only when started with --allow-root-pods (or add only the capabilities the container needs)".into());
        }
        out.privileged = privileged;
        if policy(pod_sc) == Some("Strict") {
            return Err("supplementalGroupsPolicy Strict: the docker runtime always adds the groups the image's /etc/group gives the user (Merge); remove it or use the process runtime".into());
        }
        if gid.is_some() && uid.is_none() {
            return Err(
                "runAsGroup without runAsUser: the docker runtime needs both (add runAsUser)"
                    .into(),
            );
        }
        out.user = uid.map(|uid| User { uid, gid });
        out.extra_group = fs_group;
        out.require_non_root_image = non_root && uid.is_none();
        return Ok(out);
    }
    // A process: the user is all that keeps it from the node.
    if privileged {
        return Err("privileged is not supported by the process runtime (its containers are plain processes of a user): remove it or use the docker runtime (runtimeClassName: docker)".into());
    }
    if pod_sc
        .and_then(|p| p.sysctls.as_ref())
        .is_some_and(|s| !s.is_empty())
    {
        return Err("sysctls are not supported by the process runtime (its pods share the node's kernel namespaces): remove them or use the docker runtime (runtimeClassName: docker)".into());
    }
    if policy(pod_sc) == Some("Merge") {
        return Err("supplementalGroupsPolicy Merge: the process runtime gives a container only the groups its pod names (Strict); use Strict or the docker runtime (runtimeClassName: docker)".into());
    }
    if users.daemon.uid != 0 && !out.supplemental_groups.is_empty() {
        return Err(format!(
            "supplementalGroups {:?}: this node's daemon is not root, so its pods run as its own user and groups; remove supplementalGroups",
            out.supplemental_groups
        ));
    }
    let ids = if users.daemon.uid != 0 {
        let d = users.daemon;
        for (field, asked, own) in [
            ("runAsUser", uid, d.uid),
            ("runAsGroup", gid, d.gid),
            ("fsGroup", fs_group, d.gid),
        ] {
            if let Some(v) = asked.filter(|v| *v != own) {
                return Err(format!(
                    "{field} {v}: this node's daemon is not root, so its pods run as its own user (uid {}, gid {}); remove {field} or set it to {own}",
                    d.uid, d.gid
                ));
            }
        }
        d
    } else {
        let uid_v = uid.unwrap_or(users.default.uid);
        let gid_v = match (gid, uid) {
            (Some(g), _) => g,
            (None, _) if fs_group.is_some() => fs_group.unwrap_or(NOGROUP),
            (None, Some(u)) => primary_group(u).unwrap_or(NOGROUP),
            (None, None) => users.default.gid,
        };
        Ids {
            uid: uid_v,
            gid: gid_v,
        }
    };
    if ids.uid == 0 && non_root {
        if uid.is_some() {
            return Err(RUN_AS_USER_BREAKS_NON_ROOT.into());
        }
        return Err(format!(
            "{RUN_AS_NON_ROOT_IMAGE_ROOT}: this node's pod user (--pod-user) is root; give the container a non-zero runAsUser"
        ));
    }
    let root_group = out.supplemental_groups.contains(&0);
    if (ids.uid == 0 || ids.gid == 0 || root_group) && !users.allow_root && users.daemon.uid == 0 {
        let what = if ids.uid == 0 {
            "uid 0 (root)"
        } else if root_group && ids.gid != 0 {
            "a member of group 0 (root's group, in supplementalGroups)"
        } else {
            "gid 0 (root's group)"
        };
        return Err(format!(
            "the container would run as {what} on the node itself; this node runs pods as root only when started with --allow-root-pods (or give a non-zero runAsUser and runAsGroup)"
        ));
    }
    if !out.cap_add.is_empty() {
        return Err(format!(
            "capabilities.add ({}) is not supported by the process runtime: its containers are plain processes of a user; use the docker runtime (runtimeClassName: docker)",
            out.cap_add.join(", ")
        ));
    }
    if !out.cap_drop.is_empty() && ids.uid == 0 {
        return Err("capabilities.drop cannot be applied to a process container running as root: give it a non-zero runAsUser (a non-root process has no capabilities)".into());
    }
    if out.read_only_root {
        return Err("readOnlyRootFilesystem is not supported by the process runtime (its containers share the node's filesystem): remove it or use the docker runtime (runtimeClassName: docker)".into());
    }
    match seccomp {
        Some(Profile::RuntimeDefault) => return Err("seccompProfile RuntimeDefault: the process runtime applies no seccomp profile; use type Unconfined or the docker runtime (runtimeClassName: docker)".into()),
        Some(Profile::Localhost(_)) => return Err("seccompProfile Localhost: the process runtime applies no seccomp profile; use type Unconfined or the docker runtime (runtimeClassName: docker)".into()),
        _ => {}
    }
    match app_armor {
        Some(Profile::RuntimeDefault) => return Err("appArmorProfile RuntimeDefault: the process runtime applies no AppArmor profile; use type Unconfined or the docker runtime (runtimeClassName: docker)".into()),
        Some(Profile::Localhost(_)) => return Err("appArmorProfile Localhost: the process runtime applies no AppArmor profile; use type Unconfined or the docker runtime (runtimeClassName: docker)".into()),
        _ => {}
    }
    out.seccomp = Profile::Unconfined;
    // Nothing to drop: a process of a non-root user holds no capabilities.
    out.cap_drop.clear();
    out.user = Some(User {
        uid: ids.uid,
        gid: Some(ids.gid),
    });
    Ok(out)
}

fn policy(pod_sc: Option<&PodSecurityContext>) -> Option<&str> {
    pod_sc.and_then(|p| p.supplemental_groups_policy.as_deref())
}

/// Kubernetes' refusal of `runAsNonRoot` with `runAsUser: 0`.
pub const RUN_AS_USER_BREAKS_NON_ROOT: &str = "container's runAsUser breaks non-root policy: runAsNonRoot is true but runAsUser is 0; give the container a non-zero runAsUser";

/// The start of Kubernetes' refusal of `runAsNonRoot` when the container
/// would run as root without asking.
pub const RUN_AS_NON_ROOT_IMAGE_ROOT: &str =
    "container has runAsNonRoot and image will run as root";

/// [`decide`] for every container of `pod`, by name; the first refusal,
/// naming its container.
pub fn decide_pod(
    pod: &Pod,
    flavor: Flavor,
    users: &PodUsers,
    primary_group: &dyn Fn(u32) -> Option<u32>,
) -> Result<HashMap<String, ContainerSecurity>, String> {
    let pod_sc = pod.spec.security_context.as_ref();
    pod.spec
        .all_containers()
        .map(|c: &Container| {
            decide(
                pod_sc,
                c.security_context.as_ref(),
                flavor,
                users,
                primary_group,
            )
            .map(|s| (c.name.clone(), s))
            .map_err(|e| format!("container {:?}: {e}", c.name))
        })
        .collect()
}

/// Who owns the files of volume `volume` (configMap and secret files, the
/// directories ork makes): the user of the first container that mounts it
/// (root when its runtime picks the user), in `fsGroup` when the pod has one.
pub fn volume_owner(
    pod: &Pod,
    securities: &HashMap<String, ContainerSecurity>,
    volume: &str,
) -> Ids {
    let user = pod
        .spec
        .all_containers()
        .filter(|c| c.volume_mounts.iter().any(|m| m.name == volume))
        .find_map(|c| securities.get(&c.name))
        .and_then(|s| s.user);
    let fs_group = pod
        .spec
        .security_context
        .as_ref()
        .and_then(|p| p.fs_group)
        .and_then(|g| u32::try_from(g).ok());
    Ids {
        uid: user.map_or(0, |u| u.uid),
        gid: fs_group.or(user.and_then(|u| u.gid)).unwrap_or(0),
    }
}

/// `--pod-user` as written: a name or a uid, with an optional group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UserSpec {
    Name(String, Option<String>),
    Id(u32, Option<String>),
}

/// Parses `USER|UID[:GROUP|GID]`.
pub fn parse_user(s: &str) -> Result<UserSpec, String> {
    let (user, group) = match s.split_once(':') {
        Some((u, g)) => (u.trim(), Some(g.trim())),
        None => (s.trim(), None),
    };
    if user.is_empty() || group.is_some_and(str::is_empty) {
        return Err(format!("{s:?}: expected USER, UID, USER:GROUP or UID:GID"));
    }
    let group = group.map(str::to_string);
    Ok(match user.parse::<u32>() {
        Ok(uid) => UserSpec::Id(uid, group),
        Err(_) => UserSpec::Name(user.to_string(), group),
    })
}

/// A uid's primary group from the node's user database.
pub fn primary_group(uid: u32) -> Option<u32> {
    nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid))
        .ok()
        .flatten()
        .map(|u| u.gid.as_raw())
}

fn group_id(g: &str) -> Result<u32, String> {
    if let Ok(gid) = g.parse::<u32>() {
        return Ok(gid);
    }
    nix::unistd::Group::from_name(g)
        .ok()
        .flatten()
        .map(|g| g.gid.as_raw())
        .ok_or_else(|| format!("no group {g:?} on this machine"))
}

impl PodUsers {
    /// The pod users of a node daemon running as `daemon`, from
    /// `--pod-user` (`None`: `nobody`) and `--allow-root-pods`.
    pub fn resolve(pod_user: Option<&str>, allow_root: bool, daemon: Ids) -> Result<Self, String> {
        let asked = match pod_user {
            Some(s) => Some(lookup(
                &parse_user(s).map_err(|e| format!("--pod-user {e}"))?,
            )?),
            None => None,
        };
        if daemon.uid != 0 {
            if let Some(ids) = asked.filter(|ids| *ids != daemon) {
                return Err(format!(
                    "--pod-user {}: the node daemon runs as uid {} (gid {}), not root, so its pods can only run as that user; start it as root to run pods as {}:{}",
                    pod_user.unwrap_or_default(),
                    daemon.uid,
                    daemon.gid,
                    ids.uid,
                    ids.gid
                ));
            }
            return Ok(PodUsers {
                default: daemon,
                allow_root,
                daemon,
            });
        }
        let default = match asked {
            Some(ids) => ids,
            None => lookup(&UserSpec::Name(DEFAULT_POD_USER.into(), None)).unwrap_or(Ids {
                uid: 65534,
                gid: NOGROUP,
            }),
        };
        if (default.uid == 0 || default.gid == 0) && !allow_root {
            return Err(format!(
                "--pod-user {}: running pods as root (uid or gid 0) needs --allow-root-pods",
                pod_user.unwrap_or_default()
            ));
        }
        Ok(PodUsers {
            default,
            allow_root,
            daemon,
        })
    }

    /// The node daemon's own user and group.
    pub fn current_ids() -> Ids {
        Ids {
            uid: nix::unistd::getuid().as_raw(),
            gid: nix::unistd::getgid().as_raw(),
        }
    }
}

/// The ids of a user spec, through the node's user database.
fn lookup(spec: &UserSpec) -> Result<Ids, String> {
    let (uid, passwd_gid, group) = match spec {
        UserSpec::Id(uid, group) => (*uid, primary_group(*uid), group),
        UserSpec::Name(name, group) => {
            let u = nix::unistd::User::from_name(name)
                .ok()
                .flatten()
                .ok_or_else(|| format!("--pod-user: no user {name:?} on this machine"))?;
            (u.uid.as_raw(), Some(u.gid.as_raw()), group)
        }
    };
    let gid = match group {
        Some(g) => group_id(g).map_err(|e| format!("--pod-user: {e}"))?,
        None => passwd_gid.unwrap_or(NOGROUP),
    };
    Ok(Ids { uid, gid })
}

#[cfg(test)]
mod tests;
