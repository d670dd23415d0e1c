//! The etcd backend: every object under a key prefix of an etcd cluster, so
//! several control daemons share one store. It owns the key layout, the
//! transaction that commits a group, the initial load and the follower that
//! feeds every daemon's cache from etcd's watch; it knows nothing of kinds'
//! semantics, caches or watches (the store turns what it follows into events).
//!
//! # Layout (under the prefix, `/ork` by default)
//!
//! - `objects/<Kind>/<namespace>/<name>`: the object's JSON (Secrets sealed
//!   by the [`super::sealed::Sealed`] wrapper before they get here).
//! - `revision`: the cluster's revision, the last one any commit reached.
//! - `deleted`: in the transaction of a group that deletes, the revision of
//!   each delete (`{"Kind/ns/name": rev}`), so followers number them alike.
//! - `turn`: while present (on a short lease), only the daemon that put it
//!   commits; see [`Backend::take_turn`].
//!
//! # Commits
//!
//! A group is one etcd transaction: if `revision` still holds the revision
//! the group was computed against (and, while this daemon leads, its leader
//! key still has the create revision it won with), then put `revision`, put
//! or delete every object. The compare covers every object's mod revision at
//! once: nothing under the prefix changes without `revision` changing in the
//! same transaction. The compare also requires the `turn` key absent, or
//! holding this daemon's value (then the commit deletes it). A failed compare reads back the revision key, the
//! last commit's id and the leader key, and says which compare failed:
//! [`BackendError::Fenced`] when this daemon lost the lead (whatever else
//! changed), else [`BackendError::Raced`] with the revision another control
//! daemon reached first. A race on the revision says nothing about any one
//! object: the store computes the group again against that revision and
//! commits again, so callers see a conflict only when an object they depend
//! on changed (see the store's module documentation). An etcd that does not
//! answer in time is [`BackendError::Unavailable`].
//!
//! This module must not import the HTTP layer, controllers or the scheduler.

mod follower;
pub mod members;

use super::backend::{Backend, BackendError, Change, ChangeType, Loaded, Sink};
use etcd_client::{
    Certificate, Client, Compare, CompareOp, ConnectOptions, GetOptions, Identity, PutOptions,
    TlsOptions, Txn, TxnOp, TxnOpResponse,
};
use follower::Follower;
use std::collections::BTreeMap;
use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Longest an etcd request may take before the store calls etcd unavailable.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(3);
/// Longest one attempt of a commit waits before the commit tries again.
const ATTEMPT: Duration = Duration::from_millis(1500);
/// How long a commit keeps trying (a raft election after a member died
/// takes a second or two) before it answers that etcd is unavailable.
const COMMIT_BUDGET: Duration = Duration::from_secs(6);
/// Operations per transaction when importing (etcd's default
/// `--max-txn-ops` is 128).
const IMPORT_OPS: usize = 100;
/// Bytes per transaction when importing (etcd's default
/// `--max-request-bytes` is 1.5 MiB).
const IMPORT_BYTES: usize = 1 << 20;
/// How long a daemon that takes the turn to commit (after its commits were
/// overtaken again and again) may hold the other daemons' commits.
const TURN_TTL: Duration = Duration::from_secs(3);
/// Objects read per page at startup.
const PAGE: i64 = 500;
/// How many of the latest commits keep a marker (`commits/REVISION` = the
/// commit's id), so a commit whose attempt went unanswered can tell whether
/// it landed even after other commits followed it.
const MARKERS: u64 = 4096;
/// Largest message read from etcd (a group's watch response can be large).
pub(super) const MAX_MESSAGE: usize = 256 << 20;

/// Where the store lives and how to reach it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EtcdConfig {
    /// `host:port` of each member.
    pub endpoints: Vec<String>,
    /// Key prefix, without a trailing slash (several clusters may share an etcd).
    pub prefix: String,
    /// CA bundle that signed the members' certificates: connect over TLS.
    pub ca: Option<PathBuf>,
    /// Client certificate and key for etcd's client-cert auth.
    pub cert: Option<(PathBuf, PathBuf)>,
}

/// The store a control daemon uses, from `--store`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoreUrl {
    /// The embedded SQLite file in the data dir.
    Sqlite,
    /// An etcd cluster: the members' `host:port`.
    Etcd(Vec<String>),
}

/// Parses `--store`: `sqlite` or `etcd://HOST:PORT[,HOST:PORT…]`.
pub fn parse_store_url(s: &str) -> Result<StoreUrl, String> {
    if s == "sqlite" {
        return Ok(StoreUrl::Sqlite);
    }
    let Some(rest) = s.strip_prefix("etcd://") else {
        return Err(format!(
            "{s:?} is not a store: use sqlite or etcd://HOST:PORT[,HOST:PORT…]"
        ));
    };
    let mut endpoints = vec![];
    for part in rest.split(',') {
        let part = part.trim().trim_end_matches('/');
        let ok = part
            .rsplit_once(':')
            .is_some_and(|(h, p)| !h.is_empty() && p.parse::<u16>().is_ok_and(|p| p > 0));
        if !ok {
            return Err(format!(
                "{part:?} in {s:?} is not HOST:PORT (an etcd member's client address, e.g. 127.0.0.1:2379)"
            ));
        }
        endpoints.push(part.to_string());
    }
    Ok(StoreUrl::Etcd(endpoints))
}

