//! The process runtime (placeholder, being written).
