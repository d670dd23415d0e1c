//! The node daemon: registers its Node, heartbeats, watches the pods bound to
//! it, runs them through a [`runtime::Runtime`], reports their status, and
//! serves their logs to the control daemon; its service proxy forwards each
//! Service's ports to the ready endpoints.
//!
//! [`daemon`] starts and stops the parts: [`runtimes`] (opening them),
//! [`register`] (the Node, Ready, heartbeats, [`fence`]), [`pods`] (one [`worker`] per
//! pod, whose decisions are the pure [`worker::decide`]), [`server`] (logs,
//! stats, exec), [`usage`], [`services`] (the one watch of Services and
//! Endpoints, read by [`proxy`], [`dns`] (cluster DNS) and [`ingress`]) and
//! [`volumes`]. Who each container runs as is the pure [`security::decide`]:
//! process pods run as an unprivileged user, never as the daemon's root
//! unless the node allows it, and their files live outside the node's
//! private data dir.
//!
//! It talks to the control daemon only through `client`, and to the machine
//! only through its runtime. It must not import `control`, `cli` or `tui`.

pub mod daemon;
pub mod dns;
pub mod downward;
pub mod env;
pub mod fence;
pub mod forward;
pub mod ingress;
pub mod join;
pub mod machine;
pub mod pods;
pub mod probe;
pub mod procfs;
pub mod proxy;
pub mod pull_secrets;
pub mod register;
pub mod runtime;
pub mod runtimes;
pub mod security;
pub mod server;
pub mod services;
pub mod status;
pub mod ticks;
pub mod usage;
pub mod volumes;
pub mod worker;
