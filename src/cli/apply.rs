//! `ork apply` and `ork delete`.

use super::input::{Manifest, decode_all, print_problems, read_sources};
use super::{CliError, Ctx, Result};
use crate::api::manifest::Strictness;
use crate::api::{FieldError, Kind, Object, qualified_name};
use crate::client::{ClientError, DeleteOptions, ListParams, Propagation};
use crate::verbs::objects::{self, Target, wait_gone};
use clap::Args;
use std::time::Duration;

#[derive(Args, Debug)]
pub struct ApplyArgs {
    /// Manifest file, directory, or - for stdin (repeatable).
    #[arg(short = 'f', long = "filename", required = true, value_name = "FILE")]
    pub files: Vec<String>,
    /// Also read subdirectories.
    #[arg(short = 'R', long)]
    pub recursive: bool,
    /// `server` (or bare `--dry-run`): check everything on the server and show
    /// what would change, changing nothing; `client`: check the manifests
    /// here and send nothing; `none`: apply (the default).
    #[arg(long, value_name = "server|client|none", default_value = "none", num_args = 0..=1,
          require_equals = true, default_missing_value = "server", value_parser = DryRun::parse)]
    pub dry_run: DryRun,
    /// How to treat unknown fields: strict (error), warn, or ignore.
    #[arg(long, default_value = "strict", value_name = "MODE")]
    pub validate: Strictness,
}

/// What `--dry-run` asks for, with kubectl's values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DryRun {
    /// Apply for real.
    None,
    /// Check the manifests locally; send nothing.
    Client,
    /// Let the server check and report everything, storing nothing.
    Server,
}

impl DryRun {
    /// `none`, `client` or `server`; kubectl's older `true`/`false` too
    /// (`true` was a client dry run there; here the server checks it).
    pub fn parse(s: &str) -> std::result::Result<DryRun, String> {
        match s {
            "none" | "false" => Ok(DryRun::None),
            "client" => Ok(DryRun::Client),
            "server" | "true" => Ok(DryRun::Server),
            other => Err(format!(
                "invalid --dry-run {other:?}: use server, client or none"
            )),
        }
    }
}

/// Fills in the namespace of namespaced objects, refusing a clash with `-n`.
fn set_namespaces(ctx: &Ctx, manifests: &mut [Manifest]) -> Result<()> {
    for m in manifests.iter_mut() {
        let kind = m.doc.object.kind();
        if !kind.namespaced() {
            continue;
        }
        let ns = m.doc.object.meta().namespace.clone();
        if ns.is_empty() {
            crate::dispatch!(&mut m.doc.object, o => {
                std::sync::Arc::make_mut(o).meta_mut().namespace = ctx.namespace.clone();
            });
        } else if ctx.namespace_explicit && ns != ctx.namespace {
            return Err(CliError::Usage(format!(
                "{}: document {}: the object's namespace {ns:?} does not match -n {:?}; drop -n or change the manifest",
                m.file, m.doc.index, ctx.namespace
            )));
        }
    }
    Ok(())
}

/// Maps a server refusal of item `i` back to the manifest's file, document and lines.
fn explain(manifests: &[Manifest], e: &ClientError) -> Option<CliError> {
    let ClientError::Api(status) = e else {
        return None;
    };
    let i = status.details.as_ref().and_then(|d| d.item)?;
    let m = manifests.get(i)?;
    let fields: Vec<FieldError> = status.field_errors();
    let problems: Vec<_> = if fields.is_empty() {
        vec![
            m.doc
                .field_error(&m.file, &FieldError::new("", status.message.clone())),
        ]
    } else {
        fields
            .iter()
            .map(|fe| m.doc.field_error(&m.file, fe))
            .collect()
    };
    print_problems(&problems);
    Some(CliError::Manifest(format!(
        "the server refused {}; nothing was applied",
        qualified_name(m.doc.object.kind(), &m.doc.object.meta().name)
    )))
}

