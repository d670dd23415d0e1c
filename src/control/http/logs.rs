//! The query of `GET .../pods/{name}/log` as Kubernetes reads it, decided
//! before the node daemon is asked: `sinceSeconds` and `sinceTime` (not
//! both; the time becomes seconds), `limitBytes` (applied here, to whatever
//! the node sends), `tailLines`, and `previous` refused with Kubernetes'
//! sentence when the container has no earlier instance.
//!
//! Pure functions and one stream adapter; this module must not import the
//! store, controllers or the scheduler.

use super::ApiError;
use crate::api::Pod;
use crate::api::wire::LogParams;
use bytes::Bytes;
use futures::{Stream, StreamExt};

/// Checks the query for `container` of `pod` at `now` and returns what the
/// node daemon is asked (`sinceTime` turned into `sinceSeconds`, no
/// `limitBytes`) and the byte limit to apply to its answer.
pub fn prepare(
    q: LogParams,
    pod: &Pod,
    container: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(LogParams, Option<u64>), ApiError> {
    let mut q = q;
    let positive = |what: &str, v: Option<i64>| match v {
        Some(n) if n < 1 => Err(ApiError::bad_request(format!(
            "{what}={n} is invalid: it must be greater than 0"
        ))),
        _ => Ok(()),
    };
    positive("sinceSeconds", q.since_seconds)?;
    positive("limitBytes", q.limit_bytes)?;
    if q.tail_lines.is_some_and(|n| n < 0) {
        return Err(ApiError::bad_request(format!(
            "tailLines={} is invalid: it must be 0 or more",
            q.tail_lines.unwrap_or_default()
        )));
    }
    if let Some(t) = q.since_time.take().filter(|t| !t.is_empty()) {
        if q.since_seconds.is_some() {
            return Err(ApiError::bad_request(
                "at most one of sinceTime or sinceSeconds may be specified",
            ));
        }
        let at = chrono::DateTime::parse_from_rfc3339(&t).map_err(|e| {
            ApiError::bad_request(format!(
                "sinceTime {t:?} is not an RFC 3339 time ({e}); use e.g. 2024-01-02T15:04:05Z"
            ))
        })?;
        let ago = (now - at.with_timezone(&chrono::Utc)).num_seconds();
        q.since_seconds = Some(ago.max(1));
    }
    if q.previous && !has_previous(pod, container) {
        return Err(ApiError::bad_request(format!(
            "previous terminated container {container:?} in pod {:?} not found",
            pod.metadata.name
        )));
    }
    let limit = q.limit_bytes.take().map(|n| n.unsigned_abs());
    Ok((q, limit))
}

/// Whether the container has an instance before its current one.
fn has_previous(pod: &Pod, container: &str) -> bool {
    pod.status
        .container_statuses
        .iter()
        .find(|s| s.name == container)
        .is_some_and(|s| s.restart_count > 0 || s.last_state.terminated.is_some())
}

/// The stream cut after `limit` bytes (all of it without a limit).
pub fn limited<S, E>(
    stream: S,
    limit: Option<u64>,
) -> impl Stream<Item = Result<Bytes, E>> + Send + 'static
where
    S: Stream<Item = Result<Bytes, E>> + Send + 'static,
    E: Send + 'static,
{
    let left = limit.unwrap_or(u64::MAX);
    futures::stream::unfold((Box::pin(stream), left), |(mut s, left)| async move {
        if left == 0 {
            return None;
        }
        match s.next().await? {
            Ok(mut b) => {
                let n = u64::try_from(b.len()).unwrap_or(u64::MAX);
                if n > left {
                    b.truncate(usize::try_from(left).unwrap_or(usize::MAX));
                }
                Some((Ok(b), (s, left.saturating_sub(n))))
            }
            Err(e) => Some((Err(e), (s, 0))),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{ContainerStatus, new_object};

    fn pod(restarts: i32) -> Pod {
        let mut p: Pod = new_object("default", "p");
        p.status.container_statuses = vec![ContainerStatus {
            name: "c".into(),
            restart_count: restarts,
            ..Default::default()
        }];
        p
    }

    fn now() -> chrono::DateTime<chrono::Utc> {
        "2030-01-01T00:10:00Z".parse().unwrap()
    }

    #[test]
    fn previous_without_an_earlier_instance_is_refused_as_kubernetes_words_it() {
        let q = LogParams {
            previous: true,
            ..Default::default()
        };
        let e = prepare(q.clone(), &pod(0), "c", now()).unwrap_err();
        assert_eq!(e.0.code, 400);
        assert_eq!(
            e.0.message,
            "previous terminated container \"c\" in pod \"p\" not found"
        );
        assert!(prepare(q, &pod(1), "c", now()).is_ok());
    }

    #[test]
    fn since_time_becomes_seconds_and_limits_are_checked() {
        let q = LogParams {
            since_time: Some("2030-01-01T00:00:00Z".into()),
            limit_bytes: Some(5),
            ..Default::default()
        };
        let (node, limit) = prepare(q, &pod(0), "c", now()).unwrap();
        assert_eq!(node.since_seconds, Some(600));
        assert_eq!(
            (node.since_time, node.limit_bytes, limit),
            (None, None, Some(5))
        );
        for bad in [
            LogParams {
                since_seconds: Some(0),
                ..Default::default()
            },
            LogParams {
                since_time: Some("yesterday".into()),
                ..Default::default()
            },
            LogParams {
                since_time: Some("2030-01-01T00:00:00Z".into()),
                since_seconds: Some(5),
                ..Default::default()
            },
        ] {
            assert_eq!(prepare(bad, &pod(0), "c", now()).unwrap_err().0.code, 400);
        }
    }

    #[tokio::test]
    async fn a_byte_limit_cuts_the_stream() {
        let chunks: Vec<Result<Bytes, ()>> = vec![Ok("hello ".into()), Ok("world".into())];
        let out: Vec<_> = limited(futures::stream::iter(chunks.clone()), Some(8))
            .collect()
            .await;
        let text: Vec<u8> = out.into_iter().flat_map(|b| b.unwrap().to_vec()).collect();
        assert_eq!(text, b"hello wo");
        let all: Vec<_> = limited(futures::stream::iter(chunks), None).collect().await;
        assert_eq!(all.len(), 2);
    }
}
