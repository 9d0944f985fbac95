//! The embedded store: SQLite (bundled) in WAL mode, for `csp serve` and a single machine.
//!
//! Records are JSON documents beside the columns that are queried or conditioned on; every
//! multi-record change runs in one immediate transaction, and every conditional change
//! checks the affected row count, so the semantics match the DynamoDB store's conditions.

mod addresses;
mod cart;
mod console;
mod figures;
mod interest;
mod members;
mod migrations;
mod newsletter;
mod operator;
mod orders;
mod roles;

use std::path::Path;
use std::sync::Arc;

use tokio::sync::Mutex;

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use crate::domain::model::{
    Address, AuditEntry, Decision, NewRegistration, OrgStatus, Organisation, OutgoingMail, Role,
    Session, TokenKind, TokenRecord, User,
};
use crate::domain::ports::{Counter, Store, StoreError};

/// The accounts' tables as the first release made them (see [`migrations`]).
const ACCOUNTS_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS orgs (
    id TEXT PRIMARY KEY, status TEXT NOT NULL, created_at INTEGER NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS orgs_by_status ON orgs(status, created_at);
CREATE TABLE IF NOT EXISTS users (
    id TEXT PRIMARY KEY, org_id TEXT NOT NULL, email TEXT NOT NULL UNIQUE, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS users_by_org ON users(org_id);
CREATE TABLE IF NOT EXISTS tokens (
    hash TEXT PRIMARY KEY, kind TEXT NOT NULL, user_id TEXT NOT NULL, org_id TEXT NOT NULL,
    expires_at INTEGER NOT NULL, used INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS tokens_by_user ON tokens(user_id);
CREATE TABLE IF NOT EXISTS sessions (
    id_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL, org_id TEXT NOT NULL,
    created_at INTEGER NOT NULL, last_seen INTEGER NOT NULL, expires_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS sessions_by_user ON sessions(user_id);
CREATE TABLE IF NOT EXISTS outbox (
    id TEXT PRIMARY KEY, created_at INTEGER NOT NULL, doc TEXT NOT NULL,
    lease_until INTEGER NOT NULL DEFAULT 0, sent_at INTEGER);
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox(sent_at, created_at);
CREATE TABLE IF NOT EXISTS counters (
    key TEXT PRIMARY KEY, count INTEGER NOT NULL, expires_at INTEGER NOT NULL);
";

/// SQLite behind a mutex; calls run on tokio's blocking pool.
#[derive(Clone)]
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SqliteStore")
    }
}

fn backend(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(e.to_string())
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(backend)
}

fn from_json<T: serde::de::DeserializeOwned>(doc: &str) -> Result<T, StoreError> {
    serde_json::from_str(doc).map_err(backend)
}

/// The document of the one row `sql` finds, if there is one (`sql` selects `doc`).
fn read_doc<T: serde::de::DeserializeOwned>(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<Option<T>, StoreError> {
    conn.query_row(sql, params, |row| row.get::<_, String>(0))
        .optional()
        .map_err(backend)?
        .map(|doc| from_json(&doc))
        .transpose()
}

/// The documents of the rows `sql` finds, in its order (`sql` selects `doc`; the statement
/// is cached).
fn read_docs<T: serde::de::DeserializeOwned>(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<T>, StoreError> {
    let mut stmt = conn.prepare_cached(sql).map_err(backend)?;
    let docs = stmt
        .query_map(params, |row| row.get::<_, String>(0))
        .map_err(backend)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(backend)?;
    docs.iter().map(|doc| from_json(doc)).collect()
}

/// For a list read a page at a time: counts the rows `count_sql` finds with `values`, then
/// appends the page's `LIMIT` and `OFFSET` to `values` for the page's query (`limit` 0 means
/// all rows).
fn count_then_page(
    conn: &Connection,
    count_sql: &str,
    values: &mut Vec<rusqlite::types::Value>,
    limit: usize,
    offset: usize,
) -> Result<i64, StoreError> {
    let total: i64 = conn
        .prepare_cached(count_sql)
        .map_err(backend)?
        .query_row(rusqlite::params_from_iter(values.iter()), |r| r.get(0))
        .map_err(backend)?;
    let limit = if limit == 0 {
        -1
    } else {
        i64::try_from(limit).unwrap_or(i64::MAX)
    };
    values.push(limit.into());
    values.push(i64::try_from(offset).unwrap_or(i64::MAX).into());
    Ok(total)
}

/// Writes an audit entry (in the caller's transaction).
fn insert_audit(tx: &Connection, audit: &AuditEntry) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO audit (id, org_id, at, doc) VALUES (?1, ?2, ?3, ?4)",
        params![audit.id, audit.org_id, audit.at, to_json(audit)?],
    )
    .map_err(backend)?;
    Ok(())
}

/// Queues a mail; one not to be sent before a time is leased until then. A mail id already
/// queued is [`StoreError::Conflict`].
fn insert_mail(tx: &Connection, mail: &OutgoingMail) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO outbox (id, created_at, doc, lease_until) VALUES (?1, ?2, ?3, ?4)",
        params![mail.id, mail.created_at, to_json(mail)?, mail.not_before],
    )
    .map_err(|e| match e {
        rusqlite::Error::SqliteFailure(f, _)
            if f.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            StoreError::Conflict
        }
        other => backend(other),
    })?;
    Ok(())
}

