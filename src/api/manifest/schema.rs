//! Checks a YAML tree against the JSON schema of its kind, collecting every
//! problem with its field path, and turns it into JSON for typed decoding.

use super::Strictness;
use super::tree::{Entry, Node, Value};
use crate::api::field_policy::{self, Class};
use crate::api::object::Kind;
use crate::api::quantity::Quantity;
use serde_json::{Map, Value as Json};
use std::sync::OnceLock;

/// The JSON schema of a kind, derived once from its Rust type.
pub(crate) fn schema_of(kind: Kind) -> &'static Json {
    static SCHEMAS: OnceLock<[Json; Kind::ALL.len()]> = OnceLock::new();
    let all = SCHEMAS.get_or_init(|| {
        Kind::ALL.map(|k| crate::with_kind!(k, T => schemars::schema_for!(T).to_value()))
    });
    &all[kind as usize]
}

/// Metadata the server sets: accepted in a manifest (so `get -o yaml` output
/// applies again) and dropped.
const SERVER_SET_METADATA: &[&str] = &[
    "creationTimestamp",
    "deletionGracePeriodSeconds",
    "deletionTimestamp",
    "generation",
    "managedFields",
    "resourceVersion",
    "selfLink",
    "uid",
];

/// One problem, at a path relative to the object, on a chunk-relative line.
#[derive(Debug)]
pub(super) struct Issue {
    pub path: String,
    pub line: u32,
    pub message: String,
}

pub(super) struct Checker<'a> {
    root: &'a Json,
    /// The kind checked, to tell Kubernetes' fields from unknown ones.
    kind: Option<Kind>,
    /// The document's text, to quote scalars as they were written.
    text: &'a str,
    strictness: Strictness,
    pub errors: Vec<Issue>,
    pub warnings: Vec<Issue>,
    dropped_errors: usize,
    dropped_warnings: usize,
}

/// Most errors (and, separately, warnings) listed for one object.
const MAX_ISSUES: usize = 100;

/// `path.key`, or `key` at the top.
pub(super) fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// A string shortened for messages, Debug-quoted so control characters show escaped.
pub(super) fn short(s: &str) -> String {
    const MAX: usize = 60;
    if s.chars().count() > MAX {
        let cut: String = s.chars().take(MAX).collect();
        format!("{cut}…")
    } else {
        s.to_string()
    }
}

fn quote(s: &str) -> String {
    format!("{:?}", short(s))
}

