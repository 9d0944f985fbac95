//! The records of orders and reported needs.

use catalog::model::ContractModel;
use catalog::snapshot::{OrderableOffering, SnapshotPlan};
use serde::{Deserialize, Serialize};

use super::status::{OrderStatus, Party};

/// How long a provider has to decide, from the order (PRODUCT.md: 30 days).
pub const DECISION_DAYS: i64 = 30;

/// The days after the order on which the party whose decision is due is reminded.
pub const REMINDER_DAYS: [i64; 2] = [20, 27];

/// The reason an order closed at its deadline carries.
pub const EXPIRY_REASON: &str = "Keine Entscheidung innerhalb von 30 Tagen";

/// Seconds in a day: deadlines count whole days of 24 hours from the moment of the order.
pub const DAY: i64 = 86_400;

/// One status change, appended and never rewritten.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub at: i64,
    pub by: Party,
    /// `None` for the order's creation.
    pub from: Option<OrderStatus>,
    pub to: OrderStatus,
    pub reason: Option<String>,
}

/// An order with its contract folder and history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Order {
    pub id: String,
    /// Readable and unique, e.g. `CSP-2026-000123`.
    pub number: String,
    pub org_id: String,
    pub user_id: String,
    /// The form's idempotency key: one order per organisation and key.
    pub idempotency_key: String,
    /// SHA-256 of the form's fields (without CSRF token and key): the same key sent with
    /// other fields is refused instead of answered with this order. Empty for orders stored
    /// before it was recorded.
    #[serde(default)]
    pub input_hash: String,
    pub offering_id: String,
    pub provider_id: String,
    pub contract_model: ContractModel,
    pub status: OrderStatus,
    pub created_at: i64,
    /// By when the provider must have decided.
    pub deadline: i64,
    pub history: Vec<HistoryEntry>,
    /// Taken at order time and never changed afterwards.
    pub folder: ContractFolder,
}

impl Order {
    /// Undecided after the deadline.
    pub fn is_overdue(&self, now: i64) -> bool {
        !self.status.is_final() && now > self.deadline
    }

    /// The reminder due at `now`: the last of [`REMINDER_DAYS`] reached, while the deadline
    /// has not passed. A run that missed day 20 and comes on day 28 sends only day 27's.
    pub fn due_reminder(&self, now: i64) -> Option<i64> {
        if self.status.is_final() || now >= self.deadline {
            return None;
        }
        REMINDER_DAYS
            .into_iter()
            .rev()
            .find(|day| now >= self.created_at + day * DAY)
    }

    /// Closed by the portal because the deadline passed without a decision.
    pub fn expired_undecided(&self) -> bool {
        self.status.is_rejection()
            && self.history.last().is_some_and(|h| {
                h.by == Party::Portal && h.reason.as_deref() == Some(EXPIRY_REASON)
            })
    }

    /// When the portal closed the order at its deadline, if it did.
    pub fn closed_by_portal_at(&self) -> Option<i64> {
        self.expired_undecided()
            .then(|| self.history.last().map(|h| h.at))
            .flatten()
    }

    /// The place of the order in the year's numbering ([`number_sequence`]).
    pub fn sequence(&self) -> i64 {
        number_sequence(&self.number)
    }

    /// What [`newest_first`] compares.
    pub fn newest_key(&self) -> (i64, &str, &str) {
        (self.created_at, &self.number, &self.id)
    }

    /// The reason of the rejection, if rejected.
    pub fn rejection_reason(&self) -> Option<&str> {
        self.history
            .iter()
            .rev()
            .find(|h| h.to.is_rejection())
            .and_then(|h| h.reason.as_deref())
    }
}

/// The counter in an order number (`CSP-2026-000123` → 123): it grows with each order of a
/// year, so it breaks ties between orders placed in the same second (which share the year).
/// Compared as a number, so a seventh digit still sorts after six; 0 for a number without one.
pub fn number_sequence(number: &str) -> i64 {
    number
        .rsplit('-')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// "Newest first" for orders: by creation time, then by number (the later order of the same
/// second first), then by id so that the order is total.
pub fn newest_first(a: (i64, &str, &str), b: (i64, &str, &str)) -> std::cmp::Ordering {
    let (a_created, a_number, a_id) = a;
    let (b_created, b_number, b_id) = b;
    (b_created, number_sequence(b_number), b_id).cmp(&(a_created, number_sequence(a_number), a_id))
}

/// The contract folder (Vertragsmappe): everything the contract consists of, as it stood
/// when the order was placed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContractFolder {
    pub number: String,
    pub ordered_at: i64,
    pub customer: FolderCustomer,
    pub billing: BillingAddress,
    pub reference: Option<String>,
    pub note: Option<String>,
    /// The offering as the catalog described it (the provider's order address removed).
    pub offering: OrderableOffering,
    pub plan: SnapshotPlan,
    pub contract_model: ContractModel,
    pub options: Vec<ConfiguredOption>,
    /// Units of the plan's price unit, for an order from the Warenkorb (the plan's price
    /// times this is the price of a period); `None` for an order placed on its own form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<u32>,
    /// Version of the CSP-AGB consented to.
    pub agb_version: String,
    /// The text of that version (Markdown) as agreed: later versions never change it.
    /// Empty for orders placed before the text was kept (only the version is known).
    #[serde(default)]
    pub agb_text: String,
}

/// The ordering organisation and person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FolderCustomer {
    pub organisation: String,
    pub legal_form: String,
    pub level: String,
    pub street: String,
    pub postcode: String,
    pub city: String,
    pub in_house_capable: bool,
    /// The organisation's Leitweg-ID at order time; empty if it had none (or the order
    /// was placed before it was kept).
    #[serde(default)]
    pub leitweg_id: String,
    pub orderer_name: String,
    pub orderer_email: String,
    pub orderer_phone: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillingAddress {
    pub organisation: String,
    pub street: String,
    pub postcode: String,
    pub city: String,
    /// The phone number of the saved address chosen; empty for a typed address.
    #[serde(default)]
    pub phone: String,
    /// The name of the saved address chosen ("Kämmerei"); empty for a typed address.
    #[serde(default)]
    pub label: String,
}

/// An option as configured, with the value in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfiguredOption {
    pub id: String,
    pub label: String,
    pub value: String,
}

/// A service the catalog lacks, reported by a signed-in member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Need {
    pub id: String,
    pub org_id: String,
    pub org_name: String,
    pub user_id: String,
    pub user_name: String,
    pub user_email: String,
    pub title: String,
    pub description: String,
    /// `<top>` or `<top>/<sub>`, and its name.
    pub category: Option<String>,
    pub category_name: Option<String>,
    pub expected_users: Option<u32>,
    /// ISO date `YYYY-MM-DD`.
    pub wished_date: Option<String>,
    /// `email` or `telefon`.
    pub contact_preference: String,
    pub created_at: i64,
    /// Marked as handled by the operator (once); `None` while open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handled: Option<NeedHandled>,
}

/// Who of the operator's team marked a need as handled, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NeedHandled {
    pub at: i64,
    pub by_user_id: String,
    pub by_name: String,
}
