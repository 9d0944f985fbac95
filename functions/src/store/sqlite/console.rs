//! The consoles of providers and the intermediary in SQLite: their organisations (one per
//! party, a unique index) and their incoming orders, read from covering indexes over the
//! list's columns: a page, a search or the CSV export never touches the table's rows, whose
//! JSON document (the whole contract folder, ~12 KB) lies before the columns added here.
//!
//! | access pattern | index (covering) |
//! | --- | --- |
//! | a provider's orders, newest first (period, offering, search) | `orders_inbox_provider (provider_id, created_at, seq, id, …)` |
//! | a provider's orders in one status | `orders_inbox_provider_status (provider_id, status, created_at, seq, id, …)` |
//! | the intermediary's orders (Umklappvertrag) | `orders_inbox_model (contract_model, created_at, seq, id, …)` |
//! | the partner API's list of a provider's orders | `orders_inbox_provider`, then the row |
//! | an organisation's orders (customer's account, operator's counts) | `orders_by_org (org_id, created_at, seq, id)` |
//! | the organisation of a party | `orgs_by_party (party)`, unique |
//! | every party's organisation (operator's list) | `orgs_by_party` (partial: `party IS NOT NULL`), then the Hauptadmin by key and its invitation by `tokens_by_user` |

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, params};

use super::{SqliteStore, backend, from_json, insert_mail, insert_token, to_json};
use super::{count_then_page, insert_audit};
use crate::domain::model::{AuditEntry, Organisation, OutgoingMail, TokenRecord, User};
use crate::domain::orders::console::{OrderFilter, OrderPage, OrderSummary};
use crate::domain::orders::ports::{ConsoleStore, PartyOrgEntry};
use crate::domain::orders::{ApiParty, Order, OrderStatus};
use crate::domain::ports::StoreError;

/// The release with the consoles: the party of an organisation, and the columns of the
/// console's list filled in for the orders stored before (their search text in ASCII lower
/// case only: SQLite's `lower`).
pub(super) const SCHEMA: &str = "
ALTER TABLE orgs ADD COLUMN party TEXT;
CREATE UNIQUE INDEX IF NOT EXISTS orgs_by_party ON orgs(party) WHERE party IS NOT NULL;
ALTER TABLE orders ADD COLUMN number TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN customer TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN offering_id TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN offering_name TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN plan_name TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN contract_model TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN search TEXT NOT NULL DEFAULT '';
UPDATE orders SET
    number = coalesce(json_extract(doc, '$.number'), ''),
    customer = coalesce(json_extract(doc, '$.folder.customer.organisation'), ''),
    offering_id = coalesce(json_extract(doc, '$.offering_id'), ''),
    offering_name = coalesce(json_extract(doc, '$.folder.offering.name'), ''),
    plan_name = coalesce(json_extract(doc, '$.folder.plan.name'), ''),
    contract_model = coalesce(json_extract(doc, '$.contract_model'), ''),
    search = lower(coalesce(json_extract(doc, '$.number'), '') || ' ' || coalesce(json_extract(doc, '$.folder.customer.organisation'), ''));
CREATE INDEX IF NOT EXISTS orders_inbox_provider ON orders(provider_id, created_at, id,
    status, offering_id, deadline, number, customer, offering_name, plan_name, contract_model, search);
CREATE INDEX IF NOT EXISTS orders_inbox_provider_status ON orders(provider_id, status, created_at, id,
    offering_id, deadline, number, customer, offering_name, plan_name, contract_model, search);
CREATE INDEX IF NOT EXISTS orders_inbox_model ON orders(contract_model, created_at, id,
    status, offering_id, deadline, number, customer, offering_name, plan_name, provider_id, search);
";

/// The release in which "newest first" breaks ties by the order number: the number's
/// counter as a column (`seq`, [`crate::domain::orders::number_sequence`]; the numbers are
/// `CSP-<year>-<counter>`), filled in for the orders stored before, and the indexes of the
/// lists rebuilt with it after `created_at`, so that `ORDER BY created_at DESC, seq DESC`
/// still reads them in index order (`orders_by_provider` is covered by
/// `orders_inbox_provider` and goes).
pub(super) const SEQUENCE_SCHEMA: &str = "
ALTER TABLE orders ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
UPDATE orders SET seq = CAST(substr(number, 10) AS INTEGER)
    WHERE number GLOB 'CSP-[0-9][0-9][0-9][0-9]-[0-9]*';
