//! How the control daemon reaches node daemons (logs, exec): over TLS,
//! presenting its own certificate (`system:ork-control`), and trusting a
//! node's endpoint only when its certificate, signed by the cluster CA,
//! names that node, whatever address the Node object gives.

use crate::tls::{self, LiveCert};
use rustls::RootCertStore;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

/// One HTTP client per node, made on first use.
pub struct NodeClients {
    roots: RootCertStore,
    identity: LiveCert,
    cache: Mutex<HashMap<String, reqwest::Client>>,
}

impl NodeClients {
    pub fn new(roots: RootCertStore, identity: LiveCert) -> Self {
        NodeClients {
            roots,
            identity,
            cache: Mutex::default(),
        }
    }

    /// A client for node `name`'s endpoint.
    pub fn get(&self, name: &str) -> Result<reqwest::Client, String> {
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = cache.get(name) {
            return Ok(c.clone());
        }
        let config = tls::peer_client_config(self.roots.clone(), name, Some(&self.identity))
            .map_err(|e| e.to_string())?;
        let c = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .pool_idle_timeout(Duration::from_secs(5))
            .tls_backend_preconfigured(config)
            .build()
            .map_err(|e| e.to_string())?;
        cache.insert(name.to_string(), c.clone());
        Ok(c)
    }

    /// The control daemon's certificate (renewed in place).
    pub fn identity(&self) -> &LiveCert {
        &self.identity
    }
}
