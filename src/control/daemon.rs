//! Starting and stopping the control daemon: data dir and credentials, the
//! SQLite store, the HTTPS API, the controllers and the scheduling loop.
//!
//! Data dir layout (0700; files with secrets 0600): `ork.db` (+ WAL files),
//! `secret.key`, `ca.crt` / `ca.key` (the cluster CA), `server.crt` /
//! `server.key` (the API's certificate), `admin.token` and
//! `admin.kubeconfig`, `node.token` (the join token), `control.url` (where
//! the API listens), `audit.log`.

use crate::api::token as tokens;
use crate::api::{DEFAULT_NAMESPACE, Namespace, new_object};
use crate::client::kubeconfig::{Kubeconfig, User};
use crate::control::audit::AuditLog;
use crate::control::auth::{self, AuthError, Tokens};
use crate::control::authn::Authenticator;
use crate::control::http::{App, router};
use crate::control::leases::Leases;
use crate::control::node_link::NodeClients;
use crate::control::pki::{self, Ca};
use crate::control::store::sealed::{Keyring, Sealed};
use crate::control::store::{Backend, BackendError, Etcd, EtcdConfig, Sqlite, Store, StoreError};
use crate::control::{controllers, scheduling};
use crate::scheduler::Scheduler;
use crate::sys::{private_dir, write_private};
use crate::tls::LiveCert;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The audit log rotates past this size.
const AUDIT_MAX_BYTES: u64 = 100 << 20;
/// Old audit log files kept.
const AUDIT_KEEP: usize = 5;

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
    /// The API's certificate.
    pub tls: TlsConfig,
    /// What the audit log records.
    pub audit: crate::control::audit::Level,
    /// Where the cluster's objects live.
    pub store: StoreConfig,
    /// How many Events are kept, and for how long.
    pub events: crate::control::events::Limits,
}

/// The store of `ork control --store`.
#[derive(Clone, Debug)]
pub struct StoreConfig {
    /// `None`: the SQLite file in the data dir.
    pub etcd: Option<EtcdConfig>,
    /// Seals what the control daemons of a cluster on etcd share.
    pub cluster_secret: Option<String>,
    /// The leader's lease term (renewed every second).
    pub leader_term: Duration,
    /// Memory for the history of changes held for watches.
    pub budgets: crate::control::store::Budgets,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            etcd: None,
            cluster_secret: None,
            leader_term: Duration::from_secs(5),
            budgets: Default::default(),
        }
    }
}

/// The API's certificate: ork's own (from the cluster CA, covering these
/// extra names) or an operator's.
#[derive(Clone, Debug)]
pub struct TlsConfig {
    /// More names and addresses for the serving certificate (`--tls-san`).
    pub sans: Vec<String>,
    /// An operator's certificate chain and key (`--tls-cert`, `--tls-key`),
    /// served as they are. The chain should end with its CA: clients and
    /// join tokens trust that one.
    pub cert: Option<(PathBuf, PathBuf)>,
    /// Validity of the certificates the CA issues.
    pub validity: Duration,
}

impl Default for TlsConfig {
    fn default() -> Self {
        TlsConfig {
            sans: vec![],
            cert: None,
            validity: crate::control::pki::DEFAULT_VALIDITY,
        }
    }
}

