//! "Fristen" in the operator console: undecided orders whose 30-day decision period ends
//! within 10 days or has ended, earliest deadline first, with the party whose turn it is.
//! The scheduled work closes an order within minutes of its deadline, so an order past it
//! shows here only until then (marked "Frist abgelaufen"); the bearer-token JSON route stays
//! as it was (`operator::operator_overdue`).

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
use crate::domain::orders::operator::{DeadlineRow, WATCH_DAYS};
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

pub async fn deadlines_page(state: AppState, caller: Caller) -> Result<Response, Refusal> {
    let info = operator_session(&state, &caller).await?;
    let rows = state
        .orders
        .deadline_watch()
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
        return Ok(json_value(
            StatusCode::OK,
            serde_json::json!({"bestellungen": list}),
        ));
    }
    let views: Vec<_> = rows.iter().map(view).collect();
    let overdue = rows.iter().filter(|r| r.overdue).count();
    let page = Page::new("betrieb/deadlines.html", "Fristen der Bestellungen")
        .with("rows", &views)
        .with("overdue", &overdue)
        .with("watch_days", &WATCH_DAYS);
    Ok(state.page(page, Some(&info.user.name)))
}
