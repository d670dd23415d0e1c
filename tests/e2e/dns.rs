//! Cluster DNS: Docker pods (the local `ork-test/busybox` image) resolve
//! Services by name from another namespace, pick up Services created after
//! they started, see a headless Service's ready pods only, follow an
//! ExternalName, and reach names outside the cluster through the node's
//! resolvers — here a tiny DNS server the test runs on loopback
//! (`--dns-upstream`), so no network is needed. Questions the test asks
//! itself go to the node's host address, unique per test (`--dns-addr`).

use crate::docker::{IMAGE, docker_ready};
use crate::harness::{Cluster, Deploy, wait_for};
use hickory_server::proto::op::{Message, Query, ResponseCode};
use hickory_server::proto::rr::{Name, RData, RecordType};
use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

/// The address the test's upstream answers for every A question.
const OUTSIDE: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 7);

/// A DNS server on loopback answering `outside.example` (A, 192.0.2.7)
/// and NXDOMAIN for everything else, on its own thread, for the test's life.
pub fn upstream() -> SocketAddr {
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = s.local_addr().unwrap();
    std::thread::spawn(move || {
        let mut buf = [0u8; 1500];
        while let Ok((n, from)) = s.recv_from(&mut buf) {
            let Ok(q) = Message::from_vec(&buf[..n]) else {
                continue;
            };
            let mut r = Message::response(q.metadata.id, q.metadata.op_code);
            r.metadata.recursion_desired = q.metadata.recursion_desired;
            r.metadata.recursion_available = true;
            r.add_queries(q.queries.clone());
            match q.queries.first() {
                Some(question)
                    if question
                        .name()
                        .to_ascii()
                        .eq_ignore_ascii_case("outside.example.")
                        && question.query_type() == RecordType::A =>
                {
                    r.add_answer(hickory_server::proto::rr::Record::from_rdata(
                        question.name().clone(),
                        30,
                        RData::A(OUTSIDE.into()),
                    ));
                }
                Some(q) if q.name().to_ascii().eq_ignore_ascii_case("outside.example.") => {}
                _ => r.metadata.response_code = ResponseCode::NXDomain,
            }
            let _ = s.send_to(&r.to_vec().unwrap(), from);
        }
    });
    addr
}

/// A cluster DNS address of this test's own (`127.77.x.y`, away from the
/// default `127.77.0.10` other tests' nodes share).
pub fn unique_dns_addr() -> Ipv4Addr {
    let n = std::process::id() as u64 ^ crate::harness::marker();
    Ipv4Addr::new(127, 77, 100 + (n % 150) as u8, 1 + ((n >> 8) % 250) as u8)
}

/// One question to `server` over UDP: the response code and the answers
/// as text (`A 1.2.3.4`, `SRV 80 name.`, `CNAME name.`).
pub fn ask(server: SocketAddr, name: &str, t: RecordType) -> (ResponseCode, Vec<String>) {
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    let mut m = Message::query();
    m.metadata.id = 4242;
    m.metadata.recursion_desired = true;
    m.add_query(Query::query(Name::from_ascii(name).unwrap(), t));
    s.send_to(&m.to_vec().unwrap(), server).unwrap();
    let mut buf = [0u8; 4096];
    let n = s.recv(&mut buf).unwrap();
    let r = Message::from_vec(&buf[..n]).unwrap();
    let mut answers: Vec<String> = r
        .answers
        .iter()
        .map(|a| match &a.data {
            RData::A(ip) => format!("A {ip}"),
            RData::AAAA(ip) => format!("AAAA {ip}"),
            RData::CNAME(c) => format!("CNAME {}", c.0),
            RData::SRV(s) => format!("SRV {} {}", s.port, s.target),
            other => format!("{other:?}"),
        })
        .collect();
    answers.sort();
    (r.metadata.response_code, answers)
}

fn start(dns_ip: Ipv4Addr) -> Cluster {
    let up = upstream();
    let mut c = Cluster::start(0, "docker");
    c.add_node_with(
        "n1",
        "docker",
        &[
            "--dns-addr",
            &dns_ip.to_string(),
            "--dns-upstream",
            &up.to_string(),
        ],
    );
    c
}

