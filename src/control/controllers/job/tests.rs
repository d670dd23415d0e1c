//! Table tests of the Job reconcile: state in, plan out.

use super::*;
use crate::api::batch::{
    CompletionMode, OnExitCodes, OnPodCondition, PodFailurePolicy, PodFailurePolicyRule,
    SuccessPolicy, SuccessPolicyRule,
};
use crate::api::testing::container;
use crate::api::{ContainerState, ContainerStateTerminated, ContainerStatus};

fn t(secs: i64) -> Time {
    Time(chrono::DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap())
}

/// A started Job `pi` with restartPolicy Never and Kubernetes' defaults.
fn job(completions: Option<i32>, parallelism: i32) -> Job {
    let mut j: Job = new_object("default", "pi");
    j.metadata.uid = "job-uid".into();
    j.spec.template.spec.containers = vec![container("main")];
    j.spec.template.spec.restart_policy = RestartPolicy::Never;
    j.spec.completions = completions;
    j.spec.parallelism = Some(parallelism);
    j.default_fields();
    j.generate_selector();
    j.status.start_time = Some(t(0));
    j
}

fn indexed(completions: i32, parallelism: i32) -> Job {
    let mut j = job(Some(completions), parallelism);
    j.spec.completion_mode = Some(CompletionMode::Indexed);
    j
}

struct P(Pod);
impl P {
    fn new(j: &Job, name: &str, index: Option<i32>, created: i64) -> Self {
        let mut p = pod_for(j, index);
        p.metadata.name = name.into();
        p.metadata.creation_timestamp = Some(t(created));
        P(p)
    }
    fn running(mut self) -> Self {
        self.0.spec.node_name = "n1".into();
        self.0.status.phase = PodPhase::Running;
        self
    }
    fn ready(mut self) -> Self {
        self.0.status.conditions = vec![Condition {
            type_: "Ready".into(),
            status: "True".into(),
            ..Default::default()
        }];
        self
    }
    fn exited(mut self, code: i32, at: i64) -> Self {
        self.0.spec.node_name = "n1".into();
        self.0.status.phase = if code == 0 {
            PodPhase::Succeeded
        } else {
            PodPhase::Failed
        };
        self.0.status.container_statuses = vec![ContainerStatus {
            name: "main".into(),
            state: ContainerState {
                terminated: Some(ContainerStateTerminated {
                    exit_code: code,
                    finished_at: Some(t(at)),
                    ..Default::default()
                }),
                ..Default::default()
            },
            ..Default::default()
        }];
        self
    }
    fn condition(mut self, type_: &str) -> Self {
        self.0.status.conditions.push(Condition {
            type_: type_.into(),
            status: "True".into(),
            ..Default::default()
        });
        self
    }
    fn terminating(mut self) -> Self {
        self.0.metadata.deletion_timestamp = Some(t(0));
        self
    }
    fn done(self) -> Arc<Pod> {
        Arc::new(self.0)
    }
}

fn cond<'a>(plan: &'a Plan, type_: &str) -> Option<&'a Condition> {
    plan.status
        .conditions
        .iter()
        .find(|c| c.type_ == type_ && c.is_true())
}

/// Applies a plan to the Job the way the loop writes it.
fn apply(j: &mut Job, plan: &Plan) {
    j.status = plan.status.clone();
}

#[test]
fn a_new_job_starts_parallelism_pods_and_no_more() {
    let mut j = job(Some(5), 2);
    j.status.start_time = None;
    let plan = reconcile(&j, &[], t(0));
    assert_eq!(plan.create, vec![None, None]);
    assert_eq!(plan.status.start_time, Some(t(0)));
    assert_eq!(plan.status.active, 2);
    // With two running, nothing more.
    let pods = [
        P::new(&j, "a", None, 0).running().done(),
        P::new(&j, "b", None, 0).running().ready().done(),
    ];
    let plan = reconcile(&j, &pods, t(5));
    assert!(plan.create.is_empty() && plan.delete.is_empty());
    assert_eq!((plan.status.active, plan.status.ready), (2, Some(1)));
}

