//! The store's adapters: SQLite (one file, `csp serve` and tests) and DynamoDB (Lambda,
//! single-table design). Both implement the domain's ports ([`crate::domain::ports`]) and
//! pass the same conformance suite (`tests/integration/common/conformance.rs`).

mod dynamodb;
mod sqlite;

pub use dynamodb::{DynamoConfig, DynamoStore};
pub use sqlite::SqliteStore;
