//! Handlers of orders, the contract folder, decisions and needs. Their pages are the theme's
//! templates: the order and Bedarf forms are the static forms filled in again, the account's
//! orders are under `konto/`, the decision pages are `decision.html` and
//! `decision-done.html`; [`views`] holds what those templates read.

pub mod cart;
pub mod checkout;
mod console;
mod decisions;
mod figures;
mod inbox_views;
mod views;

pub use console::{
    decide_incoming, incoming, incoming_csv, incoming_document, incoming_order, incoming_zip,
};
pub use decisions::{decide_by_link, decision_page, party_decide, party_order, party_orders};
pub use figures::party_figures;

use axum::extract::{Path, Query, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use catalog::forms::{self, FormView};
use catalog::order_form::{OrderOffering, order_fields};
use catalog::snapshot::{OrderCatalog, OrderableOffering};
use serde::Deserialize;
use serde_json::{Value, json};

use self::views::{FolderView, OrderRow, OrderView};
use super::form::PostedForm;
use super::inputs;
use super::refusal::Refusal;
use super::request::Caller;
use super::responses::{
    CORRECT, UNAVAILABLE, current_session, errors_json, json_value, see_other, success,
};
use crate::domain::accounts::SessionInfo;
use crate::domain::csrf;
use crate::domain::model::Address;
use crate::domain::orders::folder_documents;
use crate::domain::orders::{Order, OrderError, PlaceError};
use crate::domain::tokens::new_id;
use crate::domain::validation::{FieldErrors, FormInput};
use crate::pages::Page;
use crate::state::AppState;

/// The name in the header of a signed-in person's pages.
fn name(info: &SessionInfo) -> Option<&str> {
    Some(info.user.name.as_str())
}

/// The signed-in session, or the answer for someone who is not signed in.
async fn signed_in(state: &AppState, caller: &Caller) -> Result<SessionInfo, Refusal> {
    current_session(state, caller).await.ok_or_else(|| {
        Refusal::new(caller, StatusCode::UNAUTHORIZED, "Bitte melden Sie sich an.")
            .titled(
                "Bitte melden Sie sich an",
                &[
                    ("/api/anmeldung", "Anmelden"),
                    ("/registrieren/", "Organisation registrieren"),
                ],
            )
            .page_text("Bestellen, Bedarf melden und Bestellungen ansehen können angemeldete Beschäftigte einer registrierten Organisation.")
    })
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
) -> Result<bool, Refusal> {
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
        Err(Refusal::new(
            caller,
            StatusCode::FORBIDDEN,
            "Die Anfrage enthielt kein gültiges Sicherheitstoken. Bitte laden Sie die Seite neu.",
        )
        .for_session(name(info)))
    }
}

/// A posted form of a signed-in person: the session, and whether its CSRF token came along
/// (see [`check_token`]: `false` when the form must be sent again).
async fn signed_in_form(
    state: &AppState,
    caller: &Caller,
    input: &FormInput,
) -> Result<(SessionInfo, bool), Refusal> {
    let info = signed_in(state, caller).await?;
    let token = check_token(state, caller, &info, input)?;
    Ok((info, token))
}

/// A failed order action as the web answers it: messages under the form's field names
/// (the domain's problems named by [`inputs`], or the edge's own about the CSRF token), or
/// another refusal.
#[derive(Debug)]
pub(super) enum Failed {
    Fields(FieldErrors),
    Order(OrderError),
}

impl From<OrderError> for Failed {
    fn from(error: OrderError) -> Self {
        match error {
            OrderError::Invalid(problems) => Failed::Fields(inputs::order_errors(&problems)),
            OrderError::InvalidNeed(problems) => Failed::Fields(inputs::need_errors(&problems)),
            other => Failed::Order(other),
        }
    }
}

/// A form that came without its CSRF token: to be sent once more (see [`check_token`]).
pub(super) fn send_again() -> Failed {
    let mut again = FieldErrors::default();
    again.add(forms::CSRF.name, SEND_AGAIN);
    Failed::Fields(again)
}

