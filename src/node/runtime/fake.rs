//! The hollow runtime (placeholder, being written).
