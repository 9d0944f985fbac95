//! The operator console's forms whose fields the domain checks.

use catalog::forms::operator::org_name;

use crate::domain::orders::operator_orgs::OrgNameField;

/// The form's name of an [`OrgNameField`] ("Name und Rechtsform ändern").
pub fn org_name_field_name(field: &OrgNameField) -> String {
    match field {
        OrgNameField::Name => org_name::NAME.name,
        OrgNameField::LegalForm => org_name::LEGAL_FORM.name,
    }
    .to_owned()
}
