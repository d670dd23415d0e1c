//! The wire: every request and response body, query and watch event that
//! the client and the server both speak, defined once. The server decodes
//! these types and the client encodes them (or the other way round), so the
//! two cannot drift apart.
//!
//! Kubernetes' own shapes where Kubernetes has them (`DeleteOptions`, watch
//! events, list and log queries); ork's own (`/apis/ork.dev/v1/...`) for the
//! rest. Pure data, no I/O.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;
use std::str::FromStr;

/// The path of `ork apply`'s transaction.
pub const APPLY_PATH: &str = "/apis/ork.dev/v1/apply";
/// Where a node joins with a join token.
pub const JOIN_PATH: &str = "/apis/ork.dev/v1/join";
/// Where an admin has a user's certificate signed.
pub const USER_CERTIFICATE_PATH: &str = "/apis/ork.dev/v1/usercertificates";
/// The path of node heartbeat ages.
pub const HEARTBEATS_PATH: &str = "/apis/ork.dev/v1/heartbeats";
/// The path that re-encrypts every Secret under a new key.
pub const ROTATE_KEY_PATH: &str = "/apis/ork.dev/v1/secrets/rotate-key";
/// The path that streams a backup of the whole store (admins only).
pub const BACKUP_PATH: &str = "/apis/ork.dev/v1/backup";
/// Response headers of a backup: its revision, object count and sealing key id.
pub const BACKUP_REVISION_HEADER: &str = "x-ork-backup-revision";
pub const BACKUP_OBJECTS_HEADER: &str = "x-ork-backup-objects";
pub const BACKUP_KEY_HEADER: &str = "x-ork-backup-key-id";

/// A node's heartbeat path.
pub fn heartbeat_path(node: &str) -> String {
    format!("/api/v1/nodes/{node}/heartbeat")
}

/// Where a node renews its certificate (authenticated by the current one).
pub fn node_certificate_path(node: &str) -> String {
    format!("/api/v1/nodes/{node}/certificate")
}

/// Where a node posts its usage reports.
pub fn usage_report_path(node: &str) -> String {
    format!("/api/v1/nodes/{node}/usage")
}

/// A node's recent usage totals.
pub fn usage_history_path(node: &str) -> String {
    format!("/apis/ork.dev/v1/nodes/{node}/usage")
}

/// `POST /apis/ork.dev/v1/join` (with a join token) and
/// `POST /api/v1/nodes/{name}/certificate` (with the node's certificate):
/// a node asks for a certificate for the key it made.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CertificateRequest {
    pub node_name: String,
    /// A PEM certificate signing request; only its public key is used.
    pub csr: String,
    /// The addresses the node serves on (its certificate names them).
    #[serde(default)]
    pub addresses: Vec<String>,
}

/// `POST /apis/ork.dev/v1/usercertificates` (admins only): a certificate for
/// a user's key, naming the user and their role. The answer is an
/// [`IssuedCertificate`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserCertificateRequest {
    pub name: String,
    /// `admin`, `edit` or `view`.
    pub role: String,
    /// A PEM certificate signing request; only its public key is used.
    pub csr: String,
}

/// The answer: the node's certificate (then the CA), and the cluster CA
/// (which signs the control daemon's certificate too).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IssuedCertificate {
    pub certificate: String,
    pub certificate_authority: String,
}

/// `POST /apis/ork.dev/v1/apply`: objects applied in one transaction.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ApplyRequest {
    pub items: Vec<Value>,
}

/// The answer to an apply: one entry per object, in the order given.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ApplyResponse {
    pub items: Vec<Applied>,
    /// What the client should be told (an admission policy's `Warn`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// What happened to one object of an apply.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Applied {
    pub kind: String,
    pub namespace: String,
    pub name: String,
    /// `created`, `configured` or `unchanged`.
    pub action: String,
}

/// What happens to the objects an object owns when it is deleted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Propagation {
    /// Deleted after the owner (by the garbage collector).
    #[default]
    Background,
    /// Deleted after the owner; ork treats it as `Background`.
    Foreground,
    /// Released: their ownerReference to the deleted object is removed.
    Orphan,
}

