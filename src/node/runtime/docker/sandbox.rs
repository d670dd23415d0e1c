//! The pod sandbox of the docker runtime: one small container per pod that
//! owns the pod's network namespace and publishes its ports; every container
//! of the pod joins it (`--network container:<sandbox>`), so containers of a
//! pod reach each other on `127.0.0.1`, as in Kubernetes.
//!
//! Why a sandbox rather than joining the first container: the namespace must
//! outlive any one container's restarts, or a crashing main container would
//! take its sidecars' network with it. Kubernetes uses a `pause` container for
//! the same reason.
//!
//! A pod with `hostNetwork` gets a sandbox on the host's network
//! (`--network host`): nothing to publish, as its ports are the node's
//! own, the host's hostname, and no namespace of its own for the node to
//! serve the cluster DNS or cluster IPs in (the node's server on the host
//! answers a `ClusterFirstWithHostNet` pod).
//!
//! No registry is needed for it: the image (`ork/sandbox:<version>`) is built
//! once, locally, from the running `ork` binary and the shared libraries
//! `ldd` names for it; it runs `ork pause`, which waits for SIGTERM.

use super::super::{PodSandbox, RuntimeError};
use super::{
    LABEL_MANAGED, LABEL_NODE_ID, LABEL_POD_UID, LABEL_ROLE, create_and_start, docker_err,
    force_remove, list_labelled, pod_labels, short_uid,
};
use bollard::Docker;
use bollard::models::{ContainerCreateBody, HostConfig, PortBinding};
use bollard::query_parameters::BuildImageOptions;
use futures::StreamExt;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The sandbox image, one per ork version.
pub const IMAGE: &str = concat!("ork/sandbox:", env!("CARGO_PKG_VERSION"));

/// Shared libraries a dynamically linked binary needs, as `ldd` prints them.
pub fn parse_ldd(out: &str) -> Vec<PathBuf> {
    out.lines()
        .filter_map(|l| {
            let l = l.trim();
            let path = match l.split_once("=>") {
                Some((_, rest)) => rest.trim(),
                None => l,
            };
            let path = path.split(" (").next().unwrap_or("").trim();
            path.starts_with('/').then(|| PathBuf::from(path))
        })
        .collect()
}

fn tar_file(
    b: &mut tar::Builder<Vec<u8>>,
    dest: &str,
    data: &[u8],
    mode: u32,
) -> Result<(), RuntimeError> {
    let mut h = tar::Header::new_gnu();
    h.set_size(data.len() as u64);
    h.set_mode(mode);
    h.set_cksum();
    b.append_data(&mut h, dest, data)
        .map_err(|e| RuntimeError::Other(format!("building the sandbox image: {e}")))
}

/// A build context: Dockerfile, the ork binary and its libraries.
fn context(exe: &Path) -> Result<Vec<u8>, RuntimeError> {
    let io = |what: String| move |e: std::io::Error| RuntimeError::Io { what, source: e };
    let ldd = std::process::Command::new("ldd")
        .arg(exe)
        .output()
        .map_err(io("running ldd for the sandbox image".into()))?;
    let libs = parse_ldd(&String::from_utf8_lossy(&ldd.stdout));
    let mut b = tar::Builder::new(Vec::new());
    tar_file(
        &mut b,
        "Dockerfile",
        b"FROM scratch\nCOPY rootfs/ /\nENTRYPOINT [\"/ork\", \"pause\"]\n",
        0o644,
    )?;
    let bin = std::fs::read(exe).map_err(io(format!("reading {}", exe.display())))?;
    tar_file(&mut b, "rootfs/ork", &bin, 0o755)?;
    for lib in libs {
        let data = std::fs::read(&lib).map_err(io(format!("reading {}", lib.display())))?;
        let dest = format!("rootfs{}", lib.display());
        tar_file(&mut b, &dest, &data, 0o755)?;
    }
    b.into_inner()
        .map_err(|e| RuntimeError::Other(format!("building the sandbox image: {e}")))
}

/// Builds the sandbox image unless it is there.
pub async fn ensure_image(docker: &Docker) -> Result<(), RuntimeError> {
    if docker.inspect_image(IMAGE).await.is_ok() {
        return Ok(());
    }
    let exe = std::env::current_exe().map_err(|e| RuntimeError::Io {
        what: "finding the ork binary".into(),
        source: e,
    })?;
    let ctx = tokio::task::spawn_blocking(move || context(&exe))
        .await
        .map_err(|e| RuntimeError::Other(e.to_string()))??;
    tracing::info!(
        image = IMAGE,
        "building the pod sandbox image from the ork binary"
    );
    build_image(docker, IMAGE, ctx, "the sandbox image").await
}

