//! The DynamoDB store: one table, `PK`/`SK` keys and two overloaded GSIs (`GSI1PK`/`GSI1SK`,
//! `GSI2PK`/`GSI2SK`).
//!
//! | record | PK | SK | GSI1PK / GSI1SK |
//! | --- | --- | --- | --- |
//! | organisation | `ORG#<id>` | `ORG` | `ORGSTATUS#<status>` / `<created>#<id>` (review queue) |
//! | user | `USER#<id>` | `USER` | `ORGUSERS#<org>` / `<id>` (members of an organisation) |
//! | e-mail marker | `EMAIL#<address>` | `EMAIL` | (unique address, written in the registration transaction) |
//! | link token | `TOKEN#<sha256>` | `TOKEN` | |
//! | session | `SESSION#<sha256>` | `SESSION` | `USERSESSIONS#<user>` / `<sha256>` |
//! | outbox mail | `MAIL#<id>` | `MAIL` | `OUTBOX` / `<created>#<id>` while unsent (sparse) |
//! | counter | `COUNTER#<key>` | `COUNTER` | |
//! | current password link | `PWLINK#<user>` | `PWLINK` | (`hash` of the user's only valid invitation or reset link) |
//! | audit entry | `AUDIT#<id>` | `AUDIT` | `ORGAUDIT#<org>` / `<at>#<written>#<id>` (see [`members`]) |
//! | address, Standardadresse | `ORGADDR#<org>` | `ADDR#<id>`, `DEFAULT` | (see [`addresses`]) |
//! | newsletter subscriber | `NEWSLETTER#<id>` | `NEWSLETTER` | `NLCONFIRMED` or `NLPENDING` / `<time>#<id>` (see [`newsletter`]) |
//! | newsletter address | `NLEMAIL#<address>` | `NLEMAIL` | (unique address, see [`newsletter`]) |
//! | named role | `ROLE#<id>` | `ROLE` | `ORGROLES#<org>` / `<id>` (with its holder count; see [`roles`]) |
//! | role name | `ROLENAME#<org>#<name>` | `ROLENAME` | (unique name per organisation) |
//! | expression of interest, open marker | `INTEREST#<id>`, `INTERESTOPEN#<org>#<offering>` | | `ORGINTERESTS#<org>`; GSI2 `PROVIDERINTERESTS#<provider>` (see [`interest`]) |
//!
//! Every create is guarded by `attribute_not_exists(PK)`, every status change by a
//! condition on the expected status, and multi-record changes (a registration with its
//! e-mail marker, token and mail; a decision with its invitation and mail) are one
//! `TransactWriteItems`. Expiring records carry `expires_at` (checked against the clock on
//! every read) and `ttl` (DynamoDB deletes them eventually). `GSI2PK`/`GSI2SK` index orders by
//! provider; the order records are described in [`orders`].
//!
//! The client is built without `aws-config` (which doubles compile time and binary size):
//! region, endpoint and credentials come from the standard environment variables that
//! Lambda sets (`AWS_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`).

mod addresses;
mod backfill;
mod cart;
mod console;
mod figures;
mod interest;
mod members;
mod newsletter;
mod operator;
mod orders;
mod roles;

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_dynamodb::error::{DisplayErrorContext, SdkError};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, Delete, GlobalSecondaryIndex,
    KeySchemaElement, KeyType, Projection, ProjectionType, Put, ReturnValue, ScalarAttributeType,
    TransactWriteItem, Update,
};

use crate::domain::model::{
    Address, AuditEntry, Decision, NewRegistration, OrgStatus, Organisation, OutgoingMail, Role,
    Session, TokenKind, TokenRecord, User,
};
use crate::domain::ports::{Counter, Store, StoreError};

type Item = HashMap<String, AttributeValue>;

/// Where the table is and how to reach it.
#[derive(Debug, Clone)]
pub struct DynamoConfig {
    pub table: String,
    pub region: String,
    /// `None` for AWS itself; e.g. `http://127.0.0.1:8000` for DynamoDB Local.
    pub endpoint: Option<String>,
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
}

impl DynamoConfig {
    /// For DynamoDB Local at `endpoint` with dummy credentials.
    pub fn local(endpoint: &str, table: &str) -> Self {
        Self {
            table: table.to_owned(),
            region: "eu-central-1".to_owned(),
            endpoint: Some(endpoint.to_owned()),
            access_key_id: "local".to_owned(),
            secret_access_key: "local".to_owned(),
            session_token: None,
        }
    }
}

/// The single-table DynamoDB store.
#[derive(Clone, Debug)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

