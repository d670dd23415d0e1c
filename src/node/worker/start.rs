//! Starting a pod's containers: its config (environment and volumes from
//! ConfigMaps, Secrets and the node), ports and sandbox, image pulls, and
//! each container start with its backoff; and refreshing configMap and
//! secret volumes while the pod runs.

use super::*;

/// Allocates a free host port (TCP or UDP) by binding port 0.
fn free_port(protocol: Protocol) -> Option<i32> {
    let port = match protocol {
        Protocol::TCP => std::net::TcpListener::bind("0.0.0.0:0")
            .ok()?
            .local_addr()
            .ok()?
            .port(),
        Protocol::UDP => std::net::UdpSocket::bind("0.0.0.0:0")
            .ok()?
            .local_addr()
            .ok()?
            .port(),
    };
    Some(i32::from(port))
}

impl Worker {
    /// Starts every container that should run now: prepares the pod (ports,
    /// sandbox) first, then pulls or starts each due container.
    pub(super) async fn start_due(&mut self) {
        let now = Instant::now();
        if self.sandbox_retry_at.is_some_and(|t| t > now) {
            return;
        }
        let due: Vec<String> = self
            .pod
            .spec
            .containers
            .iter()
            .filter(|c| {
                self.slots.get(&c.name).is_some_and(|slot| {
                    !slot.pulling
                        && slot.restart_at.is_none_or(|t| t <= now)
                        && match &slot.view.current {
                            None => true,
                            Some(i) => match &i.state {
                                RunState::Running => false,
                                RunState::Exited { code, .. } => {
                                    should_restart(self.pod.spec.restart_policy, *code)
                                }
                            },
                        }
                })
            })
            .map(|c| c.name.clone())
            .collect();
        if due.is_empty() {
            return;
        }
        let runtime = match &self.runtime {
            Ok(r) => r.clone(),
            Err(msg) => {
                let waiting = Some(("CreateContainerConfigError".to_string(), msg.clone()));
                let mut changed = false;
                for name in &due {
                    if let Some(slot) = self.slots.get_mut(name)
                        && slot.view.waiting != waiting
                    {
                        slot.view.waiting = waiting.clone();
                        changed = true;
                    }
                }
                if changed {
                    let msg = msg.clone();
                    self.event("Warning", "Failed", &format!("Error: {msg}"))
                        .await;
                }
                return;
            }
        };
        // Environment and volumes from ConfigMaps, Secrets and the node.
        match crate::node::volumes::resolve(&self.shared.client, &self.pod, &self.shared.volumes)
            .await
        {
            Ok(r) => {
                self.resolved = Some(r);
                self.config_error = None;
            }
            Err(msg) => {
                let waiting = Some(("CreateContainerConfigError".to_string(), msg.clone()));
                for name in &due {
                    if let Some(slot) = self.slots.get_mut(name) {
                        slot.view.waiting = waiting.clone();
                    }
                }
                self.sandbox_retry_at = Some(now + CONFIG_RETRY);
                if self.config_error.as_ref() != Some(&msg) {
                    self.event("Warning", "Failed", &format!("Error: {msg}"))
                        .await;
                    self.config_error = Some(msg);
                }
                return;
            }
        }
        self.allocate_ports();
        if let Err(e) = runtime.prepare_pod(&self.sandbox()).await {
            let delay = self.sandbox_backoff;
            self.sandbox_backoff = (delay * 2).min(BACKOFF_MAX);
            self.sandbox_retry_at = Some(now + delay);
            for name in &due {
                if let Some(slot) = self.slots.get_mut(name) {
                    slot.view.waiting = Some(("ContainerCreating".into(), e.to_string()));
                }
            }
            tracing::warn!(pod = %self.key(), error = %e, "preparing the pod failed");
            self.event(
                "Warning",
                "FailedCreatePodSandBox",
                &format!("Failed to create pod sandbox: {e}"),
            )
            .await;
            return;
        }
        self.sandbox_retry_at = None;
        self.sandbox_backoff = BACKOFF_START;
        for name in due {
            self.start_one(&name, &runtime).await;
        }
    }

    /// Swaps in new contents of configMap and secret volumes whose source
    /// changed, once every [`VOLUME_REFRESH`] while the pod has any.
    pub(super) async fn refresh_volumes(&mut self) {
        let has = self
            .pod
            .spec
            .volumes
            .iter()
            .any(|v| v.config_map.is_some() || v.secret.is_some());
        if !has || self.resolved.is_none() {
            self.refresh_at = None;
            return;
        }
        let now = Instant::now();
        let announced = self.config_changes.has_changed().unwrap_or(false);
        if self.refresh_at.is_some_and(|t| t > now) && !announced {
            return;
        }
        // Marks what is announced now as seen: a later change wakes again.
        self.config_changes.borrow_and_update();
        self.refresh_at = Some(now + VOLUME_REFRESH);
        match crate::node::volumes::refresh(&self.shared.client, &self.pod, &self.shared.volumes)
            .await
        {
            Ok(0) => {}
            Ok(n) => tracing::debug!(pod = %self.key(), volumes = n, "volume contents updated"),
            Err(e) => tracing::debug!(pod = %self.key(), error = %e, "refreshing volumes failed"),
        }
    }

