//! `ork image build-busybox`: builds the small image the Docker examples run
//! (`ork-test/busybox:latest`) from this machine's static busybox, with no
//! registry. The building is `node::runtime::docker::busybox`'s; this is the
//! command line around it.

use super::{CliError, Result};
use crate::node::runtime::docker::{DockerRuntime, busybox};
use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct ImageArgs {
    #[command(subcommand)]
    pub command: ImageCommand,
}

#[derive(Subcommand, Debug)]
pub enum ImageCommand {
    /// Build ork-test/busybox:latest (FROM scratch + this machine's static busybox) in the local Docker engine.
    BuildBusybox {
        /// The statically linked busybox to use [default: /bin/busybox or /usr/bin/busybox].
        #[arg(long, value_name = "FILE")]
        busybox: Option<PathBuf>,
        /// The image's tag.
        #[arg(long, default_value = busybox::DEFAULT_TAG)]
        tag: String,
    },
}

pub async fn image(a: ImageArgs) -> Result<()> {
    let ImageCommand::BuildBusybox { busybox: bb, tag } = a.command;
    let path = match bb {
        Some(p) => p,
        None => busybox::find_static(busybox::CANDIDATES).ok_or_else(|| {
            CliError::Failed(
                "no static busybox on this machine: install Debian's busybox-static (sudo apt-get install busybox-static) or pass --busybox FILE".into(),
            )
        })?,
    };
    let docker = DockerRuntime::connect("image").await.map_err(|e| {
        CliError::Failed(format!(
            "no Docker engine answers at {}: {e}",
            DockerRuntime::endpoint()
        ))
    })?;
    busybox::build(docker.engine(), &path, &tag)
        .await
        .map_err(|e| CliError::Failed(e.to_string()))?;
    println!("built {tag} from {}", path.display());
    Ok(())
}
