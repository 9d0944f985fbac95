//! The catalog model of the Cloud-Service-Portal: offering, provider, portfolio and
//! maturity-model files, loaded and validated once.
//!
//! Data flows one way: `content/` → [`load_catalog`] → [`Catalog`]. Everything after that
//! (the site, the search index, exports, the function's catalog snapshot) reads the typed,
//! valid [`Catalog`] and never parses a content file again. This crate has no template or
//! Markdown machinery, so the function can use it and stay small.
//!
//! ```no_run
//! let catalog = catalog::load_catalog(std::path::Path::new("content"));
//! match catalog {
//!     Ok(catalog) => println!("{} offerings", catalog.published().count()),
//!     Err(problems) => {
//!         for problem in problems.into_sorted() {
//!             eprintln!("{}", problem.one_line());
//!         }
//!     }
//! }
//! ```

// A Diagnostic is the error of a cold path (a broken file); boxing it would only add noise.
#![allow(clippy::result_large_err)]

mod decode;
pub mod diagnostic;
mod files;
pub mod format;
pub mod forms;
pub mod layout;
mod load;
pub mod model;
pub mod order_form;
pub mod schema;
pub mod slug;
pub mod snapshot;
mod yaml;

pub use diagnostic::{Diagnostic, Diagnostics, Location};
pub use load::{
    AGB_DIR, AGB_PUBLISHED_FILE, FAQ_DIR, MATURITY_MODEL_FILE, OFFERINGS_DIR, PAGES_DIR,
    PORTFOLIO_FILE, PROVIDERS_DIR, load_catalog, load_offering, read_limited,
};
pub use model::*;