impl Propagation {
    pub fn as_str(self) -> &'static str {
        match self {
            Propagation::Background => "Background",
            Propagation::Foreground => "Foreground",
            Propagation::Orphan => "Orphan",
        }
    }
}

impl fmt::Display for Propagation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Propagation {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "Background" | "" => Ok(Propagation::Background),
            "Foreground" => Ok(Propagation::Foreground),
            "Orphan" => Ok(Propagation::Orphan),
            other => Err(format!(
                "propagationPolicy {other:?} is not one of Background, Foreground, Orphan"
            )),
        }
    }
}

impl Serialize for Propagation {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Propagation {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Conditions a write or delete is refused (409) without: the object must
/// still be the one the caller read.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Preconditions {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_version: Option<String>,
}

/// Kubernetes' `DeleteOptions`, the body of a delete (kubectl also sends
/// `apiVersion` and `kind`, which are accepted and ignored).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeleteOptions {
    /// Overrides the pod's `terminationGracePeriodSeconds` (0: at once).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grace_period_seconds: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub propagation_policy: Option<Propagation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preconditions: Option<Preconditions>,
    /// `["All"]` for a dry run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dry_run: Vec<String>,
    /// The older form of `propagationPolicy`: `true` is `Orphan`, `false`
    /// `Background`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orphan_dependents: Option<bool>,
}

impl DeleteOptions {
    pub fn is_dry_run(&self) -> bool {
        self.dry_run.iter().any(|d| d == "All")
    }

    pub fn propagation(&self) -> Propagation {
        match (self.propagation_policy, self.orphan_dependents) {
            (Some(p), _) => p,
            (None, Some(true)) => Propagation::Orphan,
            (None, _) => Propagation::default(),
        }
    }

    /// Kubernetes refuses `orphanDependents` beside `propagationPolicy`.
    pub fn check(&self) -> Result<(), String> {
        if self.orphan_dependents.is_some() && self.propagation_policy.is_some() {
            return Err(
                "orphanDependents and propagationPolicy cannot both be set; use propagationPolicy"
                    .into(),
            );
        }
        Ok(())
    }

    /// These options with the query's (which win, as in Kubernetes) laid over them.
    pub fn with_query(mut self, q: &WriteParams) -> Result<Self, String> {
        if let Some(g) = q.grace_period_seconds {
            self.grace_period_seconds = Some(g);
        }
        if let Some(p) = q.propagation_policy.as_deref() {
            self.propagation_policy = Some(p.parse()?);
        }
        if q.is_dry_run()? {
            self.dry_run = vec!["All".into()];
        }
        self.check()?;
        Ok(self)
    }
}

/// The type of a watch event, as it is written on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WatchEventType {
    Added,
    Modified,
    Deleted,
    /// Only the revision the stream has reached (no object change).
    Bookmark,
    /// The stream ends; the object is a `Status` (410: list again).
    Error,
}

impl WatchEventType {
    pub fn as_str(self) -> &'static str {
        match self {
            WatchEventType::Added => "ADDED",
            WatchEventType::Modified => "MODIFIED",
            WatchEventType::Deleted => "DELETED",
            WatchEventType::Bookmark => "BOOKMARK",
            WatchEventType::Error => "ERROR",
        }
    }
}

impl FromStr for WatchEventType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "ADDED" => WatchEventType::Added,
            "MODIFIED" => WatchEventType::Modified,
            "DELETED" => WatchEventType::Deleted,
            "BOOKMARK" => WatchEventType::Bookmark,
            "ERROR" => WatchEventType::Error,
            other => return Err(format!("unknown watch event type {other:?}")),
        })
    }
}

impl Serialize for WatchEventType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for WatchEventType {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// One line of a watch stream: `{"type":"ADDED","object":{...}}`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct WatchLine {
    #[serde(rename = "type")]
    pub type_: WatchEventType,
    pub object: Value,
}

