//! The shim (placeholder, being written).
