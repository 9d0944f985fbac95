//! "Back where you were" after signing in: the sign-in page takes `?weiter=<local path>`,
//! carries it as a hidden field of its form (and through the second-factor step), and after
//! a successful sign-in redirects there. Any feature that needs a signed-in person sends
//! others to [`sign_in_url`] with the page (and its query) they should come back to.
//!
//! Only a local absolute path is ever followed ([`local_path`]): anything else could make
//! the portal's own sign-in page send a person to another site (an open redirect), so it is
//! dropped and the normal page after sign-in is used.

use super::request::Caller;
use crate::domain::validation::FormInput;
use catalog::forms;

/// The name of the parameter and of the sign-in form's hidden field.
pub const PARAMETER: &str = forms::sign_in::RETURN_TO.name;

/// The longest path (with its query) that is followed.
pub const MAX_LEN: usize = forms::sign_in::RETURN_TO.max_len;

/// The static sign-in page (`/anmelden/`, rendered by the generator).
pub const SIGN_IN_PAGE: &str = "/anmelden/";

/// `value` if it is a local absolute path (with an optional query) that is safe to redirect
/// to: it starts with exactly one `/`, has no backslash, no control or space characters and
/// no fragment, and is at most [`MAX_LEN`] bytes long. Browsers read `//host`, `/\host` and
/// `\\host` as other sites, and a scheme (`https:`, `javascript:`) cannot appear before the
/// first `/`, so none of them passes.
pub fn local_path(value: &str) -> Option<&str> {
    let ok = value.len() <= MAX_LEN
        && value.starts_with('/')
        && !value.starts_with("//")
        && !value.contains('\\')
        && !value.contains('#')
        && value.chars().all(|c| !c.is_control() && !c.is_whitespace())
        // Percent-encoded slashes, backslashes or control characters in the path could be
        // decoded by something on the way; a local page of the portal never needs them there.
        && !path_part(value).to_ascii_lowercase().split('%').skip(1).any(|hex| {
            hex.starts_with("2f") || hex.starts_with("5c") || hex.starts_with('0') || hex.starts_with('1')
        });
    ok.then_some(value)
}

fn path_part(value: &str) -> &str {
    value.split_once('?').map_or(value, |(path, _)| path)
}

/// The `weiter` value of a query string (`a=1&weiter=...`), if it is a safe local path.
pub fn from_query(query: &str) -> Option<String> {
    form_urlencoded::parse(query.as_bytes())
        .find(|(name, _)| name == PARAMETER)
        .and_then(|(_, value)| local_path(&value).map(str::to_owned))
}

/// The `weiter` value of the page a form was sent from (the `Referer`), if that page was
/// one of the sign-in pages: the static `/anmelden/` page without JavaScript cannot copy
/// its query into the form, but the browser names the page (with its query) when it sends
/// the form (`Referrer-Policy: same-origin`). Only the path and query of the referrer are
/// read, so a referrer of another site cannot do more than its own link could.
pub fn from_referer(referer: &str) -> Option<String> {
    let rest = referer
        .strip_prefix("https://")
        .or_else(|| referer.strip_prefix("http://"))?;
    let path_and_query = &rest[rest.find('/')?..];
    let (path, query) = path_and_query.split_once('?')?;
    let query = query.split_once('#').map_or(query, |(q, _)| q);
    [SIGN_IN_PAGE, "/api/anmeldung", "/api/anmeldung/code"]
        .contains(&path)
        .then(|| from_query(query))
        .flatten()
}

/// The sign-in page that comes back to `path` (a local path with its query) afterwards.
pub fn sign_in_url(path: &str) -> String {
    match local_path(path) {
        Some(path) => {
            let encoded: String = form_urlencoded::byte_serialize(path.as_bytes()).collect();
            format!("{SIGN_IN_PAGE}?{PARAMETER}={encoded}")
        }
        None => SIGN_IN_PAGE.to_owned(),
    }
}

/// `base` with `?weiter=` for `return_to`, if there is one.
pub fn with_return(base: &str, return_to: Option<&str>) -> String {
    match return_to.and_then(local_path) {
        Some(path) => {
            let encoded: String = form_urlencoded::byte_serialize(path.as_bytes()).collect();
            let joint = if base.contains('?') { '&' } else { '?' };
            format!("{base}{joint}{PARAMETER}={encoded}")
        }
        None => base.to_owned(),
    }
}