#[test]
fn parallelism_is_never_exceeded_whatever_the_state() {
    // Table: (completions, parallelism, running, succeeded) → at most parallelism active.
    for (c, par, running, done) in [
        (Some(10), 3, 0, 0),
        (Some(10), 3, 2, 7),
        (Some(10), 3, 3, 8),
        (Some(2), 5, 0, 0),
        (None, 4, 1, 0),
        (Some(10), 2, 5, 0),
    ] {
        let j = job(c, par);
        let mut pods: Vec<Arc<Pod>> = (0..running)
            .map(|i| P::new(&j, &format!("r{i}"), None, i).running().done())
            .collect();
        pods.extend((0..done).map(|i| P::new(&j, &format!("d{i}"), None, 0).exited(0, 1).done()));
        let plan = reconcile(&j, &pods, t(10));
        let active = running as usize - plan.delete.len() + plan.create.len();
        assert!(
            active <= par as usize,
            "{c:?} {par} {running} {done}: {active}"
        );
        assert_eq!(plan.status.active as usize, active);
        if let Some(c) = c {
            assert!(
                active as i32 <= (c - done).max(0),
                "never more than what is left"
            );
        }
    }
}

#[test]
fn completions_reached_meet_the_criteria_then_complete() {
    let j = job(Some(2), 2);
    let pods = [
        P::new(&j, "a", None, 0).exited(0, 5).done(),
        P::new(&j, "b", None, 0).exited(0, 6).done(),
    ];
    let plan = reconcile(&j, &pods, t(10));
    assert_eq!(plan.status.succeeded, 2);
    assert!(plan.create.is_empty() && plan.delete.is_empty());
    assert_eq!(
        cond(&plan, "SuccessCriteriaMet").unwrap().reason,
        "CompletionsReached"
    );
    let c = cond(&plan, "Complete").unwrap();
    assert_eq!(c.message, "Reached expected number of succeeded pods");
    assert_eq!(plan.status.completion_time, Some(t(10)));
    assert_eq!(plan.events[0].reason, "Completed");
    // Finished pods are kept, and a finished Job does nothing more.
    let mut done = j.clone();
    apply(&mut done, &plan);
    let again = reconcile(&done, &pods, t(20));
    assert!(again.delete.is_empty() && again.create.is_empty() && !again.delete_job);
    assert_eq!(again.status, done.status);
}

#[test]
fn indexed_jobs_run_each_index_once_lowest_first() {
    let j = indexed(3, 2);
    let plan = reconcile(&j, &[], t(0));
    assert_eq!(plan.create, vec![Some(0), Some(1)]);
    // Index 0 done, 1 running: 2 is next, and 0 is never run again.
    let pods = [
        P::new(&j, "pi-0-a", Some(0), 0).exited(0, 3).done(),
        P::new(&j, "pi-1-a", Some(1), 0).running().done(),
    ];
    let plan = reconcile(&j, &pods, t(4));
    assert_eq!(plan.create, vec![Some(2)]);
    assert_eq!(plan.status.completed_indexes.as_deref(), Some("0"));
    // A second pod for a held or completed index is deleted.
    let pods = [
        P::new(&j, "pi-0-a", Some(0), 0).exited(0, 3).done(),
        P::new(&j, "pi-0-b", Some(0), 1).running().done(),
        P::new(&j, "pi-1-a", Some(1), 0).running().done(),
        P::new(&j, "pi-1-b", Some(1), 2).running().done(),
    ];
    let plan = reconcile(&j, &pods, t(4));
    assert_eq!(plan.delete, vec!["pi-0-b", "pi-1-b"]);
    assert_eq!(plan.create, vec![Some(2)]);
    // All three done: complete, with the indexes in interval form.
    let pods = [
        P::new(&j, "a", Some(0), 0).exited(0, 3).done(),
        P::new(&j, "b", Some(1), 0).exited(0, 3).done(),
        P::new(&j, "c", Some(2), 0).exited(0, 3).done(),
    ];
    let plan = reconcile(&j, &pods, t(4));
    assert_eq!(plan.status.completed_indexes.as_deref(), Some("0-2"));
    assert!(cond(&plan, "Complete").is_some());
}

