//! The durable part of the store behind a trait: the embedded SQLite file,
//! or etcd (`super::etcd`) shared by several control daemons. A backend
//! persists rows and the change log; it knows nothing of kinds' semantics,
//! caches or watches.
//!
//! # SQLite
//!
//! - Pragmas are set outside any transaction and read back: `journal_mode=WAL`
//!   and `synchronous=FULL` are checked, so a commit is on disk when it returns.
//! - Migrations run in one transaction keyed on `PRAGMA user_version`; a
//!   database newer than this binary is refused.
//! - The writer uses `BEGIN IMMEDIATE`; readers of the change log have their
//!   own connection (WAL lets them run beside the writer).

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// What a change did to an object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChangeType {
    Added,
    Modified,
    Deleted,
}

impl ChangeType {
    fn to_i64(self) -> i64 {
        match self {
            ChangeType::Added => 0,
            ChangeType::Modified => 1,
            ChangeType::Deleted => 2,
        }
    }

    fn from_i64(v: i64) -> Option<Self> {
        match v {
            0 => Some(ChangeType::Added),
            1 => Some(ChangeType::Modified),
            2 => Some(ChangeType::Deleted),
            _ => None,
        }
    }

    /// `ADDED`, `MODIFIED` or `DELETED`, as watch events name them.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeType::Added => "ADDED",
            ChangeType::Modified => "MODIFIED",
            ChangeType::Deleted => "DELETED",
        }
    }
}

/// One row change: the object's JSON after the change (before, for deletes).
#[derive(Clone, Debug)]
pub struct Change {
    pub rev: u64,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub type_: ChangeType,
    pub data: bytes::Bytes,
}

/// Everything the store needs at startup.
#[derive(Debug, Default)]
pub struct Loaded {
    /// `(kind, json)` of every live object.
    pub objects: Vec<(String, Vec<u8>)>,
    /// `(namespace, name)` of each of `objects`, in the same order.
    pub ids: Vec<(String, String)>,
    pub revision: u64,
    /// Changes at or below this revision are gone from the log.
    pub compacted: u64,
}

