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
//!
//! # Into etcd
//!
//! `ork restore FILE --store etcd://…` and `ork migrate --from DIR --to
//! etcd://…` write only into a prefix that holds no key at all, and check
//! the result by object count and revision (migrate also row by row). The
//! key and credentials go where the first control daemon on that etcd will
//! find them: restore's `--data-dir`, and for migrate the source data dir
//! itself; that daemon then shares them with the next ones as it would
//! its own.
//!
//! # Out of etcd
//!
//! `ork migrate --from etcd://… --to DIR` needs every control daemon on
//! that etcd stopped (no leader key) and the cluster secret: the new data
//! dir gets the credentials they share, opened with it, so the cluster's
//! nodes and clients keep working against the control daemon started there.

use super::{CliError, Result};
use crate::client::Client;
use crate::control::backup::{self, BackupError};
use crate::control::store::backend::{Change, ChangeType};
use crate::control::store::etcd::{parse_prefix, parse_store_url};
use crate::control::store::sealed::{KEY_FILE, Keyring};
use crate::control::store::{Backend, Etcd, EtcdConfig, Sqlite, StoreUrl};
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

/// How to reach an etcd that restore or migrate writes into.
#[derive(Args, Debug, Clone)]
pub struct EtcdTargetArgs {
    /// Key prefix in etcd: the one to fill (it must hold no key), or the
    /// one `migrate --from etcd://…` reads.
    #[arg(long, default_value = "/ork", value_parser = parse_prefix, value_name = "PREFIX")]
    pub store_prefix: String,
    /// CA certificate (PEM) of the etcd members: connect to etcd over TLS.
    #[arg(long, value_name = "FILE")]
    pub etcd_ca: Option<PathBuf>,
    /// Client certificate (PEM) for etcd's client-certificate auth.
    #[arg(long, value_name = "FILE", requires = "etcd_key")]
    pub etcd_cert: Option<PathBuf>,
    /// The key of --etcd-cert (PEM).
    #[arg(long, value_name = "FILE", requires = "etcd_cert")]
    pub etcd_key: Option<PathBuf>,
}

impl EtcdTargetArgs {
    fn config(&self, endpoints: Vec<String>) -> EtcdConfig {
        EtcdConfig {
            endpoints,
            prefix: self.store_prefix.clone(),
            ca: self.etcd_ca.clone(),
            cert: self.etcd_cert.clone().zip(self.etcd_key.clone()),
        }
    }
}

