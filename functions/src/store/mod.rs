//! The store interface and its two implementations.
//!
//! Each method is one atomic unit: a method that writes several records (a registration
//! with its e-mail marker, token and outbox mail; a decision with its invitation and mail)
//! writes all or nothing, and every status change is conditional on the expected status, so
//! two concurrent requests cannot both win. Methods are named after what the domain needs,
//! not after tables, so the DynamoDB single-table layout and the SQLite schema stay private.
//!
//! Orders live in their own trait, [`OrderStore`], in the same style: a create guarded by the
//! idempotency key, numbers from the atomic counter, and status changes conditional on the
//! expected status. [`PortalStore`] is both, what the application state holds.

mod dynamodb;
mod sqlite;

pub use dynamodb::{DynamoConfig, DynamoStore};
pub use sqlite::SqliteStore;

use async_trait::async_trait;

use crate::domain::model::{
    Decision, NewRegistration, OrgStatus, Organisation, OutgoingMail, Session, TokenRecord, User,
};
use crate::domain::orders::{Need, Order, OrderStatus};

/// What can go wrong in a store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A registration for an address that already has an account.
    #[error("the e-mail address is already registered")]
    EmailTaken,
    /// The record does not exist.
    #[error("not found")]
    NotFound,
    /// A condition failed: a token already used or expired, a status other than expected.
    #[error("the record is not in the expected state")]
    Conflict,
    /// The database failed (I/O, network, throttling, a bug).
    #[error("store backend: {0}")]
    Backend(String),
    /// The database file cannot be written (found when the store is opened).
    #[error(
        "Die Datenbank {path} kann nicht geschrieben werden: {cause}. Prüfen Sie die Rechte der Datei und ihres Ordners. (The database file cannot be written.)"
    )]
    NotWritable {
        path: std::path::PathBuf,
        cause: String,
    },
}

/// The function's persistent state.
#[async_trait]
pub trait Store: Send + Sync {
    /// Writes organisation, user, e-mail marker, confirmation token and mail atomically;
    /// [`StoreError::EmailTaken`] if the address exists (then nothing is written).
    async fn create_registration(&self, registration: &NewRegistration) -> Result<(), StoreError>;

    async fn get_org(&self, org_id: &str) -> Result<Option<Organisation>, StoreError>;

    /// Organisations with `status`, oldest first.
    async fn list_orgs_by_status(&self, status: OrgStatus)
    -> Result<Vec<Organisation>, StoreError>;

    async fn get_user(&self, user_id: &str) -> Result<Option<User>, StoreError>;

    /// The user with this normalised address.
    async fn find_user_by_email(&self, email: &str) -> Result<Option<User>, StoreError>;

    async fn get_token(&self, token_hash: &str) -> Result<Option<TokenRecord>, StoreError>;

    /// Uses the confirmation token (unused, not expired at `now`) and moves the organisation
    /// from `AwaitingConfirmation` to `AwaitingReview`, queueing `mail`; else `Conflict`.
    async fn confirm_email(
        &self,
        token_hash: &str,
        org_id: &str,
        now: i64,
        mail: &OutgoingMail,
    ) -> Result<(), StoreError>;

    /// Moves the organisation from `AwaitingReview` to `Approved` or `Rejected`, stores the
    /// invitation token (on approval) and queues `mail`; `Conflict` if not awaiting review,
    /// `NotFound` if there is no such organisation.
    async fn decide_registration(
        &self,
        org_id: &str,
        decision: &Decision,
        now: i64,
        invite: Option<&TokenRecord>,
        mail: &OutgoingMail,
    ) -> Result<(), StoreError>;

    /// Stores a new token and queues its mail.
    async fn issue_token(&self, token: &TokenRecord, mail: &OutgoingMail)
    -> Result<(), StoreError>;

    /// Uses the token (unused, not expired at `now`) and sets the user's password hash;
    /// `Conflict` otherwise.
    async fn set_password(
        &self,
        token_hash: &str,
        user_id: &str,
        password_hash: &str,
        now: i64,
    ) -> Result<(), StoreError>;

    /// Stores a session; the id hash must be new.
    async fn create_session(&self, session: &Session) -> Result<(), StoreError>;

    async fn get_session(&self, id_hash: &str) -> Result<Option<Session>, StoreError>;

