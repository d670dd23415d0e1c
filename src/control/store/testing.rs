//! Stores for tests: a real SQLite store in a temporary directory, holding
//! the `default` namespace as a daemon's store does from its first start.

use super::{Sqlite, Store};
use crate::api::{Namespace, new_object};
use std::ops::Deref;
use std::sync::Arc;

/// A store and the directory its database lives in (removed on drop).
pub struct TempStore {
    pub store: Store,
    _dir: tempfile::TempDir,
}

impl Deref for TempStore {
    type Target = Store;

    fn deref(&self) -> &Store {
        &self.store
    }
}

/// A fresh store with the `default` namespace.
pub async fn temp_store() -> TempStore {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let backend = Sqlite::open(&dir.path().join("ork.db")).expect("a database");
    let store = Store::open(Arc::new(backend)).expect("a store");
    store
        .create(new_object::<Namespace>("", "default"))
        .await
        .expect("the default namespace");
    TempStore { store, _dir: dir }
}
