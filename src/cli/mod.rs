//! The `ork` command line: clap definitions (their doc comments are the help
//! text), dispatch, and the one place errors become exit codes. Commands that
//! talk to a cluster turn their arguments into the plain options of `verbs`
//! (or call `client` directly) and print what comes back; `up`, `control`
//! and `node` start daemons.
//!
//! This module may use every other module; none may use it.

mod apply;
mod backup;
mod bench;
mod chaos;
mod config;
mod create;
mod create_batch;
mod create_objects;
mod describe;
mod edit;
mod exec;
mod explain;
mod expose;
mod generated;
mod get;
mod get_format;
mod image;
mod input;
mod logs;
mod machines;
mod misc;
mod nodes;
mod output;
mod portforward;
mod rollout;
mod run;
mod set;
mod token;
mod top;
mod up;
mod why;

use crate::client::ClientError;
use crate::verbs::{Ctx, Overrides, VerbError};
use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Run a container cluster the way Kubernetes does.
#[derive(Parser, Debug)]
#[command(name = "ork", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every command takes.
#[derive(Args, Debug, Clone)]
pub struct Global {
    /// API server URL (default: from the client config that `ork up` writes).
    #[arg(long, global = true, env = "ORK_SERVER", value_name = "URL")]
    pub server: Option<String>,
    /// Bearer token for the API (default: from the client config).
    #[arg(long, global = true, env = "ORK_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Client config file (a kubeconfig; default ~/.config/ork/config.yaml).
    #[arg(long, global = true, env = "ORK_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The kubeconfig context to use (default: its current context).
    #[arg(long, global = true, value_name = "NAME")]
    pub context: Option<String>,
    /// A file with the CA certificate(s) the API server's certificate must chain to.
    #[arg(long, global = true, env = "ORK_CA", value_name = "FILE")]
    pub certificate_authority: Option<PathBuf>,
    /// Do not check the API server's certificate (the connection is encrypted but anyone could answer).
    #[arg(long, global = true)]
    pub insecure_skip_tls_verify: bool,
    /// Namespace to work in.
    #[arg(
        short = 'n',
        long,
        global = true,
        env = "ORK_NAMESPACE",
        value_name = "NS"
    )]
    pub namespace: Option<String>,
    /// Log level of daemons and of this command (error, warn, info, debug, trace).
    #[arg(long, global = true, env = "ORK_LOG", value_name = "LEVEL")]
    pub log_level: Option<String>,
}

