//! `GET /api/suche` through the function's router: JSON and HTML, filters, bad requests, no
//! hits with "Bedarf melden", and a function without an index.
use std::path::Path;
use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use functions::domain::clock::SystemClock;
use functions::domain::tokens::Secret;
use functions::mail::MemorySender;
use functions::search::Search;
use functions::store::SqliteStore;
use functions::{AppState, Settings};
use tower::ServiceExt;

use crate::common::markup::{attrs, texts};

/// Function data as `csp build` writes it: the index of the sample content.
fn function_data() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let content = Path::new(env!("CARGO_MANIFEST_DIR")).join("../content");
        let catalog = catalog::load_catalog(&content).expect("sample content is valid");
        search_index::build_index(&catalog, &dir.path().join("search-index")).unwrap();
        dir
    })
    .path()
}

fn state(search: Search) -> AppState {
    AppState::new(
        Arc::new(SqliteStore::open_in_memory().unwrap()),
        Arc::new(MemorySender::default()),
        Settings::new("http://localhost:8080"),
        Secret::new(b"s".repeat(32)),
        Arc::new(SystemClock),
    )
    .with_search(search)
    .with_pages(
        functions::pages::Pages::load(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("../themes/default/templates"),
            catalog::layout::SiteMeta::default(),
        )
        .expect("the theme's templates"),
    )
}

/// The site's layout: its header with the search, its navigation and its footer.
fn assert_site_layout(html: &str) {
    assert_eq!(texts(html, "header.site-header a.brand").len(), 1, "{html}");
    assert!(!texts(html, "nav.main-nav li").is_empty(), "{html}");
    assert!(!texts(html, "footer.site-footer h2").is_empty(), "{html}");
}

fn app() -> axum::Router {
    static SEARCH: OnceLock<AppState> = OnceLock::new();
    let state = SEARCH.get_or_init(|| state(Search::open(&function_data().join("search-index"))));
    functions::router(state.clone())
}

async fn get(app: axum::Router, uri: &str, accept: &str) -> (StatusCode, String, String) {
    let request = Request::get(uri)
        .header(header::ACCEPT, accept)
        .body(Body::empty())
        .unwrap();
    let response = app.oneshot(request).await.unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (
        status,
        content_type,
        String::from_utf8(body.to_vec()).unwrap(),
    )
}

async fn get_json(uri: &str) -> (StatusCode, serde_json::Value) {
    let (status, content_type, body) = get(app(), uri, "application/json").await;
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    (status, serde_json::from_str(&body).unwrap())
}

const BROWSER: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

#[tokio::test]
async fn json_search_returns_highlighted_hits_facets_and_timing() {
    let (status, json) = get_json("/api/suche?q=messenger").await;
    assert_eq!(status, StatusCode::OK);
    let first = &json["hits"][0];
    assert_eq!(first["id"], "dmessenger");
    assert_eq!(first["url"], "/cloud-services/dmessenger/");
    assert_eq!(first["name"], "dMessenger");
    assert_eq!(first["provider"], "Dataport AöR");
    assert!(
        first["summary_html"]
            .as_str()
            .unwrap()
            .contains("<mark>Messenger</mark>")
    );
    assert!(json["total"].as_u64().unwrap() >= 1);
    assert!(json["took_us"].is_u64());
    assert!(json["facets"]["typ"]["saas"].as_u64().unwrap() >= 1);
    assert!(json["facets"]["anbieter"]["dataport"].as_u64().unwrap() >= 1);
}

#[tokio::test]
async fn json_filters_sort_and_page() {
    let (_, json) = get_json("/api/suche?typ=iaas&sortierung=preis").await;
    let total = json["total"].as_u64().unwrap();
    assert!(total > 0);
    assert_eq!(json["sort"], "preis");
    assert_eq!(json["facets"]["typ"]["iaas"].as_u64().unwrap(), total);
    let (_, json) = get_json("/api/suche?seite=2").await;
    assert_eq!(json["page"], 2);
    assert_eq!(json["hits"].as_array().unwrap().len(), 10);
    // Empty form fields are "all".
    let (status, json) =
        get_json("/api/suche?q=&kategorie=&typ=&anbieter=&vertragsmodell=&sortierung=&seite=")
            .await;
    assert_eq!(status, StatusCode::OK);
    assert!(json["total"].as_u64().unwrap() > 30);
}

#[tokio::test]
async fn bad_parameters_get_a_400_with_a_german_message() {
    for uri in [
        "/api/suche?typ=xaas",
        "/api/suche?seite=0",
        "/api/suche?sortierung=zufall",
        "/api/suche?kategorie=%3Cscript%3E",
    ] {
        let (status, json) = get_json(uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}");
        assert!(json["fehler"].as_str().unwrap().starts_with("Un"), "{json}");
    }
    let (status, _, html) = get(app(), "/api/suche?typ=%3Cb%3E", BROWSER).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_site_layout(&html);
    let message = texts(&html, "main .error-summary");
    assert!(message.iter().any(|m| m.contains("„<b>“")), "{message:?}");
    assert!(
        texts(&html, "main b").is_empty(),
        "the input is escaped: {html}"
    );
}

