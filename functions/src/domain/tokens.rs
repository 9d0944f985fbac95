//! Random ids and tokens, their hashes, and HMAC signatures.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    out
}

/// `N` bytes from the operating system's random source.
///
/// # Panics
/// Only if the operating system has no random source, where nothing secure can be done.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    #[allow(clippy::expect_used)]
    getrandom::fill(&mut buf).expect("the operating system's random source failed");
    buf
}

/// A record id: 128 random bits as 32 hex digits.
pub fn new_id() -> String {
    hex(&random_bytes::<16>())
}

/// A secret for a link or a session cookie: 256 random bits as 64 hex digits.
pub fn new_secret_token() -> String {
    hex(&random_bytes::<32>())
}

/// SHA-256 of `value` as hex: what the store keeps instead of a token or session id.
pub fn sha256_hex(value: &str) -> String {
    hex(&Sha256::digest(value.as_bytes()))
}

/// Whether `token` looks like one of ours (64 hex digits), checked before any store access.
pub fn is_well_formed_token(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The server's signing key (HMAC-SHA-256) for the human check and CSRF tokens.
#[derive(Clone)]
pub struct Secret(Vec<u8>);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl Secret {
    /// A key from raw bytes (at least 32 are expected).
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        Self(bytes.into())
    }

    /// A fresh random key.
    pub fn generate() -> Self {
        Self(random_bytes::<32>().to_vec())
    }

    fn mac(&self) -> HmacSha256 {
        // HMAC accepts keys of any length, so this cannot fail.
        #[allow(clippy::expect_used)]
        HmacSha256::new_from_slice(&self.0).expect("HMAC takes keys of any length")
    }

    /// HMAC-SHA-256 of `message` as hex.
    pub fn sign(&self, message: &str) -> String {
        let mut mac = self.mac();
        mac.update(message.as_bytes());
        hex(&mac.finalize().into_bytes())
    }

    /// Constant-time check of a hex signature made by [`Secret::sign`].
    pub fn verify(&self, message: &str, signature_hex: &str) -> bool {
        let Some(signature) = unhex(signature_hex) else {
            return false;
        };
        let mut mac = self.mac();
        mac.update(message.as_bytes());
        mac.verify_slice(&signature).is_ok()
    }
}

/// Bytes of a hex string, `None` if it is not one.
pub fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| {
            s.get(i..i + 2)
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
        })
        .collect()
}

/// Constant-time equality for secrets of equal length.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_have_256_bits_and_ids_128() {
        assert_eq!(new_secret_token().len(), 64);
        assert_eq!(new_id().len(), 32);
        assert_ne!(new_secret_token(), new_secret_token());
        assert!(is_well_formed_token(&new_secret_token()));
        assert!(!is_well_formed_token("abc"));
    }

    #[test]
    fn signatures_verify_only_with_the_same_key_and_message() {
        let key = Secret::new(b"k".repeat(32));
        let sig = key.sign("hello");
        assert!(key.verify("hello", &sig));
        assert!(!key.verify("hellO", &sig));
        assert!(!Secret::new(b"x".repeat(32)).verify("hello", &sig));
        assert!(!key.verify("hello", "zz"));
    }

    #[test]
    fn hex_round_trips() {
        assert_eq!(unhex(&hex(&[0, 1, 254, 255])), Some(vec![0, 1, 254, 255]));
        assert_eq!(unhex("0"), None);
    }
}
