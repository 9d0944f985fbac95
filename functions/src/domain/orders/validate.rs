//! Checks an order form and a Bedarf form against the catalog snapshot and the ordering
//! organisation, with one German message at each field.

use catalog::forms;
use catalog::model::{ContractModel, OptionType};
use catalog::snapshot::{OrderCatalog, OrderableOffering, SnapshotOption, SnapshotPlan};

use super::model::{BillingAddress, ConfiguredOption};
use crate::domain::model::{Address, Organisation};
use crate::domain::validation::{FieldErrors, FormInput, is_valid_postcode};

/// The longest idempotency key accepted (a UUID has 36 characters).
const MAX_KEY_LEN: usize = 100;
const MAX_TEXT: usize = 500;

/// A valid order form.
#[derive(Debug, Clone)]
pub struct ValidOrder<'a> {
    pub offering: &'a OrderableOffering,
    pub plan: &'a SnapshotPlan,
    pub contract_model: ContractModel,
    pub options: Vec<ConfiguredOption>,
    pub billing: BillingAddress,
    pub reference: Option<String>,
    pub note: Option<String>,
    pub idempotency_key: String,
}

/// The form field of an option.
pub fn option_field(option_id: &str) -> String {
    forms::order::option_name(option_id)
}

fn too_long(value: &str, max: usize) -> bool {
    value.chars().count() > max
}

fn required_text(
    input: &FormInput,
    errors: &mut FieldErrors,
    field: &str,
    missing: &str,
    max: usize,
) -> String {
    let value = input.get(field);
    if value.is_empty() {
        errors.add(field, missing);
    } else if too_long(value, max) {
        errors.add(field, format!("Bitte höchstens {max} Zeichen eingeben."));
    }
    value.to_owned()
}

fn optional_text(
    input: &FormInput,
    errors: &mut FieldErrors,
    field: &str,
    max: usize,
) -> Option<String> {
    let value = input.get(field);
    if too_long(value, max) {
        errors.add(field, format!("Bitte höchstens {max} Zeichen eingeben."));
    }
    (!value.is_empty()).then(|| value.to_owned())
}

/// Checks one configured option against its definition; `None` for an empty optional one.
fn check_option(
    option: &SnapshotOption,
    input: &FormInput,
    errors: &mut FieldErrors,
) -> Option<ConfiguredOption> {
    let field = option_field(&option.id);
    let raw = input.get(&field);
    let configured = |value: String| {
        Some(ConfiguredOption {
            id: option.id.clone(),
            label: option.label.clone(),
            value,
        })
    };
    if option.option_type == OptionType::Boolean {
        let checked = input.checked(&field);
        if option.required && !checked {
            errors.add(&field, format!("Bitte bestätigen Sie: {}", option.label));
            return None;
        }
        return configured(if checked { "ja" } else { "nein" }.to_owned());
    }
    if raw.is_empty() {
        if option.required {
            let verb = if option.option_type == OptionType::Choice {
                "wählen Sie"
            } else {
                "geben Sie"
            };
            errors.add(
                &field,
                format!("Bitte {verb} „{}“ an (Pflichtangabe).", option.label),
            );
        }
        return None;
    }
    match option.option_type {
        OptionType::Integer => {
            let Ok(value) = raw.parse::<i64>() else {
                errors.add(
                    &field,
                    format!("„{}“: bitte eine ganze Zahl angeben.", option.label),
                );
                return None;
            };
            if let Some(min) = option.min
                && value < min
            {
                errors.add(
                    &field,
                    format!("„{}“: bitte mindestens {min} angeben.", option.label),
                );
                return None;
            }
            if let Some(max) = option.max
                && value > max
            {
                errors.add(
                    &field,
                    format!("„{}“: bitte höchstens {max} angeben.", option.label),
                );
                return None;
            }
            configured(value.to_string())
        }
        OptionType::Choice => {
            if option.choices.iter().any(|c| c == raw) {
                configured(raw.to_owned())
            } else {
                errors.add(
                    &field,
                    format!(
                        "„{}“: bitte einen der angebotenen Werte wählen ({}).",
                        option.label,
                        option.choices.join(", ")
                    ),
                );
                None
            }
        }
        OptionType::Text => {
            if too_long(raw, MAX_TEXT) {
                errors.add(
                    &field,
                    format!("„{}“: bitte höchstens {MAX_TEXT} Zeichen.", option.label),
                );
                None
            } else {
                configured(raw.to_owned())
            }
        }
        OptionType::Boolean => None,
    }
}

