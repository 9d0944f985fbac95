//! The operator's needs and deadlines in SQLite (see [`crate::domain::orders::operator`]):
//! a need marked as handled under the condition that it is not yet (its document has no
//! `handled`), and the undecided orders by deadline through the index `orders_undecided`.

use async_trait::async_trait;
use rusqlite::{OptionalExtension, params};

use super::{
    SqliteStore, backend, change_org_status, from_json, insert_audit, insert_mail, to_json,
};
use crate::domain::model::{AuditEntry, OrgStatus, Organisation, OutgoingMail, User};
use crate::domain::orders::operator::OperatorStore;
use crate::domain::orders::{Need, Order};
use crate::domain::ports::StoreError;

#[async_trait]
impl OperatorStore for SqliteStore {
    async fn get_need(&self, id: &str) -> Result<Option<Need>, StoreError> {
        let id = id.to_owned();
        self.run(move |conn| {
            let doc: Option<String> = conn
                .query_row("SELECT doc FROM needs WHERE id = ?1", [&id], |r| r.get(0))
                .optional()
                .map_err(backend)?;
            doc.as_deref().map(from_json).transpose()
        })
        .await
    }

    async fn mark_need_handled(&self, need: &Need) -> Result<(), StoreError> {
        let need = need.clone();
        self.transaction(move |tx| {
            let changed = tx
                .execute(
                    "UPDATE needs SET doc = ?2 WHERE id = ?1 AND json_extract(doc, '$.handled') IS NULL",
                    params![need.id, to_json(&need)?],
                )
                .map_err(backend)?;
            if changed == 1 {
                return Ok(());
            }
            let exists: bool = tx
                .query_row(
                    "SELECT EXISTS(SELECT 1 FROM needs WHERE id = ?1)",
                    [&need.id],
                    |r| r.get(0),
                )
                .map_err(backend)?;
            Err(if exists {
                StoreError::Conflict
            } else {
                StoreError::NotFound
            })
        })
        .await
    }

    async fn list_undecided_due_before(&self, until: i64) -> Result<Vec<Order>, StoreError> {
        self.run(move |conn| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT doc FROM orders INDEXED BY orders_undecided
                     WHERE final = 0 AND deadline < ?1 ORDER BY deadline, id",
                )
                .map_err(backend)?;
            let docs = stmt
                .query_map([until], |row| row.get::<_, String>(0))
                .map_err(backend)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(backend)?;
            docs.iter().map(|doc| from_json(doc)).collect()
        })
        .await
    }

    async fn reset_second_factor(
        &self,
        before: &User,
        after: &User,
        mail: &OutgoingMail,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let (before, after, mail, audit) =
            (before.clone(), after.clone(), mail.clone(), audit.clone());
        self.transaction(move |tx| {
            let doc: Option<String> = tx
                .query_row("SELECT doc FROM users WHERE id = ?1", [&before.id], |r| {
                    r.get(0)
                })
                .optional()
                .map_err(backend)?;
            let current: User = from_json(&doc.ok_or(StoreError::NotFound)?)?;
            if current != before
                || after.id != before.id
                || after.org_id != before.org_id
                || after.email != before.email
            {
                return Err(StoreError::Conflict);
            }
            tx.execute(
                "UPDATE users SET doc = ?1 WHERE id = ?2",
                params![to_json(&after)?, after.id],
            )
            .map_err(backend)?;
            insert_mail(tx, &mail)?;
            insert_audit(tx, &audit)
        })
        .await
    }

    async fn change_org_status_with_audit(
        &self,
        after: &Organisation,
        from: OrgStatus,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let (after, audit) = (after.clone(), audit.clone());
        self.transaction(move |tx| {
            let id = after.id.clone();
            change_org_status(tx, &id, from, |org| *org = after)?;
            insert_audit(tx, &audit)
        })
        .await
    }
}
