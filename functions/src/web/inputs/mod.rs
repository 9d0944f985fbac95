//! The edge between a posted form and the domain's typed input (the pattern:
//! [`crate::domain::input`]). This is the only place that maps form field names to the
//! domain's structs and field enums, and it names every field through the constants of
//! `catalog::forms`, where each form's fields are specified once: reading a form
//! (`*_input`) takes each field by its spec constant, and naming a problem's field
//! (`*_field_name`) is an exhaustive `match` over the domain's enum that answers with the
//! same constants, so a field the domain adds cannot go unnamed.
//!
//! One submodule per family of forms. A new form: put its struct and field enum beside the
//! domain function that takes it, and its reader (`*_input`) and naming (a `match` arm in
//! `*_field_name`) in a submodule here. Handlers that show a form again with its messages
//! match the named errors: `OrderError` through `web::orders::Failed`, `AccountError`
//! through [`named`].

mod accounts;
mod interest;
mod operator;
mod orders;
mod party_orgs;

pub use accounts::*;
pub use interest::*;
pub use operator::*;
pub use orders::*;
pub use party_orgs::*;
