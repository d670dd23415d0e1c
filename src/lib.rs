//! ork: one binary that runs a container cluster the way Kubernetes does.
//!
//! Arrows point one way: `cli`/`tui` -> `client` -> HTTP -> `control` -> store.
//! `api` is a leaf every role shares.

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
