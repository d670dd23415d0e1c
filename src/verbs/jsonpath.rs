//! kubectl's JSONPath templates (`-o jsonpath=`, `--sort-by`,
//! `-o custom-columns=`): literal text around `{...}` actions, where an
//! action is a path (`{.items[*].metadata.name}`), a quoted string
//! (`{"\n"}`), or `{range PATH}...{end}`.
//!
//! kubectl's path dialect differs from RFC 9535 JSONPath: paths are relative
//! to the current object (`$` and `@` both name it), field names may hold
//! `-` and `/` and escape dots (`.metadata.labels.app\.kubernetes\.io/name`),
//! `['a.b']` is the path `.a.b`, and filters are written `[?(@.x=="y")]`.
//! This module parses that dialect and hands each path, rewritten in RFC
//! 9535's bracket notation, to `serde_json_path`. Missing keys print
//! nothing, as kubectl's `--allow-missing-template-keys` default does.
//!
//! Pure; imports nothing of ours.

use serde_json::Value;
use serde_json_path::JsonPath;

/// A path, relative to the current object.
#[derive(Debug, Clone)]
pub struct Query {
    /// What the user wrote.
    pub source: String,
    path: JsonPath,
}

impl Query {
    /// Parses one path in kubectl's dialect (`.a.b[0]`, `@.a`, `..name`).
    pub fn parse(source: &str) -> Result<Query, String> {
        let rfc = translate(source)?;
        let path = JsonPath::parse(&rfc).map_err(|e| format!("{source}: {e}"))?;
        Ok(Query {
            source: source.to_string(),
            path,
        })
    }

    /// A path as `--sort-by` and custom columns take it: braces and the
    /// leading dot are optional (`metadata.name`, `{.metadata.name}`).
    pub fn relaxed(expr: &str) -> Result<Query, String> {
        let e = expr.trim();
        let inner = e.strip_prefix('{').unwrap_or(e);
        let inner = inner.strip_suffix('}').unwrap_or(inner);
        if inner.contains(['{', '}']) {
            return Err(format!(
                "unexpected path string {expr:?}, expected a 'name1.name2' or '.name1.name2' or '{{name1.name2}}' or '{{.name1.name2}}'"
            ));
        }
        if inner.starts_with('.') || inner.starts_with('@') || inner.starts_with('$') {
            Query::parse(inner)
        } else {
            Query::parse(&format!(".{inner}"))
        }
    }

    /// Every value the path reaches, in document order.
    pub fn find<'a>(&self, v: &'a Value) -> Vec<&'a Value> {
        self.path.query(v).all()
    }
}

/// One piece of a template.
#[derive(Debug, Clone)]
enum Piece {
    Text(String),
    Path(Query),
    Range(Query, Vec<Piece>),
}

/// A parsed template.
#[derive(Debug, Clone)]
pub struct Template {
    pieces: Vec<Piece>,
}

impl Template {
    /// Parses a template; errors read like kubectl's (`unclosed action`).
    pub fn parse(text: &str) -> Result<Template, String> {
        let actions = split_actions(text)?;
        let mut stack: Vec<(Option<Query>, Vec<Piece>)> = vec![(None, vec![])];
        for a in actions {
            let top = &mut stack.last_mut().ok_or("unbalanced range")?.1;
            match a {
                Action::Text(t) => top.push(Piece::Text(t)),
                Action::Inside(inner) => {
                    let inner = inner.trim();
                    if inner == "end" {
                        let (q, body) = stack.pop().ok_or("unbalanced {end}")?;
                        let q = q.ok_or("{end} without a {range}")?;
                        stack
                            .last_mut()
                            .ok_or("{end} without a {range}")?
                            .1
                            .push(Piece::Range(q, body));
                    } else if let Some(rest) = inner.strip_prefix("range ") {
                        stack.push((Some(Query::parse(rest.trim())?), vec![]));
                    } else if inner.starts_with('"') || inner.starts_with('\'') {
                        top.push(Piece::Text(unquote(inner)?));
                    } else if inner.is_empty() {
                    } else {
                        top.push(Piece::Path(Query::parse(inner)?));
                    }
                }
            }
        }
        if stack.len() != 1 {
            return Err("a {range} has no {end}".into());
        }
        let (_, pieces) = stack.pop().ok_or("unbalanced range")?;
        Ok(Template { pieces })
    }

