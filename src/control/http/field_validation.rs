//! Fields a create or replace body has that its kind does not, by the
//! request's `fieldValidation` (what kubectl ≥ 1.27 sends): `Strict` (the
//! default) refuses the request naming each of them, as Kubernetes does
//! (`strict decoding error: unknown field "spec.replicass"`); `Warn` drops
//! them and says so in one `Warning` header each; `Ignore` drops them.
//!
//! The fields are found by [`crate::api::explain::prune_unknown_fields`],
//! from the schema the OpenAPI documents publish, and classed by
//! [`crate::api::field_policy`]: a Kubernetes field ork lacks is named as
//! not supported yet (not as unknown), Kubernetes' defaults ork behaves as
//! are dropped quietly, and a security setting is refused whatever the
//! directive. Imports `api` and the
//! HTTP plumbing only.

use super::ApiError;
use crate::api::explain::prune_unknown_fields;
use crate::api::field_policy::{Class, classify_path, security_relevant};
use crate::api::{Kind, Object};
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;

/// What to do with unknown fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Directive {
    Strict,
    Warn,
    Ignore,
}

impl Directive {
    /// The query parameter's value; absent means `Strict`, anything else is a 400.
    pub fn parse(q: Option<&str>) -> Result<Directive, ApiError> {
        match q {
            None | Some("") | Some("Strict") => Ok(Directive::Strict),
            Some("Warn") => Ok(Directive::Warn),
            Some("Ignore") => Ok(Directive::Ignore),
            Some(other) => Err(ApiError::bad_request(format!(
                "fieldValidation={other:?} is not supported; use Strict, Warn or Ignore"
            ))),
        }
    }
}

/// The body with unknown fields dropped (or the refusal), and the
/// warnings to answer with.
pub fn check(
    kind: Kind,
    directive: Directive,
    body: &[u8],
) -> Result<(Option<serde_json::Value>, Vec<String>), ApiError> {
    // A body that is not a JSON object is left to the decoder's own error.
    let Ok(mut v) = serde_json::from_slice::<serde_json::Value>(body) else {
        return Ok((None, vec![]));
    };
    if !v.is_object() {
        return Ok((None, vec![]));
    }
    let pruned = prune_unknown_fields(kind, &mut v);
    if pruned.is_empty() {
        return Ok((None, vec![]));
    }
    // Kubernetes' defaults ork behaves as are dropped quietly; a security
    // setting is refused whatever the directive.
    let mut named = vec![];
    let mut refused = vec![];
    for p in &pruned {
        let class = classify_path(
            kind,
            &p.path,
            Some(&p.value),
            p.known.iter().map(String::as_str),
        );
        let text = match &class {
            Class::Default => continue,
            Class::Unknown { .. } => format!("unknown field {:?}", p.path),
            Class::NotSupported { .. } => format!("{}: {}", p.path, class.message()),
        };
        if directive == Directive::Strict || security_relevant(&p.path) {
            refused.push(text);
        } else {
            named.push(text);
        }
    }
    if !refused.is_empty() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            format!(
                "{kind} in version {:?} cannot be handled as a {kind}: strict decoding error: {}",
                kind.info().version,
                refused.join(", ")
            ),
        ));
    }
    match directive {
        Directive::Ignore => Ok((Some(v), vec![])),
        Directive::Strict | Directive::Warn => Ok((Some(v), named)),
    }
}

/// Decodes a create or replace body under `fieldValidation`. A body the
/// type takes as it is (aliases included) is never pruned; one it refuses
/// is checked against the schema for unknown fields.
pub fn decode<T: Object>(
    field_validation: Option<&str>,
    body: &[u8],
) -> Result<(T, Vec<String>), ApiError> {
    let directive = Directive::parse(field_validation)?;
    let refused = match super::resources::decode::<T>(body) {
        Ok(obj) => return Ok((obj, vec![])),
        Err(e) => e,
    };
    match check(T::KIND, directive, body)? {
        (Some(v), warnings) => {
            let pruned = serde_json::to_vec(&v).unwrap_or_default();
            Ok((super::resources::decode::<T>(&pruned)?, warnings))
        }
        (None, _) => Err(refused),
    }
}

