//! Which etcd members the store's requests go to. The etcd client balances
//! over every member it was given, and a member that died stays in its
//! balance: requests sent there fail, or wait for an answer that never
//! comes. This module probes each member on its own connection twice a
//! second and keeps in the balance only those that answer and see a raft
//! leader, so losing a minority of the members goes unnoticed. The choice is
//! the pure [`usable`]; [`run`] is the loop around it.
//!
//! It owns no store state and must not import anything of the store but
//! the etcd client it is given.

use etcd_client::Client;
use std::time::Duration;

/// How often every member is probed.
pub const PROBE_EVERY: Duration = Duration::from_millis(500);
/// How long a member has to answer a probe.
const PROBE_TIMEOUT: Duration = Duration::from_millis(800);

/// What a probe of one member found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Probe {
    /// It answered and knows the raft leader: it can take writes.
    Leader,
    /// It answered but sees no leader (it is cut off from a quorum, or an
    /// election is under way).
    NoLeader,
    /// It did not answer in time (stopped, unreachable, hung).
    Down,
}

/// Which members requests go to: those that answer and see a leader; when
/// none do, those that answer at all (they refuse at once, saying there is
/// no leader); when none answer, every member (a request then fails fast
/// instead of waiting for a member to come back).
pub fn usable(probes: &[Probe]) -> Vec<bool> {
    for wanted in [Probe::Leader, Probe::NoLeader] {
        if probes.contains(&wanted) {
            return probes.iter().map(|p| *p == wanted).collect();
        }
    }
    vec![true; probes.len()]
}

async fn probe(client: &mut Client) -> Probe {
    match tokio::time::timeout(PROBE_TIMEOUT, client.status()).await {
        Ok(Ok(s)) if s.leader() != 0 => Probe::Leader,
        Ok(Ok(_)) => Probe::NoLeader,
        _ => Probe::Down,
    }
}

/// Probes the members (`(url, a client of that member alone)`) until the
/// runtime it runs on stops, adding members to the balance of `client` and
/// removing them from it as [`usable`] says.
pub async fn run(client: Client, mut members: Vec<(String, Client)>) {
    let mut in_use = vec![true; members.len()];
    loop {
        tokio::time::sleep(PROBE_EVERY).await;
        let probes = futures::future::join_all(members.iter_mut().map(|(_, c)| probe(c))).await;
        let want = usable(&probes);
        for (i, (url, _)) in members.iter().enumerate() {
            if want[i] == in_use[i] {
                continue;
            }
            let changed = if want[i] {
                client.add_endpoint(url).await
            } else {
                client.remove_endpoint(url).await
            };
            match changed {
                Ok(()) => {
                    in_use[i] = want[i];
                    if want[i] {
                        tracing::info!(member = %url, "etcd member answers again; requests go to it");
                    } else {
                        tracing::warn!(member = %url, state = ?probes[i], "etcd member does not answer with a leader; requests go to the others");
                    }
                }
                // The balanced channel is gone: the client is shutting down.
                Err(_) => return,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Probe::*;

    #[test]
    fn requests_go_to_members_that_see_a_leader() {
        assert_eq!(usable(&[Leader, Leader, Leader]), [true, true, true]);
        assert_eq!(usable(&[Down, Leader, Leader]), [false, true, true]);
        assert_eq!(usable(&[NoLeader, Leader, Down]), [false, true, false]);
    }

    #[test]
    fn without_a_leader_requests_go_where_they_are_refused_at_once() {
        assert_eq!(usable(&[Down, NoLeader, Down]), [false, true, false]);
        assert_eq!(usable(&[Down, Down, Down]), [true, true, true]);
        assert_eq!(usable(&[]), Vec::<bool>::new());
    }
}
