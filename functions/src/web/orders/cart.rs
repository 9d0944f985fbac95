//! Handlers of the Warenkorb: "In den Warenkorb" from the order form (a second button that
//! sends the same form here), the cart page (`warenkorb.html`) with each line, its change
//! and removal, and the totals per billing period.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use catalog::format::euro;
use catalog::forms;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{
    Failed, failed, name, order_error, order_page, saved_addresses, send_again, signed_in,
    signed_in_form,
};
use crate::domain::accounts::SessionInfo;
use crate::domain::orders::cart::{CartLineView, CartView, line_configuration};
use crate::domain::tokens::new_id;
use crate::domain::validation::FieldErrors;
use crate::pages::Page;
use crate::state::AppState;
use crate::web::form::PostedForm;
use crate::web::inputs;
use crate::web::refusal::Refusal;
use crate::web::request::Caller;
use crate::web::responses::{CORRECT, errors_json, json_value, see_other};

const CART: &str = "/api/warenkorb";

/// The action a line's form sends (`aktion`).
const ACTION: &str = forms::cart::ACTION.name;
const CHANGE: &str = "aendern";
const REMOVE: &str = "entfernen";

/// A line as the cart page shows it.
#[derive(Serialize)]
pub(super) struct LineRow {
    id: String,
    /// The offering's order form, if it can still be ordered.
    order_form: String,
    offering: String,
    offering_url: String,
    provider: String,
    plan: String,
    contract_model: &'static str,
    options: Vec<String>,
    quantity: u32,
    /// "3,50 € netto je Nutzer und Monat, monatlich, Mindestlaufzeit 12 Monate".
    unit_price: String,
    /// The price of one period (or once) for the quantity, e.g. "875,00 €".
    line_price: String,
    billing: &'static str,
    changes: Vec<String>,
    problems: Vec<String>,
    /// The line's configuration, sent again with a new quantity.
    hidden: Vec<(String, String)>,
    /// The line's message after a change that failed.
    error: String,
}

pub(super) fn row(view: &CartLineView, url: String, error: String) -> LineRow {
    let line = &view.line;
    LineRow {
        id: line.id.clone(),
        order_form: if url.is_empty() {
            String::new()
        } else {
            format!("/api/bestellen/{}", line.offering_id)
        },
        offering: view.offering_name.clone(),
        offering_url: url,
        provider: view.provider_name.clone(),
        plan: view
            .plan
            .as_ref()
            .map_or_else(|| line.plan_id.clone(), |p| p.name.clone()),
        contract_model: line.contract_model.label(),
        options: line
            .options
            .iter()
            .map(|o| format!("{}: {}", o.label, o.value))
            .collect(),
        quantity: line.quantity,
        unit_price: view
            .plan
            .as_ref()
            .map_or_else(|| "nicht mehr im Katalog".to_owned(), |p| p.price_text()),
        line_price: view.line_price.map(euro).unwrap_or_default(),
        billing: view.plan.as_ref().map_or("", |p| p.billing.label()),
        changes: view.changes.clone(),
        problems: view.problems.clone(),
        hidden: inputs::configuration_fields(&line_configuration(line)),
        error,
    }
}

pub(super) fn cart_json(cart: &CartView) -> serde_json::Value {
    json!({
        "anzahl": cart.lines.len(),
        "positionen": cart.lines.iter().map(|l| json!({
            "id": l.line.id,
            "angebot": {"id": l.line.offering_id, "name": l.offering_name},
            "anbieter": l.provider_name,
            "preismodell": l.plan,
            "vertragsmodell": l.line.contract_model.as_str(),
            "optionen": l.line.options,
            "menge": l.line.quantity,
            "preis_je_zeitraum": l.line_price.map(|p| p.to_string()),
            "aenderungen": l.changes,
            "hindernisse": l.problems,
        })).collect::<Vec<_>>(),
        "summen_netto": {
            "monatlich": cart.totals.monthly.to_string(),
            "jaehrlich": cart.totals.yearly.to_string(),
            "einmalig": cart.totals.once.to_string(),
        },
    })
}

/// What the cart says after a change (`?hinweis=`).
fn done_message(key: &str) -> &'static str {
    match key {
        "hinzugefuegt" => "Das Angebot liegt jetzt in Ihrem Warenkorb.",
        "geaendert" => "Die Position wurde geändert.",
        "entfernt" => "Die Position wurde entfernt.",
        _ => "",
    }
}

#[derive(Debug, Deserialize)]
pub struct CartQuery {
    #[serde(default)]
    hinweis: String,
}

