//! `ork edit TYPE/NAME` (or `TYPE NAME`): the object as YAML in a private
//! temp file under kubectl's header, opened with `$KUBE_EDITOR`, `$EDITOR`
//! or `vi`, reopened with the reasons at the top until it is sent, left
//! unchanged, or emptied. The decisions are `verbs::edit`'s; this file runs
//! the editor.

use super::{CliError, Ctx, Result};
use crate::verbs::edit::{Edit, Saved};
use crate::verbs::objects::Target;
use clap::Args;
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
pub struct EditArgs {
    /// TYPE/NAME or TYPE NAME (`deployment/web`, `svc web`).
    #[arg(required = true, num_args = 1..=2, value_name = "TYPE/NAME")]
    pub target: Vec<String>,
}

/// The editor command: `$KUBE_EDITOR`, `$EDITOR`, else `vi`.
fn editor() -> String {
    ["KUBE_EDITOR", "EDITOR"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|e| !e.trim().is_empty())
        .unwrap_or_else(|| "vi".into())
}

fn io_err(what: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> CliError {
    let path = path.to_path_buf();
    move |source| CliError::Io { what, path, source }
}

/// A new file only this user can read (it may hold a Secret).
fn private_file() -> Result<PathBuf> {
    use std::os::unix::fs::OpenOptionsExt;
    let path =
        std::env::temp_dir().join(format!("ork-edit-{}.yaml", uuid::Uuid::new_v4().simple()));
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .map_err(io_err("creating", &path))?;
    Ok(path)
}

/// Runs the editor on `path` through the shell, so `code --wait` works.
fn launch(editor: &str, path: &Path) -> Result<()> {
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("ork-edit")
        .arg(path)
        .status()
        .map_err(|e| CliError::Failed(format!("starting the editor {editor:?}: {e}")))?;
    if !status.success() {
        return Err(CliError::Failed(format!(
            "there was a problem with the editor {editor:?} ({status})"
        )));
    }
    Ok(())
}

fn kept(path: &Path, e: CliError) -> CliError {
    eprintln!(
        "A copy of your changes has been stored to {:?}",
        path.display().to_string()
    );
    e
}

pub async fn edit(ctx: &Ctx, a: EditArgs) -> Result<()> {
    let (kind, name) = crate::verbs::kinds::target(&a.target).map_err(CliError::Failed)?;
    let namespace = if kind.namespaced() {
        ctx.namespace.clone()
    } else {
        String::new()
    };
    let mut e = Edit::open(
        ctx,
        Target {
            kind,
            namespace,
            name,
        },
    )
    .await?;
    let path = private_file()?;
    let editor = editor();
    let mut text = e.text();
    loop {
        std::fs::write(&path, &text).map_err(io_err("writing", &path))?;
        launch(&editor, &path).map_err(|err| kept(&path, err))?;
        let edited = std::fs::read_to_string(&path).map_err(io_err("reading", &path))?;
        match e.save(ctx, &edited).await {
            Ok(Saved::Done(line)) => {
                let _ = std::fs::remove_file(&path);
                println!("{line}");
                return Ok(());
            }
            Ok(Saved::Cancelled(msg)) => {
                let _ = std::fs::remove_file(&path);
                eprintln!("{msg}");
                return Ok(());
            }
            Ok(Saved::Reopen { text: t, error }) => {
                if let Some(err) = error {
                    eprintln!("{err}");
                }
                text = t;
            }
            Err(err) => return Err(kept(&path, err.into())),
        }
    }
}
