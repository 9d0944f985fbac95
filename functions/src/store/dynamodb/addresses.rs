//! The addresses of an organisation in the DynamoDB table.
//!
//! | record | PK | SK |
//! | --- | --- | --- |
//! | address | `ORGADDR#<org>` | `ADDR#<id>` |
//! | which one is the Standardadresse | `ORGADDR#<org>` | `DEFAULT` (`address_id`) |
//!
//! An address is only ever read under its organisation's key, so an id of another
//! organisation finds nothing. The default is one pointer item per organisation: the first
//! address is written with it (`attribute_not_exists`), every later one only while it
//! exists; deleting is conditional on the pointer naming another address; making another
//! the default is one transaction that moves the pointer from the address read (and checks
//! both addresses are unchanged).

use aws_sdk_dynamodb::types::{ConditionCheck, Delete, TransactWriteItem};

use super::members::audit_item;
use super::{DynamoStore, Item, build_error, get_s, key, s, to_doc};
use crate::domain::model::{Address, AuditEntry};
use crate::domain::ports::StoreError;

fn partition(org_id: &str) -> String {
    format!("ORGADDR#{org_id}")
}

fn sort_key(id: &str) -> String {
    format!("ADDR#{id}")
}

const DEFAULT: &str = "DEFAULT";

fn address_item(address: &Address) -> Result<Item, StoreError> {
    let mut item = key(partition(&address.org_id), &sort_key(&address.id));
    item.insert("doc".into(), to_doc(address)?);
    Ok(item)
}

fn address_of(item: &Item, default_id: Option<&str>) -> Result<Address, StoreError> {
    let mut address: Address = super::doc_of(item)?;
    address.is_default = default_id == Some(address.id.as_str());
    Ok(address)
}

impl DynamoStore {
    async fn default_address_id(&self, org_id: &str) -> Result<Option<String>, StoreError> {
        self.get(partition(org_id), DEFAULT)
            .await?
            .map(|item| get_s(&item, "address_id").map(str::to_owned))
            .transpose()
    }