/// Builds image `tag` from a build context (a tar with a `Dockerfile`);
/// `what` names it in errors.
pub(super) async fn build_image(
    docker: &Docker,
    tag: &str,
    ctx: Vec<u8>,
    what: &str,
) -> Result<(), RuntimeError> {
    let opts = BuildImageOptions {
        dockerfile: "Dockerfile".into(),
        t: Some(tag.into()),
        rm: true,
        forcerm: true,
        ..Default::default()
    };
    let mut s = docker.build_image(opts, None, Some(bollard::body_full(ctx.into())));
    while let Some(item) = s.next().await {
        let info = item.map_err(|e| docker_err(&format!("building {what}"), e))?;
        if let Some(msg) = info.error_detail.and_then(|d| d.message) {
            return Err(RuntimeError::Other(format!("building {what}: {msg}")));
        }
    }
    Ok(())
}

/// A pod's sandbox container.
#[derive(Clone, Debug)]
pub struct Sandbox {
    pub pod_uid: String,
    pub id: String,
    pub running: bool,
}

/// The sandboxes of node `scope` (of one pod, if given).
pub async fn list(
    docker: &Docker,
    scope: &str,
    pod_uid: Option<&str>,
) -> Result<Vec<Sandbox>, RuntimeError> {
    let mut pairs = vec![
        (LABEL_MANAGED, "true"),
        (LABEL_ROLE, "sandbox"),
        (LABEL_NODE_ID, scope),
    ];
    if let Some(u) = pod_uid {
        pairs.push((LABEL_POD_UID, u));
    }
    let list = list_labelled(docker, &pairs, "listing sandboxes").await?;
    Ok(list
        .into_iter()
        .filter_map(|c| {
            let uid = c.labels.as_ref()?.get(LABEL_POD_UID)?.clone();
            let running = c.state == Some(bollard::models::ContainerSummaryStateEnum::RUNNING);
            Some(Sandbox {
                pod_uid: uid,
                id: c.id?,
                running,
            })
        })
        .collect())
}

/// The engine options for a pod's resolv.conf and hosts file ([`resolv`]):
/// `dns`, `dns_search`, `dns_options`, `extra_hosts`. Pure.
///
/// [`resolv`]: crate::node::dns::resolv
pub fn dns_options(
    pod: &PodSandbox,
    cluster: Option<(std::net::IpAddr, &str)>,
    node: &crate::node::dns::resolv::ResolvConf,
) -> HostConfig {
    use crate::node::dns::resolv;
    let conf = resolv::for_pod(&pod.dns, cluster, node);
    let hosts = resolv::extra_hosts(&pod.dns.host_aliases);
    HostConfig {
        dns: conf.as_ref().map(|c| c.nameservers.clone()),
        dns_search: conf.as_ref().map(|c| c.searches.clone()),
        dns_options: conf.map(|c| c.options),
        extra_hosts: (!hosts.is_empty()).then_some(hosts),
        ..Default::default()
    }
}

/// Serves the cluster DNS inside the sandbox's network namespace (once per
/// sandbox and node daemon), when the pod asks the cluster DNS.
async fn attach_dns(
    docker: &Docker,
    id: &str,
    pod: &PodSandbox,
    dns: Option<&crate::node::dns::NodeDns>,
) -> Result<(), RuntimeError> {
    let Some(d) = dns else { return Ok(()) };
    // On the node's network the node's own server already listens.
    if pod.host_network || !pod.dns.cluster_first() || d.pods.has(&pod.pod_uid) {
        return Ok(());
    }
    let pid = docker
        .inspect_container(
            id,
            None::<bollard::query_parameters::InspectContainerOptions>,
        )
        .await
        .map_err(|e| docker_err("inspecting the pod sandbox", e))?
        .state
        .and_then(|s| s.pid)
        .filter(|p| *p > 0)
        .ok_or_else(|| RuntimeError::Other("the pod sandbox has no process".into()))?;
    let pid = i32::try_from(pid).map_err(|e| RuntimeError::Other(e.to_string()))?;
    d.pods
        .attach(&pod.pod_uid, pid)
        .await
        .map_err(|e| RuntimeError::Other(format!("cluster DNS for the pod: {e}")))
}

/// After a node daemon restart: serves the cluster DNS again inside every
/// running sandbox of this node that was made to use it (its `dns` option
/// names the cluster DNS address), as pods whose containers keep running
/// are not prepared again.
pub async fn adopt_dns(docker: &Docker, scope: &str, dns: &crate::node::dns::NodeDns) {
    let ip = dns.settings.addr.ip().to_string();
    let Ok(list) = list(docker, scope, None).await else {
        return;
    };
    for sb in list.into_iter().filter(|s| s.running) {
        let Ok(c) = docker
            .inspect_container(
                &sb.id,
                None::<bollard::query_parameters::InspectContainerOptions>,
            )
            .await
        else {
            continue;
        };
        let host = c.host_config.unwrap_or_default();
        let own_network = host.network_mode.as_deref() != Some("host");
        let uses = own_network && host.dns.is_some_and(|d| d.contains(&ip));
        let pid = c
            .state
            .and_then(|s| s.pid)
            .and_then(|p| i32::try_from(p).ok());
        if let (true, Some(pid)) = (uses, pid.filter(|p| *p > 0))
            && let Err(e) = dns.pods.attach(&sb.pod_uid, pid).await
        {
            tracing::warn!(pod_uid = %sb.pod_uid, error = %e, "cluster DNS for an adopted pod");
        }
    }
}