#[test]
fn indexed_pods_carry_their_index() {
    let p = pod_for(&indexed(3, 1), Some(2));
    assert_eq!(p.metadata.generate_name, "pi-2-");
    assert_eq!(p.metadata.annotations[COMPLETION_INDEX], "2");
    assert_eq!(p.metadata.labels[COMPLETION_INDEX], "2");
    let env = &p.spec.containers[0].env;
    let e = env.iter().find(|e| e.name == COMPLETION_INDEX_ENV).unwrap();
    assert_eq!(
        e.value_from
            .as_ref()
            .unwrap()
            .field_ref
            .as_ref()
            .unwrap()
            .field_path,
        "metadata.annotations['batch.kubernetes.io/job-completion-index']"
    );
    assert_eq!(p.metadata.labels[crate::api::batch::JOB_NAME], "pi");
    assert_eq!(p.metadata.controller().unwrap().kind, "Job");
}

#[test]
fn failures_wait_an_exponential_backoff() {
    let j = job(Some(1), 1);
    // One failure at t=10: the replacement waits until t=20.
    let pods = [P::new(&j, "a", None, 0).exited(1, 10).done()];
    let plan = reconcile(&j, &pods, t(15));
    assert!(plan.create.is_empty());
    assert_eq!(plan.requeue, Some(Duration::from_secs(5)));
    assert_eq!(plan.status.failed, 1);
    let plan = reconcile(&j, &pods, t(20));
    assert_eq!(plan.create, vec![None]);
    // Two failures: 20 s after the last.
    let pods = [
        P::new(&j, "a", None, 0).exited(1, 10).done(),
        P::new(&j, "b", None, 0).exited(1, 30).done(),
    ];
    assert!(reconcile(&j, &pods, t(45)).create.is_empty());
    assert_eq!(reconcile(&j, &pods, t(50)).create, vec![None]);
    assert_eq!(backoff_delay(1), Duration::from_secs(10));
    assert_eq!(backoff_delay(3), Duration::from_secs(40));
    assert_eq!(backoff_delay(30), BACKOFF_MAX);
}

#[test]
fn the_backoff_limit_fails_the_job_after_its_pods_stop() {
    let mut j = job(Some(1), 1);
    j.spec.backoff_limit = Some(1);
    let pods = [
        P::new(&j, "a", None, 0).exited(3, 5).done(),
        P::new(&j, "b", None, 0).exited(3, 20).done(),
    ];
    let plan = reconcile(&j, &pods, t(21));
    assert_eq!(plan.status.failed, 2);
    let f = cond(&plan, "Failed").unwrap();
    assert_eq!(f.reason, "BackoffLimitExceeded");
    assert_eq!(f.message, "Job has reached the specified backoff limit");
    assert!(cond(&plan, "FailureTarget").is_some());
    assert_eq!(plan.status.completion_time, None);
    assert_eq!(plan.events[0].type_, EventType::Warning);
    // With a pod still running: FailureTarget, the pod deleted, Failed later.
    let pods = [
        P::new(&j, "a", None, 0).exited(3, 5).done(),
        P::new(&j, "b", None, 0).exited(3, 20).done(),
        P::new(&j, "c", None, 0).running().done(),
    ];
    let plan = reconcile(&j, &pods, t(21));
    assert_eq!(plan.delete, vec!["c"]);
    assert!(cond(&plan, "FailureTarget").is_some());
    assert!(cond(&plan, "Failed").is_none());
    let mut target = j.clone();
    apply(&mut target, &plan);
    let gone = [
        P::new(&j, "a", None, 0).exited(3, 5).done(),
        P::new(&j, "b", None, 0).exited(3, 20).done(),
        P::new(&j, "c", None, 0).running().terminating().done(),
    ];
    assert!(cond(&reconcile(&target, &gone, t(22)), "Failed").is_none());
    let plan = reconcile(&target, &gone[..2], t(23));
    assert_eq!(
        cond(&plan, "Failed").unwrap().reason,
        "BackoffLimitExceeded"
    );
}