/// The answer to a failed order action that is not shown as its form again.
pub(super) fn failed(caller: &Caller, session: Option<&str>, failed: Failed) -> Response {
    match failed {
        Failed::Fields(errors) => Refusal::json(StatusCode::UNPROCESSABLE_ENTITY, CORRECT)
            .with_fields(errors_json(&errors))
            .into_response(),
        Failed::Order(error) => order_error(caller, session, error).into_response(),
    }
}

/// The answer to a failed order action, with the header of `session` on its page.
pub(super) fn order_error(caller: &Caller, session: Option<&str>, error: OrderError) -> Refusal {
    let refuse =
        |status, message: &'static str| Refusal::new(caller, status, message).for_session(session);
    match error {
        OrderError::Invalid(problems) => Refusal::json(StatusCode::UNPROCESSABLE_ENTITY, CORRECT)
            .with_fields(errors_json(&inputs::order_errors(&problems))),
        OrderError::InvalidNeed(problems) => {
            Refusal::json(StatusCode::UNPROCESSABLE_ENTITY, CORRECT)
                .with_fields(errors_json(&inputs::need_errors(&problems)))
        }
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
            // Titled after what happened, like the other links' page (not "Das hat nicht
            // geklappt"): a provider opening a used link learns why at once.
            refuse(StatusCode::GONE, message)
                .titled("Link ungültig oder abgelaufen", &[("/", "Zur Startseite")])
        }
        OrderError::PeriodEnded => refuse(
            StatusCode::GONE,
            "Die Frist von 30 Tagen für die Entscheidung über diese Bestellung ist abgelaufen. Ohne Entscheidung in dieser Frist schließt das Portal die Bestellung als abgelehnt; eine Entscheidung ist nicht mehr möglich.",
        )
        .titled("Entscheidungsfrist abgelaufen", &[("/", "Zur Startseite")]),
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

pub(super) fn order_json(order: &Order, now: i64) -> Value {
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
    inputs::CUSTOMER_SCOPE,
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

/// How the order form names a saved address.
fn address_choice(address: &Address) -> String {
    let default = if address.is_default {
        " (Standardadresse)"
    } else {
        ""
    };
    format!(
        "{}{default}: {}, {}, {} {}",
        address.label, address.recipient, address.street, address.postcode, address.city
    )
}

/// The organisation's saved addresses for the order form; none if they cannot be read
/// (the form then asks for a typed address, as the static page does).
async fn saved_addresses(state: &AppState, info: &SessionInfo) -> Vec<Address> {
    match state.accounts.addresses(info).await {
        Ok(addresses) => addresses,
        Err(e) => {
            tracing::error!(error = %e, "addresses could not be read for the order form");
            Vec::new()
        }
    }
}

/// The order form of `offering` (`order.html`, the static page's template) filled with
/// `input` and its messages, offering the organisation's saved `addresses`.
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
    addresses: &[Address],
) -> Response {
    let value = |name: &str| input.get(name).to_owned();
    let (field_errors, message) = split_messages(errors, ORDER_FORM_MESSAGES);
    let o = OrderOffering::new(offering, &value, &field_errors);
    let mut form = order_fields(offering, &value, &field_errors, &message);
    // The typed address is needed only when no saved address is chosen: the domain checks
    // that, the browser must not insist on it.
    if !addresses.is_empty() {
        for field in [
            forms::order::BILLING_ORG,
            forms::order::BILLING_STREET,
            forms::order::BILLING_POSTCODE,
            forms::order::BILLING_CITY,
        ] {
            if let Some(view) = form.fields.get_mut(field.name) {
                view.spec.required = false;
            }
        }
    }
    // "Oder in den Warenkorb": the quantity, with its message in the summary too.
    let cart_form = FormView::filled(forms::cart::FIELDS, value, &field_errors, "");
    if let Some(message) = errors.get(forms::cart::QUANTITY.name) {
        form.summary.push(forms::SummaryEntry {
            target: forms::cart::QUANTITY.id.to_owned(),
            message: message.to_owned(),
        });
    }
    let choices: Vec<(&str, String)> = addresses
        .iter()
        .map(|a| (a.id.as_str(), address_choice(a)))
        .collect();
    state.page(
        Page::new("order.html", title)
            .section("katalog")
            .status(status)
            .with("o", &o)
            .with("form", &form)
            .with("addresses", &choices)
            .with("cart_form", &cart_form)
            .with("csrf", &info.csrf_token)
            .with("idempotency_key", &idempotency_key),
        name(info),
    )
}

/// The names of the order form that make up an offering's configuration: what "In den
/// Warenkorb" keeps and the order form's address may carry (`?plan=…&menge=…`).
fn is_configuration(name: &str) -> bool {
    [
        forms::order::PLAN.name,
        forms::order::CONTRACT_MODEL.name,
        forms::cart::QUANTITY.name,
    ]
    .contains(&name)
        || name.starts_with(&forms::order::option_name(""))
}

/// The configuration among `pairs` (at most as many values, and as long, as a form may
/// have).
fn configuration<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> Vec<(&'a str, &'a str)> {
    pairs
        .filter(|(name, value)| is_configuration(name) && !value.is_empty() && value.len() <= 200)
        .take(40)
        .collect()
}

/// The order form of `offering_id` filled with `chosen` (a local path), to come back to
/// after signing in; just the form if the choice makes the address too long.
pub(super) fn order_form_path(offering_id: &str, chosen: &[(&str, &str)]) -> String {
    let base = format!(
        "/api/bestellen/{}",
        form_urlencoded::byte_serialize(offering_id.as_bytes()).collect::<String>()
    );
    if chosen.is_empty() {
        return base;
    }
    let mut sorted = chosen.to_vec();
    sorted.sort_unstable();
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (name, value) in sorted {
        query.append_pair(name, value);
    }
    let full = format!("{base}?{}", query.finish());
    if super::return_to::local_path(&full).is_some() {
        full
    } else {
        base
    }
}

/// Not signed in: a page is led to sign in and back to the order form with `chosen`; a
/// script gets the refusal.
async fn signed_in_or_back_to(
    state: &AppState,
    caller: &Caller,
    offering_id: &str,
    chosen: &[(&str, &str)],
) -> Result<SessionInfo, Response> {
    match signed_in(state, caller).await {
        Ok(info) => Ok(info),
        Err(_) if !caller.wants_json => {
            let back = if offering_id.is_empty() {
                String::new()
            } else {
                order_form_path(offering_id, chosen)
            };
            Err(see_other(&super::return_to::sign_in_url(&back)))
        }
        Err(refusal) => Err(refusal.into_response()),
    }
}

/// The order form; `?plan=…&contract_model=…&option_…=…&menge=…` fill it in (the choice
/// kept through signing in). Someone not signed in is led to sign in and back here.
pub async fn order_form(
    State(state): State<AppState>,
    caller: Caller,
    Path(offering_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, Refusal> {
    let query = query.unwrap_or_default();
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let chosen = configuration(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let info = match signed_in_or_back_to(&state, &caller, &offering_id, &chosen).await {
        Ok(info) => info,
        Err(response) => return Ok(response),
    };
    let catalog = state
        .orders
        .catalog()
        .map_err(|e| order_error(&caller, name(&info), e))?;
    let Some(offering) = catalog.offering(&offering_id) else {
        return Err(order_error(&caller, name(&info), OrderError::NotOrderable));
    };
    // The Standardadresse is proposed for the bill; without saved addresses, the
    // organisation's registration address is typed in already.
    let addresses = saved_addresses(&state, &info).await;
    let org = &info.org;
    let mut proposed: Vec<(&str, &str)> = match addresses.iter().find(|a| a.is_default) {
        Some(default) => vec![(forms::order::BILLING_ADDRESS.name, default.id.as_str())],
        None => vec![
            (forms::order::BILLING_ORG.name, org.name.as_str()),
            (forms::order::BILLING_STREET.name, org.street.as_str()),
            (forms::order::BILLING_POSTCODE.name, org.postcode.as_str()),
            (forms::order::BILLING_CITY.name, org.city.as_str()),
        ],
    };
    proposed.extend(chosen);
    let proposed = FormInput::from_pairs(proposed);
    Ok(order_page(
        &state,
        &info,
        offering,
        &proposed,
        &FieldErrors::default(),
        &new_id(),
        StatusCode::OK,
        &format!("{} bestellen", offering.name),
        &addresses,
    ))
}

pub async fn submit_order(
    State(state): State<AppState>,
    PostedForm { caller, input }: PostedForm,
) -> Result<Response, Refusal> {
    let (info, token) = signed_in_form(&state, &caller, &input).await?;
    let order = inputs::order_input(&input);
    let placed = if token {
        state.orders.place(&info, &order).await
    } else {
        // Its mistakes are shown at once; a correct form is asked for once more.
        match state.orders.check_order(&info, &order).await {
            Ok(()) => return Ok(resend_order(&state, &caller, &info, &input, send_again()).await),
            Err(e) => Err(PlaceError::Order(e)),
        }
    };
    let placed = match placed {
        Ok(order) => Ok(order),
        Err(PlaceError::Order(e)) => Err(Failed::from(e)),
        Err(PlaceError::IdempotencyKeyReused { existing_number }) => {
            return Err(Refusal::new(
                &caller,
                StatusCode::CONFLICT,
                format!(
                    "Mit diesem Formular wurde schon die Bestellung {existing_number} aufgegeben, mit anderen Angaben. Es wurde nichts geändert. Um eine weitere Bestellung aufzugeben, öffnen Sie das Bestellformular bitte neu."
                ),
            )
            .for_session(name(&info)));
        }
    };
    Ok(match placed {
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
        Err(e) => resend_order(&state, &caller, &info, &input, e).await,
    })
}

/// The order form sent again with its messages (a page), or the refusal.
async fn resend_order(
    state: &AppState,
    caller: &Caller,
    info: &SessionInfo,
    input: &FormInput,
    failure: Failed,
) -> Response {
    let errors = match failure {
        Failed::Fields(errors) if !caller.wants_json => errors,
        other => return failed(caller, name(info), other),
    };
    let catalog = match state.orders.catalog() {
        Ok(catalog) => catalog,
        Err(e) => return order_error(caller, name(info), e).into_response(),
    };
    let Some(offering) = catalog.offering(input.get(forms::order::OFFERING.name)) else {
        return order_error(caller, name(info), OrderError::NotOrderable).into_response();
    };
    // The same idempotency key again: correcting and resending stays one order.
    let key = match input.get(forms::order::IDEMPOTENCY_KEY.name) {
        "" => new_id(),
        key => key.to_owned(),
    };
    order_page(
        state,
        info,
        offering,
        input,
        &errors,
        &key,
        StatusCode::UNPROCESSABLE_ENTITY,
        &format!("Fehler: {} bestellen", offering.name),
        &saved_addresses(state, info).await,
    )
}

pub async fn my_orders(State(state): State<AppState>, caller: Caller) -> Result<Response, Refusal> {
    let info = signed_in(&state, &caller).await?;
    let now = state.orders.now();
    Ok(match state.orders.orders_of(&info).await {
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
        Err(e) => order_error(&caller, name(&info), e).into_response(),
    })
}

/// An order of the signed-in person's organisation, with the session.
async fn own_order(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> Result<(SessionInfo, Order), Refusal> {
    let info = signed_in(state, caller).await?;
    match state.orders.order_for(&info, id).await {
        Ok(order) => Ok((info, order)),
        Err(e) => Err(order_error(caller, name(&info), e)),
    }
}

pub async fn my_order(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, Refusal> {
    let (info, order) = own_order(&state, &caller, &id).await?;
    let now = state.orders.now();
    if caller.wants_json {
        return Ok(json_value(StatusCode::OK, order_json(&order, now)));
    }
    Ok(state.page(
        Page::new("konto/order.html", &format!("Bestellung {}", order.number))
            .with("order", &OrderView::of(&order, now))
            .with("folder", &FolderView::of(&order, 3))
            .with("documents", &views::folder_documents()),
        name(&info),
    ))
}

pub async fn folder_html(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, Refusal> {
    let (info, order) = own_order(&state, &caller, &id).await?;
    Ok(state.page(
        Page::new(
            "konto/folder.html",
            &format!("Vertragsmappe {}", order.number),
        )
        .with("order", &OrderView::of(&order, state.orders.now()))
        .with("folder", &FolderView::of(&order, 2))
        .with("documents", &views::folder_documents()),
        name(&info),
    ))
}

/// A file of the contract folder as a download.
fn download(bytes: Vec<u8>, content_type: &'static str, file_name: &str) -> Response {
    let mut response = (
        StatusCode::OK,
        [(header::CONTENT_TYPE, content_type)],
        bytes,
    )
        .into_response();
    // Order numbers and document names are ASCII (`CSP-2026-000123`, `agb.md`).
    let disposition = format!("attachment; filename=\"{file_name}\"");
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// A document that could not be made: logged, and the page says to try again.
fn document_failed(caller: &Caller, info: &SessionInfo, error: impl std::fmt::Display) -> Response {
    tracing::error!(error = %error, "contract folder document failed");
    Refusal::new(caller, StatusCode::INTERNAL_SERVER_ERROR, UNAVAILABLE)
        .for_session(name(info))
        .into_response()
}

pub async fn folder_pdf(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, Refusal> {
    let (info, order) = own_order(&state, &caller, &id).await?;
    Ok(match crate::domain::orders::summary::summary_pdf(&order) {
        Ok(bytes) => download(
            bytes,
            "application/pdf",
            &format!("Vertragsmappe-{}.pdf", order.number),
        ),
        Err(e) => document_failed(&caller, &info, e),
    })
}

/// One document of the contract folder (`stammdaten.txt`, `agb.md`, …).
pub async fn folder_document(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, Refusal> {
    let (info, order) = own_order(&state, &caller, &id).await?;
    folder_document_of(&caller, &info, &order, &file)
}

/// The document `file` of `order`'s contract folder (for the customer and the console).
fn folder_document_of(
    caller: &Caller,
    info: &SessionInfo,
    order: &Order,
    file: &str,
) -> Result<Response, Refusal> {
    let Some(kind) = folder_documents::kind(file) else {
        return Err(Refusal::new(
            caller,
            StatusCode::NOT_FOUND,
            "Dieses Dokument gibt es in der Vertragsmappe nicht.",
        )
        .for_session(name(info)));
    };
    Ok(match folder_documents::render(order, kind) {
        Ok(bytes) => download(
            bytes,
            kind.content_type,
            &format!("{}-{}", order.number, kind.file),
        ),
        Err(e) => document_failed(caller, info, e),
    })
}

/// Every document of the contract folder in one ZIP file.
pub async fn folder_zip(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, Refusal> {
    let (info, order) = own_order(&state, &caller, &id).await?;
    Ok(folder_zip_of(&caller, &info, &order))
}

/// Every document of `order`'s contract folder as one ZIP (for the customer and the console).
fn folder_zip_of(caller: &Caller, info: &SessionInfo, order: &Order) -> Response {
    match folder_documents::zip(order) {
        Ok(bytes) => download(
            bytes,
            "application/zip",
            &format!("Vertragsmappe-{}.zip", order.number),
        ),
        Err(e) => document_failed(caller, info, e),
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
) -> Result<Response, Refusal> {
    let info = signed_in(&state, &caller).await?;
    let catalog = state
        .orders
        .catalog()
        .map_err(|e| order_error(&caller, name(&info), e))?;
    let title: String = query
        .titel
        .chars()
        .take(forms::need::TITLE.max_len)
        .collect();
    let input = FormInput::from_pairs([(forms::need::TITLE.name, title)]);
    Ok(need_page(
        &state,
        &info,
        &catalog,
        &input,
        &FieldErrors::default(),
        StatusCode::OK,
        "Bedarf melden",
    ))
}

pub async fn submit_need(
    State(state): State<AppState>,
    PostedForm { caller, input }: PostedForm,
) -> Result<Response, Refusal> {
    let (info, token) = signed_in_form(&state, &caller, &input).await?;
    let need = inputs::need_input(&input);
    let reported = if token {
        state
            .orders
            .report_need(&info, &need)
            .await
            .map_err(Failed::from)
    } else {
        // Its mistakes are shown at once; a correct form is asked for once more.
        match state.orders.check_need(&need) {
            Ok(()) => Err(send_again()),
            Err(e) => Err(Failed::from(e)),
        }
    };
    Ok(match reported {
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
        Err(Failed::Fields(errors)) if !caller.wants_json => {
            let catalog = state
                .orders
                .catalog()
                .map_err(|e| order_error(&caller, name(&info), e))?;
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
        Err(e) => failed(&caller, name(&info), e),
    })
}
