//! The order form, the Bedarf form, a Warenkorb line and the checkout (the domain's
//! structs: [`crate::domain::orders::input`]).

use catalog::forms;

use crate::domain::orders::input::{
    CheckoutInput, ConfigurationInput, LineInput, NeedField, NeedInput, NeedProblems, OrderField,
    OrderInput, OrderProblems, TypedAddressInput,
};
use crate::domain::validation::{FieldErrors, FormInput};

/// Where a message about who may order the offering goes (about the whole form; not a
/// field of the form).
pub const CUSTOMER_SCOPE: &str = "kundenkreis";
/// Where a message about the Warenkorb as a whole goes (not a field of a form).
pub const CART: &str = "warenkorb";

/// The key of a Warenkorb line's message at the checkout.
pub fn line_key(line_id: &str) -> String {
    format!("line-{line_id}")
}

/// The configuration of the order form (and a Warenkorb line's form): plan, contract model
/// and every `option_<id>` field.
pub fn configuration_input(form: &FormInput) -> ConfigurationInput {
    let prefix = forms::order::option_name("");
    ConfigurationInput {
        plan: form.get(forms::order::PLAN.name).to_owned(),
        contract_model: form.get(forms::order::CONTRACT_MODEL.name).to_owned(),
        options: form
            .values()
            .iter()
            .filter_map(|(name, value)| {
                let id = name.strip_prefix(prefix.as_str())?;
                Some((id.to_owned(), value.clone()))
            })
            .collect(),
    }
}

/// The fields that send `configuration` again (a Warenkorb line's hidden fields), sorted
/// by name.
pub fn configuration_fields(configuration: &ConfigurationInput) -> Vec<(String, String)> {
    let mut fields = vec![
        (
            forms::order::PLAN.name.to_owned(),
            configuration.plan.clone(),
        ),
        (
            forms::order::CONTRACT_MODEL.name.to_owned(),
            configuration.contract_model.clone(),
        ),
    ];
    fields.extend(
        configuration
            .options
            .iter()
            .map(|(id, value)| (forms::order::option_name(id), value.clone())),
    );
    fields.sort();
    fields
}

/// The order form.
pub fn order_input(form: &FormInput) -> OrderInput {
    use forms::order::*;
    OrderInput {
        offering: form.get(OFFERING.name).to_owned(),
        configuration: configuration_input(form),
        billing_address: form.get(BILLING_ADDRESS.name).to_owned(),
        typed_address: TypedAddressInput {
            organisation: form.get(BILLING_ORG.name).to_owned(),
            street: form.get(BILLING_STREET.name).to_owned(),
            postcode: form.get(BILLING_POSTCODE.name).to_owned(),
            city: form.get(BILLING_CITY.name).to_owned(),
        },
        reference: form.get(REFERENCE.name).to_owned(),
        note: form.get(NOTE.name).to_owned(),
        consent_agb: form.checked(CONSENT_AGB.name),
        consent_conditions: form.checked(CONSENT_CONDITIONS.name),
        idempotency_key: form.get(IDEMPOTENCY_KEY.name).to_owned(),
    }
}

/// "In den Warenkorb" (the order form with a quantity) and the form of a line.
pub fn line_input(form: &FormInput) -> LineInput {
    LineInput {
        configuration: configuration_input(form),
        quantity: form.get(forms::cart::QUANTITY.name).to_owned(),
    }
}

/// The checkout form.
pub fn checkout_input(form: &FormInput) -> CheckoutInput {
    CheckoutInput {
        key: form.get(forms::order::IDEMPOTENCY_KEY.name).to_owned(),
        billing_address: form.get(forms::checkout::BILLING_ADDRESS.name).to_owned(),
        consent_agb: form.checked(forms::order::CONSENT_AGB.name),
        consent_conditions: form.checked(forms::checkout::CONSENT_CONDITIONS.name),
    }
}

/// The Bedarf form.
pub fn need_input(form: &FormInput) -> NeedInput {
    use forms::need::*;
    NeedInput {
        title: form.get(TITLE.name).to_owned(),
        description: form.get(DESCRIPTION.name).to_owned(),
        category: form.get(CATEGORY.name).to_owned(),
        expected_users: form.get(EXPECTED_USERS.name).to_owned(),
        wished_date: form.get(WISHED_DATE.name).to_owned(),
        contact_preference: form.get(CONTACT_PREFERENCE.name).to_owned(),
    }
}