#[test]
fn on_failure_restarts_count_against_the_limit() {
    let mut j = job(Some(1), 1);
    j.spec.template.spec.restart_policy = RestartPolicy::OnFailure;
    j.spec.backoff_limit = Some(2);
    let mut p = P::new(&j, "a", None, 0).running();
    p.0.status.container_statuses = vec![ContainerStatus {
        name: "main".into(),
        restart_count: 2,
        ..Default::default()
    }];
    let plan = reconcile(&j, &[p.done()], t(5));
    assert_eq!(plan.delete, vec!["a"]);
    assert_eq!(
        cond(&plan, "FailureTarget").unwrap().reason,
        "BackoffLimitExceeded"
    );
}

#[test]
fn the_active_deadline_fails_the_job() {
    let mut j = job(Some(1), 1);
    j.spec.active_deadline_seconds = Some(30);
    let pods = [P::new(&j, "a", None, 0).running().done()];
    let plan = reconcile(&j, &pods, t(10));
    assert_eq!(plan.requeue, Some(Duration::from_secs(20)));
    let plan = reconcile(&j, &pods, t(30));
    assert_eq!(plan.delete, vec!["a"]);
    let c = cond(&plan, "FailureTarget").unwrap();
    assert_eq!(
        (c.reason.as_str(), c.message.as_str()),
        (
            "DeadlineExceeded",
            "Job was active longer than specified deadline"
        )
    );
}

#[test]
fn the_time_to_live_deletes_a_finished_job() {
    let mut j = job(Some(1), 1);
    j.spec.ttl_seconds_after_finished = Some(100);
    j.status.conditions = vec![condition("Complete", "CompletionsReached", "", t(10))];
    j.status.completion_time = Some(t(10));
    let plan = reconcile(&j, &[], t(50));
    assert!(!plan.delete_job);
    assert_eq!(plan.requeue, Some(Duration::from_secs(60)));
    assert!(reconcile(&j, &[], t(110)).delete_job);
}

#[test]
fn suspending_stops_the_pods_and_resuming_starts_again() {
    let mut j = job(Some(3), 2);
    j.spec.suspend = Some(true);
    let pods = [P::new(&j, "a", None, 0).running().done()];
    let plan = reconcile(&j, &pods, t(5));
    assert_eq!(plan.delete, vec!["a"]);
    assert!(plan.create.is_empty());
    assert_eq!(cond(&plan, "Suspended").unwrap().reason, "JobSuspended");
    assert_eq!(plan.status.start_time, None);
    assert_eq!(plan.events[0].reason, "Suspended");
    apply(&mut j, &plan);
    j.spec.suspend = Some(false);
    let plan = reconcile(&j, &[], t(9));
    assert_eq!(plan.create.len(), 2);
    assert!(cond(&plan, "Suspended").is_none());
    assert_eq!(plan.status.start_time, Some(t(9)));
    assert_eq!(plan.events[0].reason, "Resumed");
}

#[test]
fn a_work_queue_ends_at_the_first_success_once_the_rest_stop() {
    let j = job(None, 3);
    let pods = [
        P::new(&j, "a", None, 0).exited(0, 5).done(),
        P::new(&j, "b", None, 0).running().done(),
    ];
    let plan = reconcile(&j, &pods, t(6));
    assert!(
        plan.create.is_empty() && plan.delete.is_empty(),
        "no new pod after a success"
    );
    assert!(cond(&plan, "Complete").is_none());
    let pods = [
        P::new(&j, "a", None, 0).exited(0, 5).done(),
        P::new(&j, "b", None, 0).exited(0, 7).done(),
    ];
    assert!(cond(&reconcile(&j, &pods, t(8)), "Complete").is_some());
}

fn exit_rule(
    action: PodFailurePolicyAction,
    op: ExitCodeOperator,
    values: Vec<i32>,
) -> PodFailurePolicyRule {
    PodFailurePolicyRule {
        action,
        on_exit_codes: Some(OnExitCodes {
            container_name: None,
            operator: op,
            values,
        }),
        on_pod_conditions: vec![],
    }
}

