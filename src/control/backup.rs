//! Snapshots of the whole store and their file format: what `ork backup`
//! downloads, what the control daemon writes on a schedule, what `ork
//! restore` and `ork migrate` write into an empty [`Backend`].
//!
//! # Format (`ork-backup/v1`)
//!
//! A gzip stream of JSON lines. The first line is the [`Header`]: format,
//! ork version, the revision the snapshot is consistent at, the object
//! count and the id of the key its Secrets are sealed with (never the key).
//! Each further line is one [`Row`]: kind, namespace, name, the object's
//! revision and its JSON as stored (`data`), or for a Secret its sealed
//! bytes (`sealed`, base64) as the store keeps them at rest.
//!
//! # Guarantees
//!
//! - A snapshot holds every object of every kind at one revision (the
//!   store's read of every kind at a fixed revision), whatever is written
//!   meanwhile.
//! - No Secret is in plaintext in a backup; restoring one needs the key file.
//! - [`write_rows`] refuses a backend that holds anything, and leaves the
//!   change log empty and compacted at the written revision, so a watcher
//!   from before resumes with a 410 and lists again.
//!
//! It reads the store through its public API only (lists at a revision,
//! [`Backend`]'s load and commit) and must not import the HTTP layer,
//! controllers or `cli`.

use crate::api::{AnyObject, Kind};
use crate::control::store::backend::{Change, ChangeType};
use crate::control::store::sealed::{KEY_FILE, Keyring, SealError};
use crate::control::store::{Backend, BackendError, Entry, Store, StoreError};
use base64::Engine;
use serde::{Deserialize, Serialize};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The format this ork writes and reads.
pub const FORMAT: &str = "ork-backup/v1";
/// How far a restore moves the revision past the backup's by default, so
/// that a node or client which watched the old cluster past the backup's
/// revision never resumes from a revision the restored cluster reuses.
pub const DEFAULT_BUMP: u64 = 1_000_000_000;
/// Scheduled backups are named `ork-backup-<UTC time>.jsonl.gz`.
const SCHEDULED_PREFIX: &str = "ork-backup-";
const SCHEDULED_SUFFIX: &str = ".jsonl.gz";

