//! The live dashboard (`ork tui`): k9s-style views of nodes, workloads, pods,
//! events and failovers, driven by watches through `client`.
//!
//! It will import `api` and `client` only, never `control` or `node`. The
//! dashboard itself is its own piece of work; this module holds its place in
//! the layout.
