use super::*;
use serde_json::{Value, json};

const ROOT_DAEMON: Ids = Ids { uid: 0, gid: 0 };
const NOBODY: Ids = Ids {
    uid: 65534,
    gid: 65534,
};

fn users(allow_root: bool) -> PodUsers {
    PodUsers {
        default: NOBODY,
        allow_root,
        daemon: ROOT_DAEMON,
    }
}

/// uid 1000 is `app` with group 1000 in this node's user database.
fn passwd(uid: u32) -> Option<u32> {
    (uid == 1000 || uid == 0).then_some(uid)
}

fn run(
    pod: Value,
    c: Value,
    flavor: Flavor,
    users: &PodUsers,
) -> Result<ContainerSecurity, String> {
    let pod: Option<PodSecurityContext> = serde_json::from_value(pod).unwrap();
    let c: Option<SecurityContext> = serde_json::from_value(c).unwrap();
    decide(pod.as_ref(), c.as_ref(), flavor, users, &passwd)
}

fn user(uid: u32, gid: u32) -> Option<User> {
    Some(User {
        uid,
        gid: Some(gid),
    })
}

#[test]
fn process_containers_run_as_the_pod_user_unless_their_context_says_otherwise() {
    let n = Value::Null;
    // (pod context, container context, allow root, the user or the refusal's key words)
    type Case = (Value, Value, bool, Result<Option<User>, &'static str>);
    let cases: Vec<Case> = vec![
        // Nothing asked: the node's pod user.
        (n.clone(), n.clone(), false, Ok(user(65534, 65534))),
        (json!({}), json!({}), false, Ok(user(65534, 65534))),
        // The pod's, then the container's over it.
        (
            json!({"runAsUser": 1000}),
            n.clone(),
            false,
            Ok(user(1000, 1000)),
        ),
        (
            json!({"runAsUser": 1000}),
            json!({"runAsUser": 2000}),
            false,
            Ok(user(2000, 65534)),
        ),
        (
            json!({"runAsUser": 1000, "runAsGroup": 3000}),
            json!({"runAsUser": 2000}),
            false,
            Ok(user(2000, 3000)),
        ),
        (
            json!({"runAsGroup": 3000}),
            json!({"runAsGroup": 4000}),
            false,
            Ok(user(65534, 4000)),
        ),
        // fsGroup is the group when runAsGroup is unset.
        (
            json!({"runAsUser": 1000, "fsGroup": 5000}),
            n.clone(),
            false,
            Ok(user(1000, 5000)),
        ),
        (
            json!({"fsGroup": 5000}),
            json!({"runAsGroup": 6000}),
            false,
            Ok(user(65534, 6000)),
        ),
        (
            json!({"fsGroup": 5000}),
            n.clone(),
            false,
            Ok(user(65534, 5000)),
        ),
        // Root only with --allow-root-pods, and never with runAsNonRoot.
        (
            json!({"runAsUser": 0}),
            n.clone(),
            false,
            Err("--allow-root-pods"),
        ),
        (n.clone(), json!({"runAsUser": 0}), true, Ok(user(0, 0))),
        (
            n.clone(),
            json!({"runAsUser": 1000, "runAsGroup": 0}),
            false,
            Err("gid 0"),
        ),
        (
            json!({"runAsNonRoot": true}),
            json!({"runAsUser": 0}),
            true,
            Err("runAsNonRoot"),
        ),
        (
            json!({"runAsNonRoot": true, "runAsUser": 0}),
            json!({"runAsUser": 7}),
            false,
            Ok(user(7, 65534)),
        ),
        (
            json!({"runAsNonRoot": true}),
            n.clone(),
            false,
            Ok(user(65534, 65534)),
        ),
        // What a process can honour, and what it cannot.
        (
            n.clone(),
            json!({"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}}),
            false,
            Ok(user(65534, 65534)),
        ),
        (
            n.clone(),
            json!({"runAsUser": 0, "capabilities": {"drop": ["ALL"]}}),
            true,
            Err("capabilities.drop"),
        ),
        (
            n.clone(),
            json!({"capabilities": {"add": ["NET_ADMIN"]}}),
            false,
            Err("capabilities.add (NET_ADMIN)"),
        ),
        (
            n.clone(),
            json!({"readOnlyRootFilesystem": true}),
            false,
            Err("readOnlyRootFilesystem"),
        ),
        (
            json!({"seccompProfile": {"type": "RuntimeDefault"}}),
            n.clone(),
            false,
            Err("RuntimeDefault"),
        ),
        (
            json!({"seccompProfile": {"type": "RuntimeDefault"}}),
            json!({"seccompProfile": {"type": "Unconfined"}}),
            false,
            Ok(user(65534, 65534)),
        ),
        (
            n.clone(),
            json!({"seccompProfile": {"type": "Localhost", "localhostProfile": "p.json"}}),
            false,
            Err("seccompProfile Localhost: the process runtime applies no seccomp profile"),
        ),
        (
            json!({"appArmorProfile": {"type": "RuntimeDefault"}}),
            n.clone(),
            false,
            Err("appArmorProfile RuntimeDefault: the process runtime applies no AppArmor profile"),
        ),
        (
            json!({"appArmorProfile": {"type": "RuntimeDefault"}}),
            json!({"appArmorProfile": {"type": "Localhost", "localhostProfile": "x"}}),
            false,
            Err("appArmorProfile Localhost"),
        ),
        (
            json!({"appArmorProfile": {"type": "RuntimeDefault"}}),
            json!({"appArmorProfile": {"type": "Unconfined"}}),
            false,
            Ok(user(65534, 65534)),
        ),
        (
            n.clone(),
            json!({"privileged": true}),
            true,
            Err("privileged is not supported by the process runtime"),
        ),
        (
            json!({"sysctls": [{"name": "net.ipv4.tcp_syncookies", "value": "1"}]}),
            n.clone(),
            true,
            Err("sysctls are not supported by the process runtime"),
        ),
        // Supplementary groups are the pod's; group 0 only with root allowed.
        (
            json!({"supplementalGroups": [4000, 5000]}),
            json!({"runAsUser": 1000}),
            false,
            Ok(user(1000, 1000)),
        ),
        (
            json!({"supplementalGroups": [4000], "supplementalGroupsPolicy": "Strict"}),
            n.clone(),
            false,
            Ok(user(65534, 65534)),
        ),
        (
            json!({"supplementalGroups": [4000], "supplementalGroupsPolicy": "Merge"}),
            n.clone(),
            false,
            Err("supplementalGroupsPolicy Merge"),
        ),
        (
            json!({"supplementalGroups": [0]}),
            n.clone(),
            false,
            Err("group 0 (root's group, in supplementalGroups)"),
        ),
    ];
    for (pod, c, allow_root, want) in cases {
        let got = run(pod.clone(), c.clone(), Flavor::Process, &users(allow_root));
        match (&got, &want) {
            (Ok(s), Ok(u)) => assert_eq!(&s.user, u, "pod {pod}, container {c}"),
            (Err(e), Err(words)) => assert!(e.contains(words), "pod {pod}, container {c}: {e}"),
            _ => panic!("pod {pod}, container {c}: got {got:?}, want {want:?}"),
        }
    }
}

#[test]
fn a_process_gets_no_new_privileges_when_escalation_is_not_allowed() {
    let s = run(
        Value::Null,
        json!({"allowPrivilegeEscalation": false, "capabilities": {"drop": ["cap_net_raw"]}}),
        Flavor::Process,
        &users(false),
    )
    .unwrap();
    assert!(s.no_new_privileges);
    // A non-root process holds no capabilities: nothing left to drop.
    assert!(s.cap_drop.is_empty());
    let s = run(Value::Null, Value::Null, Flavor::Process, &users(false)).unwrap();
    assert!(!s.no_new_privileges);
}

#[test]
fn a_daemon_that_is_not_root_runs_pods_as_itself_and_refuses_other_users() {
    let me = Ids {
        uid: 1000,
        gid: 1000,
    };
    let u = PodUsers {
        default: me,
        allow_root: false,
        daemon: me,
    };
    let ok = |pod: Value, c: Value| run(pod, c, Flavor::Process, &u).map(|s| s.user);
    assert_eq!(ok(Value::Null, Value::Null), Ok(user(1000, 1000)));
    assert_eq!(
        ok(json!({"runAsUser": 1000, "runAsGroup": 1000}), Value::Null),
        Ok(user(1000, 1000))
    );
    for (pod, c, field) in [
        (json!({"runAsUser": 0}), Value::Null, "runAsUser 0"),
        (Value::Null, json!({"runAsUser": 2000}), "runAsUser 2000"),
        (Value::Null, json!({"runAsGroup": 5}), "runAsGroup 5"),
        (json!({"fsGroup": 7}), Value::Null, "fsGroup 7"),
        (
            json!({"supplementalGroups": [7]}),
            Value::Null,
            "supplementalGroups [7]",
        ),
    ] {
        let e = ok(pod, c).unwrap_err();
        assert!(e.starts_with(field) && e.contains("not root"), "{e}");
    }
}

#[test]
fn docker_containers_run_as_the_image_says_unless_run_as_user_is_given() {
    let u = users(false);
    let d = |pod: Value, c: Value| run(pod, c, Flavor::Docker, &u);
    let s = d(Value::Null, Value::Null).unwrap();
    assert_eq!(s, ContainerSecurity::default());
    // Root in a container needs no flag.
    assert_eq!(
        d(json!({"runAsUser": 0}), Value::Null).unwrap().user,
        Some(User { uid: 0, gid: None })
    );
    assert_eq!(
        d(
            json!({"runAsUser": 1000, "runAsGroup": 2000, "fsGroup": 3000}),
            Value::Null
        )
        .unwrap(),
        ContainerSecurity {
            user: user(1000, 2000),
            extra_group: Some(3000),
            ..Default::default()
        }
    );
    assert!(
        d(Value::Null, json!({"runAsGroup": 5}))
            .unwrap_err()
            .contains("needs both")
    );
    assert!(
        d(json!({"runAsNonRoot": true}), json!({"runAsUser": 0}))
            .unwrap_err()
            .starts_with("container's runAsUser breaks non-root policy")
    );
    // Supplementary groups join fsGroup; privileged needs --allow-root-pods.
    let s = d(
        json!({"fsGroup": 3000, "supplementalGroups": [4000, 5000]}),
        Value::Null,
    )
    .unwrap();
    assert_eq!(
        (s.extra_group, s.supplemental_groups),
        (Some(3000), vec![4000, 5000])
    );
    assert!(
        d(json!({"supplementalGroupsPolicy": "Merge"}), Value::Null).is_ok()
            && d(json!({"supplementalGroupsPolicy": "Strict"}), Value::Null)
                .unwrap_err()
                .starts_with("supplementalGroupsPolicy Strict")
    );
    let e = d(Value::Null, json!({"privileged": true})).unwrap_err();
    assert!(
        e.starts_with("privileged:") && e.contains("--allow-root-pods"),
        "{e}"
    );
    let s = run(
        Value::Null,
        json!({"privileged": true}),
        Flavor::Docker,
        &users(true),
    )
    .unwrap();
    assert!(s.privileged);
    // Without a uid, the image's user is checked when it starts.
    assert!(
        d(json!({"runAsNonRoot": true}), Value::Null)
            .unwrap()
            .require_non_root_image
    );
    // Everything else goes to the engine.
    let s = d(
        json!({"seccompProfile": {"type": "Unconfined"}}),
        json!({"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true,
               "capabilities": {"add": ["CAP_NET_ADMIN"], "drop": ["all"]}}),
    )
    .unwrap();
    assert!(s.no_new_privileges && s.read_only_root);
    assert_eq!((s.seccomp, s.app_armor), (Profile::Unconfined, None));
    assert_eq!(
        (s.cap_add, s.cap_drop),
        (vec!["NET_ADMIN".to_string()], vec!["ALL".to_string()])
    );
    // The container's profiles over the pod's, each kind on its own.
    let s = d(
        json!({"seccompProfile": {"type": "Localhost", "localhostProfile": "profiles/audit.json"},
               "appArmorProfile": {"type": "RuntimeDefault"}}),
        json!({"appArmorProfile": {"type": "Localhost", "localhostProfile": "deny-write"}}),
    )
    .unwrap();
    assert_eq!(
        (s.seccomp, s.app_armor),
        (
            Profile::Localhost("profiles/audit.json".into()),
            Some(Profile::Localhost("deny-write".into()))
        )
    );
}

#[test]
fn a_pods_refusal_names_its_container_and_volumes_belong_to_their_first_user() {
    let pod: Pod = serde_json::from_value(json!({
        "metadata": {"name": "p"},
        "spec": {
            "securityContext": {"runAsUser": 1000},
            "containers": [
                {"name": "a", "volumeMounts": [{"name": "shared", "mountPath": "/s"}]},
                {"name": "b", "securityContext": {"runAsUser": 2000},
                 "volumeMounts": [{"name": "own", "mountPath": "/o"}, {"name": "shared", "mountPath": "/s"}]},
            ],
            "volumes": [{"name": "shared", "emptyDir": {}}, {"name": "own", "emptyDir": {}}, {"name": "unused", "emptyDir": {}}]
        }
    }))
    .unwrap();
    let s = decide_pod(&pod, Flavor::Process, &users(false), &passwd).unwrap();
    assert_eq!(
        volume_owner(&pod, &s, "shared"),
        Ids {
            uid: 1000,
            gid: 1000
        }
    );
    assert_eq!(
        volume_owner(&pod, &s, "own"),
        Ids {
            uid: 2000,
            gid: 65534
        }
    );
    assert_eq!(volume_owner(&pod, &s, "unused"), Ids { uid: 0, gid: 0 });
    let mut grouped = pod.clone();
    grouped.spec.security_context.as_mut().unwrap().fs_group = Some(4000);
    let s = decide_pod(&grouped, Flavor::Process, &users(false), &passwd).unwrap();
    assert_eq!(
        volume_owner(&grouped, &s, "own"),
        Ids {
            uid: 2000,
            gid: 4000
        }
    );
    // Docker containers without runAsUser leave the files root's.
    let mut docker = pod.clone();
    docker.spec.security_context = None;
    let s = decide_pod(&docker, Flavor::Docker, &users(false), &passwd).unwrap();
    assert_eq!(volume_owner(&docker, &s, "shared"), Ids { uid: 0, gid: 0 });

    let mut rooted = pod;
    rooted.spec.containers[1].security_context =
        serde_json::from_value(json!({"runAsUser": 0})).unwrap();
    let e = decide_pod(&rooted, Flavor::Process, &users(false), &passwd).unwrap_err();
    assert!(
        e.starts_with("container \"b\": ") && e.contains("--allow-root-pods"),
        "{e}"
    );
}

#[test]
fn pod_users_parse_as_name_or_id_with_an_optional_group() {
    assert_eq!(
        parse_user("nobody"),
        Ok(UserSpec::Name("nobody".into(), None))
    );
    assert_eq!(
        parse_user("1000:2000"),
        Ok(UserSpec::Id(1000, Some("2000".into())))
    );
    assert_eq!(
        parse_user("app:staff"),
        Ok(UserSpec::Name("app".into(), Some("staff".into())))
    );
    assert!(parse_user("").is_err());
    assert!(parse_user("1000:").is_err());
    assert!(parse_user(":5").is_err());
}

#[test]
fn the_pod_user_defaults_to_nobody_and_root_needs_the_flag() {
    let u = PodUsers::resolve(None, false, ROOT_DAEMON).unwrap();
    assert_eq!(u.default.uid, 65534);
    assert_eq!(
        PodUsers::resolve(Some("4242:4343"), false, ROOT_DAEMON)
            .unwrap()
            .default,
        Ids {
            uid: 4242,
            gid: 4343
        }
    );
    let e = PodUsers::resolve(Some("0"), false, ROOT_DAEMON).unwrap_err();
    assert!(e.contains("--allow-root-pods"), "{e}");
    assert_eq!(
        PodUsers::resolve(Some("0:0"), true, ROOT_DAEMON)
            .unwrap()
            .default,
        ROOT_DAEMON
    );
    assert!(
        PodUsers::resolve(Some("no-such-user-ork"), false, ROOT_DAEMON)
            .unwrap_err()
            .contains("no user")
    );
    // A daemon that is not root: itself, and nobody else.
    let me = Ids {
        uid: 1234,
        gid: 1234,
    };
    assert_eq!(PodUsers::resolve(None, false, me).unwrap().default, me);
    assert_eq!(
        PodUsers::resolve(Some("1234:1234"), false, me)
            .unwrap()
            .default,
        me
    );
    let e = PodUsers::resolve(Some("4242:4242"), false, me).unwrap_err();
    assert!(e.contains("not root"), "{e}");
}