    /// Gives every container port a host port, once per pod (kept across
    /// restarts of its containers).
    fn allocate_ports(&mut self) {
        for c in &self.pod.spec.containers {
            let Some(slot) = self.slots.get_mut(&c.name) else {
                continue;
            };
            if slot.ports.is_empty() && !c.ports.is_empty() {
                slot.ports = c
                    .ports
                    .iter()
                    .map(|p| ContainerPort {
                        host_port: p.host_port.or_else(|| free_port(p.protocol)),
                        ..p.clone()
                    })
                    .collect();
            }
        }
    }

    /// What the containers of this pod share.
    fn sandbox(&self) -> PodSandbox {
        PodSandbox {
            pod_uid: self.pod.metadata.uid.clone(),
            pod_name: self.pod.metadata.name.clone(),
            namespace: self.pod.metadata.namespace.clone(),
            ports: self
                .pod
                .spec
                .containers
                .iter()
                .filter_map(|c| self.slots.get(&c.name))
                .flat_map(|s| s.ports.iter().cloned())
                .collect(),
        }
    }

    fn container_spec(&self, name: &str, runtime: &dyn Runtime) -> Option<ContainerSpec> {
        let c = self.pod.spec.containers.iter().find(|c| c.name == name)?;
        let slot = self.slots.get(name)?;
        // Kubernetes gives every container HOSTNAME = the pod's name.
        let mut injected = vec![("HOSTNAME".to_string(), self.pod.metadata.name.clone())];
        injected.extend(runtime.injected_env(&slot.ports));
        // Kubernetes' service variables, for the services that exist now.
        if let Some(host) = runtime.service_host() {
            let svcs = self.shared.services.of(&self.pod.metadata.namespace);
            let refs: Vec<&crate::api::Service> = svcs.iter().map(|s| s.as_ref()).collect();
            injected.extend(crate::api::service::service_env(&refs, &host));
        }
        let mounts = self
            .resolved
            .as_ref()
            .and_then(|r| r.mounts.get(name).cloned())
            .unwrap_or_default();
        injected.extend(runtime.mount_env(&mounts));
        let spec_env: Vec<(String, String)> =
            match self.resolved.as_ref().and_then(|r| r.env.get(name)) {
                Some(env) => env.clone(),
                None => c
                    .env
                    .iter()
                    .filter(|e| e.value_from.is_none())
                    .map(|e| (e.name.clone(), e.value.clone()))
                    .collect(),
            };
        let env = env::build(&injected, &spec_env);
        let map: HashMap<String, String> = env.iter().cloned().collect();
        let limits = &c.resources.limits;
        Some(ContainerSpec {
            pod_uid: self.pod.metadata.uid.clone(),
            pod_name: self.pod.metadata.name.clone(),
            namespace: self.pod.metadata.namespace.clone(),
            container_name: name.to_string(),
            attempt: slot.next_attempt,
            image: c.image.clone(),
            command: c.command.iter().map(|s| env::expand(s, &map)).collect(),
            args: c.args.iter().map(|s| env::expand(s, &map)).collect(),
            env,
            working_dir: c.working_dir.clone(),
            ports: slot.ports.clone(),
            pull_policy: c.image_pull_policy,
            cpu_limit_milli: limits.get("cpu").map(|q| q.milli()),
            memory_limit_bytes: limits.get("memory").map(|q| q.value()),
            mounts,
        })
    }

