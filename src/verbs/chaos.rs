//! The chaos actions `ork chaos` and the dashboard share: their names, the
//! Event reason each records on the Node (`ChaosKill`…), and [`Runner`], the
//! one way the dashboard runs them. The machines (containers on a Docker
//! network, `DATA/machines.json`) belong to the CLI, so the CLI hands the
//! dashboard a `Runner` that calls `ork chaos`'s own code: a kill from the
//! nodes view does exactly what `ork chaos kill` does.
//!
//! Plain types and a trait; no I/O here. May import nothing of ours.

use futures::future::BoxFuture;

/// What a chaos action does to a machine (or, for kill and restart, to the
/// control daemon: target [`CONTROL`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// SIGKILL of the machine: its pods die with it.
    Kill,
    /// Start a killed machine again.
    Restart,
    /// Freeze every process of the machine.
    Pause,
    /// Thaw a paused machine.
    Resume,
    /// Cut the machine off the network; it keeps running.
    Partition,
    /// Connect a partitioned machine again.
    Heal,
}

/// The target of kill and restart that means the control daemon.
pub const CONTROL: &str = "control";

impl Action {
    pub const ALL: [Action; 6] = [
        Action::Kill,
        Action::Restart,
        Action::Pause,
        Action::Resume,
        Action::Partition,
        Action::Heal,
    ];

    /// The word `ork chaos` takes for it.
    pub fn name(self) -> &'static str {
        match self {
            Action::Kill => "kill",
            Action::Restart => "restart",
            Action::Pause => "pause",
            Action::Resume => "resume",
            Action::Partition => "partition",
            Action::Heal => "heal",
        }
    }

    /// Whether it takes a machine away (rather than bringing it back).
    pub fn breaks(self) -> bool {
        matches!(self, Action::Kill | Action::Pause | Action::Partition)
    }
}

/// The Event reason of an action named `action` (`kill`…, and `flap`).
pub fn reason(action: &str) -> &'static str {
    match action {
        "kill" => "ChaosKill",
        "restart" => "ChaosRestart",
        "pause" => "ChaosPause",
        "resume" => "ChaosResume",
        "partition" => "ChaosPartition",
        "heal" => "ChaosHeal",
        "flap" => "ChaosFlap",
        _ => "Chaos",
    }
}

/// The action word of a chaos Event's reason (`ChaosKill` → `kill`); `None`
/// for other reasons.
pub fn action_of(reason: &str) -> Option<&'static str> {
    [
        "kill",
        "restart",
        "pause",
        "resume",
        "partition",
        "heal",
        "flap",
    ]
    .into_iter()
    .find(|a| self::reason(a) == reason)
}

/// Whether a chaos Event's reason takes its machine away.
pub fn reason_breaks(reason: &str) -> bool {
    matches!(
        reason,
        "ChaosKill" | "ChaosPause" | "ChaosPartition" | "ChaosFlap"
    )
}

/// Runs chaos actions on a cluster's machines.
pub trait Runner: Send + Sync {
    /// The machines' names (`node-1`…), as their Nodes are named.
    fn machines(&self) -> Vec<String>;
    /// Does `action` to machine `target` (or to the control daemon when
    /// `target` is [`CONTROL`]); what it did in one line, or why it failed.
    fn run(&self, action: Action, target: String) -> BoxFuture<'static, Result<String, String>>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_its_own_reason_and_is_read_back_from_it() {
        let mut reasons: Vec<&str> = Action::ALL.iter().map(|a| reason(a.name())).collect();
        for (a, r) in Action::ALL.iter().zip(&reasons) {
            assert_eq!(action_of(r), Some(a.name()));
            assert_eq!(reason_breaks(r), a.breaks(), "{r}");
        }
        assert_eq!(action_of("ChaosFlap"), Some("flap"));
        assert_eq!(action_of("NodeNotReady"), None);
        reasons.sort();
        reasons.dedup();
        assert_eq!(reasons.len(), Action::ALL.len());
    }
}
