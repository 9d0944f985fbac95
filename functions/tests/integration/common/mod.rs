//! Shared test helpers: a server on a free port with a chosen store, an HTTP client that
//! behaves like a browser form (Origin, cookies by hand, no redirects), and mail lookup.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod addresses;
pub mod cart;
pub mod checkout;
pub mod conformance;
pub mod console;
pub mod figures;
pub mod flows;
pub mod interest;
pub mod members;
pub mod newsletter;
pub mod operator_console;
pub mod operator_factor;
pub mod operator_orgs;
pub mod operator_pages;
pub mod operator_paging;
pub mod operator_providers;
pub mod order_lists;
pub mod orders;
pub mod profile;
pub mod return_to;
pub mod role_flows;
pub mod roles;
pub mod second_factor;
pub mod security;

use std::net::SocketAddr;
use std::sync::Arc;

use functions::domain::clock::ManualClock;
use functions::domain::orders::ports::PortalStore;
use functions::domain::tokens::Secret;
use functions::domain::{Limits, RateLimit};
use functions::mail::MemorySender;
use functions::{AppState, Settings};

pub const OPERATOR_TOKEN: &str = "operator-token-for-tests-0123456789abcdef";
pub const START: i64 = 1_800_000_000;

/// The order snapshot of the repository's sample content, loaded once per test binary.
pub fn sample_order_catalog() -> &'static catalog::snapshot::OrderCatalog {
    static CATALOG: std::sync::OnceLock<catalog::snapshot::OrderCatalog> =
        std::sync::OnceLock::new();
    CATALOG.get_or_init(|| {
        let content = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../content");
        let catalog = catalog::load_catalog(&content).expect("sample content is valid");
        catalog::snapshot::OrderCatalog::from_catalog(&catalog)
    })
}

/// A running function with its clock and mailbox.
pub struct TestApp {
    pub base: String,
    pub state: AppState,
    pub clock: Arc<ManualClock>,
    pub mails: MemorySender,
    pub http: reqwest::Client,
}

pub fn test_settings(base: &str) -> Settings {
    let mut settings = Settings::new(base);
    settings.operator_email = "betrieb@portal.example".to_owned();
    // Cheap proof of work keeps the tests fast; the check itself is the same.
    settings.altcha_max_number = 1000;
    settings.limits = Limits {
        registration_per_client: RateLimit {
            max: 100,
            window_secs: 3600,
        },
        ..Limits::default()
    };
    settings
}

/// The theme's templates, as the function renders its pages with them (`csp build` ships the
/// same ones to `function-data/templates/`).
pub fn theme_pages() -> functions::pages::Pages {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../themes/default/templates");
    functions::pages::Pages::load(&dir, catalog::layout::SiteMeta::default())
        .unwrap_or_else(|e| panic!("the theme's templates: {e}"))
}

/// Starts the router on a free loopback port over `store`.
pub async fn spawn(store: Arc<dyn PortalStore>) -> TestApp {
    spawn_with(store, |_| {}).await
}

/// Each mail to the test's memory (for the helpers below) and through the real SMTP test
/// server (`CSP_TEST_SMTP`), whose Maildir a test reads as a mailbox.
struct ThroughSmtp {
    memory: MemorySender,
    smtp: functions::mail::SmtpSender,
}

#[async_trait::async_trait]
impl functions::mail::MailSender for ThroughSmtp {
    async fn send(
        &self,
        from: &str,
        mail: &functions::domain::model::OutgoingMail,
    ) -> Result<(), functions::mail::MailError> {
        self.memory.send(from, mail).await?;
        self.smtp.send(from, mail).await
    }
}

/// [`spawn_with`] whose mails also travel through the real SMTP test server.
pub async fn spawn_smtp(
    store: Arc<dyn PortalStore>,
    adjust: impl FnOnce(&mut Settings),
) -> TestApp {
    let (address, _) = crate::contracts::smtp_server();
    spawn_sending(store, adjust, move |memory| {
        Arc::new(ThroughSmtp {
            memory,
            smtp: functions::mail::SmtpSender::from_url(&format!("smtp://{address}"))
                .expect("sender"),
        })
    })
    .await
}

pub async fn spawn_with(
    store: Arc<dyn PortalStore>,
    adjust: impl FnOnce(&mut Settings),
) -> TestApp {
    spawn_sending(store, adjust, |memory| Arc::new(memory)).await
}

