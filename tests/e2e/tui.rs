//! `ork tui` in a real terminal (tmux) against real daemons: the pods of an
//! applied Deployment appear, `:deploy` + `+` scales it, `ctrl-d` + `y`
//! deletes a pod that is then replaced, and a stopped API server shows the
//! banner without the dashboard exiting; it resumes when the server is back.

use crate::harness::{Cluster, ORK, marker, wait_for};
use crate::workloads::deployment;
use std::process::Command;
use std::time::Duration;

/// A tmux server of its own, killed on drop.
pub(crate) struct Tmux {
    pub(crate) socket: String,
}

impl Tmux {
    pub(crate) fn run(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .expect("tmux runs")
    }

    pub(crate) fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "tui"]).stdout).into_owned()
    }

    pub(crate) fn keys(&self, keys: &[&str]) {
        let mut a = vec!["send-keys", "-t", "tui"];
        a.extend(keys);
        assert!(self.run(&a).status.success(), "send-keys {keys:?}");
    }

    /// Waits until the screen shows `text`; returns the screen.
    pub(crate) fn wait_screen(&self, what: &str, f: impl Fn(&str) -> bool) -> String {
        wait_for(what, Duration::from_secs(20), || {
            let s = self.screen();
            f(&s).then_some(s)
        })
    }

    fn alive(&self) -> bool {
        self.run(&["has-session", "-t", "tui"]).status.success()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

pub(crate) fn tmux_available() -> bool {
    Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn the_dashboard_scales_deletes_and_survives_a_server_restart() {
    if !tmux_available() {
        assert!(
            std::env::var_os("CI").is_none(),
            "tmux is required under CI"
        );
        eprintln!("skipped: no tmux");
        return;
    }
    let mut c = Cluster::start(1, "process");
    let m = marker();
    c.apply(&deployment("web", 2, m));
    c.wait_running("app=web", 2);

    let t = Tmux {
        socket: format!("ork-e2e-{}", uuid::Uuid::new_v4().simple()),
    };
    // The shell stays after ork exits and says how it ended.
    let cmd = format!(
        "ORK_SERVER={} ORK_TOKEN={} ORK_CA={} ORK_CONFIG={} {ORK} tui; echo ORK-TUI-EXITED $?; sleep 600",
        c.url,
        c.admin,
        c.ca_file().display(),
        c.dir.path().join("no-config.yaml").display()
    );
    let out = t.run(&[
        "new-session",
        "-d",
        "-s",
        "tui",
        "-x",
        "160",
        "-y",
        "48",
        &cmd,
    ]);
    assert!(
        out.status.success(),
        "tmux: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    let pods: Vec<String> = c
        .pods("app=web")
        .iter()
        .map(|p| p["metadata"]["name"].as_str().unwrap().to_string())
        .collect();
    t.wait_screen("the deployment's pods on screen", |s| {
        pods.iter().all(|p| s.contains(p.as_str())) && s.contains("Running")
    });

    // :deploy, the only row is selected, + → one more replica.
    t.keys(&[":"]);
    t.keys(&["deploy", "Enter"]);
    t.wait_screen("the deployments view", |s| {
        s.contains("deployments(default)") && s.contains("web")
    });
    t.keys(&["+"]);
    c.wait_json(
        "deployment web at 3 replicas",
        Duration::from_secs(20),
        &["get", "deployment", "web"],
        |d| d["spec"]["replicas"] == 3,
    );
    c.wait_running("app=web", 3);

    // Back to pods: ctrl-d on the first row, confirm, and it is replaced.
    t.keys(&["1"]);
    let mut names: Vec<String> = c
        .pods("app=web")
        .iter()
        .map(|p| p["metadata"]["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    let first = names[0].clone();
    t.wait_screen("all three pods listed", |s| {
        names.iter().all(|n| s.contains(n.as_str()))
    });
    t.keys(&["C-d"]);
    t.wait_screen("the delete question", |s| {
        s.contains(&format!("Delete pod/{first}?"))
    });
    t.keys(&["y"]);
    wait_for(
        "the pod deleted and replaced",
        Duration::from_secs(30),
        || {
            let now: Vec<String> = c
                .pods("app=web")
                .iter()
                .filter(|p| p["metadata"]["deletionTimestamp"].is_null())
                .map(|p| p["metadata"]["name"].as_str().unwrap().to_string())
                .collect();
            (!now.contains(&first) && now.len() == 3).then_some(())
        },
    );
    c.wait_running("app=web", 3);

    // The server goes away: a banner, and the dashboard keeps running.
    c.kill_control();
    t.wait_screen("the disconnected banner", |s| {
        s.contains("disconnected, retrying")
    });
    assert!(t.alive());
    assert!(!t.screen().contains("ORK-TUI-EXITED"), "{}", t.screen());
    c.start_control();
    t.wait_screen("the banner gone and the pods back", |s| {
        !s.contains("disconnected") && s.contains("web-")
    });
    t.keys(&["q"]);
    t.wait_screen("ork tui to exit cleanly", |s| {
        s.contains("ORK-TUI-EXITED 0")
    });
}
