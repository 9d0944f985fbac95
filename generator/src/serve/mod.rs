//! `csp serve`: the whole portal on one machine, with live preview.
//!
//! One process serves the built site, the function's routes under `/api/` (on the embedded
//! SQLite store, mails as `.eml` files), and a small event stream that reloads open pages
//! after each rebuild and shows problems as an overlay. Content and theme are watched; see
//! [`preview`] for what a change rebuilds.

pub mod preview;
pub mod watch;

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::sync::broadcast;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::BroadcastStream;

use crate::build::BuildOptions;
use preview::{Preview, SiteGate};
use watch::{Batch, ChangeKind, Roots};

/// What `csp serve` was asked for.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub content: PathBuf,
    pub theme: PathBuf,
    pub bind: IpAddr,
    pub port: u16,
    /// Poll for changes instead of relying on inotify (network drives, containers).
    pub poll: bool,
    /// Where the preview keeps its site, the function's data, store and mails.
    pub state_dir: PathBuf,
    /// An SMTP server for the function's mails (`smtp://host:port`); `None` writes them
    /// as .eml files into the state folder.
    pub smtp: Option<String>,
}

#[derive(Clone)]
struct AppState {
    /// The last rebuild's report and problems; the rebuild itself does not hold this lock,
    /// so pages it has written are served while it goes on.
    shown: Arc<Mutex<Shown>>,
    site_dir: PathBuf,
    gate: SiteGate,
    events: broadcast::Sender<PreviewEvent>,
}

/// What the server shows of the preview: `/__csp/status`, and the problem overlay.
#[derive(Clone, Default)]
struct Shown {
    report: preview::RebuildReport,
    error: Option<String>,
}

impl Shown {
    fn of(preview: &Preview) -> Shown {
        Shown {
            report: preview.report.clone(),
            error: preview.error.clone(),
        }
    }
}

#[derive(Clone, Debug)]
enum PreviewEvent {
    Reload,
    Problem(String),
}

pub fn run(options: ServeOptions) -> anyhow::Result<()> {
    // The function's errors (every 5xx with its cause) and mail links in the terminal.
    functions::logging::init(false, functions::logging::SERVE_FILTER);
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("Die Laufzeitumgebung konnte nicht starten")?
        .block_on(serve(options))
}

