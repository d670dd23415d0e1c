//! Machines in containers, for `ork up --machines docker`, `ork down` and
//! `ork chaos`: a private Docker network per cluster, one container per node
//! daemon (its own address, hostname and disk, pods run by the process
//! runtime inside it, so a machine's death takes its pods along), and the
//! control daemon on the host (reached by the machines at the network's
//! gateway address) or in a container of its own.
//!
//! The image is built here, without a registry: `FROM scratch`, the running
//! `ork` binary with the shared libraries `ldd` names for it, and a
//! statically linked busybox (Debian's busybox-static) for the pods' `sh`,
//! `sleep`, `httpd`… Its tag carries the binary's size and modification
//! time, so a rebuilt `ork` gets a new image.
//!
//! Everything is done with the `docker` command line, and every command is
//! printed by the chaos actions as it ran, so a person can repeat it. The
//! cluster's layout (network, addresses, containers) is kept in
//! `DATA/machines.json`.
//!
//! Address plan of the cluster's /24: `.1` the gateway (the host), `.2` the
//! control daemon's container, `.10 + i` machine `node-i`. The host reaches
//! services at the machines' addresses (node ports, load balancers, the
//! Ingress), and at their cluster IPs through the proxy `ork up` runs on it
//! ([`crate::node::proxy::run_outside`]).
//!
//! This module must not import `tui`.

use super::{CliError, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The file in a data dir that describes its machines.
pub const STATE_FILE: &str = "machines.json";

/// Label on every Docker object of a cluster's machines.
pub const LABEL_CLUSTER: &str = "ork.dev/cluster";

/// Where the join token is mounted in a machine.
const TOKEN_IN_MACHINE: &str = "/etc/ork/node.token";

/// Where the control daemon's container keeps its data (a host directory).
const CONTROL_DATA_IN_CONTAINER: &str = "/var/lib/ork/control";

/// Where the control daemon runs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "place")]
pub enum ControlPlace {
    /// A process on the host; `args` start it again (`ork chaos restart control`).
    Host { args: Vec<String> },
    /// A container on the cluster's network.
    Container { container: String, ip: String },
}

/// One machine: a container running a node daemon.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Machine {
    /// The Node's name (and the container's hostname).
    pub name: String,
    pub container: String,
    pub ip: String,
}

/// A cluster's machines, as `DATA/machines.json` has them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Machines {
    /// Prefix of every Docker object's name, and the value of [`LABEL_CLUSTER`].
    pub cluster: String,
    pub network: String,
    pub subnet: String,
    pub gateway: String,
    pub image: String,
    pub control: ControlPlace,
    pub url: String,
    pub nodes: Vec<Machine>,
}

