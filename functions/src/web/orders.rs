//! Handlers of orders, the contract folder, decisions and needs. Their pages are the theme's
//! templates: the order and Bedarf forms are the static forms filled in again, the account's
//! orders are under `konto/`, the decision pages are `decision.html` and
//! `decision-done.html`; [`views`] holds what those templates read.

// Early returns carry a ready `Response`; boxing it would only add noise on a cold path.
#![allow(clippy::result_large_err)]

mod views;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use catalog::forms::{self, FormView};
use catalog::order_form::{OrderOffering, order_fields};
use catalog::snapshot::{OrderCatalog, OrderableOffering};
use serde::Deserialize;
use serde_json::{Value, json};

use self::views::{DecidedView, DecisionView, FolderView, OrderRow, OrderView};
use super::handlers::{
    CORRECT, UNAVAILABLE, body_input, check_origin, current_session, errors_json, json_value,
    operator_only, refusal_for, see_other, success,
};
use super::request::Caller;
use crate::domain::accounts::SessionInfo;
use crate::domain::csrf;
use crate::domain::orders::{Action, ApiParty, Order, OrderError, PlaceError};
use crate::domain::tokens::new_id;
use crate::domain::validation::{FieldErrors, FormInput};
use crate::pages::{self, Page};
use crate::state::AppState;

/// The name in the header of a signed-in person's pages.
fn name(info: &SessionInfo) -> Option<&str> {
    Some(info.user.name.as_str())
}

/// The signed-in session, or the answer for someone who is not signed in.
async fn signed_in(state: &AppState, caller: &Caller) -> Result<SessionInfo, Response> {
    match current_session(state, caller).await {
        Some(info) => Ok(info),
        None if caller.wants_json => Err(json_value(
            StatusCode::UNAUTHORIZED,
            json!({"ok": false, "meldung": "Bitte melden Sie sich an."}),
        )),
        None => Err(state.page(
            pages::notice(
                "Bitte melden Sie sich an",
                "Bestellen, Bedarf melden und Bestellungen ansehen können angemeldete Beschäftigte einer registrierten Organisation.",
                &[
                    ("/api/anmeldung", "Anmelden"),
                    ("/registrieren/", "Organisation registrieren"),
                ],
            )
            .status(StatusCode::UNAUTHORIZED),
            None,
        )),
    }
}

/// The session's CSRF token must be right when sent; a form without one (a static page
/// without JavaScript) is accepted only because [`check_origin`] already proved the request
/// came from the portal's own pages and the session cookie is `SameSite=Lax`.
/// What a form sent without a token gets back: a static form sent without JavaScript carries
/// none, and is shown again, filled in and with the session's token, to be sent once more.
const SEND_AGAIN: &str = "Zur Sicherheit bitte noch einmal: Prüfen Sie Ihre Angaben und senden Sie das Formular erneut ab. Bisher wurde nichts gespeichert.";

/// Whether the session's CSRF token came with the form: `Ok(true)` it did; `Ok(false)` a
/// page form came without one (nothing may happen, the form is shown again with the
/// token); a wrong token, or none from a script, is refused.
fn check_token(
    state: &AppState,
    caller: &Caller,
    info: &SessionInfo,
    input: &FormInput,
) -> Result<bool, Response> {
    let token = caller
        .csrf_header
        .as_deref()
        .unwrap_or_else(|| input.get(forms::CSRF.name));
    if !token.is_empty()
        && csrf::verify_session_token(state.accounts.secret(), &info.id_hash, token)
    {
        Ok(true)
    } else if token.is_empty() && !caller.wants_json {
        Ok(false)
    } else {
        tracing::warn!("form refused: missing or wrong CSRF token");
        Err(refusal_for(
            state,
            caller,
            name(info),
            StatusCode::FORBIDDEN,
            "Die Anfrage enthielt kein gültiges Sicherheitstoken. Bitte laden Sie die Seite neu.",
        ))
    }
}