#[derive(Args, Debug)]
pub struct RestoreArgs {
    /// A file written by `ork backup`.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// The new control daemon data dir to create (must not exist or be
    /// empty); with --store etcd://…, the first control daemon's, which
    /// gets the key and credentials but no objects.
    #[arg(long, value_name = "DIR")]
    pub data_dir: PathBuf,
    /// Restore into etcd (`etcd://HOST:PORT[,HOST:PORT…]`, an empty prefix)
    /// instead of a SQLite file in --data-dir.
    #[arg(long, value_parser = parse_store_url, value_name = "URL")]
    pub store: Option<StoreUrl>,
    #[command(flatten)]
    pub etcd: EtcdTargetArgs,
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
    /// The store to read: the data dir of a stopped control daemon, or
    /// `etcd://HOST:PORT[,HOST:PORT…]` with every control daemon on it
    /// stopped.
    #[arg(long, value_name = "DIR|URL")]
    pub from: String,
    /// The store to fill: a new data dir (must not exist or be empty), or
    /// `etcd://HOST:PORT[,HOST:PORT…]` (an empty prefix).
    #[arg(long, value_name = "DIR|URL")]
    pub to: String,
    #[command(flatten)]
    pub etcd: EtcdTargetArgs,
    /// With --from etcd://…: the file holding the cluster secret its control
    /// daemons were given (or set ORK_CLUSTER_SECRET); it opens the CA,
    /// tokens and Secrets key they share, which the new data dir gets.
    #[arg(long, value_name = "FILE")]
    pub cluster_secret_file: Option<PathBuf>,
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

/// Connects to the etcd restore or migrate fills and checks that its
/// prefix holds no key.
fn empty_etcd(endpoints: &[String], args: &EtcdTargetArgs) -> Result<Etcd> {
    let cfg = args.config(endpoints.to_vec());
    let etcd = Etcd::connect(&cfg).map_err(|e| CliError::Failed(e.to_string()))?;
    let keys = etcd
        .keys_under_prefix()
        .map_err(|e| CliError::Failed(e.to_string()))?;
    if keys > 0 {
        return Err(CliError::Usage(format!(
            "the prefix {} in etcd at {} holds {keys} keys: restore and migrate write only into an empty prefix (give another --store-prefix); nothing was changed",
            cfg.prefix,
            cfg.endpoints.join(",")
        )));
    }
    Ok(etcd)
}

/// Writes rows into the empty prefix of `etcd` at `revision`; returns what
/// it holds afterwards: `(objects, revision)`.
fn import_etcd(etcd: &Etcd, rows: &[backup::Stored], revision: u64) -> Result<(usize, u64)> {
    if let Some((r, _)) = rows.iter().find(|(r, _)| r.rev > revision) {
        return Err(CliError::Failed(format!(
            "{} {}/{} has revision {}, newer than the snapshot's {revision}",
            r.kind, r.namespace, r.name, r.rev
        )));
    }
    let changes: Vec<Change> = rows
        .iter()
        .map(|(r, bytes)| Change {
            rev: r.rev,
            kind: r.kind.clone(),
            namespace: r.namespace.clone(),
            name: r.name.clone(),
            type_: ChangeType::Added,
            data: bytes.clone().into(),
        })
        .collect();
    let fail = |e: crate::control::store::BackendError| CliError::Failed(e.to_string());
    etcd.import(&changes, revision).map_err(fail)?;
    let after = etcd.load().map_err(fail)?;
    Ok((after.objects.len(), after.revision))
}

/// `ork restore FILE --data-dir D [--store etcd://…]`: a new SQLite data
/// dir (or an empty etcd prefix) holding every object of the backup,
/// checked by count and revision.
pub fn restore(a: RestoreArgs) -> Result<()> {
    let started = Instant::now();
    let existed = empty_dir(&a.data_dir, "--data-dir")?;
    let etcd = match &a.store {
        Some(StoreUrl::Etcd(endpoints)) => Some(empty_etcd(endpoints, &a.etcd)?),
        Some(StoreUrl::Sqlite) | None => None,
    };
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
        match &etcd {
            Some(etcd) => import_etcd(etcd, &rows, revision),
            None => {
                let target = open_sqlite(&a.data_dir)?;
                backup::write_rows(&target, &rows, revision).map_err(failed)
            }
        }
    })?;
    if objects != read.header.objects || rev != revision {
        return Err(CliError::Failed(format!(
            "the restored store holds {objects} objects at revision {rev}; expected {} at {revision}",
            read.header.objects
        )));
    }
    let into = match &a.store {
        Some(StoreUrl::Etcd(eps)) => {
            format!("etcd at {} (prefix {})", eps.join(","), a.etcd.store_prefix)
        }
        _ => a.data_dir.display().to_string(),
    };
    println!(
        "restored {objects} objects (revision {} of the backup, now {rev}) into {into} in {:.2} s",
        read.header.revision,
        started.elapsed().as_secs_f64()
    );
    if a.credentials_from.is_none() {
        println!(
            "the restored cluster makes a new CA and tokens at first start: nodes join it again with its node.token"
        );
    }
    match &a.store {
        Some(StoreUrl::Etcd(eps)) => println!(
            "start the first control daemon with the key and credentials: ork control --data-dir {} --store etcd://{} --store-prefix {} --cluster-secret-file FILE",
            a.data_dir.display(),
            eps.join(","),
            a.etcd.store_prefix
        ),
        _ => println!("start it: ork control --data-dir {}", a.data_dir.display()),
    }
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

