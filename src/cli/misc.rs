//! Smaller commands: `scale`, `logs`, `events`, `version`, `completion`.

use super::{CliError, Ctx, Global, Result};
use crate::api::{AnyObject, Event, Kind, Time, qualified_name};
use crate::client::{ListParams, LogParams};
use crate::verbs::objects::{self, Target, scalable};
use crate::verbs::output::{Columns, table};
use clap::{Args, ValueEnum};
use futures::StreamExt;
use std::io::Write;
use std::time::Duration;

/// The longest duration a flag takes (about 31 years).
const MAX_DURATION: Duration = Duration::from_secs(1_000_000_000);

/// Parses a duration as humantime writes them (`500ms`, `30s`, `5m`, `1h`,
/// `1m30s`, `1.5h`), or a bare number of seconds (`300`).
pub fn parse_duration(s: &str) -> std::result::Result<Duration, String> {
    let s = s.trim();
    let d = match s.parse::<f64>() {
        Ok(secs) if (0.0..=MAX_DURATION.as_secs_f64()).contains(&secs) => {
            Duration::from_secs_f64(secs)
        }
        Ok(_) => return Err(format!("{s:?} is out of range")),
        Err(_) => humantime::parse_duration(s)
            .map_err(|e| format!("{s:?} is not a duration (e.g. 500ms, 30s, 5m, 1m30s): {e}"))?,
    };
    if d > MAX_DURATION {
        return Err(format!("{s:?} is out of range"));
    }
    Ok(d)
}

#[derive(Args, Debug)]
pub struct ScaleArgs {
    /// deployment/NAME, rs/NAME, or KIND NAME.
    #[arg(required = true, value_name = "KIND/NAME")]
    pub target: Vec<String>,
    /// The new number of replicas.
    #[arg(long)]
    pub replicas: i32,
}

/// `deployment/web` or `deployment web` → (kind, name), scalable kinds only.
fn scale_target(target: &[String]) -> Result<(Kind, String)> {
    let (k, name) = match target {
        [one] => one
            .split_once('/')
            .map(|(k, n)| (k.to_string(), n.to_string()))
            .ok_or_else(|| CliError::Usage("give KIND/NAME, e.g. deployment/web".into()))?,
        [k, n] => (k.clone(), n.clone()),
        _ => {
            return Err(CliError::Usage(
                "give KIND/NAME, e.g. deployment/web".into(),
            ));
        }
    };
    let kind = Kind::from_name(&k).filter(|k| scalable(*k));
    let kind = kind.ok_or_else(|| {
        CliError::Usage(format!(
            "{k:?} cannot be scaled: use deployment or replicaset"
        ))
    })?;
    Ok((kind, name))
}

#[derive(Args, Debug)]
pub struct AutoscaleArgs {
    /// deployment/NAME or rs/NAME.
    #[arg(required = true, value_name = "KIND/NAME")]
    pub target: Vec<String>,
    /// Fewest replicas.
    #[arg(long, default_value_t = 1)]
    pub min: i32,
    /// Most replicas.
    #[arg(long)]
    pub max: i32,
    /// Average CPU utilization (percent of requests) to aim for; default 80.
    #[arg(long, value_name = "PERCENT")]
    pub cpu_percent: Option<i32>,
    /// Name of the autoscaler (default: the target's).
    #[arg(long)]
    pub name: Option<String>,
}

/// `ork autoscale deployment/web --min 1 --max 5 --cpu-percent 60`.
pub async fn autoscale(ctx: &Ctx, a: AutoscaleArgs) -> Result<()> {
    use crate::api::autoscaling::{
        CrossVersionObjectReference, HorizontalPodAutoscaler, MetricSpec, MetricTarget,
        ResourceMetricSource,
    };
    let (kind, target) = scale_target(&a.target)?;
    let name = a.name.clone().unwrap_or_else(|| target.clone());
    let mut h: HorizontalPodAutoscaler = crate::api::new_object(&ctx.namespace, &name);
    h.spec.scale_target_ref = CrossVersionObjectReference {
        api_version: kind.api_version().into(),
        kind: kind.as_str().into(),
        name: target,
    };
    h.spec.min_replicas = Some(a.min);
    h.spec.max_replicas = a.max;
    h.spec.metrics = vec![MetricSpec {
        type_: "Resource".into(),
        resource: Some(ResourceMetricSource {
            name: "cpu".into(),
            target: MetricTarget {
                type_: "Utilization".into(),
                average_utilization: Some(a.cpu_percent.unwrap_or(80)),
                ..Default::default()
            },
        }),
        ..Default::default()
    }];
    ctx.client.create(&h).await?;
    println!(
        "{} autoscaled",
        qualified_name(Kind::HorizontalPodAutoscaler, &name)
    );
    Ok(())
}

pub async fn scale(ctx: &Ctx, a: ScaleArgs) -> Result<()> {
    let (kind, name) = scale_target(&a.target)?;
    if a.replicas < 0 {
        return Err(CliError::Usage(format!(
            "--replicas {} must not be negative",
            a.replicas
        )));
    }
    let target = Target {
        kind,
        namespace: ctx.namespace.clone(),
        name,
    };
    objects::scale(ctx, &target, a.replicas).await?;
    println!("{} scaled", qualified_name(kind, &target.name));
    Ok(())
}

