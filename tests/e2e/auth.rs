//! Tokens: every route but /healthz refuses requests without a valid one.

use crate::harness::Cluster;

#[test]
fn every_route_but_health_needs_a_token() {
    let c = Cluster::start(0, "process");
    let http = c.http();
    let health = http.get(format!("{}/healthz", c.url)).send().unwrap();
    assert_eq!(health.status(), 200);
    for (method, path) in [
        ("GET", "/version"),
        ("GET", "/api/v1/namespaces"),
        ("GET", "/api/v1/nodes"),
        ("GET", "/api/v1/pods"),
        ("GET", "/api/v1/namespaces/default/pods?watch=true"),
        ("POST", "/api/v1/namespaces/default/pods"),
        ("DELETE", "/api/v1/namespaces/default/pods/x"),
        ("GET", "/apis/apps/v1/deployments"),
        (
            "PATCH",
            "/apis/apps/v1/namespaces/default/deployments/x/scale",
        ),
        ("POST", "/apis/ork.dev/v1/apply"),
        ("GET", "/api/v1/namespaces/default/pods/x/log"),
        ("GET", "/anything/else"),
    ] {
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let r = http.request(m, format!("{}{path}", c.url)).send().unwrap();
        assert_eq!(r.status(), 401, "{method} {path}");
    }
    // The CLI says what to do.
    let out = std::process::Command::new(crate::harness::ORK)
        .args(["get", "pods", "--server", &c.url, "--token", "wrong"])
        .env("ORK_CA", c.ca_file())
        .env("ORK_CONFIG", c.dir.path().join("none.yaml"))
        .env_remove("ORK_TOKEN")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Unauthorized") && err.contains("token"),
        "{err}"
    );
    // Token files are private.
    use std::os::unix::fs::PermissionsExt;
    for f in ["admin.token", "node.token", "ork.db"] {
        let mode = std::fs::metadata(c.data().join(f))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600, "{f}");
    }
    let mode = std::fs::metadata(c.data()).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700);
}

#[test]
fn an_unreachable_server_is_one_clear_line() {
    let out = std::process::Command::new(crate::harness::ORK)
        .args([
            "get",
            "pods",
            "--server",
            "http://127.0.0.1:9",
            "--token",
            "x",
        ])
        .env("ORK_CONFIG", "/nonexistent/config.yaml")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("cannot reach the ork API at http://127.0.0.1:9"),
        "{err}"
    );
}
