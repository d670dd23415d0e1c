//! Small stable hashes: FNV-1a, and the name-safe encoding Kubernetes uses
//! for `pod-template-hash`.

/// 32-bit FNV-1a.
pub fn fnv32a(bytes: &[u8]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in bytes {
        h ^= u32::from(*b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// 64-bit FNV-1a.
pub fn fnv64a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

const SAFE: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// Maps each character of the decimal form to a letter or digit that cannot
/// spell words, as Kubernetes' `SafeEncodeString` does.
pub fn safe_encode(n: u64) -> String {
    n.to_string()
        .bytes()
        .map(|b| SAFE[b as usize % SAFE.len()] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_matches_reference_vectors() {
        assert_eq!(fnv32a(b""), 0x811c_9dc5);
        assert_eq!(fnv32a(b"a"), 0xe40c_292c);
        assert_eq!(fnv64a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn safe_encoding_uses_the_safe_alphabet() {
        let s = safe_encode(1_234_567_890);
        assert_eq!(s.len(), 10);
        assert!(s.bytes().all(|b| SAFE.contains(&b)));
    }
}
