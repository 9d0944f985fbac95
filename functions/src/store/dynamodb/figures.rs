//! What the consoles' figures read in the DynamoDB table, each a `Query` on a key (never a
//! `Scan`):
//!
//! | access pattern | key or index |
//! | --- | --- |
//! | a provider's orders since a day | GSI2 `PROVIDERORDERS#<provider>`, `GSI2SK >= <since>` |
//! | the intermediary's orders since a day | GSI2 `INTERMEDIARYORDERS`, `GSI2SK >= <since>`, then each order by key |
//! | all orders since a day (operator) | GSI2 `ORDERMONTH#<yyyy-mm>` (UTC) on the orders' idempotency markers, one query per month |
//! | customer registrations since a day | GSI1 `ORGSTATUS#<status>`, `GSI1SK >= <since>`, one query per status |
//! | needs since a day | GSI1 `NEEDS`, `GSI1SK >= <since>` |
//!
//! The month partition is written on the idempotency marker that every order has, in the
//! order's transaction: no extra item (a checkout's 14 orders stay within 100 items).
//! Orders stored before this release have no month entry; `csp-function admin
//! backfill-order-markers` adds it (and the intermediary's marker).

use async_trait::async_trait;

use super::{DynamoStore, Item, doc_of, get_s, s, sortable};
use crate::domain::model::{OrgKind, OrgStatus, Organisation};
use crate::domain::orders::figures::OrderFacts;
use crate::domain::orders::ports::{FiguresStore, OrderStore};
use crate::domain::orders::{ApiParty, Need};
use crate::domain::ports::StoreError;

/// The month partition of an order created at `created_at` (`ORDERMONTH#2026-12`, UTC).
pub(super) fn order_month(created_at: i64) -> String {
    let date = jiff::Timestamp::from_second(created_at)
        .map(|t| t.to_zoned(jiff::tz::TimeZone::UTC).date())
        .unwrap_or_default();
    format!("ORDERMONTH#{:04}-{:02}", date.year(), date.month())
}

/// The month partitions from the one of `since` to the one of `now`, oldest first; at most
/// ten years back from `now`.
fn months_between(since: i64, now: i64) -> Vec<String> {
    let first = order_month(since.min(now));
    let mut month = jiff::Timestamp::from_second(now)
        .map(|t| t.to_zoned(jiff::tz::TimeZone::UTC).date().first_of_month())
        .unwrap_or_default();
    let mut months = Vec::new();
    for _ in 0..120 {
        let key = format!("ORDERMONTH#{:04}-{:02}", month.year(), month.month());
        let done = key == first;
        months.push(key);
        if done {
            break;
        }
        match month.checked_sub(jiff::Span::new().months(1)) {
            Ok(before) => month = before,
            Err(_) => break,
        }
    }
    months.reverse();
    months
}

impl DynamoStore {
    /// Every item of `index`'s partition `pk` whose sort key starts at or after `since`.
    async fn query_since(
        &self,
        index: &str,
        pk: String,
        since: i64,
    ) -> Result<Vec<Item>, StoreError> {
        let items = super::query_all(
            self.client
                .query()
                .table_name(&self.table)
                .index_name(index)
                .key_condition_expression("#pk = :pk AND #sk >= :low")
                .expression_attribute_names("#pk", format!("{index}PK"))
                .expression_attribute_names("#sk", format!("{index}SK"))
                .expression_attribute_values(":pk", s(pk))
                .expression_attribute_values(":low", s(format!("{}#", sortable(since.max(0))))),
        )
        .await?;
        Ok(items)
    }
}

/// The creation time in a `<created>#<id>` sort key.
fn time_of(item: &Item, sk: &str) -> Result<i64, StoreError> {
    let key = get_s(item, sk)?;
    key.split('#')
        .next()
        .and_then(|t| t.parse().ok())
        .ok_or_else(|| StoreError::Backend(format!("{sk} {key} holds no time")))
}

#[async_trait]
impl FiguresStore for DynamoStore {
    async fn party_order_facts(
        &self,
        party: &ApiParty,
        since: i64,
    ) -> Result<Vec<OrderFacts>, StoreError> {
        match party {
            ApiParty::Provider(provider) => self
                .query_since("GSI2", format!("PROVIDERORDERS#{provider}"), since)
                .await?
                .iter()
                .map(doc_of)
                .collect(),
            ApiParty::Intermediary => {
                let mut facts = Vec::new();
                for marker in self
                    .query_since("GSI2", "INTERMEDIARYORDERS".to_owned(), since)
                    .await?
                {
                    if let Some(order) = self.get_order(get_s(&marker, "order_id")?).await? {
                        facts.push(OrderFacts {
                            created_at: order.created_at,
                            deadline: order.deadline,
                            status: order.status,
                            contract_model: order.contract_model,
                            history: order.history,
                        });
                    }
                }
                Ok(facts)
            }
        }
    }

    async fn order_times_since(&self, since: i64, now: i64) -> Result<Vec<i64>, StoreError> {
        let mut times = Vec::new();
        for month in months_between(since, now.max(since)) {
            for item in self.query_since("GSI2", month, since).await? {
                times.push(time_of(&item, "GSI2SK")?);
            }
        }
        Ok(times)
    }

    async fn registration_times_since(&self, since: i64) -> Result<Vec<i64>, StoreError> {
        let mut times = Vec::new();
        for status in OrgStatus::ALL {
            for item in self
                .query_since("GSI1", format!("ORGSTATUS#{}", status.as_str()), since)
                .await?
            {
                let org: Organisation = doc_of(&item)?;
                if org.kind == OrgKind::Customer {
                    times.push(org.created_at);
                }
            }
        }
        Ok(times)
    }

    async fn need_categories_since(&self, since: i64) -> Result<Vec<Option<String>>, StoreError> {
        self.query_since("GSI1", "NEEDS".to_owned(), since)
            .await?
            .iter()
            .map(|item| doc_of::<Need>(item).map(|need| need.category))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_run_from_the_first_to_the_current() {
        // 2026-10-15 and 2026-12-06 (UTC).
        assert_eq!(
            months_between(1_792_022_400, 1_796_554_800),
            [
                "ORDERMONTH#2026-10",
                "ORDERMONTH#2026-11",
                "ORDERMONTH#2026-12"
            ]
        );
        assert_eq!(
            months_between(1_796_554_800, 1_796_554_800),
            ["ORDERMONTH#2026-12"]
        );
    }
}
