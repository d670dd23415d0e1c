//! The manifest decoder: what decodes, and how every problem is reported
//! with its file, document, field path and line.

use super::*;
use crate::api::{
    Container, ContainerPort, Deployment, Namespace, Object, Pod, PullPolicy, new_object,
};
use std::collections::BTreeMap;
use std::time::Duration;

const NGINX: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: nginx-deployment
  labels:
    app: nginx
spec:
  replicas: 3
  selector:
    matchLabels:
      app: nginx
  template:
    metadata:
      labels:
        app: nginx
    spec:
      containers:
      - name: nginx
        image: nginx:1.14.2
        ports:
        - containerPort: 80
";

fn ok(text: &str) -> Decoded {
    decode("app.yaml", text, Strictness::Strict).unwrap_or_else(|errs| {
        let lines: Vec<String> = errs.iter().map(ToString::to_string).collect();
        panic!("expected success, got:\n{}", lines.join("\n"))
    })
}

fn errors_in(text: &str, strictness: Strictness) -> Vec<String> {
    match decode("app.yaml", text, strictness) {
        Ok(d) => panic!("expected errors, decoded {} documents", d.documents.len()),
        Err(errs) => errs.iter().map(ToString::to_string).collect(),
    }
}

fn errors(text: &str) -> Vec<String> {
    errors_in(text, Strictness::Strict)
}

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn deployment(doc: &Document) -> &Deployment {
    Deployment::from_any(&doc.object).expect("a Deployment")
}

fn pod(doc: &Document) -> &Pod {
    Pod::from_any(&doc.object).expect("a Pod")
}

/// A pod manifest with `extra` lines added under its one container.
fn pod_with_container_lines(extra: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web\n    image: nginx\n{extra}"
    )
}

/// The errors of a pod whose container has `extra` lines.
fn container_errors(extra: &str) -> Vec<String> {
    errors(&pod_with_container_lines(extra))
}

#[test]
fn the_nginx_deployment_from_the_kubernetes_docs_decodes_unchanged() {
    let decoded = ok(NGINX);
    assert!(decoded.warnings.is_empty());
    assert_eq!(decoded.documents.len(), 1);
    let doc = &decoded.documents[0];
    assert_eq!((doc.index, doc.line), (1, 1));
    let mut want: Deployment = new_object("", "nginx-deployment");
    want.metadata.labels = labels(&[("app", "nginx")]);
    want.spec.replicas = Some(3);
    want.spec.selector.match_labels = labels(&[("app", "nginx")]);
    want.spec.template.metadata.labels = labels(&[("app", "nginx")]);
    want.spec.template.spec.containers = vec![Container {
        name: "nginx".into(),
        image: "nginx:1.14.2".into(),
        ports: vec![ContainerPort {
            container_port: 80,
            ..Default::default()
        }],
        ..Default::default()
    }];
    assert_eq!(deployment(doc), &want);
}

#[test]
fn a_misspelled_field_names_file_document_path_and_line() {
    let text = "\
apiVersion: v1
kind: Namespace
metadata:
  name: web
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx
        imagePullPolcy: Always
";
    assert_eq!(
        errors(text),
        vec![
            "app.yaml: document 2: spec.template.spec.containers[0].imagePullPolcy: \
             unknown field (did you mean imagePullPolicy?), line 18"
        ]
    );
}

#[test]
fn every_error_of_every_document_is_reported_at_once() {
    let text = "\
apiVersion: v1
kind: Pod
metadata:
  name: a
spec:
  restartPolicy: Sometimes
  containers:
  - name: a
    imagee: nginx
---
apiVersion: v1
kind: Namespace
metadata:
  name: fine
---
apiVersion: v1
kind: Pod
metadata:
  name: c
spec:
  containers:
  - name: c
    ports:
    - containerPort: http
";
    assert_eq!(
        errors(text),
        vec![
            "app.yaml: document 1: spec.restartPolicy: unsupported value \"Sometimes\": \
             must be one of Always, OnFailure, Never, line 6",
            "app.yaml: document 1: spec.containers[0].imagee: \
             unknown field (did you mean image?), line 9",
            "app.yaml: document 3: spec.containers[0].ports[0].containerPort: \
             expected an integer, got string \"http\", line 24",
        ]
    );
}

