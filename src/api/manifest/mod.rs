//! Manifest decoding: YAML or JSON text, one or many documents, into typed
//! objects, strictly, with every problem reported as
//! `file: document N: field.path: message, line L`.
//!
//! The text is parsed into a span-aware tree (serde-saphyr, YAML 1.2: `yes`
//! and `on` are strings, `80` is an integer), checked against the JSON schema
//! of its kind (unknown fields, types, enums, required fields, integer ranges,
//! quantities), decoded into the Rust type, and validated semantically
//! ([`Object::validate`](crate::api::Object::validate)). All errors of all
//! documents are returned at once. Hostile input is bounded: size, documents,
//! nesting, nodes and alias expansion all have limits, and nothing panics.
//!
//! This module does no I/O: callers read the files.

mod schema;
pub(crate) use schema::schema_of as kind_schema;
mod tree;

#[cfg(test)]
mod tests;

use super::object::{AnyObject, Kind};
use super::validation::FieldError;
pub(crate) use schema::suggest;
use schema::{Checker, Issue, describe, join, schema_of};
use std::fmt;
use std::str::FromStr;
use tree::{Budget, Chunk, Entry, LineTree, Node, ParseError, Value};

/// Largest input accepted, in bytes.
pub const MAX_BYTES: usize = 3 << 20;
/// Most documents in one file.
pub const MAX_DOCUMENTS: usize = 1000;
/// Deepest nesting of mappings and lists.
pub const MAX_DEPTH: usize = 100;
/// Most YAML parser events in one file, alias replays included.
pub const MAX_EVENTS: usize = 1_000_000;
/// Most YAML nodes in one file, alias replays included.
pub const MAX_NODES: usize = 500_000;

/// Stack for the parser thread: serde's recursion is deep in debug builds.
const PARSER_STACK: usize = 32 << 20;
/// Nesting allowed when no parser thread can be started and the caller's
/// (possibly small) stack is used instead.
const FALLBACK_DEPTH: usize = 32;

/// What to do with fields the schema does not know, like kubectl's `--validate`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Strictness {
    /// Unknown fields are errors.
    #[default]
    Strict,
    /// Unknown fields are dropped with a warning.
    Warn,
    /// Unknown fields are dropped silently.
    Ignore,
}

impl FromStr for Strictness {
    type Err = String;

    /// `strict`, `warn` or `ignore`; `true` and `false` as kubectl reads them.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "strict" | "true" => Ok(Strictness::Strict),
            "warn" => Ok(Strictness::Warn),
            "ignore" | "false" => Ok(Strictness::Ignore),
            _ => Err(format!(
                "invalid validation mode {s:?}: use strict, warn or ignore"
            )),
        }
    }
}

impl fmt::Display for Strictness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Strictness::Strict => "strict",
            Strictness::Warn => "warn",
            Strictness::Ignore => "ignore",
        })
    }
}

/// One decoded object and where it came from.
#[derive(Clone, Debug)]
pub struct Document {
    /// 1-based number of the document in the file (items of a `List` share it).
    pub index: usize,
    /// Line where the object starts.
    pub line: u32,
    pub object: AnyObject,
    /// Where the object sits in its document: empty, or `items[3]` in a `List`.
    pub path_prefix: String,
    lines: LineTree,
}

impl Document {
    /// The line of a field path of the object (`spec.replicas`,
    /// `spec.template.spec.containers[0].name`), or of its nearest existing
    /// ancestor when the field is not written in the manifest.
    pub fn line_of(&self, path: &str) -> Option<u32> {
        Some(self.lines.line_of(path)).filter(|l| *l > 0)
    }

    /// An error about a field of this object (say, one the server reported),
    /// placed in the file.
    pub fn field_error(&self, file: &str, error: &FieldError) -> ManifestError {
        ManifestError {
            file: file.to_string(),
            document: Some(self.index),
            path: join(&self.path_prefix, &error.path),
            line: self.line_of(&error.path),
            message: error.message.clone(),
        }
    }
}

/// A problem in a manifest file, with as much of its position as is known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManifestError {
    pub file: String,
    pub document: Option<usize>,
    /// The field path (`spec.template.spec.containers[0].image`); empty for
    /// problems of the document or file as a whole.
    pub path: String,
    pub line: Option<u32>,
    pub message: String,
}

