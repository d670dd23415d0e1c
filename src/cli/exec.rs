//! `ork exec POD [-c C] [-i] [-t] -- CMD...`: runs a command in a running
//! container through the control daemon, which relays the exec stream of the
//! pod's node. Output goes to stdout and stderr as the command writes it; the
//! command's exit code becomes ork's. With `-t` on a terminal, the local
//! terminal is put in raw mode (restored on every exit path) and its size
//! follows window changes.

use super::{CliError, Ctx, Result};
use crate::api::exec::Frame;
use clap::Args;
use std::io::{IsTerminal, Write};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[derive(Args, Debug)]
pub struct ExecArgs {
    /// The pod.
    pub pod: String,
    /// The container (needed when the pod has several).
    #[arg(short = 'c', long)]
    pub container: Option<String>,
    /// Pass stdin to the command.
    #[arg(short = 'i', long)]
    pub stdin: bool,
    /// Give the command a terminal.
    #[arg(short = 't', long)]
    pub tty: bool,
    /// The command and its arguments (after `--`).
    #[arg(last = true, required = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

/// Raw mode for as long as it lives.
struct RawMode;

impl RawMode {
    fn enable() -> Option<RawMode> {
        crossterm::terminal::enable_raw_mode().ok().map(|_| RawMode)
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        let _ = crossterm::terminal::disable_raw_mode();
    }
}

pub async fn exec(ctx: &Ctx, a: ExecArgs) -> Result<()> {
    let pod = super::misc::pod_name(&a.pod);
    let tty = a.tty && std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    if a.tty && !tty {
        eprintln!("Unable to use a TTY - input is not a terminal or the right kind of file");
    }
    let io = ctx
        .client
        .exec(
            &ctx.namespace,
            pod,
            a.container.as_deref(),
            &a.command,
            a.stdin,
            tty,
        )
        .await?;
    let (mut rd, mut wr) = tokio::io::split(io);
    let raw = if tty { RawMode::enable() } else { None };
    let (frames_tx, mut frames_rx) = tokio::sync::mpsc::channel::<Frame>(16);
    if tty {
        if let Ok((cols, rows)) = crossterm::terminal::size() {
            let _ = frames_tx.send(Frame::Resize { cols, rows }).await;
        }
        let tx = frames_tx.clone();
        tokio::spawn(async move {
            use tokio::signal::unix::{SignalKind, signal};
            let Ok(mut winch) = signal(SignalKind::window_change()) else {
                return;
            };
            while winch.recv().await.is_some() {
                if let Ok((cols, rows)) = crossterm::terminal::size()
                    && tx.send(Frame::Resize { cols, rows }).await.is_err()
                {
                    return;
                }
            }
        });
    }
    if a.stdin {
        let tx = frames_tx.clone();
        tokio::spawn(async move {
            let mut stdin = tokio::io::stdin();
            let mut buf = vec![0u8; 16 * 1024];
            loop {
                match stdin.read(&mut buf).await {
                    Ok(0) | Err(_) => {
                        let _ = tx.send(Frame::StdinEof).await;
                        return;
                    }
                    Ok(n) => {
                        if tx.send(Frame::Stdin(buf[..n].to_vec())).await.is_err() {
                            return;
                        }
                    }
                }
            }
        });
    }
    drop(frames_tx);
    tokio::spawn(async move {
        while let Some(f) = frames_rx.recv().await {
            if wr.write_all(&f.encode()).await.is_err() {
                return;
            }
        }
    });
    let mut buf = vec![];
    let mut chunk = vec![0u8; 32 * 1024];
    let outcome = loop {
        let n = match rd.read(&mut chunk).await {
            Ok(0) => break Err("the exec stream ended without an exit code".to_string()),
            Err(e) => break Err(format!("the exec stream broke: {e}")),
            Ok(n) => n,
        };
        buf.extend_from_slice(&chunk[..n]);
        let mut done = None;
        loop {
            match Frame::decode(&mut buf) {
                Ok(Some(Frame::Stdout(b))) => {
                    let mut out = std::io::stdout().lock();
                    let _ = out.write_all(&b).and_then(|_| out.flush());
                }
                Ok(Some(Frame::Stderr(b))) => {
                    let mut err = std::io::stderr().lock();
                    let _ = err.write_all(&b).and_then(|_| err.flush());
                }
                Ok(Some(Frame::Exit(code))) => {
                    done = Some(Ok(code));
                    break;
                }
                Ok(Some(Frame::Error(m))) => {
                    done = Some(Err(m));
                    break;
                }
                Ok(Some(_)) => {}
                Ok(None) => break,
                Err(e) => {
                    done = Some(Err(e.to_string()));
                    break;
                }
            }
        }
        if let Some(d) = done {
            break d;
        }
    };
    drop(raw);
    match outcome {
        Ok(0) => Ok(()),
        Ok(code) => Err(CliError::Exit(code)),
        Err(m) => Err(CliError::Failed(format!("exec in pod {pod:?}: {m}"))),
    }
}
