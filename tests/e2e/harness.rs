//! A cluster of real `ork` processes in a temp dir: `ork control` on
//! 127.0.0.1:0 and `ork node` daemons joined to it. Every helper waits on a
//! condition with a timeout; nothing sleeps and hopes. Dropping the cluster
//! kills its daemons and every container process they started.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub const ORK: &str = env!("CARGO_BIN_EXE_ork");

/// A loopback port free at the time of asking.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits until `f` returns `Some`, or panics naming `what`.
pub fn wait_for<T>(what: &str, timeout: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A unique number for `sleep N` commands, so tests can count their own processes.
/// An HTTP client for the tests' own requests (to pods: plain HTTP).
pub fn http() -> reqwest::blocking::Client {
    ork::tls::install_crypto();
    reqwest::blocking::Client::new()
}

/// An HTTPS client trusting the CA in `ca_file`, presenting no certificate.
pub fn https(ca_file: &Path) -> reqwest::blocking::Client {
    ork::tls::install_crypto();
    let pem = std::fs::read(ca_file).unwrap();
    let roots = ork::tls::roots(&ork::tls::certs_from_pem(&pem, "ca").unwrap()).unwrap();
    reqwest::blocking::Client::builder()
        .tls_backend_preconfigured(ork::tls::client_config(roots, None).unwrap())
        .build()
        .unwrap()
}

/// `GET url` with [`http`].
pub fn http_get(url: String) -> reqwest::Result<reqwest::blocking::Response> {
    http().get(url).send()
}

/// A Deployment manifest for tests: `replicas` pods labelled `app: <name>`
/// with one container, `main` (`sleep 3600` on `busybox` unless changed).
///
/// ```ignore
/// Deploy::new("web", 3).image(IMAGE).command(&["httpd", "-f"]).field("ports: [{containerPort: 8080}]").yaml()
/// ```
pub struct Deploy {
    name: String,
    replicas: u32,
    grace: u32,
    container: String,
    image: String,
    command: Vec<String>,
    fields: Vec<String>,
}

impl Deploy {
    pub fn new(name: &str, replicas: u32) -> Self {
        Deploy {
            name: name.into(),
            replicas,
            grace: 2,
            container: "main".into(),
            image: "busybox".into(),
            command: vec!["sleep".into(), "3600".into()],
            fields: vec![],
        }
    }

    /// `terminationGracePeriodSeconds`.
    pub fn grace(mut self, seconds: u32) -> Self {
        self.grace = seconds;
        self
    }

    /// The container's name.
    pub fn container(mut self, name: &str) -> Self {
        self.container = name.into();
        self
    }

    /// The container's image; a local one (with a `/`) is not pulled.
    pub fn image(mut self, image: &str) -> Self {
        self.image = image.into();
        self
    }

    pub fn command(mut self, argv: &[&str]) -> Self {
        self.command = argv.iter().map(|a| a.to_string()).collect();
        self
    }

    /// One more line of the container's spec, e.g. `ports: [{containerPort: 80}]`.
    pub fn field(mut self, line: &str) -> Self {
        self.fields.push(line.into());
        self
    }

    pub fn yaml(&self) -> String {
        let Deploy {
            name,
            replicas,
            grace,
            container,
            image,
            ..
        } = self;
        let command = serde_json::to_string(&self.command).unwrap();
        let mut out = format!(
            "apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  labels:
    app: {name}
spec:
  replicas: {replicas}
  selector:
    matchLabels:
      app: {name}
  template:
    metadata:
      labels:
        app: {name}
    spec:
      terminationGracePeriodSeconds: {grace}
      containers:
      - name: {container}
        image: {image}
        command: {command}
"
        );
        if image.contains('/') {
            out.push_str("        imagePullPolicy: IfNotPresent\n");
        }
        for f in &self.fields {
            out.push_str(&format!("        {f}\n"));
        }
        out
    }
}

pub fn marker() -> u64 {
    let n = uuid::Uuid::new_v4().as_u128();
    900_000 + (n % 8_000_000) as u64
}

/// Pids of live (non-zombie) processes whose command line is exactly `argv`.
pub fn pids_of(argv: &[&str]) -> Vec<u32> {
    let want: Vec<u8> = argv.iter().flat_map(|a| a.bytes().chain([0])).collect();
    let mut out = vec![];
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return out;
    };
    for e in entries.flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(cmd) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
            continue;
        };
        if cmd != want {
            continue;
        }
        let zombie = std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .ok()
            .and_then(|s| {
                s.rsplit_once(')')
                    .map(|(_, r)| r.trim_start().starts_with('Z'))
            })
            .unwrap_or(true);
        if !zombie {
            out.push(pid);
        }
    }
    out.sort();
    out
}

