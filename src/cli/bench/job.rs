//! `ork bench job`: the Job controller's cost. A real `ork control` child
//! process, N hollow nodes in this process, and one Job of many completions
//! whose hollow containers (`command: [true]`) exit at once; measured from
//! the create to the Job's `Complete` condition.

use super::{ControlProcess, Result, failed, hollow_nodes, thousands};
use crate::api::batch::Job;
use crate::api::{Container, RestartPolicy, new_object};
use std::path::Path;
use std::time::{Duration, Instant};

pub async fn run(dir: &Path, nodes: usize, completions: i32, parallelism: i32) -> Result<()> {
    let cp = ControlProcess::spawn(&dir.join("control"), &[]).await?;
    let running_nodes = hollow_nodes(&cp, &dir.join("nodes"), nodes).await?;
    let result = measure(&cp, completions, parallelism).await;
    for n in running_nodes {
        n.shutdown().await;
    }
    let took = result?;
    println!(
        "job {} completions: {:.0}/s ({:.1} s, parallelism {}, {} hollow nodes, {} cores)",
        thousands(completions as u64),
        f64::from(completions) / took.as_secs_f64(),
        took.as_secs_f64(),
        parallelism,
        nodes,
        super::cores()
    );
    Ok(())
}

async fn measure(cp: &ControlProcess, completions: i32, parallelism: i32) -> Result<Duration> {
    let client = cp.client()?;
    let mut j: Job = new_object("default", "bench");
    j.spec.completions = Some(completions);
    j.spec.parallelism = Some(parallelism);
    j.spec.template.spec.restart_policy = RestartPolicy::Never;
    j.spec.template.spec.containers = vec![Container {
        name: "main".into(),
        image: "none".into(),
        command: vec!["true".into()],
        ..Default::default()
    }];
    let start = Instant::now();
    client.create(&j).await.map_err(failed)?;
    let deadline = start + Duration::from_secs(1800);
    loop {
        let j: Job = client.get("default", "bench").await.map_err(failed)?;
        if j.true_condition("Complete").is_some() {
            return Ok(start.elapsed());
        }
        if j.true_condition("Failed").is_some() {
            return Err(failed(format!("the Job failed: {:?}", j.status.conditions)));
        }
        if Instant::now() > deadline {
            return Err(failed(format!(
                "the Job did not complete in 30 minutes ({} succeeded)",
                j.status.succeeded
            )));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
