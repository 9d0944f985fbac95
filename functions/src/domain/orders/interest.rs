//! "Interesse bekunden": a signed-in person of a customer organisation tells the provider of
//! an offering that the organisation is interested, with an optional message. The provider
//! gets a mail (to the address that receives its orders) and sees it in its console; the
//! customer sees it in the account and can withdraw it.
//!
//! Invariants, each a conditional write in the store:
//! - An organisation has at most one open (not withdrawn) expression per offering: a second
//!   one, also when two are sent at once, stores nothing and answers with the open one
//!   ([`InterestError::Exists`]). After withdrawing, the organisation may express interest
//!   again (a new record).
//! - The expression and the provider's mail are written together or not at all.
//! - Withdrawing is conditional on the expression being open; withdrawing twice (or twice at
//!   once) is harmless: the first wins, the second learns it was withdrawn already.

use async_trait::async_trait;
use catalog::forms::interest::express;
use serde::{Deserialize, Serialize};

use super::{OrderScope, Orders};
use crate::domain::accounts::{RateLimit, SessionInfo};
use crate::domain::clock::german_datetime;
use crate::domain::input::Problems;
use crate::domain::mails::mail;
use crate::domain::model::{OrgKind, OutgoingMail, Right};
use crate::domain::ports::StoreError;
use crate::domain::tokens::new_id;

/// Expressions of interest one person may send per hour (then [`InterestError::RateLimited`]).
pub const PER_PERSON: RateLimit = RateLimit {
    max: 20,
    window_secs: 3600,
};

/// One expression of interest, with what the provider needs to answer it: the organisation,
/// the person and how to reach them, as they were when it was sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interest {
    pub id: String,
    pub org_id: String,
    pub org_name: String,
    pub user_id: String,
    pub user_name: String,
    pub user_email: String,
    pub user_phone: String,
    pub offering_id: String,
    pub offering_name: String,
    pub provider_id: String,
    /// Empty if none was written.
    pub message: String,
    pub created_at: i64,
    /// When it was withdrawn; `None` while it is open.
    pub withdrawn_at: Option<i64>,
}

impl Interest {
    pub fn is_open(&self) -> bool {
        self.withdrawn_at.is_none()
    }

    /// Newest first (ties by id, so both stores list alike).
    pub fn sort_newest_first(list: &mut [Interest]) {
        list.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
    }
}

/// The store's port for expressions of interest: kept by id, listed by the customer
/// organisation and by the provider through keys or indexes (never a scan).
#[async_trait]
pub trait InterestStore: Send + Sync {
    /// Stores `interest` (open) with the provider's `mail`, all or nothing; `Conflict` if the
    /// organisation has an open expression for the offering (then nothing is written).
    async fn create_interest(
        &self,
        interest: &Interest,
        mail: &OutgoingMail,
    ) -> Result<(), StoreError>;

    async fn get_interest(&self, id: &str) -> Result<Option<Interest>, StoreError>;

    /// The organisation's open expression for the offering, if any.
    async fn open_interest(
        &self,
        org_id: &str,
        offering_id: &str,
    ) -> Result<Option<Interest>, StoreError>;

    /// The organisation's expressions (open and withdrawn), newest first.
    async fn list_org_interests(&self, org_id: &str) -> Result<Vec<Interest>, StoreError>;

    /// The expressions addressed to the provider (open and withdrawn), newest first.
    async fn list_provider_interests(&self, provider_id: &str)
    -> Result<Vec<Interest>, StoreError>;

    /// Marks `interest` withdrawn at `at` if it is still open; `Conflict` if it was
    /// withdrawn meanwhile, `NotFound` if there is no such expression.
    async fn withdraw_interest(&self, interest: &Interest, at: i64) -> Result<(), StoreError>;
}