    /// The template's text for `v`.
    pub fn render(&self, v: &Value) -> String {
        let mut out = String::new();
        render(&self.pieces, v, &mut out);
        out
    }
}

fn render(pieces: &[Piece], v: &Value, out: &mut String) {
    for p in pieces {
        match p {
            Piece::Text(t) => out.push_str(t),
            Piece::Path(q) => {
                let texts: Vec<String> = q.find(v).into_iter().map(text).collect();
                out.push_str(&texts.join(" "));
            }
            Piece::Range(q, body) => {
                for item in q.find(v) {
                    render(body, item, out);
                }
            }
        }
    }
}

/// A value as kubectl's JSONPath prints it: strings bare, objects and
/// arrays as compact JSON.
pub fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A value as Go's `%v` prints it (the cells of custom columns):
/// `map[a:1 b:2]`, `[x y]`, `<nil>`.
pub fn go_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "<nil>".into(),
        Value::Array(a) => format!("[{}]", a.iter().map(go_text).collect::<Vec<_>>().join(" ")),
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let parts: Vec<String> = keys
                .into_iter()
                .map(|k| format!("{k}:{}", go_text(&m[k])))
                .collect();
            format!("map[{}]", parts.join(" "))
        }
        other => other.to_string(),
    }
}

enum Action {
    Text(String),
    Inside(String),
}

/// Splits a template into literal text and the insides of `{...}`, minding
/// quotes inside actions.
fn split_actions(text: &str) -> Result<Vec<Action>, String> {
    let mut out = vec![];
    let mut lit = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '{' {
            lit.push(c);
            continue;
        }
        if !lit.is_empty() {
            out.push(Action::Text(std::mem::take(&mut lit)));
        }
        let mut inner = String::new();
        let mut quote: Option<char> = None;
        let mut closed = false;
        let mut escaped = false;
        for c in chars.by_ref() {
            if let Some(q) = quote {
                inner.push(c);
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
                continue;
            }
            match c {
                '}' => {
                    closed = true;
                    break;
                }
                '"' | '\'' => {
                    quote = Some(c);
                    inner.push(c);
                }
                '\\' => {
                    escaped = true;
                    inner.push(c);
                }
                '\n' | '\r' if !escaped => return Err("unclosed action".into()),
                c => {
                    escaped = false;
                    inner.push(c);
                }
            }
        }
        if !closed {
            return Err("unclosed action".into());
        }
        out.push(Action::Inside(inner));
    }
    if !lit.is_empty() {
        out.push(Action::Text(lit));
    }
    Ok(out)
}

/// A quoted string with Go's escapes (`"\n"`, `'\t'`, `"\u00e9"`).
fn unquote(s: &str) -> Result<String, String> {
    let q = s.chars().next().ok_or("empty string")?;
    let body = s
        .strip_prefix(q)
        .and_then(|b| b.strip_suffix(q))
        .ok_or_else(|| format!("unterminated quoted string {s}"))?;
    let mut out = String::new();
    let mut it = body.chars();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match it.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('0') => out.push('\0'),
            Some('u') => {
                let hex: String = it.by_ref().take(4).collect();
                let ch = u32::from_str_radix(&hex, 16)
                    .ok()
                    .and_then(char::from_u32)
                    .ok_or_else(|| format!("unquote string {s} error invalid syntax"))?;
                out.push(ch);
            }
            Some(c) => out.push(c),
            None => return Err(format!("unquote string {s} error invalid syntax")),
        }
    }
    Ok(out)
}

fn is_terminator(c: char) -> bool {
    c.is_whitespace() || matches!(c, '.' | ',' | '[' | ']' | '$' | '@' | '{' | '}')
}

/// A name in RFC 9535 bracket notation: `['a-b/c']`.
fn bracket(name: &str) -> String {
    let esc = name.replace('\\', "\\\\").replace('\'', "\\'");
    format!("['{esc}']")
}

/// Rewrites a kubectl path as an RFC 9535 query rooted at `$`.
fn translate(path: &str) -> Result<String, String> {
    Ok(format!("${}", segments(path)?))
}

