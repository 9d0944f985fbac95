//! Handlers of orders, the contract folder, decisions and needs.

// Early returns carry a ready `Response`; boxing it would only add noise on a cold path.
#![allow(clippy::result_large_err)]

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::handlers::{
    CORRECT, UNAVAILABLE, body_input, check_origin, current_session, errors_json, html_page,
    json_value, operator_only, refusal, see_other, success,
};
use super::order_pages;
use super::request::Caller;
use crate::config::AppState;
use crate::domain::accounts::SessionInfo;
use crate::domain::csrf;
use crate::domain::orders::{Action, ApiParty, Order, OrderError};
use crate::domain::tokens::new_id;
use crate::domain::validation::{FieldErrors, FormInput};
use crate::mail::after_mail_queued;

fn page(status: StatusCode, title: &str, main: &str) -> Response {
    html_page(status, super::html::bare_page(title, main))
}

/// The signed-in session, or the answer for someone who is not signed in.
async fn signed_in(state: &AppState, caller: &Caller) -> Result<SessionInfo, Response> {
    match current_session(state, caller).await {
        Some(info) => Ok(info),
        None if caller.wants_json => Err(json_value(
            StatusCode::UNAUTHORIZED,
            json!({"ok": false, "meldung": "Bitte melden Sie sich an."}),
        )),
        None => Err(page(
            StatusCode::UNAUTHORIZED,
            "Bitte melden Sie sich an",
            "<div class=\"narrow\"><h1>Bitte melden Sie sich an</h1><p>Bestellen, Bedarf melden und Bestellungen ansehen können angemeldete Beschäftigte einer registrierten Organisation.</p><ul class=\"links\"><li><a href=\"/api/anmeldung\">Anmelden</a></li><li><a href=\"/registrieren/\">Organisation registrieren</a></li></ul></div>",
        )),
    }
}

/// The session's CSRF token must be right when sent; a form without one (a static page
/// without JavaScript) is accepted only because [`check_origin`] already proved the request
/// came from the portal's own pages and the session cookie is `SameSite=Lax`.
fn check_token(
    state: &AppState,
    caller: &Caller,
    info: &SessionInfo,
    input: &FormInput,
) -> Result<(), Response> {
    let token = caller
        .csrf_header
        .as_deref()
        .unwrap_or_else(|| input.get("csrf"));
    if token.is_empty() || csrf::verify_session_token(state.accounts.secret(), &info.id_hash, token)
    {
        Ok(())
    } else {
        Err(refusal(
            caller,
            StatusCode::FORBIDDEN,
            "Die Anfrage enthielt kein gültiges Sicherheitstoken. Bitte laden Sie die Seite neu.",
        ))
    }
}

/// A state-changing form of a signed-in person: from the portal's origin, parsed, with the
/// session and its CSRF token checked.
async fn signed_in_form(
    state: &AppState,
    caller: &Caller,
    body: &[u8],
) -> Result<(SessionInfo, FormInput), Response> {
    check_origin(state, caller)?;
    let input = body_input(caller, body)?;
    let info = signed_in(state, caller).await?;
    check_token(state, caller, &info, &input)?;
    Ok((info, input))
}

