//! The Warenkorb's checkout: one order per line (each its own contract with its provider,
//! with its own number, folder, status and mails, exactly as a single order), all or none.
//!
//! The checkout form carries a checkout key (hidden, like the order form's idempotency key);
//! each line's order gets the key `<checkout key>#<line id>`, so the same checkout sent
//! again finds its orders, and two checkouts of the same cart cannot both remove its lines.

use super::cart::{CartLine, line_configuration, view_line};
use super::input::{CheckoutInput, OrderField, OrderInput, OrderProblems};
use super::validate::validate_order;
use super::{OrderError, Orders, input_hash};
use crate::domain::accounts::SessionInfo;
use crate::domain::model::OutgoingMail;
use crate::domain::orders::Order;
use crate::domain::ports::StoreError;

/// At most this many lines in one checkout. DynamoDB writes a checkout as one
/// `TransactWriteItems` of at most 100 items; a line needs up to 7: the idempotency
/// marker, the order, its entry among undecided orders, the intermediary's marker (an
/// Umklappvertrag), two mails (customer, first decider) and the removal of the cart line;
/// one more lowers the cart's line count. 14 × 7 + 1 = 99 ≤ 100.
pub const MAX_CHECKOUT_LINES: usize = 14;

/// The longest checkout key accepted (as the order form's idempotency key).
const MAX_KEY_LEN: usize = catalog::forms::order::IDEMPOTENCY_KEY.max_len;

/// The order key of a line in a checkout.
fn order_key(checkout_key: &str, line: &CartLine) -> String {
    format!("{checkout_key}#{}", line.id)
}

/// Whether a problem of a line's order is about the checkout form itself (its billing
/// address and consents), not about the line.
fn at_checkout_form(field: &OrderField) -> bool {
    matches!(
        field,
        OrderField::BillingAddress | OrderField::ConsentAgb | OrderField::ConsentConditions
    )
}

impl Orders {
    /// Checks out the session's Warenkorb with the billing address, consents and checkout
    /// key of `input`: one order per line, all or none; the same checkout key again gives
    /// the orders of the first checkout and creates nothing.
    pub async fn check_out(
        &self,
        session: &SessionInfo,
        input: &CheckoutInput,
    ) -> Result<Vec<Order>, OrderError> {
        let key = input.key.clone();
        let mut errors = OrderProblems::default();
        if key.is_empty()
            || key.len() > MAX_KEY_LEN
            || !key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            errors.add(
                OrderField::Cart,
                "Das Formular ist unvollständig. Bitte laden Sie die Kasse neu.",
            );
            return Err(OrderError::Invalid(errors));
        }
        if let Some(orders) = self.checked_out(session, &key).await? {
            return Ok(orders);
        }
        let catalog = self.catalog()?;
        let lines = self.store.list_cart(&session.user.id).await?;
        if lines.is_empty() {
            // The same checkout, sent twice at once, may have emptied the cart meanwhile.
            if let Some(orders) = self.checked_out(session, &key).await? {
                return Ok(orders);
            }
            errors.add(OrderField::Cart, "Ihr Warenkorb ist leer.");
            return Err(OrderError::Invalid(errors));
        }
        if lines.len() > MAX_CHECKOUT_LINES {
            errors.add(
                OrderField::Cart,
                format!(
                    "Ihr Warenkorb hat {} Positionen; in einem Bestellvorgang sind höchstens {MAX_CHECKOUT_LINES} möglich. Bitte entfernen Sie Positionen oder bestellen Sie in mehreren Schritten.",
                    lines.len()
                ),
            );
            return Err(OrderError::Invalid(errors));
        }
        let addresses = self.chosen_address(session, &input.billing_address).await?;
        let mut orders: Vec<(Order, Vec<OutgoingMail>)> = Vec::new();
        for line in &lines {
            let view = view_line(line.clone(), &catalog, &session.org);
            let at_line = || OrderField::CartLine(line.id.clone());
            if !view.is_ready() {
                let mut reasons = view.problems.clone();
                reasons.extend(view.changes.iter().cloned());
                errors.add(
                    at_line(),
                    format!(
                        "{}: {} Bitte bestätigen oder entfernen Sie diese Position vor der Bestellung.",
                        view.offering_name,
                        reasons.join(" ")
                    ),
                );
                continue;
            }
            let order_input = OrderInput {
                offering: line.offering_id.clone(),
                configuration: line_configuration(line),
                billing_address: input.billing_address.clone(),
                consent_agb: input.consent_agb,
                consent_conditions: input.consent_conditions,
                idempotency_key: order_key(&key, line),
                ..OrderInput::default()
            };
            match validate_order(&order_input, &catalog, &session.org, &addresses) {
                Ok(valid) if errors.is_empty() => {
                    let hash = input_hash(&order_input);
                    orders.push(
                        self.new_order(session, valid, &hash, Some(line.quantity), &catalog)
                            .await?,
                    );
                }
                Ok(_) => {}
                Err(None) => errors.add(
                    at_line(),
                    format!("{} kann nicht bestellt werden.", view.offering_name),
                ),
                Err(Some(found)) => {
                    for problem in found.0 {
                        if at_checkout_form(&problem.field) {
                            let message = if problem.field == OrderField::ConsentConditions {
                                "Bitte stimmen Sie den servicespezifischen Bedingungen der Anbieter aller Positionen zu.".to_owned()
                            } else {
                                problem.message
                            };
                            errors.add(problem.field, message);
                        } else {
                            errors.add(
                                at_line(),
                                format!("{}: {}", view.offering_name, problem.message),
                            );
                        }
                    }
                }
            }
        }
        if !errors.is_empty() {
            return Err(OrderError::Invalid(errors));
        }
        match self.store.check_out_cart(&lines, &orders).await {
            Ok(()) => {
                tracing::info!(event = "cart_checked_out", orders = orders.len());
                Ok(orders.into_iter().map(|(order, _)| order).collect())
            }
            Err(StoreError::Conflict) => match self.checked_out(session, &key).await? {
                // The same checkout, sent twice at once: the other one stored it.
                Some(orders) => Ok(orders),
                None => {
                    errors.add(
                        OrderField::Cart,
                        "Ihr Warenkorb wurde inzwischen geändert oder bereits bestellt. Bitte prüfen Sie ihn und bestellen Sie erneut.",
                    );
                    Err(OrderError::Invalid(errors))
                }
            },
            Err(e) => Err(e.into()),
        }
    }

    /// The orders of the checkout under `key`, if it was stored (found by the keys of its
    /// orders among the organisation's orders).
    pub async fn checked_out(
        &self,
        session: &SessionInfo,
        key: &str,
    ) -> Result<Option<Vec<Order>>, OrderError> {
        let prefix = format!("{key}#");
        let mut orders: Vec<Order> = self
            .store
            .list_org_orders(&session.org.id)
            .await?
            .into_iter()
            .filter(|o| o.user_id == session.user.id && o.idempotency_key.starts_with(&prefix))
            .collect();
        if orders.is_empty() {
            return Ok(None);
        }
        orders.sort_by(|a, b| a.number.cmp(&b.number));
        Ok(Some(orders))
    }
}