pub async fn apply(ctx: &Ctx, a: ApplyArgs) -> Result<()> {
    let sources = read_sources(&a.files, a.recursive)?;
    let mut manifests = decode_all(&sources, a.validate, "applied")?;
    set_namespaces(ctx, &mut manifests)?;
    let mut items = vec![];
    for m in &manifests {
        items.push(
            m.doc
                .object
                .to_value()
                .map_err(|e| CliError::Failed(e.to_string()))?,
        );
    }
    let body = serde_json::to_vec(&items).map(|b| b.len()).unwrap_or(0);
    if body > crate::control::http::MAX_BODY {
        return Err(CliError::Failed(format!(
            "the input is {} KiB, over the API's 3 MiB limit for one apply; split it",
            body >> 10
        )));
    }
    if a.dry_run == DryRun::Client {
        for m in &manifests {
            let o = &m.doc.object;
            println!(
                "{} checked (client dry run, nothing sent)",
                qualified_name(o.kind(), &o.meta().name)
            );
        }
        return Ok(());
    }
    let dry = a.dry_run == DryRun::Server;
    let applied = match ctx.client.apply(items, dry).await {
        Ok(r) => r,
        Err(e) => return Err(explain(&manifests, &e).unwrap_or(CliError::Client(e))),
    };
    let suffix = if dry { " (dry run)" } else { "" };
    for w in &applied.warnings {
        eprintln!("Warning: {w}");
    }
    for r in applied.items {
        let kind = Kind::from_name(&r.kind).unwrap_or(Kind::Pod);
        println!("{} {}{suffix}", qualified_name(kind, &r.name), r.action);
    }
    Ok(())
}

#[derive(Args, Debug)]
pub struct DeleteArgs {
    /// KIND NAME..., KIND/NAME..., or KIND with -l / --all.
    pub targets: Vec<String>,
    /// Delete what these manifests describe.
    #[arg(short = 'f', long = "filename", value_name = "FILE")]
    pub files: Vec<String>,
    #[arg(short = 'R', long)]
    pub recursive: bool,
    /// Delete every object of the kind matching this label selector.
    #[arg(short = 'l', long)]
    pub selector: Option<String>,
    /// Delete every object of the kind in the namespace.
    #[arg(long)]
    pub all: bool,
    /// Seconds a pod gets to stop (default: its terminationGracePeriodSeconds).
    #[arg(long, value_name = "SECONDS")]
    pub grace_period: Option<i64>,
    /// Remove at once, without waiting for pods to stop (grace period 0).
    #[arg(long)]
    pub force: bool,
    /// What happens to owned objects: background (deleted), orphan (kept), foreground.
    #[arg(long, default_value = "background", value_name = "MODE")]
    pub cascade: String,
    /// Do not fail when an object does not exist.
    #[arg(long)]
    pub ignore_not_found: bool,
    /// Wait until the objects are gone (`--wait=false`: return once the deletion is accepted).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL",
          num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub wait: bool,
    /// How long to wait.
    #[arg(long, default_value = "60s", value_parser = super::misc::parse_duration)]
    pub timeout: Duration,
}

fn kind_of(s: &str) -> Result<Kind> {
    crate::verbs::kinds::resolve(s).map_err(CliError::Failed)
}

