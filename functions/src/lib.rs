//! The portal's function: registration, e-mail confirmation, operator review, password and
//! sign-in for organisations, as one axum router that runs on AWS Lambda (through
//! `lambda_http`) and as an ordinary local HTTP server.
//!
//! # Mounting the router (what `csp serve` does)
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use std::path::Path;
//! // SQLite store (`DIR/function.sqlite3`, WAL mode) and an e-mail folder (`DIR/mail/*.eml`,
//! // links printed in the log), secrets kept in `DIR/secret.key`.
//! let state = functions::AppState::local(Path::new(".csp/function"), "http://localhost:8080")?;
//! // Every route lives under `/api/...`, so the router can be merged into a server that
//! // serves the static site from everything else.
//! let app: axum::Router = functions::router(state.clone());
//! // Deliver the e-mail outbox in the background (the handlers also deliver right away).
//! tokio::spawn(functions::deliver_outbox_forever(state));
//! # let _ = app; Ok(()) }
//! ```
//!
//! Needs the client's address for rate limits: serve the router with
//! `into_make_service_with_connect_info::<std::net::SocketAddr>()` (the local server does);
//! without it all clients share one "unknown" bucket.
//!
//! # Layout
//! - [`domain`]: accounts, validation, tokens, passwords, the human check and CSRF rules in
//!   plain Rust, without HTTP or AWS types.
//! - [`store`]: the [`store::Store`] trait with the SQLite and DynamoDB implementations.
//! - [`mail`]: the outbox's senders (folder of `.eml` files, SMTP, Amazon SES).
//! - [`web`]: the axum router, its thin handlers, the HTML forms and the OpenAPI document.

pub mod config;
pub mod domain;
pub mod logging;
pub mod mail;
pub mod private_files;
pub mod security_headers;
pub mod store;
pub mod web;

pub use config::{AppState, Settings, StateError};
pub use mail::deliver_outbox_forever;
pub use web::{openapi_document, router, standalone_router};
