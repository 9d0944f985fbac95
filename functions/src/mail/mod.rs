//! Sending the outbox: a sender per transport, and the loop that delivers queued mails.
//!
//! Mails are queued in the store in the same transaction as the change that causes them;
//! delivery claims one mail at a time with a short lease (so two instances do not send the
//! same mail while both are alive), sends it within a time limit shorter than the lease, and
//! marks it sent. A failed send stays queued and is tried again when its lease expires; a
//! mail leased by a process that died is taken over after at most [`LEASE_SECS`].

mod folder;
mod memory;
mod outbox;
mod ses;
mod smtp;

pub use folder::FolderSender;
pub use memory::MemorySender;
pub use outbox::{LEASE_SECS, Outbox, SEND_TIMEOUT};
pub use ses::{SesConfig, SesSender};
pub use smtp::SmtpSender;

use async_trait::async_trait;
use lettre::Message;
use lettre::message::Mailbox;
use lettre::message::MultiPart;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};

use crate::domain::model::{MailHeader, OutgoingMail};

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

/// The RFC 5322 message for a queued mail: plain text (UTF-8), or `multipart/alternative`
/// with its HTML, and the mail's further header fields.
pub fn build_message(from: &str, mail: &OutgoingMail) -> Result<Message, MailError> {
    let from: Mailbox = from
        .parse()
        .map_err(|e: lettre::address::AddressError| MailError::Message(e.to_string()))?;
    let to: Mailbox = ascii_domain(&mail.to)
        .parse()
        .map_err(|e: lettre::address::AddressError| MailError::Message(e.to_string()))?;
    let mut builder = Message::builder()
        .from(from)
        .to(to)
        .subject(&mail.subject)
        .message_id(Some(format!("<{}@cloud-service-portal>", mail.id)));
    for header in &mail.headers {
        builder = builder.raw_header(raw_header(header)?);
    }
    let message = match &mail.html {
        Some(html) => builder.multipart(MultiPart::alternative_plain_html(
            mail.body.clone(),
            html.clone(),
        )),
        None => builder
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body.clone()),
    };
    message.map_err(|e| MailError::Message(e.to_string()))
}

/// A header field as lettre writes it: ASCII only, no line breaks (the values are links the
/// portal made, never text from a visitor).
fn raw_header(header: &MailHeader) -> Result<HeaderValue, MailError> {
    if !header.value.is_ascii() || header.value.contains(['\r', '\n']) {
        return Err(MailError::Message(format!(
            "header {} must be one line of ASCII",
            header.name
        )));
    }
    let name = HeaderName::new_from_ascii(header.name.clone())
        .map_err(|e| MailError::Message(format!("header name {}: {e}", header.name)))?;
    Ok(HeaderValue::new(name, header.value.clone()))
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

/// How mails leave the portal (`CSP_MAIL_TRANSPORT`, read by [`crate::config::Config`]).
#[derive(Debug, Clone)]
pub enum MailTransport {
    /// `.eml` files in a folder, links printed in the log (local use).
    Folder(std::path::PathBuf),
    /// `smtp://…` or `smtps://…` in lettre's URL syntax.
    Smtp(String),
    /// The Amazon SES API v2.
    Ses(SesConfig),
}

/// The sender for `transport`.
pub fn sender_for(transport: &MailTransport) -> Result<std::sync::Arc<dyn MailSender>, MailError> {
    Ok(match transport {
        MailTransport::Folder(folder) => std::sync::Arc::new(FolderSender::new(folder)?),
        MailTransport::Smtp(url) => std::sync::Arc::new(SmtpSender::from_url(url)?),
        MailTransport::Ses(config) => std::sync::Arc::new(SesSender::new(config)),
    })
}
