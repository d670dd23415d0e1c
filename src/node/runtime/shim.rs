//! The shim (placeholder, being written).

use std::path::PathBuf;

/// Arguments of `ork shim --dir DIR -- COMMAND...`.
pub struct ShimArgs {
    pub dir: PathBuf,
    pub command: Vec<String>,
}

/// Runs the shim; returns its exit code.
pub fn run(_args: ShimArgs) -> i32 {
    1
}
