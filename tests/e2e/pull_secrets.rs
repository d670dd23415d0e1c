//! `imagePullSecrets` against a registry that wants credentials (the
//! registry module's, on loopback): a pod without them fails its pull, one
//! naming a Secret made by `ork create secret docker-registry` pulls and
//! runs, a pod of a ServiceAccount with pull secrets gets them, wrong
//! credentials fail, and a pull secret that does not exist is warned of.
//! Uses the harness, the docker module's test image and the registry
//! module.

use crate::docker::{IMAGE, docker_ready};
use crate::harness::{Cluster, marker, wait_for};
use crate::registry::{Registry, Untag};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(60);

fn pod(name: &str, image: &str, spec: &str) -> String {
    format!(
        "apiVersion: v1
kind: Pod
metadata: {{name: {name}}}
spec:
  terminationGracePeriodSeconds: 1
{spec}  containers:
  - name: app
    image: {image}
    imagePullPolicy: Always
    command: [sh, -c, 'echo PULLED; sleep 3600']
"
    )
}

/// Waits for the pod's first container to wait on a failed pull; its message.
fn pull_failure(c: &Cluster, pod: &str) -> String {
    wait_for(&format!("{pod}'s failed pull"), WAIT, || {
        let p = c.json(&["get", "pod", pod])?;
        let w = &p["status"]["containerStatuses"][0]["state"]["waiting"];
        matches!(
            w["reason"].as_str(),
            Some("ErrImagePull" | "ImagePullBackOff")
        )
        .then(|| w["message"].as_str().unwrap_or("").to_string())
        .filter(|m| !m.is_empty())
    })
}

fn logs(c: &Cluster, pod: &str) -> String {
    String::from_utf8_lossy(&c.ork(&["logs", pod]).stdout).into_owned()
}

#[test]
fn pods_pull_from_a_private_registry_with_their_own_or_their_accounts_pull_secrets() {
    if !docker_ready() {
        return;
    }
    let registry = Registry::start(IMAGE, &format!("private/app-{}", marker()), "ann", "s3cret");
    let image = registry.image_ref();
    // Dropped last: after the cluster has stopped its containers.
    let _untag = Untag(image.clone());
    let c = Cluster::start(1, "docker");

    c.apply(&pod("anonymous", &image, ""));
    let msg = pull_failure(&c, "anonymous");
    assert!(
        msg.contains("unauthorized") || msg.contains("no basic auth credentials"),
        "{msg}"
    );
    assert_eq!(
        registry.authorized(),
        0,
        "nothing was pulled without credentials"
    );

    let out = c.ok(&[
        "create",
        "secret",
        "docker-registry",
        "regcred",
        "--docker-server",
        &registry.host(),
        "--docker-username",
        "ann",
        "--docker-password",
        "s3cret",
    ]);
    assert_eq!(out, "secret/regcred created\n");
    c.ok(&[
        "create",
        "secret",
        "docker-registry",
        "badcred",
        "--docker-server",
        &registry.host(),
        "--docker-username",
        "ann",
        "--docker-password",
        "wrong",
    ]);

    c.apply(&pod(
        "private",
        &image,
        "  imagePullSecrets: [{name: regcred}]\n",
    ));
    wait_for("the private pod's output", WAIT, || {
        logs(&c, "private").contains("PULLED").then_some(())
    });
    assert!(registry.authorized() > 0);

    // A ServiceAccount's pull secrets go to its pods that name none.
    c.apply(
        "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: puller}\nimagePullSecrets: [{name: regcred}]\n",
    );
    c.apply(&pod("by-account", &image, "  serviceAccountName: puller\n"));
    let p = c.json(&["get", "pod", "by-account"]).unwrap();
    assert_eq!(
        p["spec"]["imagePullSecrets"],
        serde_json::json!([{"name": "regcred"}])
    );
    wait_for("the by-account pod's output", WAIT, || {
        logs(&c, "by-account").contains("PULLED").then_some(())
    });

    c.apply(&pod(
        "wrong",
        &image,
        "  imagePullSecrets: [{name: badcred}]\n",
    ));
    let msg = pull_failure(&c, "wrong");
    assert!(
        msg.contains("unauthorized") || msg.contains("incorrect username or password"),
        "{msg}"
    );
    // A pull secret that does not exist is named in the kubelet's warning,
    // and the pull goes on without it.
    c.apply(&pod(
        "absent",
        &image,
        "  imagePullSecrets: [{name: nosuch}]\n",
    ));
    pull_failure(&c, "absent");
    let warning = wait_for("the FailedToRetrieveImagePullSecret event", WAIT, || {
        let evs = c.json(&["get", "events"])?;
        evs["items"].as_array()?.iter().find_map(|e| {
            (e["involvedObject"]["name"] == "absent"
                && e["reason"] == "FailedToRetrieveImagePullSecret")
                .then(|| e["message"].as_str().unwrap_or("").to_string())
        })
    });
    assert_eq!(
        warning,
        "Unable to retrieve some image pull secrets (nosuch); attempting to pull the image may not succeed."
    );
}
