//! Commands in a Docker container (`ork exec`, exec probes): an engine exec,
//! attached to its output (and input, and a terminal, when asked), whose
//! exit code is read once the output ends.

use super::docker_err;
use crate::node::runtime::{ExecOutput, ExecRequest, ExecSession, ResizeFn, RuntimeError};
use bollard::Docker;
use bollard::container::LogOutput;
use bollard::exec::{CreateExecOptions, StartExecOptions, StartExecResults};
use futures::StreamExt;
use std::time::Duration;

/// Starts `req.command` in container `id`, attached (with a terminal if asked).
pub(super) async fn session(
    docker: &Docker,
    id: &str,
    req: ExecRequest,
) -> Result<ExecSession, RuntimeError> {
    let exec = docker
        .create_exec(
            id,
            CreateExecOptions {
                cmd: Some(req.command.clone()),
                attach_stdin: Some(req.stdin),
                attach_stdout: Some(true),
                attach_stderr: Some(true),
                tty: Some(req.tty),
                ..Default::default()
            },
        )
        .await
        .map_err(|e| docker_err("starting the command", e))?;
    let started = docker
        .start_exec(
            &exec.id,
            Some(StartExecOptions {
                detach: false,
                tty: req.tty,
                output_capacity: None,
            }),
        )
        .await
        .map_err(|e| docker_err("starting the command", e))?;
    let StartExecResults::Attached { output, input } = started else {
        return Err(RuntimeError::Other(
            "the engine did not attach the command".into(),
        ));
    };
    let output = output
        .filter_map(|r| async move {
            match r {
                Ok(LogOutput::StdErr { message }) => Some(Ok(ExecOutput::Stderr(message))),
                Ok(LogOutput::StdOut { message }) | Ok(LogOutput::Console { message }) => {
                    Some(Ok(ExecOutput::Stdout(message)))
                }
                Ok(LogOutput::StdIn { .. }) => None,
                Err(e) => Some(Err(docker_err("reading the command's output", e))),
            }
        })
        .boxed();
    let engine = docker.clone();
    let exec_id = exec.id.clone();
    let exit = Box::pin(async move {
        for _ in 0..100 {
            let i = engine
                .inspect_exec(&exec_id)
                .await
                .map_err(|e| docker_err("reading the command's exit code", e))?;
            if i.running != Some(true) {
                return Ok(i.exit_code.unwrap_or(0) as i32);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Err(RuntimeError::Other(
            "the command's exit code did not arrive".into(),
        ))
    });
    let docker = docker.clone();
    let exec_id = exec.id;
    let resize = req.tty.then(|| {
        Box::new(move |cols: u16, rows: u16| {
            let docker = docker.clone();
            let exec_id = exec_id.clone();
            Box::pin(async move {
                let _ = docker
                    .resize_exec(
                        &exec_id,
                        bollard::exec::ResizeExecOptions {
                            height: rows,
                            width: cols,
                        },
                    )
                    .await;
            }) as futures::future::BoxFuture<'static, ()>
        }) as ResizeFn
    });
    Ok(ExecSession {
        output,
        input: req.stdin.then_some(input),
        exit,
        resize,
    })
}