/// What went wrong taking, reading or writing a backup.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// The store changed faster than a snapshot could be read.
    #[error("the store changed too fast to read every kind at one revision; try again")]
    Busy,
    #[error("reading the store: {0}")]
    Store(#[from] StoreError),
    #[error("the store: {0}")]
    Backend(#[from] BackendError),
    #[error("{path}: {message}")]
    Keys { path: PathBuf, message: String },
    #[error("secret keys: {0}")]
    Seal(#[from] SealError),
    #[error("writing the backup: {0}")]
    Write(#[source] std::io::Error),
    /// The file is not a backup this ork reads, or is damaged.
    #[error("not a readable ork backup: {0}")]
    Format(String),
    #[error("{0}")]
    Refused(String),
    #[error("{what} {path}: {source}")]
    Io {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The first line of a backup.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Header {
    pub format: String,
    pub ork_version: String,
    /// Every object is as it was at this revision.
    pub revision: u64,
    /// How many rows follow.
    pub objects: usize,
    /// The id of the key the Secrets are sealed with (a line of `secret.key`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealing_key_id: Option<u32>,
    /// When it was taken (RFC 3339).
    pub created: String,
}

/// One object of a backup.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Row {
    pub kind: String,
    #[serde(default)]
    pub namespace: String,
    pub name: String,
    /// The revision of the object's last write.
    pub rev: u64,
    /// The object's JSON (every kind but Secret).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    /// The Secret's JSON sealed with the sealing key, base64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed: Option<String>,
}

impl Row {
    /// The bytes as the store keeps them at rest (sealed for Secrets).
    pub fn stored_bytes(&self) -> Result<Vec<u8>, BackupError> {
        match (&self.data, &self.sealed) {
            (Some(d), None) => Ok(d.clone().into_bytes()),
            (None, Some(s)) => base64::engine::general_purpose::STANDARD
                .decode(s)
                .map_err(|e| self.bad(&format!("sealed data is not base64: {e}"))),
            _ => Err(self.bad("needs exactly one of data and sealed")),
        }
    }

    fn bad(&self, m: &str) -> BackupError {
        BackupError::Format(format!(
            "{} {}/{}: {m}",
            self.kind, self.namespace, self.name
        ))
    }
}

/// Every object at one revision.
pub struct Snapshot {
    pub revision: u64,
    pub entries: Vec<Entry>,
}

/// Reads every kind at one revision. Lists each kind at the revision the
/// first list saw; should the changes since then have left the store's
/// memory (a very busy store), starts again, a few times.
pub fn snapshot(store: &Store) -> Result<Snapshot, BackupError> {
    'attempt: for _ in 0..5 {
        let revision = store.revision();
        let mut entries = vec![];
        for kind in Kind::ALL {
            match store.list_entries_at(kind, None, revision, |_| true) {
                Ok((items, _)) => entries.extend(items),
                Err(StoreError::Expired { .. }) => continue 'attempt,
                Err(e) => return Err(e.into()),
            }
        }
        return Ok(Snapshot { revision, entries });
    }
    Err(BackupError::Busy)
}

/// The sealing keys of a control daemon's data dir (`secret.key`); an
/// error when it has none (nothing is created).
pub fn keyring(data_dir: &Path) -> Result<Keyring, BackupError> {
    let path = data_dir.join(KEY_FILE);
    if !path.is_file() {
        return Err(BackupError::Keys {
            path,
            message: "no sealing key file; the Secrets cannot be backed up sealed".into(),
        });
    }
    Ok(Keyring::load_or_create(data_dir)?)
}

/// The header a snapshot is written with.
pub fn header(snap: &Snapshot, ring: &Keyring) -> Header {
    let secrets = snap.entries.iter().any(|e| e.obj.kind() == Kind::Secret);
    Header {
        format: FORMAT.into(),
        ork_version: env!("CARGO_PKG_VERSION").into(),
        revision: snap.revision,
        objects: snap.entries.len(),
        sealing_key_id: secrets.then(|| ring.current()),
        created: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    }
}

/// Writes a snapshot as a backup (gzip'd JSON lines) into `w`, sealing
/// Secrets with the current key of `ring`.
pub fn write(
    snap: &Snapshot,
    head: &Header,
    ring: &Keyring,
    w: impl Write,
) -> Result<(), BackupError> {
    let mut gz = flate2::write::GzEncoder::new(
        std::io::BufWriter::with_capacity(1 << 16, w),
        flate2::Compression::fast(),
    );
    line(&mut gz, head)?;
    for e in &snap.entries {
        let m = e.obj.meta();
        let kind = e.obj.kind();
        let mut row = Row {
            kind: kind.as_str().to_string(),
            namespace: m.namespace.clone(),
            name: m.name.clone(),
            rev: e.rev(),
            data: None,
            sealed: None,
        };
        if kind == Kind::Secret {
            let sealed = ring.seal(&m.namespace, &m.name, &e.json);
            row.sealed = Some(base64::engine::general_purpose::STANDARD.encode(sealed));
        } else {
            row.data = Some(String::from_utf8_lossy(&e.json).into_owned());
        }
        line(&mut gz, &row)?;
    }
    let mut inner = gz.finish().map_err(BackupError::Write)?;
    inner.flush().map_err(BackupError::Write)
}

/// One JSON line.
fn line(w: &mut impl Write, v: &impl Serialize) -> Result<(), BackupError> {
    serde_json::to_writer(&mut *w, v).map_err(|e| BackupError::Write(std::io::Error::other(e)))?;
    w.write_all(b"\n").map_err(BackupError::Write)
}

/// A backup read back: its header and every row, checked against the
/// header (format, count) and against ork's kinds (each non-Secret object
/// decodes as its kind).
pub struct Read {
    pub header: Header,
    pub rows: Vec<Row>,
}

impl Read {
    /// Rows that are Secrets.
    pub fn secrets(&self) -> usize {
        self.rows.iter().filter(|r| r.sealed.is_some()).count()
    }
}

/// Reads and checks a whole backup.
pub fn read(r: impl std::io::Read) -> Result<Read, BackupError> {
    let gz = flate2::read::GzDecoder::new(r);
    let mut lines = std::io::BufReader::with_capacity(1 << 16, gz).lines();
    let bad = |m: String| BackupError::Format(m);
    let first = lines
        .next()
        .ok_or_else(|| bad("the file is empty".into()))?
        .map_err(|e| bad(format!("line 1: {e}")))?;
    let header: Header =
        serde_json::from_str(&first).map_err(|e| bad(format!("line 1 (the header): {e}")))?;
    if header.format != FORMAT {
        return Err(bad(format!(
            "format {:?}; this ork reads {FORMAT:?}",
            header.format
        )));
    }
    let mut rows = Vec::with_capacity(header.objects);
    for (i, line) in lines.enumerate() {
        let n = i + 2;
        let line = line.map_err(|e| bad(format!("line {n}: {e} (a damaged or cut file)")))?;
        if line.trim().is_empty() {
            continue;
        }
        let row: Row = serde_json::from_str(&line).map_err(|e| bad(format!("line {n}: {e}")))?;
        let kind = kind_of(&row.kind).ok_or_else(|| {
            bad(format!(
                "line {n}: unknown kind {:?} (a newer ork's backup?)",
                row.kind
            ))
        })?;
        if (kind == Kind::Secret) != row.sealed.is_some()
            || row.sealed.is_some() == row.data.is_some()
        {
            return Err(bad(format!(
                "line {n}: a Secret carries `sealed`, every other kind `data`"
            )));
        }
        if let Some(d) = &row.data {
            AnyObject::from_json(kind, d.as_bytes())
                .map_err(|e| bad(format!("line {n}: {} {}: {e}", row.kind, row.name)))?;
        }
        rows.push(row);
    }
    if rows.len() != header.objects {
        return Err(bad(format!(
            "the header announces {} objects, the file holds {} (a cut file?)",
            header.objects,
            rows.len()
        )));
    }
    Ok(Read { header, rows })
}

fn kind_of(name: &str) -> Option<Kind> {
    Kind::ALL.into_iter().find(|k| k.as_str() == name)
}

/// Checks that every sealed Secret opens with `ring` (and decodes as a
/// Secret), before anything is written.
pub fn check_secrets(rows: &[Row], ring: &Keyring) -> Result<(), BackupError> {
    for r in rows.iter().filter(|r| r.sealed.is_some()) {
        let plain = ring.open(&r.namespace, &r.name, &r.stored_bytes()?)?;
        AnyObject::from_json(Kind::Secret, &plain)
            .map_err(|e| r.bad(&format!("does not decode after opening: {e}")))?;
    }
    Ok(())
}

/// A row and its bytes as the store keeps them (Secrets sealed).
pub type Stored = (Row, Vec<u8>);

/// Rows per commit when writing into a backend.
const CHUNK: usize = 5_000;

/// Writes rows (stored bytes: Secrets sealed) into an empty backend at
/// `revision`, then compacts its change log to that revision. Rows with
/// the same revision (a store that writes several objects at one revision)
/// go into different commits. Returns what the backend loads afterwards:
/// `(objects, revision)`, which the caller compares with what it wrote.
pub fn write_rows(
    backend: &dyn Backend,
    rows: &[Stored],
    revision: u64,
) -> Result<(usize, u64), BackupError> {
    let before = backend.load()?;
    if !before.objects.is_empty() || before.revision != 0 {
        return Err(BackupError::Refused(format!(
            "the target store is not empty ({} objects, revision {})",
            before.objects.len(),
            before.revision
        )));
    }
    if let Some((r, _)) = rows.iter().find(|(r, _)| r.rev > revision) {
        return Err(BackupError::Format(format!(
            "{} {}/{} has revision {}, newer than the snapshot's {revision}",
            r.kind, r.namespace, r.name, r.rev
        )));
    }
    let mut chunk: Vec<Change> = Vec::with_capacity(CHUNK);
    let mut revs = std::collections::HashSet::new();
    let flush = |chunk: &mut Vec<Change>, revs: &mut std::collections::HashSet<u64>| {
        backend.commit(chunk, revision)?;
        backend.compact(revision)?;
        chunk.clear();
        revs.clear();
        Ok::<_, BackendError>(())
    };
    for (r, bytes) in rows {
        if chunk.len() >= CHUNK || revs.contains(&r.rev) {
            flush(&mut chunk, &mut revs)?;
        }
        revs.insert(r.rev);
        chunk.push(Change {
            rev: r.rev,
            kind: r.kind.clone(),
            namespace: r.namespace.clone(),
            name: r.name.clone(),
            type_: ChangeType::Added,
            data: bytes.clone().into(),
        });
    }
    flush(&mut chunk, &mut revs)?;
    backend.checkpoint()?;
    let after = backend.load()?;
    Ok((after.objects.len(), after.revision))
}

/// The rows a backend holds, as a backup would carry them (Secrets as
/// stored; `ring` opens them to read their revision), and its revision:
/// the source of `ork migrate`.
pub fn rows_of(backend: &dyn Backend, ring: &Keyring) -> Result<(Vec<Stored>, u64), BackupError> {
    let loaded = backend.load()?;
    let mut rows = Vec::with_capacity(loaded.objects.len());
    for ((kind, data), (namespace, name)) in loaded.objects.into_iter().zip(loaded.ids) {
        let k = kind_of(&kind)
            .ok_or_else(|| BackupError::Format(format!("the store holds unknown kind {kind:?}")))?;
        let plain = if k == Kind::Secret {
            std::borrow::Cow::Owned(ring.open(&namespace, &name, &data)?)
        } else {
            std::borrow::Cow::Borrowed(&data[..])
        };
        let rev = AnyObject::from_json(k, &plain)
            .map_err(|e| BackupError::Format(format!("{kind} {namespace}/{name}: {e}")))?
            .meta()
            .revision();
        rows.push((
            Row {
                kind,
                namespace,
                name,
                rev,
                data: None,
                sealed: None,
            },
            data,
        ));
    }
    Ok((rows, loaded.revision))
}

/// Takes a snapshot and writes it to `path` (0600; through a temporary
/// file, so a reader never sees half of it). Returns its header.
pub fn write_file(store: &Store, data_dir: &Path, path: &Path) -> Result<Header, BackupError> {
    let ring = keyring(data_dir)?;
    let snap = snapshot(store)?;
    let head = header(&snap, &ring);
    let tmp = path.with_extension("partial");
    let io = |what, source| BackupError::Io {
        what,
        path: tmp.clone(),
        source,
    };
    let f = private_file(&tmp).map_err(|e| io("creating", e))?;
    let written = write(&snap, &head, &ring, &f)
        .and_then(|_| f.sync_all().map_err(|e| io("syncing", e)))
        .and_then(|_| std::fs::rename(&tmp, path).map_err(|e| io("renaming", e)));
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written.map(|_| head)
}

/// Creates (or truncates) a file only its owner may read and write.
pub fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    Ok(f)
}

/// The scheduled backups in `dir`, oldest first.
fn scheduled_files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(SCHEDULED_PREFIX) && n.ends_with(SCHEDULED_SUFFIX))
        })
        .collect();
    // The names carry the UTC time, so their order is their age.
    out.sort();
    out
}

