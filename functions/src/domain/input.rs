//! Typed input and typed problems: how a form reaches the domain and how its mistakes come
//! back.
//!
//! The pattern, for every form of the portal (the order form, the Bedarf form, the
//! Warenkorb and its checkout: [`crate::domain::orders::input`]; the account forms from the
//! registration to the second factor: [`crate::domain::accounts::input`]):
//! - The domain takes a plain struct per form (`OrderInput`, `NeedInput`, …) with one Rust
//!   field per form field. Values the domain must check and explain (a plan id, a number
//!   typed by a person) stay text as entered; only the form's encoding is decoded at the
//!   edge (a ticked checkbox is a `bool`).
//! - The domain reports [`Problems`] keyed by a field enum of its own (`OrderField`,
//!   `NeedField`, …), never by a form field's name.
//! - The web edge (`crate::web::inputs`) is the only code that knows the names: it reads
//!   each struct out of the posted form through the constants of `catalog::forms` (the one
//!   list of a form's fields, also read by the template, the OpenAPI document and the
//!   tests), and names each problem's field with the same constants ([`Problems::named`])
//!   to show the form again with its messages or to answer with `fehler` in JSON. Both
//!   directions are a `match` over the enum, so a new field that is not named fails to
//!   compile instead of losing its message.
//!
//! Domain tests therefore build the struct directly and assert on the enum.
//!
//! A new form follows the same steps: its struct and field enum beside the domain function
//! that takes it, its reader and naming in a submodule of `crate::web::inputs`.

use super::validation::FieldErrors;

/// One message about one field of a form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem<F> {
    pub field: F,
    pub message: String,
}

/// The messages of a form: at most one per field, in the order they were found (the order
/// of the form).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problems<F>(pub Vec<Problem<F>>);

impl<F> Default for Problems<F> {
    fn default() -> Self {
        Problems(Vec::new())
    }
}

impl<F: PartialEq> Problems<F> {
    /// Adds a message for `field` unless it already has one.
    pub fn add(&mut self, field: F, message: impl Into<String>) {
        if self.get(&field).is_none() {
            self.0.push(Problem {
                field,
                message: message.into(),
            });
        }
    }

    /// The message for `field`.
    pub fn get(&self, field: &F) -> Option<&str> {
        self.0
            .iter()
            .find(|p| p.field == *field)
            .map(|p| p.message.as_str())
    }

    /// Whether there is no message.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(value)` if there is no message.
    pub fn into_result<T>(self, value: T) -> Result<T, Problems<F>> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }

    /// The messages under the form's field names (`name` is the edge's naming of `F`).
    pub fn named(&self, name: impl Fn(&F) -> String) -> FieldErrors {
        let mut errors = FieldErrors::default();
        for problem in &self.0 {
            errors.add(&name(&problem.field), problem.message.clone());
        }
        errors
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_message_of_a_field_wins_and_the_order_is_kept() {
        let mut problems = Problems::default();
        problems.add(2, "zwei");
        problems.add(1, "eins");
        problems.add(2, "noch einmal zwei");
        assert_eq!(problems.get(&2), Some("zwei"));
        let named = problems.named(|n| format!("feld{n}"));
        assert_eq!(
            named.0,
            [
                ("feld2".to_owned(), "zwei".to_owned()),
                ("feld1".to_owned(), "eins".to_owned())
            ]
        );
    }
}
