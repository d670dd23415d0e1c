//! Printing objects the way kubectl does: a table per kind (with `-o wide`
//! columns), ages (`5m30s`), JSON values (a `List` for several) and YAML.
//! Everything returns text; the caller prints it or draws it.

use super::{Result, VerbError};
use crate::api::{AnyObject, Kind, Node, Pod, Quantity, Time, qualified_name};
use serde_json::Value;
use tabled::builder::Builder;
use tabled::settings::{Padding, Style};

/// Age as kubectl shows it at `now`: `45s`, `5m30s`, `95m`, `7h12m`, `3d4h`,
/// `400d`, `2y30d`.
pub fn age(t: Option<Time>, now: Time) -> String {
    let Some(t) = t else {
        return "<unknown>".into();
    };
    human_duration(t.seconds_until(&now))
}

/// `big` of one unit and `small` of the next, leaving out a zero `small`.
fn two_units(big: i64, big_unit: &str, small: i64, small_unit: &str) -> String {
    if small == 0 {
        format!("{big}{big_unit}")
    } else {
        format!("{big}{big_unit}{small}{small_unit}")
    }
}

/// A number of seconds the way kubectl shows ages.
pub fn human_duration(secs: i64) -> String {
    let s = secs.max(0);
    let (m, h, d) = (s / 60, s / 3600, s / 86400);
    if s < 120 {
        format!("{s}s")
    } else if m < 10 {
        two_units(m, "m", s % 60, "s")
    } else if h < 3 {
        format!("{m}m")
    } else if h < 8 {
        two_units(h, "h", m % 60, "m")
    } else if h < 48 {
        format!("{h}h")
    } else if d < 8 {
        two_units(d, "d", h % 24, "h")
    } else if d < 365 * 2 {
        format!("{d}d")
    } else {
        two_units(d / 365, "y", d % 365, "d")
    }
}

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

fn or_none(s: String) -> String {
    if s.is_empty() { "<none>".into() } else { s }
}

/// `s`, or `default` when it is empty.
pub fn or<'a>(s: &'a str, default: &'a str) -> &'a str {
    if s.is_empty() { default } else { s }
}

