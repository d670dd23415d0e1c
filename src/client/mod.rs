//! The typed HTTP client of the ork API, used by the CLI, the TUI and the
//! node daemon. It builds Kubernetes-shaped requests, decodes `Status`
//! errors into [`ClientError::Api`], and turns `?watch=true` responses into a
//! stream of typed events.
//!
//! This module must not import `control`, `node`, `cli` or `tui`.

pub mod kubeconfig;
mod stream;
mod watcher;

pub use crate::api::wire::{
    Applied, DeleteOptions, ListParams, LogParams, Propagation, WatchEventType,
};
pub use kubeconfig::{Credentials, Kubeconfig};
pub use watcher::{Change, watcher};

use crate::tls::LiveCert;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::api::wire::{self, ApplyRequest, ApplyResponse, ExecParams, WatchLine, WriteParams};
use crate::api::{AnyObject, Kind, Object, Status};
use bytes::Bytes;
use futures::stream::{BoxStream, StreamExt};
use serde::Deserialize;
use serde_json::Value;
use std::time::Duration;

/// What went wrong talking to the API.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error(
        "cannot reach the ork API at {url}: {reason} (is `ork up` or `ork control` running? check --server / ORK_SERVER)"
    )]
    Unreachable { url: String, reason: String },
    #[error("{}", api_message(.0))]
    Api(Box<Status>),
    #[error("unexpected answer from {url}: {message}")]
    Protocol { url: String, message: String },
    #[error("invalid argument: {0}")]
    Invalid(String),
}

fn api_message(s: &Status) -> String {
    match s.code {
        401 => format!("Unauthorized: {}", s.message),
        _ if s.reason.is_empty() => s.message.clone(),
        _ => format!("{} ({}): {}", s.reason, s.code, s.message),
    }
}

impl ClientError {
    /// The API's status code, when the server answered with an error.
    pub fn code(&self) -> Option<u16> {
        match self {
            ClientError::Api(s) => Some(s.code),
            _ => None,
        }
    }

    pub fn is_not_found(&self) -> bool {
        self.code() == Some(404)
    }

    pub fn is_conflict(&self) -> bool {
        self.code() == Some(409)
    }
}

pub type Result<T> = std::result::Result<T, ClientError>;

/// One watch event.
#[derive(Clone, Debug)]
pub struct WatchEvent {
    pub type_: WatchEventType,
    /// The object (for bookmarks, only its kind and resourceVersion are meaningful).
    pub object: Option<AnyObject>,
    pub resource_version: u64,
}

/// A list of objects and the revision it is current at.
pub struct List<T> {
    pub items: Vec<T>,
    pub resource_version: u64,
}

/// A connection to an ork API served by one or several control daemons.
///
/// How often a multiplexed client pings an idle connection, and how long
/// it waits for the answer before dropping it.
pub const H2_PING: Duration = Duration::from_secs(3);

/// `server` may list several URLs separated by commas (`https://a:7700,https://b:7700`):
/// requests go to the current one, and a request that cannot connect to it
/// (refused, unreachable, TLS handshake failed) is sent to the next one,
/// which becomes current for every clone of this client. A request that
/// reached a server is never sent twice.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    servers: Arc<[String]>,
    current: Arc<AtomicUsize>,
    token: String,
    /// The client certificate presented, when there is one (renewable).
    identity: Option<LiveCert>,
}

/// The URLs of a comma-separated server list, without trailing slashes;
/// each must start with `scheme` when given.
pub fn server_list(servers: &str) -> Result<Vec<String>> {
    let list: Vec<String> = servers
        .split(',')
        .map(|s| s.trim().trim_end_matches('/').to_string())
        .filter(|s| !s.is_empty())
        .collect();
    if list.is_empty() {
        return Err(ClientError::Invalid(format!(
            "no server URL in {servers:?}"
        )));
    }
    for s in &list {
        if !s.starts_with("https://") && !s.starts_with("http://") {
            return Err(ClientError::Invalid(format!(
                "server {s:?} must start with https:// or http://"
            )));
        }
        if s.split("://").nth(1).is_none_or(str::is_empty) {
            return Err(ClientError::Invalid(format!("server {s:?} names no host")));
        }
    }
    let scheme = |s: &str| s.split("://").next().unwrap_or_default().to_string();
    if list.iter().any(|s| scheme(s) != scheme(&list[0])) {
        return Err(ClientError::Invalid(format!(
            "servers {servers:?} mix http:// and https://"
        )));
    }
    Ok(list)
}

