//! Secrets at rest: 100 secrets with random markers never appear in the
//! SQLite file, its WAL or the daemons' logs (plain or base64); they read
//! back after `ork secret rotate-key`; a tampered ciphertext stops the control
//! daemon with a message that names the secret.

use crate::harness::{Cluster, ORK, wait_for};
use base64::Engine;
use std::process::{Command, Stdio};
use std::time::Duration;

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s.as_bytes())
}

/// Every file under `dir` and its bytes.
fn files(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut out = vec![];
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files(&p));
        } else if let Ok(bytes) = std::fs::read(&p) {
            out.push((p.display().to_string(), bytes));
        }
    }
    out
}

#[test]
fn secrets_are_sealed_at_rest_survive_key_rotation_and_tampering_is_refused() {
    let mut c = Cluster::start(1, "process");
    let markers: Vec<String> = (0..100)
        .map(|_| format!("mk{}", uuid::Uuid::new_v4().simple()))
        .collect();
    // Half through stringData in one manifest, half with `ork create secret`.
    let mut yaml = String::new();
    for (i, m) in markers.iter().enumerate().take(50) {
        yaml.push_str(&format!(
            "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s{i}\nstringData:\n  token: {m}\n"
        ));
    }
    c.apply(&yaml);
    for (i, m) in markers.iter().enumerate().skip(50) {
        c.ok(&[
            "create",
            "secret",
            "generic",
            &format!("s{i}"),
            &format!("--from-literal=token={m}"),
        ]);
    }
    // `get -o yaml` shows base64 data, as Kubernetes does.
    let y = c.ok(&["get", "secret", "s7", "-o", "yaml"]);
    assert!(y.contains(&format!("token: {}", b64(&markers[7]))), "{y}");
    // The plain value is nowhere, not even in the last-applied record.
    assert!(!y.contains(&markers[7]), "{y}");
    // Some churn, so the WAL and the change log hold several versions.
    c.apply(&format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s3\n  labels: {{touched: \"yes\"}}\nstringData:\n  token: {}\n",
        markers[3]
    ));

    let data = c.data();
    let root = c.dir.path().to_path_buf();
    // The database, its WAL and shm, the key file, and every daemon log.
    let check = |when: &str| {
        let mut all = files(&data);
        all.extend(
            files(&root)
                .into_iter()
                .filter(|(p, _)| p.ends_with(".log")),
        );
        assert!(all.iter().any(|(p, _)| p.ends_with("ork.db-wal")));
        for m in &markers {
            for needle in [m.clone(), b64(m)] {
                let n = needle.as_bytes();
                let found: Vec<&String> = all
                    .iter()
                    .filter(|(_, b)| b.windows(n.len()).any(|w| w == n))
                    .map(|(p, _)| p)
                    .collect();
                assert!(found.is_empty(), "{when}: {needle} found in {found:?}");
            }
        }
    };
    check("after writing");
    let key = data.join("secret.key");
    let mode =
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&key).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600);
    let before = std::fs::read_to_string(&key).unwrap();

    let out = c.ok(&["secret", "rotate-key"]);
    // The 100 written here and the join token's (kube-system/token-<id>).
    assert!(out.contains("secrets re-encrypted: 101"), "{out}");
    let after = std::fs::read_to_string(&key).unwrap();
    assert_ne!(before, after);
    // Only the new key is left, and every secret reads back, also after a restart.
    assert_eq!(after.lines().filter(|l| !l.starts_with('#')).count(), 1);
    c.kill_control();
    c.start_control();
    let all = c.json(&["get", "secrets"]).unwrap();
    let items = all["items"].as_array().unwrap();
    assert_eq!(items.len(), 100);
    for (i, m) in markers.iter().enumerate() {
        let s = items
            .iter()
            .find(|s| s["metadata"]["name"] == format!("s{i}"))
            .unwrap();
        assert_eq!(s["data"]["token"], b64(m), "s{i}");
    }
    check("after rotation");

    // Tamper with one sealed row: the control daemon refuses to start and says which.
    c.kill_control();
    {
        let db = rusqlite::Connection::open(data.join("ork.db")).unwrap();
        let mut blob: Vec<u8> = db
            .query_row(
                "SELECT data FROM objects WHERE kind = 'Secret' AND name = 's42'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let last = blob.len() - 1;
        blob[last] ^= 0x01;
        db.execute(
            "UPDATE objects SET data = ?1 WHERE kind = 'Secret' AND name = 's42'",
            [blob],
        )
        .unwrap();
    }
    let mut control = Command::new(ORK)
        .args(["control", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&data)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status = wait_for("ork control to give up", Duration::from_secs(20), || {
        control.try_wait().unwrap()
    });
    assert!(!status.success());
    let mut err = String::new();
    std::io::Read::read_to_string(control.stderr.as_mut().unwrap(), &mut err).unwrap();
    assert!(
        err.contains("secret default/s42") && err.contains("was changed"),
        "{err}"
    );
}
