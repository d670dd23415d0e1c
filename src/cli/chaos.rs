//! `ork chaos`: breaks the machines of an `ork up --machines docker` cluster
//! on purpose (kill, restart, pause, resume, partition, heal, flap, and
//! killing the control daemon), prints what it did (the `docker` command),
//! and records each as an Event on the Node (reason `ChaosKill`,
//! `ChaosPartition`…; source `ork-chaos`), so `ork describe node`, `ork
//! events` and the dashboard's failover timeline show it next to what the
//! cluster did about it.
//!
//! The same actions run from the dashboard's nodes view: [`for_dashboard`]
//! hands it a [`chaos::Runner`] over [`perform`].
//!
//! This module must not import `tui`.

use super::machines::{self, ControlPlace, Machines, chaos_args};
use super::misc::parse_duration;
use super::up::default_data_dir;
use super::{CliError, Global, Result};
use crate::verbs::{Overrides, chaos};
use clap::{Args, Subcommand};
use futures::future::BoxFuture;
use std::path::{Path, PathBuf};
use std::sync::Arc;
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
pub use crate::verbs::chaos::reason;

fn load(dir: &Path) -> Result<Machines> {
    Machines::load(dir)?.ok_or_else(|| {
        CliError::Usage(format!(
            "no machines in {}: `ork chaos` works on a cluster started with `ork up --machines docker` (give its --data-dir)",
            dir.display()
        ))
    })
}

/// What an action did: its line, and whether its Event was recorded.
pub struct Done {
    pub line: String,
    pub recorded: bool,
}

impl Done {
    fn print(&self) {
        println!("{}", self.line);
        if !self.recorded {
            eprintln!("{NOT_RECORDED}");
        }
    }
}

const NOT_RECORDED: &str = "(no Event recorded: the control daemon did not answer)";

/// Records the action as an Event on the Node, best effort (the control
/// daemon may be what was broken); whether it was.
async fn record(o: &Overrides, node: &str, action: &str, message: &str) -> bool {
    let recorded = async {
        let ctx = crate::verbs::Ctx::connect(o).ok()?;
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
    recorded.await.is_some()
}

/// Runs one docker action on a machine and records it.
async fn act(o: &Overrides, m: &Machines, action: &str, node: &str, what: &str) -> Result<Done> {
    let machine = m.machine(node)?;
    let args = chaos_args(action, machine, &m.network);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    machines::docker(&args).await?;
    let message = format!("{what} ({})", machines::shown(&args));
    let recorded = record(o, &machine.name, action, &message).await;
    Ok(Done {
        line: format!("{action} {}: {message}", machine.name),
        recorded,
    })
}

async fn kill_control(m: &Machines, dir: &Path) -> Result<String> {
    match &m.control {
        ControlPlace::Container { container, .. } => {
            let args = ["kill", "--signal", "KILL", container.as_str()];
            machines::docker(&args).await?;
            Ok(format!(
                "kill control: SIGKILL to the control daemon's container ({})",
                machines::shown(&args)
            ))
        }
        ControlPlace::Host { .. } => {
            let pid = super::up::host_control_pid(dir).ok_or_else(|| {
                CliError::Failed(
                    "the control daemon is not running (no live DATA/control.pid)".into(),
                )
            })?;
            nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL)
                .map_err(|e| CliError::Failed(format!("killing pid {pid}: {e}")))?;
            Ok(format!(
                "kill control: SIGKILL to the control daemon, pid {pid}"
            ))
        }
    }
}

async fn restart_control(m: &Machines, dir: &Path) -> Result<String> {
    match &m.control {
        ControlPlace::Container { container, .. } => {
            let args = ["start", container.as_str()];
            machines::docker(&args).await?;
            Ok(format!(
                "restart control: started the control daemon's container ({})",
                machines::shown(&args)
            ))
        }
        ControlPlace::Host { args } => {
            if super::up::host_control_pid(dir).is_some() {
                return Err(CliError::Failed("the control daemon is running".into()));
            }
            let child = super::up::spawn_host_control(dir, args)?;
            Ok(format!(
                "restart control: started the control daemon again, pid {}",
                child.id().unwrap_or(0)
            ))
        }
    }
}

