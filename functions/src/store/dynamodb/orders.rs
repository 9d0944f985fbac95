//! Orders and needs in the DynamoDB table.
//!
//! | record | PK | SK | GSI1PK / GSI1SK | GSI2PK / GSI2SK |
//! | --- | --- | --- | --- | --- |
//! | order | `ORDER#<id>` | `ORDER` | `ORGORDERS#<org>` / `<created>#<seq>#<id>` | `PROVIDERORDERS#<provider>` / `<created>#<seq>#<id>` |
//! | idempotency marker | `ORDERKEY#<org>#<sha256 of key>` | `ORDERKEY` | | `ORDERMONTH#<yyyy-mm>` / `<created>#<id>` (see [`super::figures`]) |
//! | undecided marker | `UNDECIDED#<id>` | `UNDECIDED` | `UNDECIDED` / `<deadline>#<id>` (deleted when decided) | |
//! | closed by the portal at the deadline (see [`super::operator`]) | `EXPIRED#<id>` | `EXPIRED` | `EXPIREDORDERS` / `<closed>#<seq>#<id>` | |
//! | used decision link, or a deadline reminder's marker | `LINK#<sha256>` | `LINK` | | |
//! | need | `NEED#<id>` | `NEED` | `NEEDS` / `<created>#<id>` | |
//! | Umklappvertrag marker (see [`super::console`]) | `UVORDER#<id>` | `UVORDER` | | `INTERMEDIARYORDERS` / `<created>#<seq>#<id>` |
//!
//! `<seq>` is the counter of the order number ([`Order::sequence`], 20 digits): orders of the
//! same second sort by number (see [`newest_sort_key`]).
//!
//! An order, its idempotency marker, its undecided marker and its mails are one transaction
//! (the marker's `attribute_not_exists` makes racing duplicates fail as a whole); a status
//! change is one transaction conditional on the expected status, with the used link's
//! marker and the mails.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{ConditionCheck, Delete, TransactWriteItem, Update};

use super::{
    DynamoStore, Item, TTL_GRACE, TransactError, build_error, doc_of, get_s, key, mail_item, n, s,
    sortable, to_doc,
};
use crate::domain::model::OutgoingMail;
use crate::domain::orders::ports::{CreatedOrder, OrderStore, UsedLink};
use crate::domain::orders::{Need, Order, OrderStatus, newest_first};
use crate::domain::ports::StoreError;
use crate::domain::tokens::sha256_hex;

fn order_key(id: &str) -> Item {
    key(format!("ORDER#{id}"), "ORDER")
}

fn idempotency_key(org_id: &str, idempotency_key: &str) -> Item {
    key(
        format!("ORDERKEY#{org_id}#{}", sha256_hex(idempotency_key)),
        "ORDERKEY",
    )
}

fn undecided_key(id: &str) -> Item {
    key(format!("UNDECIDED#{id}"), "UNDECIDED")
}

/// A used decision link, or a reminder's single-use marker.
fn used_link_item(link: &UsedLink) -> Item {
    let mut used = key(format!("LINK#{}", link.hash), "LINK");
    used.insert("expires_at".into(), n(link.expires_at));
    used.insert("ttl".into(), n(link.expires_at + TTL_GRACE));
    used
}

/// The sort key of an order in the lists read newest first: `<created>#<counter of its
/// number>#<id>`, both numbers fixed-width, so that orders of the same second come in the
/// order of their numbers. Items stored before it was introduced carry `<created>#<id>`;
/// the readers sort what they read (see [`sort_newest_first`]) and `csp-function admin
/// backfill-order-markers` rewrites them.
pub(super) fn newest_sort_key(order: &Order) -> String {
    format!(
        "{}#{}#{}",
        sortable(order.created_at),
        sortable(order.sequence()),
        order.id
    )
}

/// Orders newest first whatever form their items' sort keys have.
pub(super) fn sort_newest_first(orders: &mut [Order]) {
    orders.sort_by(|a, b| newest_first(a.newest_key(), b.newest_key()));
}

