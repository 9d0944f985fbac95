//! The operator's last resort for a lost second factor: `csp-function admin
//! reset-second-factor --email …` removes a person's factor (authenticator app and recovery
//! codes), ends the person's sessions, tells the person by mail and records it in the
//! organisation's audit trail. An operator must then set up a new factor at the next
//! sign-in (the operator gate asks for it before anything else); anyone else signs in with
//! the password alone until they switch it on again.
//!
//! The operator console offers the same reset for other people
//! ([`Orders::reset_others_second_factor`]): the same function, the acting operator named in
//! the audit entry, and never the operator's own factor (they would lock themselves out of
//! the check that lets them into the console).

use super::{OrderError, Orders};
use crate::domain::mails;
use crate::domain::model::{AuditAction, AuditEntry, Organisation, User};
use crate::domain::ports::StoreError;
use crate::domain::tokens::new_id;
use crate::domain::validation;

/// Why a second factor was not reset.
#[derive(Debug, thiserror::Error)]
pub enum ResetFactorError {
    #[error("{0}")]
    Invalid(String),
    #[error("no account has this address")]
    NoSuchPerson,
    #[error("the person has no second factor")]
    NoFactor,
    /// An operator's own factor, from the console.
    #[error("an operator resets no own second factor in the console")]
    Own,
    #[error(transparent)]
    Order(#[from] OrderError),
}

impl From<StoreError> for ResetFactorError {
    fn from(e: StoreError) -> Self {
        ResetFactorError::Order(OrderError::Store(e))
    }
}

impl Orders {
    /// Removes the second factor of the person with `email` (conditional on the record as
    /// read, with the mail and the audit entry by `actor`), then ends the person's sessions.
    pub async fn reset_second_factor(
        &self,
        email: &str,
        actor: &str,
    ) -> Result<User, ResetFactorError> {
        self.reset(email, actor, None).await
    }

    /// The person whose factor `operator` would reset from the console, and their
    /// organisation: what the confirmation step shows. Refuses as the reset would.
    pub async fn factor_holder(
        &self,
        email: &str,
        operator: &User,
    ) -> Result<(User, Organisation), ResetFactorError> {
        self.holder(email, Some(&operator.id)).await
    }

    /// [`Self::reset_second_factor`] from the operator console: `operator` is named in the
    /// audit entry and cannot reset their own factor ([`ResetFactorError::Own`]).
    pub async fn reset_others_second_factor(
        &self,
        email: &str,
        operator: &User,
    ) -> Result<User, ResetFactorError> {
        self.reset(email, &operator.name, Some(&operator.id)).await
    }

    async fn holder(
        &self,
        email: &str,
        not_of: Option<&str>,
    ) -> Result<(User, Organisation), ResetFactorError> {
        let email = validation::normalize_email(email)
            .map_err(|message| ResetFactorError::Invalid(message.to_string()))?;
        let person = self
            .store
            .find_user_by_email(&email)
            .await?
            .ok_or(ResetFactorError::NoSuchPerson)?;
        if not_of == Some(person.id.as_str()) {
            return Err(ResetFactorError::Own);
        }
        if person.second_factor.is_none() {
            return Err(ResetFactorError::NoFactor);
        }
        let org = self
            .store
            .get_org(&person.org_id)
            .await?
            .ok_or(ResetFactorError::NoSuchPerson)?;
        Ok((person, org))
    }

    async fn reset(
        &self,
        email: &str,
        actor: &str,
        not_of: Option<&str>,
    ) -> Result<User, ResetFactorError> {
        let (before, org) = self.holder(email, not_of).await?;
        let after = User {
            second_factor: None,
            ..before.clone()
        };
        let now = self.now();
        let next_step = if org.kind.is_operator() {
            "Bei Ihrer nächsten Anmeldung mit E-Mail-Adresse und Passwort richten Sie die \
Zwei-Faktor-Anmeldung neu ein; für Betreiberkonten ist sie vorgeschrieben."
        } else {
            "Sie melden sich jetzt mit E-Mail-Adresse und Passwort an. Die Zwei-Faktor-Anmeldung \
können Sie unter Ihr Konto › Profil wieder einschalten."
        };
        let mail = mails::mail(
            &before.email,
            "Ihre Zwei-Faktor-Anmeldung wurde zurückgesetzt",
            format!(
                "Guten Tag {},\n\ndas Betreiberteam hat die Zwei-Faktor-Anmeldung Ihres Kontos im \
Cloud-Service-Portal zurückgesetzt: Die Verbindung zu Ihrer Authenticator-App und Ihre \
Wiederherstellungscodes gelten nicht mehr, und Sie wurden überall abgemeldet.\n\n{next_step}\n\n\
Wenn Sie das nicht veranlasst haben, wenden Sie sich bitte sofort an das Betreiberteam.",
                before.name
            ),
            now,
        );
        let audit = AuditEntry {
            id: new_id(),
            org_id: org.id.clone(),
            at: now,
            actor: actor.to_owned(),
            action: AuditAction::SecondFactorReset,
            subject: format!("{} <{}>", before.name, before.email),
            detail: String::new(),
        };
        self.store
            .reset_second_factor(&before, &after, &mail, &audit)
            .await?;
        self.store.delete_user_sessions(&before.id).await?;
        tracing::info!(event = "second_factor_reset", user = %before.id);
        Ok(after)
    }
}
