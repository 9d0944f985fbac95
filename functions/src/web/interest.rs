//! "Interesse bekunden": the form of one offering (`interest.html`), the customer's list
//! with withdrawal (`konto/interests.html`) and the provider's list of expressions addressed
//! to it (`konto/incoming-interests.html`). Thin handlers over
//! [`crate::domain::orders::interest`].
//!
//! Someone who is not signed in and opens the form is sent to the sign-in page, which
//! brings them back (`weiter`). Provider, intermediary and operator staff get 403 on the
//! customer's routes, customers 403 on the provider's.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use catalog::forms::{FormView, interest::express};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::form::PostedForm;
use super::inputs::{interest_field_name, interest_input};
use super::members::require_token;
use super::refusal::Refusal;
use super::request::Caller;
use super::responses::{CORRECT, UNAVAILABLE, current_session, errors_json, json_value, see_other};
use crate::domain::accounts::SessionInfo;
use crate::domain::clock::german_datetime;
use crate::domain::orders::interest::{Interest, InterestError, Withdrawal};
use crate::domain::validation::{FieldErrors, FormInput};
use crate::pages::Page;
use crate::state::AppState;

/// The customer's list.
pub const MINE: &str = "/api/konto/interessen";
/// The sign-in page of the static site.
const SIGN_IN: &str = "/anmelden/";

const CUSTOMERS_ONLY: &str = "Interesse an einem Angebot bekunden Beschäftigte von Kundenorganisationen. Konten von Anbietern, des Intermediärs und des Betreibers können das nicht. Es wurde nichts gespeichert.";
const PROVIDERS_ONLY: &str = "Eingegangene Interessenbekundungen sehen nur Anbieter. Ihre eigenen Interessenbekundungen finden Sie unter „Ihre Interessenbekundungen“.";
const RIGHT_NEEDED: &str = "Eingegangene Interessenbekundungen sehen die Administration Ihrer Organisation und Personen, deren Rolle das Recht „Alle Bestellungen der Organisation sehen“ gibt.";

fn name(info: &SessionInfo) -> Option<&str> {
    Some(info.user.name.as_str())
}

fn form_path(offering_id: &str) -> String {
    format!("/api/interesse/{offering_id}")
}

/// The answer to someone who is not signed in on a route that needs it.
fn not_signed_in(caller: &Caller) -> Refusal {
    Refusal::new(
        caller,
        StatusCode::UNAUTHORIZED,
        "Bitte melden Sie sich an.",
    )
    .titled(
        "Bitte melden Sie sich an",
        &[
            (SIGN_IN, "Anmelden"),
            ("/registrieren/", "Organisation registrieren"),
        ],
    )
}

async fn signed_in(state: &AppState, caller: &Caller) -> Result<SessionInfo, Refusal> {
    current_session(state, caller)
        .await
        .ok_or_else(|| not_signed_in(caller))
}