/// The billing address typed into the form (no saved address chosen).
fn typed_billing(input: &FormInput, errors: &mut FieldErrors) -> BillingAddress {
    BillingAddress {
        organisation: required_text(
            input,
            errors,
            forms::order::BILLING_ORG.name,
            "Bitte geben Sie die Organisation für die Rechnung an.",
            forms::order::BILLING_ORG.max_len,
        ),
        street: required_text(
            input,
            errors,
            forms::order::BILLING_STREET.name,
            "Bitte geben Sie Straße und Hausnummer an.",
            forms::order::BILLING_STREET.max_len,
        ),
        postcode: {
            let postcode = input.get(forms::order::BILLING_POSTCODE.name);
            if postcode.is_empty() {
                errors.add(
                    forms::order::BILLING_POSTCODE.name,
                    "Bitte geben Sie die Postleitzahl an.",
                );
            } else if !is_valid_postcode(postcode) {
                errors.add(
                    forms::order::BILLING_POSTCODE.name,
                    "Die Postleitzahl besteht aus fünf Ziffern, zum Beispiel 10117.",
                );
            }
            postcode.to_owned()
        },
        city: required_text(
            input,
            errors,
            forms::order::BILLING_CITY.name,
            "Bitte geben Sie den Ort an.",
            forms::order::BILLING_CITY.max_len,
        ),
        phone: String::new(),
        label: String::new(),
    }
}

/// An offering configured as the order form and a Warenkorb line configure it: plan,
/// contract model and options, each checked against the catalog snapshot and the
/// organisation.
#[derive(Debug, Clone)]
pub struct ValidConfiguration<'a> {
    pub offering: &'a OrderableOffering,
    pub plan: &'a SnapshotPlan,
    pub contract_model: ContractModel,
    pub options: Vec<ConfiguredOption>,
}

/// Checks the plan, contract model and options of `offering` chosen in `input` for `org`,
/// adding a message per field to `errors`; `None` for plan or contract model when missing
/// or wrong (then `errors` says why).
fn check_configuration<'a>(
    input: &FormInput,
    offering: &'a OrderableOffering,
    org: &Organisation,
    errors: &mut FieldErrors,
) -> (
    Option<&'a SnapshotPlan>,
    Option<ContractModel>,
    Vec<ConfiguredOption>,
) {
    if let Some(level) = org.level {
        if !offering.customer_scope.contains(&level) {
            let scope: Vec<&str> = offering.customer_scope.iter().map(|s| s.label()).collect();
            errors.add(
                "kundenkreis",
                format!(
                    "{} kann nur von Organisationen aus diesem Kundenkreis bestellt werden: {}. Ihre Organisation ist der Ebene „{}“ zugeordnet.",
                    offering.name,
                    scope.join(", "),
                    crate::domain::validation::level_name(level)
                ),
            );
        }
    } else {
        errors.add(
            "kundenkreis",
            "Für Ihre Organisation ist keine Verwaltungsebene hinterlegt, deshalb kann der Kundenkreis nicht geprüft werden. Bitte wenden Sie sich an das Betreiberteam.",
        );
    }

    let plan = match input.get(forms::order::PLAN.name) {
        "" => {
            errors.add(forms::order::PLAN.name, "Bitte wählen Sie ein Preismodell.");
            None
        }
        id => {
            let plan = offering.plan(id);
            if plan.is_none() {
                errors.add(
                    forms::order::PLAN.name,
                    "Dieses Preismodell gibt es für das Angebot nicht. Bitte wählen Sie eines der angezeigten.",
                );
            }
            plan
        }
    };

    let contract_model = match ContractModel::parse(input.get(forms::order::CONTRACT_MODEL.name)) {
        None => {
            errors.add(
                forms::order::CONTRACT_MODEL.name,
                "Bitte wählen Sie ein Vertragsmodell.",
            );
            None
        }
        Some(model) if !offering.offers(model) => {
            errors.add(
                forms::order::CONTRACT_MODEL.name,
                format!("{} bietet den {} nicht an.", offering.name, model.label()),
            );
            None
        }
        Some(ContractModel::Umklappvertrag) if !org.in_house_capable => {
            errors.add(
                forms::order::CONTRACT_MODEL.name,
                "Den Umklappvertrag können nur Organisationen wählen, die gegenüber der govdigital eG inhousefähig sind. Ihre Organisation ist nicht als inhousefähig registriert; bitte wählen Sie den Direktvertrag.",
            );
            None
        }
        Some(model) => Some(model),
    };

    let options: Vec<ConfiguredOption> = offering
        .options
        .iter()
        .filter_map(|option| check_option(option, input, errors))
        .collect();

    (plan, contract_model, options)
}