/// Why an expression of interest was not stored or not withdrawn.
#[derive(Debug, thiserror::Error)]
pub enum InterestError {
    /// The message is too long.
    #[error("invalid input")]
    Invalid(InterestProblems),
    /// No such offering in the catalog snapshot.
    #[error("unknown offering")]
    UnknownOffering,
    /// Only customer organisations express interest (not providers, the intermediary or
    /// the operator).
    #[error("only customer organisations express interest")]
    NotCustomer,
    /// The console's list is for provider organisations only.
    #[error("not a provider organisation")]
    NotProvider,
    /// The person lacks the right "Alle Bestellungen der Organisation sehen".
    #[error("the right to see the organisation's orders is needed")]
    RightNeeded,
    /// The organisation has an open expression for this offering.
    #[error("an open expression of interest exists")]
    Exists(Box<Interest>),
    /// No such expression, or not visible to the person.
    #[error("not found")]
    NotFound,
    #[error("too many expressions of interest")]
    RateLimited { retry_after: i64 },
    #[error("no catalog snapshot")]
    NoCatalog,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What withdrawing did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Withdrawal {
    /// Withdrawn now.
    Withdrawn,
    /// It had been withdrawn before (by this request's twin, or earlier): nothing changed.
    AlreadyWithdrawn,
}

/// The form "Interesse bekunden", as typed (the pattern: [`crate::domain::input`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InterestInput {
    /// The optional message to the provider, as typed.
    pub message: String,
}

/// The fields of [`InterestInput`] a problem can be about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InterestField {
    Message,
}

/// The messages about an [`InterestInput`].
pub type InterestProblems = Problems<InterestField>;

/// The message of the form: trimmed, at most `express::MESSAGE.max_len` characters.
pub fn validate_message(input: &InterestInput) -> Result<String, InterestProblems> {
    let message = input.message.trim();
    let length = message.chars().count();
    if length > express::MESSAGE.max_len {
        let mut problems = InterestProblems::default();
        problems.add(
            InterestField::Message,
            format!(
                "Bitte kürzen Sie die Nachricht auf höchstens {} Zeichen (jetzt {length}).",
                express::MESSAGE.max_len
            ),
        );
        return Err(problems);
    }
    Ok(message.to_owned())
}

/// The provider's mail: who, how to reach them, which offering, when, and the message.
pub fn interest_mail(to: &str, interest: &Interest, console_link: &str) -> OutgoingMail {
    let phone = if interest.user_phone.is_empty() {
        "keine Angabe"
    } else {
        interest.user_phone.as_str()
    };
    let message = if interest.message.is_empty() {
        "(keine Nachricht)"
    } else {
        interest.message.as_str()
    };
    mail(
        to,
        &format!("Interesse an {}", interest.offering_name),
        format!(
            "Guten Tag,\n\n{org} interessiert sich für Ihr Angebot {offering} im Cloud-Service-Portal.\n\n\
Organisation: {org}\nAnsprechperson: {name}\nE-Mail: {email}\nTelefon: {phone}\nAngebot: {offering} ({offering_id})\nBekundet am: {at}\n\n\
Nachricht:\n{message}\n\nBitte nehmen Sie direkt mit der Ansprechperson Kontakt auf. Alle Interessenbekundungen an Ihre Organisation:\n{console_link}",
            org = interest.org_name,
            offering = interest.offering_name,
            offering_id = interest.offering_id,
            name = interest.user_name,
            email = interest.user_email,
            at = german_datetime(interest.created_at),
        ),
        interest.created_at,
    )
}

/// Where the console's list of expressions of interest is.
pub const CONSOLE_PATH: &str = "/api/konto/eingegangene-interessen";

impl Orders {
    /// The session's organisation must be a customer.
    fn customer_only(session: &SessionInfo) -> Result<(), InterestError> {
        match session.org.kind {
            OrgKind::Customer => Ok(()),
            _ => Err(InterestError::NotCustomer),
        }
    }

    /// The offering of the catalog snapshot (its id, name and provider) for the form.
    fn interest_offering(
        &self,
        session: &SessionInfo,
        offering_id: &str,
    ) -> Result<catalog::snapshot::OrderableOffering, InterestError> {
        Self::customer_only(session)?;
        let catalog = self.catalog().map_err(|_| InterestError::NoCatalog)?;
        catalog
            .offering(offering_id)
            .cloned()
            .ok_or(InterestError::UnknownOffering)
    }

