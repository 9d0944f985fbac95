//! "Eingegangene Bestellungen": the console of provider and intermediary organisations.
//! The list with filters (a GET form), pages and CSV export; one order with its history,
//! contract folder and the decision in the browser, which is the same domain call as the
//! mailed links. Customers get 403 here; an order of another party is 403 and unchanged.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use catalog::forms::{self, FormView};
use catalog::model::ContractModel;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::decisions::parse_action;
use super::inbox_views::{
    BASE, InboxQuery, InboxRow, days_text, offering_choices, pagination, status_choices, tone,
};
use super::views::{FolderView, OrderView};
use super::{check_token, name, order_error, order_json, signed_in};
use crate::domain::accounts::SessionInfo;
use crate::domain::model::Right;
use crate::domain::orders::console::{OrderPage, OrderSummary, PAGE_SIZE, csv, party_of};
use crate::domain::orders::documents::german_day;
use crate::domain::orders::{ApiParty, Order, OrderError, whose_turn};
use crate::domain::validation::{FieldErrors, FormInput};
use crate::pages::Page;
use crate::state::AppState;
use crate::web::form::PostedForm;
use crate::web::refusal::Refusal;
use crate::web::request::Caller;
use crate::web::responses::{CORRECT, errors_json, json_value, see_other};

const PARTIES_ONLY: &str = "Eingegangene Bestellungen sehen nur Anbieter und der Intermediär. Ihre eigenen Bestellungen finden Sie unter „Ihre Bestellungen“.";
const RIGHT_NEEDED: &str = "Eingegangene Bestellungen sehen und entscheiden die Administration Ihrer Organisation und Personen, deren Rolle das Recht „Alle Bestellungen der Organisation sehen“ gibt. Es wurde nichts geändert.";
const NOT_YOURS: &str =
    "Diese Bestellung ist nicht an Ihre Organisation gerichtet. Es wurde nichts geändert.";

/// The signed-in person of a provider or intermediary organisation, and which party it is.
pub(super) async fn party_session(
    state: &AppState,
    caller: &Caller,
) -> Result<(SessionInfo, ApiParty), Refusal> {
    let info = signed_in(state, caller).await?;
    match party_of(&info.org) {
        // The orders addressed to the organisation are all of its orders: the console needs
        // the right to see them (administrators, and named roles that give it).
        Some(_) if !info.rights().has(Right::SeeAllOrders) => {
            Err(Refusal::new(caller, StatusCode::FORBIDDEN, RIGHT_NEEDED)
                .for_session(name(&info))
                .titled(
                    "Kein Zugriff",
                    &[("/api/konto", "Zu Ihrem Konto"), ("/", "Zur Startseite")],
                ))
        }
        Some(party) => Ok((info, party)),
        None => Err(Refusal::new(caller, StatusCode::FORBIDDEN, PARTIES_ONLY)
            .for_session(name(&info))
            .titled(
                "Kein Zugriff",
                &[("/api/konto", "Zu Ihrem Konto"), ("/", "Zur Startseite")],
            )),
    }
}

/// Whether `party` may see `order` (a provider its own; the intermediary the
/// Umklappvertrag orders, which are in its step from the start).
fn addressed_to(order: &Order, party: &ApiParty) -> bool {
    match party {
        ApiParty::Provider(provider) => &order.provider_id == provider,
        ApiParty::Intermediary => order.contract_model == ContractModel::Umklappvertrag,
    }
}

/// One order of the party, or 404 (no such order) or 403 (another party's).
async fn party_order(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> Result<(SessionInfo, ApiParty, Order), Refusal> {
    let (info, party) = party_session(state, caller).await?;
    let order = match state.orders.store().get_order(id).await {
        Ok(Some(order)) => order,
        Ok(None) => return Err(order_error(caller, name(&info), OrderError::NotFound)),
        Err(e) => return Err(order_error(caller, name(&info), e.into())),
    };
    if !addressed_to(&order, &party) {
        tracing::warn!(order = %order.id, "console: order of another party refused");
        return Err(Refusal::new(caller, StatusCode::FORBIDDEN, NOT_YOURS)
            .for_session(name(&info))
            .titled(
                "Kein Zugriff auf diese Bestellung",
                &[(BASE, "Zu den eingegangenen Bestellungen")],
            ));
    }
    Ok((info, party, order))
}

// ---- the list -----------------------------------------------------------------------------

#[allow(clippy::too_many_arguments)]
fn inbox_page(
    state: &AppState,
    info: &SessionInfo,
    party: &ApiParty,
    query: &InboxQuery,
    page: usize,
    result: &OrderPage,
    errors: &FieldErrors,
    status: StatusCode,
) -> Response {
    let now = state.orders.now();
    let rows: Vec<InboxRow<'_>> = result
        .rows
        .iter()
        .map(|r| {
            let (days_left, urgent) = days_text(r, now);
            InboxRow {
                id: &r.id,
                number: &r.number,
                ordered_on: german_day(r.created_at),
                customer: &r.customer,
                offering: &r.offering_name,
                plan: &r.plan_name,
                contract_model: r.contract_model.label(),
                status: r.status.label(),
                tone: tone(r.status),
                days_left,
                urgent,
            }
        })
        .collect();
    let message = if errors.is_empty() { "" } else { CORRECT };
    let form = FormView::filled(
        forms::incoming_filter::FIELDS,
        |field| match field {
            "status" => query.status.clone(),
            "angebot" => query.angebot.clone(),
            "von" => query.von.clone(),
            "bis" => query.bis.clone(),
            "q" => query.q.clone(),
            _ => String::new(),
        },
        &errors.0,
        message,
    );
    let title = if errors.is_empty() {
        "Eingegangene Bestellungen".to_owned()
    } else {
        "Fehler: Eingegangene Bestellungen".to_owned()
    };
    let filtered = [
        &query.status,
        &query.angebot,
        &query.von,
        &query.bis,
        &query.q,
    ]
    .iter()
    .any(|v| !v.is_empty());
    state.page(
        Page::new("konto/incoming.html", &title)
            .status(status)
            .with("rows", &rows)
            .with("total", &result.total)
            .with("filtered", &filtered)
            .with("form", &form)
            .with("party", &party_label(party))
            .with("offerings", &offering_choices(state, party, &query.angebot))
            .with("statuses", &status_choices(party, &query.status))
            .with("pagination", &pagination(query, page, result.total))
            .with("csv", &query.url(&format!("{BASE}.csv"), 1)),
        name(info),
    )
}

fn party_label(party: &ApiParty) -> &'static str {
    match party {
        ApiParty::Provider(_) => "Anbieter",
        ApiParty::Intermediary => "Intermediär",
    }
}

