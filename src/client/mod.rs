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

/// A connection to one ork API server.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
    /// The client certificate presented, when there is one (renewable).
    identity: Option<LiveCert>,
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
        let base = c.server.trim_end_matches('/').to_string();
        let invalid = |m: String| ClientError::Invalid(m);
        crate::tls::install_crypto();
        let mut b = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .tcp_nodelay(true)
            // Shorter than the servers' idle timeout, so a pooled
            // connection is not reused just as the server closes it.
            .pool_idle_timeout(Duration::from_secs(5));
        if base.starts_with("https://") {
            let config = match (&c.ca_pem, c.insecure) {
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
            base,
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
        let base = server.trim_end_matches('/').to_string();
        if !base.starts_with("https://") {
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
                base,
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

    pub fn server(&self) -> &str {
        &self.base
    }

    /// The bearer token this client sends.
    pub fn token(&self) -> &str {
        &self.token
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let rb = self.http.request(method, format!("{}{path}", self.base));
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
        let resp = rb.send().await.map_err(|e| self.unreachable(&e))?;
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

    fn unreachable(&self, e: &reqwest::Error) -> ClientError {
        let mut reason = e.to_string();
        let mut src: Option<&dyn std::error::Error> = std::error::Error::source(e);
        while let Some(s) = src {
            reason = s.to_string();
            src = s.source();
        }
        ClientError::Unreachable {
            url: self.base.clone(),
            reason,
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

    /// Applies objects as one transaction.
    pub async fn apply(&self, items: Vec<Value>, dry_run: bool) -> Result<Vec<Applied>> {
        let mut rb = self
            .request(reqwest::Method::POST, wire::APPLY_PATH)
            .json(&ApplyRequest { items });
        if dry_run {
            rb = rb.query(&WriteParams::dry_run());
        }
        let resp = self.send(rb, true).await?;
        let out: ApplyResponse = self.json(resp).await?;
        Ok(out.items)
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
        let base = self.base.clone();
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
            .header(reqwest::header::UPGRADE, proto)
            .send()
            .await
            .map_err(|e| self.unreachable(&e))?;
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
        let url = format!("{}{path}", self.base);
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
