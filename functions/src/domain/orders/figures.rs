//! Figures ("Kennzahlen") of the consoles, computed from what the stores read by key or
//! index: for a provider or the intermediary, its orders per month, the median time to its
//! decision and its open orders by days left; for the operator, registrations and orders
//! per week and the reported needs per portfolio category. Plain numbers: how they are
//! drawn is the templates' business.

use catalog::model::ContractModel;
use catalog::snapshot::SnapshotCategory;
use serde::{Deserialize, Serialize};

use super::links::ApiParty;
use super::model::{DAY, HistoryEntry};
use super::status::{OrderStatus, Party, whose_turn};
use super::{OrderError, Orders};

/// Months of the provider's figures (the current one and the eleven before).
pub const MONTHS: usize = 12;
/// Weeks of the operator's figures (the current one and the eleven before).
pub const WEEKS: usize = 12;

/// What the figures read of an order (no contract folder): the fields of the order's
/// stored document with the same names.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct OrderFacts {
    pub created_at: i64,
    pub deadline: i64,
    pub status: OrderStatus,
    pub contract_model: ContractModel,
    pub history: Vec<HistoryEntry>,
}

/// A stretch of time `[start, end)` with its German name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Period {
    pub label: String,
    /// The label as spoken, e.g. "Dezember 2026", "Woche vom 30.11.2026".
    pub long_label: String,
    pub start: i64,
    pub end: i64,
}

const MONTH_NAMES: [&str; 12] = [
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
];

fn tz() -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::get("Europe/Berlin").unwrap_or(jiff::tz::TimeZone::UTC)
}

fn start_of(date: jiff::civil::Date) -> i64 {
    date.to_zoned(tz())
        .map(|z| z.timestamp().as_second())
        .unwrap_or_default()
}

fn today(now: i64) -> jiff::civil::Date {
    jiff::Timestamp::from_second(now)
        .map(|t| t.to_zoned(tz()).date())
        .unwrap_or_default()
}

/// The last `n` calendar months in Berlin up to the one of `now`, oldest first.
pub fn last_months(now: i64, n: usize) -> Vec<Period> {
    let first_of_this = today(now).first_of_month();
    (0..n)
        .rev()
        .filter_map(|back| {
            let start = first_of_this
                .checked_sub(jiff::Span::new().months(i64::try_from(back).ok()?))
                .ok()?;
            let end = start.checked_add(jiff::Span::new().months(1)).ok()?;
            let name = MONTH_NAMES[usize::try_from(start.month()).ok()?.checked_sub(1)?];
            Some(Period {
                label: format!(
                    "{} {:02}",
                    name.chars().take(3).collect::<String>(),
                    start.year() % 100
                ),
                long_label: format!("{name} {}", start.year()),
                start: start_of(start),
                end: start_of(end),
            })
        })
        .collect()
}

/// The last `n` weeks (Monday to Sunday, Berlin) up to the one of `now`, oldest first.
pub fn last_weeks(now: i64, n: usize) -> Vec<Period> {
    let day = today(now);
    let monday = day
        .checked_sub(jiff::Span::new().days(i64::from(day.weekday().to_monday_zero_offset())))
        .unwrap_or(day);
    (0..n)
        .rev()
        .filter_map(|back| {
            let start = monday
                .checked_sub(jiff::Span::new().weeks(i64::try_from(back).ok()?))
                .ok()?;
            let end = start.checked_add(jiff::Span::new().weeks(1)).ok()?;
            let week = start.iso_week_date().week();
            Some(Period {
                label: format!("KW {week}"),
                long_label: format!(
                    "Kalenderwoche {week} (ab {:02}.{:02}.{})",
                    start.day(),
                    start.month(),
                    start.year()
                ),
                start: start_of(start),
                end: start_of(end),
            })
        })
        .collect()
}

