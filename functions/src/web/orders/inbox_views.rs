//! What the list of "Eingegangene Bestellungen" reads: the filter form's query, the rows,
//! the choices of the filters and the pages.

use catalog::model::ContractModel;
use serde::{Deserialize, Serialize};

use crate::domain::orders::console::{OrderFilter, OrderSummary, PAGE_SIZE};
use crate::domain::orders::{ApiParty, OrderStatus};
use crate::domain::validation::FieldErrors;
use crate::state::AppState;
use crate::web::form::day_start;
use crate::web::pagination::{PAGE_PARAM, Pagination, requested_page};

pub(super) const BASE: &str = "/api/konto/eingegangene-bestellungen";

/// The filter form's fields, as sent (`GET`).
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
pub struct InboxQuery {
    #[serde(default)]
    pub(super) status: String,
    #[serde(default)]
    pub(super) angebot: String,
    #[serde(default)]
    pub(super) von: String,
    #[serde(default)]
    pub(super) bis: String,
    #[serde(default)]
    pub(super) q: String,
    #[serde(default)]
    pub(super) seite: String,
}

impl InboxQuery {
    /// The query string of this filter on page `page` (1 = none).
    pub(super) fn url(&self, path: &str, page: usize) -> String {
        let mut pairs: Vec<(&str, String)> = [
            ("status", &self.status),
            ("angebot", &self.angebot),
            ("von", &self.von),
            ("bis", &self.bis),
            ("q", &self.q),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (k, v.clone()))
        .collect();
        if page > 1 {
            pairs.push((PAGE_PARAM, page.to_string()));
        }
        if pairs.is_empty() {
            return path.to_owned();
        }
        let query: Vec<String> = pairs
            .into_iter()
            .map(|(k, v)| {
                form_urlencoded::Serializer::new(String::new())
                    .append_pair(k, &v)
                    .finish()
            })
            .collect();
        format!("{path}?{}", query.join("&"))
    }

    /// The domain's filter (page `page`), or the messages of the fields to correct.
    pub(super) fn filter(&self) -> Result<(OrderFilter, usize), FieldErrors> {
        let mut errors = FieldErrors::default();
        let status = match self.status.as_str() {
            "" => None,
            s => {
                let parsed = OrderStatus::parse(s);
                if parsed.is_none() {
                    errors.add("status", "Bitte wählen Sie einen Status aus der Liste.");
                }
                parsed
            }
        };
        let from = day_start(&self.von, "von", &mut errors);
        let until = day_start(&self.bis, "bis", &mut errors).map(|t| t + 86_400);
        if let (Some(from), Some(until)) = (from, until)
            && from >= until
        {
            errors.add("bis", "Das Ende des Zeitraums liegt vor seinem Anfang.");
        }
        let page = requested_page(&self.seite);
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok((
            OrderFilter {
                status,
                offering_id: (!self.angebot.is_empty()).then(|| self.angebot.clone()),
                from,
                until,
                search: self.q.trim().to_lowercase().chars().take(100).collect(),
                offset: (page - 1) * PAGE_SIZE,
                limit: PAGE_SIZE,
            },
            page,
        ))
    }
}

/// How a status is shown: its words, and the colour of its card (which never says more
/// than the words).
pub(super) fn tone(status: OrderStatus) -> &'static str {
    match status {
        OrderStatus::Bestellt => "done",
        s if s.is_rejection() => "rejected",
        OrderStatus::Offen
        | OrderStatus::PruefungAnbieterDv
        | OrderStatus::PruefungIntermediaer
        | OrderStatus::PruefungAnbieterUv => "waiting",
        _ => "progress",
    }
}

#[derive(Debug, Serialize)]
pub(super) struct InboxRow<'a> {
    pub(super) id: &'a str,
    pub(super) number: &'a str,
    pub(super) ordered_on: String,
    pub(super) customer: &'a str,
    pub(super) offering: &'a str,
    pub(super) plan: &'a str,
    pub(super) contract_model: &'static str,
    pub(super) status: &'static str,
    pub(super) tone: &'static str,
    /// "12 Tage", "1 Tag", "abgelaufen", or "–" once decided.
    pub(super) days_left: String,
    pub(super) urgent: bool,
}

pub(super) fn days_text(row: &OrderSummary, now: i64) -> (String, bool) {
    match row.days_left(now) {
        None => ("–".to_owned(), false),
        Some(0) => ("Frist abgelaufen".to_owned(), true),
        Some(1) => ("1 Tag".to_owned(), true),
        Some(d) => (format!("{d} Tage"), d <= 5),
    }
}

#[derive(Debug, Serialize)]
pub(super) struct Choice {
    value: String,
    label: String,
    selected: bool,
}

pub(super) fn pagination(query: &InboxQuery, page: usize, total_rows: usize) -> Pagination {
    crate::web::pagination::pagination(page, total_rows, PAGE_SIZE, |n| query.url(BASE, n))
}

/// The offerings the party's orders can be for (the catalog's current ones).
pub(super) fn offering_choices(state: &AppState, party: &ApiParty, selected: &str) -> Vec<Choice> {
    let Ok(catalog) = state.orders.catalog() else {
        return Vec::new();
    };
    let mut choices: Vec<Choice> = catalog
        .offerings
        .iter()
        .filter(|o| match party {
            ApiParty::Provider(id) => &o.provider.id == id,
            ApiParty::Intermediary => o.contract_models.contains(&ContractModel::Umklappvertrag),
        })
        .map(|o| Choice {
            value: o.id.clone(),
            label: o.name.clone(),
            selected: o.id == selected,
        })
        .collect();
    choices.sort_by(|a, b| a.label.cmp(&b.label));
    choices
}

pub(super) fn status_choices(party: &ApiParty, selected: &str) -> Vec<Choice> {
    OrderStatus::ALL
        .into_iter()
        .filter(|s| match party {
            // The intermediary sees Umklappvertrag orders only.
            ApiParty::Intermediary => !matches!(
                s,
                OrderStatus::PruefungAnbieterDv
                    | OrderStatus::BestaetigtAnbieterDv
                    | OrderStatus::AbgelehntAnbieterDv
            ),
            ApiParty::Provider(_) => true,
        })
        .map(|s| Choice {
            value: s.as_str().to_owned(),
            label: s.label().to_owned(),
            selected: s.as_str() == selected,
        })
        .collect()
}