/// `nslookup NAME` in pod `pod` of namespace `ns` (its resolv.conf's
/// nameserver; busybox's nslookup asks the name as given).
fn nslookup(c: &Cluster, ns: &str, pod: &str, name: &str) -> String {
    let out = c.ork(&["exec", "-n", ns, pod, "--", "nslookup", name]);
    String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr)
}

/// The address the pod's C library resolves NAME to (search path and
/// ndots as any program gets them), from busybox ping's first line
/// (`PING web.default (127.77.0.20): 56 data bytes`).
fn resolve(c: &Cluster, ns: &str, pod: &str, name: &str) -> Option<String> {
    let out = c.ork(&[
        "exec", "-n", ns, pod, "--", "ping", "-c", "1", "-W", "1", name,
    ]);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let line = text.lines().find(|l| l.starts_with("PING "))?;
    let (_, rest) = line.split_once('(')?;
    Some(rest.split_once(')')?.0.to_string())
}

fn client_pod(c: &Cluster) -> String {
    c.ok(&["create", "namespace", "client"]);
    c.apply(&format!(
        "apiVersion: v1
kind: Pod
metadata:
  name: client
  namespace: client
spec:
  terminationGracePeriodSeconds: 1
  hostAliases:
  - ip: 10.9.8.7
    hostnames: [alias.test, other.test]
  containers:
  - name: main
    image: {IMAGE}
    imagePullPolicy: IfNotPresent
    command: [sleep, '3600']
"
    ));
    wait_for("client pod running", Duration::from_secs(60), || {
        let p = c.json(&["get", "pod", "-n", "client", "client"])?;
        (p["status"]["phase"] == "Running").then_some(())
    });
    "client".into()
}

#[test]
fn docker_pods_resolve_services_by_name_and_forward_other_names() {
    if !docker_ready() {
        return;
    }
    let dns_ip = unique_dns_addr();
    let host_dns = SocketAddr::from((dns_ip, 53));
    let mut c = start(dns_ip);
    c.apply(
        &Deploy::new("web", 1)
            .image(IMAGE)
            .command(&["httpd", "-f", "-p", "8080", "-h", "/www"])
            .field("ports: [{containerPort: 8080}]")
            .yaml(),
    );
    c.apply(
        "apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
  - {name: http, port: 80, targetPort: 8080}
",
    );
    let pod = client_pod(&c);
    let svc = c.json(&["get", "svc", "web"]).unwrap();
    let ip = svc["spec"]["clusterIP"].as_str().unwrap().to_string();

    // The pod's resolv.conf: the cluster DNS, Kubernetes' search path, ndots:5.
    let conf = c.ok(&[
        "exec",
        "-n",
        "client",
        &pod,
        "--",
        "cat",
        "/etc/resolv.conf",
    ]);
    assert!(conf.contains(&format!("nameserver {dns_ip}")), "{conf}");
    assert!(
        conf.contains("search client.svc.cluster.local svc.cluster.local cluster.local"),
        "{conf}"
    );
    assert!(conf.contains("ndots:5"), "{conf}");
    // hostAliases in its hosts file.
    let hosts = c.ok(&["exec", "-n", "client", &pod, "--", "cat", "/etc/hosts"]);
    assert!(
        hosts
            .lines()
            .any(|l| l.starts_with("10.9.8.7") && l.contains("alias.test")),
        "{hosts}"
    );

    // Every name form, from another namespace, through the search path.
    for name in [
        "web.default",
        "web.default.svc",
        "web.default.svc.cluster.local",
    ] {
        assert_eq!(
            resolve(&c, "client", &pod, name).as_deref(),
            Some(ip.as_str()),
            "{name}"
        );
    }
    let out = nslookup(&c, "client", &pod, "web.default.svc.cluster.local");
    assert!(out.contains(&format!("Address: {ip}")), "{out}");
    // The short name only from the Service's own namespace.
    assert_eq!(resolve(&c, "client", &pod, "web"), None);
    assert_eq!(
        ask(
            host_dns,
            "_http._tcp.web.default.svc.cluster.local.",
            RecordType::SRV
        ),
        (
            ResponseCode::NoError,
            vec!["SRV 80 web.default.svc.cluster.local.".to_string()]
        )
    );
    assert_eq!(
        ask(
            host_dns,
            "nothing.default.svc.cluster.local.",
            RecordType::A
        )
        .0,
        ResponseCode::NXDomain
    );

    // A Service created after the pod started resolves.
    c.apply(
        "apiVersion: v1
kind: Service
metadata:
  name: late
spec:
  selector: {app: web}
  ports:
  - {port: 81, targetPort: 8080}
",
    );
    let late_ip = c.json(&["get", "svc", "late"]).unwrap()["spec"]["clusterIP"]
        .as_str()
        .unwrap()
        .to_string();
    wait_for(
        "late.default resolves in the pod",
        Duration::from_secs(10),
        || (resolve(&c, "client", &pod, "late.default")? == late_ip).then_some(()),
    );

    // Names outside the cluster go to the node's resolvers.
    let out = nslookup(&c, "client", &pod, "outside.example");
    assert!(out.contains(&OUTSIDE.to_string()), "{out}");

    // ExternalName: a CNAME, followed to the address.
    c.apply(
        "apiVersion: v1
kind: Service
metadata:
  name: ext
spec:
  type: ExternalName
  externalName: outside.example
",
    );
    wait_for("ext CNAME", Duration::from_secs(10), || {
        let (code, answers) = ask(host_dns, "ext.default.svc.cluster.local.", RecordType::A);
        (code == ResponseCode::NoError
            && answers == [format!("A {OUTSIDE}"), "CNAME outside.example.".to_string()])
        .then_some(())
    });
    assert_eq!(
        resolve(&c, "client", &pod, "ext.default"),
        Some(OUTSIDE.to_string())
    );

    // A restarted node daemon serves the pods it adopts again.
    c.kill_node(0);
    c.restart_node(0);
    wait_for(
        "web.default after a node restart",
        Duration::from_secs(20),
        || (resolve(&c, "client", &pod, "web.default")? == ip).then_some(()),
    );
}

