//! The typed input of the order form, the Bedarf form, a Warenkorb line and the checkout,
//! and the fields their problems are reported at (the pattern: [`crate::domain::input`];
//! the web edge reads these structs from the forms of `catalog::forms::{order, need, cart,
//! checkout}` and names the fields in `crate::web::inputs`).

use std::collections::BTreeMap;

use serde::Serialize;

pub use crate::domain::input::{Problem, Problems};

/// A field of the order form, a Warenkorb line or the checkout, or the part of the form a
/// message is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderField {
    /// Who may order the offering (the organisation's Verwaltungsebene): about the whole
    /// form.
    CustomerScope,
    Plan,
    ContractModel,
    /// A configurable option, by its id.
    Option(String),
    BillingAddress,
    BillingOrg,
    BillingStreet,
    BillingPostcode,
    BillingCity,
    Reference,
    Note,
    ConsentAgb,
    ConsentConditions,
    IdempotencyKey,
    /// The quantity of a Warenkorb line.
    Quantity,
    /// The Warenkorb as a whole (full, empty, changed meanwhile).
    Cart,
    /// One line of the Warenkorb at the checkout, by its id.
    CartLine(String),
}

/// The order form's and a Warenkorb line's problems.
pub type OrderProblems = Problems<OrderField>;

/// A field of the Bedarf form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NeedField {
    Title,
    Description,
    Category,
    ExpectedUsers,
    WishedDate,
    ContactPreference,
}

/// The Bedarf form's problems.
pub type NeedProblems = Problems<NeedField>;

/// How an offering is configured, as the order form and a Warenkorb line send it: values
/// as entered, checked against the catalog by the domain.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ConfigurationInput {
    /// The plan's id.
    pub plan: String,
    /// The contract model as submitted (`direktvertrag`, `umklappvertrag`).
    pub contract_model: String,
    /// The options' values as entered, by option id; a checkbox option is present with a
    /// value (`ja`) when ticked, absent when not.
    pub options: BTreeMap<String, String>,
}

/// A billing address typed into the order form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TypedAddressInput {
    pub organisation: String,
    pub street: String,
    pub postcode: String,
    pub city: String,
}

/// The order form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OrderInput {
    /// The offering's id.
    pub offering: String,
    pub configuration: ConfigurationInput,
    /// The id of a saved address of the organisation; empty: [`OrderInput::typed_address`].
    pub billing_address: String,
    pub typed_address: TypedAddressInput,
    pub reference: String,
    pub note: String,
    pub consent_agb: bool,
    pub consent_conditions: bool,
    /// The form's idempotency key; empty when the form came without one.
    #[serde(skip)]
    pub idempotency_key: String,
}

/// "In den Warenkorb" and the change of a line: the configuration and the quantity (as
/// entered; empty means 1).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineInput {
    pub configuration: ConfigurationInput,
    pub quantity: String,
}

/// The checkout of the Warenkorb.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckoutInput {
    /// The checkout key (same key, same orders once).
    pub key: String,
    /// The id of a saved address of the organisation.
    pub billing_address: String,
    pub consent_agb: bool,
    pub consent_conditions: bool,
}

/// The Bedarf form, values as entered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NeedInput {
    pub title: String,
    pub description: String,
    /// `<oberkategorie>/<unterkategorie>`, or empty.
    pub category: String,
    pub expected_users: String,
    /// `YYYY-MM-DD`, or empty.
    pub wished_date: String,
    /// `email`, `telefon`, or empty (e-mail).
    pub contact_preference: String,
}

/// Whether a checkbox-like value means "ticked" (anything but empty, `false`, `0`, `off`).
pub fn ticked(value: &str) -> bool {
    !matches!(value, "" | "false" | "0" | "off")
}
