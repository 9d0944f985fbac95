//! "Organisationen" in the operator console: search by name; one organisation with its
//! kind, people and orders counted, audit trail; change name or Rechtsform on request,
//! hand the Hauptadmin to another person (`Accounts::change_hauptadmin`, as `csp-function
//! admin set-hauptadmin`), deactivate and reactivate. Forms with the session's CSRF token
//! and the origin check; every answer to a change is a redirect to the page with a notice.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use catalog::forms::FormView;
use catalog::forms::operator::{org_hauptadmin, org_name, org_search};
use serde::{Deserialize, Serialize};

use super::form::PostedForm;
use super::members::require_token;
use super::operator_console::operator_session;
use super::orders::order_error;
use super::pagination::{PAGE_PARAM, page_count, pagination, requested_page};
use super::refusal::Refusal;
use super::request::Caller;
use super::responses::{CORRECT, see_other};
use crate::domain::AccountError;
use crate::domain::accounts::SessionInfo;
use crate::domain::clock::german_day;
use crate::domain::model::{OrgStatus, Standing};
use crate::domain::orders::operator_orgs::{ORGS_PAGE_SIZE, OrgChangeError, OrgOverview};
use crate::domain::validation::FieldErrors;
use crate::pages::Page;
use crate::state::AppState;

const LIST: &str = "/api/betrieb/organisationen";

#[derive(Debug, Default, Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    seite: String,
}

/// The search for `q` on page `page` (1 = none).
fn search_url(q: &str, page: usize) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    if !q.is_empty() {
        query.append_pair(org_search::QUERY.name, q);
    }
    if page > 1 {
        query.append_pair(PAGE_PARAM, &page.to_string());
    }
    let query = query.finish();
    if query.is_empty() {
        LIST.to_owned()
    } else {
        format!("{LIST}?{query}")
    }
}

#[derive(Debug, Serialize)]
struct RowView<'a> {
    id: &'a str,
    name: &'a str,
    kind: &'static str,
    status: &'static str,
    city: &'a str,
    members: usize,
    orders: usize,
}

/// The search, and the organisations found: one page of [`ORGS_PAGE_SIZE`], by name; a
/// page past the last leads to the last.
pub async fn organisations(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<SearchQuery>,
) -> Result<Response, Refusal> {
    let info = operator_session(&state, &caller).await?;
    let q: String = query.q.trim().chars().take(100).collect();
    let page = requested_page(&query.seite);
    let found = state
        .orders
        .search_orgs(&q, (page - 1) * ORGS_PAGE_SIZE, ORGS_PAGE_SIZE)
        .await
        .map_err(|e| order_error(&caller, Some(&info.user.name), e))?;
    let last = page_count(found.total, ORGS_PAGE_SIZE);
    if page > last {
        return Ok(see_other(&search_url(&q, last)));
    }
    let views: Vec<_> = found
        .rows
        .iter()
        .map(|r| RowView {
            id: &r.org.id,
            name: &r.org.name,
            kind: r.org.kind.label(),
            status: r.org.status.label(),
            city: &r.org.city,
            members: r.members,
            orders: r.orders,
        })
        .collect();
    let form = FormView::filled(org_search::FIELDS, |_| q.clone(), &[], "");
    let page = Page::new("betrieb/organisations.html", "Organisationen")
        .with("rows", &views)
        .with("form", &form)
        .with("searched", &!q.is_empty())
        .with("total", &found.total)
        .with("current_page", &page)
        .with(
            "pagination",
            &pagination(page, found.total, ORGS_PAGE_SIZE, |n| search_url(&q, n)),
        );
    Ok(state.page(page, Some(&info.user.name)))
}

#[derive(Debug, Deserialize)]
pub struct DetailQuery {
    #[serde(default)]
    hinweis: String,
}

#[derive(Debug, Serialize)]
struct PersonView<'a> {
    name: &'a str,
    email: &'a str,
    role: &'static str,
    state: &'static str,
    /// Signs in with a second factor.
    factor: bool,
    /// The signed-in operator (whose factor the console does not reset).
    own: bool,
    /// "Zweiten Faktor zurücksetzen" with the address filled in.
    reset: String,
}

#[derive(Debug, Serialize)]
struct AuditView<'a> {
    at: String,
    actor: &'a str,
    action: &'static str,
    subject: &'a str,
    detail: &'a str,
}

#[derive(Debug, Serialize)]
struct Choice<'a> {
    value: &'a str,
    label: String,
}

