//! The newsletter's store port: one record per address, created with its confirmation mail,
//! changed only as read (so two confirmations of one link cannot both win), deleted on
//! unsubscribing.

use async_trait::async_trait;

use super::Subscriber;
use crate::domain::model::OutgoingMail;
use crate::domain::ports::StoreError;

/// The newsletter's subscribers.
#[async_trait]
pub trait NewsletterStore: Send + Sync {
    /// Stores a new (unconfirmed) subscriber with its confirmation mail, all or nothing;
    /// [`StoreError::EmailTaken`] if the address has an entry (then nothing is written).
    async fn create_subscriber(
        &self,
        subscriber: &Subscriber,
        mail: &OutgoingMail,
    ) -> Result<(), StoreError>;

    async fn get_subscriber(&self, id: &str) -> Result<Option<Subscriber>, StoreError>;

    /// The entry of this normalised address.
    async fn find_subscriber_by_email(&self, email: &str)
    -> Result<Option<Subscriber>, StoreError>;

    /// Replaces `before` by `after` (same id and address) if the entry is still exactly
    /// `before`, queueing `mail` with it; `Conflict` if it changed, `NotFound` if it is gone.
    async fn replace_subscriber(
        &self,
        before: &Subscriber,
        after: &Subscriber,
        mail: Option<&OutgoingMail>,
    ) -> Result<(), StoreError>;

    /// Deletes the entry (and the address's claim): unconditionally for `expected: None`
    /// (unsubscribing), else only if it is still exactly `expected` (`Conflict` otherwise).
    /// `NotFound` if there is none.
    async fn delete_subscriber(
        &self,
        id: &str,
        expected: Option<&Subscriber>,
    ) -> Result<(), StoreError>;

    /// Confirmed subscribers, earliest confirmation first.
    async fn list_confirmed_subscribers(&self) -> Result<Vec<Subscriber>, StoreError>;

    /// Unconfirmed subscribers, earliest link expiry first.
    async fn list_unconfirmed_subscribers(&self) -> Result<Vec<Subscriber>, StoreError>;
}

/// What the newsletter needs of the store: its subscribers, and the counters and outbox of
/// the accounts' store.
pub trait NewsletterPorts: crate::domain::ports::Store + NewsletterStore {}

impl<T: crate::domain::ports::Store + NewsletterStore> NewsletterPorts for T {}