pub struct Node {
    pub name: String,
    pub child: Option<Child>,
    pub dir: PathBuf,
    pub runtime: String,
    /// More `ork node` arguments (labels, taints...).
    pub extra: Vec<String>,
}

pub struct Cluster {
    pub dir: tempfile::TempDir,
    pub control: Option<Child>,
    pub url: String,
    pub admin: String,
    pub nodes: Vec<Node>,
    /// More `ork control` arguments (e.g. `--scheduling-strategy binpack`).
    pub control_args: Vec<String>,
    /// Where `start_control` listens (kept across restarts).
    pub listen: String,
}

fn spawn_logged(cmd: &mut Command, log: &Path) -> Child {
    use std::os::unix::fs::OpenOptionsExt;
    // The test dir lets pods through (see `Cluster::start_with`): logs are the daemons' only.
    let f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(log)
        .unwrap();
    cmd.stdin(Stdio::null())
        .stdout(f.try_clone().unwrap())
        .stderr(f)
        .env("ORK_LOG", "debug")
        .env("ORK_USAGE_INTERVAL", "1s")
        .env("ORK_HPA_SYNC_PERIOD", "2s")
        // Tests that serve Ingresses give free ports themselves.
        .env("ORK_INGRESS_PORT", "0")
        .env("ORK_INGRESS_TLS_PORT", "0")
        .spawn()
        .unwrap()
}

impl Cluster {
    /// A control daemon and `nodes` node daemons with a runtime (`process`/`fake`).
    pub fn start(nodes: usize, runtime: &str) -> Cluster {
        Cluster::start_with(nodes, runtime, &[])
    }

