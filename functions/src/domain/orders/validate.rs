//! Checks an order form and a Bedarf form against the catalog snapshot and the ordering
//! organisation, with one German message at each field.

use catalog::model::{ContractModel, OptionType};
use catalog::snapshot::{OrderCatalog, OrderableOffering, SnapshotOption, SnapshotPlan};

use super::input::{
    ConfigurationInput, NeedField, NeedInput, NeedProblems, OrderField, OrderInput, OrderProblems,
    TypedAddressInput, ticked,
};
use super::model::{BillingAddress, ConfiguredOption};
use crate::domain::model::{Address, Organisation};
use crate::domain::validation::is_valid_postcode;

/// The longest idempotency key accepted (a UUID has 36 characters).
const MAX_KEY_LEN: usize = 100;
const MAX_TEXT: usize = 500;

/// Limits of the order form's text fields (as the form specifies them).
const BILLING_ORG_MAX: usize = catalog::forms::order::BILLING_ORG.max_len;
const BILLING_STREET_MAX: usize = catalog::forms::order::BILLING_STREET.max_len;
const BILLING_CITY_MAX: usize = catalog::forms::order::BILLING_CITY.max_len;
const REFERENCE_MAX: usize = catalog::forms::order::REFERENCE.max_len;
const NOTE_MAX: usize = catalog::forms::order::NOTE.max_len;
const TITLE_MAX: usize = catalog::forms::need::TITLE.max_len;
const DESCRIPTION_MAX: usize = catalog::forms::need::DESCRIPTION.max_len;

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

fn too_long(value: &str, max: usize) -> bool {
    value.chars().count() > max
}

fn required_text<F: PartialEq>(
    value: &str,
    problems: &mut super::input::Problems<F>,
    field: F,
    missing: &str,
    max: usize,
) -> String {
    if value.is_empty() {
        problems.add(field, missing);
    } else if too_long(value, max) {
        problems.add(field, format!("Bitte höchstens {max} Zeichen eingeben."));
    }
    value.to_owned()
}

fn optional_text(
    value: &str,
    problems: &mut OrderProblems,
    field: OrderField,
    max: usize,
) -> Option<String> {
    if too_long(value, max) {
        problems.add(field, format!("Bitte höchstens {max} Zeichen eingeben."));
    }
    (!value.is_empty()).then(|| value.to_owned())
}

