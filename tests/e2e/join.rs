//! Joining: a node checks the server against the CA hash in its join token
//! before it sends the token's secret, and a token that is expired,
//! revoked or altered joins nothing.

use crate::harness::{Cluster, ORK, wait_for};
use std::io::Read;
use std::process::{Command, Output};
use std::time::Duration;

/// `ork node --join URL` with a token file, in a fresh data dir; waits for
/// it to give up (a failed join ends the daemon).
fn join(c: &Cluster, url: &str, token: &str, name: &str) -> Output {
    let dir = c.dir.path().join(format!("join-{name}"));
    let file = c.dir.path().join(format!("{name}.token"));
    std::fs::write(&file, token).unwrap();
    let mut child = Command::new(ORK)
        .args(["node", "--join", url, "--token-file"])
        .arg(&file)
        .args(["--name", name, "--runtime", "fake", "--data-dir"])
        .arg(&dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let status = wait_for("the join to end", Duration::from_secs(20), || {
        child.try_wait().unwrap()
    });
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    Output {
        status,
        stdout: vec![],
        stderr: stderr.into_bytes(),
    }
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn a_server_with_another_ca_receives_no_byte_of_the_tokens_secret() {
    let c = Cluster::start(0, "process");
    let token = std::fs::read_to_string(c.data().join("node.token")).unwrap();
    let secret = token.trim().rsplit_once('.').unwrap().1.to_string();
    // An impostor: a TLS server with a certificate from another CA, for the
    // same names, recording everything the client sends once encrypted.
    let other = tempfile::tempdir().unwrap();
    let ca =
        ork::control::pki::Ca::load_or_create(other.path(), ork::control::pki::DEFAULT_VALIDITY)
            .unwrap();
    let (dns, ips) = ork::control::pki::serving_names("127.0.0.1".parse().unwrap(), &[]);
    let cert = ork::control::pki::serving_cert(&ca, other.path(), &dns, &ips).unwrap();
    let config =
        std::sync::Arc::new(ork::tls::server_config(&cert, ork::tls::ClientAuth::None).unwrap());
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let mut received = Vec::new();
        let mut handshakes = 0;
        listener.set_nonblocking(false).unwrap();
        // The joiner retries nothing after a failed check, but take a few.
        for stream in listener.incoming().take(1) {
            let mut stream = stream.unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(10)))
                .unwrap();
            let mut conn = rustls::ServerConnection::new(config.clone()).unwrap();
            let mut tls = rustls::Stream::new(&mut conn, &mut stream);
            let mut buf = [0u8; 4096];
            loop {
                match tls.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => received.extend_from_slice(&buf[..n]),
                }
            }
            if !conn.is_handshaking() {
                handshakes += 1;
            }
        }
        (received, handshakes)
    });
    let out = join(
        &c,
        &format!("https://127.0.0.1:{port}"),
        &token,
        "impostor-test",
    );
    let (received, handshakes) = server.join().unwrap();
    assert!(!out.status.success());
    assert!(
        err(&out).contains("no CA matching the hash in the join token"),
        "{}",
        err(&out)
    );
    assert_eq!(handshakes, 0, "the handshake never completed");
    assert!(
        received.is_empty(),
        "the impostor read {} bytes",
        received.len()
    );
    assert!(!String::from_utf8_lossy(&received).contains(&secret));
}

#[test]
fn altered_expired_and_revoked_tokens_join_nothing_and_a_good_one_joins_once() {
    let mut c = Cluster::start(0, "process");
    let token = std::fs::read_to_string(c.data().join("node.token"))
        .unwrap()
        .trim()
        .to_string();
    // One hex digit of the CA hash changed.
    let mut altered: Vec<char> = token.chars().collect();
    altered[3] = if altered[3] == '0' { '1' } else { '0' };
    let altered: String = altered.into_iter().collect();
    let out = join(&c, &c.url, &altered, "altered");
    assert!(!out.status.success());
    assert!(
        err(&out).contains("no CA matching the hash"),
        "{}",
        err(&out)
    );
    // Expired.
    let short = c.ok(&["token", "create", "--role", "node", "--ttl", "1s"]);
    std::thread::sleep(Duration::from_millis(1500));
    let out = join(&c, &c.url, short.trim(), "late");
    assert!(!out.status.success());
    assert!(err(&out).contains("expired"), "{}", err(&out));
    // Revoked.
    let fresh = c.ok(&["token", "create", "--role", "node"]);
    let id = fresh
        .trim()
        .rsplit_once("::")
        .unwrap()
        .1
        .split('.')
        .next()
        .unwrap()
        .to_string();
    c.ok(&["token", "revoke", &id]);
    let out = join(&c, &c.url, fresh.trim(), "revoked");
    assert!(!out.status.success());
    assert!(err(&out).contains("Unauthorized"), "{}", err(&out));
    // A join token on its own reads nothing.
    let bearer = token.rsplit_once("::").unwrap().1;
    let r = c
        .http()
        .get(format!("{}/api/v1/pods", c.url))
        .bearer_auth(bearer)
        .send()
        .unwrap();
    assert_eq!(r.status(), 403);
    // The good one: the node joins, keeps its credentials (0600), and
    // starts again without the token.
    c.add_node("good", "fake");
    let kubeconfig = c.nodes[0].dir.join("node.kubeconfig");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&kubeconfig).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let text = std::fs::read_to_string(&kubeconfig).unwrap();
    assert!(!text.contains(bearer), "the join token is not kept");
    // Another machine cannot join under a running node's name.
    let out = join(&c, &c.url, &token, "good");
    assert!(!out.status.success());
    assert!(err(&out).contains("registered and Ready"), "{}", err(&out));
    let age = |c: &Cluster| -> Option<f64> {
        let v: serde_json::Value = c
            .http()
            .get(format!("{}/apis/ork.dev/v1/heartbeats", c.url))
            .bearer_auth(&c.admin)
            .send()
            .ok()?
            .json()
            .ok()?;
        v["items"]
            .as_array()?
            .iter()
            .find(|i| i["node"] == "good")?["secondsAgo"]
            .as_f64()
    };
    c.kill_node(0);
    wait_for("heartbeats to stop", Duration::from_secs(10), || {
        age(&c).filter(|a| *a > 1.5)
    });
    let mut again = Command::new(ORK)
        .args([
            "node",
            "--join",
            &c.url,
            "--name",
            "good",
            "--runtime",
            "fake",
            "--data-dir",
        ])
        .arg(&c.nodes[0].dir)
        .env_remove("ORK_TOKEN")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    wait_for(
        "heartbeats from the restarted node",
        Duration::from_secs(20),
        || age(&c).filter(|a| *a < 1.0),
    );
    assert!(
        again.try_wait().unwrap().is_none(),
        "it runs on its kept credentials"
    );
    let _ = again.kill();
    let _ = again.wait();
}
