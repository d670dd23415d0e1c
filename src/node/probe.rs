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
//! connection opens, `grpc` when the standard gRPC health service answers
//! `SERVING` (over plaintext HTTP/2, as the kubelet calls it), `exec` when
//! the command exits 0; each within `timeoutSeconds`. Ports named or numbered in the probe are the container's
//! ports: when the runtime gives the pod its own address (docker), the check
//! goes there, to the container port; otherwise to the host port the node
//! gave the container port.
//!
//! What a run of results means is decided by [`Verdicts`], a pure function
//! of the results; the prober task only checks on time and sends what it says.

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
    /// The host a probe names, else the pod's own address (else the node's).
    fn host<'a>(&'a self, named: &'a str) -> &'a str {
        if named.is_empty() {
            self.pod_ip.as_deref().unwrap_or(&self.host)
        } else {
            named
        }
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
        let host = t.host(&h.host);
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
        let host = t.host(&s.host);
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
    if let Some(g) = &p.grpc {
        let port = t.port(&IntOrString::Int(g.port))?;
        let service = g.service.clone().unwrap_or_default();
        return grpc_health(t.host(""), port, service, timeout).await;
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

/// One call of `grpc.health.v1.Health/Check`; failures worded as the
/// kubelet's gRPC prober words them.
async fn grpc_health(
    host: &str,
    port: u16,
    service: String,
    timeout: std::time::Duration,
) -> Result<(), String> {
    use tonic_health::pb::HealthCheckRequest;
    use tonic_health::pb::health_check_response::ServingStatus;
    use tonic_health::pb::health_client::HealthClient;
    let addr = match host.parse::<std::net::IpAddr>() {
        Ok(ip) => std::net::SocketAddr::new(ip, port).to_string(),
        Err(_) => format!("{host}:{port}"),
    };
    let within = timeout.as_secs();
    let endpoint = tonic::transport::Endpoint::from_shared(format!("http://{addr}"))
        .map_err(|e| format!("{addr}: {e}"))?;
    let channel = match tokio::time::timeout(timeout, endpoint.connect()).await {
        Ok(Ok(c)) => c,
        Ok(Err(e)) => {
            return Err(format!(
                "failed to connect service {addr:?} within {within}s: {}",
                root_cause(&e)
            ));
        }
        Err(_) => {
            return Err(format!(
                "timeout: failed to connect service {addr:?} within {within}s"
            ));
        }
    };
    let mut client = HealthClient::new(channel);
    let call = client.check(HealthCheckRequest { service });
    match tokio::time::timeout(timeout, call).await {
        Err(_) => Err(format!(
            "timeout: health rpc did not complete within {within}s"
        )),
        Ok(Err(s)) if s.code() == tonic::Code::Unimplemented => Err(format!(
            "this server doesn't implement the grpc health protocol (grpc.health.v1.Health): {}",
            s.message()
        )),
        Ok(Err(s)) => Err(format!(
            "error: health rpc probe failed: {:?}: {}",
            s.code(),
            s.message()
        )),
        Ok(Ok(r)) => match r.into_inner().status() {
            ServingStatus::Serving => Ok(()),
            other => Err(format!(
                "service unhealthy (responded with {:?})",
                other.as_str_name()
            )),
        },
    }
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

/// Whether a probe goes on checking after a result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    /// Check again after the period.
    Continue,
    /// The startup probe passed: the others begin.
    Passed,
    /// Startup or liveness failed `failureThreshold` times in a row: the
    /// container is restarted, and its probing ends.
    GaveUp,
}

/// What the consecutive results of one probe mean, by its kind (pure: the
/// prober feeds it each check's result and sends what it returns).
#[derive(Debug)]
pub struct Verdicts {
    kind: Kind,
    counter: Counter,
    need_ok: u32,
    need_fail: u32,
}

impl Verdicts {
    /// Startup and liveness pass on one success (Kubernetes allows no other
    /// `successThreshold` for them); readiness needs `successThreshold`.
    pub fn new(kind: Kind, p: &Probe) -> Self {
        let need_ok = match kind {
            Kind::Readiness => p.successes_needed(),
            Kind::Startup | Kind::Liveness => 1,
        };
        Verdicts {
            kind,
            counter: Counter::default(),
            need_ok,
            need_fail: p.failures_allowed(),
        }
    }

    /// Records one check: every failure is reported (for events); a
    /// threshold reached changes readiness, or gives up on the container.
    pub fn record(&mut self, result: Result<(), String>) -> (Vec<Report>, Next) {
        let kind = self.kind;
        let mut reports = vec![];
        let flipped = match result {
            Ok(()) => self.counter.record(true, self.need_ok, self.need_fail),
            Err(message) => {
                reports.push(Report::Failed {
                    kind,
                    message: message.clone(),
                });
                let flipped = self.counter.record(false, self.need_ok, self.need_fail);
                if flipped == Some(false) && kind != Kind::Readiness {
                    reports.push(Report::Unhealthy { kind, message });
                    return (reports, Next::GaveUp);
                }
                flipped
            }
        };
        match (kind, flipped) {
            (Kind::Startup, Some(true)) => (reports, Next::Passed),
            (Kind::Readiness, Some(ready)) => {
                reports.push(Report::Ready(ready));
                (reports, Next::Continue)
            }
            _ => (reports, Next::Continue),
        }
    }
}

/// Checks `p` every period from `first` until its verdicts end the probing
/// (a readiness probe's never do).
async fn probe_until_done(
    kind: Kind,
    p: &Probe,
    first: Instant,
    runtime: &dyn Runtime,
    target: &Target,
    http: &reqwest::Client,
    send: &(impl Fn(Report) -> bool + Sync),
) -> Next {
    let mut verdicts = Verdicts::new(kind, p);
    let mut next = first;
    loop {
        sleep_until(next).await;
        next += p.period();
        let (reports, step) = verdicts.record(check(runtime, target, p, http).await);
        for r in reports {
            send(r);
        }
        if step != Next::Continue {
            return step;
        }
    }
}

/// Probes one instance until it ends (the worker aborts the task) or gives up.
pub async fn run(
    runtime: Arc<dyn Runtime>,
    target: Target,
    report: impl Fn(Report) -> bool + Send + Sync,
) {
    crate::tls::install_crypto();
    // As the kubelet's: HTTP/1.1, HTTPS without verifying the
    // certificate, so no system roots are needed (a machine image has none).
    let http = reqwest::Client::builder()
        .http1_only()
        .redirect(reqwest::redirect::Policy::limited(10))
        .tls_danger_accept_invalid_certs(true)
        .build()
        .unwrap_or_default();
    let mut target = target;
    if target.pod_ip.is_none() {
        target.pod_ip = runtime.pod_ip(&target.instance.pod_uid).await;
    }
    let c = target.container.clone();
    let started = Instant::now();
    let rt = runtime.as_ref();
    if let Some(p) = &c.startup_probe {
        let first = started + p.initial_delay();
        let step = probe_until_done(Kind::Startup, p, first, rt, &target, &http, &report).await;
        if step == Next::GaveUp {
            return;
        }
    }
    if !report(Report::Started) {
        return;
    }
    let after_start = Instant::now();
    let readiness = async {
        let Some(p) = &c.readiness_probe else {
            report(Report::Ready(true));
            return std::future::pending::<()>().await;
        };
        let first = (started + p.initial_delay()).max(after_start);
        probe_until_done(Kind::Readiness, p, first, rt, &target, &http, &report).await;
    };
    let liveness = async {
        let Some(p) = &c.liveness_probe else {
            return std::future::pending::<()>().await;
        };
        let first = (started + p.initial_delay()).max(after_start);
        probe_until_done(Kind::Liveness, p, first, rt, &target, &http, &report).await;
    };
    tokio::select! {
        _ = readiness => {}
        _ = liveness => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe(success: i32, failure: i32) -> Probe {
        Probe {
            success_threshold: Some(success),
            failure_threshold: Some(failure),
            ..Default::default()
        }
    }

    fn fail(m: &str) -> Result<(), String> {
        Err(m.to_string())
    }

    fn failed(kind: Kind, m: &str) -> Report {
        Report::Failed {
            kind,
            message: m.into(),
        }
    }

    /// A gRPC health service on loopback, as `tonic-health` serves it:
    /// the server as a whole SERVING, service `db` NOT_SERVING; its port.
    async fn health_server() -> u16 {
        use tonic_health::ServingStatus;
        let (reporter, service) = tonic_health::server::health_reporter();
        reporter
            .set_service_status("", ServingStatus::Serving)
            .await;
        reporter
            .set_service_status("db", ServingStatus::NotServing)
            .await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let incoming = futures::stream::unfold(listener, |l| async move {
            Some((l.accept().await.map(|(s, _)| s), l))
        });
        tokio::spawn(async move {
            let _reporter = reporter;
            tonic::transport::Server::builder()
                .add_service(service)
                .serve_with_incoming(incoming)
                .await
        });
        port
    }

    fn grpc_probe(port: i32, service: Option<&str>) -> Probe {
        Probe {
            grpc: Some(crate::api::GrpcAction {
                port,
                service: service.map(str::to_string),
            }),
            ..Default::default()
        }
    }

    #[tokio::test]
    async fn a_grpc_probe_passes_only_while_the_health_service_answers_serving() {
        let port = health_server().await;
        let runtime = crate::node::runtime::fake::FakeRuntime::new();
        let t = Target {
            host: "127.0.0.1".into(),
            pod_ip: Some("127.0.0.1".into()),
            container: Container::default(),
            instance: ContainerInfo::running_for_test("c-0", vec![]),
        };
        crate::tls::install_crypto();
        let http = reqwest::Client::new();
        let check = |p: Probe| {
            let (t, http, runtime) = (&t, &http, &runtime);
            async move { check(runtime, t, &p, http).await }
        };
        let p = i32::from(port);
        assert_eq!(check(grpc_probe(p, None)).await, Ok(()));
        assert_eq!(
            check(grpc_probe(p, Some("db"))).await,
            Err("service unhealthy (responded with \"NOT_SERVING\")".into())
        );
        let unknown = check(grpc_probe(p, Some("cache"))).await.unwrap_err();
        assert!(
            unknown.starts_with("error: health rpc probe failed: NotFound"),
            "{unknown}"
        );
        // A port nothing listens on (the server's, once it is closed).
        let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let gone = i32::from(closed.local_addr().unwrap().port());
        drop(closed);
        let refused = check(grpc_probe(gone, None)).await.unwrap_err();
        assert!(
            refused.starts_with(&format!(
                "failed to connect service \"127.0.0.1:{gone}\" within 1s"
            )),
            "{refused}"
        );
    }

    #[test]
    fn a_startup_probe_passes_on_its_first_success_and_gives_up_after_failure_threshold_failures() {
        let mut v = Verdicts::new(Kind::Startup, &probe(5, 3));
        assert_eq!(
            v.record(fail("a")),
            (vec![failed(Kind::Startup, "a")], Next::Continue)
        );
        assert_eq!(
            v.record(Ok(())),
            (vec![], Next::Passed),
            "one success, whatever successThreshold says"
        );
        let mut v = Verdicts::new(Kind::Startup, &probe(1, 3));
        v.record(fail("a"));
        v.record(fail("b"));
        let (reports, next) = v.record(fail("c"));
        assert_eq!(next, Next::GaveUp);
        assert_eq!(
            reports,
            [
                failed(Kind::Startup, "c"),
                Report::Unhealthy {
                    kind: Kind::Startup,
                    message: "c".into()
                }
            ]
        );
    }

    #[test]
    fn a_liveness_probe_restarts_only_after_failure_threshold_failures_in_a_row() {
        let mut v = Verdicts::new(Kind::Liveness, &probe(1, 2));
        assert_eq!(v.record(fail("x")).1, Next::Continue);
        assert_eq!(
            v.record(Ok(())),
            (vec![], Next::Continue),
            "a success starts the count over"
        );
        assert_eq!(v.record(fail("x")).1, Next::Continue);
        let (reports, next) = v.record(fail("y"));
        assert_eq!(next, Next::GaveUp);
        assert!(matches!(
            reports.last(),
            Some(Report::Unhealthy {
                kind: Kind::Liveness,
                ..
            })
        ));
    }

    #[test]
    fn readiness_flips_after_success_threshold_successes_and_failure_threshold_failures() {
        let mut v = Verdicts::new(Kind::Readiness, &probe(2, 3));
        assert_eq!(v.record(Ok(())), (vec![], Next::Continue));
        assert_eq!(
            v.record(Ok(())),
            (vec![Report::Ready(true)], Next::Continue)
        );
        assert_eq!(v.record(Ok(())), (vec![], Next::Continue), "said once");
        assert_eq!(
            v.record(fail("f")),
            (vec![failed(Kind::Readiness, "f")], Next::Continue)
        );
        v.record(fail("f"));
        assert_eq!(
            v.record(fail("f")),
            (
                vec![failed(Kind::Readiness, "f"), Report::Ready(false)],
                Next::Continue
            ),
            "not ready after three failures; readiness never gives up on the container"
        );
        assert_eq!(v.record(fail("f")).1, Next::Continue);
    }

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
