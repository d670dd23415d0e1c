//! `ork top nodes` and `ork top pods [-l SEL] [-n NS | -A] [--containers]`:
//! CPU (millicores) and memory (Mi) in use, as kubectl prints them, read
//! from the control daemon's `metrics.k8s.io` API (fed by node daemons every
//! few seconds; nothing to install).

use super::{CliError, Ctx, Result};
use crate::api::metrics::{MetricsList, NodeMetrics, PodMetrics, cpu_milli, memory_bytes};
use crate::api::{Node, Quantity};
use crate::client::ListParams;
use crate::verbs::output::table;
use clap::{Args, Subcommand, ValueEnum};
use std::collections::BTreeMap;

#[derive(Args, Debug)]
pub struct TopArgs {
    #[command(subcommand)]
    pub what: TopWhat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TopFormat {
    Table,
    Json,
}

#[derive(Subcommand, Debug)]
pub enum TopWhat {
    /// CPU and memory of each node, and the share of its allocatable.
    #[command(visible_alias = "node", visible_alias = "no")]
    Nodes {
        /// Only these nodes.
        names: Vec<String>,
        #[arg(short = 'o', long, value_enum, default_value = "table")]
        output: TopFormat,
    },
    /// CPU and memory of each pod (or of each container with --containers).
    #[command(visible_alias = "pod", visible_alias = "po")]
    Pods {
        /// Only these pods.
        names: Vec<String>,
        #[arg(short = 'l', long = "selector", value_name = "SELECTOR")]
        selector: Option<String>,
        /// Across all namespaces.
        #[arg(short = 'A', long)]
        all_namespaces: bool,
        /// One line per container.
        #[arg(long)]
        containers: bool,
        #[arg(short = 'o', long, value_enum, default_value = "table")]
        output: TopFormat,
    },
}

fn cpu_cell(q: Option<&Quantity>) -> String {
    format!("{}m", q.map(cpu_milli).unwrap_or(0))
}

fn mem_cell(q: Option<&Quantity>) -> String {
    format!("{}Mi", q.map(memory_bytes).unwrap_or(0) / (1024 * 1024))
}

fn percent(used: u64, of: u64) -> String {
    if of == 0 {
        return "<unknown>".into();
    }
    format!("{}%", used * 100 / of)
}

fn json<T: serde::Serialize>(v: &T) -> Result<()> {
    let s = serde_json::to_string_pretty(v).map_err(|e| CliError::Failed(e.to_string()))?;
    println!("{s}");
    Ok(())
}

const NO_METRICS: &str = "metrics not available yet: node daemons report usage every few seconds (see `ork node --usage-interval`)";

pub async fn top(ctx: &Ctx, a: TopArgs) -> Result<()> {
    match a.what {
        TopWhat::Nodes { names, output } => {
            let mut list: MetricsList<NodeMetrics> = ctx
                .client
                .get_json("/apis/metrics.k8s.io/v1beta1/nodes", &[])
                .await?;
            if !names.is_empty() {
                list.items.retain(|m| names.contains(&m.metadata.name));
            }
            if output == TopFormat::Json {
                return json(&list);
            }
            if list.items.is_empty() {
                return Err(CliError::Failed(NO_METRICS.into()));
            }
            let nodes: BTreeMap<String, Node> = ctx
                .client
                .list::<Node>(None, &ListParams::default())
                .await?
                .items
                .into_iter()
                .map(|n| (n.metadata.name.clone(), n))
                .collect();
            let rows: Vec<Vec<String>> = list
                .items
                .iter()
                .map(|m| {
                    let alloc = nodes.get(&m.metadata.name).map(|n| &n.status.allocatable);
                    let cpu = m.usage.get("cpu").map(cpu_milli).unwrap_or(0);
                    let mem = m.usage.get("memory").map(memory_bytes).unwrap_or(0);
                    let cpu_of = alloc.and_then(|a| a.get("cpu")).map(cpu_milli).unwrap_or(0);
                    let mem_of = alloc
                        .and_then(|a| a.get("memory"))
                        .map(memory_bytes)
                        .unwrap_or(0);
                    vec![
                        m.metadata.name.clone(),
                        cpu_cell(m.usage.get("cpu")),
                        percent(cpu, cpu_of),
                        mem_cell(m.usage.get("memory")),
                        percent(mem, mem_of),
                    ]
                })
                .collect();
            let headers: Vec<String> =
                ["NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)"]
                    .map(String::from)
                    .to_vec();
            print!("{}", table(&headers, &rows, true));
            Ok(())
        }
        TopWhat::Pods {
            names,
            selector,
            all_namespaces,
            containers,
            output,
        } => {
            let path = if all_namespaces {
                "/apis/metrics.k8s.io/v1beta1/pods".to_string()
            } else {
                format!(
                    "/apis/metrics.k8s.io/v1beta1/namespaces/{}/pods",
                    ctx.namespace
                )
            };
            let q: Vec<(&str, String)> = selector
                .iter()
                .map(|s| ("labelSelector", s.clone()))
                .collect();
            let mut list: MetricsList<PodMetrics> = ctx.client.get_json(&path, &q).await?;
            if !names.is_empty() {
                list.items.retain(|m| names.contains(&m.metadata.name));
            }
            if output == TopFormat::Json {
                return json(&list);
            }
            if list.items.is_empty() {
                return Err(CliError::Failed(format!(
                    "no pod metrics{}: {NO_METRICS}",
                    if all_namespaces {
                        String::new()
                    } else {
                        format!(" in namespace {:?}", ctx.namespace)
                    }
                )));
            }
            let mut headers: Vec<String> = vec![];
            if all_namespaces {
                headers.push("NAMESPACE".into());
            }
            headers.push(if containers { "POD" } else { "NAME" }.into());
            if containers {
                headers.push("NAME".into());
            }
            headers.extend(["CPU(cores)".to_string(), "MEMORY(bytes)".to_string()]);
            let mut rows = vec![];
            for m in &list.items {
                let lead = |row: &mut Vec<String>| {
                    if all_namespaces {
                        row.push(m.metadata.namespace.clone());
                    }
                    row.push(m.metadata.name.clone());
                };
                if containers {
                    for c in &m.containers {
                        let mut row = vec![];
                        lead(&mut row);
                        row.push(c.name.clone());
                        row.push(cpu_cell(c.usage.get("cpu")));
                        row.push(mem_cell(c.usage.get("memory")));
                        rows.push(row);
                    }
                } else {
                    let cpu: u64 = m
                        .containers
                        .iter()
                        .filter_map(|c| c.usage.get("cpu"))
                        .map(cpu_milli)
                        .sum();
                    let mem: u64 = m
                        .containers
                        .iter()
                        .filter_map(|c| c.usage.get("memory"))
                        .map(memory_bytes)
                        .sum();
                    let mut row = vec![];
                    lead(&mut row);
                    row.push(format!("{cpu}m"));
                    row.push(format!("{}Mi", mem / (1024 * 1024)));
                    rows.push(row);
                }
            }
            print!("{}", table(&headers, &rows, true));
            Ok(())
        }
    }
}