/// The name an order problem is shown and reported under (the order form's, the line's
/// or the checkout's field).
pub fn order_field_name(field: &OrderField) -> String {
    use forms::order::*;
    match field {
        OrderField::CustomerScope => CUSTOMER_SCOPE.to_owned(),
        OrderField::Plan => PLAN.name.to_owned(),
        OrderField::ContractModel => CONTRACT_MODEL.name.to_owned(),
        OrderField::Option(id) => option_name(id),
        OrderField::BillingAddress => BILLING_ADDRESS.name.to_owned(),
        OrderField::BillingOrg => BILLING_ORG.name.to_owned(),
        OrderField::BillingStreet => BILLING_STREET.name.to_owned(),
        OrderField::BillingPostcode => BILLING_POSTCODE.name.to_owned(),
        OrderField::BillingCity => BILLING_CITY.name.to_owned(),
        OrderField::Reference => REFERENCE.name.to_owned(),
        OrderField::Note => NOTE.name.to_owned(),
        OrderField::ConsentAgb => CONSENT_AGB.name.to_owned(),
        OrderField::ConsentConditions => CONSENT_CONDITIONS.name.to_owned(),
        OrderField::IdempotencyKey => IDEMPOTENCY_KEY.name.to_owned(),
        OrderField::Quantity => forms::cart::QUANTITY.name.to_owned(),
        OrderField::Cart => CART.to_owned(),
        OrderField::CartLine(id) => line_key(id),
    }
}

/// The name a Bedarf problem is shown and reported under.
pub fn need_field_name(field: &NeedField) -> String {
    use forms::need::*;
    match field {
        NeedField::Title => TITLE.name,
        NeedField::Description => DESCRIPTION.name,
        NeedField::Category => CATEGORY.name,
        NeedField::ExpectedUsers => EXPECTED_USERS.name,
        NeedField::WishedDate => WISHED_DATE.name,
        NeedField::ContactPreference => CONTACT_PREFERENCE.name,
    }
    .to_owned()
}

/// An order's problems under the form's field names.
pub fn order_errors(problems: &OrderProblems) -> FieldErrors {
    problems.named(order_field_name)
}

/// A Bedarf form's problems under the form's field names.
pub fn need_errors(problems: &NeedProblems) -> FieldErrors {
    problems.named(need_field_name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_order_form_is_read_by_the_names_of_its_specification() {
        let form = FormInput::from_pairs([
            (forms::order::OFFERING.name, "dmessenger"),
            (forms::order::PLAN.name, "basis"),
            (forms::order::CONTRACT_MODEL.name, "direktvertrag"),
            ("option_nutzer", "5"),
            (forms::order::CONSENT_AGB.name, "on"),
            (forms::order::CONSENT_CONDITIONS.name, "off"),
            (forms::order::IDEMPOTENCY_KEY.name, "k1"),
            (forms::CSRF.name, "token"),
        ]);
        let input = order_input(&form);
        assert_eq!(input.offering, "dmessenger");
        assert_eq!(input.configuration.plan, "basis");
        assert_eq!(input.configuration.options["nutzer"], "5");
        assert_eq!(input.configuration.options.len(), 1);
        assert!(input.consent_agb);
        assert!(!input.consent_conditions);
        assert_eq!(input.idempotency_key, "k1");
        // Sent again as a line's hidden fields, under the same names.
        assert_eq!(
            configuration_fields(&input.configuration),
            [
                ("contract_model".to_owned(), "direktvertrag".to_owned()),
                ("option_nutzer".to_owned(), "5".to_owned()),
                ("plan".to_owned(), "basis".to_owned()),
            ]
        );
    }

    #[test]
    fn every_order_field_is_named_as_the_form_specifies_it() {
        for spec in forms::order::FIELDS {
            let field = match spec.name {
                n if n == forms::order::OFFERING.name || n == forms::CSRF.name => continue,
                _ => [
                    OrderField::Plan,
                    OrderField::ContractModel,
                    OrderField::BillingAddress,
                    OrderField::BillingOrg,
                    OrderField::BillingStreet,
                    OrderField::BillingPostcode,
                    OrderField::BillingCity,
                    OrderField::Reference,
                    OrderField::Note,
                    OrderField::ConsentAgb,
                    OrderField::ConsentConditions,
                    OrderField::IdempotencyKey,
                ]
                .into_iter()
                .find(|f| order_field_name(f) == spec.name),
            };
            assert!(field.is_some(), "{} has no OrderField", spec.name);
        }
        assert_eq!(
            order_field_name(&OrderField::Option("nutzer".into())),
            "option_nutzer"
        );
        for spec in forms::need::FIELDS
            .iter()
            .filter(|f| f.name != forms::CSRF.name)
        {
            let named = [
                NeedField::Title,
                NeedField::Description,
                NeedField::Category,
                NeedField::ExpectedUsers,
                NeedField::WishedDate,
                NeedField::ContactPreference,
            ]
            .iter()
            .any(|f| need_field_name(f) == spec.name);
            assert!(named, "{} has no NeedField", spec.name);
        }
    }
}
