//! From YAML text to a span-aware tree: splitting a stream into documents,
//! parsing each with serde-saphyr under a shared budget, and the map from
//! field paths back to source lines.

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::budget::BudgetBreach;
use serde_saphyr::{Error as YamlError, MessageFormatter, Spanned};
use std::cell::Cell;
use std::fmt;
use std::rc::Rc;

/// One YAML node with where it was written. Lines are relative to the
/// document's chunk (1-based); `span` is the byte range of a scalar in it.
#[derive(Debug)]
pub(super) struct Node {
    pub line: u32,
    pub span: (usize, usize),
    pub value: Value,
}

#[derive(Debug)]
pub(super) enum Value {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

#[derive(Debug)]
pub(super) struct Entry {
    pub key: String,
    pub key_line: u32,
    pub value: Node,
}

impl Node {
    /// The entry of a mapping node with this key.
    pub fn get(&self, key: &str) -> Option<&Entry> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|e| e.key == key),
            _ => None,
        }
    }
}

fn line_of<T>(s: &Spanned<T>) -> u32 {
    u32::try_from(s.referenced.line()).unwrap_or(u32::MAX)
}

impl From<Spanned<RawValue>> for Node {
    fn from(s: Spanned<RawValue>) -> Self {
        let span = s.defined.span();
        let span = match (span.byte_offset(), span.byte_len()) {
            (Some(o), Some(l)) => (
                usize::try_from(o).unwrap_or(usize::MAX),
                usize::try_from(l).unwrap_or(0),
            ),
            _ => (0, 0),
        };
        Node {
            line: line_of(&s),
            span,
            value: s.value.0,
        }
    }
}

/// A node as serde-saphyr hands it over; children are already [`Node`]s.
struct RawValue(Value);

impl<'de> Deserialize<'de> for RawValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValueVisitor).map(RawValue)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Int(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Int(v.into()))
    }
    fn visit_i128<E>(self, v: i128) -> Result<Value, E> {
        Ok(Value::Int(v))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
        i128::try_from(v)
            .map(Value::Int)
            .map_err(|_| E::custom("integer too large"))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::Str(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::Str(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<RawValue>>()? {
            items.push(Node::from(item));
        }
        Ok(Value::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Spanned<Key>>()? {
            let value = map.next_value::<Spanned<RawValue>>()?;
            entries.push(Entry {
                key_line: line_of(&key),
                key: key.value.0,
                value: Node::from(value),
            });
        }
        Ok(Value::Map(entries))
    }
}

/// A mapping key: any scalar, as text (like YAML-to-JSON converters do).
struct Key(String);

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(KeyVisitor).map(Key)
    }
}

struct KeyVisitor;

const COMPLEX_KEY: &str = "a list or mapping used as a key is not supported";

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a scalar key")
    }
    fn visit_unit<E>(self) -> Result<String, E> {
        Ok("null".into())
    }
    fn visit_none<E>(self) -> Result<String, E> {
        Ok("null".into())
    }
    fn visit_bool<E>(self, v: bool) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_i64<E>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_u64<E>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_i128<E>(self, v: i128) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_u128<E>(self, v: u128) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_f64<E>(self, v: f64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_str<E>(self, v: &str) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_string<E>(self, v: String) -> Result<String, E> {
        Ok(v)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<String, A::Error> {
        Err(de::Error::custom(COMPLEX_KEY))
    }
    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<String, A::Error> {
        Err(de::Error::custom(COMPLEX_KEY))
    }
}

/// One document's text, as cut from the stream.
#[derive(Debug)]
pub(super) struct Chunk<'a> {
    pub text: &'a str,
    /// Line number of the chunk's first line in the whole file.
    pub first_line: u32,
    /// Whether anything but comments and markers is in it (else it is empty).
    pub content: bool,
}

impl Chunk<'_> {
    /// A chunk-relative line as a file line.
    pub fn abs(&self, line: u32) -> u32 {
        line.saturating_add(self.first_line)
            .saturating_sub(1)
            .max(1)
    }
}

fn is_marker(line: &str, marker: &str) -> bool {
    line.strip_prefix(marker)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t']))
}

fn is_content(line: &str) -> bool {
    let t = line.trim_matches([' ', '\t']);
    !t.is_empty() && !t.starts_with('#')
}

