//! Cross-site request forgery rules.
//!
//! Every state-changing request must come from the portal's own origin: a browser's
//! `Sec-Fetch-Site` must be `same-origin` (or `none`), and `Origin`, when sent, must be the
//! portal's. A request with neither header is refused (every current browser sends `Origin`
//! on a POST). Requests made within a session must in addition carry the session's CSRF token
//! (form field `csrf` or header `X-CSRF-Token`): forms rendered by the function include it,
//! and scripts get it from `/api/sitzung`. Operator routes authenticate with a bearer token
//! and no cookie, so they are not exposed to CSRF and skip these checks.

use super::tokens::Secret;

/// Why a request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CsrfError {
    #[error("cross-site request")]
    CrossSite,
    #[error("no origin information")]
    NoOrigin,
    #[error("missing or wrong CSRF token")]
    BadToken,
}

/// Checks `Origin` and `Sec-Fetch-Site` against the portal's origin (e.g. `https://portal.example`).
pub fn check_origin(
    origin: Option<&str>,
    sec_fetch_site: Option<&str>,
    allowed_origins: &[String],
) -> Result<(), CsrfError> {
    if let Some(site) = sec_fetch_site
        && !matches!(site, "same-origin" | "none")
    {
        return Err(CsrfError::CrossSite);
    }
    match origin {
        Some(origin) if allowed_origins.iter().any(|allowed| allowed == origin) => Ok(()),
        Some(_) => Err(CsrfError::CrossSite),
        None if sec_fetch_site.is_some() => Ok(()),
        None => Err(CsrfError::NoOrigin),
    }
}

/// The CSRF token of a session: an HMAC of its id hash, so nothing extra is stored.
pub fn session_token(secret: &Secret, session_id_hash: &str) -> String {
    secret.sign(&format!("csrf|{session_id_hash}"))
}

/// Whether `token` is the session's CSRF token.
pub fn verify_session_token(secret: &Secret, session_id_hash: &str, token: &str) -> bool {
    !token.is_empty() && secret.verify(&format!("csrf|{session_id_hash}"), token)
}

/// The origin (`scheme://host[:port]`) of a URL such as the public base URL.
pub fn origin_of(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.trim_end_matches('/').to_owned();
    };
    let host = rest.split('/').next().unwrap_or(rest);
    format!("{scheme}://{host}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed() -> Vec<String> {
        vec!["https://portal.example".to_owned()]
    }

    #[test]
    fn same_origin_passes_and_cross_site_fails() {
        assert_eq!(
            check_origin(
                Some("https://portal.example"),
                Some("same-origin"),
                &allowed()
            ),
            Ok(())
        );
        assert_eq!(check_origin(None, Some("same-origin"), &allowed()), Ok(()));
        assert_eq!(
            check_origin(Some("https://evil.example"), None, &allowed()),
            Err(CsrfError::CrossSite)
        );
        assert_eq!(
            check_origin(
                Some("https://portal.example"),
                Some("cross-site"),
                &allowed()
            ),
            Err(CsrfError::CrossSite)
        );
        assert_eq!(
            check_origin(
                Some("https://portal.example"),
                Some("same-site"),
                &allowed()
            ),
            Err(CsrfError::CrossSite)
        );
        assert_eq!(
            check_origin(None, None, &allowed()),
            Err(CsrfError::NoOrigin)
        );
        assert_eq!(
            check_origin(Some("null"), None, &allowed()),
            Err(CsrfError::CrossSite)
        );
    }

    #[test]
    fn session_tokens_are_bound_to_the_session() {
        let secret = Secret::new(b"k".repeat(32));
        let token = session_token(&secret, "abc");
        assert!(verify_session_token(&secret, "abc", &token));
        assert!(!verify_session_token(&secret, "abd", &token));
        assert!(!verify_session_token(&secret, "abc", ""));
    }

    #[test]
    fn origin_of_strips_the_path() {
        assert_eq!(
            origin_of("https://portal.example/sub/"),
            "https://portal.example"
        );
        assert_eq!(origin_of("http://localhost:8080"), "http://localhost:8080");
    }
}