/// The answer to a refused action of the domain.
fn interest_error(caller: &Caller, session: Option<&str>, error: InterestError) -> Response {
    let refuse = |status, message: &'static str| {
        Refusal::new(caller, status, message)
            .for_session(session)
            .into_response()
    };
    let links: &'static [(&'static str, &'static str)] =
        &[("/api/konto", "Zu Ihrem Konto"), ("/", "Zur Startseite")];
    match error {
        InterestError::Invalid(problems) => {
            Refusal::json(StatusCode::UNPROCESSABLE_ENTITY, CORRECT)
                .with_fields(errors_json(&problems.named(interest_field_name)))
                .into_response()
        }
        InterestError::UnknownOffering => refuse(
            StatusCode::NOT_FOUND,
            "Dieses Angebot gibt es nicht (mehr) im Katalog.",
        ),
        InterestError::NotCustomer => Refusal::new(caller, StatusCode::FORBIDDEN, CUSTOMERS_ONLY)
            .for_session(session)
            .titled("Kein Zugriff", links)
            .into_response(),
        InterestError::NotProvider => Refusal::new(caller, StatusCode::FORBIDDEN, PROVIDERS_ONLY)
            .for_session(session)
            .titled("Kein Zugriff", links)
            .into_response(),
        InterestError::RightNeeded => Refusal::new(caller, StatusCode::FORBIDDEN, RIGHT_NEEDED)
            .for_session(session)
            .titled("Kein Zugriff", links)
            .into_response(),
        InterestError::Exists(_) => refuse(
            StatusCode::CONFLICT,
            "Ihre Organisation hat an diesem Angebot bereits Interesse bekundet.",
        ),
        InterestError::NotFound => refuse(
            StatusCode::NOT_FOUND,
            "Diese Interessenbekundung gibt es nicht, oder sie gehört nicht zu Ihrer Organisation.",
        ),
        InterestError::RateLimited { retry_after } => {
            let minutes = (retry_after + 59) / 60;
            Refusal::new(
                caller,
                StatusCode::TOO_MANY_REQUESTS,
                format!("Sie haben in kurzer Zeit sehr oft Interesse bekundet. Bitte warten Sie etwa {minutes} Minute(n). Es wurde nichts gespeichert."),
            )
            .for_session(session)
            .retry_after(retry_after)
            .into_response()
        }
        InterestError::NoCatalog => {
            tracing::error!("no order catalog loaded");
            refuse(StatusCode::SERVICE_UNAVAILABLE, UNAVAILABLE)
        }
        InterestError::Store(e) => {
            tracing::error!(error = %e, "store failed");
            refuse(StatusCode::SERVICE_UNAVAILABLE, UNAVAILABLE)
        }
    }
}

// ---- the form -----------------------------------------------------------------------------

#[derive(Serialize)]
struct OfferingView<'a> {
    id: &'a str,
    name: &'a str,
    provider: &'a str,
    url: &'a str,
}

/// The organisation's open expression, as the form page names it.
#[derive(Serialize)]
struct ExistingView {
    on: String,
    by: String,
}

#[allow(clippy::too_many_arguments)]
fn form_page(
    state: &AppState,
    info: &SessionInfo,
    offering: &catalog::snapshot::OrderableOffering,
    input: &FormInput,
    errors: &FieldErrors,
    existing: Option<&Interest>,
    status: StatusCode,
) -> Response {
    let form = FormView::filled(
        express::FIELDS,
        |field| input.get(field).to_owned(),
        &errors.0,
        "",
    );
    let title = if errors.is_empty() {
        format!("Interesse an {} bekunden", offering.name)
    } else {
        format!("Fehler: Interesse an {} bekunden", offering.name)
    };
    state.page(
        Page::new("interest.html", &title)
            .section("katalog")
            .status(status)
            .with(
                "o",
                &OfferingView {
                    id: &offering.id,
                    name: &offering.name,
                    provider: &offering.provider.name,
                    url: &offering.url,
                },
            )
            .with("form", &form)
            .with("csrf", &info.csrf_token)
            .with(
                "existing",
                &existing.map(|i| ExistingView {
                    on: german_datetime(i.created_at),
                    by: i.user_name.clone(),
                }),
            )
            .with("organisation", &info.org.name),
        name(info),
    )
}

