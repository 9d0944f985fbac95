//! The orders' store port: a create guarded by the idempotency key, numbers from the atomic
//! counter, and status changes conditional on the expected status, each all or nothing.
//! [`PortalStore`] is both ports, what the application state holds.

use async_trait::async_trait;

use super::cart::CartStore;
use super::console::{OrderFilter, OrderPage};
use super::figures::OrderFacts;
use super::interest::InterestStore;
use super::links::ApiParty;
use super::model::{Need, Order};
pub use super::operator::OperatorStore;
use super::status::OrderStatus;
use crate::domain::model::{AuditEntry, Organisation, OutgoingMail, TokenRecord, User};
use crate::domain::newsletter::ports::NewsletterPorts;
use crate::domain::ports::StoreError;

/// What [`OrderStore::create_order`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum CreatedOrder {
    /// Stored, with its mails.
    New,
    /// The organisation already has an order with this idempotency key: nothing was written.
    Existing(Box<Order>),
}

/// A provider's or the intermediary's organisation as the operator's list shows it: its
/// Hauptadmin and when the Hauptadmin's newest unused invitation link ends (`None`: no
/// such link).
#[derive(Debug, Clone, PartialEq)]
pub struct PartyOrgEntry {
    pub org: Organisation,
    pub admin: Option<User>,
    pub invite_expires_at: Option<i64>,
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

    /// Queues a deadline reminder's mails exactly once: records `marker` (a single-use record
    /// like a used link; `Conflict` if it exists, i.e. this reminder was queued already) on
    /// condition that the order's status is still `expected` (`Conflict` otherwise,
    /// `NotFound` if there is no such order), with `mails`, all or nothing.
    async fn queue_reminder(
        &self,
        order_id: &str,
        expected: OrderStatus,
        marker: &UsedLink,
        mails: &[OutgoingMail],
    ) -> Result<(), StoreError>;

    /// Whether a decision link has been used.
    async fn is_link_used(&self, hash: &str) -> Result<bool, StoreError>;

    /// Stores a need and queues the operator's mail atomically.
    async fn create_need(&self, need: &Need, mail: &OutgoingMail) -> Result<(), StoreError>;

    /// Every reported need, newest first.
    async fn list_needs(&self) -> Result<Vec<Need>, StoreError>;
}

/// The console of providers and the intermediary: their organisations and their incoming
/// orders, read by key or index (never a scan of all orders).
#[async_trait]
pub trait ConsoleStore: Send + Sync {
    /// Writes a provider's or the intermediary's organisation with its first Hauptadmin
    /// (invited: `invite`, its `mail`, the `audit` entry), all or nothing;
    /// [`StoreError::EmailTaken`] if the address has an account, [`StoreError::Conflict`]
    /// if the party has an organisation already (then nothing is written).
    async fn create_party_org(
        &self,
        org: &Organisation,
        admin: &User,
        invite: &TokenRecord,
        mail: &OutgoingMail,
        audit: &AuditEntry,
    ) -> Result<(), StoreError>;

    /// Every provider and intermediary organisation with its Hauptadmin and invitation, read
    /// by index (never a scan of the whole table), in no particular order.
    async fn list_party_orgs(&self) -> Result<Vec<PartyOrgEntry>, StoreError>;

    /// The orders addressed to `party` through `filter`, newest first: a provider's own
    /// orders, or every Umklappvertrag for the intermediary.
    async fn list_inbox(
        &self,
        party: &ApiParty,
        filter: &OrderFilter,
    ) -> Result<OrderPage, StoreError>;
}

/// What the figures ("Kennzahlen") of the consoles read: times and facts since a moment,
/// each by key or index (never a scan of the whole table).
#[async_trait]
pub trait FiguresStore: Send + Sync {
    /// The orders addressed to `party` (as in [`ConsoleStore::list_inbox`]) created at or
    /// after `since`, without their contract folders.
    async fn party_order_facts(
        &self,
        party: &ApiParty,
        since: i64,
    ) -> Result<Vec<OrderFacts>, StoreError>;

    /// When each order created at or after `since` (and by `now`) was created.
    async fn order_times_since(&self, since: i64, now: i64) -> Result<Vec<i64>, StoreError>;

    /// When each customer organisation registered at or after `since` registered (whatever
    /// became of the registration).
    async fn registration_times_since(&self, since: i64) -> Result<Vec<i64>, StoreError>;

    /// The category reference (`<top>`, `<top>/<sub>` or none) of each need reported at or
    /// after `since`.
    async fn need_categories_since(&self, since: i64) -> Result<Vec<Option<String>>, StoreError>;
}

/// The whole persistent state: accounts, orders, the newsletter's subscribers, the
/// consoles and their figures, the Warenkörbe, the expressions of interest and the
/// operator's views.
pub trait PortalStore:
    NewsletterPorts
    + OrderStore
    + ConsoleStore
    + CartStore
    + InterestStore
    + OperatorStore
    + FiguresStore
{
}

impl<T> PortalStore for T where
    T: NewsletterPorts
        + OrderStore
        + ConsoleStore
        + CartStore
        + InterestStore
        + OperatorStore
        + FiguresStore
{
}
