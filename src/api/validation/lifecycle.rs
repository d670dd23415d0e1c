//! Lifecycle hooks (`containers[].lifecycle.postStart|preStop`): exactly one
//! handler of `exec`, `httpGet`, `sleep`; `tcpSocket` refused by name (it is
//! kept in Kubernetes for compatibility only and does nothing there); not on
//! init containers other than sidecars. Also `terminationMessagePath`
//! (absolute) and `terminationMessagePolicy` (`File` or `FallbackToLogsOnError`).

use super::super::pod::{Container, LifecycleHandler, PodSpec};
use super::FieldError;

fn validate_handler(path: &str, c: &Container, h: &LifecycleHandler, errs: &mut Vec<FieldError>) {
    if h.tcp_socket.is_some() {
        errs.push(FieldError::new(
            format!("{path}.tcpSocket"),
            "not supported by ork (Kubernetes keeps it for compatibility only and never runs it): use exec, httpGet or sleep",
        ));
    }
    let n = [h.exec.is_some(), h.http_get.is_some(), h.sleep.is_some()]
        .iter()
        .filter(|x| **x)
        .count();
    if n == 0 && h.tcp_socket.is_none() {
        errs.push(FieldError::new(
            path.to_string(),
            "needs one of exec, httpGet or sleep",
        ));
    } else if n > 1 {
        errs.push(FieldError::new(
            path.to_string(),
            "may have only one of exec, httpGet and sleep",
        ));
    }
    if let Some(e) = &h.exec
        && e.command.is_empty()
    {
        errs.push(FieldError::new(
            format!("{path}.exec.command"),
            "must not be empty",
        ));
    }
    if let Some(g) = &h.http_get {
        match c.resolve_port(&g.port) {
            Some(p) if (1..=65535).contains(&p) => {}
            Some(p) => errs.push(FieldError::new(
                format!("{path}.httpGet.port"),
                format!("{p} must be between 1 and 65535"),
            )),
            None => errs.push(FieldError::new(
                format!("{path}.httpGet.port"),
                format!("{:?} names no port of this container", g.port),
            )),
        }
        if let Some(s) = &g.scheme
            && s != "HTTP"
        {
            errs.push(FieldError::new(
                format!("{path}.httpGet.scheme"),
                format!("{s:?}: ork sends hooks over HTTP only"),
            ));
        }
    }
    if let Some(s) = &h.sleep
        && s.seconds < 0
    {
        errs.push(FieldError::new(
            format!("{path}.sleep.seconds"),
            "must not be negative",
        ));
    }
}

pub(super) fn validate_lifecycles(path: &str, spec: &PodSpec, errs: &mut Vec<FieldError>) {
    let all = spec
        .init_containers
        .iter()
        .enumerate()
        .map(|(i, c)| (format!("{path}.initContainers[{i}]"), c, true))
        .chain(
            spec.containers
                .iter()
                .enumerate()
                .map(|(i, c)| (format!("{path}.containers[{i}]"), c, false)),
        );
    for (cp, c, init) in all {
        if !matches!(
            c.termination_message_policy.as_str(),
            "" | "File" | "FallbackToLogsOnError"
        ) {
            errs.push(FieldError::new(
                format!("{cp}.terminationMessagePolicy"),
                format!(
                    "{:?}: must be File or FallbackToLogsOnError",
                    c.termination_message_policy
                ),
            ));
        }
        if !c.termination_message_path.is_empty() && !c.termination_message_path.starts_with('/') {
            errs.push(FieldError::new(
                format!("{cp}.terminationMessagePath"),
                "must be an absolute path",
            ));
        }
        let Some(l) = &c.lifecycle else {
            continue;
        };
        if init && !c.is_sidecar() {
            errs.push(FieldError::new(
                format!("{cp}.lifecycle"),
                "may not be set on an init container unless it is a sidecar (restartPolicy: Always)",
            ));
            continue;
        }
        for (key, h) in [("postStart", &l.post_start), ("preStop", &l.pre_stop)] {
            if let Some(h) = h {
                validate_handler(&format!("{cp}.lifecycle.{key}"), c, h, errs);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::validate_pod;
    use crate::api::testing::container;
    use crate::api::{ExecAction, Lifecycle, LifecycleHandler, Pod, SleepAction, TcpSocketAction};

    #[test]
    fn hooks_need_one_handler_and_tcp_socket_is_refused_by_name() {
        let mut p = Pod::test("p");
        p.spec.containers[0].lifecycle = Some(Lifecycle {
            post_start: Some(LifecycleHandler {
                exec: Some(ExecAction {
                    command: vec!["true".into()],
                }),
                sleep: Some(SleepAction { seconds: 1 }),
                ..Default::default()
            }),
            pre_stop: Some(LifecycleHandler {
                tcp_socket: Some(TcpSocketAction {
                    port: crate::api::IntOrString::Int(80),
                    host: String::new(),
                }),
                ..Default::default()
            }),
        });
        p.spec.init_containers = vec![container("setup")];
        p.spec.init_containers[0].lifecycle = Some(Lifecycle::default());
        let errs: Vec<(String, String)> = validate_pod(&p)
            .into_iter()
            .map(|e| (e.path, e.message))
            .collect();
        let paths: Vec<&str> = errs.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            paths,
            [
                "spec.initContainers[0].lifecycle",
                "spec.containers[0].lifecycle.postStart",
                "spec.containers[0].lifecycle.preStop.tcpSocket",
            ],
            "{errs:?}"
        );
        assert!(errs[1].1.contains("only one of exec, httpGet and sleep"));
        assert!(errs[2].1.contains("not supported by ork"));
    }

    #[test]
    fn a_sleep_pre_stop_and_an_exec_post_start_are_valid() {
        let mut p = Pod::test("p");
        p.spec.containers[0].lifecycle = Some(Lifecycle {
            post_start: Some(LifecycleHandler {
                exec: Some(ExecAction {
                    command: vec!["sh".into(), "-c".into(), "echo hi".into()],
                }),
                ..Default::default()
            }),
            pre_stop: Some(LifecycleHandler {
                sleep: Some(SleepAction { seconds: 5 }),
                ..Default::default()
            }),
        });
        assert_eq!(validate_pod(&p), vec![]);
    }
}
