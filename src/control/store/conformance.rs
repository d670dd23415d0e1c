//! One set of store tests run against every backend: the SQLite file in a
//! temporary directory, and etcd started by the test on free loopback ports
//! (`etcd` from the `etcd-server` package). Without an etcd binary the etcd
//! cases skip, unless `ORK_REQUIRE_ETCD=1` or `CI` is set: then they fail.
//!
//! Each case gets a [`Harness`] that opens stores the way a control daemon
//! does (Secrets sealed) and can open a second one on the same data: a
//! restart for SQLite, a second control daemon for etcd.

use super::etcd::{Etcd, EtcdConfig};
use super::sealed::{Keyring, Sealed};
use super::*;
use crate::api::{Container, Namespace, Secret, new_object};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A single-member etcd on free loopback ports, killed on drop.
pub struct EtcdProcess {
    child: Child,
    pub endpoint: String,
    _dir: tempfile::TempDir,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// Whether a missing etcd must fail the test instead of skipping it.
fn etcd_required() -> bool {
    std::env::var("ORK_REQUIRE_ETCD").as_deref() == Ok("1") || std::env::var_os("CI").is_some()
}

impl EtcdProcess {
    /// Starts etcd and waits until it answers; `None` (skip) when there is
    /// no etcd binary and none is required.
    pub fn start() -> Option<EtcdProcess> {
        if Command::new("etcd")
            .arg("--version")
            .stdout(Stdio::null())
            .status()
            .is_err()
        {
            assert!(
                !etcd_required(),
                "ORK_REQUIRE_ETCD=1 (or CI) but there is no etcd on PATH (apt-get install etcd-server)"
            );
            eprintln!("skipped: no etcd on PATH");
            return None;
        }
        // Free ports are picked before etcd binds them, so a test running
        // beside this one can take one first: etcd then exits, and another
        // pair of ports is tried.
        for _ in 0..5 {
            if let Some(proc) = Self::start_once() {
                return Some(proc);
            }
        }
        panic!("etcd did not start in 5 tries");
    }