/// Control characters from the input shown escaped, so messages cannot
/// rewrite a terminal.
fn clean(s: &str) -> std::borrow::Cow<'_, str> {
    if s.chars().any(char::is_control) {
        s.chars()
            .map(|c| {
                if c.is_control() {
                    c.escape_default().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect::<String>()
            .into()
    } else {
        s.into()
    }
}

impl fmt::Display for ManifestError {
    /// `app.yaml: document 2: spec.replicas: message, line 14`, leaving out
    /// the parts that are not known.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.file.is_empty() {
            write!(f, "{}: ", clean(&self.file))?;
        }
        if let Some(d) = self.document {
            write!(f, "document {d}: ")?;
        }
        if !self.path.is_empty() {
            write!(f, "{}: ", clean(&self.path))?;
        }
        f.write_str(&clean(&self.message))?;
        if let Some(l) = self.line {
            write!(f, ", line {l}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ManifestError {}

/// The objects of a file, and the warnings decoding them gave.
#[derive(Clone, Debug, Default)]
pub struct Decoded {
    pub documents: Vec<Document>,
    pub warnings: Vec<ManifestError>,
}

/// Decodes every document of a manifest file (YAML or JSON). `file` only
/// names the file in messages. Either all documents decode, or every error
/// found in any of them is returned, sorted by document and line.
pub fn decode(
    file: &str,
    text: &str,
    strictness: Strictness,
) -> Result<Decoded, Vec<ManifestError>> {
    if text.len() > MAX_BYTES {
        return Err(vec![ManifestError {
            file: file.to_string(),
            document: None,
            path: String::new(),
            line: None,
            message: format!(
                "file is too large ({} bytes; the limit is {} MiB)",
                text.len(),
                MAX_BYTES >> 20
            ),
        }]);
    }
    std::thread::scope(|scope| {
        let spawned = std::thread::Builder::new()
            .name("ork-manifest".into())
            .stack_size(PARSER_STACK)
            .spawn_scoped(scope, || {
                decode_with_depth(file, text, strictness, MAX_DEPTH)
            });
        match spawned {
            Ok(handle) => handle.join().unwrap_or_else(|_| {
                Err(vec![ManifestError {
                    file: file.to_string(),
                    document: None,
                    path: String::new(),
                    line: None,
                    message: "internal error while decoding the manifest".into(),
                }])
            }),
            Err(_) => decode_with_depth(file, text, strictness, FALLBACK_DEPTH),
        }
    })
}

fn decode_with_depth(
    file: &str,
    text: &str,
    strictness: Strictness,
    max_depth: usize,
) -> Result<Decoded, Vec<ManifestError>> {
    let mut d = Decoder {
        file,
        strictness,
        documents: vec![],
        errors: vec![],
        warnings: vec![],
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let Ok(chunks) = tree::split(text, MAX_DOCUMENTS) else {
        d.errors.push(d.error(
            None,
            "",
            None,
            format!("too many documents (the limit is {MAX_DOCUMENTS})"),
        ));
        return Err(d.errors);
    };
    let mut budget = Budget {
        max_depth,
        events_left: MAX_EVENTS,
        nodes_left: MAX_NODES,
    };
    for (i, chunk) in chunks.iter().enumerate() {
        let index = i + 1;
        if !chunk.content {
            continue;
        }
        match tree::parse(chunk.text, &mut budget) {
            Ok(None) => {}
            Ok(Some(root)) => d.document(index, chunk, &root),
            Err(ParseError::Syntax { line, message }) => {
                let e = d.error(Some(index), "", line.map(|l| chunk.abs(l)), message);
                d.errors.push(e);
            }
            Err(ParseError::Limit { line, message }) => {
                let e = d.error(Some(index), "", line.map(|l| chunk.abs(l)), message);
                d.errors.push(e);
                break;
            }
        }
    }
    let key = |e: &ManifestError| (e.document.unwrap_or(0), e.line.unwrap_or(0));
    d.warnings.sort_by_key(key);
    if d.errors.is_empty() {
        Ok(Decoded {
            documents: d.documents,
            warnings: d.warnings,
        })
    } else {
        d.errors.sort_by_key(key);
        Err(d.errors)
    }
}

struct Decoder<'a> {
    file: &'a str,
    strictness: Strictness,
    documents: Vec<Document>,
    errors: Vec<ManifestError>,
    warnings: Vec<ManifestError>,
}

/// The supported kinds as manifests spell them: `v1 Pod, apps/v1 Deployment, ...`.
fn supported_kinds() -> String {
    Kind::ALL
        .iter()
        .map(|k| format!("{} {}", k.api_version(), k.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Decoder<'_> {
    fn error(
        &self,
        document: Option<usize>,
        path: &str,
        line: Option<u32>,
        message: String,
    ) -> ManifestError {
        ManifestError {
            file: self.file.to_string(),
            document,
            path: path.to_string(),
            line,
            message,
        }
    }

    /// Records checker issues of the object at `prefix`.
    fn issues(
        &mut self,
        index: usize,
        prefix: &str,
        chunk: &Chunk<'_>,
        errors: Vec<Issue>,
        warnings: Vec<Issue>,
    ) {
        for (issues, warning) in [(errors, false), (warnings, true)] {
            for i in issues {
                let e = self.error(
                    Some(index),
                    &join(prefix, &i.path),
                    Some(chunk.abs(i.line)),
                    i.message,
                );
                if warning {
                    self.warnings.push(e);
                } else {
                    self.errors.push(e);
                }
            }
        }
    }

    /// One parsed document: an object, or a `List` of them.
    fn document(&mut self, index: usize, chunk: &Chunk<'_>, root: &Node) {
        if let Some(items) = self.list_items(index, chunk, root) {
            for (i, item) in items.iter().enumerate() {
                self.object(index, &format!("items[{i}]"), chunk, item);
            }
        } else {
            self.object(index, "", chunk, root);
        }
    }

    /// The items of a `kind: List` (or `PodList`...) document, with its other
    /// fields checked; `None` when the document is not a list.
    fn list_items<'n>(
        &mut self,
        index: usize,
        chunk: &Chunk<'_>,
        root: &'n Node,
    ) -> Option<&'n [Node]> {
        let Some(Value::Str(kind)) = root.get("kind").map(|e| &e.value.value) else {
            return None;
        };
        let want = match kind.strip_suffix("List") {
            Some("") => "v1",
            Some(base) => Kind::ALL
                .into_iter()
                .find(|k| k.as_str() == base)?
                .api_version(),
            None => return None,
        };
        let Value::Map(entries) = &root.value else {
            return None;
        };
        let mut checker = Checker::new(&serde_json::Value::Null, chunk.text, self.strictness);
        for e in entries {
            match e.key.as_str() {
                "kind" | "metadata" | "items" => {}
                "apiVersion" => {
                    if !matches!(&e.value.value, Value::Str(v) if v == want) {
                        let got = match &e.value.value {
                            Value::Str(v) => format!("{:?}", schema::short(v)),
                            _ => describe(&e.value, chunk.text),
                        };
                        checker.errors.push(Issue {
                            path: "apiVersion".into(),
                            line: e.key_line,
                            message: format!(
                                "wrong apiVersion {got} for {kind}: use apiVersion: {want}"
                            ),
                        });
                    }
                }
                other => checker.unknown_field(
                    other,
                    "",
                    None,
                    e.key_line,
                    ["apiVersion", "kind", "metadata", "items"],
                ),
            }
        }
        if root.get("apiVersion").is_none() {
            checker.errors.push(Issue {
                path: "apiVersion".into(),
                line: root.line,
                message: format!("required field is missing (use apiVersion: {want})"),
            });
        }
        let items = match root.get("items").map(|e| (e, &e.value.value)) {
            None | Some((_, Value::Null)) => &[][..],
            Some((_, Value::Seq(items))) => items.as_slice(),
            Some((e, _)) => {
                checker.errors.push(Issue {
                    path: "items".into(),
                    line: e.key_line,
                    message: format!("expected a list, got {}", describe(&e.value, chunk.text)),
                });
                &[][..]
            }
        };
        let failed = checker.failed();
        let (errors, warnings) = checker.finish(root.line);
        self.issues(index, "", chunk, errors, warnings);
        Some(if failed { &[] } else { items })
    }

    /// Resolves `apiVersion` and `kind`, or records why not.
    fn kind(&mut self, index: usize, prefix: &str, chunk: &Chunk<'_>, node: &Node) -> Option<Kind> {
        let mut issues = vec![];
        let mut text = |key: &str| -> Option<(String, u32)> {
            match node.get(key) {
                None => {
                    issues.push(Issue {
                        path: key.into(),
                        line: node.line,
                        message:
                            "required field is missing (every manifest needs apiVersion and kind)"
                                .into(),
                    });
                    None
                }
                Some(Entry {
                    value:
                        Node {
                            value: Value::Str(s),
                            ..
                        },
                    key_line,
                    ..
                }) => Some((s.clone(), *key_line)),
                Some(e) => {
                    issues.push(Issue {
                        path: key.into(),
                        line: e.key_line,
                        message: format!(
                            "expected a string, got {}",
                            describe(&e.value, chunk.text)
                        ),
                    });
                    None
                }
            }
        };
        let (api_version, kind) = (text("apiVersion"), text("kind"));
        let found = match (api_version, kind) {
            (Some((api, api_line)), Some((kind, kind_line))) => {
                if let Some(k) = Kind::from_type_meta(&api, &kind) {
                    Some(k)
                } else if let Some(k) = Kind::ALL.into_iter().find(|k| k.as_str() == kind) {
                    issues.push(Issue {
                        path: "apiVersion".into(),
                        line: api_line,
                        message: format!(
                            "wrong apiVersion {:?} for {kind}: use apiVersion: {}",
                            schema::short(&api),
                            k.api_version()
                        ),
                    });
                    None
                } else if kind.ends_with("List") {
                    issues.push(Issue {
                        path: "kind".into(),
                        line: kind_line,
                        message: format!("a {kind} cannot be nested in a list"),
                    });
                    None
                } else {
                    let hint = Kind::from_name(&kind)
                        .map(|k| k.as_str())
                        .or_else(|| suggest(&kind, Kind::ALL.iter().map(|k| k.as_str())))
                        .map(|k| format!(" (did you mean {k}?)"))
                        .unwrap_or_default();
                    issues.push(Issue {
                        path: "kind".into(),
                        line: kind_line,
                        message: format!(
                            "unsupported kind {:?}{hint}: ork supports {}",
                            schema::short(&kind),
                            supported_kinds()
                        ),
                    });
                    None
                }
            }
            _ => None,
        };
        self.issues(index, prefix, chunk, issues, vec![]);
        found
    }

    /// Checks, decodes and validates one object.
    fn object(&mut self, index: usize, prefix: &str, chunk: &Chunk<'_>, node: &Node) {
        if !matches!(node.value, Value::Map(_)) {
            let what = describe(node, chunk.text);
            let e = self.error(
                Some(index),
                prefix,
                Some(chunk.abs(node.line)),
                format!("expected an object with apiVersion and kind, got {what}"),
            );
            self.errors.push(e);
            return;
        }
        let Some(kind) = self.kind(index, prefix, chunk, node) else {
            return;
        };
        let schema = schema_of(kind);
        let mut checker = Checker::new(schema, chunk.text, self.strictness).for_kind(kind);
        let value = checker.check(node, schema, "", node.line);
        let failed = checker.failed();
        let (errors, warnings) = checker.finish(node.line);
        self.issues(index, prefix, chunk, errors, warnings);
        let Some(value) = value.filter(|_| !failed) else {
            return;
        };
        let line = chunk.abs(node.line);
        let object = match AnyObject::from_value(kind, value) {
            Ok(o) => o,
            Err(e) => {
                let e = self.error(
                    Some(index),
                    prefix,
                    Some(line),
                    format!("invalid {kind}: {e}"),
                );
                self.errors.push(e);
                return;
            }
        };
        let doc = Document {
            index,
            line,
            object,
            path_prefix: prefix.to_string(),
            lines: LineTree::build(node, line, chunk),
        };
        let problems = doc.object.validate();
        if problems.is_empty() {
            self.documents.push(doc);
        } else {
            for p in &problems {
                let e = doc.field_error(self.file, p);
                self.errors.push(e);
            }
        }
    }
}
