//! The schema checker on hand-written schemas, and typo suggestions.

use super::*;

/// Checks YAML against a hand-written schema, returning the JSON or the messages.
fn check_against(schema: serde_json::Value, yaml: &str) -> Result<serde_json::Value, Vec<String>> {
    let mut budget = tree::Budget {
        max_depth: MAX_DEPTH,
        events_left: MAX_EVENTS,
        nodes_left: MAX_NODES,
    };
    let node = tree::parse(yaml, &mut budget)
        .expect("valid YAML")
        .expect("not null");
    let mut checker = Checker::new(&schema, yaml, Strictness::Strict);
    let out = checker.check(&node, &schema, "", node.line);
    let failed = checker.failed();
    let (errs, _) = checker.finish(node.line);
    match out {
        Some(v) if !failed => Ok(v),
        _ => Err(errs
            .iter()
            .map(|i| format!("{}: {} (line {})", i.path, i.message, i.line))
            .collect()),
    }
}

#[test]
fn the_schema_checker_handles_refs_unions_maps_and_ranges() {
    let schema = serde_json::json!({
        "type": "object",
        "properties": {
            "port": {"type": "integer", "format": "uint16"},
            "either": {"anyOf": [
                {"type": "integer"},
                {"$ref": "#/$defs/Thing"},
            ]},
            "many": {"type": "array", "items": {"$ref": "#/$defs/Thing"}},
            "map": {"type": "object", "additionalProperties": {"type": ["integer", "null"]}},
            "free": true,
        },
        "required": ["port"],
        "additionalProperties": false,
        "$defs": {
            "Thing": {
                "type": "object",
                "properties": {"a": {"type": "string"}},
                "required": ["a"],
                "additionalProperties": false,
            }
        }
    });
    let good = "port: 8080\neither: {a: x}\nmany: [{a: y}]\nmap: {k: 1, n: ~}\nfree: {anything: [1, true]}\n";
    assert_eq!(
        check_against(schema.clone(), good),
        Ok(serde_json::json!({
            "port": 8080,
            "either": {"a": "x"},
            "many": [{"a": "y"}],
            "map": {"k": 1, "n": null},
            "free": {"anything": [1, true]},
        }))
    );
    assert_eq!(
        check_against(schema.clone(), "port: 7\neither: 3\n"),
        Ok(serde_json::json!({"port": 7, "either": 3}))
    );
    let bad = "port: 70000\neither: {b: 1}\nmany:\n- {}\nmap: {k: x}\n";
    assert_eq!(
        check_against(schema.clone(), bad),
        Err(vec![
            "port: 70000 is out of range: must be between 0 and 65535 (line 1)".to_string(),
            "either.b: unknown field (line 2)".to_string(),
            "either.a: required field is missing (line 2)".to_string(),
            "many[0].a: required field is missing (line 4)".to_string(),
            "map.k: expected an integer, got string \"x\" (line 5)".to_string(),
        ])
    );
    assert_eq!(
        check_against(schema, "port: -1\n"),
        Err(vec!["port: -1 must not be negative (line 1)".to_string()])
    );
}

#[test]
fn suggestions_only_come_for_likely_typos() {
    let fields = ["image", "imagePullPolicy", "name", "ports", "labels"];
    assert_eq!(
        schema::suggest("imagePullPolcy", fields),
        Some("imagePullPolicy")
    );
    assert_eq!(schema::suggest("lables", fields), Some("labels"));
    assert_eq!(schema::suggest("Name", fields), Some("name"));
    assert_eq!(schema::suggest("port", fields), Some("ports"));
    assert_eq!(schema::suggest("volumes", fields), None);
    assert_eq!(schema::suggest("x", fields), None);
}