async fn spawn_sending(
    store: Arc<dyn PortalStore>,
    adjust: impl FnOnce(&mut Settings),
    sender: impl FnOnce(MemorySender) -> Arc<dyn functions::mail::MailSender>,
) -> TestApp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let clock = Arc::new(ManualClock::new(START));
    let mails = MemorySender::default();
    let mut settings = test_settings(&base);
    adjust(&mut settings);
    let state = AppState::new(
        store,
        sender(mails.clone()),
        settings,
        Secret::new(b"t".repeat(32)),
        clock.clone(),
    )
    .with_operator_token(Some(OPERATOR_TOKEN))
    .with_pages(theme_pages());
    let state = state.delivering_inline();
    state.orders.set_catalog(sample_order_catalog().clone());
    let app = functions::standalone_router(state.clone());
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .expect("serve");
    });
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    TestApp {
        base,
        state,
        clock,
        mails,
        http,
    }
}

/// A response reduced to what the tests look at.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub location: Option<String>,
    pub set_cookie: Vec<String>,
    pub body: String,
    pub headers: reqwest::header::HeaderMap,
}

impl Reply {
    /// The value of cookie `name` set by this response, if any (empty when it is cleared).
    pub fn cookie_set(&self, name: &str) -> Option<String> {
        self.set_cookie.iter().find_map(|c| {
            let value = c.strip_prefix(name)?.strip_prefix('=')?.split(';').next()?;
            Some(value.to_owned())
        })
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// The session cookie value set by this response, if any.
    pub fn session_cookie(&self) -> Option<String> {
        self.set_cookie.iter().find_map(|c| {
            let value = c.strip_prefix("__Host-csp-sitzung=")?.split(';').next()?;
            (!value.is_empty()).then(|| value.to_owned())
        })
    }
}

async fn reply(response: reqwest::Response) -> Reply {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let location = headers
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let set_cookie = headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(str::to_owned)
        .collect();
    let body = response.text().await.expect("body");
    Reply {
        status,
        location,
        set_cookie,
        body,
        headers,
    }
}

/// How a request presents itself.
#[derive(Debug, Clone, Default)]
pub struct Opts {
    pub json: bool,
    pub cookie: Option<String>,
    /// `None`: the portal's own origin; `Some("")`: no Origin header; else that origin.
    pub origin: Option<String>,
    pub csrf: Option<String>,
    pub bearer: Option<String>,
    /// Another cookie (`name=value`) besides the session's.
    pub other_cookie: Option<String>,
    /// The page the request was sent from (`Referer`), a path of the portal.
    pub referer: Option<String>,
}

impl Opts {
    pub fn json() -> Self {
        Self {
            json: true,
            ..Self::default()
        }
    }
    pub fn html() -> Self {
        Self::default()
    }
    pub fn cookie(mut self, cookie: &str) -> Self {
        self.cookie = Some(cookie.to_owned());
        self
    }
    pub fn origin(mut self, origin: &str) -> Self {
        self.origin = Some(origin.to_owned());
        self
    }
    pub fn other_cookie(mut self, name_value: &str) -> Self {
        self.other_cookie = Some(name_value.to_owned());
        self
    }
    pub fn referer(mut self, path: &str) -> Self {
        self.referer = Some(path.to_owned());
        self
    }
    pub fn csrf(mut self, token: &str) -> Self {
        self.csrf = Some(token.to_owned());
        self
    }
    pub fn operator() -> Self {
        Self {
            json: true,
            bearer: Some(OPERATOR_TOKEN.to_owned()),
            ..Self::default()
        }
    }
}

impl TestApp {
    fn request(&self, method: reqwest::Method, path: &str, opts: &Opts) -> reqwest::RequestBuilder {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        req = req.header(
            "accept",
            if opts.json {
                "application/json"
            } else {
                "text/html"
            },
        );
        match opts.origin.as_deref() {
            None => req = req.header("origin", &self.base),
            Some("") => {}
            Some(origin) => req = req.header("origin", origin),
        }
        if let Some(cookie) = &opts.cookie {
            req = req.header("cookie", format!("__Host-csp-sitzung={cookie}"));
        }
        if let Some(cookie) = &opts.other_cookie {
            req = req.header("cookie", cookie);
        }
        if let Some(token) = &opts.csrf {
            req = req.header("x-csrf-token", token);
        }
        if let Some(path) = &opts.referer {
            req = req.header("referer", format!("{}{path}", self.base));
        }
        if let Some(token) = &opts.bearer {
            req = req.header("authorization", format!("Bearer {token}"));
        }
        req
    }

    pub async fn get(&self, path: &str, opts: Opts) -> Reply {
        reply(
            self.request(reqwest::Method::GET, path, &opts)
                .send()
                .await
                .expect("GET"),
        )
        .await
    }