impl Client {
    /// A client for `server` with a bearer token, trusting nothing but what
    /// `server`'s scheme needs: use [`Client::connect`] for `https://`.
    pub fn new(server: &str, token: &str) -> Result<Self> {
        Self::connect(&Credentials {
            server: server.to_string(),
            token: Some(token.to_string()),
            ..Default::default()
        })
    }

    /// A client as the kubeconfig at `path` says (its current context).
    pub fn from_kubeconfig(path: &std::path::Path) -> Result<Self> {
        let k = Kubeconfig::read(path)
            .map_err(|e| ClientError::Invalid(e.to_string()))?
            .ok_or_else(|| ClientError::Invalid(format!("{} does not exist", path.display())))?;
        let base = path.parent().unwrap_or(std::path::Path::new("."));
        let c = k
            .credentials(None, base)
            .map_err(|e| ClientError::Invalid(format!("{}: {e}", path.display())))?;
        Self::connect(&c)
    }

    /// A client from kubeconfig-style credentials: the server, the CA to
    /// trust (or `insecure`), and a token and/or a client certificate.
    pub fn connect(c: &Credentials) -> Result<Self> {
        let identity = match (&c.client_cert_pem, &c.client_key_pem) {
            (Some(cert), Some(key)) => Some(
                LiveCert::from_pem(cert, key, "client certificate")
                    .map_err(|e| ClientError::Invalid(e.to_string()))?,
            ),
            _ => None,
        };
        Self::with_identity(c, identity)
    }

    /// Like [`Client::connect`], presenting `identity` (a certificate the
    /// caller may renew in place).
    pub fn with_identity(c: &Credentials, identity: Option<LiveCert>) -> Result<Self> {
        Self::build(c, identity, false)
    }

    /// Like [`Client::with_identity`], over one HTTP/2 connection per
    /// server that carries all of the client's requests at once (a node
    /// daemon's heartbeats, watches and pod workers). A connection that
    /// stops answering pings is dropped within [`H2_PING`] twice, so a
    /// partition or a dead server is noticed as with HTTP/1.1. Over
    /// `https://` only; the server must be ork's.
    pub fn multiplexed(c: &Credentials, identity: Option<LiveCert>) -> Result<Self> {
        Self::build(c, identity, true)
    }

    fn build(c: &Credentials, identity: Option<LiveCert>, h2: bool) -> Result<Self> {
        let servers = server_list(&c.server)?;
        let base = servers.join(",");
        let invalid = |m: String| ClientError::Invalid(m);
        crate::tls::install_crypto();
        let mut b = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .tcp_nodelay(true)
            // Shorter than the servers' idle timeout (30 s), so a pooled
            // connection is not reused just as the server closes it; long
            // enough that a node's bursts of requests find their
            // connections still open instead of opening (and handshaking)
            // new ones.
            .pool_idle_timeout(Duration::from_secs(20));
        if h2 {
            b = b
                .http2_keep_alive_interval(H2_PING)
                .http2_keep_alive_timeout(H2_PING)
                .http2_keep_alive_while_idle(true);
        }
        if base.starts_with("https://") {
            let mut config = match (&c.ca_pem, c.insecure) {
                (_, true) => crate::tls::insecure_client_config(identity.as_ref()),
                (Some(ca), false) => {
                    let certs = crate::tls::certs_from_pem(ca, "certificate-authority")
                        .map_err(|e| invalid(e.to_string()))?;
                    crate::tls::roots(&certs)
                        .and_then(|r| crate::tls::client_config(r, identity.as_ref()))
                }
                (None, false) => {
                    return Err(invalid(format!(
                        "no CA to check {base} against: use a kubeconfig with certificate-authority-data (ork up writes one), or pass --certificate-authority"
                    )));
                }
            }
            .map_err(|e| invalid(e.to_string()))?;
            if h2 {
                config.alpn_protocols = vec![b"h2".to_vec()];
            }
            b = b.tls_backend_preconfigured(config);
        } else if !base.starts_with("http://") {
            return Err(invalid(format!(
                "server {:?} must start with https:// or http://",
                c.server
            )));
        }
        let http = b.build().map_err(|e| invalid(e.to_string()))?;
        Ok(Client {
            http,
            servers: servers.into(),
            current: Default::default(),
            token: c.token.as_deref().unwrap_or("").trim().to_string(),
            identity,
        })
    }