async fn serve(options: ServeOptions) -> anyhow::Result<()> {
    let site_dir = options.state_dir.join("site");
    let data_dir = options.state_dir.join("function-data");
    let build_options = BuildOptions {
        content: options.content.clone(),
        theme: options.theme.clone(),
        out: site_dir.clone(),
        data_out: data_dir.clone(),
    };
    let address = SocketAddr::new(options.bind, options.port);
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .with_context(|| {
            format!(
                "Port {address} ist belegt oder nicht erlaubt; wählen Sie einen anderen mit --port"
            )
        })?;
    let local = listener.local_addr().context("Adresse des Servers")?;

    let started = Instant::now();
    let mut preview = Preview::new(build_options);
    preview.apply(&[ChangeKind::Content(options.content.clone())], started);
    match &preview.error {
        None => println!("Portal gebaut in {:.2} s.", started.elapsed().as_secs_f64()),
        Some(problem) => {
            eprintln!("{problem}\nDas Portal zeigt die Fehler an, bis sie behoben sind.")
        }
    }
    let gate = SiteGate::default();
    preview.gate = Some(gate.clone());
    let shown = Arc::new(Mutex::new(Shown::of(&preview)));
    let (events, _) = broadcast::channel(16);
    let state = AppState {
        shown: shown.clone(),
        site_dir: site_dir.clone(),
        gate,
        events: events.clone(),
    };

    let roots = Roots {
        content: std::fs::canonicalize(&options.content).context("Inhaltsordner")?,
        theme: std::fs::canonicalize(&options.theme).context("Theme-Ordner")?,
    };
    let public_url = format!("http://{local}");
    let mut function_state =
        functions::AppState::local(&options.state_dir.join("function"), &public_url)
            .context("Der lokale Dienst (Registrierung, Bestellungen) konnte nicht starten")?;
    if let Some(url) = &options.smtp {
        let sender =
            functions::mail::SmtpSender::from_url(url).with_context(|| format!("--smtp {url}"))?;
        function_state = function_state.with_mail_sender(std::sync::Arc::new(sender));
    }
    let function_state = function_state
        .with_search(functions::search::Search::open(
            &data_dir.join("search-index"),
        ))
        .with_pages(functions::pages::Pages::open_or_unavailable(
            &data_dir.join("templates"),
        ))
        // The operator's JSON routes, for trying them locally.
        .with_operator_token(std::env::var("CSP_OPERATOR_TOKEN").ok().as_deref());
    let snapshot = data_dir.join("catalog.json");
    function_state.load_catalog(&snapshot);
    sample_provider_account(&function_state, &options.state_dir.join("function/mail")).await;
    sample_operator_account(&function_state, &options.state_dir.join("function/mail")).await;
    sample_intermediary_account(&function_state, &options.state_dir.join("function/mail")).await;
    tokio::spawn(function_state.outbox.clone().deliver_forever());
    // Deadline reminders and expiries, clean-up and mail retries: the work Lambda's schedule
    // triggers in production.
    tokio::spawn(functions::due_work::run_forever(
        function_state.clone(),
        functions::due_work::PERIOD,
    ));

    let (watcher, changes) = watch::watch(&roots, options.poll, Duration::from_millis(30))?;
    // After every successful rebuild the function sees the new catalog, index and templates.
    let function = function_state.clone();
    let index_dir = data_dir.join("search-index");
    let templates_dir = data_dir.join("templates");
    let reload_function = move || {
        function.load_catalog(&snapshot);
        function.replace_search(functions::search::Search::open(&index_dir));
        function.replace_pages(functions::pages::Pages::open_or_unavailable(&templates_dir));
    };
    std::thread::spawn(move || {
        rebuild_loop(&roots, &changes, preview, &shown, &events, &reload_function);
    });

    let function = functions::router(function_state).layer(axum::middleware::from_fn(
        functions::web::request::log_server_errors,
    ));
    let app = Router::new()
        .route("/__csp/events", get(events_stream))
        .route("/__csp/status", get(status))
        .route("/__csp/reload.js", get(reload_script))
        .route("/__csp/preview.css", get(preview_style))
        .fallback(get(static_file))
        .layer(axum::middleware::from_fn(security_headers))
        .with_state(state)
        .merge(function);

    println!("Portal läuft: {public_url}/");
    println!(
        "Beobachte {} und {}{}; Strg+C beendet.",
        options.content.display(),
        options.theme.display(),
        if options.poll { " (Polling)" } else { "" }
    );
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
    .context("Server")?;
    drop(watcher);
    Ok(())
}

fn rebuild_loop(
    roots: &Roots,
    changes: &std::sync::mpsc::Receiver<Batch>,
    mut preview: Preview,
    shown: &Mutex<Shown>,
    events: &broadcast::Sender<PreviewEvent>,
    reload_function: &dyn Fn(),
) {
    while let Ok(batch) = changes.recv() {
        let mut kinds: Vec<ChangeKind> = batch
            .paths
            .iter()
            .filter_map(|p| roots.classify(p))
            .collect();
        kinds.sort_by_key(|k| format!("{k:?}"));
        kinds.dedup();
        if kinds.is_empty() {
            continue;
        }
        preview.apply(&kinds, batch.noticed);
        let report = &preview.report;
        match &preview.error {
            None => {
                let detail = report
                    .detail_ms
                    .map(|ms| {
                        format!(
                            ", Detailseite {:.0} ms nach dem Speichern",
                            report.waited_ms + ms
                        )
                    })
                    .unwrap_or_default();
                println!(
                    "geändert: {} → neu gebaut ({}): {} in {:.0} ms{}",
                    report.changed.join(", "),
                    report.kind,
                    summarize(&report.rendered),
                    report.total_ms,
                    detail
                );
                // The function sees the new catalog, index and layout before the status
                // reports the rebuild as done.
                reload_function();
                let _ = events.send(PreviewEvent::Reload);
            }
            Some(problem) => {
                eprintln!(
                    "geändert: {} → Fehler; die letzte gültige Fassung bleibt sichtbar:\n{problem}",
                    report.changed.join(", ")
                );
                let _ = events.send(PreviewEvent::Problem(problem.clone()));
            }
        }
        match shown.lock() {
            Ok(mut shown) => *shown = Shown::of(&preview),
            Err(_) => return,
        }
    }
}