/// The segments of a kubectl path, in RFC 9535 notation, without the root.
fn segments(path: &str) -> Result<String, String> {
    let chars: Vec<char> = path.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '@' | '$' | ' ' | '\t' => i += 1,
            '.' => {
                let recursive = chars.get(i + 1) == Some(&'.');
                i += if recursive { 2 } else { 1 };
                if recursive {
                    out.push_str("..");
                    if chars.get(i) == Some(&'[') {
                        continue;
                    }
                }
                let mut name = String::new();
                while i < chars.len() && !is_terminator(chars[i]) {
                    if chars[i] == '\\' && i + 1 < chars.len() {
                        i += 1;
                    }
                    name.push(chars[i]);
                    i += 1;
                }
                match name.as_str() {
                    "*" => out.push_str("[*]"),
                    "" if recursive => out.push('*'),
                    "" => {}
                    n => out.push_str(&bracket(n)),
                }
            }
            '[' => {
                let end = closing_bracket(&chars, i)?;
                let inner: String = chars[i + 1..end].iter().collect();
                out.push_str(&subscript(inner.trim())?);
                i = end + 1;
            }
            other => return Err(format!("unrecognized character in action: {other:?}")),
        }
    }
    Ok(out)
}

/// The index of the `]` closing the `[` at `open`, minding quotes and parentheses.
fn closing_bracket(chars: &[char], open: usize) -> Result<usize, String> {
    let mut depth = 0;
    let mut quote: Option<char> = None;
    let mut i = open + 1;
    while i < chars.len() {
        let c = chars[i];
        match quote {
            Some(_) if c == '\\' => i += 1,
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                '"' | '\'' => quote = Some(c),
                '(' => depth += 1,
                ')' => depth -= 1,
                ']' if depth == 0 => return Ok(i),
                _ => {}
            },
        }
        i += 1;
    }
    Err("unterminated array".into())
}

fn is_slice(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_digit() || c == '-' || c == ':')
        && s.split(':').count() <= 3
}

/// One `[...]` of a kubectl path.
fn subscript(inner: &str) -> Result<String, String> {
    if inner == "*" {
        return Ok("[*]".into());
    }
    if let Some(f) = inner.strip_prefix('?') {
        let f = f.trim();
        let body = f
            .strip_prefix('(')
            .and_then(|b| b.strip_suffix(')'))
            .ok_or_else(|| format!("invalid filter [{inner}]: write [?(@.field==\"value\")]"))?;
        return Ok(format!("[?({})]", filter(body)?));
    }
    if inner.contains(',') {
        let parts: Result<Vec<String>, String> = inner
            .split(',')
            .map(|p| {
                let p = p.trim();
                if is_slice(p) {
                    Ok(p.to_string())
                } else {
                    let key = unquote(p)?;
                    Ok(bracket(&key)
                        .trim_start_matches('[')
                        .trim_end_matches(']')
                        .to_string())
                }
            })
            .collect();
        return Ok(format!("[{}]", parts?.join(",")));
    }
    if inner.starts_with('\'') || inner.starts_with('"') {
        // kubectl reads `['a.b']` as the path `.a.b`.
        let key = unquote(inner)?;
        return segments(&format!(".{key}"));
    }
    if is_slice(inner) {
        return Ok(format!("[{inner}]"));
    }
    Err(format!("invalid array index {inner}"))
}

/// A filter's inside (`@.a=="x"`, `@.n>2`, `@.flag`) in RFC 9535 notation.
fn filter(body: &str) -> Result<String, String> {
    let body = body.trim();
    let op_at = body.find(['!', '<', '>', '=']);
    let Some(at) = op_at else {
        return Ok(format!("@{}", segments(body)?));
    };
    let op_len = body[at..]
        .chars()
        .take_while(|c| matches!(c, '!' | '<' | '>' | '='))
        .count();
    let (left, op, right) = (
        body[..at].trim(),
        &body[at..at + op_len],
        body[at + op_len..].trim(),
    );
    let op = if op == "=" { "==" } else { op };
    Ok(format!("{} {op} {}", operand(left)?, operand(right)?))
}

