//! `ork get`: tables, `-o wide|json|yaml|name`, label and field selectors,
//! one namespace or all, and `-w` to keep printing changes; `-o
//! jsonpath=|custom-columns=`, `--sort-by` and `--show-labels` as kubectl
//! has them (see `get_format`).

use super::get_format::{self, GetFormat};
use super::output::print_structured;
use super::{CliError, Ctx, Format, Result};
use crate::api::{AnyObject, Kind, Time};
use crate::client::{ListParams, WatchEventType};
use crate::verbs::output::{Columns, aligned_row, column_widths, json_value, table};
use clap::Args;
use futures::StreamExt;

#[derive(Args, Debug)]
pub struct GetArgs {
    /// KIND[,KIND...] [NAME...], KIND/NAME..., or `all` (pods, services,
    /// deployments, replicasets, horizontalpodautoscalers).
    #[arg(required = true, value_name = "KIND [NAME...]")]
    pub targets: Vec<String>,
    /// Output format: wide, json, yaml, name, jsonpath=TEMPLATE,
    /// jsonpath-file=FILE, custom-columns=HEADER:PATH,..., custom-columns-file=FILE.
    #[arg(short = 'o', long, value_parser = get_format::parse, default_value = "table", value_name = "FORMAT")]
    pub output: GetFormat,
    /// Sort by the value at a JSONPath (`.metadata.creationTimestamp`,
    /// `.status.containerStatuses[0].restartCount`).
    #[arg(long, value_name = "JSONPATH")]
    pub sort_by: Option<String>,
    /// A LABELS column with every label, last.
    #[arg(long)]
    pub show_labels: bool,
    /// Only objects whose labels match (`app=web,tier!=db,env in (a,b)`).
    #[arg(short = 'l', long)]
    pub selector: Option<String>,
    /// Only objects whose fields match (`spec.nodeName=n1`, `status.phase!=Running`).
    #[arg(long)]
    pub field_selector: Option<String>,
    /// List across all namespaces.
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,
    /// After listing, keep printing changes.
    #[arg(short = 'w', long)]
    pub watch: bool,
    /// Leave out the header line.
    #[arg(long)]
    pub no_headers: bool,
}

/// What to get: kinds, each with names (empty = list).
pub fn parse_targets(targets: &[String]) -> Result<Vec<(Kind, Vec<String>)>> {
    let kind_of = |s: &str| -> Result<Vec<Kind>> {
        crate::verbs::kinds::resolve_list(s).map_err(CliError::Failed)
    };
    if targets.iter().any(|t| t.contains('/')) {
        let mut out: Vec<(Kind, Vec<String>)> = vec![];
        for t in targets {
            let (k, n) = t.split_once('/').ok_or_else(|| {
                CliError::Usage(format!(
                    "{t:?}: give every target as KIND/NAME, or KIND NAME..."
                ))
            })?;
            let kinds = kind_of(k)?;
            let [kind] = kinds[..] else {
                return Err(CliError::Usage(format!("{t:?}: one kind per KIND/NAME")));
            };
            match out.iter_mut().find(|(k, _)| *k == kind) {
                Some((_, names)) => names.push(n.to_string()),
                None => out.push((kind, vec![n.to_string()])),
            }
        }
        return Ok(out);
    }
    let kinds = kind_of(&targets[0])?;
    let names: Vec<String> = targets[1..].to_vec();
    if kinds.len() > 1 && !names.is_empty() {
        return Err(CliError::Usage(
            "names go with one kind: ork get KIND NAME...".into(),
        ));
    }
    Ok(kinds.into_iter().map(|k| (k, names.clone())).collect())
}