fn notice(hinweis: &str) -> &'static str {
    match hinweis {
        "geaendert" => {
            "Name und Rechtsform sind gespeichert; die Änderung steht im Änderungsprotokoll."
        }
        "hauptadmin" => {
            "Die Hauptadministration ist übertragen; die bisherige bleibt Organisationsadmin."
        }
        "deaktiviert" => {
            "Die Organisation ist deaktiviert: Ihre Personen können sich nicht mehr anmelden, offene Sitzungen sind beendet."
        }
        "reaktiviert" => {
            "Die Organisation ist wieder aktiv: Ihre Personen können sich wieder anmelden."
        }
        "unveraendert" => {
            "Die Organisation war nicht mehr in dem Stand, von dem die Änderung ausging (z. B. schon deaktiviert oder inzwischen geändert). Es wurde nichts geändert; bitte prüfen Sie die Angaben unten."
        }
        "nicht-erlaubt" => "Die Organisation des Betreiberteams lässt sich nicht deaktivieren.",
        "person-unpassend" => {
            "Hauptadministration kann nur eine aktive Person dieser Organisation werden, die ihre Einladung angenommen hat. Es wurde nichts geändert."
        }
        _ => "",
    }
}

fn detail_page(
    state: &AppState,
    info: &SessionInfo,
    overview: &OrgOverview,
    status: StatusCode,
    name_form: &FormView,
    hinweis: &str,
) -> Response {
    let org = &overview.org;
    let people: Vec<_> = overview
        .members
        .iter()
        .map(|u| PersonView {
            name: &u.name,
            email: &u.email,
            role: Standing::of(org, u).label(),
            state: if u.deactivated {
                "deaktiviert"
            } else if u.password_hash.is_none() {
                "eingeladen"
            } else {
                "aktiv"
            },
            factor: u.second_factor.is_some(),
            own: u.id == info.user.id,
            reset: format!(
                "{}?{}",
                super::operator_factor::PAGE,
                form_urlencoded::Serializer::new(String::new())
                    .append_pair("email", &u.email)
                    .finish()
            ),
        })
        .collect();
    let candidates: Vec<_> = overview
        .members
        .iter()
        .filter(|u| u.id != org.admin_user_id && !u.deactivated && u.password_hash.is_some())
        .map(|u| Choice {
            value: &u.email,
            label: format!("{} ({})", u.name, u.email),
        })
        .collect();
    let audit: Vec<_> = overview
        .audit
        .iter()
        .map(|a| AuditView {
            at: german_day(a.at),
            actor: &a.actor,
            action: a.action.label(),
            subject: &a.subject,
            detail: &a.detail,
        })
        .collect();
    let title = if status.is_success() {
        format!("Organisation: {}", org.name)
    } else {
        format!("Fehler: Organisation: {}", org.name)
    };
    let page = Page::new("betrieb/organisation.html", &title)
        .status(status)
        .with("org_id", &org.id)
        .with("name", &org.name)
        .with("legal_form", &org.legal_form)
        .with("kind", &org.kind.label())
        .with("status", &org.status.label())
        .with("active", &(org.status == OrgStatus::Approved))
        .with("deactivated", &(org.status == OrgStatus::Deactivated))
        .with("operator", &org.kind.is_operator())
        .with(
            "address",
            &[
                org.street.as_str(),
                org.postcode.as_str(),
                org.city.as_str(),
            ]
            .iter()
            .filter(|p| !p.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" "),
        )
        .with("registered", &german_day(org.created_at))
        .with("people", &people)
        .with("orders", &overview.orders)
        .with("audit", &audit)
        .with("candidates", &candidates)
        .with("name_form", name_form)
        .with("admin_form", &FormView::empty(org_hauptadmin::FIELDS))
        .with("notice", &notice(hinweis))
        .with("csrf", &info.csrf_token);
    state.page(page, Some(&info.user.name))
}

async fn overview(
    state: &AppState,
    caller: &Caller,
    info: &SessionInfo,
    id: &str,
) -> Result<OrgOverview, Refusal> {
    match state.orders.org_overview(id).await {
        Ok(Some(overview)) => Ok(overview),
        Ok(None) => Err(Refusal::new(
            caller,
            StatusCode::NOT_FOUND,
            "Diese Organisation gibt es nicht.",
        )
        .for_session(Some(&info.user.name))),
        Err(e) => Err(order_error(caller, Some(&info.user.name), e)),
    }
}

fn filled_name_form(name: &str, legal_form: &str, errors: &FieldErrors) -> FormView {
    FormView::filled(
        org_name::FIELDS,
        |field| {
            if field == org_name::NAME.name {
                name.to_owned()
            } else if field == org_name::LEGAL_FORM.name {
                legal_form.to_owned()
            } else {
                String::new()
            }
        },
        &errors.0,
        if errors.is_empty() { "" } else { CORRECT },
    )
}

