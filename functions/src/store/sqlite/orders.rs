//! Orders and needs in SQLite: the same semantics as the DynamoDB store, each change one
//! immediate transaction.

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, params};

use super::console::NEWEST_FIRST;
use super::{SqliteStore, backend, from_json, insert_mail, to_json};
use crate::domain::model::OutgoingMail;
use crate::domain::orders::ports::{CreatedOrder, OrderStore, UsedLink};
use crate::domain::orders::{Need, Order, OrderStatus};
use crate::domain::ports::StoreError;

pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS orders (
    id TEXT PRIMARY KEY, org_id TEXT NOT NULL, idempotency_key TEXT NOT NULL,
    provider_id TEXT NOT NULL, status TEXT NOT NULL, final INTEGER NOT NULL,
    created_at INTEGER NOT NULL, deadline INTEGER NOT NULL, doc TEXT NOT NULL,
    UNIQUE (org_id, idempotency_key));
CREATE INDEX IF NOT EXISTS orders_by_org ON orders(org_id, created_at);
CREATE INDEX IF NOT EXISTS orders_by_provider ON orders(provider_id, created_at);
CREATE INDEX IF NOT EXISTS orders_undecided ON orders(final, deadline);
CREATE TABLE IF NOT EXISTS used_links (hash TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS needs (id TEXT PRIMARY KEY, created_at INTEGER NOT NULL, doc TEXT NOT NULL);
";

fn query_orders(
    conn: &Connection,
    sql: &str,
    param: Option<&str>,
) -> Result<Vec<Order>, StoreError> {
    let mut stmt = conn.prepare_cached(sql).map_err(backend)?;
    let params: Vec<&str> = param.into_iter().collect();
    let rows = stmt
        .query_map(rusqlite::params_from_iter(params), |row| {
            row.get::<_, String>(0)
        })
        .map_err(backend)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(backend)?;
    rows.iter().map(|doc| from_json(doc)).collect()
}

/// Inserts a new order (its summary columns) and queues its mails, in the caller's
/// transaction.
pub(super) fn insert_order(
    tx: &Connection,
    order: &Order,
    mails: &[OutgoingMail],
) -> Result<(), StoreError> {
    tx.execute(
                "INSERT INTO orders (id, org_id, idempotency_key, provider_id, status, final, created_at, deadline, doc)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    order.id,
                    order.org_id,
                    order.idempotency_key,
                    order.provider_id,
                    order.status.as_str(),
                    order.status.is_final(),
                    order.created_at,
                    order.deadline,
                    to_json(&order)?
                ],
            )
            .map_err(backend)?;
    super::console::set_summary_columns(tx, order)?;
    for mail in mails {
        insert_mail(tx, mail)?;
    }
    Ok(())
}

pub(super) fn order_by_key(
    conn: &Connection,
    org_id: &str,
    key: &str,
) -> Result<Option<Order>, StoreError> {
    super::read_doc(
        conn,
        "SELECT doc FROM orders WHERE org_id = ?1 AND idempotency_key = ?2",
        [org_id, key],
    )
}

#[async_trait]
impl OrderStore for SqliteStore {
    async fn create_order(
        &self,
        order: &Order,
        mails: &[OutgoingMail],
    ) -> Result<CreatedOrder, StoreError> {
        let order = order.clone();
        let mails = mails.to_vec();
        self.transaction(move |tx| {
            if let Some(existing) = order_by_key(tx, &order.org_id, &order.idempotency_key)? {
                return Ok(CreatedOrder::Existing(Box::new(existing)));
            }
            insert_order(tx, &order, &mails)?;
            Ok(CreatedOrder::New)
        })
        .await
    }

    async fn find_order_by_key(
        &self,
        org_id: &str,
        key: &str,
    ) -> Result<Option<Order>, StoreError> {
        let (org_id, key) = (org_id.to_owned(), key.to_owned());
        self.run(move |conn| order_by_key(conn, &org_id, &key))
            .await
    }

    async fn get_order(&self, id: &str) -> Result<Option<Order>, StoreError> {
        let id = id.to_owned();
        self.run(move |conn| super::read_doc(conn, "SELECT doc FROM orders WHERE id = ?1", [&id]))
            .await
    }

    async fn list_org_orders(&self, org_id: &str) -> Result<Vec<Order>, StoreError> {
        let org_id = org_id.to_owned();
        self.run(move |conn| {
            query_orders(
                conn,
                &format!("SELECT doc FROM orders WHERE org_id = ?1 {NEWEST_FIRST}"),
                Some(&org_id),
            )
        })
        .await
    }