/// Checks a `--store-prefix`: starts with `/`, no trailing `/`, no `//`.
pub fn parse_prefix(s: &str) -> Result<String, String> {
    if !s.starts_with('/') || s.len() < 2 || s.ends_with('/') || s.contains("//") {
        return Err(format!(
            "{s:?} is not a key prefix: give one like /ork or /clusters/prod (a leading /, no trailing /)"
        ));
    }
    Ok(s.to_string())
}

/// Whether an etcd error means "no answer" (a member down, no quorum)
/// rather than a refused request.
fn unavailable(e: &etcd_client::Error) -> bool {
    use etcd_client::Error as E;
    match e {
        E::GRpcStatus(s) => {
            let code = format!("{:?}", s.code());
            matches!(
                code.as_str(),
                "Unavailable" | "DeadlineExceeded" | "Cancelled"
            ) || s.message().contains("timed out")
                || s.message().contains("leader")
        }
        E::TransportError(_) | E::IoError(_) => true,
        _ => false,
    }
}

fn etcd_error(what: &str, e: etcd_client::Error) -> BackendError {
    if unavailable(&e) {
        BackendError::Unavailable(format!(
            "etcd did not answer {what} ({e}); writes resume when a quorum of its members answers"
        ))
    } else {
        let hint = if e.to_string().contains("too many operations") {
            " (start etcd with a larger --max-txn-ops)"
        } else if e.to_string().contains("too large") {
            " (start etcd with a larger --max-request-bytes)"
        } else {
            ""
        };
        BackendError::Etcd(format!("{what}: {e}{hint}"))
    }
}

/// What a failed attempt at a request says about whether it took effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Failure {
    /// Refused for what it is (too large, malformed): sending it again
    /// changes nothing.
    Refused,
    /// It did not take effect (no member was reached, or the one reached
    /// has no raft leader): safe to send again.
    NotApplied,
    /// No answer in time, or the connection broke after it was sent: it
    /// may or may not have taken effect.
    Unknown,
}

/// Sorts an etcd error into a [`Failure`].
fn failure(e: &etcd_client::Error) -> Failure {
    let m = e.to_string();
    let not_applied = [
        "tcp connect error",
        "error trying to connect",
        "Connection refused",
        "no leader",
        "not capable",
        "too many requests",
        "proposal dropped",
    ];
    if not_applied.iter().any(|p| m.contains(p)) {
        Failure::NotApplied
    } else if unavailable(e) {
        Failure::Unknown
    } else {
        Failure::Refused
    }
}

/// Why a request with retries gave up.
#[derive(Debug)]
struct GaveUp {
    /// The last error, as etcd or the client said it.
    last: String,
    /// Whether the last error was a refusal of the request itself.
    refused: Option<etcd_client::Error>,
    /// Whether any attempt may have taken effect.
    unknown: bool,
}

impl GaveUp {
    fn error(self, what: &str) -> BackendError {
        if let Some(e) = self.refused {
            return etcd_error(what, e);
        }
        BackendError::Unavailable(unavailable_message(what, &self.last, self.unknown))
    }
}

/// The 503's message: what happened, whether the write took effect, what
/// to do.
fn unavailable_message(what: &str, last: &str, unknown: bool) -> String {
    if unknown {
        format!(
            "etcd did not answer {what} in time ({last}): the write may or may not have been applied. \
             Read the object again before retrying (a create that was applied answers 409 AlreadyExists on retry); \
             writes resume when a quorum of etcd's members answers"
        )
    } else {
        format!(
            "etcd has no quorum to answer {what} ({last}): the write was not applied; \
             retry it once a quorum of etcd's members answers"
        )
    }
}

/// Sends a request until it is answered, trying again after failures that
/// leave it safe to (see [`Failure`]), for at most `budget`, each attempt
/// for at most `attempt`. Returns the answer and whether an earlier attempt
/// may have taken effect.
async fn retry<T, F, Fut>(
    budget: Duration,
    attempt: Duration,
    mut send: F,
) -> Result<(T, bool), GaveUp>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, etcd_client::Error>>,
{
    let until = Instant::now() + budget;
    let mut unknown = false;
    let mut pause = Duration::from_millis(25);
    loop {
        let left = until.saturating_duration_since(Instant::now());
        let last = match tokio::time::timeout(attempt.min(left), send()).await {
            Ok(Ok(answer)) => return Ok((answer, unknown)),
            Ok(Err(e)) => match failure(&e) {
                Failure::Refused => {
                    return Err(GaveUp {
                        last: e.to_string(),
                        refused: Some(e),
                        unknown,
                    });
                }
                Failure::NotApplied => e.to_string(),
                Failure::Unknown => {
                    unknown = true;
                    e.to_string()
                }
            },
            Err(_) => {
                unknown = true;
                format!("no answer within {:.1} s", attempt.min(left).as_secs_f64())
            }
        };
        if Instant::now() + pause >= until {
            return Err(GaveUp {
                last,
                refused: None,
                unknown,
            });
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_millis(400));
    }
}

