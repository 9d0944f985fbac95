//! The conformance suite and the HTTP flows against DynamoDB Local.
//!
//! `scripts/test` starts DynamoDB Local and sets `CSP_TEST_DYNAMODB_ENDPOINT`; without it
//! these tests fail (they never skip), so a missing server cannot pass unnoticed.
//! By hand: `eval "$(scripts/dynamodb-local.sh)"; cargo test -p functions --test integration dynamodb::`.
use crate::common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use functions::domain::orders::ports::PortalStore;
use functions::store::{DynamoConfig, DynamoStore};

/// A fresh table per test, so tests run in parallel without seeing each other's records.
async fn dynamodb() -> Arc<dyn PortalStore> {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let endpoint = std::env::var("CSP_TEST_DYNAMODB_ENDPOINT").unwrap_or_else(|_| {
        panic!(
            "CSP_TEST_DYNAMODB_ENDPOINT is not set: run the tests through scripts/test, or start DynamoDB Local with \
             `eval \"$(scripts/dynamodb-local.sh)\"` first"
        )
    });
    let table = format!(
        "csp-test-{}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst),
        functions::domain::tokens::new_id()
    );
    let store = DynamoStore::new(&DynamoConfig::local(&endpoint, &table));
    store
        .create_table()
        .await
        .unwrap_or_else(|e| panic!("cannot create table {table} at {endpoint}: {e}"));
    Arc::new(store)
}

crate::store_tests!(dynamodb());
crate::interest_tests!(dynamodb());