/// The cart's lines as the cart page and the Kasse show them, each with the message
/// `message_of` gives for its id, and the net totals per billing period that are not zero.
pub(super) async fn cart_view(
    state: &AppState,
    caller: &Caller,
    info: &SessionInfo,
    message_of: impl Fn(&str) -> String,
) -> Result<(Vec<LineRow>, Vec<(&'static str, String)>), Response> {
    let cart = state
        .orders
        .cart(info)
        .await
        .map_err(|e| order_error(caller, name(info), e).into_response())?;
    let catalog = state.orders.catalog().ok();
    let rows = cart
        .lines
        .iter()
        .map(|view| {
            let url = catalog
                .as_ref()
                .and_then(|c| c.offering(&view.line.offering_id))
                .map(|o| o.url.clone())
                .unwrap_or_default();
            row(view, url, message_of(&view.line.id))
        })
        .collect();
    let totals = [
        ("monatlich", cart.totals.monthly),
        ("jährlich", cart.totals.yearly),
        ("einmalig", cart.totals.once),
    ]
    .into_iter()
    .filter(|(_, sum)| !sum.is_zero())
    .map(|(period, sum)| (period, euro(sum)))
    .collect();
    Ok((rows, totals))
}

/// The cart page; `failed` is a line whose change failed, with its messages.
async fn cart_page(
    state: &AppState,
    caller: &Caller,
    info: &SessionInfo,
    status: StatusCode,
    notice: &str,
    failed: Option<(&str, &FieldErrors)>,
) -> Response {
    let (rows, totals) = match cart_view(state, caller, info, |id| match failed {
        Some((failed_id, errors)) if failed_id == id => errors
            .0
            .iter()
            .map(|(_, m)| m.as_str())
            .collect::<Vec<_>>()
            .join(" "),
        _ => String::new(),
    })
    .await
    {
        Ok(view) => view,
        Err(response) => return response,
    };
    let title = if failed.is_some() {
        "Fehler: Warenkorb"
    } else {
        "Warenkorb"
    };
    state.page(
        Page::new("warenkorb.html", title)
            .status(status)
            .with("lines", &rows)
            .with("totals", &totals)
            .with("notice", &notice)
            .with("quantity", &forms::cart::QUANTITY)
            .with("max_quantity", &forms::cart::MAX_QUANTITY)
            .with("csrf", &info.csrf_token),
        name(info),
    )
}

pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<CartQuery>,
) -> Result<Response, Refusal> {
    let info = signed_in(&state, &caller).await?;
    if caller.wants_json {
        return Ok(match state.orders.cart(&info).await {
            Ok(cart) => json_value(StatusCode::OK, cart_json(&cart)),
            Err(e) => order_error(&caller, name(&info), e).into_response(),
        });
    }
    Ok(cart_page(
        &state,
        &caller,
        &info,
        StatusCode::OK,
        done_message(&query.hinweis),
        None,
    )
    .await)
}

/// "In den Warenkorb": the order form sent here. Its mistakes show the order form again.
pub async fn add(
    State(state): State<AppState>,
    PostedForm { caller, input }: PostedForm,
) -> Result<Response, Refusal> {
    // Not signed in: to the sign-in page, and back to the order form with this choice.
    let offering_id = input.get(forms::order::OFFERING.name);
    let chosen = super::configuration(input.values().iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let info = match super::signed_in_or_back_to(&state, &caller, offering_id, &chosen).await {
        Ok(info) => info,
        Err(response) => return Ok(response),
    };
    let token = super::check_token(&state, &caller, &info, &input)?;
    let added = if token {
        state
            .orders
            .add_to_cart(
                &info,
                input.get(forms::order::OFFERING.name),
                &inputs::line_input(&input),
            )
            .await
            .map(|_| ())
            .map_err(Failed::from)
    } else {
        Err(send_again())
    };
    Ok(match added {
        Ok(()) if caller.wants_json => json_value(
            StatusCode::OK,
            json!({"ok": true, "weiter": CART, "anzahl": state.orders.cart_count(&info).await.unwrap_or(0)}),
        ),
        Ok(()) => see_other(&format!("{CART}?hinweis=hinzugefuegt")),
        Err(Failed::Fields(errors)) if !caller.wants_json => {
            let catalog = state
                .orders
                .catalog()
                .map_err(|e| order_error(&caller, name(&info), e))?;
            let Some(offering) = catalog.offering(input.get(forms::order::OFFERING.name)) else {
                return Err(order_error(
                    &caller,
                    name(&info),
                    crate::domain::orders::OrderError::NotOrderable,
                ));
            };
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
                &format!("Fehler: {} in den Warenkorb legen", offering.name),
                &saved_addresses(&state, &info).await,
            )
        }
        Err(e) => failed(&caller, name(&info), e),
    })
}

/// Changes a line (`aktion=aendern` with the line's fields and the quantity; this also
/// confirms an offering that changed) or removes it (`aktion=entfernen`).
pub async fn act(
    State(state): State<AppState>,
    Path(line_id): Path<String>,
    PostedForm { caller, input }: PostedForm,
) -> Result<Response, Refusal> {
    let (info, token) = signed_in_form(&state, &caller, &input).await?;
    let action = input.get(ACTION);
    let done = if !token {
        Err(send_again())
    } else if action == CHANGE {
        state
            .orders
            .change_cart_line(&info, &line_id, &inputs::line_input(&input))
            .await
            .map(|_| "geaendert")
            .map_err(Failed::from)
    } else if action == REMOVE {
        state
            .orders
            .remove_cart_line(&info, &line_id)
            .await
            .map(|()| "entfernt")
            .map_err(Failed::from)
    } else {
        let mut errors = FieldErrors::default();
        errors.add(ACTION, "Unbekannte Aktion.");
        Err(Failed::Fields(errors))
    };
    Ok(match done {
        Ok(key) if caller.wants_json => json_value(
            StatusCode::OK,
            json!({"ok": true, "weiter": CART, "hinweis": key}),
        ),
        Ok(key) => see_other(&format!("{CART}?hinweis={key}")),
        Err(Failed::Fields(errors)) if caller.wants_json => {
            Refusal::json(StatusCode::UNPROCESSABLE_ENTITY, CORRECT)
                .with_fields(errors_json(&errors))
                .into_response()
        }
        Err(Failed::Fields(errors)) => {
            cart_page(
                &state,
                &caller,
                &info,
                StatusCode::UNPROCESSABLE_ENTITY,
                "",
                Some((&line_id, &errors)),
            )
            .await
        }
        Err(Failed::Order(crate::domain::orders::OrderError::NotFound)) => Refusal::new(
            &caller,
            StatusCode::NOT_FOUND,
            "Diese Position gibt es in Ihrem Warenkorb nicht (mehr).",
        )
        .for_session(name(&info))
        .into_response(),
        Err(e) => failed(&caller, name(&info), e),
    })
}
