//! SMTP through lettre.

use async_trait::async_trait;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use super::{MailError, MailSender, build_message};
use crate::domain::model::OutgoingMail;

/// Sends through an SMTP server.
#[derive(Clone)]
pub struct SmtpSender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

impl std::fmt::Debug for SmtpSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SmtpSender")
    }
}

impl SmtpSender {
    /// From a lettre URL: `smtp://host:port` (no TLS, for a local relay),
    /// `smtp://user:password@host:587?tls=required` (STARTTLS) or `smtps://user:password@host`.
    pub fn from_url(url: &str) -> Result<Self, MailError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| MailError::Transport(format!("SMTP URL: {e}")))?
            .build();
        Ok(Self { transport })
    }
}

#[async_trait]
impl MailSender for SmtpSender {
    async fn send(&self, from: &str, mail: &OutgoingMail) -> Result<(), MailError> {
        let message = build_message(from, mail)?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| MailError::Transport(e.to_string()))
    }
}
