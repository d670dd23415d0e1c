//! `ork chaos`: breaks the machines of an `ork up --machines docker` cluster
//! on purpose (kill, restart, pause, resume, partition, heal, flap, and
//! killing the control daemon), prints what it did (the `docker` command),
//! and records each as an Event on the Node (reason `ChaosKill`,
//! `ChaosPartition`…; source `ork-chaos`), so `ork describe node`, `ork
//! events` and the dashboard's failover timeline show it next to what the
//! cluster did about it.
//!
//! This module must not import `tui`.

use super::machines::{self, ControlPlace, Machines, chaos_args};
use super::misc::parse_duration;
use super::up::default_data_dir;
use super::{CliError, Global, Result};
use clap::{Args, Subcommand};
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Args, Debug)]
pub struct ChaosArgs {
    /// The data dir of the `ork up --machines docker` cluster.
    #[arg(long, global = true, env = "ORK_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    #[command(subcommand)]
    pub action: Action,
}

#[derive(Subcommand, Debug)]
pub enum Action {
    /// SIGKILL a machine (`node-2`), or the control daemon (`control`): its pods die with it.
    Kill { target: String },
    /// Start a killed machine (or the control daemon) again.
    Restart { target: String },
    /// Freeze a machine: every process in it stops, nothing exits.
    Pause { node: String },
    /// Thaw a paused machine.
    Resume { node: String },
    /// Cut a machine off the network (control daemon and other nodes); it keeps running.
    Partition {
        node: String,
        /// Heal after this long (default: stay cut until `ork chaos heal`).
        #[arg(long = "for", value_parser = parse_duration, value_name = "DURATION")]
        for_: Option<Duration>,
    },
    /// Connect a partitioned machine again, at its address.
    Heal { node: String },
    /// Partition and heal a machine in turn: `--period` cut, `--period` connected.
    Flap {
        node: String,
        #[arg(long, default_value = "5s", value_parser = parse_duration, value_name = "DURATION")]
        period: Duration,
        #[arg(long = "for", default_value = "2m", value_parser = parse_duration, value_name = "DURATION")]
        for_: Duration,
    },
}

/// The Event reason of an action.
pub fn reason(action: &str) -> &'static str {
    match action {
        "kill" => "ChaosKill",
        "restart" => "ChaosRestart",
        "pause" => "ChaosPause",
        "resume" => "ChaosResume",
        "partition" => "ChaosPartition",
        "heal" => "ChaosHeal",
        "flap" => "ChaosFlap",
        _ => "Chaos",
    }
}

fn load(dir: &Path) -> Result<Machines> {
    Machines::load(dir)?.ok_or_else(|| {
        CliError::Usage(format!(
            "no machines in {}: `ork chaos` works on a cluster started with `ork up --machines docker` (give its --data-dir)",
            dir.display()
        ))
    })
}

/// Records the action as an Event on the Node, best effort (the control
/// daemon may be what was broken).
async fn record(g: &Global, node: &str, action: &str, message: &str) {
    let recorded = async {
        let ctx = crate::verbs::Ctx::connect(&g.overrides()).ok()?;
        let n: crate::api::Node =
            tokio::time::timeout(Duration::from_secs(3), ctx.client.get("", node))
                .await
                .ok()?
                .ok()?;
        crate::node::worker::record_event(
            &ctx.client,
            "ork-chaos",
            crate::api::Object::into_any(n),
            "Warning",
            reason(action),
            message,
        )
        .await;
        Some(())
    };
    if recorded.await.is_none() {
        eprintln!("(no Event recorded: the control daemon did not answer)");
    }
}

/// Runs one docker action on a machine, prints it and records it.
async fn act(g: &Global, m: &Machines, action: &str, node: &str, what: &str) -> Result<()> {
    let machine = m.machine(node)?;
    let args = chaos_args(action, machine, &m.network);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    machines::docker(&args).await?;
    let message = format!("{what} ({})", machines::shown(&args));
    println!("{action} {}: {message}", machine.name);
    record(g, &machine.name, action, &message).await;
    Ok(())
}

async fn kill_control(m: &Machines, dir: &Path) -> Result<()> {
    match &m.control {
        ControlPlace::Container { container, .. } => {
            let args = ["kill", "--signal", "KILL", container.as_str()];
            machines::docker(&args).await?;
            println!(
                "kill control: SIGKILL to the control daemon's container ({})",
                machines::shown(&args)
            );
        }
        ControlPlace::Host { .. } => {
            let pid = super::up::host_control_pid(dir).ok_or_else(|| {
                CliError::Failed(
                    "the control daemon is not running (no live DATA/control.pid)".into(),
                )
            })?;
            nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL)
                .map_err(|e| CliError::Failed(format!("killing pid {pid}: {e}")))?;
            println!("kill control: SIGKILL to the control daemon, pid {pid}");
        }
    }
    Ok(())
}