    /// A client for a node's first join: it trusts `server` only if it
    /// presents a CA whose public key hashes to `ca_hash` (so `token`'s
    /// secret goes to no other server), and keeps that CA.
    pub fn pinned(
        server: &str,
        token: &str,
        ca_hash: [u8; 32],
    ) -> Result<(Self, std::sync::Arc<crate::tls::PinnedCa>)> {
        crate::tls::install_crypto();
        let servers = server_list(server)?;
        if !servers[0].starts_with("https://") {
            return Err(ClientError::Invalid(format!(
                "a node joins over https://, not {server:?}"
            )));
        }
        let (config, pin) = crate::tls::pinned_client_config(ca_hash)
            .map_err(|e| ClientError::Invalid(e.to_string()))?;
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .tls_backend_preconfigured(config)
            .build()
            .map_err(|e| ClientError::Invalid(e.to_string()))?;
        Ok((
            Client {
                http,
                servers: servers.into(),
                current: Default::default(),
                token: token.trim().to_string(),
                identity: None,
            },
            pin,
        ))
    }

    /// POSTs a JSON body to a path and decodes the JSON answer.
    pub async fn post<B: serde::Serialize, T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T> {
        let resp = self
            .send(self.request(reqwest::Method::POST, path).json(body), true)
            .await?;
        self.json(resp).await
    }

    /// The client certificate this client presents, if any.
    pub fn identity(&self) -> Option<&LiveCert> {
        self.identity.as_ref()
    }

    /// The server requests go to now.
    pub fn server(&self) -> &str {
        let i = self.current.load(Ordering::Relaxed) % self.servers.len();
        &self.servers[i]
    }

    /// Every server this client may use, in order.
    pub fn servers(&self) -> &[String] {
        &self.servers
    }

    /// The bearer token this client sends.
    pub fn token(&self) -> &str {
        &self.token
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let rb = self
            .http
            .request(method, format!("{}{path}", self.server()));
        if self.token.is_empty() {
            rb
        } else {
            rb.bearer_auth(&self.token)
        }
    }

    async fn send(&self, rb: reqwest::RequestBuilder, timeout: bool) -> Result<reqwest::Response> {
        let rb = if timeout {
            rb.timeout(Duration::from_secs(60))
        } else {
            rb
        };
        let resp = self.execute(rb).await?;
        if resp.status().is_success() {
            return Ok(resp);
        }
        let code = resp.status().as_u16();
        let url = resp.url().to_string();
        let text = resp.text().await.unwrap_or_default();
        match serde_json::from_str::<Status>(&text) {
            Ok(s) if s.code != 0 => Err(ClientError::Api(Box::new(s))),
            _ => Err(ClientError::Api(Box::new(Status::failure(
                code,
                "",
                format!("{url}: HTTP {code}: {}", text.trim()),
            )))),
        }
    }

    /// Sends a request to the current server; when it cannot connect and
    /// there are others, to the next ones in turn. The first that answers
    /// becomes current.
    async fn execute(&self, rb: reqwest::RequestBuilder) -> Result<reqwest::Response> {
        let req = rb.build().map_err(|e| self.unreachable(&e))?;
        let n = self.servers.len();
        // The server the request was made for (normally the current one).
        let start = self
            .servers
            .iter()
            .position(|s| req.url().as_str().starts_with(s.as_str()))
            .unwrap_or(0);
        let mut failures: Vec<String> = vec![];
        for attempt in 0..n {
            let i = (start + attempt) % n;
            let mut r = match req.try_clone() {
                Some(r) => r,
                // A streamed body goes once, to the current server.
                None if attempt == 0 => return self.execute_once(req).await,
                None => break,
            };
            if attempt > 0 {
                *r.url_mut() = rebase(req.url(), &self.servers[start], &self.servers[i])
                    .ok_or_else(|| ClientError::Invalid(format!("bad URL {}", req.url())))?;
            }
            match self.http.execute(r).await {
                Ok(resp) => {
                    if i != start {
                        let _ = self.current.compare_exchange(
                            start,
                            i,
                            Ordering::Relaxed,
                            Ordering::Relaxed,
                        );
                        tracing::info!(server = %self.servers[i], "switched to another API server");
                    }
                    return Ok(resp);
                }
                Err(e) if e.is_connect() && n > 1 => {
                    failures.push(format!("{}: {}", self.servers[i], root_cause(&e)));
                }
                Err(e) => {
                    return Err(ClientError::Unreachable {
                        url: self.servers[i].clone(),
                        reason: root_cause(&e),
                    });
                }
            }
        }
        Err(ClientError::Unreachable {
            url: self.servers.join(","),
            reason: failures.join("; "),
        })
    }

