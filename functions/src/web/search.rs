//! `GET /api/suche`: full-text search over the catalog's tantivy index.
//!
//! JSON for `Accept: application/json` (search as you type, instant filters); otherwise a
//! results page in the site's layout (`function-data/shell.html`), so the header's plain
//! `<form action="/api/suche">` works without JavaScript. The index and the layout are read
//! once at start-up (see [`Search::from_env`]); a request only searches memory.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use search_index::{
    FacetCount, SearchError, SearchIndex, SearchParams, SearchRequest, SearchResponse, Sort,
    escape_html,
};

use crate::config::AppState;

/// Where the index is looked for when `CSP_SEARCH_INDEX` is not set.
pub const DEFAULT_INDEX_DIR: &str = "function-data/search-index";

const TITLE_MARKER: &str = "<!--csp:title-->";
const DESCRIPTION_MARKER: &str = "<!--csp:description-->";
const MAIN_MARKER: &str = "<!--csp:main-->";

/// Used when `shell.html` is missing (the site has not been built): plain but valid.
const FALLBACK_SHELL: &str = "<!doctype html>\n<html lang=\"de\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title><!--csp:title--></title><meta name=\"description\" content=\"<!--csp:description-->\">\
<link rel=\"stylesheet\" href=\"/assets/portal.css\"></head>\
<body><main id=\"inhalt\"><!--csp:main--></main></body></html>\n";

/// The opened index and the page layout, shared by all requests.
pub struct Search {
    index: Option<SearchIndex>,
    /// Why there is no index, for the log and the 503 page.
    problem: Option<String>,
    shell: String,
}

impl std::fmt::Debug for Search {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Search")
            .field("index", &self.index)
            .field("problem", &self.problem)
            .finish_non_exhaustive()
    }
}

impl Search {
    /// No index: the route answers 503 (tests of other routes, a function without a site).
    pub fn unavailable() -> Search {
        Search {
            index: None,
            problem: Some("no search index configured".to_owned()),
            shell: FALLBACK_SHELL.to_owned(),
        }
    }

    /// Opens the index at `CSP_SEARCH_INDEX` (default [`DEFAULT_INDEX_DIR`]) and the layout at
    /// `CSP_SHELL` (default `shell.html` beside the index folder). A missing or broken index
    /// is logged and leaves search unavailable instead of stopping the function.
    pub fn from_env() -> Search {
        let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        let index_dir =
            var("CSP_SEARCH_INDEX").map_or_else(|| PathBuf::from(DEFAULT_INDEX_DIR), PathBuf::from);
        let shell = var("CSP_SHELL").map(PathBuf::from);
        Search::open(&index_dir, shell.as_deref())
    }

    /// Opens the index in `index_dir` and the layout `shell` (default: `shell.html` in the
    /// folder that holds `index_dir`).
    pub fn open(index_dir: &Path, shell: Option<&Path>) -> Search {
        let shell_path = shell.map_or_else(
            || {
                index_dir
                    .parent()
                    .unwrap_or(Path::new("."))
                    .join("shell.html")
            },
            Path::to_owned,
        );
        let shell = match std::fs::read_to_string(&shell_path) {
            Ok(text) if text.contains(MAIN_MARKER) => text,
            Ok(_) => {
                tracing::warn!(path = %shell_path.display(), "shell.html has no <!--csp:main--> marker; search pages use a plain layout");
                FALLBACK_SHELL.to_owned()
            }
            Err(e) => {
                tracing::warn!(path = %shell_path.display(), error = %e, "no shell.html; search pages use a plain layout");
                FALLBACK_SHELL.to_owned()
            }
        };
        match SearchIndex::open(index_dir) {
            Ok(index) => {
                tracing::info!(path = %index_dir.display(), offerings = index.len(), "search index opened");
                Search {
                    index: Some(index),
                    problem: None,
                    shell,
                }
            }
            Err(e) => {
                tracing::warn!(path = %index_dir.display(), error = %e, "search is unavailable");
                Search {
                    index: None,
                    problem: Some(e.to_string()),
                    shell,
                }
            }
        }
    }

    /// A whole page in the site's layout (`shell.html`): what every page the function renders
    /// for people looks like.
    pub fn shell_page(&self, title: &str, main: &str) -> String {
        page(&self.shell, title, main).0
    }