#[test]
fn pod_failure_policy_rules_apply_in_order() {
    let mut j = job(Some(1), 1);
    j.spec.pod_failure_policy = Some(PodFailurePolicy {
        rules: vec![
            PodFailurePolicyRule {
                action: PodFailurePolicyAction::Ignore,
                on_exit_codes: None,
                on_pod_conditions: vec![OnPodCondition {
                    type_: "DisruptionTarget".into(),
                    status: String::new(),
                }],
            },
            exit_rule(
                PodFailurePolicyAction::FailJob,
                ExitCodeOperator::In,
                vec![42],
            ),
            exit_rule(
                PodFailurePolicyAction::Count,
                ExitCodeOperator::In,
                vec![42, 43],
            ),
            exit_rule(
                PodFailurePolicyAction::Ignore,
                ExitCodeOperator::NotIn,
                vec![1],
            ),
        ],
    });
    // (exit code, disrupted) → verdict.
    for (code, disrupted, want) in [
        (42, false, "FailJob"),
        (42, true, "Ignore"),
        (43, false, "Count"),
        (1, false, "Count"),
        (7, false, "Ignore"),
    ] {
        let mut p = P::new(&j, "a", None, 0).exited(code, 1);
        if disrupted {
            p = p.condition("DisruptionTarget");
        }
        let v = judge(&j, &p.0);
        let got = match &v {
            Verdict::FailJob(_) => "FailJob",
            Verdict::Ignore => "Ignore",
            Verdict::Count => "Count",
            Verdict::FailIndex => "FailIndex",
        };
        assert_eq!(got, want, "exit {code} disrupted {disrupted}");
    }
    let pods = [P::new(&j, "a", None, 0).exited(42, 1).done()];
    let plan = reconcile(&j, &pods, t(2));
    let f = cond(&plan, "Failed").unwrap();
    assert_eq!(f.reason, "PodFailurePolicy");
    assert_eq!(
        f.message,
        "Container main for pod default/a failed with exit code 42 matching FailJob rule at index 1"
    );
    // An ignored failure is not counted and is replaced at once.
    let pods = [P::new(&j, "a", None, 0).exited(7, 1).done()];
    let plan = reconcile(&j, &pods, t(2));
    assert_eq!((plan.status.failed, plan.create.len()), (0, 1));
}

#[test]
fn a_container_name_limits_an_exit_code_rule() {
    let mut j = job(Some(1), 1);
    let mut rule = exit_rule(
        PodFailurePolicyAction::FailJob,
        ExitCodeOperator::In,
        vec![5],
    );
    rule.on_exit_codes.as_mut().unwrap().container_name = Some("other".into());
    j.spec.pod_failure_policy = Some(PodFailurePolicy { rules: vec![rule] });
    let p = P::new(&j, "a", None, 0).exited(5, 1);
    assert_eq!(judge(&j, &p.0), Verdict::Count);
}

#[test]
fn backoff_limit_per_index_fails_indexes_not_the_job() {
    let mut j = indexed(3, 3);
    j.spec.backoff_limit_per_index = Some(1);
    j.spec.backoff_limit = None;
    j.spec.max_failed_indexes = Some(1);
    let pods = [
        P::new(&j, "a", Some(0), 0).exited(1, 1).done(),
        P::new(&j, "b", Some(0), 0).exited(1, 20).done(),
        P::new(&j, "c", Some(1), 0).running().done(),
        P::new(&j, "d", Some(2), 0).exited(0, 3).done(),
    ];
    let plan = reconcile(&j, &pods, t(30));
    assert_eq!(plan.status.failed_indexes.as_deref(), Some("0"));
    assert!(
        plan.create.is_empty(),
        "index 0 is failed, 1 runs, 2 is done"
    );
    assert!(cond(&plan, "FailureTarget").is_none());
    // Index 1 done too: the Job fails with failed indexes.
    let pods = [
        P::new(&j, "a", Some(0), 0).exited(1, 1).done(),
        P::new(&j, "b", Some(0), 0).exited(1, 20).done(),
        P::new(&j, "c", Some(1), 0).exited(0, 25).done(),
        P::new(&j, "d", Some(2), 0).exited(0, 3).done(),
    ];
    let plan = reconcile(&j, &pods, t(30));
    assert_eq!(cond(&plan, "Failed").unwrap().reason, "FailedIndexes");
    // Two failed indexes exceed maxFailedIndexes 1.
    let pods = [
        P::new(&j, "a", Some(0), 0).exited(1, 1).done(),
        P::new(&j, "b", Some(0), 0).exited(1, 20).done(),
        P::new(&j, "c", Some(1), 0).exited(1, 1).done(),
        P::new(&j, "e", Some(1), 0).exited(1, 21).done(),
    ];
    let plan = reconcile(&j, &pods, t(30));
    assert_eq!(
        cond(&plan, "Failed").unwrap().reason,
        "MaxFailedIndexesExceeded"
    );
}