impl WatchLine {
    /// A line (with its newline) from an event type and an object that is
    /// already JSON, without parsing it again.
    pub fn encode(type_: WatchEventType, object: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(object.len() + 32);
        out.extend_from_slice(b"{\"type\":\"");
        out.extend_from_slice(type_.as_str().as_bytes());
        out.extend_from_slice(b"\",\"object\":");
        out.extend_from_slice(object);
        out.extend_from_slice(b"}\n");
        out
    }

    /// The `metadata.resourceVersion` of the line's object (0 when absent).
    pub fn resource_version(&self) -> u64 {
        self.object
            .pointer("/metadata/resourceVersion")
            .and_then(Value::as_str)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0)
    }
}

/// Query parameters of lists and watches.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListParams {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_selector: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_selector: Option<String>,
    /// A boolean as Go writes them (`true`, `True`, `1`, `false`...); see
    /// [`ListParams::watching`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watch: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_version: Option<String>,
    /// `NotOlderThan` or `Exact` (lists only, with `resourceVersion`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_version_match: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "go_bool"
    )]
    pub allow_watch_bookmarks: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<u64>,
    /// Most items in one page of a list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
    /// The token of the previous page's `metadata.continue`.
    #[serde(default, rename = "continue", skip_serializing_if = "Option::is_none")]
    pub continue_: Option<String>,
}

/// A boolean as Go's `strconv.ParseBool` reads it, as Kubernetes reads
/// query flags.
pub fn parse_go_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

fn go_bool<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum B {
        Bool(bool),
        Text(String),
    }
    match Option::<B>::deserialize(d)? {
        None => Ok(None),
        Some(B::Bool(b)) => Ok(Some(b)),
        Some(B::Text(t)) if t.is_empty() => Ok(None),
        Some(B::Text(t)) => parse_go_bool(&t).map(Some).ok_or_else(|| {
            serde::de::Error::custom(format!("{t:?} is not a boolean; use true or false"))
        }),
    }
}

fn go_flag<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(go_bool(d)?.unwrap_or(false))
}

impl ListParams {
    /// Filters only: a label and a field selector (empty ones are left out).
    pub fn selecting(label_selector: Option<&str>, field_selector: Option<&str>) -> Self {
        let keep = |s: Option<&str>| s.filter(|s| !s.is_empty()).map(str::to_string);
        ListParams {
            label_selector: keep(label_selector),
            field_selector: keep(field_selector),
            ..Default::default()
        }
    }

    pub fn labels(selector: &str) -> Self {
        Self::selecting(Some(selector), None)
    }

    pub fn fields(selector: &str) -> Self {
        Self::selecting(None, Some(selector))
    }

    /// Whether `watch` asks for a watch; a value that is not a boolean is
    /// an error that says so.
    pub fn watching(&self) -> Result<bool, String> {
        match self.watch.as_deref() {
            None | Some("") => Ok(false),
            Some(v) => parse_go_bool(v).ok_or_else(|| {
                format!("watch={v:?} is not a boolean; use watch=true or watch=false")
            }),
        }
    }

    pub fn is_watch(&self) -> bool {
        self.watching().unwrap_or(false)
    }

    /// The same filters, as a watch from `resource_version` (none: from now,
    /// with an ADDED event per current object), with bookmarks.
    pub fn watch_from(&self, resource_version: Option<u64>) -> Self {
        ListParams {
            label_selector: self.label_selector.clone(),
            field_selector: self.field_selector.clone(),
            watch: Some("true".into()),
            resource_version: resource_version.map(|r| r.to_string()),
            allow_watch_bookmarks: Some(true),
            timeout_seconds: self.timeout_seconds,
            ..Default::default()
        }
    }
}

/// Query parameters of writes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WriteParams {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grace_period_seconds: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub propagation_policy: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_selector: Option<String>,
    /// `Strict` (the default), `Warn` or `Ignore`: what a create or
    /// replace does with fields the kind does not have.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_validation: Option<String>,
    /// Who makes the change, for `metadata.managedFields` (required by
    /// server-side apply).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_manager: Option<String>,
    /// Server-side apply takes fields other managers own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub force: Option<bool>,
}

