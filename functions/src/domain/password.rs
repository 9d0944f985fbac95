//! Password hashing with argon2id (m = 19 MiB, t = 2, p = 1, the OWASP minimum).

use std::sync::Mutex;

use argon2::password_hash::PasswordHash;
use argon2::{Algorithm, Argon2, Block, Params, Version};
use base64::Engine;

/// Memory cost in KiB (19 MiB).
pub const MEMORY_KIB: u32 = 19 * 1024;
/// Iterations.
pub const ITERATIONS: u32 = 2;
/// Parallelism.
pub const PARALLELISM: u32 = 1;

/// The minimum length in characters (as on the DVC portal); no composition rules.
pub const MIN_CHARS: usize = 25;
/// An upper bound that keeps hashing cheap for an attacker's huge inputs.
pub const MAX_CHARS: usize = 256;

fn argon2_with(params: Params) -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

fn our_params() -> Params {
    // The constants are valid parameters, so the fallback is never taken.
    Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None).unwrap_or_default()
}

/// Errors from hashing (only a broken random source or parameters could cause one).
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

/// Work memory for argon2, reused: allocating and freeing 19 MiB per sign-in made the
/// allocator keep gigabytes resident under load. Hashes run one at a time (see
/// [`run_bounded`]), so one buffer is all there is.
static MEMORY: Mutex<Option<Vec<Block>>> = Mutex::new(None);

fn with_memory<T>(blocks: usize, f: impl FnOnce(&mut [Block]) -> T) -> T {
    let reusable = blocks == MEMORY_KIB as usize;
    let mut memory = if reusable {
        MEMORY.lock().ok().and_then(|mut kept| kept.take())
    } else {
        None
    }
    .unwrap_or_else(|| vec![Block::default(); blocks]);
    let result = f(&mut memory);
    if reusable && let Ok(mut kept) = MEMORY.lock() {
        *kept = Some(memory);
    }
    result
}

/// A PHC string (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`).
pub fn hash(password: &str) -> Result<String, HashError> {
    let salt = super::tokens::random_bytes::<16>();
    let mut output = [0u8; 32];
    let params = our_params();
    with_memory(params.block_count(), |memory| {
        argon2_with(params.clone()).hash_password_into_with_memory(
            password.as_bytes(),
            &salt,
            &mut output,
            memory,
        )
    })
    .map_err(|e| HashError(e.to_string()))?;
    let b64 = base64::engine::general_purpose::STANDARD_NO_PAD;
    Ok(format!(
        "$argon2id$v=19$m={MEMORY_KIB},t={ITERATIONS},p={PARALLELISM}${}${}",
        b64.encode(salt),
        b64.encode(output)
    ))
}

/// Whether `password` matches the stored PHC string; a malformed hash never matches.
pub fn verify(password: &str, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    if parsed.algorithm.as_str() != "argon2id" {
        return false;
    }
    let (Ok(params), Some(salt), Some(expected)) =
        (Params::try_from(&parsed), parsed.salt, parsed.hash)
    else {
        return false;
    };
    let mut salt_buf = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buf) else {
        return false;
    };
    let mut output = vec![0u8; expected.len()];
    let computed = with_memory(params.block_count(), |memory| {
        argon2_with(params.clone()).hash_password_into_with_memory(
            password.as_bytes(),
            salt,
            &mut output,
            memory,
        )
    });
    computed.is_ok() && super::tokens::constant_time_eq(&output, expected.as_bytes())
}

/// Runs an argon2 computation on the blocking pool, one at a time. Each needs 19 MiB, and
/// the function must stay within 64 MB under load (issue 6): one per core doubled the
/// peak on two cores for sign-ins that are rare anyway (one at a time still answers about
/// 58 sign-ins per second on this 2-core machine, and Lambda runs one request per instance).
pub async fn run_bounded<T, F>(f: F) -> Result<T, HashError>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    static ONE_AT_A_TIME: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);
    let _permit = ONE_AT_A_TIME
        .acquire()
        .await
        .map_err(|e| HashError(e.to_string()))?;
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| HashError(e.to_string()))
}

/// Spends the same time as a real verification, for unknown addresses (no timing oracle).
pub fn verify_dummy(password: &str) {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let phc = DUMMY.get_or_init(|| hash("dummy password for timing only").unwrap_or_default());
    let _ = verify(password, phc);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_with_argon2id_and_the_required_parameters() {
        let phc = hash("correct horse battery staple, long enough").expect("hash");
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify("correct horse battery staple, long enough", &phc));
        assert!(!verify("wrong", &phc));
        assert!(!verify("x", "not a hash"));
    }

    #[test]
    fn hashes_are_standard_phc_strings() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier, SaltString};
        let ours = hash("ein Passwort, das lang genug ist").expect("hash");
        let parsed = PasswordHash::new(&ours).expect("parse");
        assert!(
            argon2_with(our_params())
                .verify_password(b"ein Passwort, das lang genug ist", &parsed)
                .is_ok()
        );
        let salt = SaltString::encode_b64(b"0123456789abcdef").expect("salt");
        let theirs = argon2_with(our_params())
            .hash_password(b"anderes Passwort", &salt)
            .expect("hash")
            .to_string();
        assert!(verify("anderes Passwort", &theirs));
        assert!(!verify("falsches Passwort", &theirs));
    }
}
