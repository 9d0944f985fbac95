//! `csp-function admin backfill-markers` (formerly `backfill-order-markers`, still accepted):
//! the records and index entries later releases added, written for what was stored before
//! them:
//! - beside each order, the intermediary's marker of an Umklappvertrag (`UVORDER#<id>`, so
//!   the intermediary's console lists it), the month entry on the order's idempotency
//!   marker (`ORDERMONTH#…`, the operator's figures) and the marker of an order the portal
//!   closed at its deadline (`EXPIRED#<id>`, the operator's "Vom Portal geschlossen");
//! - the sort keys of the lists read newest first, rewritten from `<created>#<id>` to
//!   `<created>#<seq>#<id>` (on the order and on the intermediary's marker; see
//!   [`super::orders::newest_sort_key`]), each update conditional on the key not being the
//!   new one already;
//! - on each party marker (`PARTYORG#<party>`, one per provider's or the intermediary's
//!   organisation), the GSI1 entry `PARTYORGS` / `<party>` the operator's
//!   "Anbieterorganisationen" reads: markers written before that page have none, so their
//!   organisations are missing from it.
//!
//! It reads the table once with a `Scan` (a one-off command, never a request) and writes
//! each record conditionally: a marker only if missing, a month entry only on a marker that
//! has none, a party marker's GSI1 entry only if the marker still exists for the same
//! organisation and has none. Running it twice, or while orders come in, changes nothing more.

use aws_sdk_dynamodb::types::AttributeValue;

use super::{DynamoStore, Item, backend, doc_of, get_s, is_condition_failure, s, sortable};
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
    /// Party markers read, and those given their GSI1 entry.
    pub parties: usize,
    pub party_entries: usize,
}

impl Backfill {
    /// Whether this run wrote anything.
    pub fn wrote_anything(&self) -> bool {
        self.intermediary_markers
            + self.month_entries
            + self.sort_keys
            + self.closed_markers
            + self.party_entries
            > 0
    }
}

impl DynamoStore {
    /// Writes the missing markers of every stored order and the missing GSI1 entries of the
    /// party markers (see the module's text).
    pub async fn backfill_order_markers(&self) -> Result<Backfill, StoreError> {
        let mut done = Backfill::default();
        let mut start: Option<Item> = None;
        loop {
            let out = self
                .client
                .scan()
                .table_name(&self.table)
                .filter_expression("SK = :order OR SK = :party")
                .expression_attribute_values(":order", s("ORDER"))
                .expression_attribute_values(":party", s("PARTYORG"))
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(backend)?;
            for item in out.items.unwrap_or_default() {
                if get_s(&item, "SK")? == "PARTYORG" {
                    done.parties += 1;
                    if self.add_party_entry(&item).await? {
                        done.party_entries += 1;
                    }
                    continue;
                }
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

    /// Gives a party marker of the release before its GSI1 entry (`PARTYORGS` / party), if
    /// it has none and still names the same organisation.
    async fn add_party_entry(&self, marker: &Item) -> Result<bool, StoreError> {
        if marker.contains_key("GSI1PK") {
            return Ok(false);
        }
        let pk = get_s(marker, "PK")?;
        let Some(party) = pk.strip_prefix("PARTYORG#") else {
            return Ok(false);
        };
        let org_id = get_s(marker, "org_id")?;
        match self
            .client
            .update_item()
            .table_name(&self.table)
            .key("PK", s(pk))
            .key("SK", s("PARTYORG"))
            .update_expression("SET GSI1PK = :list, GSI1SK = :party")
            .condition_expression(
                "attribute_exists(PK) AND org_id = :org AND attribute_not_exists(GSI1PK)",
            )
            .expression_attribute_values(":list", s(super::console::PARTY_ORGS))
            .expression_attribute_values(":party", s(party))
            .expression_attribute_values(":org", s(org_id))
            .send()
            .await
        {
            Ok(_) => Ok(true),
            Err(e) if is_condition_failure(&e) => Ok(false),
            Err(e) => Err(backend(e)),
        }
    }
}
