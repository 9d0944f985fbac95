//! The newsletter's subscribers in the DynamoDB table.
//!
//! | record | PK | SK | GSI1PK / GSI1SK |
//! | --- | --- | --- | --- |
//! | subscriber | `NEWSLETTER#<id>` | `NEWSLETTER` | `NLCONFIRMED` / `<confirmed>#<id>`, or `NLPENDING` / `<link expiry>#<id>` |
//! | address claim | `NLEMAIL#<address>` | `NLEMAIL` | (unique address, written with the subscriber) |
//!
//! A subscriber and its address claim are created and deleted together in one transaction;
//! every change is conditional on the stored document being the one the domain read, so of
//! two confirmations of one link only one succeeds.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{Delete, TransactWriteItem, Update};

use super::{
    DynamoStore, Item, TransactError, build_error, doc_of, get_s, key, mail_item, s, sortable,
    to_doc,
};
use crate::domain::model::OutgoingMail;
use crate::domain::newsletter::Subscriber;
use crate::domain::newsletter::ports::NewsletterStore;
use crate::domain::ports::StoreError;

const CONFIRMED: &str = "NLCONFIRMED";
const PENDING: &str = "NLPENDING";

fn subscriber_pk(id: &str) -> String {
    format!("NEWSLETTER#{id}")
}

fn claim_pk(email: &str) -> String {
    format!("NLEMAIL#{email}")
}

/// The index entry of a subscriber: its state's partition, ordered by time.
fn index_entry(subscriber: &Subscriber) -> (String, String) {
    match subscriber.confirmed_at {
        Some(at) => (
            CONFIRMED.to_owned(),
            format!("{}#{}", sortable(at), subscriber.id),
        ),
        None => (
            PENDING.to_owned(),
            format!(
                "{}#{}",
                sortable(subscriber.confirm_expires_at),
                subscriber.id
            ),
        ),
    }
}

fn subscriber_item(subscriber: &Subscriber) -> Result<Item, StoreError> {
    let mut item = key(subscriber_pk(&subscriber.id), "NEWSLETTER");
    item.insert("doc".into(), to_doc(subscriber)?);
    let (pk, sk) = index_entry(subscriber);
    item.insert("GSI1PK".into(), s(pk));
    item.insert("GSI1SK".into(), s(sk));
    Ok(item)
}

impl DynamoStore {
    /// `Conflict` if the subscriber exists (changed since read), `NotFound` if not.
    async fn changed_or_gone(&self, id: &str) -> StoreError {
        match self.get(subscriber_pk(id), "NEWSLETTER").await {
            Ok(Some(_)) => StoreError::Conflict,
            Ok(None) => StoreError::NotFound,
            Err(e) => e,
        }
    }

    async fn list_subscribers(&self, partition: &str) -> Result<Vec<Subscriber>, StoreError> {
        let items = self.query_gsi1(partition.to_owned(), None).await?;
        // The index is eventually consistent: each record is read itself, so an address
        // that just unsubscribed is not exported or mailed.
        let mut subscribers = Vec::with_capacity(items.len());
        for item in items {
            let id = get_s(&item, "PK")?.trim_start_matches("NEWSLETTER#");
            if let Some(subscriber) = self.get_subscriber(id).await?
                && index_entry(&subscriber).0 == partition
            {
                subscribers.push(subscriber);
            }
        }
        Ok(subscribers)
    }
}

#[async_trait]
impl NewsletterStore for DynamoStore {
    async fn create_subscriber(
        &self,
        subscriber: &Subscriber,
        mail: &OutgoingMail,
    ) -> Result<(), StoreError> {
        let mut claim = key(claim_pk(&subscriber.email), "NLEMAIL");
        claim.insert("subscriber_id".into(), s(&subscriber.id));
        let items = vec![
            self.put_new(claim)?,
            self.put_new(subscriber_item(subscriber)?)?,
            self.put_new(mail_item(mail)?)?,
        ];
        match self.transact(items).await {
            Ok(()) => Ok(()),
            Err(TransactError::ConditionFailed(0)) => Err(StoreError::EmailTaken),
            Err(e) => Err(e.into()),
        }
    }

    async fn get_subscriber(&self, id: &str) -> Result<Option<Subscriber>, StoreError> {
        self.get(subscriber_pk(id), "NEWSLETTER")
            .await?
            .map(|item| doc_of(&item))
            .transpose()
    }

    async fn find_subscriber_by_email(
        &self,
        email: &str,
    ) -> Result<Option<Subscriber>, StoreError> {
        let Some(claim) = self.get(claim_pk(email), "NLEMAIL").await? else {
            return Ok(None);
        };
        let id = get_s(&claim, "subscriber_id")?.to_owned();
        self.get_subscriber(&id).await
    }

    async fn replace_subscriber(
        &self,
        before: &Subscriber,
        after: &Subscriber,
        mail: Option<&OutgoingMail>,
    ) -> Result<(), StoreError> {
        if before.id != after.id || before.email != after.email {
            return Err(StoreError::Conflict);
        }
        let (pk, sk) = index_entry(after);
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(subscriber_pk(&after.id), "NEWSLETTER")))
            .update_expression("SET doc = :new, GSI1PK = :pk, GSI1SK = :sk")
            .condition_expression("doc = :old")
            .expression_attribute_values(":new", to_doc(after)?)
            .expression_attribute_values(":old", to_doc(before)?)
            .expression_attribute_values(":pk", s(pk))
            .expression_attribute_values(":sk", s(sk))
            .build()
            .map_err(build_error)?;
        let mut items = vec![TransactWriteItem::builder().update(update).build()];
        if let Some(mail) = mail {
            items.push(self.put_new(mail_item(mail)?)?);
        }
        match self.transact(items).await {
            Ok(()) => Ok(()),
            Err(TransactError::ConditionFailed(0)) => Err(self.changed_or_gone(&before.id).await),
            Err(e) => Err(e.into()),
        }
    }

    async fn delete_subscriber(
        &self,
        id: &str,
        expected: Option<&Subscriber>,
    ) -> Result<(), StoreError> {
        let current = match expected {
            Some(expected) => expected.clone(),
            None => self.get_subscriber(id).await?.ok_or(StoreError::NotFound)?,
        };
        let mut record = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key(subscriber_pk(id), "NEWSLETTER")));
        record = match expected {
            Some(expected) => record
                .condition_expression("doc = :doc")
                .expression_attribute_values(":doc", to_doc(expected)?),
            None => record.condition_expression("attribute_exists(PK)"),
        };
        let claim = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key(claim_pk(&current.email), "NLEMAIL")))
            .condition_expression("subscriber_id = :id")
            .expression_attribute_values(":id", s(id))
            .build()
            .map_err(build_error)?;
        let items = vec![
            TransactWriteItem::builder()
                .delete(record.build().map_err(build_error)?)
                .build(),
            TransactWriteItem::builder().delete(claim).build(),
        ];
        match self.transact(items).await {
            Ok(()) => Ok(()),
            Err(TransactError::ConditionFailed(_)) => Err(self.changed_or_gone(id).await),
            Err(e) => Err(e.into()),
        }
    }

    async fn list_confirmed_subscribers(&self) -> Result<Vec<Subscriber>, StoreError> {
        self.list_subscribers(CONFIRMED).await
    }

    async fn list_unconfirmed_subscribers(&self) -> Result<Vec<Subscriber>, StoreError> {
        self.list_subscribers(PENDING).await
    }
}
