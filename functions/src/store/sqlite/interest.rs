//! Expressions of interest in SQLite: one row each, with the columns the lists and the
//! invariant need.
//!
//! | access pattern | index |
//! | --- | --- |
//! | the customer organisation's list, newest first | `interests_by_org (org_id, created_at)` |
//! | the provider's list, newest first | `interests_by_provider (provider_id, created_at)` |
//! | the organisation's open expression for an offering | `interests_open (org_id, offering_id) WHERE withdrawn_at IS NULL`, unique |
//!
//! The partial unique index is the invariant "one open expression per organisation and
//! offering": a second insert fails inside the transaction that also queues the mail.

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, params};

use super::{SqliteStore, backend, from_json, insert_mail, to_json};
use crate::domain::model::OutgoingMail;
use crate::domain::orders::interest::{Interest, InterestStore};
use crate::domain::ports::StoreError;

/// The table of the release with "Interesse bekunden".
pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS interests (
    id TEXT PRIMARY KEY, org_id TEXT NOT NULL, provider_id TEXT NOT NULL,
    offering_id TEXT NOT NULL, created_at INTEGER NOT NULL, withdrawn_at INTEGER,
    doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS interests_by_org ON interests(org_id, created_at);
CREATE INDEX IF NOT EXISTS interests_by_provider ON interests(provider_id, created_at);
CREATE UNIQUE INDEX IF NOT EXISTS interests_open ON interests(org_id, offering_id)
    WHERE withdrawn_at IS NULL;
";

fn list(conn: &Connection, sql: &str, key: &str) -> Result<Vec<Interest>, StoreError> {
    let mut stmt = conn.prepare_cached(sql).map_err(backend)?;
    let docs = stmt
        .query_map([key], |row| row.get::<_, String>(0))
        .map_err(backend)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(backend)?;
    let mut list = docs
        .iter()
        .map(|doc| from_json(doc))
        .collect::<Result<Vec<Interest>, _>>()?;
    Interest::sort_newest_first(&mut list);
    Ok(list)
}

#[async_trait]
impl InterestStore for SqliteStore {
    async fn create_interest(
        &self,
        interest: &Interest,
        mail: &OutgoingMail,
    ) -> Result<(), StoreError> {
        let (interest, mail) = (interest.clone(), mail.clone());
        self.transaction(move |tx| {
            tx.execute(
                "INSERT INTO interests (id, org_id, provider_id, offering_id, created_at, withdrawn_at, doc)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    interest.id,
                    interest.org_id,
                    interest.provider_id,
                    interest.offering_id,
                    interest.created_at,
                    interest.withdrawn_at,
                    to_json(&interest)?
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
            insert_mail(tx, &mail)
        })
        .await
    }

    async fn get_interest(&self, id: &str) -> Result<Option<Interest>, StoreError> {
        let id = id.to_owned();
        self.run(move |conn| {
            super::read_doc(conn, "SELECT doc FROM interests WHERE id = ?1", [&id])
        })
        .await
    }

    async fn open_interest(
        &self,
        org_id: &str,
        offering_id: &str,
    ) -> Result<Option<Interest>, StoreError> {
        let (org_id, offering_id) = (org_id.to_owned(), offering_id.to_owned());
        self.run(move |conn| {
            super::read_doc(conn, "SELECT doc FROM interests WHERE org_id = ?1 AND offering_id = ?2 AND withdrawn_at IS NULL", params![org_id, offering_id])
        })
        .await
    }

    async fn list_org_interests(&self, org_id: &str) -> Result<Vec<Interest>, StoreError> {
        let org_id = org_id.to_owned();
        self.run(move |conn| {
            list(
                conn,
                "SELECT doc FROM interests WHERE org_id = ?1 ORDER BY created_at DESC",
                &org_id,
            )
        })
        .await
    }

    async fn list_provider_interests(
        &self,
        provider_id: &str,
    ) -> Result<Vec<Interest>, StoreError> {
        let provider_id = provider_id.to_owned();
        self.run(move |conn| {
            list(
                conn,
                "SELECT doc FROM interests WHERE provider_id = ?1 ORDER BY created_at DESC",
                &provider_id,
            )
        })
        .await
    }

    async fn withdraw_interest(&self, interest: &Interest, at: i64) -> Result<(), StoreError> {
        let mut after = interest.clone();
        after.withdrawn_at = Some(at);
        self.transaction(move |tx| {
            let changed = tx
                .execute(
                    "UPDATE interests SET withdrawn_at = ?2, doc = ?3 WHERE id = ?1 AND withdrawn_at IS NULL",
                    params![after.id, at, to_json(&after)?],
                )
                .map_err(backend)?;
            if changed == 1 {
                return Ok(());
            }
            let exists = tx
                .query_row("SELECT 1 FROM interests WHERE id = ?1", [&after.id], |_| {
                    Ok(())
                })
                .optional()
                .map_err(backend)?
                .is_some();
            Err(if exists {
                StoreError::Conflict
            } else {
                StoreError::NotFound
            })
        })
        .await
    }
}
