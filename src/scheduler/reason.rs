//! Why a filter refused a node, as data: the one-line text Kubernetes writes
//! (counted into the pod's unschedulable summary) and the remedy `ork why`
//! suggests both come from the [`Reason`], so neither is parsed back out of
//! the other.

use crate::api::Protocol;
use std::fmt;

/// One reason a node cannot take a pod.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Reason {
    /// The node is cordoned (`spec.unschedulable`).
    Unschedulable,
    /// The node's Ready condition is not true.
    NodeNotReady,
    /// The node's labels match neither the pod's nodeSelector nor its
    /// required node affinity.
    NodeSelectorMismatch,
    /// A `NoSchedule` or `NoExecute` taint the pod does not tolerate.
    TaintNotTolerated { key: String, value: String },
    /// The node does not offer the runtime the pod names.
    RuntimeNotOffered(String),
    /// The node holds as many pods as it allows.
    TooManyPods,
    /// The pod's CPU request does not fit what is left.
    InsufficientCpu,
    /// The pod's memory request does not fit what is left.
    InsufficientMemory,
    /// A host port the pod asks for is taken on the node.
    HostPortTaken(i32, Protocol),
    /// A pod on the node (or in its domain) matches one of the pod's
    /// required anti-affinity terms.
    PodAntiAffinityConflict,
    /// A pod on the node (or in its domain) has a required anti-affinity
    /// term that selects the pod.
    ExistingPodAntiAffinity,
    /// The pod's request of an extended resource (`example.com/dongle`)
    /// does not fit what the node advertises and has left.
    InsufficientResource(String),
    /// The node lacks the label a `DoNotSchedule` spread constraint
    /// spreads over.
    SpreadMissingLabel,
    /// Placing the pod here would exceed a spread constraint's `maxSkew`.
    SpreadSkew,
    /// No pod the pod's required pod affinity wants is in the node's domain.
    PodAffinityUnmatched,
}

impl fmt::Display for Reason {
    /// The text Kubernetes writes for it (`Insufficient memory`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Unschedulable => f.write_str("node(s) were unschedulable"),
            Reason::NodeNotReady => f.write_str("node(s) were not ready"),
            Reason::NodeSelectorMismatch => {
                f.write_str("node(s) didn't match Pod's node affinity/selector")
            }
            Reason::TaintNotTolerated { key, value } => {
                write!(f, "node(s) had untolerated taint {{{key}: {value}}}")
            }
            Reason::RuntimeNotOffered(runtime) => {
                write!(f, "node(s) didn't offer runtime {runtime:?}")
            }
            Reason::TooManyPods => f.write_str("Too many pods"),
            Reason::InsufficientCpu => f.write_str("Insufficient cpu"),
            Reason::InsufficientMemory => f.write_str("Insufficient memory"),
            Reason::HostPortTaken(..) => {
                f.write_str("node(s) didn't have free ports for the requested pod ports")
            }
            Reason::PodAntiAffinityConflict => {
                f.write_str("node(s) didn't match pod anti-affinity rules")
            }
            Reason::ExistingPodAntiAffinity => {
                f.write_str("node(s) didn't satisfy existing pods anti-affinity rules")
            }
            Reason::InsufficientResource(name) => write!(f, "Insufficient {name}"),
            Reason::SpreadMissingLabel => f.write_str(
                "node(s) didn't match pod topology spread constraints (missing required label)",
            ),
            Reason::SpreadSkew => {
                f.write_str("node(s) didn't match pod topology spread constraints")
            }
            Reason::PodAffinityUnmatched => f.write_str("node(s) didn't match pod affinity rules"),
        }
    }
}

/// A reason is equal to its text, so tests and callers can compare it with
/// what Kubernetes writes.
impl PartialEq<&str> for Reason {
    fn eq(&self, text: &&str) -> bool {
        **text == self.to_string()
    }
}