fn summary_json(row: &OrderSummary, now: i64) -> serde_json::Value {
    json!({
        "id": row.id, "nummer": row.number, "bestellt_am": row.created_at,
        "kunde": row.customer, "angebot": {"id": row.offering_id, "name": row.offering_name},
        "preismodell": row.plan_name, "vertragsmodell": row.contract_model.as_str(),
        "status": row.status.as_str(), "status_text": row.status.label(),
        "resttage": row.days_left(now),
    })
}

pub async fn incoming(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<InboxQuery>,
) -> Result<Response, Refusal> {
    let (info, party) = party_session(&state, &caller).await?;
    let (filter, page) = match query.filter() {
        Ok(filter) => filter,
        Err(errors) => {
            if caller.wants_json {
                return Err(Refusal::json(StatusCode::UNPROCESSABLE_ENTITY, CORRECT)
                    .with_fields(errors_json(&errors)));
            }
            return Ok(inbox_page(
                &state,
                &info,
                &party,
                &query,
                1,
                &OrderPage::default(),
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            ));
        }
    };
    let result = state
        .orders
        .inbox(&party, &filter)
        .await
        .map_err(|e| order_error(&caller, name(&info), e))?;
    if caller.wants_json {
        let now = state.orders.now();
        return Ok(json_value(
            StatusCode::OK,
            json!({
                "gesamt": result.total, "seite": page, "seitengroesse": PAGE_SIZE,
                "bestellungen": result.rows.iter().map(|r| summary_json(r, now)).collect::<Vec<_>>(),
            }),
        ));
    }
    Ok(inbox_page(
        &state,
        &info,
        &party,
        &query,
        page,
        &result,
        &FieldErrors::default(),
        StatusCode::OK,
    ))
}

pub async fn incoming_csv(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<InboxQuery>,
) -> Result<Response, Refusal> {
    let (info, party) = party_session(&state, &caller).await?;
    let (mut filter, _) = query.filter().map_err(|errors| {
        Refusal::new(&caller, StatusCode::UNPROCESSABLE_ENTITY, CORRECT)
            .with_fields(errors_json(&errors))
            .for_session(name(&info))
    })?;
    filter.offset = 0;
    filter.limit = 0;
    let result = state
        .orders
        .inbox(&party, &filter)
        .await
        .map_err(|e| order_error(&caller, name(&info), e))?;
    let mut response = (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
        csv(&result.rows, state.orders.now()),
    )
        .into_response();
    response.headers_mut().insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"eingegangene-bestellungen.csv\""),
    );
    Ok(response)
}

// ---- one order ----------------------------------------------------------------------------

/// What the order page says about the decision: whether the party decides now, and what
/// happened when it did or someone was quicker.
#[derive(Debug, Serialize)]
struct DecisionState<'a> {
    /// The order waits for this party's decision.
    open: bool,
    who: &'static str,
    deadline: String,
    /// A note after a decision (or a decision that came too late).
    notice: Option<String>,
    /// The rejection form is shown (after an empty reason).
    reject: bool,
    id: &'a str,
}

#[derive(Debug, Deserialize)]
pub struct OrderQuery {
    #[serde(default)]
    hinweis: String,
}

