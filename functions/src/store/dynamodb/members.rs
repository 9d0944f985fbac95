//! The people of an organisation and the audit trail in the DynamoDB table.
//!
//! | record | PK | SK | GSI1PK / GSI1SK |
//! | --- | --- | --- | --- |
//! | audit entry | `AUDIT#<id>` | `AUDIT` | `ORGAUDIT#<org>` / `<at>#<written, ns>#<id>` |
//!
//! People are the `USER` records of the accounts (listed through `ORGUSERS#<org>`). Every
//! change of a person is one transaction conditional on the organisation's and the person's
//! stored documents being exactly those the domain read (compared as stored, so records of
//! the previous release, without the newer fields, work the same), with the audit entry
//! and the mails in the same transaction.

use aws_sdk_dynamodb::types::{ConditionCheck, Delete, TransactWriteItem, Update};

use super::{
    DynamoStore, Item, TransactError, build_error, doc_of, get_s, key, mail_item, s, sortable,
    to_doc, token_item, user_item,
};
use crate::domain::model::{AuditEntry, MemberRole, Organisation, OutgoingMail, TokenRecord, User};
use crate::domain::ports::StoreError;

pub(super) fn audit_item(audit: &AuditEntry) -> Result<Item, StoreError> {
    let mut item = key(format!("AUDIT#{}", audit.id), "AUDIT");
    item.insert("doc".into(), to_doc(audit)?);
    item.insert("GSI1PK".into(), s(format!("ORGAUDIT#{}", audit.org_id)));
    // Entries of the same second are ordered by when they were written.
    let written = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    item.insert(
        "GSI1SK".into(),
        s(format!("{}#{written:024}#{}", sortable(audit.at), audit.id)),
    );
    Ok(item)
}

impl DynamoStore {
    /// The stored document of a record if it deserialises to `expected`; `Conflict` if it
    /// differs, `NotFound` if there is none.
    async fn stored_doc<T>(&self, pk: String, sk: &str, expected: &T) -> Result<String, StoreError>
    where
        T: serde::de::DeserializeOwned + PartialEq,
    {
        let item = self.get(pk, sk).await?.ok_or(StoreError::NotFound)?;
        let current: T = doc_of(&item)?;
        if current != *expected {
            return Err(StoreError::Conflict);
        }
        Ok(get_s(&item, "doc")?.to_owned())
    }

