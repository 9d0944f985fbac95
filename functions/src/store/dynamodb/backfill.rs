//! `csp-function admin backfill-order-markers`: the records later releases added beside each
//! order, written for the orders stored before them: the intermediary's marker of an
//! Umklappvertrag (`UVORDER#<id>`, so the intermediary's console lists it), the month
//! entry on the order's idempotency marker (`ORDERMONTH#…`, the operator's figures) and the
//! marker of an order the portal closed at its deadline (`EXPIRED#<id>`, the operator's
//! "Vom Portal geschlossen").
//!
//! It also rewrites the sort keys of the lists read newest first from `<created>#<id>` to
//! `<created>#<seq>#<id>` (on the order and on the intermediary's marker; see
//! [`super::orders::newest_sort_key`]), each update conditional on the key not being the
//! new one already.
//!
//! It reads every order once with a `Scan` (a one-off command, never a request) and writes
//! each record conditionally: a marker only if missing, a month entry only on a marker that
//! has none. Running it twice, or while orders come in, changes nothing more.

use aws_sdk_dynamodb::types::AttributeValue;

use super::{DynamoStore, Item, backend, doc_of, is_condition_failure, s, sortable};
use crate::domain::orders::Order;
use crate::domain::ports::StoreError;
use crate::domain::tokens::sha256_hex;

/// What the backfill found and wrote.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Backfill {
    pub orders: usize,
    pub intermediary_markers: usize,
    pub month_entries: usize,
    /// Orders (or their intermediary's markers) whose sort keys were rewritten.
    pub sort_keys: usize,
    /// Orders the portal closed at their deadline before the operator's list of them
    /// existed, now marked for it (`EXPIRED#<id>`).
    pub closed_markers: usize,
}

impl DynamoStore {
    /// Writes the missing markers of every stored order (see the module's text).
    pub async fn backfill_order_markers(&self) -> Result<Backfill, StoreError> {
        let mut done = Backfill::default();
        let mut start: Option<Item> = None;
        loop {
            let out = self
                .client
                .scan()
                .table_name(&self.table)
                .filter_expression("SK = :order")
                .expression_attribute_values(":order", s("ORDER"))
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(backend)?;
            for item in out.items.unwrap_or_default() {
                let order: Order = doc_of(&item)?;
                done.orders += 1;
                if self.add_intermediary_marker(&order).await? {
                    done.intermediary_markers += 1;
                }
                if self.add_month_entry(&order).await? {
                    done.month_entries += 1;
                }
                if self.rewrite_sort_keys(&order).await? {
                    done.sort_keys += 1;
                }
                if self
                    .add_marker(super::operator::closed_by_portal_marker(&order))
                    .await?
                {
                    done.closed_markers += 1;
                }
            }
            match out.last_evaluated_key {
                Some(next) => start = Some(next),
                None => return Ok(done),
            }
        }
    }

    async fn add_intermediary_marker(&self, order: &Order) -> Result<bool, StoreError> {
        self.add_marker(super::console::intermediary_marker(order))
            .await
    }

    /// Puts `marker` if there is one and no item has its key yet.
    async fn add_marker(&self, marker: Option<Item>) -> Result<bool, StoreError> {
        let Some(marker) = marker else {
            return Ok(false);
        };
        match self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(marker))
            .condition_expression("attribute_not_exists(PK)")
            .send()
            .await
        {
            Ok(_) => Ok(true),
            Err(e) if is_condition_failure(&e) => Ok(false),
            Err(e) => Err(backend(e)),
        }
    }

    /// Sets the order's and its intermediary marker's list sort keys to the current form;
    /// `true` if one of them was older.
    async fn rewrite_sort_keys(&self, order: &Order) -> Result<bool, StoreError> {
        let sort = s(super::orders::newest_sort_key(order));
        let on_order = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("PK", s(format!("ORDER#{}", order.id)))
            .key("SK", s("ORDER"))
            .update_expression("SET GSI1SK = :sort, GSI2SK = :sort")
            .condition_expression("attribute_exists(PK) AND (GSI1SK <> :sort OR GSI2SK <> :sort)")
            .expression_attribute_values(":sort", sort.clone())
            .send()
            .await;
        let mut rewritten = match on_order {
            Ok(_) => true,
            Err(e) if is_condition_failure(&e) => false,
            Err(e) => return Err(backend(e)),
        };
        if super::console::intermediary_marker(order).is_some() {
            let on_marker = self
                .client
                .update_item()
                .table_name(&self.table)
                .key("PK", s(format!("UVORDER#{}", order.id)))
                .key("SK", s("UVORDER"))
                .update_expression("SET GSI2SK = :sort")
                .condition_expression("attribute_exists(PK) AND GSI2SK <> :sort")
                .expression_attribute_values(":sort", sort)
                .send()
                .await;
            match on_marker {
                Ok(_) => rewritten = true,
                Err(e) if is_condition_failure(&e) => {}
                Err(e) => return Err(backend(e)),
            }
        }
        Ok(rewritten)
    }

    async fn add_month_entry(&self, order: &Order) -> Result<bool, StoreError> {
        let pk = format!(
            "ORDERKEY#{}#{}",
            order.org_id,
            sha256_hex(&order.idempotency_key)
        );
        match self
            .client
            .update_item()
            .table_name(&self.table)
            .key("PK", s(pk))
            .key("SK", s("ORDERKEY"))
            .update_expression("SET GSI2PK = :month, GSI2SK = :sort")
            .condition_expression("attribute_exists(PK) AND attribute_not_exists(GSI2PK)")
            .expression_attribute_values(":month", s(super::figures::order_month(order.created_at)))
            .expression_attribute_values(
                ":sort",
                AttributeValue::S(format!("{}#{}", sortable(order.created_at), order.id)),
            )
            .send()
            .await
        {
            Ok(_) => Ok(true),
            Err(e) if is_condition_failure(&e) => Ok(false),
            Err(e) => Err(backend(e)),
        }
    }
}