#[test]
fn fail_index_fails_only_that_index() {
    let mut j = indexed(2, 2);
    j.spec.backoff_limit_per_index = Some(3);
    j.spec.pod_failure_policy = Some(PodFailurePolicy {
        rules: vec![exit_rule(
            PodFailurePolicyAction::FailIndex,
            ExitCodeOperator::In,
            vec![9],
        )],
    });
    let pods = [
        P::new(&j, "a", Some(0), 0).exited(9, 1).done(),
        P::new(&j, "b", Some(1), 0).running().done(),
    ];
    let plan = reconcile(&j, &pods, t(30));
    assert_eq!(plan.status.failed_indexes.as_deref(), Some("0"));
    assert!(plan.create.is_empty());
}

#[test]
fn a_success_policy_completes_early_and_stops_the_rest() {
    let mut j = indexed(5, 5);
    j.spec.success_policy = Some(SuccessPolicy {
        rules: vec![SuccessPolicyRule {
            succeeded_indexes: Some("0-2".into()),
            succeeded_count: Some(2),
        }],
    });
    let pods = [
        P::new(&j, "a", Some(0), 0).exited(0, 1).done(),
        P::new(&j, "b", Some(3), 0).exited(0, 1).done(),
        P::new(&j, "c", Some(1), 0).running().done(),
    ];
    let plan = reconcile(&j, &pods, t(2));
    assert!(
        cond(&plan, "SuccessCriteriaMet").is_none(),
        "only one of 0-2 succeeded"
    );
    let pods = [
        P::new(&j, "a", Some(0), 0).exited(0, 1).done(),
        P::new(&j, "b", Some(2), 0).exited(0, 1).done(),
        P::new(&j, "c", Some(1), 0).running().done(),
    ];
    let plan = reconcile(&j, &pods, t(2));
    let c = cond(&plan, "SuccessCriteriaMet").unwrap();
    assert_eq!(
        (c.reason.as_str(), c.message.as_str()),
        ("SuccessPolicy", "Matched rules at index 0")
    );
    assert_eq!(plan.delete, vec!["c"]);
    assert!(
        cond(&plan, "Complete").is_none(),
        "complete once the rest stopped"
    );
}

#[test]
fn reconciling_a_settled_job_changes_nothing() {
    let j = job(Some(3), 1);
    let pods = [
        P::new(&j, "a", None, 0).exited(0, 1).done(),
        P::new(&j, "b", None, 2).running().ready().done(),
    ];
    let mut settled = j.clone();
    apply(&mut settled, &reconcile(&j, &pods, t(5)));
    let again = reconcile(&settled, &pods, t(6));
    assert!(again.create.is_empty() && again.delete.is_empty() && again.events.is_empty());
    assert_eq!(again.status, settled.status);
}

#[test]
fn lowering_parallelism_deletes_the_least_advanced() {
    let j = job(Some(10), 1);
    let pods = [
        P::new(&j, "old-ready", None, 0).running().ready().done(),
        P::new(&j, "pending", None, 5).done(),
    ];
    let plan = reconcile(&j, &pods, t(6));
    assert_eq!(plan.delete, vec!["pending"]);
    assert_eq!(plan.status.active, 1);
}

#[test]
fn creation_is_batched() {
    let j = job(Some(5000), 5000);
    let plan = reconcile(&j, &[], t(0));
    assert_eq!(plan.create.len(), MAX_CREATE);
    assert_eq!(plan.requeue, Some(Duration::ZERO));
}