    /// [`Search::shell_page`] with a title that is already HTML-escaped.
    pub fn shell_page_escaped(&self, escaped_title: &str, main: &str) -> String {
        self.shell
            .replacen(
                TITLE_MARKER,
                &format!("{escaped_title} – Cloud-Service-Portal"),
                1,
            )
            .replacen(
                DESCRIPTION_MARKER,
                "Cloud-Service-Portal der öffentlichen Verwaltung",
                1,
            )
            .replacen(MAIN_MARKER, main, 1)
    }

    /// The opened index, if any.
    pub fn index(&self) -> Option<&SearchIndex> {
        self.index.as_ref()
    }
}

/// The search in use: opened once and shared by every request, and replaced as a whole
/// when the live preview (`csp serve`) has rebuilt the index or the layout.
#[derive(Debug)]
pub struct SearchSlot(RwLock<Arc<Search>>);

impl SearchSlot {
    pub fn new(search: Search) -> Self {
        Self(RwLock::new(Arc::new(search)))
    }

    /// The current search (requests keep the one they started with).
    pub fn get(&self) -> Arc<Search> {
        match self.0.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    pub fn replace(&self, search: Search) {
        match self.0.write() {
            Ok(mut guard) => *guard = Arc::new(search),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(search),
        }
    }
}

impl AppState {
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
}

/// `GET /api/suche?q=…&kategorie=…&typ=…&anbieter=…&vertragsmodell=…&sortierung=…&seite=…`
pub async fn search(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let json = wants_json(&headers);
    let search = state.search.get();
    let search = search.as_ref();
    let params = parse_params(query.as_deref().unwrap_or_default());
    let Some(index) = search.index() else {
        tracing::error!(
            problem = search.problem.as_deref().unwrap_or_default(),
            "search requested but unavailable"
        );
        let message =
            "Die Suche ist gerade nicht verfügbar. Bitte versuchen Sie es später noch einmal.";
        return failure(
            search,
            json,
            StatusCode::SERVICE_UNAVAILABLE,
            message,
            &params,
        );
    };
    let result = SearchRequest::from_params(&params).and_then(|request| {
        let response = index.search(&request)?;
        Ok((request, response))
    });
    match result {
        Ok((_, response)) if json => cacheable(axum::Json(response).into_response()),
        Ok((request, response)) => cacheable(html_page(&search.shell, &request, &response)),
        Err(e @ SearchError::BadRequest(_)) => failure(
            search,
            json,
            StatusCode::BAD_REQUEST,
            &e.to_string(),
            &params,
        ),
        Err(e) => {
            tracing::error!(error = %e, "search failed");
            let message = "Bei der Suche ist ein Fehler aufgetreten. Bitte versuchen Sie es später noch einmal.";
            failure(
                search,
                json,
                StatusCode::INTERNAL_SERVER_ERROR,
                message,
                &params,
            )
        }
    }
}

/// JSON only when asked for: browsers submitting the header form ask for HTML.
fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|range| {
            range
                .split(';')
                .next()
                .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
        })
}

/// The query string's parameters; for a repeated parameter the last one counts, unknown ones
/// are ignored, bad percent-encoding is read leniently.
fn parse_params(query: &str) -> SearchParams {
    let mut params = SearchParams::default();
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        let value = Some(value.into_owned());
        match key.as_ref() {
            "q" => params.q = value,
            "kategorie" => params.kategorie = value,
            "typ" => params.typ = value,
            "anbieter" => params.anbieter = value,
            "vertragsmodell" => params.vertragsmodell = value,
            "sortierung" => params.sortierung = value,
            "seite" => params.seite = value,
            _ => {}
        }
    }
    params
}

/// Results depend only on the deployed index: the same for everyone.
fn cacheable(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    headers.insert(header::VARY, HeaderValue::from_static("Accept"));
    response
}

