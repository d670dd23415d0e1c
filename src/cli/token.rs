//! `ork token create|list|revoke`: tokens kept as Secrets in `kube-system`
//! (see [`crate::api::token`]); `ork user create`: a user's client
//! certificate with a role, as a kubeconfig. All of it is an admin's.

use super::{CliError, Ctx, Global, Result};
use crate::api::token::{self, Token, TokenRole};
use crate::api::{Secret, Time};
use crate::client::{DeleteOptions, ListParams};
use crate::verbs::output::table;
use clap::{Args, Subcommand};
use std::time::Duration;

#[derive(Args, Debug)]
pub struct TokenArgs {
    #[command(subcommand)]
    pub what: TokenCmd,
}

#[derive(Subcommand, Debug)]
pub enum TokenCmd {
    /// Make a token and print it (it is shown once): a join token for `--role node`
    /// (`K10<ca hash>::<id>.<secret>`, for `ork node --token-file`), else a bearer token.
    Create {
        /// `node` (joins a node, nothing else), `admin`, `edit` (workloads, no Secrets read,
        /// no node changes) or `view` (reads all but Secrets).
        #[arg(long, default_value = "node")]
        role: String,
        /// How long it is valid (`0` for ever).
        #[arg(long, default_value = "24h", value_parser = super::misc::parse_duration, value_name = "DURATION")]
        ttl: Duration,
        /// What it is for, shown by `ork token list`.
        #[arg(long, default_value = "")]
        description: String,
    },
    /// List tokens: id, role, expiry, description (never the secret).
    List,
    /// Revoke tokens by id: they stop working at once.
    Revoke {
        #[arg(required = true, value_name = "ID")]
        ids: Vec<String>,
    },
}

pub async fn token(g: &Global, ctx: &Ctx, a: TokenArgs) -> Result<()> {
    match a.what {
        TokenCmd::Create {
            role,
            ttl,
            description,
        } => {
            let role = TokenRole::parse(&role).ok_or_else(|| {
                CliError::Usage(format!("--role {role:?}: use node, admin, edit or view"))
            })?;
            // A join token carries the hash of the CA the nodes must see.
            let ca_hash = match role {
                TokenRole::Node => Some(join_hash(g)?),
                TokenRole::User(_) => None,
            };
            let t = Token::generate();
            let expires = (!ttl.is_zero())
                .then(|| Time(Time::now().0 + chrono::Duration::from_std(ttl).unwrap_or_default()));
            let secret = token::to_secret(&t, role, expires, &description);
            ctx.client.create(&secret).await?;
            match ca_hash {
                Some(h) => println!("{}", t.join_text(&h)),
                None => println!("{}", t.to_text()),
            }
        }
        TokenCmd::List => {
            let list = ctx
                .client
                .list::<Secret>(Some(token::NAMESPACE), &ListParams::default())
                .await?;
            let now = Time::now();
            let rows: Vec<Vec<String>> = list
                .items
                .iter()
                .filter_map(token::info)
                .map(|i| {
                    let expires = match &i.expires {
                        None => "never".to_string(),
                        Some(t) if t.0 <= now.0 => "expired".to_string(),
                        Some(t) => t.0.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    };
                    vec![i.id, i.role.as_str().into(), expires, i.description]
                })
                .collect();
            if rows.is_empty() {
                println!("No tokens");
            } else {
                let headers = ["ID", "ROLE", "EXPIRES", "DESCRIPTION"].map(String::from);
                print!("{}", table(&headers, &rows, true));
            }
        }
        TokenCmd::Revoke { ids } => {
            for id in ids {
                ctx.client
                    .delete(
                        crate::api::Kind::Secret,
                        token::NAMESPACE,
                        &token::secret_name(&id),
                        &DeleteOptions::default(),
                    )
                    .await
                    .map_err(|e| {
                        if e.is_not_found() {
                            CliError::Failed(format!("no token {id:?} (ork token list shows them)"))
                        } else {
                            e.into()
                        }
                    })?;
                println!("token {id} revoked");
            }
        }
    }
    Ok(())
}

/// The hash of the CA this client trusts for the API: what a joining node
/// will check the server against.
fn join_hash(g: &Global) -> Result<String> {
    let creds = crate::verbs::config::resolve(&g.overrides())?;
    let pem = creds.ca_pem.ok_or_else(|| {
        CliError::Usage(
            "a join token names the cluster's CA, and this client config has none: use the kubeconfig ork up or ork control wrote (admin.kubeconfig)".into(),
        )
    })?;
    let certs = crate::tls::certs_from_pem(&pem, "certificate-authority")
        .map_err(|e| CliError::Failed(e.to_string()))?;
    crate::tls::ca_hash(&certs[0]).map_err(|e| CliError::Failed(e.to_string()))
}

#[derive(Args, Debug)]
pub struct UserArgs {
    #[command(subcommand)]
    pub what: UserCmd,
}

#[derive(Subcommand, Debug)]
pub enum UserCmd {
    /// Issue a client certificate for a user with a role (its key never
    /// leaves this machine) and write a kubeconfig holding it (0600).
    Create {
        name: String,
        /// `admin`, `edit` or `view`.
        #[arg(long)]
        role: String,
        /// Where to write the kubeconfig (default: print it).
        #[arg(long, value_name = "FILE")]
        out: Option<std::path::PathBuf>,
    },
}

pub async fn user(g: &Global, ctx: &Ctx, a: UserArgs) -> Result<()> {
    let UserCmd::Create { name, role, out } = a.what;
    let creds = crate::verbs::config::resolve(&g.overrides())?;
    let key = crate::tls::new_key().map_err(|e| CliError::Failed(e.to_string()))?;
    let csr = crate::tls::csr_pem(&key, &name).map_err(|e| CliError::Failed(e.to_string()))?;
    let issued: crate::api::wire::IssuedCertificate = ctx
        .client
        .post(
            crate::api::wire::USER_CERTIFICATE_PATH,
            &crate::api::wire::UserCertificateRequest {
                name: name.clone(),
                role,
                csr,
            },
        )
        .await?;
    let k = crate::client::Kubeconfig::single(
        "ork",
        &creds.server,
        creds.ca_pem.as_deref(),
        crate::client::kubeconfig::User::certificate(
            issued.certificate.as_bytes(),
            key.serialize_pem().as_bytes(),
        ),
    );
    match out {
        Some(path) => {
            k.write(&path)
                .map_err(|e| CliError::Failed(e.to_string()))?;
            println!("kubeconfig for {name} written to {}", path.display());
        }
        None => print!("{}", k.to_yaml()),
    }
    Ok(())
}
