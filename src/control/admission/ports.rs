//! Service ports: every ClusterIP service port gets a cluster port
//! (20000–29999) and, for NodePort and LoadBalancer services, a node port (30000–32767),
//! unique across the cluster, that every node serves. A port is kept from
//! the stored service for the same port, else taken free from a random
//! place in its range, as Kubernetes allocates node ports.

use super::cluster_ip;
use crate::api::FieldError;
use crate::api::service::{CLUSTER_PORTS, HEADLESS, NODE_PORTS, Service, ServiceRange};
use crate::control::store::{StoreError, Tx};
use std::collections::HashSet;
use std::ops::RangeInclusive;

/// Allocates `svc`'s ports against every other service the transaction sees.
pub fn admit(tx: &Tx<'_>, svc: &mut Service, old: Option<&Service>) -> Result<(), StoreError> {
    let (ns, name) = (&svc.metadata.namespace, &svc.metadata.name);
    let all = tx.list::<Service>(None);
    let ips = cluster_ip::taken(all.iter().map(|s| s.as_ref()), ns, name);
    let taken: HashSet<i32> = all
        .iter()
        .filter(|o| !(o.metadata.namespace == *ns && o.metadata.name == *name))
        .flat_map(|o| {
            o.spec
                .ports
                .iter()
                .flat_map(|p| p.cluster_port.into_iter().chain(p.node_port))
                .collect::<Vec<_>>()
        })
        .collect();
    let seed = uuid::Uuid::new_v4().as_u128() as u64;
    let range = cluster_ip::range();
    allocate(svc, old, &taken, seed)
        .and_then(|()| address(&range, svc, old, &ips, seed))
        .map_err(|e| StoreError::Invalid {
            kind: crate::api::Kind::Service,
            name: svc.metadata.name.clone(),
            errors: vec![e],
        })
}

/// One range ports are allocated from, and how its refusals read.
struct Pool {
    range: RangeInclusive<i32>,
    field: &'static str,
    noun: &'static str,
    /// How a port the client gave is named when another service has it.
    given: &'static str,
}

const CLUSTER: Pool = Pool {
    range: CLUSTER_PORTS,
    field: "clusterPort",
    noun: "cluster port",
    given: "port",
};

const NODE: Pool = Pool {
    range: NODE_PORTS,
    field: "nodePort",
    noun: "node port",
    given: "provided port",
};

impl Pool {
    /// The port for service port `i`: the one given (refused when another
    /// service has it), else the one `kept` from before, else a free one.
    fn choose(
        &self,
        i: usize,
        given: Option<i32>,
        kept: Option<i32>,
        used: &mut HashSet<i32>,
        taken: &HashSet<i32>,
        seed: u64,
    ) -> Result<i32, FieldError> {
        let path = || format!("spec.ports[{i}].{}", self.field);
        if let Some(p) = given {
            if taken.contains(&p) {
                return Err(FieldError::new(
                    path(),
                    format!("{} {p} is already allocated to another service", self.given),
                ));
            }
            return Ok(p);
        }
        let p = kept.or_else(|| self.free(used, seed)).ok_or_else(|| {
            FieldError::new(
                path(),
                format!(
                    "no {} is free ({}-{})",
                    self.noun,
                    self.range.start(),
                    self.range.end()
                ),
            )
        })?;
        used.insert(p);
        Ok(p)
    }

    /// The first port of the range not in `used`, scanning from an offset
    /// `seed` picks (so two clusters on one machine rarely pick the same ports).
    fn free(&self, used: &HashSet<i32>, seed: u64) -> Option<i32> {
        let (lo, n) = (
            *self.range.start(),
            self.range.end() - self.range.start() + 1,
        );
        let start = (seed % n as u64) as i32;
        (0..n)
            .map(|i| lo + (start + i) % n)
            .find(|p| !used.contains(p))
    }
}

/// The cluster IP of a service whose ports are allocated: none for a
/// headless or ExternalName one.
fn address(
    range: &ServiceRange,
    svc: &mut Service,
    old: Option<&Service>,
    ips: &HashSet<std::net::Ipv4Addr>,
    seed: u64,
) -> Result<(), FieldError> {
    if svc.is_headless() || svc.spec.type_ == "ExternalName" {
        return Ok(());
    }
    cluster_ip::choose(range, svc, old, ips, seed)
}

