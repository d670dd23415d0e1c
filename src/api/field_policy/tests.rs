//! The field table: every field of Kubernetes' Pod schema, walked from the
//! catalog, is either ork's (implemented) or refused by name as not
//! supported yet, at its line; none is ever "unknown"; a misspelt one is
//! unknown with the right suggestion. Data-driven, so it keeps holding as
//! ork's types gain fields.

use super::*;
use crate::api::explain::Explainer;
use crate::api::manifest::{ManifestError, Strictness, decode};

/// What the walk found about one field of the catalog.
#[derive(Debug)]
struct Row {
    path: String,
    implemented: bool,
}

/// Metadata the server sets, which manifests may carry.
const SERVER_SET: &[&str] = &[
    "selfLink",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "managedFields",
];

/// A marker value no field takes as valid or default.
const MARK: &str = "ork-field-table-value";

/// A Pod whose object at `parent` (list fields holding one item) exists,
/// with `key: MARK` there; pretty JSON, so every key has its own line.
fn pod_with(parent: &[(String, bool)], key: &str) -> (String, u32) {
    let mut root = json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "c", "image": "busybox"}]}
    });
    let mut here = &mut root;
    for (field, list) in parent {
        let obj = here.as_object_mut().expect("an object");
        if *list {
            let items = obj
                .entry(field.clone())
                .or_insert_with(|| json!([{}]))
                .as_array_mut()
                .expect("a list");
            here = &mut items[0];
        } else {
            here = obj.entry(field.clone()).or_insert_with(|| json!({}));
        }
    }
    here.as_object_mut()
        .expect("an object")
        .insert(key.to_string(), json!(MARK));
    let text = serde_json::to_string_pretty(&root).expect("json");
    let line = text
        .lines()
        .position(|l| l.contains(MARK))
        .expect("the marker")
        + 1;
    (text, line as u32)
}

/// The path of `key` below `parent` as the decoder names it.
fn path_of(parent: &[(String, bool)], key: &str) -> String {
    let mut p = String::new();
    for (field, list) in parent {
        if !p.is_empty() {
            p.push('.');
        }
        p.push_str(field);
        if *list {
            p.push_str("[0]");
        }
    }
    if p.is_empty() {
        key.to_string()
    } else {
        format!("{p}.{key}")
    }
}

fn decode_errors(text: &str, strictness: Strictness) -> Vec<ManifestError> {
    decode("pod.json", text, strictness)
        .err()
        .unwrap_or_default()
}

/// Walks Kubernetes' type at `parent` (ork's schema there is `ork`),
/// checking every field, and descends into those ork implements.
fn walk(
    e: &Explainer,
    theirs: &'static Type,
    parent: &mut Vec<(String, bool)>,
    rows: &mut Vec<Row>,
) {
    let names: Vec<String> = parent.iter().map(|(f, _)| f.clone()).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let ork = e.walk(Kind::Pod, &names).expect("ork has the parent");
    let ork_fields: Vec<&str> = e.fields(ork.schema).iter().map(|f| f.0).collect();
    for name in theirs.names() {
        let path = path_of(parent, name);
        if ork_fields.contains(&name) {
            rows.push(Row {
                path: path.clone(),
                implemented: true,
            });
            let Some(inner) = theirs.field(name).and_then(|f| f.message) else {
                continue;
            };
            if names == ["metadata"] && SERVER_SET.contains(&name) {
                continue;
            }
            let mut below: Vec<&str> = names.clone();
            below.push(name);
            let Ok(x) = e.walk(Kind::Pod, &below) else {
                continue;
            };
            let list = x.type_name.starts_with("[]");
            let object = !e.fields(x.schema).is_empty();
            if object && parent.len() < 8 && !x.type_name.starts_with("map[") {
                parent.push((name.to_string(), list));
                walk(e, inner(), parent, rows);
                parent.pop();
            }
            continue;
        }
        // Not ork's: refused by name, at its line, as not supported.
        let (text, line) = pod_with(parent, name);
        let errs = decode_errors(&text, Strictness::Strict);
        if names == ["metadata"] && SERVER_SET.contains(&name) {
            // Set by the server: accepted and dropped, so that `get -o
            // yaml` output applies again.
            assert!(errs.is_empty(), "{path}: {errs:#?}");
            rows.push(Row {
                path,
                implemented: true,
            });
            continue;
        }
        let found = errs.iter().find(|err| err.path == path);
        let err = found.unwrap_or_else(|| panic!("{path}: no error for it in {errs:#?}"));
        assert!(
            err.message.starts_with("not supported by ork yet"),
            "{path}: {}",
            err.message
        );
        assert_eq!(err.line, Some(line), "{path}");
        if security_relevant(&path) {
            for s in [Strictness::Warn, Strictness::Ignore] {
                let errs = decode_errors(&text, s);
                assert!(
                    errs.iter().any(|err| err.path == path),
                    "{path} is security-relevant: it stays an error with {s}"
                );
            }
        }
        rows.push(Row {
            path,
            implemented: false,
        });
    }
    // A misspelling of each field is unknown, suggesting the nearest name.
    let mut candidates: Vec<&str> = ork_fields.clone();
    candidates.extend(theirs.names());
    for name in theirs.names() {
        let typo = format!("{name}x");
        if candidates.contains(&typo.as_str()) {
            continue;
        }
        let (text, line) = pod_with(parent, &typo);
        let path = path_of(parent, &typo);
        let errs = decode_errors(&text, Strictness::Strict);
        let err = errs
            .iter()
            .find(|err| err.path == path)
            .unwrap_or_else(|| panic!("{path}: no error for it in {errs:#?}"));
        let nearest = candidates
            .iter()
            .map(|c| strsim::osa_distance(&typo.to_lowercase(), &c.to_lowercase()))
            .min();
        let ties: Vec<&str> = candidates
            .iter()
            .copied()
            .filter(|c| {
                Some(strsim::osa_distance(
                    &typo.to_lowercase(),
                    &c.to_lowercase(),
                )) == nearest
            })
            .collect();
        let wanted: Vec<String> = ties
            .iter()
            .map(|t| format!("unknown field (did you mean {t}?)"))
            .collect();
        assert!(
            wanted.contains(&err.message),
            "{path}: {} (wanted one of {wanted:?})",
            err.message
        );
        if ties == [name] {
            assert_eq!(
                err.message,
                format!("unknown field (did you mean {name}?)"),
                "{path}"
            );
        }
        assert_eq!(err.line, Some(line), "{path}");
    }
}

