//! Cluster IPs: every Service but a headless one gets an address of its own
//! from the service range (`--service-cidr`), as Kubernetes' allocator gives
//! them: one asked for in `spec.clusterIP` when it is in the range and free,
//! else a free one scanned from a random place; kept for the service's
//! life (the field is immutable), free again once the service is deleted
//! (what is taken is read from the stored services, so there is no
//! separate bitmap to leak). The range's network address, its first host
//! address and its broadcast address are never handed out, but the first
//! host address to `default/kubernetes` (the API's Service); the tenth
//! ([`DNS_SERVICE_IP`] in the default range) only when asked for by name.
//!
//! The decision is [`choose`] (pure); [`admit`] reads the taken addresses
//! through the transaction. Imports `api` and the store's `Tx` only.

use crate::api::FieldError;
use crate::api::service::{CLUSTER_IP, HEADLESS, Service, ServiceRange};
use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::RwLock;

/// The range of this control daemon, set once at start.
static RANGE: RwLock<Option<ServiceRange>> = RwLock::new(None);

/// Sets the service range this process allocates from (the control
/// daemon's `--service-cidr`). Addresses already given stay as they are.
pub fn set_range(r: ServiceRange) {
    *RANGE.write().unwrap_or_else(|e| e.into_inner()) = Some(r);
}

/// The service range in force ([`ServiceRange::default`] unless set).
pub fn range() -> ServiceRange {
    let r = *RANGE.read().unwrap_or_else(|e| e.into_inner());
    r.unwrap_or_default()
}

/// Sets `spec.clusterIP` and `spec.clusterIPs` of `svc` (not headless, not
/// ExternalName): kept from `old`, else the one asked for if free, else a
/// free one. `taken` are the addresses of every other service; `seed`
/// picks where the scan starts. Errors name the field.
pub fn choose(
    range: &ServiceRange,
    svc: &mut Service,
    old: Option<&Service>,
    taken: &HashSet<Ipv4Addr>,
    seed: u64,
) -> Result<(), FieldError> {
    let api = svc.is_api_service();
    let spec = &mut svc.spec;
    if spec.cluster_ip.is_empty()
        && let Some(first) = spec.cluster_ips.first()
    {
        spec.cluster_ip = first.clone();
    }
    if let Some(first) = spec.cluster_ips.first()
        && *first != spec.cluster_ip
    {
        return Err(FieldError::new(
            "spec.clusterIPs[0]",
            format!(
                "{first:?}: must be the same as spec.clusterIP ({:?})",
                spec.cluster_ip
            ),
        ));
    }
    if spec.cluster_ips.len() > 1 {
        return Err(FieldError::new(
            "spec.clusterIPs",
            "ork gives a service one address (IPv4): list at most one",
        ));
    }
    // What the stored service has (an address from before services had
    // their own, 127.0.0.1, is replaced).
    let kept = old
        .map(|o| o.spec.cluster_ip.as_str())
        .filter(|ip| !ip.is_empty() && *ip != CLUSTER_IP && *ip != HEADLESS);
    let ip = match (kept, spec.cluster_ip.as_str()) {
        (Some(k), "") => k.to_string(),
        (Some(k), asked) if asked == k => k.to_string(),
        (Some(k), asked) => {
            return Err(FieldError::new(
                "spec.clusterIP",
                format!("{asked:?}: field is immutable (the service has {k})"),
            ));
        }
        (None, "") => range
            .free(taken, seed)
            .ok_or_else(|| {
                FieldError::new(
                    "spec.clusterIP",
                    format!("no address is free in the service range {range}"),
                )
            })?
            .to_string(),
        (None, asked) => {
            let a: Ipv4Addr = asked.parse().map_err(|_| {
                FieldError::new(
                    "spec.clusterIP",
                    format!("{asked:?} is not an IPv4 address, \"None\" or empty"),
                )
            })?;
            // The first host address is the API's Service's alone.
            if !(range.usable(a) || (api && a == range.api_ip())) {
                return Err(FieldError::new(
                    "spec.clusterIP",
                    format!("{asked}: provided IP is not in the valid range {range}"),
                ));
            }
            if taken.contains(&a) {
                return Err(FieldError::new(
                    "spec.clusterIP",
                    format!("{asked}: provided IP is already allocated to another service"),
                ));
            }
            a.to_string()
        }
    };
    spec.cluster_ip = ip.clone();
    spec.cluster_ips = vec![ip];
    Ok(())
}