    /// A condition that the record's document is still `doc`.
    fn doc_unchanged(
        &self,
        pk: String,
        sk: &str,
        doc: String,
    ) -> Result<TransactWriteItem, StoreError> {
        let check = ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(key(pk, sk)))
            .condition_expression("doc = :doc")
            .expression_attribute_values(":doc", s(doc))
            .build()
            .map_err(build_error)?;
        Ok(TransactWriteItem::builder().condition_check(check).build())
    }

    /// Replaces a record's document if it is still `before_doc`.
    fn replace_doc<T: serde::Serialize>(
        &self,
        pk: String,
        sk: &str,
        before_doc: String,
        after: &T,
    ) -> Result<TransactWriteItem, StoreError> {
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(pk, sk)))
            .update_expression("SET doc = :new")
            .condition_expression("doc = :old")
            .expression_attribute_values(":new", to_doc(after)?)
            .expression_attribute_values(":old", s(before_doc))
            .build()
            .map_err(build_error)?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    /// The organisation and the person as read, the person in it.
    async fn member_as_read(
        &self,
        org: &Organisation,
        before: &User,
        may_be_hauptadmin: bool,
    ) -> Result<(String, String), StoreError> {
        if before.org_id != org.id || (!may_be_hauptadmin && org.admin_user_id == before.id) {
            return Err(StoreError::Conflict);
        }
        let org_doc = self
            .stored_doc(format!("ORG#{}", org.id), "ORG", org)
            .await?;
        let user_doc = self
            .stored_doc(format!("USER#{}", before.id), "USER", before)
            .await?;
        Ok((org_doc, user_doc))
    }

    pub(super) async fn list_org_users_impl(&self, org_id: &str) -> Result<Vec<User>, StoreError> {
        let items = self.query_gsi1(format!("ORGUSERS#{org_id}"), None).await?;
        // The index is eventually consistent: read each record itself.
        let mut users = Vec::with_capacity(items.len());
        for item in items {
            let id = get_s(&item, "PK")?.trim_start_matches("USER#").to_owned();
            if let Some(user) = self
                .get(format!("USER#{id}"), "USER")
                .await?
                .map(|item| doc_of::<User>(&item))
                .transpose()?
            {
                users.push(user);
            }
        }
        Ok(users)
    }

    pub(super) async fn add_member_impl(
        &self,
        user: &User,
        invite: &TokenRecord,
        mail: &OutgoingMail,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let mut marker = key(format!("EMAIL#{}", user.email), "EMAIL");
        marker.insert("user_id".into(), s(&user.id));
        let org_exists = ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(key(format!("ORG#{}", user.org_id), "ORG")))
            .condition_expression("attribute_exists(PK)")
            .build()
            .map_err(build_error)?;
        let items = vec![
            self.put_new(marker)?,
            TransactWriteItem::builder()
                .condition_check(org_exists)
                .build(),
            self.put_new(user_item(user)?)?,
            self.put_new(token_item(invite))?,
            self.password_link_pointer(invite, None)?,
            self.put_new(mail_item(mail)?)?,
            self.put_new(audit_item(audit)?)?,
        ];
        match self.transact(items).await {
            Ok(()) => Ok(()),
            Err(TransactError::ConditionFailed(0)) => Err(StoreError::EmailTaken),
            Err(TransactError::ConditionFailed(1)) => Err(StoreError::NotFound),
            Err(e) => Err(e.into()),
        }
    }

    pub(super) async fn update_member_impl(
        &self,
        org: &Organisation,
        before: &User,
        after: &User,
        mails: &[OutgoingMail],
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        if after.id != before.id || after.org_id != before.org_id || after.email != before.email {
            return Err(StoreError::Conflict);
        }
        let (org_doc, user_doc) = self.member_as_read(org, before, false).await?;
        let mut items = vec![
            self.doc_unchanged(format!("ORG#{}", org.id), "ORG", org_doc)?,
            self.replace_doc(format!("USER#{}", before.id), "USER", user_doc, after)?,
            self.put_new(audit_item(audit)?)?,
        ];
        for mail in mails {
            items.push(self.put_new(mail_item(mail)?)?);
        }
        Ok(self.transact(items).await?)
    }

    pub(super) async fn delete_member_impl(
        &self,
        org: &Organisation,
        before: &User,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let (org_doc, user_doc) = self.member_as_read(org, before, false).await?;
        let delete_user = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key(format!("USER#{}", before.id), "USER")))
            .condition_expression("doc = :old")
            .expression_attribute_values(":old", s(user_doc))
            .build()
            .map_err(build_error)?;
        let delete_marker = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key(format!("EMAIL#{}", before.email), "EMAIL")))
            .condition_expression("user_id = :id")
            .expression_attribute_values(":id", s(&before.id))
            .build()
            .map_err(build_error)?;
        // Its password link (an open invitation) ends with it.
        let delete_link = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key(format!("PWLINK#{}", before.id), "PWLINK")))
            .build()
            .map_err(build_error)?;
        let items = vec![
            self.doc_unchanged(format!("ORG#{}", org.id), "ORG", org_doc)?,
            TransactWriteItem::builder().delete(delete_user).build(),
            TransactWriteItem::builder().delete(delete_marker).build(),
            TransactWriteItem::builder().delete(delete_link).build(),
            self.put_new(audit_item(audit)?)?,
        ];
        Ok(self.transact(items).await?)
    }

    pub(super) async fn change_hauptadmin_impl(
        &self,
        org: &Organisation,
        before: &User,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        if before.deactivated || before.password_hash.is_none() {
            return Err(StoreError::Conflict);
        }
        let (org_doc, user_doc) = self.member_as_read(org, before, true).await?;
        let mut changed_org = org.clone();
        changed_org.admin_user_id = before.id.clone();
        let mut promoted = before.clone();
        promoted.role = MemberRole::Admin;
        let mut items = vec![
            self.replace_doc(format!("ORG#{}", org.id), "ORG", org_doc, &changed_org)?,
            self.replace_doc(format!("USER#{}", before.id), "USER", user_doc, &promoted)?,
            self.put_new(audit_item(audit)?)?,
        ];
        // The previous Hauptadmin stays an administrator.
        if org.admin_user_id != before.id
            && let Some(item) = self
                .get(format!("USER#{}", org.admin_user_id), "USER")
                .await?
        {
            let mut previous: User = doc_of(&item)?;
            previous.role = MemberRole::Admin;
            items.push(self.replace_doc(
                format!("USER#{}", previous.id),
                "USER",
                get_s(&item, "doc")?.to_owned(),
                &previous,
            )?);
        }
        Ok(self.transact(items).await?)
    }

    pub(super) async fn reissue_invitation_impl(
        &self,
        member: &User,
        token: &TokenRecord,
        mail: &OutgoingMail,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        if member.password_hash.is_some() || member.deactivated || token.user_id != member.id {
            return Err(StoreError::Conflict);
        }
        let doc = self
            .stored_doc(format!("USER#{}", member.id), "USER", member)
            .await?;
        let extra = vec![
            self.doc_unchanged(format!("USER#{}", member.id), "USER", doc)?,
            self.put_new(audit_item(audit)?)?,
        ];
        self.issue_password_link(token, mail, extra).await
    }

    pub(super) async fn update_user_impl(
        &self,
        before: &User,
        after: &User,
    ) -> Result<(), StoreError> {
        if after.id != before.id || after.org_id != before.org_id || after.email != before.email {
            return Err(StoreError::Conflict);
        }
        let doc = self
            .stored_doc(format!("USER#{}", before.id), "USER", before)
            .await?;
        let items = vec![self.replace_doc(format!("USER#{}", before.id), "USER", doc, after)?];
        Ok(self.transact(items).await?)
    }

    pub(super) async fn update_organisation_impl(
        &self,
        before: &Organisation,
        after: &Organisation,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        if after.id != before.id
            || after.status != before.status
            || after.admin_user_id != before.admin_user_id
        {
            return Err(StoreError::Conflict);
        }
        let doc = self
            .stored_doc(format!("ORG#{}", before.id), "ORG", before)
            .await?;
        let items = vec![
            self.replace_doc(format!("ORG#{}", before.id), "ORG", doc, after)?,
            self.put_new(audit_item(audit)?)?,
        ];
        Ok(self.transact(items).await?)
    }

    pub(super) async fn list_audit_impl(
        &self,
        org_id: &str,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let items = self
            .query_index("GSI1", format!("ORGAUDIT#{org_id}"), false, None)
            .await?;
        items.iter().map(doc_of).collect()
    }
}