/// `GET /api/interesse/{offering}`: the form; not signed in, the way to the sign-in page
/// and back.
pub async fn form(
    State(state): State<AppState>,
    caller: Caller,
    Path(offering_id): Path<String>,
) -> Result<Response, Refusal> {
    let session = current_session(&state, &caller).await;
    if session.is_none() && caller.wants_json {
        return Err(not_signed_in(&caller));
    }
    let catalog = match state.orders.catalog() {
        Ok(catalog) => catalog,
        Err(_) => return Ok(interest_error(&caller, None, InterestError::NoCatalog)),
    };
    // An unknown offering is 404 for everyone: the redirect below only ever names a
    // catalog id.
    let Some(offering) = catalog.offering(&offering_id) else {
        let name = session.as_ref().map(|info| info.user.name.as_str());
        return Ok(interest_error(
            &caller,
            name,
            InterestError::UnknownOffering,
        ));
    };
    let Some(info) = session else {
        return Ok(see_other(&format!(
            "{SIGN_IN}?weiter={}",
            form_path(&offering.id)
        )));
    };
    let existing = match state.orders.open_interest_for(&info, &offering.id).await {
        Ok(existing) => existing,
        Err(e) => return Ok(interest_error(&caller, name(&info), e)),
    };
    if caller.wants_json {
        return Ok(json_value(
            StatusCode::OK,
            json!({
                "angebot": {"id": offering.id, "name": offering.name},
                "offen": existing.as_ref().map(interest_json),
                "csrf": info.csrf_token,
            }),
        ));
    }
    Ok(form_page(
        &state,
        &info,
        offering,
        &FormInput::default(),
        &FieldErrors::default(),
        existing.as_ref(),
        StatusCode::OK,
    ))
}

/// `POST /api/interesse/{offering}`: stores the expression and mails the provider.
pub async fn express(
    State(state): State<AppState>,
    Path(offering_id): Path<String>,
    PostedForm { caller, input }: PostedForm,
) -> Result<Response, Refusal> {
    let info = signed_in(&state, &caller).await?;
    require_token(&state, &caller, &info, &input)?;
    let result = state
        .orders
        .express_interest(&info, &offering_id, &interest_input(&input))
        .await;
    Ok(match result {
        Ok(interest) => {
            state.outbox.mail_queued().await;
            let location = format!("{MINE}?hinweis=bekundet");
            if caller.wants_json {
                json_value(
                    StatusCode::OK,
                    json!({"ok": true, "weiter": location, "interesse": interest_json(&interest)}),
                )
            } else {
                see_other(&location)
            }
        }
        Err(e @ (InterestError::Invalid(_) | InterestError::Exists(_))) if !caller.wants_json => {
            let catalog = match state.orders.catalog() {
                Ok(catalog) => catalog,
                Err(_) => return Ok(interest_error(&caller, name(&info), e)),
            };
            let Some(offering) = catalog.offering(&offering_id) else {
                return Ok(interest_error(&caller, name(&info), e));
            };
            match e {
                InterestError::Invalid(problems) => form_page(
                    &state,
                    &info,
                    offering,
                    &input,
                    &problems.named(interest_field_name),
                    None,
                    StatusCode::UNPROCESSABLE_ENTITY,
                ),
                InterestError::Exists(open) => form_page(
                    &state,
                    &info,
                    offering,
                    &input,
                    &FieldErrors::default(),
                    Some(&open),
                    StatusCode::CONFLICT,
                ),
                other => interest_error(&caller, name(&info), other),
            }
        }
        Err(InterestError::Exists(open)) => json_value(
            StatusCode::CONFLICT,
            json!({"ok": false, "meldung": "Ihre Organisation hat an diesem Angebot bereits Interesse bekundet.", "offen": interest_json(&open)}),
        ),
        Err(e) => interest_error(&caller, name(&info), e),
    })
}

fn interest_json(i: &Interest) -> serde_json::Value {
    json!({
        "id": i.id,
        "organisation": i.org_name,
        "person": {"name": i.user_name, "email": i.user_email, "telefon": i.user_phone},
        "angebot": {"id": i.offering_id, "name": i.offering_name},
        "anbieter": i.provider_id,
        "nachricht": i.message,
        "bekundet_am": i.created_at,
        "zurueckgezogen_am": i.withdrawn_at,
    })
}

// ---- the lists ----------------------------------------------------------------------------

#[derive(Serialize)]
struct InterestRow<'a> {
    id: &'a str,
    on: String,
    organisation: &'a str,
    person: &'a str,
    email: &'a str,
    phone: &'a str,
    offering: &'a str,
    /// The offering's page, if it is still in the catalog.
    offering_url: Option<String>,
    message: &'a str,
    /// When it was withdrawn, empty while open.
    withdrawn_on: String,
}

