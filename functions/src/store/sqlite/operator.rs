//! The operator's needs and deadlines in SQLite (see [`crate::domain::orders::operator`]):
//! a need marked as handled under the condition that it is not yet (its document has no
//! `handled`), the needs one page at a time through the index `needs_by_created`, and the
//! undecided orders by deadline through the index `orders_undecided`.

use async_trait::async_trait;
use rusqlite::{OptionalExtension, params};

use super::{
    SqliteStore, backend, change_org_status, from_json, insert_audit, insert_mail, to_json,
};
use crate::domain::model::{AuditEntry, OrgStatus, Organisation, OutgoingMail, User};
use crate::domain::orders::operator::{NO_CATEGORY, NeedFilter, NeedPage, OperatorStore};
use crate::domain::orders::{Need, Order};
use crate::domain::ports::StoreError;

/// The condition and values of the needs `filter` lets through. The period is the range of
/// the index `needs_by_created` (always bounded, so `INDEXED BY` can use it); category and
/// state are conditions on the documents in that range.
fn needs_predicate(filter: &NeedFilter) -> (String, Vec<rusqlite::types::Value>) {
    let mut predicate = "created_at >= ?1 AND created_at < ?2".to_owned();
    let mut values: Vec<rusqlite::types::Value> = vec![
        filter.from.unwrap_or(i64::MIN).into(),
        filter.until.unwrap_or(i64::MAX).into(),
    ];
    match filter.category.as_deref() {
        None => {}
        Some(NO_CATEGORY) => predicate.push_str(" AND json_extract(doc, '$.category') IS NULL"),
        Some(top) => {
            values.push(top.to_owned().into());
            let n = values.len();
            // The top category itself, or one of its sub-categories (`<top>/<sub>`).
            predicate.push_str(&format!(
                " AND (json_extract(doc, '$.category') = ?{n} OR substr(json_extract(doc, '$.category'), 1, length(?{n}) + 1) = ?{n} || '/')"
            ));
        }
    }
    match filter.handled {
        None => {}
        Some(true) => predicate.push_str(" AND json_extract(doc, '$.handled') IS NOT NULL"),
        Some(false) => predicate.push_str(" AND json_extract(doc, '$.handled') IS NULL"),
    }
    (predicate, values)
}

pub(super) fn needs_count_sql(predicate: &str) -> String {
    format!("SELECT count(*) FROM needs INDEXED BY needs_by_created WHERE {predicate}")
}

pub(super) fn needs_page_sql(predicate: &str) -> String {
    format!(
        "SELECT doc FROM needs INDEXED BY needs_by_created WHERE {predicate} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?"
    )
}

#[async_trait]
impl OperatorStore for SqliteStore {
    async fn list_needs_page(&self, filter: &NeedFilter) -> Result<NeedPage, StoreError> {
        let filter = filter.clone();
        self.run(move |conn| {
            let (predicate, mut values) = needs_predicate(&filter);
            let total: i64 = conn
                .prepare_cached(&needs_count_sql(&predicate))
                .map_err(backend)?
                .query_row(rusqlite::params_from_iter(values.iter()), |r| r.get(0))
                .map_err(backend)?;
            let limit = if filter.limit == 0 {
                -1
            } else {
                i64::try_from(filter.limit).unwrap_or(i64::MAX)
            };
            values.push(limit.into());
            values.push(i64::try_from(filter.offset).unwrap_or(i64::MAX).into());
            let docs = conn
                .prepare_cached(&needs_page_sql(&predicate))
                .map_err(backend)?
                .query_map(rusqlite::params_from_iter(values.iter()), |r| {
                    r.get::<_, String>(0)
                })
                .map_err(backend)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(backend)?;
            Ok(NeedPage {
                rows: docs
                    .iter()
                    .map(|doc| from_json(doc))
                    .collect::<Result<_, _>>()?,
                total: usize::try_from(total).unwrap_or(0),
            })
        })
        .await
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every form of the needs' filter reads through the index `needs_by_created`.
    #[tokio::test]
    async fn the_needs_page_searches_the_index() {
        let store = SqliteStore::open_in_memory().expect("open");
        let conn = store.conn.lock().await;
        let filters = [
            NeedFilter::default(),
            NeedFilter {
                category: Some("kommunikation".into()),
                handled: Some(false),
                from: Some(1),
                until: Some(2),
                ..NeedFilter::default()
            },
            NeedFilter {
                category: Some(NO_CATEGORY.into()),
                handled: Some(true),
                ..NeedFilter::default()
            },
        ];
        for filter in filters {
            let (predicate, mut values) = needs_predicate(&filter);
            for sql in [needs_count_sql(&predicate), {
                values.push(1_i64.into());
                values.push(0_i64.into());
                needs_page_sql(&predicate)
            }] {
                let used = if sql.contains("LIMIT") {
                    values.len()
                } else {
                    values.len() - 2
                };
                let plan: Vec<String> = conn
                    .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                    .expect("prepare")
                    .query_map(rusqlite::params_from_iter(values[..used].iter()), |r| {
                        r.get::<_, String>(3)
                    })
                    .expect("plan")
                    .collect::<Result<_, _>>()
                    .expect("rows");
                assert!(
                    plan.iter().any(|step| step.contains("needs_by_created")),
                    "{sql}: {plan:?}"
                );
            }
        }
    }
}