fn summarize(rendered: &[String]) -> String {
    match rendered.len() {
        0 => "nichts".into(),
        1..=6 => rendered.join(", "),
        n => format!("{}, … ({n} insgesamt)", rendered[..4].join(", ")),
    }
}

async fn status(State(state): State<AppState>) -> Response {
    let Ok(shown) = state.shown.lock() else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    axum::Json(serde_json::json!({
        "report": shown.report,
        "error": shown.error,
    }))
    .into_response()
}

async fn events_stream(State(state): State<AppState>) -> impl IntoResponse {
    let stream = BroadcastStream::new(state.events.subscribe()).filter_map(|event| {
        let event = event.ok()?;
        Some(Ok::<Event, Infallible>(match event {
            PreviewEvent::Reload => Event::default().event("reload").data("1"),
            PreviewEvent::Problem(text) => Event::default().event("problem").data(text),
        }))
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}

/// Serves the built site from disk; HTML gets the reload script and, while content is
/// invalid, the problem overlay.
async fn static_file(State(state): State<AppState>, uri: Uri) -> Response {
    let problem = match state.shown.lock() {
        Ok(shown) => shown.error.clone(),
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    // Waits while a full build swaps the site folder.
    let read = {
        let _site = state.gate.read().await;
        let root = &state.site_dir;
        let (status, path) = match resolve(root, uri.path()) {
            Some(path) => (StatusCode::OK, path),
            None => (StatusCode::NOT_FOUND, root.join("404.html")),
        };
        tokio::fs::read(&path)
            .await
            .map(|bytes| (status, path, bytes))
    };
    let Ok((status, path, bytes)) = read else {
        let body = inject(
            "<!doctype html><html lang=\"de\"><title>Nicht gefunden</title><body><main><h1>Seite nicht gefunden</h1></main></body></html>",
            problem.as_deref(),
        );
        return (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            body,
        )
            .into_response();
    };
    let content_type = content_type(&path);
    let body = if content_type.starts_with("text/html") {
        inject(&String::from_utf8_lossy(&bytes), problem.as_deref()).into_bytes()
    } else {
        bytes
    };
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The site's security headers on every static answer (the function's routes set their own):
/// the same as the deployed distribution sends, except HSTS (there is no `https` here).
async fn security_headers(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    for (name, value) in functions::security_headers::STATIC_HEADERS {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

async fn reload_script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        RELOAD_SCRIPT,
    )
        .into_response()
}

async fn preview_style() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        PREVIEW_STYLE,
    )
        .into_response()
}

/// The file for a URL path inside `root`, refusing anything that leaves it.
fn resolve(root: &Path, url_path: &str) -> Option<PathBuf> {
    let decoded = percent_decode(url_path)?;
    let mut path = root.to_path_buf();
    for component in Path::new(decoded.trim_start_matches('/')).components() {
        match component {
            Component::Normal(part) => path.push(part),
            Component::CurDir => {}
            _ => return None,
        }
    }
    if path.is_dir() {
        path.push("index.html");
    }
    path.is_file().then_some(path)
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn content_type(path: &Path) -> &'static str {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
    {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "csv" => "text/csv; charset=utf-8",
        "xml" => "application/xml; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

/// The live-reload client, linked only by `csp serve` (never into `csp build` output). A file,
/// not inline: the Content-Security-Policy allows no inline script.
const RELOAD_SCRIPT: &str = r#"(()=>{const e=new EventSource("/__csp/events");
const show=t=>{let o=document.getElementById("csp-problem");if(!o){o=document.createElement("div");o.id="csp-problem";o.setAttribute("role","alert");document.body.append(o)}
o.textContent="csp serve: Der Inhalt ist nicht gültig; angezeigt wird die letzte gültige Fassung.\n\n"+t};
e.addEventListener("reload",()=>location.reload());e.addEventListener("problem",m=>show(m.data));})();
"#;

/// The problem overlay's look (a stylesheet: the policy allows no inline style either).
const PREVIEW_STYLE: &str = "#csp-problem{position:fixed;inset:auto 0 0 0;max-height:60vh;overflow:auto;background:#fff;color:#1a1a1a;border-top:4px solid #b00020;padding:1rem;z-index:99999;font:14px/1.4 monospace;white-space:pre-wrap}\n";

fn inject(html: &str, problem: Option<&str>) -> String {
    let overlay = problem
        .map(|p| {
            format!(
                "<div id=\"csp-problem\" role=\"alert\">csp serve: Der Inhalt ist nicht gültig; angezeigt wird die letzte gültige Fassung.\n\n{}</div>",
                catalog::format::escape_html(p)
            )
        })
        .unwrap_or_default();
    let addition = format!(
        "{overlay}<link rel=\"stylesheet\" href=\"/__csp/preview.css\"><script src=\"/__csp/reload.js\" data-csp-serve defer></script>"
    );
    match html.rfind("</body>") {
        Some(at) => format!("{}{addition}{}", &html[..at], &html[at..]),
        None => format!("{html}{addition}"),
    }
}

/// The provider account of the sample content, so the console "Eingegangene Bestellungen"
/// can be tried at once: created on the first start (its invitation lands in the mail
/// folder), then only named. Without the sample provider nothing is created.
async fn sample_provider_account(state: &functions::AppState, mail_dir: &Path) {
    use functions::domain::model::OrgKind;
    use functions::domain::orders::console::PartyOrgError;
    const PROVIDER: &str = "dataport";
    const EMAIL: &str = "konsole@dataport.example";
    let kind = OrgKind::Provider {
        provider_id: PROVIDER.to_owned(),
    };
    match state
        .orders
        .create_party_org(kind, "Dataport AöR (Beispiel)", "Konsole Dataport", EMAIL)
        .await
    {
        Ok(_) => {
            state.outbox.deliver_all().await;
            println!(
                "Anbieterkonto zum Ausprobieren angelegt: Dataport, {EMAIL}. Die Einladung liegt in {}: \
                 Link öffnen, Passwort festlegen, unter /api/anmeldung anmelden; die Bestellungen an \
                 Dataport stehen dann unter Ihr Konto › Eingegangene Bestellungen.",
                mail_dir.display()
            );
        }
        Err(PartyOrgError::Exists | PartyOrgError::EmailTaken) => println!(
            "Anbieterkonto zum Ausprobieren: Dataport, {EMAIL} (Einladung in {}; Passwort vergessen? /api/passwort-vergessen).",
            mail_dir.display()
        ),
        Err(PartyOrgError::UnknownProvider(_)) => {}
        Err(e) => eprintln!("Das Anbieterkonto zum Ausprobieren wurde nicht angelegt: {e}"),
    }
}

/// The intermediary's account (govdigital, the Umklappvertrag), like the provider's: created
/// on the first start with its invitation in the mail folder, then only named.
async fn sample_intermediary_account(state: &functions::AppState, mail_dir: &Path) {
    use functions::domain::model::OrgKind;
    use functions::domain::orders::console::PartyOrgError;
    const EMAIL: &str = "konsole@govdigital.example";
    match state
        .orders
        .create_party_org(
            OrgKind::Intermediary,
            "govdigital eG (Beispiel)",
            "Konsole govdigital",
            EMAIL,
        )
        .await
    {
        Ok(_) => {
            state.outbox.deliver_all().await;
            println!(
                "Intermediärskonto zum Ausprobieren angelegt: govdigital, {EMAIL}. Die Einladung liegt in {}: \
                 Link öffnen, Passwort festlegen, unter /api/anmeldung anmelden; die Bestellungen im \
                 Umklappvertrag stehen dann unter Ihr Konto › Eingegangene Bestellungen.",
                mail_dir.display()
            );
        }
        Err(PartyOrgError::Exists | PartyOrgError::EmailTaken) => println!(
            "Intermediärskonto zum Ausprobieren: govdigital, {EMAIL} (Einladung in {}; Passwort vergessen? /api/passwort-vergessen).",
            mail_dir.display()
        ),
        Err(e) => eprintln!("Das Intermediärskonto zum Ausprobieren wurde nicht angelegt: {e}"),
    }
}

/// The operator account of a local portal, so the operator console can be tried at once:
/// created on the first start (its invitation lands in the mail folder), then only named.
/// Operators must sign in with a second factor: the first sign-in sets it up with an
/// authenticator app. Nothing is created if the portal has an operator already.
async fn sample_operator_account(state: &functions::AppState, mail_dir: &Path) {
    use functions::domain::model::OrgKind;
    use functions::domain::orders::console::PartyOrgError;
    const EMAIL: &str = "konsole@betrieb.example";
    match state
        .orders
        .create_party_org(
            OrgKind::Operator,
            "Betrieb des Cloud-Service-Portals (Beispiel)",
            "Konsole Betrieb",
            EMAIL,
        )
        .await
    {
        Ok(_) => {
            state.outbox.deliver_all().await;
            println!(
                "Betreiberkonto zum Ausprobieren angelegt: {EMAIL}. Die Einladung liegt in {}: \
                 Link öffnen, Passwort festlegen, unter /api/anmeldung anmelden und die vorgeschriebene \
                 Zwei-Faktor-Anmeldung mit einer Authenticator-App einrichten; die Betriebskonsole \
                 beginnt unter /api/betrieb/registrierungen.",
                mail_dir.display()
            );
        }
        Err(PartyOrgError::Exists | PartyOrgError::EmailTaken) => println!(
            "Betreiberkonto zum Ausprobieren: {EMAIL}, falls es beim ersten Start angelegt wurde \
             (Einladung in {}; Betriebskonsole: /api/betrieb/registrierungen).",
            mail_dir.display()
        ),
        Err(e) => eprintln!("Das Betreiberkonto zum Ausprobieren wurde nicht angelegt: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_refuses_paths_outside_the_site() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("a")).expect("dir");
        std::fs::write(dir.path().join("a/index.html"), "x").expect("write");
        assert_eq!(
            resolve(dir.path(), "/a/"),
            Some(dir.path().join("a/index.html"))
        );
        assert_eq!(resolve(dir.path(), "/../etc/passwd"), None);
        assert_eq!(resolve(dir.path(), "/%2e%2e/etc/passwd"), None);
        assert_eq!(resolve(dir.path(), "/missing/"), None);
    }

    #[test]
    fn inject_adds_script_and_escaped_overlay_before_body_end() {
        let html = inject("<html><body><p>x</p></body></html>", Some("<b>Fehler</b>"));
        assert!(html.contains("&lt;b&gt;Fehler&lt;/b&gt;"));
        assert!(html.find("data-csp-serve").expect("script") < html.find("</body>").expect("end"));
    }
}
