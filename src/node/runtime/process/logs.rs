//! Reading a process container's output: its `log` file (stdout and stderr
//! interleaved, as the shim writes them), from the start or its last N
//! lines, and followed (read again every 100 ms) until the instance has
//! exited and everything it wrote has been read. Lines carry no times: a
//! `since` keeps all of the log when it was written to since then, and none
//! otherwise; `timestamps` is not honoured.

use super::io;
use super::record::Record;
use crate::node::runtime::{LogOptions, LogStream, RunState, RuntimeError};
use bytes::Bytes;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How often a followed log is read again.
const LOG_POLL: Duration = Duration::from_millis(100);

/// The offset in a file where its last `n` lines begin (0 when it has
/// fewer), read backwards from the end in chunks. A final newline ends the
/// last line; it does not start another.
pub fn tail_offset(path: &Path, n: usize) -> std::io::Result<u64> {
    const CHUNK: u64 = 64 * 1024;
    let mut f = std::fs::File::open(path)?;
    let len = f.metadata()?.len();
    if n == 0 {
        return Ok(len);
    }
    let mut buf = vec![0u8; CHUNK as usize];
    let mut pos = len;
    let mut seen = 0;
    while pos > 0 {
        let start = pos.saturating_sub(CHUNK);
        let chunk = &mut buf[..(pos - start) as usize];
        f.seek(SeekFrom::Start(start))?;
        f.read_exact(chunk)?;
        for (i, b) in chunk.iter().enumerate().rev() {
            let at = start + i as u64;
            if *b == b'\n' && at + 1 != len {
                seen += 1;
                if seen == n {
                    return Ok(at + 1);
                }
            }
        }
        pos = start;
    }
    Ok(0)
}

/// The output of the instance in `dir`, as `opts` asks.
pub(super) fn read(dir: PathBuf, rec: Record, opts: LogOptions) -> Result<LogStream, RuntimeError> {
    let path = dir.join("log");
    let offset = match opts.tail {
        Some(n) => match tail_offset(&path, n) {
            Ok(o) => o,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => 0,
            Err(e) => return Err(io(format!("reading {}", path.display()))(e)),
        },
        None => 0,
    };
    // Nothing written since then: start at the end.
    let offset = match (opts.since, std::fs::metadata(&path)) {
        (Some(since), Ok(m)) if m.modified().is_ok_and(|t| t < since) => m.len(),
        _ => offset,
    };
    struct Follow {
        path: PathBuf,
        dir: PathBuf,
        rec: Record,
        offset: u64,
        follow: bool,
        done: bool,
    }
    let st = Follow {
        path,
        dir,
        rec,
        offset,
        follow: opts.follow,
        done: false,
    };
    let stream = futures::stream::unfold(st, |mut st| async move {
        loop {
            if st.done {
                return None;
            }
            // Checked before reading: what was written before the exit is
            // read after it, so nothing is lost at the end.
            let finished =
                !st.follow || super::record::state(&st.dir, &st.rec) != RunState::Running;
            let chunk = (|| -> std::io::Result<Vec<u8>> {
                let mut f = std::fs::File::open(&st.path)?;
                f.seek(SeekFrom::Start(st.offset))?;
                let mut buf = Vec::with_capacity(64 * 1024);
                f.take(64 * 1024).read_to_end(&mut buf)?;
                Ok(buf)
            })();
            match chunk {
                Ok(buf) if !buf.is_empty() => {
                    st.offset += buf.len() as u64;
                    return Some((Ok(Bytes::from(buf)), st));
                }
                Ok(_) if finished => return None,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    if finished {
                        return None;
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    st.done = true;
                    return Some((
                        Err(RuntimeError::Io {
                            what: format!("reading {}", st.path.display()),
                            source: e,
                        }),
                        st,
                    ));
                }
            }
            tokio::time::sleep(LOG_POLL).await;
        }
    });
    Ok(Box::pin(stream))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tail(p: &Path, n: usize) -> Vec<u8> {
        let all = std::fs::read(p).unwrap();
        all[tail_offset(p, n).unwrap() as usize..].to_vec()
    }

    #[test]
    fn tails_read_the_last_lines() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("log");
        std::fs::write(&p, "").unwrap();
        assert_eq!(tail(&p, 3), b"");
        std::fs::write(&p, "a\nb\nc\n").unwrap();
        assert_eq!(tail(&p, 2), b"b\nc\n");
        assert_eq!(tail(&p, 3), b"a\nb\nc\n");
        assert_eq!(tail(&p, 5), b"a\nb\nc\n");
        assert_eq!(tail(&p, 0), b"");
        std::fs::write(&p, "x\ny").unwrap();
        assert_eq!(tail(&p, 1), b"y");
        assert_eq!(tail(&p, 2), b"x\ny");
        std::fs::write(&p, "\n\n").unwrap();
        assert_eq!(tail(&p, 1), b"\n");
        // Across chunk boundaries, without reading the whole file.
        let big: String = (0..100_000).map(|i| format!("line {i}\n")).collect();
        std::fs::write(&p, &big).unwrap();
        assert_eq!(tail(&p, 2), b"line 99998\nline 99999\n");
        let many = tail(&p, 20_000);
        assert_eq!(many.iter().filter(|b| **b == b'\n').count(), 20_000);
        assert!(many.starts_with(b"line 80000\n"));
        assert_eq!(tail(&p, 1_000_000).len(), big.len());
        assert!(tail_offset(&dir.path().join("missing"), 1).is_err());
    }
}
