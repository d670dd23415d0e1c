//! `ork backup`, `ork restore`, `ork migrate` and the scheduled-backup flags
//! of `ork control`: argument handling and the file and directory work
//! around [`crate::control::backup`], which owns the format and the store
//! side. A backup goes through the API (any store, online); restore and
//! migrate write a store directly and run offline.
//!
//! # Keys and credentials
//!
//! A backup carries Secrets sealed, and the id of the key that sealed them.
//! Restoring needs that key: `--key-file` (a copy of the old data dir's
//! `secret.key`), or `--credentials-from OLD_DATA_DIR`, which also copies the
//! cluster CA and tokens so that nodes and clients of the old cluster trust
//! and are trusted by the restored one without joining again.

use super::{CliError, Result};
use crate::client::Client;
use crate::control::backup::{self, BackupError};
use crate::control::store::sealed::{KEY_FILE, Keyring};
use crate::control::store::{Backend, Sqlite};
use clap::Args;
use futures::StreamExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Files of a control daemon's data dir that make it the same cluster:
/// the sealing key, the CA, the tokens.
const CREDENTIALS: &[&str] = &[KEY_FILE, "ca.crt", "ca.key", "admin.token", "node.token"];

#[derive(Args, Debug)]
pub struct BackupArgs {
    /// Where to write the backup (gzip'd JSON lines, mode 0600).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

#[derive(Args, Debug)]
pub struct RestoreArgs {
    /// A file written by `ork backup`.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// The new control daemon data dir to create (must not exist or be empty).
    #[arg(long, value_name = "DIR")]
    pub data_dir: PathBuf,
    /// The key file that opens the backup's Secrets (the old data dir's secret.key).
    #[arg(long, value_name = "FILE")]
    pub key_file: Option<PathBuf>,
    /// A copy of the old data dir: its secret.key, CA and tokens are copied,
    /// so the old cluster's nodes and clients keep working.
    #[arg(long, value_name = "DIR")]
    pub credentials_from: Option<PathBuf>,
    /// How far past the backup's revision the restored store starts, so
    /// that no watcher of the old cluster resumes from a reused revision.
    #[arg(long, default_value_t = backup::DEFAULT_BUMP, value_name = "N")]
    pub bump_revision: u64,
}

#[derive(Args, Debug)]
pub struct MigrateArgs {
    /// The data dir of a stopped control daemon.
    #[arg(long, value_name = "DIR")]
    pub from: PathBuf,
    /// The store to fill: a new data dir (must not exist or be empty).
    #[arg(long, value_name = "DIR")]
    pub to: String,
}

/// Scheduled backups of `ork control`.
#[derive(Args, Debug, Clone)]
pub struct ScheduleArgs {
    /// Write a backup this often (e.g. 1h); none by default.
    #[arg(long, value_parser = super::misc::parse_duration, value_name = "DURATION")]
    pub backup_schedule: Option<Duration>,
    /// Scheduled backups kept; older ones are deleted.
    #[arg(long, default_value_t = 24, value_name = "N")]
    pub backup_keep: usize,
    /// Where scheduled backups go [default: DATA_DIR/backups].
    #[arg(long, value_name = "DIR")]
    pub backup_dir: Option<PathBuf>,
}

impl ScheduleArgs {
    /// The schedule, when one is asked for.
    pub fn schedule(&self, data_dir: &Path) -> Result<Option<backup::Schedule>> {
        let Some(every) = self.backup_schedule else {
            return Ok(None);
        };
        if every < Duration::from_secs(1) || self.backup_keep == 0 {
            return Err(CliError::Usage(
                "--backup-schedule must be at least 1s and --backup-keep at least 1".into(),
            ));
        }
        Ok(Some(backup::Schedule {
            every,
            keep: self.backup_keep,
            dir: self
                .backup_dir
                .clone()
                .unwrap_or_else(|| data_dir.join("backups")),
        }))
    }
}

fn failed(e: BackupError) -> CliError {
    CliError::Failed(e.to_string())
}

fn io(what: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> CliError {
    let path = path.to_path_buf();
    move |source| CliError::Io { what, path, source }
}

fn size(bytes: u64) -> String {
    if bytes < 1 << 20 {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    } else {
        format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
    }
}

/// `ork backup FILE`: downloads a snapshot through the API into FILE
/// (through FILE.partial, 0600), then reads it back to check it.
pub async fn backup(client: &Client, a: BackupArgs) -> Result<()> {
    let started = Instant::now();
    let (info, mut body) = client.backup().await?;
    let tmp = a.file.with_extension("partial");
    let f = backup::private_file(&tmp).map_err(io("creating", &tmp))?;
    let mut f = tokio::fs::File::from_std(f);
    let copied = async {
        use tokio::io::AsyncWriteExt;
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(CliError::Client)?;
            f.write_all(&chunk).await.map_err(io("writing", &tmp))?;
        }
        f.sync_all().await.map_err(io("syncing", &tmp))?;
        Ok::<_, CliError>(())
    }
    .await;
    let checked = copied.and_then(|_| {
        let file = std::fs::File::open(&tmp).map_err(io("reading", &tmp))?;
        let read = backup::read(file).map_err(failed)?;
        if read.header.revision != info.revision || read.rows.len() as u64 != info.objects {
            return Err(CliError::Failed(format!(
                "the server announced {} objects at revision {}, the file holds {} at {}",
                info.objects,
                info.revision,
                read.rows.len(),
                read.header.revision
            )));
        }
        Ok(read)
    });
    let read = match checked {
        Ok(r) => r,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
    };
    std::fs::rename(&tmp, &a.file).map_err(io("renaming", &tmp))?;
    let bytes = std::fs::metadata(&a.file).map(|m| m.len()).unwrap_or(0);
    let key = read
        .header
        .sealing_key_id
        .map(|k| format!(", {} Secrets sealed with key {k}", read.secrets()))
        .unwrap_or_default();
    println!(
        "backup {}: {} objects at revision {}{key}; {} in {:.2} s",
        a.file.display(),
        read.rows.len(),
        read.header.revision,
        size(bytes),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// A directory that is absent or empty; whether it existed.
fn empty_dir(dir: &Path, flag: &str) -> Result<bool> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(CliError::Usage(format!(
                    "{flag} {}: not empty; give a new or empty directory (nothing was changed)",
                    dir.display()
                )));
            }
            Ok(true)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(io("reading", dir)(e)),
    }
}

