//! The function's configuration: the environment read once, at start-up, into one typed
//! value. Nothing else in the function reads the environment (the log filter `CSP_LOG` aside,
//! which must work before the configuration can be reported).

use std::path::PathBuf;

use crate::mail::{MailTransport, SesConfig};
use crate::store::DynamoConfig;

/// Why the environment does not describe a working function.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct ConfigError {
    pub message: String,
    /// Whether the function runs on Lambda (known even when the rest is wrong).
    pub on_lambda: bool,
}

impl ConfigError {
    fn new(on_lambda: bool, message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            on_lambda,
        }
    }
}

/// How the function finds out who is calling when a proxy (CloudFront) stands in front.
#[derive(Debug, Clone, Default)]
pub struct ProxyConfig {
    /// `CSP_CLIENT_IP_HEADER`, lower case: the header with the client's address that the
    /// proxy always overwrites (the SAM template uses `cloudfront-viewer-address`).
    pub client_ip_header: Option<String>,
    /// `CSP_ORIGIN_SECRET`: requests without it in `X-CSP-Origin-Secret` are refused, and the
    /// client header counts only with it.
    pub origin_secret: Option<String>,
}

/// Everything the function reads from its environment:
///
/// | variable | meaning | default |
/// | --- | --- | --- |
/// | `CSP_PUBLIC_URL` | where people reach the portal | what `csp serve` recorded in `DATA_DIR/public-url`, else `http://localhost:8080` |
/// | `CSP_DYNAMODB_TABLE` | use DynamoDB (with `CSP_DYNAMODB_ENDPOINT` or `AWS_ENDPOINT_URL_DYNAMODB`, `AWS_REGION` and the `AWS_*` credentials) | SQLite in the data folder |
/// | `CSP_DATA_DIR` | data folder (SQLite, mails, key) | `.csp/function` (`/tmp/csp` on Lambda) |
/// | `CSP_SECRET` | signing key, ≥ 32 characters | `DATA_DIR/secret.key` |
/// | `CSP_MAIL_TRANSPORT` | `smtp://…`, `smtps://…` or `ses` (the SES API v2 in `AWS_REGION`, credentials from `AWS_*`) | `.eml` files in `DATA_DIR/mail` |
/// | `CSP_SES_ENDPOINT` | another SES endpoint (also `AWS_ENDPOINT_URL_SESV2`) | `https://email.REGION.amazonaws.com` |
/// | `CSP_MAIL_FROM` | sender address | `Cloud-Service-Portal <noreply@…invalid>` |
/// | `CSP_OPERATOR_EMAIL` | receives review requests and needs | `betrieb@…invalid` |
/// | `CSP_INTERMEDIARY_EMAIL` | decides Umklappvertrag orders first | `intermediaer@govdigital.invalid` |
/// | `CSP_SEARCH_INDEX` | the search index of `csp build` | `function-data/search-index` |
/// | `CSP_CATALOG` | the order snapshot of `csp build` | `catalog.json` beside the search index |
/// | `CSP_TEMPLATES` | the theme's templates `csp build` shipped (`site.json` beside them) | `function-data/templates` |
/// | `CSP_OPERATOR_TOKEN` | bearer token of the operator routes | routes closed |
/// | `CSP_CLIENT_IP_HEADER` | header with the client address set by a trusted proxy | connection / API Gateway |
/// | `CSP_ORIGIN_SECRET` | the binary refuses (403) requests without it in `X-CSP-Origin-Secret`, and trusts `CSP_CLIENT_IP_HEADER` only with it (CloudFront adds it) | every request let in |
/// | `CSP_RATE_LIMIT_SCALE` | multiplies every rate limit (benchmarks only) | 1 |
/// | `AWS_LAMBDA_RUNTIME_API` | set by Lambda: run as a Lambda function | a local server |
#[derive(Debug, Clone)]
pub struct Config {
    pub on_lambda: bool,
    pub data_dir: PathBuf,
    /// Given explicitly (`CSP_PUBLIC_URL` or `--public-url`); else what `csp serve` recorded.
    pub public_url: Option<String>,
    pub dynamodb: Option<DynamoConfig>,
    /// `CSP_SECRET`, already checked for its length.
    pub secret: Option<String>,
    pub mail_transport: MailTransport,
    pub mail_from: Option<String>,
    pub operator_email: Option<String>,
    pub intermediary_email: Option<String>,
    pub search_index: PathBuf,
    pub catalog: PathBuf,
    pub templates: PathBuf,
    pub operator_token: Option<String>,
    pub proxy: ProxyConfig,
    pub rate_limit_scale: Option<u64>,
}

