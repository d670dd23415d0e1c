//! How `get` lays out what it lists beyond the fixed tables: custom columns
//! (`-o custom-columns=NAME:.metadata.name,NODE:.spec.nodeName` or a file
//! of headers and paths), `--sort-by=PATH`, and the LABELS cell of
//! `--show-labels`, all as kubectl prints them.
//!
//! Pure, over objects as JSON; imports `jsonpath` only.

use super::jsonpath::{Query, go_text};
use serde_json::Value;
use std::cmp::Ordering;

/// `-o custom-columns=`: a header and a path per column.
#[derive(Debug, Clone)]
pub struct CustomColumns {
    pub columns: Vec<(String, Query)>,
}

impl CustomColumns {
    /// `HEADER:PATH[,HEADER:PATH...]`.
    pub fn parse(spec: &str) -> Result<CustomColumns, String> {
        let mut columns = vec![];
        for part in spec.split(',') {
            let (h, p) = part.split_once(':').ok_or_else(|| {
                format!(
                    "unexpected custom-columns spec: {part}, expected <header>:<json-path-expr>"
                )
            })?;
            columns.push((h.to_string(), Query::relaxed(p)?));
        }
        if columns.is_empty() || spec.is_empty() {
            return Err("custom-columns format specified but no custom columns given".into());
        }
        Ok(CustomColumns { columns })
    }

    /// A file of two lines: headers, then paths, separated by blanks.
    pub fn parse_file(text: &str) -> Result<CustomColumns, String> {
        let mut lines = text.lines().filter(|l| !l.trim().is_empty());
        let (Some(h), Some(p)) = (lines.next(), lines.next()) else {
            return Err("custom-columns file must have two lines: headers, then paths".into());
        };
        let headers: Vec<&str> = h.split_whitespace().collect();
        let paths: Vec<&str> = p.split_whitespace().collect();
        if headers.len() != paths.len() {
            return Err(format!(
                "number of headers ({}) does not match number of paths ({})",
                headers.len(),
                paths.len()
            ));
        }
        let columns: Result<Vec<(String, Query)>, String> = headers
            .into_iter()
            .zip(paths)
            .map(|(h, p)| Ok((h.to_string(), Query::relaxed(p)?)))
            .collect();
        Ok(CustomColumns { columns: columns? })
    }

    pub fn headers(&self) -> Vec<String> {
        self.columns.iter().map(|(h, _)| h.clone()).collect()
    }

    /// One object's cells: every value a path reaches, joined by commas;
    /// `<none>` when it reaches none.
    pub fn row(&self, obj: &Value) -> Vec<String> {
        self.columns
            .iter()
            .map(|(_, q)| {
                let vals = q.find(obj);
                if vals.is_empty() {
                    "<none>".to_string()
                } else {
                    vals.into_iter().map(go_text).collect::<Vec<_>>().join(",")
                }
            })
            .collect()
    }
}

/// The LABELS cell: `k=v,k2=v2`, or `<none>`.
pub fn labels_cell(obj: &Value) -> String {
    let labels: Vec<String> = obj
        .pointer("/metadata/labels")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}={}", go_text(v)))
                .collect()
        })
        .unwrap_or_default();
    if labels.is_empty() {
        "<none>".into()
    } else {
        labels.join(",")
    }
}

/// The order `--sort-by=PATH` puts objects in: the indices of `objs`,
/// ascending by the value the path reaches (numbers by value, text in
/// natural order: `web-2` before `web-10`; objects without it first).
/// An error when no object has the field, as kubectl's.
pub fn sort_order(objs: &[Value], expr: &str) -> Result<Vec<usize>, String> {
    let q = Query::relaxed(expr)?;
    let keys: Vec<Option<Value>> = objs
        .iter()
        .map(|o| q.find(o).first().map(|v| (*v).clone()))
        .collect();
    if !objs.is_empty() && keys.iter().all(Option::is_none) {
        return Err(format!(
            "couldn't find any field with path {:?} in the list of objects",
            q.source
        ));
    }
    let mut idx: Vec<usize> = (0..objs.len()).collect();
    idx.sort_by(|&a, &b| match (&keys[a], &keys[b]) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(x), Some(y)) => compare(x, y),
    });
    Ok(idx)
}

