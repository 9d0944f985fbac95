//! "Kennzahlen des Portals": the operator's figures as SVG bar charts with the same numbers
//! in tables, for signed-in people of the operator's organisation, or as JSON with the
//! operator's bearer token like the other routes under `/api/betrieb/`. The charts' model
//! comes from [`super::charts`], the markup from the templates.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use super::charts::{BarChart, ChartText};
use super::members::signed_in;
use super::operator::operator_only;
use super::orders::order_error;
use super::refusal::Refusal;
use super::request::Caller;
use super::responses::json_value;
use crate::domain::orders::figures::{Figure, OperatorFigures, WEEKS};
use crate::pages::Page;
use crate::state::AppState;

fn weekly(id: &str, title: &str, what: &str, total: usize, figures: &[Figure]) -> BarChart {
    BarChart::of(
        ChartText {
            id,
            title,
            description: format!(
                "Säulendiagramm: {what} je Kalenderwoche in den letzten {WEEKS} Wochen, {total} insgesamt."
            ),
            label_header: "Woche",
            value_header: what,
            extra_header: "",
            counts: true,
        },
        figures,
        |_| String::new(),
        |_, _| false,
    )
}

fn operator_charts(f: &OperatorFigures) -> Vec<BarChart> {
    let top = f
        .needs_per_category
        .iter()
        .max_by_key(|c| c.count)
        .filter(|c| c.count > 0)
        .map(|c| format!(" Die meisten betreffen „{}“ ({}).", c.label, c.count))
        .unwrap_or_default();
    vec![
        weekly(
            "registrierungen-woche",
            "Registrierungen je Woche",
            "Registrierungen",
            f.registrations,
            &f.registrations_per_week,
        ),
        weekly(
            "bestellungen-woche",
            "Bestellungen je Woche",
            "Bestellungen",
            f.orders,
            &f.orders_per_week,
        ),
        BarChart::of(
            ChartText {
                id: "bedarfe-kategorie",
                title: "Gemeldete Bedarfe je Kategorie des Portfolios",
                description: format!(
                    "Säulendiagramm: die {} Bedarfe der letzten {WEEKS} Wochen nach der Kategorie, die die Meldenden gewählt haben.{top}",
                    f.needs
                ),
                label_header: "Kategorie",
                value_header: "Bedarfe",
                extra_header: "",
                counts: true,
            },
            &f.needs_per_category,
            |_| String::new(),
            |_, _| false,
        ),
    ]
}

fn operator_json(figures: &OperatorFigures) -> Response {
    json_value(
        StatusCode::OK,
        json!({
            "registrierungen_je_woche": figures.registrations_per_week,
            "bestellungen_je_woche": figures.orders_per_week,
            "bedarfe_je_kategorie": figures.needs_per_category,
        }),
    )
}

/// `GET /api/betrieb/kennzahlen`: the operator's figures, for people of the operator's
/// organisation (everyone else signed in gets 403) or with the operator's bearer token (JSON).
pub async fn operator_figures(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Response, Refusal> {
    // With the operator's bearer token, as the other routes under /api/betrieb/: JSON.
    if caller.authorization.is_some() {
        operator_only(&state, &caller)?;
        let figures = state
            .orders
            .operator_figures()
            .await
            .map_err(|e| order_error(&caller, None, e))?;
        return Ok(operator_json(&figures));
    }
    let info = signed_in(&state, &caller).await?;
    if !info.org.kind.is_operator() {
        return Err(Refusal::new(
            &caller,
            StatusCode::FORBIDDEN,
            "Diese Seite ist dem Betriebsteam des Portals vorbehalten.",
        )
        .for_session(Some(&info.user.name)));
    }
    let figures = state
        .orders
        .operator_figures()
        .await
        .map_err(|e| order_error(&caller, Some(&info.user.name), e))?;
    if caller.wants_json {
        return Ok(operator_json(&figures));
    }
    Ok(state.page(
        Page::new("betrieb/figures.html", "Kennzahlen des Portals")
            .with("charts", &operator_charts(&figures))
            .with("weeks", &WEEKS),
        Some(&info.user.name),
    ))
}