    /// A download: status, headers and the body's bytes.
    pub async fn get_bytes(
        &self,
        path: &str,
        opts: Opts,
    ) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
        let response = self
            .request(reqwest::Method::GET, path, &opts)
            .send()
            .await
            .expect("GET");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.bytes().await.expect("body").to_vec();
        (status, headers, body)
    }

    /// The session's CSRF token, as the site's script reads it from `/api/sitzung`.
    pub async fn csrf_token(&self, cookie: &str) -> String {
        self.get("/api/sitzung", Opts::json().cookie(cookie))
            .await
            .json()["csrf"]
            .as_str()
            .expect("a signed-in session has a CSRF token")
            .to_owned()
    }

    /// Posts `fields` as a URL-encoded form.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)], opts: Opts) -> Reply {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let req = self
            .request(reqwest::Method::POST, path, &opts)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        reply(req.send().await.expect("POST")).await
    }

    /// Posts a raw body with a content type.
    pub async fn post_raw(
        &self,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
        opts: Opts,
    ) -> Reply {
        let req = self
            .request(reqwest::Method::POST, path, &opts)
            .header("content-type", content_type)
            .body(body);
        reply(req.send().await.expect("POST")).await
    }

    /// The link in the newest mail to `to` whose subject contains `subject`.
    pub fn link_in_mail(&self, to: &str, subject: &str) -> String {
        let mail = self
            .mails
            .sent()
            .into_iter()
            .rev()
            .find(|m| m.to == to && m.subject.contains(subject))
            .unwrap_or_else(|| {
                panic!(
                    "no mail to {to} about {subject:?}; sent: {:#?}",
                    self.mails.sent()
                )
            });
        mail.body
            .lines()
            .map(str::trim)
            .find(|l| l.starts_with(&self.base))
            .unwrap_or_else(|| panic!("no link in {}", mail.body))
            .to_owned()
    }

    pub fn mails_to(&self, to: &str) -> usize {
        self.mails.sent().iter().filter(|m| m.to == to).count()
    }

    /// A solved proof-of-work challenge from `/api/altcha`.
    pub async fn altcha(&self) -> String {
        let challenge: functions::domain::human_check::Challenge =
            serde_json::from_str(&self.get("/api/altcha", Opts::json()).await.body)
                .expect("challenge");
        functions::domain::human_check::solve(&challenge).expect("solvable")
    }
}

/// The path and query of a link in a mail.
pub fn path_of(link: &str) -> String {
    let rest = link.split_once("://").map(|(_, r)| r).unwrap_or(link);
    rest.find('/')
        .map(|i| rest[i..].to_owned())
        .unwrap_or_else(|| "/".to_owned())
}

/// The `token` query parameter of a link.
pub fn token_of(link: &str) -> String {
    link.split("token=")
        .nth(1)
        .expect("token in link")
        .to_owned()
}

/// A complete, valid registration form for `email`.
pub fn registration(org: &str, email: &str) -> Vec<(&'static str, String)> {
    vec![
        ("organisation", org.to_owned()),
        ("rechtsform", "Gebietskörperschaft".to_owned()),
        ("strasse", "Rathausplatz 1".to_owned()),
        ("plz", "12345".to_owned()),
        ("ort", "Musterstadt".to_owned()),
        ("ebene", "Kommune".to_owned()),
        ("inhouse", "ja".to_owned()),
        ("name", "Erika Mustermann".to_owned()),
        ("email", email.to_owned()),
        ("telefon", "030 1234567".to_owned()),
        ("agb", "ja".to_owned()),
        ("datenschutz", "ja".to_owned()),
    ]
}

pub fn as_pairs<'a>(fields: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    fields.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

pub const PASSWORD: &str = "ein sehr langes Passwort mit vielen Wörtern";

/// Pages looked at through an HTML parser.
pub mod markup {
    /// The texts of the elements `css` selects, spaces folded.
    pub fn texts(html: &str, css: &str) -> Vec<String> {
        let selector = scraper::Selector::parse(css).expect("selector");
        scraper::Html::parse_document(html)
            .select(&selector)
            .map(|e| {
                e.text()
                    .collect::<String>()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }

    /// The values of attribute `attr` of the elements `css` selects.
    pub fn attrs(html: &str, css: &str, attr: &str) -> Vec<String> {
        let selector = scraper::Selector::parse(css).expect("selector");
        scraper::Html::parse_document(html)
            .select(&selector)
            .filter_map(|e| e.value().attr(attr).map(str::to_owned))
            .collect()
    }
}