/// Adds one `Warning: 299 - "..."` header per warning.
pub fn with_warnings(mut r: Response, warnings: &[String]) -> Response {
    for w in warnings {
        let text = format!("299 - {w:?}");
        if let Ok(v) = HeaderValue::from_str(&text) {
            r.headers_mut().append("warning", v);
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = br#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"b"},"colour":"red"}"#;

    #[test]
    fn strict_refuses_naming_each_unknown_field() {
        let e = check(Kind::ConfigMap, Directive::Strict, BODY).unwrap_err();
        assert_eq!(e.0.code, 400);
        assert!(
            e.0.message
                .contains(r#"strict decoding error: unknown field "colour""#),
            "{}",
            e.0.message
        );
    }

    #[test]
    fn warn_and_ignore_drop_the_fields() {
        let (v, w) = check(Kind::ConfigMap, Directive::Warn, BODY).unwrap();
        assert_eq!(w, [r#"unknown field "colour""#]);
        assert!(v.unwrap().get("colour").is_none());
        let (v, w) = check(Kind::ConfigMap, Directive::Ignore, BODY).unwrap();
        assert!(w.is_empty());
        assert_eq!(v.unwrap()["data"]["a"], "b");
        let (obj, _) = decode::<crate::api::ConfigMap>(Some("Ignore"), BODY).unwrap();
        assert_eq!(obj.metadata.name, "c");
        assert!(decode::<crate::api::ConfigMap>(None, BODY).is_err());
    }

    #[test]
    fn a_clean_body_passes_and_bad_directives_are_refused() {
        let clean = br#"{"metadata":{"name":"c"}}"#;
        assert_eq!(
            check(Kind::ConfigMap, Directive::Strict, clean).unwrap(),
            (None, vec![])
        );
        let e = Directive::parse(Some("Loose")).unwrap_err();
        assert!(e.0.message.contains("Strict, Warn or Ignore"));
        assert_eq!(Directive::parse(None).unwrap(), Directive::Strict);
    }

    #[test]
    fn kubernetes_fields_are_named_as_not_supported_and_security_settings_are_never_dropped() {
        let pod = |extra: &str| {
            format!(
                r#"{{"apiVersion":"v1","kind":"Pod","metadata":{{"name":"p"}},"spec":{{"containers":[{{"name":"c","image":"x","terminationMessagePolicy":"File"}}],"hostPID":false{extra}}}}}"#
            )
        };
        // Defaults ork behaves as are dropped quietly, even when strict.
        let (v, w) = check(Kind::Pod, Directive::Strict, pod("").as_bytes()).unwrap();
        assert!(w.is_empty(), "{w:?}");
        assert!(v.unwrap()["spec"].get("hostPID").is_none());
        let body = pod(r#","setHostnameAsFQDN":true,"colour":1"#);
        let e = check(Kind::Pod, Directive::Strict, body.as_bytes()).unwrap_err();
        assert!(
            e.0.message.ends_with(
                r#"strict decoding error: unknown field "spec.colour", spec.setHostnameAsFQDN: not supported by ork yet"#
            ),
            "{}",
            e.0.message
        );
        let (_, w) = check(Kind::Pod, Directive::Warn, body.as_bytes()).unwrap();
        assert_eq!(
            w,
            [
                r#"unknown field "spec.colour""#,
                "spec.setHostnameAsFQDN: not supported by ork yet"
            ]
        );
        for d in [Directive::Warn, Directive::Ignore] {
            let body = pod(r#","hostPID":true,"setHostnameAsFQDN":true"#);
            let e = check(Kind::Pod, d, body.as_bytes()).unwrap_err();
            assert!(
                e.0.message
                    .ends_with("strict decoding error: spec.hostPID: not supported by ork yet"),
                "{d:?}: {}",
                e.0.message
            );
        }
    }

    #[test]
    fn warnings_become_headers() {
        let r = with_warnings(
            Response::new(axum::body::Body::empty()),
            &[r#"unknown field "a""#.to_string(), "second".into()],
        );
        let ws: Vec<_> = r.headers().get_all("warning").iter().collect();
        assert_eq!(ws.len(), 2);
        assert_eq!(ws[0], r#"299 - "unknown field \"a\"""#);
    }
}
