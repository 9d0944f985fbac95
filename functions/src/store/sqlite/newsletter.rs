//! The newsletter's subscribers in SQLite: the address unique by constraint, every change
//! conditional on the row's document being the one the domain read.

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, params};

use super::{SqliteStore, backend, from_json, insert_mail, to_json};
use crate::domain::model::OutgoingMail;
use crate::domain::newsletter::Subscriber;
use crate::domain::newsletter::ports::NewsletterStore;
use crate::domain::ports::StoreError;

/// The subscribers (added by the release with the newsletter). `sort_at` orders each state:
/// the confirmation time of a confirmed address, the link's expiry of an unconfirmed one.
pub(super) const SCHEMA: &str = "
CREATE TABLE newsletter (
    id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE, confirmed INTEGER NOT NULL,
    sort_at INTEGER NOT NULL, doc TEXT NOT NULL);
CREATE INDEX newsletter_by_state ON newsletter(confirmed, sort_at);
";

fn sort_at(subscriber: &Subscriber) -> i64 {
    subscriber
        .confirmed_at
        .unwrap_or(subscriber.confirm_expires_at)
}

fn read(conn: &Connection, sql: &str, param: &str) -> Result<Option<Subscriber>, StoreError> {
    conn.query_row(sql, [param], |row| row.get::<_, String>(0))
        .optional()
        .map_err(backend)?
        .map(|doc| from_json(&doc))
        .transpose()
}

fn list(conn: &Connection, confirmed: bool) -> Result<Vec<Subscriber>, StoreError> {
    super::read_docs(
        conn,
        "SELECT doc FROM newsletter WHERE confirmed = ?1 ORDER BY sort_at, id",
        [confirmed],
    )
}

/// `Conflict` if the row exists with another document, `NotFound` if it does not.
fn changed_or_gone(tx: &Connection, id: &str) -> StoreError {
    match read(tx, "SELECT doc FROM newsletter WHERE id = ?1", id) {
        Ok(Some(_)) => StoreError::Conflict,
        Ok(None) => StoreError::NotFound,
        Err(e) => e,
    }
}

#[async_trait]
impl NewsletterStore for SqliteStore {
    async fn create_subscriber(
        &self,
        subscriber: &Subscriber,
        mail: &OutgoingMail,
    ) -> Result<(), StoreError> {
        let (subscriber, mail) = (subscriber.clone(), mail.clone());
        self.transaction(move |tx| {
            tx.execute(
                "INSERT INTO newsletter (id, email, confirmed, sort_at, doc) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    subscriber.id,
                    subscriber.email,
                    subscriber.is_confirmed(),
                    sort_at(&subscriber),
                    to_json(&subscriber)?
                ],
            )
            .map_err(|e| match e {
                rusqlite::Error::SqliteFailure(f, _)
                    if f.code == rusqlite::ErrorCode::ConstraintViolation =>
                {
                    StoreError::EmailTaken
                }
                other => backend(other),
            })?;
            insert_mail(tx, &mail)
        })
        .await
    }

    async fn get_subscriber(&self, id: &str) -> Result<Option<Subscriber>, StoreError> {
        let id = id.to_owned();
        self.run(move |conn| read(conn, "SELECT doc FROM newsletter WHERE id = ?1", &id))
            .await
    }

    async fn find_subscriber_by_email(
        &self,
        email: &str,
    ) -> Result<Option<Subscriber>, StoreError> {
        let email = email.to_owned();
        self.run(move |conn| read(conn, "SELECT doc FROM newsletter WHERE email = ?1", &email))
            .await
    }

    async fn replace_subscriber(
        &self,
        before: &Subscriber,
        after: &Subscriber,
        mail: Option<&OutgoingMail>,
    ) -> Result<(), StoreError> {
        if before.id != after.id || before.email != after.email {
            return Err(StoreError::Conflict);
        }
        let (before, after, mail) = (before.clone(), after.clone(), mail.cloned());
        self.transaction(move |tx| {
            let changed = tx
                .execute(
                    "UPDATE newsletter SET confirmed = ?1, sort_at = ?2, doc = ?3 WHERE id = ?4 AND doc = ?5",
                    params![
                        after.is_confirmed(),
                        sort_at(&after),
                        to_json(&after)?,
                        after.id,
                        to_json(&before)?
                    ],
                )
                .map_err(backend)?;
            if changed != 1 {
                return Err(changed_or_gone(tx, &before.id));
            }
            match &mail {
                Some(mail) => insert_mail(tx, mail),
                None => Ok(()),
            }
        })
        .await
    }

    async fn delete_subscriber(
        &self,
        id: &str,
        expected: Option<&Subscriber>,
    ) -> Result<(), StoreError> {
        let (id, expected) = (id.to_owned(), expected.cloned());
        self.transaction(move |tx| {
            let changed = match &expected {
                None => tx
                    .execute("DELETE FROM newsletter WHERE id = ?1", [&id])
                    .map_err(backend)?,
                Some(expected) => tx
                    .execute(
                        "DELETE FROM newsletter WHERE id = ?1 AND doc = ?2",
                        params![id, to_json(expected)?],
                    )
                    .map_err(backend)?,
            };
            if changed == 1 {
                Ok(())
            } else {
                Err(changed_or_gone(tx, &id))
            }
        })
        .await
    }

    async fn list_confirmed_subscribers(&self) -> Result<Vec<Subscriber>, StoreError> {
        self.run(|conn| list(conn, true)).await
    }

    async fn list_unconfirmed_subscribers(&self) -> Result<Vec<Subscriber>, StoreError> {
        self.run(|conn| list(conn, false)).await
    }
}