    /// The open expression of the session's organisation for the offering, if any (the
    /// form shows it instead of asking again).
    pub async fn open_interest_for(
        &self,
        session: &SessionInfo,
        offering_id: &str,
    ) -> Result<Option<Interest>, InterestError> {
        Self::customer_only(session)?;
        Ok(self
            .store
            .open_interest(&session.org.id, offering_id)
            .await?)
    }

    /// Stores the session's organisation's expression of interest in `offering_id` and
    /// queues the provider's mail with it; [`InterestError::Exists`] if the organisation
    /// has an open one for the offering.
    pub async fn express_interest(
        &self,
        session: &SessionInfo,
        offering_id: &str,
        input: &InterestInput,
    ) -> Result<Interest, InterestError> {
        let offering = self.interest_offering(session, offering_id)?;
        let message = validate_message(input).map_err(InterestError::Invalid)?;
        if let Some(open) = self
            .store
            .open_interest(&session.org.id, &offering.id)
            .await?
        {
            return Err(InterestError::Exists(Box::new(open)));
        }
        self.count_interest(session).await?;
        let now = self.now();
        let interest = Interest {
            id: new_id(),
            org_id: session.org.id.clone(),
            org_name: session.org.name.clone(),
            user_id: session.user.id.clone(),
            user_name: session.user.name.clone(),
            user_email: session.user.email.clone(),
            user_phone: session.user.phone.clone(),
            offering_id: offering.id.clone(),
            offering_name: offering.name.clone(),
            provider_id: offering.provider.id.clone(),
            message,
            created_at: now,
            withdrawn_at: None,
        };
        let mail = interest_mail(
            &offering.provider.order_email,
            &interest,
            &self.link(CONSOLE_PATH),
        );
        match self.store.create_interest(&interest, &mail).await {
            Ok(()) => {
                tracing::info!(event = "interest_expressed", interest = %interest.id, offering = %interest.offering_id);
                Ok(interest)
            }
            Err(StoreError::Conflict) => {
                // Another request of the organisation was first.
                match self
                    .store
                    .open_interest(&session.org.id, &offering.id)
                    .await?
                {
                    Some(open) => Err(InterestError::Exists(Box::new(open))),
                    None => Err(StoreError::Conflict.into()),
                }
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Counts one expression against [`PER_PERSON`].
    async fn count_interest(&self, session: &SessionInfo) -> Result<(), InterestError> {
        let now = self.now();
        let window = PER_PERSON.window_secs.max(1);
        let start = now.div_euclid(window);
        let end = (start + 1) * window;
        let count = self
            .store
            .increment_counter(
                &format!("rate:interest:{}:{start}", session.user.id),
                now,
                end,
            )
            .await?;
        if count > PER_PERSON.max {
            return Err(InterestError::RateLimited {
                retry_after: end - now,
            });
        }
        Ok(())
    }

    /// The expressions the session's person sees, newest first: the organisation's with the
    /// right "Alle Bestellungen der Organisation sehen", else their own.
    pub async fn interests_of(
        &self,
        session: &SessionInfo,
    ) -> Result<Vec<Interest>, InterestError> {
        Self::customer_only(session)?;
        let scope = OrderScope::of(session);
        let mut list = self.store.list_org_interests(&session.org.id).await?;
        list.retain(|i| sees(scope, session, i));
        Ok(list)
    }

    /// Withdraws an expression the session's person sees; withdrawing one that is withdrawn
    /// already changes nothing and says so.
    pub async fn withdraw_interest(
        &self,
        session: &SessionInfo,
        id: &str,
    ) -> Result<(Interest, Withdrawal), InterestError> {
        Self::customer_only(session)?;
        let scope = OrderScope::of(session);
        let interest = match self.store.get_interest(id).await? {
            Some(i) if sees(scope, session, &i) => i,
            _ => return Err(InterestError::NotFound),
        };
        if !interest.is_open() {
            return Ok((interest, Withdrawal::AlreadyWithdrawn));
        }
        let now = self.now();
        match self.store.withdraw_interest(&interest, now).await {
            Ok(()) => {
                tracing::info!(event = "interest_withdrawn", interest = %interest.id);
                let mut after = interest;
                after.withdrawn_at = Some(now);
                Ok((after, Withdrawal::Withdrawn))
            }
            Err(StoreError::Conflict) => {
                let current = self
                    .store
                    .get_interest(id)
                    .await?
                    .ok_or(InterestError::NotFound)?;
                Ok((current, Withdrawal::AlreadyWithdrawn))
            }
            Err(StoreError::NotFound) => Err(InterestError::NotFound),
            Err(e) => Err(e.into()),
        }
    }

    /// The expressions addressed to the provider organisation of the session, newest first;
    /// [`InterestError::NotProvider`] for other organisations, [`InterestError::RightNeeded`]
    /// for a provider's people without the right to see the organisation's orders.
    pub async fn interests_for_provider(
        &self,
        session: &SessionInfo,
    ) -> Result<Vec<Interest>, InterestError> {
        let OrgKind::Provider { provider_id } = &session.org.kind else {
            return Err(InterestError::NotProvider);
        };
        if !session.rights().has(Right::SeeAllOrders) {
            return Err(InterestError::RightNeeded);
        }
        Ok(self.store.list_provider_interests(provider_id).await?)
    }
}

/// Whether the session's person sees `interest` in `scope`.
fn sees(scope: OrderScope, session: &SessionInfo, interest: &Interest) -> bool {
    interest.org_id == session.org.id
        && (scope == OrderScope::Organisation || interest.user_id == session.user.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn interest(message: &str, phone: &str) -> Interest {
        Interest {
            id: "i1".into(),
            org_id: "o1".into(),
            org_name: "Stadt Köln".into(),
            user_id: "u1".into(),
            user_name: "Erika Mustermann".into(),
            user_email: "erika@koeln.de".into(),
            user_phone: phone.into(),
            offering_id: "dmessenger".into(),
            offering_name: "dMessenger".into(),
            provider_id: "dataport".into(),
            message: message.into(),
            created_at: 1_800_000_000,
            withdrawn_at: None,
        }
    }

    #[test]
    fn the_message_is_optional_trimmed_and_bounded() {
        let typed = |message: &str| InterestInput {
            message: message.to_owned(),
        };
        let empty = typed("   ");
        assert_eq!(validate_message(&empty).ok().as_deref(), Some(""));
        let at_limit = "ä".repeat(express::MESSAGE_MAX);
        let input = typed(&at_limit);
        assert_eq!(validate_message(&input).ok(), Some(at_limit.clone()));
        let over = format!("{at_limit}x");
        let input = typed(&over);
        let errors = validate_message(&input).err().unwrap_or_default();
        assert!(
            errors
                .get(&InterestField::Message)
                .is_some_and(|m| m.contains("1000"))
        );
    }

    #[test]
    fn the_mail_names_organisation_person_contact_offering_date_and_message() {
        let mail = interest_mail(
            "bestellungen@dataport.example",
            &interest("Wir planen 2027 eine Einführung.", ""),
            "https://portal.example/api/konto/eingegangene-interessen",
        );
        assert_eq!(mail.to, "bestellungen@dataport.example");
        assert_eq!(mail.subject, "Interesse an dMessenger");
        for part in [
            "Organisation: Stadt Köln",
            "Ansprechperson: Erika Mustermann",
            "E-Mail: erika@koeln.de",
            "Telefon: keine Angabe",
            "Angebot: dMessenger (dmessenger)",
            "Bekundet am: 15.01.2027",
            "Wir planen 2027 eine Einführung.",
            "https://portal.example/api/konto/eingegangene-interessen",
        ] {
            assert!(mail.body.contains(part), "{part} missing in {}", mail.body);
        }
        let without = interest_mail("x@y.example", &interest("", "030 1"), "l");
        assert!(without.body.contains("(keine Nachricht)"));
        assert!(without.body.contains("Telefon: 030 1"));
    }

    #[test]
    fn newest_first_with_ties_by_id() {
        let mut a = interest("", "");
        a.id = "a".into();
        let mut b = a.clone();
        b.id = "b".into();
        let mut c = a.clone();
        c.id = "c".into();
        c.created_at += 1;
        let mut list = vec![a, b, c];
        Interest::sort_newest_first(&mut list);
        let ids: Vec<&str> = list.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["c", "b", "a"]);
    }
}
