//! A sender that keeps mails in memory (tests and benchmarks).

use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use super::{MailError, MailSender};
use crate::domain::model::OutgoingMail;

/// Records every mail it is asked to send.
#[derive(Debug, Clone, Default)]
pub struct MemorySender {
    sent: Arc<Mutex<Vec<OutgoingMail>>>,
}

impl MemorySender {
    /// The mails sent so far.
    pub fn sent(&self) -> Vec<OutgoingMail> {
        self.sent
            .lock()
            .map(|list| list.clone())
            .unwrap_or_default()
    }
}

#[async_trait]
impl MailSender for MemorySender {
    async fn send(&self, _from: &str, mail: &OutgoingMail) -> Result<(), MailError> {
        self.sent
            .lock()
            .map_err(|_| MailError::Transport("poisoned".to_owned()))?
            .push(mail.clone());
        Ok(())
    }
}