#[derive(Args, Debug)]
pub struct LogsArgs {
    /// The pod.
    pub pod: String,
    /// The container (needed when the pod has several).
    #[arg(short = 'c', long)]
    pub container: Option<String>,
    /// Keep printing new output.
    #[arg(short = 'f', long)]
    pub follow: bool,
    /// Only the last N lines.
    #[arg(long, value_name = "N")]
    pub tail: Option<i64>,
    /// The logs of the previous instance (before its last restart).
    #[arg(short = 'p', long)]
    pub previous: bool,
}

/// A pod named as `NAME`, `pod/NAME` or `pods/NAME`.
pub fn pod_name(arg: &str) -> &str {
    arg.strip_prefix("pod/")
        .or(arg.strip_prefix("pods/"))
        .unwrap_or(arg)
}

pub async fn logs(ctx: &Ctx, a: LogsArgs) -> Result<()> {
    let pod = pod_name(&a.pod);
    let opts = LogParams {
        container: a.container.clone(),
        follow: a.follow,
        tail_lines: a.tail.filter(|n| *n >= 0),
        previous: a.previous,
        ..Default::default()
    };
    let mut stream = ctx.client.logs(&ctx.namespace, pod, &opts).await?;
    let mut out = std::io::stdout().lock();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        if out.write_all(&chunk).and_then(|_| out.flush()).is_err() {
            // The reader went away (`| head`): stop quietly.
            return Ok(());
        }
    }
    Ok(())
}

#[derive(Args, Debug)]
pub struct EventsArgs {
    /// Across all namespaces.
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,
    /// Only events about this object (KIND/NAME).
    #[arg(long = "for", value_name = "KIND/NAME")]
    pub for_object: Option<String>,
    /// Only warnings.
    #[arg(long)]
    pub warnings: bool,
}

pub async fn events(ctx: &Ctx, a: EventsArgs) -> Result<()> {
    let mut fields = vec![];
    if let Some(f) = &a.for_object {
        let (k, n) = f
            .split_once('/')
            .ok_or_else(|| CliError::Usage("--for takes KIND/NAME".into()))?;
        let kind =
            Kind::from_name(k).ok_or_else(|| CliError::Usage(format!("unknown kind {k:?}")))?;
        fields.push(format!("involvedObject.kind={}", kind.as_str()));
        fields.push(format!("involvedObject.name={n}"));
    }
    if a.warnings {
        fields.push("type=Warning".into());
    }
    let opts = ListParams {
        field_selector: Some(fields.join(",")),
        ..Default::default()
    };
    let ns = if a.all_namespaces {
        None
    } else {
        Some(ctx.namespace.as_str())
    };
    let mut evs = ctx.client.list::<Event>(ns, &opts).await?.items;
    evs.sort_by_key(|e| {
        (
            e.last_timestamp.or(e.metadata.creation_timestamp),
            e.metadata.revision(),
        )
    });
    if evs.is_empty() {
        eprintln!("No events found");
        return Ok(());
    }
    let cols = Columns {
        with_ns: a.all_namespaces,
        ..Columns::at(Time::now())
    };
    let rows: Vec<Vec<String>> = evs
        .into_iter()
        .map(|e| cols.row(&AnyObject::Event(std::sync::Arc::new(e))))
        .collect();
    print!("{}", table(&cols.headers(Kind::Event), &rows, true));
    Ok(())
}

#[derive(Args, Debug)]
pub struct VersionArgs {
    /// Only the client's version (no server needed).
    #[arg(long)]
    pub client: bool,
}

pub async fn version(g: &Global, a: VersionArgs) -> Result<()> {
    println!("Client Version: v{}", env!("CARGO_PKG_VERSION"));
    if a.client {
        return Ok(());
    }
    let ctx = super::ctx(g)?;
    let v = ctx.client.version().await?;
    println!(
        "Server Version: {}",
        v.get("gitVersion")
            .and_then(|s| s.as_str())
            .unwrap_or("unknown")
    );
    Ok(())
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

#[derive(Args, Debug)]
pub struct CompletionArgs {
    /// The shell.
    pub shell: Shell,
}

/// The completion script for a shell.
pub fn completion_script(shell: Shell) -> Vec<u8> {
    let mut cmd = super::command();
    let mut out = vec![];
    let s = match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    clap_complete::generate(s, &mut cmd, "ork", &mut out);
    out
}

pub fn completion(a: CompletionArgs) -> Result<()> {
    let _ = std::io::stdout().write_all(&completion_script(a.shell));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("2"), Ok(Duration::from_secs(2)));
        assert!(parse_duration("5x").is_err());
        assert!(parse_duration("-1s").is_err());
        assert_eq!(parse_duration("1m30s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("1.5m"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("0.5"), Ok(Duration::from_millis(500)));
        assert!(parse_duration("-1").is_err());
        assert!(parse_duration("100years").is_err());
    }

    /// The scripts in completions/ must match what the binary generates.
    #[test]
    fn completions_in_the_repo_are_current() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("completions");
        for (shell, file) in [
            (Shell::Bash, "ork.bash"),
            (Shell::Zsh, "_ork"),
            (Shell::Fish, "ork.fish"),
        ] {
            let want = completion_script(shell);
            let path = dir.join(file);
            if std::env::var_os("ORK_UPDATE_COMPLETIONS").is_some() {
                std::fs::write(&path, &want).unwrap();
            }
            let have = std::fs::read(&path).unwrap_or_default();
            assert!(
                have == want,
                "{} is stale; run: ORK_UPDATE_COMPLETIONS=1 cargo test completions_in_the_repo_are_current",
                path.display()
            );
        }
    }
}
