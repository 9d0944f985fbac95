//! The Warenkorb: offerings a person has configured and not yet ordered, kept on the server
//! per person (so it works without JavaScript, on another device and after signing out).
//!
//! A line holds what the order form holds apart from the billing address and the consents:
//! offering, plan, contract model, options, and a quantity. The quantity counts units of
//! the plan's price unit ("3,50 € je Nutzer und Monat" × 50 Nutzer); the price of a period
//! is the plan's price times the quantity. Options stay the provider's configuration and
//! are never multiplied: the offering format does not say which option (if any) counts
//! the plan's unit, so the portal cannot derive the quantity from one.
//!
//! Every line is validated exactly as an order is ([`validate_configuration`]), and prices
//! are always taken from the current catalog snapshot, never from the form. The line keeps
//! the offering as it was when it was added (or last confirmed), so the cart can say what
//! has changed since.

use async_trait::async_trait;
use catalog::forms;
use catalog::model::{Billing, ContractModel, OptionType};
use catalog::snapshot::{OrderCatalog, SnapshotOption, SnapshotPlan};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::input::{ConfigurationInput, LineInput, OrderField, OrderProblems};
use super::model::{ConfiguredOption, Order};
use super::validate::validate_configuration;
use super::{OrderError, Orders};
use crate::domain::accounts::SessionInfo;
use crate::domain::model::{Organisation, OutgoingMail};
use crate::domain::ports::StoreError;
use crate::domain::tokens::new_id;

/// At most this many lines in one person's Warenkorb (checked when a line is added).
pub const MAX_CART_LINES: usize = 30;

/// The offering as the catalog described it when the line was added or last confirmed:
/// what the cart compares with the current catalog.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeenOffering {
    pub name: String,
    pub provider_id: String,
    pub provider_name: String,
    pub contract_models: Vec<ContractModel>,
    pub plans: Vec<SnapshotPlan>,
    pub options: Vec<SnapshotOption>,
}

/// One line of a person's Warenkorb.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CartLine {
    pub id: String,
    /// The person whose cart it is: lines are only ever read and written under this id.
    pub user_id: String,
    pub offering_id: String,
    pub plan_id: String,
    pub contract_model: ContractModel,
    pub options: Vec<ConfiguredOption>,
    pub quantity: u32,
    pub added_at: i64,
    /// One more than the highest position in the cart when added: keeps lines added in
    /// the same second in the order they were added.
    #[serde(default)]
    pub position: u32,
    pub seen: SeenOffering,
}

impl CartLine {
    /// The order of a cart's lines: as they were added.
    pub fn sort(lines: &mut [CartLine]) {
        lines.sort_by(|a, b| (a.added_at, a.position, &a.id).cmp(&(b.added_at, b.position, &b.id)));
    }
}

/// The Warenkorb's store port: lines are kept under their person, so a line id of another
/// person finds nothing (`NotFound`), exactly like an unknown one.
#[async_trait]
pub trait CartStore: Send + Sync {
    /// The person's lines, in the order they were added.
    async fn list_cart(&self, user_id: &str) -> Result<Vec<CartLine>, StoreError>;

    async fn get_cart_line(
        &self,
        user_id: &str,
        line_id: &str,
    ) -> Result<Option<CartLine>, StoreError>;

    /// Adds a line if the person has fewer than `max_lines` lines, both in one conditional
    /// write; `Conflict` (nothing written) if the person has a line with this id or already
    /// `max_lines` lines.
    async fn add_cart_line(&self, line: &CartLine, max_lines: usize) -> Result<(), StoreError>;

    /// Replaces `before` by `after` (same id and person) if the line is still stored as
    /// `before`: `NotFound` if it is not the person's (or gone), `Conflict` if it changed.
    async fn replace_cart_line(
        &self,
        before: &CartLine,
        after: &CartLine,
    ) -> Result<(), StoreError>;

