//! The audit log: one JSON line per API request (time, identity, verb,
//! resource, namespace/name, answer code, client address) in
//! `DATA/audit.log` (0600), rotated by size (`audit.log.1` is the newest
//! old file; the oldest beyond `keep` goes). `ork control --audit-log off`
//! turns it off; `metadata` (the default) records no bodies, so no Secret
//! value ever reaches it.
//!
//! # Guarantees
//!
//! - Writing never blocks a request: records go through a bounded queue to
//!   one writer thread. When the queue is full a record is dropped and
//!   counted, and the next line written says how many were lost.
//!
//! It imports nothing of ork but `sys`.

use serde::Serialize;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{SyncSender, TrySendError, sync_channel};

/// How much the audit log records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum Level {
    /// Nothing.
    Off,
    /// Who did what to which object, and the answer; never bodies.
    #[default]
    Metadata,
}

/// One request.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Record {
    /// RFC 3339, with microseconds.
    pub time: String,
    pub user: String,
    pub groups: Vec<String>,
    pub source_ip: String,
    pub verb: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub resource: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    pub path: String,
    pub code: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dropped_before: Option<u64>,
}

/// Where records go.
#[derive(Clone)]
pub struct AuditLog {
    tx: Option<SyncSender<Record>>,
    dropped: Arc<AtomicU64>,
}

/// Records waiting for the writer at most.
const QUEUE: usize = 8192;

impl AuditLog {
    /// A log that records nothing.
    pub fn off() -> AuditLog {
        AuditLog {
            tx: None,
            dropped: Arc::default(),
        }
    }

    /// Starts the writer of `path`, rotating past `max_bytes` and keeping
    /// `keep` old files.
    pub fn start(path: &Path, max_bytes: u64, keep: usize) -> std::io::Result<AuditLog> {
        let mut w = Writer::open(path.to_path_buf(), max_bytes, keep)?;
        let (tx, rx) = sync_channel::<Record>(QUEUE);
        std::thread::Builder::new()
            .name("ork-audit".into())
            .spawn(move || {
                while let Ok(r) = rx.recv() {
                    if let Err(e) = w.write(&r) {
                        tracing::warn!(error = %e, "writing the audit log failed");
                    }
                }
            })?;
        Ok(AuditLog {
            tx: Some(tx),
            dropped: Arc::default(),
        })
    }

    pub fn enabled(&self) -> bool {
        self.tx.is_some()
    }

    /// Queues a record (dropping it, counted, when the writer is behind).
    pub fn record(&self, mut r: Record) {
        let Some(tx) = &self.tx else { return };
        let lost = self.dropped.swap(0, Ordering::Relaxed);
        if lost > 0 {
            r.dropped_before = Some(lost);
        }
        match tx.try_send(r) {
            Ok(()) => {}
            Err(TrySendError::Full(r)) | Err(TrySendError::Disconnected(r)) => {
                self.dropped
                    .fetch_add(1 + r.dropped_before.unwrap_or(0), Ordering::Relaxed);
            }
        }
    }
}

struct Writer {
    path: PathBuf,
    file: File,
    size: u64,
    max_bytes: u64,
    keep: usize,
}

fn open(path: &Path) -> std::io::Result<File> {
    OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)
}

impl Writer {
    fn open(path: PathBuf, max_bytes: u64, keep: usize) -> std::io::Result<Writer> {
        let file = open(&path)?;
        crate::sys::make_private(&path);
        let size = file.metadata()?.len();
        Ok(Writer {
            path,
            file,
            size,
            max_bytes,
            keep,
        })
    }

    fn rotated(&self, n: usize) -> PathBuf {
        PathBuf::from(format!("{}.{n}", self.path.display()))
    }

    fn rotate(&mut self) -> std::io::Result<()> {
        if self.keep == 0 {
            std::fs::remove_file(&self.path)?;
        } else {
            let _ = std::fs::remove_file(self.rotated(self.keep));
            for n in (1..self.keep).rev() {
                let from = self.rotated(n);
                if from.exists() {
                    std::fs::rename(&from, self.rotated(n + 1))?;
                }
            }
            std::fs::rename(&self.path, self.rotated(1))?;
        }
        self.file = open(&self.path)?;
        self.size = 0;
        Ok(())
    }

    fn write(&mut self, r: &Record) -> std::io::Result<()> {
        let mut line = serde_json::to_vec(r).map_err(std::io::Error::other)?;
        line.push(b'\n');
        if self.size > 0 && self.size + line.len() as u64 > self.max_bytes {
            self.rotate()?;
        }
        self.file.write_all(&line)?;
        self.size += line.len() as u64;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn rec(i: usize) -> Record {
        Record {
            time: "2026-12-02T10:00:00.000000Z".into(),
            user: "admin".into(),
            verb: "get".into(),
            resource: "pods".into(),
            namespace: "default".into(),
            name: format!("p{i}"),
            path: format!("/api/v1/namespaces/default/pods/p{i}"),
            code: 200,
            ..Default::default()
        }
    }

    #[test]
    fn lines_rotate_by_size_keeping_the_newest_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.log");
        let mut w = Writer::open(path.clone(), 600, 2).unwrap();
        for i in 0..20 {
            w.write(&rec(i)).unwrap();
        }
        let read = |p: &Path| std::fs::read_to_string(p).unwrap_or_default();
        let current = read(&path);
        let older = read(&dir.path().join("audit.log.1"));
        let oldest = read(&dir.path().join("audit.log.2"));
        assert!(!dir.path().join("audit.log.3").exists());
        assert!(current.contains("\"name\":\"p19\""), "{current}");
        assert!(!older.is_empty() && !oldest.is_empty());
        for text in [&current, &older, &oldest] {
            assert!(text.len() <= 600, "{} bytes", text.len());
            for l in text.lines() {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                assert_eq!(v["user"], "admin");
                assert_eq!(v["code"], 200);
            }
        }
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    #[test]
    fn records_reach_the_file_through_the_writer_thread() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.log");
        let log = AuditLog::start(&path, 1 << 20, 3).unwrap();
        assert!(log.enabled());
        log.record(rec(7));
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while !std::fs::read_to_string(&path)
            .unwrap_or_default()
            .contains("\"name\":\"p7\"")
        {
            assert!(
                std::time::Instant::now() < deadline,
                "the record was not written"
            );
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert!(!AuditLog::off().enabled());
    }
}
