//! "Gemeldete Bedarfe" in the operator console: the reported needs with filters (category,
//! open or handled, period), marked as handled once (a second mark says by whom and when),
//! and the filtered list as CSV for German Excel (all pages). The list comes in pages of
//! [`NEEDS_PAGE_SIZE`] whose links keep the filter; a page past the last leads to the last.
//! The bearer-token JSON route stays as it was (`operator::operator_needs`); without a token
//! the same address is this page.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use catalog::forms::FormView;
use catalog::forms::operator::needs_filter as form;
use serde::{Deserialize, Serialize};

use super::form::{PostedForm, day_start};
use super::members::require_token;
use super::operator_console::operator_session;
use super::orders::order_error;
use super::pagination::{PAGE_PARAM, page_count, pagination, requested_page};
use super::refusal::Refusal;
use super::request::Caller;
use super::responses::{CORRECT, errors_json, json_value, see_other};
use crate::domain::clock::german_day;
use crate::domain::orders::Need;
use crate::domain::orders::operator::{
    NEEDS_PAGE_SIZE, NO_CATEGORY, NeedFilter, NeedMarked, needs_csv,
};
use crate::domain::validation::FieldErrors;
use crate::pages::Page;
use crate::state::AppState;

pub(super) const LIST: &str = "/api/betrieb/bedarfe";

/// The filter form's fields as sent (`GET`), and the notice after a mark.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct NeedsQuery {
    #[serde(default)]
    kategorie: String,
    #[serde(default)]
    stand: String,
    #[serde(default)]
    von: String,
    #[serde(default)]
    bis: String,
    #[serde(default)]
    hinweis: String,
    #[serde(default)]
    bedarf: String,
    #[serde(default)]
    seite: String,
}

impl NeedsQuery {
    fn pairs(&self) -> Vec<(&'static str, &str)> {
        [
            ("kategorie", self.kategorie.as_str()),
            ("stand", self.stand.as_str()),
            ("von", self.von.as_str()),
            ("bis", self.bis.as_str()),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .collect()
    }

    /// The page asked for.
    fn page(&self) -> usize {
        requested_page(&self.seite)
    }

    /// The list with this filter on page `page` (1 = none).
    fn page_url(&self, page: usize) -> String {
        if page > 1 {
            self.url(LIST, &[(PAGE_PARAM, &page.to_string())])
        } else {
            self.url(LIST, &[])
        }
    }

    /// `path` with this filter (and `extra` pairs) as its query.
    fn url(&self, path: &str, extra: &[(&'static str, &str)]) -> String {
        let mut serializer = form_urlencoded::Serializer::new(String::new());
        for (k, v) in self.pairs().into_iter().chain(extra.iter().copied()) {
            serializer.append_pair(k, v);
        }
        let query = serializer.finish();
        if query.is_empty() {
            path.to_owned()
        } else {
            format!("{path}?{query}")
        }
    }

    fn filtered(&self) -> bool {
        !self.pairs().is_empty()
    }

    /// The domain's filter, or the messages of the fields to correct.
    fn filter(&self, categories: &[(String, String)]) -> Result<NeedFilter, FieldErrors> {
        let mut errors = FieldErrors::default();
        let category = match self.kategorie.as_str() {
            "" => None,
            c if c == NO_CATEGORY || categories.iter().any(|(id, _)| id == c) => Some(c.to_owned()),
            _ => {
                errors.add(
                    form::CATEGORY.name,
                    "Bitte wählen Sie eine Kategorie aus der Liste.",
                );
                None
            }
        };
        let handled = match self.stand.as_str() {
            "" => None,
            "offen" => Some(false),
            "erledigt" => Some(true),
            _ => {
                errors.add(
                    form::STATE.name,
                    "Bitte wählen Sie einen Stand aus der Liste.",
                );
                None
            }
        };
        let from = day_start(&self.von, form::FROM.name, &mut errors);
        let until = day_start(&self.bis, form::UNTIL.name, &mut errors).map(|t| t + 86_400);
        if let (Some(from), Some(until)) = (from, until)
            && from >= until
        {
            errors.add(
                form::UNTIL.name,
                "Das Ende des Zeitraums liegt vor seinem Anfang.",
            );
        }
        errors.into_result(NeedFilter {
            category,
            handled,
            from,
            until,
            offset: (self.page() - 1) * NEEDS_PAGE_SIZE,
            limit: NEEDS_PAGE_SIZE,
        })
    }
}

/// The portfolio's top categories `(id, name)`, for the filter.
fn categories(state: &AppState) -> Vec<(String, String)> {
    state.orders.catalog().map_or_else(
        |_| Vec::new(),
        |catalog| {
            catalog
                .categories
                .iter()
                .map(|c| (c.id.clone(), c.name.clone()))
                .collect()
        },
    )
}

#[derive(Debug, Serialize)]
struct Choice {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Debug, Serialize)]
struct NeedView<'a> {
    id: &'a str,
    reported: String,
    title: &'a str,
    category: &'a str,
    organisation: &'a str,
    person: &'a str,
    email: &'a str,
    contact: &'static str,
    expected_users: Option<u32>,
    wished_date: &'a str,
    description: &'a str,
    handled_on: String,
    handled_by: &'a str,
}

fn view(need: &Need) -> NeedView<'_> {
    NeedView {
        id: &need.id,
        reported: german_day(need.created_at),
        title: &need.title,
        category: need.category_name.as_deref().unwrap_or(""),
        organisation: &need.org_name,
        person: &need.user_name,
        email: &need.user_email,
        contact: if need.contact_preference == "telefon" {
            "Telefon"
        } else {
            "E-Mail"
        },
        expected_users: need.expected_users,
        wished_date: need.wished_date.as_deref().unwrap_or(""),
        description: &need.description,
        handled_on: need
            .handled
            .as_ref()
            .map_or_else(String::new, |h| german_day(h.at)),
        handled_by: need.handled.as_ref().map_or("", |h| h.by_name.as_str()),
    }
}

