use super::*;
use crate::api::testing::Build;
use crate::api::{Container, Deployment, Namespace, new_object};

fn open(dir: &std::path::Path) -> Store {
    let backend = Arc::new(Sqlite::open(&dir.join("ork.db")).unwrap());
    Store::open(backend).unwrap()
}

async fn with_default_ns(store: &Store) {
    if store.get::<Namespace>("", "default").is_none() {
        store
            .create(new_object::<Namespace>("", "default"))
            .await
            .unwrap();
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

#[tokio::test]
async fn created_objects_get_server_fields_and_are_listed() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    with_default_ns(&store).await;
    let p = store.create(pod("a")).await.unwrap();
    assert!(!p.metadata.uid.is_empty());
    assert_eq!(p.metadata.generation, 1);
    assert!(p.metadata.creation_timestamp.is_some());
    assert_eq!(p.metadata.revision(), store.revision());
    assert_eq!(p.api_version, "v1");
    assert_eq!(p.kind, "Pod");
    store.create(pod("b")).await.unwrap();
    let names: Vec<String> = store
        .list::<Pod>(Some("default"))
        .iter()
        .map(|p| p.metadata.name.clone())
        .collect();
    assert_eq!(names, vec!["a", "b"]);
    assert!(matches!(
        store.create(pod("a")).await,
        Err(StoreError::AlreadyExists { .. })
    ));
}

#[tokio::test]
async fn objects_need_an_existing_namespace() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let mut p = pod("a");
    p.metadata.namespace = "nowhere".into();
    match store.create(p).await {
        Err(StoreError::NotFound { kind, name, .. }) => {
            assert_eq!(kind, Kind::Namespace);
            assert_eq!(name, "nowhere");
        }
        other => panic!("expected namespace not found, got {other:?}"),
    }
}

#[tokio::test]
async fn invalid_objects_are_refused_with_every_field_error() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    with_default_ns(&store).await;
    let mut p = pod("Bad_Name");
    p.spec.containers[0].name = "Also Bad".into();
    match store.create(p).await {
        Err(StoreError::Invalid { errors, .. }) => {
            let paths: Vec<_> = errors.iter().map(|e| e.path.as_str()).collect();
            assert_eq!(paths, vec!["metadata.name", "spec.containers[0].name"]);
        }
        other => panic!("expected invalid, got {other:?}"),
    }
    assert!(store.list::<Pod>(None).is_empty());
}

#[tokio::test]
async fn a_stale_resource_version_is_a_conflict() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    with_default_ns(&store).await;
    let p = store.create(pod("a")).await.unwrap();
    let mut first = (*p).clone();
    first.metadata.labels.insert("x".into(), "1".into());
    store.update(first).await.unwrap();
    let mut stale = (*p).clone();
    stale.metadata.labels.insert("x".into(), "2".into());
    assert!(matches!(
        store.update(stale).await,
        Err(StoreError::Conflict { .. })
    ));
    assert_eq!(
        store.get::<Pod>("default", "a").unwrap().metadata.labels["x"],
        "1"
    );
}

#[tokio::test]
async fn generation_moves_only_with_the_spec_and_status_writes_keep_the_spec() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    with_default_ns(&store).await;
    let p = store.create(pod("a")).await.unwrap();
    let mut labelled = (*p).clone();
    labelled.metadata.labels.insert("x".into(), "1".into());
    labelled.metadata.resource_version.clear();
    let p2 = store.update(labelled).await.unwrap();
    assert_eq!(p2.metadata.generation, 1);
    let mut respec = (*p2).clone();
    respec.spec.containers[0].args = vec!["x".into()];
    respec.status.host_ip = "1.2.3.4".into();
    let p3 = store.update(respec).await.unwrap();
    assert_eq!(p3.metadata.generation, 2);
    assert_eq!(p3.status.host_ip, "", "main writes keep status");
    let mut status = (*p3).clone();
    status.status.host_ip = "1.2.3.4".into();
    status.spec.node_name = "sneaky".into();
    let p4 = store.update_status(status).await.unwrap();
    assert_eq!(p4.status.host_ip, "1.2.3.4");
    assert_eq!(p4.spec.node_name, "", "status writes keep the spec");
}