#[tokio::test]
async fn odd_search_words_never_fail() {
    let long = "x".repeat(10_000);
    for q in [
        "name%3Ax+AND+%28",
        "%22unbalanced",
        "%21%21%21",
        "%FF%FE",
        long.as_str(),
        "%00",
    ] {
        let (status, _) = get_json(&format!("/api/suche?q={q}")).await;
        assert_eq!(status, StatusCode::OK, "{q}");
        let (status, _, _) = get(app(), &format!("/api/suche?q={q}"), BROWSER).await;
        assert_eq!(status, StatusCode::OK, "{q}");
    }
}

#[tokio::test]
async fn html_results_page_uses_the_site_layout_and_escapes_input() {
    let (status, content_type, html) = get(
        app(),
        "/api/suche?q=Gr%C3%BCnfl%C3%A4chen+%3Cscript%3E",
        BROWSER,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.starts_with("text/html"));
    assert!(html.starts_with("<!doctype html>"));
    assert_site_layout(&html);
    assert_eq!(
        texts(&html, "title"),
        ["Suche nach „Grünflächen <script>“ – Cloud-Service-Portal"]
    );
    assert!(
        texts(&html, "main script").is_empty(),
        "the input is escaped: {html}"
    );
    let (_, _, html) = get(app(), "/api/suche?q=Gr%C3%BCnfl%C3%A4chen", BROWSER).await;
    assert!(
        attrs(&html, "main .results h3 a", "href")
            .contains(&"/cloud-services/gruenflaechenkataster/".to_owned()),
        "{html}"
    );
    assert!(!texts(&html, "main .results mark").is_empty(), "{html}");
    assert_eq!(attrs(&html, "#suche-seite-q", "value"), ["Grünflächen"]);
    // Facets are links that keep the words.
    assert!(
        attrs(&html, "main .filters a", "href")
            .contains(&"/api/suche?q=Gr%C3%BCnfl%C3%A4chen&typ=saas".to_owned()),
        "{html}"
    );
}

#[tokio::test]
async fn the_results_page_shows_prices_as_the_catalog_does() {
    // A free demo beside a paid plan, and several paid plans: the words of the site's tiles.
    let (_, _, html) = get(app(), "/api/suche?q=Conceptboard", BROWSER).await;
    assert!(
        html.contains("kostenfrei oder 7,90 € je Person und Monat, netto · Reifegrad"),
        "{html}"
    );
    let (_, _, html) = get(app(), "/api/suche?q=dMessenger", BROWSER).await;
    assert!(
        html.contains("ab 2,90 € je Nutzer und Monat, netto · Reifegrad"),
        "{html}"
    );
    assert!(!html.contains("ab ab"), "{html}");
}

#[tokio::test]
async fn no_hits_offers_bedarf_melden_and_suggestions() {
    let (_, json) = get_json("/api/suche?q=Kubernetis+Cluster+Hamburg").await;
    assert_eq!(json["total"], 0);
    assert_eq!(
        json["bedarf_melden"],
        "/bedarf-melden/?titel=Kubernetis+Cluster+Hamburg"
    );
    assert_eq!(json["suggestions"][0]["id"], "managed-kubernetes");
    let (status, _, html) = get(app(), "/api/suche?q=Kubernetis+Cluster+Hamburg", BROWSER).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        attrs(&html, "main a", "href")
            .contains(&"/bedarf-melden/?titel=Kubernetis+Cluster+Hamburg".to_owned()),
        "{html}"
    );
    assert!(
        attrs(&html, "main .suggestions a", "href")
            .contains(&"/cloud-services/managed-kubernetes/".to_owned())
    );
}

#[tokio::test]
async fn without_an_index_search_answers_503() {
    let app = functions::router(state(Search::open(Path::new("/nonexistent/search-index"))));
    let (status, _, body) = get(app.clone(), "/api/suche?q=x", "application/json").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(body.contains("nicht verfügbar"));
    let (status, _, html) = get(app, "/api/suche?q=x", BROWSER).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_site_layout(&html);
}

/// A start-up reads neither the index nor the order snapshot (a Lambda cold start answers its
/// first request without them): both are read by the first request that needs them. Shown
/// by creating them only after the function has started.
#[tokio::test]
async fn index_and_snapshot_are_read_by_the_first_request_that_needs_them() {
    let later = tempfile::tempdir().unwrap();
    let index_dir = later.path().join("search-index");
    let snapshot = later.path().join("catalog.json");
    let state = state(Search::open_on_first_use(&index_dir));
    state.load_catalog(&snapshot);
    let app = functions::router(state.clone());
    let (status, _, _) = get(app.clone(), "/api/sitzung", "application/json").await;
    assert_eq!(status, StatusCode::OK, "answers before anything is read");

    copy_dir(&function_data().join("search-index"), &index_dir);
    let mut file = std::fs::File::create(&snapshot).unwrap();
    crate::common::sample_order_catalog()
        .clone()
        .write_json(&mut file)
        .unwrap();
    drop(file);

    let (status, _, body) = get(app, "/api/suche?q=Messenger", "application/json").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("dmessenger"), "{body}");
    let catalog = state.orders.catalog().expect("the snapshot, read now");
    assert!(catalog.offering("dmessenger").is_some());
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