fn operand(s: &str) -> Result<String, String> {
    if s.starts_with('@') || s.starts_with('$') || s.starts_with('.') {
        return Ok(format!("@{}", segments(s)?));
    }
    if s.starts_with('"') || s.starts_with('\'') {
        return serde_json::to_string(&unquote(s)?).map_err(|e| e.to_string());
    }
    Ok(s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pods() -> Value {
        json!({"kind": "List", "items": [
            {"metadata": {"name": "a", "labels": {"app.kubernetes.io/name": "web", "pod-template-hash": "h1"}},
             "spec": {"nodeName": "n1", "containers": [{"name": "c1", "image": "i1"}, {"name": "c2", "image": "i2"}]},
             "status": {"phase": "Running", "containerStatuses": [{"restartCount": 3}]}},
            {"metadata": {"name": "b", "labels": {}},
             "spec": {"containers": [{"name": "c1", "image": "i3"}]},
             "status": {"phase": "Pending", "containerStatuses": [{"restartCount": 0}]}}
        ]})
    }

    fn run(t: &str) -> String {
        Template::parse(t).unwrap().render(&pods())
    }

    #[test]
    fn paths_print_like_kubectl() {
        assert_eq!(run("{.items[*].metadata.name}"), "a b");
        assert_eq!(run("{.items[0].spec.containers[*].image}"), "i1 i2");
        assert_eq!(run("{.items[-1].metadata.name}"), "b");
        assert_eq!(run("{$.items[1].metadata.name}"), "b");
        assert_eq!(
            run("{.items[0].spec.containers[0]}"),
            r#"{"image":"i1","name":"c1"}"#
        );
        assert_eq!(
            run(r"{.items[0].metadata.labels.app\.kubernetes\.io/name}"),
            "web"
        );
        assert_eq!(run("{.items[0].metadata.labels.pod-template-hash}"), "h1");
        assert_eq!(run("{.items[0]['metadata']['name']}"), "a");
        assert_eq!(run("{.items[0].spec.containers[0,1].name}"), "c1 c2");
        assert_eq!(run("{.items[0:1].metadata.name}"), "a");
        assert_eq!(run("{..restartCount}"), "3 0");
        assert_eq!(
            run("{.items[*].status.containerStatuses[0].restartCount}"),
            "3 0"
        );
    }

    #[test]
    fn text_ranges_and_filters() {
        assert_eq!(
            run(r#"{range .items[*]}{.metadata.name}{"\t"}{.status.phase}{"\n"}{end}"#),
            "a\tRunning\nb\tPending\n"
        );
        assert_eq!(run("name: {.items[0].metadata.name}!"), "name: a!");
        assert_eq!(
            run(r#"{.items[?(@.status.phase=="Running")].metadata.name}"#),
            "a"
        );
        assert_eq!(run("{.items[?(@.spec.nodeName)].metadata.name}"), "a");
        assert_eq!(
            run("{.items[?(@.status.containerStatuses[0].restartCount>1)].metadata.name}"),
            "a"
        );
        assert_eq!(
            run(r#"{range .items[*]}{range .spec.containers[*]}{.name}={.image};{end}|{end}"#),
            "c1=i1;c2=i2;|c1=i3;|"
        );
        // Text outside braces is printed as written; missing keys print nothing.
        assert_eq!(run(r"{.items[0].nope}\n"), r"\n");
    }

    #[test]
    fn bad_templates_say_what_is_wrong() {
        assert!(
            Template::parse("{.items[*]")
                .unwrap_err()
                .contains("unclosed action")
        );
        assert!(
            Template::parse("{.items[}")
                .unwrap_err()
                .contains("unterminated array")
        );
        assert!(
            Template::parse("{range .items[*]}{.a}")
                .unwrap_err()
                .contains("no {end}")
        );
        assert!(Template::parse("{end}").is_err());
        assert!(
            Template::parse("{.items[x]}")
                .unwrap_err()
                .contains("invalid array index")
        );
    }

    #[test]
    fn relaxed_paths_take_every_form() {
        let v = pods();
        for e in [
            "items[0].metadata.name",
            ".items[0].metadata.name",
            "{.items[0].metadata.name}",
            "{items[0].metadata.name}",
        ] {
            let q = Query::relaxed(e).unwrap();
            assert_eq!(q.find(&v), vec![&json!("a")], "{e}");
        }
        assert!(Query::relaxed("{.a}{.b}").is_err());
    }

    #[test]
    fn go_text_is_percent_v() {
        assert_eq!(go_text(&json!({"b": 1, "a": "x"})), "map[a:x b:1]");
        assert_eq!(go_text(&json!(["x", 2])), "[x 2]");
        assert_eq!(go_text(&Value::Null), "<nil>");
    }
}
