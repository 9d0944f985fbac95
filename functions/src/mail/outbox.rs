//! The outbox service: delivers the mails the store queued, with the store, sender and clock
//! it needs and nothing else of the application.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

use super::MailSender;
use crate::domain::clock::Clock;
use crate::domain::ports::Store;

/// How long a claimed mail is reserved for its sender. A process that dies while holding a
/// lease blocks that one mail for at most this long; a restarted (or any other) process then
/// takes it over.
pub const LEASE_SECS: i64 = 60;

/// The longest a single send may take. It ends well inside the lease, so no other sender can
/// claim a mail while its send is still under way: a mail is never sent by two at once.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(40);

/// Most mails delivered in one call of [`Outbox::deliver_pending`].
const BATCH: usize = 25;

/// The default sender address.
pub const DEFAULT_FROM: &str = "Cloud-Service-Portal <noreply@cloud-service-portal.invalid>";

/// Delivers queued mails: right after a handler queued one (inline on Lambda, where nothing
/// runs after the response, or by waking the background loop locally) and in that loop.
pub struct Outbox {
    store: Arc<dyn Store>,
    sender: Arc<dyn MailSender>,
    clock: Arc<dyn Clock>,
    /// Sender address of every mail.
    from: String,
    /// Deliver before answering (Lambda) instead of in the background loop.
    deliver_inline: bool,
    queued: Notify,
}

impl std::fmt::Debug for Outbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbox")
            .field("from", &self.from)
            .field("deliver_inline", &self.deliver_inline)
            .finish_non_exhaustive()
    }
}

impl Outbox {
    pub fn new(store: Arc<dyn Store>, sender: Arc<dyn MailSender>, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            sender,
            clock,
            from: DEFAULT_FROM.to_owned(),
            deliver_inline: false,
            queued: Notify::new(),
        }
    }

    /// The same outbox sending from `from`.
    pub fn from_address(self, from: &str) -> Self {
        Self {
            from: from.to_owned(),
            ..self
        }
    }

    /// The same outbox delivering before the handler answers (`true`) or in the background.
    pub fn inline(self, deliver_inline: bool) -> Self {
        Self {
            deliver_inline,
            ..self
        }
    }

    /// A copy with the same store, sender and clock (its own wake-up signal).
    pub fn duplicate(&self) -> Self {
        Self {
            store: self.store.clone(),
            sender: self.sender.clone(),
            clock: self.clock.clone(),
            from: self.from.clone(),
            deliver_inline: self.deliver_inline,
            queued: Notify::new(),
        }
    }

    /// A copy sending through `sender` instead (same store, clock and sender address).
    pub fn with_sender(&self, sender: Arc<dyn MailSender>) -> Self {
        Self {
            sender,
            ..self.duplicate()
        }
    }

    pub fn from(&self) -> &str {
        &self.from
    }

    /// Delivers up to one batch of queued mails; returns how many were sent.
    ///
    /// Each mail is claimed (leased for [`LEASE_SECS`]) right before it is sent, not a whole
    /// batch at once: a process that dies holds at most one lease, and only a short one.
    pub async fn deliver_pending(&self) -> usize {
        let mut sent = 0;
        for _ in 0..BATCH {
            let now = self.clock.now();
            let mail = match self.store.claim_mails(now, now + LEASE_SECS, 1).await {
                Ok(mut mails) => match mails.pop() {
                    Some(mail) => mail,
                    None => break,
                },
                Err(e) => {
                    tracing::warn!(error = %e, "could not read the outbox");
                    break;
                }
            };
            let result =
                tokio::time::timeout(SEND_TIMEOUT, self.sender.send(&self.from, &mail)).await;
            match result {
                Ok(Ok(())) => {
                    if let Err(e) = self.store.mark_mail_sent(&mail.id, self.clock.now()).await {
                        tracing::warn!(mail = %mail.id, error = %e, "sent, but could not mark it sent");
                    }
                    sent += 1;
                }
                Ok(Err(e)) => {
                    tracing::warn!(mail = %mail.id, error = %e, "sending failed; will retry");
                    break;
                }
                Err(_) => {
                    tracing::warn!(mail = %mail.id, "sending took too long; will retry");
                    break;
                }
            }
        }
        sent
    }

    /// Delivers until the outbox is empty (or a send fails); returns how many were sent.
    pub async fn deliver_all(&self) -> usize {
        let mut sent = 0;
        loop {
            let batch = self.deliver_pending().await;
            if batch == 0 {
                return sent;
            }
            sent += batch;
        }
    }

    /// Delivers the outbox every few seconds, and at once when a handler queued a mail.
    /// Runs until the process ends (spawn it next to the local server).
    pub async fn deliver_forever(self: Arc<Self>) {
        loop {
            self.deliver_all().await;
            tokio::select! {
                () = self.queued.notified() => {}
                () = tokio::time::sleep(Duration::from_secs(10)) => {}
            }
        }
    }

    /// Called after a change queued mails: delivers right away (Lambda) or wakes the loop.
    pub async fn mail_queued(&self) {
        if self.deliver_inline {
            self.deliver_all().await;
        } else {
            self.queued.notify_one();
        }
    }
}