#[test]
fn a_number_where_a_string_belongs_is_refused_with_a_quote_hint() {
    assert_eq!(
        container_errors("    env:\n    - name: PORT\n      value: 80\n"),
        vec![
            "app.yaml: document 1: spec.containers[0].env[0].value: \
             expected a string, got integer 80 (quote it: \"80\"), line 11"
        ]
    );
    let text = pod_with_container_lines("    env:\n    - name: PORT\n      value: \"80\"\n");
    let decoded = ok(&text);
    assert_eq!(
        pod(&decoded.documents[0]).spec.containers[0].env[0].value,
        "80"
    );
}

#[test]
fn a_string_where_an_integer_belongs_asks_to_remove_the_quotes() {
    let text = NGINX.replace("replicas: 3", "replicas: \"3\"");
    assert_eq!(
        errors(&text),
        vec![
            "app.yaml: document 1: spec.replicas: expected an integer, got string \"3\" \
             (remove the quotes), line 8"
        ]
    );
}

#[test]
fn label_values_follow_yaml_1_2_and_numbers_must_be_quoted() {
    let text = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: n\n  labels:\n    a: yes\n    b: on\n    c: \"1.0\"\n";
    let decoded = ok(text);
    assert_eq!(
        decoded.documents[0].object.meta().labels,
        labels(&[("a", "yes"), ("b", "on"), ("c", "1.0")])
    );
    let text = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: n\n  labels:\n    version: 1.0\n    ok: true\n";
    assert_eq!(
        errors(text),
        vec![
            "app.yaml: document 1: metadata.labels.version: \
             expected a string, got number 1.0 (quote it: \"1.0\"), line 6",
            "app.yaml: document 1: metadata.labels.ok: \
             expected a string, got boolean true (quote it: \"true\"), line 7",
        ]
    );
}

#[test]
fn an_enum_value_in_the_wrong_case_gets_a_suggestion() {
    assert_eq!(
        container_errors("    imagePullPolicy: always\n"),
        vec![
            "app.yaml: document 1: spec.containers[0].imagePullPolicy: unsupported value \"always\": \
             must be one of Always, IfNotPresent, Never (did you mean Always?), line 9"
        ]
    );
    let text = pod_with_container_lines("    imagePullPolicy: IfNotPresent\n");
    assert_eq!(
        pod(&ok(&text).documents[0]).spec.containers[0].image_pull_policy,
        Some(PullPolicy::IfNotPresent)
    );
}

#[test]
fn quantities_accept_numbers_and_refuse_nonsense_with_the_parser_reason() {
    let text = pod_with_container_lines(
        "    resources:\n      requests: {cpu: 0.5, memory: 128Mi}\n      limits: {cpu: 1, memory: 1e9}\n",
    );
    let decoded = ok(&text);
    let c = &pod(&decoded.documents[0]).spec.containers[0];
    assert_eq!(c.resources.requests["cpu"].milli(), 500);
    assert_eq!(c.resources.requests["memory"].value(), 128 << 20);
    assert_eq!(c.resources.limits["cpu"].milli(), 1000);
    assert_eq!(c.resources.limits["memory"].value(), 1_000_000_000);

    assert_eq!(
        container_errors("    resources:\n      limits:\n        memory: lots\n"),
        vec![
            "app.yaml: document 1: spec.containers[0].resources.limits.memory: \
             invalid quantity \"lots\": expected a number (examples: 500m, 2, 128Mi, 1Gi, 1e3), line 11"
        ]
    );
}