impl Global {
    /// What these flags override in the client config.
    pub fn overrides(&self) -> Overrides {
        Overrides {
            server: self.server.clone(),
            token: self.token.clone(),
            config: self.config.clone(),
            namespace: self.namespace.clone(),
            certificate_authority: self.certificate_authority.clone(),
            insecure_skip_tls_verify: self.insecure_skip_tls_verify,
            context: self.context.clone(),
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Start a whole cluster on this machine: control daemon, node daemon(s), embedded SQLite.
    Up(up::UpArgs),
    /// Stop every pod that `ork up` left running in a data dir, remove its machines (`--purge`: and delete the cluster).
    Down(up::DownArgs),
    /// Break the machines of `ork up --machines docker` on purpose: kill, restart, pause, partition, flap.
    Chaos(chaos::ChaosArgs),
    /// Run the control daemon: API, store, scheduler, controllers.
    Control(up::ControlArgs),
    /// Run a node daemon that joins a control daemon and runs pods.
    Node(up::NodeArgs),
    /// Create or update objects from manifests (file, directory, or - for stdin).
    Apply(apply::ApplyArgs),
    /// List objects, or show some by name.
    Get(get::GetArgs),
    /// Show one object in detail, with its events.
    Describe(describe::DescribeArgs),
    /// Delete objects by name, by label, or as listed in manifests.
    Delete(apply::DeleteArgs),
    /// Set the replicas of a Deployment or ReplicaSet.
    Scale(misc::ScaleArgs),
    /// Follow, list, undo, restart, pause or resume a Deployment's rollouts.
    Rollout(rollout::RolloutArgs),
    /// Mark a node unschedulable: no new pods go there.
    Cordon(nodes::CordonArgs),
    /// Mark a node schedulable again.
    Uncordon(nodes::CordonArgs),
    /// Explain where a pod can go: every node's verdict, and what would make it fit.
    Why(why::WhyArgs),
    /// Add or remove node taints (`ork taint node N dedicated=gpu:NoSchedule`, `... dedicated-`).
    Taint(nodes::TaintArgs),
    /// Cordon a node and move its pods elsewhere, waiting until they run there.
    Drain(nodes::DrainArgs),
    /// Print the logs of a pod's container, of a workload's first pod (`deployment/NAME`), or of every pod matching -l.
    Logs(logs::LogsArgs),
    /// Run a command in a running container (`ork exec POD -- CMD...`; `-it` for a shell).
    Exec(exec::ExecArgs),
    /// Forward local ports to a pod's (`ork port-forward pod/web 8080:80`), until Ctrl-C.
    PortForward(portforward::PortForwardArgs),
    /// Create a HorizontalPodAutoscaler for a Deployment or ReplicaSet.
    Autoscale(misc::AutoscaleArgs),
    /// Create an object from command-line sources: `ork create configmap NAME --from-literal k=v`,
    /// `ork create deployment NAME --image=IMG`, `ork create namespace NAME`.
    Create(create::CreateArgs),
    /// Edit an object in your editor ($KUBE_EDITOR, $EDITOR, vi) and send the change.
    Edit(edit::EditArgs),
    /// Run an image in a new Pod: `ork run web --image=nginx --port=80`.
    Run(run::RunArgs),
    /// Make a Service for a deployment's, replicaset's, pod's or service's pods.
    Expose(expose::ExposeArgs),
    /// Change one field of containers: `ork set image deployment/web main=IMG`, `ork set env deployment/web K=V K2-`.
    Set(set::SetArgs),
    /// Make, list and revoke tokens: join tokens for nodes, bearer tokens with a role for users.
    Token(token::TokenArgs),
    /// Issue a user a client certificate with a role, as a kubeconfig: `ork user create alice --role edit --out alice.kubeconfig`.
    User(token::UserArgs),
    /// Manage Secrets' encryption at rest: `ork secret rotate-key`.
    Secret(create::SecretCmdArgs),
    /// Show CPU and memory in use by nodes or pods.
    Top(top::TopArgs),
    /// List events, newest last.
    Events(misc::EventsArgs),
    /// Measure ork: `ork bench scheduler [--nodes 5000 --warm 1000 --pods 10000]`.
    Bench(bench::BenchArgs),
    /// The live dashboard: watch pods, deployments, nodes, events and failovers; scale, roll back, drain.
    Tui(crate::tui::TuiArgs),
    /// Describe a kind's fields from its schema: `ork explain deployment.spec.strategy`.
    Explain(explain::ExplainArgs),
    /// Print the client and server versions.
    Version(misc::VersionArgs),
    /// Show the client config (a kubeconfig) or its path: `ork config view`, `ork config path`.
    Config(config::ConfigArgs),
    /// Print a shell completion script.
    Completion(misc::CompletionArgs),
    /// Write a consistent snapshot of every object to a file (admins only; Secrets stay sealed).
    Backup(backup::BackupArgs),
    /// Make a new control daemon data dir from a backup (offline).
    Restore(backup::RestoreArgs),
    /// Copy a stopped control daemon's store into a new one, verified (offline).
    Migrate(backup::MigrateArgs),
    /// Build images locally, without a registry: `ork image build-busybox`.
    Image(image::ImageArgs),
    /// Runs one container process and records how it ended (used by the process runtime).
    #[command(hide = true)]
    Shim {
        /// The container's state directory.
        #[arg(long)]
        dir: PathBuf,
        /// The program and its arguments.
        #[arg(last = true, required = true)]
        command: Vec<String>,
        /// Become the user of the directory's run-as.json and exec the program.
        #[arg(long, hide = true)]
        exec: bool,
    },
    /// Waits for SIGTERM (the process of the docker runtime's pod sandbox).
    #[command(hide = true)]
    Pause,
}

/// Output formats of `get`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Default)]
pub enum Format {
    /// Columns, as kubectl prints them.
    #[default]
    Table,
    /// More columns.
    Wide,
    /// JSON; a list is `{"apiVersion":"v1","kind":"List","items":[...]}`.
    Json,
    /// YAML, one document.
    Yaml,
    /// `kind/name` per object.
    Name,
}

/// What went wrong, and the exit code it gives.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Client(#[from] ClientError),
    #[error(transparent)]
    Verb(#[from] VerbError),
    /// Invalid manifests; each problem was already printed.
    #[error("{0}")]
    Manifest(String),
    #[error("{what} {path}: {source}")]
    Io {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Failed(String),
    /// Exit with this code, nothing more to say (`ork exec` passing on the command's).
    #[error("")]
    Exit(i32),
}

impl CliError {
    /// 2 for misuse, 1 for everything else.
    pub fn code(&self) -> i32 {
        match self {
            CliError::Usage(_) | CliError::Verb(VerbError::NotConfigured(_)) => 2,
            CliError::Exit(code) => *code,
            _ => 1,
        }
    }
}

pub type Result<T> = std::result::Result<T, CliError>;

/// The context of client commands, from the flags and the client config.
fn ctx(g: &Global) -> Result<Ctx> {
    Ok(Ctx::connect(&g.overrides())?)
}

fn init_logging(level: Option<&str>, daemon: bool) {
    let default = if daemon { "info" } else { "warn" };
    let filter = tracing_subscriber::EnvFilter::try_from_env("RUST_LOG").unwrap_or_else(|_| {
        let lvl = level.unwrap_or(default);
        tracing_subscriber::EnvFilter::new(format!("ork={lvl},warn"))
    });
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .compact()
        .try_init();
}

/// The clap command tree (for completions and checks).
pub fn command() -> clap::Command {
    Cli::command()
}

async fn dispatch(cli: Cli) -> Result<()> {
    let g = &cli.global;
    if matches!(
        cli.command,
        Command::Up(_) | Command::Control(_) | Command::Node(_)
    ) {
        crate::sys::raise_fd_limit();
    }
    match cli.command {
        Command::Up(a) => up::up(g, a).await,
        Command::Down(a) => up::down(g, a).await,
        Command::Chaos(a) => chaos::chaos(g, a).await,
        Command::Control(a) => up::control(a).await,
        Command::Node(a) => up::node(g, a).await,
        Command::Apply(a) => apply::apply(&ctx(g)?, a).await,
        Command::Get(a) => get::get(&ctx(g)?, a).await,
        Command::Describe(a) => describe::describe(&ctx(g)?, a).await,
        Command::Delete(a) => apply::delete(&ctx(g)?, a).await,
        Command::Scale(a) => misc::scale(&ctx(g)?, a).await,
        Command::Rollout(a) => rollout::rollout(&ctx(g)?, a).await,
        Command::Cordon(a) => nodes::cordon(&ctx(g)?, a, true).await,
        Command::Uncordon(a) => nodes::cordon(&ctx(g)?, a, false).await,
        Command::Drain(a) => nodes::drain(&ctx(g)?, a).await,
        Command::Taint(a) => nodes::taint(&ctx(g)?, a).await,
        Command::Why(a) => why::why(&ctx(g)?, a).await,
        Command::Bench(a) => bench::bench(a).await,
        Command::Logs(a) => logs::logs(&ctx(g)?, a).await,
        Command::Exec(a) => exec::exec(&ctx(g)?, a).await,
        Command::PortForward(a) => portforward::port_forward(&ctx(g)?, a).await,
        Command::Top(a) => top::top(&ctx(g)?, a).await,
        Command::Autoscale(a) => misc::autoscale(&ctx(g)?, a).await,
        Command::Create(a) => create::create(&ctx(g)?, a).await,
        Command::Edit(a) => edit::edit(&ctx(g)?, a).await,
        Command::Run(a) => run::run(&ctx(g)?, a).await,
        Command::Expose(a) => expose::expose(&ctx(g)?, a).await,
        Command::Set(a) => set::set(&ctx(g)?, a).await,
        Command::Token(a) => token::token(g, &ctx(g)?, a).await,
        Command::User(a) => token::user(g, &ctx(g)?, a).await,
        Command::Secret(a) => create::secret(&ctx(g)?, a).await,
        Command::Events(a) => misc::events(&ctx(g)?, a).await,
        Command::Tui(a) => {
            let (ctx, chaos) = (ctx(g)?, chaos::for_dashboard(g));
            crate::tui::run(&ctx, a, chaos).await
        }
        .map_err(|e| CliError::Failed(format!("tui: {e}"))),
        Command::Explain(a) => explain::explain(a),
        Command::Version(a) => misc::version(g, a).await,
        Command::Config(a) => config::config(g, a),
        Command::Completion(a) => misc::completion(a),
        Command::Backup(a) => backup::backup(&ctx(g)?.client, a).await,
        Command::Restore(a) => backup::restore(a),
        Command::Migrate(a) => backup::migrate(a),
        Command::Image(a) => image::image(a).await,
        Command::Shim { .. } | Command::Pause => Ok(()),
    }
}

/// Runs the command line; returns the process exit code.
pub fn run() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    if let Command::Pause = cli.command {
        return crate::node::runtime::docker::sandbox::pause();
    }
    if let Command::Shim { dir, command, exec } = cli.command {
        return crate::node::runtime::shim::run(crate::node::runtime::shim::ShimArgs {
            dir,
            command,
            exec,
        });
    }
    let daemon = matches!(
        cli.command,
        Command::Up(_) | Command::Control(_) | Command::Node(_)
    );
    init_logging(cli.global.log_level.as_deref(), daemon);
    crate::tls::install_crypto();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: starting the async runtime: {e}");
            return 1;
        }
    };
    let result = rt.block_on(dispatch(cli));
    // A read of stdin still pending (`ork exec -i`) must not hold the exit.
    rt.shutdown_background();
    match result {
        Ok(()) => 0,
        Err(e) => {
            // An empty message means the details were already printed.
            let msg = e.to_string();
            if !msg.is_empty() {
                eprintln!("error: {msg}");
            }
            e.code()
        }
    }
}

