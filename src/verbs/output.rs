//! Printing objects the way kubectl does: a table per kind (with `-o wide`
//! columns), ages (`5m30s`), JSON values (a `List` for several) and YAML.
//! Everything returns text; the caller prints it or draws it.

use super::{Result, VerbError};
use crate::api::columns::{self, ColumnDef};
use crate::api::{AnyObject, Kind, Time, qualified_name};
use serde_json::Value;
use tabled::builder::Builder;
use tabled::settings::{Padding, Style};

pub use crate::api::columns::{age, human_duration, or};

/// Columns separated by three spaces, no borders, headers in capitals.
pub fn table(headers: &[String], rows: &[Vec<String>], with_headers: bool) -> String {
    let mut b = Builder::default();
    if with_headers {
        b.push_record(headers.iter().cloned());
    }
    for r in rows {
        b.push_record(r.iter().cloned());
    }
    if !with_headers && rows.is_empty() {
        return String::new();
    }
    let mut t = b.build();
    t.with(Style::empty()).with(Padding::new(0, 3, 0, 0));
    let mut out: String = t
        .to_string()
        .lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n");
    out.push('\n');
    out
}

/// The width of each column of [`table`] for these headers and rows
/// (without the gap between columns).
pub fn column_widths(headers: &[String], rows: &[Vec<String>]) -> Vec<usize> {
    let mut w: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, cell) in r.iter().enumerate() {
            let n = cell.chars().count();
            match w.get_mut(i) {
                Some(x) => *x = (*x).max(n),
                None => w.push(n),
            }
        }
    }
    w
}

/// One more row under a table printed with `widths` (`ork get -w`): each
/// cell padded to its column, as [`table`] pads them; a longer cell pushes
/// the rest of its row along rather than being cut.
pub fn aligned_row(widths: &[usize], row: &[String]) -> String {
    let mut out = String::new();
    for (i, cell) in row.iter().enumerate() {
        out.push_str(cell);
        if i + 1 < row.len() {
            let w = widths.get(i).copied().unwrap_or(0);
            let pad = w.saturating_sub(cell.chars().count()) + 3;
            out.extend(std::iter::repeat_n(' ', pad));
        }
    }
    let mut out = out.trim_end().to_string();
    out.push('\n');
    out
}

/// Which columns a table has, and the moment its ages count to.
#[derive(Clone, Copy, Debug)]
pub struct Columns {
    /// The extra columns of `-o wide`.
    pub wide: bool,
    /// A NAMESPACE column first.
    pub with_ns: bool,
    /// Names as `kind/name` (tables of several kinds).
    pub qualified: bool,
    /// Ages are counted to this moment.
    pub now: Time,
}

impl Columns {
    /// The plain columns, ages counted to `now`.
    pub fn at(now: Time) -> Columns {
        Columns {
            wide: false,
            with_ns: false,
            qualified: false,
            now,
        }
    }

    /// Whether a column is shown: `-o wide`'s only with `wide`.
    fn shows(&self, def: &ColumnDef) -> bool {
        def.priority == 0 || self.wide
    }

    /// Column names for a kind, in capitals as kubectl prints them.
    pub fn headers(&self, kind: Kind) -> Vec<String> {
        let mut h = vec![];
        if self.with_ns {
            h.push("NAMESPACE".to_string());
        }
        h.extend(
            columns::definitions(kind)
                .iter()
                .filter(|d| self.shows(d))
                .map(|d| d.name.to_uppercase()),
        );
        h
    }

    /// One object's cells, in the order of [`Columns::headers`]: the cells
    /// the API server serves in its `Table`s.
    pub fn row(&self, obj: &AnyObject) -> Vec<String> {
        let mut r = vec![];
        if self.with_ns {
            r.push(obj.meta().namespace.clone());
        }
        let defs = columns::definitions(obj.kind());
        for (def, cell) in defs.iter().zip(columns::cells(obj, self.now)) {
            if !self.shows(def) {
                continue;
            }
            if def.format == "name" && self.qualified {
                r.push(qualified_name(obj.kind(), &obj.meta().name));
            } else {
                r.push(cell.to_string());
            }
        }
        r
    }
}

/// An object as the JSON the API serves.
pub fn json_value(obj: &AnyObject) -> Result<Value> {
    obj.to_value().map_err(|e| VerbError::Failed(e.to_string()))
}

/// Objects as one JSON value: `single` gives one object bare, anything else
/// a `{"kind": "List", "items": [...]}`.
pub fn json_list(objs: &[AnyObject], single: bool) -> Result<Value> {
    if single && objs.len() == 1 {
        return json_value(&objs[0]);
    }
    let items: Result<Vec<Value>> = objs.iter().map(json_value).collect();
    Ok(serde_json::json!({"apiVersion": "v1", "kind": "List", "items": items?}))
}

/// Pretty JSON text.
pub fn to_json(v: &Value) -> Result<String> {
    serde_json::to_string_pretty(v).map_err(|e| VerbError::Failed(e.to_string()))
}

/// YAML text, one document.
pub fn to_yaml(v: &Value) -> Result<String> {
    serde_saphyr::to_string(v).map_err(|e| VerbError::Failed(format!("writing YAML: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn watched_rows_line_up_under_the_first_table() {
        let h: Vec<String> = ["NAME", "READY", "STATUS"].map(String::from).to_vec();
        let rows = vec![["web-1", "1/1", "Running"].map(String::from).to_vec()];
        let first = table(&h, &rows, true);
        let widths = column_widths(&h, &rows);
        let later = ["a", "0/1", "Pending"].map(String::from).to_vec();
        let line = aligned_row(&widths, &later);
        let header = first.lines().next().unwrap();
        assert_eq!(line.find("0/1"), header.find("READY"), "{first}{line}");
        assert_eq!(line.find("Pending"), header.find("STATUS"), "{first}{line}");
        // Exactly as the table itself would have printed it.
        let both = table(&h, &[rows[0].clone(), later.clone()], true);
        assert_eq!(both.lines().nth(2).unwrap(), line.trim_end());
    }

    #[test]
    fn ages_read_like_kubectl() {
        assert_eq!(human_duration(5), "5s");
        assert_eq!(human_duration(119), "119s");
        assert_eq!(human_duration(150), "2m30s");
        assert_eq!(human_duration(600), "10m");
        assert_eq!(human_duration(3 * 3600 + 60 * 5), "3h5m");
        assert_eq!(human_duration(30 * 3600), "30h");
        assert_eq!(human_duration(3 * 86400 + 3600), "3d1h");
        assert_eq!(human_duration(100 * 86400), "100d");
        assert_eq!(human_duration(800 * 86400), "2y70d");
    }

    #[test]
    fn tables_have_no_borders_and_aligned_columns() {
        let t = table(
            &["NAME".into(), "READY".into()],
            &[
                vec!["web-1".into(), "1/1".into()],
                vec!["a".into(), "0/1".into()],
            ],
            true,
        );
        assert_eq!(t, "NAME    READY\nweb-1   1/1\na       0/1\n");
        let t = table(&["NAME".into()], &[vec!["x".into()]], false);
        assert_eq!(t, "x\n");
    }
}