fn need_json(need: &Need) -> serde_json::Value {
    serde_json::json!({
        "id": need.id, "titel": need.title, "kategorie": need.category,
        "organisation": need.org_name, "gemeldet": need.created_at,
        "erledigt": need.handled.as_ref().map(|h| serde_json::json!({"am": h.at, "von": h.by_name})),
    })
}

/// The page: filters, the needs newest first, each open one with "Als erledigt markieren".
pub async fn needs_page(
    state: AppState,
    caller: Caller,
    query: NeedsQuery,
) -> Result<Response, Refusal> {
    let info = operator_session(&state, &caller).await?;
    let categories = categories(&state);
    let (filter, errors, status) = match query.filter(&categories) {
        Ok(filter) => (filter, FieldErrors::default(), StatusCode::OK),
        // The filter to correct above, and the first page of all needs below.
        Err(errors) => (
            NeedFilter {
                limit: NEEDS_PAGE_SIZE,
                ..NeedFilter::default()
            },
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    };
    let found = state
        .orders
        .filtered_needs(&filter)
        .await
        .map_err(|e| order_error(&caller, Some(&info.user.name), e))?;
    let (page, listed) = if errors.is_empty() {
        (query.page(), query.clone())
    } else {
        (1, NeedsQuery::default())
    };
    let last = page_count(found.total, NEEDS_PAGE_SIZE);
    if caller.wants_json {
        let list: Vec<_> = found.rows.iter().map(need_json).collect();
        return Ok(json_value(
            status,
            serde_json::json!({
                "gesamt": found.total, "seite": page, "seitengroesse": NEEDS_PAGE_SIZE,
                "bedarfe": list,
            }),
        ));
    }
    if page > last {
        // A page past the end (the list got shorter, e.g. by a mark with "Nur offene", or a
        // typed address): the last one, with the notice of the mark if there is one.
        let mut extra = vec![
            ("hinweis", query.hinweis.as_str()),
            ("bedarf", query.bedarf.as_str()),
        ];
        extra.retain(|(_, v)| !v.is_empty());
        let last_text = last.to_string();
        if last > 1 {
            extra.push((PAGE_PARAM, &last_text));
        }
        return Ok(see_other(&query.url(LIST, &extra)));
    }
    let notice = notice(&state, &query).await;
    let rows: Vec<_> = found.rows.iter().map(view).collect();
    let mut choices: Vec<Choice> = categories
        .iter()
        .map(|(id, name)| Choice {
            value: id.clone(),
            label: name.clone(),
            selected: *id == query.kategorie,
        })
        .collect();
    choices.push(Choice {
        value: NO_CATEGORY.to_owned(),
        label: "Ohne Kategorie".to_owned(),
        selected: query.kategorie == NO_CATEGORY,
    });
    let message = if errors.is_empty() { "" } else { CORRECT };
    let form = FormView::filled(
        form::FIELDS,
        |field| match field {
            "kategorie" => query.kategorie.clone(),
            "stand" => query.stand.clone(),
            "von" => query.von.clone(),
            "bis" => query.bis.clone(),
            _ => String::new(),
        },
        &errors.0,
        message,
    );
    let title = if errors.is_empty() {
        "Gemeldete Bedarfe"
    } else {
        "Fehler: Gemeldete Bedarfe"
    };
    let page_text = page.to_string();
    let mut filter_fields: Vec<(&str, &str)> = listed.pairs();
    if page > 1 {
        filter_fields.push((PAGE_PARAM, &page_text));
    }
    let page = Page::new("betrieb/needs.html", title)
        .status(status)
        .with("needs", &rows)
        .with("total", &found.total)
        .with(
            "pagination",
            &pagination(page, found.total, NEEDS_PAGE_SIZE, |n| listed.page_url(n)),
        )
        .with("filtered", &listed.filtered())
        .with("form", &form)
        .with("categories", &choices)
        .with("notice", &notice)
        .with("filter_fields", &filter_fields)
        .with("csv", &listed.url(&format!("{LIST}.csv"), &[]))
        .with("csrf", &info.csrf_token);
    Ok(state.page(page, Some(&info.user.name)))
}

/// What the page says after a mark (the need named by the query).
async fn notice(state: &AppState, query: &NeedsQuery) -> String {
    if query.bedarf.is_empty() {
        return String::new();
    }
    let need = match state.orders.need(&query.bedarf).await {
        Ok(Some(need)) => need,
        _ => return String::new(),
    };
    match (query.hinweis.as_str(), &need.handled) {
        ("erledigt", Some(_)) => format!("Der Bedarf „{}“ ist als erledigt markiert.", need.title),
        ("bereits", Some(h)) => format!(
            "Der Bedarf „{}“ war bereits erledigt: am {} markiert von {}. Es wurde nichts geändert.",
            need.title,
            german_day(h.at),
            h.by_name
        ),
        _ => String::new(),
    }
}

/// The filtered list as a CSV file (all columns, the description included).
pub async fn needs_csv_file(
    State(state): State<AppState>,
    caller: Caller,
    axum::extract::Query(query): axum::extract::Query<NeedsQuery>,
) -> Result<Response, Refusal> {
    let info = operator_session(&state, &caller).await?;
    let mut filter = query.filter(&categories(&state)).map_err(|errors| {
        Refusal::new(&caller, StatusCode::UNPROCESSABLE_ENTITY, CORRECT)
            .with_fields(errors_json(&errors))
            .for_session(Some(&info.user.name))
    })?;
    // The whole filtered list, whichever page the link was on.
    filter.offset = 0;
    filter.limit = 0;
    let needs = state
        .orders
        .filtered_needs(&filter)
        .await
        .map_err(|e| order_error(&caller, Some(&info.user.name), e))?;
    let mut response = (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
        needs_csv(&needs.rows),
    )
        .into_response();
    response.headers_mut().insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"bedarfe.csv\""),
    );
    Ok(response)
}