/// A state-changing form of a signed-in person: from the portal's origin, parsed, with the
/// session and its CSRF token checked (see [`check_token`]: `false` when it must be sent
/// again).
async fn signed_in_form(
    state: &AppState,
    caller: &Caller,
    body: &[u8],
) -> Result<(SessionInfo, FormInput, bool), Response> {
    check_origin(state, caller)?;
    let input = body_input(state, caller, body)?;
    let info = signed_in(state, caller).await?;
    let token = check_token(state, caller, &info, &input)?;
    Ok((info, input, token))
}

/// The answer to a failed order action, with the header of `session` on its page.
fn order_error(
    state: &AppState,
    caller: &Caller,
    session: Option<&str>,
    error: OrderError,
) -> Response {
    let refuse = |status, message: &str| refusal_for(state, caller, session, status, message);
    match error {
        OrderError::Invalid(errors) => json_value(
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"ok": false, "meldung": CORRECT, "fehler": errors_json(&errors)}),
        ),
        OrderError::NotOrderable => refuse(
            StatusCode::NOT_FOUND,
            "Dieses Angebot kann nicht (mehr) bestellt werden.",
        ),
        OrderError::NotFound => refuse(
            StatusCode::NOT_FOUND,
            "Diese Bestellung gibt es nicht, oder sie gehört nicht zu Ihrer Organisation.",
        ),
        OrderError::InvalidLink => {
            let message = "Dieser Link ist ungültig, abgelaufen oder wurde bereits für eine Entscheidung verwendet.";
            if caller.wants_json {
                return refuse(StatusCode::GONE, message);
            }
            // Titled after what happened, like the other links' page (not "Das hat nicht
            // geklappt"): a provider opening a used link learns why at once.
            state.page(
                pages::notice(
                    "Link ungültig oder abgelaufen",
                    message,
                    &[("/", "Zur Startseite")],
                )
                .status(StatusCode::GONE),
                session,
            )
        }
        OrderError::NotAllowed(reason) => {
            tracing::info!(reason, "decision refused");
            refuse(
                StatusCode::CONFLICT,
                "Diese Entscheidung ist im aktuellen Status der Bestellung nicht (mehr) möglich. Laden Sie die Bestellung neu, um den aktuellen Stand zu sehen.",
            )
        }
        OrderError::NoCatalog => {
            tracing::error!("no order catalog loaded");
            refuse(StatusCode::SERVICE_UNAVAILABLE, UNAVAILABLE)
        }
        OrderError::Store(e) => {
            tracing::error!(error = %e, "store failed");
            refuse(StatusCode::SERVICE_UNAVAILABLE, UNAVAILABLE)
        }
    }
}

pub fn order_json(order: &Order, now: i64) -> Value {
    json!({
        "id": order.id,
        "nummer": order.number,
        "status": order.status.as_str(),
        "status_text": order.status.label(),
        "angebot": {"id": order.offering_id, "name": order.folder.offering.name},
        "anbieter": order.provider_id,
        "vertragsmodell": order.contract_model.as_str(),
        "bestellt_am": order.created_at,
        "frist": order.deadline,
        "ueberfaellig": order.is_overdue(now),
        "verlauf": order.history.iter().map(|h| json!({
            "zeit": h.at, "von": h.by.as_str(), "status_vorher": h.from.map(|s| s.as_str()),
            "status": h.to.as_str(), "begruendung": h.reason,
        })).collect::<Vec<_>>(),
        "vertragsmappe": order.folder,
    })
}

// ---- customer: orders ---------------------------------------------------------------------

/// Messages of an order that concern the whole form, not one of its fields: who may order
/// the offering, a form that lost its key, a form to be sent again with its token.
const ORDER_FORM_MESSAGES: &[&str] = &[
    "kundenkreis",
    forms::order::IDEMPOTENCY_KEY.name,
    forms::CSRF.name,
];