/// The candidate closest to `word`, if close enough to be a likely typo:
/// the fewest edits (a swap of neighbours counting as one), ignoring case.
pub(crate) fn suggest<'c>(
    word: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Option<&'c str> {
    if word.len() > 64 {
        return None;
    }
    let w = word.to_lowercase();
    let limit = match w.chars().count() {
        0..=2 => 0,
        3..=4 => 1,
        5..=8 => 2,
        _ => 3,
    };
    candidates
        .into_iter()
        .filter(|c| c.len() <= 64)
        .map(|c| (strsim::osa_distance(&w, &c.to_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Int(_) => "integer",
        Value::Float(_) => "number",
        Value::Str(_) => "string",
        Value::Seq(_) => "array",
        Value::Map(_) => "object",
    }
}

/// Whether a node is of one of the types (none listed: any type).
fn fits(types: &[&str], value: &Value) -> bool {
    let found = type_name(value);
    types.is_empty() || types.contains(&found) || (found == "integer" && types.contains(&"number"))
}

fn types_of(schema: &Map<String, Json>) -> Vec<&str> {
    match schema.get("type") {
        Some(Json::String(t)) => vec![t.as_str()],
        Some(Json::Array(ts)) => ts.iter().filter_map(Json::as_str).collect(),
        _ => vec![],
    }
}

fn int_range(format: &str) -> Option<(i128, i128)> {
    Some(match format {
        "int8" => (i8::MIN.into(), i8::MAX.into()),
        "int16" => (i16::MIN.into(), i16::MAX.into()),
        "int32" | "int-or-string" => (i32::MIN.into(), i32::MAX.into()),
        "int64" | "int" => (i64::MIN.into(), i64::MAX.into()),
        "uint8" => (0, u8::MAX.into()),
        "uint16" => (0, u16::MAX.into()),
        "uint32" => (0, u32::MAX.into()),
        "uint64" | "uint" => (0, u64::MAX.into()),
        _ => return None,
    })
}

fn float_text(f: f64) -> String {
    if f.is_nan() {
        ".nan".into()
    } else if f.is_infinite() {
        if f > 0.0 { ".inf" } else { "-.inf" }.into()
    } else {
        format!("{f:?}")
    }
}

fn int_json(i: i128) -> Option<Json> {
    if let Ok(v) = i64::try_from(i) {
        Some(Json::from(v))
    } else {
        u64::try_from(i).ok().map(Json::from)
    }
}

/// A node as JSON where the schema says nothing about it.
fn plain(node: &Node) -> Json {
    match &node.value {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => int_json(*i).unwrap_or_else(|| Json::String(i.to_string())),
        Value::Float(f) => serde_json::Number::from_f64(*f)
            .map(Json::Number)
            .unwrap_or_else(|| Json::String(float_text(*f))),
        Value::Str(s) => Json::String(s.clone()),
        Value::Seq(items) => Json::Array(items.iter().map(plain).collect()),
        Value::Map(entries) => Json::Object(
            entries
                .iter()
                .map(|e| (e.key.clone(), plain(&e.value)))
                .collect(),
        ),
    }
}

/// The source text of a scalar, when it is a plain one-line token.
fn raw<'t>(node: &Node, text: &'t str) -> Option<&'t str> {
    let (start, len) = node.span;
    let raw = text.get(start..start.checked_add(len)?)?.trim();
    let plain = !raw.is_empty()
        && raw.len() <= 60
        && !raw.contains(['\n', '"', '\'', '*', '&', '!', '#', ',', ']', '}']);
    plain.then_some(raw)
}

/// A scalar's text as written (`0755`, `1.0`), else its value.
fn scalar_text(node: &Node, text: &str) -> String {
    if let Some(raw) = raw(node, text) {
        return raw.to_string();
    }
    match &node.value {
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => float_text(*f),
        Value::Str(s) => s.clone(),
        Value::Null => "null".into(),
        Value::Seq(_) | Value::Map(_) => String::new(),
    }
}

/// What a node is, for messages: `integer 80`, `string "x"`, `a list`.
/// `text` is the document's text, to quote scalars as they were written.
pub(super) fn describe(node: &Node, text: &str) -> String {
    match &node.value {
        Value::Null => "null".into(),
        Value::Bool(_) => format!("boolean {}", scalar_text(node, text)),
        Value::Int(_) => format!("integer {}", scalar_text(node, text)),
        Value::Float(_) => format!("number {}", scalar_text(node, text)),
        Value::Str(s) => format!("string {}", quote(s)),
        Value::Seq(_) => "a list".into(),
        Value::Map(_) => "an object".into(),
    }
}

impl<'a> Checker<'a> {
    pub fn new(root: &'a Json, text: &'a str, strictness: Strictness) -> Self {
        Checker {
            root,
            kind: None,
            text,
            strictness,
            errors: vec![],
            warnings: vec![],
            dropped_errors: 0,
            dropped_warnings: 0,
        }
    }

    /// The issues found, with a note on how many more there were past the
    /// cap; `line` is where the object starts.
    pub fn finish(mut self, line: u32) -> (Vec<Issue>, Vec<Issue>) {
        for (issues, dropped, what) in [
            (&mut self.errors, self.dropped_errors, "errors"),
            (&mut self.warnings, self.dropped_warnings, "warnings"),
        ] {
            if dropped > 0 {
                issues.push(Issue {
                    path: String::new(),
                    line,
                    message: format!("{dropped} more {what} in this object not shown"),
                });
            }
        }
        (self.errors, self.warnings)
    }