/// Validates the configuration of `offering_id` (a Warenkorb line): plan, contract model
/// and options exactly as [`validate_order`] checks them. `Err(None)` when the offering
/// cannot be ordered at all (unknown, not published).
pub fn validate_configuration<'a>(
    input: &FormInput,
    offering_id: &str,
    catalog: &'a OrderCatalog,
    org: &Organisation,
) -> Result<ValidConfiguration<'a>, Option<FieldErrors>> {
    let offering = catalog.offering(offering_id).ok_or(None)?;
    let mut errors = FieldErrors::default();
    let (plan, contract_model, options) = check_configuration(input, offering, org, &mut errors);
    match (plan, contract_model) {
        (Some(plan), Some(contract_model)) if errors.is_empty() => Ok(ValidConfiguration {
            offering,
            plan,
            contract_model,
            options,
        }),
        _ => Err(Some(errors)),
    }
}

/// Validates an order of `offering_id` by a member of `org`, whose saved `addresses` the
/// form may choose the billing address from (a copy goes into the order). `Err(None)` when
/// the offering cannot be ordered at all (unknown, not published).
pub fn validate_order<'a>(
    input: &FormInput,
    catalog: &'a OrderCatalog,
    org: &Organisation,
    addresses: &[Address],
) -> Result<ValidOrder<'a>, Option<FieldErrors>> {
    let offering = catalog
        .offering(input.get(forms::order::OFFERING.name))
        .ok_or(None)?;
    let mut errors = FieldErrors::default();

    let (plan, contract_model, options) = check_configuration(input, offering, org, &mut errors);

    let billing = match input.get(forms::order::BILLING_ADDRESS.name) {
        "" => typed_billing(input, &mut errors),
        id => match addresses.iter().find(|a| a.id == id && a.org_id == org.id) {
            Some(address) => BillingAddress {
                organisation: address.recipient.clone(),
                street: address.street.clone(),
                postcode: address.postcode.clone(),
                city: address.city.clone(),
                phone: address.phone.clone(),
                label: address.label.clone(),
            },
            None => {
                errors.add(
                    forms::order::BILLING_ADDRESS.name,
                    "Diese Adresse gibt es in Ihrer Organisation nicht (mehr). Bitte wählen Sie eine der angezeigten Adressen.",
                );
                typed_billing(&FormInput::default(), &mut FieldErrors::default())
            }
        },
    };
    let reference = optional_text(
        input,
        &mut errors,
        forms::order::REFERENCE.name,
        forms::order::REFERENCE.max_len,
    );
    let note = optional_text(
        input,
        &mut errors,
        forms::order::NOTE.name,
        forms::order::NOTE.max_len,
    );
    if !input.checked(forms::order::CONSENT_AGB.name) {
        errors.add(
            forms::order::CONSENT_AGB.name,
            "Bitte stimmen Sie den Nutzungsbedingungen des Portals (CSP-AGB) zu.",
        );
    }
    if !input.checked(forms::order::CONSENT_CONDITIONS.name) {
        errors.add(
            forms::order::CONSENT_CONDITIONS.name,
            format!(
                "Bitte stimmen Sie den servicespezifischen Bedingungen von {} zu.",
                offering.name
            ),
        );
    }
    let idempotency_key = input.get(forms::order::IDEMPOTENCY_KEY.name).to_owned();
    if too_long(&idempotency_key, MAX_KEY_LEN) {
        errors.add(
            forms::order::IDEMPOTENCY_KEY.name,
            "Das Formular ist unvollständig. Bitte laden Sie die Seite neu und senden Sie es erneut.",
        );
    }
    match (plan, contract_model) {
        (Some(plan), Some(contract_model)) if errors.is_empty() => Ok(ValidOrder {
            offering,
            plan,
            contract_model,
            options,
            billing,
            reference,
            note,
            idempotency_key,
        }),
        _ => Err(Some(errors)),
    }
}