#[test]
fn a_missing_required_field_is_reported_at_its_parent() {
    let text = "\
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - image: nginx
    ports:
    - name: http
";
    assert_eq!(
        errors(text),
        vec![
            "app.yaml: document 1: spec.containers[0].ports[0].containerPort: \
             required field is missing, line 9",
            "app.yaml: document 1: spec.containers[0].name: required field is missing, line 7",
        ]
        .into_iter()
        .rev()
        .collect::<Vec<_>>()
    );
}

#[test]
fn integers_must_fit_their_format() {
    assert_eq!(
        container_errors("    ports:\n    - containerPort: 99999999999\n"),
        vec![
            "app.yaml: document 1: spec.containers[0].ports[0].containerPort: \
             99999999999 is out of range: must be between -2147483648 and 2147483647, line 10"
        ]
    );
}

#[test]
fn a_duplicate_key_is_an_error_with_its_line() {
    let text = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  name: b\n";
    assert_eq!(
        errors(text),
        vec!["app.yaml: document 1: duplicate key \"name\", line 5"]
    );
}

#[test]
fn a_yaml_syntax_error_has_its_line_and_other_documents_still_report() {
    let text = "\
apiVersion: v1
kind: Namespace
metadata:
  name: [a, b
---
apiVersion: v1
kind: Namespace
metadata:
  nme: b
";
    assert_eq!(
        errors(text),
        vec![
            "app.yaml: document 1: invalid YAML: unclosed bracket '[' (column 9), line 4",
            "app.yaml: document 2: metadata.nme: unknown field (did you mean name?), line 9",
        ]
    );
}

#[test]
fn an_unknown_kind_lists_the_supported_kinds() {
    let text = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: web\n";
    let supported: Vec<String> = crate::api::Kind::ALL
        .iter()
        .map(|k| format!("{} {}", k.info().api_version, k.info().kind))
        .collect();
    assert_eq!(
        errors(text),
        vec![format!(
            "app.yaml: document 1: kind: unsupported kind \"NetworkPolicy\": ork supports {}, line 2",
            supported.join(", ")
        )]
    );
    assert!(supported[..3].join(", ") == "v1 Namespace, v1 Node, v1 Pod");
    let text = "apiVersion: apps/v1\nkind: deployment\nmetadata:\n  name: web\n";
    assert!(errors(text)[0].contains("(did you mean Deployment?)"));
}

#[test]
fn a_wrong_api_version_suggests_the_right_one() {
    let text = NGINX.replace("apps/v1", "extensions/v1beta1");
    assert_eq!(
        errors(&text),
        vec![
            "app.yaml: document 1: apiVersion: wrong apiVersion \"extensions/v1beta1\" \
             for Deployment: use apiVersion: apps/v1, line 1"
        ]
    );
}

#[test]
fn missing_api_version_and_kind_are_both_reported() {
    let errs = errors("metadata:\n  name: x\n");
    assert_eq!(
        errs,
        vec![
            "app.yaml: document 1: apiVersion: required field is missing \
             (every manifest needs apiVersion and kind), line 1",
            "app.yaml: document 1: kind: required field is missing \
             (every manifest needs apiVersion and kind), line 1",
        ]
    );
    assert_eq!(
        errors("- a\n- b\n"),
        vec![
            "app.yaml: document 1: expected an object with apiVersion and kind, got a list, line 1"
        ]
    );
}

#[test]
fn a_semantic_error_points_at_the_line_of_its_field() {
    let text = NGINX.replace("name: nginx-deployment", "name: Nginx_Deployment");
    let errs = errors(&text);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(
        errs[0].starts_with(
            "app.yaml: document 1: metadata.name: \"Nginx_Deployment\" is not a DNS-1123 subdomain"
        ),
        "{errs:?}"
    );
    assert!(errs[0].ends_with(", line 4"), "{errs:?}");
}

#[test]
fn null_on_an_optional_field_means_absent() {
    let text = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  labels:
  annotations: ~
  creationTimestamp: null
  name: web
spec:
  replicas:
  strategy: null
  selector: {matchLabels: {app: web}}
  template:
    metadata:
      creationTimestamp: null
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx
        resources: {}
        env:
        - name: EMPTY
          value:
";
    let decoded = ok(text);
    let d = deployment(&decoded.documents[0]);
    assert_eq!(d.spec.replicas, None);
    assert_eq!(d.spec.strategy, None);
    assert_eq!(d.spec.template.spec.containers[0].env[0].value, "");
    // Null on a required field is still refused.
    let errs = errors(&NGINX.replace("containers:\n      - name: nginx\n        image: nginx:1.14.2\n        ports:\n        - containerPort: 80\n", "containers:\n"));
    assert_eq!(
        errs,
        vec![
            "app.yaml: document 1: spec.template.spec.containers: expected a list, got null, line 17"
        ]
    );
}

#[test]
fn pretty_printed_and_one_line_json_decode() {
    let pretty = r#"{
  "apiVersion": "v1",
  "kind": "Pod",
  "metadata": {
    "name": "web",
    "labels": {"app": "web"}
  },
  "spec": {
    "containers": [
      {
        "name": "web",
        "image": "nginx",
        "ports": [{"containerPort": 80}]
      }
    ]
  }
}
"#;
    let one_line: String = serde_json::to_string(
        &serde_json::from_str::<serde_json::Value>(pretty).expect("valid JSON"),
    )
    .expect("serializable");
    let tabs = pretty.replace("  ", "\t");
    let a = ok(pretty);
    let b = ok(&one_line);
    let c = ok(&tabs);
    assert_eq!(a.documents[0].object, b.documents[0].object);
    assert_eq!(a.documents[0].object, c.documents[0].object);
    assert_eq!(
        pod(&a.documents[0]).spec.containers[0].ports[0].container_port,
        80
    );
    // Lines still point into pretty JSON.
    let bad = pretty.replace("\"image\"", "\"imag\"");
    assert_eq!(
        errors(&bad),
        vec![
            "app.yaml: document 1: spec.containers[0].imag: unknown field (did you mean image?), line 12"
        ]
    );
}