/// Errors of the durable layer.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    #[error("opening database {path}: {source}")]
    Open {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error(
        "database {path} has schema version {found}, newer than this ork ({supported}); upgrade ork"
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error("database setting {pragma} is {found:?}, expected {expected:?}")]
    Pragma {
        pragma: &'static str,
        found: String,
        expected: &'static str,
    },
    #[error("database: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("database holds a change of unknown type {0}")]
    Corrupt(i64),
    #[error("{0}")]
    Sealed(String),
    #[error("this store cannot {0}")]
    Unsupported(&'static str),
    /// The store moved on since the group was computed (another control
    /// daemon committed first): nothing was written. Computing the group
    /// again against revision `current` may succeed.
    #[error("{message}")]
    Raced { current: u64, message: String },
    /// This control daemon lost the lead its commits are fenced with:
    /// nothing was written, and nothing it computes will be until it leads
    /// again.
    #[error("{0}")]
    Fenced(String),
    /// The store did not answer (etcd without a quorum): the write may or
    /// may not have happened; the cache follows what did.
    #[error("{0}")]
    Unavailable(String),
    #[error("etcd: {0}")]
    Etcd(String),
}

/// What a shared backend reports of commits made by anyone.
#[derive(Debug)]
pub enum Followed {
    /// The changes of one commit, oldest first, and the revision it reached.
    /// Deletes carry no data.
    Group { revision: u64, changes: Vec<Change> },
    /// The backend lost track (its history was compacted): everything as it
    /// is now.
    Reset(Loaded),
}

/// Where a shared backend delivers what it follows; `false` when nobody
/// listens any more (the follower stops).
pub type Sink = Box<dyn Fn(Followed) -> bool + Send + Sync>;

/// Rewrites one row's data: `(namespace, name, data) -> new data`.
pub type Rewrite<'a> = dyn Fn(&str, &str, &[u8]) -> Result<Vec<u8>, super::sealed::SealError> + 'a;

/// The durable store. Called only from the store's writer thread, except
/// [`Backend::changes_since`], which readers call.
pub trait Backend: Send + Sync + 'static {
    fn load(&self) -> Result<Loaded, BackendError>;
    /// Writes all changes and the new revision in one durable transaction.
    fn commit(&self, changes: &[Change], revision: u64) -> Result<(), BackendError>;
    /// Changes with `rev > after`, oldest first, at most `limit`.
    fn changes_since(&self, after: u64, limit: usize) -> Result<Vec<Change>, BackendError>;
    /// Drops log entries at or below `upto`.
    fn compact(&self, upto: u64) -> Result<(), BackendError>;
    /// Folds what is pending into the main file, on a clean stop.
    fn checkpoint(&self) -> Result<(), BackendError> {
        Ok(())
    }
    /// Re-encrypts every Secret under a new key: `(key id, secrets)`.
    fn rotate_key(&self) -> Result<(u32, usize), BackendError> {
        Err(BackendError::Unsupported("rotate keys"))
    }
    /// Rewrites the data of every row of a kind (objects and change log) in
    /// one transaction: `f(namespace, name, data)`. Returns the objects changed.
    fn rewrite_kind(&self, _kind: &str, _f: &Rewrite<'_>) -> Result<usize, BackendError> {
        Err(BackendError::Unsupported("rewrite rows"))
    }
    /// For a backend other control daemons write too: delivers to `sink`,
    /// in order, every commit made after [`Backend::load`] (this daemon's
    /// own included). A backend only this daemon writes delivers nothing.
    fn follow(&self, _sink: Sink) -> Result<(), BackendError> {
        Ok(())
    }
    /// Whether other control daemons commit to this backend too, so a
    /// commit can find the store moved on ([`BackendError::Raced`]).
    fn shared(&self) -> bool {
        false
    }
    /// After commits overtaken again and again: asks the other control
    /// daemons to hold their commits until this one's next commit lands (or
    /// [`Backend::release_turn`], or a few seconds pass). Returns the
    /// revision the store is at, to compute that commit against.
    fn take_turn(&self) -> Result<u64, BackendError> {
        Ok(0)
    }
    /// Lets the other control daemons commit again when a commit taken the
    /// turn for gives up.
    fn release_turn(&self) {}
}

/// A shared backend is still one backend (the daemon keeps a handle to
/// its etcd for leader election).
impl<B: Backend> Backend for std::sync::Arc<B> {
    fn load(&self) -> Result<Loaded, BackendError> {
        (**self).load()
    }
    fn commit(&self, changes: &[Change], revision: u64) -> Result<(), BackendError> {
        (**self).commit(changes, revision)
    }
    fn changes_since(&self, after: u64, limit: usize) -> Result<Vec<Change>, BackendError> {
        (**self).changes_since(after, limit)
    }
    fn compact(&self, upto: u64) -> Result<(), BackendError> {
        (**self).compact(upto)
    }
    fn checkpoint(&self) -> Result<(), BackendError> {
        (**self).checkpoint()
    }
    fn rotate_key(&self) -> Result<(u32, usize), BackendError> {
        (**self).rotate_key()
    }
    fn rewrite_kind(&self, kind: &str, f: &Rewrite<'_>) -> Result<usize, BackendError> {
        (**self).rewrite_kind(kind, f)
    }
    fn follow(&self, sink: Sink) -> Result<(), BackendError> {
        (**self).follow(sink)
    }
    fn shared(&self) -> bool {
        (**self).shared()
    }
    fn take_turn(&self) -> Result<u64, BackendError> {
        (**self).take_turn()
    }
    fn release_turn(&self) {
        (**self).release_turn()
    }
}

