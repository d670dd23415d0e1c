//! `ork config view|path`: the client config (a kubeconfig) and where it is.

use super::{Global, Result};
use crate::verbs::config;
use clap::{Args, Subcommand};

#[derive(Args, Debug)]
pub struct ConfigArgs {
    #[command(subcommand)]
    pub what: ConfigCmd,
}

#[derive(Subcommand, Debug)]
pub enum ConfigCmd {
    /// Print the client config, with tokens and keys hidden unless --raw.
    View {
        /// Show tokens, keys and certificates as they are.
        #[arg(long)]
        raw: bool,
    },
    /// Print the client config's path.
    Path,
}

pub fn config(g: &Global, a: ConfigArgs) -> Result<()> {
    let path = config::path(&g.overrides());
    match a.what {
        ConfigCmd::Path => println!("{}", path.display()),
        ConfigCmd::View { raw } => {
            let Some(mut k) = config::read(&path)? else {
                return Err(super::CliError::Failed(format!(
                    "no client config at {} (ork up writes it)",
                    path.display()
                )));
            };
            if !raw {
                for u in &mut k.users {
                    let u = &mut u.user;
                    for v in [&mut u.token, &mut u.client_key_data] {
                        if v.is_some() {
                            *v = Some("REDACTED".into());
                        }
                    }
                    if u.client_certificate_data.is_some() {
                        u.client_certificate_data = Some("DATA+OMITTED".into());
                    }
                }
                for c in &mut k.clusters {
                    if c.cluster.certificate_authority_data.is_some() {
                        c.cluster.certificate_authority_data = Some("DATA+OMITTED".into());
                    }
                }
            }
            print!("{}", k.to_yaml());
        }
    }
    Ok(())
}