    /// A condition on the default pointer: it names `id` (`is`), or another address.
    fn default_is(
        &self,
        org_id: &str,
        id: &str,
        is: bool,
    ) -> Result<TransactWriteItem, StoreError> {
        let check = ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(key(partition(org_id), DEFAULT)))
            .condition_expression(if is {
                "address_id = :id"
            } else {
                "attribute_exists(PK) AND address_id <> :id"
            })
            .expression_attribute_values(":id", s(id))
            .build()
            .map_err(build_error)?;
        Ok(TransactWriteItem::builder().condition_check(check).build())
    }

    /// The stored document of `before` if the address is stored exactly so; `NotFound` if
    /// it is gone, `Conflict` if it differs (the default is checked by the caller's
    /// condition on the pointer).
    async fn address_doc(&self, before: &Address) -> Result<String, StoreError> {
        let item = self
            .get(partition(&before.org_id), &sort_key(&before.id))
            .await?
            .ok_or(StoreError::NotFound)?;
        let mut current: Address = super::doc_of(&item)?;
        current.is_default = before.is_default;
        if current != *before {
            return Err(StoreError::Conflict);
        }
        Ok(get_s(&item, "doc")?.to_owned())
    }

    pub(super) async fn list_addresses_impl(
        &self,
        org_id: &str,
    ) -> Result<Vec<Address>, StoreError> {
        let items = super::query_all(
            self.client
                .query()
                .table_name(&self.table)
                .consistent_read(true)
                .key_condition_expression("PK = :pk")
                .expression_attribute_values(":pk", s(partition(org_id))),
        )
        .await?;
        let default_id = items
            .iter()
            .find(|item| get_s(item, "SK").is_ok_and(|sk| sk == DEFAULT))
            .map(|item| get_s(item, "address_id").map(str::to_owned))
            .transpose()?;
        items
            .iter()
            .filter(|item| get_s(item, "SK").is_ok_and(|sk| sk.starts_with("ADDR#")))
            .map(|item| address_of(item, default_id.as_deref()))
            .collect()
    }

    pub(super) async fn get_address_impl(
        &self,
        org_id: &str,
        id: &str,
    ) -> Result<Option<Address>, StoreError> {
        let Some(item) = self.get(partition(org_id), &sort_key(id)).await? else {
            return Ok(None);
        };
        let default_id = self.default_address_id(org_id).await?;
        address_of(&item, default_id.as_deref()).map(Some)
    }

    pub(super) async fn add_address_impl(
        &self,
        address: &Address,
        audit: Option<&AuditEntry>,
    ) -> Result<(), StoreError> {
        let pointer_item = if address.is_default {
            let mut pointer = key(partition(&address.org_id), DEFAULT);
            pointer.insert("address_id".into(), s(&address.id));
            self.put_new(pointer)?
        } else {
            let exists = ConditionCheck::builder()
                .table_name(&self.table)
                .set_key(Some(key(partition(&address.org_id), DEFAULT)))
                .condition_expression("attribute_exists(PK)")
                .build()
                .map_err(build_error)?;
            TransactWriteItem::builder().condition_check(exists).build()
        };
        let mut items = vec![pointer_item, self.put_new(address_item(address)?)?];
        if let Some(audit) = audit {
            items.push(self.put_new(audit_item(audit)?)?);
        }
        Ok(self.transact(items).await?)
    }

    pub(super) async fn update_address_impl(
        &self,
        before: &Address,
        after: &Address,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        if after.id != before.id
            || after.org_id != before.org_id
            || after.is_default != before.is_default
        {
            return Err(StoreError::Conflict);
        }
        let doc = self.address_doc(before).await?;
        let items = vec![
            self.default_is(&before.org_id, &before.id, before.is_default)?,
            self.replace_doc(partition(&before.org_id), &sort_key(&before.id), doc, after)?,
            self.put_new(audit_item(audit)?)?,
        ];
        Ok(self.transact(items).await?)
    }

    pub(super) async fn delete_address_impl(
        &self,
        before: &Address,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        if before.is_default {
            return Err(StoreError::Conflict);
        }
        let doc = self.address_doc(before).await?;
        let delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key(partition(&before.org_id), &sort_key(&before.id))))
            .condition_expression("doc = :old")
            .expression_attribute_values(":old", s(doc))
            .build()
            .map_err(build_error)?;
        let items = vec![
            self.default_is(&before.org_id, &before.id, false)?,
            TransactWriteItem::builder().delete(delete).build(),
            self.put_new(audit_item(audit)?)?,
        ];
        Ok(self.transact(items).await?)
    }

    pub(super) async fn set_default_address_impl(
        &self,
        from: &Address,
        to: &Address,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        if from.org_id != to.org_id || from.id == to.id || !from.is_default || to.is_default {
            return Err(StoreError::Conflict);
        }
        let from_doc = self.address_doc(from).await?;
        let to_doc_read = self.address_doc(to).await?;
        let items = vec![
            self.move_default(&to.org_id, &from.id, &to.id)?,
            self.doc_unchanged(partition(&from.org_id), &sort_key(&from.id), from_doc)?,
            self.doc_unchanged(partition(&to.org_id), &sort_key(&to.id), to_doc_read)?,
            self.put_new(audit_item(audit)?)?,
        ];
        Ok(self.transact(items).await?)
    }

    /// The update that moves the default pointer from `from` to `to`.
    fn move_default(
        &self,
        org_id: &str,
        from: &str,
        to: &str,
    ) -> Result<TransactWriteItem, StoreError> {
        let update = aws_sdk_dynamodb::types::Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(partition(org_id), DEFAULT)))
            .update_expression("SET address_id = :to")
            .condition_expression("address_id = :from")
            .expression_attribute_values(":to", s(to))
            .expression_attribute_values(":from", s(from))
            .build()
            .map_err(build_error)?;
        Ok(TransactWriteItem::builder().update(update).build())
    }
}