/// A form's messages split into those of its fields and one message about the whole form
/// (the messages under `whole_form`, joined).
fn split_messages(errors: &FieldErrors, whole_form: &[&str]) -> (Vec<(String, String)>, String) {
    let (form, fields): (Vec<_>, Vec<_>) = errors
        .0
        .iter()
        .cloned()
        .partition(|(name, _)| whole_form.contains(&name.as_str()));
    let message = form
        .iter()
        .map(|(_, m)| m.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    (fields, message)
}

/// The order form of `offering` (`order.html`, the static page's template) filled with
/// `input` and its messages.
#[allow(clippy::too_many_arguments)]
fn order_page(
    state: &AppState,
    info: &SessionInfo,
    offering: &OrderableOffering,
    input: &FormInput,
    errors: &FieldErrors,
    idempotency_key: &str,
    status: StatusCode,
    title: &str,
) -> Response {
    let value = |name: &str| input.get(name).to_owned();
    let (field_errors, message) = split_messages(errors, ORDER_FORM_MESSAGES);
    let o = OrderOffering::new(offering, &value, &field_errors);
    let form = order_fields(offering, &value, &field_errors, &message);
    state.page(
        Page::new("order.html", title)
            .section("katalog")
            .status(status)
            .with("o", &o)
            .with("form", &form)
            .with("csrf", &info.csrf_token)
            .with("idempotency_key", &idempotency_key),
        name(info),
    )
}

pub async fn order_form(
    State(state): State<AppState>,
    caller: Caller,
    Path(offering_id): Path<String>,
) -> Response {
    let info = match signed_in(&state, &caller).await {
        Ok(info) => info,
        Err(response) => return response,
    };
    let catalog = match state.orders.catalog() {
        Ok(catalog) => catalog,
        Err(e) => return order_error(&state, &caller, name(&info), e),
    };
    let Some(offering) = catalog.offering(&offering_id) else {
        return order_error(&state, &caller, name(&info), OrderError::NotOrderable);
    };
    // The organisation's address is proposed for the bill.
    let org = &info.org;
    let proposed = FormInput::from_pairs([
        (forms::order::BILLING_ORG.name, org.name.as_str()),
        (forms::order::BILLING_STREET.name, org.street.as_str()),
        (forms::order::BILLING_POSTCODE.name, org.postcode.as_str()),
        (forms::order::BILLING_CITY.name, org.city.as_str()),
    ]);
    order_page(
        &state,
        &info,
        offering,
        &proposed,
        &FieldErrors::default(),
        &new_id(),
        StatusCode::OK,
        &format!("{} bestellen", offering.name),
    )
}

pub async fn submit_order(State(state): State<AppState>, caller: Caller, body: Bytes) -> Response {
    let (info, input, token) = match signed_in_form(&state, &caller, &body).await {
        Ok(form) => form,
        Err(response) => return response,
    };
    let placed = if token {
        state.orders.place(&info, &input).await
    } else {
        // Its mistakes are shown at once; a correct form is asked for once more.
        state
            .orders
            .check_order(&info, &input)
            .map_err(PlaceError::Order)
            .and_then(|()| {
                let mut again = FieldErrors::default();
                again.add(forms::CSRF.name, SEND_AGAIN);
                Err(PlaceError::Order(OrderError::Invalid(again)))
            })
    };
    let placed = match placed {
        Ok(order) => Ok(order),
        Err(PlaceError::Order(e)) => Err(e),
        Err(PlaceError::IdempotencyKeyReused { existing_number }) => {
            return refusal_for(
                &state,
                &caller,
                name(&info),
                StatusCode::CONFLICT,
                &format!(
                    "Mit diesem Formular wurde schon die Bestellung {existing_number} aufgegeben, mit anderen Angaben. Es wurde nichts geändert. Um eine weitere Bestellung aufzugeben, öffnen Sie das Bestellformular bitte neu."
                ),
            );
        }
    };
    match placed {
        Ok(order) => {
            state.outbox.mail_queued().await;
            let location = format!("/api/konto/bestellungen/{}", order.id);
            if caller.wants_json {
                json_value(
                    StatusCode::OK,
                    json!({"ok": true, "weiter": location, "bestellung": {"id": order.id, "nummer": order.number, "status": order.status.as_str()}}),
                )
            } else {
                see_other(&location)
            }
        }
        Err(OrderError::Invalid(errors)) if !caller.wants_json => {
            let catalog = match state.orders.catalog() {
                Ok(catalog) => catalog,
                Err(e) => return order_error(&state, &caller, name(&info), e),
            };
            let Some(offering) = catalog.offering(input.get(forms::order::OFFERING.name)) else {
                return order_error(&state, &caller, name(&info), OrderError::NotOrderable);
            };
            // The same idempotency key again: correcting and resending stays one order.
            let key = match input.get(forms::order::IDEMPOTENCY_KEY.name) {
                "" => new_id(),
                key => key.to_owned(),
            };
            order_page(
                &state,
                &info,
                offering,
                &input,
                &errors,
                &key,
                StatusCode::UNPROCESSABLE_ENTITY,
                &format!("Fehler: {} bestellen", offering.name),
            )
        }
        Err(e) => order_error(&state, &caller, name(&info), e),
    }
}

pub async fn my_orders(State(state): State<AppState>, caller: Caller) -> Response {
    let info = match signed_in(&state, &caller).await {
        Ok(info) => info,
        Err(response) => return response,
    };
    let now = state.orders.now();
    match state.orders.orders_of(&info).await {
        Ok(orders) if caller.wants_json => json_value(
            StatusCode::OK,
            json!({"bestellungen": orders.iter().map(|o| order_json(o, now)).collect::<Vec<_>>()}),
        ),
        Ok(orders) => {
            let rows: Vec<OrderRow<'_>> = orders.iter().map(|o| OrderRow::of(o, now)).collect();
            state.page(
                Page::new("konto/orders.html", "Ihre Bestellungen").with("orders", &rows),
                name(&info),
            )
        }
        Err(e) => order_error(&state, &caller, name(&info), e),
    }
}

/// An order of the signed-in person's organisation, with the session.
async fn own_order(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> Result<(SessionInfo, Order), Response> {
    let info = signed_in(state, caller).await?;
    match state.orders.order_for(&info, id).await {
        Ok(order) => Ok((info, order)),
        Err(e) => Err(order_error(state, caller, name(&info), e)),
    }
}

pub async fn my_order(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Response {
    let (info, order) = match own_order(&state, &caller, &id).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let now = state.orders.now();
    if caller.wants_json {
        return json_value(StatusCode::OK, order_json(&order, now));
    }
    state.page(
        Page::new("konto/order.html", &format!("Bestellung {}", order.number))
            .with("order", &OrderView::of(&order, now))
            .with("folder", &FolderView::of(&order, 3)),
        name(&info),
    )
}

pub async fn folder_html(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Response {
    let (info, order) = match own_order(&state, &caller, &id).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    state.page(
        Page::new(
            "konto/folder.html",
            &format!("Vertragsmappe {}", order.number),
        )
        .with("order", &OrderView::of(&order, state.orders.now()))
        .with("folder", &FolderView::of(&order, 2)),
        name(&info),
    )
}

pub async fn folder_pdf(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Response {
    let (info, order) = match own_order(&state, &caller, &id).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    match crate::domain::orders::summary::summary_pdf(&order) {
        Ok(bytes) => {
            let mut response = (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/pdf")],
                bytes,
            )
                .into_response();
            let disposition = format!(
                "attachment; filename=\"Vertragsmappe-{}.pdf\"",
                order.number
            );
            if let Ok(value) = HeaderValue::from_str(&disposition) {
                response
                    .headers_mut()
                    .insert(header::CONTENT_DISPOSITION, value);
            }
            response
        }
        Err(e) => {
            tracing::error!(error = %e, "PDF failed");
            refusal_for(
                &state,
                &caller,
                name(&info),
                StatusCode::INTERNAL_SERVER_ERROR,
                UNAVAILABLE,
            )
        }
    }
}

// ---- customer: needs ----------------------------------------------------------------------

#[derive(Debug, Deserialize)]
pub struct NeedQuery {
    #[serde(default)]
    titel: String,
}

/// The Bedarf form's categories: `[top name, [[value "top/sub", sub name], …]]`.
fn category_choices(catalog: &OrderCatalog) -> Vec<(&str, Vec<(String, &str)>)> {
    catalog
        .categories
        .iter()
        .map(|top| {
            (
                top.name.as_str(),
                top.subcategories
                    .iter()
                    .map(|(id, name)| (format!("{}/{id}", top.id), name.as_str()))
                    .collect(),
            )
        })
        .collect()
}

/// The Bedarf form (`forms/need.html`, the static page's template) filled with `input` and
/// its messages.
fn need_page(
    state: &AppState,
    info: &SessionInfo,
    catalog: &OrderCatalog,
    input: &FormInput,
    errors: &FieldErrors,
    status: StatusCode,
    title: &str,
) -> Response {
    // A form sent without its token is a message about the whole form.
    let (field_errors, message) = split_messages(errors, &[forms::CSRF.name]);
    let form = FormView::filled(
        forms::need::FIELDS,
        |field| input.get(field).to_owned(),
        &field_errors,
        &message,
    );
    state.page(
        Page::new("forms/need.html", title)
            .section("katalog")
            .status(status)
            .with("form", &form)
            .with("csrf", &info.csrf_token)
            .with("categories", &category_choices(catalog)),
        name(info),
    )
}

pub async fn need_form(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<NeedQuery>,
) -> Response {
    let info = match signed_in(&state, &caller).await {
        Ok(info) => info,
        Err(response) => return response,
    };
    let catalog = match state.orders.catalog() {
        Ok(catalog) => catalog,
        Err(e) => return order_error(&state, &caller, name(&info), e),
    };
    let title: String = query
        .titel
        .chars()
        .take(forms::need::TITLE.max_len)
        .collect();
    let input = FormInput::from_pairs([(forms::need::TITLE.name, title)]);
    need_page(
        &state,
        &info,
        &catalog,
        &input,
        &FieldErrors::default(),
        StatusCode::OK,
        "Bedarf melden",
    )
}

pub async fn submit_need(State(state): State<AppState>, caller: Caller, body: Bytes) -> Response {
    let (info, input, token) = match signed_in_form(&state, &caller, &body).await {
        Ok(form) => form,
        Err(response) => return response,
    };
    let reported = if token {
        state.orders.report_need(&info, &input).await
    } else {
        // Its mistakes are shown at once; a correct form is asked for once more.
        state.orders.check_need(&input).and_then(|()| {
            let mut again = FieldErrors::default();
            again.add(forms::CSRF.name, SEND_AGAIN);
            Err(OrderError::Invalid(again))
        })
    };
    match reported {
        Ok(need) => {
            state.outbox.mail_queued().await;
            if caller.wants_json {
                json_value(
                    StatusCode::OK,
                    json!({"ok": true, "weiter": "/api/hinweis/bedarf-gemeldet", "bedarf": {"id": need.id}}),
                )
            } else {
                success(&caller, "/api/hinweis/bedarf-gemeldet")
            }
        }
        Err(OrderError::Invalid(errors)) if !caller.wants_json => {
            let catalog = match state.orders.catalog() {
                Ok(catalog) => catalog,
                Err(e) => return order_error(&state, &caller, name(&info), e),
            };
            need_page(
                &state,
                &info,
                &catalog,
                &input,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
                "Fehler: Bedarf melden",
            )
        }
        Err(e) => order_error(&state, &caller, name(&info), e),
    }
}

// ---- provider and intermediary: decision links ---------------------------------------------

#[derive(Debug, Deserialize)]
pub struct DecisionQuery {
    #[serde(default)]
    token: String,
    #[serde(default)]
    aktion: String,
}

/// The page behind a decision link (`decision.html`): the order, the buttons to confirm or
/// review, or the form to reject with a reason, and the contract folder.
#[allow(clippy::too_many_arguments)]
fn decision_page_of(
    state: &AppState,
    order: &Order,
    party: crate::domain::orders::Party,
    token: &str,
    reject: bool,
    input: &FormInput,
    errors: &FieldErrors,
    status: StatusCode,
) -> Response {
    // A wrong action is no field of the page: it becomes the message of the whole form.
    let (whole_form, field_errors): (Vec<_>, Vec<_>) = errors
        .0
        .iter()
        .cloned()
        .partition(|(name, _)| name == forms::decision::ACTION.name);
    let message = whole_form
        .iter()
        .map(|(_, m)| m.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let mut form = FormView::filled(
        forms::decision::FIELDS,
        |field| input.get(field).to_owned(),
        &field_errors,
        &message,
    );
    // The reason is optional for a decision in general, but the rejection form needs it.
    if let Some(reason) = form.fields.get_mut(forms::decision::REASON.name) {
        reason.spec.required = reject;
    }
    let title = if form.has_errors() {
        format!("Fehler: Bestellung {} entscheiden", order.number)
    } else {
        format!("Bestellung {} entscheiden", order.number)
    };
    state.page(
        Page::new("decision.html", &title)
            .status(status)
            .with("decision", &DecisionView::of(order, party, token, reject))
            .with("form", &form)
            .with("folder", &FolderView::of(order, 3)),
        None,
    )
}

pub async fn decision_page(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<DecisionQuery>,
) -> Response {
    match state.orders.open_link(&query.token).await {
        Ok((order, claims)) => decision_page_of(
            &state,
            &order,
            claims.party,
            &query.token,
            query.aktion == "ablehnen",
            &FormInput::default(),
            &FieldErrors::default(),
            StatusCode::OK,
        ),
        Err(e) => order_error(&state, &caller, None, e),
    }
}

fn parse_action(input: &FormInput) -> Result<Action, FieldErrors> {
    let reason_field = forms::decision::REASON;
    match input.get(forms::decision::ACTION.name) {
        "bestaetigen" => Ok(Action::Confirm),
        "pruefen" => Ok(Action::Review),
        "ablehnen" => {
            let reason = input.get(reason_field.name);
            if reason.is_empty() {
                let mut errors = FieldErrors::default();
                errors.add(
                    reason_field.name,
                    "Bitte begründen Sie die Ablehnung; der Kunde erhält die Begründung.",
                );
                Err(errors)
            } else if reason.chars().count() > reason_field.max_len {
                let mut errors = FieldErrors::default();
                errors.add(
                    reason_field.name,
                    format!("Bitte höchstens {} Zeichen.", reason_field.max_len),
                );
                Err(errors)
            } else {
                Ok(Action::Reject {
                    reason: reason.to_owned(),
                })
            }
        }
        _ => {
            let mut errors = FieldErrors::default();
            errors.add(
                forms::decision::ACTION.name,
                "Bitte wählen Sie: bestaetigen, pruefen oder ablehnen.",
            );
            Err(errors)
        }
    }
}

pub async fn decide_by_link(
    State(state): State<AppState>,
    caller: Caller,
    body: Bytes,
) -> Response {
    if let Err(response) = check_origin(&state, &caller) {
        return response;
    }
    let input = match body_input(&state, &caller, &body) {
        Ok(input) => input,
        Err(response) => return response,
    };
    let token = input.get(forms::decision::TOKEN.name).to_owned();
    let action = match parse_action(&input) {
        Ok(action) => action,
        Err(errors) => {
            if caller.wants_json {
                return json_value(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    json!({"ok": false, "meldung": CORRECT, "fehler": errors_json(&errors)}),
                );
            }
            return match state.orders.open_link(&token).await {
                Ok((order, claims)) => decision_page_of(
                    &state,
                    &order,
                    claims.party,
                    &token,
                    // A missing or too long reason: the rejection form again.
                    errors.get(forms::decision::REASON.name).is_some(),
                    &input,
                    &errors,
                    StatusCode::UNPROCESSABLE_ENTITY,
                ),
                Err(e) => order_error(&state, &caller, None, e),
            };
        }
    };
    match state.orders.decide_by_link(&token, action).await {
        Ok(order) => {
            state.outbox.mail_queued().await;
            if caller.wants_json {
                json_value(
                    StatusCode::OK,
                    json!({"ok": true, "status": order.status.as_str(), "status_text": order.status.label()}),
                )
            } else {
                state.page(
                    Page::new("decision-done.html", "Entscheidung gespeichert")
                        .with("decided", &DecidedView::of(&order)),
                    None,
                )
            }
        }
        Err(e) => order_error(&state, &caller, None, e),
    }
}

// ---- provider and intermediary: API ------------------------------------------------------

fn api_party(state: &AppState, caller: &Caller) -> Result<ApiParty, Response> {
    caller
        .authorization
        .as_deref()
        .and_then(|v| v.strip_prefix("Bearer "))
        .and_then(|token| state.orders.api_party(token.trim()))
        .ok_or_else(|| {
            json_value(
                StatusCode::UNAUTHORIZED,
                json!({"ok": false, "meldung": "API-Token fehlt oder ist falsch."}),
            )
        })
}

pub async fn party_orders(State(state): State<AppState>, caller: Caller) -> Response {
    let caller = caller.clone_json();
    let party = match api_party(&state, &caller) {
        Ok(party) => party,
        Err(response) => return response,
    };
    let now = state.orders.now();
    match state.orders.orders_for_party(&party).await {
        Ok(orders) => json_value(
            StatusCode::OK,
            json!({"bestellungen": orders.iter().map(|o| order_json(o, now)).collect::<Vec<_>>()}),
        ),
        Err(e) => order_error(&state, &caller, None, e),
    }
}

pub async fn party_order(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Response {
    let caller = caller.clone_json();
    let party = match api_party(&state, &caller) {
        Ok(party) => party,
        Err(response) => return response,
    };
    match state.orders.order_for_party(&party, &id).await {
        Ok(order) => json_value(StatusCode::OK, order_json(&order, state.orders.now())),
        Err(e) => order_error(&state, &caller, None, e),
    }
}

pub async fn party_decide(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let caller = caller.clone_json();
    let party = match api_party(&state, &caller) {
        Ok(party) => party,
        Err(response) => return response,
    };
    let input = match body_input(&state, &caller, &body) {
        Ok(input) => input,
        Err(response) => return response,
    };
    let action = match parse_action(&input) {
        Ok(action) => action,
        Err(errors) => {
            return json_value(
                StatusCode::UNPROCESSABLE_ENTITY,
                json!({"ok": false, "meldung": CORRECT, "fehler": errors_json(&errors)}),
            );
        }
    };
    match state.orders.decide_by_api(&party, &id, action).await {
        Ok(order) => {
            state.outbox.mail_queued().await;
            json_value(
                StatusCode::OK,
                json!({"ok": true, "bestellung": order_json(&order, state.orders.now())}),
            )
        }
        Err(e) => order_error(&state, &caller, None, e),
    }
}

// ---- operator ----------------------------------------------------------------------------

pub async fn operator_needs(State(state): State<AppState>, caller: Caller) -> Response {
    if let Err(response) = operator_only(&state, &caller) {
        return response;
    }
    match state.orders.needs().await {
        Ok(needs) => json_value(StatusCode::OK, json!({"bedarfe": needs})),
        Err(e) => order_error(&state, &caller.clone_json(), None, e),
    }
}

pub async fn operator_overdue(State(state): State<AppState>, caller: Caller) -> Response {
    if let Err(response) = operator_only(&state, &caller) {
        return response;
    }
    let now = state.orders.now();
    match state.orders.overdue().await {
        Ok(orders) => json_value(
            StatusCode::OK,
            json!({"bestellungen": orders.iter().map(|o| order_json(o, now)).collect::<Vec<_>>()}),
        ),
        Err(e) => order_error(&state, &caller.clone_json(), None, e),
    }
}