fn compare(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap_or(0.0), y.as_f64().unwrap_or(0.0));
            x.partial_cmp(&y).unwrap_or(Ordering::Equal)
        }
        (Value::String(x), Value::String(y)) => natural(x, y),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (x, y) => natural(&go_text(x), &go_text(y)),
    }
}

/// Natural order: runs of digits compare by value.
pub fn natural(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (a, b);
    loop {
        match (a.chars().next(), b.chars().next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) if x.is_ascii_digit() && y.is_ascii_digit() => {
                let da = a.len() - a.trim_start_matches(|c: char| c.is_ascii_digit()).len();
                let db = b.len() - b.trim_start_matches(|c: char| c.is_ascii_digit()).len();
                let (na, nb) = (
                    a[..da].trim_start_matches('0'),
                    b[..db].trim_start_matches('0'),
                );
                let o = na.len().cmp(&nb.len()).then_with(|| na.cmp(nb));
                if o != Ordering::Equal {
                    return o;
                }
                (a, b) = (&a[da..], &b[db..]);
            }
            (Some(x), Some(y)) => {
                if x != y {
                    return x.cmp(&y);
                }
                (a, b) = (&a[x.len_utf8()..], &b[y.len_utf8()..]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn objs() -> Vec<Value> {
        vec![
            json!({"metadata": {"name": "web-10", "creationTimestamp": "2026-01-02T00:00:00Z", "labels": {"app": "web", "tier": "fe"}},
                   "spec": {"nodeName": "n2", "containers": [{"name": "a"}, {"name": "b"}]},
                   "status": {"containerStatuses": [{"restartCount": 2}]}}),
            json!({"metadata": {"name": "web-2", "creationTimestamp": "2026-01-03T00:00:00Z"},
                   "spec": {"containers": [{"name": "a"}]},
                   "status": {"containerStatuses": [{"restartCount": 10}]}}),
            json!({"metadata": {"name": "db", "creationTimestamp": "2026-01-01T00:00:00Z"},
                   "spec": {"nodeName": "n1", "containers": []},
                   "status": {}}),
        ]
    }

    #[test]
    fn custom_columns_print_every_value_or_none() {
        let c = CustomColumns::parse(
            "NAME:.metadata.name,NODE:.spec.nodeName,C:.spec.containers[*].name",
        )
        .unwrap();
        assert_eq!(c.headers(), ["NAME", "NODE", "C"]);
        let o = objs();
        assert_eq!(c.row(&o[0]), ["web-10", "n2", "a,b"]);
        assert_eq!(c.row(&o[1]), ["web-2", "<none>", "a"]);
        assert_eq!(c.row(&o[2]), ["db", "n1", "<none>"]);
        let f =
            CustomColumns::parse_file("NAME   NODE\n.metadata.name  {.spec.nodeName}\n").unwrap();
        assert_eq!(f.row(&o[0]), ["web-10", "n2"]);
        assert!(
            CustomColumns::parse("NAME")
                .unwrap_err()
                .contains("expected <header>:<json-path-expr>")
        );
        assert!(CustomColumns::parse_file("A B\n.a\n").is_err());
    }

    #[test]
    fn sort_by_orders_numbers_times_and_names() {
        let o = objs();
        assert_eq!(
            sort_order(&o, ".metadata.creationTimestamp").unwrap(),
            [2, 0, 1]
        );
        assert_eq!(
            sort_order(&o, ".status.containerStatuses[0].restartCount").unwrap(),
            [2, 0, 1]
        );
        assert_eq!(sort_order(&o, "{.metadata.name}").unwrap(), [2, 1, 0]);
        assert_eq!(sort_order(&o, "spec.nodeName").unwrap(), [1, 2, 0]);
        assert!(
            sort_order(&o, ".nope")
                .unwrap_err()
                .contains("couldn't find any field")
        );
    }

    #[test]
    fn labels_cell_lists_labels_or_none() {
        let o = objs();
        assert_eq!(labels_cell(&o[0]), "app=web,tier=fe");
        assert_eq!(labels_cell(&o[1]), "<none>");
    }

    #[test]
    fn natural_order_counts_digits() {
        assert_eq!(natural("web-2", "web-10"), Ordering::Less);
        assert_eq!(natural("a", "b"), Ordering::Less);
        assert_eq!(natural("x10", "x010"), Ordering::Equal);
    }
}
