//! The autoscaler's decisions, without a store: the replica calculation,
//! the stabilization window and bounds, then [`decide`] over named cases.

use super::decide::*;
use crate::api::autoscaling::HorizontalPodAutoscaler;
use crate::api::metrics::Usage;
use crate::api::{Pod, Time, find_condition};

fn pod(usage: Option<u64>, request: u64, ready: bool) -> PodSample {
    PodSample {
        usage,
        request: Some(request),
        ready,
    }
}

#[test]
fn desired_is_ceil_of_current_times_ratio() {
    // One pod at 1000m of a 200m request = 500% against 50%: 10 replicas.
    let r = recommend(1, &[pod(Some(1000), 200, true)], Target::Utilization(50)).unwrap();
    assert_eq!(
        r,
        Recommendation {
            replicas: 10,
            current: 500
        }
    );
    // Three pods at 20% against 50%: ceil(3 × 0.4) = 2.
    let pods = vec![pod(Some(20), 100, true); 3];
    assert_eq!(
        recommend(3, &pods, Target::Utilization(50))
            .unwrap()
            .replicas,
        2
    );
    // Average value: 300m per pod against 100m → 3× the pods.
    let pods = vec![
        PodSample {
            usage: Some(300),
            request: None,
            ready: true
        };
        2
    ];
    assert_eq!(
        recommend(2, &pods, Target::AverageValue(100))
            .unwrap()
            .replicas,
        6
    );
}

#[test]
fn changes_within_ten_percent_keep_the_replicas() {
    let pods = vec![pod(Some(54), 100, true); 4];
    assert_eq!(
        recommend(4, &pods, Target::Utilization(50))
            .unwrap()
            .replicas,
        4
    );
    let pods = vec![pod(Some(46), 100, true); 4];
    assert_eq!(
        recommend(4, &pods, Target::Utilization(50))
            .unwrap()
            .replicas,
        4
    );
}

#[test]
fn pods_without_metrics_damp_the_change() {
    // Scaling up: the pod without metrics counts as 0%: (100+0)/2 = 50% of
    // 40% target → ceil(1.25 × 2) = 3, not ceil(2.5 × 2) = 5.
    let pods = vec![pod(Some(100), 100, true), pod(None, 100, true)];
    assert_eq!(
        recommend(2, &pods, Target::Utilization(40))
            .unwrap()
            .replicas,
        3
    );
    // Scaling down: it counts as 100% of the target: (0+50)/2 = 25% of 50% → 1.
    let pods = vec![pod(Some(0), 100, true), pod(None, 100, true)];
    assert_eq!(
        recommend(2, &pods, Target::Utilization(50))
            .unwrap()
            .replicas,
        1
    );
    // Unready pods count as 0% on the way up and reverse nothing.
    let pods = vec![pod(Some(60), 100, true), pod(Some(90), 100, false)];
    assert_eq!(
        recommend(2, &pods, Target::Utilization(50))
            .unwrap()
            .replicas,
        2
    );
}

#[test]
fn utilization_without_requests_or_metrics_is_an_error() {
    let pods = vec![PodSample {
        usage: Some(10),
        request: None,
        ready: true,
    }];
    assert!(
        recommend(1, &pods, Target::Utilization(50))
            .unwrap_err()
            .contains("request")
    );
    let pods = vec![pod(None, 100, true)];
    assert!(recommend(1, &pods, Target::Utilization(50)).is_err());
}

#[test]
fn scale_down_waits_for_its_window_and_bounds_hold() {
    // Recommended 1 now, but 4 was recommended 100 s ago within a 300 s window.
    assert_eq!(stabilize(4, 1, &[(100, 4), (200, 3)], 300, 0, 1, 10), 4);
    // Outside the window the lower value wins.
    assert_eq!(stabilize(4, 1, &[(400, 4)], 300, 0, 1, 10), 1);
    // Never below min, never above max.
    assert_eq!(stabilize(4, 0, &[], 0, 0, 2, 10), 2);
    assert_eq!(stabilize(1, 10, &[], 300, 0, 1, 3), 3);
    // Scale-up is immediate by default, even right after a recommendation.
    assert_eq!(stabilize(1, 5, &[(0, 1), (10, 1)], 300, 0, 1, 10), 5);
    // With a scale-up window, the lowest recent recommendation holds it back.
    assert_eq!(stabilize(1, 5, &[(10, 2)], 300, 60, 1, 10), 2);
}