    pub fn failed(&self) -> bool {
        !self.errors.is_empty() || self.dropped_errors > 0
    }

    fn error(&mut self, path: &str, line: u32, message: impl Into<String>) {
        if self.errors.len() >= MAX_ISSUES {
            self.dropped_errors += 1;
            return;
        }
        self.errors.push(Issue {
            path: path.to_string(),
            line,
            message: message.into(),
        });
    }

    /// The checker of an object of `kind`.
    pub fn for_kind(mut self, kind: Kind) -> Self {
        self.kind = Some(kind);
        self
    }

    /// A field the schema does not know (`key` of the object at `parent`,
    /// written with `value`): not supported by ork yet, a default that is
    /// accepted, or unknown ([`field_policy::classify`]); an error, a
    /// warning or nothing, as strictness says, except that a security
    /// setting is an error whatever the strictness.
    pub fn unknown_field<'k>(
        &mut self,
        key: &str,
        parent: &str,
        value: Option<&Node>,
        line: u32,
        known: impl IntoIterator<Item = &'k str>,
    ) {
        // Past the cap nothing more is listed: only counted.
        if self.errors.len() >= MAX_ISSUES && self.warnings.len() >= MAX_ISSUES {
            self.dropped_errors += 1;
            return;
        }
        let path = join(parent, key);
        let value = value.map(plain);
        let class = field_policy::classify(self.kind, parent, key, value.as_ref(), known);
        if class == Class::Default {
            return;
        }
        let strictness = if field_policy::security_relevant(&path) {
            Strictness::Strict
        } else {
            self.strictness
        };
        let (full, dropped) = match strictness {
            Strictness::Strict => (self.errors.len(), &mut self.dropped_errors),
            Strictness::Warn => (self.warnings.len(), &mut self.dropped_warnings),
            Strictness::Ignore => return,
        };
        if full >= MAX_ISSUES {
            *dropped += 1;
            return;
        }
        let issue = Issue {
            path,
            line,
            message: class.message(),
        };
        match strictness {
            Strictness::Strict => self.errors.push(issue),
            Strictness::Warn => self.warnings.push(issue),
            Strictness::Ignore => {}
        }
    }

    fn scalar_text(&self, node: &Node) -> String {
        scalar_text(node, self.text)
    }

    fn describe(&self, node: &Node) -> String {
        describe(node, self.text)
    }

    fn resolve(&self, mut schema: &'a Json) -> &'a Json {
        for _ in 0..32 {
            let Some(reference) = schema.get("$ref").and_then(Json::as_str) else {
                break;
            };
            let target = reference
                .strip_prefix("#/$defs/")
                .and_then(|name| self.root.get("$defs")?.get(name))
                .or_else(|| {
                    let name = reference.strip_prefix("#/definitions/")?;
                    self.root.get("definitions")?.get(name)
                });
            match target {
                Some(t) => schema = t,
                None if reference == "#" => schema = self.root,
                None => break,
            }
        }
        schema
    }

    fn is_null_schema(&self, schema: &'a Json) -> bool {
        match self.resolve(schema) {
            Json::Object(o) => {
                let t = types_of(o);
                !t.is_empty() && t.iter().all(|t| *t == "null")
            }
            _ => false,
        }
    }

    /// Checks `node` against `schema`; `line` is where the node is written
    /// (the line of its key in a mapping). Returns its JSON, or `None` when
    /// it has errors.
    pub fn check(&mut self, node: &Node, schema: &'a Json, path: &str, line: u32) -> Option<Json> {
        let schema = match self.resolve(schema) {
            Json::Object(o) => o,
            Json::Bool(false) => {
                self.error(path, line, "no value is allowed here");
                return None;
            }
            _ => return Some(plain(node)),
        };
        if let Some(Json::Array(branches)) = schema.get("anyOf").or_else(|| schema.get("oneOf")) {
            return self.check_any(node, branches, path, line);
        }
        if let Some(Json::Array(all)) = schema.get("allOf") {
            let mut out = None;
            for s in all {
                out = self.check(node, s, path, line);
            }
            return out;
        }
        if let Some(Json::Array(values)) = schema.get("enum") {
            return self.check_enum(node, values, path, line);
        }
        let types = types_of(schema);
        let format = schema.get("format").and_then(Json::as_str).unwrap_or("");
        // YAML 1.1 octal, as Kubernetes reads manifests: `defaultMode: 0644` is 420.
        if types.contains(&"integer")
            && matches!(node.value, Value::Int(_) | Value::Float(_))
            && let Some(n) = yaml11_octal(&self.scalar_text(node))
        {
            let octal = Node {
                line: node.line,
                span: node.span,
                value: Value::Int(n),
            };
            return self.check_number(&octal, schema, format, path, line);
        }
        if !fits(&types, &node.value) {
            self.type_error(node, &types, format, path, line);
            return None;
        }
        match &node.value {
            Value::Null => Some(Json::Null),
            Value::Bool(b) => Some(Json::Bool(*b)),
            Value::Str(s) => self.check_string(s, format, path, line),
            Value::Int(_) | Value::Float(_) => self.check_number(node, schema, format, path, line),
            Value::Seq(items) => {
                let item_schema = schema.get("items");
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    let p = format!("{path}[{i}]");
                    let v = match item_schema {
                        Some(s) => self.check(item, s, &p, item.line),
                        None => Some(plain(item)),
                    };
                    out.extend(v);
                }
                Some(Json::Array(out))
            }
            Value::Map(entries) => self.check_object(entries, schema, path, line),
        }
    }

    fn check_any(
        &mut self,
        node: &Node,
        branches: &'a [Json],
        path: &str,
        line: u32,
    ) -> Option<Json> {
        if matches!(node.value, Value::Null) && branches.iter().any(|b| self.is_null_schema(b)) {
            return Some(Json::Null);
        }
        let rest: Vec<&'a Json> = branches
            .iter()
            .filter(|b| !self.is_null_schema(b))
            .collect();
        match rest.as_slice() {
            [] => {
                self.error(
                    path,
                    line,
                    format!("expected null, got {}", self.describe(node)),
                );
                return None;
            }
            [only] => return self.check(node, only, path, line),
            _ => {}
        }
        // Try each branch; keep the issues of the one that came closest.
        struct Attempt {
            /// Whether the branch is of another type, then how many errors.
            rank: (bool, usize),
            errors: Vec<Issue>,
            warnings: Vec<Issue>,
            dropped_errors: usize,
            dropped_warnings: usize,
        }
        let (errors, warnings) = (self.errors.len(), self.warnings.len());
        let (dropped_errors, dropped_warnings) = (self.dropped_errors, self.dropped_warnings);
        let mut best: Option<Attempt> = None;
        for branch in rest {
            let out = self.check(node, branch, path, line);
            let count = self.errors.len() + self.dropped_errors - errors - dropped_errors;
            if count == 0 {
                return out;
            }
            let other_type = match self.resolve(branch) {
                Json::Object(o) => !fits(&types_of(o), &node.value),
                _ => false,
            };
            let attempt = Attempt {
                rank: (other_type, count),
                errors: self.errors.split_off(errors),
                warnings: self.warnings.split_off(warnings),
                dropped_errors: std::mem::replace(&mut self.dropped_errors, dropped_errors)
                    - dropped_errors,
                dropped_warnings: std::mem::replace(&mut self.dropped_warnings, dropped_warnings)
                    - dropped_warnings,
            };
            if best.as_ref().is_none_or(|b| attempt.rank < b.rank) {
                best = Some(attempt);
            }
        }
        if let Some(b) = best {
            self.errors.extend(b.errors);
            self.warnings.extend(b.warnings);
            self.dropped_errors += b.dropped_errors;
            self.dropped_warnings += b.dropped_warnings;
        }
        None
    }

    fn check_enum(
        &mut self,
        node: &Node,
        values: &'a [Json],
        path: &str,
        line: u32,
    ) -> Option<Json> {
        let allowed: Vec<&str> = values.iter().filter_map(Json::as_str).collect();
        match &node.value {
            Value::Str(s) if allowed.contains(&s.as_str()) => return Some(Json::String(s.clone())),
            Value::Null if values.contains(&Json::Null) => return Some(Json::Null),
            _ => {}
        }
        let list = allowed.join(", ");
        let message = match &node.value {
            Value::Str(s) => {
                let hint = suggest(s, allowed.iter().copied())
                    .map(|a| format!(" (did you mean {a}?)"))
                    .unwrap_or_default();
                format!(
                    "unsupported value {}: must be one of {list}{hint}",
                    quote(s)
                )
            }
            _ => format!("expected one of {list}, got {}", self.describe(node)),
        };
        self.error(path, line, message);
        None
    }

    fn type_error(&mut self, node: &Node, types: &[&str], format: &str, path: &str, line: u32) {
        let wanted: Vec<&str> = types.iter().copied().filter(|t| *t != "null").collect();
        let expected = if format == "quantity" {
            "a quantity (such as 500m, 2, 128Mi)".to_string()
        } else {
            wanted
                .iter()
                .map(|t| match *t {
                    "string" => "a string",
                    "integer" => "an integer",
                    "number" => "a number",
                    "boolean" => "a boolean (true or false)",
                    "object" => "an object",
                    "array" => "a list",
                    other => other,
                })
                .collect::<Vec<_>>()
                .join(" or ")
        };
        let only_string = wanted == ["string"];
        let hint = match &node.value {
            Value::Bool(_) | Value::Int(_) | Value::Float(_) if only_string => {
                format!(" (quote it: \"{}\")", self.scalar_text(node))
            }
            Value::Null if only_string => " (write \"\" for an empty string)".to_string(),
            Value::Str(s) if !wanted.contains(&"string") => {
                let t = s.trim();
                let unquoted = (wanted.contains(&"integer") && t.parse::<i64>().is_ok())
                    || (wanted.contains(&"number") && t.parse::<f64>().is_ok())
                    || (wanted.contains(&"boolean") && matches!(t, "true" | "false"));
                if unquoted {
                    " (remove the quotes)".to_string()
                } else {
                    String::new()
                }
            }
            Value::Map(_) if wanted == ["array"] => {
                " (start each list item with \"- \")".to_string()
            }
            _ => String::new(),
        };
        let got = self.describe(node);
        self.error(path, line, format!("expected {expected}, got {got}{hint}"));
    }

    fn check_string(&mut self, s: &str, format: &str, path: &str, line: u32) -> Option<Json> {
        let problem = match format {
            "quantity" => s.parse::<Quantity>().err().map(|e| e.to_string()),
            "date-time" => chrono::DateTime::parse_from_rfc3339(s).err().map(|_| {
                format!(
                    "invalid time {}: use RFC 3339, like 2026-01-02T15:04:05Z",
                    quote(s)
                )
            }),
            _ => None,
        };
        match problem {
            Some(message) => {
                self.error(path, line, message);
                None
            }
            None => Some(Json::String(s.to_string())),
        }
    }

    fn check_number(
        &mut self,
        node: &Node,
        schema: &Map<String, Json>,
        format: &str,
        path: &str,
        line: u32,
    ) -> Option<Json> {
        let text = self.scalar_text(node);
        if format == "quantity" {
            // Kept as text, as written: `cpu: 0.5` is the quantity "0.5".
            let t = match &node.value {
                _ if text.parse::<Quantity>().is_ok() => text,
                Value::Int(i) => i.to_string(),
                Value::Float(f) if f.is_finite() => f.to_string(),
                _ => text,
            };
            return match t.parse::<Quantity>() {
                Ok(_) => Some(Json::String(t)),
                Err(e) => {
                    self.error(path, line, e.to_string());
                    None
                }
            };
        }
        match &node.value {
            Value::Int(i) => {
                let i = *i;
                let (mut min, mut max) =
                    int_range(format).unwrap_or((i64::MIN.into(), u64::MAX.into()));
                if let Some(m) = schema.get("minimum").and_then(Json::as_f64) {
                    min = min.max(m.ceil() as i128);
                }
                if let Some(m) = schema.get("maximum").and_then(Json::as_f64) {
                    max = max.min(m.floor() as i128);
                }
                if i < min || i > max {
                    let message = if i < 0 && min == 0 {
                        format!("{text} must not be negative")
                    } else {
                        format!("{text} is out of range: must be between {min} and {max}")
                    };
                    self.error(path, line, message);
                    return None;
                }
                int_json(i)
            }
            Value::Float(f) => match serde_json::Number::from_f64(*f) {
                Some(n) => Some(Json::Number(n)),
                None => {
                    self.error(path, line, format!("{text} is not a finite number"));
                    None
                }
            },
            _ => Some(plain(node)),
        }
    }

    fn check_object(
        &mut self,
        entries: &[Entry],
        schema: &'a Map<String, Json>,
        path: &str,
        line: u32,
    ) -> Option<Json> {
        let props = schema.get("properties").and_then(Json::as_object);
        let required: Vec<&str> = match schema.get("required") {
            Some(Json::Array(r)) => r.iter().filter_map(Json::as_str).collect(),
            _ => vec![],
        };
        let additional = schema.get("additionalProperties");
        let mut out = Map::new();
        for e in entries {
            let key = e.key.as_str();
            let p = join(path, key);
            let prop = props.and_then(|ps| ps.get(key));
            // Server-set fields are dropped, so `get -o yaml` output applies again.
            if (path.is_empty() && key == "status" && prop.is_some())
                || (path == "metadata" && SERVER_SET_METADATA.contains(&key))
            {
                continue;
            }
            if let Some(ps) = prop {
                // Like Kubernetes: null on an optional field means absent.
                if matches!(e.value.value, Value::Null) && !required.contains(&key) {
                    continue;
                }
                if let Some(v) = self.check(&e.value, ps, &p, e.key_line) {
                    out.insert(e.key.clone(), v);
                }
                continue;
            }
            match additional {
                Some(Json::Bool(false)) => {
                    let known = props
                        .into_iter()
                        .flat_map(|ps| ps.keys().map(String::as_str));
                    self.unknown_field(key, path, Some(&e.value), e.key_line, known);
                }
                Some(s @ Json::Object(_)) => {
                    if let Some(v) = self.check(&e.value, s, &p, e.key_line) {
                        out.insert(e.key.clone(), v);
                    }
                }
                _ => {
                    out.insert(e.key.clone(), plain(&e.value));
                }
            }
        }
        for r in required {
            if !entries.iter().any(|e| e.key == r) {
                self.error(&join(path, r), line, "required field is missing");
            }
        }
        Some(Json::Object(out))
    }
}

/// The value of a YAML 1.1 octal integer (`0644`, `-0755`), which
/// Kubernetes' YAML reader takes and YAML 1.2 does not; `None` for
/// anything else (`0`, `644`, `0o644`, `08`).
fn yaml11_octal(text: &str) -> Option<i128> {
    let (sign, digits) = match text.strip_prefix('-') {
        Some(d) => (-1, d),
        None => (1, text.strip_prefix('+').unwrap_or(text)),
    };
    let rest = digits.strip_prefix('0')?;
    if rest.is_empty() || !rest.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        return None;
    }
    i128::from_str_radix(rest, 8).ok().map(|n| sign * n)
}

#[cfg(test)]
#[test]
fn yaml11_octals_are_read_as_kubernetes_reads_them() {
    assert_eq!(yaml11_octal("0644"), Some(420));
    assert_eq!(yaml11_octal("0400"), Some(256));
    assert_eq!(yaml11_octal("-010"), Some(-8));
    for not in ["0", "644", "0o644", "08", "0x1f", "0.5", ""] {
        assert_eq!(yaml11_octal(not), None, "{not}");
    }
}
