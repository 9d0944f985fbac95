//! Sending the outbox: a sender per transport, and the loop that delivers queued mails.
//!
//! Mails are queued in the store in the same transaction as the change that causes them;
//! delivery claims one mail at a time with a short lease (so two instances do not send the
//! same mail while both are alive), sends it within a time limit shorter than the lease, and
//! marks it sent. A failed send stays queued and is tried again when its lease expires; a
//! mail leased by a process that died is taken over after at most [`LEASE_SECS`].

mod folder;
mod memory;
mod ses;
mod smtp;

pub use folder::FolderSender;
pub use memory::MemorySender;
pub use ses::{SesConfig, SesSender};
pub use smtp::SmtpSender;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use lettre::Message;
use lettre::message::Mailbox;
use lettre::message::header::ContentType;

use crate::config::AppState;
use crate::domain::model::OutgoingMail;

/// What can go wrong while sending.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("invalid address or message: {0}")]
    Message(String),
    #[error("transport: {0}")]
    Transport(String),
}

/// A way to deliver one mail.
#[async_trait]
pub trait MailSender: Send + Sync {
    /// Delivers `mail` from `from` (an address such as `Portal <noreply@portal.example>`).
    async fn send(&self, from: &str, mail: &OutgoingMail) -> Result<(), MailError>;
}

/// The RFC 5322 message for a queued mail (plain text, UTF-8).
pub fn build_message(from: &str, mail: &OutgoingMail) -> Result<Message, MailError> {
    let from: Mailbox = from
        .parse()
        .map_err(|e: lettre::address::AddressError| MailError::Message(e.to_string()))?;
    let to: Mailbox = ascii_domain(&mail.to)
        .parse()
        .map_err(|e: lettre::address::AddressError| MailError::Message(e.to_string()))?;
    Message::builder()
        .from(from)
        .to(to)
        .subject(&mail.subject)
        .message_id(Some(format!("<{}@cloud-service-portal>", mail.id)))
        .header(ContentType::TEXT_PLAIN)
        .body(mail.body.clone())
        .map_err(|e| MailError::Message(e.to_string()))
}

/// The address with its domain in punycode (`amt-müller.de` → `xn--amt-mller-…`): the
/// envelope then needs no SMTPUTF8, which many servers lack.
fn ascii_domain(address: &str) -> String {
    match address.rsplit_once('@') {
        Some((local, domain)) if !domain.is_ascii() => match idna::domain_to_ascii(domain) {
            Ok(ascii) => format!("{local}@{ascii}"),
            Err(_) => address.to_owned(),
        },
        _ => address.to_owned(),
    }
}

/// How long a claimed mail is reserved for its sender. A process that dies while holding a
/// lease blocks that one mail for at most this long; a restarted (or any other) process then
/// takes it over.
pub const LEASE_SECS: i64 = 60;

/// The longest a single send may take. It ends well inside the lease, so no other sender can
/// claim a mail while its send is still under way: a mail is never sent by two at once.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(40);

/// Most mails delivered in one call of [`deliver_pending`].
const BATCH: usize = 25;

/// Delivers up to one batch of queued mails; returns how many were sent.
///
/// Each mail is claimed (leased for [`LEASE_SECS`]) right before it is sent, not a whole
/// batch at once: a process that dies holds at most one lease, and only a short one.
pub async fn deliver_pending(state: &AppState) -> usize {
    let store = state.accounts.store();
    let mut sent = 0;
    for _ in 0..BATCH {
        let now = state.accounts.now();
        let mail = match store.claim_mails(now, now + LEASE_SECS, 1).await {
            Ok(mut mails) => match mails.pop() {
                Some(mail) => mail,
                None => break,
            },
            Err(e) => {
                tracing::warn!(error = %e, "could not read the outbox");
                break;
            }
        };
        let result = tokio::time::timeout(
            SEND_TIMEOUT,
            state.mail_sender.send(&state.mail_from, &mail),
        )
        .await;
        match result {
            Ok(Ok(())) => {
                if let Err(e) = store.mark_mail_sent(&mail.id, state.accounts.now()).await {
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

/// Delivers the outbox every few seconds, and at once when a handler queued a mail.
/// Runs until the process ends (spawn it next to the local server).
pub async fn deliver_outbox_forever(state: AppState) {
    loop {
        while deliver_pending(&state).await > 0 {}
        tokio::select! {
            () = state.mail_queued.notified() => {}
            () = tokio::time::sleep(Duration::from_secs(10)) => {}
        }
    }
}

/// Signals the delivery loop (locally), or delivers right away (on Lambda, where nothing
/// runs after the response is sent).
pub async fn after_mail_queued(state: &AppState) {
    if state.deliver_inline {
        while deliver_pending(state).await > 0 {}
    } else {
        state.mail_queued.notify_one();
    }
}

/// Which sender to use, from `CSP_MAIL_TRANSPORT`: `smtp://…`/`smtps://…` (lettre URL
/// syntax), `ses` (the SES API; see [`SesConfig::from_env`]), or unset for a folder of `.eml`
/// files.
pub fn sender_from_env(default_folder: &std::path::Path) -> Result<Arc<dyn MailSender>, MailError> {
    match std::env::var("CSP_MAIL_TRANSPORT")
        .ok()
        .filter(|v| !v.is_empty())
    {
        Some(url) if url.starts_with("smtp") => Ok(Arc::new(SmtpSender::from_url(&url)?)),
        Some(ses) if ses == "ses" => Ok(Arc::new(SesSender::from_env()?)),
        Some(other) => Err(MailError::Message(format!(
            "CSP_MAIL_TRANSPORT={other} is not understood: use smtp://host:port, smtps://user:password@host or ses"
        ))),
        None => Ok(Arc::new(FolderSender::new(default_folder)?)),
    }
}
