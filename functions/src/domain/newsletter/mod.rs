//! The newsletter with double opt-in: an address entered in the footer gets a confirmation
//! link (single use, expiring with the registration's confirmation period); only a confirmed
//! address receives issues; every issue carries a link that unsubscribes, which deletes the
//! address. The form answers the same whether or not an address is known, and sends at most
//! [`crate::domain::Limits::newsletter_mails_per_address`] mails to one address, so it can
//! neither reveal subscribers nor flood a mailbox.
//!
//! Links: the confirmation link is `<id>.<secret>` (the store keeps the secret's SHA-256);
//! the unsubscribe link is `<id>.<HMAC of the id>`, valid as long as the subscription, and
//! needs nothing stored.

pub mod campaign;
pub mod mails;
pub mod ports;

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::accounts::input::{AccountField, AccountProblems, NewsletterInput};
use super::accounts::{AccountError, Accounts};
use super::ports::StoreError;
use super::tokens::{is_well_formed_token, new_secret_token, sha256_hex};
use super::validation::normalize_email;
use campaign::Campaign;
use ports::NewsletterPorts;

/// One address on the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscriber {
    pub id: String,
    /// Normalised (trimmed, NFC, lower case).
    pub email: String,
    /// When the address was entered (the latest time while unconfirmed).
    pub subscribed_at: i64,
    /// When the link was confirmed; `None` while unconfirmed.
    pub confirmed_at: Option<i64>,
    /// SHA-256 of the confirmation link's secret; empty once confirmed.
    pub confirm_hash: String,
    /// When the confirmation link expires; an unconfirmed entry is removed then.
    pub confirm_expires_at: i64,
}

impl Subscriber {
    pub fn is_confirmed(&self) -> bool {
        self.confirmed_at.is_some()
    }
}

/// What sending an issue did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SendReport {
    /// Mails queued now.
    pub queued: usize,
    /// Subscribers this issue was queued for before (the command ran again): skipped.
    pub already_queued: usize,
    /// When the last mail queued now may leave (the throttle).
    pub last_not_before: i64,
}

/// The newsletter flows over the store, with the accounts' human check, rate limits, clock,
/// settings and signing key.
pub struct Newsletter {
    store: Arc<dyn NewsletterPorts>,
    accounts: Arc<Accounts>,
}

impl std::fmt::Debug for Newsletter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Newsletter")
    }
}

/// The separator of a link token's parts.
const SEPARATOR: char = '.';

impl Newsletter {
    pub fn new(store: Arc<dyn NewsletterPorts>, accounts: Arc<Accounts>) -> Self {
        Self { store, accounts }
    }

    fn link(&self, path: &str, token: &str) -> String {
        format!(
            "{}{path}?token={token}",
            self.accounts.settings().public_base_url
        )
    }

    /// The unsubscribe link's token of a subscriber.
    pub fn unsubscribe_token(&self, subscriber_id: &str) -> String {
        let signature = self
            .accounts
            .secret()
            .sign(&format!("newsletter-unsubscribe|{subscriber_id}"));
        format!("{subscriber_id}{SEPARATOR}{signature}")
    }

    /// The address that unsubscribes `subscriber_id` (link and one-click POST).
    pub fn unsubscribe_link(&self, subscriber_id: &str) -> String {
        self.link(
            "/api/newsletter/abmelden",
            &self.unsubscribe_token(subscriber_id),
        )
    }