/// What a failed commit read back in its `else` branch.
#[derive(Debug, Default)]
struct Found {
    /// The value of the revision key.
    current: u64,
    /// The id of the commit that last wrote.
    last_id: Option<String>,
    /// The create revision of the leader key (0 when it is gone), when the
    /// commit was fenced.
    leader: Option<i64>,
    /// Who holds the turn key, if anyone.
    turn: Option<String>,
    /// The id in the marker of the revision the commit was for.
    marker: Option<String>,
}

/// Whether an earlier attempt of a commit that found the store elsewhere
/// is what moved it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Landed {
    Yes,
    No,
    /// Its marker is gone: too many commits followed to tell.
    Unknown,
}

impl Found {
    /// Whether the commit with `id` for `revision` landed, given whether
    /// any of its attempts went unanswered. The store's revision only
    /// moves forward and every attempt required it at the commit's base,
    /// so an attempt that has not landed by now never will; one that
    /// landed left its marker, which goes only after [`MARKERS`] more
    /// revisions.
    fn landed(&self, id: &str, revision: u64, unanswered: bool) -> Landed {
        let mine = Some(id);
        if self.last_id.as_deref() == mine || self.marker.as_deref() == mine {
            Landed::Yes
        } else if unanswered
            && self.marker.is_none()
            && self.current >= revision.saturating_add(MARKERS)
        {
            Landed::Unknown
        } else {
            Landed::No
        }
    }
}

/// Reads back the `else` branch of a commit: gets of the revision key, the
/// commit key, the leader key when `fenced`, the turn key, then the marker
/// of the commit's revision.
fn found(resp: &etcd_client::TxnResponse, fenced: bool) -> Found {
    let mut gets = resp.op_responses().into_iter().map(|r| match r {
        TxnOpResponse::Get(g) => g.kvs().first().cloned(),
        _ => None,
    });
    let value = |kv: Option<etcd_client::KeyValue>| {
        kv.and_then(|k| std::str::from_utf8(k.value()).ok().map(String::from))
    };
    let current = value(gets.next().flatten())
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0);
    let last_id = value(gets.next().flatten());
    let leader = fenced.then(|| gets.next().flatten().map_or(0, |k| k.create_revision()));
    let turn = value(gets.next().flatten());
    let marker = value(gets.next().flatten());
    Found {
        current,
        last_id,
        leader,
        turn,
        marker,
    }
}

/// Why a commit computed at `base` for `revision` found the store elsewhere
/// (at `current`): this daemon lost the lead (`deposed`), another daemon
/// wrote first, or, when an unanswered attempt may have landed, nobody can
/// tell.
fn refusal(base: u64, revision: u64, current: u64, deposed: bool, unknown: bool) -> BackendError {
    if unknown && current >= revision {
        return BackendError::Unavailable(unavailable_message(
            "committing",
            &format!(
                "an attempt went unanswered and the store has since moved to revision {current}"
            ),
            true,
        ));
    }
    if deposed {
        return BackendError::Fenced("this control daemon is no longer the leader".into());
    }
    BackendError::Raced {
        current,
        message: format!(
            "another control daemon wrote first (the store is at revision {current}, this write was made at {base}); retry"
        ),
    }
}

/// The leader key a commit must find unchanged (fencing).
#[derive(Clone, Debug)]
struct Fence {
    key: Vec<u8>,
    create_revision: i64,
}

/// The etcd backend; see the module documentation.
pub struct Etcd {
    rt: Option<tokio::runtime::Runtime>,
    client: Client,
    prefix: String,
    /// The etcd revision the last load read at: following starts after it.
    loaded_at: Mutex<i64>,
    fence: Mutex<Option<Fence>>,
    /// The value this daemon put in the turn key, while it holds it.
    turn: Mutex<Option<String>>,
    /// `(cluster revision, etcd revision)` of recent commits, for compaction.
    seen: Arc<Mutex<std::collections::VecDeque<(u64, i64)>>>,
}

