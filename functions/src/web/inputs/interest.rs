//! The form "Interesse bekunden".

use catalog::forms::interest::express;

use crate::domain::orders::interest::{InterestField, InterestInput};
use crate::domain::validation::FormInput;

/// The form "Interesse bekunden".
pub fn interest_input(form: &FormInput) -> InterestInput {
    InterestInput {
        message: form.get(express::MESSAGE.name).to_owned(),
    }
}

/// The form's name of an [`InterestField`].
pub fn interest_field_name(field: &InterestField) -> String {
    match field {
        InterestField::Message => express::MESSAGE.name,
    }
    .to_owned()
}
