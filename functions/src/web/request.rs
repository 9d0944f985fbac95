//! What handlers read from a request: the body as form input, the caller's preferences and
//! address, the session cookie, and the CSRF-relevant headers.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::{HeaderMap, StatusCode, header, request::Parts};

use crate::domain::validation::FormInput;
use crate::state::AppState;

/// The session cookie's name: `__Host-` binds it to this host, `Secure`, path `/`.
pub const SESSION_COOKIE: &str = "__Host-csp-sitzung";

/// Largest request body accepted (bytes).
pub const BODY_LIMIT: usize = 16 * 1024;
/// Most fields accepted in one form.
const MAX_FIELDS: usize = 40;
/// Longest single value accepted before field-specific limits apply.
const MAX_VALUE: usize = 4096;

/// Facts about the request every handler may need.
#[derive(Debug, Clone, Default)]
pub struct Caller {
    /// `Accept` prefers JSON: answer with JSON instead of redirects and pages.
    pub wants_json: bool,
    /// The client's address (for rate limits; hashed before it is stored).
    pub client: String,
    pub origin: Option<String>,
    pub sec_fetch_site: Option<String>,
    pub session_cookie: Option<String>,
    pub csrf_header: Option<String>,
    pub content_type: Option<String>,
    pub authorization: Option<String>,
    /// The page the request was sent from (`Referer`; same-origin pages only, by the
    /// portal's `Referrer-Policy`).
    pub referer: Option<String>,
}

fn header_str(headers: &HeaderMap, name: impl axum::http::header::AsHeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Whether `Accept` prefers JSON: answer with JSON instead of redirects and pages.
pub fn wants_json(headers: &HeaderMap) -> bool {
    let accept = header_str(headers, header::ACCEPT).unwrap_or_default();
    accept.contains("application/json") && !accept.starts_with("text/html")
}

/// The value of cookie `name` in the `Cookie` headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// The header CloudFront adds to every request it forwards to the function
/// (`deploy/template.yaml`), with the value of `CSP_ORIGIN_SECRET`.
pub const ORIGIN_SECRET_HEADER: &str = "x-csp-origin-secret";

/// Whether the request came through the proxy: it carries `secret` (compared in constant
/// time), or no secret is configured.
fn through_proxy(headers: &HeaderMap, secret: Option<&str>) -> bool {
    let Some(secret) = secret else {
        return true;
    };
    headers.get(ORIGIN_SECRET_HEADER).is_some_and(|value| {
        let (a, b) = (value.as_bytes(), secret.as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    })
}

/// Middleware: with `CSP_ORIGIN_SECRET` set, refuses (403) every request that did not come
/// through the proxy that adds it, so the function's own endpoint cannot be called around
/// CloudFront. Without it, lets everything through. The binary wraps its router in it.
pub async fn require_origin_secret(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    if through_proxy(request.headers(), state.proxy.origin_secret.as_deref()) {
        return next.run(request).await;
    }
    tracing::warn!(
        path = request.uri().path(),
        "refused: the request did not come through the portal's CDN (origin secret missing or wrong)"
    );
    (
        StatusCode::FORBIDDEN,
        [(header::CACHE_CONTROL, "no-store")],
        "Zugriff nur über die Adresse des Portals.",
    )
        .into_response()
}

/// A cause for a 5xx answer, attached to the response as an extension by the code that knows
/// it; [`log_server_errors`] prints it.
#[derive(Debug, Clone)]
pub struct ErrorCause(pub String);

/// Middleware: logs every answer with a 5xx status (method, path without query, status and
/// the [`ErrorCause`] if the handler attached one) at error level, in the terminal and in
/// Lambda's log. The binary wraps its router in it; `csp serve` should too.
pub async fn log_server_errors(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    let status = response.status();
    if status.is_server_error() {
        let cause = response
            .extensions()
            .get::<ErrorCause>()
            .map_or("see the error logged just before", |c| c.0.as_str());
        tracing::error!(%method, path, status = status.as_u16(), cause, "server error");
    }
    response
}

/// The client's address: from the TCP connection locally, from API Gateway's request
/// context on Lambda, or from the trusted proxy header, which counts only when the request
/// came through the proxy (see [`through_proxy`]). Other forwarding headers are not trusted
/// (anyone can set them).
fn client_address_with(
    parts: &Parts,
    trusted_header: Option<&str>,
    origin_secret: Option<&str>,
) -> String {
    if let Some(name) = trusted_header
        && through_proxy(&parts.headers, origin_secret)
        && let Some(value) = parts.headers.get(name).and_then(|v| v.to_str().ok())
    {
        let address = value
            .rsplit_once(':')
            .map(|(ip, _port)| ip)
            .unwrap_or(value);
        return address.to_owned();
    }
    if let Some(ConnectInfo(addr)) = parts.extensions.get::<ConnectInfo<SocketAddr>>() {
        return addr.ip().to_string();
    }
    use lambda_http::request::RequestContext;
    match parts.extensions.get::<RequestContext>() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.http.source_ip.clone(),
        Some(RequestContext::ApiGatewayV1(ctx)) => ctx.identity.source_ip.clone(),
        _ => None,
    }
    .unwrap_or_else(|| "unknown".to_owned())
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let client = client_address_with(
            parts,
            state.proxy.client_ip_header.as_deref(),
            state.proxy.origin_secret.as_deref(),
        );
        let headers = &parts.headers;
        Ok(Caller {
            wants_json: wants_json(headers),
            client,
            origin: header_str(headers, header::ORIGIN),
            sec_fetch_site: header_str(headers, "sec-fetch-site"),
            session_cookie: cookie(headers, SESSION_COOKIE),
            csrf_header: header_str(headers, "x-csrf-token"),
            content_type: header_str(headers, header::CONTENT_TYPE),
            authorization: header_str(headers, header::AUTHORIZATION),
            referer: header_str(headers, header::REFERER),
        })
    }
}