#[test]
fn a_list_expands_into_its_items_with_item_paths() {
    let text = "\
# kubectl get -o yaml output
apiVersion: v1
kind: List
metadata:
  resourceVersion: \"\"
items:
- apiVersion: v1
  kind: Namespace
  metadata:
    name: a
- apiVersion: v1
  kind: Pod
  metadata:
    name: b
  spec:
    containers:
    - name: b
      image: nginx
";
    let decoded = ok(text);
    let kinds: Vec<(usize, Kind, u32, &str)> = decoded
        .documents
        .iter()
        .map(|d| (d.index, d.object.kind(), d.line, d.path_prefix.as_str()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (1, Kind::Namespace, 7, "items[0]"),
            (1, Kind::Pod, 11, "items[1]"),
        ]
    );
    assert_eq!(
        decoded.documents[1].line_of("spec.containers[0].image"),
        Some(18)
    );

    let bad = text.replace(
        "    - name: b\n",
        "    - name: b\n      imagePullPolicy: Sometimes\n",
    );
    assert_eq!(
        errors(&bad),
        vec![
            "app.yaml: document 1: items[1].spec.containers[0].imagePullPolicy: unsupported value \
             \"Sometimes\": must be one of Always, IfNotPresent, Never, line 18"
        ]
    );
}