DROP INDEX IF EXISTS orders_by_org;
DROP INDEX IF EXISTS orders_by_provider;
DROP INDEX IF EXISTS orders_inbox_provider;
DROP INDEX IF EXISTS orders_inbox_provider_status;
DROP INDEX IF EXISTS orders_inbox_model;
CREATE INDEX orders_by_org ON orders(org_id, created_at, seq, id);
CREATE INDEX orders_inbox_provider ON orders(provider_id, created_at, seq, id,
    status, offering_id, deadline, number, customer, offering_name, plan_name, contract_model, search);
CREATE INDEX orders_inbox_provider_status ON orders(provider_id, status, created_at, seq, id,
    offering_id, deadline, number, customer, offering_name, plan_name, contract_model, search);
CREATE INDEX orders_inbox_model ON orders(contract_model, created_at, seq, id,
    status, offering_id, deadline, number, customer, offering_name, plan_name, provider_id, search);
";

/// Newest first, the later number first within a second (see [`SEQUENCE_SCHEMA`]).
pub(super) const NEWEST_FIRST: &str = "ORDER BY created_at DESC, seq DESC, id DESC";

/// Fills the console's columns of a new order (in the transaction that inserts it).
pub(super) fn set_summary_columns(tx: &Connection, order: &Order) -> Result<(), StoreError> {
    let summary = OrderSummary::of(order);
    tx.execute(
        "UPDATE orders SET number = ?1, customer = ?2, offering_id = ?3, offering_name = ?4,
             plan_name = ?5, contract_model = ?6, search = ?7, seq = ?9 WHERE id = ?8",
        params![
            summary.number,
            summary.customer,
            summary.offering_id,
            summary.offering_name,
            summary.plan_name,
            summary.contract_model.as_str(),
            OrderSummary::search_text(&summary.number, &summary.customer),
            summary.id,
            order.sequence()
        ],
    )
    .map_err(backend)?;
    Ok(())
}

const COLUMNS: &str = "id, number, created_at, deadline, customer, offering_id, offering_name, plan_name, contract_model, status";

fn summary_of(row: &rusqlite::Row<'_>) -> rusqlite::Result<(OrderSummary, String, String)> {
    let contract_model: String = row.get(8)?;
    let status: String = row.get(9)?;
    Ok((
        OrderSummary {
            id: row.get(0)?,
            number: row.get(1)?,
            created_at: row.get(2)?,
            deadline: row.get(3)?,
            customer: row.get(4)?,
            offering_id: row.get(5)?,
            offering_name: row.get(6)?,
            plan_name: row.get(7)?,
            contract_model: catalog::model::ContractModel::Direktvertrag,
            status: OrderStatus::Offen,
        },
        contract_model,
        status,
    ))
}

/// The `WHERE` clause of a party's filtered orders and its values.
fn inbox_predicate(
    party: &ApiParty,
    filter: &OrderFilter,
) -> (String, Vec<rusqlite::types::Value>) {
    let mut conditions: Vec<&str> = Vec::new();
    let mut values: Vec<rusqlite::types::Value> = Vec::new();
    match party {
        ApiParty::Provider(id) => {
            conditions.push("provider_id = ?");
            values.push(id.clone().into());
        }
        ApiParty::Intermediary => {
            conditions.push("contract_model = ?");
            values.push(
                catalog::model::ContractModel::Umklappvertrag
                    .as_str()
                    .to_owned()
                    .into(),
            );
        }
    }
    if let Some(status) = filter.status {
        conditions.push("status = ?");
        values.push(status.as_str().to_owned().into());
    }
    if let Some(offering) = &filter.offering_id {
        conditions.push("offering_id = ?");
        values.push(offering.clone().into());
    }
    if let Some(from) = filter.from {
        conditions.push("created_at >= ?");
        values.push(from.into());
    }
    if let Some(until) = filter.until {
        conditions.push("created_at < ?");
        values.push(until.into());
    }
    if !filter.search.is_empty() {
        conditions.push("instr(search, ?) > 0");
        values.push(filter.search.clone().into());
    }
    (conditions.join(" AND "), values)
}