    async fn execute_once(&self, req: reqwest::Request) -> Result<reqwest::Response> {
        self.http
            .execute(req)
            .await
            .map_err(|e| self.unreachable(&e))
    }

    fn unreachable(&self, e: &reqwest::Error) -> ClientError {
        ClientError::Unreachable {
            url: self.server().to_string(),
            reason: root_cause(e),
        }
    }

    async fn json<T: serde::de::DeserializeOwned>(&self, resp: reqwest::Response) -> Result<T> {
        let url = resp.url().to_string();
        let bytes = resp.bytes().await.map_err(|e| self.unreachable(&e))?;
        serde_json::from_slice(&bytes).map_err(|e| ClientError::Protocol {
            url,
            message: e.to_string(),
        })
    }

    /// `GET /version`.
    pub async fn version(&self) -> Result<Value> {
        let resp = self
            .send(self.request(reqwest::Method::GET, "/version"), true)
            .await?;
        self.json(resp).await
    }

    pub async fn get<T: Object>(&self, ns: &str, name: &str) -> Result<T> {
        let resp = self
            .send(
                self.request(reqwest::Method::GET, &T::KIND.object_path(ns, name)),
                true,
            )
            .await?;
        self.json(resp).await
    }

    /// Any kind, as JSON.
    pub async fn get_value(&self, kind: Kind, ns: &str, name: &str) -> Result<Value> {
        let resp = self
            .send(
                self.request(reqwest::Method::GET, &kind.object_path(ns, name)),
                true,
            )
            .await?;
        self.json(resp).await
    }

    pub async fn get_any(&self, kind: Kind, ns: &str, name: &str) -> Result<AnyObject> {
        let v = self.get_value(kind, ns, name).await?;
        AnyObject::from_value(kind, v).map_err(|e| ClientError::Protocol {
            url: kind.object_path(ns, name),
            message: e.to_string(),
        })
    }

    /// Lists a kind in one namespace, or in all (`ns = None`).
    pub async fn list_any(
        &self,
        kind: Kind,
        ns: Option<&str>,
        opts: &ListParams,
    ) -> Result<List<AnyObject>> {
        let path = kind.collection_path(ns);
        let resp = self
            .send(self.request(reqwest::Method::GET, &path).query(opts), true)
            .await?;
        #[derive(Deserialize)]
        struct RawList {
            #[serde(default)]
            metadata: crate::api::ListMeta,
            items: Vec<Value>,
        }
        let raw: RawList = self.json(resp).await?;
        let mut items = Vec::with_capacity(raw.items.len());
        for v in raw.items {
            items.push(
                AnyObject::from_value(kind, v).map_err(|e| ClientError::Protocol {
                    url: path.clone(),
                    message: e.to_string(),
                })?,
            );
        }
        Ok(List {
            items,
            resource_version: raw.metadata.resource_version.parse().unwrap_or(0),
        })
    }

    pub async fn list<T: Object>(&self, ns: Option<&str>, opts: &ListParams) -> Result<List<T>> {
        let l = self.list_any(T::KIND, ns, opts).await?;
        Ok(List {
            items: l
                .items
                .iter()
                .filter_map(|o| T::from_any(o).map(|a| (**a).clone()))
                .collect(),
            resource_version: l.resource_version,
        })
    }

    pub async fn create<T: Object>(&self, obj: &T) -> Result<T> {
        let path = T::KIND.collection_path(Some(&obj.meta().namespace));
        let resp = self
            .send(self.request(reqwest::Method::POST, &path).json(obj), true)
            .await?;
        self.json(resp).await
    }

    /// Replaces the object (a stale `resourceVersion` is a 409).
    pub async fn replace<T: Object>(&self, obj: &T) -> Result<T> {
        let path = T::KIND.object_path(&obj.meta().namespace, &obj.meta().name);
        let resp = self
            .send(self.request(reqwest::Method::PUT, &path).json(obj), true)
            .await?;
        self.json(resp).await
    }

