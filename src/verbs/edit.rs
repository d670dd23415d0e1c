//! `edit` as kubectl does it, without the editor: the text of the file to
//! open (kubectl's comment header, then the object as YAML without
//! managedFields), and what saving a file leads to: nothing changed, an
//! empty file, a syntax or schema error or a refusal by the server
//! (reopen the file with the reasons at the top), a change made while
//! editing (reopen with the edits laid over the latest version), or done.
//!
//! The change is what was edited (a merge diff) laid over the object as it
//! was fetched, sent as a replace carrying the resourceVersion the file was
//! opened at, so nobody's concurrent write is silently undone. The caller runs the editor between [`Edit::text`]
//! and [`Edit::save`]: the CLI a terminal editor, the dashboard its own.

use super::change::merge_diff;
use super::objects::Target;
use super::output::to_yaml;
use super::{Ctx, Result, VerbError};
use crate::api::manifest::{Strictness, decode};
use crate::api::merge::merge_patch;
use crate::api::{Kind, qualified_name};
use crate::client::ClientError;
use serde_json::Value;

/// The comment kubectl opens every file with.
pub const HEADER: &str =
    "# Please edit the object below. Lines beginning with a '#' will be ignored,
# and an empty file will abort the edit. If an error occurs while saving this file will be
# reopened with the relevant failures.
#
";

/// What saving the file came to.
#[derive(Debug, PartialEq)]
pub enum Saved {
    /// Sent; the line to print (`deployment.apps/web edited`).
    Done(String),
    /// Nothing to send (`Edit cancelled, no changes made.`); print it to stderr.
    Cancelled(&'static str),
    /// Open the file again with this text; `error` (if any) goes to stderr.
    Reopen { text: String, error: Option<String> },
}

/// One reason at the top of a reopened file.
#[derive(Clone, Debug)]
struct Reason {
    head: String,
    items: Vec<String>,
}

/// An edit in progress.
pub struct Edit {
    target: Target,
    /// The object as last fetched, without managedFields.
    original: Value,
    /// The object as last fetched, whole: what the edits are laid over.
    live: Value,
    /// The YAML body the file was opened with (no comments).
    original_body: String,
    /// What was saved last, when it led to an error.
    failed_edit: Option<String>,
}

/// Lines that are not `#` comments.
pub fn strip_comments(text: &str) -> String {
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// `deployments.apps`, as kubectl names a resource in messages.
pub fn resource_name(kind: Kind) -> String {
    let i = kind.info();
    if i.group.is_empty() {
        i.plural.to_string()
    } else {
        format!("{}.{}", i.plural, i.group)
    }
}

fn header(reasons: &[Reason]) -> String {
    let mut h = HEADER.to_string();
    let hash = |s: &str| s.replace('\n', "\n# ");
    for r in reasons {
        if r.items.is_empty() {
            h.push_str(&format!("# {}\n", hash(&r.head)));
        } else {
            h.push_str(&format!("# {}:\n", hash(&r.head)));
        }
        for i in &r.items {
            h.push_str(&format!("# * {}\n", hash(i)));
        }
        h.push_str("#\n");
    }
    h
}

fn body_of(obj: &Value) -> Result<(Value, String)> {
    let mut obj = obj.clone();
    if let Some(m) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
        m.remove("managedFields");
    }
    let body = to_yaml(&obj)?;
    Ok((obj, body))
}

impl Edit {
    /// Fetches the object to edit.
    pub async fn open(ctx: &Ctx, target: Target) -> Result<Edit> {
        let live = ctx
            .client
            .get_value(target.kind, &target.namespace, &target.name)
            .await?;
        let (original, original_body) = body_of(&live)?;
        Ok(Edit {
            target,
            original,
            live,
            original_body,
            failed_edit: None,
        })
    }

    /// The text of the file to open first.
    pub fn text(&self) -> String {
        format!("{}{}", header(&[]), self.original_body)
    }

    fn reopen(&mut self, edited: &str, reasons: Vec<Reason>, error: Option<String>) -> Saved {
        self.failed_edit = Some(edited.to_string());
        Saved::Reopen {
            text: format!("{}{}", header(&reasons), strip_comments(edited)),
            error,
        }
    }

    fn invalid(&self, items: Vec<String>) -> (Vec<Reason>, Option<String>) {
        let res = resource_name(self.target.kind);
        (
            vec![Reason {
                head: format!("{res} {:?} was not valid", self.target.name),
                items,
            }],
            Some(format!("error: {res} {:?} is invalid", self.target.name)),
        )
    }

