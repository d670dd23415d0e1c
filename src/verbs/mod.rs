//! What the command line and the dashboard both do, as plain functions with
//! plain option structs: the context built from the client config ([`Ctx`],
//! [`config`]), the printers ([`output`]: tables, YAML, ages), [`describe`]
//! (with [`placement`], every node's verdict on a pending pod), and the verbs
//! that change a cluster: [`rollout`] (status, history, undo, restart,
//! pause), [`nodes`] (cordon, drain), [`objects`] (scale, delete),
//! [`change`] (a field changed under a resourceVersion precondition),
//! [`workloads`] (the objects of run, expose, create deployment; set image
//! and env), [`edit`]; and what `get` prints beyond tables: [`kinds`] (names
//! and the `all` category), [`jsonpath`] templates, [`columns`].
//!
//! `cli` builds the option structs from clap arguments and prints what comes
//! back; `tui` builds them from keys and shows it on a page. Nothing here
//! prints or reads a terminal: progress goes to a callback.
//!
//! May import `api`, `client`, `scheduler` (pure placement) and `sys`; never
//! `cli`, `tui`, `control` or `node`.

pub mod change;
pub mod chaos;
pub mod columns;
pub mod config;
pub mod describe;
pub mod edit;
pub mod jsonpath;
pub mod kinds;
pub mod nodes;
pub mod objects;
pub mod output;
pub mod placement;
pub mod rollout;
pub mod rollout_daemonset;
pub mod statefulset_rollout;
pub mod workloads;

use crate::client::{Client, ClientError};
use std::path::PathBuf;

pub use config::Overrides;

/// What a verb could not do.
#[derive(Debug, thiserror::Error)]
pub enum VerbError {
    /// The API refused the call or could not be reached.
    #[error("{0}")]
    Client(#[from] ClientError),
    /// No API server or no token to use: the setup is wrong, not the call.
    #[error("{0}")]
    NotConfigured(String),
    /// The client config file exists but could not be read.
    #[error("reading client config {path}: {source}")]
    ReadConfig {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The client config file is not the YAML it should be.
    #[error("client config {path}: {message}")]
    ParseConfig { path: PathBuf, message: String },
    /// The directory of the client config could not be made.
    #[error("creating config dir {path}: {source}")]
    ConfigDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The client config could not be written privately.
    #[error(transparent)]
    WriteConfig(#[from] crate::sys::SysError),
    /// The verb ran but did not get where it was going (a timeout, a
    /// missing revision, a pod drain may not move); the message says which.
    #[error("{0}")]
    Failed(String),
}

impl VerbError {
    /// Whether the API said the object does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(self, VerbError::Client(e) if e.is_not_found())
    }
}

pub type Result<T> = std::result::Result<T, VerbError>;

/// What every verb needs: an API client and the namespace to work in.
#[derive(Clone)]
pub struct Ctx {
    pub client: Client,
    pub namespace: String,
    /// Whether the namespace was asked for (`-n`), as opposed to the default.
    pub namespace_explicit: bool,
}

impl Ctx {
    /// Connects as the client config says, with `o` overriding it.
    pub fn connect(o: &Overrides) -> Result<Ctx> {
        let cfg = config::resolve(o)?;
        Ok(Ctx {
            client: Client::connect(&cfg)?,
            namespace: o
                .namespace
                .clone()
                .or(cfg.namespace)
                .unwrap_or_else(|| crate::api::DEFAULT_NAMESPACE.to_string()),
            namespace_explicit: o.namespace.is_some(),
        })
    }

    /// A client already made, working in `namespace` (as if asked for).
    pub fn in_namespace(client: &Client, namespace: &str) -> Ctx {
        Ctx {
            client: client.clone(),
            namespace: namespace.to_string(),
            namespace_explicit: true,
        }
    }
}
