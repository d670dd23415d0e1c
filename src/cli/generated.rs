//! What `run`, `create deployment|namespace` and `expose` share with
//! kubectl: `--dry-run=client` (print, send nothing) and `-o yaml|json|name`
//! for the object they make.

use super::{CliError, Ctx, Result};
use crate::api::{Object, qualified_name};
use crate::verbs::output::{to_json, to_yaml};
use clap::Args;

#[derive(Args, Debug, Clone)]
pub struct GenFlags {
    /// `client`: only print the object (`none`: create it, the default).
    #[arg(long, value_name = "none|client", default_value = "none", num_args = 0..=1, require_equals = true, default_missing_value = "client")]
    pub dry_run: String,
    /// Print the object as yaml, json or name instead of a sentence.
    #[arg(short = 'o', long, value_name = "yaml|json|name")]
    pub output: Option<String>,
}

/// Creates `obj` (unless a client dry run) and prints it as asked, or
/// `kind/name VERB` (`created`, `exposed`).
pub async fn create<T: Object>(ctx: &Ctx, obj: &T, flags: &GenFlags, verb: &str) -> Result<()> {
    let dry = match flags.dry_run.as_str() {
        "none" | "false" => false,
        "client" | "true" => true,
        other => {
            return Err(CliError::Usage(format!(
                "invalid --dry-run {other:?}: use none or client"
            )));
        }
    };
    let shown = if dry {
        obj.clone()
    } else {
        ctx.client.create(obj).await?
    };
    let label = qualified_name(T::KIND, &shown.meta().name);
    let value = || serde_json::to_value(&shown).map_err(|e| CliError::Failed(e.to_string()));
    match flags.output.as_deref() {
        None => println!("{label} {verb}{}", if dry { " (dry run)" } else { "" }),
        Some("yaml") => print!("{}", to_yaml(&value()?)?),
        Some("json") => println!("{}", to_json(&value()?)?),
        Some("name") => println!("{label}"),
        Some(other) => {
            return Err(CliError::Usage(format!(
                "unable to match a printer suitable for the output format {other:?}, allowed formats are: json, name, yaml"
            )));
        }
    }
    Ok(())
}