    /// Enters an address: a new or unconfirmed one gets a (new) confirmation link, a
    /// confirmed one a notice that it is subscribed already. Answers `Ok` in every case
    /// (and for a filled honeypot, storing nothing); refuses only input to correct, a
    /// failed human check and a client over its limit.
    pub async fn subscribe(
        &self,
        input: &NewsletterInput,
        client: &str,
    ) -> Result<(), AccountError> {
        if !input.human.honeypot.is_empty() {
            tracing::info!(event = "honeypot", "newsletter subscription dropped");
            return Ok(());
        }
        let mut errors = AccountProblems::default();
        let email = match normalize_email(&input.email) {
            Ok(email) => Some(email),
            Err(message) => {
                errors.add(AccountField::NewsletterEmail, message);
                None
            }
        };
        let passed = self
            .accounts
            .pass_human_check(&input.human, &mut errors)
            .await?;
        let (Some(email), true) = (email, passed) else {
            return Err(AccountError::Problems(errors));
        };
        let limits = &self.accounts.settings().limits;
        self.accounts
            .count_against("newsletter", client, limits.newsletter_per_client)
            .await?;
        // Mails to one address are limited whatever their kind: past the limit the form
        // answers the same and sends nothing.
        match self
            .accounts
            .count_against(
                "newsletter-mail",
                &email,
                limits.newsletter_mails_per_address,
            )
            .await
        {
            Ok(()) => {}
            Err(AccountError::RateLimited { .. }) => {
                tracing::info!(event = "newsletter_mail_limit", "no mail sent");
                return Ok(());
            }
            Err(e) => return Err(e),
        }
        let now = self.accounts.now();
        let existing = self.store.find_subscriber_by_email(&email).await?;
        match existing {
            Some(subscriber) if subscriber.is_confirmed() => {
                let mail =
                    mails::already_subscribed(&email, &self.unsubscribe_link(&subscriber.id), now);
                self.store.enqueue_mail(&mail).await?;
                tracing::info!(event = "newsletter_already_subscribed");
            }
            Some(before) => {
                let (after, mail) = self.with_new_link(&before, now);
                match self
                    .store
                    .replace_subscriber(&before, &after, Some(&mail))
                    .await
                {
                    // Confirmed or removed meanwhile: that request's answer stands.
                    Ok(()) | Err(StoreError::Conflict | StoreError::NotFound) => {}
                    Err(e) => return Err(e.into()),
                }
                tracing::info!(event = "newsletter_link_renewed", subscriber = %before.id);
            }
            None => {
                let fresh = Subscriber {
                    id: super::tokens::new_id(),
                    email: email.clone(),
                    subscribed_at: now,
                    confirmed_at: None,
                    confirm_hash: String::new(),
                    confirm_expires_at: now,
                };
                let (subscriber, mail) = self.with_new_link(&fresh, now);
                match self.store.create_subscriber(&subscriber, &mail).await {
                    // Entered by a request at the same moment, which sent its own link.
                    Ok(()) | Err(StoreError::EmailTaken) => {}
                    Err(e) => return Err(e.into()),
                }
                tracing::info!(event = "newsletter_subscribed", subscriber = %subscriber.id);
            }
        }
        Ok(())
    }

    /// `subscriber` with a new confirmation link valid from `now`, and its mail.
    fn with_new_link(
        &self,
        subscriber: &Subscriber,
        now: i64,
    ) -> (Subscriber, super::model::OutgoingMail) {
        let secret = new_secret_token();
        let ttl = self.accounts.settings().confirm_ttl_secs;
        let after = Subscriber {
            subscribed_at: now,
            confirm_hash: sha256_hex(&secret),
            confirm_expires_at: now + ttl,
            ..subscriber.clone()
        };
        let link = self.link(
            "/api/newsletter/bestaetigen",
            &format!("{}{SEPARATOR}{secret}", subscriber.id),
        );
        let mail = mails::confirm_subscription(&subscriber.email, &link, ttl / 3600, now);
        (after, mail)
    }

    /// The unconfirmed subscriber a confirmation link is for, if the link is still valid.
    pub async fn check_confirm_link(&self, token: &str) -> Result<Subscriber, AccountError> {
        let (id, secret) = token
            .split_once(SEPARATOR)
            .filter(|(id, secret)| is_well_formed_id(id) && is_well_formed_token(secret))
            .ok_or(AccountError::InvalidLink)?;
        match self.store.get_subscriber(id).await? {
            Some(subscriber)
                if !subscriber.is_confirmed()
                    && subscriber.confirm_hash == sha256_hex(secret)
                    && subscriber.confirm_expires_at > self.accounts.now() =>
            {
                Ok(subscriber)
            }
            _ => Err(AccountError::InvalidLink),
        }
    }

    /// Confirms the subscription of a confirmation link; the link works once.
    pub async fn confirm(&self, token: &str) -> Result<(), AccountError> {
        let before = self.check_confirm_link(token).await?;
        let after = Subscriber {
            confirmed_at: Some(self.accounts.now()),
            confirm_hash: String::new(),
            ..before.clone()
        };
        match self.store.replace_subscriber(&before, &after, None).await {
            Ok(()) => {
                tracing::info!(event = "newsletter_confirmed", subscriber = %before.id);
                Ok(())
            }
            Err(StoreError::Conflict | StoreError::NotFound) => Err(AccountError::InvalidLink),
            Err(e) => Err(e.into()),
        }
    }

    /// The subscriber id of an unsubscribe link, if it is one the portal made.
    pub fn check_unsubscribe_link(&self, token: &str) -> Result<String, AccountError> {
        let (id, signature) = token
            .split_once(SEPARATOR)
            .filter(|(id, _)| is_well_formed_id(id))
            .ok_or(AccountError::InvalidLink)?;
        if self
            .accounts
            .secret()
            .verify(&format!("newsletter-unsubscribe|{id}"), signature)
        {
            Ok(id.to_owned())
        } else {
            Err(AccountError::InvalidLink)
        }
    }