/// Does `action` to machine `target` of `m` (or to the control daemon,
/// target `control`, for kill and restart), records it, and says what it
/// did. `ork chaos` and the dashboard's nodes view both act through here.
pub async fn perform(
    o: &Overrides,
    dir: &Path,
    m: &Machines,
    action: chaos::Action,
    target: &str,
) -> Result<Done> {
    use chaos::Action as A;
    if target == chaos::CONTROL {
        return match action {
            A::Kill => kill_control(m, dir).await.map(|line| Done {
                line,
                recorded: true,
            }),
            A::Restart => {
                let line = restart_control(m, dir).await?;
                // Its API answers a moment later; the Event is best effort.
                let recorded =
                    record_control(o, "restart", "the control daemon was started again").await;
                Ok(Done { line, recorded })
            }
            other => Err(CliError::Usage(format!(
                "`{}` works on machines; the control daemon can be killed and restarted",
                other.name()
            ))),
        };
    }
    let what = match action {
        A::Kill => "SIGKILL to the machine; its pods die with it",
        A::Restart => "the machine starts again",
        A::Pause => "the machine is frozen",
        A::Resume => "the machine runs again",
        A::Partition => {
            "the machine is cut off from the control daemon and the other nodes; it keeps running"
        }
        A::Heal => "the machine is connected again",
    };
    act(o, m, action.name(), target, what).await
}

/// The chaos actions for the dashboard: `ork chaos`'s own code on the
/// machines of the data dir `ORK_DATA_DIR` (else the default data dir, where
/// a plain `ork up --machines docker` keeps them), or why there are none.
pub fn for_dashboard(g: &Global) -> std::result::Result<Arc<dyn chaos::Runner>, String> {
    let dir = std::env::var_os("ORK_DATA_DIR")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(default_data_dir);
    match Machines::load(&dir) {
        Ok(Some(machines)) => Ok(Arc::new(MachineRunner {
            overrides: g.overrides(),
            dir,
            machines,
        })),
        Ok(None) => Err(format!(
            "no machines: chaos actions work on a cluster started with `ork up --machines docker` (none in {}; set ORK_DATA_DIR to its data dir)",
            dir.display()
        )),
        Err(e) => Err(format!("no chaos actions: {e}")),
    }
}

struct MachineRunner {
    overrides: Overrides,
    dir: PathBuf,
    machines: Machines,
}

impl chaos::Runner for MachineRunner {
    fn machines(&self) -> Vec<String> {
        self.machines.nodes.iter().map(|m| m.name.clone()).collect()
    }

    fn run(
        &self,
        action: chaos::Action,
        target: String,
    ) -> BoxFuture<'static, std::result::Result<String, String>> {
        let (o, dir, m) = (
            self.overrides.clone(),
            self.dir.clone(),
            self.machines.clone(),
        );
        Box::pin(async move {
            match perform(&o, &dir, &m, action, &target).await {
                Ok(d) if d.recorded => Ok(d.line),
                Ok(d) => Ok(format!("{} {NOT_RECORDED}", d.line)),
                Err(e) => Err(e.to_string()),
            }
        })
    }
}

pub async fn chaos(g: &Global, a: ChaosArgs) -> Result<()> {
    use chaos::Action as A;
    let dir = a.data_dir.clone().unwrap_or_else(default_data_dir);
    let m = load(&dir)?;
    let o = g.overrides();
    let run = |action: A, target: String| {
        let (o, dir, m) = (&o, &dir, &m);
        async move { perform(o, dir, m, action, &target).await.map(|d| d.print()) }
    };
    match a.action {
        Action::Kill { target } => run(A::Kill, target).await?,
        Action::Restart { target } => run(A::Restart, target).await?,
        Action::Pause { node } => run(A::Pause, node).await?,
        Action::Resume { node } => run(A::Resume, node).await?,
        Action::Partition { node, for_ } => {
            run(A::Partition, node.clone()).await?;
            if let Some(d) = for_ {
                println!("healing in {}", humantime::format_duration(d));
                tokio::time::sleep(d).await;
                run(A::Heal, node).await?;
            }
        }
        Action::Heal { node } => run(A::Heal, node).await?,
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
            Done {
                line: format!("flap {machine}: {message}"),
                recorded: record(&o, &machine, "flap", &message).await,
            }
            .print();
            let end = std::time::Instant::now() + for_;
            while std::time::Instant::now() < end {
                act(&o, &m, "partition", &machine, "flapping: cut off")
                    .await?
                    .print();
                tokio::time::sleep(period).await;
                act(&o, &m, "heal", &machine, "flapping: connected")
                    .await?
                    .print();
                tokio::time::sleep(period).await;
            }
        }
    }
    Ok(())
}

/// Records an action on the control daemon as an Event on the `default`
/// Namespace, once its API answers (best effort, 10 s); whether it was.
async fn record_control(o: &Overrides, action: &str, message: &str) -> bool {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while std::time::Instant::now() < deadline {
        if let Ok(ctx) = crate::verbs::Ctx::connect(o)
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
            return true;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    false
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