fn order_error(caller: &Caller, error: OrderError) -> Response {
    match error {
        OrderError::Invalid(errors) => json_value(
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"ok": false, "meldung": CORRECT, "fehler": errors_json(&errors)}),
        ),
        OrderError::NotOrderable => refusal(
            caller,
            StatusCode::NOT_FOUND,
            "Dieses Angebot kann nicht (mehr) bestellt werden.",
        ),
        OrderError::NotFound => refusal(
            caller,
            StatusCode::NOT_FOUND,
            "Diese Bestellung gibt es nicht, oder sie gehört nicht zu Ihrer Organisation.",
        ),
        OrderError::InvalidLink => {
            let message = "Dieser Link ist ungültig, abgelaufen oder wurde bereits für eine Entscheidung verwendet.";
            if caller.wants_json {
                return refusal(caller, StatusCode::GONE, message);
            }
            // Titled after what happened, like the other links' page (not "Das hat nicht
            // geklappt"): a provider opening a used link learns why at once.
            html_page(
                StatusCode::GONE,
                super::html::notice(
                    "Link ungültig oder abgelaufen",
                    message,
                    &[("/", "Zur Startseite")],
                ),
            )
        }
        OrderError::NotAllowed(reason) => {
            tracing::info!(reason, "decision refused");
            refusal(
                caller,
                StatusCode::CONFLICT,
                "Diese Entscheidung ist im aktuellen Status der Bestellung nicht (mehr) möglich. Laden Sie die Bestellung neu, um den aktuellen Stand zu sehen.",
            )
        }
        OrderError::NoCatalog => {
            tracing::error!("no order catalog loaded");
            refusal(caller, StatusCode::SERVICE_UNAVAILABLE, UNAVAILABLE)
        }
        OrderError::Store(e) => {
            tracing::error!(error = %e, "store failed");
            refusal(caller, StatusCode::SERVICE_UNAVAILABLE, UNAVAILABLE)
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
        Err(e) => return order_error(&caller, e),
    };
    let Some(offering) = catalog.offering(&offering_id) else {
        return order_error(&caller, OrderError::NotOrderable);
    };
    let main = order_pages::order_form(
        offering,
        &info.org,
        &FormInput::default(),
        &FieldErrors::default(),
        &info.csrf_token,
        &new_id(),
        None,
    );
    page(
        StatusCode::OK,
        &format!("{} bestellen", offering.name),
        &main,
    )
}

pub async fn submit_order(State(state): State<AppState>, caller: Caller, body: Bytes) -> Response {
    let (info, input) = match signed_in_form(&state, &caller, &body).await {
        Ok(form) => form,
        Err(response) => return response,
    };
    match state.orders.submit(&info, &input).await {
        Ok(order) => {
            after_mail_queued(&state).await;
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
                Err(e) => return order_error(&caller, e),
            };
            let Some(offering) = catalog.offering(input.get("offering")) else {
                return order_error(&caller, OrderError::NotOrderable);
            };
            // The same idempotency key again: correcting and resending stays one order.
            let key = match input.get("idempotency_key") {
                "" => new_id(),
                key => key.to_owned(),
            };
            let main = order_pages::order_form(
                offering,
                &info.org,
                &input,
                &errors,
                &info.csrf_token,
                &key,
                None,
            );
            page(
                StatusCode::UNPROCESSABLE_ENTITY,
                &format!("Fehler: {} bestellen", offering.name),
                &main,
            )
        }
        Err(e) => order_error(&caller, e),
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
        Ok(orders) => page(
            StatusCode::OK,
            "Ihre Bestellungen",
            &order_pages::orders_list(&orders, now),
        ),
        Err(e) => order_error(&caller, e),
    }
}

async fn own_order(state: &AppState, caller: &Caller, id: &str) -> Result<Order, Response> {
    let info = signed_in(state, caller).await?;
    state
        .orders
        .order_for(&info, id)
        .await
        .map_err(|e| order_error(caller, e))
}