fn rows<'a>(state: &AppState, list: &'a [Interest]) -> Vec<InterestRow<'a>> {
    let catalog = state.orders.catalog().ok();
    list.iter()
        .map(|i| InterestRow {
            id: &i.id,
            on: german_datetime(i.created_at),
            organisation: &i.org_name,
            person: &i.user_name,
            email: &i.user_email,
            phone: &i.user_phone,
            offering: &i.offering_name,
            offering_url: catalog
                .as_ref()
                .and_then(|c| c.offering(&i.offering_id))
                .map(|o| o.url.clone()),
            message: &i.message,
            withdrawn_on: i.withdrawn_at.map(german_datetime).unwrap_or_default(),
        })
        .collect()
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    hinweis: String,
}

fn done_message(key: &str) -> &'static str {
    match key {
        "bekundet" => {
            "Ihr Interesse ist beim Anbieter angekommen: Er hat eine E-Mail mit Ihren Kontaktdaten und Ihrer Nachricht erhalten und meldet sich bei Ihnen."
        }
        "zurueckgezogen" => {
            "Die Interessenbekundung ist zurückgezogen. Der Anbieter sieht sie in seiner Liste als zurückgezogen."
        }
        "bereits-zurueckgezogen" => "Diese Interessenbekundung war bereits zurückgezogen.",
        _ => "",
    }
}

/// `GET /api/konto/interessen`: the customer's expressions of interest.
pub async fn mine(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<ListQuery>,
) -> Result<Response, Refusal> {
    let info = signed_in(&state, &caller).await?;
    let list = match state.orders.interests_of(&info).await {
        Ok(list) => list,
        Err(e) => return Ok(interest_error(&caller, name(&info), e)),
    };
    if caller.wants_json {
        return Ok(json_value(
            StatusCode::OK,
            json!({"interessen": list.iter().map(interest_json).collect::<Vec<_>>()}),
        ));
    }
    Ok(state.page(
        Page::new("konto/interests.html", "Ihre Interessenbekundungen")
            .with("rows", &rows(&state, &list))
            .with("notice", &done_message(&query.hinweis))
            .with("csrf", &info.csrf_token),
        name(&info),
    ))
}

/// `POST /api/konto/interessen/{id}/zurueckziehen`.
pub async fn withdraw(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PostedForm { caller, input }: PostedForm,
) -> Result<Response, Refusal> {
    let info = signed_in(&state, &caller).await?;
    require_token(&state, &caller, &info, &input)?;
    Ok(match state.orders.withdraw_interest(&info, &id).await {
        Ok((interest, done)) => {
            let key = match done {
                Withdrawal::Withdrawn => "zurueckgezogen",
                Withdrawal::AlreadyWithdrawn => "bereits-zurueckgezogen",
            };
            if caller.wants_json {
                json_value(
                    StatusCode::OK,
                    json!({"ok": true, "weiter": format!("{MINE}?hinweis={key}"), "jetzt_zurueckgezogen": done == Withdrawal::Withdrawn, "interesse": interest_json(&interest)}),
                )
            } else {
                see_other(&format!("{MINE}?hinweis={key}"))
            }
        }
        Err(e) => interest_error(&caller, name(&info), e),
    })
}

/// `GET /api/konto/eingegangene-interessen`: the provider's list.
pub async fn incoming(State(state): State<AppState>, caller: Caller) -> Result<Response, Refusal> {
    let info = signed_in(&state, &caller).await?;
    let list = match state.orders.interests_for_provider(&info).await {
        Ok(list) => list,
        Err(e) => return Ok(interest_error(&caller, name(&info), e)),
    };
    if caller.wants_json {
        return Ok(json_value(
            StatusCode::OK,
            json!({"interessen": list.iter().map(interest_json).collect::<Vec<_>>()}),
        ));
    }
    Ok(state.page(
        Page::new(
            "konto/incoming-interests.html",
            "Eingegangene Interessenbekundungen",
        )
        .with("rows", &rows(&state, &list))
        .with("organisation", &info.org.name),
        name(&info),
    ))
}