/// Where a sign-in form asks to go afterwards: its hidden field, or (the static page sent
/// without JavaScript) the `?weiter=` of the sign-in page it was sent from; only a local path.
pub fn requested(caller: &Caller, input: &FormInput) -> Option<String> {
    match input.get(forms::sign_in::RETURN_TO.name) {
        "" => caller.referer.as_deref().and_then(from_referer),
        value => local_path(value).map(str::to_owned),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_paths_with_a_query_are_followed() {
        for good in [
            "/",
            "/api/konto",
            "/api/bestellen/dmessenger?plan=standard&contract_model=direkt&menge=25",
            "/api/interesse/dmessenger",
            "/cloud-services/dmessenger/",
            "/api/bestellen/x?opt-rechenzentrum=Hamburg%20Nord&note=%C3%BC",
        ] {
            assert_eq!(local_path(good), Some(good), "{good}");
        }
    }

    #[test]
    fn hostile_values_fall_back() {
        let long = format!("/{}", "a".repeat(MAX_LEN));
        for bad in [
            "",
            "api/konto",
            "//evil.example",
            "//evil.example/api/konto",
            "///evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "/api\\..\\evil",
            "https://evil.example/",
            "http:/evil.example",
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            " /api/konto",
            "/api/konto\r\nSet-Cookie: x=1",
            "/api/konto\nLocation: //evil.example",
            "/api/\tkonto",
            "/api/konto\u{0}",
            "/api/konto\u{7f}",
            "/api/konto\u{85}",
            "/api/konto\u{2028}",
            "/ /evil.example",
            "/%2fevil.example",
            "/%2F%2Fevil.example",
            "/%5cevil.example",
            "/api/%0d%0aSet-Cookie",
            "/api/konto#//evil.example",
            long.as_str(),
        ] {
            assert_eq!(local_path(bad), None, "{bad:?}");
        }
        // Exactly at the bound it still passes.
        let at_bound = format!("/{}", "a".repeat(MAX_LEN - 1));
        assert_eq!(local_path(&at_bound), Some(at_bound.as_str()));
    }

    #[test]
    fn the_query_parameter_is_decoded_then_checked() {
        assert_eq!(
            from_query("weiter=%2Fapi%2Fbestellen%2Fx%3Fplan%3Da%26menge%3D2").as_deref(),
            Some("/api/bestellen/x?plan=a&menge=2")
        );
        assert_eq!(from_query("weiter=%2F%2Fevil.example"), None);
        assert_eq!(from_query("weiter=https%3A%2F%2Fevil.example"), None);
        assert_eq!(from_query("andere=1"), None);
    }

    #[test]
    fn only_the_sign_in_pages_referrer_counts() {
        assert_eq!(
            from_referer("http://127.0.0.1:8080/anmelden/?weiter=%2Fapi%2Finteresse%2Fdmessenger")
                .as_deref(),
            Some("/api/interesse/dmessenger")
        );
        assert_eq!(
            from_referer("https://portal.example/api/anmeldung?weiter=%2Fapi%2Fkonto#x").as_deref(),
            Some("/api/konto")
        );
        assert_eq!(
            from_referer("https://portal.example/suche/?weiter=%2Fapi%2Fkonto"),
            None
        );
        assert_eq!(
            from_referer("https://portal.example/anmelden/?weiter=%2F%2Fevil.example"),
            None
        );
        assert_eq!(from_referer("https://portal.example/anmelden/"), None);
        assert_eq!(from_referer("/anmelden/?weiter=%2Fapi%2Fkonto"), None);
    }

    #[test]
    fn sign_in_urls_carry_the_path_encoded() {
        assert_eq!(
            sign_in_url("/api/bestellen/x?plan=a&menge=2"),
            "/anmelden/?weiter=%2Fapi%2Fbestellen%2Fx%3Fplan%3Da%26menge%3D2"
        );
        assert_eq!(sign_in_url("//evil.example"), "/anmelden/");
        assert_eq!(
            with_return("/api/anmeldung/code", Some("/api/konto")),
            "/api/anmeldung/code?weiter=%2Fapi%2Fkonto"
        );
        assert_eq!(
            with_return("/api/anmeldung/code", Some("https://evil.example")),
            "/api/anmeldung/code"
        );
        assert_eq!(with_return("/x?a=1", Some("/y")), "/x?a=1&weiter=%2Fy");
    }
}