    /// One etcd on fresh ports; `None` when it exits before answering.
    fn start_once() -> Option<EtcdProcess> {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let (client, peer) = (free_port(), free_port());
        let c = format!("http://127.0.0.1:{client}");
        let p = format!("http://127.0.0.1:{peer}");
        let child = Command::new("etcd")
            .args(["--name", "m0", "--data-dir"])
            .arg(dir.path().join("data"))
            .args(["--listen-client-urls", &c, "--advertise-client-urls", &c])
            .args([
                "--listen-peer-urls",
                &p,
                "--initial-advertise-peer-urls",
                &p,
            ])
            .args(["--initial-cluster", &format!("m0={p}")])
            .args(["--max-txn-ops", "10000", "--max-request-bytes", "33554432"])
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.path().join("etcd.log")).expect("a log file"))
            .spawn()
            .expect("etcd starts");
        let mut proc = EtcdProcess {
            child,
            endpoint: format!("127.0.0.1:{client}"),
            _dir: dir,
        };
        let until = Instant::now() + Duration::from_secs(20);
        loop {
            if matches!(proc.child.try_wait(), Ok(Some(_))) {
                return None;
            }
            let cfg = EtcdConfig {
                endpoints: vec![proc.endpoint.clone()],
                prefix: "/probe".into(),
                ca: None,
                cert: None,
            };
            if Etcd::connect(&cfg).is_ok() {
                return Some(proc);
            }
            assert!(Instant::now() < until, "etcd did not answer within 20 s");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for EtcdProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Where a case's stores live.
pub enum Harness {
    Sqlite(tempfile::TempDir),
    Etcd {
        etcd: EtcdProcess,
        keys: tempfile::TempDir,
    },
}

impl Harness {
    fn sqlite() -> Harness {
        Harness::Sqlite(tempfile::tempdir().expect("a temporary directory"))
    }

    fn etcd() -> Option<Harness> {
        Some(Harness::Etcd {
            etcd: EtcdProcess::start()?,
            keys: tempfile::tempdir().expect("a temporary directory"),
        })
    }

    fn keys(&self) -> &Path {
        match self {
            Harness::Sqlite(d) => d.path(),
            Harness::Etcd { keys, .. } => keys.path(),
        }
    }

    fn etcd_config(&self) -> Option<EtcdConfig> {
        match self {
            Harness::Sqlite(_) => None,
            Harness::Etcd { etcd, .. } => Some(EtcdConfig {
                endpoints: vec![etcd.endpoint.clone()],
                prefix: "/ork".into(),
                ca: None,
                cert: None,
            }),
        }
    }

    /// A store as a control daemon opens it (Secrets sealed).
    fn open(&self) -> Store {
        let ring = Keyring::load_or_create(self.keys()).expect("a key file");
        let backend: Arc<dyn Backend> = match (self, self.etcd_config()) {
            (Harness::Sqlite(d), _) => Arc::new(Sealed::new(
                Sqlite::open(&d.path().join("ork.db")).expect("a database"),
                ring,
            )),
            (_, Some(cfg)) => Arc::new(Sealed::new(Etcd::connect(&cfg).expect("etcd"), ring)),
            _ => unreachable!(),
        };
        Store::open(backend).expect("a store")
    }

    /// A fresh store holding the `default` namespace.
    async fn first(&self) -> Store {
        let s = self.open();
        if s.get::<Namespace>("", "default").is_none() {
            s.create(new_object::<Namespace>("", "default"))
                .await
                .expect("the default namespace");
        }
        s
    }

    /// The bytes the backend holds for an object.
    async fn raw(&self, kind: &str, ns: &str, name: &str) -> Vec<u8> {
        match self {
            Harness::Sqlite(d) => {
                let conn = rusqlite::Connection::open(d.path().join("ork.db")).unwrap();
                conn.query_row(
                    "SELECT data FROM objects WHERE kind = ?1 AND namespace = ?2 AND name = ?3",
                    rusqlite::params![kind, ns, name],
                    |r| r.get(0),
                )
                .unwrap()
            }
            Harness::Etcd { etcd, .. } => {
                let mut c = etcd_client::Client::connect([etcd.endpoint.as_str()], None)
                    .await
                    .unwrap();
                let r = c
                    .get(format!("/ork/objects/{kind}/{ns}/{name}"), None)
                    .await
                    .unwrap();
                r.kvs()[0].value().to_vec()
            }
        }
    }
}

fn pod(name: &str) -> Pod {
    let mut p: Pod = new_object("default", name);
    p.spec.containers = vec![Container {
        name: "c".into(),
        command: vec!["sleep".into(), "1000".into()],
        ..Default::default()
    }];
    p
}

async fn next_event(w: &mut WatchStream) -> Arc<WatchEvent> {
    tokio::time::timeout(Duration::from_secs(5), w.next())
        .await
        .expect("an event within 5 s")
        .expect("stream open")
        .expect("no error")
}

/// Waits until `f` holds, or fails after 10 s.
async fn eventually(what: &str, mut f: impl FnMut() -> bool) {
    let until = Instant::now() + Duration::from_secs(10);
    while !f() {
        assert!(Instant::now() < until, "{what} within 10 s");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn create_update_delete_list_and_watch(h: &Harness) {
    let s = h.first().await;
    let mut w = s.watch(Some(Kind::Pod), Some(s.revision())).await.unwrap();
    let a = s.create(pod("a")).await.unwrap();
    assert_eq!(a.metadata.revision(), s.revision());
    assert!(!a.metadata.uid.is_empty());
    s.create(pod("b")).await.unwrap();
    let mut changed = (*a).clone();
    changed.metadata.labels.insert("tier".into(), "web".into());
    let a2 = s.update(changed).await.unwrap();
    assert!(a2.metadata.revision() > a.metadata.revision());
    let names: Vec<String> = s
        .list::<Pod>(Some("default"))
        .iter()
        .map(|p| p.metadata.name.clone())
        .collect();
    assert_eq!(names, ["a", "b"]);
    s.delete::<Pod>("default", "b", Preconditions::default())
        .await
        .unwrap();
    assert!(s.get::<Pod>("default", "b").is_none());
    let mut got = vec![];
    for _ in 0..4 {
        let e = next_event(&mut w).await;
        got.push((e.type_, e.obj.meta().name.clone(), e.rev));
    }
    let kinds: Vec<(ChangeType, &str)> = got.iter().map(|(t, n, _)| (*t, n.as_str())).collect();
    assert_eq!(
        kinds,
        [
            (ChangeType::Added, "a"),
            (ChangeType::Added, "b"),
            (ChangeType::Modified, "a"),
            (ChangeType::Deleted, "b"),
        ]
    );
    assert!(got.windows(2).all(|w| w[0].2 < w[1].2), "{got:?}");
    assert_eq!(got[3].2, s.revision());
}

async fn a_second_store_sees_everything_at_the_same_revision(h: &Harness) {
    let (rev, uid) = {
        let s = h.first().await;
        let a = s.create(pod("a")).await.unwrap();
        s.create(pod("b")).await.unwrap();
        s.delete::<Pod>("default", "b", Preconditions::default())
            .await
            .unwrap();
        (s.revision(), a.metadata.uid.clone())
    };
    let s = h.open();
    assert_eq!(s.revision(), rev);
    assert_eq!(s.get::<Pod>("default", "a").unwrap().metadata.uid, uid);
    assert!(s.get::<Pod>("default", "b").is_none());
}

async fn a_watch_resumes_from_a_revision(h: &Harness) {
    let s = h.first().await;
    let from = s.revision();
    s.create(pod("a")).await.unwrap();
    let after_a = s.revision();
    s.create(pod("b")).await.unwrap();
    let mut w = s.watch(Some(Kind::Pod), Some(after_a)).await.unwrap();
    assert_eq!(next_event(&mut w).await.obj.meta().name, "b");
    s.create(pod("c")).await.unwrap();
    assert_eq!(next_event(&mut w).await.obj.meta().name, "c");
    let mut w = s.watch(Some(Kind::Pod), Some(from)).await.unwrap();
    for name in ["a", "b", "c"] {
        assert_eq!(next_event(&mut w).await.obj.meta().name, name);
    }
}

async fn a_watch_from_a_compacted_revision_expires(h: &Harness) {
    let s = h.first().await;
    s.create(pod("a")).await.unwrap();
    let old = s.revision();
    // More changes than the log keeps: the store compacts on its own.
    let mut tasks = vec![];
    for i in 0..1_300 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            s.create(pod(&format!("p{i}"))).await.map(|_| ())
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    eventually("compaction", || s.read().compacted > old).await;
    match s.watch(Some(Kind::Pod), Some(old - 1)).await {
        Err(StoreError::Expired { .. }) => {}
        Err(e) => panic!("expected Expired, got {e}"),
        Ok(_) => panic!("a watch from a compacted revision must expire"),
    }
    // Resuming from the present still works.
    let mut w = s.watch(Some(Kind::Pod), Some(s.revision())).await.unwrap();
    s.create(pod("z")).await.unwrap();
    assert_eq!(next_event(&mut w).await.obj.meta().name, "z");
}

async fn a_stale_resource_version_is_a_conflict(h: &Harness) {
    let s = h.first().await;
    let a = s.create(pod("a")).await.unwrap();
    let mut first = (*a).clone();
    first.metadata.labels.insert("x".into(), "1".into());
    s.update(first).await.unwrap();
    let mut stale = (*a).clone();
    stale.metadata.labels.insert("x".into(), "2".into());
    match s.update(stale).await {
        Err(StoreError::Conflict { .. }) => {}
        other => panic!("expected a conflict, got {other:?}", other = other.err()),
    }
    assert_eq!(
        s.get::<Pod>("default", "a").unwrap().metadata.labels["x"],
        "1"
    );
}

async fn a_batch_bind_is_one_transaction(h: &Harness) {
    let s = h.first().await;
    for i in 0..200 {
        s.create(pod(&format!("p{i}"))).await.unwrap();
    }
    let before = s.revision();
    let bound = s
        .txn(|tx| {
            let mut n = 0;
            for p in tx.list::<Pod>(Some("default")) {
                let mut b = (*p).clone();
                b.spec.node_name = "n1".into();
                tx.update(b, Subresource::Main)?;
                n += 1;
            }
            Ok(n)
        })
        .await
        .unwrap();
    assert_eq!(bound, 200);
    assert_eq!(s.revision(), before + 200);
    assert_eq!(s.pods_on_node("n1").len(), 200);
    // A transaction that fails half-way writes nothing.
    let r: Result<(), StoreError> = s
        .txn(|tx| {
            for p in tx.list::<Pod>(Some("default")) {
                let mut b = (*p).clone();
                b.spec.node_name = "n2".into();
                tx.update(b, Subresource::Main)?;
            }
            Err(StoreError::BadRequest("refused".into()))
        })
        .await;
    assert!(r.is_err());
    assert_eq!(s.revision(), before + 200);
    let again = h.open();
    assert_eq!(again.pods_on_node("n1").len(), 200);
    assert!(again.pods_on_node("n2").is_empty());
}

async fn secrets_stay_sealed_in_the_backend(h: &Harness) {
    let s = h.first().await;
    let mut sec: Secret = new_object("default", "db");
    // base64 of "hunter2"
    sec.data.insert("password".into(), "aHVudGVyMg==".into());
    s.create(sec).await.unwrap();
    let raw = h.raw("Secret", "default", "db").await;
    assert!(raw.starts_with(b"ORKSEAL1"), "stored sealed");
    assert!(!raw.windows(10).any(|w| w == b"aHVudGVyMg"));
    let again = h.open();
    assert_eq!(
        again.get::<Secret>("default", "db").unwrap().data["password"],
        "aHVudGVyMg=="
    );
}

async fn a_thousand_concurrent_writers_all_land(h: &Harness) {
    let s = h.first().await;
    let start = s.revision();
    let mut tasks = vec![];
    for i in 0..1_000 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            s.create(pod(&format!("w{i}"))).await
        }));
    }
    let mut revs = vec![];
    for t in tasks {
        revs.push(t.await.unwrap().unwrap().metadata.revision());
    }
    revs.sort();
    assert_eq!(revs, ((start + 1)..=(start + 1_000)).collect::<Vec<_>>());
    let again = h.open();
    assert_eq!(again.list::<Pod>(None).len(), 1_000);
    assert_eq!(again.revision(), start + 1_000);
}

