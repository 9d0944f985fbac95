//! Decisions of providers and the intermediary: through the mailed links (pages) and the
//! partner API (JSON, bearer token).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use catalog::forms::{self, FormView};
use serde::Deserialize;
use serde_json::json;

use super::views::{DecidedView, DecisionView, FolderView};
use crate::domain::orders::{Action, ApiParty, Order};
use crate::domain::validation::{FieldErrors, FormInput};
use crate::pages::Page;
use crate::state::AppState;
use crate::web::form::{FormBody, PostedForm};
use crate::web::refusal::Refusal;
use crate::web::request::Caller;
use crate::web::responses::{CORRECT, errors_json, json_value};

use super::{order_error, order_json};

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

/// The page of a link whose order is no longer in the link's party's step (decided in the
/// console, by a colleague's link, or moved on): what happened, not an error page.
fn already_decided(state: &AppState, order: &Order, status: StatusCode) -> Response {
    state.page(
        Page::new("decision-done.html", "Bestellung bereits entschieden")
            .status(status)
            .with("decided", &DecidedView::of(order))
            .with("already", &true),
        None,
    )
}

pub async fn decision_page(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<DecisionQuery>,
) -> Response {
    match state.orders.open_link(&query.token).await {
        Ok((order, claims))
            if crate::domain::orders::whose_turn(order.status, order.contract_model)
                != Some(claims.party) =>
        {
            already_decided(&state, &order, StatusCode::OK)
        }
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
        Err(e) => order_error(&caller, None, e).into_response(),
    }
}

pub(super) fn parse_action(input: &FormInput) -> Result<Action, FieldErrors> {
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
    PostedForm { caller, input }: PostedForm,
) -> Response {
    let token = input.get(forms::decision::TOKEN.name).to_owned();
    let action = match parse_action(&input) {
        Ok(action) => action,
        Err(errors) => {
            if caller.wants_json {
                return Refusal::json(StatusCode::UNPROCESSABLE_ENTITY, CORRECT)
                    .with_fields(errors_json(&errors))
                    .into_response();
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
                Err(e) => order_error(&caller, None, e).into_response(),
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
        // Decided meanwhile another way (in the console): say what happened. (A link used
        // before stays "invalid or used", as it was.)
        Err(e @ crate::domain::orders::OrderError::NotAllowed(_)) if !caller.wants_json => {
            match state.orders.order_of_link(&token).await {
                Ok(Some(order)) if order.status.is_final() => {
                    already_decided(&state, &order, StatusCode::CONFLICT)
                }
                _ => order_error(&caller, None, e).into_response(),
            }
        }
        Err(e) => order_error(&caller, None, e).into_response(),
    }
}

// ---- provider and intermediary: API ------------------------------------------------------

fn api_party(state: &AppState, caller: &Caller) -> Result<ApiParty, Refusal> {
    caller
        .authorization
        .as_deref()
        .and_then(|v| v.strip_prefix("Bearer "))
        .and_then(|token| state.orders.api_party(token.trim()))
        .ok_or_else(|| Refusal::json(StatusCode::UNAUTHORIZED, "API-Token fehlt oder ist falsch."))
}

pub async fn party_orders(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Response, Refusal> {
    let caller = caller.clone_json();
    let party = api_party(&state, &caller)?;
    let now = state.orders.now();
    Ok(match state.orders.orders_for_party(&party).await {
        Ok(orders) => json_value(
            StatusCode::OK,
            json!({"bestellungen": orders.iter().map(|o| order_json(o, now)).collect::<Vec<_>>()}),
        ),
        Err(e) => order_error(&caller, None, e).into_response(),
    })
}

pub async fn party_order(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, Refusal> {
    let caller = caller.clone_json();
    let party = api_party(&state, &caller)?;
    Ok(match state.orders.order_for_party(&party, &id).await {
        Ok(order) => json_value(StatusCode::OK, order_json(&order, state.orders.now())),
        Err(e) => order_error(&caller, None, e).into_response(),
    })
}

pub async fn party_decide(
    State(state): State<AppState>,
    Path(id): Path<String>,
    FormBody { caller, input }: FormBody,
) -> Result<Response, Refusal> {
    let caller = caller.clone_json();
    let party = api_party(&state, &caller)?;
    let action = match parse_action(&input) {
        Ok(action) => action,
        Err(errors) => {
            return Err(Refusal::json(StatusCode::UNPROCESSABLE_ENTITY, CORRECT)
                .with_fields(errors_json(&errors)));
        }
    };
    Ok(
        match state.orders.decide_by_api(&party, &id, action).await {
            Ok(order) => {
                state.outbox.mail_queued().await;
                json_value(
                    StatusCode::OK,
                    json!({"ok": true, "bestellung": order_json(&order, state.orders.now())}),
                )
            }
            Err(e) => order_error(&caller, None, e).into_response(),
        },
    )
}
