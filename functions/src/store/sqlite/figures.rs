//! What the consoles' figures read in SQLite, each through an index entered at its key
//! (a `SEARCH`, never a `SCAN` of the table; see the test below):
//!
//! | access pattern | index |
//! | --- | --- |
//! | a provider's orders since a day | `orders_inbox_provider (provider_id, created_at, …)` |
//! | the intermediary's orders since a day | `orders_inbox_model (contract_model, created_at, …)` |
//! | all orders since a day (operator) | `orders_by_created (created_at)`, added here |
//! | customer registrations since a day | `orgs_by_status (status, created_at)`, one range per status |
//! | needs since a day | `needs_by_created (created_at)`, added here |

use async_trait::async_trait;
use rusqlite::{Connection, params};

use super::{SqliteStore, backend, from_json};
use crate::domain::model::OrgStatus;
use crate::domain::orders::figures::OrderFacts;
use crate::domain::orders::ports::FiguresStore;
use crate::domain::orders::{ApiParty, OrderStatus};
use crate::domain::ports::StoreError;

/// The release with the figures: the operator's reads by time.
pub(super) const SCHEMA: &str = "
CREATE INDEX IF NOT EXISTS orders_by_created ON orders(created_at);
CREATE INDEX IF NOT EXISTS needs_by_created ON needs(created_at);
";

const PROVIDER_FACTS: &str = "SELECT created_at, deadline, status, contract_model, json_extract(doc, '$.history') FROM orders INDEXED BY orders_inbox_provider WHERE provider_id = ?1 AND created_at >= ?2";
const MODEL_FACTS: &str = "SELECT created_at, deadline, status, contract_model, json_extract(doc, '$.history') FROM orders INDEXED BY orders_inbox_model WHERE contract_model = ?1 AND created_at >= ?2";
const ORDER_TIMES: &str =
    "SELECT created_at FROM orders INDEXED BY orders_by_created WHERE created_at >= ?1";
/// One placeholder per organisation status (every status counts: a registration is a
/// registration whatever became of it), then the moment.
static REGISTRATION_TIMES: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let statuses = OrgStatus::ALL.len();
    let placeholders: Vec<String> = (1..=statuses).map(|i| format!("?{i}")).collect();
    format!(
        "SELECT created_at FROM orgs INDEXED BY orgs_by_status WHERE status IN ({}) AND created_at >= ?{} AND party IS NULL",
        placeholders.join(", "),
        statuses + 1
    )
});
const NEED_CATEGORIES: &str = "SELECT json_extract(doc, '$.category') FROM needs INDEXED BY needs_by_created WHERE created_at >= ?1";

fn party_order_facts(
    conn: &Connection,
    party: &ApiParty,
    since: i64,
) -> Result<Vec<OrderFacts>, StoreError> {
    let (sql, key) = match party {
        ApiParty::Provider(id) => (PROVIDER_FACTS, id.clone()),
        ApiParty::Intermediary => (
            MODEL_FACTS,
            catalog::model::ContractModel::Umklappvertrag
                .as_str()
                .to_owned(),
        ),
    };
    let mut stmt = conn.prepare_cached(sql).map_err(backend)?;
    let rows = stmt
        .query_map(params![key, since], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
            ))
        })
        .map_err(backend)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(backend)?;
    rows.into_iter()
        .map(|(created_at, deadline, status, model, history)| {
            Ok(OrderFacts {
                created_at,
                deadline,
                status: OrderStatus::parse(&status)
                    .ok_or_else(|| StoreError::Backend(format!("unknown status {status}")))?,
                contract_model: catalog::model::ContractModel::parse(&model).ok_or_else(|| {
                    StoreError::Backend(format!("unknown contract model {model}"))
                })?,
                history: from_json(&history)?,
            })
        })
        .collect()
}

fn times(
    conn: &Connection,
    sql: &str,
    values: &[rusqlite::types::Value],
) -> Result<Vec<i64>, StoreError> {
    let mut stmt = conn.prepare_cached(sql).map_err(backend)?;
    stmt.query_map(rusqlite::params_from_iter(values.iter()), |r| r.get(0))
        .map_err(backend)?
        .collect::<Result<Vec<i64>, _>>()
        .map_err(backend)
}

fn registration_values(since: i64) -> Vec<rusqlite::types::Value> {
    let mut values: Vec<rusqlite::types::Value> = OrgStatus::ALL
        .iter()
        .map(|s| s.as_str().to_owned().into())
        .collect();
    values.push(since.into());
    values
}

#[async_trait]
impl FiguresStore for SqliteStore {
    async fn party_order_facts(
        &self,
        party: &ApiParty,
        since: i64,
    ) -> Result<Vec<OrderFacts>, StoreError> {
        let party = party.clone();
        self.run(move |conn| party_order_facts(conn, &party, since))
            .await
    }

    async fn order_times_since(&self, since: i64, _now: i64) -> Result<Vec<i64>, StoreError> {
        self.run(move |conn| times(conn, ORDER_TIMES, &[since.into()]))
            .await
    }

    async fn registration_times_since(&self, since: i64) -> Result<Vec<i64>, StoreError> {
        self.run(move |conn| times(conn, &REGISTRATION_TIMES, &registration_values(since)))
            .await
    }

    async fn need_categories_since(&self, since: i64) -> Result<Vec<Option<String>>, StoreError> {
        self.run(move |conn| {
            let mut stmt = conn.prepare_cached(NEED_CATEGORIES).map_err(backend)?;
            stmt.query_map([since], |r| r.get::<_, Option<String>>(0))
                .map_err(backend)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(backend)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every figure's query enters its index at a key (`SEARCH`), none reads the table
    /// whole (`SCAN`).
    #[tokio::test]
    async fn figure_queries_search_an_index() {
        let store = SqliteStore::open_in_memory().expect("open");
        let conn = store.conn.lock().await;
        let one: Vec<rusqlite::types::Value> = vec!["x".to_owned().into(), 1_i64.into()];
        let cases: [(&str, Vec<rusqlite::types::Value>, &str); 5] = [
            (PROVIDER_FACTS, one.clone(), "orders_inbox_provider"),
            (MODEL_FACTS, one, "orders_inbox_model"),
            (ORDER_TIMES, vec![1_i64.into()], "orders_by_created"),
            (
                &REGISTRATION_TIMES,
                registration_values(1),
                "orgs_by_status",
            ),
            (NEED_CATEGORIES, vec![1_i64.into()], "needs_by_created"),
        ];
        for (sql, values, index) in cases {
            let plan: Vec<String> = conn
                .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                .expect("prepare")
                .query_map(rusqlite::params_from_iter(values.iter()), |r| {
                    r.get::<_, String>(3)
                })
                .expect("plan")
                .collect::<Result<_, _>>()
                .expect("rows");
            let plan = plan.join(" | ");
            assert!(
                plan.contains("SEARCH ") && plan.contains(index),
                "{sql}: {plan}"
            );
            assert!(!plan.contains("SCAN"), "{sql}: {plan}");
        }
    }
}
