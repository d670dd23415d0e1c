//! ResourceQuotas (each resource's Used and Hard) and LimitRanges (one row
//! per type and resource), laid out as kubectl describes them.

use super::{Doc, meta};
use crate::api::quota_types::{LimitRange, ResourceQuota};
use std::collections::BTreeSet;

pub(super) fn resource_quota(d: &mut Doc, q: &ResourceQuota) {
    meta(d, &q.metadata, true);
    let scopes: Vec<&str> = q.scope_names().collect();
    if !scopes.is_empty() {
        d.kv(0, "Scopes", scopes.join(", "));
    }
    let rows: Vec<Vec<String>> = q
        .spec
        .hard
        .iter()
        .map(|(name, hard)| {
            let used = q
                .status
                .used
                .get(name)
                .map_or_else(|| "0".to_string(), ToString::to_string);
            vec![name.clone(), used, hard.to_string()]
        })
        .collect();
    d.table(&["Resource", "Used", "Hard"], &rows);
}

pub(super) fn limit_range(d: &mut Doc, l: &LimitRange) {
    meta(d, &l.metadata, true);
    let mut rows = vec![];
    for item in &l.spec.limits {
        let names: BTreeSet<&String> = item
            .min
            .keys()
            .chain(item.max.keys())
            .chain(item.default.keys())
            .chain(item.default_request.keys())
            .chain(item.max_limit_request_ratio.keys())
            .collect();
        for name in names {
            let cell = |m: &crate::api::quota_types::ResourceList| {
                m.get(name)
                    .map_or_else(|| "-".to_string(), ToString::to_string)
            };
            rows.push(vec![
                item.type_.clone(),
                name.clone(),
                cell(&item.min),
                cell(&item.max),
                cell(&item.default_request),
                cell(&item.default),
                cell(&item.max_limit_request_ratio),
            ]);
        }
    }
    d.table(
        &[
            "Type",
            "Resource",
            "Min",
            "Max",
            "Default Request",
            "Default Limit",
            "Max Limit/Request Ratio",
        ],
        &rows,
    );
}