/// How many of `times` fall into each period.
pub fn count_per_period(periods: &[Period], times: impl IntoIterator<Item = i64>) -> Vec<usize> {
    let mut counts = vec![0; periods.len()];
    for t in times {
        if let Some(i) = periods.iter().position(|p| p.start <= t && t < p.end) {
            counts[i] += 1;
        }
    }
    counts
}

/// The median of `values` (the mean of the two middle ones for an even count); `None` for
/// none.
pub fn median(values: &[f64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

/// Whether `to` is a decision (confirmation or rejection) of `party`.
fn is_decision_of(party: Party, to: OrderStatus) -> bool {
    use OrderStatus as S;
    match party {
        Party::Provider => matches!(
            to,
            S::BestaetigtAnbieterDv
                | S::BestaetigtAnbieterUv
                | S::AbgelehntAnbieterDv
                | S::AbgelehntAnbieterUv
        ),
        Party::Intermediary => matches!(to, S::BestaetigtIntermediaer | S::AbgelehntIntermediaer),
        Party::Customer | Party::Portal => false,
    }
}

impl OrderFacts {
    /// When the order reached `party`'s step: at once, or for the provider of an
    /// Umklappvertrag with the intermediary's confirmation.
    fn arrived_for(&self, party: Party) -> Option<i64> {
        if party == Party::Provider && self.contract_model == ContractModel::Umklappvertrag {
            return self
                .history
                .iter()
                .find(|h| h.to == OrderStatus::BestaetigtIntermediaer)
                .map(|h| h.at);
        }
        Some(self.created_at)
    }

    /// Days from the order reaching `party` to its decision (an expiry is no decision).
    #[allow(clippy::cast_precision_loss)]
    pub fn days_to_decision(&self, party: Party) -> Option<f64> {
        let decided = self
            .history
            .iter()
            .find(|h| h.by == party && is_decision_of(party, h.to))?;
        let arrived = self.arrived_for(party)?;
        Some((decided.at - arrived).max(0) as f64 / DAY as f64)
    }
}

/// One bar's worth of numbers: a label and its value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figure {
    pub label: String,
    pub long_label: String,
    /// `None`: nothing to measure (e.g. no decision in that month).
    pub value: Option<f64>,
    /// How many orders the value rests on (for medians), else the value itself.
    pub count: usize,
}

/// The buckets of the open orders by days left of the decision period.
pub const DAYS_LEFT_BUCKETS: [(i64, i64, &str); 5] = [
    (0, 0, "Frist abgelaufen"),
    (1, 5, "1 bis 5 Tage"),
    (6, 10, "6 bis 10 Tage"),
    (11, 20, "11 bis 20 Tage"),
    (21, 30, "21 bis 30 Tage"),
];

/// The figures of a deciding party.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartyFigures {
    pub orders_per_month: Vec<Figure>,
    /// Per month of the order: the median days to the party's decision.
    pub median_days_per_month: Vec<Figure>,
    /// Over all twelve months.
    pub median_days: Option<f64>,
    pub decided: usize,
    /// Orders waiting for the party's decision now, by days left.
    pub open_by_days_left: Vec<Figure>,
    pub open: usize,
}