impl Drop for Etcd {
    fn drop(&mut self) {
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

fn read_file(p: &PathBuf) -> Result<Vec<u8>, BackendError> {
    std::fs::read(p).map_err(|e| BackendError::Etcd(format!("reading {}: {e}", p.display())))
}

impl Etcd {
    /// Connects to the members (checking that one answers).
    pub fn connect(cfg: &EtcdConfig) -> Result<Etcd, BackendError> {
        let scheme = if cfg.ca.is_some() { "https" } else { "http" };
        let endpoints: Vec<String> = cfg
            .endpoints
            .iter()
            .map(|e| format!("{scheme}://{e}"))
            .collect();
        let mut opts = ConnectOptions::new()
            .with_connect_timeout(Duration::from_secs(2))
            .with_timeout(REQUEST_TIMEOUT)
            .with_keep_alive(Duration::from_secs(1), Duration::from_secs(2))
            .with_keep_alive_while_idle(true);
        if let Some(ca) = &cfg.ca {
            crate::tls::install_crypto();
            let mut tls = TlsOptions::new().ca_certificate(Certificate::from_pem(read_file(ca)?));
            if let Some((cert, key)) = &cfg.cert {
                tls = tls.identity(Identity::from_pem(read_file(cert)?, read_file(key)?));
            }
            opts = opts.with_tls(tls);
        }
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("ork-etcd")
            .enable_all()
            .build()
            .map_err(|e| BackendError::Etcd(format!("starting the etcd client: {e}")))?;
        let shown = cfg.endpoints.join(",");
        // The store's requests need a member with a raft leader: one
        // without refuses them at once instead of holding them.
        let balanced = opts.clone().with_require_leader(true);
        let eps = endpoints.clone();
        let connected = block(&rt, async move {
            let c = Client::connect(eps, Some(balanced))
                .await
                .map_err(|e| e.to_string())?;
            retry(REQUEST_TIMEOUT, REQUEST_TIMEOUT, || {
                let mut c = c.clone();
                async move { c.status().await }
            })
            .await
            .map_err(|g| g.last)?;
            Ok::<_, String>(c)
        });
        let client = match connected {
            Ok(Ok(c)) => c,
            failed => {
                // Dropping a runtime inside another one panics; this works anywhere.
                rt.shutdown_background();
                let m = match failed {
                    Ok(Err(m)) => m,
                    Err(e) => e.to_string(),
                    Ok(Ok(_)) => String::new(),
                };
                return Err(BackendError::Unavailable(format!(
                    "connecting to etcd at {shown}: {m}"
                )));
            }
        };
        if endpoints.len() > 1 {
            // A client of each member alone, to probe it.
            let (balanced, probe) = (client.clone(), opts);
            rt.spawn(async move {
                let mut members = vec![];
                for url in endpoints {
                    match Client::connect([url.as_str()], Some(probe.clone())).await {
                        Ok(c) => members.push((url, c)),
                        Err(e) => {
                            tracing::warn!(member = %url, error = %e, "cannot probe this etcd member");
                            return;
                        }
                    }
                }
                members::run(balanced, members).await;
            });
        }
        Ok(Etcd {
            rt: Some(rt),
            client,
            prefix: cfg.prefix.clone(),
            loaded_at: Mutex::new(0),
            fence: Mutex::new(None),
            turn: Mutex::new(None),
            seen: Default::default(),
        })
    }

    fn rt(&self) -> Result<&tokio::runtime::Runtime, BackendError> {
        self.rt
            .as_ref()
            .ok_or_else(|| BackendError::Unavailable("the etcd client stopped".into()))
    }

    fn call<T: Send + 'static>(
        &self,
        fut: impl Future<Output = T> + Send + 'static,
    ) -> Result<T, BackendError> {
        block(self.rt()?, fut)
    }

    /// Sends a request (read, or a write safe to repeat) with retries; see
    /// [`retry`].
    fn request<T, F, Fut>(&self, what: &str, send: F) -> Result<T, BackendError>
    where
        T: Send + 'static,
        F: FnMut() -> Fut + Send + 'static,
        Fut: Future<Output = Result<T, etcd_client::Error>> + Send,
    {
        self.call(async move { retry(COMMIT_BUDGET, REQUEST_TIMEOUT, send).await })?
            .map(|(answer, _)| answer)
            .map_err(|g| g.error(what))
    }

    /// A client for the caller's own requests (leader election).
    pub fn client(&self) -> Client {
        self.client.clone()
    }

    /// The runtime the client runs on.
    pub fn handle(&self) -> Option<tokio::runtime::Handle> {
        self.rt.as_ref().map(|r| r.handle().clone())
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// From now on every commit needs `key` to still have `create_revision`
    /// (this daemon's leader key), or none when `None`.
    pub fn set_fence(&self, fence: Option<(Vec<u8>, i64)>) {
        *self.fence.lock().unwrap_or_else(|e| e.into_inner()) =
            fence.map(|(key, create_revision)| Fence {
                key,
                create_revision,
            });
    }

    /// The value of `<prefix>/<name>` (a key outside the objects).
    pub fn get_extra(&self, name: &str) -> Result<Option<Vec<u8>>, BackendError> {
        let key = format!("{}/{name}", self.prefix);
        let kv = self.client.kv_client();
        let resp = self.request("reading", move || {
            let (mut kv, key) = (kv.clone(), key.clone());
            async move { kv.get(key, None).await }
        })?;
        Ok(resp.kvs().first().map(|k| k.value().to_vec()))
    }

    /// Creates `<prefix>/<name>` unless it exists; whether this call created it.
    pub fn create_extra(&self, name: &str, value: Vec<u8>) -> Result<bool, BackendError> {
        let key = format!("{}/{name}", self.prefix);
        let txn = Txn::new()
            .when(vec![Compare::version(key.clone(), CompareOp::Equal, 0)])
            .and_then(vec![TxnOp::put(key, value, None)]);
        let kv = self.client.kv_client();
        let resp = self.request("writing", move || {
            let (mut kv, txn) = (kv.clone(), txn.clone());
            async move { kv.txn(txn).await }
        })?;
        Ok(resp.succeeded())
    }

    /// How many keys of any kind (objects, the revision, the shared
    /// credentials, the leader key) lie under the prefix.
    pub fn keys_under_prefix(&self) -> Result<i64, BackendError> {
        let (kv, key) = (self.client.kv_client(), format!("{}/", self.prefix));
        let resp = self.request("reading", move || {
            let (mut kv, key) = (kv.clone(), key.clone());
            async move {
                kv.get(key, Some(GetOptions::new().with_prefix().with_count_only()))
                    .await
            }
        })?;
        Ok(resp.count())
    }

    /// Writes objects (`rev`, kind, namespace, name and stored bytes of
    /// each change) into an empty prefix and sets the cluster's revision
    /// to `revision` last, for restore and migrate. Each transaction
    /// checks that no control daemon has committed meanwhile (the revision
    /// key is still absent); the revision is written only with the last
    /// objects, so a daemon started too early finds an empty store and one
    /// of them fails. On failure everything written is deleted again,
    /// unless a daemon already committed.
    pub fn import(&self, objects: &[Change], revision: u64) -> Result<(), BackendError> {
        let rkey = self.revision_key();
        let unclaimed = || Compare::version(rkey.clone(), CompareOp::Equal, 0);
        let mut txns = vec![];
        let (mut ops, mut bytes) = (vec![], 0usize);
        for c in objects {
            let size = c.data.len() + c.kind.len() + c.namespace.len() + c.name.len() + 64;
            if !ops.is_empty() && (ops.len() >= IMPORT_OPS || bytes + size > IMPORT_BYTES) {
                txns.push(std::mem::take(&mut ops));
                bytes = 0;
            }
            ops.push(TxnOp::put(
                self.object_key(&c.kind, &c.namespace, &c.name),
                c.data.to_vec(),
                None,
            ));
            bytes += size;
        }
        ops.push(TxnOp::put(rkey.clone(), revision.to_string(), None));
        txns.push(ops);
        let last = txns.len() - 1;
        let mut written = Ok(());
        for (i, ops) in txns.into_iter().enumerate() {
            let txn = Txn::new()
                .when(vec![unclaimed()])
                .and_then(ops)
                .or_else(vec![TxnOp::get(rkey.clone(), None)]);
            let kv = self.client.kv_client();
            let answer = self.request("writing the objects", move || {
                let (mut kv, txn) = (kv.clone(), txn.clone());
                async move { kv.txn(txn).await }
            });
            written = match answer {
                Ok(r) if r.succeeded() => Ok(()),
                // The last transaction, sent again after an unanswered
                // attempt, finds its own revision.
                Ok(r) if i == last && found(&r, false).current == revision => Ok(()),
                Ok(r) => Err(BackendError::Raced {
                    current: found(&r, false).current,
                    message: "a control daemon started on this prefix while it was being written; stop it, empty the prefix and try again".into(),
                }),
                Err(e) => Err(e),
            };
            if written.is_err() {
                break;
            }
        }
        if written.is_err() {
            let txn = Txn::new()
                .when(vec![unclaimed()])
                .and_then(vec![TxnOp::delete(
                    format!("{}/", self.prefix),
                    Some(etcd_client::DeleteOptions::new().with_prefix()),
                )]);
            let kv = self.client.kv_client();
            if let Err(e) = self.request("removing what was written", move || {
                let (mut kv, txn) = (kv.clone(), txn.clone());
                async move { kv.txn(txn).await }
            }) {
                tracing::warn!(error = %e, prefix = %self.prefix, "could not remove the objects a failed import wrote");
            }
        }
        written
    }

    fn objects_prefix(&self) -> String {
        format!("{}/objects/", self.prefix)
    }

    fn revision_key(&self) -> String {
        format!("{}/revision", self.prefix)
    }

    fn commit_key(&self) -> String {
        format!("{}/commit", self.prefix)
    }

    /// The marker of the commit that moved the store to `revision`
    /// (zero-padded, so markers sort by revision).
    fn marker_key(&self, revision: u64) -> String {
        format!("{}/commits/{revision:020}", self.prefix)
    }

    fn turn_key(&self) -> String {
        format!("{}/turn", self.prefix)
    }

    fn deleted_key(&self) -> String {
        format!("{}/deleted", self.prefix)
    }

    fn object_key(&self, kind: &str, ns: &str, name: &str) -> String {
        format!("{}/objects/{kind}/{ns}/{name}", self.prefix)
    }

    /// Reads every object at one etcd revision.
    pub(super) async fn load_all(
        client: Client,
        objects: String,
        revision_key: String,
    ) -> Result<(Loaded, i64), etcd_client::Error> {
        let mut kv = client.kv_client().max_decoding_message_size(MAX_MESSAGE);
        let head = kv.get(revision_key, None).await?;
        let at = head.header().map_or(0, |h| h.revision());
        let revision = head
            .kvs()
            .first()
            .and_then(|k| std::str::from_utf8(k.value()).ok()?.parse::<u64>().ok())
            .unwrap_or(0);
        let end = prefix_end(objects.as_bytes());
        let mut from = objects.clone().into_bytes();
        let mut loaded = Loaded {
            revision,
            compacted: revision,
            ..Default::default()
        };
        loop {
            let resp = kv
                .get(
                    from.clone(),
                    Some(
                        GetOptions::new()
                            .with_range(end.clone())
                            .with_limit(PAGE)
                            .with_revision(at),
                    ),
                )
                .await?;
            for k in resp.kvs() {
                if let Some((kind, ns, name)) = split_key(&objects, k.key()) {
                    loaded.objects.push((kind, k.value().to_vec()));
                    loaded.ids.push((ns, name));
                }
            }
            match resp.kvs().last() {
                Some(last) if resp.more() => {
                    from = last.key().to_vec();
                    from.push(0);
                }
                _ => break,
            }
        }
        Ok((loaded, at))
    }
}

fn block<T: Send + 'static>(
    rt: &tokio::runtime::Runtime,
    fut: impl Future<Output = T> + Send + 'static,
) -> Result<T, BackendError> {
    let (tx, rx) = std::sync::mpsc::channel();
    rt.spawn(async move {
        let _ = tx.send(fut.await);
    });
    rx.recv()
        .map_err(|_| BackendError::Unavailable("the etcd client stopped".into()))
}

/// The first key after every key starting with `p`.
fn prefix_end(p: &[u8]) -> Vec<u8> {
    let mut end = p.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xff {
            end.push(last + 1);
            return end;
        }
    }
    vec![0]
}