/// Schema versions, applied in order inside one transaction.
const MIGRATIONS: &[&str] = &[
    // 1: objects, the change log, counters.
    "CREATE TABLE objects (
        kind TEXT NOT NULL,
        namespace TEXT NOT NULL,
        name TEXT NOT NULL,
        rev INTEGER NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (kind, namespace, name)
    ) WITHOUT ROWID;
    CREATE TABLE changes (
        rev INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        namespace TEXT NOT NULL,
        name TEXT NOT NULL,
        type INTEGER NOT NULL,
        data BLOB NOT NULL
    );
    CREATE TABLE counters (
        name TEXT PRIMARY KEY,
        value INTEGER NOT NULL
    ) WITHOUT ROWID;
    INSERT INTO counters (name, value) VALUES ('revision', 0), ('compacted', 0);",
];

/// SQLite in WAL mode with `synchronous=FULL`.
pub struct Sqlite {
    path: PathBuf,
    writer: Mutex<Connection>,
    reader: Mutex<Connection>,
}

fn pragma_text(conn: &Connection, pragma: &str) -> Result<String, rusqlite::Error> {
    conn.query_row(&format!("PRAGMA {pragma}"), [], |r| {
        let v: rusqlite::types::Value = r.get(0)?;
        Ok(match v {
            rusqlite::types::Value::Integer(i) => i.to_string(),
            rusqlite::types::Value::Text(s) => s,
            other => format!("{other:?}"),
        })
    })
}

fn configure(conn: &Connection) -> Result<(), BackendError> {
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(BackendError::Pragma {
            pragma: "journal_mode",
            found: mode,
            expected: "wal",
        });
    }
    // A checkpointed WAL is cut back to 16 MiB, so a burst of writes does not
    // leave a large file behind.
    conn.execute_batch(
        "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA journal_size_limit=16777216;",
    )?;
    let sync = pragma_text(conn, "synchronous")?;
    if sync != "2" {
        return Err(BackendError::Pragma {
            pragma: "synchronous",
            found: sync,
            expected: "2 (FULL)",
        });
    }
    Ok(())
}