#[test]
fn every_field_of_the_pod_schema_is_implemented_or_refused_by_name_never_unknown() {
    let e = Explainer::default();
    let pod = catalog::of_kind(Kind::Pod).expect("the Pod's type");
    let mut rows = vec![];
    for top in ["metadata", "spec"] {
        let t = pod.at(top).expect("a message");
        walk(&e, t, &mut vec![(top.to_string(), false)], &mut rows);
    }
    let implemented = rows.iter().filter(|r| r.implemented).count();
    let refused = rows.len() - implemented;
    // The walk reached the Pod's main types and their fields.
    for p in [
        "spec.containers",
        "spec.containers[0].image",
        "spec.volumes",
        "metadata.labels",
        "spec.volumes[0].downwardAPI.items[0].fieldRef",
        "spec.volumes[0].projected.sources[0].configMap.items[0].mode",
        "spec.volumes[0].projected.sources[0].secret.name",
        "spec.volumes[0].projected.sources[0].downwardAPI",
        "spec.containers[0].volumeMounts[0].subPath",
        "spec.containers[0].volumeMounts[0].subPathExpr",
    ] {
        assert!(
            rows.iter().any(|r| r.path == p && r.implemented),
            "{p} {rows:#?}"
        );
    }
    eprintln!(
        "{} Pod fields walked: {implemented} implemented, {refused} not supported",
        rows.len()
    );
    assert!(rows.len() > 150, "{} fields walked", rows.len());
    assert!(implemented > 50 && refused > 0, "{implemented} / {refused}");
}

#[test]
fn the_classes_read_as_specified() {
    let p = Some(Kind::Pod);
    let nothing: [&str; 0] = [];
    assert_eq!(
        classify(
            p,
            "spec.containers[0]",
            "lifecycle",
            Some(&json!({})),
            nothing
        )
        .message()
        .split(':')
        .next(),
        Some("not supported by ork yet"),
    );
    assert_eq!(
        classify(p, "spec", "ephemeralContainers", None, nothing).message(),
        "not supported by ork yet: use `ork exec` to run a command in a running container"
    );
    assert_eq!(
        classify(p, "spec.volumes[0]", "nfs", None, nothing),
        Class::NotSupported {
            instead: Some(
                "ork's nodes mount emptyDir, hostPath, configMap, secret, downwardAPI, projected and persistentVolumeClaim volumes"
            )
        }
    );
    // Projected sources ork does not give are refused by name.
    for (key, said) in [
        ("clusterTrustBundle", "ClusterTrustBundles"),
        ("podCertificate", "pod certificates"),
    ] {
        let m = classify(
            p,
            "spec.volumes[0].projected.sources[0]",
            key,
            None,
            nothing,
        )
        .message();
        assert!(
            m.starts_with("not supported by ork yet: ") && m.contains(said),
            "{key}: {m}"
        );
    }
    assert_eq!(
        classify(p, "spec.containers[0]", "imagePullPolcy", None, ["image"]).message(),
        "unknown field (did you mean imagePullPolicy?)"
    );
    assert_eq!(
        classify(p, "spec", "colour", None, ["containers"]).message(),
        "unknown field"
    );
    // Kubernetes' defaults, which ork behaves as, are accepted.
    for (parent, key, v) in [
        (
            "spec.containers[0]",
            "terminationMessagePath",
            json!("/dev/termination-log"),
        ),
        (
            "spec.containers[0]",
            "terminationMessagePolicy",
            json!("File"),
        ),
        ("spec", "hostPID", json!(false)),
        ("spec", "hostIPC", json!(false)),
        ("spec", "overhead", Value::Null),
    ] {
        assert_eq!(
            classify(p, parent, key, Some(&v), nothing),
            Class::Default,
            "{key}"
        );
    }
    assert!(matches!(
        classify(p, "spec", "hostPID", Some(&json!(true)), nothing),
        Class::NotSupported { .. }
    ));
    // A workload kind the catalog does not list still has its pod template's.
    assert_eq!(
        kubernetes_type(Kind::Deployment, "spec.template.spec.containers[2]").map(|t| &t.name[..]),
        Some("Container")
    );
}