/// `(kind, namespace, name)` of an object key.
pub(super) fn split_key(objects: &str, key: &[u8]) -> Option<(String, String, String)> {
    let rest = std::str::from_utf8(key).ok()?.strip_prefix(objects)?;
    let mut it = rest.splitn(3, '/');
    let (kind, ns, name) = (it.next()?, it.next()?, it.next()?);
    Some((kind.to_string(), ns.to_string(), name.to_string()))
}

/// The `resourceVersion` inside an object's JSON.
pub(super) fn json_revision(data: &[u8]) -> Option<u64> {
    #[derive(serde::Deserialize)]
    struct Meta {
        #[serde(rename = "resourceVersion", default)]
        resource_version: String,
    }
    #[derive(serde::Deserialize)]
    struct Obj {
        metadata: Meta,
    }
    serde_json::from_slice::<Obj>(data)
        .ok()?
        .metadata
        .resource_version
        .parse()
        .ok()
}

impl Backend for Etcd {
    fn load(&self) -> Result<Loaded, BackendError> {
        let (client, objects, rkey) = (
            self.client.clone(),
            self.objects_prefix(),
            self.revision_key(),
        );
        let (loaded, at) = self.request("reading the store", move || {
            Self::load_all(client.clone(), objects.clone(), rkey.clone())
        })?;
        *self.loaded_at.lock().unwrap_or_else(|e| e.into_inner()) = at;
        Ok(loaded)
    }

