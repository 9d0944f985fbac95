//! The conformance suite and the HTTP flows against the SQLite store.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use functions::domain::orders::ports::PortalStore;
use functions::store::SqliteStore;

async fn sqlite() -> Arc<dyn PortalStore> {
    // A file (not :memory:) so WAL mode is really used; the folder is leaked on purpose
    // until the process ends (tempfile removes it on drop otherwise).
    let dir = tempfile::tempdir().expect("tempdir");
    let store = SqliteStore::open(&dir.path().join("test.sqlite3")).expect("open");
    std::mem::forget(dir);
    Arc::new(store)
}

store_tests!(sqlite());

#[tokio::test]
async fn database_file_is_in_wal_mode() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("wal.sqlite3");
    let _store = SqliteStore::open(&path).expect("open");
    let conn = rusqlite::Connection::open(&path).expect("open again");
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .expect("pragma");
    assert_eq!(mode, "wal");
}