pub(super) fn order_item(order: &Order) -> Result<Item, StoreError> {
    let mut item = order_key(&order.id);
    item.insert("status".into(), s(order.status.as_str()));
    item.insert("doc".into(), to_doc(order)?);
    let sort = s(newest_sort_key(order));
    item.insert("GSI1PK".into(), s(format!("ORGORDERS#{}", order.org_id)));
    item.insert("GSI1SK".into(), sort.clone());
    item.insert(
        "GSI2PK".into(),
        s(format!("PROVIDERORDERS#{}", order.provider_id)),
    );
    item.insert("GSI2SK".into(), sort);
    Ok(item)
}

impl DynamoStore {
    fn docs<T: serde::de::DeserializeOwned>(items: &[Item]) -> Result<Vec<T>, StoreError> {
        items.iter().map(doc_of).collect()
    }
}

impl DynamoStore {
    /// The writes of a new order: its idempotency marker first (the condition that makes it
    /// exactly once), the order, its entry among undecided orders, the intermediary's marker
    /// (an Umklappvertrag) and its mails; at most 4 + the mails.
    pub(super) fn new_order_items(
        &self,
        order: &Order,
        mails: &[OutgoingMail],
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        let mut marker = idempotency_key(&order.org_id, &order.idempotency_key);
        marker.insert("order_id".into(), s(&order.id));
        // The operator's figures read all orders by month here (see `super::figures`).
        marker.insert(
            "GSI2PK".into(),
            s(super::figures::order_month(order.created_at)),
        );
        marker.insert(
            "GSI2SK".into(),
            s(format!("{}#{}", sortable(order.created_at), order.id)),
        );
        let mut items = vec![self.put_new(marker)?, self.put_new(order_item(order)?)?];
        if !order.status.is_final() {
            let mut undecided = undecided_key(&order.id);
            undecided.insert("order_id".into(), s(&order.id));
            undecided.insert("GSI1PK".into(), s("UNDECIDED"));
            undecided.insert(
                "GSI1SK".into(),
                s(format!("{}#{}", sortable(order.deadline), order.id)),
            );
            items.push(self.put_new(undecided)?);
        }
        if let Some(marker) = super::console::intermediary_marker(order) {
            items.push(self.put_new(marker)?);
        }
        for mail in mails {
            items.push(self.put_new(mail_item(mail)?)?);
        }
        Ok(items)
    }
}