/// A store `ork migrate` reads or writes.
enum Target {
    DataDir(PathBuf),
    /// An etcd's members.
    Etcd(Vec<String>),
}

fn target(flag: &str, to: &str) -> Result<Target> {
    if to.starts_with("etcd://") {
        return match parse_store_url(to).map_err(|e| CliError::Usage(format!("{flag} {e}")))? {
            StoreUrl::Etcd(eps) => Ok(Target::Etcd(eps)),
            StoreUrl::Sqlite => Err(CliError::Usage(format!("{flag} {to}: expected etcd://"))),
        };
    }
    if to.contains("://") {
        return Err(CliError::Usage(format!(
            "{flag} {to}: expected a data dir or etcd://HOST:PORT[,HOST:PORT…]"
        )));
    }
    Ok(Target::DataDir(PathBuf::from(to)))
}

/// Whether `back` holds exactly `rows`, byte for byte.
fn same_rows(rows: &[backup::Stored], mut back: Vec<backup::Stored>) -> bool {
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
    want == got
}

/// `ork migrate --from DIR --to DIR2|etcd://…`: copies every row (Secrets
/// as sealed) into a new store, offline (the source's control lock is held
/// throughout), then checks count, revision and every row. A data dir
/// target also gets the cluster's credentials; an etcd target gets them
/// from the first control daemon started on it with the source data dir.
pub fn migrate(a: MigrateArgs) -> Result<()> {
    let started = Instant::now();
    let t = target("--to", &a.to)?;
    if let Target::Etcd(endpoints) = target("--from", &a.from)? {
        let Target::DataDir(to) = t else {
            return Err(CliError::Usage(
                "--from etcd://… and --to etcd://…: migrate moves a store between a data dir and etcd; give --to DIR"
                    .into(),
            ));
        };
        return migrate_from_etcd(&a, endpoints, &to, started);
    }
    let from = PathBuf::from(&a.from);
    let db = from.join("ork.db");
    if !db.is_file() {
        return Err(CliError::Usage(format!(
            "--from {}: no ork.db there (give a control daemon's data dir)",
            from.display()
        )));
    }
    let existed = match &t {
        Target::DataDir(to) => empty_dir(to, "--to")?,
        Target::Etcd(_) => false,
    };
    let _lock = crate::sys::lock_dir(&from, "control").map_err(|e| {
        CliError::Failed(format!(
            "{e}: stop the control daemon before migrating its store"
        ))
    })?;
    let ring = Keyring::load_or_create(&from).map_err(|e| CliError::Failed(e.to_string()))?;
    let source = Sqlite::open(&db).map_err(|e| CliError::Failed(e.to_string()))?;
    let (rows, revision) = backup::rows_of(&source, &ring).map_err(failed)?;
    let differ = || CliError::Failed("the new store's rows differ from the old one's".into());
    let (objects, rev, shown) = match &t {
        Target::DataDir(to) => {
            let (objects, rev) = in_new_dir(to, existed, || {
                copy_credentials(&from, to)?;
                let target = open_sqlite(to)?;
                let written = backup::write_rows(&target, &rows, revision).map_err(failed)?;
                let (back, _) = backup::rows_of(&target, &ring).map_err(failed)?;
                if !same_rows(&rows, back) {
                    return Err(differ());
                }
                Ok(written)
            })?;
            (objects, rev, to.display().to_string())
        }
        Target::Etcd(endpoints) => {
            let etcd = empty_etcd(endpoints, &a.etcd)?;
            let (objects, rev) = import_etcd(&etcd, &rows, revision)?;
            let (back, _) = backup::rows_of(&etcd, &ring).map_err(failed)?;
            if !same_rows(&rows, back) {
                return Err(differ());
            }
            (
                objects,
                rev,
                format!(
                    "etcd at {} (prefix {})",
                    endpoints.join(","),
                    a.etcd.store_prefix
                ),
            )
        }
    };
    if objects != rows.len() || rev != revision {
        return Err(CliError::Failed(format!(
            "the new store holds {objects} objects at revision {rev}; expected {} at {revision}",
            rows.len()
        )));
    }
    println!(
        "migrated {objects} objects at revision {rev} from {} to {shown} (verified) in {:.2} s",
        from.display(),
        started.elapsed().as_secs_f64()
    );
    if let Target::Etcd(endpoints) = &t {
        println!(
            "start the first control daemon on it with this data dir (it shares its key, CA and tokens with the next ones): ork control --data-dir {} --store etcd://{} --store-prefix {} --cluster-secret-file FILE",
            from.display(),
            endpoints.join(","),
            a.etcd.store_prefix
        );
    }
    Ok(())
}

