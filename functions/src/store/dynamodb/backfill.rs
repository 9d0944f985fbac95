//! `csp-function admin backfill-order-markers`: the records later releases added beside each
//! order, written for the orders stored before them: the intermediary's marker of an
//! Umklappvertrag (`UVORDER#<id>`, so the intermediary's console lists it) and the month
//! entry on the order's idempotency marker (`ORDERMONTH#…`, the operator's figures).
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
            }
            match out.last_evaluated_key {
                Some(next) => start = Some(next),
                None => return Ok(done),
            }
        }
    }

    async fn add_intermediary_marker(&self, order: &Order) -> Result<bool, StoreError> {
        let Some(marker) = super::console::intermediary_marker(order) else {
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
