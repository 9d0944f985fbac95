//! The Warenkorb's checkout: one order per line (each its own contract with its provider,
//! with its own number, folder, status and mails, exactly as a single order), all or none.
//!
//! The checkout form carries a checkout key (hidden, like the order form's idempotency key);
//! each line's order gets the key `<checkout key>#<line id>`, so the same checkout sent
//! again finds its orders, and two checkouts of the same cart cannot both remove its lines.

use catalog::forms;

use super::cart::{CartLine, line_input, view_line};
use super::validate::validate_order;
use super::{OrderError, Orders, input_hash};
use crate::domain::accounts::SessionInfo;
use crate::domain::model::OutgoingMail;
use crate::domain::orders::Order;
use crate::domain::ports::StoreError;
use crate::domain::validation::{FieldErrors, FormInput};

/// At most this many lines in one checkout. DynamoDB writes a checkout as one
/// `TransactWriteItems` of at most 100 items; a line needs up to 7: the idempotency
/// marker, the order, its entry among undecided orders, the intermediary's marker (an
/// Umklappvertrag), two mails (customer, first decider) and the removal of the cart line;
/// one more lowers the cart's line count. 14 × 7 + 1 = 99 ≤ 100.
pub const MAX_CHECKOUT_LINES: usize = 14;

/// The field of a line's messages.
pub fn line_field(line_id: &str) -> String {
    format!("line-{line_id}")
}

/// The order key of a line in a checkout.
fn order_key(checkout_key: &str, line: &CartLine) -> String {
    format!("{checkout_key}#{}", line.id)
}

impl Orders {
    /// Checks out the session's Warenkorb with the billing address, consents and checkout
    /// key of `input`: one order per line, all or none; the same checkout key again gives
    /// the orders of the first checkout and creates nothing.
    pub async fn check_out(
        &self,
        session: &SessionInfo,
        input: &FormInput,
    ) -> Result<Vec<Order>, OrderError> {
        let key = input.get(forms::order::IDEMPOTENCY_KEY.name).to_owned();
        let mut errors = FieldErrors::default();
        if key.is_empty()
            || key.len() > forms::order::IDEMPOTENCY_KEY.max_len
            || !key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            errors.add(
                "warenkorb",
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
            errors.add("warenkorb", "Ihr Warenkorb ist leer.");
            return Err(OrderError::Invalid(errors));
        }
        if lines.len() > MAX_CHECKOUT_LINES {
            errors.add(
                "warenkorb",
                format!(
                    "Ihr Warenkorb hat {} Positionen; in einem Bestellvorgang sind höchstens {MAX_CHECKOUT_LINES} möglich. Bitte entfernen Sie Positionen oder bestellen Sie in mehreren Schritten.",
                    lines.len()
                ),
            );
            return Err(OrderError::Invalid(errors));
        }
        let addresses = self.chosen_address(session, input).await?;
        let mut orders: Vec<(Order, Vec<OutgoingMail>)> = Vec::new();
        for line in &lines {
            let view = view_line(line.clone(), &catalog, &session.org);
            if !view.is_ready() {
                let mut reasons = view.problems.clone();
                reasons.extend(view.changes.iter().cloned());
                errors.add(
                    &line_field(&line.id),
                    format!(
                        "{}: {} Bitte bestätigen oder entfernen Sie diese Position vor der Bestellung.",
                        view.offering_name,
                        reasons.join(" ")
                    ),
                );
                continue;
            }
            let mut pairs: Vec<(String, String)> = line_input(line)
                .values()
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            pairs.retain(|(name, _)| name != forms::cart::QUANTITY.name);
            for field in [
                forms::order::BILLING_ADDRESS.name,
                forms::order::CONSENT_AGB.name,
                forms::order::CONSENT_CONDITIONS.name,
            ] {
                pairs.push((field.to_owned(), input.get(field).to_owned()));
            }
            pairs.push((
                forms::order::OFFERING.name.to_owned(),
                line.offering_id.clone(),
            ));
            pairs.push((
                forms::order::IDEMPOTENCY_KEY.name.to_owned(),
                order_key(&key, line),
            ));
            let order_input = FormInput::from_pairs(pairs);
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
                    &line_field(&line.id),
                    format!("{} kann nicht bestellt werden.", view.offering_name),
                ),
                Err(Some(found)) => {
                    for (field, message) in found.0 {
                        let at_form = [
                            forms::order::BILLING_ADDRESS.name,
                            forms::order::CONSENT_AGB.name,
                            forms::order::CONSENT_CONDITIONS.name,
                        ]
                        .contains(&field.as_str());
                        if at_form {
                            if !errors.0.iter().any(|(f, _)| *f == field) {
                                let message = if field == forms::order::CONSENT_CONDITIONS.name {
                                    "Bitte stimmen Sie den servicespezifischen Bedingungen der Anbieter aller Positionen zu.".to_owned()
                                } else {
                                    message
                                };
                                errors.add(&field, message);
                            }
                        } else {
                            errors.add(
                                &line_field(&line.id),
                                format!("{}: {message}", view.offering_name),
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
                        "warenkorb",
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
