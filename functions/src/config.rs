//! The application state shared by all handlers, and how it is put together.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::sync::Notify;

use crate::domain::Accounts;
pub use crate::domain::accounts::Settings;
use crate::domain::clock::{Clock, SystemClock};
use crate::domain::orders::{Orders, read_snapshot};
use crate::domain::tokens::{Secret, hex, random_bytes, sha256_hex, unhex};
use crate::mail::{self, FolderSender, MailError, MailSender};
use crate::store::{DynamoConfig, DynamoStore, PortalStore, SqliteStore, Store, StoreError};

/// Why the state could not be built.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("cannot use the data folder {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Mail(#[from] MailError),
    #[error("{0}")]
    Config(String),
}

/// Everything a handler needs; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub accounts: Arc<Accounts>,
    pub orders: Arc<Orders>,
    pub mail_sender: Arc<dyn MailSender>,
    /// Sender address of every mail.
    pub mail_from: String,
    /// SHA-256 of the operator's bearer token (`CSP_OPERATOR_TOKEN`); operator routes are
    /// closed when absent.
    pub operator_token_hash: Option<String>,
    /// Deliver mails before answering (Lambda) instead of in a background loop.
    pub deliver_inline: bool,
    pub(crate) mail_queued: Arc<Notify>,
    /// The search index and page layout, opened once (`CSP_SEARCH_INDEX`, `CSP_SHELL`).
    pub search: Arc<crate::web::search::SearchSlot>,
    /// The theme's templates every page is rendered with.
    pub pages: Arc<crate::web::pages::PagesSlot>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("mail_from", &self.mail_from)
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// A state from its parts (tests, and the binary's configuration).
    pub fn new(
        store: Arc<dyn PortalStore>,
        mail_sender: Arc<dyn MailSender>,
        settings: Settings,
        secret: Secret,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let account_store: Arc<dyn Store> = store.clone();
        Self {
            orders: Arc::new(Orders::new(
                store,
                clock.clone(),
                settings.clone(),
                secret.clone(),
            )),
            accounts: Arc::new(Accounts::new(account_store, clock, settings, secret)),
            mail_sender,
            mail_from: "Cloud-Service-Portal <noreply@cloud-service-portal.invalid>".to_owned(),
            operator_token_hash: None,
            deliver_inline: false,
            mail_queued: Arc::new(Notify::new()),
            search: Arc::new(crate::web::search::SearchSlot::new(
                crate::web::search::Search::unavailable(),
            )),
            pages: Arc::new(crate::web::pages::PagesSlot::new(
                crate::web::pages::Pages::unavailable("no templates configured"),
            )),
        }
    }

    /// The local setup used by `csp serve` and `csp-function serve`: SQLite at
    /// `DATA_DIR/function.sqlite3`, mails as `.eml` files in `DATA_DIR/mail/` (links in the
    /// log), the signing key in `DATA_DIR/secret.key` (created on first use). The operator
    /// token comes from `CSP_OPERATOR_TOKEN` if set. Search, pages and catalog start
    /// unavailable: the caller opens its own ([`AppState::with_search`],
    /// [`AppState::with_pages`], [`AppState::load_catalog`]), so
    /// nothing is read from (and no warning printed about) the environment's defaults.
    pub fn local(data_dir: &Path, public_base_url: &str) -> Result<Self, StateError> {
        crate::private_files::create_private_dir_all(data_dir).map_err(|source| {
            StateError::DataDir {
                path: data_dir.to_owned(),
                source,
            }
        })?;
        let store = SqliteStore::open(&data_dir.join("function.sqlite3"))?;
        let sender = FolderSender::new(&data_dir.join("mail"))?;
        let secret = secret_from_file(&data_dir.join("secret.key"))?;
        // Other processes on this folder (`csp-function admin approve`) send their mails'
        // links to the same address.
        let recorded = data_dir.join(PUBLIC_URL_FILE);
        crate::private_files::write_private(&recorded, public_base_url.as_bytes()).map_err(
            |source| StateError::DataDir {
                path: recorded.clone(),
                source,
            },
        )?;
        let state = Self::new(
            Arc::new(store),
            Arc::new(sender),
            Settings::new(public_base_url),
            secret,
            Arc::new(SystemClock),
        );
        Ok(state.with_operator_token(std::env::var("CSP_OPERATOR_TOKEN").ok().as_deref()))
    }

    /// The configuration from the environment (the binary, locally and on Lambda):
    ///
    /// | variable | meaning | default |
    /// | --- | --- | --- |
    /// | `CSP_PUBLIC_URL` | where people reach the portal | what `csp serve` recorded in `DATA_DIR/public-url`, else `http://localhost:8080` |
    /// | `CSP_DYNAMODB_TABLE` | use DynamoDB (see [`DynamoConfig::from_env`]) | SQLite in the data folder |
    /// | `CSP_DATA_DIR` | data folder (SQLite, mails, key) | `.csp/function` (`/tmp/csp` on Lambda) |
    /// | `CSP_SECRET` | signing key, ≥ 32 characters | `DATA_DIR/secret.key` |
    /// | `CSP_MAIL_TRANSPORT` | `smtp://…`, `smtps://…` or `ses` (the SES API v2 in `AWS_REGION`, credentials from `AWS_*`) | `.eml` files in `DATA_DIR/mail` |
    /// | `CSP_SES_ENDPOINT` | another SES endpoint (also `AWS_ENDPOINT_URL_SESV2`; see [`crate::mail::SesConfig::from_env`]) | `https://email.REGION.amazonaws.com` |
    /// | `CSP_MAIL_FROM` | sender address | `Cloud-Service-Portal <noreply@…invalid>` |
    /// | `CSP_OPERATOR_EMAIL` | receives review requests and needs | `betrieb@…invalid` |
    /// | `CSP_INTERMEDIARY_EMAIL` | decides Umklappvertrag orders first | `intermediaer@govdigital.invalid` |
    /// | `CSP_CATALOG` | the order snapshot of `csp build` | `catalog.json` beside the search index |
    /// | `CSP_TEMPLATES` | the theme's templates `csp build` shipped (`site.json` beside them) | `function-data/templates` |
    /// | `CSP_OPERATOR_TOKEN` | bearer token of the operator routes | routes closed |
    /// | `CSP_CLIENT_IP_HEADER` | header with the client address set by a trusted proxy | connection / API Gateway |
    /// | `CSP_ORIGIN_SECRET` | the binary refuses (403) requests without it in `X-CSP-Origin-Secret`, and trusts `CSP_CLIENT_IP_HEADER` only with it (CloudFront adds it) | every request let in |
    /// | `CSP_RATE_LIMIT_SCALE` | multiplies every rate limit (benchmarks only) | 1 |
    pub fn from_env(data_dir: Option<&Path>, public_url: Option<&str>) -> Result<Self, StateError> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let on_lambda = var("AWS_LAMBDA_RUNTIME_API").is_some();
        let data_dir = data_dir
            .map(Path::to_owned)
            .or_else(|| var("CSP_DATA_DIR").map(PathBuf::from))
            .unwrap_or_else(|| {
                PathBuf::from(if on_lambda {
                    "/tmp/csp"
                } else {
                    ".csp/function"
                })
            });
        crate::private_files::create_private_dir_all(&data_dir).map_err(|source| {
            StateError::DataDir {
                path: data_dir.clone(),
                source,
            }
        })?;
        let public_url = public_url
            .map(str::to_owned)
            .or_else(|| var("CSP_PUBLIC_URL"))
            .or_else(|| recorded_public_url(&data_dir))
            .unwrap_or_else(|| "http://localhost:8080".to_owned());
        let store: Arc<dyn PortalStore> = match DynamoConfig::from_env() {
            Some(config) => Arc::new(DynamoStore::new(&config)),
            None => Arc::new(SqliteStore::open(&data_dir.join("function.sqlite3"))?),
        };
        let secret = match var("CSP_SECRET") {
            Some(secret) if secret.len() >= 32 => Secret::new(secret.into_bytes()),
            Some(_) => {
                return Err(StateError::Config(
                    "CSP_SECRET must have at least 32 characters".to_owned(),
                ));
            }
            None if on_lambda => {
                return Err(StateError::Config(
                    "CSP_SECRET is required on Lambda: every instance must sign with the same key"
                        .to_owned(),
                ));
            }
            None => secret_from_file(&data_dir.join("secret.key"))?,
        };
        let sender = mail::sender_from_env(&data_dir.join("mail"))?;
        let mut settings = Settings::new(&public_url);
        // Benchmarks raise the limits (e.g. CSP_RATE_LIMIT_SCALE=1000000); never in production.
        if let Some(scale) = var("CSP_RATE_LIMIT_SCALE").and_then(|v| v.parse::<u64>().ok()) {
            let limits = &mut settings.limits;
            for limit in [
                &mut limits.registration_per_client,
                &mut limits.sign_in_per_account,
                &mut limits.sign_in_per_client,
                &mut limits.reset_per_account,
                &mut limits.reset_per_client,
            ] {
                limit.max = limit.max.saturating_mul(scale);
            }
            limits.sign_in_free_failures = limits.sign_in_free_failures.saturating_mul(scale);
        }
        if let Some(operator) = var("CSP_OPERATOR_EMAIL") {
            settings.operator_email = operator;
        }
        if let Some(intermediary) = var("CSP_INTERMEDIARY_EMAIL") {
            settings.intermediary_email = intermediary;
        }
        let mut state = Self::new(store, sender, settings, secret, Arc::new(SystemClock));
        if let Some(from) = var("CSP_MAIL_FROM") {
            state.mail_from = from;
        }
        state.deliver_inline = on_lambda;
        state.search = Arc::new(crate::web::search::SearchSlot::new(
            crate::web::search::Search::from_env(),
        ));
        state.pages = Arc::new(crate::web::pages::PagesSlot::new(
            crate::web::pages::Pages::from_env(),
        ));
        state.load_catalog_from_env();
        Ok(state.with_operator_token(var("CSP_OPERATOR_TOKEN").as_deref()))
    }

    /// Loads the order snapshot from `CSP_CATALOG` (default: `catalog.json` beside the search
    /// index folder). Without it, orders and needs answer "not available" instead of the
    /// function not starting.
    pub fn load_catalog_from_env(&self) {
        let path = std::env::var_os("CSP_CATALOG")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                let index = std::env::var_os("CSP_SEARCH_INDEX")
                    .filter(|v| !v.is_empty())
                    .map_or_else(
                        || PathBuf::from(crate::web::search::DEFAULT_INDEX_DIR),
                        PathBuf::from,
                    );
                index
                    .parent()
                    .unwrap_or(Path::new("."))
                    .join("catalog.json")
            });
        self.load_catalog(&path);
    }

    /// Loads (or reloads) the order snapshot from `path`, logging when it cannot.
    pub fn load_catalog(&self, path: &Path) {
        match read_snapshot(path) {
            Ok(catalog) => {
                tracing::info!(path = %path.display(), offerings = catalog.offerings.len(), "order catalog loaded");
                self.orders.set_catalog(catalog);
            }
            Err(e) => tracing::warn!(error = %e, "orders are unavailable: no catalog snapshot"),
        }
    }

    /// Opens the operator routes for this bearer token (at least 32 characters).
    pub fn with_operator_token(mut self, token: Option<&str>) -> Self {
        self.operator_token_hash = token.filter(|t| t.len() >= 32).map(sha256_hex);
        self
    }
}