fn failure(
    search: &Search,
    json: bool,
    status: StatusCode,
    message: &str,
    params: &SearchParams,
) -> Response {
    let mut response = if json {
        (status, axum::Json(serde_json::json!({ "fehler": message }))).into_response()
    } else {
        let q = params.q.as_deref().unwrap_or_default();
        let mut main = String::new();
        let _ = write!(
            main,
            "<h1>Suche</h1>\n<div class=\"error-summary\" role=\"alert\"><p>{}</p></div>\n{}",
            escape_html(message),
            search_form(q)
        );
        (status, page(&search.shell, "Suche", &main)).into_response()
    };
    response
        .headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Accept"));
    response
}

fn page(shell: &str, title: &str, main: &str) -> axum::response::Html<String> {
    let title = format!("{} – Cloud-Service-Portal", escape_html(title));
    axum::response::Html(
        shell
            .replacen(TITLE_MARKER, &title, 1)
            .replacen(DESCRIPTION_MARKER, "Suche im Katalog der Cloud-Services", 1)
            .replacen(MAIN_MARKER, main, 1),
    )
}

fn search_form(q: &str) -> String {
    format!(
        "<form class=\"search-page-form\" action=\"/api/suche\" method=\"get\" role=\"search\" aria-label=\"Suche ändern\">\n\
<label for=\"suche-seite-q\">Suchbegriff</label>\n\
<input id=\"suche-seite-q\" name=\"q\" type=\"search\" value=\"{}\" maxlength=\"{}\">\n\
<button type=\"submit\">Suchen</button>\n</form>\n",
        escape_html(q),
        search_index::MAX_QUERY_CHARS
    )
}

/// A link to the same search with some parameters changed (`None` removes one).
fn link(request: &SearchRequest, changes: &[(&str, Option<&str>)]) -> String {
    let mut pairs: Vec<(&str, String)> = request
        .to_params()
        .into_iter()
        .filter(|(k, _)| *k != "seite")
        .collect();
    for (key, value) in changes {
        pairs.retain(|(k, _)| k != key);
        if let Some(v) = value {
            pairs.push((key, (*v).to_owned()));
        }
    }
    let mut url = form_urlencoded::Serializer::new(String::new());
    for (k, v) in &pairs {
        url.append_pair(k, v);
    }
    let query = url.finish();
    if query.is_empty() {
        "/api/suche".to_owned()
    } else {
        format!("/api/suche?{}", escape_html(&query))
    }
}