impl WriteParams {
    pub fn dry_run() -> Self {
        WriteParams {
            dry_run: Some("All".into()),
            ..Default::default()
        }
    }

    /// Whether this is a dry run (`dryRun=All`); other values are refused.
    pub fn is_dry_run(&self) -> Result<bool, String> {
        match self.dry_run.as_deref() {
            None | Some("") => Ok(false),
            Some("All") => Ok(true),
            Some(other) => Err(format!("dryRun={other:?} is not supported; use dryRun=All")),
        }
    }
}

/// Query parameters of `GET .../pods/{name}/log`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogParams {
    /// The container (optional when the pod has one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "std::ops::Not::not",
        deserialize_with = "go_flag"
    )]
    pub follow: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tail_lines: Option<i64>,
    /// The instance before the last restart.
    #[serde(
        default,
        skip_serializing_if = "std::ops::Not::not",
        deserialize_with = "go_flag"
    )]
    pub previous: bool,
    /// Only output of the last N seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since_seconds: Option<i64>,
    /// Only output from this RFC 3339 time on (exclusive with `sinceSeconds`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since_time: Option<String>,
    /// Start each line with the time it was written (where the runtime knows it).
    #[serde(
        default,
        skip_serializing_if = "std::ops::Not::not",
        deserialize_with = "go_flag"
    )]
    pub timestamps: bool,
    /// Stop after this many bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit_bytes: Option<i64>,
}

/// Query parameters of an exec (`POST .../pods/{name}/exec` on the control
/// daemon, `POST /exec/{uid}/{container}` on the node daemon).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecParams {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    /// The command as a JSON array of strings.
    pub command: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub stdin: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub tty: bool,
}

impl ExecParams {
    pub fn new(container: Option<&str>, command: &[String], stdin: bool, tty: bool) -> Self {
        ExecParams {
            container: container.map(str::to_string),
            command: serde_json::to_string(command).unwrap_or_default(),
            stdin,
            tty,
        }
    }

    /// The command, decoded from its JSON array; empty or malformed is an error.
    pub fn argv(&self) -> Result<Vec<String>, String> {
        let argv: Vec<String> = serde_json::from_str(&self.command)
            .map_err(|e| format!("command must be a JSON array of strings: {e}"))?;
        if argv.is_empty() {
            return Err("no command given".into());
        }
        Ok(argv)
    }
}

/// `GET /apis/ork.dev/v1/heartbeats`: how long ago each node was last heard from.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HeartbeatList {
    pub items: Vec<Heartbeat>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Heartbeat {
    pub node: String,
    pub seconds_ago: f64,
}

/// What a backup's response headers announce.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BackupInfo {
    pub revision: u64,
    pub objects: u64,
    /// The id of the key its Secrets are sealed with, when it holds any.
    pub key_id: Option<u32>,
}

/// The answer to `POST /apis/ork.dev/v1/secrets/rotate-key`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RotatedKey {
    /// The id of the key every Secret is now sealed with.
    pub key_id: u32,
    /// How many Secrets were sealed again.
    pub secrets: usize,
}

