//! `ork create job NAME --image=IMG -- COMMAND...`, as kubectl's generator
//! makes it: one container named after the Job, `restartPolicy: Never`.

use super::generated::{GenFlags, create};
use super::{Ctx, Result};
use crate::api::batch::Job;
use crate::api::{Container, RestartPolicy, new_object};
use clap::Args;

#[derive(Args, Debug)]
pub struct JobArgs {
    pub name: String,
    /// The container image.
    #[arg(long)]
    pub image: String,
    #[command(flatten)]
    pub gen_flags: GenFlags,
    /// The container's command (after `--`).
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

/// The Job `kubectl create job NAME --image=IMG -- CMD` makes.
pub fn new_job(namespace: &str, name: &str, image: &str, command: &[String]) -> Job {
    let mut j: Job = new_object(namespace, name);
    j.spec.template.spec.containers = vec![Container {
        name: name.to_string(),
        image: image.to_string(),
        command: command.to_vec(),
        ..Default::default()
    }];
    j.spec.template.spec.restart_policy = RestartPolicy::Never;
    j
}

pub async fn job(ctx: &Ctx, a: JobArgs) -> Result<()> {
    let j = new_job(&ctx.namespace, &a.name, &a.image, &a.command);
    create(ctx, &j, &a.gen_flags, "created").await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Object;

    #[test]
    fn the_job_is_kubectls() {
        let j = new_job("default", "once", "busybox", &["date".into()]);
        assert_eq!(j.spec.template.spec.containers[0].name, "once");
        assert_eq!(j.spec.template.spec.containers[0].command, vec!["date"]);
        assert_eq!(j.spec.template.spec.restart_policy, RestartPolicy::Never);
        assert!(j.validate().is_empty(), "{:?}", j.validate());
    }
}