/// One organisation with its forms.
pub async fn organisation(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(query): Query<DetailQuery>,
) -> Result<Response, Refusal> {
    let info = operator_session(&state, &caller).await?;
    let overview = overview(&state, &caller, &info, &id).await?;
    let form = filled_name_form(
        &overview.org.name,
        &overview.org.legal_form,
        &FieldErrors::default(),
    );
    Ok(detail_page(
        &state,
        &info,
        &overview,
        StatusCode::OK,
        &form,
        &query.hinweis,
    ))
}

fn back(id: &str, hinweis: &str) -> Response {
    see_other(&format!("{LIST}/{id}?hinweis={hinweis}"))
}

fn change_error(
    caller: &Caller,
    info: &SessionInfo,
    id: &str,
    e: OrgChangeError,
) -> Result<Response, Refusal> {
    match e {
        OrgChangeError::Conflict => Ok(back(id, "unveraendert")),
        OrgChangeError::NotAllowed => Ok(back(id, "nicht-erlaubt")),
        OrgChangeError::NotFound => Err(Refusal::new(
            caller,
            StatusCode::NOT_FOUND,
            "Diese Organisation gibt es nicht.",
        )
        .for_session(Some(&info.user.name))),
        OrgChangeError::Invalid(_) => Ok(back(id, "")),
        OrgChangeError::Order(e) => Err(order_error(caller, Some(&info.user.name), e)),
    }
}

/// Name and Rechtsform, changed on the organisation's request.
pub async fn rename(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PostedForm { caller, input }: PostedForm,
) -> Result<Response, Refusal> {
    let info = operator_session(&state, &caller).await?;
    require_token(&state, &caller, &info, &input)?;
    let name = input.get(org_name::NAME.name);
    let legal_form = input.get(org_name::LEGAL_FORM.name);
    match state
        .orders
        .rename_org(&id, name, legal_form, &info.user.name)
        .await
    {
        Ok(_) => Ok(back(&id, "geaendert")),
        Err(OrgChangeError::Invalid(errors)) => {
            let overview = overview(&state, &caller, &info, &id).await?;
            Ok(detail_page(
                &state,
                &info,
                &overview,
                StatusCode::UNPROCESSABLE_ENTITY,
                &filled_name_form(
                    name,
                    legal_form,
                    &errors.named(super::inputs::org_name_field_name),
                ),
                "",
            ))
        }
        Err(e) => change_error(&caller, &info, &id, e),
    }
}

/// Hands the Hauptadmin to another active person of the organisation.
pub async fn hauptadmin(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PostedForm { caller, input }: PostedForm,
) -> Result<Response, Refusal> {
    let info = operator_session(&state, &caller).await?;
    require_token(&state, &caller, &info, &input)?;
    let email = input.get(org_hauptadmin::PERSON.name);
    match state.accounts.change_hauptadmin(&id, email).await {
        Ok(_) => Ok(back(&id, "hauptadmin")),
        Err(AccountError::NotFound) => match state.accounts.store().get_org(&id).await {
            Ok(Some(_)) => Ok(back(&id, "person-unpassend")),
            _ => change_error(&caller, &info, &id, OrgChangeError::NotFound),
        },
        Err(AccountError::Conflict | AccountError::Problems(_)) => {
            Ok(back(&id, "person-unpassend"))
        }
        Err(e) => Ok(super::responses::account_error(
            &caller,
            e,
            super::responses::no_form(&caller),
        )),
    }
}

async fn set_active(
    state: AppState,
    id: String,
    caller: Caller,
    input: crate::domain::validation::FormInput,
    active: bool,
) -> Result<Response, Refusal> {
    let info = operator_session(&state, &caller).await?;
    require_token(&state, &caller, &info, &input)?;
    match state
        .orders
        .set_org_active(&id, active, &info.user.name)
        .await
    {
        Ok(_) => Ok(back(
            &id,
            if active { "reaktiviert" } else { "deaktiviert" },
        )),
        Err(e) => change_error(&caller, &info, &id, e),
    }
}

pub async fn deactivate(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PostedForm { caller, input }: PostedForm,
) -> Result<Response, Refusal> {
    set_active(state, id, caller, input, false).await
}

pub async fn reactivate(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PostedForm { caller, input }: PostedForm,
) -> Result<Response, Refusal> {
    set_active(state, id, caller, input, true).await
}