#[tokio::test]
async fn writing_an_identical_object_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    with_default_ns(&store).await;
    let p = store.create(pod("a")).await.unwrap();
    let rev = store.revision();
    let same = store.update((*p).clone()).await.unwrap();
    assert_eq!(store.revision(), rev);
    assert_eq!(same.metadata.resource_version, p.metadata.resource_version);
}

#[tokio::test]
async fn a_failed_transaction_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    with_default_ns(&store).await;
    let rev = store.revision();
    let r = store
        .txn(|tx| {
            tx.create(pod("a"))?;
            tx.create(pod("b"))?;
            tx.create(pod("a"))?; // fails: already exists in this transaction
            Ok(())
        })
        .await;
    assert!(matches!(r, Err(StoreError::AlreadyExists { .. })));
    assert!(store.list::<Pod>(None).is_empty());
    assert_eq!(store.revision(), rev);
}

#[tokio::test]
async fn concurrent_writes_are_grouped_and_get_distinct_revisions() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    with_default_ns(&store).await;
    let start = store.revision();
    let mut tasks = vec![];
    for i in 0..300 {
        let s = store.clone();
        tasks.push(tokio::spawn(async move {
            s.create(pod(&format!("p{i}"))).await
        }));
    }
    let mut revs = vec![];
    for t in tasks {
        revs.push(t.await.unwrap().unwrap().metadata.revision());
    }
    revs.sort();
    assert_eq!(revs, ((start + 1)..=(start + 300)).collect::<Vec<_>>());
    assert_eq!(store.revision(), start + 300);
}

#[tokio::test]
async fn everything_acknowledged_survives_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let (rev, uid) = {
        let store = open(dir.path());
        with_default_ns(&store).await;
        let p = store.create(pod("a")).await.unwrap();
        store.create(pod("b")).await.unwrap();
        store
            .delete::<Pod>("default", "b", Preconditions::default())
            .await
            .unwrap();
        (store.revision(), p.metadata.uid.clone())
    };
    let store = open(dir.path());
    assert_eq!(store.revision(), rev);
    let pods = store.list::<Pod>(None);
    assert_eq!(pods.len(), 1);
    assert_eq!(pods[0].metadata.uid, uid);
}

#[tokio::test]
async fn the_owner_and_node_indexes_follow_writes() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    with_default_ns(&store).await;
    let d = store.create(Deployment::test("web", 1)).await.unwrap();
    store.create(pod("a").owned_by(d.as_ref())).await.unwrap();
    assert_eq!(store.owned_by(&d.metadata.uid).len(), 1);
    let bound = store
        .mutate::<Pod, _>("default", "a", Subresource::Main, |p| {
            p.spec.node_name = "n1".into();
            Ok(true)
        })
        .await
        .unwrap();
    assert_eq!(bound.spec.node_name, "n1");
    assert_eq!(store.pods_on_node("n1").len(), 1);
    // Within a transaction, binds made earlier in it are visible.
    let seen = store
        .txn(|tx| {
            let mut b = pod("b");
            b.spec.node_name = "n1".into();
            tx.create(b)?;
            Ok(tx.pods_on_node("n1").len())
        })
        .await
        .unwrap();
    assert_eq!(seen, 2);
    store
        .delete::<Pod>("default", "a", Preconditions::default())
        .await
        .unwrap();
    assert_eq!(store.pods_on_node("n1").len(), 1);
    assert!(store.owned_by(&d.metadata.uid).is_empty());
}

