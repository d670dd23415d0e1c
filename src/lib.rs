//! ork: one binary that runs a container cluster the way Kubernetes does.
//!
//! Arrows point one way: `cli`/`tui` -> `verbs` -> `client` -> HTTP ->
//! `control` -> store. `verbs` holds what the command line and the dashboard
//! both do (context from the client config, printers, describe, rollouts,
//! drain, scale, delete), so neither imports the other (only `cli` starts the
//! dashboard). `api` is a leaf every role shares.

pub mod api;
pub mod backoff;
pub mod cli;
pub mod client;
pub mod control;
pub mod node;
pub mod scheduler;
pub mod serve;
pub mod sys;
pub mod tls;
pub mod tui;
pub mod verbs;

#[cfg(test)]
mod decoder_properties;