async fn restart_control(m: &Machines, dir: &Path) -> Result<()> {
    match &m.control {
        ControlPlace::Container { container, .. } => {
            let args = ["start", container.as_str()];
            machines::docker(&args).await?;
            println!(
                "restart control: started the control daemon's container ({})",
                machines::shown(&args)
            );
        }
        ControlPlace::Host { args } => {
            if super::up::host_control_pid(dir).is_some() {
                return Err(CliError::Failed("the control daemon is running".into()));
            }
            let child = super::up::spawn_host_control(dir, args)?;
            println!(
                "restart control: started the control daemon again, pid {}",
                child.id().unwrap_or(0)
            );
        }
    }
    Ok(())
}

pub async fn chaos(g: &Global, a: ChaosArgs) -> Result<()> {
    let dir = a.data_dir.clone().unwrap_or_else(default_data_dir);
    let m = load(&dir)?;
    match a.action {
        Action::Kill { target } if target == "control" => {
            kill_control(&m, &dir).await?;
        }
        Action::Restart { target } if target == "control" => {
            restart_control(&m, &dir).await?;
            // Its API answers a moment later; the Event is best effort.
            record_control(g, "restart", "the control daemon was started again").await;
        }
        Action::Kill { target } => {
            act(
                g,
                &m,
                "kill",
                &target,
                "SIGKILL to the machine; its pods die with it",
            )
            .await?
        }
        Action::Restart { target } => {
            act(g, &m, "restart", &target, "the machine starts again").await?
        }
        Action::Pause { node } => act(g, &m, "pause", &node, "the machine is frozen").await?,
        Action::Resume { node } => act(g, &m, "resume", &node, "the machine runs again").await?,
        Action::Partition { node, for_ } => {
            act(
                g,
                &m,
                "partition",
                &node,
                "the machine is cut off from the control daemon and the other nodes; it keeps running",
            )
            .await?;
            if let Some(d) = for_ {
                println!("healing in {}", humantime::format_duration(d));
                tokio::time::sleep(d).await;
                act(g, &m, "heal", &node, "the machine is connected again").await?;
            }
        }
        Action::Heal { node } => {
            act(g, &m, "heal", &node, "the machine is connected again").await?
        }
        Action::Flap { node, period, for_ } => {
            if period.is_zero() {
                return Err(CliError::Usage("--period must be more than 0".into()));
            }
            let machine = m.machine(&node)?.name.clone();
            let message = format!(
                "the machine's network flaps: {} cut, {} connected, for {}",
                humantime::format_duration(period),
                humantime::format_duration(period),
                humantime::format_duration(for_)
            );
            println!("flap {machine}: {message}");
            record(g, &machine, "flap", &message).await;
            let end = std::time::Instant::now() + for_;
            while std::time::Instant::now() < end {
                act(g, &m, "partition", &machine, "flapping: cut off").await?;
                tokio::time::sleep(period).await;
                act(g, &m, "heal", &machine, "flapping: connected").await?;
                tokio::time::sleep(period).await;
            }
        }
    }
    Ok(())
}

/// Records an action on the control daemon as an Event on the `default`
/// Namespace, once its API answers (best effort, 10 s).
async fn record_control(g: &Global, action: &str, message: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while std::time::Instant::now() < deadline {
        if let Ok(ctx) = crate::verbs::Ctx::connect(&g.overrides())
            && let Ok(ns) = ctx
                .client
                .get::<crate::api::Namespace>("", crate::api::DEFAULT_NAMESPACE)
                .await
        {
            crate::node::worker::record_event(
                &ctx.client,
                "ork-chaos",
                crate::api::Object::into_any(ns),
                "Warning",
                reason(action),
                message,
            )
            .await;
            return;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_its_own_reason() {
        let all = [
            "kill",
            "restart",
            "pause",
            "resume",
            "partition",
            "heal",
            "flap",
        ];
        let mut reasons: Vec<&str> = all.iter().map(|a| reason(a)).collect();
        assert!(
            reasons
                .iter()
                .all(|r| r.starts_with("Chaos") && r.len() > 5)
        );
        reasons.sort();
        reasons.dedup();
        assert_eq!(reasons.len(), all.len());
    }
}