    /// Removes the person's line; `NotFound` if the person has no such line.
    async fn remove_cart_line(&self, user_id: &str, line_id: &str) -> Result<(), StoreError>;

    /// Checks out: removes the person's `lines`, each on condition that it is still stored
    /// as read, and stores each order with its mails, all or nothing. `Conflict` (nothing
    /// written) if a line is gone or has changed, or the organisation already has an order
    /// under one of the orders' idempotency keys.
    async fn check_out_cart(
        &self,
        lines: &[CartLine],
        orders: &[(Order, Vec<OutgoingMail>)],
    ) -> Result<(), StoreError>;
}

/// The quantity as entered (empty: 1).
fn quantity(raw: &str, problems: &mut OrderProblems) -> u32 {
    match raw {
        "" => 1,
        raw => match raw.parse::<i64>() {
            Ok(n) if (1..=forms::cart::MAX_QUANTITY).contains(&n) => u32::try_from(n).unwrap_or(1),
            _ => {
                problems.add(
                    OrderField::Quantity,
                    format!(
                        "Bitte geben Sie als Menge eine ganze Zahl von 1 bis {} an.",
                        forms::cart::MAX_QUANTITY
                    ),
                );
                1
            }
        },
    }
}

/// What a valid form configures of a line, and the offering as seen now.
struct CheckedLine {
    plan_id: String,
    contract_model: ContractModel,
    options: Vec<ConfiguredOption>,
    quantity: u32,
    seen: SeenOffering,
}

/// A line validated against the catalog. `Err(None)`: the offering cannot be ordered at
/// all.
fn checked_line(
    input: &LineInput,
    offering_id: &str,
    catalog: &OrderCatalog,
    org: &Organisation,
) -> Result<CheckedLine, Option<OrderProblems>> {
    let mut errors = OrderProblems::default();
    let quantity = quantity(&input.quantity, &mut errors);
    match validate_configuration(&input.configuration, offering_id, catalog, org) {
        Err(None) => Err(None),
        Err(Some(more)) => {
            let mut all = more;
            all.0.extend(errors.0);
            Err(Some(all))
        }
        Ok(_) if !errors.is_empty() => Err(Some(errors)),
        Ok(valid) => Ok(CheckedLine {
            plan_id: valid.plan.id.clone(),
            contract_model: valid.contract_model,
            options: valid.options,
            quantity,
            seen: seen(valid.offering),
        }),
    }
}

fn seen(offering: &catalog::snapshot::OrderableOffering) -> SeenOffering {
    SeenOffering {
        name: offering.name.clone(),
        provider_id: offering.provider.id.clone(),
        provider_name: offering.provider.name.clone(),
        contract_models: offering.contract_models.clone(),
        plans: offering.plans.clone(),
        options: offering.options.clone(),
    }
}

/// The configuration a line was made with, to check it again against today's catalog (and
/// to send it again with the line's form).
pub fn line_configuration(line: &CartLine) -> ConfigurationInput {
    let mut options = std::collections::BTreeMap::new();
    for option in &line.options {
        let boolean = line
            .seen
            .options
            .iter()
            .any(|o| o.id == option.id && o.option_type == OptionType::Boolean);
        if boolean && option.value != "ja" {
            continue;
        }
        options.insert(option.id.clone(), option.value.clone());
    }
    ConfigurationInput {
        plan: line.plan_id.clone(),
        contract_model: line.contract_model.as_str().to_owned(),
        options,
    }
}

