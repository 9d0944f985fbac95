//! The function's integration tests, in one test binary: the shared helpers (`common`)
//! and the whole function (its dependencies) are compiled and linked once, not once per
//! file. `cargo test -p functions --test integration sqlite::` runs one file's tests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

mod binary;
mod contracts;
mod crash;
mod dynamodb;
mod forms;
mod lambda;
mod search;
mod ses;
mod sqlite;