#[allow(clippy::too_many_arguments)]
fn order_page(
    state: &AppState,
    info: &SessionInfo,
    party: &ApiParty,
    order: &Order,
    input: &FormInput,
    errors: &FieldErrors,
    notice: Option<String>,
    status: StatusCode,
) -> Response {
    let now = state.orders.now();
    let open = whose_turn(order.status, order.contract_model) == Some(party.party())
        && now < order.deadline
        && !order.expired_undecided();
    let (whole_form, field_errors): (Vec<_>, Vec<_>) =
        errors.0.iter().cloned().partition(|(name, _)| {
            name == forms::decision::ACTION.name || name == forms::CSRF.name
        });
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
    if let Some(reason) = form.fields.get_mut(forms::decision::REASON.name) {
        reason.spec.required = true;
    }
    let title = if form.has_errors() {
        format!("Fehler: Eingegangene Bestellung {}", order.number)
    } else {
        format!("Eingegangene Bestellung {}", order.number)
    };
    state.page(
        Page::new("konto/incoming-order.html", &title)
            .status(status)
            .with("order", &OrderView::of(order, now))
            .with(
                "decision",
                &DecisionState {
                    open,
                    who: party_label(party),
                    deadline: german_day(order.deadline),
                    notice,
                    reject: form.has_errors(),
                    id: &order.id,
                },
            )
            .with("customer", &order.folder.customer.organisation)
            .with("tone", &tone(order.status))
            .with("form", &form)
            .with("csrf", &info.csrf_token)
            .with("folder", &FolderView::of(order, 3))
            .with("documents", &super::views::folder_documents()),
        name(info),
    )
}

pub async fn incoming_order(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(query): Query<OrderQuery>,
) -> Result<Response, Refusal> {
    let (info, party, order) = party_order(&state, &caller, &id).await?;
    if caller.wants_json {
        return Ok(json_value(
            StatusCode::OK,
            order_json(&order, state.orders.now()),
        ));
    }
    let notice = (query.hinweis == "entschieden").then(|| {
        format!(
            "Ihre Entscheidung ist gespeichert. Die Bestellung hat jetzt den Status „{}“; der Kunde wurde per E-Mail informiert.",
            order.status.label()
        )
    });
    Ok(order_page(
        &state,
        &info,
        &party,
        &order,
        &FormInput::default(),
        &FieldErrors::default(),
        notice,
        StatusCode::OK,
    ))
}

/// One document of the contract folder of an order addressed to the party.
pub async fn incoming_document(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, Refusal> {
    let (info, _, order) = party_order(&state, &caller, &id).await?;
    super::folder_document_of(&caller, &info, &order, &file)
}

/// Every document of the contract folder of an order addressed to the party, as one ZIP.
pub async fn incoming_zip(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, Refusal> {
    let (info, _, order) = party_order(&state, &caller, &id).await?;
    Ok(super::folder_zip_of(&caller, &info, &order))
}

pub async fn decide_incoming(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PostedForm { caller, input }: PostedForm,
) -> Result<Response, Refusal> {
    let (info, party, order) = party_order(&state, &caller, &id).await?;
    let token = check_token(&state, &caller, &info, &input)?;
    let action = if token {
        parse_action(&input)
    } else {
        let mut again = FieldErrors::default();
        again.add(
            forms::CSRF.name,
            "Zur Sicherheit bitte noch einmal: Es wurde nichts gespeichert. Bitte entscheiden Sie erneut.",
        );
        Err(again)
    };
    let action = match action {
        Ok(action) => action,
        Err(errors) if caller.wants_json => {
            return Err(Refusal::json(StatusCode::UNPROCESSABLE_ENTITY, CORRECT)
                .with_fields(errors_json(&errors)));
        }
        Err(errors) => {
            return Ok(order_page(
                &state,
                &info,
                &party,
                &order,
                &input,
                &errors,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            ));
        }
    };
    match state.orders.decide_in_console(&party, &id, action).await {
        Ok(order) => {
            state.outbox.mail_queued().await;
            if caller.wants_json {
                return Ok(json_value(
                    StatusCode::OK,
                    json!({"ok": true, "bestellung": order_json(&order, state.orders.now())}),
                ));
            }
            Ok(see_other(&format!(
                "{BASE}/{}?hinweis=entschieden",
                order.id
            )))
        }
        // Someone was quicker (a mailed link, a colleague): say what happened.
        Err(OrderError::NotAllowed(_)) if !caller.wants_json => {
            let current = match state.orders.store().get_order(&id).await {
                Ok(Some(current)) => current,
                _ => order,
            };
            let notice = if current.status.is_final() {
                format!(
                    "Diese Bestellung wurde schon entschieden (zum Beispiel über den Link aus der E-Mail); Ihre Entscheidung wurde nicht gespeichert. Aktueller Status: „{}“.",
                    current.status.label()
                )
            } else {
                format!(
                    "Diese Bestellung wartet gerade nicht auf Ihre Entscheidung; es wurde nichts gespeichert. Aktueller Status: „{}“.",
                    current.status.label()
                )
            };
            Ok(order_page(
                &state,
                &info,
                &party,
                &current,
                &FormInput::default(),
                &FieldErrors::default(),
                Some(notice),
                StatusCode::CONFLICT,
            ))
        }
        Err(e) => Err(order_error(&caller, name(&info), e)),
    }
}
