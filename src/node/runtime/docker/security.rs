//! What the engine is told about a container's security that is decided
//! here rather than by the node ([`crate::node::security`]): whether an
//! image's own user may run under `runAsNonRoot`, and the `SecurityOpt`
//! list (no_new_privs, seccomp and AppArmor profiles). Pure; must not
//! import `control`, `cli` or `tui`.

use crate::node::security::{ContainerSecurity, Profile};

/// Why an image whose configured user is `user` may not run under
/// `runAsNonRoot` (no `runAsUser`): its user is root, or a name that
/// cannot be checked without the image's files; `None` when it is a
/// non-zero uid.
pub fn root_image_refusal(image: &str, user: &str) -> Option<String> {
    let uid = user.split(':').next().unwrap_or("").trim();
    match uid.parse::<u32>() {
        Ok(0) => {}
        Ok(_) => return None,
        Err(_) if uid.is_empty() || uid == "root" => {}
        Err(_) => {
            return Some(format!(
                "container has runAsNonRoot and image has non-numeric user ({uid}), cannot verify user is non-root (image {image:?}): give the container a numeric non-zero runAsUser"
            ));
        }
    }
    Some(format!(
        "{} (image {image:?}): give the container a non-zero runAsUser",
        crate::node::security::RUN_AS_NON_ROOT_IMAGE_ROOT
    ))
}

/// The engine's `SecurityOpt` for a container: no_new_privs, its seccomp
/// profile (`profile`: the text of a `Localhost` one) and its AppArmor
/// profile. `Err` when an AppArmor profile is asked of an engine without
/// AppArmor, in the kubelet's words. Pure.
pub fn security_opt(
    sec: &ContainerSecurity,
    profile: Option<&str>,
    app_armor: bool,
) -> Result<Vec<String>, String> {
    let mut opts = vec![];
    if sec.no_new_privileges {
        opts.push("no-new-privileges:true".to_string());
    }
    match (&sec.seccomp, profile) {
        (Profile::Unconfined, _) => opts.push("seccomp=unconfined".into()),
        (Profile::Localhost(_), Some(text)) => opts.push(format!("seccomp={text}")),
        _ => {}
    }
    match &sec.app_armor {
        None => {}
        Some(Profile::Unconfined) => opts.push("apparmor=unconfined".into()),
        Some(_) if !app_armor => {
            return Err(
                "Cannot enforce AppArmor: AppArmor is not enabled on the host (remove appArmorProfile or use type Unconfined)"
                    .into(),
            );
        }
        Some(Profile::RuntimeDefault) => {}
        Some(Profile::Localhost(name)) => opts.push(format!("apparmor={name}")),
    }
    Ok(opts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_as_non_root_refuses_images_of_root_or_of_a_user_name() {
        for user in ["", "root", "0", "0:0", "root:staff"] {
            let why = root_image_refusal("nginx", user).unwrap();
            assert!(
                why.starts_with("container has runAsNonRoot and image will run as root"),
                "{user:?}: {why}"
            );
        }
        let why = root_image_refusal("app", "www-data").unwrap();
        assert!(why.contains("non-numeric user (www-data)"), "{why}");
        for user in ["101", "1000:1000", "65534:nogroup"] {
            assert_eq!(root_image_refusal("app", user), None, "{user:?}");
        }
    }

    #[test]
    fn profiles_become_engine_security_options() {
        let sec = |seccomp, app_armor| ContainerSecurity {
            seccomp,
            app_armor,
            ..Default::default()
        };
        // Nothing asked: the engine's defaults, no option at all.
        assert_eq!(
            security_opt(&sec(Profile::RuntimeDefault, None), None, false),
            Ok(vec![])
        );
        let local = Profile::Localhost("audit.json".into());
        let text = r#"{"defaultAction":"SCMP_ACT_LOG"}"#;
        assert_eq!(
            security_opt(
                &ContainerSecurity {
                    no_new_privileges: true,
                    ..sec(local.clone(), Some(Profile::Unconfined))
                },
                Some(text),
                false
            ),
            Ok(vec![
                "no-new-privileges:true".to_string(),
                format!("seccomp={text}"),
                "apparmor=unconfined".into()
            ])
        );
        assert_eq!(
            security_opt(&sec(Profile::Unconfined, None), None, true),
            Ok(vec!["seccomp=unconfined".to_string()])
        );
        // AppArmor profiles need an engine with AppArmor.
        for asked in [
            Profile::RuntimeDefault,
            Profile::Localhost("deny-write".into()),
        ] {
            let err = security_opt(
                &sec(Profile::RuntimeDefault, Some(asked.clone())),
                None,
                false,
            )
            .unwrap_err();
            assert!(
                err.starts_with("Cannot enforce AppArmor: AppArmor is not enabled on the host"),
                "{err}"
            );
        }
        assert_eq!(
            security_opt(
                &sec(Profile::RuntimeDefault, Some(Profile::RuntimeDefault)),
                None,
                true
            ),
            Ok(vec![])
        );
        assert_eq!(
            security_opt(
                &sec(
                    Profile::RuntimeDefault,
                    Some(Profile::Localhost("deny-write".into()))
                ),
                None,
                true
            ),
            Ok(vec!["apparmor=deny-write".to_string()])
        );
    }
}