fn list_inbox(
    conn: &Connection,
    party: &ApiParty,
    filter: &OrderFilter,
) -> Result<OrderPage, StoreError> {
    let (predicate, mut values) = inbox_predicate(party, filter);
    let total = count_then_page(
        conn,
        &format!("SELECT count(*) FROM orders WHERE {predicate}"),
        &mut values,
        filter.limit,
        filter.offset,
    )?;
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM orders WHERE {predicate} {NEWEST_FIRST} LIMIT ? OFFSET ?"
        ))
        .map_err(backend)?;
    let rows = stmt
        .query_map(rusqlite::params_from_iter(values.iter()), summary_of)
        .map_err(backend)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(backend)?;
    let rows = rows
        .into_iter()
        .map(|(mut summary, model, status)| {
            summary.contract_model = catalog::model::ContractModel::parse(&model)
                .ok_or_else(|| StoreError::Backend(format!("unknown contract model {model}")))?;
            summary.status = OrderStatus::parse(&status)
                .ok_or_else(|| StoreError::Backend(format!("unknown status {status}")))?;
            Ok(summary)
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok(OrderPage {
        rows,
        total: usize::try_from(total).unwrap_or(0),
    })
}

#[async_trait]
impl ConsoleStore for SqliteStore {
    async fn create_party_org(
        &self,
        org: &Organisation,
        admin: &User,
        invite: &TokenRecord,
        mail: &OutgoingMail,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let (org, admin, invite, mail, audit) = (
            org.clone(),
            admin.clone(),
            invite.clone(),
            mail.clone(),
            audit.clone(),
        );
        self.transaction(move |tx| {
            let taken: bool = tx
                .query_row(
                    "SELECT EXISTS(SELECT 1 FROM users WHERE email = ?1)",
                    [&admin.email],
                    |r| r.get(0),
                )
                .map_err(backend)?;
            if taken {
                return Err(StoreError::EmailTaken);
            }
            tx.execute(
                "INSERT INTO orgs (id, status, created_at, doc, party) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    org.id,
                    org.status.as_str(),
                    org.created_at,
                    to_json(&org)?,
                    org.kind.party_key()
                ],
            )
            .map_err(|e| match e {
                rusqlite::Error::SqliteFailure(f, _)
                    if f.code == rusqlite::ErrorCode::ConstraintViolation =>
                {
                    StoreError::Conflict
                }
                other => backend(other),
            })?;
            tx.execute(
                "INSERT INTO users (id, org_id, email, doc) VALUES (?1, ?2, ?3, ?4)",
                params![admin.id, admin.org_id, admin.email, to_json(&admin)?],
            )
            .map_err(|e| match e {
                rusqlite::Error::SqliteFailure(f, _)
                    if f.code == rusqlite::ErrorCode::ConstraintViolation =>
                {
                    StoreError::EmailTaken
                }
                other => backend(other),
            })?;
            insert_token(tx, &invite)?;
            insert_mail(tx, &mail)?;
            insert_audit(tx, &audit)
        })
        .await
    }

    async fn list_party_orgs(&self) -> Result<Vec<PartyOrgEntry>, StoreError> {
        self.run(list_party_orgs).await
    }

    async fn list_inbox(
        &self,
        party: &ApiParty,
        filter: &OrderFilter,
    ) -> Result<OrderPage, StoreError> {
        let (party, filter) = (party.clone(), filter.clone());
        self.run(move |conn| list_inbox(conn, &party, &filter))
            .await
    }
}