fn join_labels(m: &std::collections::BTreeMap<String, String>) -> String {
    m.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
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

    /// Column names for a kind.
    pub fn headers(&self, kind: Kind) -> Vec<String> {
        let wide = self.wide;
        let mut h: Vec<&str> = vec![];
        if self.with_ns {
            h.push("NAMESPACE");
        }
        match kind {
            Kind::Pod => {
                h.extend(["NAME", "READY", "STATUS", "RESTARTS", "AGE"]);
                if wide {
                    h.extend(["IP", "NODE", "PORTS"]);
                }
            }
            Kind::Deployment => {
                h.extend(["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]);
                if wide {
                    h.extend(["CONTAINERS", "IMAGES", "SELECTOR"]);
                }
            }
            Kind::ReplicaSet => {
                h.extend(["NAME", "DESIRED", "CURRENT", "READY", "AGE"]);
                if wide {
                    h.extend(["CONTAINERS", "IMAGES", "SELECTOR"]);
                }
            }
            Kind::Node => {
                h.extend(["NAME", "STATUS", "ROLES", "AGE", "VERSION"]);
                if wide {
                    h.extend([
                        "INTERNAL-IP",
                        "CPU",
                        "MEMORY",
                        "OS-IMAGE",
                        "KERNEL-VERSION",
                        "CONTAINER-RUNTIME",
                    ]);
                }
            }
            Kind::Namespace => h.extend(["NAME", "STATUS", "AGE"]),
            Kind::Event => h.extend(["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]),
            Kind::ConfigMap => h.extend(["NAME", "DATA", "AGE"]),
            Kind::Service => {
                h.extend([
                    "NAME",
                    "TYPE",
                    "CLUSTER-IP",
                    "EXTERNAL-IP",
                    "PORT(S)",
                    "AGE",
                ]);
                if wide {
                    h.push("SELECTOR");
                }
            }
            Kind::Endpoints => h.extend(["NAME", "ENDPOINTS", "AGE"]),
            Kind::Secret => h.extend(["NAME", "TYPE", "DATA", "AGE"]),
            Kind::PersistentVolumeClaim => h.extend([
                "NAME",
                "STATUS",
                "NODE",
                "CAPACITY",
                "ACCESS MODES",
                "STORAGECLASS",
                "AGE",
            ]),
            Kind::HorizontalPodAutoscaler => h.extend([
                "NAME",
                "REFERENCE",
                "TARGETS",
                "MINPODS",
                "MAXPODS",
                "REPLICAS",
                "AGE",
            ]),
        }
        h.into_iter().map(String::from).collect()
    }

    /// One object's cells, in the order of [`Columns::headers`].
    pub fn row(&self, obj: &AnyObject) -> Vec<String> {
        let (wide, now) = (self.wide, self.now);
        let m = obj.meta();
        let age = |t| age(t, now);
        let mut r = vec![];
        if self.with_ns {
            r.push(m.namespace.clone());
        }
        let name = if self.qualified {
            qualified_name(obj.kind(), &m.name)
        } else {
            m.name.clone()
        };
        match obj {
            AnyObject::Pod(p) => {
                let (ready, total) = p.ready_count();
                r.extend([
                    name,
                    format!("{ready}/{total}"),
                    p.display_status(),
                    restarts(p, now),
                    age(m.creation_timestamp),
                ]);
                if wide {
                    r.extend([
                        or_none(p.status.pod_ip.clone()),
                        or_none(p.spec.node_name.clone()),
                        ports(p),
                    ]);
                }
            }
            AnyObject::Deployment(d) => {
                r.extend([
                    name,
                    format!("{}/{}", d.status.ready_replicas, d.replicas()),
                    d.status.updated_replicas.to_string(),
                    d.status.available_replicas.to_string(),
                    age(m.creation_timestamp),
                ]);
                if wide {
                    let (c, i) = images(&d.spec.template.spec);
                    r.extend([c, i, or_none(join_labels(&d.spec.selector.match_labels))]);
                }
            }
            AnyObject::ConfigMap(c) => {
                r.extend([name, c.key_count().to_string(), age(m.creation_timestamp)]);
            }
            AnyObject::Service(s) => {
                r.extend([
                    name,
                    or(&s.spec.type_, "ClusterIP").to_string(),
                    or_none(s.spec.cluster_ip.clone()),
                    "<none>".into(),
                    s.ports_text(),
                    age(m.creation_timestamp),
                ]);
                if wide {
                    r.push(or_none(join_labels(&s.spec.selector)));
                }
            }
            AnyObject::Secret(s) => {
                r.extend([
                    name,
                    s.type_name().to_string(),
                    s.data.len().to_string(),
                    age(m.creation_timestamp),
                ]);
            }
            AnyObject::PersistentVolumeClaim(c) => {
                let modes: Vec<&str> = c
                    .spec
                    .access_modes
                    .iter()
                    .map(|m| match m.as_str() {
                        "ReadWriteOnce" => "RWO",
                        "ReadOnlyMany" => "ROX",
                        "ReadWriteMany" => "RWX",
                        "ReadWriteOncePod" => "RWOP",
                        other => other,
                    })
                    .collect();
                r.extend([
                    name,
                    or(&c.status.phase, "Pending").to_string(),
                    or_none(c.node().unwrap_or_default().to_string()),
                    c.spec
                        .resources
                        .requests
                        .get("storage")
                        .map(|q| q.to_string())
                        .unwrap_or_default(),
                    modes.join(","),
                    c.spec.storage_class_name.clone().unwrap_or_default(),
                    age(m.creation_timestamp),
                ]);
            }
            AnyObject::Endpoints(e) => {
                r.extend([name, e.text(), age(m.creation_timestamp)]);
            }
            AnyObject::HorizontalPodAutoscaler(h) => {
                r.extend([
                    name,
                    h.reference(),
                    h.targets_text(),
                    h.spec.min().to_string(),
                    h.spec.max_replicas.to_string(),
                    h.status.current_replicas.to_string(),
                    age(m.creation_timestamp),
                ]);
            }
            AnyObject::ReplicaSet(rs) => {
                r.extend([
                    name,
                    rs.replicas().to_string(),
                    rs.status.replicas.to_string(),
                    rs.status.ready_replicas.to_string(),
                    age(m.creation_timestamp),
                ]);
                if wide {
                    let (c, i) = images(&rs.spec.template.spec);
                    r.extend([c, i, or_none(join_labels(&rs.spec.selector.match_labels))]);
                }
            }
            AnyObject::Node(n) => {
                r.extend([
                    name,
                    n.display_status(),
                    roles(n),
                    age(m.creation_timestamp),
                    or_none(n.status.node_info.kubelet_version.clone()),
                ]);
                if wide {
                    r.extend([
                        n.address("InternalIP").unwrap_or("<none>").to_string(),
                        quantity_cell(n.status.allocatable.get("cpu"), false),
                        quantity_cell(n.status.allocatable.get("memory"), true),
                        or_none(n.status.node_info.os_image.clone()),
                        or_none(n.status.node_info.kernel_version.clone()),
                        or_none(n.status.node_info.container_runtime_version.clone()),
                    ]);
                }
            }
            AnyObject::Namespace(ns) => {
                r.extend([
                    name,
                    or(&ns.status.phase, "Active").to_string(),
                    age(m.creation_timestamp),
                ]);
            }
            AnyObject::Event(e) => {
                let io = &e.involved_object;
                let obj = match Kind::from_name(&io.kind) {
                    Some(k) => format!("{}/{}", k.info().singular, io.name),
                    None => format!("{}/{}", io.kind.to_lowercase(), io.name),
                };
                let mut msg = e.message.clone();
                if e.count > 1 {
                    msg = format!("{msg} (x{})", e.count);
                }
                r.extend([
                    age(e.last_timestamp.or(m.creation_timestamp)),
                    e.type_.clone(),
                    e.reason.clone(),
                    obj,
                    msg,
                ]);
            }
        }
        r
    }
}

fn restarts(p: &Pod, now: Time) -> String {
    let n = p.restart_count();
    let last = p
        .status
        .container_statuses
        .iter()
        .filter_map(|c| c.last_state.terminated.as_ref().and_then(|t| t.finished_at))
        .max();
    match last {
        Some(t) if n > 0 => format!("{n} ({} ago)", age(Some(t), now)),
        _ => n.to_string(),
    }
}

fn ports(p: &Pod) -> String {
    let list: Vec<String> = p
        .status
        .container_statuses
        .iter()
        .flat_map(|c| &c.ports)
        .map(|port| match port.host_port {
            Some(h) if h != port.container_port => format!("{}->{h}", port.container_port),
            _ => port.container_port.to_string(),
        })
        .collect();
    or_none(list.join(","))
}

fn images(spec: &crate::api::PodSpec) -> (String, String) {
    let names = spec
        .containers
        .iter()
        .map(|c| c.name.clone())
        .collect::<Vec<_>>()
        .join(",");
    let imgs = spec
        .containers
        .iter()
        .map(|c| c.image.clone())
        .collect::<Vec<_>>()
        .join(",");
    (names, or_none(imgs))
}

fn roles(n: &Node) -> String {
    let r: Vec<&str> = n
        .metadata
        .labels
        .keys()
        .filter_map(|k| k.strip_prefix("node-role.kubernetes.io/"))
        .collect();
    or_none(r.join(","))
}

fn quantity_cell(q: Option<&Quantity>, memory: bool) -> String {
    match q {
        None => "<none>".into(),
        Some(q) if memory => format!("{}Mi", q.value() >> 20),
        Some(q) => q.to_string(),
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