#[test]
fn warn_mode_turns_unknown_fields_into_warnings_and_still_decodes() {
    let text = NGINX.replace(
        "        image: nginx:1.14.2\n",
        "        image: nginx:1.14.2\n        imagePullPolcy: Always\n        volumeDevices: [{name: data, devicePath: /dev/x}]\n",
    );
    let decoded = decode("app.yaml", &text, Strictness::Warn).expect("decodes with warnings");
    let warnings: Vec<String> = decoded.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(
        warnings,
        vec![
            "app.yaml: document 1: spec.template.spec.containers[0].imagePullPolcy: \
             unknown field (did you mean imagePullPolicy?), line 20",
            "app.yaml: document 1: spec.template.spec.containers[0].volumeDevices: \
             not supported by ork yet, line 21",
        ]
    );
    assert_eq!(
        deployment(&decoded.documents[0]),
        deployment(&ok(NGINX).documents[0])
    );
    let quiet = decode("app.yaml", &text, Strictness::Ignore).expect("decodes");
    assert!(quiet.warnings.is_empty());
    // Other errors stay errors in warn mode.
    let text = text.replace("replicas: 3", "replicas: three");
    let errs = errors_in(&text, Strictness::Warn);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(
        errs[0].contains("spec.replicas: expected an integer"),
        "{errs:?}"
    );
}

#[test]
fn well_known_kubernetes_fields_are_reported_as_not_supported_yet() {
    assert_eq!(
        container_errors(
            "    volumeDevices: [{name: data, devicePath: /dev/x}]\n    stdin: true\n",
        ),
        vec![
            "app.yaml: document 1: spec.containers[0].volumeDevices: not supported by ork yet, line 9",
        ]
    );
}

#[test]
fn security_contexts_decode_and_what_ork_lacks_is_refused_by_name_even_in_warn_mode() {
    let lines = "    securityContext:\n      runAsUser: 1000\n      runAsNonRoot: true\n      capabilities: {drop: [ALL]}\n";
    let decoded = ok(&pod_with_container_lines(lines));
    let pod = Pod::from_any(&decoded.documents[0].object).expect("a Pod");
    let sc = pod.spec.containers[0].security_context.as_ref().unwrap();
    assert_eq!(
        (sc.run_as_user, sc.run_as_non_root),
        (Some(1000), Some(true))
    );
    assert_eq!(sc.capabilities.as_ref().unwrap().drop, vec!["ALL"]);
    // A field Kubernetes knows and ork does not implement is neither an
    // unknown field nor dropped with a warning: it is refused, by name.
    let text = pod_with_container_lines(
        "    securityContext:\n      runAsUser: 1000\n      seLinuxOptions: {level: \"s0:c1\"}\n",
    );
    for strictness in [Strictness::Strict, Strictness::Warn, Strictness::Ignore] {
        let errs = errors_in(&text, strictness);
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(
            errs[0].contains(
                "spec.containers[0].securityContext.seLinuxOptions: not supported by ork yet"
            ),
            "{errs:?}"
        );
    }
    // A misspelt one is an unknown field, with a suggestion.
    let errs = container_errors("    securityContext: {runAsUsr: 1000}\n");
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(
        errs[0].contains("securityContext.runAsUsr: unknown field (did you mean runAsUser?)"),
        "{errs:?}"
    );
}

#[test]
fn status_and_server_set_metadata_are_dropped_so_get_output_applies_again() {
    let text = "\
apiVersion: v1
kind: Namespace
metadata:
  name: web
  uid: 0b7c2a4e-0000-4000-8000-000000000000
  resourceVersion: \"42\"
  generation: 3
  creationTimestamp: \"2026-01-02T03:04:05Z\"
  selfLink: /api/v1/namespaces/web
  managedFields:
  - manager: kubectl
    operation: Apply
status:
  phase: Active
";
    let decoded = ok(text);
    let ns = Namespace::from_any(&decoded.documents[0].object).expect("a Namespace");
    let want: Namespace = new_object("", "web");
    assert_eq!(ns.as_ref(), &want);

    // And what ork itself prints decodes back to the same object.
    let original = ok(NGINX);
    let yaml = serde_saphyr::to_string(&original.documents[0].object.to_value().expect("json"))
        .expect("yaml");
    assert_eq!(ok(&yaml).documents[0].object, original.documents[0].object);
}