impl Sqlite {
    /// Opens (creating if needed) the database, checks its settings and
    /// migrates it to the current schema.
    pub fn open(path: &Path) -> Result<Self, BackendError> {
        let open = |flags| {
            Connection::open_with_flags(path, flags).map_err(|source| BackendError::Open {
                path: path.to_path_buf(),
                source,
            })
        };
        let mut writer = open(OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE)?;
        configure(&writer)?;
        Self::migrate(path, &mut writer)?;
        let reader = open(OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        reader.busy_timeout(std::time::Duration::from_secs(10))?;
        Ok(Sqlite {
            path: path.to_path_buf(),
            writer: Mutex::new(writer),
            reader: Mutex::new(reader),
        })
    }

    fn migrate(path: &Path, conn: &mut Connection) -> Result<(), BackendError> {
        let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let supported = MIGRATIONS.len() as i64;
        if current > supported {
            return Err(BackendError::TooNew {
                path: path.to_path_buf(),
                found: current,
                supported,
            });
        }
        if current == supported {
            return Ok(());
        }
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        for (i, step) in MIGRATIONS.iter().enumerate().skip(current as usize) {
            tx.execute_batch(step)?;
            tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        }
        tx.commit()?;
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The value of a pragma on the writer connection (for checks and tests).
    pub fn pragma(&self, name: &str) -> Result<String, BackendError> {
        let conn = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        Ok(pragma_text(&conn, name)?)
    }
}

fn counter(conn: &Connection, name: &str) -> Result<u64, rusqlite::Error> {
    let v: Option<i64> = conn
        .query_row(
            "SELECT value FROM counters WHERE name = ?1",
            params![name],
            |r| r.get(0),
        )
        .optional()?;
    Ok(v.unwrap_or(0) as u64)
}

impl Backend for Sqlite {
    fn load(&self) -> Result<Loaded, BackendError> {
        let conn = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let mut stmt = conn.prepare("SELECT kind, namespace, name, data FROM objects")?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Vec<u8>>(3)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let mut objects = Vec::with_capacity(rows.len());
        let mut ids = Vec::with_capacity(rows.len());
        for (kind, ns, name, data) in rows {
            objects.push((kind, data));
            ids.push((ns, name));
        }
        Ok(Loaded {
            objects,
            ids,
            revision: counter(&conn, "revision")?,
            compacted: counter(&conn, "compacted")?,
        })
    }

    fn commit(&self, changes: &[Change], revision: u64) -> Result<(), BackendError> {
        let mut conn = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        {
            let mut upsert = tx.prepare_cached(
                "INSERT INTO objects (kind, namespace, name, rev, data) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (kind, namespace, name) DO UPDATE SET rev = excluded.rev, data = excluded.data",
            )?;
            let mut delete = tx.prepare_cached(
                "DELETE FROM objects WHERE kind = ?1 AND namespace = ?2 AND name = ?3",
            )?;
            let mut log = tx.prepare_cached(
                "INSERT INTO changes (rev, kind, namespace, name, type, data) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for c in changes {
                match c.type_ {
                    ChangeType::Deleted => {
                        delete.execute(params![c.kind, c.namespace, c.name])?;
                    }
                    _ => {
                        upsert.execute(params![
                            c.kind,
                            c.namespace,
                            c.name,
                            c.rev as i64,
                            c.data.as_ref()
                        ])?;
                    }
                }
                log.execute(params![
                    c.rev as i64,
                    c.kind,
                    c.namespace,
                    c.name,
                    c.type_.to_i64(),
                    c.data.as_ref()
                ])?;
            }
            tx.execute(
                "UPDATE counters SET value = ?1 WHERE name = 'revision'",
                params![revision as i64],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    fn changes_since(&self, after: u64, limit: usize) -> Result<Vec<Change>, BackendError> {
        let conn = self.reader.lock().unwrap_or_else(|e| e.into_inner());
        let mut stmt = conn.prepare_cached(
            "SELECT rev, kind, namespace, name, type, data FROM changes WHERE rev > ?1 ORDER BY rev LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![after as i64, limit as i64], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, Vec<u8>>(5)?,
            ))
        })?;
        let mut out = vec![];
        for row in rows {
            let (rev, kind, namespace, name, t, data) = row?;
            out.push(Change {
                rev: rev as u64,
                kind,
                namespace,
                name,
                type_: ChangeType::from_i64(t).ok_or(BackendError::Corrupt(t))?,
                data: data.into(),
            });
        }
        Ok(out)
    }

    /// Copies the WAL into the database file and truncates it.
    fn rewrite_kind(&self, kind: &str, f: &Rewrite<'_>) -> Result<usize, BackendError> {
        let mut conn = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let objects: Vec<(String, String, Vec<u8>)> = tx
            .prepare("SELECT namespace, name, data FROM objects WHERE kind = ?1")?
            .query_map(params![kind], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?;
        for (ns, name, data) in &objects {
            tx.execute(
                "UPDATE objects SET data = ?4 WHERE kind = ?1 AND namespace = ?2 AND name = ?3",
                params![kind, ns, name, f(ns, name, data)?],
            )?;
        }
        let changes: Vec<(i64, String, String, Vec<u8>)> = tx
            .prepare("SELECT rev, namespace, name, data FROM changes WHERE kind = ?1")?
            .query_map(params![kind], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?
            .collect::<Result<_, _>>()?;
        for (rev, ns, name, data) in &changes {
            tx.execute(
                "UPDATE changes SET data = ?2 WHERE rev = ?1",
                params![rev, f(ns, name, data)?],
            )?;
        }
        tx.commit()?;
        Ok(objects.len())
    }

    fn checkpoint(&self) -> Result<(), BackendError> {
        let conn = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }

    fn compact(&self, upto: u64) -> Result<(), BackendError> {
        let mut conn = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute("DELETE FROM changes WHERE rev <= ?1", params![upto as i64])?;
        tx.execute(
            "UPDATE counters SET value = MAX(value, ?1) WHERE name = 'compacted'",
            params![upto as i64],
        )?;
        tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(rev: u64, name: &str, t: ChangeType) -> Change {
        Change {
            rev,
            kind: "Pod".into(),
            namespace: "default".into(),
            name: name.into(),
            type_: t,
            data: bytes::Bytes::from(format!("{{\"n\":\"{name}\",\"rev\":{rev}}}")),
        }
    }

    #[test]
    fn opening_turns_on_wal_and_full_sync() {
        let dir = tempfile::tempdir().unwrap();
        let db = Sqlite::open(&dir.path().join("ork.db")).unwrap();
        assert_eq!(db.pragma("journal_mode").unwrap(), "wal");
        assert_eq!(db.pragma("synchronous").unwrap(), "2");
        assert_eq!(
            db.pragma("user_version").unwrap(),
            MIGRATIONS.len().to_string()
        );
    }

    #[test]
    fn committed_rows_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ork.db");
        {
            let db = Sqlite::open(&path).unwrap();
            db.commit(
                &[
                    change(1, "a", ChangeType::Added),
                    change(2, "b", ChangeType::Added),
                ],
                2,
            )
            .unwrap();
            db.commit(&[change(3, "a", ChangeType::Deleted)], 3)
                .unwrap();
        }
        let db = Sqlite::open(&path).unwrap();
        let loaded = db.load().unwrap();
        assert_eq!(loaded.revision, 3);
        assert_eq!(loaded.objects.len(), 1);
        assert!(String::from_utf8_lossy(&loaded.objects[0].1).contains("\"b\""));
        let log = db.changes_since(1, 100).unwrap();
        assert_eq!(log.iter().map(|c| c.rev).collect::<Vec<_>>(), vec![2, 3]);
        assert_eq!(log[1].type_, ChangeType::Deleted);
    }

    #[test]
    fn compaction_drops_old_log_entries_and_remembers_where() {
        let dir = tempfile::tempdir().unwrap();
        let db = Sqlite::open(&dir.path().join("ork.db")).unwrap();
        let changes: Vec<_> = (1..=10)
            .map(|i| change(i, &format!("p{i}"), ChangeType::Added))
            .collect();
        db.commit(&changes, 10).unwrap();
        db.compact(7).unwrap();
        assert_eq!(db.changes_since(0, 100).unwrap().len(), 3);
        assert_eq!(db.load().unwrap().compacted, 7);
        db.compact(3).unwrap();
        assert_eq!(
            db.load().unwrap().compacted,
            7,
            "compaction never goes back"
        );
    }

    #[test]
    fn a_database_from_a_newer_ork_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ork.db");
        drop(Sqlite::open(&path).unwrap());
        {
            let conn = Connection::open(&path).unwrap();
            conn.pragma_update(None, "user_version", 99).unwrap();
        }
        match Sqlite::open(&path) {
            Err(BackendError::TooNew { found: 99, .. }) => {}
            Err(other) => panic!("unexpected error {other}"),
            Ok(_) => panic!("a newer database must be refused"),
        }
    }

    #[test]
    fn a_failed_migration_rolls_back_and_keeps_rows() {
        // A version-0 database with a stray table named like ours: migration 1
        // fails, and the database must stay exactly as it was.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ork.db");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch("CREATE TABLE changes (x); INSERT INTO changes VALUES (42);")
                .unwrap();
        }
        assert!(Sqlite::open(&path).is_err());
        let conn = Connection::open(&path).unwrap();
        let v: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, 0);
        let x: i64 = conn
            .query_row("SELECT x FROM changes", [], |r| r.get(0))
            .unwrap();
        assert_eq!(x, 42);
        let objects: Option<String> = conn
            .query_row(
                "SELECT name FROM sqlite_master WHERE name = 'objects'",
                [],
                |r| r.get(0),
            )
            .optional()
            .unwrap();
        assert_eq!(objects, None, "the half-run migration was rolled back");
    }
}