impl Config {
    /// Reads the process's environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_vars(|name| std::env::var(name).ok())
    }

    /// Reads the configuration through `lookup` (the environment, or a map in tests); empty
    /// values count as unset.
    pub fn from_vars(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let var = |name: &str| lookup(name).filter(|v| !v.is_empty());
        let on_lambda = var("AWS_LAMBDA_RUNTIME_API").is_some();
        let data_dir = var("CSP_DATA_DIR").map_or_else(
            || {
                PathBuf::from(if on_lambda {
                    "/tmp/csp"
                } else {
                    ".csp/function"
                })
            },
            PathBuf::from,
        );
        let secret = match var("CSP_SECRET") {
            Some(secret) if secret.len() >= 32 => Some(secret),
            Some(_) => {
                return Err(ConfigError::new(
                    on_lambda,
                    "CSP_SECRET must have at least 32 characters".to_owned(),
                ));
            }
            None if on_lambda => {
                return Err(ConfigError::new(
                    on_lambda,
                    "CSP_SECRET is required on Lambda: every instance must sign with the same key"
                        .to_owned(),
                ));
            }
            None => None,
        };
        let region = var("AWS_REGION")
            .or_else(|| var("AWS_DEFAULT_REGION"))
            .unwrap_or_else(|| "eu-central-1".to_owned());
        // With an endpoint (DynamoDB Local, a mock of SES) and no credentials, dummy ones are
        // used: those want a signature, not a valid one.
        let credentials = |endpoint: &Option<String>| {
            let local =
                |v: Option<String>| v.or_else(|| endpoint.as_ref().map(|_| "local".to_owned()));
            (
                local(var("AWS_ACCESS_KEY_ID")),
                local(var("AWS_SECRET_ACCESS_KEY")),
            )
        };
        let dynamodb = var("CSP_DYNAMODB_TABLE").map(|table| {
            let endpoint =
                var("CSP_DYNAMODB_ENDPOINT").or_else(|| var("AWS_ENDPOINT_URL_DYNAMODB"));
            let (access_key_id, secret_access_key) = credentials(&endpoint);
            DynamoConfig {
                table,
                region: region.clone(),
                access_key_id: access_key_id.unwrap_or_default(),
                secret_access_key: secret_access_key.unwrap_or_default(),
                session_token: var("AWS_SESSION_TOKEN"),
                endpoint,
            }
        });
        let mail_transport = match var("CSP_MAIL_TRANSPORT") {
            None => MailTransport::Folder(data_dir.join("mail")),
            Some(url) if url.starts_with("smtp") => MailTransport::Smtp(url),
            Some(ses) if ses == "ses" => {
                let endpoint = var("CSP_SES_ENDPOINT").or_else(|| var("AWS_ENDPOINT_URL_SESV2"));
                let (Some(access_key_id), Some(secret_access_key)) = credentials(&endpoint) else {
                    return Err(ConfigError::new(on_lambda,
                        "CSP_MAIL_TRANSPORT=ses needs AWS credentials in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (Lambda sets them)".to_owned(),
                    ));
                };
                MailTransport::Ses(SesConfig {
                    region: region.clone(),
                    endpoint,
                    access_key_id,
                    secret_access_key,
                    session_token: var("AWS_SESSION_TOKEN"),
                })
            }
            Some(other) => {
                return Err(ConfigError::new(
                    on_lambda,
                    format!(
                        "CSP_MAIL_TRANSPORT={other} is not understood: use smtp://host:port, smtps://user:password@host or ses"
                    ),
                ));
            }
        };
        let search_index = var("CSP_SEARCH_INDEX").map_or_else(
            || PathBuf::from(crate::search::DEFAULT_INDEX_DIR),
            PathBuf::from,
        );
        let catalog = var("CSP_CATALOG").map_or_else(
            || {
                search_index
                    .parent()
                    .unwrap_or(std::path::Path::new("."))
                    .join("catalog.json")
            },
            PathBuf::from,
        );
        Ok(Config {
            on_lambda,
            data_dir,
            public_url: var("CSP_PUBLIC_URL"),
            dynamodb,
            secret,
            mail_transport,
            mail_from: var("CSP_MAIL_FROM"),
            operator_email: var("CSP_OPERATOR_EMAIL"),
            intermediary_email: var("CSP_INTERMEDIARY_EMAIL"),
            catalog,
            search_index,
            templates: var("CSP_TEMPLATES").map_or_else(
                || PathBuf::from(crate::pages::DEFAULT_TEMPLATES_DIR),
                PathBuf::from,
            ),
            operator_token: var("CSP_OPERATOR_TOKEN"),
            proxy: ProxyConfig {
                client_ip_header: var("CSP_CLIENT_IP_HEADER").map(|v| v.to_ascii_lowercase()),
                origin_secret: var("CSP_ORIGIN_SECRET"),
            },
            // Benchmarks raise the limits (e.g. CSP_RATE_LIMIT_SCALE=1000000); never in production.
            rate_limit_scale: var("CSP_RATE_LIMIT_SCALE").and_then(|v| v.parse().ok()),
        })
    }

    /// The same configuration with another data folder (the binary's `--data-dir`); the mail
    /// folder moves with it.
    pub fn with_data_dir(mut self, data_dir: PathBuf) -> Config {
        if let MailTransport::Folder(folder) = &mut self.mail_transport
            && *folder == self.data_dir.join("mail")
        {
            *folder = data_dir.join("mail");
        }
        self.data_dir = data_dir;
        self
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::from_vars(|name| vars.get(name).cloned())
    }

    #[test]
    fn defaults_describe_a_local_function() {
        let config = config(&[]).expect("config");
        assert!(!config.on_lambda);
        assert_eq!(config.data_dir, PathBuf::from(".csp/function"));
        assert!(config.dynamodb.is_none());
        assert!(
            matches!(&config.mail_transport, MailTransport::Folder(f) if f.as_path() == std::path::Path::new(".csp/function/mail"))
        );
        assert_eq!(config.catalog, PathBuf::from("function-data/catalog.json"));
        let moved = config.with_data_dir(PathBuf::from("/srv/csp"));
        assert!(
            matches!(&moved.mail_transport, MailTransport::Folder(f) if f.as_path() == std::path::Path::new("/srv/csp/mail"))
        );
    }

    #[test]
    fn lambda_needs_a_long_secret_and_ses_needs_credentials() {
        assert!(config(&[("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001")]).is_err());
        assert!(config(&[("CSP_SECRET", "short")]).is_err());
        let lambda = config(&[
            ("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001"),
            ("CSP_SECRET", "0123456789abcdef0123456789abcdef"),
        ])
        .expect("lambda");
        assert_eq!(lambda.data_dir, PathBuf::from("/tmp/csp"));
        assert!(config(&[("CSP_MAIL_TRANSPORT", "ses")]).is_err());
        assert!(config(&[("CSP_MAIL_TRANSPORT", "pigeon")]).is_err());
        let ses = config(&[
            ("CSP_MAIL_TRANSPORT", "ses"),
            ("CSP_SES_ENDPOINT", "http://127.0.0.1:5000"),
        ])
        .expect("ses with endpoint");
        assert!(matches!(ses.mail_transport, MailTransport::Ses(_)));
    }

    #[test]
    fn dynamodb_local_gets_dummy_credentials_and_the_catalog_follows_the_index() {
        let config = config(&[
            ("CSP_DYNAMODB_TABLE", "portal"),
            ("CSP_DYNAMODB_ENDPOINT", "http://127.0.0.1:8000"),
            ("CSP_SEARCH_INDEX", "/opt/data/search-index"),
            ("CSP_CLIENT_IP_HEADER", "CloudFront-Viewer-Address"),
        ])
        .expect("config");
        let dynamodb = config.dynamodb.expect("dynamodb");
        assert_eq!(dynamodb.access_key_id, "local");
        assert_eq!(config.catalog, PathBuf::from("/opt/data/catalog.json"));
        assert_eq!(
            config.proxy.client_ip_header.as_deref(),
            Some("cloudfront-viewer-address")
        );
    }
}
