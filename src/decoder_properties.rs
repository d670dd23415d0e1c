//! Property tests over everything that decodes what a client sends:
//! manifests, label and field selectors, quantities, patch bodies, request
//! attributes, DeleteOptions, watch lines, join tokens and kubeconfigs.
//! Whatever the input, each returns (an error is fine) without panicking,
//! in bounded time.

use crate::api::manifest::{Strictness, decode};
use crate::api::merge::merge_patch;
use crate::api::{FieldSelector, Kind, Quantity, Selector};
use proptest::prelude::*;
use serde_json::Value;
use std::time::{Duration, Instant};

/// The longest any one decode may take (a debug build on a loaded machine).
const BOUND: Duration = Duration::from_secs(2);

fn timed<R>(what: &str, f: impl FnOnce() -> R) -> R {
    let t = Instant::now();
    let r = f();
    assert!(t.elapsed() < BOUND, "{what} took {:?}", t.elapsed());
    r
}

const DEPLOYMENT: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
        ports: [{containerPort: 80}]
        resources: {limits: {cpu: 500m, memory: 128Mi}}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 80}]
"#;

/// JSON values nested a few levels, with the shapes patches take.
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-z]{0,8}|metadata|spec|\\$patch", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn any_text_decodes_to_objects_or_errors(text in ".{0,400}") {
        let _ = timed("a manifest", || decode("f.yaml", &text, Strictness::Strict));
    }

    #[test]
    fn a_manifest_with_bytes_changed_decodes_or_errors(
        edits in prop::collection::vec((0usize..DEPLOYMENT.len(), any::<u8>()), 1..12)
    ) {
        let mut bytes = DEPLOYMENT.as_bytes().to_vec();
        for (at, b) in edits {
            bytes[at] = b;
        }
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let _ = timed("an edited manifest", || decode("f.yaml", &text, Strictness::Strict));
        let _ = timed("an edited manifest, warn", || decode("f.yaml", &text, Strictness::Warn));
    }

    #[test]
    fn selectors_and_quantities_parse_or_refuse(s in ".{0,80}") {
        let _ = timed("a label selector", || Selector::parse(&s));
        let _ = timed("a field selector", || FieldSelector::parse(Kind::Pod, &s));
        let _ = timed("a quantity", || s.parse::<Quantity>());
        let _ = timed("a join token", || crate::api::token::parse_join(&s));
        let _ = timed("a token", || crate::api::token::Token::parse(&s));
    }

    #[test]
    fn quantities_of_any_shape_parse_or_refuse(n in any::<i64>(), suffix in "(|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|e[0-9]{1,3}|E[+-][0-9]{1,3})") {
        let _ = timed("a quantity", || format!("{n}{suffix}").parse::<Quantity>());
    }

    #[test]
    fn merge_patches_apply_to_any_object(target in json(), patch in json()) {
        let mut t = target;
        timed("a merge patch", || merge_patch(&mut t, &patch));
    }

    #[test]
    fn patch_and_delete_bodies_decode_or_refuse(body in json()) {
        let text = body.to_string();
        let _ = timed("DeleteOptions", || serde_json::from_str::<crate::api::wire::DeleteOptions>(&text));
        let _ = timed("a watch line", || serde_json::from_str::<crate::api::wire::WatchLine>(&text));
        let _ = timed("an apply", || serde_json::from_str::<crate::api::wire::ApplyRequest>(&text));
        let _ = timed("a Deployment", || serde_json::from_str::<crate::api::Deployment>(&text));
        let _ = timed("a Pod", || serde_json::from_str::<crate::api::Pod>(&text));
    }

    #[test]
    fn request_attributes_read_from_any_path(method in "[A-Z]{1,7}", path in "(/[a-z0-9{}.%-]{0,12}){0,9}", query in ".{0,60}") {
        let _ = timed("request attributes", || {
            crate::control::authz::Attributes::from_request(&method, &path, &query)
        });
    }

    #[test]
    fn kubeconfigs_parse_or_refuse(text in ".{0,300}") {
        let _ = timed("a kubeconfig", || crate::client::Kubeconfig::parse(&text));
    }
}

#[test]
fn deep_nesting_is_refused_not_a_crash() {
    let deep_yaml = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let _ = timed("deep YAML", || {
        decode("f.yaml", &deep_yaml, Strictness::Strict)
    });
    let deep_json = format!(
        "{}{}",
        "{\"a\":".repeat(10_000),
        "1".to_string() + &"}".repeat(10_000)
    );
    assert!(
        serde_json::from_str::<Value>(&deep_json).is_err(),
        "serde_json stops at its depth limit"
    );
    let _ = timed("deep JSON as a manifest", || {
        decode("f.json", &deep_json, Strictness::Strict)
    });
    let many_docs = "---\n".repeat(200_000);
    let _ = timed("many empty documents", || {
        decode("f.yaml", &many_docs, Strictness::Strict)
    });
}
