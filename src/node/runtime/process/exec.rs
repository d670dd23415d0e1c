//! Running a command in a process container's context (`ork exec` and exec
//! probes): the container's environment and working directory, read from
//! its main process in /proc, and the container's user and group (from
//! `run-as.json`), never the daemon's; the command is a child of the node
//! daemon, killed when its session is dropped. A container with
//! no_new_privs gets it for its commands too: they are spawned from a
//! thread of their own that sets it first (it is a per-thread attribute,
//! inherited by the child), so the daemon's other threads keep theirs.

use super::ProcessRuntime;
use crate::node::procfs;
use crate::node::runtime::shim;
use crate::node::runtime::{ExecOutput, ExecRequest, ExecSession, RuntimeError};
use bytes::Bytes;
use futures::{FutureExt, StreamExt};
use std::time::Duration;
use tokio::process::Child;

impl ProcessRuntime {
    /// A command run in a container's context: its environment, working
    /// directory and user; with whether it needs no_new_privs.
    fn exec_command(
        &self,
        id: &str,
        command: &[String],
    ) -> Result<(tokio::process::Command, bool), RuntimeError> {
        let (dir, _) = self.load(id)?;
        let pid = super::record::child_pid(&dir)
            .ok_or_else(|| RuntimeError::Other(format!("container {id} has no process")))?;
        let Some(program) = command.first() else {
            return Err(RuntimeError::Other("exec needs a command".into()));
        };
        let environ = procfs::environ(pid)
            .ok_or_else(|| RuntimeError::Other(format!("container {id} is not running")))?;
        let cwd = procfs::cwd(pid).unwrap_or_else(|| dir.clone());
        let run_as = shim::read_run_as(&dir)
            .map_err(RuntimeError::Other)?
            .unwrap_or_default();
        // Supplementary groups need the shim's --exec (see its docs).
        let helper = !run_as.groups.is_empty();
        let mut cmd = if helper {
            let mut c = tokio::process::Command::new(&self.shim);
            c.arg("shim")
                .arg("--dir")
                .arg(&dir)
                .arg("--exec")
                .arg("--")
                .args(command);
            c
        } else {
            let mut c = tokio::process::Command::new(program);
            c.args(&command[1..]);
            c
        };
        cmd.env_clear().current_dir(cwd).kill_on_drop(true);
        cmd.envs(environ);
        if !helper {
            if let Some(gid) = run_as.gid {
                cmd.gid(gid);
            }
            if let Some(uid) = run_as.uid {
                cmd.uid(uid);
            }
        }
        Ok((cmd, run_as.no_new_privileges))
    }

    /// Starts `req.command` in the container's context with pipes (the
    /// process runtime has no terminal: `-t` gets plain pipes too).
    pub(super) fn open_exec(
        &self,
        id: &str,
        req: ExecRequest,
    ) -> Result<ExecSession, RuntimeError> {
        let (mut cmd, nnp) = self.exec_command(id, &req.command)?;
        let program = req.command.first().cloned().unwrap_or_default();
        // No terminal here: `-t` gets plain pipes (the process runtime has no pty).
        cmd.stdin(if req.stdin {
            std::process::Stdio::piped()
        } else {
            std::process::Stdio::null()
        })
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
        let mut child = spawn(&mut cmd, nnp)
            .map_err(|e| RuntimeError::Start(format!("running {program:?}: {e}")))?;
        let input = child
            .stdin
            .take()
            .map(|i| Box::pin(i) as std::pin::Pin<Box<dyn tokio::io::AsyncWrite + Send>>);
        let out = child
            .stdout
            .take()
            .map(|o| read_stream(o, ExecOutput::Stdout));
        let err = child
            .stderr
            .take()
            .map(|e| read_stream(e, ExecOutput::Stderr));
        let output = futures::stream::select(
            futures::stream::iter(out).flatten(),
            futures::stream::iter(err).flatten(),
        )
        .boxed();
        let exit = async move {
            let status = child
                .wait()
                .await
                .map_err(|e| RuntimeError::Other(format!("waiting for {program:?}: {e}")))?;
            Ok(status.code().unwrap_or_else(|| {
                128 + std::os::unix::process::ExitStatusExt::signal(&status).unwrap_or(0)
            }))
        }
        .boxed();
        Ok(ExecSession {
            output,
            input,
            exit,
            resize: None,
        })
    }

    /// Runs `command` in the container's context with no input or output
    /// and returns its exit code; past `timeout` it is killed.
    pub(super) async fn run_exec(
        &self,
        id: &str,
        command: &[String],
        timeout: Duration,
    ) -> Result<i32, RuntimeError> {
        let (mut cmd, nnp) = self.exec_command(id, command)?;
        let program = command.first().cloned().unwrap_or_default();
        cmd.stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        let mut child = spawn(&mut cmd, nnp)
            .map_err(|e| RuntimeError::Other(format!("running {program:?}: {e}")))?;
        match tokio::time::timeout(timeout, child.wait()).await {
            Ok(Ok(status)) => Ok(status.code().unwrap_or_else(|| {
                128 + std::os::unix::process::ExitStatusExt::signal(&status).unwrap_or(0)
            })),
            Ok(Err(e)) => Err(RuntimeError::Other(format!("waiting for {program:?}: {e}"))),
            Err(_) => {
                let _ = child.kill().await;
                Err(RuntimeError::Other(format!(
                    "{program:?} did not finish within {}s",
                    timeout.as_secs()
                )))
            }
        }
    }
}

/// Spawns `cmd`; with `no_new_privs`, from a thread of its own that sets
/// no_new_privs first, so the child inherits it and nothing else does.
fn spawn(cmd: &mut tokio::process::Command, no_new_privs: bool) -> std::io::Result<Child> {
    if !no_new_privs {
        return cmd.spawn();
    }
    let runtime = tokio::runtime::Handle::current();
    std::thread::scope(|s| {
        s.spawn(|| {
            nix::sys::prctl::set_no_new_privs().map_err(std::io::Error::from)?;
            // The child is reaped by the runtime's driver.
            let _entered = runtime.enter();
            cmd.spawn()
        })
        .join()
        .unwrap_or_else(|_| Err(std::io::Error::other("the spawning thread panicked")))
    })
}

/// A reader as a stream of output chunks.
fn read_stream<R>(
    reader: R,
    wrap: fn(Bytes) -> ExecOutput,
) -> futures::stream::BoxStream<'static, Result<ExecOutput, RuntimeError>>
where
    R: tokio::io::AsyncRead + Send + Unpin + 'static,
{
    futures::stream::unfold(reader, move |mut r| async move {
        use tokio::io::AsyncReadExt;
        let mut buf = vec![0u8; 16 * 1024];
        match r.read(&mut buf).await {
            Ok(0) | Err(_) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok(wrap(Bytes::from(buf))), r))
            }
        }
    })
    .boxed()
}