/// `n` pods requesting 100m CPU and 100Mi, ready or not, each using `cpu`
/// millicores and 300Mi (`None`: no usage reported yet).
fn pods(n: usize, cpu: Option<u64>, ready: bool) -> Vec<(Pod, Option<Usage>)> {
    (0..n)
        .map(|i| {
            let p = Pod::test(&format!("web-{i}"))
                .requesting("100m", "100Mi")
                .running(ready);
            let u = cpu.map(|cpu_milli| Usage {
                cpu_milli,
                memory_bytes: 300 << 20,
            });
            (p, u)
        })
        .collect()
}

/// `a` then `b`.
fn and(
    mut a: Vec<(Pod, Option<Usage>)>,
    b: Vec<(Pod, Option<Usage>)>,
) -> Vec<(Pod, Option<Usage>)> {
    let n = a.len();
    a.extend(b.into_iter().enumerate().map(|(i, (mut p, u))| {
        p.metadata.name = format!("web-{}", n + i);
        (p, u)
    }));
    a
}

/// One evaluation: the HPA, its target's replicas (`None`: the target is
/// gone), the pods, and the recommendations remembered so far.
struct Case {
    name: &'static str,
    hpa: HorizontalPodAutoscaler,
    replicas: Option<i32>,
    pods: Vec<(Pod, Option<Usage>)>,
    past: Option<Vec<(i64, i32)>>,
}

fn case(
    name: &'static str,
    hpa: HorizontalPodAutoscaler,
    replicas: Option<i32>,
    pods: Vec<(Pod, Option<Usage>)>,
) -> Case {
    Case {
        name,
        hpa,
        replicas,
        pods,
        past: None,
    }
}

impl Case {
    /// Earlier recommendations as (seconds ago, replicas).
    fn after(mut self, past: &[(i64, i32)]) -> Case {
        self.past = Some(past.to_vec());
        self
    }

    fn run(&self) -> Decision {
        let pods: Vec<(&Pod, Option<Usage>)> = self.pods.iter().map(|(p, u)| (p, *u)).collect();
        let scale = match self.replicas {
            Some(replicas) => Ok(Scale {
                replicas,
                pods: &pods,
            }),
            None => Err("the target Deployment \"web\" does not exist".to_string()),
        };
        decide(&self.hpa, scale, self.past.as_deref(), Time::now())
    }
}

fn cpu50() -> HorizontalPodAutoscaler {
    HorizontalPodAutoscaler::test("web").utilization("cpu", 50)
}