#[tokio::test]
async fn delete_preconditions_protect_a_replaced_object() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    with_default_ns(&store).await;
    store.create(pod("a")).await.unwrap();
    let pre = Preconditions {
        uid: Some("someone-else".into()),
        resource_version: None,
    };
    assert!(matches!(
        store.delete::<Pod>("default", "a", pre).await,
        Err(StoreError::Conflict { .. })
    ));
    assert!(store.get::<Pod>("default", "a").is_some());
}

async fn next_event(w: &mut WatchStream) -> Arc<WatchEvent> {
    tokio::time::timeout(std::time::Duration::from_secs(5), w.next())
        .await
        .expect("an event within 5 s")
        .expect("stream open")
        .expect("no error")
}

#[tokio::test]
async fn a_watch_without_revision_starts_with_the_current_objects() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    with_default_ns(&store).await;
    store.create(pod("a")).await.unwrap();
    let mut w = store.watch(Some(Kind::Pod), None).await.unwrap();
    let e = next_event(&mut w).await;
    assert_eq!(
        (e.type_, e.obj.meta().name.as_str()),
        (ChangeType::Added, "a")
    );
    store.create(pod("b")).await.unwrap();
    store
        .delete::<Pod>("default", "a", Preconditions::default())
        .await
        .unwrap();
    let e = next_event(&mut w).await;
    assert_eq!(
        (e.type_, e.obj.meta().name.as_str()),
        (ChangeType::Added, "b")
    );
    let e = next_event(&mut w).await;
    assert_eq!(
        (e.type_, e.obj.meta().name.as_str()),
        (ChangeType::Deleted, "a")
    );
    assert_eq!(e.rev, store.revision());
}

#[tokio::test]
async fn a_watch_resumes_from_a_revision_even_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let from = {
        let store = open(dir.path());
        with_default_ns(&store).await;
        let from = store.revision();
        store.create(pod("a")).await.unwrap();
        store.create(pod("b")).await.unwrap();
        from
    };
    // A fresh store has an empty ring: history comes from SQLite.
    let store = open(dir.path());
    let mut w = store.watch(Some(Kind::Pod), Some(from)).await.unwrap();
    assert_eq!(next_event(&mut w).await.obj.meta().name, "a");
    assert_eq!(next_event(&mut w).await.obj.meta().name, "b");
    store.create(pod("c")).await.unwrap();
    assert_eq!(next_event(&mut w).await.obj.meta().name, "c");
}

#[tokio::test]
async fn a_watch_from_a_compacted_revision_expires() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    with_default_ns(&store).await;
    store.create(pod("a")).await.unwrap();
    store.create(pod("b")).await.unwrap();
    store.backend().compact(store.revision()).unwrap();
    let store = open(dir.path());
    assert!(matches!(
        store.watch(Some(Kind::Pod), Some(1)).await,
        Err(StoreError::Expired { .. })
    ));
}

#[tokio::test]
async fn a_dry_run_checks_everything_and_keeps_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    with_default_ns(&store).await;
    let rev = store.revision();
    let created = store.txn_dry_run(|tx| tx.create(pod("a"))).await.unwrap();
    assert_eq!(created.metadata.name, "a");
    assert!(store.get::<Pod>("default", "a").is_none());
    assert_eq!(store.revision(), rev);
    assert!(matches!(
        store.txn_dry_run(|tx| tx.create(pod("Bad_Name"))).await,
        Err(StoreError::Invalid { .. })
    ));
}

fn pod_on(name: &str, node: &str) -> Pod {
    let mut p = pod(name);
    p.spec.node_name = node.into();
    p
}

