//! Signed decision links for providers and the intermediary, and their API tokens.
//!
//! A link token names the order, the deciding party and its expiry, signed with the
//! function's key: nothing needs to be stored to check it. It is single-use because the
//! decision that uses it records its hash in the same transaction as the status change.

use super::status::Party;
use crate::domain::tokens::{Secret, constant_time_eq};

/// What a valid decision link grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkClaims {
    pub order_id: String,
    pub party: Party,
    pub expires_at: i64,
}

fn link_message(order_id: &str, party: Party, expires_at: i64) -> String {
    format!(
        "decision-link:v1:{order_id}:{}:{expires_at}",
        party.as_str()
    )
}

/// The token of a decision link.
pub fn decision_token(secret: &Secret, order_id: &str, party: Party, expires_at: i64) -> String {
    let signature = secret.sign(&link_message(order_id, party, expires_at));
    format!("{order_id}.{}.{expires_at}.{signature}", party.as_str())
}

/// The claims of a well-signed, unexpired token.
pub fn verify_decision_token(secret: &Secret, token: &str, now: i64) -> Option<LinkClaims> {
    read_decision_token(secret, token).filter(|claims| claims.expires_at > now)
}

/// The claims of a well-signed token, expired or not (an expired link is answered with the
/// end of the decision period rather than as an unknown link).
pub fn read_decision_token(secret: &Secret, token: &str) -> Option<LinkClaims> {
    if token.len() > 300 {
        return None;
    }
    let mut parts = token.split('.');
    let (Some(order_id), Some(party), Some(expires), Some(signature), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    let party = Party::parse(party)?;
    let expires_at: i64 = expires.parse().ok()?;
    if !matches!(party, Party::Provider | Party::Intermediary)
        || !secret.verify(&link_message(order_id, party, expires_at), signature)
    {
        return None;
    }
    Some(LinkClaims {
        order_id: order_id.to_owned(),
        party,
        expires_at,
    })
}

/// Who an API token belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiParty {
    Provider(String),
    Intermediary,
}

impl ApiParty {
    pub fn party(&self) -> Party {
        match self {
            ApiParty::Provider(_) => Party::Provider,
            ApiParty::Intermediary => Party::Intermediary,
        }
    }
}

fn api_message(party: &ApiParty) -> String {
    match party {
        ApiParty::Provider(id) => format!("api-token:v1:provider:{id}"),
        ApiParty::Intermediary => "api-token:v1:intermediary".to_owned(),
    }
}

/// The bearer token of a provider or the intermediary, derived from the function's key
/// (`csp-function admin api-token` prints it), so no token table is needed; rotating the
/// key rotates every token.
pub fn api_token(secret: &Secret, party: &ApiParty) -> String {
    let signature = secret.sign(&api_message(party));
    match party {
        ApiParty::Provider(id) => format!("anbieter.{id}.{signature}"),
        ApiParty::Intermediary => format!("intermediaer.{signature}"),
    }
}

/// The party of a valid bearer token.
pub fn verify_api_token(secret: &Secret, token: &str) -> Option<ApiParty> {
    let party = if let Some(rest) = token.strip_prefix("anbieter.") {
        let (id, _) = rest.split_once('.')?;
        ApiParty::Provider(id.to_owned())
    } else if token.starts_with("intermediaer.") {
        ApiParty::Intermediary
    } else {
        return None;
    };
    let expected = api_token(secret, &party);
    constant_time_eq(expected.as_bytes(), token.as_bytes()).then_some(party)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_decision_link_is_bound_to_order_party_and_expiry() {
        let secret = Secret::new(vec![7u8; 32]);
        let token = decision_token(&secret, "abc", Party::Provider, 1000);
        let claims = verify_decision_token(&secret, &token, 999).expect("valid");
        assert_eq!(claims.order_id, "abc");
        assert_eq!(claims.party, Party::Provider);
        assert!(
            verify_decision_token(&secret, &token, 1000).is_none(),
            "expired"
        );
        let forged = token.replace("provider", "intermediary");
        assert!(verify_decision_token(&secret, &forged, 999).is_none());
        let other_key = Secret::new(vec![8u8; 32]);
        assert!(verify_decision_token(&other_key, &token, 999).is_none());
    }

    #[test]
    fn api_tokens_name_their_party_and_cannot_be_moved_to_another() {
        let secret = Secret::new(vec![7u8; 32]);
        let token = api_token(&secret, &ApiParty::Provider("itzbund".into()));
        assert_eq!(
            verify_api_token(&secret, &token),
            Some(ApiParty::Provider("itzbund".into()))
        );
        let moved = token.replace("itzbund", "dataport");
        assert_eq!(verify_api_token(&secret, &moved), None);
        let intermediary = api_token(&secret, &ApiParty::Intermediary);
        assert_eq!(
            verify_api_token(&secret, &intermediary),
            Some(ApiParty::Intermediary)
        );
    }
}
