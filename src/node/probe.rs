//! Probes: one task per running container instance checks it as its
//! `startupProbe`, `livenessProbe` and `readinessProbe` say, and tells the pod
//! worker only when something changes.
//!
//! - The startup probe runs first; until it passes, the others wait. If it
//!   fails `failureThreshold` times in a row the container is restarted.
//! - The liveness probe failing `failureThreshold` times in a row restarts the
//!   container.
//! - The readiness probe makes the container ready after `successThreshold`
//!   consecutive successes and not ready after `failureThreshold` consecutive
//!   failures. Without one, a started container is ready.
//!
//! `httpGet` succeeds on a status from 200 to 399, `tcpSocket` when a
//! connection opens, `exec` when the command exits 0; each within
//! `timeoutSeconds`. Ports named or numbered in the probe are the container's
//! ports: when the runtime gives the pod its own address (docker), the check
//! goes there, to the container port; otherwise to the host port the node
//! gave the container port.

use super::runtime::{ContainerInfo, Runtime};
use crate::api::{Container, IntOrString, Probe};
use std::sync::Arc;
use tokio::time::{Instant, sleep_until};

/// Which probe.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Startup,
    Liveness,
    Readiness,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Startup => "Startup",
            Kind::Liveness => "Liveness",
            Kind::Readiness => "Readiness",
        }
    }
}

/// What a prober reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Report {
    /// The startup probe passed (or there is none).
    Started,
    /// Readiness changed.
    Ready(bool),
    /// A single failed check (for events).
    Failed { kind: Kind, message: String },
    /// Liveness or startup gave up: restart the container.
    Unhealthy { kind: Kind, message: String },
}

/// Where checks go.
#[derive(Clone, Debug)]
pub struct Target {
    /// Address to connect to when the probe names none.
    pub host: String,
    /// The pod's own address, when it has one: checks go to container ports there.
    pub pod_ip: Option<String>,
    pub container: Container,
    pub instance: ContainerInfo,
}

impl Target {
    /// The host port to connect to for a probe port.
    fn port(&self, port: &IntOrString) -> Result<u16, String> {
        let cp = self.container.resolve_port(port).ok_or_else(|| {
            format!(
                "port {port:?} names no port of container {}",
                self.container.name
            )
        })?;
        if self.pod_ip.is_some() {
            return u16::try_from(cp).map_err(|_| format!("port {cp} is out of range"));
        }
        let host = self
            .instance
            .ports
            .iter()
            .find(|p| p.container_port == cp)
            .and_then(|p| p.host_port)
            .unwrap_or(cp);
        u16::try_from(host).map_err(|_| format!("port {host} is out of range"))
    }
}

impl Target {
    fn default_host(&self) -> &str {
        self.pod_ip.as_deref().unwrap_or(&self.host)
    }
}

/// One check.
pub async fn check(
    runtime: &dyn Runtime,
    t: &Target,
    p: &Probe,
    http: &reqwest::Client,
) -> Result<(), String> {
    let timeout = p.timeout();
    if let Some(h) = &p.http_get {
        let port = t.port(&h.port)?;
        let host = if h.host.is_empty() {
            t.default_host()
        } else {
            h.host.as_str()
        };
        let path = if h.path.is_empty() {
            "/"
        } else {
            h.path.as_str()
        };
        let path = if path.starts_with('/') {
            path.to_string()
        } else {
            format!("/{path}")
        };
        let mut req = http
            .get(format!("http://{host}:{port}{path}"))
            .timeout(timeout);
        for hd in &h.http_headers {
            req = req.header(hd.name.as_str(), hd.value.as_str());
        }
        let resp = req.send().await.map_err(|e| {
            if e.is_timeout() {
                format!(
                    "Get \"http://{host}:{port}{path}\": timed out after {}s",
                    timeout.as_secs()
                )
            } else {
                format!("Get \"http://{host}:{port}{path}\": {}", root_cause(&e))
            }
        })?;
        let code = resp.status().as_u16();
        return if (200..400).contains(&code) {
            Ok(())
        } else {
            Err(format!("HTTP probe failed with statuscode: {code}"))
        };
    }
    if let Some(s) = &p.tcp_socket {
        let port = t.port(&s.port)?;
        let host = if s.host.is_empty() {
            t.default_host()
        } else {
            s.host.as_str()
        };
        return match tokio::time::timeout(timeout, tokio::net::TcpStream::connect((host, port)))
            .await
        {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(format!("dial tcp {host}:{port}: {e}")),
            Err(_) => Err(format!(
                "dial tcp {host}:{port}: timed out after {}s",
                timeout.as_secs()
            )),
        };
    }
    if let Some(e) = &p.exec {
        return match runtime.exec(&t.instance.id, &e.command, timeout).await {
            Ok(0) => Ok(()),
            Ok(code) => Err(format!(
                "command {:?} exited with {code}",
                e.command.join(" ")
            )),
            Err(err) => Err(err.to_string()),
        };
    }
    Err("the probe has no handler".into())
}