/// Checks one configured option against its definition; `None` for an empty optional one.
fn check_option(
    option: &SnapshotOption,
    input: &ConfigurationInput,
    problems: &mut OrderProblems,
) -> Option<ConfiguredOption> {
    let field = || OrderField::Option(option.id.clone());
    let raw = input.options.get(&option.id).map_or("", String::as_str);
    let configured = |value: String| {
        Some(ConfiguredOption {
            id: option.id.clone(),
            label: option.label.clone(),
            value,
        })
    };
    if option.option_type == OptionType::Boolean {
        let checked = ticked(raw);
        if option.required && !checked {
            problems.add(field(), format!("Bitte bestätigen Sie: {}", option.label));
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
            problems.add(
                field(),
                format!("Bitte {verb} „{}“ an (Pflichtangabe).", option.label),
            );
        }
        return None;
    }
    match option.option_type {
        OptionType::Integer => {
            let Ok(value) = raw.parse::<i64>() else {
                problems.add(
                    field(),
                    format!("„{}“: bitte eine ganze Zahl angeben.", option.label),
                );
                return None;
            };
            if let Some(min) = option.min
                && value < min
            {
                problems.add(
                    field(),
                    format!("„{}“: bitte mindestens {min} angeben.", option.label),
                );
                return None;
            }
            if let Some(max) = option.max
                && value > max
            {
                problems.add(
                    field(),
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
                problems.add(
                    field(),
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
                problems.add(
                    field(),
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
fn typed_billing(input: &TypedAddressInput, problems: &mut OrderProblems) -> BillingAddress {
    BillingAddress {
        organisation: required_text(
            &input.organisation,
            problems,
            OrderField::BillingOrg,
            "Bitte geben Sie die Organisation für die Rechnung an.",
            BILLING_ORG_MAX,
        ),
        street: required_text(
            &input.street,
            problems,
            OrderField::BillingStreet,
            "Bitte geben Sie Straße und Hausnummer an.",
            BILLING_STREET_MAX,
        ),
        postcode: {
            let postcode = input.postcode.as_str();
            if postcode.is_empty() {
                problems.add(
                    OrderField::BillingPostcode,
                    "Bitte geben Sie die Postleitzahl an.",
                );
            } else if !is_valid_postcode(postcode) {
                problems.add(
                    OrderField::BillingPostcode,
                    "Die Postleitzahl besteht aus fünf Ziffern, zum Beispiel 10117.",
                );
            }
            postcode.to_owned()
        },
        city: required_text(
            &input.city,
            problems,
            OrderField::BillingCity,
            "Bitte geben Sie den Ort an.",
            BILLING_CITY_MAX,
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
/// adding a message per field to `problems`; `None` for plan or contract model when
/// missing or wrong (then `problems` says why).
fn check_configuration<'a>(
    input: &ConfigurationInput,
    offering: &'a OrderableOffering,
    org: &Organisation,
    problems: &mut OrderProblems,
) -> (
    Option<&'a SnapshotPlan>,
    Option<ContractModel>,
    Vec<ConfiguredOption>,
) {
    if let Some(level) = org.level {
        if !offering.customer_scope.contains(&level) {
            let scope: Vec<&str> = offering.customer_scope.iter().map(|s| s.label()).collect();
            problems.add(
                OrderField::CustomerScope,
                format!(
                    "{} kann nur von Organisationen aus diesem Kundenkreis bestellt werden: {}. Ihre Organisation ist der Ebene „{}“ zugeordnet.",
                    offering.name,
                    scope.join(", "),
                    crate::domain::validation::level_name(level)
                ),
            );
        }
    } else {
        problems.add(
            OrderField::CustomerScope,
            "Für Ihre Organisation ist keine Verwaltungsebene hinterlegt, deshalb kann der Kundenkreis nicht geprüft werden. Bitte wenden Sie sich an das Betreiberteam.",
        );
    }

    let plan = match input.plan.as_str() {
        "" => {
            problems.add(OrderField::Plan, "Bitte wählen Sie ein Preismodell.");
            None
        }
        id => {
            let plan = offering.plan(id);
            if plan.is_none() {
                problems.add(
                    OrderField::Plan,
                    "Dieses Preismodell gibt es für das Angebot nicht. Bitte wählen Sie eines der angezeigten.",
                );
            }
            plan
        }
    };

    let contract_model = match ContractModel::parse(&input.contract_model) {
        None => {
            problems.add(
                OrderField::ContractModel,
                "Bitte wählen Sie ein Vertragsmodell.",
            );
            None
        }
        Some(model) if !offering.offers(model) => {
            problems.add(
                OrderField::ContractModel,
                format!("{} bietet den {} nicht an.", offering.name, model.label()),
            );
            None
        }
        Some(ContractModel::Umklappvertrag) if !org.in_house_capable => {
            problems.add(
                OrderField::ContractModel,
                "Den Umklappvertrag können nur Organisationen wählen, die gegenüber der govdigital eG inhousefähig sind. Ihre Organisation ist nicht als inhousefähig registriert; bitte wählen Sie den Direktvertrag.",
            );
            None
        }
        Some(model) => Some(model),
    };

    let options: Vec<ConfiguredOption> = offering
        .options
        .iter()
        .filter_map(|option| check_option(option, input, problems))
        .collect();

    (plan, contract_model, options)
}

/// Validates the configuration of `offering_id` (a Warenkorb line): plan, contract model
/// and options exactly as [`validate_order`] checks them. `Err(None)` when the offering
/// cannot be ordered at all (unknown, not published).
pub fn validate_configuration<'a>(
    input: &ConfigurationInput,
    offering_id: &str,
    catalog: &'a OrderCatalog,
    org: &Organisation,
) -> Result<ValidConfiguration<'a>, Option<OrderProblems>> {
    let offering = catalog.offering(offering_id).ok_or(None)?;
    let mut problems = OrderProblems::default();
    let (plan, contract_model, options) = check_configuration(input, offering, org, &mut problems);
    match (plan, contract_model) {
        (Some(plan), Some(contract_model)) if problems.is_empty() => Ok(ValidConfiguration {
            offering,
            plan,
            contract_model,
            options,
        }),
        _ => Err(Some(problems)),
    }
}

/// Validates an order of `input.offering` by a member of `org`, whose saved `addresses`
/// the form may choose the billing address from (a copy goes into the order). `Err(None)`
/// when the offering cannot be ordered at all (unknown, not published).
pub fn validate_order<'a>(
    input: &OrderInput,
    catalog: &'a OrderCatalog,
    org: &Organisation,
    addresses: &[Address],
) -> Result<ValidOrder<'a>, Option<OrderProblems>> {
    let offering = catalog.offering(&input.offering).ok_or(None)?;
    let mut problems = OrderProblems::default();

    let (plan, contract_model, options) =
        check_configuration(&input.configuration, offering, org, &mut problems);

    let billing = match input.billing_address.as_str() {
        "" => typed_billing(&input.typed_address, &mut problems),
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
                problems.add(
                    OrderField::BillingAddress,
                    "Diese Adresse gibt es in Ihrer Organisation nicht (mehr). Bitte wählen Sie eine der angezeigten Adressen.",
                );
                typed_billing(&TypedAddressInput::default(), &mut OrderProblems::default())
            }
        },
    };
    let reference = optional_text(
        &input.reference,
        &mut problems,
        OrderField::Reference,
        REFERENCE_MAX,
    );
    let note = optional_text(&input.note, &mut problems, OrderField::Note, NOTE_MAX);
    if !input.consent_agb {
        problems.add(
            OrderField::ConsentAgb,
            "Bitte stimmen Sie den Nutzungsbedingungen des Portals (CSP-AGB) zu.",
        );
    }
    if !input.consent_conditions {
        problems.add(
            OrderField::ConsentConditions,
            format!(
                "Bitte stimmen Sie den servicespezifischen Bedingungen von {} zu.",
                offering.name
            ),
        );
    }
    let idempotency_key = input.idempotency_key.clone();
    if too_long(&idempotency_key, MAX_KEY_LEN) {
        problems.add(
            OrderField::IdempotencyKey,
            "Das Formular ist unvollständig. Bitte laden Sie die Seite neu und senden Sie es erneut.",
        );
    }
    match (plan, contract_model) {
        (Some(plan), Some(contract_model)) if problems.is_empty() => Ok(ValidOrder {
            offering,
            plan,
            contract_model,
            options,
            billing,
            reference,
            note,
            idempotency_key,
        }),
        _ => Err(Some(problems)),
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
    input: &NeedInput,
    catalog: &OrderCatalog,
    today: &str,
) -> Result<ValidNeed, NeedProblems> {
    let mut problems = NeedProblems::default();
    let title = required_text(
        &input.title,
        &mut problems,
        NeedField::Title,
        "Bitte beschreiben Sie kurz, was Sie brauchen.",
        TITLE_MAX,
    );
    let description = required_text(
        &input.description,
        &mut problems,
        NeedField::Description,
        "Bitte beschreiben Sie Ihren Bedarf.",
        DESCRIPTION_MAX,
    );
    let (category, category_name) = match input.category.as_str() {
        "" => (None, None),
        reference => match catalog.category_name(reference) {
            Some(name) => (Some(reference.to_owned()), Some(name)),
            None => {
                problems.add(
                    NeedField::Category,
                    "Bitte wählen Sie eine Kategorie aus der Liste.",
                );
                (None, None)
            }
        },
    };
    let expected_users = match input.expected_users.as_str() {
        "" => None,
        raw => match raw.parse::<u32>() {
            Ok(n) if n >= 1 => Some(n),
            _ => {
                problems.add(
                    NeedField::ExpectedUsers,
                    "Bitte geben Sie die erwartete Zahl der Nutzenden als ganze Zahl ab 1 an.",
                );
                None
            }
        },
    };
    let wished_date = match input.wished_date.as_str() {
        "" => None,
        raw => match raw.parse::<jiff::civil::Date>() {
            Ok(date) if date.to_string().as_str() >= today => Some(date.to_string()),
            Ok(_) => {
                problems.add(
                    NeedField::WishedDate,
                    "Der gewünschte Starttermin liegt in der Vergangenheit.",
                );
                None
            }
            Err(_) => {
                problems.add(
                    NeedField::WishedDate,
                    "Bitte geben Sie ein Datum an, zum Beispiel 2027-03-01.",
                );
                None
            }
        },
    };
    let contact_preference = match input.contact_preference.as_str() {
        "" | "email" => "email".to_owned(),
        "telefon" => "telefon".to_owned(),
        _ => {
            problems.add(
                NeedField::ContactPreference,
                "Bitte wählen Sie E-Mail oder Telefon.",
            );
            String::new()
        }
    };
    problems.into_result(ValidNeed {
        title,
        description,
        category,
        category_name,
        expected_users,
        wished_date,
        contact_preference,
    })
}

#[cfg(test)]
mod tests {
    //! The checks on typed input, without a form: each mistake is reported at its field.
    use std::sync::OnceLock;

    use catalog::model::CustomerScope;

    use super::*;
    use crate::domain::model::{AddressKind, OrgKind, OrgStatus};
    use crate::domain::orders::input::Problems;

    /// The sample content's snapshot (read once).
    fn catalog() -> &'static OrderCatalog {
        static CATALOG: OnceLock<OrderCatalog> = OnceLock::new();
        CATALOG.get_or_init(|| {
            let content = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../content");
            let catalog = catalog::load_catalog(&content).expect("sample content");
            OrderCatalog::from_catalog(&catalog)
        })
    }

    fn org(level: Option<CustomerScope>, in_house_capable: bool) -> Organisation {
        Organisation {
            id: "org-1".into(),
            name: "Stadt Musterstadt".into(),
            legal_form: "Gebietskörperschaft".into(),
            street: "Rathausplatz 1".into(),
            postcode: "12345".into(),
            city: "Musterstadt".into(),
            in_house_capable,
            level,
            status: OrgStatus::Approved,
            admin_user_id: "u-1".into(),
            agb_version: String::new(),
            privacy_version: String::new(),
            created_at: 0,
            decided_at: None,
            reject_reason: None,
            leitweg_id: String::new(),
            central_phone: String::new(),
            kind: OrgKind::Customer,
        }
    }

    /// dmessenger configured as the integration tests order it.
    fn messenger() -> OrderInput {
        OrderInput {
            offering: "dmessenger".into(),
            configuration: ConfigurationInput {
                plan: "standard".into(),
                contract_model: "direktvertrag".into(),
                options: [
                    ("nutzer", "250"),
                    ("rechenzentrum", "Hamburg"),
                    ("foederation", "ja"),
                ]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
            },
            typed_address: TypedAddressInput {
                organisation: "Stadt Musterstadt".into(),
                street: "Rathausplatz 1".into(),
                postcode: "12345".into(),
                city: "Musterstadt".into(),
            },
            consent_agb: true,
            consent_conditions: true,
            idempotency_key: "k1".into(),
            ..OrderInput::default()
        }
    }

    fn scope_of(offering: &str) -> Option<CustomerScope> {
        catalog()
            .offering(offering)
            .expect("in the sample content")
            .customer_scope
            .first()
            .copied()
    }

    fn fields<F: Clone>(problems: &Problems<F>) -> Vec<F> {
        problems.0.iter().map(|p| p.field.clone()).collect()
    }

    fn refused(input: &OrderInput, org: &Organisation, addresses: &[Address]) -> OrderProblems {
        match validate_order(input, catalog(), org, addresses) {
            Err(Some(problems)) => problems,
            Err(None) => panic!("not orderable"),
            Ok(_) => panic!("accepted"),
        }
    }

    #[test]
    fn a_complete_order_is_valid_with_the_typed_address() {
        let org = org(scope_of("dmessenger"), false);
        let valid = validate_order(&messenger(), catalog(), &org, &[]).expect("valid");
        assert_eq!(valid.plan.id, "standard");
        assert_eq!(valid.contract_model, ContractModel::Direktvertrag);
        assert_eq!(valid.billing.city, "Musterstadt");
        let foederation = valid.options.iter().find(|o| o.id == "foederation");
        assert_eq!(foederation.map(|o| o.value.as_str()), Some("ja"));
    }

    #[test]
    fn a_plan_of_another_offering_is_reported_at_the_plan() {
        let org = org(scope_of("dmessenger"), false);
        let mut input = messenger();
        input.configuration.plan = "einrichtung".into(); // AusweisIdent's plan
        let problems = refused(&input, &org, &[]);
        assert_eq!(fields(&problems), [OrderField::Plan]);
        assert_eq!(
            problems.get(&OrderField::Plan),
            Some(
                "Dieses Preismodell gibt es für das Angebot nicht. Bitte wählen Sie eines der angezeigten."
            )
        );
    }

    #[test]
    fn each_mistake_is_reported_at_its_own_field_in_the_order_of_the_form() {
        let org = org(scope_of("dmessenger"), false);
        let mut input = messenger();
        input.configuration.contract_model = "umklappvertrag".into();
        input
            .configuration
            .options
            .insert("nutzer".into(), "5".into());
        input.configuration.options.remove("foederation");
        input.typed_address.postcode = "1234".into();
        input.consent_conditions = false;
        let problems = refused(&input, &org, &[]);
        assert_eq!(
            fields(&problems),
            [
                OrderField::ContractModel,
                OrderField::Option("nutzer".into()),
                OrderField::BillingPostcode,
                OrderField::ConsentConditions,
            ]
        );
        assert!(
            problems
                .get(&OrderField::ContractModel)
                .is_some_and(|m| m.contains("inhousefähig")),
            "the Umklappvertrag needs an organisation that is inhousefähig"
        );
        let in_house = self::org(scope_of("dmessenger"), true);
        assert!(
            !fields(&refused(&input, &in_house, &[])).contains(&OrderField::ContractModel),
            "an organisation that is inhousefähig may choose it"
        );
    }

    #[test]
    fn an_organisation_outside_the_kundenkreis_is_told_about_the_whole_form() {
        let offering = catalog()
            .offerings
            .iter()
            .find(|o| o.customer_scope.len() < 3)
            .expect("an offering for some Kundenkreise only");
        let outside = [
            CustomerScope::Bund,
            CustomerScope::Land,
            CustomerScope::Kommune,
        ]
        .into_iter()
        .find(|level| !offering.customer_scope.contains(level));
        let input = ConfigurationInput {
            plan: offering.plans[0].id.clone(),
            contract_model: offering.contract_models[0].as_str().into(),
            ..ConfigurationInput::default()
        };
        let problems =
            match validate_configuration(&input, &offering.id, catalog(), &org(outside, true)) {
                Err(Some(problems)) => problems,
                other => panic!("expected problems, got {other:?}"),
            };
        assert_eq!(fields(&problems)[0], OrderField::CustomerScope);
        let unknown = validate_configuration(&input, &offering.id, catalog(), &org(None, true));
        assert!(matches!(unknown, Err(Some(p)) if p.get(&OrderField::CustomerScope).is_some()));
    }

    #[test]
    fn a_saved_address_of_another_organisation_is_refused_and_its_own_is_copied() {
        let org = org(scope_of("dmessenger"), false);
        let address = Address {
            id: "a-1".into(),
            org_id: org.id.clone(),
            kind: AddressKind::Rechnungsadresse,
            label: "Kämmerei".into(),
            recipient: "Stadt Musterstadt, Kämmerei".into(),
            street: "Markt 2".into(),
            postcode: "12345".into(),
            city: "Musterstadt".into(),
            phone: String::new(),
            created_at: 0,
            is_default: true,
        };
        let mut input = messenger();
        input.billing_address = "a-1".into();
        input.typed_address = TypedAddressInput::default();
        let valid =
            validate_order(&input, catalog(), &org, std::slice::from_ref(&address)).expect("valid");
        assert_eq!(valid.billing.street, "Markt 2");
        assert_eq!(valid.billing.label, "Kämmerei");

        let foreign = Address {
            org_id: "org-2".into(),
            ..address
        };
        assert_eq!(
            fields(&refused(&input, &org, &[foreign])),
            [OrderField::BillingAddress]
        );
    }

    #[test]
    fn an_unknown_offering_cannot_be_ordered_at_all() {
        let input = OrderInput {
            offering: "gibt-es-nicht".into(),
            ..messenger()
        };
        let org = org(Some(CustomerScope::Kommune), false);
        assert!(matches!(
            validate_order(&input, catalog(), &org, &[]),
            Err(None)
        ));
    }

    #[test]
    fn the_bedarf_form_reports_its_fields() {
        let input = NeedInput {
            title: String::new(),
            description: "Terminvergabe".into(),
            category: "gibt/es-nicht".into(),
            expected_users: "0".into(),
            wished_date: "2026-01-01".into(),
            contact_preference: "brief".into(),
        };
        let problems = validate_need(&input, catalog(), "2026-12-06").expect_err("invalid");
        assert_eq!(
            fields(&problems),
            [
                NeedField::Title,
                NeedField::Category,
                NeedField::ExpectedUsers,
                NeedField::WishedDate,
                NeedField::ContactPreference,
            ]
        );
        let valid = validate_need(
            &NeedInput {
                title: "Terminvergabe".into(),
                description: "Für Bürgerbüros".into(),
                expected_users: "40".into(),
                wished_date: "2027-03-01".into(),
                ..NeedInput::default()
            },
            catalog(),
            "2026-12-06",
        )
        .expect("valid");
        assert_eq!(valid.expected_users, Some(40));
        assert_eq!(valid.contact_preference, "email");
    }
}
