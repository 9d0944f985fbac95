//! "Kennzahlen": the figures of a provider or the intermediary (for the people who may see
//! all of the organisation's incoming orders), as SVG bar charts with the same numbers in
//! tables (the operator's are in `web::operator_figures`). The charts' model comes from [`crate::web::charts`], the
//! markup from the templates.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use super::console::party_session;
use super::{name, order_error};
use crate::domain::orders::ApiParty;
use crate::domain::orders::figures::{DAYS_LEFT_BUCKETS, MONTHS, PartyFigures};
use crate::pages::Page;
use crate::state::AppState;
use crate::web::charts::{BarChart, ChartText, german_number};
use crate::web::refusal::Refusal;
use crate::web::request::Caller;
use crate::web::responses::json_value;

fn days_text(days: Option<f64>) -> String {
    match days {
        None => "keine Entscheidung".to_owned(),
        Some(d) if (d - 1.0).abs() < 0.05 => "1 Tag".to_owned(),
        Some(d) => format!("{} Tage", german_number(d)),
    }
}

fn party_charts(party: &ApiParty, f: &PartyFigures) -> Vec<BarChart> {
    let whose = match party {
        ApiParty::Provider(_) => "Ihrer Organisation als Anbieter",
        ApiParty::Intermediary => "Ihrer Organisation als Intermediär (Umklappvertrag)",
    };
    let total: usize = f.orders_per_month.iter().map(|m| m.count).sum();
    let busiest = f
        .orders_per_month
        .iter()
        .max_by_key(|m| m.count)
        .filter(|m| m.count > 0)
        .map(|m| format!(" Die meisten kamen im {} ({}).", m.long_label, m.count))
        .unwrap_or_default();
    let per_month = BarChart::of(
        ChartText {
            id: "bestellungen-monat",
            title: "Eingegangene Bestellungen je Monat",
            description: format!(
                "Säulendiagramm: die Bestellungen an {whose} in den letzten {MONTHS} Monaten, {total} insgesamt.{busiest}"
            ),
            label_header: "Monat",
            value_header: "Bestellungen",
            extra_header: "",
            counts: true,
        },
        &f.orders_per_month,
        |_| String::new(),
        |_, _| false,
    );
    let median = BarChart::of(
        ChartText {
            id: "entscheidungsdauer",
            title: "Median der Tage bis zur Entscheidung je Monat",
            description: format!(
                "Säulendiagramm: für die Bestellungen jedes Monats der Median der Tage, bis {whose} bestätigt oder abgelehnt hat; Monate ohne Entscheidung haben keine Säule. Über alle {MONTHS} Monate: {} ({} Entscheidungen).",
                days_text(f.median_days),
                f.decided
            ),
            label_header: "Monat der Bestellung",
            value_header: "Median in Tagen",
            extra_header: "Entscheidungen",
            counts: false,
        },
        &f.median_days_per_month,
        |m| m.count.to_string(),
        |_, _| false,
    );
    let open = BarChart::of(
        ChartText {
            id: "offen-resttage",
            title: "Offene Bestellungen nach Resttagen der Entscheidungsfrist",
            description: format!(
                "Säulendiagramm: {} Bestellungen warten auf Ihre Entscheidung, gruppiert nach den Tagen, die von der 30-Tage-Frist bleiben. Die Säulen „{}“ und „{}“ sind rot.",
                f.open, DAYS_LEFT_BUCKETS[0].2, DAYS_LEFT_BUCKETS[1].2
            ),
            label_header: "Resttage",
            value_header: "Bestellungen",
            extra_header: "",
            counts: true,
        },
        &f.open_by_days_left,
        |_| String::new(),
        |i, _| i < 2,
    );
    vec![per_month, median, open]
}

/// `GET /api/konto/kennzahlen`: the figures of the signed-in person's provider or
/// intermediary organisation (the right to see all its orders, as the console).
pub async fn party_figures(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Response, Refusal> {
    let (info, party) = party_session(&state, &caller).await?;
    let figures = state
        .orders
        .party_figures(&party)
        .await
        .map_err(|e| order_error(&caller, name(&info), e))?;
    if caller.wants_json {
        return Ok(json_value(
            StatusCode::OK,
            json!({
                "bestellungen_je_monat": figures.orders_per_month,
                "median_tage_je_monat": figures.median_days_per_month,
                "median_tage": figures.median_days,
                "entscheidungen": figures.decided,
                "offen_nach_resttagen": figures.open_by_days_left,
                "offen": figures.open,
            }),
        ));
    }
    let median = days_text(figures.median_days);
    Ok(state.page(
        Page::new("konto/figures.html", "Kennzahlen")
            .with("charts", &party_charts(&party, &figures))
            .with("median", &median)
            .with("decided", &figures.decided)
            .with("open", &figures.open)
            .with("months", &MONTHS),
        name(&info),
    ))
}