/// Help and version print as clap prints them; a misuse is one line on
/// stderr (clap's error and its tip, if any) and exit code 2.
fn usage_error(e: clap::Error) -> i32 {
    use clap::error::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        e.exit();
    }
    eprintln!("{}", one_line(&e.render().to_string()));
    2
}

/// clap's multi-line error as one line: the error, its tips, and where to
/// read more.
pub fn one_line(rendered: &str) -> String {
    let lines: Vec<&str> = rendered
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let mut out = lines.first().copied().unwrap_or("error").to_string();
    for l in &lines[1.min(lines.len())..] {
        if let Some(tip) = l.strip_prefix("tip:") {
            out.push_str(&format!(" ({})", tip.trim()));
        }
    }
    let usage = lines
        .iter()
        .find_map(|l| l.strip_prefix("Usage:"))
        .map(|u| {
            u.split_whitespace()
                .take_while(|w| !w.starts_with(['[', '<', '-']))
                .collect::<Vec<_>>()
                .join(" ")
        });
    if let Some(cmd) = usage.filter(|c| !c.is_empty()) {
        out.push_str(&format!("; see `{cmd} --help`"));
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn misuse_is_one_line() {
        use clap::Parser;
        let e = super::Cli::try_parse_from(["ork", "get", "pods", "--bogus"]).unwrap_err();
        let line = super::one_line(&e.render().to_string());
        assert!(!line.contains('\n'), "{line}");
        assert!(
            line.starts_with("error: unexpected argument '--bogus'"),
            "{line}"
        );
        assert!(line.ends_with("see `ork get --help`"), "{line}");
    }

    #[test]
    fn the_command_tree_is_consistent() {
        super::command().debug_assert();
    }
}
