//! The security headers of the portal's pages: the function's answers, the static site in
//! `csp serve`, and the CloudFront response headers policy in `deploy/template.yaml` (which
//! adds HSTS) send the same ones.

/// No inline script or style, nothing from other origins, no framing, forms post only to
/// the portal, no `<base>`.
pub const CONTENT_SECURITY_POLICY: &str =
    "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

/// Sent with every static page (HTML or asset).
pub const STATIC_HEADERS: [(&str, &str); 4] = [
    ("content-security-policy", CONTENT_SECURITY_POLICY),
    ("x-frame-options", "DENY"),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "same-origin"),
];

/// HSTS in production (two years; `https` only, so not sent by `csp serve`).
pub const STRICT_TRANSPORT_SECURITY_MAX_AGE: u64 = 63_072_000;