    fn commit(&self, changes: &[Change], revision: u64) -> Result<(), BackendError> {
        let base = changes
            .first()
            .map_or(revision, |c| c.rev.saturating_sub(1));
        let rkey = self.revision_key();
        let ckey = self.commit_key();
        let mut when = vec![if base == 0 {
            Compare::version(rkey.clone(), CompareOp::Equal, 0)
        } else {
            Compare::value(rkey.clone(), CompareOp::Equal, base.to_string())
        }];
        let fence = self.fence.lock().unwrap_or_else(|e| e.into_inner()).clone();
        if let Some(f) = &fence {
            when.push(Compare::create_revision(
                f.key.clone(),
                CompareOp::Equal,
                f.create_revision,
            ));
        }
        let tkey = self.turn_key();
        let turn = self.turn.lock().unwrap_or_else(|e| e.into_inner()).clone();
        when.push(match &turn {
            Some(mine) => Compare::value(tkey.clone(), CompareOp::Equal, mine.clone()),
            None => Compare::version(tkey.clone(), CompareOp::Equal, 0),
        });
        // One operation per key: the last change of each wins.
        let mut last: BTreeMap<String, &Change> = BTreeMap::new();
        let mut deleted: BTreeMap<String, u64> = BTreeMap::new();
        for c in changes {
            last.insert(self.object_key(&c.kind, &c.namespace, &c.name), c);
            if c.type_ == ChangeType::Deleted {
                deleted.insert(format!("{}/{}/{}", c.kind, c.namespace, c.name), c.rev);
            }
        }
        // Every attempt of this commit carries the same id, so one that
        // finds the store moved on can tell whether an earlier attempt,
        // unanswered, is what moved it.
        let id = format!("{revision} {}", uuid::Uuid::new_v4().simple());
        let mkey = self.marker_key(revision);
        let mut ops = vec![
            TxnOp::put(rkey.clone(), revision.to_string(), None),
            TxnOp::put(ckey.clone(), id.clone(), None),
            TxnOp::put(mkey.clone(), id.clone(), None),
        ];
        if revision > MARKERS {
            // Markers older than the last MARKERS revisions go.
            ops.push(TxnOp::delete(
                self.marker_key(0),
                Some(
                    etcd_client::DeleteOptions::new()
                        .with_range(self.marker_key(revision - MARKERS)),
                ),
            ));
        }
        if turn.is_some() {
            ops.push(TxnOp::delete(tkey.clone(), None));
        }
        if !deleted.is_empty() {
            let json = serde_json::to_vec(&deleted)
                .map_err(|e| BackendError::Etcd(format!("encoding deletes: {e}")))?;
            ops.push(TxnOp::put(self.deleted_key(), json, None));
        }
        for (key, c) in last {
            ops.push(match c.type_ {
                ChangeType::Deleted => TxnOp::delete(key, None),
                _ => TxnOp::put(key, c.data.to_vec(), None),
            });
        }
        let mut read_back = vec![TxnOp::get(rkey, None), TxnOp::get(ckey, None)];
        if let Some(f) = &fence {
            read_back.push(TxnOp::get(f.key.clone(), None));
        }
        read_back.push(TxnOp::get(tkey, None));
        read_back.push(TxnOp::get(mkey, None));
        let txn = Txn::new().when(when).and_then(ops).or_else(read_back);
        let kv = self.client.kv_client();
        let (resp, unknown) = self
            .call(async move {
                retry(COMMIT_BUDGET, ATTEMPT, move || {
                    let (mut kv, txn) = (kv.clone(), txn.clone());
                    async move { kv.txn(txn).await }
                })
                .await
            })?
            .map_err(|f| f.error("committing"))?;
        if !resp.succeeded() {
            let found = found(&resp, fence.is_some());
            let landed = found.landed(&id, revision, unknown);
            if landed != Landed::No {
                // An earlier attempt landed; this one found its own write
                // (perhaps with other commits after it).
            } else {
                let unknown = landed == Landed::Unknown;
                let deposed = match (&fence, found.leader) {
                    (Some(f), Some(leader)) => leader != f.create_revision,
                    _ => false,
                };
                if turn.is_some() && found.turn != turn {
                    // The turn's lease ended before this commit.
                    *self.turn.lock().unwrap_or_else(|e| e.into_inner()) = None;
                }
                let others_turn = found.turn.is_some() && found.turn != turn;
                return Err(
                    match refusal(base, revision, found.current, deposed, unknown) {
                        // The next commit is the holder's: wait for it.
                        BackendError::Raced { current, message } if others_turn => {
                            BackendError::Raced {
                                current: current + 1,
                                message,
                            }
                        }
                        other => other,
                    },
                );
            }
        }
        if turn.is_some() {
            *self.turn.lock().unwrap_or_else(|e| e.into_inner()) = None;
        }
        if let Some(h) = resp.header() {
            let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
            seen.push_back((revision, h.revision()));
            while seen.len() > 4096 {
                seen.pop_front();
            }
        }
        Ok(())
    }

