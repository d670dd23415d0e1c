//! End-to-end tests: the real `ork` binary, real daemons on loopback, real
//! SQLite files, real processes. One test binary, a module per feature.
#![allow(clippy::unwrap_used)]

#[path = "e2e/harness.rs"]
mod harness;

#[path = "e2e/auth.rs"]
mod auth;
#[path = "e2e/autoscale.rs"]
mod autoscale;
#[path = "e2e/configmaps.rs"]
mod configmaps;
#[path = "e2e/docker.rs"]
mod docker;
#[path = "e2e/failover.rs"]
mod failover;
#[path = "e2e/manifests.rs"]
mod manifests;
#[path = "e2e/probes.rs"]
mod probes;
#[path = "e2e/restarts.rs"]
mod restarts;
#[path = "e2e/rollouts.rs"]
mod rollouts;
#[path = "e2e/runtime.rs"]
mod runtime;
#[path = "e2e/scheduling.rs"]
mod scheduling;
#[path = "e2e/secrets.rs"]
mod secrets;
#[path = "e2e/services.rs"]
mod services;
#[path = "e2e/top.rs"]
mod top;
#[path = "e2e/tui.rs"]
mod tui;
#[path = "e2e/up.rs"]
mod up;
#[path = "e2e/volumes.rs"]
mod volumes;
#[path = "e2e/workloads.rs"]
mod workloads;