/// `GET /apis/ork.dev/v1/nodes/{name}/usage`: a node's recent totals, oldest first.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsageHistory {
    pub node: String,
    pub window_millis: u64,
    pub samples: Vec<super::metrics::Usage>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delete_options_read_kubectls_body_and_the_query_wins() {
        let body = r#"{"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Orphan",
            "gracePeriodSeconds":30,"preconditions":{"uid":"u1"}}"#;
        let o: DeleteOptions = serde_json::from_str(body).unwrap();
        assert_eq!(o.propagation(), Propagation::Orphan);
        let old: DeleteOptions = serde_json::from_str(r#"{"orphanDependents":true}"#).unwrap();
        assert_eq!(old.propagation(), Propagation::Orphan);
        assert!(old.check().is_ok());
        let no: DeleteOptions = serde_json::from_str(r#"{"orphanDependents":false}"#).unwrap();
        assert_eq!(no.propagation(), Propagation::Background);
        let both: DeleteOptions =
            serde_json::from_str(r#"{"orphanDependents":true,"propagationPolicy":"Orphan"}"#)
                .unwrap();
        assert!(both.check().unwrap_err().contains("cannot both be set"));
        assert_eq!(o.preconditions.as_ref().unwrap().uid.as_deref(), Some("u1"));
        let q = WriteParams {
            grace_period_seconds: Some(0),
            dry_run: Some("All".into()),
            ..Default::default()
        };
        let o = o.with_query(&q).unwrap();
        assert_eq!(o.grace_period_seconds, Some(0));
        assert!(o.is_dry_run());
        let bad = WriteParams {
            propagation_policy: Some("Sideways".into()),
            ..Default::default()
        };
        let e = DeleteOptions::default().with_query(&bad).unwrap_err();
        assert!(e.contains("Background, Foreground, Orphan"), "{e}");
        assert!(serde_json::from_str::<DeleteOptions>(r#"{"propagationPolicy":"x"}"#).is_err());
    }

    #[test]
    fn watch_lines_round_trip() {
        let line = WatchLine::encode(
            WatchEventType::Modified,
            br#"{"metadata":{"resourceVersion":"42"}}"#,
        );
        assert_eq!(line.last(), Some(&b'\n'));
        let parsed: WatchLine = serde_json::from_slice(&line).unwrap();
        assert_eq!(parsed.type_, WatchEventType::Modified);
        assert_eq!(parsed.resource_version(), 42);
        for t in [
            WatchEventType::Added,
            WatchEventType::Modified,
            WatchEventType::Deleted,
            WatchEventType::Bookmark,
            WatchEventType::Error,
        ] {
            assert_eq!(t.as_str().parse::<WatchEventType>(), Ok(t));
        }
        assert!("CHANGED".parse::<WatchEventType>().is_err());
    }

    #[test]
    fn list_params_leave_out_what_is_not_set() {
        let p = ListParams::labels("app=web").watch_from(Some(7));
        let v = serde_json::to_value(&p).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"labelSelector":"app=web","watch":"true",
                "resourceVersion":"7","allowWatchBookmarks":true})
        );
        assert!(p.is_watch());
        assert_eq!(ListParams::selecting(Some(""), None), ListParams::default());
    }

    #[test]
    fn watch_flags_read_as_go_reads_booleans() {
        // As a query string arrives: every value a string.
        let parse = |s: &str| {
            let m: serde_json::Map<String, Value> = s
                .split('&')
                .filter_map(|kv| kv.split_once('='))
                .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
                .collect();
            serde_json::from_value::<ListParams>(Value::Object(m))
        };
        let q = |s: &str| parse(s).unwrap();
        for yes in ["watch=true", "watch=True", "watch=1", "watch=t"] {
            assert_eq!(q(yes).watching(), Ok(true), "{yes}");
        }
        for no in ["", "watch=false", "watch=False", "watch=0"] {
            assert_eq!(q(no).watching(), Ok(false), "{no}");
        }
        let e = q("watch=yes").watching().unwrap_err();
        assert!(e.contains("watch=true"), "{e}");
        assert_eq!(
            q("allowWatchBookmarks=True").allow_watch_bookmarks,
            Some(true)
        );
        assert!(parse("allowWatchBookmarks=maybe").is_err());
        let p: ListParams =
            serde_json::from_value(serde_json::json!({"limit": 2, "continue": "abc"})).unwrap();
        assert_eq!((p.limit, p.continue_.as_deref()), (Some(2), Some("abc")));
    }

    #[test]
    fn exec_params_carry_the_command_as_json() {
        let p = ExecParams::new(
            Some("c"),
            &["sh".into(), "-c".into(), "echo hi".into()],
            true,
            false,
        );
        assert_eq!(p.argv().unwrap(), ["sh", "-c", "echo hi"]);
        let empty = ExecParams::new(None, &[], false, false);
        assert!(empty.argv().is_err());
    }
}
