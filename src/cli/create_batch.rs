//! `ork create job NAME --image=IMG -- COMMAND...` and `ork create cronjob
//! NAME --image=IMG --schedule=CRON -- COMMAND...`, as kubectl's generators
//! make them (one container named after the object); `ork create job NAME
//! --from=cronjob/CJ` runs a CronJob's template once now, as kubectl does.

use super::generated::{GenFlags, create};
use super::{CliError, Ctx, Result};
use crate::api::batch::Job;
use crate::api::cronjob::{CronJob, job_from_template};
use crate::api::{Container, Kind, RestartPolicy, new_object};
use clap::Args;

#[derive(Args, Debug)]
pub struct JobArgs {
    pub name: String,
    /// The container image.
    #[arg(long, required_unless_present = "from", conflicts_with = "from")]
    pub image: Option<String>,
    /// Make the Job from a CronJob's template: `cronjob/NAME`.
    #[arg(long, value_name = "cronjob/NAME")]
    pub from: Option<String>,
    #[command(flatten)]
    pub gen_flags: GenFlags,
    /// The container's command (after `--`).
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

#[derive(Args, Debug)]
pub struct CronJobArgs {
    pub name: String,
    /// The container image.
    #[arg(long)]
    pub image: String,
    /// When to run, in cron syntax: `*/5 * * * *`, `@hourly`.
    #[arg(long)]
    pub schedule: String,
    /// The pods' restartPolicy: OnFailure or Never.
    #[arg(long, default_value = "OnFailure", value_name = "OnFailure|Never")]
    pub restart: String,
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

/// The CronJob `kubectl create cronjob NAME --image=IMG --schedule=S -- CMD`
/// makes.
pub fn new_cronjob(
    namespace: &str,
    name: &str,
    image: &str,
    schedule: &str,
    restart: RestartPolicy,
    command: &[String],
) -> CronJob {
    let mut c: CronJob = new_object(namespace, name);
    c.spec.schedule = schedule.to_string();
    c.spec.job_template.metadata.name = name.to_string();
    let t = &mut c.spec.job_template.spec.template.spec;
    t.containers = vec![Container {
        name: name.to_string(),
        image: image.to_string(),
        command: command.to_vec(),
        ..Default::default()
    }];
    t.restart_policy = restart;
    c
}

/// The CronJob a `--from` names: `cronjob/NAME` (also `cj/`, `cronjobs/`,
/// `cronjob.batch/`).
fn from_cronjob(from: &str) -> Result<&str> {
    match from.split_once('/') {
        Some((k, name)) if Kind::from_name(k) == Some(Kind::CronJob) && !name.is_empty() => {
            Ok(name)
        }
        _ => Err(CliError::Usage(format!(
            "--from={from}: only cronjob/NAME can be a Job's source"
        ))),
    }
}

pub async fn job(ctx: &Ctx, a: JobArgs) -> Result<()> {
    let j = match (&a.from, &a.image) {
        (Some(from), _) => {
            if !a.command.is_empty() {
                return Err(CliError::Usage(
                    "a command cannot be given with --from: the CronJob's template is used".into(),
                ));
            }
            let cj: CronJob = ctx.client.get(&ctx.namespace, from_cronjob(from)?).await?;
            job_from_template(&cj, None, &a.name)
        }
        (None, Some(image)) => new_job(&ctx.namespace, &a.name, image, &a.command),
        (None, None) => return Err(CliError::Usage("--image or --from is required".into())),
    };
    create(ctx, &j, &a.gen_flags, "created").await
}

pub async fn cronjob(ctx: &Ctx, a: CronJobArgs) -> Result<()> {
    let restart = match a.restart.as_str() {
        "OnFailure" => RestartPolicy::OnFailure,
        "Never" => RestartPolicy::Never,
        other => {
            return Err(CliError::Usage(format!(
                "invalid --restart {other:?}: a CronJob's pods restart OnFailure or Never"
            )));
        }
    };
    let c = new_cronjob(
        &ctx.namespace,
        &a.name,
        &a.image,
        &a.schedule,
        restart,
        &a.command,
    );
    create(ctx, &c, &a.gen_flags, "created").await
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

    #[test]
    fn the_cronjob_is_kubectls() {
        let mut c = new_cronjob(
            "default",
            "hello",
            "busybox",
            "*/1 * * * *",
            RestartPolicy::OnFailure,
            &["date".into()],
        );
        let t = &c.spec.job_template.spec.template.spec;
        assert_eq!(t.containers[0].name, "hello");
        assert_eq!(t.restart_policy, RestartPolicy::OnFailure);
        c.normalize();
        assert!(c.validate().is_empty(), "{:?}", c.validate());
    }

    #[test]
    fn from_names_only_a_cronjob() {
        assert_eq!(from_cronjob("cronjob/hello").unwrap(), "hello");
        assert_eq!(from_cronjob("cj/hello").unwrap(), "hello");
        assert_eq!(from_cronjob("cronjob.batch/hello").unwrap(), "hello");
        assert!(from_cronjob("deployment/web").is_err());
        assert!(from_cronjob("hello").is_err());
    }
}
