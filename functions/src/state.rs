//! The application state: the services every handler may use, composed once.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::config::{Config, ProxyConfig};
use crate::domain::Accounts;
pub use crate::domain::accounts::Settings;
use crate::domain::clock::{Clock, SystemClock};
use crate::domain::newsletter::Newsletter;
use crate::domain::orders::Orders;
use crate::domain::orders::ports::PortalStore;
use crate::domain::ports::{Store, StoreError};
use crate::domain::tokens::{Secret, hex, random_bytes, sha256_hex, unhex};
use crate::mail::{self, FolderSender, MailError, MailSender, Outbox};
use crate::pages::{Page, Pages, PagesSlot};
use crate::search::{Search, SearchSlot};
use crate::store::{DynamoStore, SqliteStore};

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
    pub newsletter: Arc<Newsletter>,
    pub outbox: Arc<Outbox>,
    /// SHA-256 of the operator's bearer token (`CSP_OPERATOR_TOKEN`); operator routes are
    /// closed when absent.
    pub operator_token_hash: Option<String>,
    /// Which proxy headers to trust.
    pub proxy: Arc<ProxyConfig>,
    /// The search index, opened once.
    pub search: Arc<SearchSlot>,
    /// The theme's templates every page is rendered with.
    pub pages: Arc<PagesSlot>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("outbox", &self.outbox)
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
        let accounts = Arc::new(Accounts::new(
            account_store.clone(),
            clock.clone(),
            settings.clone(),
            secret.clone(),
        ));
        Self {
            newsletter: Arc::new(Newsletter::new(store.clone(), accounts.clone())),
            outbox: Arc::new(Outbox::new(
                account_store.clone(),
                mail_sender,
                clock.clone(),
            )),
            orders: Arc::new(Orders::new(store, clock, settings, secret)),
            accounts,
            operator_token_hash: None,
            proxy: Arc::new(ProxyConfig::default()),
            search: Arc::new(SearchSlot::new(Search::unavailable())),
            pages: Arc::new(PagesSlot::new(Pages::unavailable(
                "no templates configured",
            ))),
        }
    }

    /// The local setup used by `csp serve`: SQLite at `DATA_DIR/function.sqlite3`, mails as
    /// `.eml` files in `DATA_DIR/mail/` (links in the log), the signing key in
    /// `DATA_DIR/secret.key` (created on first use). Search, pages and catalog start
    /// unavailable: the caller opens its own ([`AppState::with_search`],
    /// [`AppState::with_pages`], [`AppState::load_catalog`]).
    pub fn local(data_dir: &Path, public_base_url: &str) -> Result<Self, StateError> {
        create_data_dir(data_dir)?;
        let store = SqliteStore::open(&data_dir.join("function.sqlite3"))?;
        let sender = FolderSender::new(&data_dir.join("mail"))?;
        let secret = secret_from_file(&data_dir.join("secret.key"))?;
        record_public_url(data_dir, public_base_url)?;
        Ok(Self::new(
            Arc::new(store),
            Arc::new(sender),
            Settings::new(public_base_url),
            secret,
            Arc::new(SystemClock),
        ))
    }

    /// The state [`Config`] describes (the binary, locally and on Lambda).
    pub fn from_config(config: &Config) -> Result<Self, StateError> {
        create_data_dir(&config.data_dir)?;
        let public_url = config
            .public_url
            .clone()
            .or_else(|| recorded_public_url(&config.data_dir))
            .unwrap_or_else(|| "http://localhost:8080".to_owned());
        let store: Arc<dyn PortalStore> = match &config.dynamodb {
            Some(dynamodb) => Arc::new(DynamoStore::new(dynamodb)),
            None => Arc::new(SqliteStore::open(
                &config.data_dir.join("function.sqlite3"),
            )?),
        };
        let secret = match &config.secret {
            Some(secret) => Secret::new(secret.clone().into_bytes()),
            None => secret_from_file(&config.data_dir.join("secret.key"))?,
        };
        let sender = mail::sender_for(&config.mail_transport)?;
        let mut settings = Settings::new(&public_url);
        if let Some(scale) = config.rate_limit_scale {
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
        if let Some(operator) = &config.operator_email {
            settings.operator_email.clone_from(operator);
        }
        if let Some(intermediary) = &config.intermediary_email {
            settings.intermediary_email.clone_from(intermediary);
        }
        let mut state = Self::new(store, sender, settings, secret, Arc::new(SystemClock));
        let mut outbox = state.outbox.duplicate().inline(config.on_lambda);
        if let Some(from) = &config.mail_from {
            outbox = outbox.from_address(from);
        }
        state.outbox = Arc::new(outbox);
        state.proxy = Arc::new(config.proxy.clone());
        state = state
            .with_search(Search::open_on_first_use(&config.search_index))
            .with_pages(Pages::open_or_unavailable(&config.templates));
        state.load_catalog(&config.catalog);
        Ok(state.with_operator_token(config.operator_token.as_deref()))
    }

    /// The same state sending its mails through `sender` (e.g. `csp serve --smtp`).
    pub fn with_mail_sender(mut self, sender: Arc<dyn MailSender>) -> Self {
        self.outbox = Arc::new(self.outbox.with_sender(sender));
        self
    }

    /// The same state delivering mails before the handler answers (as on Lambda).
    pub fn delivering_inline(mut self) -> Self {
        self.outbox = Arc::new(self.outbox.duplicate().inline(true));
        self
    }

    /// Uses (or, after a rebuild, reloads) the order snapshot at `path`; it is read when
    /// an order or a need first needs it, and a missing or broken one is logged then. Without
    /// it, orders and needs answer "not available" instead of the function not starting.
    pub fn load_catalog(&self, path: &Path) {
        self.orders.set_catalog_file(path);
    }

    /// Opens the operator routes for this bearer token (at least 32 characters).
    pub fn with_operator_token(mut self, token: Option<&str>) -> Self {
        self.operator_token_hash = token.filter(|t| t.len() >= 32).map(sha256_hex);
        self
    }

    /// Serves search from `search` (opened once, shared by every request).
    pub fn with_search(mut self, search: Search) -> Self {
        self.search = Arc::new(SearchSlot::new(search));
        self
    }

    /// Replaces the search of this state and of every clone of it (the live preview after a
    /// rebuild).
    pub fn replace_search(&self, search: Search) {
        self.search.replace(search);
    }

    /// Renders pages with `pages` (loaded once, shared by every request).
    pub fn with_pages(mut self, pages: Pages) -> Self {
        self.pages = Arc::new(PagesSlot::new(pages));
        self
    }

    /// Replaces the pages of this state and of every clone of it (the live preview after the
    /// templates changed).
    pub fn replace_pages(&self, pages: Pages) {
        self.pages.replace(pages);
    }

    /// Renders `page` with the current templates, with the header of `session`.
    pub fn page(&self, page: Page<'_>, session: Option<&str>) -> axum::response::Response {
        self.pages.get().render(page, session)
    }
}

fn create_data_dir(data_dir: &Path) -> Result<(), StateError> {
    crate::private_files::create_private_dir_all(data_dir).map_err(|source| StateError::DataDir {
        path: data_dir.to_owned(),
        source,
    })
}

/// Where [`AppState::local`] records the portal's address for other processes on the folder
/// (`csp-function admin approve` sends its mails' links to the same address).
const PUBLIC_URL_FILE: &str = "public-url";

fn record_public_url(data_dir: &Path, public_base_url: &str) -> Result<(), StateError> {
    let recorded = data_dir.join(PUBLIC_URL_FILE);
    crate::private_files::write_private(&recorded, public_base_url.as_bytes()).map_err(|source| {
        StateError::DataDir {
            path: recorded.clone(),
            source,
        }
    })
}

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
