//! Where the function's log goes: standard error, as text in a terminal or as JSON lines on
//! Lambda (CloudWatch). `CSP_LOG` (or `RUST_LOG`) overrides the level, e.g. `CSP_LOG=debug`.

/// Installs the global subscriber with `default_filter` unless `CSP_LOG`/`RUST_LOG` says
/// otherwise; does nothing if one is installed already.
pub fn init(json: bool, default_filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("CSP_LOG")
        .or_else(|_| tracing_subscriber::EnvFilter::try_from_default_env())
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_filter));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _already = if json {
        builder
            .json()
            .with_current_span(true)
            .without_time()
            .try_init()
    } else {
        builder.with_target(false).try_init()
    };
}

/// For `csp serve`: the function's warnings and errors (every 5xx with its cause) and the
/// links of the mails it writes, without a line per request.
pub const SERVE_FILTER: &str = "warn,functions::mail::folder=info";