#[tokio::test]
async fn a_node_watch_sees_only_the_pods_of_its_node() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    with_default_ns(&store).await;
    store.create(pod_on("a1", "a")).await.unwrap();
    store.create(pod_on("b1", "b")).await.unwrap();
    let from = store.revision();
    let mut w = store.watch_node_pods("a", None).await.unwrap();
    let mut resumed = store.watch_node_pods("a", Some(from)).await.unwrap();
    assert_eq!(next_event(&mut w).await.obj.meta().name, "a1");
    // Pods elsewhere or unbound are not sent; a pod bound here is, with the
    // unbound state as `prev`; so is its deletion.
    store.create(pod_on("b2", "b")).await.unwrap();
    store.create(pod("later")).await.unwrap();
    let mut later = (*store.get::<Pod>("default", "later").unwrap()).clone();
    later.spec.node_name = "a".into();
    store.update(later).await.unwrap();
    store
        .delete::<Pod>("default", "a1", Preconditions::default())
        .await
        .unwrap();
    for w in [&mut w, &mut resumed] {
        let e = next_event(w).await;
        assert_eq!(e.obj.meta().name, "later");
        assert!(
            e.prev
                .as_ref()
                .and_then(|p| Pod::from_any(p))
                .is_some_and(|p| p.spec.node_name.is_empty())
        );
        let e = next_event(w).await;
        assert_eq!(
            (e.type_, e.obj.meta().name.as_str()),
            (ChangeType::Deleted, "a1")
        );
    }
    // Nothing else is queued.
    assert!(
        tokio::time::timeout(std::time::Duration::from_millis(200), w.next())
            .await
            .is_err()
    );
}

#[tokio::test]
async fn a_node_watcher_that_falls_behind_expires() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    with_default_ns(&store).await;
    let mut w = store.watch_node_pods("a", None).await.unwrap();
    for i in 0..1100 {
        store.create(pod_on(&format!("p{i}"), "a")).await.unwrap();
    }
    let mut got = 0;
    let err = loop {
        match w.next().await {
            Some(Ok(_)) => got += 1,
            Some(Err(e)) => break e,
            None => panic!("the stream ended without an error"),
        }
    };
    assert!(matches!(err, StoreError::Expired { .. }), "{err}");
    assert!((1000..1100).contains(&got), "{got} events before expiring");
}

#[tokio::test]
async fn lists_read_at_an_earlier_revision_undo_later_changes() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    with_default_ns(&store).await;
    store.create(pod("a")).await.unwrap();
    store.create(pod("b")).await.unwrap();
    let then = store.revision();
    store.create(pod("c")).await.unwrap();
    store
        .delete::<Pod>("default", "a", Preconditions::default())
        .await
        .unwrap();
    store
        .mutate::<Pod, _>("default", "b", Subresource::Main, |p| {
            p.metadata.labels.insert("late".into(), "yes".into());
            Ok(true)
        })
        .await
        .unwrap();
    let names = |at| -> Vec<(String, bool)> {
        let (items, rev) = store
            .list_entries_at(Kind::Pod, Some("default"), at, |_| true)
            .unwrap();
        assert_eq!(rev, at.min(store.revision()));
        items
            .iter()
            .map(|e| {
                let m = e.obj.meta();
                (m.name.clone(), m.labels.contains_key("late"))
            })
            .collect()
    };
    let s = |n: &str, late| (n.to_string(), late);
    assert_eq!(names(then), [s("a", false), s("b", false)]);
    assert_eq!(names(u64::MAX), [s("b", true), s("c", false)]);
    // A store opened again holds no history in memory: earlier is expired.
    drop(store);
    let again = open(dir.path());
    assert!(matches!(
        again.list_entries_at(Kind::Pod, None, then, |_| true),
        Err(StoreError::Expired { .. })
    ));
}

/// A ConfigMap of about `bytes` (data up to its 1 MiB, the rest in an
/// annotation, up to 256 KiB).
fn config_map(name: &str, bytes: usize) -> crate::api::ConfigMap {
    let mut cm: crate::api::ConfigMap = new_object("default", name);
    let data = bytes.min(1_040_000);
    cm.data.insert("blob".into(), "x".repeat(data));
    if bytes > data {
        cm.metadata
            .annotations
            .insert("blob".into(), "y".repeat(bytes - data));
    }
    cm
}