    /// Records activity; `expires_at` is when the store may forget it (TTL).
    async fn touch_session(
        &self,
        id_hash: &str,
        last_seen: i64,
        expires_at: i64,
    ) -> Result<(), StoreError>;

    /// Deletes a session (no error if it does not exist).
    async fn delete_session(&self, id_hash: &str) -> Result<(), StoreError>;

    /// Deletes every session of a user (after a password change).
    async fn delete_user_sessions(&self, user_id: &str) -> Result<(), StoreError>;

    /// Queues a mail on its own.
    async fn enqueue_mail(&self, mail: &OutgoingMail) -> Result<(), StoreError>;

    /// Unsent mails not leased by another sender at `now`, leased until `lease_until`.
    async fn claim_mails(
        &self,
        now: i64,
        lease_until: i64,
        limit: usize,
    ) -> Result<Vec<OutgoingMail>, StoreError>;

    /// Marks a mail sent: it leaves the outbox.
    async fn mark_mail_sent(&self, mail_id: &str, now: i64) -> Result<(), StoreError>;

    /// Adds one to the counter `key` and returns the new count; the counter may be
    /// forgotten after `expires_at` and counts as absent from then on. Used for rate limits
    /// (the key names the window) and for single-use markers (first use returns 1).
    async fn increment_counter(
        &self,
        key: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<u64, StoreError>;

    /// The counter `key` if it is live at `now` (a read; counts nothing).
    async fn read_counter(&self, key: &str, now: i64) -> Result<Option<Counter>, StoreError>;

    /// Forgets the counter `key` (no error if it does not exist).
    async fn delete_counter(&self, key: &str) -> Result<(), StoreError>;
}

/// A live counter: its count and when it expires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counter {
    pub count: u64,
    pub expires_at: i64,
}

/// What [`OrderStore::create_order`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum CreatedOrder {
    /// Stored, with its mails.
    New,
    /// The organisation already has an order with this idempotency key: nothing was written.
    Existing(Box<Order>),
}

/// A single-use decision link, recorded when it is used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsedLink {
    /// SHA-256 of the link token.
    pub hash: String,
    /// When the record may be forgotten (the link has expired by then).
    pub expires_at: i64,
}

/// Orders and reported needs.
#[async_trait]
pub trait OrderStore: Send + Sync {
    /// Stores the order and its mails atomically, unless the organisation already has an
    /// order with the same idempotency key (also when two requests race): then returns that
    /// order and writes nothing.
    async fn create_order(
        &self,
        order: &Order,
        mails: &[OutgoingMail],
    ) -> Result<CreatedOrder, StoreError>;

    async fn find_order_by_key(&self, org_id: &str, key: &str)
    -> Result<Option<Order>, StoreError>;

    async fn get_order(&self, id: &str) -> Result<Option<Order>, StoreError>;

    /// The organisation's orders, newest first.
    async fn list_org_orders(&self, org_id: &str) -> Result<Vec<Order>, StoreError>;

    /// The provider's orders, newest first.
    async fn list_provider_orders(&self, provider_id: &str) -> Result<Vec<Order>, StoreError>;

    /// Orders not yet decided, earliest deadline first.
    async fn list_undecided_orders(&self) -> Result<Vec<Order>, StoreError>;

    /// Replaces the order (new status, history appended) if its status is still `expected`,
    /// records `link` as used (`Conflict` if it was) and queues `mails`, all or nothing;
    /// `Conflict` if the status changed meanwhile, `NotFound` if there is no such order.
    async fn update_order_status(
        &self,
        order: &Order,
        expected: OrderStatus,
        link: Option<&UsedLink>,
        mails: &[OutgoingMail],
    ) -> Result<(), StoreError>;

    /// Whether a decision link has been used.
    async fn is_link_used(&self, hash: &str) -> Result<bool, StoreError>;

    /// Stores a need and queues the operator's mail atomically.
    async fn create_need(&self, need: &Need, mail: &OutgoingMail) -> Result<(), StoreError>;

    /// Every reported need, newest first.
    async fn list_needs(&self) -> Result<Vec<Need>, StoreError>;
}

/// The whole persistent state: accounts and orders.
pub trait PortalStore: Store + OrderStore {}

impl<T: Store + OrderStore> PortalStore for T {}