fn root_cause(e: &dyn std::error::Error) -> String {
    let mut msg = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        msg = s.to_string();
        src = s.source();
    }
    msg
}

/// Consecutive-result bookkeeping of one probe.
#[derive(Debug, Default)]
pub struct Counter {
    successes: u32,
    failures: u32,
}

impl Counter {
    /// Records a result; returns `Some(true)` when the successes just reached
    /// `need_ok`, `Some(false)` when the failures just reached `need_fail`.
    pub fn record(&mut self, ok: bool, need_ok: u32, need_fail: u32) -> Option<bool> {
        if ok {
            self.failures = 0;
            self.successes += 1;
            (self.successes == need_ok).then_some(true)
        } else {
            self.successes = 0;
            self.failures += 1;
            (self.failures == need_fail).then_some(false)
        }
    }
}

/// Whether a container has any probe (no prober task needed otherwise).
pub fn has_probes(c: &Container) -> bool {
    c.startup_probe.is_some() || c.liveness_probe.is_some() || c.readiness_probe.is_some()
}

/// Probes one instance until it ends (the worker aborts the task) or gives up.
pub async fn run(
    runtime: Arc<dyn Runtime>,
    target: Target,
    report: impl Fn(Report) -> bool + Send + Sync,
) {
    crate::tls::install_crypto();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::limited(10))
        .build()
        .unwrap_or_default();
    let mut target = target;
    if target.pod_ip.is_none() {
        target.pod_ip = runtime.pod_ip(&target.instance.pod_uid).await;
    }
    let c = target.container.clone();
    let started = Instant::now();
    let send = |r: Report| report(r);
    if let Some(p) = &c.startup_probe {
        let mut next = started + p.initial_delay();
        let mut n = Counter::default();
        loop {
            sleep_until(next).await;
            next += p.period();
            match check(runtime.as_ref(), &target, p, &http).await {
                Ok(()) => {
                    if n.record(true, 1, p.failures_allowed()) == Some(true) {
                        break;
                    }
                }
                Err(message) => {
                    send(Report::Failed {
                        kind: Kind::Startup,
                        message: message.clone(),
                    });
                    if n.record(false, 1, p.failures_allowed()) == Some(false) {
                        send(Report::Unhealthy {
                            kind: Kind::Startup,
                            message,
                        });
                        return;
                    }
                }
            }
        }
    }
    if !send(Report::Started) {
        return;
    }
    let after_start = Instant::now();
    let readiness = async {
        let Some(p) = &c.readiness_probe else {
            send(Report::Ready(true));
            return std::future::pending::<()>().await;
        };
        let mut next = (started + p.initial_delay()).max(after_start);
        let mut n = Counter::default();
        loop {
            sleep_until(next).await;
            next += p.period();
            let result = check(runtime.as_ref(), &target, p, &http).await;
            if let Err(message) = &result {
                send(Report::Failed {
                    kind: Kind::Readiness,
                    message: message.clone(),
                });
            }
            // The first result decides at once; after that, thresholds apply.
            if let Some(ready) =
                n.record(result.is_ok(), p.successes_needed(), p.failures_allowed())
            {
                send(Report::Ready(ready));
            }
        }
    };
    let liveness = async {
        let Some(p) = &c.liveness_probe else {
            return std::future::pending::<()>().await;
        };
        let mut next = (started + p.initial_delay()).max(after_start);
        let mut n = Counter::default();
        loop {
            sleep_until(next).await;
            next += p.period();
            if let Err(message) = check(runtime.as_ref(), &target, p, &http).await {
                send(Report::Failed {
                    kind: Kind::Liveness,
                    message: message.clone(),
                });
                if n.record(false, 1, p.failures_allowed()) == Some(false) {
                    send(Report::Unhealthy {
                        kind: Kind::Liveness,
                        message,
                    });
                    return;
                }
            } else {
                n.record(true, 1, p.failures_allowed());
            }
        }
    };
    tokio::select! {
        _ = readiness => {}
        _ = liveness => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_flip_at_their_thresholds_once() {
        let mut c = Counter::default();
        assert_eq!(c.record(false, 2, 3), None);
        assert_eq!(c.record(false, 2, 3), None);
        assert_eq!(c.record(false, 2, 3), Some(false));
        assert_eq!(c.record(false, 2, 3), None, "reported once");
        assert_eq!(c.record(true, 2, 3), None);
        assert_eq!(c.record(true, 2, 3), Some(true));
        assert_eq!(c.record(true, 2, 3), None);
        assert_eq!(
            c.record(false, 2, 3),
            None,
            "a single failure resets the run"
        );
        assert_eq!(c.record(true, 2, 3), None);
    }
}