impl Machines {
    /// Reads the machines of data dir `dir`, if it has any.
    pub fn load(dir: &Path) -> Result<Option<Machines>> {
        let path = dir.join(STATE_FILE);
        match std::fs::read(&path) {
            Ok(b) => serde_json::from_slice(&b)
                .map(Some)
                .map_err(|e| CliError::Failed(format!("{}: {e}", path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(CliError::Io {
                what: "reading",
                path,
                source,
            }),
        }
    }

    pub fn save(&self, dir: &Path) -> Result<()> {
        let path = dir.join(STATE_FILE);
        let body = serde_json::to_vec_pretty(self)
            .map_err(|e| CliError::Failed(format!("{}: {e}", path.display())))?;
        crate::sys::write_private(&path, &body).map_err(|e| CliError::Failed(e.to_string()))
    }

    /// The machine named `name` (`node-2`, or its container's name).
    pub fn machine(&self, name: &str) -> Result<&Machine> {
        self.nodes
            .iter()
            .find(|m| m.name == name || m.container == name)
            .ok_or_else(|| {
                CliError::Usage(format!(
                    "no machine {name:?} in this cluster; machines: {}",
                    self.nodes
                        .iter()
                        .map(|m| m.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })
    }
}

/// The addresses of a cluster on subnet `10.<a>.<b>.0/24`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    pub subnet: String,
    pub gateway: String,
    pub control: String,
    prefix: String,
}

impl Plan {
    pub fn new(a: u8, b: u8) -> Plan {
        let prefix = format!("10.{a}.{b}");
        Plan {
            subnet: format!("{prefix}.0/24"),
            gateway: format!("{prefix}.1"),
            control: format!("{prefix}.2"),
            prefix,
        }
    }

    /// Address of machine `node-i` (1-based; at most 64 machines).
    pub fn node(&self, i: u32) -> String {
        format!("{}.{}", self.prefix, 10 + i)
    }

    /// The candidate subnets for a cluster named `cluster`, starting at one
    /// derived from its name (so two clusters rarely try the same first).
    pub fn candidates(cluster: &str) -> impl Iterator<Item = Plan> {
        let start = (crate::api::hash::fnv64a(cluster.as_bytes()) % 200) as u8;
        (0..24u8).map(move |k| Plan::new(213, start.wrapping_add(k.wrapping_mul(7))))
    }
}

/// Docker objects' names of a cluster: `<cluster>-net`, `<cluster>-control`,
/// `<cluster>-node-<i>`.
pub fn network_name(cluster: &str) -> String {
    format!("{cluster}-net")
}

pub fn container_name(cluster: &str, node: &str) -> String {
    format!("{cluster}-{node}")
}

/// Whether `name` may name a cluster: lowercase letters, digits and `-`,
/// starting with a letter, at most 40 characters.
pub fn cluster_name_error(name: &str) -> Option<String> {
    let ok = !name.is_empty()
        && name.len() <= 40
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    (!ok).then(|| {
        format!("{name:?}: a cluster name is lowercase letters, digits and '-', starting with a letter, at most 40 characters")
    })
}

/// Runs `docker ARGS`; its trimmed stdout, or an error with its stderr.
pub async fn docker(args: &[&str]) -> Result<String> {
    let out = tokio::process::Command::new("docker")
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .map_err(|source| CliError::Io {
            what: "running docker",
            path: PathBuf::from("docker"),
            source,
        })?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    } else {
        Err(CliError::Failed(format!(
            "docker {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )))
    }
}

/// The command line of `docker ARGS`, as printed.
pub fn shown(args: &[&str]) -> String {
    format!("docker {}", args.join(" "))
}

/// Fails with a clear message unless a Docker engine answers.
pub async fn require_engine() -> Result<()> {
    docker(&["version", "--format", "{{.Server.Version}}"])
        .await
        .map(|_| ())
        .map_err(|e| {
            CliError::Failed(format!(
                "--machines docker needs a Docker engine and the docker command: {e}"
            ))
        })
}

/// The image's tag for the ork binary at `exe` (its size and mtime).
fn image_tag(exe: &Path) -> Result<String> {
    let m = std::fs::metadata(exe).map_err(|source| CliError::Io {
        what: "reading",
        path: exe.to_path_buf(),
        source,
    })?;
    let mtime = m
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let key = format!("{}:{mtime}", m.len());
    Ok(format!(
        "ork/machine:{}-{:012x}",
        env!("CARGO_PKG_VERSION"),
        crate::api::hash::fnv64a(key.as_bytes()) & 0xffff_ffff_ffff
    ))
}

/// The Dockerfile of the machine image.
const DOCKERFILE: &str = "FROM scratch\nCOPY rootfs/ /\nENV PATH=/bin\nENTRYPOINT [\"/ork\"]\n";

/// Writes the build context of the machine image into `ctx`.
fn write_context(ctx: &Path, exe: &Path, busybox: &Path) -> std::io::Result<()> {
    let root = ctx.join("rootfs");
    for d in ["bin", "etc", "tmp", "var/lib/ork", "www"] {
        std::fs::create_dir_all(root.join(d))?;
    }
    std::fs::write(ctx.join("Dockerfile"), DOCKERFILE)?;
    std::fs::copy(exe, root.join("ork"))?;
    let ldd = std::process::Command::new("ldd").arg(exe).output()?;
    for lib in
        crate::node::runtime::docker::sandbox::parse_ldd(&String::from_utf8_lossy(&ldd.stdout))
    {
        let rel = lib.strip_prefix("/").unwrap_or(&lib);
        let dest = root.join(rel);
        if let Some(p) = dest.parent() {
            std::fs::create_dir_all(p)?;
        }
        std::fs::copy(&lib, dest)?;
    }
    std::fs::copy(busybox, root.join("bin/busybox"))?;
    let list = std::process::Command::new(busybox).arg("--list").output()?;
    for app in String::from_utf8_lossy(&list.stdout).split_whitespace() {
        if app != "busybox" && !app.contains('/') {
            let _ = std::os::unix::fs::symlink("busybox", root.join("bin").join(app));
        }
    }
    std::fs::write(
        root.join("etc/passwd"),
        "root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n",
    )?;
    std::fs::write(root.join("etc/group"), "root:x:0:\nnogroup:x:65534:\n")?;
    std::fs::write(root.join("www/index.html"), "hello from an ork machine\n")?;
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(root.join("tmp"), std::fs::Permissions::from_mode(0o1777))?;
    Ok(())
}

/// Builds the machine image for this `ork` binary unless it exists; its tag.
pub async fn ensure_image(scratch: &Path) -> Result<String> {
    let exe = std::env::current_exe().map_err(|source| CliError::Io {
        what: "finding the ork binary",
        path: PathBuf::from("ork"),
        source,
    })?;
    let tag = image_tag(&exe)?;
    if docker(&["image", "inspect", "--format", "{{.Id}}", &tag])
        .await
        .is_ok()
    {
        return Ok(tag);
    }
    let busybox = crate::node::runtime::docker::busybox::find_static(
        crate::node::runtime::docker::busybox::CANDIDATES,
    )
    .ok_or_else(|| {
        CliError::Failed(
            "the machine image needs a statically linked busybox: apt-get install busybox-static"
                .into(),
        )
    })?;
    let ctx = scratch.join("machine-image");
    let _ = std::fs::remove_dir_all(&ctx);
    let built = {
        let (ctx, exe) = (ctx.clone(), exe.clone());
        tokio::task::spawn_blocking(move || write_context(&ctx, &exe, &busybox))
            .await
            .map_err(|e| CliError::Failed(e.to_string()))?
    };
    built.map_err(|source| CliError::Io {
        what: "writing the machine image's build context",
        path: ctx.clone(),
        source,
    })?;
    let ctx_str = ctx.display().to_string();
    let r = docker(&["build", "-q", "-t", &tag, &ctx_str]).await;
    let _ = std::fs::remove_dir_all(&ctx);
    r?;
    prune_images(&tag).await;
    Ok(tag)
}

/// The repository of the machine images.
const IMAGE_REPO: &str = "ork/machine";

/// An old machine image is kept this long after it was built, so a cluster
/// another `ork` binary is starting right now keeps the image it just built.
const IMAGE_KEEP: Duration = Duration::from_secs(10 * 60);

/// A machine image as `docker image inspect` describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MachineImage {
    /// `sha256:…`.
    pub id: String,
    /// Its `ork/machine:<tag>` names.
    pub tags: Vec<String>,
    pub created: chrono::DateTime<chrono::Utc>,
}

/// The old machine images to remove now that `new` was built, by tag: every
/// `ork/machine` image but `new`'s, unless a container (running or stopped:
/// a killed machine restarts from it) uses it, or it was built less than
/// `keep` before `now`.
pub fn images_to_prune(
    images: &[MachineImage],
    new: &str,
    in_use: &std::collections::HashSet<String>,
    now: chrono::DateTime<chrono::Utc>,
    keep: Duration,
) -> Vec<String> {
    let keep = chrono::Duration::from_std(keep).unwrap_or(chrono::Duration::MAX);
    let new_id = images
        .iter()
        .find(|i| i.tags.iter().any(|t| t == new))
        .map(|i| i.id.as_str());
    let mut out: Vec<String> = images
        .iter()
        .filter(|i| Some(i.id.as_str()) != new_id)
        .filter(|i| !in_use.contains(&i.id))
        .filter(|i| i.created + keep <= now)
        .flat_map(|i| i.tags.iter())
        .filter(|t| t.starts_with(&format!("{IMAGE_REPO}:")) && t.as_str() != new)
        .cloned()
        .collect();
    out.sort();
    out
}

/// The machine images (`new` among them) and the images any container uses.
async fn machine_images(
    new: &str,
) -> Result<(Vec<MachineImage>, std::collections::HashSet<String>)> {
    let mut in_use = std::collections::HashSet::new();
    let refs = docker(&[
        "image",
        "ls",
        IMAGE_REPO,
        "--format",
        "{{.Repository}}:{{.Tag}}",
    ])
    .await?;
    let refs: Vec<&str> = refs.split_whitespace().filter(|r| *r != new).collect();
    if refs.is_empty() {
        return Ok((vec![], in_use));
    }
    let mut args = vec![
        "image",
        "inspect",
        "--format",
        "{{.Id}}|{{.Created}}|{{join .RepoTags \",\"}}",
    ];
    args.extend(refs.iter().copied());
    args.push(new);
    let mut images: Vec<MachineImage> = vec![];
    for l in docker(&args).await?.lines() {
        let mut f = l.splitn(3, '|');
        let (Some(id), Some(created), Some(tags)) = (f.next(), f.next(), f.next()) else {
            continue;
        };
        let Ok(created) = chrono::DateTime::parse_from_rfc3339(created.trim()) else {
            continue;
        };
        if images.iter().any(|i| i.id == id) {
            continue;
        }
        images.push(MachineImage {
            id: id.to_string(),
            tags: tags
                .split(',')
                .filter(|t| !t.is_empty())
                .map(String::from)
                .collect(),
            created: created.with_timezone(&chrono::Utc),
        });
    }
    let containers = docker(&["ps", "-aq"]).await?;
    if !containers.is_empty() {
        let mut args = vec!["inspect", "--format", "{{.Image}}"];
        args.extend(containers.split_whitespace());
        // A container removed meanwhile fails the whole inspect: then
        // nothing is pruned this time.
        in_use.extend(docker(&args).await?.lines().map(String::from));
    }
    Ok((images, in_use))
}

/// Removes the machine images [`images_to_prune`] picks after `new` was
/// built (each is ~250 MB), saying which; best effort: a failure leaves
/// them and says why.
async fn prune_images(new: &str) {
    let (images, in_use) = match machine_images(new).await {
        Ok(x) => x,
        Err(e) => {
            eprintln!("old machine images kept: {e}");
            return;
        }
    };
    let old = images_to_prune(&images, new, &in_use, chrono::Utc::now(), IMAGE_KEEP);
    if old.is_empty() {
        return;
    }
    let mut args = vec!["image", "rm"];
    args.extend(old.iter().map(String::as_str));
    match docker(&args).await {
        Ok(_) => eprintln!("removed old machine images: {}", old.join(" ")),
        Err(e) => eprintln!("old machine images kept: {e}"),
    }
}

/// Creates the cluster's network on the first free candidate subnet.
pub async fn create_network(cluster: &str) -> Result<Plan> {
    let name = network_name(cluster);
    let label = format!("{LABEL_CLUSTER}={cluster}");
    let mut last = None;
    for plan in Plan::candidates(cluster) {
        match docker(&[
            "network",
            "create",
            "--driver",
            "bridge",
            "--subnet",
            &plan.subnet,
            "--gateway",
            &plan.gateway,
            "--label",
            &label,
            &name,
        ])
        .await
        {
            Ok(_) => return Ok(plan),
            Err(e) => {
                let text = e.to_string();
                if !text.contains("overlap") {
                    return Err(e);
                }
                last = Some(e);
            }
        }
    }
    Err(last.unwrap_or_else(|| CliError::Failed("no free subnet for the machines".into())))
}

/// Arguments of `docker run` for a machine (`ork node` in a container).
#[allow(clippy::too_many_arguments)]
pub fn node_run_args(
    cluster: &str,
    image: &str,
    name: &str,
    ip: &str,
    token_file: &Path,
    url: &str,
    grace: Duration,
    fence_after: Duration,
) -> Vec<String> {
    let net = network_name(cluster);
    [
        "run",
        "-d",
        "--name",
        &container_name(cluster, name),
        "--hostname",
        name,
        "--network",
        &net,
        "--ip",
        ip,
        "--label",
        &format!("{LABEL_CLUSTER}={cluster}"),
        "--label",
        &format!("ork.dev/machine={name}"),
        "-v",
        &format!("{}:{TOKEN_IN_MACHINE}:ro", token_file.display()),
        image,
        "node",
        "--join",
        url,
        "--token-file",
        TOKEN_IN_MACHINE,
        "--name",
        name,
        "--runtime",
        "process",
        "--data-dir",
        "/var/lib/ork/node",
        "--node-grace",
        &format!("{}ms", grace.as_millis()),
        "--fence-after",
        &format!("{}ms", fence_after.as_millis()),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// Arguments of `docker run` for the control daemon's container; its data
/// lives in `data` on the host.
pub fn control_run_args(
    cluster: &str,
    image: &str,
    ip: &str,
    port: u16,
    data: &Path,
    grace: Duration,
) -> Vec<String> {
    [
        "run",
        "-d",
        "--name",
        &container_name(cluster, "control"),
        "--hostname",
        "control",
        "--network",
        &network_name(cluster),
        "--ip",
        ip,
        "--label",
        &format!("{LABEL_CLUSTER}={cluster}"),
        "-v",
        &format!("{}:{CONTROL_DATA_IN_CONTAINER}", data.display()),
        image,
        "control",
        "--data-dir",
        CONTROL_DATA_IN_CONTAINER,
        "--listen",
        &format!("{ip}:{port}"),
        "--node-grace",
        &format!("{}ms", grace.as_millis()),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// Removes every container and the network of cluster `cluster` (found by
/// label, so leftovers of a crashed `ork up` go too). Returns how many
/// containers went.
pub async fn remove_cluster(cluster: &str) -> Result<usize> {
    let label = format!("label={LABEL_CLUSTER}={cluster}");
    let ids = docker(&["ps", "-aq", "--filter", &label]).await?;
    let ids: Vec<&str> = ids.split_whitespace().collect();
    if !ids.is_empty() {
        let mut args = vec!["rm", "-f"];
        args.extend(ids.iter().copied());
        docker(&args).await?;
    }
    let nets = docker(&["network", "ls", "-q", "--filter", &label]).await?;
    for n in nets.split_whitespace() {
        docker(&["network", "rm", n]).await?;
    }
    Ok(ids.len())
}

/// What a chaos action does to a machine, as `docker` arguments.
pub fn chaos_args(action: &str, m: &Machine, network: &str) -> Vec<String> {
    let c = m.container.as_str();
    let v: Vec<&str> = match action {
        "kill" => vec!["kill", "--signal", "KILL", c],
        "restart" => vec!["start", c],
        "pause" => vec!["pause", c],
        "resume" => vec!["unpause", c],
        "partition" => vec!["network", "disconnect", "--force", network, c],
        "heal" => vec!["network", "connect", "--ip", &m.ip, network, c],
        _ => vec![],
    };
    v.into_iter().map(String::from).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_address_plan_keeps_gateway_control_and_machines_apart() {
        let p = Plan::new(213, 7);
        assert_eq!(p.subnet, "10.213.7.0/24");
        assert_eq!(p.gateway, "10.213.7.1");
        assert_eq!(p.control, "10.213.7.2");
        assert_eq!(p.node(1), "10.213.7.11");
        assert_eq!(p.node(64), "10.213.7.74");
        let c: Vec<Plan> = Plan::candidates("ork").collect();
        assert_eq!(c.len(), 24);
        let mut subnets: Vec<&str> = c.iter().map(|p| p.subnet.as_str()).collect();
        subnets.sort();
        subnets.dedup();
        assert_eq!(subnets.len(), 24, "every candidate differs");
    }

    #[test]
    fn cluster_names_are_checked() {
        assert!(cluster_name_error("ork").is_none());
        assert!(cluster_name_error("mk-1").is_none());
        assert!(cluster_name_error("").is_some());
        assert!(cluster_name_error("Ork").is_some());
        assert!(cluster_name_error("1ork").is_some());
        assert!(cluster_name_error("a;rm").is_some());
    }

    #[test]
    fn a_machine_runs_a_node_daemon_with_its_address_and_the_token_mounted() {
        let a = node_run_args(
            "c1",
            "ork/machine:x",
            "node-2",
            "10.213.7.12",
            Path::new("/d/node.token"),
            "https://10.213.7.1:7700",
            Duration::from_secs(5),
            Duration::from_secs(10),
        );
        let s = a.join(" ");
        assert!(s.starts_with(
            "run -d --name c1-node-2 --hostname node-2 --network c1-net --ip 10.213.7.12"
        ));
        assert!(s.contains("-v /d/node.token:/etc/ork/node.token:ro ork/machine:x node --join https://10.213.7.1:7700"));
        assert!(s.contains("--runtime process"));
        assert!(s.ends_with("--node-grace 5000ms --fence-after 10000ms"));
    }

    #[test]
    fn chaos_actions_are_docker_commands_on_the_machine() {
        let m = Machine {
            name: "node-1".into(),
            container: "c1-node-1".into(),
            ip: "10.213.7.11".into(),
        };
        assert_eq!(
            chaos_args("kill", &m, "c1-net"),
            ["kill", "--signal", "KILL", "c1-node-1"]
        );
        assert_eq!(
            chaos_args("partition", &m, "c1-net"),
            ["network", "disconnect", "--force", "c1-net", "c1-node-1"]
        );
        assert_eq!(
            chaos_args("heal", &m, "c1-net"),
            [
                "network",
                "connect",
                "--ip",
                "10.213.7.11",
                "c1-net",
                "c1-node-1"
            ]
        );
        assert!(chaos_args("nonsense", &m, "c1-net").is_empty());
    }

    #[test]
    fn old_machine_images_are_pruned_unless_in_use_or_just_built() {
        let at = |s: &str| s.parse::<chrono::DateTime<chrono::Utc>>().unwrap();
        let now = at("2026-12-07T10:00:00Z");
        let image = |id: &str, tags: &[&str], created: &str| MachineImage {
            id: id.into(),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            created: at(created),
        };
        let images = [
            image(
                "sha256:new",
                &["ork/machine:0.1.0-new"],
                "2026-12-07T09:59:50Z",
            ),
            // The same binary tagged twice: the new image's other name stays.
            image(
                "sha256:new",
                &["ork/machine:0.1.0-alias"],
                "2026-12-07T09:59:50Z",
            ),
            image(
                "sha256:old",
                &["ork/machine:0.1.0-old"],
                "2026-12-06T10:00:00Z",
            ),
            image(
                "sha256:two",
                &["ork/machine:0.1.0-two", "ork/machine:0.1.0-two-b"],
                "2026-12-06T11:00:00Z",
            ),
            image(
                "sha256:run",
                &["ork/machine:0.1.0-run"],
                "2026-12-06T10:00:00Z",
            ),
            image(
                "sha256:young",
                &["ork/machine:0.1.0-young"],
                "2026-12-07T09:55:00Z",
            ),
            image("sha256:other", &["debian:12"], "2026-01-01T00:00:00Z"),
        ];
        let in_use: std::collections::HashSet<String> = ["sha256:run".to_string()].into();
        let keep = Duration::from_secs(600);
        assert_eq!(
            images_to_prune(&images, "ork/machine:0.1.0-new", &in_use, now, keep),
            [
                "ork/machine:0.1.0-old",
                "ork/machine:0.1.0-two",
                "ork/machine:0.1.0-two-b"
            ]
        );
        // Ten minutes on, the young one goes too; the one in use never.
        let later = at("2026-12-07T10:06:00Z");
        let pruned = images_to_prune(&images, "ork/machine:0.1.0-new", &in_use, later, keep);
        assert!(pruned.contains(&"ork/machine:0.1.0-young".to_string()));
        assert!(
            !pruned
                .iter()
                .any(|t| t.contains("run") || t.contains("new"))
        );
        assert!(images_to_prune(&[], "ork/machine:x", &in_use, now, keep).is_empty());
    }

    #[test]
    fn machines_are_found_by_node_or_container_name() {
        let ms = Machines {
            cluster: "c1".into(),
            network: "c1-net".into(),
            subnet: "10.213.7.0/24".into(),
            gateway: "10.213.7.1".into(),
            image: "i".into(),
            control: ControlPlace::Host { args: vec![] },
            url: "https://10.213.7.1:7700".into(),
            nodes: vec![Machine {
                name: "node-1".into(),
                container: "c1-node-1".into(),
                ip: "10.213.7.11".into(),
            }],
        };
        assert_eq!(ms.machine("node-1").unwrap().ip, "10.213.7.11");
        assert_eq!(ms.machine("c1-node-1").unwrap().name, "node-1");
        let e = ms.machine("node-9").unwrap_err().to_string();
        assert!(e.contains("node-1"), "{e}");
        let d = tempfile::tempdir().unwrap();
        ms.save(d.path()).unwrap();
        assert_eq!(Machines::load(d.path()).unwrap(), Some(ms));
    }
}
