//! Amazon SES (not yet implemented: see the report; SMTP works with SES's SMTP interface).

use async_trait::async_trait;

use super::{MailError, MailSender};
use crate::domain::model::OutgoingMail;

/// Sends through Amazon SES.
#[derive(Debug, Clone)]
pub struct SesSender;

impl SesSender {
    /// From the environment.
    pub fn from_env() -> Result<Self, MailError> {
        Err(MailError::Transport(
            "CSP_MAIL_TRANSPORT=ses is not available yet; use SES's SMTP interface: smtp://USER:PASSWORD@email-smtp.REGION.amazonaws.com:587?tls=required".to_owned(),
        ))
    }
}

#[async_trait]
impl MailSender for SesSender {
    async fn send(&self, _from: &str, _mail: &OutgoingMail) -> Result<(), MailError> {
        Err(MailError::Transport("SES sender not available".to_owned()))
    }
}
