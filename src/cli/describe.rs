//! `ork describe KIND NAME`: the arguments; the prose is `verbs::describe`'s.

use super::{CliError, Ctx, Result};
use crate::verbs::describe::describe_text;
use clap::Args;

#[derive(Args, Debug)]
pub struct DescribeArgs {
    /// KIND NAME, or KIND/NAME.
    #[arg(required = true, value_name = "KIND NAME")]
    pub target: Vec<String>,
}

pub async fn describe(ctx: &Ctx, a: DescribeArgs) -> Result<()> {
    let (kind, name) = match &a.target[..] {
        [one] => one
            .split_once('/')
            .map(|(k, n)| (k.to_string(), n.to_string()))
            .ok_or_else(|| CliError::Usage("give KIND NAME or KIND/NAME".into()))?,
        [k, n] => (k.clone(), n.clone()),
        _ => return Err(CliError::Usage("give KIND NAME or KIND/NAME".into())),
    };
    let kind = crate::verbs::kinds::resolve(&kind).map_err(CliError::Failed)?;
    print!("{}", describe_text(ctx, kind, &name).await?);
    Ok(())
}