    /// What to do with the file as saved.
    pub async fn save(&mut self, ctx: &Ctx, edited: &str) -> Result<Saved> {
        let body = strip_comments(edited);
        if let Some(prev) = &self.failed_edit
            && strip_comments(prev) == body
        {
            return Err(VerbError::Failed(
                "Edit cancelled, no valid changes were saved.".into(),
            ));
        }
        if body == strip_comments(&self.original_body) {
            return Ok(Saved::Cancelled("Edit cancelled, no changes made."));
        }
        if body.trim().is_empty() {
            return Ok(Saved::Cancelled("Edit cancelled, saved file was empty."));
        }
        let value: Value = match serde_saphyr::from_str(&body) {
            Ok(v) => v,
            Err(e) => {
                let r = Reason {
                    head: format!("The edited file had a syntax error: {e}"),
                    items: vec![],
                };
                return Ok(self.reopen(edited, vec![r], None));
            }
        };
        if let Err(errors) = decode("edited file", &body, Strictness::Strict) {
            let items = errors
                .iter()
                .map(|e| {
                    let at = e.line.map(|l| format!(" (line {l})")).unwrap_or_default();
                    if e.path.is_empty() {
                        format!("{}{at}", e.message)
                    } else {
                        format!("{}: {}{at}", e.path, e.message)
                    }
                })
                .collect();
            let (reasons, err) = self.invalid(items);
            return Ok(self.reopen(edited, reasons, err));
        }
        for key in ["/apiVersion", "/kind", "/metadata/name"] {
            if value.pointer(key) != self.original.pointer(key) {
                return Err(VerbError::Failed(
                    "At least one of apiVersion, kind and name was changed".into(),
                ));
            }
        }
        let diff = merge_diff(&self.original, &value);
        let label = qualified_name(self.target.kind, &self.target.name);
        if diff.is_null() {
            return Ok(Saved::Done(format!("{label} skipped")));
        }
        let mut whole = self.live.clone();
        merge_patch(&mut whole, &diff);
        let t = &self.target;
        let sent = ctx
            .client
            .replace_value(t.kind, &t.namespace, &t.name, &whole)
            .await;
        match sent {
            Ok(_) => Ok(Saved::Done(format!("{label} edited"))),
            Err(ClientError::Api(s)) if s.code == 422 || s.code == 400 => {
                let mut items: Vec<String> = s
                    .details
                    .iter()
                    .flat_map(|d| &d.causes)
                    .map(|c| {
                        if c.field.is_empty() {
                            c.message.clone()
                        } else {
                            format!("{}: {}", c.field, c.message)
                        }
                    })
                    .collect();
                if items.is_empty() {
                    items.push(s.message.clone());
                }
                let (reasons, err) = self.invalid(items);
                Ok(self.reopen(edited, reasons, err))
            }
            Err(e) if e.is_conflict() => {
                let live = ctx.client.get_value(t.kind, &t.namespace, &t.name).await?;
                let (latest, latest_body) = body_of(&live)?;
                let mut merged = latest.clone();
                merge_patch(&mut merged, &diff);
                let merged_body = to_yaml(&merged)?;
                let res = resource_name(t.kind);
                let reasons = vec![Reason {
                    head: format!(
                        "{res} {:?} was changed by someone else while you edited it; your edits are laid over the latest version below: save to send them",
                        t.name
                    ),
                    items: vec![],
                }];
                let error = Some(format!(
                    "error: {res} {:?} could not be updated: {e}",
                    t.name
                ));
                self.original = latest;
                self.original_body = latest_body;
                self.live = live;
                // A conflict is not the user's mistake: saving unchanged sends.
                self.failed_edit = None;
                Ok(Saved::Reopen {
                    text: format!("{}{}", header(&reasons), merged_body),
                    error,
                })
            }
            Err(e) if e.is_not_found() => Err(VerbError::Failed(format!(
                "{} {:?} could not be found on the server",
                resource_name(t.kind),
                t.name
            ))),
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_sit_under_kubectls_header() {
        let h = header(&[Reason {
            head: "deployments.apps \"web\" was not valid".into(),
            items: vec!["spec.replicas: must be >= 0".into()],
        }]);
        assert!(h.starts_with(HEADER));
        assert!(h.ends_with(
            "# deployments.apps \"web\" was not valid:\n# * spec.replicas: must be >= 0\n#\n"
        ));
        assert_eq!(
            strip_comments(&format!("{h}a: 1\n  # x\nb: 2")),
            "a: 1\nb: 2\n"
        );
        assert_eq!(resource_name(Kind::Deployment), "deployments.apps");
        assert_eq!(resource_name(Kind::Pod), "pods");
    }
}