/// Which of `files` (oldest first) to delete so that `keep` remain.
pub fn to_rotate(files: &[PathBuf], keep: usize) -> &[PathBuf] {
    &files[..files.len().saturating_sub(keep)]
}

/// How the control daemon backs itself up.
#[derive(Clone, Debug)]
pub struct Schedule {
    pub every: Duration,
    /// Newest backups kept; older ones are deleted after each new one.
    pub keep: usize,
    pub dir: PathBuf,
}

/// Writes a backup into `schedule.dir` every `schedule.every` and keeps the
/// newest `schedule.keep`, until `stop` turns true.
pub async fn run_schedule(
    store: Store,
    data_dir: PathBuf,
    schedule: Schedule,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(schedule.every) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
        let (store, data_dir, s) = (store.clone(), data_dir.clone(), schedule.clone());
        let done = tokio::task::spawn_blocking(move || backup_once(&store, &data_dir, &s)).await;
        match done {
            Ok(Ok((path, head))) => tracing::info!(
                file = %path.display(),
                objects = head.objects,
                revision = head.revision,
                "scheduled backup written"
            ),
            Ok(Err(e)) => tracing::warn!(error = %e, "scheduled backup failed"),
            Err(e) => tracing::warn!(error = %e, "scheduled backup failed"),
        }
    }
}