macro_rules! conformance {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    super::$case(&super::Harness::sqlite()).await
                }
            )*
        }
        mod etcd {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let Some(h) = super::Harness::etcd() else { return };
                    super::$case(&h).await
                }
            )*
        }
    };
}

conformance!(
    create_update_delete_list_and_watch,
    a_second_store_sees_everything_at_the_same_revision,
    a_watch_resumes_from_a_revision,
    a_watch_from_a_compacted_revision_expires,
    a_stale_resource_version_is_a_conflict,
    a_batch_bind_is_one_transaction,
    secrets_stay_sealed_in_the_backend,
    a_thousand_concurrent_writers_all_land,
);

// What only a shared store does: several control daemons on one etcd.

async fn etcd_harness() -> Option<Harness> {
    Harness::etcd()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn etcd_daemons_follow_each_others_writes_and_watches() {
    let Some(h) = etcd_harness().await else {
        return;
    };
    let a = h.first().await;
    let b = h.open();
    let mut wb = b.watch(Some(Kind::Pod), Some(b.revision())).await.unwrap();
    let p = a.create(pod("x")).await.unwrap();
    let e = next_event(&mut wb).await;
    assert_eq!(
        (e.type_, e.obj.meta().name.as_str(), e.rev),
        (ChangeType::Added, "x", p.metadata.revision())
    );
    // B writes next, computed against what it followed.
    let mut q = (*b.get::<Pod>("default", "x").unwrap()).clone();
    q.metadata.labels.insert("by".into(), "b".into());
    b.update(q).await.unwrap();
    eventually("A follows B's write", || {
        a.get::<Pod>("default", "x")
            .is_some_and(|p| p.metadata.labels.get("by").is_some_and(|v| v == "b"))
    })
    .await;
    assert_eq!(a.revision(), b.revision());
    b.delete::<Pod>("default", "x", Preconditions::default())
        .await
        .unwrap();
    let e = next_event(&mut wb).await;
    assert_eq!(e.type_, ChangeType::Modified);
    let mut wa = a
        .watch(Some(Kind::Pod), Some(p.metadata.revision()))
        .await
        .unwrap();
    assert_eq!(next_event(&mut wa).await.type_, ChangeType::Modified);
    let e = next_event(&mut wa).await;
    assert_eq!((e.type_, e.rev), (ChangeType::Deleted, b.revision()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn etcd_concurrent_writers_on_two_daemons_lose_nothing() {
    let Some(h) = etcd_harness().await else {
        return;
    };
    let a = h.first().await;
    let b = h.open();
    let mut c: crate::api::ConfigMap = new_object("default", "counter");
    c.data.insert("n".into(), "0".into());
    a.create(c).await.unwrap();
    eventually("B follows", || {
        b.get::<crate::api::ConfigMap>("default", "counter")
            .is_some()
    })
    .await;
    let (mut raced, mut tasks) = (0, vec![]);
    for i in 0..200 {
        let s = if i % 2 == 0 { a.clone() } else { b.clone() };
        tasks.push(tokio::spawn(async move {
            let mut raced = 0;
            loop {
                let r = s
                    .mutate::<crate::api::ConfigMap, _>(
                        "default",
                        "counter",
                        Subresource::Main,
                        |c| {
                            let n: u64 = c.data["n"].parse().unwrap_or(0);
                            c.data.insert("n".into(), (n + 1).to_string());
                            Ok(true)
                        },
                    )
                    .await;
                match r {
                    Ok(_) => return raced,
                    Err(StoreError::Raced(_)) => raced += 1,
                    Err(e) => panic!("unexpected {e}"),
                }
            }
        }));
    }
    for t in tasks {
        raced += t.await.unwrap();
    }
    eventually("both daemons at the same revision", || {
        a.revision() == b.revision()
    })
    .await;
    for s in [&a, &b] {
        assert_eq!(
            s.get::<crate::api::ConfigMap>("default", "counter")
                .unwrap()
                .data["n"],
            "200",
            "every acknowledged increment is there ({raced} retries after a race)"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn etcd_without_quorum_refuses_writes_with_503_and_keeps_serving_reads() {
    let Some(h) = etcd_harness().await else {
        return;
    };
    let s = h.first().await;
    s.create(pod("a")).await.unwrap();
    let Harness::Etcd { etcd, .. } = &h else {
        unreachable!()
    };
    // Stop (not kill) the only member: requests hang as without a quorum.
    let pid = nix::unistd::Pid::from_raw(etcd.child.id() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGSTOP).unwrap();
    let started = Instant::now();
    let e = s.create(pod("b")).await.unwrap_err();
    assert!(matches!(e, StoreError::Unavailable(_)), "{e}");
    assert!(e.to_string().contains("quorum"), "{e}");
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(s.get::<Pod>("default", "a").is_some(), "reads go on");
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGCONT).unwrap();
    let until = Instant::now() + Duration::from_secs(15);
    loop {
        match s.create(pod("c")).await {
            Ok(_) => break,
            Err(e) => assert!(Instant::now() < until, "writes resume: {e}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn etcd_a_leader_whose_lease_ended_cannot_write() {
    let Some(h) = etcd_harness().await else {
        return;
    };
    let cfg = h.etcd_config().unwrap();
    let ring = |h: &Harness| Keyring::load_or_create(h.keys()).unwrap();
    let old = Arc::new(Etcd::connect(&cfg).unwrap());
    let a = Store::open(Arc::new(Sealed::new(old.clone(), ring(&h)))).unwrap();
    a.create(new_object::<Namespace>("", "default"))
        .await
        .unwrap();
    // The old leader holds the key on a 2 s lease it stops renewing (as a
    // paused or cut-off daemon does).
    let mut c = old.client();
    let lease = c.lease_grant(2, None).await.unwrap().id();
    let put = c
        .put(
            "/ork/leader",
            "old",
            Some(etcd_client::PutOptions::new().with_lease(lease)),
        )
        .await
        .unwrap();
    old.set_fence(Some((
        b"/ork/leader".to_vec(),
        put.header().unwrap().revision(),
    )));
    a.create(pod("while-leading")).await.unwrap();
    let until = Instant::now() + Duration::from_secs(10);
    while !c.get("/ork/leader", None).await.unwrap().kvs().is_empty() {
        assert!(Instant::now() < until, "the lease ends within 10 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let before = a.revision();
    match a.create(pod("after-the-lease")).await {
        Err(StoreError::Raced(m)) => assert!(m.contains("no longer the leader"), "{m}"),
        other => panic!(
            "expected a refusal, got {other:?}",
            other = other.map(|_| ())
        ),
    }
    // A new leader takes the key and writes; the old one still cannot.
    let new = Arc::new(Etcd::connect(&cfg).unwrap());
    let b = Store::open(Arc::new(Sealed::new(new.clone(), ring(&h)))).unwrap();
    let put = new.client().put("/ork/leader", "new", None).await.unwrap();
    new.set_fence(Some((
        b"/ork/leader".to_vec(),
        put.header().unwrap().revision(),
    )));
    b.create(pod("by-the-new-leader")).await.unwrap();
    eventually("the old daemon follows", || {
        a.get::<Pod>("default", "by-the-new-leader").is_some()
    })
    .await;
    assert!(a.create(pod("late")).await.is_err());
    assert!(b.get::<Pod>("default", "after-the-lease").is_none());
    assert!(b.get::<Pod>("default", "late").is_none());
    assert_eq!(
        a.revision(),
        before + 1,
        "only the new leader's write landed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn etcd_daemons_writing_different_objects_at_once_never_race() {
    use crate::api::ConfigMap;
    let Some(h) = etcd_harness().await else {
        return;
    };
    let a = h.first().await;
    let b = h.open();
    eventually("B follows", || b.revision() == a.revision()).await;
    let start = a.revision();
    let (writers, each) = (8, 40);
    let mut tasks = vec![];
    for w in 0..writers {
        let s = if w % 2 == 0 { a.clone() } else { b.clone() };
        tasks.push(tokio::spawn(async move {
            for i in 0..each {
                let name = format!("w{w}-{i}");
                let mut c: ConfigMap = new_object("default", &name);
                c.data.insert("n".into(), "0".into());
                let created = s
                    .create(c)
                    .await
                    .map_err(|e| format!("create {name}: {e}"))?;
                // An update made from the version just written: no other
                // writer touches this object, so it never conflicts.
                let mut next = (*created).clone();
                next.data.insert("n".into(), "1".into());
                s.update(next)
                    .await
                    .map_err(|e| format!("update {name}: {e}"))?;
            }
            Ok::<_, String>(())
        }));
    }
    for t in tasks {
        if let Err(e) = t.await.unwrap() {
            panic!(
                "a write to an object nobody else wrote failed: {e} (recomputed: A {}, B {})",
                a.recomputed(),
                b.recomputed()
            );
        }
    }
    assert!(
        a.recomputed() + b.recomputed() > 0,
        "the two daemons' commits overtook each other at least once"
    );
    let end = start + 2 * writers * each;
    eventually("both daemons at the last revision", || {
        a.revision() == end && b.revision() == end
    })
    .await;
    for s in [&a, &b] {
        let maps = s.list::<ConfigMap>(Some("default"));
        assert_eq!(maps.len() as u64, writers * each);
        assert!(maps.iter().all(|c| c.data["n"] == "1"));
    }
    assert_eq!(
        h.open().list::<ConfigMap>(None).len() as u64,
        writers * each
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn etcd_a_closure_run_again_does_what_it_does_once_only_once() {
    use crate::api::ConfigMap;
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    let Some(h) = etcd_harness().await else {
        return;
    };
    let a = h.first().await;
    let b = h.open();
    eventually("B follows", || b.revision() == a.revision()).await;
    let effects = Arc::new(AtomicUsize::new(0));
    let (writers, each) = (8, 40);
    let mut tasks = vec![];
    for w in 0..writers {
        let s = if w % 2 == 0 { a.clone() } else { b.clone() };
        let effects = effects.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..each {
                let cm: ConfigMap = new_object("default", &format!("w{w}-{i}"));
                let effects = effects.clone();
                s.txn(move |tx| {
                    // Asked twice with one key: two effects, each once.
                    let first = tx.once(7, || effects.fetch_add(1, SeqCst));
                    let second = tx.once(7, || effects.fetch_add(1, SeqCst));
                    assert_ne!(first, second);
                    tx.create(cm)?;
                    Ok(())
                })
                .await
                .unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert!(
        a.recomputed() + b.recomputed() > 0,
        "the two daemons' commits overtook each other at least once"
    );
    assert_eq!(effects.load(SeqCst), 2 * writers * each);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn etcd_daemons_updating_one_object_from_one_version_one_wins_one_conflicts() {
    use crate::api::ConfigMap;
    let Some(h) = etcd_harness().await else {
        return;
    };
    let a = h.first().await;
    let b = h.open();
    let mut c: ConfigMap = new_object("default", "shared");
    c.data.insert("by".into(), "nobody".into());
    a.create(c).await.unwrap();
    // Unrelated writes on both daemons all along, so the two updates also
    // meet commits that overtake them.
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut noise = vec![];
    for (i, s) in [a.clone(), b.clone()].into_iter().enumerate() {
        let stop = stop.clone();
        noise.push(tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                s.create(new_object::<ConfigMap>(
                    "default",
                    &format!("noise-{i}-{n}"),
                ))
                .await
                .map_err(|e| format!("an unrelated create failed: {e}"))?;
                n += 1;
            }
            Ok::<_, String>(n)
        }));
    }
    for round in 0..30 {
        let seen = a.get::<ConfigMap>("default", "shared").unwrap();
        let rv = seen.metadata.resource_version.clone();
        eventually("B follows the last update", || {
            b.get::<ConfigMap>("default", "shared")
                .is_some_and(|c| c.metadata.resource_version == rv)
        })
        .await;
        let mut by_a = (*seen).clone();
        by_a.data.insert("by".into(), format!("a{round}"));
        let mut by_b = (*seen).clone();
        by_b.data.insert("by".into(), format!("b{round}"));
        let (ra, rb) = tokio::join!(a.update(by_a), b.update(by_b));
        let winner = match (ra, rb) {
            (Ok(_), Err(e)) => {
                assert_conflict(&e);
                format!("a{round}")
            }
            (Err(e), Ok(_)) => {
                assert_conflict(&e);
                format!("b{round}")
            }
            (ra, rb) => panic!(
                "round {round}: expected one update and one conflict, got A {:?} and B {:?}",
                ra.map(|_| ()),
                rb.map(|_| ())
            ),
        };
        eventually("both daemons hold the winner's write", || {
            [&a, &b].iter().all(|s| {
                s.get::<ConfigMap>("default", "shared")
                    .is_some_and(|c| c.data["by"] == winner)
            })
        })
        .await;
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for t in noise {
        t.await.unwrap().unwrap();
    }
}

fn assert_conflict(e: &StoreError) {
    match e {
        StoreError::Conflict { message, .. } => {
            assert!(message.contains("has been modified"), "{message}")
        }
        other => panic!("expected a Conflict, got {other:?}"),
    }
}
