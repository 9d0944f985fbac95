//! Named roles in the DynamoDB table.
//!
//! | record | PK | SK | GSI1PK / GSI1SK |
//! | --- | --- | --- | --- |
//! | role | `ROLE#<id>` | `ROLE` | `ORGROLES#<org>` / `<id>` |
//! | role name | `ROLENAME#<org>#<name, lower case>` | `ROLENAME` | |
//!
//! The role record counts its holders (`holders`): every write that gives a person the
//! role adds one in the same transaction, conditional on the role existing in the person's
//! organisation, every write that takes it away subtracts one; a role is deleted only while
//! the count is zero. So a role given at the same moment as it is deleted is either given
//! (and the deletion refused) or not given at all. The name record keeps names unique per
//! organisation (created with the role, moved on a rename, deleted with it).

use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, Delete, TransactWriteItem, Update};

use super::{DynamoStore, Item, TransactError, build_error, doc_of, get_s, key, s, to_doc};
use crate::domain::model::{AuditEntry, OutgoingMail, Role, User};
use crate::domain::ports::StoreError;

fn name_key(role: &Role) -> String {
    format!("ROLENAME#{}#{}", role.org_id, role.name_key())
}

fn role_item(role: &Role) -> Result<Item, StoreError> {
    let mut item = key(format!("ROLE#{}", role.id), "ROLE");
    item.insert("doc".into(), to_doc(role)?);
    item.insert("org_id".into(), s(&role.org_id));
    item.insert("holders".into(), AttributeValue::N("0".into()));
    item.insert("GSI1PK".into(), s(format!("ORGROLES#{}", role.org_id)));
    item.insert("GSI1SK".into(), s(&role.id));
    Ok(item)
}

fn name_item(role: &Role) -> Item {
    let mut item = key(name_key(role), "ROLENAME");
    item.insert("role_id".into(), s(&role.id));
    item
}

impl DynamoStore {
    /// Adds `delta` to the holders of the role `role_id`, conditional on it existing in
    /// the organisation `org_id`.
    fn role_holders(
        &self,
        org_id: &str,
        role_id: &str,
        delta: i64,
    ) -> Result<TransactWriteItem, StoreError> {
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(format!("ROLE#{role_id}"), "ROLE")))
            .update_expression("ADD holders :delta")
            .condition_expression("attribute_exists(PK) AND org_id = :org")
            .expression_attribute_values(":delta", AttributeValue::N(delta.to_string()))
            .expression_attribute_values(":org", s(org_id))
            .build()
            .map_err(build_error)?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    /// The holder counts a change of a person from `before` to `after` needs (`before`
    /// `None` for a new person, `after` `None` for a deleted one).
    pub(super) fn role_changes(
        &self,
        before: Option<&User>,
        after: Option<&User>,
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        let old = before.and_then(|u| u.role_id.as_deref().map(|r| (u.org_id.as_str(), r)));
        let new = after.and_then(|u| u.role_id.as_deref().map(|r| (u.org_id.as_str(), r)));
        let mut items = Vec::new();
        if old == new {
            return Ok(items);
        }
        if let Some((org, role)) = old {
            items.push(self.role_holders(org, role, -1)?);
        }
        if let Some((org, role)) = new {
            items.push(self.role_holders(org, role, 1)?);
        }
        Ok(items)
    }

    pub(super) async fn list_roles_impl(&self, org_id: &str) -> Result<Vec<Role>, StoreError> {
        let items = self.query_gsi1(format!("ORGROLES#{org_id}"), None).await?;
        // The index is eventually consistent: read each record itself.
        let mut roles = Vec::with_capacity(items.len());
        for item in items {
            let id = get_s(&item, "PK")?.trim_start_matches("ROLE#").to_owned();
            if let Some(role) = self.get_role_impl(&id).await? {
                roles.push(role);
            }
        }
        Ok(roles)
    }

    pub(super) async fn get_role_impl(&self, role_id: &str) -> Result<Option<Role>, StoreError> {
        self.get(format!("ROLE#{role_id}"), "ROLE")
            .await?
            .map(|item| doc_of::<Role>(&item))
            .transpose()
    }

    pub(super) async fn create_role_impl(
        &self,
        role: &Role,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let org_exists = ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(key(format!("ORG#{}", role.org_id), "ORG")))
            .condition_expression("attribute_exists(PK)")
            .build()
            .map_err(build_error)?;
        let items = vec![
            self.put_new(name_item(role))?,
            TransactWriteItem::builder()
                .condition_check(org_exists)
                .build(),
            self.put_new(role_item(role)?)?,
            self.put_new(super::members::audit_item(audit)?)?,
        ];
        match self.transact(items).await {
            Ok(()) => Ok(()),
            Err(TransactError::ConditionFailed(0)) => Err(StoreError::NameTaken),
            Err(TransactError::ConditionFailed(1)) => Err(StoreError::NotFound),
            Err(e) => Err(e.into()),
        }
    }

    pub(super) async fn update_role_impl(
        &self,
        before: &Role,
        after: &Role,
        mails: &[OutgoingMail],
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        if after.id != before.id || after.org_id != before.org_id {
            return Err(StoreError::Conflict);
        }
        let doc = self
            .stored_doc(format!("ROLE#{}", before.id), "ROLE", before)
            .await?;
        let mut items = Vec::new();
        let renamed = before.name_key() != after.name_key();
        if renamed {
            items.push(self.put_new(name_item(after))?);
            let old_name = Delete::builder()
                .table_name(&self.table)
                .set_key(Some(key(name_key(before), "ROLENAME")))
                .condition_expression("role_id = :id")
                .expression_attribute_values(":id", s(&before.id))
                .build()
                .map_err(build_error)?;
            items.push(TransactWriteItem::builder().delete(old_name).build());
        }
        items.push(self.replace_doc(format!("ROLE#{}", before.id), "ROLE", doc, after)?);
        items.push(self.put_new(super::members::audit_item(audit)?)?);
        for mail in mails {
            items.push(self.put_new(super::mail_item(mail)?)?);
        }
        match self.transact(items).await {
            Ok(()) => Ok(()),
            Err(TransactError::ConditionFailed(0)) if renamed => Err(StoreError::NameTaken),
            Err(e) => Err(e.into()),
        }
    }

    pub(super) async fn delete_role_impl(
        &self,
        role: &Role,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let doc = self
            .stored_doc(format!("ROLE#{}", role.id), "ROLE", role)
            .await?;
        let delete_role = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key(format!("ROLE#{}", role.id), "ROLE")))
            .condition_expression(
                "doc = :old AND (attribute_not_exists(holders) OR holders = :zero)",
            )
            .expression_attribute_values(":old", s(doc))
            .expression_attribute_values(":zero", AttributeValue::N("0".into()))
            .build()
            .map_err(build_error)?;
        let delete_name = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key(name_key(role), "ROLENAME")))
            .condition_expression("role_id = :id")
            .expression_attribute_values(":id", s(&role.id))
            .build()
            .map_err(build_error)?;
        let items = vec![
            TransactWriteItem::builder().delete(delete_role).build(),
            TransactWriteItem::builder().delete(delete_name).build(),
            self.put_new(super::members::audit_item(audit)?)?,
        ];
        Ok(self.transact(items).await?)
    }
}