/// `ork migrate --from etcd://… --to DIR`: every row of the prefix (Secrets
/// as sealed) into a new SQLite data dir, with the credentials its control
/// daemons share, opened with the cluster secret; then checks count,
/// revision and every row. Refused while a control daemon leads on it.
fn migrate_from_etcd(
    a: &MigrateArgs,
    endpoints: Vec<String>,
    to: &Path,
    started: Instant,
) -> Result<()> {
    let existed = empty_dir(to, "--to")?;
    let secret = super::up::cluster_secret(a.cluster_secret_file.as_deref())?.ok_or_else(|| {
        CliError::Usage(
            "--from etcd://…: give --cluster-secret-file FILE (or set ORK_CLUSTER_SECRET), the secret its control daemons were started with; nothing was changed"
                .into(),
        )
    })?;
    let cfg = a.etcd.config(endpoints);
    let shown = format!(
        "etcd at {} (prefix {})",
        cfg.endpoints.join(","),
        cfg.prefix
    );
    let fail = |e: crate::control::store::BackendError| CliError::Failed(e.to_string());
    let etcd = Etcd::connect(&cfg).map_err(fail)?;
    if etcd.get_extra("leader").map_err(fail)?.is_some() {
        return Err(CliError::Failed(format!(
            "a control daemon leads the cluster in {shown}: stop every control daemon on it before migrating its store (a killed leader's key goes when its lease ends, within the leader term); nothing was changed"
        )));
    }
    let (objects, rev) = in_new_dir(to, existed, || {
        use crate::control::shared::{self, SharedError};
        let fetched = shared::fetch(&etcd, &secret, to).map_err(|e| match e {
            SharedError::WrongSecret => CliError::Failed(format!(
                "the credentials shared in {shown} do not open with this cluster secret: give the one its control daemons were started with; nothing was changed"
            )),
            e => CliError::Failed(e.to_string()),
        })?;
        if !fetched {
            return Err(CliError::Failed(format!(
                "{shown} holds no shared credentials (no control daemon has started on it): nothing to migrate"
            )));
        }
        let ring = Keyring::load_or_create(to).map_err(|e| CliError::Failed(e.to_string()))?;
        let (rows, revision) = backup::rows_of(&etcd, &ring).map_err(failed)?;
        let target = open_sqlite(to)?;
        let written = backup::write_rows(&target, &rows, revision).map_err(failed)?;
        let (back, _) = backup::rows_of(&target, &ring).map_err(failed)?;
        if !same_rows(&rows, back) || written != (rows.len(), revision) {
            return Err(CliError::Failed(format!(
                "the new store holds {} objects at revision {}; expected {} at {revision}, row for row",
                written.0,
                written.1,
                rows.len()
            )));
        }
        Ok(written)
    })?;
    println!(
        "migrated {objects} objects at revision {rev} from {shown} to {} (verified) in {:.2} s",
        to.display(),
        started.elapsed().as_secs_f64()
    );
    println!("start it: ork control --data-dir {}", to.display());
    Ok(())
}
