//! The `csp` command's library: everything the thin binary in `main.rs` calls.
//!
//! - [`check`]: validate `content/` and report every problem (the pull-request gate).
//! - [`scaffold`]: write a new, complete offering skeleton (`csp new offering`).
//! - [`build`]: render the static site and the artifacts for the function.
//! - [`serve`]: the whole portal on one machine, with live preview.
//!
//! `build` and `serve` are Cargo features (on by default); without them the crate is the
//! providers' gate: `check`, `scaffold` and nothing of the renderer or the cloud stack.

#[cfg(feature = "build")]
pub mod build;
pub mod check;
pub mod scaffold;
#[cfg(feature = "serve")]
pub mod serve;
