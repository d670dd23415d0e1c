//! Service-account tokens for projected volumes' `serviceAccountToken`
//! sources: asked of the API (TokenRequest) for the pod's ServiceAccount,
//! bound to the pod (they stop working once it is gone), for the source's
//! audience and lifetime. Each token is kept per pod, volume and path, so a
//! volume rewritten because another of its sources changed keeps its
//! token; it is replaced once it passes 80% of its life or 24 hours, as the
//! kubelet does ([`due`] tells the volume's keeper when).
//!
//! Tokens are secrets: never logged. This module must not import the
//! worker; it knows nothing of files.

use crate::api::Pod;
use crate::api::bound_token::{self, BoundObjectReference, TokenRequestSpec};
use crate::api::volume::ServiceAccountTokenProjection;
use crate::client::Client;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

/// The longest a token is kept before it is replaced, whatever its life.
const MAX_AGE: i64 = 24 * 3600;

/// `(pod uid, volume, path)`.
type Key = (String, String, String);

struct Held {
    token: String,
    refresh_at: i64,
}

fn held() -> &'static Mutex<HashMap<Key, Held>> {
    static HELD: OnceLock<Mutex<HashMap<Key, Held>>> = OnceLock::new();
    HELD.get_or_init(Default::default)
}

/// When a token issued at `now` for `expiration` seconds is to be replaced.
pub fn refresh_at(now: i64, expiration: i64) -> i64 {
    bound_token::refresh_at(now, now + expiration).min(now + MAX_AGE)
}

/// A token of `pod`'s ServiceAccount bound to `pod`, for `audiences` (the
/// API's when empty), living `expiration` seconds; and when to replace it.
pub async fn request(
    client: &Client,
    pod: &Pod,
    audiences: Vec<String>,
    expiration: i64,
) -> Result<(String, i64), String> {
    let m = &pod.metadata;
    let body = serde_json::json!({
        "apiVersion": "authentication.k8s.io/v1",
        "kind": "TokenRequest",
        "spec": TokenRequestSpec {
            audiences,
            expiration_seconds: Some(expiration),
            bound_object_ref: Some(BoundObjectReference {
                kind: "Pod".into(),
                api_version: "v1".into(),
                name: m.name.clone(),
                uid: m.uid.clone(),
            }),
        },
    });
    let path = format!(
        "/api/v1/namespaces/{}/serviceaccounts/{}/token",
        m.namespace,
        pod.service_account()
    );
    let answer: serde_json::Value = client.post(&path, &body).await.map_err(|e| e.to_string())?;
    let token = answer["status"]["token"]
        .as_str()
        .ok_or("the TokenRequest answer has no status.token")?
        .to_string();
    // The API may shorten the lifetime; it says what it gave.
    let given = answer["spec"]["expirationSeconds"]
        .as_i64()
        .unwrap_or(expiration);
    Ok((token, refresh_at(chrono::Utc::now().timestamp(), given)))
}

/// The token of source `t` of `pod`'s volume `volume`: the one held while it
/// is not due, else a new one.
pub async fn token(
    client: &Client,
    pod: &Pod,
    volume: &str,
    t: &ServiceAccountTokenProjection,
) -> Result<String, String> {
    let key = (pod.metadata.uid.clone(), volume.to_string(), t.path.clone());
    let now = chrono::Utc::now().timestamp();
    if let Some(h) = lock().get(&key).filter(|h| now < h.refresh_at) {
        return Ok(h.token.clone());
    }
    let audiences = if t.audience.is_empty() {
        vec![]
    } else {
        vec![t.audience.clone()]
    };
    let (token, refresh_at) = request(client, pod, audiences, t.expiration())
        .await
        .map_err(|e| {
            format!(
                "a token for ServiceAccount {}/{}: {e}",
                pod.metadata.namespace,
                pod.service_account()
            )
        })?;
    lock().insert(
        key,
        Held {
            token: token.clone(),
            refresh_at,
        },
    );
    Ok(token)
}

/// The earliest time a token of `pod_uid`'s volume `volume` is to be replaced.
pub fn due(pod_uid: &str, volume: &str) -> Option<i64> {
    lock()
        .iter()
        .filter(|((u, v, _), _)| u == pod_uid && v == volume)
        .map(|(_, h)| h.refresh_at)
        .min()
}

/// Drops the tokens held for `pod_uid`'s volume `volume`.
pub fn forget(pod_uid: &str, volume: &str) {
    lock().retain(|(u, v, _), _| !(u == pod_uid && v == volume));
}

fn lock() -> std::sync::MutexGuard<'static, HashMap<Key, Held>> {
    held().lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_replaced_after_80_percent_of_its_life_or_a_day() {
        assert_eq!(refresh_at(1_000, 3_600), 1_000 + 2_880);
        assert_eq!(refresh_at(1_000, 600), 1_000 + 480);
        // A year-long token is still replaced within a day.
        assert_eq!(refresh_at(1_000, 365 * 86_400), 1_000 + 86_400);
    }

    #[test]
    fn held_tokens_are_per_pod_and_volume() {
        let key = |u: &str, v: &str, p: &str| (u.to_string(), v.to_string(), p.to_string());
        lock().insert(
            key("u1", "vol", "a"),
            Held {
                token: "t1".into(),
                refresh_at: 50,
            },
        );
        lock().insert(
            key("u1", "vol", "b"),
            Held {
                token: "t2".into(),
                refresh_at: 40,
            },
        );
        lock().insert(
            key("u2", "vol", "a"),
            Held {
                token: "t3".into(),
                refresh_at: 10,
            },
        );
        assert_eq!(due("u1", "vol"), Some(40));
        forget("u1", "vol");
        assert_eq!(due("u1", "vol"), None);
        assert_eq!(due("u2", "vol"), Some(10));
        forget("u2", "vol");
    }
}