pub async fn get(ctx: &Ctx, a: GetArgs) -> Result<()> {
    let targets = parse_targets(&a.targets)?;
    if a.watch && targets.len() != 1 {
        return Err(CliError::Usage("-w watches one kind at a time".into()));
    }
    let opts = ListParams::selecting(a.selector.as_deref(), a.field_selector.as_deref());
    let wide = a.output.plain() == Some(Format::Wide);
    let several = targets.len() > 1;
    let mut all: Vec<AnyObject> = vec![];
    let mut tables: Vec<String> = vec![];
    let mut missing = 0;
    let mut last_rev = 0;
    for (kind, names) in &targets {
        let ns = if a.all_namespaces || !kind.namespaced() {
            None
        } else {
            Some(ctx.namespace.as_str())
        };
        let mut objs = vec![];
        if names.is_empty() {
            let list = ctx.client.list_any(*kind, ns, &opts).await?;
            last_rev = list.resource_version;
            objs = list.items;
        } else {
            for n in names {
                match ctx.client.get_any(*kind, &ctx.namespace, n).await {
                    Ok(o) => objs.push(o),
                    Err(e) if e.is_not_found() => {
                        eprintln!("error: {e}");
                        missing += 1;
                    }
                    Err(e) => return Err(e.into()),
                }
            }
        }
        if *kind == Kind::Event {
            objs.sort_by_key(|o| match o {
                AnyObject::Event(e) => (
                    e.last_timestamp.or(e.metadata.creation_timestamp),
                    e.metadata.revision(),
                ),
                _ => (None, 0),
            });
        }
        if let Some(expr) = &a.sort_by {
            objs = sorted(objs, expr)?;
        }
        if a.output.is_table() && !objs.is_empty() {
            let cols = Columns {
                wide,
                with_ns: a.all_namespaces && kind.namespaced(),
                qualified: several,
                now: Time::now(),
            };
            let mut headers = cols.headers(*kind);
            let mut rows: Vec<Vec<String>> = objs.iter().map(|o| cols.row(o)).collect();
            if a.show_labels {
                headers.push("LABELS".into());
                for (r, o) in rows.iter_mut().zip(&objs) {
                    r.push(crate::verbs::columns::labels_cell(&json_value(o)?));
                }
            }
            tables.push(table(&headers, &rows, !a.no_headers));
        }
        all.extend(objs);
    }
    let single = targets.len() == 1 && targets[0].1.len() == 1;
    match a.output.plain() {
        _ if a.output.is_table() || matches!(a.output, GetFormat::Columns(_)) => {
            if all.is_empty() && missing == 0 {
                if a.all_namespaces || !targets.iter().any(|(k, _)| k.namespaced()) {
                    eprintln!("No resources found");
                } else {
                    eprintln!("No resources found in {} namespace.", ctx.namespace);
                }
            }
            if a.output.is_table() {
                print!("{}", tables.join("\n"));
            } else if !all.is_empty() {
                print!(
                    "{}",
                    get_format::render(&a.output, &all, single, !a.no_headers)?
                );
            }
        }
        Some(f) => print_structured(&all, f, single)?,
        None => print!("{}", get_format::render(&a.output, &all, single, true)?),
    }
    if a.watch {
        let (kind, _) = &targets[0];
        let ns = if a.all_namespaces || !kind.namespaced() {
            None
        } else {
            Some(ctx.namespace.as_str())
        };
        let mut cols = Columns {
            wide,
            with_ns: a.all_namespaces && kind.namespaced(),
            ..Columns::at(Time::now())
        };
        let names: Vec<String> = targets[0].1.clone();
        let mut stream = ctx.client.watch(*kind, ns, &opts, Some(last_rev)).await?;
        let mut printed_header = !all.is_empty() || a.no_headers;
        // Rows line up under the first table's columns.
        let mut widths = column_widths(
            &cols.headers(*kind),
            &all.iter().map(|o| cols.row(o)).collect::<Vec<_>>(),
        );
        while let Some(ev) = stream.next().await {
            let ev = ev?;
            if ev.type_ == WatchEventType::Bookmark {
                continue;
            }
            let Some(o) = ev.object else { continue };
            if !names.is_empty() && !names.contains(&o.meta().name) {
                continue;
            }
            match a.output.plain() {
                Some(Format::Table | Format::Wide) => {
                    cols.now = Time::now();
                    let r = cols.row(&o);
                    if printed_header {
                        print!("{}", aligned_row(&widths, &r));
                    } else {
                        widths = column_widths(&cols.headers(*kind), std::slice::from_ref(&r));
                        print!("{}", table(&cols.headers(*kind), &[r], true));
                        printed_header = true;
                    }
                }
                Some(f) => print_structured(std::slice::from_ref(&o), f, true)?,
                None => {
                    let one = std::slice::from_ref(&o);
                    print!(
                        "{}",
                        get_format::render(&a.output, one, true, !printed_header)?
                    );
                    printed_header = true;
                }
            }
        }
        return Err(CliError::Failed("the watch ended (server gone?)".into()));
    }
    if missing > 0 {
        // Each missing object had its line; as kubectl, nothing more.
        return Err(CliError::Exit(1));
    }
    Ok(())
}

/// Objects in `--sort-by` order.
fn sorted(objs: Vec<AnyObject>, expr: &str) -> Result<Vec<AnyObject>> {
    let values: Vec<serde_json::Value> = objs
        .iter()
        .map(json_value)
        .collect::<std::result::Result<_, _>>()?;
    let order = crate::verbs::columns::sort_order(&values, expr).map_err(CliError::Failed)?;
    let mut slots: Vec<Option<AnyObject>> = objs.into_iter().map(Some).collect();
    Ok(order.into_iter().filter_map(|i| slots[i].take()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(args: &[&str]) -> Result<Vec<(Kind, Vec<String>)>> {
        parse_targets(&args.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn targets_parse_in_kubectl_forms() {
        assert_eq!(t(&["po"]).unwrap(), vec![(Kind::Pod, vec![])]);
        assert_eq!(
            t(&["deploy", "a", "b"]).unwrap(),
            vec![(Kind::Deployment, vec!["a".into(), "b".into()])]
        );
        assert_eq!(
            t(&["po,rs"]).unwrap(),
            vec![(Kind::Pod, vec![]), (Kind::ReplicaSet, vec![])]
        );
        assert_eq!(
            t(&["pod/a", "deploy/b", "pod/c"]).unwrap(),
            vec![
                (Kind::Pod, vec!["a".into(), "c".into()]),
                (Kind::Deployment, vec!["b".into()])
            ]
        );
        assert_eq!(
            t(&["all"])
                .unwrap()
                .iter()
                .map(|(k, _)| *k)
                .collect::<Vec<_>>(),
            Kind::ALL_CATEGORY.to_vec()
        );
        assert!(t(&["widgets"]).is_err());
        assert_eq!(
            t(&["deploymnets"]).unwrap_err().to_string(),
            "the server doesn't have a resource type \"deploymnets\"; did you mean \"deployments\"?"
        );
        assert!(t(&["po,rs", "x"]).is_err());
        assert!(t(&["pod/a", "b"]).is_err());
    }
}