/// The figures of `party` from its orders created since the first of the months shown.
pub fn party_figures(party: Party, orders: &[OrderFacts], now: i64) -> PartyFigures {
    let months = last_months(now, MONTHS);
    let counts = count_per_period(&months, orders.iter().map(|o| o.created_at));
    #[allow(clippy::cast_precision_loss)]
    let orders_per_month = months
        .iter()
        .zip(&counts)
        .map(|(m, c)| Figure {
            label: m.label.clone(),
            long_label: m.long_label.clone(),
            value: Some(*c as f64),
            count: *c,
        })
        .collect();
    let mut all_days = Vec::new();
    let median_days_per_month = months
        .iter()
        .map(|m| {
            let days: Vec<f64> = orders
                .iter()
                .filter(|o| m.start <= o.created_at && o.created_at < m.end)
                .filter_map(|o| o.days_to_decision(party))
                .collect();
            all_days.extend_from_slice(&days);
            Figure {
                label: m.label.clone(),
                long_label: m.long_label.clone(),
                value: median(&days),
                count: days.len(),
            }
        })
        .collect();
    let waiting: Vec<i64> = orders
        .iter()
        .filter(|o| whose_turn(o.status, o.contract_model) == Some(party))
        .map(|o| ((o.deadline - now).max(0) + DAY - 1) / DAY)
        .collect();
    #[allow(clippy::cast_precision_loss)]
    let open_by_days_left = DAYS_LEFT_BUCKETS
        .iter()
        .map(|(low, high, label)| {
            let c = waiting
                .iter()
                .filter(|d| (*low..=*high).contains(&(**d).min(30)))
                .count();
            Figure {
                label: (*label).to_owned(),
                long_label: (*label).to_owned(),
                value: Some(c as f64),
                count: c,
            }
        })
        .collect();
    PartyFigures {
        orders_per_month,
        median_days_per_month,
        median_days: median(&all_days),
        decided: all_days.len(),
        open_by_days_left,
        open: waiting.len(),
    }
}

/// The operator's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OperatorFigures {
    pub registrations_per_week: Vec<Figure>,
    pub orders_per_week: Vec<Figure>,
    pub needs_per_category: Vec<Figure>,
    pub registrations: usize,
    pub orders: usize,
    pub needs: usize,
}

/// The operator's figures from the registration and order times since the first week shown
/// and the needs' category references (`<top>`, `<top>/<sub>` or none) of the same weeks.
pub fn operator_figures(
    registrations: &[i64],
    orders: &[i64],
    needs: &[Option<String>],
    categories: &[SnapshotCategory],
    now: i64,
) -> OperatorFigures {
    let weeks = last_weeks(now, WEEKS);
    #[allow(clippy::cast_precision_loss)]
    let per_week = |times: &[i64]| -> Vec<Figure> {
        weeks
            .iter()
            .zip(count_per_period(&weeks, times.iter().copied()))
            .map(|(w, c)| Figure {
                label: w.label.clone(),
                long_label: w.long_label.clone(),
                value: Some(c as f64),
                count: c,
            })
            .collect()
    };
    let top = |reference: &Option<String>| -> Option<String> {
        reference
            .as_deref()
            .map(|r| r.split_once('/').map_or(r, |(top, _)| top).to_owned())
    };
    let mut needs_per_category: Vec<Figure> = categories
        .iter()
        .map(|c| {
            let n = needs
                .iter()
                .filter(|r| top(r).as_deref() == Some(c.id.as_str()))
                .count();
            figure_of(&c.name, n)
        })
        .collect();
    let other = needs
        .iter()
        .filter(|r| top(r).is_none_or(|t| !categories.iter().any(|c| c.id == t)))
        .count();
    needs_per_category.push(figure_of("Ohne Kategorie", other));
    OperatorFigures {
        registrations_per_week: per_week(registrations),
        orders_per_week: per_week(orders),
        needs_per_category,
        registrations: registrations.len(),
        orders: orders.len(),
        needs: needs.len(),
    }
}

#[allow(clippy::cast_precision_loss)]
fn figure_of(label: &str, count: usize) -> Figure {
    Figure {
        label: label.to_owned(),
        long_label: label.to_owned(),
        value: Some(count as f64),
        count,
    }
}

/// The start of the first month of the party's figures (what the store reads from).
pub fn party_figures_since(now: i64) -> i64 {
    last_months(now, MONTHS).first().map_or(now, |m| m.start)
}

/// The start of the first week of the operator's figures (what the store reads from).
pub fn operator_figures_since(now: i64) -> i64 {
    last_weeks(now, WEEKS).first().map_or(now, |w| w.start)
}

impl Orders {
    /// The figures of a provider or the intermediary, from its orders of the last twelve
    /// months (read by key or index).
    pub async fn party_figures(&self, party: &ApiParty) -> Result<PartyFigures, OrderError> {
        let now = self.now();
        let facts = self
            .store
            .party_order_facts(party, party_figures_since(now))
            .await?;
        Ok(party_figures(party.party(), &facts, now))
    }