/// A valid Bedarf form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidNeed {
    pub title: String,
    pub description: String,
    pub category: Option<String>,
    pub category_name: Option<String>,
    pub expected_users: Option<u32>,
    pub wished_date: Option<String>,
    pub contact_preference: String,
}

/// Validates the Bedarf form; `today` (`YYYY-MM-DD`) bounds the wished-for date.
pub fn validate_need(
    input: &FormInput,
    catalog: &OrderCatalog,
    today: &str,
) -> Result<ValidNeed, FieldErrors> {
    let mut errors = FieldErrors::default();
    let title = required_text(
        input,
        &mut errors,
        forms::need::TITLE.name,
        "Bitte beschreiben Sie kurz, was Sie brauchen.",
        forms::need::TITLE.max_len,
    );
    let description = required_text(
        input,
        &mut errors,
        forms::need::DESCRIPTION.name,
        "Bitte beschreiben Sie Ihren Bedarf.",
        forms::need::DESCRIPTION.max_len,
    );
    let (category, category_name) = match input.get(forms::need::CATEGORY.name) {
        "" => (None, None),
        reference => match catalog.category_name(reference) {
            Some(name) => (Some(reference.to_owned()), Some(name)),
            None => {
                errors.add(
                    forms::need::CATEGORY.name,
                    "Bitte wählen Sie eine Kategorie aus der Liste.",
                );
                (None, None)
            }
        },
    };
    let expected_users = match input.get(forms::need::EXPECTED_USERS.name) {
        "" => None,
        raw => match raw.parse::<u32>() {
            Ok(n) if n >= 1 => Some(n),
            _ => {
                errors.add(
                    forms::need::EXPECTED_USERS.name,
                    "Bitte geben Sie die erwartete Zahl der Nutzenden als ganze Zahl ab 1 an.",
                );
                None
            }
        },
    };
    let wished_date = match input.get(forms::need::WISHED_DATE.name) {
        "" => None,
        raw => match raw.parse::<jiff::civil::Date>() {
            Ok(date) if date.to_string().as_str() >= today => Some(date.to_string()),
            Ok(_) => {
                errors.add(
                    forms::need::WISHED_DATE.name,
                    "Der gewünschte Starttermin liegt in der Vergangenheit.",
                );
                None
            }
            Err(_) => {
                errors.add(
                    forms::need::WISHED_DATE.name,
                    "Bitte geben Sie ein Datum an, zum Beispiel 2027-03-01.",
                );
                None
            }
        },
    };
    let contact_preference = match input.get(forms::need::CONTACT_PREFERENCE.name) {
        "" | "email" => "email".to_owned(),
        "telefon" => "telefon".to_owned(),
        _ => {
            errors.add(
                forms::need::CONTACT_PREFERENCE.name,
                "Bitte wählen Sie E-Mail oder Telefon.",
            );
            String::new()
        }
    };
    errors.into_result(ValidNeed {
        title,
        description,
        category,
        category_name,
        expected_users,
        wished_date,
        contact_preference,
    })
}