/// Why the control daemon could not start.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error("certificates: {0}")]
    Pki(#[from] crate::control::pki::PkiError),
    #[error("TLS: {0}")]
    Tls(#[from] crate::tls::TlsError),
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
    #[error(transparent)]
    Shared(#[from] crate::control::shared::SharedError),
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
    /// The admin's kubeconfig (also in `DATA/admin.kubeconfig`).
    pub kubeconfig: Kubeconfig,
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

/// Creates a namespace unless it exists.
pub async fn ensure_namespace(store: &Store, name: &str) -> Result<(), StoreError> {
    if store.get::<Namespace>("", name).is_some() {
        return Ok(());
    }
    match store.create(new_object::<Namespace>("", name)).await {
        Ok(_) | Err(StoreError::AlreadyExists { .. }) => Ok(()),
        Err(e) => Err(e),
    }
}

/// The serving certificate's extra names with the API's Service's: its
/// cluster IP and `kubernetes[.default[.svc[.cluster.local]]]`, so pods
/// reaching the API through it verify the certificate.
fn api_service_names(sans: &[String]) -> Vec<String> {
    let mut out = sans.to_vec();
    out.push(
        crate::control::admission::cluster_ip::range()
            .api_ip()
            .to_string(),
    );
    out.extend(
        crate::api::service::API_SERVICE_NAMES
            .iter()
            .map(|n| n.to_string()),
    );
    out
}

/// The machine's own addresses.
fn machine_addresses() -> Vec<std::net::IpAddr> {
    let Ok(addrs) = nix::ifaddrs::getifaddrs() else {
        return vec![];
    };
    addrs
        .filter_map(|a| a.address)
        .filter_map(|sa| {
            sa.as_sockaddr_in()
                .map(|v4| std::net::IpAddr::V4(v4.ip()))
                .or_else(|| sa.as_sockaddr_in6().map(|v6| std::net::IpAddr::V6(v6.ip())))
        })
        .collect()
}

/// The API's certificate and the CA certificate clients should trust.
fn serving(
    cfg: &Config,
    ca: &Ca,
    names: &(Vec<String>, Vec<std::net::IpAddr>),
) -> Result<(LiveCert, String, bool), ControlError> {
    match &cfg.tls.cert {
        Some((cert, key)) => {
            let read = |p: &PathBuf| {
                std::fs::read(p).map_err(|source| crate::sys::SysError::Io {
                    what: "reading",
                    path: p.clone(),
                    source,
                })
            };
            let (chain_pem, key_pem) = (read(cert)?, read(key)?);
            let chain = crate::tls::certs_from_pem(&chain_pem, &cert.display().to_string())?;
            let trust = chain.last().map(crate::tls::cert_pem).unwrap_or_default();
            let live = LiveCert::new(
                chain,
                crate::tls::key_from_pem(&key_pem, &key.display().to_string())?,
            )?;
            Ok((live, trust, false))
        }
        None => Ok((
            pki::serving_cert(ca, &cfg.data_dir, &names.0, &names.1)?,
            ca.pem().to_string(),
            true,
        )),
    }
}

/// Renews ork's own certificates in the last third of their life: the
/// API's (unless an operator's is served) and the control daemon's client
/// certificate. Connections made afterwards present the new ones.
async fn renew(
    ca: Arc<Ca>,
    data_dir: PathBuf,
    names: (Vec<String>, Vec<std::net::IpAddr>),
    serving: Option<LiveCert>,
    client: LiveCert,
    mut stop: watch::Receiver<bool>,
) {
    let every = (ca.validity / 10).clamp(Duration::from_secs(1), Duration::from_secs(3600));
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
        let now = std::time::SystemTime::now();
        if let Some(s) = &serving
            && crate::tls::due_for_renewal(&s.leaf(), now).unwrap_or(true)
        {
            match pki::renew_serving(&ca, &data_dir, &names.0, &names.1, Some(s)) {
                Ok(_) => tracing::info!("API certificate renewed"),
                Err(e) => tracing::warn!(error = %e, "renewing the API certificate failed"),
            }
        }
        if crate::tls::due_for_renewal(&client.leaf(), now).unwrap_or(true) {
            let renewed = ca
                .issue(&control_profile())
                .map_err(|e| e.to_string())
                .and_then(|(chain, key)| {
                    let certs = crate::tls::certs_from_pem(chain.as_bytes(), "control")
                        .map_err(|e| e.to_string())?;
                    let key = crate::tls::key_from_pem(key.as_bytes(), "control")
                        .map_err(|e| e.to_string())?;
                    client.replace(certs, key).map_err(|e| e.to_string())
                });
            if let Err(e) = renewed {
                tracing::warn!(error = %e, "renewing the control daemon's client certificate failed");
            }
        }
    }
}

fn control_profile() -> pki::Profile {
    pki::Profile::control()
}

/// What the leader runs: the controllers and the scheduler.
struct Leading {
    store: Store,
    usage: crate::control::usage::UsageStore,
    leases: Leases,
    cfg: Config,
    /// Who leads, as the control plane's Lease object names it.
    holder: String,
    /// The port the API listens on (the API's Service's target).
    api_port: u16,
}

impl Leading {
    fn start(&self, rx: watch::Receiver<bool>) {
        let (store, cfg) = (&self.store, &self.cfg);
        tokio::spawn(crate::control::leader::hold_lease(
            store.clone(),
            self.holder.clone(),
            cfg.store.leader_term,
            rx.clone(),
        ));
        controllers::replicaset::start(store.clone(), rx.clone());
        controllers::resourcequota::start(store.clone(), rx.clone());
        controllers::deployment::start(store.clone(), rx.clone());
        controllers::gc::start(store.clone(), rx.clone());
        crate::control::events::start_keeper(store.clone(), cfg.events, rx.clone());
        controllers::endpoints::start(store.clone(), rx.clone());
        controllers::taint_eviction::start(store.clone(), rx.clone());
        controllers::daemonset::start(store.clone(), rx.clone());
        controllers::statefulset::start(store.clone(), rx.clone());
        controllers::hpa::start(
            store.clone(),
            self.usage.clone(),
            cfg.hpa_sync_period,
            rx.clone(),
        );
        controllers::node_lifecycle::start(
            store.clone(),
            self.leases.clone(),
            cfg.node_grace,
            rx.clone(),
        );
        controllers::job::start(store.clone(), rx.clone());
        controllers::cronjob::start(store.clone(), rx.clone());
        controllers::disruption::start(store.clone(), rx.clone());
        controllers::serviceaccount::start(store.clone(), rx.clone());
        controllers::ingress::start(store.clone(), rx.clone());
        controllers::storage::start(store.clone(), rx.clone());
        controllers::servicelb::start(store.clone(), rx.clone());
        controllers::apiservice::start(store.clone(), self.api_port, rx.clone());
        controllers::clusterroles::start(store.clone(), rx.clone());
        scheduling::start(
            store.clone(),
            Arc::new(Scheduler::with_strategy(cfg.scheduling_strategy)),
            rx,
        );
    }
}

/// A stop signal that fires when either does.
fn either(a: watch::Receiver<bool>, b: watch::Receiver<bool>) -> watch::Receiver<bool> {
    let (tx, rx) = watch::channel(false);
    tokio::spawn(async move {
        let (mut a, mut b) = (a, b);
        tokio::select! {
            _ = a.wait_for(|s| *s) => {}
            _ = b.wait_for(|s| *s) => {}
        }
        let _ = tx.send(true);
    });
    rx
}

/// Starts everything and returns once the API listens.
pub async fn start(cfg: Config) -> Result<Running, ControlError> {
    private_dir(&cfg.data_dir)?;
    let lock = crate::sys::lock_dir(&cfg.data_dir, "control")?;
    // Secrets are sealed before they reach the store; the key stays in its
    // own file (0600), shared through etcd sealed with the cluster secret.
    let (backend, etcd, first): (Arc<dyn Backend>, _, _) = match &cfg.store.etcd {
        None => {
            let db = cfg.data_dir.join("ork.db");
            let ring = Keyring::load_or_create(&cfg.data_dir)?;
            let backend = Arc::new(Sealed::new(Sqlite::open(&db)?, ring));
            for suffix in ["", "-wal", "-shm"] {
                crate::sys::make_private(&PathBuf::from(format!("{}{suffix}", db.display())));
            }
            (backend, None, false)
        }
        Some(ecfg) => {
            let secret = cfg
                .store
                .cluster_secret
                .clone()
                .ok_or(crate::control::shared::SharedError::NoSecret)?;
            let etcd = Arc::new(Etcd::connect(ecfg)?);
            let fetched = crate::control::shared::fetch(&etcd, &secret, &cfg.data_dir)?;
            let ring = Keyring::load_or_create(&cfg.data_dir)?;
            let backend = Arc::new(Sealed::new(etcd.clone(), ring));
            (backend, Some((etcd, secret)), !fetched)
        }
    };
    let admin = auth::admin_token(&cfg.data_dir)?;
    let store = Store::open_with(backend, cfg.store.budgets)?;
    ensure_namespace(&store, DEFAULT_NAMESPACE).await?;
    ensure_namespace(&store, tokens::NAMESPACE).await?;
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
    crate::tls::install_crypto();
    let ca = Arc::new(Ca::load_or_create(&cfg.data_dir, cfg.tls.validity)?);
    let names = pki::serving_names(addr.ip(), &api_service_names(&cfg.tls.sans));
    let (serving, trust_pem, ours) = serving(&cfg, &ca, &names)?;
    let trust = crate::tls::certs_from_pem(trust_pem.as_bytes(), "the API's CA")?;
    let join_hash = crate::tls::ca_hash(&trust[0])?;
    let tokens = Tokens {
        node: auth::join_token(&cfg.data_dir, &store, &join_hash).await?,
        admin,
    };
    let url = format!("https://{addr}");
    let kubeconfig = Kubeconfig::single(
        "ork",
        &url,
        Some(trust_pem.as_bytes()),
        User::token(&tokens.admin),
    );
    kubeconfig.write(&cfg.data_dir.join("admin.kubeconfig"))?;
    if first && let Some((etcd, secret)) = &etcd {
        crate::control::shared::publish(etcd, secret, &cfg.data_dir)?;
    }
    let client_cert = ca.live(&control_profile())?;
    let ca_roots = crate::tls::roots(std::slice::from_ref(ca.cert()))?;
    let tls = Arc::new(crate::tls::server_config(
        &serving,
        crate::tls::ClientAuth::Optional(ca_roots.clone()),
    )?);
    let audit = match cfg.audit {
        crate::control::audit::Level::Off => AuditLog::off(),
        crate::control::audit::Level::Metadata => {
            let path = cfg.data_dir.join("audit.log");
            AuditLog::start(&path, AUDIT_MAX_BYTES, AUDIT_KEEP).map_err(|source| {
                crate::sys::SysError::Io {
                    what: "opening the audit log",
                    path,
                    source,
                }
            })?
        }
    };
    let leases = Leases::default();
    let usage = crate::control::usage::UsageStore::default();
    let (shutdown, rx) = watch::channel(false);
    let app = Arc::new(App {
        store: store.clone(),
        authn: Authenticator::new(tokens.admin.clone(), store.clone())
            .with_service_account_key(crate::control::auth::service_account_key(&cfg.data_dir)?),
        ca: ca.clone(),
        leases: leases.clone(),
        nodes: NodeClients::new(ca_roots, client_cert.clone()),
        usage: usage.clone(),
        metrics_public: cfg.metrics_public,
        shutdown: rx.clone(),
        scheduling_strategy: cfg.scheduling_strategy,
        audit,
        fairness: Default::default(),
        data_dir: cfg.data_dir.clone(),
    });
    let leading = Leading {
        store: store.clone(),
        usage: usage.clone(),
        leases: leases.clone(),
        cfg: cfg.clone(),
        holder: crate::control::leader::identity(&url),
        api_port: addr.port(),
    };
    controllers::apiservice::announce(
        store.clone(),
        controllers::apiservice::advertised(addr, &machine_addresses()),
        crate::control::leader::identity(&url),
        rx.clone(),
    );
    match &etcd {
        None => leading.start(rx.clone()),
        Some((etcd, _)) => {
            crate::control::heartbeats::start(etcd.clone(), leases, rx.clone());
            let shutdown = rx.clone();
            tokio::spawn(crate::control::leader::run(
                etcd.clone(),
                crate::control::leader::identity(&url),
                cfg.store.leader_term,
                rx.clone(),
                move |stop| leading.start(either(shutdown.clone(), stop)),
            ));
        }
    }
    tokio::spawn(renew(
        ca,
        cfg.data_dir.clone(),
        names,
        ours.then_some(serving),
        client_cert,
        rx.clone(),
    ));
    let server = tokio::spawn(crate::serve::serve(
        listener,
        Some(tls),
        router(app),
        crate::serve::Limits::default(),
        rx,
    ));
    write_private(
        &cfg.data_dir.join("control.url"),
        format!("{url}\n").as_bytes(),
    )?;
    tracing::info!(%url, data_dir = %cfg.data_dir.display(), "control daemon ready");
    Ok(Running {
        addr,
        url,
        kubeconfig,
        tokens,
        store,
        shutdown,
        server,
        _lock: lock,
    })
}
