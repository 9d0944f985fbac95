//! Handlers of the Warenkorb's checkout (`warenkorb-kasse.html`): a summary of all lines
//! with the totals, the billing address, the consents and one button; and the confirmation
//! (`warenkorb-bestellt.html`) with the numbers of the orders it created.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use catalog::forms::{self, FormView};
use serde::Serialize;
use serde_json::json;

use super::cart::{cart_json, cart_view};
use super::{
    Failed, address_choice, failed, name, order_error, saved_addresses, send_again, signed_in,
    signed_in_form,
};
use crate::domain::accounts::SessionInfo;
use crate::domain::orders::Order;
use crate::domain::orders::checkout::MAX_CHECKOUT_LINES;
use crate::domain::tokens::new_id;
use crate::domain::validation::{FieldErrors, FormInput};
use crate::pages::Page;
use crate::state::AppState;
use crate::web::form::PostedForm;
use crate::web::inputs::{self, CART, line_key};
use crate::web::refusal::Refusal;
use crate::web::request::Caller;
use crate::web::responses::{CORRECT, errors_json, json_value, see_other};

const CHECKOUT: &str = "/api/warenkorb/kasse";

/// The checkout page with `input` and its messages; back to the cart if it is empty.
async fn checkout_page(
    state: &AppState,
    caller: &Caller,
    info: &SessionInfo,
    input: &FormInput,
    errors: &FieldErrors,
    status: StatusCode,
) -> Response {
    let (rows, totals) = match cart_view(state, caller, info, |id| {
        errors.get(&line_key(id)).unwrap_or_default().to_owned()
    })
    .await
    {
        Ok(view) => view,
        Err(response) => return response,
    };
    let addresses = saved_addresses(state, info).await;
    let chosen = match input.get(forms::checkout::BILLING_ADDRESS.name) {
        "" => addresses
            .iter()
            .find(|a| a.is_default)
            .map(|a| a.id.clone())
            .unwrap_or_default(),
        id => id.to_owned(),
    };
    let choices: Vec<(&str, String)> = addresses
        .iter()
        .map(|a| (a.id.as_str(), address_choice(a)))
        .collect();
    let is_line = |f: &str| f.starts_with(&line_key(""));
    let at_lines = errors.0.iter().any(|(f, _)| is_line(f));
    let message = match errors.get(CART) {
        Some(message) => message.to_owned(),
        None if at_lines => {
            "Nicht alle Positionen können so bestellt werden: bitte sehen Sie sich die markierten Positionen an.".to_owned()
        }
        None => String::new(),
    };
    let field_errors: Vec<(String, String)> = errors
        .0
        .iter()
        .filter(|(f, _)| !is_line(f) && f != CART)
        .cloned()
        .collect();
    let form = FormView::filled(
        forms::checkout::FIELDS,
        |field| {
            if field == forms::checkout::BILLING_ADDRESS.name {
                chosen.clone()
            } else {
                input.get(field).to_owned()
            }
        },
        &field_errors,
        &message,
    );
    let key = match input.get(forms::order::IDEMPOTENCY_KEY.name) {
        "" => new_id(),
        key => key.to_owned(),
    };
    let title = if errors.is_empty() {
        "Kasse"
    } else {
        "Fehler: Kasse"
    };
    state.page(
        Page::new("warenkorb-kasse.html", title)
            .status(status)
            .with("lines", &rows)
            .with("totals", &totals)
            .with("form", &form)
            .with("addresses", &choices)
            .with("max_lines", &MAX_CHECKOUT_LINES)
            .with("csrf", &info.csrf_token)
            .with("idempotency_key", &key),
        name(info),
    )
}

/// The checkout page: the Standardadresse preselected.
pub async fn show(State(state): State<AppState>, caller: Caller) -> Result<Response, Refusal> {
    let info = signed_in(&state, &caller).await?;
    if caller.wants_json {
        return Ok(match state.orders.cart(&info).await {
            Ok(cart) => json_value(StatusCode::OK, cart_json(&cart)),
            Err(e) => order_error(&caller, name(&info), e).into_response(),
        });
    }
    Ok(checkout_page(
        &state,
        &caller,
        &info,
        &FormInput::default(),
        &FieldErrors::default(),
        StatusCode::OK,
    )
    .await)
}

#[derive(Serialize)]
struct PlacedRow {
    number: String,
    link: String,
    offering: String,
    provider: String,
}

fn placed_json(orders: &[Order]) -> serde_json::Value {
    json!({
        "ok": true,
        "bestellungen": orders.iter().map(|o| json!({
            "id": o.id,
            "nummer": o.number,
            "angebot": o.offering_id,
            "anbieter": o.provider_id,
            "link": format!("/api/konto/bestellungen/{}", o.id),
        })).collect::<Vec<_>>(),
    })
}

/// "Bestellen": one order per line, all or none; the same checkout key again answers with
/// the same orders.
pub async fn submit(
    State(state): State<AppState>,
    PostedForm { caller, input }: PostedForm,
) -> Result<Response, Refusal> {
    let (info, token) = signed_in_form(&state, &caller, &input).await?;
    let placed = if token {
        state
            .orders
            .check_out(&info, &inputs::checkout_input(&input))
            .await
            .map_err(Failed::from)
    } else {
        Err(send_again())
    };
    Ok(match placed {
        Ok(orders) if caller.wants_json => json_value(StatusCode::OK, placed_json(&orders)),
        Ok(_) => see_other(&format!(
            "{CHECKOUT}/{}",
            input.get(forms::order::IDEMPOTENCY_KEY.name)
        )),
        Err(Failed::Fields(errors)) if caller.wants_json => {
            Refusal::json(StatusCode::UNPROCESSABLE_ENTITY, CORRECT)
                .with_fields(errors_json(&errors))
                .into_response()
        }
        Err(Failed::Fields(errors)) => {
            checkout_page(
                &state,
                &caller,
                &info,
                &input,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => failed(&caller, name(&info), e),
    })
}

/// The confirmation of a checkout: its orders with their numbers and links.
pub async fn done(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
) -> Result<Response, Refusal> {
    let info = signed_in(&state, &caller).await?;
    let orders = match state.orders.checked_out(&info, &key).await {
        Ok(Some(orders)) => orders,
        Ok(None) => {
            return Err(Refusal::new(
                &caller,
                StatusCode::NOT_FOUND,
                "Zu dieser Kennung gibt es keine Bestellung aus Ihrem Warenkorb.",
            )
            .for_session(name(&info)));
        }
        Err(e) => return Err(order_error(&caller, name(&info), e)),
    };
    if caller.wants_json {
        return Ok(json_value(StatusCode::OK, placed_json(&orders)));
    }
    let rows: Vec<PlacedRow> = orders
        .iter()
        .map(|o| PlacedRow {
            number: o.number.clone(),
            link: format!("/api/konto/bestellungen/{}", o.id),
            offering: o.folder.offering.name.clone(),
            provider: o.folder.offering.provider.name.clone(),
        })
        .collect();
    Ok(state.page(
        Page::new("warenkorb-bestellt.html", "Bestellungen aufgegeben").with("orders", &rows),
        name(&info),
    ))
}
