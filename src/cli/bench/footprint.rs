//! `ork bench footprint`: resident memory (VmRSS) of an idle control daemon,
//! an idle node daemon (the runtime `auto` picks, as `ork up` would), and the
//! control daemon once it holds N hollow nodes and M Running pods.

use super::{ControlProcess, Result, failed, hollow_nodes, mib, rss_bytes, thousands};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long a daemon settles before it is measured.
const SETTLE: Duration = Duration::from_secs(5);

pub async fn run(dir: &Path, nodes: usize, pods: usize) -> Result<()> {
    let cp = ControlProcess::spawn(&dir.join("control"), &[]).await?;
    tokio::time::sleep(SETTLE).await;
    println!(
        "control daemon idle: {} resident (target ≤30 MB), {} cores",
        mib(cp.rss()),
        super::cores()
    );

    let node_dir = dir.join("node");
    crate::sys::private_dir(&node_dir).map_err(failed)?;
    let log = std::fs::File::create(dir.join("node.log")).map_err(failed)?;
    let mut node = Command::new(std::env::current_exe().map_err(failed)?)
        .args(["node", "--name", "idle", "--join", &cp.url, "--token-file"])
        .arg(cp.data_dir.join("node.token"))
        .arg("--data-dir")
        .arg(&node_dir)
        .stdin(Stdio::null())
        .stdout(log.try_clone().map_err(failed)?)
        .stderr(log)
        .spawn()
        .map_err(failed)?;
    let client = cp.client()?;
    let deadline = Instant::now() + Duration::from_secs(30);
    let measured = loop {
        if client
            .get::<crate::api::Node>("", "idle")
            .await
            .is_ok_and(|n| n.is_ready())
        {
            tokio::time::sleep(SETTLE).await;
            break Ok(rss_bytes(node.id()).unwrap_or(0));
        }
        if Instant::now() > deadline {
            break Err(failed("the node daemon did not become Ready within 30 s"));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let summary = std::fs::read_to_string(dir.join("node.log"))
        .ok()
        .and_then(|l| {
            l.lines()
                .find_map(|l| l.split_once("runtime: ").map(|(_, r)| r.to_string()))
        })
        .unwrap_or_default();
    let _ = node.kill();
    let _ = node.wait();
    // Gone for good: no pod of the next part may land on it.
    client
        .delete(
            crate::api::Kind::Node,
            "",
            "idle",
            &crate::client::DeleteOptions::default(),
        )
        .await
        .map_err(failed)?;
    println!(
        "node daemon idle: {} resident (target ≤15 MB); runtime: {summary}",
        mib(measured?)
    );

    if nodes > 0 {
        let running = hollow_nodes(&cp, &dir.join("hollow"), nodes).await?;
        let r = super::startup::measure(&cp, pods, 2000).await;
        for n in running {
            n.shutdown().await;
        }
        let (_, _, rss) = r?;
        println!(
            "control daemon with {} nodes and {} Running pods: {} resident (target ≤300 MB)",
            thousands(nodes as u64),
            thousands(pods as u64),
            mib(rss)
        );
    }
    Ok(())
}