/// Splits a YAML stream into documents at `---` and `...` markers. YAML
/// forbids these markers at the start of a line anywhere else, so a line scan
/// finds the same boundaries as the parser. Returns `Err(())` when there are
/// more than `max` documents.
pub(super) fn split<'t>(text: &'t str, max: usize) -> Result<Vec<Chunk<'t>>, ()> {
    struct Open {
        start: usize,
        first_line: u32,
        marker: bool,
        content: bool,
    }
    let mut chunks = Vec::new();
    let mut open = Open {
        start: 0,
        first_line: 1,
        marker: false,
        content: false,
    };
    let mut pos = 0;
    let mut line_no: u32 = 1;
    let close = |open: &Open, end: usize, chunks: &mut Vec<Chunk<'t>>| -> Result<(), ()> {
        if open.marker || open.content {
            if chunks.len() >= max {
                return Err(());
            }
            chunks.push(Chunk {
                text: &text[open.start..end],
                first_line: open.first_line,
                content: open.content,
            });
        }
        Ok(())
    };
    for raw in text.split_inclusive('\n') {
        let line = raw.trim_end_matches(['\n', '\r']);
        if is_marker(line, "---") {
            if open.marker || open.content {
                close(&open, pos, &mut chunks)?;
                open = Open {
                    start: pos,
                    first_line: line_no,
                    marker: false,
                    content: false,
                };
            }
            open.marker = true;
            open.content |= is_content(&line[3..]);
        } else if is_marker(line, "...") {
            close(&open, pos + raw.len(), &mut chunks)?;
            open = Open {
                start: pos + raw.len(),
                first_line: line_no.saturating_add(1),
                marker: false,
                content: false,
            };
        } else if is_content(line) {
            // Directives (`%YAML`) before a document belong to its prefix.
            let directive = line.starts_with('%') && !open.marker && !open.content;
            open.content |= !directive;
        }
        pos += raw.len();
        line_no = line_no.saturating_add(1);
    }
    close(&open, text.len(), &mut chunks)?;
    Ok(chunks)
}

/// Limits shared by all documents of one file.
#[derive(Debug)]
pub(super) struct Budget {
    pub max_depth: usize,
    pub events_left: usize,
    pub nodes_left: usize,
}

/// The largest number of events an alias may replay in one document.
const MAX_ALIAS_REPLAY: usize = 10_000;

/// Why a chunk did not parse. Lines are chunk-relative.
#[derive(Debug)]
pub(super) enum ParseError {
    /// Invalid YAML: the document is skipped, others still decode.
    Syntax { line: Option<u32>, message: String },
    /// A resource limit: decoding stops for the whole file.
    Limit { line: Option<u32>, message: String },
}

/// Parses one document. `Ok(None)` for a null document.
pub(super) fn parse(chunk: &str, budget: &mut Budget) -> Result<Option<Node>, ParseError> {
    if budget.events_left == 0 || budget.nodes_left == 0 {
        return Err(ParseError::Limit {
            line: None,
            message: too_complex(),
        });
    }
    let used: Rc<Cell<Option<(usize, usize)>>> = Rc::default();
    let report = used.clone();
    let options = serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_depth: budget.max_depth,
            flow_nesting_limit: budget.max_depth,
            max_events: budget.events_left,
            max_nodes: budget.nodes_left,
            max_documents: 2,
            max_aliases: 10_000,
            max_anchors: 10_000,
            max_recorded_anchor_events: 100_000,
            max_recorded_anchor_bytes: 8 << 20,
            max_total_scalar_bytes: 16 << 20,
            max_merge_keys: 10_000,
        },
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: MAX_ALIAS_REPLAY,
            max_replay_stack_depth: 32,
        },
        emit_comments: false,
        strict_booleans: true,
        non_finite_float_policy: serde_saphyr::NonFiniteFloatPolicy::PassThrough,
        with_snippet: false,
    }
    .with_budget_report(move |r| report.set(Some((r.events, r.nodes))));
    let result = serde_saphyr::from_multiple_with_options::<Spanned<RawValue>>(chunk, options);
    let (events, nodes) = used.get().unwrap_or((chunk.len(), chunk.len()));
    budget.events_left = budget.events_left.saturating_sub(events.max(1));
    budget.nodes_left = budget.nodes_left.saturating_sub(nodes);
    let mut docs = result.map_err(|e| parse_error(&e, budget.max_depth))?;
    if docs.len() > 1 {
        // The splitter and the parser disagree on where documents end.
        let line = line_of(&docs[1]);
        return Err(ParseError::Syntax {
            line: Some(line),
            message: "invalid YAML: unexpected start of a new document".into(),
        });
    }
    Ok(docs.pop().map(Node::from))
}

