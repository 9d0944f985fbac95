//! The local default: each mail becomes an `.eml` file, and its links are printed in the log
//! so a newcomer can click the confirmation link.

use std::path::{Path, PathBuf};

use async_trait::async_trait;

use super::{MailError, MailSender, build_message};
use crate::domain::model::OutgoingMail;

/// Writes `<created>-<id>.eml` files into a folder.
#[derive(Debug, Clone)]
pub struct FolderSender {
    dir: PathBuf,
}

impl FolderSender {
    /// Creates the folder if needed.
    pub fn new(dir: &Path) -> Result<Self, MailError> {
        crate::private_files::create_private_dir_all(dir)
            .map_err(|e| MailError::Transport(format!("cannot create {}: {e}", dir.display())))?;
        Ok(Self {
            dir: dir.to_owned(),
        })
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

#[async_trait]
impl MailSender for FolderSender {
    async fn send(&self, from: &str, mail: &OutgoingMail) -> Result<(), MailError> {
        let message = build_message(from, mail)?;
        let path = self
            .dir
            .join(format!("{}-{}.eml", mail.created_at, mail.id));
        // Mails hold personal data: readable by the owner only.
        let (target, bytes) = (path.clone(), message.formatted());
        tokio::task::spawn_blocking(move || crate::private_files::write_private(&target, &bytes))
            .await
            .map_err(|e| MailError::Transport(e.to_string()))?
            .map_err(|e| MailError::Transport(format!("cannot write {}: {e}", path.display())))?;
        // Local development only: the links are what the developer needs to continue.
        for link in mail
            .body
            .lines()
            .map(str::trim)
            .filter(|l| l.starts_with("http"))
        {
            tracing::info!(file = %path.display(), link, "mail written");
        }
        Ok(())
    }
}
