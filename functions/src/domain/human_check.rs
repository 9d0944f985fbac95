//! The human check without third parties: an ALTCHA-compatible proof of work, a fallback
//! question for browsers without JavaScript, and a honeypot field.
//!
//! Proof of work (ALTCHA's format, so the ALTCHA widget also works): the server picks a
//! random `number ≤ maxnumber` and a salt carrying its expiry, sends
//! `challenge = hex(sha256(salt + number))` signed with HMAC-SHA-256, and the browser
//! (`functions/assets/altcha.js`) tries numbers until the hash matches. It submits
//! `base64(JSON {algorithm, challenge, number, salt, signature})` in the field `altcha`.
//!
//! Without JavaScript no work can be done, so the form offers a short arithmetic question
//! in words instead (field `frage_antwort`, signed token `frage_token`). It stops only
//! simple bots; the rate limits per address carry the rest. Both are single use: a question
//! token is recorded in the store as answered before its answer is checked, so it allows one
//! answer, right or wrong (a wrong one gets a new question); a solved challenge is recorded
//! after it verified (see `Accounts::register`).

use base64::Engine;
use serde::{Deserialize, Serialize};

use super::tokens::{Secret, hex, random_bytes, sha256_hex};

/// An ALTCHA challenge as served at `/api/altcha`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Challenge {
    pub algorithm: String,
    pub challenge: String,
    pub maxnumber: u64,
    pub salt: String,
    pub signature: String,
}

/// What the browser sends back.
#[derive(Debug, Deserialize)]
struct Solution {
    algorithm: String,
    challenge: String,
    number: u64,
    salt: String,
    signature: String,
}

/// Why a human check failed (all shown to the person as one German message).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum HumanCheckError {
    #[error("no answer")]
    Missing,
    #[error("malformed answer")]
    Malformed,
    #[error("bad signature")]
    BadSignature,
    #[error("wrong answer")]
    Wrong,
    #[error("expired")]
    Expired,
    #[error("already used")]
    Replayed,
}

/// A new challenge valid for `ttl` seconds.
pub fn create_challenge(secret: &Secret, now: i64, max_number: u64, ttl: i64) -> Challenge {
    let random = u64::from_le_bytes(random_bytes::<8>());
    let number = random % (max_number.max(1) + 1);
    let salt = format!("{}?expires={}", hex(&random_bytes::<12>()), now + ttl);
    let challenge = sha256_hex(&format!("{salt}{number}"));
    let signature = secret.sign(&challenge);
    Challenge {
        algorithm: "SHA-256".to_owned(),
        challenge,
        maxnumber: max_number,
        salt,
        signature,
    }
}

/// Solves a challenge by brute force (the browser's job; used by tests and the benchmark).
pub fn solve(challenge: &Challenge) -> Option<String> {
    (0..=challenge.maxnumber)
        .find(|n| sha256_hex(&format!("{}{n}", challenge.salt)) == challenge.challenge)
        .map(|number| {
            let json = serde_json::json!({
                "algorithm": challenge.algorithm,
                "challenge": challenge.challenge,
                "number": number,
                "salt": challenge.salt,
                "signature": challenge.signature,
            });
            base64::engine::general_purpose::STANDARD.encode(json.to_string())
        })
}

fn expiry_of_salt(salt: &str) -> Option<i64> {
    let (_, query) = salt.split_once('?')?;
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix("expires="))
        .and_then(|v| v.parse().ok())
}

/// Verifies a proof-of-work payload; returns the key that marks it used.
pub fn verify_solution(
    secret: &Secret,
    payload: &str,
    now: i64,
) -> Result<String, HumanCheckError> {
    if payload.is_empty() {
        return Err(HumanCheckError::Missing);
    }
    if payload.len() > 2048 {
        return Err(HumanCheckError::Malformed);
    }
    let json = base64::engine::general_purpose::STANDARD
        .decode(payload.as_bytes())
        .map_err(|_| HumanCheckError::Malformed)?;
    let solution: Solution =
        serde_json::from_slice(&json).map_err(|_| HumanCheckError::Malformed)?;
    if solution.algorithm != "SHA-256" {
        return Err(HumanCheckError::Malformed);
    }
    if !secret.verify(&solution.challenge, &solution.signature) {
        return Err(HumanCheckError::BadSignature);
    }
    if sha256_hex(&format!("{}{}", solution.salt, solution.number)) != solution.challenge {
        return Err(HumanCheckError::Wrong);
    }
    match expiry_of_salt(&solution.salt) {
        Some(expires) if expires > now => Ok(format!("altcha:{}", solution.challenge)),
        Some(_) => Err(HumanCheckError::Expired),
        None => Err(HumanCheckError::Malformed),
    }
}

/// The fallback question for browsers without JavaScript.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    /// German text, e.g. "Wie viel ist drei plus vier?".
    pub text: String,
    /// Signed token carrying expiry and nonce, but not the answer.
    pub token: String,
}

const NUMBER_WORDS: [&str; 10] = [
    "null", "eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun",
];