/// Copies the cluster's credential files that exist in `from` into `to` (0600).
fn copy_credentials(from: &Path, to: &Path) -> Result<usize> {
    let mut n = 0;
    for name in CREDENTIALS {
        let src = from.join(name);
        match std::fs::read(&src) {
            Ok(bytes) => {
                crate::sys::write_private(&to.join(name), &bytes)
                    .map_err(|e| CliError::Failed(e.to_string()))?;
                n += 1;
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io("reading", &src)(e)),
        }
    }
    Ok(n)
}

/// Runs `f` in a directory made for it; on failure removes what it left,
/// so a failed restore or migrate changes nothing.
fn in_new_dir<T>(dir: &Path, existed: bool, f: impl FnOnce() -> Result<T>) -> Result<T> {
    crate::sys::private_dir(dir).map_err(|e| CliError::Failed(e.to_string()))?;
    let r = f();
    if r.is_err() {
        if existed {
            if let Ok(entries) = std::fs::read_dir(dir) {
                for e in entries.flatten() {
                    let _ = std::fs::remove_file(e.path());
                }
            }
        } else {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
    r
}

/// `ork restore FILE --data-dir D`: a new SQLite data dir holding every
/// object of the backup, checked by count and revision.
pub fn restore(a: RestoreArgs) -> Result<()> {
    let started = Instant::now();
    let existed = empty_dir(&a.data_dir, "--data-dir")?;
    let file = std::fs::File::open(&a.file).map_err(io("reading", &a.file))?;
    let read = backup::read(file).map_err(failed)?;
    let key_file = a
        .key_file
        .clone()
        .or_else(|| a.credentials_from.as_ref().map(|d| d.join(KEY_FILE)));
    let key = match (&key_file, read.secrets(), read.header.sealing_key_id) {
        (Some(k), _, _) => Some(std::fs::read(k).map_err(io("reading", k))?),
        (None, 0, _) => None,
        (None, n, id) => {
            return Err(CliError::Usage(format!(
                "the backup holds {n} Secrets sealed with key {}: pass --key-file with the old data dir's {KEY_FILE} (or --credentials-from OLD_DATA_DIR); nothing was changed",
                id.map_or("?".into(), |i| i.to_string())
            )));
        }
    };
    let revision = read
        .header
        .revision
        .checked_add(a.bump_revision)
        .ok_or_else(|| CliError::Usage("--bump-revision is too large".into()))?;
    let (objects, rev) = in_new_dir(&a.data_dir, existed, || {
        if let Some(from) = &a.credentials_from {
            copy_credentials(from, &a.data_dir)?;
        }
        if let Some(key) = &key {
            crate::sys::write_private(&a.data_dir.join(KEY_FILE), key)
                .map_err(|e| CliError::Failed(e.to_string()))?;
            let ring = Keyring::load_or_create(&a.data_dir)
                .map_err(|e| CliError::Failed(format!("--key-file: {e}")))?;
            backup::check_secrets(&read.rows, &ring).map_err(failed)?;
        }
        let rows: Vec<backup::Stored> = read
            .rows
            .iter()
            .map(|r| r.stored_bytes().map(|b| (r.clone(), b)))
            .collect::<std::result::Result<_, BackupError>>()
            .map_err(failed)?;
        let target = open_sqlite(&a.data_dir)?;
        backup::write_rows(&target, &rows, revision).map_err(failed)
    })?;
    if objects != read.header.objects || rev != revision {
        return Err(CliError::Failed(format!(
            "the restored store holds {objects} objects at revision {rev}; expected {} at {revision}",
            read.header.objects
        )));
    }
    println!(
        "restored {objects} objects (revision {} of the backup, now {rev}) into {} in {:.2} s",
        read.header.revision,
        a.data_dir.display(),
        started.elapsed().as_secs_f64()
    );
    if a.credentials_from.is_none() {
        println!(
            "the restored cluster makes a new CA and tokens at first start: nodes join it again with its node.token"
        );
    }
    println!("start it: ork control --data-dir {}", a.data_dir.display());
    Ok(())
}

fn open_sqlite(dir: &Path) -> Result<Sqlite> {
    let db = dir.join("ork.db");
    let s = Sqlite::open(&db).map_err(|e| CliError::Failed(e.to_string()))?;
    for suffix in ["", "-wal", "-shm"] {
        crate::sys::make_private(&PathBuf::from(format!("{}{suffix}", db.display())));
    }
    Ok(s)
}

/// Where `ork migrate` writes: any store behind [`Backend`].
enum Target {
    DataDir(PathBuf),
}

impl Target {
    /// The directory made for it, if it is one.
    fn dir(&self) -> &Path {
        match self {
            Target::DataDir(d) => d,
        }
    }

    fn open(&self) -> Result<Box<dyn Backend>> {
        match self {
            Target::DataDir(d) => Ok(Box::new(open_sqlite(d)?)),
        }
    }
}

fn target(to: &str) -> Result<Target> {
    if to.starts_with("etcd://") {
        return Err(CliError::Usage(format!(
            "--to {to}: this ork has no etcd store; migrate into a data dir"
        )));
    }
    if to.contains("://") {
        return Err(CliError::Usage(format!("--to {to}: expected a data dir")));
    }
    Ok(Target::DataDir(PathBuf::from(to)))
}

/// `ork migrate --from DIR --to DIR2`: copies every row (Secrets as
/// sealed) and the cluster's credentials into a new store, offline (the
/// source's control lock is held throughout), then checks count, revision
/// and every row.
pub fn migrate(a: MigrateArgs) -> Result<()> {
    let started = Instant::now();
    let t = target(&a.to)?;
    let to = t.dir().to_path_buf();
    let db = a.from.join("ork.db");
    if !db.is_file() {
        return Err(CliError::Usage(format!(
            "--from {}: no ork.db there (give a control daemon's data dir)",
            a.from.display()
        )));
    }
    let existed = empty_dir(&to, "--to")?;
    let _lock = crate::sys::lock_dir(&a.from, "control").map_err(|e| {
        CliError::Failed(format!(
            "{e}: stop the control daemon before migrating its store"
        ))
    })?;
    let ring = Keyring::load_or_create(&a.from).map_err(|e| CliError::Failed(e.to_string()))?;
    let source = Sqlite::open(&db).map_err(|e| CliError::Failed(e.to_string()))?;
    let (rows, revision) = backup::rows_of(&source, &ring).map_err(failed)?;
    let (objects, rev) = in_new_dir(&to, existed, || {
        copy_credentials(&a.from, &to)?;
        let target = t.open()?;
        let written = backup::write_rows(target.as_ref(), &rows, revision).map_err(failed)?;
        // Every row, byte for byte.
        let (mut back, _) = backup::rows_of(target.as_ref(), &ring).map_err(failed)?;
        let mut want: Vec<_> = rows
            .iter()
            .map(|(r, b)| (&r.kind, &r.namespace, &r.name, b))
            .collect();
        want.sort();
        back.sort_by(|(x, _), (y, _)| {
            (&x.kind, &x.namespace, &x.name).cmp(&(&y.kind, &y.namespace, &y.name))
        });
        let got: Vec<_> = back
            .iter()
            .map(|(r, b)| (&r.kind, &r.namespace, &r.name, b))
            .collect();
        if want != got {
            return Err(CliError::Failed(
                "the new store's rows differ from the old one's".into(),
            ));
        }
        Ok(written)
    })?;
    if objects != rows.len() || rev != revision {
        return Err(CliError::Failed(format!(
            "the new store holds {objects} objects at revision {rev}; expected {} at {revision}",
            rows.len()
        )));
    }
    println!(
        "migrated {objects} objects at revision {rev} from {} to {} (verified) in {:.2} s",
        a.from.display(),
        to.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