fn insert_token(tx: &Connection, token: &TokenRecord) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO tokens (hash, kind, user_id, org_id, expires_at, used) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![token.hash, token.kind.as_str(), token.user_id, token.org_id, token.expires_at, token.used],
    )
    .map_err(backend)?;
    Ok(())
}

/// Voids the earlier password links (invitation, reset) of the user `token` is for, when it
/// is one itself: only the newest password link works.
fn void_earlier_password_links(tx: &Connection, token: &TokenRecord) -> Result<(), StoreError> {
    if matches!(token.kind, TokenKind::Invite | TokenKind::Reset) {
        tx.execute(
            "UPDATE tokens SET used = 1 WHERE user_id = ?1 AND kind IN ('invite', 'reset') AND used = 0",
            [&token.user_id],
        )
        .map_err(backend)?;
    }
    Ok(())
}

/// Marks a token used if it is unused and unexpired; `Conflict` otherwise.
fn use_token(tx: &Connection, hash: &str, now: i64) -> Result<(), StoreError> {
    let changed = tx
        .execute(
            "UPDATE tokens SET used = 1 WHERE hash = ?1 AND used = 0 AND expires_at > ?2",
            params![hash, now],
        )
        .map_err(backend)?;
    if changed == 1 {
        Ok(())
    } else {
        Err(StoreError::Conflict)
    }
}

fn read_org(conn: &Connection, id: &str) -> Result<Option<Organisation>, StoreError> {
    read_doc(conn, "SELECT doc FROM orgs WHERE id = ?1", [id])
}

