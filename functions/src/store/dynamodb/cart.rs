//! The Warenkörbe in the DynamoDB table.
//!
//! | record | PK | SK |
//! | --- | --- | --- |
//! | cart line | `CART#<user>` | `LINE#<id>` |
//! | number of lines | `CART#<user>` | `COUNT` (attribute `lines`) |
//!
//! A line is only ever read and written under its person's key, so a line id of another
//! person finds nothing. A change is conditional on the line's document as read; adding is
//! conditional on the id being new and on the count being below the cap, and raises the
//! count in the same transaction; removing (one line, or the lines of a checkout) is
//! conditional on the line existing and lowers the count with it.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{Delete, TransactWriteItem, Update};

use super::{DynamoStore, Item, build_error, get_s, key, n, s, to_doc};
use crate::domain::model::OutgoingMail;
use crate::domain::orders::Order;
use crate::domain::orders::cart::{CartLine, CartStore};
use crate::domain::ports::StoreError;

fn partition(user_id: &str) -> String {
    format!("CART#{user_id}")
}

fn sort_key(id: &str) -> String {
    format!("LINE#{id}")
}

/// The sort key of the person's line count.
const COUNT: &str = "COUNT";

impl DynamoStore {
    /// Changes the person's line count by `by`; with `below`, only if the count is below it
    /// (a missing count is 0: carts from before the count start at 0).
    fn count_change(
        &self,
        user_id: &str,
        by: i64,
        below: Option<usize>,
    ) -> Result<TransactWriteItem, StoreError> {
        let mut update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(partition(user_id), COUNT)))
            .update_expression("SET #lines = if_not_exists(#lines, :zero) + :by")
            .expression_attribute_names("#lines", "lines")
            .expression_attribute_values(":zero", n(0))
            .expression_attribute_values(":by", n(by));
        if let Some(max) = below {
            update = update
                .condition_expression("attribute_not_exists(#lines) OR #lines < :max")
                .expression_attribute_values(":max", n(i64::try_from(max).unwrap_or(i64::MAX)));
        }
        let update = update.build().map_err(build_error)?;
        Ok(TransactWriteItem::builder().update(update).build())
    }
}

fn line_item(line: &CartLine) -> Result<Item, StoreError> {
    let mut item = key(partition(&line.user_id), &sort_key(&line.id));
    item.insert("added_at".into(), n(line.added_at));
    item.insert("doc".into(), to_doc(line)?);
    Ok(item)
}

#[async_trait]
impl CartStore for DynamoStore {
    async fn list_cart(&self, user_id: &str) -> Result<Vec<CartLine>, StoreError> {
        let items = super::query_all(
            self.client
                .query()
                .table_name(&self.table)
                .consistent_read(true)
                .key_condition_expression("PK = :pk AND begins_with(SK, :line)")
                .expression_attribute_values(":pk", s(partition(user_id)))
                .expression_attribute_values(":line", s("LINE#")),
        )
        .await?;
        let mut lines = items
            .iter()
            .map(super::doc_of::<CartLine>)
            .collect::<Result<Vec<_>, _>>()?;
        CartLine::sort(&mut lines);
        Ok(lines)
    }

    async fn get_cart_line(
        &self,
        user_id: &str,
        line_id: &str,
    ) -> Result<Option<CartLine>, StoreError> {
        self.get(partition(user_id), &sort_key(line_id))
            .await?
            .map(|item| super::doc_of(&item))
            .transpose()
    }

    async fn add_cart_line(&self, line: &CartLine, max_lines: usize) -> Result<(), StoreError> {
        let items = vec![
            self.put_new(line_item(line)?)?,
            self.count_change(&line.user_id, 1, Some(max_lines))?,
        ];
        Ok(self.transact(items).await?)
    }

    async fn replace_cart_line(
        &self,
        before: &CartLine,
        after: &CartLine,
    ) -> Result<(), StoreError> {
        if before.id != after.id || before.user_id != after.user_id {
            return Err(StoreError::Conflict);
        }
        let item = self
            .get(partition(&before.user_id), &sort_key(&before.id))
            .await?
            .ok_or(StoreError::NotFound)?;
        if super::doc_of::<CartLine>(&item)? != *before {
            return Err(StoreError::Conflict);
        }
        let doc = get_s(&item, "doc")?.to_owned();
        let replace = self.replace_doc(
            partition(&before.user_id),
            &sort_key(&before.id),
            doc,
            after,
        )?;
        Ok(self.transact(vec![replace]).await?)
    }

    async fn remove_cart_line(&self, user_id: &str, line_id: &str) -> Result<(), StoreError> {
        let delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key(partition(user_id), &sort_key(line_id))))
            .condition_expression("attribute_exists(PK)")
            .build()
            .map_err(build_error)?;
        let items = vec![
            TransactWriteItem::builder().delete(delete).build(),
            self.count_change(user_id, -1, None)?,
        ];
        self.transact(items)
            .await
            .map_err(|e| match StoreError::from(e) {
                // The only condition: the person has this line.
                StoreError::Conflict => StoreError::NotFound,
                other => other,
            })
    }

    async fn check_out_cart(
        &self,
        lines: &[CartLine],
        orders: &[(Order, Vec<OutgoingMail>)],
    ) -> Result<(), StoreError> {
        let mut items = Vec::new();
        for line in lines {
            // Removed only as read: the stored document must still be the line's.
            let item = self
                .get(partition(&line.user_id), &sort_key(&line.id))
                .await?
                .ok_or(StoreError::Conflict)?;
            if super::doc_of::<CartLine>(&item)? != *line {
                return Err(StoreError::Conflict);
            }
            let delete = Delete::builder()
                .table_name(&self.table)
                .set_key(Some(key(partition(&line.user_id), &sort_key(&line.id))))
                .condition_expression("doc = :doc")
                .expression_attribute_values(":doc", s(get_s(&item, "doc")?))
                .build()
                .map_err(build_error)?;
            items.push(TransactWriteItem::builder().delete(delete).build());
        }
        if let Some(first) = lines.first() {
            let removed = i64::try_from(lines.len()).unwrap_or(i64::MAX);
            items.push(self.count_change(&first.user_id, -removed, None)?);
        }
        for (order, mails) in orders {
            items.extend(self.new_order_items(order, mails)?);
        }
        if items.len() > MAX_TRANSACTION_ITEMS {
            return Err(StoreError::Backend(format!(
                "a checkout of {} items exceeds DynamoDB's {MAX_TRANSACTION_ITEMS}",
                items.len()
            )));
        }
        Ok(self.transact(items).await?)
    }
}

/// DynamoDB's limit of items in one `TransactWriteItems`.
const MAX_TRANSACTION_ITEMS: usize = 100;