    /// Replaces an object of any kind given as JSON (a stale
    /// `metadata.resourceVersion` is a 409).
    pub async fn replace_value(
        &self,
        kind: Kind,
        ns: &str,
        name: &str,
        obj: &Value,
    ) -> Result<Value> {
        let path = kind.object_path(ns, name);
        let resp = self
            .send(self.request(reqwest::Method::PUT, &path).json(obj), true)
            .await?;
        self.json(resp).await
    }

    /// Replaces the object's status.
    pub async fn replace_status<T: Object>(&self, obj: &T) -> Result<T> {
        let path = format!(
            "{}/status",
            T::KIND.object_path(&obj.meta().namespace, &obj.meta().name)
        );
        let resp = self
            .send(self.request(reqwest::Method::PUT, &path).json(obj), true)
            .await?;
        self.json(resp).await
    }

    /// Applies a JSON merge patch (to `/status` when `status`).
    pub async fn patch_value(
        &self,
        kind: Kind,
        ns: &str,
        name: &str,
        patch: &Value,
        status: bool,
    ) -> Result<Value> {
        let mut path = kind.object_path(ns, name);
        if status {
            path.push_str("/status");
        }
        let resp = self
            .send(
                self.request(reqwest::Method::PATCH, &path)
                    .header("content-type", "application/merge-patch+json")
                    .body(patch.to_string()),
                true,
            )
            .await?;
        self.json(resp).await
    }

    /// Deletes (or starts deleting) an object; returns its last state.
    pub async fn delete(
        &self,
        kind: Kind,
        ns: &str,
        name: &str,
        opts: &DeleteOptions,
    ) -> Result<Value> {
        let rb = self
            .request(reqwest::Method::DELETE, &kind.object_path(ns, name))
            .json(opts);
        let resp = self.send(rb, true).await?;
        self.json(resp).await
    }

    /// Applies objects as one transaction: what happened to each, and the
    /// warnings the server gave.
    pub async fn apply(&self, items: Vec<Value>, dry_run: bool) -> Result<ApplyResponse> {
        let mut rb = self
            .request(reqwest::Method::POST, wire::APPLY_PATH)
            .json(&ApplyRequest { items });
        if dry_run {
            rb = rb.query(&WriteParams::dry_run());
        }
        let resp = self.send(rb, true).await?;
        self.json(resp).await
    }

    /// Sets the replicas of a Deployment or ReplicaSet through its `scale` subresource.
    pub async fn scale(&self, kind: Kind, ns: &str, name: &str, replicas: i32) -> Result<Value> {
        let path = format!("{}/scale", kind.object_path(ns, name));
        let resp = self
            .send(
                self.request(reqwest::Method::PATCH, &path)
                    .header("content-type", "application/merge-patch+json")
                    .body(serde_json::json!({"spec": {"replicas": replicas}}).to_string()),
                true,
            )
            .await?;
        self.json(resp).await
    }

    /// Records a node heartbeat.
    pub async fn heartbeat(&self, node: &str) -> Result<()> {
        let path = wire::heartbeat_path(node);
        self.send(self.request(reqwest::Method::POST, &path), true)
            .await?;
        Ok(())
    }

    /// Sends a node's usage sample.
    pub async fn report_usage(
        &self,
        node: &str,
        report: &crate::api::metrics::UsageReport,
    ) -> Result<()> {
        let path = wire::usage_report_path(node);
        self.send(
            self.request(reqwest::Method::POST, &path).json(report),
            true,
        )
        .await?;
        Ok(())
    }

    /// How long ago each node was last heard from.
    pub async fn heartbeats(&self) -> Result<wire::HeartbeatList> {
        self.get_json(wire::HEARTBEATS_PATH, &[]).await
    }

    /// A node's recent usage totals, oldest first.
    pub async fn usage_history(&self, node: &str) -> Result<wire::UsageHistory> {
        self.get_json(&wire::usage_history_path(node), &[]).await
    }

    /// Re-encrypts every Secret under a new key.
    pub async fn rotate_secret_key(&self) -> Result<wire::RotatedKey> {
        self.post_json(wire::ROTATE_KEY_PATH).await
    }