    /// The operator's figures of the last twelve weeks (read by key or index); the needs
    /// by the catalog's current portfolio categories.
    pub async fn operator_figures(&self) -> Result<OperatorFigures, OrderError> {
        let now = self.now();
        let since = operator_figures_since(now);
        let registrations = self.store.registration_times_since(since).await?;
        let orders = self.store.order_times_since(since, now).await?;
        let needs = self.store.need_categories_since(since).await?;
        let categories = self
            .catalog()
            .map(|c| c.categories.clone())
            .unwrap_or_default();
        Ok(operator_figures(
            &registrations,
            &orders,
            &needs,
            &categories,
            now,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-12-06 12:00 Berlin (a Sunday).
    const NOW: i64 = 1_796_554_800;

    fn at(date: &str) -> i64 {
        let d: jiff::civil::Date = date.parse().expect("date");
        start_of(d) + 10 * 3600
    }

    fn order(
        created: i64,
        model: ContractModel,
        history: Vec<(i64, Party, OrderStatus)>,
    ) -> OrderFacts {
        let status = history.last().map_or(OrderStatus::Offen, |h| h.2);
        OrderFacts {
            created_at: created,
            deadline: created + 30 * DAY,
            status,
            contract_model: model,
            history: history
                .into_iter()
                .map(|(at, by, to)| HistoryEntry {
                    at,
                    by,
                    from: None,
                    to,
                    reason: None,
                })
                .collect(),
        }
    }

    #[test]
    fn months_are_berlin_calendar_months_oldest_first() {
        let months = last_months(NOW, 12);
        assert_eq!(months.len(), 12);
        assert_eq!(months[11].long_label, "Dezember 2026");
        assert_eq!(months[0].long_label, "Januar 2026");
        assert_eq!(months[11].start, start_of("2026-12-01".parse().expect("d")));
        assert_eq!(months[10].end, months[11].start);
        assert_eq!(months[11].label, "Dez 26");
    }

    #[test]
    fn weeks_start_on_monday() {
        let weeks = last_weeks(NOW, 12);
        assert_eq!(weeks.len(), 12);
        // 2026-12-06 is a Sunday: its week began on Monday, 30 November (KW 49).
        assert_eq!(weeks[11].start, start_of("2026-11-30".parse().expect("d")));
        assert_eq!(weeks[11].label, "KW 49");
        assert_eq!(weeks[11].end - weeks[11].start, 7 * DAY);
    }

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[4.0]), Some(4.0));
        assert_eq!(median(&[5.0, 1.0, 3.0]), Some(3.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 10.0]), Some(3.5));
    }

    #[test]
    fn months_without_orders_count_zero_and_have_no_median() {
        use ContractModel::Direktvertrag as Dv;
        use OrderStatus as S;
        let nov = at("2026-11-10");
        let orders = vec![
            order(
                nov,
                Dv,
                vec![
                    (nov + 2 * DAY, Party::Provider, S::BestaetigtAnbieterDv),
                    (nov + 2 * DAY, Party::Portal, S::Bestellt),
                ],
            ),
            order(
                nov,
                Dv,
                vec![(nov + 4 * DAY, Party::Provider, S::AbgelehntAnbieterDv)],
            ),
            // Closed by the portal at the deadline: no decision of the provider.
            order(
                nov,
                Dv,
                vec![(nov + 30 * DAY, Party::Portal, S::AbgelehntAnbieterDv)],
            ),
            order(
                at("2026-12-02"),
                Dv,
                vec![(at("2026-12-02"), Party::Customer, S::Offen)],
            ),
        ];
        let f = party_figures(Party::Provider, &orders, NOW);
        let counts: Vec<usize> = f.orders_per_month.iter().map(|m| m.count).collect();
        assert_eq!(counts, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 1]);
        assert_eq!(f.median_days_per_month[10].value, Some(3.0));
        assert_eq!(f.median_days_per_month[10].count, 2);
        assert_eq!(f.median_days_per_month[9].value, None);
        assert_eq!(f.median_days_per_month[11].value, None);
        assert_eq!(f.median_days, Some(3.0));
        assert_eq!(f.decided, 2);
        // The December order waits with 26 days left (ordered 4 days and 2 hours ago).
        assert_eq!(f.open, 1);
        let open: Vec<usize> = f.open_by_days_left.iter().map(|b| b.count).collect();
        assert_eq!(open, [0, 0, 0, 0, 1]);
    }

    #[test]
    fn the_provider_of_an_umklappvertrag_counts_from_the_intermediarys_confirmation() {
        use ContractModel::Umklappvertrag as Uv;
        use OrderStatus as S;
        let t = at("2026-12-01");
        let confirmed = order(
            t,
            Uv,
            vec![
                (t + DAY, Party::Intermediary, S::BestaetigtIntermediaer),
                (t + 3 * DAY, Party::Provider, S::BestaetigtAnbieterUv),
                (t + 3 * DAY, Party::Portal, S::Bestellt),
            ],
        );
        assert_eq!(confirmed.days_to_decision(Party::Intermediary), Some(1.0));
        assert_eq!(confirmed.days_to_decision(Party::Provider), Some(2.0));
        // Waiting for the intermediary: open for it, not for the provider.
        let waiting = order(t, Uv, vec![]);
        let f = party_figures(Party::Provider, std::slice::from_ref(&waiting), NOW);
        assert_eq!(f.open, 0);
        let f = party_figures(Party::Intermediary, &[waiting], NOW);
        assert_eq!(f.open, 1);
        assert_eq!(f.open_by_days_left[4].count, 1, "{:?}", f.open_by_days_left);
    }

    #[test]
    fn overdue_orders_fall_into_the_first_bucket() {
        use OrderStatus as S;
        let long_ago = NOW - 31 * DAY;
        let o = order(
            long_ago,
            ContractModel::Direktvertrag,
            vec![(long_ago, Party::Customer, S::Offen)],
        );
        let f = party_figures(Party::Provider, &[o], NOW);
        assert_eq!(f.open_by_days_left[0].count, 1);
    }

    #[test]
    fn operator_counts_per_week_and_per_top_category() {
        let categories = vec![
            SnapshotCategory {
                id: "kommunikation".into(),
                name: "Kommunikation".into(),
                subcategories: vec![("chat".into(), "Chat".into())],
            },
            SnapshotCategory {
                id: "sicherheit".into(),
                name: "Sicherheit".into(),
                subcategories: vec![],
            },
        ];
        let needs = vec![
            Some("kommunikation/chat".to_owned()),
            Some("kommunikation".to_owned()),
            None,
            Some("verschwunden".to_owned()),
        ];
        let f = operator_figures(
            &[at("2026-12-01"), at("2026-11-24")],
            &[at("2026-12-05"), at("2026-12-06"), at("2026-09-01")],
            &needs,
            &categories,
            NOW,
        );
        let regs: Vec<usize> = f.registrations_per_week.iter().map(|w| w.count).collect();
        assert_eq!(regs[10..], [1, 1]);
        assert_eq!(regs.iter().sum::<usize>(), 2);
        let orders: Vec<usize> = f.orders_per_week.iter().map(|w| w.count).collect();
        assert_eq!(orders[11], 2);
        assert_eq!(
            orders.iter().sum::<usize>(),
            2,
            "2026-09-01 lies before the twelve weeks"
        );
        let needs: Vec<(String, usize)> = f
            .needs_per_category
            .iter()
            .map(|c| (c.label.clone(), c.count))
            .collect();
        assert_eq!(
            needs,
            [
                ("Kommunikation".to_owned(), 2),
                ("Sicherheit".to_owned(), 0),
                ("Ohne Kategorie".to_owned(), 2)
            ]
        );
    }
}