    /// The log lives in the caches of the control daemons, not in etcd:
    /// a watcher further behind than a daemon's memory lists again.
    fn changes_since(&self, _after: u64, _limit: usize) -> Result<Vec<Change>, BackendError> {
        Ok(vec![])
    }

    /// Compacts etcd's own history up to the commit of `upto`, when known.
    fn compact(&self, upto: u64) -> Result<(), BackendError> {
        let at = {
            let seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
            seen.iter()
                .take_while(|(rev, _)| *rev <= upto)
                .last()
                .map(|(_, e)| *e)
        };
        if let Some(at) = at {
            let mut kv = self.client.kv_client();
            if let Ok(rt) = self.rt() {
                rt.spawn(async move {
                    if let Err(e) = kv.compact(at, None).await
                        && !e.to_string().contains("compacted")
                    {
                        tracing::debug!(error = %e, "compacting etcd's history failed");
                    }
                });
            }
        }
        Ok(())
    }

    fn follow(&self, sink: Sink) -> Result<(), BackendError> {
        let start = *self.loaded_at.lock().unwrap_or_else(|e| e.into_inner()) + 1;
        let f = Follower {
            client: self.client.clone(),
            objects: self.objects_prefix(),
            revision_key: self.revision_key(),
            deleted_key: self.deleted_key(),
            watch_prefix: format!("{}/", self.prefix),
            sink,
        };
        self.rt()?.spawn(f.run(start));
        Ok(())
    }

    fn shared(&self) -> bool {
        true
    }

