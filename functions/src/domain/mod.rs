//! The account domain in plain Rust: no HTTP and no AWS types, so every rule is tested directly.

pub mod accounts;
pub mod clock;
pub mod csrf;
pub mod human_check;
pub mod input;
pub mod mails;
pub mod model;
pub mod newsletter;
pub mod orders;
pub mod paging;
pub mod password;
pub mod ports;
pub mod tokens;
pub mod validation;

pub use accounts::{AccountError, Accounts, Limits, RateLimit, SessionInfo};
pub use clock::{Clock, ManualClock, SystemClock};
pub use model::*;
pub use tokens::Secret;
pub use validation::{FieldErrors, FormInput};