fn n(value: i64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

fn key(pk: impl Into<String>, sk: &str) -> Item {
    HashMap::from([("PK".to_owned(), s(pk)), ("SK".to_owned(), s(sk))])
}

fn get_s<'a>(item: &'a Item, name: &str) -> Result<&'a str, StoreError> {
    item.get(name)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
        .ok_or_else(|| StoreError::Backend(format!("attribute {name} missing or not a string")))
}

fn get_n(item: &Item, name: &str) -> Result<i64, StoreError> {
    item.get(name)
        .and_then(|v| v.as_n().ok())
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| StoreError::Backend(format!("attribute {name} missing or not a number")))
}

fn doc_of<T: serde::de::DeserializeOwned>(item: &Item) -> Result<T, StoreError> {
    serde_json::from_str(get_s(item, "doc")?).map_err(|e| StoreError::Backend(e.to_string()))
}

fn to_doc<T: serde::Serialize>(value: &T) -> Result<AttributeValue, StoreError> {
    serde_json::to_string(value)
        .map(s)
        .map_err(|e| StoreError::Backend(e.to_string()))
}

fn backend<E: std::error::Error + 'static, R: std::fmt::Debug>(e: SdkError<E, R>) -> StoreError {
    StoreError::Backend(DisplayErrorContext(&e).to_string())
}

/// Every item `query` finds, through all of its pages (the SDK's paginator follows
/// `LastEvaluatedKey`): partitions read whole by key, never a scan.
async fn query_all(
    query: aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder,
) -> Result<Vec<Item>, StoreError> {
    let mut items = Vec::new();
    let mut pages = query.into_paginator().send();
    while let Some(page) = pages.next().await {
        items.extend(page.map_err(backend)?.items.unwrap_or_default());
    }
    Ok(items)
}

fn build_error(e: aws_sdk_dynamodb::error::BuildError) -> StoreError {
    StoreError::Backend(e.to_string())
}

/// A sortable fixed-width timestamp for sort keys.
fn sortable(ts: i64) -> String {
    format!("{ts:020}")
}

fn org_status_gsi(status: OrgStatus) -> AttributeValue {
    s(format!("ORGSTATUS#{}", status.as_str()))
}

fn org_item(org: &Organisation) -> Result<Item, StoreError> {
    let mut item = key(format!("ORG#{}", org.id), "ORG");
    item.insert("status".into(), s(org.status.as_str()));
    item.insert("doc".into(), to_doc(org)?);
    item.insert("GSI1PK".into(), org_status_gsi(org.status));
    item.insert(
        "GSI1SK".into(),
        s(format!("{}#{}", sortable(org.created_at), org.id)),
    );
    Ok(item)
}

fn user_item(user: &User) -> Result<Item, StoreError> {
    let mut item = key(format!("USER#{}", user.id), "USER");
    item.insert("email".into(), s(&user.email));
    item.insert("doc".into(), to_doc(user)?);
    item.insert("GSI1PK".into(), s(format!("ORGUSERS#{}", user.org_id)));
    item.insert("GSI1SK".into(), s(&user.id));
    Ok(item)
}

/// Invitation and reset links set a password; only the newest of a user's works.
fn is_password_link(kind: TokenKind) -> bool {
    matches!(kind, TokenKind::Invite | TokenKind::Reset)
}

/// Records that expire get a TTL a day after their logical expiry (reads check the clock).
const TTL_GRACE: i64 = 24 * 60 * 60;

fn token_item(token: &TokenRecord) -> Item {
    let mut item = key(format!("TOKEN#{}", token.hash), "TOKEN");
    item.insert("kind".into(), s(token.kind.as_str()));
    item.insert("user_id".into(), s(&token.user_id));
    item.insert("org_id".into(), s(&token.org_id));
    item.insert("expires_at".into(), n(token.expires_at));
    item.insert("used".into(), AttributeValue::Bool(token.used));
    item.insert("ttl".into(), n(token.expires_at + TTL_GRACE));
    item
}

fn mail_item(mail: &OutgoingMail) -> Result<Item, StoreError> {
    let mut item = key(format!("MAIL#{}", mail.id), "MAIL");
    item.insert("doc".into(), to_doc(mail)?);
    // A mail not to be sent before a time (a throttled newsletter) is leased until then.
    item.insert("lease_until".into(), n(mail.not_before));
    item.insert("GSI1PK".into(), s("OUTBOX"));
    item.insert(
        "GSI1SK".into(),
        s(format!("{}#{}", sortable(mail.created_at), mail.id)),
    );
    Ok(item)
}