async fn targets(ctx: &Ctx, a: &DeleteArgs) -> Result<Vec<Target>> {
    let ns = |k: Kind| {
        if k.namespaced() {
            ctx.namespace.clone()
        } else {
            String::new()
        }
    };
    if !a.files.is_empty() {
        if !a.targets.is_empty() {
            return Err(CliError::Usage("give either -f or names, not both".into()));
        }
        let sources = read_sources(&a.files, a.recursive)?;
        let manifests = decode_all(&sources, Strictness::Ignore, "deleted")?;
        return Ok(manifests
            .iter()
            .map(|m| {
                let k = m.doc.object.kind();
                let n = &m.doc.object.meta().namespace;
                let n = if !k.namespaced() {
                    String::new()
                } else if n.is_empty() {
                    ctx.namespace.clone()
                } else {
                    n.clone()
                };
                Target {
                    kind: k,
                    namespace: n,
                    name: m.doc.object.meta().name.clone(),
                }
            })
            .collect());
    }
    let Some(first) = a.targets.first() else {
        return Err(CliError::Usage(
            "say what to delete: KIND NAME, KIND/NAME, KIND -l SELECTOR, KIND --all, or -f FILE"
                .into(),
        ));
    };
    if first.contains('/') {
        return a
            .targets
            .iter()
            .map(|t| {
                let (k, n) = t.split_once('/').ok_or_else(|| {
                    CliError::Usage(format!("{t:?}: mix of KIND/NAME and plain names"))
                })?;
                let kind = kind_of(k)?;
                Ok(Target {
                    kind,
                    namespace: ns(kind),
                    name: n.to_string(),
                })
            })
            .collect();
    }
    let kind = kind_of(first)?;
    let names = &a.targets[1..];
    if !names.is_empty() {
        if a.all || a.selector.is_some() {
            return Err(CliError::Usage(
                "give names, or -l / --all, not both".into(),
            ));
        }
        return Ok(names
            .iter()
            .map(|n| Target {
                kind,
                namespace: ns(kind),
                name: n.clone(),
            })
            .collect());
    }
    if !a.all && a.selector.is_none() {
        return Err(CliError::Usage(format!(
            "which {}? give names, -l SELECTOR, or --all",
            kind.plural()
        )));
    }
    let opts = ListParams {
        label_selector: a.selector.clone(),
        ..Default::default()
    };
    let list = ctx
        .client
        .list_any(kind, Some(&ctx.namespace), &opts)
        .await?;
    Ok(list.items.iter().map(Target::of).collect())
}

pub async fn delete(ctx: &Ctx, a: DeleteArgs) -> Result<()> {
    let propagation = match a.cascade.as_str() {
        "background" | "true" => Propagation::Background,
        "orphan" | "false" => Propagation::Orphan,
        "foreground" => Propagation::Foreground,
        other => {
            return Err(CliError::Usage(format!(
                "--cascade {other:?}: use background, orphan or foreground"
            )));
        }
    };
    let opts = DeleteOptions {
        grace_period_seconds: if a.force { Some(0) } else { a.grace_period },
        propagation_policy: Some(propagation),
        ..Default::default()
    };
    let list = targets(ctx, &a).await?;
    if list.is_empty() {
        println!("No resources found");
        return Ok(());
    }
    let mut failed = 0;
    let mut deleted = vec![];
    for t in &list {
        match objects::delete(ctx, t, &opts).await {
            Ok(uid) => {
                println!("{} \"{}\" deleted", t.kind.info().singular, t.name);
                deleted.push((t.clone(), uid));
            }
            Err(e) if e.is_not_found() && a.ignore_not_found => {}
            Err(e) => {
                eprintln!("error: {e}");
                failed += 1;
            }
        }
    }
    if a.wait {
        let waits = deleted.iter().map(|(t, uid)| wait_gone(ctx, t, uid));
        match tokio::time::timeout(a.timeout, futures::future::try_join_all(waits)).await {
            Ok(r) => {
                r?;
            }
            Err(_) => {
                return Err(CliError::Failed(format!(
                    "timed out after {:?} waiting for deletion to finish (pods may still be stopping)",
                    a.timeout
                )));
            }
        }
    }
    if failed > 0 {
        // One target: its error line already said it all.
        return Err(CliError::Failed(if list.len() == 1 {
            String::new()
        } else {
            format!("{failed} of {} could not be deleted", list.len())
        }));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::DryRun;

    #[test]
    fn dry_run_values_are_kubectls() {
        for (given, want) in [
            ("none", Ok(DryRun::None)),
            ("false", Ok(DryRun::None)),
            ("client", Ok(DryRun::Client)),
            ("server", Ok(DryRun::Server)),
            ("true", Ok(DryRun::Server)),
        ] {
            assert_eq!(DryRun::parse(given), want, "{given}");
        }
        let err = DryRun::parse("all").unwrap_err();
        assert!(
            err.contains("\"all\"") && err.contains("server, client or none"),
            "{err}"
        );
    }
}