#[test]
fn other_metadata_fields_stay_strict() {
    let text = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: web\n  lables: {a: b}\n";
    assert_eq!(
        errors(text),
        vec!["app.yaml: document 1: metadata.lables: unknown field (did you mean labels?), line 5"]
    );
}

#[test]
fn empty_documents_are_skipped_but_counted() {
    let text = "\
# leading comment
---
---
# only a comment
---
~
---
apiVersion: v1
kind: Namespace
metadata:
  name: Bad
";
    let errs = errors(text);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(
        errs[0].starts_with("app.yaml: document 4: metadata.name: "),
        "{errs:?}"
    );
    assert!(errs[0].ends_with(", line 11"), "{errs:?}");
    assert!(ok("").documents.is_empty());
    assert!(ok("---\n# nothing\n...\n").documents.is_empty());
}

#[test]
fn anchors_and_merge_keys_work_as_in_kubernetes() {
    let text = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: &labels {app: web}
spec:
  selector:
    matchLabels: *labels
  template:
    metadata:
      labels:
        <<: *labels
        tier: front
    spec:
      containers:
      - name: web
        image: nginx
";
    let decoded = ok(text);
    let d = deployment(&decoded.documents[0]);
    assert_eq!(
        d.spec.template.metadata.labels,
        labels(&[("app", "web"), ("tier", "front")])
    );
}

#[test]
fn line_of_finds_a_field_or_its_nearest_ancestor() {
    let text = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app.kubernetes.io/name: web
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: web
  template:
    metadata:
      labels:
        app.kubernetes.io/name: web
    spec:
      containers:
      - name: web
        image: nginx
";
    let decoded = ok(text);
    let doc = &decoded.documents[0];
    assert_eq!(doc.line_of(""), Some(1));
    assert_eq!(doc.line_of("metadata.name"), Some(4));
    assert_eq!(
        doc.line_of("metadata.labels.app.kubernetes.io/name"),
        Some(6)
    );
    assert_eq!(
        doc.line_of("spec.template.spec.containers[0].image"),
        Some(18)
    );
    assert_eq!(doc.line_of("spec.template.spec.containers[0]"), Some(17));
    assert_eq!(doc.line_of("spec.replicas"), Some(7));
    assert_eq!(
        doc.line_of("spec.template.spec.containers[5].name"),
        Some(16)
    );
    let e = doc.field_error("app.yaml", &FieldError::new("spec.replicas", "too many"));
    assert_eq!(
        e.to_string(),
        "app.yaml: document 1: spec.replicas: too many, line 7"
    );
}

#[test]
fn the_error_display_leaves_out_unknown_parts() {
    let mut e = ManifestError {
        file: "app.yaml".into(),
        document: Some(2),
        path: "spec.replicas".into(),
        line: Some(14),
        message: "must not be negative".into(),
    };
    assert_eq!(
        e.to_string(),
        "app.yaml: document 2: spec.replicas: must not be negative, line 14"
    );
    e.document = None;
    e.line = None;
    e.path.clear();
    assert_eq!(e.to_string(), "app.yaml: must not be negative");
    e.file.clear();
    e.message = "bad\x1b[2Jkey".into();
    assert_eq!(e.to_string(), "bad\\u{1b}[2Jkey");
}

#[test]
fn strictness_reads_like_kubectl_validate() {
    assert_eq!("strict".parse(), Ok(Strictness::Strict));
    assert_eq!("true".parse(), Ok(Strictness::Strict));
    assert_eq!("warn".parse(), Ok(Strictness::Warn));
    assert_eq!("false".parse(), Ok(Strictness::Ignore));
    assert!("sometimes".parse::<Strictness>().is_err());
    assert_eq!(Strictness::default(), Strictness::Strict);
}

mod docs;
mod hostile;
mod schema;
