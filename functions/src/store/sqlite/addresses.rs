//! The addresses of an organisation in SQLite. Which address is the Standardadresse is a
//! column beside the document; a partial unique index allows at most one per
//! organisation, and every change is one immediate transaction that first checks the
//! address is still as the domain read it.

use rusqlite::{Connection, OptionalExtension, params};

use super::insert_audit;
use super::{SqliteStore, backend, from_json, to_json};
use crate::domain::model::{Address, AuditEntry};
use crate::domain::ports::StoreError;

/// The addresses table (added by the release with the Adressverwaltung).
pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS addresses (
    id TEXT PRIMARY KEY, org_id TEXT NOT NULL, is_default INTEGER NOT NULL DEFAULT 0,
    doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS addresses_by_org ON addresses(org_id);
CREATE UNIQUE INDEX IF NOT EXISTS addresses_one_default ON addresses(org_id)
    WHERE is_default = 1;
";

fn address_of(doc: &str, is_default: bool) -> Result<Address, StoreError> {
    let mut address: Address = from_json(doc)?;
    address.is_default = is_default;
    Ok(address)
}

fn read_address(conn: &Connection, org_id: &str, id: &str) -> Result<Option<Address>, StoreError> {
    conn.query_row(
        "SELECT doc, is_default FROM addresses WHERE id = ?1 AND org_id = ?2",
        params![id, org_id],
        |row| Ok((row.get::<_, String>(0)?, row.get::<_, bool>(1)?)),
    )
    .optional()
    .map_err(backend)?
    .map(|(doc, is_default)| address_of(&doc, is_default))
    .transpose()
}

/// The address is stored exactly as `before` (default or not included).
fn as_read(tx: &Connection, before: &Address) -> Result<(), StoreError> {
    let current = read_address(tx, &before.org_id, &before.id)?.ok_or(StoreError::NotFound)?;
    if current != *before {
        return Err(StoreError::Conflict);
    }
    Ok(())
}

fn has_default(tx: &Connection, org_id: &str) -> Result<bool, StoreError> {
    tx.query_row(
        "SELECT EXISTS(SELECT 1 FROM addresses WHERE org_id = ?1 AND is_default = 1)",
        [org_id],
        |r| r.get(0),
    )
    .map_err(backend)
}

impl SqliteStore {
    pub(super) async fn list_addresses_impl(
        &self,
        org_id: &str,
    ) -> Result<Vec<Address>, StoreError> {
        let id = org_id.to_owned();
        self.run(move |conn| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT doc, is_default FROM addresses WHERE org_id = ?1 ORDER BY id",
                )
                .map_err(backend)?;
            let rows = stmt
                .query_map([&id], |row| {
                    Ok((row.get::<_, String>(0)?, row.get::<_, bool>(1)?))
                })
                .map_err(backend)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(backend)?;
            rows.iter()
                .map(|(doc, is_default)| address_of(doc, *is_default))
                .collect()
        })
        .await
    }

    pub(super) async fn get_address_impl(
        &self,
        org_id: &str,
        id: &str,
    ) -> Result<Option<Address>, StoreError> {
        let (org_id, id) = (org_id.to_owned(), id.to_owned());
        self.run(move |conn| read_address(conn, &org_id, &id)).await
    }

    pub(super) async fn add_address_impl(
        &self,
        address: &Address,
        audit: Option<&AuditEntry>,
    ) -> Result<(), StoreError> {
        let (address, audit) = (address.clone(), audit.cloned());
        self.transaction(move |tx| {
            // The first address is the default, and only the first.
            if has_default(tx, &address.org_id)? == address.is_default {
                return Err(StoreError::Conflict);
            }
            tx.execute(
                "INSERT INTO addresses (id, org_id, is_default, doc) VALUES (?1, ?2, ?3, ?4)",
                params![
                    address.id,
                    address.org_id,
                    address.is_default,
                    to_json(&address)?
                ],
            )
            .map_err(|e| match e {
                rusqlite::Error::SqliteFailure(f, _)
                    if f.code == rusqlite::ErrorCode::ConstraintViolation =>
                {
                    StoreError::Conflict
                }
                other => backend(other),
            })?;
            match &audit {
                Some(audit) => insert_audit(tx, audit),
                None => Ok(()),
            }
        })
        .await
    }

    pub(super) async fn update_address_impl(
        &self,
        before: &Address,
        after: &Address,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let (before, after, audit) = (before.clone(), after.clone(), audit.clone());
        self.transaction(move |tx| {
            if after.id != before.id
                || after.org_id != before.org_id
                || after.is_default != before.is_default
            {
                return Err(StoreError::Conflict);
            }
            as_read(tx, &before)?;
            tx.execute(
                "UPDATE addresses SET doc = ?1 WHERE id = ?2 AND org_id = ?3",
                params![to_json(&after)?, after.id, after.org_id],
            )
            .map_err(backend)?;
            insert_audit(tx, &audit)
        })
        .await
    }

    pub(super) async fn delete_address_impl(
        &self,
        before: &Address,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let (before, audit) = (before.clone(), audit.clone());
        self.transaction(move |tx| {
            as_read(tx, &before)?;
            let deleted = tx
                .execute(
                    "DELETE FROM addresses WHERE id = ?1 AND org_id = ?2 AND is_default = 0",
                    params![before.id, before.org_id],
                )
                .map_err(backend)?;
            if deleted != 1 {
                return Err(StoreError::Conflict);
            }
            insert_audit(tx, &audit)
        })
        .await
    }

    pub(super) async fn set_default_address_impl(
        &self,
        from: &Address,
        to: &Address,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let (from, to, audit) = (from.clone(), to.clone(), audit.clone());
        self.transaction(move |tx| {
            if from.org_id != to.org_id || from.id == to.id || !from.is_default || to.is_default {
                return Err(StoreError::Conflict);
            }
            as_read(tx, &from)?;
            as_read(tx, &to)?;
            tx.execute(
                "UPDATE addresses SET is_default = 0 WHERE id = ?1 AND org_id = ?2",
                params![from.id, from.org_id],
            )
            .map_err(backend)?;
            tx.execute(
                "UPDATE addresses SET is_default = 1 WHERE id = ?1 AND org_id = ?2",
                params![to.id, to.org_id],
            )
            .map_err(backend)?;
            insert_audit(tx, &audit)
        })
        .await
    }
}
