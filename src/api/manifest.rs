//! Manifest decoding (placeholder, replaced below).
