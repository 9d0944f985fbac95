//! The people of an organisation in SQLite: each change one immediate transaction that
//! first checks the organisation and the person are still as the domain read them.

use rusqlite::{Connection, params};

use super::{
    SqliteStore, backend, insert_audit, insert_mail, insert_token, read_org, to_json,
    void_earlier_password_links,
};
use crate::domain::model::{AuditEntry, Organisation, OutgoingMail, TokenRecord, User};
use crate::domain::ports::StoreError;

/// The audit trail (added by the release with members and roles).
pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS audit (
    id TEXT PRIMARY KEY, org_id TEXT NOT NULL, at INTEGER NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS audit_by_org ON audit(org_id, at);
";

fn read_user(conn: &Connection, id: &str) -> Result<Option<User>, StoreError> {
    super::read_doc(conn, "SELECT doc FROM users WHERE id = ?1", [id])
}

/// The organisation and the person are as read, the person belongs to it and is not its
/// Hauptadmin (unless `may_be_hauptadmin`).
fn unchanged(
    tx: &Connection,
    org: &Organisation,
    before: &User,
    may_be_hauptadmin: bool,
) -> Result<(), StoreError> {
    let current_org = read_org(tx, &org.id)?.ok_or(StoreError::NotFound)?;
    let current = read_user(tx, &before.id)?.ok_or(StoreError::NotFound)?;
    if current_org != *org || current != *before || current.org_id != org.id {
        return Err(StoreError::Conflict);
    }
    if !may_be_hauptadmin && org.admin_user_id == before.id {
        return Err(StoreError::Conflict);
    }
    Ok(())
}

impl SqliteStore {
    pub(super) async fn list_org_users_impl(&self, org_id: &str) -> Result<Vec<User>, StoreError> {
        let id = org_id.to_owned();
        self.run(move |conn| {
            super::read_docs(
                conn,
                "SELECT doc FROM users WHERE org_id = ?1 ORDER BY id",
                [&id],
            )
        })
        .await
    }

    pub(super) async fn add_member_impl(
        &self,
        user: &User,
        invite: &TokenRecord,
        mail: &OutgoingMail,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let (user, invite, mail, audit) =
            (user.clone(), invite.clone(), mail.clone(), audit.clone());
        self.transaction(move |tx| {
            let taken: bool = tx
                .query_row(
                    "SELECT EXISTS(SELECT 1 FROM users WHERE email = ?1)",
                    [&user.email],
                    |r| r.get(0),
                )
                .map_err(backend)?;
            if taken {
                return Err(StoreError::EmailTaken);
            }
            read_org(tx, &user.org_id)?.ok_or(StoreError::NotFound)?;
            if let Some(role_id) = &user.role_id {
                super::roles::require_role(tx, &user.org_id, role_id)?;
            }
            tx.execute(
                "INSERT INTO users (id, org_id, email, doc) VALUES (?1, ?2, ?3, ?4)",
                params![user.id, user.org_id, user.email, to_json(&user)?],
            )
            .map_err(|e| match e {
                rusqlite::Error::SqliteFailure(f, _)
                    if f.code == rusqlite::ErrorCode::ConstraintViolation =>
                {
                    StoreError::EmailTaken
                }
                other => backend(other),
            })?;
            insert_token(tx, &invite)?;
            insert_mail(tx, &mail)?;
            insert_audit(tx, &audit)
        })
        .await
    }

    pub(super) async fn update_member_impl(
        &self,
        org: &Organisation,
        before: &User,
        after: &User,
        mails: &[OutgoingMail],
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let (org, before, after, mails, audit) = (
            org.clone(),
            before.clone(),
            after.clone(),
            mails.to_vec(),
            audit.clone(),
        );
        self.transaction(move |tx| {
            unchanged(tx, &org, &before, false)?;
            if after.id != before.id || after.org_id != before.org_id || after.email != before.email
            {
                return Err(StoreError::Conflict);
            }
            if let Some(role_id) = after
                .role_id
                .as_ref()
                .filter(|_| after.role_id != before.role_id)
            {
                super::roles::require_role(tx, &org.id, role_id)?;
            }
            tx.execute(
                "UPDATE users SET doc = ?1 WHERE id = ?2",
                params![to_json(&after)?, after.id],
            )
            .map_err(backend)?;
            for mail in &mails {
                insert_mail(tx, mail)?;
            }
            insert_audit(tx, &audit)
        })
        .await
    }

    pub(super) async fn delete_member_impl(
        &self,
        org: &Organisation,
        before: &User,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let (org, before, audit) = (org.clone(), before.clone(), audit.clone());
        self.transaction(move |tx| {
            unchanged(tx, &org, &before, false)?;
            tx.execute("DELETE FROM users WHERE id = ?1", [&before.id])
                .map_err(backend)?;
            tx.execute(
                "UPDATE tokens SET used = 1 WHERE user_id = ?1 AND used = 0",
                [&before.id],
            )
            .map_err(backend)?;
            insert_audit(tx, &audit)
        })
        .await
    }

    pub(super) async fn change_hauptadmin_impl(
        &self,
        org: &Organisation,
        before: &User,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let (org, before, audit) = (org.clone(), before.clone(), audit.clone());
        self.transaction(move |tx| {
            unchanged(tx, &org, &before, true)?;
            if before.deactivated || before.password_hash.is_none() {
                return Err(StoreError::Conflict);
            }
            let mut changed_org = org.clone();
            changed_org.admin_user_id = before.id.clone();
            tx.execute(
                "UPDATE orgs SET doc = ?1 WHERE id = ?2",
                params![to_json(&changed_org)?, org.id],
            )
            .map_err(backend)?;
            // Both the new and the previous Hauptadmin are administrators from now on.
            for id in [&before.id, &org.admin_user_id] {
                if let Some(mut user) = read_user(tx, id)? {
                    user.role = crate::domain::model::MemberRole::Admin;
                    // Administrators hold every right: a named role would only keep the
                    // role from being deleted.
                    user.role_id = None;
                    tx.execute(
                        "UPDATE users SET doc = ?1 WHERE id = ?2",
                        params![to_json(&user)?, id],
                    )
                    .map_err(backend)?;
                }
            }
            insert_audit(tx, &audit)
        })
        .await
    }

    pub(super) async fn reissue_invitation_impl(
        &self,
        member: &User,
        token: &TokenRecord,
        mail: &OutgoingMail,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let (member, token, mail, audit) =
            (member.clone(), token.clone(), mail.clone(), audit.clone());
        self.transaction(move |tx| {
            let current = read_user(tx, &member.id)?.ok_or(StoreError::NotFound)?;
            if current != member
                || member.password_hash.is_some()
                || member.deactivated
                || token.user_id != member.id
            {
                return Err(StoreError::Conflict);
            }
            void_earlier_password_links(tx, &token)?;
            insert_token(tx, &token)?;
            insert_mail(tx, &mail)?;
            insert_audit(tx, &audit)
        })
        .await
    }

    pub(super) async fn update_user_impl(
        &self,
        before: &User,
        after: &User,
    ) -> Result<(), StoreError> {
        let (before, after) = (before.clone(), after.clone());
        self.transaction(move |tx| {
            let current = read_user(tx, &before.id)?.ok_or(StoreError::NotFound)?;
            if current != before
                || after.id != before.id
                || after.org_id != before.org_id
                || after.email != before.email
            {
                return Err(StoreError::Conflict);
            }
            tx.execute(
                "UPDATE users SET doc = ?1 WHERE id = ?2",
                params![to_json(&after)?, after.id],
            )
            .map_err(backend)?;
            Ok(())
        })
        .await
    }

    pub(super) async fn update_organisation_impl(
        &self,
        before: &Organisation,
        after: &Organisation,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let (before, after, audit) = (before.clone(), after.clone(), audit.clone());
        self.transaction(move |tx| {
            let current = read_org(tx, &before.id)?.ok_or(StoreError::NotFound)?;
            if current != before
                || after.id != before.id
                || after.status != before.status
                || after.admin_user_id != before.admin_user_id
            {
                return Err(StoreError::Conflict);
            }
            tx.execute(
                "UPDATE orgs SET doc = ?1 WHERE id = ?2",
                params![to_json(&after)?, after.id],
            )
            .map_err(backend)?;
            insert_audit(tx, &audit)
        })
        .await
    }

    pub(super) async fn list_audit_impl(
        &self,
        org_id: &str,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let id = org_id.to_owned();
        self.run(move |conn| {
            super::read_docs(
                conn,
                "SELECT doc FROM audit WHERE org_id = ?1 ORDER BY at DESC, rowid DESC",
                [&id],
            )
        })
        .await
    }
}
