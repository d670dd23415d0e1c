//! Starting and stopping the control daemon: data dir and tokens, the SQLite
//! store, the HTTP API, the controllers and the scheduling loop.
//!
//! Data dir layout (0700): `ork.db` (+ WAL files, 0600), `admin.token` and
//! `node.token` (0600), `control.url` (where the API listens).

use crate::api::{DEFAULT_NAMESPACE, Namespace, new_object};
use crate::control::auth::{AuthError, Tokens};
use crate::control::http::{App, router};
use crate::control::leases::Leases;
use crate::control::store::{BackendError, Sqlite, Store, StoreError};
use crate::control::{controllers, scheduling};
use crate::scheduler::Scheduler;
use crate::sys::{private_dir, write_private};
use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How `ork control` runs.
#[derive(Clone, Debug)]
pub struct Config {
    pub data_dir: PathBuf,
    pub listen: SocketAddr,
    /// Silence after which a node is NotReady.
    pub node_grace: Duration,
    /// How often HorizontalPodAutoscalers are evaluated.
    pub hpa_sync_period: Duration,
    /// Serve `/metrics` without a token.
    pub metrics_public: bool,
    /// Spread pods over nodes, or pack them onto few.
    pub scheduling_strategy: crate::scheduler::Strategy,
}

/// Why the control daemon could not start.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error(transparent)]
    Sys(#[from] crate::sys::SysError),
    #[error(transparent)]
    Lock(#[from] crate::sys::LockError),
    #[error(transparent)]
    Database(#[from] BackendError),
    #[error("secret keys: {0}")]
    Keys(#[from] crate::control::store::sealed::SealError),
    #[error("starting the store: {0}")]
    Store(#[from] StoreError),
    #[error(
        "cannot listen on {addr}: {source} (is another ork running? choose another address with --listen)"
    )]
    Listen {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
}

/// A running control daemon.
pub struct Running {
    pub addr: SocketAddr,
    pub url: String,
    pub tokens: Tokens,
    pub store: Store,
    shutdown: watch::Sender<bool>,
    server: JoinHandle<()>,
    _lock: crate::sys::DirLock,
}

impl Running {
    /// Stops serving and stops the controllers.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        // Open log streams may hold the server; give them a moment, then cut them.
        if tokio::time::timeout(Duration::from_secs(3), &mut self.server)
            .await
            .is_err()
        {
            self.server.abort();
        }
        // Leave one database file behind, not a WAL beside it.
        if let Err(e) = self.store.backend().checkpoint() {
            tracing::warn!(error = %e, "checkpointing the database on stop failed");
        }
    }

    /// Resolves when the HTTP server ends (it only ends on shutdown or a fatal error).
    pub async fn wait(&mut self) {
        let _ = (&mut self.server).await;
    }
}

fn make_private(path: &std::path::Path) {
    if path.exists() {
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
    }
}

/// Resolves once `stop` is true (or its sender is gone).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

/// Serves the API over HTTP/1.1 (with upgrades, for exec) until `stop`
/// turns true, then lets open requests finish for up to 3 s. One small
/// HTTP/1 connection per client instead of axum's HTTP/1-or-2 detection,
/// which keeps a thousand nodes' connections cheap.
async fn serve_http1(
    listener: tokio::net::TcpListener,
    router: axum::Router,
    mut stop: watch::Receiver<bool>,
) {
    use hyper_util::rt::TokioIo;
    // Each connection task holds a receiver; all dropped = all closed.
    let (closed_tx, closed_rx) = watch::channel(());
    let conn_stop = stop.clone();
    loop {
        tokio::select! {
            r = listener.accept() => {
                let stream = match r {
                    Ok((stream, _)) => stream,
                    Err(e) => {
                        tracing::warn!(error = %e, "accepting a connection failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let svc = hyper_util::service::TowerToHyperService::new(router.clone());
                let mut stop = conn_stop.clone();
                let closed = closed_rx.clone();
                tokio::spawn(async move {
                    let conn = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), svc)
                        .with_upgrades();
                    let mut conn = std::pin::pin!(conn);
                    let mut stopping = false;
                    loop {
                        tokio::select! {
                            r = conn.as_mut() => {
                                if let Err(e) = r {
                                    tracing::trace!(error = %e, "connection ended");
                                }
                                break;
                            }
                            _ = stopped(&mut stop), if !stopping => {
                                stopping = true;
                                conn.as_mut().graceful_shutdown();
                            }
                        }
                    }
                    drop(closed);
                });
            }
            _ = stopped(&mut stop) => break,
        }
    }
    drop(listener);
    drop(closed_rx);
    let _ = tokio::time::timeout(Duration::from_secs(3), closed_tx.closed()).await;
}

/// Starts everything and returns once the API listens.
pub async fn start(cfg: Config) -> Result<Running, ControlError> {
    private_dir(&cfg.data_dir)?;
    let lock = crate::sys::lock_dir(&cfg.data_dir, "control")?;
    let tokens = Tokens::load(&cfg.data_dir)?;
    let db = cfg.data_dir.join("ork.db");
    // Secrets are sealed before they reach the database; the key stays in
    // its own file (0600).
    let ring = crate::control::store::sealed::Keyring::load_or_create(&cfg.data_dir)?;
    let backend = Arc::new(crate::control::store::sealed::Sealed::new(
        Sqlite::open(&db)?,
        ring,
    ));
    for suffix in ["", "-wal", "-shm"] {
        make_private(&PathBuf::from(format!("{}{suffix}", db.display())));
    }
    let store = Store::open(backend)?;
    if store.get::<Namespace>("", DEFAULT_NAMESPACE).is_none() {
        match store
            .create(new_object::<Namespace>("", DEFAULT_NAMESPACE))
            .await
        {
            Ok(_) | Err(StoreError::AlreadyExists { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let listener = tokio::net::TcpListener::bind(cfg.listen)
        .await
        .map_err(|source| ControlError::Listen {
            addr: cfg.listen,
            source,
        })?;
    let addr = listener
        .local_addr()
        .map_err(|source| ControlError::Listen {
            addr: cfg.listen,
            source,
        })?;
    let url = format!("http://{addr}");
    let leases = Leases::default();
    let usage = crate::control::usage::UsageStore::default();
    let (shutdown, rx) = watch::channel(false);
    crate::tls::install_crypto();
    let app = Arc::new(App {
        store: store.clone(),
        tokens: tokens.clone(),
        leases: leases.clone(),
        nodes_http: reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .build()
            .unwrap_or_default(),
        usage: usage.clone(),
        metrics_public: cfg.metrics_public,
        shutdown: rx.clone(),
        scheduling_strategy: cfg.scheduling_strategy,
    });
    controllers::replicaset::start(store.clone(), rx.clone());
    controllers::deployment::start(store.clone(), rx.clone());
    controllers::gc::start(store.clone(), rx.clone());
    controllers::endpoints::start(store.clone(), rx.clone());
    controllers::taint_eviction::start(store.clone(), rx.clone());
    controllers::hpa::start(
        store.clone(),
        usage.clone(),
        cfg.hpa_sync_period,
        rx.clone(),
    );
    controllers::node_lifecycle::start(store.clone(), leases, cfg.node_grace, rx.clone());
    scheduling::start(
        store.clone(),
        Arc::new(Scheduler::with_strategy(cfg.scheduling_strategy)),
        rx.clone(),
    );
    let server = tokio::spawn(serve_http1(listener, router(app), rx));
    write_private(
        &cfg.data_dir.join("control.url"),
        format!("{url}\n").as_bytes(),
    )?;
    tracing::info!(%url, data_dir = %cfg.data_dir.display(), "control daemon ready");
    Ok(Running {
        addr,
        url,
        tokens,
        store,
        shutdown,
        server,
        _lock: lock,
    })
}