/// Changes an organisation's status if it is `from`; `Conflict` otherwise.
fn change_org_status(
    tx: &Connection,
    id: &str,
    from: OrgStatus,
    update: impl FnOnce(&mut Organisation),
) -> Result<(), StoreError> {
    let mut org = read_org(tx, id)?.ok_or(StoreError::NotFound)?;
    if org.status != from {
        return Err(StoreError::Conflict);
    }
    update(&mut org);
    let changed = tx
        .execute(
            "UPDATE orgs SET status = ?1, doc = ?2 WHERE id = ?3 AND status = ?4",
            params![org.status.as_str(), to_json(&org)?, id, from.as_str()],
        )
        .map_err(backend)?;
    if changed == 1 {
        Ok(())
    } else {
        Err(StoreError::Conflict)
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the database file, in WAL mode, and checks that it can be
    /// written: a store that only reads would fail every form, so it refuses to open instead,
    /// naming the file. The file and its `-wal`/`-shm` companions are private (0600).
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let not_writable = |cause: &dyn std::fmt::Display| StoreError::NotWritable {
            path: path.to_owned(),
            cause: cause.to_string(),
        };
        // Created private before SQLite opens it; SQLite gives the -wal and -shm files the
        // permissions of the database file.
        match crate::private_files::new_private_file().open(path) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(not_writable(&e)),
        }
        for suffix in ["", "-wal", "-shm"] {
            let mut file = path.as_os_str().to_owned();
            file.push(suffix);
            // A file we cannot change the mode of (not ours) is reported by the write check.
            let _ = crate::private_files::restrict(Path::new(&file));
        }
        let conn = Connection::open(path).map_err(|e| not_writable(&e))?;
        let store = Self::init(conn).map_err(|e| not_writable(&e))?;
        store.check_writable().map_err(|e| not_writable(&e))?;
        Ok(store)
    }

    /// Writes and rolls back one row.
    fn check_writable(&self) -> Result<(), rusqlite::Error> {
        let mut conn = self.conn.try_lock().map_err(|_| {
            rusqlite::Error::InvalidParameterName("the connection is in use".to_owned())
        })?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT OR REPLACE INTO counters (key, count, expires_at) VALUES ('write-check', 0, 0)",
            [],
        )?;
        tx.rollback()
    }

    /// A private in-memory database (tests).
    pub fn open_in_memory() -> Result<Self, StoreError> {
        Self::init(Connection::open_in_memory().map_err(backend)?)
    }

    fn init(mut conn: Connection) -> Result<Self, StoreError> {
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(backend)?;
        // NORMAL is safe in WAL mode against process crashes (only an OS crash could lose
        // the last transactions, never corrupt the file).
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(backend)?;
        conn.pragma_update(None, "busy_timeout", 5000)
            .map_err(backend)?;
        let applied = migrations::apply(&mut conn, migrations::MIGRATIONS).map_err(backend)?;
        if !applied.is_empty() {
            tracing::info!(changes = ?applied, "database schema brought up to date");
        }
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    async fn run<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        // The connection is taken before a blocking thread is: waiting for it on the async
        // side keeps one blocking thread busy with SQLite instead of one per waiting request
        // (16 concurrent orders had grown the process to 145 MiB with parked threads).
        let mut guard = Arc::clone(&self.conn).lock_owned().await;
        tokio::task::spawn_blocking(move || f(&mut guard))
            .await
            .map_err(backend)?
    }

    /// Runs `f` in an immediate transaction, committed only if it returns `Ok`.
    async fn transaction<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        self.run(move |conn| {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(backend)?;
            let value = f(&tx)?;
            tx.commit().map_err(backend)?;
            Ok(value)
        })
        .await
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn create_registration(&self, registration: &NewRegistration) -> Result<(), StoreError> {
        let reg = registration.clone();
        self.transaction(move |tx| {
            let taken: bool = tx
                .query_row(
                    "SELECT EXISTS(SELECT 1 FROM users WHERE email = ?1)",
                    [&reg.user.email],
                    |r| r.get(0),
                )
                .map_err(backend)?;
            if taken {
                return Err(StoreError::EmailTaken);
            }
            tx.execute(
                "INSERT INTO orgs (id, status, created_at, doc) VALUES (?1, ?2, ?3, ?4)",
                params![
                    reg.org.id,
                    reg.org.status.as_str(),
                    reg.org.created_at,
                    to_json(&reg.org)?
                ],
            )
            .map_err(backend)?;
            tx.execute(
                "INSERT INTO users (id, org_id, email, doc) VALUES (?1, ?2, ?3, ?4)",
                params![
                    reg.user.id,
                    reg.user.org_id,
                    reg.user.email,
                    to_json(&reg.user)?
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
            insert_token(tx, &reg.confirm_token)?;
            insert_mail(tx, &reg.mail)
        })
        .await
    }

    async fn get_org(&self, org_id: &str) -> Result<Option<Organisation>, StoreError> {
        let id = org_id.to_owned();
        self.run(move |conn| read_org(conn, &id)).await
    }

    async fn list_orgs_by_status(
        &self,
        status: OrgStatus,
    ) -> Result<Vec<Organisation>, StoreError> {
        self.run(move |conn| {
            read_docs(
                conn,
                "SELECT doc FROM orgs WHERE status = ?1 ORDER BY created_at, id",
                [status.as_str()],
            )
        })
        .await
    }

    async fn get_user(&self, user_id: &str) -> Result<Option<User>, StoreError> {
        let id = user_id.to_owned();
        self.run(move |conn| read_doc(conn, "SELECT doc FROM users WHERE id = ?1", [&id]))
            .await
    }

    async fn find_user_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
        let email = email.to_owned();
        self.run(move |conn| read_doc(conn, "SELECT doc FROM users WHERE email = ?1", [&email]))
            .await
    }

    async fn get_token(&self, token_hash: &str) -> Result<Option<TokenRecord>, StoreError> {
        let hash = token_hash.to_owned();
        self.run(move |conn| {
            let row = conn
                .query_row(
                    "SELECT kind, user_id, org_id, expires_at, used FROM tokens WHERE hash = ?1",
                    [&hash],
                    |row| {
                        Ok((
                            row.get::<_, String>(0)?,
                            row.get::<_, String>(1)?,
                            row.get::<_, String>(2)?,
                            row.get::<_, i64>(3)?,
                            row.get::<_, bool>(4)?,
                        ))
                    },
                )
                .optional()
                .map_err(backend)?;
            row.map(|(kind, user_id, org_id, expires_at, used)| {
                Ok(TokenRecord {
                    hash: hash.clone(),
                    kind: TokenKind::parse(&kind)
                        .ok_or_else(|| backend(format!("unknown token kind {kind}")))?,
                    user_id,
                    org_id,
                    expires_at,
                    used,
                })
            })
            .transpose()
        })
        .await
    }

    async fn confirm_email(
        &self,
        token_hash: &str,
        org_id: &str,
        now: i64,
        mail: &OutgoingMail,
    ) -> Result<(), StoreError> {
        let (hash, id, mail) = (token_hash.to_owned(), org_id.to_owned(), mail.clone());
        self.transaction(move |tx| {
            use_token(tx, &hash, now)?;
            change_org_status(tx, &id, OrgStatus::AwaitingConfirmation, |org| {
                org.status = OrgStatus::AwaitingReview;
            })?;
            insert_mail(tx, &mail)
        })
        .await
    }

    async fn decide_registration(
        &self,
        org_id: &str,
        decision: &Decision,
        now: i64,
        invite: Option<&TokenRecord>,
        mail: &OutgoingMail,
    ) -> Result<(), StoreError> {
        let (id, decision, invite, mail) = (
            org_id.to_owned(),
            decision.clone(),
            invite.cloned(),
            mail.clone(),
        );
        self.transaction(move |tx| {
            change_org_status(tx, &id, OrgStatus::AwaitingReview, |org| {
                org.decided_at = Some(now);
                match decision {
                    Decision::Approve => org.status = OrgStatus::Approved,
                    Decision::Reject { reason } => {
                        org.status = OrgStatus::Rejected;
                        org.reject_reason = Some(reason);
                    }
                }
            })?;
            if let Some(token) = &invite {
                void_earlier_password_links(tx, token)?;
                insert_token(tx, token)?;
            }
            insert_mail(tx, &mail)
        })
        .await
    }

    async fn issue_token(
        &self,
        token: &TokenRecord,
        mail: &OutgoingMail,
    ) -> Result<(), StoreError> {
        let (token, mail) = (token.clone(), mail.clone());
        self.transaction(move |tx| {
            void_earlier_password_links(tx, &token)?;
            insert_token(tx, &token)?;
            insert_mail(tx, &mail)
        })
        .await
    }

    async fn set_password(
        &self,
        token_hash: &str,
        user_id: &str,
        password_hash: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        let (hash, id, phc) = (
            token_hash.to_owned(),
            user_id.to_owned(),
            password_hash.to_owned(),
        );
        self.transaction(move |tx| {
            use_token(tx, &hash, now)?;
            let doc: String = tx
                .query_row("SELECT doc FROM users WHERE id = ?1", [&id], |row| {
                    row.get(0)
                })
                .optional()
                .map_err(backend)?
                .ok_or(StoreError::NotFound)?;
            let mut user: User = from_json(&doc)?;
            user.password_hash = Some(phc);
            tx.execute(
                "UPDATE users SET doc = ?1 WHERE id = ?2",
                params![to_json(&user)?, id],
            )
            .map_err(backend)?;
            Ok(())
        })
        .await
    }

    async fn create_session(&self, session: &Session) -> Result<(), StoreError> {
        let s = session.clone();
        self.run(move |conn| {
            conn.execute(
                "INSERT INTO sessions (id_hash, user_id, org_id, created_at, last_seen, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![s.id_hash, s.user_id, s.org_id, s.created_at, s.last_seen, s.expires_at],
            )
            .map_err(|e| match e {
                rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::ConstraintViolation => {
                    StoreError::Conflict
                }
                other => backend(other),
            })?;
            Ok(())
        })
        .await
    }

    async fn get_session(&self, id_hash: &str) -> Result<Option<Session>, StoreError> {
        let hash = id_hash.to_owned();
        self.run(move |conn| {
            conn.prepare_cached("SELECT user_id, org_id, created_at, last_seen, expires_at FROM sessions WHERE id_hash = ?1")
                .map_err(backend)?
                .query_row([&hash], |row| {
                    Ok(Session {
                        id_hash: hash.clone(),
                        user_id: row.get(0)?,
                        org_id: row.get(1)?,
                        created_at: row.get(2)?,
                        last_seen: row.get(3)?,
                        expires_at: row.get(4)?,
                    })
                })
                .optional()
                .map_err(backend)
        })
        .await
    }

    async fn touch_session(
        &self,
        id_hash: &str,
        last_seen: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        let hash = id_hash.to_owned();
        self.run(move |conn| {
            conn.execute(
                "UPDATE sessions SET last_seen = ?1, expires_at = ?2 WHERE id_hash = ?3",
                params![last_seen, expires_at, hash],
            )
            .map_err(backend)?;
            Ok(())
        })
        .await
    }

    async fn delete_session(&self, id_hash: &str) -> Result<(), StoreError> {
        let hash = id_hash.to_owned();
        self.run(move |conn| {
            conn.execute("DELETE FROM sessions WHERE id_hash = ?1", [hash])
                .map_err(backend)?;
            Ok(())
        })
        .await
    }

    async fn delete_user_sessions(&self, user_id: &str) -> Result<(), StoreError> {
        let id = user_id.to_owned();
        self.run(move |conn| {
            conn.execute("DELETE FROM sessions WHERE user_id = ?1", [id])
                .map_err(backend)?;
            Ok(())
        })
        .await
    }

    async fn enqueue_mail(&self, mail: &OutgoingMail) -> Result<(), StoreError> {
        let mail = mail.clone();
        self.run(move |conn| insert_mail(conn, &mail)).await
    }

    async fn claim_mails(
        &self,
        now: i64,
        lease_until: i64,
        limit: usize,
    ) -> Result<Vec<OutgoingMail>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.transaction(move |tx| {
            // Housekeeping rides along with the outbox loop: expired rows are dead weight.
            tx.execute("DELETE FROM counters WHERE expires_at <= ?1", [now]).map_err(backend)?;
            tx.execute("DELETE FROM sessions WHERE expires_at <= ?1", [now]).map_err(backend)?;
            let docs = tx
                .prepare_cached(
                    "SELECT doc FROM outbox WHERE sent_at IS NULL AND lease_until <= ?1 ORDER BY created_at, id LIMIT ?2",
                )
                .map_err(backend)?
                .query_map(params![now, limit], |row| row.get::<_, String>(0))
                .map_err(backend)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(backend)?;
            let mails: Vec<OutgoingMail> = docs.iter().map(|d| from_json(d)).collect::<Result<_, _>>()?;
            for mail in &mails {
                tx.execute("UPDATE outbox SET lease_until = ?1 WHERE id = ?2", params![lease_until, mail.id])
                    .map_err(backend)?;
            }
            Ok(mails)
        })
        .await
    }

    async fn mark_mail_sent(&self, mail_id: &str, now: i64) -> Result<(), StoreError> {
        let id = mail_id.to_owned();
        self.run(move |conn| {
            conn.execute(
                "UPDATE outbox SET sent_at = ?1 WHERE id = ?2",
                params![now, id],
            )
            .map_err(backend)?;
            Ok(())
        })
        .await
    }

    async fn increment_counter(
        &self,
        key: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<u64, StoreError> {
        let key = key.to_owned();
        self.run(move |conn| {
            let count: i64 = conn
                .prepare_cached(
                    "INSERT INTO counters (key, count, expires_at) VALUES (?1, 1, ?3)
                     ON CONFLICT(key) DO UPDATE SET
                        count = CASE WHEN counters.expires_at <= ?2 THEN 1 ELSE counters.count + 1 END,
                        expires_at = CASE WHEN counters.expires_at <= ?2 THEN ?3 ELSE counters.expires_at END
                     RETURNING count",
                )
                .map_err(backend)?
                .query_row(params![key, now, expires_at], |row| row.get(0))
                .map_err(backend)?;
            Ok(u64::try_from(count).unwrap_or(0))
        })
        .await
    }

    async fn read_counter(&self, key: &str, now: i64) -> Result<Option<Counter>, StoreError> {
        let key = key.to_owned();
        self.run(move |conn| {
            conn.prepare_cached(
                "SELECT count, expires_at FROM counters WHERE key = ?1 AND expires_at > ?2",
            )
            .map_err(backend)?
            .query_row(params![key, now], |row| {
                Ok(Counter {
                    count: u64::try_from(row.get::<_, i64>(0)?).unwrap_or(0),
                    expires_at: row.get(1)?,
                })
            })
            .optional()
            .map_err(backend)
        })
        .await
    }

    async fn delete_counter(&self, key: &str) -> Result<(), StoreError> {
        let key = key.to_owned();
        self.run(move |conn| {
            conn.execute("DELETE FROM counters WHERE key = ?1", [key])
                .map_err(backend)?;
            Ok(())
        })
        .await
    }

    async fn delete_unconfirmed_registration(&self, org: &Organisation) -> Result<(), StoreError> {
        let org_id = org.id.clone();
        self.transaction(move |tx| {
            let deleted = tx
                .execute(
                    "DELETE FROM orgs WHERE id = ?1 AND status = ?2",
                    params![org_id, OrgStatus::AwaitingConfirmation.as_str()],
                )
                .map_err(backend)?;
            if deleted != 1 {
                return Err(if read_org(tx, &org_id)?.is_some() {
                    StoreError::Conflict
                } else {
                    StoreError::NotFound
                });
            }
            // The user row holds the address's uniqueness: deleting it frees the address.
            tx.execute("DELETE FROM tokens WHERE org_id = ?1", [&org_id])
                .map_err(backend)?;
            tx.execute("DELETE FROM sessions WHERE org_id = ?1", [&org_id])
                .map_err(backend)?;
            tx.execute("DELETE FROM users WHERE org_id = ?1", [&org_id])
                .map_err(backend)?;
            Ok(())
        })
        .await
    }

    async fn remove_expired(&self, now: i64) -> Result<u64, StoreError> {
        self.transaction(move |tx| {
            let mut removed = 0;
            for sql in [
                "DELETE FROM sessions WHERE expires_at <= ?1",
                "DELETE FROM tokens WHERE expires_at <= ?1",
                "DELETE FROM used_links WHERE expires_at <= ?1",
                "DELETE FROM counters WHERE expires_at <= ?1",
                "DELETE FROM outbox WHERE sent_at IS NOT NULL AND sent_at <= ?1 - 30 * 86400",
            ] {
                removed += tx.execute(sql, [now]).map_err(backend)?;
            }
            Ok(u64::try_from(removed).unwrap_or(u64::MAX))
        })
        .await
    }

    async fn list_org_users(&self, org_id: &str) -> Result<Vec<User>, StoreError> {
        self.list_org_users_impl(org_id).await
    }

    async fn add_member(
        &self,
        user: &User,
        invite: &TokenRecord,
        mail: &OutgoingMail,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.add_member_impl(user, invite, mail, audit).await
    }

    async fn update_member(
        &self,
        org: &Organisation,
        before: &User,
        after: &User,
        mails: &[OutgoingMail],
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.update_member_impl(org, before, after, mails, audit)
            .await
    }

    async fn delete_member(
        &self,
        org: &Organisation,
        before: &User,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.delete_member_impl(org, before, audit).await
    }

    async fn change_hauptadmin(
        &self,
        org: &Organisation,
        before: &User,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.change_hauptadmin_impl(org, before, audit).await
    }

    async fn reissue_invitation(
        &self,
        member: &User,
        token: &TokenRecord,
        mail: &OutgoingMail,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.reissue_invitation_impl(member, token, mail, audit)
            .await
    }

    async fn update_user(&self, before: &User, after: &User) -> Result<(), StoreError> {
        self.update_user_impl(before, after).await
    }

    async fn update_organisation(
        &self,
        before: &Organisation,
        after: &Organisation,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.update_organisation_impl(before, after, audit).await
    }

    async fn list_audit(&self, org_id: &str) -> Result<Vec<AuditEntry>, StoreError> {
        self.list_audit_impl(org_id).await
    }

    async fn list_addresses(&self, org_id: &str) -> Result<Vec<Address>, StoreError> {
        self.list_addresses_impl(org_id).await
    }

    async fn get_address(&self, org_id: &str, id: &str) -> Result<Option<Address>, StoreError> {
        self.get_address_impl(org_id, id).await
    }

    async fn add_address(
        &self,
        address: &Address,
        audit: Option<&AuditEntry>,
    ) -> Result<(), StoreError> {
        self.add_address_impl(address, audit).await
    }

    async fn update_address(
        &self,
        before: &Address,
        after: &Address,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.update_address_impl(before, after, audit).await
    }

    async fn delete_address(&self, before: &Address, audit: &AuditEntry) -> Result<(), StoreError> {
        self.delete_address_impl(before, audit).await
    }

    async fn set_default_address(
        &self,
        from: &Address,
        to: &Address,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.set_default_address_impl(from, to, audit).await
    }

    async fn list_roles(&self, org_id: &str) -> Result<Vec<Role>, StoreError> {
        self.list_roles_impl(org_id).await
    }

    async fn get_role(&self, role_id: &str) -> Result<Option<Role>, StoreError> {
        self.get_role_impl(role_id).await
    }

    async fn create_role(&self, role: &Role, audit: &AuditEntry) -> Result<(), StoreError> {
        self.create_role_impl(role, audit).await
    }

    async fn update_role(
        &self,
        before: &Role,
        after: &Role,
        mails: &[OutgoingMail],
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.update_role_impl(before, after, mails, audit).await
    }

    async fn delete_role(&self, role: &Role, audit: &AuditEntry) -> Result<(), StoreError> {
        self.delete_role_impl(role, audit).await
    }
}