    /// Puts the turn key (on a lease of [`TURN_TTL`], so a daemon that dies
    /// holding it holds up the others no longer) unless another daemon
    /// holds it; every commit but the holder's requires it absent.
    fn take_turn(&self) -> Result<u64, BackendError> {
        if self
            .turn
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_some()
        {
            return Ok(0);
        }
        let (tkey, rkey) = (self.turn_key(), self.revision_key());
        let id = uuid::Uuid::new_v4().simple().to_string();
        let (client, mine) = (self.client.clone(), id.clone());
        let (current, holder) = self.request("taking the turn to commit", move || {
            let (mut c, tkey, rkey, id) =
                (client.clone(), tkey.clone(), rkey.clone(), mine.clone());
            async move {
                let lease = c.lease_grant(TURN_TTL.as_secs() as i64, None).await?.id();
                let txn = Txn::new()
                    .when(vec![Compare::version(tkey.clone(), CompareOp::Equal, 0)])
                    .and_then(vec![
                        TxnOp::put(tkey.clone(), id, Some(PutOptions::new().with_lease(lease))),
                        TxnOp::get(rkey.clone(), None),
                        TxnOp::get(tkey.clone(), None),
                    ])
                    .or_else(vec![TxnOp::get(rkey, None), TxnOp::get(tkey, None)]);
                let resp = c.txn(txn).await?;
                let mut gets = resp.op_responses().into_iter().filter_map(|r| match r {
                    TxnOpResponse::Get(g) => Some(
                        g.kvs()
                            .first()
                            .and_then(|k| std::str::from_utf8(k.value()).ok().map(String::from)),
                    ),
                    _ => None,
                });
                let current = gets.next().flatten().and_then(|v| v.parse::<u64>().ok());
                Ok((current.unwrap_or(0), gets.next().flatten()))
            }
        })?;
        if holder.as_deref() == Some(id.as_str()) {
            *self.turn.lock().unwrap_or_else(|e| e.into_inner()) = Some(id);
        }
        Ok(current)
    }

    fn release_turn(&self) {
        let Some(mine) = self.turn.lock().unwrap_or_else(|e| e.into_inner()).take() else {
            return;
        };
        let tkey = self.turn_key();
        let txn = Txn::new()
            .when(vec![Compare::value(tkey.clone(), CompareOp::Equal, mine)])
            .and_then(vec![TxnOp::delete(tkey, None)]);
        let kv = self.client.kv_client();
        if let Err(e) = self.request("giving the turn back", move || {
            let (mut kv, txn) = (kv.clone(), txn.clone());
            async move { kv.txn(txn).await }
        }) {
            tracing::debug!(error = %e, "giving the turn to commit back failed; its lease ends it");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_urls_are_parsed_or_refused_with_the_form() {
        assert_eq!(parse_store_url("sqlite").unwrap(), StoreUrl::Sqlite);
        assert_eq!(
            parse_store_url("etcd://127.0.0.1:2379,10.0.0.2:2379").unwrap(),
            StoreUrl::Etcd(vec!["127.0.0.1:2379".into(), "10.0.0.2:2379".into()])
        );
        for bad in ["etcd://", "etcd://host", "etcd://host:0", "mysql://x:1", ""] {
            let e = parse_store_url(bad).unwrap_err();
            assert!(e.contains("HOST:PORT"), "{bad}: {e}");
        }
        assert_eq!(parse_prefix("/ork").unwrap(), "/ork");
        for bad in ["ork", "/ork/", "/", "//a"] {
            assert!(parse_prefix(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_commit_that_went_unanswered_knows_from_its_marker_whether_it_landed() {
        let found = |current, last: &str, marker: Option<&str>| Found {
            current,
            last_id: Some(last.into()),
            marker: marker.map(String::from),
            ..Found::default()
        };
        // Its write is still the last one.
        assert_eq!(
            found(8, "8 a", Some("8 a")).landed("8 a", 8, true),
            Landed::Yes
        );
        // Other daemons committed after it: the marker still says so.
        assert_eq!(
            found(12, "12 b", Some("8 a")).landed("8 a", 8, true),
            Landed::Yes
        );
        // Another daemon took revision 8, or a batch went past it: this
        // commit did not land and never will.
        assert_eq!(
            found(12, "12 b", Some("8 b")).landed("8 a", 8, true),
            Landed::No
        );
        assert_eq!(found(12, "12 b", None).landed("8 a", 8, true), Landed::No);
        assert_eq!(found(7, "7 b", None).landed("8 a", 8, true), Landed::No);
        // So many commits followed that its marker is gone.
        let far = 8 + MARKERS;
        assert_eq!(
            found(far, "x", None).landed("8 a", 8, true),
            Landed::Unknown
        );
        // Every attempt was answered: the refusal is the answer.
        assert_eq!(found(far, "x", None).landed("8 a", 8, false), Landed::No);
    }

    #[test]
    fn keys_split_back_into_kind_namespace_and_name() {
        assert_eq!(
            split_key("/ork/objects/", b"/ork/objects/Pod/default/web-1"),
            Some(("Pod".into(), "default".into(), "web-1".into()))
        );
        assert_eq!(
            split_key("/ork/objects/", b"/ork/objects/Node//n1"),
            Some(("Node".into(), "".into(), "n1".into()))
        );
        assert_eq!(split_key("/ork/objects/", b"/other/objects/Pod/a/b"), None);
        assert_eq!(prefix_end(b"/ork/"), b"/ork0".to_vec());
    }
}