fn backup_once(
    store: &Store,
    data_dir: &Path,
    s: &Schedule,
) -> Result<(PathBuf, Header), BackupError> {
    crate::sys::private_dir(&s.dir).map_err(|e| BackupError::Io {
        what: "creating",
        path: s.dir.clone(),
        source: std::io::Error::other(e.to_string()),
    })?;
    let name = format!(
        "{SCHEDULED_PREFIX}{}{SCHEDULED_SUFFIX}",
        chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ")
    );
    let path = s.dir.join(name);
    let head = write_file(store, data_dir, &path)?;
    for old in to_rotate(&scheduled_files(&s.dir), s.keep) {
        if let Err(e) = std::fs::remove_file(old) {
            tracing::warn!(file = %old.display(), error = %e, "removing an old backup failed");
        }
    }
    Ok((path, head))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{ConfigMap, Secret, new_object};
    use crate::control::store::Sqlite;
    use crate::control::store::sealed::Sealed;
    use std::sync::Arc;

    fn sealed_store(dir: &Path) -> Store {
        let ring = Keyring::load_or_create(dir).unwrap();
        let backend = Sealed::new(Sqlite::open(&dir.join("ork.db")).unwrap(), ring);
        Store::open(Arc::new(backend)).unwrap()
    }

    async fn seeded(dir: &Path) -> Store {
        let store = sealed_store(dir);
        crate::control::daemon::ensure_namespace(&store, "default")
            .await
            .unwrap();
        for i in 0..20 {
            let mut cm = new_object::<ConfigMap>("default", &format!("cm{i}"));
            cm.data.insert("k".into(), format!("v{i}"));
            store.create(cm).await.unwrap();
        }
        let mut s = new_object::<Secret>("default", "db");
        s.data.insert("password".into(), "aHVudGVyMg==".into());
        store.create(s).await.unwrap();
        store
    }

    #[tokio::test]
    async fn a_backup_restores_every_object_with_its_secret_still_sealed() {
        let old = tempfile::tempdir().unwrap();
        let store = seeded(old.path()).await;
        let file = old.path().join("b.jsonl.gz");
        let head = write_file(&store, old.path(), &file).unwrap();
        assert_eq!(head.objects, 22);
        assert_eq!(head.revision, store.revision());
        assert_eq!(head.sealing_key_id, Some(1));
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(&file).unwrap().permissions(),
        );
        assert_eq!(mode & 0o777, 0o600);
        // No plaintext of the Secret anywhere in the file.
        let mut plain = vec![];
        std::io::Read::read_to_end(
            &mut flate2::read::GzDecoder::new(std::fs::File::open(&file).unwrap()),
            &mut plain,
        )
        .unwrap();
        assert!(!plain.windows(12).any(|w| w == b"aHVudGVyMg=="));
        assert!(
            plain.windows(3).any(|w| w == b"cm7"),
            "other kinds are readable"
        );

        let back = read(std::fs::File::open(&file).unwrap()).unwrap();
        assert_eq!(back.rows.len(), 22);
        assert_eq!(back.secrets(), 1);
        // Into a new data dir with the old key file: everything, opened.
        let new = tempfile::tempdir().unwrap();
        std::fs::copy(old.path().join(KEY_FILE), new.path().join(KEY_FILE)).unwrap();
        let ring = Keyring::load_or_create(new.path()).unwrap();
        check_secrets(&back.rows, &ring).unwrap();
        let rows: Vec<_> = back
            .rows
            .iter()
            .map(|r| (r.clone(), r.stored_bytes().unwrap()))
            .collect();
        let target = Sqlite::open(&new.path().join("ork.db")).unwrap();
        let (n, rev) = write_rows(&target, &rows, head.revision + 1000).unwrap();
        assert_eq!((n, rev), (22, head.revision + 1000));
        drop(target);
        let restored = sealed_store(new.path());
        assert_eq!(restored.list::<ConfigMap>(None).len(), 20);
        let s = restored.get::<Secret>("default", "db").unwrap();
        assert_eq!(s.data["password"], "aHVudGVyMg==");
        // A watcher from before the restore lists again.
        assert!(matches!(
            restored.watch(None, Some(head.revision)).await,
            Err(StoreError::Expired { .. })
        ));
        // A second write into the same store is refused.
        let again = Sqlite::open(&new.path().join("ork.db")).unwrap();
        assert!(matches!(
            write_rows(&again, &rows, head.revision),
            Err(BackupError::Refused(_))
        ));
    }

    #[tokio::test]
    async fn the_wrong_key_and_a_cut_file_are_refused() {
        let old = tempfile::tempdir().unwrap();
        let store = seeded(old.path()).await;
        let file = old.path().join("b.jsonl.gz");
        write_file(&store, old.path(), &file).unwrap();
        let back = read(std::fs::File::open(&file).unwrap()).unwrap();
        let other = tempfile::tempdir().unwrap();
        let ring = Keyring::load_or_create(other.path()).unwrap();
        let e = check_secrets(&back.rows, &ring).err().unwrap();
        assert!(e.to_string().contains("secret.key"), "{e}");
        // The header announces more rows than there are.
        let mut snap = snapshot(&store).unwrap();
        let ring = keyring(old.path()).unwrap();
        let head = header(&snap, &ring);
        snap.entries.pop();
        let mut buf = vec![];
        write(&snap, &head, &ring, &mut buf).unwrap();
        let e = read(&buf[..]).err().unwrap();
        assert!(e.to_string().contains("announces 22 objects"), "{e}");
        // Not gzip at all.
        assert!(matches!(read(&b"hello"[..]), Err(BackupError::Format(_))));
    }

    #[test]
    fn rotation_keeps_the_newest() {
        let files: Vec<PathBuf> = (1..=5).map(|i| PathBuf::from(format!("{i}"))).collect();
        assert_eq!(to_rotate(&files, 2), &files[..3]);
        assert!(to_rotate(&files, 9).is_empty());
    }
}