    /// Like [`Cluster::start`], with more `ork control` arguments.
    ///
    /// The test dir lets other users through without listing it (0711), as
    /// a home directory does: pods run as `nobody` and must reach the files
    /// tests make for them there (probe flags, hostPath roots); the data
    /// dirs inside stay 0700. Each node keeps its pods' files in
    /// `pods/<node>` here.
    pub fn start_with(nodes: usize, runtime: &str, control_args: &[&str]) -> Cluster {
        let dir = tempfile::tempdir().unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o711)).unwrap();
        let mut c = Cluster {
            dir,
            control: None,
            url: String::new(),
            admin: String::new(),
            nodes: vec![],
            control_args: control_args.iter().map(|s| s.to_string()).collect(),
            listen: "127.0.0.1:0".into(),
        };
        c.start_control();
        // Keep the port from now on, so restarts keep the address nodes know.
        c.listen = c.url.trim_start_matches("https://").to_string();
        for i in 1..=nodes {
            c.add_node(&format!("n{i}"), runtime);
        }
        c
    }

    pub fn data(&self) -> PathBuf {
        self.dir.path().join("control")
    }

    /// The cluster CA's certificate.
    pub fn ca_file(&self) -> PathBuf {
        self.data().join("ca.crt")
    }

    /// An HTTPS client of this cluster's API (send the token yourself).
    pub fn http(&self) -> reqwest::blocking::Client {
        https(&self.ca_file())
    }

    /// The status code of `GET path` on the API with `token`, and the body.
    pub fn get_as(&self, token: &str, path: &str) -> (u16, String) {
        let r = self
            .http()
            .get(format!("{}{path}", self.url))
            .bearer_auth(token)
            .send()
            .unwrap();
        (r.status().as_u16(), r.text().unwrap_or_default())
    }

    /// A client of node `node`'s own endpoint, presenting a certificate the
    /// cluster CA issues for `profile` (none: no certificate). Made with the
    /// CA's key from the data dir, as only the control daemon could.
    pub fn node_endpoint_client(
        &self,
        node: &str,
        profile: Option<ork::control::pki::Profile>,
    ) -> reqwest::blocking::Client {
        ork::tls::install_crypto();
        let ca = ork::control::pki::Ca::load_or_create(
            &self.data(),
            ork::control::pki::DEFAULT_VALIDITY,
        )
        .unwrap();
        let roots = ork::tls::roots(std::slice::from_ref(ca.cert())).unwrap();
        let cert = profile.map(|p| ca.live(&p).unwrap());
        let config = ork::tls::peer_client_config(roots, node, cert.as_ref()).unwrap();
        reqwest::blocking::Client::builder()
            .tls_backend_preconfigured(config)
            .build()
            .unwrap()
    }

    pub fn start_control(&mut self) {
        let data = self.data();
        std::fs::create_dir_all(self.dir.path()).unwrap();
        let _ = std::fs::remove_file(data.join("control.url"));
        let child = spawn_logged(
            Command::new(ORK)
                .args([
                    "control",
                    "--listen",
                    &self.listen,
                    "--node-grace",
                    "3s",
                    "--data-dir",
                ])
                .arg(&data)
                .args(&self.control_args),
            &self.dir.path().join("control.log"),
        );
        self.control = Some(child);
        let url_file = data.join("control.url");
        self.url = wait_for(
            "the control daemon to listen",
            Duration::from_secs(20),
            || {
                std::fs::read_to_string(&url_file)
                    .ok()
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
            },
        );
        self.admin = std::fs::read_to_string(data.join("admin.token"))
            .unwrap()
            .trim()
            .to_string();
    }

    /// SIGKILLs the control daemon.
    pub fn kill_control(&mut self) {
        if let Some(mut c) = self.control.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    pub fn add_node(&mut self, name: &str, runtime: &str) {
        self.add_node_with(name, runtime, &[]);
    }

    /// A node daemon with more arguments, e.g. `["--taint", "k=v:NoSchedule"]`.
    pub fn add_node_with(&mut self, name: &str, runtime: &str, extra: &[&str]) {
        let dir = self.dir.path().join("nodes").join(name);
        let mut node = Node {
            name: name.into(),
            child: None,
            dir,
            runtime: runtime.into(),
            extra: extra.iter().map(|s| s.to_string()).collect(),
        };
        self.spawn_node(&mut node);
        self.nodes.push(node);
        let n = name.to_string();
        // A join takes about a second; the full suite on two cores has
        // been seen to take over 20 s.
        self.wait_json(
            &format!("node {n} Ready"),
            Duration::from_secs(60),
            &["get", "node", &n],
            |v| {
                v["status"]["conditions"].as_array().is_some_and(|c| {
                    c.iter()
                        .any(|c| c["type"] == "Ready" && c["status"] == "True")
                })
            },
        );
    }

    fn spawn_node(&self, node: &mut Node) {
        let log = self.dir.path().join(format!("node-{}.log", node.name));
        node.child = Some(spawn_logged(
            Command::new(ORK)
                .args(["node", "--join", &self.url, "--token-file"])
                .arg(self.data().join("node.token"))
                .args([
                    "--name",
                    &node.name,
                    "--runtime",
                    &node.runtime,
                    "--data-dir",
                ])
                .arg(&node.dir)
                .arg("--pods-dir")
                .arg(self.pods_dir(&node.name))
                .args(&node.extra),
            &log,
        ));
    }

    /// Where node `name` keeps its pods' files.
    pub fn pods_dir(&self, name: &str) -> PathBuf {
        self.dir.path().join("pods").join(name)
    }

    /// SIGKILLs a node daemon (its pods keep running).
    pub fn kill_node(&mut self, i: usize) {
        if let Some(mut c) = self.nodes[i].child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    pub fn restart_node(&mut self, i: usize) {
        let mut node = std::mem::replace(
            &mut self.nodes[i],
            Node {
                name: String::new(),
                child: None,
                dir: PathBuf::new(),
                runtime: String::new(),
                extra: vec![],
            },
        );
        self.spawn_node(&mut node);
        self.nodes[i] = node;
    }

    /// Runs the ork CLI against this cluster.
    pub fn ork(&self, args: &[&str]) -> Output {
        self.ork_stdin(args, None)
    }

    /// Runs the CLI with another bearer token than the admin's.
    pub fn ork_with_token(&self, token: &str, args: &[&str]) -> Output {
        self.run_ork(args, None, token)
    }

    pub fn ork_stdin(&self, args: &[&str], stdin: Option<&str>) -> Output {
        self.run_ork(args, stdin, &self.admin)
    }

    fn run_ork(&self, args: &[&str], stdin: Option<&str>, token: &str) -> Output {
        let mut cmd = Command::new(ORK);
        cmd.args(args)
            .env("ORK_SERVER", &self.url)
            .env("ORK_TOKEN", token)
            .env("ORK_CA", self.ca_file())
            .env("ORK_CONFIG", self.dir.path().join("no-config.yaml"))
            .env_remove("ORK_NAMESPACE")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        match stdin {
            None => cmd.stdin(Stdio::null()).output().unwrap(),
            Some(text) => {
                use std::io::Write;
                cmd.stdin(Stdio::piped());
                let mut child = cmd.spawn().unwrap();
                child
                    .stdin
                    .take()
                    .unwrap()
                    .write_all(text.as_bytes())
                    .unwrap();
                child.wait_with_output().unwrap()
            }
        }
    }

    /// Runs the CLI and asserts success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.ork(args);
        assert!(
            out.status.success(),
            "ork {args:?} failed: {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Applies a manifest given as text (through a temp file).
    pub fn apply(&self, yaml: &str) -> String {
        let f = self
            .dir
            .path()
            .join(format!("m-{}.yaml", uuid::Uuid::new_v4().simple()));
        std::fs::write(&f, yaml).unwrap();
        self.ok(&["apply", "-f", f.to_str().unwrap()])
    }

    /// `ork get ... -o json` parsed; `None` when the command fails.
    pub fn json(&self, args: &[&str]) -> Option<Value> {
        let mut a: Vec<&str> = args.to_vec();
        a.extend(["-o", "json"]);
        let out = self.ork(&a);
        if !out.status.success() {
            return None;
        }
        serde_json::from_slice(&out.stdout).ok()
    }

    pub fn wait_json(
        &self,
        what: &str,
        timeout: Duration,
        args: &[&str],
        f: impl Fn(&Value) -> bool,
    ) -> Value {
        wait_for(what, timeout, || self.json(args).filter(|v| f(v)))
    }

    /// Pods of a label selector, as JSON items.
    pub fn pods(&self, selector: &str) -> Vec<Value> {
        self.json(&["get", "pods", "-l", selector])
            .and_then(|v| v["items"].as_array().cloned())
            .unwrap_or_default()
    }

    /// Waits until exactly `n` pods match and are Running and ready.
    pub fn wait_running(&self, selector: &str, n: usize) -> Vec<Value> {
        wait_for(
            &format!("{n} running pods of {selector}"),
            Duration::from_secs(30),
            || {
                let pods = self.pods(selector);
                let ok = pods.len() == n
                    && pods.iter().all(|p| {
                        p["status"]["phase"] == "Running"
                            && p["status"]["containerStatuses"]
                                .as_array()
                                .is_some_and(|cs| cs.iter().all(|c| c["ready"] == true))
                    });
                ok.then_some(pods)
            },
        )
    }

    /// Every pid file of a container this cluster's nodes started.
    fn container_pids(&self) -> Vec<i32> {
        let mut out = vec![];
        let Ok(nodes) = std::fs::read_dir(self.dir.path().join("nodes")) else {
            return out;
        };
        for n in nodes.flatten() {
            let Ok(cs) = std::fs::read_dir(n.path().join("containers")) else {
                continue;
            };
            for c in cs.flatten() {
                if let Some(pid) = std::fs::read_to_string(c.path().join("pid"))
                    .ok()
                    .and_then(|s| s.trim().parse().ok())
                {
                    out.push(pid);
                }
            }
        }
        out
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for i in 0..self.nodes.len() {
            self.kill_node(i);
        }
        self.kill_control();
        // Container processes and their groups, then shims (they exit once their child does).
        for pid in self.container_pids() {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(-pid),
                nix::sys::signal::Signal::SIGKILL,
            );
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
        // Docker containers this cluster's nodes made.
        for n in &self.nodes {
            if let Ok(id) = std::fs::read_to_string(n.dir.join("node-id")) {
                let ids = docker_ps(&format!("ork.dev/node-id={}", id.trim()), true);
                if !ids.is_empty() {
                    let _ = Command::new("docker")
                        .args(["rm", "-f"])
                        .args(&ids)
                        .output();
                }
            }
        }
        if std::env::var_os("ORK_KEEP_TEST_DIRS").is_some() {
            let p = std::mem::replace(&mut self.dir, tempfile::tempdir().unwrap()).keep();
            eprintln!("test dir kept: {}", p.display());
        }
    }
}

/// Ids of Docker containers carrying a label (`key=value`), running only or all.
pub fn docker_ps(label: &str, all: bool) -> Vec<String> {
    let mut cmd = Command::new("docker");
    cmd.args(["ps", "-q", "--no-trunc", "--filter"])
        .arg(format!("label={label}"));
    if all {
        cmd.arg("-a");
    }
    let Ok(out) = cmd.output() else {
        return vec![];
    };
    let mut ids: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    ids.sort();
    ids
}

/// Kills an `ork up` when a test ends, even by panic, and stops what it left
/// running (`ork down`): a failed test must not leave daemons behind.
pub struct UpGuard {
    pub pid: u32,
    pub data: PathBuf,
}

impl Drop for UpGuard {
    fn drop(&mut self) {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(self.pid as i32),
            nix::sys::signal::Signal::SIGKILL,
        );
        // Its node daemons exit with it; wait for their locks to free.
        for _ in 0..50 {
            let out = Command::new(ORK)
                .args(["down", "--data-dir"])
                .arg(&self.data)
                .output();
            if out.is_ok_and(|o| o.status.success()) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// `ork up --listen 127.0.0.1:0` in a temp dir, with its own client config.
/// Dropping it kills `ork up` and stops what it left running.
pub struct Up {
    // Fields drop in order: `ork down` must run while the data dir exists.
    _guard: UpGuard,
    pub child: Child,
    pub dir: tempfile::TempDir,
    pub data: PathBuf,
    pub config: PathBuf,
    pub url: String,
}

impl Up {
    /// Starts `ork up` with more arguments (`--nodes 3 --runtime process`...)
    /// and waits until it says it is up.
    pub fn start(args: &[&str]) -> Up {
        use std::io::{BufRead, BufReader};
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let config = dir.path().join("config.yaml");
        let mut child = Command::new(ORK)
            .args(["up", "--listen", "127.0.0.1:0"])
            .args(args)
            .arg("--data-dir")
            .arg(&data)
            .env("ORK_CONFIG", &config)
            .env("ORK_INGRESS_PORT", "0")
            .env("ORK_INGRESS_TLS_PORT", "0")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let guard = UpGuard {
            pid: child.id(),
            data: data.clone(),
        };
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let url = wait_for("ork up", Duration::from_secs(30), || {
            let l = lines.next()?.ok()?;
            l.strip_prefix("ork is up: API ")
                .map(|r| r.split(',').next().unwrap_or("").trim().to_string())
        });
        Up {
            dir,
            data,
            config,
            url,
            child,
            _guard: guard,
        }
    }

    /// Runs the CLI against this `ork up`.
    pub fn ork(&self, args: &[&str]) -> Output {
        Command::new(ORK)
            .args(args)
            .env("ORK_CONFIG", &self.config)
            .output()
            .unwrap()
    }

    /// `ork get ... -o json` parsed; `None` when the command fails.
    pub fn json(&self, args: &[&str]) -> Option<Value> {
        let mut a = args.to_vec();
        a.extend(["-o", "json"]);
        serde_json::from_slice(&self.ork(&a).stdout).ok()
    }

    /// SIGTERM, then waits for `ork up` to exit.
    pub fn stop(&mut self) {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(self.child.id() as i32),
            nix::sys::signal::Signal::SIGTERM,
        );
        wait_for("ork up to exit", Duration::from_secs(20), || {
            self.child.try_wait().unwrap()
        });
    }
}
