//! The operator console's forms whose fields the domain checks.

use catalog::forms::operator::{factor_reset, org_name};

use crate::domain::orders::operator_accounts::ResetFactorError;
use crate::domain::orders::operator_orgs::OrgNameField;
use crate::domain::validation::FormInput;

/// The form's name of an [`OrgNameField`] ("Name und Rechtsform ändern").
pub fn org_name_field_name(field: &OrgNameField) -> String {
    match field {
        OrgNameField::Name => org_name::NAME.name,
        OrgNameField::LegalForm => org_name::LEGAL_FORM.name,
    }
    .to_owned()
}

/// "Zweiten Faktor zurücksetzen" as posted: whose factor, and whether the operator has
/// answered the confirmation step.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FactorResetInput {
    pub email: String,
    pub confirmed: bool,
}

pub fn factor_reset_input(input: &FormInput) -> FactorResetInput {
    FactorResetInput {
        email: input.get(factor_reset::EMAIL.name).trim().to_owned(),
        confirmed: input.get(factor_reset::CONFIRMED.name) == "ja",
    }
}

/// The field and message of a refused reset, or `None` for a failure of the store.
pub fn factor_reset_problem(error: &ResetFactorError) -> Option<(&'static str, String)> {
    let message = match error {
        ResetFactorError::Invalid(message) => message.clone(),
        ResetFactorError::NoSuchPerson => {
            "Zu dieser E-Mail-Adresse gibt es im Portal kein Konto.".to_owned()
        }
        ResetFactorError::NoFactor => "Diese Person meldet sich ohne zweiten Faktor an; es gibt nichts zurückzusetzen.".to_owned(),
        ResetFactorError::Own => "Ihren eigenen zweiten Faktor setzen Sie hier nicht zurück: Ohne ihn kämen Sie nicht mehr in die Betriebskonsole. Bitten Sie eine andere Person des Betreiberteams darum.".to_owned(),
        ResetFactorError::Order(_) => return None,
    };
    Some((factor_reset::EMAIL.name, message))
}
