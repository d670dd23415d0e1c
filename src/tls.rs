//! TLS plumbing every role shares: the one rustls crypto provider (ring)
//! that HTTP clients and servers use.
//!
//! It imports nothing else of ork.

use std::sync::Once;

/// Makes ring the process's rustls crypto provider. Idempotent; every
/// place that builds an HTTP client or a TLS server calls it first.
pub fn install_crypto() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Err means another provider was installed first: that one serves.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}