impl Reason {
    /// What would make the pod fit `node`.
    pub fn remedy(&self, node: &str) -> String {
        let short = |res: &str| {
            format!(
                "free {res} on {node} (scale down or delete pods there), add a node, or lower the pod's {res} request"
            )
        };
        match self {
            Reason::InsufficientCpu => short("cpu"),
            Reason::InsufficientMemory => short("memory"),
            Reason::TaintNotTolerated { key, .. } => format!(
                "add a toleration for key {key:?} to the pod, or remove the taint: ork taint node {node} {key}-"
            ),
            Reason::NodeSelectorMismatch => format!(
                "change the pod's nodeSelector / node affinity, or start {node} with a matching --label"
            ),
            Reason::Unschedulable => format!("ork uncordon {node}"),
            Reason::NodeNotReady => format!("wait for {node}'s node daemon to report Ready again"),
            Reason::HostPortTaken(..) => {
                "free the host port on that node, or drop hostPort from the pod".into()
            }
            Reason::RuntimeNotOffered(_) => {
                "pick a runtimeClassName that node offers, or start a node with that runtime".into()
            }
            Reason::InsufficientResource(name) => format!(
                "start a node advertising {name} (`ork node --capacity {name}=N`), or free it on {node} (scale down or delete pods there)"
            ),
            Reason::SpreadMissingLabel => format!(
                "give {node} the label the constraint's topologyKey names (`--label`), or change the constraint"
            ),
            Reason::SpreadSkew => {
                "add a node in a less loaded domain, raise maxSkew, or use whenUnsatisfiable: ScheduleAnyway".into()
            }
            Reason::PodAffinityUnmatched => {
                "start a pod the affinity term selects in that domain, or relax the pod's podAffinity".into()
            }
            Reason::ExistingPodAntiAffinity => format!(
                "a pod on {node} or in its topology domain keeps pods like this one away (its podAntiAffinity): place this pod in another domain, or change that pod's rules"
            ),
            Reason::TooManyPods | Reason::PodAntiAffinityConflict => {
                "change the pod or the node so this filter passes".into()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_reason_reads_as_kubernetes_writes_it_and_names_a_remedy() {
        let taint = Reason::TaintNotTolerated {
            key: "dedicated".into(),
            value: "gpu".into(),
        };
        // (reason, text, part of the remedy for node n1)
        let table = [
            (
                Reason::Unschedulable,
                "node(s) were unschedulable",
                "ork uncordon n1",
            ),
            (
                Reason::NodeNotReady,
                "node(s) were not ready",
                "n1's node daemon",
            ),
            (
                Reason::NodeSelectorMismatch,
                "node(s) didn't match Pod's node affinity/selector",
                "start n1 with a matching --label",
            ),
            (
                taint,
                "node(s) had untolerated taint {dedicated: gpu}",
                "ork taint node n1 dedicated-",
            ),
            (
                Reason::RuntimeNotOffered("docker".into()),
                "node(s) didn't offer runtime \"docker\"",
                "pick a runtimeClassName",
            ),
            (
                Reason::TooManyPods,
                "Too many pods",
                "so this filter passes",
            ),
            (
                Reason::InsufficientCpu,
                "Insufficient cpu",
                "lower the pod's cpu request",
            ),
            (
                Reason::InsufficientMemory,
                "Insufficient memory",
                "free memory on n1",
            ),
            (
                Reason::HostPortTaken(8080, Protocol::TCP),
                "node(s) didn't have free ports for the requested pod ports",
                "drop hostPort from the pod",
            ),
            (
                Reason::PodAntiAffinityConflict,
                "node(s) didn't match pod anti-affinity rules",
                "so this filter passes",
            ),
            (
                Reason::ExistingPodAntiAffinity,
                "node(s) didn't satisfy existing pods anti-affinity rules",
                "that pod's rules",
            ),
            (
                Reason::InsufficientResource("example.com/dongle".into()),
                "Insufficient example.com/dongle",
                "ork node --capacity example.com/dongle=N",
            ),
            (
                Reason::SpreadMissingLabel,
                "node(s) didn't match pod topology spread constraints (missing required label)",
                "give n1 the label",
            ),
            (
                Reason::SpreadSkew,
                "node(s) didn't match pod topology spread constraints",
                "raise maxSkew",
            ),
            (
                Reason::PodAffinityUnmatched,
                "node(s) didn't match pod affinity rules",
                "relax the pod's podAffinity",
            ),
        ];
        for (reason, text, remedy) in table {
            assert_eq!(reason.to_string(), text);
            assert_eq!(reason, text);
            assert!(reason.remedy("n1").contains(remedy), "{reason:?}");
        }
    }
}