#[test]
fn security_settings_are_named_wherever_they_sit() {
    for p in [
        "spec.securityContext",
        "spec.containers[0].securityContext.capabilities.add",
        "spec.hostPID",
        "spec.volumes[1].hostPath",
        "spec.template.spec.initContainers[0].securityContext.procMount",
    ] {
        assert!(security_relevant(p), "{p}");
    }
    for p in [
        "spec.containers[0].image",
        "spec.hostname",
        "metadata.labels",
    ] {
        assert!(!security_relevant(p), "{p}");
    }
}

fn pod_yaml(spec_lines: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: busybox\n{spec_lines}"
    )
}

#[test]
fn warn_and_ignore_never_drop_a_security_setting() {
    let text = pod_yaml("  hostPID: true\n  setHostnameAsFQDN: true\n");
    for s in [Strictness::Warn, Strictness::Ignore] {
        let errs = decode_errors(&text, s);
        let shown: Vec<String> = errs.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            ["pod.json: document 1: spec.hostPID: not supported by ork yet, line 9"],
            "{s}"
        );
    }
    // Without it, warn decodes, naming what it dropped.
    let text = pod_yaml("  setHostnameAsFQDN: true\n  hostPID: false\n");
    let decoded = decode("pod.json", &text, Strictness::Warn).expect("decodes");
    let warnings: Vec<String> = decoded.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(
        warnings,
        ["pod.json: document 1: spec.setHostnameAsFQDN: not supported by ork yet, line 9"]
    );
}

#[test]
fn kubernetes_defaults_apply_and_values_kubernetes_refuses_are_refused() {
    let text = pod_yaml(
        "    terminationMessagePath: /dev/termination-log\n    terminationMessagePolicy: File\n  dnsPolicy: ClusterFirst\n  schedulerName: default-scheduler\n  enableServiceLinks: true\n  hostNetwork: false\n",
    );
    let decoded = decode("pod.json", &text, Strictness::Strict).expect("decodes");
    assert!(decoded.warnings.is_empty());
    let text = pod_yaml(
        "  dnsPolicy: Sometimes\n  schedulerName: My_Scheduler\n  enableServiceLinks: false\n",
    );
    let shown: Vec<String> = decode_errors(&text, Strictness::Strict)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        shown,
        [
            "pod.json: document 1: spec.dnsPolicy: \"Sometimes\": must be ClusterFirst, ClusterFirstWithHostNet, Default or None, line 9",
            "pod.json: document 1: spec.schedulerName: \"My_Scheduler\" is not a DNS-1123 subdomain: use lowercase letters, digits, '-' and '.', starting and ending with a letter or digit (e.g. 'example.com'), line 10",
        ]
    );
    let mut spec = PodSpec::default();
    default_pod_spec(&mut spec);
    assert_eq!(
        (
            spec.dns_policy.as_deref(),
            spec.scheduler_name.as_deref(),
            spec.enable_service_links
        ),
        (Some("ClusterFirst"), Some("default-scheduler"), Some(true))
    );
    // On the node's network a port's hostPort is its containerPort.
    let mut spec: PodSpec = serde_json::from_value(json!({
        "hostNetwork": true,
        "containers": [{"name": "c", "ports": [{"containerPort": 8080}, {"containerPort": 9090, "hostPort": 9090}]}]
    }))
    .unwrap();
    default_pod_spec(&mut spec);
    let host_ports: Vec<Option<i32>> = spec.containers[0]
        .ports
        .iter()
        .map(|p| p.host_port)
        .collect();
    assert_eq!(host_ports, [Some(8080), Some(9090)]);
    spec.host_network = None;
    spec.containers[0].ports[0].host_port = None;
    default_pod_spec(&mut spec);
    assert_eq!(
        spec.containers[0].ports[0].host_port, None,
        "only on the node's network"
    );
}
