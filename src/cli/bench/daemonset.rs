//! `ork bench daemonset`: a DaemonSet on N hollow nodes (a real `ork
//! control` child process, the nodes in this process with the `fake`
//! runtime), timed from its create to every one of its N pods Running, as a
//! list through the API shows them.

use super::{ControlProcess, Result, failed, hollow_nodes, thousands};
use crate::api::{Container, DaemonSet, Pod, PodPhase, new_object};
use crate::client::ListParams;
use std::path::Path;
use std::time::{Duration, Instant};

pub async fn run(dir: &Path, nodes: usize) -> Result<()> {
    let cp = ControlProcess::spawn(&dir.join("control"), &[]).await?;
    let t = Instant::now();
    let running_nodes = hollow_nodes(&cp, &dir.join("nodes"), nodes).await?;
    println!(
        "{} hollow nodes registered and Ready in {:.1} s",
        thousands(nodes as u64),
        t.elapsed().as_secs_f64()
    );
    let result = measure(&cp, nodes).await;
    for n in running_nodes {
        n.shutdown().await;
    }
    let took = result?;
    println!(
        "daemonset {nodes} nodes: {:.1} s to all Running, {} cores",
        took.as_secs_f64(),
        super::cores()
    );
    Ok(())
}

async fn measure(cp: &ControlProcess, nodes: usize) -> Result<Duration> {
    let client = cp.client()?;
    let mut ds: DaemonSet = new_object("default", "bench-agent");
    ds.spec
        .selector
        .match_labels
        .insert("app".into(), "bench-agent".into());
    ds.spec.template.metadata.labels = ds.spec.selector.match_labels.clone();
    ds.spec.template.spec.containers = vec![Container {
        name: "c".into(),
        image: "none".into(),
        command: vec!["none".into()],
        ..Default::default()
    }];
    let start = Instant::now();
    client.create(&ds).await.map_err(failed)?;
    let opts = ListParams {
        label_selector: Some("app=bench-agent".into()),
        ..Default::default()
    };
    let deadline = start + Duration::from_secs(600);
    loop {
        let pods = client
            .list::<Pod>(Some("default"), &opts)
            .await
            .map_err(failed)?;
        let running = pods
            .items
            .iter()
            .filter(|p| p.status.phase == PodPhase::Running)
            .count();
        if running >= nodes {
            return Ok(start.elapsed());
        }
        if Instant::now() > deadline {
            return Err(failed(format!(
                "only {running} of {nodes} daemon pods Running after 600 s"
            )));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