/// Why a body was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyError {
    pub status: StatusCode,
    pub message: &'static str,
}

/// Parses a form body: `application/x-www-form-urlencoded` or a JSON object of strings,
/// numbers and booleans; anything else is refused.
pub fn parse_body(content_type: Option<&str>, body: &[u8]) -> Result<FormInput, BodyError> {
    let media = content_type
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let too_big = BodyError {
        status: StatusCode::PAYLOAD_TOO_LARGE,
        message: "Die Anfrage enthält zu viele oder zu lange Felder.",
    };
    let bad = BodyError {
        status: StatusCode::BAD_REQUEST,
        message: "Die Anfrage konnte nicht gelesen werden.",
    };
    let pairs: Vec<(String, String)> = match media.as_str() {
        "application/x-www-form-urlencoded" => {
            if std::str::from_utf8(body).is_err() {
                return Err(bad);
            }
            form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        }
        "application/json" => {
            let value: serde_json::Value = serde_json::from_slice(body).map_err(|_| bad.clone())?;
            let object = value.as_object().ok_or_else(|| bad.clone())?;
            let mut pairs = Vec::with_capacity(object.len());
            for (k, v) in object {
                let text = match v {
                    serde_json::Value::String(s) => s.clone(),
                    serde_json::Value::Bool(true) => "ja".to_owned(),
                    serde_json::Value::Bool(false) | serde_json::Value::Null => String::new(),
                    serde_json::Value::Number(n) => n.to_string(),
                    _ => return Err(bad),
                };
                pairs.push((k.clone(), text));
            }
            pairs
        }
        _ => {
            return Err(BodyError {
                status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
                message: "Bitte senden Sie das Formular als application/x-www-form-urlencoded oder application/json.",
            });
        }
    };
    if pairs.len() > MAX_FIELDS
        || pairs
            .iter()
            .any(|(k, v)| k.len() > 64 || v.len() > MAX_VALUE)
    {
        return Err(too_big);
    }
    Ok(FormInput::from_pairs(pairs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_urlencoded_and_json_and_refuses_other_types() {
        let form = parse_body(
            Some("application/x-www-form-urlencoded; charset=UTF-8"),
            b"email=a%40b.de&x=1",
        )
        .expect("form");
        assert_eq!(form.get("email"), "a@b.de");
        let json = parse_body(
            Some("application/json"),
            br#"{"email":"a@b.de","agb":true}"#,
        )
        .expect("json");
        assert!(json.checked("agb"));
        assert_eq!(
            parse_body(Some("text/plain"), b"x").map_err(|e| e.status),
            Err(StatusCode::UNSUPPORTED_MEDIA_TYPE)
        );
        assert_eq!(
            parse_body(None, b"x").map_err(|e| e.status),
            Err(StatusCode::UNSUPPORTED_MEDIA_TYPE)
        );
        assert_eq!(
            parse_body(Some("application/json"), b"[1]").map_err(|e| e.status),
            Err(StatusCode::BAD_REQUEST)
        );
        assert_eq!(
            parse_body(Some("application/json"), b"{\"a\":{}}").map_err(|e| e.status),
            Err(StatusCode::BAD_REQUEST)
        );
        assert_eq!(
            parse_body(Some("application/x-www-form-urlencoded"), b"a=%FF")
                .map(|f| f.get("a").to_owned()),
            Ok("\u{fffd}".to_owned())
        );
    }

    fn parts(headers: &[(&str, &str)]) -> Parts {
        let mut request = axum::http::Request::builder().uri("/api/anmeldung");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let (mut parts, ()) = request.body(()).expect("request").into_parts();
        parts
            .extensions
            .insert(ConnectInfo(SocketAddr::from(([10, 0, 0, 9], 4711))));
        parts
    }

    #[test]
    fn the_proxy_header_counts_only_with_the_origin_secret() {
        let header = Some("cloudfront-viewer-address");
        let secret = Some("s3cret-s3cret-s3cret-s3cret-s3cret");
        let forged = parts(&[("cloudfront-viewer-address", "203.0.113.7:1234")]);
        assert_eq!(client_address_with(&forged, header, secret), "10.0.0.9");
        let wrong = parts(&[
            ("cloudfront-viewer-address", "203.0.113.7:1234"),
            (ORIGIN_SECRET_HEADER, "s3cret-s3cret-s3cret-s3cret-s3creT"),
        ]);
        assert_eq!(client_address_with(&wrong, header, secret), "10.0.0.9");
        let proxied = parts(&[
            ("cloudfront-viewer-address", "203.0.113.7:1234"),
            (ORIGIN_SECRET_HEADER, "s3cret-s3cret-s3cret-s3cret-s3cret"),
        ]);
        assert_eq!(client_address_with(&proxied, header, secret), "203.0.113.7");
        // Without a configured secret the header counts as before (a private origin).
        assert_eq!(client_address_with(&forged, header, None), "203.0.113.7");
    }

    #[test]
    fn reads_one_cookie_among_many() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            "a=1; __Host-csp-sitzung=abc; b=2".parse().expect("header"),
        );
        assert_eq!(cookie(&headers, SESSION_COOKIE).as_deref(), Some("abc"));
    }
}
