//! The operator's needs and deadlines in SQLite (see [`crate::domain::orders::operator`]):
//! a need marked as handled under the condition that it is not yet (its document has no
//! `handled`), the needs one page at a time through the index `needs_by_created`, the
//! undecided orders by deadline through the index `orders_undecided`, and the orders the
//! portal closed at their deadline through `orders_closed_by_portal`.

use async_trait::async_trait;
use rusqlite::{OptionalExtension, params};

use super::{
    SqliteStore, backend, change_org_status, count_then_page, from_json, insert_audit, insert_mail,
    to_json,
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

/// The release with the operator's list of orders the portal closed at their deadline: when
/// it closed them, as a column with a partial index (only those orders are in it), filled in
/// for the orders closed before from their history (the last entry is the portal's, with
/// the expiry's reason). [`crate::domain::orders::Order::closed_by_portal_at`] says the same.
pub(super) const CLOSED_BY_PORTAL_SCHEMA: &str = "
ALTER TABLE orders ADD COLUMN closed_by_portal_at INTEGER;
UPDATE orders SET closed_by_portal_at = json_extract(doc, '$.history[#-1].at')
    WHERE final = 1
      AND json_extract(doc, '$.history[#-1].by') = 'portal'
      AND json_extract(doc, '$.history[#-1].reason') = 'Keine Entscheidung innerhalb von 30 Tagen';
CREATE INDEX orders_closed_by_portal ON orders(closed_by_portal_at, seq)
    WHERE closed_by_portal_at IS NOT NULL;
";

const CLOSED_BY_PORTAL: &str = "SELECT doc FROM orders INDEXED BY orders_closed_by_portal
     WHERE closed_by_portal_at >= ?1 ORDER BY closed_by_portal_at DESC, seq DESC";

#[async_trait]
impl OperatorStore for SqliteStore {
    async fn list_needs_page(&self, filter: &NeedFilter) -> Result<NeedPage, StoreError> {
        let filter = filter.clone();
        self.run(move |conn| {
            let (predicate, mut values) = needs_predicate(&filter);
            let total = count_then_page(
                conn,
                &needs_count_sql(&predicate),
                &mut values,
                filter.limit,
                filter.offset,
            )?;
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
            super::read_docs(
                conn,
                "SELECT doc FROM orders INDEXED BY orders_undecided
                     WHERE final = 0 AND deadline < ?1 ORDER BY deadline, id",
                [until],
            )
        })
        .await
    }

    async fn list_closed_by_portal_since(&self, since: i64) -> Result<Vec<Order>, StoreError> {
        self.run(move |conn| super::read_docs(conn, CLOSED_BY_PORTAL, [since]))
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
    use super::super::migrations::{MIGRATIONS, apply};
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

    /// A database of the release before: its orders get their number's counter and, if the
    /// portal closed them at their deadline, when it did (from the history).
    #[test]
    fn the_migrations_fill_in_the_orders_stored_before() {
        let mut conn = rusqlite::Connection::open_in_memory().expect("open");
        apply(&mut conn, &MIGRATIONS[..MIGRATIONS.len() - 2]).expect("the release before");
        let history = |by: &str, reason: &str| {
            format!(
                r#"{{"history":[{{"at":10,"by":"customer","from":null,"to":"offen","reason":null}},{{"at":99,"by":"{by}","from":"offen","to":"abgelehnt_anbieter_dv","reason":"{reason}"}}]}}"#
            )
        };
        for (id, number, doc) in [
            (
                "expired",
                "CSP-2026-000042",
                history("portal", crate::domain::orders::EXPIRY_REASON),
            ),
            ("rejected", "CSP-2026-1000001", history("provider", "Nein")),
        ] {
            conn.execute(
                "INSERT INTO orders (id, org_id, idempotency_key, provider_id, status, final, created_at, deadline, doc, number)
                 VALUES (?1, 'org', ?1, 'dataport', 'abgelehnt_anbieter_dv', 1, 10, 20, ?2, ?3)",
                params![id, doc, number],
            )
            .expect("insert");
        }
        apply(&mut conn, MIGRATIONS).expect("this release");
        let row = |id: &str| {
            conn.query_row(
                "SELECT seq, closed_by_portal_at FROM orders WHERE id = ?1",
                [id],
                |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Option<i64>>(1)?)),
            )
            .expect("row")
        };
        assert_eq!(row("expired"), (42, Some(99)));
        assert_eq!(row("rejected"), (1_000_001, None));
    }

    /// The list of orders the portal closed reads its partial index from `since` on, in the
    /// index's order (no sorting, no scan).
    #[tokio::test]
    async fn closed_by_portal_is_a_search_in_index_order() {
        let store = SqliteStore::open_in_memory().expect("open");
        let conn = store.conn.lock().await;
        let plan: Vec<String> = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {CLOSED_BY_PORTAL}"))
            .expect("prepare")
            .query_map([1_i64], |r| r.get::<_, String>(3))
            .expect("plan")
            .collect::<Result<_, _>>()
            .expect("rows");
        let plan = plan.join(" | ");
        assert!(
            plan.contains("SEARCH orders USING INDEX orders_closed_by_portal "),
            "{plan}"
        );
        assert!(!plan.contains("TEMP B-TREE"), "{plan}");
    }
}
