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
//! tokio::spawn(state.outbox.clone().deliver_forever());
//! # let _ = app; Ok(()) }
//! ```
//!
//! Needs the client's address for rate limits: serve the router with
//! `into_make_service_with_connect_info::<std::net::SocketAddr>()` (the local server does);
//! without it all clients share one "unknown" bucket.
//!
//! # Layout (dependencies point down this list, never up)
//! - [`web`]: the axum router, its thin handlers and the OpenAPI document.
//! - [`state`]: the application state, composing the services below once; [`due_work`]:
//!   what falls due with time (deadlines, clean-up, mail delivery), run on a schedule.
//! - [`config`]: the environment, read once into one typed value.
//! - [`pages`] (the theme's templates), [`search`] (the opened index) and [`mail`] (the
//!   outbox and its senders): services.
//! - [`store`]: the SQLite and DynamoDB adapters of the domain's store ports.
//! - [`domain`]: accounts, orders, validation, tokens, passwords, the human check and CSRF
//!   rules in plain Rust, without HTTP or AWS types; it owns the store ports
//!   ([`domain::ports`]).

pub mod config;
pub mod domain;
pub mod due_work;
pub mod logging;
pub mod mail;
pub mod pages;
pub mod private_files;
pub mod search;
pub mod security_headers;
pub mod state;
pub mod store;
pub mod web;

pub use config::Config;
pub use state::{AppState, Settings, StateError};
pub use web::{openapi_document, router, standalone_router};
