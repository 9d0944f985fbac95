//! Named roles in SQLite: one row per role, its name unique per organisation by a
//! constraint; each change one immediate transaction that checks the role is as read.

use rusqlite::{Connection, params};

use super::{SqliteStore, backend, from_json, to_json};
use crate::domain::model::{AuditEntry, OutgoingMail, Role, User};
use crate::domain::ports::StoreError;

/// The roles (added by the release with named roles).
pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS roles (
    id TEXT PRIMARY KEY, org_id TEXT NOT NULL, name_key TEXT NOT NULL, doc TEXT NOT NULL,
    UNIQUE (org_id, name_key));
";

fn read_role(conn: &Connection, id: &str) -> Result<Option<Role>, StoreError> {
    super::read_doc(conn, "SELECT doc FROM roles WHERE id = ?1", [id])
}

/// `Conflict` unless the role `role_id` exists in the organisation `org_id`.
pub(super) fn require_role(tx: &Connection, org_id: &str, role_id: &str) -> Result<(), StoreError> {
    match read_role(tx, role_id)? {
        Some(role) if role.org_id == org_id => Ok(()),
        _ => Err(StoreError::Conflict),
    }
}

/// A name another role of the organisation has.
fn name_taken(e: rusqlite::Error) -> StoreError {
    match e {
        rusqlite::Error::SqliteFailure(f, _)
            if f.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            StoreError::NameTaken
        }
        other => backend(other),
    }
}

impl SqliteStore {
    pub(super) async fn list_roles_impl(&self, org_id: &str) -> Result<Vec<Role>, StoreError> {
        let id = org_id.to_owned();
        self.run(move |conn| {
            super::read_docs(
                conn,
                "SELECT doc FROM roles WHERE org_id = ?1 ORDER BY id",
                [&id],
            )
        })
        .await
    }

    pub(super) async fn get_role_impl(&self, role_id: &str) -> Result<Option<Role>, StoreError> {
        let id = role_id.to_owned();
        self.run(move |conn| read_role(conn, &id)).await
    }

    pub(super) async fn create_role_impl(
        &self,
        role: &Role,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let (role, audit) = (role.clone(), audit.clone());
        self.transaction(move |tx| {
            super::read_org(tx, &role.org_id)?.ok_or(StoreError::NotFound)?;
            tx.execute(
                "INSERT INTO roles (id, org_id, name_key, doc) VALUES (?1, ?2, ?3, ?4)",
                params![role.id, role.org_id, role.name_key(), to_json(&role)?],
            )
            .map_err(name_taken)?;
            super::insert_audit(tx, &audit)
        })
        .await
    }

    pub(super) async fn update_role_impl(
        &self,
        before: &Role,
        after: &Role,
        mails: &[OutgoingMail],
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let (before, after, mails, audit) =
            (before.clone(), after.clone(), mails.to_vec(), audit.clone());
        self.transaction(move |tx| {
            let current = read_role(tx, &before.id)?.ok_or(StoreError::NotFound)?;
            if current != before || after.id != before.id || after.org_id != before.org_id {
                return Err(StoreError::Conflict);
            }
            tx.execute(
                "UPDATE roles SET name_key = ?1, doc = ?2 WHERE id = ?3",
                params![after.name_key(), to_json(&after)?, after.id],
            )
            .map_err(name_taken)?;
            for mail in &mails {
                super::insert_mail(tx, mail)?;
            }
            super::insert_audit(tx, &audit)
        })
        .await
    }

    pub(super) async fn delete_role_impl(
        &self,
        role: &Role,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let (role, audit) = (role.clone(), audit.clone());
        self.transaction(move |tx| {
            let current = read_role(tx, &role.id)?.ok_or(StoreError::NotFound)?;
            if current != role {
                return Err(StoreError::Conflict);
            }
            let mut stmt = tx
                .prepare_cached("SELECT doc FROM users WHERE org_id = ?1")
                .map_err(backend)?;
            let docs = stmt
                .query_map([&role.org_id], |row| row.get::<_, String>(0))
                .map_err(backend)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(backend)?;
            for doc in docs {
                let user: User = from_json(&doc)?;
                if user.role_id.as_deref() == Some(role.id.as_str()) {
                    return Err(StoreError::Conflict);
                }
            }
            tx.execute("DELETE FROM roles WHERE id = ?1", [&role.id])
                .map_err(backend)?;
            super::insert_audit(tx, &audit)
        })
        .await
    }
}