#[test]
fn decisions_follow_kubernetes_autoscaler() {
    let up = ("AbleToScale", "SucceededRescale");
    let same = ("AbleToScale", "ReadyForNewScale");
    let failed = ("ScalingActive", "FailedGetResourceMetric");
    let busy = |n, cpu| pods(n, Some(cpu), true);
    // (case, desired replicas in the status, rescale, the condition saying why)
    let table = [
        (
            case(
                "usage at the target keeps the size",
                cpu50(),
                Some(4),
                busy(4, 50),
            ),
            4,
            None,
            same,
        ),
        (
            case(
                "a change within the 10 % tolerance stays",
                cpu50(),
                Some(4),
                busy(4, 54),
            ),
            4,
            None,
            same,
        ),
        (
            case(
                "usage above the target scales up at once",
                cpu50(),
                Some(2),
                busy(2, 100),
            ),
            4,
            Some(4),
            up,
        ),
        (
            case(
                "a pod without metrics counts as 0 % on the way up",
                HorizontalPodAutoscaler::test("web").utilization("cpu", 40),
                Some(2),
                and(busy(1, 100), pods(1, None, true)),
            ),
            3,
            Some(3),
            up,
        ),
        (
            case(
                "an unready pod counts as 0 % on the way up and reverses nothing",
                cpu50(),
                Some(2),
                and(busy(1, 60), pods(1, Some(90), false)),
            ),
            2,
            None,
            same,
        ),
        (
            case(
                "a new autoscaler waits a whole window to scale down",
                cpu50(),
                Some(4),
                busy(4, 10),
            ),
            4,
            None,
            ("AbleToScale", "ScaleDownStabilized"),
        ),
        (
            case(
                "a higher recent recommendation holds a scale-down",
                cpu50(),
                Some(4),
                busy(4, 10),
            )
            .after(&[(200, 3), (100, 1)]),
            3,
            Some(3),
            up,
        ),
        (
            case(
                "a scale-down goes through after its window",
                cpu50(),
                Some(4),
                busy(4, 10),
            )
            .after(&[(301, 4)]),
            1,
            Some(1),
            up,
        ),
        (
            case(
                "behavior shortens the scale-down window",
                cpu50().scale_down_window(60),
                Some(4),
                busy(4, 10),
            )
            .after(&[(100, 4)]),
            1,
            Some(1),
            up,
        ),
        (
            case("never above max", cpu50(), Some(2), busy(2, 500)),
            10,
            Some(10),
            ("ScalingLimited", "TooManyReplicas"),
        ),
        (
            case(
                "never below min",
                cpu50().between(3, 10),
                Some(4),
                busy(4, 1),
            )
            .after(&[(400, 4)]),
            3,
            Some(3),
            ("ScalingLimited", "TooFewReplicas"),
        ),
        (
            case(
                "an average value compares usage per pod, not a share of requests",
                HorizontalPodAutoscaler::test("web").average_value("memory", "100Mi"),
                Some(2),
                busy(2, 10),
            ),
            6,
            Some(6),
            up,
        ),
        (
            case(
                "the highest recommendation of several metrics wins",
                cpu50().average_value("memory", "150Mi"),
                Some(2),
                busy(2, 50),
            ),
            4,
            Some(4),
            up,
        ),
        (
            case(
                "without usage the metric fails and the size stays",
                cpu50(),
                Some(2),
                pods(2, None, true),
            ),
            2,
            None,
            failed,
        ),
        (
            case(
                "utilization of pods without requests fails",
                cpu50(),
                Some(1),
                vec![(Pod::test("web-0").running(true), Some(Usage::default()))],
            ),
            1,
            None,
            failed,
        ),
        (
            case(
                "a target scaled to zero disables autoscaling",
                cpu50(),
                Some(0),
                vec![],
            ),
            0,
            None,
            ("ScalingActive", "ScalingDisabled"),
        ),
        (
            case(
                "a target that is gone cannot be scaled",
                cpu50(),
                None,
                vec![],
            ),
            0,
            None,
            ("AbleToScale", "FailedGetScale"),
        ),
    ];
    for (c, desired, rescale, (type_, reason)) in &table {
        let d = c.run();
        assert_eq!(d.status.desired_replicas, *desired, "{}", c.name);
        assert_eq!(d.rescale.map(|r| r.replicas), *rescale, "{}", c.name);
        let found = find_condition(&d.status.conditions, type_).map(|x| x.reason.as_str());
        assert_eq!(
            found,
            Some(*reason),
            "{}: {:#?}",
            c.name,
            d.status.conditions
        );
        assert_eq!(d.status.observed_generation, Some(1), "{}", c.name);
    }
}

#[test]
fn a_rescale_says_why_and_the_status_shows_the_current_value() {
    let d = case("up", cpu50(), Some(2), pods(2, Some(100), true)).run();
    let r = d.rescale.expect("a rescale");
    assert_eq!(
        r.message(),
        "New size: 4; reason: cpu resource utilization (percentage of request) above target"
    );
    assert_eq!(d.recommended, Some(4));
    assert!(d.status.last_scale_time.is_some());
    assert_eq!(d.status.current_replicas, 2);
    let current = &d.status.current_metrics[0]
        .resource
        .as_ref()
        .expect("a resource metric")
        .current;
    assert_eq!(current.average_utilization, Some(100));
}

#[test]
fn an_evaluation_without_a_recommendation_remembers_nothing() {
    let hpa = HorizontalPodAutoscaler::test("web");
    let d = case("no usage", hpa, Some(2), pods(2, None, true)).run();
    assert_eq!(d.recommended, None);
    let why = find_condition(&d.status.conditions, "ScalingActive").map(|x| x.message.as_str());
    assert_eq!(
        why,
        Some("failed to get cpu utilization: no ready pod reports metrics yet")
    );
}