async fn label(store: &Store, name: &str, value: String) {
    store
        .mutate::<crate::api::ConfigMap, _>("default", name, Subresource::Main, move |cm| {
            cm.metadata.labels.insert("round".into(), value);
            Ok(true)
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn a_large_object_patched_twenty_times_keeps_history_within_its_byte_budget() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    with_default_ns(&store).await;
    store.create(config_map("big", 1_290_000)).await.unwrap();
    let before = store.revision();
    for i in 0..20 {
        label(&store, "big", i.to_string()).await;
    }
    // 21 versions of 1.3 MB would be ~27 MB of JSON alone (and as much again parsed).
    let held = store.history_bytes();
    assert!(
        held <= DEFAULT_HISTORY_BYTES,
        "{held} bytes of history held"
    );
    assert!(held < 28_000_000, "{held} bytes of history held");
    assert!(held >= 2_580_000, "the newest change is kept: {held}");
    // A watch from before the changes the ring let go replays them from
    // the durable log.
    let mut w = store
        .watch(Some(Kind::ConfigMap), Some(before))
        .await
        .unwrap();
    let mut revs = vec![];
    for _ in 0..20 {
        revs.push(next_event(&mut w).await.rev);
    }
    assert_eq!(revs, (before + 1..=before + 20).collect::<Vec<_>>());
}

#[tokio::test]
async fn a_watcher_too_slow_for_its_queue_budget_gets_410_not_memory() {
    let dir = tempfile::tempdir().unwrap();
    let backend = Arc::new(Sqlite::open(&dir.path().join("ork.db")).unwrap());
    let budget = 1 << 20;
    let store = Store::open_with(
        backend,
        Budgets {
            history_bytes: DEFAULT_HISTORY_BYTES,
            queue_bytes: budget,
        },
    )
    .unwrap();
    with_default_ns(&store).await;
    let mut slow = store.watch(Some(Kind::ConfigMap), None).await.unwrap();
    let mut fast = store.watch(Some(Kind::ConfigMap), None).await.unwrap();
    for i in 0..20 {
        store
            .create(config_map(&format!("cm{i}"), 100_000))
            .await
            .unwrap();
        // One that keeps up gets every change.
        assert_eq!(
            next_event(&mut fast).await.obj.meta().name,
            format!("cm{i}")
        );
        assert!(
            slow.queued_bytes() <= budget,
            "{} bytes queued for a watcher that reads nothing",
            slow.queued_bytes()
        );
    }
    let mut got = 0;
    let err = loop {
        match slow.next().await {
            Some(Ok(_)) => got += 1,
            Some(Err(e)) => break e,
            None => panic!("the stream ended without an error"),
        }
    };
    assert!(matches!(err, StoreError::Expired { .. }), "{err}");
    assert!((1..20).contains(&got), "{got} changes before expiring");
    assert_eq!(slow.queued_bytes(), 0);
}

#[tokio::test]
async fn a_create_hook_runs_in_the_transaction_and_counts_are_exact_within_a_group() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    with_default_ns(&store).await;
    // At most three pods: a create past that deletes the oldest-named one.
    store.before_create(
        Kind::Pod,
        Arc::new(|tx| {
            if tx.count(Kind::Pod) >= 3 {
                let first = tx.list::<Pod>(None)[0].metadata.name.clone();
                tx.delete::<Pod>("default", &first, Preconditions::default())?;
            }
            Ok(())
        }),
    );
    store
        .txn(|tx| {
            for i in 0..5 {
                tx.create(pod(&format!("p{i}")))?;
                assert!(tx.count(Kind::Pod) <= 3);
            }
            Ok(())
        })
        .await
        .unwrap();
    let names: Vec<String> = store
        .list::<Pod>(None)
        .iter()
        .map(|p| p.metadata.name.clone())
        .collect();
    assert_eq!(names, ["p2", "p3", "p4"]);
}