    async fn list_provider_orders(&self, provider_id: &str) -> Result<Vec<Order>, StoreError> {
        let provider_id = provider_id.to_owned();
        self.run(move |conn| {
            query_orders(
                conn,
                &format!("SELECT doc FROM orders WHERE provider_id = ?1 {NEWEST_FIRST}"),
                Some(&provider_id),
            )
        })
        .await
    }

    async fn list_undecided_orders(&self) -> Result<Vec<Order>, StoreError> {
        self.run(move |conn| {
            query_orders(
                conn,
                "SELECT doc FROM orders WHERE final = 0 ORDER BY deadline, id",
                None,
            )
        })
        .await
    }

    async fn update_order_status(
        &self,
        order: &Order,
        expected: OrderStatus,
        link: Option<&UsedLink>,
        mails: &[OutgoingMail],
    ) -> Result<(), StoreError> {
        let order = order.clone();
        let link = link.cloned();
        let mails = mails.to_vec();
        self.transaction(move |tx| {
            let changed = tx
                .execute(
                    "UPDATE orders SET status = ?1, final = ?2, doc = ?3, closed_by_portal_at = ?6
                     WHERE id = ?4 AND status = ?5",
                    params![
                        order.status.as_str(),
                        order.status.is_final(),
                        to_json(&order)?,
                        order.id,
                        expected.as_str(),
                        order.closed_by_portal_at()
                    ],
                )
                .map_err(backend)?;
            if changed != 1 {
                let exists: bool = tx
                    .query_row(
                        "SELECT EXISTS(SELECT 1 FROM orders WHERE id = ?1)",
                        [&order.id],
                        |r| r.get(0),
                    )
                    .map_err(backend)?;
                return Err(if exists {
                    StoreError::Conflict
                } else {
                    StoreError::NotFound
                });
            }
            if let Some(link) = &link {
                let inserted = tx
                    .execute(
                        "INSERT INTO used_links (hash, expires_at) VALUES (?1, ?2) ON CONFLICT(hash) DO NOTHING",
                        params![link.hash, link.expires_at],
                    )
                    .map_err(backend)?;
                if inserted != 1 {
                    // Rolls the status change back with the transaction.
                    return Err(StoreError::Conflict);
                }
            }
            for mail in &mails {
                insert_mail(tx, mail)?;
            }
            Ok(())
        })
        .await
    }

    async fn queue_reminder(
        &self,
        order_id: &str,
        expected: OrderStatus,
        marker: &UsedLink,
        mails: &[OutgoingMail],
    ) -> Result<(), StoreError> {
        let order_id = order_id.to_owned();
        let marker = marker.clone();
        let mails = mails.to_vec();
        self.transaction(move |tx| {
            let status: Option<String> = tx
                .query_row("SELECT status FROM orders WHERE id = ?1", [&order_id], |r| {
                    r.get(0)
                })
                .optional()
                .map_err(backend)?;
            match status {
                None => return Err(StoreError::NotFound),
                Some(status) if status != expected.as_str() => return Err(StoreError::Conflict),
                Some(_) => {}
            }
            let inserted = tx
                .execute(
                    "INSERT INTO used_links (hash, expires_at) VALUES (?1, ?2) ON CONFLICT(hash) DO NOTHING",
                    params![marker.hash, marker.expires_at],
                )
                .map_err(backend)?;
            if inserted != 1 {
                return Err(StoreError::Conflict);
            }
            for mail in &mails {
                insert_mail(tx, mail)?;
            }
            Ok(())
        })
        .await
    }

    async fn is_link_used(&self, hash: &str) -> Result<bool, StoreError> {
        let hash = hash.to_owned();
        self.run(move |conn| {
            conn.query_row(
                "SELECT EXISTS(SELECT 1 FROM used_links WHERE hash = ?1)",
                [&hash],
                |r| r.get(0),
            )
            .map_err(backend)
        })
        .await
    }

    async fn create_need(&self, need: &Need, mail: &OutgoingMail) -> Result<(), StoreError> {
        let need = need.clone();
        let mail = mail.clone();
        self.transaction(move |tx| {
            tx.execute(
                "INSERT INTO needs (id, created_at, doc) VALUES (?1, ?2, ?3)",
                params![need.id, need.created_at, to_json(&need)?],
            )
            .map_err(backend)?;
            insert_mail(tx, &mail)
        })
        .await
    }

    async fn list_needs(&self) -> Result<Vec<Need>, StoreError> {
        self.run(move |conn| {
            super::read_docs(
                conn,
                "SELECT doc FROM needs ORDER BY created_at DESC, id DESC",
                [],
            )
        })
        .await
    }
}
