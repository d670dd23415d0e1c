//! `ork explain KIND[.field.path]`: the fields of a kind, laid out as
//! `kubectl explain` lays them out, read from the same definitions the
//! server publishes as OpenAPI ([`crate::api::openapi`]). It needs no
//! server: the schema is the binary's own.
//!
//! Rendering is a pure function of the definitions; only `explain` prints.

use super::{CliError, Result};
use crate::api::Kind;
use crate::api::explain::Explainer;
use clap::Args;
use serde_json::Value;
use std::collections::BTreeSet;

#[derive(Args, Debug)]
pub struct ExplainArgs {
    /// A kind and an optional field path: `deployment`, `pods.spec.containers`.
    pub resource: String,
    /// Print the fields of fields, names and types only.
    #[arg(long)]
    pub recursive: bool,
}

pub fn explain(a: ExplainArgs) -> Result<()> {
    print!("{}", render(&a.resource, a.recursive)?);
    Ok(())
}

/// The text `ork explain` prints for `resource` (`kind.field.path`).
pub fn render(resource: &str, recursive: bool) -> Result<String> {
    let mut parts = resource.split('.');
    let name = parts.next().unwrap_or_default();
    let path: Vec<&str> = parts.filter(|p| !p.is_empty()).collect();
    let kind = Kind::from_name(name).ok_or_else(|| {
        let known: Vec<&str> = Kind::ALL.iter().map(|k| k.plural()).collect();
        CliError::Usage(format!(
            "the server doesn't have a resource type {name:?}; ork knows {}",
            known.join(", ")
        ))
    })?;
    let e = Explainer::default();
    let x = e
        .walk(kind, &path)
        .map_err(|m| CliError::Failed(format!("error: {m}")))?;
    let info = kind.info();
    let mut out = String::new();
    if !info.group.is_empty() {
        out.push_str(&format!("GROUP:      {}\n", info.group));
    }
    out.push_str(&format!("KIND:       {}\n", info.kind));
    out.push_str(&format!("VERSION:    {}\n\n", info.version));
    if !x.field.is_empty() {
        out.push_str(&format!("FIELD: {} <{}>\n", x.field, x.type_name));
        if let Some(values) = enum_values(x.schema) {
            out.push_str("ENUM:");
            for v in values {
                out.push_str(&format!("\n    {v}"));
            }
            out.push('\n');
        }
        out.push('\n');
    }
    out.push_str("DESCRIPTION:\n");
    let description = if x.description.is_empty() {
        "<empty>".to_string()
    } else {
        x.description.clone()
    };
    out.push_str(&indent(&wrap(&description, 76), 4));
    out.push('\n');
    let fields = e.fields(x.schema);
    if !fields.is_empty() {
        out.push_str("FIELDS:\n");
        let mut seen = BTreeSet::new();
        field_list(&e, x.schema, 1, recursive, &mut seen, &mut out);
    }
    Ok(out)
}

/// The values of an enum, `""` shown as such.
fn enum_values(s: &Value) -> Option<Vec<String>> {
    let values = s.get("enum")?.as_array()?;
    Some(
        values
            .iter()
            .map(|v| match v.as_str() {
                Some("") => "\"\"".to_string(),
                Some(t) => t.to_string(),
                None => v.to_string(),
            })
            .collect(),
    )
}

fn field_list(
    e: &Explainer,
    schema: &Value,
    level: usize,
    recursive: bool,
    seen: &mut BTreeSet<String>,
    out: &mut String,
) {
    let pad = level * 2;
    for (name, field, required) in e.fields(schema) {
        out.push_str(&" ".repeat(pad));
        out.push_str(&format!("{name}\t<{}>", e.type_name(field)));
        if required {
            out.push_str(" -required-");
        }
        if let Some(values) = enum_values(e.resolve(field)) {
            let shown: Vec<&str> = values.iter().take(4).map(String::as_str).collect();
            let more = if values.len() > 4 { ", ...." } else { "" };
            out.push_str(&format!(
                "\n{}enum: {}{more}",
                " ".repeat(pad),
                shown.join(", ")
            ));
        }
        out.push('\n');
        if recursive {
            // Stop at a type already being expanded above (a cycle).
            let r = e.reference(field).map(str::to_string);
            if r.as_ref().is_none_or(|r| seen.insert(r.clone())) {
                field_list(e, field, level + 1, true, seen, out);
                if let Some(r) = r {
                    seen.remove(&r);
                }
            }
        } else {
            let d = e.description(field);
            let d = if d.is_empty() {
                "<no description>".to_string()
            } else {
                d
            };
            out.push_str(&indent(&wrap(&d, 78 - pad), pad + 2));
            out.push_str("\n\n");
        }
    }
}

/// Wraps each line of `text` at `width` columns, breaking between words.
fn wrap(text: &str, width: usize) -> String {
    let mut lines = vec![];
    for para in text.lines() {
        let mut line = String::new();
        for word in para.split_whitespace() {
            if !line.is_empty() && line.len() + 1 + word.len() > width {
                lines.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        lines.push(line);
    }
    lines.join("\n")
}

fn indent(text: &str, n: usize) -> String {
    let pad = " ".repeat(n);
    text.lines()
        .map(|l| {
            if l.is_empty() {
                String::new()
            } else {
                format!("{pad}{l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_path_prints_its_type_description_and_fields() {
        let out = render("deployment.spec.strategy", false).unwrap();
        assert!(out.starts_with("GROUP:      apps\nKIND:       Deployment\nVERSION:    v1\n\n"));
        assert!(
            out.contains("FIELD: strategy <DeploymentStrategy>\n"),
            "{out}"
        );
        assert!(
            out.contains("FIELDS:\n  rollingUpdate\t<RollingUpdateDeployment>\n"),
            "{out}"
        );
        assert!(out.contains("  type\t<string>\n  enum: "), "{out}");
        let out = render("deployment", false).unwrap();
        assert!(
            out.contains("DESCRIPTION:\n    Declares the pods of an application"),
            "{out}"
        );
        let out = render("deploy.spec.replicas", false).unwrap();
        assert!(out.contains("FIELD: replicas <integer>"), "{out}");
        assert!(out.contains("    Desired pods (default 1)."), "{out}");
    }

    #[test]
    fn recursive_lists_nested_fields_indented_without_descriptions() {
        let out = render("pods.spec.containers", true).unwrap();
        assert!(out.contains("FIELD: containers <[]Container>"), "{out}");
        assert!(out.contains("  name\t<string> -required-\n"), "{out}");
        assert!(
            out.contains("  livenessProbe\t<Probe>\n    exec\t<ExecAction>\n"),
            "{out}"
        );
        assert!(!out.contains("<no description>"));
    }

    #[test]
    fn unknown_kinds_and_fields_are_errors_that_say_what_exists() {
        let e = render("widgets", false).unwrap_err().to_string();
        assert!(e.contains("deployments"), "{e}");
        let e = render("pod.spec.nope", false).unwrap_err().to_string();
        assert_eq!(e, "error: field \"nope\" does not exist");
    }

    #[test]
    fn long_descriptions_wrap_under_the_width() {
        let w = wrap(&"word ".repeat(40), 20);
        assert!(w.lines().all(|l| l.len() <= 20));
        assert_eq!(indent("a\n\nb", 2), "  a\n\n  b");
    }
}
