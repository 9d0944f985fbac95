//! The operator's needs and deadlines in DynamoDB (see
//! [`crate::domain::orders::operator`]): a need is marked as handled by an update on its key
//! under `attribute_not_exists(handled_at)`; the orders near or past their deadline come from
//! GSI1's `UNDECIDED` partition with a key condition on the sort key `<deadline>#<id>`; the
//! orders the portal closed at their deadline from GSI1's `EXPIREDORDERS` partition (the
//! marker [`closed_by_portal_marker`], written in the closing's transaction).

use async_trait::async_trait;

use super::members::audit_item;
use super::{
    DynamoStore, Item, TransactError, backend, doc_of, get_s, is_condition_failure, key, mail_item,
    n, s, sortable, to_doc,
};
use crate::domain::model::{AuditEntry, OrgStatus, Organisation, OutgoingMail, User};
use crate::domain::orders::operator::{NeedFilter, NeedPage, OperatorStore};
use crate::domain::orders::ports::OrderStore;
use crate::domain::orders::{Need, Order};
use crate::domain::ports::Store;
use crate::domain::ports::StoreError;

fn need_key(id: &str) -> Item {
    key(format!("NEED#{id}"), "NEED")
}

/// The GSI1 partition of the orders the portal closed at their deadline.
const EXPIRED_ORDERS: &str = "EXPIREDORDERS";

/// The marker that lists `order` among the orders the portal closed at their deadline
/// (`EXPIRED#<id>`, GSI1 `EXPIREDORDERS` / `<closed>#<seq>#<id>`), if the portal closed it.
pub(super) fn closed_by_portal_marker(order: &Order) -> Option<Item> {
    let closed_at = order.closed_by_portal_at()?;
    let mut marker = key(format!("EXPIRED#{}", order.id), "EXPIRED");
    marker.insert("order_id".into(), s(&order.id));
    marker.insert("GSI1PK".into(), s(EXPIRED_ORDERS));
    marker.insert(
        "GSI1SK".into(),
        s(format!(
            "{}#{}#{}",
            sortable(closed_at),
            sortable(order.sequence()),
            order.id
        )),
    );
    Some(marker)
}

#[async_trait]
impl OperatorStore for DynamoStore {
    async fn list_closed_by_portal_since(&self, since: i64) -> Result<Vec<Order>, StoreError> {
        let markers = super::query_all(
            self.client
                .query()
                .table_name(&self.table)
                .index_name("GSI1")
                .key_condition_expression("GSI1PK = :pk AND GSI1SK >= :since")
                .expression_attribute_values(":pk", s(EXPIRED_ORDERS))
                .expression_attribute_values(":since", s(sortable(since.max(0))))
                .scan_index_forward(false),
        )
        .await?;
        let mut orders = Vec::with_capacity(markers.len());
        for marker in &markers {
            if let Some(order) = self.get_order(get_s(marker, "order_id")?).await? {
                orders.push(order);
            }
        }
        Ok(orders)
    }

    /// The `NEEDS` partition of GSI1 in the period (a key condition on `<created>#<id>`),
    /// read through all of its pages; category, state and the page in memory.
    async fn list_needs_page(&self, filter: &NeedFilter) -> Result<NeedPage, StoreError> {
        let low = format!("{}#", sortable(filter.from.unwrap_or(0).max(0)));
        // `~` sorts after every id character.
        let high = match filter.until {
            Some(until) => format!("{}#", sortable(until.max(0))),
            None => format!("{}~", sortable(i64::MAX)),
        };
        let needs = super::query_all(
            self.client
                .query()
                .table_name(&self.table)
                .index_name("GSI1")
                .key_condition_expression("GSI1PK = :pk AND GSI1SK BETWEEN :low AND :high")
                .expression_attribute_values(":pk", s("NEEDS"))
                .expression_attribute_values(":low", s(low))
                .expression_attribute_values(":high", s(high))
                .scan_index_forward(false),
        )
        .await?
        .iter()
        .map(doc_of::<Need>)
        .collect::<Result<Vec<_>, _>>()?;
        Ok(filter.page_of(needs))
    }

    async fn get_need(&self, id: &str) -> Result<Option<Need>, StoreError> {
        self.get(format!("NEED#{id}"), "NEED")
            .await?
            .map(|item| doc_of(&item))
            .transpose()
    }

    async fn mark_need_handled(&self, need: &Need) -> Result<(), StoreError> {
        let at = need.handled.as_ref().map_or(0, |h| h.at);
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(need_key(&need.id)))
            .update_expression("SET doc = :doc, handled_at = :at")
            .condition_expression("attribute_exists(PK) AND attribute_not_exists(handled_at)")
            .expression_attribute_values(":doc", to_doc(need)?)
            .expression_attribute_values(":at", n(at))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) if is_condition_failure(&e) => match self.get_need(&need.id).await? {
                Some(_) => Err(StoreError::Conflict),
                None => Err(StoreError::NotFound),
            },
            Err(e) => Err(backend(e)),
        }
    }

    async fn list_undecided_due_before(&self, until: i64) -> Result<Vec<Order>, StoreError> {
        let markers = super::query_all(
            self.client
                .query()
                .table_name(&self.table)
                .index_name("GSI1")
                .key_condition_expression("GSI1PK = :pk AND GSI1SK < :until")
                .expression_attribute_values(":pk", s("UNDECIDED"))
                // `<deadline>#<id>` < `<until>` exactly when deadline < until (fixed width).
                .expression_attribute_values(":until", s(sortable(until)))
                .scan_index_forward(true),
        )
        .await?;
        let mut orders = Vec::with_capacity(markers.len());
        for marker in &markers {
            // The index is eventually consistent: a marker may outlive its decision briefly.
            if let Some(order) = self.get_order(get_s(marker, "order_id")?).await?
                && !order.status.is_final()
            {
                orders.push(order);
            }
        }
        Ok(orders)
    }

    async fn reset_second_factor(
        &self,
        before: &User,
        after: &User,
        mail: &OutgoingMail,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        if after.id != before.id || after.org_id != before.org_id || after.email != before.email {
            return Err(StoreError::Conflict);
        }
        let pk = format!("USER#{}", before.id);
        let doc = self.stored_doc(pk.clone(), "USER", before).await?;
        let items = vec![
            self.replace_doc(pk, "USER", doc, after)?,
            self.put_new(mail_item(mail)?)?,
            self.put_new(audit_item(audit)?)?,
        ];
        Ok(self.transact(items).await?)
    }

    async fn change_org_status_with_audit(
        &self,
        after: &Organisation,
        from: OrgStatus,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let items = vec![
            self.change_org_status(after, from)?,
            self.put_new(audit_item(audit)?)?,
        ];
        match self.transact(items).await {
            Ok(()) => Ok(()),
            Err(TransactError::ConditionFailed(0)) => match self.get_org(&after.id).await? {
                Some(_) => Err(StoreError::Conflict),
                None => Err(StoreError::NotFound),
            },
            Err(e) => Err(e.into()),
        }
    }
}
