use super::*;
use crate::api::service::{EndpointAddress, EndpointPort, EndpointSubset, ServicePort};
use crate::api::{ObjectReference, Protocol, new_object};
use proptest::prelude::*;

type Map<T> = BTreeMap<(String, String), Arc<T>>;

fn svc(ns: &str, name: &str, cluster_ip: &str) -> Service {
    let mut s = Service::test(name);
    s.metadata.namespace = ns.into();
    s.spec.cluster_ip = cluster_ip.into();
    s.spec.cluster_ips = vec![cluster_ip.into()];
    s.spec.ports = vec![ServicePort {
        name: "http".into(),
        port: 80,
        ..Default::default()
    }];
    s
}

fn addr(ip: &str, pod: &str, hostname: &str) -> EndpointAddress {
    EndpointAddress {
        ip: ip.into(),
        hostname: hostname.into(),
        target_ref: Some(ObjectReference {
            kind: "Pod".into(),
            name: pod.into(),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn eps(
    ns: &str,
    name: &str,
    ready: Vec<EndpointAddress>,
    not_ready: Vec<EndpointAddress>,
    port: i32,
) -> Endpoints {
    let mut e: Endpoints = new_object(ns, name);
    e.subsets = vec![EndpointSubset {
        addresses: ready,
        not_ready_addresses: not_ready,
        ports: vec![EndpointPort {
            name: "http".into(),
            port,
            protocol: Protocol::TCP,
        }],
    }];
    e
}

fn table(services: Vec<Service>, endpoints: Vec<Endpoints>) -> Table {
    let s: Map<Service> = services
        .into_iter()
        .map(|s| {
            (
                (s.metadata.namespace.clone(), s.metadata.name.clone()),
                Arc::new(s),
            )
        })
        .collect();
    let e: Map<Endpoints> = endpoints
        .into_iter()
        .map(|e| {
            (
                (e.metadata.namespace.clone(), e.metadata.name.clone()),
                Arc::new(e),
            )
        })
        .collect();
    Table::build(CLUSTER_DOMAIN, &s, &e)
}

fn a(ip: &str) -> Rec {
    Rec::A(ip.parse().unwrap())
}

/// How a resolver with the pod's search path and `ndots:5` looks `name`
/// up: the name with each search domain first (fewer than 5 dots), then
/// as given; the first answer that is not NXDOMAIN wins.
fn resolve(t: &Table, pod_ns: &str, name: &str, q: QType) -> Answer {
    let mut tries: Vec<String> = search_path(pod_ns, CLUSTER_DOMAIN)
        .iter()
        .map(|d| format!("{name}.{d}"))
        .collect();
    tries.push(name.to_string());
    for n in tries {
        match t.answer(&n, q) {
            Answer::NxDomain => continue,
            other => return other,
        }
    }
    Answer::NxDomain
}

#[test]
fn a_cluster_ip_service_answers_its_cluster_ip_under_every_name_form_of_the_search_path() {
    let t = table(vec![svc("default", "web", "127.77.0.20")], vec![]);
    let want = Answer::Records(vec![a("127.77.0.20")]);
    for name in [
        "web.default",
        "web.default.svc",
        "web.default.svc.cluster.local",
    ] {
        assert_eq!(resolve(&t, "other", name, QType::A), want, "{name}");
    }
    // Short name from the same namespace only.
    assert_eq!(resolve(&t, "default", "web", QType::A), want);
    assert_eq!(resolve(&t, "other", "web", QType::A), Answer::Forward);
    // Case and the trailing dot do not matter.
    assert_eq!(t.answer("WEB.Default.svc.cluster.local.", QType::A), want);
}

#[test]
fn an_ipv4_service_has_no_aaaa_records_but_the_name_exists() {
    let t = table(vec![svc("default", "web", "127.77.0.20")], vec![]);
    assert_eq!(
        t.answer("web.default.svc.cluster.local", QType::Aaaa),
        Answer::Records(vec![])
    );
    let mut six = svc("default", "six", "fd00::20");
    six.spec.cluster_ips = vec!["127.77.0.21".into(), "fd00::20".into()];
    let t = table(vec![six], vec![]);
    assert_eq!(
        t.answer("six.default.svc.cluster.local", QType::Aaaa),
        Answer::Records(vec![Rec::Aaaa("fd00::20".parse().unwrap())])
    );
    assert_eq!(
        t.answer("six.default.svc.cluster.local", QType::A),
        Answer::Records(vec![a("127.77.0.21")])
    );
}

#[test]
fn unknown_names_in_the_cluster_domain_are_nxdomain_and_their_parents_exist() {
    let t = table(vec![svc("default", "web", "127.77.0.20")], vec![]);
    assert_eq!(
        t.answer("nope.default.svc.cluster.local", QType::A),
        Answer::NxDomain
    );
    assert_eq!(
        t.answer("web.other.svc.cluster.local", QType::A),
        Answer::NxDomain
    );
    for parent in [
        "default.svc.cluster.local",
        "svc.cluster.local",
        "cluster.local",
    ] {
        assert_eq!(
            t.answer(parent, QType::A),
            Answer::Records(vec![]),
            "{parent}"
        );
    }
    assert_eq!(t.answer("example.com", QType::A), Answer::Forward);
    assert_eq!(t.answer("notcluster.local", QType::A), Answer::Forward);
}

#[test]
fn named_ports_have_srv_records_pointing_at_the_service() {
    let mut s = svc("default", "web", "127.77.0.20");
    s.spec.ports.push(ServicePort {
        name: "dns".into(),
        port: 53,
        protocol: Protocol::UDP,
        ..Default::default()
    });
    let t = table(vec![s], vec![]);
    assert_eq!(
        t.answer("_http._tcp.web.default.svc.cluster.local", QType::Srv),
        Answer::Records(vec![Rec::Srv {
            port: 80,
            target: "web.default.svc.cluster.local".into()
        }])
    );
    assert_eq!(
        t.answer("_dns._udp.web.default.svc.cluster.local", QType::Srv),
        Answer::Records(vec![Rec::Srv {
            port: 53,
            target: "web.default.svc.cluster.local".into()
        }])
    );
    assert_eq!(
        t.answer("_dns._tcp.web.default.svc.cluster.local", QType::Srv),
        Answer::NxDomain
    );
    assert_eq!(
        t.answer("_tcp.web.default.svc.cluster.local", QType::Srv),
        Answer::Records(vec![])
    );
}

#[test]
fn a_headless_service_answers_with_its_ready_pods_only() {
    let s = svc("default", "db", HEADLESS);
    let e = eps(
        "default",
        "db",
        vec![
            addr("10.0.0.1", "db-0", "db-0"),
            addr("10.0.0.2", "db-1", "db-1"),
        ],
        vec![addr("10.0.0.3", "db-2", "db-2")],
        5432,
    );
    let t = table(vec![s.clone()], vec![e.clone()]);
    assert_eq!(
        t.answer("db.default.svc.cluster.local", QType::A),
        Answer::Records(vec![a("10.0.0.1"), a("10.0.0.2")])
    );
    // StatefulSet pods by hostname and subdomain.
    assert_eq!(
        t.answer("db-1.db.default.svc.cluster.local", QType::A),
        Answer::Records(vec![a("10.0.0.2")])
    );
    assert_eq!(
        t.answer("db-2.db.default.svc.cluster.local", QType::A),
        Answer::NxDomain
    );
    // SRV per endpoint, at the endpoint's port.
    assert_eq!(
        t.answer("_http._tcp.db.default.svc.cluster.local", QType::Srv),
        Answer::Records(vec![
            Rec::Srv {
                port: 5432,
                target: "db-0.db.default.svc.cluster.local".into()
            },
            Rec::Srv {
                port: 5432,
                target: "db-1.db.default.svc.cluster.local".into()
            },
        ])
    );
    // publishNotReadyAddresses: the not-ready pod too.
    let mut all = s;
    all.spec.publish_not_ready_addresses = true;
    let t = table(vec![all], vec![e]);
    assert_eq!(
        t.answer("db.default.svc.cluster.local", QType::A),
        Answer::Records(vec![a("10.0.0.1"), a("10.0.0.2"), a("10.0.0.3")])
    );
}

#[test]
fn a_headless_service_without_ready_pods_exists_with_no_records() {
    let t = table(vec![svc("default", "db", HEADLESS)], vec![]);
    assert_eq!(
        t.answer("db.default.svc.cluster.local", QType::A),
        Answer::Records(vec![])
    );
}

#[test]
fn endpoints_without_hostname_are_named_by_their_pod() {
    let t = table(
        vec![svc("default", "db", HEADLESS)],
        vec![eps(
            "default",
            "db",
            vec![addr("127.0.0.1", "db-abc", "")],
            vec![],
            31000,
        )],
    );
    assert_eq!(
        t.answer("db-abc.db.default.svc.cluster.local", QType::A),
        Answer::Records(vec![a("127.0.0.1")])
    );
}

#[test]
fn an_external_name_service_is_a_cname_for_every_type() {
    let mut s = svc("default", "ext", "");
    s.spec.type_ = "ExternalName".into();
    s.spec.external_name = "Example.COM.".into();
    let t = table(vec![s], vec![]);
    let want = Answer::Records(vec![Rec::Cname("example.com".into())]);
    for q in [QType::A, QType::Aaaa, QType::Cname, QType::Srv] {
        assert_eq!(t.answer("ext.default.svc.cluster.local", q), want);
    }
}

#[test]
fn the_cluster_domain_is_configurable() {
    let s: Map<Service> = [(
        ("default".into(), "web".into()),
        Arc::new(svc("default", "web", "127.77.0.20")),
    )]
    .into();
    let t = Table::build("corp.internal.", &s, &BTreeMap::new());
    assert_eq!(
        t.answer("web.default.svc.corp.internal", QType::A),
        Answer::Records(vec![a("127.77.0.20")])
    );
    assert_eq!(
        t.answer("web.default.svc.cluster.local", QType::A),
        Answer::Forward
    );
}

fn arb_addr() -> impl Strategy<Value = EndpointAddress> {
    (1u8..=254, 0u8..4, "[a-z]{1,6}")
        .prop_map(|(last, host, pod)| addr(&format!("10.1.{host}.{last}"), &pod, ""))
}

prop_compose! {
    fn arb_service()(
        name in "[a-z]{1,5}",
        ns in prop::sample::select(vec!["default", "other"]),
        headless in any::<bool>(),
        publish in any::<bool>(),
        ip in 1u8..=254,
        ready in prop::collection::vec(arb_addr(), 0..5),
        not_ready in prop::collection::vec(arb_addr(), 0..3),
        port in 1i32..65535,
    ) -> (Service, Endpoints) {
        let mut s = svc(ns, &name, &if headless { HEADLESS.to_string() } else { format!("127.77.1.{ip}") });
        s.spec.publish_not_ready_addresses = publish;
        (s, eps(ns, &name, ready, not_ready, port))
    }
}

proptest! {
    /// Every A answer for a service is exactly what its Service and
    /// Endpoints say: the cluster IP, or the ready (plus published
    /// not-ready) endpoint addresses; every SRV record points at a name
    /// that answers an address of one of those endpoints, at its port.
    #[test]
    fn every_answer_matches_the_endpoints(list in prop::collection::vec(arb_service(), 0..8)) {
        // One object per (namespace, name), as in the store.
        let mut by_key: BTreeMap<(String, String), (Service, Endpoints)> = BTreeMap::new();
        for (s, e) in list {
            by_key.insert((s.metadata.namespace.clone(), s.metadata.name.clone()), (s, e));
        }
        let t = table(
            by_key.values().map(|(s, _)| s.clone()).collect(),
            by_key.values().map(|(_, e)| e.clone()).collect(),
        );
        for ((ns, name), (s, e)) in &by_key {
            let fqdn = format!("{name}.{ns}.svc.cluster.local");
            let Answer::Records(got) = t.answer(&fqdn, QType::A) else {
                panic!("{fqdn} must exist");
            };
            let got: BTreeSet<Rec> = got.into_iter().collect();
            let want: BTreeSet<Rec> = if s.is_headless() {
                headless_endpoints(s, Some(e)).iter().map(|(a, _)| ip_rec(&a.ip).unwrap()).collect()
            } else {
                [ip_rec(&s.spec.cluster_ip).unwrap()].into()
            };
            prop_assert_eq!(&got, &want);
            if s.is_headless() {
                // Not-ready addresses never answer unless published.
                if !s.spec.publish_not_ready_addresses {
                    let ready: BTreeSet<&str> = e.subsets[0].addresses.iter().map(|a| a.ip.as_str()).collect();
                    for r in &got {
                        let Rec::A(ip) = r else { panic!("{r:?}") };
                        prop_assert!(ready.contains(ip.to_string().as_str()));
                    }
                }
                let Answer::Records(srv) = t.answer(&format!("_http._tcp.{fqdn}"), QType::Srv) else {
                    // No endpoints: no SRV name.
                    prop_assert!(want.is_empty());
                    continue;
                };
                for r in srv {
                    let Rec::Srv { port, target } = r else { panic!("{r:?}") };
                    prop_assert_eq!(i32::from(port), e.subsets[0].ports[0].port);
                    let Answer::Records(addrs) = t.answer(&target, QType::A) else {
                        panic!("SRV target {target} must exist");
                    };
                    prop_assert!(!addrs.is_empty());
                    prop_assert!(addrs.iter().all(|a| want.contains(a)));
                }
            }
        }
        // A name no service has is NXDOMAIN.
        prop_assert_eq!(t.answer("zzzzzz-none.default.svc.cluster.local", QType::A), Answer::NxDomain);
    }
}
