//! The control daemon: HTTP API, admission (what client writes need from
//! the rest of the cluster), SQLite store, scheduler loop and the
//! controllers that keep the cluster at its declared state.
//!
//! It must not import `cli`, `tui` or `node`.

pub mod admission;
pub mod audit;
pub mod auth;
pub mod authn;
pub mod authz;
pub mod backup;
pub mod controllers;
pub mod daemon;
pub mod events;
pub mod fairness;
pub mod heartbeats;
pub mod http;
pub mod leader;
pub mod leases;
pub mod node_link;
pub mod ops;
pub mod pki;
pub mod preemption;
pub mod scheduling;
pub mod shared;
pub mod store;
pub mod telemetry;
pub mod usage;