/// The cluster IPs of `services` other than `ns/name`.
pub fn taken<'a>(
    services: impl Iterator<Item = &'a Service>,
    ns: &str,
    name: &str,
) -> HashSet<Ipv4Addr> {
    services
        .filter(|o| !(o.metadata.namespace == ns && o.metadata.name == name))
        .filter_map(|o| o.spec.cluster_ip.parse::<IpAddr>().ok())
        .filter_map(|ip| match ip {
            IpAddr::V4(v4) => Some(v4),
            IpAddr::V6(_) => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn svc(name: &str) -> Service {
        Service::test(name)
    }

    fn small() -> ServiceRange {
        "10.9.0.0/28".parse().unwrap()
    }

    #[test]
    fn the_default_range_reserves_its_first_addresses_and_the_dns_address() {
        let r = ServiceRange::default();
        let none = HashSet::new();
        for seed in [0, 1, 8, 65533, 65534, 65535, 70000] {
            let mut s = svc("a");
            choose(&r, &mut s, None, &none, seed).unwrap();
            let ip: Ipv4Addr = s.spec.cluster_ip.parse().unwrap();
            assert!(ip.to_string().starts_with("127.77."), "{ip}");
            assert!(
                !["127.77.0.0", "127.77.0.1", "127.77.0.10", "127.77.255.255"]
                    .contains(&ip.to_string().as_str()),
                "{ip} (seed {seed})"
            );
            assert_eq!(s.spec.cluster_ips, [s.spec.cluster_ip.clone()]);
        }
        // The DNS address is handed out when asked for by name.
        let mut dns = svc("kube-dns");
        dns.spec.cluster_ip = "127.77.0.10".into();
        choose(&r, &mut dns, None, &none, 0).unwrap();
        assert_eq!(dns.spec.cluster_ip, "127.77.0.10");
    }

    #[test]
    fn an_asked_address_is_honoured_when_free_and_refused_otherwise() {
        let r = small();
        let taken: HashSet<Ipv4Addr> = ["10.9.0.5".parse().unwrap()].into();
        let mut ok = svc("a");
        ok.spec.cluster_ip = "10.9.0.6".into();
        choose(&r, &mut ok, None, &taken, 0).unwrap();
        assert_eq!(ok.spec.cluster_ips, ["10.9.0.6"]);
        for (asked, why) in [
            ("10.9.0.5", "already allocated"),
            ("10.9.0.1", "not in the valid range"),
            ("10.9.0.15", "not in the valid range"),
            ("10.9.1.3", "not in the valid range"),
            ("nonsense", "not an IPv4 address"),
        ] {
            let mut s = svc("b");
            s.spec.cluster_ip = asked.into();
            let e = choose(&r, &mut s, None, &taken, 0).unwrap_err();
            assert_eq!(e.path, "spec.clusterIP");
            assert!(e.message.contains(why), "{asked}: {}", e.message);
        }
    }

    #[test]
    fn the_address_is_kept_on_update_and_may_not_change() {
        let r = small();
        let none = HashSet::new();
        let mut first = svc("a");
        choose(&r, &mut first, None, &none, 3).unwrap();
        let mut again = svc("a");
        choose(&r, &mut again, Some(&first), &none, 9).unwrap();
        assert_eq!(again.spec.cluster_ip, first.spec.cluster_ip);
        let mut moved = svc("a");
        moved.spec.cluster_ip = if first.spec.cluster_ip == "10.9.0.2" {
            "10.9.0.3".into()
        } else {
            "10.9.0.2".into()
        };
        let e = choose(&r, &mut moved, Some(&first), &none, 0).unwrap_err();
        assert!(e.message.contains("immutable"), "{}", e.message);
        // A service stored with the old shared address gets one of its own.
        let mut legacy = svc("a");
        legacy.spec.cluster_ip = CLUSTER_IP.into();
        let mut up = svc("a");
        choose(&r, &mut up, Some(&legacy), &none, 0).unwrap();
        assert!(up.spec.cluster_ip.starts_with("10.9.0."));
    }

    #[test]
    fn a_full_range_is_a_clear_error() {
        let r = small();
        let all: HashSet<Ipv4Addr> = (0..16).map(|i| Ipv4Addr::new(10, 9, 0, i)).collect();
        let e = choose(&r, &mut svc("a"), None, &all, 0).unwrap_err();
        assert_eq!(
            e.message,
            "no address is free in the service range 10.9.0.0/28"
        );
    }

    proptest! {
        /// Creating and deleting services in any order: no two live
        /// services share an address, every address is usable, and once
        /// the range is full a deletion makes room again.
        #[test]
        fn allocations_never_collide_and_freed_addresses_are_reused(
            ops in proptest::collection::vec((any::<bool>(), 0usize..20, any::<u64>()), 1..120)
        ) {
            let r = small();
            // 16 addresses minus .0, .1, .10 and .15: 12 usable.
            let mut live: Vec<(String, Ipv4Addr)> = vec![];
            for (i, (create, pick, seed)) in ops.into_iter().enumerate() {
                if create || live.is_empty() {
                    let taken: HashSet<Ipv4Addr> = live.iter().map(|(_, ip)| *ip).collect();
                    let mut s = svc(&format!("s{i}"));
                    match choose(&r, &mut s, None, &taken, seed) {
                        Ok(()) => {
                            let ip: Ipv4Addr = s.spec.cluster_ip.parse().unwrap();
                            prop_assert!(!taken.contains(&ip));
                            prop_assert!(r.usable(ip) && ip != Ipv4Addr::new(10, 9, 0, 10));
                            live.push((s.metadata.name.clone(), ip));
                        }
                        Err(_) => prop_assert_eq!(live.len(), 12),
                    }
                } else {
                    live.remove(pick % live.len());
                }
            }
            let set: HashSet<Ipv4Addr> = live.iter().map(|(_, ip)| *ip).collect();
            prop_assert_eq!(set.len(), live.len());
        }
    }

    #[test]
    fn a_freed_address_is_given_again_when_it_is_the_only_one() {
        let r = small();
        let mut taken: HashSet<Ipv4Addr> = HashSet::new();
        for i in 0..12 {
            let mut s = svc(&format!("s{i}"));
            choose(&r, &mut s, None, &taken, i).unwrap();
            taken.insert(s.spec.cluster_ip.parse().unwrap());
        }
        let freed: Ipv4Addr = "10.9.0.7".parse().unwrap();
        assert!(taken.remove(&freed));
        let mut s = svc("late");
        choose(&r, &mut s, None, &taken, 12345).unwrap();
        assert_eq!(s.spec.cluster_ip, freed.to_string());
    }
}
