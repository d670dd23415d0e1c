//! The `ork` command line (being written): clap definitions and dispatch.

use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "ork", version, about = "Run a container cluster the way Kubernetes does")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Runs one container process and records how it ended (used by the process runtime).
    #[command(hide = true)]
    Shim {
        /// The container's state directory.
        #[arg(long)]
        dir: PathBuf,
        /// The program and its arguments.
        #[arg(last = true, required = true)]
        command: Vec<String>,
    },
}

/// Runs the command line; returns the process exit code.
pub fn run() -> i32 {
    let cli = Cli::parse();
    match cli.command {
        Command::Shim { dir, command } => {
            crate::node::runtime::shim::run(crate::node::runtime::shim::ShimArgs { dir, command })
        }
    }
}