/// The running sandbox of a pod, creating (or restarting) it when needed;
/// with `dns`, the cluster DNS is served inside it.
pub async fn ensure(
    docker: &Docker,
    scope: &str,
    pod: &PodSandbox,
    dns: Option<&crate::node::dns::NodeDns>,
) -> Result<String, RuntimeError> {
    if let Some(sb) = list(docker, scope, Some(&pod.pod_uid))
        .await?
        .into_iter()
        .next()
    {
        if sb.running {
            attach_dns(docker, &sb.id, pod, dns).await?;
            return Ok(sb.id);
        }
        if let Some(d) = dns {
            d.pods.detach(&pod.pod_uid);
        }
        // A stopped sandbox (engine restart) is replaced: containers joined to
        // its old namespace cannot be joined to a new one, so they restart too.
        force_remove(docker, &sb.id)
            .await
            .map_err(|e| docker_err("removing a stopped pod sandbox", e))?;
    }
    ensure_image(docker).await?;
    let mut bindings: HashMap<String, Option<Vec<PortBinding>>> = HashMap::new();
    let mut exposed: Vec<String> = vec![];
    for p in &pod.ports {
        let key = format!(
            "{}/{}",
            p.container_port,
            match p.protocol {
                crate::api::Protocol::TCP => "tcp",
                crate::api::Protocol::UDP => "udp",
            }
        );
        if !exposed.contains(&key) {
            exposed.push(key.clone());
        }
        if let Some(h) = p.host_port {
            bindings
                .entry(key)
                .or_insert_with(|| Some(vec![]))
                .get_or_insert_with(Vec::new)
                .push(PortBinding {
                    host_ip: Some("0.0.0.0".into()),
                    host_port: Some(h.to_string()),
                });
        }
    }
    let labels = pod_labels(
        scope,
        "sandbox",
        &pod.pod_uid,
        &pod.pod_name,
        &pod.namespace,
    );
    let name = format!(
        "ork_{}_{}_sandbox_{}",
        pod.namespace,
        pod.pod_name,
        short_uid(&pod.pod_uid)
    );
    // On the node's network its ports are the node's own, and so is its
    // hostname (the engine gives the host's when none is set).
    let host_network = pod.host_network;
    let body = ContainerCreateBody {
        image: Some(IMAGE.into()),
        hostname: (!host_network).then(|| {
            if pod.hostname.is_empty() {
                &pod.pod_name
            } else {
                &pod.hostname
            }
            .chars()
            .take(63)
            .collect()
        }),
        labels: Some(labels),
        exposed_ports: (!host_network).then_some(exposed),
        host_config: Some(HostConfig {
            port_bindings: (!host_network).then_some(bindings),
            network_mode: host_network.then(|| "host".into()),
            ipc_mode: Some("shareable".into()),
            sysctls: (!pod.sysctls.is_empty()).then(|| pod.sysctls.iter().cloned().collect()),
            ..dns_options(
                pod,
                dns.map(|d| (d.settings.addr.ip(), d.settings.cluster_domain.as_str())),
                &crate::node::dns::resolv::parse(
                    &std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default(),
                ),
            )
        }),
        ..Default::default()
    };
    let id = create_and_start(docker, name, body, "the pod sandbox", "").await?;
    attach_dns(docker, &id, pod, dns).await?;
    Ok(id)
}

/// Removes a pod's sandbox.
pub async fn remove(docker: &Docker, scope: &str, pod_uid: &str) -> Result<(), RuntimeError> {
    for sb in list(docker, scope, Some(pod_uid)).await? {
        force_remove(docker, &sb.id)
            .await
            .map_err(|e| docker_err("removing the pod sandbox", e))?;
    }
    Ok(())
}

/// `ork pause`: the sandbox's process. Waits for SIGTERM, SIGINT or SIGHUP
/// (blocked and waited for, which works as PID 1 too) and exits 0.
pub fn pause() -> i32 {
    use nix::sys::signal::{SigSet, Signal};
    let mut set = SigSet::empty();
    for s in [Signal::SIGTERM, Signal::SIGINT, Signal::SIGHUP] {
        set.add(s);
    }
    if set.thread_block().is_err() {
        return 1;
    }
    match set.wait() {
        Ok(_) => 0,
        Err(_) => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ldd_output_gives_the_library_paths() {
        let out = "\tlinux-vdso.so.1 (0x00007ffc)\n\tlibgcc_s.so.1 => /lib/x86_64-linux-gnu/libgcc_s.so.1 (0x00007f)\n\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f)\n\t/lib64/ld-linux-x86-64.so.2 (0x00007f)\n";
        assert_eq!(
            parse_ldd(out),
            vec![
                PathBuf::from("/lib/x86_64-linux-gnu/libgcc_s.so.1"),
                PathBuf::from("/lib/x86_64-linux-gnu/libc.so.6"),
                PathBuf::from("/lib64/ld-linux-x86-64.so.2"),
            ]
        );
    }
}
