//! Expressions of interest in the DynamoDB table.
//!
//! | record | PK | SK | GSI1PK / GSI1SK | GSI2PK / GSI2SK |
//! | --- | --- | --- | --- | --- |
//! | expression of interest | `INTEREST#<id>` | `INTEREST` | `ORGINTERESTS#<org>` / `<created>#<id>` | `PROVIDERINTERESTS#<provider>` / `<created>#<id>` |
//! | open marker | `INTERESTOPEN#<org>#<offering>` | `INTERESTOPEN` | | |
//!
//! | access pattern | key or index |
//! | --- | --- |
//! | one expression (withdraw) | `INTEREST#<id>` |
//! | the customer organisation's list, newest first | GSI1 `ORGINTERESTS#<org>`, descending |
//! | the provider's list, newest first | GSI2 `PROVIDERINTERESTS#<provider>`, descending |
//! | the organisation's open expression for an offering | the open marker, then the expression by key |
//!
//! The open marker is the invariant "one open expression per organisation and offering":
//! it is written with `attribute_not_exists(PK)` in the transaction that stores the
//! expression and the provider's mail, and deleted (conditional on naming the expression)
//! in the transaction that withdraws it, which is conditional on it being open.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{Delete, TransactWriteItem, Update};

use super::{
    DynamoStore, Item, TransactError, build_error, doc_of, get_s, key, mail_item, n, s, sortable,
    to_doc,
};
use crate::domain::model::OutgoingMail;
use crate::domain::orders::interest::{Interest, InterestStore};
use crate::domain::ports::StoreError;

fn interest_key(id: &str) -> Item {
    key(format!("INTEREST#{id}"), "INTEREST")
}

fn open_key(org_id: &str, offering_id: &str) -> Item {
    key(
        format!("INTERESTOPEN#{org_id}#{offering_id}"),
        "INTERESTOPEN",
    )
}

fn interest_item(interest: &Interest) -> Result<Item, StoreError> {
    let mut item = interest_key(&interest.id);
    item.insert("doc".into(), to_doc(interest)?);
    let sort = s(format!("{}#{}", sortable(interest.created_at), interest.id));
    item.insert(
        "GSI1PK".into(),
        s(format!("ORGINTERESTS#{}", interest.org_id)),
    );
    item.insert("GSI1SK".into(), sort.clone());
    item.insert(
        "GSI2PK".into(),
        s(format!("PROVIDERINTERESTS#{}", interest.provider_id)),
    );
    item.insert("GSI2SK".into(), sort);
    if let Some(at) = interest.withdrawn_at {
        item.insert("withdrawn_at".into(), n(at));
    }
    Ok(item)
}

impl DynamoStore {
    async fn interests_of(&self, index: &str, pk: String) -> Result<Vec<Interest>, StoreError> {
        let mut list = self
            .query_index(index, pk, false, None)
            .await?
            .iter()
            .map(doc_of::<Interest>)
            .collect::<Result<Vec<_>, _>>()?;
        Interest::sort_newest_first(&mut list);
        Ok(list)
    }
}

#[async_trait]
impl InterestStore for DynamoStore {
    async fn create_interest(
        &self,
        interest: &Interest,
        mail: &OutgoingMail,
    ) -> Result<(), StoreError> {
        let mut marker = open_key(&interest.org_id, &interest.offering_id);
        marker.insert("interest_id".into(), s(&interest.id));
        let items = vec![
            self.put_new(interest_item(interest)?)?,
            self.put_new(marker)?,
            self.put_new(mail_item(mail)?)?,
        ];
        Ok(self.transact(items).await?)
    }

    async fn get_interest(&self, id: &str) -> Result<Option<Interest>, StoreError> {
        self.get(format!("INTEREST#{id}"), "INTEREST")
            .await?
            .map(|item| doc_of(&item))
            .transpose()
    }

    async fn open_interest(
        &self,
        org_id: &str,
        offering_id: &str,
    ) -> Result<Option<Interest>, StoreError> {
        let Some(marker) = self
            .get(
                format!("INTERESTOPEN#{org_id}#{offering_id}"),
                "INTERESTOPEN",
            )
            .await?
        else {
            return Ok(None);
        };
        let id = get_s(&marker, "interest_id")?;
        Ok(self.get_interest(id).await?.filter(Interest::is_open))
    }

    async fn list_org_interests(&self, org_id: &str) -> Result<Vec<Interest>, StoreError> {
        self.interests_of("GSI1", format!("ORGINTERESTS#{org_id}"))
            .await
    }

    async fn list_provider_interests(
        &self,
        provider_id: &str,
    ) -> Result<Vec<Interest>, StoreError> {
        self.interests_of("GSI2", format!("PROVIDERINTERESTS#{provider_id}"))
            .await
    }

    async fn withdraw_interest(&self, interest: &Interest, at: i64) -> Result<(), StoreError> {
        let mut after = interest.clone();
        after.withdrawn_at = Some(at);
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(interest_key(&interest.id)))
            .update_expression("SET withdrawn_at = :at, doc = :doc")
            .condition_expression("attribute_exists(PK) AND attribute_not_exists(withdrawn_at)")
            .expression_attribute_values(":at", n(at))
            .expression_attribute_values(":doc", to_doc(&after)?)
            .build()
            .map_err(build_error)?;
        let delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(open_key(&interest.org_id, &interest.offering_id)))
            .condition_expression("interest_id = :id")
            .expression_attribute_values(":id", s(&interest.id))
            .build()
            .map_err(build_error)?;
        let items = vec![
            TransactWriteItem::builder().update(update).build(),
            TransactWriteItem::builder().delete(delete).build(),
        ];
        match self.transact(items).await {
            Ok(()) => Ok(()),
            Err(TransactError::ConditionFailed(_)) => {
                match self.get_interest(&interest.id).await? {
                    Some(_) => Err(StoreError::Conflict),
                    None => Err(StoreError::NotFound),
                }
            }
            Err(e) => Err(e.into()),
        }
    }
}
