//! End-to-end tests: the real `ork` binary, real daemons on loopback, real
//! SQLite files, real processes. One test binary, a module per feature.
#![allow(clippy::unwrap_used)]

mod harness;

mod access;
mod auth;
mod autoscale;
mod backup;
mod cli_habits;
mod cluster_ips;
mod configmaps;
mod cronjobs;
mod daemonsets;
mod disruption;
mod dns;
mod docker;
mod docs_examples;
mod downward;
mod failover;
mod ha;
mod hardening;
mod ingress;
mod init_containers;
mod jobs;
mod join;
mod kubectl;
mod kubectl_discovery;
mod kubectl_fields;
mod kubectl_patch;
mod kubectl_stream;
mod kubectl_surface;
mod kubectl_table;
mod lifecycle;
mod machines;
mod manifests;
mod newcomer;
mod pod_updates;
mod pod_user;
mod probes;
mod quotas;
mod restarts;
mod rollouts;
mod runtime;
mod scale;
mod scheduling;
mod scheduling_fields;
mod secrets;
mod security_context;
mod serviceaccounts;
mod services;
mod statefulsets;
mod top;
mod tui;
mod up;
mod volumes;
mod workloads;