/// Where [`AppState::local`] records the portal's address for other processes on the folder.
const PUBLIC_URL_FILE: &str = "public-url";

/// The address `csp serve` recorded in the data folder, if any.
fn recorded_public_url(data_dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(data_dir.join(PUBLIC_URL_FILE)).ok()?;
    let url = text.trim();
    (url.starts_with("http://") || url.starts_with("https://")).then(|| url.to_owned())
}

/// Reads the signing key from `path`, creating a random one if the file does not exist.
fn secret_from_file(path: &Path) -> Result<Secret, StateError> {
    let io = |source| StateError::DataDir {
        path: path.to_owned(),
        source,
    };
    crate::private_files::restrict(path).map_err(io)?;
    match std::fs::read_to_string(path) {
        Ok(text) => unhex(text.trim())
            .filter(|bytes| bytes.len() >= 32)
            .map(Secret::new)
            .ok_or_else(|| {
                StateError::Config(format!(
                    "{} does not hold a hex key of 32 bytes or more",
                    path.display()
                ))
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let bytes = random_bytes::<32>();
            crate::private_files::write_new_private(path, hex(&bytes).as_bytes()).map_err(io)?;
            Ok(Secret::new(bytes.to_vec()))
        }
        Err(e) => Err(io(e)),
    }
}