pub async fn my_order(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Response {
    match own_order(&state, &caller, &id).await {
        Ok(order) => {
            let now = state.orders.now();
            if caller.wants_json {
                json_value(StatusCode::OK, order_json(&order, now))
            } else {
                page(
                    StatusCode::OK,
                    &format!("Bestellung {}", order.number),
                    &order_pages::order_detail(&order, now),
                )
            }
        }
        Err(response) => response,
    }
}

pub async fn folder_html(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Response {
    match own_order(&state, &caller, &id).await {
        Ok(order) => page(
            StatusCode::OK,
            &format!("Vertragsmappe {}", order.number),
            &order_pages::folder_page(&order),
        ),
        Err(response) => response,
    }
}

pub async fn folder_pdf(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Response {
    let order = match own_order(&state, &caller, &id).await {
        Ok(order) => order,
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
            refusal(&caller, StatusCode::INTERNAL_SERVER_ERROR, UNAVAILABLE)
        }
    }
}

// ---- customer: needs ----------------------------------------------------------------------

#[derive(Debug, Deserialize)]
pub struct NeedQuery {
    #[serde(default)]
    titel: String,
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
        Err(e) => return order_error(&caller, e),
    };
    let title: String = query.titel.chars().take(150).collect();
    let input = FormInput::from_pairs([("title", title)]);
    let main = order_pages::need_form(
        &catalog,
        &input,
        &FieldErrors::default(),
        &info.csrf_token,
        None,
    );
    page(StatusCode::OK, "Bedarf melden", &main)
}

pub async fn submit_need(State(state): State<AppState>, caller: Caller, body: Bytes) -> Response {
    let (info, input) = match signed_in_form(&state, &caller, &body).await {
        Ok(form) => form,
        Err(response) => return response,
    };
    match state.orders.report_need(&info, &input).await {
        Ok(need) => {
            after_mail_queued(&state).await;
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
                Err(e) => return order_error(&caller, e),
            };
            let main = order_pages::need_form(&catalog, &input, &errors, &info.csrf_token, None);
            page(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Fehler: Bedarf melden",
                &main,
            )
        }
        Err(e) => order_error(&caller, e),
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

pub async fn decision_page(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<DecisionQuery>,
) -> Response {
    match state.orders.open_link(&query.token).await {
        Ok((order, claims)) => {
            let main = order_pages::decision_page(
                &order,
                claims.party,
                &query.token,
                &query.aktion,
                &FieldErrors::default(),
            );
            page(
                StatusCode::OK,
                &format!("Bestellung {} entscheiden", order.number),
                &main,
            )
        }
        Err(e) => order_error(&caller, e),
    }
}

fn parse_action(input: &FormInput) -> Result<Action, FieldErrors> {
    match input.get("aktion") {
        "bestaetigen" => Ok(Action::Confirm),
        "pruefen" => Ok(Action::Review),
        "ablehnen" => {
            let reason = input.get("begruendung");
            if reason.is_empty() {
                let mut errors = FieldErrors::default();
                errors.add(
                    "begruendung",
                    "Bitte begründen Sie die Ablehnung; der Kunde erhält die Begründung.",
                );
                Err(errors)
            } else if reason.chars().count() > 2000 {
                let mut errors = FieldErrors::default();
                errors.add("begruendung", "Bitte höchstens 2000 Zeichen.");
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
                "aktion",
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
    let input = match body_input(&caller, &body) {
        Ok(input) => input,
        Err(response) => return response,
    };
    let token = input.get("token").to_owned();
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
                Ok((order, claims)) => {
                    let main = order_pages::decision_page(
                        &order,
                        claims.party,
                        &token,
                        "ablehnen",
                        &errors,
                    );
                    page(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        &format!("Fehler: Bestellung {} entscheiden", order.number),
                        &main,
                    )
                }
                Err(e) => order_error(&caller, e),
            };
        }
    };
    match state.orders.decide_by_link(&token, action).await {
        Ok(order) => {
            after_mail_queued(&state).await;
            if caller.wants_json {
                json_value(
                    StatusCode::OK,
                    json!({"ok": true, "status": order.status.as_str(), "status_text": order.status.label()}),
                )
            } else {
                page(
                    StatusCode::OK,
                    "Entscheidung gespeichert",
                    &order_pages::decision_done(&order),
                )
            }
        }
        Err(e) => order_error(&caller, e),
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
        Err(e) => order_error(&caller, e),
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
        Err(e) => order_error(&caller, e),
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
    let input = match body_input(&caller, &body) {
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
            after_mail_queued(&state).await;
            json_value(
                StatusCode::OK,
                json!({"ok": true, "bestellung": order_json(&order, state.orders.now())}),
            )
        }
        Err(e) => order_error(&caller, e),
    }
}

// ---- operator ----------------------------------------------------------------------------

pub async fn operator_needs(State(state): State<AppState>, caller: Caller) -> Response {
    if let Err(response) = operator_only(&state, &caller) {
        return response;
    }
    match state.orders.needs().await {
        Ok(needs) => json_value(StatusCode::OK, json!({"bedarfe": needs})),
        Err(e) => order_error(&caller.clone_json(), e),
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
        Err(e) => order_error(&caller.clone_json(), e),
    }
}