impl DynamoStore {
    /// A store for `config` (does not touch the network).
    pub fn new(config: &DynamoConfig) -> Self {
        let credentials = Credentials::new(
            config.access_key_id.clone(),
            config.secret_access_key.clone(),
            config.session_token.clone(),
            None,
            "environment",
        );
        let mut builder = aws_sdk_dynamodb::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(config.region.clone()))
            .credentials_provider(credentials);
        if let Some(endpoint) = &config.endpoint {
            builder = builder.endpoint_url(endpoint);
        }
        Self {
            client: Client::from_conf(builder.build()),
            table: config.table.clone(),
        }
    }

    /// The table's name.
    pub fn table(&self) -> &str {
        &self.table
    }

    /// Creates the table with its GSIs (on-demand billing), as `deploy/template.yaml` does;
    /// for DynamoDB Local and tests. Waits until it is active.
    pub async fn create_table(&self) -> Result<(), StoreError> {
        let attr = |name: &str| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .map_err(build_error)
        };
        let key_el = |name: &str, kind: KeyType| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(kind)
                .build()
                .map_err(build_error)
        };
        let gsi = |name: &str| -> Result<GlobalSecondaryIndex, StoreError> {
            GlobalSecondaryIndex::builder()
                .index_name(name)
                .key_schema(key_el(&format!("{name}PK"), KeyType::Hash)?)
                .key_schema(key_el(&format!("{name}SK"), KeyType::Range)?)
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::All)
                        .build(),
                )
                .build()
                .map_err(build_error)
        };
        self.client
            .create_table()
            .table_name(&self.table)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(attr("PK")?)
            .attribute_definitions(attr("SK")?)
            .attribute_definitions(attr("GSI1PK")?)
            .attribute_definitions(attr("GSI1SK")?)
            .attribute_definitions(attr("GSI2PK")?)
            .attribute_definitions(attr("GSI2SK")?)
            .key_schema(key_el("PK", KeyType::Hash)?)
            .key_schema(key_el("SK", KeyType::Range)?)
            .global_secondary_indexes(gsi("GSI1")?)
            .global_secondary_indexes(gsi("GSI2")?)
            .send()
            .await
            .map_err(backend)?;
        for _ in 0..100 {
            let described = self
                .client
                .describe_table()
                .table_name(&self.table)
                .send()
                .await
                .map_err(backend)?;
            let active = described
                .table()
                .and_then(|t| t.table_status())
                .is_some_and(|status| status.as_str() == "ACTIVE");
            if active {
                return Ok(());
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        Err(StoreError::Backend(format!(
            "table {} did not become active",
            self.table
        )))
    }

    async fn get(&self, pk: String, sk: &str) -> Result<Option<Item>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(pk, sk)))
            .consistent_read(true)
            .send()
            .await
            .map_err(backend)?;
        Ok(out.item)
    }

    fn put(&self, item: Item, condition: Option<&str>) -> Result<TransactWriteItem, StoreError> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .set_condition_expression(condition.map(str::to_owned))
            .build()
            .map_err(build_error)?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    fn put_new(&self, item: Item) -> Result<TransactWriteItem, StoreError> {
        self.put(item, Some("attribute_not_exists(PK)"))
    }

    /// The put that makes `token` the user's only valid password link, conditional on the
    /// pointer still naming `previous` (or not existing).
    fn password_link_pointer(
        &self,
        token: &TokenRecord,
        previous: Option<&str>,
    ) -> Result<TransactWriteItem, StoreError> {
        let mut item = key(format!("PWLINK#{}", token.user_id), "PWLINK");
        item.insert("hash".into(), s(&token.hash));
        item.insert("ttl".into(), n(token.expires_at + TTL_GRACE));
        let mut put = Put::builder().table_name(&self.table).set_item(Some(item));
        put = match previous {
            None => put.condition_expression("attribute_not_exists(PK)"),
            Some(previous) => put
                .condition_expression("#hash = :previous")
                .expression_attribute_names("#hash", "hash")
                .expression_attribute_values(":previous", s(previous)),
        };
        Ok(TransactWriteItem::builder()
            .put(put.build().map_err(build_error)?)
            .build())
    }

    /// The update that uses a token: unused and unexpired at `now`.
    fn use_token(&self, hash: &str, now: i64) -> Result<TransactWriteItem, StoreError> {
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(format!("TOKEN#{hash}"), "TOKEN")))
            .update_expression("SET used = :true")
            .condition_expression("attribute_exists(PK) AND used = :false AND expires_at > :now")
            .expression_attribute_values(":true", AttributeValue::Bool(true))
            .expression_attribute_values(":false", AttributeValue::Bool(false))
            .expression_attribute_values(":now", n(now))
            .build()
            .map_err(build_error)?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    /// The update that moves an organisation from `from` to `org.status` (with its new doc).
    fn change_org_status(
        &self,
        org: &Organisation,
        from: OrgStatus,
    ) -> Result<TransactWriteItem, StoreError> {
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(format!("ORG#{}", org.id), "ORG")))
            .update_expression("SET #status = :to, doc = :doc, GSI1PK = :gsi")
            .condition_expression("#status = :from")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":to", s(org.status.as_str()))
            .expression_attribute_values(":from", s(from.as_str()))
            .expression_attribute_values(":doc", to_doc(org)?)
            .expression_attribute_values(":gsi", org_status_gsi(org.status))
            .build()
            .map_err(build_error)?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    /// Runs a transaction; on a failed condition returns the index of the first failed item.
    /// A transaction cancelled only because another one touched the same items at the same
    /// moment (`TransactionConflict`) is retried a few times with a growing, jittered pause:
    /// the conditions then decide on the settled state.
    async fn transact(&self, items: Vec<TransactWriteItem>) -> Result<(), TransactError> {
        const ATTEMPTS: u32 = 8;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = self
                .client
                .transact_write_items()
                .set_transact_items(Some(items.clone()))
                .send()
                .await;
            let e = match result {
                Ok(_) => return Ok(()),
                Err(e) => e,
            };
            if let Some(aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError::TransactionCanceledException(cancel)) =
                e.as_service_error()
            {
                let reasons = cancel.cancellation_reasons();
                if let Some(index) = reasons
                    .iter()
                    .position(|reason| reason.code() == Some("ConditionalCheckFailed"))
                {
                    return Err(TransactError::ConditionFailed(index));
                }
                let conflict = reasons
                    .iter()
                    .any(|reason| reason.code() == Some("TransactionConflict"));
                if conflict && attempt < ATTEMPTS {
                    let jitter = u64::from(crate::domain::tokens::random_bytes::<1>()[0]) % 20;
                    let pause = 10 * u64::from(attempt) * u64::from(attempt) + jitter;
                    tokio::time::sleep(std::time::Duration::from_millis(pause)).await;
                    continue;
                }
            }
            return Err(TransactError::Store(backend(e)));
        }
    }

    /// Items of one partition of `index`, ascending or descending by sort key: all of them,
    /// or the first page of at most `limit`.
    async fn query_index(
        &self,
        index: &str,
        pk: String,
        ascending: bool,
        limit: Option<i32>,
    ) -> Result<Vec<Item>, StoreError> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(index)
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", format!("{index}PK"))
            .expression_attribute_values(":pk", s(pk))
            .scan_index_forward(ascending);
        match limit {
            None => query_all(query).await,
            Some(limit) => Ok(query
                .limit(limit)
                .send()
                .await
                .map_err(backend)?
                .items
                .unwrap_or_default()),
        }
    }

    /// Stores a password link (invitation or reset) as the user's only valid one, with its
    /// mail and `extra` items (the caller's conditions and writes) in the same transaction.
    async fn issue_password_link(
        &self,
        token: &TokenRecord,
        mail: &OutgoingMail,
        extra: Vec<TransactWriteItem>,
    ) -> Result<(), StoreError> {
        // The user's current password link is replaced conditionally on the one read, and
        // that one is marked used in the same transaction: of two links issued at once, one
        // is retried after the other, so only the newest ever works.
        for _ in 0..5 {
            let current = self
                .get(format!("PWLINK#{}", token.user_id), "PWLINK")
                .await?;
            let previous = current
                .as_ref()
                .map(|item| get_s(item, "hash").map(str::to_owned))
                .transpose()?;
            let mut items = vec![
                self.put_new(token_item(token))?,
                self.put_new(mail_item(mail)?)?,
                self.password_link_pointer(token, previous.as_deref())?,
            ];
            // A previous link already deleted by TTL needs no voiding.
            let live_previous = match &previous {
                Some(hash) => self.get_token(hash).await?.map(|_| hash.clone()),
                None => None,
            };
            if let Some(previous) = &live_previous {
                let void = Update::builder()
                    .table_name(&self.table)
                    .set_key(Some(key(format!("TOKEN#{previous}"), "TOKEN")))
                    .update_expression("SET used = :true")
                    .condition_expression("attribute_exists(PK)")
                    .expression_attribute_values(":true", AttributeValue::Bool(true))
                    .build()
                    .map_err(build_error)?;
                items.push(TransactWriteItem::builder().update(void).build());
            }
            let own = items.len();
            items.extend(extra.iter().cloned());
            match self.transact(items).await {
                Ok(()) => return Ok(()),
                // Another link was issued meanwhile (or the old one expired away): read again.
                Err(TransactError::ConditionFailed(index)) if (2..own).contains(&index) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Err(StoreError::Conflict)
    }

    async fn query_gsi1(&self, pk: String, limit: Option<i32>) -> Result<Vec<Item>, StoreError> {
        self.query_index("GSI1", pk, true, limit).await
    }
}

enum TransactError {
    ConditionFailed(usize),
    Store(StoreError),
}

impl From<TransactError> for StoreError {
    fn from(e: TransactError) -> Self {
        match e {
            TransactError::ConditionFailed(_) => StoreError::Conflict,
            TransactError::Store(e) => e,
        }
    }
}

fn is_condition_failure<E, R>(e: &SdkError<E, R>) -> bool
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata,
{
    e.as_service_error().and_then(|se| se.code()) == Some("ConditionalCheckFailedException")
}

fn session_of(item: &Item) -> Result<Session, StoreError> {
    Ok(Session {
        id_hash: get_s(item, "PK")?.trim_start_matches("SESSION#").to_owned(),
        user_id: get_s(item, "user_id")?.to_owned(),
        org_id: get_s(item, "org_id")?.to_owned(),
        created_at: get_n(item, "created_at")?,
        last_seen: get_n(item, "last_seen")?,
        expires_at: get_n(item, "expires_at")?,
    })
}

#[async_trait]
impl Store for DynamoStore {
    async fn create_registration(&self, reg: &NewRegistration) -> Result<(), StoreError> {
        let mut marker = key(format!("EMAIL#{}", reg.user.email), "EMAIL");
        marker.insert("user_id".into(), s(&reg.user.id));
        let items = vec![
            self.put_new(marker)?,
            self.put_new(org_item(&reg.org)?)?,
            self.put_new(user_item(&reg.user)?)?,
            self.put_new(token_item(&reg.confirm_token))?,
            self.put_new(mail_item(&reg.mail)?)?,
        ];
        match self.transact(items).await {
            Ok(()) => Ok(()),
            Err(TransactError::ConditionFailed(0)) => Err(StoreError::EmailTaken),
            Err(e) => Err(e.into()),
        }
    }

    async fn get_org(&self, org_id: &str) -> Result<Option<Organisation>, StoreError> {
        self.get(format!("ORG#{org_id}"), "ORG")
            .await?
            .map(|item| doc_of(&item))
            .transpose()
    }

    async fn list_orgs_by_status(
        &self,
        status: OrgStatus,
    ) -> Result<Vec<Organisation>, StoreError> {
        let items = self
            .query_gsi1(format!("ORGSTATUS#{}", status.as_str()), None)
            .await?;
        items.iter().map(doc_of).collect()
    }

    async fn get_user(&self, user_id: &str) -> Result<Option<User>, StoreError> {
        self.get(format!("USER#{user_id}"), "USER")
            .await?
            .map(|item| doc_of(&item))
            .transpose()
    }

    async fn find_user_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
        let Some(marker) = self.get(format!("EMAIL#{email}"), "EMAIL").await? else {
            return Ok(None);
        };
        self.get_user(get_s(&marker, "user_id")?).await
    }

    async fn get_token(&self, token_hash: &str) -> Result<Option<TokenRecord>, StoreError> {
        let Some(item) = self.get(format!("TOKEN#{token_hash}"), "TOKEN").await? else {
            return Ok(None);
        };
        let kind = get_s(&item, "kind")?;
        Ok(Some(TokenRecord {
            hash: token_hash.to_owned(),
            kind: TokenKind::parse(kind)
                .ok_or_else(|| StoreError::Backend(format!("unknown token kind {kind}")))?,
            user_id: get_s(&item, "user_id")?.to_owned(),
            org_id: get_s(&item, "org_id")?.to_owned(),
            expires_at: get_n(&item, "expires_at")?,
            used: item
                .get("used")
                .and_then(|v| v.as_bool().ok())
                .copied()
                .unwrap_or(true),
        }))
    }

    async fn confirm_email(
        &self,
        token_hash: &str,
        org_id: &str,
        now: i64,
        mail: &OutgoingMail,
    ) -> Result<(), StoreError> {
        let mut org = self.get_org(org_id).await?.ok_or(StoreError::NotFound)?;
        if org.status != OrgStatus::AwaitingConfirmation {
            return Err(StoreError::Conflict);
        }
        org.status = OrgStatus::AwaitingReview;
        let items = vec![
            self.use_token(token_hash, now)?,
            self.change_org_status(&org, OrgStatus::AwaitingConfirmation)?,
            self.put_new(mail_item(mail)?)?,
        ];
        Ok(self.transact(items).await?)
    }

    async fn decide_registration(
        &self,
        org_id: &str,
        decision: &Decision,
        now: i64,
        invite: Option<&TokenRecord>,
        mail: &OutgoingMail,
    ) -> Result<(), StoreError> {
        let mut org = self.get_org(org_id).await?.ok_or(StoreError::NotFound)?;
        if org.status != OrgStatus::AwaitingReview {
            return Err(StoreError::Conflict);
        }
        org.decided_at = Some(now);
        match decision {
            Decision::Approve => org.status = OrgStatus::Approved,
            Decision::Reject { reason } => {
                org.status = OrgStatus::Rejected;
                org.reject_reason = Some(reason.clone());
            }
        }
        let mut items = vec![self.change_org_status(&org, OrgStatus::AwaitingReview)?];
        if let Some(token) = invite {
            items.push(self.put_new(token_item(token))?);
            // The first password link of the user.
            items.push(self.password_link_pointer(token, None)?);
        }
        items.push(self.put_new(mail_item(mail)?)?);
        Ok(self.transact(items).await?)
    }

    async fn issue_token(
        &self,
        token: &TokenRecord,
        mail: &OutgoingMail,
    ) -> Result<(), StoreError> {
        if !is_password_link(token.kind) {
            let items = vec![
                self.put_new(token_item(token))?,
                self.put_new(mail_item(mail)?)?,
            ];
            return Ok(self.transact(items).await?);
        }
        self.issue_password_link(token, mail, Vec::new()).await
    }

    async fn set_password(
        &self,
        token_hash: &str,
        user_id: &str,
        password_hash: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut user = self.get_user(user_id).await?.ok_or(StoreError::NotFound)?;
        user.password_hash = Some(password_hash.to_owned());
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(format!("USER#{user_id}"), "USER")))
            .update_expression("SET doc = :doc")
            .condition_expression("attribute_exists(PK)")
            .expression_attribute_values(":doc", to_doc(&user)?)
            .build()
            .map_err(build_error)?;
        let items = vec![
            self.use_token(token_hash, now)?,
            TransactWriteItem::builder().update(update).build(),
        ];
        Ok(self.transact(items).await?)
    }

    async fn create_session(&self, session: &Session) -> Result<(), StoreError> {
        let mut item = key(format!("SESSION#{}", session.id_hash), "SESSION");
        item.insert("user_id".into(), s(&session.user_id));
        item.insert("org_id".into(), s(&session.org_id));
        item.insert("created_at".into(), n(session.created_at));
        item.insert("last_seen".into(), n(session.last_seen));
        item.insert("expires_at".into(), n(session.expires_at));
        item.insert("ttl".into(), n(session.expires_at + TTL_GRACE));
        item.insert(
            "GSI1PK".into(),
            s(format!("USERSESSIONS#{}", session.user_id)),
        );
        item.insert("GSI1SK".into(), s(&session.id_hash));
        match self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(PK)")
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if is_condition_failure(&e) => Err(StoreError::Conflict),
            Err(e) => Err(backend(e)),
        }
    }

    async fn get_session(&self, id_hash: &str) -> Result<Option<Session>, StoreError> {
        self.get(format!("SESSION#{id_hash}"), "SESSION")
            .await?
            .map(|item| session_of(&item))
            .transpose()
    }

    async fn touch_session(
        &self,
        id_hash: &str,
        last_seen: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(format!("SESSION#{id_hash}"), "SESSION")))
            .update_expression("SET last_seen = :seen, expires_at = :exp, #ttl = :ttl")
            .condition_expression("attribute_exists(PK)")
            .expression_attribute_names("#ttl", "ttl")
            .expression_attribute_values(":seen", n(last_seen))
            .expression_attribute_values(":exp", n(expires_at))
            .expression_attribute_values(":ttl", n(expires_at + TTL_GRACE))
            .send()
            .await;
        match result {
            // A session deleted meanwhile (sign-out elsewhere) stays deleted.
            Err(e) if is_condition_failure(&e) => Ok(()),
            Err(e) => Err(backend(e)),
            Ok(_) => Ok(()),
        }
    }

    async fn delete_session(&self, id_hash: &str) -> Result<(), StoreError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key(format!("SESSION#{id_hash}"), "SESSION")))
            .send()
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn delete_user_sessions(&self, user_id: &str) -> Result<(), StoreError> {
        // The GSI is eventually consistent: a session created in the same instant may be
        // missed, which only matters for a sign-in racing a password change.
        for item in self
            .query_gsi1(format!("USERSESSIONS#{user_id}"), None)
            .await?
        {
            let pk = get_s(&item, "PK")?.to_owned();
            self.client
                .delete_item()
                .table_name(&self.table)
                .set_key(Some(key(pk, "SESSION")))
                .send()
                .await
                .map_err(backend)?;
        }
        Ok(())
    }

    async fn enqueue_mail(&self, mail: &OutgoingMail) -> Result<(), StoreError> {
        match self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(mail_item(mail)?))
            .condition_expression("attribute_not_exists(PK)")
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if is_condition_failure(&e) => Err(StoreError::Conflict),
            Err(e) => Err(backend(e)),
        }
    }

    async fn claim_mails(
        &self,
        now: i64,
        lease_until: i64,
        limit: usize,
    ) -> Result<Vec<OutgoingMail>, StoreError> {
        // A page bigger than the claim: mails leased by other senders are skipped.
        let page = i32::try_from(limit.saturating_mul(2).max(25)).unwrap_or(100);
        let mut claimed = Vec::new();
        for item in self.query_gsi1("OUTBOX".to_owned(), Some(page)).await? {
            if claimed.len() >= limit {
                break;
            }
            if get_n(&item, "lease_until")? > now {
                continue;
            }
            let mail: OutgoingMail = doc_of(&item)?;
            let result = self
                .client
                .update_item()
                .table_name(&self.table)
                .set_key(Some(key(format!("MAIL#{}", mail.id), "MAIL")))
                .update_expression("SET lease_until = :lease")
                .condition_expression("attribute_exists(GSI1PK) AND lease_until <= :now")
                .expression_attribute_values(":lease", n(lease_until))
                .expression_attribute_values(":now", n(now))
                .send()
                .await;
            match result {
                Ok(_) => claimed.push(mail),
                Err(e) if is_condition_failure(&e) => {} // another sender has it
                Err(e) => return Err(backend(e)),
            }
        }
        Ok(claimed)
    }

    async fn mark_mail_sent(&self, mail_id: &str, now: i64) -> Result<(), StoreError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(format!("MAIL#{mail_id}"), "MAIL")))
            .update_expression("SET sent_at = :now, #ttl = :ttl REMOVE GSI1PK, GSI1SK")
            .expression_attribute_names("#ttl", "ttl")
            .expression_attribute_values(":now", n(now))
            .expression_attribute_values(":ttl", n(now + 30 * TTL_GRACE))
            .send()
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn increment_counter(
        &self,
        counter: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<u64, StoreError> {
        let pk = format!("COUNTER#{counter}");
        for _ in 0..5 {
            // Add one to a live counter (or create it) ...
            let result = self
                .client
                .update_item()
                .table_name(&self.table)
                .set_key(Some(key(pk.clone(), "COUNTER")))
                .update_expression("ADD #count :one SET expires_at = if_not_exists(expires_at, :exp), #ttl = if_not_exists(#ttl, :ttl)")
                .condition_expression("attribute_not_exists(PK) OR expires_at > :now")
                .expression_attribute_names("#count", "count")
                .expression_attribute_names("#ttl", "ttl")
                .expression_attribute_values(":one", n(1))
                .expression_attribute_values(":exp", n(expires_at))
                .expression_attribute_values(":ttl", n(expires_at + TTL_GRACE))
                .expression_attribute_values(":now", n(now))
                .return_values(ReturnValue::UpdatedNew)
                .send()
                .await;
            match result {
                Ok(out) => {
                    let count = out
                        .attributes
                        .as_ref()
                        .map(|a| get_n(a, "count"))
                        .transpose()?
                        .unwrap_or(1);
                    return Ok(u64::try_from(count).unwrap_or(0));
                }
                Err(e) if is_condition_failure(&e) => {}
                Err(e) => return Err(backend(e)),
            }
            // ... or restart one that expired but was not yet deleted by TTL.
            let mut item = key(pk.clone(), "COUNTER");
            item.insert("count".into(), n(1));
            item.insert("expires_at".into(), n(expires_at));
            item.insert("ttl".into(), n(expires_at + TTL_GRACE));
            let result = self
                .client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(item))
                .condition_expression("attribute_not_exists(PK) OR expires_at <= :now")
                .expression_attribute_values(":now", n(now))
                .send()
                .await;
            match result {
                Ok(_) => return Ok(1),
                Err(e) if is_condition_failure(&e) => {} // raced with another restart: count again
                Err(e) => return Err(backend(e)),
            }
        }
        Err(StoreError::Backend(format!(
            "counter {counter} kept changing"
        )))
    }

    async fn read_counter(&self, counter: &str, now: i64) -> Result<Option<Counter>, StoreError> {
        let Some(item) = self.get(format!("COUNTER#{counter}"), "COUNTER").await? else {
            return Ok(None);
        };
        let expires_at = get_n(&item, "expires_at")?;
        if expires_at <= now {
            return Ok(None);
        }
        Ok(Some(Counter {
            count: u64::try_from(get_n(&item, "count")?).unwrap_or(0),
            expires_at,
        }))
    }

    async fn delete_counter(&self, counter: &str) -> Result<(), StoreError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key(format!("COUNTER#{counter}"), "COUNTER")))
            .send()
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn delete_unconfirmed_registration(&self, org: &Organisation) -> Result<(), StoreError> {
        let Some(admin) = self.get_user(&org.admin_user_id).await? else {
            return Err(StoreError::NotFound);
        };
        let delete = |delete: aws_sdk_dynamodb::types::builders::DeleteBuilder| {
            delete
                .table_name(&self.table)
                .build()
                .map(|d| TransactWriteItem::builder().delete(d).build())
                .map_err(build_error)
        };
        // The confirmation link and any session expire by TTL; the organisation, its
        // administrator and the address's claim would stay for ever.
        let items = vec![
            delete(
                Delete::builder()
                    .set_key(Some(key(format!("ORG#{}", org.id), "ORG")))
                    .condition_expression("#status = :awaiting")
                    .expression_attribute_names("#status", "status")
                    .expression_attribute_values(
                        ":awaiting",
                        s(OrgStatus::AwaitingConfirmation.as_str()),
                    ),
            )?,
            delete(Delete::builder().set_key(Some(key(format!("USER#{}", admin.id), "USER"))))?,
            delete(
                Delete::builder()
                    .set_key(Some(key(format!("EMAIL#{}", admin.email), "EMAIL")))
                    .condition_expression("user_id = :user")
                    .expression_attribute_values(":user", s(&admin.id)),
            )?,
        ];
        match self.transact(items).await {
            Ok(()) => Ok(()),
            Err(TransactError::ConditionFailed(_)) => match self.get_org(&org.id).await? {
                Some(_) => Err(StoreError::Conflict),
                None => Err(StoreError::NotFound),
            },
            Err(e) => Err(e.into()),
        }
    }

    async fn remove_expired(&self, _now: i64) -> Result<u64, StoreError> {
        // Sessions, link tokens, used links and counters carry `ttl`: DynamoDB deletes them
        // itself, and every read checks `expires_at` until it has.
        Ok(0)
    }

    async fn list_org_users(&self, org_id: &str) -> Result<Vec<User>, StoreError> {
        self.list_org_users_impl(org_id).await
    }

    async fn add_member(
        &self,
        user: &User,
        invite: &TokenRecord,
        mail: &OutgoingMail,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.add_member_impl(user, invite, mail, audit).await
    }

    async fn update_member(
        &self,
        org: &Organisation,
        before: &User,
        after: &User,
        mails: &[OutgoingMail],
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.update_member_impl(org, before, after, mails, audit)
            .await
    }

    async fn delete_member(
        &self,
        org: &Organisation,
        before: &User,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.delete_member_impl(org, before, audit).await
    }

    async fn change_hauptadmin(
        &self,
        org: &Organisation,
        before: &User,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.change_hauptadmin_impl(org, before, audit).await
    }

    async fn reissue_invitation(
        &self,
        member: &User,
        token: &TokenRecord,
        mail: &OutgoingMail,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.reissue_invitation_impl(member, token, mail, audit)
            .await
    }

    async fn update_user(&self, before: &User, after: &User) -> Result<(), StoreError> {
        self.update_user_impl(before, after).await
    }

    async fn update_organisation(
        &self,
        before: &Organisation,
        after: &Organisation,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.update_organisation_impl(before, after, audit).await
    }

    async fn list_audit(&self, org_id: &str) -> Result<Vec<AuditEntry>, StoreError> {
        self.list_audit_impl(org_id).await
    }

    async fn list_addresses(&self, org_id: &str) -> Result<Vec<Address>, StoreError> {
        self.list_addresses_impl(org_id).await
    }

    async fn get_address(&self, org_id: &str, id: &str) -> Result<Option<Address>, StoreError> {
        self.get_address_impl(org_id, id).await
    }

    async fn add_address(
        &self,
        address: &Address,
        audit: Option<&AuditEntry>,
    ) -> Result<(), StoreError> {
        self.add_address_impl(address, audit).await
    }

    async fn update_address(
        &self,
        before: &Address,
        after: &Address,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.update_address_impl(before, after, audit).await
    }

    async fn delete_address(&self, before: &Address, audit: &AuditEntry) -> Result<(), StoreError> {
        self.delete_address_impl(before, audit).await
    }

    async fn set_default_address(
        &self,
        from: &Address,
        to: &Address,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.set_default_address_impl(from, to, audit).await
    }

    async fn list_roles(&self, org_id: &str) -> Result<Vec<Role>, StoreError> {
        self.list_roles_impl(org_id).await
    }

    async fn get_role(&self, role_id: &str) -> Result<Option<Role>, StoreError> {
        self.get_role_impl(role_id).await
    }

    async fn create_role(&self, role: &Role, audit: &AuditEntry) -> Result<(), StoreError> {
        self.create_role_impl(role, audit).await
    }

    async fn update_role(
        &self,
        before: &Role,
        after: &Role,
        mails: &[OutgoingMail],
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.update_role_impl(before, after, mails, audit).await
    }

    async fn delete_role(&self, role: &Role, audit: &AuditEntry) -> Result<(), StoreError> {
        self.delete_role_impl(role, audit).await
    }
}