/// The results page: search form, count, hits, facets as links, pages, and for no hits the
/// suggestions and "Bedarf melden".
fn html_page(shell: &str, request: &SearchRequest, response: &SearchResponse) -> Response {
    let q = request.q.trim();
    let mut main = String::new();
    let heading = if q.is_empty() {
        "Suche".to_owned()
    } else {
        format!("Suche nach „{}“", escape_html(q))
    };
    let _ = writeln!(main, "<h1>{heading}</h1>");
    main.push_str(&search_form(&request.q));
    let count = match response.total {
        0 => "Keine Treffer".to_owned(),
        1 => "1 Treffer".to_owned(),
        n => format!("{n} Treffer"),
    };
    let range = if response.hits.is_empty() || response.pages <= 1 {
        String::new()
    } else {
        let first = (response.page as usize - 1) * search_index::PER_PAGE + 1;
        format!(
            ", angezeigt {} bis {}",
            first,
            first + response.hits.len() - 1
        )
    };
    let _ = writeln!(
        main,
        "<p class=\"result-count\" role=\"status\">{count}{range}</p>"
    );

    if response.total == 0 {
        if let Some(bedarf) = &response.bedarf_melden {
            let _ = writeln!(
                main,
                "<p>Sie suchen etwas, das es hier noch nicht gibt? <a href=\"{}\">Bedarf melden</a></p>",
                escape_html(bedarf)
            );
        }
        if !response.suggestions.is_empty() {
            main.push_str("<h2>Vielleicht suchen Sie</h2>\n<ul class=\"suggestions\">\n");
            for s in &response.suggestions {
                let _ = writeln!(
                    main,
                    "<li><a href=\"{}\">{}</a> <span class=\"provider\">{}</span></li>",
                    escape_html(&s.url),
                    escape_html(&s.name),
                    escape_html(&s.provider)
                );
            }
            main.push_str("</ul>\n");
        }
    }

    if response.total > 0 {
        main.push_str("<div class=\"catalog-layout\">\n<aside class=\"filters\" aria-labelledby=\"filter-titel\">\n<h2 id=\"filter-titel\">Filtern</h2>\n");
        let groups: [(&str, &str, &Vec<FacetCount>); 4] = [
            ("kategorie", "Kategorie", &response.facets.kategorie),
            ("typ", "Servicetyp", &response.facets.typ),
            ("anbieter", "Anbieter", &response.facets.anbieter),
            (
                "vertragsmodell",
                "Vertragsmodell",
                &response.facets.vertragsmodell,
            ),
        ];
        for (name, legend, values) in groups {
            if values.is_empty() {
                continue;
            }
            let _ = writeln!(main, "<details open>\n<summary>{legend}</summary>\n<ul>");
            let chosen = values.iter().any(|v| v.selected);
            if chosen {
                let _ = writeln!(
                    main,
                    "<li><a href=\"{}\">Alle</a></li>",
                    link(request, &[(name, None)])
                );
            }
            for v in values {
                let sub = if v.value.contains('/') {
                    " class=\"sub\""
                } else {
                    ""
                };
                if v.selected {
                    let _ = writeln!(
                        main,
                        "<li{sub}><strong aria-current=\"true\">{}</strong> <span class=\"count\">({})</span></li>",
                        escape_html(&v.label),
                        v.count
                    );
                } else {
                    let _ = writeln!(
                        main,
                        "<li{sub}><a href=\"{}\">{}</a> <span class=\"count\">({})</span></li>",
                        link(request, &[(name, Some(&v.value))]),
                        escape_html(&v.label),
                        v.count
                    );
                }
            }
            main.push_str("</ul>\n</details>\n");
        }
        main.push_str("<p>Sortierung:</p>\n<ul class=\"sort\">\n");
        for sort in Sort::ALL {
            if sort == response.sort {
                let _ = writeln!(
                    main,
                    "<li><strong aria-current=\"true\">{}</strong></li>",
                    sort.label()
                );
            } else {
                let value = (sort != Sort::default()).then_some(sort.as_str());
                let _ = writeln!(
                    main,
                    "<li><a href=\"{}\">{}</a></li>",
                    link(request, &[("sortierung", value)]),
                    sort.label()
                );
            }
        }
        main.push_str("</ul>\n</aside>\n<section class=\"results\" aria-labelledby=\"treffer-titel\">\n<h2 id=\"treffer-titel\" class=\"visually-hidden\">Ergebnisse</h2>\n<ol class=\"tiles\">\n");
        for hit in &response.hits {
            let _ = writeln!(
                main,
                "<li class=\"tile\"><h3><a href=\"{}\">{}</a></h3>\n<p class=\"provider\">{} · {}</p>\n<p>{}</p>\n<p class=\"meta\">{} · Reifegrad {} %</p></li>",
                escape_html(&hit.url),
                escape_html(&hit.name),
                escape_html(&hit.provider),
                escape_html(&hit.typ),
                // Already escaped, with <mark> around the matched words.
                hit.summary_html,
                escape_html(&hit.price_from),
                hit.maturity
            );
        }
        main.push_str("</ol>\n");
        if response.pages > 1 {
            let page_link = |p: u32| {
                let mut href = link(request, &[]);
                if p > 1 {
                    href.push_str(if href.contains('?') { "&amp;" } else { "?" });
                    let _ = write!(href, "seite={p}");
                }
                href
            };
            main.push_str("<nav aria-label=\"Seiten\"><ul class=\"pagination\">\n");
            if response.page > 1 {
                let _ = writeln!(
                    main,
                    "<li><a href=\"{}\" rel=\"prev\">Zurück</a></li>",
                    page_link(response.page - 1)
                );
            }
            let _ = writeln!(
                main,
                "<li>Seite {} von {}</li>",
                response.page, response.pages
            );
            if response.page < response.pages {
                let _ = writeln!(
                    main,
                    "<li><a href=\"{}\" rel=\"next\">Weiter</a></li>",
                    page_link(response.page + 1)
                );
            }
            main.push_str("</ul></nav>\n");
        }
        main.push_str("</section>\n</div>\n");
    }
    let title = if q.is_empty() {
        "Suche".to_owned()
    } else {
        format!("Suche nach „{q}“")
    };
    page(shell, &title, &main).into_response()
}