/// "Als erledigt markieren": once; back to the list with its filter and what happened.
pub async fn mark_handled(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PostedForm { caller, input }: PostedForm,
) -> Result<Response, Refusal> {
    let info = operator_session(&state, &caller).await?;
    require_token(&state, &caller, &info, &input)?;
    let back = NeedsQuery {
        kategorie: input.get(form::CATEGORY.name).to_owned(),
        stand: input.get(form::STATE.name).to_owned(),
        von: input.get(form::FROM.name).to_owned(),
        bis: input.get(form::UNTIL.name).to_owned(),
        seite: input.get(PAGE_PARAM).to_owned(),
        ..NeedsQuery::default()
    };
    let marked = state
        .orders
        .mark_need_handled(&id, &info.user)
        .await
        .map_err(|e| order_error(&caller, Some(&info.user.name), e))?;
    let (hinweis, need) = match &marked {
        NeedMarked::Now(need) => ("erledigt", need),
        NeedMarked::Already(need) => ("bereits", need),
    };
    if caller.wants_json {
        let status = match marked {
            NeedMarked::Now(_) => StatusCode::OK,
            NeedMarked::Already(_) => StatusCode::CONFLICT,
        };
        return Ok(json_value(
            status,
            serde_json::json!({"ok": status == StatusCode::OK, "bedarf": need_json(need)}),
        ));
    }
    let mut extra = vec![("hinweis", hinweis), ("bedarf", need.id.as_str())];
    if back.page() > 1 {
        extra.push((PAGE_PARAM, back.seite.as_str()));
    }
    Ok(see_other(&back.url(LIST, &extra)))
}