/// A new question valid for `ttl` seconds.
///
/// The token is `nonce.expires.token_signature.answer_signature`: the first signature proves
/// the token is ours (checked before the store records it as answered), the second binds
/// the answer without revealing it.
pub fn create_question(secret: &Secret, now: i64, ttl: i64) -> Question {
    let [a, b] = random_bytes::<2>().map(|x| usize::from(x % 9) + 1);
    let nonce = hex(&random_bytes::<12>());
    let expires = now + ttl;
    let token_signature = secret.sign(&format!("frage-token|{nonce}|{expires}"));
    let answer_signature = secret.sign(&format!("frage|{nonce}|{expires}|{}", a + b));
    Question {
        text: format!(
            "Wie viel ist {} plus {}? Bitte geben Sie das Ergebnis in Ziffern ein.",
            NUMBER_WORDS[a], NUMBER_WORDS[b]
        ),
        token: format!("{nonce}.{expires}.{token_signature}.{answer_signature}"),
    }
}

/// A question token that is ours and not expired, before its answer is looked at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenQuestion {
    /// The key that records the question as answered (single use: the store's counter for
    /// it must be 1 on the first answer; see `Accounts::register`).
    pub used_key: String,
    /// Until when the key must be remembered.
    pub expires: i64,
    nonce: String,
    answer_signature: String,
}

/// Checks a question token's signature and expiry (not the answer).
pub fn open_question(
    secret: &Secret,
    token: &str,
    now: i64,
) -> Result<OpenQuestion, HumanCheckError> {
    let parts: Vec<&str> = token.split('.').collect();
    let [nonce, expires, token_signature, answer_signature] = parts.as_slice() else {
        return Err(HumanCheckError::Malformed);
    };
    let expires_at: i64 = expires.parse().map_err(|_| HumanCheckError::Malformed)?;
    if !secret.verify(
        &format!("frage-token|{nonce}|{expires_at}"),
        token_signature,
    ) {
        return Err(HumanCheckError::BadSignature);
    }
    if expires_at <= now {
        return Err(HumanCheckError::Expired);
    }
    Ok(OpenQuestion {
        used_key: format!("frage:{nonce}"),
        expires: expires_at,
        nonce: (*nonce).to_owned(),
        answer_signature: (*answer_signature).to_owned(),
    })
}

impl OpenQuestion {
    /// Whether `answer` is the right one.
    pub fn check(&self, secret: &Secret, answer: &str) -> Result<(), HumanCheckError> {
        if answer.is_empty() {
            return Err(HumanCheckError::Missing);
        }
        let answer: u32 = answer.trim().parse().map_err(|_| HumanCheckError::Wrong)?;
        let message = format!("frage|{}|{}|{answer}", self.nonce, self.expires);
        if secret.verify(&message, &self.answer_signature) {
            Ok(())
        } else {
            Err(HumanCheckError::Wrong)
        }
    }
}

/// Verifies the answer to a fallback question without recording it (the caller must record
/// [`OpenQuestion::used_key`] so that a token allows one answer); returns that key.
pub fn verify_answer(
    secret: &Secret,
    token: &str,
    answer: &str,
    now: i64,
) -> Result<String, HumanCheckError> {
    if answer.is_empty() {
        return Err(HumanCheckError::Missing);
    }
    let question = open_question(secret, token, now)?;
    question.check(secret, answer)?;
    Ok(question.used_key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> Secret {
        Secret::new(b"s".repeat(32))
    }

    #[test]
    fn a_solved_challenge_verifies_once_and_expires() {
        let challenge = create_challenge(&key(), 1000, 2000, 600);
        let payload = solve(&challenge).expect("solvable");
        assert!(verify_solution(&key(), &payload, 1001).is_ok());
        assert_eq!(
            verify_solution(&key(), &payload, 1600),
            Err(HumanCheckError::Expired)
        );
        assert_eq!(
            verify_solution(&Secret::new(b"o".repeat(32)), &payload, 1001),
            Err(HumanCheckError::BadSignature)
        );
    }

    #[test]
    fn a_wrong_number_or_garbage_is_refused() {
        let challenge = create_challenge(&key(), 1000, 10, 600);
        let json = serde_json::json!({"algorithm": "SHA-256", "challenge": challenge.challenge,
            "number": 11, "salt": challenge.salt, "signature": challenge.signature});
        let payload = base64::engine::general_purpose::STANDARD.encode(json.to_string());
        assert_eq!(
            verify_solution(&key(), &payload, 1001),
            Err(HumanCheckError::Wrong)
        );
        assert_eq!(
            verify_solution(&key(), "%%%", 1001),
            Err(HumanCheckError::Malformed)
        );
        assert_eq!(
            verify_solution(&key(), "", 1001),
            Err(HumanCheckError::Missing)
        );
    }

    #[test]
    fn the_fallback_question_checks_the_answer() {
        let q = create_question(&key(), 1000, 600);
        let right = (1..=18)
            .find(|n| verify_answer(&key(), &q.token, &n.to_string(), 1001).is_ok())
            .expect("one answer is right");
        assert!(q.text.starts_with("Wie viel ist"));
        assert_eq!(
            verify_answer(&key(), &q.token, &(right + 1).to_string(), 1001),
            Err(HumanCheckError::Wrong)
        );
        assert_eq!(
            verify_answer(&key(), &q.token, &right.to_string(), 2000),
            Err(HumanCheckError::Expired)
        );
        let forged = q.token.replacen('.', ".9", 1);
        assert_eq!(
            verify_answer(&key(), &forged, &right.to_string(), 1001),
            Err(HumanCheckError::BadSignature),
            "the expiry cannot be extended"
        );
    }
}