/// What has changed about a line's offering since it was added, in words; empty if
/// nothing did.
pub fn changes(line: &CartLine, now: &SeenOffering) -> Vec<String> {
    let before = &line.seen;
    let mut changed = Vec::new();
    let plan_before = before.plans.iter().find(|p| p.id == line.plan_id);
    let plan_now = now.plans.iter().find(|p| p.id == line.plan_id);
    if let (Some(a), Some(b)) = (plan_before, plan_now)
        && a != b
    {
        changed.push(format!(
            "Der Preis hat sich geändert: vorher {}, jetzt {}.",
            a.price_text(),
            b.price_text()
        ));
    }
    let ids = |plans: &[SnapshotPlan]| plans.iter().map(|p| p.id.clone()).collect::<Vec<_>>();
    if ids(&before.plans) != ids(&now.plans) {
        changed.push("Die angebotenen Preismodelle haben sich geändert.".to_owned());
    }
    if before.options != now.options {
        changed.push("Die Optionen des Angebots haben sich geändert.".to_owned());
    }
    if before.contract_models != now.contract_models {
        changed.push("Die angebotenen Vertragsmodelle haben sich geändert.".to_owned());
    }
    changed
}

/// A line as the cart shows it: with the current plan and price, and what needs attention.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CartLineView {
    pub line: CartLine,
    /// The offering's name and provider now (as added if it is gone).
    pub offering_name: String,
    pub provider_name: String,
    /// The plan now; `None` if the offering or the plan is gone.
    pub plan: Option<SnapshotPlan>,
    /// The price of one period (or the one-off price): plan price × quantity.
    pub line_price: Option<Decimal>,
    /// What changed since the line was added (must be confirmed before checkout).
    pub changes: Vec<String>,
    /// Why the line cannot be ordered as it is (must be changed or removed).
    pub problems: Vec<String>,
}

impl CartLineView {
    /// Can be checked out as it is.
    pub fn is_ready(&self) -> bool {
        self.changes.is_empty() && self.problems.is_empty()
    }
}

/// The net sums of the cart's lines per billing period.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CartTotals {
    pub monthly: Decimal,
    pub yearly: Decimal,
    pub once: Decimal,
}

/// A person's Warenkorb as shown.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CartView {
    pub lines: Vec<CartLineView>,
    /// Sums of the lines that can be priced today.
    pub totals: CartTotals,
}

/// The view of `line` against today's `catalog` for a person of `org`.
pub fn view_line(line: CartLine, catalog: &OrderCatalog, org: &Organisation) -> CartLineView {
    let Some(offering) = catalog.offering(&line.offering_id) else {
        return CartLineView {
            offering_name: line.seen.name.clone(),
            provider_name: line.seen.provider_name.clone(),
            plan: None,
            line_price: None,
            changes: Vec::new(),
            problems: vec![format!(
                "{} kann nicht mehr bestellt werden: das Angebot ist nicht mehr im Katalog.",
                line.seen.name
            )],
            line,
        };
    };
    let problems =
        match validate_configuration(&line_configuration(&line), &line.offering_id, catalog, org) {
            Ok(_) => Vec::new(),
            Err(None) => vec!["Das Angebot kann nicht bestellt werden.".to_owned()],
            Err(Some(problems)) => problems.0.into_iter().map(|p| p.message).collect(),
        };
    let plan = offering.plan(&line.plan_id).cloned();
    let line_price = plan
        .as_ref()
        .map(|p| p.price * Decimal::from(line.quantity));
    CartLineView {
        changes: changes(&line, &seen(offering)),
        offering_name: offering.name.clone(),
        provider_name: offering.provider.name.clone(),
        plan,
        line_price,
        problems,
        line,
    }
}

/// The cart of `lines` against today's catalog, with totals per billing period.
pub fn view_cart(lines: Vec<CartLine>, catalog: &OrderCatalog, org: &Organisation) -> CartView {
    let lines: Vec<CartLineView> = lines
        .into_iter()
        .map(|line| view_line(line, catalog, org))
        .collect();
    let mut totals = CartTotals::default();
    for view in &lines {
        if let (Some(plan), Some(price)) = (&view.plan, view.line_price) {
            match plan.billing {
                Billing::Monthly => totals.monthly += price,
                Billing::Yearly => totals.yearly += price,
                Billing::Once => totals.once += price,
                Billing::Free => {}
            }
        }
    }
    CartView { lines, totals }
}