fn list_party_orgs(conn: &mut Connection) -> Result<Vec<PartyOrgEntry>, StoreError> {
    let docs: Vec<String> = conn
        .prepare("SELECT doc FROM orgs WHERE party IS NOT NULL")
        .and_then(|mut stmt| {
            stmt.query_map([], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()
        })
        .map_err(backend)?;
    let mut entries = Vec::with_capacity(docs.len());
    for doc in docs {
        let org: Organisation = from_json(&doc)?;
        let admin: Option<User> = conn
            .query_row(
                "SELECT doc FROM users WHERE id = ?1",
                [&org.admin_user_id],
                |r| r.get::<_, String>(0),
            )
            .optional()
            .map_err(backend)?
            .map(|doc| from_json(&doc))
            .transpose()?;
        let invite_expires_at: Option<i64> = conn
            .query_row(
                "SELECT MAX(expires_at) FROM tokens WHERE user_id = ?1 AND kind = 'invite' AND used = 0",
                [&org.admin_user_id],
                |r| r.get(0),
            )
            .map_err(backend)?;
        entries.push(PartyOrgEntry {
            org,
            admin,
            invite_expires_at,
        });
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SQLite's plan for the console's list: every variant reads through an index on the
    /// party, never the whole table.
    #[tokio::test]
    async fn inbox_queries_use_an_index_not_a_scan() {
        let store = SqliteStore::open_in_memory().expect("open");
        let conn = store.conn.lock().await;
        let provider = ApiParty::Provider("dataport".into());
        let cases = [
            (
                provider.clone(),
                OrderFilter::default(),
                "orders_inbox_provider",
            ),
            (
                provider.clone(),
                OrderFilter {
                    status: Some(OrderStatus::Offen),
                    ..OrderFilter::default()
                },
                "orders_inbox_provider_status",
            ),
            (
                provider,
                OrderFilter {
                    search: "köln".into(),
                    from: Some(1),
                    ..OrderFilter::default()
                },
                "orders_inbox_provider",
            ),
            (
                ApiParty::Intermediary,
                OrderFilter::default(),
                "orders_inbox_model",
            ),
        ];
        for (party, filter, index) in cases {
            let (predicate, values) = inbox_predicate(&party, &filter);
            let sql = format!(
                "EXPLAIN QUERY PLAN SELECT {COLUMNS} FROM orders WHERE {predicate} {NEWEST_FIRST} LIMIT 25"
            );
            let plan: Vec<String> = conn
                .prepare(&sql)
                .expect("prepare")
                .query_map(rusqlite::params_from_iter(values.iter()), |r| {
                    r.get::<_, String>(3)
                })
                .expect("plan")
                .collect::<Result<_, _>>()
                .expect("rows");
            let plan = plan.join(" | ");
            // SEARCH: the index is entered at the party's key (a SCAN would read it all);
            // COVERING: the table's rows are not read.
            assert!(
                plan.contains(&format!("SEARCH orders USING COVERING INDEX {index} ")),
                "{filter:?} ({index}): {plan:?}"
            );
            // Newest first (with the number's tie-break) is the index's order: no sorting.
            assert!(!plan.contains("TEMP B-TREE"), "{filter:?}: {plan:?}");
        }
    }

    /// The customer's and the partner API's lists: entered at the key, in index order.
    #[tokio::test]
    async fn order_lists_read_in_index_order() {
        let store = SqliteStore::open_in_memory().expect("open");
        let conn = store.conn.lock().await;
        for (column, index) in [
            ("org_id", "orders_by_org"),
            ("provider_id", "orders_inbox_provider"),
        ] {
            let sql = format!(
                "EXPLAIN QUERY PLAN SELECT doc FROM orders WHERE {column} = ?1 {NEWEST_FIRST}"
            );
            let plan: Vec<String> = conn
                .prepare(&sql)
                .expect("prepare")
                .query_map(["x"], |r| r.get::<_, String>(3))
                .expect("plan")
                .collect::<Result<_, _>>()
                .expect("rows");
            let plan = plan.join(" | ");
            assert!(
                plan.contains(&format!("SEARCH orders USING INDEX {index} ")),
                "{column}: {plan:?}"
            );
            assert!(!plan.contains("TEMP B-TREE"), "{column}: {plan:?}");
        }
    }
}