pub(super) fn too_complex() -> String {
    format!(
        "too large or complex: more than {} YAML events or {} nodes in the file \
         (each use of an alias counts again)",
        super::MAX_EVENTS,
        super::MAX_NODES
    )
}

fn parse_error(e: &YamlError, max_depth: usize) -> ParseError {
    let location = e.location().filter(|l| l.line() > 0);
    let line = location.map(|l| u32::try_from(l.line()).unwrap_or(u32::MAX));
    let column = location.map(|l| l.column()).filter(|c| *c > 0);
    let mut inner = e;
    while let YamlError::AliasError { error, .. } | YamlError::WithSnippet { error, .. } = inner {
        inner = error;
    }
    let too_deep = || format!("nested too deeply (more than {max_depth} levels)");
    let limit = |message: String| ParseError::Limit { line, message };
    match inner {
        YamlError::Budget { breach, .. } => limit(match breach {
            BudgetBreach::Depth { .. } => too_deep(),
            BudgetBreach::Events { .. } | BudgetBreach::Nodes { .. } => too_complex(),
            BudgetBreach::Documents { .. } => "too many documents".into(),
            other => format!("exceeds a parser limit ({other:?})"),
        }),
        YamlError::AliasReplayLimitExceeded { .. }
        | YamlError::AliasReplayCounterOverflow { .. }
        | YamlError::AliasExpansionLimitExceeded { .. }
        | YamlError::AliasReplayStackDepthExceeded { .. } => limit(format!(
            "aliases expand to too much data (more than {MAX_ALIAS_REPLAY} YAML events)"
        )),
        YamlError::DuplicateMappingKey { key, .. } => ParseError::Syntax {
            line,
            message: match key {
                Some(k) => format!("duplicate key {:?}", super::schema::short(k)),
                None => "duplicate key".into(),
            },
        },
        other => {
            let text = serde_saphyr::DefaultMessageFormatter.format_message(other);
            if text.contains("recursion limit exceeded") {
                return limit(too_deep());
            }
            let mut message = format!("invalid YAML: {text}");
            if let Some(c) = column {
                message.push_str(&format!(" (column {c})"));
            }
            ParseError::Syntax { line, message }
        }
    }
}

/// The lines of a document's fields, to point errors found later at them.
#[derive(Clone, Debug, Default)]
pub(super) struct LineTree {
    line: u32,
    kids: Kids,
}

#[derive(Clone, Debug, Default)]
enum Kids {
    #[default]
    Leaf,
    Map(Vec<(Box<str>, LineTree)>),
    Seq(Vec<LineTree>),
}

impl LineTree {
    /// The tree of `node`, which is written at file line `line`.
    pub fn build(node: &Node, line: u32, chunk: &Chunk<'_>) -> LineTree {
        let kids = match &node.value {
            Value::Map(entries) => Kids::Map(
                entries
                    .iter()
                    .map(|e| {
                        let t = LineTree::build(&e.value, chunk.abs(e.key_line), chunk);
                        (e.key.as_str().into(), t)
                    })
                    .collect(),
            ),
            Value::Seq(items) => Kids::Seq(
                items
                    .iter()
                    .map(|n| LineTree::build(n, chunk.abs(n.line), chunk))
                    .collect(),
            ),
            _ => Kids::Leaf,
        };
        LineTree { line, kids }
    }

    /// The line of `path` (`spec.containers[0].name`), or of its nearest
    /// existing ancestor. Map keys may themselves contain dots
    /// (`metadata.labels.app.kubernetes.io/name`): the longest key that fits wins.
    pub fn line_of(&self, path: &str) -> u32 {
        let mut node = self;
        let mut rest = path;
        loop {
            if rest.is_empty() {
                return node.line;
            }
            let next = match &node.kids {
                Kids::Leaf => None,
                Kids::Map(entries) => {
                    let r = rest.strip_prefix('.').unwrap_or(rest);
                    entries
                        .iter()
                        .filter(|(k, _)| {
                            r.strip_prefix(&**k).is_some_and(|after| {
                                after.is_empty() || after.starts_with(['.', '['])
                            })
                        })
                        .max_by_key(|(k, _)| k.len())
                        .map(|(k, t)| (t, &r[k.len()..]))
                }
                Kids::Seq(items) => rest
                    .strip_prefix('[')
                    .and_then(|r| r.split_once(']'))
                    .and_then(|(i, after)| Some((items.get(i.parse::<usize>().ok()?)?, after))),
            };
            match next {
                Some((t, after)) => {
                    node = t;
                    rest = after;
                }
                None => return node.line,
            }
        }
    }
}