    /// Streams a backup of the whole store (admins only): its body as it
    /// comes, with the revision and object count the server announced.
    pub async fn backup(&self) -> Result<(wire::BackupInfo, BoxStream<'static, Result<Bytes>>)> {
        let resp = self
            .send(self.request(reqwest::Method::GET, wire::BACKUP_PATH), false)
            .await?;
        let num = |h: &str| {
            resp.headers()
                .get(h)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok())
        };
        let info = wire::BackupInfo {
            revision: num(wire::BACKUP_REVISION_HEADER).unwrap_or(0),
            objects: num(wire::BACKUP_OBJECTS_HEADER).unwrap_or(0),
            key_id: num(wire::BACKUP_KEY_HEADER).map(|k| k as u32),
        };
        let base = self.server().to_string();
        let body = resp
            .bytes_stream()
            .map(move |r| {
                r.map_err(|e| ClientError::Unreachable {
                    url: base.clone(),
                    reason: root_cause(&e),
                })
            })
            .boxed();
        Ok((info, body))
    }

    /// GETs a path and returns its body as it came, undecoded.
    pub async fn get_bytes(&self, path: &str) -> Result<Bytes> {
        let resp = self
            .send(self.request(reqwest::Method::GET, path), true)
            .await?;
        resp.bytes().await.map_err(|e| self.unreachable(&e))
    }

    /// GETs a path and decodes its JSON (metrics and other read-only endpoints).
    pub async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T> {
        let resp = self
            .send(self.request(reqwest::Method::GET, path).query(query), true)
            .await?;
        self.json(resp).await
    }

    /// POSTs to a path with no body and decodes the JSON answer (actions
    /// such as `rotate-key`).
    pub async fn post_json<T: serde::de::DeserializeOwned>(&self, path: &str) -> Result<T> {
        let resp = self
            .send(self.request(reqwest::Method::POST, path), true)
            .await?;
        self.json(resp).await
    }

    /// A pod's logs as a byte stream.
    pub async fn logs(
        &self,
        ns: &str,
        pod: &str,
        opts: &LogParams,
    ) -> Result<BoxStream<'static, Result<Bytes>>> {
        let path = format!("{}/log", Kind::Pod.object_path(ns, pod));
        let resp = self
            .send(
                self.request(reqwest::Method::GET, &path).query(opts),
                !opts.follow,
            )
            .await?;
        let base = self.server().to_string();
        Ok(resp
            .bytes_stream()
            .map(move |r| {
                r.map_err(|e| ClientError::Unreachable {
                    url: base.clone(),
                    reason: e.to_string(),
                })
            })
            .boxed())
    }

    /// Opens an exec stream to a container of a pod (see [`crate::api::exec`]
    /// for its framing). `container: None` picks the pod's only container.
    pub async fn exec(
        &self,
        ns: &str,
        pod: &str,
        container: Option<&str>,
        command: &[String],
        stdin: bool,
        tty: bool,
    ) -> Result<reqwest::Upgraded> {
        let q = ExecParams::new(container, command, stdin, tty);
        let path = format!("{}/exec", Kind::Pod.object_path(ns, pod));
        let proto = crate::api::exec::UPGRADE_PROTOCOL;
        let resp = self
            .request(reqwest::Method::POST, &path)
            .query(&q)
            .header(reqwest::header::CONNECTION, "Upgrade")
            .header(reqwest::header::UPGRADE, proto);
        let resp = self.execute(resp).await?;
        if resp.status() != reqwest::StatusCode::SWITCHING_PROTOCOLS {
            // Not upgraded: an error, which `send`'s handling explains.
            let code = resp.status().as_u16();
            let text = resp.text().await.unwrap_or_default();
            return Err(match serde_json::from_str::<Status>(&text) {
                Ok(s) if s.code != 0 => ClientError::Api(Box::new(s)),
                _ => ClientError::Api(Box::new(Status::failure(
                    code,
                    "",
                    format!("exec: HTTP {code}: {}", text.trim()),
                ))),
            });
        }
        resp.upgrade().await.map_err(|e| self.unreachable(&e))
    }

    /// Watches a kind. `resource_version: None` starts with an ADDED event per
    /// current object. The stream ends when the server ends it; an expired
    /// revision or a server error comes as an `Err` (list again and restart).
    pub async fn watch(
        &self,
        kind: Kind,
        ns: Option<&str>,
        opts: &ListParams,
        resource_version: Option<u64>,
    ) -> Result<BoxStream<'static, Result<WatchEvent>>> {
        let q = opts.watch_from(resource_version);
        let path = kind.collection_path(ns);
        let resp = self
            .send(self.request(reqwest::Method::GET, &path).query(&q), false)
            .await?;
        let url = format!("{}{path}", self.server());
        let bytes = resp.bytes_stream();
        let stream = futures::stream::unfold(
            (bytes, Vec::<u8>::new(), url, false),
            move |(mut bytes, mut buf, url, done)| async move {
                if done {
                    return None;
                }
                loop {
                    if let Some(i) = buf.iter().position(|b| *b == b'\n') {
                        let line: Vec<u8> = buf.drain(..=i).collect();
                        if line.iter().all(u8::is_ascii_whitespace) {
                            continue;
                        }
                        let ev = parse_event(kind, &line, &url);
                        let fail = ev.is_err();
                        return Some((ev, (bytes, buf, url, fail)));
                    }
                    match bytes.next().await {
                        Some(Ok(chunk)) => buf.extend_from_slice(&chunk),
                        Some(Err(e)) => {
                            let err = ClientError::Unreachable {
                                url: url.clone(),
                                reason: e.to_string(),
                            };
                            return Some((Err(err), (bytes, buf, url, true)));
                        }
                        None => return None,
                    }
                }
            },
        );
        Ok(stream.boxed())
    }
}