#[test]
fn a_headless_service_answers_with_exactly_its_ready_pods() {
    if !docker_ready() {
        return;
    }
    let dns_ip = unique_dns_addr();
    let host_dns = SocketAddr::from((dns_ip, 53));
    let c = start(dns_ip);
    c.apply(
        &Deploy::new("db", 2)
            .image(IMAGE)
            .command(&["sh", "-c", "touch /tmp/ready; exec httpd -f -p 8080 -h /www"])
            .field("ports: [{containerPort: 8080}]")
            .field("readinessProbe: {exec: {command: [test, -f, /tmp/ready]}, periodSeconds: 1, failureThreshold: 1}")
            .yaml(),
    );
    c.apply(
        "apiVersion: v1
kind: Service
metadata:
  name: db
spec:
  clusterIP: None
  selector: {app: db}
  ports:
  - {name: http, port: 8080}
",
    );
    let pods: Vec<String> = c
        .wait_running("app=db", 2)
        .iter()
        .map(|p| p["metadata"]["name"].as_str().unwrap().to_string())
        .collect();
    // One SRV record per ready pod, each a name that resolves.
    let srv = wait_for("two SRV records", Duration::from_secs(10), || {
        let (_, a) = ask(
            host_dns,
            "_http._tcp.db.default.svc.cluster.local.",
            RecordType::SRV,
        );
        (a.len() == 2).then_some(a)
    });
    for p in &pods {
        assert!(
            srv.iter()
                .any(|s| s.ends_with(&format!(" {p}.db.default.svc.cluster.local."))),
            "{srv:?}"
        );
        let (code, a) = ask(
            host_dns,
            &format!("{p}.db.default.svc.cluster.local."),
            RecordType::A,
        );
        assert_eq!((code, a.len()), (ResponseCode::NoError, 1), "{p}");
    }
    // The headless name answers with the pods' addresses (their endpoints').
    let eps = c.json(&["get", "endpoints", "db"]).unwrap();
    let mut want: Vec<String> = eps["subsets"][0]["addresses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| format!("A {}", a["ip"].as_str().unwrap()))
        .collect();
    want.sort();
    want.dedup();
    let (_, mut got) = ask(host_dns, "db.default.svc.cluster.local.", RecordType::A);
    got.dedup();
    assert_eq!(got, want);

    // One pod turns unready: within 2 s of its Endpoints saying so, DNS drops it.
    let gone = &pods[0];
    c.ok(&["exec", gone, "--", "rm", "/tmp/ready"]);
    wait_for(
        "the pod leaves the endpoints",
        Duration::from_secs(15),
        || {
            let e = c.json(&["get", "endpoints", "db"])?;
            let ready = e["subsets"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|s| s["addresses"].as_array().cloned().unwrap_or_default())
                .any(|a| a["targetRef"]["name"] == gone.as_str());
            (!ready).then_some(())
        },
    );
    let t0 = Instant::now();
    let name = format!("{gone}.db.default.svc.cluster.local.");
    wait_for("DNS drops the unready pod", Duration::from_secs(2), || {
        (ask(host_dns, &name, RecordType::A).0 == ResponseCode::NXDomain).then_some(())
    });
    let (_, srv) = ask(
        host_dns,
        "_http._tcp.db.default.svc.cluster.local.",
        RecordType::SRV,
    );
    assert_eq!(srv.len(), 1, "{srv:?}");
    eprintln!("headless DNS dropped the unready pod in {:?}", t0.elapsed());
}

#[test]
fn statefulset_pods_have_names_and_process_pods_get_the_cluster_dns() {
    let dns_ip = unique_dns_addr();
    let host_dns = SocketAddr::from((dns_ip, 53));
    let up = upstream();
    let mut c = Cluster::start(0, "process");
    c.add_node_with(
        "n1",
        "process",
        &[
            "--dns-addr",
            &dns_ip.to_string(),
            "--dns-upstream",
            &up.to_string(),
        ],
    );
    c.apply(
        r#"
apiVersion: v1
kind: Service
metadata: {name: sdb}
spec:
  clusterIP: None
  selector: {app: sdb}
  ports:
  - {name: web, port: 8080}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: sdb}
spec:
  serviceName: sdb
  replicas: 2
  selector: {matchLabels: {app: sdb}}
  template:
    metadata: {labels: {app: sdb}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: c
        image: busybox
        command: ["sleep", "3600"]
        ports: [{name: web, containerPort: 8080}]
---
apiVersion: v1
kind: Pod
metadata: {name: reader}
spec:
  terminationGracePeriodSeconds: 1
  hostAliases:
  - {ip: 10.9.8.7, hostnames: [alias.test]}
  containers:
  - name: c
    image: busybox
    command: ["sh", "-c", "cat /etc/resolv.conf /etc/hosts; until getent hosts sdb-1.sdb.default; do sleep 0.2; done; getent hosts outside.example; sleep 3600"]
"#,
    );
    // StatefulSet pods by hostname and subdomain.
    for p in ["sdb-0", "sdb-1"] {
        let name = format!("{p}.sdb.default.svc.cluster.local.");
        wait_for(&name, Duration::from_secs(60), || {
            let (code, a) = ask(host_dns, &name, RecordType::A);
            (code == ResponseCode::NoError && a.len() == 1).then_some(())
        });
    }
    if !nix::unistd::geteuid().is_root() {
        // Without root, process pods keep the machine's files, and say so.
        wait_for("a DNSConfigForming event", Duration::from_secs(30), || {
            let d = c.ork(&["describe", "pod", "reader"]);
            String::from_utf8_lossy(&d.stdout)
                .contains("DNSConfigForming")
                .then_some(())
        });
        return;
    }
    // As root: the pod's own resolv.conf and hosts, and its C library finds
    // cluster names through the search path and other names upstream.
    let logs = wait_for("reader's lookups", Duration::from_secs(60), || {
        let out = c.ork(&["logs", "reader"]);
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        text.contains(&OUTSIDE.to_string()).then_some(text)
    });
    assert!(logs.contains(&format!("nameserver {dns_ip}")), "{logs}");
    assert!(
        logs.contains("search default.svc.cluster.local svc.cluster.local cluster.local"),
        "{logs}"
    );
    assert!(logs.contains("options ndots:5"), "{logs}");
    assert!(
        logs.lines()
            .any(|l| l.starts_with("10.9.8.7") && l.contains("alias.test")),
        "{logs}"
    );
    assert!(
        logs.lines()
            .any(|l| l.contains("sdb-1.sdb.default.svc.cluster.local")),
        "{logs}"
    );
    // The machine's own files are untouched.
    let host = std::fs::read_to_string("/etc/resolv.conf").unwrap();
    assert!(!host.contains(&dns_ip.to_string()), "{host}");
}