    /// Unsubscribes: deletes the address. Using the link again answers the same.
    pub async fn unsubscribe(&self, token: &str) -> Result<(), AccountError> {
        let id = self.check_unsubscribe_link(token)?;
        match self.store.delete_subscriber(&id, None).await {
            Ok(()) => {
                tracing::info!(event = "newsletter_unsubscribed", subscriber = %id);
                Ok(())
            }
            Err(StoreError::NotFound) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// The confirmed subscribers, earliest confirmation first.
    pub async fn confirmed(&self) -> Result<Vec<Subscriber>, StoreError> {
        self.store.list_confirmed_subscribers().await
    }

    /// Queues `campaign` for every confirmed subscriber, `per_minute` mails a minute from
    /// now (each mail waits in the outbox until its minute; delivery and retries are the
    /// outbox's). Each address gets an issue once: its mail's id is derived from the issue's
    /// hash and the address, and the outbox refuses an id twice.
    pub async fn send(
        &self,
        campaign: &Campaign,
        per_minute: u32,
    ) -> Result<SendReport, StoreError> {
        let per_minute = i64::from(per_minute.max(1));
        let now = self.accounts.now();
        let mut report = SendReport {
            last_not_before: now,
            ..SendReport::default()
        };
        for subscriber in self.confirmed().await? {
            let slot = i64::try_from(report.queued).unwrap_or(i64::MAX);
            let not_before = now.saturating_add(slot.saturating_mul(60) / per_minute);
            let id = sha256_hex(&format!(
                "newsletter|{}|{}",
                campaign.hash, subscriber.email
            ))[..32]
                .to_owned();
            let mail = mails::issue(
                id,
                &subscriber.email,
                campaign,
                &self.unsubscribe_link(&subscriber.id),
                not_before,
            );
            match self.store.enqueue_mail(&mail).await {
                Ok(()) => {
                    report.queued += 1;
                    report.last_not_before = not_before;
                }
                Err(StoreError::Conflict) => report.already_queued += 1,
                Err(e) => return Err(e),
            }
        }
        tracing::info!(
            event = "newsletter_queued",
            issue = %&campaign.hash[..12],
            queued = report.queued,
            already_queued = report.already_queued
        );
        Ok(report)
    }

    /// Deletes the unconfirmed entries whose link expired by now; returns how many.
    pub async fn remove_unconfirmed(&self) -> Result<usize, StoreError> {
        let now = self.accounts.now();
        let mut removed = 0;
        for subscriber in self.store.list_unconfirmed_subscribers().await? {
            if subscriber.confirm_expires_at > now {
                // Earliest expiry first: the rest are still valid.
                break;
            }
            match self
                .store
                .delete_subscriber(&subscriber.id, Some(&subscriber))
                .await
            {
                Ok(()) => removed += 1,
                // Confirmed, renewed or removed meanwhile.
                Err(StoreError::Conflict | StoreError::NotFound) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(removed)
    }
}

/// A subscriber id as [`super::tokens::new_id`] makes them: 32 hex digits.
fn is_well_formed_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The confirmed addresses as CSV for German spreadsheet programs: UTF-8 with byte order
/// mark, `;` between fields, CRLF line ends, dates as `TT.MM.JJJJ, HH:MM Uhr`.
pub fn export_csv(subscribers: &[Subscriber]) -> String {
    use crate::domain::clock::german_datetime;
    let mut csv = String::from("\u{feff}E-Mail-Adresse;Eingetragen am;Bestätigt am\r\n");
    for subscriber in subscribers {
        let confirmed = subscriber
            .confirmed_at
            .map(german_datetime)
            .unwrap_or_default();
        for (i, field) in [
            subscriber.email.as_str(),
            &german_datetime(subscriber.subscribed_at),
            &confirmed,
        ]
        .into_iter()
        .enumerate()
        {
            if i > 0 {
                csv.push(';');
            }
            csv.push_str(&csv_field(field));
        }
        csv.push_str("\r\n");
    }
    csv
}

/// A field quoted if it needs to be; a leading `=`, `+`, `-` or `@` is prefixed with `'` so
/// a spreadsheet does not run it as a formula.
fn csv_field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if value.contains([';', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_export_opens_in_german_spreadsheets() {
        let subscriber = Subscriber {
            id: "a".repeat(32),
            email: "=anna;@amt.de".to_owned(),
            subscribed_at: 1_800_000_000,
            confirmed_at: Some(1_800_000_600),
            confirm_hash: String::new(),
            confirm_expires_at: 0,
        };
        let csv = export_csv(&[subscriber]);
        assert!(csv.starts_with("\u{feff}E-Mail-Adresse;"));
        let line = csv.lines().nth(1).expect("a line");
        assert_eq!(
            line,
            "\"'=anna;@amt.de\";15.01.2027, 09:00 Uhr;15.01.2027, 09:10 Uhr"
        );
    }
}
