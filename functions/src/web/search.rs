//! `GET /api/suche`: full-text search over the catalog's tantivy index.
//!
//! JSON for `Accept: application/json` (search as you type, instant filters); otherwise the
//! theme's results page (`search.html`), so the header's plain `<form action="/api/suche">`
//! works without JavaScript. The index is opened once at start-up
//! ([`crate::search::Search`]); a request only searches memory.

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use search_index::{FacetCount, SearchError, SearchParams, SearchRequest, SearchResponse, Sort};
use serde::Serialize;

use crate::pages::Page;
use crate::state::AppState;

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
            &state,
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
        Ok((request, response)) => cacheable(html_page(&state, &request, &response)),
        Err(e @ SearchError::BadRequest(_)) => failure(
            &state,
            json,
            StatusCode::BAD_REQUEST,
            &e.to_string(),
            &params,
        ),
        Err(e) => {
            tracing::error!(error = %e, "search failed");
            let message = "Bei der Suche ist ein Fehler aufgetreten. Bitte versuchen Sie es später noch einmal.";
            failure(
                &state,
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
    state: &AppState,
    json: bool,
    status: StatusCode,
    message: &str,
    params: &SearchParams,
) -> Response {
    let mut response = if json {
        (status, axum::Json(serde_json::json!({ "fehler": message }))).into_response()
    } else {
        let view = SearchView {
            q: params.q.as_deref().unwrap_or_default(),
            max_chars: search_index::MAX_QUERY_CHARS,
            failure: Some(message),
            ..SearchView::default()
        };
        state.page(
            Page::new("search.html", "Suche")
                .section("katalog")
                .status(status)
                .with("search", &view),
            None,
        )
    };
    response
        .headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Accept"));
    response
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
        format!("/api/suche?{query}")
    }
}

/// What `search.html` shows.
#[derive(Default, Serialize)]
struct SearchView<'a> {
    q: &'a str,
    max_chars: usize,
    /// Why there are no results (the search failed).
    failure: Option<&'a str>,
    /// "Keine Treffer", "1 Treffer", "12 Treffer".
    count: String,
    /// "11 bis 20" on a later page.
    range: Option<String>,
    bedarf: Option<&'a str>,
    suggestions: Vec<&'a search_index::Suggestion>,
    groups: Vec<FacetGroupView<'a>>,
    sorts: Vec<SortView>,
    hits: Vec<HitView<'a>>,
    pagination: Option<PaginationView>,
}

/// A hit as the page shows it (the JSON answer leaves out price and maturity).
#[derive(Serialize)]
struct HitView<'a> {
    url: &'a str,
    name: &'a str,
    provider: &'a str,
    typ: &'a str,
    summary_html: &'a str,
    price_from: &'a str,
    maturity: u8,
}

#[derive(Serialize)]
struct FacetGroupView<'a> {
    legend: &'static str,
    /// The link that removes this filter, when one is chosen.
    all: Option<String>,
    values: Vec<FacetValueView<'a>>,
}

#[derive(Serialize)]
struct FacetValueView<'a> {
    label: &'a str,
    count: u64,
    selected: bool,
    /// A sub-category (indented below its category).
    sub: bool,
    href: String,
}

#[derive(Serialize)]
struct SortView {
    label: &'static str,
    current: bool,
    href: String,
}

#[derive(Serialize)]
struct PaginationView {
    page: u32,
    pages: u32,
    prev: Option<String>,
    next: Option<String>,
}

/// The results page: search form, count, hits, facets as links, pages, and for no hits the
/// suggestions and "Bedarf melden".
fn html_page(state: &AppState, request: &SearchRequest, response: &SearchResponse) -> Response {
    let q = request.q.trim();
    let count = match response.total {
        0 => "Keine Treffer".to_owned(),
        1 => "1 Treffer".to_owned(),
        n => format!("{n} Treffer"),
    };
    let range = (!response.hits.is_empty() && response.pages > 1).then(|| {
        let first = (response.page as usize - 1) * search_index::PER_PAGE + 1;
        format!("{} bis {}", first, first + response.hits.len() - 1)
    });
    let groups: [(&str, &'static str, &Vec<FacetCount>); 4] = [
        ("kategorie", "Kategorie", &response.facets.kategorie),
        ("typ", "Servicetyp", &response.facets.typ),
        ("anbieter", "Anbieter", &response.facets.anbieter),
        (
            "vertragsmodell",
            "Vertragsmodell",
            &response.facets.vertragsmodell,
        ),
    ];
    let groups = groups
        .into_iter()
        .filter(|(_, _, values)| !values.is_empty())
        .map(|(name, legend, values)| FacetGroupView {
            legend,
            all: values
                .iter()
                .any(|v| v.selected)
                .then(|| link(request, &[(name, None)])),
            values: values
                .iter()
                .map(|v| FacetValueView {
                    label: &v.label,
                    count: v.count as u64,
                    selected: v.selected,
                    sub: v.value.contains('/'),
                    href: link(request, &[(name, Some(&v.value))]),
                })
                .collect(),
        })
        .collect();
    let sorts = Sort::ALL
        .into_iter()
        .map(|sort| SortView {
            label: sort.label(),
            current: sort == response.sort,
            href: link(
                request,
                &[(
                    "sortierung",
                    (sort != Sort::default()).then_some(sort.as_str()),
                )],
            ),
        })
        .collect();
    let page_link = |p: u32| {
        let mut href = link(request, &[]);
        if p > 1 {
            href.push(if href.contains('?') { '&' } else { '?' });
            href.push_str(&format!("seite={p}"));
        }
        href
    };
    let pagination = (response.total > 0 && response.pages > 1).then(|| PaginationView {
        page: response.page,
        pages: response.pages,
        prev: (response.page > 1).then(|| page_link(response.page - 1)),
        next: (response.page < response.pages).then(|| page_link(response.page + 1)),
    });
    let empty = response.total == 0;
    let view = SearchView {
        q: &request.q,
        max_chars: search_index::MAX_QUERY_CHARS,
        failure: None,
        count,
        range,
        bedarf: response.bedarf_melden.as_deref().filter(|_| empty),
        suggestions: if empty {
            response.suggestions.iter().collect()
        } else {
            Vec::new()
        },
        groups: if empty { Vec::new() } else { groups },
        sorts,
        hits: response
            .hits
            .iter()
            .map(|h| HitView {
                url: &h.url,
                name: &h.name,
                provider: &h.provider,
                typ: &h.typ,
                summary_html: &h.summary_html,
                price_from: &h.price_from,
                maturity: h.maturity,
            })
            .collect(),
        pagination,
    };
    let title = if q.is_empty() {
        "Suche".to_owned()
    } else {
        format!("Suche nach „{q}“")
    };
    state.page(
        Page::new("search.html", &title)
            .section("katalog")
            .with("search", &view),
        None,
    )
}