#[async_trait]
impl OrderStore for DynamoStore {
    async fn create_order(
        &self,
        order: &Order,
        mails: &[OutgoingMail],
    ) -> Result<CreatedOrder, StoreError> {
        let items = self.new_order_items(order, mails)?;
        match self.transact(items).await {
            Ok(()) => Ok(CreatedOrder::New),
            Err(TransactError::ConditionFailed(0)) => {
                match self
                    .find_order_by_key(&order.org_id, &order.idempotency_key)
                    .await?
                {
                    Some(existing) => Ok(CreatedOrder::Existing(Box::new(existing))),
                    None => Err(StoreError::Conflict),
                }
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn find_order_by_key(
        &self,
        org_id: &str,
        key_text: &str,
    ) -> Result<Option<Order>, StoreError> {
        let marker_key = idempotency_key(org_id, key_text);
        let (Some(pk), Some(sk)) = (marker_key.get("PK"), marker_key.get("SK")) else {
            return Ok(None);
        };
        let (Ok(pk), Ok(sk)) = (pk.as_s(), sk.as_s()) else {
            return Ok(None);
        };
        let Some(marker) = self.get(pk.clone(), sk).await? else {
            return Ok(None);
        };
        self.get_order(get_s(&marker, "order_id")?).await
    }

    async fn get_order(&self, id: &str) -> Result<Option<Order>, StoreError> {
        self.get(format!("ORDER#{id}"), "ORDER")
            .await?
            .map(|item| doc_of(&item))
            .transpose()
    }

    async fn list_org_orders(&self, org_id: &str) -> Result<Vec<Order>, StoreError> {
        let items = self
            .query_index("GSI1", format!("ORGORDERS#{org_id}"), false, None)
            .await?;
        let mut orders = Self::docs(&items)?;
        sort_newest_first(&mut orders);
        Ok(orders)
    }

    async fn list_provider_orders(&self, provider_id: &str) -> Result<Vec<Order>, StoreError> {
        let items = self
            .query_index("GSI2", format!("PROVIDERORDERS#{provider_id}"), false, None)
            .await?;
        let mut orders = Self::docs(&items)?;
        sort_newest_first(&mut orders);
        Ok(orders)
    }

    async fn list_undecided_orders(&self) -> Result<Vec<Order>, StoreError> {
        let markers = self
            .query_index("GSI1", "UNDECIDED".to_owned(), true, None)
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

    async fn update_order_status(
        &self,
        order: &Order,
        expected: OrderStatus,
        link: Option<&UsedLink>,
        mails: &[OutgoingMail],
    ) -> Result<(), StoreError> {
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(order_key(&order.id)))
            .update_expression("SET #status = :to, doc = :doc")
            .condition_expression("#status = :from")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":to", s(order.status.as_str()))
            .expression_attribute_values(":from", s(expected.as_str()))
            .expression_attribute_values(":doc", to_doc(order)?)
            .build()
            .map_err(build_error)?;
        let mut items = vec![TransactWriteItem::builder().update(update).build()];
        if order.status.is_final() {
            let delete = Delete::builder()
                .table_name(&self.table)
                .set_key(Some(undecided_key(&order.id)))
                .build()
                .map_err(build_error)?;
            items.push(TransactWriteItem::builder().delete(delete).build());
        }
        if let Some(marker) = super::operator::closed_by_portal_marker(order) {
            items.push(self.put_new(marker)?);
        }
        if let Some(link) = link {
            items.push(self.put_new(used_link_item(link))?);
        }
        for mail in mails {
            items.push(self.put_new(mail_item(mail)?)?);
        }
        match self.transact(items).await {
            Ok(()) => Ok(()),
            Err(TransactError::ConditionFailed(0)) => match self.get_order(&order.id).await? {
                Some(_) => Err(StoreError::Conflict),
                None => Err(StoreError::NotFound),
            },
            Err(e) => Err(e.into()),
        }
    }

    async fn queue_reminder(
        &self,
        order_id: &str,
        expected: OrderStatus,
        marker: &UsedLink,
        mails: &[OutgoingMail],
    ) -> Result<(), StoreError> {
        let check = ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(order_key(order_id)))
            .condition_expression("#status = :expected")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":expected", s(expected.as_str()))
            .build()
            .map_err(build_error)?;
        let mut items = vec![TransactWriteItem::builder().condition_check(check).build()];
        items.push(self.put_new(used_link_item(marker))?);
        for mail in mails {
            items.push(self.put_new(mail_item(mail)?)?);
        }
        match self.transact(items).await {
            Ok(()) => Ok(()),
            Err(TransactError::ConditionFailed(0)) => match self.get_order(order_id).await? {
                Some(_) => Err(StoreError::Conflict),
                None => Err(StoreError::NotFound),
            },
            Err(e) => Err(e.into()),
        }
    }

    async fn is_link_used(&self, hash: &str) -> Result<bool, StoreError> {
        Ok(self.get(format!("LINK#{hash}"), "LINK").await?.is_some())
    }

    async fn create_need(&self, need: &Need, mail: &OutgoingMail) -> Result<(), StoreError> {
        let mut item = key(format!("NEED#{}", need.id), "NEED");
        item.insert("doc".into(), to_doc(need)?);
        item.insert("GSI1PK".into(), s("NEEDS"));
        item.insert(
            "GSI1SK".into(),
            s(format!("{}#{}", sortable(need.created_at), need.id)),
        );
        let items = vec![self.put_new(item)?, self.put_new(mail_item(mail)?)?];
        self.transact(items).await.map_err(StoreError::from)
    }

    async fn list_needs(&self) -> Result<Vec<Need>, StoreError> {
        let items = self
            .query_index("GSI1", "NEEDS".to_owned(), false, None)
            .await?;
        Self::docs(&items)
    }
}