/// The innermost cause of a request's failure (reqwest's own message names
/// only the step).
fn root_cause(e: &reqwest::Error) -> String {
    let mut reason = e.to_string();
    let mut src: Option<&dyn std::error::Error> = std::error::Error::source(e);
    while let Some(s) = src {
        reason = s.to_string();
        src = s.source();
    }
    reason
}

/// `url` (made for server `from`) sent to server `to` instead.
fn rebase(url: &reqwest::Url, from: &str, to: &str) -> Option<reqwest::Url> {
    let rest = url.as_str().strip_prefix(from)?;
    reqwest::Url::parse(&format!("{to}{rest}")).ok()
}

fn parse_event(kind: Kind, line: &[u8], url: &str) -> Result<WatchEvent> {
    let protocol = |m: String| ClientError::Protocol {
        url: url.to_string(),
        message: m,
    };
    let raw: WatchLine = serde_json::from_slice(line).map_err(|e| protocol(e.to_string()))?;
    let rv = raw.resource_version();
    match raw.type_ {
        WatchEventType::Bookmark => Ok(WatchEvent {
            type_: WatchEventType::Bookmark,
            object: None,
            resource_version: rv,
        }),
        WatchEventType::Error => {
            let s: Status =
                serde_json::from_value(raw.object).map_err(|e| protocol(e.to_string()))?;
            Err(ClientError::Api(Box::new(s)))
        }
        type_ => {
            let obj =
                AnyObject::from_value(kind, raw.object).map_err(|e| protocol(e.to_string()))?;
            Ok(WatchEvent {
                type_,
                object: Some(obj),
                resource_version: rv,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_list_is_split_checked_and_of_one_scheme() {
        assert_eq!(
            server_list(" https://a:1/, https://b:2 ").unwrap(),
            vec!["https://a:1".to_string(), "https://b:2".to_string()]
        );
        assert!(server_list("https://a:1,http://b:2").is_err());
        assert!(server_list("a:1").is_err());
        assert!(server_list(" , ").is_err());
        assert!(server_list("https://").is_err());
    }

    fn dead_port() -> u16 {
        std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    }

    #[tokio::test]
    async fn a_request_the_first_server_refuses_goes_to_the_next_which_stays_current() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let live = format!("http://{}", listener.local_addr().unwrap());
        let app = axum::Router::new().route(
            "/version",
            axum::routing::get(|| async { axum::Json(serde_json::json!({"gitVersion": "v1"})) }),
        );
        tokio::spawn(async move { axum::serve(listener, app).await });
        let dead = format!("http://127.0.0.1:{}", dead_port());
        let c = Client::new(&format!("{dead},{live}"), "t").unwrap();
        assert_eq!(c.server(), dead);
        let v = c.version().await.unwrap();
        assert_eq!(v["gitVersion"], "v1");
        assert_eq!(c.server(), live, "the live one is current now");
        let clone = c.clone();
        assert_eq!(clone.server(), live, "for clones too");
        // Every server down: one error naming each.
        let d2 = format!("http://127.0.0.1:{}", dead_port());
        let c = Client::new(&format!("{dead},{d2}"), "t").unwrap();
        let e = c.version().await.unwrap_err().to_string();
        assert!(e.contains(&dead) && e.contains(&d2), "{e}");
    }
}
