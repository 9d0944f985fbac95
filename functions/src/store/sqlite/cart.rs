//! The Warenkörbe in SQLite: one row per line under its person; every read and write
//! names the person, so another person's line id finds nothing.

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, params};

use super::orders::{insert_order, order_by_key};
use super::{SqliteStore, backend, from_json, to_json};
use crate::domain::model::OutgoingMail;
use crate::domain::orders::Order;
use crate::domain::orders::cart::{CartLine, CartStore};
use crate::domain::ports::StoreError;

/// The cart table (added by the release with the Warenkorb).
pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS cart_lines (
    user_id TEXT NOT NULL, id TEXT NOT NULL, added_at INTEGER NOT NULL, doc TEXT NOT NULL,
    PRIMARY KEY (user_id, id));
";

fn read_doc(conn: &Connection, user_id: &str, id: &str) -> Result<Option<String>, StoreError> {
    conn.query_row(
        "SELECT doc FROM cart_lines WHERE user_id = ?1 AND id = ?2",
        params![user_id, id],
        |row| row.get::<_, String>(0),
    )
    .optional()
    .map_err(backend)
}

#[async_trait]
impl CartStore for SqliteStore {
    async fn list_cart(&self, user_id: &str) -> Result<Vec<CartLine>, StoreError> {
        let user_id = user_id.to_owned();
        self.run(move |conn| {
            let mut stmt = conn
                .prepare_cached("SELECT doc FROM cart_lines WHERE user_id = ?1 ORDER BY added_at")
                .map_err(backend)?;
            let rows = stmt
                .query_map([&user_id], |row| row.get::<_, String>(0))
                .map_err(backend)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(backend)?;
            let mut lines = rows
                .iter()
                .map(|doc| from_json(doc))
                .collect::<Result<Vec<CartLine>, _>>()?;
            CartLine::sort(&mut lines);
            Ok(lines)
        })
        .await
    }

    async fn get_cart_line(
        &self,
        user_id: &str,
        line_id: &str,
    ) -> Result<Option<CartLine>, StoreError> {
        let (user_id, line_id) = (user_id.to_owned(), line_id.to_owned());
        self.run(move |conn| {
            read_doc(conn, &user_id, &line_id)?
                .map(|doc| from_json(&doc))
                .transpose()
        })
        .await
    }

    async fn add_cart_line(&self, line: &CartLine, max_lines: usize) -> Result<(), StoreError> {
        let line = line.clone();
        // An immediate transaction: the count and the insert see no other writer between them.
        self.transaction(move |tx| {
            let count: i64 = tx
                .query_row(
                    "SELECT COUNT(*) FROM cart_lines WHERE user_id = ?1",
                    [&line.user_id],
                    |row| row.get(0),
                )
                .map_err(backend)?;
            if usize::try_from(count).unwrap_or(usize::MAX) >= max_lines {
                return Err(StoreError::Conflict);
            }
            tx.execute(
                "INSERT INTO cart_lines (user_id, id, added_at, doc) VALUES (?1, ?2, ?3, ?4)",
                params![line.user_id, line.id, line.added_at, to_json(&line)?],
            )
            .map_err(|e| match e {
                rusqlite::Error::SqliteFailure(f, _)
                    if f.code == rusqlite::ErrorCode::ConstraintViolation =>
                {
                    StoreError::Conflict
                }
                other => backend(other),
            })?;
            Ok(())
        })
        .await
    }

    async fn replace_cart_line(
        &self,
        before: &CartLine,
        after: &CartLine,
    ) -> Result<(), StoreError> {
        if before.id != after.id || before.user_id != after.user_id {
            return Err(StoreError::Conflict);
        }
        let (before, after) = (before.clone(), after.clone());
        self.transaction(move |tx| {
            let doc = read_doc(tx, &before.user_id, &before.id)?.ok_or(StoreError::NotFound)?;
            if from_json::<CartLine>(&doc)? != before {
                return Err(StoreError::Conflict);
            }
            tx.execute(
                "UPDATE cart_lines SET doc = ?3 WHERE user_id = ?1 AND id = ?2",
                params![after.user_id, after.id, to_json(&after)?],
            )
            .map_err(backend)?;
            Ok(())
        })
        .await
    }

    async fn remove_cart_line(&self, user_id: &str, line_id: &str) -> Result<(), StoreError> {
        let (user_id, line_id) = (user_id.to_owned(), line_id.to_owned());
        self.transaction(move |tx| {
            let removed = tx
                .execute(
                    "DELETE FROM cart_lines WHERE user_id = ?1 AND id = ?2",
                    params![user_id, line_id],
                )
                .map_err(backend)?;
            if removed == 0 {
                return Err(StoreError::NotFound);
            }
            Ok(())
        })
        .await
    }

    async fn check_out_cart(
        &self,
        lines: &[CartLine],
        orders: &[(Order, Vec<OutgoingMail>)],
    ) -> Result<(), StoreError> {
        let (lines, orders) = (lines.to_vec(), orders.to_vec());
        self.transaction(move |tx| {
            for line in &lines {
                let doc = read_doc(tx, &line.user_id, &line.id)?.ok_or(StoreError::Conflict)?;
                if from_json::<CartLine>(&doc)? != *line {
                    return Err(StoreError::Conflict);
                }
                tx.execute(
                    "DELETE FROM cart_lines WHERE user_id = ?1 AND id = ?2",
                    params![line.user_id, line.id],
                )
                .map_err(backend)?;
            }
            for (order, mails) in &orders {
                if order_by_key(tx, &order.org_id, &order.idempotency_key)?.is_some() {
                    return Err(StoreError::Conflict);
                }
                insert_order(tx, order, mails)?;
            }
            Ok(())
        })
        .await
    }
}