    /// Pulls the container's image when its policy says so (in the
    /// background: the pull reports back with [`Msg::Pulled`]), else starts it.
    async fn start_one(&mut self, name: &str, runtime: &Arc<dyn Runtime>) {
        let Some(spec) = self.container_spec(name, runtime.as_ref()) else {
            return;
        };
        let pulled = self.slots.get(name).is_some_and(|s| s.pulled);
        if !pulled {
            match runtime.image_needs_pull(&spec).await {
                Ok(false) => {}
                Ok(true) => {
                    if let Some(slot) = self.slots.get_mut(name) {
                        slot.pulling = true;
                        slot.view.waiting = Some(("ContainerCreating".into(), String::new()));
                    }
                    self.event(
                        "Normal",
                        "Pulling",
                        &format!("Pulling image {:?}", spec.image),
                    )
                    .await;
                    let (rt, tx, container) = (runtime.clone(), self.tx.clone(), name.to_string());
                    tokio::spawn(async move {
                        let t = Instant::now();
                        let result = match rt.pull_image(&spec).await {
                            Ok(()) => Ok(t.elapsed()),
                            Err(RuntimeError::Image { reason, message }) => Err((reason, message)),
                            Err(e) => Err(("ErrImagePull", e.to_string())),
                        };
                        let _ = tx.send(Msg::Pulled { container, result });
                    });
                    return;
                }
                Err(RuntimeError::Image { reason, message }) => {
                    self.on_pulled(name, Err((reason, message))).await;
                    return;
                }
                Err(e) => {
                    tracing::debug!(pod = %self.key(), container = name, error = %e, "checking the image failed; starting anyway");
                }
            }
        }
        tracing::debug!(pod = %self.pod.metadata.name, container = name, attempt = spec.attempt, "starting container");
        let result = runtime.start(&spec).await;
        let Some(slot) = self.slots.get_mut(name) else {
            return;
        };
        slot.pulled = false;
        slot.next_attempt = spec.attempt + 1;
        slot.restart_at = None;
        match result {
            Ok(info) => {
                if let Some(old) = slot.view.current.take() {
                    slot.view.previous_exit = terminated(&old);
                    slot.older.insert(0, old.id);
                }
                // Keep one earlier instance for `logs --previous`.
                let stale: Vec<String> = slot.older.drain(1.min(slot.older.len())..).collect();
                slot.view.current = Some(info.clone());
                slot.view.waiting = None;
                slot.view.ever_started = true;
                let message = match slot
                    .view
                    .previous_exit
                    .as_ref()
                    .filter(|_| spec.attempt > 0)
                {
                    Some(t) => format!(
                        "Restarted container {name} (restart {}) after it exited with code {}",
                        spec.attempt, t.exit_code
                    ),
                    None => format!("Started container {name}"),
                };
                self.watch_exit(name.to_string(), info.id.clone());
                self.start_prober(name, &info);
                for id in stale {
                    let _ = runtime.remove(&id).await;
                }
                self.event("Normal", "Started", &message).await;
                // It may have ended already (a command that exits at once).
                if info.state != RunState::Running {
                    self.on_exit(name, info);
                }
            }
            Err(e) => {
                let reason = match &e {
                    RuntimeError::Start(_) => "RunContainerError",
                    RuntimeError::Image { reason, .. } => reason,
                    _ => "CreateContainerError",
                };
                let delay = slot.backoff;
                slot.backoff = (slot.backoff * 2).min(BACKOFF_MAX);
                slot.restart_at = Some(Instant::now() + delay);
                slot.view.waiting = Some((reason.into(), e.to_string()));
                tracing::warn!(pod = %self.key(), container = name, error = %e, "starting a container failed");
                self.event("Warning", "Failed", &format!("Error: {e}"))
                    .await;
            }
        }
    }

    /// An image pull (or the check that found one impossible) ended.
    pub(super) async fn on_pulled(
        &mut self,
        name: &str,
        result: Result<Duration, (&'static str, String)>,
    ) {
        let image = self
            .pod
            .spec
            .containers
            .iter()
            .find(|c| c.name == name)
            .map(|c| c.image.clone())
            .unwrap_or_default();
        let Some(slot) = self.slots.get_mut(name) else {
            return;
        };
        slot.pulling = false;
        match result {
            Ok(took) => {
                slot.pulled = true;
                slot.pull_failures = 0;
                self.event(
                    "Normal",
                    "Pulled",
                    &format!(
                        "Successfully pulled image {image:?} in {:.3}s",
                        took.as_secs_f64()
                    ),
                )
                .await;
            }
            Err((reason, message)) => {
                let delay = slot.backoff;
                slot.backoff = (slot.backoff * 2).min(BACKOFF_MAX);
                slot.restart_at = Some(Instant::now() + delay);
                slot.pull_failures += 1;
                let first = slot.pull_failures == 1;
                let (waiting, event) = if reason == "ErrImageNeverPull" {
                    (
                        (reason.to_string(), message.clone()),
                        ("Warning", reason, message.clone()),
                    )
                } else if first {
                    (
                        (
                            reason.to_string(),
                            format!("Failed to pull image {image:?}: {message}"),
                        ),
                        (
                            "Warning",
                            "Failed",
                            format!("Failed to pull image {image:?}: {message}"),
                        ),
                    )
                } else {
                    (
                        (
                            "ImagePullBackOff".to_string(),
                            format!("Back-off pulling image {image:?}: {message}"),
                        ),
                        (
                            "Normal",
                            "BackOff",
                            format!("Back-off pulling image {image:?}"),
                        ),
                    )
                };
                let changed = slot.view.waiting.as_ref() != Some(&waiting);
                slot.view.waiting = Some(waiting);
                tracing::info!(pod = %self.key(), container = name, reason, %message, "image not available");
                if changed || reason != "ErrImageNeverPull" {
                    self.event(event.0, event.1, &event.2).await;
                }
            }
        }
    }
}
