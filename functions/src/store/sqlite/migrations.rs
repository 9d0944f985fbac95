//! The SQLite store's schema, as an ordered list of named changes applied once each.
//!
//! A change is never edited once released: a later change alters what an earlier one made.
//! Names (not numbers) identify them, so changes made on parallel branches do not collide;
//! the list's order is the order they run in. A database that records a change this binary
//! does not know was written by a newer version and is refused rather than misread.

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

/// One schema change.
pub(super) struct Migration {
    pub name: &'static str,
    pub sql: &'static str,
}

/// Every schema change, in the order they are applied. The first two are the schema of the
/// releases before migrations existed (`IF NOT EXISTS`, so such a database takes them as
/// they are).
pub(super) const MIGRATIONS: &[Migration] = &[
    Migration {
        name: "2026-11-accounts",
        sql: super::ACCOUNTS_SCHEMA,
    },
    Migration {
        name: "2026-11-orders",
        sql: super::orders::SCHEMA,
    },
    Migration {
        name: "2026-12-members-audit",
        sql: super::members::SCHEMA,
    },
    Migration {
        name: "2026-12-addresses",
        sql: super::addresses::SCHEMA,
    },
    Migration {
        name: "2026-12-newsletter",
        sql: super::newsletter::SCHEMA,
    },
    Migration {
        name: "2026-12-named-roles",
        sql: super::roles::SCHEMA,
    },
    Migration {
        name: "2026-12-party-consoles",
        sql: super::console::SCHEMA,
    },
    Migration {
        name: "2026-12-cart",
        sql: super::cart::SCHEMA,
    },
    Migration {
        name: "2026-12-interest",
        sql: super::interest::SCHEMA,
    },
    Migration {
        name: "2026-12-figures",
        sql: super::figures::SCHEMA,
    },
    Migration {
        name: "2026-12-order-sequence",
        sql: super::console::SEQUENCE_SCHEMA,
    },
    Migration {
        name: "2026-12-closed-by-portal",
        sql: super::operator::CLOSED_BY_PORTAL_SCHEMA,
    },
];

/// Why the schema could not be brought up to date.
#[derive(Debug, thiserror::Error)]
pub enum MigrationError {
    #[error(
        "the database was written by a newer version of the portal (schema change {0} is unknown to this one)"
    )]
    Newer(String),
    #[error("schema change {name} failed: {source}")]
    Failed {
        name: &'static str,
        source: rusqlite::Error,
    },
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
}

/// Applies the changes `conn` has not had yet, each in its own transaction with its record;
/// returns their names.
pub(super) fn apply(
    conn: &mut Connection,
    migrations: &[Migration],
) -> Result<Vec<&'static str>, MigrationError> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)",
    )?;
    let known: Vec<String> = {
        let mut statement = conn.prepare("SELECT name FROM schema_migrations ORDER BY name")?;
        statement
            .query_map([], |row| row.get(0))?
            .collect::<Result<_, _>>()?
    };
    if let Some(unknown) = known
        .iter()
        .find(|name| !migrations.iter().any(|m| m.name == name.as_str()))
    {
        return Err(MigrationError::Newer(unknown.clone()));
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    let mut applied = Vec::new();
    for migration in migrations {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let done = tx
            .query_row(
                "SELECT 1 FROM schema_migrations WHERE name = ?1",
                [migration.name],
                |_| Ok(()),
            )
            .optional()?
            .is_some();
        if !done {
            tx.execute_batch(migration.sql)
                .map_err(|source| MigrationError::Failed {
                    name: migration.name,
                    source,
                })?;
            tx.execute(
                "INSERT INTO schema_migrations (name, applied_at) VALUES (?1, ?2)",
                params![migration.name, now],
            )?;
            applied.push(migration.name);
        }
        tx.commit()?;
    }
    Ok(applied)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIRST: Migration = Migration {
        name: "a",
        sql: "CREATE TABLE t (x INTEGER);",
    };
    const SECOND: Migration = Migration {
        name: "b",
        sql: "ALTER TABLE t ADD COLUMN y TEXT NOT NULL DEFAULT '';",
    };

    #[test]
    fn each_change_runs_once_in_order_and_newer_databases_are_refused() {
        let mut conn = Connection::open_in_memory().expect("open");
        assert_eq!(apply(&mut conn, &[FIRST]).expect("first"), ["a"]);
        assert_eq!(apply(&mut conn, &[FIRST, SECOND]).expect("second"), ["b"]);
        assert!(
            apply(&mut conn, &[FIRST, SECOND])
                .expect("again")
                .is_empty()
        );
        conn.execute("INSERT INTO t (x, y) VALUES (1, 'z')", [])
            .expect("both columns exist");
        assert!(matches!(
            apply(&mut conn, &[FIRST]),
            Err(MigrationError::Newer(name)) if name == "b"
        ));
    }

    #[test]
    fn a_failing_change_leaves_nothing_behind() {
        let mut conn = Connection::open_in_memory().expect("open");
        let broken = Migration {
            name: "broken",
            sql: "CREATE TABLE u (x INTEGER); THIS IS NOT SQL;",
        };
        assert!(apply(&mut conn, &[FIRST, broken]).is_err());
        let tables: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name = 'u'",
                [],
                |r| r.get(0),
            )
            .expect("count");
        assert_eq!(tables, 0, "the failed change was rolled back");
        assert!(
            apply(&mut conn, &[FIRST]).expect("still usable").is_empty(),
            "the first change stays applied"
        );
    }
}
