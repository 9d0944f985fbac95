//! "Fristen" in the operator console: undecided orders whose 30-day decision period ends
//! within 10 days or has ended, earliest deadline first, with the party whose turn it is.
//! The scheduled work closes an order within minutes of its deadline, so an order past it
//! shows here only until then (marked "Frist abgelaufen"); the bearer-token JSON route stays
//! as it was (`operator::operator_overdue`). A second section, "Vom Portal geschlossen",
//! lists the orders the portal closed at their deadline in the last [`CLOSED_DAYS`] days,
//! the latest closing first, with the party whose decision it had been.

use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

use super::operator_console::operator_session;
use super::orders::order_error;
use super::refusal::Refusal;
use super::request::Caller;
use super::responses::json_value;
use crate::domain::clock::german_day;
use crate::domain::orders::Party;
use crate::domain::orders::operator::{CLOSED_DAYS, ClosedRow, DeadlineRow, WATCH_DAYS};
use crate::pages::Page;
use crate::state::AppState;

#[derive(Debug, Serialize)]
struct RowView<'a> {
    number: &'a str,
    ordered_on: String,
    customer: &'a str,
    provider: &'a str,
    offering: &'a str,
    contract_model: &'static str,
    status: &'static str,
    turn: &'static str,
    deadline: String,
    days_left: String,
    overdue: bool,
}

fn turn_label(turn: Option<Party>) -> &'static str {
    match turn {
        Some(Party::Provider) => "Anbieter",
        Some(Party::Intermediary) => "Intermediär",
        _ => "–",
    }
}

fn view(row: &DeadlineRow) -> RowView<'_> {
    let order = &row.order;
    RowView {
        number: &order.number,
        ordered_on: german_day(order.created_at),
        customer: &order.folder.customer.organisation,
        provider: &order.folder.offering.provider.name,
        offering: &order.folder.offering.name,
        contract_model: order.contract_model.label(),
        status: order.status.label(),
        turn: turn_label(row.turn),
        deadline: german_day(order.deadline),
        days_left: match (row.overdue, row.days_left) {
            (true, _) => "Frist abgelaufen".to_owned(),
            (false, 1) => "1 Tag".to_owned(),
            (false, d) => format!("{d} Tage"),
        },
        overdue: row.overdue,
    }
}

#[derive(Debug, Serialize)]
struct ClosedView<'a> {
    number: &'a str,
    customer: &'a str,
    offering: &'a str,
    provider: &'a str,
    closed_on: String,
    turn: &'static str,
}

fn closed_view(row: &ClosedRow) -> ClosedView<'_> {
    let order = &row.order;
    ClosedView {
        number: &order.number,
        customer: &order.folder.customer.organisation,
        offering: &order.folder.offering.name,
        provider: &order.folder.offering.provider.name,
        closed_on: german_day(row.closed_at),
        turn: turn_label(row.turn),
    }
}

pub async fn deadlines_page(state: AppState, caller: Caller) -> Result<Response, Refusal> {
    let info = operator_session(&state, &caller).await?;
    let rows = state
        .orders
        .deadline_watch()
        .await
        .map_err(|e| order_error(&caller, Some(&info.user.name), e))?;
    let closed = state
        .orders
        .closed_by_portal()
        .await
        .map_err(|e| order_error(&caller, Some(&info.user.name), e))?;
    if caller.wants_json {
        let list: Vec<_> = rows
            .iter()
            .map(|r| {
                serde_json::json!({
                    "nummer": r.order.number, "frist": r.order.deadline,
                    "resttage": r.days_left, "ueberfaellig": r.overdue,
                    "am_zug": r.turn.map(|p| p.as_str()),
                })
            })
            .collect();
        let closed: Vec<_> = closed
            .iter()
            .map(|r| {
                serde_json::json!({
                    "nummer": r.order.number, "geschlossen_am": r.closed_at,
                    "am_zug": r.turn.map(|p| p.as_str()),
                })
            })
            .collect();
        return Ok(json_value(
            StatusCode::OK,
            serde_json::json!({"bestellungen": list, "vom_portal_geschlossen": closed}),
        ));
    }
    let views: Vec<_> = rows.iter().map(view).collect();
    let overdue = rows.iter().filter(|r| r.overdue).count();
    let page = Page::new("betrieb/deadlines.html", "Fristen der Bestellungen")
        .with("rows", &views)
        .with("overdue", &overdue)
        .with("watch_days", &WATCH_DAYS)
        .with(
            "closed",
            &closed.iter().map(closed_view).collect::<Vec<_>>(),
        )
        .with("closed_days", &CLOSED_DAYS);
    Ok(state.page(page, Some(&info.user.name)))
}