/// Fills in cluster ports and node ports: kept from `old` for
/// the same port, else a free one from a random place in the range, `seed`
/// being that randomness. `taken` holds the ports other services use.
/// Errors name the field.
fn allocate(
    svc: &mut Service,
    old: Option<&Service>,
    taken: &HashSet<i32>,
    seed: u64,
) -> Result<(), FieldError> {
    // A headless service stays headless when a manifest leaves the field
    // out, and neither kind turns into the other (the field is immutable).
    let was_headless = old.is_some_and(Service::is_headless);
    if svc.spec.cluster_ip.is_empty() && was_headless {
        svc.spec.cluster_ip = HEADLESS.to_string();
    }
    if old.is_some() && svc.is_headless() != was_headless {
        return Err(FieldError::new(
            "spec.clusterIP",
            "field is immutable: a service becomes headless (or stops being) only by deleting and creating it again",
        ));
    }
    // An ExternalName service is a DNS alias: no address, no ports served.
    if svc.spec.type_ == "ExternalName" {
        svc.spec.cluster_ip.clear();
        svc.spec.cluster_ips.clear();
        for p in &mut svc.spec.ports {
            p.cluster_port = None;
            p.node_port = None;
        }
        return Ok(());
    }
    if svc.is_headless() {
        svc.spec.cluster_ips = vec![HEADLESS.to_string()];
        for p in &mut svc.spec.ports {
            p.cluster_port = None;
            p.node_port = None;
        }
        return Ok(());
    }
    if svc.spec.type_ == "ExternalName" {
        svc.spec.cluster_ip.clear();
        svc.spec.cluster_ips.clear();
        for p in &mut svc.spec.ports {
            p.cluster_port = None;
            p.node_port = None;
        }
        return Ok(());
    }
    let node_port = svc.is_node_port();
    let mut used: HashSet<i32> = taken.clone();
    for p in &svc.spec.ports {
        used.extend(p.cluster_port);
        if node_port {
            used.extend(p.node_port);
        }
    }
    for (i, p) in svc.spec.ports.iter_mut().enumerate() {
        let before = old.and_then(|o| {
            o.spec
                .ports
                .iter()
                .find(|q| q.name == p.name && q.port == p.port)
        });
        let kept = |f: fn(&crate::api::service::ServicePort) -> Option<i32>| before.and_then(f);
        p.cluster_port = Some(CLUSTER.choose(
            i,
            p.cluster_port,
            kept(|b| b.cluster_port),
            &mut used,
            taken,
            seed,
        )?);
        p.node_port = if node_port {
            Some(NODE.choose(
                i,
                p.node_port,
                kept(|b| b.node_port),
                &mut used,
                taken,
                seed,
            )?)
        } else {
            None
        };
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn svc(node_port: bool) -> Service {
        let mut s = Service::test("web-api");
        if node_port {
            s.spec.type_ = "NodePort".into();
        }
        s
    }

    #[test]
    fn ports_are_allocated_kept_across_updates_and_never_shared() {
        let taken: HashSet<i32> = [20000, 30000].into();
        let mut s = svc(true);
        allocate(&mut s, None, &taken, 0).unwrap();
        assert_eq!(s.spec.ports[0].cluster_port, Some(20001));
        assert_eq!(s.spec.ports[0].node_port, Some(30001));
        // A re-applied manifest without the ports keeps them.
        let mut again = svc(true);
        allocate(&mut again, Some(&s), &taken, 7).unwrap();
        assert_eq!(again.spec.ports, s.spec.ports);
        // A node port someone else has is refused, naming the field.
        let mut clash = svc(true);
        clash.spec.ports[0].node_port = Some(30000);
        let e = allocate(&mut clash, None, &taken, 0).unwrap_err();
        assert_eq!(e.path, "spec.ports[0].nodePort");
        // ClusterIP services carry no node port.
        let mut c = svc(false);
        c.spec.ports[0].node_port = Some(30005);
        allocate(&mut c, None, &taken, 0).unwrap();
        assert_eq!(c.spec.ports[0].node_port, None);
        // The seed moves where the scan starts, wrapping at the end.
        let mut r = svc(false);
        allocate(&mut r, None, &[29999].into(), 9999).unwrap();
        assert_eq!(r.spec.ports[0].cluster_port, Some(20000));
    }

    #[test]
    fn headless_services_get_no_ports_stay_headless_and_never_switch() {
        let mut h = svc(false);
        h.spec.cluster_ip = HEADLESS.into();
        allocate(&mut h, None, &HashSet::new(), 0).unwrap();
        assert_eq!(h.spec.cluster_ips, [HEADLESS]);
        assert_eq!(h.spec.ports[0].cluster_port, None);
        // Re-applied without the field, it stays headless.
        let mut again = svc(false);
        allocate(&mut again, Some(&h), &HashSet::new(), 0).unwrap();
        assert!(again.is_headless());
        // A ClusterIP service cannot become headless in place.
        let mut c = svc(false);
        allocate(&mut c, None, &HashSet::new(), 0).unwrap();
        let mut switch = svc(false);
        switch.spec.cluster_ip = HEADLESS.into();
        let e = allocate(&mut switch, Some(&c), &HashSet::new(), 0).unwrap_err();
        assert_eq!(e.path, "spec.clusterIP");
    }
}