impl Orders {
    /// The session's Warenkorb against today's catalog.
    pub async fn cart(&self, session: &SessionInfo) -> Result<CartView, OrderError> {
        let catalog = self.catalog()?;
        let lines = self.store.list_cart(&session.user.id).await?;
        Ok(view_cart(lines, &catalog, &session.org))
    }

    /// How many lines the session's Warenkorb has (for the header).
    pub async fn cart_count(&self, session: &SessionInfo) -> Result<usize, OrderError> {
        Ok(self.store.list_cart(&session.user.id).await?.len())
    }

    /// Adds `offering_id` configured as in `input` (the order form's configuration, and the
    /// quantity) to the session's Warenkorb.
    pub async fn add_to_cart(
        &self,
        session: &SessionInfo,
        offering_id: &str,
        input: &LineInput,
    ) -> Result<CartLine, OrderError> {
        let catalog = self.catalog()?;
        let CheckedLine {
            plan_id,
            contract_model,
            options,
            quantity,
            seen,
        } = match checked_line(input, offering_id, &catalog, &session.org) {
            Ok(checked) => checked,
            Err(None) => return Err(OrderError::NotOrderable),
            Err(Some(errors)) => return Err(OrderError::Invalid(errors)),
        };
        let full = || {
            let mut errors = OrderProblems::default();
            errors.add(
                OrderField::Cart,
                format!(
                    "Ihr Warenkorb hat bereits {MAX_CART_LINES} Positionen, mehr sind nicht möglich. Bestellen oder entfernen Sie zuerst einige."
                ),
            );
            OrderError::Invalid(errors)
        };
        let lines = self.store.list_cart(&session.user.id).await?;
        if lines.len() >= MAX_CART_LINES {
            return Err(full());
        }
        let line = CartLine {
            id: new_id(),
            user_id: session.user.id.clone(),
            offering_id: offering_id.to_owned(),
            plan_id,
            contract_model,
            options,
            quantity,
            added_at: self.now(),
            position: lines.iter().map(|l| l.position + 1).max().unwrap_or(0),
            seen,
        };
        // The store enforces the cap: of concurrent adds to an almost full cart, only as many
        // succeed as fit; the others are refused as a full cart.
        match self.store.add_cart_line(&line, MAX_CART_LINES).await {
            Ok(()) => Ok(line),
            Err(StoreError::Conflict) => Err(full()),
            Err(e) => Err(e.into()),
        }
    }

    /// Changes a line of the session's Warenkorb to the plan, contract model, options and
    /// quantity in `input` (the offering stays the line's), which also confirms the
    /// offering as it is now. `NotFound` for a line that is not the session's.
    pub async fn change_cart_line(
        &self,
        session: &SessionInfo,
        line_id: &str,
        input: &LineInput,
    ) -> Result<CartLine, OrderError> {
        let catalog = self.catalog()?;
        let before = self
            .store
            .get_cart_line(&session.user.id, line_id)
            .await?
            .ok_or(OrderError::NotFound)?;
        let CheckedLine {
            plan_id,
            contract_model,
            options,
            quantity,
            seen,
        } = match checked_line(input, &before.offering_id, &catalog, &session.org) {
            Ok(checked) => checked,
            Err(None) => return Err(OrderError::NotOrderable),
            Err(Some(errors)) => return Err(OrderError::Invalid(errors)),
        };
        let after = CartLine {
            plan_id,
            contract_model,
            options,
            quantity,
            seen,
            ..before.clone()
        };
        self.store
            .replace_cart_line(&before, &after)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => OrderError::NotFound,
                other => OrderError::Store(other),
            })?;
        Ok(after)
    }

    /// Removes a line of the session's Warenkorb; `NotFound` for a line that is not the
    /// session's.
    pub async fn remove_cart_line(
        &self,
        session: &SessionInfo,
        line_id: &str,
    ) -> Result<(), OrderError> {
        self.store
            .remove_cart_line(&session.user.id, line_id)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => OrderError::NotFound,
                other => OrderError::Store(other),
            })
    }
}
